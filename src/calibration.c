/*
 * calibration.c
 *		leadqual.calibrate(), calibrate_deciles() and calibrate_rules(): a
 *		backtest of a scoring model on a table's own history, knowing at
 *		each moment only what was known then; and on the same pass
 *		suggest_points() (a regression of conversion on the rules) and
 *		compare_models() (the table's model against its challengers), with
 *		promote_model(), which makes a challenger the table's own.
 *
 * The leads backtested are a cohort: those whose first logged stage falls
 * in the period [since, until).  Each is watched from that moment for the
 * horizon, or until it reaches the outcome stage (or one past it on the
 * funnel), whichever comes first.  Its score is replayed over that
 * stretch from its events as they occurred: at its entry (counting the
 * events before it), at each event, and at each moment a rule of negative
 * points gives some back.  Between those moments a score can only fall,
 * so a threshold is first reached at one of them.  A threshold "makes" a
 * lead an MQL at the first moment its score reaches it with the model's
 * gates met; the lead converts when it reaches the outcome within the
 * horizon of its entry, which is then always after the decision.  Nothing
 * after the lead's outcome counts: neither its later events nor its later
 * scores.  Fit is read from the lead's row as it is now, the one thing
 * not replayed (leadqual keeps no history of a row's columns).
 *
 * It reads three things, each once, in the tables' order (no sort):
 *
 *	- the table's log, as the caller (row-level security applies): each
 *	  lead's entry and first time at or past the outcome, kept in memory
 *	  by id (simplehash);
 *	- the leads' rows, as the caller: those of the log that entered in the
 *	  period make the cohort, each with its fit;
 *	- the events of the model's kinds, as the owner (they are leadqual's
 *	  own), each kept with its lead when the lead is of the cohort and the
 *	  event came before its watch ended.
 *
 * Then each lead's events are sorted by time and replayed (the arithmetic
 * of src/engagement_state.c, the same as scoring's), in whole units of the
 * model's scale as int64: every part of a score is rounded to the scale,
 * so they add exactly.  One pass serves every threshold at once: a lead's
 * running score passes the thresholds in increasing order.  Memory holds
 * the leads of the log and the cohort's events: about 100 bytes a lead
 * and 24 an event, in contexts deleted at the end.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rangetypes.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "config.h"
#include "engagement.h"
#include "engagement_state.h"
#include "fit.h"
#include "logistic.h"
#include "score.h"
#include "stage.h"
#include "stage_datum.h"
#include "own_table.h"
#include "trust_boundary.h"

/* Default candidate thresholds: k x threshold / 10 for k = 1 .. this. */
#define DEFAULT_CANDIDATES 20
#define DECILES 10
#define ROWS_A_FETCH 10000

/* What the functions are given, checked. */
typedef struct BacktestArgs
{
	const char *caller;
	Oid			relid;
	LqStage		outcome;
	TimestampTz since;			/* DT_NOBEGIN: the start of the log */
	TimestampTz until;
	Interval   *horizon;
	char	   *model;			/* NULL: the table's */
	int			nthresholds;	/* 0: the default candidates */
	Numeric    *thresholds;
} BacktestArgs;

/* An event of a lead, as its replay needs it. */
typedef struct LeadEvent
{
	TimestampTz occurred_at;
	int32		kind;			/* 1-based, into Backtest.kind_names */
	Datum		properties;		/* jsonb, for the kinds that read them; else 0 */
} LeadEvent;

/* A lead of the log, then of the cohort, and its events. */
typedef struct CohortLead
{
	char	   *id;				/* its id, the hash's key */
	TimestampTz entered;		/* its first logged stage */
	TimestampTz outcome;		/* the first at or past the outcome; then
								 * DT_NOEND when none within the horizon */
	TimestampTz watched_until;	/* min(outcome, entered + horizon), exclusive */
	bool		in_cohort;		/* entered in the period, and has a row */
	int64		fit;			/* in units (see Backtest) */
	bool	   *fit_matched;	/* per fit rule, when features are wanted */
	int			nevents;
	int			events_room;
	LeadEvent  *events;
} CohortLead;

/*
 * The leads of the log by id: simplehash, open addressing with each id's
 * hash kept, since every row of the log and every event looks its lead up
 * (dynahash's lookups were a seventh of a backtest's time).
 */
typedef struct LeadSlot
{
	const char *id;				/* the lead's, NUL-terminated */
	uint32		hash;
	char		status;
	CohortLead *lead;
} LeadSlot;

#define SH_PREFIX		leads
#define SH_ELEMENT_TYPE LeadSlot
#define SH_KEY_TYPE		const char *
#define SH_KEY			id
#define SH_HASH_KEY(tb, key) hash_bytes((const unsigned char *) (key), (int) strlen(key))
#define SH_EQUAL(tb, a, b) (strcmp((a), (b)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* Waits in microseconds, kept for their median. */
typedef struct Waits
{
	int64		n;
	int64		room;
	int64	   *waits;
} Waits;

/* A threshold's tally. */
typedef struct ThresholdTally
{
	Numeric		threshold;
	int64		reached_at;		/* the least score, in units, that reaches it */
	int64		mqls;
	int64		converted;
	Waits		to_outcome;		/* decision to outcome, of each converted MQL */
	Waits		to_mql;			/* entry to decision, of each MQL, when
								 * Backtest.want_speed */
} ThresholdTally;

/* A lead's highest score before its outcome, for the deciles. */
typedef struct PeakScore
{
	int64		peak;			/* in units */
	TimestampTz entered;
	const char *id;
	bool		converted;
} PeakScore;

/* A rule's tally: the leads it counted for, converted or not. */
typedef struct RuleTally
{
	const char *name;
	bool		fit;
	Numeric		points;
	int64		converted;
	int64		not_converted;
} RuleTally;

typedef struct Backtest
{
	MemoryContext cxt;			/* holds everything below */
	const LqModel *model;
	Numeric		model_threshold;

	/*
	 * Scores are replayed in units of 10^-scale (the model's), as int64:
	 * every part of a score is rounded to the scale, so they add exactly.
	 * A threshold or gate is reached by a score of at least its value in
	 * units, rounded up; max_score caps a score above its value rounded
	 * down, at its value rounded (as model_score.c caps and rounds).
	 */
	int64	   *fit_points;		/* per fit rule */
	bool		fit_gated;
	int64		min_fit;
	bool		engagement_gated;
	int64		min_engagement;
	bool		capped;
	int64		capped_above;
	int64		cap;
	LqEngagementRules *rules;
	int			nfit;			/* rules[0 .. nfit) fit, then engagement */
	int			nrules;
	RuleTally  *rule_tallies;
	int			nthresholds;
	ThresholdTally *tallies;
	int64		leads;
	int64		converted;
	int64		npeaks;
	PeakScore  *peaks;
	leads_hash *cohort;			/* every lead of the log, by id */
	MemoryContext events_cxt;	/* the cohort's events */

	/*
	 * For suggest_points(): per lead scored (as peaks[]), each rule's
	 * feature, fit rules then engagement rules: 1 or 0 for a fit rule the
	 * row matches or not, an engagement rule's largest weight while the
	 * lead was watched (capped as its points are; 0 if it never counted).
	 */
	bool		want_features;
	float	   *features;		/* npeaks x nrules */
	/* for compare_models(): each MQL's wait from entry to decision */
	bool		want_speed;
	char	  **kind_names;		/* the rules' event kinds, 1-based */
	int			nkinds;
} Backtest;

/*
 * The table's log, as the caller: each row's lead, time, and whether it
 * shows the lead at or past the outcome ($2, a funnel rank).
 */
static LqKeptQuery log_query = {
	"SELECT t.lead_id, t.changed_at, "
	"       COALESCE(leadqual.funnel_rank(t.to_stage) OPERATOR(pg_catalog.>=) $2 "
	"                OR leadqual.funnel_rank(t.from_stage) OPERATOR(pg_catalog.>=) $2, false) "
	"FROM leadqual.transition AS t "
	"WHERE t.lead_table OPERATOR(pg_catalog.=) $1 AND t.to_stage IS NOT NULL",
	2, {REGCLASSOID, INT4OID}, NULL, CURSOR_OPT_NO_SCROLL
};

/* The leads' rows, as the caller, by their ids as the log writes them. */
static char *
rows_sql(const LqTableConfig *config, Oid relid)
{
	return psprintf("SELECT l.%s::pg_catalog.text, l FROM %s AS l",
					quote_identifier(NameStr(config->id_column)), lq_qualified_name(relid));
}

/*
 * The events a rule of the model may count, of every lead of the table,
 * in the table's order, with their properties only for the kinds of rules
 * that read them ($3).
 */
