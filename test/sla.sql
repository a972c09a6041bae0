-- SLA policies and clocks: the built-in calendars, business time in a New
-- York office calendar with a holiday, the built-in policy and when it
-- applies, policy validation, when clocks start and stop and what they
-- record, their states and breaches, clocks keeping their due time when
-- policies and calendars change, touch() and bulk touches, the reports built
-- on the log (sla_compliance, funnel, stage_velocity, rejection_summary), and
-- who gets a lead that enters mql.  (sql/sla.sql prints the reports and the
-- messages as a user sees them.)
--
-- Clocks of a transition start at its changed_at (clock_timestamp()), so the
-- due times are checked against the stored started_at; touches are dated
-- relative to the clock they mean to stop.  A touch's default time is now(),
-- the start of this transaction, before every clock started here: the
-- tests that stop a clock pass at => explicitly.
\ir helpers/setup.psql

SELECT plan(155);
SET LOCAL TimeZone = 'UTC';

CREATE TABLE sl_leads (id int PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                       owner text);
-- No row in leadqual.owner: round-robin assigns nobody, owners are set by hand.
SELECT leadqual.manage('sl_leads', owner_column => 'owner');

-- A lead's clocks, as 'policy:state' in policy order ('open' when running).
CREATE FUNCTION pg_temp.clocks(lead text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(format('%s:%s', c.policy, coalesce(c.stopped_by::text, 'open')), ','
                               ORDER BY c.policy, c.id), '')
    FROM leadqual.sla_clock AS c
    WHERE c.lead_table = 'sl_leads'::regclass AND c.lead_id = lead
$$;

-- The clock of a lead and policy (the latest one).
CREATE FUNCTION pg_temp.clock(lead text, pol text) RETURNS leadqual.sla_clock
LANGUAGE sql STABLE AS $$
    SELECT c.* FROM leadqual.sla_clock AS c
    WHERE c.lead_table = 'sl_leads'::regclass AND c.lead_id = lead AND c.policy = pol
    ORDER BY c.id DESC LIMIT 1
$$;

-- The latest transition of a lead.
CREATE FUNCTION pg_temp.entry(lead text) RETURNS leadqual.transition
LANGUAGE sql STABLE AS $$
    SELECT t.* FROM leadqual.transition AS t
    WHERE t.lead_table = 'sl_leads'::regclass AND t.lead_id = lead
    ORDER BY t.id DESC LIMIT 1
$$;

-- A plan as text.
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    line text;
    acc text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        acc := acc || line || E'\n';
    END LOOP;
    RETURN acc;
END
$$;

------------------------------------------------------------------------------
-- The built-in calendars
------------------------------------------------------------------------------

SELECT is((SELECT string_agg(format('%s %s %s', name, time_zone, builtin), ', ' ORDER BY name) FROM leadqual.calendar),
          '24x7 UTC t, weekdays_9_17 UTC t', 'builtin: two calendars, 24x7 and weekdays_9_17, both in UTC');
SELECT is((SELECT string_agg(format('%s %s-%s', weekday, opens, closes), ', ' ORDER BY weekday, opens)
           FROM leadqual.business_hours WHERE calendar = 'weekdays_9_17'),
          '1 09:00:00-17:00:00, 2 09:00:00-17:00:00, 3 09:00:00-17:00:00, 4 09:00:00-17:00:00, 5 09:00:00-17:00:00',
          'builtin: weekdays_9_17 is open Monday to Friday, 09:00 to 17:00');
SELECT throws_ok($$DELETE FROM leadqual.business_hours WHERE calendar = 'weekdays_9_17' AND weekday = 5$$, '42501', NULL,
                 'builtin: a window of weekdays_9_17 cannot be deleted');

------------------------------------------------------------------------------
-- Business time in a calendar of one's own
------------------------------------------------------------------------------

-- A New York office: 09:00-17:00 local, which in February (EST, UTC-5) is
-- 14:00-22:00 UTC and from 8 March 2026 (EDT, UTC-4) 13:00-21:00 UTC; closed
-- on Presidents' Day, Monday 16 February 2026.
SELECT FROM leadqual.copy_calendar('weekdays_9_17', 'sl_ny', time_zone => 'America/New_York');
SELECT is((SELECT format('%s|%s|%s|%s', c.time_zone, c.description, c.builtin,
                         (SELECT count(*) FROM leadqual.business_hours AS h WHERE h.calendar = c.name))
           FROM leadqual.calendar AS c WHERE c.name = 'sl_ny'),
          'America/New_York|Copy of weekdays_9_17|f|5',
          'calendar: copy_calendar() with a time zone; the copy says what it copies, is not builtin, has the five windows');
-- Fri 13 Feb 21:30 UTC to Tue 17 Feb 15:00 UTC: 0:30 (Fri) + 8:00 (Mon) + 1:00 (Tue)
SELECT is(leadqual.business_time_between('sl_ny', '2026-02-13 21:30+00', '2026-02-17 15:00+00'), interval '9 hours 30 minutes',
          'calendar: business time over a weekend in New York: 9:30');
INSERT INTO leadqual.holiday (calendar, day, description) VALUES ('sl_ny', '2026-02-16', 'Presidents'' Day');
SELECT is(format('%s|%s', leadqual.business_time_between('sl_ny', '2026-02-13 21:30+00', '2026-02-17 15:00+00'),
                          leadqual.business_time_between('sl_ny', '2026-02-17 15:00+00', '2026-02-13 21:30+00')),
          '01:30:00|-01:30:00', 'calendar: the holiday added is seen at once (0:30 + 1:00), and backwards it is negative');
-- 4 hours from Fri 21:30 UTC: 0:30 on Friday, none on the holiday, 3:30 from
-- Tue 14:00 UTC; weekdays_9_17 knows no holiday and opens at 09:00 UTC;
-- 90 minutes back from Tue 15:00 UTC; a day of business time is 24 hours:
-- Tue 10 Feb 18:00 UTC + 4 (Tue) + 8 (Wed) + 8 (Thu) + 4 (Fri)
SELECT is(format('%s|%s|%s|%s', leadqual.business_time_add('sl_ny', '2026-02-13 21:30+00', '4 hours'),
                                leadqual.business_time_add('weekdays_9_17', '2026-02-13 21:30+00', '4 hours'),
                                leadqual.business_time_add('sl_ny', '2026-02-17 15:00+00', '-90 minutes'),
                                leadqual.business_time_add('sl_ny', '2026-02-10 18:00+00', '1 day')),
          '2026-02-17 17:30:00+00|2026-02-16 13:00:00+00|2026-02-13 21:30:00+00|2026-02-13 18:00:00+00',
          'calendar: business_time_add() over the weekend and the holiday, forwards and back, and a day as 24 hours');
SELECT is(format('%s|%s|%s', leadqual.is_business_time('sl_ny', '2026-02-16 15:00+00'),
                             leadqual.is_business_time('sl_ny', '2026-02-17 15:00+00'),
                             leadqual.is_business_time('sl_ny', '2026-02-17 22:00+00')),
          'f|t|f', 'calendar: closed on the holiday, open on Tuesday, closed at closing time');
SELECT is(format('%s|%s', leadqual.next_business_time('sl_ny', '2026-02-13 22:00+00'),
                          leadqual.next_business_time('sl_ny', '2026-02-17 15:00+00')),
          '2026-02-17 14:00:00+00|2026-02-17 15:00:00+00',
          'calendar: after Friday''s close the office next opens on Tuesday; while open, now');
-- across the change to daylight saving time: Fri 6 Mar 14:00 UTC (09:00
-- EST) to Mon 9 Mar 14:00 UTC (10:00 EDT) is 8:00 + 1:00; the office opens
-- at 13:00 UTC on Monday
SELECT is(format('%s|%s', leadqual.business_time_between('sl_ny', '2026-03-06 14:00+00', '2026-03-09 14:00+00'),
                          leadqual.next_business_time('sl_ny', '2026-03-07 00:00+00')),
          '09:00:00|2026-03-09 13:00:00+00', 'calendar: across the change to daylight saving time');
SELECT is(format('%s|%s', leadqual.business_time_between('24x7', '2026-02-13 21:30+00', '2026-02-17 15:00+00'),
                          leadqual.business_time_add('24x7', '2026-02-20 15:00+00', '36500 days')),
          '89:30:00|2126-01-27 15:00:00+00', 'calendar: 24x7 counts wall-clock time');
