/*
 * handoff.c
 *		What happens around a stage change beyond logging it: the owner a
 *		promoted lead is assigned, the SLA clocks it starts and stops, and
 *		the NOTIFY that announces it.
 *
 * A stage change's clocks are started and stopped here, in C: the SLA
 * policies in force are cached, due times computed from the cached
 * calendars, and the clocks written straight into leadqual.sla_clock (like
 * the outbox rows, through lq_insert_as_owner()) or with plans kept for the
 * backend, as the extension's owner, with no PL/pgSQL on the way.  So is a
 * change of owner: the assignment and the turn round-robin took
 * (round_robin.c) are recorded once the row is written, and the lead's
 * clocks follow.  The triggers call this file: qualify() assigns the owner
 * before the row is written, so the row carries it; log_transition()
 * reports the change once it is.  A handoff is written to the outbox, leadqual.handoff, and
 * announced with a NOTIFY here; the clock work runs only for stages a
 * policy watches, so a promotion no SLA concerns costs no query beyond its
 * log entry and its outbox row.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/sequence.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parse_relation.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "calendar.h"
#include "clock_references.h"
#include "citus_shards.h"
#include "config.h"
#include "handoff.h"
#include "lead_identity.h"
#include "leadqual.h"
#include "managed_row.h"
#include "own_index.h"
#include "rollup_refresh.h"
#include "round_robin.h"
#include "stage_datum.h"
#include "transition_log.h"
#include "trust_boundary.h"

/* Every change of a lead's owner. */
static LqOwnInsert assignment_insert = {
	"assignment", 6, {"lead_table", "lead_id", "owner", "assigned_at", "assigned_by", "via"},
	1, {"id"}, NULL
};

static LqKeptQuery touches_query = {
	"SELECT o.id, o.lead_table, o.lead_id, o.touched_at FROM leadqual.touch AS o "
	"WHERE o.id OPERATOR(pg_catalog.=) ANY ($1) ORDER BY o.touched_at, o.id",
	1, {INT8ARRAYOID}, NULL, 0
};

/* One handoff into the outbox, in the transaction that made it. */
static LqOwnInsert outbox_insert = {
	"handoff", 9,
	{"lead_table", "lead_id", "transition_id", "from_stage", "to_stage", "score", "owner",
	"via", "handed_at"},
	0, {NULL}, NULL
};

static LqKeptQuery castable_ids_query = {
	"SELECT leadqual._require_castable_ids($1, $2, $3)",
	3, {REGCLASSOID, TEXTARRAYOID, TEXTOID}, NULL, 0
};

/*
 * The SLA policies in force, as the clocks need them, and the stages whose
 * changes the clocks care about, as a mask of 1 << LqStage: those a policy
 * in force watches, and those of clocks still open (a policy switched off
 * leaves its open clocks for leaving the stage to stop).  Kept until
 * leadqual.sla_policy changes.  The mask can only be too wide between
 * changes, as open clocks stop, never too narrow: clocks start only in
 * stages a policy in force watches.  Most stage changes (a lead inserted, a
 * subscriber becoming a lead, any change with the SLAs off) skip the SLA
 * work.
 */
typedef struct LqPolicy
{
	char	   *name;
	LqStage		stage;
	Interval	target;
	char	   *calendar;
	bool		starts_on_assignment;	/* else on entering the stage */
	char	   *stops_on;		/* a leadqual.sla_stop label */
} LqPolicy;

typedef struct LqPolicies
{
	LqPolicy   *policies;
	int			count;
	uint32		watched_stages;
} LqPolicies;

static LqPolicies policies_in_force;
static MemoryContext policies_cxt = NULL;
static bool policies_valid = false;
static uint64 policy_invalidations = 0;
static Oid	policy_relid = InvalidOid;

/*
 * Under REPEATABLE READ the policies are read with the transaction's
 * snapshot, which may predate a change whose invalidation already arrived:
 * they then serve that transaction only.
 */
static LocalTransactionId policies_xact = InvalidLocalTransactionId;

/*
 * The policies in force, as leadqual._policies_in_force(NULL) chooses them,
 * written out rather than called: on a Citus worker the query is rewritten
 * to name this node's copy of leadqual.sla_policy (citus_shards.c), which
 * a call of the SQL function would hide from it.  Keep the two alike.
 */
static LqKeptQuery policies_query = {
	"SELECT p.name, p.stage::text, p.target, p.calendar, "
	"p.starts_on OPERATOR(pg_catalog.=) 'owner_assignment'::leadqual.sla_start, p.stops_on::text "
	"FROM leadqual.sla_policy AS p "
	"WHERE p.active AND (NOT p.builtin OR NOT EXISTS (SELECT FROM leadqual.sla_policy AS u "
	"WHERE u.stage OPERATOR(pg_catalog.=) p.stage AND NOT u.builtin))",
	0, {InvalidOid}, NULL, 0
};

static LqKeptQuery open_clock_stages_query = {
	"SELECT DISTINCT c.stage::text FROM leadqual.sla_clock AS c WHERE c.stopped_at IS NULL",
	0, {InvalidOid}, NULL, 0
};

/* One clock, for a stage entry just logged. */
static LqOwnInsert clock_insert = {
	"sla_clock", 12,
	{"policy", "lead_table", "lead_id", "stage", "entry_id", "entered_at", "owner",
	"started_at", "target", "calendar", "stops_on", "due_at"},
	0, {NULL}, NULL
};

/* A lead's open clocks, and their owners. */
static LqOwnIndex open_clocks = {
	"sla_clock", "sla_clock_lead_idx", 6,
	{"stopped_at", "owner", "started_at", "stage", "stops_on", "calendar"},
	LQ_OWN_INDEX_UNRESOLVED
};

/* The clock of a stage entry and policy, if started. */
static LqOwnIndex entry_clocks = {
	"sla_clock", "sla_clock_entry_id_policy_key", 1, {"id"},
	LQ_OWN_INDEX_UNRESOLVED
};

/* A lead's log, newest last. */
static LqOwnIndex lead_entries = {
	"transition", "transition_lead_idx", 5, {"id", "to_stage", "changed_at", "owner", "merge_id"},
	LQ_OWN_INDEX_UNRESOLVED
};

/* A lead's assignments, newest last. */
static LqOwnIndex lead_assignments = {
	"assignment", "assignment_lead_idx", 3, {"id", "assigned_at", "owner"},
	LQ_OWN_INDEX_UNRESOLVED
};

/* A stage entry, as the log has it. */
typedef struct LqEntry
{
	int64		id;
	LqStage		stage;
	TimestampTz at;
	bool		had_owner;
} LqEntry;

