/*
 * lead_merge.c
 *		leadqual.merge(leads, keep, drop): merges a duplicate lead into the
 *		lead kept.
 *
 * As the caller, it locks both rows (in id order, so two merges of the same
 * pair never deadlock), which also holds off track(), touch() and every
 * write of either lead until it commits.  As the owner of leadqual's
 * tables, with plain values, it logs the merge in leadqual.lead_merge, ends
 * the duplicate's history with a row to no stage (via 'merge'), and moves
 * the duplicate's log (each row marked with the merge, a history of its own
 * for stage_history), clocks (the open ones stopped, 'lead_merged'),
 * touches, assignments, score history and events to the survivor; its
 * subtotals go, and the survivor keeps both leads' engagement states
 * merged (engagement_state.c), or, when either had none, has its state
 * rebuilt from the events.
 * Then, as the caller again, it deletes the duplicate's row (which the
 * deletion trigger leaves alone), moves the survivor to the further of the
 * two stages, with the duplicate's owner if it had none (logged via
 * 'merge'), and rescores it.
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "config.h"
#include "engagement_state.h"
#include "lead_identity.h"
#include "score.h"
#include "score_leads.h"
#include "stage_datum.h"
#include "trust_boundary.h"

/* The merge under way in this backend, if any. */
static Oid	merging_table = InvalidOid;
static const char *merging_keep = NULL;
static const char *merging_drop = NULL;

bool
lq_merging_into(Oid lead_table, const char *lead_id)
{
	return OidIsValid(merging_table) && merging_table == lead_table &&
		strcmp(merging_keep, lead_id) == 0;
}

bool
lq_merge_is_dropping(Oid lead_table, const char *lead_id)
{
	return OidIsValid(merging_table) && merging_table == lead_table &&
		strcmp(merging_drop, lead_id) == 0;
}

/*
 * $1 the table, $2 the id kept, $3 the id dropped, $4 and $5 their stages,
 * $6 the survivor's stage after, $7 the caller, $8 and $9 the duplicate's
 * score and owner.  Returns the merge's id.  Every part reads the rows as
 * they were before the query: the clocks are found through the duplicate's
 * log, under its own id.
 */
