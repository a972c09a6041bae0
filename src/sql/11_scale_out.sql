-- leadqual: scale-out on Citus.  leadqual.distribute() lays leadqual's own
-- tables out beside a distributed leads table, once, on the coordinator:
-- every table of per-lead rows distributed by a column of its own,
-- shard_key, holding the lead's distribution value and co-located with the
-- leads table, so that a trigger firing on a shard of the leads table
-- writes only to shards on the same node, in the same local transaction;
-- the configuration as reference tables, on every node.  The reports'
-- rollups stay on the coordinator.  docs/scale-out.md has the layout.

-- leadqual's tables of per-lead rows, distributed by shard_key
CREATE FUNCTION @extschema@._per_lead_tables()
RETURNS regclass[]
LANGUAGE sql STABLE PARALLEL SAFE
RETURN ARRAY['@extschema@.transition', '@extschema@.lead_merge', '@extschema@.event',
             '@extschema@.lead_score', '@extschema@.score_change', '@extschema@.engagement_state',
             '@extschema@.owner_turn', '@extschema@.assignment', '@extschema@.touch',
             '@extschema@.sla_clock', '@extschema@.handoff', '@extschema@.funnel_dirty']::pg_catalog.regclass[];

-- leadqual's configuration, reference tables on every node: the tables a
-- foreign key names first
CREATE FUNCTION @extschema@._configuration_tables()
RETURNS regclass[]
LANGUAGE sql STABLE PARALLEL SAFE
RETURN ARRAY['@extschema@.rejection_reason', '@extschema@.model', '@extschema@.fit_rule',
             '@extschema@.engagement_rule', '@extschema@.challenger', '@extschema@.calendar',
             '@extschema@.business_hours', '@extschema@.holiday', '@extschema@.owner',
             '@extschema@.sla_policy']::pg_catalog.regclass[];

-- The distribution value of the lead a trigger on a shard writes for, as
-- text; NULL elsewhere: the default of shard_key, for the rows leadqual's
-- queries there insert (src/citus_shards.c).
CREATE FUNCTION @extschema@._shard_key()
RETURNS text
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'leadqual_shard_key';

-- The OID on the coordinator of the managed table of which the relation,
-- on this node, is a shard: what leadqual's rows name the table by.
-- track() and touch() on the coordinator insert a row beside the lead's
-- with it, of the lead row's tableoid, so that Citus runs it there: a
-- regclass constant it would send by name, which a worker reads as its own
-- OID (src/citus_shards.c).
CREATE FUNCTION @extschema@._logged_table(shard oid)
RETURNS regclass
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_logged_table';

-- On a worker, rescore() (rescore_due() with due_only) of one shard of a
-- table Citus distributes, as the caller; how many scores changed.
-- rescore() on the coordinator calls it in a query over the table's rows,
-- which Citus runs a task a shard, in parallel: the shard's first row
-- rescores it, the others return 0.  No SET clause: it would switch the
-- search_path for every row; the C sets it for the rescoring alone.
CREATE FUNCTION @extschema@._rescore_shard(shard oid, as_of timestamptz, due_only boolean)
RETURNS bigint
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'leadqual_rescore_shard';

-- Runs DDL on leadqual's own tables here and on every worker, where
-- CREATE EXTENSION made them too and Citus takes them as the shells of the
-- distributed tables: Citus propagates no DDL on a table it does not know.
CREATE FUNCTION @extschema@._on_every_node(commands text[])
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $on_every_node$
DECLARE
    command text;
    failed  text;
BEGIN
    FOREACH command IN ARRAY commands LOOP
        EXECUTE command;
    END LOOP;
    FOR failed IN
        EXECUTE 'SELECT w.nodename || '':'' || w.nodeport || '': '' || w.result
                 FROM pg_catalog.run_command_on_workers($1) AS w WHERE NOT w.success'
        USING 'SET search_path = pg_catalog, pg_temp; ' || pg_catalog.array_to_string(commands, '; ')
    LOOP
        RAISE EXCEPTION 'leadqual.distribute: changing leadqual''s tables on worker % failed', failed
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Check that the worker runs the same version of leadqual: ALTER EXTENSION leadqual UPDATE there.';
    END LOOP;
END
$on_every_node$;

-- What distribute() changes in each table of per-lead rows, on every
-- node: a column shard_key of the distribution column's type.  Citus keeps
-- a key unique only where it holds the distribution column: each one takes
-- shard_key last, under its own name, so that the indexes leadqual probes
-- keep their leading columns.
CREATE FUNCTION @extschema@._layout_commands(key_type text)
RETURNS text[]
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $layout$
DECLARE
    per_lead regclass;
    key      record;
    commands text[] := '{}';
