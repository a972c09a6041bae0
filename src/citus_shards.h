/*
 * citus_shards.h
 *		Where leadqual writes when its triggers fire on a shard of a table
 *		Citus distributes: the co-located shards of its own tables
 *		(citus_shards.c).
 */
#ifndef LQ_CITUS_SHARDS_H
#define LQ_CITUS_SHARDS_H

#include "postgres.h"

#include "access/attnum.h"
#include "fmgr.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"

/* A shard of a distributed leads table, as a trigger firing on it sees it. */
typedef struct LqShard
{
	int64		shardid;		/* 0: the relation is no shard */
	Oid			table;			/* the distributed table, on this node */
	AttrNumber	key_attnum;		/* its distribution column, in the shard */
} LqShard;

/*
 * The shard a leadqual trigger is writing for, and the distribution value
 * of its lead: set for the trigger's call by lq_with_shard(), read by
 * own_table.c and own_index.c, which then open the co-located shard of the
 * table or index they name.  shardid 0: no shard, leadqual's own tables.
 */
typedef struct LqShardWrite
{
	int64		shardid;
	Datum		key;
	bool		key_isnull;
	Oid			key_type;
} LqShardWrite;

extern PGDLLIMPORT LqShardWrite lq_shard_write;
extern PGDLLIMPORT uint64 lq_citus_generation;

/*
 * The "shard" whose co-located shards are this node's copies of leadqual's
 * reference tables: lq_citus_shard_sql() then names those, and nothing
 * else, outside a trigger firing on a shard.
 */
#define LQ_LOCAL_COPIES INT64CONST(-1)

extern bool lq_citus_mode(void);
extern void lq_citus_shard_of(Relation rel, LqShard *shard);
extern Oid	lq_citus_colocated_shard(int64 shardid, const char *relname, bool missing_ok);
extern int64 lq_citus_id_base(int64 shardid, const char *table);
extern char *lq_citus_shard_sql(const char *sql, int64 shardid);
extern bool lq_is_own_table(Relation rel, const char *name);
extern Oid	lq_cached_relation(Relation rel);
extern Datum lq_with_shard(FunctionCallInfo fcinfo, PGFunction body);
extern void lq_citus_shards_changed(Oid relid);
extern int64 lq_citus_own_shard(Relation rel, const char *name);
extern Oid	lq_citus_lead_shard(int64 shardid, Oid logged);
extern void lq_write_beside_lead(int64 shardid, Datum key, bool key_isnull, Oid key_type);
extern char *lq_citus_distribution_column(Oid relid);
extern Oid	lq_citus_managed_table_here(Oid logged);

struct LqTableConfig;
extern struct LqTableConfig *lq_citus_lead_shard_config(int64 shardid, Oid logged,
														const char *table, const char *row,
														const char *rows, const char *recorder);
extern int64 lq_citus_rescore(struct LqTableConfig *config, TimestampTz as_of, bool due_only);
extern void lq_citus_insert_beside_lead(struct LqTableConfig *config, int which,
										const char *columns, int nargs,
										const Oid *argtypes, Datum *values,
										const char *missing_hint);

/* lq_citus_insert_beside_lead()'s tables */
#define LQ_BESIDE_LEAD_EVENT 0
#define LQ_BESIDE_LEAD_TOUCH 1

#endif							/* LQ_CITUS_SHARDS_H */