-- not errors: an infinite start is its own due time, as with timestamptz +
-- interval, and the infinities are never business time; nor is a calendar
-- that never opens: no due time, no business time
SELECT is(format('%s|%s|%s', leadqual.business_time_add('sl_ny', 'infinity', '1 hour'),
                             leadqual.next_business_time('sl_ny', '-infinity'),
                             leadqual.is_business_time('sl_ny', 'infinity')),
          'infinity|-infinity|f', 'calendar: infinities are their own due time and never business time');
SELECT throws_ok($$INSERT INTO leadqual.calendar (name, time_zone) VALUES ('sl_pacific', 'PST')$$, '22023', NULL,
                 'calendar: a time zone abbreviation such as PST is no time zone');
INSERT INTO leadqual.calendar (name, time_zone) VALUES ('sl_never_open', 'Europe/Paris');
SELECT is(format('%s|%s|%s|%s', coalesce(leadqual.business_time_add('sl_never_open', '2026-02-09', '1 hour')::text, 'NULL'),
                                leadqual.business_time_add('sl_never_open', '2026-02-09', '0'),
                                leadqual.business_time_between('sl_never_open', '2026-02-09', '2026-02-19'),
                                coalesce(leadqual.next_business_time('sl_never_open', '2026-02-09')::text, 'NULL')),
          'NULL|2026-02-09 00:00:00+00|00:00:00|NULL', 'calendar: one that never opens gives no due time and no business time');

------------------------------------------------------------------------------
-- The built-in policy
------------------------------------------------------------------------------

SELECT is((SELECT format('%s|%s|%s|%s|%s|%s|%s', stage, target, calendar, starts_on, stops_on, active, builtin)
           FROM leadqual.sla_policy WHERE name = 'mql'),
          'mql|04:00:00|weekdays_9_17|stage_entry|either|t|t',
          'builtin: policy mql watches stage mql, 4 hours of weekdays_9_17, from entry to touch or exit');

INSERT INTO sl_leads (id, score) VALUES (1, 60);
SELECT is(pg_temp.clocks('1'), 'mql:open',
          'builtin: a promotion to mql starts a clock of the built-in policy while no policy of the user watches mql');
SELECT is((SELECT format('%s|%s|%s|%s', c.stage, c.target, c.calendar, coalesce(c.owner, 'NULL'))
           FROM pg_temp.clock('1', 'mql') AS c),
          'mql|04:00:00|weekdays_9_17|NULL', 'builtin: the clock copies the policy''s target and calendar');
SELECT is((SELECT format('%s|%s|%s', c.entry_id = t.id, c.entered_at = t.changed_at, c.started_at = t.changed_at)
           FROM pg_temp.clock('1', 'mql') AS c, pg_temp.entry('1') AS t),
          't|t|t', 'builtin: it starts at the promotion: entry_id is its transition, started_at its changed_at');
SELECT is((SELECT c.due_at FROM pg_temp.clock('1', 'mql') AS c),
          (SELECT leadqual.business_time_add('weekdays_9_17', c.started_at, '4 hours') FROM pg_temp.clock('1', 'mql') AS c),
          'builtin: due 4 business hours of weekdays_9_17 after the start');
SELECT ok((SELECT c.due_at >= c.started_at + interval '4 hours' FROM pg_temp.clock('1', 'mql') AS c),
          'builtin: which is at least 4 wall-clock hours later');

SELECT throws_ok($$UPDATE leadqual.sla_policy SET target = '1 hour' WHERE name = 'mql'$$, '42501', NULL,
                 'builtin: its target cannot be changed');
SELECT throws_ok($$UPDATE leadqual.sla_policy SET active = false WHERE name = 'mql'$$, '42501', NULL,
                 'builtin: it cannot be deactivated');
SELECT throws_ok($$DELETE FROM leadqual.sla_policy WHERE name = 'mql'$$, '42501', NULL,
                 'builtin: it cannot be dropped');

-- user policies: on another stage; an inactive one; an active one
INSERT INTO leadqual.sla_policy (name, stage, target, calendar) VALUES ('sl_sql_watch', 'sql', '1 hour', '24x7');
INSERT INTO sl_leads (id, score) VALUES (2, 60);
SELECT is(pg_temp.clocks('2'), 'mql:open', 'builtin: still applies beside a user policy for another stage');
INSERT INTO leadqual.sla_policy (name, stage, target, calendar, active) VALUES ('sl_mql_user', 'mql', '1 hour', '24x7', false);
INSERT INTO sl_leads (id, score) VALUES (3, 60);
SELECT is(pg_temp.clocks('3'), '',
          'builtin: an inactive user policy for mql switches the SLA for mql off: no clock at all');
UPDATE leadqual.sla_policy SET active = true WHERE name = 'sl_mql_user';
INSERT INTO sl_leads (id, score) VALUES (4, 60);
SELECT is(pg_temp.clocks('4'), 'sl_mql_user:open',
          'builtin: with an active user policy for mql, a promotion starts only the user''s clock');
SELECT is((SELECT c.due_at = c.started_at + interval '1 hour' FROM pg_temp.clock('4', 'sl_mql_user') AS c), true,
          'user policy on 24x7: due exactly its target after the start');
SELECT is(pg_temp.clocks('1') || ' ' || pg_temp.clocks('2'), 'mql:open mql:open',
          'builtin: switching policies changes no clock already running');

-- re-entering mql: a new clock per entry
SELECT FROM leadqual.reject('sl_leads', '4', 'recycled', 'bad_timing');
UPDATE sl_leads SET score = 70 WHERE id = 4;
SELECT is(pg_temp.moves('sl_leads', '4'), '{"NULL>mql promotion","mql>recycled rejection","recycled>mql promotion"}',
          're-entry: lead 4 was promoted, recycled and promoted again');
SELECT is(pg_temp.clocks('4'), 'sl_mql_user:stage_exit,sl_mql_user:open',
          're-entry: leaving mql stopped the first clock; entering it again started a second one');
SELECT is((SELECT array_agg(c.entry_id ORDER BY c.id) FROM leadqual.sla_clock AS c
           WHERE c.lead_table = 'sl_leads'::regclass AND c.lead_id = '4'),
          (SELECT array_agg(t.id ORDER BY t.id) FROM leadqual.transition AS t
           WHERE t.lead_table = 'sl_leads'::regclass AND t.lead_id = '4' AND t.to_stage = 'mql'),
          're-entry: each clock''s entry_id is the transition into mql it belongs to');
SELECT throws_ok($$INSERT INTO leadqual.sla_clock (policy, lead_table, lead_id, stage, entry_id, entered_at,
                                                    started_at, target, calendar, stops_on)
                   SELECT policy, lead_table, lead_id, stage, entry_id, entered_at, started_at, target, calendar, stops_on
                   FROM pg_temp.clock('4', 'sl_mql_user')$$,
                 '23505', NULL, 're-entry: a second clock for the same entry and policy is refused (UNIQUE)');

------------------------------------------------------------------------------
-- Policy validation
------------------------------------------------------------------------------

SELECT throws_ok($$INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('Bad Name', '1 hour', '24x7')$$,
                 '22023', NULL, 'validation: a name with capitals and a space is refused');
SELECT throws_ok($$INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('9lives', '1 hour', '24x7')$$,
                 '22023', NULL, 'validation: a name starting with a digit is refused');
SELECT throws_ok(format($$INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES (%L, '1 hour', '24x7')$$,
                        repeat('a', 64)),
                 '22023', NULL, 'validation: a name of 64 characters is refused');
SELECT throws_ok($$INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('sl_zero', '0', '24x7')$$,
                 '22023', NULL, 'validation: a zero target is refused');
SELECT throws_ok($$INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('sl_neg', '-1 hour', '24x7')$$,
                 '22023', NULL, 'validation: a negative target is refused');
SELECT throws_ok($$INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('sl_month', '1 month', '24x7')$$,
                 '22023', NULL, 'validation: a target in months is refused');
SELECT throws_ok($$INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('sl_year', '1 year 2 hours', '24x7')$$,
                 '22023', NULL, 'validation: a target with years is refused');
SELECT throws_ok($$UPDATE leadqual.sla_policy SET target = '-5 minutes' WHERE name = 'sl_sql_watch'$$,
                 '22023', NULL, 'validation: an UPDATE to a negative target is refused too');
