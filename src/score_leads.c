/*
 * score_leads.c
 *		leadqual._score_leads(): lock leads, store their subtotals, write the
 *		scores that change into their rows.  The common part of events
 *		(src/new_events.c calls it directly), rescore() and manage().
 *
 * Until 0.5.0 this was PL/pgSQL, whose dynamic SQL was parsed and planned
 * on every call: most of what a track() cost.  Here the queries for few
 * leads are kept per table, planned once (generic plans that find each
 * lead by index); for many leads they are planned for their values, with
 * the hash joins that suit them.  All of it runs as the caller: the locks,
 * the reads of the rows, and the UPDATE, which fires the table's triggers
 * as any UPDATE does.  Only lq_store_scores() writes leadqual's tables,
 * through the trust boundary.
 */
#include "postgres.h"

#include <ctype.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/rls.h"
#include "utils/ruleutils.h"
#include "utils/timestamp.h"

#include "citus_shards.h"
#include "config.h"
#include "engagement_state.h"
#include "model_score.h"
#include "own_index.h"
#include "score_leads.h"
#include "trust_boundary.h"

/* As model_score.c counts them: up to this many, plans are kept. */
#define FEW_LEADS 64

static void require_rescore_privilege(LqTableConfig *config, Oid relid, const char *caller);
static void add_ids(ArrayBuildState **left, Datum ids);
static int64 rescore_due_leads(LqTableConfig *config, Oid relid, TimestampTz as_of);

static LqKeptQuery castable_ids_query = {
	"SELECT leadqual._require_castable_ids($1, $2, $3)", 3,
	{REGCLASSOID, TEXTARRAYOID, TEXTOID}, NULL, 0
};

/* The table's id and score columns, for the query texts. */
typedef struct ScoredColumns
{
	const char *table;			/* schema-qualified, quoted */
	const char *id;				/* quoted */
	const char *id_type;		/* qualified */
	const char *equals;			/* OPERATOR(schema.=) */
	const char *score;			/* quoted */
	const char *score_type;		/* qualified, with its typmod */
} ScoredColumns;

static ScoredColumns
scored_columns(LqTableConfig *config)
{
	ScoredColumns columns;
	Oid			score_type;
	int32		score_typmod;
	Oid			collation;

	get_atttypetypmodcoll(config->relid, config->score_attnum, &score_type, &score_typmod,
						  &collation);
	columns.table = lq_qualified_name(config->relid);
	columns.id = quote_identifier(NameStr(config->id_column));
	columns.id_type = format_type_be_qualified(config->id_type);
	columns.equals = lq_qualified_equality(config->id_type, "leadqual");
	columns.score = quote_identifier(NameStr(config->score_column));
	columns.score_type = format_type_extended(score_type, score_typmod,
											  FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY);
	return columns;
}

/*
 * The leads of the given ids ($1, text[]), or every lead, locked in id
 * order, so that two writers lock the same leads in the same order; with
 * skip_locked, leaving those another transaction holds.  Their ids, and
 * their fits computed from the rows locked: a row another transaction
 * changed meanwhile is read again, at its newest version, once locked.
 */
static char *
lock_sql(const ScoredColumns *columns, Oid relid, bool given_ids, bool skip_locked)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT l.%s, leadqual._fit(%u::pg_catalog.regclass, l) FROM %s AS l",
					 columns->id, relid, columns->table);
	if (given_ids)
		appendStringInfo(&sql, " JOIN pg_catalog.unnest($1::%s[]) AS u(id) ON l.%s %s u.id",
						 columns->id_type, columns->id, columns->equals);
	appendStringInfo(&sql, " ORDER BY l.%s FOR NO KEY UPDATE OF l%s", columns->id,
					 skip_locked ? " SKIP LOCKED" : "");
	return sql.data;
}

/* The new scores ($1 ids, $2 scores) written into the rows that differ. */
static char *
update_sql(const ScoredColumns *columns)
{
	return psprintf("UPDATE %1$s AS l SET %2$s = s.total::%3$s "
					"FROM ROWS FROM (pg_catalog.unnest($1::%4$s[]), pg_catalog.unnest($2::pg_catalog.numeric[])) "
					"     AS s(id, total) "
					"WHERE l.%5$s %6$s s.id "
					"  AND l.%2$s IS DISTINCT FROM s.total::%3$s",
					columns->table, columns->score, columns->score_type, columns->id_type,
					columns->id, columns->equals);
}

/* _score_leads()'s queries of a table for given leads, by what they do. */
typedef enum ScoreQuery
{
	CAST_IDS,					/* $1 (text[]) cast to the id type */
	LOCK_GIVEN,					/* the given leads locked */
	LOCK_GIVEN_SKIP_LOCKED,
	UPDATE_SCORES
} ScoreQuery;

