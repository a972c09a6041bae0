/*
 * model_score.c
 *		Scores of tables managed with a model: the trigger's part, storing
 *		subtotals for rescoring, and dropping cached models when they change.
 *
 * A lead's score is fit + engagement, capped by the model's max_score.  The
 * BEFORE trigger computes fit from the row itself; engagement comes from
 * leadqual.lead_score, where leadqual._store_scores() puts it, set-based,
 * before track() or rescore() write the new score into the row (within
 * _score_leads(), the subtotals wait in memory for its UPDATE, and the
 * AFTER trigger stores them with the score: see WaitingLead).  So the
 * trigger is the one place that decides what a score is: it fills in the
 * score of every inserted row and of every row whose fit columns change,
 * and refuses a score written by hand that the model doesn't give.
 *
 * The AFTER trigger then records the new fit and score, and the score's
 * history, for the rows that were really written: not for a row that
 * INSERT ... ON CONFLICT skipped or another BEFORE trigger cancelled.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "compat.h"
#include "citus_shards.h"
#include "config.h"
#include "engagement_state.h"
#include "fit.h"
#include "managed_row.h"
#include "model_score.h"
#include "own_index.h"
#include "score.h"
#include "trust_boundary.h"

/*
 * A written row's fit and score go straight into leadqual.lead_score (its
 * row found by the primary key, then updated, or inserted), and a history
 * row into leadqual.score_change when the score differs from the one last
 * stored: no query a row, which manage() and rescore() would pay for each
 * lead they write.  The lead's row, locked by the statement that wrote it,
 * keeps two transactions from recording the same lead at once.
 */
static LqOwnIndex stored_score = {
	"lead_score", "lead_score_pkey", 2, {"score", "engagement"}, LQ_OWN_INDEX_UNRESOLVED
};
static LqOwnIndex stored_subtotals = {
	"lead_score", "lead_score_pkey", 2, {"fit", "engagement"}, LQ_OWN_INDEX_UNRESOLVED
};
static LqOwnUpdate subtotals_update = {
	"lead_score", 5, {"fit", "engagement", "engagement_as_of", "scored_at", "due_at"}, 0, {NULL}, NULL
};
static LqOwnInsert subtotals_insert = {
	"lead_score", 7,
	{"lead_table", "lead_id", "fit", "engagement", "engagement_as_of", "scored_at", "due_at"},
	0, {NULL}, NULL
};
static LqOwnUpdate score_update = {
	"lead_score", 3, {"fit", "score", "scored_at"}, 0, {NULL}, NULL
};
static LqOwnInsert score_insert = {
	"lead_score", 5, {"lead_table", "lead_id", "fit", "score", "scored_at"}, 0, {NULL}, NULL
};
/* ... with the subtotals that waited for the score (see WaitingLead) */
static LqOwnUpdate scored_update = {
	"lead_score", 6, {"fit", "score", "scored_at", "engagement", "engagement_as_of", "due_at"},
	0, {NULL}, NULL
};
static LqOwnInsert scored_insert = {
	"lead_score", 8,
	{"lead_table", "lead_id", "fit", "score", "scored_at", "engagement", "engagement_as_of", "due_at"},
	0, {NULL}, NULL
};
static LqOwnInsert history_insert = {
	"score_change", 7,
	{"lead_table", "lead_id", "previous_score", "score", "fit", "engagement", "changed_by"},
	0, {NULL}, NULL
};

/* A lead's subtotals, as stored, with when they are next due to change. */
typedef struct Subtotals
{
	Datum		fit;
	Datum		engagement;
	TimestampTz as_of;
	TimestampTz due;			/* DT_NOEND: never (NULL) */
} Subtotals;

/* A lead's subtotals waiting for _score_leads()'s UPDATE (see waiting, below). */
typedef struct WaitingLead
{
	const char *id;				/* the key */
	Subtotals	subtotals;
	bool		stored;
} WaitingLead;

/*
 * The new fit and score of a stored lead, for lq_update_as_owner(); with
 * the subtotals that waited for them (scored_update), if any.
 */
typedef struct RecordedScore
{
	Datum		fit;
	Datum		score;
	bool		score_isnull;
	WaitingLead *waiting;
} RecordedScore;

static bool
revise_score(TupleTableSlot *row pg_attribute_unused(), Datum *values, bool *isnull, void *arg)
{
	RecordedScore *recorded = arg;

	values[0] = recorded->fit;
	isnull[0] = false;
	values[1] = recorded->score;
	isnull[1] = recorded->score_isnull;
	values[2] = TimestampTzGetDatum(GetCurrentTimestamp());
	isnull[2] = false;
	if (recorded->waiting != NULL)
	{
		values[3] = recorded->waiting->subtotals.engagement;
		isnull[3] = false;
		values[4] = TimestampTzGetDatum(recorded->waiting->subtotals.as_of);
		isnull[4] = false;
		values[5] = TimestampTzGetDatum(recorded->waiting->subtotals.due);
		isnull[5] = recorded->waiting->subtotals.due == DT_NOEND;
	}
	return true;
}

/*
 * Subtotals stored by _score_leads() wait for its UPDATE: the triggers
 * take a waiting lead's engagement from here, and the AFTER trigger writes
 * its subtotals with its score, one update of its lead_score row instead
 * of two.  Those the UPDATE did not write (a score that did not change) are
 * stored after it (lq_store_waiting_subtotals()).
 */

