/*
 * fit.c
 *		Scoring models in the trigger's cache, and the fit rules: points for
 *		who a lead is, matched against the columns of its own row.
 *
 * A table managed with a model keeps the model's threshold, gates and fit
 * rules in its LqTableConfig, each rule resolved to a column number, so the
 * trigger scores a row without SPI.  The rules are read from
 * leadqual.model and leadqual.fit_rule; any change to those tables sends a
 * relcache invalidation for them (leadqual._models_changed()), which drops
 * every cached model.
 *
 * rescore() and explain() compute fit in SQL through leadqual._fit() and
 * leadqual._fit_rules() (fit_functions.c), which run this same code.
 */
#include "postgres.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "regex/regex.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/typcache.h"

#include "fit.h"
#include "score.h"
#include "seniority.h"
#include "trust_boundary.h"

static LqKeptQuery model_query = {
	"SELECT threshold, promote_to::pg_catalog.text, min_fit, min_engagement, max_score, scale "
	"FROM leadqual.model WHERE name OPERATOR(pg_catalog.=) $1",
	1, {TEXTOID}, NULL, 0
};

static LqKeptQuery rules_query = {
	"SELECT r.name, r.column_name::pg_catalog.text, r.operator, r.value, r.low, r.high, r.pattern, "
	"       pg_catalog.round(CASE WHEN r.cap IS NULL THEN r.points "
	"                             ELSE pg_catalog.sign(r.points) OPERATOR(pg_catalog.*) "
	"                                  LEAST(pg_catalog.abs(r.points), r.cap) END, m.scale) "
	"FROM leadqual.fit_rule AS r "
	"JOIN leadqual.model AS m ON m.name OPERATOR(pg_catalog.=) r.model "
	"WHERE r.model OPERATOR(pg_catalog.=) $1 "
	"ORDER BY r.name",
	1, {TEXTOID}, NULL, 0
};

/*
 * leadqual.model and its rule tables, once a model has been loaded: a
 * change to any of them rebuilds the settings of the tables scored by a
 * model, and the engagement rules kept with them (model_score.c).
 */
static Oid	model_relid = InvalidOid;
static Oid	fit_rule_relid = InvalidOid;
static Oid	engagement_rule_relid = InvalidOid;

bool
lq_is_model_table(Oid relid)
{
	return OidIsValid(relid) &&
		(relid == model_relid || relid == fit_rule_relid || relid == engagement_rule_relid);
}

static void
remember_model_tables(void)
{
	Oid			schema = get_namespace_oid("leadqual", false);

	model_relid = get_relname_relid("model", schema);
	fit_rule_relid = get_relname_relid("fit_rule", schema);
	engagement_rule_relid = get_relname_relid("engagement_rule", schema);
}

/* Column "column" of the SPI result row, copied into cxt; NULL if null. */
static Datum
result_value(int row, int column, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
						 column, isnull);
}

static Numeric
numeric_or_null(int row, int column, MemoryContext cxt)
{
	bool		isnull;
	Datum		value = result_value(row, column, &isnull);
	MemoryContext old;
	Numeric		copy;

	if (isnull)
		return NULL;
	old = MemoryContextSwitchTo(cxt);
	copy = DatumGetNumericCopy(value);
	MemoryContextSwitchTo(old);
	return copy;
}

static char *
text_or_null(int row, int column, MemoryContext cxt)
{
	bool		isnull;
	Datum		value = result_value(row, column, &isnull);

	if (isnull)
		return NULL;
	return MemoryContextStrdup(cxt, TextDatumGetCString(value));
}

/* Trimmed, lower-case ASCII: how "in" compares values. */
static char *
normalized(const char *value, size_t length, MemoryContext cxt)
{
	char	   *result;
	size_t		start = 0;
	size_t		end = length;

	while (start < end && isspace((unsigned char) value[start]))
		start++;
	while (end > start && isspace((unsigned char) value[end - 1]))
		end--;
	result = MemoryContextAlloc(cxt, end - start + 1);
	for (size_t i = start; i < end; i++)
		result[i - start] = pg_ascii_tolower((unsigned char) value[i]);
	result[end - start] = '\0';
	return result;
}