SELECT lives_ok($$INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('sl_days', '2 days 1 second', '24x7')$$,
                'validation: a target in days and seconds is fine');
SELECT is((SELECT format('%s|%s|%s', target, active, builtin) FROM leadqual.sla_policy WHERE name = 'sl_days'),
          '48:00:01|t|f', 'validation: it is stored in hours, a day as 24; a new policy is active and not builtin');
SELECT throws_ok($$INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('sl_nocal', '1 hour', 'sl_no_such_calendar')$$,
                 '23503', NULL, 'validation: an unknown calendar is refused by the foreign key');
SELECT throws_ok($$UPDATE leadqual.sla_policy SET stage = 'sal' WHERE name = 'sl_mql_user'$$,
                 '55006', NULL, 'validation: the stage of a policy that has clocks cannot change');
SELECT lives_ok($$UPDATE leadqual.sla_policy SET stage = 'customer' WHERE name = 'sl_sql_watch'$$,
                'validation: the stage of a policy without clocks can');
SELECT throws_ok($$INSERT INTO leadqual.sla_policy (name, target, calendar, builtin) VALUES ('sl_fake', '1 hour', '24x7', true)$$,
                 '42501', NULL, 'validation: a new policy cannot be marked builtin');
SELECT throws_ok($$UPDATE leadqual.sla_policy SET builtin = true WHERE name = 'sl_sql_watch'$$,
                 '42501', NULL, 'validation: nor an existing one');
SELECT is((SELECT string_agg(name, ',' ORDER BY name) FROM leadqual.sla_policy),
          'mql,sl_days,sl_mql_user,sl_sql_watch', 'validation: only the valid policies were stored');
DELETE FROM leadqual.sla_policy WHERE name IN ('sl_sql_watch', 'sl_days');
UPDATE leadqual.sla_policy SET active = false WHERE name = 'sl_mql_user';

------------------------------------------------------------------------------
-- Start at stage entry; stop on first touch, stage exit or either
------------------------------------------------------------------------------

INSERT INTO sl_leads (id) SELECT g FROM generate_series(10, 19) AS g;
-- nothing watches sal yet (the backend caches which stages are watched)
UPDATE sl_leads SET lifecycle_stage = 'sal' WHERE id = 10;
SELECT is(pg_temp.clocks('10'), '', 'entry: a stage no policy watches starts no clock');
INSERT INTO leadqual.sla_policy (name, stage, target, calendar, stops_on) VALUES
    ('sl_touch', 'sal', '1 hour', '24x7', 'first_touch'),
    ('sl_exit', 'sal', '1 hour', '24x7', 'stage_exit'),
    ('sl_either', 'sal', '1 hour', '24x7', 'either');

UPDATE sl_leads SET lifecycle_stage = 'sal' WHERE id = 11;
SELECT is(pg_temp.clocks('11'), 'sl_either:open,sl_exit:open,sl_touch:open',
          'entry: a policy added after the stage was cached as unwatched starts clocks; three policies, one clock each');
SELECT is((SELECT count(*) FROM leadqual.sla_clock AS c, pg_temp.entry('11') AS t
           WHERE c.lead_table = 'sl_leads'::regclass AND c.lead_id = '11'
             AND c.entry_id = t.id AND c.entered_at = t.changed_at AND c.started_at = t.changed_at
             AND c.stage = 'sal' AND c.due_at = leadqual.business_time_add('24x7', c.started_at, '1 hour')
             AND c.due_at = c.started_at + interval '1 hour'),
          3::bigint, 'entry: each started at the transition into sal (entry_id, changed_at) and is due an hour later');

-- a touch stops first_touch and either, not stage_exit
SELECT leadqual.touch('sl_leads', '11', 'email', (pg_temp.clock('11', 'sl_touch')).started_at + interval '10 minutes') AS touch_11
\gset
SELECT is(pg_temp.clocks('11'), 'sl_either:touch,sl_exit:open,sl_touch:touch',
          'touch: stops the first_touch and either clocks, not the stage_exit one');
SELECT is((SELECT count(*) FROM leadqual.sla_clock AS c
           WHERE c.lead_table = 'sl_leads'::regclass AND c.lead_id = '11' AND c.stopped_by = 'touch'
             AND c.touch_id = :touch_11 AND c.stopped_at = c.started_at + interval '10 minutes'
             AND c.business_time = interval '10 minutes'),
          2::bigint, 'touch: stopped_at is the touch time, touch_id the touch, business_time the 10 minutes');
UPDATE sl_leads SET lifecycle_stage = 'sql' WHERE id = 11;
SELECT is(pg_temp.clocks('11'), 'sl_either:touch,sl_exit:stage_exit,sl_touch:touch',
          'exit: leaving the stage stops the stage_exit clock, leaves the others as the touch stopped them');
SELECT is((SELECT format('%s|%s|%s', c.stopped_at = t.changed_at, c.touch_id IS NULL,
                         c.business_time = t.changed_at - c.started_at)
           FROM pg_temp.clock('11', 'sl_exit') AS c, pg_temp.entry('11') AS t),
          't|t|t', 'exit: stopped at the transition out, no touch, business_time up to it');
SELECT is((SELECT c.touch_id FROM pg_temp.clock('11', 'sl_either') AS c), :touch_11::bigint,
          'exit: the either clock keeps the touch that stopped it');

-- leaving without a touch: first_touch keeps running
UPDATE sl_leads SET lifecycle_stage = 'sal' WHERE id = 12;
UPDATE sl_leads SET lifecycle_stage = 'sql' WHERE id = 12;
SELECT is(pg_temp.clocks('12'), 'sl_either:stage_exit,sl_exit:stage_exit,sl_touch:open',
          'exit: leaving the stage stops stage_exit and either clocks, not a first_touch one');
SELECT FROM leadqual.touch('sl_leads', '12', at => clock_timestamp());
SELECT is(pg_temp.clocks('12'), 'sl_either:stage_exit,sl_exit:stage_exit,sl_touch:touch',
          'touch: a touch after the lead left the stage stops its first_touch clock');
SELECT is((SELECT c.stopped_at FROM pg_temp.clock('12', 'sl_either') AS c),
          (SELECT t.changed_at FROM pg_temp.entry('12') AS t),
          'touch: and leaves the clock the exit stopped as it was');

-- a touch before the start doesn't stop
UPDATE sl_leads SET lifecycle_stage = 'sal' WHERE id = 13;
SELECT FROM leadqual.touch('sl_leads', '13', at => (pg_temp.clock('13', 'sl_touch')).started_at - interval '1 microsecond');
SELECT FROM leadqual.touch('sl_leads', '13', at => now());
SELECT is(pg_temp.clocks('13'), 'sl_either:open,sl_exit:open,sl_touch:open',
          'touch: touches dated before the clock started (even now(), the transaction start) stop nothing');
SELECT FROM leadqual.touch('sl_leads', '13', at => (pg_temp.clock('13', 'sl_touch')).started_at);
SELECT is(pg_temp.clocks('13') || ' ' || (pg_temp.clock('13', 'sl_touch')).business_time,
          'sl_either:touch,sl_exit:open,sl_touch:touch 00:00:00',
          'touch: one dated exactly at the start stops them, after no business time');

-- a touch recorded before the clock started, dated after its start
SELECT leadqual.touch('sl_leads', '14', 'meeting', clock_timestamp() + interval '5 minutes') AS touch_14
\gset
SELECT is(pg_temp.clocks('14'), '', 'backdated: the touch of a lead in no watched stage stops nothing');
UPDATE sl_leads SET lifecycle_stage = 'sal' WHERE id = 14;
SELECT is(pg_temp.clocks('14'), 'sl_either:touch,sl_exit:open,sl_touch:touch',
          'backdated: entering the stage starts the clocks and the earlier-recorded later touch stops them at once');
SELECT is((SELECT format('%s|%s', c.touch_id = :touch_14, c.stopped_at = t.touched_at)
           FROM pg_temp.clock('14', 'sl_touch') AS c, leadqual.touch AS t WHERE t.id = :touch_14),
          't|t', 'backdated: stopped at that touch''s time, with its id');
SELECT is((SELECT c.business_time = c.stopped_at - c.started_at FROM pg_temp.clock('14', 'sl_either') AS c), true,
          'backdated: business_time from the start to the touch');
