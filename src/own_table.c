/*
 * own_table.c
 *		Rows written straight into leadqual's own tables: the log, the SLA
 *		clocks, the outbox, the assignments and round-robin turns, the scores
 *		and their history; and the clocks and scores updated there.
 *
 * A promotion writes a row into each of those tables.  Through SPI, every
 * row pays for starting and ending an executor and for switching snapshots,
 * several times what the write itself costs.  Here each table is opened once
 * per transaction, with its indexes, defaults and constraints prepared, and
 * every row goes in the way logical replication applies one: heap and index
 * insert, NOT NULL and CHECK constraints, and the table's triggers (the
 * foreign-key checks) fired before the call returns.  An update (a clock
 * stopped, or handed to another owner) locks the row first, at the version
 * an UPDATE statement would update, and lets the caller decide on it as it
 * is then.
 *
 * Only trust_boundary.c calls this, as the extension's owner, for tables in
 * schema leadqual whose columns are of built-in types or leadqual's own: the
 * values are plain, and no user code runs.  Row security does not apply to
 * the owner of these tables.
 *
 * What is prepared lives until the transaction ends, in its memory, and
 * holds nothing a resource owner tracks between rows: the relcache
 * references are held only while a row goes in (so the session itself may
 * still ALTER or TRUNCATE the table), and the slots describe the rows with
 * a copy of the table's descriptor, which nothing pins.  So what the
 * statement that opened a table acquired is released as usual, and an
 * error while opening one leaves nothing behind.  The locks stay, as any
 * writer's do.  Between rows the state only borrows the relcache entries:
 * it is thrown away, never touching them again, when an invalidation of the
 * table or one of its indexes arrives or a subtransaction aborts (which may
 * release the locks), and forgotten when the transaction ends.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_relation.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "citus_shards.h"
#include "own_index.h"
#include "own_table.h"

struct LqOwnTableState
{
	LqOwnInsert *insert;		/* whose state this is */
	LqOwnTableState *next;		/* the next table open in this transaction */
	bool		stale;			/* reopen before the next row */
	uint64		generation;		/* lq_aborted_subtransactions() at the open */
	Oid			relid;
	List	   *index_relids;	/* its indexes' */
	EState	   *estate;
	ResultRelInfo *result_rel;
	TupleTableSlot *slot;
	TupleTableSlot *new_slot;	/* an update's new row; NULL for inserts */
	AttrNumber	attnums[LQ_OWN_TABLE_MAX_COLUMNS];	/* of the given columns */
	bool		is_enum[LQ_OWN_TABLE_MAX_COLUMNS];
	FmgrInfo	enum_in[LQ_OWN_TABLE_MAX_COLUMNS];
	Oid			enum_typioparam[LQ_OWN_TABLE_MAX_COLUMNS];
	int64		shardid;		/* the shard written for (lq_shard_write), or 0 */
	AttrNumber	shard_key_attnum;	/* in a shard: its shard_key column */
	AttrNumber	id_attnum;		/* in a shard: its id column, given by default */
	int64		id_base;		/* added to that default: lq_citus_id_base() */
	int			ndefaults;
	AttrNumber *default_attnums;
	ExprState **defaults;
	AttrNumber	returning_attnums[LQ_OWN_TABLE_MAX_RETURNING];
};

/* The tables open in this transaction. */
static LqOwnTableState *open_tables = NULL;
static bool callbacks_registered = false;

static void close_table(LqOwnTableState *state);
static void borrow_relations(LqOwnTableState *state, bool take);

/*
 * Forgets every table when the transaction ends: between rows a table's
 * state holds nothing but memory, which goes with the transaction.
 */
static void
own_tables_xact(XactEvent event, void *arg pg_attribute_unused())
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			for (LqOwnTableState *state = open_tables; state != NULL; state = state->next)
				state->insert->state = NULL;
			open_tables = NULL;
			break;
		default:
			break;
	}
}

/*
 * The relcache entry of one of leadqual's tables or of an index of one
 * (InvalidOid: of any) was invalidated: its columns or indexes may have
 * changed, and the entry may be rebuilt or freed, so the table is opened
 * again before its next row.  Called from a relcache callback: marks only.
 */
void
lq_own_tables_changed(Oid relid)
{
	for (LqOwnTableState *state = open_tables; state != NULL; state = state->next)
		if (relid == InvalidOid || relid == state->relid ||
			list_member_oid(state->index_relids, relid))
			state->stale = true;
}

