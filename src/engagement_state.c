/*
 * engagement_state.c
 *		A lead's engagement from what each engagement rule keeps of its
 *		events (src/core/engagement.c), stored per lead in
 *		leadqual.engagement_state: scoring a lead after new events folds
 *		them in, in time that does not grow with the lead's history.
 *
 * What is kept is derived from leadqual.event and the table's engagement
 * rules, and is trusted only while it matches both:
 *
 *	- each state carries a fingerprint of the rules it was kept under (all
 *	  that decides what a rule keeps: name, kind, match, min_count,
 *	  group_by, half_life, within); a state of other rules is rebuilt;
 *	- events reach a state only through the statement trigger on
 *	  leadqual.event, which hands them to leadqual._store_scores() once
 *	  (lq_take_new_events()), so no call can fold an event twice;
 *	- deleting or updating events, and recording events of a table not
 *	  scored, drop the leads' states (new_events.c); a lead with no state
 *	  is rebuilt from all of its events, then kept.
 *
 * A state answers for any as_of at or after the newest event it holds;
 * for an earlier as_of (rescore(as_of => ...) in the past, an event dated
 * in the future) the caller reads the events instead.
 *
 * Every state is read and written under the lead's row lock, which the
 * callers take first (leadqual._score_leads() locks the leads in id
 * order), so two transactions never fold into one state at once.
 *
 * The arithmetic is that of the SQL function leadqual._engagement_points()
 * (docs/scoring.md, Rounding and determinism), with one difference of
 * representation: a rule's decayed weights are summed in double precision
 * rather than as numeric, which can change a rule's points only when they
 * fall within about 1e-15 of a rounding boundary.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "config.h"
#include "decay.h"
#include "engagement.h"
#include "engagement_state.h"
#include "own_index.h"
#include "score.h"
#include "trust_boundary.h"

/* "LQE1": the layout below; a state of another layout is rebuilt. */
#define KEPT_MAGIC 0x4C514531

/* An engagement rule of the model, ready to fold events into. */
typedef struct KeptRuleDef
{
	char	   *name;
	char	   *kind;
	Datum		match;			/* jsonb; (Datum) 0 when it matches anything */
	char	   *group_by;		/* NULL: one group */
	Numeric		points;
	Numeric		cap;			/* NULL: none */
	LqRuleShape shape;
	LqRulePoints rounding;		/* the same points, for due times */
} KeptRuleDef;

struct LqEngagementRules
{
	int			nrules;
	KeptRuleDef *rules;
	int			scale;
	uint64		fingerprint;
	Datum		kinds;			/* text[] of the rules' event kinds */
	Datum		property_kinds; /* ... of those of rules that read properties */
};

/* What a min_count rule with group_by keeps of one group. */
typedef struct KeptGroup
{
	char	   *value;
	LqRuleState state;
} KeptGroup;

/*
 * What one rule keeps of the lead.  A rule with group_by keeps its groups,
 * and in "state" only the newest run any of them completed.
 */
typedef struct KeptRule
{
	LqRuleState state;
	int			ngroups;
	int			groups_room;
	KeptGroup  *groups;
} KeptRule;

typedef struct KeptLead
{
	int64		newest;			/* newest event folded; LQ_NO_TIME if none */
	KeptRule   *rules;
} KeptLead;

static LqKeptQuery rules_query = {
	"SELECT r.name, r.event_kind, NULLIF(r.match, '{}'::jsonb), r.points, r.min_count, r.group_by, "
	"       r.half_life, r.within, r.cap "
	"FROM leadqual.engagement_rule AS r "
	"WHERE r.model OPERATOR(pg_catalog.=) $1 "
	"ORDER BY r.name",
	1, {TEXTOID}, NULL, 0
};

/* All of a lead's events that a rule may count, to rebuild its state. */
static LqKeptQuery lead_events_query = {
	"SELECT e.kind, e.occurred_at, e.properties "
	"FROM leadqual.event AS e "
	"WHERE e.lead_table OPERATOR(pg_catalog.=) $1 "
	"  AND e.lead_id OPERATOR(pg_catalog.=) $2 "
	"  AND e.kind OPERATOR(pg_catalog.=) ANY ($3) "
	"ORDER BY e.kind, e.occurred_at",
	3, {REGCLASSOID, TEXTOID, TEXTARRAYOID}, NULL, CURSOR_OPT_GENERIC_PLAN
};

/*
 * Every event of a table that a rule may count, a lead's together: to
 * rebuild the states of many leads in one pass over the events.  Sorted
 * in the "C" collation, which only has to bring a lead's events together:
 * a byte-wise sort of the events read in the table's order, rather than
 * the index's order, which would fetch them from the table at random.
 * Only the kinds of rules that match on properties, or group by one, bring
 * their properties ($3) into the sort: the rest sort narrow.
 */
static LqKeptQuery table_events_query = {
	"SELECT e.lead_id, e.kind, e.occurred_at, "
	"       CASE WHEN e.kind OPERATOR(pg_catalog.=) ANY ($3) THEN e.properties END "
	"FROM leadqual.event AS e "
	"WHERE e.lead_table OPERATOR(pg_catalog.=) $1 "
	"  AND e.kind OPERATOR(pg_catalog.=) ANY ($2) "
	"ORDER BY e.lead_id COLLATE pg_catalog.\"C\"",
	3, {REGCLASSOID, TEXTARRAYOID, TEXTARRAYOID}, NULL, CURSOR_OPT_NO_SCROLL
};

/* The engagement from all of their events of leads whose kept state can't say. */
static LqKeptQuery events_engagement_query = {
	"SELECT p.lead_id, pg_catalog.sum(p.points) "
	"FROM leadqual._engagement_points($1, $2) AS p "
	"WHERE p.lead_id OPERATOR(pg_catalog.=) ANY ($3) "
	"GROUP BY p.lead_id",
	3, {REGCLASSOID, TIMESTAMPTZOID, TEXTARRAYOID}, NULL, CURSOR_OPT_CUSTOM_PLAN
};

static LqKeptQuery forget_query = {
	"DELETE FROM leadqual.engagement_state AS s "
	"WHERE s.lead_table OPERATOR(pg_catalog.=) $1 "
	"  AND s.lead_id OPERATOR(pg_catalog.=) ANY ($2)",
	2, {REGCLASSOID, TEXTARRAYOID}, NULL, 0
};

static LqKeptQuery forget_all_query = {
	"DELETE FROM leadqual.engagement_state", 0, {InvalidOid}, NULL, 0
};

/* Deleted leads: never due again. */
static LqKeptQuery never_due_query = {
	"UPDATE leadqual.lead_score AS s SET due_at = NULL "
	"WHERE s.lead_table OPERATOR(pg_catalog.=) $1 "
	"  AND s.lead_id OPERATOR(pg_catalog.=) ANY ($2)",
	2, {REGCLASSOID, TEXTARRAYOID}, NULL, 0
};

static LqOwnIndex kept_state = {
	"engagement_state", "engagement_state_pkey", 1, {"state"}, LQ_OWN_INDEX_UNRESOLVED
};
static LqOwnInsert kept_insert = {
	"engagement_state", 3, {"lead_table", "lead_id", "state"}, 0, {NULL}, NULL
};
static LqOwnUpdate kept_update = {
	"engagement_state", 1, {"state"}, 0, {NULL}, NULL
};

