/*
 * decay_fuzz.c
 *		libFuzzer harness for the engagement decay (src/core/decay.c).
 *
 * The input is an age and a half-life, two doubles of any bit pattern.  For
 * a positive half-life the weight must lie between 0 and 1 and must not grow
 * with age.  The same bytes, read as a span of months, days and
 * microseconds, must give the same length in seconds and in microseconds,
 * when it fits in the latter.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decay.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 16 bytes as a span: months, days, microseconds */
static void
check_span(const uint8_t *data)
{
	int32_t		months;
	int32_t		days;
	int64_t		microseconds;
	int64_t		exact;
	double		seconds;

	memcpy(&months, data, sizeof(months));
	memcpy(&days, data + 4, sizeof(days));
	memcpy(&microseconds, data + 8, sizeof(microseconds));
	seconds = lq_span_seconds(months, days, microseconds);
	if (!isfinite(seconds))
		abort();
	if (lq_span_microseconds(months, days, microseconds, &exact) &&
		fabs(exact / 1e6 - seconds) > 1e-9 * fmax(1.0, fabs(seconds)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double		age;
	double		half_life;
	double		weight;

	if (size != 2 * sizeof(double))
		return 0;
	check_span(data);
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