StaticAssertDecl(UPDATE_SCORES + 1 == LQ_SCORE_QUERIES, "one text and plan a ScoreQuery");

/*
 * The text of one of them, built once per rebuild of the table's settings
 * (in their memory, which a rebuild resets), not on every call.
 */
static const char *
score_query_sql(LqTableConfig *config, ScoreQuery which)
{
	if (config->score_sql[which] == NULL)
	{
		ScoredColumns columns = scored_columns(config);
		char	   *text = NULL;

		switch (which)
		{
			case CAST_IDS:
				text = psprintf("SELECT $1::%s[]", columns.id_type);
				break;
			case LOCK_GIVEN:
			case LOCK_GIVEN_SKIP_LOCKED:
				text = lock_sql(&columns, config->rows_relid, true, which == LOCK_GIVEN_SKIP_LOCKED);
				break;
			case UPDATE_SCORES:
				text = update_sql(&columns);
				break;
		}
		config->score_sql[which] = MemoryContextStrdup(config->model_cxt, text);
	}
	return config->score_sql[which];
}

/* Its kept plan, for few leads: planned once for as long as its text stays. */
static LqKeptQuery *
score_query(LqTableConfig *config, ScoreQuery which, int nargs, const Oid *argtypes)
{
	LqKeptQuery *query = &config->score_queries[which];

	lq_set_kept_query(query, score_query_sql(config, which), nargs, argtypes,
					  CURSOR_OPT_GENERIC_PLAN);
	return query;
}

/* Runs a query as the caller: kept for few leads, planned for its values otherwise. */
static void
run(LqKeptQuery *kept, const char *sql, int nargs, Oid *argtypes, Datum *values,
	const char *nulls)
{
	if (kept != NULL)
		lq_run_kept(kept, values, nulls, 0);
	else
	{
		int			rc = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, false, 0);

		if (rc < 0)
			elog(ERROR, "leadqual: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
	}
}

/*
 * Does the text hold an integer in the range, as int2in(), int4in() and
 * int8in() read it: blanks, a sign, decimal digits, blanks?  False for
 * anything else, which the cast then decides.
 */
static bool
integer_in_range(const char *text, int64 min, int64 max)
{
	const char *p = text;
	bool		negative = false;
	uint64		value = 0;
	uint64		limit;

	while (isspace((unsigned char) *p))
		p++;
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	if (!isdigit((unsigned char) *p))
		return false;
	limit = negative ? (uint64) (-(min + 1)) + 1 : (uint64) max;
	for (; isdigit((unsigned char) *p); p++)
	{
		if (value > (limit - (uint64) (*p - '0')) / 10)
			return false;
		value = value * 10 + (uint64) (*p - '0');
	}
	while (isspace((unsigned char) *p))
		p++;
	return *p == '\0';
}

/*
 * Can every id be cast to the id column's type, as far as a look at the
 * text tells?  Text ids always can, integers that read as integers in range
 * can; for the rest the cast itself decides.  Spares track() the
 * subtransaction of the cast for the common id types.
 */
static bool
ids_surely_castable(LqTableConfig *config, Datum lead_ids)
{
	int64		min;
	int64		max;
	Datum	   *ids;
	bool	   *nulls;
	int			nids;

	switch (config->id_type)
	{
		case TEXTOID:
		case VARCHAROID:
			return true;
		case INT2OID:
			min = PG_INT16_MIN;
			max = PG_INT16_MAX;
			break;
		case INT4OID:
			min = PG_INT32_MIN;
			max = PG_INT32_MAX;
			break;
		case INT8OID:
			min = PG_INT64_MIN;
			max = PG_INT64_MAX;
			break;
		default:
			return false;
	}
	deconstruct_array(DatumGetArrayTypeP(lead_ids), TEXTOID, -1, false, TYPALIGN_INT,
					  &ids, &nulls, &nids);
	for (int i = 0; i < nids; i++)
		if (!nulls[i] && !integer_in_range(TextDatumGetCString(ids[i]), min, max))
			return false;
	return true;
}

/*
 * Errors with no_data_found, naming the first id that the id column's type
 * cannot even hold (such as 'x' for an integer id): no such lead exists.
 * The ids are cast in a subtransaction, as the PL/pgSQL function
 * _require_castable_ids() would, which is called only when that fails, to
 * find and name the id.
 */
