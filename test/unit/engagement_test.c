/*
 * engagement_test.c
 *		TAP unit tests of what engagement rules keep, src/core/engagement.c.
 *		Built and run by "make unitcheck"; needs no server.
 *
 * Three kinds of checks:
 *  - hand-computed cases for each shape of rule (half-lives chosen so the
 *    weights are exact powers of two), and at the ends of int64_t;
 *  - the protocol of a full times[]: false, nothing changed, then true once
 *    given more room;
 *  - the oracle (engagement_oracle.h), which recomputes every weight from
 *    the full list of events, against states folded from thousands of
 *    random cases: random shapes, events with duplicates and backdated ones
 *    folded in random order, groups, weights as of several times at or after
 *    the newest event, and the same events folded into a state that starts
 *    with no room and grows each time it is refused.  Random numbers come
 *    from a fixed-seed xorshift64, so every run tests the same cases.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engagement.h"
#include "engagement_oracle.h"

#define SEC		INT64_C(1000000)
#define DAY		(86400 * SEC)

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

static LqRuleShape
shape_of(double half_life, int64_t window, int32_t min_count, int32_t keep)
{
	LqRuleShape shape;

	shape.half_life = half_life;
	shape.window = window;
	shape.min_count = min_count;
	shape.keep = keep;
	return shape;
}

/* Folds events[0 .. n - 1] in that order; false if any fold was refused. */
static int
fold_all(const LqRuleShape *shape, LqRuleState *state, const int64_t *events, int n)
{
	int			all = 1;

	for (int i = 0; i < n; i++)
		all &= lq_rule_fold(shape, state, events[i]);
	return all;
}

/* The same state: every field but the buffer, and the times kept. */
static int
same_state(const LqRuleState *a, const LqRuleState *b)
{
	return a->newest == b->newest && a->count == b->count &&
		memcmp(&a->decayed, &b->decayed, sizeof(double)) == 0 &&
		a->completed == b->completed && a->ntimes == b->ntimes &&
		(a->ntimes == 0 ||
		 memcmp(a->times, b->times, (size_t) a->ntimes * sizeof(int64_t)) == 0);
}

/* ---- hand-computed cases ---- */

static void
test_count_only(void)
{
	LqRuleShape shape = shape_of(0, 0, 0, 0);
	int64_t		events[] = {5 * SEC, 1 * SEC, 3 * SEC, 3 * SEC};
	int64_t		times[1];
	LqRuleState state;

	ok(lq_rule_state_bound(&shape) == 0, "count only: keeps no times");
	lq_rule_state_init(&state, NULL, 0);
	ok(state.newest == LQ_NO_TIME && state.count == 0 && state.completed == LQ_NO_TIME &&
	   state.ntimes == 0 && lq_rule_weight(&shape, &state, 0) == 0.0,
	   "a new state: nothing folded, weight 0");
	ok(fold_all(&shape, &state, events, 4), "count only: folds with no room at all");
	ok(state.count == 4 && state.newest == 5 * SEC && state.ntimes == 0,
	   "count only: 4 events, newest 5 s, out of order and with a duplicate");
	ok(lq_rule_weight(&shape, &state, 5 * SEC) == 4.0 &&
	   lq_rule_weight(&shape, &state, INT64_MAX) == 4.0,
	   "count only: weight 4 as of the newest and forever after");
	lq_rule_state_init(&state, times, -3);
	ok(state.capacity == 0, "a negative capacity is no room");
	shape.keep = 2;
	ok(lq_rule_state_bound(&shape) == 0, "keep without a window is ignored");
}

