-- leadqual 0.1.0: lifecycle stages, threshold-driven promotion, transition log.

\echo Use "CREATE EXTENSION leadqual" to load this file. \quit

-- Application roles call manage(), reject() and read the log.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

------------------------------------------------------------------------------
-- Stages
------------------------------------------------------------------------------

-- The first nine labels are the funnel, in order; recycled and disqualified
-- are detours off it.  src/stage.c declares the same labels in the same order.
CREATE TYPE @extschema@.lifecycle_stage AS ENUM (
    'subscriber', 'lead', 'mql', 'pql', 'sal', 'sql',
    'opportunity', 'customer', 'evangelist',
    'recycled', 'disqualified'
);
COMMENT ON TYPE @extschema@.lifecycle_stage IS
    'Lead lifecycle stage: nine funnel stages in order, then the detours recycled and disqualified';

CREATE FUNCTION @extschema@.funnel_rank(stage @extschema@.lifecycle_stage)
RETURNS integer
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_funnel_rank';
COMMENT ON FUNCTION @extschema@.funnel_rank(@extschema@.lifecycle_stage) IS
    'Position on the funnel, 1 (subscriber) to 9 (evangelist); NULL for recycled and disqualified';

CREATE FUNCTION @extschema@.is_funnel_stage(stage @extschema@.lifecycle_stage)
RETURNS boolean
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_is_funnel_stage';
COMMENT ON FUNCTION @extschema@.is_funnel_stage(@extschema@.lifecycle_stage) IS
    'True for the nine funnel stages, false for the detours recycled and disqualified';

CREATE VIEW @extschema@.stages AS
SELECT s.stage,
       @extschema@.funnel_rank(s.stage) AS funnel_rank,
       @extschema@.is_funnel_stage(s.stage) AS is_funnel,
       d.description
FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::@extschema@.lifecycle_stage)) AS s(stage)
JOIN (VALUES
    ('subscriber'::@extschema@.lifecycle_stage, 'Opted in to content; no sales interest yet'),
    ('lead', 'Known contact, for example by email'),
    ('mql', 'Marketing qualified: the score says fit and engaged'),
    ('pql', 'Product qualified: product usage says so'),
    ('sal', 'Sales accepted: a rep picked the lead up'),
    ('sql', 'Sales qualified: a rep confirmed budget, authority, need and timeline'),
    ('opportunity', 'A formal deal with a size and a close date'),
    ('customer', 'Bought'),
    ('evangelist', 'Customer who refers others'),
    ('recycled', 'Detour: sent back to marketing for nurturing, with a reason'),
    ('disqualified', 'Detour: not a fit, with a reason')
) AS d(stage, description) USING (stage)
ORDER BY s.stage;
COMMENT ON VIEW @extschema@.stages IS
    'Every lifecycle stage with its funnel rank and meaning';
GRANT SELECT ON @extschema@.stages TO PUBLIC;

------------------------------------------------------------------------------
-- Rejection reasons and the transition log
------------------------------------------------------------------------------

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
    'promotion', 'manual', 'rejection', 'repair'
);
COMMENT ON TYPE @extschema@.transition_via IS
    'How a stage change happened: by score, by a user''s INSERT or UPDATE, by leadqual.reject(), or by a repair with the stage rules off';

CREATE TABLE @extschema@.transition (
    id          bigserial PRIMARY KEY,
    lead_table  regclass NOT NULL,
    lead_id     text NOT NULL,
    from_stage  @extschema@.lifecycle_stage,
    to_stage    @extschema@.lifecycle_stage NOT NULL,
    score       numeric,
    -- clock_timestamp(): logged while the lead's row is locked, so one
    -- lead's changes get increasing times in the order they happened
    changed_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    changed_by  name NOT NULL DEFAULT CURRENT_USER,
    reason      text REFERENCES @extschema@.rejection_reason (code) ON UPDATE CASCADE,
    via         @extschema@.transition_via NOT NULL
);
CREATE INDEX transition_lead_idx
    ON @extschema@.transition (lead_table, lead_id, id);
COMMENT ON TABLE @extschema@.transition IS
    'One row per stage change of a managed lead, written by leadqual''s triggers in the same transaction';

