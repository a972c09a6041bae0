/*
 * logistic.c
 *		A regularised logistic regression fitted by Newton's method, and the
 *		area under the ROC curve (see logistic.h).
 *
 * The features are standardised first, so that one penalty suits counts of
 * events and yes-or-no matches alike, and the Newton steps solve a
 * well-scaled system.  Each step solves H d = g by Cholesky, H being the
 * penalised likelihood's negative Hessian (positive definite: the penalty
 * adds lambda to every feature's diagonal, and a tiny ridge keeps the
 * intercept's pivot positive when every prediction is near 0 or 1).
 */
#include "logistic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A ridge on the intercept's diagonal: keeps H positive definite. */
#define INTERCEPT_RIDGE 1e-9
/* Halvings of a step before giving it up. */
#define MAX_HALVINGS 30

size_t
lq_logistic_work_size(int p)
{
	size_t		q = (size_t) p + 1;

	return 3 * (size_t) p + 4 * q + q * q;
}

/* log(1 + exp(eta)), without overflow */
static double
log_one_plus_exp(double eta)
{
	return eta > 0 ? eta + log1p(exp(-eta)) : log1p(exp(eta));
}

/* 1 / (1 + exp(-eta)), without overflow */
static double
sigmoid(double eta)
{
	double		e;

	if (eta >= 0)
		return 1.0 / (1.0 + exp(-eta));
	e = exp(eta);
	return e / (1.0 + e);
}

/* The standardised value of feature j of row i; 0 for a feature that never varies. */
static double
standard(const float *x, size_t i, int p, int j, const double *mean, const double *sd)
{
	return sd[j] > 0 ? ((double) x[i * (size_t) p + (size_t) j] - mean[j]) / sd[j] : 0.0;
}

/* The linear predictor of row i under b (intercept first). */
static double
predictor(const float *x, size_t i, int p, const double *b, const double *mean, const double *sd)
{
	double		eta = b[0];

	for (int j = 0; j < p; j++)
		if (sd[j] > 0)
			eta += b[j + 1] * standard(x, i, p, j, mean, sd);
	return eta;
}

/* The penalised log-likelihood of b. */
static double
penalised_likelihood(const float *x, const uint8_t *y, size_t n, int p, double lambda,
					 const double *b, const double *mean, const double *sd)
{
	double		total = 0;

	for (size_t i = 0; i < n; i++)
	{
		double		eta = predictor(x, i, p, b, mean, sd);

		total += (y[i] ? eta : 0.0) - log_one_plus_exp(eta);
	}
	for (int j = 0; j < p; j++)
		total -= lambda / 2 * b[j + 1] * b[j + 1];
	return total;
}

/*
 * Solves h d = g for d, h (q x q, symmetric positive definite) overwritten
 * by its Cholesky factor.  False when a pivot is not positive.
 */
static bool
cholesky_solve(double *h, const double *g, double *d, int q)
{
	for (int j = 0; j < q; j++)
	{
		double		pivot = h[j * q + j];

		for (int k = 0; k < j; k++)
			pivot -= h[j * q + k] * h[j * q + k];
		if (!(pivot > 0))
			return false;
		h[j * q + j] = sqrt(pivot);
		for (int i = j + 1; i < q; i++)
		{
			double		v = h[i * q + j];

			for (int k = 0; k < j; k++)
				v -= h[i * q + k] * h[j * q + k];
			h[i * q + j] = v / h[j * q + j];
		}
	}
	/* L z = g, then L^T d = z */
	for (int i = 0; i < q; i++)
	{
		double		v = g[i];

		for (int k = 0; k < i; k++)
			v -= h[i * q + k] * d[k];
		d[i] = v / h[i * q + i];
	}
	for (int i = q - 1; i >= 0; i--)
	{
		double		v = d[i];

		for (int k = i + 1; k < q; k++)
			v -= h[k * q + i] * d[k];
		d[i] = v / h[i * q + i];
	}
	return true;
}

/* Each feature's mean and (population) standard deviation. */
static void
standardise(const float *x, size_t n, int p, double *mean, double *sd)
{
	for (int j = 0; j < p; j++)
	{
		double		sum = 0;
		double		squares = 0;

		for (size_t i = 0; i < n; i++)
			sum += x[i * (size_t) p + (size_t) j];
		mean[j] = n > 0 ? sum / (double) n : 0;
		for (size_t i = 0; i < n; i++)
		{
			double		v = x[i * (size_t) p + (size_t) j] - mean[j];

			squares += v * v;
		}
		sd[j] = n > 0 ? sqrt(squares / (double) n) : 0;
		/* a feature that varies by rounding error only does not vary */
		if (!(sd[j] > 1e-12 * fmax(1.0, fabs(mean[j]))) || !isfinite(sd[j]))
			sd[j] = 0;
	}
}