static void
test_decay_no_window(void)
{
	/* a half-life of a day: one day ago weighs 1/2, two days 1/4 */
	LqRuleShape shape = shape_of(86400, 0, 0, 0);
	int64_t		forward[] = {0, DAY};
	int64_t		backward[] = {DAY, 0};
	LqRuleState a;
	LqRuleState b;

	ok(lq_rule_state_bound(&shape) == 0, "decay without a window: keeps no times");
	lq_rule_state_init(&a, NULL, 0);
	lq_rule_state_init(&b, NULL, 0);
	fold_all(&shape, &a, forward, 2);
	fold_all(&shape, &b, backward, 2);
	ok(a.decayed == 1.5 && b.decayed == 1.5,
	   "decay: events at 0 and 1 day sum to 1.5 as of the newest, in either order");
	ok(lq_rule_weight(&shape, &a, DAY) == 1.5 && lq_rule_weight(&shape, &b, DAY) == 1.5,
	   "decay: weight 1.5 as of 1 day");
	ok(lq_rule_weight(&shape, &a, 2 * DAY) == 0.75,
	   "decay: weight 0.5 + 0.25 as of 2 days");
	lq_rule_fold(&shape, &a, -DAY);
	ok(lq_rule_weight(&shape, &a, DAY) == 1.75 && a.newest == DAY && a.count == 3,
	   "decay: a backdated event at -1 day adds 0.25, newest unchanged");
	lq_rule_fold(&shape, &a, DAY);
	ok(lq_rule_weight(&shape, &a, 3 * DAY) == 0.6875,
	   "decay: a duplicate of the newest counts again: (1 + 1 + 0.5 + 0.25) / 4 as of 3 days");

	/* the ends of int64_t: ages of 2^64 - 2 microseconds */
	lq_rule_state_init(&a, NULL, 0);
	lq_rule_fold(&shape, &a, INT64_MIN + 1);
	lq_rule_fold(&shape, &a, INT64_MAX);
	ok(a.decayed == 1.0 && lq_rule_weight(&shape, &a, INT64_MAX) == 1.0,
	   "decay: the earliest event seen from the latest weighs 0, no overflow");
	shape.half_life = 1e12;		/* 31,700 years: the earliest still counts */
	lq_rule_state_init(&b, NULL, 0);
	lq_rule_fold(&shape, &b, INT64_MAX);
	lq_rule_fold(&shape, &b, INT64_MIN + 1);
	ok(near(b.decayed, 1.0 + lq_decay_weight((double) UINT64_C(18446744073709551614) / 1e6, 1e12)),
	   "decay: across the whole range the age is exact, not overflowed");
	shape.half_life = -1;
	lq_rule_state_init(&b, NULL, 0);
	fold_all(&shape, &b, forward, 2);
	ok(lq_rule_weight(&shape, &b, 100 * DAY) == 2.0, "a negative half-life does not decay");
	shape.half_life = NAN;
	ok(lq_rule_weight(&shape, &b, 100 * DAY) == 2.0, "nor does one that is not a number");
}

static void
test_window(void)
{
	/* 10 s, no decay: as of 12 s, the events after 2 s */
	LqRuleShape shape = shape_of(0, 10 * SEC, 0, 0);
	int64_t		events[] = {12 * SEC, 0, 9 * SEC, 5 * SEC};
	int64_t		times[8];
	LqRuleState state;

	ok(lq_rule_state_bound(&shape) == -1, "a window without keep: unbounded");
	lq_rule_state_init(&state, times, 8);
	ok(fold_all(&shape, &state, events, 4), "window: folds");
	ok(state.count == 4 && state.ntimes == 3 && times[0] == 12 * SEC &&
	   times[1] == 9 * SEC && times[2] == 5 * SEC,
	   "window: keeps 12, 9 and 5 s, newest first; 0 s was out already");
	ok(lq_rule_weight(&shape, &state, 12 * SEC) == 3.0, "window: 3 as of 12 s");
	ok(lq_rule_weight(&shape, &state, 15 * SEC) == 2.0, "window: 2 as of 15 s (5 s is out)");
	ok(lq_rule_weight(&shape, &state, 22 * SEC - 1) == 1.0,
	   "window: 1 a microsecond before 12 s leaves it");
	ok(lq_rule_weight(&shape, &state, 22 * SEC) == 0.0,
	   "window: 0 as of 22 s: the window is open at its start");
	lq_rule_fold(&shape, &state, 1 * SEC);
	ok(state.count == 5 && state.ntimes == 3 && state.newest == 12 * SEC,
	   "window: a backdated event out of the window is counted, not kept");
	lq_rule_fold(&shape, &state, 16 * SEC);
	ok(state.ntimes == 3 && times[0] == 16 * SEC && times[2] == 9 * SEC,
	   "window: a newer event drops the times that leave the window (5 s)");

	/* with decay: half-life 10 s, window 20 s */
	shape = shape_of(10, 20 * SEC, 0, 0);
	lq_rule_state_init(&state, times, 8);
	events[0] = 0;
	events[1] = 20 * SEC;
	events[2] = 10 * SEC;
	fold_all(&shape, &state, events, 3);
	ok(lq_rule_weight(&shape, &state, 20 * SEC) == 1.5,
	   "window and decay: as of 20 s, 10 s weighs 0.5 and 20 s 1; 0 s is out");
	ok(lq_rule_weight(&shape, &state, 30 * SEC) == 0.5,
	   "window and decay: as of 30 s, only 20 s, at 0.5");

	/* the ends of int64_t */
	shape = shape_of(0, INT64_MAX, 0, 0);
	lq_rule_state_init(&state, times, 8);
	events[0] = INT64_MIN + 1;
	events[1] = 0;
	events[2] = 1;
	events[3] = INT64_MAX;
	fold_all(&shape, &state, events, 4);
	ok(state.ntimes == 2 && times[0] == INT64_MAX && times[1] == 1 &&
	   lq_rule_weight(&shape, &state, INT64_MAX) == 2.0,
	   "the longest window as of the latest time: from 1 on, no overflow");
	shape = shape_of(0, 100, 0, 0);
	lq_rule_state_init(&state, times, 8);
	events[0] = INT64_MIN + 5;
	events[1] = INT64_MIN + 1;
	fold_all(&shape, &state, events, 2);
	ok(lq_rule_weight(&shape, &state, INT64_MIN + 10) == 2.0,
	   "a window reaching before the earliest time counts everything, no overflow");
	shape.window = -5;
	ok(lq_rule_state_bound(&shape) == 0, "a negative window is no window");
}

