/*
 * managed_row.c
 *		What both leadqual triggers read from a row of a managed table, and
 *		the checks that they were attached the way manage() attaches them.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "utils/datum.h"
#include "utils/rel.h"

#include "config.h"
#include "leadqual.h"
#include "managed_row.h"
#include "reject.h"
#include "score.h"
#include "stage_datum.h"

/*
 * The hint of a misattached trigger.  An errhint() call of its own, so the
 * string is only formatted when the error is raised: the checks run for
 * every row.
 */
static int
manage_hint(const char *function, bool before)
{
	return errhint("Call leadqual.manage() on the table instead; it attaches %s "
				   "FOR EACH ROW, %s INSERT and UPDATE.",
				   function, before ? "BEFORE" : "AFTER");
}

/*
 * Errors unless the trigger fires FOR EACH ROW, BEFORE or AFTER as
 * "before" says, on INSERT or UPDATE.
 */
static void
check_trigger_context(FunctionCallInfo fcinfo, const char *function,
						 bool before)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s: must be called as a trigger", function),
				 manage_hint(function, before)));

	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s: trigger \"%s\" on table %s must fire FOR EACH ROW, not FOR EACH STATEMENT",
						function, trigdata->tg_trigger->tgname,
						lq_qualified_name(RelationGetRelid(trigdata->tg_relation))),
				 manage_hint(function, before)));

	if (before ? !TRIGGER_FIRED_BEFORE(trigdata->tg_event)
		: !TRIGGER_FIRED_AFTER(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s: trigger \"%s\" on table %s must fire %s the row changes",
						function, trigdata->tg_trigger->tgname,
						lq_qualified_name(RelationGetRelid(trigdata->tg_relation)),
						before ? "BEFORE" : "AFTER"),
				 manage_hint(function, before)));

	if (!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) &&
		!TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s: trigger \"%s\" on table %s must fire on INSERT or UPDATE only",
						function, trigdata->tg_trigger->tgname,
						lq_qualified_name(RelationGetRelid(trigdata->tg_relation))),
				 manage_hint(function, before)));
}

/* How a stage change happened, as leadqual.transition_via names it. */
const char *
lq_via_name(LqVia via)
{
	static const char *const names[] = {"promotion", "manual", "rejection", "repair", "merge"};

	StaticAssertStmt(lengthof(names) == LQ_VIA_MERGE + 1, "a name for every via");
	Assert(via >= LQ_VIA_PROMOTION && via <= LQ_VIA_MERGE);
	return names[via];
}

char *
lq_row_lead_id(LqTableConfig *config, TupleDesc tupdesc, HeapTuple row)
{
	bool		isnull;
	Datum		id = heap_getattr(row, config->id_attnum, tupdesc, &isnull);
	char	   *text;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("leadqual: a row of table %s has no lead id in column \"%s\"",
						config->display_name, NameStr(config->id_column)),
				 errhint("Every row of a managed table needs an id, so its stage changes can be logged.")));
	text = OutputFunctionCall(&config->id_output, id);
	/* the log indexes lead ids, and a btree entry must fit in a page */
	if (strlen(text) > LQ_MAX_LEAD_ID_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("leadqual: a lead id of table %s is %zu bytes long; leadqual logs ids of up to %d bytes",
						config->display_name, strlen(text), LQ_MAX_LEAD_ID_BYTES),
				 errhint("Manage the table with a shorter key as its id, such as a bigint or uuid column: leadqual.manage(..., id_column => ...).")));
	return text;
}

static void
read_row(LqTableConfig *config, TupleDesc tupdesc, HeapTuple row,
		 LqRowState *state)
{
	bool		isnull;
	Datum		stage = heap_getattr(row, config->stage_attnum, tupdesc, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("leadqual: lead \"%s\" of table %s has no lifecycle stage",
						lq_row_lead_id(config, tupdesc, row), config->display_name),
				 errhint("Column \"%s\" of a managed table must not be NULL; give it a default such as 'lead'.",
						 NameStr(config->stage_column))));
	state->stage = lq_stage_from_datum(stage);
	state->score = heap_getattr(row, config->score_attnum, tupdesc,
								&state->score_isnull);
}

/*
 * On a shard of a table Citus distributes, leadqual writes for this row
 * into its co-located shards, with the row's distribution value as their
 * shard_key (citus_shards.c): until the trigger, which lq_with_shard()
 * calls, returns.
 */
void
lq_write_for_shard(LqTableConfig *config, TupleDesc tupdesc, HeapTuple row)
{
	if (config->shard.shardid == 0)
		return;
	lq_shard_write.shardid = config->shard.shardid;
	lq_shard_write.key = heap_getattr(row, config->shard.key_attnum, tupdesc,
									  &lq_shard_write.key_isnull);
	lq_shard_write.key_type = TupleDescAttr(tupdesc, config->shard.key_attnum - 1)->atttypid;
}

