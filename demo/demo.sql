-- leadqual demo: a CRM leads table that qualifies itself.
-- tools/demo runs this on a throwaway cluster; you can also run it with
-- psql -f demo/demo.sql on any database where leadqual is installed.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset footer off
SET client_min_messages = warning;
SELECT setseed(0.42) \g /dev/null

\echo
\echo '== 1. A CRM leads table with 300 sample leads, all below the MQL threshold'
DROP SCHEMA IF EXISTS crm CASCADE;
CREATE EXTENSION IF NOT EXISTS leadqual;
CREATE SCHEMA crm;
CREATE TABLE crm.leads (
    id              bigint PRIMARY KEY,
    email           text NOT NULL,
    company         text,
    title           text,
    source          text,
    score           integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);

SELECT leadqual.manage('crm.leads') \g /dev/null
\echo 'leadqual.manage(''crm.leads'') attached the trigger; leadqual.managed shows the settings:'
SELECT leads, id_column, score_column, stage_column, threshold, promote_to FROM leadqual.managed;

INSERT INTO crm.leads (id, email, company, title, source, score, lifecycle_stage)
SELECT g,
       'lead' || g || '@' || (ARRAY['acme', 'globex', 'initech', 'umbrella', 'hooli'])[1 + g % 5] || '.example',
       (ARRAY['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'])[1 + g % 5],
       (ARRAY['CTO', 'VP Sales', 'Director of IT', 'Marketing Manager', 'Engineer', 'Student'])[1 + g % 6],
       (ARRAY['webinar', 'organic', 'paid', 'referral'])[1 + g % 4],
       (random() * 45)::int,
       CASE WHEN g % 10 = 0 THEN 'subscriber' ELSE 'lead' END::leadqual.lifecycle_stage
FROM generate_series(1, 300) AS g;

SELECT lifecycle_stage, count(*) AS leads FROM crm.leads GROUP BY 1 ORDER BY 1;

SELECT pg_sleep(1) \g /dev/null
\echo
\echo '== 2. A week of engagement: pricing-page views (+20), demo requests (+50), webinars (+10)'
UPDATE crm.leads SET score = score + 20 WHERE id % 3 = 0;   -- pricing page
UPDATE crm.leads SET score = score + 50 WHERE id % 17 = 0;  -- demo request: an immediate MQL
UPDATE crm.leads SET score = score + 10 WHERE id % 4 = 0;   -- webinar
\echo 'The trigger promoted every lead whose score reached 50:'
SELECT lifecycle_stage, count(*) AS leads, min(score) AS min_score, max(score) AS max_score
FROM crm.leads GROUP BY 1 ORDER BY 1;

SELECT pg_sleep(1) \g /dev/null
\echo
\echo '== 3. Sales works the MQLs: accepts some, qualifies some straight to SQL, hands some back'
UPDATE crm.leads SET lifecycle_stage = 'sal' WHERE lifecycle_stage = 'mql' AND id % 2 = 0;
UPDATE crm.leads SET lifecycle_stage = 'sql' WHERE lifecycle_stage = 'mql' AND id % 5 = 0;   -- lead skips sal
SELECT count(leadqual.reject('crm.leads', id::text, 'recycled', 'bad_timing')) AS recycled_by_reject
FROM crm.leads WHERE lifecycle_stage = 'mql' AND id % 3 = 0;
BEGIN;
SET LOCAL leadqual.reason = 'not_icp';
UPDATE crm.leads SET lifecycle_stage = 'disqualified' WHERE title = 'Student' AND lifecycle_stage = 'mql';
COMMIT;

\echo
\echo 'A rep tries to move an SQL back to MQL by hand; leadqual refuses and says how:'
SET client_min_messages = notice;
DO $$
DECLARE
    hint text;
BEGIN
    UPDATE crm.leads SET lifecycle_stage = 'mql'
    WHERE id = (SELECT min(id) FROM crm.leads WHERE lifecycle_stage = 'sql');
EXCEPTION WHEN check_violation THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
    RAISE NOTICE E'refused with SQLSTATE %:\n  %\n  HINT: %', SQLSTATE, SQLERRM, hint;
END
$$;
SET client_min_messages = warning;

