/*
 * rollup_refresh.h
 *		Starts leadqual.refresh_rollups() in a background worker once enough
 *		clocks stopped (rollup_refresh.c).
 */
#ifndef LEADQUAL_ROLLUP_REFRESH_H
#define LEADQUAL_ROLLUP_REFRESH_H

/*
 * Counts a clock stopped by the transaction in progress; once this backend
 * has committed leadqual.rollup_refresh_after of them, its commit starts
 * a refresh.
 */
extern void lq_rollup_clock_stopped(void);

#endif