struct LqWaitingSubtotals
{
	Oid			lead_table;
	HTAB	   *leads;			/* NULL until a lead waits */
	MemoryContext cxt;
};

/* The innermost _score_leads()'s, or NULL. */
static LqWaitingSubtotals *waiting = NULL;

/* The waiting subtotals of a lead of the table, or NULL. */
static WaitingLead *
waiting_lead(Oid lead_table, const char *lead_id)
{
	if (waiting == NULL || waiting->leads == NULL || waiting->lead_table != lead_table)
		return NULL;
	return hash_search(waiting->leads, &lead_id, HASH_FIND, NULL);
}

LqWaitingSubtotals *
lq_wait_subtotals(Oid lead_table)
{
	LqWaitingSubtotals *outer = waiting;
	LqWaitingSubtotals *mine = palloc0(sizeof(LqWaitingSubtotals));

	mine->lead_table = lead_table;
	mine->cxt = CurrentMemoryContext;
	waiting = mine;
	return outer;
}

void
lq_stop_waiting(LqWaitingSubtotals *outer)
{
	waiting = outer;
}

/* The first lead_score row of a lead: no engagement yet, or the one that waited. */
static void
insert_score(Oid lead_table, const char *lead_id, const RecordedScore *recorded)
{
	Datum		values[8];
	bool		nulls[8] = {false, false, false, recorded->score_isnull, false, false, false, false};

	values[0] = ObjectIdGetDatum(lead_table);
	values[1] = CStringGetTextDatum(lead_id);
	values[2] = recorded->fit;
	values[3] = recorded->score;
	values[4] = TimestampTzGetDatum(GetCurrentTimestamp());
	if (recorded->waiting == NULL)
		lq_insert_as_owner(&score_insert, values, nulls, NULL);
	else
	{
		values[5] = recorded->waiting->subtotals.engagement;
		values[6] = TimestampTzGetDatum(recorded->waiting->subtotals.as_of);
		values[7] = TimestampTzGetDatum(recorded->waiting->subtotals.due);
		nulls[7] = recorded->waiting->subtotals.due == DT_NOEND;
		lq_insert_as_owner(&scored_insert, values, nulls, NULL);
	}
}

/* A score_change row: the score went from previous to the recorded one. */
static void
record_history(Oid lead_table, const char *lead_id, Datum previous, bool previous_isnull,
			   const RecordedScore *recorded, Datum engagement)
{
	NameData	changed_by;
	Datum		values[7];
	bool		nulls[7] = {false, false, previous_isnull, recorded->score_isnull, false, false, false};

	/* the role making the change */
	namestrcpy(&changed_by, GetUserNameFromId(GetUserId(), false));
	values[0] = ObjectIdGetDatum(lead_table);
	values[1] = CStringGetTextDatum(lead_id);
	values[2] = previous;
	values[3] = recorded->score;
	values[4] = recorded->fit;
	values[5] = engagement;
	values[6] = NameGetDatum(&changed_by);
	lq_insert_as_owner(&history_insert, values, nulls, NULL);
}

/* Two scores, either NULL, as IS DISTINCT FROM compares them */
static bool
numeric_distinct(Datum a, bool a_isnull, Datum b, bool b_isnull)
{
	if (a_isnull || b_isnull)
		return a_isnull != b_isnull;
	return lq_numeric_cmp(DatumGetNumeric(a), DatumGetNumeric(b)) != 0;
}

/*
 * The lead's engagement: the one waiting for it (lead, if not NULL), or the
 * one stored, 0 for a lead never scored, read straight through the primary
 * key, as lq_record_model_score() reads the row.
 */
static Numeric
stored_engagement(Oid lead_table, const char *lead_id, const WaitingLead *lead)
{
	LqOwnProbe	probe;
	Numeric		engagement = NULL;

	if (lead != NULL)
		return DatumGetNumeric(lead->subtotals.engagement);

	lq_own_probe_lead(&probe, &stored_score, lead_table, lead_id, ForwardScanDirection);
	if (lq_own_probe_next(&probe))
	{
		bool		isnull;
		Datum		value = lq_own_probe_value(&probe, 2, &isnull);

		Assert(!isnull);		/* the column is NOT NULL */
		engagement = DatumGetNumericCopy(value);
	}
	lq_own_probe_end(&probe);
	return engagement ? engagement : int64_to_numeric(0);
}

/*
 * The fit of the row being written.  A lead waiting for _score_leads()'s
 * UPDATE had its fit read from the row that UPDATE locked, so while the
 * statement leaves the fit columns alone that fit still holds: computing it
 * again, once in each trigger, would cost more than the rest of the row.
 */
static Numeric
written_row_fit(const LqFiring *firing, const WaitingLead *lead)
{
	const LqModel *model = firing->config->model;

	if (lead != NULL && !firing->is_insert &&
		!lq_fit_columns_changed(model, firing->tupdesc, firing->old_row, firing->new_row))
		return DatumGetNumeric(lead->subtotals.fit);
	return lq_fit_points(model, firing->tupdesc, firing->new_row);
}

