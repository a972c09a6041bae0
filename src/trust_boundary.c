/*
 * trust_boundary.c
 *		The only code in leadqual that changes the user id.
 *
 * leadqual's triggers and functions run as whoever writes the leads, but
 * the log, the scores, the clocks and the round-robin turns must be written
 * by leadqual alone: ordinary roles may read them, not forge them.  So the
 * queries on those tables run as the owner of leadqual.transition (the
 * extension's owner, a superuser), the way PostgreSQL's foreign-key checks
 * run as the referenced table's owner.
 *
 * The rule on the owner's side of the boundary, which lq_run_as_owner()
 * (a query) and lq_insert_as_owner() (a row written straight into a table,
 * own_table.c) enforce where they can:
 *   - the query names only leadqual's own tables and functions, and
 *     pg_catalog's, all schema-qualified (checked when it is prepared: every
 *     relation it depends on must be in schema leadqual or pg_catalog);
 *   - its parameters are built-in types (text, oid, numeric, timestamptz,
 *     bigint, arrays of them; checked), converted in C while still running
 *     as the caller: a value of a user's type, whose input function or
 *     domain CHECK is the user's code, never crosses;
 *   - so it never reads a user's relation, casts to a user's type or calls
 *     a user's function.
 * Anything that does (reading a leads table, casting a lead id to the id
 * column's type, a column's output function, a fit rule over a user's
 * column) runs on the caller's side, with the caller's privileges and row
 * security.  leadqual has no check that must see rows the caller can't, so
 * it never runs anything as a table's owner.
 *
 * One more piece of code runs as the owner without changing ids: the
 * rollup's refresh worker (leadqual_rollup_refresh_main(), at the end),
 * which connects as the owner and runs leadqual.refresh_rollups(), a
 * function over leadqual's own tables, under search_path pg_catalog.
 *
 * docs/security.md lists every query that crosses, and why each is safe.
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "own_table.h"
#include "citus_shards.h"
#include "trust_boundary.h"

/*
 * The owner of leadqual.transition, and whether it has the owner column,
 * until a relcache invalidation.
 */
static Oid	cached_log_owner = InvalidOid;
static Oid	cached_log_relid = InvalidOid;
static bool cached_handoff_installed = false;

/* Called from leadqual's relcache callback (cache_invalidation.c). */
void
lq_log_owner_changed(Oid relid)
{
	if (relid == InvalidOid || relid == cached_log_relid)
		cached_log_owner = InvalidOid;
}

static Oid
log_owner(void)
{
	Oid			schema;
	HeapTuple	tuple;

	if (OidIsValid(cached_log_owner))
		return cached_log_owner;

	schema = get_namespace_oid("leadqual", false);
	cached_log_relid = get_relname_relid("transition", schema);
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(cached_log_relid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "leadqual: table leadqual.transition is missing");
	cached_log_owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	cached_handoff_installed = get_attnum(cached_log_relid, "owner") != InvalidAttrNumber;
	return cached_log_owner;
}

/* See trust_boundary.h. */
Oid
lq_extension_owner(void)
{
	return log_owner();
}

/*
 * Whether the database's leadqual schema is 0.3.0 or later, with the
 * handoff's tables and functions.  A server runs one library for every
 * database, and a database keeps its schema version until ALTER EXTENSION
 * UPDATE: until then the triggers log as that version did.
 */
bool
lq_handoff_installed(void)
{
	(void) log_owner();
	return cached_handoff_installed;
}

/*
 * Errors unless every parameter is of a built-in type: the value was
 * converted to it as the caller, and nothing of the user's runs when the
 * query reads it.
 */
static void
require_builtin_parameters(const LqKeptQuery *query)
{
	for (int i = 0; i < query->nargs; i++)
		if (query->argtypes[i] >= FirstGenbkiObjectId)
			elog(ERROR, "leadqual: parameter $%d of a query run as the extension's owner is of type %u, not a built-in type: \"%s\"",
				 i + 1, query->argtypes[i], query->sql);
}

/*
 * Errors unless every relation the prepared query depends on is leadqual's
 * or the catalog's.
 */
static void
require_own_relations(const LqKeptQuery *query, SPIPlanPtr plan)
{
	Oid			leadqual = get_namespace_oid("leadqual", false);
	ListCell   *source;

	foreach(source, SPI_plan_get_plan_sources(plan))
	{
		ListCell   *relation;

		foreach(relation, ((CachedPlanSource *) lfirst(source))->relationOids)
		{
			Oid			namespace = get_rel_namespace(lfirst_oid(relation));

			if (namespace != leadqual && namespace != PG_CATALOG_NAMESPACE)
				elog(ERROR, "leadqual: a query run as the extension's owner reads relation %u outside schema leadqual: \"%s\"",
					 lfirst_oid(relation), query->sql);
		}
	}
}

/*
 * A kept query's plans for the shards its trigger fired on, when it reads
 * leadqual's tables of per-lead rows: a plan a shard, kept for the backend.
 */
typedef struct ShardPlanKey
{
	LqKeptQuery *query;
	int64		shardid;
} ShardPlanKey;

