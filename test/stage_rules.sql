-- Stage rules: forward moves and skips are allowed, backward moves on the
-- funnel are refused (23514) and change nothing, leaving a detour is
-- allowed, and only privileged roles may switch the rules off to repair.
\ir helpers/setup.psql

SELECT plan(58);

-- The stage column is nullable on purpose: a NULL stage must be refused by
-- leadqual itself.
CREATE TABLE sr_leads (
    id integer PRIMARY KEY,
    score integer,
    lifecycle_stage leadqual.lifecycle_stage DEFAULT 'lead'
);
SELECT FROM leadqual.manage('sr_leads');

CREATE FUNCTION pg_temp.stage_of(lead integer) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT lifecycle_stage::text FROM sr_leads WHERE id = lead $$;

------------------------------------------------------------------------------
-- Forward moves, skips included
------------------------------------------------------------------------------

INSERT INTO sr_leads VALUES (1, 10, 'lead'), (2, 10, 'lead'), (3, 10, 'subscriber'), (4, 10, 'mql');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'mql' WHERE id = 1$$, 'forward: lead to mql by hand');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'sql' WHERE id = 1$$, 'forward: mql to sql, skipping pql and sal');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'opportunity' WHERE id = 1$$, 'forward: sql to opportunity');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'customer' WHERE id = 1$$, 'forward: opportunity to customer');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'evangelist' WHERE id = 1$$, 'forward: customer to evangelist');
SELECT is(pg_temp.moves('sr_leads', '1'),
          '{"NULL>lead manual","lead>mql manual","mql>sql manual","sql>opportunity manual","opportunity>customer manual","customer>evangelist manual"}',
          'forward: each move of lead 1 is logged once, via manual');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'sql' WHERE id = 2$$, 'forward: lead straight to sql');
SELECT is(pg_temp.last_move('sr_leads', '2'), 'lead>sql manual score=10 reason=NULL by=' || current_user,
          'forward: the skip is logged as one move from lead to sql');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'evangelist' WHERE id = 3$$, 'forward: subscriber straight to evangelist');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'pql' WHERE id = 4$$, 'forward: mql to pql');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'sal' WHERE id = 4$$, 'forward: pql to sal');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM sr_leads ORDER BY id$$,
                  $$VALUES (1, 'evangelist'), (2, 'sql'), (3, 'evangelist'), (4, 'sal')$$,
                  'forward: every lead is where it was moved');
SELECT lives_ok($$INSERT INTO sr_leads VALUES (5, 0, 'customer')$$, 'an INSERT may start a lead at any funnel stage');
SELECT is(pg_temp.last_move('sr_leads', '5'), 'NULL>customer manual score=0 reason=NULL by=' || current_user,
          'and is logged from NULL');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'sal' WHERE id = 4$$, 'setting the stage a lead already has is no move');
SELECT is(pg_temp.log_count('sr_leads', '4'), 3::bigint, 'and logs nothing');

------------------------------------------------------------------------------
-- Backward moves: 23514, nothing changed
------------------------------------------------------------------------------

INSERT INTO sr_leads VALUES (11, 60, 'mql'), (12, 10, 'sql'), (13, 10, 'customer'), (14, 10, 'evangelist'),
                            (15, 10, 'opportunity'), (16, 10, 'pql'), (17, 10, 'lead'), (18, 10, 'sal');
CREATE TEMP TABLE log_before AS SELECT * FROM leadqual.transition;

SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'lead' WHERE id = 11$$, '23514', NULL,
                 'backward: mql to lead is a check_violation');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'subscriber' WHERE id = 11$$, '23514', NULL,
                 'backward: mql to subscriber is a check_violation');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'lead', score = 90 WHERE id = 11$$, '23514', NULL,
                 'backward: mql to lead is refused even with a score that would promote it again');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'mql' WHERE id = 12$$, '23514', NULL,
                 'backward: sql to mql is a check_violation');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'sal' WHERE id = 12$$, '23514', NULL,
                 'backward: sql to sal (one step) is a check_violation');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'subscriber' WHERE id = 13$$, '23514', NULL,
                 'backward: customer to subscriber is a check_violation');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'customer' WHERE id = 14$$, '23514', NULL,
                 'backward: evangelist to customer is a check_violation');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'sal' WHERE id = 15$$, '23514', NULL,
                 'backward: opportunity to sal is a check_violation');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'mql' WHERE id = 16$$, '23514', NULL,
                 'backward: pql to mql is a check_violation');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'subscriber' WHERE id = 17$$, '23514', NULL,
                 'backward: lead to subscriber is a check_violation');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'pql' WHERE id = 18$$, '23514', NULL,
                 'backward: sal to pql is a check_violation');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'mql', score = 99 WHERE id IN (17, 12)$$, '23514', NULL,
                 'backward: one backward row (sql to mql) fails a multi-row UPDATE that moves lead 17 forward');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = NULL WHERE id = 17$$, '23502', NULL,
                 'a NULL stage is a not_null_violation');
SELECT results_eq($$SELECT id, score, lifecycle_stage::text FROM sr_leads WHERE id > 10 ORDER BY id$$,
                  $$VALUES (11, 60, 'mql'), (12, 10, 'sql'), (13, 10, 'customer'), (14, 10, 'evangelist'),
                           (15, 10, 'opportunity'), (16, 10, 'pql'), (17, 10, 'lead'), (18, 10, 'sal')$$,
                  'backward: every refused lead kept its stage and score, lead 17 too');
SELECT set_eq($$SELECT * FROM leadqual.transition$$, $$SELECT * FROM log_before$$,
              'backward: the refused moves logged nothing');

------------------------------------------------------------------------------
-- Leaving a detour is allowed, to any funnel stage
------------------------------------------------------------------------------