static bool
meets_gate(Numeric value, Numeric gate)
{
	return gate == NULL || lq_numeric_cmp(value, gate) >= 0;
}

static char *
numeric_text(Numeric value)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(value)));
}

/* Do two versions of a score column differ (NULL counts as a value)? */
static bool
scores_differ(LqScoreKind kind, const LqRowState *a, const LqRowState *b)
{
	if (a->score_isnull || b->score_isnull)
		return a->score_isnull != b->score_isnull;
	return !lq_score_equal(kind, a->score, b->score);
}

/* Did the statement itself change the score column? */
bool
lq_model_score_written(const LqFiring *firing)
{
	return !firing->is_insert &&
		scores_differ(firing->config->score_kind, &firing->old_state, &firing->new_state);
}

/*
 * The AFTER trigger's part: records the fit and score of a row that was
 * written, and its history, when either may have changed.
 */
void
lq_record_model_score(const LqFiring *firing)
{
	LqTableConfig *config = firing->config;
	char	   *lead_id;
	RecordedScore recorded;
	LqOwnProbe	probe;
	bool		stored;
	ItemPointerData tid;
	Datum		previous = (Datum) 0;
	bool		previous_isnull = true;
	Datum		engagement = NumericGetDatum(int64_to_numeric(0));
	bool		isnull;
	WaitingLead *waiting_subtotals;

	if (!firing->is_insert &&
		!scores_differ(config->score_kind, &firing->old_state, &firing->new_state) &&
		!lq_fit_columns_changed(config->model, firing->tupdesc, firing->old_row, firing->new_row))
		return;

	lead_id = lq_row_lead_id(config, firing->tupdesc, firing->new_row);
	waiting_subtotals = waiting_lead(config->log_relid, lead_id);
	recorded.fit = NumericGetDatum(written_row_fit(firing, waiting_subtotals));
	recorded.score_isnull = firing->new_state.score_isnull;
	recorded.score = recorded.score_isnull ? (Datum) 0
		: lq_score_to_numeric(config->score_kind, firing->new_state.score);
	recorded.waiting = NULL;

	lq_own_probe_lead(&probe, &stored_score, config->log_relid, lead_id, ForwardScanDirection);
	stored = lq_own_probe_next(&probe);
	if (stored)
	{
		tid = probe.row->t_self;
		previous = lq_own_probe_value(&probe, 1, &previous_isnull);
		if (!previous_isnull)
			previous = datumCopy(previous, false, -1);
		engagement = datumCopy(lq_own_probe_value(&probe, 2, &isnull), false, -1);
		Assert(!isnull);
	}
	lq_own_probe_end(&probe);

	if (waiting_subtotals != NULL)
	{
		/* the subtotals _score_leads() computed, with the score they give */
		recorded.waiting = waiting_subtotals;
		engagement = waiting_subtotals->subtotals.engagement;
		waiting_subtotals->stored = true;
	}
	if (stored)
		(void) lq_update_as_owner(waiting_subtotals != NULL ? &scored_update : &score_update, &tid,
								  revise_score, &recorded);
	else
		insert_score(config->log_relid, lead_id, &recorded);

	if (numeric_distinct(previous, previous_isnull, recorded.score, recorded.score_isnull))
		record_history(config->log_relid, lead_id, previous, previous_isnull, &recorded, engagement);
}

/* A lead's score under the model: fit + engagement, capped and rounded. */
static Numeric
model_total(const LqModel *model, Numeric fit, Numeric engagement)
{
	Numeric		total = DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(fit),
															NumericGetDatum(engagement)));

	if (model->max_score != NULL && lq_numeric_cmp(total, model->max_score) > 0)
		total = model->max_score;
	/* the parts are rounded already; this gives the total their scale */
	return DatumGetNumeric(DirectFunctionCall2(numeric_round, NumericGetDatum(total),
											   Int32GetDatum(model->scale)));
}

/*
 * Errors, naming the lead, when its score under the model doesn't fit the
 * score column's type (a smallint column and a model without max_score, say).
 * Scoring never skips a lead: a score that can't be stored is a setting to
 * fix, not a lead to leave with a stale score, so the whole statement fails.
 */
static void
require_score_fits(LqTableConfig *config, const char *lead_id, Numeric fit,
				   Numeric engagement, Numeric total)
{
	char	   *type;

	if (lq_score_fits(config->score_kind, total))
		return;
	type = format_type_be(get_atttype(config->rows_relid, config->score_attnum));
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("leadqual: the score %s of lead \"%s\" of table %s does not fit its column \"%s\" (%s)",
					numeric_text(total), lead_id, config->display_name,
					NameStr(config->score_column), type),
			 errdetail("Model \"%s\" gives it fit %s and engagement %s.",
					   config->model->name, numeric_text(fit), numeric_text(engagement)),
			 errhint("Cap the model's scores (UPDATE leadqual.model SET max_score = ... WHERE name = '%s') "
					 "or widen the column (ALTER TABLE %s ALTER COLUMN %s TYPE ...).",
					 config->model->name, config->display_name,
					 quote_identifier(NameStr(config->score_column)))));
}

/*
 * Scores the row about to be written under the table's model: sets its
 * score column and tells whether the model's gates are met.  Errors if the
 * statement wrote a score the model doesn't give.
 */
