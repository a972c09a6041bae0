-- The funnel's rollup (leadqual.funnel_shape and funnel_day, kept by
-- refresh_rollups()): the funnel read through it always equals the funnel
-- recomputed from the whole log (as the view was before the rollup):
-- never refreshed, after a refresh, after promotions, moves, a merge, a
-- deletion and an erasure since, and in another time zone.  The view really
-- reads it; the counts are those of the folded shapes; a refresh clears
-- the marks it folded; a truncated log empties it.  The wait for the log's
-- writers is specs/rollup_refresh.spec's.
\ir helpers/setup.psql

SELECT plan(27);

SET LOCAL TIME ZONE 'UTC';
CREATE TABLE fr_leads (id integer PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', owner text);
SELECT FROM leadqual.manage('fr_leads', owner_column => 'owner');
INSERT INTO leadqual.owner (name) VALUES ('fr_ann');

-- Half a year of history written straight into the log: 300 leads, each
-- starting on its own day and moving along a path of its own, one step
-- every 1 to 9 days; a tenth only in detours.
INSERT INTO leadqual.transition (lead_table, lead_id, from_stage, to_stage, changed_at, changed_by, via)
SELECT 'fr_leads', 'old' || g, p.path[i - 1], p.path[i],
       timestamptz '2026-05-01 08:00+00' + g * interval '13 hours' + (i - 1) * (1 + g % 9) * interval '1 day',
       current_user, 'manual'
FROM generate_series(1, 300) AS g
CROSS JOIN LATERAL (
    SELECT CASE WHEN g % 10 = 0 THEN '{disqualified,recycled}'
                WHEN g % 10 = 1 THEN '{mql,sql,recycled}'
                ELSE ('{subscriber,lead,mql,sal,sql,opportunity,customer,evangelist}'::leadqual.lifecycle_stage[])
                     [1 + g % 3 : 2 + g % 7] END::leadqual.lifecycle_stage[] AS path) AS p
CROSS JOIN LATERAL generate_subscripts(p.path, 1) AS i;

-- Leads of today, through the triggers.
INSERT INTO fr_leads (id, score) SELECT g, 10 FROM generate_series(1, 8) AS g;
UPDATE fr_leads SET score = 60 WHERE id <= 5;
UPDATE fr_leads SET lifecycle_stage = 'sql' WHERE id IN (1, 2);

-- The funnel recomputed from the whole log, as the view was before the
-- rollup, and its differences from the view: empty when they agree.
CREATE FUNCTION pg_temp.recomputed_funnel() RETURNS SETOF text LANGUAGE sql AS $$
    WITH shapes AS (
        SELECT p.lead_table, leadqual.report_period(p.first_at, 'month') AS cohort, p.furthest, p.entered,
               count(*) AS leads
        FROM leadqual._funnel_lead AS p GROUP BY 1, 2, 3, 4
    ), counts AS (
        SELECT s.lead_table, k.mode, s.cohort, k.stage, k.funnel_rank,
               COALESCE(sum(s.leads) FILTER (WHERE k.counted), 0)::bigint AS reached
        FROM shapes AS s CROSS JOIN LATERAL leadqual._funnel_marks(s.furthest, s.entered) AS k
        GROUP BY 1, 2, 3, 4, 5
    )
    SELECT format('%s', r) FROM (
        SELECT c.lead_table, c.mode, c.cohort, c.stage, c.reached,
               round(c.reached::numeric / NULLIF(lag(c.reached) OVER w, 0), 4) AS conversion
        FROM counts AS c WINDOW w AS (PARTITION BY c.lead_table, c.mode, c.cohort ORDER BY c.funnel_rank)) AS r
$$;
CREATE FUNCTION pg_temp.funnel_differences() RETURNS SETOF text LANGUAGE sql AS $$
    (SELECT 'view only: ' || format('%s', f) FROM leadqual.funnel AS f
     EXCEPT ALL SELECT 'view only: ' || r FROM pg_temp.recomputed_funnel() AS r)
    UNION ALL
    (SELECT 'recomputed only: ' || r FROM pg_temp.recomputed_funnel() AS r
     EXCEPT ALL SELECT 'recomputed only: ' || format('%s', f) FROM leadqual.funnel AS f)
$$;
-- The folded counts against the folded shapes: empty when they agree.
CREATE FUNCTION pg_temp.count_differences() RETURNS SETOF text LANGUAGE sql AS $$
    WITH from_shapes AS (
        SELECT s.lead_table, leadqual.report_period(s.first_at, 'day') AS day, coalesce(s.furthest, 2) AS furthest,
               CASE s.entered WHEN 0 THEN 4 ELSE s.entered END AS entered, count(*)::integer AS leads
        FROM leadqual.funnel_shape AS s GROUP BY 1, 2, 3, 4
    ), counted AS (
        SELECT d.lead_table, d.day, d.furthest, d.entered, d.leads FROM leadqual.funnel_day AS d
    )
    SELECT format('%s', x) FROM ((TABLE from_shapes EXCEPT ALL TABLE counted)
                                 UNION ALL (TABLE counted EXCEPT ALL TABLE from_shapes)) AS x
$$;

------------------------------------------------------------------------------
-- Folding
------------------------------------------------------------------------------

SELECT ok(NOT leadqual._rollup_serves(), 'never refreshed, the rollup serves no funnel');
SELECT is_empty('SELECT * FROM pg_temp.funnel_differences()', 'never refreshed, the funnel reads the whole log');
SELECT is((SELECT leads_folded FROM leadqual.refresh_rollups()),
          (SELECT count(DISTINCT lead_id) FROM leadqual.transition WHERE lead_table = 'fr_leads'::regclass),
          'refresh_rollups() folds every logged lead and says how many');
SELECT is((SELECT funnel_folded_through FROM leadqual.rollup_state), (SELECT max(id) FROM leadqual.transition),
          'up to the last row logged');
SELECT is((SELECT count(*) FROM leadqual.funnel_shape),
          (SELECT count(DISTINCT lead_id) FROM leadqual.transition WHERE to_stage IS NOT NULL),
          'a folded shape a lead');
SELECT is_empty('SELECT * FROM pg_temp.count_differences()', 'the day counts are those of the folded shapes');
SELECT ok(leadqual._rollup_serves(), 'refreshed, the rollup serves the superuser''s funnel');
SELECT is_empty('SELECT * FROM pg_temp.funnel_differences()', 'through the rollup, the funnel equals its recomputation');
SELECT is((SELECT leads_folded FROM leadqual.refresh_rollups()), 0::bigint, 'a second refresh folds nothing');

-- The view reads the rollup: a day miscounted by hand shows.
UPDATE leadqual.funnel_day SET leads = leads + 100
WHERE (lead_table, day, furthest, entered) = (SELECT lead_table, day, furthest, entered FROM leadqual.funnel_day
                                              ORDER BY day, furthest, entered LIMIT 1);
SELECT isnt_empty('SELECT * FROM pg_temp.funnel_differences()', 'the funnel reads its folded leads from the rollup');
SELECT FROM leadqual.refresh_rollups(rebuild => true);
SELECT is_empty('SELECT * FROM pg_temp.funnel_differences()', 'rebuilt, the rollup agrees again');

------------------------------------------------------------------------------
-- Changes after a refresh
------------------------------------------------------------------------------

UPDATE fr_leads SET score = 60 WHERE id = 6;
UPDATE fr_leads SET lifecycle_stage = 'opportunity' WHERE id = 1;
UPDATE leadqual.transition SET changed_at = changed_at - interval '40 days'
WHERE lead_table = 'fr_leads'::regclass AND lead_id = '6';
SELECT is_empty('SELECT * FROM pg_temp.funnel_differences()',
                'promotions and moves since: their leads count as their whole log says, the folded shape left out');

SELECT FROM leadqual.merge('fr_leads', '2', '4');
SELECT is((SELECT count(*) FROM leadqual.funnel_dirty WHERE lead_id IN ('2', '4')), 2::bigint,
          'a merge marks both leads');
SELECT is_empty('SELECT * FROM pg_temp.funnel_differences()', 'and the funnel follows both');

DELETE FROM fr_leads WHERE id = 5;
SELECT is_empty('SELECT * FROM pg_temp.funnel_differences()', 'a deletion: the id and its retired history follow');

SELECT FROM leadqual.refresh_rollups();
SELECT is((SELECT count(*) FROM leadqual.funnel_dirty), 0::bigint, 'a refresh clears the marks it folded');
SELECT is_empty('SELECT * FROM pg_temp.count_differences()', 'and leaves counts equal to the folded shapes');
SELECT is_empty('SELECT * FROM pg_temp.funnel_differences()', 'and the funnel equal to its recomputation');

SELECT FROM leadqual.erase('fr_leads', '5');
SELECT is_empty('SELECT * FROM pg_temp.funnel_differences()', 'an erasure moves a folded history: it follows');
SELECT FROM leadqual.refresh_rollups();
SELECT is_empty('SELECT * FROM pg_temp.funnel_differences()', 'and once folded, agrees');
SELECT is((SELECT count(*) FROM leadqual.funnel_shape WHERE lead_id LIKE 'deleted:%:5'), 0::bigint,
          'no folded shape keeps the erased history''s old id');

------------------------------------------------------------------------------
-- Another time zone; a truncated log
------------------------------------------------------------------------------

SET LOCAL leadqual.report_time_zone = 'Pacific/Auckland';
SELECT ok(NOT leadqual._rollup_serves(), 'in another report time zone the rollup (of UTC days) serves nothing');
SELECT is_empty('SELECT * FROM pg_temp.funnel_differences()', 'and the funnel reads the whole log, in Auckland months');
SELECT FROM leadqual.refresh_rollups();
SELECT ok(leadqual._rollup_serves(), 'a refresh there rebuilds the rollup in its days, and it serves');
SELECT is_empty('SELECT * FROM pg_temp.funnel_differences()', 'and agrees with the recomputation');
RESET leadqual.report_time_zone;

TRUNCATE leadqual.transition CASCADE;
SELECT is((SELECT count(*) FROM leadqual.funnel_shape) + (SELECT count(*) FROM leadqual.funnel_day), 0::bigint,
          'a truncated log empties the funnel''s rollup');
SELECT is((SELECT funnel_folded_through FROM leadqual.rollup_state), 0::bigint, 'and folds it again from the start');

SELECT * FROM finish();
ROLLBACK;
