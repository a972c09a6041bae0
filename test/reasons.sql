-- Rejection reasons: leadqual.reject() and SET LOCAL leadqual.reason, the
-- seeded reasons, user-added reasons, unknown and missing reasons, and
-- reject()'s argument errors.
\ir helpers/setup.psql

SELECT plan(50);

CREATE TABLE rs_leads (
    id integer PRIMARY KEY,
    score integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT FROM leadqual.manage('rs_leads');
INSERT INTO rs_leads SELECT g, 70 FROM generate_series(1, 9) AS g;   -- all mql
INSERT INTO rs_leads VALUES (20, 10);                                -- lead
CREATE TABLE rs_unmanaged (id integer PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage);
INSERT INTO rs_unmanaged VALUES (1, 70, 'mql');

CREATE FUNCTION pg_temp.stage_of(lead integer) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT lifecycle_stage::text FROM rs_leads WHERE id = lead $$;

------------------------------------------------------------------------------
-- The seeded reasons
------------------------------------------------------------------------------

SELECT results_eq($$SELECT code, builtin FROM leadqual.rejection_reason ORDER BY code$$,
                  $$VALUES ('already_customer', true), ('bad_timing', true), ('competitor', true),
                           ('duplicate', true), ('no_budget', true), ('no_response', true), ('not_icp', true)$$,
                  'the seven built-in reasons are seeded, marked builtin');
SELECT is_empty($$SELECT code FROM leadqual.rejection_reason WHERE description IS NULL OR description = ''$$,
                'every seeded reason has a description');

------------------------------------------------------------------------------
-- reject()
------------------------------------------------------------------------------

SELECT lives_ok($$SELECT leadqual.reject('rs_leads', '1', 'recycled', 'no_budget')$$,
                'reject() to recycled with a built-in reason');
SELECT is(pg_temp.stage_of(1), 'recycled', 'reject(): the lead is recycled');
SELECT is(pg_temp.last_move('rs_leads', '1'), 'mql>recycled rejection score=70 reason=no_budget by=' || current_user,
          'reject(): logged via rejection with the reason');
SELECT lives_ok($$SELECT leadqual.reject('rs_leads', '2', 'disqualified', 'competitor')$$,
                'reject() to disqualified with a built-in reason');
SELECT is(pg_temp.last_move('rs_leads', '2'), 'mql>disqualified rejection score=70 reason=competitor by=' || current_user,
          'reject(): the disqualification is logged via rejection with the reason');
SELECT lives_ok($$SELECT leadqual.reject('rs_leads', '1', 'disqualified', 'duplicate')$$,
                'reject() from recycled on to disqualified');
SELECT is(pg_temp.last_move('rs_leads', '1'), 'recycled>disqualified rejection score=70 reason=duplicate by=' || current_user,
          'reject(): the move from one detour to the other is logged via rejection');

-- reject()'s reason beats leadqual.reason
SET LOCAL leadqual.reason = 'not_icp';
SELECT lives_ok($$SELECT leadqual.reject('rs_leads', '3', 'recycled', 'bad_timing')$$,
                'reject() while leadqual.reason is set to another reason');
SELECT is(pg_temp.last_move('rs_leads', '3'), 'mql>recycled rejection score=70 reason=bad_timing by=' || current_user,
          'reject(): its own reason is logged, not leadqual.reason''s');
RESET leadqual.reason;

------------------------------------------------------------------------------
-- SET LOCAL leadqual.reason
------------------------------------------------------------------------------

SET LOCAL leadqual.reason = 'bad_timing';
UPDATE rs_leads SET lifecycle_stage = 'recycled' WHERE id = 4;
SELECT is(pg_temp.stage_of(4), 'recycled', 'leadqual.reason: an UPDATE moves the lead to recycled');
SELECT is(pg_temp.last_move('rs_leads', '4'), 'mql>recycled manual score=70 reason=bad_timing by=' || current_user,
          'leadqual.reason: logged via manual with the reason');
UPDATE rs_leads SET lifecycle_stage = 'disqualified' WHERE id IN (5, 6);
SELECT results_eq($$SELECT lead_id, from_stage::text, to_stage::text, via::text, reason FROM leadqual.transition
                    WHERE lead_table = 'rs_leads'::regclass AND lead_id IN ('5', '6') AND from_stage IS NOT NULL
                    ORDER BY lead_id$$,
                  $$VALUES ('5', 'mql', 'disqualified', 'manual', 'bad_timing'), ('6', 'mql', 'disqualified', 'manual', 'bad_timing')$$,
                  'leadqual.reason: a multi-row UPDATE logs the reason for every row');
INSERT INTO rs_leads VALUES (30, 5, 'disqualified');
SELECT is(pg_temp.last_move('rs_leads', '30'), 'NULL>disqualified manual score=5 reason=bad_timing by=' || current_user,
          'leadqual.reason: an INSERT straight into disqualified is logged with the reason');
UPDATE rs_leads SET lifecycle_stage = 'sql' WHERE id = 7;
SELECT is(pg_temp.last_move('rs_leads', '7'), 'mql>sql manual score=70 reason=NULL by=' || current_user,
          'leadqual.reason: a forward move in the same transaction is logged without the reason');
UPDATE rs_leads SET score = 55 WHERE id = 20;
SELECT is(pg_temp.last_move('rs_leads', '20'), 'lead>mql promotion score=55 reason=NULL by=' || current_user,
          'leadqual.reason: a promotion in the same transaction is logged without the reason');
RESET leadqual.reason;

------------------------------------------------------------------------------
-- Missing reasons: 23502, nothing changed
------------------------------------------------------------------------------

SELECT throws_ok($$UPDATE rs_leads SET lifecycle_stage = 'recycled' WHERE id = 8$$, '23502', NULL,
                 'missing reason: UPDATE to recycled raises not_null_violation');
SELECT throws_ok($$UPDATE rs_leads SET lifecycle_stage = 'disqualified' WHERE id = 8$$, '23502', NULL,
                 'missing reason: UPDATE to disqualified raises not_null_violation');
SELECT throws_ok($$UPDATE rs_leads SET lifecycle_stage = 'disqualified' WHERE id = 4$$, '23502', NULL,
                 'missing reason: UPDATE from recycled to disqualified raises not_null_violation');
SELECT throws_ok($$INSERT INTO rs_leads VALUES (40, 10, 'recycled')$$, '23502', NULL,
                 'missing reason: INSERT as recycled raises not_null_violation');
SET LOCAL leadqual.reason = '';
SELECT throws_ok($$UPDATE rs_leads SET lifecycle_stage = 'recycled' WHERE id = 8$$, '23502', NULL,
                 'missing reason: an empty leadqual.reason is no reason');
RESET leadqual.reason;
SELECT is(pg_temp.stage_of(8), 'mql', 'missing reason: lead 8 is still mql');
SELECT is(pg_temp.stage_of(4), 'recycled', 'missing reason: lead 4 is still recycled');
SELECT is_empty($$SELECT * FROM rs_leads WHERE id = 40$$, 'missing reason: lead 40 was not inserted');
SELECT is(pg_temp.log_count('rs_leads', '8'), 1::bigint, 'missing reason: nothing was logged for lead 8');
SELECT is(pg_temp.log_count('rs_leads', '40'), 0::bigint, 'missing reason: nothing was logged for lead 40');

------------------------------------------------------------------------------
-- Unknown reasons: 23503, nothing changed
------------------------------------------------------------------------------

SELECT throws_ok($$SELECT leadqual.reject('rs_leads', '8', 'recycled', 'too_expensive')$$, '23503', NULL,
                 'unknown reason: reject() raises foreign_key_violation');
SELECT throws_ok($$SELECT leadqual.reject('rs_leads', '8', 'recycled', 'No_Budget')$$, '23503', NULL,
                 'unknown reason: codes are case-sensitive');
SET LOCAL leadqual.reason = 'too_expensive';
SELECT throws_ok($$UPDATE rs_leads SET lifecycle_stage = 'disqualified' WHERE id = 8$$, '23503', NULL,
                 'unknown reason: UPDATE with leadqual.reason set to it raises foreign_key_violation');
SELECT throws_ok($$INSERT INTO rs_leads VALUES (41, 10, 'disqualified')$$, '23503', NULL,
                 'unknown reason: INSERT with leadqual.reason set to it raises foreign_key_violation');
RESET leadqual.reason;
SELECT is(pg_temp.stage_of(8), 'mql', 'unknown reason: lead 8 is still mql');
SELECT is_empty($$SELECT * FROM rs_leads WHERE id = 41$$, 'unknown reason: lead 41 was not inserted');
SELECT is(pg_temp.log_count('rs_leads', '8'), 1::bigint, 'unknown reason: nothing was logged for lead 8');

------------------------------------------------------------------------------
-- A reason users add
------------------------------------------------------------------------------

INSERT INTO leadqual.rejection_reason (code, description) VALUES ('student', 'A student, not a buyer');
SELECT is((SELECT builtin FROM leadqual.rejection_reason WHERE code = 'student'), false,
          'user-added reason: not builtin by default');
SELECT lives_ok($$SELECT leadqual.reject('rs_leads', '8', 'disqualified', 'student')$$,
                'user-added reason: accepted by reject()');
SELECT is(pg_temp.last_move('rs_leads', '8'), 'mql>disqualified rejection score=70 reason=student by=' || current_user,
          'user-added reason: logged');
SET LOCAL leadqual.reason = 'student';
UPDATE rs_leads SET lifecycle_stage = 'recycled' WHERE id = 9;
RESET leadqual.reason;
SELECT is(pg_temp.last_move('rs_leads', '9'), 'mql>recycled manual score=70 reason=student by=' || current_user,
          'user-added reason: accepted by way of leadqual.reason');

------------------------------------------------------------------------------
-- reject()'s argument errors
------------------------------------------------------------------------------

SELECT throws_ok($$SELECT leadqual.reject(NULL, '20', 'recycled', 'no_budget')$$, '22004', NULL,
                 'reject(): NULL leads raises null_value_not_allowed');
SELECT throws_ok($$SELECT leadqual.reject('rs_leads', NULL, 'recycled', 'no_budget')$$, '22004', NULL,
                 'reject(): NULL lead_id raises null_value_not_allowed');
SELECT throws_ok($$SELECT leadqual.reject('rs_leads', '20', NULL, 'no_budget')$$, '22004', NULL,
                 'reject(): NULL to_stage raises null_value_not_allowed');
SELECT throws_ok($$SELECT leadqual.reject('rs_leads', '20', 'recycled', NULL)$$, '22004', NULL,
                 'reject(): NULL reason raises null_value_not_allowed');
SELECT throws_ok($$SELECT leadqual.reject('rs_leads', '20', 'sql', 'no_budget')$$, '22023', NULL,
                 'reject(): to_stage sql raises invalid_parameter_value');
SELECT throws_ok($$SELECT leadqual.reject('rs_leads', '20', 'lead', 'no_budget')$$, '22023', NULL,
                 'reject(): to_stage lead raises invalid_parameter_value');
SELECT throws_ok($$SELECT leadqual.reject('rs_unmanaged', '1', 'recycled', 'no_budget')$$, '55000', NULL,
                 'reject(): a table leadqual does not manage raises object_not_in_prerequisite_state');
SELECT throws_ok($$SELECT leadqual.reject('rs_leads', '999', 'recycled', 'no_budget')$$, 'P0002', NULL,
                 'reject(): a lead that is not there raises no_data_found');
SELECT is(pg_temp.stage_of(20), 'mql', 'reject() errors: lead 20 is still mql');
SELECT is((SELECT lifecycle_stage::text FROM rs_unmanaged WHERE id = 1), 'mql', 'reject() errors: the unmanaged lead is untouched');
SELECT is(pg_temp.log_count('rs_leads', '20'), 2::bigint, 'reject() errors: nothing was logged for lead 20');
SELECT is(pg_temp.log_count('rs_unmanaged'), 0::bigint, 'reject() errors: nothing was logged for the unmanaged table');

SELECT * FROM finish();
ROLLBACK;
