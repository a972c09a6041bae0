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
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "citus_shards.h"
#include "config.h"
#include "lead_identity.h"
#include "score_leads.h"
#include "trust_boundary.h"

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

static void forget_shard_lookups(Oid relid);

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
	else
		forget_shard_lookups(relid);
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
 * The base of the ids leadqual gives the rows of leadqual.<table> it writes
 * beside shard "shardid" on this node; a row's id is the table's sequence
 * on this node plus it.  It is the shard's placement id here times 2^40: a
 * placement id is unique in the cluster, and a node's sequence gives each
 * placement fewer than 2^40 ids.  But a shard moved keeps its placement id
 * in a worker's catalog (Citus updates the placement's node there in
 * place; only the coordinator's gets a new id), and brings rows whose ids
 * came from the other node's sequence.  So when the co-located shard of
 * the table already has ids in that range or a later one, the base is the
 * range of its newest id, and this node's sequence is moved past that id:
 * a lead's rows keep increasing ids, in the order they were written,
 * wherever its shard goes (leadqual reads a lead's latest row by id), and
 * no id is given twice.  Read once a shard and table per backend.
 */
int64
lq_citus_id_base(int64 shardid, const char *table)
{
	int64		placement = catalog_bigint("SELECT p.placementid FROM pg_catalog.pg_dist_placement AS p "
										   "WHERE p.shardid OPERATOR(pg_catalog.=) $1 "
										   "AND p.groupid OPERATOR(pg_catalog.=) "
										   "(SELECT g.groupid FROM pg_catalog.pg_dist_local_group AS g)",
										   1, shardid, InvalidOid);
	Oid			own = lq_citus_colocated_shard(shardid, table, false);
	Datum		args[2];
	bool		isnull;
	int64		newest = 0;

	if (placement <= 0 || placement >= (INT64CONST(1) << 23))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("leadqual: shard " INT64_FORMAT " has placement " INT64_FORMAT " on this node, outside the ids leadqual can give",
						shardid, placement),
				 errhint("leadqual gives ids by placement, from 1 to 2^23 - 1.")));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadqual: SPI_connect failed");
	if (SPI_execute(psprintf("SELECT pg_catalog.max(id) FROM %s", lq_qualified_name(own)),
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "leadqual: reading the newest id of %s failed", lq_qualified_name(own));
	if (SPI_processed == 1)
	{
		Datum		max = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			newest = DatumGetInt64(max);
	}
	if ((newest >> 40) >= placement)
	{
		/* past the newest id, never back: setval() only when nextval() is not */
		args[0] = CStringGetTextDatum(psprintf("leadqual.%s", table));
		args[1] = Int64GetDatum(newest & ((INT64CONST(1) << 40) - 1));
		if (SPI_execute_with_args("SELECT CASE WHEN pg_catalog.nextval(s.seq) OPERATOR(pg_catalog.<=) $2 "
								  "THEN pg_catalog.setval(s.seq, $2) END "
								  "FROM (SELECT pg_catalog.pg_get_serial_sequence($1, 'id')::pg_catalog.regclass AS seq) AS s",
								  2, (Oid[]) {TEXTOID, INT8OID}, args, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "leadqual: moving the sequence of leadqual.%s past its ids failed", table);
		placement = newest >> 40;
	}
	SPI_finish();
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
								next_id, lq_citus_id_base(shardid, "transition")));
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
 * Whether rel is leadqual.<name>, or a shard of it on this node: the
 * triggers of leadqual's own tables fire on their shards too, under the
 * trigger whose query on shards changed them, or for the rows track() and
 * touch() insert beside a lead's.
 */
bool
lq_is_own_table(Relation rel, const char *name)
{
	Oid			relid = RelationGetRelid(rel);

	if (relid == get_relname_relid(name, get_namespace_oid("leadqual", false)))
		return true;
	return lq_citus_own_shard(rel, name) != 0;
}

