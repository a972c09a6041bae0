-- leadqual: the stage rules.  The row triggers that manage() attaches to a
-- leads table: qualify() promotes a lead whose score reaches the threshold
-- and refuses moves the funnel forbids, log_transition() logs the changes
-- that were written; reject() moves a lead off the funnel with a reason.

-- No SET search_path (nor on log_transition() and reject() below): it runs
-- once per written row, where the GUC save and restore measured about 30% of
-- an UPDATE's cost, and it resolves no name through search_path (its SPI
-- queries qualify every table, type and operator).
CREATE FUNCTION @extschema@.qualify()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'leadqual_qualify';
COMMENT ON FUNCTION @extschema@.qualify() IS
    'BEFORE INSERT OR UPDATE row trigger attached by leadqual.manage(): promotes, enforces stage rules, logs';

-- Like qualify(), without SET search_path: it runs once per logged row and
-- its queries qualify every name.
CREATE FUNCTION @extschema@.log_transition()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'leadqual_log_transition';
COMMENT ON FUNCTION @extschema@.log_transition() IS
    'AFTER INSERT and AFTER UPDATE row trigger attached by leadqual.manage(): logs each stage change to leadqual.transition';

-- Like log_transition(), without SET search_path: it runs once per deleted
-- row and its queries qualify every name.
CREATE FUNCTION @extschema@.log_deletion()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'leadqual_log_deletion';
COMMENT ON FUNCTION @extschema@.log_deletion() IS
    'AFTER DELETE row and AFTER TRUNCATE trigger attached by leadqual.manage(): logs each lead''s deletion, stops its SLA clocks and retires its history under an id of its own';

CREATE FUNCTION @extschema@.reject(
    leads    regclass,
    lead_id  text,
    to_stage @extschema@.lifecycle_stage,
    reason   text)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
-- No SET search_path: the UPDATE it runs fires the table's other triggers,
-- which must see the caller's search_path.  Its own query quotes and
-- qualifies the table, columns and equality operator.
AS 'MODULE_PATHNAME', 'leadqual_reject';
COMMENT ON FUNCTION @extschema@.reject(regclass, text, @extschema@.lifecycle_stage, text) IS
    'Move a lead to recycled or disqualified with a reason from leadqual.rejection_reason';