void
lq_apply_model(LqFiring *firing, LqModelScore *result)
{
	LqTableConfig *config = firing->config;
	LqModel    *model = config->model;
	char	   *lead_id = lq_row_lead_id(config, firing->tupdesc, firing->new_row);
	WaitingLead *lead = waiting_lead(config->log_relid, lead_id);
	Numeric		fit = written_row_fit(firing, lead);
	Numeric		engagement = stored_engagement(config->log_relid, lead_id, lead);
	Numeric		total;
	Datum		score;

	Assert(model != NULL);
	total = model_total(model, fit, engagement);
	require_score_fits(config, lead_id, fit, engagement, total);
	score = lq_score_from_numeric(config->score_kind, NumericGetDatum(total));

	if (lq_model_score_written(firing) &&
		(firing->new_state.score_isnull ||
		 !lq_score_equal(config->score_kind, firing->new_state.score, score)))
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("leadqual: the score of lead \"%s\" of table %s is computed by model \"%s\"",
						lead_id, config->display_name, model->name),
				 errdetail("The statement set column \"%s\" to %s; the model gives %s.",
						   NameStr(config->score_column),
						   firing->new_state.score_isnull ? "NULL"
						   : numeric_text(DatumGetNumeric(lq_score_to_numeric(config->score_kind,
																			  firing->new_state.score))),
						   numeric_text(total)),
				 errhint("Record what the lead did with leadqual.track(), or change the model's rules; "
						 "leadqual.explain('%s', '%s') shows how the score is made up.",
						 config->display_name, lead_id)));

	if (firing->new_state.score_isnull ||
		!lq_score_equal(config->score_kind, firing->new_state.score, score))
	{
		int			attnum = config->score_attnum;
		bool		isnull = false;

		firing->new_row = heap_modify_tuple_by_cols(firing->new_row, firing->tupdesc,
													1, &attnum, &score, &isnull);
		firing->new_state.score = heap_getattr(firing->new_row, attnum,
											   firing->tupdesc, &isnull);
		firing->new_state.score_isnull = false;
	}

	result->gates_met = meets_gate(fit, model->min_fit) &&
		meets_gate(engagement, model->min_engagement);
}

void
lq_subtotals_walk_begin(LqOwnWalk *walk, Oid lead_table)
{
	lq_own_walk_begin(walk, &stored_subtotals, lead_table);
}

bool
lq_walked_subtotals(LqOwnWalk *walk, Datum lead_id, LqStoredSubtotals *stored)
{
	bool		isnull;

	stored->stored = lq_own_walk_to(walk, lead_id);
	if (!stored->stored)
		return false;
	stored->fit = DatumGetNumericCopy(lq_own_probe_value(&walk->probe, 1, &isnull));
	stored->engagement = DatumGetNumericCopy(lq_own_probe_value(&walk->probe, 2, &isnull));
	return true;
}

bool
lq_score_is_stale(LqTableConfig *config, const LqStoredSubtotals *stored, Numeric fit,
				  Numeric engagement, Datum score, bool score_isnull)
{
	bool		stale = !stored->stored ||
		lq_numeric_cmp(fit, stored->fit) != 0 ||
		lq_numeric_cmp(engagement, stored->engagement) != 0;

	if (!stale)
	{
		Numeric		total = model_total(config->model, fit, engagement);

		stale = score_isnull || !lq_score_fits(config->score_kind, total) ||
			!lq_score_equal(config->score_kind, score,
							lq_score_from_numeric(config->score_kind, NumericGetDatum(total)));
	}
	return stale;
}

/* "OPERATOR(schema.=)" for a type's default equality, for dynamic SQL */
char *
lq_qualified_equality(Oid type, const char *caller)
{
	TypeCacheEntry *typentry = lookup_type_cache(type, TYPECACHE_EQ_OPR);
	HeapTuple	tuple;
	Form_pg_operator operator;
	char	   *result;

	if (!OidIsValid(typentry->eq_opr))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("%s: type %s has no equality operator to find the lead with",
						caller, format_type_be(type)),
				 errhint("Manage the table with an id column of a type with a default btree operator class, such as bigint, text or uuid.")));
	tuple = SearchSysCache1(OPEROID, ObjectIdGetDatum(typentry->eq_opr));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "%s: no operator with OID %u", caller, typentry->eq_opr);
	operator = (Form_pg_operator) GETSTRUCT(tuple);
	result = psprintf("OPERATOR(%s.%s)",
					  quote_identifier(get_namespace_name(operator->oprnamespace)),
					  NameStr(operator->oprname));
	ReleaseSysCache(tuple);
	return result;
}

/*
 * leadqual._equality_operator(type regtype): the type's equality operator,
 * schema-qualified, for the queries the SQL functions build.
 */
PG_FUNCTION_INFO_V1(leadqual_equality_operator);
Datum
leadqual_equality_operator(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(lq_qualified_equality(PG_GETARG_OID(0),
														   "leadqual")));
}