static LqKeptQuery events_query = {
	"SELECT e.lead_id, e.kind, e.occurred_at, "
	"       CASE WHEN e.kind OPERATOR(pg_catalog.=) ANY ($3) THEN e.properties END "
	"FROM leadqual.event AS e "
	"WHERE e.lead_table OPERATOR(pg_catalog.=) $1 "
	"  AND e.kind OPERATOR(pg_catalog.=) ANY ($2) "
	"  AND e.occurred_at OPERATOR(pg_catalog.<) $4",
	4, {REGCLASSOID, TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZOID}, NULL, CURSOR_OPT_NO_SCROLL
};

static LqKeptQuery model_exists_query = {
	"SELECT 1 FROM leadqual.model WHERE name OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}, NULL, 0
};

/*
 * Whether a model of that name exists, read as the caller (everyone may
 * read leadqual.model); needs SPI connected.
 */
static bool
model_exists(const char *name)
{
	Datum		value = CStringGetTextDatum(name);

	lq_run_kept(&model_exists_query, &value, NULL, 1);
	return SPI_processed > 0;
}

static TimestampTz
plus_interval(TimestampTz t, Interval *span)
{
	return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												   TimestampTzGetDatum(t), IntervalPGetDatum(span)));
}

static int
compare_numerics(const void *a, const void *b)
{
	return lq_numeric_cmp(*(Numeric const *) a, *(Numeric const *) b);
}

/*
 * Reads and checks the arguments the functions share: leads first, then,
 * after "skip" arguments of the caller's own, outcome, since, until,
 * horizon and model; and calibrate()'s candidate thresholds after them.
 */
static void
read_args(FunctionCallInfo fcinfo, const char *caller, int skip, bool with_thresholds, BacktestArgs *args)
{
	int			outcome_rank;

	memset(args, 0, sizeof(*args));
	args->caller = caller;
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: leads must not be NULL", caller),
				 errhint("Name a table managed with a scoring model, for example 'crm.leads'.")));
	args->relid = PG_GETARG_OID(0);
	if (PG_ARGISNULL(1 + skip))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: outcome must not be NULL", caller),
				 errhint("Leave it out to backtest against reaching sql.")));
	args->outcome = lq_stage_from_datum(PG_GETARG_DATUM(1 + skip));
	outcome_rank = lq_stage_funnel_rank(args->outcome);
	if (!lq_stage_is_funnel(args->outcome) || outcome_rank <= lq_stage_funnel_rank(LQ_STAGE_MQL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: outcome \"%s\" is not a funnel stage after mql",
						caller, lq_stage_name(args->outcome)),
				 errhint("The outcome is what a good MQL goes on to reach: sal, sql, opportunity or customer, say.")));

	if (PG_ARGISNULL(4 + skip))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: horizon must not be NULL", caller),
				 errhint("Leave it out to watch each lead for 30 days.")));
	args->horizon = PG_GETARG_INTERVAL_P(4 + skip);
	if (DatumGetBool(DirectFunctionCall2(interval_le, IntervalPGetDatum(args->horizon),
										 IntervalPGetDatum(palloc0(sizeof(Interval))))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: horizon must be a positive interval, not %s", caller,
						DatumGetCString(DirectFunctionCall1(interval_out,
															IntervalPGetDatum(args->horizon)))),
				 errhint("Give how long a lead has to reach the outcome, for example '30 days'.")));

	args->since = PG_ARGISNULL(2 + skip) ? DT_NOBEGIN : PG_GETARG_TIMESTAMPTZ(2 + skip);
	/* by default, the leads that have had their whole horizon by now */
	args->until = PG_ARGISNULL(3 + skip) ?
		DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
												TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
												IntervalPGetDatum(args->horizon))) :
		PG_GETARG_TIMESTAMPTZ(3 + skip);
	if (TIMESTAMP_NOT_FINITE(args->until) || args->since >= args->until)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the period from %s until %s is empty", caller,
						DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(args->since))),
						DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(args->until)))),
				 errhint("Give since before until, and until finite; "
						 "leaving until out backtests the leads that entered at least the horizon ago.")));

	args->model = PG_NARGS() <= 5 + skip || PG_ARGISNULL(5 + skip) ? NULL :
		text_to_cstring(PG_GETARG_TEXT_PP(5 + skip));

	if (with_thresholds && !PG_ARGISNULL(6 + skip))
	{
		ArrayType  *given = PG_GETARG_ARRAYTYPE_P(6 + skip);
		Datum	   *values;
		bool	   *nulls;
		int			n;

		deconstruct_array(given, NUMERICOID, -1, false, TYPALIGN_INT, &values, &nulls, &n);
		if (n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: thresholds is empty", caller),
					 errhint("Give the thresholds to try, for example ARRAY[30, 40, 50], or leave it out for twenty around the model's.")));
		args->thresholds = palloc(sizeof(Numeric) * n);
		for (int i = 0; i < n; i++)
		{
			if (nulls[i] || !lq_numeric_is_finite(DatumGetNumeric(values[i])))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: thresholds must be finite numbers, and element %d is %s", caller,
								i + 1, nulls[i] ? "NULL" :
								DatumGetCString(DirectFunctionCall1(numeric_out, values[i]))),
						 errhint("Give the thresholds to try, for example ARRAY[30, 40, 50].")));
			args->thresholds[i] = DatumGetNumeric(values[i]);
		}
		args->nthresholds = n;
	}
}

/* The thresholds to try, increasing and distinct, each with a tally. */
static void
set_thresholds(Backtest *test, Numeric *thresholds, int n)
{
	int			kept = 0;

	qsort(thresholds, n, sizeof(Numeric), compare_numerics);
	test->tallies = MemoryContextAllocZero(test->cxt, sizeof(ThresholdTally) * Max(n, 1));
	for (int i = 0; i < n; i++)
		if (kept == 0 || lq_numeric_cmp(test->tallies[kept - 1].threshold, thresholds[i]) != 0)
		{
			test->tallies[kept].threshold = thresholds[i];
			/* one too large for units is never reached; too small, always */
			(void) lq_numeric_scaled(thresholds[i], test->model->scale, LQ_ROUND_CEILING,
									 &test->tallies[kept].reached_at);
			kept++;
		}
	test->nthresholds = kept;
}

/*
 * The candidates when none are given: k x threshold / 10 for k = 1 .. 20,
 * rounded to the model's scale, and the threshold itself; 1 .. 20 and the
 * threshold when it is not positive.
 */
static void
default_thresholds(Backtest *test)
{
	Numeric    *candidates = palloc(sizeof(Numeric) * (DEFAULT_CANDIDATES + 1));
	Numeric		step = int64_to_numeric(1);

	if (lq_numeric_cmp(test->model_threshold, int64_to_numeric(0)) > 0)
		step = DatumGetNumeric(DirectFunctionCall2(numeric_div, NumericGetDatum(test->model_threshold),
												   NumericGetDatum(int64_to_numeric(10))));
	for (int k = 1; k <= DEFAULT_CANDIDATES; k++)
		candidates[k - 1] =
			DatumGetNumeric(DirectFunctionCall2(numeric_round,
												DirectFunctionCall2(numeric_mul, NumericGetDatum(step),
																	NumericGetDatum(int64_to_numeric(k))),
												Int32GetDatum(test->model->scale)));
	candidates[DEFAULT_CANDIDATES] = test->model_threshold;
	set_thresholds(test, candidates, DEFAULT_CANDIDATES + 1);
}

/* The model backtested: the table's, or the one named, resolved against the table. */
static void
load_model(Backtest *test, const BacktestArgs *args, LqTableConfig *config)
{
	LqThreshold threshold;
	LqStage		promote_to;
	Relation	rel;

	if (args->model == NULL || strcmp(args->model, config->model->name) == 0)
	{
		test->model = config->model;
		test->model_threshold = config->threshold.exact;
		test->rules = lq_table_engagement_rules(config);
		return;
	}
	if (!model_exists(args->model))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("%s: model \"%s\" does not exist", args->caller, args->model),
				 errhint("Name a model of leadqual.model, or leave model out to backtest the table's own.")));
	rel = table_open(args->relid, AccessShareLock);
	test->model = lq_load_model(args->model, rel, config->display_name, test->cxt, &threshold,
								&promote_to);
	table_close(rel, NoLock);
	test->model_threshold = threshold.exact;
	test->rules = lq_model_engagement_rules(args->model, test->model->scale, test->cxt);
}

/* The model's gates and cap, in units. */
static void
scale_model(Backtest *test)
{
	const LqModel *model = test->model;

	test->fit_gated = model->min_fit != NULL;
	if (test->fit_gated)
		(void) lq_numeric_scaled(model->min_fit, model->scale, LQ_ROUND_CEILING, &test->min_fit);
	test->engagement_gated = model->min_engagement != NULL;
	if (test->engagement_gated)
		(void) lq_numeric_scaled(model->min_engagement, model->scale, LQ_ROUND_CEILING,
								 &test->min_engagement);
	test->capped = model->max_score != NULL;
	if (test->capped)
	{
		(void) lq_numeric_scaled(model->max_score, model->scale, LQ_ROUND_FLOOR, &test->capped_above);
		(void) lq_numeric_scaled(model->max_score, model->scale, LQ_ROUND_HALF_AWAY, &test->cap);
	}
}