static void
load_values(LqFitRule *rule, Datum array, MemoryContext cxt)
{
	Datum	   *elements;
	bool	   *nulls;
	int			count;

	deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false,
					  TYPALIGN_INT, &elements, &nulls, &count);
	rule->values = MemoryContextAlloc(cxt, sizeof(char *) * Max(count, 1));
	rule->nvalues = 0;
	rule->seniority_mask = 0;
	for (int i = 0; i < count; i++)
	{
		char	   *value;

		if (nulls[i])
			continue;
		value = TextDatumGetCString(elements[i]);
		if (rule->operator == LQ_FIT_SENIORITY)
		{
			for (int level = 0; level < LQ_SENIORITY_COUNT; level++)
				if (strcmp(value, lq_seniority_name((LqSeniority) level)) == 0)
					rule->seniority_mask |= 1u << level;
		}
		else
			rule->values[rule->nvalues++] = normalized(value, strlen(value), cxt);
	}
}

static LqFitOperator
parse_operator(const char *operator, const char *rule, const char *model)
{
	if (strcmp(operator, "equals") == 0 || strcmp(operator, "in") == 0)
		return LQ_FIT_IN;
	if (strcmp(operator, "between") == 0)
		return LQ_FIT_BETWEEN;
	if (strcmp(operator, "matches") == 0)
		return LQ_FIT_MATCHES;
	if (strcmp(operator, "seniority") == 0)
		return LQ_FIT_SENIORITY;
	/* leadqual._check_rule() refuses anything else */
	elog(ERROR, "leadqual: fit rule \"%s\" of model \"%s\" has unknown operator \"%s\"",
		 rule, model, operator);
	pg_unreachable();
}

static void
load_rule(const LqModel *model, Relation rel, const char *table_name, int row,
		  LqFitRule *rule, MemoryContext cxt)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	char	   *column = text_or_null(row, 2, cxt);
	char	   *operator = text_or_null(row, 3, cxt);
	int			attnum;
	Oid			output_function;
	bool		is_varlena;
	bool		isnull;
	Datum		value;

	rule->name = text_or_null(row, 1, cxt);
	attnum = SPI_fnumber(tupdesc, column);
	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("leadqual: fit rule \"%s\" of model \"%s\" reads column \"%s\", which table %s lacks",
						rule->name, model->name, column, table_name),
				 errhint("Add the column back, or manage the table with another model.")));
	rule->attnum = (AttrNumber) attnum;
	getTypeOutputInfo(TupleDescAttr(tupdesc, attnum - 1)->atttypid,
					  &output_function, &is_varlena);
	fmgr_info_cxt(output_function, &rule->output, cxt);
	rule->operator = parse_operator(operator, rule->name, model->name);

	value = result_value(row, 4, &isnull);
	if (!isnull)
		load_values(rule, value, cxt);

	rule->low = numeric_or_null(row, 5, cxt);
	rule->high = numeric_or_null(row, 6, cxt);

	value = result_value(row, 7, &isnull);
	if (!isnull)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		rule->pattern = DatumGetTextPCopy(value);
		MemoryContextSwitchTo(old);
	}
	rule->points = numeric_or_null(row, 8, cxt);
}

/*
 * Reads the named model, for table rel (table_name, as messages show it),
 * into cxt: its gates and cap, and its fit rules resolved against rel's
 * columns; and its threshold and promote_to into *threshold and
 * *promote_to.
 */
LqModel *
lq_load_model(const char *name, Relation rel, const char *table_name,
			  MemoryContext cxt, LqThreshold *threshold, LqStage *promote_to)
{
	Datum		model_name = CStringGetTextDatum(name);
	LqModel    *model;
	char	   *stage_name;
	int			stage;
	bool		isnull;

	remember_model_tables();
	lq_connect_spi();
	lq_run_as_owner(&model_query, &model_name, NULL, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("leadqual: table %s is managed with model \"%s\", which does not exist",
						table_name, name),
				 errhint("Manage the table again with a model listed in leadqual.model.")));

	model = MemoryContextAllocZero(cxt, sizeof(LqModel));
	model->name = MemoryContextStrdup(cxt, name);

	lq_threshold_set(threshold, DatumGetNumeric(result_value(0, 1, &isnull)), cxt);
	stage_name = text_or_null(0, 2, cxt);
	stage = lq_stage_from_name(stage_name);
	if (stage == LQ_STAGE_INVALID || !lq_is_promotion_target(stage))
		elog(ERROR, "leadqual: model \"%s\" promotes to \"%s\"", name, stage_name);
	*promote_to = (LqStage) stage;
	model->min_fit = numeric_or_null(0, 3, cxt);
	model->min_engagement = numeric_or_null(0, 4, cxt);
	model->max_score = numeric_or_null(0, 5, cxt);
	model->scale = DatumGetInt32(result_value(0, 6, &isnull));

	lq_run_as_owner(&rules_query, &model_name, NULL, 0);
	model->nrules = (int) SPI_processed;
	model->rules = MemoryContextAllocZero(cxt, sizeof(LqFitRule) * Max(model->nrules, 1));
	for (int row = 0; row < model->nrules; row++)
		load_rule(model, rel, table_name, row, &model->rules[row], cxt);
	SPI_finish();
	return model;
}

