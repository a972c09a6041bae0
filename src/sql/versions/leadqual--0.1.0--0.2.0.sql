-- leadqual 0.1.0 -> 0.2.0: the scoring engine.  Models of fit and engagement
-- rules compute the score column; events are tracked, decayed and explained.

\echo Use "ALTER EXTENSION leadqual UPDATE TO '0.2.0'" to load this file. \quit

------------------------------------------------------------------------------
-- Plain-C building blocks
------------------------------------------------------------------------------

CREATE TYPE @extschema@.seniority_level AS ENUM (
    'c_level', 'vp', 'director', 'manager', 'individual_contributor', 'unknown'
);
COMMENT ON TYPE @extschema@.seniority_level IS
    'Seniority of a job title, most senior first; src/seniority.h declares the same labels in the same order';

CREATE FUNCTION @extschema@.seniority(title text)
RETURNS @extschema@.seniority_level
LANGUAGE c IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_seniority';
COMMENT ON FUNCTION @extschema@.seniority(text) IS
    'Seniority of a job title (CEO, VP Sales, Head of Growth, ...); NULL or empty gives unknown';

-- No SET search_path: it is called once per event when scores are computed,
-- inside queries that inline; it resolves no names.
CREATE FUNCTION @extschema@.decay(age interval, half_life interval)
RETURNS double precision
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_decay';
COMMENT ON FUNCTION @extschema@.decay(interval, interval) IS
    'Weight of an event of this age: 0.5 ^ (age / half_life); 1 with no half-life or a negative age';

------------------------------------------------------------------------------
-- Models and rules
------------------------------------------------------------------------------

CREATE TABLE @extschema@.model (
    name           text PRIMARY KEY,
    threshold      numeric NOT NULL DEFAULT 50,
    promote_to     @extschema@.lifecycle_stage NOT NULL DEFAULT 'mql',
    min_fit        numeric DEFAULT 0,
    min_engagement numeric DEFAULT 0,
    max_score      numeric,
    scale          integer NOT NULL DEFAULT 0,
    description    text,
    builtin        boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.model IS
    'Scoring models: the threshold, the stage a lead is promoted to, the gates on fit and engagement, a cap and the rounding scale';

CREATE TABLE @extschema@.fit_rule (
    model       text NOT NULL REFERENCES @extschema@.model (name)
                ON UPDATE CASCADE ON DELETE CASCADE,
    name        text NOT NULL,
    column_name name NOT NULL,
    operator    text NOT NULL,
    value       text[],
    low         numeric,
    high        numeric,
    pattern     text,
    points      numeric NOT NULL,
    cap         numeric,
    builtin     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (model, name)
);
COMMENT ON TABLE @extschema@.fit_rule IS
    'Fit rules: points for who the lead is, matched against a column of the leads table';

CREATE TABLE @extschema@.engagement_rule (
    model      text NOT NULL REFERENCES @extschema@.model (name)
               ON UPDATE CASCADE ON DELETE CASCADE,
    name       text NOT NULL,
    event_kind text NOT NULL,
    match      jsonb NOT NULL DEFAULT '{}',
    points     numeric NOT NULL,
    min_count  integer,
    group_by   text,
    half_life  interval,
    within     interval,
    cap        numeric,
    builtin    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (model, name)
);
COMMENT ON TABLE @extschema@.engagement_rule IS
    'Engagement rules: points for what the lead did, from leadqual.event, per occurrence or once a count is reached, with decay and windows';

-- The published starting values (see docs/scoring.md).
INSERT INTO @extschema@.model (name, threshold, promote_to, min_fit, min_engagement, description, builtin)
VALUES ('default', 50, 'mql', 0, 0, 'Published starting values: 50 points make an MQL', true);

INSERT INTO @extschema@.fit_rule
    (model, name, column_name, operator, value, low, high, points, builtin)
VALUES
    ('default', 'c_level_title',  'title',        'seniority', '{c_level}',  NULL, NULL, 20, true),
    ('default', 'vp_title',       'title',        'seniority', '{vp}',       NULL, NULL, 15, true),
    ('default', 'director_title', 'title',        'seniority', '{director}', NULL, NULL, 10, true),
    ('default', 'manager_title',  'title',        'seniority', '{manager}',  NULL, NULL,  5, true),
    ('default', 'target_company_size', 'company_size', 'between', NULL,    50,  500, 15, true),
    ('default', 'target_industry', 'industry',    'in', '{software,saas,internet}', NULL, NULL, 10, true);

INSERT INTO @extschema@.engagement_rule
    (model, name, event_kind, points, min_count, group_by, within, cap, builtin)
VALUES
    ('default', 'pricing_page',      'pricing_page_view',   20, NULL, NULL, NULL, NULL, true),
    ('default', 'demo_request',      'demo_request',        50, NULL, NULL, NULL, 50,   true),
    ('default', 'webinar',           'webinar_attended',    10, NULL, NULL, NULL, NULL, true),
    ('default', 'case_study',        'case_study_download', 10, NULL, NULL, NULL, NULL, true),
    ('default', 'whitepaper',        'whitepaper_download',  5, NULL, NULL, NULL, NULL, true),
    ('default', 'email_opens',       'email_open',           5, 3,    NULL, NULL, NULL, true),
    ('default', 'pages_in_session',  'page_view',           10, 5,    'session_id', NULL, NULL, true),
    ('default', 'site_returns',      'site_visit',          15, 3,    NULL, '30 days', NULL, true);

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
    PRIMARY KEY (lead_table, lead_id)
);
COMMENT ON TABLE @extschema@.lead_score IS
    'Fit and engagement subtotals of each scored lead, and the score last written to its row';

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

