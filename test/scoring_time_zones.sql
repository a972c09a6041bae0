-- Scores do not depend on the session's time zone: windows and half-lives
-- are absolute time (a day of 24 hours, a month of 30 days), so the same
-- events scored as of the same instant give the same points, the same
-- explain() and the same rescore() in every zone, across daylight-saving
-- changes.
\ir helpers/setup.psql

SELECT plan(12);
SET LOCAL TimeZone = 'UTC';

CREATE TABLE tz_leads (id int PRIMARY KEY, title text, company_size int, industry text,
                       score integer NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.copy_model('default', 'tz_model');
-- a decaying rule whose events straddle New York's change to summer time
-- (2026-03-08), and a window of a month
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, half_life) VALUES
    ('tz_model', 'tz_decaying', 'tz_decay', 40, '7 days');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, within) VALUES
    ('tz_model', 'tz_month', 'tz_month', 7, '1 mon');
-- no promotions: the scores are what is compared
UPDATE leadqual.model SET threshold = 1000 WHERE name = 'tz_model';
SELECT leadqual.manage('tz_leads', model => 'tz_model');
INSERT INTO tz_leads (id) VALUES (1), (2), (3), (4);

-- The built-in site_returns rule: 3 site visits within 30 days give 15.
-- Scored as of 2026-03-20 12:00 UTC, the window starts 2026-02-18 12:00
-- UTC, half an hour before the first visit.  In a New York session, 30
-- calendar days before 08:00 EDT were 08:00 EST, 13:00 UTC, which left the
-- first visit out until 0.5.0.
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at) VALUES
    ('tz_leads', '1', 'site_visit', '2026-02-18 12:30+00'),
    ('tz_leads', '1', 'site_visit', '2026-03-01 12:00+00'),
    ('tz_leads', '1', 'site_visit', '2026-03-10 12:00+00'),
    ('tz_leads', '2', 'tz_decay', '2026-03-06 12:00+00'),
    ('tz_leads', '2', 'tz_decay', '2026-03-09 12:00+00'),
    -- a '1 mon' window is 30 days: as of 2026-03-31 12:00 UTC it starts on
    -- 2026-03-01 12:00 UTC, so of these only the second counts (a calendar
    -- month would have started on 2026-02-28 12:00)
    ('tz_leads', '3', 'tz_month', '2026-02-28 13:00+00'),
    ('tz_leads', '3', 'tz_month', '2026-03-01 12:00:00.000001+00'),
    -- exactly at the start of the window: not counted
    ('tz_leads', '4', 'site_visit', '2026-02-18 12:00+00'),
    ('tz_leads', '4', 'site_visit', '2026-03-01 12:00+00'),
    ('tz_leads', '4', 'site_visit', '2026-03-10 12:00+00');

-- every lead's explain() and engagement, as of two instants, in each zone
CREATE TEMP TABLE tz_seen (zone text, lead_id text, as_of timestamptz, explained text, engagement numeric);
DO $$
DECLARE
    zone text;
    lead text;
    instant timestamptz;
BEGIN
    FOREACH zone IN ARRAY ARRAY['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata',
                                'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns'] LOOP
        PERFORM set_config('TimeZone', zone, true);
        FOREACH lead IN ARRAY ARRAY['1', '2', '3', '4'] LOOP
            FOREACH instant IN ARRAY ARRAY[timestamptz '2026-03-20 12:00+00', timestamptz '2026-03-31 12:00+00'] LOOP
                INSERT INTO tz_seen
                SELECT zone, lead, instant,
                       (SELECT string_agg(format('%s %s %s', e.rule, e.points, e.evidence - 'events'), '; ' ORDER BY e.rule)
                        FROM leadqual.explain('tz_leads', lead, instant) AS e
                        WHERE e.category = 'engagement'),
                       (SELECT COALESCE(sum(p.points), 0) FROM leadqual._engagement_points('tz_leads', instant) AS p
                        WHERE p.lead_id = lead);
            END LOOP;
        END LOOP;
    END LOOP;
    PERFORM set_config('TimeZone', 'UTC', true);
END
$$;

SELECT is((SELECT count(DISTINCT (lead_id, as_of, explained, engagement)) FROM tz_seen), 8::bigint,
          'explain() and the engagement of 4 leads as of 2 instants are the same in 7 time zones');
SELECT is((SELECT engagement FROM tz_seen WHERE zone = 'America/New_York' AND lead_id = '1'
           AND as_of = '2026-03-20 12:00+00'), 15::numeric,
          'the issue''s case: 3 site visits in 30 days give 15 in a New York session too');
SELECT is((SELECT engagement FROM tz_seen WHERE zone = 'America/New_York' AND lead_id = '1'
           AND as_of = '2026-03-31 12:00+00'), 0::numeric,
          'eleven days later the first visit has left the window');
-- 40 x (0.5^(14/7) + 0.5^(11/7)) = 40 x (0.25 + 0.3365) = 23.5, which rounds to 23 or 24
SELECT is((SELECT engagement FROM tz_seen WHERE zone = 'UTC' AND lead_id = '2'
           AND as_of = '2026-03-20 12:00+00'),
          round(40 * (0.5 ^ (14.0 / 7) + 0.5 ^ (11.0 / 7))),
          'decay counts the hours between event and as_of, not calendar days');
SELECT is((SELECT engagement FROM tz_seen WHERE zone = 'Pacific/Chatham' AND lead_id = '3'
           AND as_of = '2026-03-31 12:00+00'), 7::numeric,
          'a ''1 mon'' window is 30 days: of events 31 and just under 30 days old, one counts');
SELECT is((SELECT engagement FROM tz_seen WHERE zone = 'Australia/Lord_Howe' AND lead_id = '4'
           AND as_of = '2026-03-20 12:00+00'), 0::numeric,
          'an event exactly 30 days old is outside a 30-day window');

-- rescore() in one zone, then again in others as of the same instant:
-- nothing changes
SET LOCAL TimeZone = 'America/New_York';
SELECT is(leadqual.rescore('tz_leads', '2026-03-20 12:00+00'), 3::bigint,
          'rescore() in a New York session scores the three leads with engagement');
SELECT is((SELECT string_agg(id || ':' || score, ' ' ORDER BY id) FROM tz_leads),
          (SELECT string_agg(lead_id || ':' || engagement, ' ' ORDER BY lead_id) FROM tz_seen
           WHERE zone = 'UTC' AND as_of = '2026-03-20 12:00+00'),
          'to the scores the UTC session computed');
SET LOCAL TimeZone = 'Asia/Kolkata';
SELECT is(leadqual.rescore('tz_leads', '2026-03-20 12:00+00'), 0::bigint,
          'rescore() as of the same instant in a Kolkata session changes nothing');
SET LOCAL TimeZone = 'UTC';

-- _window_start() itself
SELECT is(leadqual._window_start('2026-03-20 12:00+00', '1 mon 1 day 01:00:00.5'),
          timestamptz '2026-03-20 12:00+00' - interval '31 days 01:00:00.5',
          '_window_start(): a month of 30 days and a day of 24 hours, to the microsecond');
SELECT is(leadqual._window_start('2026-03-20 12:00+00', '100000 years'), '-infinity'::timestamptz,
          '_window_start(): a window reaching back past the earliest timestamp starts at -infinity');
SELECT is(leadqual._window_start('infinity', '1 day'), 'infinity'::timestamptz,
          '_window_start(): as of infinity, infinity');

SELECT * FROM finish();
ROLLBACK;