/*
 * The relcache entry of relid (InvalidOid: of every relation) was
 * invalidated: if it is leadqual.sla_policy's, the policies are read again.
 * Called from leadqual's relcache callback (cache_invalidation.c).
 */
void
lq_policies_changed(Oid relid)
{
	if (relid == InvalidOid || relid == policy_relid)
	{
		policies_valid = false;
		policy_invalidations++;
	}
}

static LqStage
stage_column(int row, int col)
{
	bool		isnull;
	Datum		value = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
									  col, &isnull);

	return isnull ? LQ_STAGE_INVALID : lq_stage_from_name(TextDatumGetCString(value));
}

/* The policies in force, read as the owner into policies_cxt. */
static void
load_policies(LqPolicies *loaded)
{
	MemoryContext old;

	memset(loaded, 0, sizeof(*loaded));
	lq_run_as_owner(&policies_query, NULL, NULL, 0);
	old = MemoryContextSwitchTo(policies_cxt);
	loaded->policies = palloc0(sizeof(LqPolicy) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;
		LqPolicy   *policy = &loaded->policies[loaded->count];
		bool		isnull;

		policy->stage = stage_column(i, 2);
		if (policy->stage == LQ_STAGE_INVALID)
			continue;
		policy->name = TextDatumGetCString(SPI_getbinval(row, tupdesc, 1, &isnull));
		policy->target = *DatumGetIntervalP(SPI_getbinval(row, tupdesc, 3, &isnull));
		policy->calendar = TextDatumGetCString(SPI_getbinval(row, tupdesc, 4, &isnull));
		policy->starts_on_assignment = DatumGetBool(SPI_getbinval(row, tupdesc, 5, &isnull));
		policy->stops_on = TextDatumGetCString(SPI_getbinval(row, tupdesc, 6, &isnull));
		loaded->watched_stages |= UINT32_C(1) << policy->stage;
		loaded->count++;
	}
	MemoryContextSwitchTo(old);
	lq_run_as_owner(&open_clock_stages_query, NULL, NULL, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		LqStage		stage = stage_column(i, 1);

		if (stage != LQ_STAGE_INVALID)
			loaded->watched_stages |= UINT32_C(1) << stage;
	}
}

/* The policies in force, from the cache or read.  Needs SPI connected. */
static const LqPolicies *
current_policies(void)
{
	uint64		invalidations;

	if (policies_valid &&
		(policies_xact == InvalidLocalTransactionId || policies_xact == MyProc->lxid))
		return &policies_in_force;
	if (policies_cxt == NULL)
		policies_cxt = AllocSetContextCreate(CacheMemoryContext, "leadqual SLA policies",
											 ALLOCSET_SMALL_SIZES);
	policies_valid = false;
	MemoryContextReset(policies_cxt);
	policy_relid = get_relname_relid("sla_policy", get_namespace_oid("leadqual", false));
	invalidations = policy_invalidations;
	load_policies(&policies_in_force);
	/* kept only if no invalidation arrived while the queries ran */
	policies_valid = invalidations == policy_invalidations;
	policies_xact = IsolationUsesXactSnapshot() ? MyProc->lxid
		: InvalidLocalTransactionId;
	return &policies_in_force;
}

/* The row's owner as text; NULL when it has none (or the table no column). */
char *
lq_row_owner(LqTableConfig *config, TupleDesc tupdesc, HeapTuple row)
{
	bool		isnull;
	Datum		owner;

	if (config->owner_attnum == InvalidAttrNumber || row == NULL)
		return NULL;
	owner = heap_getattr(row, config->owner_attnum, tupdesc, &isnull);
	return isnull ? NULL : OutputFunctionCall(&config->owner_output, owner);
}

/*
 * For a lead entering the stage its table promotes to: asks round-robin for
 * an owner (see round_robin.c) and writes its answer into the row.  Returns
 * whether the owner changed; *turn is the turn taken, to record once the
 * row is written (NULL: none).
 */
bool
lq_assign_owner(LqFiring *firing, const char *lead_id, LqTurn **turn)
{
	LqTableConfig *config = firing->config;
	char	   *owner;
	int			attnum = config->owner_attnum;
	Datum		value = (Datum) 0;
	bool		isnull;

	*turn = NULL;
	if (attnum == InvalidAttrNumber || !lq_handoff_installed())
		return false;
	if (!lq_round_robin_pick(config->log_relid, lead_id,
							 lq_row_owner(config, firing->tupdesc, firing->new_row),
							 &owner, turn))
		return false;			/* the lead keeps its owner */

	/* the column's own input function: a domain's checks apply */
	isnull = owner == NULL;
	if (owner != NULL)
		value = InputFunctionCall(&config->owner_input, owner,
								  config->owner_typioparam, config->owner_typmod);
	firing->new_row = heap_modify_tuple_by_cols(firing->new_row, firing->tupdesc,
												1, &attnum, &value, &isnull);
	return true;
}

/*
 * A notification's payload must be shorter than this many bytes, or
 * Async_Notify() fails, and with it the statement that promoted the lead
 * (NOTIFY_PAYLOAD_MAX_LENGTH in commands/async.c, which no header exports).
 */
#define LQ_NOTIFY_PAYLOAD_MAX 8000

/*
 * A score longer than this is announced as null: a numeric may have
 * thousands of digits (1e8000), and a listener needs the log for it anyway.
 */
#define LQ_NOTIFY_SCORE_MAX 64

/*
 * The score as a JSON number, or null when it has none: JSON has no NaN or
 * Infinity (a float score column may hold them), and a number longer than
 * LQ_NOTIFY_SCORE_MAX is left out.
 */
static void
append_json_score(StringInfo payload, const LqTransition *transition)
{
	Numeric		score;
	char	   *text;

	if (transition->score_isnull)
	{
		appendStringInfoString(payload, "null");
		return;
	}
	score = DatumGetNumeric(transition->score);
	if (numeric_is_nan(score) || numeric_is_inf(score))
	{
		appendStringInfoString(payload, "null");
		return;
	}
	text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(score)));
	appendStringInfoString(payload, strlen(text) <= LQ_NOTIFY_SCORE_MAX ? text : "null");
	pfree(text);
}

/* value as a JSON string, or null when there is none or it is left out */
static void
append_json_text(StringInfo payload, const char *value, bool leave_out)
{
	if (value == NULL || leave_out)
		appendStringInfoString(payload, "null");
	else
		escape_json(payload, value);
}

