/*
 * round_robin.c
 *		Weighted round-robin owners for leads handed to sales, in C, with
 *		the statement's turns in memory.
 *
 * Start-time fair queueing: each owner's turns are intervals of length
 * 1/weight on a shared line.  An owner's next turn starts where its last
 * one ended, but not before the latest turn of anyone started, so an owner
 * who was away (or is new) joins at the current pace instead of making up
 * for lost time in a burst.  The earliest-starting next turn wins; ties go
 * to the shorter turn (the heavier owner), then the name.  With equal
 * weights that is plain round-robin; over time each owner's share is its
 * weight's.  Owners outside their calendar's hours, and owners who rejected
 * the lead before, are passed over.
 *
 * An owner may take leads of some tables only (leadqual.owner.lead_tables):
 * a table's pool is the owners who take its leads, and "the latest turn
 * start" is the latest of its pool's, so that turns taken in another pool
 * (a sandbox table's, another region's) never move this one's.  With no
 * owner scoped, the pool is every active owner, as it was.
 *
 * A statement reads the active owners and where their turns ended
 * (leadqual.owner_turn) once, at its first pick, and then keeps the line in
 * memory: a pick costs no query.  qualify() picks before the row is
 * written; the turn is recorded in leadqual.owner_turn only once the row
 * is, by log_transition(), so a row never written (INSERT ... ON CONFLICT
 * skipped it, a later BEFORE trigger cancelled it) leaves no turn behind,
 * though it counted for the rest of its statement.
 *
 * Concurrent promotions never wait for each other here, so none can
 * deadlock, whatever mix of bulk and single-row statements runs.  The first
 * turn an owner takes in a statement locks its row FOR NO KEY UPDATE SKIP
 * LOCKED, which never waits, and lets the foreign-key checks of turns
 * through.  A candidate whose row another transaction holds is taking a
 * turn there that this statement cannot see until it commits: the
 * statement counts one such turn for it and looks again; a candidate still
 * first although counted so gets the turn without the lock.  So concurrent
 * promotions share the owners out as if one after the other, and the
 * shares stay even within about the number of promotions made alongside a
 * bulk UPDATE.
 *
 * Under REPEATABLE READ or SERIALIZABLE the statement reads the
 * transaction's snapshot, which can miss a turn another transaction took
 * and committed since.  Updating the owner row makes the next such
 * transaction fail with a serialization error instead of repeating the
 * pick; one that could lock no owner fails at once, since it cannot know.
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/pg_list.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "calendar.h"
#include "own_index.h"
#include "own_table.h"
#include "round_robin.h"
#include "stage_datum.h"
#include "trust_boundary.h"

/* An active owner, and where it stands on the line. */
typedef struct LqCandidate
{
	char	   *name;
	char	   *calendar;		/* NULL: always available */
	Datum		step;			/* numeric, 1 / weight */
	Datum		next_end;		/* numeric: where its last turn ended */
	Datum		last_start;		/* numeric: where its last turn started */
	int			ntables;		/* -1: takes every table's leads */
	Oid		   *tables;			/* else the tables it takes leads of */
	bool		locked;			/* its row is locked by this transaction */
	bool		held_counted;	/* a turn of another transaction's counted */
	bool		bumped;			/* its row updated (not READ COMMITTED) */
	bool		available;		/* for the lead being picked for */
} LqCandidate;

/* The line as a statement sees it. */
typedef struct LqLine
{
	LocalTransactionId lxid;
	TimestampTz statement;
	uint64		generation;		/* of aborted subtransactions, when read */
	int			count;
	LqCandidate *candidates;
} LqLine;

static LqLine line;
static MemoryContext line_cxt = NULL;

static LqKeptQuery owners_query = {
	"SELECT o.name, o.weight, o.calendar, o.lead_tables::pg_catalog.oid[] "
	"FROM leadqual.owner AS o WHERE o.active",
	0, {InvalidOid}, NULL, 0
};

/* The same, on a schema from before owners could be scoped (0.4.0). */
static LqKeptQuery unscoped_owners_query = {
	"SELECT o.name, o.weight, o.calendar, NULL::pg_catalog.oid[] "
	"FROM leadqual.owner AS o WHERE o.active",
	0, {InvalidOid}, NULL, 0
};

static LqKeptQuery lock_owner_query = {
	"SELECT FROM leadqual.owner AS o WHERE o.name OPERATOR(pg_catalog.=) $1 "
	"FOR NO KEY UPDATE SKIP LOCKED",
	1, {TEXTOID}, NULL, 0
};

static LqKeptQuery bump_owner_query = {
	"UPDATE leadqual.owner AS o SET active = o.active WHERE o.name OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}, NULL, 0
};

