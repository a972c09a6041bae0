/*
 * config.c
 *		The settings of each managed table, cached per backend.
 *
 * leadqual.manage() stores a table's settings as the arguments of its
 * leadqual triggers ("threshold=50", ...).  They travel with the
 * table through pg_dump, are transactional, and any change to them, or to
 * the table, sends a relcache invalidation.  The trigger therefore reads its
 * configuration without SPI: it parses the arguments once, resolves the
 * columns, and keeps the result here until the table's relcache entry is
 * invalidated.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "funcapi.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "compat.h"
#include "config.h"
#include "fit.h"
#include "reject.h"
#include "score.h"

static MemoryContext config_cxt = NULL;
static HTAB *config_by_trigger = NULL;

/*
 * The relcache entry of relid (InvalidOid: of every relation) was
 * invalidated: the entries of its triggers, and of every model if it is a
 * model table, are rebuilt at their next use.  Called from leadqual's
 * relcache callback (cache_invalidation.c).
 */
void
lq_table_configs_changed(Oid relid)
{
	HASH_SEQ_STATUS status;
	LqTableConfig *entry;

	if (config_by_trigger == NULL)
		return;
	hash_seq_init(&status, config_by_trigger);
	while ((entry = hash_seq_search(&status)) != NULL)
		if (relid == InvalidOid || entry->relid == relid ||
			(entry->model != NULL && lq_is_model_table(relid)))
			entry->valid = false;
}

static HTAB *
config_hash(void)
{
	HASHCTL		ctl;

	if (config_by_trigger != NULL)
		return config_by_trigger;

	config_cxt = AllocSetContextCreate(TopMemoryContext,
									   "leadqual config cache",
									   ALLOCSET_SMALL_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(LqTableConfig);
	ctl.hcxt = config_cxt;
	config_by_trigger = hash_create("leadqual config by trigger", 16, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	return config_by_trigger;
}

/* schema.table, quoted where needed, as messages show it */
char *
lq_qualified_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

static void
report_bad_argument(Relation rel, Trigger *trigger, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("leadqual: trigger \"%s\" on table %s has invalid arguments",
					trigger->tgname, lq_qualified_name(RelationGetRelid(rel))),
			 errdetail_internal("%s", detail),
			 errhint("Attach leadqual's triggers with leadqual.manage(), not with CREATE TRIGGER.")));
}

/*
 * The settings manage() writes into a trigger's arguments, as "key=value".
 * Parsing them never errors: it names the first problem instead, so that
 * the trigger can refuse to run and the leadqual.managed view can show the
 * problem, whoever made the trigger.
 */
typedef enum LqSettingKey
{
	LQ_SET_ID_COLUMN,
	LQ_SET_SCORE_COLUMN,
	LQ_SET_STAGE_COLUMN,
	LQ_SET_THRESHOLD,
	LQ_SET_PROMOTE_TO,
	LQ_SET_MODEL,
	LQ_SET_OWNER_COLUMN,
	LQ_SET_TABLE_OID,
	LQ_NUM_SETTINGS
} LqSettingKey;

static const char *const setting_names[LQ_NUM_SETTINGS] = {
	"id_column", "score_column", "stage_column", "threshold", "promote_to",
	"model", "owner_column", "table_oid"
};

/* Longest threshold taken, in characters: numeric's input never overflows. */
#define LQ_MAX_THRESHOLD_LENGTH 1000

typedef struct LqSettings
{
	const char *values[LQ_NUM_SETTINGS];	/* NULL: not given */
} LqSettings;

/* Sets *key to the setting the argument gives; false if none. */
static bool
setting_key(const char *arg, LqSettingKey *key)
{
	const char *equals = strchr(arg, '=');

	if (equals == NULL)
		return false;
	for (int i = 0; i < LQ_NUM_SETTINGS; i++)
		if (strlen(setting_names[i]) == (size_t) (equals - arg) &&
			strncmp(arg, setting_names[i], equals - arg) == 0)
		{
			*key = (LqSettingKey) i;
			return true;
		}
	return false;
}

/* At most 64 bytes of an argument, cut between characters, for messages. */
static char *
clipped(const char *value)
{
	return pnstrdup(value, pg_mbcliplen(value, strlen(value), 64));
}

