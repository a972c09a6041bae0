/*
 * transition_log.h
 *		A stage change as the log records it, and the reads of the log the
 *		triggers need (transition_log.c).
 */
#ifndef LQ_TRANSITION_LOG_H
#define LQ_TRANSITION_LOG_H

#include "postgres.h"

#include "managed_row.h"

typedef struct LqTransition
{
	Oid			lead_table;
	const char *lead_id;
	LqStage		from_stage;		/* LQ_STAGE_INVALID for an INSERT */
	LqStage		to_stage;
	Datum		score;			/* numeric */
	bool		score_isnull;
	const char *reason;			/* NULL when none */
	LqVia		via;
	bool		owner_assigned; /* qualify() picked the owner round-robin */
	struct LqTurn *turn;		/* the turn it took (NULL: none) */
	bool		arrived_by_move;	/* the INSERT half of a row moving
									 * between partitions */
} LqTransition;

extern void lq_require_rejection_reason(const char *reason,
										const char *caller, const char *detail);
extern bool lq_score_when_recycled(Oid lead_table, const char *lead_id,
								   Datum *score, bool *isnull);

#endif							/* LQ_TRANSITION_LOG_H */
