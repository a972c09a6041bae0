-- leadqual: managed tables.  manage() attaches leadqual's triggers to a
-- leads table, with the settings in the triggers' arguments (src/config.c);
-- leadqual.managed reads them back; unmanage() detaches; an event trigger
-- refuses inheritance children of a managed table.

-- The raw arguments of a trigger.  (Its comment is older than 0.4.0: since
-- then leadqual.managed reads the settings with _trigger_settings() below,
-- which decodes them the same way.  Kept as updated databases have it.)
CREATE FUNCTION @extschema@.trigger_arguments(tgargs bytea)
RETURNS text[]
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_trigger_arguments';
COMMENT ON FUNCTION @extschema@.trigger_arguments(bytea) IS
    'pg_trigger.tgargs as text[]; leadqual.managed reads the settings with it';

-- The settings a qualify trigger's arguments give, and the first problem
-- that stops it from running.  C, so that it never errors on what someone
-- else's trigger holds.
CREATE FUNCTION @extschema@._trigger_settings(leads regclass, tgargs bytea,
                                              OUT id_column name, OUT score_column name,
                                              OUT stage_column name, OUT owner_column name,
                                              OUT threshold numeric, OUT promote_to text,
                                              OUT model text, OUT problem text)
RETURNS record
LANGUAGE c STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_trigger_settings';

-- One row per ordinary or partitioned table with a leadqual_qualify
-- trigger of its own (a partition's are clones of its parent's).
-- enabled: all five triggers enabled and no problem.  problem: why the
-- triggers can't run (malformed arguments, a missing column or model,
-- inheritance children), NULL when they can.
CREATE VIEW @extschema@.managed AS
SELECT t.tgrelid::pg_catalog.regclass AS leads,
       -- COLLATE "default": the collation these name columns have had since
       -- 0.1.0 (text cast to name); CREATE OR REPLACE VIEW, which updated
       -- the view, cannot change a column's collation, and name's own is "C"
       s.id_column COLLATE pg_catalog."default" AS id_column,
       s.score_column COLLATE pg_catalog."default" AS score_column,
       s.stage_column COLLATE pg_catalog."default" AS stage_column,
       COALESCE(s.threshold, m.threshold) AS threshold,
       COALESCE(s.promote_to::@extschema@.lifecycle_stage, m.promote_to) AS promote_to,
       p.problem IS NULL
       AND (SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger AS e
            WHERE e.tgrelid OPERATOR(pg_catalog.=) t.tgrelid
              AND e.tgenabled OPERATOR(pg_catalog.<>) 'D'
              AND e.tgfoid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.qualify()'::pg_catalog.regprocedure,
                                                           '@extschema@.log_transition()'::pg_catalog.regprocedure,
                                                           '@extschema@.log_deletion()'::pg_catalog.regprocedure]))
           OPERATOR(pg_catalog.=) 5 AS enabled,
       s.model,
       s.owner_column COLLATE pg_catalog."default" AS owner_column,
       p.problem
FROM pg_catalog.pg_trigger AS t
JOIN pg_catalog.pg_class AS c
  ON c.oid OPERATOR(pg_catalog.=) t.tgrelid
 AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::"char"[])
CROSS JOIN LATERAL @extschema@._trigger_settings(t.tgrelid, t.tgargs) AS s
LEFT JOIN @extschema@.model AS m
       ON m.name OPERATOR(pg_catalog.=) s.model
CROSS JOIN LATERAL (
    SELECT COALESCE(s.problem,
                    CASE WHEN s.model IS NOT NULL AND m.name IS NULL
                         THEN pg_catalog.format('Model "%s" does not exist.', s.model) END)
) AS p(problem)
WHERE t.tgfoid OPERATOR(pg_catalog.=) '@extschema@.qualify()'::pg_catalog.regprocedure
  AND t.tgparentid OPERATOR(pg_catalog.=) 0;
COMMENT ON VIEW @extschema@.managed IS
    'Tables managed by leadqual and their settings, read from their leadqual_qualify triggers';

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
                           '@extschema@.log_transition()'::regprocedure,
                           '@extschema@.log_deletion()'::regprocedure)
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', trigger_name, leads);
    END LOOP;
END
$drop$;

-- Whether Citus distributes the table (by hash, with leadqual's tables
-- beside it: docs/scale-out.md).  Without Citus its catalog does not
-- exist, hence EXECUTE.
CREATE FUNCTION @extschema@._distributed_by_citus(leads regclass)
RETURNS boolean
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $distributed$
DECLARE
    distributed boolean := false;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition AS p
                                WHERE p.logicalrelid = $1 AND p.partmethod = ''h'')'
        INTO distributed USING leads;
    END IF;
    RETURN distributed;
