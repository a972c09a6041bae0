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