/*
 * The leads of a table due for rescoring as of a time, in due order, after
 * a given one.  The due time is kept with the lead's subtotals, which every
 * scoring writes anyway, rather than with its state, which then changes
 * only with the lead's events.
 */
static LqKeptQuery due_query = {
	"SELECT s.lead_id, s.due_at FROM leadqual.lead_score AS s "
	"WHERE s.lead_table OPERATOR(pg_catalog.=) $1 "
	"  AND s.due_at OPERATOR(pg_catalog.<=) $2 "
	"  AND (s.due_at, s.lead_id) OPERATOR(pg_catalog.>) ($3, $4) "
	"ORDER BY s.due_at, s.lead_id LIMIT $5",
	5, {REGCLASSOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID, INT4OID}, NULL, CURSOR_OPT_GENERIC_PLAN
};

/* The statement trigger's events, until _store_scores() takes them. */
static const LqNewEvents *events_being_scored = NULL;

bool
lq_engagement_state_installed(void)
{
	Oid			schema = get_namespace_oid("leadqual", false);

	return OidIsValid(get_relname_relid("engagement_state", schema));
}

/* Seconds in an interval, as decay.h counts them; 0 for NULL. */
static double
interval_or_zero_seconds(Datum value, bool isnull)
{
	Interval   *span;

	if (isnull)
		return 0;
	span = DatumGetIntervalP(value);
	return lq_span_seconds(span->month, span->day, span->time);
}

/* A window's microseconds; 0 for none, and for one too long to matter. */
static int64
window_microseconds(Datum value, bool isnull)
{
	Interval   *span;
	int64		result;

	if (isnull)
		return 0;
	span = DatumGetIntervalP(value);
	if (!lq_span_microseconds(span->month, span->day, span->time, &result))
		return 0;
	return result;
}

static uint64
hash_string(const char *value, uint64 seed)
{
	if (value == NULL)
		return hash_bytes_uint32_extended(0x6e756c6c, seed);	/* "null" */
	return hash_bytes_extended((const unsigned char *) value, (int) strlen(value) + 1, seed);
}

/* Everything of a rule that decides what it keeps, hashed onto seed. */
static uint64
fingerprint_rule(const KeptRuleDef *rule, uint64 seed)
{
	uint64		h = hash_string(rule->name, seed);

	h = hash_string(rule->kind, h);
	if (rule->match != (Datum) 0)
	{
		Jsonb	   *match = DatumGetJsonbP(rule->match);

		h = hash_bytes_extended((const unsigned char *) VARDATA_ANY(match),
								(int) VARSIZE_ANY_EXHDR(match), h);
	}
	h = hash_string(rule->group_by, h);
	h = hash_bytes_extended((const unsigned char *) &rule->shape, sizeof(rule->shape), h);
	return h;
}

/* The engagement rules of a model, read with SPI connected, into cxt. */
static LqEngagementRules *
load_rules(const char *model, int scale, MemoryContext cxt)
{
	Datum		name = CStringGetTextDatum(model);
	LqEngagementRules *result;
	ArrayBuildState *kinds;
	ArrayBuildState *property_kinds;
	MemoryContext caller_cxt;

	lq_run_kept(&rules_query, &name, NULL, 0);
	caller_cxt = MemoryContextSwitchTo(cxt);
	result = palloc0(sizeof(LqEngagementRules));
	result->nrules = (int) SPI_processed;
	result->scale = scale;
	result->rules = palloc0(sizeof(KeptRuleDef) * Max(result->nrules, 1));
	result->fingerprint = KEPT_MAGIC;
	kinds = initArrayResult(TEXTOID, cxt, false);
	property_kinds = initArrayResult(TEXTOID, cxt, false);
	for (int row = 0; row < result->nrules; row++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[row];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		KeptRuleDef *rule = &result->rules[row];
		bool		isnull;
		Datum		value;

		memset(&rule->shape, 0, sizeof(rule->shape));	/* hashed whole */
		rule->name = TextDatumGetCString(SPI_getbinval(tuple, desc, 1, &isnull));
		rule->kind = TextDatumGetCString(SPI_getbinval(tuple, desc, 2, &isnull));
		value = SPI_getbinval(tuple, desc, 3, &isnull);
		rule->match = isnull ? (Datum) 0 : PointerGetDatum(PG_DETOAST_DATUM_COPY(value));
		rule->points = DatumGetNumericCopy(SPI_getbinval(tuple, desc, 4, &isnull));
		value = SPI_getbinval(tuple, desc, 5, &isnull);
		rule->shape.min_count = isnull ? 0 : DatumGetInt32(value);
		value = SPI_getbinval(tuple, desc, 6, &isnull);
		rule->group_by = isnull ? NULL : TextDatumGetCString(value);
		value = SPI_getbinval(tuple, desc, 7, &isnull);
		rule->shape.half_life = interval_or_zero_seconds(value, isnull);
		value = SPI_getbinval(tuple, desc, 8, &isnull);
		rule->shape.window = window_microseconds(value, isnull);
		value = SPI_getbinval(tuple, desc, 9, &isnull);
		rule->cap = isnull ? NULL : DatumGetNumericCopy(value);
		rule->rounding.points = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
																   NumericGetDatum(rule->points)));
		rule->rounding.cap = rule->cap == NULL ? 0 :
			DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(rule->cap)));
		rule->rounding.unit = pow(10.0, -scale);
		result->fingerprint = fingerprint_rule(rule, result->fingerprint);
		kinds = accumArrayResult(kinds, CStringGetTextDatum(rule->kind), false, TEXTOID, cxt);
		if (rule->match != (Datum) 0 || rule->group_by != NULL)
			property_kinds = accumArrayResult(property_kinds, CStringGetTextDatum(rule->kind), false,
											  TEXTOID, cxt);
	}
	result->kinds = makeArrayResult(kinds, cxt);
	result->property_kinds = makeArrayResult(property_kinds, cxt);
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(caller_cxt);
	return result;
}

LqEngagementRules *
lq_table_engagement_rules(LqTableConfig *config)
{
	Assert(config->model != NULL);
	if (config->engagement_rules == NULL)
		config->engagement_rules = load_rules(config->model->name, config->model->scale,
											  config->model_cxt);
	return config->engagement_rules;
}

/* A state whose times[] has room for what the shape keeps, or some. */
static void
state_init(const LqRuleShape *shape, LqRuleState *state, int32 ntimes)
{
	int32		bound = lq_rule_state_bound(shape);
	int32		capacity = Max(bound < 0 ? 8 : bound, ntimes);

	lq_rule_state_init(state, capacity > 0 ? palloc(sizeof(int64) * capacity) : NULL,
					   capacity);
}

/* Gives the state's times[] room for "capacity" times, keeping those it has. */
static void
give_room(LqRuleState *state, int32 capacity)
{
	int64	   *times = palloc(sizeof(int64) * capacity);

	if (state->ntimes > 0)
		memcpy(times, state->times, sizeof(int64) * state->ntimes);
	state->times = times;
	state->capacity = capacity;
}

