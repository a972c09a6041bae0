-- A hostile search_path changes nothing.  An ordinary application role puts
-- its own schema first on search_path and fills it with shadows of what
-- leadqual uses: tables transition and rejection_reason, a type
-- lifecycle_stage, functions lower(), quote_ident(), nextval(), format(),
-- statement_timestamp(), and = operators for text and for
-- leadqual.lifecycle_stage that answer true for everything (later false).
-- The same scenario (manage, promotions, reject with good and bad reasons,
-- the recycled re-qualification rule, stage rules, the views, unmanage)
-- then runs under each hostile search_path and under a clean one, and must
-- give the same results, log only to leadqual.transition and never call a
-- shadow.  The log is written as the log's owner, so a role with no
-- privilege on it still has its changes logged, and cannot write it itself.
\ir helpers/setup.psql

SELECT plan(51);

CREATE ROLE lq_tap_sp_app;
CREATE SCHEMA app AUTHORIZATION lq_tap_sp_app;
GRANT EXECUTE ON FUNCTION leadqual.import_history(regclass, regclass, regclass, regclass) TO lq_tap_sp_app;

------------------------------------------------------------------------------
-- The role's schema and its shadows
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_sp_app;
SET LOCAL search_path = app, pg_catalog;

-- Every shadow that is called writes a row here, as whichever role ran it.
CREATE TABLE tripwire (what text, called_by name DEFAULT current_user);
GRANT INSERT, SELECT ON tripwire TO PUBLIC;

CREATE TABLE transition (
    id bigserial, lead_table regclass, lead_id text, from_stage text, to_stage text,
    score numeric, changed_by name, reason text, via text
);
CREATE TABLE rejection_reason (code text PRIMARY KEY, description text, builtin boolean);
INSERT INTO rejection_reason VALUES ('hostile_reason', 'known only to the shadow', false),
                                    ('bad_timing', 'the shadow''s copy', true);
-- the labels in reverse order
CREATE TYPE lifecycle_stage AS ENUM ('disqualified', 'recycled', 'evangelist', 'customer', 'opportunity',
                                     'sql', 'sal', 'pql', 'mql', 'lead', 'subscriber');
CREATE TYPE transition_via AS ENUM ('hostile');
CREATE TABLE pg_trigger (tgrelid oid, tgname name);
CREATE TABLE pg_class (oid oid, relname name);