/*
 * The payload announcing a handoff, leaving out (as null) the owner, then
 * the lead id, then the table when they make it too long to send; "complete"
 * says whether anything was left out.  Always valid JSON, and always
 * shorter than LQ_NOTIFY_PAYLOAD_MAX: the fields kept are short and fixed.
 */
static char *
handoff_payload(const LqTransition *transition, const char *table,
				TimestampTz at, const char *owner)
{
	StringInfoData payload;
	char		at_text[MAXDATELEN + 1];

	JsonEncodeDateTime(at_text, TimestampTzGetDatum(at), TIMESTAMPTZOID, NULL);
	initStringInfo(&payload);
	for (int left_out = 0; left_out <= 3; left_out++)
	{
		resetStringInfo(&payload);
		appendStringInfoString(&payload, "{\"table\": ");
		append_json_text(&payload, table, left_out >= 3);
		appendStringInfoString(&payload, ", \"lead_id\": ");
		append_json_text(&payload, transition->lead_id, left_out >= 2);
		appendStringInfoString(&payload, ", \"from\": ");
		append_json_text(&payload, transition->from_stage == LQ_STAGE_INVALID ? NULL
						 : lq_stage_name(transition->from_stage), false);
		appendStringInfoString(&payload, ", \"to\": ");
		escape_json(&payload, lq_stage_name(transition->to_stage));
		appendStringInfoString(&payload, ", \"score\": ");
		append_json_score(&payload, transition);
		appendStringInfoString(&payload, ", \"owner\": ");
		append_json_text(&payload, owner, left_out >= 1);
		appendStringInfoString(&payload, ", \"at\": ");
		escape_json(&payload, at_text);
		appendStringInfoString(&payload, ", \"via\": ");
		escape_json(&payload, lq_via_name(transition->via));
		appendStringInfo(&payload, ", \"complete\": %s}", left_out == 0 ? "true" : "false");
		if (payload.len < LQ_NOTIFY_PAYLOAD_MAX)
			break;
	}
	/*
	 * With owner, lead id and table left out, what is left is short.  (A
	 * lead id, at most LQ_MAX_LEAD_ID_BYTES, is never left out in practice:
	 * escaped, it takes at most six times that.)
	 */
	Assert(payload.len < LQ_NOTIFY_PAYLOAD_MAX);
	return payload.data;
}

/*
 * Announces a lead handed to sales on channel "leadqual", as a database
 * whose schema predates the outbox (0.4.0 and older) expects: JSON with
 * table (schema qualified), lead_id, from, to, score, owner, at (ISO 8601),
 * via ("promotion", or "manual" for a move by hand) and complete (false
 * when a field was too long to send and is null).  A listener there has no
 * outbox to read the handoff from.  NOTIFY delivers it when the transaction
 * commits, and never if it aborts.
 */
static void
announce_handoff(const LqTransition *transition, const char *table,
				 TimestampTz at, const char *owner)
{
	char	   *payload;

	if (lq_shard_write.shardid != 0)
		return;
	payload = handoff_payload(transition, table, at, owner);
	Async_Notify("leadqual", payload);
	pfree(payload);
}

/*
 * The wake-up announcing handoffs into a table: {"table": ..., "to": ...},
 * the table schema-qualified.  Always valid JSON, and always short: two
 * identifiers of at most NAMEDATALEN - 1 bytes, quoted, then escaped.
 */
static char *
wake_up_payload(const char *table, LqStage to)
{
	StringInfoData payload;

	initStringInfo(&payload);
	appendStringInfoString(&payload, "{\"table\": ");
	escape_json(&payload, table);
	appendStringInfoString(&payload, ", \"to\": ");
	escape_json(&payload, lq_stage_name(to));
	appendStringInfoChar(&payload, '}');
	Assert(payload.len < LQ_NOTIFY_PAYLOAD_MAX);
	return payload.data;
}

/*
 * Wakes the handoff workers on channel "leadqual": the payload names the
 * table and the stage, nothing of the lead (the handoff is in the outbox,
 * leadqual.handoff).  PostgreSQL queues one notification per distinct
 * payload in a transaction and drops the repeats, so a statement that
 * promotes a million leads keeps and sends one.  NOTIFY delivers it when
 * the transaction commits, and never if it aborts.
 */
static void
wake_up_workers(const char *table, LqStage to)
{
	char	   *payload;

	/*
	 * Not from a shard of a table Citus distributes: a worker's NOTIFY
	 * reaches only its own listeners, and a transaction that sent one
	 * cannot PREPARE, which Citus's two-phase commit of a statement that
	 * writes several nodes needs.  The handoff is in the outbox there too.
	 */
	if (lq_shard_write.shardid != 0)
		return;
	payload = wake_up_payload(table, to);
	Async_Notify("leadqual", payload);
	pfree(payload);
}

/*
 * Whether the database's schema has the outbox, leadqual.handoff (0.5.0 and
 * later): a database keeps its schema version until ALTER EXTENSION UPDATE,
 * which may run in another session, so the answer is kept only until a
 * relcache invalidation that could change it (any, while the table is
 * missing: creating it sends one for its new oid).
 */
static Oid	outbox_relid = InvalidOid;
static bool outbox_known = false;

/* Called from leadqual's relcache callback (cache_invalidation.c). */
void
lq_outbox_changed(Oid relid)
{
	if (relid == InvalidOid || !OidIsValid(outbox_relid) || relid == outbox_relid)
		outbox_known = false;
}

static bool
outbox_installed(void)
{
	if (outbox_known)
		return OidIsValid(outbox_relid);
	outbox_relid = get_relname_relid("handoff", get_namespace_oid("leadqual", false));
	outbox_known = true;
	return OidIsValid(outbox_relid);
}

/*
 * Writes the handoff into the outbox, as the owner: the lead's table, id
 * (text), stages, score (numeric), owner (text) and how it happened, all
 * converted as the caller.
 */
static void
write_handoff(const LqTransition *transition, int64 transition_id,
			  TimestampTz at, const char *owner)
{
	Datum		values[9];
	bool		nulls[9];

	memset(nulls, false, sizeof(nulls));
	values[0] = ObjectIdGetDatum(transition->lead_table);
	values[1] = CStringGetTextDatum(transition->lead_id);
	values[2] = Int64GetDatum(transition_id);
	values[3] = lq_own_label(transition->from_stage == LQ_STAGE_INVALID ? NULL
							 : lq_stage_name(transition->from_stage), &nulls[3]);
	values[4] = CStringGetDatum(lq_stage_name(transition->to_stage));
	values[5] = transition->score;
	nulls[5] = transition->score_isnull;
	values[6] = lq_own_text(owner, &nulls[6]);
	values[7] = CStringGetDatum(lq_via_name(transition->via));
	values[8] = TimestampTzGetDatum(at);
	lq_insert_as_owner(&outbox_insert, values, nulls, NULL);
}