-- pg_dump keeps the log and the reasons users added.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.transition', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.transition_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rejection_reason', 'WHERE NOT builtin');

-- The trigger writes the log as the table's owner; everyone else reads it.
REVOKE ALL ON @extschema@.transition, @extschema@.rejection_reason FROM PUBLIC;
GRANT SELECT ON @extschema@.transition, @extschema@.rejection_reason TO PUBLIC;

CREATE VIEW @extschema@.stage_history AS
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
-- while its row is locked, so ids follow the order the changes committed in
WINDOW lead_log AS (PARTITION BY t.lead_table, t.lead_id ORDER BY t.id);
COMMENT ON VIEW @extschema@.stage_history IS
    'Each stay of each lead in a stage: when it entered, when it left, and how long it stayed (so far, for the current stage)';
GRANT SELECT ON @extschema@.stage_history TO PUBLIC;

------------------------------------------------------------------------------
-- The trigger and managing tables
------------------------------------------------------------------------------

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

CREATE FUNCTION @extschema@.trigger_arguments(tgargs bytea)
RETURNS text[]
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_trigger_arguments';
COMMENT ON FUNCTION @extschema@.trigger_arguments(bytea) IS
    'pg_trigger.tgargs as text[]; leadqual.managed reads the settings with it';

CREATE VIEW @extschema@.managed AS
SELECT t.tgrelid::pg_catalog.regclass AS leads,
       (s.settings OPERATOR(pg_catalog.->>) 'id_column')::name AS id_column,
       (s.settings OPERATOR(pg_catalog.->>) 'score_column')::name AS score_column,
       (s.settings OPERATOR(pg_catalog.->>) 'stage_column')::name AS stage_column,
       (s.settings OPERATOR(pg_catalog.->>) 'threshold')::numeric AS threshold,
       (s.settings OPERATOR(pg_catalog.->>) 'promote_to')::@extschema@.lifecycle_stage AS promote_to,
       -- all three of its triggers are there and enabled
       (SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger AS e
        WHERE e.tgrelid OPERATOR(pg_catalog.=) t.tgrelid
          AND e.tgenabled OPERATOR(pg_catalog.<>) 'D'
          AND e.tgfoid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.qualify()'::pg_catalog.regprocedure,
                                                       '@extschema@.log_transition()'::pg_catalog.regprocedure]))
           OPERATOR(pg_catalog.=) 3 AS enabled
FROM pg_catalog.pg_trigger AS t
CROSS JOIN LATERAL (
    SELECT pg_catalog.jsonb_object_agg(pg_catalog.split_part(a, '=', 1),
                                       pg_catalog.substr(a, pg_catalog.strpos(a, '=') OPERATOR(pg_catalog.+) 1))
    FROM pg_catalog.unnest(@extschema@.trigger_arguments(t.tgargs)) AS a
) AS s(settings)
WHERE t.tgfoid OPERATOR(pg_catalog.=) '@extschema@.qualify()'::pg_catalog.regprocedure
  AND t.tgparentid OPERATOR(pg_catalog.=) 0;
COMMENT ON VIEW @extschema@.managed IS
    'Tables managed by leadqual and their settings, read from their leadqual_qualify triggers';
GRANT SELECT ON @extschema@.managed TO PUBLIC;