/* A tally per rule: the model's fit rules, then its engagement rules. */
static void
init_rule_tallies(Backtest *test)
{
	int			nengagement = lq_engagement_rule_count(test->rules);

	test->nfit = test->model->nrules;
	test->nrules = test->nfit + nengagement;
	test->fit_points = MemoryContextAlloc(test->cxt, sizeof(int64) * Max(test->nfit, 1));
	for (int i = 0; i < test->nfit; i++)
		if (!lq_numeric_scaled(test->model->rules[i].points, test->model->scale, LQ_ROUND_HALF_AWAY,
							   &test->fit_points[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("leadqual: fit rule \"%s\" of model \"%s\" gives too many points to replay",
							test->model->rules[i].name, test->model->name),
					 errhint("Cap the rule's points (fit_rule.cap).")));
	test->rule_tallies = MemoryContextAllocZero(test->cxt, sizeof(RuleTally) * Max(test->nrules, 1));
	for (int i = 0; i < test->nfit; i++)
	{
		test->rule_tallies[i].name = test->model->rules[i].name;
		test->rule_tallies[i].fit = true;
		test->rule_tallies[i].points = test->model->rules[i].points;
	}
	for (int i = 0; i < nengagement; i++)
	{
		test->rule_tallies[test->nfit + i].name = lq_engagement_rule_name(test->rules, i);
		test->rule_tallies[test->nfit + i].points = lq_engagement_rule_points(test->rules, i);
	}
}

static void
tally_rule(RuleTally *tally, bool converted)
{
	if (converted)
		tally->converted++;
	else
		tally->not_converted++;
}

/* A lead by its id (text), or NULL. */
static CohortLead *
find_lead(Backtest *test, text *id_text)
{
	char		id[LQ_MAX_LEAD_ID_BYTES + 1];
	int			length = VARSIZE_ANY_EXHDR(id_text);
	LeadSlot   *slot;

	if (length > LQ_MAX_LEAD_ID_BYTES)
		return NULL;			/* the log holds no such id */
	memcpy(id, VARDATA_ANY(id_text), length);
	id[length] = '\0';
	slot = leads_lookup(test->cohort, id);
	return slot != NULL ? slot->lead : NULL;
}

/* Reads a query's rows by the thousand, handing each to "read". */
typedef void (*RowReader) (Backtest *test, HeapTuple row, TupleDesc desc, void *arg);

static void
read_all(Portal portal, RowReader read, Backtest *test, void *arg)
{
	for (;;)
	{
		SPI_cursor_fetch(portal, true, ROWS_A_FETCH);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
			read(test, SPI_tuptable->vals[i], SPI_tuptable->tupdesc, arg);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
}

/* A row of the log: its lead's entry and outcome so far. */
static void
read_log_row(Backtest *test, HeapTuple row, TupleDesc desc, void *arg pg_attribute_unused())
{
	bool		isnull;
	text	   *id = DatumGetTextPP(SPI_getbinval(row, desc, 1, &isnull));
	TimestampTz at = DatumGetTimestampTz(SPI_getbinval(row, desc, 2, &isnull));
	bool		reached = DatumGetBool(SPI_getbinval(row, desc, 3, &isnull));
	CohortLead *lead = find_lead(test, id);

	if (lead == NULL)
	{
		char	   *key = MemoryContextStrdup(test->cxt, text_to_cstring(id));
		bool		found;

		lead = MemoryContextAllocZero(test->cxt, sizeof(CohortLead));
		lead->id = key;
		leads_insert(test->cohort, key, &found)->lead = lead;
		Assert(!found);
		lead->entered = at;
		lead->outcome = DT_NOEND;
	}
	else if (at < lead->entered)
		lead->entered = at;
	if (reached && at < lead->outcome)
		lead->outcome = at;
}

/*
 * Reads the log as the caller: each lead's entry (its first logged stage)
 * and the first time it was at or past the outcome.  A lead the caller
 * can't see has no rows here.
 */
static void
read_log(Backtest *test, const BacktestArgs *args, const LqTableConfig *config)
{
	Datum		values[2] = {ObjectIdGetDatum(config->log_relid),
		Int32GetDatum(lq_stage_funnel_rank(args->outcome))};

	test->cohort = leads_create(test->cxt, 1 << 16, NULL);
	read_all(SPI_cursor_open(NULL, lq_kept_plan(&log_query), values, NULL, true),
			 read_log_row, test, NULL);
}

/* What reading the leads' rows needs beside the backtest. */
typedef struct RowsRead
{
	const BacktestArgs *args;
	TupleDesc	tupdesc;		/* the table's, with its dropped columns */
	MemoryContext row_cxt;
} RowsRead;

/*
 * A lead's row: a lead of the log that entered in the period joins the
 * cohort, with its fit; the fit rules it matches are tallied.
 */
static void
read_lead_row(Backtest *test, HeapTuple row, TupleDesc desc, void *arg)
{
	RowsRead   *read = arg;
	bool		isnull;
	Datum		id = SPI_getbinval(row, desc, 1, &isnull);
	CohortLead *lead = isnull ? NULL : find_lead(test, DatumGetTextPP(id));
	MemoryContext caller_cxt;
	HeapTupleData lead_row;
	bool		converted;

	if (lead == NULL || lead->in_cohort ||
		lead->entered < read->args->since || lead->entered >= read->args->until)
		return;
	lead->in_cohort = true;
	lead->watched_until = plus_interval(lead->entered, read->args->horizon);
	if (lead->outcome >= lead->watched_until)
		lead->outcome = DT_NOEND;
	else
		lead->watched_until = lead->outcome;
	converted = lead->outcome != DT_NOEND;
	test->leads++;
	test->converted += converted;

	if (test->want_features)
		lead->fit_matched = MemoryContextAllocZero(test->events_cxt, Max(test->nfit, 1));
	caller_cxt = MemoryContextSwitchTo(read->row_cxt);
	lead_row.t_data = DatumGetHeapTupleHeader(SPI_getbinval(row, desc, 2, &isnull));
	lead_row.t_len = HeapTupleHeaderGetDatumLength(lead_row.t_data);
	ItemPointerSetInvalid(&lead_row.t_self);
	lead_row.t_tableOid = InvalidOid;
	for (int i = 0; i < test->model->nrules; i++)
	{
		char	   *shown;

		if (!lq_fit_rule_matches(&test->model->rules[i], read->tupdesc, &lead_row, &shown))
			continue;
		if (pg_add_s64_overflow(lead->fit, test->fit_points[i], &lead->fit))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("leadqual: the fit of lead \"%s\" under model \"%s\" is too large to replay",
							lead->id, test->model->name),
					 errhint("Cap the fit rules' points (fit_rule.cap).")));
		tally_rule(&test->rule_tallies[i], converted);
		if (lead->fit_matched != NULL)
			lead->fit_matched[i] = true;
	}
	MemoryContextSwitchTo(caller_cxt);
	MemoryContextReset(read->row_cxt);
}

/*
 * Reads the leads' rows as the caller: the leads of the log that entered
 * in the period and have a row make the cohort.
 */
static void
read_rows(Backtest *test, const BacktestArgs *args, const LqTableConfig *config)
{
	Relation	rel = table_open(args->relid, AccessShareLock);
	RowsRead	read = {args, CreateTupleDescCopy(RelationGetDescr(rel)),
		AllocSetContextCreate(CurrentMemoryContext, "leadqual calibration row", ALLOCSET_DEFAULT_SIZES)};

	table_close(rel, NoLock);
	read_all(SPI_cursor_open_with_args(NULL, rows_sql(config, args->relid), 0, NULL, NULL, NULL,
									   true, CURSOR_OPT_NO_SCROLL),
			 read_lead_row, test, &read);
	MemoryContextDelete(read.row_cxt);
	test->peaks = MemoryContextAllocHuge(test->cxt, sizeof(PeakScore) * Max(test->leads, 1));
	if (test->want_features)
		test->features = MemoryContextAllocHuge(test->cxt,
												sizeof(float) * Max(test->leads, 1) * Max(test->nrules, 1));
}

static void
keep_wait(Backtest *test, Waits *waits, int64 wait)
{
	if (waits->n == waits->room)
	{
		waits->room = Max(16, waits->room * 2);
		waits->waits = waits->waits == NULL ?
			MemoryContextAllocHuge(test->cxt, sizeof(int64) * waits->room) :
			repalloc_huge(waits->waits, sizeof(int64) * waits->room);
	}
	waits->waits[waits->n++] = wait;
}