/* Errors unless the column's type is built-in or leadqual's own. */
static void
require_plain_type(Relation rel, Form_pg_attribute attr, Oid leadqual)
{
	HeapTuple	type;
	Oid			namespace;

	if (attr->atttypid < FirstGenbkiObjectId)
		return;
	type = SearchSysCache1(TYPEOID, ObjectIdGetDatum(attr->atttypid));
	if (!HeapTupleIsValid(type))
		elog(ERROR, "leadqual: cache lookup failed for type %u", attr->atttypid);
	namespace = ((Form_pg_type) GETSTRUCT(type))->typnamespace;
	ReleaseSysCache(type);
	if (namespace != leadqual)
		elog(ERROR, "leadqual: column \"%s\" of %s is of type %u, neither built-in nor leadqual's",
			 NameStr(attr->attname), RelationGetRelationName(rel), attr->atttypid);
}

/* Where the given columns go, and how their values are converted. */
static void
map_columns(LqOwnTableState *state, Relation rel, Oid leadqual)
{
	LqOwnInsert *insert = state->insert;
	TupleDesc	tupdesc = RelationGetDescr(rel);

	for (int i = 0; i < insert->ncolumns; i++)
	{
		AttrNumber	attnum = attnameAttNum(rel, insert->columns[i], false);
		Form_pg_attribute attr;

		if (attnum <= 0)
			elog(ERROR, "leadqual: table leadqual.%s has no column \"%s\"",
				 insert->relname, insert->columns[i]);
		attr = TupleDescAttr(tupdesc, attnum - 1);
		require_plain_type(rel, attr, leadqual);
		state->attnums[i] = attnum;
		state->is_enum[i] = type_is_enum(attr->atttypid);
		if (state->is_enum[i])
		{
			Oid			input;

			getTypeInputInfo(attr->atttypid, &input, &state->enum_typioparam[i]);
			fmgr_info_cxt(input, &state->enum_in[i], state->estate->es_query_cxt);
		}
	}
	Assert(insert->nreturning <= LQ_OWN_TABLE_MAX_RETURNING);
	for (int i = 0; i < insert->nreturning; i++)
		if ((state->returning_attnums[i] = attnameAttNum(rel, insert->returning[i], false)) <= 0)
			elog(ERROR, "leadqual: table leadqual.%s has no column \"%s\"",
				 insert->relname, insert->returning[i]);
}

/*
 * The defaults of the columns not given, ready to evaluate.  A shard of a
 * table Citus distributes has no defaults: they are the table's, whose
 * sequences Citus gives every node a range of its own.  Its shard_key is
 * the lead's distribution value, which lq_shard_write holds.
 */
static void
prepare_defaults(LqOwnTableState *state, Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	Relation	table = rel;

	if (lq_shard_write.shardid != 0)
	{
		table = table_open(get_relname_relid(state->insert->relname,
											 RelationGetNamespace(rel)),
						   AccessShareLock);
		state->shard_key_attnum = attnameAttNum(rel, "shard_key", false);
		if (state->shard_key_attnum <= 0)
			elog(ERROR, "leadqual: shard %s has no column shard_key", RelationGetRelationName(rel));
	}

	state->default_attnums = palloc(sizeof(AttrNumber) * tupdesc->natts);
	state->defaults = palloc(sizeof(ExprState *) * tupdesc->natts);
	state->ndefaults = 0;
	for (AttrNumber attnum = 1; attnum <= tupdesc->natts; attnum++)
	{
		bool		given = false;
		Node	   *expr;

		Form_pg_attribute attr = TupleDescAttr(tupdesc, attnum - 1);
		AttrNumber	table_attnum;

		if (attr->attisdropped || attnum == state->shard_key_attnum)
			continue;
		for (int i = 0; i < state->insert->ncolumns; i++)
			given |= state->attnums[i] == attnum;
		table_attnum = table == rel ? attnum
			: attnameAttNum(table, NameStr(attr->attname), false);
		if (given || table_attnum <= 0 ||
			(expr = build_column_default(table, table_attnum)) == NULL)
			continue;
		if (table != rel && strcmp(NameStr(attr->attname), "id") == 0)
		{
			Assert(attr->atttypid == INT8OID);
			state->id_attnum = attnum;
		}
		state->default_attnums[state->ndefaults] = attnum;
		state->defaults[state->ndefaults] =
			ExecInitExpr(expression_planner((Expr *) expr), NULL);
		state->ndefaults++;
	}
	if (table != rel)
		table_close(table, NoLock);
	/* the ids given by default, by the table's sequence on this node */
	if (state->id_attnum > 0)
		state->id_base = lq_citus_id_base(lq_shard_write.shardid, state->insert->relname);
}

