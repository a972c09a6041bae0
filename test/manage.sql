-- leadqual.manage(), leadqual.unmanage() and leadqual.managed: validation
-- errors leave nothing behind, settings show in the view and take effect at
-- once, history survives re-managing and unmanaging, domains work, owners
-- manage their own tables, the stage column cannot be retyped behind
-- leadqual's back, and partitions are managed through their root.  (The
-- messages, and leadqual.managed and the triggers as a user sees them, are
-- in sql/manage.sql.)
\ir helpers/setup.psql

SELECT plan(104);

CREATE TYPE other_stage AS ENUM ('subscriber', 'lead', 'mql', 'pql', 'sal', 'sql',
                                 'opportunity', 'customer', 'evangelist', 'recycled', 'disqualified');
CREATE TABLE mg_leads (
    id bigint PRIMARY KEY,
    email text,
    score integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    note text,
    stage_text text,
    stage_other other_stage,
    fscore real
);
CREATE VIEW mg_view AS SELECT * FROM mg_leads;
CREATE SEQUENCE mg_seq;
CREATE TABLE mg_plain (id integer PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');

CREATE FUNCTION pg_temp.stage_of(lead bigint) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT lifecycle_stage::text FROM mg_leads WHERE id = lead $$;
CREATE FUNCTION pg_temp.leadqual_triggers(leads regclass) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM pg_trigger AS t JOIN pg_proc AS p ON p.oid = t.tgfoid
    WHERE t.tgrelid = leads AND p.pronamespace = 'leadqual'::regnamespace
$$;

------------------------------------------------------------------------------
-- Validation errors
------------------------------------------------------------------------------

SELECT throws_ok($$SELECT leadqual.manage('mg_nope')$$, '42P01', NULL, 'a table that does not exist: undefined_table');
SELECT throws_ok($$SELECT leadqual.manage('mg_view')$$, '42809', NULL, 'a view: wrong_object_type');
SELECT throws_ok($$SELECT leadqual.manage('mg_seq')$$, '42809', NULL, 'a sequence: wrong_object_type');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', id_column => 'lead_id')$$, '42703', NULL,
                 'a missing id column: undefined_column');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', score_column => 'points')$$, '42703', NULL,
                 'a missing score column: undefined_column');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', stage_column => 'stage')$$, '42703', NULL,
                 'a missing stage column: undefined_column');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', id_column => 'ctid')$$, '42703', NULL,
                 'a system column is no id column: undefined_column');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', score_column => 'Score')$$, '42703', NULL,
                 'column names are taken as given, not case-folded: undefined_column');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', score_column => 'note')$$, '42804', NULL,
                 'a text score column: datatype_mismatch');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', stage_column => 'stage_text')$$, '42804', NULL,
                 'a text stage column: datatype_mismatch');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', stage_column => 'stage_other')$$, '42804', NULL,
                 'a stage column of another enum, even with the same labels: datatype_mismatch');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', score_column => 'id')$$, '42701', NULL,
                 'the id column as score column: duplicate_column');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', id_column => 'lifecycle_stage')$$, '42701', NULL,
                 'the stage column as id column: duplicate_column');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', stage_column => 'score', score_column => 'score')$$, '42701', NULL,
                 'one column as score and stage: duplicate_column');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', threshold => 'NaN')$$, '22023', NULL,
                 'threshold NaN: invalid_parameter_value');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', threshold => 'Infinity')$$, '22023', NULL,
                 'threshold Infinity: invalid_parameter_value');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', threshold => '-Infinity')$$, '22023', NULL,
                 'threshold -Infinity: invalid_parameter_value');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', promote_to => 'lead')$$, '22023', NULL,
                 'promote_to lead: invalid_parameter_value');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', promote_to => 'subscriber')$$, '22023', NULL,
                 'promote_to subscriber: invalid_parameter_value');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', promote_to => 'recycled')$$, '22023', NULL,
                 'promote_to recycled: invalid_parameter_value');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', promote_to => 'disqualified')$$, '22023', NULL,
                 'promote_to disqualified: invalid_parameter_value');
SELECT throws_ok($$SELECT leadqual.manage(NULL)$$, '22004', NULL, 'NULL leads: null_value_not_allowed');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', id_column => NULL)$$, '22004', NULL,
                 'NULL id_column: null_value_not_allowed');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', score_column => NULL)$$, '22004', NULL,
                 'NULL score_column: null_value_not_allowed');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', stage_column => NULL)$$, '22004', NULL,
                 'NULL stage_column: null_value_not_allowed');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', model => 'no_such_model')$$, '42704', NULL,
                 'unknown model: undefined_object');
