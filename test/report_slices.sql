-- The sliced reports: funnel_report(), velocity_report(),
-- compliance_report() and rejection_report().  Unsliced, each equals its
-- view for the table; sliced by a column of the lead table, the slices add
-- up to the whole, a lead gone from the table counts in the NULL slice,
-- and the column is read as the caller.  Periods honour the call's time
-- zone.  Bad arguments fail with their own errors and change nothing.
\ir helpers/setup.psql

SELECT plan(32);

SET LOCAL TIME ZONE 'UTC';
CREATE TABLE sl_leads (
    id integer PRIMARY KEY,
    region text,
    "Sales Team" text,
    score integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    owner text
);
SELECT FROM leadqual.manage('sl_leads', owner_column => 'owner');
INSERT INTO leadqual.owner (name) VALUES ('ana'), ('bo');
INSERT INTO leadqual.sla_policy (name, stage, target, calendar) VALUES ('sl_mql', 'mql', '1 hour', '24x7');
INSERT INTO leadqual.sla_policy (name, stage, target, calendar) VALUES ('sl_mql_slow', 'mql', '8 hours', '24x7');

INSERT INTO sl_leads (id, region, "Sales Team") VALUES
    (1, 'EU', 'north'), (2, 'EU', 'north'), (3, 'US', 'south'), (4, 'US', 'south'), (6, 'EU', 'south');
SET LOCAL leadqual.reason = 'not_icp';
INSERT INTO sl_leads (id, region, lifecycle_stage) VALUES (5, NULL, 'disqualified');
RESET leadqual.reason;
UPDATE sl_leads SET score = 60 WHERE id IN (1, 2, 3, 6);
INSERT INTO leadqual.touch (lead_table, lead_id) VALUES ('sl_leads', '1');
SELECT FROM leadqual.reject('sl_leads', '2', 'recycled', 'bad_timing');
DELETE FROM sl_leads WHERE id = 6;

-- The log's and the clocks' times: lead 1 entered lead at 2026-11-24 01:30
-- UTC (Monday the 23rd in New York) and mql an hour later, the others in
-- December.
UPDATE leadqual.transition SET changed_at = CASE WHEN lead_id = '1' AND to_stage = 'lead' THEN '2026-11-24 01:30+00'
                                                 WHEN lead_id = '1' THEN '2026-11-24 02:30+00'
                                                 ELSE changed_at END
WHERE lead_table = 'sl_leads'::regclass;

-- The view's rows for the table, and the report's, as text to compare.
CREATE FUNCTION pg_temp.funnel_view() RETURNS SETOF text LANGUAGE sql AS $$
    SELECT format('%s %s %s %s %s', cohort, mode, stage, reached, conversion) FROM leadqual.funnel
    WHERE lead_table = 'sl_leads'::regclass ORDER BY 1
$$;

------------------------------------------------------------------------------
-- funnel_report()
------------------------------------------------------------------------------

SELECT results_eq($$SELECT format('%s %s %s %s %s', cohort, mode, stage, reached, conversion)
                    FROM leadqual.funnel_report('sl_leads') ORDER BY 1$$,
                  $$SELECT pg_temp.funnel_view()$$,
                  'by month and unsliced, funnel_report() is the funnel view''s rows for the table');
SELECT results_eq($$SELECT slice, reached FROM leadqual.funnel_report('sl_leads', NULL, 'region')
                    WHERE mode = 'in_order' AND stage = 'mql' ORDER BY slice NULLS LAST$$,
                  $$VALUES ('EU', 2::bigint), ('US', 1), (NULL, 1)$$,
                  'by region: 1 and 2 reached mql in EU, 3 in US, and deleted lead 6 counts in the NULL slice');
SELECT results_eq($$SELECT slice, reached FROM leadqual.funnel_report('sl_leads', NULL, 'region')
                    WHERE mode = 'in_order' AND stage = 'lead' ORDER BY slice NULLS LAST$$,
                  $$VALUES ('EU', 2::bigint), ('US', 2), (NULL, 2)$$,
                  'at lead: EU''s two, US''s two, and 5 (no region) with 6 (gone)');
SELECT results_eq($$SELECT mode, stage::text, sum(reached)::bigint FROM leadqual.funnel_report('sl_leads', NULL, 'region')
                    GROUP BY 1, 2 ORDER BY 1, 2$$,
                  $$SELECT mode, stage::text, reached FROM leadqual.funnel_report('sl_leads', NULL) ORDER BY 1, 2$$,
                  'the slices add up to the whole, stage by stage');
SELECT results_eq($$SELECT DISTINCT cohort FROM leadqual.funnel_report('sl_leads', NULL)$$,
                  $$VALUES (NULL::date)$$, 'no period: all time in one cohort');
SELECT results_eq($$SELECT slice, reached FROM leadqual.funnel_report('sl_leads', NULL, 'Sales Team')
                    WHERE mode = 'any' AND stage = 'mql' ORDER BY slice NULLS LAST$$,
                  $$VALUES ('north', 2::bigint), ('south', 1), (NULL, 1)$$,
                  'a column whose name needs quoting slices as well');