static void
require_castable_ids(LqTableConfig *config, Datum lead_ids)
{
	static const Oid argtypes[1] = {TEXTARRAYOID};
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	LqKeptQuery *cast = score_query(config, CAST_IDS, 1, argtypes);
	bool		castable = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		lq_run_kept(cast, &lead_ids, NULL, 1);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *error;

		MemoryContextSwitchTo(cxt);
		error = CopyErrorData();
		if (ERRCODE_TO_CATEGORY(error->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
			PG_RE_THROW();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		castable = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	if (!castable)
	{
		const char *id_type = format_type_be_qualified(config->id_type);
		Datum		values[3] = {ObjectIdGetDatum(config->relid), lead_ids,
		CStringGetTextDatum(id_type)};

		lq_run_kept(&castable_ids_query, values, NULL, 0);
		/* it errors, naming the id */
		elog(ERROR, "leadqual: an id of table %s could not be cast to %s",
			 config->display_name, id_type);
	}
}

/* Errors with no_data_found if the id column's type can't hold an id given (text[]). */
void
lq_require_castable_lead_ids(LqTableConfig *config, Datum lead_ids)
{
	if (!ids_surely_castable(config, lead_ids))
		require_castable_ids(config, lead_ids);
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The given ids (text[]) not among the locked ones, in *missing; how many. */
static int
missing_ids(Datum lead_ids, Datum *locked, int nlocked, char ***missing)
{
	char	  **sorted = palloc(sizeof(char *) * Max(nlocked, 1));
	Datum	   *given;
	bool	   *nulls;
	int			ngiven;
	int			nmissing = 0;

	for (int j = 0; j < nlocked; j++)
		sorted[j] = TextDatumGetCString(locked[j]);
	qsort(sorted, nlocked, sizeof(char *), compare_strings);
	deconstruct_array(DatumGetArrayTypeP(lead_ids), TEXTOID, -1, false, TYPALIGN_INT,
					  &given, &nulls, &ngiven);
	*missing = palloc(sizeof(char *) * Max(ngiven, 1));
	for (int i = 0; i < ngiven; i++)
	{
		char	   *id;

		if (nulls[i])
			continue;
		id = TextDatumGetCString(given[i]);
		if (bsearch(&id, sorted, nlocked, sizeof(char *), compare_strings) == NULL)
			(*missing)[nmissing++] = id;
	}
	return nmissing;
}

int64
lq_score_leads(Oid relid, Datum lead_ids, TimestampTz as_of, bool skip_locked,
			   ArrayBuildState **unlocked)
{
	static const Oid lock_argtypes[1] = {TEXTARRAYOID};
	static const Oid update_argtypes[2] = {TEXTARRAYOID, NUMERICARRAYOID};
	LqTableConfig *config = lq_config_for_table(relid, "leadqual");
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "leadqual score leads",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller_cxt = MemoryContextSwitchTo(scratch);
	bool		few = lead_ids != (Datum) 0 &&
		ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(lead_ids)),
					   ARR_DIMS(DatumGetArrayTypeP(lead_ids))) <= FEW_LEADS;
	int			ngiven = lead_ids == (Datum) 0 ? 0 :
		ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(lead_ids)), ARR_DIMS(DatumGetArrayTypeP(lead_ids)));
	Datum	   *locked;
	Datum	   *fits;
	int			nlocked = 0;
	LqWaitingSubtotals *outer;
	Datum	   *ids;
	Datum	   *scores;
	int			nscored;
	Datum		values[2];
	int64		changed;

	lq_connect_spi();
	if (lead_ids != (Datum) 0)
	{
		ScoreQuery	lock = skip_locked ? LOCK_GIVEN_SKIP_LOCKED : LOCK_GIVEN;

		lq_require_castable_lead_ids(config, lead_ids);
		values[0] = lead_ids;
		run(few ? score_query(config, lock, 1, lock_argtypes) : NULL,
			score_query_sql(config, lock), 1, (Oid *) lock_argtypes, values, NULL);
	}
	else
	{
		/* every lead: manage() */
		ScoredColumns columns = scored_columns(config);

		run(NULL, lock_sql(&columns, config->rows_relid, false, skip_locked), 0, NULL, NULL, NULL);
	}
	locked = palloc(sizeof(Datum) * Max(SPI_processed, 1));
	fits = palloc(sizeof(Datum) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		id = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

		if (isnull)				/* a row without an id has no score to keep */
			continue;
		/* the id as the log has it: the column's output function */
		locked[nlocked] = CStringGetTextDatum(OutputFunctionCall(&config->id_output, id));
		fits[nlocked++] = datumCopy(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2,
												  &isnull), false, -1);
	}
	SPI_freetuptable(SPI_tuptable);

	if (lead_ids != (Datum) 0 && nlocked < ngiven && (!skip_locked || unlocked != NULL))
	{
		char	  **missing;
		int			nmissing = missing_ids(lead_ids, locked, nlocked, &missing);

		if (nmissing > 0 && !skip_locked)
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("leadqual: lead \"%s\" of table %s does not exist",
							missing[0], config->display_name),
					 errhint("Insert the lead before tracking its events.")));
		for (int i = 0; unlocked != NULL && i < nmissing; i++)
			*unlocked = accumArrayResult(*unlocked, CStringGetTextDatum(missing[i]), false,
										 TEXTOID, caller_cxt);
	}
	if (nlocked == 0)
	{
		SPI_finish();
		MemoryContextSwitchTo(caller_cxt);
		MemoryContextDelete(scratch);
		return 0;
	}

	/*
	 * The new scores come back from storing the subtotals, as the owner:
	 * reading leadqual.lead_score here, as the caller, would pass every row
	 * through its row-level security policy.
	 */
	outer = lq_wait_subtotals(config->log_relid);
	PG_TRY();
	{
		nscored = lq_store_locked_scores(relid, as_of, locked, fits, nlocked, &ids, &scores);
		/* the table's trigger checks each score written here against the model */
		values[0] = PointerGetDatum(construct_array(ids, nscored, TEXTOID, -1, false, TYPALIGN_INT));
		values[1] = PointerGetDatum(construct_array(scores, nscored, NUMERICOID, -1, false, TYPALIGN_INT));
		run(nscored <= FEW_LEADS ? score_query(config, UPDATE_SCORES, 2, update_argtypes) : NULL,
			score_query_sql(config, UPDATE_SCORES), 2, (Oid *) update_argtypes, values, NULL);
		changed = (int64) SPI_processed;
		/* the leads whose score stayed: their subtotals, the UPDATE left them */
		lq_store_waiting_subtotals();
	}
	PG_FINALLY();
	{
		lq_stop_waiting(outer);
	}
	PG_END_TRY();
	SPI_finish();
	MemoryContextSwitchTo(caller_cxt);
	MemoryContextDelete(scratch);
	return changed;
}

