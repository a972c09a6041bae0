-- The handoff (0.3.0): business calendars and business time, SLA policies
-- and clocks, owners, touches, and the SLA and funnel reports.
--
-- The reports run on a fixed dataset written straight into leadqual's tables
-- (the triggers log clock_timestamp(), which no expected file can hold), with
-- every clock stopped, or due long ago (open_breached) or in 2126 (open), so
-- that nothing printed depends on today's date.  The numbers each report
-- must show are worked out by hand in the comments before it.
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
CREATE SCHEMA s;

------------------------------------------------------------------------------
-- Calendars and business time
------------------------------------------------------------------------------

-- The New York office: 09:00-17:00 local, which in February (EST, UTC-5) is
-- 14:00-22:00 UTC and from 8 March 2026 (EDT, UTC-4) 13:00-21:00 UTC; closed
-- on Presidents' Day, Monday 16 February 2026.
SELECT leadqual.copy_calendar('weekdays_9_17', 'ny_office', time_zone => 'America/New_York');
INSERT INTO leadqual.holiday (calendar, day, description) VALUES ('ny_office', '2026-02-16', 'Presidents'' Day');

------------------------------------------------------------------------------
-- A fixed dataset
------------------------------------------------------------------------------

-- Touches need existing leads of a managed table; the leads are loaded
-- before the table is managed, and never written after, so its triggers log
-- nothing.
CREATE TABLE s.leads (id int PRIMARY KEY, score int NOT NULL DEFAULT 0,
                      lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                      rep text);
INSERT INTO s.leads (id) SELECT generate_series(1, 20);
SELECT leadqual.manage('s.leads', owner_column => 'rep');

INSERT INTO leadqual.sla_policy (name, stage, target, calendar, starts_on, stops_on) VALUES
    ('mql_4h', 'mql', '4 hours', 'ny_office', 'stage_entry', 'either'),
    ('sal_24h', 'sal', '24 hours', 'ny_office', 'owner_assignment', 'first_touch'),
    ('long_haul', 'opportunity', '36500 days', '24x7', 'stage_entry', 'stage_exit');

-- Twenty leads, in February 2026 (one first seen in January, one rejected
-- in March), each lead's changes in order so that ids follow time.
INSERT INTO leadqual.transition (lead_table, lead_id, from_stage, to_stage, score, changed_at,
                                 changed_by, reason, via, owner)
SELECT 's.leads', v.lead_id::text, v.from_stage::leadqual.lifecycle_stage,
       v.to_stage::leadqual.lifecycle_stage, v.score, v.changed_at::timestamptz,
       'crm_loader', v.reason, v.via::leadqual.transition_via, v.owner