/* Does the threshold parse as a finite number, without overflowing? */
static bool
threshold_parses(const char *value)
{
	return strlen(value) <= LQ_MAX_THRESHOLD_LENGTH && lq_is_decimal(value);
}

/* The problem with a required setting, or NULL. */
static char *
missing(const LqSettings *settings, LqSettingKey key)
{
	if (settings->values[key] != NULL)
		return NULL;
	return psprintf("The argument \"%s=...\" is missing.", setting_names[key]);
}

/*
 * Reads the arguments into *settings.  Returns NULL, or the first problem
 * as a sentence (then some settings may be NULL).
 */
static char *
parse_settings(int nargs, char **args, LqSettings *settings)
{
	char	   *problem;
	int			stage;

	memset(settings, 0, sizeof(*settings));
	for (int i = 0; i < nargs; i++)
	{
		LqSettingKey key;

		if (!setting_key(args[i], &key))
			return psprintf("The argument \"%s\" is not a setting leadqual.manage() writes.",
							clipped(args[i]));
		if (settings->values[key] != NULL)
			return psprintf("The argument \"%s=...\" is given twice.", setting_names[key]);
		settings->values[key] = strchr(args[i], '=') + 1;
	}
	if (settings->values[LQ_SET_TABLE_OID] != NULL &&
		(!lq_is_decimal(settings->values[LQ_SET_TABLE_OID]) ||
		 strspn(settings->values[LQ_SET_TABLE_OID], "0123456789") !=
		 strlen(settings->values[LQ_SET_TABLE_OID]) ||
		 strlen(settings->values[LQ_SET_TABLE_OID]) > 10 ||
		 strtoul(settings->values[LQ_SET_TABLE_OID], NULL, 10) > PG_UINT32_MAX))
		return psprintf("The table OID \"%s\" is not an OID.",
						clipped(settings->values[LQ_SET_TABLE_OID]));
	if ((problem = missing(settings, LQ_SET_ID_COLUMN)) != NULL ||
		(problem = missing(settings, LQ_SET_SCORE_COLUMN)) != NULL ||
		(problem = missing(settings, LQ_SET_STAGE_COLUMN)) != NULL)
		return problem;
	if (settings->values[LQ_SET_MODEL] != NULL)
	{
		if (settings->values[LQ_SET_THRESHOLD] != NULL ||
			settings->values[LQ_SET_PROMOTE_TO] != NULL)
			return pstrdup("A table managed with a model takes no threshold= or promote_to= argument.");
		return NULL;
	}
	if ((problem = missing(settings, LQ_SET_THRESHOLD)) != NULL ||
		(problem = missing(settings, LQ_SET_PROMOTE_TO)) != NULL)
		return problem;
	if (!threshold_parses(settings->values[LQ_SET_THRESHOLD]))
		return psprintf("The threshold \"%s\" is not a finite number.",
						clipped(settings->values[LQ_SET_THRESHOLD]));
	stage = lq_stage_from_name(settings->values[LQ_SET_PROMOTE_TO]);
	if (stage == LQ_STAGE_INVALID || !lq_is_promotion_target(stage))
		return psprintf("The promote_to stage \"%s\" is not a funnel stage after lead.",
						clipped(settings->values[LQ_SET_PROMOTE_TO]));
	return NULL;
}

/*
 * The table's own problem, whatever its settings: only ordinary and
 * partitioned tables are managed, and a table whose inheritance children
 * would escape the rules is not.  Reads only the catalog.
 */
static char *
relation_problem(Oid relid, char relkind)
{
	if (relkind == '\0')		/* dropped since the catalog was read */
		return pstrdup("The table no longer exists.");
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		return psprintf("%s is not a table; leadqual manages ordinary and partitioned tables only.",
						lq_qualified_name(relid));
	/* a partitioned table's children are partitions, which get the triggers */
	if (relkind == RELKIND_RELATION && has_subclass(relid) &&
		find_inheritance_children(relid, NoLock) != NIL)
		return psprintf("Table %s has inheritance children, whose rows leadqual's triggers never see.",
						lq_qualified_name(relid));
	return NULL;
}