/*
 * leadqual._handoff_retention(): the setting leadqual.handoff_retention, as
 * parsed when it was set, for ack_handoffs().
 */
PG_FUNCTION_INFO_V1(leadqual_handoff_retention);
Datum
leadqual_handoff_retention(PG_FUNCTION_ARGS)
{
	Interval   *result = palloc(sizeof(Interval));

	*result = lq_handoff_retention;
	PG_RETURN_INTERVAL_P(result);
}

/*
 * A change of a lead's open clocks: leaving a stage stops those of the
 * stage that stop on exit; a touch stops those started by then that stop
 * on a first touch; a new owner takes them all.
 */
typedef enum LqClockChangeKind
{
	LQ_CLOCKS_STAGE_EXIT,
	LQ_CLOCKS_TOUCH,
	LQ_CLOCKS_NEW_OWNER
} LqClockChangeKind;

typedef struct LqClockChange
{
	LqClockChangeKind kind;
	TimestampTz at;				/* of the exit or the touch */
	LqStage		stage;			/* the stage left */
	int64		touch_id;
	const char *owner;			/* the new owner; NULL: none */
} LqClockChange;

/* The columns of an open clock a change looks at. */
typedef struct LqClockFields
{
	bool		open;
	TimestampTz started_at;
	LqStage		stage;
	char	   *stops_on;
	char	   *owner;			/* NULL: none */
	char	   *calendar;
} LqClockFields;

/* Reads column "column" of open_clocks from a probe's row or a slot. */
typedef Datum (*LqClockColumn) (void *source, int column, bool *isnull);

static Datum
probe_column(void *source, int column, bool *isnull)
{
	return lq_own_probe_value((LqOwnProbe *) source, column, isnull);
}

static Datum
slot_column(void *source, int column, bool *isnull)
{
	return slot_getattr((TupleTableSlot *) source, open_clocks.attnums[column - 1], isnull);
}

static void
read_clock(LqClockColumn column, void *source, LqClockFields *clock)
{
	bool		isnull;
	Datum		owner;

	(void) column(source, 1, &isnull);
	clock->open = isnull;
	owner = column(source, 2, &isnull);
	clock->owner = isnull ? NULL : TextDatumGetCString(owner);
	clock->started_at = DatumGetTimestampTz(column(source, 3, &isnull));
	clock->stage = lq_stage_from_datum(column(source, 4, &isnull));
	clock->stops_on = DatumGetCString(DirectFunctionCall1(enum_out, column(source, 5, &isnull)));
	clock->calendar = TextDatumGetCString(column(source, 6, &isnull));
}

/* Whether the change applies to the clock. */
static bool
clock_changes(const LqClockChange *change, const LqClockFields *clock)
{
	if (!clock->open)
		return false;
	switch (change->kind)
	{
		case LQ_CLOCKS_STAGE_EXIT:
			return clock->started_at <= change->at && clock->stage == change->stage &&
				strcmp(clock->stops_on, "first_touch") != 0;
		case LQ_CLOCKS_TOUCH:
			return clock->started_at <= change->at &&
				strcmp(clock->stops_on, "stage_exit") != 0;
		case LQ_CLOCKS_NEW_OWNER:
			return (clock->owner == NULL) != (change->owner == NULL) ||
				(clock->owner != NULL && strcmp(clock->owner, change->owner) != 0);
	}
	pg_unreachable();
}

/* A clock stopped, with the business time it ran, by its calendar. */
static LqOwnUpdate clock_stop = {
	"sla_clock", 4, {"stopped_at", "stopped_by", "touch_id", "business_time"},
	0, {NULL}, NULL
};

/* A clock handed to another owner. */
static LqOwnUpdate clock_owner = {
	"sla_clock", 1, {"owner"}, 0, {NULL}, NULL
};

/* lq_own_table_update()'s revise: the clock as the change leaves it. */
static bool
revise_clock(TupleTableSlot *row, Datum *values, bool *isnull, void *arg)
{
	const LqClockChange *change = arg;
	LqClockFields clock;

	read_clock(slot_column, row, &clock);
	if (!clock_changes(change, &clock))
		return false;
	if (change->kind == LQ_CLOCKS_NEW_OWNER)
	{
		values[0] = lq_own_text(change->owner, &isnull[0]);
		return true;
	}
	values[0] = TimestampTzGetDatum(change->at);
	isnull[0] = false;
	values[1] = lq_own_label(change->kind == LQ_CLOCKS_TOUCH ? "touch" : "stage_exit", &isnull[1]);
	values[2] = Int64GetDatum(change->touch_id);
	isnull[2] = change->kind != LQ_CLOCKS_TOUCH;
	values[3] = IntervalPGetDatum(lq_business_time_between(clock.calendar, clock.started_at,
														   change->at, "leadqual: SLA clock"));
	isnull[3] = false;
	return true;
}

/*
 * Applies the change to the lead's open clocks it concerns: finds them
 * through sla_clock_lead_idx, then updates each, as the owner, as it is
 * once locked (lq_own_table_update()).  No query: a plan kept for the
 * session could scan the whole table for every change.  Needs SPI
 * connected (a calendar may have to be loaded).
 */
static void
change_open_clocks(Oid lead_table, const char *lead_id, const LqClockChange *change)
{
	LqOwnProbe	probe;
	ItemPointerData *tids = NULL;
	int			count = 0;
	int			allocated = 0;

	lq_own_probe_lead(&probe, &open_clocks, lead_table, lead_id, ForwardScanDirection);
	while (lq_own_probe_next(&probe))
	{
		LqClockFields clock;

		read_clock(probe_column, &probe, &clock);
		if (!clock_changes(change, &clock))
			continue;
		if (count == allocated)
		{
			allocated = Max(4, 2 * allocated);
			tids = tids == NULL ? palloc(sizeof(ItemPointerData) * allocated)
				: repalloc(tids, sizeof(ItemPointerData) * allocated);
		}
		tids[count++] = probe.row->t_self;
	}
	lq_own_probe_end(&probe);
	for (int i = 0; i < count; i++)
		if (lq_update_as_owner(change->kind == LQ_CLOCKS_NEW_OWNER ? &clock_owner : &clock_stop,
							   &tids[i], revise_clock, (void *) change) &&
			change->kind != LQ_CLOCKS_NEW_OWNER)
			lq_rollups_changed();
}