/* One lead's replay: where its running score has got to. */
typedef struct Replayed
{
	LqReplay   *replay;
	double	   *largest;		/* per engagement rule: its largest weight
								 * counted, -1 if none */
	int64		peak;			/* in units; PG_INT64_MIN: no moment yet */
	int			passed;			/* thresholds reached so far */
} Replayed;

/* The lead's score at moment "at": its peak, and the thresholds it reaches. */
static void
score_moment(Backtest *test, const CohortLead *lead, Replayed *state, TimestampTz at)
{
	int64		engagement = lq_replay_engagement(state->replay, at, state->largest);
	int64		total;

	Assert(at >= lead->entered && at < lead->watched_until);
	if (pg_add_s64_overflow(lead->fit, engagement, &total))
		total = engagement > 0 ? PG_INT64_MAX : PG_INT64_MIN;
	if (test->capped && total > test->capped_above)
		total = test->cap;
	if (total > state->peak)
		state->peak = total;
	if ((test->fit_gated && lead->fit < test->min_fit) ||
		(test->engagement_gated && engagement < test->min_engagement))
		return;
	while (state->passed < test->nthresholds && total >= test->tallies[state->passed].reached_at)
	{
		ThresholdTally *tally = &test->tallies[state->passed++];

		tally->mqls++;
		if (test->want_speed)
			keep_wait(test, &tally->to_mql, at - lead->entered);
		if (lead->outcome != DT_NOEND)
		{
			tally->converted++;
			keep_wait(test, &tally->to_outcome, lead->outcome - at);
		}
	}
}

/*
 * Replays one lead's events (in time order) over its watched stretch, in
 * the current memory context, and tallies the result.
 */
static void
replay_lead(Backtest *test, CohortLead *lead)
{
	const LeadEvent *events = lead->events;
	int			nevents = lead->nevents;
	int			nengagement = lq_engagement_rule_count(test->rules);
	Replayed	state = {lq_replay_begin(test->rules), palloc(sizeof(double) * Max(nengagement, 1)),
	PG_INT64_MIN, 0};
	bool		converted = lead->outcome != DT_NOEND;
	TimestampTz at = lead->entered;
	int			next = 0;

	/* a lead that entered at its outcome was never scored before it */
	if (lead->watched_until <= lead->entered)
		return;
	for (int i = 0; i < nengagement; i++)
		state.largest[i] = -1;
	while (next < nevents && events[next].occurred_at <= at)
	{
		lq_replay_fold(state.replay, test->kind_names[events[next].kind], events[next].occurred_at,
					   events[next].properties);
		next++;
	}
	score_moment(test, lead, &state, at);
	for (;;)
	{
		TimestampTz next_event = next < nevents ? events[next].occurred_at : DT_NOEND;
		TimestampTz rise = lq_replay_next_rise(state.replay, at);

		if (rise <= at)
			rise = at + 1;
		if (rise < next_event && rise < lead->watched_until)
			at = rise;
		else if (next_event < lead->watched_until)
		{
			at = next_event;
			while (next < nevents && events[next].occurred_at == at)
			{
				lq_replay_fold(state.replay, test->kind_names[events[next].kind], at,
							   events[next].properties);
				next++;
			}
		}
		else
			break;
		score_moment(test, lead, &state, at);
	}

	for (int i = 0; i < nengagement; i++)
		if (state.largest[i] >= 0)
			tally_rule(&test->rule_tallies[test->nfit + i], converted);
	if (test->want_features)
	{
		float	   *row = &test->features[test->npeaks * test->nrules];

		for (int i = 0; i < test->nfit; i++)
			row[i] = lead->fit_matched[i] ? 1 : 0;
		for (int i = 0; i < nengagement; i++)
			row[test->nfit + i] = (float) Max(state.largest[i], 0);
	}
	test->peaks[test->npeaks].peak = state.peak;
	test->peaks[test->npeaks].entered = lead->entered;
	test->peaks[test->npeaks].id = lead->id;
	test->peaks[test->npeaks].converted = converted;
	test->npeaks++;
}

static int
compare_events(const void *a, const void *b)
{
	TimestampTz x = ((const LeadEvent *) a)->occurred_at;
	TimestampTz y = ((const LeadEvent *) b)->occurred_at;

	return x < y ? -1 : x > y;
}

/*
 * A kind's number among the rules' kinds (the query reads only those):
 * compared here, byte by byte, rather than numbered by array_position()
 * in the query for every event of the table.
 */
static int32
kind_number(const Backtest *test, text *kind)
{
	int			length = VARSIZE_ANY_EXHDR(kind);

	for (int i = 1; i <= test->nkinds; i++)
		if (strlen(test->kind_names[i]) == (size_t) length &&
			memcmp(test->kind_names[i], VARDATA_ANY(kind), length) == 0)
			return i;
	elog(ERROR, "leadqual: event kind \"%s\" is none of the model's", text_to_cstring(kind));
	pg_unreachable();
}

/* An event: kept with its lead, when the lead is of the cohort and watched then. */
static void
read_event(Backtest *test, HeapTuple row, TupleDesc desc, void *arg pg_attribute_unused())
{
	bool		isnull;
	CohortLead *lead = find_lead(test, DatumGetTextPP(SPI_getbinval(row, desc, 1, &isnull)));
	TimestampTz at;
	Datum		properties;
	LeadEvent  *event;

	if (lead == NULL || !lead->in_cohort)
		return;
	at = DatumGetTimestampTz(SPI_getbinval(row, desc, 3, &isnull));
	if (at >= lead->watched_until)
		return;
	if (lead->nevents == lead->events_room)
	{
		lead->events_room = Max(8, lead->events_room * 2);
		lead->events = lead->events == NULL ?
			MemoryContextAlloc(test->events_cxt, sizeof(LeadEvent) * lead->events_room) :
			repalloc(lead->events, sizeof(LeadEvent) * lead->events_room);
	}
	event = &lead->events[lead->nevents++];
	event->occurred_at = at;
	event->kind = kind_number(test, DatumGetTextPP(SPI_getbinval(row, desc, 2, &isnull)));
	properties = SPI_getbinval(row, desc, 4, &isnull);
	event->properties = (Datum) 0;
	if (!isnull)
	{
		MemoryContext caller_cxt = MemoryContextSwitchTo(test->events_cxt);

		event->properties = PointerGetDatum(PG_DETOAST_DATUM_COPY(properties));
		MemoryContextSwitchTo(caller_cxt);
	}
}

/*
 * Reads the events of the rules' kinds as the owner, in the table's order
 * (no sort), up to the end of the period's last watch.
 */
static void
read_events(Backtest *test, const BacktestArgs *args, const LqTableConfig *config)
{
	Datum		values[4] = {ObjectIdGetDatum(config->log_relid),
		lq_engagement_rule_kinds(test->rules, false),
		lq_engagement_rule_kinds(test->rules, true),
		TimestampTzGetDatum(plus_interval(args->until, args->horizon))};

	read_all(lq_open_as_owner(&events_query, values, NULL), read_event, test, NULL);
}

/* Replays every lead of the cohort, its events in time order. */
static void
replay_cohort(Backtest *test)
{
	MemoryContext lead_cxt = AllocSetContextCreate(CurrentMemoryContext, "leadqual calibration lead",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller_cxt = MemoryContextSwitchTo(lead_cxt);
	leads_iterator iterator;
	LeadSlot   *slot;

	leads_start_iterate(test->cohort, &iterator);
	while ((slot = leads_iterate(test->cohort, &iterator)) != NULL)
	{
		CohortLead *lead = slot->lead;

		if (!lead->in_cohort)
			continue;
		if (lead->nevents > 1)
			qsort(lead->events, lead->nevents, sizeof(LeadEvent), compare_events);
		replay_lead(test, lead);
		MemoryContextReset(lead_cxt);
	}
	MemoryContextSwitchTo(caller_cxt);
	MemoryContextDelete(lead_cxt);
}

/* The rules' kinds as C strings, 1-based. */
static void
name_kinds(Backtest *test)
{
	Datum	   *kinds;
	int			n;

	deconstruct_array(DatumGetArrayTypeP(lq_engagement_rule_kinds(test->rules, false)), TEXTOID, -1,
					  false, TYPALIGN_INT, &kinds, NULL, &n);
	test->nkinds = n;
	test->kind_names = palloc(sizeof(char *) * (n + 1));
	test->kind_names[0] = NULL;
	for (int i = 0; i < n; i++)
		test->kind_names[i + 1] = TextDatumGetCString(kinds[i]);
}

/*
 * The backtest the arguments ask for, in a memory context of its own
 * under the current one, which the caller deletes.
 */
/* What a backtest keeps beside the tallies of calibrate(). */
#define WANT_FEATURES	0x01	/* suggest_points(): each lead's features */
#define WANT_COMPARISON	0x02	/* compare_models(): the model's own
								 * threshold only, with each MQL's wait */

static Backtest *
run_backtest(const BacktestArgs *args, int wants)
{
	LqTableConfig *config = lq_config_for_table(args->relid, args->caller);
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "leadqual calibration",
											  ALLOCSET_DEFAULT_SIZES);
	Backtest   *test = MemoryContextAllocZero(cxt, sizeof(Backtest));
	MemoryContext caller_cxt;

	test->cxt = cxt;
	test->want_features = (wants & WANT_FEATURES) != 0;
	test->want_speed = (wants & WANT_COMPARISON) != 0;
	lq_connect_spi();
	load_model(test, args, config);
	scale_model(test);
	if (test->want_speed)
		set_thresholds(test, &test->model_threshold, 1);
	else if (args->nthresholds == 0)
		default_thresholds(test);
	else
		set_thresholds(test, args->thresholds, args->nthresholds);
	init_rule_tallies(test);
	caller_cxt = MemoryContextSwitchTo(cxt);
	test->events_cxt = AllocSetContextCreate(cxt, "leadqual calibration events", ALLOCSET_DEFAULT_SIZES);
	name_kinds(test);
	read_log(test, args, config);
	read_rows(test, args, config);
	read_events(test, args, config);
	replay_cohort(test);
	MemoryContextSwitchTo(caller_cxt);
	SPI_finish();
	return test;
}

