/*
 * cache_invalidation.c
 *		leadqual's one relcache callback and one syscache callback, which
 *		pass invalidations on to every cache of leadqual's.
 *
 * A backend has ten relcache callback slots (MAX_RELCACHE_CALLBACKS) for
 * PostgreSQL and every extension it loads together, and registering one
 * more is FATAL ("out of relcache_callback_list slots").  PostgreSQL takes
 * two, Citus several.  So leadqual takes one, registered in _PG_init(), and
 * this file passes each invalidation on to every cache; syscache callback
 * slots are limited the same way (64), so pg_enum's invalidations come
 * through one too.  The caches only mark what is stale: an invalidation
 * may arrive whenever a lock is taken, while a cache is being read.
 */
#include "postgres.h"

#include "utils/inval.h"
#include "utils/syscache.h"

#include "cache_invalidation.h"
#include "calendar.h"
#include "citus_shards.h"
#include "config.h"
#include "handoff.h"
#include "own_index.h"
#include "own_table.h"
#include "stage_datum.h"
#include "trust_boundary.h"

/* relid's relcache entry was invalidated; InvalidOid: every relation's */
static void
relation_changed(Datum arg pg_attribute_unused(), Oid relid)
{
	lq_table_configs_changed(relid);
	lq_calendars_changed(relid);
	lq_policies_changed(relid);
	lq_outbox_changed(relid);
	lq_log_owner_changed(relid);
	lq_own_tables_changed(relid);
	lq_own_indexes_changed(relid);
	lq_citus_shards_changed(relid);
}

static void
enum_label_changed(Datum arg pg_attribute_unused(), int cacheid pg_attribute_unused(),
				   uint32 hashvalue pg_attribute_unused())
{
	lq_stage_map_changed();
}

void
lq_register_cache_callbacks(void)
{
	CacheRegisterRelcacheCallback(relation_changed, (Datum) 0);
	CacheRegisterSyscacheCallback(ENUMOID, enum_label_changed, (Datum) 0);
}
