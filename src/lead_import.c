/*
 * lead_import.c
 *		leadqual.import_history(leads, transitions, assignments, touches):
 *		brings in the history leads had before leadqual managed them, from
 *		a CRM's export, as if leadqual had logged it as it happened.
 *
 * As the caller, with the caller's privileges and row security, it reads
 * the staging relations (their columns cast to plain types there), then
 * finds and locks the leads they name (FOR NO KEY UPDATE, so no stage
 * change can slip in until it commits) and reads their current stage and
 * owner.  In plain C it checks every row, and each lead's transitions in
 * order of time against the stage rules (core/stage.c); the first bad row
 * fails the call, named, before anything is written.  As the owner, with
 * plain values, it reads what leadqual already holds of those leads: a lead
 * imported before is skipped when every row given for it was imported
 * already (so the same import twice adds nothing), and a lead with history
 * of its own is refused.  Then it writes, the assignments as the owner, the
 * touches as the caller (as touch() does), and in one statement, as the
 * owner, the transitions (via 'import') and the SLA clocks they would have
 * started, stopped by the touches and stage exits that followed, with due
 * times and business time counted by their calendars from the real times.
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "clock_references.h"
#include "config.h"
#include "lead_identity.h"
#include "leadqual.h"
#include "model_score.h"
#include "stage_datum.h"
#include "trust_boundary.h"

#define CALLER "leadqual.import_history"

/* The kinds of rows imported, in the order of the receipt. */
typedef enum ImportKind
{
	IMPORT_TRANSITION,
	IMPORT_ASSIGNMENT,
	IMPORT_TOUCH,
	IMPORT_KIND_COUNT
} ImportKind;

/* A staging relation's column, as import_history() reads it. */
typedef struct StagingColumn
{
	const char *name;
	const char *type;			/* what it is cast to, as the caller */
	bool		required;
} StagingColumn;

#define MAX_STAGING_COLUMNS 6

static const StagingColumn staging_columns[IMPORT_KIND_COUNT][MAX_STAGING_COLUMNS] = {
	{{"lead_id", "pg_catalog.text", true}, {"from_stage", "pg_catalog.text", false},
	 {"to_stage", "pg_catalog.text", true}, {"changed_at", "pg_catalog.timestamptz", true},
	 {"changed_by", "pg_catalog.text", false}, {"reason", "pg_catalog.text", false}},
	{{"lead_id", "pg_catalog.text", true}, {"owner", "pg_catalog.text", true},
	 {"assigned_at", "pg_catalog.timestamptz", true}, {"assigned_by", "pg_catalog.text", false}},
	{{"lead_id", "pg_catalog.text", true}, {"kind", "pg_catalog.text", false},
	 {"touched_at", "pg_catalog.timestamptz", true}, {"actor", "pg_catalog.text", false}},
};
static const int staging_column_count[IMPORT_KIND_COUNT] = {6, 4, 4};
static const char *const kind_noun[IMPORT_KIND_COUNT] = {"transition", "assignment", "touch"};
static const char *const kind_plural[IMPORT_KIND_COUNT] = {"transitions", "assignments", "touches"};

/*
 * One imported row.  "text" holds the row's text columns after lead_id:
 * a transition's changed_by and reason, an assignment's owner and
 * assigned_by, a touch's kind and actor.
 */
typedef struct ImportRow
{
	const char *given_id;		/* the lead's id as the row gives it */
	int			lead;			/* index into the leads, once found */
	int64		ordinal;		/* its place in the staging relation */
	TimestampTz at;
	char	   *text[2];
	LqStage		from;			/* transitions: LQ_STAGE_INVALID, none */
	bool		from_given;
	LqStage		to;
	char	   *owner_then;		/* transitions: the owner at that time */
} ImportRow;

typedef struct ImportRows
{
	ImportRow  *rows;
	int			count;
} ImportRows;

/* A lead the rows name. */
typedef struct ImportLead
{
	char	   *id;				/* its id as leadqual logs it */
	LqStage		stage;			/* its current stage */
	char	   *owner;			/* its current owner; NULL: none */
	bool		skip;			/* imported before: nothing to add */
	bool		has_own_history;	/* logged by leadqual, not imported */
	List	   *imported[2];	/* ImportRow *: its transitions and
								 * assignments imported before */
} ImportLead;

typedef struct Import
{
	LqTableConfig *config;
	TimestampTz now;
	ImportRows	rows[IMPORT_KIND_COUNT];
	ImportLead *leads;			/* sorted by id */
	int			lead_count;
	int64		imported[IMPORT_KIND_COUNT + 1];	/* + the clocks */
	int64		skipped[IMPORT_KIND_COUNT + 1];
} Import;

/* What the caller is named in logged rows when a column doesn't say. */
static char *
caller_name(void)
{
	return GetUserNameFromId(GetUserId(), false);
}

/* "the transition of lead "7" to mql at 2024-03-01 09:00:00+00", for errors. */
static char *
describe_row(ImportKind kind, const ImportRow *row)
{
	const char *at = timestamptz_to_str(row->at);

	switch (kind)
	{
		case IMPORT_TRANSITION:
			return psprintf("the transition of lead \"%s\" to %s at %s", row->given_id,
							lq_stage_name(row->to), at);
		case IMPORT_ASSIGNMENT:
			return psprintf("the assignment of lead \"%s\" to %s at %s", row->given_id,
							row->text[0] == NULL ? "no owner" : quote_literal_cstr(row->text[0]), at);
		case IMPORT_TOUCH:
			return psprintf("the touch of lead \"%s\" at %s", row->given_id, at);
		case IMPORT_KIND_COUNT:
			break;
	}
	pg_unreachable();
}

/*
 * The SELECT that reads a staging relation as the caller, each column cast
 * to a plain type (a missing optional column reads NULL), in the order of
 * staging_columns[kind].
 */