FROM (VALUES
    ( 1, NULL,  'lead',          0, '2026-02-09 10:00', NULL,         'manual',    NULL),
    ( 1, 'lead', 'mql',         60, '2026-02-09 15:00', NULL,         'promotion', 'alice'),
    ( 1, 'mql', 'sal',          60, '2026-02-10 15:00', NULL,         'manual',    'alice'),
    ( 2, NULL,  'lead',          0, '2026-02-09 12:00', NULL,         'manual',    NULL),
    ( 2, 'lead', 'mql',         55, '2026-02-09 20:00', NULL,         'promotion', 'alice'),
    ( 3, NULL,  'lead',          0, '2026-02-10 09:00', NULL,         'manual',    NULL),
    ( 3, 'lead', 'mql',         70, '2026-02-10 21:00', NULL,         'promotion', 'alice'),
    ( 3, 'mql', 'disqualified', 70, '2026-02-12 16:00', 'not_icp',    'rejection', 'alice'),
    ( 4, NULL,  'lead',          0, '2026-02-09 13:00', NULL,         'manual',    NULL),
    ( 4, 'lead', 'mql',         52, '2026-02-11 13:00', NULL,         'promotion', 'bob'),
    ( 5, NULL,  'lead',          0, '2026-02-11 14:00', NULL,         'manual',    NULL),
    ( 5, 'lead', 'mql',         65, '2026-02-11 15:00', NULL,         'promotion', 'bob'),
    ( 6, NULL,  'lead',          0, '2026-02-12 10:00', NULL,         'manual',    NULL),
    ( 6, 'lead', 'mql',         58, '2026-02-12 16:00', NULL,         'promotion', 'bob'),
    ( 6, 'mql', 'disqualified', 58, '2026-02-13 17:00', 'not_icp',    'rejection', 'bob'),
    ( 7, NULL,  'lead',          0, '2026-02-13 08:00', NULL,         'manual',    NULL),
    ( 7, 'lead', 'mql',         80, '2026-02-13 21:30', NULL,         'promotion', 'carol'),
    ( 8, NULL,  'lead',          0, '2026-02-09 09:00', NULL,         'manual',    NULL),
    ( 8, 'lead', 'mql',         90, '2026-02-12 14:00', NULL,         'promotion', 'carol'),
    ( 9, NULL,  'lead',          0, '2026-02-16 10:00', NULL,         'manual',    NULL),
    ( 9, 'lead', 'mql',         61, '2026-02-16 15:00', NULL,         'promotion', 'alice'),
    (10, NULL,  'lead',          0, '2026-02-17 09:00', NULL,         'manual',    NULL),
    (10, 'lead', 'mql',         75, '2026-02-17 15:00', NULL,         'promotion', 'alice'),
    (11, NULL,  'lead',          0, '2026-02-18 10:00', NULL,         'manual',    NULL),
    (11, 'lead', 'mql',         50, '2026-02-18 16:00', NULL,         'promotion', 'bob'),
    (11, 'mql', 'recycled',     50, '2026-02-19 15:00', 'no_budget',  'rejection', 'bob'),
    (12, NULL,  'lead',          0, '2026-02-19 14:00', NULL,         'manual',    NULL),
    (12, 'lead', 'mql',         66, '2026-02-19 20:00', NULL,         'promotion', 'bob'),
    (12, 'mql', 'disqualified', 66, '2026-02-20 14:00', 'not_icp',    'rejection', 'bob'),
    (13, NULL,  'lead',          0, '2026-02-20 12:00', NULL,         'manual',    NULL),
    (13, 'lead', 'mql',         72, '2026-02-20 19:00', NULL,         'promotion', 'carol'),
    (14, NULL,  'lead',          0, '2026-02-16 11:00', NULL,         'manual',    NULL),
    (14, 'lead', 'mql',         85, '2026-02-17 14:30', NULL,         'promotion', 'carol'),
    (14, 'mql', 'sal',          85, '2026-02-17 16:00', NULL,         'manual',    'carol'),
    (14, 'sal', 'sql',          85, '2026-02-19 15:00', NULL,         'manual',    'carol'),
    (14, 'sql', 'opportunity',  85, '2026-02-20 15:00', NULL,         'manual',    'carol'),
    -- 15 skips mql: sales took it straight from marketing
    (15, NULL,  'lead',          0, '2026-02-10 10:00', NULL,         'manual',    NULL),
    (15, 'lead', 'sal',         40, '2026-02-10 18:00', NULL,         'manual',    'alice'),
    (16, NULL,  'lead',          0, '2026-02-11 10:00', NULL,         'manual',    NULL),
    (16, 'lead', 'disqualified', 0, '2026-02-11 12:00', 'duplicate',  'rejection', NULL),
    (17, NULL,  'lead',          0, '2026-02-12 09:00', NULL,         'manual',    NULL),
    (17, 'lead', 'mql',         54, '2026-02-12 15:00', NULL,         'promotion', 'carol'),
    (17, 'mql', 'recycled',     54, '2026-02-18 14:00', 'bad_timing', 'rejection', 'carol'),
    -- 18 subscribed in January
    (18, NULL,  'subscriber',    0, '2026-01-28 08:00', NULL,         'manual',    NULL),
    (18, 'subscriber', 'lead',   0, '2026-02-10 08:00', NULL,         'manual',    NULL),
    (19, NULL,  'lead',          0, '2026-02-19 09:00', NULL,         'manual',    NULL),
    (19, 'lead', 'mql',         59, '2026-02-19 15:00', NULL,         'promotion', 'alice'),
    (19, 'mql', 'sal',          59, '2026-02-19 17:00', NULL,         'manual',    'alice'),
    (20, NULL,  'lead',          0, '2026-02-20 10:00', NULL,         'manual',    NULL),
    (20, 'lead', 'mql',         62, '2026-02-20 15:00', NULL,         'promotion', 'bob'),
    (20, 'mql', 'disqualified', 62, '2026-03-02 15:00', 'not_icp',    'rejection', 'bob')
) AS v(lead_id, from_stage, to_stage, score, changed_at, reason, via, owner)
ORDER BY v.lead_id, v.changed_at::timestamptz;

