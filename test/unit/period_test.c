/*
 * period_test.c
 *		TAP unit tests of the reporting periods in src/core/period.c.
 *		Built and run by "make unitcheck"; needs no server.
 *
 * The oracle is a naive calendar: every day from 1600-01-01 to 2400-12-31
 * counted one by one, with its year, month and day of month from month
 * lengths and the leap-year rule, and each period's start found by walking
 * back.  Far outside those years, the properties every period has.
 */
#include <stdint.h>
#include <stdio.h>

#include "period.h"

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
leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
month_length(int year, int month)
{
	static const int lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return month == 2 && leap(year) ? 29 : lengths[month - 1];
}

/* Days from 2000-01-01 to year-01-01, counted naively. */
static int32_t
year_start(int year)
{
	int32_t		days = 0;

	for (int y = 2000; y < year; y++)
		days += leap(y) ? 366 : 365;
	for (int y = year; y < 2000; y++)
		days -= leap(y) ? 366 : 365;
	return days;
}

static void
test_names(void)
{
	ok(lq_period_from_name("day") == LQ_PERIOD_DAY && lq_period_from_name("week") == LQ_PERIOD_WEEK &&
	   lq_period_from_name("month") == LQ_PERIOD_MONTH && lq_period_from_name("quarter") == LQ_PERIOD_QUARTER &&
	   lq_period_from_name("year") == LQ_PERIOD_YEAR, "the five periods by name");
	ok(lq_period_from_name("Week") == -1 && lq_period_from_name("") == -1 && lq_period_from_name("fortnight") == -1,
	   "other names are no period");
	ok(lq_weekday_from_name("monday") == 0 && lq_weekday_from_name("sunday") == 6 &&
	   lq_weekday_from_name("saturday") == 5, "weekdays by name, Monday first");
	ok(lq_weekday_from_name("Monday") == -1 && lq_weekday_from_name("mon") == -1, "other names are no weekday");
	ok(lq_weekday_of(0) == 5, "2000-01-01 was a Saturday");
	ok(lq_weekday_of(-1) == 4 && lq_weekday_of(2) == 0, "1999-12-31 a Friday, 2000-01-03 a Monday");
}

static void
test_cases(void)
{
	/* 2026-11-24, a Tuesday: 9824 days after 2000-01-01 */
	int32_t		d = year_start(2026) + 31 + 28 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 23;

	ok(lq_weekday_of(d) == 1, "2026-11-24 is a Tuesday");
	ok(lq_period_start(d, LQ_PERIOD_WEEK, 0) == d - 1, "its week from Monday starts on the 23rd");
	ok(lq_period_start(d, LQ_PERIOD_WEEK, 6) == d - 2, "its week from Sunday on the 22nd");
	ok(lq_period_start(d, LQ_PERIOD_WEEK, 1) == d, "its week from Tuesday that day");
	ok(lq_period_start(d, LQ_PERIOD_WEEK, 2) == d - 6, "its week from Wednesday on the 18th");
	ok(lq_period_start(d, LQ_PERIOD_MONTH, 0) == d - 23, "its month on the 1st");
	ok(lq_period_start(d, LQ_PERIOD_QUARTER, 0) == d - 23 - 31, "its quarter on October 1st");
	ok(lq_period_start(d, LQ_PERIOD_YEAR, 0) == year_start(2026), "its year on January 1st");
	ok(lq_period_start(d, LQ_PERIOD_DAY, 0) == d, "its day is itself");
	ok(lq_period_start(year_start(2000) + 59, LQ_PERIOD_MONTH, 0) == year_start(2000) + 31 &&
	   lq_period_start(year_start(2000) + 60, LQ_PERIOD_MONTH, 0) == year_start(2000) + 60,
	   "2000, a leap year that is a multiple of 400: February 29th is in February, the day after starts March");
}

/* The naive calendar, day by day, against every period and week start. */
static void
test_oracle(void)
{
	int32_t		date = year_start(1600);
	int32_t		month_start = date;
	int32_t		quarter_start = date;
	int32_t		this_year_start = date;
	long		checked = 0;
	long		wrong = 0;

	for (int year = 1600; year <= 2400; year++)
		for (int month = 1; month <= 12; month++)
			for (int day = 1; day <= month_length(year, month); day++, date++)
			{
				if (day == 1)
				{
					month_start = date;
					if ((month - 1) % 3 == 0)
						quarter_start = date;
					if (month == 1)
						this_year_start = date;
				}
				wrong += lq_period_start(date, LQ_PERIOD_DAY, 0) != date;
				wrong += lq_period_start(date, LQ_PERIOD_MONTH, 3) != month_start;
				wrong += lq_period_start(date, LQ_PERIOD_QUARTER, 3) != quarter_start;
				wrong += lq_period_start(date, LQ_PERIOD_YEAR, 3) != this_year_start;
				for (int start = 0; start < 7; start++)
				{
					int32_t		walk = date;

					while (lq_weekday_of(walk) != start)
						walk--;
					wrong += lq_period_start(date, LQ_PERIOD_WEEK, start) != walk;
				}
				checked++;
			}
	ok(date == year_start(2401), "the naive calendar counts the days the years hold");
	ok(checked > 290000 && wrong == 0,
	   "every day of 1600-2400: its day, weeks from each weekday, month, quarter and year as counted");
}

/* Far out, what every period must be: at or before the date, and its own start. */
static void
test_extremes(void)
{
	static const int32_t dates[] = {INT32_MIN, INT32_MIN + 1, INT32_MIN + 400, -1000000000, -1, 0, 1,
		1000000000, INT32_MAX - 400, INT32_MAX - 1, INT32_MAX};
	int			bad = 0;

	for (unsigned i = 0; i < sizeof(dates) / sizeof(dates[0]); i++)
		for (int period = LQ_PERIOD_DAY; period <= LQ_PERIOD_YEAR; period++)
			for (int start = 0; start < 7; start++)
			{
				int32_t		s = lq_period_start(dates[i], (LqPeriod) period, start);

				bad += s > dates[i];
				bad += s != INT32_MIN && lq_period_start(s, (LqPeriod) period, start) != s;
				bad += period == LQ_PERIOD_WEEK && s != INT32_MIN &&
					(lq_weekday_of(s) != start || dates[i] - s > 6);
			}
	ok(bad == 0, "at the ends of int32_t: every period starts at or before its date, on itself");
}

int
main(void)
{
	test_names();
	test_cases();
	test_oracle();
	test_extremes();
	printf("1..%d\n", test_count);
	return failures > 0;
}