SELECT results_eq($$SELECT cohort, sum(reached)::bigint FROM leadqual.funnel_report('sl_leads', 'day', time_zone => 'America/New_York')
                    WHERE mode = 'in_order' AND stage = 'lead' AND cohort < '2026-12-01' GROUP BY 1$$,
                  $$VALUES ('2026-11-23'::date, 1::bigint)$$,
                  'the call''s time zone cuts the periods: lead 1''s cohort is Monday the 23rd in New York');
SELECT results_eq($$SELECT cohort, sum(reached)::bigint FROM leadqual.funnel_report('sl_leads', 'week', week_start => 'tuesday')
                    WHERE mode = 'in_order' AND stage = 'lead' AND cohort < '2026-12-01' GROUP BY 1$$,
                  $$VALUES ('2026-11-24'::date, 1::bigint)$$,
                  'and its week start: in UTC, the week from Tuesday the 24th');

------------------------------------------------------------------------------
-- velocity_report()
------------------------------------------------------------------------------

SELECT results_eq($$SELECT from_stage::text, to_stage::text, moves, median_time, avg_time, median_business_time, avg_business_time
                    FROM leadqual.velocity_report('sl_leads') ORDER BY 1, 2$$,
                  $$SELECT from_stage::text, to_stage::text, moves, median_time, avg_time, median_business_time, avg_business_time
                    FROM leadqual.stage_velocity WHERE lead_table = 'sl_leads'::regclass ORDER BY 1, 2$$,
                  'unsliced, velocity_report() has the view''s moves, medians and averages');
SELECT results_eq($$SELECT p90_time, p90_business_time FROM leadqual.velocity_report('sl_leads') ORDER BY from_stage, to_stage$$,
                  $$SELECT p90_time, p90_business_time FROM leadqual.stage_velocity
                    WHERE lead_table = 'sl_leads'::regclass ORDER BY from_stage, to_stage$$,
                  'the view has the same 90th percentiles, in its last columns');
SELECT results_eq($$SELECT p90_time FROM leadqual.velocity_report('sl_leads') WHERE from_stage = 'lead' AND to_stage = 'mql'$$,
                  $$SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY time_in_stage) FROM leadqual.stage_history
                    WHERE lead_table = 'sl_leads'::regclass AND stage = 'lead' AND next_stage = 'mql'$$,
                  'and the 90th percentile of the stays');
SELECT results_eq($$SELECT slice, moves, median_time FROM leadqual.velocity_report('sl_leads', dimension => 'region')
                    WHERE from_stage = 'lead' AND to_stage = 'mql' AND slice = 'EU'$$,
                  $$SELECT 'EU', 2::bigint, percentile_cont(0.5) WITHIN GROUP (ORDER BY time_in_stage) FROM leadqual.stage_history
                    WHERE lead_table = 'sl_leads'::regclass AND lead_id IN ('1', '2') AND stage = 'lead' AND next_stage = 'mql'$$,
                  'by region: EU''s moves are 1''s and 2''s (6, gone, is in the NULL slice)');
SELECT results_eq($$SELECT owner, moves FROM leadqual.velocity_report('sl_leads', by_owner => true)
                    WHERE from_stage = 'mql' AND to_stage = 'recycled'$$,
                  $$SELECT owner, 1::bigint FROM leadqual.transition
                    WHERE lead_table = 'sl_leads'::regclass AND lead_id = '2' AND to_stage = 'mql'$$,
                  'by owner: the owner lead 2 had on entering mql, which it left for recycled');
SELECT results_eq($$SELECT period_start, moves FROM leadqual.velocity_report('sl_leads', 'month', by_cohort => true)
                    WHERE from_stage = 'lead' AND to_stage = 'mql' ORDER BY 1$$,
                  $$VALUES ('2026-11-01'::date, 1::bigint), (date_trunc('month', now())::date, 3)$$,
                  'by cohort: lead 1''s move counts in its November cohort');

------------------------------------------------------------------------------
-- compliance_report()
------------------------------------------------------------------------------

SELECT results_eq($$SELECT period_start, policy, owner, clocks, met, breached, open, cancelled, pct_met,
                           median_response, p90_response, median_wait, p90_wait
                    FROM leadqual.compliance_report('sl_leads') ORDER BY 1, 2, 3$$,
                  $$SELECT week, policy, owner, clocks, met, breached, open, cancelled, pct_met,
                           median_response, p90_response, median_wait, p90_wait
                    FROM leadqual.sla_compliance WHERE lead_table = 'sl_leads'::regclass ORDER BY 1, 2, 3$$,
                  'by week and owner, compliance_report() is the compliance view''s rows for the table');
SELECT results_eq($$SELECT policy, clocks FROM leadqual.compliance_report('sl_leads', NULL, by_owner => false) ORDER BY 1$$,
                  $$VALUES ('sl_mql', 4::bigint), ('sl_mql_slow', 4)$$,
                  'one row per policy for all time without owners: four mql entries each');