/*
 * leadqual._score_leads(leads regclass, lead_ids text[], as_of timestamptz,
 * skip_locked boolean) RETURNS bigint: rescores the given leads (NULL:
 * every row) as of a time and returns how many scores changed.  It locks
 * the rows first, then computes with a new snapshot, so events committed
 * while it waited are counted.  With skip_locked it leaves rows other
 * transactions hold alone: their own writes rescore them.
 */
PG_FUNCTION_INFO_V1(leadqual_score_leads);
Datum
leadqual_score_leads(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("leadqual._score_leads: leads, as_of and skip_locked must not be NULL"),
				 errhint("Call leadqual.rescore() instead.")));
	PG_RETURN_INT64(lq_score_leads(PG_GETARG_OID(0),
								   PG_ARGISNULL(1) ? (Datum) 0 : PointerGetDatum(PG_GETARG_ARRAYTYPE_P(1)),
								   PG_GETARG_TIMESTAMPTZ(2), PG_GETARG_BOOL(3), NULL));
}

/*
 * rescore() first finds the leads whose subtotals or score would change,
 * without locking anything: each row is read as the caller (with its fit,
 * which reads the user's columns) and its engagement comes from its kept
 * state, or from the events for a lead whose state can't say.  Then
 * lq_score_leads() locks and rescores just those.
 */

/* Rows read at a time. */
#define LEADS_A_FETCH 1000

/* A lead read whose engagement must come from its events. */
typedef struct UnkeptLead
{
	char	   *id;
	Numeric		fit;
	Datum		score;
	bool		score_isnull;
	LqStoredSubtotals stored;
} UnkeptLead;

/*
 * The caller's side of stale_leads(): every row the caller sees, with its
 * fit and score, in the order of the text of its id (the id column's
 * output function, as the log has it) in the collation of leadqual's
 * indexes on lead ids, so that the owner's side walks along those indexes
 * rather than probing them a lead at a time.
 */
static char *
rows_in_id_order_sql(LqTableConfig *config, Oid collation)
{
	Oid			output = config->id_output.fn_oid;
	const char *id = quote_identifier(NameStr(config->id_column));

	return psprintf("SELECT l.%s, leadqual._fit($1, l), l.%s FROM %s AS l "
					"ORDER BY (%s(l.%s))::pg_catalog.text COLLATE %s",
					id, quote_identifier(NameStr(config->score_column)),
					lq_qualified_name(config->rows_relid),
					quote_qualified_identifier(get_namespace_name(get_func_namespace(output)),
											   get_func_name(output)),
					id, generate_collation_name(collation));
}