/*
 * _store_scores() crosses the trust boundary in two steps.  On the
 * caller's side it reads the leads, with the caller's privileges and row
 * security: their ids (as text, by the id column's output function) and
 * their fit (leadqual._fit(), which reads the user's columns).  On the
 * owner's side it joins those plain values to the engagement computed from
 * leadqual.event and writes leadqual.lead_score.  No lead the caller can't
 * see is read or written, and nothing of the user's runs as the owner.
 *
 * track() scores a lead or a few at a time: planning the queries each time
 * would cost more than running them, so generic plans for few leads are
 * kept, ones that look them up by index (the caller's per table, as it
 * names the table's columns).  Many leads get plans made for their values,
 * with the hash joins and hashed id lists that suit them.
 */
#define LQ_FEW_LEADS 64

#define STORE_SUBTOTALS_SQL \
	"INSERT INTO leadqual.lead_score AS s " \
	"(lead_table, lead_id, fit, engagement, engagement_as_of, scored_at) " \
	"SELECT $1, f.lead_id, f.fit, COALESCE(e.points, 0), $2, pg_catalog.clock_timestamp() " \
	"FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4)) AS f(lead_id, fit) " \
	"LEFT JOIN (SELECT p.lead_id, pg_catalog.sum(p.points) AS points " \
	"           FROM leadqual._engagement_points($1, $2) AS p " \
	"           WHERE p.lead_id OPERATOR(pg_catalog.=) ANY ($3) " \
	"           GROUP BY p.lead_id) AS e " \
	"       ON e.lead_id OPERATOR(pg_catalog.=) f.lead_id " \
	STORE_CONFLICT

#define STORE_CONFLICT \
	"ON CONFLICT (lead_table, lead_id) DO UPDATE " \
	"SET fit = excluded.fit, engagement = excluded.engagement, " \
	"    engagement_as_of = excluded.engagement_as_of, scored_at = excluded.scored_at " \
	"RETURNING s.lead_id, s.fit, s.engagement"

/* The owner's side, for few leads and for many. */
static LqKeptQuery store_few_query = {
	STORE_SUBTOTALS_SQL, 4, {REGCLASSOID, TIMESTAMPTZOID, TEXTARRAYOID, NUMERICARRAYOID},
	NULL, CURSOR_OPT_GENERIC_PLAN
};
static LqKeptQuery store_many_query = {
	STORE_SUBTOTALS_SQL, 4, {REGCLASSOID, TIMESTAMPTZOID, TEXTARRAYOID, NUMERICARRAYOID},
	NULL, CURSOR_OPT_CUSTOM_PLAN
};
/*
 * The caller's side: the id and fit of each lead, of the given ids ($2) or
 * of every row the caller can see.
 */
static char *
fits_sql(LqTableConfig *config, bool given_ids)
{
	const char *id = quote_identifier(NameStr(config->id_column));
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT l.%s, leadqual._fit($1, l) FROM %s AS l",
					 id, lq_qualified_name(config->rows_relid));
	if (given_ids)
		appendStringInfo(&sql, " JOIN pg_catalog.unnest($2::%s[]) AS u(id) ON l.%s %s u.id",
						 format_type_be_qualified(config->id_type), id,
						 lq_qualified_equality(config->id_type, "leadqual"));
	return sql.data;
}

/* The kept plan for few leads, prepared again when the columns change. */
static LqKeptQuery *
few_fits_query(LqTableConfig *config)
{
	static const Oid argtypes[2] = {REGCLASSOID, TEXTARRAYOID};

	if (config->few_fits_sql == NULL)
		config->few_fits_sql = MemoryContextStrdup(config->model_cxt,
												   fits_sql(config, true));
	/*
	 * Planned for few leads, the generic plan reads them by index; the plan
	 * cache would keep re-planning, as custom plans look cheaper.
	 */
	lq_set_kept_query(&config->few_fits_query, config->few_fits_sql, 2, argtypes,
					  CURSOR_OPT_GENERIC_PLAN);
	return &config->few_fits_query;
}

/*
 * Reads, as the caller, the ids (as text) and fits of the leads into
 * *lead_ids and *fits; lead_ids_given is a text[] or (Datum) 0 for all.
 * Returns how many.
 */
static uint64
read_fits(LqTableConfig *config, Datum lead_ids_given, bool few,
		  Datum *lead_ids, Datum *fits, MemoryContext cxt)
{
	Datum		values[2] = {ObjectIdGetDatum(config->rows_relid), lead_ids_given};
	char		nulls[2] = {' ', lead_ids_given == (Datum) 0 ? 'n' : ' '};
	ArrayBuildState *ids = initArrayResult(TEXTOID, cxt, false);
	ArrayBuildState *points = initArrayResult(NUMERICOID, cxt, false);
	uint64		count;

	if (few)
		lq_run_kept(few_fits_query(config), values, nulls, 0);
	else
	{
		/*
		 * Not read-only, so that it takes a new snapshot, as the kept query
		 * does: a caller that just locked the leads must read the rows it
		 * locked, not those its statement's snapshot saw before it waited.
		 */
		Oid			argtypes[2] = {REGCLASSOID, TEXTARRAYOID};
		int			rc = SPI_execute_with_args(fits_sql(config, lead_ids_given != (Datum) 0),
											   lead_ids_given == (Datum) 0 ? 1 : 2,
											   argtypes, values, nulls, false, 0);

		if (rc != SPI_OK_SELECT)
			elog(ERROR, "leadqual: reading the leads of %s failed: %s",
				 config->display_name, SPI_result_code_string(rc));
	}
	count = SPI_processed;
	for (uint64 i = 0; i < count; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		bool		id_isnull;
		bool		fit_isnull;
		Datum		id = SPI_getbinval(row, SPI_tuptable->tupdesc, 1, &id_isnull);
		Datum		fit = SPI_getbinval(row, SPI_tuptable->tupdesc, 2, &fit_isnull);

		if (id_isnull)
			continue;			/* a row without an id has no score to keep */
		Assert(!fit_isnull);
		/* the id as the log has it: the column's output function */
		ids = accumArrayResult(ids, CStringGetTextDatum(OutputFunctionCall(&config->id_output, id)),
							   false, TEXTOID, cxt);
		points = accumArrayResult(points, fit, fit_isnull, NUMERICOID, cxt);
	}
	*lead_ids = makeArrayResult(ids, cxt);
	*fits = makeArrayResult(points, cxt);
	SPI_freetuptable(SPI_tuptable);
	return count;
}