-- The touches, recorded before any clock exists, so they stop none.
INSERT INTO leadqual.touch (lead_table, lead_id, kind, touched_at, actor)
SELECT 's.leads', v.lead_id::text, v.kind, v.touched_at::timestamptz, v.actor
FROM (VALUES
    ( 1, 'call',    '2026-02-09 16:30', 'alice'),
    ( 1, 'meeting', '2026-02-11 16:00', 'alice'),
    ( 2, 'email',   '2026-02-10 15:00', 'alice'),
    ( 3, 'call',    '2026-02-11 19:00', 'alice'),
    ( 4, 'call',    '2026-02-11 14:05', 'bob'),
    ( 5, 'call',    '2026-02-11 15:04', 'bob'),
    ( 7, 'email',   '2026-02-17 15:00', 'carol'),
    ( 8, 'call',    '2026-02-12 14:02', 'carol'),
    ( 9, 'call',    '2026-02-17 17:00', 'alice'),
    (12, 'call',    '2026-02-19 21:00', 'bob'),
    (14, 'call',    '2026-02-17 14:33', 'carol'),
    (14, 'meeting', '2026-02-18 15:00', 'carol'),
    (15, 'call',    '2026-02-13 21:00', 'alice'),
    (17, 'email',   '2026-02-12 16:00', 'carol'),
    (20, 'call',    '2026-02-20 15:30', 'bob')
) AS v(lead_id, kind, touched_at, actor);

-- One clock per stage entry a policy watches, started at the entry, stopped
-- (when it was) by the lead's first touch at or after the start, or by the
-- lead leaving the stage: the first of these the policy stops on.  Due time
-- and business time are computed the way the triggers compute them.
INSERT INTO leadqual.sla_clock (policy, lead_table, lead_id, stage, entry_id, entered_at, owner,
                                started_at, target, calendar, stops_on, due_at,
                                stopped_at, stopped_by, touch_id, business_time)
SELECT p.name, t.lead_table, t.lead_id, p.stage, t.id, t.changed_at, t.owner,
       t.changed_at, p.target, p.calendar, p.stops_on,
       leadqual.business_time_add(p.calendar, t.changed_at, p.target),
       v.stopped_at, v.stopped_by, h.id, leadqual.business_time_between(p.calendar, t.changed_at, v.stopped_at)
FROM (VALUES
    ( 1, 'mql_4h',    timestamptz '2026-02-09 16:30', 'touch'::leadqual.sla_stopped_by),
    ( 1, 'sal_24h',   '2026-02-11 16:00', 'touch'),
    ( 2, 'mql_4h',    '2026-02-10 15:00', 'touch'),
    ( 3, 'mql_4h',    '2026-02-11 19:00', 'touch'),
    ( 4, 'mql_4h',    '2026-02-11 14:05', 'touch'),
    ( 5, 'mql_4h',    '2026-02-11 15:04', 'touch'),
    ( 6, 'mql_4h',    '2026-02-13 17:00', 'stage_exit'),
    ( 7, 'mql_4h',    '2026-02-17 15:00', 'touch'),
    ( 8, 'mql_4h',    '2026-02-12 14:02', 'touch'),
    ( 9, 'mql_4h',    '2026-02-17 17:00', 'touch'),
    (10, 'mql_4h',    NULL, NULL),
    (11, 'mql_4h',    '2026-02-19 15:00', 'stage_exit'),
    (12, 'mql_4h',    '2026-02-19 21:00', 'touch'),
    (13, 'mql_4h',    NULL, NULL),
    (14, 'mql_4h',    '2026-02-17 14:33', 'touch'),
    (14, 'sal_24h',   '2026-02-18 15:00', 'touch'),
    (14, 'long_haul', NULL, NULL),
    (15, 'sal_24h',   '2026-02-13 21:00', 'touch'),
    (17, 'mql_4h',    '2026-02-12 16:00', 'touch'),
    (19, 'mql_4h',    '2026-02-19 17:00', 'stage_exit'),
    (19, 'sal_24h',   NULL, NULL),
    (20, 'mql_4h',    '2026-02-20 15:30', 'touch')
) AS v(lead_id, policy, stopped_at, stopped_by)
JOIN leadqual.sla_policy AS p ON p.name = v.policy
JOIN leadqual.transition AS t
  ON t.lead_table = 's.leads'::regclass AND t.lead_id = v.lead_id::text AND t.to_stage = p.stage