/* The ids (a text[]) of the leads the caller sees whose score is stale; (Datum) 0 if none. */
static Datum
stale_leads(LqTableConfig *config, TimestampTz as_of)
{
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext fetch_cxt = AllocSetContextCreate(cxt, "leadqual rows fetched", ALLOCSET_DEFAULT_SIZES);
	ArrayBuildState *stale = initArrayResult(TEXTOID, cxt, false);
	bool		any_stale = false;
	UnkeptLead *unkept = palloc(sizeof(UnkeptLead) * 64);
	int			nunkept = 0;
	int			unkept_room = 64;
	int16		score_len;
	bool		score_byval;
	Oid			argtype = REGCLASSOID;
	Datum		relid = ObjectIdGetDatum(config->rows_relid);
	LqOwnWalk	states;
	LqOwnWalk	subtotals;
	Portal		rows;

	get_typlenbyval(get_atttype(config->rows_relid,
								get_attnum(config->rows_relid, NameStr(config->score_column))),
					&score_len, &score_byval);
	lq_state_walk_begin(&states, config->log_relid);
	lq_subtotals_walk_begin(&subtotals, config->log_relid);
	/* both index lead ids alike (the column's collation): one order serves both */
	Assert(lq_own_walk_collation(&states) == lq_own_walk_collation(&subtotals));
	rows = SPI_cursor_open_with_args(NULL, rows_in_id_order_sql(config, lq_own_walk_collation(&states)),
									 1, &argtype, &relid, NULL, false, 0);
	/* loaded before the rows are read, as a change of rules would be after */
	(void) lq_table_engagement_rules(config);
	for (;;)
	{
		SPITupleTable *fetched;
		uint64		nfetched;

		SPI_cursor_fetch(rows, true, LEADS_A_FETCH);
		/* kept aside: loading the rules again (below) runs a query of its own */
		fetched = SPI_tuptable;
		nfetched = SPI_processed;
		if (nfetched == 0)
			break;
		MemoryContextSwitchTo(fetch_cxt);
		for (uint64 row = 0; row < nfetched; row++)
		{
			HeapTuple	tuple = fetched->vals[row];
			TupleDesc	desc = fetched->tupdesc;
			bool		id_isnull;
			bool		isnull;
			bool		score_isnull;
			Datum		id = SPI_getbinval(tuple, desc, 1, &id_isnull);
			Numeric		fit = DatumGetNumeric(SPI_getbinval(tuple, desc, 2, &isnull));
			Datum		score = SPI_getbinval(tuple, desc, 3, &score_isnull);
			char	   *id_text;
			Datum		lead_id;
			Numeric		engagement;
			LqStoredSubtotals stored;

			if (id_isnull)
				continue;		/* a row without an id has no score to keep */
			/* the id as the log has it: the column's output function */
			id_text = OutputFunctionCall(&config->id_output, id);
			lead_id = CStringGetTextDatum(id_text);
			/*
			 * The rules are looked up for each lead: reading a row computes
			 * its fit, which may rebuild the table's settings, and with
			 * them the rules, after a change another session committed.
			 */
			engagement = lq_walked_engagement(lq_table_engagement_rules(config), &states,
											  lead_id, as_of);
			(void) lq_walked_subtotals(&subtotals, lead_id, &stored);
			if (engagement == NULL)
			{
				UnkeptLead *lead;

				MemoryContextSwitchTo(cxt);
				if (nunkept == unkept_room)
				{
					unkept_room *= 2;
					unkept = repalloc_huge(unkept, sizeof(UnkeptLead) * unkept_room);
				}
				lead = &unkept[nunkept++];
				lead->id = pstrdup(id_text);
				lead->fit = DatumGetNumericCopy(NumericGetDatum(fit));
				lead->score_isnull = score_isnull;
				lead->score = score_isnull ? (Datum) 0 : datumCopy(score, score_byval, score_len);
				lead->stored.stored = stored.stored;
				if (stored.stored)
				{
					lead->stored.fit = DatumGetNumericCopy(NumericGetDatum(stored.fit));
					lead->stored.engagement = DatumGetNumericCopy(NumericGetDatum(stored.engagement));
				}
				MemoryContextSwitchTo(fetch_cxt);
			}
			else if (lq_score_is_stale(config, &stored, fit, engagement, score, score_isnull))
			{
				stale = accumArrayResult(stale, lead_id, false, TEXTOID, cxt);
				any_stale = true;
			}
		}
		MemoryContextSwitchTo(cxt);
		MemoryContextReset(fetch_cxt);
		SPI_freetuptable(fetched);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(rows);
	lq_own_walk_end(&subtotals);
	lq_own_walk_end(&states);
	if (nunkept > 0)
	{
		Datum	   *ids = palloc(sizeof(Datum) * nunkept);
		Numeric    *engagements = palloc(sizeof(Numeric) * nunkept);

		for (int i = 0; i < nunkept; i++)
			ids[i] = CStringGetTextDatum(unkept[i].id);
		lq_engagements_from_events(config->log_relid, as_of, nunkept, ids, engagements);
		for (int i = 0; i < nunkept; i++)
			if (lq_score_is_stale(config, &unkept[i].stored, unkept[i].fit, engagements[i],
								  unkept[i].score, unkept[i].score_isnull))
			{
				stale = accumArrayResult(stale, ids[i], false, TEXTOID, cxt);
				any_stale = true;
			}
	}
	MemoryContextDelete(fetch_cxt);
	return any_stale ? makeArrayResult(stale, cxt) : (Datum) 0;
}

/*
 * The table and as_of of rescore() and rescore_due(), checked: not NULL, a
 * finite time, a table scored by a model that the caller may update.  A
 * table Citus distributes is rescored a shard at a time (on the
 * coordinator, lq_citus_rescore()); a shard named by hand is refused.
 */
static LqTableConfig *
rescored_table(FunctionCallInfo fcinfo, const char *caller, TimestampTz *as_of)
{
	Oid			relid;
	LqTableConfig *config;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: arguments must not be NULL", caller),
				 errhint("Leave as_of out to rescore as of now.")));
	relid = PG_GETARG_OID(0);
	*as_of = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(*as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: as_of must be a finite time, not %s", caller,
						DatumGetCString(DirectFunctionCall1(timestamptz_out, PG_GETARG_DATUM(1)))),
				 errhint("Leave it out to rescore as of now.")));
	config = lq_config_for_scored_table(relid, caller);
	if (config->shard.shardid != 0)
		lq_refuse_distributed(config, caller);
	require_rescore_privilege(config, relid, caller);
	return config;
}