static char *
staging_query(ImportKind kind, Oid relid)
{
	StringInfoData sql;
	char		relkind = get_rel_relkind(relid);

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE && relkind != RELKIND_VIEW &&
		relkind != RELKIND_MATVIEW && relkind != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s: %s relation %s is not a table or view", CALLER, kind_plural[kind],
						lq_qualified_name(relid)),
				 errhint("Name a table, a view or a temporary table with the %s to import.", kind_plural[kind])));
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (int c = 0; c < staging_column_count[kind]; c++)
	{
		const StagingColumn *column = &staging_columns[kind][c];

		if (c > 0)
			appendStringInfoString(&sql, ", ");
		if (get_attnum(relid, column->name) != InvalidAttrNumber)
			appendStringInfo(&sql, "CAST(s.%s AS %s)", quote_identifier(column->name), column->type);
		else if (!column->required)
			appendStringInfo(&sql, "CAST(NULL AS %s)", column->type);
		else
		{
			StringInfoData names;

			initStringInfo(&names);
			for (int n = 0; n < staging_column_count[kind]; n++)
				appendStringInfo(&names, "%s%s%s", n > 0 ? ", " : "", staging_columns[kind][n].name,
								 staging_columns[kind][n].required ? "" : " (optional)");
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("%s: %s relation %s has no column \"%s\"", CALLER, kind_plural[kind],
							lq_qualified_name(relid), column->name),
					 errhint("The %s are read from columns named %s.", kind_plural[kind], names.data)));
		}
	}
	appendStringInfo(&sql, " FROM %s AS s", lq_qualified_name(relid));
	return sql.data;
}

static void
require_value(bool present, ImportKind kind, int64 ordinal, const char *column, const char *hint)
{
	if (!present)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: %s %lld of the import has no %s", CALLER, kind_noun[kind],
						(long long) ordinal, column),
				 errhint("%s", hint)));
}

/* A stage named by a staging row, or an error naming the row. */
static LqStage
stage_named(const char *name, ImportKind kind, const ImportRow *row, const char *column)
{
	LqStage		stage = (LqStage) lq_stage_from_name(name);

	if (stage == LQ_STAGE_INVALID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s: %s %lld of the import, of lead \"%s\", has %s \"%s\", which is not a lifecycle stage",
						CALLER, kind_noun[kind], (long long) row->ordinal, row->given_id, column, name),
				 errhint("The stages are listed in leadqual.stages; map the CRM's stage names onto them.")));
	return stage;
}

/* Reads one row of a staging relation's SELECT into "row". */
static void
read_row(ImportKind kind, HeapTuple tuple, TupleDesc tupdesc, int64 ordinal, ImportRow *row,
		 Import *import)
{
	Datum		values[MAX_STAGING_COLUMNS];
	bool		nulls[MAX_STAGING_COLUMNS];
	int			at_column = kind == IMPORT_TRANSITION ? 3 : 2;
	char	   *strings[MAX_STAGING_COLUMNS];

	for (int c = 0; c < staging_column_count[kind]; c++)
	{
		values[c] = SPI_getbinval(tuple, tupdesc, c + 1, &nulls[c]);
		strings[c] = nulls[c] || c == at_column ? NULL : TextDatumGetCString(values[c]);
	}
	memset(row, 0, sizeof(ImportRow));
	row->ordinal = ordinal;
	row->from = LQ_STAGE_INVALID;
	require_value(!nulls[0], kind, ordinal, "lead_id", "Every row names its lead by its id.");
	row->given_id = strings[0];
	require_value(!nulls[at_column], kind, ordinal, staging_columns[kind][at_column].name,
				  "Every row says when it happened.");
	row->at = DatumGetTimestampTz(values[at_column]);
	if (TIMESTAMP_NOT_FINITE(row->at) || row->at > import->now)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s %lld of the import, of lead \"%s\", is dated %s, which is %s",
						CALLER, kind_noun[kind], (long long) ordinal, row->given_id,
						timestamptz_to_str(row->at), TIMESTAMP_NOT_FINITE(row->at) ? "not a finite time" : "in the future"),
				 errhint("Import only what happened before the import; leadqual logs what happens from now on.")));
	switch (kind)
	{
		case IMPORT_TRANSITION:
			require_value(!nulls[2], kind, ordinal, "to_stage", "Every transition names the stage the lead entered.");
			row->to = stage_named(strings[2], kind, row, "to_stage");
			row->from_given = !nulls[1];
			if (row->from_given)
				row->from = stage_named(strings[1], kind, row, "from_stage");
			row->text[0] = strings[4] != NULL ? strings[4] : caller_name();
			row->text[1] = strings[5];
			break;
		case IMPORT_ASSIGNMENT:
			row->text[0] = strings[1];
			row->text[1] = strings[3] != NULL ? strings[3] : caller_name();
			break;
		case IMPORT_TOUCH:
			row->text[0] = strings[1] != NULL ? strings[1] : pstrdup("call");
			if (row->text[0][0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: %s has an empty kind", CALLER, describe_row(kind, row)),
						 errhint("Name the activity, such as 'call', 'email' or 'meeting', or leave kind NULL for 'call'.")));
			row->text[1] = strings[3] != NULL ? strings[3] : caller_name();
			break;
		case IMPORT_KIND_COUNT:
			pg_unreachable();
	}
}

