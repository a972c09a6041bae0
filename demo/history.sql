-- Four months of scored history for calibration: crm.history, 800 leads
-- scored by the published default model, with what they did and the
-- stages they went through, as an old CRM would have recorded them with
-- the same threshold of 50.  demo/demo.sql runs it (step 13), and so does
-- docs/calibration.md.  Everything is a hash of the lead's id, so every
-- run draws the same history, relative to now().
--
-- Each lead enters over four months, up to 30 days ago, and does a few
-- things over its first two weeks: leads of high intent (a third) visit
-- the pricing page and half of them ask for a demo; the rest attend
-- webinars and download whitepapers, and a fifth of them look at prices.
-- A lead becomes an MQL when its score (fit + engagement) first reaches
-- 50.  Whether an MQL reaches sql depends on what it did, not on its
-- score: those that asked for a demo convert 55% of the time, those that
-- only looked at prices 30%, the rest 6%; C-level and VP titles 10 points
-- more.  Reps book a demo with some leads after they reach sql, which
-- raises today's scores but not the ones the leads had when qualified.
-- A few leads reach sql straight from sales, without a score.
CREATE SCHEMA IF NOT EXISTS crm;
CREATE TABLE crm.history (
    id              integer PRIMARY KEY,
    email           text NOT NULL,
    title           text,
    company_size    integer,
    industry        text,
    score           integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL
);

-- h(id, salt): a number from 0 to 99, fixed for the lead and the salt
CREATE FUNCTION pg_temp.h(id integer, salt integer) RETURNS integer
LANGUAGE sql IMMUTABLE RETURN abs(hashint8(id::bigint * 1000 + salt)) % 100;

CREATE TEMP TABLE history_lead AS
SELECT g AS id,
       date_trunc('hour', now()) - interval '150 days' + g * interval '3 hours 36 minutes' AS entered,
       CASE WHEN pg_temp.h(g, 1) < 8 THEN 'CEO' WHEN pg_temp.h(g, 1) < 18 THEN 'VP Sales'
            WHEN pg_temp.h(g, 1) < 38 THEN 'Director of Marketing'
            WHEN pg_temp.h(g, 1) < 60 THEN 'Marketing Manager' ELSE 'Engineer' END AS title,
       10 + pg_temp.h(g, 2) * 12 AS company_size,
       (ARRAY['software', 'saas', 'retail', 'finance'])[1 + pg_temp.h(g, 3) % 4] AS industry,
       pg_temp.h(g, 4) < 33 AS high_intent
FROM generate_series(1, 800) AS g;

-- what each lead did: kind and day (0 to 13) of each event
CREATE TEMP TABLE history_event AS
SELECT l.id, e.kind, l.entered + e.day * interval '1 day' + pg_temp.h(l.id, 50 + e.n) * interval '7 minutes' AS at
FROM history_lead AS l
CROSS JOIN LATERAL (VALUES
    (1, 'pricing_page_view', 1 + pg_temp.h(l.id, 5) % 4, l.high_intent OR pg_temp.h(l.id, 6) < 20),
    (2, 'pricing_page_view', 5 + pg_temp.h(l.id, 7) % 5, l.high_intent AND pg_temp.h(l.id, 8) < 60),
    (3, 'demo_request', 3 + pg_temp.h(l.id, 9) % 8, l.high_intent AND pg_temp.h(l.id, 10) < 50),
    (4, 'webinar_attended', pg_temp.h(l.id, 11) % 6, pg_temp.h(l.id, 12) < 55),
    (5, 'webinar_attended', 6 + pg_temp.h(l.id, 13) % 7, pg_temp.h(l.id, 14) < 30),
    (6, 'whitepaper_download', pg_temp.h(l.id, 15) % 10, pg_temp.h(l.id, 16) < 60),
    (7, 'case_study_download', 2 + pg_temp.h(l.id, 17) % 10, pg_temp.h(l.id, 18) < 25)
) AS e(n, kind, day, happens)
WHERE e.happens;