SELECT throws_ok($$SELECT leadqual.manage('mg_leads', model => 'default', promote_to => 'sql')$$, '22023', NULL,
                 'a model with its own promote_to: invalid_parameter_value');
CREATE TABLE mg_generated (id integer PRIMARY KEY, fit integer, engagement integer,
                           score integer GENERATED ALWAYS AS (fit + engagement) STORED,
                           lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT throws_ok($$SELECT leadqual.manage('mg_generated')$$, '0A000', NULL,
                 'a generated score column: feature_not_supported');

CREATE FUNCTION pg_temp.noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER leadqual_qualify BEFORE UPDATE ON mg_plain FOR EACH ROW EXECUTE FUNCTION pg_temp.noop();
SELECT throws_ok($$SELECT leadqual.manage('mg_plain')$$, '42710', NULL,
                 'a table with someone else''s trigger named leadqual_qualify: duplicate_object');
SELECT is((SELECT tgfoid::regprocedure FROM pg_trigger WHERE tgrelid = 'mg_plain'::regclass AND tgname = 'leadqual_qualify'),
          'pg_temp.noop()'::regprocedure, 'that trigger was not replaced');
DROP TRIGGER leadqual_qualify ON mg_plain;

-- nothing was created by the failed calls
SELECT is_empty($$SELECT * FROM leadqual.managed$$, 'after the errors, leadqual.managed is empty');
SELECT is((SELECT count(*) FROM pg_trigger WHERE tgrelid = 'mg_leads'::regclass), 0::bigint,
          'after the errors, the table has no trigger');
SELECT is((SELECT count(*) FROM pg_trigger WHERE tgrelid = 'mg_plain'::regclass), 0::bigint,
          'after the errors, the other table has no trigger either');
INSERT INTO mg_leads (id, score) VALUES (100, 90);
SELECT is(pg_temp.stage_of(100), 'lead', 'after the errors, nothing promotes the table''s leads');
SELECT is_empty($$SELECT * FROM leadqual.transition$$, 'after the errors, nothing was logged');
DELETE FROM mg_leads WHERE id = 100;

------------------------------------------------------------------------------
-- manage() with the defaults
------------------------------------------------------------------------------

SELECT lives_ok($$SELECT leadqual.manage('mg_leads')$$, 'manage() with the defaults');
SELECT results_eq($$SELECT leads, id_column::text, score_column::text, stage_column::text, threshold, promote_to::text, enabled
                    FROM leadqual.managed$$,
                  $$VALUES ('mg_leads'::regclass, 'id', 'score', 'lifecycle_stage', 50::numeric, 'mql', true)$$,
                  'leadqual.managed shows the table with the default settings');
SELECT has_trigger('mg_leads', 'leadqual_qualify', 'the table has the trigger leadqual_qualify');
SELECT trigger_is('public', 'mg_leads', 'leadqual_qualify', 'leadqual', 'qualify', 'which runs leadqual.qualify()');
SELECT is((SELECT tgtype::integer FROM pg_trigger WHERE tgrelid = 'mg_leads'::regclass AND tgname = 'leadqual_qualify'),
          1 | 2 | 4 | 16, 'leadqual_qualify fires BEFORE INSERT OR UPDATE FOR EACH ROW');
INSERT INTO mg_leads (id, score) VALUES (1, 90), (2, 60);
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM mg_leads ORDER BY id$$,
                  $$VALUES (1::bigint, 'mql'), (2, 'mql')$$, 'the managed table''s leads are promoted');
SELECT is(pg_temp.log_count('mg_leads'), 2::bigint, 'and logged');

SELECT lives_ok($$SELECT leadqual.manage('mg_plain', threshold => 10)$$, 'manage() a second table');
SELECT results_eq($$SELECT leads::text, threshold FROM leadqual.managed ORDER BY leads::text$$,
                  $$VALUES ('mg_leads', 50::numeric), ('mg_plain', 10)$$,
                  'leadqual.managed lists both tables with their own settings');

------------------------------------------------------------------------------
-- Re-managing: new settings take effect at once, history is kept
------------------------------------------------------------------------------

SELECT lives_ok($$SELECT leadqual.manage('mg_leads', threshold => 70)$$, 're-manage with threshold 70');
SELECT results_eq($$SELECT threshold FROM leadqual.managed WHERE leads = 'mg_leads'::regclass$$,
                  $$VALUES (70::numeric)$$, 'leadqual.managed shows one row with the new threshold');
