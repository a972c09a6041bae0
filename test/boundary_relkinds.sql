-- The trust boundary against relations that are not tables, and the
-- leadqual.managed view against malformed triggers.
--
-- Only ordinary and partitioned tables can be managed.  A view or a foreign
-- table can carry a row trigger that runs leadqual.qualify() with
-- well-formed arguments, made by hand; leadqual must not take it for a
-- managed table.  Reading a view runs the functions in it as whoever reads:
-- if leadqual read one as the extension's owner (a superuser), the view's
-- author would run code as a superuser.  So, with an attacker that has only
-- CONNECT and the default TEMP (its view, its table and its spy are
-- temporary) and a table owner with its own schema:
--   - the views and the foreign table are not listed in leadqual.managed;
--   - track(), rescore(), explain(), touch() and _store_scores() refuse
--     them (55000, not managed; 42501 for a role without privileges on
--     them), whoever calls, the superuser included;
--   - the view's spy never runs as anyone but the caller, not even in work
--     rolled back later;
--   - a partitioned table is still a table leadqual manages.
--
-- Then anyone can make a trigger with malformed arguments (a threshold that
-- is not a number, an unknown stage, missing, repeated or stray arguments)
-- on a temporary table.  leadqual.managed must not fail for anyone because
-- of it: it lists such a table with its problem (column problem, last in
-- the view) and enabled = false, and still lists the properly managed tables
-- with their settings and no problem; the functions that read the view keep
-- working for everyone else.
\ir helpers/setup.psql

SELECT plan(56);

------------------------------------------------------------------------------
-- Roles, the spy's notebook and the harness
------------------------------------------------------------------------------

CREATE ROLE lq_tap_bd_rk_attacker;     -- CONNECT and TEMP, as PUBLIC has them
CREATE ROLE lq_tap_bd_rk_owner;
CREATE ROLE lq_tap_bd_rk_app;
CREATE SCHEMA bd_rk AUTHORIZATION lq_tap_bd_rk_owner;
GRANT USAGE ON SCHEMA bd_rk TO lq_tap_bd_rk_app;

\ir helpers/spy_notebook.psql

-- Runs the statement as the current role and returns '<outcome>; <fouls>':
-- the outcome is 'ok' or the SQLSTATE; fouls is 'none' when no hostile code
-- ran as another role meanwhile, or what did.
CREATE FUNCTION pg_temp.attack(step text, statement text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    before bigint := pg_temp.fouls_so_far();
    outcome text;
    fouls bigint;
    seen text;
BEGIN
    PERFORM set_config('lq_bd.step', step, true);
    BEGIN
        EXECUTE statement;
        outcome := 'ok';
    EXCEPTION WHEN OTHERS THEN
        outcome := SQLSTATE;
    END;
    PERFORM set_config('lq_bd.step', '', true);
    fouls := pg_temp.fouls_so_far() - before;
    SELECT string_agg(DISTINCT format('%s as %s%s', s.what, s.who,
                                      CASE WHEN s.is_super THEN ' (superuser)' ELSE '' END), ', ')
      INTO seen
    FROM public.lq_bd_spy AS s
    WHERE s.step = attack.step AND (s.is_super OR s.who::text <> s.role);
    IF fouls = 0 AND seen IS NULL THEN
        RETURN outcome || '; none';
    END IF;
    RETURN format('%s; hostile code ran %s time(s) as another role: %s', outcome, fouls,
                  coalesce(seen, 'in work rolled back since'));
END
$$;

-- The rows of a query as text, sorted, or the error it raises: for the
-- columns leadqual.managed may not have yet.
CREATE FUNCTION pg_temp.rows_of(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result text;
BEGIN
    EXECUTE format('SELECT coalesce(string_agg(r::text, %L ORDER BY r::text), %L) FROM (%s) AS r',
                   ' | ', 'no rows', query)
        INTO result;
    RETURN result;
EXCEPTION WHEN OTHERS THEN
    RETURN format('ERROR %s: %s', SQLSTATE, SQLERRM);
END
$$;

------------------------------------------------------------------------------
-- The attacker's views posing as managed tables
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_bd_rk_attacker;

\set spy_schema pg_temp
\ir helpers/spy.psql

CREATE TEMP TABLE bd_base (
    id              bigint PRIMARY KEY,
    title           text,
    company_size    integer,
    industry        text,
    score           integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    owner           text
);
INSERT INTO bd_base (id, title, company_size, industry) VALUES (1, 'VP Sales', 100, 'saas'), (2, 'CEO', 200, 'software');

-- Every row read through the views calls the spy, as whoever reads it.
CREATE TEMP VIEW bd_view AS SELECT * FROM bd_base WHERE pg_temp.spy('view', id::text);
CREATE TEMP VIEW bd_view_stmt AS SELECT * FROM bd_base WHERE pg_temp.spy('view', id::text);
-- what manage() would attach, by hand: on a view only INSTEAD OF row
-- triggers or statement triggers are possible
CREATE TRIGGER leadqual_qualify INSTEAD OF UPDATE ON bd_view
    FOR EACH ROW EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score', 'stage_column=lifecycle_stage',
                                                   'model=default', 'owner_column=owner');
CREATE TRIGGER leadqual_qualify BEFORE UPDATE ON bd_view_stmt
    FOR EACH STATEMENT EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score',
                                                         'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=mql');

