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
-- Every clock, as sla_status shows it, and whether the rollup holds it.
CREATE VIEW @extschema@._clock_state WITH (security_invoker = true) AS
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
            ELSE 'open' END::@extschema@.sla_state AS state,
       c.folded
FROM @extschema@.sla_clock AS c;
COMMENT ON VIEW @extschema@._clock_state IS
    'Every SLA clock as leadqual.sla_status shows it, and whether leadqual.sla_clock_day holds it';

CREATE VIEW @extschema@.sla_status WITH (security_invoker = true) AS
SELECT s.clock_id, s.policy, s.lead_table, s.lead_id, s.stage, s.owner, s.entered_at, s.started_at, s.due_at,
       s.stopped_at, s.stopped_by, s.target, s.business_time, s.state
FROM @extschema@._clock_state AS s;
COMMENT ON VIEW @extschema@.sla_status IS
    'Every SLA clock: owner, start, due time, stop, business time used (so far, when open) and state';

-- Two arms, so that each filter reaches its partial index: an owner's open
-- breaches come from sla_clock_open_idx.  late_by is business time past
-- the target, and is zero for a clock touched after its due time outside
-- working hours; overdue_by is the wall-clock time since the due time,
-- never zero for a breach.  Last, so that the view updates in place.
CREATE VIEW @extschema@.sla_breaches WITH (security_invoker = true) AS
SELECT c.id AS clock_id, c.policy, c.lead_table, c.lead_id, c.stage, c.owner,
       c.started_at, c.due_at, c.stopped_at,
       'open_breached'::@extschema@.sla_state AS state,
       @extschema@.business_time_between(c.calendar, c.started_at, pg_catalog.statement_timestamp())
           OPERATOR(pg_catalog.-) c.target AS late_by,
       pg_catalog.statement_timestamp() OPERATOR(pg_catalog.-) c.due_at AS overdue_by
FROM @extschema@.sla_clock AS c
WHERE c.stopped_at IS NULL AND c.due_at OPERATOR(pg_catalog.<) pg_catalog.statement_timestamp()
UNION ALL
SELECT c.id, c.policy, c.lead_table, c.lead_id, c.stage, c.owner,
       c.started_at, c.due_at, c.stopped_at,
       'breached'::@extschema@.sla_state,
       c.business_time OPERATOR(pg_catalog.-) c.target,
       c.stopped_at OPERATOR(pg_catalog.-) c.due_at
FROM @extschema@.sla_clock AS c
WHERE c.stopped_at OPERATOR(pg_catalog.>) c.due_at;
COMMENT ON VIEW @extschema@.sla_breaches IS
    'SLA clocks stopped late or open past their due time, with how much business time past the target (late_by) and wall-clock time past the due time (overdue_by)';

-- The clocks' daily rollup: per table, policy, owner and local day of the
-- clocks' start, what sla_compliance counts of the stopped clocks folded
-- in by refresh_rollups().  A stopped clock's figures never change (the
-- ways leadqual changes one, merge() and erase(), leave them be; a renamed
-- policy renames its rows, below), so the report reads a day of them as a
-- row, and only the open clocks and those stopped since the last refresh
-- one by one.  Days are those of the time zone the rollup_state row names;
-- a report in another zone reads every clock.  Business times are kept as
-- microseconds, in no order.
CREATE TABLE @extschema@.sla_clock_day (
    lead_table               regclass NOT NULL,
    policy                   text NOT NULL,
    owner                    text,
    day                      date NOT NULL,
    -- the report week of that day, from the rollup_state row's week start
    week                     date NOT NULL,
    clocks                   integer NOT NULL,
    met                      integer NOT NULL,
    breached                 integer NOT NULL,
    cancelled                integer NOT NULL,
    touched                  integer NOT NULL,
    touched_within_5_minutes integer NOT NULL,
    touch_time               interval,
    touch_times              bigint[] NOT NULL,
    wait_times               bigint[] NOT NULL,
    CONSTRAINT sla_clock_day_key UNIQUE NULLS NOT DISTINCT (lead_table, policy, owner, day)
);
-- A report's weeks, a range of them
CREATE INDEX sla_clock_day_week_idx ON @extschema@.sla_clock_day (week);
COMMENT ON TABLE @extschema@.sla_clock_day IS
    'The stopped SLA clocks folded by leadqual.refresh_rollups(), per table, policy, owner and day of their start, as leadqual.sla_compliance counts them';

