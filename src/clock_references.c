/*
 * clock_references.c
 *		An SLA clock's policy and calendar, referenced by name without a
 *		foreign key.
 *
 * Each clock names the policy that started it and the calendar it counts
 * in.  Foreign keys kept those names true, at the price of a check query a
 * clock: a bulk promotion spent a fifth of its time there.  The same rules
 * hold without them, the way PostgreSQL's foreign keys keep them:
 *
 *   - starting a clock locks its policy and calendar rows FOR KEY SHARE,
 *     once a transaction each (lq_lock_clock_references()), so neither can
 *     be deleted or renamed until the transaction ends, and a missing one
 *     fails with 23503;
 *   - the trigger leadqual._clock_references() on sla_policy and calendar
 *     renames the clocks with their policy or calendar (ON UPDATE CASCADE),
 *     and refuses to delete or truncate one that clocks still name (23503),
 *     looking with the newest snapshot, as the owner: clocks committed by a
 *     transaction it waited for count too.  Under REPEATABLE READ, a rename
 *     that such clocks make unsafe fails with 40001, as a cascade does.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "nodes/pg_list.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "clock_references.h"
#include "config.h"
#include "own_index.h"
#include "citus_shards.h"
#include "trust_boundary.h"

static LqKeptQuery lock_policy_query = {
	"SELECT p.calendar FROM leadqual.sla_policy AS p "
	"WHERE p.name OPERATOR(pg_catalog.=) $1 FOR KEY SHARE",
	1, {TEXTOID}, NULL, 0
};

static LqKeptQuery lock_calendar_query = {
	"SELECT 1 FROM leadqual.calendar AS k "
	"WHERE k.name OPERATOR(pg_catalog.=) $1 FOR KEY SHARE",
	1, {TEXTOID}, NULL, 0
};

/* Renames and finds the clocks of a policy, and of a calendar. */
static LqKeptQuery rename_policy_query = {
	"UPDATE leadqual.sla_clock SET policy = $2 WHERE policy OPERATOR(pg_catalog.=) $1",
	2, {TEXTOID, TEXTOID}, NULL, 0
};
static LqKeptQuery rename_calendar_query = {
	"UPDATE leadqual.sla_clock SET calendar = $2 WHERE calendar OPERATOR(pg_catalog.=) $1",
	2, {TEXTOID, TEXTOID}, NULL, 0
};
static LqKeptQuery policy_clocks_query = {
	"SELECT 1 FROM leadqual.sla_clock WHERE policy OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}, NULL, 0
};
static LqKeptQuery calendar_clocks_query = {
	"SELECT 1 FROM leadqual.sla_clock WHERE calendar OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}, NULL, 0
};
static LqKeptQuery any_clock_query = {
	"SELECT 1 FROM leadqual.sla_clock",
	0, {InvalidOid}, NULL, 0
};

/*
 * The names locked in this transaction ("p:" policy, "c:" calendar), in
 * TopTransactionContext.  A subtransaction that aborts takes its row locks
 * with it, so the list is then forgotten and the next clock locks again.
 */
static List *locked_names = NIL;
static LocalTransactionId locked_in = InvalidLocalTransactionId;
static uint64 locked_generation = 0;	/* lq_aborted_subtransactions() */

static bool
already_locked(const char *key)
{
	ListCell   *cell;

	if (locked_in != MyProc->lxid || locked_generation != lq_aborted_subtransactions())
	{
		/* the list went with its transaction, or its locks with a subxact */
		locked_names = NIL;
		locked_in = MyProc->lxid;
		locked_generation = lq_aborted_subtransactions();
	}
	foreach(cell, locked_names)
		if (strcmp(lfirst(cell), key) == 0)
			return true;
	return false;
}

static void
remember_locked(const char *key)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

	locked_names = lappend(locked_names, pstrdup(key));
	MemoryContextSwitchTo(old);
}

/* Locks one referenced row as the owner; errors when it is missing. */
static void
lock_referenced(LqKeptQuery *query, const char *kind, const char *name,
				const char *table)
{
	char	   *key = psprintf("%c:%s", kind[0], name);
	Datum		value;

	if (already_locked(key))
		return;
	value = CStringGetTextDatum(name);
	lq_run_as_owner(query, &value, NULL, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("leadqual: SLA %s \"%s\" does not exist", kind, name),
				 errdetail("A clock was about to start with it, but it was deleted from leadqual.%s meanwhile.",
						   table),
				 errhint("Retry the statement: it starts the clocks of the policies in force by then.")));
	remember_locked(key);
}

/*
 * Locks the policy and the calendar a clock is about to name, FOR KEY
 * SHARE, as a foreign key's check would: until the transaction ends,
 * neither can be deleted or renamed.  Once a transaction each.  Needs SPI
 * connected.
 */
void
lq_lock_clock_references(const char *policy, const char *calendar)
{
	lock_referenced(&lock_policy_query, "policy", policy, "sla_policy");
	lock_referenced(&lock_calendar_query, "calendar", calendar, "calendar");
}