CREATE FUNCTION lower(text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN INSERT INTO app.tripwire (what) VALUES ('lower'); RETURN 'pwned'; END$$;
CREATE FUNCTION quote_ident(text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN INSERT INTO app.tripwire (what) VALUES ('quote_ident'); RETURN 'pwned'; END$$;
CREATE FUNCTION format(text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN INSERT INTO app.tripwire (what) VALUES ('format'); RETURN 'pwned'; END$$;
CREATE FUNCTION nextval(regclass) RETURNS bigint LANGUAGE plpgsql AS
$$BEGIN INSERT INTO app.tripwire (what) VALUES ('nextval'); RETURN 1; END$$;
CREATE FUNCTION statement_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN INSERT INTO app.tripwire (what) VALUES ('statement_timestamp'); RETURN '-infinity'; END$$;
CREATE FUNCTION text_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN INSERT INTO app.tripwire (what) VALUES ('text ='); RETURN true; END$$;
CREATE FUNCTION stage_eq(leadqual.lifecycle_stage, leadqual.lifecycle_stage) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN INSERT INTO app.tripwire (what) VALUES ('lifecycle_stage ='); RETURN true; END$$;
CREATE OPERATOR = (FUNCTION = text_eq, LEFTARG = text, RIGHTARG = text);
CREATE OPERATOR = (FUNCTION = stage_eq, LEFTARG = leadqual.lifecycle_stage, RIGHTARG = leadqual.lifecycle_stage);

-- One leads table per run, all alike; and one whose stage column is of the
-- shadow type.
CREATE TABLE sp_clean (
    id              text PRIMARY KEY,
    score           integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
CREATE TABLE sp_p1 (LIKE sp_clean INCLUDING ALL);
CREATE TABLE sp_p2 (LIKE sp_clean INCLUDING ALL);
CREATE TABLE sp_p3 (LIKE sp_clean INCLUDING ALL);
CREATE TABLE sp_p4 (LIKE sp_clean INCLUDING ALL);
CREATE TABLE sp_p1f (LIKE sp_clean INCLUDING ALL);
CREATE TABLE sp_priv (LIKE sp_clean INCLUDING ALL);
CREATE TABLE sp_shadow_typed (id text PRIMARY KEY, score integer, lifecycle_stage lifecycle_stage NOT NULL DEFAULT 'lead');
-- A lead from before leadqual, whose history the scenario imports.
INSERT INTO sp_clean (id, lifecycle_stage) VALUES ('k', 'mql');
INSERT INTO sp_p1 (id, lifecycle_stage) VALUES ('k', 'mql');
INSERT INTO sp_p2 (id, lifecycle_stage) VALUES ('k', 'mql');
INSERT INTO sp_p3 (id, lifecycle_stage) VALUES ('k', 'mql');
INSERT INTO sp_p4 (id, lifecycle_stage) VALUES ('k', 'mql');
INSERT INTO sp_p1f (id, lifecycle_stage) VALUES ('k', 'mql');
CREATE TABLE sp_history (lead_id text, to_stage text, changed_at timestamptz);
INSERT INTO sp_history VALUES ('k', 'mql', '2026-01-05 10:00+00');

RESET ROLE;
RESET search_path;

------------------------------------------------------------------------------
-- The scenario
------------------------------------------------------------------------------

-- What the views show in the middle of the scenario, under its search_path.
CREATE TEMP TABLE snap_managed AS SELECT ''::text AS tag, m.* FROM leadqual.managed AS m WITH NO DATA;
CREATE TEMP TABLE snap_history AS
    SELECT ''::text AS tag, h.lead_table, h.lead_id, h.stage, h.entered_at, h.left_at, h.next_stage,
           h.visit, h.is_current, h.transition_id
    FROM leadqual.stage_history AS h WITH NO DATA;
CREATE TEMP TABLE snap_stages AS SELECT ''::text AS tag, s.* FROM leadqual.stages AS s WITH NO DATA;
GRANT INSERT, SELECT ON snap_managed, snap_history, snap_stages TO lq_tap_sp_app;

-- Runs the scenario on the table tbl, named as the application would name
-- it, under whatever search_path is set, and returns each step's outcome.
-- Its own comparisons of text use OPERATOR(pg_catalog.=), so that only
-- leadqual could ever reach the shadows.
CREATE FUNCTION pg_temp.scenario(tag text, tbl text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    steps CONSTANT text[] := ARRAY[
        'SELECT leadqual.manage(%1$L)',
        'SELECT leadqual.import_history(%1$L, ''app.sp_history'')',
        'INSERT INTO %1$s (id, score) VALUES (''a'', 70), (''b'', 10), (''c'', 90), (''d'', 20)',
        'UPDATE %1$s SET score = 55 WHERE id OPERATOR(pg_catalog.=) ''b''',
        'UPDATE %1$s SET lifecycle_stage = ''sal'' WHERE id OPERATOR(pg_catalog.=) ''c''',
        'SELECT leadqual.reject(%1$L, ''a'', ''recycled'', ''bad_timing'')',
        'SELECT leadqual.reject(%1$L, ''b'', ''recycled'', ''hostile_reason'')',
        'SELECT leadqual.reject(%1$L, ''a'', ''recycled'', ''hostile_reason'')',
        'SELECT leadqual.reject(%1$L, ''zz'', ''recycled'', ''bad_timing'')',
        'SELECT leadqual.reject(%1$L, ''c'', ''disqualified'', ''no_budget'')',
        -- b is recycled after a, at a lower score: a lookup of the score a
        -- was recycled at that matched any lead would find b's 55
        'SELECT leadqual.reject(%1$L, ''b'', ''recycled'', ''no_response'')',
        'UPDATE %1$s SET score = 65 WHERE id OPERATOR(pg_catalog.=) ''a''',
        'UPDATE %1$s SET score = 68 WHERE id OPERATOR(pg_catalog.=) ''a''',
        'UPDATE %1$s SET score = 71 WHERE id OPERATOR(pg_catalog.=) ''a''',
        'UPDATE %1$s SET lifecycle_stage = ''lead'' WHERE id OPERATOR(pg_catalog.=) ''a''',
        'INSERT INTO %1$s (id, score) VALUES (''e'', 10)',
        'UPDATE %1$s SET lifecycle_stage = ''recycled'' WHERE id OPERATOR(pg_catalog.=) ''e''',
        'INSERT INTO %1$s (id, score, lifecycle_stage) VALUES (''f'', 10, ''disqualified'')',
        'SELECT pg_catalog.set_config(''leadqual.reason'', ''no_response'', true)',
        'UPDATE %1$s SET lifecycle_stage = ''disqualified'' WHERE id OPERATOR(pg_catalog.=) ''d''',
        'SELECT pg_catalog.set_config(''leadqual.reason'', '''', true)',
        'INSERT INTO %1$s (id, score) VALUES (''h'', 60), (''i'', 10)',
        'SELECT leadqual.merge(%1$L, ''i'', ''h'')',
        'UPDATE %1$s SET id = ''j'' WHERE id OPERATOR(pg_catalog.=) ''i''',
        'DELETE FROM %1$s WHERE id OPERATOR(pg_catalog.=) ''i''',
        'INSERT INTO pg_temp.snap_managed SELECT %2$L, m.* FROM leadqual.managed AS m',
        'INSERT INTO pg_temp.snap_history SELECT %2$L, h.lead_table, h.lead_id, h.stage, h.entered_at, h.left_at,
                                                 h.next_stage, h.visit, h.is_current, h.transition_id
         FROM leadqual.stage_history AS h',
        'INSERT INTO pg_temp.snap_stages SELECT %2$L, s.* FROM leadqual.stages AS s',
        'SELECT leadqual.unmanage(%1$L)',
        'INSERT INTO %1$s (id, score) VALUES (''g'', 99)',
        'SELECT leadqual.unmanage(%1$L)'
    ];
    step text;
    outcomes text[] := '{}';
BEGIN
    FOREACH step IN ARRAY steps LOOP
        outcomes := outcomes || pg_temp.try(pg_catalog.format(step, tbl, tag));
    END LOOP;
    RETURN outcomes;
END
$$;

-- The normalised log, the leads and the stays of one table: a retired
-- id without the log id in it, which differs from run to run.
CREATE FUNCTION pg_temp.log_of(tbl regclass) RETURNS TABLE (lead_id text, from_stage text, to_stage text, score numeric,
                                                            reason text, via text, changed_by name)
LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.regexp_replace(t.lead_id, '^deleted:[0-9]+:', 'deleted:'), t.from_stage::text,
           t.to_stage::text, t.score, t.reason, t.via::text, t.changed_by
    FROM leadqual.transition AS t WHERE t.lead_table = tbl ORDER BY t.id
$$;
CREATE FUNCTION pg_temp.leads_of(tbl regclass) RETURNS SETOF text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE format('SELECT format(%L, id, score, lifecycle_stage) FROM %s ORDER BY id COLLATE "C"',
                                '%s %s %s', tbl);
END
$$;
CREATE FUNCTION pg_temp.stays_of(tag text, tbl regclass) RETURNS TABLE (lead_id text, stage text, next_stage text,
                                                                       visit bigint, is_current boolean)
LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.regexp_replace(h.lead_id, '^deleted:[0-9]+:', 'deleted:'), h.stage::text,
           h.next_stage::text, h.visit, h.is_current
    FROM snap_history AS h WHERE h.tag = $1 AND h.lead_table = $2 ORDER BY h.transition_id
$$;

------------------------------------------------------------------------------
-- The runs: four hostile search_paths with shadows answering true, one with
-- shadows answering false, then a clean one
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_sp_app;

SET LOCAL search_path = app, pg_catalog;
SELECT pg_temp.scenario('p1', 'sp_p1') AS outcomes_p1 \gset
SELECT pg_temp.try($$SELECT leadqual.manage('sp_shadow_typed')$$) AS shadow_typed \gset

SET LOCAL search_path = app;
SELECT pg_temp.scenario('p2', 'sp_p2') AS outcomes_p2 \gset

SET LOCAL search_path = app, public, pg_temp;
SELECT pg_temp.scenario('p3', 'sp_p3') AS outcomes_p3 \gset

-- temporary shadows, searched first
CREATE TEMP TABLE transition (LIKE app.transition);
CREATE TEMP TABLE rejection_reason (LIKE app.rejection_reason);
INSERT INTO pg_temp.rejection_reason SELECT * FROM app.rejection_reason;
SET LOCAL search_path = pg_temp, app, pg_catalog;
SELECT pg_temp.scenario('p4', 'sp_p4') AS outcomes_p4 \gset
SELECT count(*) AS temp_shadow_rows FROM pg_temp.transition \gset
DROP TABLE pg_temp.transition, pg_temp.rejection_reason;

-- the shadow operators now answer false for everything
SET LOCAL search_path = app, pg_catalog;
CREATE OR REPLACE FUNCTION text_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN INSERT INTO app.tripwire (what) VALUES ('text ='); RETURN false; END$$;
CREATE OR REPLACE FUNCTION stage_eq(leadqual.lifecycle_stage, leadqual.lifecycle_stage) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN INSERT INTO app.tripwire (what) VALUES ('lifecycle_stage ='); RETURN false; END$$;
SELECT pg_temp.scenario('p1f', 'sp_p1f') AS outcomes_p1f \gset

SET LOCAL search_path = pg_catalog, public;
SELECT pg_temp.scenario('clean', 'app.sp_clean') AS outcomes_clean \gset

RESET ROLE;
RESET search_path;

------------------------------------------------------------------------------
-- The clean run does what the reference says
------------------------------------------------------------------------------

SELECT is(:'outcomes_clean'::text[],
          '{ok,ok,ok,ok,ok,ok,23503,23503,P0002,ok,ok,ok,ok,ok,23514,ok,23502,23502,ok,ok,ok,ok,ok,23001,ok,ok,ok,ok,ok,ok,55000}'::text[],
          'clean: every step succeeds or fails as documented (unknown reasons 23503, no lead P0002, backward 23514, no reason 23502, a changed id 23001, not managed 55000)');
SELECT results_eq($$SELECT * FROM pg_temp.log_of('app.sp_clean')$$,
                  $$VALUES ('k', NULL, 'mql', NULL::numeric, NULL, 'import', 'lq_tap_sp_app'::name),
                           ('a', NULL, 'mql', 70, NULL, 'promotion', 'lq_tap_sp_app'),
                           ('b', NULL, 'lead', 10, NULL, 'manual', 'lq_tap_sp_app'),
                           ('c', NULL, 'mql', 90, NULL, 'promotion', 'lq_tap_sp_app'),
                           ('d', NULL, 'lead', 20, NULL, 'manual', 'lq_tap_sp_app'),
                           ('b', 'lead', 'mql', 55, NULL, 'promotion', 'lq_tap_sp_app'),
                           ('c', 'mql', 'sal', 90, NULL, 'manual', 'lq_tap_sp_app'),
                           ('a', 'mql', 'recycled', 70, 'bad_timing', 'rejection', 'lq_tap_sp_app'),
                           ('c', 'sal', 'disqualified', 90, 'no_budget', 'rejection', 'lq_tap_sp_app'),
                           ('b', 'mql', 'recycled', 55, 'no_response', 'rejection', 'lq_tap_sp_app'),
                           ('a', 'recycled', 'mql', 71, NULL, 'promotion', 'lq_tap_sp_app'),
                           ('e', NULL, 'lead', 10, NULL, 'manual', 'lq_tap_sp_app'),
                           ('d', 'lead', 'disqualified', 20, 'no_response', 'manual', 'lq_tap_sp_app'),
                           ('deleted:i', NULL, 'mql', 60, NULL, 'promotion', 'lq_tap_sp_app'),
                           ('deleted:i', NULL, 'lead', 10, NULL, 'manual', 'lq_tap_sp_app'),
                           ('deleted:i', 'mql', NULL, 60, NULL, 'merge', 'lq_tap_sp_app'),
                           ('deleted:i', 'lead', 'mql', 10, NULL, 'merge', 'lq_tap_sp_app'),
                           ('deleted:i', 'mql', NULL, 10, NULL, 'deletion', 'lq_tap_sp_app')$$,
                  'clean: the log holds every change, as the role, with its via and reason; k''s imported; a re-qualified only above 70; h merged into i, i deleted');
SELECT results_eq($$SELECT * FROM pg_temp.leads_of('app.sp_clean')$$,
                  $$VALUES ('a 71 mql'), ('b 55 recycled'), ('c 90 disqualified'), ('d 20 disqualified'),
                           ('e 10 lead'), ('g 99 lead'), ('k  mql')$$,
                  'clean: the leads end where the log says; g, written after unmanage(), was not promoted');
SELECT results_eq($$SELECT * FROM pg_temp.stays_of('clean', 'app.sp_clean') WHERE lead_id = 'a'$$,
                  $$VALUES ('a', 'mql', 'recycled', 1::bigint, false), ('a', 'recycled', 'mql', 1, false), ('a', 'mql', NULL, 2, true)$$,
                  'clean: stage_history showed a''s three stays, the second visit to mql current');
SELECT results_eq($$SELECT id_column::text, score_column::text, stage_column::text, threshold, promote_to::text, enabled
                    FROM snap_managed WHERE tag = 'clean' AND leads = 'app.sp_clean'::regclass$$,
                  $$VALUES ('id', 'score', 'lifecycle_stage', 50::numeric, 'mql', true)$$,
                  'clean: leadqual.managed showed the table with the default settings');

------------------------------------------------------------------------------
-- Each hostile run does exactly the same
------------------------------------------------------------------------------

SELECT is(:'outcomes_p1'::text[], :'outcomes_clean'::text[], 'search_path = app, pg_catalog: every step has the same outcome');
SELECT results_eq($$SELECT * FROM pg_temp.log_of('app.sp_p1')$$, $$SELECT * FROM pg_temp.log_of('app.sp_clean')$$,
                  'search_path = app, pg_catalog: the same log rows in leadqual.transition');
SELECT results_eq($$SELECT * FROM pg_temp.leads_of('app.sp_p1')$$, $$SELECT * FROM pg_temp.leads_of('app.sp_clean')$$,
                  'search_path = app, pg_catalog: the leads end in the same stages');
SELECT results_eq($$SELECT * FROM pg_temp.stays_of('p1', 'app.sp_p1')$$, $$SELECT * FROM pg_temp.stays_of('clean', 'app.sp_clean')$$,
                  'search_path = app, pg_catalog: stage_history showed the same stays');
SELECT results_eq($$SELECT id_column, score_column, stage_column, threshold, promote_to, enabled FROM snap_managed WHERE tag = 'p1' AND leads = 'app.sp_p1'::regclass$$,
                  $$SELECT id_column, score_column, stage_column, threshold, promote_to, enabled FROM snap_managed WHERE tag = 'clean' AND leads = 'app.sp_clean'::regclass$$,
                  'search_path = app, pg_catalog: leadqual.managed showed the same settings');

SELECT is(:'outcomes_p2'::text[], :'outcomes_clean'::text[], 'search_path = app: every step has the same outcome');
SELECT results_eq($$SELECT * FROM pg_temp.log_of('app.sp_p2')$$, $$SELECT * FROM pg_temp.log_of('app.sp_clean')$$,
                  'search_path = app: the same log rows in leadqual.transition');
SELECT results_eq($$SELECT * FROM pg_temp.leads_of('app.sp_p2')$$, $$SELECT * FROM pg_temp.leads_of('app.sp_clean')$$,
                  'search_path = app: the leads end in the same stages');
SELECT results_eq($$SELECT * FROM pg_temp.stays_of('p2', 'app.sp_p2')$$, $$SELECT * FROM pg_temp.stays_of('clean', 'app.sp_clean')$$,
                  'search_path = app: stage_history showed the same stays');
SELECT results_eq($$SELECT id_column, score_column, stage_column, threshold, promote_to, enabled FROM snap_managed WHERE tag = 'p2' AND leads = 'app.sp_p2'::regclass$$,
                  $$SELECT id_column, score_column, stage_column, threshold, promote_to, enabled FROM snap_managed WHERE tag = 'clean' AND leads = 'app.sp_clean'::regclass$$,
                  'search_path = app: leadqual.managed showed the same settings');

SELECT is(:'outcomes_p3'::text[], :'outcomes_clean'::text[], 'search_path = app, public, pg_temp: every step has the same outcome');
SELECT results_eq($$SELECT * FROM pg_temp.log_of('app.sp_p3')$$, $$SELECT * FROM pg_temp.log_of('app.sp_clean')$$,
                  'search_path = app, public, pg_temp: the same log rows in leadqual.transition');
SELECT results_eq($$SELECT * FROM pg_temp.leads_of('app.sp_p3')$$, $$SELECT * FROM pg_temp.leads_of('app.sp_clean')$$,
                  'search_path = app, public, pg_temp: the leads end in the same stages');
SELECT results_eq($$SELECT * FROM pg_temp.stays_of('p3', 'app.sp_p3')$$, $$SELECT * FROM pg_temp.stays_of('clean', 'app.sp_clean')$$,
                  'search_path = app, public, pg_temp: stage_history showed the same stays');
SELECT results_eq($$SELECT id_column, score_column, stage_column, threshold, promote_to, enabled FROM snap_managed WHERE tag = 'p3' AND leads = 'app.sp_p3'::regclass$$,
                  $$SELECT id_column, score_column, stage_column, threshold, promote_to, enabled FROM snap_managed WHERE tag = 'clean' AND leads = 'app.sp_clean'::regclass$$,
                  'search_path = app, public, pg_temp: leadqual.managed showed the same settings');

SELECT is(:'outcomes_p4'::text[], :'outcomes_clean'::text[], 'search_path = pg_temp, app, pg_catalog: every step has the same outcome');
SELECT results_eq($$SELECT * FROM pg_temp.log_of('app.sp_p4')$$, $$SELECT * FROM pg_temp.log_of('app.sp_clean')$$,
                  'search_path = pg_temp, app, pg_catalog: the same log rows in leadqual.transition');
SELECT results_eq($$SELECT * FROM pg_temp.leads_of('app.sp_p4')$$, $$SELECT * FROM pg_temp.leads_of('app.sp_clean')$$,
                  'search_path = pg_temp, app, pg_catalog: the leads end in the same stages');
SELECT results_eq($$SELECT * FROM pg_temp.stays_of('p4', 'app.sp_p4')$$, $$SELECT * FROM pg_temp.stays_of('clean', 'app.sp_clean')$$,
                  'search_path = pg_temp, app, pg_catalog: stage_history showed the same stays');
SELECT results_eq($$SELECT id_column, score_column, stage_column, threshold, promote_to, enabled FROM snap_managed WHERE tag = 'p4' AND leads = 'app.sp_p4'::regclass$$,
                  $$SELECT id_column, score_column, stage_column, threshold, promote_to, enabled FROM snap_managed WHERE tag = 'clean' AND leads = 'app.sp_clean'::regclass$$,
                  'search_path = pg_temp, app, pg_catalog: leadqual.managed showed the same settings');

SELECT is(:'outcomes_p1f'::text[], :'outcomes_clean'::text[], 'shadow = answering false: every step has the same outcome');
SELECT results_eq($$SELECT * FROM pg_temp.log_of('app.sp_p1f')$$, $$SELECT * FROM pg_temp.log_of('app.sp_clean')$$,
                  'shadow = answering false: the same log rows in leadqual.transition');
SELECT results_eq($$SELECT * FROM pg_temp.leads_of('app.sp_p1f')$$, $$SELECT * FROM pg_temp.leads_of('app.sp_clean')$$,
                  'shadow = answering false: the leads end in the same stages');
SELECT results_eq($$SELECT * FROM pg_temp.stays_of('p1f', 'app.sp_p1f')$$, $$SELECT * FROM pg_temp.stays_of('clean', 'app.sp_clean')$$,
                  'shadow = answering false: stage_history showed the same stays');
SELECT results_eq($$SELECT id_column, score_column, stage_column, threshold, promote_to, enabled FROM snap_managed WHERE tag = 'p1f' AND leads = 'app.sp_p1f'::regclass$$,
                  $$SELECT id_column, score_column, stage_column, threshold, promote_to, enabled FROM snap_managed WHERE tag = 'clean' AND leads = 'app.sp_clean'::regclass$$,
                  'shadow = answering false: leadqual.managed showed the same settings');

-- What the views showed under a hostile search_path is what they show under
-- a clean one now (but for time_in_stage, which is measured to "now").
SELECT set_eq($$SELECT lead_table, lead_id, stage, entered_at, left_at, next_stage, visit, is_current, transition_id
                FROM snap_history WHERE tag = 'p1'$$,
              $$SELECT lead_table, lead_id, stage, entered_at, left_at, next_stage, visit, is_current, transition_id
                FROM leadqual.stage_history WHERE lead_table IN ('app.sp_p1'::regclass)$$,
              'stage_history read under app, pg_catalog has exactly the rows it has under a clean search_path');
SELECT set_eq($$SELECT stage, funnel_rank, is_funnel, description FROM snap_stages WHERE tag = 'p2'$$,
              $$SELECT stage, funnel_rank, is_funnel, description FROM leadqual.stages$$,
              'leadqual.stages read under search_path = app (shadow = on lifecycle_stage) is the same');
SELECT is((SELECT count(DISTINCT tag) FROM snap_stages), 6::bigint, 'every run read leadqual.stages');

------------------------------------------------------------------------------
-- The shadows were never used
------------------------------------------------------------------------------

SELECT is_empty($$SELECT * FROM app.tripwire$$, 'no shadow function or operator was ever called, by the role or by the log''s owner');
SELECT is_empty($$SELECT * FROM app.transition$$, 'nothing was logged to the shadow app.transition');
SELECT is(:temp_shadow_rows, 0, 'nothing was logged to the temporary shadow transition');
SELECT is((SELECT count(*) FROM leadqual.transition WHERE changed_by = 'lq_tap_sp_app'), 108::bigint,
          'leadqual.transition got the six runs'' eighteen rows each');
SELECT results_eq($$SELECT code FROM app.rejection_reason ORDER BY code$$, $$VALUES ('bad_timing'), ('hostile_reason')$$,
                  'the shadow rejection_reason is untouched');
SELECT is((SELECT count(*) FROM leadqual.rejection_reason WHERE code = 'hostile_reason'), 0::bigint,
          'and its hostile_reason never reached leadqual.rejection_reason');
SELECT is(:'shadow_typed'::text, '42804',
          'manage() refuses a stage column of the shadow type app.lifecycle_stage: datatype_mismatch');

------------------------------------------------------------------------------
-- The log is written as its owner: the role cannot write it, yet is logged
------------------------------------------------------------------------------

SELECT ok(NOT has_table_privilege('lq_tap_sp_app', 'leadqual.transition', 'INSERT, UPDATE, DELETE, TRUNCATE'),
          'the role has no write privilege on leadqual.transition');
SET LOCAL ROLE lq_tap_sp_app;
SELECT throws_ok($$INSERT INTO leadqual.transition (lead_table, lead_id, to_stage, via) VALUES ('app.sp_clean', 'forged', 'customer', 'manual')$$,
                 '42501', NULL, 'the role cannot INSERT into leadqual.transition');
SELECT throws_ok($$UPDATE leadqual.transition SET reason = NULL$$, '42501', NULL, 'the role cannot UPDATE leadqual.transition');
SELECT throws_ok($$DELETE FROM leadqual.transition$$, '42501', NULL, 'the role cannot DELETE from leadqual.transition');
SELECT throws_ok($$TRUNCATE leadqual.transition$$, '42501', NULL, 'the role cannot TRUNCATE leadqual.transition');
SELECT throws_ok($$SELECT nextval('leadqual.transition_id_seq')$$, '42501', NULL, 'the role cannot advance the log''s sequence');
SELECT throws_ok($$INSERT INTO leadqual.rejection_reason (code, description) VALUES ('hostile_reason', 'x')$$,
                 '42501', NULL, 'the role cannot add a rejection reason');
SET LOCAL search_path = app, pg_catalog;
SELECT pg_temp.try($$INSERT INTO leadqual.transition (lead_table, lead_id, to_stage, via) VALUES ('app.sp_clean', 'forged', 'customer', 'manual')$$)
    AS hostile_insert \gset
RESET search_path;
SELECT is(:'hostile_insert'::text, '42501', 'nor INSERT into it under the hostile search_path');
RESET ROLE;

-- Now without even SELECT on the log or the reasons.
REVOKE SELECT ON leadqual.transition, leadqual.rejection_reason FROM PUBLIC;
SET LOCAL ROLE lq_tap_sp_app;
SET LOCAL search_path = app, pg_catalog;
SELECT pg_temp.try($$SELECT leadqual.manage('sp_priv')$$)
       || ' ' || pg_temp.try($$INSERT INTO sp_priv (id, score) VALUES ('p', 80), ('q', 10)$$)
       || ' ' || pg_temp.try($$SELECT leadqual.reject('sp_priv', 'p', 'recycled', 'bad_timing')$$)
       || ' ' || pg_temp.try($$SELECT leadqual.reject('sp_priv', 'q', 'disqualified', 'hostile_reason')$$)
       || ' ' || pg_temp.try($$UPDATE sp_priv SET score = 90 WHERE id OPERATOR(pg_catalog.=) 'p'$$)
       || ' ' || pg_temp.try($$SELECT count(*) FROM leadqual.transition$$)
       || ' ' || pg_temp.try($$SELECT count(*) FROM leadqual.rejection_reason$$)
    AS unprivileged \gset
RESET search_path;
RESET ROLE;
SELECT is(:'unprivileged'::text, 'ok ok ok 23503 ok 42501 42501',
          'without any privilege on the log: manage, insert, reject and promotion work, an unknown reason is 23503, the log cannot be read');
SELECT results_eq($$SELECT * FROM pg_temp.log_of('app.sp_priv')$$,
                  $$VALUES ('p', NULL, 'mql', 80::numeric, NULL, 'promotion', 'lq_tap_sp_app'::name),
                           ('q', NULL, 'lead', 10, NULL, 'manual', 'lq_tap_sp_app'),
                           ('p', 'mql', 'recycled', 80, 'bad_timing', 'rejection', 'lq_tap_sp_app'),
                           ('p', 'recycled', 'mql', 90, NULL, 'promotion', 'lq_tap_sp_app')$$,
                  'and every change it made is logged, as the role');
SELECT is_empty($$SELECT * FROM app.tripwire$$, 'still no shadow was called');

SELECT * FROM finish();
ROLLBACK;