-- The time zone of the rollup's days and the first day of its weeks, one
-- row once a refresh ran.
CREATE TABLE @extschema@.rollup_state (
    only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    time_zone    text NOT NULL,
    week_start   text NOT NULL,
    refreshed_at timestamptz NOT NULL,
    -- the funnel's rollup holds the log's rows up to this id
    funnel_folded_through bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE @extschema@.rollup_state IS
    'The time zone and week start whose days and weeks the rollups hold, how far the funnel''s rollup folded the log, and when leadqual.refresh_rollups() last ran';

-- pg_dump keeps the rollup with the clocks' folded marks.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sla_clock_day', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup_state', '');

-- The report time zone in force: leadqual.report_time_zone, else the
-- session's.  A name, compared as written.
CREATE FUNCTION @extschema@._report_time_zone()
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN COALESCE(NULLIF(pg_catalog.current_setting('leadqual.report_time_zone', true), ''),
                pg_catalog.current_setting('TimeZone'));

-- The report week's first day in force: leadqual.week_start, whose
-- default (monday) this repeats for a session that has not loaded the
-- library, where the setting has no default yet.
CREATE FUNCTION @extschema@._report_week_start()
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN COALESCE(NULLIF(pg_catalog.current_setting('leadqual.week_start', true), ''), 'monday');

-- Whether this query may read the rollup for the clocks it folded: it is
-- on (leadqual.report_rollups), holds the days and weeks of the report
-- time zone and week start, and the role sees every clock (row security does not apply to it, as to
-- the extension's owner, superusers and BYPASSRLS roles): the rollup's
-- counts are of all leads.  Otherwise the reports count the clocks the
-- role may see, one by one.  No arguments: evaluated once per query.
CREATE FUNCTION @extschema@._rollup_serves()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $serves$
    SELECT COALESCE(pg_catalog.current_setting('leadqual.report_rollups', true), 'on')::boolean
           AND NOT pg_catalog.row_security_active('@extschema@.sla_clock'::regclass)
           AND EXISTS (SELECT FROM @extschema@.rollup_state AS r
                       WHERE r.time_zone OPERATOR(pg_catalog.=) @extschema@._report_time_zone()
                         AND r.week_start OPERATOR(pg_catalog.=) @extschema@._report_week_start())
$serves$;

-- percentile_cont over business times given as a rollup row's
-- microseconds or a clock's interval (C, src/clock_rollup.c): the
-- percentiles of the fractions, in their order.
CREATE FUNCTION @extschema@._business_time_percentiles_step(internal, bigint[], interval, double precision[])
RETURNS internal
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_business_time_percentiles_step';
CREATE FUNCTION @extschema@._business_time_percentiles_final(internal)
RETURNS interval[]
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_business_time_percentiles_final';
CREATE AGGREGATE @extschema@._business_time_percentiles(many bigint[], one interval, fractions double precision[]) (
    SFUNC = @extschema@._business_time_percentiles_step,
    STYPE = internal,
    FINALFUNC = @extschema@._business_time_percentiles_final,
    -- the final function reorders the times in place, and may again
    FINALFUNC_MODIFY = SHAREABLE,
    -- a week's times of one owner: a few hundred, 8 bytes each; the
    -- planner's guess for an internal state (8 kB) keeps it from hashing
    SSPACE = 4096
);

-- A clock as sla_compliance counts it, on its own or folded.  Cancelled is
-- told by the states it is not, as a cast to text per clock costs more,
-- and the 0.4.0--0.5.0 update creates this view in the transaction that
-- adds the label.
CREATE VIEW @extschema@._clock_figures WITH (security_invoker = true) AS
SELECT s.clock_id, s.lead_table, s.policy, s.owner, s.started_at, s.stopped_at, s.folded,
       (s.state OPERATOR(pg_catalog.=) 'met')::integer AS met,
       (s.state OPERATOR(pg_catalog.=) ANY ('{breached,open_breached}'))::integer AS breached,
       (s.state OPERATOR(pg_catalog.=) 'open')::integer AS open,
       (s.state OPERATOR(pg_catalog.<>) ALL ('{open,open_breached,met,breached}'))::integer AS cancelled,
       COALESCE(s.stopped_by OPERATOR(pg_catalog.=) 'touch', false)::integer AS touched,
       COALESCE(s.stopped_by OPERATOR(pg_catalog.=) 'touch'
                AND s.stopped_at OPERATOR(pg_catalog.-) s.started_at OPERATOR(pg_catalog.<=) interval '5 minutes',
                false)::integer AS touched_within_5_minutes,
       CASE WHEN s.stopped_by OPERATOR(pg_catalog.=) 'touch' THEN s.business_time END AS touch_time,
       CASE WHEN s.state OPERATOR(pg_catalog.=) ANY ('{open,open_breached,met,breached}') THEN s.business_time END
           AS wait_time
FROM @extschema@._clock_state AS s;
COMMENT ON VIEW @extschema@._clock_figures IS
    'Each SLA clock''s counts and times as leadqual.sla_compliance adds them up';

-- A business time in microseconds, days as 24 hours (months refused), as
-- the rollup keeps it and _business_time_percentiles() counts it (C,
-- src/clock_rollup.c, one conversion for both).
CREATE FUNCTION @extschema@._microseconds(business_time interval)
RETURNS bigint
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_microseconds';

-- A renamed policy renames its rows of the rollup, as _clock_references()
-- renames its clocks.
CREATE FUNCTION @extschema@._rename_rollup_policy()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $rename$
BEGIN
    UPDATE @extschema@.sla_clock_day SET policy = NEW.name WHERE policy = OLD.name;
    RETURN NULL;
END
$rename$;
CREATE TRIGGER rename_rollup_policy AFTER UPDATE OF name ON @extschema@.sla_policy
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION @extschema@._rename_rollup_policy();

-- Weeks of the clock's start, by report_period().  The stopped clocks
-- folded into sla_clock_day count a day a row when the rollup serves the
-- query (_rollup_serves(): one test per query); the open clocks, those
-- stopped since the last fold, and every clock when the rollup does not
-- serve, one by one (each part reads its own index).
CREATE VIEW @extschema@.sla_compliance WITH (security_invoker = true) AS
WITH parts AS (
    SELECT d.lead_table, d.policy, d.owner, d.week, d.clocks, d.met, d.breached, 0 AS open,
           d.cancelled, d.touched, d.touched_within_5_minutes, d.touch_time AS touch_sum,
           d.touch_times, NULL::interval AS touch_time, d.wait_times, NULL::interval AS wait_time
    FROM @extschema@.sla_clock_day AS d
    WHERE @extschema@._rollup_serves()
    UNION ALL
    SELECT f.lead_table, f.policy, f.owner, @extschema@.report_period(f.started_at, 'week'), 1, f.met, f.breached, f.open,
           f.cancelled, f.touched, f.touched_within_5_minutes, f.touch_time,
           NULL, f.touch_time, NULL, f.wait_time
    FROM (
        SELECT * FROM @extschema@._clock_figures AS f WHERE f.stopped_at IS NULL
        UNION ALL
        SELECT * FROM @extschema@._clock_figures AS f WHERE NOT f.folded AND f.stopped_at IS NOT NULL
        UNION ALL
        -- LIMIT 0 when the rollup serves the query: a gate, like the WHERE
        -- of the first part, but one the planner prices by its value at
        -- planning (it estimates a LIMIT by evaluating its stable
        -- functions), so that a query the rollup serves is not costed (and
        -- compiled by JIT, at 40 ms) as if it read every folded clock.  No
        -- subquery: Citus runs no LIMIT with one over distributed tables.
        (SELECT * FROM @extschema@._clock_figures AS f WHERE f.folded
         LIMIT CASE WHEN @extschema@._rollup_serves() THEN 0 END)
    ) AS f
)
SELECT p.policy,
       p.owner,
       p.week,
       pg_catalog.sum(p.clocks) AS clocks,
       pg_catalog.sum(p.met) AS met,
       pg_catalog.sum(p.breached) AS breached,
       pg_catalog.sum(p.open) AS open,
       pg_catalog.round(100.0 OPERATOR(pg_catalog.*) pg_catalog.sum(p.met)
                        OPERATOR(pg_catalog./) NULLIF(pg_catalog.sum(p.met) OPERATOR(pg_catalog.+) pg_catalog.sum(p.breached), 0), 1)
           AS pct_met,
       pg_catalog.sum(p.touch_sum) OPERATOR(pg_catalog./) NULLIF(pg_catalog.sum(p.touched), 0)::double precision
           AS avg_response,
       (@extschema@._business_time_percentiles(p.touch_times, p.touch_time, '{0.5,0.9}'))[1] AS median_response,
       (@extschema@._business_time_percentiles(p.touch_times, p.touch_time, '{0.5,0.9}'))[2] AS p90_response,
       pg_catalog.round(100.0 OPERATOR(pg_catalog.*) pg_catalog.sum(p.touched_within_5_minutes)
                        OPERATOR(pg_catalog./) NULLIF(pg_catalog.sum(p.clocks) OPERATOR(pg_catalog.-) pg_catalog.sum(p.cancelled), 0), 1)
           AS pct_touched_within_5_minutes,
       pg_catalog.sum(p.cancelled) AS cancelled,
       -- every clock's wait, not only the touched ones': a clock nobody
       -- touched counts with the business time it ran (to its stage exit,
       -- or so far), a lower bound, so slow follow-up can't hide behind
       -- the leads nobody called.  Last, so that the view updates in place.
       (@extschema@._business_time_percentiles(p.wait_times, p.wait_time, '{0.5,0.9}'))[1] AS median_wait,
       (@extschema@._business_time_percentiles(p.wait_times, p.wait_time, '{0.5,0.9}'))[2] AS p90_wait,
       -- one row per table too, so that a sandbox table's clocks can be
       -- left out (policies watch every managed table)
       p.lead_table
FROM parts AS p
GROUP BY p.lead_table, p.policy, p.owner, p.week;
COMMENT ON VIEW @extschema@.sla_compliance IS
    'Per table, policy, owner and report week: clocks met, breached, open and cancelled (lead deleted), % met, business response times, % touched within 5 minutes, and the median and 90th percentile wait of every clock, untouched ones included';

-- A lead's shape in the funnel as it counts, from the raw aggregates of
-- its log rows (max and bit_or, NULL and 0 for a lead the log shows only
-- in detours: such a lead was a lead, and counts at lead).  Inlined.
CREATE FUNCTION @extschema@._funnel_furthest(raw integer)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN COALESCE(raw, @extschema@.funnel_rank('lead'));
CREATE FUNCTION @extschema@._funnel_entered(raw integer)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE raw WHEN 0 THEN 1 OPERATOR(pg_catalog.<<) @extschema@.funnel_rank('lead') ELSE raw END;

-- One lead's raw shape from its log, through transition_lead_idx: when
-- its first stage was logged (NULL: no row), the furthest funnel stage it
-- reached, and the funnel stages it was in, as bits by funnel rank.  For
-- the funnel's rollup, which reads the leads it has not folded a lead at a
-- time.  Inlined.
CREATE FUNCTION @extschema@._funnel_shape_of(leads regclass, lead text)
RETURNS TABLE (first_at timestamptz, furthest integer, entered integer)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.min(t.changed_at),
           pg_catalog.max(GREATEST(@extschema@.funnel_rank(t.to_stage), @extschema@.funnel_rank(t.from_stage))),
           pg_catalog.bit_or(COALESCE(1 OPERATOR(pg_catalog.<<) @extschema@.funnel_rank(t.to_stage), 0)
                             OPERATOR(pg_catalog.|)
                             COALESCE(1 OPERATOR(pg_catalog.<<) @extschema@.funnel_rank(t.from_stage), 0))
    FROM @extschema@.transition AS t
    WHERE t.lead_table OPERATOR(pg_catalog.=) leads AND t.lead_id OPERATOR(pg_catalog.=) lead
      AND t.to_stage IS NOT NULL;
END;

-- Each lead's shape in the funnel, from its log, for the funnel and
-- funnel_report(): when its first stage was logged, the furthest funnel
-- stage it reached, and the funnel stages it was in, as bits by funnel
-- rank.  A lead was in the stages it entered, and in the one its log shows
-- it leaving first (a lead from before manage(), or an imported history
-- that starts later); a lead the log shows only in detours (inserted
-- disqualified, say) was a lead, and counts at lead.  Ids are grouped
-- byte by byte (COLLATE "C"): under a deterministic collation two ids are
-- equal only when their bytes are, and comparing bytes costs far less than
-- the database's collation over the whole log (a third of the funnel's
-- time at 1M leads).
CREATE VIEW @extschema@._funnel_lead WITH (security_invoker = true) AS
SELECT p.lead_table, p.lead_id, p.first_at,
       @extschema@._funnel_furthest(p.furthest) AS furthest, @extschema@._funnel_entered(p.entered) AS entered
FROM (
    SELECT t.lead_table, t.lead_id COLLATE "C" AS lead_id,
           pg_catalog.min(t.changed_at) AS first_at,
           pg_catalog.max(GREATEST(@extschema@.funnel_rank(t.to_stage),
                                   @extschema@.funnel_rank(t.from_stage))) AS furthest,
           pg_catalog.bit_or(COALESCE(1 OPERATOR(pg_catalog.<<) @extschema@.funnel_rank(t.to_stage), 0)
                             OPERATOR(pg_catalog.|)
                             COALESCE(1 OPERATOR(pg_catalog.<<) @extschema@.funnel_rank(t.from_stage), 0)) AS entered
    FROM @extschema@.transition AS t
    WHERE t.to_stage IS NOT NULL
    GROUP BY t.lead_table, t.lead_id COLLATE "C"
) AS p;
COMMENT ON VIEW @extschema@._funnel_lead IS
    'Each logged lead''s first logged time, furthest funnel stage and the funnel stages it was in (bits by funnel rank), for the funnel reports';

-- Where a lead of a funnel shape counts: every funnel stage, for each mode,
-- with whether the shape counts there.  in_order counts it at every stage
-- up to the furthest it reached (skipped stages count as reached); any
-- only at the stages it was in.  Inlined into the funnel's queries.
CREATE FUNCTION @extschema@._funnel_marks(furthest integer, entered integer)
RETURNS TABLE (mode text, stage @extschema@.lifecycle_stage, funnel_rank integer, counted boolean)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT m.mode, f.stage, f.funnel_rank,
           CASE m.mode WHEN 'in_order' THEN furthest OPERATOR(pg_catalog.>=) f.funnel_rank
                       ELSE entered OPERATOR(pg_catalog.&) (1 OPERATOR(pg_catalog.<<) f.funnel_rank)
                            OPERATOR(pg_catalog.<>) 0 END
    FROM (VALUES ('in_order'), ('any')) AS m(mode)
    CROSS JOIN @extschema@.stages AS f
    WHERE f.funnel_rank IS NOT NULL;
END;

------------------------------------------------------------------------------
-- The funnel's rollup.  Grouping the whole log by lead is most of the
-- funnel's cost, so refresh_rollups() folds the log, up to an id, into a
-- row a lead (funnel_shape) and counts those by shape and local day of the
-- lead's first stage (funnel_day).  The funnel then reads the counts, and
-- works out from the log only the leads with rows after that id or whose
-- rows moved to another id since (funnel_dirty): less their folded shape,
-- plus their shape now.  A promotion pays nothing for it.  The shapes are
-- the raw aggregates of _funnel_lead (min, max and bit_or, so a lead's
-- shape grows with its log); the days and counts, its displayed shapes.
------------------------------------------------------------------------------

CREATE TABLE @extschema@.funnel_shape (
    lead_table regclass NOT NULL,
    lead_id    text NOT NULL,
    first_at   timestamptz NOT NULL,
    furthest   integer,
    entered    integer NOT NULL,
    PRIMARY KEY (lead_table, lead_id)
);
COMMENT ON TABLE @extschema@.funnel_shape IS
    'The funnel''s rollup: each folded lead''s first logged time, furthest funnel stage and the funnel stages it was in, as its log up to rollup_state.funnel_folded_through says';

CREATE TABLE @extschema@.funnel_day (
    lead_table regclass NOT NULL,
    day        date NOT NULL,
    -- the report month of that day
    month      date NOT NULL,
    furthest   integer NOT NULL,
    entered    integer NOT NULL,
    leads      integer NOT NULL,
    PRIMARY KEY (lead_table, day, furthest, entered)
);
COMMENT ON TABLE @extschema@.funnel_day IS
    'The folded leads of leadqual.funnel_shape counted by table, local day of their first logged stage, furthest funnel stage and funnel stages they were in';

-- Leads whose rows of the log took or left their id since they were
-- folded (merge(), erase(), a lead's deletion): the funnel works them out
-- from the log until the next refresh.  marks counts the marks, so that a
-- refresh clears only those it read.
CREATE TABLE @extschema@.funnel_dirty (
    lead_table regclass NOT NULL,
    lead_id    text NOT NULL,
    marks      bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (lead_table, lead_id)
);
COMMENT ON TABLE @extschema@.funnel_dirty IS
    'Leads whose rows of the log changed id since leadqual.refresh_rollups() folded them';

-- pg_dump keeps the rollup, with how far it folded.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.funnel_shape', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.funnel_day', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.funnel_dirty', '');

-- A truncated log or clock table empties its rollup.
CREATE FUNCTION @extschema@._forget_rollup()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $forget$
BEGIN
    IF TG_TABLE_NAME = 'sla_clock' THEN
        TRUNCATE @extschema@.sla_clock_day;
    ELSE
        TRUNCATE @extschema@.funnel_shape, @extschema@.funnel_day, @extschema@.funnel_dirty;
        UPDATE @extschema@.rollup_state SET funnel_folded_through = 0;
    END IF;
    RETURN NULL;
END
$forget$;
CREATE TRIGGER forget_rollup AFTER TRUNCATE ON @extschema@.transition
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._forget_rollup();
CREATE TRIGGER forget_rollup AFTER TRUNCATE ON @extschema@.sla_clock
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._forget_rollup();
-- ALWAYS: under session_replication_role = replica too
ALTER TABLE @extschema@.transition ENABLE ALWAYS TRIGGER forget_rollup;
ALTER TABLE @extschema@.sla_clock ENABLE ALWAYS TRIGGER forget_rollup;

-- Takes leads out of the funnel's rollup: deletes their folded shapes and
-- takes them out of the day counts (a count may reach 0, which the next
-- refresh deletes).  For refresh_rollups(), and for erase(), which leaves
-- no row naming an erased id.  Returns how many shapes it took out.
CREATE FUNCTION @extschema@._funnel_take_out(leads regclass, lead_ids text[])
RETURNS bigint
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $take_out$
    WITH unfolded AS (
        DELETE FROM @extschema@.funnel_shape AS f
        WHERE f.lead_table = _funnel_take_out.leads AND f.lead_id = ANY (_funnel_take_out.lead_ids)
        RETURNING f.first_at, f.furthest, f.entered
    ), taken_out AS (
        SELECT @extschema@.report_period(u.first_at, 'day', (SELECT r.time_zone FROM @extschema@.rollup_state AS r)) AS day,
               @extschema@._funnel_furthest(u.furthest) AS furthest, @extschema@._funnel_entered(u.entered) AS entered,
               pg_catalog.count(*) AS shapes
        FROM unfolded AS u GROUP BY 1, 2, 3
    ), counted AS (
        UPDATE @extschema@.funnel_day AS d SET leads = d.leads - o.shapes
        FROM taken_out AS o
        WHERE d.lead_table = _funnel_take_out.leads AND d.day = o.day AND d.furthest = o.furthest AND d.entered = o.entered
    )
    SELECT pg_catalog.count(*) FROM unfolded
$take_out$;

-- Returns once every transaction writing leadqual.transition when called
-- has ended, without holding up those that start meanwhile (C,
-- src/rollup_refresh.c).
CREATE FUNCTION @extschema@._wait_for_log_writers()
RETURNS void
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'leadqual_wait_for_log_writers';

-- Folds what the rollups do not hold yet:
--   - the clocks stopped since the last call into sla_clock_day, in one
--     statement that marks them folded, so that a report sees a clock
--     either in the rollup or on its own, never both and never neither;
--   - the log's rows up to the last id taken, once the transactions that
--     could still be writing such rows have ended (waited for; new ones are
--     not held up), and the leads marked dirty, into funnel_shape and
--     funnel_day: each such lead's folded shape is taken out of the counts
--     and its shape from its whole log put in.
-- One refresh at a time, under READ COMMITTED.  Rebuilds both when the
-- report time zone or week start changed, or when asked (after the log or
-- the clocks were edited by hand).
CREATE FUNCTION @extschema@.refresh_rollups(rebuild boolean DEFAULT false)
RETURNS TABLE (clocks_folded bigint, leads_folded bigint)
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $refresh$
DECLARE
    zone text := @extschema@._report_time_zone();
    first_weekday text := @extschema@._report_week_start();
    was bigint;
    upto bigint;
BEGIN
    -- the rollup is the extension's: only the owner of its tables writes it
    PERFORM pg_catalog.pg_advisory_xact_lock('@extschema@.sla_clock_day'::regclass::oid::bigint);
    IF rebuild OR NOT EXISTS (SELECT FROM @extschema@.rollup_state AS r
                              WHERE r.time_zone = zone AND r.week_start = first_weekday) THEN
        DELETE FROM @extschema@.sla_clock_day;
        UPDATE @extschema@.sla_clock AS c SET folded = false WHERE c.folded;
        TRUNCATE @extschema@.funnel_shape, @extschema@.funnel_day, @extschema@.funnel_dirty;
        UPDATE @extschema@.rollup_state SET funnel_folded_through = 0;
    END IF;
    INSERT INTO @extschema@.rollup_state AS r (time_zone, week_start, refreshed_at)
    VALUES (zone, first_weekday, pg_catalog.statement_timestamp())
    ON CONFLICT (only_row) DO UPDATE
    SET time_zone = excluded.time_zone, week_start = excluded.week_start, refreshed_at = excluded.refreshed_at
    RETURNING r.funnel_folded_through INTO was;

    WITH marked AS (
        UPDATE @extschema@.sla_clock AS c SET folded = true
        WHERE NOT c.folded AND c.stopped_at IS NOT NULL
        RETURNING c.id
    ), days AS (
        INSERT INTO @extschema@.sla_clock_day AS d
        SELECT f.lead_table, f.policy, f.owner, @extschema@.report_period(f.started_at, 'day', zone),
               @extschema@.report_period(f.started_at, 'week', zone, first_weekday),
               pg_catalog.count(*), pg_catalog.sum(f.met), pg_catalog.sum(f.breached), pg_catalog.sum(f.cancelled),
               pg_catalog.sum(f.touched), pg_catalog.sum(f.touched_within_5_minutes), pg_catalog.sum(f.touch_time),
               COALESCE(pg_catalog.array_agg(@extschema@._microseconds(f.touch_time))
                            FILTER (WHERE f.touch_time IS NOT NULL), '{}'),
               COALESCE(pg_catalog.array_agg(@extschema@._microseconds(f.wait_time))
                            FILTER (WHERE f.wait_time IS NOT NULL), '{}')
        FROM @extschema@._clock_figures AS f JOIN marked AS m ON m.id OPERATOR(pg_catalog.=) f.clock_id
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT ON CONSTRAINT sla_clock_day_key DO UPDATE
        SET clocks = d.clocks + excluded.clocks, met = d.met + excluded.met,
            breached = d.breached + excluded.breached, cancelled = d.cancelled + excluded.cancelled,
            touched = d.touched + excluded.touched,
            touched_within_5_minutes = d.touched_within_5_minutes + excluded.touched_within_5_minutes,
            touch_time = COALESCE(d.touch_time + excluded.touch_time, d.touch_time, excluded.touch_time),
            touch_times = d.touch_times || excluded.touch_times,
            wait_times = d.wait_times || excluded.wait_times
    )
    SELECT pg_catalog.count(*) INTO clocks_folded FROM marked;

    -- On Citus the log's ids come from every node's sequence (see
    -- src/citus_shards.c), so this node's says nothing of what is logged:
    -- the funnel reads the log there, and its rollup stays empty.
    IF @extschema@._distributed_by_citus('@extschema@.transition') THEN
        leads_folded := 0;
        RETURN NEXT;
        RETURN;
    END IF;
    -- the log: every id taken so far, once their transactions have ended
    SELECT CASE WHEN q.is_called THEN q.last_value ELSE q.last_value - 1 END
    INTO upto FROM @extschema@.transition_id_seq AS q;
    PERFORM @extschema@._wait_for_log_writers();
    CREATE TEMP TABLE refolded ON COMMIT DROP AS
    SELECT t.lead_table, t.lead_id, NULL::bigint AS marks
    FROM @extschema@.transition AS t
    WHERE t.id > was AND t.id <= upto
    UNION
    SELECT d.lead_table, d.lead_id, d.marks FROM @extschema@.funnel_dirty AS d;
    ANALYZE refolded;
    PERFORM @extschema@._funnel_take_out(r.lead_table, pg_catalog.array_agg(r.lead_id))
    FROM refolded AS r GROUP BY r.lead_table;
    WITH folded AS (
        INSERT INTO @extschema@.funnel_shape (lead_table, lead_id, first_at, furthest, entered)
        SELECT r.lead_table, r.lead_id, s.first_at, s.furthest, s.entered
        FROM (SELECT DISTINCT r.lead_table, r.lead_id FROM refolded AS r) AS r
        CROSS JOIN LATERAL @extschema@._funnel_shape_of(r.lead_table, r.lead_id) AS s
        WHERE s.first_at IS NOT NULL
        RETURNING lead_table, first_at, furthest, entered
    )
    INSERT INTO @extschema@.funnel_day AS d (lead_table, day, month, furthest, entered, leads)
    SELECT f.lead_table, @extschema@.report_period(f.first_at, 'day', zone),
           @extschema@.report_period(f.first_at, 'month', zone),
           @extschema@._funnel_furthest(f.furthest), @extschema@._funnel_entered(f.entered),
           pg_catalog.count(*)
    FROM folded AS f GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (lead_table, day, furthest, entered) DO UPDATE SET leads = d.leads + excluded.leads;
    SELECT pg_catalog.count(DISTINCT (r.lead_table, r.lead_id)) INTO leads_folded FROM refolded AS r;
    DELETE FROM @extschema@.funnel_day AS d WHERE d.leads = 0;
    -- the marks read, not one made since
    DELETE FROM @extschema@.funnel_dirty AS d USING refolded AS r
    WHERE d.lead_table = r.lead_table AND d.lead_id = r.lead_id AND d.marks = r.marks;
    UPDATE @extschema@.rollup_state SET funnel_folded_through = GREATEST(was, upto);
    DROP TABLE refolded;
    IF leads_folded > 10000 THEN
        ANALYZE @extschema@.funnel_shape, @extschema@.funnel_day;
    END IF;
    RETURN NEXT;
END
$refresh$;
COMMENT ON FUNCTION @extschema@.refresh_rollups(boolean) IS
    'Folds the SLA clocks stopped and the log written since the last call into the reports'' rollups; rebuild => true starts them over';

-- Each funnel shape's leads by cohort, for the funnel: from the rollup
-- when it serves the query (_rollup_serves()), the folded counts, less the
-- folded shapes of the leads logged or moved since, plus their shapes now,
-- read from the log a lead at a time through transition_lead_idx; else
-- every lead from the log.  PL/pgSQL so that the watermark is a constant
-- in the plan of "rows since", which then reads the index's newest end.
CREATE FUNCTION @extschema@._funnel_shapes()
RETURNS TABLE (lead_table regclass, cohort date, furthest integer, entered integer, leads bigint)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $shapes$
DECLARE
    folded_through bigint;
BEGIN
    IF NOT @extschema@._rollup_serves() OR @extschema@._distributed_by_citus('@extschema@.transition') THEN
        RETURN QUERY
        SELECT p.lead_table, @extschema@.report_period(p.first_at, 'month'), p.furthest, p.entered,
               pg_catalog.count(*)
        FROM @extschema@._funnel_lead AS p
        GROUP BY 1, 2, 3, 4;
        RETURN;
    END IF;
    SELECT r.funnel_folded_through INTO folded_through FROM @extschema@.rollup_state AS r;
    RETURN QUERY EXECUTE pg_catalog.format($query$
        WITH changed AS (
            SELECT t.lead_table, t.lead_id FROM @extschema@.transition AS t WHERE t.id > %s
            UNION
            SELECT d.lead_table, d.lead_id FROM @extschema@.funnel_dirty AS d
        )
        SELECT d.lead_table, d.month, d.furthest, d.entered, d.leads::bigint
        FROM @extschema@.funnel_day AS d
        UNION ALL
        SELECT f.lead_table, @extschema@.report_period(f.first_at, 'month'),
               @extschema@._funnel_furthest(f.furthest), @extschema@._funnel_entered(f.entered), -1::bigint
        FROM changed AS c
        JOIN @extschema@.funnel_shape AS f ON f.lead_table = c.lead_table AND f.lead_id = c.lead_id
        UNION ALL
        SELECT c.lead_table, @extschema@.report_period(s.first_at, 'month'),
               @extschema@._funnel_furthest(s.furthest), @extschema@._funnel_entered(s.entered), 1::bigint
        FROM changed AS c
        CROSS JOIN LATERAL @extschema@._funnel_shape_of(c.lead_table, c.lead_id) AS s
        WHERE s.first_at IS NOT NULL$query$, folded_through);
END
$shapes$;

-- Cohort: the month of a lead's first logged stage, by report_period().
-- in_order and any as _funnel_marks() counts them, a lead's shape as
-- _funnel_lead has it, the leads of each shape as _funnel_shapes() counts
-- them (from the rollup when it serves).
CREATE VIEW @extschema@.funnel WITH (security_invoker = true) AS
WITH shapes AS (
    SELECT b.lead_table, b.cohort, b.furthest, b.entered, pg_catalog.sum(b.leads) AS leads
    FROM @extschema@._funnel_shapes() AS b
    GROUP BY 1, 2, 3, 4
    HAVING pg_catalog.sum(b.leads) OPERATOR(pg_catalog.<>) 0
), counts AS (
    SELECT s.lead_table, k.mode, s.cohort, k.stage, k.funnel_rank,
           COALESCE(pg_catalog.sum(s.leads) FILTER (WHERE k.counted), 0)::bigint AS reached
    FROM shapes AS s
    CROSS JOIN LATERAL @extschema@._funnel_marks(s.furthest, s.entered) AS k
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
-- (weekdays_9_17 unless set).  The 90th percentiles come last, so that the
-- view updates in place.
CREATE VIEW @extschema@.stage_velocity WITH (security_invoker = true) AS
SELECT h.lead_table,
       h.stage AS from_stage,
       h.next_stage AS to_stage,
       pg_catalog.count(*) AS moves,
       pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY h.time_in_stage) AS median_time,
       pg_catalog.avg(h.time_in_stage) AS avg_time,
       pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY b.business_time) AS median_business_time,
       pg_catalog.avg(b.business_time) AS avg_business_time,
       pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY h.time_in_stage) AS p90_time,
       pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY b.business_time) AS p90_business_time
