/*
 * reject.h
 *		The rejection leadqual.reject() has in progress, which the trigger
 *		records (reject.c).
 */
#ifndef LQ_REJECT_H
#define LQ_REJECT_H

#include "postgres.h"

/* reject.c: the rejection in progress, which the trigger records */
extern Oid	lq_rejecting_relid;
extern const char *lq_rejecting_reason;

#endif							/* LQ_REJECT_H */
