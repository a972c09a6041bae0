/*
 * business_time.c
 *		Business-hours arithmetic for SLA clocks: see business_time.h.
 *
 * The smear
 * ---------
 * The header defines business time through window intervals [start(s),
 * end(e)) on the UTC time line.  Computing with those directly would mean
 * placing every window of every day in a span, so the code uses an
 * equivalent pointwise form instead.  Let f(u) = u + offset(u) be the wall
 * clock at instant u, g(u) the highest reading at or before u and h(u) the
 * lowest reading at or after u.  Then
 *		start(L) <= u  iff  some v <= u has f(v) >= L  iff  g(u) >= L
 *		u < end(L)     iff  some v >= u has f(v) < L   iff  h(u) < L
 * so u lies in [start(s), end(e)) iff [s, e) meets the closed "smear"
 * [h(u), g(u)], and u is business time iff the union of the (local, weekly)
 * windows meets the smear and the union of the (local) holidays does not.
 * Only the unions matter, which is why overlapping windows count once.
 * Almost everywhere the smear is the single point f(u) and the calendar is a
 * plain shift of local time; only during the repeated hour after a fall-back
 * transition (g > f) and the one before it (h < f) is it wider.
 *
 * Walking the time line
 * ---------------------
 * Between two offset changes, f(u) = u + o: the span is cut at the zone's
 * transitions (LqZoneOps.next_transition) and each piece is handled in
 * local time x = u + o.  P, the highest reading before the piece, and N, the
 * lowest after it, give g = max(x, P) and h = min(x, N).  Cut at P and
 * N + 1, the piece has at most three parts:
 *		first:	x < P, x <= N: smear [x, P]: business iff lastH(P) < x <=
 *				lastW(P), a single interval;
 *		middle:	P <= x <= N: a plain shift: business iff x is in a window
 *				and in no holiday;
 *			or	N < x < P: smear [N, P]: all or nothing;
 *		last:	x > N, x >= P: smear [N, x]: business iff firstW(N) <= x <
 *				firstH(N), a single interval.
 * (lastW(P) is the last local instant <= P in a window, firstH(N) the first
 * >= N in a holiday, and so on.)  Readings further than two maximal offsets
 * away cannot matter, so P and N come from looking two days back at the
 * start and two days ahead of each transition.  In the plain-shift part,
 * the windows are periodic: the business time in [x, y) is C(y) - C(x)
 * where C(x), the window time between a fixed Monday and x, is whole weeks
 * times the weekly total plus a partial week, minus each holiday's share.
 * Nothing walks day by day: the cost is per transition and per holiday.
 *
 * Going backwards (a negative amount), the zone can only be walked forwards,
 * so lq_business_add measures spans ending at from, doubling them until they
 * hold the amount, then walks forwards to the point.
 *
 * Arithmetic
 * ----------
 * Instants are clamped to [LQ_TIME_MIN, LQ_TIME_MAX] first; local times
 * then stay within about three weeks of that range, which the 33 days left
 * to the int64_t limits hold.  Business times are uint64_t internally: the
 * whole range is over 2^63 microseconds (but under 2^64), and C differences
 * are taken modulo 2^64, where they are exact because the true difference
 * is known to be in [0, 2^64).  Nothing overflows a signed integer.
 */
#include <stddef.h>

#include "business_time.h"

#define DAY			LQ_USECS_PER_DAY
#define WEEK		(7 * DAY)
#define MAX_OFFSET	((int64_t) LQ_ZONE_OFFSET_MAX * LQ_USECS_PER_SEC)
/* the look around a transition within which a reading can matter */
#define REACH		(2 * MAX_OFFSET)
#define STRINGIFY2(x) #x
#define STRINGIFY(x) STRINGIFY2(x)
/* 1970-01-05, a Monday: C(x) counts from here, in local time */
#define WEEK_ORIGIN (4 * DAY)

/* the union of the windows, as a sorted list of disjoint intervals of the
 * local week, 0 = Monday 00:00 */