FROM @extschema@.stage_history AS h
CROSS JOIN LATERAL (
    SELECT @extschema@.business_time_between(COALESCE(pg_catalog.current_setting('leadqual.report_calendar', true),
                                                      'weekdays_9_17'),
                                             h.entered_at, h.left_at) AS business_time
) AS b
WHERE h.next_stage IS NOT NULL
GROUP BY h.lead_table, h.stage, h.next_stage;
COMMENT ON VIEW @extschema@.stage_velocity IS
    'Per pair of consecutive stages: moves, and the median, average and 90th percentile time from entering one to entering the next, wall-clock and business';

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

------------------------------------------------------------------------------
-- The reports sliced: one lead table's funnel, velocity, compliance and
-- rejections by any period and by any column of the table.  Set-returning
-- functions, since a view takes no arguments; the views above stay the
-- common case.  They run as the caller, who reads the lead table's column
-- (and the log, under its row security) with its own rights.
------------------------------------------------------------------------------

-- The join that gives each lead of a report its slice: the text of the
-- lead table's column "dimension", matched by the id column as the log
-- writes it (leadqual.managed); no dimension, one NULL slice for all.  A
-- lead gone from the table (deleted, merged, erased) falls in the NULL
-- slice, so the slices always add up to the whole.  "report" names the
-- caller in errors.
CREATE FUNCTION @extschema@._report_slice_join(report text, leads regclass, dimension name, lead_alias text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $slice$
DECLARE
    id_name name;
BEGIN
    IF leads IS NULL THEN
        RAISE EXCEPTION 'leadqual.%: leads must not be NULL', report
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Name one lead table; the views (leadqual.funnel and the others) cover every table.';
    END IF;
    IF dimension IS NULL THEN
        RETURN 'CROSS JOIN (SELECT NULL::pg_catalog.text AS slice) AS d';
    END IF;
    SELECT m.id_column INTO id_name FROM @extschema@.managed AS m WHERE m.leads OPERATOR(pg_catalog.=) $2;
    IF id_name IS NULL THEN
        RAISE EXCEPTION 'leadqual.%: table % is not managed by leadqual, so it can''t be sliced by "%"', report, leads, dimension
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'A slice is read from the lead''s row by its id column, which leadqual.manage() records: manage the table, or leave dimension out.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute AS a
                   WHERE a.attrelid OPERATOR(pg_catalog.=) $2 AND a.attname OPERATOR(pg_catalog.=) $3
                     AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'leadqual.%: table % has no column "%"', report, leads, dimension
            USING ERRCODE = 'undefined_column',
                  HINT = pg_catalog.format('Name a column of the lead table, as \d %s lists them, such as source or region.', leads);
    END IF;
    RETURN pg_catalog.format('LEFT JOIN (SELECT l.%I::pg_catalog.text AS lead_id, l.%I::pg_catalog.text AS slice FROM %s AS l) AS d'
                             ' ON d.lead_id OPERATOR(pg_catalog.=) %I.lead_id COLLATE "C"',
                             id_name, dimension, leads, lead_alias);
END
$slice$;

-- The period holding "at", as report_period() cuts it; NULL for no period
-- (the whole history in one row).  Inlined into the reports' queries.
CREATE FUNCTION @extschema@._report_period_or_all(at timestamptz, period text, time_zone text, week_start text)
RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE WHEN period IS NOT NULL THEN @extschema@.report_period(at, period, time_zone, week_start) END;

-- Checks a report's period, time zone and week start before its query
-- runs, with report_period()'s errors.
CREATE FUNCTION @extschema@._check_report_period(period text, time_zone text, week_start text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $check$
BEGIN
    IF period IS NOT NULL THEN
        PERFORM @extschema@.report_period(pg_catalog.statement_timestamp(), period, time_zone, week_start);
    END IF;
END
$check$;

-- The funnel of one table, by cohort (the period of a lead's first logged
-- stage) and slice, as leadqual.funnel counts it.
CREATE FUNCTION @extschema@.funnel_report(leads regclass, period text DEFAULT 'month', dimension name DEFAULT NULL,
                                          time_zone text DEFAULT NULL, week_start text DEFAULT NULL)
RETURNS TABLE (cohort date, slice text, mode text, stage @extschema@.lifecycle_stage, reached bigint, conversion numeric)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $report$
BEGIN
    PERFORM @extschema@._check_report_period(period, time_zone, week_start);
    RETURN QUERY EXECUTE pg_catalog.format($query$
        WITH shapes AS (
            SELECT @extschema@._report_period_or_all(p.first_at, $2, $3, $4) AS cohort, d.slice,
                   p.furthest, p.entered, pg_catalog.count(*) AS leads
            FROM @extschema@._funnel_lead AS p
            %s
            WHERE p.lead_table OPERATOR(pg_catalog.=) $1
            GROUP BY 1, 2, 3, 4
        ), counts AS (
            SELECT s.cohort, s.slice, k.mode, k.stage, k.funnel_rank,
                   COALESCE(pg_catalog.sum(s.leads) FILTER (WHERE k.counted), 0)::bigint AS reached
            FROM shapes AS s
            CROSS JOIN LATERAL @extschema@._funnel_marks(s.furthest, s.entered) AS k
            GROUP BY 1, 2, 3, 4, 5
        )
        SELECT c.cohort, c.slice, c.mode, c.stage, c.reached,
               pg_catalog.round(c.reached::pg_catalog.numeric OPERATOR(pg_catalog./)
                                NULLIF(pg_catalog.lag(c.reached) OVER w, 0), 4)
        FROM counts AS c
        WINDOW w AS (PARTITION BY c.cohort, c.slice, c.mode ORDER BY c.funnel_rank)
        ORDER BY c.cohort, c.slice, c.mode DESC, c.funnel_rank$query$,
        @extschema@._report_slice_join('funnel_report', leads, dimension, 'p'))
    USING leads, period, time_zone, week_start;
END
$report$;
COMMENT ON FUNCTION @extschema@.funnel_report(regclass, text, name, text, text) IS
    'One table''s funnel by cohort period (NULL: all time) and by a column of the lead table: leads that reached each stage and the conversion from the stage before, as leadqual.funnel counts them';

-- Stage velocity of one table: a move's period is when the lead entered
-- the next stage, or with by_cohort the lead's cohort (the period of its
-- first logged stage, as in the funnel); by_owner splits by the owner the
-- lead had on entering the stage it left.
CREATE FUNCTION @extschema@.velocity_report(leads regclass, period text DEFAULT NULL, dimension name DEFAULT NULL,
                                            by_owner boolean DEFAULT false, by_cohort boolean DEFAULT false,
                                            time_zone text DEFAULT NULL, week_start text DEFAULT NULL)
RETURNS TABLE (period_start date, slice text, owner text,
               from_stage @extschema@.lifecycle_stage, to_stage @extschema@.lifecycle_stage, moves bigint,
               median_time interval, p90_time interval, avg_time interval,
               median_business_time interval, p90_business_time interval, avg_business_time interval)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $report$
BEGIN
    PERFORM @extschema@._check_report_period(period, time_zone, week_start);
    RETURN QUERY EXECUTE pg_catalog.format($query$
        SELECT @extschema@._report_period_or_all(%s, $2, $3, $4), d.slice,
               CASE WHEN $5 THEN t.owner END,
               h.stage, h.next_stage, pg_catalog.count(*),
               pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY h.time_in_stage),
               pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY h.time_in_stage),
               pg_catalog.avg(h.time_in_stage),
               pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY b.business_time),
               pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY b.business_time),
               pg_catalog.avg(b.business_time)
        FROM @extschema@.stage_history AS h
        JOIN @extschema@.transition AS t ON t.id OPERATOR(pg_catalog.=) h.transition_id
        %s
        %s
        CROSS JOIN LATERAL (
            SELECT @extschema@.business_time_between(COALESCE(pg_catalog.current_setting('leadqual.report_calendar', true),
                                                              'weekdays_9_17'),
                                                     h.entered_at, h.left_at) AS business_time
        ) AS b
        WHERE h.lead_table OPERATOR(pg_catalog.=) $1 AND h.next_stage IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5
        ORDER BY 1, 2, 3, 4, 5$query$,
        CASE WHEN by_cohort THEN 'p.first_at' ELSE 'h.left_at' END,
        CASE WHEN by_cohort THEN 'JOIN @extschema@._funnel_lead AS p ON p.lead_table OPERATOR(pg_catalog.=) h.lead_table'
                                 ' AND p.lead_id OPERATOR(pg_catalog.=) h.lead_id COLLATE "C"' END,
        @extschema@._report_slice_join('velocity_report', leads, dimension, 'h'))
    USING leads, period, time_zone, week_start, COALESCE(by_owner, false);
