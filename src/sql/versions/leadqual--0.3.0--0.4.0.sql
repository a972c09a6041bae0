-- leadqual 0.3.0 -> 0.4.0: one trust boundary.  Nothing a user controls
-- runs with the extension owner's rights (src/trust_boundary.c), only
-- ordinary and partitioned tables count as managed, a malformed trigger
-- shows as a problem instead of breaking leadqual.managed, and inheritance
-- parents are refused.

\echo Use "ALTER EXTENSION leadqual UPDATE TO '0.4.0'" to load this file. \quit

------------------------------------------------------------------------------
-- leadqual.managed: tables only, and a problem column
------------------------------------------------------------------------------

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

-- enabled: all three triggers enabled and no problem.  problem: why the
-- triggers can't run (malformed arguments, a missing column or model,
-- inheritance children), NULL when they can.
CREATE OR REPLACE VIEW @extschema@.managed AS
SELECT t.tgrelid::pg_catalog.regclass AS leads,
       -- (the collation the view's name columns have always had)
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
                                                           '@extschema@.log_transition()'::pg_catalog.regprocedure]))
           OPERATOR(pg_catalog.=) 3 AS enabled,
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

-- The model a table is managed with, or NULL: now C, reading the trigger
-- from the relcache, where the SQL version planned a query on the view
-- above on every call.  Called once per engagement query, so it keeps its
-- SET clause.
CREATE OR REPLACE FUNCTION @extschema@._model_of(leads regclass)
RETURNS text
LANGUAGE c STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_model_of';

------------------------------------------------------------------------------
-- Inheritance parents are refused
------------------------------------------------------------------------------

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

------------------------------------------------------------------------------
-- Touches lock their leads as the caller
------------------------------------------------------------------------------

-- _apply_touches() (C) now locks each touched lead as the caller and stops
-- its clocks with _stop_clocks() as the owner: the function that read the
-- leads tables as the owner is gone.
DROP FUNCTION @extschema@._stop_touched_clocks(bigint[]);

------------------------------------------------------------------------------
-- Per-lead tables show a role only the leads it could read itself
------------------------------------------------------------------------------

-- Whether the current role could read the lead in its table: SELECT on
-- the table and, when the table's row-level security restricts the role,
-- the lead's row among those it sees (src/lead_visibility.c).  No SET
-- search_path: it runs for every row a restricted role reads, and the lead
-- table's own policies, which it runs as the role, must see the role's
-- settings as they would if it read the table itself; its own query names
-- the table and column with their schema, quoted.
CREATE FUNCTION @extschema@._lead_visible(lead_table regclass, lead_id text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_lead_visible';

-- Superusers (the extension's owner, which leadqual's own queries run as)
-- and BYPASSRLS roles see every row.  Writes stay as the privileges say:
-- anyone may record events and touches (their triggers check UPDATE on the
-- leads table), only the owner writes the rest.
ALTER TABLE @extschema@.transition ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.transition
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);
ALTER TABLE @extschema@.event ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.event
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);
ALTER TABLE @extschema@.lead_score ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.lead_score
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);
ALTER TABLE @extschema@.score_change ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.score_change
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);
ALTER TABLE @extschema@.sla_clock ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.sla_clock
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);
ALTER TABLE @extschema@.touch ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.touch
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);
ALTER TABLE @extschema@.assignment ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.assignment
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);

-- Stores the subtotals of the leads, reading them as the caller and writing
-- leadqual.lead_score as the owner, and returns each one's new score
-- (src/model_score.c).  Replaces _store_subtotals(), dropped below.
CREATE FUNCTION @extschema@._store_scores(leads regclass, as_of timestamptz, lead_ids text[])
RETURNS TABLE (lead_id text, score numeric)
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_store_scores';

-- Rescores the given leads (NULL: every row) as of a time and returns how
-- many scores changed.  It locks the rows first, then computes in a new
-- statement, so events committed while it waited are counted.  With
-- skip_locked it leaves rows other transactions hold alone: their own
-- writes rescore them.
CREATE OR REPLACE FUNCTION @extschema@._score_leads(leads regclass, lead_ids text[], as_of timestamptz,
                                         skip_locked boolean)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $score$
DECLARE
    settings   @extschema@.managed := @extschema@._scored_table(leads, 'leadqual');
    id_type    text;
    equals     text;
    score_type text;
    locked     text[];
    missing    text;
    stored_ids text[];
    scores     numeric[];
    changed    bigint;
