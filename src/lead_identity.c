/*
 * lead_identity.c
 *		A lead's identity: leadqual keys everything it keeps about a lead by
 *		its table and its id (as text), so when the lead's row is deleted,
 *		its history is retired under an id of its own, and a new lead given
 *		the same id starts a fresh one.
 *
 * leadqual.log_deletion(), the AFTER DELETE row trigger and AFTER TRUNCATE
 * statement trigger that manage() attaches, retires each deleted lead: it
 * logs the deletion (a transition to no stage, via 'deletion'), stops the
 * lead's open SLA clocks ('lead_deleted'), and moves its log, clocks,
 * touches, assignments and score history to the retired id
 * "deleted:<the deletion's log id>:<the id>".  Its events, subtotals and
 * kept state, which only scored the lead, are deleted.  Ids beginning with
 * "deleted:" or "erased:" are leadqual's: a lead inserted with one is
 * refused, so no lead ever shares a retired history.
 *
 * The trigger reads the deleted row as the caller; the retirement runs as
 * the owner of leadqual's tables (trust_boundary.c), with plain values:
 * the table's oid, the id as text, the stage's label, the score as
 * numeric, the owner's name.
 *
 * A lead's id never changes: qualify() refuses an UPDATE that changes it
 * (lq_require_unchanged_lead_id()), whose hint is an insert under the new
 * id and a merge() (lead_merge.c).  merge() and erase() (lead_erase.c)
 * open their table with lq_open_identity_table().
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "citus_shards.h"
#include "config.h"
#include "handoff.h"
#include "lead_identity.h"
#include "managed_row.h"
#include "model_score.h"
#include "score.h"
#include "stage_datum.h"
#include "trust_boundary.h"

/* The prefixes of retired ids: deleted leads', and erased ones'. */
static const char *const reserved_prefixes[] = {"deleted:", "erased:"};

bool
lq_is_reserved_lead_id(const char *lead_id)
{
	for (size_t i = 0; i < lengthof(reserved_prefixes); i++)
		if (strncmp(lead_id, reserved_prefixes[i], strlen(reserved_prefixes[i])) == 0)
			return true;
	return false;
}

void
lq_require_unreserved_lead_id(LqTableConfig *config, const char *lead_id)
{
	if (lq_is_reserved_lead_id(lead_id))
		ereport(ERROR,
				(errcode(ERRCODE_RESERVED_NAME),
				 errmsg("leadqual: lead id \"%s\" of table %s is reserved",
						lead_id, config->display_name),
				 errdetail("Ids beginning with \"deleted:\" or \"erased:\" name the histories of deleted and erased leads."),
				 errhint("Give the lead an id without that prefix.")));
}

char *
lq_lead_id_matches(LqTableConfig *config, int param, const char *caller)
{
	return psprintf("l.%s %s $%d::%s", quote_identifier(NameStr(config->id_column)),
					lq_qualified_equality(config->id_type, caller), param,
					format_type_be_qualified(config->id_type));
}

char *
lq_delete_lead_sql(LqTableConfig *config, const char *caller)
{
	return psprintf("DELETE FROM %s AS l WHERE %s", lq_qualified_name(config->rows_relid),
					lq_lead_id_matches(config, 1, caller));
}

LqTableConfig *
lq_open_identity_table(Oid relid, const char *caller, AclMode privileges, const char *needs,
					   Relation *rel)
{
	Trigger    *qualify;
	LqTableConfig *config;

	/* before taking any lock, as the statements the caller runs would */
	if (pg_class_aclcheck(relid, GetUserId(), privileges) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s: permission denied for table %s", caller, lq_qualified_name(relid)),
				 errhint("%s() %s.", caller + strlen("leadqual."), needs)));
	*rel = table_open(relid, RowExclusiveLock);
	qualify = lq_find_qualify_trigger(*rel);
	if (qualify == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s: table %s is not managed by leadqual", caller, lq_qualified_name(relid)),
				 errhint("leadqual keeps nothing of the leads of a table it does not manage.")));
	config = lq_config_for_trigger(*rel, qualify);
	if (config->log_relid != relid)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s: table %s is a partition of %s, which leadqual manages",
						caller, lq_qualified_name(relid), config->display_name),
				 errhint("Name the managed table: %s('%s', ...).", caller, config->display_name)));
	lq_refuse_distributed(config, caller);
	return config;
}

