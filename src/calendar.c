/*
 * calendar.c
 *		Business calendars for SQL: loads leadqual.calendar, business_hours
 *		and holiday into a per-backend cache, gives the plain-C core
 *		(business_time.c) PostgreSQL's time zones, and wraps the core as
 *		leadqual.business_time_between(), business_time_add(),
 *		is_business_time() and next_business_time().
 *
 * A calendar is read with three queries the first time a backend uses it,
 * then served from memory: a call costs a hash lookup plus the core's
 * arithmetic, whatever the span.  Statement triggers on the three tables
 * (leadqual._cached_table_changed()) send a relcache invalidation, which marks
 * the whole cache stale; it is emptied at the next lookup, not inside the
 * callback, so that an invalidation arriving while a calendar loads (its
 * queries lock the tables) never frees memory in use.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "business_time.h"
#include "calendar.h"
#include "citus_shards.h"
#include "trust_boundary.h"

/* PostgreSQL counts from 2000-01-01, the core from 1970-01-01. */
#define LQ_PG_EPOCH_US		INT64CONST(946684800000000)
#define LQ_PG_EPOCH_DAYS	10957

#define LQ_CALENDAR_NAME_MAX 64		/* names are at most 63 characters */

struct LqZone
{
	pg_tz	   *tz;
};

typedef struct LqCachedCalendar
{
	char		name[LQ_CALENDAR_NAME_MAX];	/* hash key */
	struct LqZone zone;
	LqWindow	windows[LQ_MAX_WINDOWS];
	LqHoliday  *holidays;
	LqCalendar	calendar;
} LqCachedCalendar;

static MemoryContext calendar_cxt = NULL;
static HTAB *calendars = NULL;
static bool calendars_stale = false;
static uint64 calendars_generation = 0;	/* counts resets of the cache */

/*
 * What a call site (a function call in a query) looked up last, in its
 * fn_extra: the same name again, with the cache not reset since, is the
 * same calendar, without the hash lookup.
 */
typedef struct LqCalendarCallCache
{
	uint64		generation;
	const LqCalendar *calendar;
	int			name_len;
	char		name[LQ_CALENDAR_NAME_MAX];
} LqCalendarCallCache;
static Oid	calendar_relids[3];

/* The loading queries, read as the caller (calendars are public). */
static LqKeptQuery zone_query = {
	"SELECT time_zone FROM leadqual.calendar "
	"WHERE name OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}, NULL, 0
};
static LqKeptQuery hours_query = {
	"SELECT weekday::integer, opens, closes FROM leadqual.business_hours "
	"WHERE calendar OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}, NULL, 0
};
static LqKeptQuery holidays_query = {
	"SELECT day, closed_from, closed_until FROM leadqual.holiday "
	"WHERE calendar OPERATOR(pg_catalog.=) $1 ORDER BY day, closed_from",
	1, {TEXTOID}, NULL, 0
};

/* ---- time zones for the core ---- */

static pg_time_t
floor_seconds(int64_t utc_us)
{
	return (pg_time_t) (utc_us / USECS_PER_SEC - (utc_us % USECS_PER_SEC < 0));
}

static int32_t
zone_offset_at(const LqZone *zone, int64_t utc_us)
{
	pg_time_t	t = floor_seconds(utc_us);
	long int	before_gmtoff = 0;
	int			before_isdst;
	pg_time_t	boundary;
	long int	after_gmtoff;
	int			after_isdst;

	if (pg_next_dst_boundary(&t, &before_gmtoff, &before_isdst, &boundary,
							 &after_gmtoff, &after_isdst, zone->tz) < 0)
	{
		struct pg_tm *tm = pg_localtime(&t, zone->tz);

		before_gmtoff = tm != NULL ? tm->tm_gmtoff : 0;
	}
	return (int32_t) before_gmtoff;
}

