/*
 * business_time_fuzz.c
 *		libFuzzer harness for the business-hours core (src/core/business_time.c).
 *
 * The input is a calendar and some instants and amounts (the layout is in
 * decode() below; missing bytes read as zeros).  The zone is a fixed offset
 * or a table of up to six transitions at any distance from each other, with
 * offsets a little beyond the +-24h the core accepts (it clamps them): far
 * stranger zones than any real one, with clocks jumping back and forth by a
 * day within microseconds, which is where the core's handling of gaps and
 * overlaps is most easily wrong; window and holiday boundaries can be put
 * within microseconds of the clock readings at those jumps.  Calendars the
 * validator refuses are skipped.  Besides not crashing, overflowing or reading out of bounds (the
 * sanitizers watch that), the core must
 *  - agree with a literal reading of the definition in business_time.h (the
 *    windows and holidays of each local date placed on the time line, their
 *    union swept) over a few days after the first instant;
 *  - be antisymmetric, additive and monotonic;
 *  - round-trip: between(from, add(from, amount)) == amount both ways, with
 *    the earliest (latest, backwards) such instant, and add fails exactly
 *    when the time to the range's end (start) is short of the amount;
 *  - have is_business_time(t) == (between(t, t + 1) == 1), and
 *    next_business_time(t) the first business instant at or after t.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "business_time.h"

#define SEC		INT64_C(1000000)
#define MINUTE	(60 * SEC)
#define DAY		LQ_USECS_PER_DAY

#define MAX_W	7
#define MAX_H	7
#define MAX_T	6

struct LqZone
{
	int32_t		initial;		/* the offset before the first transition */
	int			n;
	int64_t		at[MAX_T];		/* strictly increasing */
	int32_t		off[MAX_T];
};

static int32_t
zone_offset_at(const LqZone *z, int64_t u)
{
	int32_t		off = z->initial;

	for (int i = 0; i < z->n && z->at[i] <= u; i++)
		off = z->off[i];
	return off;
}

static int64_t
zone_next_transition(const LqZone *z, int64_t u)
{
	for (int i = 0; i < z->n; i++)
		if (z->at[i] > u)
			return z->at[i];
	return INT64_MAX;
}

static const LqZoneOps ops = {zone_offset_at, zone_next_transition};

/* ------------------------------------------------------------ decoding */

typedef struct Reader
{
	const uint8_t *p;
	size_t		n;
} Reader;

static uint8_t
get8(Reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static uint64_t
get64(Reader *r)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t) get8(r) << (8 * i);
	return v;
}

static uint32_t
get32(Reader *r)
{
	uint32_t	v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t) get8(r) << (8 * i);
	return v;
}

/* the int64_t with the same bits */
static int64_t
as_signed(uint64_t v)
{
	int64_t		x;

	memcpy(&x, &v, sizeof(x));
	return x;
}

static int64_t
sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t		q = a / b;

	if (a % b < 0)
		q--;
	return q;
}

/*
 * A time of day in [0, DAY + 1]: whole minutes, any microsecond, or (with a
 * table zone) within two microseconds of what the clock reads just before
 * or at a transition, where the gaps and overlaps begin and end.  DAY + 1
 * is out of range, for the validator.
 */
static int64_t
get_time_of_day(Reader *r, const LqZone *z)
{
	uint64_t	v = get64(r);

	switch (v & 3)
	{
		case 0:
			return (int64_t) ((v >> 2) % (uint64_t) (DAY / MINUTE + 2)) * MINUTE;
		case 3:
			if (z->n > 0)
			{
				int			k = (int) ((v >> 2) % (uint64_t) z->n);
				int64_t		secs = (v >> 8) & 1 ? z->off[k] : k > 0 ? z->off[k - 1] : z->initial;
				int64_t		local;

				if (secs > LQ_ZONE_OFFSET_MAX)
					secs = LQ_ZONE_OFFSET_MAX;
				if (secs < -LQ_ZONE_OFFSET_MAX)
					secs = -LQ_ZONE_OFFSET_MAX;
				local = sat_add(z->at[k], secs * SEC + (int64_t) ((v >> 9) % 5) - 2) % DAY;
				return local < 0 ? local + DAY : local;
			}
			/* FALLTHROUGH */
		default:
			return (int64_t) ((v >> 2) % (uint64_t) (DAY + 2));
	}
}