/* Errors unless the caller may UPDATE the table, whose score column rescoring writes. */
static void
require_rescore_privilege(LqTableConfig *config, Oid relid, const char *caller)
{
	/* checked first: with nothing to change, nothing else would check it */
	if (pg_class_aclcheck(relid, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s: permission denied for table %s", caller, config->display_name),
				 errhint("%s() writes the score column, so it needs UPDATE on the table.",
						 caller + strlen("leadqual."))));
}

/* Adds the ids (a text[]) to *left, which may still be NULL. */
static void
add_ids(ArrayBuildState **left, Datum ids)
{
	ArrayIterator it = array_create_iterator(DatumGetArrayTypeP(ids), 0, NULL);
	Datum		id;
	bool		isnull;

	if (*left == NULL)
		*left = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	while (array_iterate(it, &id, &isnull))
		*left = accumArrayResult(*left, id, isnull, TEXTOID, CurrentMemoryContext);
	array_free_iterator(it);
}

/*
 * Rescores the leads (ids, a text[]) of table relid as lq_score_leads()
 * does, leaving those other transactions hold, and adding the ids of
 * those it did not rescore to *left (unless left is NULL).  On a shard, a
 * distribution value at a time: leadqual writes a lead's rows beside it,
 * with its distribution value (lq_shard_write), which its id doesn't give.
 */
static int64
score_stale_leads(LqTableConfig *config, Oid relid, Datum ids, TimestampTz as_of,
				  ArrayBuildState **left)
{
	ScoredColumns columns;
	const char *key;
	Oid			key_type;
	int16		key_len;
	bool		key_byval;
	Oid			argtype = TEXTARRAYOID;
	char	   *sql;
	int			ngroups;
	Datum	   *keys;
	Datum	   *groups;
	bool	   *gone;
	int64		changed = 0;

	if (config->shard.shardid == 0)
		return lq_score_leads(relid, ids, as_of, true, left);
	Assert(lq_shard_write.shardid == config->shard.shardid);
	columns = scored_columns(config);
	key = quote_identifier(get_attname(config->rows_relid, config->shard.key_attnum, false));
	key_type = get_atttype(config->rows_relid, config->shard.key_attnum);
	get_typlenbyval(key_type, &key_len, &key_byval);
	/* leads deleted since come with a NULL key: Citus allows none in a row */
	sql = psprintf("SELECT l.%s, pg_catalog.array_agg(u.id) "
				   "FROM pg_catalog.unnest($1::pg_catalog.text[]) AS u(id) "
				   "LEFT JOIN %s AS l ON l.%s %s u.id::%s GROUP BY 1",
				   key, columns.table, columns.id, columns.equals, columns.id_type);
	if (SPI_execute_with_args(sql, 1, &argtype, &ids, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "leadqual: \"%s\" failed", sql);
	ngroups = (int) SPI_processed;
	keys = palloc(sizeof(Datum) * Max(ngroups, 1));
	groups = palloc(sizeof(Datum) * Max(ngroups, 1));
	gone = palloc(sizeof(bool) * Max(ngroups, 1));
	for (int i = 0; i < ngroups; i++)
	{
		bool		isnull;

		keys[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &gone[i]);
		if (!gone[i])
			keys[i] = datumCopy(keys[i], key_byval, key_len);
		groups[i] = datumCopy(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull),
							  false, -1);
	}
	SPI_freetuptable(SPI_tuptable);
	for (int i = 0; i < ngroups; i++)
	{
		if (gone[i])
		{
			if (left != NULL)
				add_ids(left, groups[i]);
			continue;
		}
		lq_write_beside_lead(config->shard.shardid, keys[i], false, key_type);
		changed += lq_score_leads(relid, groups[i], as_of, true, left);
	}
	return changed;
}

