/*
 * period.c
 *		Reporting periods on local dates: see period.h.
 *
 * Months come from the date's civil year and month, by Howard Hinnant's
 * days-from-civil and civil-from-days algorithms (exact over the whole
 * proleptic Gregorian calendar, in 64-bit arithmetic here so that no
 * int32_t date overflows).
 */
#include <string.h>

#include "period.h"

/* Days from 1970-01-01 to 2000-01-01. */
#define UNIX_TO_2000 INT64_C(10957)

static const char *const period_names[] = {"day", "week", "month", "quarter", "year"};
static const char *const weekday_names[] = {"monday", "tuesday", "wednesday", "thursday",
											"friday", "saturday", "sunday"};

int
lq_period_from_name(const char *name)
{
	for (int i = 0; i < (int) (sizeof(period_names) / sizeof(period_names[0])); i++)
		if (strcmp(period_names[i], name) == 0)
			return i;
	return -1;
}

int
lq_weekday_from_name(const char *name)
{
	for (int i = 0; i < 7; i++)
		if (strcmp(weekday_names[i], name) == 0)
			return i;
	return -1;
}

int64_t
lq_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* a's remainder by b in [0, b), for b > 0 */
static int64_t
floor_mod(int64_t a, int64_t b)
{
	return a - lq_floor_div(a, b) * b;
}

int
lq_weekday_of(int32_t date)
{
	/* 2000-01-01 was a Saturday: 5 */
	return (int) floor_mod((int64_t) date + 5, 7);
}

/* The civil year and month (1-12) of a date. */
static void
civil_from_days(int64_t date, int64_t *year, int *month)
{
	int64_t		z = date + UNIX_TO_2000 + 719468;
	int64_t		era = lq_floor_div(z, 146097);
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;

	*month = (int) (mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

/* The date of the first day of a civil month. */
static int64_t
days_from_civil(int64_t year, int month)
{
	int64_t		y = year - (month <= 2);
	int64_t		era = lq_floor_div(y, 400);
	int64_t		yoe = y - era * 400;
	int64_t		doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5;
	int64_t		doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468 - UNIX_TO_2000;
}

int32_t
lq_period_start(int32_t date, LqPeriod period, int week_start)
{
	int64_t		start;
	int64_t		year;
	int			month;

	switch (period)
	{
		case LQ_PERIOD_DAY:
			return date;
		case LQ_PERIOD_WEEK:
			start = (int64_t) date - floor_mod((int64_t) lq_weekday_of(date) - week_start, 7);
			break;
		default:
			civil_from_days(date, &year, &month);
			if (period == LQ_PERIOD_QUARTER)
				month = (month - 1) / 3 * 3 + 1;
			else if (period == LQ_PERIOD_YEAR)
				month = 1;
			start = days_from_civil(year, month);
			break;
	}
	return start < INT32_MIN ? INT32_MIN : (int32_t) start;
}