/* round(part / whole, digits), NULL when whole is 0 */
static Datum
ratio(int64 part, int64 whole, int digits, bool *isnull)
{
	*isnull = whole == 0;
	if (whole == 0)
		return (Datum) 0;
	return DirectFunctionCall2(numeric_round,
							   DirectFunctionCall2(numeric_div, NumericGetDatum(int64_to_numeric(part)),
												   NumericGetDatum(int64_to_numeric(whole))),
							   Int32GetDatum(digits));
}

/* A ratio of two ratios (lift), rounded; NULL when either is. */
static Datum
lift(int64 part, int64 whole, int64 base_part, int64 base_whole, bool *isnull)
{
	Datum		rate;
	Datum		base;

	*isnull = whole == 0 || base_whole == 0 || base_part == 0;
	if (*isnull)
		return (Datum) 0;
	rate = DirectFunctionCall2(numeric_div, NumericGetDatum(int64_to_numeric(part)),
							   NumericGetDatum(int64_to_numeric(whole)));
	base = DirectFunctionCall2(numeric_div, NumericGetDatum(int64_to_numeric(base_part)),
							   NumericGetDatum(int64_to_numeric(base_whole)));
	return DirectFunctionCall2(numeric_round, DirectFunctionCall2(numeric_div, rate, base),
							   Int32GetDatum(2));
}

static int
compare_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}

/* microseconds as timestamptz - timestamptz gives them: days and time */
static Datum
wait_interval(int64 microseconds)
{
	Interval   *span = palloc0(sizeof(Interval));

	span->time = microseconds;
	return DirectFunctionCall1(interval_justify_hours, IntervalPGetDatum(span));
}

/*
 * The median of the waits, as percentile_cont(0.5) computes it over
 * intervals: the lower middle one plus half the way to the upper, with
 * whole days of hours carried into days.
 */
static Datum
median_wait(Waits *waits, bool *isnull)
{
	int64		n = waits->n;
	Datum		lower;
	Datum		upper;

	*isnull = n == 0;
	if (n == 0)
		return (Datum) 0;
	qsort(waits->waits, n, sizeof(int64), compare_int64);
	lower = wait_interval(waits->waits[(n - 1) / 2]);
	if (n % 2 == 1)
		return lower;
	upper = wait_interval(waits->waits[n / 2]);
	/* equal to what percentile_cont() gives, shown as days and hours */
	return DirectFunctionCall1(interval_justify_hours,
							   DirectFunctionCall2(interval_pl, lower,
												   DirectFunctionCall2(interval_mul,
																	   DirectFunctionCall2(interval_mi, upper, lower),
																	   Float8GetDatum(0.5))));
}

/* A range as text (range_out() needs a call's flinfo). */
static char *
range_text(RangeType *range)
{
	Oid			output;
	bool		varlena;

	getTypeOutputInfo(RangeTypeGetOid(range), &output, &varlena);
	return OidOutputFunctionCall(output, RangeTypePGetDatum(range));
}

/* Is value inside the range (numrange), bounds as the range has them? */
static bool
in_range(TypeCacheEntry *typcache, RangeType *range, Numeric value)
{
	return range_contains_elem_internal(typcache, range, NumericGetDatum(value));
}

/* Distance from value to the range, as a double (0 inside). */
static double
range_distance(TypeCacheEntry *typcache, RangeType *range, double value)
{
	RangeBound	lower;
	RangeBound	upper;
	bool		empty;

	range_deserialize(typcache, range, &lower, &upper, &empty);
	if (!lower.infinite)
	{
		double		low = DatumGetFloat8(DirectFunctionCall1(numeric_float8, lower.val));

		if (value < low)
			return low - value;
	}
	if (!upper.infinite)
	{
		double		high = DatumGetFloat8(DirectFunctionCall1(numeric_float8, upper.val));

		if (value > high)
			return value - high;
	}
	return 0;
}

/*
 * The threshold recommended, an index into the tallies, or -1: for a
 * volume, the highest that makes at least target_mqls MQLs (else the
 * lowest); for a conversion band, the lowest whose conversion is in it
 * (the most MQLs at that quality), else the one closest to it.
 */
static int
recommend(const Backtest *test, TypeCacheEntry *typcache, RangeType *target_conversion,
		  int64 target_mqls)
{
	int			best = -1;

	if (target_mqls > 0)
	{
		for (int i = 0; i < test->nthresholds; i++)
			if (test->tallies[i].mqls >= target_mqls)
				best = i;
		return best >= 0 ? best : (test->nthresholds > 0 ? 0 : -1);
	}
	if (target_conversion != NULL)
	{
		double		best_distance = 0;

		for (int i = 0; i < test->nthresholds; i++)
		{
			const ThresholdTally *tally = &test->tallies[i];
			Numeric		conversion;
			double		distance;

			if (tally->mqls == 0)
				continue;
			conversion = DatumGetNumeric(DirectFunctionCall2(numeric_div,
															 NumericGetDatum(int64_to_numeric(tally->converted)),
															 NumericGetDatum(int64_to_numeric(tally->mqls))));
			if (in_range(typcache, target_conversion, conversion))
				return i;
			distance = range_distance(typcache, target_conversion,
									  DatumGetFloat8(DirectFunctionCall1(numeric_float8,
																		 NumericGetDatum(conversion))));
			if (best < 0 || distance < best_distance)
			{
				best = i;
				best_distance = distance;
			}
		}
	}
	return best;
}

/*
 * leadqual.calibrate(leads, outcome, since, until, horizon, model,
 * thresholds, target_conversion, target_mqls): per candidate threshold,
 * the MQLs it would have made of the cohort, how many reached the outcome
 * within the horizon, conversion (= precision), recall and the median
 * wait from decision to outcome; the model's own threshold and the one
 * recommended for the target marked.
 */
PG_FUNCTION_INFO_V1(leadqual_calibrate);
Datum
leadqual_calibrate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BacktestArgs args;
	RangeType  *target_conversion = PG_ARGISNULL(7) ? NULL : PG_GETARG_RANGE_P(7);
	int64		target_mqls = PG_ARGISNULL(8) ? 0 : PG_GETARG_INT64(8);
	TypeCacheEntry *typcache = NULL;
	Backtest   *test;
	int			recommended;

	read_args(fcinfo, "leadqual.calibrate", 0, true, &args);
	if (target_conversion != NULL)
	{
		RangeBound	lower;
		RangeBound	upper;
		bool		empty;

		typcache = range_get_typcache(fcinfo, RangeTypeGetOid(target_conversion));
		range_deserialize(typcache, target_conversion, &lower, &upper, &empty);
		if (empty ||
			(!lower.infinite && (lq_numeric_cmp(DatumGetNumeric(lower.val), int64_to_numeric(0)) < 0 ||
								 lq_numeric_cmp(DatumGetNumeric(lower.val), int64_to_numeric(1)) > 0)) ||
			(!upper.infinite && (lq_numeric_cmp(DatumGetNumeric(upper.val), int64_to_numeric(0)) < 0 ||
								 lq_numeric_cmp(DatumGetNumeric(upper.val), int64_to_numeric(1)) > 0)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("leadqual.calibrate: target_conversion %s is not a range of rates between 0 and 1",
							range_text(target_conversion)),
					 errhint("Give the MQL-to-outcome conversion wanted as a fraction, for example '[0.25,0.35]'.")));
	}
	if (!PG_ARGISNULL(8) && target_mqls <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual.calibrate: target_mqls must be positive, not " INT64_FORMAT, target_mqls),
				 errhint("Give the number of MQLs over the period that sales can take, or leave it out.")));

	InitMaterializedSRF(fcinfo, 0);
	test = run_backtest(&args, 0);
	recommended = recommend(test, typcache, target_conversion, target_mqls);
	for (int i = 0; i < test->nthresholds; i++)
	{
		ThresholdTally *tally = &test->tallies[i];
		Datum		values[8];
		bool		nulls[8] = {false};

		values[0] = NumericGetDatum(tally->threshold);
		values[1] = Int64GetDatum(tally->mqls);
		values[2] = Int64GetDatum(tally->converted);
		values[3] = ratio(tally->converted, tally->mqls, 4, &nulls[3]);
		values[4] = ratio(tally->converted, test->converted, 4, &nulls[4]);
		values[5] = median_wait(&tally->to_outcome, &nulls[5]);
		values[6] = BoolGetDatum(lq_numeric_cmp(tally->threshold, test->model_threshold) == 0);
		values[7] = BoolGetDatum(i == recommended);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(test->cxt);
	return (Datum) 0;
}