SELECT is((SELECT count(*) FROM pg_trigger WHERE tgrelid = 'mg_leads'::regclass AND tgname = 'leadqual_qualify'),
          1::bigint, 'the table still has exactly one leadqual_qualify trigger');
INSERT INTO mg_leads (id, score) VALUES (3, 60);
SELECT is(pg_temp.stage_of(3), 'lead', 'the new threshold holds at once: 60 < 70 stays lead');
UPDATE mg_leads SET score = 70 WHERE id = 3;
SELECT is(pg_temp.stage_of(3), 'mql', 'the new threshold holds at once: 70 promotes');
SELECT is(pg_temp.moves('mg_leads', '1'), '{"NULL>mql promotion"}', 're-managing kept the history');
SELECT is(pg_temp.log_count('mg_leads'), 4::bigint, 'and the log goes on: 2 old rows and 2 new ones');

SELECT lives_ok($$SELECT leadqual.manage('mg_leads', score_column => 'fscore', threshold => 42.5, promote_to => 'pql')$$,
                're-manage with another score column, threshold and promote_to');
SELECT results_eq($$SELECT id_column::text, score_column::text, stage_column::text, threshold, promote_to::text
                    FROM leadqual.managed WHERE leads = 'mg_leads'::regclass$$,
                  $$VALUES ('id', 'fscore', 'lifecycle_stage', 42.5, 'pql')$$,
                  'leadqual.managed shows the new settings');
INSERT INTO mg_leads (id, score, fscore) VALUES (4, 0, 42.5), (5, 99, 42.4);
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM mg_leads WHERE id IN (4, 5) ORDER BY id$$,
                  $$VALUES (4::bigint, 'pql'), (5, 'lead')$$,
                  'the new score column, threshold and promote_to hold at once');
SELECT is(pg_temp.leadqual_triggers('mg_leads'), 5::bigint,
          're-managing leaves the table with its five leadqual triggers, no more');

SELECT throws_ok($$SELECT leadqual.manage('mg_leads', threshold => 'NaN')$$, '22023', NULL,
                 'a failed re-manage');
SELECT results_eq($$SELECT score_column::text, threshold, promote_to::text FROM leadqual.managed WHERE leads = 'mg_leads'::regclass$$,
                  $$VALUES ('fscore', 42.5, 'pql')$$, 'keeps the previous settings');
INSERT INTO mg_leads (id, score, fscore) VALUES (6, 0, 43);
SELECT is(pg_temp.stage_of(6), 'pql', 'and the table stays managed with them');

ALTER TABLE mg_leads DISABLE TRIGGER leadqual_qualify;
SELECT is((SELECT enabled FROM leadqual.managed WHERE leads = 'mg_leads'::regclass), false,
          'leadqual.managed shows a disabled trigger as enabled = false');
ALTER TABLE mg_leads ENABLE TRIGGER leadqual_qualify;
ALTER TABLE mg_leads DISABLE TRIGGER leadqual_log_update;
SELECT is((SELECT enabled FROM leadqual.managed WHERE leads = 'mg_leads'::regclass), false,
          'enabled means all five triggers fire: a disabled logging trigger shows as enabled = false too');
ALTER TABLE mg_leads ENABLE TRIGGER leadqual_log_update;
SELECT is((SELECT enabled FROM leadqual.managed WHERE leads = 'mg_leads'::regclass), true,
          'with every trigger enabled again, enabled = true');

------------------------------------------------------------------------------
-- A column renamed behind leadqual's back
------------------------------------------------------------------------------

ALTER TABLE mg_leads RENAME COLUMN fscore TO rating;
SELECT throws_ok($$INSERT INTO mg_leads (id, rating) VALUES (8, 50)$$, '42703', NULL,
                 'writes fail with undefined_column once the score column is renamed');
SELECT lives_ok($$SELECT leadqual.manage('mg_leads', score_column => 'rating', threshold => 42.5, promote_to => 'pql')$$,
                're-manage with the new name');
INSERT INTO mg_leads (id, rating) VALUES (8, 50);
SELECT is(pg_temp.stage_of(8), 'pql', 'and writes work again');

------------------------------------------------------------------------------
-- unmanage()
------------------------------------------------------------------------------

CREATE TEMP TABLE log_before AS SELECT * FROM leadqual.transition;
SELECT lives_ok($$SELECT leadqual.unmanage('mg_leads')$$, 'unmanage()');
SELECT results_eq($$SELECT leads::text FROM leadqual.managed$$, $$VALUES ('mg_plain')$$,
                  'leadqual.managed no longer lists the table, only the other one');