/*
 * pg_next_dst_boundary() extrapolates the zone's rules in 400-year cycles
 * past its transition table, and asked at the very instant of some
 * extrapolated transitions (America/New_York at 2769-11-02 06:00 UTC, and
 * every 400 years after) it answers that none follows.  The core asks at
 * transitions all the time, so a "none" is checked again a second later.
 */
static int64_t
zone_next_transition(const LqZone *zone, int64_t utc_us)
{
	pg_time_t	t = floor_seconds(utc_us);
	long int	before_gmtoff;
	int			before_isdst;
	pg_time_t	boundary;
	long int	after_gmtoff;
	int			after_isdst;

	for (int attempt = 0; attempt < 2; attempt++, t++)
	{
		if (pg_next_dst_boundary(&t, &before_gmtoff, &before_isdst, &boundary,
								 &after_gmtoff, &after_isdst, zone->tz) != 1)
			continue;
		if (boundary > PG_INT64_MAX / USECS_PER_SEC)
			break;
		return (int64_t) boundary * USECS_PER_SEC;
	}
	return PG_INT64_MAX;
}

static const LqZoneOps pg_zone_ops = {zone_offset_at, zone_next_transition};

/* ---- the cache ---- */

/*
 * The relcache entry of relid (InvalidOid: of every relation) was
 * invalidated: if it is one of the three tables, the cache is stale.
 * Called from leadqual's relcache callback (cache_invalidation.c).
 */
void
lq_calendars_changed(Oid relid)
{
	if (relid == InvalidOid || relid == calendar_relids[0] ||
		relid == calendar_relids[1] || relid == calendar_relids[2])
		calendars_stale = true;
}

static void
remember_calendar_tables(void)
{
	Oid			schema = get_namespace_oid("leadqual", false);

	calendar_relids[0] = get_relname_relid("calendar", schema);
	calendar_relids[1] = get_relname_relid("business_hours", schema);
	calendar_relids[2] = get_relname_relid("holiday", schema);
}

static HTAB *
calendar_hash(void)
{
	HASHCTL		ctl;

	if (calendar_cxt == NULL)
		calendar_cxt = AllocSetContextCreate(TopMemoryContext,
											 "leadqual calendar cache",
											 ALLOCSET_SMALL_SIZES);
	if (calendars_stale && calendars != NULL)
	{
		MemoryContextReset(calendar_cxt);
		calendars = NULL;
		calendars_generation++;
	}
	calendars_stale = false;
	if (calendars != NULL)
		return calendars;

	/* the tables' OIDs change if the extension is dropped and re-created */
	remember_calendar_tables();
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = LQ_CALENDAR_NAME_MAX;
	ctl.entrysize = sizeof(LqCachedCalendar);
	ctl.hcxt = calendar_cxt;
	calendars = hash_create("leadqual calendars", 8, &ctl,
							HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	return calendars;
}

/*
 * Runs one of the loading queries on the latest snapshot, not the
 * statement's: the invalidation that emptied the cache may have come from a
 * transaction that committed after the statement began, and a calendar
 * loaded without its change would stay cached.  (A parallel worker can't
 * take a snapshot; its cache dies with the query.)
 */
static void
run_calendar_query(LqKeptQuery *query, const char *name)
{
	Datum		value = CStringGetTextDatum(name);
	bool		fresh = !IsInParallelMode();
	int			rc;

	if (fresh)
		PushActiveSnapshot(GetLatestSnapshot());
	rc = SPI_execute_plan(lq_kept_plan(query), &value, NULL, true, 0);
	if (fresh)
		PopActiveSnapshot();

	if (rc != SPI_OK_SELECT)
		elog(ERROR, "leadqual: loading calendar \"%s\" failed: %s",
			 name, SPI_result_code_string(rc));
}

static Datum
column(int row, int col)
{
	bool		isnull;
	Datum		value = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
									  col, &isnull);

	if (isnull)
		elog(ERROR, "leadqual: unexpected NULL in a calendar table");
	return value;
}