SELECT pg_catalog.pg_extension_config_dump('@extschema@.model', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.fit_rule', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.engagement_rule', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.event', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.lead_score', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.score_change', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.score_change_id_seq', '');

-- Everyone reads; the owner configures; applications insert events (the
-- rescoring that follows needs UPDATE on the leads table); only leadqual's
-- triggers, running as the owner, write scores and their history.
REVOKE ALL ON @extschema@.model, @extschema@.fit_rule, @extschema@.engagement_rule,
              @extschema@.event, @extschema@.lead_score, @extschema@.score_change FROM PUBLIC;
GRANT SELECT ON @extschema@.model, @extschema@.fit_rule, @extschema@.engagement_rule,
                @extschema@.event, @extschema@.lead_score, @extschema@.score_change TO PUBLIC;
GRANT INSERT ON @extschema@.event TO PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.event_id_seq TO PUBLIC;

------------------------------------------------------------------------------
-- Which model a table is managed with
------------------------------------------------------------------------------

CREATE OR REPLACE VIEW @extschema@.managed AS
SELECT t.tgrelid::pg_catalog.regclass AS leads,
       (s.settings OPERATOR(pg_catalog.->>) 'id_column')::name AS id_column,
       (s.settings OPERATOR(pg_catalog.->>) 'score_column')::name AS score_column,
       (s.settings OPERATOR(pg_catalog.->>) 'stage_column')::name AS stage_column,
       COALESCE((s.settings OPERATOR(pg_catalog.->>) 'threshold')::numeric, m.threshold) AS threshold,
       COALESCE((s.settings OPERATOR(pg_catalog.->>) 'promote_to')::@extschema@.lifecycle_stage, m.promote_to) AS promote_to,
       (SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger AS e
        WHERE e.tgrelid OPERATOR(pg_catalog.=) t.tgrelid
          AND e.tgenabled OPERATOR(pg_catalog.<>) 'D'
          AND e.tgfoid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.qualify()'::pg_catalog.regprocedure,
                                                       '@extschema@.log_transition()'::pg_catalog.regprocedure]))
           OPERATOR(pg_catalog.=) 3 AS enabled,
       s.settings OPERATOR(pg_catalog.->>) 'model' AS model