LEFT JOIN leadqual.touch AS h
  ON v.stopped_by = 'touch' AND h.lead_table = t.lead_table AND h.lead_id = t.lead_id
 AND h.touched_at = v.stopped_at;

-- Every touch-stopped clock found its touch, and each was the lead's first
-- at or after the clock's start; every stage-exit stop is the lead's next
-- change.
SELECT count(*) FILTER (WHERE c.stopped_by = 'touch' AND c.touch_id IS NULL) AS touch_missing,
       count(*) FILTER (WHERE c.stopped_by = 'touch' AND c.touch_id IS DISTINCT FROM (
           SELECT h.id FROM leadqual.touch AS h
           WHERE h.lead_table = c.lead_table AND h.lead_id = c.lead_id AND h.touched_at >= c.started_at
           ORDER BY h.touched_at, h.id LIMIT 1)) AS not_first_touch,
       count(*) FILTER (WHERE c.stopped_by = 'stage_exit' AND c.stopped_at IS DISTINCT FROM (
           SELECT min(t.changed_at) FROM leadqual.transition AS t
           WHERE t.lead_table = c.lead_table AND t.lead_id = c.lead_id AND t.id > c.entry_id)) AS not_next_change
FROM leadqual.sla_clock AS c WHERE c.lead_table = 's.leads'::regclass;

------------------------------------------------------------------------------
-- sla_status
------------------------------------------------------------------------------

-- Due times and business time used, by hand (office hours 14:00-22:00 UTC,
-- Monday 16 February closed):
--   1 mql   Mon 09 15:00 + 4h -> 09 19:00; touched 16:30: 1:30, met
--   2 mql   Mon 09 20:00: 2h Mon + 2h Tue -> 10 16:00; touched 10 15:00: 2+1 = 3:00, met
--   8 mql   Thu 12 14:00 -> 12 18:00; touched 14:02: 0:02, met
--   1 sal   Tue 10 15:00 + 24h: 7 + 8 + 8 + 1 -> Fri 13 15:00; touched 11 16:00: 7+2 = 9:00, met
--   3 mql   Tue 10 21:00: 1h Tue + 3h Wed -> 11 17:00; touched 11 19:00: 1+5 = 6:00, breached
--  15 sal   Tue 10 18:00 + 24h: 4 + 8 + 8 + 4 -> Fri 13 18:00; touched 13 21:00: 4+8+8+7 = 27:00, breached
--   4 mql   Wed 11 13:00, before opening: 14:00 + 4h -> 11 18:00; touched 14:05: 0:05, met
--   5 mql   Wed 11 15:00 -> 11 19:00; touched 15:04: 0:04, met
--  17 mql   Thu 12 15:00 -> 12 19:00; touched 16:00: 1:00, met
--   6 mql   Thu 12 16:00 -> 12 20:00; left (disqualified) Fri 13 17:00: 6+3 = 9:00, breached
--   7 mql   Fri 13 21:30: 0:30 Fri, holiday, 3:30 Tue -> 17 17:30; touched 17 15:00: 0:30+1 = 1:30, met
--   9 mql   Mon 16 15:00 (holiday) -> Tue 17 14:00 + 4h = 17 18:00; touched 17 17:00: 3:00, met
--  14 mql   Tue 17 14:30 -> 17 18:30; touched 14:33: 0:03, met
--  10 mql   Tue 17 15:00 -> 17 19:00; never touched: open_breached
--  14 sal   Tue 17 16:00 + 24h: 6 + 8 + 8 + 2 -> Fri 20 16:00; touched 18 15:00: 6+1 = 7:00, met
--  11 mql   Wed 18 16:00 -> 18 20:00; left (recycled) Thu 19 15:00: 6+1 = 7:00, breached
--  19 mql   Thu 19 15:00 -> 19 19:00; left (sal) 19 17:00: 2:00, met
--  19 sal   Thu 19 17:00 + 24h: 5 + 8 (Fri) + 8 (Mon 23) + 3 -> Tue 24 17:00: open_breached
--  12 mql   Thu 19 20:00: 2h Thu + 2h Fri -> 20 16:00; touched 19 21:00: 1:00, met
--  20 mql   Fri 20 15:00 -> 20 19:00; touched 15:30: 0:30, met
--  14 opp   Fri 20 15:00 + 36500 24-hour days (24 leap days in a century
--           of 36524) -> 2126-01-27 15:00: open
--  13 mql   Fri 20 19:00: 3h Fri + 1h Mon 23 -> 23 15:00: open_breached
-- Business time so far of an open clock depends on today: not printed.
SELECT lead_id, policy, stage, owner, started_at, due_at, stopped_at, stopped_by,
       CASE WHEN stopped_at IS NOT NULL THEN business_time END AS business_time, state