/* Is the text a number within the rule's bounds, compared exactly? */
static bool
in_range(const LqFitRule *rule, const char *text)
{
	Datum		value;

	if (!lq_is_decimal(text))
		return false;
	value = DirectFunctionCall3(numeric_in, CStringGetDatum(text),
								ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	return (rule->low == NULL || lq_numeric_cmp(DatumGetNumeric(value), rule->low) >= 0) &&
		(rule->high == NULL || lq_numeric_cmp(DatumGetNumeric(value), rule->high) <= 0);
}

/*
 * Does the row match the rule?  *shown is the column's value as text, the
 * evidence explain() shows (NULL for a NULL value).
 */
bool
lq_fit_rule_matches(const LqFitRule *rule, TupleDesc tupdesc, HeapTuple row,
					char **shown)
{
	bool		isnull;
	Datum		value = heap_getattr(row, rule->attnum, tupdesc, &isnull);
	char	   *text;

	*shown = NULL;
	if (isnull)
		/* seniority(NULL) is unknown, so a rule for unknown titles matches */
		return rule->operator == LQ_FIT_SENIORITY &&
			(rule->seniority_mask & (1u << LQ_SENIORITY_UNKNOWN)) != 0;

	text = OutputFunctionCall((FmgrInfo *) &rule->output, value);
	*shown = text;
	switch (rule->operator)
	{
		case LQ_FIT_IN:
			{
				char	   *given = normalized(text, strlen(text), CurrentMemoryContext);

				for (int i = 0; i < rule->nvalues; i++)
					if (strcmp(given, rule->values[i]) == 0)
						return true;
				return false;
			}
		case LQ_FIT_BETWEEN:
			return in_range(rule, text);
		case LQ_FIT_MATCHES:
			return RE_compile_and_execute(rule->pattern, text, strlen(text),
										  REG_ADVANCED | REG_ICASE,
										  DEFAULT_COLLATION_OID, 0, NULL);
		case LQ_FIT_SENIORITY:
			return (rule->seniority_mask &
					(1u << lq_classify_title(text, strlen(text)))) != 0;
	}
	pg_unreachable();
}

/* The sum of the points of the fit rules the row matches. */
Numeric
lq_fit_points(const LqModel *model, TupleDesc tupdesc, HeapTuple row)
{
	Datum		total = NumericGetDatum(int64_to_numeric(0));

	for (int i = 0; i < model->nrules; i++)
	{
		const LqFitRule *rule = &model->rules[i];
		char	   *shown;

		if (lq_fit_rule_matches(rule, tupdesc, row, &shown))
			total = DirectFunctionCall2(numeric_add, total,
										NumericGetDatum(rule->points));
	}
	return DatumGetNumeric(total);
}

/* Did the UPDATE change a column some fit rule reads? */
bool
lq_fit_columns_changed(const LqModel *model, TupleDesc tupdesc,
					   HeapTuple old_row, HeapTuple new_row)
{
	for (int i = 0; i < model->nrules; i++)
	{
		AttrNumber	attnum = model->rules[i].attnum;
		Form_pg_attribute attr = TupleDescAttr(tupdesc, attnum - 1);
		bool		old_isnull;
		bool		new_isnull;
		Datum		old_value = heap_getattr(old_row, attnum, tupdesc, &old_isnull);
		Datum		new_value = heap_getattr(new_row, attnum, tupdesc, &new_isnull);

		if (old_isnull != new_isnull ||
			(!old_isnull && !datumIsEqual(old_value, new_value,
										  attr->attbyval, attr->attlen)))
			return true;
	}
	return false;
}
