-- The clocks' rollup (leadqual.sla_clock_day, kept by refresh_rollups()):
-- sla_compliance read through it always equals sla_compliance recomputed
-- from every clock with percentile_cont, after a refresh, after
-- clocks stop since, after a policy rename, a deletion, a merge and an
-- erasure, and in another time zone or with weeks from another day; the view really reads it; a role
-- that row security restricts never does; the percentile aggregate equals
-- percentile_cont.
\ir helpers/setup.psql

SELECT plan(38);

SET LOCAL TIME ZONE 'UTC';
CREATE TABLE rl_leads (
    id integer PRIMARY KEY,
    score integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    owner text
);
SELECT FROM leadqual.manage('rl_leads', owner_column => 'owner');
INSERT INTO leadqual.owner (name) VALUES ('ana'), ('bo');
INSERT INTO leadqual.sla_policy (name, stage, target, calendar) VALUES ('rl_mql', 'mql', '1 hour', '24x7');

-- Eight weeks of clocks written straight into the table, every state: 60%
-- touched (some late), then stage exits, deletions (cancelled), open ones
-- and late touches, for ana, bo and nobody, starting every 2 hours.
INSERT INTO leadqual.sla_clock (policy, lead_table, lead_id, stage, entry_id, entered_at, owner, started_at,
                                target, calendar, stops_on, due_at, stopped_at, stopped_by, business_time)
SELECT 'rl_mql', 'rl_leads', 'old' || i, 'mql', 1000000 + i, s.at, (ARRAY['ana', 'bo', NULL])[1 + i % 3], s.at,
       '1 hour', '24x7', 'either', s.at + interval '1 hour', e.stopped_at, e.stopped_by, e.stopped_at - s.at
FROM generate_series(1, 600) AS i
CROSS JOIN LATERAL (SELECT timestamptz '2026-09-01 00:17+00' + i * interval '2 hours 3 minutes' AS at) AS s
CROSS JOIN LATERAL (
    SELECT CASE WHEN i % 10 < 6 THEN s.at + (i * 7 % 180) * interval '1 minute' + i % 60 * interval '1 second'
                WHEN i % 10 < 8 THEN s.at + (i % 50) * interval '1 minute'
                WHEN i % 10 = 8 THEN NULL
                ELSE s.at + interval '3 hours' END AS stopped_at,
           CASE WHEN i % 10 < 6 THEN 'touch' WHEN i % 10 = 6 THEN 'stage_exit' WHEN i % 10 = 7 THEN 'lead_deleted'
                WHEN i % 10 = 8 THEN NULL ELSE 'touch' END::leadqual.sla_stopped_by AS stopped_by) AS e;

-- and an owner whose week has only an open clock: nothing touched in it
INSERT INTO leadqual.sla_clock (policy, lead_table, lead_id, stage, entry_id, entered_at, owner, started_at,
                                target, calendar, stops_on, due_at)
VALUES ('rl_mql', 'rl_leads', 'old_open', 'mql', 2000000, '2026-09-10 10:00+00', 'cy', '2026-09-10 10:00+00',
        '1 hour', '24x7', 'either', '2026-09-10 11:00+00');

-- Leads of today, through the triggers: promoted, so with open clocks.
INSERT INTO rl_leads (id) SELECT g FROM generate_series(1, 8) AS g;
UPDATE rl_leads SET score = 60;

-- sla_compliance recomputed from every clock, independently: counts and
-- percentile_cont over sla_status, as the view was before the rollup.
CREATE FUNCTION pg_temp.recomputed_compliance() RETURNS SETOF text LANGUAGE sql AS $$
    SELECT format('%s', r) FROM (
        SELECT s.policy, s.owner, leadqual.report_period(s.started_at, 'week') AS week,
               count(*) AS clocks,
               count(*) FILTER (WHERE s.state = 'met') AS met,
               count(*) FILTER (WHERE s.state IN ('breached', 'open_breached')) AS breached,
               count(*) FILTER (WHERE s.state = 'open') AS open,
               round(100.0 * count(*) FILTER (WHERE s.state = 'met')
                     / NULLIF(count(*) FILTER (WHERE s.state IN ('met', 'breached', 'open_breached')), 0), 1) AS pct_met,
               avg(s.business_time) FILTER (WHERE s.stopped_by = 'touch') AS avg_response,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_time) FILTER (WHERE s.stopped_by = 'touch'),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY s.business_time) FILTER (WHERE s.stopped_by = 'touch'),
               round(100.0 * count(*) FILTER (WHERE s.stopped_by = 'touch' AND s.stopped_at - s.started_at <= interval '5 minutes')
                     / NULLIF(count(*) FILTER (WHERE s.state <> 'cancelled'), 0), 1),
               count(*) FILTER (WHERE s.state = 'cancelled') AS cancelled,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_time) FILTER (WHERE s.state <> 'cancelled'),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY s.business_time) FILTER (WHERE s.state <> 'cancelled'),
               s.lead_table
        FROM leadqual.sla_status AS s
        GROUP BY s.lead_table, s.policy, s.owner, 3) AS r
