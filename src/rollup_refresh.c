/*
 * rollup_refresh.c
 *		Keeps the clocks' rollup (leadqual.sla_clock_day) up to date: once a
 *		backend has committed leadqual.rollup_refresh_after clock stops, it
 *		starts a background worker that runs leadqual.refresh_rollups() in
 *		the same database, as the extension's owner.
 *
 * The reports are right whether or not the rollup is up to date (a clock
 * not folded yet counts on its own); folding keeps them fast.  A worker of
 * its own, not the committing transaction, does the folding: a refresh
 * takes the rollup's rows, and a touch must not wait for it.  A worker is
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
#include "utils/lsyscache.h"

#include "leadqual.h"
#include "rollup_refresh.h"
#include "trust_boundary.h"

/* Clock stops of the transaction in progress, and committed since the last start. */
static int	stops_in_transaction = 0;
static int	stops_committed = 0;

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
count_committed_stops(XactEvent event, void *arg pg_attribute_unused())
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			/* the catalogs can still be read: find the role now */
			if (stops_in_transaction > 0 && lq_rollup_refresh_after > 0 &&
				stops_committed + stops_in_transaction >= lq_rollup_refresh_after &&
				rollup_installed())
				worker_role = lq_extension_owner();
			break;
		case XACT_EVENT_COMMIT:
			stops_committed += stops_in_transaction;
			stops_in_transaction = 0;
			if (OidIsValid(worker_role) && start_refresh_worker(worker_role))
				stops_committed = 0;
			worker_role = InvalidOid;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			stops_in_transaction = 0;
			worker_role = InvalidOid;
			break;
		default:
			break;
	}
}

/* See rollup_refresh.h. */
void
lq_rollup_clock_stopped(void)
{
	if (!xact_callback_registered)
	{
		RegisterXactCallback(count_committed_stops, NULL);
		xact_callback_registered = true;
	}
	stops_in_transaction++;
}
