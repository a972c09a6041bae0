/*
 * handoff.h
 *		Owner assignment, SLA clocks and the NOTIFY around a stage change
 *		(handoff.c).
 */
#ifndef LQ_HANDOFF_H
#define LQ_HANDOFF_H

#include "postgres.h"

#include "datatype/timestamp.h"

#include "round_robin.h"
#include "transition_log.h"

extern char *lq_row_owner(LqTableConfig *config, TupleDesc tupdesc,
						  HeapTuple row);
extern bool lq_assign_owner(LqFiring *firing, const char *lead_id,
							LqTurn **turn);
extern void lq_stage_changed(const LqTransition *transition,
							 LqTableConfig *config, int64 transition_id,
							 TimestampTz at, const char *owner);
extern void lq_policies_changed(Oid relid);
extern void lq_outbox_changed(Oid relid);
extern void lq_owner_changed(Oid lead_table, const char *lead_id,
							 const char *owner, bool by_round_robin,
							 const LqTurn *turn, bool entered_now);

#endif							/* LQ_HANDOFF_H */