/* Stops the lead's clocks that leaving "stage" stops, at "at". */
static void
stop_clocks_on_exit(Oid lead_table, const char *lead_id, LqStage stage, TimestampTz at)
{
	LqClockChange change = {LQ_CLOCKS_STAGE_EXIT, at, stage, 0, NULL};

	change_open_clocks(lead_table, lead_id, &change);
}

/* Stops the lead's clocks that touch touch_id, at touched_at, stops. */
static void
stop_clocks_by_touch(Oid lead_table, const char *lead_id, int64 touch_id,
					 TimestampTz touched_at)
{
	LqClockChange change = {LQ_CLOCKS_TOUCH, touched_at, LQ_STAGE_INVALID, touch_id, NULL};

	change_open_clocks(lead_table, lead_id, &change);
}

/* A lead's touches by time. */
static LqOwnIndex lead_touches = {
	"touch", "touch_lead_idx", 2, {"touched_at", "id"},
	LQ_OWN_INDEX_UNRESOLVED
};

/*
 * The lead's first touch at or after "since" (in touched_at, then id
 * order), read straight from the index leadqual.touch_lead_idx on
 * (lead_table, lead_id, touched_at): the probe runs for every clock
 * started, and almost always finds nothing.  False when there is none.
 */
static bool
first_touch_since(Oid lead_table, const char *lead_id, TimestampTz since,
				  int64 *touch_id, TimestampTz *touched_at)
{
	LqOwnProbe	probe;
	ScanKeyData keys[3];
	bool		found = false;

	lq_own_probe_key(&keys[0], 1, BTEqualStrategyNumber, F_OIDEQ,
					 ObjectIdGetDatum(lead_table));
	lq_own_probe_key(&keys[1], 2, BTEqualStrategyNumber, F_TEXTEQ,
					 CStringGetTextDatum(lead_id));
	lq_own_probe_key(&keys[2], 3, BTGreaterEqualStrategyNumber, F_TIMESTAMPTZ_GE,
					 TimestampTzGetDatum(since));
	lq_own_probe_begin(&probe, &lead_touches, 3, keys, ForwardScanDirection);
	/* the index gives touched_at order; among equal times, the lowest id */
	while (lq_own_probe_next(&probe))
	{
		bool		isnull;
		TimestampTz at = DatumGetTimestampTz(lq_own_probe_value(&probe, 1, &isnull));
		int64		id = DatumGetInt64(lq_own_probe_value(&probe, 2, &isnull));

		if (found && at != *touched_at)
			break;
		if (!found || id < *touch_id)
		{
			*touch_id = id;
			*touched_at = at;
		}
		found = true;
	}
	lq_own_probe_end(&probe);
	return found;
}

/*
 * Stops the lead's new clocks at its first touch since "started_at", if one
 * was recorded already (a touch dated ahead, or recorded late).  Needs SPI
 * connected.
 */
static void
stop_clocks_at_first_touch(Oid lead_table, const char *lead_id, TimestampTz started_at)
{
	int64		touch_id;
	TimestampTz touched_at;

	if (first_touch_since(lead_table, lead_id, started_at, &touch_id, &touched_at))
		stop_clocks_by_touch(lead_table, lead_id, touch_id, touched_at);
}

/* Whether the clock of stage entry entry_id and "policy" was started. */
static bool
clock_started(int64 entry_id, const char *policy)
{
	LqOwnProbe	probe;
	ScanKeyData keys[2];
	bool		started;

	lq_own_probe_key(&keys[0], 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(entry_id));
	lq_own_probe_key(&keys[1], 2, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(policy));
	lq_own_probe_begin(&probe, &entry_clocks, 2, keys, ForwardScanDirection);
	started = lq_own_probe_next(&probe);
	lq_own_probe_end(&probe);
	return started;
}

/*
 * Starts a clock of each policy in force for the stage the lead entered (as
 * transition entry_id, at entered_at) that starts now, at started_at: at
 * the stage entry, those that start on it, and those that start with an
 * owner when the lead came with one; at its first owner after the entry
 * (on_assignment), those that start with an owner, unless one was started
 * already.  Each is due its target of business time after started_at, by
 * its calendar.  Needs SPI connected (for the first-touch stop).
 */
static void
start_clocks(const LqPolicies *in_force, Oid lead_table, const char *lead_id,
			 LqStage stage, int64 entry_id, TimestampTz entered_at,
			 TimestampTz started_at, const char *owner, bool on_assignment)
{
	Datum		values[12];
	bool		nulls[12];
	bool		started = false;

	memset(nulls, false, sizeof(nulls));
	values[1] = ObjectIdGetDatum(lead_table);
	values[2] = CStringGetTextDatum(lead_id);
	values[3] = CStringGetDatum(lq_stage_name(stage));
	values[4] = Int64GetDatum(entry_id);
	values[5] = TimestampTzGetDatum(entered_at);
	values[6] = lq_own_text(owner, &nulls[6]);
	values[7] = TimestampTzGetDatum(started_at);
	for (int i = 0; i < in_force->count; i++)
	{
		const LqPolicy *policy = &in_force->policies[i];
		TimestampTz due;

		if (policy->stage != stage ||
			(policy->starts_on_assignment ? owner == NULL : on_assignment) ||
			(on_assignment && clock_started(entry_id, policy->name)))
			continue;
		lq_lock_clock_references(policy->name, policy->calendar);
		values[0] = CStringGetTextDatum(policy->name);
		values[8] = IntervalPGetDatum(&policy->target);
		values[9] = CStringGetTextDatum(policy->calendar);
		values[10] = CStringGetDatum(policy->stops_on);
		nulls[11] = !lq_business_time_add(policy->calendar, started_at, &policy->target,
										  "leadqual: SLA clock", &due);
		values[11] = TimestampTzGetDatum(due);
		lq_insert_as_owner(&clock_insert, values, nulls, NULL);
		started = true;
	}
	if (started)
	{
		/* the probe of the clocks to stop must see those just started */
		CommandCounterIncrement();
		stop_clocks_at_first_touch(lead_table, lead_id, started_at);
	}
}

/*
 * After the transition was logged (as transition_id, at "at"): for a
 * promotion, or a move by hand into the stage the table promotes to (the
 * handoff either way), writes the outbox row and wakes the workers (a
 * schema without the outbox gets the lead announced instead); then stops
 * the clocks leaving the stage stops and starts the new stage's.  In C, on
 * leadqual's own tables as the owner: no PL/pgSQL on this path.  Needs SPI
 * connected.
 */