FROM pg_catalog.pg_trigger AS t
CROSS JOIN LATERAL (
    SELECT pg_catalog.jsonb_object_agg(pg_catalog.split_part(a, '=', 1),
                                       pg_catalog.substr(a, pg_catalog.strpos(a, '=') OPERATOR(pg_catalog.+) 1))
    FROM pg_catalog.unnest(@extschema@.trigger_arguments(t.tgargs)) AS a
) AS s(settings)
LEFT JOIN @extschema@.model AS m
       ON m.name OPERATOR(pg_catalog.=) (s.settings OPERATOR(pg_catalog.->>) 'model')
WHERE t.tgfoid OPERATOR(pg_catalog.=) '@extschema@.qualify()'::pg_catalog.regprocedure
  AND t.tgparentid OPERATOR(pg_catalog.=) 0;

-- The model a table is managed with, or NULL.  No SET search_path, so the
-- queries below that call it can be inlined; every name is qualified.
CREATE FUNCTION @extschema@._model_of(leads regclass)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT m.model FROM @extschema@.managed AS m WHERE m.leads OPERATOR(pg_catalog.=) $1
$$;

------------------------------------------------------------------------------
-- Validating models and rules
------------------------------------------------------------------------------

CREATE FUNCTION @extschema@._check_model()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $check$
DECLARE
    user_table regclass;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.builtin THEN
        RAISE EXCEPTION 'leadqual: model "%" is built in and cannot be changed or dropped', OLD.name
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('Copy it and change the copy: SELECT leadqual.copy_model(%L, ''my_model'');', OLD.name);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND (TG_OP = 'DELETE' OR NEW.name <> OLD.name) THEN
        SELECT m.leads INTO user_table FROM @extschema@.managed AS m WHERE m.model = OLD.name LIMIT 1;
        IF user_table IS NOT NULL THEN
            RAISE EXCEPTION 'leadqual: model "%" is in use by table %', OLD.name, user_table
                USING ERRCODE = 'object_in_use',
                      HINT = format('Manage %s with another model first: SELECT leadqual.manage(%L, model => ''...'');',
                                    user_table, user_table::text);
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;

    IF NEW.builtin THEN
        RAISE EXCEPTION 'leadqual: model "%" cannot be marked builtin', NEW.name
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only the models leadqual ships are built in; leave builtin false.';
    END IF;
    IF NEW.name !~ '^[a-z][a-z0-9_]*$' OR length(NEW.name) > 63 THEN
        RAISE EXCEPTION 'leadqual: invalid model name "%"', NEW.name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A model name is lower-case letters, digits and underscores, starting with a letter, at most 63 characters.';
    END IF;
    IF NEW.threshold IS NULL OR NEW.threshold = 'NaN' OR NEW.threshold::text IN ('Infinity', '-Infinity') THEN
        RAISE EXCEPTION 'leadqual: model "%" needs a finite threshold, not %', NEW.name, coalesce(NEW.threshold::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Set the score at which a lead is promoted, for example threshold = 50.';
    END IF;
    IF NOT @extschema@.is_funnel_stage(NEW.promote_to) OR @extschema@.funnel_rank(NEW.promote_to) <= @extschema@.funnel_rank('lead') THEN
        RAISE EXCEPTION 'leadqual: model "%" cannot promote leads to %', NEW.name, NEW.promote_to
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'promote_to must be a funnel stage after lead, such as mql or pql.';
    END IF;
    IF NEW.min_fit = 'NaN' OR NEW.min_fit::text IN ('Infinity', '-Infinity')
       OR NEW.min_engagement = 'NaN' OR NEW.min_engagement::text IN ('Infinity', '-Infinity')
       OR NEW.max_score = 'NaN' OR NEW.max_score::text IN ('Infinity', '-Infinity') THEN
        RAISE EXCEPTION 'leadqual: model "%" has a gate or cap that is not a finite number', NEW.name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'min_fit, min_engagement and max_score are finite numbers, or NULL for none.';
    END IF;
    IF NEW.scale < 0 OR NEW.scale > 6 THEN
        RAISE EXCEPTION 'leadqual: model "%" has scale %, outside 0 to 6', NEW.name, NEW.scale
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'scale is the number of decimal places scores keep; 0 gives whole points.';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.scale > 0 THEN
        PERFORM @extschema@._check_score_columns(NEW.name, NEW.scale);
    END IF;
    RETURN NEW;
END
$check$;

-- Errors if a table managed with the model keeps whole-number scores and
-- the model's scale asks for decimals.
CREATE FUNCTION @extschema@._check_score_columns(model text, scale integer)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $check$
DECLARE
    m record;
BEGIN
    FOR m IN
        SELECT g.leads, g.score_column, format_type(a.atttypid, NULL) AS type
        FROM @extschema@.managed AS g
        JOIN pg_attribute AS a ON a.attrelid = g.leads AND a.attname = g.score_column
        JOIN pg_type AS t ON t.oid = a.atttypid
        WHERE g.model = _check_score_columns.model AND scale > 0
          AND COALESCE(NULLIF(t.typbasetype, 0), t.oid) IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype)
    LOOP
        RAISE EXCEPTION 'leadqual: model "%" keeps % decimal places, but score column "%" of table % is %',
                model, scale, m.score_column, m.leads, m.type
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Use scale 0 with whole-number score columns, or make the column numeric.';
    END LOOP;
