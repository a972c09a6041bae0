/*
 * score.h
 *		Score columns of every numeric type compared with the threshold,
 *		and numeric helpers (score.c).
 */
#ifndef LQ_SCORE_H
#define LQ_SCORE_H

#include "postgres.h"

#include "utils/numeric.h"

/* How a score column's values compare with the threshold. */
typedef enum LqScoreKind
{
	LQ_SCORE_INT2,
	LQ_SCORE_INT4,
	LQ_SCORE_INT8,
	LQ_SCORE_FLOAT4,
	LQ_SCORE_FLOAT8,
	LQ_SCORE_NUMERIC
} LqScoreKind;

/*
 * The threshold, precomputed for each way of comparing, so the per-row test
 * is one comparison and no allocation.
 */
typedef struct LqThreshold
{
	Numeric		exact;			/* as given; in LqTableConfig.model_cxt */
	double		as_float;
	int64		int_ceiling;	/* smallest integer >= exact, when it fits */
	bool		int_always;		/* every integer meets it */
	bool		int_never;		/* no integer meets it */
} LqThreshold;

extern bool lq_score_kind_for_type(Oid type, LqScoreKind *kind);
extern void lq_threshold_set(LqThreshold *threshold, Numeric exact,
							 MemoryContext cxt);
extern bool lq_score_meets(LqScoreKind kind, Datum score,
						   const LqThreshold *threshold);
extern bool lq_score_greater(LqScoreKind kind, Datum a, Datum b);
extern Datum lq_score_to_numeric(LqScoreKind kind, Datum score);
extern Datum lq_score_from_numeric(LqScoreKind kind, Datum score);
extern bool lq_score_fits(LqScoreKind kind, Numeric score);
extern bool lq_score_equal(LqScoreKind kind, Datum a, Datum b);
extern int	lq_numeric_cmp(Numeric a, Numeric b);
extern bool lq_is_decimal(const char *text);

extern bool lq_numeric_is_finite(Numeric value);

/*
 * Numbers in units of 10^-scale, as int64: scores under a model are sums
 * of points rounded to its scale, which add exactly in whole units.
 */
typedef enum LqRounding
{
	LQ_ROUND_FLOOR,
	LQ_ROUND_CEILING,
	LQ_ROUND_HALF_AWAY			/* numeric's round() */
} LqRounding;

extern bool lq_numeric_scaled(Numeric value, int scale, LqRounding rounding, int64 *result);

#endif							/* LQ_SCORE_H */