SELECT is(pg_temp.attack('attacker reads its view', $$SELECT count(*) FROM pg_temp.bd_view$$), 'ok; none',
          'the spy works: the attacker reads its own view, as itself');
SELECT is((SELECT count(*) FROM public.lq_bd_spy WHERE step = 'attacker reads its view' AND who = 'lq_tap_bd_rk_attacker'),
          2::bigint, 'the spy works: it noted the two rows the attacker read');
SELECT is((SELECT count(*) FROM leadqual.managed WHERE leads IN ('pg_temp.bd_view'::regclass, 'pg_temp.bd_view_stmt'::regclass)),
          0::bigint, 'views with a qualify trigger are not listed in leadqual.managed');
SELECT throws_ok($$SELECT leadqual.manage('pg_temp.bd_view')$$, '42809', NULL, 'manage() refuses a view: wrong_object_type');

-- The attacker calls every function that takes a managed table on its views.
SELECT is(pg_temp.attack('attacker: track()', $$SELECT leadqual.track('pg_temp.bd_view', '1', 'demo_request')$$),
          '55000; none', 'attacker: track() refuses the view (55000), no hostile code ran as another role');
SELECT is(pg_temp.attack('attacker: rescore()', $$SELECT leadqual.rescore('pg_temp.bd_view')$$),
          '55000; none', 'attacker: rescore() refuses the view (55000), no hostile code ran as another role');
SELECT is(pg_temp.attack('attacker: rescore() as of 2001', $$SELECT leadqual.rescore('pg_temp.bd_view', '2001-01-01 00:00+00')$$),
          '55000; none', 'attacker: rescore() as of 2001 refuses the view (55000), no hostile code ran as another role');
SELECT is(pg_temp.attack('attacker: explain()', $$SELECT count(*) FROM leadqual.explain('pg_temp.bd_view', '1')$$),
          '55000; none', 'attacker: explain() refuses the view (55000), no hostile code ran as another role');
SELECT is(pg_temp.attack('attacker: touch()', $$SELECT leadqual.touch('pg_temp.bd_view', '1', 'call', at => '2099-01-05 12:00+00')$$),
          '55000; none', 'attacker: touch() refuses the view (55000), no hostile code ran as another role');
SELECT is(pg_temp.attack('attacker: touch() of the statement-trigger view',
                         $$SELECT leadqual.touch('pg_temp.bd_view_stmt', '1', 'call', at => '2099-01-05 12:00+00')$$),
          '55000; none', 'attacker: touch() refuses the view with a statement trigger too (55000), no hostile code ran as another role');
SELECT is(pg_temp.attack('attacker: _store_scores() of every lead',
                         $$SELECT leadqual._store_scores('pg_temp.bd_view', now(), NULL)$$),
          '55000; none', 'attacker: _store_scores() of every lead refuses the view (55000), no hostile code ran as another role');
SELECT is(pg_temp.attack('attacker: _store_scores() of a lead',
                         $$SELECT leadqual._store_scores('pg_temp.bd_view', now(), '{1}')$$),
          '55000; none', 'attacker: _store_scores() of a lead refuses the view (55000), no hostile code ran as another role');
SELECT matches(pg_temp.attack('attacker: reject()', $$SELECT leadqual.reject('pg_temp.bd_view', '1', 'recycled', 'bad_timing')$$),
               '^(55000|42809); none$', 'attacker: reject() refuses the view (55000 or 42809), no hostile code ran as another role');
