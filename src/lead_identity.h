/*
 * lead_identity.h
 *		Deleted leads' histories retired under ids of their own, and the
 *		ids leadqual reserves for them (lead_identity.c).
 */
#ifndef LQ_LEAD_IDENTITY_H
#define LQ_LEAD_IDENTITY_H

#include "postgres.h"

#include "config.h"

extern bool lq_is_reserved_lead_id(const char *lead_id);
extern void lq_require_unreserved_lead_id(LqTableConfig *config, const char *lead_id);

#endif							/* LQ_LEAD_IDENTITY_H */
