/*
 * leadqual.h
 *		Declarations shared by the PostgreSQL-facing files of leadqual.
 */
#ifndef LEADQUAL_H
#define LEADQUAL_H

#include "postgres.h"

#include "access/attnum.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "datatype/timestamp.h"
#include "utils/numeric.h"
#include "utils/relcache.h"

#include "stage.h"
#include "trust_boundary.h"

/* The ways a stage change can happen; leadqual.transition_via in SQL. */
typedef enum LqVia
{
	LQ_VIA_PROMOTION,
	LQ_VIA_MANUAL,
	LQ_VIA_REJECTION,
	LQ_VIA_REPAIR
} LqVia;

/* How a score column's values compare with the threshold. */
typedef enum LqScoreKind
{
	LQ_SCORE_INT2,
	LQ_SCORE_INT4,
	LQ_SCORE_INT8,
	LQ_SCORE_FLOAT4,
	LQ_SCORE_FLOAT8,
	LQ_SCORE_NUMERIC
} LqScoreKind;

/*
 * The threshold, precomputed for each way of comparing, so the per-row test
 * is one comparison and no allocation.
 */
typedef struct LqThreshold
{
	Numeric		exact;			/* as given; in LqTableConfig.model_cxt */
	double		as_float;
	int64		int_ceiling;	/* smallest integer >= exact, when it fits */
	bool		int_always;		/* every integer meets it */
	bool		int_never;		/* no integer meets it */
} LqThreshold;

/* How a fit rule matches its column; leadqual.fit_rule.operator in SQL. */
typedef enum LqFitOperator
{
	LQ_FIT_IN,					/* also "equals": one of a list, ignoring case */
	LQ_FIT_BETWEEN,
	LQ_FIT_MATCHES,
	LQ_FIT_SENIORITY
} LqFitOperator;

/* One fit rule of a model, resolved against one table's columns. */
typedef struct LqFitRule
{
	char	   *name;
	AttrNumber	attnum;
	FmgrInfo	output;			/* the column's output function */
	LqFitOperator operator;
	int			nvalues;		/* LQ_FIT_IN: trimmed, lower-case ASCII */
	char	  **values;
	unsigned	seniority_mask; /* LQ_FIT_SENIORITY: 1 << LqSeniority */
	Numeric		low;			/* LQ_FIT_BETWEEN; NULL: unbounded */
	Numeric		high;
	text	   *pattern;		/* LQ_FIT_MATCHES, case-insensitive */
	Numeric		points;			/* capped and rounded to the model's scale */
} LqFitRule;

/* The scoring model a table is managed with, when it has one. */
typedef struct LqModel
{
	char	   *name;
	Numeric		min_fit;		/* NULL: no gate */
	Numeric		min_engagement;
	Numeric		max_score;		/* NULL: no cap */
	int			scale;			/* decimal places scores keep */
	int			nrules;
	LqFitRule  *rules;
} LqModel;

#define LQ_MAX_PARTITION_KEY_COLUMNS 32

/* Longest lead id, as text, the log takes: it must fit a btree entry. */
#define LQ_MAX_LEAD_ID_BYTES 1000

/*
 * One managed table's settings, parsed from the arguments of its
 * leadqual.qualify trigger and resolved against its tuple descriptor.
 *
 * Entries are keyed by trigger OID and never removed, only rebuilt in place
 * after an invalidation, so a pointer held across SPI calls stays valid.
 */
typedef struct LqTableConfig
{
	Oid			trigger_oid;	/* hash key */
	bool		valid;
	Oid			relid;			/* the table the trigger fires on */
	Oid			log_relid;		/* what the log records: the partition root */
	/* schema.table, each part quoted: every character may double, plus quotes */
	char		display_name[2 * (2 * NAMEDATALEN + 2) + 2];

	NameData	id_column;
	NameData	score_column;
	NameData	stage_column;
	NameData	owner_column;	/* empty without owner_column= */
	AttrNumber	id_attnum;
	AttrNumber	score_attnum;
	AttrNumber	stage_attnum;
	AttrNumber	owner_attnum;	/* InvalidAttrNumber: no owner column */
	FmgrInfo	owner_output;
	FmgrInfo	owner_input;	/* writes the owner round-robin picked */
	Oid			owner_typioparam;
	int32		owner_typmod;
	Oid			id_type;
	FmgrInfo	id_output;
	LqScoreKind score_kind;
	Oid			stage_type;		/* leadqual.lifecycle_stage */

	LqThreshold threshold;
	LqStage		promote_to;

	/* NULL when the application writes the scores (a fixed threshold) */
	LqModel    *model;
	MemoryContext model_cxt;	/* holds *model and the threshold; reset on
								 * every rebuild */

	/*
	 * For a partition: its columns that any ancestor partitions by, so an
	 * UPDATE can tell whether it may move the row to another partition.
	 */
	int			partition_key_count;
	AttrNumber	partition_key_attnums[LQ_MAX_PARTITION_KEY_COLUMNS];
	bool		partition_key_unknown;	/* expressions, or too many columns */

	/* leadqual.reject()'s UPDATE, prepared on first use */
	SPIPlanPtr	reject_plan;

	/*
	 * The caller's side of leadqual._store_subtotals() for a few leads, and
	 * the lock a touch takes on its lead; kept across rebuilds.
	 */
	LqKeptQuery few_fits_query;
	LqKeptQuery touch_lock_query;
} LqTableConfig;

/* The stage and score of one version of a row. */
typedef struct LqRowState
{
	LqStage		stage;
	Datum		score;
	bool		score_isnull;
} LqRowState;

