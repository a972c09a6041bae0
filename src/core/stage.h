/*
 * stage.h
 *		The lifecycle funnel and its rules, in plain C.
 *
 * Nothing here knows about PostgreSQL, so the rules can be unit-tested and
 * fuzzed on their own (see test/unit/).  The SQL enum
 * leadqual.lifecycle_stage declares the same labels in the same order.
 */
#ifndef LEADQUAL_STAGE_H
#define LEADQUAL_STAGE_H

#include <stdbool.h>

typedef enum LqStage
{
	LQ_STAGE_INVALID = -1,		/* no stage: the "from" of an INSERT */
	LQ_STAGE_SUBSCRIBER,
	LQ_STAGE_LEAD,
	LQ_STAGE_MQL,
	LQ_STAGE_PQL,
	LQ_STAGE_SAL,
	LQ_STAGE_SQL,
	LQ_STAGE_OPPORTUNITY,
	LQ_STAGE_CUSTOMER,
	LQ_STAGE_EVANGELIST,
	LQ_STAGE_RECYCLED,
	LQ_STAGE_DISQUALIFIED
} LqStage;

#define LQ_STAGE_COUNT (LQ_STAGE_DISQUALIFIED + 1)

/* What the rules say about a manual move from one stage to another. */
typedef enum LqMoveVerdict
{
	LQ_MOVE_ALLOWED,			/* forward on the funnel, or out of a detour */
	LQ_MOVE_NEEDS_REASON,		/* into recycled or disqualified */
	LQ_MOVE_BACKWARD			/* backward on the funnel: forbidden */
} LqMoveVerdict;

/* What a score at or above the threshold does to a lead in a stage. */
typedef enum LqPromotionRule
{
	LQ_PROMOTE_NEVER,			/* already past the threshold's stage, or
								 * disqualified */
	LQ_PROMOTE_ALWAYS,			/* subscriber and lead */
	LQ_PROMOTE_ON_NEW_ENGAGEMENT	/* recycled: only a rising score counts */
} LqPromotionRule;

/* What the trigger knows about one row when it decides on a promotion. */
typedef struct LqRowFacts
{
	bool		is_insert;
	LqStage		old_stage;		/* unused for an INSERT */
	LqStage		new_stage;		/* as the statement left it */
	bool		repair;			/* leadqual.enforce_stage_rules is off */
	bool		new_meets_threshold;	/* known, not NaN, and >= threshold */
	bool		old_meets_threshold;
	bool		score_rose;		/* both known and new > old */
} LqRowFacts;

typedef enum LqPromotion
{
	LQ_KEEP_STAGE,
	LQ_PROMOTE,
	/* the caller must compare the score with the one logged at recycling */
	LQ_PROMOTE_IF_ABOVE_RECYCLED_SCORE
} LqPromotion;

extern const char *lq_stage_name(LqStage stage);
extern int	lq_stage_from_name(const char *name);
extern bool lq_stage_is_funnel(LqStage stage);
extern int	lq_stage_funnel_rank(LqStage stage);
extern LqMoveVerdict lq_move_verdict(LqStage from, LqStage to);
extern LqPromotionRule lq_promotion_rule(LqStage stage);
extern bool lq_is_promotion_target(LqStage stage);
extern LqPromotion lq_decide_promotion(const LqRowFacts *facts);

#endif							/* LEADQUAL_STAGE_H */
