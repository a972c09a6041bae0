-- The transition log: exactly one row per stage change and none otherwise,
-- with the right columns; ordinary roles' changes are logged although they
-- cannot write the log themselves; rows that come in by upserts, COPY and
-- MERGE, or that other BEFORE triggers skip or change, are logged as they
-- were really written, and a rolled-back subtransaction leaves nothing behind.
-- The log, clock and outbox rows go straight into their tables (own_table.c):
-- the tables' constraints and defaults hold, and the tables are opened again
-- after a failed subtransaction or a change to a table's columns.
\ir helpers/setup.psql

SELECT plan(64);

------------------------------------------------------------------------------
-- An ordinary role, with privileges on the leads table only
--
-- This section comes first on purpose: nothing has been logged in this
-- session yet, so the role's own statements are the first to write the
-- log, look up a rejection reason and read a recycled lead's score.
------------------------------------------------------------------------------

CREATE TABLE lg_leads (
    id integer PRIMARY KEY,
    name text,
    score integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
-- rows that predate manage() are not logged
INSERT INTO lg_leads VALUES (1, 'a', 10, 'lead'), (2, 'b', 10, 'lead'), (3, 'c', 70, 'mql');
SELECT FROM leadqual.manage('lg_leads');
SELECT is(pg_temp.log_count('lg_leads'), 0::bigint, 'rows inserted before manage() are not logged');

CREATE ROLE lq_tap_log_rep;
GRANT SELECT, INSERT, UPDATE ON lg_leads TO lq_tap_log_rep;

SET LOCAL ROLE lq_tap_log_rep;
SELECT lives_ok($$UPDATE lg_leads SET score = 60 WHERE id = 1$$,
                'ordinary role: its UPDATE that promotes a lead succeeds (the first log write of the session)');
SET LOCAL leadqual.reason = 'no_budget';
SELECT lives_ok($$UPDATE lg_leads SET lifecycle_stage = 'disqualified' WHERE id = 2$$,
                'ordinary role: its UPDATE that disqualifies a lead with leadqual.reason succeeds');
RESET leadqual.reason;
SELECT lives_ok($$INSERT INTO lg_leads VALUES (4, 'd', 20)$$, 'ordinary role: its INSERT succeeds');
SELECT lives_ok($$SELECT * FROM leadqual.transition$$,
                'ordinary role: it can read the log without further grants');
SELECT lives_ok($$SELECT * FROM leadqual.stage_history$$,
                'ordinary role: it can read leadqual.stage_history without further grants');
RESET ROLE;

SELECT results_eq($$SELECT lead_id, from_stage::text, to_stage::text, via::text, reason, changed_by::text COLLATE "default"
                    FROM leadqual.transition WHERE lead_table = 'lg_leads'::regclass ORDER BY id$$,
                  $$VALUES ('1', 'lead', 'mql', 'promotion', NULL, 'lq_tap_log_rep'),
                           ('2', 'lead', 'disqualified', 'manual', 'no_budget', 'lq_tap_log_rep'),
                           ('4', NULL, 'lead', 'manual', NULL, 'lq_tap_log_rep')$$,
                  'ordinary role: each of its changes is logged once, with changed_by = the role');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM lg_leads ORDER BY id$$,
                  $$VALUES (1, 'mql'), (2, 'disqualified'), (3, 'mql'), (4, 'lead')$$,
                  'ordinary role: its changes took effect');

SELECT FROM leadqual.reject('lg_leads', '3', 'recycled', 'bad_timing');
SET LOCAL ROLE lq_tap_log_rep;
SELECT lives_ok($$UPDATE lg_leads SET score = 80 WHERE id = 3$$,
                'ordinary role: raising a recycled lead''s score past its recycled score succeeds');
RESET ROLE;
SELECT is(pg_temp.last_move('lg_leads', '3'), 'recycled>mql promotion score=80 reason=NULL by=lq_tap_log_rep',
          'ordinary role: the re-qualification is logged');

