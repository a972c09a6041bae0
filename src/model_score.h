/*
 * model_score.h
 *		Scores of tables managed with a model: the triggers' part
 *		(model_score.c).
 */
#ifndef LQ_MODEL_SCORE_H
#define LQ_MODEL_SCORE_H

#include "postgres.h"

#include "config.h"
#include "managed_row.h"
#include "utils/timestamp.h"

typedef struct LqModelScore
{
	bool		gates_met;		/* fit and engagement reach the model's gates */
} LqModelScore;

extern void lq_apply_model(LqFiring *firing, LqModelScore *result);
extern bool lq_model_score_written(const LqFiring *firing);
extern void lq_record_model_score(const LqFiring *firing);

struct LqOwnWalk;

/* A lead's subtotals as leadqual.lead_score holds them, if it does. */
typedef struct LqStoredSubtotals
{
	bool		stored;
	Numeric		fit;
	Numeric		engagement;
} LqStoredSubtotals;

/*
 * Many leads' stored subtotals, in one walk along the table's leads' rows
 * of leadqual.lead_score (see own_index.h): the caller gives the leads
 * (text) in the walk's order.  Copied into the current memory context.
 */
extern void lq_subtotals_walk_begin(struct LqOwnWalk *walk, Oid lead_table);
extern bool lq_walked_subtotals(struct LqOwnWalk *walk, Datum lead_id,
								LqStoredSubtotals *stored);

/*
 * Would scoring the lead change what is stored: its subtotals (none stored
 * counts as a change), or the score in its row (a score that doesn't fit
 * the column does, so that scoring it fails naming the lead)?
 */
extern bool lq_score_is_stale(LqTableConfig *config, const LqStoredSubtotals *stored, Numeric fit,
							  Numeric engagement, Datum score, bool score_isnull);
extern char *lq_qualified_equality(Oid type, const char *caller);
extern int	lq_store_scores(Oid relid, TimestampTz as_of, Datum lead_ids,
							Datum **ids, Datum **scores);
/*
 * _score_leads()'s subtotals wait for its UPDATE, whose triggers store them
 * with the score: lq_wait_subtotals() before storing them (it returns the
 * outer call's, for lq_stop_waiting() to restore), then
 * lq_store_waiting_subtotals() after the UPDATE for those it did not write.
 */
typedef struct LqWaitingSubtotals LqWaitingSubtotals;
extern LqWaitingSubtotals *lq_wait_subtotals(Oid lead_table);
extern void lq_store_waiting_subtotals(void);
extern void lq_stop_waiting(LqWaitingSubtotals *outer);

extern int	lq_store_locked_scores(Oid relid, TimestampTz as_of, Datum *lead_ids,
								   Datum *fits, int nleads, Datum **ids, Datum **scores);

#endif							/* LQ_MODEL_SCORE_H */