FROM leadqual.sla_status
WHERE lead_table = 's.leads'::regclass
ORDER BY started_at, policy;

------------------------------------------------------------------------------
-- sla_breaches
------------------------------------------------------------------------------

-- Stopped late, late_by = business time - target:
--   3 mql 6:00 - 4:00 = 2:00;   6 mql 9:00 - 4:00 = 5:00;
--  15 sal 27:00 - 24:00 = 3:00; 11 mql 7:00 - 4:00 = 3:00
-- Open past due: 10 mql, 19 sal, 13 mql; they are late by more every
-- business hour, so only that they are late is printed.
SELECT lead_id, policy, owner, state, due_at, stopped_at,
       CASE WHEN state = 'breached' THEN late_by END AS late_by,
       late_by > interval '0' AS late
FROM leadqual.sla_breaches
WHERE lead_table = 's.leads'::regclass
ORDER BY due_at, lead_id;

------------------------------------------------------------------------------
-- sla_compliance
------------------------------------------------------------------------------

-- Per policy, owner and ISO week of the start (UTC); % met is of the clocks
-- no longer open; response times are of the touch-stopped clocks; the
-- within 5 minutes share is of all clocks, by wall-clock time.
-- mql_4h, week of 9 Feb:
--   alice: 1 met 1:30, 2 met 3:00, 3 breached 6:00 -> 3 clocks, 2 met, 1 breached,
--          66.7%; all touched: avg 10:30/3 = 3:30, median 3:00,
--          p90 = 3:00 + 0.8 * (6:00 - 3:00) = 5:24; none within 5 minutes -> 0.0
--   bob:   4 met 0:05 (after 1:05 wall-clock), 5 met 0:04 (4 minutes), 6 breached
--          (stage exit) -> 3 clocks, 2 met, 1 breached, 66.7%; touched 0:05, 0:04:
--          avg = median = 0:04:30, p90 = 0:04 + 0.9 * 0:01 = 0:04:54; 1 of 3 -> 33.3
--   carol: 7 met 1:30, 8 met 0:02 (2 minutes), 17 met 1:00 -> 3 clocks, 3 met, 100.0%;
--          avg 152 min / 3 = 0:50:40, median 1:00, p90 = 1:00 + 0.8 * 0:30 = 1:24;
--          1 of 3 -> 33.3
-- mql_4h, week of 16 Feb:
--   alice: 9 met 3:00, 10 open_breached, 19 met (stage exit) -> 3 clocks, 2 met,
--          1 breached, 66.7%; touched only 9: 3:00; 0.0
--   bob:   11 breached (stage exit), 12 met 1:00, 20 met 0:30 -> 3 clocks, 2 met,
--          1 breached, 66.7%; avg = median = 0:45, p90 = 0:30 + 0.9 * 0:30 = 0:57; 0.0
--   carol: 13 open_breached, 14 met 0:03 (3 minutes) -> 2 clocks, 1 met, 1 breached,
--          50.0%; 0:03; 1 of 2 -> 50.0
-- sal_24h:
--   alice, 9 Feb:  1 met 9:00, 15 breached 27:00 -> 2 clocks, 1 met, 1 breached, 50.0%;
--                  avg = median = 18:00, p90 = 9:00 + 0.9 * 18:00 = 25:12; 0.0
--   alice, 16 Feb: 19 open_breached -> 1 clock, 1 breached, 0.0%; no response; 0.0
--   carol, 16 Feb: 14 met 7:00 -> 1 clock, 1 met, 100.0%; 7:00; 0.0
-- long_haul:
--   carol, 16 Feb: 14 open -> 1 clock, 1 open, no % met (none closed), no response; 0.0
SELECT policy, owner, week, clocks, met, breached, open, pct_met,
       avg_response, median_response, p90_response, pct_touched_within_5_minutes
