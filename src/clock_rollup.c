/*
 * clock_rollup.c
 *		leadqual._business_time_percentiles(): percentile_cont over business
 *		times that come both as single clocks' times and as the arrays of
 *		leadqual.sla_clock_day, the clocks' daily rollup; and
 *		leadqual._microseconds(), which fills those arrays.
 *
 * sla_compliance reads a day's folded clocks as one rollup row holding
 * their business times in microseconds, and the clocks not folded yet one
 * by one.  Unnesting the arrays back into rows for percentile_cont costs
 * more than the rest of the report, so this aggregate takes both shapes,
 * gathers the microseconds, sorts them once, and interpolates exactly as
 * percentile_cont(interval) does, with PostgreSQL's own interval
 * arithmetic, so that the figures equal those of a recomputation from the
 * clocks.  Business times are hours (business_time_between() never gives
 * days or months); an interval with days counts them as 24 hours, and one
 * with months is refused.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "leadqual.h"

/* The business times gathered for one group, in microseconds. */
typedef struct LqTimes
{
	int64	   *us;
	int			n;
	int			capacity;
	ArrayType  *fractions;		/* the percentiles asked for, from the first row */
} LqTimes;

/* Room for "more" times besides those gathered. */
static void
times_reserve(LqTimes *times, int more)
{
	if (times->n + more > times->capacity)
	{
		times->capacity = Max(times->capacity * 2, times->n + more);
		times->us = repalloc_huge(times->us, sizeof(int64) * times->capacity);
	}
}

/* One business time in microseconds; days count 24 hours. */
static int64
interval_microseconds(const Interval *time)
{
	int64		us;

	if (time->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual: business time %s has months",
						DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(time)))),
				 errhint("Business times are hours; rebuild the clock's business_time with leadqual.business_time_between().")));
	if (pg_mul_s64_overflow(time->day, USECS_PER_DAY, &us) ||
		pg_add_s64_overflow(us, time->time, &us))
		ereport(ERROR,
				(errcode(ERRCODE_INTERVAL_FIELD_OVERFLOW),
				 errmsg("leadqual: business time out of range")));
	return us;
}

/*
 * leadqual._microseconds(business_time interval): the microseconds the
 * rollup keeps of a business time, as the aggregate below counts them.
 */
PG_FUNCTION_INFO_V1(leadqual_microseconds);
Datum
leadqual_microseconds(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(interval_microseconds(PG_GETARG_INTERVAL_P(0)));
}

static Datum
microseconds_interval(int64 us)
{
	Interval   *result = palloc0(sizeof(Interval));

	result->time = us;
	return IntervalPGetDatum(result);
}

/*
 * Reorders us[from..to] so that us[k] is the value a sort would put there,
 * with none larger before it and none smaller after (Hoare's selection):
 * the two neighbours percentile_cont interpolates between take linear
 * time, where sorting a group's times took most of the report's.
 */
static void
select_kth(int64 *us, int from, int to, int k)
{
	while (from < to)
	{
		int64		pivot = us[from + (to - from) / 2];
		int			i = from;
		int			j = to;

		while (i <= j)
		{
			while (us[i] < pivot)
				i++;
			while (us[j] > pivot)
				j--;
			if (i <= j)
			{
				int64		swap = us[i];

				us[i++] = us[j];
				us[j--] = swap;
			}
		}
		if (k <= j)
			to = j;
		else if (k >= i)
			from = i;
		else
			return;				/* us[j+1..i-1] all equal the pivot */
	}
}

/* The smallest of us[from..to]. */
static int64
smallest(const int64 *us, int from, int to)
{
	int64		least = us[from];

	for (int i = from + 1; i <= to; i++)
		least = Min(least, us[i]);
	return least;
}

/*
 * leadqual._business_time_percentiles(many bigint[], one interval,
 * fractions float8[]): transition.  Takes the microseconds of "many" (a
 * rollup row's times; NULL elements are refused) and "one" (a clock's),
 * either may be NULL.
 */