/* Folds t into the state, giving times[] more room when it needs it. */
static void
fold(const LqRuleShape *shape, LqRuleState *state, int64 t)
{
	while (!lq_rule_fold(shape, state, t))
		give_room(state, Max(8, state->capacity * 2));
}

static KeptLead *
lead_new(const LqEngagementRules *rules)
{
	KeptLead   *lead = palloc0(sizeof(KeptLead));

	lead->newest = LQ_NO_TIME;
	lead->rules = palloc0(sizeof(KeptRule) * Max(rules->nrules, 1));
	for (int i = 0; i < rules->nrules; i++)
		state_init(&rules->rules[i].shape, &lead->rules[i].state, 0);
	return lead;
}

/* The state of a group of a rule with group_by, made on first use. */
static LqRuleState *
group_state(KeptRule *rule, const LqRuleShape *shape, const char *value, int32 ntimes)
{
	KeptGroup  *group;

	for (int i = 0; i < rule->ngroups; i++)
		if (strcmp(rule->groups[i].value, value) == 0)
			return &rule->groups[i].state;
	if (rule->ngroups == rule->groups_room)
	{
		rule->groups_room = Max(4, rule->groups_room * 2);
		rule->groups = rule->groups == NULL ?
			palloc(sizeof(KeptGroup) * rule->groups_room) :
			repalloc(rule->groups, sizeof(KeptGroup) * rule->groups_room);
	}
	group = &rule->groups[rule->ngroups++];
	group->value = pstrdup(value);
	state_init(shape, &group->state, ntimes);
	return &group->state;
}

/*
 * Does the event count for the rule (its match, and a value of its
 * group_by)?  *group: that value.
 */
static bool
event_counts(const KeptRuleDef *rule, Datum properties, char **group)
{
	*group = NULL;
	if (rule->match != (Datum) 0 &&
		!DatumGetBool(DirectFunctionCall2(jsonb_contains, properties, rule->match)))
		return false;
	if (rule->group_by != NULL)
	{
		LOCAL_FCINFO(fcinfo, 2);
		Datum		value;

		/* ->> gives NULL for a missing key: the event belongs to no group */
		InitFunctionCallInfoData(*fcinfo, NULL, 2, InvalidOid, NULL, NULL);
		fcinfo->args[0].value = properties;
		fcinfo->args[0].isnull = false;
		fcinfo->args[1].value = CStringGetTextDatum(rule->group_by);
		fcinfo->args[1].isnull = false;
		value = jsonb_object_field_text(fcinfo);
		if (fcinfo->isnull)
			return false;
		*group = TextDatumGetCString(value);
	}
	return true;
}

/* Folds one event of the lead into the rules it counts for. */
static void
lead_fold(const LqEngagementRules *rules, KeptLead *lead, const char *kind,
		  int64 occurred_at, Datum properties)
{
	Assert(occurred_at != LQ_NO_TIME);	/* event_occurred_at_finite */
	for (int i = 0; i < rules->nrules; i++)
	{
		const KeptRuleDef *def = &rules->rules[i];
		KeptRule   *rule = &lead->rules[i];
		char	   *group;

		if (strcmp(def->kind, kind) != 0 || !event_counts(def, properties, &group))
			continue;
		if (group == NULL)
			fold(&def->shape, &rule->state, occurred_at);
		else
		{
			LqRuleState *state = group_state(rule, &def->shape, group, 0);

			fold(&def->shape, state, occurred_at);
			/* the rule keeps the newest run any group completed */
			if (state->completed > rule->state.completed)
				rule->state.completed = state->completed;
		}
		if (occurred_at > lead->newest)
			lead->newest = occurred_at;
	}
}

/* The start of a window as of as_of; LQ_NO_TIME when it reaches past every time. */
static int64
window_start(int64 as_of, int64 window)
{
	int64		start;

	if (pg_sub_s64_overflow(as_of, window, &start))
		return LQ_NO_TIME;
	return start;
}

/*
 * The weight of a rule as of as_of, in *weight; false when no event counts
 * (then _engagement_points() gives the rule no row).
 */
static bool
rule_weight_double(const KeptRuleDef *def, const KeptRule *rule, int64 as_of, double *weight)
{
	const LqRuleShape *shape = &def->shape;
	const LqRuleState *state = &rule->state;

	if (shape->min_count > 0)
	{
		if (state->completed == LQ_NO_TIME ||
			(shape->window > 0 && state->completed <= window_start(as_of, shape->window)))
			return false;
		*weight = lq_rule_completed_weight(shape, state->completed, as_of);
		return true;
	}
	if (state->count == 0)
		return false;
	if (shape->window > 0)
	{
		/* times[] is newest first: is the newest one still in the window? */
		if (state->ntimes == 0 || state->times[0] <= window_start(as_of, shape->window))
			return false;
	}
	*weight = lq_rule_weight(shape, state, as_of);
	return true;
}

/*
 * The same weight as a numeric: counts are exact; other weights convert as
 * a double precision weight::numeric does.
 */
static Numeric
weight_numeric(const KeptRuleDef *def, const KeptRule *rule, double weight)
{
	if (def->shape.min_count == 0 && def->shape.half_life == 0 && def->shape.window == 0)
		return int64_to_numeric(rule->state.count);
	return DatumGetNumeric(DirectFunctionCall1(float8_numeric, Float8GetDatum(weight)));
}

/* The weight of a rule as of as_of as a numeric, or NULL when no event counts. */
static Numeric
rule_weight(const KeptRuleDef *def, const KeptRule *rule, int64 as_of)
{
	double		weight;

	if (!rule_weight_double(def, rule, as_of, &weight))
		return NULL;
	return weight_numeric(def, rule, weight);
}

/* points x weight, capped, rounded to the model's scale */
static Numeric
rule_points(const KeptRuleDef *def, Numeric weight, int scale)
{
	Numeric		raw = DatumGetNumeric(DirectFunctionCall2(numeric_mul, NumericGetDatum(def->points),
														  NumericGetDatum(weight)));

	if (def->cap != NULL)
	{
		Numeric		size = DatumGetNumeric(DirectFunctionCall1(numeric_abs, NumericGetDatum(raw)));

		if (lq_numeric_cmp(size, def->cap) > 0)
			raw = DatumGetNumeric(DirectFunctionCall2(numeric_mul,
													  DirectFunctionCall1(numeric_sign, NumericGetDatum(raw)),
													  NumericGetDatum(def->cap)));
	}
	return DatumGetNumeric(DirectFunctionCall2(numeric_round, NumericGetDatum(raw),
											   Int32GetDatum(scale)));
}

/* The sum of the rules' points as of as_of; 0 when no rule has any. */
static Numeric
lead_engagement(const LqEngagementRules *rules, const KeptLead *lead, int64 as_of)
{
	Numeric		total = NULL;

	for (int i = 0; i < rules->nrules; i++)
	{
		Numeric		weight = rule_weight(&rules->rules[i], &lead->rules[i], as_of);
		Numeric		points;

		if (weight == NULL)
			continue;
		points = rule_points(&rules->rules[i], weight, rules->scale);
		total = total == NULL ? points :
			DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(total),
												NumericGetDatum(points)));
	}
	return total != NULL ? total : int64_to_numeric(0);
}