-- events and touches of a relation leadqual does not manage are only stored
-- (or refused): nothing reads the view for them
SELECT matches(pg_temp.attack('attacker: INSERT INTO leadqual.event',
                              $$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('pg_temp.bd_view', '1', 'demo_request')$$),
               '^(ok|55000|42809); none$', 'attacker: an event of the view is stored or refused, no hostile code ran as another role');
SELECT matches(pg_temp.attack('attacker: INSERT INTO leadqual.touch',
                              $$INSERT INTO leadqual.touch (lead_table, lead_id, touched_at) VALUES ('pg_temp.bd_view', '1', '2099-01-05 12:00+00')$$),
               '^(ok|55000|42809); none$', 'attacker: a touch of the view is stored or refused, no hostile code ran as another role');
-- (the touch of the statement-trigger view above may have been stored)
SELECT matches(pg_temp.attack('attacker: _apply_touches()',
                              $$SELECT leadqual._apply_touches(ARRAY(SELECT t.id FROM leadqual.touch AS t
                                                                     WHERE t.lead_table IN ('pg_temp.bd_view'::regclass, 'pg_temp.bd_view_stmt'::regclass)))$$),
               '^(ok|55000|42809); none$', 'attacker: applying the views'' touches again stops nothing, no hostile code ran as another role');
SELECT is((SELECT count(*) FROM leadqual.lead_score WHERE lead_table IN ('pg_temp.bd_view'::regclass, 'pg_temp.bd_view_stmt'::regclass)),
          0::bigint, 'no subtotals were stored for the views');

RESET ROLE;

-- The superuser (a nightly job rescoring every table, say) and a role
-- without privileges on the view are refused too, before the view is read.
SELECT is(pg_temp.attack('superuser: rescore()', $$SELECT leadqual.rescore('pg_temp.bd_view')$$),
          '55000; none', 'superuser: rescore() refuses the view (55000), no hostile code ran as the superuser');
SELECT is(pg_temp.attack('superuser: track()', $$SELECT leadqual.track('pg_temp.bd_view', '2', 'demo_request')$$),
          '55000; none', 'superuser: track() refuses the view (55000), no hostile code ran as the superuser');
SELECT is(pg_temp.attack('superuser: touch()', $$SELECT leadqual.touch('pg_temp.bd_view', '2', 'call', at => '2099-01-05 12:00+00')$$),
          '55000; none', 'superuser: touch() refuses the view (55000), no hostile code ran as the superuser');
SELECT is(pg_temp.attack('superuser: _store_scores()', $$SELECT leadqual._store_scores('pg_temp.bd_view', now(), NULL)$$),
          '55000; none', 'superuser: _store_scores() refuses the view (55000), no hostile code ran as the superuser');
SELECT is(pg_temp.attack('superuser: explain()', $$SELECT count(*) FROM leadqual.explain('pg_temp.bd_view', '2')$$),
          '55000; none', 'superuser: explain() refuses the view (55000), no hostile code ran as the superuser');

SET LOCAL ROLE lq_tap_bd_rk_app;
SELECT matches(pg_temp.attack('application: track()', $$SELECT leadqual.track('pg_temp.bd_view', '1', 'demo_request')$$),
               '^(55000|42501); none$', 'application: track() of the attacker''s view is refused (55000 or 42501), no hostile code ran');
SELECT matches(pg_temp.attack('application: rescore()', $$SELECT leadqual.rescore('pg_temp.bd_view')$$),
               '^(55000|42501); none$', 'application: rescore() of the attacker''s view is refused (55000 or 42501), no hostile code ran');
SELECT matches(pg_temp.attack('application: touch()', $$SELECT leadqual.touch('pg_temp.bd_view', '1')$$),
               '^(55000|42501); none$', 'application: touch() of the attacker''s view is refused (55000 or 42501), no hostile code ran');
SELECT matches(pg_temp.attack('application: _store_scores()', $$SELECT leadqual._store_scores('pg_temp.bd_view', now(), NULL)$$),
               '^(55000|42501); none$', 'application: _store_scores() of the attacker''s view is refused (55000 or 42501), no hostile code ran');
RESET ROLE;

------------------------------------------------------------------------------
-- A foreign table with a hand-made qualify trigger (file_fdw, when the
-- server has it).  Foreign tables can't be temporary: the superuser creates
-- it (file_fdw's filename option is a superuser's) and hands it to the
-- table owner, who attaches the trigger.
------------------------------------------------------------------------------