static bool
revise_subtotals(TupleTableSlot *row pg_attribute_unused(), Datum *values, bool *isnull, void *arg)
{
	Subtotals  *subtotals = arg;

	values[0] = subtotals->fit;
	values[1] = subtotals->engagement;
	values[2] = TimestampTzGetDatum(subtotals->as_of);
	values[3] = TimestampTzGetDatum(GetCurrentTimestamp());
	values[4] = TimestampTzGetDatum(subtotals->due);
	memset(isnull, false, sizeof(bool) * 4);
	isnull[4] = subtotals->due == DT_NOEND;
	return true;
}

/*
 * Stores a lead's subtotals in leadqual.lead_score: its row, found by the
 * primary key, updated, or a new one inserted, as the AFTER trigger records
 * a score.  The lead's row lock, which the caller holds, keeps two
 * transactions from storing the same lead at once.
 */
static void
store_subtotals(Oid lead_table, const char *lead_id, Subtotals *subtotals)
{
	ItemPointerData tid;

	if (lq_own_find_lead(&stored_score, lead_table, lead_id, &tid))
		(void) lq_update_as_owner(&subtotals_update, &tid, revise_subtotals, subtotals);
	else
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, subtotals->due == DT_NOEND};

		values[0] = ObjectIdGetDatum(lead_table);
		values[1] = CStringGetTextDatum(lead_id);
		values[2] = subtotals->fit;
		values[3] = subtotals->engagement;
		values[4] = TimestampTzGetDatum(subtotals->as_of);
		values[5] = TimestampTzGetDatum(GetCurrentTimestamp());
		values[6] = TimestampTzGetDatum(subtotals->due);
		lq_insert_as_owner(&subtotals_insert, values, nulls, NULL);
	}
}