END
$check$;

CREATE FUNCTION @extschema@._check_rule()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $check$
DECLARE
    kind text := CASE TG_TABLE_NAME WHEN 'fit_rule' THEN 'fit' ELSE 'engagement' END;
    fit @extschema@.fit_rule;
    engagement @extschema@.engagement_rule;
    user_table regclass;
    bad_level text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.builtin THEN
        RAISE EXCEPTION 'leadqual: % rule "%" of model "%" is built in and cannot be changed or dropped',
                kind, OLD.name, OLD.model
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('Copy the model and change the copy: SELECT leadqual.copy_model(%L, ''my_model'');', OLD.model);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.builtin THEN
        RAISE EXCEPTION 'leadqual: % rule "%" cannot be marked builtin', kind, NEW.name
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only the rules leadqual ships are built in; leave builtin false.';
    END IF;
    IF (SELECT m.builtin FROM @extschema@.model AS m WHERE m.name = NEW.model) THEN
        RAISE EXCEPTION 'leadqual: model "%" is built in; its rules cannot be added to or changed', NEW.model
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('Copy it and change the copy: SELECT leadqual.copy_model(%L, ''my_model'');', NEW.model);
    END IF;
    IF NOT EXISTS (SELECT FROM @extschema@.model AS m WHERE m.name = NEW.model) THEN
        RAISE EXCEPTION 'leadqual: model "%" does not exist', NEW.model
            USING ERRCODE = 'undefined_object',
                  HINT = 'Create it first: INSERT INTO leadqual.model (name, threshold) VALUES (...), or SELECT leadqual.copy_model(''default'', ...).';
    END IF;
    IF NEW.name IS NULL OR NEW.name = '' THEN
        RAISE EXCEPTION 'leadqual: a % rule of model "%" needs a name', kind, NEW.model
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'explain() shows rules by name; give it one such as ''target_industry''.';
    END IF;
    IF NEW.points IS NULL OR NEW.points = 'NaN' OR NEW.points::text IN ('Infinity', '-Infinity') THEN
        RAISE EXCEPTION 'leadqual: % rule "%" of model "%" needs finite points, not %',
                kind, NEW.name, NEW.model, coalesce(NEW.points::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Points are a number, negative for a bad sign such as a student or a competitor.';
    END IF;
    IF NEW.cap IS NOT NULL AND (NEW.cap <= 0 OR NEW.cap = 'NaN' OR NEW.cap::text = 'Infinity') THEN
        RAISE EXCEPTION 'leadqual: % rule "%" of model "%" has cap %, which is not a positive number',
                kind, NEW.name, NEW.model, NEW.cap
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'cap limits the size of the rule''s points, positive or negative; leave it NULL for no cap.';
    END IF;

    IF kind = 'fit' THEN
        fit := NEW;
        IF fit.operator IS NULL OR fit.operator NOT IN ('equals', 'in', 'between', 'matches', 'seniority') THEN
            RAISE EXCEPTION 'leadqual: fit rule "%" of model "%" has unknown operator "%"',
                    fit.name, fit.model, coalesce(fit.operator, 'NULL')
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'The operators are equals, in, between, matches and seniority.';
        END IF;
        IF fit.operator IN ('equals', 'in', 'seniority')
           AND (fit.value IS NULL OR cardinality(fit.value) = 0 OR array_position(fit.value, NULL) IS NOT NULL
                OR (fit.operator = 'equals' AND cardinality(fit.value) <> 1)) THEN
            RAISE EXCEPTION 'leadqual: fit rule "%" of model "%" needs % in value',
                    fit.name, fit.model,
                    CASE fit.operator WHEN 'equals' THEN 'exactly one value'
                                      WHEN 'in' THEN 'a list of values'
                                      ELSE 'a list of seniority levels' END
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'For example value = ''{software,saas}'' for in, or ''{vp,director}'' for seniority.';
        END IF;
        IF fit.operator = 'seniority' THEN
            SELECT v INTO bad_level FROM unnest(fit.value) AS v
            WHERE v NOT IN (SELECT e::text FROM unnest(enum_range(NULL::@extschema@.seniority_level)) AS e)
            LIMIT 1;
            IF bad_level IS NOT NULL THEN
                RAISE EXCEPTION 'leadqual: fit rule "%" of model "%" names unknown seniority level "%"',
                        fit.name, fit.model, bad_level
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'The levels are c_level, vp, director, manager, individual_contributor and unknown.';
            END IF;
        END IF;
        IF fit.operator = 'between' AND (
               (fit.low IS NULL AND fit.high IS NULL) OR fit.low > fit.high
               OR fit.low = 'NaN' OR fit.high = 'NaN') THEN
            RAISE EXCEPTION 'leadqual: fit rule "%" of model "%" needs low <= high, not % to %',
                    fit.name, fit.model, coalesce(fit.low::text, 'NULL'), coalesce(fit.high::text, 'NULL')
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Give low, high or both; the range includes both ends.';
        END IF;
        IF fit.operator = 'matches' THEN
            IF fit.pattern IS NULL THEN
                RAISE EXCEPTION 'leadqual: fit rule "%" of model "%" needs a pattern', fit.name, fit.model
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'pattern is a regular expression, matched ignoring case, such as ''(^|\.)edu$''.';
            END IF;
            PERFORM '' ~* fit.pattern;   -- a bad regular expression errors here
        END IF;
        SELECT m.leads INTO user_table
        FROM @extschema@.managed AS m
        WHERE m.model = fit.model
          AND NOT EXISTS (SELECT FROM pg_attribute AS a
                          WHERE a.attrelid = m.leads AND a.attname = fit.column_name
                            AND a.attnum > 0 AND NOT a.attisdropped)
        LIMIT 1;
        IF user_table IS NOT NULL THEN
            RAISE EXCEPTION 'leadqual: fit rule "%" of model "%" reads column "%", which table % lacks',
                    fit.name, fit.model, fit.column_name, user_table
                USING ERRCODE = 'undefined_column',
                      HINT = format('Add the column to %s, or give the rule a column it has.', user_table);
        END IF;
    ELSE
        engagement := NEW;
        IF engagement.event_kind IS NULL OR engagement.event_kind = '' THEN
            RAISE EXCEPTION 'leadqual: engagement rule "%" of model "%" needs an event_kind', engagement.name, engagement.model
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'event_kind is the kind given to leadqual.track(), such as ''pricing_page_view''.';
        END IF;
        IF jsonb_typeof(engagement.match) IS DISTINCT FROM 'object' THEN
            RAISE EXCEPTION 'leadqual: engagement rule "%" of model "%" needs a JSON object in match', engagement.name, engagement.model
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'match is compared with an event''s properties by @>, for example ''{"path": "/pricing"}''.';
        END IF;
        IF engagement.min_count IS NOT NULL AND engagement.min_count < 1 THEN
            RAISE EXCEPTION 'leadqual: engagement rule "%" of model "%" has min_count %, below 1',
                    engagement.name, engagement.model, engagement.min_count
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'min_count is how many events give the points once, such as 3 for "3+ email opens"; NULL gives points per event.';
        END IF;
        IF engagement.group_by IS NOT NULL AND engagement.min_count IS NULL THEN
            RAISE EXCEPTION 'leadqual: engagement rule "%" of model "%" has group_by but no min_count',
                    engagement.name, engagement.model
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'group_by counts events per value of a property, such as a session id; set min_count too.';
        END IF;
        IF engagement.half_life IS NOT NULL AND engagement.half_life <= interval '0' THEN
            RAISE EXCEPTION 'leadqual: engagement rule "%" of model "%" has half-life %, which is not positive',
                    engagement.name, engagement.model, engagement.half_life
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'half_life is how long until an event counts half, such as ''30 days''; NULL for no decay.';
        END IF;
        IF engagement.within IS NOT NULL AND engagement.within <= interval '0' THEN
            RAISE EXCEPTION 'leadqual: engagement rule "%" of model "%" has window %, which is not positive',
                    engagement.name, engagement.model, engagement.within
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'within is how far back events count, such as ''90 days''; NULL for no window.';
        END IF;
    END IF;
    RETURN NEW;
END
$check$;

CREATE TRIGGER check_model BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.model
    FOR EACH ROW EXECUTE FUNCTION @extschema@._check_model();
CREATE TRIGGER check_rule BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.fit_rule
    FOR EACH ROW EXECUTE FUNCTION @extschema@._check_rule();
CREATE TRIGGER check_rule BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.engagement_rule
    FOR EACH ROW EXECUTE FUNCTION @extschema@._check_rule();

-- Backends cache each model's threshold, gates and fit rules; any change to
-- these tables drops them.  (Engagement rules are read by SQL, not cached.)
CREATE FUNCTION @extschema@._models_changed()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_models_changed';

CREATE TRIGGER models_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.model
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._models_changed();
CREATE TRIGGER models_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.fit_rule
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._models_changed();

CREATE FUNCTION @extschema@.copy_model(source text, target text)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $copy$
BEGIN
    IF NOT EXISTS (SELECT FROM @extschema@.model AS m WHERE m.name = source) THEN
        RAISE EXCEPTION 'leadqual.copy_model: model "%" does not exist', source
            USING ERRCODE = 'undefined_object',
                  HINT = 'leadqual.model lists the models.';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.model AS m WHERE m.name = target) THEN
        RAISE EXCEPTION 'leadqual.copy_model: model "%" already exists', target
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Pick another name, or drop it first: DELETE FROM leadqual.model WHERE name = ...';
    END IF;
    INSERT INTO @extschema@.model (name, threshold, promote_to, min_fit, min_engagement, max_score, scale, description)
    SELECT target, m.threshold, m.promote_to, m.min_fit, m.min_engagement, m.max_score, m.scale,
           format('Copy of %s', m.name)
    FROM @extschema@.model AS m WHERE m.name = source;
    INSERT INTO @extschema@.fit_rule (model, name, column_name, operator, value, low, high, pattern, points, cap)
    SELECT target, r.name, r.column_name, r.operator, r.value, r.low, r.high, r.pattern, r.points, r.cap
    FROM @extschema@.fit_rule AS r WHERE r.model = source;
    INSERT INTO @extschema@.engagement_rule (model, name, event_kind, match, points, min_count, group_by, half_life, within, cap)
    SELECT target, r.name, r.event_kind, r.match, r.points, r.min_count, r.group_by, r.half_life, r.within, r.cap
    FROM @extschema@.engagement_rule AS r WHERE r.model = source;