static void
load_zone(LqCachedCalendar *entry, const char *caller)
{
	char	   *zone_name;

	run_calendar_query(&zone_query, entry->name);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("%s: calendar \"%s\" does not exist", caller, entry->name),
				 errhint("leadqual.calendar lists the calendars; leadqual.copy_calendar() makes a new one.")));
	zone_name = TextDatumGetCString(column(0, 1));
	entry->zone.tz = pg_tzset(zone_name);
	if (entry->zone.tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: calendar \"%s\" has unknown time zone \"%s\"",
						caller, entry->name, zone_name),
				 errhint("Set its time_zone to a name pg_timezone_names lists, such as 'America/New_York'.")));
}

static void
load_windows(LqCachedCalendar *entry, const char *caller)
{
	run_calendar_query(&hours_query, entry->name);
	if (SPI_processed > LQ_MAX_WINDOWS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: calendar \"%s\" has %llu weekly windows; leadqual takes up to %d",
						caller, entry->name, (unsigned long long) SPI_processed,
						LQ_MAX_WINDOWS),
				 errhint("Merge windows that touch or overlap in leadqual.business_hours.")));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		LqWindow   *window = &entry->windows[i];
		TimeADT		opens = DatumGetTimeADT(column(i, 2));
		TimeADT		closes = DatumGetTimeADT(column(i, 3));

		window->weekday = DatumGetInt32(column(i, 1)) - 1;
		window->start_us = opens;
		/* closing at or before opening runs overnight, into the next day */
		window->end_us = closes > opens ? closes : closes + USECS_PER_DAY;
	}
	entry->calendar.nwindows = (int) SPI_processed;
}

static void
load_holidays(LqCachedCalendar *entry)
{
	int			n = 0;

	run_calendar_query(&holidays_query, entry->name);
	entry->holidays = MemoryContextAlloc(calendar_cxt,
										 sizeof(LqHoliday) * (SPI_processed + 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		int64		date = (int64) DatumGetDateADT(column(i, 1)) + LQ_PG_EPOCH_DAYS;
		TimeADT		from = DatumGetTimeADT(column(i, 2));
		TimeADT		until = DatumGetTimeADT(column(i, 3));
		LqHoliday  *last = n > 0 ? &entry->holidays[n - 1] : NULL;

		/* dates past the core's range close no time it can count */
		if (date < LQ_DATE_MIN || date > LQ_DATE_MAX)
			continue;
		/* overlapping holidays on one day count as one */
		if (last != NULL && last->date == date && from <= last->end_us)
		{
			last->end_us = Max(last->end_us, until);
			continue;
		}
		entry->holidays[n].date = (int32_t) date;
		entry->holidays[n].start_us = from;
		entry->holidays[n].end_us = until;
		n++;
	}
	entry->calendar.nholidays = n;
}

/*
 * The calendar called "name", from the cache or loaded into it.  "caller"
 * names the SQL function in messages.
 */
static const LqCalendar *
lookup_calendar(text *name_text, const char *caller)
{
	char	   *name = text_to_cstring(name_text);
	LqCachedCalendar *entry;
	bool		found;
	const char *problem;

	if (strlen(name) >= LQ_CALENDAR_NAME_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("%s: calendar \"%.*s...\" does not exist", caller,
						pg_mbcliplen(name, strlen(name), 40), name),
				 errdetail("The name given is %zu bytes long.", strlen(name)),
				 errhint("leadqual.calendar lists the calendars; their names are at most 63 characters.")));

	entry = hash_search(calendar_hash(), name, HASH_FIND, &found);
	if (found)
		return &entry->calendar;

	entry = hash_search(calendars, name, HASH_ENTER, &found);
	entry->holidays = NULL;
	entry->calendar.ops = &pg_zone_ops;
	entry->calendar.zone = &entry->zone;
	entry->calendar.windows = entry->windows;
	entry->calendar.nwindows = 0;
	entry->calendar.nholidays = 0;
	PG_TRY();
	{
		lq_connect_spi();
		load_zone(entry, caller);
		load_windows(entry, caller);
		load_holidays(entry);
		SPI_finish();
		entry->calendar.holidays = entry->holidays;
		if (!lq_calendar_valid(&entry->calendar, &problem))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: calendar \"%s\" is invalid", caller, name),
					 errdetail_internal("%s", problem),
					 errhint("Correct its rows in leadqual.business_hours and leadqual.holiday.")));
	}
	PG_CATCH();
	{
		/* a half-loaded calendar must not be found by the next call */
		if (calendars != NULL)
			hash_search(calendars, name, HASH_REMOVE, NULL);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return &entry->calendar;
}

