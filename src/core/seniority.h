/*
 * seniority.h
 *		The seniority of a job title ("VP, Sales" -> vp), in plain C.
 *
 * Nothing here knows about PostgreSQL, so the classifier can be unit-tested
 * and fuzzed on its own (see test/unit/seniority_test.c and its corpus).
 * The SQL enum leadqual.seniority_level declares the same labels in the same
 * order, most senior first.  What maps where, and why, is documented at the
 * top of src/core/seniority.c.
 */
#ifndef LEADQUAL_SENIORITY_H
#define LEADQUAL_SENIORITY_H

#include <stdbool.h>
#include <stddef.h>

typedef enum LqSeniority
{
	LQ_SENIORITY_C_LEVEL,
	LQ_SENIORITY_VP,
	LQ_SENIORITY_DIRECTOR,
	LQ_SENIORITY_MANAGER,
	LQ_SENIORITY_INDIVIDUAL_CONTRIBUTOR,
	LQ_SENIORITY_UNKNOWN
} LqSeniority;

#define LQ_SENIORITY_COUNT (LQ_SENIORITY_UNKNOWN + 1)

/*
 * The seniority of the title in title[0 .. length - 1].  The title need not
 * be NUL-terminated and may hold any bytes (NULs and invalid UTF-8
 * included); nothing past title + length is read.  title may be NULL when
 * length is 0 (a NULL title is unknown whatever the length).  An empty
 * title, or one with no recognized role, is unknown.
 * Runs in time linear in length and allocates nothing.
 */
extern LqSeniority lq_classify_title(const char *title, size_t length);

/*
 * "c_level", "vp", "director", "manager", "individual_contributor" or
 * "unknown": the label of the SQL enum.  NULL for a value out of range.
 */
extern const char *lq_seniority_name(LqSeniority level);

/*
 * For the unit test: NULL when the word tables of the classifier are as its
 * lookups need them (sorted, their lengths right, no compound head hidden
 * by an earlier one, every typo key found, every exception to the typos one
 * edit from a key), else the first word that is not.
 */
extern const char *lq_seniority_check_tables(void);

#endif							/* LEADQUAL_SENIORITY_H */