$$;

-- The differences between sla_compliance (through the rollup when it
-- serves) and its recomputation, both in one statement, so that open
-- clocks are measured to the same time: empty when they agree.
CREATE FUNCTION pg_temp.rollup_differences() RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE recomputed ON COMMIT DROP AS SELECT r FROM pg_temp.recomputed_compliance() AS r;
    RETURN QUERY
        (SELECT 'view only: ' || format('%s', c) FROM leadqual.sla_compliance AS c
         EXCEPT ALL SELECT 'view only: ' || r FROM recomputed)
        UNION ALL
        (SELECT 'recomputed only: ' || r FROM recomputed
         EXCEPT ALL SELECT 'recomputed only: ' || format('%s', c) FROM leadqual.sla_compliance AS c);
    DROP TABLE recomputed;
END
$$;

------------------------------------------------------------------------------
-- Folding
------------------------------------------------------------------------------

SELECT ok(NOT leadqual._rollup_serves(), 'never refreshed, the rollup serves no report');
SELECT is_empty('SELECT * FROM pg_temp.rollup_differences()', 'never refreshed, the view counts every clock');
SELECT is((SELECT clocks_folded FROM leadqual.refresh_rollups()), (SELECT count(*) FROM leadqual.sla_clock WHERE stopped_at IS NOT NULL),
          'refresh_rollups() folds every stopped clock and says how many');
SELECT is((SELECT count(*) FROM leadqual.sla_clock WHERE folded), (SELECT count(*) FROM leadqual.sla_clock WHERE stopped_at IS NOT NULL),
          'the stopped clocks, and only they, are marked folded');
SELECT is((SELECT sum(clocks)::bigint FROM leadqual.sla_clock_day), (SELECT count(*) FROM leadqual.sla_clock WHERE folded),
          'the rollup''s days hold each folded clock once');
SELECT ok(leadqual._rollup_serves(), 'refreshed in the report time zone, the rollup serves the superuser''s reports');
SELECT is_empty('SELECT * FROM pg_temp.rollup_differences()', 'through the rollup, sla_compliance equals its recomputation');
SELECT is((SELECT clocks_folded FROM leadqual.refresh_rollups()), 0::bigint, 'a second refresh folds nothing');

-- The view reads the rollup: a day miscounted by hand shows.
UPDATE leadqual.sla_clock_day SET met = met + 1000
WHERE day = (SELECT min(day) FROM leadqual.sla_clock_day) AND owner = 'ana';
SELECT is((SELECT sum(met)::bigint FROM leadqual.sla_compliance WHERE owner = 'ana'),
          (SELECT count(*) FROM leadqual.sla_status WHERE owner = 'ana' AND state = 'met') + 1000,
          'sla_compliance reads its folded clocks from the rollup');
SELECT ok((SELECT clocks_folded FROM leadqual.refresh_rollups(rebuild => true)) > 0, 'refresh_rollups(rebuild => true) folds every stopped clock again');
SELECT is_empty('SELECT * FROM pg_temp.rollup_differences()', 'rebuilt, the rollup agrees again');

------------------------------------------------------------------------------
-- Clocks that stop after a refresh, and the changes leadqual makes
------------------------------------------------------------------------------

INSERT INTO leadqual.touch (lead_table, lead_id, touched_at) VALUES ('rl_leads', '1', clock_timestamp());
SELECT is((SELECT count(*) FROM leadqual.sla_clock WHERE stopped_at IS NOT NULL AND NOT folded), 1::bigint,
          'a clock stopped since the refresh is not folded');
SELECT is_empty('SELECT * FROM pg_temp.rollup_differences()', 'it counts on its own, and the view still agrees');

DELETE FROM rl_leads WHERE id = 2;
SELECT is_empty('SELECT * FROM pg_temp.rollup_differences()', 'a deleted lead''s cancelled clock counts on its own too');
SELECT is((SELECT clocks_folded FROM leadqual.refresh_rollups()), 2::bigint, 'the next refresh folds the two');
SELECT is_empty('SELECT * FROM pg_temp.rollup_differences()', 'folded, they agree');

SELECT FROM leadqual.merge('rl_leads', '3', '4');
SELECT FROM leadqual.erase('rl_leads', '1');
SELECT is_empty('SELECT * FROM pg_temp.rollup_differences()', 'after merge() and erase(), the rollup agrees');
SELECT is((SELECT clocks_folded FROM leadqual.refresh_rollups()), 1::bigint, 'the merged lead''s clock, stopped by the merge, is folded next');
SELECT is_empty('SELECT * FROM pg_temp.rollup_differences()', 'and agrees');

UPDATE leadqual.sla_policy SET name = 'rl_mql_renamed' WHERE name = 'rl_mql';
SELECT is((SELECT count(*) FROM leadqual.sla_clock_day WHERE policy = 'rl_mql'), 0::bigint,
          'a renamed policy leaves no rollup row under its old name');
SELECT is_empty('SELECT * FROM pg_temp.rollup_differences()', 'and the rollup agrees under the new one');

