/*
 * logistic.h
 *		A regularised logistic regression fitted by Newton's method, and the
 *		area under the ROC curve, in plain C: suggest_points() proposes a
 *		model's points from them (src/calibration.c).
 *
 * Nothing here knows about PostgreSQL, so it can be unit-tested and fuzzed
 * on its own (test/unit/logistic_test.c, whose oracle checks that the
 * penalised likelihood's gradient vanishes at the fit, and
 * test/fuzz/logistic_fuzz.c).
 *
 * The fit is deterministic: the same rows in the same order give the same
 * coefficients, bit for bit.  It sums over the rows in their order, takes
 * a bounded number of Newton steps, and halves a step that would lower the
 * penalised likelihood.
 */
#ifndef LEADQUAL_LOGISTIC_H
#define LEADQUAL_LOGISTIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most features a fit takes (its Hessian is features squared). */
#define LQ_LOGISTIC_MAX_FEATURES 200

/*
 * Fits P(y = 1 | x) = 1 / (1 + exp(-(b0 + sum_j bj xj))) to n rows of p
 * features (x, row-major, n x p) and outcomes (y, 0 or 1), maximising the
 * log-likelihood less lambda / 2 x the sum of the squared coefficients of
 * the standardised features (each centred, and scaled to unit standard
 * deviation; the intercept is not penalised).  A feature that never varies
 * gets coefficient 0.  coef[0] is b0 and coef[1 .. p] the bj, on the
 * features' own scale.  work must hold lq_logistic_work_size(p) doubles.
 * At most max_iterations Newton steps; *iterations says how many were
 * taken.  Returns true when the last step moved no standardised
 * coefficient by more than tolerance, false when the iterations ran out
 * (coef then holds the last estimate).  lambda must be positive when p > 0
 * and 1 <= p <= LQ_LOGISTIC_MAX_FEATURES, or p = 0 (the intercept alone).
 */
extern size_t lq_logistic_work_size(int p);
extern bool lq_logistic_fit(const float *x, const uint8_t *y, size_t n, int p, double lambda,
							int max_iterations, double tolerance, double *coef, double *work,
							int *iterations);

/* A score and its outcome, for lq_auc(). */
typedef struct LqScored
{
	double		score;
	uint8_t		positive;
} LqScored;

/*
 * The area under the ROC curve of the scores: the chance that a positive
 * row scores above a negative one, ties counting half (the Mann-Whitney
 * statistic).  Sorts rows[] in place.  -1 when either class is empty.
 * No score may be NaN.
 */
extern double lq_auc(LqScored *rows, size_t n);

#endif							/* LEADQUAL_LOGISTIC_H */