BEGIN
    FOREACH per_lead IN ARRAY @extschema@._per_lead_tables() LOOP
        commands := commands || format('ALTER TABLE %s ADD COLUMN shard_key %s NOT NULL DEFAULT @extschema@._shard_key()::%s',
                                       per_lead, key_type, key_type);
        FOR key IN
            SELECT c.conname, pg_catalog.pg_get_constraintdef(c.oid) AS definition
            FROM pg_catalog.pg_constraint AS c
            WHERE c.conrelid = per_lead AND c.contype IN ('p', 'u')
        LOOP
            commands := commands || format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I %s',
                                           per_lead, key.conname, key.conname,
                                           pg_catalog.regexp_replace(key.definition, '\)$', ', shard_key)'));
        END LOOP;
    END LOOP;
    RETURN commands;
END
$layout$;

-- On a worker about to join a cluster whose leadqual tables are
-- distributed: the same layout, so that Citus finds shard_key in the
-- tables it takes as the shells (docs/scale-out.md, "Adding a worker").
CREATE FUNCTION @extschema@.prepare_worker(key_type regtype)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $prepare$
DECLARE
    command text;
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute AS a
               WHERE a.attrelid = '@extschema@.transition'::pg_catalog.regclass
                 AND a.attname = 'shard_key' AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'leadqual.prepare_worker: leadqual''s tables here have a shard_key already'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call it once, on a new worker, before citus_add_node() adds it.';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.transition) THEN
        RAISE EXCEPTION 'leadqual.prepare_worker: leadqual has logged stage changes on this server'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Prepare a new server: its leadqual tables become the shells of the distributed ones.';
    END IF;
    FOREACH command IN ARRAY @extschema@._layout_commands(pg_catalog.format_type(key_type, NULL)) LOOP
        EXECUTE command;
    END LOOP;
END
$prepare$;
COMMENT ON FUNCTION @extschema@.prepare_worker(regtype) IS
    'On a new Citus worker, before citus_add_node(): give leadqual''s tables the layout leadqual.distribute() gave them on the cluster';

