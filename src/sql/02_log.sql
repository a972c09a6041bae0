-- leadqual: the transition log.  Every stage change of a managed lead is a
-- row of leadqual.transition, written by the triggers (03_stage_rules.sql);
-- leadqual.stage_history turns the log into stays.  A lead leaves the
-- funnel with a reason from leadqual.rejection_reason.

CREATE TABLE @extschema@.rejection_reason (
    code        text PRIMARY KEY
                CONSTRAINT rejection_reason_code_format CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    description text NOT NULL,
    builtin     boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.rejection_reason IS
    'Reasons a lead may be recycled or disqualified; add your own rows';

INSERT INTO @extschema@.rejection_reason (code, description, builtin) VALUES
    ('not_icp', 'Not in the ideal customer profile', true),
    ('no_budget', 'No budget', true),
    ('bad_timing', 'Bad timing', true),
    ('already_customer', 'Already a customer', true),
    ('duplicate', 'Duplicate of another lead', true),
    ('no_response', 'Did not respond', true),
    ('competitor', 'Works for a competitor', true);

CREATE TYPE @extschema@.transition_via AS ENUM (
    'promotion', 'manual', 'rejection', 'repair', 'deletion', 'merge', 'import'
);
COMMENT ON TYPE @extschema@.transition_via IS
    'How a stage change happened: by score, by a user''s INSERT or UPDATE, by leadqual.reject(), by a repair with the stage rules off, by the lead''s deletion, by leadqual.merge(), or before leadqual, brought in by leadqual.import_history()';

CREATE TABLE @extschema@.transition (
    id          bigserial PRIMARY KEY,
    lead_table  regclass NOT NULL,
    lead_id     text NOT NULL,
    from_stage  @extschema@.lifecycle_stage,
    -- NULL only for a deletion, or the end of a duplicate's history merged
    -- into another lead: the lead left every stage
    to_stage    @extschema@.lifecycle_stage,
    score       numeric,
    -- clock_timestamp(): logged while the lead's row is locked, so one
    -- lead's changes get increasing times in the order they happened
    changed_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    changed_by  name NOT NULL DEFAULT CURRENT_USER,
    reason      text REFERENCES @extschema@.rejection_reason (code) ON UPDATE CASCADE,
    via         @extschema@.transition_via NOT NULL,
    -- The owner a lead had when it changed stage: rejection_summary counts
    -- by it, and round-robin never hands a lead back to an owner who
    -- rejected it.  Last, because 0.3.0 added it with ALTER TABLE ... ADD
    -- COLUMN: a fresh install has the columns in the order an updated
    -- database has them.
    owner       text,
    -- The merge (leadqual.lead_merge.id) that moved this row here from a
    -- duplicate; NULL for the lead's own history.  stage_history reads each
    -- merged history apart, so that its stays are its own.
    merge_id    bigint,
    -- via as text: the 0.4.0--0.5.0 update adds the labels to the type in
    -- the same transaction, where they can't be used yet
    CONSTRAINT transition_to_stage_deletion
        CHECK (CASE via::pg_catalog.text WHEN 'deletion' THEN to_stage IS NULL
                                         WHEN 'merge' THEN true
                                         ELSE to_stage IS NOT NULL END)
);
CREATE INDEX transition_lead_idx
    ON @extschema@.transition (lead_table, lead_id, id);
COMMENT ON TABLE @extschema@.transition IS
    'One row per stage change of a managed lead, written by leadqual''s triggers in the same transaction';

-- One row per leadqual.merge(): the duplicate (dropped_id) whose history,
-- events, touches, clocks, assignments and scores moved to the survivor
-- (kept_id), whose row was then deleted.
CREATE TABLE @extschema@.lead_merge (
    id            bigserial PRIMARY KEY,
    lead_table    regclass NOT NULL,
    kept_id       text NOT NULL,
    dropped_id    text NOT NULL,
    kept_stage    @extschema@.lifecycle_stage NOT NULL,
    dropped_stage @extschema@.lifecycle_stage NOT NULL,
    -- the survivor's stage after the merge: the further of the two
    stage         @extschema@.lifecycle_stage NOT NULL,
    merged_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    merged_by     name NOT NULL
);
CREATE INDEX lead_merge_kept_idx ON @extschema@.lead_merge (lead_table, kept_id);
CREATE INDEX lead_merge_dropped_idx ON @extschema@.lead_merge (lead_table, dropped_id);
COMMENT ON TABLE @extschema@.lead_merge IS
    'One row per leadqual.merge(): a duplicate lead merged into the lead kept';

-- Merges a duplicate into the lead kept (C, src/lead_merge.c): its history
-- and everything leadqual keeps of it move to the survivor, which takes the
-- further of the two stages and is rescored; the duplicate's row is
-- deleted.  Runs as the caller, who needs UPDATE and DELETE on the table.
CREATE FUNCTION @extschema@.merge(leads regclass, keep text, drop text)
RETURNS @extschema@.lead_merge
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_merge';
COMMENT ON FUNCTION @extschema@.merge(regclass, text, text) IS
    'Merge duplicate lead "drop" into lead "keep": history, events, touches, clocks, assignments and scores move to it; logged in leadqual.lead_merge';

-- The histories retired under a lead id, found by the id: what erase()
-- pseudonymises.  Rows to no stage are deletions (and the ends of merged
-- duplicates' histories), a few of the log.
CREATE INDEX transition_retired_idx ON @extschema@.transition
    (lead_table, pg_catalog.substring(lead_id, '^deleted:[0-9]+:(.*)$'))
    WHERE to_stage IS NULL;

-- Erases a person (C, src/lead_erase.c): deletes the lead's row, as the
-- caller, then removes what leadqual keeps of the person (touches, score
-- history, handoffs) and pseudonymises the rest under 'erased:<n>', so that
-- the funnel and SLA figures of closed periods stay as they were.  Returns
-- a receipt: per table, the rows removed and pseudonymised.  Not for
-- PUBLIC (10_privileges.sql).
CREATE FUNCTION @extschema@.erase(leads regclass, lead_id text)
RETURNS TABLE (relation regclass, removed bigint, pseudonymised bigint)
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_erase';
COMMENT ON FUNCTION @extschema@.erase(regclass, text) IS
    'Erase a person (GDPR, CCPA): delete the lead, remove its touches, score history and handoffs, pseudonymise its log, clocks and assignments; returns the counts per table';

-- Imports leads' history from before leadqual (C, src/lead_import.c):
-- their past transitions, owner assignments and touches, read from staging
-- relations as the caller, checked against the stage rules and the leads'
-- current stage and owner, and written as leadqual would have logged them
-- (via 'import'), with the SLA clocks they would have run.  Importing the
-- same rows again adds nothing.  Returns, per table, the rows written and
-- skipped.  Not for PUBLIC (10_privileges.sql).
CREATE FUNCTION @extschema@.import_history(
    leads       regclass,
    transitions regclass DEFAULT NULL,
    assignments regclass DEFAULT NULL,
    touches     regclass DEFAULT NULL)
RETURNS TABLE (relation regclass, imported bigint, skipped bigint)
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_import_history';
COMMENT ON FUNCTION @extschema@.import_history(regclass, regclass, regclass, regclass) IS
    'Import the history leads had before leadqual (transitions, owner assignments, touches) from staging relations, with the SLA clocks it would have run; returns the rows written and skipped per table';

-- pg_dump keeps the log, the merges and the reasons users added.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.transition', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.transition_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.lead_merge', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.lead_merge_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rejection_reason', 'WHERE NOT builtin');

-- security_invoker: see 10_privileges.sql.  A deletion, or the end of a
-- merged duplicate's history (to no stage), ends the stay before it and is
-- no stay itself.
CREATE VIEW @extschema@.stage_history WITH (security_invoker = true) AS
SELECT h.lead_table, h.lead_id, h.stage, h.entered_at, h.left_at, h.next_stage, h.visit,
       h.is_current, h.time_in_stage, h.transition_id
FROM (
    SELECT t.lead_table,
           t.lead_id,
           t.to_stage AS stage,
           t.changed_at AS entered_at,
           pg_catalog.lead(t.changed_at) OVER lead_log AS left_at,
           pg_catalog.lead(t.to_stage) OVER lead_log AS next_stage,
           pg_catalog.row_number() OVER (PARTITION BY t.lead_table, t.lead_id, t.to_stage
                                         ORDER BY t.id) AS visit,
           pg_catalog.lead(t.changed_at) OVER lead_log IS NULL AS is_current,
           -- statement_timestamp(), not now(): a stay that began earlier in
           -- this transaction must not come out negative
           COALESCE(pg_catalog.lead(t.changed_at) OVER lead_log, pg_catalog.statement_timestamp())
               OPERATOR(pg_catalog.-) t.changed_at AS time_in_stage,
           t.id AS transition_id
    FROM @extschema@.transition AS t
    -- id, not changed_at, is the order of one lead's changes: each is logged
    -- while its row is locked, so ids follow the order the changes committed
    -- in; a duplicate's history merged into the lead is a chain of its own
    WINDOW lead_log AS (PARTITION BY t.lead_table, t.lead_id, t.merge_id ORDER BY t.id)
) AS h
WHERE h.stage IS NOT NULL;
COMMENT ON VIEW @extschema@.stage_history IS
    'Each stay of each lead in a stage: when it entered, when it left, and how long it stayed (so far, for the current stage)';
