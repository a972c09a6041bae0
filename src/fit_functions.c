/*
 * fit_functions.c
 *		leadqual._fit() and leadqual._fit_rules(): the fit rules of a table's
 *		model, for SQL.  rescore(), explain() and the caller's side of
 *		_store_scores() compute fit with them, by the same code the trigger
 *		runs on each written row (fit.c).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/typcache.h"

#include "config.h"
#include "fit.h"

/*
 * What _fit() and _fit_rules() keep between the rows of one query, in
 * fn_extra: rescore() calls _fit() for every lead, and looking the table up
 * each time would cost more than the rules.
 */
typedef struct LqFitCall
{
	Oid			relid;
	Oid			reltype;
	TupleDesc	tupdesc;		/* a copy, in fn_mcxt */
	LqTableConfig *config;		/* entries are never freed, only rebuilt */
} LqFitCall;

/*
 * The settings of the table the call names, and the record argument as a
 * row of it (checked to be one).
 */
static LqFitCall *
begin_fit_call(FunctionCallInfo fcinfo, const char *caller, HeapTuple row)
{
	Oid			relid = PG_GETARG_OID(0);
	HeapTupleHeader record = PG_GETARG_HEAPTUPLEHEADER(1);
	LqFitCall  *call = fcinfo->flinfo->fn_extra;

	if (call == NULL)
		call = fcinfo->flinfo->fn_extra =
			MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(LqFitCall));
	if (call->relid != relid || call->config == NULL || !call->config->valid)
	{
		Relation	rel;
		MemoryContext old;

		call->config = lq_config_for_table(relid, caller);
		rel = relation_open(relid, NoLock);
		if (call->tupdesc != NULL)
			FreeTupleDesc(call->tupdesc);
		old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		call->tupdesc = CreateTupleDescCopy(RelationGetDescr(rel));
		MemoryContextSwitchTo(old);
		call->reltype = rel->rd_rel->reltype;
		call->relid = relid;
		relation_close(rel, NoLock);
	}

	if (HeapTupleHeaderGetTypeId(record) != call->reltype)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s: the row is of type %s, not a row of table %s",
						caller, format_type_be(HeapTupleHeaderGetTypeId(record)),
						call->config->display_name),
				 errhint("Pass the table's own rows, for example FROM crm.leads AS l ... %s('crm.leads', l).",
						 caller)));
	row->t_len = HeapTupleHeaderGetDatumLength(record);
	ItemPointerSetInvalid(&row->t_self);
	row->t_tableOid = InvalidOid;
	row->t_data = record;
	return call;
}

/*
 * leadqual._fit(leads regclass, lead record): the fit part of the lead's
 * score under its table's model.
 */
PG_FUNCTION_INFO_V1(leadqual_fit);
Datum
leadqual_fit(PG_FUNCTION_ARGS)
{
	HeapTupleData row;
	LqFitCall  *call;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	call = begin_fit_call(fcinfo, "leadqual._fit", &row);
	PG_RETURN_NUMERIC(lq_fit_points(call->config->model, call->tupdesc, &row));
}

/*
 * leadqual._fit_rules(leads regclass, lead record): the fit rules the lead
 * matches, with the column, its value and the points, for explain().
 */
PG_FUNCTION_INFO_V1(leadqual_fit_rules);
Datum
leadqual_fit_rules(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HeapTupleData row;
	LqFitCall  *call;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	call = begin_fit_call(fcinfo, "leadqual._fit_rules", &row);
	for (int i = 0; i < call->config->model->nrules; i++)
	{
		const LqFitRule *rule = &call->config->model->rules[i];
		char	   *shown;
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		if (!lq_fit_rule_matches(rule, call->tupdesc, &row, &shown))
			continue;
		values[0] = CStringGetTextDatum(rule->name);
		values[1] = NameGetDatum(&TupleDescAttr(call->tupdesc, rule->attnum - 1)->attname);
		values[2] = shown ? CStringGetTextDatum(shown) : (Datum) 0;
		nulls[2] = shown == NULL;
		values[3] = NumericGetDatum(rule->points);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
