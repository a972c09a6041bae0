-- A deleted lead: its deletion is logged, its open SLA clocks stop
-- ('lead_deleted', cancelled when not yet due), its history is retired under
-- an id of its own, and a new lead given its id starts a fresh history that
-- no report joins to the old one.  TRUNCATE retires every lead; a row moved
-- between partitions is no deletion; ids of retired histories are refused.
\ir helpers/setup.psql

SELECT plan(52);

-- The retired id of a lead's newest deletion, NULL if none.
CREATE FUNCTION pg_temp.retired(leads regclass, lead_id text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT t.lead_id FROM leadqual.transition AS t
    WHERE t.lead_table = $1 AND t.via = 'deletion' AND t.lead_id LIKE 'deleted:%:' || $2
    ORDER BY t.id DESC LIMIT 1
$$;

CREATE TABLE dl_leads (
    id bigint PRIMARY KEY,
    email text,
    title text,
    company_size integer,
    industry text,
    owner text,
    score integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
INSERT INTO leadqual.owner (name) VALUES ('dl_ann');
SELECT FROM leadqual.manage('dl_leads', model => 'default', owner_column => 'owner');
SELECT is((SELECT array_agg(tgname::text ORDER BY tgname) FROM pg_trigger
           WHERE tgrelid = 'dl_leads'::regclass AND NOT tgisinternal),
          '{leadqual_log_delete,leadqual_log_insert,leadqual_log_truncate,leadqual_log_update,leadqual_qualify}',
          'manage() attaches the deletion triggers with the others');
SELECT is((SELECT enabled FROM leadqual.managed WHERE leads = 'dl_leads'::regclass), true,
          'leadqual.managed counts all five triggers as enabled');

------------------------------------------------------------------------------
-- Deleting a lead with a history
------------------------------------------------------------------------------

INSERT INTO dl_leads (id, email, title) VALUES (42, 'x@example.com', 'CEO'), (43, 'y@example.com', 'CEO');
SELECT FROM leadqual.track('dl_leads', '42', 'demo_request');
SELECT FROM leadqual.touch('dl_leads', '43');
SELECT FROM leadqual.track('dl_leads', '43', 'demo_request');
SELECT is(pg_temp.moves('dl_leads', '42'), '{"NULL>lead manual","lead>mql promotion"}',
          'lead 42 was inserted and promoted');
SELECT is(pg_temp.kept_rows('dl_leads', '42'),
          'transition 2, sla_clock 1, assignment 1, score_change 2, event 1, lead_score 1, engagement_state 1',
          'leadqual keeps its log, clock, assignment, score history, event, subtotals and state');
SELECT FROM leadqual.touch('dl_leads', '42', 'email', now() - interval '1 day');

DELETE FROM dl_leads WHERE id = 42;
SELECT is(pg_temp.kept_rows('dl_leads', '42'), '', 'nothing of lead 42 is kept under its id any more');
SELECT matches(pg_temp.retired('dl_leads', '42'), '^deleted:[0-9]+:42$',
               'its history is retired under deleted:<log id>:42');
SELECT is(pg_temp.retired('dl_leads', '42'),
          'deleted:' || (SELECT max(id) FROM leadqual.transition WHERE via = 'deletion') || ':42',
          'the retired id names the deletion''s own log row');
SELECT is(pg_temp.kept_rows('dl_leads', pg_temp.retired('dl_leads', '42')),
          'transition 3, sla_clock 1, touch 1, assignment 1, score_change 2',
          'the log, clock, touch, assignment and score history moved to it; events, subtotals and state are gone');
SELECT is(pg_temp.last_move('dl_leads', pg_temp.retired('dl_leads', '42')),
          'mql> deletion score=70 reason=NULL by=' || current_user,
          'the deletion is logged: from its stage to none, with its score and who deleted it');
SELECT is((SELECT owner FROM leadqual.transition WHERE lead_id = pg_temp.retired('dl_leads', '42') AND via = 'deletion'),
          'dl_ann', 'with the owner it had');
SELECT results_eq($$SELECT stopped_by::text, stopped_at = (SELECT changed_at FROM leadqual.transition
                                                           WHERE lead_id = pg_temp.retired('dl_leads', '42') AND via = 'deletion'),
                           business_time IS NOT NULL, touch_id IS NULL
                    FROM leadqual.sla_clock WHERE lead_id = pg_temp.retired('dl_leads', '42')$$,
                  $$VALUES ('lead_deleted', true, true, true)$$,
                  'its open clock stopped at the deletion, by lead_deleted, with the business time it ran');
SELECT is((SELECT state::text FROM leadqual.sla_status WHERE lead_id = pg_temp.retired('dl_leads', '42')),
          'cancelled', 'a clock deleted before it was due is cancelled, neither met nor breached');
SELECT is((SELECT count(*) FROM leadqual.sla_breaches WHERE lead_id LIKE 'deleted:%'), 0::bigint,
          'sla_breaches shows no cancelled clock');
SELECT results_eq($$SELECT clocks, met, breached, open, cancelled, pct_met FROM leadqual.sla_compliance WHERE policy = 'mql'$$,
                  $$VALUES (2::bigint, 0::bigint, 0::bigint, 1::bigint, 1::bigint, NULL::numeric)$$,
                  'sla_compliance counts the cancelled clock apart, and not in % met (43''s is open)');
SELECT results_eq($$SELECT stage::text, next_stage::text, is_current, left_at IS NOT NULL
                    FROM leadqual.stage_history WHERE lead_id = pg_temp.retired('dl_leads', '42') ORDER BY entered_at$$,
                  $$VALUES ('lead', 'mql', false, true), ('mql', NULL, false, true)$$,
                  'stage_history: the deletion ends the last stay and is no stay itself');
SELECT throws_ok($$SELECT leadqual.touch('dl_leads', '42')$$, 'P0002', NULL,
                 'touch() of the deleted lead fails: it is gone');

------------------------------------------------------------------------------
-- Its id given to a new lead
------------------------------------------------------------------------------

INSERT INTO dl_leads (id, email, title) VALUES (42, 'z@example.com', 'Student');
SELECT is(pg_temp.moves('dl_leads', '42'), '{"NULL>lead manual"}',
          'the new lead 42 starts a fresh history');
SELECT results_eq($$SELECT stage::text, visit, is_current FROM leadqual.stage_history
                    WHERE lead_table = 'dl_leads'::regclass AND lead_id = '42'$$,
                  $$VALUES ('lead', 1::bigint, true)$$,
                  'stage_history shows its one stay, the first visit, not a move back from mql');
SELECT is((SELECT fit FROM leadqual.lead_score WHERE lead_table = 'dl_leads'::regclass AND lead_id = '42'),
          (SELECT leadqual._fit('dl_leads', l) FROM dl_leads AS l WHERE id = 42),
          'its score is its own, from no event of the old lead');
SELECT is((SELECT engagement FROM leadqual.lead_score WHERE lead_table = 'dl_leads'::regclass AND lead_id = '42'),
          0::numeric, 'no engagement: the old lead''s events went with it');
SELECT is((SELECT reached FROM leadqual.funnel WHERE lead_table = 'dl_leads'::regclass AND mode = 'in_order' AND stage = 'lead'),
          3::bigint, 'the funnel counts the old and the new lead 42 apart (and 43)');
SELECT is((SELECT reached FROM leadqual.funnel WHERE lead_table = 'dl_leads'::regclass AND mode = 'in_order' AND stage = 'mql'),
          2::bigint, 'the old lead 42 still counts as having reached mql');
SELECT is((SELECT count(*) FROM leadqual.sla_clock WHERE lead_table = 'dl_leads'::regclass AND lead_id = '42'),
          0::bigint, 'no clock of the old lead runs for the new one');

------------------------------------------------------------------------------
-- A clock already late when its lead is deleted
------------------------------------------------------------------------------

UPDATE leadqual.sla_clock SET due_at = started_at + interval '1 microsecond'
WHERE lead_table = 'dl_leads'::regclass AND lead_id = '43' AND stopped_at IS NULL;
SELECT is((SELECT state::text FROM leadqual.sla_status WHERE lead_table = 'dl_leads'::regclass AND lead_id = '43'),
          'open_breached', 'lead 43''s clock is past due');
DELETE FROM dl_leads WHERE id = 43;
SELECT is((SELECT state::text FROM leadqual.sla_status WHERE lead_id = pg_temp.retired('dl_leads', '43')),
          'breached', 'deleted late, it stays breached');
SELECT is((SELECT count(*) FROM leadqual.sla_breaches WHERE lead_id = pg_temp.retired('dl_leads', '43') AND state = 'breached'),
          1::bigint, 'and sla_breaches shows it, with its lead''s retired id');
SELECT is(pg_temp.kept_rows('dl_leads', pg_temp.retired('dl_leads', '43')),
          'transition 3, sla_clock 1, touch 1, assignment 1, score_change 2',
          'its touch from before its promotion moved too');

------------------------------------------------------------------------------
-- Many at once, and TRUNCATE
------------------------------------------------------------------------------

INSERT INTO dl_leads (id, email) SELECT g, 'm' || g || '@example.com' FROM generate_series(100, 149) AS g;
DELETE FROM dl_leads WHERE id BETWEEN 100 AND 139;
SELECT is((SELECT count(DISTINCT lead_id) FROM leadqual.transition
           WHERE lead_table = 'dl_leads'::regclass AND via = 'deletion' AND lead_id ~ ':1[0-3][0-9]$'),
          40::bigint, 'a DELETE of 40 leads retires each under its own id');
SELECT is((SELECT count(*) FROM leadqual.lead_score WHERE lead_table = 'dl_leads'::regclass), 11::bigint,
          'their subtotals are gone; the 11 leads left keep theirs');
SELECT max(id) AS before_truncate FROM leadqual.transition \gset
TRUNCATE dl_leads;
SELECT is((SELECT count(*) FROM leadqual.transition
           WHERE lead_table = 'dl_leads'::regclass AND lead_id NOT LIKE 'deleted:%'), 0::bigint,
          'TRUNCATE retires every lead left');
SELECT results_eq(format($$SELECT from_stage::text, count(*) FROM leadqual.transition
                           WHERE lead_table = 'dl_leads'::regclass AND via = 'deletion' AND id > %s
                           GROUP BY 1$$, :before_truncate),
                  $$VALUES ('lead', 11::bigint)$$,
                  'each of the 11 logged as deleted from the stage it last logged');
SELECT is((SELECT count(*) FROM leadqual.engagement_state WHERE lead_table = 'dl_leads'::regclass), 0::bigint,
          'and nothing of theirs is kept for scoring');
TRUNCATE dl_leads;
SELECT is((SELECT count(*) FROM leadqual.transition WHERE lead_table = 'dl_leads'::regclass AND via = 'deletion'),
          53::bigint, 'TRUNCATE of an empty table retires nothing more');

------------------------------------------------------------------------------
-- Ids leadqual reserves
------------------------------------------------------------------------------

CREATE TABLE dl_text (id text PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('dl_text');
INSERT INTO dl_text VALUES ('a''); DROP TABLE dl_text; --', 10);
DELETE FROM dl_text;
SELECT is((SELECT count(*) FROM leadqual.transition WHERE lead_id = 'deleted:' || split_part(lead_id, ':', 2) || ':a''); DROP TABLE dl_text; --'),
          2::bigint, 'an id with quotes and SQL in it is retired as it is');
SELECT fingerprint FROM (SELECT pg_temp.fingerprint() AS fingerprint) AS f \gset before_
SELECT throws_ok($$INSERT INTO dl_text VALUES ('deleted:1:x', 10)$$, '42939',
                 'leadqual: lead id "deleted:1:x" of table public.dl_text is reserved',
                 'a lead inserted under a retired id is refused');
SELECT throws_ok($$INSERT INTO dl_text VALUES ('erased:7', 10)$$, '42939', NULL,
                 'so is one under an erased id');
SELECT is(pg_temp.fingerprint(), :'before_fingerprint', 'the refusals changed nothing');
SELECT lives_ok($$INSERT INTO dl_text VALUES ('Deleted:1', 10), ('x deleted:1', 10)$$,
                'ids that merely contain the words are fine');

------------------------------------------------------------------------------
-- Rows moved between partitions are not deleted leads
------------------------------------------------------------------------------

CREATE TABLE dl_parts (id integer, region text, score integer,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead') PARTITION BY LIST (region);
CREATE TABLE dl_eu PARTITION OF dl_parts FOR VALUES IN ('eu');
CREATE TABLE dl_us PARTITION OF dl_parts FOR VALUES IN ('us');
SELECT FROM leadqual.manage('dl_parts');
INSERT INTO dl_parts VALUES (1, 'eu', 60), (2, 'eu', 10);
UPDATE dl_parts SET region = 'us' WHERE id = 1;
SELECT is(pg_temp.moves('dl_parts', '1'), '{"NULL>mql promotion"}',
          'a lead moved to another partition keeps its history, undeleted');
DELETE FROM dl_eu WHERE id = 2;
SELECT is(pg_temp.moves('dl_parts', '2'), '{}', 'a DELETE straight from a partition retires the lead');
SELECT is((SELECT count(*) FROM leadqual.transition WHERE lead_table = 'dl_parts'::regclass AND via = 'deletion'),
          1::bigint, 'under the root table, once');

------------------------------------------------------------------------------
-- Misuse of the trigger function
------------------------------------------------------------------------------

SELECT throws_ok($$SELECT leadqual.log_deletion()$$, '39P01', NULL,
                 'log_deletion() cannot be called directly');
CREATE TABLE dl_plain (id integer, score integer, lifecycle_stage leadqual.lifecycle_stage);
CREATE TRIGGER t AFTER DELETE ON dl_plain FOR EACH ROW EXECUTE FUNCTION leadqual.log_deletion();
INSERT INTO dl_plain VALUES (1, 0, 'lead');
SELECT throws_ok($$DELETE FROM dl_plain$$, '55000',
                 'leadqual.log_deletion: table public.dl_plain is not managed by leadqual',
                 'on a table leadqual does not manage it refuses to run');
DROP TRIGGER t ON dl_plain;
CREATE TRIGGER t AFTER DELETE ON dl_text FOR EACH STATEMENT EXECUTE FUNCTION leadqual.log_deletion();
SELECT throws_ok($$DELETE FROM dl_text$$, '39P01', NULL, 'a DELETE statement trigger is misattached');
DROP TRIGGER t ON dl_text;
CREATE TRIGGER t BEFORE DELETE ON dl_text FOR EACH ROW EXECUTE FUNCTION leadqual.log_deletion();
SELECT throws_ok($$DELETE FROM dl_text$$, '39P01', NULL, 'so is a BEFORE DELETE one');
DROP TRIGGER t ON dl_text;

------------------------------------------------------------------------------
-- A role that may delete leads, and nothing of leadqual's
------------------------------------------------------------------------------

CREATE ROLE lq_tap_dl_app;
CREATE ROLE lq_tap_dl_rls;
GRANT SELECT, INSERT, UPDATE, DELETE ON dl_text TO lq_tap_dl_app, lq_tap_dl_rls;
INSERT INTO dl_text VALUES ('app1', 60), ('rls1', 60), ('rls2', 60);
ALTER TABLE dl_text ENABLE ROW LEVEL SECURITY;
CREATE POLICY all_rows ON dl_text TO lq_tap_dl_app USING (true);
CREATE POLICY own_rows ON dl_text TO lq_tap_dl_rls USING (id = 'rls1');
SET ROLE lq_tap_dl_app;
SELECT throws_ok($$INSERT INTO leadqual.transition (lead_table, lead_id, to_stage, via) VALUES ('dl_text', 'x', 'lead', 'manual')$$,
                 '42501', NULL, 'the app role cannot write the log itself');
SELECT lives_ok($$DELETE FROM dl_text WHERE id = 'app1'$$, 'it may delete a lead');
RESET ROLE;
SELECT is((SELECT format('%s by %s', from_stage, changed_by) FROM leadqual.transition
           WHERE lead_id = pg_temp.retired('dl_text', 'app1') AND via = 'deletion'),
          'mql by lq_tap_dl_app', 'leadqual logged that role''s deletion, as that role');
SET ROLE lq_tap_dl_rls;
SELECT lives_ok($$DELETE FROM dl_text$$, 'a role row security restricts deletes the one lead it sees');
SELECT is((SELECT count(*) FROM leadqual.transition WHERE lead_table = 'dl_text'::regclass AND via = 'deletion'),
          0::bigint, 'it sees no retired history, its own included: no row of the table has that id');
RESET ROLE;
SELECT results_eq($$SELECT id FROM dl_text ORDER BY id$$, $$VALUES ('Deleted:1'), ('rls2'), ('x deleted:1')$$,
                  'rls1 alone was deleted');
SELECT ok(pg_temp.retired('dl_text', 'rls1') IS NOT NULL AND pg_temp.retired('dl_text', 'rls2') IS NULL,
          'and rls1 alone retired');

SELECT * FROM finish();
ROLLBACK;