void
lq_require_unchanged_lead_id(const LqFiring *firing)
{
	LqTableConfig *config = firing->config;
	Form_pg_attribute attr = TupleDescAttr(firing->tupdesc, config->id_attnum - 1);
	bool		old_isnull;
	bool		new_isnull;
	Datum		old_id = heap_getattr(firing->old_row, config->id_attnum, firing->tupdesc, &old_isnull);
	Datum		new_id = heap_getattr(firing->new_row, config->id_attnum, firing->tupdesc, &new_isnull);
	char	   *old_text;
	char	   *new_text;

	Assert(!firing->is_insert);
	/* a row without an id never had a history; one losing it is refused later */
	if (old_isnull || new_isnull ||
		datumIsEqual(old_id, new_id, attr->attbyval, attr->attlen))
		return;
	/* the log keys leads by the id's text: '1.0' and '1.00' differ, say */
	old_text = OutputFunctionCall(&config->id_output, old_id);
	new_text = OutputFunctionCall(&config->id_output, new_id);
	if (strcmp(old_text, new_text) == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_RESTRICT_VIOLATION),
			 errmsg("leadqual: lead \"%s\" of table %s cannot change its id to \"%s\"",
					old_text, config->display_name, new_text),
			 errdetail("leadqual keeps the lead's history, clocks, touches, events and scores under its id."),
			 errhint("Insert the lead under its new id, then merge the old one into it: "
					 "SELECT leadqual.merge('%s', keep => '%s', drop => '%s');",
					 config->display_name, new_text, old_text)));
}

/*
 * Retires the leads: $1 the table, $2 their ids, $3 the stages they were
 * in (NULL: none known), $4 their scores, $5 their owners, $6 the role
 * deleting them.  Each gets its deletion logged, and its id's log, clocks,
 * touches, assignments and score history move to the retired id, which
 * names the deletion's own log row.  Open clocks stop at the deletion,
 * with the business time they ran.  Clocks are found through the log
 * (each names the stage entry it began with), touches, assignments and
 * score history through their indexes on the lead; every part sees the
 * rows as they were before the query, so none finds another's changes.
 */