INSERT INTO sr_leads VALUES (21, 10, 'sql'), (22, 10, 'sql'), (23, 10, 'customer'), (24, 10, 'opportunity'), (25, 10, 'mql');
SELECT FROM leadqual.reject('sr_leads', '21', 'recycled', 'bad_timing');
SELECT FROM leadqual.reject('sr_leads', '22', 'recycled', 'bad_timing');
SELECT FROM leadqual.reject('sr_leads', '23', 'disqualified', 'duplicate');
SELECT FROM leadqual.reject('sr_leads', '24', 'disqualified', 'no_budget');
SELECT FROM leadqual.reject('sr_leads', '25', 'recycled', 'no_response');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'lead' WHERE id = 21$$, 'detour: recycled back to lead');
SELECT is(pg_temp.last_move('sr_leads', '21'), 'recycled>lead manual score=10 reason=NULL by=' || current_user,
          'detour: logged via manual, without a reason');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'sal' WHERE id = 22$$, 'detour: recycled to sal');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'subscriber' WHERE id = 23$$, 'detour: disqualified to subscriber');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'customer' WHERE id = 24$$, 'detour: disqualified to customer');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'lead', score = 80 WHERE id = 25$$,
                'detour: recycled back to lead with a score of 80');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM sr_leads WHERE id BETWEEN 21 AND 25 ORDER BY id$$,
                  $$VALUES (21, 'lead'), (22, 'sal'), (23, 'subscriber'), (24, 'customer'), (25, 'mql')$$,
                  'detour: each lead left its detour, and the lead with 80 was promoted to mql');
SELECT is(pg_temp.last_move('sr_leads', '25'), 'recycled>mql promotion score=80 reason=NULL by=' || current_user,
          'detour: the move out of recycled and the promotion are one log row');

------------------------------------------------------------------------------
-- Repair: leadqual.enforce_stage_rules = off
------------------------------------------------------------------------------

SELECT is(current_setting('leadqual.enforce_stage_rules'), 'on', 'the stage rules are on by default');
SET LOCAL leadqual.enforce_stage_rules = off;
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'lead', score = 90 WHERE id = 12$$,
                'repair: sql back to lead is allowed');
SELECT is(pg_temp.stage_of(12), 'lead', 'repair: the stage is kept as written, not promoted by the score of 90');
SELECT is(pg_temp.last_move('sr_leads', '12'), 'sql>lead repair score=90 reason=NULL by=' || current_user,
          'repair: the backward move is logged via repair');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'recycled' WHERE id = 13$$,
                'repair: customer to recycled without a reason is allowed');
SELECT is(pg_temp.last_move('sr_leads', '13'), 'customer>recycled repair score=10 reason=NULL by=' || current_user,
          'repair: the detour without a reason is logged via repair');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'opportunity' WHERE id = 18$$,
                'repair: a forward move');
SELECT is(pg_temp.last_move('sr_leads', '18'), 'sal>opportunity manual score=10 reason=NULL by=' || current_user,
          'repair: a move the rules allow anyway is logged via manual');
SET LOCAL leadqual.reason = 'not_icp';
UPDATE sr_leads SET lifecycle_stage = 'disqualified' WHERE id = 14;
RESET leadqual.reason;
SELECT is(pg_temp.last_move('sr_leads', '14'), 'evangelist>disqualified manual score=10 reason=not_icp by=' || current_user,
          'repair: a detour with a reason is logged via manual with the reason');
RESET leadqual.enforce_stage_rules;
SELECT is(current_setting('leadqual.enforce_stage_rules'), 'on', 'the stage rules are back on');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'lead' WHERE id = 15$$, '23514', NULL,
                 'with the rules back on, backward moves are refused again');

------------------------------------------------------------------------------
-- Only privileged roles may switch the rules off
------------------------------------------------------------------------------

CREATE ROLE lq_tap_rules_rep;
CREATE ROLE lq_tap_rules_admin;
GRANT SELECT, UPDATE ON sr_leads TO lq_tap_rules_rep, lq_tap_rules_admin;
GRANT SET ON PARAMETER leadqual.enforce_stage_rules TO lq_tap_rules_admin;

SET LOCAL ROLE lq_tap_rules_rep;
SELECT throws_ok($$SET LOCAL leadqual.enforce_stage_rules = off$$, '42501', NULL,
                 'an ordinary role cannot SET LOCAL leadqual.enforce_stage_rules = off');
SELECT throws_ok($$SET leadqual.enforce_stage_rules = off$$, '42501', NULL,
                 'an ordinary role cannot SET leadqual.enforce_stage_rules = off either');
SELECT throws_ok($$SELECT set_config('leadqual.enforce_stage_rules', 'off', true)$$, '42501', NULL,
                 'nor with set_config()');
SELECT is(current_setting('leadqual.enforce_stage_rules'), 'on', 'the rules stay on for the ordinary role');
SELECT throws_ok($$UPDATE sr_leads SET lifecycle_stage = 'mql' WHERE id = 15$$, '23514', NULL,
                 'and its backward moves are refused');
RESET ROLE;

SET LOCAL ROLE lq_tap_rules_admin;
SELECT lives_ok($$SET LOCAL leadqual.enforce_stage_rules = off$$,
                'a role granted SET on the parameter can switch the rules off');
SELECT lives_ok($$UPDATE sr_leads SET lifecycle_stage = 'sal' WHERE id = 15$$,
                'and then move a lead backward');
RESET leadqual.enforce_stage_rules;
RESET ROLE;
SELECT is(pg_temp.last_move('sr_leads', '15'), 'opportunity>sal repair score=10 reason=NULL by=lq_tap_rules_admin',
          'that move is logged via repair, by that role');

SELECT * FROM finish();
ROLLBACK;
