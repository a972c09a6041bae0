/*
 * decay.h
 *		How much an event still counts as it ages, in plain C.
 *
 * Nothing here knows about PostgreSQL, so it can be unit-tested and fuzzed
 * on its own (see test/unit/).
 */
#ifndef LEADQUAL_DECAY_H
#define LEADQUAL_DECAY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The weight of an event age_seconds old under a half-life: 0.5 ^ (age /
 * half_life), between 0 and 1.  An event of age zero or less (one at or
 * after the time scored) weighs 1.  half_life_seconds must be positive.
 */
extern double lq_decay_weight(double age_seconds, double half_life_seconds);

/*
 * Half-lives and windows are lengths of absolute time, whatever the time zone
 * and its daylight-saving changes.  A span of months, days and microseconds
 * (PostgreSQL's interval) is counted the way EXTRACT(epoch FROM interval)
 * counts it: a day is 24 hours, a month 30 days, and every whole 12 months a
 * year of 365.25 days.
 */

/* The span in seconds. */
extern double lq_span_seconds(int32_t months, int32_t days, int64_t microseconds);

/*
 * The span in microseconds, exactly, into *result; false, leaving *result
 * alone, when that does not fit in 64 bits.
 */
extern bool lq_span_microseconds(int32_t months, int32_t days, int64_t microseconds,
								 int64_t *result);

#endif							/* LEADQUAL_DECAY_H */
