/*
 * core_functions.c
 *		SQL wrappers of the plain-C cores: leadqual.seniority(),
 *		leadqual.decay() and leadqual._window_start().
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/syscache.h"

#include "decay.h"
#include "seniority.h"

/*
 * The OIDs of the labels of the function's result type,
 * leadqual.seniority_level, in LqSeniority order; kept in fn_extra for the
 * life of the call site.
 */
static Oid *
seniority_labels(FunctionCallInfo fcinfo)
{
	Oid		   *labels = fcinfo->flinfo->fn_extra;
	Oid			type;

	if (labels != NULL)
		return labels;
	type = get_fn_expr_rettype(fcinfo->flinfo);
	labels = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(Oid) * LQ_SENIORITY_COUNT);
	for (int level = 0; level < LQ_SENIORITY_COUNT; level++)
	{
		HeapTuple	tuple = SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(type),
											CStringGetDatum(lq_seniority_name((LqSeniority) level)));

		if (!HeapTupleIsValid(tuple))
			elog(ERROR, "leadqual: type %u has no label \"%s\"",
				 type, lq_seniority_name((LqSeniority) level));
		labels[level] = ((Form_pg_enum) GETSTRUCT(tuple))->oid;
		ReleaseSysCache(tuple);
	}
	fcinfo->flinfo->fn_extra = labels;
	return labels;
}

/*
 * leadqual.seniority(title text): the seniority a job title names, ignoring
 * case and punctuation; unknown for NULL or an empty title.
 */
PG_FUNCTION_INFO_V1(leadqual_seniority);
Datum
leadqual_seniority(PG_FUNCTION_ARGS)
{
	LqSeniority level = LQ_SENIORITY_UNKNOWN;

	if (!PG_ARGISNULL(0))
	{
		text	   *title = PG_GETARG_TEXT_PP(0);

		level = lq_classify_title(VARDATA_ANY(title), VARSIZE_ANY_EXHDR(title));
	}
	PG_RETURN_OID(seniority_labels(fcinfo)[level]);
}

/* Seconds in an interval, counted as EXTRACT(epoch FROM interval) does. */
static double
interval_seconds(const Interval *span)
{
	return lq_span_seconds(span->month, span->day, span->time);
}

/*
 * leadqual.decay(age interval, half_life interval): the weight of an event
 * of that age, 0.5 ^ (age / half_life); 1 when half_life is NULL.
 */
PG_FUNCTION_INFO_V1(leadqual_decay);
Datum
leadqual_decay(PG_FUNCTION_ARGS)
{
	double		half_life;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(1))
		PG_RETURN_FLOAT8(1.0);
	half_life = interval_seconds(PG_GETARG_INTERVAL_P(1));
	if (!(half_life > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual.decay: half-life must be positive, not %s",
						DatumGetCString(DirectFunctionCall1(interval_out,
															PG_GETARG_DATUM(1)))),
				 errhint("Pass a half-life such as '30 days', or NULL for no decay.")));
	PG_RETURN_FLOAT8(lq_decay_weight(interval_seconds(PG_GETARG_INTERVAL_P(0)),
									 half_life));
}

/*
 * leadqual._window_start(as_of timestamptz, within interval): the instant
 * within before as_of, in absolute time (see decay.h): the same in every
 * session time zone, across daylight-saving changes.  Minus infinity when
 * the window reaches back past the earliest timestamp, so that every event
 * counts.
 */
PG_FUNCTION_INFO_V1(leadqual_window_start);
Datum
leadqual_window_start(PG_FUNCTION_ARGS)
{
	TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(0);
	Interval   *within = PG_GETARG_INTERVAL_P(1);
	int64		span;
	TimestampTz start;

	if (TIMESTAMP_NOT_FINITE(as_of))
		PG_RETURN_TIMESTAMPTZ(as_of);
	if (!lq_span_microseconds(within->month, within->day, within->time, &span) ||
		pg_sub_s64_overflow(as_of, span, &start) ||
		!IS_VALID_TIMESTAMP(start))
	{
		/* a negative span reaching past the latest timestamp counts nothing */
		if (lq_span_seconds(within->month, within->day, within->time) > 0)
			TIMESTAMP_NOBEGIN(start);
		else
			TIMESTAMP_NOEND(start);
	}
	PG_RETURN_TIMESTAMPTZ(start);
}
