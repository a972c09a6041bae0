/*
 * business_time.h
 *		Business-hours arithmetic for SLA clocks, in plain C.
 *
 * Nothing here knows about PostgreSQL, so it can be unit-tested and fuzzed
 * on its own (see test/unit/business_time_test.c and
 * test/fuzz/business_time_fuzz.c).  Time zones are abstract (LqZoneOps): the
 * SQL wrapper implements them with pg_localtime() and
 * pg_next_dst_boundary(), the tests with tables of transitions.  How the
 * functions work is described at the top of src/business_time.c.
 *
 * Instants and durations
 * ----------------------
 * An instant is an int64_t count of microseconds since 1970-01-01 00:00 UTC
 * (PostgreSQL counts from 2000-01-01: add 946684800000000, checking for
 * overflow); a duration is an int64_t count of microseconds.  Business time
 * exists only in [LQ_TIME_MIN, LQ_TIME_MAX), about 290308 BC to 294246 AD:
 * any int64_t instant may be passed to any function, but instants outside
 * that range are never business time, so that no computation can overflow.
 * PostgreSQL's timestamps start at 4713 BC, well inside; its last 30 years
 * (from 294247-01-10) do not fit in an int64_t counted from 1970 at all, and
 * LQ_TIME_MAX stops a month earlier still: the wrapper must refuse
 * timestamps past LQ_TIME_MAX, and the infinities.
 *
 * The calendar
 * ------------
 * Business time is given by weekly windows of local wall-clock time in the
 * calendar's zone, minus holidays, which close local wall-clock time on
 * local dates.  Windows may come in any order and may overlap or touch: the
 * union counts, once.  A window runs at most 24 hours and may run overnight
 * into the next day (22:00-06:00 is start 22h, end 30h); Sunday's overnight
 * window runs into Monday.  A holiday closes local time on its own date
 * whatever window it falls in: a holiday on Saturday closes the Saturday
 * 00:00-06:00 part of a Friday 22:00-06:00 window, and a holiday on Friday
 * closes only its 22:00-24:00 part.
 *
 * Daylight saving time
 * --------------------
 * Every window or holiday boundary is a local wall-clock time on a local
 * date, placed on the UTC time line this way:
 *   - a local time that does not exist (the spring-forward gap) moves to the
 *     transition instant, for a start as for an end: a window 02:30-04:00 on
 *     the night New York springs forward from 02:00 to 03:00 runs from 03:00
 *     to 04:00 (one hour), a window 01:00-02:30 from 01:00 to 03:00 EDT (one
 *     hour too);
 *   - a local time that occurs twice (the fall-back overlap) is taken at its
 *     first occurrence for a start and at its second for an end, so a window
 *     or a holiday always includes the repeated hour: 01:30-03:00 on the
 *     night New York falls back from 02:00 to 01:00 runs 2.5 hours, from
 *     01:30 EDT to 03:00 EST, and so does 00:00-01:30.  The repeated hour
 *     is 01:00-02:00 exclusive of its first instant for an end: an end at
 *     exactly 01:00 is the first 01:00 (the clock never reads earlier than
 *     01:00 after it), so 00:00-01:00 that night lasts 1 hour.
 * So windows last what they really last on the clock: an overnight window
 * 22:00-06:00 lasts 7 hours over the spring-forward night and 9 over the
 * fall-back one; a whole day lasts 23 or 25 hours; a whole-day holiday
 * closes all of them.  Formally: with start(L) = the first instant at which
 * the wall clock reads L or later, and end(L) = one microsecond after the
 * last instant at which it reads earlier than L, an instant is business
 * time when it lies in [start(s), end(e)) for some window [s, e) and in no
 * such interval of a holiday.
 *
 * The functions
 * -------------
 * All of them are pure and thread-safe, keep no state and allocate nothing
 * (about 2 kB of stack).  They need a calendar that lq_calendar_valid()
 * accepted; on any other one with its ops in place, their results are
 * unspecified, but they read no memory outside its arrays, overflow nothing
 * and return.  Their cost does not depend on the length of the span as
 * such: the time between two offset changes is counted arithmetically,
 * whole weeks at a time, never day by day.  A call merges the windows
 * (quadratic in their number, at most LQ_MAX_WINDOWS), then does O(windows)
 * work per holiday and per offset change of the zone in the span, plus
 * O(log holidays).  A zone with
 * daylight saving time changes offset twice a year, forever: a span of a
 * thousand years in New York makes about 4000 calls of the zone's callbacks
 * (two per transition), the same span in Kolkata two.
 */
#ifndef LEADQUAL_BUSINESS_TIME_H
#define LEADQUAL_BUSINESS_TIME_H

#include <stdbool.h>
#include <stdint.h>

#define LQ_USECS_PER_SEC	INT64_C(1000000)
#define LQ_USECS_PER_DAY	INT64_C(86400000000)

/*
 * Business time exists in [LQ_TIME_MIN, LQ_TIME_MAX): 106751958 days on
 * either side of 1970-01-01, i.e. 290308-01-25 BC to 294246-12-08 AD.  The
 * 33 days left to INT64_MAX leave room for local times, the look around
 * offset changes and a week's rounding.
 */
#define LQ_TIME_MAX			INT64_C(9223369171200000000)
#define LQ_TIME_MIN			(-LQ_TIME_MAX)
/* the local dates a holiday may have: those that begin inside the range */
#define LQ_DATE_MIN			(-106751958)
#define LQ_DATE_MAX			106751957