/*
 * Replaying a lead's events in time order (calibration.c): the engagement
 * after each, with the rules that count.  A rule's points are computed
 * again only when its weight changed: counted rules without decay keep
 * theirs between events of their own.
 */
struct LqReplay
{
	const LqEngagementRules *rules;
	KeptLead   *lead;
	bool	   *known;			/* per rule: weights[] and points[] hold */
	double	   *weights;
	int64	   *points;			/* in units of 10^-scale */
};

LqReplay *
lq_replay_begin(const LqEngagementRules *rules)
{
	LqReplay   *replay = palloc(sizeof(LqReplay));
	int			n = Max(rules->nrules, 1);

	replay->rules = rules;
	replay->lead = lead_new(rules);
	replay->known = palloc0(sizeof(bool) * n);
	replay->weights = palloc(sizeof(double) * n);
	replay->points = palloc(sizeof(int64) * n);
	return replay;
}

void
lq_replay_fold(LqReplay *replay, const char *kind, TimestampTz occurred_at, Datum properties)
{
	Assert(occurred_at >= replay->lead->newest || replay->lead->newest == LQ_NO_TIME);
	lead_fold(replay->rules, replay->lead, kind, occurred_at, properties);
}

/* Errors: a score too large for units of 10^-scale in an int64. */
static void
replay_out_of_range(const LqEngagementRules *rules)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("leadqual: an engagement passes %.3g points, too large to replay at scale %d",
					(double) PG_INT64_MAX / pow(10.0, rules->scale), rules->scale),
			 errhint("Cap the engagement rules (engagement_rule.cap) or lower the model's scale.")));
}

int64
lq_replay_engagement(LqReplay *replay, TimestampTz as_of, double *largest)
{
	const LqEngagementRules *rules = replay->rules;
	int64		total = 0;

	Assert(replay->lead->newest == LQ_NO_TIME || as_of >= replay->lead->newest);
	for (int i = 0; i < rules->nrules; i++)
	{
		const KeptRuleDef *def = &rules->rules[i];
		double		weight;
		double		counted;

		if (!rule_weight_double(def, &replay->lead->rules[i], as_of, &weight))
			continue;
		/* the weight that counts: as much as the cap lets count */
		counted = weight;
		if (def->rounding.cap > 0 && def->rounding.points != 0 &&
			counted > def->rounding.cap / fabs(def->rounding.points))
			counted = def->rounding.cap / fabs(def->rounding.points);
		if (counted > largest[i])
			largest[i] = counted;
		if (!replay->known[i] || replay->weights[i] != weight)
		{
			Numeric		points = rule_points(def, weight_numeric(def, &replay->lead->rules[i], weight),
											 rules->scale);

			/* rounded to the scale: a whole number of units */
			if (!lq_numeric_scaled(points, rules->scale, LQ_ROUND_HALF_AWAY, &replay->points[i]))
				replay_out_of_range(rules);
			replay->weights[i] = weight;
			replay->known[i] = true;
		}
		if (pg_add_s64_overflow(total, replay->points[i], &total))
			replay_out_of_range(rules);
	}
	return total;
}

/* A rule's rounded points as of as_of; 0 when no event counts. */
static Numeric
rule_points_at(const LqEngagementRules *rules, const KeptLead *lead, int i, int64 as_of)
{
	double		weight;

	if (!rule_weight_double(&rules->rules[i], &lead->rules[i], as_of, &weight))
		return int64_to_numeric(0);
	return rule_points(&rules->rules[i], weight_numeric(&rules->rules[i], &lead->rules[i], weight),
					   rules->scale);
}

/*
 * The first microsecond after as_of at which rule i's points differ from
 * theirs as of as_of, given that lq_rule_next_change() says they may
 * change at "early" (up to a millisecond before they do): found by halving,
 * as the points of a rule of negative points only rise between events.
 * Past the millisecond with no change, that time: nothing changed there.
 */
static int64
exact_rise(const LqEngagementRules *rules, const KeptLead *lead, int i, int64 as_of, int64 early)
{
	Numeric		before = rule_points_at(rules, lead, i, as_of);
	int64		low = as_of;	/* the points are still "before" here */
	int64		high;

	if (pg_add_s64_overflow(early, 2 * LQ_CHANGE_EARLY_US, &high))
		high = early;
	if (lq_numeric_cmp(rule_points_at(rules, lead, i, high), before) == 0)
		return high;
	while (high - low > 1)
	{
		int64		middle = low + (high - low) / 2;

		if (lq_numeric_cmp(rule_points_at(rules, lead, i, middle), before) == 0)
			low = middle;
		else
			high = middle;
	}
	return high;
}

TimestampTz
lq_replay_next_rise(LqReplay *replay, TimestampTz as_of)
{
	const LqEngagementRules *rules = replay->rules;
	int64		next = LQ_NEVER;

	for (int i = 0; i < rules->nrules; i++)
	{
		const KeptRuleDef *def = &rules->rules[i];
		int64		change;

		/* a rule of positive points only loses them between events */
		if (def->rounding.points >= 0 || (def->shape.half_life == 0 && def->shape.window == 0))
			continue;
		change = lq_rule_next_change(&def->shape, &replay->lead->rules[i].state, &def->rounding, as_of);
		if (change == LQ_NEVER || change >= next)
			continue;
		change = exact_rise(rules, replay->lead, i, as_of, change);
		if (change < next)
			next = change;
	}
	return next;
}

LqEngagementRules *
lq_model_engagement_rules(const char *model, int scale, MemoryContext cxt)
{
	return load_rules(model, scale, cxt);
}

int
lq_engagement_rule_count(const LqEngagementRules *rules)
{
	return rules->nrules;
}

const char *
lq_engagement_rule_name(const LqEngagementRules *rules, int i)
{
	Assert(i >= 0 && i < rules->nrules);
	return rules->rules[i].name;
}

Numeric
lq_engagement_rule_points(const LqEngagementRules *rules, int i)
{
	Assert(i >= 0 && i < rules->nrules);
	return rules->rules[i].points;
}

Datum
lq_engagement_rule_kinds(const LqEngagementRules *rules, bool with_properties)
{
	return with_properties ? rules->property_kinds : rules->kinds;
}

/*
 * When the lead's engagement could next change with no new event: the
 * earliest of its rules' next changes, or its newest event, when that is
 * after as_of (it counts from then).  LQ_NEVER when nothing changes.
 */
StaticAssertDecl(LQ_NEVER == DT_NOEND, "a due time of never is stored as NULL, DT_NOEND in C");

static int64
lead_due(const LqEngagementRules *rules, const KeptLead *lead, int64 as_of)
{
	int64		due = LQ_NEVER;

	if (lead->newest != LQ_NO_TIME && as_of < lead->newest)
		return lead->newest;
	for (int i = 0; i < rules->nrules; i++)
	{
		int64		next = lq_rule_next_change(&rules->rules[i].shape, &lead->rules[i].state,
											   &rules->rules[i].rounding, as_of);

		if (next < due)
			due = next;
	}
	return due;
}

