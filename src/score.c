/*
 * score.c
 *		Comparing a score column of any numeric type with the threshold.
 *
 * The comparisons follow SQL: integer and numeric scores compare exactly,
 * real and double precision scores compare as double precision, as
 * "score >= threshold" would.  NaN is no score at all: it never meets the
 * threshold and never counts as a rise.
 */
#include "postgres.h"

#include <ctype.h>
#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "compat.h"
#include "score.h"

bool
lq_score_kind_for_type(Oid type, LqScoreKind *kind)
{
	switch (getBaseType(type))
	{
		case INT2OID:
			*kind = LQ_SCORE_INT2;
			return true;
		case INT4OID:
			*kind = LQ_SCORE_INT4;
			return true;
		case INT8OID:
			*kind = LQ_SCORE_INT8;
			return true;
		case FLOAT4OID:
			*kind = LQ_SCORE_FLOAT4;
			return true;
		case FLOAT8OID:
			*kind = LQ_SCORE_FLOAT8;
			return true;
		case NUMERICOID:
			*kind = LQ_SCORE_NUMERIC;
			return true;
		default:
			return false;
	}
}

static int
numeric_compare(Datum a, Datum b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a, b));
}

int
lq_numeric_cmp(Numeric a, Numeric b)
{
	return numeric_compare(NumericGetDatum(a), NumericGetDatum(b));
}

/* The exact value of a finite double, as numeric. */
static Datum
double_as_numeric(double value)
{
	/* glibc prints the exact binary value given enough digits */
	char		digits[1200];

	snprintf(digits, sizeof(digits), "%.1100e", value);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(digits),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/*
 * The smallest double at or above the threshold, so that for any double
 * score, score >= it exactly when score >= the threshold.  Rounding to the
 * nearest double instead would let a threshold such as 1e-400 (which rounds
 * to 0) be met by a score of 0.
 */
static double
float_ceiling(Datum exact)
{
	double		nearest = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
															 exact));

	if (isinf(nearest))
		return nearest > 0 ? nearest : -DBL_MAX;
	if (numeric_compare(double_as_numeric(nearest), exact) < 0)
		return nextafter(nearest, INFINITY);
	return nearest;
}

/* Copies the finite threshold into cxt and precomputes its comparisons. */
void
lq_threshold_set(LqThreshold *threshold, Numeric exact, MemoryContext cxt)
{
	Datum		exact_datum = NumericGetDatum(exact);
	Datum		ceiling = DirectFunctionCall1(numeric_ceil, exact_datum);
	Datum		int8_min = NumericGetDatum(int64_to_numeric(PG_INT64_MIN));
	Datum		int8_max = NumericGetDatum(int64_to_numeric(PG_INT64_MAX));
	MemoryContext old = MemoryContextSwitchTo(cxt);

	threshold->exact = DatumGetNumericCopy(exact_datum);
	MemoryContextSwitchTo(old);

	threshold->as_float = float_ceiling(exact_datum);
	threshold->int_always = numeric_compare(ceiling, int8_min) <= 0;
	threshold->int_never = numeric_compare(ceiling, int8_max) > 0;
	threshold->int_ceiling = 0;
	Assert(!(threshold->int_always && threshold->int_never));
	if (!threshold->int_always && !threshold->int_never)
		threshold->int_ceiling =
			DatumGetInt64(DirectFunctionCall1(numeric_int8, ceiling));
}

static int64
integer_score(LqScoreKind kind, Datum score)
{
	switch (kind)
	{
		case LQ_SCORE_INT2:
			return DatumGetInt16(score);
		case LQ_SCORE_INT4:
			return DatumGetInt32(score);
		default:
			return DatumGetInt64(score);
	}
}

static double
float_score(LqScoreKind kind, Datum score)
{
	return kind == LQ_SCORE_FLOAT4 ? DatumGetFloat4(score)
		: DatumGetFloat8(score);
}

bool
lq_score_meets(LqScoreKind kind, Datum score, const LqThreshold *threshold)
{
	switch (kind)
	{
		case LQ_SCORE_INT2:
		case LQ_SCORE_INT4:
		case LQ_SCORE_INT8:
			if (threshold->int_always || threshold->int_never)
				return threshold->int_always;
			return integer_score(kind, score) >= threshold->int_ceiling;
		case LQ_SCORE_FLOAT4:
		case LQ_SCORE_FLOAT8:
			{
				double		value = float_score(kind, score);

				return !isnan(value) && value >= threshold->as_float;
			}
		case LQ_SCORE_NUMERIC:
			return !numeric_is_nan(DatumGetNumeric(score)) &&
				numeric_compare(score, NumericGetDatum(threshold->exact)) >= 0;
	}
	pg_unreachable();
}

