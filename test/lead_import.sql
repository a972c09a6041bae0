-- leadqual.import_history(): the history leads had before leadqual, brought
-- in from staging relations.  The log rows it writes (via 'import', in
-- order of time, with the owner of the time), the SLA clocks it replays
-- (due, met and breached in business time from the real times), every
-- check that refuses a row (named, with nothing written), running it again
-- (nothing added), and who may run it.  Live changes carry on from the
-- imported history.
\ir helpers/setup.psql

SELECT plan(53);

CREATE TABLE im_leads (
    id integer PRIMARY KEY,
    score integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    owner text
);
-- The leads as the CRM has them today, loaded before leadqual manages the
-- table: no log rows of their own.
INSERT INTO im_leads (id, lifecycle_stage, owner) VALUES
    (1, 'sql', 'ann'), (2, 'recycled', 'cy'), (3, 'mql', NULL), (4, 'sql', NULL), (5, 'lead', NULL),
    (6, 'mql', NULL);
SELECT FROM leadqual.manage('im_leads', owner_column => 'owner');
-- Besides the built-in 4-hour policy on mql (weekdays 09:00-17:00 UTC, from
-- the stage entry, stopped by either): one on sql that starts with an
-- owner, one on sal that only a touch stops.
INSERT INTO leadqual.sla_policy (name, stage, target, calendar, starts_on, stops_on) VALUES
    ('im_sql_owner', 'sql', '2 hours', 'weekdays_9_17', 'owner_assignment', 'either'),
    ('im_sal_touch', 'sal', '1 hour', '24x7', 'stage_entry', 'first_touch');

CREATE TABLE im_transitions (lead_id text, from_stage text, to_stage text, changed_at timestamptz,
                             changed_by text, reason text);
-- 2026-10-01 is a Thursday.
INSERT INTO im_transitions VALUES
    ('1', NULL, 'lead', '2026-10-01 10:00+00', 'hubspot', NULL),
    ('1', NULL, 'mql',  '2026-10-02 16:00+00', 'hubspot', NULL),
    ('1', 'mql', 'sql', '2026-10-05 10:00+00', 'hubspot', NULL),
    ('2', NULL, 'mql',  '2026-10-06 16:30+00', NULL, NULL),
    ('2', NULL, 'recycled', '2026-10-08 10:00+00', NULL, 'no_response'),
    ('3', NULL, 'mql',  '2026-11-30 09:00+00', NULL, NULL),
    ('4', 'mql', 'sal', '2026-10-12 08:00+00', NULL, NULL),
    ('4', 'sal', 'sql', '2026-10-13 08:00+00', NULL, NULL);
CREATE TABLE im_assignments (lead_id text, owner text, assigned_at timestamptz);
INSERT INTO im_assignments VALUES ('1', 'bea', '2026-10-01 10:00+00'), ('1', NULL, '2026-10-02 12:00+00'),
                                  ('1', 'ann', '2026-10-05 11:00+00'), ('2', 'cy', '2026-10-06 12:00+00');
CREATE TABLE im_touches (lead_id text, kind text, touched_at timestamptz, actor text);
INSERT INTO im_touches VALUES
    ('1', 'call', '2026-10-05 09:30+00', 'bea'),
    ('1', 'email', '2026-10-05 14:00+00', 'ann'),
    ('4', 'call', '2026-10-14 10:00+00', NULL);

-- What an import could write, as one text: the table's rows in leadqual's
-- per-lead tables, and everything pg_temp.fingerprint() covers.
CREATE FUNCTION pg_temp.written() RETURNS text
LANGUAGE sql AS $$
    SELECT concat_ws(' ', pg_temp.fingerprint(),
        (SELECT count(*) FROM leadqual.transition WHERE lead_table = 'im_leads'::regclass),
        (SELECT count(*) FROM leadqual.assignment WHERE lead_table = 'im_leads'::regclass),
        (SELECT count(*) FROM leadqual.touch WHERE lead_table = 'im_leads'::regclass),
        (SELECT count(*) FROM leadqual.sla_clock WHERE lead_table = 'im_leads'::regclass))