END
$report$;
COMMENT ON FUNCTION @extschema@.velocity_report(regclass, text, name, boolean, boolean, text, text) IS
    'One table''s stage velocity by period of the move (or of the lead''s cohort), owner and a column of the lead table: moves, and the median, 90th percentile and average time between stages, wall-clock and business';

-- SLA compliance of one table's clocks, by the period of their start, as
-- leadqual.sla_compliance counts them; policy_name NULL: every policy.
CREATE FUNCTION @extschema@.compliance_report(leads regclass, period text DEFAULT 'week', dimension name DEFAULT NULL,
                                              policy_name text DEFAULT NULL, by_owner boolean DEFAULT true,
                                              time_zone text DEFAULT NULL, week_start text DEFAULT NULL)
RETURNS TABLE (period_start date, slice text, policy text, owner text,
               clocks bigint, met bigint, breached bigint, open bigint, cancelled bigint, pct_met numeric,
               median_response interval, p90_response interval, median_wait interval, p90_wait interval)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $report$
BEGIN
    PERFORM @extschema@._check_report_period(period, time_zone, week_start);
    RETURN QUERY EXECUTE pg_catalog.format($query$
        SELECT @extschema@._report_period_or_all(s.started_at, $2, $3, $4), d.slice, s.policy,
               CASE WHEN $6 THEN s.owner END,
               pg_catalog.count(*),
               pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'met'),
               pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) ANY ('{breached,open_breached}')),
               pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'open'),
               pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'cancelled'),
               pg_catalog.round(100.0 OPERATOR(pg_catalog.*) pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'met')
                                OPERATOR(pg_catalog./) NULLIF(pg_catalog.count(*) FILTER (
                                    WHERE s.state OPERATOR(pg_catalog.=) ANY ('{met,breached,open_breached}')), 0), 1),
               pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_time)
                   FILTER (WHERE s.stopped_by OPERATOR(pg_catalog.=) 'touch'),
               pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY s.business_time)
                   FILTER (WHERE s.stopped_by OPERATOR(pg_catalog.=) 'touch'),
               pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_time)
                   FILTER (WHERE s.state OPERATOR(pg_catalog.<>) 'cancelled'),
               pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY s.business_time)
                   FILTER (WHERE s.state OPERATOR(pg_catalog.<>) 'cancelled')
        FROM @extschema@.sla_status AS s
        %s
        WHERE s.lead_table OPERATOR(pg_catalog.=) $1
          AND ($5 IS NULL OR s.policy OPERATOR(pg_catalog.=) $5)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4$query$,
        @extschema@._report_slice_join('compliance_report', leads, dimension, 's'))
    USING leads, period, time_zone, week_start, policy_name, COALESCE(by_owner, true);
