-- Recycled leads: no ping-pong back to sales on writes that bring no new
-- engagement, re-qualification when the score crosses the threshold from
-- below or rises above the score the lead had when it was recycled.
\ir helpers/setup.psql

SELECT plan(48);

CREATE TABLE r_leads (
    id integer PRIMARY KEY,
    name text,
    score integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT FROM leadqual.manage('r_leads');

CREATE FUNCTION pg_temp.stage_of(lead integer) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT lifecycle_stage::text FROM r_leads WHERE id = lead $$;

------------------------------------------------------------------------------
-- Set-up: leads recycled with a score above the threshold
------------------------------------------------------------------------------

INSERT INTO r_leads VALUES (1, 'Ann', 70), (2, 'Bo', 80), (5, 'Ed', 70);
SELECT FROM leadqual.reject('r_leads', '1', 'recycled', 'bad_timing');
SELECT FROM leadqual.reject('r_leads', '2', 'recycled', 'no_response');
SELECT FROM leadqual.reject('r_leads', '5', 'recycled', 'bad_timing');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM r_leads ORDER BY id$$,
                  $$VALUES (1, 'recycled'), (2, 'recycled'), (5, 'recycled')$$,
                  'set-up: three leads recycled with scores 70, 80 and 70');
SELECT is(pg_temp.last_move('r_leads', '1'), 'mql>recycled rejection score=70 reason=bad_timing by=' || current_user,
          'set-up: the recycling logged the score 70');

-- A nightly re-scoring job rewrites every score with the same value.
UPDATE r_leads SET score = score, name = upper(name);
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM r_leads ORDER BY id$$,
                  $$VALUES (1, 'recycled'), (2, 'recycled'), (5, 'recycled')$$,
                  'no ping-pong: rewriting every score unchanged (and renaming) leaves all recycled leads recycled');
SELECT is(pg_temp.log_count('r_leads'), 6::bigint, 'no ping-pong: and logs nothing');

------------------------------------------------------------------------------
-- Lead 1: recycled at 70
------------------------------------------------------------------------------

UPDATE r_leads SET name = 'Ann Smith' WHERE id = 1;
SELECT is(pg_temp.stage_of(1), 'recycled', 'no ping-pong: a change of another column leaves it recycled');
UPDATE r_leads SET score = 70 WHERE id = 1;
SELECT is(pg_temp.stage_of(1), 'recycled', 'no ping-pong: setting the score to its current 70 leaves it recycled');
UPDATE r_leads SET score = 60 WHERE id = 1;
SELECT is(pg_temp.stage_of(1), 'recycled', 'no ping-pong: a score dropping from 70 to 60, still above 50, leaves it recycled');
UPDATE r_leads SET score = 65 WHERE id = 1;
SELECT is(pg_temp.stage_of(1), 'recycled', 'no ping-pong: a score rising from 60 to 65, not above the 70 it was recycled at, leaves it recycled');
UPDATE r_leads SET score = 70 WHERE id = 1;
SELECT is(pg_temp.stage_of(1), 'recycled', 'no ping-pong: a score rising back to exactly 70 (not above) leaves it recycled');
UPDATE r_leads SET score = 70, name = 'Ann S.' WHERE id = 1;
SELECT is(pg_temp.stage_of(1), 'recycled', 'no ping-pong: an unchanged score rewritten with another column leaves it recycled');
SELECT is(pg_temp.moves('r_leads', '1'), '{"NULL>mql promotion","mql>recycled rejection"}',
          'no ping-pong: none of those writes logged anything');
UPDATE r_leads SET score = 71 WHERE id = 1;
SELECT is(pg_temp.stage_of(1), 'mql', 're-qualification: a score rising from 70 to 71, above the 70 it was recycled at, promotes it to mql');
SELECT is(pg_temp.last_move('r_leads', '1'), 'recycled>mql promotion score=71 reason=NULL by=' || current_user,
          're-qualification: logged from recycled to mql as a promotion with the new score');
SELECT is(pg_temp.log_count('r_leads', '1'), 3::bigint, 're-qualification: exactly one log row for it');

------------------------------------------------------------------------------
-- Lead 2: recycled at 80, then the score decays below the threshold
------------------------------------------------------------------------------