/* Reads every row of a staging relation, as the caller. */
static void
read_staging(Import *import, ImportKind kind, Oid relid)
{
	ImportRows *rows = &import->rows[kind];
	int			allocated = 1024;
	Portal		portal;

	rows->rows = palloc(sizeof(ImportRow) * allocated);
	portal = SPI_cursor_open_with_args(NULL, staging_query(kind, relid), 0, NULL, NULL, NULL, true, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			if (rows->count == allocated)
			{
				if ((Size) allocated * 2 > MaxAllocSize / sizeof(ImportRow))
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("%s: too many rows in %s", CALLER, lq_qualified_name(relid)),
							 errhint("Import the leads in batches, each lead's rows in one batch.")));
				allocated *= 2;
				rows->rows = repalloc(rows->rows, sizeof(ImportRow) * allocated);
			}
			read_row(kind, SPI_tuptable->vals[i], SPI_tuptable->tupdesc, rows->count + 1,
					 &rows->rows[rows->count], import);
			rows->count++;
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static int
compare_leads(const void *a, const void *b)
{
	return strcmp(((const ImportLead *) a)->id, ((const ImportLead *) b)->id);
}

/* The lead of that id, or -1. */
static int
find_lead(const Import *import, const char *id)
{
	ImportLead	key = {.id = (char *) id};
	ImportLead *found = bsearch(&key, import->leads, import->lead_count, sizeof(ImportLead),
								compare_leads);

	return found == NULL ? -1 : (int) (found - import->leads);
}

/* A given id and the lead it names, for the lookup. */
typedef struct GivenId
{
	char	   *given;
	char	   *id;
	LqStage		stage;
	char	   *owner;
} GivenId;

static int
compare_given(const void *a, const void *b)
{
	return strcmp(((const GivenId *) a)->given, ((const GivenId *) b)->given);
}

/*
 * Finds and locks, as the caller, the leads the rows name, by the ids as
 * given (cast to the id column's type, with its own equality), and points
 * every row at its lead, named by its id as leadqual logs it.  A row whose
 * lead the caller can't find fails the import.
 */
static void
find_leads(Import *import)
{
	LqTableConfig *config = import->config;
	int			total = 0;
	int			distinct = 0;
	char	  **given;
	GivenId    *found;
	int			found_count = 0;
	Datum	   *elements;
	Oid			argtype = TEXTARRAYOID;
	Datum		array;
	char	   *sql;
	Portal		portal;

	for (int k = 0; k < IMPORT_KIND_COUNT; k++)
		total += import->rows[k].count;
	given = palloc(sizeof(char *) * Max(total, 1));
	for (int k = 0; k < IMPORT_KIND_COUNT; k++)
		for (int i = 0; i < import->rows[k].count; i++)
			given[distinct++] = (char *) import->rows[k].rows[i].given_id;
	qsort(given, distinct, sizeof(char *), compare_strings);
	total = distinct;
	distinct = 0;
	for (int i = 0; i < total; i++)
		if (distinct == 0 || strcmp(given[distinct - 1], given[i]) != 0)
			given[distinct++] = given[i];

	elements = palloc(sizeof(Datum) * Max(distinct, 1));
	for (int i = 0; i < distinct; i++)
		elements[i] = CStringGetTextDatum(given[i]);
	array = PointerGetDatum(construct_array(elements, distinct, TEXTOID, -1, false, TYPALIGN_INT));
	sql = psprintf("SELECT k.id, l.%s, l.%s%s%s FROM pg_catalog.unnest($1) AS k(id)"
				   " JOIN %s AS l ON l.%s %s CAST(k.id AS %s) FOR NO KEY UPDATE OF l",
				   quote_identifier(NameStr(config->id_column)),
				   quote_identifier(NameStr(config->stage_column)),
				   config->owner_attnum != InvalidAttrNumber ? ", l." : "",
				   config->owner_attnum != InvalidAttrNumber ? quote_identifier(NameStr(config->owner_column)) : "",
				   lq_qualified_name(config->rows_relid),
				   quote_identifier(NameStr(config->id_column)),
				   lq_qualified_equality(config->id_type, CALLER),
				   format_type_be_qualified(config->id_type));
	found = palloc(sizeof(GivenId) * Max(distinct, 1));
	portal = SPI_cursor_open_with_args(NULL, sql, 1, &argtype, &array, NULL, false, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[i];
			TupleDesc	tupdesc = SPI_tuptable->tupdesc;
			GivenId    *g;
			bool		isnull;
			Datum		owner;

			if (found_count == distinct)	/* a given id matching two rows */
				ereport(ERROR,
						(errcode(ERRCODE_CARDINALITY_VIOLATION),
						 errmsg("%s: a lead id of the import names more than one row of table %s",
								CALLER, config->display_name),
						 errhint("Import into a table whose id column is unique.")));
			g = &found[found_count++];
			g->given = TextDatumGetCString(SPI_getbinval(tuple, tupdesc, 1, &isnull));
			g->id = OutputFunctionCall(&config->id_output, SPI_getbinval(tuple, tupdesc, 2, &isnull));
			g->stage = lq_stage_from_datum(SPI_getbinval(tuple, tupdesc, 3, &isnull));
			g->owner = NULL;
			if (config->owner_attnum != InvalidAttrNumber)
			{
				owner = SPI_getbinval(tuple, tupdesc, 4, &isnull);
				if (!isnull)
					g->owner = OutputFunctionCall(&config->owner_output, owner);
			}
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);

	qsort(found, found_count, sizeof(GivenId), compare_given);
	for (int i = 1; i < found_count; i++)
		if (strcmp(found[i - 1].given, found[i].given) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_CARDINALITY_VIOLATION),
					 errmsg("%s: lead id \"%s\" names more than one row of table %s",
							CALLER, found[i].given, config->display_name),
					 errhint("Import into a table whose id column is unique.")));

	/* the leads, one per id as logged */
	import->leads = palloc0(sizeof(ImportLead) * Max(found_count, 1));
	for (int i = 0; i < found_count; i++)
	{
		import->leads[i].id = found[i].id;
		import->leads[i].stage = found[i].stage;
		import->leads[i].owner = found[i].owner;
	}
	qsort(import->leads, found_count, sizeof(ImportLead), compare_leads);
	for (int i = 0; i < found_count; i++)
		if (import->lead_count == 0 ||
			strcmp(import->leads[import->lead_count - 1].id, import->leads[i].id) != 0)
			import->leads[import->lead_count++] = import->leads[i];

	for (int k = 0; k < IMPORT_KIND_COUNT; k++)
		for (int i = 0; i < import->rows[k].count; i++)
		{
			ImportRow  *row = &import->rows[k].rows[i];
			GivenId		key = {.given = (char *) row->given_id};
			GivenId    *g = bsearch(&key, found, found_count, sizeof(GivenId), compare_given);

			if (g == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_NO_DATA_FOUND),
						 errmsg("%s: %s names lead \"%s\", which table %s does not have",
								CALLER, describe_row(k, row), row->given_id, config->display_name),
						 errhint("Load the leads into the table first, then import their history; "
								 "a lead is named by its id as text.")));
			row->lead = find_lead(import, g->id);
			Assert(row->lead >= 0);
		}
}