/* Offsets beyond a day either way are taken as a day (the tz database's
 * extremes are under 16 hours). */
#define LQ_ZONE_OFFSET_MAX	86400

/* At most this many windows a week (so the union fits on the stack). */
#define LQ_MAX_WINDOWS		64

/*
 * A time zone, as far as the core needs one.  The core never looks inside
 * LqZone; it only passes it back to the callbacks, which must be pure for
 * the duration of a call (same answer for the same question).  They are
 * called with instants between LQ_TIME_MIN and LQ_TIME_MAX, give or take a
 * few days.
 */
typedef struct LqZone LqZone;	/* opaque to the core */
typedef struct LqZoneOps
{
	/* seconds east of UTC in effect at the instant (local = utc + offset) */
	int32_t		(*offset_at) (const LqZone *zone, int64_t utc_us);

	/*
	 * the first instant strictly after utc_us at which the offset changes,
	 * or INT64_MAX when it never changes again.  An answer <= utc_us is
	 * taken as INT64_MAX.  Reporting an instant where the offset does not
	 * really change is harmless.
	 */
	int64_t		(*next_transition) (const LqZone *zone, int64_t utc_us);
} LqZoneOps;

/* A weekly working window, in local wall-clock time. */
typedef struct LqWindow
{
	int			weekday;		/* 0 = Monday ... 6 = Sunday (ISO) */
	int64_t		start_us;		/* since local midnight of that weekday:
								 * 0 <= start < 24h */
	int64_t		end_us;			/* start < end <= start + 24h; past 24h the
								 * window runs overnight into the next day
								 * (22:00-06:00 is 22h..30h); 0..24h is a
								 * whole day */
} LqWindow;

/* Closes local wall-clock time on one local date. */
typedef struct LqHoliday
{
	int32_t		date;			/* local date, days since 1970-01-01 */
	int64_t		start_us;		/* closes [start, end) of that date: 0 and 24h
								 * for a whole day; 0 <= start < end <= 24h */
	int64_t		end_us;
} LqHoliday;

typedef struct LqCalendar
{
	const LqZoneOps *ops;
	const LqZone *zone;
	int			nwindows;		/* 0 .. LQ_MAX_WINDOWS; 0: never open */
	const LqWindow *windows;	/* any order; overlaps count once */
	int			nholidays;
	const LqHoliday *holidays;	/* sorted by date, then start; on one date,
								 * each starts at or after the end of the one
								 * before (they may touch, not overlap) */
} LqCalendar;

/*
 * Whether the calendar satisfies everything stated above (ops and both
 * callbacks present, windows and holidays in range, holidays sorted and not
 * overlapping, dates within LQ_DATE_MIN .. LQ_DATE_MAX).  When it does not,
 * *problem (if problem is not NULL) is set to a static English sentence
 * saying what is wrong with the first offending window or holiday (not
 * which one it is); when it does, to NULL.  The SQL layer calls this when a
 * calendar is loaded.  O(windows + holidays).
 */
extern bool lq_calendar_valid(const LqCalendar *cal, const char **problem);

/*
 * The business time in [from_us, to_us): negative (-between(to, from)) when
 * to_us < from_us, 0 when they are equal.  When it does not fit in an
 * int64_t (spans of over 292000 years of round-the-clock business), it
 * saturates at INT64_MAX, or -INT64_MAX the other way round.
 */
extern int64_t lq_business_between(const LqCalendar *cal, int64_t from_us,
								   int64_t to_us);

/*
 * The due time of amount_us of business time counted from from_us, in
 * *result.
 *   amount > 0: the earliest r with between(from, r) == amount: the instant
 *     the last microsecond of the amount ends, so 1h from 16:00 in a 9-17
 *     window is 17:00 that day, not 09:00 the next one.  A from outside
 *     business hours starts counting at the next opening.
 *   amount == 0: from itself, even outside business hours and on a calendar
 *     that is never open (between(from, from) == 0 holds).
 *   amount < 0: backwards: the latest r <= from with between(r, from) ==
 *     -amount: the instant the amount's first microsecond starts, so -1h
 *     from 10:00 is 09:00 that day, and -1h from 09:00 is 16:00 the
 *     previous business day.
 * So between(from, r) == amount exactly whenever it returns true.  It
 * returns false, leaving *result alone, when there is no such instant: the
 * calendar is never open (for a nonzero amount), there is not that much
 * business time in [from, LQ_TIME_MAX) or [LQ_TIME_MIN, from), or amount is
 * INT64_MIN.
 */
extern bool lq_business_add(const LqCalendar *cal, int64_t from_us,
							int64_t amount_us, int64_t *result);

/*
 * Whether at_us is business time: inside a window and not in a holiday, as
 * placed on the time line above.  Always the same as
 * between(at, at + 1) == 1.
 */
extern bool lq_is_business_time(const LqCalendar *cal, int64_t at_us);

/*
 * The first business instant at or after at_us (at_us itself when it is
 * business time), in *result; false, leaving *result alone, when there is
 * none before LQ_TIME_MAX (a calendar that is never open).
 */
extern bool lq_next_business_time(const LqCalendar *cal, int64_t at_us,
								  int64_t *result);

#endif							/* LEADQUAL_BUSINESS_TIME_H */
