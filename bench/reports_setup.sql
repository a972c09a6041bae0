-- Case f: reports.  A year of history for :scale leads, generated straight
-- into leadqual's tables (no trigger fires): about 5 stage changes a lead in
-- leadqual.transition, one SLA clock per MQL in leadqual.sla_clock, the
-- touches that stopped most of them in leadqual.touch, and 50 owners.
-- Run after bench/business_time_setup.sql (the clocks count on its
-- bench_new_york calendar).
--
-- Every lead is created at a time spread over the last 365 days and then
-- moves along its path one step every 1 to 200 hours; steps that would lie
-- in the future are not taken yet, so the newest leads are still early on.
-- Paths, by id:
--   2%  lead → mql, never touched: open clocks, nearly all past due
--   5%  lead → mql → recycled, 5% lead → mql → disqualified (with a reason)
--   88% the funnel from subscriber (a third of them) or lead up to sal,
--       sql, opportunity, customer or evangelist (one fifth each)
-- The MQL clock (4 business hours) stops at the first touch or when the lead
-- moves on, whichever comes first: 40% of touches come within 5 minutes,
-- 40% within 4 hours, 20% within 3 days.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

TRUNCATE leadqual.transition, leadqual.sla_clock, leadqual.touch;
INSERT INTO leadqual.owner (name) SELECT 'owner_' || i FROM generate_series(1, 50) AS i
ON CONFLICT DO NOTHING;
-- the clocks' policy; inactive, so it starts no clock of its own
INSERT INTO leadqual.sla_policy (name, stage, target, calendar, active)
VALUES ('bench_reports', 'mql', '4 hours', 'bench_new_york', false);

-- Only its name matters: the logs name the leads by table and id.
CREATE TABLE bench.report_leads (
    id              bigint PRIMARY KEY,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL,
    owner           text
);

CREATE TEMP TABLE history_now AS SELECT now() AS now;

-- h, h2: hashes of the id, so that owners, pace and response times don't
-- follow the path (which goes by id % 100)
CREATE TEMP TABLE lead_path AS
SELECT g AS id,
       n.now - (x.h % 1000003) / 1000003.0 * interval '365 days' AS created_at,
       interval '1 hour' * (1 + x.h / 1000003 % 200) AS step,
       'owner_' || (1 + x.h2 % 50) AS owner,
       CASE WHEN g % 100 < 2 THEN '{lead,mql}'
            WHEN g % 100 < 7 THEN '{lead,mql,recycled}'
            WHEN g % 100 < 12 THEN '{lead,mql,disqualified}'
            ELSE ('{subscriber,lead,mql,sal,sql,opportunity,customer,evangelist}'::leadqual.lifecycle_stage[])
                 [CASE WHEN g % 3 = 0 THEN 1 ELSE 2 END : 4 + g / 100 % 5]
       END::leadqual.lifecycle_stage[] AS path,
       -- never touched, or touched this long after the promotion
       CASE WHEN g % 100 < 2 THEN NULL
            WHEN x.h2 / 50 % 10 < 4 THEN interval '1 second' * (x.h2 / 500 % 300)
            WHEN x.h2 / 50 % 10 < 8 THEN interval '1 minute' * (x.h2 / 500 % 240)
            ELSE interval '1 minute' * (x.h2 / 500 % 4320) END AS response
FROM generate_series(1::bigint, :scale::bigint) AS g
CROSS JOIN history_now AS n
CROSS JOIN LATERAL (SELECT g * 2654435761 % 4294967291 AS h, g * 1103515245 % 2147483647 AS h2) AS x;

SET session_replication_role = replica;

-- ids: lead * 10 + step, so a clock can name its stage entry
INSERT INTO leadqual.transition (id, lead_table, lead_id, from_stage, to_stage, score, changed_at, changed_by,
                                 reason, via, owner)
SELECT p.id * 10 + i, 'bench.report_leads'::regclass, p.id::text, p.path[i - 1], p.path[i],
       CASE WHEN p.path[i] = 'mql' THEN 50 + p.id % 40 ELSE 10 + p.id % 40 END,
       p.created_at + (i - 1) * p.step, current_user,
       CASE p.path[i] WHEN 'recycled' THEN 'no_budget' WHEN 'disqualified' THEN 'not_icp' END,
       CASE WHEN p.path[i] = 'mql' THEN 'promotion'
            WHEN p.path[i] IN ('recycled', 'disqualified') THEN 'rejection'
            ELSE 'manual' END::leadqual.transition_via,
       CASE WHEN i >= array_position(p.path, 'mql') THEN p.owner END