/* Highest peak first; ties by id, byte-wise, so that deciles are deterministic. */
static int
compare_peaks(const void *a, const void *b)
{
	const PeakScore *x = a;
	const PeakScore *y = b;
	if (x->peak != y->peak)
		return x->peak > y->peak ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * leadqual.calibrate_deciles(leads, outcome, since, until, horizon,
 * model): the cohort's leads scored before their outcome, by decile of
 * their highest score then (1: the top tenth, as ntile(10) splits them):
 * how many, their scores, conversion, lift over the whole, and the share
 * of all conversions the deciles down to this one hold.
 */
PG_FUNCTION_INFO_V1(leadqual_calibrate_deciles);
Datum
leadqual_calibrate_deciles(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BacktestArgs args;
	Backtest   *test;
	int64		start = 0;
	int64		converted_so_far = 0;
	int64		scored_converted = 0;

	read_args(fcinfo, "leadqual.calibrate_deciles", 0, false, &args);
	InitMaterializedSRF(fcinfo, 0);
	test = run_backtest(&args, 0);
	qsort(test->peaks, test->npeaks, sizeof(PeakScore), compare_peaks);
	for (int64 i = 0; i < test->npeaks; i++)
		scored_converted += test->peaks[i].converted;
	for (int decile = 1; decile <= DECILES && start < test->npeaks; decile++)
	{
		/* as ntile(): the first n % 10 deciles take one more */
		int64		size = test->npeaks / DECILES + (decile <= test->npeaks % DECILES ? 1 : 0);
		int64		converted = 0;
		Datum		values[8];
		bool		nulls[8] = {false};

		if (size == 0)
			break;
		for (int64 i = start; i < start + size; i++)
			converted += test->peaks[i].converted;
		converted_so_far += converted;
		values[0] = Int32GetDatum(decile);
		values[1] = Int64GetDatum(size);
		values[2] = NumericGetDatum(int64_div_fast_to_numeric(test->peaks[start + size - 1].peak,
															  test->model->scale));
		values[3] = NumericGetDatum(int64_div_fast_to_numeric(test->peaks[start].peak,
															  test->model->scale));
		values[4] = Int64GetDatum(converted);
		values[5] = ratio(converted, size, 4, &nulls[5]);
		values[6] = lift(converted, size, scored_converted, test->npeaks, &nulls[6]);
		values[7] = ratio(converted_so_far, scored_converted, 4, &nulls[7]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		start += size;
	}
	MemoryContextDelete(test->cxt);
	return (Datum) 0;
}

/*
 * leadqual.calibrate_rules(leads, outcome, since, until, horizon, model):
 * per rule of the model, the share of converted and of other leads of the
 * cohort it counted for before their outcome, the conversion of those it
 * counted for, and its lift over the cohort's.
 */
PG_FUNCTION_INFO_V1(leadqual_calibrate_rules);
Datum
leadqual_calibrate_rules(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BacktestArgs args;
	Backtest   *test;

	read_args(fcinfo, "leadqual.calibrate_rules", 0, false, &args);
	InitMaterializedSRF(fcinfo, 0);
	test = run_backtest(&args, 0);
	for (int i = 0; i < test->nrules; i++)
	{
		const RuleTally *tally = &test->rule_tallies[i];
		int64		counted = tally->converted + tally->not_converted;
		Datum		values[8];
		bool		nulls[8] = {false};

		values[0] = CStringGetTextDatum(tally->name);
		values[1] = CStringGetTextDatum(tally->fit ? "fit" : "engagement");
		values[2] = NumericGetDatum(tally->points);
		values[3] = Int64GetDatum(counted);
		values[4] = ratio(tally->converted, test->converted, 4, &nulls[4]);
		values[5] = ratio(tally->not_converted, test->leads - test->converted, 4, &nulls[5]);
		values[6] = ratio(tally->converted, counted, 4, &nulls[6]);
		values[7] = lift(tally->converted, counted, test->converted, test->leads, &nulls[7]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(test->cxt);
	return (Datum) 0;
}

/*
 * suggest_points(): the regression's settings.  10 points double the odds
 * of converting, as in a credit scorecard, so that a reader can weigh the
 * points; a light penalty (on the standardised features) keeps rules that
 * seldom count, or always count together, from wild coefficients.
 */
#define POINTS_TO_DOUBLE_THE_ODDS 10.0
#define SUGGEST_LAMBDA 1.0
#define SUGGEST_ITERATIONS 25
#define SUGGEST_TOLERANCE 1e-8

/* Earliest entry first; ties by id, byte-wise: the hold-out is the latest. */
static int
compare_entries(const void *a, const void *b)
{
	const PeakScore *x = *(PeakScore *const *) a;
	const PeakScore *y = *(PeakScore *const *) b;

	if (x->entered != y->entered)
		return x->entered < y->entered ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* A score for the hold-out's AUC and lift, highest first, ties by id. */
typedef struct HeldOut
{
	double		score;
	const char *id;
	bool		converted;
} HeldOut;

static int
compare_held_out(const void *a, const void *b)
{
	const HeldOut *x = a;
	const HeldOut *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * The AUC and the top decile's lift (its conversion over the whole's, the
 * decile as ntile(10) cuts it) of the hold-out's scores; each -1 when it
 * can't be had (one class only).  Sorts held[] in place.
 */
static void
held_out_quality(HeldOut *held, int64 n, double *auc, double *lift)
{
	LqScored   *scored = palloc(sizeof(LqScored) * Max(n, 1));
	int64		converted = 0;
	int64		top = n / DECILES + (n % DECILES > 0 ? 1 : 0);
	int64		top_converted = 0;

	for (int64 i = 0; i < n; i++)
	{
		scored[i].score = held[i].score;
		scored[i].positive = held[i].converted;
		converted += held[i].converted;
	}
	*auc = lq_auc(scored, (size_t) n);
	pfree(scored);
	qsort(held, n, sizeof(HeldOut), compare_held_out);
	for (int64 i = 0; i < top; i++)
		top_converted += held[i].converted;
	*lift = converted == 0 || top == 0 ? -1 :
		((double) top_converted / (double) top) / ((double) converted / (double) n);
}

/* A double rounded to digits places as numeric, or NULL for -1. */
static Datum
rounded_or_null(double value, int digits, bool *isnull)
{
	*isnull = value < 0;
	if (*isnull)
		return (Datum) 0;
	return DirectFunctionCall2(numeric_round, DirectFunctionCall1(float8_numeric, Float8GetDatum(value)),
							   Int32GetDatum(digits));
}

/* points x the odds' log scale, rounded to the model's scale, as numeric */
static Numeric
points_of(double log_odds, int scale)
{
	double		points = log_odds * POINTS_TO_DOUBLE_THE_ODDS / M_LN2;

	if (!isfinite(points) || fabs(points) > 1e12)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("leadqual.suggest_points: the fit gives %g points, too many to offer", points),
				 errhint("The history may separate converted leads perfectly by one rule; "
						 "give a longer period, or a model without that rule.")));
	return DatumGetNumeric(DirectFunctionCall2(numeric_round,
											   DirectFunctionCall1(float8_numeric, Float8GetDatum(points)),
											   Int32GetDatum(scale)));
}

static LqKeptQuery new_model_query = {
	"INSERT INTO leadqual.model (name, threshold, promote_to, min_fit, min_engagement, max_score, scale, description) "
	"SELECT $1, $2, m.promote_to, NULL, NULL, NULL, m.scale, $3 FROM leadqual.model AS m "
	"WHERE m.name OPERATOR(pg_catalog.=) $4",
	4, {TEXTOID, NUMERICOID, TEXTOID, TEXTOID}, NULL, 0
};

static LqKeptQuery new_fit_rules_query = {
	"INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, low, high, pattern, points) "
	"SELECT $1, r.name, r.column_name, r.operator, r.value, r.low, r.high, r.pattern, s.points "
	"FROM leadqual.fit_rule AS r "
	"JOIN ROWS FROM (pg_catalog.unnest($2::pg_catalog.text[]), pg_catalog.unnest($3::pg_catalog.numeric[])) "
	"     AS s(name, points) ON s.name OPERATOR(pg_catalog.=) r.name "
	"WHERE r.model OPERATOR(pg_catalog.=) $4",
	4, {TEXTOID, TEXTARRAYOID, NUMERICARRAYOID, TEXTOID}, NULL, 0
};

/* an engagement rule's cap keeps the weight it capped: cap / points x new points */
static LqKeptQuery new_engagement_rules_query = {
	"INSERT INTO leadqual.engagement_rule (model, name, event_kind, match, points, min_count, group_by, "
	"                                      half_life, within, cap) "
	"SELECT $1, r.name, r.event_kind, r.match, s.points, r.min_count, r.group_by, r.half_life, r.within, "
	"       CASE WHEN r.cap IS NULL OR r.points OPERATOR(pg_catalog.=) 0 OR s.points OPERATOR(pg_catalog.=) 0 "
	"            THEN NULL "
	"            ELSE r.cap OPERATOR(pg_catalog./) pg_catalog.abs(r.points) "
	"                 OPERATOR(pg_catalog.*) pg_catalog.abs(s.points) END "
	"FROM leadqual.engagement_rule AS r "
	"JOIN ROWS FROM (pg_catalog.unnest($2::pg_catalog.text[]), pg_catalog.unnest($3::pg_catalog.numeric[])) "
	"     AS s(name, points) ON s.name OPERATOR(pg_catalog.=) r.name "
	"WHERE r.model OPERATOR(pg_catalog.=) $4",
	4, {TEXTOID, TEXTARRAYOID, NUMERICARRAYOID, TEXTOID}, NULL, 0
};

/*
 * Writes the suggested model, as the caller (who needs INSERT on
 * leadqual's model tables: the extension's owner, by default): the base
 * model's settings and rules with the points given, no gates and no cap.
 */
static void
write_model(const char *name, const Backtest *test, Numeric threshold, Numeric *points,
			const char *description)
{
	ArrayBuildState *fit_names = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	ArrayBuildState *fit_points = initArrayResult(NUMERICOID, CurrentMemoryContext, false);
	ArrayBuildState *names = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	ArrayBuildState *engagement_points = initArrayResult(NUMERICOID, CurrentMemoryContext, false);
	Datum		values[4];

	for (int i = 0; i < test->nrules; i++)
	{
		bool		fit = i < test->nfit;

		accumArrayResult(fit ? fit_names : names, CStringGetTextDatum(test->rule_tallies[i].name),
						 false, TEXTOID, CurrentMemoryContext);
		accumArrayResult(fit ? fit_points : engagement_points, NumericGetDatum(points[i]), false,
						 NUMERICOID, CurrentMemoryContext);
	}
	values[0] = CStringGetTextDatum(name);
	values[1] = NumericGetDatum(threshold);
	values[2] = CStringGetTextDatum(description);
	values[3] = CStringGetTextDatum(test->model->name);
	lq_run_kept(&new_model_query, values, NULL, 0);
	values[1] = makeArrayResult(fit_names, CurrentMemoryContext);
	values[2] = makeArrayResult(fit_points, CurrentMemoryContext);
	lq_run_kept(&new_fit_rules_query, values, NULL, 0);
	values[1] = makeArrayResult(names, CurrentMemoryContext);
	values[2] = makeArrayResult(engagement_points, CurrentMemoryContext);
	lq_run_kept(&new_engagement_rules_query, values, NULL, 0);
}

/*
 * leadqual.suggest_points(leads, new_model, outcome, since, until, horizon,
 * model, holdout, target_conversion): fits a regularised logistic
 * regression of conversion on the model's rules, over the cohort's leads
 * that entered first, and writes its points as a new model, new_model; and
 * scores the leads that entered last, held out, under both models.
 */
PG_FUNCTION_INFO_V1(leadqual_suggest_points);
Datum
leadqual_suggest_points(PG_FUNCTION_ARGS)
{
	const char *caller = "leadqual.suggest_points";
	BacktestArgs args;
	char	   *new_model;
	double		holdout;
	double		target;
	Backtest   *test;
	PeakScore **order;
	int64		ntraining;
	int64		nheld;
	int64		training_converted = 0;
	int			p;
	float	   *x;
	uint8	   *y;
	double	   *coef;
	double	   *work;
	int			iterations;
	bool		converged;
	Numeric    *points;
	double	   *points_as_double;
	Numeric		threshold;
	HeldOut    *suggested;
	HeldOut    *current;
	double		auc[2];
	double		lift[2];
	TupleDesc	tupdesc;
	Datum		values[12];
	bool		nulls[12] = {false};
	char	   *description;

	read_args(fcinfo, caller, 1, false, &args);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: new_model must not be NULL", caller),
				 errhint("Name the model to write the suggested points into, for example 'suggested'.")));
	new_model = text_to_cstring(PG_GETARG_TEXT_PP(1));
	holdout = PG_ARGISNULL(7) ? -1 : PG_GETARG_FLOAT8(7);
	if (!(holdout > 0 && holdout < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: holdout must be a fraction between 0 and 1, not %s", caller,
						PG_ARGISNULL(7) ? "NULL" : psprintf("%g", holdout)),
				 errhint("Give the share of the cohort, the leads that entered last, to test the suggestion on: 0.2 by default.")));
	target = PG_ARGISNULL(8) ? -1 : PG_GETARG_FLOAT8(8);
	if (!(target > 0 && target < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: target_conversion must be a rate between 0 and 1, not %s", caller,
						PG_ARGISNULL(8) ? "NULL" : psprintf("%g", target)),
				 errhint("Give the chance of converting at which a lead should become an MQL: 0.3 by default.")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "%s: the return type must be a row type", caller);

	lq_connect_spi();
	if (model_exists(new_model))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("%s: model \"%s\" already exists", caller, new_model),
				 errhint("Name a new model, or drop that one first: DELETE FROM leadqual.model WHERE name = '%s';",
						 new_model)));
	SPI_finish();

	test = run_backtest(&args, WANT_FEATURES);
	p = test->nrules;
	if (p > LQ_LOGISTIC_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: model \"%s\" has %d rules, more than the %d a fit weighs", caller,
						test->model->name, p, LQ_LOGISTIC_MAX_FEATURES),
				 errhint("Fit a copy of the model with fewer rules.")));

	/* the leads in order of entry: the first to learn from, the last held out */
	order = palloc(sizeof(PeakScore *) * Max(test->npeaks, 1));
	for (int64 i = 0; i < test->npeaks; i++)
		order[i] = &test->peaks[i];
	qsort(order, test->npeaks, sizeof(PeakScore *), compare_entries);
	nheld = (int64) floor(test->npeaks * holdout);
	ntraining = test->npeaks - nheld;
	x = MemoryContextAllocHuge(test->cxt, sizeof(float) * Max(ntraining, 1) * Max(p, 1));
	y = MemoryContextAllocHuge(test->cxt, Max(ntraining, 1));
	for (int64 i = 0; i < ntraining; i++)
	{
		memcpy(&x[i * p], &test->features[(order[i] - test->peaks) * p], sizeof(float) * p);
		y[i] = order[i]->converted;
		training_converted += y[i];
	}
	if (training_converted == 0 || training_converted == ntraining)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s: of the %lld leads to learn from, %s converted", caller, (long long) ntraining,
						training_converted == 0 ? "none" : "all"),
				 errhint("Give a period with leads that reached %s and leads that didn't, "
						 "or a longer horizon.", lq_stage_name(args.outcome))));

	coef = palloc(sizeof(double) * (p + 1));
	work = palloc(sizeof(double) * lq_logistic_work_size(p));
	converged = lq_logistic_fit(x, y, (size_t) ntraining, p, SUGGEST_LAMBDA, SUGGEST_ITERATIONS,
								SUGGEST_TOLERANCE, coef, work, &iterations);

	points = palloc(sizeof(Numeric) * Max(p, 1));
	points_as_double = palloc(sizeof(double) * Max(p, 1));
	for (int j = 0; j < p; j++)
	{
		points[j] = points_of(coef[j + 1], test->model->scale);
		points_as_double[j] = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(points[j])));
	}
	/* the score at which the fitted chance of converting reaches the target */
	threshold = points_of(log(target / (1 - target)) - coef[0], test->model->scale);

	/* the hold-out, scored by the suggestion's points and by the model replayed */
	suggested = palloc(sizeof(HeldOut) * Max(nheld, 1));
	current = palloc(sizeof(HeldOut) * Max(nheld, 1));
	for (int64 i = 0; i < nheld; i++)
	{
		PeakScore  *lead = order[ntraining + i];
		const float *row = &test->features[(lead - test->peaks) * p];
		double		score = 0;

		for (int j = 0; j < p; j++)
			score += points_as_double[j] * row[j];
		suggested[i] = (HeldOut) {score, lead->id, lead->converted};
		current[i] = (HeldOut) {(double) lead->peak, lead->id, lead->converted};
	}
	held_out_quality(suggested, nheld, &auc[0], &lift[0]);
	held_out_quality(current, nheld, &auc[1], &lift[1]);

	description = psprintf("Suggested by leadqual.suggest_points() from model \"%s\" on %s: "
						   "%lld leads learnt from, %lld held out",
						   test->model->name, lq_qualified_name(args.relid),
						   (long long) ntraining, (long long) nheld);
	lq_connect_spi();
	write_model(new_model, test, threshold, points, description);
	SPI_finish();

	values[0] = CStringGetTextDatum(new_model);
	values[1] = Int64GetDatum(test->npeaks);
	values[2] = Int64GetDatum(ntraining);
	values[3] = Int64GetDatum(nheld);
	values[4] = Int64GetDatum(training_converted);
	values[5] = NumericGetDatum(threshold);
	values[6] = rounded_or_null(auc[0], 4, &nulls[6]);
	values[7] = rounded_or_null(auc[1], 4, &nulls[7]);
	values[8] = rounded_or_null(lift[0], 2, &nulls[8]);
	values[9] = rounded_or_null(lift[1], 2, &nulls[9]);
	values[10] = Int32GetDatum(iterations);
	values[11] = BoolGetDatum(converged);
	MemoryContextDelete(test->cxt);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

