-- leadqual: calibration.  Backtests of a scoring model on a table's own
-- history, knowing at each moment only what was known then, and points
-- suggested from it (src/calibration.c; docs/calibration.md).  The
-- functions share these parameters and one pass over the history
-- (suggest_points() takes new_model second):
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

-- Fits a regularised logistic regression of conversion on the rules of a
-- model (the table's, or "model"), over the cohort's leads that entered
-- first, and writes its points as a new, ordinary model, "new_model": the
-- same rules with the points the fit gives them, 10 points doubling the
-- odds of converting, and the threshold at which the fitted chance of
-- converting reaches target_conversion.  Scores the leads that entered
-- last (the holdout share) under both models.  Volatile: it writes the
-- model, as the caller, who needs INSERT on leadqual's model tables.
CREATE FUNCTION @extschema@.suggest_points(
    leads regclass,
    new_model text,
    outcome @extschema@.lifecycle_stage DEFAULT 'sql',
    since timestamptz DEFAULT NULL,
    until timestamptz DEFAULT NULL,
    horizon interval DEFAULT '30 days',
    model text DEFAULT NULL,
    holdout double precision DEFAULT 0.2,
    target_conversion double precision DEFAULT 0.3,
    OUT suggested text, OUT leads_scored bigint, OUT learnt_from bigint, OUT held_out bigint,
    OUT converted bigint, OUT threshold numeric, OUT auc numeric, OUT current_auc numeric,
    OUT top_decile_lift numeric, OUT current_top_decile_lift numeric, OUT iterations integer,
    OUT converged boolean)
RETURNS record
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_suggest_points';
COMMENT ON FUNCTION @extschema@.suggest_points(regclass, text, @extschema@.lifecycle_stage, timestamptz, timestamptz,
                                               interval, text, double precision, double precision) IS
    'Suggested points: a regularised logistic regression of conversion on a model''s rules over the history, written as a new model of the same rules, with its AUC and top-decile lift on a time-based hold-out against the model replayed';

------------------------------------------------------------------------------
-- Challengers (their tables are in 04_scoring_models.sql)
------------------------------------------------------------------------------

-- Backtests the table's model and its challengers (or the models given)
-- at each one's own threshold, over the same cohort: per model its MQLs,
-- conversion, recall, how fast it qualified them and how fast they
-- converted, and the AUC of its scores.
CREATE FUNCTION @extschema@.compare_models(
    leads regclass,
    models text[] DEFAULT NULL,
    outcome @extschema@.lifecycle_stage DEFAULT 'sql',
    since timestamptz DEFAULT NULL,
    until timestamptz DEFAULT NULL,
    horizon interval DEFAULT '30 days')
RETURNS TABLE (model text, live boolean, threshold numeric, mqls bigint, converted bigint,
               conversion numeric, recall numeric, median_time_to_mql interval,
               median_time_to_outcome interval, auc numeric)
LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_compare_models';
COMMENT ON FUNCTION @extschema@.compare_models(regclass, text[], @extschema@.lifecycle_stage, timestamptz,
                                               timestamptz, interval) IS
    'A table''s model against its challengers, backtested with no look-ahead at each one''s own threshold: MQLs, conversion, recall, time to MQL and to outcome, AUC';

-- Makes a model the table's own: manage() again with the same columns and
-- that model (which rescores every lead, and may promote), then a row of
-- leadqual.model_change.  Returns the row's id.
CREATE FUNCTION @extschema@.promote_model(leads regclass, model text, note text DEFAULT NULL)
RETURNS bigint
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_promote_model';
COMMENT ON FUNCTION @extschema@.promote_model(regclass, text, text) IS
    'Makes a model (a challenger) the table''s own, as manage() would, and logs the change in leadqual.model_change';