/*
 * rescore(): the leads of table relid (its shard, on a worker) whose score
 * is stale, rescored; how many scores changed.
 */
static int64
rescore_leads(LqTableConfig *config, Oid relid, TimestampTz as_of)
{
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "leadqual rescore",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller_cxt = MemoryContextSwitchTo(scratch);
	Datum		stale;
	int64		changed = 0;

	lq_connect_spi();
	stale = stale_leads(config, as_of);
	if (stale != (Datum) 0)
		changed = score_stale_leads(config, relid, stale, as_of, NULL);
	SPI_finish();
	MemoryContextSwitchTo(caller_cxt);
	MemoryContextDelete(scratch);
	return changed;
}

/*
 * rescore() (rescore_due() with due_only) of table relid on this node, or
 * of its shard here.
 */
static int64
rescore_here(LqTableConfig *config, Oid relid, TimestampTz as_of, bool due_only)
{
	return due_only ? rescore_due_leads(config, relid, as_of) : rescore_leads(config, relid, as_of);
}

/*
 * rescore() or rescore_due() called with fcinfo: checked, then run here, or
 * on a table Citus distributes, shard-parallel (lq_citus_rescore()).
 */
static int64
rescore_called(FunctionCallInfo fcinfo, bool due_only)
{
	TimestampTz as_of;
	LqTableConfig *config = rescored_table(fcinfo, due_only ? "leadqual.rescore_due" : "leadqual.rescore",
										   &as_of);

	if (config->distributed)
		return lq_citus_rescore(config, as_of, due_only);
	return rescore_here(config, PG_GETARG_OID(0), as_of, due_only);
}

/*
 * leadqual.rescore(leads regclass, as_of timestamptz DEFAULT now()) RETURNS
 * bigint: rescores every lead of the table the caller sees as of a time
 * (decay, windows, changed rules) and returns how many scores changed.
 * Leads other transactions hold are left alone: their own writes rescore
 * them.  On a table Citus distributes, shard-parallel (lq_citus_rescore()).
 * C since 0.5.0 (PL/pgSQL, reading every event, until then).
 */
PG_FUNCTION_INFO_V1(leadqual_rescore);
Datum
leadqual_rescore(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(rescore_called(fcinfo, false));
}

/* The leads rescore_due() looks at a time: as many as the kept plans take. */
#define DUE_BATCH FEW_LEADS

/*
 * Of the ids (text[]) of leads rescore_due() found due but did not rescore,
 * those whose row the table no longer has: they are made never due, or they
 * would stay due for ever, and their kept state is dropped.  (Those another transaction held stay due,
 * for the next run.)
 */
static void
forget_deleted_leads(LqTableConfig *config, Datum lead_ids)
{
	ScoredColumns columns;
	char	   *sql;
	Oid			argtype = TEXTARRAYOID;
	ArrayBuildState *gone;
	int			rc;

	/* a role the table's row-level security restricts can't tell gone from hidden */
	if (check_enable_rls(config->relid, InvalidOid, true) == RLS_ENABLED)
		return;
	columns = scored_columns(config);
	sql = psprintf("SELECT u.id FROM pg_catalog.unnest($1::pg_catalog.text[]) AS u(id) "
				   "WHERE NOT EXISTS (SELECT FROM %s AS l WHERE l.%s %s u.id::%s)",
				   columns.table, columns.id, columns.equals, columns.id_type);
	gone = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	rc = SPI_execute_with_args(sql, 1, &argtype, &lead_ids, NULL, false, 0);

	if (rc != SPI_OK_SELECT)
		elog(ERROR, "leadqual: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		gone = accumArrayResult(gone, SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1,
													&isnull), false, TEXTOID, CurrentMemoryContext);
	}
	if (SPI_processed > 0)
		lq_forget_deleted_leads(config->log_relid, makeArrayResult(gone, CurrentMemoryContext));
}