/* An owner's turns, newest last: its last confirmed one. */
static LqOwnIndex owner_turns = {
	"owner_turn", "owner_turn_owner_idx", 3, {"turn_start", "turn_end", "confirmed"},
	LQ_OWN_INDEX_UNRESOLVED
};

/* A lead's log: the owners who rejected it. */
static LqOwnIndex lead_log = {
	"transition", "transition_lead_idx", 2, {"to_stage", "owner"},
	LQ_OWN_INDEX_UNRESOLVED
};

static LqOwnInsert turn_insert = {
	"owner_turn", 5, {"owner", "turn_start", "turn_end", "taken_at", "confirmed"},
	0, {NULL}, NULL
};

static Datum
numeric_zero(void)
{
	return DirectFunctionCall1(int4_numeric, Int32GetDatum(0));
}

static int
numeric_compare(Datum a, Datum b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a, b));
}

/*
 * Where the owner's newest confirmed turn started and ended, copied into
 * the current memory context; 0 and 0 when it took none.
 */
static void
read_last_turn(LqCandidate *candidate)
{
	LqOwnProbe	probe;
	ScanKeyData key;
	bool		found = false;

	lq_own_probe_key(&key, 1, BTEqualStrategyNumber, F_TEXTEQ,
					 CStringGetTextDatum(candidate->name));
	lq_own_probe_begin(&probe, &owner_turns, 1, &key, BackwardScanDirection);
	while (!found && lq_own_probe_next(&probe))
	{
		bool		isnull;

		if (!DatumGetBool(lq_own_probe_value(&probe, 3, &isnull)))
			continue;			/* left by a 0.4.0 schema: never counts */
		candidate->last_start =
			PointerGetDatum(PG_DETOAST_DATUM_COPY(lq_own_probe_value(&probe, 1, &isnull)));
		candidate->next_end =
			PointerGetDatum(PG_DETOAST_DATUM_COPY(lq_own_probe_value(&probe, 2, &isnull)));
		found = true;
	}
	lq_own_probe_end(&probe);
	if (!found)
	{
		candidate->last_start = numeric_zero();
		candidate->next_end = numeric_zero();
	}
}

/* Whether the schema has leadqual.owner.lead_tables (0.5.0 and later). */
static bool
owners_can_be_scoped(void)
{
	Oid			owner = get_relname_relid("owner", get_namespace_oid("leadqual", false));

	return OidIsValid(owner) && get_attnum(owner, "lead_tables") != InvalidAttrNumber;
}

/* The tables an owner takes leads of, from its lead_tables (an oid[]). */
static void
read_scope(LqCandidate *candidate, Datum lead_tables, bool every_table)
{
	Datum	   *elements;
	bool	   *nulls;
	int			count;

	candidate->ntables = -1;
	candidate->tables = NULL;
	if (every_table)
		return;
	deconstruct_array(DatumGetArrayTypeP(lead_tables), OIDOID, sizeof(Oid), true,
					  TYPALIGN_INT, &elements, &nulls, &count);
	candidate->tables = palloc(sizeof(Oid) * Max(count, 1));
	candidate->ntables = 0;
	for (int i = 0; i < count; i++)
		if (!nulls[i])			/* refused by owner_lead_tables_not_empty */
			candidate->tables[candidate->ntables++] = DatumGetObjectId(elements[i]);
}

/* Whether the candidate takes leads of the table. */
static bool
takes_leads_of(const LqCandidate *candidate, Oid lead_table)
{
	if (candidate->ntables < 0)
		return true;
	for (int i = 0; i < candidate->ntables; i++)
		if (candidate->tables[i] == lead_table)
			return true;
	return false;
}

/* Reads the active owners and where their turns ended, into line_cxt. */
static void
read_line(void)
{
	MemoryContext old;

	if (line_cxt == NULL)
		line_cxt = AllocSetContextCreate(TopMemoryContext, "leadqual round-robin",
										 ALLOCSET_SMALL_SIZES);
	MemoryContextReset(line_cxt);
	memset(&line, 0, sizeof(line));

	lq_connect_spi();
	lq_run_as_owner(owners_can_be_scoped() ? &owners_query : &unscoped_owners_query,
					NULL, NULL, 0);
	old = MemoryContextSwitchTo(line_cxt);
	line.candidates = palloc0(sizeof(LqCandidate) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;
		LqCandidate *candidate = &line.candidates[line.count++];
		bool		isnull;
		bool		no_calendar;
		bool		every_table;
		Datum		weight = SPI_getbinval(row, tupdesc, 2, &isnull);
		Datum		calendar = SPI_getbinval(row, tupdesc, 3, &no_calendar);
		Datum		lead_tables = SPI_getbinval(row, tupdesc, 4, &every_table);

		candidate->name = TextDatumGetCString(SPI_getbinval(row, tupdesc, 1, &isnull));
		candidate->calendar = no_calendar ? NULL : TextDatumGetCString(calendar);
		candidate->step = DirectFunctionCall2(numeric_div,
											  DirectFunctionCall1(int4_numeric, Int32GetDatum(1)),
											  weight);
		read_scope(candidate, lead_tables, every_table);
		read_last_turn(candidate);
	}
	MemoryContextSwitchTo(old);
	SPI_finish();

	line.lxid = MyProc->lxid;
	line.statement = GetCurrentStatementStartTimestamp();
	line.generation = lq_aborted_subtransactions();
}