-- From here the role may use the schema, so what refuses its writes below
-- is the log's own privileges.
GRANT USAGE ON SCHEMA leadqual TO lq_tap_log_rep;
CREATE TEMP TABLE log_before AS SELECT * FROM leadqual.transition;
SET LOCAL ROLE lq_tap_log_rep;
SELECT throws_ok($$UPDATE leadqual.transition SET reason = NULL$$, '42501', NULL,
                 'ordinary role: cannot UPDATE the log');
SELECT throws_ok($$DELETE FROM leadqual.transition$$, '42501', NULL,
                 'ordinary role: cannot DELETE from the log');
SELECT throws_ok($$INSERT INTO leadqual.transition (lead_table, lead_id, to_stage, via)
                   VALUES ('lg_leads', '1', 'customer', 'manual')$$, '42501', NULL,
                 'ordinary role: cannot INSERT into the log');
SELECT throws_ok($$TRUNCATE leadqual.transition$$, '42501', NULL,
                 'ordinary role: cannot TRUNCATE the log');
SELECT throws_ok($$INSERT INTO leadqual.rejection_reason (code, description) VALUES ('because', 'Because')$$,
                 '42501', NULL, 'ordinary role: cannot add rejection reasons');
SELECT lives_ok($$UPDATE lg_leads SET lifecycle_stage = 'sql' WHERE id = 1$$,
                'ordinary role: its own UPDATE still works');
SELECT is((SELECT count(*) FROM leadqual.transition WHERE lead_table = 'lg_leads'::regclass), 6::bigint,
          'ordinary role: sees the whole log of the table, its UPDATE included');
RESET ROLE;
SELECT set_eq($$SELECT * FROM leadqual.transition EXCEPT SELECT * FROM log_before$$,
              $$SELECT t.* FROM leadqual.transition AS t
                WHERE t.lead_table = 'lg_leads'::regclass AND t.lead_id = '1' AND t.to_stage = 'sql'$$,
              'ordinary role: the only new log row is its UPDATE''s; the refused writes changed nothing');
SELECT is(pg_temp.last_move('lg_leads', '1'), 'mql>sql manual score=60 reason=NULL by=lq_tap_log_rep',
          'ordinary role: its UPDATE is logged as its own');

------------------------------------------------------------------------------
-- One row per stage change
------------------------------------------------------------------------------

