/*
 * own_index.h
 *		Probes of leadqual's own tables straight through one of their
 *		indexes, with no SQL on the way (own_index.c): the few lookups the
 *		triggers make a row, which a query would plan and start each time.
 */
#ifndef LQ_OWN_INDEX_H
#define LQ_OWN_INDEX_H

#include "postgres.h"

#include "access/genam.h"
#include "access/sdir.h"
#include "access/htup.h"
#include "access/skey.h"
#include "fmgr.h"
#include "storage/lock.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

#define LQ_OWN_INDEX_MAX_COLUMNS 8

/*
 * An index of a table in schema leadqual, and the table's columns a probe
 * reads: the columns are looked up by name at first use and kept until a
 * relcache invalidation of either relation.
 */
typedef struct LqOwnIndex
{
	const char *relname;
	const char *indexname;
	int			ncolumns;
	const char *columns[LQ_OWN_INDEX_MAX_COLUMNS];
	/* looked up */
	int64		shardid;		/* for this shard's (citus_shards.c), or 0 */
	Oid			table;			/* InvalidOid: not yet, or forgotten */
	Oid			index;
	AttrNumber	attnums[LQ_OWN_INDEX_MAX_COLUMNS];
	struct LqOwnIndex *next_known;
	/* both relations locked in this transaction, unless a subxact aborted */
	LocalTransactionId locked_in;
	uint64		locked_generation;
} LqOwnIndex;

/* The looked-up fields of an LqOwnIndex initializer. */
#define LQ_OWN_INDEX_UNRESOLVED 0, InvalidOid, InvalidOid, {0}, NULL, InvalidLocalTransactionId, 0

/* One probe under way. */
typedef struct LqOwnProbe
{
	LqOwnIndex *index;
	Relation	table;
	Relation	indexrel;
	Snapshot	snapshot;
	SysScanDesc scan;
	ScanDirection direction;
	HeapTuple	row;
} LqOwnProbe;

/*
 * Keys are on the index's leading columns, key i (from 1) on index column
 * i; "direction" orders the rows as the index does, or backwards.  Column
 * numbers of values are positions in LqOwnIndex.columns, from 1.
 */
extern void lq_own_probe_begin(LqOwnProbe *probe, LqOwnIndex *index,
							   int nkeys, ScanKey keys, ScanDirection direction);
extern void lq_own_probe_lead(LqOwnProbe *probe, LqOwnIndex *index,
							  Oid lead_table, const char *lead_id,
							  ScanDirection direction);
extern bool lq_own_find_lead(LqOwnIndex *index, Oid lead_table, const char *lead_id,
							 ItemPointer tid);
extern bool lq_own_probe_next(LqOwnProbe *probe);
extern Datum lq_own_probe_value(LqOwnProbe *probe, int column, bool *isnull);
extern void lq_own_probe_end(LqOwnProbe *probe);

/*
 * A walk through one table's leads' rows, in lead_id order, through an
 * index on (lead_table, lead_id): for a caller that reads many leads in
 * that same order (the collation lq_own_walk_collation() gives), one pass
 * along the index instead of a probe a lead.
 */
typedef struct LqOwnWalk
{
	LqOwnProbe	probe;
	bool		more;			/* probe.row is a row not yet passed */
	AttrNumber	id_attnum;		/* lead_id, in the table */
	FmgrInfo	compare;		/* the index's order of lead_id */
	Oid			collation;
	MemoryContext cxt;			/* the scan's: it allocates as it goes */
} LqOwnWalk;

extern void lq_own_walk_begin(LqOwnWalk *walk, LqOwnIndex *index, Oid lead_table);
extern Oid	lq_own_walk_collation(const LqOwnWalk *walk);
extern bool lq_own_walk_to(LqOwnWalk *walk, Datum lead_id);
extern void lq_own_walk_end(LqOwnWalk *walk);

/* Key i of a probe: "value" equal to (or as "strategy" says) index column i. */
extern void lq_own_probe_key(ScanKey key, int column, StrategyNumber strategy,
							 RegProcedure procedure, Datum value);

extern void lq_own_indexes_changed(Oid relid);
extern uint64 lq_aborted_subtransactions(void);

#endif							/* LQ_OWN_INDEX_H */