-- of several touches recorded ahead, the earliest stops the clocks (the lowest id among equal times)
SELECT leadqual.touch('sl_leads', '19', 'call', clock_timestamp() + interval '10 minutes') AS touch_19_late
\gset
SELECT leadqual.touch('sl_leads', '19', 'call', clock_timestamp() + interval '1 hour') AS touch_19_first
\gset
SELECT FROM (SELECT leadqual.touch('sl_leads', '19', 'call', t.touched_at)
             FROM leadqual.touch AS t WHERE t.id = :touch_19_first) AS same_time;
UPDATE leadqual.touch SET touched_at = touched_at - interval '55 minutes'
WHERE lead_table = 'sl_leads'::regclass AND lead_id = '19' AND id >= :touch_19_first;
UPDATE sl_leads SET lifecycle_stage = 'sal' WHERE id = 19;
SELECT is((SELECT c.touch_id FROM pg_temp.clock('19', 'sl_touch') AS c), :touch_19_first::bigint,
          'backdated: of several touches recorded ahead, the earliest (lowest id among equal times) stops the clock');

UPDATE leadqual.sla_policy SET active = false WHERE name IN ('sl_touch', 'sl_exit', 'sl_either');

------------------------------------------------------------------------------
-- Start on owner assignment
------------------------------------------------------------------------------

INSERT INTO leadqual.sla_policy (name, stage, target, calendar, starts_on) VALUES
    ('sl_assign', 'pql', '2 hours', '24x7', 'owner_assignment');
INSERT INTO sl_leads (id, owner) VALUES (20, NULL), (21, 'sl_bo');
UPDATE sl_leads SET lifecycle_stage = 'pql' WHERE id IN (20, 21);
SELECT is(pg_temp.clocks('20'), '', 'assignment: entering the stage without an owner starts no owner_assignment clock');
SELECT is((SELECT format('%s|%s|%s', c.owner, c.started_at = t.changed_at, c.entered_at = t.changed_at)
           FROM pg_temp.clock('21', 'sl_assign') AS c, pg_temp.entry('21') AS t),
          'sl_bo|t|t', 'assignment: with the owner already set it starts at the entry');
SELECT FROM pg_sleep(0.001);
SELECT FROM leadqual.touch('sl_leads', '20', at => clock_timestamp());
SELECT FROM pg_sleep(0.001);
UPDATE sl_leads SET owner = 'sl_ann' WHERE id = 20;
SELECT is(pg_temp.clocks('20'), 'sl_assign:open', 'assignment: setting the owner later starts the clock');
SELECT is((SELECT format('%s|%s|%s|%s', c.owner, c.started_at = a.assigned_at, c.entered_at = t.changed_at,
                         c.entry_id = t.id)
           FROM pg_temp.clock('20', 'sl_assign') AS c, pg_temp.entry('20') AS t, leadqual.assignment AS a
           WHERE a.lead_table = 'sl_leads'::regclass AND a.lead_id = '20'),
          'sl_ann|t|t|t',
          'assignment: it started at the assignment, for the entry into pql');
SELECT ok((SELECT c.started_at > c.entered_at FROM pg_temp.clock('20', 'sl_assign') AS c),
          'assignment: which is after the entry');
SELECT is((SELECT c.stopped_at FROM pg_temp.clock('20', 'sl_assign') AS c), NULL,
          'assignment: a touch between the entry and the assignment does not stop the clock');
SELECT is((SELECT c.due_at FROM pg_temp.clock('20', 'sl_assign') AS c),
          (SELECT c.started_at + interval '2 hours' FROM pg_temp.clock('20', 'sl_assign') AS c),
          'assignment: due the target after the assignment, not after the entry');
UPDATE sl_leads SET owner = 'sl_cy' WHERE id = 20;
SELECT is(pg_temp.clocks('20') || ' ' || (pg_temp.clock('20', 'sl_assign')).owner, 'sl_assign:open sl_cy',
          'assignment: a reassignment starts no second clock; the running one follows the owner');

-- with the assignment log of the entry gone (rows deleted by hand), the
-- next owner looks like the first, but the entry's clock is not started twice
DELETE FROM leadqual.assignment WHERE lead_table = 'sl_leads'::regclass AND lead_id = '20';
UPDATE sl_leads SET owner = 'sl_ed' WHERE id = 20;
SELECT is(pg_temp.clocks('20') || ' ' || (pg_temp.clock('20', 'sl_assign')).owner, 'sl_assign:open sl_ed',
          'assignment: an entry''s owner_assignment clock is started once, whatever the assignment log says');

-- the owner set by the same UPDATE that enters the stage
INSERT INTO sl_leads (id) VALUES (22);
UPDATE sl_leads SET lifecycle_stage = 'pql', owner = 'sl_di' WHERE id = 22;
SELECT is((SELECT format('%s|%s|%s', pg_temp.clocks('22'), c.owner, c.started_at = c.entered_at)
           FROM pg_temp.clock('22', 'sl_assign') AS c),
          'sl_assign:open|sl_di|t', 'assignment: an owner set with the move into the stage starts one clock, at the entry');

-- a lead that entered the stage with an owner before the policy existed:
-- handing it to someone else starts no clock (it would be due from the
-- entry, a false breach); nor does taking the owner away and setting one
INSERT INTO sl_leads (id, owner) VALUES (23, 'sl_bo');
UPDATE leadqual.sla_policy SET active = false WHERE name = 'sl_assign';
UPDATE sl_leads SET lifecycle_stage = 'pql' WHERE id = 23;
UPDATE leadqual.sla_policy SET active = true WHERE name = 'sl_assign';
UPDATE sl_leads SET owner = 'sl_cy' WHERE id = 23;
SELECT is(pg_temp.clocks('23'), '',
          'assignment: reassigning a lead that entered with an owner before the policy was in force starts no clock');
UPDATE sl_leads SET owner = NULL WHERE id = 23;
UPDATE sl_leads SET owner = 'sl_di' WHERE id = 23;
SELECT is(pg_temp.clocks('23'), '',
          'assignment: nor does an owner set after it was taken away: the clock starts at the first owner of the entry');
-- one that entered without an owner before the policy: its first owner,
-- set while the policy is in force, starts the clock then
INSERT INTO sl_leads (id) VALUES (24);
UPDATE leadqual.sla_policy SET active = false WHERE name = 'sl_assign';
UPDATE sl_leads SET lifecycle_stage = 'pql' WHERE id = 24;
UPDATE leadqual.sla_policy SET active = true WHERE name = 'sl_assign';
UPDATE sl_leads SET owner = 'sl_ann' WHERE id = 24;
SELECT is((SELECT format('%s|%s', pg_temp.clocks('24'), c.started_at > c.entered_at)
           FROM pg_temp.clock('24', 'sl_assign') AS c),
          'sl_assign:open|t', 'assignment: the first owner of an entry made before the policy starts its clock');
UPDATE sl_leads SET owner = NULL WHERE id = 24;
UPDATE sl_leads SET owner = 'sl_bo' WHERE id = 24;
SELECT is(pg_temp.clocks('24') || ' ' || (pg_temp.clock('24', 'sl_assign')).owner, 'sl_assign:open sl_bo',
          'assignment: taken away and set again, the one clock follows the owner');

UPDATE leadqual.sla_policy SET active = false WHERE name = 'sl_assign';
UPDATE sl_leads SET lifecycle_stage = 'sal' WHERE id = 21;
SELECT is(pg_temp.clocks('21'), 'sl_assign:stage_exit',
          'deactivated: leaving the stage still stops the open clock of a policy switched off since');

------------------------------------------------------------------------------
-- States and breaches
------------------------------------------------------------------------------

INSERT INTO leadqual.sla_policy (name, stage, target, calendar, stops_on) VALUES
    ('sl_state', 'opportunity', '1 hour', '24x7', 'first_touch'),
    ('sl_tiny', 'customer', '1 microsecond', '24x7', 'first_touch');
INSERT INTO sl_leads (id, owner) VALUES (30, 'sl_st'), (31, 'sl_st'), (32, 'sl_st'), (33, 'sl_st'), (34, 'sl_other');
UPDATE sl_leads SET lifecycle_stage = 'opportunity' WHERE id IN (30, 31, 32);
UPDATE sl_leads SET lifecycle_stage = 'customer' WHERE id IN (33, 34);
SELECT FROM leadqual.touch('sl_leads', '30', at => (pg_temp.clock('30', 'sl_state')).started_at + interval '30 minutes');
SELECT FROM leadqual.touch('sl_leads', '31', at => (pg_temp.clock('31', 'sl_state')).started_at + interval '2 hours');
SELECT FROM pg_sleep(0.01);

