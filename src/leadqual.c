/*
 * leadqual.c
 *		Module entry point: the magic block, the GUCs and cache set-up.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "compat.h"
#include "config.h"
#include "leadqual.h"

PG_MODULE_MAGIC;

char	   *lq_reason_guc = NULL;
char	   *lq_report_calendar = NULL;
bool		lq_enforce_stage_rules = true;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomStringVariable("leadqual.reason",
							   "Rejection reason recorded when an UPDATE moves a lead into recycled or disqualified.",
							   "Set it with SET LOCAL in the transaction that makes the move; "
							   "the value must be a code in leadqual.rejection_reason.",
							   &lq_reason_guc,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);

	/*
	 * PGC_SUSET: only superusers, or roles granted SET on this parameter,
	 * may switch the stage rules off.
	 */
	DefineCustomBoolVariable("leadqual.enforce_stage_rules",
							 "Refuses backward stage moves and detours without a reason.",
							 "Turn it off with SET LOCAL to repair data; every move is still logged.",
							 &lq_enforce_stage_rules,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("leadqual.report_calendar",
							   "Calendar whose business time leadqual.stage_velocity reports.",
							   "A name in leadqual.calendar.",
							   &lq_report_calendar,
							   "weekdays_9_17",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);

	MarkGUCPrefixReserved("leadqual");

	lq_config_init();
}