/*
 * A backend's lookups, in *lookups, emptied when lq_citus_generation says
 * they may have gone stale (a shard moved, or every relation invalidated).
 */
static void
current_lookups(HTAB **lookups, uint64 *generation, const char *name, Size keysize,
				Size entrysize)
{
	HASHCTL		ctl;

	if (*lookups != NULL && *generation == lq_citus_generation)
		return;
	if (*lookups != NULL)
		hash_destroy(*lookups);
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = TopMemoryContext;
	*lookups = hash_create(name, 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	*generation = lq_citus_generation;
}

/* A relation found to be a shard of one of leadqual's tables, or not. */
typedef struct OwnShardEntry
{
	Oid			relid;			/* hash key */
	int64		shardid;		/* 0: no shard of leadqual's */
	Oid			table;			/* leadqual's table, on this node */
} OwnShardEntry;

static HTAB *own_shards = NULL;
static uint64 own_shards_generation = 0;

/*
 * The relation whose relcache invalidation tells leadqual's caches that
 * "rel" changed: rel itself, or for a shard of one of leadqual's reference
 * tables, the table, whose OID the caches know.  On a Citus node the
 * statement triggers of leadqual's configuration fire on its shards there
 * (leadqual.fit_rule_102074).  By name: only the extension's owner creates
 * relations in its schema, and a needless invalidation is harmless.
 */
Oid
lq_cached_relation(Relation rel)
{
	const char *name = RelationGetRelationName(rel);
	Oid			schema = get_namespace_oid("leadqual", false);

	if (RelationGetNamespace(rel) != schema || shardid_in_name(name) == 0)
		return RelationGetRelid(rel);
	for (size_t i = LQ_FIRST_REFERENCE_TABLE; i < lengthof(citus_tables); i++)
	{
		size_t		len = strlen(citus_tables[i]);

		/* "<table>_<digits>", the digits after its last underscore */
		if (strncmp(name, citus_tables[i], len) == 0 && name[len] == '_' &&
			strchr(name + len + 1, '_') == NULL)
			return get_relname_relid(citus_tables[i], schema);
	}
	return RelationGetRelid(rel);
}

/*
 * If rel is a shard of leadqual.<name> (Citus distributes it by
 * shard_key), its shard id; else 0.  Known for the backend until an
 * invalidation.
 */
int64
lq_citus_own_shard(Relation rel, const char *name)
{
	Oid			relid = RelationGetRelid(rel);
	OwnShardEntry *entry;
	bool		found;

	current_lookups(&own_shards, &own_shards_generation, "leadqual's own shards",
					sizeof(Oid), sizeof(OwnShardEntry));
	entry = hash_search(own_shards, &relid, HASH_FIND, NULL);
	if (entry == NULL)
	{
		LqShard		shard;

		lq_citus_shard_of(rel, &shard);
		entry = hash_search(own_shards, &relid, HASH_ENTER, &found);
		entry->shardid = shard.shardid;
		entry->table = shard.table;
	}
	if (entry->shardid == 0 ||
		entry->table != get_relname_relid(name, get_namespace_oid("leadqual", false)))
		return 0;
	return entry->shardid;
}

/* A managed table's shard found beside a shard of leadqual's. */
typedef struct LeadShardKey
{
	int64		shardid;		/* the shard of leadqual's table */
	Oid			logged;			/* the managed table's OID on the coordinator */
} LeadShardKey;

typedef struct LeadShardEntry
{
	LeadShardKey key;
	Oid			relid;			/* its shard on this node; InvalidOid: none */
} LeadShardEntry;

static HTAB *lead_shards = NULL;
static uint64 lead_shards_generation = 0;

/*
 * The shard on this node, beside shard "shardid" of one of leadqual's
 * tables, of the managed table Citus distributes whose OID on the
 * coordinator is "logged" (a row's lead_table); InvalidOid if there is
 * none.  Its leadqual.qualify trigger's table_oid= says so: the OID itself
 * names another relation, or none, on a worker.
 */
Oid
lq_citus_lead_shard(int64 shardid, Oid logged)
{
	LeadShardKey key = {shardid, logged};
	LeadShardEntry *entry;
	bool		found;

	current_lookups(&lead_shards, &lead_shards_generation, "leadqual's leads shards",
					sizeof(LeadShardKey), sizeof(LeadShardEntry));
	entry = hash_search(lead_shards, &key, HASH_FIND, NULL);
	if (entry == NULL)
	{
		Datum		arg = Int64GetDatum(shardid);
		Oid			found_relid = InvalidOid;
		MemoryContext caller_cxt = CurrentMemoryContext;
		int			n;
		Oid		   *tables;
		int64	   *shards;

		/* the co-located shards of managed tables, on this node */
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "leadqual: SPI_connect failed");
		if (SPI_execute_with_args("SELECT o.logicalrelid::pg_catalog.oid, o.shardid "
								  "FROM pg_catalog.pg_dist_shard AS s "
								  "JOIN pg_catalog.pg_dist_partition AS sp "
								  "ON sp.logicalrelid OPERATOR(pg_catalog.=) s.logicalrelid "
								  "JOIN pg_catalog.pg_dist_partition AS op "
								  "ON op.colocationid OPERATOR(pg_catalog.=) sp.colocationid "
								  "JOIN pg_catalog.pg_dist_shard AS o "
								  "ON o.logicalrelid OPERATOR(pg_catalog.=) op.logicalrelid "
								  "AND o.shardminvalue OPERATOR(pg_catalog.=) s.shardminvalue "
								  "WHERE s.shardid OPERATOR(pg_catalog.=) $1 "
								  "AND EXISTS (SELECT FROM pg_catalog.pg_trigger AS t "
								  "            WHERE t.tgrelid OPERATOR(pg_catalog.=) o.logicalrelid "
								  "            AND t.tgfoid OPERATOR(pg_catalog.=) 'leadqual.qualify()'::pg_catalog.regprocedure)",
								  1, (Oid[]) {INT8OID}, &arg, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "leadqual: reading Citus's shards failed");
		n = (int) SPI_processed;
		tables = MemoryContextAlloc(caller_cxt, sizeof(Oid) * Max(n, 1));
		shards = MemoryContextAlloc(caller_cxt, sizeof(int64) * Max(n, 1));
		for (int i = 0; i < n; i++)
		{
			bool		isnull;

			tables[i] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
			shards[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
		}
		SPI_finish();
		for (int i = 0; i < n && !OidIsValid(found_relid); i++)
		{
			LqTableConfig *config = lq_config_if_managed(tables[i]);
			char	   *name = psprintf("%s_" INT64_FORMAT, get_rel_name(tables[i]), shards[i]);

			if (config != NULL && config->distributed && config->log_relid == logged &&
				strlen(name) < NAMEDATALEN)
				found_relid = get_relname_relid(name, get_rel_namespace(tables[i]));
		}
		/* not kept when missing: the shard may arrive (a move keeps its id) */
		if (!OidIsValid(found_relid))
			return InvalidOid;
		entry = hash_search(lead_shards, &key, HASH_ENTER, &found);
		entry->relid = found_relid;
	}
	return entry->relid;
}

/*
 * For a row of leadqual.<table> (event or touch) on shard "shardid" of it,
 * which names its lead's table by "logged": the settings of that table's
 * shard beside it on this node (lq_citus_lead_shard()), or NULL when
 * leadqual manages no such table, whose rows are only stored.  A row
 * naming a distributed table by this node's own OID of it was inserted by
 * hand, which Citus sends by name: refused, "row" and "rows" saying what
 * it is, "recorder" the function that records such rows.
 */
LqTableConfig *
lq_citus_lead_shard_config(int64 shardid, Oid logged, const char *table, const char *row,
						   const char *rows, const char *recorder)
{
	Oid			rows_relid = lq_citus_lead_shard(shardid, logged);
	LqTableConfig *named;

	if (OidIsValid(rows_relid))
		return lq_config_if_managed(rows_relid);
	named = lq_config_if_managed(logged);
	if (named != NULL && named->distributed)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("leadqual: %s of table %s was inserted into leadqual.%s by hand, on a cluster where Citus distributes it",
						row, named->display_name, table),
				 errhint("Record %s of a distributed table with leadqual.%s(), which records the table as the coordinator names it.",
						 rows, recorder)));
	return NULL;
}