/* Whether any clock names the value, by the newest snapshot. */
static bool
clocks_name(LqKeptQuery *query, Datum name)
{
	lq_run_as_owner_latest(query, query->nargs > 0 ? &name : NULL, NULL, 1);
	return SPI_processed > 0;
}

/* The "name" column of a policy or calendar row, as text. */
static Datum
name_of(Relation rel, HeapTuple row)
{
	int			attnum = SPI_fnumber(RelationGetDescr(rel), "name");
	bool		isnull;
	Datum		name;

	if (attnum <= 0)
		elog(ERROR, "leadqual._clock_references: table %s has no column \"name\"",
			 RelationGetRelationName(rel));
	name = SPI_getbinval(row, RelationGetDescr(rel), attnum, &isnull);
	Assert(!isnull);
	return name;
}

/*
 * leadqual._clock_references(): AFTER UPDATE OF name OR DELETE row trigger,
 * and AFTER TRUNCATE statement trigger, on leadqual.sla_policy (argument
 * 'policy') and leadqual.calendar ('calendar').  Renames the clocks with
 * the row, and refuses to delete or truncate what clocks still name.
 */
PG_FUNCTION_INFO_V1(leadqual_clock_references);
Datum
leadqual_clock_references(PG_FUNCTION_ARGS)
{
	TriggerData *trigger = (TriggerData *) fcinfo->context;
	bool		is_policy;
	const char *kind;
	const char *table;
	Datum		old_name;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual._clock_references: not called by the trigger manager")));
	if (!TRIGGER_FIRED_AFTER(trigger->tg_event) || trigger->tg_trigger->tgnargs != 1 ||
		(strcmp(trigger->tg_trigger->tgargs[0], "policy") != 0 &&
		 strcmp(trigger->tg_trigger->tgargs[0], "calendar") != 0))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual._clock_references: must be fired AFTER, with 'policy' or 'calendar' as its argument")));
	is_policy = strcmp(trigger->tg_trigger->tgargs[0], "policy") == 0;
	kind = is_policy ? "policy" : "calendar";
	table = is_policy ? "sla_policy" : "calendar";
	/* it renames clocks as the owner: never for another table's rows */
	if (!lq_is_own_table(trigger->tg_relation, table))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual._clock_references: must be fired on leadqual.%s, not on %s",
						table, lq_qualified_name(RelationGetRelid(trigger->tg_relation))),
				 errhint("leadqual attaches it to leadqual.sla_policy and leadqual.calendar; don't attach it elsewhere.")));

	lq_connect_spi();
	if (TRIGGER_FIRED_BY_TRUNCATE(trigger->tg_event))
	{
		if (clocks_name(&any_clock_query, (Datum) 0))
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("leadqual: cannot truncate leadqual.%s while SLA clocks name its rows", table),
					 errhint("Delete the rows you no longer need instead; a row that clocks name stays.")));
		SPI_finish();
		return PointerGetDatum(NULL);
	}
	if (!TRIGGER_FIRED_FOR_ROW(trigger->tg_event) ||
		TRIGGER_FIRED_BY_INSERT(trigger->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual._clock_references: must be fired FOR EACH ROW on UPDATE or DELETE, or on TRUNCATE")));

	old_name = name_of(trigger->tg_relation, trigger->tg_trigtuple);
	if (TRIGGER_FIRED_BY_UPDATE(trigger->tg_event))
	{
		Datum		names[2];

		names[0] = old_name;
		names[1] = name_of(trigger->tg_relation, trigger->tg_newtuple);
		if (DatumGetBool(DirectFunctionCall2Coll(texteq, DEFAULT_COLLATION_OID,
												 names[0], names[1])))
		{
			SPI_finish();
			return PointerGetDatum(NULL);
		}
		lq_run_as_owner(is_policy ? &rename_policy_query : &rename_calendar_query,
						names, NULL, 0);
		/* clocks committed since this transaction's snapshot were not renamed */
		if (IsolationUsesXactSnapshot() &&
			clocks_name(is_policy ? &policy_clocks_query : &calendar_clocks_query, old_name))
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("leadqual: could not serialize access due to SLA clocks started concurrently with %s \"%s\"",
							kind, TextDatumGetCString(old_name)),
					 errhint("Retry the transaction.")));
	}
	else if (clocks_name(is_policy ? &policy_clocks_query : &calendar_clocks_query, old_name))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("leadqual: SLA %s \"%s\" cannot be deleted: SLA clocks name it",
						kind, TextDatumGetCString(old_name)),
				 errdetail("Clocks keep the %s they started with, for their history.", kind),
				 is_policy
				 ? errhint("Switch the policy off instead: UPDATE leadqual.sla_policy SET active = false WHERE name = '...'.")
				 : errhint("Keep the calendar; a calendar no policy names any more starts no clock.")));
	SPI_finish();
	return PointerGetDatum(NULL);
}