SELECT is((SELECT string_agg(format('%s:%s', lead_id, state), ',' ORDER BY lead_id) FROM leadqual.sla_status
           WHERE lead_table = 'sl_leads'::regclass AND lead_id IN ('30', '31', '32', '33', '34')),
          '30:met,31:breached,32:open,33:open_breached,34:open_breached',
          'states: touched in time met, touched late breached, running open, running past due open_breached');
SELECT is((SELECT business_time FROM leadqual.sla_status WHERE lead_table = 'sl_leads'::regclass AND lead_id = '30'),
          interval '30 minutes', 'states: a stopped clock reports its business time');
SELECT ok((SELECT business_time > interval '0' AND business_time <= statement_timestamp() - started_at
           FROM leadqual.sla_status WHERE lead_table = 'sl_leads'::regclass AND lead_id = '32'),
          'states: an open clock reports the business time so far');
SELECT is((SELECT string_agg(format('%s:%s', lead_id, state), ',' ORDER BY lead_id) FROM leadqual.sla_breaches
           WHERE lead_table = 'sl_leads'::regclass AND lead_id IN ('30', '31', '32', '33', '34')),
          '31:breached,33:open_breached,34:open_breached', 'breaches: only the breached and open_breached clocks');
SELECT is((SELECT late_by FROM leadqual.sla_breaches WHERE lead_table = 'sl_leads'::regclass AND lead_id = '31'),
          interval '1 hour', 'breaches: late_by of a stopped clock is its business time minus the target');
SELECT is((SELECT late_by = (statement_timestamp() - started_at) - interval '1 microsecond' AND late_by > interval '0'
           FROM leadqual.sla_breaches WHERE lead_table = 'sl_leads'::regclass AND lead_id = '33'),
          true, 'breaches: late_by of an open clock is its business time so far minus the target');
SELECT is((SELECT overdue_by FROM leadqual.sla_breaches WHERE lead_table = 'sl_leads'::regclass AND lead_id = '31'),
          interval '1 hour', 'breaches: overdue_by of a stopped clock is the wall-clock time from its due time to its stop');
SELECT is((SELECT overdue_by = statement_timestamp() - due_at FROM leadqual.sla_breaches
           WHERE lead_table = 'sl_leads'::regclass AND lead_id = '33'),
          true, 'breaches: overdue_by of an open clock is the wall-clock time since its due time');
-- due at 17:00, the close of weekdays_9_17, touched at 09:00 the next
-- morning: no business time passed since it was due
INSERT INTO leadqual.sla_clock (policy, lead_table, lead_id, stage, entry_id, entered_at, owner, started_at,
                                target, calendar, stops_on, due_at, stopped_at, stopped_by, business_time)
VALUES ('sl_state', 'sl_leads', '35', 'opportunity', -35, '2026-11-24 16:00+00', 'sl_st', '2026-11-24 16:00+00',
        '1 hour', 'weekdays_9_17', 'first_touch', '2026-11-24 17:00+00', '2026-11-25 09:00+00', 'touch', '1 hour');
SELECT is((SELECT format('%s|%s|%s', state, late_by, overdue_by) FROM leadqual.sla_breaches
           WHERE lead_table = 'sl_leads'::regclass AND lead_id = '35'),
          'breached|00:00:00|16:00:00',
          'breaches: touched after its due time outside working hours, late by no business time, overdue by 16 hours');
SELECT is((SELECT format('%s|%s|%s', b.policy, b.stage, b.due_at = c.due_at)
           FROM leadqual.sla_breaches AS b JOIN leadqual.sla_clock AS c ON c.id = b.clock_id
           WHERE b.lead_table = 'sl_leads'::regclass AND b.lead_id = '33'),
          'sl_tiny|customer|t', 'breaches: a row names its clock, policy, stage and due time');

SELECT results_eq($$SELECT lead_id, state::text FROM leadqual.sla_breaches WHERE owner = 'sl_st' AND state = 'open_breached'$$,
                  $$VALUES ('33', 'open_breached')$$, 'breaches: one owner''s open breaches');
SET LOCAL enable_seqscan = off;
SELECT matches(pg_temp.plan_of($$SELECT * FROM leadqual.sla_breaches WHERE owner = 'sl_st' AND state = 'open_breached'$$),
               'sla_clock_open_idx', 'breaches: an owner''s open breaches are read from sla_clock_open_idx');
SELECT doesnt_match(pg_temp.plan_of($$SELECT * FROM leadqual.sla_breaches WHERE owner = 'sl_st' AND state = 'open_breached'$$),
                    'sla_clock_late_idx|Seq Scan|sla_clock_pkey|sla_clock_started_idx|sla_clock_lead_idx',
                    'breaches: and the arm of stopped clocks is not scanned at all');
SET LOCAL enable_seqscan = on;

UPDATE leadqual.sla_policy SET active = false WHERE name IN ('sl_state', 'sl_tiny');

------------------------------------------------------------------------------
-- Past clocks keep their due time
------------------------------------------------------------------------------

SELECT FROM leadqual.copy_calendar('weekdays_9_17', 'sl_cal');
INSERT INTO leadqual.sla_policy (name, stage, target, calendar, stops_on) VALUES
    ('sl_keep', 'sal', '4 hours', 'sl_cal', 'first_touch');
UPDATE sl_leads SET lifecycle_stage = 'sal' WHERE id IN (15, 16);
SELECT FROM leadqual.touch('sl_leads', '16', at => (pg_temp.clock('16', 'sl_keep')).started_at + interval '3 days');
CREATE TEMP TABLE sl_kept AS
SELECT lead_id, due_at, target, business_time FROM leadqual.sla_clock
WHERE lead_table = 'sl_leads'::regclass AND lead_id IN ('15', '16');
SELECT is((SELECT format('%s|%s', due_at = leadqual.business_time_add('sl_cal', started_at, '4 hours'),
                         business_time = leadqual.business_time_between('sl_cal', started_at, stopped_at))
           FROM pg_temp.clock('16', 'sl_keep')),
          't|t', 'keep: the stopped clock was due and measured by the calendar as it was');

UPDATE leadqual.sla_policy SET target = '1 hour', stops_on = 'stage_exit' WHERE name = 'sl_keep';
UPDATE leadqual.business_hours SET closes = '10:00' WHERE calendar = 'sl_cal';
SELECT isnt((SELECT leadqual.business_time_add('sl_cal', c.started_at, '4 hours') FROM pg_temp.clock('15', 'sl_keep') AS c),
            (SELECT due_at FROM sl_kept WHERE lead_id = '15'),
            'keep: (the shorter hours do change the due time computed now)');
SELECT isnt((SELECT leadqual.business_time_between('sl_cal', c.started_at, c.stopped_at) FROM pg_temp.clock('16', 'sl_keep') AS c),
            (SELECT business_time FROM sl_kept WHERE lead_id = '16'),
            'keep: (and the business time measured now)');
SELECT is((SELECT format('%s|%s', c.due_at, c.target) FROM pg_temp.clock('15', 'sl_keep') AS c),
          (SELECT format('%s|%s', due_at, target) FROM sl_kept WHERE lead_id = '15'),
          'keep: a running clock keeps the due time and target it started with');
SELECT is((SELECT format('%s|%s|%s', c.due_at, c.target, c.business_time) FROM pg_temp.clock('16', 'sl_keep') AS c),
          (SELECT format('%s|%s|%s', due_at, target, business_time) FROM sl_kept WHERE lead_id = '16'),
          'keep: a stopped clock keeps its due time, target and business time');
UPDATE sl_leads SET lifecycle_stage = 'sal' WHERE id = 17;
SELECT is((SELECT format('%s|%s', c.target, c.due_at = leadqual.business_time_add('sl_cal', c.started_at, '1 hour'))
           FROM pg_temp.clock('17', 'sl_keep') AS c),
          '01:00:00|t', 'keep: a clock started after the edits uses the new target and hours');
SELECT FROM leadqual.touch('sl_leads', '15', at => (pg_temp.clock('15', 'sl_keep')).started_at + interval '1 minute');
SELECT FROM leadqual.touch('sl_leads', '17', at => (pg_temp.clock('17', 'sl_keep')).started_at + interval '1 minute');
SELECT is(pg_temp.clocks('15') || ' ' || pg_temp.clocks('17'), 'sl_keep:touch sl_keep:open',
          'keep: a clock stops the way its policy said when it started (first_touch), a newer one the new way (stage_exit)');

