/*
 * leadqual.c
 *		Module entry point: the magic block, the GUCs and cache set-up.
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "cache_invalidation.h"
#include "compat.h"
#include "leadqual.h"

PG_MODULE_MAGIC;

char	   *lq_reason_guc = NULL;
char	   *lq_rejecting_guc = NULL;
char	   *lq_report_calendar = NULL;
bool		lq_enforce_stage_rules = true;
char	   *lq_handoff_retention_guc = NULL;
Interval	lq_handoff_retention = {0, 7, 0};	/* what the default says */
char	   *lq_report_time_zone = NULL;
bool		lq_report_rollups = true;
int			lq_rollup_refresh_after = 1000;
int			lq_week_start = 0;

/* leadqual.week_start: the weekday names of core/period.c, Monday = 0 */
static const struct config_enum_entry week_start_options[] = {
	{"monday", 0, false},
	{"tuesday", 1, false},
	{"wednesday", 2, false},
	{"thursday", 3, false},
	{"friday", 4, false},
	{"saturday", 5, false},
	{"sunday", 6, false},
	{NULL, 0, false}
};

/* leadqual.report_time_zone: empty, or a time zone PostgreSQL knows by name. */
static bool
check_report_time_zone(char **newval, void **extra pg_attribute_unused(),
					   GucSource source pg_attribute_unused())
{
	if (**newval == '\0' || pg_tzset(*newval) != NULL)
		return true;
	GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
	GUC_check_errmsg("leadqual.report_time_zone: \"%s\" is not a time zone", *newval);
	GUC_check_errhint("Name a time zone of pg_timezone_names, such as 'America/New_York', or leave it empty for the session's TimeZone.");
	return false;
}

/*
 * The text as an interval, with no error thrown (a GUC's check hook must
 * report, not throw): what interval_in() accepts, minus the special values.
 */
static bool
parse_interval(const char *text, Interval *result)
{
	char		workbuf[256];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf;
	int			dtype;
	int			dterr;
	struct pg_itm_in itm_in;
	char	   *copy;

	memset(&itm_in, 0, sizeof(itm_in));
	dterr = ParseDateTime(text, workbuf, sizeof(workbuf), field, ftype,
						  MAXDATEFIELDS, &nf);
	if (dterr == 0)
		dterr = DecodeInterval(field, ftype, nf, INTERVAL_FULL_RANGE, &dtype, &itm_in);
	if (dterr == DTERR_BAD_FORMAT)
	{
		copy = pstrdup(text);
		memset(&itm_in, 0, sizeof(itm_in));
		dterr = DecodeISO8601Interval(copy, &dtype, &itm_in);
		pfree(copy);
	}
	if (dterr != 0 || dtype != DTK_DELTA)
		return false;
	return itmin2interval(&itm_in, result) == 0;
}

/* leadqual.handoff_retention: an interval, zero or more. */
static bool
check_handoff_retention(char **newval, void **extra, GucSource source pg_attribute_unused())
{
	Interval	parsed;
	Interval	zero = {0, 0, 0};
	Interval   *kept;

	if (*newval == NULL || !parse_interval(*newval, &parsed))
	{
		GUC_check_errmsg("invalid value for parameter \"leadqual.handoff_retention\": \"%s\"",
						 *newval ? *newval : "");
		GUC_check_errhint("An interval such as '7 days', or '0' to keep no acknowledged handoff.");
		return false;
	}
	if (DatumGetBool(DirectFunctionCall2(interval_lt, IntervalPGetDatum(&parsed),
										 IntervalPGetDatum(&zero))))
	{
		GUC_check_errmsg("leadqual.handoff_retention must not be negative: \"%s\"", *newval);
		GUC_check_errhint("An interval such as '7 days', or '0' to keep no acknowledged handoff.");
		return false;
	}
	/* the GUC machinery free()s it */
	kept = malloc(sizeof(Interval));
	if (kept == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		GUC_check_errmsg("out of memory");
		return false;
	}
	*kept = parsed;
	*extra = kept;
	return true;
}