/*
 * leadqual.rescore_due(leads regclass, as_of timestamptz DEFAULT now())
 * RETURNS bigint: rescores the leads whose kept engagement state says
 * their score may have changed by as_of (a window letting an event go,
 * decay taking a rule's points past a rounding boundary), in batches that
 * use the kept plans, skipping leads other transactions hold; returns how
 * many scores changed.  Each lead rescored gets its next due time.
 */
PG_FUNCTION_INFO_V1(leadqual_rescore_due);
Datum
leadqual_rescore_due(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(rescore_called(fcinfo, true));
}

/*
 * rescore_due(): the leads of table relid (its shard, on a worker) due by
 * as_of, rescored in batches that use the kept plans; how many scores
 * changed.  Each lead rescored gets its next due time.
 */
static int64
rescore_due_leads(LqTableConfig *config, Oid relid, TimestampTz as_of)
{
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "leadqual rescore_due",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller_cxt = MemoryContextSwitchTo(scratch);
	TimestampTz after_due = DT_NOBEGIN;
	char	   *after_id = "";
	int64		changed = 0;
	ArrayBuildState *left = NULL;

	lq_connect_spi();
	for (;;)
	{
		Datum	   *ids;
		int			n = lq_due_leads(config->log_relid, as_of, &after_due, &after_id, DUE_BATCH, &ids);
		Datum		batch;

		if (n == 0)
			break;
		batch = PointerGetDatum(construct_array(ids, n, TEXTOID, -1, false, TYPALIGN_INT));
		/* those not locked stay due: held by others, or deleted */
		changed += score_stale_leads(config, relid, batch, as_of, &left);
		CHECK_FOR_INTERRUPTS();
	}
	if (left != NULL)
		forget_deleted_leads(config, makeArrayResult(left, scratch));
	SPI_finish();
	MemoryContextSwitchTo(caller_cxt);
	MemoryContextDelete(scratch);
	return changed;
}

/*
 * leadqual._rescore_shard(shard oid, as_of timestamptz, due_only boolean)
 * RETURNS bigint: on a worker, rescore() (rescore_due() with due_only) of
 * the leads in one shard of a table Citus distributes, as the caller; how
 * many scores changed.  lq_citus_rescore() calls it on the coordinator in
 * a query over the table's rows, which Citus runs a task a shard, in
 * parallel on the workers: the shard's first row rescores it, the others
 * return 0.  It has no SET clause, which would switch a GUC for every
 * row: it sets rescore()'s search_path itself, for the rescoring.
 */
PG_FUNCTION_INFO_V1(leadqual_rescore_shard);
Datum
leadqual_rescore_shard(PG_FUNCTION_ARGS)
{
	Oid			shard = PG_GETARG_OID(0);
	TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(1);
	bool		due_only = PG_GETARG_BOOL(2);
	const char *caller = due_only ? "leadqual.rescore_due" : "leadqual.rescore";
	Oid		   *rescored = fcinfo->flinfo->fn_extra;
	LqTableConfig *config;
	LqShardWrite saved = lq_shard_write;
	int			nest_level;
	int64		changed = 0;

	if (rescored != NULL && *rescored == shard)
		PG_RETURN_INT64(0);
	config = lq_config_if_managed(shard);
	if (config == NULL || config->shard.shardid == 0 || config->model == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual._rescore_shard: relation %u is no shard of a table Citus distributes and a model scores",
						shard),
				 errhint("Call leadqual.rescore() or leadqual.rescore_due() on the coordinator.")));
	if (TIMESTAMP_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual._rescore_shard: as_of must be a finite time"),
				 errhint("Call leadqual.rescore() or leadqual.rescore_due() on the coordinator.")));
	require_rescore_privilege(config, config->shard.table, caller);
	if (rescored == NULL)
		rescored = fcinfo->flinfo->fn_extra = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(Oid));
	*rescored = shard;
	nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	PG_TRY();
	{
		lq_shard_write.shardid = config->shard.shardid;
		lq_shard_write.key_isnull = true;
		changed = rescore_here(config, config->rows_relid, as_of, due_only);
	}
	PG_FINALLY();
	{
		lq_shard_write = saved;
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nest_level);
	PG_RETURN_INT64(changed);
}