static void
test_keep(void)
{
	/* window 100 s, keep 2, no decay */
	LqRuleShape shape = shape_of(0, 100 * SEC, 0, 2);
	int64_t		events[] = {30 * SEC, 10 * SEC, 40 * SEC, 20 * SEC};
	int64_t		times[2];
	LqRuleState state;

	ok(lq_rule_state_bound(&shape) == 2, "keep 2: bound 2");
	lq_rule_state_init(&state, times, 2);
	ok(fold_all(&shape, &state, events, 4), "keep: 4 events fit in room for 2");
	ok(state.count == 4 && state.ntimes == 2 && times[0] == 40 * SEC && times[1] == 30 * SEC,
	   "keep: the newest two, 40 and 30 s");
	ok(lq_rule_weight(&shape, &state, 40 * SEC) == 2.0, "keep: 2 as of 40 s (4 counted, capped)");
	ok(lq_rule_weight(&shape, &state, 125 * SEC) == 2.0, "keep: 2 as of 125 s (30 and 40 s)");
	ok(lq_rule_weight(&shape, &state, 135 * SEC) == 1.0, "keep: 1 as of 135 s (40 s)");
	shape.half_life = 3600;
	ok(lq_rule_state_bound(&shape) == -1, "keep is ignored with decay");
}

static void
test_min_count(void)
{
	LqRuleShape shape = shape_of(0, 0, 3, 5);
	int64_t		events[] = {4 * SEC, 2 * SEC, 1 * SEC, 3 * SEC};
	int64_t		times[3];
	LqRuleState state;

	ok(lq_rule_state_bound(&shape) == 3, "min_count 3: bound 3 (keep ignored)");
	lq_rule_state_init(&state, times, 3);
	fold_all(&shape, &state, events, 2);
	ok(state.completed == LQ_NO_TIME && lq_rule_weight(&shape, &state, INT64_MAX) == 0.0,
	   "min_count 3: two events complete no run, weight 0");
	fold_all(&shape, &state, events + 2, 2);
	ok(state.completed == 2 * SEC && state.ntimes == 3 && times[0] == 4 * SEC &&
	   times[2] == 2 * SEC,
	   "min_count 3: 4, 2, 1, 3 s complete the run at the 3rd newest, 2 s");
	ok(lq_rule_weight(&shape, &state, 4 * SEC) == 1.0 &&
	   lq_rule_weight(&shape, &state, INT64_MAX) == 1.0,
	   "min_count 3 without decay or window: weight 1 forever");
	lq_rule_fold(&shape, &state, 0);
	ok(state.completed == 2 * SEC && state.count == 5,
	   "min_count 3: an older event changes no run");
	lq_rule_fold(&shape, &state, 2 * SEC);
	ok(state.completed == 2 * SEC && times[1] == 3 * SEC && times[2] == 2 * SEC,
	   "min_count 3: a duplicate of the 3rd newest changes nothing either");

	/* with decay: half-life 1 day */
	shape = shape_of(86400, 0, 2, 0);
	lq_rule_state_init(&state, times, 2);
	events[0] = 2 * DAY;
	events[1] = 0;
	events[2] = DAY;
	fold_all(&shape, &state, events, 3);
	ok(state.completed == DAY && lq_rule_weight(&shape, &state, 3 * DAY) == 0.25,
	   "min_count 2 with decay: completed at 1 day, weighs 1/4 as of 3 days");

	/* with a window of 5 days, then decay too */
	shape = shape_of(0, 5 * DAY, 2, 0);
	lq_rule_state_init(&state, times, 2);
	fold_all(&shape, &state, events + 1, 2);
	ok(lq_rule_weight(&shape, &state, 5 * DAY - 1) == 1.0,
	   "min_count 2, window 5 days: completed at 0, in it until just before 5 days");
	ok(lq_rule_weight(&shape, &state, 5 * DAY) == 0.0,
	   "min_count 2, window 5 days: as of 5 days the run has left it");
	shape.half_life = 86400;
	ok(lq_rule_weight(&shape, &state, 4 * DAY) == 0.0625,
	   "min_count 2, window and decay: 1/16 as of 4 days");
	ok(lq_rule_completed_weight(&shape, LQ_NO_TIME, 0) == 0.0 &&
	   lq_rule_completed_weight(&shape, LQ_NO_TIME, INT64_MAX) == 0.0,
	   "a run never completed weighs 0");
	ok(lq_rule_completed_weight(&shape, INT64_MIN + 1, INT64_MAX) == 0.0,
	   "a run completed at the earliest time is out of the window at the latest");
}