static AttrNumber
resolve_column(LqTableConfig *entry, Relation rel, NameData *column,
			   const char *role)
{
	int			attnum = SPI_fnumber(RelationGetDescr(rel), NameStr(*column));

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("leadqual: table %s has no column \"%s\", its %s column",
						entry->display_name, NameStr(*column), role),
				 errhint("If the column was renamed, call leadqual.manage() again with the new name.")));
	return (AttrNumber) attnum;
}

/*
 * The table manage() was called on: rel itself, or for a trigger cloned
 * onto a partition, the nearest ancestor whose leadqual trigger is its own.
 */
static Oid
managed_table(Relation rel, Trigger *trigger)
{
	ListCell   *lc;

	if (!trigger->tgisclone)
		return RelationGetRelid(rel);
	foreach(lc, get_partition_ancestors(RelationGetRelid(rel)))
	{
		Relation	ancestor = relation_open(lfirst_oid(lc), AccessShareLock);
		Trigger    *own = lq_find_qualify_trigger(ancestor);
		bool		found = own != NULL && !own->tgisclone;

		relation_close(ancestor, NoLock);
		if (found)
			return lfirst_oid(lc);
	}
	elog(ERROR, "leadqual: no ancestor of partition %u has its own leadqual trigger",
		 RelationGetRelid(rel));
	pg_unreachable();
}

static void
resolve_partition_key(LqTableConfig *entry, Relation rel)
{
	ListCell   *lc;

	entry->partition_key_count = 0;
	entry->partition_key_unknown = false;
	if (!rel->rd_rel->relispartition)
		return;

	foreach(lc, get_partition_ancestors(RelationGetRelid(rel)))
	{
		Relation	ancestor = relation_open(lfirst_oid(lc), AccessShareLock);
		PartitionKey key = RelationGetPartitionKey(ancestor);

		for (int i = 0; i < key->partnatts; i++)
		{
			char	   *name;
			AttrNumber	attnum;

			if (key->partattrs[i] == 0 ||
				entry->partition_key_count == LQ_MAX_PARTITION_KEY_COLUMNS)
			{
				entry->partition_key_unknown = true;
				continue;
			}
			name = get_attname(RelationGetRelid(ancestor), key->partattrs[i], false);
			attnum = get_attnum(RelationGetRelid(rel), name);
			if (attnum == InvalidAttrNumber)
				entry->partition_key_unknown = true;
			else
				entry->partition_key_attnums[entry->partition_key_count++] = attnum;
		}
		relation_close(ancestor, NoLock);
	}
}

/*
 * For a table Citus distributes (manage() wrote table_oid=), whether rel is
 * one of its shards; if so the log records the table under its OID on the
 * coordinator, as Citus sends a regclass from one node to another (see
 * citus_shards.c).
 */
static void
set_shard(LqTableConfig *entry, Relation rel, const LqSettings *settings)
{
	memset(&entry->shard, 0, sizeof(entry->shard));
	entry->rows_relid = entry->log_relid;
	/* what manage() writes for a table Citus distributes; by hand, elsewhere, nothing */
	entry->distributed = settings->values[LQ_SET_TABLE_OID] != NULL &&
		OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE));
	if (!entry->distributed)
		return;
	/* the table's shell on a worker, or a shard: rows name it as the coordinator does */
	entry->log_relid = (Oid) strtoul(settings->values[LQ_SET_TABLE_OID], NULL, 10);
	lq_citus_shard_of(rel, &entry->shard);
	if (entry->shard.shardid != 0)
	{
		if (entry->shard.key_attnum <= 0)
			elog(ERROR, "leadqual: shard %s has no distribution column",
				 RelationGetRelationName(rel));
		entry->rows_relid = RelationGetRelid(rel);
	}
}

/* As messages name the table: on a shard, the distributed table. */
static void
set_display_name(LqTableConfig *entry)
{
	Oid			named = entry->log_relid;

	/* the coordinator's OID means nothing on a worker */
	if (entry->shard.shardid != 0)
		named = entry->shard.table;
	else if (entry->distributed)
		named = entry->relid;
	strlcpy(entry->display_name, lq_qualified_name(named), sizeof(entry->display_name));
}