/*
 * For the rows of one lead: leadqual writes beside its row in shard
 * "shardid" (lq_shard_write), with its distribution value.  Until the
 * caller restores what it saved, as lq_with_shard() does.
 */
void
lq_write_beside_lead(int64 shardid, Datum key, bool key_isnull, Oid key_type)
{
	Assert(shardid != 0);
	lq_shard_write.shardid = shardid;
	lq_shard_write.key = key;
	lq_shard_write.key_isnull = key_isnull;
	lq_shard_write.key_type = key_type;
}

/*
 * The distribution column of a table Citus distributes: where leadqual
 * takes the shard_key of rows it inserts beside a lead's.
 */
char *
lq_citus_distribution_column(Oid relid)
{
	Datum		arg = ObjectIdGetDatum(relid);
	MemoryContext caller_cxt = CurrentMemoryContext;
	char	   *column = NULL;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadqual: SPI_connect failed");
	if (SPI_execute_with_args("SELECT pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) "
							  "FROM pg_catalog.pg_dist_partition AS p "
							  "WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1 "
							  "AND p.partmethod OPERATOR(pg_catalog.=) 'h'",
							  1, (Oid[]) {REGCLASSOID}, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "leadqual: reading Citus's tables failed");
	if (SPI_processed == 1)
	{
		char	   *name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (name != NULL)
			column = MemoryContextStrdup(caller_cxt, name);
	}
	SPI_finish();
	if (column == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("leadqual: table %s is not distributed by hash", lq_qualified_name(relid)),
				 errhint("leadqual.manage() takes a table Citus distributes by hash, co-located with leadqual's tables.")));
	return column;
}