SELECT pg_sleep(1) \g /dev/null
\echo
\echo '== 4. Recycled leads: rewriting a score does not bounce them back; new engagement does'
UPDATE crm.leads SET score = score WHERE lifecycle_stage = 'recycled';
\echo 'after rewriting scores unchanged:'
SELECT count(*) AS still_recycled FROM crm.leads WHERE lifecycle_stage = 'recycled';
UPDATE crm.leads SET score = score + 20
WHERE lifecycle_stage = 'recycled' AND id % 4 = 1;   -- back on the pricing page
\echo 'after some of them came back to the pricing page (+20):'
SELECT lifecycle_stage, count(*) AS leads FROM crm.leads GROUP BY 1 ORDER BY 1;

\echo
\echo '== 5. The transition log'
\echo 'Stage changes by how they happened:'
SELECT from_stage, to_stage, via, count(*) AS moves
FROM leadqual.transition WHERE lead_table = 'crm.leads'::regclass AND from_stage IS NOT NULL
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

\echo 'One recycled-and-requalified lead, move by move:'
SELECT lead_id, from_stage, to_stage, score, reason, via,
       to_char(changed_at, 'HH24:MI:SS.MS') AS at
FROM leadqual.transition
WHERE lead_table = 'crm.leads'::regclass
  AND lead_id = (SELECT min(lead_id::bigint)::text FROM leadqual.transition
                 WHERE lead_table = 'crm.leads'::regclass AND from_stage = 'recycled')
ORDER BY id;

\echo
\echo '== 6. Time in stage: every stay counted, the current one so far (the demo runs in seconds; real leads take days)'
SELECT stage, count(*) AS stays, count(DISTINCT lead_id) AS leads,
       date_trunc('millisecond', avg(time_in_stage)) AS avg_time_in_stage
FROM leadqual.stage_history WHERE lead_table = 'crm.leads'::regclass
GROUP BY stage ORDER BY stage;

\echo '"Became an MQL" date, first five leads:'
SELECT lead_id, to_char(min(entered_at), 'YYYY-MM-DD HH24:MI:SS') AS became_mql
FROM leadqual.stage_history
WHERE lead_table = 'crm.leads'::regclass AND stage = 'mql'
GROUP BY lead_id ORDER BY lead_id::bigint LIMIT 5;

\echo
\echo '== 7. MQL to SQL conversion so far'
WITH ever AS (
    SELECT lead_id,
           bool_or(stage = 'mql') AS was_mql,
           bool_or(stage = 'sql') AS was_sql
    FROM leadqual.stage_history WHERE lead_table = 'crm.leads'::regclass
    GROUP BY lead_id)
SELECT count(*) FILTER (WHERE was_mql) AS mqls,
       count(*) FILTER (WHERE was_mql AND was_sql) AS mqls_reaching_sql,
       round(100.0 * count(*) FILTER (WHERE was_mql AND was_sql)
             / nullif(count(*) FILTER (WHERE was_mql), 0), 1) AS conversion_pct
FROM ever;

\echo
\echo '== 8. Let leadqual compute the scores: the published default model'
CREATE TABLE crm.contacts (
    id              bigint PRIMARY KEY,
    email           text NOT NULL,
    title           text,
    company_size    integer,
    industry        text,
    score           integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT leadqual.manage('crm.contacts', model => 'default') \g /dev/null
INSERT INTO crm.contacts (id, email, title, company_size, industry) VALUES
    (1, 'ceo@hooli.example',     'Co-Founder & CEO',          80,   'SaaS'),
    (2, 'vp@acme.example',       'VP, Sales',                 120,  'Software'),
    (3, 'dev@initech.example',   'Software Engineer',         10,   'Retail'),
    (4, 'ea@globex.example',     'Executive Assistant to the CFO', 900, 'Software'),
    (5, 'student@uni.example',   'Student',                   NULL, 'Education');
\echo 'Fit, scored as the rows were inserted (title seniority, company size 50-500, target industry):'
SELECT c.id, c.title, leadqual.seniority(c.title) AS seniority, s.fit, c.score, c.lifecycle_stage
FROM crm.contacts AS c JOIN leadqual.lead_score AS s
  ON s.lead_table = 'crm.contacts'::regclass AND s.lead_id = c.id::text
ORDER BY c.id;

\echo
\echo 'Engagement arrives with leadqual.track(); each call rescores its lead in the same transaction:'
SELECT leadqual.track('crm.contacts', '2', 'pricing_page_view', now() - interval '2 days') \g /dev/null
SELECT leadqual.track('crm.contacts', '2', 'pricing_page_view', now() - interval '1 day') \g /dev/null
SELECT leadqual.track('crm.contacts', '3', 'whitepaper_download') \g /dev/null
SELECT leadqual.track('crm.contacts', '5', 'demo_request') \g /dev/null
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at, properties)   -- a bulk load works too
SELECT 'crm.contacts', '1', 'page_view', now() - g * interval '1 minute', '{"session_id": "s-77"}'
FROM generate_series(1, 6) AS g;
SELECT c.id, c.title, s.fit, s.engagement, c.score, c.lifecycle_stage
FROM crm.contacts AS c JOIN leadqual.lead_score AS s
  ON s.lead_table = 'crm.contacts'::regclass AND s.lead_id = c.id::text