SELECT count(*) > 0 AS have_file_fdw FROM pg_available_extensions WHERE name = 'file_fdw' \gset
\if :have_file_fdw
CREATE EXTENSION file_fdw;
CREATE SERVER bd_rk_files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE bd_rk.remote (
    id bigint, title text, company_size integer, industry text, score integer,
    lifecycle_stage leadqual.lifecycle_stage, owner text
) SERVER bd_rk_files OPTIONS (filename '/dev/null', format 'csv');
ALTER FOREIGN TABLE bd_rk.remote OWNER TO lq_tap_bd_rk_owner;

SET LOCAL ROLE lq_tap_bd_rk_owner;
CREATE TRIGGER leadqual_qualify BEFORE INSERT OR UPDATE ON bd_rk.remote
    FOR EACH ROW EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score', 'stage_column=lifecycle_stage',
                                                   'model=default');
SELECT is((SELECT count(*) FROM leadqual.managed WHERE leads = 'bd_rk.remote'::regclass), 0::bigint,
          'foreign table: not listed in leadqual.managed');
SELECT throws_ok($$SELECT leadqual.manage('bd_rk.remote')$$, '42809', NULL, 'foreign table: manage() refuses it: wrong_object_type');
SELECT throws_ok($$SELECT leadqual.track('bd_rk.remote', '1', 'demo_request')$$, '55000', NULL,
                 'foreign table: track() refuses it: not managed');
SELECT throws_ok($$SELECT leadqual.rescore('bd_rk.remote')$$, '55000', NULL, 'foreign table: rescore() refuses it: not managed');
SELECT throws_ok($$SELECT * FROM leadqual.explain('bd_rk.remote', '1')$$, '55000', NULL,
                 'foreign table: explain() refuses it: not managed');
SELECT throws_ok($$SELECT leadqual.touch('bd_rk.remote', '1')$$, '55000', NULL, 'foreign table: touch() refuses it: not managed');
SELECT throws_ok($$SELECT leadqual._store_scores('bd_rk.remote', now(), NULL)$$, '55000', NULL,
                 'foreign table: _store_scores() refuses it: not managed');
RESET ROLE;
\else
SELECT skip('file_fdw is not available: no foreign table to try', 7);
\endif

------------------------------------------------------------------------------
-- A partitioned table is a table: managed as before
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_bd_rk_owner;
CREATE TABLE bd_rk.parted (
    id bigint, region text, title text, company_size integer, industry text,
    score integer NOT NULL DEFAULT 0, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', owner text,
    PRIMARY KEY (id, region)
) PARTITION BY LIST (region);
CREATE TABLE bd_rk.parted_eu PARTITION OF bd_rk.parted FOR VALUES IN ('eu');
CREATE TABLE bd_rk.parted_us PARTITION OF bd_rk.parted FOR VALUES IN ('us');
SELECT lives_ok($$SELECT leadqual.manage('bd_rk.parted', model => 'default', owner_column => 'owner')$$,
                'partitioned table: manage() with a model');
INSERT INTO bd_rk.parted (id, region, title, company_size, industry) VALUES (1, 'eu', 'VP Sales', 100, 'saas'), (2, 'us', 'Engineer', 5, 'retail');
SELECT is(pg_temp.rows_of($$SELECT m.leads, m.enabled, m.problem IS NULL FROM leadqual.managed AS m
                            WHERE m.leads IN ('bd_rk.parted'::regclass, 'bd_rk.parted_eu'::regclass, 'bd_rk.parted_us'::regclass)$$),
          '(bd_rk.parted,t,t)', 'partitioned table: listed once, enabled, without a problem; its partitions are not listed');
SELECT lives_ok($$SELECT leadqual.track('bd_rk.parted', '1', 'pricing_page_view')$$, 'partitioned table: track()');
SELECT is((SELECT lifecycle_stage::text FROM bd_rk.parted WHERE id = 1), 'mql', 'partitioned table: the event promoted the lead');
SELECT lives_ok($$SELECT leadqual.rescore('bd_rk.parted', '2001-01-01 00:00+00')$$, 'partitioned table: rescore()');
SELECT lives_ok($$SELECT leadqual.touch('bd_rk.parted', '1', 'call', at => '2099-01-05 12:00+00')$$, 'partitioned table: touch()');
SELECT lives_ok($$SELECT leadqual._store_scores('bd_rk.parted', now(), NULL)$$, 'partitioned table: _store_scores()');
RESET ROLE;

