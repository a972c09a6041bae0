/*
 * logistic_fuzz.c
 *		libFuzzer harness for the logistic regression and AUC
 *		(src/core/logistic.c).
 *
 * The input's first two bytes give the number of features (0 to 6) and the
 * penalty; each following row is one byte of outcome and one byte a feature,
 * read as a small number (a count, or a yes or no).  Whatever the rows, the
 * fit must end within its iterations with finite coefficients, fitting the
 * same rows again must give the same bits, and the AUC of the fitted
 * scores must be -1 (one class) or within [0, 1].
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logistic.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROWS 512

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static float x[MAX_ROWS * 6];
	static uint8_t y[MAX_ROWS];
	static LqScored scored[MAX_ROWS];
	double		work[64 + 7 * 7 + 32];
	double		coef[7];
	double		again[7];
	int			p;
	double		lambda;
	size_t		n;
	int			iterations;
	double		auc;

	if (size < 2)
		return 0;
	p = data[0] % 7;
	lambda = 0.01 + data[1] / 16.0;
	data += 2;
	size -= 2;
	n = size / (size_t) (p + 1);
	if (n > MAX_ROWS)
		n = MAX_ROWS;
	if (lq_logistic_work_size(p) > sizeof(work) / sizeof(work[0]))
		abort();
	for (size_t i = 0; i < n; i++)
	{
		const uint8_t *row = data + i * (size_t) (p + 1);

		y[i] = row[0] & 1;
		for (int j = 0; j < p; j++)
			x[i * (size_t) p + (size_t) j] = (float) (row[j + 1] % 2 == 0 ? row[j + 1] / 2 : row[j + 1] & 1);
	}
	(void) lq_logistic_fit(x, y, n, p, lambda, 25, 1e-10, coef, work, &iterations);
	if (iterations < 0 || iterations > 25)
		abort();
	for (int j = 0; j <= p; j++)
		if (!isfinite(coef[j]))
			abort();
	(void) lq_logistic_fit(x, y, n, p, lambda, 25, 1e-10, again, work, &iterations);
	if (memcmp(coef, again, sizeof(double) * (size_t) (p + 1)) != 0)
		abort();
	for (size_t i = 0; i < n; i++)
	{
		double		eta = coef[0];

		for (int j = 0; j < p; j++)
			eta += coef[j + 1] * x[i * (size_t) p + (size_t) j];
		scored[i].score = eta;
		scored[i].positive = y[i];
	}
	auc = lq_auc(scored, n);
	if (!(auc == -1 || (auc >= 0 && auc <= 1)))
		abort();
	return 0;
}