/* a > b, both non-NULL scores of the same kind */
bool
lq_score_greater(LqScoreKind kind, Datum a, Datum b)
{
	switch (kind)
	{
		case LQ_SCORE_INT2:
		case LQ_SCORE_INT4:
		case LQ_SCORE_INT8:
			return integer_score(kind, a) > integer_score(kind, b);
		case LQ_SCORE_FLOAT4:
		case LQ_SCORE_FLOAT8:
			/* comparisons with NaN are false, which is what we want */
			return float_score(kind, a) > float_score(kind, b);
		case LQ_SCORE_NUMERIC:
			return !numeric_is_nan(DatumGetNumeric(a)) &&
				!numeric_is_nan(DatumGetNumeric(b)) &&
				numeric_compare(a, b) > 0;
	}
	pg_unreachable();
}

/* The score as the numeric the transition log stores. */
Datum
lq_score_to_numeric(LqScoreKind kind, Datum score)
{
	switch (kind)
	{
		case LQ_SCORE_INT2:
		case LQ_SCORE_INT4:
		case LQ_SCORE_INT8:
			return NumericGetDatum(int64_to_numeric(integer_score(kind, score)));
		case LQ_SCORE_FLOAT4:
			return DirectFunctionCall1(float4_numeric, score);
		case LQ_SCORE_FLOAT8:
			return DirectFunctionCall1(float8_numeric, score);
		case LQ_SCORE_NUMERIC:
			return score;
	}
	pg_unreachable();
}

/*
 * The largest magnitude a score column of the kind holds, as a numeric; NULL
 * for numeric, which holds any.  Made once, in TopMemoryContext.
 */
static Numeric
largest_score(LqScoreKind kind)
{
	static Numeric largest[LQ_SCORE_NUMERIC];
	MemoryContext caller_cxt;

	if (kind == LQ_SCORE_NUMERIC)
		return NULL;
	if (largest[kind] != NULL)
		return largest[kind];
	caller_cxt = MemoryContextSwitchTo(TopMemoryContext);
	switch (kind)
	{
		case LQ_SCORE_INT2:
			largest[kind] = int64_to_numeric(PG_INT16_MAX);
			break;
		case LQ_SCORE_INT4:
			largest[kind] = int64_to_numeric(PG_INT32_MAX);
			break;
		case LQ_SCORE_INT8:
			largest[kind] = int64_to_numeric(PG_INT64_MAX);
			break;
		case LQ_SCORE_FLOAT4:
			largest[kind] = DatumGetNumeric(DirectFunctionCall1(float4_numeric,
																Float4GetDatum(FLT_MAX)));
			break;
		case LQ_SCORE_FLOAT8:
			largest[kind] = DatumGetNumeric(DirectFunctionCall1(float8_numeric,
																Float8GetDatum(DBL_MAX)));
			break;
		case LQ_SCORE_NUMERIC:
			pg_unreachable();
	}
	MemoryContextSwitchTo(caller_cxt);
	return largest[kind];
}

/*
 * Does a computed (finite) score fit the score column's type?  Integer
 * columns hold their range, rounded as the cast rounds (the most negative
 * value, one beyond the largest's negation, is refused: no model reaches
 * it); float columns up to their largest finite value, as PostgreSQL prints
 * it.
 */
bool
lq_score_fits(LqScoreKind kind, Numeric score)
{
	Numeric		largest = largest_score(kind);
	Numeric		magnitude;

	if (largest == NULL)
		return true;
	magnitude = DatumGetNumeric(DirectFunctionCall1(numeric_abs, NumericGetDatum(score)));
	if (kind == LQ_SCORE_INT2 || kind == LQ_SCORE_INT4 || kind == LQ_SCORE_INT8)
		magnitude = DatumGetNumeric(DirectFunctionCall2(numeric_round, NumericGetDatum(magnitude),
														Int32GetDatum(0)));
	return lq_numeric_cmp(magnitude, largest) <= 0;
}

/*
 * A computed score, as the score column's type stores it.  Integer columns
 * get scores of scale 0 (manage() sees to it); numeric() rounds anyway.
 */
