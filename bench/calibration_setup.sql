-- Case i: calibration.  :scale leads of a table scored by the bench model,
-- with a year of history generated straight into leadqual's tables (no
-- trigger fires): about 5 stage changes and 10 events a lead.  Leads of a
-- better fit convert more often, and the events of those that convert
-- lean to pricing pages and demos, so that the backtest has something to
-- find; all of it is a hash of the id, so every run has the same history.
--
-- Every lead enters (subscriber, then lead) at a time spread over the
-- year up to 30 days ago, and does its events over its first 20 days.
-- Paths: 40% subscriber → lead → mql → sal → sql → opportunity →
-- customer (sql on day 5 to 15); 40% subscriber → lead → mql → sal →
-- recycled (no budget); 20% subscriber → lead.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE TABLE bench.calibrated (
    id              bigint PRIMARY KEY,
    email           text NOT NULL,
    title           text,
    company_size    integer,
    industry        text,
    score           integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT leadqual.copy_model('default', 'calibration');
INSERT INTO bench.calibrated (id, email, title, company_size, industry)
SELECT g, 'calibrated' || g || '@example.com',
       (ARRAY['CEO', 'VP Sales', 'Director of IT', 'Marketing Manager', 'Engineer', 'Student'])[1 + g % 6],
       (g * 37) % 2000,
       (ARRAY['software', 'retail', 'saas', 'finance'])[1 + g % 4]
FROM generate_series(1, :scale) AS g;
SELECT leadqual.manage('bench.calibrated', model => 'calibration');

CREATE TEMP TABLE calibrated_lead AS
SELECT g AS id,
       now() - interval '395 days' + (abs(hashint8(g)) % 365) * interval '1 day'
           + (abs(hashint8(-g)) % 86400) * interval '1 second' AS entered,
       CASE WHEN abs(hashint8(g * 7)) % 100 < (ARRAY[60, 55, 45, 35, 30, 20])[1 + g % 6]
                 + CASE WHEN g % 4 IN (0, 2) THEN 10 ELSE 0 END - 5 THEN 'converts'
            WHEN abs(hashint8(g * 11)) % 3 < 2 THEN 'recycled'
            ELSE 'stays' END AS path,
       5 + abs(hashint8(g * 13)) % 11 AS events,
       5 + abs(hashint8(g * 17)) % 11 AS sql_day
FROM generate_series(1, :scale) AS g;

SET session_replication_role = replica;
INSERT INTO leadqual.transition (lead_table, lead_id, from_stage, to_stage, changed_at, via, reason)
SELECT 'bench.calibrated', l.id::text, s.from_stage::leadqual.lifecycle_stage,
       s.to_stage::leadqual.lifecycle_stage, l.entered + s.after, 'import', s.reason
FROM calibrated_lead AS l
CROSS JOIN LATERAL (VALUES
    (NULL, 'subscriber', interval '0', NULL, true),
    ('subscriber', 'lead', interval '1 hour', NULL, true),
    ('lead', 'mql', interval '2 days', NULL, l.path <> 'stays'),
    ('mql', 'sal', interval '3 days', NULL, l.path <> 'stays'),
    ('sal', 'sql', l.sql_day * interval '1 day', NULL, l.path = 'converts'),
    ('sql', 'opportunity', (l.sql_day + 7) * interval '1 day', NULL, l.path = 'converts'),
    ('opportunity', 'customer', (l.sql_day + 20) * interval '1 day', NULL, l.path = 'converts'),
    ('sal', 'recycled', interval '8 days', 'no_budget', l.path = 'recycled')
) AS s(from_stage, to_stage, after, reason, taken)
WHERE s.taken;

INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at, properties)
SELECT 'bench.calibrated', l.id::text,
       CASE WHEN l.path = 'converts' AND k <= 2 THEN (ARRAY['pricing_page_view', 'demo_request'])[k]
            ELSE (ARRAY['pricing_page_view', 'webinar_attended', 'email_open', 'page_view', 'site_visit',
                        'whitepaper_download', 'case_study_download', 'email_open', 'page_view'])
                 [1 + abs(hashint8(l.id * 100 + k)) % 9] END,
       l.entered + (abs(hashint8(l.id * 1000 + k)) % (20 * 86400)) * interval '1 second',
       jsonb_build_object('session_id', (l.id * 3 + k / 3) % 100000)
FROM calibrated_lead AS l
CROSS JOIN LATERAL generate_series(1, l.events) AS k;
RESET session_replication_role;
ANALYZE leadqual.transition;
ANALYZE leadqual.event;
ANALYZE bench.calibrated;