/* The threshold and promote_to, which parse_settings() checked. */
static void
set_threshold(LqTableConfig *entry, const LqSettings *settings)
{
	Numeric		exact;

	exact = DatumGetNumeric(DirectFunctionCall3(numeric_in,
												CStringGetDatum(settings->values[LQ_SET_THRESHOLD]),
												ObjectIdGetDatum(InvalidOid),
												Int32GetDatum(-1)));
	Assert(lq_numeric_is_finite(exact));
	lq_threshold_set(&entry->threshold, exact, entry->model_cxt);
	entry->promote_to = (LqStage) lq_stage_from_name(settings->values[LQ_SET_PROMOTE_TO]);
	Assert(lq_is_promotion_target(entry->promote_to));
}

static Oid
lifecycle_stage_type(void)
{
	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
						   CStringGetDatum("lifecycle_stage"),
						   ObjectIdGetDatum(get_namespace_oid("leadqual", false)));
}

/* The optional owner column, and how to read and write it as text. */
static void
resolve_owner_column(LqTableConfig *entry, Relation rel,
					 const LqSettings *settings)
{
	const char *name = settings->values[LQ_SET_OWNER_COLUMN];
	Form_pg_attribute attr;
	Oid			function;
	bool		is_varlena;

	entry->owner_attnum = InvalidAttrNumber;
	memset(&entry->owner_column, 0, sizeof(NameData));
	if (name == NULL)
		return;
	namestrcpy(&entry->owner_column, name);
	entry->owner_attnum = resolve_column(entry, rel, &entry->owner_column, "owner");
	attr = TupleDescAttr(RelationGetDescr(rel), entry->owner_attnum - 1);
	getTypeOutputInfo(attr->atttypid, &function, &is_varlena);
	fmgr_info_cxt(function, &entry->owner_output, config_cxt);
	getTypeInputInfo(attr->atttypid, &function, &entry->owner_typioparam);
	fmgr_info_cxt(function, &entry->owner_input, config_cxt);
	entry->owner_typmod = attr->atttypmod;
}

static void
resolve_columns(LqTableConfig *entry, Relation rel, const LqSettings *settings)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	Oid			output_function;
	bool		is_varlena;

	namestrcpy(&entry->id_column, settings->values[LQ_SET_ID_COLUMN]);
	namestrcpy(&entry->score_column, settings->values[LQ_SET_SCORE_COLUMN]);
	namestrcpy(&entry->stage_column, settings->values[LQ_SET_STAGE_COLUMN]);

	entry->id_attnum = resolve_column(entry, rel, &entry->id_column, "id");
	entry->score_attnum = resolve_column(entry, rel, &entry->score_column, "score");
	entry->stage_attnum = resolve_column(entry, rel, &entry->stage_column, "stage");

	entry->id_type = TupleDescAttr(tupdesc, entry->id_attnum - 1)->atttypid;
	getTypeOutputInfo(entry->id_type, &output_function, &is_varlena);
	fmgr_info_cxt(output_function, &entry->id_output, config_cxt);

	if (!lq_score_kind_for_type(TupleDescAttr(tupdesc, entry->score_attnum - 1)->atttypid,
								&entry->score_kind))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("leadqual: score column \"%s\" of table %s is of type %s, not a numeric type",
						NameStr(entry->score_column), entry->display_name,
						format_type_be(TupleDescAttr(tupdesc, entry->score_attnum - 1)->atttypid)),
				 errhint("Change the column back to smallint, integer, bigint, numeric, real or double precision.")));

	resolve_owner_column(entry, rel, settings);

	entry->stage_type = getBaseType(TupleDescAttr(tupdesc, entry->stage_attnum - 1)->atttypid);
	if (entry->stage_type != lifecycle_stage_type())
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("leadqual: stage column \"%s\" of table %s is of type %s, not leadqual.lifecycle_stage",
						NameStr(entry->stage_column), entry->display_name,
						format_type_be(entry->stage_type)),
				 errhint("Change the column back to leadqual.lifecycle_stage.")));
}