END
$distributed$;

-- Attaches leadqual to a leads table, or changes its settings: checks the
-- columns and settings, then (re)creates the five triggers, whose
-- arguments hold the settings.  Under a model it scores the rows already
-- there.  The log and the scores are kept.
CREATE FUNCTION @extschema@.manage(
    leads        regclass,
    id_column    name DEFAULT 'id',
    score_column name DEFAULT 'score',
    stage_column name DEFAULT 'lifecycle_stage',
    threshold    numeric DEFAULT NULL,
    promote_to   @extschema@.lifecycle_stage DEFAULT NULL,
    model        text DEFAULT NULL,
    owner_column name DEFAULT NULL)
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
    owner_generated "char";
    citus_kind  text;
    colocated   boolean;
BEGIN
    IF leads IS NULL OR id_column IS NULL OR score_column IS NULL OR stage_column IS NULL THEN
        RAISE EXCEPTION 'leadqual.manage: leads and the column names must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Leave an argument out to use its default.';
    END IF;
    IF model IS NOT NULL AND (threshold IS NOT NULL OR promote_to IS NOT NULL) THEN
        RAISE EXCEPTION 'leadqual.manage: a table managed with model "%" takes its threshold and promote_to from the model', model
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('Leave threshold and promote_to out, and change them with UPDATE leadqual.model ... WHERE name = %L.', model);
    END IF;
    IF model IS NOT NULL AND NOT EXISTS (SELECT FROM @extschema@.model AS m WHERE m.name = manage.model) THEN
        RAISE EXCEPTION 'leadqual.manage: model "%" does not exist', model
            USING ERRCODE = 'undefined_object',
                  HINT = 'leadqual.model lists the models; leadqual.copy_model() starts a new one from another.';
    END IF;
    IF model IS NULL THEN
        threshold := COALESCE(threshold, 50);
        promote_to := COALESCE(promote_to, 'mql');
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
    -- A table Citus distributes fires its triggers on its shards, on the
    -- workers, which write leadqual's co-located shards there: leadqual's
    -- tables must be distributed beside it (leadqual.distribute(), src/sql/
    -- 11_scale_out.sql).  A reference or Citus local table is refused: its
    -- triggers fire on every node's copy.  Looked up with EXECUTE: without
    -- Citus the catalog does not exist.
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
        EXECUTE 'SELECT CASE WHEN p.partmethod = ''n'' AND p.repmodel = ''t'' THEN ''reference''
                             WHEN p.partmethod = ''n'' THEN ''Citus local'' ELSE ''distributed'' END,
                        p.colocationid = (SELECT l.colocationid FROM pg_catalog.pg_dist_partition AS l
                                          WHERE l.logicalrelid = ''@extschema@.transition''::pg_catalog.regclass)
                 FROM pg_catalog.pg_dist_partition AS p WHERE p.logicalrelid = $1'
        INTO citus_kind, colocated USING leads;
        IF citus_kind IN ('reference', 'Citus local') THEN
            RAISE EXCEPTION 'leadqual.manage: table % is a % table of Citus, which leadqual does not support', leads, citus_kind
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'Distribute the leads table by its tenant, account or id column with create_distributed_table(), or manage a table Citus does not distribute.';
        ELSIF citus_kind = 'distributed' AND colocated IS NULL THEN
            RAISE EXCEPTION 'leadqual.manage: table % is distributed by Citus, and leadqual''s tables are not', leads
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = format('As the extension''s owner, distribute them beside it first: SELECT leadqual.distribute(%L).', leads::text);
        ELSIF citus_kind = 'distributed' AND NOT colocated THEN
            RAISE EXCEPTION 'leadqual.manage: table % is not co-located with leadqual''s tables', leads
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = format('Co-locate it with them: SELECT update_distributed_table_colocation(%L, colocate_with => ''leadqual.transition'').', leads::text);
        ELSIF citus_kind = 'distributed'
              AND pg_catalog.current_setting('citus.enable_unsafe_triggers', true) IS DISTINCT FROM 'on' THEN
            RAISE EXCEPTION 'leadqual.manage: Citus runs no trigger on a distributed table such as %', leads
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Let it run leadqual''s, which write only beside the shard they fire on: ALTER SYSTEM SET citus.enable_unsafe_triggers = on, on the coordinator and every worker, then SELECT pg_reload_conf().';
        ELSIF citus_kind IS NULL AND @extschema@._distributed_by_citus('@extschema@.transition') THEN
            RAISE EXCEPTION 'leadqual.manage: leadqual''s tables are distributed by Citus, and table % is not', leads
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = format('Distribute it co-located with them: SELECT create_distributed_table(%L, ''<column>'', colocate_with => ''leadqual.transition'').', leads::text);
        END IF;
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

    IF owner_column IS NOT NULL THEN
        SELECT a.attgenerated INTO owner_generated
        FROM pg_attribute AS a
        WHERE a.attrelid = leads AND a.attname = owner_column
          AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'leadqual.manage: table % has no column "%" for the lead owner', leads, owner_column
                USING ERRCODE = 'undefined_column',
                      HINT = 'Pass owner_column => the name of the column that holds the lead''s owner, or leave it out.';
        END IF;
        IF owner_generated <> '' THEN
            RAISE EXCEPTION 'leadqual.manage: owner column "%" of table % is a generated column', owner_column, leads
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'leadqual writes the owner it assigns into the column; use an ordinary column.';
        END IF;
        IF owner_column IN (id_column, score_column, stage_column) THEN
            RAISE EXCEPTION 'leadqual.manage: table % cannot use column "%" as the owner column too', leads, owner_column
                USING ERRCODE = 'duplicate_column',
                      HINT = 'The owner needs a column of its own.';
        END IF;
    END IF;

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

    IF model IS NOT NULL THEN
        SELECT r.name, r.column_name INTO existing
        FROM @extschema@.fit_rule AS r
        WHERE r.model = manage.model
          AND NOT EXISTS (SELECT FROM pg_attribute AS a
                          WHERE a.attrelid = leads AND a.attname = r.column_name
                            AND a.attnum > 0 AND NOT a.attisdropped)
        ORDER BY r.name LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'leadqual.manage: fit rule "%" of model "%" reads column "%", which table % lacks',
                    existing.name, model, existing.column_name, leads
                USING ERRCODE = 'undefined_column',
                      HINT = format('Add the column to %s, or copy the model with leadqual.copy_model(%L, ...) and change or drop the rule.',
                                    leads, model);
        END IF;
        IF base_types[2] IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype)
           AND (SELECT m.scale FROM @extschema@.model AS m WHERE m.name = manage.model) > 0 THEN
            RAISE EXCEPTION 'leadqual.manage: model "%" keeps decimal places, but score column "%" of table % is %',
                    model, score_column, leads, base_types[2]
                USING ERRCODE = 'datatype_mismatch',
                      HINT = 'Use a numeric score column, or a model with scale 0.';
        END IF;
    END IF;

    -- A trigger of someone else's under one of our names is not replaced.
    FOR existing IN
        SELECT t.tgname, t.tgfoid::regprocedure AS function
        FROM pg_trigger AS t
        WHERE t.tgrelid = leads
          AND t.tgname IN ('leadqual_qualify', 'leadqual_log_insert', 'leadqual_log_update',
                           'leadqual_log_delete', 'leadqual_log_truncate')
          AND t.tgfoid NOT IN ('@extschema@.qualify()'::regprocedure,
                               '@extschema@.log_transition()'::regprocedure,
                               '@extschema@.log_deletion()'::regprocedure)
    LOOP
        RAISE EXCEPTION 'leadqual.manage: table % already has a trigger "%" that runs %',
                leads, existing.tgname, existing.function
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Rename or drop that trigger; leadqual needs the name.';
    END LOOP;

    -- The settings live in the triggers' arguments: see src/config.c.
    settings := format('%L, %L, %L, ',
                       'id_column=' || id_column,
                       'score_column=' || score_column,
                       'stage_column=' || stage_column)
                || CASE WHEN model IS NULL
                        THEN format('%L, %L', 'threshold=' || threshold, 'promote_to=' || promote_to)
                        ELSE format('%L', 'model=' || model) END
                || CASE WHEN owner_column IS NOT NULL
                        THEN format(', %L', 'owner_column=' || owner_column) ELSE '' END
                -- the table's OID here, on the coordinator: the shards'
                -- triggers record the table under it, as Citus sends a
                -- regclass between nodes (src/citus_shards.c)
                || CASE WHEN citus_kind = 'distributed'
                        THEN format(', %L', 'table_oid=' || leads::oid) ELSE '' END;
    PERFORM @extschema@._drop_triggers(leads);
    -- qualify() decides each stage change; log_transition() logs the
    -- changes that were really written (not, say, rows ON CONFLICT skipped).
    EXECUTE format('CREATE TRIGGER leadqual_qualify BEFORE INSERT OR UPDATE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION @extschema@.qualify(%s)',
                   leads, settings);
    EXECUTE format('CREATE TRIGGER leadqual_log_insert AFTER INSERT ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION @extschema@.log_transition(%s)',
                   leads, settings);
    -- The casts let a domain over lifecycle_stage compare.  Under a model
    -- the trigger also records new scores, so it fires on every UPDATE; with
    -- an owner column, also when the owner changes.
    EXECUTE format('CREATE TRIGGER leadqual_log_update AFTER UPDATE ON %s '
                   'FOR EACH ROW %s '
                   'EXECUTE FUNCTION @extschema@.log_transition(%s)',
                   leads,
                   CASE WHEN model IS NULL
                        THEN format('WHEN (OLD.%I::@extschema@.lifecycle_stage '
                                    'IS DISTINCT FROM NEW.%I::@extschema@.lifecycle_stage%s)',
                                    stage_column, stage_column,
                                    CASE WHEN owner_column IS NOT NULL
                                         THEN format(' OR OLD.%I IS DISTINCT FROM NEW.%I', owner_column, owner_column)
                                         ELSE '' END) END,
                   settings);
    -- A deleted lead's history is retired under an id of its own
    -- (src/lead_identity.c); TRUNCATE deletes them all.
    EXECUTE format('CREATE TRIGGER leadqual_log_delete AFTER DELETE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION @extschema@.log_deletion()', leads);
    EXECUTE format('CREATE TRIGGER leadqual_log_truncate AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.log_deletion()', leads);
    -- A model computes every score from now on, starting with the rows
    -- already there; on Citus, shard-parallel beside them, as rescore()
    -- does (which leaves rows other transactions hold for their own writes).
    IF model IS NOT NULL AND citus_kind = 'distributed' THEN
        PERFORM @extschema@.rescore(leads, now());
    ELSIF model IS NOT NULL THEN
        PERFORM @extschema@._score_leads(leads, NULL, now(), false);
    END IF;