static LqKeptQuery challengers_query = {
	"SELECT c.model FROM leadqual.challenger AS c "
	"WHERE c.lead_table OPERATOR(pg_catalog.=) $1 AND c.model OPERATOR(pg_catalog.<>) $2 "
	"ORDER BY c.added_at, c.model",
	2, {REGCLASSOID, TEXTOID}, NULL, 0
};

/*
 * The models compare_models() backtests: those given (each once, in their
 * order), or the table's own and then its challengers.
 */
static List *
models_to_compare(FunctionCallInfo fcinfo, const LqTableConfig *config)
{
	List	   *models = NIL;

	if (!PG_ARGISNULL(1))
	{
		Datum	   *names;
		bool	   *nulls;
		int			n;

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), TEXTOID, -1, false, TYPALIGN_INT, &names, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			char	   *name;

			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("leadqual.compare_models: models must not hold NULL, and element %d is", i + 1),
						 errhint("Name the models to compare, or leave models out for the table's own and its challengers.")));
			name = TextDatumGetCString(names[i]);
			if (!list_member(models, makeString(name)))
				models = lappend(models, makeString(name));
		}
		if (models == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("leadqual.compare_models: models is empty"),
					 errhint("Name the models to compare, or leave models out for the table's own and its challengers.")));
		return models;
	}
	models = list_make1(makeString(pstrdup(config->model->name)));
	{
		Datum		values[2] = {ObjectIdGetDatum(config->log_relid), CStringGetTextDatum(config->model->name)};

		lq_connect_spi();
		lq_run_kept(&challengers_query, values, NULL, 0);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			Datum		name = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
			MemoryContext spi_cxt = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

			/* in the call's memory, past SPI_finish() */
			models = lappend(models, makeString(TextDatumGetCString(name)));
			MemoryContextSwitchTo(spi_cxt);
		}
		SPI_finish();
	}
	return models;
}

