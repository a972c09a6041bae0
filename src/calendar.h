/*
 * calendar.h
 *		Business time for leadqual's own C code: the due time of an SLA
 *		clock, by the cached calendars of calendar.c.
 */
#ifndef LEADQUAL_CALENDAR_H
#define LEADQUAL_CALENDAR_H

#include "datatype/timestamp.h"

/*
 * The instant "amount" of business time after "from" by the calendar
 * "calendar", as leadqual.business_time_add() computes it; false when the
 * calendar never opens (no due time).  "caller" names the operation in
 * messages.  Errors as that function does.
 */
extern bool lq_business_time_add(const char *calendar, TimestampTz from,
								 const Interval *amount, const char *caller,
								 TimestampTz *due);

/*
 * The business time in [from, to) by "calendar", as
 * leadqual.business_time_between() computes it, in the current memory
 * context.  Errors as that function does.
 */
extern Interval *lq_business_time_between(const char *calendar, TimestampTz from,
										  TimestampTz to, const char *caller);

/*
 * Whether "calendar" is open at "at", as leadqual.is_business_time() says.
 * "caller" names the operation in messages.
 */
extern bool lq_calendar_is_open(const char *calendar, TimestampTz at,
								const char *caller);

/* Marks the cache stale if relid is a calendar table (cache_invalidation.c). */
extern void lq_calendars_changed(Oid relid);

#endif
