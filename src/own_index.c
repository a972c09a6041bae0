/*
 * own_index.c
 *		Probes of leadqual's own tables straight through one of their
 *		indexes, with no SQL on the way.
 *
 * The triggers look a few things up for a row: a lead's touches, its
 * rejections, its latest stage entry, an owner's last round-robin turn.  A
 * query would be planned once but started and ended every time, and kept
 * plans of small tables can turn into sequential scans once the tables
 * grow.  These probes read the index they name, ordered as it is or
 * backwards, with the transaction's snapshot, as the catalog code reads its
 * own indexes.  They read leadqual's tables only, whatever the role: no
 * permission or row security applies, and nothing of the user's runs.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "parser/parse_relation.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "citus_shards.h"
#include "own_index.h"

/* The indexes looked up so far, so an invalidation can forget them. */
static LqOwnIndex *known_indexes = NULL;

/*
 * Subtransactions aborted in this backend.  An abort releases the locks and
 * undoes the writes made since its start, so what was kept across it is
 * redone: a probe locks its relations again, own_table.c reopens its
 * tables, clock_references.c locks a clock's policy and calendar again,
 * and round-robin reads its line again.
 */
static uint64 aborted_subtransactions = 0;
static bool subxact_callback_registered = false;

static void
count_aborted_subtransaction(SubXactEvent event,
							 SubTransactionId mySubid pg_attribute_unused(),
							 SubTransactionId parentSubid pg_attribute_unused(),
							 void *arg pg_attribute_unused())
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		aborted_subtransactions++;
}

/* How many subtransactions this backend aborted so far. */
uint64
lq_aborted_subtransactions(void)
{
	if (!subxact_callback_registered)
	{
		RegisterSubXactCallback(count_aborted_subtransaction, NULL);
		subxact_callback_registered = true;
	}
	return aborted_subtransactions;
}

/*
 * Forgets the columns of the indexes on relid (every index, for
 * InvalidOid).  Called from leadqual's relcache callback
 * (cache_invalidation.c).
 */
void
lq_own_indexes_changed(Oid relid)
{
	for (LqOwnIndex *index = known_indexes; index != NULL; index = index->next_known)
		if (relid == InvalidOid || relid == index->table || relid == index->index)
			index->table = InvalidOid;
}

/* Looks up the table, its index and the columns "index" names. */
static void
look_up(LqOwnIndex *index, Relation table)
{
	Oid			leadqual = get_namespace_oid("leadqual", false);

	index->index = index->shardid != 0
		? lq_citus_colocated_shard(index->shardid, index->indexname, false)
		: get_relname_relid(index->indexname, leadqual);
	if (!OidIsValid(index->index))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("leadqual: index leadqual.%s is missing", index->indexname),
				 errhint("Reinstall the extension: DROP EXTENSION leadqual, then CREATE EXTENSION leadqual.")));
	/* a column an older schema lacks is InvalidAttrNumber, and reads as NULL */
	for (int i = 0; i < index->ncolumns; i++)
		index->attnums[i] = attnameAttNum(table, index->columns[i], false);
	index->table = RelationGetRelid(table);
}

/*
 * The lock a probe takes: AccessShareLock at its first probe of the
 * transaction (kept to its end, as the executor keeps its locks), none
 * after that.
 */
static LOCKMODE
lock_needed(LqOwnIndex *index)
{
	uint64		generation = lq_aborted_subtransactions();

	if (index->locked_in == MyProc->lxid && index->locked_generation == generation)
		return NoLock;
	index->locked_in = MyProc->lxid;
	index->locked_generation = generation;
	return AccessShareLock;
}

static Relation
open_table(LqOwnIndex *index, LOCKMODE lock)
{
	Relation	table;
	bool		known = false;

	if (OidIsValid(index->table))
		return table_open(index->table, lock);
	table = table_open(index->shardid != 0
					   ? lq_citus_colocated_shard(index->shardid, index->relname, false)
					   : get_relname_relid(index->relname, get_namespace_oid("leadqual", false)),
					   lock);
	look_up(index, table);
	for (LqOwnIndex *other = known_indexes; other != NULL; other = other->next_known)
		known = known || other == index;
	if (!known)
	{
		index->next_known = known_indexes;
		known_indexes = index;
	}
	return table;
}

/* See own_index.h. */
void
lq_own_probe_key(ScanKey key, int column, StrategyNumber strategy,
				 RegProcedure procedure, Datum value)
{
	/* the column becomes the table's, and the collation the index's, at begin */
	ScanKeyEntryInitialize(key, 0, column, strategy, InvalidOid, InvalidOid,
						   procedure, value);
}

/* See own_index.h. */
void
lq_own_probe_begin(LqOwnProbe *probe, LqOwnIndex *index, int nkeys, ScanKey keys,
				   ScanDirection direction)
{
	LOCKMODE	lock;

	/* in a trigger firing on a shard, the co-located shard's index */
	if (index->shardid != lq_shard_write.shardid)
	{
		index->table = InvalidOid;
		index->shardid = lq_shard_write.shardid;
	}
	lock = lock_needed(index);
	/* relations looked up again may be new ones: lock them */
	if (!OidIsValid(index->table))
		lock = AccessShareLock;
	probe->index = index;
	probe->table = open_table(index, lock);
	probe->indexrel = index_open(index->index, lock);
	Assert(nkeys <= IndexRelationGetNumberOfKeyAttributes(probe->indexrel));
	for (int i = 0; i < nkeys; i++)
	{
		int			column = keys[i].sk_attno;

		Assert(column == i + 1);
		keys[i].sk_attno = probe->indexrel->rd_index->indkey.values[column - 1];
		keys[i].sk_collation = probe->indexrel->rd_indcollation[column - 1];
	}
	probe->snapshot = RegisterSnapshot(GetTransactionSnapshot());
	probe->scan = systable_beginscan_ordered(probe->table, probe->indexrel,
											 probe->snapshot, nkeys, keys);
	probe->row = NULL;
	probe->direction = direction;
}