UPDATE r_leads SET score = 30 WHERE id = 2;
SELECT is(pg_temp.stage_of(2), 'recycled', 'decay: a score dropping below the threshold leaves it recycled');
UPDATE r_leads SET score = 49 WHERE id = 2;
SELECT is(pg_temp.stage_of(2), 'recycled', 'decay: a score rising but still below the threshold leaves it recycled');
UPDATE r_leads SET score = 55 WHERE id = 2;
SELECT is(pg_temp.stage_of(2), 'mql', 're-qualification: crossing the threshold from below (49 to 55) promotes it, though 55 < 80');
SELECT is(pg_temp.moves('r_leads', '2'), '{"NULL>mql promotion","mql>recycled rejection","recycled>mql promotion"}',
          're-qualification: logged once, as a promotion');
SELECT is(pg_temp.last_move('r_leads', '2'), 'recycled>mql promotion score=55 reason=NULL by=' || current_user,
          're-qualification: with the score 55');

------------------------------------------------------------------------------
-- Leads recycled below the threshold, or with no score
------------------------------------------------------------------------------

INSERT INTO r_leads VALUES (3, 'Cy', 30), (4, 'Di', NULL);
SELECT FROM leadqual.reject('r_leads', '3', 'recycled', 'no_budget');
SELECT FROM leadqual.reject('r_leads', '4', 'recycled', 'no_budget');
UPDATE r_leads SET score = 40 WHERE id = 3;
SELECT is(pg_temp.stage_of(3), 'recycled', 'recycled at 30: rising to 40 leaves it recycled');
UPDATE r_leads SET score = 50 WHERE id = 3;
SELECT is(pg_temp.stage_of(3), 'mql', 'recycled at 30: reaching exactly 50 promotes it');
UPDATE r_leads SET name = 'Di Doe' WHERE id = 4;
SELECT is(pg_temp.stage_of(4), 'recycled', 'recycled with no score: another column changing leaves it recycled');
UPDATE r_leads SET score = 60 WHERE id = 4;
SELECT is(pg_temp.stage_of(4), 'mql', 'recycled with no score: a score of 60 is a crossing from below and promotes it');
SELECT is(pg_temp.last_move('r_leads', '4'), 'recycled>mql promotion score=60 reason=NULL by=' || current_user,
          'recycled with no score: the promotion is logged');

------------------------------------------------------------------------------
-- Lead 5: recycled twice; the latest recycling's score counts
------------------------------------------------------------------------------

UPDATE r_leads SET score = 90 WHERE id = 5;
SELECT is(pg_temp.stage_of(5), 'mql', 'recycled at 70: rising to 90 promotes it');
SELECT FROM leadqual.reject('r_leads', '5', 'recycled', 'no_response');
SELECT is(pg_temp.stage_of(5), 'recycled', 'recycled again, now at 90');
UPDATE r_leads SET score = 80 WHERE id = 5;
SELECT is(pg_temp.stage_of(5), 'recycled', 'recycled at 90: dropping to 80 leaves it recycled');
UPDATE r_leads SET score = 85 WHERE id = 5;
SELECT is(pg_temp.stage_of(5), 'recycled',
          'recycled at 90: rising to 85, above the first recycling''s 70 but not the latest''s 90, leaves it recycled');
UPDATE r_leads SET score = 90 WHERE id = 5;
SELECT is(pg_temp.stage_of(5), 'recycled', 'recycled at 90: rising to exactly 90 leaves it recycled');
UPDATE r_leads SET score = 91 WHERE id = 5;
SELECT is(pg_temp.stage_of(5), 'mql', 'recycled at 90: rising to 91 promotes it');
SELECT is(pg_temp.moves('r_leads', '5'),
          '{"NULL>mql promotion","mql>recycled rejection","recycled>mql promotion","mql>recycled rejection","recycled>mql promotion"}',
          'lead 5: every stage change logged once, nothing else');

------------------------------------------------------------------------------
-- Moved into recycled by an UPDATE that also sets a high score
------------------------------------------------------------------------------

INSERT INTO r_leads VALUES (6, 'Flo', 40), (7, 'Gus', 70);
SET LOCAL leadqual.reason = 'bad_timing';
UPDATE r_leads SET lifecycle_stage = 'recycled', score = 95 WHERE id = 6;
SELECT is(pg_temp.stage_of(6), 'recycled', 'a lead moved to recycled with its score raised to 95 in the same UPDATE stays recycled');
SELECT is(pg_temp.last_move('r_leads', '6'), 'lead>recycled manual score=95 reason=bad_timing by=' || current_user,
          'and the move is logged once, as manual, with the reason and the new score');