/* The threshold and promote_to, from the arguments or from the model. */
static void
load_settings(LqTableConfig *entry, Relation rel, const LqSettings *settings)
{
	const char *model = settings->values[LQ_SET_MODEL];

	if (entry->model_cxt == NULL)
		entry->model_cxt = AllocSetContextCreate(config_cxt, "leadqual table settings",
												 ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(entry->model_cxt);
	entry->model = NULL;

	if (model != NULL)
	{
		entry->model = lq_load_model(model, rel, entry->display_name, entry->model_cxt,
									 &entry->threshold, &entry->promote_to);
		return;
	}
	set_threshold(entry, settings);
}

/* The reject() plan reads stale column names once the entry is rebuilt. */
static void
release_reject_plan(LqTableConfig *entry)
{
	if (entry->reject_plan == NULL)
		return;
	/* a rejection running right now still executes it; let it leak */
	if (!OidIsValid(lq_rejecting_relid))
		SPI_freeplan(entry->reject_plan);
	entry->reject_plan = NULL;
}

/*
 * The settings of the table the trigger fires on.  Errors leave the entry
 * invalid, so the next call tries again rather than using half a build.
 */
LqTableConfig *
lq_config_for_trigger(Relation rel, Trigger *trigger)
{
	LqTableConfig *entry;
	bool		found;
	LqSettings	settings;
	char	   *problem;

	entry = hash_search(config_hash(), &trigger->tgoid, HASH_ENTER, &found);
	if (!found)
	{
		memset(((char *) entry) + sizeof(Oid), 0,
			   sizeof(LqTableConfig) - sizeof(Oid));
		entry->valid = false;
	}
	if (entry->valid)
		return entry;

	problem = relation_problem(RelationGetRelid(rel), rel->rd_rel->relkind);
	if (problem != NULL)
		ereport(ERROR,
				(errcode(rel->rd_rel->relkind == RELKIND_RELATION
						 ? ERRCODE_FEATURE_NOT_SUPPORTED : ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("leadqual: trigger \"%s\" on %s cannot run",
						trigger->tgname, lq_qualified_name(RelationGetRelid(rel))),
				 errdetail_internal("%s", problem),
				 rel->rd_rel->relkind == RELKIND_RELATION
				 ? errhint("Detach the children with ALTER TABLE ... NO INHERIT, or stop managing the table with leadqual.unmanage().")
				 : errhint("Drop the trigger: leadqual manages tables with leadqual.manage().")));
	problem = parse_settings(trigger->tgnargs, trigger->tgargs, &settings);
	if (problem != NULL)
		report_bad_argument(rel, trigger, problem);

	release_reject_plan(entry);
	/* built again for the new settings; load_settings() frees the old */
	entry->few_fits_sql = NULL;
	entry->touch_lock_sql = NULL;
	memset(entry->beside_lead_sql, 0, sizeof(entry->beside_lead_sql));
	entry->beside_lead_key_sql = NULL;
	entry->lead_exists_sql = NULL;
	entry->engagement_rules = NULL;
	memset(entry->score_sql, 0, sizeof(entry->score_sql));
	entry->relid = RelationGetRelid(rel);
	entry->log_relid = managed_table(rel, trigger);
	set_shard(entry, rel, &settings);
	set_display_name(entry);
	resolve_columns(entry, rel, &settings);
	resolve_partition_key(entry, rel);
	load_settings(entry, rel, &settings);
	Assert(entry->id_attnum > 0 && entry->score_attnum > 0 && entry->stage_attnum > 0);
	Assert(lq_is_promotion_target(entry->promote_to));
	Assert(OidIsValid(entry->log_relid));
	entry->valid = true;
	return entry;
}

/*
 * Errors if Citus distributes the table: "caller" does not run there yet
 * (docs/scale-out.md lists what does).
 */
void
lq_refuse_distributed(const LqTableConfig *config, const char *caller)
{
	/* a shard whose lead a trigger of leadqual's is writing for is one table */
	if (config->distributed &&
		(config->shard.shardid == 0 || config->shard.shardid != lq_shard_write.shardid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s: table %s is distributed by Citus, where leadqual does not support this yet",
						caller, config->display_name),
				 errhint("On a distributed table leadqual logs stage changes, promotes and hands off; docs/scale-out.md lists what else runs there.")));
}

/*
 * The settings of a table managed with a model, for SQL-callable functions
 * that are given the table.  Errors if it is not, or if Citus distributes
 * it (lq_refuse_distributed()).
 */
LqTableConfig *
lq_config_for_table(Oid relid, const char *caller)
{
	LqTableConfig *config = lq_config_for_scored_table(relid, caller);

	lq_refuse_distributed(config, caller);
	return config;
}

/* The same, Citus distributing the table or not. */
LqTableConfig *
lq_config_for_scored_table(Oid relid, const char *caller)
{
	Relation	rel = try_relation_open(relid, AccessShareLock);
	Trigger    *trigger;
	LqTableConfig *config;

	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("%s: relation with OID %u does not exist", caller, relid),
				 errhint("Name the table, for example 'crm.leads'.")));
	/* a view or other relation with a qualify trigger is not managed */
	trigger = lq_find_qualify_trigger(rel);
	if (trigger == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s: table %s is not managed by leadqual",
						caller, lq_qualified_name(relid)),
				 errhint("Manage it with a scoring model: SELECT leadqual.manage('%s', model => 'default');",
						 lq_qualified_name(relid))));
	config = lq_config_for_trigger(rel, trigger);
	relation_close(rel, NoLock);
	if (config->model == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s: table %s is managed with a fixed threshold, not a scoring model",
						caller, config->display_name),
				 errhint("Let a model compute its scores: SELECT leadqual.manage('%s', model => 'default');",
						 config->display_name)));
	return config;
}