/*
 * lookup_calendar() for the calendar named by argument 0 of an SQL call,
 * remembered in the call's fn_extra.
 */
static const LqCalendar *
calendar_argument(FunctionCallInfo fcinfo, const char *caller)
{
	text	   *name = PG_GETARG_TEXT_PP(0);
	int			len = VARSIZE_ANY_EXHDR(name);
	LqCalendarCallCache *last = fcinfo->flinfo->fn_extra;

	/* a pending invalidation must be seen before the remembered pointer */
	if (last != NULL && last->calendar != NULL && !calendars_stale && calendars != NULL &&
		last->generation == calendars_generation && last->name_len == len &&
		memcmp(last->name, VARDATA_ANY(name), len) == 0)
		return last->calendar;

	if (last == NULL)
		last = fcinfo->flinfo->fn_extra =
			MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(LqCalendarCallCache));
	last->calendar = NULL;
	last->calendar = lookup_calendar(name, caller);
	last->generation = calendars_generation;
	last->name_len = Min(len, LQ_CALENDAR_NAME_MAX - 1);
	memcpy(last->name, VARDATA_ANY(name), last->name_len);
	return last->calendar;
}

/* ---- instants and intervals ---- */

static void
report_out_of_range(const char *caller, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("%s: %s is out of range", caller, what),
			 errhint("Timestamps start at 4713 BC, and leadqual counts business time up to 294246 AD.")));
}

/* A finite timestamptz as the core's instant. */
static int64_t
to_core_instant(TimestampTz t, const char *caller, const char *what)
{
	int64		us;

	if (pg_add_s64_overflow(t, LQ_PG_EPOCH_US, &us) || us > LQ_TIME_MAX)
		report_out_of_range(caller, what);
	return us;
}

static TimestampTz
from_core_instant(int64_t us, const char *caller)
{
	TimestampTz t = us - LQ_PG_EPOCH_US;

	if (!IS_VALID_TIMESTAMP(t))
		report_out_of_range(caller, "the result");
	return t;
}

static void
require_finite(TimestampTz t, const char *caller, const char *what)
{
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s: cannot count business time %s infinity", caller, what),
				 errhint("Pass finite times; an interval cannot be infinite.")));
}

/*
 * An interval as a duration: days count 24 hours; months have no fixed
 * length and are refused.
 */
static int64_t
interval_to_duration(const Interval *amount, const char *caller)
{
	int64		days_us;
	int64		us;

	if (amount->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: amount \"%s\" has months or years, which have no fixed length in business time",
						caller, DatumGetCString(DirectFunctionCall1(interval_out,
																	IntervalPGetDatum(amount)))),
				 errhint("Give the amount in days, hours and minutes, such as interval '4 hours'; a day counts 24 hours of business time.")));
	if (pg_mul_s64_overflow(amount->day, USECS_PER_DAY, &days_us) ||
		pg_add_s64_overflow(days_us, amount->time, &us) || us == PG_INT64_MIN)
		report_out_of_range(caller, "the amount");
	return us;
}

static Interval *
duration_to_interval(int64_t us)
{
	Interval   *result = palloc0(sizeof(Interval));

	result->time = us;
	return result;
}

/* ---- SQL-callable functions ---- */

/*
 * leadqual.business_time_between(calendar, from, to): the business time in
 * [from, to) as an interval of hours (never days, whose length business
 * time would make ambiguous); negative when to < from.
 */