END
$copy$;
COMMENT ON FUNCTION @extschema@.copy_model(text, text) IS
    'Copy a model and its rules under a new name, to change it';

------------------------------------------------------------------------------
-- Computing scores
------------------------------------------------------------------------------

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
-- a time, with its decayed weight and the rule's terms.  No SET
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
       OR e.occurred_at OPERATOR(pg_catalog.>) (as_of OPERATOR(pg_catalog.-) r.within))
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

-- Stores the fit and engagement subtotals of the given leads (NULL: every
-- row), as of a time.  It checks that the caller may UPDATE the leads
-- table, then writes leadqual.lead_score as its owner.
CREATE FUNCTION @extschema@._store_subtotals(leads regclass, as_of timestamptz, lead_ids text[])
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_store_subtotals';

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
-- many scores changed.  It locks the rows first, then computes in a new
-- statement, so events committed while it waited are counted.  With
-- skip_locked it leaves rows other transactions hold alone: their own
-- writes rescore them.
CREATE FUNCTION @extschema@._score_leads(leads regclass, lead_ids text[], as_of timestamptz,
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

    PERFORM @extschema@._store_subtotals(leads, as_of, locked);

    -- leadqual_qualify checks each score written here against the model
    EXECUTE format('UPDATE %1$s AS l SET %2$I = s.total::%3$s '
                   'FROM (SELECT u.id, pg_catalog.round(LEAST(ls.fit OPERATOR(pg_catalog.+) ls.engagement, $3), $4) AS total '
                   '      FROM pg_catalog.unnest($2::%4$s[]) AS u(id) '
                   '      JOIN @extschema@.lead_score AS ls '
                   '        ON ls.lead_table OPERATOR(pg_catalog.=) $1 '
                   '       AND ls.lead_id OPERATOR(pg_catalog.=) u.id::text) AS s '
                   'WHERE l.%5$I %6$s s.id '
                   '  AND l.%2$I IS DISTINCT FROM s.total::%3$s',
                   leads, settings.score_column, score_type, id_type, settings.id_column, equals)
    USING leads, locked,
          (SELECT m.max_score FROM @extschema@.model AS m WHERE m.name = settings.model),
          (SELECT m.scale FROM @extschema@.model AS m WHERE m.name = settings.model);
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END
$score$;

-- After events are inserted, by track() or in bulk: rescore their leads.
-- Events of a table not managed with a model are only stored (manage()
-- scores them when it attaches a model); that is also what lets pg_restore
-- load the events before it re-creates the leads tables' triggers.
CREATE FUNCTION @extschema@._score_new_events()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $events$
DECLARE
    batch record;
    user_table regclass;
BEGIN
    -- events count towards scores: only a role that may write the scores
    -- may record them, whether or not the table is scored yet
    FOR user_table IN SELECT DISTINCT n.lead_table FROM new_events AS n LOOP
        IF NOT has_table_privilege(user_table, 'UPDATE') THEN
            RAISE EXCEPTION 'leadqual: permission denied to record events of table %', user_table
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Events change the leads'' scores, so recording them needs UPDATE on the table.';
        END IF;
    END LOOP;
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

CREATE TRIGGER score_new_events AFTER INSERT ON @extschema@.event
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._score_new_events();

CREATE FUNCTION @extschema@.track(
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
    INSERT INTO @extschema@.event (lead_table, lead_id, kind, occurred_at, properties)
    VALUES (leads, lead_id, kind, occurred_at, properties)
    RETURNING id INTO event_id;
    RETURN event_id;
END
$track$;
COMMENT ON FUNCTION @extschema@.track(regclass, text, text, timestamptz, jsonb) IS
    'Record what a lead did; its score is recomputed in the same transaction, which may promote it';

CREATE FUNCTION @extschema@.rescore(leads regclass, as_of timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $rescore$
DECLARE
    settings   @extschema@.managed;
    score_type text;
    stale      text[];
BEGIN
    IF leads IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'leadqual.rescore: arguments must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Leave as_of out to rescore as of now.';
    END IF;
    IF NOT isfinite(as_of) THEN
        RAISE EXCEPTION 'leadqual.rescore: as_of must be a finite time, not %', as_of
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Leave it out to rescore as of now.';
    END IF;
    settings := @extschema@._scored_table(leads, 'leadqual.rescore');
    -- checked first: with nothing to change, nothing else would check it
    IF NOT has_table_privilege(leads, 'UPDATE') THEN
        RAISE EXCEPTION 'leadqual.rescore: permission denied for table %', leads
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'rescore() writes the score column, so it needs UPDATE on the table.';
    END IF;

    -- First find the leads whose subtotals or score would change, without
    -- locking anything; _score_leads() then locks and recomputes just those.
    SELECT format_type(a.atttypid, a.atttypmod) INTO score_type
    FROM pg_attribute AS a WHERE a.attrelid = leads AND a.attname = settings.score_column;
    EXECUTE format(
        'SELECT pg_catalog.array_agg(c.lead_id) FROM ('
        '  SELECT l.%1$I::text AS lead_id, @extschema@._fit($1, l) AS fit,'
        '         COALESCE(e.points, 0) AS engagement, l.%2$I AS score'
        '  FROM %3$s AS l'
        '  LEFT JOIN (SELECT p.lead_id, pg_catalog.sum(p.points) AS points'
        '             FROM @extschema@._engagement_points($1, $2) AS p'
        '             GROUP BY p.lead_id) AS e ON e.lead_id OPERATOR(pg_catalog.=) l.%1$I::text) AS c'
        ' LEFT JOIN @extschema@.lead_score AS s'
        '   ON s.lead_table OPERATOR(pg_catalog.=) $1 AND s.lead_id OPERATOR(pg_catalog.=) c.lead_id'
        ' WHERE (c.fit, c.engagement) IS DISTINCT FROM (s.fit, s.engagement)'
        '    OR c.score IS DISTINCT FROM'
        '       pg_catalog.round(LEAST(c.fit OPERATOR(pg_catalog.+) c.engagement, $3), $4)::%4$s',
        settings.id_column, settings.score_column, leads, score_type)
    INTO stale
    USING leads, as_of,
          (SELECT m.max_score FROM @extschema@.model AS m WHERE m.name = settings.model),
          (SELECT m.scale FROM @extschema@.model AS m WHERE m.name = settings.model);
    IF stale IS NULL THEN
        RETURN 0;
    END IF;
    RETURN @extschema@._score_leads(leads, stale, as_of, true);
END
$rescore$;
COMMENT ON FUNCTION @extschema@.rescore(regclass, timestamptz) IS
    'Recompute every lead''s score as of a time (decay, windows, changed rules); returns how many scores changed';

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

------------------------------------------------------------------------------
-- manage() takes a model
------------------------------------------------------------------------------

DROP FUNCTION @extschema@.manage(regclass, name, name, name, numeric, @extschema@.lifecycle_stage);

CREATE FUNCTION @extschema@.manage(
    leads        regclass,
    id_column    name DEFAULT 'id',
    score_column name DEFAULT 'score',
    stage_column name DEFAULT 'lifecycle_stage',
    threshold    numeric DEFAULT NULL,
    promote_to   @extschema@.lifecycle_stage DEFAULT NULL,
    model        text DEFAULT NULL)
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
    settings := format('%L, %L, %L, ',
                       'id_column=' || id_column,
                       'score_column=' || score_column,
                       'stage_column=' || stage_column)
                || CASE WHEN model IS NULL
                        THEN format('%L, %L', 'threshold=' || threshold, 'promote_to=' || promote_to)
                        ELSE format('%L', 'model=' || model) END;
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
    -- the trigger also records new scores, so it fires on every UPDATE.
    EXECUTE format('CREATE TRIGGER leadqual_log_update AFTER UPDATE ON %s '
                   'FOR EACH ROW %s '
                   'EXECUTE FUNCTION @extschema@.log_transition(%s)',
                   leads,
                   CASE WHEN model IS NULL
                        THEN format('WHEN (OLD.%I::@extschema@.lifecycle_stage '
                                    'IS DISTINCT FROM NEW.%I::@extschema@.lifecycle_stage)',
                                    stage_column, stage_column) END,
                   settings);
    -- A model computes every score from now on, starting with the rows
    -- already there.
    IF model IS NOT NULL THEN
        PERFORM @extschema@._score_leads(leads, NULL, now(), false);
    END IF;
END
$manage$;
COMMENT ON FUNCTION @extschema@.manage(regclass, name, name, name, numeric, @extschema@.lifecycle_stage, text) IS
    'Attach leadqual to a leads table, or change its settings: a fixed threshold, or a scoring model; history is kept';

