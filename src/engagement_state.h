/*
 * engagement_state.h
 *		What each engagement rule keeps of a lead's events, stored in
 *		leadqual.engagement_state, so that scoring a lead after a new event
 *		folds that event in instead of reading all of the lead's events
 *		again (engagement_state.c).
 */
#ifndef LQ_ENGAGEMENT_STATE_H
#define LQ_ENGAGEMENT_STATE_H

#include "postgres.h"

#include "utils/numeric.h"
#include "utils/timestamp.h"

/* An event just inserted, as leadqual.event holds it. */
typedef struct LqNewEvent
{
	Oid			lead_table;
	char	   *lead_id;
	char	   *kind;
	TimestampTz occurred_at;
	Datum		properties;		/* jsonb */
	Datum		shard_key;		/* on a shard of leadqual.event (Citus): the
								 * lead's distribution value */
	bool		shard_key_isnull;
} LqNewEvent;

/* The events of one statement on their way to being scored. */
typedef struct LqNewEvents
{
	Oid			lead_table;
	int			nevents;
	LqNewEvent *events;			/* sorted by lead_id */
} LqNewEvents;

typedef struct LqEngagementRules LqEngagementRules;
struct LqTableConfig;
struct LqOwnWalk;

/* dynahash's hash and match for keys that are lead ids (char *). */
extern uint32 lq_id_hash(const void *key, Size keysize);
extern int	lq_id_compare(const void *a, const void *b, Size keysize);

/* Whether the database's schema keeps engagement state (0.5.0 on). */
extern bool lq_engagement_state_installed(void);

/*
 * The engagement rules of the table's model, read with SPI connected the
 * first time after its settings were built, and kept with them: a change
 * to the rules rebuilds the settings (the models_changed triggers).
 */
extern LqEngagementRules *lq_table_engagement_rules(struct LqTableConfig *config);

/*
 * The engagements as of as_of of leads (ids[], text; each given once) from
 * their kept states, after folding in their new events (of "fresh", which
 * may be NULL), and the states stored back: engagements[i] for ids[i], and
 * in dues[i] when it is next due for rescoring (DT_NOEND for never), for
 * the caller to store with its subtotals.  A state is rebuilt from the
 * lead's events when it has none, or one kept under other rules; when many
 * have none, one pass over the table's events rebuilds them all.
 * engagements[i] is NULL when as_of is before the lead's newest event kept:
 * then only the events can say.
 */
extern void lq_kept_engagements(LqEngagementRules *rules, Oid lead_table, int nids,
								const Datum *ids, TimestampTz as_of,
								const LqNewEvents *fresh, Numeric *engagements,
								TimestampTz *dues);

/*
 * Many leads' engagements as of as_of from their kept states, reading only,
 * in one walk along the states of the table's leads (see own_index.h): the
 * caller gives the leads (text) in the walk's order.  NULL when a lead has
 * no state kept under the rules, or as_of is before its newest event.  It
 * decodes the state in the current memory context, which a caller reading
 * many leads resets between them.
 */
extern void lq_state_walk_begin(struct LqOwnWalk *walk, Oid lead_table);
extern Numeric lq_walked_engagement(LqEngagementRules *rules, struct LqOwnWalk *walk,
									Datum lead_id, TimestampTz as_of);

/*
 * The engagements as of as_of of the leads (ids[], text) from all of their
 * events, for leads whose kept state can't say: engagements[i] for ids[i].
 */
extern void lq_engagements_from_events(Oid lead_table, TimestampTz as_of, int nids,
									   const Datum *ids, Numeric *engagements);

/*
 * Up to "limit" leads of a table whose subtotals are due for rescoring as of
 * as_of, in due order after (*after_due, *after_id), which move on to the
 * last one; their ids (text) in *ids.  Returns how many.
 */
extern int	lq_due_leads(Oid lead_table, TimestampTz as_of, TimestampTz *after_due,
						 char **after_id, int limit, Datum **ids);

/*
 * merge(): the survivor's state once the duplicate's events are its own,
 * from both leads' kept states, encoded (NULL when either has none kept
 * under the rules); and storing it once the events moved, over any state
 * stored.  The caller holds both leads' rows locked.
 */
extern bytea *lq_merged_kept_state(struct LqTableConfig *config, const char *keep,
								   const char *drop);
extern void lq_keep_state(Oid lead_table, const char *lead_id, bytea *state);

/*
 * Drops the kept state of the leads (text[]) of a table, whose events
 * changed; of every lead when lead_table is InvalidOid.
 */
extern void lq_forget_engagement(Oid lead_table, Datum lead_ids);

/*
 * Of leads (text[]) whose rows are gone: drops their kept state, and makes
 * them never due, or they would stay due for ever.
 */
extern void lq_forget_deleted_leads(Oid lead_table, Datum lead_ids);
/*
 * The new events the statement trigger on leadqual.event is scoring, for
 * leadqual._store_scores() to fold in: handed over once, so that nothing
 * else can fold them twice.
 */
extern const LqNewEvents *lq_take_new_events(Oid lead_table);

/* new_events.c: the events being scored now, or NULL once scored. */
extern void lq_hand_over_new_events(const LqNewEvents *events);

/*
 * A model's engagement rules, read with SPI connected, into cxt (for a
 * model other than the table's, which lq_table_engagement_rules() keeps):
 * how many, each one's name and points, and the event kinds they count
 * (text[]; with_properties: only those of rules that read properties).
 */
extern LqEngagementRules *lq_model_engagement_rules(const char *model, int scale,
													MemoryContext cxt);
extern int	lq_engagement_rule_count(const LqEngagementRules *rules);
extern const char *lq_engagement_rule_name(const LqEngagementRules *rules, int i);
extern Numeric lq_engagement_rule_points(const LqEngagementRules *rules, int i);
extern Datum lq_engagement_rule_kinds(const LqEngagementRules *rules, bool with_properties);

/*
 * A lead's events replayed in time order, in the current memory context:
 * fold each event, oldest first; the engagement as of a time at or after
 * the newest folded, in units of 10^-scale (the model's: each rule's
 * points are rounded to it, so they add exactly), raising largest[i] (one
 * per rule; -1 for none yet) to rule i's weight then when it counts,
 * capped as its points are; and the first time after
 * as_of at which a rule of negative
 * points could give back some (decay, or an event leaving its window):
 * between events only those can raise the engagement.  LQ_NEVER: none.
 */
typedef struct LqReplay LqReplay;
extern LqReplay *lq_replay_begin(const LqEngagementRules *rules);
extern void lq_replay_fold(LqReplay *replay, const char *kind, TimestampTz occurred_at,
						   Datum properties);
extern int64 lq_replay_engagement(LqReplay *replay, TimestampTz as_of, double *largest);
extern TimestampTz lq_replay_next_rise(LqReplay *replay, TimestampTz as_of);

#endif							/* LQ_ENGAGEMENT_STATE_H */