static void
assign_handoff_retention(const char *newval pg_attribute_unused(), void *extra)
{
	lq_handoff_retention = *(Interval *) extra;
}

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomStringVariable("leadqual.reason",
							   "Rejection reason recorded when an UPDATE moves a lead into recycled or disqualified.",
							   "Set it with SET LOCAL in the transaction that makes the move; "
							   "the value must be a code in leadqual.rejection_reason.",
							   &lq_reason_guc,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);

	/*
	 * reject()'s reason, on a table Citus distributes, where the trigger
	 * that logs the rejection fires on a worker (src/reject.c): set there
	 * with SET LOCAL for the UPDATE alone.  Not for users: the move is
	 * logged as a rejection (leadqual.reason logs it as a manual move).
	 */
	DefineCustomStringVariable("leadqual.rejecting",
							   "The reason of the leadqual.reject() under way on a table Citus distributes.",
							   "Internal: leadqual.reject() sets it.",
							   &lq_rejecting_guc,
							   "",
							   PGC_USERSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);

	/*
	 * PGC_SUSET: only superusers, or roles granted SET on this parameter,
	 * may switch the stage rules off.
	 */
	DefineCustomBoolVariable("leadqual.enforce_stage_rules",
							 "Refuses backward stage moves and detours without a reason.",
							 "Turn it off with SET LOCAL to repair data; every move is still logged.",
							 &lq_enforce_stage_rules,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("leadqual.report_calendar",
							   "Calendar whose business time leadqual.stage_velocity reports.",
							   "A name in leadqual.calendar.",
							   &lq_report_calendar,
							   "weekdays_9_17",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);

	/*
	 * The reports' periods (weeks, months) are cut in this time zone, from
	 * this weekday: set per database (ALTER DATABASE ... SET) so that every
	 * client reads the same weeks, whatever its own TimeZone.
	 */
	DefineCustomStringVariable("leadqual.report_time_zone",
							   "Time zone in which the reports cut their days, weeks, months, quarters and years.",
							   "A name of pg_timezone_names; empty (the default) for the session's TimeZone.",
							   &lq_report_time_zone,
							   "",
							   PGC_USERSET,
							   0,
							   check_report_time_zone, NULL, NULL);
	/*
	 * Off, sla_compliance counts every clock one by one instead of reading
	 * the days leadqual.refresh_rollups() folded: a check that the two
	 * agree, and a way around a rollup in doubt.
	 */
	DefineCustomBoolVariable("leadqual.report_rollups",
							 "Lets the reports read the rollups refresh_rollups() keeps.",
							 "Off, they count every SLA clock one by one.",
							 &lq_report_rollups,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	/*
	 * How many clock stops a backend commits before it starts a background
	 * worker that folds them into the rollup (rollup_refresh.c): often
	 * enough that reports read few clocks one by one, seldom enough that
	 * the refreshes cost little.  0 never starts one.
	 */
	DefineCustomIntVariable("leadqual.rollup_refresh_after",
							"Clock stops a session commits before it starts leadqual.refresh_rollups() in a background worker.",
							"0 never starts one: run leadqual.refresh_rollups() yourself.",
							&lq_rollup_refresh_after,
							1000,
							0, INT_MAX,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);
	DefineCustomEnumVariable("leadqual.week_start",
							 "Weekday on which the reports' weeks start.",
							 NULL,
							 &lq_week_start,
							 0,
							 week_start_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	/*
	 * PGC_SUSET: how long acknowledged handoffs are kept is the site's
	 * policy (an audit trail, a replay window), set in postgresql.conf, ALTER
	 * DATABASE or ALTER ROLE ... SET by a superuser, or by a role granted SET
	 * on it; a worker acknowledging handoffs must not shorten it for
	 * everyone on a whim.  (It gives no privilege: the purge runs as the
	 * worker, which needs DELETE on leadqual.handoff anyway.)
	 */
	DefineCustomStringVariable("leadqual.handoff_retention",
							   "How long acknowledged handoffs stay in leadqual.handoff.",
							   "An interval; leadqual.ack_handoffs() deletes acknowledged handoffs "
							   "older than this.  0 keeps none.",
							   &lq_handoff_retention_guc,
							   "7 days",
							   PGC_SUSET,
							   0,
							   check_handoff_retention, assign_handoff_retention, NULL);

	MarkGUCPrefixReserved("leadqual");

	lq_register_cache_callbacks();
}