PG_FUNCTION_INFO_V1(leadqual_business_time_percentiles_step);
Datum
leadqual_business_time_percentiles_step(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	MemoryContext old;
	LqTimes    *times;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("leadqual._business_time_percentiles_step called outside an aggregate"),
				 errhint("Call leadqual._business_time_percentiles().")));

	old = MemoryContextSwitchTo(aggcontext);
	if (!PG_ARGISNULL(0))
		times = (LqTimes *) PG_GETARG_POINTER(0);
	else
	{
		times = palloc0(sizeof(LqTimes));
		times->capacity = 64;
		times->us = palloc(sizeof(int64) * times->capacity);
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("leadqual._business_time_percentiles: fractions must not be NULL"),
					 errhint("Pass the percentiles as fractions, such as '{0.5,0.9}'.")));
		times->fractions = DatumGetArrayTypePCopy(PG_GETARG_DATUM(3));
	}
	MemoryContextSwitchTo(old);

	if (!PG_ARGISNULL(1))
	{
		ArrayType  *many = PG_GETARG_ARRAYTYPE_P(1);
		int			count = ArrayGetNItems(ARR_NDIM(many), ARR_DIMS(many));

		if (ARR_HASNULL(many))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("leadqual._business_time_percentiles: an array of business times holds a NULL"),
					 errhint("Rebuild the rollup with leadqual.refresh_rollups(rebuild => true).")));
		Assert(ARR_ELEMTYPE(many) == INT8OID);
		times_reserve(times, count);
		memcpy(times->us + times->n, ARR_DATA_PTR(many), sizeof(int64) * count);
		times->n += count;
	}
	if (!PG_ARGISNULL(2))
	{
		times_reserve(times, 1);
		times->us[times->n++] = interval_microseconds(PG_GETARG_INTERVAL_P(2));
	}
	PG_RETURN_POINTER(times);
}

/*
 * percentile_cont's interpolation between two neighbours, in interval
 * arithmetic: lo + (hi - lo) * proportion.
 */
static Datum
interpolate(int64 lo, int64 hi, double proportion)
{
	Datum		low = microseconds_interval(lo);
	Datum		span = DirectFunctionCall2(interval_mi, microseconds_interval(hi), low);

	return DirectFunctionCall2(interval_pl, low,
							   DirectFunctionCall2(interval_mul, span, Float8GetDatum(proportion)));
}

/*
 * Final: the percentiles as an interval[] in the order of the fractions,
 * each NULL where the group had no time; NULL for an empty group.
 */
PG_FUNCTION_INFO_V1(leadqual_business_time_percentiles_final);
Datum
leadqual_business_time_percentiles_final(PG_FUNCTION_ARGS)
{
	LqTimes    *times;
	Datum	   *fractions;
	bool	   *fraction_nulls;
	int			nfractions;
	Datum	   *results;
	bool	   *result_nulls;
	int			dims[1];
	int			lbs[1] = {1};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	times = (LqTimes *) PG_GETARG_POINTER(0);
	if (times->n == 0)
		PG_RETURN_NULL();

	deconstruct_array(times->fractions, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &fractions, &fraction_nulls, &nfractions);
	results = palloc(sizeof(Datum) * Max(nfractions, 1));
	result_nulls = palloc(sizeof(bool) * Max(nfractions, 1));
	for (int i = 0; i < nfractions; i++)
	{
		double		fraction = fraction_nulls[i] ? 0 : DatumGetFloat8(fractions[i]);
		double		position;
		int			first;
		int			second;

		if (fraction_nulls[i] || isnan(fraction) || fraction < 0 || fraction > 1)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("leadqual._business_time_percentiles: percentile value %g is not between 0 and 1",
							fraction),
					 errhint("Pass fractions from 0 to 1, such as 0.9 for the 90th percentile.")));
		/* as percentile_cont: the rows either side of fraction * (n - 1) */
		position = fraction * (times->n - 1);
		first = (int) floor(position);
		second = (int) ceil(position);
		Assert(first >= 0 && second < times->n && second - first <= 1);
		/* reordering the state is allowed (FINALFUNC_MODIFY = SHAREABLE) */
		select_kth(times->us, 0, times->n - 1, first);
		results[i] = first == second
			? microseconds_interval(times->us[first])
			: interpolate(times->us[first], smallest(times->us, second, times->n - 1),
						  position - first);
		result_nulls[i] = false;
	}
	dims[0] = nfractions;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(results, result_nulls, 1, dims, lbs,
											 INTERVALOID, sizeof(Interval), false, TYPALIGN_DOUBLE));
}
