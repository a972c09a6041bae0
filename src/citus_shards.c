/*
 * citus_shards.c
 *		Where leadqual writes when its triggers fire on a shard of a table
 *		Citus distributes.
 *
 * Citus runs a distributed table's row triggers on its shards, on the
 * workers, inside the worker's own transaction for that shard.  There
 * leadqual.transition and its other per-lead tables are shells, with no
 * rows: leadqual.distribute() distributed them by shard_key, co-located
 * with the leads table, so the rows of the leads in a shard of the leads
 * table live in the shards with the same hash range of leadqual's tables,
 * on the same node.  own_table.c and own_index.c open those shards
 * (leadqual.transition_102040, its index transition_lead_idx_102040)
 * while lq_shard_write names the shard a trigger fires on, and fill in
 * shard_key with the lead's distribution value.
 *
 * Citus's catalogs (pg_dist_shard, pg_dist_partition) are on every node,
 * and are read here once a shard per backend; without Citus nothing here
 * runs a query.  The lookups are kept until a relcache invalidation of the
 * shard they found (a shard moved away, or dropped).
 */
#include "postgres.h"

#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "parser/parse_relation.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "citus_shards.h"

LqShardWrite lq_shard_write = {0};

/* A shard of one of leadqual's relations, co-located with a shard. */
typedef struct ColocatedKey
{
	int64		shardid;		/* the shard a trigger fires on */
	NameData	relname;		/* leadqual's table or index */
} ColocatedKey;

typedef struct ColocatedEntry
{
	ColocatedKey key;
	Oid			relid;
} ColocatedEntry;

static HTAB *colocated = NULL;

/* Bumped whenever a lookup here may have gone stale: see lq_citus_shards_changed(). */
uint64		lq_citus_generation = 0;

/* Whether leadqual's tables are Citus's (-1: not known since the last invalidation). */
static int	citus_mode = -1;

/*
 * The relcache entry of relid (InvalidOid: every relation's) was
 * invalidated: forget the shards found there.  Called from leadqual's
 * relcache callback (cache_invalidation.c).
 */
void
lq_citus_shards_changed(Oid relid)
{
	HASH_SEQ_STATUS status;
	ColocatedEntry *entry;

	citus_mode = -1;
	if (relid == InvalidOid)
		lq_citus_generation++;
	if (colocated == NULL)
		return;
	hash_seq_init(&status, colocated);
	while ((entry = hash_seq_search(&status)) != NULL)
		if (relid == InvalidOid || entry->relid == relid)
		{
			hash_search(colocated, &entry->key, HASH_REMOVE, NULL);
			/* the queries written for that shard, and its id base, too */
			lq_citus_generation++;
		}
}

/*
 * The one bigint a query of Citus's catalogs finds, with its arguments of
 * types bigint and regclass (the second may be unused); 0 if it finds none.
 */
static int64
catalog_bigint(const char *sql, int nargs, int64 shardid, Oid relid)
{
	Datum		args[2] = {Int64GetDatum(shardid), ObjectIdGetDatum(relid)};
	bool		isnull;
	int64		found = 0;

	Assert(nargs == 1 || nargs == 2);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadqual: SPI_connect failed");
	if (SPI_execute_with_args(sql, nargs, (Oid[]) {INT8OID, REGCLASSOID}, args, NULL,
							  true, 2) != SPI_OK_SELECT)
		elog(ERROR, "leadqual: reading Citus's catalogs failed: %s", sql);
	if (SPI_processed == 1)
		found = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
											&isnull));
	SPI_finish();
	return found;
}

/* The shard id a relation's name ends in (Citus names shards so), or 0. */
static int64
shardid_in_name(const char *relname)
{
	const char *underscore = strrchr(relname, '_');
	int64		shardid = 0;

	if (underscore == NULL || underscore[1] == '\0')
		return 0;
	for (const char *c = underscore + 1; *c != '\0'; c++)
	{
		if (*c < '0' || *c > '9' || shardid > (PG_INT64_MAX - 9) / 10)
			return 0;
		shardid = shardid * 10 + (*c - '0');
	}
	return shardid;
}

/*
 * Whether rel, a table a leadqual trigger fires on, is a shard of a table
 * Citus distributes by hash, and which: its shard id, the table, and the
 * table's distribution column in it.  shard->shardid is 0 when it is not.
 */