/*
 * Encoding: native byte order, as the state never leaves the server (it is
 * not dumped).  The header (magic, fingerprint, newest, number of rules),
 * then per rule its state and its groups, each with its value.
 */
static void
put(StringInfo out, const void *data, size_t size)
{
	if (size > 0)				/* times[] may be NULL when empty */
		appendBinaryStringInfo(out, (const char *) data, (int) size);
}

static void
put_state(StringInfo out, const LqRuleState *state, int32 ntimes)
{
	put(out, &state->newest, sizeof(int64));
	put(out, &state->count, sizeof(int64));
	put(out, &state->decayed, sizeof(double));
	put(out, &state->completed, sizeof(int64));
	put(out, &ntimes, sizeof(int32));
	put(out, state->times, sizeof(int64) * ntimes);
}

/*
 * How many of a group's times can still matter: those newer than the
 * newest run any group of the rule completed.  A run made with an older one
 * could never be the rule's newest, so the older ones, and groups left with
 * none, are dropped: a rule keeps only groups still able to complete a
 * newer run (the sessions still open, for a rule per session).
 */
static int32
group_times_that_matter(const LqRuleState *group, int64 completed)
{
	int32		n = 0;

	while (n < group->ntimes && group->times[n] > completed)
		n++;
	return n;
}

static bytea *
lead_encode(const LqEngagementRules *rules, const KeptLead *lead)
{
	StringInfoData out;
	uint32		magic = KEPT_MAGIC;
	int32		nrules = rules->nrules;

	initStringInfo(&out);
	appendStringInfoSpaces(&out, VARHDRSZ);
	put(&out, &magic, sizeof(magic));
	put(&out, &rules->fingerprint, sizeof(uint64));
	put(&out, &lead->newest, sizeof(int64));
	put(&out, &nrules, sizeof(int32));
	for (int i = 0; i < rules->nrules; i++)
	{
		const KeptRule *rule = &lead->rules[i];
		int32		ngroups = 0;

		put_state(&out, &rule->state, rule->state.ntimes);
		for (int g = 0; g < rule->ngroups; g++)
			ngroups += group_times_that_matter(&rule->groups[g].state, rule->state.completed) > 0;
		put(&out, &ngroups, sizeof(int32));
		for (int g = 0; g < rule->ngroups; g++)
		{
			const KeptGroup *group = &rule->groups[g];
			int32		ntimes = group_times_that_matter(&group->state, rule->state.completed);
			int32		length = (int32) strlen(group->value);
			LqRuleState kept = group->state;

			if (ntimes == 0)
				continue;
			/* fewer than min_count times: the group has no run of its own */
			if (ntimes < group->state.ntimes)
				kept.completed = LQ_NO_TIME;
			put(&out, &length, sizeof(int32));
			put(&out, group->value, length);
			put_state(&out, &kept, ntimes);
		}
	}
	SET_VARSIZE(out.data, out.len);
	return (bytea *) out.data;
}

/* Reading an encoded state: false once anything is out of bounds. */
typedef struct StateReader
{
	const char *next;
	const char *end;
	bool		ok;
} StateReader;

static void
take(StateReader *in, void *into, size_t size)
{
	if (size == 0)				/* times[] may be NULL when empty */
		return;
	if (!in->ok || (size_t) (in->end - in->next) < size)
	{
		in->ok = false;
		memset(into, 0, size);
		return;
	}
	memcpy(into, in->next, size);
	in->next += size;
}

static bool
take_state(StateReader *in, const LqRuleShape *shape, LqRuleState *state,
		   int32 (*room) (const LqRuleShape *, int32))
{
	int32		ntimes;

	take(in, &state->newest, sizeof(int64));
	take(in, &state->count, sizeof(int64));
	take(in, &state->decayed, sizeof(double));
	take(in, &state->completed, sizeof(int64));
	take(in, &ntimes, sizeof(int32));
	if (!in->ok || ntimes < 0 || ntimes > room(shape, ntimes) ||
		(size_t) (in->end - in->next) / sizeof(int64) < (size_t) ntimes)
		return in->ok = false;
	if (ntimes > state->capacity)
	{
		state->times = palloc(sizeof(int64) * ntimes);
		state->capacity = ntimes;
	}
	take(in, state->times, sizeof(int64) * ntimes);
	state->ntimes = ntimes;
	return in->ok;
}

/* The most times a state of the shape may hold: its bound, if it has one. */
static int32
times_room(const LqRuleShape *shape, int32 ntimes)
{
	int32		bound = lq_rule_state_bound(shape);

	return bound < 0 ? ntimes : bound;
}

/* The lead's state, or NULL when it was kept under other rules (or is damaged). */
static KeptLead *
lead_decode(const LqEngagementRules *rules, bytea *encoded)
{
	StateReader in = {VARDATA_ANY(encoded), VARDATA_ANY(encoded) + VARSIZE_ANY_EXHDR(encoded), true};
	KeptLead   *lead = lead_new(rules);
	uint32		magic;
	uint64		fingerprint;
	int32		nrules;

	take(&in, &magic, sizeof(magic));
	take(&in, &fingerprint, sizeof(fingerprint));
	take(&in, &lead->newest, sizeof(int64));
	take(&in, &nrules, sizeof(int32));
	if (!in.ok || magic != KEPT_MAGIC || fingerprint != rules->fingerprint ||
		nrules != rules->nrules)
		return NULL;
	for (int i = 0; i < rules->nrules; i++)
	{
		const LqRuleShape *shape = &rules->rules[i].shape;
		KeptRule   *rule = &lead->rules[i];
		int32		ngroups;

		if (!take_state(&in, shape, &rule->state, times_room))
			return NULL;
		take(&in, &ngroups, sizeof(int32));
		if (!in.ok || ngroups < 0 || (ngroups > 0 && rules->rules[i].group_by == NULL))
			return NULL;
		for (int g = 0; g < ngroups; g++)
		{
			int32		length;
			char	   *value;

			take(&in, &length, sizeof(int32));
			if (!in.ok || length < 0 || in.end - in.next < length)
				return NULL;
			value = palloc(length + 1);
			take(&in, value, length);
			value[length] = '\0';
			if (!take_state(&in, shape, group_state(rule, shape, value, 0), times_room))
				return NULL;
		}
	}
	return in.ok && in.next == in.end ? lead : NULL;
}

/* A lead's state from all of its events. */
static KeptLead *
lead_rebuild(const LqEngagementRules *rules, Oid lead_table, const char *lead_id)
{
	KeptLead   *lead = lead_new(rules);
	Datum		values[3];

	values[0] = ObjectIdGetDatum(lead_table);
	values[1] = CStringGetTextDatum(lead_id);
	values[2] = rules->kinds;
	lq_run_as_owner(&lead_events_query, values, NULL, 0);
	for (uint64 row = 0; row < SPI_processed; row++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[row];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *kind = TextDatumGetCString(SPI_getbinval(tuple, desc, 1, &isnull));
		TimestampTz occurred_at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 2, &isnull));
		Datum		properties = SPI_getbinval(tuple, desc, 3, &isnull);

		lead_fold(rules, lead, kind, occurred_at, properties);
	}
	SPI_freetuptable(SPI_tuptable);
	return lead;
}