/* Rows in order of lead, then time, then their place in the import. */
static int
compare_rows(const void *a, const void *b)
{
	const ImportRow *x = a;
	const ImportRow *y = b;

	if (x->lead != y->lead)
		return x->lead < y->lead ? -1 : 1;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->ordinal != y->ordinal)
		return x->ordinal < y->ordinal ? -1 : 1;
	return 0;
}

/*
 * Whether the code is a row of leadqual.rejection_reason: looked up once
 * per code (*known holds those found), not once per row.
 */
static bool
reason_exists(const char *code, List **known)
{
	Oid			argtype = TEXTOID;
	Datum		value = CStringGetTextDatum(code);
	ListCell   *cell;

	foreach(cell, *known)
		if (strcmp(lfirst(cell), code) == 0)
			return true;
	if (SPI_execute_with_args("SELECT FROM leadqual.rejection_reason AS r"
							  " WHERE r.code OPERATOR(pg_catalog.=) $1",
							  1, &argtype, &value, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "%s: reading leadqual.rejection_reason failed", CALLER);
	if (SPI_processed == 0)
		return false;
	*known = lappend(*known, (char *) code);
	return true;
}

/*
 * Checks each lead's transitions, in order of time, against the stage
 * rules (unless leadqual.enforce_stage_rules is off, as for a repair), and
 * fills in the stage each left where the row leaves it out.
 */
static void
check_transitions(Import *import)
{
	ImportRows *rows = &import->rows[IMPORT_TRANSITION];
	List	   *known_reasons = NIL;

	for (int i = 0; i < rows->count; i++)
	{
		ImportRow  *row = &rows->rows[i];
		bool		first = i == 0 || rows->rows[i - 1].lead != row->lead;
		LqStage		previous = first ? LQ_STAGE_INVALID : rows->rows[i - 1].to;
		const char *reason = row->text[1];
		LqMoveVerdict verdict;

		if (!first && row->from_given && row->from != previous)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("%s: %s says it left %s, but the transition before it left the lead in %s",
							CALLER, describe_row(IMPORT_TRANSITION, row), lq_stage_name(row->from),
							lq_stage_name(previous)),
					 errhint("Give each lead's transitions in full, or leave from_stage NULL to take the stage the one before left.")));
		if (!first)
			row->from = previous;
		if (row->from == row->to)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: %s does not change its stage", CALLER,
							describe_row(IMPORT_TRANSITION, row)),
					 errhint("Leave out rows that repeat the stage the lead is in.")));
		verdict = row->from == LQ_STAGE_INVALID
			? (lq_stage_is_funnel(row->to) ? LQ_MOVE_ALLOWED : LQ_MOVE_NEEDS_REASON)
			: lq_move_verdict(row->from, row->to);
		if (verdict == LQ_MOVE_BACKWARD && lq_enforce_stage_rules)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("%s: %s moves it backward from %s", CALLER,
							describe_row(IMPORT_TRANSITION, row), lq_stage_name(row->from)),
					 errdetail("A lead moves forward along the funnel; it leaves the funnel only for recycled or disqualified."),
					 errhint("Import the move as one into recycled with a reason, then out of it; "
							 "or, to import the history as it was, a privileged role can SET LOCAL leadqual.enforce_stage_rules = off.")));
		if (verdict == LQ_MOVE_NEEDS_REASON && reason == NULL && lq_enforce_stage_rules)
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("%s: %s needs a rejection reason", CALLER, describe_row(IMPORT_TRANSITION, row)),
					 errhint("Give the row a reason, a code of leadqual.rejection_reason; add the CRM's own reasons there first.")));
		if (reason != NULL && row->to != LQ_STAGE_RECYCLED && row->to != LQ_STAGE_DISQUALIFIED)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: %s has reason \"%s\", but only a move into recycled or disqualified has one",
							CALLER, describe_row(IMPORT_TRANSITION, row), reason),
					 errhint("Leave reason NULL on the other transitions.")));
		if (reason != NULL && !reason_exists(reason, &known_reasons))
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("%s: %s has reason \"%s\", which is not in leadqual.rejection_reason",
							CALLER, describe_row(IMPORT_TRANSITION, row), reason),
					 errhint("Add the reason first: INSERT INTO leadqual.rejection_reason (code, description) VALUES ('%s', '...');",
							 reason)));
	}
}

/*
 * Reads, as the owner, what leadqual holds of the leads already: its log
 * and assignments, marked whether imported.  $1 the table, $2 the ids.
 */
static LqKeptQuery history_query = {
	"SELECT t.lead_id, 0, t.via OPERATOR(pg_catalog.=) 'import', t.from_stage::pg_catalog.text,"
	"       t.to_stage::pg_catalog.text, t.changed_at, NULL::pg_catalog.text"
	" FROM leadqual.transition AS t"
	" WHERE t.lead_table OPERATOR(pg_catalog.=) $1 AND t.lead_id OPERATOR(pg_catalog.=) ANY ($2)"
	" UNION ALL "
	"SELECT a.lead_id, 1, a.via OPERATOR(pg_catalog.=) 'import', NULL, NULL, a.assigned_at, a.owner"
	" FROM leadqual.assignment AS a"
	" WHERE a.lead_table OPERATOR(pg_catalog.=) $1 AND a.lead_id OPERATOR(pg_catalog.=) ANY ($2)",
	2, {REGCLASSOID, TEXTARRAYOID}, NULL, 0
};

