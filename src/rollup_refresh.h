/*
 * rollup_refresh.h
 *		Starts leadqual.refresh_rollups() in a background worker once enough
 *		clocks stopped (rollup_refresh.c).
 */
#ifndef LEADQUAL_ROLLUP_REFRESH_H
#define LEADQUAL_ROLLUP_REFRESH_H

/*
 * Counts a change the rollups fold (a clock stopped, a row logged) made by
 * the transaction in progress; once this backend has committed
 * leadqual.rollup_refresh_after of them, its commit starts a refresh.
 */
extern void lq_rollups_changed(void);

#endif
