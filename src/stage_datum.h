/*
 * stage_datum.h
 *		Stages as values of leadqual.lifecycle_stage (stage_datum.c).
 */
#ifndef LQ_STAGE_DATUM_H
#define LQ_STAGE_DATUM_H

#include "postgres.h"

#include "stage.h"

extern LqStage lq_stage_from_datum(Datum label);
extern Datum lq_stage_to_datum(Oid enum_type, LqStage stage);
extern void lq_stage_map_changed(void);

#endif							/* LQ_STAGE_DATUM_H */