FROM lead_path AS p, history_now AS n, generate_subscripts(p.path, 1) AS i
WHERE p.created_at + (i - 1) * p.step <= n.now;

-- each lead's promotion to mql (all of them reach it, unless still too new)
-- and its next step, at the times the transitions above have
CREATE TEMP TABLE mql_entry AS
SELECT p.id, p.owner, p.id * 10 + q.pos AS entry_id, p.created_at + (q.pos - 1) * p.step AS promoted_at,
       CASE WHEN p.created_at + (q.pos - 1) * p.step + p.response <= n.now
            THEN p.created_at + (q.pos - 1) * p.step + p.response END AS touched_at,
       CASE WHEN q.pos < cardinality(p.path) AND p.created_at + q.pos * p.step <= n.now
            THEN p.created_at + q.pos * p.step END AS left_at
FROM lead_path AS p
CROSS JOIN history_now AS n
CROSS JOIN LATERAL (SELECT array_position(p.path, 'mql') AS pos) AS q
WHERE p.created_at + (q.pos - 1) * p.step <= n.now;

INSERT INTO leadqual.touch (id, lead_table, lead_id, kind, touched_at, actor, recorded_at)
SELECT m.id, 'bench.report_leads'::regclass, m.id::text, 'call', m.touched_at, m.owner, m.touched_at
FROM mql_entry AS m WHERE m.touched_at IS NOT NULL;

INSERT INTO leadqual.sla_clock (id, policy, lead_table, lead_id, stage, entry_id, entered_at, owner, started_at,
                                target, calendar, stops_on, due_at, stopped_at, stopped_by, touch_id, business_time)
SELECT m.id, 'bench_reports', 'bench.report_leads'::regclass, m.id::text, 'mql', m.entry_id, m.promoted_at,
       m.owner, m.promoted_at, '4 hours', 'bench_new_york', 'either',
       leadqual.business_time_add('bench_new_york', m.promoted_at, '4 hours'),
       s.stopped_at,
       CASE WHEN s.stopped_at IS NULL THEN NULL
            WHEN s.stopped_at = m.touched_at THEN 'touch' ELSE 'stage_exit' END::leadqual.sla_stopped_by,
       CASE WHEN s.stopped_at = m.touched_at THEN m.id END,
       leadqual.business_time_between('bench_new_york', m.promoted_at, s.stopped_at)
FROM mql_entry AS m
CROSS JOIN LATERAL (SELECT least(m.touched_at, m.left_at) AS stopped_at) AS s;

-- each lead's latest stage: the last step it has taken
INSERT INTO bench.report_leads (id, lifecycle_stage, owner)
SELECT p.id, p.path[k.steps], CASE WHEN k.steps >= array_position(p.path, 'mql') THEN p.owner END
FROM lead_path AS p
CROSS JOIN history_now AS n
CROSS JOIN LATERAL (SELECT least(cardinality(p.path),
                                 1 + floor(extract(epoch FROM n.now - p.created_at) / extract(epoch FROM p.step))::integer)
                    AS steps) AS k;

RESET session_replication_role;

SELECT setval('leadqual.transition_id_seq', (SELECT max(id) FROM leadqual.transition));
SELECT setval('leadqual.touch_id_seq', (SELECT max(id) FROM leadqual.touch));
SELECT setval('leadqual.sla_clock_id_seq', (SELECT max(id) FROM leadqual.sla_clock));

-- The rollups as leadqual keeps them: its worker folds the stopped clocks
-- and the log once a session has committed leadqual.rollup_refresh_after
-- changes, so at any time they trail by at most that many a session.  This
-- history was written straight into the tables, which counts nothing:
-- fold it as the worker would have, over the year.
SELECT * FROM leadqual.refresh_rollups();
VACUUM ANALYZE leadqual.transition, leadqual.sla_clock, leadqual.sla_clock_day, leadqual.touch, leadqual.owner, bench.report_leads;
CHECKPOINT;