FROM leadqual.sla_compliance
WHERE owner IN ('alice', 'bob', 'carol') AND week < '2026-03-01'
ORDER BY policy, owner, week;

------------------------------------------------------------------------------
-- funnel
------------------------------------------------------------------------------

-- Cohort February: leads 1-17, 19 and 20 (19 leads), all entered lead.
--   furthest stage: 16 only lead (disqualified from there); 1, 15 and 19 sal;
--   14 opportunity; the other 14 mql (11 and 17 then recycled).
--   in_order (a lead counts at every stage up to its furthest):
--     subscriber 19, lead 19 (1.0000), mql 18 (18/19 = 0.9474),
--     pql 4 (4/18 = 0.2222), sal 4 (1.0000), sql 1 (0.2500),
--     opportunity 1 (1.0000), customer 0 (0.0000), evangelist 0 (no rate)
--   any (only stages really entered): subscriber 0, lead 19 (no rate after 0),
--     mql 17 (15 skipped it, 16 never got there: 17/19 = 0.8947),
--     pql 0 (0.0000), sal 4 (no rate), sql 1 (0.2500), opportunity 1 (1.0000),
--     customer 0 (0.0000), evangelist 0
-- Cohort January: lead 18, subscriber then lead: 1, 1 (1.0000), then 0s.
SELECT mode, cohort, stage, reached, conversion
FROM leadqual.funnel
WHERE lead_table = 's.leads'::regclass
ORDER BY mode DESC, cohort, leadqual.funnel_rank(stage);

------------------------------------------------------------------------------
-- stage_velocity
------------------------------------------------------------------------------