/* The statement's line, read at its first pick. */
static LqLine *
current_line(void)
{
	if (line_cxt == NULL || line.lxid != MyProc->lxid ||
		line.statement != GetCurrentStatementStartTimestamp() ||
		line.generation != lq_aborted_subtransactions())
		read_line();
	return &line;
}

/* The owners who rejected the lead: the owners its log has it leave with. */
static List *
lead_rejecters(Oid lead_table, const char *lead_id)
{
	LqOwnProbe	probe;
	List	   *rejecters = NIL;

	lq_own_probe_lead(&probe, &lead_log, lead_table, lead_id, ForwardScanDirection);
	while (lq_own_probe_next(&probe))
	{
		bool		isnull;
		Datum		stage = lq_own_probe_value(&probe, 1, &isnull);
		LqStage		to;
		Datum		owner;

		/* the end of a duplicate's history merged into the lead: no stage */
		if (isnull)
			continue;
		to = lq_stage_from_datum(stage);
		owner = lq_own_probe_value(&probe, 2, &isnull);
		if (!isnull && (to == LQ_STAGE_RECYCLED || to == LQ_STAGE_DISQUALIFIED))
			rejecters = lappend(rejecters, TextDatumGetCString(owner));
	}
	lq_own_probe_end(&probe);
	return rejecters;
}

static bool
named_in(List *names, const char *name)
{
	ListCell   *cell;

	foreach(cell, names)
		if (strcmp(lfirst(cell), name) == 0)
			return true;
	return false;
}

/*
 * Marks who is available for a lead of lead_table at "at": taking the
 * table's leads, in calendar hours, and not one of its rejecters.  Returns
 * the latest start of a turn of the table's pool.
 */
static Datum
mark_available(LqLine *pool, Oid lead_table, List *rejecters, TimestampTz at)
{
	Datum		latest_start = (Datum) 0;

	for (int i = 0; i < pool->count; i++)
	{
		LqCandidate *candidate = &pool->candidates[i];
		bool		in_pool = takes_leads_of(candidate, lead_table);

		if (in_pool && (latest_start == (Datum) 0 ||
						numeric_compare(candidate->last_start, latest_start) > 0))
			latest_start = candidate->last_start;
		candidate->available = in_pool && !named_in(rejecters, candidate->name) &&
			(candidate->calendar == NULL ||
			 lq_calendar_is_open(candidate->calendar, at, "leadqual: round-robin assignment"));
	}
	return latest_start;
}

/* Where the candidate's next turn starts. */
static Datum
next_start(Datum latest_start, const LqCandidate *candidate)
{
	/* greatest(its last end, the pool's latest start): the first on a tie */
	return numeric_compare(latest_start, candidate->next_end) > 0
		? latest_start : candidate->next_end;
}

/*
 * The available candidate whose next turn comes first; -1 when none (then
 * latest_start may be (Datum) 0: an empty pool).
 */
static int
first_in_line(const LqLine *pool, Datum latest_start)
{
	int			best = -1;
	Datum		best_start = (Datum) 0;

	for (int i = 0; i < pool->count; i++)
	{
		const LqCandidate *candidate = &pool->candidates[i];
		Datum		start;
		int			order;

		if (!candidate->available)
			continue;
		start = next_start(latest_start, candidate);
		if (best < 0)
			order = -1;
		else if ((order = numeric_compare(start, best_start)) == 0 &&
				 (order = numeric_compare(candidate->step,
										  pool->candidates[best].step)) == 0)
			order = varstr_cmp(candidate->name, strlen(candidate->name),
							   pool->candidates[best].name,
							   strlen(pool->candidates[best].name),
							   DEFAULT_COLLATION_OID);
		if (order < 0)
		{
			best = i;
			best_start = start;
		}
	}
	return best;
}

/*
 * The candidate takes its next turn; returns where it starts and ends, and
 * the pool's latest start, which is now this one.
 */
static Datum
take_turn(Datum latest_start, LqCandidate *candidate, Datum *start, Datum *end)
{
	MemoryContext old = MemoryContextSwitchTo(line_cxt);
	Datum		new_start = datumCopy(next_start(latest_start, candidate), false, -1);
	Datum		new_end = DirectFunctionCall2(numeric_add, new_start, candidate->step);

	/* the old bounds go: a bulk statement takes a turn a row */
	pfree(DatumGetPointer(candidate->last_start));
	pfree(DatumGetPointer(candidate->next_end));
	candidate->last_start = new_start;
	candidate->next_end = new_end;
	MemoryContextSwitchTo(old);
	*start = new_start;
	*end = new_end;
	return new_start;
}

