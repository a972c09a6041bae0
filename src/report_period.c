/*
 * report_period.c
 *		leadqual.report_period(): the day, week, month, quarter or year a
 *		time falls in, as the reports group by it, in the report time zone
 *		(leadqual.report_time_zone) from the report's first weekday
 *		(leadqual.week_start), or as a call says.
 *
 * A thin wrapper: PostgreSQL's time-zone rules give the local date, and
 * core/period.c (plain C, unit-tested and fuzzed) its period.
 */
#include "postgres.h"

#include "fmgr.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "leadqual.h"
#include "period.h"

/* A time zone by name, or an error naming the argument. */
static pg_tz *
time_zone_named(const char *name)
{
	pg_tz	   *tz = pg_tzset(name);

	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual.report_period: \"%s\" is not a time zone", name),
				 errhint("Name a time zone of pg_timezone_names, such as 'America/New_York'.")));
	return tz;
}

/* A stretch of time over which a time zone's offset from UTC is one. */
typedef struct LqOffsetSpan
{
	TimestampTz from;			/* inclusive */
	TimestampTz until;			/* exclusive; DT_NOEND: no change after */
	int64		offset;			/* microseconds east of UTC */
} LqOffsetSpan;

#define LQ_OFFSET_SPANS 8

/*
 * What a call site (a report's query) remembers between rows: the zone it
 * last named, and stretches of that zone's offsets.  A report calls
 * report_period() for every row, and a row whose time falls in a stretch
 * known already gets its local date by adding the offset: no zone lookup,
 * no conversion.  The stretches come from the zone's own rules
 * (pg_next_dst_boundary()), so this is exact for every zone, whatever its
 * offsets (those of local mean time included).
 */
typedef struct LqPeriodCache
{
	char		zone_name[TZ_STRLEN_MAX + 1];	/* "": the session's zone */
	pg_tz	   *zone;
	int			nspans;
	int			next_replaced;
	LqOffsetSpan spans[LQ_OFFSET_SPANS];
} LqPeriodCache;

/*
 * The report time zone: the argument if given, else
 * leadqual.report_time_zone, else the session's; looked up only when it
 * changed since the call site's last row.
 */
static pg_tz *
report_time_zone(FunctionCallInfo fcinfo, int argno, LqPeriodCache *cache)
{
	const char *name = "";

	if (!PG_ARGISNULL(argno))
		name = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	else if (lq_report_time_zone != NULL)
		name = lq_report_time_zone;
	if (cache->zone != NULL && strcmp(cache->zone_name, name) == 0 &&
		(name[0] != '\0' || cache->zone == session_timezone))
		return cache->zone;
	cache->zone = name[0] != '\0' ? time_zone_named(name) : session_timezone;
	strlcpy(cache->zone_name, name, sizeof(cache->zone_name));
	cache->nspans = 0;
	return cache->zone;
}

/* Remembers that the zone's offset is "offset" from "at" until the zone's next change. */
static void
remember_span(LqPeriodCache *cache, TimestampTz at, int64 offset)
{
	const int64 unix_shift = (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
	pg_time_t	seconds = (pg_time_t) (lq_floor_div(at, USECS_PER_SEC) + unix_shift);
	long int	before_gmtoff;
	long int	after_gmtoff;
	int			before_isdst;
	int			after_isdst;
	pg_time_t	boundary;
	int			found = pg_next_dst_boundary(&seconds, &before_gmtoff, &before_isdst, &boundary,
											 &after_gmtoff, &after_isdst, cache->zone);
	TimestampTz until;

	if (found < 0 || (found > 0 && (int64) before_gmtoff * USECS_PER_SEC != offset))
		return;					/* not what the conversion said: remember nothing */
	until = found == 0 ? DT_NOEND : ((int64) boundary - unix_shift) * USECS_PER_SEC;
	for (int i = 0; i < cache->nspans; i++)
		if (cache->spans[i].until == until && cache->spans[i].offset == offset)
		{
			/* the same stretch, known from a later time */
			cache->spans[i].from = Min(cache->spans[i].from, at);
			return;
		}
	if (cache->nspans < LQ_OFFSET_SPANS)
		cache->spans[cache->nspans++] = (LqOffsetSpan) {at, until, offset};
	else
	{
		cache->spans[cache->next_replaced] = (LqOffsetSpan) {at, until, offset};
		cache->next_replaced = (cache->next_replaced + 1) % LQ_OFFSET_SPANS;
	}
}

/* The local date of a finite time in the cache's zone. */
static DateADT
local_date(LqPeriodCache *cache, TimestampTz at)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	DateADT		date;

	for (int i = 0; i < cache->nspans; i++)
		if (at >= cache->spans[i].from && at < cache->spans[i].until)
			return (DateADT) lq_floor_div(at + cache->spans[i].offset, USECS_PER_DAY);
	if (timestamp2tm(at, &tzoff, &tm, &fsec, NULL, cache->zone) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("leadqual.report_period: timestamp out of range")));
	date = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
	/* tzoff counts seconds west of UTC */
	if (lq_floor_div(at - (int64) tzoff * USECS_PER_SEC, USECS_PER_DAY) == date)
		remember_span(cache, at, -(int64) tzoff * USECS_PER_SEC);
	return date;
}

/* The argument if given, else leadqual.week_start. */
static int
report_week_start(FunctionCallInfo fcinfo, int argno)
{
	int			weekday;

	if (PG_ARGISNULL(argno))
		return lq_week_start;
	weekday = lq_weekday_from_name(text_to_cstring(PG_GETARG_TEXT_PP(argno)));
	if (weekday < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual.report_period: \"%s\" is not a weekday",
						text_to_cstring(PG_GETARG_TEXT_PP(argno))),
				 errhint("Name one in lower case, from 'monday' to 'sunday'.")));
	return weekday;
}

/*
 * leadqual.report_period(at timestamptz, period text DEFAULT 'week',
 * time_zone text DEFAULT NULL, week_start text DEFAULT NULL) RETURNS date:
 * the first day of the period that holds "at", a local date of the time
 * zone; NULL for a NULL time.  Infinite times give infinite dates.
 */
PG_FUNCTION_INFO_V1(leadqual_report_period);
Datum
leadqual_report_period(PG_FUNCTION_ARGS)
{
	TimestampTz at;
	const char *period_name;
	int			period;
	LqPeriodCache *cache = fcinfo->flinfo->fn_extra;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("leadqual.report_period: period must not be NULL"),
				 errhint("Name one of day, week, month, quarter and year.")));
	at = PG_GETARG_TIMESTAMPTZ(0);
	period_name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	period = lq_period_from_name(period_name);
	if (period < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual.report_period: \"%s\" is not a period", period_name),
				 errhint("Name one of day, week, month, quarter and year.")));
	if (cache == NULL)
		cache = fcinfo->flinfo->fn_extra =
			MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(LqPeriodCache));
	/* the zone is checked even for an infinite time */
	(void) report_time_zone(fcinfo, 2, cache);
	if (TIMESTAMP_IS_NOBEGIN(at))
		PG_RETURN_DATEADT(DATEVAL_NOBEGIN);
	if (TIMESTAMP_IS_NOEND(at))
		PG_RETURN_DATEADT(DATEVAL_NOEND);
	PG_RETURN_DATEADT(lq_period_start(local_date(cache, at), (LqPeriod) period,
									  report_week_start(fcinfo, 3)));
}