UPDATE leadqual.sla_policy SET active = false WHERE name = 'sl_keep';

------------------------------------------------------------------------------
-- touch()
------------------------------------------------------------------------------

INSERT INTO leadqual.sla_policy (name, stage, target, calendar, stops_on) VALUES
    ('sl_touchy', 'sql', '1 hour', '24x7', 'first_touch');
INSERT INTO sl_leads (id) SELECT g FROM generate_series(50, 56) AS g;

SELECT leadqual.touch('sl_leads', '50') AS touch_50
\gset
SELECT is((SELECT format('%s|%s|%s|%s|%s', lead_table, lead_id, kind, touched_at = now(), actor = current_user)
           FROM leadqual.touch WHERE id = :touch_50),
          'sl_leads|50|call|t|t', 'touch(): kind defaults to call, at to now(), actor to current_user');
SELECT ok((SELECT recorded_at >= now() FROM leadqual.touch WHERE id = :touch_50), 'touch(): recorded_at is the clock time');
SELECT leadqual.touch('sl_leads', '50', 'demo', '2026-01-05 10:00+00', 'rep@example.com') AS touch_50b
\gset
SELECT is(:touch_50b::bigint, (SELECT max(id) FROM leadqual.touch), 'touch(): returns the new touch''s id');
SELECT is((SELECT format('%s|%s|%s', kind, touched_at, actor) FROM leadqual.touch WHERE id = :touch_50b),
          'demo|2026-01-05 10:00:00+00|rep@example.com', 'touch(): with every argument given');

SELECT throws_ok($$SELECT leadqual.touch(NULL, '50')$$, '22004', NULL, 'touch(): NULL leads is refused');
SELECT throws_ok($$SELECT leadqual.touch('sl_leads', NULL)$$, '22004', NULL, 'touch(): NULL lead_id is refused');
SELECT throws_ok($$SELECT leadqual.touch('sl_leads', '50', NULL)$$, '22004', NULL, 'touch(): NULL kind is refused');
SELECT throws_ok($$SELECT leadqual.touch('sl_leads', '50', at => NULL)$$, '22004', NULL, 'touch(): NULL at is refused');
SELECT throws_ok($$SELECT leadqual.touch('sl_leads', '50', actor => NULL)$$, '22004', NULL, 'touch(): NULL actor is refused');
SELECT throws_ok($$SELECT leadqual.touch('sl_leads', '50', '')$$, '22023', NULL, 'touch(): an empty kind is refused');
SELECT throws_ok($$SELECT leadqual.touch('sl_leads', '50', at => 'infinity')$$, '22023', NULL, 'touch(): at infinity is refused');
SELECT throws_ok($$SELECT leadqual.touch('sl_leads', '50', at => '-infinity')$$, '22023', NULL, 'touch(): at -infinity is refused');
CREATE TABLE sl_plain (id int PRIMARY KEY);
SELECT throws_ok($$SELECT leadqual.touch('sl_plain', '1')$$, '55000', NULL, 'touch(): a table leadqual does not manage is refused');
SELECT throws_ok($$SELECT leadqual.touch('sl_leads', '5000')$$, 'P0002', NULL, 'touch(): a lead that does not exist is refused');
SELECT throws_ok($$INSERT INTO leadqual.touch (lead_table, lead_id) VALUES ('sl_leads', '50'), ('sl_leads', 'x')$$,
                 'P0002', NULL, 'bulk: a batch touching a lead that does not exist is refused whole');
SELECT is((SELECT count(*) FROM leadqual.touch WHERE lead_id = '50'), 2::bigint, 'touch(): the refused calls recorded nothing');
SELECT lives_ok($$INSERT INTO leadqual.touch (lead_table, lead_id) VALUES ('sl_plain', '1')$$,
                'bulk: touches of a table not managed (as pg_restore loads them) are stored');

-- privileges: recording a touch needs UPDATE on the leads
UPDATE sl_leads SET lifecycle_stage = 'sql' WHERE id IN (51, 52, 53, 54, 55, 56);
CREATE ROLE lq_tap_sl_viewer;
CREATE ROLE lq_tap_sl_rep;
CREATE ROLE lq_tap_sl_blind;
GRANT USAGE ON SCHEMA leadqual TO lq_tap_sl_viewer, lq_tap_sl_rep, lq_tap_sl_blind;
GRANT SELECT ON sl_leads TO lq_tap_sl_viewer;
GRANT SELECT, UPDATE ON sl_leads TO lq_tap_sl_rep;
GRANT UPDATE ON sl_leads TO lq_tap_sl_blind;
SELECT clock_timestamp() + interval '1 minute' AS in_a_minute
\gset
SET LOCAL ROLE lq_tap_sl_viewer;
SELECT throws_ok(format($$SELECT leadqual.touch('sl_leads', '51', at => %L)$$, :'in_a_minute'), '42501', NULL,
                 'touch(): a role without UPDATE on the leads cannot record a touch');
SELECT throws_ok(format($$INSERT INTO leadqual.touch (lead_table, lead_id, touched_at) VALUES ('sl_leads', '51', %L)$$, :'in_a_minute'),
                 '42501', NULL, 'bulk: nor insert one');
RESET ROLE;
-- the lead is locked as the caller, which must be able to find it
SET LOCAL ROLE lq_tap_sl_blind;
SELECT throws_ok(format($$SELECT leadqual.touch('sl_leads', '51', at => %L)$$, :'in_a_minute'), '42501', NULL,
                 'touch(): a role with UPDATE but without SELECT on the id column cannot record a touch');
RESET ROLE;
SELECT is(pg_temp.clocks('51') || ' ' || (SELECT count(*) FROM leadqual.touch WHERE lead_id = '51'), 'sl_touchy:open 0',
          'touch(): the refused touches recorded nothing and stopped nothing');
SET LOCAL ROLE lq_tap_sl_rep;
SELECT lives_ok(format($$SELECT leadqual.touch('sl_leads', '51', at => %L)$$, :'in_a_minute'),
                'touch(): a role with UPDATE on the leads records a touch');
SELECT throws_ok($$UPDATE leadqual.sla_clock SET stopped_at = NULL$$, '42501', NULL,
                 'touch(): though it cannot write the clocks itself');
RESET ROLE;
SELECT is((SELECT format('%s|%s', t.actor, c.stopped_by) FROM leadqual.touch AS t, pg_temp.clock('51', 'sl_touchy') AS c
           WHERE t.lead_id = '51' AND t.lead_table = 'sl_leads'::regclass AND c.touch_id = t.id),
          'lq_tap_sl_rep|touch', 'touch(): its touch, under its name, stopped the clock');

-- bulk
INSERT INTO leadqual.touch (lead_table, lead_id, kind, touched_at)
SELECT 'sl_leads', v.lead, v.kind, c.started_at + v.after
FROM (VALUES ('52', 'email', interval '20 minutes'), ('52', 'call', interval '5 minutes'),
             ('53', 'call', interval '90 minutes'), ('54', 'call', interval '-1 minute')) AS v(lead, kind, after)
JOIN leadqual.sla_clock AS c ON c.lead_table = 'sl_leads'::regclass AND c.lead_id = v.lead AND c.policy = 'sl_touchy';
SELECT is(pg_temp.clocks('52') || ' ' || pg_temp.clocks('53') || ' ' || pg_temp.clocks('54') || ' ' || pg_temp.clocks('55'),
          'sl_touchy:touch sl_touchy:touch sl_touchy:open sl_touchy:open',
          'bulk: an INSERT of several touches stops the clocks of the leads touched after their start');
SELECT is((SELECT format('%s|%s', c.business_time, t.kind) FROM pg_temp.clock('52', 'sl_touchy') AS c
           JOIN leadqual.touch AS t ON t.id = c.touch_id),
          '00:05:00|call', 'bulk: the earliest touch of a lead stops its clock, whatever the order of the rows');
SELECT is((SELECT state::text FROM leadqual.sla_status WHERE lead_table = 'sl_leads'::regclass AND lead_id = '53'),
          'breached', 'bulk: a touch after the due time leaves the clock breached');
