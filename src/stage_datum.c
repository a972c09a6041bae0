/*
 * stage_datum.c
 *		leadqual.lifecycle_stage values as LqStage, and the SQL functions
 *		that expose the funnel.
 *
 * An enum value is the OID of its pg_enum row.  Those OIDs are fixed for the
 * life of the type, so one lookup per backend maps them onto LqStage; a
 * pg_enum invalidation (ALTER TYPE, DROP EXTENSION) forgets the map.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "utils/catcache.h"
#include "utils/syscache.h"

#include "stage_datum.h"

typedef struct LqStageMap
{
	Oid			enum_type;		/* InvalidOid until built */
	Oid			label_oid[LQ_STAGE_COUNT];
} LqStageMap;

static LqStageMap stage_map;

/*
 * A pg_enum row changed: forgets the map.  Called from leadqual's syscache
 * callback (cache_invalidation.c).
 */
void
lq_stage_map_changed(void)
{
	stage_map.enum_type = InvalidOid;
}

static void
build_stage_map(Oid enum_type)
{
	CatCList   *labels;
	LqStageMap	map;

	memset(&map, 0, sizeof(map));
	labels = SearchSysCacheList1(ENUMTYPOIDNAME, ObjectIdGetDatum(enum_type));
	for (int i = 0; i < labels->n_members; i++)
	{
		HeapTuple	tuple = &labels->members[i]->tuple;
		Form_pg_enum label = (Form_pg_enum) GETSTRUCT(tuple);
		int			stage = lq_stage_from_name(NameStr(label->enumlabel));

		if (stage != LQ_STAGE_INVALID)
			map.label_oid[stage] = label->oid;
	}
	ReleaseSysCacheList(labels);

	for (int stage = 0; stage < LQ_STAGE_COUNT; stage++)
		if (!OidIsValid(map.label_oid[stage]))
			elog(ERROR, "leadqual: type %u lacks the label \"%s\"",
				 enum_type, lq_stage_name(stage));

	map.enum_type = enum_type;
	stage_map = map;
}

static Oid
enum_type_of_label(Oid label_oid)
{
	HeapTuple	tuple = SearchSysCache1(ENUMOID, ObjectIdGetDatum(label_oid));
	Oid			enum_type;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "leadqual: no enum label with OID %u", label_oid);
	enum_type = ((Form_pg_enum) GETSTRUCT(tuple))->enumtypid;
	ReleaseSysCache(tuple);
	return enum_type;
}

LqStage
lq_stage_from_datum(Datum label)
{
	Oid			label_oid = DatumGetObjectId(label);

	for (int pass = 0; pass < 2; pass++)
	{
		for (int stage = 0; stage < LQ_STAGE_COUNT; stage++)
			if (stage_map.label_oid[stage] == label_oid &&
				OidIsValid(stage_map.enum_type))
				return (LqStage) stage;
		build_stage_map(enum_type_of_label(label_oid));
	}
	elog(ERROR, "leadqual: enum label %u is not a lifecycle stage", label_oid);
	pg_unreachable();
}

Datum
lq_stage_to_datum(Oid enum_type, LqStage stage)
{
	Assert(stage >= 0 && stage < LQ_STAGE_COUNT);
	if (stage_map.enum_type != enum_type)
		build_stage_map(enum_type);
	return ObjectIdGetDatum(stage_map.label_oid[stage]);
}

/*
 * leadqual.funnel_rank(stage): 1 for subscriber up to 9 for evangelist,
 * NULL for the detours recycled and disqualified.
 */
PG_FUNCTION_INFO_V1(leadqual_funnel_rank);
Datum
leadqual_funnel_rank(PG_FUNCTION_ARGS)
{
	LqStage		stage = lq_stage_from_datum(PG_GETARG_DATUM(0));

	if (!lq_stage_is_funnel(stage))
		PG_RETURN_NULL();
	PG_RETURN_INT32(lq_stage_funnel_rank(stage));
}

/* leadqual.is_funnel_stage(stage): false for the detours. */
PG_FUNCTION_INFO_V1(leadqual_is_funnel_stage);
Datum
leadqual_is_funnel_stage(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(lq_stage_is_funnel(lq_stage_from_datum(PG_GETARG_DATUM(0))));
}