/* an instant: near the base, or anywhere at all */
static int64_t
get_instant(Reader *r, int64_t base)
{
	uint64_t	v = get64(r);

	switch (v & 3)
	{
		case 0:
			return as_signed(v);	/* anywhere */
		case 1:
			return sat_add(base, (int64_t) ((v >> 2) % (uint64_t) (60 * DAY)) - 30 * DAY);
		default:
			/* whole minutes near the base */
			return sat_add(base, ((int64_t) ((v >> 2) % (uint64_t) (60 * 24 * 60)) - 30 * 24 * 60) * MINUTE);
	}
}

static int64_t
get_amount(Reader *r)
{
	uint64_t	v = get64(r);

	switch (v & 3)
	{
		case 0:
			return as_signed(v);	/* anything, INT64_MIN included */
		case 1:
			return (int64_t) ((v >> 2) % (uint64_t) (40 * DAY)) - 20 * DAY;
		default:
			return ((int64_t) ((v >> 2) % (uint64_t) (20 * 24 * 60)) - 10 * 24 * 60) * MINUTE;
	}
}

typedef struct Input
{
	LqZone		zone;
	LqWindow	windows[MAX_W];
	LqHoliday	holidays[MAX_H];
	LqCalendar	cal;
	int64_t		t[4];
	int64_t		amount[2];
} Input;

/*
 * Layout: flags (windows & 7, holidays >> 3 & 7, table zone 0x40), base
 * (one of a few), zone, windows, holidays, 4 instants, 2 amounts.
 */
static void
decode(Reader *r, Input *in)
{
	static const int64_t bases[] = {
		INT64_C(1709251200000000),	/* 2024-03-01 */
		0,
		LQ_TIME_MIN + 3 * DAY,
		LQ_TIME_MAX - 3 * DAY,
		INT64_C(-6311390400000000000),	/* about 198000 BC */
		INT64_C(6311390400000000000),	/* about 201970 AD */
		INT64_C(-210866803200000000),	/* 4713 BC, PostgreSQL's first */
		INT64_C(1735603200000000)	/* 2024-12-31 */
	};
	uint8_t		flags = get8(r);
	int64_t		base = bases[get8(r) % (sizeof(bases) / sizeof(bases[0]))];
	int			nw = flags & 7;
	int			nh = (flags >> 3) & 7;
	int64_t		date;

	memset(in, 0, sizeof(*in));
	in->zone.initial = (int32_t) (get32(r) % 180001) - 90000;
	if (flags & 0x40)
	{
		int64_t		t = sat_add(base, (int64_t) (int32_t) get32(r) * SEC);

		in->zone.n = get8(r) % (MAX_T + 1);
		for (int i = 0; i < in->zone.n; i++)
		{
			uint32_t	gap = get32(r);

			/* from a microsecond to about two weeks apart */
			if (i > 0)
				t = sat_add(t, 1 + (gap & 1 ? (int64_t) (gap >> 1) : (int64_t) (gap >> 1) % (14 * 86400) * SEC));
			in->zone.at[i] = t;
			in->zone.off[i] = (int32_t) (get32(r) % 180001) - 90000;
		}
		/* saturation may have repeated INT64_MAX: keep them increasing */
		while (in->zone.n > 1 && in->zone.at[in->zone.n - 1] <= in->zone.at[in->zone.n - 2])
			in->zone.n--;
	}

	for (int i = 0; i < nw && i < MAX_W; i++)
	{
		uint8_t		wd = get8(r);
		int64_t		start = get_time_of_day(r, &in->zone);
		int64_t		end = get_time_of_day(r, &in->zone);

		/* an end at or before the start is on the next day */
		in->windows[i].weekday = wd < 250 ? wd % 7 : wd;
		in->windows[i].start_us = start;
		in->windows[i].end_us = end > start ? end : end + DAY;
		in->cal.nwindows++;
	}

	date = floor_div(base, DAY) + (int8_t) get8(r);
	for (int i = 0; i < nh && i < MAX_H; i++)
	{
		int64_t		s = get_time_of_day(r, &in->zone);
		int64_t		e = get_time_of_day(r, &in->zone);

		date += get8(r) % 4;
		in->holidays[i].date = (int32_t) (date < INT32_MIN ? INT32_MIN : date > INT32_MAX ? INT32_MAX : date);
		in->holidays[i].start_us = s < e ? s : e;
		in->holidays[i].end_us = s < e ? e : s;
		in->cal.nholidays++;
	}

	for (int i = 0; i < 4; i++)
		in->t[i] = get_instant(r, base);
	for (int i = 0; i < 2; i++)
		in->amount[i] = get_amount(r);

	in->cal.ops = &ops;
	in->cal.zone = &in->zone;
	in->cal.windows = in->windows;
	in->cal.holidays = in->holidays;
}