/* Puts a lead's subtotals among those waiting for _score_leads()'s UPDATE. */
static void
wait_for_score(const char *lead_id, const Subtotals *subtotals)
{
	MemoryContext caller_cxt = MemoryContextSwitchTo(waiting->cxt);
	WaitingLead *lead;
	char	   *id = pstrdup(lead_id);
	bool		found;

	if (waiting->leads == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(char *);
		ctl.entrysize = sizeof(WaitingLead);
		ctl.hash = lq_id_hash;
		ctl.match = lq_id_compare;
		ctl.hcxt = waiting->cxt;
		waiting->leads = hash_create("leadqual waiting subtotals", 64, &ctl,
									 HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	}
	lead = hash_search(waiting->leads, &id, HASH_ENTER, &found);
	lead->subtotals.fit = datumCopy(subtotals->fit, false, -1);
	lead->subtotals.engagement = datumCopy(subtotals->engagement, false, -1);
	lead->subtotals.as_of = subtotals->as_of;
	lead->subtotals.due = subtotals->due;
	lead->stored = false;
	MemoryContextSwitchTo(caller_cxt);
}

/*
 * Stores the subtotals of the leads (values[]: table, as_of, ids, fits)
 * with their engagement from what is kept of their events, folding in the
 * new events the statement trigger on leadqual.event handed over, and when
 * each is next due for rescoring; their engagements into engagements[], in
 * the order of the ids.
 */
static void
store_kept(LqTableConfig *config, Datum *values, const LqNewEvents *fresh,
		   Datum *ids, Datum *fits, int nids, Numeric *engagements)
{
	LqEngagementRules *rules = lq_table_engagement_rules(config);
	TimestampTz as_of = DatumGetTimestampTz(values[1]);
	TimestampTz *dues = palloc(sizeof(TimestampTz) * Max(nids, 1));
	int		   *unkept = palloc(sizeof(int) * Max(nids, 1));
	int			nunkept = 0;

	lq_kept_engagements(rules, config->log_relid, nids, ids, as_of, fresh, engagements, dues);
	for (int i = 0; i < nids; i++)
		if (engagements[i] == NULL)
			unkept[nunkept++] = i;
	if (nunkept > 0)
	{
		/* as of a time before their newest event: only the events can say */
		Datum	   *unkept_ids = palloc(sizeof(Datum) * nunkept);
		Numeric    *from_events = palloc(sizeof(Numeric) * nunkept);

		for (int u = 0; u < nunkept; u++)
			unkept_ids[u] = ids[unkept[u]];
		lq_engagements_from_events(config->log_relid, as_of, nunkept, unkept_ids, from_events);
		for (int u = 0; u < nunkept; u++)
			engagements[unkept[u]] = from_events[u];
	}
	for (int i = 0; i < nids; i++)
	{
		Subtotals	subtotals = {fits[i], NumericGetDatum(engagements[i]), as_of, dues[i]};

		if (waiting != NULL && waiting->lead_table == config->log_relid)
			wait_for_score(TextDatumGetCString(ids[i]), &subtotals);
		else
			store_subtotals(config->log_relid, TextDatumGetCString(ids[i]), &subtotals);
	}
}

void
lq_store_waiting_subtotals(void)
{
	HASH_SEQ_STATUS seq;
	WaitingLead *lead;

	Assert(waiting != NULL);
	if (waiting->leads == NULL)
		return;
	hash_seq_init(&seq, waiting->leads);
	while ((lead = hash_seq_search(&seq)) != NULL)
		if (!lead->stored)
		{
			store_subtotals(waiting->lead_table, lead->id, &lead->subtotals);
			lead->stored = true;
		}
}

/*
 * The first steps of storing scores: the caller must hold UPDATE on the
 * table, and the new events handed over are taken (*fresh) before
 * anything of the caller's runs, which could call _store_scores() itself.
 */
static LqTableConfig *
begin_store(Oid relid, bool *kept, const LqNewEvents **fresh)
{
	LqTableConfig *config;

	if (pg_class_aclcheck(relid, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("leadqual: permission denied to score the leads of table %s",
						lq_qualified_name(relid)),
				 errhint("Scoring writes the score column, so it needs UPDATE on the table.")));
	config = lq_config_for_table(relid, "leadqual");
	Assert(config->model != NULL);	/* lq_config_for_table() checked */
	*kept = lq_engagement_state_installed();
	/* named as the log names the table: on a shard, the coordinator's OID */
	*fresh = *kept ? lq_take_new_events(config->log_relid) : NULL;
	return config;
}

/*
 * Stores the subtotals of the leads read (values[]: table, as_of, their ids
 * text[] and fits numeric[]), and returns how many, with each one's id and
 * new score in *ids and *scores, allocated in caller_cxt.
 */
static int
finish_store(LqTableConfig *config, bool kept, const LqNewEvents *fresh, bool few,
			 Datum *values, MemoryContext caller_cxt, Datum **ids, Datum **scores)
{
	MemoryContext scratch = CurrentMemoryContext;
	int			count;
	Datum	   *stored_ids;
	Numeric    *stored_fits;
	Numeric    *stored_engagements;

	if (kept)
	{
		Datum	   *fits;

		deconstruct_array(DatumGetArrayTypeP(values[2]), TEXTOID, -1, false, TYPALIGN_INT,
						  &stored_ids, NULL, &count);
		deconstruct_array(DatumGetArrayTypeP(values[3]), NUMERICOID, -1, false, TYPALIGN_INT,
						  &fits, NULL, &count);
		stored_fits = (Numeric *) fits;
		stored_engagements = palloc(sizeof(Numeric) * Max(count, 1));
		store_kept(config, values, fresh, stored_ids, fits, count, stored_engagements);
	}
	else
	{
		/* what was kept of these leads misses their new events */
		if (fresh != NULL)
			lq_forget_engagement(config->log_relid, values[2]);
		lq_run_as_owner(few ? &store_few_query : &store_many_query, values, NULL, 0);
		count = (int) SPI_processed;
		stored_ids = palloc(sizeof(Datum) * Max(count, 1));
		stored_fits = palloc(sizeof(Numeric) * Max(count, 1));
		stored_engagements = palloc(sizeof(Numeric) * Max(count, 1));
		for (int i = 0; i < count; i++)
		{
			HeapTuple	row = SPI_tuptable->vals[i];
			bool		isnull;

			stored_ids[i] = SPI_getbinval(row, SPI_tuptable->tupdesc, 1, &isnull);
			stored_fits[i] = DatumGetNumeric(SPI_getbinval(row, SPI_tuptable->tupdesc, 2, &isnull));
			stored_engagements[i] = DatumGetNumeric(SPI_getbinval(row, SPI_tuptable->tupdesc, 3, &isnull));
		}
	}
	*ids = MemoryContextAlloc(caller_cxt, sizeof(Datum) * Max(count, 1));
	*scores = MemoryContextAlloc(caller_cxt, sizeof(Datum) * Max(count, 1));
	for (int i = 0; i < count; i++)
	{
		Numeric		total = model_total(config->model, stored_fits[i], stored_engagements[i]);
		char	   *id = TextDatumGetCString(stored_ids[i]);

		/* before the score is cast to the column's type, which names no lead */
		require_score_fits(config, id, stored_fits[i], stored_engagements[i], total);
		MemoryContextSwitchTo(caller_cxt);
		(*ids)[i] = CStringGetTextDatum(id);
		(*scores)[i] = NumericGetDatum(DatumGetNumericCopy(NumericGetDatum(total)));
		MemoryContextSwitchTo(scratch);
	}
	return count;
}

/*
 * Stores the subtotals of the given leads of a table (lead_ids a text[], or
 * (Datum) 0 for every row the caller can see) as of a time, reading their
 * fits as the caller, and returns how many were stored, with each one's id
 * and new score in *ids and *scores, allocated in the current memory
 * context.  The caller must hold UPDATE on the table; the table's triggers
 * then write the new scores into the rows.
 */
int
lq_store_scores(Oid relid, TimestampTz as_of, Datum lead_ids, Datum **ids, Datum **scores)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	bool		kept;
	const LqNewEvents *fresh;
	LqTableConfig *config = begin_store(relid, &kept, &fresh);
	bool		few = lead_ids != (Datum) 0 &&
		ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(lead_ids)),
					   ARR_DIMS(DatumGetArrayTypeP(lead_ids))) <= LQ_FEW_LEADS;
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "leadqual subtotals",
												  ALLOCSET_DEFAULT_SIZES);
	Datum		values[4];
	int			count = 0;

	MemoryContextSwitchTo(scratch);
	lq_connect_spi();
	values[0] = ObjectIdGetDatum(config->log_relid);
	values[1] = TimestampTzGetDatum(as_of);
	if (read_fits(config, lead_ids, few, &values[2], &values[3], scratch) > 0)
		count = finish_store(config, kept, fresh, few, values, caller_cxt, ids, scores);
	SPI_finish();
	MemoryContextSwitchTo(caller_cxt);
	MemoryContextDelete(scratch);
	return count;
}

