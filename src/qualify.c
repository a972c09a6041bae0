/*
 * qualify.c
 *		leadqual.qualify(): the BEFORE INSERT OR UPDATE row trigger that
 *		promotes leads, enforces the stage rules and logs stage changes.
 *
 * The common case, an UPDATE that leaves the stage alone and promotes
 * nothing, reads four columns and returns: no SPI, no allocation.  SPI runs
 * only when the stage changes (to log it) or a recycled lead's score rises
 * past the threshold (to find the score it was recycled with).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "leadqual.h"

/* The stage and score of one version of a row. */
typedef struct LqRowState
{
	LqStage		stage;
	Datum		score;
	bool		score_isnull;
} LqRowState;

static void
check_trigger_context(FunctionCallInfo fcinfo)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *hint = "Call leadqual.manage() on the table; it attaches "
		"leadqual.qualify as BEFORE INSERT OR UPDATE FOR EACH ROW.";

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual.qualify: must be called as a trigger"),
				 errhint("%s", hint)));

	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual.qualify: trigger \"%s\" on table %s must fire FOR EACH ROW, not FOR EACH STATEMENT",
						trigdata->tg_trigger->tgname,
						lq_qualified_name(RelationGetRelid(trigdata->tg_relation))),
				 errhint("%s", hint)));

	if (!TRIGGER_FIRED_BEFORE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual.qualify: trigger \"%s\" on table %s must fire BEFORE the row changes, not AFTER",
						trigdata->tg_trigger->tgname,
						lq_qualified_name(RelationGetRelid(trigdata->tg_relation))),
				 errhint("%s", hint)));

	if (!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) &&
		!TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual.qualify: trigger \"%s\" on table %s must fire on INSERT or UPDATE only",
						trigdata->tg_trigger->tgname,
						lq_qualified_name(RelationGetRelid(trigdata->tg_relation))),
				 errhint("%s", hint)));
}

static char *
lead_id_text(LqTableConfig *config, TupleDesc tupdesc, HeapTuple row)
{
	bool		isnull;
	Datum		id = heap_getattr(row, config->id_attnum, tupdesc, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("leadqual: a row of table %s has no lead id in column \"%s\"",
						config->display_name, NameStr(config->id_column)),
				 errhint("Every row of a managed table needs an id, so its stage changes can be logged.")));
	return OutputFunctionCall(&config->id_output, id);
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
						lead_id_text(config, tupdesc, row), config->display_name),
				 errhint("Column \"%s\" of a managed table must not be NULL; give it a default such as 'lead'.",
						 NameStr(config->stage_column))));
	state->stage = lq_stage_from_datum(stage);
	state->score = heap_getattr(row, config->score_attnum, tupdesc,
								&state->score_isnull);
}

/* "move from mql to sql", or "be inserted as sql" */
static char *
describe_move(bool is_insert, LqStage from, LqStage to)
{
	if (is_insert)
		return psprintf("be inserted as %s", lq_stage_name(to));
	return psprintf("move from %s to %s", lq_stage_name(from), lq_stage_name(to));
}

static void
refuse_backward_move(LqTableConfig *config, const char *lead_id,
					 LqStage from, LqStage to)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("leadqual: lead \"%s\" of table %s cannot move backward from %s to %s",
					lead_id, config->display_name,
					lq_stage_name(from), lq_stage_name(to)),
			 errdetail("A lead moves forward along the funnel; it leaves the funnel only for recycled or disqualified."),
			 errhint("To hand it back to marketing, call leadqual.reject('%s', '%s', 'recycled', '<reason>'). "
					 "To repair data, a privileged role can SET LOCAL leadqual.enforce_stage_rules = off.",
					 config->display_name, lead_id)));
}

static void
refuse_missing_reason(LqTableConfig *config, const char *lead_id,
					  bool is_insert, LqStage from, LqStage to)
{
	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("leadqual: lead \"%s\" of table %s needs a rejection reason to %s",
					lead_id, config->display_name,
					describe_move(is_insert, from, to)),
			 errhint("Call leadqual.reject('%s', '%s', '%s', '<reason>'), or SET LOCAL leadqual.reason = '<reason>' "
					 "in the same transaction; the reasons are listed in leadqual.rejection_reason.",
					 config->display_name, lead_id, lq_stage_name(to))));
}

static void
check_reason_exists(LqTableConfig *config, const char *lead_id, const char *reason,
					bool is_insert, LqStage from, LqStage to)
{
	if (!lq_rejection_reason_exists(reason))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("leadqual: unknown rejection reason \"%s\"", reason),
				 errdetail("Lead \"%s\" of table %s was about to %s.",
						   lead_id, config->display_name,
						   describe_move(is_insert, from, to)),
				 errhint("Use a code listed in leadqual.rejection_reason, or add one with "
						 "INSERT INTO leadqual.rejection_reason (code, description).")));
}

/* The reason this move carries: reject()'s, else SET LOCAL leadqual.reason. */
static const char *
given_reason(LqTableConfig *config)
{
	if (lq_rejecting_relid == config->log_relid)
		return lq_rejecting_reason;
	if (lq_reason_guc != NULL && lq_reason_guc[0] != '\0')
		return lq_reason_guc;
	return NULL;
}

