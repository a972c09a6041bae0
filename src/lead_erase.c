/*
 * lead_erase.c
 *		leadqual.erase(leads, lead_id): erases a person, as the GDPR and the
 *		CCPA require, keeping the figures of closed periods.
 *
 * As the caller, it deletes the lead's row, if the caller sees it: the
 * deletion trigger retires the lead's history as for any deletion
 * (lead_identity.c).  Then, as the owner of leadqual's tables, with the
 * table's oid and the id as text, it erases every history retired under
 * the id, this one and those of earlier leads that had it: it removes the
 * touches, the score history, the handoffs and any events or subtotals
 * left, and renames the log, the clocks and the assignments to
 * "erased:<n>" (n, the deletion's log id), with the log's scores and the
 * clocks' touch ids cleared.  Those rows keep their stages, times, owners
 * and reasons, which is all the funnel, SLA and rejection reports read.
 * The merges that name the id name the placeholder instead.
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "config.h"
#include "lead_identity.h"
#include "trust_boundary.h"

/*
 * $1 the table, $2 the id.  Returns one row per table: its rows removed
 * and pseudonymised.  Histories are found through transition_retired_idx,
 * clocks through the histories' log rows; every part reads the rows as
 * they were before the query.
 */
static LqKeptQuery erase_query = {
	"WITH histories AS ("
	"    SELECT DISTINCT t.lead_id AS retired_id,"
	"           'erased:' OPERATOR(pg_catalog.||) pg_catalog.substring(t.lead_id, '^deleted:([0-9]+):') AS erased_id"
	"    FROM leadqual.transition AS t"
	"    WHERE t.lead_table OPERATOR(pg_catalog.=) $1 AND t.to_stage IS NULL"
	"      AND pg_catalog.substring(t.lead_id, '^deleted:[0-9]+:(.*)$') OPERATOR(pg_catalog.=) $2"
	"), newest AS ("
	"    SELECT h.erased_id FROM histories AS h"
	"    ORDER BY pg_catalog.substring(h.erased_id, '[0-9]+$')::pg_catalog.int8 DESC LIMIT 1"
	"), log AS ("
	"    UPDATE leadqual.transition AS t SET lead_id = h.erased_id, score = NULL"
	"    FROM histories AS h"
	"    WHERE t.lead_table OPERATOR(pg_catalog.=) $1 AND t.lead_id OPERATOR(pg_catalog.=) h.retired_id"
	"    RETURNING 1"
	"), clocks AS ("
	"    UPDATE leadqual.sla_clock AS c SET lead_id = h.erased_id, touch_id = NULL"
	"    FROM histories AS h JOIN leadqual.transition AS e"
	"      ON e.lead_table OPERATOR(pg_catalog.=) $1 AND e.lead_id OPERATOR(pg_catalog.=) h.retired_id"
	"    WHERE c.entry_id OPERATOR(pg_catalog.=) e.id"
	"    RETURNING 1"
	"), assignments AS ("
	"    UPDATE leadqual.assignment AS a SET lead_id = h.erased_id FROM histories AS h"
	"    WHERE a.lead_table OPERATOR(pg_catalog.=) $1 AND a.lead_id OPERATOR(pg_catalog.=) h.retired_id"
	"    RETURNING 1"
	"), merges AS ("
	/* a duplicate merged into the person is the person too */
	"    UPDATE leadqual.lead_merge AS m"
	"    SET kept_id = CASE WHEN m.kept_id OPERATOR(pg_catalog.=) $2 THEN p.placeholder ELSE m.kept_id END,"
	"        dropped_id = CASE WHEN m.dropped_id OPERATOR(pg_catalog.=) $2 OR m.kept_id OPERATOR(pg_catalog.=) $2"
	"                          THEN p.placeholder ELSE m.dropped_id END"
	"    FROM (SELECT COALESCE((SELECT n.erased_id FROM newest AS n), 'erased') AS placeholder) AS p"
	"    WHERE m.lead_table OPERATOR(pg_catalog.=) $1"
	"      AND (m.kept_id OPERATOR(pg_catalog.=) $2 OR m.dropped_id OPERATOR(pg_catalog.=) $2)"
	"    RETURNING 1"
	"), ids AS ("
	"    SELECT h.retired_id AS lead_id FROM histories AS h UNION ALL SELECT $2"
	"), touches AS ("
	"    DELETE FROM leadqual.touch AS o USING ids AS i"
	"    WHERE o.lead_table OPERATOR(pg_catalog.=) $1 AND o.lead_id OPERATOR(pg_catalog.=) i.lead_id"
	"    RETURNING 1"
	"), score_history AS ("
	"    DELETE FROM leadqual.score_change AS s USING ids AS i"
	"    WHERE s.lead_table OPERATOR(pg_catalog.=) $1 AND s.lead_id OPERATOR(pg_catalog.=) i.lead_id"
	"    RETURNING 1"
	"), handoffs AS ("
	"    DELETE FROM leadqual.handoff AS d USING ids AS i"
	"    WHERE d.lead_table OPERATOR(pg_catalog.=) $1 AND d.lead_id OPERATOR(pg_catalog.=) i.lead_id"
	"    RETURNING 1"
	"), events AS ("
	"    DELETE FROM leadqual.event AS v USING ids AS i"
	"    WHERE v.lead_table OPERATOR(pg_catalog.=) $1 AND v.lead_id OPERATOR(pg_catalog.=) i.lead_id"
	"    RETURNING 1"
	"), subtotals AS ("
	"    DELETE FROM leadqual.lead_score AS s USING ids AS i"
	"    WHERE s.lead_table OPERATOR(pg_catalog.=) $1 AND s.lead_id OPERATOR(pg_catalog.=) i.lead_id"
	"    RETURNING 1"
	"), kept_states AS ("
	"    DELETE FROM leadqual.engagement_state AS k USING ids AS i"
	"    WHERE k.lead_table OPERATOR(pg_catalog.=) $1 AND k.lead_id OPERATOR(pg_catalog.=) i.lead_id"
	"    RETURNING 1"
	/*
	 * the funnel's rollup keeps no row naming the ids: their folded shapes
	 * leave the counts, and the erased histories, under their placeholders,
	 * are worked out from the log until the next refresh
	 */
	"), funnel_ids AS ("
	/* and the duplicates merged into the person, marked by the merge */
	"    SELECT i.lead_id FROM ids AS i"
	"    UNION SELECT m.dropped_id FROM leadqual.lead_merge AS m"
	"    WHERE m.lead_table OPERATOR(pg_catalog.=) $1 AND m.kept_id OPERATOR(pg_catalog.=) $2"
	"), funnel_out AS ("
	"    SELECT leadqual._funnel_take_out($1, pg_catalog.array_agg(i.lead_id)) AS shapes FROM funnel_ids AS i"
	"), funnel_unmarked AS ("
	"    DELETE FROM leadqual.funnel_dirty AS d USING funnel_ids AS i"
	"    WHERE d.lead_table OPERATOR(pg_catalog.=) $1 AND d.lead_id OPERATOR(pg_catalog.=) i.lead_id"
	"), funnel_marks AS ("
	"    INSERT INTO leadqual.funnel_dirty AS d (lead_table, lead_id)"
	"    SELECT DISTINCT $1, h.erased_id FROM histories AS h"
	"    ON CONFLICT (lead_table, lead_id) DO UPDATE SET marks = d.marks OPERATOR(pg_catalog.+) 1"
	")"
	"SELECT r.relation, r.removed, r.pseudonymised FROM (VALUES"
	"    (1, 'leadqual.transition'::pg_catalog.regclass, 0::pg_catalog.int8, (SELECT pg_catalog.count(*) FROM log)),"
	"    (2, 'leadqual.sla_clock', 0, (SELECT pg_catalog.count(*) FROM clocks)),"
	"    (3, 'leadqual.assignment', 0, (SELECT pg_catalog.count(*) FROM assignments)),"
	"    (4, 'leadqual.lead_merge', 0, (SELECT pg_catalog.count(*) FROM merges)),"
	"    (5, 'leadqual.touch', (SELECT pg_catalog.count(*) FROM touches), 0),"
	"    (6, 'leadqual.score_change', (SELECT pg_catalog.count(*) FROM score_history), 0),"
	"    (7, 'leadqual.handoff', (SELECT pg_catalog.count(*) FROM handoffs), 0),"
	"    (8, 'leadqual.event', (SELECT pg_catalog.count(*) FROM events), 0),"
	"    (9, 'leadqual.lead_score', (SELECT pg_catalog.count(*) FROM subtotals), 0),"
	"    (10, 'leadqual.engagement_state', (SELECT pg_catalog.count(*) FROM kept_states), 0))"
	"  AS r(n, relation, removed, pseudonymised)"
	/* runs funnel_out, a plain SELECT, which a data-modifying query would skip unread */
	"  CROSS JOIN funnel_out"
	" ORDER BY r.n",
	2, {REGCLASSOID, TEXTOID}, NULL, 0
};