PG_FUNCTION_INFO_V1(leadqual_business_time_between);
Datum
leadqual_business_time_between(PG_FUNCTION_ARGS)
{
	const char *caller = "leadqual.business_time_between";
	const LqCalendar *calendar = calendar_argument(fcinfo, caller);
	TimestampTz from = PG_GETARG_TIMESTAMPTZ(1);
	TimestampTz to = PG_GETARG_TIMESTAMPTZ(2);

	require_finite(from, caller, "from");
	require_finite(to, caller, "to");
	PG_RETURN_INTERVAL_P(duration_to_interval(
							 lq_business_between(calendar,
												 to_core_instant(from, caller, "from"),
												 to_core_instant(to, caller, "to"))));
}

/*
 * The due time "amount" of business time after "from" (lq_business_add());
 * infinite "from" gives itself, as timestamptz + interval does; false for a
 * calendar that never opens and a nonzero amount.
 */
static bool
business_add(const LqCalendar *calendar, TimestampTz from, const Interval *amount,
			 const char *caller, TimestampTz *due)
{
	int64_t		duration = interval_to_duration(amount, caller);
	int64_t		core_due;

	if (TIMESTAMP_NOT_FINITE(from))
	{
		*due = from;
		return true;
	}
	if (!lq_business_add(calendar, to_core_instant(from, caller, "from"), duration, &core_due))
	{
		if (calendar->nwindows == 0)
			return false;
		report_out_of_range(caller, "the result");
	}
	*due = from_core_instant(core_due, caller);
	return true;
}

/*
 * leadqual.business_time_add(calendar, from, amount): the due time; see
 * lq_business_add().  Infinite "from" returns itself, as timestamptz +
 * interval does; a calendar that never opens gives NULL for a nonzero
 * amount.
 */
PG_FUNCTION_INFO_V1(leadqual_business_time_add);
Datum
leadqual_business_time_add(PG_FUNCTION_ARGS)
{
	const char *caller = "leadqual.business_time_add";
	TimestampTz due;

	if (!business_add(calendar_argument(fcinfo, caller), PG_GETARG_TIMESTAMPTZ(1),
					  PG_GETARG_INTERVAL_P(2), caller, &due))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(due);
}

/* See calendar.h. */
bool
lq_business_time_add(const char *calendar, TimestampTz from,
					 const Interval *amount, const char *caller, TimestampTz *due)
{
	return business_add(lookup_calendar(cstring_to_text(calendar), caller), from,
						amount, caller, due);
}

/* See calendar.h. */
Interval *
lq_business_time_between(const char *calendar, TimestampTz from, TimestampTz to,
						 const char *caller)
{
	require_finite(from, caller, "from");
	require_finite(to, caller, "to");
	return duration_to_interval(lq_business_between(lookup_calendar(cstring_to_text(calendar),
																	caller),
													to_core_instant(from, caller, "from"),
													to_core_instant(to, caller, "to")));
}

/* See calendar.h. */
bool
lq_calendar_is_open(const char *calendar, TimestampTz at, const char *caller)
{
	if (TIMESTAMP_NOT_FINITE(at))
		return false;
	return lq_is_business_time(lookup_calendar(cstring_to_text(calendar), caller),
							   to_core_instant(at, caller, "at"));
}

/* leadqual.is_business_time(calendar, at); never at the infinities. */
PG_FUNCTION_INFO_V1(leadqual_is_business_time);
Datum
leadqual_is_business_time(PG_FUNCTION_ARGS)
{
	const char *caller = "leadqual.is_business_time";
	const LqCalendar *calendar = calendar_argument(fcinfo, caller);
	TimestampTz at = PG_GETARG_TIMESTAMPTZ(1);

	if (TIMESTAMP_NOT_FINITE(at))
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(lq_is_business_time(calendar,
									   to_core_instant(at, caller, "at")));
}

/*
 * leadqual.next_business_time(calendar, at): at itself when open, else the
 * next opening; NULL when the calendar never opens.  The infinities return
 * themselves.
 */