/* The ids of the leads, as a text[]. */
static Datum
lead_id_array(const Import *import)
{
	Datum	   *ids = palloc(sizeof(Datum) * Max(import->lead_count, 1));

	for (int i = 0; i < import->lead_count; i++)
		ids[i] = CStringGetTextDatum(import->leads[i].id);
	return PointerGetDatum(construct_array(ids, import->lead_count, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Whether a transition or assignment given equals one imported before. */
static bool
imported_before(const ImportLead *lead, ImportKind kind, const ImportRow *row)
{
	ListCell   *cell;

	Assert(kind == IMPORT_TRANSITION || kind == IMPORT_ASSIGNMENT);
	foreach(cell, lead->imported[kind])
	{
		const ImportRow *old = lfirst(cell);

		if (old->at != row->at)
			continue;
		if (kind == IMPORT_TRANSITION ? old->from == row->from && old->to == row->to
			: (old->text[0] == NULL) == (row->text[0] == NULL) &&
			(row->text[0] == NULL || strcmp(old->text[0], row->text[0]) == 0))
			return true;
	}
	return false;
}

/*
 * Marks the leads imported before, whose rows must all be among those
 * imported (they are then skipped), and refuses the leads leadqual has
 * logged a history of its own for.
 */
static void
check_history(Import *import)
{
	Datum		values[2];

	values[0] = ObjectIdGetDatum(import->config->log_relid);
	values[1] = lead_id_array(import);
	lq_run_as_owner(&history_query, values, NULL, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *id = TextDatumGetCString(SPI_getbinval(tuple, tupdesc, 1, &isnull));
		ImportLead *lead = &import->leads[find_lead(import, id)];
		ImportKind	kind;
		ImportRow  *old;
		Datum		value;

		if (!DatumGetBool(SPI_getbinval(tuple, tupdesc, 3, &isnull)))
		{
			lead->has_own_history = true;
			continue;
		}
		kind = DatumGetInt32(SPI_getbinval(tuple, tupdesc, 2, &isnull));
		old = palloc0(sizeof(ImportRow));
		value = SPI_getbinval(tuple, tupdesc, 4, &isnull);
		old->from = isnull ? LQ_STAGE_INVALID : lq_stage_from_name(TextDatumGetCString(value));
		value = SPI_getbinval(tuple, tupdesc, 5, &isnull);
		old->to = isnull ? LQ_STAGE_INVALID : lq_stage_from_name(TextDatumGetCString(value));
		old->at = DatumGetTimestampTz(SPI_getbinval(tuple, tupdesc, 6, &isnull));
		value = SPI_getbinval(tuple, tupdesc, 7, &isnull);
		old->text[0] = isnull ? NULL : TextDatumGetCString(value);
		lead->imported[kind] = lappend(lead->imported[kind], old);
		lead->skip = true;
	}
	for (int k = IMPORT_TRANSITION; k <= IMPORT_ASSIGNMENT; k++)
		for (int i = 0; i < import->rows[k].count; i++)
		{
			ImportRow  *row = &import->rows[k].rows[i];
			ImportLead *lead = &import->leads[row->lead];

			if (lead->skip && !imported_before(lead, k, row))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("%s: the history of lead \"%s\" of table %s was imported before, without %s",
								CALLER, lead->id, import->config->display_name, describe_row(k, row)),
						 errdetail("A lead's history is imported once, whole: rows imported before are skipped, and none can be added to them."),
						 errhint("Import each lead's transitions and assignments in one call.")));
			if (!lead->skip && lead->has_own_history)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("%s: lead \"%s\" of table %s has history leadqual logged, so %s cannot be imported before it",
								CALLER, lead->id, import->config->display_name, describe_row(k, row)),
						 errhint("Import the history of leads leadqual has logged nothing for: load them into the table, "
								 "manage() it, then import, before they change.")));
		}
}

/*
 * Checks that each lead imported is in the stage its last transition left
 * it in, and has the owner its last assignment gave it; and fills in the
 * owner each transition happened under (an assignment at the same time
 * came with it).
 */
static void
check_leads_now(Import *import)
{
	ImportRows *transitions = &import->rows[IMPORT_TRANSITION];
	ImportRows *assignments = &import->rows[IMPORT_ASSIGNMENT];
	int			a = 0;
	char	   *owner_then = NULL;

	for (int i = 0; i < transitions->count; i++)
	{
		ImportRow  *row = &transitions->rows[i];
		ImportLead *lead = &import->leads[row->lead];
		bool		first = i == 0 || transitions->rows[i - 1].lead != row->lead;
		bool		last = i + 1 == transitions->count || transitions->rows[i + 1].lead != row->lead;

		/* both in order of lead and time: walk the assignments along */
		if (first)
			owner_then = NULL;
		while (a < assignments->count && (assignments->rows[a].lead < row->lead ||
										  (assignments->rows[a].lead == row->lead &&
										   assignments->rows[a].at <= row->at)))
		{
			if (assignments->rows[a].lead == row->lead)
				owner_then = assignments->rows[a].text[0];
			a++;
		}
		row->owner_then = owner_then;
		if (!lead->skip && last && row->to != lead->stage)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("%s: lead \"%s\" of table %s is in stage %s, but its last transition imported, "
							"at %s, leaves it in %s",
							CALLER, lead->id, import->config->display_name, lq_stage_name(lead->stage),
							timestamptz_to_str(row->at), lq_stage_name(row->to)),
					 errhint("Import its history up to the stage it is in now, or set its stage in the table first.")));
	}
	if (import->config->owner_attnum == InvalidAttrNumber)
		return;
	for (int i = 0; i < assignments->count; i++)
	{
		ImportRow  *row = &assignments->rows[i];
		ImportLead *lead = &import->leads[row->lead];
		const char *owner = row->text[0];

		if (lead->skip || (i + 1 < assignments->count && assignments->rows[i + 1].lead == row->lead))
			continue;
		if ((owner == NULL) != (lead->owner == NULL) ||
			(owner != NULL && strcmp(owner, lead->owner) != 0))
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("%s: lead \"%s\" of table %s has owner %s, but its last assignment imported, at %s, gives it %s",
							CALLER, lead->id, import->config->display_name,
							lead->owner == NULL ? "none" : quote_literal_cstr(lead->owner),
							timestamptz_to_str(row->at), owner == NULL ? "none" : quote_literal_cstr(owner)),
					 errhint("Import its assignments up to the owner it has now, or set its owner in the table first.")));
	}
}

