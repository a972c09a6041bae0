-- leadqual: reports.  SLA states, breaches and compliance; the funnel,
-- stage velocity and rejections.  Every report reads as the role that
-- queries it (security_invoker; see 10_privileges.sql).

-- The period (day, week, month, quarter, year) a time falls in, as the
-- reports group by it: its first day, a local date of the report time zone
-- (leadqual.report_time_zone, else the session's TimeZone), weeks from
-- leadqual.week_start (Monday unless set); a call may name both (C,
-- src/report_period.c over src/core/period.c).  No SET search_path, as on
-- the business-time functions: the reports call it for every row, and it
-- resolves no names.
CREATE FUNCTION @extschema@.report_period(at timestamptz, period text DEFAULT 'week',
                                          time_zone text DEFAULT NULL, week_start text DEFAULT NULL)
RETURNS date
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_report_period';
COMMENT ON FUNCTION @extschema@.report_period(timestamptz, text, text, text) IS
    'First day of the day, week, month, quarter or year holding the time, in the report time zone and from the report week''s first day';

-- cancelled: the lead was deleted, or merged into another, before the
-- clock was due, untouched
CREATE TYPE @extschema@.sla_state AS ENUM ('open', 'open_breached', 'met', 'breached', 'cancelled');

-- statement_timestamp() is "now": open clocks are measured up to it.
CREATE VIEW @extschema@.sla_status WITH (security_invoker = true) AS
SELECT c.id AS clock_id,
       c.policy,
       c.lead_table,
       c.lead_id,
       c.stage,
       c.owner,
       c.entered_at,
       c.started_at,
       c.due_at,
       c.stopped_at,
       c.stopped_by,
       c.target,
       COALESCE(c.business_time,
                @extschema@.business_time_between(c.calendar, c.started_at,
                                                  greatest(c.started_at, pg_catalog.statement_timestamp())))
           AS business_time,
       -- stopped_by as text: the 0.4.0--0.5.0 update adds its labels in the
       -- transaction that replaces this view, where they can't be used yet
       CASE WHEN c.stopped_at IS NOT NULL
            THEN CASE WHEN c.due_at IS NOT NULL AND c.stopped_at OPERATOR(pg_catalog.>) c.due_at THEN 'breached'
                      WHEN c.stopped_by::pg_catalog.text OPERATOR(pg_catalog.=) ANY ('{lead_deleted,lead_merged}'::pg_catalog.text[])
                      THEN 'cancelled'
                      ELSE 'met' END
            WHEN c.due_at OPERATOR(pg_catalog.<) pg_catalog.statement_timestamp() THEN 'open_breached'
            ELSE 'open' END::@extschema@.sla_state AS state
FROM @extschema@.sla_clock AS c;
COMMENT ON VIEW @extschema@.sla_status IS
    'Every SLA clock: owner, start, due time, stop, business time used (so far, when open) and state';

-- Two arms, so that each filter reaches its partial index: an owner's open
-- breaches come from sla_clock_open_idx.
CREATE VIEW @extschema@.sla_breaches WITH (security_invoker = true) AS
SELECT c.id AS clock_id, c.policy, c.lead_table, c.lead_id, c.stage, c.owner,
       c.started_at, c.due_at, c.stopped_at,
       'open_breached'::@extschema@.sla_state AS state,
       @extschema@.business_time_between(c.calendar, c.started_at, pg_catalog.statement_timestamp())
           OPERATOR(pg_catalog.-) c.target AS late_by
FROM @extschema@.sla_clock AS c
WHERE c.stopped_at IS NULL AND c.due_at OPERATOR(pg_catalog.<) pg_catalog.statement_timestamp()
UNION ALL
SELECT c.id, c.policy, c.lead_table, c.lead_id, c.stage, c.owner,
       c.started_at, c.due_at, c.stopped_at,
       'breached'::@extschema@.sla_state,
       c.business_time OPERATOR(pg_catalog.-) c.target
FROM @extschema@.sla_clock AS c
WHERE c.stopped_at OPERATOR(pg_catalog.>) c.due_at;
COMMENT ON VIEW @extschema@.sla_breaches IS
    'SLA clocks stopped late or open past their due time, with how much business time past the target';

-- Weeks of the clock's start, by report_period().
CREATE VIEW @extschema@.sla_compliance WITH (security_invoker = true) AS
SELECT s.policy,
       s.owner,
       @extschema@.report_period(s.started_at, 'week') AS week,
       pg_catalog.count(*) AS clocks,
       pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'met') AS met,
       pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) ANY ('{breached,open_breached}')) AS breached,
       pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'open') AS open,
       pg_catalog.round(100.0 OPERATOR(pg_catalog.*) pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'met')
                        OPERATOR(pg_catalog./) NULLIF(pg_catalog.count(*) FILTER (
                            WHERE s.state OPERATOR(pg_catalog.=) ANY ('{met,breached,open_breached}')), 0), 1)
           AS pct_met,
       pg_catalog.avg(s.business_time) FILTER (WHERE s.stopped_by OPERATOR(pg_catalog.=) 'touch') AS avg_response,
       pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_time)
           FILTER (WHERE s.stopped_by OPERATOR(pg_catalog.=) 'touch') AS median_response,
       pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY s.business_time)
           FILTER (WHERE s.stopped_by OPERATOR(pg_catalog.=) 'touch') AS p90_response,
       pg_catalog.round(100.0 OPERATOR(pg_catalog.*) pg_catalog.count(*) FILTER (
                            WHERE s.stopped_by OPERATOR(pg_catalog.=) 'touch'
                              AND s.stopped_at OPERATOR(pg_catalog.-) s.started_at OPERATOR(pg_catalog.<=) interval '5 minutes')
                        OPERATOR(pg_catalog./) NULLIF(pg_catalog.count(*) FILTER (
                            WHERE s.state::pg_catalog.text OPERATOR(pg_catalog.<>) 'cancelled'), 0), 1)
           AS pct_touched_within_5_minutes,
       pg_catalog.count(*) FILTER (WHERE s.state::pg_catalog.text OPERATOR(pg_catalog.=) 'cancelled') AS cancelled,
       -- every clock's wait, not only the touched ones': a clock nobody
       -- touched counts with the business time it ran (to its stage exit,
       -- or so far), a lower bound, so slow follow-up can't hide behind
       -- the leads nobody called.  Last, so that the view updates in place.
       pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_time)
           FILTER (WHERE s.state::pg_catalog.text OPERATOR(pg_catalog.<>) 'cancelled') AS median_wait,
       pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY s.business_time)
           FILTER (WHERE s.state::pg_catalog.text OPERATOR(pg_catalog.<>) 'cancelled') AS p90_wait,
       -- one row per table too, so that a sandbox table's clocks can be
       -- left out (policies watch every managed table)
       s.lead_table
