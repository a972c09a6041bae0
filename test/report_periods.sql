-- The reports' periods: report_period() (the day, week, month, quarter or
-- year of a time, in the report time zone, weeks from the report's first
-- weekday), the settings leadqual.report_time_zone and leadqual.week_start,
-- and the reports that group by them: the same weeks and months whatever
-- the client's TimeZone.  And the funnel's membership of leads whose log
-- shows them leaving a stage first, or only in detours.
\ir helpers/setup.psql

SELECT plan(28);

------------------------------------------------------------------------------
-- report_period()
------------------------------------------------------------------------------

SET TIME ZONE 'UTC';
-- Tuesday 2026-11-24 01:30 UTC is Monday 2026-11-23 20:30 in New York
SELECT is(leadqual.report_period('2026-11-24 01:30+00'), '2026-11-23'::date,
          'the week of a time, from Monday, in the session''s time zone unless set');
SELECT is(leadqual.report_period('2026-11-24 01:30+00', 'week', 'America/New_York'), '2026-11-23'::date,
          'the same week in New York');
SELECT is(leadqual.report_period('2026-11-24 01:30+00', 'day', 'America/New_York'), '2026-11-23'::date,
          'but the day there is the 23rd');
SELECT is(leadqual.report_period('2026-11-24 01:30+00', 'week', 'UTC', 'tuesday'), '2026-11-24'::date,
          'a week from Tuesday starts that day');
SELECT is(leadqual.report_period('2026-11-24 01:30+00', 'week', 'America/New_York', 'tuesday'), '2026-11-17'::date,
          'and in New York, still Monday, on the Tuesday before');
SELECT is(leadqual.report_period('2026-11-24 01:30+00', 'week', 'UTC', 'sunday'), '2026-11-22'::date,
          'a week from Sunday');
SELECT results_eq($$SELECT leadqual.report_period('2026-11-24 01:30+00', p, 'UTC')
                    FROM unnest('{day,month,quarter,year}'::text[]) WITH ORDINALITY AS u(p, n) ORDER BY n$$,
                  $$VALUES ('2026-11-24'::date), ('2026-11-01'), ('2026-10-01'), ('2026-01-01')$$,
                  'day, month, quarter and year');
SELECT is(leadqual.report_period('2027-01-01 03:00+00', 'year', 'America/Los_Angeles'), '2026-01-01'::date,
          'New Year in UTC is still the old year in Los Angeles');
SELECT is(leadqual.report_period('2026-11-01 05:30+00', 'day', 'America/New_York'), '2026-11-01'::date,
          'across the end of daylight saving time, the local day');
SELECT is(leadqual.report_period(NULL), NULL::date, 'no time, no period');
SELECT is(leadqual.report_period('infinity'), 'infinity'::date, 'an infinite time has an infinite period');

SET LOCAL leadqual.report_time_zone = 'America/New_York';
SET LOCAL leadqual.week_start = 'sunday';
SELECT is(leadqual.report_period('2026-11-24 01:30+00'), '2026-11-22'::date,
          'the settings: New York''s Monday the 23rd, in the week from Sunday the 22nd');
SELECT is(leadqual.report_period('2026-11-24 01:30+00', 'week', 'UTC', 'monday'), '2026-11-23'::date,
          'a call''s own time zone and first weekday win over the settings');
RESET leadqual.report_time_zone;
RESET leadqual.week_start;

-- report_period() remembers, for the rows of one query, stretches of the
-- zone's offsets: checked against PostgreSQL's own conversion on times in
-- scrambled order from 1850 to 2100, and every 7 minutes around offset
-- changes, in zones with daylight saving, half-hour (Lord Howe) and
-- 45-minute offsets, local mean time (Monrovia until 1972, Kolkata), a
-- skipped day (Apia, 2011-12-30) and midnight changes (Sao Paulo).
CREATE TEMP TABLE rp_instants AS
SELECT z.zone, i.at
FROM unnest('{America/New_York,Australia/Lord_Howe,Asia/Kolkata,Africa/Monrovia,Pacific/Apia,America/Sao_Paulo,Europe/Dublin,Asia/Kathmandu,UTC}'::text[]) AS z(zone)
CROSS JOIN LATERAL (
    SELECT timestamptz '1850-01-01 00:00+00' + (g::bigint * 2654435761 % (250::bigint * 365 * 86400)) * interval '1 second' AS at
    FROM generate_series(1, 3000) AS g
    UNION ALL
    SELECT d + s * interval '7 minutes'
    FROM unnest('{2026-03-07,2026-10-31,2026-04-04,2011-12-28,1972-04-29,2018-11-03,1941-09-30}'::timestamptz[]) AS d,
         generate_series(0, 4 * 24 * 60 / 7) AS s
) AS i;
SELECT is((SELECT count(*) FROM rp_instants
           WHERE leadqual.report_period(at, 'day', zone) <> (at AT TIME ZONE zone)::date
              OR leadqual.report_period(at, 'month', zone) <> date_trunc('month', at AT TIME ZONE zone)::date),
          0::bigint, 'the local day and month of every time, in every zone, as PostgreSQL converts it');
SELECT is((SELECT count(*) FROM (SELECT * FROM rp_instants ORDER BY zone, md5(at::text)) AS r
           WHERE leadqual.report_period(at, 'week', zone, 'sunday') <>
                 (at AT TIME ZONE zone)::date - extract(dow FROM at AT TIME ZONE zone)::int),
          0::bigint, 'and the week from Sunday, with each zone''s rows together in scrambled order');