PG_FUNCTION_INFO_V1(leadqual_next_business_time);
Datum
leadqual_next_business_time(PG_FUNCTION_ARGS)
{
	const char *caller = "leadqual.next_business_time";
	const LqCalendar *calendar = calendar_argument(fcinfo, caller);
	TimestampTz at = PG_GETARG_TIMESTAMPTZ(1);
	int64_t		next;

	if (TIMESTAMP_NOT_FINITE(at))
		PG_RETURN_TIMESTAMPTZ(at);
	if (!lq_next_business_time(calendar, to_core_instant(at, caller, "at"),
							   &next))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(from_core_instant(next, caller));
}

/*
 * Whether zone names a zone of the time zone database, as pg_timezone_names
 * lists them (any case, as PostgreSQL reads them).  pg_tzset() also accepts
 * POSIX strings such as 'UTC+5' or '+05:30', whose offset PostgreSQL reads
 * with the sign flipped (west of Greenwich is positive): a calendar in such
 * a "zone" would open hours off.  Reads the whole database, about 600
 * files: for a calendar being written, never per business-time call.
 */
static bool
zone_is_listed(const char *zone)
{
	pg_tzenum  *zones = pg_tzenumerate_start();
	pg_tz	   *tz;
	bool		listed = false;

	while ((tz = pg_tzenumerate_next(zones)) != NULL)
	{
		if (pg_strcasecmp(pg_get_timezone_name(tz), zone) == 0)
		{
			listed = true;
			break;
		}
	}
	pg_tzenumerate_end(zones);
	return listed;
}

/*
 * leadqual._check_time_zone(time_zone, calendar): errors unless the zone is
 * one pg_timezone_names lists; the calendar trigger calls it.
 */
PG_FUNCTION_INFO_V1(leadqual_check_time_zone);
Datum
leadqual_check_time_zone(PG_FUNCTION_ARGS)
{
	char	   *zone;
	char	   *calendar;
	pg_tz	   *tz;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("leadqual: calendar \"%s\" needs a time zone",
						PG_ARGISNULL(1) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(1)))));
	zone = text_to_cstring(PG_GETARG_TEXT_PP(0));
	calendar = PG_ARGISNULL(1) ? pstrdup("") : text_to_cstring(PG_GETARG_TEXT_PP(1));
	tz = strlen(zone) <= TZ_STRLEN_MAX ? pg_tzset(zone) : NULL;
	if (tz == NULL || !pg_tz_acceptable(tz))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual: calendar \"%s\" has unknown time zone \"%s\"",
						calendar, zone),
				 errhint("Use a name pg_timezone_names lists, such as 'America/New_York' or 'UTC'; abbreviations such as 'PST' are not time zones.")));
	if (!zone_is_listed(zone))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual: calendar \"%s\" has time zone \"%s\", which is not a zone of the time zone database",
						calendar, zone),
				 errdetail("PostgreSQL reads a POSIX offset such as 'UTC+5' or '+05:30' with the sign flipped: hours west of Greenwich are positive."),
				 errhint("Use a name pg_timezone_names lists, such as 'Asia/Kolkata' for +05:30, or 'Etc/GMT-5' for a fixed five hours east of UTC.")));
	PG_RETURN_VOID();
}

/*
 * leadqual._cached_table_changed(): statement trigger on the calendar
 * tables and leadqual.sla_policy.  The relcache invalidation it sends
 * reaches every backend at commit, and this one at the end of the
 * statement, and empties the caches of those tables (here and in
 * handoff.c).
 */
PG_FUNCTION_INFO_V1(leadqual_cached_table_changed);
Datum
leadqual_cached_table_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual._cached_table_changed: must be called as a trigger"),
				 errhint("leadqual attaches it to the tables it caches; don't call it.")));
	/* on a Citus node, fired on a shard: the caches know the table */
	CacheInvalidateRelcacheByRelid(lq_cached_relation(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}