SELECT results_eq($$SELECT policy, clocks, cancelled FROM leadqual.compliance_report('sl_leads', NULL, 'region', 'sl_mql', false)
                    ORDER BY slice NULLS LAST$$,
                  $$VALUES ('sl_mql', 2::bigint, 0::bigint), ('sl_mql', 1, 0), ('sl_mql', 1, 1)$$,
                  'one policy by region: EU 2, US 1, and the deleted lead''s cancelled clock in the NULL slice');

------------------------------------------------------------------------------
-- rejection_report()
------------------------------------------------------------------------------

SELECT results_eq($$SELECT period_start, owner, reason, rejections FROM leadqual.rejection_report('sl_leads') ORDER BY 1, 2, 3$$,
                  $$SELECT month, owner, reason, rejections FROM leadqual.rejection_summary
                    WHERE lead_table = 'sl_leads'::regclass ORDER BY 1, 2, 3$$,
                  'by month and owner, rejection_report() counts what rejection_summary does');
SELECT results_eq($$SELECT slice, reason, rejections, share_of_period FROM leadqual.rejection_report('sl_leads', NULL, 'region', false)
                    ORDER BY 1 NULLS LAST$$,
                  $$VALUES ('EU', 'bad_timing', 1::bigint, 1.0000), (NULL, 'not_icp', 1, 1.0000)$$,
                  'by region: EU''s recycled lead 2, and 5''s disqualification in the NULL slice, each all of its slice');
SELECT is((SELECT sum(share_of_period) FROM leadqual.rejection_report('sl_leads', 'year', by_owner => false)), 1.0000,
          'unsliced, the shares of a period add up to one');

------------------------------------------------------------------------------
-- Rights: the lead table is read as the caller
------------------------------------------------------------------------------

CREATE ROLE sl_reader;
SET LOCAL ROLE sl_reader;
SELECT is((SELECT sum(reached) FROM leadqual.funnel_report('sl_leads', NULL)), NULL::numeric,
          'a role that may not read the lead table counts none of its leads, as in the views');
SELECT throws_ok($$SELECT * FROM leadqual.funnel_report('sl_leads', NULL, 'region')$$, '42501', NULL,
                 'and slicing by its column is refused');
RESET ROLE;

------------------------------------------------------------------------------
-- Bad arguments
------------------------------------------------------------------------------

SELECT pg_temp.fingerprint() AS before \gset
SELECT throws_ok($$SELECT * FROM leadqual.funnel_report(NULL)$$, '22004',
                 'leadqual.funnel_report: leads must not be NULL', 'a report needs a table');
SELECT throws_ok($$SELECT * FROM leadqual.compliance_report('sl_leads', 'week', 'territory')$$, '42703',
                 'leadqual.compliance_report: table public.sl_leads has no column "territory"', 'an unknown column is refused, named');
SELECT throws_ok($$SELECT * FROM leadqual.rejection_report('sl_leads', 'month', 'region) AS d ON true; DROP TABLE sl_leads; --')$$, '42703',
                 NULL, 'an injection-shaped column name is only a name nobody has');
SELECT throws_ok($$SELECT * FROM leadqual.velocity_report('sl_leads', 'week', 'ctid')$$, '42703', NULL,
                 'a system column is no dimension');
SELECT throws_ok($$SELECT * FROM leadqual.funnel_report('pg_class', 'month', 'relname')$$, '55000',
                 'leadqual.funnel_report: table pg_class is not managed by leadqual, so it can''t be sliced by "relname"',
                 'an unmanaged table has no id column to slice by');
SELECT throws_ok($$SELECT * FROM leadqual.funnel_report('sl_leads', 'fortnight')$$, '22023',
                 'leadqual.report_period: "fortnight" is not a period', 'an unknown period is refused');
SELECT throws_ok($$SELECT * FROM leadqual.velocity_report('sl_leads', 'week', time_zone => 'Mars/Olympus')$$, '22023',
                 'leadqual.report_period: "Mars/Olympus" is not a time zone', 'so is an unknown time zone');
SELECT throws_ok($$SELECT * FROM leadqual.compliance_report('sl_leads', 'week', week_start => 'Monday')$$, '22023',
                 'leadqual.report_period: "Monday" is not a weekday', 'and an unknown weekday');
SELECT is(pg_temp.fingerprint(), :'before', 'and none of them changed anything');

-- Under a hostile search_path the reports read leadqual's objects still.
CREATE SCHEMA sl_evil;
CREATE FUNCTION sl_evil.count(anyelement) RETURNS bigint LANGUAGE sql AS 'SELECT 999::bigint';
SET LOCAL search_path = sl_evil, public;
SELECT results_eq($$SELECT format('%s %s %s %s %s', cohort, mode, stage, reached, conversion)
                    FROM leadqual.funnel_report('sl_leads') ORDER BY 1$$,
                  $$SELECT pg_temp.funnel_view()$$,
                  'a search_path with its own count() changes nothing');
RESET search_path;

SELECT * FROM finish();
ROLLBACK;
