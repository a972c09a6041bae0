/*
 * transition_log.c
 *		leadqual.log_transition(), the AFTER trigger that writes
 *		leadqual.transition, and the few reads of the log qualify() needs.
 *
 * Every query here, and the log row, is run or written as the owner of
 * leadqual.transition, through lq_run_as_owner() and lq_insert_as_owner()
 * (trust_boundary.c): ordinary roles may read the log but
 * not write it, and a rejection reason is checked even when the role can't
 * read leadqual.rejection_reason.  What crosses is plain: the lead's id as
 * text, the score as numeric, stage names.
 *
 * Plans are prepared once per backend and name every object and operator
 * with its schema, so the caller's search_path never changes what they mean.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "citus_shards.h"
#include "config.h"
#include "handoff.h"
#include "leadqual.h"
#include "managed_row.h"
#include "model_score.h"
#include "pending.h"
#include "rollup_refresh.h"
#include "score.h"
#include "transition_log.h"
#include "trust_boundary.h"

/* The log's row, with the owner it has since 0.3.0. */
static LqOwnInsert log_insert = {
	"transition", 9,
	{"lead_table", "lead_id", "from_stage", "to_stage", "score", "changed_by", "reason",
	"via", "owner"},
	2, {"id", "changed_at"}, NULL
};

/* The same as the 0.1.0 and 0.2.0 schemas have it, without the owner. */
static LqOwnInsert log_without_owner_insert = {
	"transition", 8,
	{"lead_table", "lead_id", "from_stage", "to_stage", "score", "changed_by", "reason",
	"via"},
	2, {"id", "changed_at"}, NULL
};

static LqKeptQuery reason_query = {
	"SELECT 1 FROM leadqual.rejection_reason WHERE code OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}, NULL, 0
};

static LqKeptQuery recycled_score_query = {
	"SELECT score FROM leadqual.transition "
	"WHERE lead_table OPERATOR(pg_catalog.=) $1 "
	"AND lead_id OPERATOR(pg_catalog.=) $2 "
	"AND to_stage OPERATOR(pg_catalog.=) 'recycled'::leadqual.lifecycle_stage "
	"ORDER BY id DESC LIMIT 1",
	2, {REGCLASSOID, TEXTOID}, NULL, 0
};

static bool rejection_reason_exists(const char *reason);

/*
 * Logs the change, as the owner, straight into the table; returns its id
 * and time (the column's default) in *id and *at.  Values are C strings for the stages and the via
 * (enum labels) and built-in types otherwise.
 */
static void
log_transition(const LqTransition *transition, const char *owner, int64 *id,
			   TimestampTz *at)
{
	Datum		values[9];
	bool		nulls[9];
	Datum		returned[2];
	NameData	changed_by;

	Assert(transition->from_stage != transition->to_stage);
	Assert(transition->lead_id != NULL);

	/* the role making the change, before lq_insert_as_owner() switches it */
	namestrcpy(&changed_by, GetUserNameFromId(GetUserId(), false));
	memset(nulls, false, sizeof(nulls));
	values[0] = ObjectIdGetDatum(transition->lead_table);
	values[1] = CStringGetTextDatum(transition->lead_id);
	values[2] = lq_own_label(transition->from_stage == LQ_STAGE_INVALID ? NULL
							 : lq_stage_name(transition->from_stage), &nulls[2]);
	values[3] = CStringGetDatum(lq_stage_name(transition->to_stage));
	values[4] = transition->score;
	nulls[4] = transition->score_isnull;
	values[5] = NameGetDatum(&changed_by);
	values[6] = lq_own_text(transition->reason, &nulls[6]);
	values[7] = CStringGetDatum(lq_via_name(transition->via));
	values[8] = lq_own_text(owner, &nulls[8]);

	lq_insert_as_owner(lq_handoff_installed() ? &log_insert : &log_without_owner_insert,
					   values, nulls, returned);
	*id = DatumGetInt64(returned[0]);
	*at = DatumGetTimestampTz(returned[1]);
	lq_rollups_changed();
}

/*
 * Errors unless the reason is a code in leadqual.rejection_reason.  "caller"
 * begins the message; "detail" (or NULL) says what the reason was for.
 */
void
lq_require_rejection_reason(const char *reason, const char *caller,
							const char *detail)
{
	if (!rejection_reason_exists(reason))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("%s: unknown rejection reason \"%s\"", caller, reason),
				 detail ? errdetail_internal("%s", detail) : 0,
				 errhint("Use a code listed in leadqual.rejection_reason, or add one with "
						 "INSERT INTO leadqual.rejection_reason (code, description).")));
}

static bool
rejection_reason_exists(const char *reason)
{
	Datum		value = CStringGetTextDatum(reason);
	bool		exists;

	lq_connect_spi();
	lq_run_as_owner(&reason_query, &value, NULL, 1);
	exists = SPI_processed > 0;
	SPI_finish();
	return exists;
}

