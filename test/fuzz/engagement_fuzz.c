/*
 * engagement_fuzz.c
 *		libFuzzer harness for what engagement rules keep
 *		(src/core/engagement.c).
 *
 * The input is a shape, a time after the newest event and up to 64 event
 * times:
 *
 *	byte 0		flags: 1 = narrow (below), 2 = grow (below), 32 = split
 *				(below); with 4, 8 and 16 and the bits above 32, the points
 *				the next change is checked with
 *	byte 1, 2	min_count and keep, each modulo 9
 *	then		half-life, window and how long after the newest event to
 *				weigh: raw, 8 bytes each (a double of any bit pattern, an
 *				int64, a uint64 added to the newest time, saturating);
 *				narrow, 2 bytes each, in quarter seconds
 *	the rest	event times: raw, int64s of any value (INT64_MIN, which
 *				engagement.h reserves for "no time", is taken as the next
 *				one up); narrow, int16s in quarter seconds, so that events
 *				meet each other, the window and the half-life
 *
 * The events are folded in the order given into a state with room for all
 * of them, and into one that starts with none and grows by one time each
 * time a fold is refused ("grow"), switching buffers as a caller copying its
 * times over would.  After every fold, and at the end as of three times
 * later, the weight must be the oracle's (test/unit/engagement_oracle.h,
 * from the full list of events), finite; no state may keep more times than
 * its bound, unsorted ones or ones after the newest; a refused fold must
 * have changed nothing; the two states must be equal.  With "split", the
 * events are also folded into two states, each event into one or the other
 * by a bit of its time and place, and the second merged into the first
 * (lq_rule_merge()), as merge() does a duplicate lead's: the merged state
 * must be the state of all the events (the same times kept; for a sum, the
 * same count and newest time) and weigh what the oracle says.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engagement.h"
#include "engagement_oracle.h"

#define MAX_EVENTS	64
#define QUARTER_SECOND INT64_C(250000)

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int condition)
{
	if (!condition)
		abort();
}

/* Reads what the input has left, zeros past its end. */
typedef struct Input
{
	const uint8_t *data;
	size_t		size;
} Input;

static uint64_t
take(Input *input, size_t bytes)
{
	uint64_t	value = 0;

	for (size_t i = 0; i < bytes; i++)
	{
		uint64_t	byte = input->size > 0 ? *input->data : 0;

		if (input->size > 0)
		{
			input->data++;
			input->size--;
		}
		value |= byte << (8 * i);
	}
	return value;
}