/*
 * The leadqual.qualify trigger on rel, or NULL if the table isn't managed.
 * A trigger on anything but an ordinary or partitioned table doesn't count.
 */
Trigger *
lq_find_qualify_trigger(Relation rel)
{
	List	   *name = list_make2(makeString("leadqual"), makeString("qualify"));
	Oid			qualify;

	if (rel->trigdesc == NULL ||
		(rel->rd_rel->relkind != RELKIND_RELATION &&
		 rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE))
		return NULL;
	qualify = LookupFuncName(name, 0, NULL, false);
	for (int i = 0; i < rel->trigdesc->numtriggers; i++)
		if (rel->trigdesc->triggers[i].tgfoid == qualify)
			return &rel->trigdesc->triggers[i];
	return NULL;
}

/*
 * The settings of a managed table, or NULL when it is not managed (or no
 * longer exists).
 */
LqTableConfig *
lq_config_if_managed(Oid relid)
{
	Relation	rel = try_relation_open(relid, AccessShareLock);
	Trigger    *trigger;
	LqTableConfig *config = NULL;

	if (rel == NULL)
		return NULL;
	trigger = lq_find_qualify_trigger(rel);
	if (trigger != NULL)
		config = lq_config_for_trigger(rel, trigger);
	relation_close(rel, NoLock);
	return config;
}

/*
 * leadqual.trigger_arguments(tgargs bytea): pg_trigger.tgargs, a run of
 * NUL-terminated strings, as text[].  The leadqual.managed view reads the
 * settings with it.
 */
PG_FUNCTION_INFO_V1(leadqual_trigger_arguments);
Datum
leadqual_trigger_arguments(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	const char *data = VARDATA_ANY(raw);
	int			length = VARSIZE_ANY_EXHDR(raw);
	ArrayBuildState *args = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	int			start = 0;

	/* pg_trigger ends every argument with a NUL; garbage may not */
	for (int i = 0; i <= length; i++)
	{
		if (i < length && data[i] != '\0')
			continue;
		if (i == length && start == length)
			break;
		pg_verifymbstr(data + start, i - start, false);
		args = accumArrayResult(args,
								PointerGetDatum(cstring_to_text_with_len(data + start, i - start)),
								false, TEXTOID, CurrentMemoryContext);
		start = i + 1;
	}
	PG_RETURN_DATUM(makeArrayResult(args, CurrentMemoryContext));
}

/*
 * leadqual._trigger_settings(leads regclass, tgargs bytea): the settings a
 * qualify trigger's arguments give, for the leadqual.managed view, and the
 * first problem that stops the trigger from running (NULL: none).  Never
 * errors on what a trigger holds: anyone can attach one to a table of
 * their own, and the view must not fail for everyone else.  Reads only the
 * catalog.
 */
