/*
 * new_events.c
 *		track(), and the statement triggers on leadqual.event: new events
 *		rescore their leads; changed or deleted events drop what was kept
 *		of them.
 *
 * Until 0.5.0 the first was PL/pgSQL.  In C it hands the new events
 * themselves to leadqual._store_scores(), through engagement_state.c, so
 * that a lead's kept engagement state folds them in rather than reading
 * the lead's events again; the checks and errors are those it had.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rls.h"

#include "citus_shards.h"
#include "config.h"
#include "engagement_state.h"
#include "score_leads.h"
#include "trust_boundary.h"

static LqKeptQuery lead_visible_query = {
	"SELECT leadqual._lead_visible($1, $2)", 2, {REGCLASSOID, TEXTOID}, NULL, 0
};

/* Errors unless called as the statement trigger "when" says. */
static TriggerData *
require_statement_trigger(FunctionCallInfo fcinfo, const char *function, bool insert)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s: must be called as a trigger", function),
				 errhint("leadqual attaches it to leadqual.event; don't call it.")));
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		(insert && (!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) || trigdata->tg_newtable == NULL)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s: must be fired AFTER ... FOR EACH STATEMENT%s", function,
						insert ? " by INSERT, with its new rows as a transition table" : ""),
				 errhint("leadqual attaches it to leadqual.event; don't attach it elsewhere.")));
	if (!lq_is_own_table(trigdata->tg_relation, "event"))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s: must be fired on leadqual.event, not on %s", function,
						RelationGetRelationName(trigdata->tg_relation)),
				 errhint("leadqual attaches it to leadqual.event; don't attach it elsewhere.")));
	return trigdata;
}

static int
event_order(const void *a, const void *b)
{
	const LqNewEvent *x = a;
	const LqNewEvent *y = b;

	if (x->lead_table != y->lead_table)
		return x->lead_table < y->lead_table ? -1 : 1;
	return strcmp(x->lead_id, y->lead_id);
}

/*
 * The rows of a transition table of leadqual.event, sorted by table and
 * lead; *nevents says how many.
 */
static LqNewEvent *
read_events(Tuplestorestate *rows, TupleDesc desc, int *nevents)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	AttrNumber	lead_table = SPI_fnumber(desc, "lead_table");
	AttrNumber	lead_id = SPI_fnumber(desc, "lead_id");
	AttrNumber	kind = SPI_fnumber(desc, "kind");
	AttrNumber	occurred_at = SPI_fnumber(desc, "occurred_at");
	AttrNumber	properties = SPI_fnumber(desc, "properties");
	AttrNumber	shard_key = SPI_fnumber(desc, "shard_key");
	int			room = 16;
	LqNewEvent *events = palloc(sizeof(LqNewEvent) * room);
	int			n = 0;

	Assert(lead_table > 0 && lead_id > 0 && kind > 0 && occurred_at > 0 && properties > 0);
	tuplestore_rescan(rows);
	while (tuplestore_gettupleslot(rows, true, false, slot))
	{
		LqNewEvent *event;
		bool		isnull;

		if (n == room)
		{
			room *= 2;
			events = repalloc_huge(events, sizeof(LqNewEvent) * room);
		}
		event = &events[n++];
		/* every column is NOT NULL */
		event->lead_table = DatumGetObjectId(slot_getattr(slot, lead_table, &isnull));
		event->lead_id = TextDatumGetCString(slot_getattr(slot, lead_id, &isnull));
		event->kind = TextDatumGetCString(slot_getattr(slot, kind, &isnull));
		event->occurred_at = DatumGetTimestampTz(slot_getattr(slot, occurred_at, &isnull));
		event->properties = PointerGetDatum(PG_DETOAST_DATUM_COPY(slot_getattr(slot, properties, &isnull)));
		event->shard_key = (Datum) 0;
		event->shard_key_isnull = true;
		if (shard_key > 0)
		{
			Form_pg_attribute key = TupleDescAttr(desc, shard_key - 1);

			event->shard_key = slot_getattr(slot, shard_key, &event->shard_key_isnull);
			if (!event->shard_key_isnull)
				event->shard_key = datumCopy(event->shard_key, key->attbyval, key->attlen);
		}
	}
	ExecDropSingleTupleTableSlot(slot);
	qsort(events, n, sizeof(LqNewEvent), event_order);
	*nevents = n;
	return events;
}

/* How many events from "first" on are of the same table. */
static int
table_run(const LqNewEvent *events, int nevents, int first)
{
	int			end = first;

	while (end < nevents && events[end].lead_table == events[first].lead_table)
		end++;
	return end - first;
}