/*
 * leadqual._logged_table(shard oid) RETURNS regclass: the OID on the
 * coordinator of the managed table Citus distributes whose shard, on this
 * node, "shard" is: what leadqual's rows name the table by.  STABLE, and
 * of a column, so that Citus runs it beside the lead's row when track()
 * and touch() insert from it.  Errors for anything else.
 */
PG_FUNCTION_INFO_V1(leadqual_logged_table);
Datum
leadqual_logged_table(PG_FUNCTION_ARGS)
{
	Oid			shard = PG_GETARG_OID(0);
	LqTableConfig *config = lq_config_if_managed(shard);

	if (config == NULL || config->shard.shardid == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual._logged_table: relation %u is no shard of a managed table Citus distributes",
						shard),
				 errhint("track() and touch() call it on a distributed table's rows; don't call it.")));
	PG_RETURN_OID(config->log_relid);
}

/*
 * relid's relcache entry was invalidated: a relation looked up here may
 * have been dropped, and its OID may name a new one.
 */
static void
forget_shard_lookups(Oid relid)
{
	HASH_SEQ_STATUS status;
	LeadShardEntry *entry;

	if (own_shards != NULL)
		hash_search(own_shards, &relid, HASH_REMOVE, NULL);
	if (lead_shards == NULL)
		return;
	hash_seq_init(&status, lead_shards);
	while ((entry = hash_seq_search(&status)) != NULL)
		if (entry->relid == relid)
			hash_search(lead_shards, &entry->key, HASH_REMOVE, NULL);
}

