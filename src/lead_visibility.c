/*
 * lead_visibility.c
 *		leadqual._lead_visible(), the row-level security policy of
 *		leadqual's per-lead tables: the log, events, subtotals, score
 *		history, SLA clocks, touches and assignments.
 *
 * Those tables hold every managed table's leads side by side, so a role
 * sees a row of them only if it could read that lead in its own table: it
 * holds SELECT on the table and, when the table's row-level security
 * applies to it, the lead's row passes the table's policies.  The lead
 * table is read as the role itself, never with leadqual's rights.
 *
 * The answer is worked out once per query and table: the privilege, then
 * (only for a role the table's row security restricts) the set of lead ids
 * it can see, read in one scan.  A role that bypasses row security on
 * leadqual's tables (a superuser, the extension's owner, which leadqual's
 * own queries run as) never calls this.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rls.h"

#include "citus_shards.h"
#include "config.h"
#include "engagement_state.h"
#include "trust_boundary.h"

/* What the current role may see of one lead table. */
typedef struct LqTableVisibility
{
	Oid			relid;			/* hash key */
	bool		readable;		/* SELECT on the table */
	bool		row_security;	/* its policies restrict the role */
	HTAB	   *visible_ids;	/* with row_security: the ids it sees */
} LqTableVisibility;

/* The state of one call site, for one query. */
typedef struct LqVisibilityCache
{
	Oid			user;
	HTAB	   *tables;
	MemoryContext cxt;
} LqVisibilityCache;

/*
 * The ids of the table's leads the current role can see, read as the role:
 * the table's own policies (the user's code) run as the role, as they would
 * if it read the table itself.  A table leadqual no longer manages has no
 * known id column, so none of its leads are visible.
 */
static HTAB *
read_visible_ids(Oid relid, MemoryContext cxt)
{
	HASHCTL		ctl;
	HTAB	   *ids;
	LqTableConfig *config = lq_config_if_managed(relid);
	char	   *sql;
	int			rc;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(char *);
	ctl.hash = lq_id_hash;
	ctl.match = lq_id_compare;
	ctl.hcxt = cxt;
	ids = hash_create("leadqual visible lead ids", 256, &ctl,
					  HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	if (config == NULL || config->log_relid != relid)
		return ids;

	sql = psprintf("SELECT l.%s FROM %s AS l",
				   quote_identifier(NameStr(config->id_column)),
				   lq_qualified_name(relid));
	lq_connect_spi();
	rc = SPI_execute(sql, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "leadqual: reading the leads of %s failed: %s",
			 config->display_name, SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		id = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		char	   *text;

		if (isnull)
			continue;
		text = MemoryContextStrdup(cxt, OutputFunctionCall(&config->id_output, id));
		(void) hash_search(ids, &text, HASH_ENTER, NULL);
	}
	SPI_finish();
	return ids;
}

static LqTableVisibility *
table_visibility(LqVisibilityCache *cache, Oid relid)
{
	LqTableVisibility *table;
	bool		found;
	bool		is_missing = false;
	bool		citus;
	Oid			here = relid;

	table = hash_search(cache->tables, &relid, HASH_ENTER, &found);
	if (found)
		return table;
	table->readable = false;
	table->row_security = false;
	table->visible_ids = NULL;
	/* on Citus, a row names its table by the table's OID on the coordinator */
	citus = lq_citus_mode();
	if (citus)
	{
		here = lq_citus_managed_table_here(relid);
		if (!OidIsValid(here))
			return table;
	}
	table->readable = pg_class_aclcheck_ext(here, cache->user, ACL_SELECT,
											&is_missing) == ACLCHECK_OK &&
		!is_missing;
	table->row_security = table->readable &&
		check_enable_rls(here, InvalidOid, true) == RLS_ENABLED;
	/*
	 * On Citus the table's rows are in its shards, of which a policy knows
	 * none: a role its policies restrict sees none of its leads here.
	 */
	if (table->row_security && citus)
		table->readable = table->row_security = false;
	Assert(table->readable || !table->row_security);
	return table;
}

static HTAB *
table_hash(MemoryContext cxt)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(LqTableVisibility);
	ctl.hcxt = cxt;
	return hash_create("leadqual table visibility", 8, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* The call site's state, begun again if the role changed. */
static LqVisibilityCache *
visibility_cache(FunctionCallInfo fcinfo)
{
	LqVisibilityCache *cache = fcinfo->flinfo->fn_extra;
	Oid			user = GetUserId();

	if (cache != NULL && cache->user == user)
		return cache;
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(*cache));
		fcinfo->flinfo->fn_extra = cache;
	}
	else
		MemoryContextDelete(cache->cxt);
	cache->user = user;
	cache->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "leadqual lead visibility",
									   ALLOCSET_DEFAULT_SIZES);
	cache->tables = table_hash(cache->cxt);
	return cache;
}

/*
 * leadqual._lead_visible(lead_table regclass, lead_id text): whether the
 * current role could read that lead in its table.  The USING clause of the
 * row-level security policies on leadqual's per-lead tables.
 */
PG_FUNCTION_INFO_V1(leadqual_lead_visible);
Datum
leadqual_lead_visible(PG_FUNCTION_ARGS)
{
	LqVisibilityCache *cache = visibility_cache(fcinfo);
	LqTableVisibility *table = table_visibility(cache, PG_GETARG_OID(0));
	char	   *lead_id;

	if (!table->readable)
		PG_RETURN_BOOL(false);
	if (!table->row_security)
		PG_RETURN_BOOL(true);
	if (table->visible_ids == NULL)
		table->visible_ids = read_visible_ids(table->relid, cache->cxt);
	lead_id = text_to_cstring(PG_GETARG_TEXT_PP(1));
	PG_RETURN_BOOL(hash_search(table->visible_ids, &lead_id, HASH_FIND, NULL) != NULL);
}