static LqKeptQuery merge_query = {
	"WITH merge AS ("
	"    INSERT INTO leadqual.lead_merge (lead_table, kept_id, dropped_id, kept_stage, dropped_stage, stage, merged_by)"
	"    VALUES ($1, $2, $3, $4::leadqual.lifecycle_stage, $5::leadqual.lifecycle_stage,"
	"            $6::leadqual.lifecycle_stage, $7)"
	"    RETURNING id, merged_at"
	"), history_end AS ("
	"    INSERT INTO leadqual.transition"
	"        (lead_table, lead_id, from_stage, to_stage, score, changed_at, changed_by, via, owner, merge_id)"
	"    SELECT $1, $2, $5::leadqual.lifecycle_stage, NULL, $8, m.merged_at, $7, 'merge', $9, m.id"
	"    FROM merge AS m"
	"), log AS ("
	"    UPDATE leadqual.transition AS t SET lead_id = $2, merge_id = COALESCE(t.merge_id, m.id)"
	"    FROM merge AS m"
	"    WHERE t.lead_table OPERATOR(pg_catalog.=) $1 AND t.lead_id OPERATOR(pg_catalog.=) $3"
	/* the funnel's rollup works both ids out from the log until refreshed */
	"), funnel_marks AS ("
	"    INSERT INTO leadqual.funnel_dirty AS d (lead_table, lead_id) VALUES ($1, $2), ($1, $3)"
	"    ON CONFLICT (lead_table, lead_id) DO UPDATE SET marks = d.marks OPERATOR(pg_catalog.+) 1"
	"), clocks AS ("
	"    UPDATE leadqual.sla_clock AS c"
	"    SET lead_id = $2,"
	"        stopped_at = COALESCE(c.stopped_at, GREATEST(c.started_at, m.merged_at)),"
	"        stopped_by = COALESCE(c.stopped_by, 'lead_merged'),"
	"        business_time = COALESCE(c.business_time,"
	"            leadqual.business_time_between(c.calendar, c.started_at, GREATEST(c.started_at, m.merged_at)))"
	"    FROM merge AS m, leadqual.transition AS e"
	"    WHERE e.lead_table OPERATOR(pg_catalog.=) $1 AND e.lead_id OPERATOR(pg_catalog.=) $3"
	"      AND c.entry_id OPERATOR(pg_catalog.=) e.id"
	"), touches AS ("
	"    UPDATE leadqual.touch SET lead_id = $2"
	"    WHERE lead_table OPERATOR(pg_catalog.=) $1 AND lead_id OPERATOR(pg_catalog.=) $3"
	"), assignments AS ("
	"    UPDATE leadqual.assignment SET lead_id = $2"
	"    WHERE lead_table OPERATOR(pg_catalog.=) $1 AND lead_id OPERATOR(pg_catalog.=) $3"
	"), score_history AS ("
	"    UPDATE leadqual.score_change SET lead_id = $2"
	"    WHERE lead_table OPERATOR(pg_catalog.=) $1 AND lead_id OPERATOR(pg_catalog.=) $3"
	"), events AS ("
	"    UPDATE leadqual.event SET lead_id = $2"
	"    WHERE lead_table OPERATOR(pg_catalog.=) $1 AND lead_id OPERATOR(pg_catalog.=) $3"
	"), subtotals AS ("
	"    DELETE FROM leadqual.lead_score"
	"    WHERE lead_table OPERATOR(pg_catalog.=) $1 AND lead_id OPERATOR(pg_catalog.=) $3"
	"), kept_states AS ("
	"    DELETE FROM leadqual.engagement_state"
	"    WHERE lead_table OPERATOR(pg_catalog.=) $1"
	"      AND (lead_id OPERATOR(pg_catalog.=) $2 OR lead_id OPERATOR(pg_catalog.=) $3)"
	")"
	"SELECT id FROM merge",
	9, {REGCLASSOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, NAMEOID, NUMERICOID, TEXTOID},
	NULL, 0
};

static LqKeptQuery merge_row_query = {
	"SELECT * FROM leadqual.lead_merge WHERE id OPERATOR(pg_catalog.=) $1",
	1, {INT8OID}, NULL, 0
};

/* One of the two leads, as merge() read it once locked. */
typedef struct MergedLead
{
	const char *id;				/* as given, which is how the log has it */
	bool		found;
	LqStage		stage;
	Datum		score;			/* numeric */
	bool		score_isnull;
	char	   *owner;			/* NULL: none, or no owner column */
} MergedLead;

static void
require_argument(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("leadqual.merge: %s must not be NULL", name),
				 errhint("Call leadqual.merge(leads, keep => '<id kept>', drop => '<id of its duplicate>').")));
}

static void
require_found(LqTableConfig *config, const MergedLead *lead)
{
	if (!lead->found)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("leadqual.merge: lead \"%s\" of table %s does not exist",
						lead->id, config->display_name),
				 errhint("Pass the ids as text, as leadqual.transition.lead_id shows them.")));
}

/*
 * Locks both leads' rows, as the caller, in id order, and reads their
 * stages, scores and owners.  A lead the caller can't see is not found.
 */