CREATE TABLE lg2 (
    id integer PRIMARY KEY,
    name text,
    score integer CHECK (score <= 1000),
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT FROM leadqual.manage('lg2');

INSERT INTO lg2 VALUES (1, 'a', 10);
SELECT results_eq($$SELECT lead_table, lead_id, from_stage, to_stage::text, score, changed_by, reason, via::text,
                           changed_at BETWEEN now() AND clock_timestamp()
                    FROM leadqual.transition WHERE lead_table = 'lg2'::regclass$$,
                  $$VALUES ('lg2'::regclass, '1', NULL::leadqual.lifecycle_stage, 'lead', 10::numeric,
                            current_user::name, NULL::text, 'manual', true)$$,
                  'INSERT: one log row, from NULL to lead, with table, id, score, role and time');

UPDATE lg2 SET name = 'A' WHERE id = 1;
SELECT is(pg_temp.log_count('lg2', '1'), 1::bigint, 'no change: an UPDATE of another column logs nothing');
UPDATE lg2 SET score = 20 WHERE id = 1;
SELECT is(pg_temp.log_count('lg2', '1'), 1::bigint, 'no change: a score change below the threshold logs nothing');
UPDATE lg2 SET score = NULL WHERE id = 1;
SELECT is(pg_temp.log_count('lg2', '1'), 1::bigint, 'no change: a score set to NULL logs nothing');
UPDATE lg2 SET lifecycle_stage = 'lead', score = 30 WHERE id = 1;
SELECT is(pg_temp.log_count('lg2', '1'), 1::bigint, 'no change: setting the stage it already has logs nothing');
UPDATE lg2 SET score = score, name = name WHERE id = 1;
SELECT is(pg_temp.log_count('lg2', '1'), 1::bigint, 'no change: an UPDATE that changes nothing logs nothing');
UPDATE lg2 SET lifecycle_stage = 'sql' WHERE id = 1;
SELECT is(pg_temp.moves('lg2', '1'), '{"NULL>lead manual","lead>sql manual"}', 'a move by hand logs exactly one row');
SELECT is(pg_temp.last_move('lg2', '1'), 'lead>sql manual score=30 reason=NULL by=' || current_user,
          'with the score at the time of the move');

INSERT INTO lg2 VALUES (2, 'b', 10);
UPDATE lg2 SET score = 75 WHERE id = 2;
SELECT is(pg_temp.moves('lg2', '2'), '{"NULL>lead manual","lead>mql promotion"}', 'a promotion logs exactly one row');
SELECT is(pg_temp.last_move('lg2', '2'), 'lead>mql promotion score=75 reason=NULL by=' || current_user,
          'with the score that promoted it');
UPDATE lg2 SET score = 20 WHERE id = 2;
UPDATE lg2 SET score = 99 WHERE id = 2;
SELECT is(pg_temp.log_count('lg2', '2'), 2::bigint, 'score changes on an mql log nothing');

INSERT INTO lg2 VALUES (3, 'c', 10, 'subscriber');
UPDATE lg2 SET lifecycle_stage = 'lead', score = 90 WHERE id = 3;
SELECT is(pg_temp.moves('lg2', '3'), '{"NULL>subscriber manual","subscriber>mql promotion"}',
          'a move by hand that also promotes logs one row, from the old stage to the promoted one');

INSERT INTO lg2 VALUES (4, 'd', NULL);
UPDATE lg2 SET lifecycle_stage = 'sal' WHERE id = 4;
SELECT results_eq($$SELECT from_stage::text, to_stage::text, score FROM leadqual.transition
                    WHERE lead_table = 'lg2'::regclass AND lead_id = '4' ORDER BY id$$,
                  $$VALUES (NULL, 'lead', NULL::numeric), ('lead', 'sal', NULL)$$,
                  'a NULL score is logged as NULL');

------------------------------------------------------------------------------
-- Multi-row statements
------------------------------------------------------------------------------

INSERT INTO lg2 VALUES (10, 'j', 10), (11, 'k', 60), (12, 'l', NULL);
SELECT results_eq($$SELECT lead_id, from_stage::text, to_stage::text, via::text FROM leadqual.transition
                    WHERE lead_table = 'lg2'::regclass AND lead_id IN ('10', '11', '12') ORDER BY lead_id$$,
                  $$VALUES ('10', NULL, 'lead', 'manual'), ('11', NULL, 'mql', 'promotion'), ('12', NULL, 'lead', 'manual')$$,
                  'a multi-row INSERT logs one row per inserted row');
CREATE TEMP TABLE lg2_before AS SELECT * FROM leadqual.transition WHERE lead_table = 'lg2'::regclass;
UPDATE lg2 SET score = 55 WHERE id IN (1, 2, 10, 11, 12);
SELECT results_eq($$SELECT lead_id, from_stage::text, to_stage::text, via::text, score FROM leadqual.transition
                    WHERE lead_table = 'lg2'::regclass AND id NOT IN (SELECT id FROM lg2_before) ORDER BY lead_id$$,
                  $$VALUES ('10', 'lead', 'mql', 'promotion', 55::numeric), ('12', 'lead', 'mql', 'promotion', 55)$$,
                  'a multi-row UPDATE logs one row per promoted row and none for the others (sql, mql)');
UPDATE lg2 SET lifecycle_stage = 'sal' WHERE id IN (10, 11, 12);
SELECT is((SELECT count(*) FROM leadqual.transition
           WHERE lead_table = 'lg2'::regclass AND to_stage = 'sal' AND lead_id IN ('10', '11', '12')),
          3::bigint, 'a multi-row move logs one row per moved row');

INSERT INTO lg2 VALUES (20, 't', 10), (21, 'u', 10);
SELECT throws_ok($$UPDATE lg2 SET score = CASE id WHEN 20 THEN 60 ELSE 5000 END WHERE id IN (20, 21)$$, '23514', NULL,
                 'an UPDATE that promotes lead 20 but fails on lead 21''s CHECK constraint');
SELECT is(pg_temp.moves('lg2', '20'), '{"NULL>lead manual"}', 'the failed statement left no log row behind');

DELETE FROM lg2 WHERE id = 2;
SELECT is(pg_temp.log_count('lg2', '2'), 0::bigint,
          'DELETE retires the lead''s history: none is left under its id (test/lead_deletion.sql has the rest)');

------------------------------------------------------------------------------
-- INSERT ... ON CONFLICT (upserts from a marketing tool)
------------------------------------------------------------------------------

INSERT INTO lg2 VALUES (30, 'x', 10);
INSERT INTO lg2 VALUES (30, 'x', 15) ON CONFLICT (id) DO UPDATE SET score = excluded.score;
SELECT is(pg_temp.moves('lg2', '30'), '{"NULL>lead manual"}',
          'upsert: updating an existing lead''s score below the threshold logs nothing');
INSERT INTO lg2 VALUES (30, 'x', 15) ON CONFLICT (id) DO NOTHING;
SELECT is(pg_temp.moves('lg2', '30'), '{"NULL>lead manual"}',
          'upsert: ON CONFLICT DO NOTHING on an existing lead logs nothing');
INSERT INTO lg2 VALUES (30, 'x', 80) ON CONFLICT (id) DO UPDATE SET score = excluded.score;
SELECT is(pg_temp.moves('lg2', '30'), '{"NULL>lead manual","lead>mql promotion"}',
          'upsert: promoting an existing lead logs exactly the promotion');
SELECT is((SELECT lifecycle_stage::text FROM lg2 WHERE id = 30), 'mql', 'upsert: the existing lead is promoted');
INSERT INTO lg2 VALUES (31, 'y', 80) ON CONFLICT (id) DO UPDATE SET score = excluded.score;
SELECT is(pg_temp.moves('lg2', '31'), '{"NULL>mql promotion"}', 'upsert: a new lead is logged as an INSERT');

------------------------------------------------------------------------------
-- Other ways in: conflicts on any constraint, moves by hand, COPY, MERGE,
-- other BEFORE triggers, rolled-back subtransactions
------------------------------------------------------------------------------

CREATE TABLE lg3 (
    id integer PRIMARY KEY,
    email text UNIQUE,
    score integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT FROM leadqual.manage('lg3');

CREATE FUNCTION pg_temp.lg3_log(VARIADIC leads text[]) RETURNS SETOF record
LANGUAGE sql STABLE AS $$
    SELECT t.lead_id, t.from_stage::text, t.to_stage::text, t.score, t.via::text
    FROM leadqual.transition AS t
    WHERE t.lead_table = 'lg3'::regclass AND t.lead_id = ANY (leads)
    ORDER BY t.id
$$;

INSERT INTO lg3 (id, email, score) VALUES (1, 'a@x', 10), (2, 'b@x', 70);
CREATE TEMP TABLE lg3_before AS SELECT * FROM leadqual.transition WHERE lead_table = 'lg3'::regclass;
INSERT INTO lg3 (id, email, score) VALUES (2, 'b@x', 99), (4, 'a@x', 99) ON CONFLICT DO NOTHING;
INSERT INTO lg3 (id, email, score) VALUES (2, 'b@x', 70) ON CONFLICT (id) DO UPDATE SET score = excluded.score;
SELECT results_eq($$SELECT id, score, lifecycle_stage::text FROM lg3 ORDER BY id$$,
                  $$VALUES (1, 10, 'lead'), (2, 70, 'mql')$$,
                  'upsert: DO NOTHING without a target skips rows that conflict on any unique constraint (2 on the key, 4 on the email)');
SELECT set_eq($$SELECT * FROM leadqual.transition WHERE lead_table = 'lg3'::regclass$$, $$SELECT * FROM lg3_before$$,
              'upsert: the skipped rows log nothing, nor does a DO UPDATE that changes nothing');

-- moved into mql by hand: manual, even with a score that would promote
INSERT INTO lg3 (id, email, score, lifecycle_stage) VALUES (8, 'h@x', 80, 'mql');
INSERT INTO lg3 (id, email, score) VALUES (9, 'i@x', 10);
UPDATE lg3 SET score = 90, lifecycle_stage = 'mql' WHERE id = 9;
INSERT INTO lg3 (id, email, score) VALUES (10, 'j@x', 90);
SELECT results_eq($$SELECT * FROM pg_temp.lg3_log('8', '9', '10') AS (lead_id text, from_stage text, to_stage text, score numeric, via text)$$,
                  $$VALUES ('8', NULL, 'mql', 80::numeric, 'manual'), ('9', NULL, 'lead', 10, 'manual'),
                           ('9', 'lead', 'mql', 90, 'manual'), ('10', NULL, 'mql', 90, 'promotion')$$,
                  'a move into mql by hand is logged via manual even when the score would have promoted; the score alone promotes');

COPY lg3 (id, email, score) FROM stdin;
11	k@x	20
12	l@x	75
\.
SELECT results_eq($$SELECT * FROM pg_temp.lg3_log('11', '12') AS (lead_id text, from_stage text, to_stage text, score numeric, via text)$$,
                  $$VALUES ('11', NULL, 'lead', 20::numeric, 'manual'), ('12', NULL, 'mql', 75, 'promotion')$$,
                  'COPY goes through the triggers: each row logged, the one over the threshold promoted');
MERGE INTO lg3 AS l
USING (VALUES (11, 'k@x', 65), (13, 'm@x', 5)) AS s(id, email, score) ON l.id = s.id
WHEN MATCHED THEN UPDATE SET score = s.score
WHEN NOT MATCHED THEN INSERT (id, email, score) VALUES (s.id, s.email, s.score);
SELECT results_eq($$SELECT * FROM pg_temp.lg3_log('11', '13') AS (lead_id text, from_stage text, to_stage text, score numeric, via text)$$,
                  $$VALUES ('11', NULL, 'lead', 20::numeric, 'manual'), ('11', 'lead', 'mql', 65, 'promotion'),
                           ('13', NULL, 'lead', 5, 'manual')$$,
                  'MERGE goes through the triggers: its UPDATE promotes and is logged, its INSERT is logged');

-- another BEFORE trigger, firing after leadqual_qualify, skips a row
CREATE FUNCTION pg_temp.skip_spam() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN IF NEW.email LIKE '%spam%' THEN RETURN NULL; END IF; RETURN NEW; END$$;
CREATE TRIGGER z_skip_spam BEFORE INSERT OR UPDATE ON lg3 FOR EACH ROW EXECUTE FUNCTION pg_temp.skip_spam();
INSERT INTO lg3 (id, email, score) VALUES (5, 'spam@x', 90);
SELECT is(pg_temp.log_count('lg3', '5'), 0::bigint,
          'a row that another BEFORE trigger, firing after leadqual_qualify, skips is not logged');
DROP TRIGGER z_skip_spam ON lg3;

-- ... or changes the stage itself: the rules still hold, and the log shows it
CREATE FUNCTION pg_temp.vip() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN IF NEW.email LIKE 'vip%' THEN NEW.lifecycle_stage := 'sql'; END IF; RETURN NEW; END$$;
CREATE FUNCTION pg_temp.demote() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN IF NEW.email LIKE 'demote%' THEN NEW.lifecycle_stage := 'lead'; END IF; RETURN NEW; END$$;
CREATE TRIGGER z_vip BEFORE INSERT OR UPDATE ON lg3 FOR EACH ROW EXECUTE FUNCTION pg_temp.vip();
CREATE TRIGGER z_z_demote BEFORE UPDATE ON lg3 FOR EACH ROW EXECUTE FUNCTION pg_temp.demote();
INSERT INTO lg3 (id, email) VALUES (6, 'vip@x');
SELECT is(pg_temp.moves('lg3', '6'), '{"NULL>sql manual"}',
          'a stage another BEFORE trigger sets after leadqual_qualify is logged as it was written');
SELECT throws_ok($$UPDATE lg3 SET email = 'demote@x' WHERE id = 2$$, '23514', NULL,
                 'a backward move another BEFORE trigger makes after leadqual_qualify is refused');
SELECT is(pg_temp.moves('lg3', '2'), '{"NULL>mql promotion"}', 'and logs nothing');
DROP TRIGGER z_vip ON lg3;
DROP TRIGGER z_z_demote ON lg3;

-- A decision left behind by a rolled-back subtransaction is not reused.  The
-- AFTER trigger fail_on_7 sorts before leadqual_log_update, so it fails the
-- promoting UPDATE after leadqual_qualify decided the promotion and before
-- the log consumed it; throws_ok() runs the UPDATE in a subtransaction, which
-- is rolled back.
CREATE FUNCTION pg_temp.fail_on_7() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN IF NEW.id = 7 AND NEW.score > 60 THEN RAISE EXCEPTION 'no'; END IF; RETURN NEW; END$$;
CREATE TRIGGER fail_on_7 AFTER UPDATE ON lg3 FOR EACH ROW EXECUTE FUNCTION pg_temp.fail_on_7();
INSERT INTO lg3 (id, email, score) VALUES (7, 'g@x', 10);
SELECT throws_ok($$UPDATE lg3 SET score = 70 WHERE id = 7$$, 'P0001', 'no',
                 'rolled back: a promoting UPDATE that another AFTER trigger fails');
UPDATE lg3 SET lifecycle_stage = 'mql' WHERE id = 7;
SELECT results_eq($$SELECT * FROM pg_temp.lg3_log('7') AS (lead_id text, from_stage text, to_stage text, score numeric, via text)$$,
                  $$VALUES ('7', NULL, 'lead', 10::numeric, 'manual'), ('7', 'lead', 'mql', 10, 'manual')$$,
                  'rolled back: the next move is logged as itself (manual, score 10), not as the rolled-back promotion');
-- The same within one statement, where only forgetting the aborted
-- subtransaction's decision tells the two apart (the DO block is one
-- statement, with one statement timestamp).  The rolled-back move is by
-- hand into mql with a score that meets the threshold, so qualify() files
-- a decision ("manual": the log would take it for a promotion); the
-- promotion that follows, lead > mql by score alone, files none.  Were the
-- rolled-back decision kept, the log would take it for the promotion's and
-- say "manual".
INSERT INTO lg3 (id, email, score) VALUES (17, 'q@x', 10);
CREATE OR REPLACE FUNCTION pg_temp.fail_on_7() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN IF NEW.id IN (7, 17) AND NEW.score > 60 THEN RAISE EXCEPTION 'no'; END IF; RETURN NEW; END$$;
DO $$
BEGIN
    BEGIN
        UPDATE lg3 SET lifecycle_stage = 'mql', score = 70 WHERE id = 17;
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    UPDATE lg3 SET score = 55 WHERE id = 17;
END
$$;
SELECT results_eq($$SELECT * FROM pg_temp.lg3_log('17') AS (lead_id text, from_stage text, to_stage text, score numeric, via text)$$,
                  $$VALUES ('17', NULL, 'lead', 10::numeric, 'manual'), ('17', 'lead', 'mql', 55, 'promotion')$$,
                  'rolled back in the same statement: the promotion is logged as one, not as the rolled-back move by hand');
DROP TRIGGER fail_on_7 ON lg3;

------------------------------------------------------------------------------
-- Rows written straight into leadqual's tables (own_table.c)
------------------------------------------------------------------------------

CREATE TABLE lg_direct (id integer PRIMARY KEY, score integer,
                        lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('lg_direct');
INSERT INTO lg_direct (id, score) SELECT g, 0 FROM generate_series(1, 4) AS g;

-- a constraint of the log's holds for the rows leadqual writes
ALTER TABLE leadqual.transition ADD CONSTRAINT lg_no_lead_3
    CHECK (lead_table <> 'lg_direct'::regclass OR lead_id <> '3' OR to_stage <> 'mql');
SELECT throws_ok($$UPDATE lg_direct SET score = 60 WHERE id = 3$$, '23514', NULL,
                 'a CHECK constraint of leadqual.transition holds for the rows the trigger writes');
SELECT is((SELECT count(*) FROM leadqual.transition WHERE lead_table = 'lg_direct'::regclass
           AND to_stage = 'mql'), 0::bigint, 'the failed promotion logged nothing');
-- the failed statement's subtransaction aborted in the middle of an insert
SELECT lives_ok($$UPDATE lg_direct SET score = 60 WHERE id = 1$$,
                'after an insert failed in a subtransaction, the next promotion is logged');
SELECT results_eq($$SELECT lead_id, from_stage::text, to_stage::text FROM leadqual.transition
                    WHERE lead_table = 'lg_direct'::regclass AND to_stage = 'mql'$$,
                  $$VALUES ('1', 'lead', 'mql')$$, '... once, as the promotion it is');
ALTER TABLE leadqual.transition DROP CONSTRAINT lg_no_lead_3;

-- a column added in the same transaction gets its default in the next row
ALTER TABLE leadqual.transition ADD COLUMN lg_added integer DEFAULT 7;
UPDATE lg_direct SET score = 60 WHERE id = 2;
SELECT is((SELECT lg_added FROM leadqual.transition WHERE lead_table = 'lg_direct'::regclass
           AND lead_id = '2' AND to_stage = 'mql'), 7,
          'a column added to the log in the same transaction is filled by its default');
ALTER TABLE leadqual.transition DROP COLUMN lg_added;
SELECT lives_ok($$UPDATE lg_direct SET score = 60 WHERE id = 4$$,
                'once the column is dropped again, promotions are still logged');
-- a subtransaction rolled back after its rows went in: they go, the tables stay usable
SAVEPOINT lg_direct_sp;
UPDATE lg_direct SET score = 0, lifecycle_stage = 'sql' WHERE id = 4;
ROLLBACK TO SAVEPOINT lg_direct_sp;
SELECT is((SELECT count(*) FROM leadqual.transition WHERE lead_table = 'lg_direct'::regclass AND to_stage = 'sql'),
          0::bigint, 'a rolled-back subtransaction takes the log rows it wrote with it');
SELECT results_eq($$SELECT t.lead_id, t.changed_at = h.handed_at, c.entered_at = t.changed_at
                    FROM leadqual.transition AS t
                    JOIN leadqual.handoff AS h ON h.transition_id = t.id
                    JOIN leadqual.sla_clock AS c ON c.entry_id = t.id
                    WHERE t.lead_table = 'lg_direct'::regclass ORDER BY t.id$$,
                  $$VALUES ('1', true, true), ('2', true, true), ('4', true, true)$$,
                  'each promotion has its outbox row and its clock, at the logged time');
-- the session itself may truncate one of the tables between rows
TRUNCATE leadqual.handoff;
UPDATE lg_direct SET score = 60 WHERE id = 3;
SELECT is((SELECT count(*) FROM leadqual.handoff WHERE lead_table = 'lg_direct'::regclass), 1::bigint,
          'after TRUNCATE leadqual.handoff in the same transaction, the next handoff goes into the new table');

SELECT * FROM finish();
ROLLBACK;