BEGIN
    SELECT format_type(a.atttypid, a.atttypmod), @extschema@._equality_operator(a.atttypid)
      INTO id_type, equals
    FROM pg_attribute AS a WHERE a.attrelid = leads AND a.attname = settings.id_column;
    SELECT format_type(a.atttypid, a.atttypmod) INTO score_type
    FROM pg_attribute AS a WHERE a.attrelid = leads AND a.attname = settings.score_column;

    IF lead_ids IS NOT NULL THEN
        PERFORM @extschema@._require_castable_ids(leads, lead_ids, id_type);
    END IF;
    -- in id order, so two writers lock the same leads in the same order
    EXECUTE format('SELECT pg_catalog.array_agg(s.id) FROM ('
                   'SELECT l.%1$I::text AS id FROM %2$s AS l %3$s ORDER BY l.%1$I '
                   'FOR NO KEY UPDATE OF l %4$s) AS s',
                   settings.id_column, leads,
                   CASE WHEN lead_ids IS NOT NULL
                        THEN format('JOIN pg_catalog.unnest($1::%s[]) AS u(id) ON l.%I %s u.id',
                                    id_type, settings.id_column, equals) END,
                   CASE WHEN skip_locked THEN 'SKIP LOCKED' END)
    INTO locked USING lead_ids;

    IF NOT skip_locked AND lead_ids IS NOT NULL
       AND coalesce(cardinality(locked), 0) < cardinality(lead_ids) THEN
        SELECT i INTO missing FROM unnest(lead_ids) AS i
        WHERE i <> ALL (coalesce(locked, '{}')) LIMIT 1;
        RAISE EXCEPTION 'leadqual: lead "%" of table % does not exist', missing, leads
            USING ERRCODE = 'no_data_found',
                  HINT = 'Insert the lead before tracking its events.';
    END IF;
    IF locked IS NULL THEN
        RETURN 0;
    END IF;

    -- the new scores come back from storing the subtotals, as the owner:
    -- reading leadqual.lead_score here, as the caller, would pass every
    -- row through its row-level security policy
    SELECT pg_catalog.array_agg(s.lead_id), pg_catalog.array_agg(s.score)
      INTO stored_ids, scores
    FROM @extschema@._store_scores(leads, as_of, locked) AS s;

    -- leadqual_qualify checks each score written here against the model
    EXECUTE format('UPDATE %1$s AS l SET %2$I = s.total::%3$s '
                   'FROM unnest($1::%4$s[], $2::numeric[]) AS s(id, total) '
                   'WHERE l.%5$I %6$s s.id '
                   '  AND l.%2$I IS DISTINCT FROM s.total::%3$s',
                   leads, settings.score_column, score_type, id_type, settings.id_column, equals)
    USING stored_ids, scores;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END
$score$;

-- Events only of leads the recording role can see.
CREATE OR REPLACE FUNCTION @extschema@._score_new_events()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $events$
DECLARE
    batch record;
    user_table regclass;
    restricted regclass[] := '{}';
    hidden record;
BEGIN
    -- events count towards scores: only a role that may write the scores
    -- may record them, whether or not the table is scored yet
    FOR user_table IN SELECT DISTINCT n.lead_table FROM new_events AS n LOOP
        IF NOT has_table_privilege(user_table, 'UPDATE') THEN
            RAISE EXCEPTION 'leadqual: permission denied to record events of table %', user_table
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Events change the leads'' scores, so recording them needs UPDATE on the table.';
        END IF;
        IF pg_catalog.row_security_active(user_table) THEN
            restricted := restricted || user_table;
        END IF;
    END LOOP;
    -- and only of leads it can see: where the table's row-level security
    -- restricts the role, an event of a lead it can't see is refused as
    -- one of a lead that does not exist (scoring would refuse it too, but
    -- a table not scored yet only stores its events)
    IF pg_catalog.cardinality(restricted) > 0 THEN
        SELECT n.lead_table, n.lead_id INTO hidden
        FROM new_events AS n
        WHERE n.lead_table = ANY (restricted)
          AND NOT @extschema@._lead_visible(n.lead_table, n.lead_id)
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'leadqual: lead "%" of table % does not exist', hidden.lead_id, hidden.lead_table
                USING ERRCODE = 'no_data_found',
                      HINT = 'Record events of leads you can read in the table.';
        END IF;
    END IF;
    FOR batch IN
        SELECT n.lead_table, array_agg(DISTINCT n.lead_id ORDER BY n.lead_id) AS lead_ids
        FROM new_events AS n
        WHERE n.lead_table IN (SELECT m.leads FROM @extschema@.managed AS m WHERE m.model IS NOT NULL)
        GROUP BY n.lead_table ORDER BY n.lead_table::oid
    LOOP
        PERFORM @extschema@._score_leads(batch.lead_table, batch.lead_ids, now(), false);
    END LOOP;
    RETURN NULL;