static void
lock_leads(LqTableConfig *config, MergedLead *keep, MergedLead *drop)
{
	const char *id = quote_identifier(NameStr(config->id_column));
	char	   *sql;
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(keep->id), CStringGetTextDatum(drop->id)};
	int			rc;

	sql = psprintf("SELECT l.%s, l.%s, l.%s, %s FROM %s AS l "
				   "WHERE %s OR %s ORDER BY l.%s FOR UPDATE OF l",
				   id, quote_identifier(NameStr(config->stage_column)),
				   quote_identifier(NameStr(config->score_column)),
				   config->owner_attnum == InvalidAttrNumber ? "NULL::pg_catalog.text"
				   : psprintf("l.%s::pg_catalog.text", quote_identifier(NameStr(config->owner_column))),
				   lq_qualified_name(config->rows_relid),
				   lq_lead_id_matches(config, 1, "leadqual.merge"),
				   lq_lead_id_matches(config, 2, "leadqual.merge"), id);
	rc = SPI_execute_with_args(sql, 2, argtypes, values, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "leadqual.merge: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *row_id = OutputFunctionCall(&config->id_output, SPI_getbinval(row, desc, 1, &isnull));
		MergedLead *lead = strcmp(row_id, keep->id) == 0 ? keep
			: strcmp(row_id, drop->id) == 0 ? drop : NULL;
		Datum		value;

		/* a row whose id reads back otherwise ('01' for 1) is no lead by that id */
		if (lead == NULL)
			continue;
		lead->found = true;
		lead->stage = lq_stage_from_datum(SPI_getbinval(row, desc, 2, &isnull));
		value = SPI_getbinval(row, desc, 3, &lead->score_isnull);
		lead->score = lead->score_isnull ? (Datum) 0 : lq_score_to_numeric(config->score_kind, value);
		value = SPI_getbinval(row, desc, 4, &isnull);
		lead->owner = isnull ? NULL : TextDatumGetCString(value);
	}
	require_found(config, keep);
	require_found(config, drop);
}

/*
 * The further of the two stages along the funnel; a detour counts as no
 * further than any funnel stage, and of two detours the survivor's stays.
 */
static LqStage
further_stage(LqStage kept, LqStage dropped)
{
	if (!lq_stage_is_funnel(dropped))
		return kept;
	if (!lq_stage_is_funnel(kept))
		return dropped;
	return lq_stage_funnel_rank(dropped) > lq_stage_funnel_rank(kept) ? dropped : kept;
}

/* Runs a write of the caller's on the table, with the merge marked under way. */
static void
run_marked(Oid relid, const char *keep, const char *drop, const char *sql, int nargs,
		   Oid *argtypes, Datum *values)
{
	int			rc;

	PG_TRY();
	{
		merging_table = relid;
		merging_keep = keep;
		merging_drop = drop;
		rc = SPI_execute_with_args(sql, nargs, argtypes, values, NULL, false, 0);
	}
	PG_FINALLY();
	{
		merging_table = InvalidOid;
		merging_keep = NULL;
		merging_drop = NULL;
	}
	PG_END_TRY();
	if (rc < 0 || SPI_processed != 1)
		elog(ERROR, "leadqual.merge: \"%s\" wrote %lu rows: %s", sql,
			 (unsigned long) SPI_processed, SPI_result_code_string(rc));
}

/* Deletes the duplicate's row, as the caller; the deletion trigger leaves it be. */
static void
delete_duplicate(LqTableConfig *config, const MergedLead *keep, const MergedLead *drop)
{
	Oid			argtype = TEXTOID;
	Datum		value = CStringGetTextDatum(drop->id);

	run_marked(config->log_relid, keep->id, drop->id,
			   lq_delete_lead_sql(config, "leadqual.merge"), 1, &argtype, &value);
}

/*
 * Moves the survivor to its stage after the merge and gives it the
 * duplicate's owner when it has none, as the caller: the triggers log the
 * move via 'merge' and the new owner as any other.
 */
static void
update_survivor(LqTableConfig *config, const MergedLead *keep, const MergedLead *drop,
				LqStage stage)
{
	bool		new_owner = config->owner_attnum != InvalidAttrNumber &&
		keep->owner == NULL && drop->owner != NULL;
	Oid			argtypes[3] = {TEXTOID, config->stage_type, TEXTOID};
	Datum		values[3];

	if (stage == keep->stage && !new_owner)
		return;
	values[0] = CStringGetTextDatum(keep->id);
	values[1] = lq_stage_to_datum(config->stage_type, stage);
	values[2] = new_owner ? CStringGetTextDatum(drop->owner) : (Datum) 0;
	run_marked(config->log_relid, keep->id, drop->id,
			   psprintf("UPDATE %s AS l SET %s = $2%s WHERE %s",
						lq_qualified_name(config->rows_relid),
						quote_identifier(NameStr(config->stage_column)),
						new_owner ? psprintf(", %s = $3::%s",
											 quote_identifier(NameStr(config->owner_column)),
											 format_type_be_qualified(get_atttype(config->log_relid,
																				  config->owner_attnum)))
						: "",
						lq_lead_id_matches(config, 1, "leadqual.merge")),
			   new_owner ? 3 : 2, argtypes, values);
}

