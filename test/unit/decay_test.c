/*
 * decay_test.c
 *		TAP unit tests of the plain-C engagement decay in src/core/decay.c.
 *		Built and run by "make unitcheck"; needs no server.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "decay.h"

#define DAY 86400.0

static int	test_count = 0;
static int	failures = 0;

static void
ok(int passed, const char *description)
{
	test_count++;
	failures += !passed;
	printf("%sok %d - %s\n", passed ? "" : "not ", test_count, description);
}

static int
near(double a, double b)
{
	return fabs(a - b) <= 1e-12 * fmax(1.0, fabs(b));
}

int
main(void)
{
	int			bounded = 1;
	int			monotonic = 1;
	double		previous = 1.0;

	ok(lq_decay_weight(0, 7 * DAY) == 1.0, "an event of age zero weighs 1");
	ok(lq_decay_weight(-DAY, 7 * DAY) == 1.0, "an event after the time scored weighs 1");
	ok(lq_decay_weight(-INFINITY, DAY) == 1.0, "an age of minus infinity weighs 1");
	ok(lq_decay_weight(NAN, DAY) == 1.0, "an age that is not a number weighs 1");
	ok(lq_decay_weight(7 * DAY, 7 * DAY) == 0.5, "one half-life: exactly 0.5");
	ok(lq_decay_weight(14 * DAY, 7 * DAY) == 0.25, "two half-lives: exactly 0.25");
	ok(lq_decay_weight(21 * DAY, 7 * DAY) == 0.125, "three half-lives: exactly 0.125");
	ok(near(lq_decay_weight(3.5 * DAY, 7 * DAY), sqrt(0.5)), "half a half-life: sqrt(0.5)");
	ok(near(lq_decay_weight(1, 1e-6), 0.0), "a million half-lives underflows to 0");
	ok(lq_decay_weight(INFINITY, DAY) == 0.0, "an infinite age weighs 0");
	ok(lq_decay_weight(INFINITY, INFINITY) == 0.0, "an infinite age weighs 0 even over an infinite half-life");
	ok(lq_decay_weight(DBL_MAX, DBL_MIN) == 0.0, "the largest age over the smallest half-life weighs 0");
	ok(near(lq_decay_weight(DAY, DBL_MAX), 1.0), "an enormous half-life barely decays");

	for (int i = 1; i <= 100000; i++)
	{
		double		weight = lq_decay_weight(i * 3600.0, 30 * DAY);

		bounded &= weight >= 0.0 && weight <= 1.0;
		monotonic &= weight <= previous;
		previous = weight;
	}
	ok(bounded, "weights stay between 0 and 1 over 100000 hourly ages");
	ok(monotonic, "weights never grow as events age");

	/* spans, counted as EXTRACT(epoch FROM interval) counts them */
	{
		int64_t		us = -1;

		ok(lq_span_seconds(0, 1, 0) == DAY, "a day is 86400 seconds");
		ok(lq_span_seconds(1, 0, 0) == 30 * DAY, "a month is 30 days");
		ok(lq_span_seconds(12, 0, 0) == 365.25 * DAY, "12 months are a year of 365.25 days");
		ok(lq_span_seconds(13, 0, 0) == 395.25 * DAY, "13 months are a year and 30 days");
		ok(lq_span_seconds(-1, 0, 0) == -30 * DAY, "minus a month is minus 30 days");
		ok(lq_span_seconds(0, 0, 1500000) == 1.5, "microseconds count to the second");
		ok(lq_span_microseconds(1, 1, 3600000000 + 500000, &us) &&
		   us == INT64_C(31) * 86400000000 + 3600500000,
		   "1 mon 1 day 01:00:00.5 is 31 days and an hour and a half second, exactly");
		ok(lq_span_microseconds(25, 0, 0, &us) && us == INT64_C(2) * 31557600000000 + INT64_C(2592000000000),
		   "25 months are two years of 365.25 days and 30 days, exactly");
		ok(lq_span_microseconds(-12, -1, -1, &us) && us == -(INT64_C(31557600000000) + 86400000000 + 1),
		   "negative spans are exact too");
		us = 42;
		ok(!lq_span_microseconds(INT32_MAX, 0, 0, &us) && us == 42,
		   "the longest span in months does not fit: false, the result untouched");
		ok(!lq_span_microseconds(0, INT32_MIN, 0, &us) && us == 42,
		   "nor the longest negative span in days");
		ok(!lq_span_microseconds(0, 1, INT64_MAX, &us) && us == 42,
		   "nor a day on top of the largest number of microseconds");
		ok(lq_span_microseconds(0, 0, INT64_MIN, &us) && us == INT64_MIN,
		   "the smallest number of microseconds alone fits");
	}

	printf("1..%d\n", test_count);
	return failures > 0;
}
