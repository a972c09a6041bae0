/*
 * engagement_oracle.h
 *		The weight of an engagement rule computed straight from the
 *		definition in src/core/engagement.h, from the full list of a lead's
 *		events: what test/unit/engagement_test.c and
 *		test/fuzz/engagement_fuzz.c compare the folded states with.
 *
 * It shares nothing with src/core/engagement.c but lq_decay_weight() and the
 * reading of a shape (a half-life or window that is not positive is none,
 * see the top of engagement.c).  Ages and window bounds are computed in
 * 128 bits, so no overflow needs avoiding; an age becomes seconds as
 * (double) age / 1e6, the same rounding as the core's, so that single
 * weights agree exactly.  Header-only, for the two programs that use it.
 */
#ifndef LEADQUAL_ENGAGEMENT_ORACLE_H
#define LEADQUAL_ENGAGEMENT_ORACLE_H

#include <math.h>
#include <stdint.h>

#include "decay.h"
#include "engagement.h"

/* The most events of one lead the oracle takes. */
#define ORACLE_MAX_EVENTS 1024

/* Whether the event at t counts as of as_of: t <= as_of, t > as_of - window. */
static inline int
oracle_counts(const LqRuleShape *shape, int64_t t, int64_t as_of)
{
	if (t > as_of)
		return 0;
	return !(shape->window > 0) ||
		(__int128) t > (__int128) as_of - (__int128) shape->window;
}

/* The weight as of as_of of a counted event at t. */
static inline double
oracle_event_weight(const LqRuleShape *shape, int64_t t, int64_t as_of)
{
	if (!(shape->half_life > 0))
		return 1.0;
	return lq_decay_weight((double) ((__int128) as_of - (__int128) t) / 1e6,
						   shape->half_life);
}

/*
 * The rule's weight as of as_of over the events of one group (the first n of
 * events[], in any order, at most ORACLE_MAX_EVENTS).
 */
static inline double
oracle_weight(const LqRuleShape *shape, const int64_t *events, int n, int64_t as_of)
{
	int64_t		counted[ORACLE_MAX_EVENTS];
	int			ncounted = 0;
	double		sum = 0.0;

	for (int i = 0; i < n; i++)
		if (oracle_counts(shape, events[i], as_of))
			counted[ncounted++] = events[i];

	if (shape->min_count > 0)
	{
		/* the Kth newest: sort newest first, by insertion */
		for (int i = 1; i < ncounted; i++)
		{
			int64_t		t = counted[i];
			int			j = i;

			for (; j > 0 && counted[j - 1] < t; j--)
				counted[j] = counted[j - 1];
			counted[j] = t;
		}
		if (ncounted < shape->min_count)
			return 0.0;
		return oracle_event_weight(shape, counted[shape->min_count - 1], as_of);
	}

	/* a capped window without decay: the cap is reached by "keep" events */
	if (shape->window > 0 && !(shape->half_life > 0) && shape->keep > 0 &&
		ncounted > shape->keep)
		return (double) shape->keep;

	for (int i = 0; i < ncounted; i++)
		sum += oracle_event_weight(shape, counted[i], as_of);
	return sum;
}

/*
 * A rule with min_count over several groups: the largest of the groups'
 * weights.  events[i] is in group groups[i], 0 .. ngroups - 1.
 */
static inline double
oracle_grouped_weight(const LqRuleShape *shape, const int64_t *events,
					  const int *groups, int n, int ngroups, int64_t as_of)
{
	int64_t		mine[ORACLE_MAX_EVENTS];
	double		best = 0.0;

	for (int g = 0; g < ngroups; g++)
	{
		int			nmine = 0;
		double		weight;

		for (int i = 0; i < n; i++)
			if (groups[i] == g)
				mine[nmine++] = events[i];
		weight = oracle_weight(shape, mine, nmine, as_of);
		if (weight > best)
			best = weight;
	}
	return best;
}

/*
 * Whether a folded weight matches the oracle's: exactly for counts and
 * single weights (runs), within 1e-12 relative (absolute below 1) for sums
 * of decayed weights, whose rounding depends on the folding order.
 */
static inline int
oracle_matches(const LqRuleShape *shape, double folded, double expected)
{
	double		scale;

	if (shape->min_count > 0 || !(shape->half_life > 0))
		return folded == expected;
	scale = expected > 1.0 ? expected : 1.0;
	return folded - expected <= 1e-12 * scale && expected - folded <= 1e-12 * scale;
}

/*
 * A rule's points as of as_of from a folded state, rounded to units as
 * leadqual rounds them (half away from zero), in units; -1 when the size
 * lies within floating-point noise of a rounding boundary, where which side
 * it falls on is not lq_rule_next_change()'s to say.
 */
static inline double
oracle_rounded_units(const LqRuleShape *shape, const LqRuleState *state,
					 const LqRulePoints *points, int64_t as_of)
{
	double		size = fabs(points->points) * lq_rule_weight(shape, state, as_of);
	double		scaled;

	if (points->cap > 0 && size > points->cap)
		size = points->cap;
	scaled = size / points->unit + 0.5;
	if (fabs(scaled - round(scaled)) <= 1e-9 * fmax(1.0, scaled))
		return -1;
	return floor(scaled);
}

#endif							/* LEADQUAL_ENGAGEMENT_ORACLE_H */