END
$report$;
COMMENT ON FUNCTION @extschema@.compliance_report(regclass, text, name, text, boolean, text, text) IS
    'One table''s SLA compliance by period of the clocks'' start, policy, owner and a column of the lead table, as leadqual.sla_compliance counts it';

-- Rejections of one table by period, slice, owner and reason; the share is
-- of the period's rejections in the slice.
CREATE FUNCTION @extschema@.rejection_report(leads regclass, period text DEFAULT 'month', dimension name DEFAULT NULL,
                                             by_owner boolean DEFAULT true,
                                             time_zone text DEFAULT NULL, week_start text DEFAULT NULL)
RETURNS TABLE (period_start date, slice text, owner text, reason text, rejections bigint, share_of_period numeric)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $report$
BEGIN
    PERFORM @extschema@._check_report_period(period, time_zone, week_start);
    RETURN QUERY EXECUTE pg_catalog.format($query$
        SELECT r.period_start, r.slice, r.owner, r.reason, r.rejections,
               pg_catalog.round(r.rejections::pg_catalog.numeric OPERATOR(pg_catalog./)
                                pg_catalog.sum(r.rejections) OVER (PARTITION BY r.period_start, r.slice), 4)
        FROM (
            SELECT @extschema@._report_period_or_all(t.changed_at, $2, $3, $4) AS period_start, d.slice,
                   CASE WHEN $5 THEN t.owner END AS owner, t.reason, pg_catalog.count(*) AS rejections
            FROM @extschema@.transition AS t
            %s
            WHERE t.lead_table OPERATOR(pg_catalog.=) $1
              AND t.to_stage OPERATOR(pg_catalog.=) ANY ('{recycled,disqualified}'::@extschema@.lifecycle_stage[])
            GROUP BY 1, 2, 3, 4
        ) AS r
        ORDER BY 1, 2, 3, 4$query$,
        @extschema@._report_slice_join('rejection_report', leads, dimension, 't'))
    USING leads, period, time_zone, week_start, COALESCE(by_owner, true);
END
$report$;
COMMENT ON FUNCTION @extschema@.rejection_report(regclass, text, name, boolean, text, text) IS
    'One table''s rejections (recycled or disqualified) by period, owner, reason and a column of the lead table, with their share of the period''s';