/*
 * The score logged when the lead last entered recycled.  Returns false when
 * the log has no such entry, for example when the lead was recycled before
 * its table was managed.
 */
bool
lq_score_when_recycled(Oid lead_table, const char *lead_id,
					   Datum *score, bool *isnull)
{
	Datum		values[2] = {ObjectIdGetDatum(lead_table),
	CStringGetTextDatum(lead_id)};
	bool		found;

	lq_connect_spi();
	lq_run_as_owner(&recycled_score_query, values, NULL, 1);
	found = SPI_processed > 0;
	if (found)
	{
		*score = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
							   isnull);
		if (!*isnull)
			*score = SPI_datumTransfer(*score, false, -1);
	}
	SPI_finish();
	return found;
}

/*
 * The via and reason of a change qualify() filed no decision for: a plain
 * move, or one another BEFORE trigger, firing after leadqual_qualify, made.
 * The stage rules hold for it all the same.
 */
static void
undecided_change(LqTableConfig *config, LqTransition *transition,
				 bool is_insert)
{
	if (!lq_stage_is_funnel(transition->to_stage) || !lq_enforce_stage_rules)
		transition->reason = lq_given_reason(config);
	transition->via = lq_enforce_move(config, transition->lead_id, is_insert,
									  transition->from_stage,
									  transition->to_stage, transition->reason)
		? LQ_VIA_REPAIR : LQ_VIA_MANUAL;
}

/*
 * The stage change the row made, as "transition", with how it happened;
 * false when it made none (a row moved between partitions in its stage).
 */
static bool
stage_change(LqFiring *firing, LqTransition *transition, const char *lead_id)
{
	memset(transition, 0, sizeof(*transition));
	transition->lead_table = firing->config->log_relid;
	transition->lead_id = lead_id;
	transition->from_stage = firing->old_state.stage;
	transition->to_stage = firing->new_state.stage;
	transition->score_isnull = firing->new_state.score_isnull;
	if (!transition->score_isnull)
		transition->score = lq_score_to_numeric(firing->config->score_kind,
												firing->new_state.score);
	if (!lq_pending_take(RelationGetRelid(firing->rel), transition,
						 firing->is_insert ? LQ_MATCH_INSERT : LQ_MATCH_UPDATE))
	{
		if (lq_looks_like_promotion(firing, transition->from_stage,
									transition->to_stage))
			transition->via = LQ_VIA_PROMOTION;
		else
			undecided_change(firing->config, transition, firing->is_insert);
	}
	return transition->from_stage != transition->to_stage;
}

/*
 * leadqual.log_transition(): AFTER INSERT and AFTER UPDATE row trigger that
 * manage() attaches (for a fixed threshold, the UPDATE one only WHEN the
 * stage or the owner changed).  It logs the row's stage change, and how it
 * happened, then starts and stops SLA clocks and logs a change of owner;
 * for a table scored by a model it records the row's new score.
 */
static Datum
log_row(PG_FUNCTION_ARGS)
{
	LqFiring	firing;
	LqTableConfig *config;
	LqTransition transition;
	bool		stage_changed;
	bool		logged;
	bool		owner_changed;
	char	   *owner;
	char	   *old_owner;
	char	   *lead_id;

	lq_begin_firing(fcinfo, "leadqual.log_transition", false, &firing);
	config = firing.config;
	if (config->model != NULL)
		lq_record_model_score(&firing);

	owner = lq_row_owner(config, firing.tupdesc, firing.new_row);
	old_owner = lq_row_owner(config, firing.tupdesc, firing.old_row);
	owner_changed = firing.is_insert ? owner != NULL
		: (owner == NULL) != (old_owner == NULL) ||
		(owner != NULL && strcmp(owner, old_owner) != 0);
	stage_changed = firing.old_state.stage != firing.new_state.stage;
	if (!stage_changed && !owner_changed)
		return PointerGetDatum(NULL);

	lead_id = lq_row_lead_id(config, firing.tupdesc, firing.new_row);
	memset(&transition, 0, sizeof(transition));
	logged = stage_changed && stage_change(&firing, &transition, lead_id);
	if (logged)
	{
		int64		id;
		TimestampTz at;

		lq_connect_spi();
		log_transition(&transition, owner, &id, &at);
		if (lq_handoff_installed())
			lq_stage_changed(&transition, config, id, at, owner);
		SPI_finish();
	}
	/* a row moving between partitions keeps its owner */
	if (owner_changed && !transition.arrived_by_move && lq_handoff_installed())
	{
		lq_connect_spi();
		lq_owner_changed(config->log_relid, lead_id, owner, transition.owner_assigned,
						 transition.turn, logged);
		SPI_finish();
	}
	if (transition.turn != NULL)
		pfree(transition.turn);
	return PointerGetDatum(NULL);
}

/* See the comment above log_row(); on a shard, it writes beside it. */
PG_FUNCTION_INFO_V1(leadqual_log_transition);
Datum
leadqual_log_transition(PG_FUNCTION_ARGS)
{
	return lq_with_shard(fcinfo, log_row);
}
