/*
 * round_robin.h
 *		Weighted round-robin owners for leads handed to sales
 *		(round_robin.c).
 */
#ifndef LQ_ROUND_ROBIN_H
#define LQ_ROUND_ROBIN_H

#include "postgres.h"

#include "datatype/timestamp.h"

/*
 * A turn an owner took: an interval of the shared line (see round_robin.c),
 * written to leadqual.owner_turn once the row it was taken for is.  One
 * allocation, owner name and bounds included, so pfree() frees it all.
 */
typedef struct LqTurn
{
	char	   *owner;
	Datum		start;			/* numeric */
	Datum		end;			/* numeric */
	TimestampTz taken_at;
} LqTurn;

extern bool lq_round_robin_pick(Oid lead_table, const char *lead_id,
								const char *current_owner, char **owner,
								LqTurn **turn);
extern LqTurn *lq_turn_copy(const LqTurn *turn, MemoryContext context);
extern void lq_turn_record(const LqTurn *turn);

#endif							/* LQ_ROUND_ROBIN_H */