/* Runs a query on one owner's row as the extension's owner; rows it found. */
static uint64
on_owner_row(LqKeptQuery *query, const char *name)
{
	Datum		value = CStringGetTextDatum(name);
	uint64		processed;

	lq_connect_spi();
	lq_run_as_owner(query, &value, NULL, 0);
	processed = SPI_processed;
	SPI_finish();
	return processed;
}

static LqTurn *
new_turn(const char *owner, Datum start, Datum end, TimestampTz taken_at,
		 MemoryContext context)
{
	Size		owner_size = strlen(owner) + 1;
	Size		start_size = MAXALIGN(VARSIZE_ANY(DatumGetPointer(start)));
	Size		end_size = VARSIZE_ANY(DatumGetPointer(end));
	char	   *space = MemoryContextAlloc(context, MAXALIGN(sizeof(LqTurn)) + start_size +
										   end_size + owner_size);
	LqTurn	   *turn = (LqTurn *) space;

	space += MAXALIGN(sizeof(LqTurn));
	memcpy(space, DatumGetPointer(start), VARSIZE_ANY(DatumGetPointer(start)));
	turn->start = PointerGetDatum(space);
	space += start_size;
	memcpy(space, DatumGetPointer(end), end_size);
	turn->end = PointerGetDatum(space);
	space += end_size;
	memcpy(space, owner, owner_size);
	turn->owner = space;
	turn->taken_at = taken_at;
	return turn;
}

/* A copy of the turn in "context", in one allocation. */
LqTurn *
lq_turn_copy(const LqTurn *turn, MemoryContext context)
{
	return new_turn(turn->owner, turn->start, turn->end, turn->taken_at, context);
}

/*
 * The owner of a lead of lead_table entering the stage its table promotes
 * to, whose owner now is current_owner (NULL: none).  False: the lead keeps
 * it (it has one who never rejected it, or nobody is available).  True:
 * *owner is the lead's new owner, with the turn it took as *turn, both in
 * the caller's memory context; or NULL with no turn when its owner
 * rejected it before and nobody else is available, since a lead never goes
 * back to a rep who rejected it.
 */
bool
lq_round_robin_pick(Oid lead_table, const char *lead_id, const char *current_owner,
					char **owner, LqTurn **turn)
{
	TimestampTz at = GetCurrentTimestamp();
	List	   *rejecters = lead_rejecters(lead_table, lead_id);
	bool		rejected = current_owner != NULL && named_in(rejecters, current_owner);
	LqLine	   *pool;
	Datum		latest_start;
	int			chosen;
	LqCandidate *candidate;
	Datum		start;
	Datum		end;

	*owner = NULL;
	*turn = NULL;
	if (current_owner != NULL && !rejected)
		return false;
	pool = current_line();
	latest_start = mark_available(pool, lead_table, rejecters, at);

	for (;;)
	{
		chosen = first_in_line(pool, latest_start);
		if (chosen < 0)
			return rejected;
		candidate = &pool->candidates[chosen];
		if (!candidate->locked)
			candidate->locked = on_owner_row(&lock_owner_query, candidate->name) > 0;
		if (candidate->locked || candidate->held_counted)
			break;
		/* held by another transaction: count its turn there, look again */
		latest_start = take_turn(latest_start, candidate, &start, &end);
		candidate->held_counted = true;
	}

	if (IsolationUsesXactSnapshot())
	{
		if (!candidate->locked)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("leadqual: could not pick an owner for lead %s of table %s: every available owner's turn is being taken by another transaction",
							lead_id, DatumGetCString(DirectFunctionCall1(regclassout,
																		 ObjectIdGetDatum(lead_table)))),
					 errhint("Retry the transaction, or promote under READ COMMITTED, where promotions pass each other.")));
		if (!candidate->bumped)
			(void) on_owner_row(&bump_owner_query, candidate->name);
		candidate->bumped = true;
	}
	(void) take_turn(latest_start, candidate, &start, &end);
	*owner = pstrdup(candidate->name);
	*turn = new_turn(candidate->name, start, end, at, CurrentMemoryContext);
	return true;
}

/* Records the turn in leadqual.owner_turn, once its row was written. */
void
lq_turn_record(const LqTurn *turn)
{
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	values[0] = CStringGetTextDatum(turn->owner);
	values[1] = turn->start;
	values[2] = turn->end;
	values[3] = TimestampTzGetDatum(turn->taken_at);
	values[4] = BoolGetDatum(true);
	lq_insert_as_owner(&turn_insert, values, nulls, NULL);
}