/*
 * Begins a probe of one lead's rows, through an index on (lead_table,
 * lead_id, ...).
 */
void
lq_own_probe_lead(LqOwnProbe *probe, LqOwnIndex *index, Oid lead_table,
				  const char *lead_id, ScanDirection direction)
{
	ScanKeyData keys[2];

	lq_own_probe_key(&keys[0], 1, BTEqualStrategyNumber, F_OIDEQ,
					 ObjectIdGetDatum(lead_table));
	lq_own_probe_key(&keys[1], 2, BTEqualStrategyNumber, F_TEXTEQ,
					 CStringGetTextDatum(lead_id));
	lq_own_probe_begin(probe, index, 2, keys, direction);
}

/*
 * The row of a lead (lead_table, lead_id) that the index finds: its tid into
 * *tid, for lq_update_as_owner(); false when the lead has none.
 */
bool
lq_own_find_lead(LqOwnIndex *index, Oid lead_table, const char *lead_id, ItemPointer tid)
{
	LqOwnProbe	probe;
	bool		found;

	lq_own_probe_lead(&probe, index, lead_table, lead_id, ForwardScanDirection);
	found = lq_own_probe_next(&probe);
	if (found)
		*tid = probe.row->t_self;
	lq_own_probe_end(&probe);
	return found;
}

/* The next row, in the probe's direction; false after the last. */
bool
lq_own_probe_next(LqOwnProbe *probe)
{
	probe->row = systable_getnext_ordered(probe->scan, probe->direction);
	return HeapTupleIsValid(probe->row);
}

/* Column "column" (from 1, of the index's columns) of the current row. */
Datum
lq_own_probe_value(LqOwnProbe *probe, int column, bool *isnull)
{
	AttrNumber	attnum;

	Assert(HeapTupleIsValid(probe->row));
	Assert(column >= 1 && column <= probe->index->ncolumns);
	attnum = probe->index->attnums[column - 1];
	if (attnum == InvalidAttrNumber)
	{
		*isnull = true;
		return (Datum) 0;
	}
	return heap_getattr(probe->row, attnum, RelationGetDescr(probe->table), isnull);
}

void
lq_own_probe_end(LqOwnProbe *probe)
{
	systable_endscan_ordered(probe->scan);
	UnregisterSnapshot(probe->snapshot);
	index_close(probe->indexrel, NoLock);
	table_close(probe->table, NoLock);
}

/* Begins a walk through the rows of a table's leads (see own_index.h). */
void
lq_own_walk_begin(LqOwnWalk *walk, LqOwnIndex *index, Oid lead_table)
{
	ScanKeyData key;

	lq_own_probe_key(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(lead_table));
	lq_own_probe_begin(&walk->probe, index, 1, &key, ForwardScanDirection);
	Assert(IndexRelationGetNumberOfKeyAttributes(walk->probe.indexrel) >= 2);
	walk->id_attnum = walk->probe.indexrel->rd_index->indkey.values[1];
	walk->collation = walk->probe.indexrel->rd_indcollation[1];
	fmgr_info_copy(&walk->compare, index_getprocinfo(walk->probe.indexrel, 2, BTORDER_PROC),
				   CurrentMemoryContext);
	walk->cxt = CurrentMemoryContext;
	walk->more = lq_own_probe_next(&walk->probe);
}

/* The collation of the walk's order of lead ids. */
Oid
lq_own_walk_collation(const LqOwnWalk *walk)
{
	return walk->collation;
}

/*
 * The walk's next row.  Fetched in the scan's memory context, not the
 * caller's: the index scan allocates as it goes (btree its killed items,
 * once it meets a dead row), and frees that at its end, long after a
 * caller's per-lead memory is gone.
 */
static bool
next_walked(LqOwnWalk *walk)
{
	MemoryContext caller_cxt = MemoryContextSwitchTo(walk->cxt);
	bool		more = lq_own_probe_next(&walk->probe);

	MemoryContextSwitchTo(caller_cxt);
	return more;
}

/*
 * Moves the walk on to the row of the lead (text), passing those before it,
 * and tells whether it has one: then probe.row is it.  Leads must come in
 * the index's order, each once.
 */
bool
lq_own_walk_to(LqOwnWalk *walk, Datum lead_id)
{
	while (walk->more)
	{
		bool		isnull;
		Datum		walked = heap_getattr(walk->probe.row, walk->id_attnum,
										  RelationGetDescr(walk->probe.table), &isnull);
		int32		order;

		Assert(!isnull);		/* lead_id is NOT NULL */
		order = DatumGetInt32(FunctionCall2Coll(&walk->compare, walk->collation, walked, lead_id));
		if (order == 0)
			return true;
		if (order > 0)
			return false;
		walk->more = next_walked(walk);
	}
	return false;
}

void
lq_own_walk_end(LqOwnWalk *walk)
{
	lq_own_probe_end(&walk->probe);
}
