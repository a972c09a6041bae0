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

/* The argument if given, else leadqual.report_time_zone, else the session's. */
static pg_tz *
report_time_zone(FunctionCallInfo fcinfo, int argno)
{
	if (!PG_ARGISNULL(argno))
		return time_zone_named(text_to_cstring(PG_GETARG_TEXT_PP(argno)));
	if (lq_report_time_zone != NULL && lq_report_time_zone[0] != '\0')
		return time_zone_named(lq_report_time_zone);
	return session_timezone;
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
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	DateADT		date;

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
	if (TIMESTAMP_IS_NOBEGIN(at))
		PG_RETURN_DATEADT(DATEVAL_NOBEGIN);
	if (TIMESTAMP_IS_NOEND(at))
		PG_RETURN_DATEADT(DATEVAL_NOEND);
	if (timestamp2tm(at, &tzoff, &tm, &fsec, NULL, report_time_zone(fcinfo, 2)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("leadqual.report_period: timestamp out of range")));
	date = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
	PG_RETURN_DATEADT(lq_period_start(date, (LqPeriod) period, report_week_start(fcinfo, 3)));
}