-- Internal to manage() and unmanage(): drops every leadqual trigger of a
-- table (clones on partitions go with their parent's).
CREATE FUNCTION @extschema@._drop_triggers(leads regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $drop$
DECLARE
    trigger_name name;
BEGIN
    FOR trigger_name IN
        SELECT t.tgname FROM pg_trigger AS t
        WHERE t.tgrelid = leads AND t.tgparentid = 0
          AND t.tgfoid IN ('@extschema@.qualify()'::regprocedure,
                           '@extschema@.log_transition()'::regprocedure)
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', trigger_name, leads);
    END LOOP;
END
$drop$;

CREATE FUNCTION @extschema@.manage(
    leads        regclass,
    id_column    name DEFAULT 'id',
    score_column name DEFAULT 'score',
    stage_column name DEFAULT 'lifecycle_stage',
    threshold    numeric DEFAULT 50,
    promote_to   @extschema@.lifecycle_stage DEFAULT 'mql')
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $manage$
DECLARE
    score_types CONSTANT regtype[] := ARRAY['smallint', 'integer', 'bigint', 'numeric',
                                            'real', 'double precision']::regtype[];
    role_names  CONSTANT text[] := ARRAY['id', 'score', 'stage'];
    columns     name[] := ARRAY[id_column, score_column, stage_column];
    base_types  regtype[] := '{}';
    column_type oid;
    generated   "char";
    managed_parent regclass;
    existing    record;
    settings    text;
BEGIN
    IF leads IS NULL OR id_column IS NULL OR score_column IS NULL
       OR stage_column IS NULL OR threshold IS NULL OR promote_to IS NULL THEN
        RAISE EXCEPTION 'leadqual.manage: arguments must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Leave an argument out to use its default.';
    END IF;

    IF NOT EXISTS (SELECT FROM pg_class AS c WHERE c.oid = leads) THEN
        RAISE EXCEPTION 'leadqual.manage: relation with OID % does not exist', leads::oid
            USING ERRCODE = 'undefined_table',
                  HINT = 'Name the table, for example leadqual.manage(''crm.leads'').';
    END IF;
    IF (SELECT c.relkind FROM pg_class AS c WHERE c.oid = leads) NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'leadqual.manage: % is not a table', leads
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'leadqual manages ordinary and partitioned tables, not views, foreign tables or other relations.';
    END IF;

    managed_parent := (SELECT m.leads FROM @extschema@.managed AS m
                       WHERE m.leads IN (SELECT a.relid FROM pg_partition_ancestors(manage.leads) AS a)
                         AND m.leads <> manage.leads);
    IF managed_parent IS NOT NULL THEN
        RAISE EXCEPTION 'leadqual.manage: table % is a partition of %, which leadqual already manages',
                leads, managed_parent
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Change the settings with leadqual.manage(%L, ...).', managed_parent);
    END IF;

    FOR i IN 1..3 LOOP
        SELECT a.atttypid, a.attgenerated INTO column_type, generated
        FROM pg_attribute AS a
        WHERE a.attrelid = leads AND a.attname = columns[i]
          AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'leadqual.manage: table % has no column "%" for the lead %',
                    leads, columns[i], role_names[i]
                USING ERRCODE = 'undefined_column',
                      HINT = format('Pass %s_column => the name of the column that holds the lead %s.',
                                    role_names[i], role_names[i]);
        END IF;
        -- BEFORE triggers run before generated columns are computed
        IF generated <> '' THEN
            RAISE EXCEPTION 'leadqual.manage: % column "%" of table % is a generated column',
                    role_names[i], columns[i], leads
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'leadqual''s trigger runs before generated columns are computed; '
                             'compute the value in a BEFORE trigger that sorts before "leadqual_qualify" instead.';
        END IF;
        -- domains count as their base type
        WHILE (SELECT t.typtype = 'd' FROM pg_type AS t WHERE t.oid = column_type) LOOP
            SELECT t.typbasetype INTO column_type FROM pg_type AS t WHERE t.oid = column_type;
        END LOOP;
        base_types := base_types || column_type::regtype;
    END LOOP;

    IF id_column IN (score_column, stage_column) OR score_column = stage_column THEN
        RAISE EXCEPTION 'leadqual.manage: table % cannot use one column for two roles (id "%", score "%", stage "%")',
                leads, id_column, score_column, stage_column
            USING ERRCODE = 'duplicate_column',
                  HINT = 'The lead id, score and stage must be three different columns.';
    END IF;

    IF base_types[2] <> ALL (score_types) THEN
        RAISE EXCEPTION 'leadqual.manage: score column "%" of table % is of type %, expected smallint, integer, bigint, numeric, real or double precision',
                score_column, leads, base_types[2]
            USING ERRCODE = 'datatype_mismatch',
                  HINT = format('Convert it, for example: ALTER TABLE %s ALTER COLUMN %I TYPE integer USING %I::integer',
                                leads, score_column, score_column);
    END IF;

    IF base_types[3] <> '@extschema@.lifecycle_stage'::regtype THEN
        RAISE EXCEPTION 'leadqual.manage: stage column "%" of table % is of type %, expected leadqual.lifecycle_stage',
                stage_column, leads, base_types[3]
            USING ERRCODE = 'datatype_mismatch',
                  HINT = format('Convert it, for example: ALTER TABLE %s ALTER COLUMN %I TYPE leadqual.lifecycle_stage USING %I::leadqual.lifecycle_stage',
                                leads, stage_column, stage_column);
    END IF;

    IF threshold = 'NaN'::numeric OR threshold::text IN ('Infinity', '-Infinity') THEN
        RAISE EXCEPTION 'leadqual.manage: threshold must be a finite number, not %', threshold
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the score at which a lead is promoted, for example threshold => 50.';
    END IF;

    IF NOT @extschema@.is_funnel_stage(promote_to) OR @extschema@.funnel_rank(promote_to) <= @extschema@.funnel_rank('lead') THEN
        RAISE EXCEPTION 'leadqual.manage: cannot promote leads to %', promote_to
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'promote_to must be a funnel stage after lead, such as mql or pql.';
    END IF;

    -- A trigger of someone else's under one of our names is not replaced.
    FOR existing IN
        SELECT t.tgname, t.tgfoid::regprocedure AS function
        FROM pg_trigger AS t
        WHERE t.tgrelid = leads
          AND t.tgname IN ('leadqual_qualify', 'leadqual_log_insert', 'leadqual_log_update')
          AND t.tgfoid NOT IN ('@extschema@.qualify()'::regprocedure,
                               '@extschema@.log_transition()'::regprocedure)
    LOOP
        RAISE EXCEPTION 'leadqual.manage: table % already has a trigger "%" that runs %',
                leads, existing.tgname, existing.function
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Rename or drop that trigger; leadqual needs the name.';
    END LOOP;

    -- The settings live in the triggers' arguments: see src/config.c.
    settings := format('%L, %L, %L, %L, %L',
                       'id_column=' || id_column,
                       'score_column=' || score_column,
                       'stage_column=' || stage_column,
                       'threshold=' || threshold,
                       'promote_to=' || promote_to);
    PERFORM @extschema@._drop_triggers(leads);
    -- qualify() decides each stage change; log_transition() logs the
    -- changes that were really written (not, say, rows ON CONFLICT skipped).
    EXECUTE format('CREATE TRIGGER leadqual_qualify BEFORE INSERT OR UPDATE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION @extschema@.qualify(%s)',
                   leads, settings);
    EXECUTE format('CREATE TRIGGER leadqual_log_insert AFTER INSERT ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION @extschema@.log_transition(%s)',
                   leads, settings);
    -- The casts let a domain over lifecycle_stage compare.
    EXECUTE format('CREATE TRIGGER leadqual_log_update AFTER UPDATE ON %s '
                   'FOR EACH ROW WHEN (OLD.%I::@extschema@.lifecycle_stage '
                   'IS DISTINCT FROM NEW.%I::@extschema@.lifecycle_stage) '
                   'EXECUTE FUNCTION @extschema@.log_transition(%s)',
                   leads, stage_column, stage_column, settings);
END
$manage$;
COMMENT ON FUNCTION @extschema@.manage(regclass, name, name, name, numeric, @extschema@.lifecycle_stage) IS
    'Attach leadqual to a leads table, or change its settings; history is kept';

CREATE FUNCTION @extschema@.unmanage(leads regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $unmanage$
BEGIN
    IF NOT EXISTS (SELECT FROM @extschema@.managed AS m WHERE m.leads = unmanage.leads) THEN
        RAISE EXCEPTION 'leadqual.unmanage: table % is not managed by leadqual', leads
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'leadqual.managed lists the managed tables.';
    END IF;
    PERFORM @extschema@._drop_triggers(leads);
END
$unmanage$;
COMMENT ON FUNCTION @extschema@.unmanage(regclass) IS
    'Detach leadqual from a leads table; its transition history is kept';

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