static void
test_groups(void)
{
	/* min_count 2, half-life 10 s: group a at 0 and 10 s, b at 5, 6, 20 s */
	LqRuleShape shape = shape_of(10, 0, 2, 0);
	int64_t		a_events[] = {10 * SEC, 0};
	int64_t		b_events[] = {6 * SEC, 20 * SEC, 5 * SEC};
	int64_t		a_times[2];
	int64_t		b_times[2];
	LqRuleState a;
	LqRuleState b;
	int64_t		completed;

	lq_rule_state_init(&a, a_times, 2);
	lq_rule_state_init(&b, b_times, 2);
	fold_all(&shape, &a, a_events, 2);
	fold_all(&shape, &b, b_events, 3);
	completed = a.completed > b.completed ? a.completed : b.completed;
	ok(a.completed == 0 && b.completed == 6 * SEC && completed == 6 * SEC,
	   "groups: a completes at 0, b at 6 s; the rule at the larger, 6 s");
	ok(lq_rule_completed_weight(&shape, completed, 20 * SEC) == lq_decay_weight(14, 10) &&
	   lq_rule_weight(&shape, &b, 20 * SEC) == lq_decay_weight(14, 10) &&
	   lq_rule_weight(&shape, &a, 20 * SEC) == 0.25,
	   "groups: the rule weighs b's run, 2^-1.4 as of 20 s; a's alone 1/4");
}

/* ---- the protocol of a full times[] ---- */

static void
test_full(void)
{
	LqRuleShape window = shape_of(0, 10 * SEC, 0, 0);
	LqRuleShape run = shape_of(0, 0, 3, 0);
	int64_t		small[1];
	int64_t		big[4];
	LqRuleState state;
	LqRuleState before;

	lq_rule_state_init(&state, small, 1);
	ok(lq_rule_fold(&window, &state, 5 * SEC), "full: the first time fits in room for 1");
	before = state;
	ok(!lq_rule_fold(&window, &state, 7 * SEC) && same_state(&state, &before) &&
	   state.capacity == 1 && state.times == small && small[0] == 5 * SEC,
	   "full: a second time inside the window is refused, nothing changed");
	ok(!lq_rule_fold(&window, &state, 3 * SEC) && same_state(&state, &before),
	   "full: so is a backdated one inside the window");
	ok(lq_rule_fold(&window, &state, -20 * SEC) && state.count == 2 && state.ntimes == 1,
	   "full: one outside the window needs no room");
	ok(lq_rule_fold(&window, &state, 100 * SEC) && state.ntimes == 1 &&
	   small[0] == 100 * SEC,
	   "full: a newer one that pushes the others out needs none either");
	before = state;
	ok(!lq_rule_fold(&window, &state, 95 * SEC) && same_state(&state, &before),
	   "full: refused again");
	memcpy(big, small, sizeof(small));
	state.times = big;
	state.capacity = 4;
	ok(lq_rule_fold(&window, &state, 95 * SEC) && state.ntimes == 2 &&
	   big[0] == 100 * SEC && big[1] == 95 * SEC,
	   "full: given more room, the same fold succeeds");

	lq_rule_state_init(&state, small, 1);
	lq_rule_fold(&run, &state, 0);
	before = state;
	ok(!lq_rule_fold(&run, &state, SEC) && same_state(&state, &before),
	   "full: a run of 3 refuses a 2nd time in room for 1");
	memcpy(big, small, sizeof(small));
	state.times = big;
	state.capacity = 3;
	ok(lq_rule_fold(&run, &state, SEC) && lq_rule_fold(&run, &state, 2 * SEC) &&
	   state.completed == 0 && lq_rule_fold(&run, &state, 3 * SEC) &&
	   state.completed == SEC && state.ntimes == 3,
	   "full: with room for 3 the run completes, then moves on without more room");
}

/* ---- the oracle, on random cases ---- */

#define CASES			4000
#define MAX_EVENTS		48
#define MAX_GROUPS		3
#define MAX_AS_OF		8

static uint64_t rng = UINT64_C(0x2545F4914F6CDD1D);

/* xorshift64 */
static uint64_t
next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* 0 .. n - 1 */
static uint64_t
below(uint64_t n)
{
	return next_random() % n;
}

static int64_t
saturating_add(int64_t a, int64_t b)
{
	int64_t		sum;

	if (__builtin_add_overflow(a, b, &sum))
		return b > 0 ? INT64_MAX : INT64_MIN + 1;
	return sum;
}

/* One of a few scales, so that windows and half-lives meet the events. */
static int64_t
random_span(void)
{
	static const int64_t spans[] = {100, 10 * SEC, DAY, 365 * DAY};

	return spans[below(4)];
}