/*
 * Gives back the relcache references to the table and its indexes
 * (take = false), or takes them again (take = true): they are held only while a row
 * goes in.
 */
static void
borrow_relations(LqOwnTableState *state, bool take)
{
	ResultRelInfo *result_rel = state->result_rel;

	if (take)
		RelationIncrementReferenceCount(result_rel->ri_RelationDesc);
	else
		RelationDecrementReferenceCount(result_rel->ri_RelationDesc);
	for (int i = 0; i < result_rel->ri_NumIndices; i++)
	{
		if (take)
			RelationIncrementReferenceCount(result_rel->ri_IndexRelationDescs[i]);
		else
			RelationDecrementReferenceCount(result_rel->ri_IndexRelationDescs[i]);
	}
}

/*
 * The table a row goes into: leadqual.<relname>, or in a trigger firing on
 * a shard of a table Citus distributes, its co-located shard.
 */
static Oid
target_relid(LqOwnInsert *insert)
{
	if (lq_shard_write.shardid != 0)
		return lq_citus_colocated_shard(lq_shard_write.shardid, insert->relname, false);
	return get_relname_relid(insert->relname, get_namespace_oid("leadqual", false));
}

/* Opens the table for this transaction's inserts, or its updates. */
static LqOwnTableState *
open_table(LqOwnInsert *insert, bool for_update)
{
	Oid			leadqual = get_namespace_oid("leadqual", false);
	Oid			relid = target_relid(insert);
	MemoryContext caller_cxt;
	LqOwnTableState *state;
	RangeTblEntry *rte;
	Relation	rel;
	TupleDesc	tupdesc;
	const TupleTableSlotOps *slot_ops;

	Assert(insert->ncolumns <= LQ_OWN_TABLE_MAX_COLUMNS);
	if (!OidIsValid(relid))
		elog(ERROR, "leadqual: table leadqual.%s is missing", insert->relname);
	if (!callbacks_registered)
	{
		RegisterXactCallback(own_tables_xact, NULL);
		callbacks_registered = true;
	}

	LockRelationOid(relid, RowExclusiveLock);
	caller_cxt = MemoryContextSwitchTo(TopTransactionContext);
	state = palloc0(sizeof(LqOwnTableState));
	state->insert = insert;
	state->relid = relid;
	state->shardid = lq_shard_write.shardid;
	state->generation = lq_aborted_subtransactions();
	state->estate = CreateExecutorState();
	MemoryContextSwitchTo(state->estate->es_query_cxt);
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = RELKIND_RELATION;
	rte->rellockmode = RowExclusiveLock;
	ExecInitRangeTable(state->estate, list_make1(rte));
	state->result_rel = makeNode(ResultRelInfo);
	ExecInitResultRelation(state->estate, state->result_rel, 1);
	rel = state->result_rel->ri_RelationDesc;
	ExecOpenIndices(state->result_rel, false);

	/*
	 * The row's slot, and those firing the table's triggers needs (which
	 * ExecGetTriggerOldSlot() would make with the pinned descriptor).
	 */
	tupdesc = CreateTupleDescCopyConstr(RelationGetDescr(rel));
	slot_ops = table_slot_callbacks(rel);
	state->slot = ExecInitExtraTupleSlot(state->estate, tupdesc, slot_ops);
	if (state->result_rel->ri_TrigDesc != NULL)
	{
		state->result_rel->ri_TrigOldSlot = ExecInitExtraTupleSlot(state->estate, tupdesc, slot_ops);
		state->result_rel->ri_TrigNewSlot = ExecInitExtraTupleSlot(state->estate, tupdesc, slot_ops);
	}
	if (for_update)
		state->new_slot = ExecInitExtraTupleSlot(state->estate, tupdesc, &TTSOpsVirtual);
	map_columns(state, rel, leadqual);
	if (!for_update)
		prepare_defaults(state, rel);
	state->index_relids = RelationGetIndexList(rel);
	borrow_relations(state, false);
	MemoryContextSwitchTo(caller_cxt);

	state->next = open_tables;
	open_tables = state;
	insert->state = state;
	return state;
}