void
lq_citus_shard_of(Relation rel, LqShard *shard)
{
	int64		shardid = shardid_in_name(RelationGetRelationName(rel));
	Datum		arg;
	bool		isnull;

	memset(shard, 0, sizeof(*shard));
	if (shardid == 0 ||
		!OidIsValid(get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE)))
		return;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadqual: SPI_connect failed");
	arg = Int64GetDatum(shardid);
	if (SPI_execute_with_args("SELECT s.logicalrelid::pg_catalog.oid, "
							  "pg_catalog.column_to_column_name(s.logicalrelid, p.partkey) "
							  "FROM pg_catalog.pg_dist_shard AS s "
							  "JOIN pg_catalog.pg_dist_partition AS p "
							  "ON p.logicalrelid OPERATOR(pg_catalog.=) s.logicalrelid "
							  "WHERE s.shardid OPERATOR(pg_catalog.=) $1 "
							  "AND p.partmethod OPERATOR(pg_catalog.=) 'h'",
							  1, (Oid[]) {INT8OID}, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "leadqual: reading Citus's shards failed");
	if (SPI_processed == 1)
	{
		Oid			table = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
														   SPI_tuptable->tupdesc, 1, &isnull));
		char	   *column = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

		/* a shard is in its table's schema, and named after it */
		if (get_rel_namespace(table) == RelationGetNamespace(rel) && column != NULL)
		{
			shard->shardid = shardid;
			shard->table = table;
			shard->key_attnum = attnameAttNum(rel, column, false);
		}
	}
	SPI_finish();
}

/*
 * The shard of leadqual.<table> co-located with shard "shardid", on this
 * node: the one with the same hash range.  0 if there is none.
 */
static int64
colocated_shardid(int64 shardid, const char *table)
{
	Oid			relid = get_relname_relid(table, get_namespace_oid("leadqual", false));

	/* LQ_LOCAL_COPIES: a reference table's copy on this node, if any */
	if (shardid == LQ_LOCAL_COPIES)
		return catalog_bigint("SELECT s.shardid FROM pg_catalog.pg_dist_shard AS s "
							  "JOIN pg_catalog.pg_dist_placement AS p "
							  "ON p.shardid OPERATOR(pg_catalog.=) s.shardid "
							  "JOIN pg_catalog.pg_dist_partition AS t "
							  "ON t.logicalrelid OPERATOR(pg_catalog.=) s.logicalrelid "
							  "WHERE s.logicalrelid OPERATOR(pg_catalog.=) $2 "
							  "AND t.partmethod OPERATOR(pg_catalog.=) 'n' "
							  "AND p.groupid OPERATOR(pg_catalog.=) "
							  "(SELECT g.groupid FROM pg_catalog.pg_dist_local_group AS g) "
							  "AND $1 IS NOT NULL",
							  2, shardid, relid);
	/* a reference table has one shard, with no hash range, on every node */
	return catalog_bigint("SELECT o.shardid FROM pg_catalog.pg_dist_shard AS s "
						  "JOIN pg_catalog.pg_dist_shard AS o "
						  "ON (o.shardminvalue OPERATOR(pg_catalog.=) s.shardminvalue "
						  "OR o.shardminvalue IS NULL) "
						  "AND o.logicalrelid OPERATOR(pg_catalog.=) $2 "
						  "WHERE s.shardid OPERATOR(pg_catalog.=) $1",
						  2, shardid, relid);
}

/*
 * The base of the ids leadqual gives the rows it writes beside shard
 * "shardid" on this node: the shard's placement here, times 2^40.  Rows
 * take their table's sequence on this node plus it.  A placement id is
 * Citus's, unique in the cluster, and a shard moved gets a new, larger one,
 * so a lead's rows keep increasing ids, in the order they were written,
 * wherever its shard goes (leadqual reads a lead's latest row by id); a
 * node's sequence gives each placement fewer than 2^40 ids.
 */
int64
lq_citus_id_base(int64 shardid)
{
	int64		placement = catalog_bigint("SELECT p.placementid FROM pg_catalog.pg_dist_placement AS p "
										   "WHERE p.shardid OPERATOR(pg_catalog.=) $1 "
										   "AND p.groupid OPERATOR(pg_catalog.=) "
										   "(SELECT g.groupid FROM pg_catalog.pg_dist_local_group AS g)",
										   1, shardid, InvalidOid);

	if (placement <= 0 || placement >= (INT64CONST(1) << 23))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("leadqual: shard " INT64_FORMAT " has placement " INT64_FORMAT " on this node, outside the ids leadqual can give",
						shardid, placement),
				 errhint("leadqual gives ids by placement, from 1 to 2^23 - 1.")));
	return placement << 40;
}