CREATE TABLE sl_other (id int PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('sl_other');
INSERT INTO sl_other (id) VALUES (55);
SELECT FROM leadqual.touch('sl_other', '55', at => (pg_temp.clock('55', 'sl_touchy')).started_at + interval '1 minute');
SELECT is(pg_temp.clocks('55'), 'sl_touchy:open', 'touch(): touching the lead with the same id in another table stops nothing here');

INSERT INTO leadqual.calendar (name, time_zone) VALUES ('sl_never', 'UTC');
INSERT INTO leadqual.sla_policy (name, stage, target, calendar, stops_on) VALUES
    ('sl_never_due', 'opportunity', '1 hour', 'sl_never', 'first_touch');
UPDATE sl_leads SET lifecycle_stage = 'opportunity' WHERE id IN (55, 56);
SELECT FROM leadqual.touch('sl_leads', '55', at => (pg_temp.clock('55', 'sl_never_due')).started_at + interval '1 day');
SELECT is((SELECT string_agg(format('%s:%s:%s:%s', lead_id, coalesce(due_at::text, 'NULL'), state, business_time), ',' ORDER BY lead_id)
           FROM leadqual.sla_status WHERE lead_table = 'sl_leads'::regclass AND policy = 'sl_never_due'),
          '55:NULL:met:00:00:00,56:NULL:open:00:00:00',
          'a calendar that never opens: no due time, never breached, no business time used');
UPDATE leadqual.sla_policy SET active = false WHERE name IN ('sl_touchy', 'sl_never_due');

------------------------------------------------------------------------------
-- sla_compliance
------------------------------------------------------------------------------

INSERT INTO leadqual.sla_policy (name, stage, target, calendar, stops_on) VALUES
    ('sl_comp', 'sql', '1 hour', '24x7', 'first_touch');
UPDATE leadqual.sla_policy SET active = true WHERE name = 'sl_tiny';
INSERT INTO sl_leads (id, owner) VALUES
    (70, 'sl_cmp_ann'), (71, 'sl_cmp_ann'), (72, 'sl_cmp_ann'), (73, 'sl_cmp_ann'),
    (74, 'sl_cmp_bo'), (75, 'sl_cmp_bo'), (76, 'sl_cmp_bo');
UPDATE sl_leads SET lifecycle_stage = 'sql' WHERE id BETWEEN 70 AND 75;
UPDATE sl_leads SET lifecycle_stage = 'customer' WHERE id = 76;
INSERT INTO leadqual.touch (lead_table, lead_id, touched_at)
SELECT 'sl_leads', v.lead, c.started_at + v.after
FROM (VALUES ('70', interval '2 minutes'), ('71', interval '30 minutes'), ('72', interval '2 hours'),
             ('74', interval '1 minute'), ('75', interval '4 minutes')) AS v(lead, after)
JOIN leadqual.sla_clock AS c ON c.lead_table = 'sl_leads'::regclass AND c.lead_id = v.lead;
SELECT FROM pg_sleep(0.01);

SELECT is((SELECT format('%s clocks: %s met, %s breached, %s open, %s%% met, %s%% within 5 minutes',
                         clocks, met, breached, open, pct_met, pct_touched_within_5_minutes)
           FROM leadqual.sla_compliance WHERE owner = 'sl_cmp_ann'),
          '4 clocks: 2 met, 1 breached, 1 open, 66.7% met, 25.0% within 5 minutes',
          'compliance: one owner''s counts; % met leaves the open clock out, % touched within 5 minutes counts it');
SELECT is((SELECT format('%s|%s|%s', avg_response, median_response, p90_response)
           FROM leadqual.sla_compliance WHERE owner = 'sl_cmp_ann'),
          '00:50:40|00:30:00|01:42:00', 'compliance: average, median and 90th percentile of the touch response times');
-- waits 0 (the open clock, so far), 2 minutes, 30 minutes, 2 hours:
-- median (2 + 30) / 2 = 16 minutes; p90 30 + 0.7 * 90 = 93 minutes
SELECT is((SELECT format('%s|%s', median_wait, p90_wait) FROM leadqual.sla_compliance WHERE owner = 'sl_cmp_ann'),
          '00:16:00|01:33:00',
          'compliance: the median and 90th percentile wait count the clock nobody touched yet, with its wait so far');
SELECT is((SELECT string_agg(format('%s: %s clocks, %s met, %s breached, %s open, %s%% met, %s%% within 5 minutes',
                                    policy, clocks, met, breached, open, pct_met, pct_touched_within_5_minutes), '; '
                             ORDER BY policy)
           FROM leadqual.sla_compliance WHERE owner = 'sl_cmp_bo'),
          'sl_comp: 2 clocks, 2 met, 0 breached, 0 open, 100.0% met, 100.0% within 5 minutes; '
          'sl_tiny: 1 clocks, 0 met, 1 breached, 0 open, 0.0% met, 0.0% within 5 minutes',
          'compliance: one row per policy; an open_breached clock counts as breached and not as open');
SELECT is((SELECT week FROM leadqual.sla_compliance WHERE owner = 'sl_cmp_bo' AND policy = 'sl_comp'),
          (SELECT date_trunc('week', started_at)::date FROM pg_temp.clock('74', 'sl_comp')),
          'compliance: the week is the ISO week of the clocks'' start');
-- A sandbox table's clock, for the same owner and policy: a row of its own.
CREATE TABLE sl_sandbox (id int PRIMARY KEY, owner text, score integer NOT NULL DEFAULT 0,
                         lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('sl_sandbox', owner_column => 'owner');
INSERT INTO sl_sandbox (id, owner, lifecycle_stage) VALUES (1, 'sl_cmp_ann', 'sql');
SELECT results_eq($$SELECT lead_table::text, policy, clocks FROM leadqual.sla_compliance
                    WHERE owner = 'sl_cmp_ann' ORDER BY lead_table::text$$,
                  $$VALUES ('sl_leads', 'sl_comp', 4::bigint), ('sl_sandbox', 'sl_comp', 1::bigint)$$,
                  'compliance: one row per table, so a sandbox table''s clocks are left out by its name');

UPDATE leadqual.sla_policy SET active = false WHERE name IN ('sl_comp', 'sl_tiny');

------------------------------------------------------------------------------
-- funnel, stage_velocity, rejection_summary
------------------------------------------------------------------------------

CREATE TABLE sl_funnel (id int PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                        lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('sl_funnel');
INSERT INTO sl_funnel (id) VALUES (1), (2), (3), (4);
UPDATE sl_funnel SET score = 60 WHERE id IN (1, 4);         -- lead -> mql
UPDATE sl_funnel SET lifecycle_stage = 'sql' WHERE id = 1;  -- mql -> sql
UPDATE sl_funnel SET lifecycle_stage = 'sql' WHERE id = 2;  -- lead -> sql, skipping mql

SELECT is((SELECT string_agg(format('%s=%s', stage, reached), ',' ORDER BY stage)
           FROM (SELECT stage, sum(reached) AS reached FROM leadqual.funnel
                 WHERE lead_table = 'sl_funnel'::regclass AND mode = 'in_order' GROUP BY stage) AS f),
          'subscriber=4,lead=4,mql=3,pql=2,sal=2,sql=2,opportunity=0,customer=0,evangelist=0',
          'funnel in_order: a lead counts at every stage up to its furthest; the one that skipped mql counts at mql');
SELECT is((SELECT string_agg(format('%s=%s', stage, reached), ',' ORDER BY stage)
           FROM (SELECT stage, sum(reached) AS reached FROM leadqual.funnel
                 WHERE lead_table = 'sl_funnel'::regclass AND mode = 'any' GROUP BY stage) AS f),
          'subscriber=0,lead=4,mql=2,pql=0,sal=0,sql=2,opportunity=0,customer=0,evangelist=0',
          'funnel any: a lead counts only at the stages it entered; the skipper not at mql');
SELECT is((SELECT format('%s|%s', i.conversion, a.conversion)
           FROM leadqual.funnel AS i, leadqual.funnel AS a
           WHERE i.lead_table = 'sl_funnel'::regclass AND a.lead_table = 'sl_funnel'::regclass
             AND i.mode = 'in_order' AND a.mode = 'any' AND i.stage = 'mql' AND a.stage = 'mql'
             AND i.cohort = a.cohort),
          '0.7500|0.5000', 'funnel: conversion from lead to mql is 3/4 in order, 2/4 as entered');
SELECT is((SELECT cohort FROM leadqual.funnel WHERE lead_table = 'sl_funnel'::regclass AND mode = 'any' AND stage = 'lead'),
          (SELECT date_trunc('month', min(changed_at))::date FROM leadqual.transition WHERE lead_table = 'sl_funnel'::regclass),
          'funnel: the cohort is the month of the leads'' first logged stage');

SELECT is((SELECT string_agg(format('%s>%s=%s', from_stage, to_stage, moves), ',' ORDER BY from_stage, to_stage)
           FROM leadqual.stage_velocity WHERE lead_table = 'sl_funnel'::regclass),
          'lead>mql=2,lead>sql=1,mql>sql=1', 'stage_velocity: moves between each pair of consecutive stages');
SELECT is((SELECT format('%s|%s', median_time > interval '0', avg_business_time IS NOT NULL)
           FROM leadqual.stage_velocity WHERE lead_table = 'sl_funnel'::regclass AND from_stage = 'mql'),
          't|t', 'stage_velocity: with wall-clock and business times');

CREATE TABLE sl_rej (id int PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                     lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', rep text);
SELECT leadqual.manage('sl_rej', owner_column => 'rep');
INSERT INTO sl_rej (id, score, rep) VALUES (1, 60, 'sl_rj_ann'), (2, 60, 'sl_rj_ann'), (3, 60, 'sl_rj_ann'),
                                          (4, 60, 'sl_rj_bo'), (5, 60, NULL);
SELECT FROM leadqual.reject('sl_rej', '1', 'recycled', 'bad_timing');
SELECT FROM leadqual.reject('sl_rej', '2', 'recycled', 'bad_timing');
SELECT FROM leadqual.reject('sl_rej', '3', 'disqualified', 'not_icp');
SELECT FROM leadqual.reject('sl_rej', '4', 'recycled', 'bad_timing');
SELECT FROM leadqual.reject('sl_rej', '5', 'disqualified', 'duplicate');
SELECT is((SELECT string_agg(format('%s/%s=%s %s %s', coalesce(owner, 'NULL'), reason, rejections, share_of_month, share_of_owner),
                             ', ' ORDER BY owner, reason)
           FROM leadqual.rejection_summary WHERE lead_table = 'sl_rej'::regclass),
          'sl_rj_ann/bad_timing=2 0.4000 0.6667, sl_rj_ann/not_icp=1 0.2000 0.3333, sl_rj_bo/bad_timing=1 0.2000 1.0000, NULL/duplicate=1 0.2000 1.0000',
          'rejection_summary: counts per owner and reason, share of the month and of the owner');

SET LOCAL leadqual.report_calendar = 'sl_no_such_calendar';
SELECT throws_ok($$SELECT * FROM leadqual.stage_velocity WHERE lead_table = 'sl_funnel'::regclass$$, '42704', NULL,
                 'stage_velocity with leadqual.report_calendar naming no calendar: undefined_object');
RESET leadqual.report_calendar;

------------------------------------------------------------------------------
-- Owners: who gets a lead that enters mql
------------------------------------------------------------------------------

-- Three owners of equal weight, none of whom has had a turn yet: round-robin
-- goes in name order.
INSERT INTO leadqual.owner (name) VALUES ('sl_o_ann'), ('sl_o_bo'), ('sl_o_cy');
CREATE TABLE sl_rr (id int PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', rep text);
SELECT FROM leadqual.manage('sl_rr', owner_column => 'rep');
INSERT INTO sl_rr (id, rep) VALUES (1, 'sl_o_cy'), (2, NULL);
UPDATE sl_rr SET lifecycle_stage = 'mql' WHERE id IN (1, 2);
SELECT is((SELECT string_agg(format('%s:%s', id, rep), ',' ORDER BY id) FROM sl_rr), '1:sl_o_cy,2:sl_o_ann',
          'owners: moved into mql by hand, a lead that came with an owner keeps it, one without gets the next turn');
-- sl_o_bo takes lead 3 by hand in sal (which assigns nobody), then rejects
-- it; sl_o_bo has the next turn, but not for the lead it rejected
INSERT INTO sl_rr (id) VALUES (3);
UPDATE sl_rr SET lifecycle_stage = 'sal' WHERE id = 3;
UPDATE sl_rr SET rep = 'sl_o_bo' WHERE id = 3;
SELECT FROM leadqual.reject('sl_rr', '3', 'recycled', 'bad_timing');
UPDATE sl_rr SET score = 60 WHERE id = 3;
SELECT is((SELECT format('%s %s', lifecycle_stage, rep) FROM sl_rr WHERE id = 3), 'mql sl_o_cy',
          'owners: round-robin never hands a lead back to the owner who had it when it was rejected, one set by hand too');

------------------------------------------------------------------------------
-- A clock's policy and calendar: renamed with it, never deleted under it
-- (_clock_references(), without foreign keys)
------------------------------------------------------------------------------

INSERT INTO leadqual.calendar (name, time_zone) VALUES ('sl_ref_cal', 'Europe/Paris');
INSERT INTO leadqual.business_hours (calendar, weekday, opens, closes)
SELECT 'sl_ref_cal', d, '09:00', '17:00' FROM generate_series(1, 5) AS d;
INSERT INTO leadqual.sla_policy (name, stage, target, calendar) VALUES ('sl_ref', 'opportunity', '1 hour', 'sl_ref_cal');
INSERT INTO leadqual.sla_policy (name, stage, target, calendar, active) VALUES ('sl_ref_unused', 'opportunity', '1 hour', '24x7', false);
CREATE TABLE sl_ref_leads (id int PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                           lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('sl_ref_leads');
INSERT INTO sl_ref_leads (id, lifecycle_stage) VALUES (1, 'opportunity'), (2, 'opportunity');
SELECT is((SELECT count(*) FROM leadqual.sla_clock WHERE policy = 'sl_ref' AND calendar = 'sl_ref_cal'), 2::bigint,
          'references: two clocks name the policy and its calendar');
SELECT throws_ok($$DELETE FROM leadqual.sla_policy WHERE name = 'sl_ref'$$, '23503',
                 'leadqual: SLA policy "sl_ref" cannot be deleted: SLA clocks name it',
                 'references: a policy clocks name cannot be deleted');
SELECT lives_ok($$DELETE FROM leadqual.sla_policy WHERE name = 'sl_ref_unused'$$,
                'references: a policy no clock names can be deleted');
SELECT throws_ok($$TRUNCATE leadqual.sla_policy CASCADE$$, '23503', NULL,
                 'references: sla_policy cannot be truncated while clocks name its rows');
UPDATE leadqual.sla_policy SET name = 'sl_ref_renamed' WHERE name = 'sl_ref';
SELECT is((SELECT string_agg(DISTINCT policy, ',') FROM leadqual.sla_clock WHERE lead_table = 'sl_ref_leads'::regclass),
          'sl_ref_renamed', 'references: renaming a policy renames it in its clocks');
UPDATE leadqual.calendar SET name = 'sl_ref_cal2' WHERE name = 'sl_ref_cal';
SELECT is((SELECT string_agg(DISTINCT c.calendar || '/' || p.calendar, ',')
           FROM leadqual.sla_clock AS c JOIN leadqual.sla_policy AS p ON p.name = c.policy
           WHERE c.lead_table = 'sl_ref_leads'::regclass),
          'sl_ref_cal2/sl_ref_cal2', 'references: renaming a calendar renames it in the clocks and the policy');
-- the policy moves to another calendar: only the clocks still name the old one
UPDATE leadqual.sla_policy SET calendar = '24x7' WHERE name = 'sl_ref_renamed';
SELECT throws_ok($$DELETE FROM leadqual.calendar WHERE name = 'sl_ref_cal2'$$, '23503',
                 'leadqual: SLA calendar "sl_ref_cal2" cannot be deleted: SLA clocks name it',
                 'references: a calendar clocks name cannot be deleted');
SELECT is((SELECT count(*) FROM leadqual.calendar WHERE name = 'sl_ref_cal2'), 1::bigint,
          'references: and is still there');
UPDATE sl_ref_leads SET lifecycle_stage = 'customer';
SELECT is((SELECT count(*) FROM leadqual.sla_clock WHERE policy = 'sl_ref_renamed' AND stopped_by = 'stage_exit'
           AND business_time IS NOT NULL), 2::bigint,
          'references: clocks of a renamed policy and calendar stop, measured by the renamed calendar');

SELECT * FROM finish();
ROLLBACK;
