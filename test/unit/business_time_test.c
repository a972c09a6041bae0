/*
 * business_time_test.c
 *		TAP unit tests of the business-hours core in src/core/business_time.c.
 *		Built and run by "make unitcheck"; needs no server.
 *
 * The core is checked three ways:
 *  - hand-computed cases, each with its expected instant written out in UTC
 *    (the comments give the local times);
 *  - an oracle that follows the header's definition literally: it places
 *    every window and holiday of every local date in a range on the UTC
 *    time line (start(L) = first instant reading L or later, end(L) = one
 *    past the last instant reading earlier than L, found by scanning the
 *    zone's stretches of constant offset), then sweeps the intervals for
 *    their union minus the holidays' union.  The oracle is itself checked
 *    against a minute-by-minute walk that tests every minute against every
 *    placed window and holiday.  The core, which works quite differently
 *    (see the top of business_time.c), must agree to the microsecond on
 *    thousands of random cases per calendar;
 *  - properties over the whole int64_t range (round trips, additivity,
 *    monotonicity, is/next agreement), where no oracle can go.
 * Zones: fixed offsets (UTC, Asia/Kolkata), tables of the real 2024-2026
 * transitions of America/New_York and Europe/London, the US and EU rules
 * computed for any year (as PostgreSQL's zones do past their tables), for
 * the timings and the far future, and random "wild" tables whose clocks
 * jump by up to a day within microseconds, for the cases no real zone
 * reaches.  Random numbers come from a fixed-seed splitmix64, so every run
 * tests the same cases.  "# timing:" lines give the cost of 1-day, 1-year
 * and 1000-year spans; what is asserted is the number of zone calls, which
 * does not depend on the machine.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "business_time.h"

#define SEC		INT64_C(1000000)
#define MINUTE	(60 * SEC)
#define HOUR	(60 * MINUTE)
#define DAY		(24 * HOUR)
#define WEEK	(7 * DAY)

static int	test_count = 0;
static int	failures = 0;

static void
ok(int passed, const char *fmt,...)
{
	va_list		ap;

	test_count++;
	if (!passed)
		failures++;
	printf("%sok %d - ", passed ? "" : "not ", test_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* at most a few diagnostics per failing check */
static int	diag_budget;

static void
diag(const char *fmt,...)
{
	va_list		ap;

	if (diag_budget <= 0)
		return;
	diag_budget--;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* ---------------------------------------------------------------- dates */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t		q = a / b;

	if (a % b < 0)
		q--;
	return q;
}

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era,
				yoe,
				doy,
				doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t
year_of_days(int64_t z)
{
	int64_t		era,
				doe,
				yoe,
				doy,
				mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	return yoe + era * 400 + (mp >= 10);
}

/* ISO weekday of a date, 0 = Monday */
static int
weekday_of(int64_t days)
{
	return (int) (days + 3 - floor_div(days + 3, 7) * 7);
}

/* a UTC instant */
static int64_t
T(int64_t y, int mo, int d, int h, int mi)
{
	return days_from_civil(y, mo, d) * DAY + h * HOUR + mi * MINUTE;
}

static int32_t
date_of(int64_t y, int m, int d)
{
	return (int32_t) days_from_civil(y, m, d);
}

/* days of the n-th (1-based) Sunday of a month, or its last one (n = 0) */
static int64_t
sunday_of(int64_t y, int m, int n)
{
	if (n == 0)
	{
		int64_t		last = days_from_civil(y + (m == 12), m == 12 ? 1 : m + 1, 1) - 1;

		return last - (weekday_of(last) + 1) % 7;
	}
	else
	{
		int64_t		first = days_from_civil(y, m, 1);

		return first + (6 - weekday_of(first)) + 7 * (n - 1);
	}
}

/* ---------------------------------------------------------------- zones */

typedef enum
{
	ZONE_FIXED, ZONE_TABLE, ZONE_US_RULE, ZONE_EU_RULE
} ZoneKind;

struct LqZone
{
	ZoneKind	kind;
	int32_t		std;			/* fixed: the offset; table: the one before
								 * the first transition; rules: standard */
	int32_t		dst;			/* rules: daylight saving time */
	int			n;
	int64_t		at[16];			/* table: transition instants */
	int32_t		off[16];		/* table: offset from at[i] on */
};

static long zone_calls = 0;

/* days * DAY + us, saturating past the int64_t range (the year after
 * LQ_TIME_MAX's is asked about) */
static int64_t
at_day(int64_t days, int64_t us)
{
	if (days > INT64_MAX / DAY - 1)
		return INT64_MAX;
	if (days < INT64_MIN / DAY + 1)
		return INT64_MIN;
	return days * DAY + us;
}

/* the rules' transitions of a year, in UTC */
static void
rule_transitions(const LqZone *z, int64_t year, int64_t *start, int64_t *end)
{
	if (z->kind == ZONE_US_RULE)
	{
		/* second Sunday of March 02:00 standard, first of November 02:00
		 * daylight */
		*start = at_day(sunday_of(year, 3, 2), 2 * HOUR - z->std * SEC);
		*end = at_day(sunday_of(year, 11, 1), 2 * HOUR - z->dst * SEC);
	}
	else
	{
		/* last Sundays of March and October, 01:00 UTC */
		*start = at_day(sunday_of(year, 3, 0), 1 * HOUR);
		*end = at_day(sunday_of(year, 10, 0), 1 * HOUR);
	}
}

static int32_t
zone_offset_at(const LqZone *z, int64_t u)
{
	zone_calls++;
	switch (z->kind)
	{
		case ZONE_FIXED:
			return z->std;
		case ZONE_TABLE:
			{
				int32_t		off = z->std;

				for (int i = 0; i < z->n && z->at[i] <= u; i++)
					off = z->off[i];
				return off;
			}
		case ZONE_US_RULE:
		case ZONE_EU_RULE:
			{
				int64_t		s,
							e;

				rule_transitions(z, year_of_days(floor_div(u, DAY)), &s, &e);
				return s <= u && u < e ? z->dst : z->std;
			}
	}
	return 0;
}

static int64_t
zone_next_transition(const LqZone *z, int64_t u)
{
	zone_calls++;
	switch (z->kind)
	{
		case ZONE_FIXED:
			return INT64_MAX;
		case ZONE_TABLE:
			for (int i = 0; i < z->n; i++)
				if (z->at[i] > u)
					return z->at[i];
			return INT64_MAX;
		case ZONE_US_RULE:
		case ZONE_EU_RULE:
			{
				int64_t		year = year_of_days(floor_div(u, DAY));
				int64_t		s,
							e;

				rule_transitions(z, year, &s, &e);
				if (s > u)
					return s;
				if (e > u)
					return e;
				rule_transitions(z, year + 1, &s, &e);
				return s;
			}
	}
	return INT64_MAX;
}

static const LqZoneOps test_ops = {zone_offset_at, zone_next_transition};

static LqZone z_utc = {ZONE_FIXED, 0, 0, 0, {0}, {0}};
static LqZone z_kolkata = {ZONE_FIXED, 19800, 0, 0, {0}, {0}};
static LqZone z_ny;				/* tables, filled in by make_zones() */
static LqZone z_london;
static LqZone z_ny_rule = {ZONE_US_RULE, -18000, -14400, 0, {0}, {0}};
static LqZone z_london_rule = {ZONE_EU_RULE, 0, 3600, 0, {0}, {0}};

static void
make_zones(void)
{
	/*
	 * America/New_York: EST -05:00, EDT -04:00 from the second Sunday of
	 * March 02:00 EST (07:00 UTC) to the first Sunday of November 02:00 EDT
	 * (06:00 UTC).
	 */
	static const int64_t ny[6][3] = {
		{2024, 3, 10}, {2024, 11, 3}, {2025, 3, 9}, {2025, 11, 2},
		{2026, 3, 8}, {2026, 11, 1}
	};

	/*
	 * Europe/London: GMT +00:00, BST +01:00 from the last Sunday of March to
	 * the last Sunday of October, 01:00 UTC both.
	 */
	static const int64_t london[6][3] = {
		{2024, 3, 31}, {2024, 10, 27}, {2025, 3, 30}, {2025, 10, 26},
		{2026, 3, 29}, {2026, 10, 25}
	};
	int			all_sundays = 1;
	int			rules_agree = 1;

	z_ny.kind = ZONE_TABLE;
	z_ny.std = -18000;
	z_london.kind = ZONE_TABLE;
	z_london.std = 0;
	for (int i = 0; i < 6; i++)
	{
		int64_t		s,
					e;

		z_ny.at[i] = T(ny[i][0], (int) ny[i][1], (int) ny[i][2], i % 2 ? 6 : 7, 0);
		z_ny.off[i] = i % 2 ? -18000 : -14400;
		z_london.at[i] = T(london[i][0], (int) london[i][1], (int) london[i][2], 1, 0);
		z_london.off[i] = i % 2 ? 0 : 3600;
		all_sundays &= weekday_of(days_from_civil(ny[i][0], (int) ny[i][1], (int) ny[i][2])) == 6;
		all_sundays &= weekday_of(days_from_civil(london[i][0], (int) london[i][1], (int) london[i][2])) == 6;
		rule_transitions(&z_ny_rule, ny[i][0], &s, &e);
		rules_agree &= (i % 2 ? e : s) == z_ny.at[i];
		rule_transitions(&z_london_rule, london[i][0], &s, &e);
		rules_agree &= (i % 2 ? e : s) == z_london.at[i];
	}
	z_ny.n = 6;
	z_london.n = 6;
	ok(all_sundays, "the 2024-2026 New York and London transitions all fall on Sundays");
	ok(rules_agree, "the US and EU rules give the same 2024-2026 transitions as the tables");
}

/* ------------------------------------------------------------ calendars */

#define MAX_TEST_HOLIDAYS 64

typedef struct TestCal
{
	const char *name;
	LqCalendar	cal;
	LqWindow	windows[LQ_MAX_WINDOWS];
	LqHoliday	holidays[MAX_TEST_HOLIDAYS];
} TestCal;

static void
tc_init(TestCal *tc, const char *name, const LqZone *zone)
{
	memset(tc, 0, sizeof(*tc));
	tc->name = name;
	tc->cal.ops = &test_ops;
	tc->cal.zone = zone;
	tc->cal.windows = tc->windows;
	tc->cal.holidays = tc->holidays;
}

static void
tc_window(TestCal *tc, int weekday, int64_t start, int64_t end)
{
	LqWindow   *w = &tc->windows[tc->cal.nwindows++];

	w->weekday = weekday;
	w->start_us = start;
	w->end_us = end;
}

static void
tc_weekdays(TestCal *tc, int64_t start, int64_t end)
{
	for (int d = 0; d < 5; d++)
		tc_window(tc, d, start, end);
}

static void
tc_everyday(TestCal *tc, int64_t start, int64_t end)
{
	for (int d = 0; d < 7; d++)
		tc_window(tc, d, start, end);
}

static void
tc_holiday(TestCal *tc, int64_t y, int m, int d, int64_t start, int64_t end)
{
	LqHoliday  *h = &tc->holidays[tc->cal.nholidays++];

	h->date = date_of(y, m, d);
	h->start_us = start;
	h->end_us = end;
}

/* ---------------------------------------------------------------- PRNG */