static LqRuleShape
random_shape(int64_t span)
{
	LqRuleShape shape = shape_of(0, 0, 0, 0);

	switch (below(6))
	{
		case 0:
		case 1:
			break;				/* no decay */
		case 2:
			shape.half_life = (double) span / 1e6;
			break;
		case 3:
			shape.half_life = (double) (1 + below((uint64_t) span)) / 1e6 * 0.01 * (double) (1 + below(1000));
			break;
		case 4:
			shape.half_life = 1e-9;	/* everything older weighs 0 */
			break;
		default:
			shape.half_life = 1e15;	/* nothing decays much */
			break;
	}
	switch (below(5))
	{
		case 0:
		case 1:
			break;				/* no window */
		case 2:
			shape.window = INT64_MAX;
			break;
		default:
			shape.window = 1 + (int64_t) below((uint64_t) span * 2);
			break;
	}
	if (below(2))
		shape.min_count = 1 + (int32_t) below(6);
	if (below(2))
		shape.keep = 1 + (int32_t) below(5);
	return shape;
}

/* An event time: mostly near base, some at the ends of int64_t. */
static int64_t
random_time(int64_t base, int64_t span, int extremes)
{
	static const int64_t ends[] = {INT64_MIN + 1, INT64_MIN + 2, -1, 0, 1,
		INT64_MAX - 1, INT64_MAX};

	if (extremes && below(3) == 0)
		return below(2) ? ends[below(7)] : (int64_t) (next_random() | 1);
	return saturating_add(base, (int64_t) below((uint64_t) span * 3));
}

/* A state that starts with no room and grows each time it is refused. */
typedef struct Growing
{
	LqRuleState state;
	int			refusals;
	int			refused_badly;	/* a refusal that changed something, or
								 * came with room to spare */
} Growing;

static void
fold_growing(const LqRuleShape *shape, Growing *growing, int64_t t)
{
	LqRuleState *state = &growing->state;

	for (;;)
	{
		LqRuleState before = *state;
		int64_t		kept[MAX_EVENTS + 1];
		int64_t    *bigger;

		if (state->ntimes > 0)
			memcpy(kept, state->times, (size_t) state->ntimes * sizeof(int64_t));
		if (lq_rule_fold(shape, state, t))
			return;
		growing->refusals++;
		if (!same_state(state, &before) || state->capacity != before.capacity ||
			state->times != before.times || state->ntimes != state->capacity ||
			(state->ntimes > 0 &&
			 memcmp(kept, state->times, (size_t) state->ntimes * sizeof(int64_t)) != 0))
			growing->refused_badly++;
		bigger = malloc((size_t) (state->capacity + 1) * sizeof(int64_t));
		if (bigger == NULL)
			abort();
		if (state->ntimes > 0)
			memcpy(bigger, state->times, (size_t) state->ntimes * sizeof(int64_t));
		free(state->times);
		state->times = bigger;
		state->capacity++;
	}
}

typedef struct Tally
{
	long		weights;		/* weights compared with the oracle */
	long		mismatches;
	long		merges;			/* merged states checked */
	int			merged_differs; /* a merged state keeping other times than
								 * one folded from every event */
	int			merge_refused_badly;	/* refused with room, or changed */
	long		refusals;
	int			refused_badly;
	int			growing_differs;
	int			ample_refused;
	int			over_bound;
	int			not_finite;
} Tally;

static void
report_mismatch(const LqRuleShape *shape, int n, int64_t as_of, double folded,
				double expected)
{
	printf("# mismatch: half_life %.17g window %lld min_count %d keep %d, %d events, "
		   "as of %lld: folded %.17g, oracle %.17g\n",
		   shape->half_life, (long long) shape->window, shape->min_count, shape->keep,
		   n, (long long) as_of, folded, expected);
}

/* Every group's weight, and the rule's, as of as_of against the oracle. */
static void
compare_with_oracle(const LqRuleShape *shape, const LqRuleState *states, int ngroups,
					const int64_t *events, const int *groups, int n, int64_t as_of,
					Tally *tally)
{
	int64_t		mine[MAX_EVENTS];
	int64_t		completed = LQ_NO_TIME;

	for (int g = 0; g < ngroups; g++)
	{
		int			nmine = 0;
		double		folded = lq_rule_weight(shape, &states[g], as_of);
		double		expected;

		for (int i = 0; i < n; i++)
			if (groups[i] == g)
				mine[nmine++] = events[i];
		expected = oracle_weight(shape, mine, nmine, as_of);
		tally->weights++;
		tally->not_finite += !isfinite(folded);
		if (!oracle_matches(shape, folded, expected))
		{
			if (tally->mismatches++ == 0)
				report_mismatch(shape, nmine, as_of, folded, expected);
		}
		if (states[g].completed > completed)
			completed = states[g].completed;
	}
	if (shape->min_count > 0)
	{
		double		folded = lq_rule_completed_weight(shape, completed, as_of);
		double		expected = oracle_grouped_weight(shape, events, groups, n, ngroups, as_of);

		tally->weights++;
		if (folded != expected && tally->mismatches++ == 0)
			report_mismatch(shape, n, as_of, folded, expected);
	}
}

