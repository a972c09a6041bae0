/*
 * decay.h
 *		How much an event still counts as it ages, in plain C.
 *
 * Nothing here knows about PostgreSQL, so it can be unit-tested and fuzzed
 * on its own (see test/unit/).
 */
#ifndef LEADQUAL_DECAY_H
#define LEADQUAL_DECAY_H

/*
 * The weight of an event age_seconds old under a half-life: 0.5 ^ (age /
 * half_life), between 0 and 1.  An event of age zero or less (one at or
 * after the time scored) weighs 1.  half_life_seconds must be positive.
 */
extern double lq_decay_weight(double age_seconds, double half_life_seconds);

#endif							/* LEADQUAL_DECAY_H */