SELECT is(pg_temp.leadqual_triggers('mg_leads'), 0::bigint, 'the table has no leadqual trigger left');
SELECT set_eq($$SELECT * FROM leadqual.transition$$, $$SELECT * FROM log_before$$, 'the history is kept as it was');
INSERT INTO mg_leads (id, score, rating) VALUES (9, 99, 99);
SELECT is(pg_temp.stage_of(9), 'lead', 'an unmanaged table''s leads are no longer promoted');
SELECT lives_ok($$UPDATE mg_leads SET lifecycle_stage = 'subscriber' WHERE id = 1$$,
                'nor held to the stage rules');
SELECT set_eq($$SELECT * FROM leadqual.transition$$, $$SELECT * FROM log_before$$, 'nor logged');
SELECT throws_ok($$SELECT leadqual.unmanage('mg_leads')$$, '55000', NULL,
                 'unmanage() of a table no longer managed: object_not_in_prerequisite_state');
SELECT throws_ok($$SELECT leadqual.unmanage('mg_seq')$$, '55000', NULL,
                 'unmanage() of a relation never managed: object_not_in_prerequisite_state');
SELECT throws_ok($$SELECT leadqual.reject('mg_leads', '2', 'recycled', 'bad_timing')$$, '55000', NULL,
                 'reject() on an unmanaged table: object_not_in_prerequisite_state');
SELECT is(pg_temp.stage_of(2), 'mql', 'and the lead is untouched');

SELECT lives_ok($$SELECT leadqual.manage('mg_leads')$$, 'managing the table again');
UPDATE mg_leads SET score = 99 WHERE id = 9;
SELECT is(pg_temp.moves('mg_leads', '9'), '{"lead>mql promotion"}',
          'logs again from then on (the unmanaged INSERT was never logged)');
SELECT is(pg_temp.moves('mg_leads', '1'), '{"NULL>mql promotion"}',
          'and the history from before is still there');

------------------------------------------------------------------------------
-- Domains
------------------------------------------------------------------------------

CREATE DOMAIN points AS integer CHECK (VALUE BETWEEN -100 AND 100);
CREATE DOMAIN bounded_points AS points CHECK (VALUE <> 13);
CREATE DOMAIN precise_points AS numeric(6, 2);
CREATE DOMAIN stage AS leadqual.lifecycle_stage;
CREATE DOMAIN textual_points AS text;
CREATE TABLE mg_domains (
    id integer PRIMARY KEY,
    score points,
    score2 bounded_points,
    score3 precise_points,
    score4 textual_points,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT lives_ok($$SELECT leadqual.manage('mg_domains')$$, 'a score column of a domain over integer');
INSERT INTO mg_domains (id, score) VALUES (1, 50), (2, 49);
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM mg_domains ORDER BY id$$, $$VALUES (1, 'mql'), (2, 'lead')$$,
                  'domain score: 50 is promoted, 49 is not');
SELECT lives_ok($$SELECT leadqual.manage('mg_domains', score_column => 'score2')$$, 'a score column of a domain over a domain');
INSERT INTO mg_domains (id, score2) VALUES (3, 50), (4, 49);
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM mg_domains WHERE id IN (3, 4) ORDER BY id$$,
                  $$VALUES (3, 'mql'), (4, 'lead')$$, 'domain over a domain: 50 is promoted, 49 is not');
SELECT lives_ok($$SELECT leadqual.manage('mg_domains', score_column => 'score3', threshold => 10.25)$$,
                'a score column of a domain over numeric(6,2)');
INSERT INTO mg_domains (id, score3) VALUES (5, 10.25), (6, 10.24);
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM mg_domains WHERE id IN (5, 6) ORDER BY id$$,
                  $$VALUES (5, 'mql'), (6, 'lead')$$, 'domain over numeric: 10.25 is promoted, 10.24 is not');
SELECT is(pg_temp.last_move('mg_domains', '5'), 'NULL>mql promotion score=10.25 reason=NULL by=' || current_user,
          'domain over numeric: the score is logged');
SELECT throws_ok($$SELECT leadqual.manage('mg_domains', score_column => 'score4')$$, '42804', NULL,
                 'a score column of a domain over text: datatype_mismatch');