static int64_t
saturating_add(int64_t a, uint64_t b)
{
	int64_t		sum;

	if (b > (uint64_t) INT64_MAX || __builtin_add_overflow(a, (int64_t) b, &sum))
		return INT64_MAX;
	return sum;
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

/* What must hold of any state, whatever was folded into it. */
static void
check_state(const LqRuleShape *shape, const LqRuleState *state)
{
	int32_t		bound = lq_rule_state_bound(shape);

	check(state->ntimes >= 0 && state->ntimes <= state->capacity);
	check(bound < 0 || state->ntimes <= bound);
	for (int32_t i = 0; i < state->ntimes; i++)
		check(state->times[i] <= state->newest &&
			  (i == 0 || state->times[i] <= state->times[i - 1]));
}

static void
check_weight(const LqRuleShape *shape, const LqRuleState *state,
			 const int64_t *events, int n, int64_t as_of)
{
	double		folded = lq_rule_weight(shape, state, as_of);

	check(isfinite(folded) && folded >= 0);
	check(oracle_matches(shape, folded, oracle_weight(shape, events, n, as_of)));
}

/*
 * The next change comes after as_of, and until then the rounded points
 * stay as they are as of as_of (at the step before it, and half-way).
 */
static void
check_next_change(const LqRuleShape *shape, const LqRuleState *state, int flags, int64_t as_of)
{
	LqRulePoints points = {(flags & 4) ? -((flags >> 3) + 1) : (flags >> 3) + 1,
	(flags & 8) ? 7.5 : 0, (flags & 16) ? 0.01 : 1};
	int64_t		next = lq_rule_next_change(shape, state, &points, as_of);
	double		then = oracle_rounded_units(shape, state, &points, as_of);
	int64_t		probes[2];

	check(next > as_of || next == LQ_NEVER);
	if (next == LQ_NEVER || then < 0)
		return;
	probes[0] = next - 1;
	probes[1] = as_of + (next - as_of) / 2;
	for (int i = 0; i < 2; i++)
	{
		double		now = oracle_rounded_units(shape, state, &points, probes[i]);

		check(now < 0 || now == then);
	}
}

/* Folds t into a state that grows by one time, into the other buffer, when refused. */
static void
fold_growing(const LqRuleShape *shape, LqRuleState *state, int64_t buffers[2][MAX_EVENTS],
			 int64_t t)
{
	while (!lq_rule_fold(shape, state, t))
	{
		LqRuleState before = *state;
		int64_t    *other = state->times == buffers[0] ? buffers[1] : buffers[0];

		/* refused: only when full, and nothing changed (fold again to see) */
		check(state->ntimes == state->capacity && state->capacity < MAX_EVENTS);
		check(!lq_rule_fold(shape, state, t) && same_state(state, &before) &&
			  state->capacity == before.capacity && state->times == before.times);
		memcpy(other, state->times, (size_t) state->ntimes * sizeof(int64_t));
		state->times = other;
		state->capacity++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Input		input = {data, size};
	int			flags = (int) take(&input, 1);
	int			narrow = flags & 1;
	int			grow = flags & 2;
	LqRuleShape shape;
	uint64_t	later;
	int64_t		events[MAX_EVENTS];
	int			n = 0;
	int64_t		ample_times[MAX_EVENTS];
	int64_t		buffers[2][MAX_EVENTS];
	LqRuleState ample;
	LqRuleState growing;
	int64_t		newest = LQ_NO_TIME;

	shape.min_count = (int32_t) (take(&input, 1) % 9);
	shape.keep = (int32_t) (take(&input, 1) % 9);
	if (narrow)
	{
		shape.half_life = (double) take(&input, 2) / 4;
		shape.window = (int64_t) take(&input, 2) * QUARTER_SECOND;
		later = take(&input, 2) * (uint64_t) QUARTER_SECOND;
	}
	else
	{
		uint64_t	bits = take(&input, 8);

		memcpy(&shape.half_life, &bits, sizeof(double));
		shape.window = (int64_t) take(&input, 8);
		later = take(&input, 8);
	}
	while (input.size > 0 && n < MAX_EVENTS)
	{
		int64_t		t = narrow ? (int16_t) take(&input, 2) * QUARTER_SECOND
			: (int64_t) take(&input, 8);

		events[n++] = t == LQ_NO_TIME ? LQ_NO_TIME + 1 : t;
	}

	lq_rule_state_init(&ample, ample_times, MAX_EVENTS);
	lq_rule_state_init(&growing, grow ? buffers[0] : ample_times, 0);
	for (int i = 0; i < n; i++)
	{
		check(lq_rule_fold(&shape, &ample, events[i]));
		check_state(&shape, &ample);
		if (events[i] > newest)
			newest = events[i];
		check(ample.newest == newest && ample.count == i + 1);
		check_weight(&shape, &ample, events, i + 1, newest);
		if (grow)
		{
			fold_growing(&shape, &growing, buffers, events[i]);
			check(same_state(&ample, &growing));
		}
	}
	check_weight(&shape, &ample, events, n, newest);
	check_weight(&shape, &ample, events, n, saturating_add(newest, later));
	check_weight(&shape, &ample, events, n, INT64_MAX);
	check_next_change(&shape, &ample, flags, saturating_add(newest, later));
	if (flags & 32)
	{
		int64_t		times_a[MAX_EVENTS];
		int64_t		times_b[MAX_EVENTS];
		LqRuleState a;
		LqRuleState b;

		lq_rule_state_init(&a, times_a, MAX_EVENTS);
		lq_rule_state_init(&b, times_b, MAX_EVENTS);
		for (int i = 0; i < n; i++)
			check(lq_rule_fold(&shape, (((uint64_t) events[i] >> 3) ^ (uint64_t) i) & 1 ? &a : &b,
							   events[i]));
		check(lq_rule_merge_room(&shape, &a, &b) <= MAX_EVENTS);
		check(lq_rule_merge(&shape, &a, &b));
		check_state(&shape, &a);
		check(a.count == ample.count && a.newest == ample.newest);
		check(lq_rule_state_bound(&shape) == 0 || same_state(&a, &ample));
		check_weight(&shape, &a, events, n, newest);
		check_weight(&shape, &a, events, n, saturating_add(newest, later));
		check_weight(&shape, &a, events, n, INT64_MAX);
	}
	return 0;
}