-- the score after each event under the default model (points a kind;
-- demo requests capped at 50), and when it first reached 50
CREATE TEMP TABLE history_mql AS
SELECT s.id, min(s.at) AS at
FROM (
    SELECT e.id, e.at,
           CASE WHEN l.title IN ('CEO') THEN 20 WHEN l.title = 'VP Sales' THEN 15
                WHEN l.title LIKE 'Director%' THEN 10 WHEN l.title LIKE '%Manager' THEN 5 ELSE 0 END
           + CASE WHEN l.company_size BETWEEN 50 AND 500 THEN 15 ELSE 0 END
           + CASE WHEN l.industry IN ('software', 'saas') THEN 10 ELSE 0 END
           + sum(CASE e.kind WHEN 'pricing_page_view' THEN 20 WHEN 'webinar_attended' THEN 10
                             WHEN 'case_study_download' THEN 10 WHEN 'whitepaper_download' THEN 5 ELSE 0 END)
                 OVER w
           + least(50 * count(*) FILTER (WHERE e.kind = 'demo_request') OVER w, 50) AS score
    FROM history_event AS e JOIN history_lead AS l USING (id)
    WINDOW w AS (PARTITION BY e.id ORDER BY e.at)
) AS s
WHERE s.score >= 50
GROUP BY s.id;

-- each lead's stages: entry; MQL; then sql (and opportunity), or for the
-- MQLs that don't convert sal and disqualified, or nothing more
CREATE TEMP TABLE history_step AS
SELECT l.id, s.n, s.stage, s.at, s.reason
FROM history_lead AS l
LEFT JOIN history_mql AS m USING (id)
CROSS JOIN LATERAL (
    SELECT EXISTS (SELECT FROM history_event AS e WHERE e.id = l.id AND e.kind = 'demo_request' AND e.at <= m.at) AS demo,
           EXISTS (SELECT FROM history_event AS e WHERE e.id = l.id AND e.kind = 'pricing_page_view' AND e.at <= m.at) AS pricing
) AS d
CROSS JOIN LATERAL (
    SELECT m.at IS NOT NULL
           AND pg_temp.h(l.id, 20) < CASE WHEN d.demo THEN 55 WHEN d.pricing THEN 30 ELSE 6 END
                                     + CASE WHEN l.title IN ('CEO', 'VP Sales') THEN 10 ELSE 0 END AS converts
) AS c
CROSS JOIN LATERAL (VALUES
    (1, 'lead', l.entered, NULL),
    (2, CASE WHEN m.at IS NOT NULL THEN 'mql'
             WHEN pg_temp.h(l.id, 21) < 3 THEN 'sql' END,
        COALESCE(m.at, l.entered + interval '5 days'), NULL),
    (3, CASE WHEN c.converts THEN 'sql'
             WHEN m.at IS NOT NULL AND pg_temp.h(l.id, 22) < 50 THEN 'sal' END,
        m.at + (6 + pg_temp.h(l.id, 23)) * interval '1 hour'
             + CASE WHEN c.converts THEN pg_temp.h(l.id, 24) % 5 * interval '1 day' ELSE interval '0' END, NULL),
    (4, CASE WHEN c.converts AND pg_temp.h(l.id, 25) < 40 THEN 'opportunity'
             WHEN NOT c.converts AND m.at IS NOT NULL AND pg_temp.h(l.id, 22) < 50 THEN 'disqualified' END,
        m.at + interval '8 days' + pg_temp.h(l.id, 26) % 6 * interval '1 day',
        CASE WHEN NOT c.converts AND m.at IS NOT NULL THEN 'not_icp' END)
) AS s(n, stage, at, reason)
WHERE s.stage IS NOT NULL;

-- after a lead reached sql, its rep books a demo with it (a third of them)
INSERT INTO history_event
SELECT s.id, 'demo_request', s.at + interval '1 day'
FROM history_step AS s
WHERE s.stage = 'sql' AND pg_temp.h(s.id, 27) < 35
  AND NOT EXISTS (SELECT FROM history_event AS e WHERE e.id = s.id AND e.kind = 'demo_request');

-- the table as it is today; its events, recorded before the model scores
-- it, so that manage() scores each lead once; then its past stages
INSERT INTO crm.history (id, email, title, company_size, industry, lifecycle_stage)
SELECT l.id, format('history%s@example.com', l.id), l.title, l.company_size, l.industry,
       (SELECT s.stage::leadqual.lifecycle_stage FROM history_step AS s WHERE s.id = l.id ORDER BY s.n DESC LIMIT 1)
FROM history_lead AS l;
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at)
SELECT 'crm.history', e.id::text, e.kind, e.at FROM history_event AS e;
SELECT leadqual.manage('crm.history', model => 'default') \g /dev/null
CREATE TEMP VIEW history_transitions AS
SELECT id AS lead_id, stage AS to_stage, at AS changed_at, reason FROM history_step;
SELECT leadqual.import_history('crm.history', 'history_transitions') \g /dev/null
