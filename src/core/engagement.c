/*
 * engagement.c
 *		What an engagement rule keeps of a lead's events: see engagement.h.
 *
 * Reading a shape
 * ---------------
 * The SQL layer refuses a half-life or window that is not positive, so here
 * anything else means none: a shape decays only when half_life > 0 (0, a
 * negative number and NaN do not decay), has a window only when window > 0,
 * counts runs only when min_count > 0, and caps its times only when keep > 0
 * (and it has a window and no decay, as the header says).
 *
 * Times and ages
 * --------------
 * Times may lie anywhere in int64_t, so "as_of - t" and "as_of - window" can
 * overflow.  Ages are taken as unsigned differences instead, exact over the
 * whole range (as_of >= t, so as_of - t lies in [0, 2^64)), and "t is in the
 * window as of as_of" (t > as_of - window) is tested as "age < window",
 * which never subtracts the window.  An age becomes seconds as (double)
 * age / 1e6 and weighs lq_decay_weight(seconds, half_life), as everywhere in
 * leadqual; for finite inputs that is a number in [0, 1], never NaN.
 *
 * An event folded must come after LQ_NO_TIME (INT64_MIN, "before every
 * event"): a run completed at INT64_MIN could not be told from one never
 * completed.  Per occurrence it is harmless, since emptiness is read from
 * count, not newest.
 *
 * What is kept
 * ------------
 *	- Per occurrence, no window: count, and "decayed", the sum of the weights
 *	  as of newest.  Decay is shift-invariant, w(a + b) = w(a) * w(b), so a
 *	  newer event t rescales the sum to t, decayed * w(t - newest) + 1, and an
 *	  older or equal one adds its weight as of newest.  The weight as of
 *	  as_of is then decayed * w(as_of - newest), whatever the folding order
 *	  (up to rounding).  Without decay the sum is the count.
 *	- Per occurrence with a window: the times t with newest - t < window,
 *	  newest first.  Every event counted as of some as_of >= newest is among
 *	  them (as_of - t < window implies newest - t < window), and each leaves
 *	  the window on its own, so all are kept.  With keep (no decay) only the
 *	  newest "keep": the events counted as of as_of are always the newest ones
 *	  kept, so the kept ones give min(keep, the true count), which is all a
 *	  cap reached by "keep" events needs.
 *	- With min_count K: the K newest times, whatever the window (a run of K
 *	  outside it still ends where newer events start one), and completed, the
 *	  Kth newest once there are K.  It can only move forward as events come.
 */
#include <math.h>
#include <string.h>

#include "decay.h"
#include "engagement.h"

#define USECS_PER_SEC 1e6

static bool
decays(const LqRuleShape *shape)
{
	return shape->half_life > 0;
}

static bool
windowed(const LqRuleShape *shape)
{
	return shape->window > 0;
}

static bool
counts_runs(const LqRuleShape *shape)
{
	return shape->min_count > 0;
}

/* as_of - t, exactly; 0 for a t at or after as_of (an age under 0 weighs 1) */
static uint64_t
age_us(int64_t as_of, int64_t t)
{
	return as_of > t ? (uint64_t) as_of - (uint64_t) t : 0;
}

/* The weight of an event of that age under the shape's half-life, if any. */
static double
weight_of_age(const LqRuleShape *shape, uint64_t age)
{
	if (!decays(shape))
		return 1.0;
	return lq_decay_weight((double) age / USECS_PER_SEC, shape->half_life);
}

/* t > as_of - window, without computing as_of - window */
static bool
in_window(const LqRuleShape *shape, int64_t t, int64_t as_of)
{
	return !windowed(shape) || age_us(as_of, t) < (uint64_t) shape->window;
}

/*
 * The most times the state may keep, -1 for no limit (the window alone
 * bounds them): lq_rule_state_bound() for the shapes that keep times.
 */
static int32_t
times_limit(const LqRuleShape *shape)
{
	if (counts_runs(shape))
		return shape->min_count;
	if (shape->keep > 0 && !decays(shape))
		return shape->keep;
	return -1;
}

void
lq_rule_state_init(LqRuleState *state, int64_t *times, int32_t capacity)
{
	state->newest = LQ_NO_TIME;
	state->count = 0;
	state->decayed = 0.0;
	state->completed = LQ_NO_TIME;
	state->ntimes = 0;
	state->capacity = capacity > 0 ? capacity : 0;
	state->times = times;
}

int32_t
lq_rule_state_bound(const LqRuleShape *shape)
{
	if (!counts_runs(shape) && !windowed(shape))
		return 0;
	return times_limit(shape);
}