/* The distinct lead ids of a table's events (sorted), as a text[]. */
static Datum
distinct_lead_ids(const LqNewEvent *events, int nevents)
{
	ArrayBuildState *ids = initArrayResult(TEXTOID, CurrentMemoryContext, false);

	for (int i = 0; i < nevents; i++)
		if (i == 0 || strcmp(events[i].lead_id, events[i - 1].lead_id) != 0)
			ids = accumArrayResult(ids, CStringGetTextDatum(events[i].lead_id), false,
								   TEXTOID, CurrentMemoryContext);
	return makeArrayResult(ids, CurrentMemoryContext);
}

/*
 * Events count towards scores: only a role that may write the scores may
 * record them, whether or not the table is scored yet.
 */
static void
require_update_privilege(Oid lead_table)
{
	if (pg_class_aclcheck(lead_table, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("leadqual: permission denied to record events of table %s",
						lq_qualified_name(lead_table)),
				 errhint("Events change the leads' scores, so recording them needs UPDATE on the table.")));
}

/*
 * And only of leads it can see: where the table's row-level security
 * restricts the role, an event of a lead it can't see is refused as one of
 * a lead that does not exist (scoring would refuse it too, but a table not
 * scored yet only stores its events).
 */
static void
require_visible_leads(Oid rows_relid, const LqNewEvent *events, int nevents)
{
	if (check_enable_rls(rows_relid, InvalidOid, true) != RLS_ENABLED)
		return;
	for (int i = 0; i < nevents; i++)
	{
		Datum		values[2];
		bool		isnull;

		if (i > 0 && strcmp(events[i].lead_id, events[i - 1].lead_id) == 0)
			continue;
		values[0] = ObjectIdGetDatum(rows_relid);
		values[1] = CStringGetTextDatum(events[i].lead_id);
		lq_run_kept(&lead_visible_query, values, NULL, 1);
		if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("leadqual: lead \"%s\" of table %s does not exist",
							events[i].lead_id, lq_qualified_name(events[i].lead_table)),
					 errhint("Record events of leads you can read in the table.")));
		SPI_freetuptable(SPI_tuptable);
	}
}

/* Is the table scored by a model?  (Else its events are only stored.) */
static bool
scored_by_model(Oid lead_table)
{
	char		relkind = get_rel_relkind(lead_table);
	LqTableConfig *config;

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		return false;
	config = lq_config_if_managed(lead_table);
	return config != NULL && config->model != NULL;
}

/*
 * Rescores the leads of one table's new events, handing the events over
 * for their leads' kept state to fold in.
 */
static void
score_table_events(LqNewEvents *batch, Oid rows_relid)
{
	Datum		lead_ids = distinct_lead_ids(batch->events, batch->nevents);

	lq_hand_over_new_events(batch);
	PG_TRY();
	{
		/* as of now(), waiting for the leads other transactions hold */
		(void) lq_score_leads(rows_relid, lead_ids, GetCurrentTransactionStartTimestamp(),
							  false, NULL);
	}
	PG_FINALLY();
	{
		lq_hand_over_new_events(NULL);
	}
	PG_END_TRY();
}

/* How many events from "first" on are of the same lead. */
static int
lead_run(const LqNewEvent *events, int nevents, int first)
{
	int			end = first;

	while (end < nevents && events[end].lead_table == events[first].lead_table &&
		   strcmp(events[end].lead_id, events[first].lead_id) == 0)
		end++;
	return end - first;
}

/*
 * One lead's new events on a shard of leadqual.event, which Citus
 * distributes: those track() inserted beside the lead's row.  They are
 * checked and scored on the lead's shard of the managed table, the one
 * beside this shard on this node, whose OID on the coordinator the events
 * name; leadqual writes beside the lead's row meanwhile, with the lead's
 * distribution value.  Events of a table leadqual doesn't manage are only
 * stored, as elsewhere; but events naming a managed table by its OID on
 * this node were inserted by hand, which Citus sends by name: refused.
 */
