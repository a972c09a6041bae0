/*
 * decay_fuzz.c
 *		libFuzzer harness for the engagement decay (src/core/decay.c).
 *
 * The input is an age and a half-life, two doubles of any bit pattern.  For
 * a positive half-life the weight must lie between 0 and 1 and must not grow
 * with age.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decay.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double		age;
	double		half_life;
	double		weight;

	if (size != 2 * sizeof(double))
		return 0;
	memcpy(&age, data, sizeof(double));
	memcpy(&half_life, data + sizeof(double), sizeof(double));
	if (!(half_life > 0))
		return 0;			/* the SQL wrapper refuses these */

	weight = lq_decay_weight(age, half_life);
	if (!(weight >= 0.0 && weight <= 1.0))
		abort();
	if (isfinite(age) && age < 1e300 && lq_decay_weight(age * 2 + 1, half_life) > weight)
		abort();
	return 0;
}