typedef struct Weekly
{
	int			npieces;
	int64_t		total;			/* window time a week, 0 .. WEEK */
	struct
	{
		int64_t		start;
		int64_t		end;
	}			pieces[2 * LQ_MAX_WINDOWS];
} Weekly;

/* A stretch of constant offset: [at, next) has offset off (microseconds). */
typedef struct ZoneSegment
{
	int64_t		at;
	int64_t		next;
	int64_t		off;
} ZoneSegment;

#define SEGMENT_CACHE 4

typedef struct Ctx
{
	const LqCalendar *cal;
	Weekly		wk;
	/* what the zone said lately: the walk asks about each transition twice */
	ZoneSegment cache[SEGMENT_CACHE];
	int			ncached;
	int			cache_next;
} Ctx;

/* Which smear applies to a part of a constant-offset piece. */
typedef enum Part
{
	PART_HEAD,					/* [x, P] */
	PART_SHIFT,					/* [x, x] */
	PART_CONST,					/* [N, P] */
	PART_TAIL					/* [N, x] */
} Part;

static inline int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static inline int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* hi - lo when positive, else 0, computed without signed overflow */
static inline uint64_t
span(int64_t lo, int64_t hi)
{
	return hi > lo ? (uint64_t) hi - (uint64_t) lo : 0;
}

/* The int64_t that is u modulo 2^64 (the conversion itself is
 * implementation-defined beyond INT64_MAX). */
static inline int64_t
from_u64(uint64_t u)
{
	if (u <= (uint64_t) INT64_MAX)
		return (int64_t) u;
	return -(int64_t) (~u) - 1;
}

/* a + d, when the caller knows the sum is an int64_t */
static inline int64_t
plus_u64(int64_t a, uint64_t d)
{
	return from_u64((uint64_t) a + d);
}

static inline int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t		q = a / b;

	if (a % b < 0)
		q--;
	return q;
}

static inline int64_t
clamp_time(int64_t t)
{
	return t < LQ_TIME_MIN ? LQ_TIME_MIN : t > LQ_TIME_MAX ? LQ_TIME_MAX : t;
}

/*
 * The union of the windows.  Windows out of range (which the validator
 * refuses) are skipped, so that an unchecked calendar cannot make the
 * arithmetic below overflow.  Splitting a window at the end of the week, and
 * merging windows that touch, changes nothing: only the union matters.
 */
static void
weekly_init(Weekly *wk, const LqCalendar *cal)
{
	int			n = 0;
	int			nwindows = cal->windows ? cal->nwindows : 0;

	if (nwindows > LQ_MAX_WINDOWS)
		nwindows = LQ_MAX_WINDOWS;
	for (int i = 0; i < nwindows; i++)
	{
		const LqWindow *w = &cal->windows[i];
		int64_t		p,
					q;

		if (w->weekday < 0 || w->weekday > 6 ||
			w->start_us < 0 || w->start_us >= DAY ||
			w->end_us <= w->start_us || w->end_us - w->start_us > DAY)
			continue;
		p = w->weekday * DAY + w->start_us;
		q = w->weekday * DAY + w->end_us;
		if (q <= WEEK)
		{
			wk->pieces[n].start = p;
			wk->pieces[n++].end = q;
		}
		else
		{
			wk->pieces[n].start = p;
			wk->pieces[n++].end = WEEK;
			wk->pieces[n].start = 0;
			wk->pieces[n++].end = q - WEEK;
		}
	}

	/* insertion sort by start: a handful of windows */
	for (int i = 1; i < n; i++)
	{
		int64_t		s = wk->pieces[i].start;
		int64_t		e = wk->pieces[i].end;
		int			j = i - 1;

		while (j >= 0 && wk->pieces[j].start > s)
		{
			wk->pieces[j + 1] = wk->pieces[j];
			j--;
		}
		wk->pieces[j + 1].start = s;
		wk->pieces[j + 1].end = e;
	}

	wk->npieces = 0;
	wk->total = 0;
	for (int i = 0; i < n; i++)
	{
		int			last = wk->npieces - 1;

		if (last >= 0 && wk->pieces[i].start <= wk->pieces[last].end)
			wk->pieces[last].end = max64(wk->pieces[last].end, wk->pieces[i].end);
		else
			wk->pieces[wk->npieces++] = wk->pieces[i];
	}
	for (int i = 0; i < wk->npieces; i++)
		wk->total += wk->pieces[i].end - wk->pieces[i].start;
}