static bool
revise_state(TupleTableSlot *row pg_attribute_unused(), Datum *values, bool *isnull, void *arg)
{
	values[0] = PointerGetDatum(arg);
	isnull[0] = false;
	return true;
}

/* Stores a lead's state: over the stored row, or as a new one. */
static void
write_state(Oid lead_table, const char *lead_id, ItemPointer stored, bytea *state)
{
	if (stored != NULL)
		(void) lq_update_as_owner(&kept_update, stored, revise_state, state);
	else
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = ObjectIdGetDatum(lead_table);
		values[1] = CStringGetTextDatum(lead_id);
		values[2] = PointerGetDatum(state);
		lq_insert_as_owner(&kept_insert, values, nulls, NULL);
	}
}

/* The lead's stored state, when it was kept under the rules; else NULL. */
static KeptLead *
stored_lead(const LqEngagementRules *rules, Oid lead_table, const char *lead_id)
{
	LqOwnProbe	probe;
	KeptLead   *lead = NULL;

	lq_own_probe_lead(&probe, &kept_state, lead_table, lead_id, ForwardScanDirection);
	if (lq_own_probe_next(&probe))
	{
		bool		isnull;

		lead = lead_decode(rules, DatumGetByteaPCopy(lq_own_probe_value(&probe, 1, &isnull)));
	}
	lq_own_probe_end(&probe);
	return lead;
}

/* Merges state "from" into "into", giving into's times[] the room it needs. */
static void
merge_state(const LqRuleShape *shape, LqRuleState *into, const LqRuleState *from)
{
	while (!lq_rule_merge(shape, into, from))
		give_room(into, lq_rule_merge_room(shape, into, from));
}

/*
 * merge(): what the survivor keeps once it has the duplicate's events too,
 * each rule's state and groups merged (lq_rule_merge()), encoded; NULL when
 * either lead has no state kept under the rules (the survivor's is then
 * rebuilt from the events).  A group a state dropped (its times older than
 * the newest run of its rule) can complete no run newer than that one, so
 * merging without it leaves the rule's newest run as it is.  Both leads'
 * rows are locked by the caller.
 */
bytea *
lq_merged_kept_state(struct LqTableConfig *config, const char *keep, const char *drop)
{
	LqEngagementRules *rules = lq_table_engagement_rules(config);
	KeptLead   *into = stored_lead(rules, config->log_relid, keep);
	KeptLead   *from = into == NULL ? NULL : stored_lead(rules, config->log_relid, drop);

	if (from == NULL)
		return NULL;
	for (int i = 0; i < rules->nrules; i++)
	{
		const LqRuleShape *shape = &rules->rules[i].shape;
		KeptRule   *rule = &into->rules[i];
		const KeptRule *other = &from->rules[i];

		merge_state(shape, &rule->state, &other->state);
		for (int g = 0; g < other->ngroups; g++)
		{
			LqRuleState *group = group_state(rule, shape, other->groups[g].value, 0);

			merge_state(shape, group, &other->groups[g].state);
			rule->state.completed = Max(rule->state.completed, group->completed);
		}
		rule->state.completed = Max(rule->state.completed, other->state.completed);
	}
	into->newest = Max(into->newest, from->newest);
	return lead_encode(rules, into);
}

/* Stores the lead's state (a merged one), over any stored. */
void
lq_keep_state(Oid lead_table, const char *lead_id, bytea *state)
{
	LqOwnProbe	probe;
	ItemPointerData tid;
	bool		stored;

	lq_own_probe_lead(&probe, &kept_state, lead_table, lead_id, ForwardScanDirection);
	stored = lq_own_probe_next(&probe);
	if (stored)
		tid = probe.row->t_self;
	lq_own_probe_end(&probe);
	write_state(lead_table, lead_id, stored ? &tid : NULL, state);
}

/* The engagement of the lead as of as_of, or NULL when only its events can say. */
static Numeric
engagement_as_of(const LqEngagementRules *rules, const KeptLead *lead, TimestampTz as_of)
{
	if (lead->newest == LQ_NO_TIME || as_of >= lead->newest)
		return lead_engagement(rules, lead, as_of);
	return NULL;
}

/*
 * The new events of the lead among "fresh" (sorted by lead id): the first
 * one, and in *count how many.
 */
static const LqNewEvent *
fresh_events_of(const LqNewEvents *fresh, const char *lead_id, int *count)
{
	int			low = 0;
	int			high;

	*count = 0;
	if (fresh == NULL)
		return NULL;
	high = fresh->nevents;
	while (low < high)
	{
		int			middle = low + (high - low) / 2;

		if (strcmp(fresh->events[middle].lead_id, lead_id) < 0)
			low = middle + 1;
		else
			high = middle;
	}
	while (low + *count < fresh->nevents && strcmp(fresh->events[low + *count].lead_id, lead_id) == 0)
		(*count)++;
	return *count > 0 ? &fresh->events[low] : NULL;
}

/*
 * A lead's engagement as of as_of from its kept state, after folding in its
 * new events (of "fresh", which may be NULL), and the state stored back;
 * *due is set to when the lead is next due for rescoring.  The state is
 * rebuilt from the lead's events when it has none, or one kept under other
 * rules; with rebuild false, such a lead is left: *unkept is set and NULL
 * returned, for it to be rebuilt with others.  NULL too when as_of is
 * before the newest event kept: then only the events can say.
 */
static Numeric
kept_engagement(LqEngagementRules *rules, Oid lead_table, const char *lead_id,
				TimestampTz as_of, const LqNewEvents *fresh, bool rebuild, bool *unkept,
				TimestampTz *due)
{
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "leadqual kept engagement",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller_cxt = MemoryContextSwitchTo(scratch);
	LqOwnProbe	probe;
	KeptLead   *lead = NULL;
	bytea	   *encoded = NULL; /* the stored state, while nothing changed it */
	ItemPointerData tid;
	bool		stored;
	Numeric		engagement = NULL;

	lq_own_probe_lead(&probe, &kept_state, lead_table, lead_id, ForwardScanDirection);
	stored = lq_own_probe_next(&probe);
	if (stored)
	{
		bool		isnull;

		tid = probe.row->t_self;
		encoded = DatumGetByteaPCopy(lq_own_probe_value(&probe, 1, &isnull));
		lead = lead_decode(rules, encoded);
		if (lead == NULL)
			encoded = NULL;		/* kept under other rules: rebuilt */
	}
	lq_own_probe_end(&probe);
	*unkept = lead == NULL && !rebuild;
	if (*unkept)
	{
		MemoryContextSwitchTo(caller_cxt);
		MemoryContextDelete(scratch);
		return NULL;
	}

	if (lead != NULL)
	{
		/* fold in the lead's new events; a rebuild reads them with the rest */
		int			nfresh;
		const LqNewEvent *events = fresh_events_of(fresh, lead_id, &nfresh);

		for (int i = 0; i < nfresh; i++)
			lead_fold(rules, lead, events[i].kind, events[i].occurred_at, events[i].properties);
		if (nfresh > 0)
			encoded = NULL;
	}
	if (lead == NULL)
		lead = lead_rebuild(rules, lead_table, lead_id);
	*due = lead_due(rules, lead, as_of);
	if (encoded == NULL)
		write_state(lead_table, lead_id, stored ? &tid : NULL, lead_encode(rules, lead));
	engagement = engagement_as_of(rules, lead, as_of);
	MemoryContextSwitchTo(caller_cxt);
	if (engagement != NULL)
		engagement = DatumGetNumericCopy(NumericGetDatum(engagement));
	MemoryContextDelete(scratch);
	return engagement;
}