ORDER BY c.id;

\echo
\echo 'Why does the VP score what it scores? leadqual.explain() adds up to the stored score:'
SELECT rule, category, points, evidence - 'events' AS evidence
FROM leadqual.explain('crm.contacts', '2');

\echo
\echo 'A score written by hand is refused, because the model computes it:'
\set ON_ERROR_STOP 0
UPDATE crm.contacts SET score = 100 WHERE id = 3;
\set ON_ERROR_STOP 1

\echo
\echo '== 9. Engagement goes stale: a copy of the model with a 14-day half-life, rescored 30 days on'
SELECT leadqual.copy_model('default', 'decaying') \g /dev/null
UPDATE leadqual.engagement_rule SET half_life = '14 days' WHERE model = 'decaying';
SELECT leadqual.manage('crm.contacts', model => 'decaying') \g /dev/null
SELECT leadqual.rescore('crm.contacts', now() + interval '30 days') AS scores_changed;
SELECT id, title, score, lifecycle_stage AS stage_kept FROM crm.contacts ORDER BY id;
\echo 'The score history of the VP: when and why it moved'
SELECT changed_at::time(0) AS at, previous_score, score, fit, engagement
FROM leadqual.score_change
WHERE lead_table = 'crm.contacts'::regclass AND lead_id = '2' ORDER BY id;

\echo
\echo '== 10. Business hours: a New York office calendar with a holiday'
SELECT leadqual.copy_calendar('weekdays_9_17', 'new_york', time_zone => 'America/New_York') \g /dev/null
INSERT INTO leadqual.holiday (calendar, day, description) VALUES ('new_york', '2026-12-25', 'Christmas');
SET TimeZone = 'America/New_York';
\echo '4 business hours from Thursday 24 December, 3 pm: 2 that day, then the holiday and the weekend pass'
SELECT leadqual.business_time_add('new_york', '2026-12-24 15:00', '4 hours') AS due;
\echo 'Friday 4 pm to Monday 10 am, the weekend New York springs forward: 2 business hours'
SELECT leadqual.business_time_between('new_york', '2026-03-06 16:00', '2026-03-09 10:00') AS business,
       timestamptz '2026-03-09 10:00' - timestamptz '2026-03-06 16:00' AS wall_clock;
RESET TimeZone;

