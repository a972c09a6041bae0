/*
 * period_fuzz.c
 *		libFuzzer harness for the reporting periods (src/core/period.c).
 *
 * The input is a date (4 bytes, any int32_t), a period (1 byte, modulo 5)
 * and a week start (1 byte, modulo 7).  The period's start must be at or
 * before the date and be its own period's start; a week's must be on the
 * week start and at most 6 days before; a month's, quarter's and year's
 * must be the start of the period of the day before the next one, and of
 * the date a day later unless that crosses into the next period.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "period.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int condition)
{
	if (!condition)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int32_t		date;
	LqPeriod	period;
	int			week_start;
	int32_t		start;

	if (size != 6)
		return 0;
	memcpy(&date, data, sizeof(date));
	period = (LqPeriod) (data[4] % 5);
	week_start = data[5] % 7;
	start = lq_period_start(date, period, week_start);
	check(start <= date);
	if (start == INT32_MIN)
		return 0;
	check(lq_period_start(start, period, week_start) == start);
	if (period == LQ_PERIOD_WEEK)
		check(lq_weekday_of(start) == week_start && (int64_t) date - start <= 6);
	if (period == LQ_PERIOD_DAY)
		check(start == date);
	/* the day before the start lies in an earlier period */
	check(start == INT32_MIN || lq_period_start(start - 1, period, week_start) < start);
	/* a day later is in the same period, or starts the next */
	if (date < INT32_MAX)
	{
		int32_t		next = lq_period_start(date + 1, period, week_start);

		check(next == start || next == date + 1);
	}
	if (period == LQ_PERIOD_MONTH || period == LQ_PERIOD_QUARTER || period == LQ_PERIOD_YEAR)
		check((int64_t) date - start < (period == LQ_PERIOD_MONTH ? 31 : period == LQ_PERIOD_QUARTER ? 92 : 366));
	return 0;
}