void
lq_stage_changed(const LqTransition *transition, LqTableConfig *config,
				 int64 transition_id, TimestampTz at, const char *owner)
{
	const LqPolicies *in_force;
	LqStage		from = transition->from_stage;
	LqStage		to = transition->to_stage;

	StaticAssertStmt(LQ_STAGE_COUNT <= 32, "the watched stages fit a uint32 mask");
	Assert(to >= 0 && to < LQ_STAGE_COUNT);

	if (transition->via == LQ_VIA_PROMOTION ||
		(transition->via == LQ_VIA_MANUAL && to == config->promote_to))
	{
		if (outbox_installed())
		{
			write_handoff(transition, transition_id, at, owner);
			wake_up_workers(config->display_name, to);
		}
		else
			announce_handoff(transition, config->display_name, at, owner);
	}

	in_force = current_policies();
	if (from != LQ_STAGE_INVALID && (in_force->watched_stages & (UINT32_C(1) << from)) != 0)
		stop_clocks_on_exit(transition->lead_table, transition->lead_id, from, at);
	if ((in_force->watched_stages & (UINT32_C(1) << to)) != 0)
		start_clocks(in_force, transition->lead_table, transition->lead_id, to,
					 transition_id, at, at, owner, false);
}

/*
 * The lead's latest stage entry: the newest row of its own log, past the
 * rows of duplicates merged into it (leadqual.merge()).  False: none.
 */
static bool
latest_entry(Oid lead_table, const char *lead_id, LqEntry *entry)
{
	LqOwnProbe	probe;
	bool		found;
	bool		isnull = true;

	lq_own_probe_lead(&probe, &lead_entries, lead_table, lead_id, BackwardScanDirection);
	while ((found = lq_own_probe_next(&probe)))
	{
		(void) lq_own_probe_value(&probe, 5, &isnull);
		if (isnull)
			break;
	}
	if (found)
	{
		Assert(isnull);
		entry->id = DatumGetInt64(lq_own_probe_value(&probe, 1, &isnull));
		entry->stage = lq_stage_from_datum(lq_own_probe_value(&probe, 2, &isnull));
		entry->at = DatumGetTimestampTz(lq_own_probe_value(&probe, 3, &isnull));
		(void) lq_own_probe_value(&probe, 4, &isnull);
		entry->had_owner = !isnull;
	}
	lq_own_probe_end(&probe);
	return found;
}

/*
 * Whether the lead got an owner at or after "since" by an assignment other
 * than "except".
 */
static bool
owner_assigned_since(Oid lead_table, const char *lead_id, TimestampTz since, int64 except)
{
	LqOwnProbe	probe;
	bool		assigned = false;

	lq_own_probe_lead(&probe, &lead_assignments, lead_table, lead_id, BackwardScanDirection);
	while (!assigned && lq_own_probe_next(&probe))
	{
		bool		isnull;
		bool		owner_isnull;

		(void) lq_own_probe_value(&probe, 3, &owner_isnull);
		assigned = !owner_isnull &&
			DatumGetInt64(lq_own_probe_value(&probe, 1, &isnull)) != except &&
			DatumGetTimestampTz(lq_own_probe_value(&probe, 2, &isnull)) >= since;
	}
	lq_own_probe_end(&probe);
	return assigned;
}

/*
 * After a lead's owner changed (or an inserted lead came with one): logs the
 * assignment (by_round_robin: qualify() picked it), records the turn it
 * took (if any), hands the
 * lead's open clocks to the new owner, and starts the clocks that start on
 * assignment.  An owner_assignment clock starts with the entry's first
 * owner: at the entry when the lead entered with one (lq_stage_changed()
 * starts it; "entered_now" says this change came with the entry), else at
 * the first owner set after it.  A later owner is a reassignment, which the
 * clock follows and which starts none, even for a policy that came into
 * force after that first owner.  In C, as the owner, on leadqual's tables
 * only.  Needs SPI connected.
 */
void
lq_owner_changed(Oid lead_table, const char *lead_id, const char *owner,
				 bool by_round_robin, const LqTurn *turn, bool entered_now)
{
	TimestampTz at = GetCurrentTimestamp();
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};
	Datum		assignment_id;
	LqEntry		entry;

	Assert(lead_id != NULL);
	values[0] = ObjectIdGetDatum(lead_table);
	values[1] = CStringGetTextDatum(lead_id);
	values[2] = lq_own_text(owner, &nulls[2]);
	values[3] = TimestampTzGetDatum(at);
	/* the role making the change, before the insert switches it */
	values[4] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	values[5] = CStringGetDatum(by_round_robin ? "round_robin" : "manual");
	lq_insert_as_owner(&assignment_insert, values, nulls, &assignment_id);
	if (turn != NULL)
		lq_turn_record(turn);

	{
		LqClockChange change = {LQ_CLOCKS_NEW_OWNER, at, LQ_STAGE_INVALID, 0, owner};

		change_open_clocks(lead_table, lead_id, &change);
	}
	if (owner == NULL || entered_now ||
		!latest_entry(lead_table, lead_id, &entry) || entry.had_owner ||
		owner_assigned_since(lead_table, lead_id, entry.at, DatumGetInt64(assignment_id)))
		return;
	start_clocks(current_policies(), lead_table, lead_id, entry.stage, entry.id,
				 entry.at, at, owner, true);
}

/* One touch being applied, read from leadqual.touch. */
typedef struct LqTouch
{
	int64		id;
	Oid			lead_table;
	char	   *lead_id;
	TimestampTz touched_at;
	LqTableConfig *config;		/* NULL: the table is not managed */
	Datum		shard_key;		/* on a shard of leadqual.touch (Citus): the
								 * lead's distribution value */
	bool		shard_key_isnull;
} LqTouch;

/* The touches of the given ids, in the order they stop clocks. */
static LqTouch *
read_touches(Datum ids, int *count)
{
	LqTouch    *touches;

	lq_run_as_owner(&touches_query, &ids, NULL, 0);
	*count = (int) SPI_processed;
	touches = palloc0(sizeof(LqTouch) * Max(*count, 1));
	for (int i = 0; i < *count; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;
		bool		isnull;

		touches[i].id = DatumGetInt64(SPI_getbinval(row, tupdesc, 1, &isnull));
		touches[i].lead_table = DatumGetObjectId(SPI_getbinval(row, tupdesc, 2, &isnull));
		touches[i].lead_id = TextDatumGetCString(SPI_getbinval(row, tupdesc, 3, &isnull));
		touches[i].touched_at = DatumGetTimestampTz(SPI_getbinval(row, tupdesc, 4, &isnull));
	}
	return touches;
}