static LqKeptQuery retire_query = {
	"WITH gone AS ("
	"    SELECT g.lead_id, g.stage, g.score, g.owner,"
	"           pg_catalog.nextval('leadqual.transition_id_seq'::pg_catalog.regclass) AS log_id"
	"    FROM ROWS FROM (pg_catalog.unnest($2::pg_catalog.text[]), pg_catalog.unnest($3::pg_catalog.text[]),"
	"                    pg_catalog.unnest($4::pg_catalog.numeric[]), pg_catalog.unnest($5::pg_catalog.text[]))"
	"         AS g(lead_id, stage, score, owner)"
	"), logged AS ("
	"    INSERT INTO leadqual.transition AS t"
	"        (id, lead_table, lead_id, from_stage, to_stage, score, changed_by, via, owner)"
	"    SELECT g.log_id, $1, pg_catalog.format('deleted:%s:%s', g.log_id, g.lead_id),"
	"           g.stage::leadqual.lifecycle_stage, NULL, g.score, $6, 'deletion', g.owner"
	"    FROM gone AS g"
	"    RETURNING t.id, t.lead_id AS retired_id, t.changed_at"
	"), retired AS ("
	"    SELECT g.lead_id, l.retired_id, l.changed_at"
	"    FROM gone AS g JOIN logged AS l ON l.id OPERATOR(pg_catalog.=) g.log_id"
	"), log AS ("
	"    UPDATE leadqual.transition AS t SET lead_id = r.retired_id"
	"    FROM retired AS r"
	"    WHERE t.lead_table OPERATOR(pg_catalog.=) $1 AND t.lead_id OPERATOR(pg_catalog.=) r.lead_id"
	/* the funnel's rollup works both ids out from the log until refreshed */
	"), funnel_marks AS ("
	"    INSERT INTO leadqual.funnel_dirty AS d (lead_table, lead_id)"
	"    SELECT $1, r.lead_id FROM retired AS r UNION SELECT $1, r.retired_id FROM retired AS r"
	"    ON CONFLICT (lead_table, lead_id) DO UPDATE SET marks = d.marks OPERATOR(pg_catalog.+) 1"
	"), clocks AS ("
	"    UPDATE leadqual.sla_clock AS c"
	"    SET lead_id = r.retired_id,"
	"        stopped_at = COALESCE(c.stopped_at, GREATEST(c.started_at, r.changed_at)),"
	"        stopped_by = COALESCE(c.stopped_by, 'lead_deleted'),"
	"        business_time = COALESCE(c.business_time,"
	"            leadqual.business_time_between(c.calendar, c.started_at,"
	"                                           GREATEST(c.started_at, r.changed_at)))"
	"    FROM retired AS r JOIN leadqual.transition AS e"
	"      ON e.lead_table OPERATOR(pg_catalog.=) $1 AND e.lead_id OPERATOR(pg_catalog.=) r.lead_id"
	"    WHERE c.entry_id OPERATOR(pg_catalog.=) e.id"
	"), touches AS ("
	"    UPDATE leadqual.touch AS o SET lead_id = r.retired_id FROM retired AS r"
	"    WHERE o.lead_table OPERATOR(pg_catalog.=) $1 AND o.lead_id OPERATOR(pg_catalog.=) r.lead_id"
	"), assignments AS ("
	"    UPDATE leadqual.assignment AS a SET lead_id = r.retired_id FROM retired AS r"
	"    WHERE a.lead_table OPERATOR(pg_catalog.=) $1 AND a.lead_id OPERATOR(pg_catalog.=) r.lead_id"
	"), score_history AS ("
	"    UPDATE leadqual.score_change AS s SET lead_id = r.retired_id FROM retired AS r"
	"    WHERE s.lead_table OPERATOR(pg_catalog.=) $1 AND s.lead_id OPERATOR(pg_catalog.=) r.lead_id"
	"), events AS ("
	"    DELETE FROM leadqual.event AS v USING gone AS g"
	"    WHERE v.lead_table OPERATOR(pg_catalog.=) $1 AND v.lead_id OPERATOR(pg_catalog.=) g.lead_id"
	"), subtotals AS ("
	"    DELETE FROM leadqual.lead_score AS s USING gone AS g"
	"    WHERE s.lead_table OPERATOR(pg_catalog.=) $1 AND s.lead_id OPERATOR(pg_catalog.=) g.lead_id"
	"), kept_states AS ("
	"    DELETE FROM leadqual.engagement_state AS k USING gone AS g"
	"    WHERE k.lead_table OPERATOR(pg_catalog.=) $1 AND k.lead_id OPERATOR(pg_catalog.=) g.lead_id"
	")"
	"SELECT pg_catalog.count(*) FROM retired",
	6, {REGCLASSOID, TEXTARRAYOID, TEXTARRAYOID, NUMERICARRAYOID, TEXTARRAYOID, NAMEOID}, NULL, 0
};

/*
 * Every lead of the table leadqual keeps anything of, under an id not yet
 * retired, with the stage it last logged and its stored score and newest
 * owner: what a TRUNCATE retires.
 */
