/*
 * pending.h
 *		Decisions qualify() files for log_transition() to pick up
 *		(pending.c).
 */
#ifndef LQ_PENDING_H
#define LQ_PENDING_H

#include "postgres.h"

#include "transition_log.h"

typedef enum LqPendingMatch
{
	LQ_MATCH_UPDATE,			/* the same from and to stages */
	LQ_MATCH_INSERT,			/* the same to stage, from an INSERT or a
								 * row moved between partitions */
	LQ_MATCH_MOVE				/* a row leaving its partition, any stages */
} LqPendingMatch;

extern void lq_pending_push(Oid relid, const LqTransition *transition,
							bool row_moving);
extern bool lq_pending_take(Oid relid, LqTransition *transition,
							LqPendingMatch match);

#endif							/* LQ_PENDING_H */
