/*
 * trust_boundary.h
 *		The one place leadqual changes the user id: queries on leadqual's own
 *		tables, run as the extension's owner.  See trust_boundary.c for the
 *		rule every caller follows.
 */
#ifndef LQ_TRUST_BOUNDARY_H
#define LQ_TRUST_BOUNDARY_H

#include "postgres.h"

#include "executor/spi.h"

#include "own_table.h"

/* The most parameters a kept query takes. */
#define LQ_MAX_QUERY_ARGS 12

/*
 * A query prepared on first use and kept for the backend.  As the owner
 * (lq_run_as_owner) its text names only leadqual's objects and its
 * parameters are built-in types; as the caller (lq_run_kept) it may read a
 * user's table.
 */
typedef struct LqKeptQuery
{
	const char *sql;
	int			nargs;
	Oid			argtypes[LQ_MAX_QUERY_ARGS];
	SPIPlanPtr	plan;
	int			cursor_options; /* for SPI_prepare_cursor(), such as
								 * CURSOR_OPT_GENERIC_PLAN */
} LqKeptQuery;

/* Runs a query on leadqual's own tables as the extension's owner. */
extern void lq_run_as_owner(LqKeptQuery *query, Datum *values,
							const char *nulls, long limit);

/* The same, as a cursor to fetch from. */
extern Portal lq_open_as_owner(LqKeptQuery *query, Datum *values, const char *nulls);

/* A kept query's plan, prepared as the current user; needs SPI connected. */
extern SPIPlanPtr lq_kept_plan(LqKeptQuery *query);

/* The same, with the newest snapshot. */
extern void lq_run_as_owner_latest(LqKeptQuery *query, Datum *values,
								   const char *nulls, long limit);

/* Inserts a row into one of leadqual's own tables as the owner. */
extern void lq_insert_as_owner(LqOwnInsert *insert, const Datum *values,
							   const bool *isnull, Datum *returned);

/* Updates a row of one of leadqual's own tables as the owner. */
extern bool lq_update_as_owner(LqOwnUpdate *update, ItemPointer tid,
							   LqOwnRevise revise, void *arg);

/* Gives a kept query its text, dropping its plan when the text changed. */
extern void lq_set_kept_query(LqKeptQuery *query, const char *sql, int nargs,
							  const Oid *argtypes, int cursor_options);

/* Runs a kept query as the current user: no privilege changes. */
extern void lq_run_kept(LqKeptQuery *query, Datum *values, const char *nulls,
						long limit);

/* Whether the database's schema has the 0.3.0 handoff (the log's owner). */
extern bool lq_handoff_installed(void);

/* The role that owns leadqual's tables, which its own work runs as. */
extern Oid	lq_extension_owner(void);

/* Forgets the log's owner if relid is the log (cache_invalidation.c). */
extern void lq_log_owner_changed(Oid relid);

/* SPI helpers */
extern void lq_connect_spi(void);

#endif							/* LQ_TRUST_BOUNDARY_H */