/* Splits local time x into whole weeks since WEEK_ORIGIN and the rest. */
static inline void
week_split(int64_t x, int64_t *q, int64_t *r)
{
	int64_t		d = x - WEEK_ORIGIN;

	*q = floor_div(d, WEEK);
	*r = d - *q * WEEK;
}

/* C(x): window time in [WEEK_ORIGIN, x), negative before it. */
static int64_t
cum(const Weekly *wk, int64_t x)
{
	int64_t		q,
				r,
				s = 0;

	week_split(x, &q, &r);
	for (int i = 0; i < wk->npieces && wk->pieces[i].start < r; i++)
		s += min64(wk->pieces[i].end, r) - wk->pieces[i].start;
	return q * wk->total + s;
}

/* The smallest x with C(x) >= target; needs total > 0. */
static int64_t
cum_inverse(const Weekly *wk, int64_t target)
{
	/* the window microsecond numbered target - 1 ends there */
	int64_t		k = target - 1;
	int64_t		q = floor_div(k, wk->total);
	int64_t		rem = k - q * wk->total;

	for (int i = 0; i < wk->npieces; i++)
	{
		int64_t		len = wk->pieces[i].end - wk->pieces[i].start;

		if (rem < len)
			return WEEK_ORIGIN + q * WEEK + wk->pieces[i].start + rem + 1;
		rem -= len;
	}
	return WEEK_ORIGIN + q * WEEK + WEEK;	/* not reached */
}

/* The first local instant >= x in a window; needs total > 0. */
static int64_t
first_window(const Weekly *wk, int64_t x)
{
	int64_t		q,
				r;

	week_split(x, &q, &r);
	for (int i = 0; i < wk->npieces; i++)
		if (wk->pieces[i].end > r)
			return wk->pieces[i].start <= r ? x : x + (wk->pieces[i].start - r);
	return x + (WEEK - r) + wk->pieces[0].start;
}

/* The last local instant <= x in a window; needs total > 0. */
static int64_t
last_window(const Weekly *wk, int64_t x)
{
	int64_t		q,
				r;

	week_split(x, &q, &r);
	for (int i = wk->npieces - 1; i >= 0; i--)
		if (wk->pieces[i].start <= r)
			return r < wk->pieces[i].end ? x : x - r + wk->pieces[i].end - 1;
	return x - r - WEEK + wk->pieces[wk->npieces - 1].end - 1;
}

/* A holiday's local interval; the clamps only guard unchecked calendars. */
static inline int64_t
holiday_start(const LqHoliday *h)
{
	int64_t		date = h->date < LQ_DATE_MIN ? LQ_DATE_MIN :
		h->date > LQ_DATE_MAX ? LQ_DATE_MAX : h->date;
	int64_t		t = h->start_us < 0 ? 0 : h->start_us > DAY ? DAY : h->start_us;

	return date * DAY + t;
}

static inline int64_t
holiday_end(const LqHoliday *h)
{
	int64_t		date = h->date < LQ_DATE_MIN ? LQ_DATE_MIN :
		h->date > LQ_DATE_MAX ? LQ_DATE_MAX : h->date;
	int64_t		t = h->end_us < 0 ? 0 : h->end_us > DAY ? DAY : h->end_us;

	return date * DAY + t;
}

static inline int
nholidays(const LqCalendar *cal)
{
	return cal->holidays && cal->nholidays > 0 ? cal->nholidays : 0;
}