/* A text[] (or timestamptz[]) of one field of the rows of leads not skipped. */
typedef enum RowField
{
	FIELD_LEAD,
	FIELD_FROM,
	FIELD_TO,
	FIELD_AT,
	FIELD_TEXT0,
	FIELD_TEXT1,
	FIELD_OWNER_THEN
} RowField;

static Datum
field_array(const Import *import, ImportKind kind, RowField field, bool only_new, int *count)
{
	const ImportRows *rows = &import->rows[kind];
	Datum	   *values = palloc(sizeof(Datum) * Max(rows->count, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(rows->count, 1));
	int			n = 0;
	int			dims[1];
	int			lbs[1] = {1};

	for (int i = 0; i < rows->count; i++)
	{
		const ImportRow *row = &rows->rows[i];
		const char *text = NULL;

		if (only_new && import->leads[row->lead].skip)
			continue;
		nulls[n] = false;
		switch (field)
		{
			case FIELD_LEAD:
				text = import->leads[row->lead].id;
				break;
			case FIELD_FROM:
				text = row->from == LQ_STAGE_INVALID ? NULL : lq_stage_name(row->from);
				break;
			case FIELD_TO:
				text = lq_stage_name(row->to);
				break;
			case FIELD_AT:
				values[n++] = TimestampTzGetDatum(row->at);
				continue;
			case FIELD_TEXT0:
				text = row->text[0];
				break;
			case FIELD_TEXT1:
				text = row->text[1];
				break;
			case FIELD_OWNER_THEN:
				text = row->owner_then;
				break;
		}
		nulls[n] = text == NULL;
		values[n++] = text == NULL ? (Datum) 0 : CStringGetTextDatum(text);
	}
	dims[0] = n;
	*count = n;
	return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs,
											  field == FIELD_AT ? TIMESTAMPTZOID : TEXTOID,
											  field == FIELD_AT ? (int) sizeof(TimestampTz) : -1,
											  field == FIELD_AT ? FLOAT8PASSBYVAL : false,
											  field == FIELD_AT ? TYPALIGN_DOUBLE : TYPALIGN_INT));
}

/* $1 the table; $2.. the assignments' lead, owner, time and author. */
static LqKeptQuery assignment_insert = {
	"INSERT INTO leadqual.assignment (lead_table, lead_id, owner, assigned_at, assigned_by, via)"
	" SELECT $1, u.lead_id, u.owner, u.assigned_at, u.assigned_by::pg_catalog.name, 'import'"
	" FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5)) AS u(lead_id, owner, assigned_at, assigned_by)",
	5, {REGCLASSOID, TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID}, NULL, 0
};

/*
 * As the caller, as touch() does: $1 the table; $2.. the touches' lead,
 * kind, time and actor; those recorded already (same lead, kind and time,
 * whoever the actor) are left out.  The trigger on leadqual.touch checks the caller
 * may write the leads and stops the clocks a touch stops.
 */
static const char *touch_insert =
	"INSERT INTO leadqual.touch (lead_table, lead_id, kind, touched_at, actor)"
	" SELECT $1, u.lead_id, u.kind, u.touched_at, u.actor"
	" FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5)) WITH ORDINALITY AS u(lead_id, kind, touched_at, actor, n)"
	" WHERE NOT EXISTS (SELECT FROM leadqual.touch AS o"
	"                   WHERE o.lead_table OPERATOR(pg_catalog.=) $1 AND o.lead_id OPERATOR(pg_catalog.=) u.lead_id"
	"                     AND o.touched_at OPERATOR(pg_catalog.=) u.touched_at"
	"                     AND o.kind OPERATOR(pg_catalog.=) u.kind)"
	" ORDER BY u.n";

/*
 * The transitions, and the clocks they would have run.  $1 the table;
 * $2.. each transition's lead, from, to, time, author, reason and owner
 * then, in order of lead and time (so the log's ids follow time, as
 * stage_history reads them).  For each entry into a stage an SLA policy in
 * force watches, a clock starts as it would have: at the entry; or, for a
 * policy that starts with an owner while the lead had none, at its first
 * owner assigned before it left the stage.  It stops at the first touch at
 * or after its start (unless it stops only on exit) or when the lead left
 * the stage (unless it stops only on a touch), whichever came first, a
 * touch on a tie; it is due its target of business time after its start,
 * and belongs to the owner the lead had when it stopped (or has, while it
 * runs).  The assignments and touches are in their tables already.
 * Returns the transitions and the clocks written.
 */