-- Distributes leadqual's tables beside a leads table Citus distributes:
-- see the comment at the top.  Checks everything before it changes
-- anything; changes all of it, or nothing.
CREATE FUNCTION @extschema@.distribute(leads regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $distribute$
DECLARE
    key_type  text;
    key_type_oid oid;
    per_lead  regclass;
    config    regclass;
    key       record;
    has_rows  boolean;
    foreign_keys text[] := '{}';
    layout    text[] := '{}';
    detach    text[] := '{}';
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RAISE EXCEPTION 'leadqual.distribute: Citus is not installed in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'leadqual.distribute() is for a Citus cluster: CREATE EXTENSION citus, distribute the leads table with create_distributed_table(), then call it.';
    END IF;
    EXECUTE 'SELECT pg_catalog.format_type(a.atttypid, a.atttypmod), a.atttypid
             FROM pg_catalog.pg_dist_partition AS p
             JOIN pg_catalog.pg_attribute AS a
               ON a.attrelid = p.logicalrelid
              AND a.attname = pg_catalog.column_to_column_name(p.logicalrelid, p.partkey)
             WHERE p.logicalrelid = $1 AND p.partmethod = ''h'''
    INTO key_type, key_type_oid USING leads;
    IF key_type IS NULL THEN
        RAISE EXCEPTION 'leadqual.distribute: table % is not a distributed table of Citus', leads
            USING ERRCODE = 'wrong_object_type',
                  HINT = format('Distribute it by its tenant, account or id column first: SELECT create_distributed_table(%L, ''tenant_id'').', leads::text);
    END IF;
    -- leadqual's queries on shards fill shard_key in as the extension's
    -- owner, by a cast to its type: never a user's, whose input function
    -- or domain checks would run with the owner's rights
    IF key_type_oid >= 16384 THEN
        RAISE EXCEPTION 'leadqual.distribute: table % is distributed by a column of type %, which is not built in', leads, key_type
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Distribute the leads table by a column of a built-in type, such as bigint, uuid or text.';
    END IF;
    EXECUTE 'SELECT p.logicalrelid FROM pg_catalog.pg_dist_partition AS p
             WHERE p.logicalrelid = ''@extschema@.transition''::pg_catalog.regclass'
    INTO per_lead;
    IF per_lead IS NOT NULL THEN
        RAISE EXCEPTION 'leadqual.distribute: leadqual''s tables are distributed already'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Distribute %s co-located with them: SELECT create_distributed_table(%L, ''<column>'', colocate_with => ''leadqual.transition''), then call leadqual.manage(%L).',
                                leads, leads::text, leads::text);
    END IF;
    IF pg_catalog.current_setting('citus.enable_unsafe_triggers', true) IS DISTINCT FROM 'on' THEN
        RAISE EXCEPTION 'leadqual.distribute: Citus runs no trigger on a distributed table, and leadqual''s tables have triggers'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Let it run them, and leadqual''s on the leads table, which write only beside the shard they fire on: ALTER SYSTEM SET citus.enable_unsafe_triggers = on, on the coordinator and every worker, then SELECT pg_reload_conf().';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.managed) THEN
        RAISE EXCEPTION 'leadqual.distribute: leadqual manages tables already (%), whose history has no distribution value',
                (SELECT pg_catalog.string_agg(m.leads::text, ', ') FROM @extschema@.managed AS m)
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call leadqual.distribute() in a database where leadqual manages no table yet; unmanage() the tables, or distribute them and import their history afterwards with leadqual.import_history().';
    END IF;
    FOREACH per_lead IN ARRAY @extschema@._per_lead_tables() LOOP
        EXECUTE format('SELECT EXISTS (SELECT FROM %s)', per_lead) INTO has_rows;
        IF has_rows THEN
            RAISE EXCEPTION 'leadqual.distribute: table % has rows, which have no distribution value', per_lead
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Call leadqual.distribute() before leadqual records anything; import history afterwards with leadqual.import_history().';
        END IF;
    END LOOP;

    -- foreign keys to reference tables need every change over one
    -- connection a node
    PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
    -- Citus takes a foreign key only between tables it knows, and would
    -- turn the tables of one into Citus local tables first (which it does
    -- by recreating their views, the extension's): so the keys go, and
    -- come back once every table is distributed.
    FOR key IN
        SELECT c.conrelid::pg_catalog.regclass AS relation, c.conname,
               pg_catalog.pg_get_constraintdef(c.oid) AS definition
        FROM pg_catalog.pg_constraint AS c
        WHERE c.contype = 'f'
          AND c.conrelid = ANY (@extschema@._configuration_tables() || @extschema@._per_lead_tables())
    LOOP
        foreign_keys := foreign_keys || ARRAY[[key.relation::text, key.conname::text, key.definition]];
        detach := detach || format('ALTER TABLE %s DROP CONSTRAINT %I', key.relation, key.conname);
    END LOOP;
    PERFORM @extschema@._on_every_node(detach);
    -- The rows are copied into the shards with leadqual's triggers off:
    -- they were checked as they went in, and builtin rows (which the
    -- checks refuse from anyone but the extension's script) are among them.
    FOREACH config IN ARRAY @extschema@._configuration_tables() LOOP
        EXECUTE format('ALTER TABLE %s DISABLE TRIGGER USER', config);
        PERFORM pg_catalog.create_reference_table(config);
        EXECUTE format('ALTER TABLE %s ENABLE TRIGGER USER', config);
    END LOOP;
    -- the same on every worker, whose leadqual tables (CREATE EXTENSION
    -- made them there too) become the tables' shells
    layout := @extschema@._layout_commands(key_type);
    PERFORM @extschema@._on_every_node(layout);
    FOREACH per_lead IN ARRAY @extschema@._per_lead_tables() LOOP
        PERFORM pg_catalog.create_distributed_table(per_lead, 'shard_key', colocate_with => leads::text);
    END LOOP;
    FOR i IN 1 .. COALESCE(pg_catalog.array_length(foreign_keys, 1), 0) LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s',
                       foreign_keys[i][1], foreign_keys[i][2], foreign_keys[i][3]);
    END LOOP;
END
$distribute$;
COMMENT ON FUNCTION @extschema@.distribute(regclass) IS
    'On a Citus coordinator: distribute leadqual''s per-lead tables co-located with a distributed leads table, and make its configuration reference tables';

-- Laying leadqual's tables out is for the extension's owner (a superuser,
-- as Citus's own DDL needs).
REVOKE EXECUTE ON FUNCTION @extschema@.distribute(regclass), @extschema@._on_every_node(text[]),
    @extschema@.prepare_worker(regtype) FROM PUBLIC;
