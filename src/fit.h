/*
 * fit.h
 *		Scoring models in the settings cache, and the fit rules matched
 *		against a row (fit.c).
 */
#ifndef LQ_FIT_H
#define LQ_FIT_H

#include "postgres.h"

#include "access/attnum.h"
#include "access/htup.h"
#include "fmgr.h"
#include "utils/numeric.h"
#include "utils/relcache.h"

#include "score.h"
#include "stage.h"

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

extern LqModel *lq_load_model(const char *name, Relation rel,
							  const char *table_name, MemoryContext cxt,
							  LqThreshold *threshold, LqStage *promote_to);
extern bool lq_is_model_table(Oid relid);
extern Numeric lq_fit_points(const LqModel *model, TupleDesc tupdesc,
							 HeapTuple row);
extern bool lq_fit_columns_changed(const LqModel *model, TupleDesc tupdesc,
								   HeapTuple old_row, HeapTuple new_row);
extern bool lq_fit_rule_matches(const LqFitRule *rule, TupleDesc tupdesc,
								HeapTuple row, char **shown);

#endif							/* LQ_FIT_H */
