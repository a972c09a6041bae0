/*
 * leadqual.h
 *		The settings (GUCs) leadqual defines in leadqual.c.
 */
#ifndef LEADQUAL_H
#define LEADQUAL_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* GUCs, defined in leadqual.c */
extern char *lq_reason_guc;
extern char *lq_rejecting_guc;
extern char *lq_report_calendar;
extern bool lq_enforce_stage_rules;
extern char *lq_handoff_retention_guc;
extern Interval lq_handoff_retention;	/* lq_handoff_retention_guc, parsed */
extern char *lq_report_time_zone;	/* "": the session's TimeZone */
extern bool lq_report_rollups;
extern int	lq_rollup_refresh_after;
extern int	lq_week_start;		/* 0 = Monday ... 6 = Sunday */

#endif							/* LEADQUAL_H */