END
$events$;

-- track() and touch() take the new row's id from the sequence rather than
-- from RETURNING, so that a lead the caller can't see fails as one that
-- does not exist (P0002), as an INSERT of the same row does.
CREATE OR REPLACE FUNCTION @extschema@.track(
    leads       regclass,
    lead_id     text,
    kind        text,
    occurred_at timestamptz DEFAULT now(),
    properties  jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $track$
DECLARE
    event_id bigint;
BEGIN
    IF leads IS NULL OR lead_id IS NULL OR kind IS NULL OR occurred_at IS NULL OR properties IS NULL THEN
        RAISE EXCEPTION 'leadqual.track: arguments must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Leave occurred_at or properties out to use their defaults.';
    END IF;
    PERFORM @extschema@._scored_table(leads, 'leadqual.track');
    IF kind = '' THEN
        RAISE EXCEPTION 'leadqual.track: event kind must not be empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name what the lead did, such as ''pricing_page_view''; leadqual.engagement_rule lists the kinds that score.';
    END IF;
    IF NOT isfinite(occurred_at) THEN
        RAISE EXCEPTION 'leadqual.track: occurred_at must be a finite time, not %', occurred_at
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Leave it out to record the event as happening now.';
    END IF;
    IF jsonb_typeof(properties) <> 'object' THEN
        RAISE EXCEPTION 'leadqual.track: properties must be a JSON object, not %', jsonb_typeof(properties)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example ''{"session_id": "s1"}''.';
    END IF;
    -- the id comes first, not from RETURNING: RETURNING would apply the
    -- row-level security policy to the new row, and a lead the caller
    -- can't see would fail with 42501 before the trigger says P0002
    event_id := pg_catalog.nextval('@extschema@.event_id_seq');
    INSERT INTO @extschema@.event (id, lead_table, lead_id, kind, occurred_at, properties)
    VALUES (event_id, leads, lead_id, kind, occurred_at, properties);
    RETURN event_id;
END
$track$;

CREATE OR REPLACE FUNCTION @extschema@.touch(
    leads   regclass,
    lead_id text,
    kind    text DEFAULT 'call',
    at      timestamptz DEFAULT now(),
    actor   text DEFAULT CURRENT_USER)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $touch$
DECLARE
    touch_id bigint;
BEGIN
    IF leads IS NULL OR lead_id IS NULL OR kind IS NULL OR at IS NULL OR actor IS NULL THEN
        RAISE EXCEPTION 'leadqual.touch: arguments must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Leave kind, at or actor out to use their defaults.';
    END IF;
    IF kind = '' THEN
        RAISE EXCEPTION 'leadqual.touch: touch kind must not be empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name the activity, such as ''call'', ''email'' or ''meeting''.';
    END IF;
    IF NOT isfinite(at) THEN
        RAISE EXCEPTION 'leadqual.touch: at must be a finite time, not %', at
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Leave it out to record the touch as happening now.';
    END IF;
    IF NOT EXISTS (SELECT FROM @extschema@.managed AS m WHERE m.leads = touch.leads) THEN
        RAISE EXCEPTION 'leadqual.touch: table % is not managed by leadqual', leads
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Manage it first: SELECT leadqual.manage(%L);', leads::text);
    END IF;
    -- not from RETURNING: see track()
    touch_id := pg_catalog.nextval('@extschema@.touch_id_seq');
    INSERT INTO @extschema@.touch (id, lead_table, lead_id, kind, touched_at, actor)
    VALUES (touch_id, leads, lead_id, kind, at, actor);
    RETURN touch_id;
END
$touch$;

-- The reports read those tables as the role that queries them, so the
-- policies apply (a view otherwise reads as its owner, who sees all).
ALTER VIEW @extschema@.stage_history SET (security_invoker = true);
ALTER VIEW @extschema@.sla_status SET (security_invoker = true);
ALTER VIEW @extschema@.sla_breaches SET (security_invoker = true);
ALTER VIEW @extschema@.sla_compliance SET (security_invoker = true);
ALTER VIEW @extschema@.funnel SET (security_invoker = true);
ALTER VIEW @extschema@.stage_velocity SET (security_invoker = true);
ALTER VIEW @extschema@.rejection_summary SET (security_invoker = true);

-- _score_leads() now calls _store_scores() instead.
DROP FUNCTION @extschema@._store_subtotals(regclass, timestamptz, text[]);