SELECT throws_ok($$SELECT leadqual.report_period(now(), 'fortnight')$$, '22023',
                 'leadqual.report_period: "fortnight" is not a period', 'an unknown period is refused');
SELECT throws_ok($$SELECT leadqual.report_period(now(), NULL)$$, '22004', NULL, 'so is a NULL one');
SELECT throws_ok($$SELECT leadqual.report_period(now(), 'week', 'Mars/Olympus')$$, '22023',
                 'leadqual.report_period: "Mars/Olympus" is not a time zone', 'an unknown time zone is refused');
SELECT throws_ok($$SELECT leadqual.report_period(now(), 'week', 'UTC', 'Monday')$$, '22023',
                 'leadqual.report_period: "Monday" is not a weekday', 'weekdays are named in lower case');
SELECT throws_ok($$SET leadqual.report_time_zone = 'Mars/Olympus'$$, '22023', NULL,
                 'leadqual.report_time_zone takes time zones only');
SELECT throws_ok($$SET leadqual.week_start = 'someday'$$, '22023', NULL,
                 'leadqual.week_start takes weekdays only');

------------------------------------------------------------------------------
-- The reports honour them
------------------------------------------------------------------------------

CREATE TABLE rp_leads (
    id integer PRIMARY KEY,
    score integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
-- Lead 3 was at sql before leadqual managed the table.
INSERT INTO rp_leads VALUES (3, 0, 'sql');
SELECT FROM leadqual.manage('rp_leads');
INSERT INTO rp_leads VALUES (1, 10, 'lead'), (2, 10, 'lead');
UPDATE rp_leads SET score = 60 WHERE id = 1;
SET LOCAL leadqual.reason = 'not_icp';
INSERT INTO rp_leads VALUES (4, 0, 'disqualified');
SELECT FROM leadqual.reject('rp_leads', '3', 'recycled', 'bad_timing');
RESET leadqual.reason;
-- The clock and the log, moved to Monday 2026-11-23 20:30 New York time,
-- Tuesday 01:30 UTC.
UPDATE leadqual.sla_clock SET started_at = '2026-11-24 01:30+00', entered_at = '2026-11-24 01:30+00'
WHERE lead_table = 'rp_leads'::regclass;
UPDATE leadqual.transition SET changed_at = '2026-12-01 01:30+00' WHERE lead_table = 'rp_leads'::regclass;

CREATE FUNCTION pg_temp.periods() RETURNS text
LANGUAGE sql AS $$
    SELECT concat_ws(' ',
        (SELECT string_agg(DISTINCT week::text, ',') FROM leadqual.sla_compliance WHERE policy = 'mql'),
        (SELECT string_agg(DISTINCT cohort::text, ',') FROM leadqual.funnel WHERE lead_table = 'rp_leads'::regclass),
        (SELECT string_agg(DISTINCT month::text, ',') FROM leadqual.rejection_summary WHERE lead_table = 'rp_leads'::regclass))
$$;
SET LOCAL TIME ZONE 'UTC';
SELECT is(pg_temp.periods(), '2026-11-23 2026-12-01 2026-12-01',
          'in UTC: the clock''s week from Monday the 23rd, the cohort and rejections of December');
SET LOCAL TIME ZONE 'America/New_York';
SELECT is(pg_temp.periods(), '2026-11-23 2026-11-01 2026-11-01',
          'in a New York session, without the setting, the log''s times fall in November');
SET LOCAL leadqual.report_time_zone = 'UTC';
SELECT is(pg_temp.periods(), '2026-11-23 2026-12-01 2026-12-01',
          'with leadqual.report_time_zone, every client reads the same periods');
SET LOCAL leadqual.week_start = 'tuesday';
SELECT is(pg_temp.periods(), '2026-11-24 2026-12-01 2026-12-01',
          'and with leadqual.week_start, weeks from Tuesday');
RESET leadqual.report_time_zone;
RESET leadqual.week_start;
SET LOCAL TIME ZONE 'UTC';

------------------------------------------------------------------------------
-- The funnel's members
------------------------------------------------------------------------------

SELECT results_eq($$SELECT stage::text, reached FROM leadqual.funnel
                    WHERE lead_table = 'rp_leads'::regclass AND mode = 'in_order' AND stage IN ('lead', 'mql', 'sql')
                    ORDER BY leadqual.funnel_rank(stage)$$,
                  $$VALUES ('lead', 4::bigint), ('mql', 2::bigint), ('sql', 1::bigint)$$,
                  'in order: four leads; 1 at mql, 3 at sql, which it left for recycled; 4, inserted disqualified, at lead');
SELECT results_eq($$SELECT stage::text, reached FROM leadqual.funnel
                    WHERE lead_table = 'rp_leads'::regclass AND mode = 'any' AND stage IN ('lead', 'mql', 'sql')
                    ORDER BY leadqual.funnel_rank(stage)$$,
                  $$VALUES ('lead', 3::bigint), ('mql', 1::bigint), ('sql', 1::bigint)$$,
                  'any: 1 and 2 entered lead, 4 counts there; 1 entered mql; 3 was in sql');
SELECT is((SELECT sum(reached) FROM leadqual.funnel
           WHERE lead_table = 'rp_leads'::regclass AND mode = 'any' AND stage = 'subscriber'), 0::numeric,
          'and none at a stage it was never in');

SELECT * FROM finish();
ROLLBACK;