-- Wall-clock, from entering one stage to entering the next:
--   lead -> mql (17): 1 5h, 2 8h, 3 12h, 4 48h, 5 1h, 6 6h, 7 13:30, 8 77h,
--     9 5h, 10 6h, 11 6h, 12 6h, 13 7h, 14 27:30, 17 6h, 19 6h, 20 5h;
--     sorted 1 5 5 5 6 6 6 6 [6] 6 7 8 12 13.5 27.5 48 77: median 6:00,
--     sum 245h, avg 245/17 = 14:24:42.352941
--   lead -> sal: 15 8h.  lead -> disqualified: 16 2h.
--   subscriber -> lead: 18 Wed 28 Jan 08:00 to Tue 10 Feb 08:00 = 13 days.
--   mql -> sal: 1 24h, 14 1:30, 19 2h: median 2:00, avg 27:30/3 = 9:10
--   mql -> disqualified: 3 43h, 6 25h, 12 18h, 20 240h: median (25+43)/2 = 34h,
--     avg 326/4 = 81:30
--   mql -> recycled: 11 23h, 17 143h: median = avg = 83h
--   sal -> sql: 14 47h.  sql -> opportunity: 14 24h.
--   (Wall-clock intervals keep days and hours apart: 13 days, 1 day 23:00 is
--   47h, 1 day 10:00 34h, 3 days 09:30 81:30, and 2 days 35:00:00 83h.)
-- Business time, leadqual.report_calendar = ny_office (14:00-22:00 UTC,
-- holiday 16 Feb):
--   lead -> mql: 1 1h, 2 6h, 3 7h, 4 16h, 5 1h, 6 2h, 7 7:30, 8 24h, 9 0 (holiday),
--     10 1h, 11 2h, 12 6h, 13 5h, 14 0:30, 17 1h, 19 1h, 20 1h;
--     sorted 0 0.5 1 1 1 1 1 1 [2] 2 5 6 6 7 7.5 16 24: median 2:00,
--     avg 82/17 = 4:49:24.705882
--   lead -> sal 4h; lead -> disqualified 0; subscriber -> lead 3 + 5 + 1 days of 8h = 72h
--   mql -> sal: 8h, 1:30, 2h: median 2:00, avg 11:30/3 = 3:50
--   mql -> disqualified: 3 1+8+2 = 11h, 6 6+3 = 9h, 12 2h, 20 7+40+1 = 48h:
--     median 10h, avg 70/4 = 17:30
--   mql -> recycled: 11 6+1 = 7h, 17 7+8+0+8+0 = 23h: median = avg = 15h
--   sal -> sql: 14 6+8+1 = 15h.  sql -> opportunity: 7+1 = 8h.
-- And by the default, weekdays_9_17 (09:00-17:00 UTC, no holiday):
--   lead -> mql: 1 5h, 2 5h, 3 8h, 4 4+8+4 = 16h, 5 1h, 6 6h, 7 8h, 8 8+8+8+5 = 29h,
--     9 5h, 10 6h, 11 6h, 12 3h, 13 5h, 14 6+5.5 = 11:30, 17 6h, 19 6h, 20 5h;
--     sorted 1 3 5 5 5 5 5 6 [6] 6 6 6 8 8 11.5 16 29: median 6:00,
--     avg 131.5/17 = 7:44:07.058824
--   lead -> sal 7h; lead -> disqualified 2h; subscriber -> lead 72h
--   mql -> sal: 2+6 = 8h, 1:30, 2h: median 2:00, avg 3:50
--   mql -> disqualified: 3 0+8+7 = 15h, 6 1+8 = 9h, 12 0+5 = 5h, 20 2+40+6 = 48h:
--     median 12h, avg 77/4 = 19:15
--   mql -> recycled: 11 1+6 = 7h, 17 2+8+8+8+5 = 31h: median = avg = 19h
--   sal -> sql: 1+8+6 = 15h.  sql -> opportunity: 2+6 = 8h.
SET leadqual.report_calendar = 'ny_office';
SELECT from_stage, to_stage, moves, median_time, avg_time, median_business_time, avg_business_time
FROM leadqual.stage_velocity
WHERE lead_table = 's.leads'::regclass
ORDER BY from_stage, to_stage;
RESET leadqual.report_calendar;
SELECT from_stage, to_stage, moves, median_business_time, avg_business_time
FROM leadqual.stage_velocity
WHERE lead_table = 's.leads'::regclass
ORDER BY from_stage, to_stage;
-- a new session, where nothing has loaded leadqual's library (which
-- defines leadqual.report_calendar) yet: the default calendar
\c
SET IntervalStyle = 'postgres';
SELECT from_stage, to_stage, median_business_time, avg_business_time
FROM leadqual.stage_velocity
WHERE lead_table = 's.leads'::regclass
ORDER BY from_stage, to_stage;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET leadqual.report_calendar = 'no_such_calendar';
SELECT from_stage, to_stage, median_business_time FROM leadqual.stage_velocity
WHERE lead_table = 's.leads'::regclass;
RESET leadqual.report_calendar;

------------------------------------------------------------------------------
-- rejection_summary
------------------------------------------------------------------------------

-- February: 6 rejections: alice not_icp (3), bob not_icp (6, 12) and
-- no_budget (11), carol bad_timing (17), no owner duplicate (16).
--   share of month: bob not_icp 2/6 = 0.3333, each other 1/6 = 0.1667
--   share of owner: bob not_icp 2/3 = 0.6667, no_budget 1/3 = 0.3333, others 1.0000
-- March: bob not_icp (20): 1.0000 and 1.0000.
SELECT month, owner, reason, rejections, share_of_month, share_of_owner
FROM leadqual.rejection_summary
WHERE lead_table = 's.leads'::regclass
ORDER BY month, owner NULLS FIRST, reason;

CREATE TABLE s.live (id int PRIMARY KEY, score int NOT NULL DEFAULT 0,
                     lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                     rep text);
