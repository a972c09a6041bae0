-- leadqual: scoring models.  A model's fit rules give points for who a lead
-- is, its engagement rules for what it did; the model sets the threshold,
-- the stage to promote to, gates, a cap and the rounding.  The built-in
-- model "default" holds the published starting values.  Computing the
-- scores is in 06_scoring.sql.

------------------------------------------------------------------------------
-- Plain-C building blocks
------------------------------------------------------------------------------

CREATE TYPE @extschema@.seniority_level AS ENUM (
    'c_level', 'vp', 'director', 'manager', 'individual_contributor', 'unknown'
);
-- (The comment names the header where 0.2.0 had it, now
-- src/core/seniority.h; kept as updated databases have it.)
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

-- The start of a window: within before as_of, in absolute time (a day of 24
-- hours, a month of 30 days, as EXTRACT(epoch FROM interval) counts), so
-- that no session time zone or daylight-saving change moves it.  No SET
-- search_path, for the same reason as decay().
CREATE FUNCTION @extschema@._window_start(as_of timestamptz, within interval)
RETURNS timestamptz
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_window_start';

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

-- The published starting values (see docs/scoring.md), inserted before the
-- validation triggers below exist: they refuse rows marked builtin.
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

-- pg_dump keeps the models and rules users added.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.model', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.fit_rule', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.engagement_rule', 'WHERE NOT builtin');

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
    -- on a Citus worker it fires on the reference table's shard, fit_rule_102074
    kind text := CASE WHEN TG_TABLE_NAME ~ '^fit_rule(_[0-9]+)?$' THEN 'fit' ELSE 'engagement' END;
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

-- Backends cache each model's threshold, gates, fit rules and (since 0.5.0,
-- for the kept engagement state) engagement rules; any change to these
-- tables drops them.
CREATE FUNCTION @extschema@._models_changed()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_models_changed';

CREATE TRIGGER models_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.model
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._models_changed();
CREATE TRIGGER models_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.fit_rule
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._models_changed();
CREATE TRIGGER models_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.engagement_rule
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
-- Challengers, and the log of a table's model changes
------------------------------------------------------------------------------

-- Candidate models for a table, which compare_models() backtests beside
-- the table's own.  Configuration, written by the extension's owner as
-- models are.  A reference table on Citus, beside leadqual.model.
CREATE TABLE @extschema@.challenger (
    lead_table regclass NOT NULL,
    model      text NOT NULL REFERENCES @extschema@.model (name) ON UPDATE CASCADE ON DELETE CASCADE,
    added_at   timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    added_by   name NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (lead_table, model)
);
COMMENT ON TABLE @extschema@.challenger IS
    'Challenger models of a table: candidates that compare_models() backtests beside the table''s own model';

-- Every change of a table's model made with promote_model(), written by
-- it as the owner once manage() has made the change.
CREATE TABLE @extschema@.model_change (
    id         bigserial PRIMARY KEY,
    lead_table regclass NOT NULL,
    from_model text,
    to_model   text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    changed_by name NOT NULL,
    note       text
);
CREATE INDEX model_change_table_idx ON @extschema@.model_change (lead_table, id);
COMMENT ON TABLE @extschema@.model_change IS
    'The log of promote_model(): each change of a table''s scoring model, when, by whom and why';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.challenger', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.model_change', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.model_change_id_seq', '');