/* ---------------------------------------------------- the literal oracle */

static int64_t
offset_us(const LqZone *z, int64_t u)
{
	int64_t		secs = zone_offset_at(z, u);

	/* the core takes offsets beyond a day as a day */
	if (secs > LQ_ZONE_OFFSET_MAX)
		secs = LQ_ZONE_OFFSET_MAX;
	if (secs < -LQ_ZONE_OFFSET_MAX)
		secs = -LQ_ZONE_OFFSET_MAX;
	return secs * SEC;
}

/* the first instant at which the clock reads L or later */
static int64_t
place_start(const LqZone *z, int64_t L)
{
	int64_t		v = L - 2 * DAY;

	for (;;)
	{
		int64_t		o = offset_us(z, v);
		int64_t		t = zone_next_transition(z, v);
		int64_t		c = L - o > v ? L - o : v;

		if (c < t)
			return c;
		v = t;
	}
}

/* one past the last instant at which the clock reads earlier than L */
static int64_t
place_end(const LqZone *z, int64_t L)
{
	int64_t		v = L - 2 * DAY;
	int64_t		best = v;

	while (v <= L + 2 * DAY)
	{
		int64_t		o = offset_us(z, v);
		int64_t		t = zone_next_transition(z, v);
		int64_t		last = (t < L - o ? t : L - o) - 1;

		if (last >= v)
			best = last;
		if (t == INT64_MAX)
			break;
		v = t;
	}
	return best + 1;
}

#define MAX_IV 256

typedef struct Iv
{
	int64_t		s;
	int64_t		e;
	int			holiday;
} Iv;

/*
 * The business intervals in [lo, hi) (hi - lo of a few days at most, far
 * from the range limits), sorted, in out; returns how many.
 */
static int
oracle(const Input *in, int64_t lo, int64_t hi, Iv *out)
{
	Iv			iv[MAX_IV];
	int64_t		bounds[2 * MAX_IV + 2];
	int			n = 0,
				nb = 0,
				nout = 0;

	for (int64_t d = floor_div(lo, DAY) - 3; d <= floor_div(hi, DAY) + 2; d++)
		for (int i = 0; i < in->cal.nwindows; i++)
			if (in->windows[i].weekday == (int) ((d + 3) - floor_div(d + 3, 7) * 7))
			{
				iv[n].s = place_start(&in->zone, d * DAY + in->windows[i].start_us);
				iv[n].e = place_end(&in->zone, d * DAY + in->windows[i].end_us);
				iv[n++].holiday = 0;
			}
	for (int i = 0; i < in->cal.nholidays; i++)
	{
		int64_t		d = in->holidays[i].date;

		if (d < floor_div(lo, DAY) - 3 || d > floor_div(hi, DAY) + 2)
			continue;
		iv[n].s = place_start(&in->zone, d * DAY + in->holidays[i].start_us);
		iv[n].e = place_end(&in->zone, d * DAY + in->holidays[i].end_us);
		iv[n++].holiday = 1;
	}

	/* every boundary in (lo, hi), then each elementary piece tested */
	bounds[nb++] = lo;
	bounds[nb++] = hi;
	for (int i = 0; i < n; i++)
	{
		if (iv[i].s > lo && iv[i].s < hi)
			bounds[nb++] = iv[i].s;
		if (iv[i].e > lo && iv[i].e < hi)
			bounds[nb++] = iv[i].e;
	}
	for (int i = 1; i < nb; i++)
		for (int j = i; j > 0 && bounds[j] < bounds[j - 1]; j--)
		{
			int64_t		t = bounds[j];

			bounds[j] = bounds[j - 1];
			bounds[j - 1] = t;
		}
	for (int k = 0; k + 1 < nb; k++)
	{
		int64_t		p = bounds[k];
		int			in_window = 0,
					in_holiday = 0;

		if (bounds[k + 1] == p)
			continue;
		for (int i = 0; i < n; i++)
			if (iv[i].s <= p && p < iv[i].e)
			{
				if (iv[i].holiday)
					in_holiday = 1;
				else
					in_window = 1;
			}
		if (!in_window || in_holiday)
			continue;
		if (nout > 0 && out[nout - 1].e == p)
			out[nout - 1].e = bounds[k + 1];
		else
		{
			out[nout].s = p;
			out[nout].e = bounds[k + 1];
			out[nout++].holiday = 0;
		}
	}
	return nout;
}