SELECT leadqual.manage('s.live', owner_column => 'rep');

------------------------------------------------------------------------------
-- Messages
------------------------------------------------------------------------------

-- touch()
SELECT leadqual.touch('s.live', NULL);
SELECT leadqual.touch('s.live', '1', '');
SELECT leadqual.touch('s.live', '1', 'call', 'infinity');
CREATE TABLE s.unmanaged (id int PRIMARY KEY);
SELECT leadqual.touch('s.unmanaged', '1');
CREATE ROLE leadqual_sla_viewer;
GRANT USAGE ON SCHEMA s TO leadqual_sla_viewer;
GRANT SELECT ON s.live TO leadqual_sla_viewer;
SET ROLE leadqual_sla_viewer;
SELECT leadqual.touch('s.live', '1');
RESET ROLE;

-- SLA policies
INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('Fast Track', '1 hour', '24x7');
INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('instant', '0', '24x7');
INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('backwards', '-1 hour', '24x7');
INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('monthly', '1 month', '24x7');
INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('nowhere', '1 hour', 'no_such_calendar');
INSERT INTO leadqual.sla_policy (name, target, calendar, builtin) VALUES ('sneaky', '1 hour', '24x7', true);
UPDATE leadqual.sla_policy SET target = '1 hour' WHERE name = 'mql';
DELETE FROM leadqual.sla_policy WHERE name = 'mql';
UPDATE leadqual.sla_policy SET stage = 'sql' WHERE name = 'mql_4h';

-- manage(..., owner_column)
CREATE TABLE s.odd (id int PRIMARY KEY, score int, lifecycle_stage leadqual.lifecycle_stage,
                    rep_code text GENERATED ALWAYS AS ('rep-' || id::text) STORED);
SELECT leadqual.manage('s.odd', owner_column => 'nope');
SELECT leadqual.manage('s.odd', owner_column => 'rep_code');
SELECT leadqual.manage('s.odd', owner_column => 'score');
SELECT leadqual.manage('s.odd', owner_column => 'id');

-- calendars and business time
SELECT leadqual.business_time_between('no_such_calendar', '2026-02-09', '2026-02-10');
SELECT leadqual.business_time_add('no_such_calendar', '2026-02-09', '1 hour');
SELECT leadqual.copy_calendar('no_such_calendar', 'copy');
SELECT leadqual.copy_calendar('24x7', 'ny_office');
SELECT leadqual.copy_calendar('24x7', 'mars', time_zone => 'Mars/Olympus_Mons');
INSERT INTO leadqual.calendar (name, time_zone) VALUES ('pacific', 'PST');
INSERT INTO leadqual.calendar (name, time_zone) VALUES ('bad name', 'UTC');
UPDATE leadqual.calendar SET time_zone = 'America/New_York' WHERE name = 'weekdays_9_17';
DELETE FROM leadqual.calendar WHERE name = '24x7';
INSERT INTO leadqual.holiday (calendar, day) VALUES ('weekdays_9_17', '2026-12-25');
DELETE FROM leadqual.business_hours WHERE calendar = 'weekdays_9_17' AND weekday = 5;
SELECT leadqual.business_time_add('ny_office', '2026-02-09', '1 month');
SELECT leadqual.business_time_add('ny_office', '2026-02-09', '1 year 2 days');
SELECT leadqual.business_time_between('ny_office', '-infinity', '2026-02-09');
SELECT leadqual.business_time_between('ny_office', '2026-02-09', 'infinity');

DELETE FROM leadqual.transition WHERE lead_table IN ('s.leads'::regclass, 's.live'::regclass);
DROP SCHEMA s CASCADE;
DROP ROLE leadqual_sla_viewer;
DELETE FROM leadqual.sla_clock WHERE policy IN ('mql_4h', 'sal_24h', 'long_haul', 'live_mql', 'live_sal');
DELETE FROM leadqual.sla_policy WHERE NOT builtin;
DELETE FROM leadqual.assignment;
DELETE FROM leadqual.touch;
DELETE FROM leadqual.owner;
DELETE FROM leadqual.calendar WHERE name IN ('ny_office', 'never_open');