UPDATE r_leads SET lifecycle_stage = 'recycled', score = 99 WHERE id = 7;
SELECT is(pg_temp.stage_of(7), 'recycled', 'an mql moved to recycled with its score raised from 70 to 99 stays recycled');
SELECT is(pg_temp.moves('r_leads', '7'), '{"NULL>mql promotion","mql>recycled manual"}',
          'and only the move to recycled is logged');
UPDATE r_leads SET lifecycle_stage = 'recycled', score = 99 WHERE id = 3;
SELECT is(pg_temp.stage_of(3), 'recycled', 'an mql moved to recycled with its score raised from 50 to 99 stays recycled');
RESET leadqual.reason;

UPDATE r_leads SET name = 'Flo F.' WHERE id = 6;
SELECT is(pg_temp.stage_of(6), 'recycled', 'moved in at 95: a later change of another column leaves it recycled');
UPDATE r_leads SET score = 95 WHERE id = 6;
SELECT is(pg_temp.stage_of(6), 'recycled', 'moved in at 95: rewriting the score unchanged leaves it recycled');
UPDATE r_leads SET score = 96 WHERE id = 6;
SELECT is(pg_temp.stage_of(6), 'mql', 'moved in at 95: a later rise to 96 promotes it');
SELECT is(pg_temp.last_move('r_leads', '6'), 'recycled>mql promotion score=96 reason=NULL by=' || current_user,
          'moved in at 95: the promotion is logged');

------------------------------------------------------------------------------
-- Inserted as recycled
------------------------------------------------------------------------------

SET LOCAL leadqual.reason = 'no_response';
INSERT INTO r_leads VALUES (8, 'Hal', 88, 'recycled');
RESET leadqual.reason;
SELECT is(pg_temp.stage_of(8), 'recycled', 'a lead inserted as recycled with 88 stays recycled');
SELECT is(pg_temp.last_move('r_leads', '8'), 'NULL>recycled manual score=88 reason=no_response by=' || current_user,
          'the INSERT is logged with its reason and score');
UPDATE r_leads SET score = 88, name = 'Hal H.' WHERE id = 8;
SELECT is(pg_temp.stage_of(8), 'recycled', 'inserted as recycled at 88: rewriting the score unchanged leaves it recycled');
UPDATE r_leads SET score = 87 WHERE id = 8;
UPDATE r_leads SET score = 88 WHERE id = 8;
SELECT is(pg_temp.stage_of(8), 'recycled', 'inserted as recycled at 88: dropping to 87 and rising back to 88 leaves it recycled');
UPDATE r_leads SET score = 89 WHERE id = 8;
SELECT is(pg_temp.stage_of(8), 'mql', 'inserted as recycled at 88: rising to 89 promotes it');

------------------------------------------------------------------------------
-- Promotion out of recycled goes to promote_to, and a multi-row UPDATE
-- decides for each row on its own
------------------------------------------------------------------------------

INSERT INTO r_leads VALUES (10, 'J', 70), (11, 'K', 70), (12, 'L', 20);
SELECT FROM leadqual.reject('r_leads', '10', 'recycled', 'bad_timing');
SELECT FROM leadqual.reject('r_leads', '11', 'recycled', 'bad_timing');
SELECT FROM leadqual.reject('r_leads', '12', 'recycled', 'bad_timing');
SELECT FROM leadqual.manage('r_leads', promote_to => 'pql');
UPDATE r_leads SET score = CASE id WHEN 10 THEN 75 WHEN 11 THEN 70 ELSE 51 END WHERE id IN (10, 11, 12);
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM r_leads WHERE id >= 10 ORDER BY id$$,
                  $$VALUES (10, 'pql'), (11, 'recycled'), (12, 'pql')$$,
                  'one UPDATE: the rise above the recycled score and the crossing are promoted (to pql), the unchanged score is not');
SELECT results_eq($$SELECT lead_id, from_stage::text, to_stage::text, via::text, score FROM leadqual.transition
                    WHERE lead_table = 'r_leads'::regclass AND lead_id IN ('10', '11', '12') AND from_stage = 'recycled'
                    ORDER BY lead_id$$,
                  $$VALUES ('10', 'recycled', 'pql', 'promotion', 75::numeric), ('12', 'recycled', 'pql', 'promotion', 51)$$,
                  'one UPDATE: one promotion logged for each promoted row');
SELECT is(pg_temp.stage_of(1), 'mql', 'earlier promotions are untouched by the change of promote_to');

SELECT * FROM finish();
ROLLBACK;