-- manage() counts a domain over leadqual.lifecycle_stage as the stage type
CREATE TABLE mg_domain_stage (id integer PRIMARY KEY, score integer, lifecycle_stage stage NOT NULL DEFAULT 'lead');
SELECT lives_ok($$SELECT leadqual.manage('mg_domain_stage')$$, 'a stage column of a domain over leadqual.lifecycle_stage');
SELECT lives_ok($$INSERT INTO mg_domain_stage VALUES (1, 50), (2, 10)$$, 'leads inserted into it');
SELECT lives_ok($$UPDATE mg_domain_stage SET lifecycle_stage = 'sql' WHERE id = 2$$, 'a lead moved by hand in it');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM mg_domain_stage ORDER BY id$$,
                  $$VALUES (1, 'mql'), (2, 'sql')$$, 'domain stage: the lead with 50 is promoted, the other moved');
SELECT is(pg_temp.moves('mg_domain_stage', '2'), '{"NULL>lead manual","lead>sql manual"}', 'domain stage: the moves are logged');

------------------------------------------------------------------------------
-- Ordinary roles manage their own tables, not others'
------------------------------------------------------------------------------

CREATE ROLE lq_tap_manage_owner;
CREATE ROLE lq_tap_manage_other;
GRANT CREATE ON SCHEMA public TO lq_tap_manage_owner;
SET LOCAL ROLE lq_tap_manage_owner;
CREATE TABLE mg_own (id integer PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT lives_ok($$SELECT leadqual.manage('mg_own', threshold => 10)$$, 'an ordinary role manages its own table');
INSERT INTO mg_own VALUES (1, 15);
RESET ROLE;
SELECT is(pg_temp.last_move('mg_own', '1'), 'NULL>mql promotion score=15 reason=NULL by=lq_tap_manage_owner',
          'its leads are promoted and logged');
SET LOCAL ROLE lq_tap_manage_other;
SELECT throws_ok($$SELECT leadqual.manage('mg_own')$$, '42501', NULL, 'another ordinary role cannot manage it');
SELECT throws_ok($$SELECT leadqual.unmanage('mg_own')$$, '42501', NULL, 'nor unmanage it');
RESET ROLE;
SELECT results_eq($$SELECT threshold FROM leadqual.managed WHERE leads = 'mg_own'::regclass$$, $$VALUES (10::numeric)$$,
                  'its settings are unchanged');
SET LOCAL ROLE lq_tap_manage_owner;
SELECT lives_ok($$SELECT leadqual.manage('mg_own', threshold => 20)$$, 'the owner re-manages its table with new settings');
RESET ROLE;
SELECT results_eq($$SELECT threshold FROM leadqual.managed WHERE leads = 'mg_own'::regclass$$, $$VALUES (20::numeric)$$,
                  'leadqual.managed shows the owner''s new settings');
SET LOCAL ROLE lq_tap_manage_owner;
SELECT lives_ok($$SELECT leadqual.unmanage('mg_own')$$, 'the owner unmanages its table');
RESET ROLE;
SELECT is((SELECT count(*) FROM leadqual.managed WHERE leads = 'mg_own'::regclass), 0::bigint,
          'leadqual.managed no longer lists it');

------------------------------------------------------------------------------
-- The stage column cannot be retyped behind leadqual's back
------------------------------------------------------------------------------

CREATE TYPE mg_two_stages AS ENUM ('lead', 'mql');
CREATE TABLE mg_retyped (id integer PRIMARY KEY, score integer,
                         lifecycle_stage leadqual.lifecycle_stage NOT NULL);
SELECT FROM leadqual.manage('mg_retyped');
SELECT throws_ok($$ALTER TABLE mg_retyped ALTER COLUMN lifecycle_stage TYPE mg_two_stages
                   USING lifecycle_stage::text::mg_two_stages$$, '0A000', NULL,
                 'retyping the stage column of a managed table: feature_not_supported (its logging trigger depends on it)');
SELECT lives_ok($$INSERT INTO mg_retyped VALUES (1, 60, 'lead')$$, 'the table still takes writes');
SELECT is(pg_temp.moves('mg_retyped', '1'), '{"NULL>mql promotion"}', 'and is still managed as it was');

------------------------------------------------------------------------------
-- Partitions are managed through their partitioned table
------------------------------------------------------------------------------

CREATE TABLE mg_parted (id integer, region text, score integer NOT NULL DEFAULT 0,
                        lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                        PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE mg_parted_eu PARTITION OF mg_parted FOR VALUES IN ('eu');
SELECT FROM leadqual.manage('mg_parted');
SELECT throws_ok($$SELECT leadqual.manage('mg_parted_eu')$$, '55000', NULL,
                 'a partition of a managed table cannot be managed on its own: object_not_in_prerequisite_state');

SELECT * FROM finish();
ROLLBACK;
