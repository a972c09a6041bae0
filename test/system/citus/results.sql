-- What test/system/citus.sh compares between one node and Citus: the log
-- (a retired id names its log row's id, which differs), the clocks, the
-- assignments and handoffs, and the reports.  Round-robin turns are kept a
-- shard at a time on Citus (docs/scale-out.md), so owners count, not who.
SELECT pg_catalog.regexp_replace(lead_id, '^deleted:[0-9]+:', 'deleted:') AS lead_id,
       from_stage, to_stage, via, reason, owner IS NOT NULL AS owned
FROM leadqual.transition ORDER BY 1 COLLATE "C", changed_at;
SELECT count(*) AS clocks, count(*) FILTER (WHERE stopped_at IS NULL) AS open FROM leadqual.sla_clock;
SELECT lead_table, lead_id, stopped_by FROM leadqual.sla_clock WHERE stopped_by IS NOT NULL ORDER BY 1, 2 COLLATE "C";
SELECT lead_table, lead_id, kind, occurred_at FROM leadqual.event ORDER BY 1, 2 COLLATE "C", 3;
SELECT lead_table, lead_id, kind FROM leadqual.touch ORDER BY 1, 2 COLLATE "C", 3;
SELECT id, round(score) AS score, lifecycle_stage FROM scored ORDER BY id;
SELECT id, score, lifecycle_stage FROM decay_after_manage ORDER BY id;
SELECT id, score, lifecycle_stage FROM decay ORDER BY id;
SELECT lead_table, count(*) AS scores, count(DISTINCT lead_id) AS leads FROM leadqual.lead_score GROUP BY 1 ORDER BY 1;
SELECT count(*) AS assignments, count(DISTINCT lead_id) AS leads, count(DISTINCT owner) AS owners FROM leadqual.assignment;
SELECT count(*) AS handoffs FROM leadqual.handoff;
SELECT count(owner) AS owned, count(DISTINCT owner) AS owners FROM leads;
SELECT lead_table, mode, stage, reached, conversion FROM leadqual.funnel ORDER BY 1, 2, 3;
SELECT lead_table, stage, count(*) FROM leadqual.stage_history GROUP BY 1, 2 ORDER BY 1, 2;
SELECT state, count(*) FROM leadqual.sla_status GROUP BY 1 ORDER BY 1;
SELECT count(*) AS breaches FROM leadqual.sla_breaches;
SELECT reason, sum(rejections) FROM leadqual.rejection_summary GROUP BY 1 ORDER BY 1;
SELECT policy, sum(clocks), sum(met), sum(open) FROM leadqual.sla_compliance GROUP BY 1 ORDER BY 1;
SELECT clocks_folded FROM leadqual.refresh_rollups();
SELECT policy, sum(clocks), sum(met), sum(open) FROM leadqual.sla_compliance GROUP BY 1 ORDER BY 1;
SELECT lead_table, mode, stage, reached FROM leadqual.funnel ORDER BY 1, 2, 3;