/*
 * Lets go of the rows the table's row triggers were given.  Queuing an
 * AFTER UPDATE trigger (a foreign-key check) reads the old row into the
 * trigger slot, pinning its buffer; an executor's slots are cleared when
 * its plan ends, but these outlive the statement, and a pin held past it
 * leaks.
 */
static void
release_trigger_slots(LqOwnTableState *state)
{
	if (state->result_rel->ri_TrigOldSlot != NULL)
		ExecClearTuple(state->result_rel->ri_TrigOldSlot);
	if (state->result_rel->ri_TrigNewSlot != NULL)
		ExecClearTuple(state->result_rel->ri_TrigNewSlot);
}

/*
 * Forgets the table.  Its relcache references were given back, so its
 * relations are not closed: they may be gone.
 */
static void
close_table(LqOwnTableState *state)
{
	LqOwnTableState **link = &open_tables;

	while (*link != state)
		link = &(*link)->next;
	*link = state->next;
	if (state->insert->state == state)
		state->insert->state = NULL;
	ExecResetTupleTable(state->estate->es_tupleTable, false);
	FreeExecutorState(state->estate);
	pfree(state);
}

/*
 * The state of the insert or update for this row: opened again when an
 * invalidation made it stale, or a subtransaction aborted since it was
 * opened (maybe inside an insert, and releasing its locks).
 */
static LqOwnTableState *
current_state(LqOwnInsert *insert, bool for_update)
{
	LqOwnTableState *state = insert->state;

	/* another shard's table (or leadqual's own): its own state */
	if (state != NULL && state->shardid != lq_shard_write.shardid)
	{
		for (state = open_tables; state != NULL; state = state->next)
			if (state->insert == insert && state->shardid == lq_shard_write.shardid)
				break;
		insert->state = state;
	}
	if (state != NULL &&
		(state->stale || state->generation != lq_aborted_subtransactions()))
		close_table(state);
	if (insert->state == NULL)
		open_table(insert, for_update);
	state = insert->state;
	Assert((state->new_slot != NULL) == for_update);
	return state;
}

/*
 * Puts the values of the insert's or update's columns into the slot being
 * filled, an enum's label converted to the enum.
 */
static void
put_given_values(LqOwnTableState *state, TupleTableSlot *slot, const Datum *values,
				 const bool *isnull)
{
	for (int i = 0; i < state->insert->ncolumns; i++)
	{
		int			index = state->attnums[i] - 1;

		slot->tts_isnull[index] = isnull[i];
		if (isnull[i])
			slot->tts_values[index] = (Datum) 0;
		else if (state->is_enum[i])
			slot->tts_values[index] = InputFunctionCall(&state->enum_in[i],
														DatumGetCString(values[i]),
														state->enum_typioparam[i], -1);
		else
			slot->tts_values[index] = values[i];
	}
}

/*
 * Inserts one row into leadqual.<insert->relname>: the given values, and
 * the defaults of the columns not given.  Fires the table's triggers (its
 * foreign-key checks) before it returns.  Puts the values of the
 * "returning" columns into returned[], in the caller's memory context.
 */
void
lq_own_table_insert(LqOwnInsert *insert, const Datum *values, const bool *isnull,
					Datum *returned)
{
	LqOwnTableState *state;
	MemoryContext caller_cxt = CurrentMemoryContext;
	TupleTableSlot *slot;
	ExprContext *econtext;
	EState	   *estate;

	state = current_state(insert, false);
	estate = state->estate;
	slot = state->slot;
	econtext = GetPerTupleExprContext(estate);

	ResetExprContext(econtext);
	MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
	for (int i = 0; i < state->ndefaults; i++)
	{
		int			index = state->default_attnums[i] - 1;

		slot->tts_values[index] = ExecEvalExpr(state->defaults[i], econtext,
											   &slot->tts_isnull[index]);
		if (state->default_attnums[i] == state->id_attnum)
			slot->tts_values[index] =
				Int64GetDatum(DatumGetInt64(slot->tts_values[index]) + state->id_base);
	}
	put_given_values(state, slot, values, isnull);
	if (state->shard_key_attnum > 0)
	{
		Assert(lq_shard_write.shardid != 0);
		slot->tts_values[state->shard_key_attnum - 1] = lq_shard_write.key;
		slot->tts_isnull[state->shard_key_attnum - 1] = lq_shard_write.key_isnull;
	}
	ExecStoreVirtualTuple(slot);

	estate->es_output_cid = GetCurrentCommandId(true);
	estate->es_snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : InvalidSnapshot;
	borrow_relations(state, true);
	AfterTriggerBeginQuery();
	ExecSimpleRelationInsert(state->result_rel, estate, slot);
	AfterTriggerEndQuery(estate);
	release_trigger_slots(state);
	borrow_relations(state, false);

	MemoryContextSwitchTo(caller_cxt);
	for (int i = 0; i < insert->nreturning; i++)
	{
		AttrNumber	attnum = state->returning_attnums[i];
		Form_pg_attribute attr = TupleDescAttr(slot->tts_tupleDescriptor, attnum - 1);
		bool		value_isnull;
		Datum		value = slot_getattr(slot, attnum, &value_isnull);

		Assert(!value_isnull);
		returned[i] = datumCopy(value, attr->attbyval, attr->attlen);
	}
}

