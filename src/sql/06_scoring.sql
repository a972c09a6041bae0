-- leadqual: computing scores.  Events (what leads did) and the scores
-- computed from them; track(), rescore() and explain().  The models and
-- rules are in 04_scoring_models.sql.

------------------------------------------------------------------------------
-- Events and scores
------------------------------------------------------------------------------

CREATE TABLE @extschema@.event (
    id          bigserial PRIMARY KEY,
    lead_table  regclass NOT NULL,
    lead_id     text NOT NULL,
    kind        text NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    properties  jsonb NOT NULL DEFAULT '{}',
    recorded_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    recorded_by name NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT event_kind_not_empty CHECK (kind OPERATOR(pg_catalog.<>) ''),
    CONSTRAINT event_occurred_at_finite CHECK (pg_catalog.isfinite(occurred_at)),
    CONSTRAINT event_properties_object CHECK (pg_catalog.jsonb_typeof(properties) OPERATOR(pg_catalog.=) 'object'),
    CONSTRAINT event_lead_id_length CHECK (pg_catalog.octet_length(lead_id) OPERATOR(pg_catalog.<=) 1000)
);
CREATE INDEX event_lead_idx ON @extschema@.event (lead_table, lead_id, kind, occurred_at);
COMMENT ON TABLE @extschema@.event IS
    'What leads did: one row per tracked event; inserting rows rescores their leads';

CREATE TABLE @extschema@.lead_score (
    lead_table       regclass NOT NULL,
    lead_id          text NOT NULL,
    fit              numeric NOT NULL DEFAULT 0,
    engagement       numeric NOT NULL DEFAULT 0,
    score            numeric,
    engagement_as_of timestamptz,
    scored_at        timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    due_at           timestamptz,
    PRIMARY KEY (lead_table, lead_id)
) WITH (fillfactor = 80);
-- Every scoring of a lead updates its row: room on each page keeps the new
-- version on the same page, and those updates that leave due_at alone HOT,
-- with no new index entry (rescore() of many leads ~10% faster).
-- rescore_due(): the leads due, in due order.  The due time is kept here,
-- with the subtotals every scoring writes, rather than with the lead's
-- engagement state, which then changes only with its events (rescore() of
-- many leads ~25% faster, and half the WAL).
CREATE INDEX lead_score_due_idx ON @extschema@.lead_score (lead_table, due_at, lead_id)
    WHERE due_at IS NOT NULL;
COMMENT ON TABLE @extschema@.lead_score IS
    'Fit and engagement subtotals of each scored lead, the score last written to its row, and when its engagement is next due to change';

CREATE TABLE @extschema@.score_change (
    id             bigserial PRIMARY KEY,
    lead_table     regclass NOT NULL,
    lead_id        text NOT NULL,
    changed_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    previous_score numeric,
    score          numeric,
    fit            numeric NOT NULL,
    engagement     numeric NOT NULL,
    changed_by     name NOT NULL DEFAULT CURRENT_USER
);
CREATE INDEX score_change_lead_idx ON @extschema@.score_change (lead_table, lead_id, id);
COMMENT ON TABLE @extschema@.score_change IS
    'One row per change of a scored lead''s score, with its fit and engagement subtotals';

-- What each engagement rule keeps of a lead's events (src/engagement_state.c):
-- scoring a lead after new events folds them in, instead of reading all of
-- the lead's events again.  Derived from leadqual.event and the rules, so
-- pg_dump leaves it out: a lead with no row, or one kept under other rules,
-- is rebuilt from its events when it is next scored.
CREATE TABLE @extschema@.engagement_state (
    lead_table regclass NOT NULL,
    lead_id    text NOT NULL,
    state      bytea NOT NULL,
    PRIMARY KEY (lead_table, lead_id)
) WITH (fillfactor = 80, toast_tuple_target = 8160);
-- Room on the page keeps a new state HOT: on the same page, with no new
-- index entry.  A state of
-- up to a page stays in the row, uncompressed: a lead with many sessions
-- (a group_by rule) keeps a few kB, which a track() would otherwise
-- compress and decompress on every event (track() on a lead with 1,000
-- events ~15% faster).
COMMENT ON TABLE @extschema@.engagement_state IS
    'What each engagement rule keeps of a lead''s events, so that new events are folded in rather than all re-read (internal)';