/*
 * The same for leads the caller has locked and read: their ids (text, as
 * the id column's output function gives them) and fits.
 */
int
lq_store_locked_scores(Oid relid, TimestampTz as_of, Datum *lead_ids, Datum *fits, int nleads,
					   Datum **ids, Datum **scores)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	bool		kept;
	const LqNewEvents *fresh;
	LqTableConfig *config = begin_store(relid, &kept, &fresh);
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "leadqual subtotals",
												  ALLOCSET_DEFAULT_SIZES);
	Datum		values[4];
	int			count;

	MemoryContextSwitchTo(scratch);
	lq_connect_spi();
	values[0] = ObjectIdGetDatum(config->log_relid);
	values[1] = TimestampTzGetDatum(as_of);
	values[2] = PointerGetDatum(construct_array(lead_ids, nleads, TEXTOID, -1, false, TYPALIGN_INT));
	values[3] = PointerGetDatum(construct_array(fits, nleads, NUMERICOID, -1, false, TYPALIGN_INT));
	count = finish_store(config, kept, fresh, nleads <= LQ_FEW_LEADS, values, caller_cxt, ids, scores);
	SPI_finish();
	MemoryContextSwitchTo(caller_cxt);
	MemoryContextDelete(scratch);
	return count;
}

/* The SQL functions' arguments: leads, as_of, lead_ids. */
static int
store_from_arguments(FunctionCallInfo fcinfo, const char *caller, Datum **ids, Datum **scores)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: leads and as_of must not be NULL", caller),
				 errhint("Call leadqual.rescore() instead.")));
	return lq_store_scores(PG_GETARG_OID(0), PG_GETARG_TIMESTAMPTZ(1),
						   PG_ARGISNULL(2) ? (Datum) 0 : PointerGetDatum(PG_GETARG_ARRAYTYPE_P(2)),
						   ids, scores);
}

/*
 * leadqual._store_subtotals(leads regclass, as_of timestamptz, lead_ids
 * text[]): stores the subtotals of the leads; see lq_store_scores().  Only
 * the 0.2.0 and 0.3.0 schemas have it (their _score_leads() calls it):
 * 0.4.0 replaced it with _store_scores().
 */
PG_FUNCTION_INFO_V1(leadqual_store_subtotals);
Datum
leadqual_store_subtotals(PG_FUNCTION_ARGS)
{
	Datum	   *ids;
	Datum	   *scores;

	(void) store_from_arguments(fcinfo, "leadqual._store_subtotals", &ids, &scores);
	PG_RETURN_VOID();
}

/*
 * leadqual._store_scores(leads regclass, as_of timestamptz, lead_ids
 * text[]) RETURNS TABLE (lead_id text, score numeric): stores the
 * subtotals of the leads (see lq_store_scores()), and returns each
 * stored lead's new score, so that a caller writes them without
 * reading leadqual.lead_score (through its row-level security) itself.
 */
PG_FUNCTION_INFO_V1(leadqual_store_scores);
Datum
leadqual_store_scores(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	Datum	   *ids;
	Datum	   *scores;
	int			count;

	InitMaterializedSRF(fcinfo, 0);
	count = store_from_arguments(fcinfo, "leadqual._store_scores", &ids, &scores);
	for (int i = 0; i < count; i++)
	{
		Datum		values[2] = {ids[i], scores[i]};
		bool		nulls[2] = {false, false};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * leadqual._models_changed(): statement trigger on leadqual.model and
 * leadqual.fit_rule.  The relcache
 * invalidation it sends reaches every backend at commit, and this one at
 * the end of the statement, and drops their cached models.
 */
PG_FUNCTION_INFO_V1(leadqual_models_changed);
Datum
leadqual_models_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual._models_changed: must be called as a trigger"),
				 errhint("leadqual attaches it to its model and rule tables; don't call it.")));
	/* on a Citus node, fired on a shard: the caches know the table */
	CacheInvalidateRelcacheByRelid(lq_cached_relation(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}