/*
 * Sets the update's columns of one row of leadqual.<update->relname>, the
 * row at "tid" or, under READ COMMITTED, its newest version (as an UPDATE
 * statement would update it): locks the row FOR NO KEY UPDATE, waiting for
 * a transaction that holds it, then lets "revise" decide on the row as it
 * is now and give the new values.  Indexes, constraints and the table's
 * triggers as for an insert.  Returns whether the row was updated: not
 * when it was deleted meanwhile, or changed already by the current command,
 * or "revise" left it.  Under REPEATABLE READ a row changed since the
 * snapshot fails with 40001, as an UPDATE would.  Then makes the change
 * visible to what the command reads next.
 */
bool
lq_own_table_update(LqOwnUpdate *update, ItemPointer tid, LqOwnRevise revise, void *arg)
{
	LqOwnTableState *state;
	MemoryContext caller_cxt = CurrentMemoryContext;
	TupleTableSlot *row;
	TupleTableSlot *new_row;
	EState	   *estate;
	Relation	rel;
	TM_FailureData failure;
	TM_Result	locked;
	Datum		values[LQ_OWN_TABLE_MAX_COLUMNS];
	bool		isnull[LQ_OWN_TABLE_MAX_COLUMNS];
	bool		updated = false;

	state = current_state(update, true);
	estate = state->estate;
	row = state->slot;
	new_row = state->new_slot;

	ResetExprContext(GetPerTupleExprContext(estate));
	MemoryContextSwitchTo(GetPerTupleExprContext(estate)->ecxt_per_tuple_memory);
	estate->es_output_cid = GetCurrentCommandId(true);
	estate->es_snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : InvalidSnapshot;
	borrow_relations(state, true);
	rel = state->result_rel->ri_RelationDesc;
	locked = table_tuple_lock(rel, tid, estate->es_snapshot, row, estate->es_output_cid,
							  LockTupleNoKeyExclusive, LockWaitBlock,
							  IsolationUsesXactSnapshot() ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION,
							  &failure);
	switch (locked)
	{
		case TM_Ok:
			break;
		case TM_Updated:
		case TM_Deleted:
			if (IsolationUsesXactSnapshot())
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent update of leadqual.%s",
								update->relname),
						 errhint("Retry the transaction.")));
			/* deleted meanwhile (READ COMMITTED follows updates) */
			break;
		case TM_SelfModified:
			/* changed by the current command already */
			break;
		default:
			elog(ERROR, "leadqual: unexpected result %d locking a row of leadqual.%s",
				 (int) locked, update->relname);
	}
	if (locked == TM_Ok && revise(row, values, isnull, arg))
	{
		EPQState	epqstate;

		slot_getallattrs(row);
		ExecClearTuple(new_row);
		memcpy(new_row->tts_values, row->tts_values, sizeof(Datum) * row->tts_nvalid);
		memcpy(new_row->tts_isnull, row->tts_isnull, sizeof(bool) * row->tts_nvalid);
		put_given_values(state, new_row, values, isnull);
		ExecStoreVirtualTuple(new_row);
		EvalPlanQualInit(&epqstate, estate, NULL, NIL, -1);
		AfterTriggerBeginQuery();
		ExecSimpleRelationUpdate(state->result_rel, estate, &epqstate, row, new_row);
		AfterTriggerEndQuery(estate);
		release_trigger_slots(state);
		EvalPlanQualEnd(&epqstate);
		updated = true;
	}
	ExecClearTuple(row);
	ExecClearTuple(new_row);
	borrow_relations(state, false);
	MemoryContextSwitchTo(caller_cxt);
	if (updated)
		CommandCounterIncrement();
	return updated;
}
