/*
 * score_leads.h
 *		Locking leads, storing their subtotals and writing their new scores
 *		(score_leads.c).
 */
#ifndef LQ_SCORE_LEADS_H
#define LQ_SCORE_LEADS_H

#include "postgres.h"

#include "utils/array.h"
#include "utils/timestamp.h"

/*
 * Rescores the leads (lead_ids a text[], or (Datum) 0 for every row) of a
 * table managed with a model, as of a time, as the caller; returns how
 * many scores changed.  With skip_locked, the given ids of leads it could
 * not lock (held by others, or gone) are added to *unlocked, unless
 * unlocked is NULL, in the caller's memory context.
 */
struct LqTableConfig;
extern void lq_require_castable_lead_ids(struct LqTableConfig *config, Datum lead_ids);
extern int64 lq_score_leads(Oid relid, Datum lead_ids, TimestampTz as_of, bool skip_locked,
							ArrayBuildState **unlocked);

#endif							/* LQ_SCORE_LEADS_H */