-- pg_dump keeps all of them (but engagement_state, above).
SELECT pg_catalog.pg_extension_config_dump('@extschema@.event', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.lead_score', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.score_change', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.score_change_id_seq', '');

------------------------------------------------------------------------------
-- Computing scores
------------------------------------------------------------------------------

-- The model a table is managed with, or NULL.  C, reading the trigger from
-- the relcache (until 0.4.0 it was SQL, and planned a query on
-- leadqual.managed on every call).  Called once per engagement query, so
-- it keeps its SET clause.
CREATE FUNCTION @extschema@._model_of(leads regclass)
RETURNS text
LANGUAGE c STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_model_of';

-- The fit part of a lead's score: the sum of the points of its table's
-- model's fit rules that its row matches.  rescore() and explain() call
-- these; the trigger runs the same C code on each written row.  Parallel
-- restricted: loading a model runs queries as the owner, which only the
-- leader should do.
CREATE FUNCTION @extschema@._fit(leads regclass, lead record)
RETURNS numeric
LANGUAGE c STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_fit';

CREATE FUNCTION @extschema@._fit_rules(leads regclass, lead record)
RETURNS TABLE (rule text, column_name name, value text, points numeric)
LANGUAGE c STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_fit_rules';

-- The equality operator of a type, schema-qualified, for dynamic SQL.
CREATE FUNCTION @extschema@._equality_operator(type regtype)
RETURNS text
LANGUAGE c STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_equality_operator';

-- Each event that counts for an engagement rule of the table's model, as of
-- a time, with its decayed weight and the rule's terms; a window starts
-- at _window_start(), in absolute time.  No SET
-- search_path, so that it inlines into the queries that aggregate it; every
-- name is qualified.  It covers every lead: a caller's condition on lead_id
-- is pushed down to the index on events, in generic plans too, which a
-- "lead_ids IS NULL OR ..." parameter would prevent.
CREATE FUNCTION @extschema@._engagement_events(leads regclass, as_of timestamptz)
RETURNS TABLE (lead_id text, rule text, event_id bigint, kind text,
               occurred_at timestamptz, session text, weight double precision,
               points numeric, min_count integer, cap numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT e.lead_id, r.name, e.id, e.kind, e.occurred_at,
       CASE WHEN r.group_by IS NULL THEN ''
            ELSE e.properties OPERATOR(pg_catalog.->>) r.group_by END,
       @extschema@.decay(as_of OPERATOR(pg_catalog.-) e.occurred_at, r.half_life),
       r.points, r.min_count, r.cap
FROM @extschema@.engagement_rule AS r
JOIN @extschema@.event AS e
  ON e.kind OPERATOR(pg_catalog.=) r.event_kind
 AND e.properties OPERATOR(pg_catalog.@>) r.match
WHERE r.model OPERATOR(pg_catalog.=) (SELECT @extschema@._model_of(leads))
  AND e.lead_table OPERATOR(pg_catalog.=) leads
  AND e.occurred_at OPERATOR(pg_catalog.<=) as_of
  AND (r.within IS NULL
       OR e.occurred_at OPERATOR(pg_catalog.>) @extschema@._window_start(as_of, r.within))
$$;

-- Each engagement rule's points per lead, as of a time.  A rule without
-- min_count gives points x the sum of its events' weights; one with
-- min_count gives points x the weight of the event that completed the most
-- recent run of min_count events (per group_by value).  Weights are summed
-- as numeric so the result does not depend on the order events are read in;
-- a cap limits the size, then points round to the model's scale.
CREATE FUNCTION @extschema@._engagement_points(leads regclass, as_of timestamptz)
RETURNS TABLE (lead_id text, rule text, points numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT w.lead_id, w.rule,
       pg_catalog.round(CASE WHEN w.cap IS NULL THEN w.points OPERATOR(pg_catalog.*) w.weight
                             ELSE pg_catalog.sign(w.points OPERATOR(pg_catalog.*) w.weight)
                                  OPERATOR(pg_catalog.*)
                                  LEAST(pg_catalog.abs(w.points OPERATOR(pg_catalog.*) w.weight), w.cap) END,
                        (SELECT m.scale FROM @extschema@.model AS m
                         WHERE m.name OPERATOR(pg_catalog.=) @extschema@._model_of(leads)))
FROM (
    SELECT e.lead_id, e.rule, pg_catalog.max(e.points) AS points, pg_catalog.max(e.cap) AS cap,
           pg_catalog.sum(e.weight::numeric) AS weight
    FROM @extschema@._engagement_events(leads, as_of) AS e
    WHERE e.min_count IS NULL
    GROUP BY e.lead_id, e.rule
    UNION ALL
    SELECT c.lead_id, c.rule, pg_catalog.max(c.points), pg_catalog.max(c.cap),
           pg_catalog.max(c.weight::numeric)
    FROM (SELECT e.lead_id, e.rule, e.weight, e.points, e.cap, e.min_count,
                 pg_catalog.row_number() OVER (PARTITION BY e.lead_id, e.rule, e.session
                                               ORDER BY e.occurred_at DESC, e.event_id DESC) AS newest
          FROM @extschema@._engagement_events(leads, as_of) AS e
          WHERE e.min_count IS NOT NULL AND e.session IS NOT NULL) AS c
    WHERE c.newest OPERATOR(pg_catalog.=) c.min_count
    GROUP BY c.lead_id, c.rule
) AS w
$$;

-- Stores the subtotals of the leads, reading them as the caller and writing
-- leadqual.lead_score as the owner, and returns each one's new score
-- (src/model_score.c).
CREATE FUNCTION @extschema@._store_scores(leads regclass, as_of timestamptz, lead_ids text[])
RETURNS TABLE (lead_id text, score numeric)
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_store_scores';

-- Errors unless the table is managed with a model; returns the settings.
CREATE FUNCTION @extschema@._scored_table(leads regclass, caller text)
RETURNS @extschema@.managed
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $scored$
DECLARE
    settings @extschema@.managed;
BEGIN
    SELECT * INTO settings FROM @extschema@.managed AS m WHERE m.leads = _scored_table.leads;
    IF NOT FOUND THEN
        RAISE EXCEPTION '%: table % is not managed by leadqual', caller, leads
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Manage it with a scoring model: SELECT leadqual.manage(%L, model => ''default'');', leads::text);
    END IF;
    IF settings.model IS NULL THEN
        RAISE EXCEPTION '%: table % is managed with a fixed threshold, not a scoring model', caller, leads
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Let a model compute its scores: SELECT leadqual.manage(%L, model => ''default'');', leads::text);
    END IF;
    RETURN settings;
END
$scored$;

-- Errors with no_data_found, naming the first id that the id column's type
-- cannot even hold (such as 'x' for an integer id): no such lead exists.
-- Parallel unsafe, like anything with an exception block.
CREATE FUNCTION @extschema@._require_castable_ids(leads regclass, lead_ids text[], id_type text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $ids$
DECLARE
    lead_id text;
BEGIN
    EXECUTE format('SELECT $1::%s[]', id_type) USING lead_ids;
EXCEPTION WHEN data_exception THEN
    FOREACH lead_id IN ARRAY lead_ids LOOP
        BEGIN
            EXECUTE format('SELECT $1::%s', id_type) USING lead_id;
        EXCEPTION WHEN data_exception THEN
            RAISE EXCEPTION 'leadqual: lead "%" of table % does not exist', lead_id, leads
                USING ERRCODE = 'no_data_found',
                      DETAIL = format('Its ids are of type %s, and "%s" is not one.', id_type, lead_id),
                      HINT = 'Pass the id of an existing lead, as text.';
        END;
    END LOOP;
    RAISE;
END
$ids$;

-- Rescores the given leads (NULL: every row) as of a time and returns how
-- many scores changed.  It locks the rows first, then computes with a new
-- snapshot, so events committed while it waited are counted.  With
-- skip_locked it leaves rows other transactions hold alone: their own
-- writes rescore them.  C (src/score_leads.c), with its queries for few
-- leads kept per table; PL/pgSQL until 0.4.0.
CREATE FUNCTION @extschema@._score_leads(leads regclass, lead_ids text[], as_of timestamptz,
                                         skip_locked boolean)
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_score_leads';

-- After events are inserted, by track() or in bulk: rescore their leads,
-- handing the new events over for their kept state to fold in (C, in
-- src/new_events.c, with the checks it had in PL/pgSQL until 0.5.0).
-- Events of a table not managed with a model are only stored (manage()
-- scores them when it attaches a model); that is also what lets pg_restore
-- load the events before it re-creates the leads tables' triggers.
CREATE FUNCTION @extschema@._score_new_events()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_score_new_events';

CREATE TRIGGER score_new_events AFTER INSERT ON @extschema@.event
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._score_new_events();

-- After events are updated, deleted or truncated: drop what was kept of
-- their leads' events, to be rebuilt from the events (src/new_events.c).
-- Their scores change when they are next scored, as they always did.
CREATE FUNCTION @extschema@._forget_changed_events()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_forget_changed_events';

CREATE TRIGGER forget_updated_events AFTER UPDATE ON @extschema@.event
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._forget_changed_events();
CREATE TRIGGER forget_deleted_events AFTER DELETE ON @extschema@.event
    REFERENCING OLD TABLE AS old_events
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._forget_changed_events();
CREATE TRIGGER forget_truncated_events AFTER TRUNCATE ON @extschema@.event
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._forget_changed_events();

-- Records an event (C, src/new_events.c; PL/pgSQL until 0.4.0).  track()
-- and touch() take the new row's id from the sequence rather than from
-- RETURNING, so that a lead the caller can't see fails as one that does
-- not exist (P0002), as an INSERT of the same row does.
CREATE FUNCTION @extschema@.track(
    leads       regclass,
    lead_id     text,
    kind        text,
    occurred_at timestamptz DEFAULT now(),
    properties  jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_track';
COMMENT ON FUNCTION @extschema@.track(regclass, text, text, timestamptz, jsonb) IS
    'Record what a lead did; its score is recomputed in the same transaction, which may promote it';

-- Rescores every lead of the table the caller sees as of a time and returns
-- how many scores changed.  It first finds the leads whose subtotals or
-- score would change, locking nothing, from their kept engagement state
-- (their events, for a lead whose state can't say); _score_leads() then
-- locks and rescores just those, leaving alone leads other transactions
-- hold.  C (src/score_leads.c); PL/pgSQL reading every event until 0.5.0.
CREATE FUNCTION @extschema@.rescore(leads regclass, as_of timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_rescore';
COMMENT ON FUNCTION @extschema@.rescore(regclass, timestamptz) IS
    'Recompute every lead''s score as of a time (decay, windows, changed rules); returns how many scores changed';

-- Rescores only the leads whose kept engagement state says their score may
-- have changed by as_of: a window letting an event go, decay taking a
-- rule's points past a rounding boundary (C, src/score_leads.c).  For
-- pg_cron, every few minutes; rescore() catches up with the rest.
CREATE FUNCTION @extschema@.rescore_due(leads regclass, as_of timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_rescore_due';
COMMENT ON FUNCTION @extschema@.rescore_due(regclass, timestamptz) IS
    'Rescore only the leads whose score may have changed since they were scored (decay, windows); returns how many scores changed';

CREATE FUNCTION @extschema@.explain(leads regclass, lead_id text, as_of timestamptz DEFAULT NULL)
RETURNS TABLE (rule text, category text, points numeric, evidence jsonb)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $explain$
DECLARE
    settings @extschema@.managed;
    m        @extschema@.model;
    stored   @extschema@.lead_score;
    id_type  text;
    equals   text;
    row_score numeric;
    fit      numeric := 0;
    engagement numeric := 0;
    computed numeric;
    found_rows bigint;
BEGIN
    IF leads IS NULL OR lead_id IS NULL THEN
        RAISE EXCEPTION 'leadqual.explain: leads and lead_id must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Leave as_of out to explain the stored score.';
    END IF;
    IF as_of IS NOT NULL AND NOT isfinite(as_of) THEN
        RAISE EXCEPTION 'leadqual.explain: as_of must be a finite time, not %', as_of
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Leave it out to explain the stored score.';
    END IF;
    settings := @extschema@._scored_table(leads, 'leadqual.explain');
    SELECT * INTO m FROM @extschema@.model AS x WHERE x.name = settings.model;
    SELECT format_type(a.atttypid, a.atttypmod), @extschema@._equality_operator(a.atttypid)
      INTO id_type, equals
    FROM pg_attribute AS a WHERE a.attrelid = leads AND a.attname = settings.id_column;

    PERFORM @extschema@._require_castable_ids(leads, ARRAY[lead_id], id_type);
    EXECUTE format('SELECT l.%I::numeric FROM %s AS l WHERE l.%I %s $1::%s',
                   settings.score_column, leads, settings.id_column, equals, id_type)
    INTO row_score USING lead_id;
    GET DIAGNOSTICS found_rows = ROW_COUNT;
    IF found_rows = 0 THEN
        RAISE EXCEPTION 'leadqual.explain: lead "%" of table % does not exist', lead_id, leads
            USING ERRCODE = 'no_data_found',
                  HINT = format('Check the id against column "%s".', settings.id_column);
    END IF;
    SELECT * INTO stored FROM @extschema@.lead_score AS s
    WHERE s.lead_table = explain.leads AND s.lead_id = explain.lead_id;
    -- by default, as of when the stored engagement was computed
    as_of := COALESCE(as_of, stored.engagement_as_of, now());

    EXECUTE format('SELECT @extschema@._fit($1, l) FROM %s AS l WHERE l.%I %s $2::%s',
                   leads, settings.id_column, equals, id_type)
    INTO fit USING leads, lead_id;
    SELECT COALESCE(sum(p.points), 0) INTO engagement
    FROM @extschema@._engagement_points(explain.leads, explain.as_of) AS p
    WHERE p.lead_id = explain.lead_id;

    RETURN QUERY EXECUTE format(
        'SELECT f.rule, ''fit''::text, f.points, '
        '       pg_catalog.jsonb_build_object(''column'', f.column_name, ''value'', f.value) '
        '       OPERATOR(pg_catalog.||) CASE WHEN r.operator OPERATOR(pg_catalog.=) ''seniority'' '
        '            THEN pg_catalog.jsonb_build_object(''seniority'', @extschema@.seniority(f.value)) '
        '            ELSE ''{}''::jsonb END '
        'FROM %s AS l, @extschema@._fit_rules($1, l) AS f '
        'JOIN @extschema@.fit_rule AS r ON r.model OPERATOR(pg_catalog.=) $3 AND r.name OPERATOR(pg_catalog.=) f.rule '
        'WHERE l.%I %s $2::%s '
        'ORDER BY f.points DESC, f.rule',
        leads, settings.id_column, equals, id_type)
    USING leads, lead_id, m.name;

    RETURN QUERY
    SELECT p.rule, 'engagement'::text, p.points,
           jsonb_build_object('count', ev.n, 'events', ev.events)
           || CASE WHEN r.min_count IS NOT NULL THEN jsonb_build_object('min_count', r.min_count) ELSE '{}' END
           || CASE WHEN r.half_life IS NOT NULL THEN jsonb_build_object('half_life', r.half_life) ELSE '{}' END
           || CASE WHEN r.within IS NOT NULL THEN jsonb_build_object('within', r.within) ELSE '{}' END
    FROM @extschema@._engagement_points(explain.leads, explain.as_of) AS p
    JOIN @extschema@.engagement_rule AS r ON r.model = m.name AND r.name = p.rule
    CROSS JOIN LATERAL (
        SELECT count(*) AS n,
               jsonb_agg(jsonb_build_object('id', e.event_id, 'kind', e.kind,
                                            'occurred_at', e.occurred_at,
                                            'weight', round(e.weight::numeric, 4))
                         || CASE WHEN r.group_by IS NOT NULL
                                 THEN jsonb_build_object(r.group_by, e.session) ELSE '{}' END
                         ORDER BY e.occurred_at, e.event_id) AS events
        FROM @extschema@._engagement_events(explain.leads, explain.as_of) AS e
        -- events without the group_by property don't count
        WHERE e.lead_id = explain.lead_id AND e.rule = p.rule AND e.session IS NOT NULL
    ) AS ev
    WHERE p.lead_id = explain.lead_id
    ORDER BY p.points DESC, p.rule;

    computed := fit + engagement;
    IF m.max_score IS NOT NULL AND computed > m.max_score THEN
        rule := 'max_score';
        category := 'cap';
        points := m.max_score - computed;
        evidence := jsonb_build_object('max_score', m.max_score, 'uncapped', computed);
        RETURN NEXT;
        computed := m.max_score;
    END IF;
    -- The stored score is what the row holds; say why it differs, so the
    -- points always add up to it.
    IF row_score IS DISTINCT FROM computed THEN
        rule := 'stored_score_difference';
        category := 'adjustment';
        points := row_score - computed;
        evidence := jsonb_build_object(
            'stored_score', row_score, 'computed_score', computed,
            'as_of', as_of, 'engagement_as_of', stored.engagement_as_of,
            'hint', 'The stored score was computed at another time or with other rules; leadqual.rescore() brings it up to date.');
        RETURN NEXT;
    END IF;
    RETURN;
END
$explain$;
COMMENT ON FUNCTION @extschema@.explain(regclass, text, timestamptz) IS
    'Why a lead scores what it scores: one row per contributing rule, with evidence; the points add up to the stored score';