static void
require_touch_privilege(Oid table)
{
	if (pg_class_aclcheck(table, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("leadqual: permission denied to record touches of table %s",
						lq_qualified_name(table)),
				 errhint("Touches stop the leads' SLA clocks, so recording them needs UPDATE on the table.")));
}

/* A table the touches name, and its settings (NULL: not managed). */
typedef struct LqTouchedTable
{
	Oid			relid;			/* hash key */
	LqTableConfig *config;
} LqTouchedTable;

/*
 * As the caller: errors with no_data_found, naming the first of the
 * table's touched ids that its id column's type can't hold.
 */
static void
require_castable_ids(const LqTouchedTable *table, const LqTouch *touches,
					 int count)
{
	ArrayBuildState *ids = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	Datum		values[3];

	for (int i = 0; i < count; i++)
		if (touches[i].lead_table == table->relid)
			ids = accumArrayResult(ids, CStringGetTextDatum(touches[i].lead_id), false,
								   TEXTOID, CurrentMemoryContext);
	values[0] = ObjectIdGetDatum(table->relid);
	values[1] = makeArrayResult(ids, CurrentMemoryContext);
	values[2] = CStringGetTextDatum(format_type_be_qualified(table->config->id_type));
	lq_run_kept(&castable_ids_query, values, NULL, 0);
}

/*
 * The tables the touches name, each checked: the caller may UPDATE it and,
 * if it is managed, every id touched fits its id column.  Sets each touch's
 * config.
 */
static void
check_touched_tables(LqTouch *touches, int count)
{
	HASHCTL		ctl;
	HTAB	   *tables;
	HASH_SEQ_STATUS status;
	LqTouchedTable *table;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(LqTouchedTable);
	ctl.hcxt = CurrentMemoryContext;
	tables = hash_create("leadqual touched tables", 8, &ctl,
						 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (int i = 0; i < count; i++)
	{
		bool		found;

		table = hash_search(tables, &touches[i].lead_table, HASH_ENTER, &found);
		if (!found)
		{
			require_touch_privilege(table->relid);
			table->config = lq_config_if_managed(table->relid);
			/* a partition's touches are only stored: its clocks are its root's */
			if (table->config != NULL && table->config->log_relid != table->relid)
				table->config = NULL;
		}
		touches[i].config = table->config;
	}
	hash_seq_init(&status, tables);
	while ((table = hash_seq_search(&status)) != NULL)
		if (table->config != NULL)
			require_castable_ids(table, touches, count);
	hash_destroy(tables);
}

/*
 * As the caller: locks the touched lead's row FOR SHARE, so that a
 * promotion in progress commits (and starts its clock) before the touch
 * stops it; errors if the caller can see no such lead.
 */
static void
lock_touched_lead(const LqTouch *touch)
{
	LqTableConfig *config = touch->config;
	static const Oid argtypes[1] = {TEXTOID};
	Datum		lead_id = CStringGetTextDatum(touch->lead_id);

	if (config->touch_lock_sql == NULL)
		config->touch_lock_sql =
			MemoryContextStrdup(config->model_cxt,
								psprintf("SELECT 1 FROM %s AS l WHERE %s FOR SHARE OF l",
										 lq_qualified_name(config->rows_relid),
										 lq_lead_id_matches(config, 1, "leadqual")));
	lq_set_kept_query(&config->touch_lock_query, config->touch_lock_sql, 1, argtypes, 0);
	lq_run_kept(&config->touch_lock_query, &lead_id, NULL, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("leadqual: lead \"%s\" of table %s does not exist",
						touch->lead_id, config->display_name),
				 errhint("Touch an existing lead, by its id as text.")));
}

static void apply_touches(Datum touch_ids);

/*
 * leadqual._apply_touches(touch_ids bigint[]): called by the statement
 * trigger on leadqual.touch.  Touches stop SLA clocks, which only the
 * extension's owner writes.  As the caller, it checks that the caller may
 * UPDATE every table the touches name, and locks each touched lead, which
 * the caller must be able to see.  Then, as the owner, it stops the clocks,
 * passing only the touch's table, lead id (text), time and id.  Touches of
 * tables leadqual does not manage are only stored.  Being C rather than
 * SECURITY DEFINER, it knows who the caller is.
 */
PG_FUNCTION_INFO_V1(leadqual_apply_touches);
Datum
leadqual_apply_touches(PG_FUNCTION_ARGS)
{
	apply_touches(PG_GETARG_DATUM(0));
	PG_RETURN_VOID();
}

static void
apply_touches(Datum touch_ids)
{
	LqTouch    *touches;
	int			count;

	lq_connect_spi();
	touches = read_touches(touch_ids, &count);
	check_touched_tables(touches, count);
	for (int i = 0; i < count; i++)
		if (touches[i].config != NULL)
			lock_touched_lead(&touches[i]);
	for (int i = 0; i < count; i++)
		if (touches[i].config != NULL)
			stop_clocks_by_touch(touches[i].lead_table, touches[i].lead_id,
								 touches[i].id, touches[i].touched_at);
	SPI_finish();
}

/*
 * The touches on a shard of leadqual.touch, which Citus distributes: those
 * touch() inserted beside their lead's row.  Each stops the clocks of its
 * lead, on the managed table's shard beside this one, whose OID on the
 * coordinator it names: checked and locked as the caller, stopped as the
 * owner, as _apply_touches() does, while leadqual writes beside the lead's
 * row.  A touch of a table leadqual doesn't manage is only stored; one
 * naming a managed table by its OID on this node was inserted by hand,
 * which Citus sends by name: refused.
 */
static void
apply_touch_beside_lead(int64 shardid, const LqTouch *touch, Oid key_type)
{
	LqTableConfig *config = lq_citus_lead_shard_config(shardid, touch->lead_table, "touch",
													   "a touch", "touches", "touch");
	LqShardWrite saved = lq_shard_write;
	LqTouch		beside = *touch;

	if (config == NULL)
		return;
	beside.config = config;
	PG_TRY();
	{
		lq_write_beside_lead(config->shard.shardid, touch->shard_key, touch->shard_key_isnull,
							 key_type);
		require_touch_privilege(config->shard.table);
		lock_touched_lead(&beside);
		stop_clocks_by_touch(touch->lead_table, touch->lead_id, touch->id, touch->touched_at);
	}
	PG_FINALLY();
	{
		lq_shard_write = saved;
	}
	PG_END_TRY();
}