static void
run_case(Tally *tally)
{
	int64_t		span = random_span();
	LqRuleShape shape = random_shape(span);
	int32_t		bound = lq_rule_state_bound(&shape);
	int			n = (int) below(MAX_EVENTS + 1);
	int			ngroups = shape.min_count > 0 ? 1 + (int) below(MAX_GROUPS) : 1;
	int			extremes = below(10) == 0;
	int64_t		base = (int64_t) below(UINT64_C(2000000000000000)) - INT64_C(1000000000000000);
	int64_t		events[MAX_EVENTS];
	int			groups[MAX_EVENTS];
	int64_t		ample_times[MAX_GROUPS][MAX_EVENTS + 1];
	LqRuleState ample[MAX_GROUPS];
	Growing		growing[MAX_GROUPS];
	int64_t		newest = LQ_NO_TIME;
	int64_t		as_ofs[MAX_AS_OF];

	for (int i = 0; i < n; i++)
	{
		/* a quarter are duplicates of an earlier event */
		events[i] = i > 0 && below(4) == 0 ? events[below((uint64_t) i)]
			: random_time(base, span, extremes);
		groups[i] = (int) below((uint64_t) ngroups);
	}
	/* sometimes in time order, or its reverse; random order otherwise */
	if (below(4) == 0)
		for (int i = 1; i < n; i++)
			for (int j = i; j > 0 && (events[j - 1] > events[j]) == (n % 2 == 0); j--)
			{
				int64_t		t = events[j];

				events[j] = events[j - 1];
				events[j - 1] = t;
			}

	for (int g = 0; g < ngroups; g++)
	{
		lq_rule_state_init(&ample[g], ample_times[g], MAX_EVENTS + 1);
		lq_rule_state_init(&growing[g].state, NULL, 0);
		growing[g].refusals = 0;
		growing[g].refused_badly = 0;
	}

	for (int i = 0; i < n; i++)
	{
		LqRuleState *state = &ample[groups[i]];

		tally->ample_refused += !lq_rule_fold(&shape, state, events[i]);
		fold_growing(&shape, &growing[groups[i]], events[i]);
		tally->growing_differs += !same_state(state, &growing[groups[i]].state);
		tally->over_bound += bound >= 0 && state->ntimes > bound;
		if (events[i] > newest)
			newest = events[i];
		/* every prefix, as of its newest event and a little later */
		compare_with_oracle(&shape, ample, ngroups, events, groups, i + 1, newest, tally);
		compare_with_oracle(&shape, ample, ngroups, events, groups, i + 1,
							saturating_add(newest, (int64_t) below((uint64_t) span)), tally);
	}

	as_ofs[0] = newest;
	as_ofs[1] = saturating_add(newest, 1);
	as_ofs[2] = saturating_add(newest, (int64_t) below((uint64_t) span * 4));
	as_ofs[3] = saturating_add(newest, shape.window - 1);
	as_ofs[4] = saturating_add(newest, shape.window);
	as_ofs[5] = saturating_add(newest, saturating_add(shape.window, 1));
	as_ofs[6] = shape.half_life * 1e6 * 3 < 1e18 ?
		saturating_add(newest, (int64_t) (shape.half_life * 1e6 * 3)) : INT64_MAX;
	as_ofs[7] = INT64_MAX;
	for (int k = 0; k < MAX_AS_OF; k++)
		if (n == 0 || as_ofs[k] >= newest)
			compare_with_oracle(&shape, ample, ngroups, events, groups, n, as_ofs[k], tally);

	/*
	 * The events split at random between two leads, each folded on its own,
	 * then one merged into the other: the same weights as every event folded
	 * into one state, and, for the shapes that keep times, the same times.
	 */
	{
		int64_t		times_a[MAX_GROUPS][MAX_EVENTS + 1];
		int64_t		times_b[MAX_GROUPS][MAX_EVENTS + 1];
		LqRuleState part_a[MAX_GROUPS];
		LqRuleState part_b[MAX_GROUPS];
		int			keeps_times = shape.min_count > 0 || shape.window > 0;

		for (int g = 0; g < ngroups; g++)
		{
			lq_rule_state_init(&part_a[g], times_a[g], MAX_EVENTS + 1);
			lq_rule_state_init(&part_b[g], times_b[g], MAX_EVENTS + 1);
		}
		for (int i = 0; i < n; i++)
			(void) lq_rule_fold(&shape, below(2) ? &part_a[groups[i]] : &part_b[groups[i]], events[i]);
		for (int g = 0; g < ngroups; g++)
		{
			LqRuleState before = part_a[g];
			int64_t		kept[MAX_EVENTS + 1];
			int32_t		room = lq_rule_merge_room(&shape, &part_a[g], &part_b[g]);

			memcpy(kept, part_a[g].times, sizeof(kept));
			/* too little room: refused, nothing changed */
			if (room > part_a[g].ntimes && part_b[g].count > 0)
			{
				part_a[g].capacity = room - 1;
				if (lq_rule_merge(&shape, &part_a[g], &part_b[g]) || !same_state(&part_a[g], &before) ||
					memcmp(kept, part_a[g].times, sizeof(kept)) != 0)
					tally->merge_refused_badly++;
				part_a[g].capacity = MAX_EVENTS + 1;
			}
			if (!lq_rule_merge(&shape, &part_a[g], &part_b[g]))
				tally->merge_refused_badly++;
			tally->merges++;
			if (part_a[g].count != ample[g].count || part_a[g].newest != ample[g].newest ||
				(keeps_times && !same_state(&part_a[g], &ample[g])))
				tally->merged_differs++;
		}
		for (int k = 0; k < MAX_AS_OF; k++)
			if (n == 0 || as_ofs[k] >= newest)
				compare_with_oracle(&shape, part_a, ngroups, events, groups, n, as_ofs[k], tally);
	}

	for (int g = 0; g < ngroups; g++)
	{
		tally->refusals += growing[g].refusals;
		tally->refused_badly += growing[g].refused_badly;
		free(growing[g].state.times);
	}
}

