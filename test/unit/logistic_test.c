/*
 * logistic_test.c
 *		TAP unit tests of the plain-C logistic regression and AUC in
 *		src/core/logistic.c.  Built and run by "make unitcheck"; needs no
 *		server.  The oracle: at the fit, the penalised likelihood's gradient
 *		in the standardised features vanishes; and two groups' fit is their
 *		log-odds, known in closed form.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logistic.h"

static int	test_count = 0;
static int	failures = 0;

static void
ok(int passed, const char *description)
{
	test_count++;
	failures += !passed;
	printf("%sok %d - %s\n", passed ? "" : "not ", test_count, description);
}

/* a fixed pseudo-random sequence (an LCG), for reproducible data */
static uint64_t seed = 42;

static double
uniform(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double) (seed >> 11) / 9007199254740992.0;
}

static double
logit(double p)
{
	return log(p / (1 - p));
}

/*
 * The largest gradient of the penalised likelihood, in the standardised
 * features, at coef (on the features' scale): 0 at the optimum.
 */
static double
largest_gradient(const float *x, const uint8_t *y, size_t n, int p, double lambda, const double *coef)
{
	double		mean[8] = {0};
	double		sd[8] = {0};
	double		g[9] = {0};
	double		largest = 0;

	for (int j = 0; j < p; j++)
	{
		for (size_t i = 0; i < n; i++)
			mean[j] += x[i * p + j];
		mean[j] /= (double) n;
		for (size_t i = 0; i < n; i++)
			sd[j] += (x[i * p + j] - mean[j]) * (x[i * p + j] - mean[j]);
		sd[j] = sqrt(sd[j] / (double) n);
	}
	for (size_t i = 0; i < n; i++)
	{
		double		eta = coef[0];
		double		fitted;

		for (int j = 0; j < p; j++)
			eta += coef[j + 1] * x[i * p + j];
		fitted = 1 / (1 + exp(-eta));
		g[0] += y[i] - fitted;
		for (int j = 0; j < p; j++)
			if (sd[j] > 0)
				g[j + 1] += (y[i] - fitted) * (x[i * p + j] - mean[j]) / sd[j];
	}
	for (int j = 0; j < p; j++)
		g[j + 1] -= lambda * coef[j + 1] * sd[j];
	for (int j = 0; j <= p; j++)
		if (fabs(g[j]) > largest)
			largest = fabs(g[j]);
	return largest;
}

