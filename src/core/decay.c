/*
 * decay.c
 *		Exponential decay of engagement: see decay.h.
 */
#include <math.h>

#include "decay.h"

double
lq_decay_weight(double age_seconds, double half_life_seconds)
{
	if (!(age_seconds > 0))
		return 1.0;
	/* even over an infinite half-life, where the ratio would be NaN */
	if (isinf(age_seconds))
		return 0.0;
	/* exp2() underflows to 0 for ages of thousands of half-lives */
	return exp2(-(age_seconds / half_life_seconds));
}

#define USECS_PER_DAY INT64_C(86400000000)
/* a year of 365.25 days, and a month of 30 */
#define USECS_PER_YEAR (USECS_PER_DAY * 1461 / 4)
#define USECS_PER_MONTH (USECS_PER_DAY * 30)

/*
 * From the exact microseconds when they fit: summed as doubles, parts that
 * cancel (8 months and -240 days) would leave their rounding error behind.
 */
double
lq_span_seconds(int32_t months, int32_t days, int64_t microseconds)
{
	int64_t		exact;

	if (lq_span_microseconds(months, days, microseconds, &exact))
		return exact / 1e6;
	return microseconds / 1e6 +
		(double) (months / 12) * (USECS_PER_YEAR / 1e6) +
		(double) (months % 12) * (USECS_PER_MONTH / 1e6) +
		(double) days * (USECS_PER_DAY / 1e6);
}

bool
lq_span_microseconds(int32_t months, int32_t days, int64_t microseconds, int64_t *result)
{
	int64_t		years_part;
	int64_t		months_part;
	int64_t		days_part;
	int64_t		sum;

	if (__builtin_mul_overflow((int64_t) (months / 12), USECS_PER_YEAR, &years_part) ||
		__builtin_mul_overflow((int64_t) days, USECS_PER_DAY, &days_part))
		return false;
	/* under 12 months of 30 days: no overflow */
	months_part = (int64_t) (months % 12) * USECS_PER_MONTH;
	if (__builtin_add_overflow(years_part, months_part, &sum) ||
		__builtin_add_overflow(sum, days_part, &sum) ||
		__builtin_add_overflow(sum, microseconds, &sum))
		return false;
	*result = sum;
	return true;
}
