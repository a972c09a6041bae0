/*
 * own_table.h
 *		Rows written straight into leadqual's own tables, with no SQL on the
 *		way (own_table.c).  Only trust_boundary.c calls it, as the owner.
 */
#ifndef LQ_OWN_TABLE_H
#define LQ_OWN_TABLE_H

#include "postgres.h"

#include "executor/tuptable.h"
#include "storage/itemptr.h"
#include "utils/builtins.h"

/* The most columns an insert names. */
#define LQ_OWN_TABLE_MAX_COLUMNS 16
#define LQ_OWN_TABLE_MAX_RETURNING 2

typedef struct LqOwnTableState LqOwnTableState;

/*
 * An insert into one of leadqual's tables: the columns it gives, in the
 * order of the values.  A value is of the column's type, except for an
 * enum column (leadqual's stages, vias, ...), whose value is its label as a
 * C string.  Columns not named get their defaults.  "returning" names the
 * columns whose values the insert returns, none of them null (like
 * INSERT ... RETURNING).
 */
typedef struct LqOwnInsert
{
	const char *relname;		/* in schema leadqual */
	int			ncolumns;
	const char *columns[LQ_OWN_TABLE_MAX_COLUMNS];
	int			nreturning;
	const char *returning[LQ_OWN_TABLE_MAX_RETURNING];
	LqOwnTableState *state;		/* the current transaction's, or NULL */
} LqOwnInsert;

/* A text value of an insert; NULL is null. */
static inline Datum
lq_own_text(const char *value, bool *isnull)
{
	*isnull = value == NULL;
	return value == NULL ? (Datum) 0 : CStringGetTextDatum(value);
}

/* An enum label of an insert, as the C string it is; NULL is null. */
static inline Datum
lq_own_label(const char *label, bool *isnull)
{
	*isnull = label == NULL;
	return CStringGetDatum(label);
}

/*
 * An update of rows of one of leadqual's tables, described as an insert
 * is: the columns it sets, in the order of the values (nreturning 0).  A
 * descriptor serves updates only, or inserts only.
 */
typedef LqOwnInsert LqOwnUpdate;

/*
 * Called with the row to update as it is now, locked: returns false to
 * leave it as it is, else puts the new values of the update's columns in
 * values[] and isnull[].
 */
typedef bool (*LqOwnRevise) (TupleTableSlot *row, Datum *values, bool *isnull,
							 void *arg);

extern void lq_own_table_insert(LqOwnInsert *insert, const Datum *values,
								const bool *isnull, Datum *returned);
extern bool lq_own_table_update(LqOwnUpdate *update, ItemPointer tid,
								LqOwnRevise revise, void *arg);
extern void lq_own_tables_changed(Oid relid);

#endif							/* LQ_OWN_TABLE_H */