int
main(void)
{
	enum
	{
		N = 2000, P = 4
	};
	static float x[N * P];
	static uint8_t y[N];
	double		truth[P + 1] = {-1.0, 0.8, -0.5, 0.02, 0.0};
	double	   *work = malloc(sizeof(double) * lq_logistic_work_size(P));
	double		coef[P + 1];
	double		again[P + 1];
	int			iterations;
	bool		converged;

	/* features: a yes-or-no match, a count, a large count, noise */
	for (int i = 0; i < N; i++)
	{
		double		eta = truth[0];

		x[i * P + 0] = uniform() < 0.3;
		x[i * P + 1] = (float) floor(uniform() * 6);
		x[i * P + 2] = (float) floor(uniform() * 200);
		x[i * P + 3] = (float) uniform();
		for (int j = 0; j < P; j++)
			eta += truth[j + 1] * x[i * P + j];
		y[i] = uniform() < 1 / (1 + exp(-eta));
	}
	converged = lq_logistic_fit(x, y, N, P, 1.0, 25, 1e-10, coef, work, &iterations);
	ok(converged, "converges on 2,000 rows of 4 features");
	ok(iterations >= 3 && iterations <= 12, "in a handful of Newton steps");
	ok(largest_gradient(x, y, N, P, 1.0, coef) < 1e-6, "the penalised likelihood's gradient vanishes at the fit");
	ok(fabs(coef[1] - truth[1]) < 0.3 && fabs(coef[2] - truth[2]) < 0.15 && fabs(coef[3] - truth[3]) < 0.005,
	   "the coefficients are near those the data was drawn from");
	ok(fabs(coef[4]) < 0.5, "noise gets a small coefficient");
	lq_logistic_fit(x, y, N, P, 1.0, 25, 1e-10, again, work, &iterations);
	ok(memcmp(coef, again, sizeof(coef)) == 0, "deterministic: the same rows give the same bits");

	/* a stronger penalty pulls the coefficients toward 0 */
	lq_logistic_fit(x, y, N, P, 1000.0, 25, 1e-10, again, work, &iterations);
	ok(fabs(again[1]) < fabs(coef[1]) && fabs(again[2]) < fabs(coef[2]), "a larger lambda shrinks the coefficients");
	ok(largest_gradient(x, y, N, P, 1000.0, again) < 1e-6, "... to its own optimum");

	/* two groups: the fit is their log-odds (a negligible penalty) */
	{
		float		gx[80];
		uint8_t		gy[80];

		for (int i = 0; i < 80; i++)
		{
			gx[i] = i >= 40;
			gy[i] = i < 40 ? i < 10 : i < 70;
		}
		lq_logistic_fit(gx, gy, 80, 1, 1e-9, 50, 1e-12, coef, work, &iterations);
		ok(fabs(coef[0] - logit(0.25)) < 1e-6, "two groups: the intercept is the first group's log-odds, logit(10/40)");
		ok(fabs(coef[1] - (logit(0.75) - logit(0.25))) < 1e-6, "... and the coefficient the difference, logit(30/40) - logit(10/40)");
		lq_logistic_fit(NULL, gy, 80, 0, 1.0, 50, 1e-12, coef, work, &iterations);
		ok(fabs(coef[0] - logit(40.0 / 80)) < 1e-9, "no features: the intercept is the overall log-odds");
	}

	/* a feature that never varies, and two identical ones */
	{
		float		cx[300 * 3];
		uint8_t		cy[300];

		seed = 7;
		for (int i = 0; i < 300; i++)
		{
			cx[i * 3] = 5;
			cx[i * 3 + 1] = cx[i * 3 + 2] = uniform() < 0.5;
			cy[i] = uniform() < (cx[i * 3 + 1] ? 0.7 : 0.2);
		}
		converged = lq_logistic_fit(cx, cy, 300, 3, 1.0, 25, 1e-10, coef, work, &iterations);
		ok(converged && coef[1] == 0, "a feature that never varies gets 0");
		ok(fabs(coef[2] - coef[3]) < 1e-9 && coef[2] > 0, "two identical features share the weight equally");
	}

	/* separable data: the penalty keeps it finite */
	{
		float		sx[100];
		uint8_t		sy[100];

		for (int i = 0; i < 100; i++)
		{
			sx[i] = (float) i;
			sy[i] = i >= 50;
		}
		converged = lq_logistic_fit(sx, sy, 100, 1, 1.0, 50, 1e-10, coef, work, &iterations);
		ok(converged && isfinite(coef[0]) && isfinite(coef[1]) && coef[1] > 0,
		   "perfectly separated classes: a finite fit, the right way round");
	}

	/* one class only: no optimum, a bounded number of steps */
	{
		float		ox[50];
		uint8_t		oy[50] = {0};

		for (int i = 0; i < 50; i++)
			ox[i] = (float) (i % 3);
		converged = lq_logistic_fit(ox, oy, 50, 1, 1.0, 25, 1e-10, coef, work, &iterations);
		ok(!converged && iterations == 25 && isfinite(coef[0]) && coef[0] < -10,
		   "no positive row: the intercept runs down, the iterations run out, no crash");
	}

	/* AUC */
	{
		LqScored	perfect[4] = {{0.1, 0}, {0.4, 1}, {0.35, 0}, {0.8, 1}};
		LqScored	reversed[4] = {{0.1, 1}, {0.4, 0}, {0.35, 1}, {0.8, 0}};
		LqScored	tied[4] = {{1, 1}, {1, 0}, {1, 0}, {1, 1}};
		LqScored	mixed[4] = {{1, 1}, {1, 0}, {2, 0}, {0, 1}};
		LqScored	one_class[3] = {{1, 1}, {2, 1}, {3, 1}};

		ok(lq_auc(perfect, 4) == 1.0, "AUC 1 when every positive scores above every negative");
		ok(lq_auc(reversed, 4) == 0.0, "AUC 0 when every positive scores below");
		ok(lq_auc(tied, 4) == 0.5, "AUC 0.5 when every score ties");
		ok(lq_auc(mixed, 4) == 0.125, "a tie counts half: 0.5 of 4 pairs");
		ok(lq_auc(one_class, 3) == -1, "-1 with one class only");
		ok(lq_auc(NULL, 0) == -1, "-1 with no rows");
	}

	free(work);
	printf("1..%d\n", test_count);
	return failures > 0;
}