/* GUCs, defined in leadqual.c */
extern char *lq_reason_guc;
extern char *lq_report_calendar;
extern bool lq_enforce_stage_rules;

/* config.c */
extern void lq_config_init(void);
extern LqTableConfig *lq_config_for_trigger(Relation rel, Trigger *trigger);
extern Trigger *lq_find_qualify_trigger(Relation rel);
extern LqTableConfig *lq_config_if_managed(Oid relid);
extern char *lq_qualified_name(Oid relid);
extern LqTableConfig *lq_config_for_table(Oid relid, const char *caller);

/* fit.c */
extern void lq_load_model(LqTableConfig *entry, Relation rel, const char *name);
extern bool lq_is_model_table(Oid relid);
extern Numeric lq_fit_points(LqTableConfig *config, TupleDesc tupdesc,
							 HeapTuple row);
extern bool lq_fit_columns_changed(LqTableConfig *config, TupleDesc tupdesc,
								   HeapTuple old_row, HeapTuple new_row);
extern char *lq_qualified_equality(Oid type, const char *caller);

/* One firing of a leadqual row trigger: the table, its settings, the row. */
typedef struct LqFiring
{
	Relation	rel;
	TupleDesc	tupdesc;
	LqTableConfig *config;
	bool		is_insert;
	HeapTuple	old_row;		/* NULL for an INSERT */
	HeapTuple	new_row;
	LqRowState	new_state;
	LqRowState	old_state;		/* stage LQ_STAGE_INVALID for an INSERT */
} LqFiring;

/* managed_row.c */
extern void lq_begin_firing(FunctionCallInfo fcinfo, const char *function,
							bool before, LqFiring *firing);
extern char *lq_row_lead_id(LqTableConfig *config, TupleDesc tupdesc,
							HeapTuple row);
extern const char *lq_given_reason(LqTableConfig *config);
extern const char *lq_via_name(LqVia via);
extern bool lq_partition_key_changed(const LqFiring *firing);
extern bool lq_looks_like_promotion(const LqFiring *firing, LqStage from,
									LqStage to);
extern char *lq_describe_move(bool is_insert, LqStage from, LqStage to);
extern bool lq_enforce_move(LqTableConfig *config, const char *lead_id,
							bool is_insert, LqStage from, LqStage to,
							const char *reason);

/* stage_datum.c */
extern LqStage lq_stage_from_datum(Datum label);
extern Datum lq_stage_to_datum(Oid enum_type, LqStage stage);

/* model_score.c */
typedef struct LqModelScore
{
	bool		gates_met;		/* fit and engagement reach the model's gates */
} LqModelScore;

extern void lq_apply_model(LqFiring *firing, LqModelScore *result);
extern bool lq_model_score_written(const LqFiring *firing);
extern void lq_record_model_score(const LqFiring *firing);

/* score.c */
extern bool lq_score_kind_for_type(Oid type, LqScoreKind *kind);
extern void lq_threshold_set(LqThreshold *threshold, Numeric exact,
							 MemoryContext cxt);
extern bool lq_score_meets(LqScoreKind kind, Datum score,
						   const LqThreshold *threshold);
extern bool lq_score_greater(LqScoreKind kind, Datum a, Datum b);
extern Datum lq_score_to_numeric(LqScoreKind kind, Datum score);
extern Datum lq_score_from_numeric(LqScoreKind kind, Datum score);
extern bool lq_score_equal(LqScoreKind kind, Datum a, Datum b);
extern int	lq_numeric_cmp(Numeric a, Numeric b);
extern bool lq_is_decimal(const char *text);

/* transition_log.c */
typedef struct LqTransition
{
	Oid			lead_table;
	const char *lead_id;
	LqStage		from_stage;		/* LQ_STAGE_INVALID for an INSERT */
	LqStage		to_stage;
	Datum		score;			/* numeric */
	bool		score_isnull;
	const char *reason;			/* NULL when none */
	LqVia		via;
	bool		owner_assigned; /* qualify() picked the owner round-robin */
	int64		owner_turn;		/* the turn it took (0: none) */
	bool		arrived_by_move;	/* the INSERT half of a row moving
									 * between partitions */
} LqTransition;

extern void lq_require_rejection_reason(const char *reason,
										const char *caller, const char *detail);
extern bool lq_score_when_recycled(Oid lead_table, const char *lead_id,
								   Datum *score, bool *isnull);

/* handoff.c */
extern char *lq_row_owner(LqTableConfig *config, TupleDesc tupdesc,
						  HeapTuple row);
extern bool lq_assign_owner(LqFiring *firing, const char *lead_id,
							int64 *turn_id);
extern void lq_stage_changed(const LqTransition *transition,
							 LqTableConfig *config, int64 transition_id,
							 TimestampTz at, const char *owner);
extern void lq_owner_changed(Oid lead_table, const char *lead_id,
							 const char *owner, bool by_round_robin,
							 int64 turn_id);

/* pending.c */
typedef enum LqPendingMatch
{
	LQ_MATCH_UPDATE,			/* the same from and to stages */
	LQ_MATCH_INSERT,			/* the same to stage, from an INSERT or a
								 * row moved between partitions */
	LQ_MATCH_MOVE				/* a row leaving its partition, any stages */
} LqPendingMatch;

extern void lq_pending_push(Oid relid, const LqTransition *transition,
							bool row_moving);
extern bool lq_pending_take(Oid relid, LqTransition *transition,
							LqPendingMatch match);

/* reject.c: the rejection in progress, which the trigger records */
extern Oid	lq_rejecting_relid;
extern const char *lq_rejecting_reason;

#endif							/* LEADQUAL_H */
