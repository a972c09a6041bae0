/*
 * lead_identity.h
 *		A lead's identity: deleted leads' histories retired under ids of
 *		their own, the ids leadqual reserves for them, ids that never change
 *		(lead_identity.c), and duplicates merged (lead_merge.c).
 */
#ifndef LQ_LEAD_IDENTITY_H
#define LQ_LEAD_IDENTITY_H

#include "postgres.h"

#include "nodes/parsenodes.h"
#include "utils/relcache.h"

#include "config.h"
#include "managed_row.h"

/*
 * lead_identity.c.  lq_lead_id_matches(): "l.<id column> = $<param>::<id
 * type>", with the type's own equality operator, schema-qualified: how the
 * queries leadqual runs as the caller find a lead of the table ("l") by
 * its id as text; lq_delete_lead_sql(): the DELETE of one lead, $1 its id.
 */
extern bool lq_is_reserved_lead_id(const char *lead_id);
extern void lq_require_unreserved_lead_id(LqTableConfig *config, const char *lead_id);
extern void lq_require_unchanged_lead_id(const LqFiring *firing);
extern char *lq_lead_id_matches(LqTableConfig *config, int param, const char *caller);
extern char *lq_delete_lead_sql(LqTableConfig *config, const char *caller);
extern LqTableConfig *lq_open_identity_table(Oid relid, const char *caller, AclMode privileges,
											 const char *needs, Relation *rel);

/* lead_merge.c: what merge() is doing right now, for the triggers */
extern bool lq_merging_into(Oid lead_table, const char *lead_id);
extern bool lq_merge_is_dropping(Oid lead_table, const char *lead_id);

#endif							/* LQ_LEAD_IDENTITY_H */