static void
score_lead_beside_row(int64 shardid, LqNewEvents *lead, Oid key_type)
{
	LqTableConfig *config = lq_citus_lead_shard_config(shardid, lead->lead_table, "event",
													   "an event", "events", "track");
	LqShardWrite saved = lq_shard_write;

	if (config == NULL)
		return;
	PG_TRY();
	{
		lq_write_beside_lead(config->shard.shardid, lead->events[0].shard_key,
							 lead->events[0].shard_key_isnull, key_type);
		require_update_privilege(config->shard.table);
		require_visible_leads(config->rows_relid, lead->events, lead->nevents);
		if (config->model != NULL)
			score_table_events(lead, config->rows_relid);
		else
			lq_forget_engagement(lead->lead_table, distinct_lead_ids(lead->events, lead->nevents));
	}
	PG_FINALLY();
	{
		lq_shard_write = saved;
	}
	PG_END_TRY();
}

/* The new events on a shard of leadqual.event, a lead at a time. */
static void
score_events_beside_leads(int64 shardid, LqNewEvent *events, int nevents, Oid key_type)
{
	for (int first = 0; first < nevents; first += lead_run(events, nevents, first))
	{
		LqNewEvents lead = {events[first].lead_table, lead_run(events, nevents, first),
		&events[first]};

		score_lead_beside_row(shardid, &lead, key_type);
	}
}

/*
 * leadqual._score_new_events(): AFTER INSERT ... FOR EACH STATEMENT on
 * leadqual.event, by track() or in bulk.  Checks that the role may record
 * each event, then rescores the leads of tables managed with a model, in
 * table order.  Events of a table not managed with a model are only stored
 * (manage() scores them when it attaches a model; that is also what lets
 * pg_restore load the events before it re-creates the leads tables'
 * triggers), and the kept state of their leads is dropped.  On a shard of
 * leadqual.event, where Citus distributes it, the same is done a lead at a
 * time, beside the lead's row (score_events_beside_leads()).
 */
PG_FUNCTION_INFO_V1(leadqual_score_new_events);
Datum
leadqual_score_new_events(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = require_statement_trigger(fcinfo, "leadqual._score_new_events", true);
	int64		shardid = lq_citus_own_shard(trigdata->tg_relation, "event");
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "leadqual new events",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller_cxt = MemoryContextSwitchTo(scratch);
	int			nevents;
	LqNewEvent *events = read_events(trigdata->tg_newtable,
									 RelationGetDescr(trigdata->tg_relation), &nevents);

	lq_connect_spi();
	if (shardid != 0)
		score_events_beside_leads(shardid, events, nevents,
								  TupleDescAttr(RelationGetDescr(trigdata->tg_relation),
												SPI_fnumber(RelationGetDescr(trigdata->tg_relation),
															"shard_key") - 1)->atttypid);
	else
	{
		for (int first = 0; first < nevents; first += table_run(events, nevents, first))
			require_update_privilege(events[first].lead_table);
		for (int first = 0; first < nevents; first += table_run(events, nevents, first))
			require_visible_leads(events[first].lead_table, &events[first],
								  table_run(events, nevents, first));
		for (int first = 0; first < nevents; first += table_run(events, nevents, first))
		{
			LqNewEvents batch = {events[first].lead_table, table_run(events, nevents, first),
			&events[first]};

			if (scored_by_model(batch.lead_table))
				score_table_events(&batch, batch.lead_table);
			else
				lq_forget_engagement(batch.lead_table,
									 distinct_lead_ids(batch.events, batch.nevents));
		}
	}
	SPI_finish();
	MemoryContextSwitchTo(caller_cxt);
	MemoryContextDelete(scratch);
	return PointerGetDatum(NULL);
}

/*
 * leadqual._forget_changed_events(): AFTER UPDATE OR DELETE OR TRUNCATE ...
 * FOR EACH STATEMENT on leadqual.event.  What was kept of the events of the
 * leads whose events changed no longer holds: it is dropped, as the owner
 * (whoever may change events), and rebuilt from the events when the lead
 * is scored next.  Their scores stay until then, as they always did:
 * rescore() brings them up to date.
 */
PG_FUNCTION_INFO_V1(leadqual_forget_changed_events);
Datum
leadqual_forget_changed_events(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = require_statement_trigger(fcinfo, "leadqual._forget_changed_events", false);
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "leadqual changed events",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller_cxt = MemoryContextSwitchTo(scratch);
	Tuplestorestate *tables[2] = {trigdata->tg_oldtable, trigdata->tg_newtable};

	lq_connect_spi();
	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		lq_forget_engagement(InvalidOid, (Datum) 0);
	for (int t = 0; t < 2; t++)
	{
		int			nevents;
		LqNewEvent *events;

		if (tables[t] == NULL)
			continue;
		events = read_events(tables[t], RelationGetDescr(trigdata->tg_relation), &nevents);
		for (int first = 0; first < nevents; first += table_run(events, nevents, first))
			lq_forget_engagement(events[first].lead_table,
								 distinct_lead_ids(&events[first], table_run(events, nevents, first)));
	}
	SPI_finish();
	MemoryContextSwitchTo(caller_cxt);
	MemoryContextDelete(scratch);
	return PointerGetDatum(NULL);
}