/* Checks how the trigger fires, then reads the table's settings and row. */
void
lq_begin_firing(FunctionCallInfo fcinfo, const char *function, bool before,
				LqFiring *firing)
{
	TriggerData *trigdata;

	check_trigger_context(fcinfo, function, before);
	trigdata = (TriggerData *) fcinfo->context;
	firing->rel = trigdata->tg_relation;
	firing->tupdesc = RelationGetDescr(firing->rel);
	firing->config = lq_config_for_trigger(firing->rel, trigdata->tg_trigger);
	Assert(firing->config->valid);
	firing->is_insert = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event);
	firing->old_row = firing->is_insert ? NULL : trigdata->tg_trigtuple;
	firing->new_row = firing->is_insert ? trigdata->tg_trigtuple
		: trigdata->tg_newtuple;

	lq_write_for_shard(firing->config, firing->tupdesc, firing->new_row);
	read_row(firing->config, firing->tupdesc, firing->new_row,
			 &firing->new_state);
	if (firing->is_insert)
	{
		firing->old_state.stage = LQ_STAGE_INVALID;
		firing->old_state.score = (Datum) 0;
		firing->old_state.score_isnull = true;
	}
	else
		read_row(firing->config, firing->tupdesc, firing->old_row,
				 &firing->old_state);
}

/*
 * Could this UPDATE move the row to another partition?  Only if it changes
 * a column some ancestor partitions by.
 */
bool
lq_partition_key_changed(const LqFiring *firing)
{
	const LqTableConfig *config = firing->config;

	if (firing->is_insert || !firing->rel->rd_rel->relispartition)
		return false;
	if (config->partition_key_unknown)
		return true;
	for (int i = 0; i < config->partition_key_count; i++)
	{
		AttrNumber	attnum = config->partition_key_attnums[i];
		Form_pg_attribute attr = TupleDescAttr(firing->tupdesc, attnum - 1);
		bool		old_isnull;
		bool		new_isnull;
		Datum		old_value = heap_getattr(firing->old_row, attnum,
											 firing->tupdesc, &old_isnull);
		Datum		new_value = heap_getattr(firing->new_row, attnum,
											 firing->tupdesc, &new_isnull);

		if (old_isnull != new_isnull)
			return true;
		if (!old_isnull &&
			!datumIsEqual(old_value, new_value, attr->attbyval, attr->attlen))
			return true;
	}
	return false;
}

/*
 * Does the move look like a promotion: into promote_to, from a stage a
 * score can promote, at a score that meets the threshold?  What
 * log_transition() records when qualify() filed no decision.
 */
bool
lq_looks_like_promotion(const LqFiring *firing, LqStage from, LqStage to)
{
	const LqTableConfig *config = firing->config;

	return to == config->promote_to &&
		(from == LQ_STAGE_INVALID || lq_promotion_rule(from) != LQ_PROMOTE_NEVER) &&
		!firing->new_state.score_isnull &&
		lq_score_meets(config->score_kind, firing->new_state.score,
					   &config->threshold);
}

/*
 * Whether reject() is moving the lead: in this backend, or on a shard, from
 * the coordinator (leadqual.rejecting).
 */
bool
lq_rejecting(LqTableConfig *config)
{
	if (config->shard.shardid != 0)
		return lq_rejecting_guc != NULL && lq_rejecting_guc[0] != '\0';
	return lq_rejecting_relid == config->log_relid;
}

/* The reason a move carries: reject()'s, else SET LOCAL leadqual.reason. */
const char *
lq_given_reason(LqTableConfig *config)
{
	if (lq_rejecting(config))
		return config->shard.shardid != 0 ? lq_rejecting_guc : lq_rejecting_reason;
	if (lq_reason_guc != NULL && lq_reason_guc[0] != '\0')
		return lq_reason_guc;
	return NULL;
}

/* "move from mql to sql", or "be inserted as sql" */
char *
lq_describe_move(bool is_insert, LqStage from, LqStage to)
{
	if (is_insert)
		return psprintf("be inserted as %s", lq_stage_name(to));
	return psprintf("move from %s to %s", lq_stage_name(from), lq_stage_name(to));
}

/*
 * Errors unless the stage rules allow this move, with the reason it carries
 * (NULL for none).  Returns whether the rules would have refused it, which
 * is what a repair is.
 */
bool
lq_enforce_move(LqTableConfig *config, const char *lead_id, bool is_insert,
				LqStage from, LqStage to, const char *reason)
{
	LqMoveVerdict verdict = is_insert
		? (lq_stage_is_funnel(to) ? LQ_MOVE_ALLOWED : LQ_MOVE_NEEDS_REASON)
		: lq_move_verdict(from, to);

	if (verdict == LQ_MOVE_ALLOWED ||
		(verdict == LQ_MOVE_NEEDS_REASON && reason != NULL))
		return false;
	if (!lq_enforce_stage_rules)
		return true;

	if (verdict == LQ_MOVE_BACKWARD)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("leadqual: lead \"%s\" of table %s cannot move backward from %s to %s",
						lead_id, config->display_name,
						lq_stage_name(from), lq_stage_name(to)),
				 errdetail("A lead moves forward along the funnel; it leaves the funnel only for recycled or disqualified."),
				 errhint("To hand it back to marketing, call leadqual.reject('%s', '%s', 'recycled', '<reason>'). "
						 "To repair data, a privileged role can SET LOCAL leadqual.enforce_stage_rules = off.",
						 config->display_name, lead_id)));
	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("leadqual: lead \"%s\" of table %s needs a rejection reason to %s",
					lead_id, config->display_name,
					lq_describe_move(is_insert, from, to)),
			 is_insert
			 ? errhint("SET LOCAL leadqual.reason = '<reason>' in the transaction that inserts it; "
					   "the reasons are listed in leadqual.rejection_reason.")
			 : errhint("Call leadqual.reject('%s', '%s', '%s', '<reason>'), or SET LOCAL leadqual.reason = '<reason>' "
					   "in the same transaction; the reasons are listed in leadqual.rejection_reason.",
					   config->display_name, lead_id, lq_stage_name(to))));
	pg_unreachable();
}
