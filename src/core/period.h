/*
 * period.h
 *		The reporting periods a report groups by (a day, a week starting on
 *		a chosen weekday, a month, a quarter, a year), on local dates, in
 *		plain C.
 *
 * Nothing here knows about PostgreSQL, so it can be unit-tested and fuzzed
 * on its own (test/unit/period_test.c, whose oracle walks back day by day,
 * and test/fuzz/period_fuzz.c).  A date is a number of days since
 * 2000-01-01 (a Saturday) in the proleptic Gregorian calendar, as
 * PostgreSQL's date is; the caller turns an instant into the local date of
 * its report time zone first.
 */
#ifndef LEADQUAL_PERIOD_H
#define LEADQUAL_PERIOD_H

#include <stdint.h>

typedef enum LqPeriod
{
	LQ_PERIOD_DAY,
	LQ_PERIOD_WEEK,
	LQ_PERIOD_MONTH,
	LQ_PERIOD_QUARTER,
	LQ_PERIOD_YEAR
} LqPeriod;

/* A period by its name ("day", "week", "month", "quarter", "year"); -1 if none. */
extern int	lq_period_from_name(const char *name);

/* A weekday by its English name, lower case: 0 = monday ... 6 = sunday; -1 if none. */
extern int	lq_weekday_from_name(const char *name);

/* floor(a / b), for b > 0: rounded down, negative a included. */
extern int64_t lq_floor_div(int64_t a, int64_t b);

/* The weekday of a date: 0 = Monday ... 6 = Sunday. */
extern int	lq_weekday_of(int32_t date);

/*
 * The first date of the period that holds "date", a week starting on
 * week_start (0 = Monday ... 6 = Sunday; ignored by the other periods).
 * Defined for every int32_t date whose period starts at or after
 * INT32_MIN: those before the first such week, month, quarter or year
 * give INT32_MIN.
 */
extern int32_t lq_period_start(int32_t date, LqPeriod period, int week_start);

#endif							/* LEADQUAL_PERIOD_H */
