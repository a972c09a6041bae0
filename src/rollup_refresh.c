/*
 * rollup_refresh.c
 *		Keeps the reports' rollups (leadqual.sla_clock_day, funnel_shape and
 *		funnel_day) up to date: once a backend has committed
 *		leadqual.rollup_refresh_after changes they fold (clock stops and
 *		logged stage changes), it starts a background worker that runs
 *		leadqual.refresh_rollups() in the same database, as the extension's
 *		owner.  Also _wait_for_log_writers(), the one step of the refresh
 *		SQL cannot take.
 *
 * The reports are right whether or not the rollups are up to date (what is
 * not folded yet counts on its own); folding keeps them fast.  A worker of
 * its own, not the committing transaction, does the folding: a refresh
 * takes the rollups' rows, and a touch must not wait for it.  A worker is
 * started dynamically, so leadqual needs no shared_preload_libraries; when
 * no worker slot is free (max_worker_processes), the next commit past the
 * threshold tries again.  Only one refresh runs at a time: a worker that
 * finds another one running leaves.  The worker runs nothing but
 * refresh_rollups(), which reads and writes leadqual's own tables only;
 * its code, which runs as the extension's owner, is trust_boundary.c's
 * (leadqual_rollup_refresh_main()).
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/lmgr.h"
#include "utils/lsyscache.h"

#include "citus_shards.h"
#include "leadqual.h"
#include "rollup_refresh.h"
#include "trust_boundary.h"

/* Changes of the transaction in progress, and committed since the last start. */
static int	changes_in_transaction = 0;
static int	changes_committed = 0;

/* The role the next worker connects as, looked up before the commit. */
static Oid	worker_role = InvalidOid;

static bool xact_callback_registered = false;

/* Starts a worker for this database; false when none could start. */
static bool
start_refresh_worker(Oid role)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(worker.bgw_library_name, "leadqual", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "leadqual_rollup_refresh_main", BGW_MAXLEN);	/* trust_boundary.c */
	snprintf(worker.bgw_name, BGW_MAXLEN, "leadqual rollup refresh");
	strlcpy(worker.bgw_type, "leadqual rollup refresh", BGW_MAXLEN);
	worker.bgw_main_arg = ObjectIdGetDatum(MyDatabaseId);
	memcpy(worker.bgw_extra, &role, sizeof(role));
	worker.bgw_notify_pid = 0;
	return RegisterDynamicBackgroundWorker(&worker, &handle);
}

/*
 * Whether the database's leadqual schema has the rollup (0.5.0 on): one
 * still on an older version, with this library, folds nothing.
 */
static bool
rollup_installed(void)
{
	Oid			schema = get_namespace_oid("leadqual", true);

	return OidIsValid(schema) && OidIsValid(get_relname_relid("sla_clock_day", schema));
}

static void
count_committed_changes(XactEvent event, void *arg pg_attribute_unused())
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			/* the catalogs can still be read: find the role now */
			if (changes_in_transaction > 0 && lq_rollup_refresh_after > 0 &&
				changes_committed + changes_in_transaction >= lq_rollup_refresh_after &&
				rollup_installed())
				worker_role = lq_extension_owner();
			break;
		case XACT_EVENT_COMMIT:
			changes_committed += changes_in_transaction;
			changes_in_transaction = 0;
			if (OidIsValid(worker_role) && start_refresh_worker(worker_role))
				changes_committed = 0;
			worker_role = InvalidOid;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			changes_in_transaction = 0;
			worker_role = InvalidOid;
			break;
		default:
			break;
	}
}

/* See rollup_refresh.h. */
void
lq_rollups_changed(void)
{
	/*
	 * Not on a shard of a table Citus distributes: the rollups are the
	 * coordinator's, and a refresh started on a worker would mark clocks
	 * folded into a rollup there.  On Citus, refresh_rollups() runs on the
	 * coordinator, on a schedule (docs/scale-out.md).
	 */
	if (lq_shard_write.shardid != 0)
		return;
	if (!xact_callback_registered)
	{
		RegisterXactCallback(count_committed_changes, NULL);
		xact_callback_registered = true;
	}
	changes_in_transaction++;
}

/*
 * leadqual._wait_for_log_writers(): returns once every transaction that
 * was writing leadqual.transition when it was called has ended.  A row's
 * id is taken while its transaction holds ROW EXCLUSIVE on the table (an
 * INSERT locks its table before it takes the id from the sequence), so
 * once they have, no row at or below an id the sequence had given can
 * still appear.  WaitForLockers() waits for exactly those, as CREATE INDEX
 * CONCURRENTLY does, and takes no lock: promotions that start meanwhile
 * never wait for it.  Under READ COMMITTED only: the caller's next
 * statement must see what they committed.
 */
PG_FUNCTION_INFO_V1(leadqual_wait_for_log_writers);
Datum
leadqual_wait_for_log_writers(PG_FUNCTION_ARGS)
{
	Oid			log = get_relname_relid("transition", get_namespace_oid("leadqual", false));
	LOCKTAG		tag;

	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("leadqual.refresh_rollups: must run under READ COMMITTED"),
				 errhint("Call it in its own transaction, or at READ COMMITTED: a snapshot taken before the wait would not see what it waited for.")));
	if (!OidIsValid(log))
		elog(ERROR, "leadqual: table leadqual.transition is missing");
	SET_LOCKTAG_RELATION(tag, MyDatabaseId, log);
	WaitForLockers(tag, ShareLock, false);
	PG_RETURN_VOID();
}