$$;
-- A lead's clocks, as 'policy owner started due stopped by business_time'
-- in UTC, in order of start.
CREATE FUNCTION pg_temp.clocks(lead text) RETURNS text[]
LANGUAGE sql AS $$
    SELECT array_agg(concat_ws(' ', c.policy, coalesce(c.owner, '-'),
                               to_char(c.started_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI'),
                               to_char(c.due_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI'),
                               coalesce(to_char(c.stopped_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI'), 'open'),
                               coalesce(c.stopped_by::text, '-'), coalesce(c.business_time::text, '-'))
                     ORDER BY c.started_at, c.policy)
    FROM leadqual.sla_clock AS c WHERE c.lead_table = 'im_leads'::regclass AND c.lead_id = lead
$$;

------------------------------------------------------------------------------
-- Who may import, and what the arguments must be
------------------------------------------------------------------------------

CREATE ROLE lq_tap_im_app;
GRANT SELECT, UPDATE ON im_leads TO lq_tap_im_app;
GRANT SELECT ON im_transitions, im_assignments, im_touches TO lq_tap_im_app;
CREATE ROLE lq_tap_im_migrator;
GRANT SELECT, UPDATE ON im_leads TO lq_tap_im_migrator;
GRANT SELECT ON im_transitions, im_assignments, im_touches TO lq_tap_im_migrator;
GRANT EXECUTE ON FUNCTION leadqual.import_history(regclass, regclass, regclass, regclass) TO lq_tap_im_migrator;
CREATE ROLE lq_tap_im_reader;
GRANT SELECT ON im_leads, im_transitions TO lq_tap_im_reader;
CREATE ROLE lq_tap_im_writer;
GRANT UPDATE ON im_leads TO lq_tap_im_writer;
GRANT SELECT ON im_transitions TO lq_tap_im_writer;
GRANT EXECUTE ON FUNCTION leadqual.import_history(regclass, regclass, regclass, regclass) TO lq_tap_im_writer;
GRANT EXECUTE ON FUNCTION leadqual.import_history(regclass, regclass, regclass, regclass) TO lq_tap_im_reader;

SELECT ok(NOT has_function_privilege('lq_tap_im_app', 'leadqual.import_history(regclass, regclass, regclass, regclass)', 'EXECUTE'),
          'import_history() is not for PUBLIC: writing the past is for a role granted it');
SET ROLE lq_tap_im_reader;
SELECT throws_ok($$SELECT * FROM leadqual.import_history('im_leads', 'im_transitions')$$, '42501',
                 'leadqual.import_history: permission denied for table public.im_leads',
                 'a role granted it still needs UPDATE on the table');
RESET ROLE;
SET ROLE lq_tap_im_writer;
SELECT throws_ok($$SELECT * FROM leadqual.import_history('im_leads', 'im_transitions')$$, '42501',
                 'leadqual.import_history: permission denied for table public.im_leads',
                 'and SELECT, to read the leads'' stages');
RESET ROLE;
SELECT throws_ok($$SELECT * FROM leadqual.import_history(NULL, 'im_transitions')$$, '22004', NULL,
                 'a NULL table is refused');
CREATE TABLE im_plain (id integer PRIMARY KEY);
SELECT throws_ok($$SELECT * FROM leadqual.import_history('im_plain', 'im_transitions')$$, '55000', NULL,
                 'a table leadqual does not manage is refused');
CREATE TABLE im_no_stage (lead_id text, changed_at timestamptz);
SELECT throws_ok($$SELECT * FROM leadqual.import_history('im_leads', 'im_no_stage')$$, '42703',
                 'leadqual.import_history: transitions relation public.im_no_stage has no column "to_stage"',
                 'a staging relation without a required column is refused, naming it');
SELECT results_eq($$SELECT relation::text, imported, skipped FROM leadqual.import_history('im_leads')$$,
                  $$VALUES ('leadqual.transition', 0::bigint, 0::bigint), ('leadqual.assignment', 0, 0),
                           ('leadqual.touch', 0, 0), ('leadqual.sla_clock', 0, 0)$$,
                  'with nothing to import, the receipt counts nothing');

------------------------------------------------------------------------------
-- Rows refused: the first bad row fails the whole import, named
------------------------------------------------------------------------------

SELECT pg_temp.written() AS before_refusals \gset
-- Each case adds rows to the good staging data, in a view of its own.
CREATE FUNCTION pg_temp.refused(extra text, kind text DEFAULT 'transitions') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text;
BEGIN
    DROP VIEW IF EXISTS im_bad;
    EXECUTE format('CREATE TEMP VIEW im_bad AS SELECT * FROM im_%s UNION ALL %s', kind, extra);
    BEGIN
        PERFORM * FROM leadqual.import_history('im_leads',
            CASE kind WHEN 'transitions' THEN 'im_bad' ELSE 'im_transitions' END::regclass,
            CASE kind WHEN 'assignments' THEN 'im_bad' ELSE 'im_assignments' END::regclass,
            CASE kind WHEN 'touches' THEN 'im_bad' ELSE 'im_touches' END::regclass);
        RETURN 'ok';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = MESSAGE_TEXT;
        RETURN SQLSTATE || ' ' || state;
    END;
END
$$;

SELECT is(pg_temp.refused($$VALUES (NULL, NULL, 'mql', '2026-10-01'::timestamptz, NULL, NULL)$$),
          '22004 leadqual.import_history: transition 9 of the import has no lead_id',
          'a row without a lead is refused');
SELECT is(pg_temp.refused($$VALUES ('5', NULL, 'hot', '2026-10-01'::timestamptz, NULL, NULL)$$),
          '22P02 leadqual.import_history: transition 9 of the import, of lead "5", has to_stage "hot", which is not a lifecycle stage',
          'a stage leadqual does not have is refused');
SELECT is(pg_temp.refused($$VALUES ('5', NULL, 'lead', NULL::timestamptz, NULL, NULL)$$),
          '22004 leadqual.import_history: transition 9 of the import has no changed_at',
          'a row without a time is refused');
SELECT matches(pg_temp.refused($$VALUES ('5', NULL, 'lead', now() + interval '1 day', NULL, NULL)$$),
          '^22023 .*transition 9 of the import, of lead "5", is dated .*, which is in the future$',
          'a row dated after the import is refused');
SELECT is(pg_temp.refused($$VALUES ('5', NULL, 'lead', '-infinity'::timestamptz, NULL, NULL)$$),
          '22023 leadqual.import_history: transition 9 of the import, of lead "5", is dated -infinity, which is not a finite time',
          'an infinite time is refused');
SELECT is(pg_temp.refused($$VALUES ('77', NULL, 'lead', '2026-10-01 00:00+00'::timestamptz, NULL, NULL)$$),
          'P0002 leadqual.import_history: the transition of lead "77" to lead at 2026-10-01 00:00:00+00 names lead "77", which table public.im_leads does not have',
          'a lead the table does not have is refused');
SELECT is(pg_temp.refused($$VALUES ('3', NULL, 'lead', '2026-12-01 09:00+00'::timestamptz, NULL, NULL)$$),
          '23514 leadqual.import_history: the transition of lead "3" to lead at 2026-12-01 09:00:00+00 moves it backward from mql',
          'a backward move is refused');
SELECT is(pg_temp.refused($$VALUES ('3', NULL, 'disqualified', '2026-12-01 09:00+00'::timestamptz, NULL, NULL)$$),
          '23502 leadqual.import_history: the transition of lead "3" to disqualified at 2026-12-01 09:00:00+00 needs a rejection reason',
          'a move into a detour without a reason is refused');
SELECT is(pg_temp.refused($$VALUES ('3', NULL, 'disqualified', '2026-12-01 09:00+00'::timestamptz, NULL, 'too_small')$$),
          '23503 leadqual.import_history: the transition of lead "3" to disqualified at 2026-12-01 09:00:00+00 has reason "too_small", which is not in leadqual.rejection_reason',
          'a reason leadqual does not know is refused');
SELECT is(pg_temp.refused($$VALUES ('3', NULL, 'sql', '2026-12-01 09:00+00'::timestamptz, NULL, 'no_budget')$$),
          '22023 leadqual.import_history: the transition of lead "3" to sql at 2026-12-01 09:00:00+00 has reason "no_budget", but only a move into recycled or disqualified has one',
          'a reason on a move that takes none is refused');
SELECT is(pg_temp.refused($$VALUES ('3', 'lead', 'sql', '2026-12-01 09:00+00'::timestamptz, NULL, NULL)$$),
          '23514 leadqual.import_history: the transition of lead "3" to sql at 2026-12-01 09:00:00+00 says it left lead, but the transition before it left the lead in mql',
          'a from_stage that breaks the chain is refused');
SELECT is(pg_temp.refused($$VALUES ('3', NULL, 'mql', '2026-12-01 09:00+00'::timestamptz, NULL, NULL)$$),
          '22023 leadqual.import_history: the transition of lead "3" to mql at 2026-12-01 09:00:00+00 does not change its stage',
          'a row that repeats the stage is refused');
SELECT is(pg_temp.refused($$VALUES ('5', NULL, 'mql', '2026-10-01 09:00+00'::timestamptz, NULL, NULL)$$),
          '23514 leadqual.import_history: lead "5" of table public.im_leads is in stage lead, but its last transition imported, at 2026-10-01 09:00:00+00, leaves it in mql',
          'a history that does not end in the lead''s current stage is refused');
SELECT is(pg_temp.refused($$VALUES ('1', 'cy', '2026-10-06 09:00+00'::timestamptz)$$, 'assignments'),
          '23514 leadqual.import_history: lead "1" of table public.im_leads has owner ''ann'', but its last assignment imported, at 2026-10-06 09:00:00+00, gives it ''cy''',
          'assignments that do not end with the lead''s current owner are refused');
SELECT is(pg_temp.refused($$VALUES ('1', '', '2026-10-06 09:00+00'::timestamptz, 'ann')$$, 'touches'),
          '22023 leadqual.import_history: the touch of lead "1" at 2026-10-06 09:00:00+00 has an empty kind',
          'a touch of no kind is refused');
SELECT is(pg_temp.written(), :'before_refusals', 'the refused imports wrote nothing');

------------------------------------------------------------------------------
-- The import
------------------------------------------------------------------------------

-- Read as the caller: a function in the staging view sees who reads it.
CREATE TABLE im_readers (reader name);
GRANT INSERT ON im_readers TO lq_tap_im_migrator;
CREATE FUNCTION im_note_reader() RETURNS boolean LANGUAGE sql VOLATILE
AS $$ INSERT INTO public.im_readers VALUES (current_user) RETURNING true $$;
CREATE VIEW im_transitions_read AS SELECT t.* FROM im_transitions AS t WHERE im_note_reader();
GRANT SELECT ON im_transitions_read TO lq_tap_im_migrator;
SET ROLE lq_tap_im_migrator;
SELECT results_eq($$SELECT relation::text, imported, skipped
                    FROM leadqual.import_history('im_leads', 'im_transitions_read', 'im_assignments', 'im_touches')$$,
                  $$VALUES ('leadqual.transition', 8::bigint, 0::bigint), ('leadqual.assignment', 4, 0),
                           ('leadqual.touch', 3, 0), ('leadqual.sla_clock', 5, 0)$$,
                  'the receipt counts the rows written per table');
RESET ROLE;
SELECT is(ARRAY(SELECT DISTINCT reader::text FROM im_readers), '{lq_tap_im_migrator}',
          'the staging relation is read as the caller, never as the extension''s owner');

SELECT is(pg_temp.moves('im_leads', '1'), '{NULL>lead import,lead>mql import,mql>sql import}',
          'a lead''s transitions are logged via import, each from the stage the one before left');
SELECT is(pg_temp.moves('im_leads', '4'), '{mql>sal import,sal>sql import}',
          'a history may start at a stage the lead entered before it');
SELECT results_eq($$SELECT changed_by::text COLLATE "default", owner, reason FROM leadqual.transition
                    WHERE lead_table = 'im_leads'::regclass AND lead_id IN ('1', '2') ORDER BY id$$,
                  $$VALUES ('hubspot', 'bea', NULL::text), ('hubspot', NULL, NULL), ('hubspot', NULL, NULL),
                           ('lq_tap_im_migrator', 'cy', NULL), ('lq_tap_im_migrator', 'cy', 'no_response')$$,
                  'each row keeps its author (the caller when none is given), reason and the owner of the time, '
                  'which stays until the next assignment');
SELECT results_eq($$SELECT stage::text, entered_at, left_at, is_current FROM leadqual.stage_history
                    WHERE lead_table = 'im_leads'::regclass AND lead_id = '1' ORDER BY entered_at$$,
                  $$VALUES ('lead', '2026-10-01 10:00+00'::timestamptz, '2026-10-02 16:00+00'::timestamptz, false),
                           ('mql', '2026-10-02 16:00+00', '2026-10-05 10:00+00', false),
                           ('sql', '2026-10-05 10:00+00', NULL, true)$$,
                  'stage_history reads the imported stays with their real times');
SELECT results_eq($$SELECT owner, assigned_at, assigned_by::text COLLATE "default", via::text FROM leadqual.assignment
                    WHERE lead_table = 'im_leads'::regclass ORDER BY id$$,
                  $$VALUES ('bea', '2026-10-01 10:00+00'::timestamptz, 'lq_tap_im_migrator', 'import'),
                           (NULL, '2026-10-02 12:00+00', 'lq_tap_im_migrator', 'import'),
                           ('ann', '2026-10-05 11:00+00', 'lq_tap_im_migrator', 'import'),
                           ('cy', '2026-10-06 12:00+00', 'lq_tap_im_migrator', 'import')$$,
                  'the assignments are logged via import');
SELECT results_eq($$SELECT lead_id, kind, touched_at, actor FROM leadqual.touch
                    WHERE lead_table = 'im_leads'::regclass ORDER BY id$$,
                  $$VALUES ('1', 'call', '2026-10-05 09:30+00'::timestamptz, 'bea'),
                           ('1', 'email', '2026-10-05 14:00+00', 'ann'),
                           ('4', 'call', '2026-10-14 10:00+00', 'lq_tap_im_migrator')$$,
                  'the touches are recorded, the caller as the actor when none is given');

-- The clocks, as they would have run.
SELECT is(pg_temp.clocks('1'),
          '{"mql - 10-02 16:00 10-05 12:00 10-05 09:30 touch 01:30:00","im_sql_owner ann 10-05 11:00 10-05 13:00 10-05 14:00 touch 03:00:00"}',
          'a clock starts at the entry, is due in business time over the weekend, and the first touch after it stops it; '
          'one that starts with an owner starts at the first owner after the entry');
SELECT is(pg_temp.clocks('2'), '{"mql cy 10-06 16:30 10-07 12:30 10-08 10:00 stage_exit 09:30:00"}',
          'leaving the stage stops a clock nobody touched, late');
SELECT is(pg_temp.clocks('3'), '{"mql - 11-30 09:00 11-30 13:00 open - -"}',
          'the clock of the stage a lead is still in runs on');
SELECT is(pg_temp.clocks('4'), '{"im_sal_touch - 10-12 08:00 10-12 09:00 10-14 10:00 touch 50:00:00"}',
          'a clock only a touch stops runs past the stage exit to the touch; an owner clock with no owner never starts');
SELECT results_eq($$SELECT lead_id, state::text FROM leadqual.sla_status
                    WHERE lead_table = 'im_leads'::regclass ORDER BY lead_id, policy$$,
                  $$VALUES ('1', 'breached'), ('1', 'met'), ('2', 'breached'), ('3', 'open_breached'), ('4', 'breached')$$,
                  'the SLA reports read the replayed clocks');
SELECT is((SELECT count(*) FROM leadqual.handoff WHERE lead_table = 'im_leads'::regclass), 0::bigint,
          'history hands no lead over again');

------------------------------------------------------------------------------
-- Again: nothing added
------------------------------------------------------------------------------

SELECT pg_temp.written() AS after_import \gset
SELECT results_eq($$SELECT relation::text, imported, skipped
                    FROM leadqual.import_history('im_leads', 'im_transitions', 'im_assignments', 'im_touches')$$,
                  $$VALUES ('leadqual.transition', 0::bigint, 8::bigint), ('leadqual.assignment', 0, 4),
                           ('leadqual.touch', 0, 3), ('leadqual.sla_clock', 0, 0)$$,
                  'importing the same rows again skips them all');
SELECT is(pg_temp.written(), :'after_import', 'and adds nothing');
CREATE TEMP VIEW im_part AS SELECT * FROM im_transitions WHERE lead_id = '2' AND to_stage = 'mql';
SELECT is((SELECT skipped FROM leadqual.import_history('im_leads', 'im_part') WHERE relation = 'leadqual.transition'::regclass),
          1::bigint, 'rows already imported are skipped, even a part of a lead''s history');
SELECT is(pg_temp.refused($$VALUES ('2', NULL, 'sql', '2026-10-20 09:00+00'::timestamptz, NULL, NULL)$$),
          '55000 leadqual.import_history: the history of lead "2" of table public.im_leads was imported before, without the transition of lead "2" to sql at 2026-10-20 09:00:00+00',
          'a lead imported before takes no new rows');
SELECT is(pg_temp.written(), :'after_import', 'and the refusal adds nothing');

------------------------------------------------------------------------------
-- Leads leadqual has logged itself
------------------------------------------------------------------------------

UPDATE im_leads SET lifecycle_stage = 'sql' WHERE id = 6;
SELECT is(pg_temp.refused($$VALUES ('6', NULL, 'mql', '2026-10-01 09:00+00'::timestamptz, NULL, NULL)$$),
          '55000 leadqual.import_history: lead "6" of table public.im_leads has history leadqual logged, so the transition of lead "6" to mql at 2026-10-01 09:00:00+00 cannot be imported before it',
          'history is not imported under what leadqual logged itself');
CREATE TEMP TABLE im_t6 AS SELECT '6'::text AS lead_id, 'call'::text AS kind, now() AS touched_at;
SELECT results_eq($$SELECT relation::text, imported FROM leadqual.import_history('im_leads', touches => 'im_t6')$$,
                  $$VALUES ('leadqual.transition', 0::bigint), ('leadqual.assignment', 0), ('leadqual.touch', 1), ('leadqual.sla_clock', 0)$$,
                  'touches are recorded for any lead, as touch() records them');

------------------------------------------------------------------------------
-- Live changes carry on from the imported history
------------------------------------------------------------------------------

UPDATE im_leads SET lifecycle_stage = 'sal' WHERE id = 3;
SELECT is(pg_temp.last_move('im_leads', '3'), 'mql>sal manual score=0 reason=NULL by=' || current_user,
          'the next change moves on from the imported stage');
SELECT is((SELECT stopped_by::text FROM leadqual.sla_clock WHERE lead_table = 'im_leads'::regclass AND lead_id = '3'
           AND policy = 'mql'), 'stage_exit', 'and stops the imported clock that was still running');
SELECT is((SELECT transition_id > ALL (SELECT id FROM leadqual.transition WHERE lead_id = '3' AND via = 'import')
           FROM leadqual.stage_history WHERE lead_table = 'im_leads'::regclass AND lead_id = '3' AND is_current),
          true, 'the live change follows the imported ones in the log');

------------------------------------------------------------------------------
-- Ids as the table writes them; repair mode
------------------------------------------------------------------------------

CREATE TEMP VIEW im_padded AS VALUES ('0005', NULL, 'subscriber', '2026-09-01 09:00+00'::timestamptz, NULL, NULL),
                                     (' 5', 'subscriber', 'lead', '2026-09-02 09:00+00', NULL, NULL);
CREATE TEMP VIEW im_padded_named AS
    SELECT column1 AS lead_id, column2 AS from_stage, column3 AS to_stage, column4 AS changed_at FROM im_padded;
SELECT is((SELECT imported FROM leadqual.import_history('im_leads', 'im_padded_named') WHERE relation = 'leadqual.transition'::regclass),
          2::bigint, 'ids are matched by the id column''s type, and optional columns may be left out');
SELECT is(pg_temp.moves('im_leads', '5'), '{NULL>subscriber import,subscriber>lead import}',
          'and logged as the table writes them');

CREATE TEMP VIEW im_backward AS
    SELECT * FROM (VALUES ('5', NULL, 'sql', '2026-09-01 09:00+00'::timestamptz),
                          ('5', NULL, 'lead', '2026-09-03 09:00+00')) AS v(lead_id, from_stage, to_stage, changed_at);
CREATE TABLE im_repair (id integer PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                        lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
INSERT INTO im_repair (id) VALUES (5);
SELECT FROM leadqual.manage('im_repair');
SELECT throws_ok($$SELECT * FROM leadqual.import_history('im_repair', 'im_backward')$$, '23514', NULL,
                 'a backward move is refused with the rules on');
SET LOCAL leadqual.enforce_stage_rules = off;
SELECT is((SELECT imported FROM leadqual.import_history('im_repair', 'im_backward') WHERE relation = 'leadqual.transition'::regclass),
          2::bigint, 'with the rules off, as for a repair, the history is imported as it was');
RESET leadqual.enforce_stage_rules;

------------------------------------------------------------------------------
-- Hostile values are values
------------------------------------------------------------------------------

CREATE TABLE im_text (id text PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                      lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
INSERT INTO im_text (id, lifecycle_stage) VALUES ($$x'); DROP TABLE im_text; --$$, 'mql');
SELECT FROM leadqual.manage('im_text');
CREATE TEMP VIEW im_hostile AS
    SELECT $$x'); DROP TABLE im_text; --$$::text AS lead_id, 'mql'::text AS to_stage,
           '2026-11-02 09:00+00'::timestamptz AS changed_at, $$'); DROP TABLE im_text; --$$::text AS changed_by;
SELECT is((SELECT imported FROM leadqual.import_history('im_text', 'im_hostile') WHERE relation = 'leadqual.transition'::regclass),
          1::bigint, 'ids and authors that look like SQL are imported as text');
SELECT is((SELECT changed_by::text FROM leadqual.transition WHERE lead_table = 'im_text'::regclass),
          $$'); DROP TABLE im_text; --$$, 'and stored as given');

SELECT * FROM finish();
ROLLBACK;