/*
 * leadqual.merge(leads regclass, keep text, drop text) RETURNS
 * leadqual.lead_merge: merges the duplicate lead "drop" into "keep" (see
 * the top of this file) and returns the merge's row.
 */
PG_FUNCTION_INFO_V1(leadqual_merge);
Datum
leadqual_merge(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Relation	rel;
	LqTableConfig *config;
	MergedLead	keep = {0};
	MergedLead	drop = {0};
	LqStage		stage;
	NameData	merged_by;
	Datum		values[9];
	char		nulls[9];
	bool		isnull;
	Datum		merge_id;
	bytea	   *merged_state;
	HeapTupleHeader result;

	require_argument(fcinfo, 0, "leads");
	require_argument(fcinfo, 1, "keep");
	require_argument(fcinfo, 2, "drop");
	relid = PG_GETARG_OID(0);
	keep.id = text_to_cstring(PG_GETARG_TEXT_PP(1));
	drop.id = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (strcmp(keep.id, drop.id) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual.merge: cannot merge lead \"%s\" into itself", keep.id),
				 errhint("Name the lead to keep and its duplicate, two different ids.")));
	config = lq_open_identity_table(relid, "leadqual.merge", ACL_UPDATE | ACL_DELETE,
									"updates the lead kept and deletes the duplicate, so it needs UPDATE and DELETE on the table",
									&rel);

	lq_connect_spi();
	lock_leads(config, &keep, &drop);
	stage = further_stage(keep.stage, drop.stage);

	/* the caller, before lq_run_as_owner() switches */
	namestrcpy(&merged_by, GetUserNameFromId(GetUserId(), false));
	memset(nulls, ' ', sizeof(nulls));
	values[0] = ObjectIdGetDatum(config->log_relid);
	values[1] = CStringGetTextDatum(keep.id);
	values[2] = CStringGetTextDatum(drop.id);
	values[3] = CStringGetTextDatum(lq_stage_name(keep.stage));
	values[4] = CStringGetTextDatum(lq_stage_name(drop.stage));
	values[5] = CStringGetTextDatum(lq_stage_name(stage));
	values[6] = NameGetDatum(&merged_by);
	values[7] = drop.score;
	nulls[7] = drop.score_isnull ? 'n' : ' ';
	values[8] = drop.owner == NULL ? (Datum) 0 : CStringGetTextDatum(drop.owner);
	nulls[8] = drop.owner == NULL ? 'n' : ' ';
	/* both states, merged before the query drops them (and moves the events) */
	merged_state = config->model != NULL ? lq_merged_kept_state(config, keep.id, drop.id) : NULL;
	lq_run_as_owner(&merge_query, values, nulls, 0);
	Assert(SPI_processed == 1);
	merge_id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (merged_state != NULL)
		lq_keep_state(config->log_relid, keep.id, merged_state);

	delete_duplicate(config, &keep, &drop);
	update_survivor(config, &keep, &drop, stage);
	/* from the merged state, or from every event of both when there was none */
	if (config->model != NULL)
	{
		Datum		ids = PointerGetDatum(construct_array(&values[1], 1, TEXTOID, -1, false, TYPALIGN_INT));

		(void) lq_score_leads(config->log_relid, ids, GetCurrentTransactionStartTimestamp(), false, NULL);
	}

	lq_run_as_owner(&merge_row_query, &merge_id, NULL, 1);
	result = SPI_returntuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
	SPI_finish();
	table_close(rel, NoLock);
	PG_RETURN_HEAPTUPLEHEADER(result);
}