/*
 * The event track() records, as the caller: its privileges, and the
 * row-level security of leadqual.event, apply as to an INSERT of its own.
 */
static LqKeptQuery track_insert = {
	"INSERT INTO leadqual.event (id, lead_table, lead_id, kind, occurred_at, properties) "
	"VALUES ($1, $2, $3, $4, $5, $6)",
	6, {INT8OID, REGCLASSOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, JSONBOID}, NULL, 0
};

/*
 * On the coordinator of a Citus cluster that distributes the table, the
 * event is inserted beside the lead's row, on its shard, whose trigger
 * there scores it (score_events_beside_leads()).  recorded_at is this
 * transaction's start, as its default now() gives on one node.
 */
static void
track_beside_lead(LqTableConfig *config, int64 event_id, FunctionCallInfo fcinfo,
				  Jsonb *properties)
{
	static const Oid argtypes[6] = {TEXTOID, INT8OID, TEXTOID, TIMESTAMPTZOID, JSONBOID,
	TIMESTAMPTZOID};
	Datum		values[6] = {PG_GETARG_DATUM(1), Int64GetDatum(event_id), PG_GETARG_DATUM(2),
		PG_GETARG_DATUM(3), PointerGetDatum(properties),
	TimestampTzGetDatum(GetCurrentTransactionStartTimestamp())};

	lq_citus_insert_beside_lead(config, LQ_BESIDE_LEAD_EVENT,
								"id, kind, occurred_at, properties, recorded_at",
								6, argtypes, values, "Insert the lead before tracking its events.");
}

/*
 * leadqual.track(leads regclass, lead_id text, kind text, occurred_at
 * timestamptz DEFAULT now(), properties jsonb DEFAULT '{}') RETURNS bigint:
 * records an event of a lead of a table managed with a model, whose
 * statement trigger then rescores the lead, and returns the event's id.
 * The id comes from the sequence first, not from RETURNING: RETURNING
 * would apply the row-level security policy to the new row, and a lead the
 * caller can't see would fail with 42501 before the trigger says P0002.
 */
PG_FUNCTION_INFO_V1(leadqual_track);
Datum
leadqual_track(PG_FUNCTION_ARGS)
{
	Datum		values[6];
	Jsonb	   *properties;
	int64		event_id;
	LqTableConfig *config;

	for (int i = 0; i < 5; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("leadqual.track: arguments must not be NULL"),
					 errhint("Leave occurred_at or properties out to use their defaults.")));
	config = lq_config_for_scored_table(PG_GETARG_OID(0), "leadqual.track");
	if (!config->distributed || config->shard.shardid != 0)
		lq_refuse_distributed(config, "leadqual.track");
	if (VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(2)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual.track: event kind must not be empty"),
				 errhint("Name what the lead did, such as 'pricing_page_view'; leadqual.engagement_rule lists the kinds that score.")));
	if (TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(3)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual.track: occurred_at must be a finite time, not %s",
						DatumGetCString(DirectFunctionCall1(timestamptz_out, PG_GETARG_DATUM(3)))),
				 errhint("Leave it out to record the event as happening now.")));
	properties = PG_GETARG_JSONB_P(4);
	if (!JB_ROOT_IS_OBJECT(properties) || JB_ROOT_IS_SCALAR(properties))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual.track: properties must be a JSON object, not %s",
						TextDatumGetCString(DirectFunctionCall1(jsonb_typeof, PointerGetDatum(properties)))),
				 errhint("For example '{\"session_id\": \"s1\"}'.")));

	event_id = nextval_internal(get_relname_relid("event_id_seq", get_namespace_oid("leadqual", false)),
								true);
	lq_connect_spi();
	if (config->distributed)
		track_beside_lead(config, event_id, fcinfo, properties);
	else
	{
		values[0] = Int64GetDatum(event_id);
		for (int i = 0; i < 4; i++)
			values[i + 1] = PG_GETARG_DATUM(i);
		values[5] = PointerGetDatum(properties);
		lq_run_kept(&track_insert, values, NULL, 0);
	}
	SPI_finish();
	PG_RETURN_INT64(event_id);
}
