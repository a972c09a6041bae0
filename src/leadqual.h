/*
 * leadqual.h
 *		The settings (GUCs) leadqual defines in leadqual.c.
 */
#ifndef LEADQUAL_H
#define LEADQUAL_H

#include "postgres.h"

/* GUCs, defined in leadqual.c */
extern char *lq_reason_guc;
extern char *lq_report_calendar;
extern bool lq_enforce_stage_rules;

#endif							/* LEADQUAL_H */
