/*
 * stage.c
 *		The lifecycle funnel and its rules, in plain C.
 */
#include "stage.h"

#include <string.h>

static const char *const stage_names[LQ_STAGE_COUNT] = {
	"subscriber", "lead", "mql", "pql", "sal", "sql",
	"opportunity", "customer", "evangelist", "recycled", "disqualified"
};

const char *
lq_stage_name(LqStage stage)
{
	if ((int) stage < 0 || stage >= LQ_STAGE_COUNT)
		return NULL;
	return stage_names[stage];
}

/* Returns the stage with that label, or LQ_STAGE_INVALID. */
int
lq_stage_from_name(const char *name)
{
	for (int i = 0; i < LQ_STAGE_COUNT; i++)
		if (strcmp(stage_names[i], name) == 0)
			return i;
	return LQ_STAGE_INVALID;
}

bool
lq_stage_is_funnel(LqStage stage)
{
	return stage >= LQ_STAGE_SUBSCRIBER && stage <= LQ_STAGE_EVANGELIST;
}

/* 1 for subscriber up to 9 for evangelist; 0 for the detours. */
int
lq_stage_funnel_rank(LqStage stage)
{
	return lq_stage_is_funnel(stage) ? (int) stage + 1 : 0;
}

/*
 * Detours are off the funnel, so leaving one is never "backward": a rep may
 * send a recycled or disqualified lead back to any funnel stage.  Entering a
 * detour always needs a reason, because the handoff reports count them.
 */
LqMoveVerdict
lq_move_verdict(LqStage from, LqStage to)
{
	if (!lq_stage_is_funnel(to))
		return LQ_MOVE_NEEDS_REASON;
	if (!lq_stage_is_funnel(from))
		return LQ_MOVE_ALLOWED;
	return lq_stage_funnel_rank(to) > lq_stage_funnel_rank(from)
		? LQ_MOVE_ALLOWED : LQ_MOVE_BACKWARD;
}

LqPromotionRule
lq_promotion_rule(LqStage stage)
{
	switch (stage)
	{
		case LQ_STAGE_SUBSCRIBER:
		case LQ_STAGE_LEAD:
			return LQ_PROMOTE_ALWAYS;
		case LQ_STAGE_RECYCLED:
			return LQ_PROMOTE_ON_NEW_ENGAGEMENT;
		default:
			return LQ_PROMOTE_NEVER;
	}
}

/* A stage a score can promote into: on the funnel, past lead. */
bool
lq_is_promotion_target(LqStage stage)
{
	return lq_stage_is_funnel(stage) && stage > LQ_STAGE_LEAD;
}

/*
 * A recycled lead re-qualifies only on engagement that came after it was
 * recycled: its score crosses the threshold from below, or rises past the
 * score it had when it was recycled.  Anything else would bounce it straight
 * back to sales (the "ping-pong" users complain about).
 *
 * In repair mode a stage the UPDATE sets by hand is kept as written.
 */
LqPromotion
lq_decide_promotion(const LqRowFacts *facts)
{
	bool		moved_by_hand;

	if (!facts->new_meets_threshold)
		return LQ_KEEP_STAGE;

	moved_by_hand = !facts->is_insert && facts->new_stage != facts->old_stage;
	if (facts->repair && moved_by_hand)
		return LQ_KEEP_STAGE;

	switch (lq_promotion_rule(facts->new_stage))
	{
		case LQ_PROMOTE_ALWAYS:
			return LQ_PROMOTE;
		case LQ_PROMOTE_ON_NEW_ENGAGEMENT:
			if (facts->is_insert || moved_by_hand)
				return LQ_KEEP_STAGE;
			if (!facts->old_meets_threshold)
				return LQ_PROMOTE;
			return facts->score_rose ? LQ_PROMOTE_IF_ABOVE_RECYCLED_SCORE
				: LQ_KEEP_STAGE;
		case LQ_PROMOTE_NEVER:
			break;
	}
	return LQ_KEEP_STAGE;
}