/* The first holiday ending after local time x (holidays' ends increase). */
static int
holiday_after(const LqCalendar *cal, int64_t x)
{
	int			lo = 0,
				hi = nholidays(cal);

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (holiday_end(&cal->holidays[mid]) > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The first local instant >= x in a holiday, INT64_MAX when none. */
static int64_t
first_holiday(const LqCalendar *cal, int64_t x)
{
	int			i = holiday_after(cal, x);

	if (i >= nholidays(cal))
		return INT64_MAX;
	return max64(x, holiday_start(&cal->holidays[i]));
}

/* The last local instant <= x in a holiday, INT64_MIN when none. */
static int64_t
last_holiday(const LqCalendar *cal, int64_t x)
{
	int			lo = 0,
				hi = nholidays(cal);

	/* the first holiday starting after x; the one before it is the one */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (holiday_start(&cal->holidays[mid]) > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == 0)
		return INT64_MIN;
	return min64(x, holiday_end(&cal->holidays[lo - 1]) - 1);
}

/*
 * The stretch of constant offset containing u, from the cache when it has
 * one containing u: the zone's answers at any instant of [at, next) are off
 * and next.
 */
static ZoneSegment
zone_segment(Ctx *ctx, int64_t u)
{
	const LqCalendar *cal = ctx->cal;
	ZoneSegment seg;
	int32_t		secs;

	for (int i = 0; i < ctx->ncached; i++)
		if (ctx->cache[i].at <= u && u < ctx->cache[i].next)
			return ctx->cache[i];

	secs = cal->ops->offset_at(cal->zone, u);
	if (secs > LQ_ZONE_OFFSET_MAX)
		secs = LQ_ZONE_OFFSET_MAX;
	else if (secs < -LQ_ZONE_OFFSET_MAX)
		secs = -LQ_ZONE_OFFSET_MAX;
	seg.at = u;
	seg.off = (int64_t) secs * LQ_USECS_PER_SEC;
	seg.next = cal->ops->next_transition(cal->zone, u);
	if (seg.next <= u)
		seg.next = INT64_MAX;

	ctx->cache[ctx->cache_next] = seg;
	ctx->cache_next = (ctx->cache_next + 1) % SEGMENT_CACHE;
	if (ctx->ncached < SEGMENT_CACHE)
		ctx->ncached++;
	return seg;
}

/* P for a walk starting at u: the highest reading in [u - REACH, u). */
static int64_t
reading_max_before(Ctx *ctx, int64_t u)
{
	int64_t		v = u - REACH;
	int64_t		p = INT64_MIN;

	while (v < u)
	{
		ZoneSegment seg = zone_segment(ctx, v);
		int64_t		e = min64(seg.next, u);

		p = max64(p, e - 1 + seg.off);
		v = e;
	}
	return p;
}

/* N for a piece ending at transition t: the lowest reading in
 * [t, t + REACH]; a reading is lowest where its stretch starts. */
static int64_t
reading_min_after(Ctx *ctx, int64_t t)
{
	int64_t		limit = t + REACH;
	int64_t		n = INT64_MAX;
	int64_t		v = t;

	for (;;)
	{
		ZoneSegment seg = zone_segment(ctx, v);

		n = min64(n, v + seg.off);
		if (seg.next > limit)
			return n;
		v = seg.next;
	}
}

/*
 * Where a part of a piece is business time, when that is one interval of
 * local time [*lo, *hi) (head, const and tail parts).
 */
static void
part_interval(Ctx *ctx, Part part, int64_t xa, int64_t xb, int64_t p,
			  int64_t n, int64_t *lo, int64_t *hi)
{
	const Weekly *wk = &ctx->wk;

	switch (part)
	{
		case PART_HEAD:
			{
				int64_t		h = last_holiday(ctx->cal, p);

				*lo = h == INT64_MIN ? xa : max64(xa, h + 1);
				*hi = min64(xb, last_window(wk, p) + 1);
				break;
			}
		case PART_TAIL:
			*lo = max64(xa, first_window(wk, n));
			*hi = min64(xb, first_holiday(ctx->cal, n));
			break;
		case PART_CONST:
			if (first_window(wk, n) <= p && first_holiday(ctx->cal, n) > p)
			{
				*lo = xa;
				*hi = xb;
			}
			else
				*lo = *hi = xa;
			break;
		case PART_SHIFT:
			*lo = *hi = xa;		/* not used */
			break;
	}
}

/* Business time in local [xa, xb) of a plain-shift part. */
static uint64_t
shift_measure(Ctx *ctx, int64_t xa, int64_t xb)
{
	const Weekly *wk = &ctx->wk;
	const LqCalendar *cal = ctx->cal;
	uint64_t	m = (uint64_t) cum(wk, xb) - (uint64_t) cum(wk, xa);

	for (int i = holiday_after(cal, xa); i < nholidays(cal); i++)
	{
		int64_t		hs = holiday_start(&cal->holidays[i]);
		int64_t		he = holiday_end(&cal->holidays[i]);

		if (hs >= xb)
			break;
		m -= (uint64_t) cum(wk, min64(he, xb)) - (uint64_t) cum(wk, max64(hs, xa));
	}
	return m;
}

/*
 * In a plain-shift part [xa, xb): the earliest local x with business time
 * *amount in [xa, x), in *found; or false, with *amount less the part's
 * business time.  *amount > 0.
 */
static bool
shift_find(Ctx *ctx, int64_t xa, int64_t xb, uint64_t *amount, int64_t *found)
{
	const Weekly *wk = &ctx->wk;
	const LqCalendar *cal = ctx->cal;
	int64_t		x = xa;

	for (int i = holiday_after(cal, xa);; i++)
	{
		int64_t		hs = INT64_MAX,
					he = INT64_MAX;
		int64_t		y;

		if (i < nholidays(cal))
		{
			hs = holiday_start(&cal->holidays[i]);
			he = holiday_end(&cal->holidays[i]);
		}
		/* the stretch up to the next holiday */
		y = min64(hs, xb);
		if (y > x)
		{
			int64_t		cx = cum(wk, x);
			uint64_t	m = (uint64_t) cum(wk, y) - (uint64_t) cx;

			if (m >= *amount)
			{
				*found = cum_inverse(wk, plus_u64(cx, *amount));
				return true;
			}
			*amount -= m;
		}
		if (hs >= xb || he >= xb)
			return false;
		x = max64(x, he);
	}
}

/*
 * Walks UTC [a, b) forwards (LQ_TIME_MIN <= a < b <= LQ_TIME_MAX).  With
 * found NULL: adds the business time in it to *amount.  Otherwise *amount
 * > 0 and it looks for the earliest r with that much business time in
 * [a, r): true with r in *found, or false with *amount less the business
 * time of [a, b).
 */
static bool
walk(Ctx *ctx, int64_t a, int64_t b, uint64_t *amount, int64_t *found)
{
	int64_t		u = a;
	int64_t		p = reading_max_before(ctx, a);

	while (u < b)
	{
		ZoneSegment seg = zone_segment(ctx, u);
		int64_t		end = min64(seg.next, b);
		int64_t		n = INT64_MAX;
		int64_t		x0,
					x1,
					n1,
					cut1,
					cut2;
		struct
		{
			Part		part;
			int64_t		xa;
			int64_t		xb;
		}			parts[3];

		/* past b + REACH, no reading can be lower than one before b */
		if (seg.next != INT64_MAX && seg.next < b + REACH)
			n = reading_min_after(ctx, seg.next);

		/* cut local [x0, x1) at P and N + 1 */
		x0 = u + seg.off;
		x1 = end + seg.off;
		n1 = n == INT64_MAX ? INT64_MAX : n + 1;
		cut1 = max64(x0, min64(x1, min64(p, n1)));
		cut2 = max64(cut1, min64(x1, max64(p, n1)));
		parts[0].part = PART_HEAD;
		parts[0].xa = x0;
		parts[0].xb = cut1;
		parts[1].part = p <= n1 ? PART_SHIFT : PART_CONST;
		parts[1].xa = cut1;
		parts[1].xb = cut2;
		parts[2].part = PART_TAIL;
		parts[2].xa = cut2;
		parts[2].xb = x1;

		for (int i = 0; i < 3; i++)
		{
			int64_t		xa = parts[i].xa;
			int64_t		xb = parts[i].xb;
			int64_t		lo = 0,
						hi = 0; /* part_interval sets both */
			uint64_t	m;

			if (xa >= xb)
				continue;
			if (parts[i].part == PART_SHIFT)
			{
				if (found == NULL)
				{
					*amount += shift_measure(ctx, xa, xb);
					continue;
				}
				if (shift_find(ctx, xa, xb, amount, found))
				{
					*found -= seg.off;
					return true;
				}
				continue;
			}
			part_interval(ctx, parts[i].part, xa, xb, p, n, &lo, &hi);
			m = span(lo, hi);
			if (found == NULL)
				*amount += m;
			else if (m >= *amount)
			{
				*found = plus_u64(lo, *amount) - seg.off;
				return true;
			}
			else
				*amount -= m;
		}

		p = max64(p, end - 1 + seg.off);
		u = end;
	}
	return false;
}

/* Business time in UTC [a, b), both clamped already, as a uint64_t. */
static uint64_t
measure(Ctx *ctx, int64_t a, int64_t b)
{
	uint64_t	m = 0;

	if (a < b && ctx->wk.total > 0)
		walk(ctx, a, b, &m, NULL);
	return m;
}

/* The earliest r with amount (> 0) of business time in [from, r). */
static bool
find_forward(Ctx *ctx, int64_t from, uint64_t amount, int64_t *result)
{
	int64_t		a = clamp_time(from);

	/*
	 * More than [a, LQ_TIME_MAX) can hold: don't walk there to find out.
	 * (Counting weeks of windows would be a tighter bound, but not a sound
	 * one: a zone that keeps turning its clocks back repeats windows.)
	 */
	if (a >= LQ_TIME_MAX || ctx->wk.total == 0 || amount > span(a, LQ_TIME_MAX))
		return false;
	return walk(ctx, a, LQ_TIME_MAX, &amount, result);
}

/* The latest r with amount (> 0) of business time in [r, from). */
static bool
find_backward(Ctx *ctx, int64_t from, uint64_t amount, int64_t *result)
{
	int64_t		b = clamp_time(from);
	uint64_t	total = (uint64_t) ctx->wk.total;
	uint64_t	reach;

	if (b <= LQ_TIME_MIN || total == 0)
		return false;

	/* enough weeks without holidays or shorter days, and one to spare */
	reach = amount / total + 2;
	reach = reach > UINT64_MAX / WEEK ? UINT64_MAX : reach * WEEK;
	for (;;)
	{
		int64_t		a = span(LQ_TIME_MIN, b) <= reach ? LQ_TIME_MIN :
			from_u64((uint64_t) b - reach);
		uint64_t	m = measure(ctx, a, b);

		if (m >= amount)
		{
			/*
			 * [a, r) must hold m - amount.  The earliest such r, then the
			 * latest: the next business instant (there is one before b).
			 */
			uint64_t	rest = m - amount;
			int64_t		r = a;

			if (rest > 0 && !walk(ctx, a, b, &rest, &r))
				return false;	/* not reached */
			rest = 1;
			if (!walk(ctx, r, b, &rest, &r))
				return false;	/* not reached */
			*result = r - 1;
			return true;
		}
		if (a == LQ_TIME_MIN)
			return false;
		reach = reach > UINT64_MAX / 2 ? UINT64_MAX : reach * 2;
	}
}

static void
ctx_init(Ctx *ctx, const LqCalendar *cal)
{
	ctx->cal = cal;
	ctx->ncached = 0;
	ctx->cache_next = 0;
	weekly_init(&ctx->wk, cal);
}

bool
lq_calendar_valid(const LqCalendar *cal, const char **problem)
{
	const char *dummy;

	if (problem == NULL)
		problem = &dummy;
	if (cal == NULL)
	{
		*problem = "the calendar is missing";
		return false;
	}
	if (cal->ops == NULL || cal->ops->offset_at == NULL ||
		cal->ops->next_transition == NULL)
	{
		*problem = "the calendar has no time zone operations";
		return false;
	}
	if (cal->nwindows < 0 || cal->nwindows > LQ_MAX_WINDOWS)
	{
		*problem = "the calendar has more than " STRINGIFY(LQ_MAX_WINDOWS) " windows, or a negative number of them";
		return false;
	}
	if (cal->nwindows > 0 && cal->windows == NULL)
	{
		*problem = "the calendar's windows are missing";
		return false;
	}
	for (int i = 0; i < cal->nwindows; i++)
	{
		const LqWindow *w = &cal->windows[i];

		if (w->weekday < 0 || w->weekday > 6)
		{
			*problem = "a window's weekday is not between 0 (Monday) and 6 (Sunday)";
			return false;
		}
		if (w->start_us < 0 || w->start_us >= DAY)
		{
			*problem = "a window does not start between 00:00 and 24:00 (excluded)";
			return false;
		}
		if (w->end_us <= w->start_us)
		{
			*problem = "a window does not end after it starts";
			return false;
		}
		if (w->end_us - w->start_us > DAY)
		{
			*problem = "a window is longer than 24 hours";
			return false;
		}
	}
	if (cal->nholidays < 0)
	{
		*problem = "the calendar has a negative number of holidays";
		return false;
	}
	if (cal->nholidays > 0 && cal->holidays == NULL)
	{
		*problem = "the calendar's holidays are missing";
		return false;
	}
	for (int i = 0; i < cal->nholidays; i++)
	{
		const LqHoliday *h = &cal->holidays[i];

		if (h->date < LQ_DATE_MIN || h->date > LQ_DATE_MAX)
		{
			*problem = "a holiday's date is out of range";
			return false;
		}
		if (h->start_us < 0 || h->start_us >= DAY ||
			h->end_us <= h->start_us || h->end_us > DAY)
		{
			*problem = "a holiday does not close a nonempty part of 00:00-24:00 (start < end)";
			return false;
		}
		if (i > 0)
		{
			const LqHoliday *prev = &cal->holidays[i - 1];

			if (h->date < prev->date ||
				(h->date == prev->date && h->start_us < prev->start_us))
			{
				*problem = "the holidays are not sorted by date, then start";
				return false;
			}
			if (h->date == prev->date && h->start_us < prev->end_us)
			{
				*problem = "two holidays on the same date overlap";
				return false;
			}
		}
	}
	*problem = NULL;
	return true;
}

int64_t
lq_business_between(const LqCalendar *cal, int64_t from_us, int64_t to_us)
{
	Ctx			ctx;
	uint64_t	m;
	int64_t		v;

	if (from_us == to_us)
		return 0;
	ctx_init(&ctx, cal);
	m = measure(&ctx, clamp_time(min64(from_us, to_us)),
				clamp_time(max64(from_us, to_us)));
	v = m > (uint64_t) INT64_MAX ? INT64_MAX : (int64_t) m;
	return from_us < to_us ? v : -v;
}

bool
lq_business_add(const LqCalendar *cal, int64_t from_us, int64_t amount_us,
				int64_t *result)
{
	Ctx			ctx;

	if (amount_us == 0)
	{
		*result = from_us;
		return true;
	}
	if (amount_us == INT64_MIN)
		return false;
	ctx_init(&ctx, cal);
	if (amount_us > 0)
		return find_forward(&ctx, from_us, (uint64_t) amount_us, result);
	return find_backward(&ctx, from_us, (uint64_t) -amount_us, result);
}

bool
lq_is_business_time(const LqCalendar *cal, int64_t at_us)
{
	Ctx			ctx;

	if (at_us < LQ_TIME_MIN || at_us >= LQ_TIME_MAX)
		return false;
	ctx_init(&ctx, cal);
	return measure(&ctx, at_us, at_us + 1) == 1;
}

bool
lq_next_business_time(const LqCalendar *cal, int64_t at_us, int64_t *result)
{
	Ctx			ctx;
	int64_t		r;

	ctx_init(&ctx, cal);
	if (!find_forward(&ctx, at_us, 1, &r))
		return false;
	*result = r - 1;
	return true;
}