typedef struct ShardPlan
{
	ShardPlanKey key;
	SPIPlanPtr	plan;			/* NULL: the query reads no such table */
	uint64		generation;		/* lq_citus_generation when prepared */
} ShardPlan;

static HTAB *shard_plans = NULL;

/*
 * In a trigger firing on a shard of a table Citus distributes, the plan of
 * the query on the co-located shards (citus_shards.c), prepared and kept
 * the first time; NULL if it reads none of them.
 */
static SPIPlanPtr
shard_plan(LqKeptQuery *query, bool as_owner)
{
	ShardPlanKey key;
	ShardPlan  *entry;
	bool		found;

	if (shard_plans == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(ShardPlanKey);
		ctl.entrysize = sizeof(ShardPlan);
		ctl.hcxt = TopMemoryContext;
		shard_plans = hash_create("leadqual queries on shards", 64, &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	memset(&key, 0, sizeof(key));
	key.query = query;
	key.shardid = lq_shard_write.shardid != 0 ? lq_shard_write.shardid : LQ_LOCAL_COPIES;
	entry = hash_search(shard_plans, &key, HASH_FIND, NULL);
	/* a shard moved, or dropped: its names and id base may have changed */
	if (entry != NULL && entry->generation != lq_citus_generation)
	{
		if (entry->plan != NULL)
			SPI_freeplan(entry->plan);
		hash_search(shard_plans, &key, HASH_REMOVE, NULL);
		entry = NULL;
	}
	if (entry == NULL)
	{
		char	   *sql = lq_citus_shard_sql(query->sql, key.shardid);
		SPIPlanPtr	plan = NULL;

		if (sql != NULL)
		{
			plan = SPI_prepare_cursor(sql, query->nargs, query->argtypes, query->cursor_options);
			if (plan == NULL)
				elog(ERROR, "leadqual: SPI_prepare failed for \"%s\": %s",
					 sql, SPI_result_code_string(SPI_result));
			if (as_owner)
				require_own_relations(query, plan);
			if (SPI_keepplan(plan) != 0)
				elog(ERROR, "leadqual: SPI_keepplan failed");
		}
		entry = hash_search(shard_plans, &key, HASH_ENTER, &found);
		entry->plan = plan;
		entry->generation = lq_citus_generation;
	}
	return entry->plan;
}

/*
 * Prepares the query the first time, as the current user, and keeps it;
 * returns the plan to run: in a trigger firing on a shard of a table Citus
 * distributes, the one on its co-located shards.
 */
static SPIPlanPtr
prepare_kept(LqKeptQuery *query, bool as_owner)
{
	SPIPlanPtr	plan;

	if ((lq_shard_write.shardid != 0 || lq_citus_mode()) &&
		(plan = shard_plan(query, as_owner)) != NULL)
		return plan;
	if (query->plan != NULL)
		return query->plan;
	Assert(query->sql != NULL);
	Assert(query->nargs >= 0 && query->nargs <= LQ_MAX_QUERY_ARGS);
	if (as_owner)
		require_builtin_parameters(query);
	plan = SPI_prepare_cursor(query->sql, query->nargs, query->argtypes,
							  query->cursor_options);
	if (plan == NULL)
		elog(ERROR, "leadqual: SPI_prepare failed for \"%s\": %s",
			 query->sql, SPI_result_code_string(SPI_result));
	if (as_owner)
		require_own_relations(query, plan);
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "leadqual: SPI_keepplan failed");
	query->plan = plan;
	return plan;
}

/*
 * The query's plan, prepared as the current user the first time, for a
 * caller that runs it itself (with a snapshot of its own, say).
 */
SPIPlanPtr
lq_kept_plan(LqKeptQuery *query)
{
	return prepare_kept(query, false);
}

/* Runs the query, with the given snapshot or (InvalidSnapshot) SPI's. */
static void
execute_kept(LqKeptQuery *query, SPIPlanPtr plan, Datum *values, const char *nulls,
			 long limit, Snapshot snapshot)
{
	int			rc = snapshot == InvalidSnapshot
		? SPI_execute_plan(plan, values, nulls, false, limit)
		: SPI_execute_snapshot(plan, values, nulls, snapshot, InvalidSnapshot,
							   false, true, limit);

	if (rc < 0)
		elog(ERROR, "leadqual: SPI_execute_plan failed for \"%s\": %s",
			 query->sql, SPI_result_code_string(rc));
}

/* Who was running before become_owner(). */
typedef struct LqCaller
{
	Oid			userid;
	int			context;
} LqCaller;

/*
 * Switches to the owner of leadqual's tables, the way PostgreSQL's
 * foreign-key checks switch to the referenced table's owner.  An error
 * before become_caller() is fine: aborting the (sub)transaction restores
 * the user.
 */
static LqCaller
become_owner(void)
{
	LqCaller	caller;

	GetUserIdAndSecContext(&caller.userid, &caller.context);
	SetUserIdAndSecContext(log_owner(),
						   caller.context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
	return caller;
}

static void
become_caller(LqCaller caller)
{
	Assert(GetUserId() == log_owner());
	SetUserIdAndSecContext(caller.userid, caller.context);
}

/*
 * Prepares (the first time) and runs the query as the owner of leadqual's
 * tables, so that neither parsing nor execution depends on the caller's
 * privileges or row security.  Needs SPI connected.  An error on the way is
 * fine: aborting the (sub)transaction restores the user.
 */
void
lq_run_as_owner(LqKeptQuery *query, Datum *values, const char *nulls,
				long limit)
{
	LqCaller	caller = become_owner();

	execute_kept(query, prepare_kept(query, true), values, nulls, limit, InvalidSnapshot);
	become_caller(caller);
}

/*
 * The same, with the newest snapshot rather than the transaction's: what
 * a check for rows that refer to a deleted one must see, under REPEATABLE
 * READ too, the way a foreign key's check does.
 */
void
lq_run_as_owner_latest(LqKeptQuery *query, Datum *values, const char *nulls,
					   long limit)
{
	LqCaller	caller = become_owner();

	execute_kept(query, prepare_kept(query, true), values, nulls, limit, GetLatestSnapshot());
	become_caller(caller);
}

/*
 * Opens the query as a cursor, as the owner of leadqual's tables, for a
 * result too big to hold at once; fetched with SPI_cursor_fetch().  Its
 * privileges are checked as it opens, and it reads nothing of the user's:
 * fetching it as the caller runs no code of the caller's.  It takes a new
 * snapshot, as lq_run_as_owner() does.
 */
Portal
lq_open_as_owner(LqKeptQuery *query, Datum *values, const char *nulls)
{
	LqCaller	caller = become_owner();
	Portal		portal;

	portal = SPI_cursor_open(NULL, prepare_kept(query, true), values, nulls, false);
	become_caller(caller);
	return portal;
}

/*
 * Inserts a row into one of leadqual's own tables as the owner of
 * leadqual's tables, straight into the table (own_table.c): the defaults
 * (a sequence's nextval) are evaluated, and the foreign keys checked, with
 * the owner's rights.  The values are plain, converted by the caller.
 * Puts the insert's "returning" columns into returned[].
 */
void
lq_insert_as_owner(LqOwnInsert *insert, const Datum *values, const bool *isnull,
				   Datum *returned)
{
	LqCaller	caller = become_owner();

	lq_own_table_insert(insert, values, isnull, returned);
	become_caller(caller);
}

/*
 * Updates one row of one of leadqual's own tables as the owner of
 * leadqual's tables, straight in the table (own_table.c): "revise" decides
 * on the row once locked and gives the new values, plain, converted from
 * leadqual's own data.  Returns whether the row was updated.
 */
bool
lq_update_as_owner(LqOwnUpdate *update, ItemPointer tid, LqOwnRevise revise, void *arg)
{
	LqCaller	caller = become_owner();
	bool		updated = lq_own_table_update(update, tid, revise, arg);

	become_caller(caller);
	return updated;
}

/*
 * Gives the query the text (and its parameters), for queries whose text
 * depends on a table's settings.  The plan stays while the text is the
 * same; a plan made for another text is left behind rather than freed: a
 * query running it may be what rebuilt the settings.
 */
void
lq_set_kept_query(LqKeptQuery *query, const char *sql, int nargs,
				  const Oid *argtypes, int cursor_options)
{
	Assert(nargs >= 0 && nargs <= LQ_MAX_QUERY_ARGS);
	if (query->sql != NULL && strcmp(query->sql, sql) == 0)
		return;
	query->sql = MemoryContextStrdup(TopMemoryContext, sql);
	query->nargs = nargs;
	memcpy(query->argtypes, argtypes, sizeof(Oid) * nargs);
	query->cursor_options = cursor_options;
	query->plan = NULL;
}

/* The same as the current user; needs SPI connected. */
void
lq_run_kept(LqKeptQuery *query, Datum *values, const char *nulls, long limit)
{
	execute_kept(query, prepare_kept(query, false), values, nulls, limit, InvalidSnapshot);
}

void
lq_connect_spi(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadqual: SPI_connect failed");
}

PGDLLEXPORT void leadqual_rollup_refresh_main(Datum main_arg);

/*
 * The rollup's refresh worker (started by rollup_refresh.c): connects to the database as the role given, and folds the
 * clocks stopped since the last refresh, unless another refresh is
 * running (the lock refresh_rollups() takes).
 */
void
leadqual_rollup_refresh_main(Datum main_arg)
{
	Oid			role;
	int			ret;

	memcpy(&role, MyBgworkerEntry->bgw_extra, sizeof(role));
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(main_arg), role, 0);
	/* nothing of a database's or role's search_path reaches the query */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadqual rollup refresh: SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	debug_query_string = "SELECT leadqual.refresh_rollups()";
	pgstat_report_activity(STATE_RUNNING, debug_query_string);
	ret = SPI_execute("SELECT leadqual.refresh_rollups() "
					  "WHERE pg_catalog.pg_try_advisory_xact_lock("
					  "'leadqual.sla_clock_day'::pg_catalog.regclass::pg_catalog.oid::pg_catalog.int8)",
					  false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "leadqual rollup refresh: refresh_rollups() failed: %d", ret);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}