/* P0002 for a lead the caller does not see, as on one node. */
static void
no_such_lead(LqTableConfig *config, Datum lead_id, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_NO_DATA_FOUND),
			 errmsg("leadqual: lead \"%s\" of table %s does not exist",
					TextDatumGetCString(lead_id), config->display_name),
			 errhint("%s", hint)));
}

/*
 * On the coordinator, for the lead of id lead_id of a table Citus
 * distributes: inserts one row of leadqual.<table> (event or touch), as
 * the caller, by an INSERT ... SELECT from the lead's row, which Citus runs
 * beside it on the lead's shard.  So the row lands on the shard beside the
 * lead's, with the lead's distribution value for shard_key, and its
 * trigger there scores the lead or stops its clocks in the worker's own
 * transaction.  The row names the table by its OID on the coordinator,
 * which _logged_table() reads beside the row: Citus would send a regclass
 * constant by name, which a worker reads as its own OID.  "columns" take
 * the values from $2 on ($1 is the lead id); they give every column whose
 * default isn't the same on every node.  Errors with no_data_found, and
 * missing_hint, when the caller sees no such lead, as on one node.
 *
 * The lead's distribution value is read first, unless it is the lead's
 * id: then the INSERT names it, and Citus runs it on the one shard, over
 * the connection it keeps to that worker, rather than on every shard.
 */
void
lq_citus_insert_beside_lead(LqTableConfig *config, int which, const char *columns,
							int nargs, const Oid *argtypes, Datum *values,
							const char *missing_hint)
{
	static const char *const tables[LQ_BESIDE_LEAD_TABLES] = {"event", "touch"};
	ArrayBuildState *ids = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	Oid			types[LQ_MAX_QUERY_ARGS];
	Datum		args[LQ_MAX_QUERY_ARGS];
	bool		isnull;

	Assert(which >= 0 && which < LQ_BESIDE_LEAD_TABLES && argtypes[0] == TEXTOID);
	Assert(config->distributed && config->shard.shardid == 0);
	Assert(nargs < LQ_MAX_QUERY_ARGS);
	if (config->beside_lead_sql[which] == NULL)
	{
		char	   *column = lq_citus_distribution_column(config->relid);
		const char *key = quote_identifier(column);
		StringInfoData sql;

		config->beside_lead_key_type = get_atttype(config->relid, get_attnum(config->relid, column));
		config->beside_lead_by_id = strcmp(column, NameStr(config->id_column)) == 0;
		config->beside_lead_key_sql =
			MemoryContextStrdup(config->model_cxt,
								psprintf("SELECT l.%s FROM %s AS l WHERE %s", key,
										 lq_qualified_name(config->relid),
										 lq_lead_id_matches(config, 1, "leadqual")));
		initStringInfo(&sql);
		appendStringInfo(&sql, "INSERT INTO leadqual.%s (lead_table, lead_id, %s, shard_key) "
						 "SELECT leadqual._logged_table(l.tableoid), $1",
						 tables[which], columns);
		for (int i = 2; i <= nargs; i++)
			appendStringInfo(&sql, ", $%d", i);
		appendStringInfo(&sql, ", l.%s FROM %s AS l WHERE %s", key, lq_qualified_name(config->relid),
						 lq_lead_id_matches(config, 1, "leadqual"));
		if (!config->beside_lead_by_id)
			appendStringInfo(&sql, " AND l.%s OPERATOR(pg_catalog.=) $%d", key, nargs + 1);
		config->beside_lead_sql[which] = MemoryContextStrdup(config->model_cxt, sql.data);
	}
	/* an id its column can't hold names no lead: the cast would fail instead */
	ids = accumArrayResult(ids, values[0], false, TEXTOID, CurrentMemoryContext);
	lq_require_castable_lead_ids(config, makeArrayResult(ids, CurrentMemoryContext));

	memcpy(types, argtypes, sizeof(Oid) * nargs);
	memcpy(args, values, sizeof(Datum) * nargs);
	if (!config->beside_lead_by_id)
	{
		lq_set_kept_query(&config->beside_lead_key_query, config->beside_lead_key_sql, 1,
						  argtypes, 0);
		lq_run_kept(&config->beside_lead_key_query, values, NULL, 1);
		if (SPI_processed == 0)
			no_such_lead(config, values[0], missing_hint);
		types[nargs] = config->beside_lead_key_type;
		args[nargs] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		Assert(!isnull);		/* Citus's distribution columns are NOT NULL */
	}
	lq_set_kept_query(&config->beside_lead_queries[which], config->beside_lead_sql[which],
					  nargs + !config->beside_lead_by_id, types, 0);
	lq_run_kept(&config->beside_lead_queries[which], args, NULL, 0);
	if (SPI_processed == 0)
		no_such_lead(config, values[0], missing_hint);
}