static LqKeptQuery kept_leads_query = {
	"WITH ids AS ("
	"    SELECT lead_id FROM leadqual.transition WHERE lead_table OPERATOR(pg_catalog.=) $1"
	"    UNION SELECT lead_id FROM leadqual.event WHERE lead_table OPERATOR(pg_catalog.=) $1"
	"    UNION SELECT lead_id FROM leadqual.lead_score WHERE lead_table OPERATOR(pg_catalog.=) $1"
	"    UNION SELECT lead_id FROM leadqual.engagement_state WHERE lead_table OPERATOR(pg_catalog.=) $1"
	"    UNION SELECT lead_id FROM leadqual.touch WHERE lead_table OPERATOR(pg_catalog.=) $1"
	"    UNION SELECT lead_id FROM leadqual.assignment WHERE lead_table OPERATOR(pg_catalog.=) $1"
	"    UNION SELECT lead_id FROM leadqual.score_change WHERE lead_table OPERATOR(pg_catalog.=) $1"
	")"
	"SELECT pg_catalog.array_agg(i.lead_id ORDER BY i.lead_id),"
	"       pg_catalog.array_agg(l.to_stage::pg_catalog.text ORDER BY i.lead_id),"
	"       pg_catalog.array_agg(s.score ORDER BY i.lead_id),"
	"       pg_catalog.array_agg(a.owner ORDER BY i.lead_id)"
	"FROM ids AS i"
	" LEFT JOIN LATERAL (SELECT t.to_stage FROM leadqual.transition AS t"
	"                    WHERE t.lead_table OPERATOR(pg_catalog.=) $1 AND t.lead_id OPERATOR(pg_catalog.=) i.lead_id"
	"                    ORDER BY t.id DESC LIMIT 1) AS l ON true"
	" LEFT JOIN leadqual.lead_score AS s"
	"   ON s.lead_table OPERATOR(pg_catalog.=) $1 AND s.lead_id OPERATOR(pg_catalog.=) i.lead_id"
	" LEFT JOIN LATERAL (SELECT a.owner FROM leadqual.assignment AS a"
	"                    WHERE a.lead_table OPERATOR(pg_catalog.=) $1 AND a.lead_id OPERATOR(pg_catalog.=) i.lead_id"
	"                    ORDER BY a.id DESC LIMIT 1) AS a ON true"
	" WHERE NOT pg_catalog.starts_with(i.lead_id, 'deleted:')"
	"   AND NOT pg_catalog.starts_with(i.lead_id, 'erased:')",
	1, {REGCLASSOID}, NULL, 0
};

/* Runs retire_query as the owner, for the role deleting; needs SPI connected. */
static void
retire(Oid lead_table, Datum ids, Datum stages, Datum scores, Datum owners)
{
	NameData	deleted_by;
	Datum		values[6];

	/* the role deleting, before lq_run_as_owner() switches it */
	namestrcpy(&deleted_by, GetUserNameFromId(GetUserId(), false));
	values[0] = ObjectIdGetDatum(lead_table);
	values[1] = ids;
	values[2] = stages;
	values[3] = scores;
	values[4] = owners;
	values[5] = NameGetDatum(&deleted_by);
	lq_run_as_owner(&retire_query, values, NULL, 0);
}

/* A one-element array of a text, or of a null when value is NULL. */
static Datum
text_array_of(const char *value)
{
	Datum		element = value == NULL ? (Datum) 0 : CStringGetTextDatum(value);
	bool		isnull = value == NULL;
	int			dims[1] = {1};
	int			lbs[1] = {1};

	return PointerGetDatum(construct_md_array(&element, &isnull, 1, dims, lbs, TEXTOID, -1,
											  false, TYPALIGN_INT));
}

/*
 * Is there still a row of the table (any partition) with the lead's id?
 * Read as the caller.  A row deleted from one partition by an UPDATE that
 * moved it to another is still there, and a table whose ids repeat keeps
 * the lead while one row has its id: neither retires it.
 */
static bool
lead_still_there(LqTableConfig *config, const char *lead_id)
{
	static const Oid argtypes[1] = {TEXTOID};
	Datum		value = CStringGetTextDatum(lead_id);

	if (config->lead_exists_sql == NULL)
		config->lead_exists_sql =
			MemoryContextStrdup(config->model_cxt,
								psprintf("SELECT 1 FROM %s AS l WHERE %s",
										 lq_qualified_name(config->rows_relid),
										 lq_lead_id_matches(config, 1, "leadqual")));
	lq_set_kept_query(&config->lead_exists_query, config->lead_exists_sql, 1, argtypes, 0);
	lq_run_kept(&config->lead_exists_query, &value, NULL, 1);
	return SPI_processed > 0;
}