/* Per occurrence without a window: only the count and the decayed sum. */
static void
fold_into_sum(const LqRuleShape *shape, LqRuleState *state, int64_t t)
{
	if (state->count == 0)
	{
		state->decayed = 1.0;
		state->newest = t;
	}
	else if (t > state->newest)
	{
		/* re-anchor the sum at t: each older weight times w(t - newest) */
		state->decayed = state->decayed * weight_of_age(shape, age_us(t, state->newest)) + 1.0;
		state->newest = t;
	}
	else
		state->decayed += weight_of_age(shape, age_us(state->newest, t));
	state->count++;
}

/*
 * How many of the kept times (newest first) stay once the newest time is
 * "newest": per occurrence with a window, those still inside it; all of them
 * otherwise.  They are a prefix, since the times are sorted.
 */
static int32_t
times_staying(const LqRuleShape *shape, const LqRuleState *state, int64_t newest)
{
	int32_t		n = state->ntimes;

	if (counts_runs(shape))
		return n;
	while (n > 0 && !in_window(shape, state->times[n - 1], newest))
		n--;
	return n;
}

/* Where t goes among times[0 .. n - 1], newest first: after any equal ones. */
static int32_t
insertion_point(const int64_t *times, int32_t n, int64_t t)
{
	int32_t		low = 0;
	int32_t		high = n;

	while (low < high)
	{
		int32_t		middle = low + (high - low) / 2;

		if (times[middle] >= t)
			low = middle + 1;
		else
			high = middle;
	}
	return low;
}

/*
 * The shapes that keep times.  Everything is decided before anything is
 * written, so that a full times[] leaves the state exactly as it was.
 */
static bool
fold_into_times(const LqRuleShape *shape, LqRuleState *state, int64_t t)
{
	int64_t		newest = (state->count == 0 || t > state->newest) ? t : state->newest;
	int32_t		limit = times_limit(shape);
	int32_t		staying = times_staying(shape, state, newest);
	int32_t		position = insertion_point(state->times, staying, t);
	/* a run keeps every time it is given; a window only those inside it */
	bool		keep_t = counts_runs(shape) || in_window(shape, t, newest);
	int32_t		ntimes = staying;

	if (limit >= 0 && position >= limit)
		keep_t = false;			/* older than the newest "limit" */
	if (keep_t)
	{
		if (limit < 0 || staying < limit)
			ntimes = staying + 1;
		/* else the oldest kept time makes way */
		if (ntimes > state->capacity)
			return false;
		memmove(state->times + position + 1, state->times + position,
				(size_t) (ntimes - 1 - position) * sizeof(int64_t));
		state->times[position] = t;
	}
	state->ntimes = ntimes;
	state->newest = newest;
	state->count++;
	if (counts_runs(shape))
		state->completed = ntimes == shape->min_count ?
			state->times[ntimes - 1] : LQ_NO_TIME;
	return true;
}

bool
lq_rule_fold(const LqRuleShape *shape, LqRuleState *state, int64_t t)
{
	if (!counts_runs(shape) && !windowed(shape))
	{
		fold_into_sum(shape, state, t);
		return true;
	}
	return fold_into_times(shape, state, t);
}

int32_t
lq_rule_merge_room(const LqRuleShape *shape, const LqRuleState *into, const LqRuleState *from)
{
	int32_t		limit = times_limit(shape);
	int32_t		room = into->ntimes + from->ntimes;

	if (!counts_runs(shape) && !windowed(shape))
		return 0;
	return limit >= 0 && room > limit ? limit : room;
}

/*
 * Per occurrence without a window, the sums add once both are anchored at
 * the newer newest (decay is shift-invariant).  The shapes that keep times
 * take from's times one by one, as if its events were folded: from keeps
 * every time that can still count as of its newest, which is at or before
 * the merged newest, so no time it dropped could count afterwards.  Then
 * the count is both counts.
 */
bool
lq_rule_merge(const LqRuleShape *shape, LqRuleState *into, const LqRuleState *from)
{
	int64_t		count;

	if (from->count == 0)
		return true;
	if (!counts_runs(shape) && !windowed(shape))
	{
		if (into->count == 0)
		{
			into->decayed = from->decayed;
			into->newest = from->newest;
		}
		else if (from->newest > into->newest)
		{
			into->decayed = into->decayed * weight_of_age(shape, age_us(from->newest, into->newest)) +
				from->decayed;
			into->newest = from->newest;
		}
		else
			into->decayed += from->decayed * weight_of_age(shape, age_us(into->newest, from->newest));
		into->count += from->count;
		return true;
	}
	if (into->capacity < lq_rule_merge_room(shape, into, from))
		return false;
	count = into->count + from->count;
	/* each fold keeps at most the room checked above, so none refuses */
	for (int32_t i = 0; i < from->ntimes; i++)
		(void) fold_into_times(shape, into, from->times[i]);
	if (from->newest > into->newest || into->count == 0)
		into->newest = from->newest;
	into->count = count;
	return true;
}

