/*
 * qualify.c
 *		leadqual.qualify(): the BEFORE INSERT OR UPDATE row trigger that
 *		promotes leads and enforces the stage rules.
 *
 * It decides each stage change; leadqual.log_transition() logs it once the
 * row is written, with the decision qualify() filed for it (pending.c) when
 * the change alone doesn't tell how it happened.  The common
 * case, an UPDATE that leaves the stage alone and promotes nothing, reads
 * four columns and returns.  SPI runs only to check a rejection reason, to
 * find the score a recycled lead had when it was recycled, and, for a table
 * scored by a model, when a score is computed (model_score.c).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "citus_shards.h"
#include "config.h"
#include "fit.h"
#include "handoff.h"
#include "lead_identity.h"
#include "leadqual.h"
#include "managed_row.h"
#include "model_score.h"
#include "pending.h"
#include "reject.h"
#include "score.h"
#include "stage_datum.h"
#include "transition_log.h"

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
 * Could the row be promoted by its score alone?  Under a model that only
 * happens to a lead the gates held back, which must be checked again.
 */
static bool
held_back_by_gates(const LqFiring *firing)
{
	const LqRowState *state = &firing->new_state;

	return !state->score_isnull &&
		lq_promotion_rule(state->stage) != LQ_PROMOTE_NEVER &&
		lq_score_meets(firing->config->score_kind, state->score,
					   &firing->config->threshold);
}

/* Would log_transition() infer this change's via and reason unaided? */
static bool
log_can_infer(const LqFiring *firing, const LqTransition *transition)
{
	bool		promoted = transition->via == LQ_VIA_PROMOTION;

	return transition->reason == NULL &&
		(promoted || transition->via == LQ_VIA_MANUAL) &&
		promoted == lq_looks_like_promotion(firing, transition->from_stage,
											transition->to_stage);
}

/*
 * leadqual.qualify(): see the top of this file.  leadqual.manage() attaches
 * it with the table's settings as arguments.
 */