bool
lq_logistic_fit(const float *x, const uint8_t *y, size_t n, int p, double lambda,
				int max_iterations, double tolerance, double *coef, double *work, int *iterations)
{
	int			q = p + 1;
	double	   *mean = work;
	double	   *sd = mean + p;
	double	   *b = sd + p;
	double	   *d = b + q;
	double	   *g = d + q;
	double	   *trial = g + q;
	double	   *z = trial + q;		/* a row's standardised features */
	double	   *h = z + p;
	double		current;
	bool		converged = false;

	standardise(x, n, p, mean, sd);
	memset(b, 0, sizeof(double) * (size_t) q);
	current = penalised_likelihood(x, y, n, p, lambda, b, mean, sd);
	*iterations = 0;
	while (*iterations < max_iterations && !converged)
	{
		double		step = 1.0;
		double		largest = 0;
		double		next = current;
		int			halvings;

		(*iterations)++;
		memset(g, 0, sizeof(double) * (size_t) q);
		memset(h, 0, sizeof(double) * (size_t) q * (size_t) q);
		for (size_t i = 0; i < n; i++)
		{
			double		eta = predictor(x, i, p, b, mean, sd);
			double		fitted = sigmoid(eta);
			double		w = fitted * (1 - fitted);
			double		residual = (y[i] ? 1.0 : 0.0) - fitted;

			/* row 0 and column 0: the intercept's, whose feature is 1 */
			g[0] += residual;
			h[0] += w;
			for (int j = 0; j < p; j++)
				z[j] = standard(x, i, p, j, mean, sd);
			for (int j = 0; j < p; j++)
			{
				double		wz = w * z[j];

				if (sd[j] == 0)
					continue;
				g[j + 1] += residual * z[j];
				h[(j + 1) * q] += wz;
				for (int k = 0; k <= j; k++)
					h[(j + 1) * q + k + 1] += wz * z[k];
			}
		}
		h[0] += INTERCEPT_RIDGE;
		for (int j = 0; j < p; j++)
		{
			if (sd[j] == 0)
			{
				/* a feature that never varies stays at 0 */
				h[(j + 1) * q + j + 1] = 1;
				g[j + 1] = 0;
				continue;
			}
			g[j + 1] -= lambda * b[j + 1];
			h[(j + 1) * q + j + 1] += lambda;
		}
		/* the upper triangle from the lower */
		for (int r = 0; r < q; r++)
			for (int c = r + 1; c < q; c++)
				h[r * q + c] = h[c * q + r];
		if (!cholesky_solve(h, g, d, q))
			break;
		/* halve a step that lowers the penalised likelihood */
		for (halvings = 0; halvings <= MAX_HALVINGS; halvings++, step /= 2)
		{
			for (int j = 0; j < q; j++)
				trial[j] = b[j] + step * d[j];
			next = penalised_likelihood(x, y, n, p, lambda, trial, mean, sd);
			if (next >= current)
				break;
		}
		if (halvings > MAX_HALVINGS)
		{
			converged = true;	/* no step improves: the optimum, to rounding */
			break;
		}
		for (int j = 0; j < q; j++)
		{
			if (fabs(step * d[j]) > largest)
				largest = fabs(step * d[j]);
			b[j] = trial[j];
		}
		current = next;
		converged = largest <= tolerance;
	}

	/* back to the features' own scale */
	coef[0] = b[0];
	for (int j = 0; j < p; j++)
	{
		coef[j + 1] = sd[j] > 0 ? b[j + 1] / sd[j] : 0;
		coef[0] -= coef[j + 1] * mean[j];
	}
	return converged;
}

static int
compare_scored(const void *a, const void *b)
{
	double		x = ((const LqScored *) a)->score;
	double		y = ((const LqScored *) b)->score;

	return x < y ? -1 : x > y;
}

double
lq_auc(LqScored *rows, size_t n)
{
	double		positives = 0;
	double		rank_sum = 0;
	size_t		i = 0;

	qsort(rows, n, sizeof(LqScored), compare_scored);
	while (i < n)
	{
		size_t		end = i;
		double		tied_positives = 0;

		/* a run of equal scores shares the average of its ranks (1-based) */
		while (end < n && rows[end].score == rows[i].score)
			tied_positives += rows[end++].positive ? 1 : 0;
		rank_sum += tied_positives * ((double) (i + 1) + (double) end) / 2;
		positives += tied_positives;
		i = end;
	}
	if (positives == 0 || positives == (double) n)
		return -1;
	return (rank_sum - positives * (positives + 1) / 2) / (positives * ((double) n - positives));
}