/*
 * Deletes the lead's row, as the caller, if the caller sees it; its
 * deletion trigger retires its history.
 */
static void
delete_lead(LqTableConfig *config, const char *lead_id)
{
	Oid			argtype = TEXTOID;
	Datum		value = CStringGetTextDatum(lead_id);
	char	   *sql = lq_delete_lead_sql(config, "leadqual.erase");
	int			rc = SPI_execute_with_args(sql, 1, &argtype, &value, NULL, false, 0);

	if (rc != SPI_OK_DELETE)
		elog(ERROR, "leadqual.erase: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
}

/*
 * leadqual.erase(leads regclass, lead_id text) RETURNS TABLE (relation
 * regclass, removed bigint, pseudonymised bigint): erases the person of
 * that id (see the top of this file) and returns, per leadqual table, the
 * rows it removed and those it kept under a placeholder.
 */
PG_FUNCTION_INFO_V1(leadqual_erase);
Datum
leadqual_erase(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid;
	char	   *lead_id;
	Relation	rel;
	LqTableConfig *config;
	Datum		values[2];

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("leadqual.erase: leads and lead_id must not be NULL"),
				 errhint("Call leadqual.erase(leads, lead_id), the id as text.")));
	relid = PG_GETARG_OID(0);
	lead_id = text_to_cstring(PG_GETARG_TEXT_PP(1));
	InitMaterializedSRF(fcinfo, 0);
	config = lq_open_identity_table(relid, "leadqual.erase", ACL_DELETE,
									"deletes the lead, so it needs DELETE on the table", &rel);

	lq_connect_spi();
	delete_lead(config, lead_id);
	values[0] = ObjectIdGetDatum(config->log_relid);
	values[1] = CStringGetTextDatum(lead_id);
	lq_run_as_owner(&erase_query, values, NULL, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		Datum		row[3];
		bool		nulls[3];

		for (int c = 0; c < 3; c++)
			row[c] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c + 1, &nulls[c]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row, nulls);
	}
	SPI_finish();
	table_close(rel, NoLock);
	return (Datum) 0;
}