/*
 * The relation of leadqual's, table (index NULL) or index of that table,
 * whose shard is co-located with shard "shardid": Citus names a shard of
 * either after it and the table's shard id.  Errors if it is not on this
 * node, unless missing_ok (then InvalidOid).
 */
Oid
lq_citus_colocated_shard(int64 shardid, const char *relname, bool missing_ok)
{
	ColocatedKey key;
	ColocatedEntry *entry;
	bool		found;

	Assert(shardid != 0);
	if (colocated == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(ColocatedKey);
		ctl.entrysize = sizeof(ColocatedEntry);
		ctl.hcxt = TopMemoryContext;
		colocated = hash_create("leadqual co-located shards", 64, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	memset(&key, 0, sizeof(key));
	key.shardid = shardid;
	namestrcpy(&key.relname, relname);
	entry = hash_search(colocated, &key, HASH_FIND, NULL);
	if (entry == NULL)
	{
		Oid			leadqual = get_namespace_oid("leadqual", false);
		Oid			relid = get_relname_relid(relname, leadqual);
		Oid			table = relid;
		int64		shard;
		char	   *name;

		if (OidIsValid(relid) && get_rel_relkind(relid) == RELKIND_INDEX)
			table = IndexGetRelation(relid, false);
		shard = OidIsValid(table) ? colocated_shardid(shardid, get_rel_name(table)) : 0;
		name = psprintf("%s_" INT64_FORMAT, relname, shard);
		relid = shard == 0 || strlen(name) >= NAMEDATALEN ? InvalidOid
			: get_relname_relid(name, leadqual);
		if (!OidIsValid(relid))
		{
			if (missing_ok)
				return InvalidOid;
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("leadqual: leadqual.%s has no shard on this node beside shard " INT64_FORMAT,
							relname, shardid),
					 errhint("leadqual.distribute() distributes leadqual's tables co-located with the leads table; call leadqual.manage() on a table co-located with them.")));
		}
		entry = hash_search(colocated, &key, HASH_ENTER, &found);
		entry->relid = relid;
	}
	return entry->relid;
}

/*
 * Calls a leadqual trigger's body, and forgets the shard it was writing for
 * when it returns or fails: a write outside a trigger (or in the trigger
 * of a table that is no shard) goes to leadqual's own tables.
 */
Datum
lq_with_shard(FunctionCallInfo fcinfo, PGFunction body)
{
	LqShardWrite saved = lq_shard_write;
	volatile Datum result = (Datum) 0;

	PG_TRY();
	{
		result = body(fcinfo);
	}
	PG_FINALLY();
	{
		lq_shard_write = saved;
	}
	PG_END_TRY();
	return result;
}

/*
 * leadqual's tables Citus distributes: those of per-lead rows, then the
 * reference tables of its configuration (leadqual._per_lead_tables() and
 * leadqual._configuration_tables() in SQL).
 */
static const char *const citus_tables[] = {
	"transition", "lead_merge", "event", "lead_score", "score_change",
	"engagement_state", "owner_turn", "assignment", "touch", "sla_clock",
	"handoff", "funnel_dirty",
#define LQ_FIRST_REFERENCE_TABLE 12
	"rejection_reason", "model", "fit_rule", "engagement_rule", "calendar",
	"business_hours", "holiday", "owner", "sla_policy"
};

/* Whether c may continue an identifier. */
static bool
identifier_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c == '$' || IS_HIGHBIT_SET(c);
}

static char *rewrite_for_shard(char *sql, int64 shardid);

/*
 * Whether Citus distributes leadqual's tables here (leadqual.distribute()
 * ran): known until the next relcache invalidation.
 */
bool
lq_citus_mode(void)
{
	if (citus_mode < 0)
		citus_mode =
			OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)) &&
			catalog_bigint("SELECT 1::pg_catalog.int8 FROM pg_catalog.pg_dist_partition AS p "
						   "WHERE p.logicalrelid OPERATOR(pg_catalog.=) $2 AND $1 IS NOT NULL",
						   2, 0, get_relname_relid("calendar", get_namespace_oid("leadqual", false))) == 1;
	return citus_mode == 1;
}

/*
 * A kept query's text for a trigger firing on shard "shardid": each of
 * leadqual's tables Citus distributes it names, this node's shard of it
 * instead: for a table of per-lead rows, the co-located shard, which holds
 * the rows of this shard's leads; for a reference table, its copy here.
 * So the query is PostgreSQL's alone, on this node: Citus would run a
 * distributed table's query on every node, which a query on a shard may
 * not start, and lock every copy of a reference table it locks rows of,
 * over connections of its own, which wait for this transaction.  NULL when
 * it names none of them.
 */