static void
test_oracle(void)
{
	Tally		tally;
	char		description[200];

	memset(&tally, 0, sizeof(tally));
	for (int i = 0; i < CASES; i++)
		run_case(&tally);

	snprintf(description, sizeof(description),
			 "oracle: %d random cases, %ld weights as of the newest event or later, all as defined",
			 CASES, tally.weights);
	ok(tally.mismatches == 0 && tally.weights > 100000, description);
	ok(tally.not_finite == 0, "oracle: every weight is finite");
	ok(tally.ample_refused == 0, "oracle: a state with room for every event never refuses one");
	ok(tally.over_bound == 0, "oracle: no state keeps more times than its bound");
	snprintf(description, sizeof(description),
			 "growing: %ld refusals, each with times[] full and nothing changed",
			 tally.refusals);
	ok(tally.refused_badly == 0 && tally.refusals > 1000, description);
	ok(tally.growing_differs == 0,
	   "growing: a state grown on each refusal equals one with ample room, after every fold");
	snprintf(description, sizeof(description),
			 "merge: %ld states of events split between two leads, merged, keep what folding them all keeps",
			 tally.merges);
	ok(tally.merged_differs == 0 && tally.merges > 4000, description);
	ok(tally.merge_refused_badly == 0,
	   "merge: refused only without room, changing nothing; never with room");
}

static int
within_a_millisecond_before(int64_t next, double exact_us)
{
	return (double) next <= exact_us && (double) next >= exact_us - 2000;
}

static void
test_next_change_cases(void)
{
	int64_t		times[8];
	LqRuleState state;
	LqRuleShape shape;
	LqRulePoints points = {20, 0, 1};

	shape = shape_of(0, 0, 0, 0);
	lq_rule_state_init(&state, times, 8);
	ok(lq_rule_next_change(&shape, &state, &points, 0) == LQ_NEVER,
	   "next change: a rule with no event never changes");
	lq_rule_fold(&shape, &state, 0);
	ok(lq_rule_next_change(&shape, &state, &points, 5 * DAY) == LQ_NEVER,
	   "next change: counted without decay or window, never");

	shape = shape_of(86400, 0, 0, 0);
	lq_rule_state_init(&state, times, 8);
	lq_rule_fold(&shape, &state, 0);
	/* 20 points round to 20 until 20 w(dt) < 19.5 */
	ok(within_a_millisecond_before(lq_rule_next_change(&shape, &state, &points, 0),
								   86400e6 * log2(20 / 19.5)),
	   "next change: decay takes 20 points below 19.5 after a day x log2(20/19.5)");
	ok(within_a_millisecond_before(lq_rule_next_change(&shape, &state, &points, DAY),
								   86400e6 * (1 + log2(10 / 9.5))),
	   "next change: a day later (10 points), below 9.5 a day x log2(10/9.5) on");
	points.points = -20;
	ok(within_a_millisecond_before(lq_rule_next_change(&shape, &state, &points, 0),
								   86400e6 * log2(20 / 19.5)),
	   "next change: negative points decay toward 0 alike");
	points.points = 0.4;
	ok(lq_rule_next_change(&shape, &state, &points, 0) == LQ_NEVER,
	   "next change: points that round to 0 never change");
	points.points = 100;
	points.cap = 50;
	ok(within_a_millisecond_before(lq_rule_next_change(&shape, &state, &points, 0),
								   86400e6 * log2(100 / 49.5)),
	   "next change: a cap of 50 holds until 100 w(dt) < 49.5");
	points.cap = 0;
	points.unit = 0.01;
	ok(within_a_millisecond_before(lq_rule_next_change(&shape, &state, &points, 0),
								   86400e6 * log2(100 / 99.995)),
	   "next change: at scale 2, below 99.995");

	points = (LqRulePoints) {5, 0, 1};
	shape = shape_of(0, 60 * SEC, 0, 0);
	lq_rule_state_init(&state, times, 8);
	lq_rule_fold(&shape, &state, 0);
	lq_rule_fold(&shape, &state, 10 * SEC);
	ok(lq_rule_next_change(&shape, &state, &points, 20 * SEC) == 60 * SEC,
	   "next change: a window lets its oldest event go at its time + window");
	ok(lq_rule_next_change(&shape, &state, &points, 65 * SEC) == 70 * SEC,
	   "next change: then the next one");
	ok(lq_rule_next_change(&shape, &state, &points, 70 * SEC) == LQ_NEVER,
	   "next change: an empty window never changes");

	shape = shape_of(0, 100 * SEC, 2, 0);
	lq_rule_state_init(&state, times, 8);
	lq_rule_fold(&shape, &state, 0);
	ok(lq_rule_next_change(&shape, &state, &points, 0) == LQ_NEVER,
	   "next change: a run not completed never changes by itself");
	lq_rule_fold(&shape, &state, 10 * SEC);
	ok(lq_rule_next_change(&shape, &state, &points, 10 * SEC) == 100 * SEC,
	   "next change: a completed run leaves the window at its completing event + window");

	shape = shape_of(1e15, 0, 0, 0);
	lq_rule_state_init(&state, times, 8);
	lq_rule_fold(&shape, &state, INT64_MAX - 10);
	ok(lq_rule_next_change(&shape, &state, &points, INT64_MAX - 10) == LQ_NEVER,
	   "next change: past the end of time is never");
}

