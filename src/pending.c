/*
 * pending.c
 *		Stage changes decided by leadqual.qualify(), waiting for the row to
 *		be written.
 *
 * The BEFORE trigger decides a row's new stage, but only an AFTER trigger
 * knows the row was really written: INSERT ... ON CONFLICT fires BEFORE
 * INSERT triggers for rows it then skips or turns into an UPDATE, and a
 * later BEFORE trigger may cancel the row.  So qualify() files its decision
 * here, and leadqual.log_transition(), an AFTER trigger, takes it back out
 * when it logs the change that actually happened.
 *
 * A row that an UPDATE moves to another partition is deleted from one
 * partition and inserted into the other, firing the INSERT triggers there.
 * qualify() files the UPDATE's decision under the partition root as well,
 * marked as moving, and the INSERT into the new partition carries it on.
 *
 * Decisions are kept per (table, lead id), newest first: the newest
 * decision for a move is the one whose row is being logged.  A decision is
 * claimable only during the statement that filed it, and a rolled-back
 * subtransaction (a failed statement under a savepoint, an exception block)
 * takes its decisions with it, so one left behind by a skipped or failed row
 * is never claimed by a later change.  The rest go at transaction end.
 */
#include "postgres.h"

#include "access/xact.h"
#include "common/hashfn.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "managed_row.h"
#include "pending.h"
#include "round_robin.h"
#include "transition_log.h"

typedef struct LqPendingKey
{
	Oid			relid;
	uint32		lead_hash;
} LqPendingKey;

typedef struct LqDecision
{
	struct LqDecision *next;
	char	   *lead_id;
	LqStage		from_stage;
	LqStage		to_stage;
	LqVia		via;
	char	   *reason;
	bool		row_moving;
	bool		owner_assigned;
	LqTurn	   *turn;			/* in pending_cxt; handed over when taken */
	SubTransactionId subxact;	/* filed in */
	TimestampTz statement;		/* start of the top-level statement */
} LqDecision;

typedef struct LqPendingEntry
{
	LqPendingKey key;
	LqDecision *newest;
} LqPendingEntry;

static MemoryContext pending_cxt = NULL;
static HTAB *pending = NULL;
static bool xact_callback_registered = false;

static void
forget_pending(XactEvent event, void *arg pg_attribute_unused())
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* pending_cxt is a child of TopTransactionContext: gone now */
			pending_cxt = NULL;
			pending = NULL;
			break;
		default:
			break;
	}
}

/* Drops the decisions filed in the aborted subtransaction or its children. */
static void
forget_aborted_decisions(SubXactEvent event, SubTransactionId aborted,
						 SubTransactionId parent pg_attribute_unused(),
						 void *arg pg_attribute_unused())
{
	HASH_SEQ_STATUS status;
	LqPendingEntry *entry;

	if (event != SUBXACT_EVENT_ABORT_SUB || pending == NULL)
		return;
	/* subtransactions begun after "aborted" are its children, all ended */
	hash_seq_init(&status, pending);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		LqDecision **link = &entry->newest;

		while (*link != NULL)
		{
			if ((*link)->subxact >= aborted)
				*link = (*link)->next;
			else
				link = &(*link)->next;
		}
		if (entry->newest == NULL)
			hash_search(pending, &entry->key, HASH_REMOVE, NULL);
	}
}

static HTAB *
pending_hash(void)
{
	HASHCTL		ctl;

	if (pending != NULL)
		return pending;
	if (!xact_callback_registered)
	{
		RegisterXactCallback(forget_pending, NULL);
		RegisterSubXactCallback(forget_aborted_decisions, NULL);
		xact_callback_registered = true;
	}
	pending_cxt = AllocSetContextCreate(TopTransactionContext,
										"leadqual pending transitions",
										ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(LqPendingKey);
	ctl.entrysize = sizeof(LqPendingEntry);
	ctl.hcxt = pending_cxt;
	pending = hash_create("leadqual pending transitions", 256, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	return pending;
}

static LqPendingKey
make_key(Oid relid, const char *lead_id)
{
	LqPendingKey key;

	memset(&key, 0, sizeof(key));
	key.relid = relid;
	key.lead_hash = hash_bytes((const unsigned char *) lead_id, strlen(lead_id));
	return key;
}

void
lq_pending_push(Oid relid, const LqTransition *transition, bool row_moving)
{
	LqPendingKey key = make_key(relid, transition->lead_id);
	LqPendingEntry *entry;
	LqDecision *decision;
	bool		found;

	Assert(transition->lead_id != NULL);
	Assert(transition->to_stage != LQ_STAGE_INVALID);
	Assert(row_moving || transition->from_stage != transition->to_stage);
	entry = hash_search(pending_hash(), &key, HASH_ENTER, &found);
	if (!found)
		entry->newest = NULL;

	decision = MemoryContextAlloc(pending_cxt, sizeof(LqDecision));
	decision->next = entry->newest;
	decision->lead_id = MemoryContextStrdup(pending_cxt, transition->lead_id);
	decision->from_stage = transition->from_stage;
	decision->to_stage = transition->to_stage;
	decision->via = transition->via;
	decision->row_moving = row_moving;
	decision->owner_assigned = transition->owner_assigned;
	decision->turn = transition->turn == NULL ? NULL
		: lq_turn_copy(transition->turn, pending_cxt);
	decision->subxact = GetCurrentSubTransactionId();
	decision->statement = GetCurrentStatementStartTimestamp();
	decision->reason = transition->reason == NULL ? NULL
		: MemoryContextStrdup(pending_cxt, transition->reason);
	entry->newest = decision;
}

static bool
matches(const LqDecision *decision, const LqTransition *transition,
		LqPendingMatch match)
{
	if (decision->statement != GetCurrentStatementStartTimestamp() ||
		strcmp(decision->lead_id, transition->lead_id) != 0)
		return false;
	switch (match)
	{
		case LQ_MATCH_UPDATE:
			return decision->from_stage == transition->from_stage &&
				decision->to_stage == transition->to_stage;
		case LQ_MATCH_INSERT:
			return decision->to_stage == transition->to_stage &&
				(decision->from_stage == LQ_STAGE_INVALID || decision->row_moving);
		case LQ_MATCH_MOVE:
			return decision->row_moving;
	}
	pg_unreachable();
}

/*
 * Claims the newest decision that matches and fills in its stages, via and
 * reason.  Returns false when qualify() decided no such move.
 */
bool
lq_pending_take(Oid relid, LqTransition *transition, LqPendingMatch match)
{
	LqPendingKey key;
	LqPendingEntry *entry;
	LqDecision *previous = NULL;

	if (pending == NULL)
		return false;
	key = make_key(relid, transition->lead_id);
	entry = hash_search(pending, &key, HASH_FIND, NULL);
	if (entry == NULL)
		return false;

	for (LqDecision *decision = entry->newest; decision != NULL;
		 previous = decision, decision = decision->next)
	{
		if (!matches(decision, transition, match))
			continue;

		transition->from_stage = decision->from_stage;
		transition->to_stage = decision->to_stage;
		transition->via = decision->via;
		transition->reason = decision->reason;	/* lives until xact end */
		transition->owner_assigned = decision->owner_assigned;
		transition->turn = decision->turn;	/* lives until xact end */
		transition->arrived_by_move = decision->row_moving;
		if (previous == NULL)
			entry->newest = decision->next;
		else
			previous->next = decision->next;
		if (entry->newest == NULL)
			hash_search(pending, &key, HASH_REMOVE, NULL);
		pfree(decision->lead_id);
		pfree(decision);
		return true;
	}
	return false;
}