END
$manage$;
COMMENT ON FUNCTION @extschema@.manage(regclass, name, name, name, numeric, @extschema@.lifecycle_stage, text, name) IS
    'Attach leadqual to a leads table, or change its settings: a fixed threshold or a scoring model, and an owner column for round-robin assignment; history is kept';

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

-- Rows of an inheritance child never fire the parent's triggers, so an
-- UPDATE through a managed parent could move them past every rule, unlogged.
-- This refuses any DDL that leaves a managed ordinary table with
-- inheritance children: manage() on such a parent (its CREATE TRIGGER),
-- CREATE TABLE ... INHERITS and ALTER TABLE ... INHERIT.  Runs as the role
-- issuing the DDL, and reads only the catalog.
CREATE FUNCTION @extschema@._refuse_managed_inheritance()
RETURNS event_trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $refuse$
DECLARE
    inherited record;
BEGIN
    WITH changed AS (
        SELECT CASE WHEN d.classid = 'pg_trigger'::regclass
                    THEN (SELECT t.tgrelid FROM pg_trigger AS t WHERE t.oid = d.objid)
                    ELSE d.objid END AS relid
        FROM pg_event_trigger_ddl_commands() AS d
        WHERE d.classid IN ('pg_class'::regclass, 'pg_trigger'::regclass))
    SELECT i.inhparent::regclass AS parent, i.inhrelid::regclass AS child INTO inherited
    FROM pg_inherits AS i
    JOIN changed AS x ON x.relid IN (i.inhparent, i.inhrelid)
    JOIN pg_class AS p ON p.oid = i.inhparent AND p.relkind = 'r'
    WHERE EXISTS (SELECT FROM pg_trigger AS t
                  WHERE t.tgrelid = i.inhparent AND t.tgfoid = '@extschema@.qualify()'::regprocedure)
    ORDER BY i.inhparent, i.inhrelid
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'leadqual: table % is managed by leadqual and cannot have inheritance child %',
                inherited.parent, inherited.child
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Rows of an inheritance child never fire the parent''s triggers, so they would escape the stage rules and the log.',
                  HINT = 'Use declarative partitioning (PARTITION BY), whose partitions get leadqual''s triggers, or manage the child table on its own.';
    END IF;
END
$refuse$;

CREATE EVENT TRIGGER leadqual_refuse_managed_inheritance ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'CREATE FOREIGN TABLE', 'ALTER TABLE', 'ALTER FOREIGN TABLE',
                 'CREATE TRIGGER')
    EXECUTE FUNCTION @extschema@._refuse_managed_inheritance();