/* Retires the lead of one deleted row, unless its id lives on. */
static void
retire_deleted_row(LqTableConfig *config, TupleDesc tupdesc, HeapTuple row)
{
	bool		isnull;
	Datum		id = heap_getattr(row, config->id_attnum, tupdesc, &isnull);
	Datum		stage;
	Datum		score;
	bool		score_isnull;
	char	   *lead_id;
	int			dims[1] = {1};
	int			lbs[1] = {1};

	if (isnull)					/* never logged: nothing to retire */
		return;
	lead_id = OutputFunctionCall(&config->id_output, id);
	/* merge() moved the history of the duplicate it deletes to the survivor */
	if (lq_is_reserved_lead_id(lead_id) || lq_merge_is_dropping(config->log_relid, lead_id) ||
		lead_still_there(config, lead_id))
		return;
	stage = heap_getattr(row, config->stage_attnum, tupdesc, &isnull);
	score = heap_getattr(row, config->score_attnum, tupdesc, &score_isnull);
	if (!score_isnull)
		score = lq_score_to_numeric(config->score_kind, score);
	retire(config->log_relid,
		   text_array_of(lead_id),
		   text_array_of(isnull ? NULL : lq_stage_name(lq_stage_from_datum(stage))),
		   PointerGetDatum(construct_md_array(&score, &score_isnull, 1, dims, lbs, NUMERICOID,
											  -1, false, TYPALIGN_INT)),
		   text_array_of(lq_row_owner(config, tupdesc, row)));
}

/* Retires every lead of the table: it was truncated. */
static void
retire_all(LqTableConfig *config)
{
	Datum		value = ObjectIdGetDatum(config->log_relid);
	Datum		found[4];
	bool		isnull;

	lq_run_as_owner(&kept_leads_query, &value, NULL, 0);
	Assert(SPI_processed == 1);
	(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)					/* nothing kept */
		return;
	for (int i = 0; i < 4; i++)
		found[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull);
	retire(config->log_relid, found[0], found[1], found[2], found[3]);
}

/* Errors unless fired AFTER DELETE FOR EACH ROW or AFTER TRUNCATE. */
static void
check_deletion_trigger(FunctionCallInfo fcinfo)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *hint = "Call leadqual.manage() on the table instead; it attaches leadqual.log_deletion() "
		"AFTER DELETE FOR EACH ROW and AFTER TRUNCATE.";

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual.log_deletion: must be called as a trigger"),
				 errhint("%s", hint)));
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!(TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ? TRIGGER_FIRED_FOR_ROW(trigdata->tg_event)
		  : TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("leadqual.log_deletion: trigger \"%s\" on table %s must fire AFTER DELETE FOR EACH ROW or AFTER TRUNCATE",
						trigdata->tg_trigger->tgname,
						lq_qualified_name(RelationGetRelid(trigdata->tg_relation))),
				 errhint("%s", hint)));
}

/*
 * leadqual.log_deletion(): the AFTER DELETE row trigger and AFTER TRUNCATE
 * statement trigger manage() attaches.  Retires the deleted lead (each
 * lead of the table, after a TRUNCATE): logs its deletion, stops its open
 * SLA clocks and moves its history to its retired id (see the top of this
 * file).
 */
static Datum
log_deletion(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata;
	Trigger    *qualify;
	LqTableConfig *config;

	check_deletion_trigger(fcinfo);
	trigdata = (TriggerData *) fcinfo->context;
	qualify = lq_find_qualify_trigger(trigdata->tg_relation);
	if (qualify == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("leadqual.log_deletion: table %s is not managed by leadqual",
						lq_qualified_name(RelationGetRelid(trigdata->tg_relation))),
				 errhint("Drop trigger \"%s\"; leadqual.manage() attaches it to the tables it manages.",
						 trigdata->tg_trigger->tgname)));
	config = lq_config_for_trigger(trigdata->tg_relation, qualify);
	/* a statement trigger has no row, so no distribution value to write */
	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event) && config->shard.shardid != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("leadqual: TRUNCATE of table %s, which Citus distributes, is not supported",
						config->display_name),
				 errhint("DELETE its rows instead: leadqual retires each deleted lead's history.")));
	if (!TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		lq_write_for_shard(config, RelationGetDescr(trigdata->tg_relation),
						   trigdata->tg_trigtuple);
	lq_connect_spi();
	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		retire_all(config);
	else
		retire_deleted_row(config, RelationGetDescr(trigdata->tg_relation),
						   trigdata->tg_trigtuple);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/* See the comment above log_deletion(); on a shard, it writes beside it. */
PG_FUNCTION_INFO_V1(leadqual_log_deletion);
Datum
leadqual_log_deletion(PG_FUNCTION_ARGS)
{
	return lq_with_shard(fcinfo, log_deletion);
}