/* As _apply_touches() takes them: by time, then id. */
static int
touch_order(const void *a, const void *b)
{
	const LqTouch *x = a;
	const LqTouch *y = b;

	if (x->touched_at != y->touched_at)
		return x->touched_at < y->touched_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The touches of a transition table of a shard of leadqual.touch; *count says how many. */
static LqTouch *
read_new_touches(Tuplestorestate *rows, TupleDesc desc, int *count)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	AttrNumber	id = SPI_fnumber(desc, "id");
	AttrNumber	lead_table = SPI_fnumber(desc, "lead_table");
	AttrNumber	lead_id = SPI_fnumber(desc, "lead_id");
	AttrNumber	touched_at = SPI_fnumber(desc, "touched_at");
	AttrNumber	shard_key = SPI_fnumber(desc, "shard_key");
	Form_pg_attribute key;
	int			room = 16;
	LqTouch    *touches = palloc(sizeof(LqTouch) * room);
	int			n = 0;

	Assert(id > 0 && lead_table > 0 && lead_id > 0 && touched_at > 0 && shard_key > 0);
	key = TupleDescAttr(desc, shard_key - 1);
	tuplestore_rescan(rows);
	while (tuplestore_gettupleslot(rows, true, false, slot))
	{
		LqTouch    *touch;
		bool		isnull;

		if (n == room)
		{
			room *= 2;
			touches = repalloc_huge(touches, sizeof(LqTouch) * room);
		}
		touch = &touches[n++];
		/* every column but shard_key is NOT NULL */
		touch->id = DatumGetInt64(slot_getattr(slot, id, &isnull));
		touch->lead_table = DatumGetObjectId(slot_getattr(slot, lead_table, &isnull));
		touch->lead_id = TextDatumGetCString(slot_getattr(slot, lead_id, &isnull));
		touch->touched_at = DatumGetTimestampTz(slot_getattr(slot, touched_at, &isnull));
		touch->config = NULL;
		touch->shard_key = slot_getattr(slot, shard_key, &touch->shard_key_isnull);
		if (!touch->shard_key_isnull)
			touch->shard_key = datumCopy(touch->shard_key, key->attbyval, key->attlen);
	}
	ExecDropSingleTupleTableSlot(slot);
	qsort(touches, n, sizeof(LqTouch), touch_order);
	*count = n;
	return touches;
}

/* The ids of a transition table of leadqual.touch, as a bigint[]. */
static Datum
new_touch_ids(Tuplestorestate *rows, TupleDesc desc)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	AttrNumber	id = SPI_fnumber(desc, "id");
	ArrayBuildState *ids = initArrayResult(INT8OID, CurrentMemoryContext, false);

	tuplestore_rescan(rows);
	while (tuplestore_gettupleslot(rows, true, false, slot))
	{
		bool		isnull;

		ids = accumArrayResult(ids, slot_getattr(slot, id, &isnull), false, INT8OID,
							   CurrentMemoryContext);
	}
	ExecDropSingleTupleTableSlot(slot);
	return makeArrayResult(ids, CurrentMemoryContext);
}

/*
 * leadqual._touches_recorded(): AFTER INSERT ... FOR EACH STATEMENT on
 * leadqual.touch, by touch() or in bulk: _apply_touches() of the new
 * touches.  On a shard of leadqual.touch, where Citus distributes it, each
 * touch is applied beside its lead's row (apply_touch_beside_lead()), in
 * the order _apply_touches() takes.  C since 0.5.0 (PL/pgSQL before), so
 * that it knows which shard it fires on.
 */
PG_FUNCTION_INFO_V1(leadqual_touches_recorded);
Datum
leadqual_touches_recorded(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	int64		shardid;
	LqTouch    *touches;
	int			count;
	Oid			key_type;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual._touches_recorded: must be called as a trigger"),
				 errhint("leadqual attaches it to leadqual.touch; don't call it.")));
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) || trigdata->tg_newtable == NULL ||
		!lq_is_own_table(trigdata->tg_relation, "touch"))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual._touches_recorded: must be fired AFTER INSERT ... FOR EACH STATEMENT on leadqual.touch, with its new rows as a transition table"),
				 errhint("leadqual attaches it to leadqual.touch; don't attach it elsewhere.")));
	desc = RelationGetDescr(trigdata->tg_relation);
	shardid = lq_citus_own_shard(trigdata->tg_relation, "touch");
	if (shardid == 0)
	{
		apply_touches(new_touch_ids(trigdata->tg_newtable, desc));
		return PointerGetDatum(NULL);
	}
	touches = read_new_touches(trigdata->tg_newtable, desc, &count);
	key_type = TupleDescAttr(desc, SPI_fnumber(desc, "shard_key") - 1)->atttypid;
	lq_connect_spi();
	for (int i = 0; i < count; i++)
		apply_touch_beside_lead(shardid, &touches[i], key_type);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * leadqual._touch_beside_lead(leads regclass, lead_id text, kind text, at
 * timestamptz, actor text) RETURNS bigint: what touch(), which checked its
 * arguments, does for a table Citus distributes, on the coordinator: the
 * touch inserted beside the lead's row (lq_citus_insert_beside_lead()),
 * whose trigger there stops its clocks.  recorded_at is now, as its
 * default clock_timestamp() gives on one node.  Returns the touch's id.
 */
PG_FUNCTION_INFO_V1(leadqual_touch_beside_lead);
Datum
leadqual_touch_beside_lead(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[6] = {TEXTOID, INT8OID, TEXTOID, TIMESTAMPTZOID, TEXTOID,
	TIMESTAMPTZOID};
	LqTableConfig *config = lq_config_if_managed(PG_GETARG_OID(0));
	int64		touch_id;
	Datum		values[6];

	if (config == NULL || !config->distributed || config->shard.shardid != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("leadqual._touch_beside_lead: table %s is no managed table Citus distributes",
						lq_qualified_name(PG_GETARG_OID(0))),
				 errhint("Record touches with leadqual.touch().")));
	touch_id = nextval_internal(get_relname_relid("touch_id_seq", get_namespace_oid("leadqual", false)),
								true);
	values[0] = PG_GETARG_DATUM(1);
	values[1] = Int64GetDatum(touch_id);
	values[2] = PG_GETARG_DATUM(2);
	values[3] = PG_GETARG_DATUM(3);
	values[4] = PG_GETARG_DATUM(4);
	values[5] = TimestampTzGetDatum(GetCurrentTimestamp());
	lq_connect_spi();
	lq_citus_insert_beside_lead(config, LQ_BESIDE_LEAD_TOUCH,
								"id, kind, touched_at, actor, recorded_at", 6, argtypes, values,
								"Touch an existing lead, by its id as text.");
	SPI_finish();
	PG_RETURN_INT64(touch_id);
}