/*
 * Many leads.  Most have a state kept under the rules: each is read by its
 * primary key, as for one lead.  Those without (every lead, when a table
 * is first scored, or after its rules change) would each read their events
 * by index, at random places in leadqual.event; when there are many of
 * them, one pass over the table's events in lead order rebuilds them all.
 */

/* Rebuilding in one pass pays once a table's events are this many a lead to rebuild. */
#define EVENTS_A_REBUILT_LEAD 64
/* ... and never for fewer leads than this. */
#define FEWEST_REBUILT_TOGETHER 256
/* Events read from the pass at a time. */
#define EVENTS_A_FETCH 10000

/* A lead to rebuild, found by its id. */
typedef struct MissingLead
{
	const char *id;				/* the key */
	int			index;			/* in ids[] */
	bool		rebuilt;
} MissingLead;

uint32
lq_id_hash(const void *key, Size keysize pg_attribute_unused())
{
	const char *id = *(const char *const *) key;

	return hash_bytes((const unsigned char *) id, (int) strlen(id));
}

int
lq_id_compare(const void *a, const void *b, Size keysize pg_attribute_unused())
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* How many events leadqual.event held when last analyzed; -1 if unknown. */
static double
events_estimate(void)
{
	Oid			relid = get_relname_relid("event", get_namespace_oid("leadqual", false));
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	double		estimate = -1;

	if (HeapTupleIsValid(tuple))
	{
		estimate = ((Form_pg_class) GETSTRUCT(tuple))->reltuples;
		ReleaseSysCache(tuple);
	}
	return estimate;
}

/*
 * Stores the state of a lead rebuilt from its events, and gives its
 * engagement, copied into cxt.
 */
static Numeric
keep_rebuilt(const LqEngagementRules *rules, Oid lead_table, const char *lead_id,
			 const KeptLead *lead, TimestampTz as_of, MemoryContext cxt, TimestampTz *due)
{
	ItemPointerData tid;
	bool		stored = lq_own_find_lead(&kept_state, lead_table, lead_id, &tid);
	Numeric		engagement;
	MemoryContext caller_cxt;

	write_state(lead_table, lead_id, stored ? &tid : NULL, lead_encode(rules, lead));
	*due = lead_due(rules, lead, as_of);
	engagement = engagement_as_of(rules, lead, as_of);
	if (engagement == NULL)
		return NULL;
	caller_cxt = MemoryContextSwitchTo(cxt);
	engagement = DatumGetNumericCopy(NumericGetDatum(engagement));
	MemoryContextSwitchTo(caller_cxt);
	return engagement;
}

/*
 * Rebuilds the states of the missing leads in one pass over the table's
 * events, sorted by lead, so that one lead's state is built at a time, and
 * puts their engagements (in cxt) in engagements[], and due times in dues[].
 */