\echo
\echo '== 11. The handoff: owners assigned round-robin at promotion, the outbox and its NOTIFY, SLA clocks, touches'
INSERT INTO leadqual.owner (name, weight) VALUES ('ana', 1), ('bo', 1), ('cy', 2);
-- a 24x7 clock of 4 hours that only a touch stops (the built-in policy
-- watches weekdays 9-17 UTC; a policy of one's own replaces it)
INSERT INTO leadqual.sla_policy (name, stage, target, calendar, stops_on)
VALUES ('mql_4h', 'mql', '4 hours', '24x7', 'first_touch');
CREATE TABLE crm.inbound (id int PRIMARY KEY, email text, owner text,
                          score int NOT NULL DEFAULT 0,
                          lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('crm.inbound', owner_column => 'owner') \g /dev/null
INSERT INTO crm.inbound (id, email) SELECT g, format('inbound%s@example.com', g) FROM generate_series(1, 8) AS g;
LISTEN leadqual;
\echo 'Eight leads cross the threshold: one wake-up on channel leadqual for the handoff workers (psql prints it),'
\echo 'and eight handoffs in the outbox. A worker claims all that wait (the earlier promotions of crm.leads too),'
\echo 'handles them and acknowledges them; those of crm.inbound:'
UPDATE crm.inbound SET score = 60;
UNLISTEN leadqual;
CREATE TEMP TABLE claimed AS SELECT * FROM leadqual.claim_handoffs(1000, worker => 'demo');
SELECT lead_id, from_stage, to_stage, score, owner, via FROM claimed
WHERE lead_table = 'crm.inbound'::regclass ORDER BY id;
SELECT leadqual.ack_handoffs(ARRAY(SELECT id FROM claimed)) AS acknowledged;
\echo 'cy has weight 2, so gets twice the turns:'
SELECT owner, count(*) AS leads FROM crm.inbound GROUP BY owner ORDER BY owner;
\echo 'Reps touch some of them, one of them after the 4 hours ran out:'
SELECT leadqual.touch('crm.inbound', '1', 'call', now() + interval '3 minutes') \g /dev/null
SELECT leadqual.touch('crm.inbound', '2', 'email', now() + interval '2 hours') \g /dev/null
SELECT leadqual.touch('crm.inbound', '3', 'call', now() + interval '5 hours') \g /dev/null
SELECT lead_id, owner, state, business_time::interval(0) AS business_time, stopped_by
FROM leadqual.sla_status
WHERE lead_table = 'crm.inbound'::regclass AND policy = 'mql_4h'
ORDER BY lead_id::int;
\echo 'The breaches, and compliance per owner this week:'
SELECT lead_id, owner, state, late_by::interval(0) AS late_by
FROM leadqual.sla_breaches WHERE lead_table = 'crm.inbound'::regclass ORDER BY lead_id::int;
SELECT owner, clocks, met, breached, open, pct_met, pct_touched_within_5_minutes
FROM leadqual.sla_compliance WHERE owner IS NOT NULL ORDER BY owner;
\echo
\echo 'The funnel of the first table, this month, counting skipped stages as reached (in_order):'
SELECT stage, reached, conversion FROM leadqual.funnel
WHERE lead_table = 'crm.leads'::regclass AND mode = 'in_order' AND reached > 0
ORDER BY cohort, reached DESC;

\echo
\echo '== 12. Three months of history, imported from the old CRM, for the reports'
-- a pipeline table loaded as it is today (stage, owner, region), then its
-- past stage changes, owners and touches imported with their real times
-- (leadqual.import_history(), docs/migration.md), so that the reports and
-- leadqual_report have weeks of data to show.  Each lead's path is drawn
-- at random (the seed above): most stay leads, most MQLs are touched within
-- hours, some are never touched and stay open past their due time.
CREATE TABLE crm.pipeline (
    id              int PRIMARY KEY,
    email           text NOT NULL,
    region          text NOT NULL,
    owner           text,
    score           integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL
);
CREATE TEMP TABLE path AS
SELECT g AS id, (ARRAY['EMEA', 'Americas', 'APAC'])[1 + g % 3] AS region,
       (ARRAY['ana', 'bo', 'cy', 'cy'])[1 + (g * 7) % 4] AS owner,
       date_trunc('hour', now()) - interval '90 days' + g * interval '3 hours' AS created_at,
       random() AS qualifies, random() AS outcome, random() AS pace, random() AS depth
FROM generate_series(1, 400) AS g;
CREATE TEMP TABLE step AS   -- each lead's stages, in order, with their times
SELECT p.id, s.n, s.stage::leadqual.lifecycle_stage AS stage, s.at, s.reason
FROM path AS p
CROSS JOIN LATERAL (
    SELECT p.created_at + p.pace * interval '4 days' AS mql_at,
           p.created_at + p.pace * interval '4 days' + interval '1 day' + p.depth * interval '6 days' AS next_at
) AS t
CROSS JOIN LATERAL (VALUES
    (1, 'lead', p.created_at, NULL),
    (2, CASE WHEN p.qualifies < 0.6 THEN 'mql'
             WHEN p.qualifies > 0.93 THEN 'disqualified' END,
        CASE WHEN p.qualifies < 0.6 THEN t.mql_at ELSE t.mql_at + interval '2 days' END,
        CASE WHEN p.qualifies > 0.93 THEN 'not_icp' END),
    (3, CASE WHEN p.qualifies >= 0.6 OR p.outcome < 0.25 THEN NULL
             WHEN p.outcome < 0.40 THEN 'recycled'
             WHEN p.outcome < 0.50 THEN 'disqualified'
             WHEN p.outcome < 0.85 THEN 'sal'
             ELSE 'sql' END,
        t.next_at,
        CASE WHEN p.qualifies >= 0.6 THEN NULL
             WHEN p.outcome < 0.40 THEN CASE WHEN p.depth < 0.5 THEN 'bad_timing' ELSE 'no_budget' END
             WHEN p.outcome < 0.50 THEN CASE WHEN p.depth < 0.5 THEN 'not_icp' ELSE 'competitor' END END),
    (4, CASE WHEN p.qualifies < 0.6 AND p.outcome BETWEEN 0.50 AND 0.85 AND p.pace < 0.6 THEN 'sql' END,
        t.next_at + interval '3 days' + p.depth * interval '5 days', NULL),
    (5, CASE WHEN p.qualifies < 0.6 AND p.outcome >= 0.50 AND p.pace < 0.35 THEN 'opportunity' END,
        t.next_at + interval '9 days' + p.depth * interval '5 days', NULL),
    (6, CASE WHEN p.qualifies < 0.6 AND p.outcome >= 0.50 AND p.pace < 0.15 THEN 'customer' END,
        t.next_at + interval '20 days' + p.depth * interval '10 days', NULL)
) AS s(n, stage, at, reason)
WHERE s.stage IS NOT NULL;
-- the lead as it is today: its last stage, and its owner once it was an MQL
INSERT INTO crm.pipeline (id, email, region, owner, lifecycle_stage)
SELECT p.id, format('pipeline%s@example.com', p.id), p.region,
       CASE WHEN p.qualifies < 0.6 THEN p.owner END,
       (SELECT s.stage FROM step AS s WHERE s.id = p.id ORDER BY s.n DESC LIMIT 1)
FROM path AS p;
SELECT leadqual.manage('crm.pipeline', owner_column => 'owner') \g /dev/null
CREATE TEMP VIEW pipeline_transitions AS
SELECT id AS lead_id, stage AS to_stage, at AS changed_at, reason FROM step;
CREATE TEMP VIEW pipeline_owners AS   -- assigned two minutes after the promotion
SELECT p.id AS lead_id, p.owner, s.at + interval '2 minutes' AS assigned_at
FROM path AS p JOIN step AS s ON s.id = p.id AND s.stage = 'mql';
CREATE TEMP VIEW pipeline_touches AS  -- a quarter of the MQLs left in mql are never called
SELECT p.id AS lead_id, 'call' AS kind, s.at + interval '5 minutes' + power(p.depth * p.pace, 2) * interval '20 hours' AS touched_at
FROM path AS p JOIN step AS s ON s.id = p.id AND s.stage = 'mql'
WHERE NOT (p.outcome < 0.25 AND p.depth < 0.4);
SELECT relation, imported FROM leadqual.import_history('crm.pipeline', 'pipeline_transitions',
                                                       'pipeline_owners', 'pipeline_touches');
\echo 'SLA compliance of the mql_4h policy on the imported leads, week by week:'
SELECT week, sum(clocks) AS clocks, sum(met) AS met, sum(breached) AS breached,
       round(100.0 * sum(met) / nullif(sum(met) + sum(breached), 0), 1) AS pct_met
FROM leadqual.sla_compliance
WHERE lead_table = 'crm.pipeline'::regclass AND policy = 'mql_4h'
GROUP BY week ORDER BY week;

\echo
\echo '== 13. Is the threshold right? Four months of scored history, backtested with no look-ahead'
-- crm.history: 800 leads scored by the default model, what they did and
-- the stages they went through (demo/history.sql); docs/calibration.md
-- walks through the same figures
\ir history.sql
\echo 'Every candidate threshold over the leads that entered at least 30 days ago:'
\echo 'the MQLs it would have made, how many reached SQL within 30 days, and how fast'
SELECT threshold, mqls, converted, conversion, recall, median_time_to_outcome AS median_wait, current, recommended
FROM leadqual.calibrate('crm.history')
WHERE threshold % 10 = 0 OR recommended;
\echo 'Which rules earn their points: how often each counted for leads that converted and for the rest'
SELECT rule, points, among_converted, among_not_converted, lift
FROM leadqual.calibrate_rules('crm.history')
WHERE leads > 0
ORDER BY lift DESC;
\echo 'Points suggested by a logistic regression on the first 80% of the leads, tested on the last 20%:'
SELECT suggested, learnt_from, held_out, threshold, auc, current_auc FROM leadqual.suggest_points('crm.history', 'suggested');
SELECT s.name AS rule, d.points AS default_points, s.points AS suggested_points
FROM leadqual.engagement_rule AS s
JOIN leadqual.engagement_rule AS d ON d.model = 'default' AND d.name = s.name
WHERE s.model = 'suggested' AND s.points <> 0
ORDER BY s.points DESC;
