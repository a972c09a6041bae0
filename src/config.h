/*
 * config.h
 *		The settings of each managed table, parsed from its trigger and
 *		cached per backend (config.c).
 */
#ifndef LQ_CONFIG_H
#define LQ_CONFIG_H

#include "postgres.h"

#include "access/attnum.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/relcache.h"

#include "citus_shards.h"
#include "fit.h"
#include "score.h"
#include "stage.h"
#include "trust_boundary.h"

#define LQ_MAX_PARTITION_KEY_COLUMNS 32

/* _score_leads()'s queries a table keeps (score_leads.c). */
#define LQ_SCORE_QUERIES 4
/* leadqual's tables of rows inserted beside a lead's on Citus: event, touch */
#define LQ_BESIDE_LEAD_TABLES 2

/* Longest lead id, as text, the log takes: it must fit a btree entry. */
#define LQ_MAX_LEAD_ID_BYTES 1000

/*
 * One managed table's settings, parsed from the arguments of its
 * leadqual.qualify trigger and resolved against its tuple descriptor.
 *
 * Entries are keyed by trigger OID and never removed, only rebuilt in place
 * after an invalidation, so a pointer held across SPI calls stays valid.
 */
typedef struct LqTableConfig
{
	Oid			trigger_oid;	/* hash key */
	bool		valid;
	Oid			relid;			/* the table the trigger fires on */
	Oid			log_relid;		/* what the log records: the partition root,
								 * or for a shard of a table Citus
								 * distributes, the table's OID on the
								 * coordinator (its table_oid= setting) */
	Oid			rows_relid;		/* where leadqual's queries read the table's
								 * rows: log_relid, or on a shard the shard */
	LqShard		shard;			/* shardid 0: the table is no shard */
	bool		distributed;	/* Citus distributes the table (table_oid=) */
	/* schema.table, each part quoted: every character may double, plus quotes */
	char		display_name[2 * (2 * NAMEDATALEN + 2) + 2];

	NameData	id_column;
	NameData	score_column;
	NameData	stage_column;
	NameData	owner_column;	/* empty without owner_column= */
	AttrNumber	id_attnum;
	AttrNumber	score_attnum;
	AttrNumber	stage_attnum;
	AttrNumber	owner_attnum;	/* InvalidAttrNumber: no owner column */
	FmgrInfo	owner_output;
	FmgrInfo	owner_input;	/* writes the owner round-robin picked */
	Oid			owner_typioparam;
	int32		owner_typmod;
	Oid			id_type;
	FmgrInfo	id_output;
	LqScoreKind score_kind;
	Oid			stage_type;		/* leadqual.lifecycle_stage */

	LqThreshold threshold;
	LqStage		promote_to;

	/* NULL when the application writes the scores (a fixed threshold) */
	LqModel    *model;
	MemoryContext model_cxt;	/* holds *model, the threshold and the query
								 * texts below; reset on every rebuild */

	/*
	 * For a partition: its columns that any ancestor partitions by, so an
	 * UPDATE can tell whether it may move the row to another partition.
	 */
	int			partition_key_count;
	AttrNumber	partition_key_attnums[LQ_MAX_PARTITION_KEY_COLUMNS];
	bool		partition_key_unknown;	/* expressions, or too many columns */

	/* leadqual.reject()'s UPDATE, prepared on first use */
	SPIPlanPtr	reject_plan;

	/*
	 * The caller's side of leadqual._store_scores() for a few leads, and
	 * the lock a touch takes on its lead; kept across rebuilds.  Their
	 * texts name the table's columns: each is built once per rebuild, in
	 * model_cxt (NULL until first needed), and its plan is kept for as long
	 * as the text stays the same.
	 */
	LqKeptQuery few_fits_query;
	LqKeptQuery touch_lock_query;
	LqKeptQuery lead_exists_query;	/* lead_identity.c */
	/* on the coordinator, track()'s and touch()'s INSERT beside a lead's row (citus_shards.c) */
	LqKeptQuery beside_lead_queries[LQ_BESIDE_LEAD_TABLES];
	char	   *beside_lead_sql[LQ_BESIDE_LEAD_TABLES];
	LqKeptQuery beside_lead_key_query;	/* the lead's distribution value */
	char	   *beside_lead_key_sql;
	Oid			beside_lead_key_type;
	bool		beside_lead_by_id;	/* distributed by the id column */
	/*
	 * _score_leads()'s queries for given leads (score_leads.c): their texts,
	 * built in model_cxt on first use after a rebuild, and their plans for
	 * few leads.
	 */
	char	   *score_sql[LQ_SCORE_QUERIES];
	LqKeptQuery score_queries[LQ_SCORE_QUERIES];
	char	   *few_fits_sql;
	char	   *touch_lock_sql;
	char	   *lead_exists_sql;
	/* the model's engagement rules, loaded in model_cxt on first use */
	struct LqEngagementRules *engagement_rules;
} LqTableConfig;

extern void lq_table_configs_changed(Oid relid);
extern LqTableConfig *lq_config_for_trigger(Relation rel, Trigger *trigger);
extern Trigger *lq_find_qualify_trigger(Relation rel);
extern LqTableConfig *lq_config_if_managed(Oid relid);
extern char *lq_qualified_name(Oid relid);
extern void lq_refuse_distributed(const LqTableConfig *config, const char *caller);
extern LqTableConfig *lq_config_for_scored_table(Oid relid, const char *caller);
extern LqTableConfig *lq_config_for_table(Oid relid, const char *caller);

#endif							/* LQ_CONFIG_H */
