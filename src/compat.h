/*
 * compat.h
 *		The PostgreSQL versions leadqual supports: 15, the only major it is
 *		built and tested on.  (InitMaterializedSRF() needs 15; 17 removed
 *		PGPROC.lxid.)  Support for another major starts by testing it.
 */
#ifndef LEADQUAL_COMPAT_H
#define LEADQUAL_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 160000
#error "leadqual is built and tested on PostgreSQL 15 only"
#endif

#endif							/* LEADQUAL_COMPAT_H */