double
lq_rule_completed_weight(const LqRuleShape *shape, int64_t completed, int64_t as_of)
{
	if (completed == LQ_NO_TIME || !in_window(shape, completed, as_of))
		return 0.0;
	return weight_of_age(shape, age_us(as_of, completed));
}

double
lq_rule_weight(const LqRuleShape *shape, const LqRuleState *state, int64_t as_of)
{
	double		sum = 0.0;

	if (counts_runs(shape))
		return lq_rule_completed_weight(shape, state->completed, as_of);
	if (!windowed(shape))
	{
		if (!decays(shape))
			return (double) state->count;
		return state->decayed * weight_of_age(shape, age_us(as_of, state->newest));
	}
	/* newest first: the first time out of the window ends those in it */
	for (int32_t i = 0; i < state->ntimes && in_window(shape, state->times[i], as_of); i++)
		sum += weight_of_age(shape, age_us(as_of, state->times[i]));
	return sum;
}

/*
 * When points next change
 * -----------------------
 * Between events, a rule's weight moves two ways.  A window lets its oldest
 * counted event go at t + window (a run's completing event, for min_count),
 * which may change the points (conservatively: always).  Decay multiplies
 * the weight by w(dt): every decayed weight here is one exponential of the
 * half-life (a sum's terms share it, until the next exit), so the size of
 * points x weight, s(t) = s0 * 2^(-dt / half_life), crosses the rounding
 * boundary below its rounded value, (k - 1/2) units, at
 * dt = half_life * log2(s0 / boundary).  A cap holds the size at cap while
 * s(t) > cap; the boundary below round(cap) is below cap, so the same
 * formula holds.  k = 0 never changes: decay only shrinks the size.
 */

/* A millisecond (LQ_CHANGE_EARLY_US), taken off every computed time: floating point is inexact. */
#define EARLY_US LQ_CHANGE_EARLY_US

/*
 * t + span - a millisecond, in microseconds, but at least t + 1; LQ_NEVER
 * when that passes the end of time.
 */
static int64_t
later(int64_t t, double span_us)
{
	double		ahead = span_us - EARLY_US;

	if (!(ahead < (double) INT64_MAX))	/* NaN too */
		return LQ_NEVER;
	if (ahead < 1)
		ahead = 1;
	if ((uint64_t) ahead >= (uint64_t) INT64_MAX - (uint64_t) t)
		return LQ_NEVER;
	return t + (int64_t) ahead;
}

/* When a window lets go of the counted event at t: t + window. */
static int64_t
leaves_window(int64_t t, int64_t window)
{
	if (t > INT64_MAX - window)
		return LQ_NEVER;
	return t + window;
}

/* When decay takes a weight w0 as of as_of past the rounding boundary. */
static int64_t
decay_crosses_boundary(const LqRuleShape *shape, const LqRulePoints *points,
					   double w0, int64_t as_of)
{
	double		size = fabs(points->points) * w0;
	double		shown = points->cap > 0 && size > points->cap ? points->cap : size;
	double		units = floor(shown / points->unit + 0.5);
	double		boundary = (units - 0.5) * points->unit;

	if (!(units >= 1) || !(boundary > 0) || !(size > boundary))
		return LQ_NEVER;
	return later(as_of, shape->half_life * log2(size / boundary) * USECS_PER_SEC);
}

int64_t
lq_rule_next_change(const LqRuleShape *shape, const LqRuleState *state,
					const LqRulePoints *points, int64_t as_of)
{
	int64_t		next = LQ_NEVER;

	if (counts_runs(shape))
	{
		if (state->completed == LQ_NO_TIME || !in_window(shape, state->completed, as_of))
			return LQ_NEVER;	/* no run, or out of the window for good */
		if (windowed(shape))
			next = leaves_window(state->completed, shape->window);
	}
	else if (windowed(shape))
	{
		/* times[] is newest first: the last one still in the window leaves first */
		int32_t		n = 0;

		while (n < state->ntimes && in_window(shape, state->times[n], as_of))
			n++;
		if (n == 0)
			return LQ_NEVER;
		next = leaves_window(state->times[n - 1], shape->window);
	}
	else if (state->count == 0)
		return LQ_NEVER;
	if (decays(shape))
	{
		int64_t		decayed = decay_crosses_boundary(shape, points,
													 lq_rule_weight(shape, state, as_of), as_of);

		if (decayed < next)
			next = decayed;
	}
	return next;
}