Datum
lq_score_from_numeric(LqScoreKind kind, Datum score)
{
	switch (kind)
	{
		case LQ_SCORE_INT2:
			return DirectFunctionCall1(numeric_int2, score);
		case LQ_SCORE_INT4:
			return DirectFunctionCall1(numeric_int4, score);
		case LQ_SCORE_INT8:
			return DirectFunctionCall1(numeric_int8, score);
		case LQ_SCORE_FLOAT4:
			return DirectFunctionCall1(numeric_float4, score);
		case LQ_SCORE_FLOAT8:
			return DirectFunctionCall1(numeric_float8, score);
		case LQ_SCORE_NUMERIC:
			return score;
	}
	pg_unreachable();
}

/* a = b, both non-NULL scores of the same kind; NaN equals nothing */
bool
lq_score_equal(LqScoreKind kind, Datum a, Datum b)
{
	switch (kind)
	{
		case LQ_SCORE_INT2:
		case LQ_SCORE_INT4:
		case LQ_SCORE_INT8:
			return integer_score(kind, a) == integer_score(kind, b);
		case LQ_SCORE_FLOAT4:
		case LQ_SCORE_FLOAT8:
			return float_score(kind, a) == float_score(kind, b);
		case LQ_SCORE_NUMERIC:
			return !numeric_is_nan(DatumGetNumeric(a)) &&
				!numeric_is_nan(DatumGetNumeric(b)) &&
				numeric_compare(a, b) == 0;
	}
	pg_unreachable();
}

/*
 * Is the text a plain decimal number: optional sign, digits with an optional
 * point, an optional exponent of at most four digits, surrounding spaces?
 * What numeric's input accepts, less NaN, infinities and huge exponents.
 */
bool
lq_is_decimal(const char *text)
{
	const char *p = text;
	int			digits = 0;

	while (isspace((unsigned char) *p))
		p++;
	if (*p == '+' || *p == '-')
		p++;
	for (; isdigit((unsigned char) *p); p++)
		digits++;
	if (*p == '.')
		for (p++; isdigit((unsigned char) *p); p++)
			digits++;
	if (digits == 0)
		return false;
	if (*p == 'e' || *p == 'E')
	{
		int			exponent_digits = 0;

		p++;
		if (*p == '+' || *p == '-')
			p++;
		for (; isdigit((unsigned char) *p); p++)
			exponent_digits++;
		if (exponent_digits == 0 || exponent_digits > 4)
			return false;
	}
	while (isspace((unsigned char) *p))
		p++;
	return *p == '\0';
}

/* Is the numeric neither NaN nor an infinity? */
bool
lq_numeric_is_finite(Numeric value)
{
	return !numeric_is_nan(value) && !numeric_is_inf(value);
}

/* 10^scale, for scale 0 to 18. */
static int64
power_of_ten(int scale)
{
	int64		unit = 1;

	Assert(scale >= 0 && scale <= 18);
	for (int i = 0; i < scale; i++)
		unit *= 10;
	return unit;
}

/*
 * value x 10^scale, rounded as "rounding" says (LQ_ROUND_FLOOR,
 * LQ_ROUND_CEILING or LQ_ROUND_HALF_AWAY, as numeric's round() does), into
 * *result; false when it doesn't fit an int64 (then *result is the
 * nearest end, INT64_MIN or INT64_MAX).
 */
bool
lq_numeric_scaled(Numeric value, int scale, LqRounding rounding, int64 *result)
{
	Datum		scaled = DirectFunctionCall2(numeric_mul, NumericGetDatum(value),
											 NumericGetDatum(int64_to_numeric(power_of_ten(scale))));
	Datum		whole;

	switch (rounding)
	{
		case LQ_ROUND_FLOOR:
			whole = DirectFunctionCall1(numeric_floor, scaled);
			break;
		case LQ_ROUND_CEILING:
			whole = DirectFunctionCall1(numeric_ceil, scaled);
			break;
		default:
			whole = DirectFunctionCall2(numeric_round, scaled, Int32GetDatum(0));
			break;
	}
	if (lq_numeric_cmp(DatumGetNumeric(whole), int64_to_numeric(PG_INT64_MAX)) > 0)
	{
		*result = PG_INT64_MAX;
		return false;
	}
	if (lq_numeric_cmp(DatumGetNumeric(whole), int64_to_numeric(PG_INT64_MIN)) < 0)
	{
		*result = PG_INT64_MIN;
		return false;
	}
	*result = DatumGetInt64(DirectFunctionCall1(numeric_int8, whole));
	return true;
}