/* ------------------------------------------------------------ the checks */

static void
check_oracle(const Input *in, int64_t a)
{
	const LqCalendar *cal = &in->cal;
	Iv			b[2 * MAX_IV + 2];
	int64_t		hi;
	int64_t		total = 0;
	int			nb;

	if (a < LQ_TIME_MIN + 10 * DAY || a > LQ_TIME_MAX - 10 * DAY)
		return;
	hi = a + 4 * DAY;
	nb = oracle(in, a, hi, b);
	for (int i = 0; i < nb; i++)
	{
		int64_t		n;

		total += b[i].e - b[i].s;
		/* the boundaries of each interval, exactly */
		if (lq_business_between(cal, a, b[i].s) != total - (b[i].e - b[i].s) ||
			lq_business_between(cal, a, b[i].e) != total)
			abort();
		if (!lq_is_business_time(cal, b[i].s) || !lq_is_business_time(cal, b[i].e - 1))
			abort();
		if (b[i].s > a && lq_is_business_time(cal, b[i].s - 1))
			abort();
		if (b[i].e < hi && lq_is_business_time(cal, b[i].e))
			abort();
		if (!lq_next_business_time(cal, i == 0 ? a : b[i - 1].e, &n) || n != b[i].s)
			abort();
	}
	if (lq_business_between(cal, a, hi) != total)
		abort();
}

static void
check(const Input *in)
{
	const LqCalendar *cal = &in->cal;
	int64_t		p[3] = {in->t[0], in->t[1], in->t[2]};
	int64_t		ab,
				bc,
				ac;

	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (p[j] < p[i])
			{
				int64_t		t = p[i];

				p[i] = p[j];
				p[j] = t;
			}

	/* antisymmetric, additive, monotonic */
	ab = lq_business_between(cal, p[0], p[1]);
	bc = lq_business_between(cal, p[1], p[2]);
	ac = lq_business_between(cal, p[0], p[2]);
	if (ab < 0 || bc < 0 || ab > ac || bc > ac)
		abort();
	if ((uint64_t) ab > (uint64_t) p[1] - (uint64_t) p[0])
		abort();
	if (lq_business_between(cal, p[2], p[0]) != -ac || lq_business_between(cal, p[1], p[1]) != 0)
		abort();
	if (ac < INT64_MAX && (uint64_t) ab + (uint64_t) bc != (uint64_t) ac)
		abort();

	/* round trips */
	for (int k = 0; k < 2; k++)
	{
		int64_t		from = p[k];
		int64_t		amount = in->amount[k];
		int64_t		r = 0;
		int64_t		room;
		int64_t		mag;

		if (!lq_business_add(cal, from, 0, &r) || r != from)
			abort();
		if (amount == INT64_MIN)
		{
			if (lq_business_add(cal, from, amount, &r))
				abort();
			continue;
		}
		mag = amount < 0 ? -amount : amount;

		room = lq_business_between(cal, from, INT64_MAX);
		if (lq_business_add(cal, from, mag, &r))
		{
			if (room < mag || lq_business_between(cal, from, r) != mag)
				abort();
			if (mag > 0 && lq_business_between(cal, from, r - 1) != mag - 1)
				abort();
		}
		else if (room >= mag)
			abort();

		room = -lq_business_between(cal, from, INT64_MIN);
		if (lq_business_add(cal, from, -mag, &r))
		{
			if (room < mag || lq_business_between(cal, r, from) != mag)
				abort();
			if (mag > 0 && lq_business_between(cal, r + 1, from) != mag - 1)
				abort();
		}
		else if (room >= mag)
			abort();
	}

	/* is and next */
	for (int k = 0; k < 4; k++)
	{
		int64_t		t = in->t[k];
		int64_t		n = 0;
		bool		is = lq_is_business_time(cal, t);

		if (t < INT64_MAX && is != (lq_business_between(cal, t, t + 1) == 1))
			abort();
		if (t == INT64_MAX && is)
			abort();
		if (lq_next_business_time(cal, t, &n))
		{
			if (n < t || !lq_is_business_time(cal, n) || lq_business_between(cal, t, n) != 0)
				abort();
			if (is && n != t)
				abort();
		}
		else if (lq_business_between(cal, t, INT64_MAX) != 0)
			abort();
	}

	check_oracle(in, in->t[3]);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Reader		r = {data, size};
	Input		in;

	decode(&r, &in);
	if (!lq_calendar_valid(&in.cal, NULL))
		return 0;
	check(&in);
	return 0;
}
