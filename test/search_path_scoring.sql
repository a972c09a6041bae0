-- A hostile search_path changes nothing in scoring either.  The scoring
-- queries are inlined SQL functions without SET search_path (see
-- docs/security.md), so every operator and function they use is qualified;
-- this suite proves it.  An application role puts its own schema first and
-- fills it with shadows of what scoring uses: tables event, lead_score,
-- model and engagement_rule; operators = for text, @> for jsonb, <= and - on
-- timestamps, * and + on numeric; functions round(), sign(), abs(), now(),
-- sum() and max().  The same scenario then runs on two identical tables,
-- one under the hostile search_path and one under a clean one, and must
-- give the same scores, subtotals, history and explanations, and never call
-- a shadow.
\ir helpers/setup.psql

SELECT plan(10);

CREATE ROLE lq_tap_sps_app;
CREATE SCHEMA sps AUTHORIZATION lq_tap_sps_app;

-- Two identical tables, managed by the owner, written by the application.
CREATE TABLE sps.hostile_leads (id int PRIMARY KEY, title text, company_size int, industry text,
                                score numeric NOT NULL DEFAULT 0,
                                lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE sps.clean_leads (LIKE sps.hostile_leads INCLUDING ALL);
SELECT leadqual.copy_model('default', 'sps_model');
UPDATE leadqual.model SET scale = 2, max_score = 120 WHERE name = 'sps_model';
UPDATE leadqual.engagement_rule SET half_life = '7 days' WHERE model = 'sps_model';
INSERT INTO leadqual.fit_rule (model, name, column_name, operator, pattern, points)
VALUES ('sps_model', 'student', 'title', 'matches', 'student|intern', -20);
SELECT leadqual.manage('sps.hostile_leads', model => 'sps_model');
SELECT leadqual.manage('sps.clean_leads', model => 'sps_model');
GRANT SELECT, INSERT, UPDATE ON sps.hostile_leads, sps.clean_leads TO lq_tap_sps_app;

------------------------------------------------------------------------------
-- The role's shadows
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_sps_app;
SET LOCAL search_path = sps, pg_catalog;

CREATE TABLE tripwire (what text);
CREATE TABLE event (lead_table regclass, lead_id text, kind text, occurred_at timestamptz, properties jsonb, id bigint);
CREATE TABLE lead_score (lead_table regclass, lead_id text, fit numeric, engagement numeric, score numeric);
CREATE TABLE model (name text, scale int, threshold numeric);
CREATE TABLE engagement_rule (model text, name text, event_kind text, points numeric);

CREATE FUNCTION shadow(what text) RETURNS void LANGUAGE sql AS
$$INSERT INTO sps.tripwire VALUES (what)$$;
CREATE FUNCTION text_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM sps.shadow('text ='); RETURN true; END$$;
CREATE OPERATOR = (FUNCTION = text_eq, LEFTARG = text, RIGHTARG = text);
CREATE FUNCTION jsonb_contains(jsonb, jsonb) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM sps.shadow('jsonb @>'); RETURN true; END$$;
CREATE OPERATOR @> (FUNCTION = jsonb_contains, LEFTARG = jsonb, RIGHTARG = jsonb);
CREATE FUNCTION ts_le(timestamptz, timestamptz) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM sps.shadow('timestamptz <='); RETURN true; END$$;
CREATE OPERATOR <= (FUNCTION = ts_le, LEFTARG = timestamptz, RIGHTARG = timestamptz);
CREATE FUNCTION ts_minus(timestamptz, timestamptz) RETURNS interval LANGUAGE plpgsql AS
$$BEGIN PERFORM sps.shadow('timestamptz -'); RETURN interval '0'; END$$;
CREATE OPERATOR - (FUNCTION = ts_minus, LEFTARG = timestamptz, RIGHTARG = timestamptz);
CREATE FUNCTION num_mul(numeric, numeric) RETURNS numeric LANGUAGE plpgsql AS
$$BEGIN PERFORM sps.shadow('numeric *'); RETURN 1000; END$$;
CREATE OPERATOR * (FUNCTION = num_mul, LEFTARG = numeric, RIGHTARG = numeric);
CREATE FUNCTION num_add(numeric, numeric) RETURNS numeric LANGUAGE plpgsql AS
$$BEGIN PERFORM sps.shadow('numeric +'); RETURN 1000; END$$;
CREATE OPERATOR + (FUNCTION = num_add, LEFTARG = numeric, RIGHTARG = numeric);
CREATE FUNCTION round(numeric, integer) RETURNS numeric LANGUAGE plpgsql AS
$$BEGIN PERFORM sps.shadow('round'); RETURN 1000; END$$;
CREATE FUNCTION sign(numeric) RETURNS numeric LANGUAGE plpgsql AS
$$BEGIN PERFORM sps.shadow('sign'); RETURN 1000; END$$;
CREATE FUNCTION abs(numeric) RETURNS numeric LANGUAGE plpgsql AS
$$BEGIN PERFORM sps.shadow('abs'); RETURN 1000; END$$;
CREATE FUNCTION now() RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN PERFORM sps.shadow('now'); RETURN '2000-01-01'; END$$;
CREATE FUNCTION sum_step(numeric, numeric) RETURNS numeric LANGUAGE plpgsql AS
$$BEGIN PERFORM sps.shadow('sum'); RETURN 1000; END$$;
CREATE AGGREGATE sum(numeric) (SFUNC = sum_step, STYPE = numeric);
CREATE AGGREGATE max(numeric) (SFUNC = sum_step, STYPE = numeric);

------------------------------------------------------------------------------
-- The same scenario on each table
------------------------------------------------------------------------------

CREATE FUNCTION scenario(leads regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO %s (id, title, company_size, industry) VALUES
                        (1, %L, 120, %L), (2, %L, 10, %L), (3, %L, 600, %L)',
                   leads, 'VP, Sales', 'Software', 'Student', 'retail', 'Head of IT', 'saas');
    PERFORM leadqual.track(leads, '1', 'pricing_page_view', '2026-03-01 10:00+00');
    PERFORM leadqual.track(leads, '1', 'pricing_page_view', '2026-03-08 10:00+00');
    PERFORM leadqual.track(leads, '2', 'whitepaper_download', '2026-03-02 10:00+00', '{"asset": "guide"}');
    INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at, properties)
    SELECT leads, '3', 'page_view', timestamptz '2026-03-03 10:00+00' + g * interval '1 minute',
           jsonb_build_object('session_id', 's' || (g % 2))
    FROM generate_series(1, 11) AS g;
    EXECUTE format('UPDATE %s SET title = %L WHERE id = 2', leads, 'Director of Marketing');
    PERFORM leadqual.rescore(leads, '2026-03-10 10:00+00');
    PERFORM leadqual.rescore_due(leads, '2026-03-10 10:00+00');
    -- as of now(): both runs are in the same transaction
    PERFORM leadqual.track(leads, '3', 'demo_request');