PG_FUNCTION_INFO_V1(leadqual_trigger_settings);
Datum
leadqual_trigger_settings(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Datum		arguments = DirectFunctionCall1(leadqual_trigger_arguments,
												PG_GETARG_DATUM(1));
	TupleDesc	tupdesc;
	Datum	   *texts;
	int			nargs;
	char	  **args;
	LqSettings	settings;
	char	   *problem;
	Datum		values[8];
	bool		nulls[8];
	static const LqSettingKey columns[] = {LQ_SET_ID_COLUMN, LQ_SET_SCORE_COLUMN,
	LQ_SET_STAGE_COLUMN, LQ_SET_OWNER_COLUMN};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "leadqual._trigger_settings: must return a row");
	deconstruct_array(DatumGetArrayTypeP(arguments), TEXTOID, -1, false,
					  TYPALIGN_INT, &texts, NULL, &nargs);
	args = palloc(sizeof(char *) * Max(nargs, 1));
	for (int i = 0; i < nargs; i++)
		args[i] = TextDatumGetCString(texts[i]);

	problem = parse_settings(nargs, args, &settings);
	if (problem == NULL)
		problem = relation_problem(relid, get_rel_relkind(relid));
	for (int i = 0; problem == NULL && i < (int) lengthof(columns); i++)
	{
		const char *column = settings.values[columns[i]];

		if (column != NULL && get_attnum(relid, column) == InvalidAttrNumber)
			problem = psprintf("The table has no column \"%s\", its %s.",
							   clipped(column), setting_names[columns[i]]);
	}

	memset(nulls, true, sizeof(nulls));
	for (int i = 0; i < (int) lengthof(columns); i++)
		if (settings.values[columns[i]] != NULL)
		{
			values[i] = DirectFunctionCall1(namein, CStringGetDatum(settings.values[columns[i]]));
			nulls[i] = false;
		}
	/* the threshold and stage only once they parse */
	if (settings.values[LQ_SET_THRESHOLD] != NULL &&
		threshold_parses(settings.values[LQ_SET_THRESHOLD]))
	{
		values[4] = DirectFunctionCall3(numeric_in, CStringGetDatum(settings.values[LQ_SET_THRESHOLD]),
										ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		nulls[4] = false;
	}
	if (settings.values[LQ_SET_PROMOTE_TO] != NULL &&
		lq_stage_from_name(settings.values[LQ_SET_PROMOTE_TO]) != LQ_STAGE_INVALID)
	{
		values[5] = CStringGetTextDatum(settings.values[LQ_SET_PROMOTE_TO]);
		nulls[5] = false;
	}
	if (settings.values[LQ_SET_MODEL] != NULL)
	{
		values[6] = CStringGetTextDatum(settings.values[LQ_SET_MODEL]);
		nulls[6] = false;
	}
	if (problem != NULL)
	{
		values[7] = CStringGetTextDatum(problem);
		nulls[7] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * leadqual._model_of(leads regclass): the model the table's qualify trigger
 * names, or NULL (not managed, managed with a threshold, or arguments that
 * don't parse).  The engagement queries call it once each; reading the
 * relcache's copy of the trigger costs far less than planning a query on
 * leadqual.managed.  Never errors on what a trigger holds.
 */
PG_FUNCTION_INFO_V1(leadqual_model_of);
Datum
leadqual_model_of(PG_FUNCTION_ARGS)
{
	Relation	rel = try_relation_open(PG_GETARG_OID(0), AccessShareLock);
	Trigger    *trigger;
	LqSettings	settings;
	text	   *model = NULL;

	if (rel == NULL)
		PG_RETURN_NULL();
	trigger = lq_find_qualify_trigger(rel);
	/* a partition's cloned trigger names its root's model */
	if (trigger != NULL && !trigger->tgisclone &&
		parse_settings(trigger->tgnargs, trigger->tgargs, &settings) == NULL &&
		settings.values[LQ_SET_MODEL] != NULL)
		model = cstring_to_text(settings.values[LQ_SET_MODEL]);
	relation_close(rel, NoLock);
	if (model == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(model);
}