static LqKeptQuery history_insert = {
	"WITH given AS ("
	"    SELECT pg_catalog.nextval('leadqual.transition_id_seq') AS id, u.n, u.lead_id,"
	"           u.from_stage::leadqual.lifecycle_stage AS from_stage,"
	"           u.to_stage::leadqual.lifecycle_stage AS to_stage, u.changed_at, u.changed_by, u.reason, u.owner"
	"    FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8))"
	"         WITH ORDINALITY AS u(lead_id, from_stage, to_stage, changed_at, changed_by, reason, owner, n)"
	"), logged AS ("
	"    INSERT INTO leadqual.transition"
	"        (id, lead_table, lead_id, from_stage, to_stage, changed_at, changed_by, reason, via, owner)"
	"    SELECT g.id, $1, g.lead_id, g.from_stage, g.to_stage, g.changed_at, g.changed_by::pg_catalog.name,"
	"           g.reason, 'import', g.owner"
	"    FROM given AS g ORDER BY g.n"
	"    RETURNING 1"
	"), entry AS ("
	"    SELECT g.id, g.lead_id, g.to_stage AS stage, g.changed_at AS entered_at, g.owner,"
	"           pg_catalog.lead(g.changed_at) OVER (PARTITION BY g.lead_id ORDER BY g.n) AS left_at"
	"    FROM given AS g"
	"), started AS ("
	"    SELECT e.id AS entry_id, e.lead_id, e.stage, e.entered_at, e.left_at,"
	"           p.name AS policy, p.target, p.calendar, p.stops_on,"
	"           CASE WHEN p.starts_on OPERATOR(pg_catalog.=) 'stage_entry' OR e.owner IS NOT NULL THEN e.entered_at"
	"                ELSE (SELECT pg_catalog.min(a.assigned_at) FROM leadqual.assignment AS a"
	"                      WHERE a.lead_table OPERATOR(pg_catalog.=) $1 AND a.lead_id OPERATOR(pg_catalog.=) e.lead_id"
	"                        AND a.owner IS NOT NULL AND a.assigned_at OPERATOR(pg_catalog.>) e.entered_at"
	"                        AND (e.left_at IS NULL OR a.assigned_at OPERATOR(pg_catalog.<) e.left_at)) END AS started_at"
	"    FROM entry AS e JOIN leadqual._policies_in_force(NULL) AS p ON p.stage OPERATOR(pg_catalog.=) e.stage"
	"), stopped AS ("
	"    SELECT s.*, CASE WHEN f.touched_at IS NOT NULL AND (s.left_at IS NULL OR f.touched_at OPERATOR(pg_catalog.<=) s.left_at"
	"                                                        OR s.stops_on OPERATOR(pg_catalog.=) 'first_touch')"
	"                     THEN f.id END AS touch_id,"
	"           CASE WHEN f.touched_at IS NOT NULL AND (s.left_at IS NULL OR f.touched_at OPERATOR(pg_catalog.<=) s.left_at"
	"                                                   OR s.stops_on OPERATOR(pg_catalog.=) 'first_touch')"
	"                THEN f.touched_at"
	"                WHEN s.stops_on OPERATOR(pg_catalog.<>) 'first_touch' THEN s.left_at END AS stopped_at"
	"    FROM started AS s"
	"    LEFT JOIN LATERAL (SELECT o.id, o.touched_at FROM leadqual.touch AS o"
	"                       WHERE s.stops_on OPERATOR(pg_catalog.<>) 'stage_exit'"
	"                         AND o.lead_table OPERATOR(pg_catalog.=) $1 AND o.lead_id OPERATOR(pg_catalog.=) s.lead_id"
	"                         AND o.touched_at OPERATOR(pg_catalog.>=) s.started_at"
	"                       ORDER BY o.touched_at, o.id LIMIT 1) AS f ON true"
	"    WHERE s.started_at IS NOT NULL"
	"), clocks AS ("
	"    INSERT INTO leadqual.sla_clock (policy, lead_table, lead_id, stage, entry_id, entered_at, owner,"
	"        started_at, target, calendar, stops_on, due_at, stopped_at, stopped_by, touch_id, business_time)"
	"    SELECT s.policy, $1, s.lead_id, s.stage, s.entry_id, s.entered_at,"
	"           (SELECT a.owner FROM leadqual.assignment AS a"
	"            WHERE a.lead_table OPERATOR(pg_catalog.=) $1 AND a.lead_id OPERATOR(pg_catalog.=) s.lead_id"
	"              AND (s.stopped_at IS NULL OR a.assigned_at OPERATOR(pg_catalog.<) s.stopped_at"
	"                   OR a.assigned_at OPERATOR(pg_catalog.<=) s.started_at)"
	"            ORDER BY a.assigned_at DESC, a.id DESC LIMIT 1),"
	"           s.started_at, s.target, s.calendar, s.stops_on,"
	"           leadqual.business_time_add(s.calendar, s.started_at, s.target),"
	"           s.stopped_at,"
	"           CASE WHEN s.touch_id IS NOT NULL THEN 'touch'"
	"                WHEN s.stopped_at IS NOT NULL THEN 'stage_exit' END::leadqual.sla_stopped_by,"
	"           s.touch_id,"
	"           CASE WHEN s.stopped_at IS NOT NULL"
	"                THEN leadqual.business_time_between(s.calendar, s.started_at, s.stopped_at) END"
	"    FROM stopped AS s"
	"    RETURNING 1"
	")"
	"SELECT (SELECT pg_catalog.count(*) FROM logged), (SELECT pg_catalog.count(*) FROM clocks)",
	8, {REGCLASSOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID,
	TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID}, NULL, 0
};

/* The policies in force, whose rows and calendars clocks will name. */
static LqKeptQuery policies_query = {
	"SELECT p.name, p.calendar FROM leadqual._policies_in_force(NULL) AS p ORDER BY p.name",
	0, {InvalidOid}, NULL, 0
};

