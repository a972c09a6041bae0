/*
 * compat.h
 *		Every PG_VERSION_NUM guard lives here, so the rest of the code can be
 *		written against one API and still build on PostgreSQL 13 to 17.
 */
#ifndef LEADQUAL_COMPAT_H
#define LEADQUAL_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 130000
#error "leadqual needs PostgreSQL 13 or later"
#endif

#include "fmgr.h"
#include "utils/numeric.h"

/* int64_to_numeric() appeared in 14. */
#if PG_VERSION_NUM >= 140000
#define lq_int64_to_numeric(v) NumericGetDatum(int64_to_numeric(v))
#else
#include "utils/fmgrprotos.h"
#define lq_int64_to_numeric(v) DirectFunctionCall1(int8_numeric, Int64GetDatum(v))
#endif

/* Reserving a GUC prefix appeared in 15; before that, warnings did the job. */
#if PG_VERSION_NUM >= 150000
#define lq_reserve_guc_prefix(prefix) MarkGUCPrefixReserved(prefix)
#else
#define lq_reserve_guc_prefix(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/* numeric_is_inf() appeared in 14, with numeric infinities. */
#if PG_VERSION_NUM >= 140000
#define lq_numeric_is_finite(n) (!numeric_is_nan(n) && !numeric_is_inf(n))
#else
#define lq_numeric_is_finite(n) (!numeric_is_nan(n))
#endif

#endif							/* LEADQUAL_COMPAT_H */
