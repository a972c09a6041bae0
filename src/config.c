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
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "compat.h"
#include "leadqual.h"

static MemoryContext config_cxt = NULL;
static HTAB *config_by_trigger = NULL;

static void
invalidate_table_config(Datum arg pg_attribute_unused(), Oid relid)
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

void
lq_config_init(void)
{
	CacheRegisterRelcacheCallback(invalidate_table_config, (Datum) 0);
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

/* The value of the "key=value" argument, or NULL when there is none. */
static const char *
optional_trigger_setting(Relation rel, Trigger *trigger, const char *key)
{
	size_t		keylen = strlen(key);
	const char *value = NULL;

	for (int i = 0; i < trigger->tgnargs; i++)
	{
		const char *arg = trigger->tgargs[i];

		if (strncmp(arg, key, keylen) != 0 || arg[keylen] != '=')
			continue;
		if (value != NULL)
			report_bad_argument(rel, trigger,
								psprintf("The argument \"%s=...\" is given twice.", key));
		value = arg + keylen + 1;
	}
	return value;
}

/* The value of the "key=value" argument; errors when there is none. */
static const char *
trigger_setting(Relation rel, Trigger *trigger, const char *key)
{
	const char *value = optional_trigger_setting(rel, trigger, key);

	if (value == NULL)
		report_bad_argument(rel, trigger,
							psprintf("The argument \"%s=...\" is missing.", key));
	return value;
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

static void
set_display_name(LqTableConfig *entry)
{
	strlcpy(entry->display_name, lq_qualified_name(entry->log_relid),
			sizeof(entry->display_name));
}

static void
parse_threshold(LqTableConfig *entry, Relation rel, Trigger *trigger)
{
	const char *text = trigger_setting(rel, trigger, "threshold");
	Numeric		exact;

	exact = DatumGetNumeric(DirectFunctionCall3(numeric_in,
												CStringGetDatum(text),
												ObjectIdGetDatum(InvalidOid),
												Int32GetDatum(-1)));
	if (!lq_numeric_is_finite(exact))
		report_bad_argument(rel, trigger,
							psprintf("The threshold \"%s\" is not a finite number.", text));
	lq_threshold_set(&entry->threshold, exact, entry->model_cxt);
}

static void
parse_promote_to(LqTableConfig *entry, Relation rel, Trigger *trigger)
{
	const char *name = trigger_setting(rel, trigger, "promote_to");
	int			stage = lq_stage_from_name(name);

	if (stage == LQ_STAGE_INVALID || !lq_is_promotion_target(stage))
		report_bad_argument(rel, trigger,
							psprintf("The promote_to stage \"%s\" is not a funnel stage after lead.", name));
	entry->promote_to = (LqStage) stage;
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
resolve_owner_column(LqTableConfig *entry, Relation rel, Trigger *trigger)
{
	const char *name = optional_trigger_setting(rel, trigger, "owner_column");
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
resolve_columns(LqTableConfig *entry, Relation rel, Trigger *trigger)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	Oid			output_function;
	bool		is_varlena;

	namestrcpy(&entry->id_column, trigger_setting(rel, trigger, "id_column"));
	namestrcpy(&entry->score_column, trigger_setting(rel, trigger, "score_column"));
	namestrcpy(&entry->stage_column, trigger_setting(rel, trigger, "stage_column"));

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

	resolve_owner_column(entry, rel, trigger);

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
load_settings(LqTableConfig *entry, Relation rel, Trigger *trigger)
{
	const char *model = optional_trigger_setting(rel, trigger, "model");

	if (entry->model_cxt == NULL)
		entry->model_cxt = AllocSetContextCreate(config_cxt, "leadqual table settings",
												 ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(entry->model_cxt);
	entry->model = NULL;

	if (model != NULL)
	{
		lq_load_model(entry, rel, model);
		return;
	}
	parse_threshold(entry, rel, trigger);
	parse_promote_to(entry, rel, trigger);
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

	entry = hash_search(config_hash(), &trigger->tgoid, HASH_ENTER, &found);
	if (!found)
	{
		memset(((char *) entry) + sizeof(Oid), 0,
			   sizeof(LqTableConfig) - sizeof(Oid));
		entry->valid = false;
	}
	if (entry->valid)
		return entry;

	release_reject_plan(entry);
	entry->relid = RelationGetRelid(rel);
	entry->log_relid = managed_table(rel, trigger);
	set_display_name(entry);
	resolve_columns(entry, rel, trigger);
	resolve_partition_key(entry, rel);
	load_settings(entry, rel, trigger);
	entry->valid = true;
	return entry;
}

/*
 * The settings of a table managed with a model, for SQL-callable functions
 * that are given the table.  Errors if it is not.
 */
LqTableConfig *
lq_config_for_table(Oid relid, const char *caller)
{
	Relation	rel = try_relation_open(relid, AccessShareLock);
	Trigger    *trigger;
	LqTableConfig *config;

	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("%s: relation with OID %u does not exist", caller, relid),
				 errhint("Name the table, for example 'crm.leads'.")));
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

/* The leadqual.qualify trigger on rel, or NULL if the table isn't managed. */
Trigger *
lq_find_qualify_trigger(Relation rel)
{
	List	   *name = list_make2(makeString("leadqual"), makeString("qualify"));
	Oid			qualify = LookupFuncName(name, 0, NULL, false);

	if (rel->trigdesc == NULL)
		return NULL;
	for (int i = 0; i < rel->trigdesc->numtriggers; i++)
		if (rel->trigdesc->triggers[i].tgfoid == qualify)
			return &rel->trigdesc->triggers[i];
	return NULL;
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
