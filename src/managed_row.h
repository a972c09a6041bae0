/*
 * managed_row.h
 *		One firing of a leadqual row trigger: the table, its settings, the
 *		row, and the stage rules applied to it (managed_row.c).
 */
#ifndef LQ_MANAGED_ROW_H
#define LQ_MANAGED_ROW_H

#include "postgres.h"

#include "config.h"

/* The ways a stage change can happen; leadqual.transition_via in SQL. */
typedef enum LqVia
{
	LQ_VIA_PROMOTION,
	LQ_VIA_MANUAL,
	LQ_VIA_REJECTION,
	LQ_VIA_REPAIR,
	LQ_VIA_MERGE
} LqVia;

/* The stage and score of one version of a row. */
typedef struct LqRowState
{
	LqStage		stage;
	Datum		score;
	bool		score_isnull;
} LqRowState;

/* One firing of a leadqual row trigger: the table, its settings, the row. */
typedef struct LqFiring
{
	Relation	rel;
	TupleDesc	tupdesc;
	LqTableConfig *config;
	bool		is_insert;
	HeapTuple	old_row;		/* NULL for an INSERT */
	HeapTuple	new_row;
	LqRowState	new_state;
	LqRowState	old_state;		/* stage LQ_STAGE_INVALID for an INSERT */
} LqFiring;

extern void lq_begin_firing(FunctionCallInfo fcinfo, const char *function,
							bool before, LqFiring *firing);
extern void lq_write_for_shard(LqTableConfig *config, TupleDesc tupdesc,
							   HeapTuple row);
extern char *lq_row_lead_id(LqTableConfig *config, TupleDesc tupdesc,
							HeapTuple row);
extern bool lq_rejecting(LqTableConfig *config);
extern const char *lq_given_reason(LqTableConfig *config);
extern const char *lq_via_name(LqVia via);
extern bool lq_partition_key_changed(const LqFiring *firing);
extern bool lq_looks_like_promotion(const LqFiring *firing, LqStage from,
									LqStage to);
extern char *lq_describe_move(bool is_insert, LqStage from, LqStage to);
extern bool lq_enforce_move(LqTableConfig *config, const char *lead_id,
							bool is_insert, LqStage from, LqStage to,
							const char *reason);

#endif							/* LQ_MANAGED_ROW_H */
