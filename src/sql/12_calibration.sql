-- leadqual: calibration.  Backtests of a scoring model on a table's own
-- history, knowing at each moment only what was known then
-- (src/calibration.c; docs/calibration.md).  The three functions share
-- their first six parameters and one pass over the history:
--
--   leads             a table managed with a scoring model
--   outcome           what a good MQL goes on to reach: this funnel stage
--                     or one past it
--   since, until      the cohort: leads whose first logged stage falls in
--                     [since, until); until by default is now - horizon,
--                     so that every lead has had its whole horizon
--   horizon           how long each lead is watched from its entry
--   model             the model replayed; by default the table's own
--
-- They read the log and the leads table as the caller (row-level
-- security applies), and leadqual's events as the owner, of the leads the
-- caller sees.  No STRICT: NULL arguments get a clear error.  Parallel
-- unsafe: they read as the owner.

CREATE FUNCTION @extschema@.calibrate(
    leads regclass,
    outcome @extschema@.lifecycle_stage DEFAULT 'sql',
    since timestamptz DEFAULT NULL,
    until timestamptz DEFAULT NULL,
    horizon interval DEFAULT '30 days',
    model text DEFAULT NULL,
    thresholds numeric[] DEFAULT NULL,
    target_conversion numrange DEFAULT '[0.25,0.35]',
    target_mqls bigint DEFAULT NULL)
RETURNS TABLE (threshold numeric, mqls bigint, converted bigint, conversion numeric,
               recall numeric, median_time_to_outcome interval, current boolean, recommended boolean)
LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_calibrate';
COMMENT ON FUNCTION @extschema@.calibrate(regclass, @extschema@.lifecycle_stage, timestamptz, timestamptz,
                                          interval, text, numeric[], numrange, bigint) IS
    'Backtest of a model''s threshold, with no look-ahead: per candidate threshold, the MQLs it would have made of a cohort, their conversion to the outcome within the horizon, recall and median time to outcome; the recommended threshold marked';

CREATE FUNCTION @extschema@.calibrate_deciles(
    leads regclass,
    outcome @extschema@.lifecycle_stage DEFAULT 'sql',
    since timestamptz DEFAULT NULL,
    until timestamptz DEFAULT NULL,
    horizon interval DEFAULT '30 days',
    model text DEFAULT NULL)
RETURNS TABLE (decile integer, leads bigint, min_score numeric, max_score numeric, converted bigint,
               conversion numeric, lift numeric, cumulative_recall numeric)
LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_calibrate_deciles';
COMMENT ON FUNCTION @extschema@.calibrate_deciles(regclass, @extschema@.lifecycle_stage, timestamptz, timestamptz,
                                                  interval, text) IS
    'Backtest by score decile, with no look-ahead: a cohort''s leads by their highest score before their outcome, with conversion, lift and cumulative recall per decile';

CREATE FUNCTION @extschema@.calibrate_rules(
    leads regclass,
    outcome @extschema@.lifecycle_stage DEFAULT 'sql',
    since timestamptz DEFAULT NULL,
    until timestamptz DEFAULT NULL,
    horizon interval DEFAULT '30 days',
    model text DEFAULT NULL)
RETURNS TABLE (rule text, category text, points numeric, leads bigint, among_converted numeric,
               among_not_converted numeric, conversion numeric, lift numeric)
LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_calibrate_rules';
COMMENT ON FUNCTION @extschema@.calibrate_rules(regclass, @extschema@.lifecycle_stage, timestamptz, timestamptz,
                                                interval, text) IS
    'Backtest per rule, with no look-ahead: how often each rule of the model counted for a cohort''s converted and other leads before their outcome, and its lift';
