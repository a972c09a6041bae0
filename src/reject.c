/*
 * reject.c
 *		leadqual.reject(): sales hands a lead back, with a reason.
 *
 * It runs an ordinary UPDATE of the lead's stage, so the trigger enforces
 * the same rules and writes the same log as for any other move; the only
 * difference is that the trigger records the move as a rejection with the
 * reason given here.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_operator.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "config.h"
#include "leadqual.h"
#include "model_score.h"
#include "reject.h"
#include "stage_datum.h"
#include "transition_log.h"

Oid			lq_rejecting_relid = InvalidOid;
const char *lq_rejecting_reason = NULL;

static SPIPlanPtr
reject_plan(LqTableConfig *config)
{
	StringInfoData query;
	Oid			argtypes[2];
	SPIPlanPtr	plan;

	if (config->reject_plan != NULL)
		return config->reject_plan;

	initStringInfo(&query);
	/* the table reject() was called on: a partition updates only itself */
	appendStringInfo(&query, "UPDATE %s SET %s = $1 WHERE %s %s $2",
					 lq_qualified_name(config->relid),
					 quote_identifier(NameStr(config->stage_column)),
					 quote_identifier(NameStr(config->id_column)),
					 lq_qualified_equality(config->id_type, "leadqual.reject"));
	argtypes[0] = config->stage_type;
	argtypes[1] = config->id_type;
	plan = SPI_prepare(query.data, 2, argtypes);
	if (plan == NULL)
		elog(ERROR, "leadqual.reject: SPI_prepare failed for \"%s\": %s",
			 query.data, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "leadqual.reject: SPI_keepplan failed");
	config->reject_plan = plan;
	return plan;
}

static void
require_argument(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("leadqual.reject: %s must not be NULL", name),
				 errhint("Call leadqual.reject(leads, lead_id, to_stage, reason), "
						 "with reason a code from leadqual.rejection_reason.")));
}

static Datum
lead_id_datum(Oid id_type, const char *lead_id)
{
	Oid			input_function;
	Oid			ioparam;

	getTypeInputInfo(id_type, &input_function, &ioparam);
	return OidInputFunctionCall(input_function, (char *) lead_id, ioparam, -1);
}

/*
 * SET LOCAL of a setting, from inside a DO block, as the statement it is:
 * Citus sends such a SET LOCAL (once citus.propagate_set_commands is
 * 'local') to the workers this transaction writes, in a transaction block
 * or a DO block, never from a function called in autocommit.
 */
static void
set_local_everywhere(const char *setting, const char *value)
{
	char	   *sql = psprintf("DO $leadqual$ BEGIN SET LOCAL citus.propagate_set_commands = 'local'; "
							   "SET LOCAL %s = %s; END $leadqual$",
							   setting, quote_literal_cstr(value));

	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "leadqual.reject: setting %s failed", setting);
	pfree(sql);
}

/*
 * reject() on a table Citus distributes: the trigger that logs the
 * rejection fires on a worker, which sees no variable of this backend's, so
 * the reason goes there as leadqual.rejecting, SET LOCAL for the UPDATE
 * alone; citus.propagate_set_commands goes back to what it was.
 */
static int
reject_distributed(LqTableConfig *config, Datum *values, const char *reason,
				   uint64 *processed)
{
	char	   *propagate = pstrdup(GetConfigOption("citus.propagate_set_commands", false, false));
	int			rc;

	set_local_everywhere("leadqual.rejecting", reason);
	rc = SPI_execute_plan(reject_plan(config), values, NULL, false, 0);
	*processed = SPI_processed;
	set_local_everywhere("leadqual.rejecting", "");
	set_local_everywhere("citus.propagate_set_commands", propagate);
	return rc;
}

/*
 * leadqual.reject(leads regclass, lead_id text, to_stage lifecycle_stage,
 * reason text): move the lead to recycled or disqualified, logged as a
 * rejection with that reason.
 */
PG_FUNCTION_INFO_V1(leadqual_reject);
Datum
leadqual_reject(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	   *lead_id;
	LqStage		to_stage;
	char	   *reason;
	Relation	rel;
	Trigger    *trigger;
	LqTableConfig *config;
	Datum		values[2];
	volatile int rc;
	uint64		processed;

	require_argument(fcinfo, 0, "leads");
	require_argument(fcinfo, 1, "lead_id");
	require_argument(fcinfo, 2, "to_stage");
	require_argument(fcinfo, 3, "reason");
	relid = PG_GETARG_OID(0);
	lead_id = text_to_cstring(PG_GETARG_TEXT_PP(1));
	to_stage = lq_stage_from_datum(PG_GETARG_DATUM(2));
	reason = text_to_cstring(PG_GETARG_TEXT_PP(3));

	if (lq_stage_is_funnel(to_stage))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leadqual.reject: cannot reject a lead to %s; to_stage must be recycled or disqualified",
						lq_stage_name(to_stage)),
				 errhint("Move a lead forward along the funnel with an ordinary UPDATE.")));

	/* before taking any lock, as UPDATE itself would */
	if (pg_class_aclcheck(relid, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("leadqual.reject: permission denied for table %s",
						lq_qualified_name(relid)),
				 errhint("reject() updates the lead's stage, so it needs UPDATE on the table.")));
	rel = table_open(relid, RowExclusiveLock);
	trigger = lq_find_qualify_trigger(rel);
	if (trigger == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("leadqual.reject: table %s is not managed by leadqual",
						lq_qualified_name(relid)),
				 errhint("Call leadqual.manage() on the table first.")));
	config = lq_config_for_trigger(rel, trigger);

	/* checked here too, for a lead that is already where it is sent */
	lq_require_rejection_reason(reason, "leadqual.reject", NULL);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "leadqual.reject: SPI_connect failed");
	values[0] = lq_stage_to_datum(config->stage_type, to_stage);
	values[1] = lead_id_datum(config->id_type, lead_id);

	if (config->distributed)
		rc = reject_distributed(config, values, reason, &processed);
	else
	{
		PG_TRY();
		{
			lq_rejecting_relid = config->log_relid;
			lq_rejecting_reason = reason;
			rc = SPI_execute_plan(reject_plan(config), values, NULL, false, 0);
		}
		PG_FINALLY();
		{
			lq_rejecting_relid = InvalidOid;
			lq_rejecting_reason = NULL;
		}
		PG_END_TRY();
		processed = SPI_processed;
	}

	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "leadqual.reject: UPDATE failed: %s",
			 SPI_result_code_string(rc));
	if (processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("leadqual.reject: table %s has no lead with %s = '%s'",
						lq_qualified_name(config->relid),
						quote_identifier(NameStr(config->id_column)), lead_id),
				 errhint("Pass the lead's id as text, as leadqual.transition.lead_id shows it.")));
	SPI_finish();
	table_close(rel, NoLock);
	PG_RETURN_VOID();
}