------------------------------------------------------------------------------
-- Another time zone
------------------------------------------------------------------------------

SET LOCAL leadqual.report_time_zone = 'America/New_York';
SELECT ok(NOT leadqual._rollup_serves(), 'in another report time zone the rollup (of UTC days) serves nothing');
SELECT is_empty('SELECT * FROM pg_temp.rollup_differences()', 'and the view counts every clock in New York weeks');
SELECT is((SELECT clocks_folded FROM leadqual.refresh_rollups()), (SELECT count(*) FROM leadqual.sla_clock WHERE stopped_at IS NOT NULL),
          'a refresh in another time zone rebuilds the rollup in its days');
SELECT ok(leadqual._rollup_serves(), 'which then serves New York''s reports');
SELECT is_empty('SELECT * FROM pg_temp.rollup_differences()', 'and agrees with their recomputation');
RESET leadqual.report_time_zone;
SELECT FROM leadqual.refresh_rollups();

SET LOCAL leadqual.week_start = 'sunday';
SELECT ok(NOT leadqual._rollup_serves(), 'nor do weeks from another first day serve');
SELECT is_empty('SELECT * FROM pg_temp.rollup_differences()', 'and the view counts every clock in weeks from Sunday');
SELECT ok((SELECT clocks_folded FROM leadqual.refresh_rollups()) > 0, 'a refresh rebuilds the rollup in weeks from Sunday');
SELECT is_empty('SELECT * FROM pg_temp.rollup_differences()', 'which then agree with their recomputation');
RESET leadqual.week_start;

------------------------------------------------------------------------------
-- Roles that row security restricts
------------------------------------------------------------------------------

CREATE ROLE rl_reader;
GRANT SELECT ON rl_leads TO rl_reader;
ALTER TABLE rl_leads ENABLE ROW LEVEL SECURITY;
CREATE POLICY rl_some ON rl_leads FOR SELECT TO rl_reader USING (id = 3);
SELECT FROM leadqual.refresh_rollups();
SET LOCAL ROLE rl_reader;
SELECT ok(NOT leadqual._rollup_serves(), 'the rollup serves no role that row security restricts');
SELECT is((SELECT sum(clocks)::bigint FROM leadqual.sla_compliance),
          (SELECT count(*) FROM leadqual.sla_clock),
          'such a role''s compliance counts just the clocks it may see');
SELECT is((SELECT count(*) FROM leadqual.sla_clock_day), 0::bigint, 'and it reads no row of the rollup');
SELECT throws_ok('SELECT leadqual.refresh_rollups()', '42501', NULL, 'only the extension''s owner refreshes the rollup');
RESET ROLE;

------------------------------------------------------------------------------
-- The percentile aggregate
------------------------------------------------------------------------------

CREATE TEMP TABLE waits AS
SELECT g % 40 AS grp, g, CASE WHEN g % 5 = 0 THEN interval '1 hour' ELSE make_interval(secs => (g * 7919 % 100003) / 7.0) END AS wait
FROM generate_series(1, 2000) AS g;
SELECT is_empty($$
    SELECT grp FROM waits GROUP BY grp
    HAVING leadqual._business_time_percentiles(NULL, wait, '{0.5,0.9,0,1,0.37}')
           IS DISTINCT FROM ARRAY[percentile_cont(0.5) WITHIN GROUP (ORDER BY wait),
                                  percentile_cont(0.9) WITHIN GROUP (ORDER BY wait),
                                  percentile_cont(0) WITHIN GROUP (ORDER BY wait),
                                  percentile_cont(1) WITHIN GROUP (ORDER BY wait),
                                  percentile_cont(0.37) WITHIN GROUP (ORDER BY wait)]$$,
    'over single times, _business_time_percentiles() equals percentile_cont, interpolation included');
SELECT is_empty($$
    SELECT p.grp FROM (
        SELECT grp, leadqual._business_time_percentiles(many, one, '{0.5,0.9}') AS got
        FROM (SELECT grp, array_agg(leadqual._microseconds(wait)) AS many, NULL::interval AS one
              FROM waits WHERE g % 3 > 0 GROUP BY grp
              UNION ALL SELECT grp, NULL, wait FROM waits WHERE g % 3 = 0) AS parts
        GROUP BY grp) AS p
    JOIN (SELECT grp, ARRAY[percentile_cont(0.5) WITHIN GROUP (ORDER BY wait),
                            percentile_cont(0.9) WITHIN GROUP (ORDER BY wait)] AS want
          FROM waits GROUP BY grp) AS w USING (grp)
    WHERE p.got IS DISTINCT FROM w.want$$,
    'over arrays of microseconds and single times together, it still equals percentile_cont');
SELECT throws_ok($$SELECT leadqual._business_time_percentiles(NULL, interval '1 hour', '{1.5}')$$,
                 '22003', NULL, 'a fraction outside 0 to 1 is refused');
SELECT throws_ok($$SELECT leadqual._business_time_percentiles(NULL, interval '1 month', '{0.5}')$$,
                 '22023', NULL, 'a business time with months is refused');

SELECT * FROM finish();
ROLLBACK;