/* Writes what is new, and counts it for the receipt. */
static void
write_history(Import *import)
{
	Datum		values[8];
	int			count;
	int			n;
	bool		isnull;

	values[0] = ObjectIdGetDatum(import->config->log_relid);

	values[1] = field_array(import, IMPORT_ASSIGNMENT, FIELD_LEAD, true, &count);
	values[2] = field_array(import, IMPORT_ASSIGNMENT, FIELD_TEXT0, true, &n);
	values[3] = field_array(import, IMPORT_ASSIGNMENT, FIELD_AT, true, &n);
	values[4] = field_array(import, IMPORT_ASSIGNMENT, FIELD_TEXT1, true, &n);
	if (count > 0)
		lq_run_as_owner(&assignment_insert, values, NULL, 0);
	import->imported[IMPORT_ASSIGNMENT] = count;
	import->skipped[IMPORT_ASSIGNMENT] = import->rows[IMPORT_ASSIGNMENT].count - count;

	values[1] = field_array(import, IMPORT_TOUCH, FIELD_LEAD, false, &count);
	values[2] = field_array(import, IMPORT_TOUCH, FIELD_TEXT0, false, &n);
	values[3] = field_array(import, IMPORT_TOUCH, FIELD_AT, false, &n);
	values[4] = field_array(import, IMPORT_TOUCH, FIELD_TEXT1, false, &n);
	if (count > 0)
	{
		Oid			argtypes[5] = {REGCLASSOID, TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID};

		if (SPI_execute_with_args(touch_insert, 5, argtypes, values, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "%s: recording the touches failed", CALLER);
		import->imported[IMPORT_TOUCH] = SPI_processed;
	}
	import->skipped[IMPORT_TOUCH] = count - import->imported[IMPORT_TOUCH];

	values[1] = field_array(import, IMPORT_TRANSITION, FIELD_LEAD, true, &count);
	values[2] = field_array(import, IMPORT_TRANSITION, FIELD_FROM, true, &n);
	values[3] = field_array(import, IMPORT_TRANSITION, FIELD_TO, true, &n);
	values[4] = field_array(import, IMPORT_TRANSITION, FIELD_AT, true, &n);
	values[5] = field_array(import, IMPORT_TRANSITION, FIELD_TEXT0, true, &n);
	values[6] = field_array(import, IMPORT_TRANSITION, FIELD_TEXT1, true, &n);
	values[7] = field_array(import, IMPORT_TRANSITION, FIELD_OWNER_THEN, true, &n);
	import->skipped[IMPORT_TRANSITION] = import->rows[IMPORT_TRANSITION].count - count;
	if (count == 0)
		return;
	/* as starting a clock does: the policies and calendars stay */
	lq_run_as_owner(&policies_query, NULL, NULL, 0);
	{
		SPITupleTable *policies = SPI_tuptable;
		uint64		policy_count = SPI_processed;

		for (uint64 i = 0; i < policy_count; i++)
			lq_lock_clock_references(SPI_getvalue(policies->vals[i], policies->tupdesc, 1),
									 SPI_getvalue(policies->vals[i], policies->tupdesc, 2));
	}
	lq_run_as_owner(&history_insert, values, NULL, 0);
	Assert(SPI_processed == 1);
	import->imported[IMPORT_TRANSITION] =
		DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	import->imported[IMPORT_KIND_COUNT] =
		DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
}

/*
 * leadqual.import_history(leads regclass, transitions regclass, assignments
 * regclass, touches regclass) RETURNS TABLE (relation regclass, imported
 * bigint, skipped bigint): imports the past transitions, owner assignments
 * and touches of leads of a managed table from staging relations, with the
 * SLA clocks they would have run (see the top of this file); returns, per
 * leadqual table, the rows it wrote and the rows it skipped as imported
 * before.
 */
PG_FUNCTION_INFO_V1(leadqual_import_history);
Datum
leadqual_import_history(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	static const char *const receipt_tables[IMPORT_KIND_COUNT + 1] = {
		"leadqual.transition", "leadqual.assignment", "leadqual.touch", "leadqual.sla_clock"
	};
	Import		import;
	Relation	rel;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: leads must not be NULL", CALLER),
				 errhint("Name the managed table the history is of.")));
	InitMaterializedSRF(fcinfo, 0);
	memset(&import, 0, sizeof(import));
	import.now = GetCurrentTransactionStartTimestamp();
	/* one privilege at a time: an ACL check of several passes on any */
	if (pg_class_aclcheck(PG_GETARG_OID(0), GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s: permission denied for table %s", CALLER, lq_qualified_name(PG_GETARG_OID(0))),
				 errhint("import_history() reads the leads' stages and owners, so it needs SELECT on the table.")));
	import.config = lq_open_identity_table(PG_GETARG_OID(0), CALLER, ACL_UPDATE,
										   "writes the leads' history and locks them, so it needs UPDATE on the table",
										   &rel);

	/*
	 * Everything the import reads and builds lives in SPI's memory for this
	 * call (where SPI leaves CurrentMemoryContext after each query), freed
	 * by SPI_finish().
	 */
	lq_connect_spi();
	for (int k = 0; k < IMPORT_KIND_COUNT; k++)
		if (!PG_ARGISNULL(k + 1))
			read_staging(&import, k, PG_GETARG_OID(k + 1));
	find_leads(&import);
	for (int k = 0; k < IMPORT_KIND_COUNT; k++)
		qsort(import.rows[k].rows, import.rows[k].count, sizeof(ImportRow), compare_rows);
	check_transitions(&import);
	check_history(&import);
	check_leads_now(&import);
	write_history(&import);
	SPI_finish();

	for (int k = 0; k <= IMPORT_KIND_COUNT; k++)
	{
		Datum		row[3];
		bool		nulls[3] = {false, false, false};

		row[0] = DirectFunctionCall1(regclassin, CStringGetDatum(receipt_tables[k]));
		row[1] = Int64GetDatum(import.imported[k]);
		row[2] = Int64GetDatum(import.skipped[k]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row, nulls);
	}
	table_close(rel, NoLock);
	return (Datum) 0;
}