------------------------------------------------------------------------------
-- leadqual.managed against malformed triggers
------------------------------------------------------------------------------

-- Two tables managed properly, by their owner.
SET LOCAL ROLE lq_tap_bd_rk_owner;
CREATE TABLE bd_rk.fixed (id bigint PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                          lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', owner text);
CREATE TABLE bd_rk.scored (id bigint PRIMARY KEY, title text, company_size integer, industry text,
                           score integer NOT NULL DEFAULT 0,
                           lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', owner text);
CREATE TABLE bd_rk.later (LIKE bd_rk.fixed INCLUDING ALL);
SELECT FROM leadqual.manage('bd_rk.fixed', threshold => 40, promote_to => 'pql', owner_column => 'owner');
SELECT FROM leadqual.manage('bd_rk.scored', model => 'default');
GRANT SELECT, INSERT, UPDATE ON bd_rk.fixed, bd_rk.scored TO lq_tap_bd_rk_app;
RESET ROLE;

-- The attacker's temporary tables, each with a trigger made by hand.
SET LOCAL ROLE lq_tap_bd_rk_attacker;
CREATE TEMP TABLE m_not_a_number (id bigint, score integer, lifecycle_stage leadqual.lifecycle_stage);
CREATE TEMP TABLE m_unknown_stage (LIKE m_not_a_number);
CREATE TEMP TABLE m_missing (LIKE m_not_a_number);
CREATE TEMP TABLE m_no_arguments (LIKE m_not_a_number);
CREATE TEMP TABLE m_duplicate (LIKE m_not_a_number);
CREATE TEMP TABLE m_huge (LIKE m_not_a_number);
CREATE TEMP TABLE m_garbage (LIKE m_not_a_number);
CREATE TRIGGER leadqual_qualify BEFORE INSERT OR UPDATE ON m_not_a_number FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score', 'stage_column=lifecycle_stage',
                                      'threshold=not a number', 'promote_to=mql');
CREATE TRIGGER leadqual_qualify BEFORE INSERT OR UPDATE ON m_unknown_stage FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score', 'stage_column=lifecycle_stage',
                                      'threshold=50', 'promote_to=nonsense');
CREATE TRIGGER leadqual_qualify BEFORE INSERT OR UPDATE ON m_missing FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify('id_column=id');
CREATE TRIGGER leadqual_qualify BEFORE INSERT OR UPDATE ON m_no_arguments FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify();
CREATE TRIGGER leadqual_qualify BEFORE INSERT OR UPDATE ON m_huge FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score', 'stage_column=lifecycle_stage',
                                      'threshold=1e999999', 'promote_to=mql');
-- these two get all three triggers, as manage() attaches them, so that only
-- their arguments are wrong
CREATE TRIGGER leadqual_qualify BEFORE INSERT OR UPDATE ON m_duplicate FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score', 'stage_column=lifecycle_stage',
                                      'threshold=50', 'threshold=60', 'promote_to=mql');
CREATE TRIGGER leadqual_log_insert AFTER INSERT ON m_duplicate FOR EACH ROW
    EXECUTE FUNCTION leadqual.log_transition('id_column=id', 'score_column=score', 'stage_column=lifecycle_stage',
                                             'threshold=50', 'threshold=60', 'promote_to=mql');
CREATE TRIGGER leadqual_log_update AFTER UPDATE ON m_duplicate FOR EACH ROW
    EXECUTE FUNCTION leadqual.log_transition('id_column=id', 'score_column=score', 'stage_column=lifecycle_stage',
                                             'threshold=50', 'threshold=60', 'promote_to=mql');
CREATE TRIGGER leadqual_qualify BEFORE INSERT OR UPDATE ON m_garbage FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score', 'stage_column=lifecycle_stage',
                                      'threshold=50', 'promote_to=mql', 'garbage', '', '=x');
CREATE TRIGGER leadqual_log_insert AFTER INSERT ON m_garbage FOR EACH ROW
    EXECUTE FUNCTION leadqual.log_transition('id_column=id', 'score_column=score', 'stage_column=lifecycle_stage',
                                             'threshold=50', 'promote_to=mql', 'garbage', '', '=x');
