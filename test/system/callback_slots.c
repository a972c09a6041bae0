/*
 * callback_slots.c
 *		A library for test/system/callback_slots.sh only, never installed:
 *		loaded before leadqual, it takes relcache callback slots, as other
 *		extensions do (Citus takes several), so that the test can show that
 *		leadqual needs no more than one.
 *
 * A backend has MAX_RELCACHE_CALLBACKS (10) relcache callback slots for
 * PostgreSQL and every library it loads together, and registering one more
 * is FATAL ("out of relcache_callback_list slots").  LOAD takes as many as
 * callback_slots.relcache, set before it, says.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/typcache.h"

PG_MODULE_MAGIC;

static int	relcache_slots = 0;

static void
ignore_invalidation(Datum arg pg_attribute_unused(), Oid relid pg_attribute_unused())
{
}

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("callback_slots.relcache",
							"Relcache callback slots this library takes when it is loaded.",
							NULL, &relcache_slots, 0, 0, 10, PGC_USERSET, 0,
							NULL, NULL, NULL);

	/*
	 * The type cache takes its slot at its first use: taken now, the slots
	 * left are the same whatever the session ran before.
	 */
	(void) lookup_type_cache(INT4OID, 0);

	for (int i = 0; i < relcache_slots; i++)
		CacheRegisterRelcacheCallback(ignore_invalidation, (Datum) 0);
}
