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