/*
 * On the coordinator: rescore() (rescore_due() with due_only) of a table
 * Citus distributes, as of as_of, as the caller; how many scores changed.
 * Shard-parallel: a query over the table's rows calls _rescore_shard(),
 * which Citus runs a task a shard, in parallel on the workers, each of
 * which rescores its shard there, its first row rescoring it (leadqual's
 * rows of its leads are in the co-located shards beside it).  Citus
 * commits each worker's part as it does a read's, by one-phase commit:
 * docs/scale-out.md says what that means.
 */
int64
lq_citus_rescore(LqTableConfig *config, TimestampTz as_of, bool due_only)
{
	Oid			argtypes[2] = {TIMESTAMPTZOID, BOOLOID};
	Datum		args[2] = {TimestampTzGetDatum(as_of), BoolGetDatum(due_only)};
	char	   *sql;
	int64		changed = 0;
	bool		isnull;

	Assert(config->distributed && config->shard.shardid == 0);
	sql = psprintf("SELECT pg_catalog.sum(leadqual._rescore_shard(l.tableoid, $1, $2))::pg_catalog.int8 "
				   "FROM %s AS l", lq_qualified_name(config->relid));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadqual: SPI_connect failed");
	if (SPI_execute_with_args(sql, 2, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "leadqual: \"%s\" failed", sql);
	if (SPI_processed == 1)
	{
		Datum		sum = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			changed = DatumGetInt64(sum);
	}
	SPI_finish();
	return changed;
}

/*
 * The managed table on this node that leadqual's rows name "logged" (their
 * lead_table, the table's OID on the coordinator): on the coordinator the
 * distributed table itself, on a worker its shell, which has the same
 * grants, policies and leadqual.qualify trigger; InvalidOid if none.  A
 * worker's own OID "logged" may name another relation, or none.
 */
Oid
lq_citus_managed_table_here(Oid logged)
{
	Oid			found_relid = InvalidOid;
	MemoryContext caller_cxt = CurrentMemoryContext;
	Oid		   *tables;
	int			n;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadqual: SPI_connect failed");
	/* Citus's tables, not their shards, with leadqual's trigger */
	if (SPI_execute("SELECT t.tgrelid FROM pg_catalog.pg_trigger AS t "
					"JOIN pg_catalog.pg_dist_partition AS p "
					"ON p.logicalrelid OPERATOR(pg_catalog.=) t.tgrelid "
					"WHERE t.tgfoid OPERATOR(pg_catalog.=) 'leadqual.qualify()'::pg_catalog.regprocedure",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "leadqual: reading Citus's tables failed");
	n = (int) SPI_processed;
	tables = MemoryContextAlloc(caller_cxt, sizeof(Oid) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		bool		isnull;

		tables[i] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
	}
	SPI_finish();
	for (int i = 0; i < n && !OidIsValid(found_relid); i++)
	{
		LqTableConfig *config = lq_config_if_managed(tables[i]);

		if (config != NULL && config->distributed && config->shard.shardid == 0 &&
			config->log_relid == logged)
			found_relid = tables[i];
	}
	pfree(tables);
	return found_relid;
}