/*
 * Random rules and events: as of each time before the next change the
 * rounded points are those as of as_of, and shortly after a change by decay
 * alone they differ.
 */
static void
test_next_change_oracle(void)
{
	long		checked = 0;
	long		early_changes = 0;
	long		late = 0;
	long		decay_checked = 0;
	char		description[200];

	for (int c = 0; c < CASES; c++)
	{
		int64_t		span = random_span();
		LqRuleShape shape = random_shape(span);
		int64_t		times[MAX_EVENTS + 1];
		LqRuleState state;
		int			n = 1 + (int) below(MAX_EVENTS);
		int64_t		base = (int64_t) below(UINT64_C(2000000000000000)) - INT64_C(1000000000000000);
		int64_t		newest = LQ_NO_TIME;
		LqRulePoints points;
		static const double units[] = {1, 0.1, 0.01, 0.001};

		shape.keep = 0;
		lq_rule_state_init(&state, times, MAX_EVENTS + 1);
		for (int i = 0; i < n; i++)
		{
			int64_t		t = random_time(base, span, 0);

			lq_rule_fold(&shape, &state, t);
			if (t > newest)
				newest = t;
		}
		points.points = (below(2) ? 1 : -1) * (double) (1 + below(200)) / (1 + below(3));
		points.cap = below(3) == 0 ? (double) (1 + below(100)) : 0;
		points.unit = units[below(4)];
		for (int k = 0; k < 4; k++)
		{
			int64_t		as_of = saturating_add(newest, (int64_t) below((uint64_t) span * 2));
			int64_t		next = lq_rule_next_change(&shape, &state, &points, as_of);
			double		then = oracle_rounded_units(&shape, &state, &points, as_of);

			if (next <= as_of)
			{
				late++;
				continue;
			}
			for (int j = 0; j < 8; j++)
			{
				int64_t		horizon = next == LQ_NEVER ? saturating_add(as_of, span * 8) : next - 1;
				int64_t		t = j == 0 ? horizon
					: saturating_add(as_of, (int64_t) below((uint64_t) (horizon - as_of) + 1));

				double		now = oracle_rounded_units(&shape, &state, &points, t);

				if (then < 0 || now < 0)
					continue;
				checked++;
				if (now != then)
				{
					if (early_changes++ == 0)
						printf("# changed before its next change: half_life %.17g window %lld "
							   "min_count %d, as of %lld, next %lld, at %lld\n",
							   shape.half_life, (long long) shape.window, shape.min_count,
							   (long long) as_of, (long long) next, (long long) t);
				}
			}
			if (next != LQ_NEVER && shape.half_life > 0 && shape.window == 0 &&
				shape.min_count == 0 && next < INT64_MAX - 2 * SEC)
			{
				double		after = oracle_rounded_units(&shape, &state, &points, next + 2 * SEC);

				if (then < 0 || after < 0)
					continue;
				decay_checked++;
				late += after == then;
			}
		}
	}
	snprintf(description, sizeof(description),
			 "next change: %ld times before the next change of random rules, the same rounded points",
			 checked);
	ok(early_changes == 0 && checked > 100000, description);
	snprintf(description, sizeof(description),
			 "next change: after, %ld changes by decay alone have happened within 2 s",
			 decay_checked);
	ok(late == 0 && decay_checked > 1000, description);
}

int
main(void)
{
	test_count_only();
	test_decay_no_window();
	test_window();
	test_keep();
	test_min_count();
	test_groups();
	test_full();
	test_oracle();
	test_next_change_cases();
	test_next_change_oracle();

	printf("1..%d\n", test_count);
	return failures > 0;
}