/* Does the score rise past the one the lead had when it was recycled? */
static bool
above_recycled_score(LqTableConfig *config, const char *lead_id,
					 Datum score)
{
	Datum		recycled_score;
	bool		recycled_isnull;

	if (!lq_score_when_recycled(config->log_relid, lead_id,
								&recycled_score, &recycled_isnull))
		return false;
	if (recycled_isnull)
		return true;
	return lq_score_greater(LQ_SCORE_NUMERIC,
							lq_score_to_numeric(config->score_kind, score),
							recycled_score);
}

/*
 * leadqual.qualify(): see the top of this file.  leadqual.manage() attaches
 * it with the table's settings as arguments.
 */
PG_FUNCTION_INFO_V1(leadqual_qualify);
Datum
leadqual_qualify(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	tupdesc;
	LqTableConfig *config;
	bool		is_insert;
	HeapTuple	new_row;
	LqRowState	new_state;
	LqRowState	old_state = {LQ_STAGE_INVALID, (Datum) 0, true};
	LqRowFacts	facts;
	LqPromotion promotion;
	bool		moved_by_hand;
	LqMoveVerdict verdict = LQ_MOVE_ALLOWED;
	LqTransition transition;
	LqStage		final_stage;
	MemoryContext caller_cxt;

	check_trigger_context(fcinfo);
	rel = trigdata->tg_relation;
	tupdesc = RelationGetDescr(rel);
	config = lq_config_for_trigger(rel, trigdata->tg_trigger);
	is_insert = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event);
	new_row = is_insert ? trigdata->tg_trigtuple : trigdata->tg_newtuple;

	read_row(config, tupdesc, new_row, &new_state);
	if (!is_insert)
		read_row(config, tupdesc, trigdata->tg_trigtuple, &old_state);

	facts.is_insert = is_insert;
	facts.old_stage = old_state.stage;
	facts.new_stage = new_state.stage;
	facts.repair = !lq_enforce_stage_rules;
	facts.new_meets_threshold = !new_state.score_isnull &&
		lq_score_meets(config->score_kind, new_state.score, &config->threshold);
	facts.old_meets_threshold = !old_state.score_isnull &&
		lq_score_meets(config->score_kind, old_state.score, &config->threshold);
	facts.score_rose = !new_state.score_isnull && !old_state.score_isnull &&
		lq_score_greater(config->score_kind, new_state.score, old_state.score);

	promotion = lq_decide_promotion(&facts);
	moved_by_hand = is_insert || new_state.stage != old_state.stage;
	if (!moved_by_hand && promotion == LQ_KEEP_STAGE)
		return PointerGetDatum(new_row);

	memset(&transition, 0, sizeof(transition));
	transition.lead_table = config->log_relid;
	transition.lead_id = lead_id_text(config, tupdesc, new_row);
	transition.from_stage = old_state.stage;
	transition.score_isnull = new_state.score_isnull;
	if (!new_state.score_isnull)
		transition.score = lq_score_to_numeric(config->score_kind, new_state.score);

	caller_cxt = CurrentMemoryContext;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadqual.qualify: SPI_connect failed");

	if (promotion == LQ_PROMOTE_IF_ABOVE_RECYCLED_SCORE)
		promotion = above_recycled_score(config, transition.lead_id, new_state.score)
			? LQ_PROMOTE : LQ_KEEP_STAGE;
	final_stage = promotion == LQ_PROMOTE ? config->promote_to : new_state.stage;
	if (!moved_by_hand && final_stage == old_state.stage)
	{
		SPI_finish();
		return PointerGetDatum(new_row);
	}
	transition.to_stage = final_stage;

	if (moved_by_hand)
		verdict = is_insert && lq_stage_is_funnel(new_state.stage)
			? LQ_MOVE_ALLOWED
			: lq_move_verdict(old_state.stage, new_state.stage);
	transition.via = LQ_VIA_MANUAL;
	if (verdict == LQ_MOVE_NEEDS_REASON)
	{
		transition.reason = given_reason(config);
		if (lq_rejecting_relid == config->log_relid)
			transition.via = LQ_VIA_REJECTION;
		else if (transition.reason == NULL && lq_enforce_stage_rules)
			refuse_missing_reason(config, transition.lead_id, is_insert,
								  old_state.stage, new_state.stage);
		else if (transition.reason == NULL)
			transition.via = LQ_VIA_REPAIR;
	}
	else if (verdict == LQ_MOVE_BACKWARD)
	{
		if (lq_enforce_stage_rules)
			refuse_backward_move(config, transition.lead_id,
								 old_state.stage, new_state.stage);
		transition.via = LQ_VIA_REPAIR;
		transition.reason = given_reason(config);
	}
	if (promotion == LQ_PROMOTE)
		transition.via = LQ_VIA_PROMOTION;

	if (transition.reason != NULL)
		check_reason_exists(config, transition.lead_id, transition.reason,
							is_insert, old_state.stage, new_state.stage);

	if (final_stage != new_state.stage)
	{
		int			attnum = config->stage_attnum;
		Datum		stage = lq_stage_to_datum(config->stage_type, final_stage);
		bool		isnull = false;
		MemoryContext spi_cxt = MemoryContextSwitchTo(caller_cxt);

		new_row = heap_modify_tuple_by_cols(new_row, tupdesc, 1, &attnum,
											&stage, &isnull);
		MemoryContextSwitchTo(spi_cxt);
	}

	lq_log_transition(&transition);
	SPI_finish();
	return PointerGetDatum(new_row);
}