static Datum
qualify_row(PG_FUNCTION_ARGS)
{
	LqFiring	firing;
	LqTableConfig *config;
	LqRowState *new_state = &firing.new_state;
	LqRowState *old_state = &firing.old_state;
	LqRowFacts	facts;
	LqPromotion promotion;
	bool		moved_by_hand;
	bool		row_may_move;
	LqTransition transition;
	LqModelScore score;
	bool		scored;

	lq_begin_firing(fcinfo, "leadqual.qualify", true, &firing);
	config = firing.config;
	if (!firing.is_insert)
		lq_require_unchanged_lead_id(&firing);

	/*
	 * Under a model, the trigger computes the score of every inserted row,
	 * of every row whose stage, score or fit columns change, and of every
	 * row its score alone could promote, so the gates count for every
	 * promotion.
	 */
	score.gates_met = true;
	scored = config->model != NULL &&
		(firing.is_insert || new_state->stage != old_state->stage ||
		 lq_model_score_written(&firing) ||
		 lq_fit_columns_changed(config->model, firing.tupdesc, firing.old_row,
								firing.new_row) ||
		 held_back_by_gates(&firing));
	if (scored)
		lq_apply_model(&firing, &score);

	facts.is_insert = firing.is_insert;
	facts.old_stage = old_state->stage;
	facts.new_stage = new_state->stage;
	facts.repair = !lq_enforce_stage_rules;
	facts.new_meets_threshold = !new_state->score_isnull && score.gates_met &&
		lq_score_meets(config->score_kind, new_state->score, &config->threshold);
	facts.old_meets_threshold = !old_state->score_isnull &&
		lq_score_meets(config->score_kind, old_state->score, &config->threshold);
	facts.score_rose = !new_state->score_isnull && !old_state->score_isnull &&
		lq_score_greater(config->score_kind, new_state->score, old_state->score);

	promotion = lq_decide_promotion(&facts);
	moved_by_hand = firing.is_insert || new_state->stage != old_state->stage;
	row_may_move = lq_partition_key_changed(&firing);
	if (!moved_by_hand && promotion == LQ_KEEP_STAGE && !row_may_move)
		return PointerGetDatum(firing.new_row);

	memset(&transition, 0, sizeof(transition));
	transition.lead_id = lq_row_lead_id(config, firing.tupdesc, firing.new_row);
	/* a retired history is no new lead's */
	if (firing.is_insert)
		lq_require_unreserved_lead_id(config, transition.lead_id);
	transition.from_stage = old_state->stage;
	transition.to_stage = new_state->stage;
	transition.via = LQ_VIA_MANUAL;

	/* the second half of an UPDATE that moved the row here: decided there */
	if (firing.is_insert && firing.rel->rd_rel->relispartition &&
		lq_pending_take(config->log_relid, &transition, LQ_MATCH_MOVE))
	{
		lq_pending_push(RelationGetRelid(firing.rel), &transition, true);
		return PointerGetDatum(firing.new_row);
	}

	if (promotion == LQ_PROMOTE_IF_ABOVE_RECYCLED_SCORE)
		promotion = above_recycled_score(config, transition.lead_id, new_state->score)
			? LQ_PROMOTE : LQ_KEEP_STAGE;

	if (moved_by_hand)
	{
		if (!lq_stage_is_funnel(new_state->stage) || !lq_enforce_stage_rules)
			transition.reason = lq_given_reason(config);
		if (lq_enforce_move(config, transition.lead_id, firing.is_insert,
							old_state->stage, new_state->stage, transition.reason))
			transition.via = LQ_VIA_REPAIR;
		else if (lq_rejecting(config) && transition.reason != NULL)
			transition.via = LQ_VIA_REJECTION;
		else if (lq_merging_into(config->log_relid, transition.lead_id))
			transition.via = LQ_VIA_MERGE;
		if (transition.reason != NULL)
			lq_require_rejection_reason(transition.reason, "leadqual",
										psprintf("Lead \"%s\" of table %s was about to %s.",
												 transition.lead_id, config->display_name,
												 lq_describe_move(firing.is_insert,
																  old_state->stage,
																  new_state->stage)));
	}

	if (promotion == LQ_PROMOTE)
	{
		int			attnum = config->stage_attnum;
		Datum		stage = lq_stage_to_datum(config->stage_type, config->promote_to);
		bool		isnull = false;

		firing.new_row = heap_modify_tuple_by_cols(firing.new_row, firing.tupdesc,
												   1, &attnum, &stage, &isnull);
		transition.to_stage = config->promote_to;
		transition.via = LQ_VIA_PROMOTION;
	}

	/* a lead handed to sales needs an owner: see handoff.c */
	if ((moved_by_hand || promotion == LQ_PROMOTE) &&
		transition.to_stage == config->promote_to &&
		transition.from_stage != config->promote_to)
		transition.owner_assigned = lq_assign_owner(&firing, transition.lead_id,
													&transition.turn);

	/*
	 * leadqual.log_transition() logs the change once the row is written.  It
	 * tells promotions and plain moves apart by itself; only a change it
	 * would get wrong, or an owner it must log as assigned, needs the
	 * decision filed.
	 */
	if ((moved_by_hand || promotion == LQ_PROMOTE) &&
		(!log_can_infer(&firing, &transition) || transition.owner_assigned))
		lq_pending_push(RelationGetRelid(firing.rel), &transition, false);
	if (row_may_move)
		lq_pending_push(config->log_relid, &transition, true);
	return PointerGetDatum(firing.new_row);
}

/* See the comment above qualify_row(); on a shard, it writes beside it. */
PG_FUNCTION_INFO_V1(leadqual_qualify);
Datum
leadqual_qualify(PG_FUNCTION_ARGS)
{
	return lq_with_shard(fcinfo, qualify_row);
}