static uint64_t rng_state = UINT64_C(0x2545F4914F6CDD1D);

static uint64_t
rnd(void)
{
	uint64_t	z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* uniform in [lo, hi] (the modulo's bias does not matter here) */
static int64_t
rnd_range(int64_t lo, int64_t hi)
{
	uint64_t	width = (uint64_t) hi - (uint64_t) lo;
	uint64_t	v = (uint64_t) lo + (width == UINT64_MAX ? rnd() : rnd() % (width + 1));
	int64_t		r;

	memcpy(&r, &v, sizeof(r));
	return r;
}

/* mostly small, sometimes large: log-uniform-ish in [0, max] */
static int64_t
rnd_span(int64_t max)
{
	int			bits = (int) (rnd() % 64);
	int64_t		v = (int64_t) (rnd() >> 1);

	if (bits < 63)
		v &= (INT64_C(1) << bits) - 1;
	return max == INT64_MAX ? v : v % (max + 1);
}

/* any int64_t, with the extremes and the range limits now and then */
static int64_t
rnd_any(void)
{
	static const int64_t special[] = {
		INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1,
		LQ_TIME_MIN, LQ_TIME_MIN - 1, LQ_TIME_MIN + 1,
		LQ_TIME_MAX, LQ_TIME_MAX - 1, LQ_TIME_MAX + 1, 0, -1
	};

	if (rnd() % 8 == 0)
		return special[rnd() % (sizeof(special) / sizeof(special[0]))];
	return (int64_t) rnd();
}

/* ------------------------------------------------------------ the oracle */

typedef struct Iv
{
	int64_t		s;
	int64_t		e;
} Iv;

/* the first instant at which the clock reads L or later */
static int64_t
oracle_start(const LqCalendar *cal, int64_t L)
{
	int64_t		v = L - 2 * DAY;

	for (;;)
	{
		int64_t		o = (int64_t) cal->ops->offset_at(cal->zone, v) * SEC;
		int64_t		t = cal->ops->next_transition(cal->zone, v);
		int64_t		c = L - o > v ? L - o : v;

		if (c < t)
			return c;
		v = t;
	}
}

/* one past the last instant at which the clock reads earlier than L */
static int64_t
oracle_end(const LqCalendar *cal, int64_t L)
{
	int64_t		v = L - 2 * DAY;
	int64_t		best = v;

	while (v <= L + 2 * DAY)
	{
		int64_t		o = (int64_t) cal->ops->offset_at(cal->zone, v) * SEC;
		int64_t		t = cal->ops->next_transition(cal->zone, v);
		int64_t		hi = (t == INT64_MAX ? L - o : (t - 1 < L - o - 1 ? t : L - o)) - 1;

		if (hi >= v)
			best = hi;
		if (t == INT64_MAX)
			break;
		v = t;
	}
	return best + 1;
}

#define ORACLE_MAX 20000

typedef struct Oracle
{
	int64_t		lo;
	int64_t		hi;
	int			nw;
	int			nh;
	int			nb;
	Iv			w[ORACLE_MAX];	/* placed windows */
	Iv			h[ORACLE_MAX];	/* placed holidays */
	Iv			b[ORACLE_MAX];	/* business time in [lo, hi), sorted */
} Oracle;

typedef struct Event
{
	int64_t		at;
	int			dw;
	int			dh;
} Event;

static Event events[4 * ORACLE_MAX];

static int
event_cmp(const void *a, const void *b)
{
	const Event *x = a;
	const Event *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

static void
oracle_build(Oracle *o, const LqCalendar *cal, int64_t lo, int64_t hi)
{
	int64_t		d0 = floor_div(lo, DAY) - 3;
	int64_t		d1 = floor_div(hi, DAY) + 2;
	int			ne = 0;
	int			cw = 0,
				ch = 0;
	int64_t		cur = lo;

	o->lo = lo;
	o->hi = hi;
	o->nw = o->nh = o->nb = 0;
	for (int64_t d = d0; d <= d1; d++)
	{
		for (int i = 0; i < cal->nwindows; i++)
		{
			const LqWindow *w = &cal->windows[i];

			if (w->weekday != weekday_of(d))
				continue;
			if (o->nw == ORACLE_MAX)
				abort();
			o->w[o->nw].s = oracle_start(cal, d * DAY + w->start_us);
			o->w[o->nw].e = oracle_end(cal, d * DAY + w->end_us);
			o->nw++;
		}
	}
	for (int i = 0; i < cal->nholidays; i++)
	{
		const LqHoliday *h = &cal->holidays[i];

		if (h->date < d0 || h->date > d1)
			continue;
		if (o->nh == ORACLE_MAX)
			abort();
		o->h[o->nh].s = oracle_start(cal, h->date * DAY + h->start_us);
		o->h[o->nh].e = oracle_end(cal, h->date * DAY + h->end_us);
		o->nh++;
	}

	/* sweep: business where some window and no holiday is open */
	for (int i = 0; i < o->nw; i++)
	{
		events[ne++] = (Event) {o->w[i].s, 1, 0};
		events[ne++] = (Event) {o->w[i].e, -1, 0};
	}
	for (int i = 0; i < o->nh; i++)
	{
		events[ne++] = (Event) {o->h[i].s, 0, 1};
		events[ne++] = (Event) {o->h[i].e, 0, -1};
	}
	qsort(events, (size_t) ne, sizeof(Event), event_cmp);
	for (int i = 0; i <= ne; i++)
	{
		int64_t		at = i < ne ? events[i].at : hi;

		if (at > cur && cur < hi)
		{
			int64_t		e = at < hi ? at : hi;

			if (cw > 0 && ch == 0)
			{
				if (o->nb > 0 && o->b[o->nb - 1].e == cur)
					o->b[o->nb - 1].e = e;
				else
					o->b[o->nb++] = (Iv) {cur, e};
			}
			cur = e;
		}
		if (i < ne)
		{
			cw += events[i].dw;
			ch += events[i].dh;
		}
	}
}

/* business time in [a, b), lo <= a <= b <= hi */
static int64_t
oracle_measure(const Oracle *o, int64_t a, int64_t b)
{
	int64_t		m = 0;

	for (int i = 0; i < o->nb; i++)
	{
		int64_t		s = o->b[i].s > a ? o->b[i].s : a;
		int64_t		e = o->b[i].e < b ? o->b[i].e : b;

		if (e > s)
			m += e - s;
	}
	return m;
}

static int
oracle_member(const Oracle *o, int64_t t)
{
	for (int i = 0; i < o->nb; i++)
		if (o->b[i].s <= t && t < o->b[i].e)
			return 1;
	return 0;
}

/* the first business instant >= t in [lo, hi), or false */
static int
oracle_next(const Oracle *o, int64_t t, int64_t *r)
{
	for (int i = 0; i < o->nb; i++)
		if (o->b[i].e > t)
		{
			*r = o->b[i].s > t ? o->b[i].s : t;
			return 1;
		}
	return 0;
}

/* the earliest r with amount in [a, r), if inside [lo, hi] */
static int
oracle_add_forward(const Oracle *o, int64_t a, int64_t amount, int64_t *r)
{
	if (amount == 0)
	{
		*r = a;
		return 1;
	}
	for (int i = 0; i < o->nb; i++)
	{
		int64_t		s = o->b[i].s > a ? o->b[i].s : a;

		if (o->b[i].e <= s)
			continue;
		if (amount <= o->b[i].e - s)
		{
			*r = s + amount;
			return 1;
		}
		amount -= o->b[i].e - s;
	}
	return 0;
}

/* the latest r with amount in [r, b), if inside [lo, hi] */
static int
oracle_add_backward(const Oracle *o, int64_t b, int64_t amount, int64_t *r)
{
	if (amount == 0)
	{
		*r = b;
		return 1;
	}
	for (int i = o->nb - 1; i >= 0; i--)
	{
		int64_t		e = o->b[i].e < b ? o->b[i].e : b;

		if (e <= o->b[i].s)
			continue;
		if (amount <= e - o->b[i].s)
		{
			*r = e - amount;
			return 1;
		}
		amount -= e - o->b[i].s;
	}
	return 0;
}

/*
 * The brute force: every minute of [a, b) tested against every placed
 * window and holiday.  Exact when every boundary falls on a whole minute,
 * as in the calendars and zones it is used with.
 */
static int64_t
oracle_minute_walk(const Oracle *o, int64_t a, int64_t b)
{
	int64_t		m = 0;

	for (int64_t t = floor_div(a, MINUTE) * MINUTE; t < b; t += MINUTE)
	{
		int			in = 0;
		int64_t		s = t > a ? t : a;
		int64_t		e = t + MINUTE < b ? t + MINUTE : b;

		for (int i = 0; i < o->nw && !in; i++)
			in = o->w[i].s <= t && t < o->w[i].e;
		for (int i = 0; i < o->nh && in; i++)
			in = !(o->h[i].s <= t && t < o->h[i].e);
		if (in)
			m += e - s;
	}
	return m;
}

static Oracle oracle;

/* ------------------------------------------------- checks per calendar */

typedef struct Tally
{
	long		cases;
	long		bad;
} Tally;

static void
tally(Tally *t, int good)
{
	t->cases++;
	t->bad += !good;
}

#define FMT "%lld"
#define LL(x) ((long long) (x))

/*
 * Random cases in [range_lo, range_hi]: spans of up to max_span, checked
 * against the oracle; walk_cases of them (spans of 3 days at most) also by
 * the minute-by-minute walk.
 */
static void
check_oracle(const TestCal *tc, int ncases, int64_t range_lo, int64_t range_hi,
			 int64_t max_span, int walk_cases, int quiet)
{
	const LqCalendar *cal = &tc->cal;
	Tally		between = {0, 0},
				is = {0, 0},
				next = {0, 0},
				fwd = {0, 0},
				back = {0, 0},
				walk = {0, 0};
	static Tally acc[6];
	static int	acc_calendars = 0;

	diag_budget = 3;
	for (int c = 0; c < ncases; c++)
	{
		int64_t		lo = rnd_range(range_lo, range_hi);
		int64_t		hi;
		int64_t		pts[8];
		int			npts = 0;

		if (rnd() % 2)
			lo = floor_div(lo, MINUTE) * MINUTE;
		hi = lo + rnd_span(max_span);
		oracle_build(&oracle, cal, lo, hi);

		/* interesting instants: the range's ends, business boundaries */
		pts[npts++] = lo;
		pts[npts++] = hi;
		for (int k = 0; k < 3 && oracle.nb > 0; k++)
		{
			const Iv   *iv = &oracle.b[rnd() % (uint64_t) oracle.nb];
			int64_t		p = rnd() % 2 ? iv->s : iv->e;

			p += (int64_t) (rnd() % 3) - 1;
			if (p >= lo && p <= hi)
				pts[npts++] = p;
		}
		while (npts < 8)
			pts[npts++] = rnd_range(lo, hi);

		/* between */
		for (int k = 0; k < 4; k++)
		{
			int64_t		a = k == 0 ? lo : pts[rnd() % 8];
			int64_t		b = k == 0 ? hi : pts[rnd() % 8];
			int64_t		want = a <= b ? oracle_measure(&oracle, a, b) : -oracle_measure(&oracle, b, a);
			int64_t		got = lq_business_between(cal, a, b);

			tally(&between, got == want);
			if (got != want)
				diag("%s: between(" FMT ", " FMT ") = " FMT ", oracle " FMT, tc->name, LL(a), LL(b), LL(got), LL(want));
		}

		/* is_business_time and next_business_time */
		for (int k = 0; k < 8; k++)
		{
			int64_t		t = pts[k];
			int64_t		want,
						got;
			int			has_want,
						has_got;

			if (t >= hi)
				continue;
			tally(&is, lq_is_business_time(cal, t) == oracle_member(&oracle, t));
			if (lq_is_business_time(cal, t) != oracle_member(&oracle, t))
				diag("%s: is_business_time(" FMT ") = %d", tc->name, LL(t), lq_is_business_time(cal, t));
			has_want = oracle_next(&oracle, t, &want);
			has_got = lq_next_business_time(cal, t, &got);
			if (has_want)
				tally(&next, has_got && got == want);
			else
				tally(&next, !has_got || got >= hi);
			if (has_want && !(has_got && got == want))
				diag("%s: next_business_time(" FMT ") = " FMT ", oracle " FMT, tc->name, LL(t), LL(got), LL(want));
		}

		/* add, both ways, with amounts the range holds */
		for (int k = 0; k < 3; k++)
		{
			int64_t		a = pts[rnd() % 8];
			int64_t		avail = oracle_measure(&oracle, a, hi);
			int64_t		amount = k == 0 ? avail : rnd_range(0, avail);
			int64_t		want = 0,
						got = 0;
			int			has_got;

			if (k == 1)
			{
				/* up to a business boundary, exactly */
				int64_t		p = pts[rnd() % 8];

				amount = oracle_measure(&oracle, a, p > a ? p : hi);
			}
			if (amount > avail)
				amount = avail;
			if (oracle_add_forward(&oracle, a, amount, &want))
			{
				has_got = lq_business_add(cal, a, amount, &got);
				tally(&fwd, has_got && got == want);
				if (!(has_got && got == want))
					diag("%s: add(" FMT ", " FMT ") = " FMT ", oracle " FMT, tc->name, LL(a), LL(amount), LL(got), LL(want));
			}

			a = pts[rnd() % 8];
			avail = oracle_measure(&oracle, lo, a);
			amount = k == 0 ? avail : rnd_range(0, avail);
			if (oracle_add_backward(&oracle, a, amount, &want))
			{
				has_got = lq_business_add(cal, a, -amount, &got);
				tally(&back, has_got && got == want);
				if (!(has_got && got == want))
					diag("%s: add(" FMT ", -" FMT ") = " FMT ", oracle " FMT, tc->name, LL(a), LL(amount), LL(got), LL(want));
			}
		}

		/* the oracle against the brute force */
		if (c < walk_cases && hi - lo <= 3 * DAY)
		{
			int64_t		w = oracle_minute_walk(&oracle, lo, hi);
			int64_t		m = oracle_measure(&oracle, lo, hi);

			tally(&walk, w == m && lq_business_between(cal, lo, hi) == w);
			if (w != m)
				diag("%s: the minute walk over [" FMT ", " FMT ") gives " FMT ", the oracle " FMT, tc->name, LL(lo), LL(hi), LL(w), LL(m));
		}
	}

	if (quiet)
	{
		/* random calendars: one line for them all, at the end */
		Tally	   *t[6] = {&between, &is, &next, &fwd, &back, &walk};

		for (int i = 0; i < 6; i++)
		{
			acc[i].cases += t[i]->cases;
			acc[i].bad += t[i]->bad;
		}
		acc_calendars++;
		if (quiet == 2)
		{
			ok(acc[0].bad == 0, "%s (%d calendars): between agrees with the oracle in %ld cases (%ld wrong)",
			   tc->name, acc_calendars, acc[0].cases, acc[0].bad);
			ok(acc[1].bad == 0 && acc[2].bad == 0, "%s: is/next_business_time agree with the oracle in %ld/%ld cases",
			   tc->name, acc[1].cases, acc[2].cases);
			ok(acc[3].bad == 0 && acc[4].bad == 0, "%s: add forward and backward agree with the oracle in %ld/%ld cases",
			   tc->name, acc[3].cases, acc[4].cases);
			if (acc[5].cases > 0)
				ok(acc[5].bad == 0, "%s: minute-by-minute walk agrees with the oracle and the core in %ld cases",
				   tc->name, acc[5].cases);
			memset(acc, 0, sizeof(acc));
			acc_calendars = 0;
		}
		return;
	}
	ok(between.bad == 0, "%s: between agrees with the oracle in %ld cases (%ld wrong)", tc->name, between.cases, between.bad);
	ok(is.bad == 0, "%s: is_business_time agrees with the oracle in %ld cases (%ld wrong)", tc->name, is.cases, is.bad);
	ok(next.bad == 0, "%s: next_business_time agrees with the oracle in %ld cases (%ld wrong)", tc->name, next.cases, next.bad);
	ok(fwd.bad == 0, "%s: add forward agrees with the oracle in %ld cases (%ld wrong)", tc->name, fwd.cases, fwd.bad);
	ok(back.bad == 0, "%s: add backward agrees with the oracle in %ld cases (%ld wrong)", tc->name, back.cases, back.bad);
	ok(walk.cases > 0 && walk.bad == 0, "%s: minute-by-minute walk agrees with the oracle and the core in %ld cases (%ld wrong)",
	   tc->name, walk.cases, walk.bad);
}

/*
 * Properties that need no oracle: three instants, the first in [lo, hi],
 * the others up to max_span after the one before (or all three anywhere in
 * int64_t when lo == hi), and amounts up to max_amount.  With a zone that
 * changes offset every year forever, the business time to the end of the
 * range takes too long to count (a million transitions) and is not checked.
 */
static void
check_properties(const TestCal *tc, int ncases, int64_t lo, int64_t hi,
				 int64_t max_span, int64_t max_amount, const char *where)
{
	const LqCalendar *cal = &tc->cal;
	const LqZone *zone = cal->zone;
	int			yearly = zone->kind == ZONE_US_RULE || zone->kind == ZONE_EU_RULE;
	Tally		additive = {0, 0},
				mono = {0, 0},
				anti = {0, 0},
				round = {0, 0},
				exists = {0, 0},
				isnext = {0, 0};

	diag_budget = 3;
	for (int c = 0; c < ncases; c++)
	{
		int64_t		p[3];
		int64_t		ab,
					bc,
					ac;

		for (int k = 0; k < 3; k++)
		{
			if (lo == hi)
				p[k] = rnd_any();
			else if (k == 0)
				p[k] = rnd_range(lo, hi);
			else
			{
				int64_t		d = rnd_span(max_span);

				p[k] = p[k - 1] > INT64_MAX - d ? INT64_MAX : p[k - 1] + d;
			}
		}
		/* sort */
		for (int i = 0; i < 3; i++)
			for (int j = i + 1; j < 3; j++)
				if (p[j] < p[i])
				{
					int64_t		t = p[i];

					p[i] = p[j];
					p[j] = t;
				}
		ab = lq_business_between(cal, p[0], p[1]);
		bc = lq_business_between(cal, p[1], p[2]);
		ac = lq_business_between(cal, p[0], p[2]);
		if (ac < INT64_MAX)
		{
			tally(&additive, ab + bc == ac);
			if (ab + bc != ac)
				diag("%s: " FMT " + " FMT " != " FMT, tc->name, LL(ab), LL(bc), LL(ac));
		}
		tally(&mono, ab >= 0 && bc >= 0 && ab <= ac && bc <= ac &&
			  (uint64_t) ab <= (uint64_t) p[1] - (uint64_t) p[0]);
		tally(&anti, lq_business_between(cal, p[2], p[0]) == -ac &&
			  lq_business_between(cal, p[1], p[1]) == 0);

		/* round trips, both ways, with amounts of any size */
		for (int k = 0; k < 2; k++)
		{
			int64_t		from = p[k];
			int64_t		amount = k == 0 ? rnd_span(max_amount) : (bc > 0 ? rnd_range(0, bc) : 0);
			int64_t		r = 0;
			int64_t		room;
			int			has;

			/* forwards */
			has = lq_business_add(cal, from, amount, &r);
			room = yearly ? INT64_MAX : lq_business_between(cal, from, INT64_MAX);
			tally(&exists, has == (room >= amount));
			if (has)
			{
				int			good = lq_business_between(cal, from, r) == amount &&
				(amount == 0 ? r == from : lq_business_between(cal, from, r - 1) == amount - 1);

				tally(&round, good);
				if (!good)
					diag("%s: add(" FMT ", " FMT ") = " FMT " does not round-trip", tc->name, LL(from), LL(amount), LL(r));
			}
			else if (room >= amount)
				diag("%s: add(" FMT ", " FMT ") failed with " FMT " available", tc->name, LL(from), LL(amount), LL(room));

			/* backwards */
			from = p[k + 1];
			has = lq_business_add(cal, from, -amount, &r);
			room = yearly ? INT64_MAX : -lq_business_between(cal, from, INT64_MIN);
			tally(&exists, has == (room >= amount));
			if (has)
			{
				int			good = lq_business_between(cal, r, from) == amount &&
				(amount == 0 ? r == from : lq_business_between(cal, r + 1, from) == amount - 1);

				tally(&round, good);
				if (!good)
					diag("%s: add(" FMT ", -" FMT ") = " FMT " does not round-trip", tc->name, LL(from), LL(amount), LL(r));
			}
			else if (room >= amount)
				diag("%s: add(" FMT ", -" FMT ") failed with " FMT " available", tc->name, LL(from), LL(amount), LL(room));
		}

		/* is and next */
		for (int k = 0; k < 3; k++)
		{
			int64_t		t = p[k];
			int64_t		n = 0;
			int			is = lq_is_business_time(cal, t);
			int			good = t == INT64_MAX ? !is : is == (lq_business_between(cal, t, t + 1) == 1);

			if (lq_next_business_time(cal, t, &n))
				good &= n >= t && lq_is_business_time(cal, n) &&
					lq_business_between(cal, t, n) == 0 && (!is || n == t);
			else
				good &= lq_business_between(cal, t, INT64_MAX) == 0;
			tally(&isnext, good);
			if (!good)
				diag("%s: is/next disagree at " FMT, tc->name, LL(t));
		}
	}
	ok(additive.bad == 0 && mono.bad == 0 && anti.bad == 0,
	   "%s, %s: between is additive (%ld cases), monotonic and antisymmetric (%ld)",
	   tc->name, where, additive.cases, mono.cases);
	ok(round.bad == 0 && exists.bad == 0,
	   "%s, %s: add round-trips exactly, earliest/latest, both ways (%ld cases), and fails only when the range lacks the time (%ld)",
	   tc->name, where, round.cases, exists.cases);
	ok(isnext.bad == 0, "%s, %s: is_business_time == (between(t, t+1) == 1), next is the first business instant (%ld cases)",
	   tc->name, where, isnext.cases);
}

/* ------------------------------------------------------- the calendars */

static TestCal ny_9_17,
			london_9_17,
			kolkata_9_17,
			ny_night,
			london_night,
			ny_24x7,
			london_24x7,
			ny_split,
			ny_holidays,
			ny_dst_torture,
			london_year_end,
			utc_night_hol,
			ny_rule_9_17,
			empty;

static void
make_calendars(void)
{
	tc_init(&ny_9_17, "New York weekdays 09-17", &z_ny);
	tc_weekdays(&ny_9_17, 9 * HOUR, 17 * HOUR);

	tc_init(&london_9_17, "London weekdays 09-17", &z_london);
	tc_weekdays(&london_9_17, 9 * HOUR, 17 * HOUR);

	tc_init(&kolkata_9_17, "Kolkata weekdays 09-18", &z_kolkata);
	tc_weekdays(&kolkata_9_17, 9 * HOUR, 18 * HOUR);

	tc_init(&ny_night, "New York nightly 22-06", &z_ny);
	tc_everyday(&ny_night, 22 * HOUR, 30 * HOUR);

	tc_init(&london_night, "London nightly 22-06", &z_london);
	tc_everyday(&london_night, 22 * HOUR, 30 * HOUR);

	tc_init(&ny_24x7, "New York 24x7", &z_ny);
	tc_everyday(&ny_24x7, 0, 24 * HOUR);

	tc_init(&london_24x7, "London 24x7 with holidays", &z_london);
	tc_everyday(&london_24x7, 0, 24 * HOUR);
	tc_holiday(&london_24x7, 2024, 3, 30, 0, DAY);
	tc_holiday(&london_24x7, 2024, 4, 1, 0, DAY);
	tc_holiday(&london_24x7, 2024, 10, 27, 0, DAY);
	tc_holiday(&london_24x7, 2025, 3, 30, 0, 12 * HOUR);
	tc_holiday(&london_24x7, 2025, 10, 26, 1 * HOUR + 30 * MINUTE, DAY);

	/* in any order, with an overlap and a duplicate */
	tc_init(&ny_split, "New York 09-12 and 13-17 weekdays, Saturday 10-14", &z_ny);
	tc_weekdays(&ny_split, 13 * HOUR, 17 * HOUR);
	tc_weekdays(&ny_split, 9 * HOUR, 12 * HOUR);
	tc_window(&ny_split, 5, 10 * HOUR, 14 * HOUR);
	tc_window(&ny_split, 5, 11 * HOUR, 12 * HOUR);
	tc_window(&ny_split, 2, 9 * HOUR, 12 * HOUR);

	tc_init(&ny_holidays, "New York weekdays 09-17 with holidays", &z_ny);
	tc_weekdays(&ny_holidays, 9 * HOUR, 17 * HOUR);
	tc_holiday(&ny_holidays, 2024, 1, 1, 0, DAY);
	tc_holiday(&ny_holidays, 2024, 3, 8, 12 * HOUR, DAY);	/* Friday before DST */
	tc_holiday(&ny_holidays, 2024, 7, 4, 0, DAY);
	tc_holiday(&ny_holidays, 2024, 11, 4, 0, 10 * HOUR);	/* Monday after */
	tc_holiday(&ny_holidays, 2024, 12, 24, 13 * HOUR, DAY);
	tc_holiday(&ny_holidays, 2024, 12, 25, 0, DAY);
	tc_holiday(&ny_holidays, 2024, 12, 31, 12 * HOUR, DAY);
	tc_holiday(&ny_holidays, 2025, 1, 1, 0, DAY);
	tc_holiday(&ny_holidays, 2025, 12, 25, 0, DAY);
	tc_holiday(&ny_holidays, 2025, 12, 26, 0, 9 * HOUR + 30 * MINUTE);
	tc_holiday(&ny_holidays, 2025, 12, 26, 10 * HOUR, 11 * HOUR);
	tc_holiday(&ny_holidays, 2026, 1, 1, 0, DAY);

	/*
	 * Windows and holidays whose boundaries fall in the gaps and overlaps:
	 * every night 00:30-02:30 and 01:15-01:45 (overlapping), 22:00-06:00,
	 * Sunday 01:00-03:00 and 02:10-02:50; holidays on the change days.
	 */
	tc_init(&ny_dst_torture, "New York DST torture", &z_ny);
	tc_everyday(&ny_dst_torture, 30 * MINUTE, 2 * HOUR + 30 * MINUTE);
	tc_everyday(&ny_dst_torture, HOUR + 15 * MINUTE, HOUR + 45 * MINUTE);
	tc_everyday(&ny_dst_torture, 22 * HOUR, 30 * HOUR);
	tc_window(&ny_dst_torture, 6, HOUR, 3 * HOUR);
	tc_window(&ny_dst_torture, 6, 2 * HOUR + 10 * MINUTE, 2 * HOUR + 50 * MINUTE);
	tc_window(&ny_dst_torture, 3, 12 * HOUR, 13 * HOUR);
	tc_holiday(&ny_dst_torture, 2024, 3, 10, 2 * HOUR + 20 * MINUTE, 2 * HOUR + 40 * MINUTE);
	tc_holiday(&ny_dst_torture, 2024, 11, 3, HOUR + 30 * MINUTE, HOUR + 40 * MINUTE);
	tc_holiday(&ny_dst_torture, 2025, 3, 9, 0, DAY);
	tc_holiday(&ny_dst_torture, 2025, 11, 2, HOUR + 20 * MINUTE, DAY);
	tc_holiday(&ny_dst_torture, 2026, 3, 7, 23 * HOUR, DAY);
	tc_holiday(&ny_dst_torture, 2026, 3, 8, 0, 2 * HOUR + 30 * MINUTE);
	tc_holiday(&ny_dst_torture, 2026, 11, 1, 0, HOUR + 30 * MINUTE);
	tc_holiday(&ny_dst_torture, 2026, 11, 1, HOUR + 30 * MINUTE, 2 * HOUR);

	tc_init(&london_year_end, "London nightly 20-08 with year-end holidays", &z_london);
	tc_everyday(&london_year_end, 20 * HOUR, 32 * HOUR);
	tc_holiday(&london_year_end, 2024, 3, 31, 0, 2 * HOUR);
	tc_holiday(&london_year_end, 2024, 10, 27, 0, DAY);
	tc_holiday(&london_year_end, 2024, 12, 24, 18 * HOUR, DAY);
	tc_holiday(&london_year_end, 2024, 12, 25, 0, DAY);
	tc_holiday(&london_year_end, 2024, 12, 26, 0, DAY);
	tc_holiday(&london_year_end, 2024, 12, 31, 18 * HOUR, DAY);
	tc_holiday(&london_year_end, 2025, 1, 1, 0, DAY);
	tc_holiday(&london_year_end, 2025, 12, 31, 23 * HOUR, DAY);
	tc_holiday(&london_year_end, 2026, 1, 1, 0, HOUR);

	tc_init(&utc_night_hol, "UTC weeknights 22-06 with holidays", &z_utc);
	tc_weekdays(&utc_night_hol, 22 * HOUR, 30 * HOUR);
	tc_holiday(&utc_night_hol, 2024, 6, 15, 0, DAY);	/* a Saturday */
	tc_holiday(&utc_night_hol, 2024, 6, 21, 0, DAY);	/* a Friday */
	tc_holiday(&utc_night_hol, 2024, 12, 31, 0, DAY);
	tc_holiday(&utc_night_hol, 2025, 1, 1, 3 * HOUR, 4 * HOUR);

	tc_init(&ny_rule_9_17, "New York (US rules, any year) weekdays 09-17", &z_ny_rule);
	tc_weekdays(&ny_rule_9_17, 9 * HOUR, 17 * HOUR);

	tc_init(&empty, "an empty calendar", &z_ny);
}

/*
 * Adds random holidays to the calendar the way the core wants them: sorted
 * by date and start, dropping any that overlaps the one kept before it.
 */
static void
add_holidays_sorted(TestCal *tc, LqHoliday *hs, int count)
{
	for (int i = 1; i < count; i++)
		for (int j = i; j > 0 && (hs[j].date < hs[j - 1].date ||
								  (hs[j].date == hs[j - 1].date && hs[j].start_us < hs[j - 1].start_us)); j--)
		{
			LqHoliday	t = hs[j];

			hs[j] = hs[j - 1];
			hs[j - 1] = t;
		}
	for (int i = 0; i < count; i++)
	{
		int			n = tc->cal.nholidays;

		if (n > 0 && tc->holidays[n - 1].date == hs[i].date &&
			hs[i].start_us < tc->holidays[n - 1].end_us)
			continue;
		tc->holidays[tc->cal.nholidays++] = hs[i];
	}
}

/* A random calendar: minute-aligned windows and holidays, many near the
 * DST change hours and days and the year ends. */
static void
random_calendar(TestCal *tc, const char *name, const LqZone *zone)
{
	int			nw = 1 + (int) (rnd() % 6);
	int			nh = (int) (rnd() % 9);
	int64_t		base = days_from_civil(2024, 1, 1);
	int			count = 0;
	LqHoliday	hs[16];
	const char *problem;

	tc_init(tc, name, zone);
	for (int i = 0; i < nw; i++)
	{
		int64_t		start,
					len;

		if (rnd() % 3 == 0)
			start = rnd_range(0, 4 * 60) * MINUTE;	/* the DST hours */
		else
			start = rnd_range(0, 24 * 60 - 1) * MINUTE;
		switch (rnd() % 4)
		{
			case 0:
				len = rnd_range(1, 120) * MINUTE;
				break;
			case 1:
				len = rnd_range(1, 24 * 60) * MINUTE;
				break;
			case 2:
				len = 8 * HOUR;
				break;
			default:
				len = 24 * HOUR;
				break;
		}
		tc_window(tc, (int) (rnd() % 7), start, start + len);
	}
	for (int i = 0; i < nh; i++)
	{
		int64_t		d;
		int64_t		s,
					e;

		switch (rnd() % 3)
		{
			case 0:
				{
					/* a DST change day of the zone, or a day next to one */
					int64_t		t = z_ny.at[rnd() % 6];

					if (zone == &z_london)
						t = z_london.at[rnd() % 6];
					d = floor_div(t, DAY) + (int64_t) (rnd() % 3) - 1;
					break;
				}
			case 1:
				/* around a year end */
				d = days_from_civil(2024 + (int64_t) (rnd() % 3), 1, 1) + (int64_t) (rnd() % 5) - 2;
				break;
			default:
				d = base + (int64_t) (rnd() % (3 * 366));
				break;
		}
		if (rnd() % 2)
		{
			s = 0;
			e = DAY;
		}
		else
		{
			s = rnd_range(0, 24 * 60 - 1) * MINUTE;
			e = rnd_range(s / MINUTE + 1, 24 * 60) * MINUTE;
		}
		hs[count].date = (int32_t) d;
		hs[count].start_us = s;
		hs[count].end_us = e;
		count++;
	}
	add_holidays_sorted(tc, hs, count);
	if (!lq_calendar_valid(&tc->cal, &problem))
	{
		printf("# random calendar invalid: %s\n", problem);
		abort();
	}
}

/*
 * A zone no country has: up to six transitions from a microsecond to three
 * days apart, any offsets within a day either way, so that clocks jump back
 * and forth by many hours, gaps and overlaps overlap each other, and the
 * core's rarer cases (several back-jumps within two days) all happen.
 */
static void
random_wild_zone(LqZone *z, int64_t around)
{
	int64_t		t = around + rnd_range(-DAY, DAY);

	memset(z, 0, sizeof(*z));
	z->kind = ZONE_TABLE;
	z->std = (int32_t) rnd_range(-86400, 86400);
	z->n = 1 + (int) (rnd() % 6);
	for (int i = 0; i < z->n; i++)
	{
		if (i > 0)
			t += 1 + rnd_span(3 * DAY);
		z->at[i] = t;
		z->off[i] = (int32_t) (rnd() % 2 ? rnd_range(-86400, 86400) : rnd_range(-6, 6) * 1800);
	}
}

/*
 * A local time within two microseconds of what the clock reads just before
 * or at a transition (where gaps and overlaps begin and end), or any time on
 * the same date; as a date and a time of day.
 */
static void
wild_local_time(const LqZone *z, int64_t *date, int64_t *time_of_day)
{
	int			k = (int) (rnd() % (uint64_t) z->n);
	int64_t		off = rnd() % 2 ? z->off[k] : k > 0 ? z->off[k - 1] : z->std;
	int64_t		local = z->at[k] + off * SEC + rnd_range(-2, 1);

	*date = floor_div(local, DAY);
	*time_of_day = rnd() % 4 ? local - *date * DAY : rnd_range(0, DAY - 1);
}

/* windows and holidays around a wild zone's transitions */
static void
random_wild_calendar(TestCal *tc, const char *name, const LqZone *zone)
{
	int			nw = 1 + (int) (rnd() % 5);
	int			nh = (int) (rnd() % 4);
	LqHoliday	hs[4];
	const char *problem;

	tc_init(tc, name, zone);
	for (int i = 0; i < nw; i++)
	{
		int64_t		d,
					d2,
					s,
					e;

		/* on the date of a transition, ending near another (or the same) */
		wild_local_time(zone, &d, &s);
		wild_local_time(zone, &d2, &e);
		tc_window(tc, weekday_of(d), s, e > s ? e : e + DAY);
	}
	for (int i = 0; i < nh; i++)
	{
		int64_t		d,
					d2,
					s,
					e;

		wild_local_time(zone, &d, &s);
		wild_local_time(zone, &d2, &e);
		if (rnd() % 3 == 0)
			e = DAY;
		if (s > e)
		{
			int64_t		t = s;

			s = e;
			e = t;
		}
		hs[i].date = (int32_t) d;
		hs[i].start_us = s;
		hs[i].end_us = e > s ? e : s + 1;
	}
	add_holidays_sorted(tc, hs, nh);
	if (!lq_calendar_valid(&tc->cal, &problem))
	{
		printf("# wild calendar invalid: %s\n", problem);
		abort();
	}
}

/* --------------------------------------------------- hand-computed cases */

static void
expect_between(const TestCal *tc, int64_t from, int64_t to, int64_t want, const char *what)
{
	int64_t		got = lq_business_between(&tc->cal, from, to);

	ok(got == want, "%s: %s: " FMT " us (got " FMT ")", tc->name, what, LL(want), LL(got));
}

static void
expect_add(const TestCal *tc, int64_t from, int64_t amount, int64_t want, const char *what)
{
	int64_t		got = INT64_MIN;
	int			has = lq_business_add(&tc->cal, from, amount, &got);

	ok(has && got == want, "%s: %s (got " FMT ", want " FMT ")", tc->name, what, LL(got), LL(want));
}

static void
expect_no_add(const TestCal *tc, int64_t from, int64_t amount, const char *what)
{
	int64_t		got = 12345;
	int			has = lq_business_add(&tc->cal, from, amount, &got);

	ok(!has && got == 12345, "%s: %s", tc->name, what);
}

static void
test_hand_cases(void)
{
	TestCal		c;

	/* New York weekdays 09-17 */
	expect_add(&ny_9_17, T(2024, 3, 8, 21, 0), 2 * HOUR, T(2024, 3, 11, 14, 0),
			   "Fri 2024-03-08 16:00 EST + 2h = Mon 03-11 10:00 EDT, across spring forward");
	expect_between(&ny_9_17, T(2024, 3, 8, 21, 0), T(2024, 3, 11, 14, 0), 2 * HOUR,
				   "Fri 16:00 EST to Mon 10:00 EDT is 2h");
	expect_between(&ny_9_17, T(2024, 3, 4, 5, 0), T(2024, 3, 11, 4, 0), 40 * HOUR,
				   "the week of 2024-03-04, 167 real hours, holds 40h");
	expect_add(&ny_9_17, T(2024, 11, 1, 20, 0), 2 * HOUR, T(2024, 11, 4, 15, 0),
			   "Fri 2024-11-01 16:00 EDT + 2h = Mon 11-04 10:00 EST, across fall back");
	expect_add(&ny_9_17, T(2024, 6, 15, 14, 0), HOUR, T(2024, 6, 17, 14, 0),
			   "Sat 2024-06-15 10:00 + 1h = Mon 10:00: a weekend start counts from the opening");
	expect_add(&ny_9_17, T(2024, 6, 15, 14, 0), 0, T(2024, 6, 15, 14, 0),
			   "Sat 10:00 + 0 = Sat 10:00: zero returns from, even outside hours");
	expect_add(&ny_9_17, T(2024, 6, 17, 16, 0), HOUR, T(2024, 6, 17, 17, 0),
			   "Mon 12:00 EDT + 1h = 13:00");
	expect_add(&ny_9_17, T(2024, 6, 17, 20, 0), HOUR, T(2024, 6, 17, 21, 0),
			   "Mon 16:00 + 1h = Mon 17:00 (the closing), not Tue 09:00");
	expect_add(&ny_9_17, T(2024, 6, 18, 14, 0), -2 * HOUR, T(2024, 6, 17, 20, 0),
			   "Tue 10:00 - 2h = Mon 16:00");
	expect_add(&ny_9_17, T(2024, 6, 18, 14, 0), -HOUR, T(2024, 6, 18, 13, 0),
			   "Tue 10:00 - 1h = Tue 09:00 (the opening), not Mon 17:00");
	expect_add(&ny_9_17, T(2024, 6, 17, 13, 0), -HOUR, T(2024, 6, 14, 20, 0),
			   "Mon 09:00 - 1h = Fri 16:00");
	expect_add(&ny_9_17, T(2024, 6, 17, 13, 0), -1, T(2024, 6, 14, 21, 0) - 1,
			   "Mon 09:00 - 1us = Fri 16:59:59.999999");
	expect_add(&ny_9_17, T(2024, 6, 16, 12, 0), -HOUR, T(2024, 6, 14, 20, 0),
			   "Sun 08:00 - 1h = Fri 16:00");
	expect_between(&ny_9_17, T(2024, 1, 1, 5, 0), T(2025, 1, 1, 5, 0), 262 * 8 * HOUR,
				   "all of 2024 (262 weekdays) holds 2096h");
	expect_between(&ny_9_17, T(2025, 1, 1, 5, 0), T(2024, 1, 1, 5, 0), -262 * 8 * HOUR,
				   "all of 2024 backwards holds -2096h");
	{
		int64_t		n = 0;

		ok(lq_next_business_time(&ny_9_17.cal, T(2024, 6, 15, 14, 0), &n) && n == T(2024, 6, 17, 13, 0),
		   "%s: the next business time after Sat 10:00 is Mon 09:00 EDT", ny_9_17.name);
		ok(lq_next_business_time(&ny_9_17.cal, T(2024, 6, 17, 15, 0), &n) && n == T(2024, 6, 17, 15, 0),
		   "%s: the next business time at Mon 11:00 is itself", ny_9_17.name);
		ok(lq_is_business_time(&ny_9_17.cal, T(2024, 6, 17, 13, 0)) &&
		   !lq_is_business_time(&ny_9_17.cal, T(2024, 6, 17, 13, 0) - 1) &&
		   lq_is_business_time(&ny_9_17.cal, T(2024, 6, 17, 21, 0) - 1) &&
		   !lq_is_business_time(&ny_9_17.cal, T(2024, 6, 17, 21, 0)),
		   "%s: Mon 09:00 and 16:59:59.999999 are business time, 08:59:59.999999 and 17:00 are not", ny_9_17.name);
	}

	/* New York with holidays */
	expect_add(&ny_holidays, T(2024, 7, 4, 16, 0), 3 * HOUR, T(2024, 7, 5, 16, 0),
			   "Thu 2024-07-04 (holiday) 12:00 + 3h = Fri 12:00: a start in a holiday counts from the opening");
	expect_between(&ny_holidays, T(2024, 7, 3, 4, 0), T(2024, 7, 6, 4, 0), 16 * HOUR,
				   "Wed 07-03 to Sat 07-06: 16h around the Fourth");
	expect_add(&ny_holidays, T(2024, 12, 30, 21, 0), 5 * HOUR, T(2025, 1, 2, 15, 0),
			   "Mon 2024-12-30 16:00 + 5h = Thu 2025-01-02 10:00: Tue 12:00-24:00 and New Year closed");
	{
		TestCal		h;

		tc_init(&h, "New York weekdays 09-17, New Year's Day off", &z_ny);
		tc_weekdays(&h, 9 * HOUR, 17 * HOUR);
		tc_holiday(&h, 2025, 1, 1, 0, DAY);
		expect_add(&h, T(2024, 12, 31, 21, 0), 2 * HOUR, T(2025, 1, 2, 15, 0),
				   "Tue 2024-12-31 16:00 + 2h = Thu 2025-01-02 10:00");
		expect_add(&h, T(2025, 1, 2, 15, 0), -2 * HOUR, T(2024, 12, 31, 21, 0),
				   "Thu 2025-01-02 10:00 - 2h = Tue 2024-12-31 16:00");
		expect_between(&h, T(2024, 12, 31, 5, 0), T(2025, 1, 3, 5, 0), 16 * HOUR,
					   "Tue 12-31 to Fri 01-03: 16h");
	}
	expect_between(&ny_holidays, T(2024, 3, 8, 5, 0), T(2024, 3, 9, 5, 0), 3 * HOUR,
				   "Fri 2024-03-08 with 12:00-24:00 off: 3h");
	expect_between(&ny_holidays, T(2024, 11, 4, 5, 0), T(2024, 11, 5, 5, 0), 7 * HOUR,
				   "Mon 2024-11-04 with 00:00-10:00 off: 7h");
	expect_between(&ny_holidays, T(2025, 12, 26, 5, 0), T(2025, 12, 27, 5, 0), 6 * HOUR + 30 * MINUTE,
				   "Fri 2025-12-26 with 00:00-09:30 and 10:00-11:00 off: 6.5h");

	/* overnight windows over the DST changes */
	expect_between(&ny_night, T(2024, 3, 9, 17, 0), T(2024, 3, 10, 16, 0), 7 * HOUR,
				   "Sat 2024-03-09 22:00 EST to Sun 06:00 EDT, spring forward: 7h");
	expect_between(&ny_night, T(2024, 11, 2, 16, 0), T(2024, 11, 3, 17, 0), 9 * HOUR,
				   "Sat 2024-11-02 22:00 EDT to Sun 06:00 EST, fall back: 9h");
	expect_add(&ny_night, T(2024, 3, 10, 3, 0), 7 * HOUR, T(2024, 3, 10, 10, 0),
			   "Sat 2024-03-09 22:00 EST + 7h = Sun 06:00 EDT");
	expect_add(&ny_night, T(2024, 3, 10, 3, 0), 7 * HOUR + 1, T(2024, 3, 11, 2, 0) + 1,
			   "Sat 22:00 EST + 7h + 1us = Sun 22:00 EDT + 1us");
	expect_add(&ny_night, T(2024, 11, 3, 11, 0), -9 * HOUR, T(2024, 11, 3, 2, 0),
			   "Sun 2024-11-03 06:00 EST - 9h = Sat 22:00 EDT");
	expect_between(&london_night, T(2024, 3, 30, 12, 0), T(2024, 3, 31, 11, 0), 7 * HOUR,
				   "Sat 2024-03-30 22:00 GMT to Sun 06:00 BST: 7h");
	expect_between(&london_night, T(2024, 10, 26, 11, 0), T(2024, 10, 27, 12, 0), 9 * HOUR,
				   "Sat 2024-10-26 22:00 BST to Sun 06:00 GMT: 9h");

	/* whole days */
	expect_between(&ny_24x7, T(2024, 3, 10, 5, 0), T(2024, 3, 11, 4, 0), 23 * HOUR,
				   "Sun 2024-03-10, midnight to midnight: 23h");
	expect_between(&ny_24x7, T(2024, 11, 3, 4, 0), T(2024, 11, 4, 5, 0), 25 * HOUR,
				   "Sun 2024-11-03, midnight to midnight: 25h");
	/* 03-29 24h, 03-30 off, 03-31 23h, 04-01 off, 04-02 24h, 04-03 00:00-01:00 BST */
	expect_between(&london_24x7, T(2024, 3, 29, 0, 0), T(2024, 4, 3, 0, 0), 72 * HOUR,
				   "2024-03-29 to 04-03 UTC, holidays on 03-30 and 04-01: 72h");
	expect_between(&london_24x7, T(2024, 10, 26, 0, 0), T(2024, 10, 29, 0, 0), 47 * HOUR,
				   "2024-10-26 to 10-29 UTC, the 25-hour 10-27 off: 72 - 25 = 47h");
	/* 2025-03-30 00:00-12:00 off: 00:00 GMT to 12:00 BST is 11h */
	expect_between(&london_24x7, T(2025, 3, 30, 0, 0), T(2025, 3, 30, 23, 0), 12 * HOUR,
				   "Sun 2025-03-30 (23h) with 00:00-12:00 off: 12h");
	/* 2025-10-26 01:30-24:00 off: 00:00 BST to the first 01:30 */
	expect_between(&london_24x7, T(2025, 10, 25, 23, 0), T(2025, 10, 27, 0, 0), 90 * MINUTE,
				   "Sun 2025-10-26 (25h) with 01:30-24:00 off: 1.5h, the first 00:00-01:30");
	ok(lq_is_business_time(&london_24x7.cal, T(2025, 10, 26, 0, 29)) &&
	   !lq_is_business_time(&london_24x7.cal, T(2025, 10, 26, 0, 30)) &&
	   !lq_is_business_time(&london_24x7.cal, T(2025, 10, 26, 1, 15)),
	   "%s: 01:29 BST is open, 01:30 BST and the repeated 01:15 GMT closed", london_24x7.name);

	/* boundaries in the gap and in the overlap */
	tc_init(&c, "New York Sunday 02:30-04:00", &z_ny);
	tc_window(&c, 6, 2 * HOUR + 30 * MINUTE, 4 * HOUR);
	expect_between(&c, T(2024, 3, 10, 0, 0), T(2024, 3, 11, 0, 0), HOUR,
				   "on 2024-03-10 02:30 does not exist: 03:00-04:00 EDT, 1h");
	expect_add(&c, T(2024, 3, 10, 0, 0), 1, T(2024, 3, 10, 7, 0) + 1,
			   "and it opens at the transition, 07:00 UTC");
	expect_between(&c, T(2024, 3, 17, 0, 0), T(2024, 3, 18, 0, 0), 90 * MINUTE,
				   "a week later: 1.5h");
	tc_init(&c, "New York Sunday 01:00-02:30", &z_ny);
	tc_window(&c, 6, HOUR, 2 * HOUR + 30 * MINUTE);
	expect_between(&c, T(2024, 3, 10, 0, 0), T(2024, 3, 11, 0, 0), HOUR,
				   "on 2024-03-10 it closes at the transition: 01:00 EST-03:00 EDT, 1h");
	tc_init(&c, "New York Sunday 01:30-03:00", &z_ny);
	tc_window(&c, 6, HOUR + 30 * MINUTE, 3 * HOUR);
	expect_between(&c, T(2024, 11, 3, 0, 0), T(2024, 11, 4, 0, 0), 150 * MINUTE,
				   "on 2024-11-03 it opens at the first 01:30 (EDT): 2.5h");
	expect_add(&c, T(2024, 11, 3, 0, 0), 1, T(2024, 11, 3, 5, 30) + 1,
			   "opening at 05:30 UTC");
	tc_init(&c, "New York Sunday 00:00-01:30", &z_ny);
	tc_window(&c, 6, 0, HOUR + 30 * MINUTE);
	expect_between(&c, T(2024, 11, 3, 0, 0), T(2024, 11, 4, 0, 0), 150 * MINUTE,
				   "on 2024-11-03 it closes at the second 01:30 (EST): 2.5h");
	expect_add(&c, T(2024, 11, 3, 0, 0), 150 * MINUTE, T(2024, 11, 3, 6, 30),
			   "closing at 06:30 UTC");
	tc_init(&c, "New York Sunday 00:00-01:10 and 01:20-03:00", &z_ny);
	tc_window(&c, 6, 0, HOUR + 10 * MINUTE);
	tc_window(&c, 6, HOUR + 20 * MINUTE, 3 * HOUR);
	expect_between(&c, T(2024, 11, 3, 0, 0), T(2024, 11, 4, 0, 0), 4 * HOUR,
				   "on 2024-11-03 the second 01:10 comes after the first 01:20: 4h without a break");
	expect_between(&c, T(2024, 11, 10, 0, 0), T(2024, 11, 11, 0, 0), 170 * MINUTE,
				   "a week later: 2h50, with the break");
	tc_init(&c, "New York 24x7, 2024-11-03 01:30-24:00 and 2025-03-09 02:30-03:30 off", &z_ny);
	tc_everyday(&c, 0, DAY);
	tc_holiday(&c, 2024, 11, 3, HOUR + 30 * MINUTE, DAY);
	tc_holiday(&c, 2025, 3, 9, 2 * HOUR + 30 * MINUTE, 3 * HOUR + 30 * MINUTE);
	expect_between(&c, T(2024, 11, 3, 4, 0), T(2024, 11, 4, 5, 0), 90 * MINUTE,
				   "a holiday from the first 01:30 on the 25-hour day leaves 1.5h");
	expect_between(&c, T(2025, 3, 9, 5, 0), T(2025, 3, 10, 4, 0), 22 * HOUR + 30 * MINUTE,
				   "a holiday from 02:30 (in the gap: the transition) to 03:30 EDT closes 30 min of 23h");
	tc_init(&c, "New York 24x7, DST days off", &z_ny);
	tc_everyday(&c, 0, DAY);
	tc_holiday(&c, 2024, 3, 10, 0, DAY);
	tc_holiday(&c, 2024, 11, 3, 0, DAY);
	expect_between(&c, T(2024, 3, 9, 5, 0), T(2024, 3, 11, 4, 0), 24 * HOUR,
				   "Sat 03-09 and the 23-hour Sun off: 24h");
	expect_between(&c, T(2024, 11, 2, 4, 0), T(2024, 11, 4, 5, 0), 24 * HOUR,
				   "Sat 11-02 and the 25-hour Sun off: 24h");

	/*
	 * A clock that falls back twice, two hours at 12:00 UTC and two more
	 * half an hour later: during that half hour it reads 12:00-12:30, below
	 * the 13:59:59.999999 it read just before and above the 10:30 it will
	 * read just after, so [10:30, 13:59:59.999999] is both "already seen"
	 * and "still to come" there.  A window from 13:59:59.999999 to
	 * 14:59:59.999999 opens at the last instant before the first fall-back
	 * (the clock reads its start then) and closes when the clock last reads
	 * 14:59:59.999998, at 16:59:59.999999 UTC: 5h in all, the half hour
	 * included.
	 */
	{
		int64_t		t1 = T(2025, 6, 2, 12, 0);
		LqZone		z = {ZONE_TABLE, 7200, 0, 2, {t1, t1 + 30 * MINUTE}, {0, -7200}};

		tc_init(&c, "a clock falling back twice, window 13:59:59.999999-14:59:59.999999", &z);
		tc_window(&c, 0, 14 * HOUR - 1, 15 * HOUR - 1);
		expect_between(&c, t1 - HOUR, t1 + 6 * HOUR, 5 * HOUR, "5h, from 11:59:59.999999 UTC to 16:59:59.999999");
		expect_add(&c, t1 - HOUR, 1, t1, "opens a microsecond before the first fall-back");
		ok(lq_is_business_time(&c.cal, t1 + 10 * MINUTE) && lq_is_business_time(&c.cal, t1 - 1) &&
		   !lq_is_business_time(&c.cal, t1 - 2) && !lq_is_business_time(&c.cal, t1 + 5 * HOUR - 1),
		   "%s: open between the two fall-backs", c.name);
		/* a holiday of one microsecond at the window's start: closed until the
		 * clock last reads 14:00, at 16:00 UTC, and then at that reading */
		c.holidays[0] = (LqHoliday) {date_of(2025, 6, 2), 14 * HOUR - 1, 14 * HOUR};
		c.cal.nholidays = 1;
		expect_between(&c, t1 - HOUR, t1 + 6 * HOUR, HOUR - 1, "with a 1us holiday at its start: 1h - 1us");
		expect_add(&c, t1 - HOUR, 1, t1 + 4 * HOUR + 1, "opening at 16:00 UTC");
	}

	/* holidays against overnight windows: the holiday's date decides */
	expect_between(&utc_night_hol, T(2024, 6, 14, 12, 0), T(2024, 6, 15, 12, 0), 2 * HOUR,
				   "Fri 22:00-Sat 06:00 with Saturday off: Fri 22:00-24:00, 2h");
	expect_between(&utc_night_hol, T(2024, 6, 21, 12, 0), T(2024, 6, 22, 12, 0), 6 * HOUR,
				   "Fri 22:00-Sat 06:00 with Friday off: Sat 00:00-06:00, 6h");
	expect_between(&utc_night_hol, T(2024, 6, 20, 12, 0), T(2024, 6, 21, 12, 0), 2 * HOUR,
				   "Thu 22:00-Fri 06:00 with Friday off: Thu 22:00-24:00, 2h");
	expect_between(&utc_night_hol, T(2024, 12, 30, 12, 0), T(2025, 1, 2, 12, 0), 2 * HOUR + 5 * HOUR + 8 * HOUR,
				   "over the year end, 12-31 and 01-01 03:00-04:00 off: Mon night 2h, Tue night 5h, Wed night 8h");

	/* London and Kolkata */
	expect_add(&london_9_17, T(2024, 3, 29, 16, 0), 2 * HOUR, T(2024, 4, 1, 9, 0),
			   "Fri 2024-03-29 16:00 GMT + 2h = Mon 04-01 10:00 BST");
	expect_between(&kolkata_9_17, T(2024, 6, 3, 0, 0), T(2024, 6, 4, 0, 0), 9 * HOUR,
				   "Mon 2024-06-03 UTC: 03:30-12:30 UTC, 9h");
	expect_add(&kolkata_9_17, T(2024, 6, 7, 11, 30), 2 * HOUR, T(2024, 6, 10, 4, 30),
			   "Fri 2024-06-07 17:00 IST + 2h = Mon 10:00 IST (04:30 UTC)");
	ok(lq_is_business_time(&kolkata_9_17.cal, T(2024, 6, 3, 3, 30)) &&
	   !lq_is_business_time(&kolkata_9_17.cal, T(2024, 6, 3, 3, 30) - 1),
	   "%s: opens at 03:30 UTC sharp", kolkata_9_17.name);
	expect_between(&kolkata_9_17, T(2024, 6, 2, 18, 30), T(2024, 6, 2, 18, 30) + 52143 * WEEK,
				   52143 * 45 * HOUR, "52143 weeks (about 1000 years) from a Monday: 52143 * 45h");
	expect_between(&ny_9_17, T(2027, 1, 4, 5, 0), T(2027, 1, 4, 5, 0) + 52143 * WEEK,
				   52143 * 40 * HOUR, "52143 weeks from 2027 (past the table): 52143 * 40h");
}

/* ------------------------------------------------------------- extremes */

static void
test_extremes(void)
{
	TestCal		c;
	int64_t		r = 0;

	tc_init(&c, "UTC 24x7", &z_utc);
	tc_everyday(&c, 0, DAY);
	expect_between(&c, INT64_MIN, INT64_MAX, INT64_MAX, "the whole int64 range saturates at INT64_MAX");
	expect_between(&c, INT64_MAX, INT64_MIN, -INT64_MAX, "and backwards at -INT64_MAX");
	expect_between(&c, LQ_TIME_MIN, 0, LQ_TIME_MAX, "LQ_TIME_MIN to 1970: all of it");
	expect_between(&c, LQ_TIME_MAX - HOUR, INT64_MAX, HOUR, "the last hour before LQ_TIME_MAX, then nothing");
	expect_between(&c, INT64_MIN, LQ_TIME_MIN + HOUR, HOUR, "nothing before LQ_TIME_MIN, then an hour");
	expect_add(&c, LQ_TIME_MAX - 2 * HOUR, HOUR, LQ_TIME_MAX - HOUR, "an hour before the end");
	expect_add(&c, LQ_TIME_MAX - HOUR, HOUR, LQ_TIME_MAX, "up to the end exactly");
	expect_no_add(&c, LQ_TIME_MAX - HOUR, HOUR + 1, "past the end: false");
	expect_no_add(&c, INT64_MAX, 1, "from INT64_MAX forwards: false");
	expect_add(&c, INT64_MIN, HOUR, LQ_TIME_MIN + HOUR, "from INT64_MIN counting starts at LQ_TIME_MIN");
	expect_add(&c, LQ_TIME_MIN, INT64_MAX, LQ_TIME_MIN + INT64_MAX, "INT64_MAX from LQ_TIME_MIN");
	expect_no_add(&c, 0, INT64_MAX, "INT64_MAX from 1970: false");
	expect_add(&c, LQ_TIME_MAX, -INT64_MAX, LQ_TIME_MAX - INT64_MAX, "-INT64_MAX from LQ_TIME_MAX");
	expect_no_add(&c, 0, -INT64_MAX, "-INT64_MAX from 1970: false");
	expect_no_add(&c, 0, INT64_MIN, "INT64_MIN: false");
	expect_add(&c, INT64_MAX, -HOUR, LQ_TIME_MAX - HOUR, "backwards from INT64_MAX counts from LQ_TIME_MAX");
	expect_no_add(&c, LQ_TIME_MIN + HOUR, -HOUR - 1, "before the start: false");
	expect_add(&c, 12345, 0, 12345, "zero amount");
	ok(!lq_is_business_time(&c.cal, INT64_MAX) && !lq_is_business_time(&c.cal, LQ_TIME_MAX) &&
	   lq_is_business_time(&c.cal, LQ_TIME_MAX - 1) && lq_is_business_time(&c.cal, LQ_TIME_MIN) &&
	   !lq_is_business_time(&c.cal, LQ_TIME_MIN - 1) && !lq_is_business_time(&c.cal, INT64_MIN),
	   "%s: business time is [LQ_TIME_MIN, LQ_TIME_MAX)", c.name);
	ok(lq_next_business_time(&c.cal, INT64_MIN, &r) && r == LQ_TIME_MIN &&
	   !lq_next_business_time(&c.cal, INT64_MAX, &r) && !lq_next_business_time(&c.cal, LQ_TIME_MAX, &r) &&
	   lq_next_business_time(&c.cal, LQ_TIME_MAX - 1, &r) && r == LQ_TIME_MAX - 1,
	   "%s: next_business_time at the range limits", c.name);

	/* the far future and past, with the US rules (DST every year) */
	{
		/* the first Monday of 200000 AD, 00:00 EST */
		int64_t		a = T(200000, 1, 1, 5, 0);

		a += (7 - weekday_of(floor_div(a, DAY))) % 7 * DAY;
		expect_between(&ny_rule_9_17, a, a + 520 * WEEK, 520 * 40 * HOUR,
					   "520 weeks from the first Monday of 200000 AD: 520 * 40h");
		expect_add(&ny_rule_9_17, a, 520 * 40 * HOUR, a + 519 * WEEK + 4 * DAY + 17 * HOUR,
				   "520 * 40h from there ends on the Friday of the 520th week at 17:00 EST");
		expect_add(&ny_rule_9_17, a + 519 * WEEK + 4 * DAY + 17 * HOUR, -520 * 40 * HOUR, a + 9 * HOUR,
				   "and back to that first Monday 09:00 EST");
		a = T(-200000, 1, 1, 5, 0);
		a += (7 - weekday_of(floor_div(a, DAY))) % 7 * DAY;
		expect_between(&ny_rule_9_17, a, a + 520 * WEEK, 520 * 40 * HOUR,
					   "520 weeks from the first Monday of 200001 BC: 520 * 40h");
	}
	{
		int64_t		far[] = {T(200000, 6, 1, 12, 0), T(-200000, 6, 1, 12, 0), T(294246, 1, 1, 0, 0), T(-290306, 3, 1, 0, 0)};
		int			good = 1;

		for (int i = 0; i < 4; i++)
		{
			int64_t		amounts[] = {1, HOUR, 40 * HOUR, 1000 * HOUR, 5000 * WEEK};

			for (int k = 0; k < (i < 2 ? 5 : 4); k++)
			{
				int64_t		f = 0,
							bk = 0;

				good &= lq_business_add(&ny_rule_9_17.cal, far[i], amounts[k], &f) &&
					lq_business_between(&ny_rule_9_17.cal, far[i], f) == amounts[k];
				good &= lq_business_add(&ny_rule_9_17.cal, far[i], -amounts[k], &bk) &&
					lq_business_between(&ny_rule_9_17.cal, bk, far[i]) == amounts[k];
			}
		}
		ok(good, "%s: round trips at +-200000 years and near the range limits", ny_rule_9_17.name);
	}

	/* holidays at the first and last dates allowed */
	tc_init(&c, "UTC 24x7 with holidays at the date limits", &z_utc);
	tc_everyday(&c, 0, DAY);
	c.holidays[0] = (LqHoliday) {LQ_DATE_MIN, 0, DAY};
	c.holidays[1] = (LqHoliday) {LQ_DATE_MAX, 12 * HOUR, DAY};
	c.cal.nholidays = 2;
	ok(lq_calendar_valid(&c.cal, NULL), "%s: valid", c.name);
	expect_between(&c, INT64_MIN, INT64_MIN + 1, 0, "nothing at INT64_MIN");
	expect_between(&c, LQ_TIME_MIN, LQ_TIME_MIN + 2 * DAY, DAY, "the first date is off");
	expect_between(&c, LQ_TIME_MAX - 2 * DAY, INT64_MAX, DAY + 12 * HOUR, "half of the last date is off");
	expect_add(&c, INT64_MIN, 1, LQ_TIME_MIN + DAY + 1, "the first business microsecond is on the second date");
	ok(lq_next_business_time(&c.cal, LQ_TIME_MAX - 12 * HOUR, &r) == 0, "%s: nothing after the last holiday", c.name);

	/* offsets beyond a day are taken as a day */
	{
		static LqZone plus26 = {ZONE_FIXED, 26 * 3600, 0, 0, {0}, {0}};
		static LqZone plus24 = {ZONE_FIXED, 24 * 3600, 0, 0, {0}, {0}};
		static LqZone minus30 = {ZONE_FIXED, -30 * 3600, 0, 0, {0}, {0}};
		static LqZone minus24 = {ZONE_FIXED, -24 * 3600, 0, 0, {0}, {0}};
		TestCal		c2;
		int			same = 1;

		for (int k = 0; k < 2; k++)
		{
			tc_init(&c, "beyond", k ? &minus30 : &plus26);
			tc_init(&c2, "a day", k ? &minus24 : &plus24);
			tc_weekdays(&c, 9 * HOUR, 17 * HOUR);
			tc_weekdays(&c2, 9 * HOUR, 17 * HOUR);
			for (int i = 0; i < 200; i++)
			{
				int64_t		a = rnd_range(T(2024, 1, 1, 0, 0), T(2025, 1, 1, 0, 0));
				int64_t		b = a + rnd_span(30 * DAY);

				same &= lq_business_between(&c.cal, a, b) == lq_business_between(&c2.cal, a, b);
			}
		}
		ok(same, "offsets of +26h and -30h count as +24h and -24h");
	}

	/* the empty calendar */
	expect_between(&empty, INT64_MIN, INT64_MAX, 0, "never open");
	expect_no_add(&empty, 0, 1, "add 1us: false");
	expect_no_add(&empty, 0, -1, "add -1us: false");
	expect_add(&empty, 777, 0, 777, "add 0: from (between(from, from) == 0)");
	ok(!lq_next_business_time(&empty.cal, 0, &r) && !lq_is_business_time(&empty.cal, 0),
	   "%s: no next business time, nothing is business time", empty.name);
}

/* ------------------------------------------------------------ validator */

static void
test_validator(void)
{
	TestCal		c;
	const char *problem = NULL;
	LqZoneOps	no_ops = {NULL, zone_next_transition};

#define REJECTS(what) \
	do { \
		bool		valid; \
		problem = NULL; \
		valid = lq_calendar_valid(&c.cal, &problem); \
		ok(!valid && problem != NULL, "the validator rejects %s (\"%s\")", \
		   what, problem ? problem : "no problem given"); \
	} while (0)

	ok(!lq_calendar_valid(NULL, &problem) && problem != NULL, "the validator rejects a NULL calendar");
	tc_init(&c, "v", &z_ny);
	tc_weekdays(&c, 9 * HOUR, 17 * HOUR);
	tc_window(&c, 6, 22 * HOUR, 46 * HOUR);
	tc_holiday(&c, 2024, 1, 1, 0, 12 * HOUR);
	tc_holiday(&c, 2024, 1, 1, 12 * HOUR, DAY);
	tc_holiday(&c, 2024, 1, 2, 0, DAY);
	ok(lq_calendar_valid(&c.cal, &problem) && problem == NULL,
	   "the validator accepts overnight windows up to 24h and touching holidays");
	c.cal.ops = &no_ops;
	REJECTS("missing callbacks");
	c.cal.ops = &test_ops;
	c.windows[0].weekday = 7;
	REJECTS("weekday 7");
	c.windows[0].weekday = -1;
	REJECTS("weekday -1");
	c.windows[0].weekday = 0;
	c.windows[0].start_us = DAY;
	c.windows[0].end_us = DAY + HOUR;
	REJECTS("a start at 24:00");
	c.windows[0].start_us = -1;
	REJECTS("a negative start");
	c.windows[0].start_us = 10 * HOUR;
	c.windows[0].end_us = 10 * HOUR;
	REJECTS("an empty window");
	c.windows[0].end_us = 34 * HOUR + 1;
	REJECTS("a window of 24h and 1us");
	c.windows[0].end_us = 17 * HOUR;
	c.cal.nwindows = LQ_MAX_WINDOWS + 1;
	REJECTS("too many windows");
	c.cal.nwindows = 6;
	c.holidays[1].start_us = 11 * HOUR;
	REJECTS("overlapping holidays");
	c.holidays[1].start_us = 12 * HOUR;
	c.holidays[2].date = date_of(2023, 12, 31);
	REJECTS("unsorted holidays");
	c.holidays[2].date = LQ_DATE_MAX + 1;
	REJECTS("a holiday after LQ_DATE_MAX");
	c.holidays[2].date = date_of(2024, 1, 2);
	c.holidays[2].end_us = DAY + 1;
	REJECTS("a holiday past 24:00");
	c.holidays[2].end_us = 0;
	REJECTS("an empty holiday");
	c.holidays[2].end_us = DAY;
	c.cal.nholidays = -1;
	REJECTS("a negative number of holidays");
	c.cal.nholidays = 3;
	c.cal.windows = NULL;
	REJECTS("windows missing");
	c.cal.windows = c.windows;
	ok(lq_calendar_valid(&c.cal, NULL), "the validator accepts a NULL problem pointer");
#undef REJECTS
}

/* --------------------------------------------------------------- timing */

static double
ns_per_call(const TestCal *tc, int64_t from, int64_t span, int add, long *calls)
{
	const LqCalendar *cal = &tc->cal;
	int64_t		amount = add ? lq_business_between(cal, from, from + span) : 0;
	long		reps = 0;
	clock_t		start = clock();
	clock_t		elapsed;
	volatile uint64_t sink = 0;

	zone_calls = 0;
	if (add)
	{
		int64_t		r = 0;

		lq_business_add(cal, from, amount, &r);
		sink += (uint64_t) r;
	}
	else
		sink += (uint64_t) lq_business_between(cal, from, from + span);
	*calls = zone_calls;
	do
	{
		for (int i = 0; i < 50; i++)
		{
			if (add)
			{
				int64_t		r = 0;

				lq_business_add(cal, from, amount, &r);
				sink += (uint64_t) r;
			}
			else
				sink += (uint64_t) lq_business_between(cal, from, from + span);
		}
		reps += 50;
		elapsed = clock() - start;
	} while (elapsed < CLOCKS_PER_SEC / 20);
	(void) sink;
	return (double) elapsed / CLOCKS_PER_SEC * 1e9 / (double) reps;
}

static void
test_timing(void)
{
	const TestCal *cals[] = {&kolkata_9_17, &ny_9_17, &ny_holidays, &ny_rule_9_17};
	int64_t		spans[] = {DAY, 365 * DAY, 365243 * DAY};
	const char *names[] = {"1 day", "1 year", "1000 years"};
	int64_t		from = T(2024, 2, 14, 13, 7);

	for (int c = 0; c < 4; c++)
	{
		long		calls[2][3];
		double		ns[2][3];

		for (int a = 0; a < 2; a++)
			for (int s = 0; s < 3; s++)
				ns[a][s] = ns_per_call(cals[c], from, spans[s], a, &calls[a][s]);
		for (int a = 0; a < 2; a++)
			printf("# timing: %s, %s: %s %.0f ns (%ld zone calls), %s %.0f ns (%ld), %s %.0f ns (%ld)\n",
				   cals[c]->name, a ? "add" : "between",
				   names[0], ns[a][0], calls[a][0], names[1], ns[a][1], calls[a][1],
				   names[2], ns[a][2], calls[a][2]);
		if (c < 3)
			ok(calls[0][2] <= 40 && calls[1][2] <= 120 && calls[0][1] <= 10 * (calls[0][0] > 4 ? calls[0][0] : 4),
			   "%s: 1000 years take %ld zone calls for between, %ld for add (bounded: no day-by-day walk)",
			   cals[c]->name, calls[0][2], calls[1][2]);
		else
			ok(calls[0][2] <= 3 * 2 * 1000 + 20 && calls[1][2] <= 3 * 3 * 2 * 1000 + 60,
			   "%s: 1000 years take %ld zone calls for between, %ld for add (about two per transition)",
			   cals[c]->name, calls[0][2], calls[1][2]);
	}
}

/* how long each part of the run took, as a TAP comment */
static void
lap(const char *what)
{
	static clock_t last = 0;
	clock_t		now = clock();

	printf("# %s took %.2f s\n", what, (double) (now - last) / CLOCKS_PER_SEC);
	last = now;
}

int
main(void)
{
	clock_t		start = clock();

	make_zones();
	make_calendars();
	{
		const TestCal *all[] = {&ny_9_17, &london_9_17, &kolkata_9_17, &ny_night, &london_night,
			&ny_24x7, &london_24x7, &ny_split, &ny_holidays, &ny_dst_torture, &london_year_end,
		&utc_night_hol, &ny_rule_9_17, &empty};
		int			valid = 1;

		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			valid &= lq_calendar_valid(&all[i]->cal, NULL);
		ok(valid, "all the test calendars are valid");
	}

	test_validator();
	test_hand_cases();
	test_extremes();
	lap("the hand-computed cases");

	/* the oracle, on the fixed calendars over 2023-12 .. 2027-01 */
	{
		int64_t		lo = T(2023, 12, 1, 0, 0),
					hi = T(2027, 1, 1, 0, 0);

		check_oracle(&ny_9_17, 2000, lo, hi, 10 * DAY, 150, 0);
		check_oracle(&london_9_17, 2000, lo, hi, 10 * DAY, 150, 0);
		check_oracle(&kolkata_9_17, 2000, lo, hi, 10 * DAY, 150, 0);
		check_oracle(&ny_night, 2000, lo, hi, 10 * DAY, 150, 0);
		check_oracle(&london_night, 2000, lo, hi, 10 * DAY, 150, 0);
		check_oracle(&ny_24x7, 1000, lo, hi, 10 * DAY, 100, 0);
		check_oracle(&london_24x7, 2000, lo, hi, 10 * DAY, 150, 0);
		check_oracle(&ny_split, 2000, lo, hi, 10 * DAY, 150, 0);
		check_oracle(&ny_holidays, 2000, lo, hi, 20 * DAY, 150, 0);
		check_oracle(&ny_dst_torture, 3000, lo, hi, 10 * DAY, 200, 0);
		check_oracle(&london_year_end, 2000, lo, hi, 10 * DAY, 150, 0);
		check_oracle(&utc_night_hol, 2000, lo, hi, 10 * DAY, 150, 0);
		check_oracle(&ny_rule_9_17, 1000, T(1990, 1, 1, 0, 0), T(2100, 1, 1, 0, 0), 10 * DAY, 100, 0);
		check_oracle(&empty, 200, lo, hi, 10 * DAY, 20, 0);
		lap("the oracle on the fixed calendars");

		/* the DST change days alone, where everything happens */
		{
			static TestCal t;

			t = ny_dst_torture;
			t.name = "New York DST torture, on the change days";
			for (int i = 0; i < 6; i++)
				check_oracle(&t, 200, z_ny.at[i] - 2 * DAY, z_ny.at[i] + DAY, 3 * DAY, 40, i < 5 ? 1 : 2);
		}
		lap("the oracle on the change days");

		/* random calendars, in UTC, New York and London */
		for (int k = 0; k < 3; k++)
		{
			static TestCal rc;
			const LqZone *zone = k == 0 ? &z_utc : k == 1 ? &z_ny : &z_london;
			const char *name = k == 0 ? "random calendars in UTC" :
			k == 1 ? "random calendars in New York" : "random calendars in London";

			for (int i = 0; i < 150; i++)
			{
				random_calendar(&rc, name, zone);
				check_oracle(&rc, 40, lo, hi, 8 * DAY, 4, i < 149 ? 1 : 2);
			}
		}
		lap("the oracle on random calendars");

		/* random calendars in wild zones */
		{
			static TestCal rc;
			static LqZone wz;
			int64_t		around = T(2025, 6, 2, 0, 0);

			for (int i = 0; i < 400; i++)
			{
				random_wild_zone(&wz, around);
				random_wild_calendar(&rc, "random calendars in wild zones", &wz);
				check_oracle(&rc, 30, around - 3 * DAY, wz.at[wz.n - 1] + 2 * DAY, 4 * DAY, 0, i < 399 ? 1 : 2);
			}
		}
		lap("the oracle in wild zones");
	}

	/* properties, near and far */
	{
		const TestCal *cals[] = {&ny_9_17, &ny_night, &london_24x7, &ny_dst_torture,
		&kolkata_9_17, &ny_rule_9_17, &utc_night_hol};

		const int64_t year = 365 * DAY;

		for (size_t i = 0; i < sizeof(cals) / sizeof(cals[0]); i++)
		{
			check_properties(cals[i], 400, T(2023, 1, 1, 0, 0), T(2027, 1, 1, 0, 0), 30 * DAY, 100 * DAY,
							 "2023-2027, spans up to 30 days");
			if (cals[i] != &ny_rule_9_17)
				check_properties(cals[i], 150, 0, 0, 0, INT64_MAX, "anywhere in int64");
		}
		check_properties(&ny_rule_9_17, 150, T(-200000, 1, 1, 0, 0), T(200000, 1, 1, 0, 0), 300 * year, 100 * year,
						 "+-200000 years, spans up to 300 years");
		check_properties(&kolkata_9_17, 150, T(-200000, 1, 1, 0, 0), T(200000, 1, 1, 0, 0), INT64_MAX / 4, INT64_MAX,
						 "from +-200000 years, any span");
		check_properties(&empty, 100, 0, 0, 0, INT64_MAX, "anywhere in int64");
		{
			static TestCal rc;

			for (int i = 0; i < 30; i++)
			{
				random_calendar(&rc, "random calendar in New York", i % 2 ? &z_ny : &z_utc);
				check_properties(&rc, 60, T(2023, 6, 1, 0, 0), T(2027, 6, 1, 0, 0), 60 * DAY, 400 * DAY,
								 i % 2 ? "New York" : "UTC");
			}
		}
	}

	lap("the properties");
	test_timing();

	printf("# total run time %.1f s\n", (double) (clock() - start) / CLOCKS_PER_SEC);
	printf("1..%d\n", test_count);
	return failures > 0;
}