FROM @extschema@.sla_status AS s
GROUP BY s.lead_table, s.policy, s.owner, @extschema@.report_period(s.started_at, 'week');
COMMENT ON VIEW @extschema@.sla_compliance IS
    'Per table, policy, owner and report week: clocks met, breached, open and cancelled (lead deleted), % met, business response times, % touched within 5 minutes, and the median and 90th percentile wait of every clock, untouched ones included';

-- Cohort: the month of a lead's first logged stage, by report_period().
-- in_order counts a lead at every funnel stage up to the furthest it
-- reached (skipped stages count as reached); any counts it only at the
-- stages it really was in.  A lead was in the stages it entered, and in
-- the one its log shows it leaving first (a lead from before manage(), or
-- an imported history that starts later); a lead the log shows only in
-- detours (inserted disqualified, say) was a lead, and counts at lead.
CREATE VIEW @extschema@.funnel WITH (security_invoker = true) AS
WITH per_lead AS (
    SELECT t.lead_table,
           pg_catalog.min(t.changed_at) AS first_at,
           pg_catalog.max(GREATEST(@extschema@.funnel_rank(t.to_stage),
                                   @extschema@.funnel_rank(t.from_stage))) AS furthest,
           pg_catalog.bit_or(COALESCE(1 OPERATOR(pg_catalog.<<) @extschema@.funnel_rank(t.to_stage), 0)
                             OPERATOR(pg_catalog.|)
                             COALESCE(1 OPERATOR(pg_catalog.<<) @extschema@.funnel_rank(t.from_stage), 0)) AS entered
    FROM @extschema@.transition AS t
    WHERE t.to_stage IS NOT NULL
    GROUP BY t.lead_table, t.lead_id
), shapes AS (
    SELECT p.lead_table, @extschema@.report_period(p.first_at, 'month') AS cohort,
           COALESCE(p.furthest, @extschema@.funnel_rank('lead')) AS furthest,
           CASE p.entered WHEN 0 THEN 1 OPERATOR(pg_catalog.<<) @extschema@.funnel_rank('lead')
                          ELSE p.entered END AS entered,
           pg_catalog.count(*) AS leads
    FROM per_lead AS p
    GROUP BY 1, 2, 3, 4
), counts AS (
    SELECT s.lead_table, m.mode, s.cohort, f.stage, f.funnel_rank,
           COALESCE(pg_catalog.sum(s.leads) FILTER (
               WHERE CASE m.mode WHEN 'in_order' THEN s.furthest OPERATOR(pg_catalog.>=) f.funnel_rank
                                 ELSE s.entered OPERATOR(pg_catalog.&) (1 OPERATOR(pg_catalog.<<) f.funnel_rank)
                                      OPERATOR(pg_catalog.<>) 0 END), 0)::bigint AS reached
    FROM shapes AS s
    CROSS JOIN (VALUES ('in_order'), ('any')) AS m(mode)
    CROSS JOIN @extschema@.stages AS f
    WHERE f.funnel_rank IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
)
SELECT c.lead_table, c.mode, c.cohort, c.stage, c.reached,
       pg_catalog.round(c.reached::numeric OPERATOR(pg_catalog./)
                        NULLIF(pg_catalog.lag(c.reached) OVER w, 0), 4) AS conversion
