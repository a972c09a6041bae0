/*
 * clock_references.h
 *		An SLA clock's policy and calendar, kept without foreign keys
 *		(clock_references.c).
 */
#ifndef LQ_CLOCK_REFERENCES_H
#define LQ_CLOCK_REFERENCES_H

#include "postgres.h"

extern void lq_lock_clock_references(const char *policy, const char *calendar);

#endif							/* LQ_CLOCK_REFERENCES_H */