END
$$;

SELECT scenario('sps.hostile_leads');
SET LOCAL search_path = pg_catalog, sps;
SELECT scenario('sps.clean_leads');
RESET ROLE;
SET LOCAL search_path = pg_catalog, public;

CREATE TEMP TABLE outcome AS
SELECT t.name,
       CASE t.name
            WHEN 'hostile' THEN (SELECT string_agg(format('%s|%s|%s', l.id, l.score, l.lifecycle_stage), ',' ORDER BY l.id)
                                 FROM sps.hostile_leads AS l)
            ELSE (SELECT string_agg(format('%s|%s|%s', l.id, l.score, l.lifecycle_stage), ',' ORDER BY l.id)
                  FROM sps.clean_leads AS l) END AS leads,
       (SELECT string_agg(format('%s|%s|%s|%s', s.lead_id, s.fit, s.engagement, s.score), ',' ORDER BY s.lead_id)
        FROM leadqual.lead_score AS s
        WHERE s.lead_table = ('sps.' || t.name || '_leads')::regclass) AS subtotals,
       (SELECT string_agg(format('%s|%s|%s|%s|%s', c.lead_id, c.previous_score, c.score, c.fit, c.engagement), ',' ORDER BY c.id)
        FROM leadqual.score_change AS c
        WHERE c.lead_table = ('sps.' || t.name || '_leads')::regclass) AS history,
       (SELECT string_agg(format('%s|%s|%s|%s|%s', i.id, e.rule, e.category, e.points, e.evidence -> 'count'), ',' ORDER BY i.id, e.rule)
        FROM generate_series(1, 3) AS i(id),
             leadqual.explain(('sps.' || t.name || '_leads')::regclass, i.id::text, '2026-03-12 10:00+00') AS e) AS explained
FROM (VALUES ('hostile'), ('clean')) AS t(name);

SELECT is((SELECT count(*) FROM sps.tripwire), 0::bigint, 'no shadow was ever called');
SELECT is((SELECT count(*) FROM sps.event) + (SELECT count(*) FROM sps.lead_score), 0::bigint,
          'nothing was written to the shadow tables');
SELECT isnt((SELECT leads FROM outcome WHERE name = 'clean'), NULL, 'the clean run scored its leads');
SELECT is((SELECT leads FROM outcome WHERE name = 'hostile'), (SELECT leads FROM outcome WHERE name = 'clean'),
          'the same scores and stages under the hostile search_path');
SELECT is((SELECT subtotals FROM outcome WHERE name = 'hostile'), (SELECT subtotals FROM outcome WHERE name = 'clean'),
          'the same fit and engagement subtotals');
SELECT is((SELECT history FROM outcome WHERE name = 'hostile'), (SELECT history FROM outcome WHERE name = 'clean'),
          'the same score history');
SELECT is((SELECT explained FROM outcome WHERE name = 'hostile'), (SELECT explained FROM outcome WHERE name = 'clean'),
          'the same explanations');
SELECT is((SELECT lifecycle_stage FROM sps.hostile_leads WHERE id = 3), 'mql'::leadqual.lifecycle_stage,
          'the demo request promoted lead 3 under the hostile search_path');
SELECT is((SELECT score FROM sps.hostile_leads WHERE id = 2), 12.26,
          'the student turned director: 10 for the title, 5 * 0.5^(8/7) = 2.26 for a whitepaper 8 days old');
SELECT is((SELECT count(*) FROM leadqual.event WHERE lead_table = 'sps.hostile_leads'::regclass), 15::bigint,
          'every event of the hostile run is in leadqual.event');

SELECT * FROM finish();
ROLLBACK;