/* The AUC of the cohort's highest scores against conversion; -1 if it can't be had. */
static double
peaks_auc(const Backtest *test)
{
	LqScored   *scored = palloc(sizeof(LqScored) * Max(test->npeaks, 1));
	double		auc;

	for (int64 i = 0; i < test->npeaks; i++)
	{
		scored[i].score = (double) test->peaks[i].peak;
		scored[i].positive = test->peaks[i].converted;
	}
	auc = lq_auc(scored, (size_t) test->npeaks);
	pfree(scored);
	return auc;
}

/*
 * leadqual.compare_models(leads, models, outcome, since, until, horizon):
 * the table's model and its challengers (or the models given), each
 * backtested at its own threshold over the same cohort.
 */
PG_FUNCTION_INFO_V1(leadqual_compare_models);
Datum
leadqual_compare_models(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BacktestArgs args;
	LqTableConfig *config;
	List	   *models;
	ListCell   *cell;

	read_args(fcinfo, "leadqual.compare_models", 1, false, &args);
	config = lq_config_for_table(args.relid, args.caller);
	models = models_to_compare(fcinfo, config);
	InitMaterializedSRF(fcinfo, 0);
	foreach(cell, models)
	{
		Backtest   *test;
		ThresholdTally *tally;
		Datum		values[10];
		bool		nulls[10] = {false};

		args.model = strVal(lfirst(cell));
		test = run_backtest(&args, WANT_COMPARISON);
		Assert(test->nthresholds == 1);
		tally = &test->tallies[0];
		values[0] = CStringGetTextDatum(test->model->name);
		values[1] = BoolGetDatum(strcmp(test->model->name, config->model->name) == 0);
		values[2] = NumericGetDatum(tally->threshold);
		values[3] = Int64GetDatum(tally->mqls);
		values[4] = Int64GetDatum(tally->converted);
		values[5] = ratio(tally->converted, tally->mqls, 4, &nulls[5]);
		values[6] = ratio(tally->converted, test->converted, 4, &nulls[6]);
		values[7] = median_wait(&tally->to_mql, &nulls[7]);
		values[8] = median_wait(&tally->to_outcome, &nulls[8]);
		values[9] = rounded_or_null(peaks_auc(test), 4, &nulls[9]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextDelete(test->cxt);
	}
	return (Datum) 0;
}

static LqOwnInsert model_change_insert = {
	"model_change", 5, {"lead_table", "from_model", "to_model", "changed_by", "note"},
	1, {"id"}, NULL
};

/*
 * leadqual.promote_model(leads, model, note): makes the model the table's
 * own with manage(), as the caller (whose privileges manage() checks: the
 * table's owner), with the columns the table is managed with; then logs
 * the change, as the owner, from plain values.  Nothing is logged unless
 * the change was made.
 */
PG_FUNCTION_INFO_V1(leadqual_promote_model);
Datum
leadqual_promote_model(PG_FUNCTION_ARGS)
{
	const char *caller = "leadqual.promote_model";
	Oid			relid;
	char	   *model;
	LqTableConfig *config;
	char	   *from_model;
	Oid			log_relid;
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	Datum		logged[5];
	bool		logged_nulls[5] = {false};
	Datum		id;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: leads and model must not be NULL", caller),
				 errhint("Name the table and the model to make its own, for example a challenger of leadqual.challenger.")));
	relid = PG_GETARG_OID(0);
	model = text_to_cstring(PG_GETARG_TEXT_PP(1));
	config = lq_config_if_managed(relid);
	if (config == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s: table %s is not managed by leadqual", caller, lq_qualified_name(relid)),
				 errhint("Manage it with the model: SELECT leadqual.manage('%s', model => '%s');",
						 lq_qualified_name(relid), model)));
	/* its log is written straight into leadqual's table, which Citus doesn't see */
	lq_refuse_distributed(config, caller);
	from_model = config->model != NULL ? pstrdup(config->model->name) : NULL;
	if (from_model != NULL && strcmp(from_model, model) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: table %s is managed with model \"%s\" already", caller, config->display_name, model),
				 errhint("Name another model, such as one of the table's challengers.")));

	/*
	 * The change itself, as the caller, with the table's own columns
	 * (copied: manage() rebuilds the settings they are read from).
	 */
	log_relid = config->log_relid;
	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(NameStr(config->id_column));
	values[2] = CStringGetTextDatum(NameStr(config->score_column));
	values[3] = CStringGetTextDatum(NameStr(config->stage_column));
	values[4] = CStringGetTextDatum(model);
	values[5] = CStringGetTextDatum(NameStr(config->owner_column));
	if (NameStr(config->owner_column)[0] == '\0')
		nulls[5] = 'n';
	lq_connect_spi();
	if (SPI_execute_with_args("SELECT leadqual.manage($1, id_column => $2::pg_catalog.name, "
							  "score_column => $3::pg_catalog.name, stage_column => $4::pg_catalog.name, "
							  "model => $5, owner_column => $6::pg_catalog.name)",
							  6, (Oid[]) {REGCLASSOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID},
							  values, nulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "%s: manage() failed", caller);

	/* then the log, as the owner, of the change made */
	logged[0] = ObjectIdGetDatum(log_relid);
	logged[1] = lq_own_text(from_model, &logged_nulls[1]);
	logged[2] = CStringGetTextDatum(model);
	/* the role that made the change, before the insert switches it */
	logged[3] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	logged[4] = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	logged_nulls[4] = PG_ARGISNULL(2);
	lq_insert_as_owner(&model_change_insert, logged, logged_nulls, &id);
	SPI_finish();
	PG_RETURN_DATUM(id);
}