FROM counts AS c
WINDOW w AS (PARTITION BY c.lead_table, c.mode, c.cohort ORDER BY c.funnel_rank);
COMMENT ON VIEW @extschema@.funnel IS
    'Per cohort month: leads that reached each funnel stage and the conversion from the stage before, in_order (skips count) or any';

-- Business time by the calendar the leadqual.report_calendar setting names
-- (weekdays_9_17 unless set).
CREATE VIEW @extschema@.stage_velocity WITH (security_invoker = true) AS
SELECT h.lead_table,
       h.stage AS from_stage,
       h.next_stage AS to_stage,
       pg_catalog.count(*) AS moves,
       pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY h.time_in_stage) AS median_time,
       pg_catalog.avg(h.time_in_stage) AS avg_time,
       pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY b.business_time) AS median_business_time,
       pg_catalog.avg(b.business_time) AS avg_business_time
FROM @extschema@.stage_history AS h
CROSS JOIN LATERAL (
    SELECT @extschema@.business_time_between(COALESCE(pg_catalog.current_setting('leadqual.report_calendar', true),
                                                      'weekdays_9_17'),
                                             h.entered_at, h.left_at) AS business_time
) AS b
WHERE h.next_stage IS NOT NULL
GROUP BY h.lead_table, h.stage, h.next_stage;
COMMENT ON VIEW @extschema@.stage_velocity IS
    'Per pair of consecutive stages: moves, and the median and average time from entering one to entering the next, wall-clock and business';

-- Months by report_period().
CREATE VIEW @extschema@.rejection_summary WITH (security_invoker = true) AS
SELECT t.lead_table,
       @extschema@.report_period(t.changed_at, 'month') AS month,
       t.owner,
       t.reason,
       pg_catalog.count(*) AS rejections,
       pg_catalog.round(pg_catalog.count(*)::numeric OPERATOR(pg_catalog./)
                        pg_catalog.sum(pg_catalog.count(*)) OVER (PARTITION BY t.lead_table, @extschema@.report_period(t.changed_at, 'month')), 4)
           AS share_of_month,
       pg_catalog.round(pg_catalog.count(*)::numeric OPERATOR(pg_catalog./)
                        pg_catalog.sum(pg_catalog.count(*)) OVER (PARTITION BY t.lead_table, @extschema@.report_period(t.changed_at, 'month'), t.owner), 4)
           AS share_of_owner
FROM @extschema@.transition AS t
WHERE t.to_stage OPERATOR(pg_catalog.=) ANY ('{recycled,disqualified}'::@extschema@.lifecycle_stage[])
GROUP BY t.lead_table, @extschema@.report_period(t.changed_at, 'month'), t.owner, t.reason;
COMMENT ON VIEW @extschema@.rejection_summary IS
    'Rejections (recycled or disqualified) per month, owner and reason, with their share of the month''s and of the owner''s';