char *
lq_citus_shard_sql(const char *sql, int64 shardid)
{
	StringInfoData text;
	bool		changed = false;
	const char *c = sql;

	initStringInfo(&text);
	while (*c != '\0')
	{
		bool		replaced = false;

		if (strncmp(c, "leadqual.", 9) == 0 && (c == sql || !identifier_char(c[-1])))
			for (size_t i = shardid == LQ_LOCAL_COPIES ? LQ_FIRST_REFERENCE_TABLE : 0;
				 i < lengthof(citus_tables) && !replaced; i++)
			{
				size_t		length = strlen(citus_tables[i]);
				Oid			shard;

				if (strncmp(c + 9, citus_tables[i], length) == 0 &&
					!identifier_char(c[9 + length]) &&
					OidIsValid(shard = lq_citus_colocated_shard(shardid, citus_tables[i],
																shardid == LQ_LOCAL_COPIES)))
				{

					appendStringInfoString(&text, "leadqual.");
					appendStringInfoString(&text, quote_identifier(get_rel_name(shard)));
					c += 9 + length;
					replaced = changed = true;
				}
			}
		if (!replaced)
			appendStringInfoChar(&text, *c++);
	}
	if (!changed)
	{
		pfree(text.data);
		return NULL;
	}
	if (shardid == LQ_LOCAL_COPIES)
		return text.data;
	return rewrite_for_shard(text.data, shardid);
}

/* sql with every "from" in it replaced by "to"; frees sql if it changed. */
static char *
replace_all(char *sql, const char *from, const char *to)
{
	StringInfoData text;
	char	   *c = sql;
	char	   *found;

	if (strstr(sql, from) == NULL)
		return sql;
	initStringInfo(&text);
	while ((found = strstr(c, from)) != NULL)
	{
		appendBinaryStringInfo(&text, c, found - c);
		appendStringInfoString(&text, to);
		c = found + strlen(from);
	}
	appendStringInfoString(&text, c);
	pfree(sql);
	return text.data;
}

/*
 * A query on shards, with every ON CONFLICT (lead_table, lead_id) taking
 * shard_key too (a shard's unique keys hold it last: leadqual.distribute();
 * a lead has one distribution value, so the rows conflict as before), and
 * every id of the log it takes from the sequence with the base of the ids
 * on this shard's placement (lq_citus_id_base()), as own_table.c gives the
 * rows it writes.
 */
static char *
rewrite_for_shard(char *sql, int64 shardid)
{
	static const char next_id[] = "pg_catalog.nextval('leadqual.transition_id_seq'::pg_catalog.regclass)";

	sql = replace_all(sql, "ON CONFLICT (lead_table, lead_id)",
					  "ON CONFLICT (lead_table, lead_id, shard_key)");
	if (strstr(sql, next_id) == NULL)
		return sql;
	return replace_all(sql, next_id,
					   psprintf("(%s OPERATOR(pg_catalog.+) " INT64_FORMAT "::pg_catalog.int8)",
								next_id, lq_citus_id_base(shardid)));
}

/*
 * leadqual._shard_key() RETURNS text: the distribution value of the lead a
 * trigger firing on a shard writes for, as text; NULL elsewhere.  The
 * default of shard_key in leadqual's distributed tables (cast to its
 * type), for the rows its queries on shards insert.
 */
PG_FUNCTION_INFO_V1(leadqual_shard_key);
Datum
leadqual_shard_key(PG_FUNCTION_ARGS)
{
	Oid			output;
	bool		varlena;

	if (lq_shard_write.shardid == 0 || lq_shard_write.key_isnull)
		PG_RETURN_NULL();
	getTypeOutputInfo(lq_shard_write.key_type, &output, &varlena);
	PG_RETURN_TEXT_P(cstring_to_text(OidOutputFunctionCall(output, lq_shard_write.key)));
}

/*
 * Whether rel is leadqual.<name>, or the shard of it beside the shard a
 * leadqual trigger is writing for (lq_shard_write): the triggers of
 * leadqual's own tables fire on their shards too, under the trigger whose
 * query on shards changed them.
 */
bool
lq_is_own_table(Relation rel, const char *name)
{
	Oid			relid = RelationGetRelid(rel);

	if (relid == get_relname_relid(name, get_namespace_oid("leadqual", false)))
		return true;
	return lq_shard_write.shardid != 0 &&
		relid == lq_citus_colocated_shard(lq_shard_write.shardid, name, true);
}