CREATE TRIGGER leadqual_log_update AFTER UPDATE ON m_garbage FOR EACH ROW
    EXECUTE FUNCTION leadqual.log_transition('id_column=id', 'score_column=score', 'stage_column=lifecycle_stage',
                                             'threshold=50', 'promote_to=mql', 'garbage', '', '=x');
SELECT lives_ok($$SELECT * FROM leadqual.managed$$, 'malformed: the attacker itself can read leadqual.managed');
RESET ROLE;

SELECT lives_ok($$SELECT * FROM leadqual.managed$$, 'malformed: the superuser can read leadqual.managed');
SET LOCAL ROLE lq_tap_bd_rk_app;
SELECT lives_ok($$SELECT * FROM leadqual.managed$$, 'malformed: another role can read leadqual.managed');
SELECT is(pg_temp.rows_of($$SELECT c.relname, m.enabled, m.problem IS NOT NULL AS has_problem
                            FROM leadqual.managed AS m JOIN pg_class AS c ON c.oid = m.leads
                            WHERE c.relname LIKE 'm\_%'$$),
          '(m_duplicate,f,t) | (m_garbage,f,t) | (m_huge,f,t) | (m_missing,f,t) | (m_no_arguments,f,t) | (m_not_a_number,f,t) | (m_unknown_stage,f,t)',
          'malformed: every malformed table is listed, not enabled, with its problem');
SELECT is(pg_temp.rows_of($$SELECT m.leads, m.id_column, m.score_column, m.stage_column, m.threshold, m.promote_to,
                                   m.enabled, m.model, m.owner_column, m.problem
                            FROM leadqual.managed AS m WHERE m.leads::text LIKE 'bd\_rk.%'$$),
          '(bd_rk.fixed,id,score,lifecycle_stage,40,pql,t,,owner,) | '
          '(bd_rk.parted,id,score,lifecycle_stage,50,mql,t,default,owner,) | '
          '(bd_rk.scored,id,score,lifecycle_stage,50,mql,t,default,,)',
          'malformed: the properly managed tables are listed with their settings, enabled, without a problem');
SELECT is((SELECT a.attname::text || ' ' || format_type(a.atttypid, a.atttypmod)
           FROM pg_attribute AS a WHERE a.attrelid = 'leadqual.managed'::regclass AND a.attnum > 0 AND NOT a.attisdropped
           ORDER BY a.attnum DESC LIMIT 1),
          'problem text', 'malformed: problem is the last column of leadqual.managed, of type text');

-- What reads leadqual.managed keeps working for the other tables.
SELECT lives_ok($$INSERT INTO bd_rk.fixed (id, score) VALUES (1, 45)$$, 'malformed: the application promotes a lead of its table');
SELECT lives_ok($$SELECT leadqual.touch('bd_rk.fixed', '1', 'call', at => '2099-01-05 12:00+00')$$,
                'malformed: the application touches it');
SELECT lives_ok($$INSERT INTO bd_rk.scored (id, title, company_size, industry) VALUES (1, 'VP Sales', 100, 'saas')$$, 'malformed: the application inserts a scored lead');
SELECT lives_ok($$SELECT leadqual.track('bd_rk.scored', '1', 'pricing_page_view')$$, 'malformed: the application tracks an event');
SELECT lives_ok($$SELECT leadqual.rescore('bd_rk.scored')$$, 'malformed: the application rescores its table');
SELECT is((SELECT format('%s %s', lifecycle_stage, score) FROM bd_rk.scored WHERE id = 1), 'mql 60',
          'malformed: and its lead was scored and promoted');
RESET ROLE;
SET LOCAL ROLE lq_tap_bd_rk_owner;
SELECT lives_ok($$SELECT leadqual.manage('bd_rk.later')$$, 'malformed: the owner manages another table');
SELECT lives_ok($$SELECT leadqual.unmanage('bd_rk.later')$$, 'malformed: and unmanages it');
RESET ROLE;

------------------------------------------------------------------------------
-- Over the whole suite
------------------------------------------------------------------------------

SELECT is((SELECT format('%s, in %s step(s)', string_agg(DISTINCT s.what, ', ' ORDER BY s.what), count(DISTINCT s.step))
           FROM public.lq_bd_spy AS s WHERE s.is_super HAVING count(*) > 0), NULL,
          'no hostile code ever ran as a superuser');
SELECT is(pg_temp.fouls_so_far(), 0::bigint,
          'hostile code never ran as another role than the caller, not even in work rolled back later');

SELECT * FROM finish();
ROLLBACK;