static void
rebuild_together(const LqEngagementRules *rules, Oid lead_table, HTAB *missing,
				 TimestampTz as_of, Numeric *engagements, TimestampTz *dues, MemoryContext cxt)
{
	/* what lives as long as one lead's events, and as one fetch */
	MemoryContext lead_cxt = AllocSetContextCreate(CurrentMemoryContext, "leadqual rebuilt lead",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext fetch_cxt = AllocSetContextCreate(CurrentMemoryContext, "leadqual events fetched",
													ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller_cxt = CurrentMemoryContext;
	Datum		values[3] = {ObjectIdGetDatum(lead_table), rules->kinds, rules->property_kinds};
	Portal		events = lq_open_as_owner(&table_events_query, values, NULL);
	char	   *current_id = NULL;
	MissingLead *current = NULL;	/* NULL while passing a lead kept already */
	KeptLead   *lead = NULL;
	HASH_SEQ_STATUS seq;
	MissingLead *entry;

	for (;;)
	{
		SPITupleTable *fetched;
		uint64		nfetched;

		SPI_cursor_fetch(events, true, EVENTS_A_FETCH);
		fetched = SPI_tuptable;
		nfetched = SPI_processed;
		if (nfetched == 0)
			break;
		MemoryContextSwitchTo(fetch_cxt);
		for (uint64 row = 0; row < nfetched; row++)
		{
			HeapTuple	tuple = fetched->vals[row];
			TupleDesc	desc = fetched->tupdesc;
			bool		isnull;
			char	   *lead_id = TextDatumGetCString(SPI_getbinval(tuple, desc, 1, &isnull));

			if (current_id == NULL || strcmp(current_id, lead_id) != 0)
			{
				MemoryContextSwitchTo(lead_cxt);
				if (current != NULL)
				{
					engagements[current->index] = keep_rebuilt(rules, lead_table, current->id,
															   lead, as_of, cxt,
															   &dues[current->index]);
					current->rebuilt = true;
				}
				MemoryContextReset(lead_cxt);
				current_id = pstrdup(lead_id);
				current = hash_search(missing, &current_id, HASH_FIND, NULL);
				lead = current != NULL ? lead_new(rules) : NULL;
			}
			if (lead != NULL)
			{
				MemoryContextSwitchTo(lead_cxt);
				lead_fold(rules, lead, TextDatumGetCString(SPI_getbinval(tuple, desc, 2, &isnull)),
						  DatumGetTimestampTz(SPI_getbinval(tuple, desc, 3, &isnull)),
						  SPI_getbinval(tuple, desc, 4, &isnull));
			}
			MemoryContextSwitchTo(fetch_cxt);
		}
		MemoryContextSwitchTo(caller_cxt);
		MemoryContextReset(fetch_cxt);
		SPI_freetuptable(fetched);
	}
	SPI_cursor_close(events);
	MemoryContextSwitchTo(lead_cxt);
	if (current != NULL)
	{
		engagements[current->index] = keep_rebuilt(rules, lead_table, current->id, lead, as_of, cxt,
												   &dues[current->index]);
		current->rebuilt = true;
	}
	/* the leads with no events at all */
	hash_seq_init(&seq, missing);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		if (entry->rebuilt)
			continue;
		MemoryContextReset(lead_cxt);
		engagements[entry->index] = keep_rebuilt(rules, lead_table, entry->id, lead_new(rules),
												 as_of, cxt, &dues[entry->index]);
		entry->rebuilt = true;
	}
	MemoryContextSwitchTo(caller_cxt);
	MemoryContextDelete(fetch_cxt);
	MemoryContextDelete(lead_cxt);
}

void
lq_kept_engagements(LqEngagementRules *rules, Oid lead_table, int nids, const Datum *ids,
					TimestampTz as_of, const LqNewEvents *fresh, Numeric *engagements,
					TimestampTz *dues)
{
	bool		together = nids >= FEWEST_REBUILT_TOGETHER;
	char	  **id_text = palloc(sizeof(char *) * Max(nids, 1));
	int		   *missing = palloc(sizeof(int) * Max(nids, 1));
	int			nmissing = 0;
	double		events;

	for (int i = 0; i < nids; i++)
	{
		bool		unkept;

		id_text[i] = TextDatumGetCString(ids[i]);
		engagements[i] = kept_engagement(rules, lead_table, id_text[i], as_of, fresh,
										 !together, &unkept, &dues[i]);
		if (unkept)
			missing[nmissing++] = i;
	}
	if (nmissing == 0)
		return;
	events = events_estimate();
	if (together && nmissing >= FEWEST_REBUILT_TOGETHER &&
		(events < 0 || (double) nmissing * EVENTS_A_REBUILT_LEAD >= events))
	{
		MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "leadqual leads to rebuild",
													  ALLOCSET_DEFAULT_SIZES);
		HASHCTL		ctl;
		HTAB	   *rebuilt;
		int			nagain = 0;

		ctl.keysize = sizeof(char *);
		ctl.entrysize = sizeof(MissingLead);
		ctl.hash = lq_id_hash;
		ctl.match = lq_id_compare;
		ctl.hcxt = scratch;
		rebuilt = hash_create("leadqual leads to rebuild", nmissing, &ctl,
							  HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
		for (int m = 0; m < nmissing; m++)
		{
			bool		found;
			MissingLead *entry = hash_search(rebuilt, &id_text[missing[m]], HASH_ENTER, &found);

			if (!found)
			{
				entry->index = missing[m];
				entry->rebuilt = false;
			}
			else
				missing[nagain++] = missing[m];	/* an id given twice: read again below */
		}
		rebuild_together(rules, lead_table, rebuilt, as_of, engagements, dues, CurrentMemoryContext);
		hash_destroy(rebuilt);
		MemoryContextDelete(scratch);
		/* the rebuilt state holds the new events already */
		fresh = NULL;
		nmissing = nagain;
	}
	for (int m = 0; m < nmissing; m++)
	{
		bool		unkept;

		engagements[missing[m]] = kept_engagement(rules, lead_table, id_text[missing[m]], as_of,
												  fresh, true, &unkept, &dues[missing[m]]);
		Assert(!unkept);
	}
}

void
lq_state_walk_begin(LqOwnWalk *walk, Oid lead_table)
{
	lq_own_walk_begin(walk, &kept_state, lead_table);
}

Numeric
lq_walked_engagement(LqEngagementRules *rules, LqOwnWalk *walk, Datum lead_id,
					 TimestampTz as_of)
{
	bool		isnull;
	KeptLead   *lead;

	if (!lq_own_walk_to(walk, lead_id))
		return NULL;
	lead = lead_decode(rules, DatumGetByteaPP(lq_own_probe_value(&walk->probe, 1, &isnull)));
	return lead != NULL ? engagement_as_of(rules, lead, as_of) : NULL;
}

/* A lead id and its place among the ids given, to find it by id. */
typedef struct PlacedId
{
	const char *id;
	int			index;
} PlacedId;

static int
compare_placed(const void *a, const void *b)
{
	return strcmp(((const PlacedId *) a)->id, ((const PlacedId *) b)->id);
}

void
lq_engagements_from_events(Oid lead_table, TimestampTz as_of, int nids, const Datum *ids,
						   Numeric *engagements)
{
	PlacedId   *placed = palloc(sizeof(PlacedId) * Max(nids, 1));
	Datum		values[3];

	for (int i = 0; i < nids; i++)
	{
		placed[i].id = TextDatumGetCString(ids[i]);
		placed[i].index = i;
		engagements[i] = int64_to_numeric(0);	/* no event counts */
	}
	qsort(placed, nids, sizeof(PlacedId), compare_placed);
	values[0] = ObjectIdGetDatum(lead_table);
	values[1] = TimestampTzGetDatum(as_of);
	values[2] = PointerGetDatum(construct_array((Datum *) ids, nids, TEXTOID, -1, false, TYPALIGN_INT));
	lq_run_as_owner(&events_engagement_query, values, NULL, 0);
	for (uint64 row = 0; row < SPI_processed; row++)
	{
		bool		isnull;
		PlacedId	key;
		PlacedId   *found;

		key.id = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 1,
												   &isnull));
		found = bsearch(&key, placed, nids, sizeof(PlacedId), compare_placed);
		Assert(found != NULL);
		engagements[found->index] = DatumGetNumericCopy(SPI_getbinval(SPI_tuptable->vals[row],
																	  SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
}

/* The lead ids (text, never NULL) of the first column of what SPI returned, copied. */
static int
returned_ids(Datum **ids)
{
	int			count = (int) SPI_processed;

	*ids = palloc(sizeof(Datum) * Max(count, 1));
	for (int i = 0; i < count; i++)
	{
		bool		isnull;

		(*ids)[i] = PointerGetDatum(DatumGetTextPCopy(SPI_getbinval(SPI_tuptable->vals[i],
																	SPI_tuptable->tupdesc, 1, &isnull)));
	}
	return count;
}

int
lq_due_leads(Oid lead_table, TimestampTz as_of, TimestampTz *after_due, char **after_id,
			 int limit, Datum **ids)
{
	Datum		values[5];
	int			count;

	values[0] = ObjectIdGetDatum(lead_table);
	values[1] = TimestampTzGetDatum(as_of);
	values[2] = TimestampTzGetDatum(*after_due);
	values[3] = CStringGetTextDatum(*after_id);
	values[4] = Int32GetDatum(limit);
	lq_run_as_owner(&due_query, values, NULL, 0);
	count = returned_ids(ids);
	if (count > 0)
	{
		bool		isnull;

		*after_id = TextDatumGetCString((*ids)[count - 1]);
		*after_due = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[count - 1],
													   SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
	return count;
}

void
lq_forget_deleted_leads(Oid lead_table, Datum lead_ids)
{
	Datum		values[2] = {ObjectIdGetDatum(lead_table), lead_ids};

	lq_forget_engagement(lead_table, lead_ids);
	lq_run_as_owner(&never_due_query, values, NULL, 0);
}

void
lq_forget_engagement(Oid lead_table, Datum lead_ids)
{
	Datum		values[2] = {ObjectIdGetDatum(lead_table), lead_ids};

	if (!OidIsValid(lead_table))
		lq_run_as_owner(&forget_all_query, NULL, NULL, 0);
	else
		lq_run_as_owner(&forget_query, values, NULL, 0);
}

const LqNewEvents *
lq_take_new_events(Oid lead_table)
{
	const LqNewEvents *events = events_being_scored;

	if (events == NULL || events->lead_table != lead_table)
		return NULL;
	events_being_scored = NULL;
	return events;
}

void
lq_hand_over_new_events(const LqNewEvents *events)
{
	events_being_scored = events;
}
