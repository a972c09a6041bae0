/*
 * engagement.h
 *		What an engagement rule keeps of a lead's events, so that its points
 *		can be computed at any later time without reading the events again,
 *		in plain C.
 *
 * Nothing here knows about PostgreSQL, so it can be unit-tested and fuzzed
 * on its own (see test/unit/engagement_test.c, whose oracle recomputes every
 * weight from the full list of events, and test/fuzz/engagement_fuzz.c).
 * Times are microseconds on one absolute scale (PostgreSQL's TimestampTz);
 * half-lives and windows are absolute too (decay.h).
 *
 * An engagement rule, as of a time as_of, counts a lead's events of its kind
 * (and match) with occurred_at <= as_of and, with a window, occurred_at >
 * as_of - window; each counted event weighs lq_decay_weight(as_of -
 * occurred_at, half_life), or 1 without a half-life.  Its weight is:
 *
 *	- per occurrence (min_count 0): the sum of the counted events' weights;
 *	- with min_count K: per group (one group when the rule has no group_by),
 *	  the weight of the group's Kth newest counted event, 0 for a group with
 *	  fewer; the rule's weight is the largest over its groups.
 *
 * The caller multiplies by the rule's points, caps and rounds.
 *
 * What a rule keeps is an LqRuleState per lead and group, plus, for rules
 * with min_count, the newest time at which any group completed a run of K
 * (LqRuleState.completed), kept in the state of the group "" or of a
 * separate summary the caller keeps.  Keeping is exact for every as_of at
 * or after the newest event folded (LqRuleState.newest), events folded in
 * any order:
 *
 *	- per occurrence, no window: the count, and the sum of the weights as of
 *	  the newest event (one number, renormalised as newer events come, since
 *	  decay is shift-invariant);
 *	- per occurrence with a window: the times of the events still inside the
 *	  window as of the newest event (all of them: each leaves the window on
 *	  its own), or only the newest "keep" of them when the caller says that
 *	  is enough (a cap reached by that many undecayed events);
 *	- with min_count K: the times of the group's K newest events.
 *
 * For an as_of before the newest event folded, read the events again.
 */
#ifndef LEADQUAL_ENGAGEMENT_H
#define LEADQUAL_ENGAGEMENT_H

#include <stdbool.h>
#include <stdint.h>

/* No time: before every event. */
#define LQ_NO_TIME INT64_MIN

/* What of a rule decides what its state keeps. */
typedef struct LqRuleShape
{
	double		half_life;		/* seconds; 0: no decay */
	int64_t		window;			/* microseconds; 0: no window */
	int32_t		min_count;		/* K; 0: per occurrence */

	/*
	 * Per occurrence with a window: keep at most this many times, the newest
	 * (0: all inside the window).  Only valid without decay, where the rule's
	 * cap is reached by that many events.  Ignored otherwise.
	 */
	int32_t		keep;
} LqRuleShape;

/* What a rule keeps of one lead's (and group's) events. */
typedef struct LqRuleState
{
	int64_t		newest;			/* newest time folded, LQ_NO_TIME if none */
	int64_t		count;			/* events folded */
	double		decayed;		/* per occurrence without a window: sum of
								 * the weights as of newest */
	int64_t		completed;		/* min_count: the newest time this group
								 * completed a run of K, LQ_NO_TIME if never */
	int32_t		ntimes;			/* times kept, newest first */
	int32_t		capacity;		/* room in times[] */
	int64_t    *times;			/* owned by the caller */
} LqRuleState;

/* A state with nothing folded, times[] of the given room. */
extern void lq_rule_state_init(LqRuleState *state, int64_t *times, int32_t capacity);

/*
 * How many times a state of the shape can keep at most: K with min_count,
 * keep for a capped window without decay, 0 without a window, -1 when
 * unbounded (per occurrence with a window: as many as fit in it).
 */
extern int32_t lq_rule_state_bound(const LqRuleShape *shape);

/*
 * Folds one event at time t into the state.  Returns false, and changes
 * nothing, when the state must keep one more time and times[] is full: give
 * it more room (copying the times over) and call again.
 */
extern bool lq_rule_fold(const LqRuleShape *shape, LqRuleState *state, int64_t t);

/*
 * Merges "from" into "into", two states of the same shape (one lead's and
 * its duplicate's, say): "into" becomes what folding every event of both
 * would have kept, "from" is left as it was.  Returns false, and changes
 * nothing, when into's times[] has too little room for what it must keep
 * (lq_rule_merge_room()): give it that much and call again.
 */
extern bool lq_rule_merge(const LqRuleShape *shape, LqRuleState *into, const LqRuleState *from);

/* The room into's times[] needs for lq_rule_merge() of "from". */
extern int32_t lq_rule_merge_room(const LqRuleShape *shape, const LqRuleState *into,
								  const LqRuleState *from);

/*
 * The weight of the rule's events in the state as of as_of, which must be at
 * or after state->newest (or anything when nothing was folded).  With
 * min_count it is the weight of state->completed; to combine the groups of a
 * rule, take the largest completed over the groups (lq_rule_completed_weight
 * weighs it).
 */
extern double lq_rule_weight(const LqRuleShape *shape, const LqRuleState *state,
							 int64_t as_of);

/* The weight as of as_of of a run completed at "completed" (min_count). */
extern double lq_rule_completed_weight(const LqRuleShape *shape, int64_t completed,
									   int64_t as_of);

/* No time: after every event (a rule whose points never change again). */
#define LQ_NEVER INT64_MAX

/* How a rule turns its weight into points: points x weight, capped, rounded. */
typedef struct LqRulePoints
{
	double		points;			/* per unit of weight; any sign */
	double		cap;			/* largest size of points x weight; 0: none */
	double		unit;			/* what points round to: 10^-scale, > 0 */
} LqRulePoints;

/*
 * The first time after as_of (at or after state->newest) at which the
 * rule's rounded points could differ from their value as of as_of, with no
 * new event: when an event leaves the window, or decay takes the points
 * past a rounding boundary (rounding half away from zero, as numeric's
 * round() does).  LQ_NEVER when they can't change.  Never later than the
 * change, up to a millisecond early: being early costs a rescore that
 * changes nothing.
 */
/* How early lq_rule_next_change() may be, at most, in microseconds. */
#define LQ_CHANGE_EARLY_US 1000

extern int64_t lq_rule_next_change(const LqRuleShape *shape, const LqRuleState *state,
								   const LqRulePoints *points, int64_t as_of);

#endif							/* LEADQUAL_ENGAGEMENT_H */
