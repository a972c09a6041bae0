-- Calibration (0.5.0): calibrate(), calibrate_deciles() and
-- calibrate_rules() backtest a model on a table's history with no
-- look-ahead.  A small history imported with known times, whose every
-- figure is worked out by hand below; the leakage fixture (events after a
-- lead's outcome, or after its horizon, change nothing); events before a
-- lead's entry; the horizon; gates; a rule of negative points that decays,
-- raising the score between events; another model than the table's; the
-- deciles against ntile(10); the recommendation; row-level security; and
-- every bad argument.
\ir helpers/setup.psql

SELECT plan(46);

SELECT FROM leadqual.copy_model('default', 'cb_model');
CREATE TABLE cb (id integer PRIMARY KEY, title text, company_size integer, industry text, score integer,
                 lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
-- fits under the default rules: 1 = 15 + 15 + 10 = 40, 4 = 20 + 15 + 10 =
-- 45, 6 = 10 + 15 = 25, the rest 0
INSERT INTO cb VALUES
    (1, 'VP Sales', 100, 'software', NULL, 'sql'),
    (2, 'Engineer', 10, 'retail', NULL, 'lead'),
    (3, 'Engineer', 10, 'retail', NULL, 'sql'),
    (4, 'CEO', 100, 'software', NULL, 'lead'),
    (5, 'Engineer', 10, 'retail', NULL, 'sql'),
    (6, 'Director', 100, 'finance', NULL, 'sql'),
    (7, 'Engineer', 10, 'retail', NULL, 'lead'),
    (8, 'Engineer', 10, 'retail', NULL, 'sql');
SELECT FROM leadqual.manage('cb', model => 'cb_model');
CREATE TEMP TABLE cb_history (lead_id text, to_stage text, changed_at timestamptz);
INSERT INTO cb_history VALUES
    ('1', 'lead', '2026-01-01'), ('1', 'mql', '2026-01-03'), ('1', 'sql', '2026-01-05'),
    ('2', 'lead', '2026-01-01'),
    ('3', 'lead', '2026-01-01'), ('3', 'sql', '2026-01-02'),
    ('4', 'lead', '2026-01-02'),
    ('5', 'lead', '2026-01-01'), ('5', 'sql', '2026-01-03'),
    -- sql after its 30 days: not converted, unless the horizon is longer
    ('6', 'lead', '2026-01-01'), ('6', 'sql', '2026-02-15'),
    -- entered before the period
    ('7', 'lead', '2025-12-01'),
    ('8', 'lead', '2026-01-01'), ('8', 'sql', '2026-01-02');
SELECT FROM leadqual.import_history('cb', 'cb_history');
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at) VALUES
    ('cb', '1', 'pricing_page_view', '2026-01-02'), ('cb', '1', 'demo_request', '2026-01-03'),
    ('cb', '2', 'pricing_page_view', '2026-01-02'),
    ('cb', '4', 'webinar_attended', '2026-01-10'),
    ('cb', '5', 'pricing_page_view', '2026-01-02'),
    ('cb', '6', 'demo_request', '2026-01-03'),
    ('cb', '7', 'demo_request', '2025-12-02'),
    -- before lead 8 entered: counts from its entry
    ('cb', '8', 'pricing_page_view', '2025-12-20');

-- Scores over each lead's watched stretch (entry to outcome or 30 days):
--   1: 40 on Jan 1, 60 on Jan 2, 110 on Jan 3; sql Jan 5
--   2: 0, 20 on Jan 2;  3: 0, sql Jan 2;  4: 45 on Jan 2, 55 on Jan 10
--   5: 0, 20 on Jan 2; sql Jan 3;  6: 25, 75 on Jan 3;  8: 20; sql Jan 2
CREATE TEMP TABLE cb_expected AS
SELECT * FROM (VALUES
    (20::numeric, 6::bigint, 3::bigint, 0.5000, 0.7500, interval '1 day', false, false),
    (50, 3, 1, 0.3333, 0.2500, interval '3 days', true, true),
    (60, 2, 1, 0.5000, 0.2500, interval '3 days', false, false),
    (80, 1, 1, 1.0000, 0.2500, interval '2 days', false, false)
) AS e(threshold, mqls, converted, conversion, recall, median_time_to_outcome, current, recommended);

SELECT results_eq(
    $$SELECT * FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01',
                                       thresholds => '{80,20,50,60,50}')$$,
    $$SELECT * FROM cb_expected$$,
    'calibrate(): per threshold, the MQLs of the cohort, converted, conversion, recall and median wait; thresholds sorted and distinct');
SELECT results_eq(
    $$SELECT * FROM leadqual.calibrate('cb', since => '2026-01-01', thresholds => '{20,50,60,80}')$$,
    $$SELECT * FROM cb_expected$$,
    'until defaults to now() less the horizon, which takes in the whole history here');

-- The leakage fixture.  Leads 3 and 5 converted, then did what scores most
-- (their rows now score 70 and 70: a backtest on today's scores would call
-- both MQLs at 50, converted); lead 6 is busy after its horizon.  None of
-- it was known at any decision, so nothing changes.
CREATE TEMP TABLE cb_before AS
SELECT 'threshold' AS part, to_jsonb(c) AS figures
FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01') AS c
UNION ALL SELECT 'decile', to_jsonb(d) FROM leadqual.calibrate_deciles('cb', since => '2026-01-01', until => '2026-02-01') AS d
UNION ALL SELECT 'rule', to_jsonb(r) FROM leadqual.calibrate_rules('cb', since => '2026-01-01', until => '2026-02-01') AS r;
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at) VALUES
    ('cb', '3', 'demo_request', '2026-01-04'), ('cb', '3', 'pricing_page_view', '2026-01-04'),
    ('cb', '5', 'demo_request', '2026-01-05'),
    ('cb', '6', 'pricing_page_view', '2026-02-10'), ('cb', '6', 'webinar_attended', '2026-02-10'),
    ('cb', '2', 'demo_request', '2026-02-02');
SELECT is((SELECT array_agg(score ORDER BY id) FROM cb WHERE id IN (3, 5)), '{70,70}',
          'the leads now score 70: a backtest reading today''s scores would count them at 50');
SELECT results_eq(
    $$SELECT 'threshold' AS part, to_jsonb(c) FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01') AS c
      UNION ALL SELECT 'decile', to_jsonb(d) FROM leadqual.calibrate_deciles('cb', since => '2026-01-01', until => '2026-02-01') AS d
      UNION ALL SELECT 'rule', to_jsonb(r) FROM leadqual.calibrate_rules('cb', since => '2026-01-01', until => '2026-02-01') AS r$$,
    $$SELECT part, figures FROM cb_before$$,
    'no look-ahead: events after a lead''s outcome or its horizon change no threshold, decile or rule');
SELECT is((SELECT row(mqls, converted)::text FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01',
                                                                     thresholds => '{50}')),
          '(3,1)', 'at 50: leads 1, 4 and 6, of which 1 converted; not 3 or 5');

-- A longer horizon: lead 6 (sql on Feb 15, MQL at 50 on Jan 3) converts,
-- and lead 2's demo on Feb 2 now falls within its watch.
SELECT is((SELECT row(mqls, converted, median_time_to_outcome)::text
           FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01', horizon => '60 days',
                                   thresholds => '{50}')),
          '(4,2,"23 days")', 'horizon => 60 days: lead 6 converts after 43 days, lead 2 is an MQL; the median wait between 3 and 43 days');
SELECT is((SELECT row(mqls, converted)::text
           FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01', horizon => '36 hours',
                                   thresholds => '{20}')),
          '(6,1)', 'horizon => 36 hours: of the MQLs only lead 8 (a day) converts in time; lead 5''s two days are too long');
SELECT is((SELECT row(mqls, converted)::text
           FROM leadqual.calibrate('cb', since => '2025-11-01', until => '2026-01-01', thresholds => '{50}')),
          '(1,0)', 'the cohort is the leads that entered in [since, until): lead 7 alone, MQL by its demo');

-- Deciles: peaks 110 (1), 75 (6), 55 (4), 20 (2, 5, 8: ties by id), 0 (3).
SELECT results_eq(
    $$SELECT decile, leads, min_score, max_score, converted, conversion, lift, cumulative_recall
      FROM leadqual.calibrate_deciles('cb', since => '2026-01-01', until => '2026-02-01')$$,
    $$VALUES (1, 1::bigint, 110::numeric, 110::numeric, 1::bigint, 1.0000, 1.75, 0.2500),
             (2, 1, 75, 75, 0, 0.0000, 0.00, 0.2500),
             (3, 1, 55, 55, 0, 0.0000, 0.00, 0.2500),
             (4, 1, 20, 20, 0, 0.0000, 0.00, 0.2500),
             (5, 1, 20, 20, 1, 1.0000, 1.75, 0.5000),
             (6, 1, 20, 20, 1, 1.0000, 1.75, 0.7500),
             (7, 1, 0, 0, 1, 1.0000, 1.75, 1.0000)$$,
    'calibrate_deciles(): each lead''s highest score before its outcome, split as ntile(10), ties by id');

-- Rules: 4 of the 7 leads converted (1, 3, 5, 8).
SELECT results_eq(
    $$SELECT rule, category, points, leads, among_converted, among_not_converted, conversion, lift
      FROM leadqual.calibrate_rules('cb', since => '2026-01-01', until => '2026-02-01')
      WHERE leads > 0 OR rule = 'manager_title'$$,
    $$VALUES ('c_level_title', 'fit', 20::numeric, 1::bigint, 0.0000, 0.3333, 0.0000, 0.00),
             ('director_title', 'fit', 10, 1, 0.0000, 0.3333, 0.0000, 0.00),
             ('manager_title', 'fit', 5, 0, 0.0000, 0.0000, NULL, NULL),
             ('target_company_size', 'fit', 15, 3, 0.2500, 0.6667, 0.3333, 0.58),
             ('target_industry', 'fit', 10, 2, 0.2500, 0.3333, 0.5000, 0.88),
             ('vp_title', 'fit', 15, 1, 0.2500, 0.0000, 1.0000, 1.75),
             ('demo_request', 'engagement', 50, 2, 0.2500, 0.3333, 0.5000, 0.88),
             ('pricing_page', 'engagement', 20, 4, 0.7500, 0.3333, 0.7500, 1.31),
             ('webinar', 'engagement', 10, 1, 0.0000, 0.3333, 0.0000, 0.00)$$,
    'calibrate_rules(): per rule, the leads it counted for before their outcome, converted or not, and its lift');

-- Recommendations: the lowest threshold whose conversion is in the band;
-- else the closest (the lowest of equals); for a volume, the highest that
-- makes that many.
SELECT is((SELECT threshold FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01',
                                                    thresholds => '{20,50,60,80}', target_conversion => '[0.9,1]')
           WHERE recommended), 80::numeric, 'target_conversion => [0.9,1]: 80');
SELECT is((SELECT threshold FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01',
                                                    thresholds => '{20,50,60,80}', target_conversion => '[0.6,0.7]')
           WHERE recommended), 20::numeric, 'no threshold in the band: the closest, 20 before 60');
SELECT is((SELECT threshold FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01',
                                                    thresholds => '{20,50,60,80}', target_mqls => 3)
           WHERE recommended), 50::numeric, 'target_mqls => 3: the highest threshold that makes 3');
SELECT is((SELECT threshold FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01',
                                                    thresholds => '{20,50,60,80}', target_mqls => 100)
           WHERE recommended), 20::numeric, 'target_mqls beyond every threshold: the lowest');
SELECT is((SELECT count(*) FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01',
                                                   target_conversion => NULL) WHERE recommended), 0::bigint,
          'no target: nothing recommended');

-- The default candidates: 5 to 100 by 5 for a threshold of 50.
SELECT is((SELECT array_agg(threshold ORDER BY threshold)
           FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01')),
          (SELECT array_agg(g::numeric) FROM generate_series(5, 100, 5) AS g),
          'by default twenty candidates, k x threshold / 10');
UPDATE leadqual.model SET threshold = 33.5 WHERE name = 'cb_model';
SELECT is((SELECT array_agg(threshold ORDER BY threshold) FILTER (WHERE current)
           FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01')),
          '{33.5}', 'the model''s own threshold is always a candidate, marked current');
SELECT is((SELECT count(*) FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01')),
          21::bigint, '... beside the twenty, rounded to the model''s scale: 3, 7, 10, ..., 67');
UPDATE leadqual.model SET threshold = 50 WHERE name = 'cb_model';

-- Another model than the table's, resolved against its columns: gates
-- hold a lead back until its fit and engagement reach them.
SELECT FROM leadqual.copy_model('default', 'cb_gated');
UPDATE leadqual.model SET min_fit = 30, min_engagement = 20 WHERE name = 'cb_gated';
SELECT is((SELECT row(mqls, converted, median_time_to_outcome)::text
           FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01', model => 'cb_gated',
                                   thresholds => '{20}')),
          '(1,1,"3 days")', 'model => a gated model: only lead 1, from its pricing page on Jan 2; lead 4''s webinar is 10 points of engagement short');
SELECT is((SELECT bool_or(current) FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01',
                                                          model => 'cb_gated')),
          true, 'current marks the named model''s threshold');
SELECT FROM leadqual.copy_model('default', 'cb_demo_only');
DELETE FROM leadqual.fit_rule WHERE model = 'cb_demo_only';
DELETE FROM leadqual.engagement_rule WHERE model = 'cb_demo_only' AND name <> 'demo_request';
SELECT results_eq(
    $$SELECT rule, leads FROM leadqual.calibrate_rules('cb', since => '2026-01-01', until => '2026-02-01',
                                                       model => 'cb_demo_only')$$,
    $$VALUES ('demo_request', 2::bigint)$$,
    'calibrate_rules(model => ...): that model''s rules');
SELECT is((SELECT array_agg(max_score ORDER BY decile)
           FROM leadqual.calibrate_deciles('cb', since => '2026-01-01', until => '2026-02-01', model => 'cb_demo_only')),
          '{50,50,0,0,0,0,0}', 'calibrate_deciles(model => ...): that model''s scores');

-- A model of two decimal places: scores add in hundredths, exactly.
-- Lead 1 scores 40 + 20.25 = 60.25 on Jan 2, then 110.25 with its demo.
SELECT FROM leadqual.copy_model('default', 'cb_fine');
UPDATE leadqual.model SET scale = 2, threshold = 60.5 WHERE name = 'cb_fine';
UPDATE leadqual.engagement_rule SET points = 20.25 WHERE model = 'cb_fine' AND name = 'pricing_page';
SELECT results_eq(
    $$SELECT threshold, mqls, median_time_to_outcome, current
      FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01', model => 'cb_fine',
                              thresholds => '{60.25,60.5}')$$,
    $$VALUES (60.25, 2::bigint, interval '3 days', false), (60.50, 2, interval '2 days', true)$$,
    'scale 2: 60.25 reaches 60.25 on Jan 2, and 60.5 only with the demo on Jan 3');
SELECT is((SELECT max_score FROM leadqual.calibrate_deciles('cb', since => '2026-01-01', until => '2026-02-01',
                                                            model => 'cb_fine') WHERE decile = 1),
          110.25, '... and the top score shows its hundredths');

-- A rule of negative points that decays raises the score between events:
-- a CEO (45) who unsubscribed at entry (-40, half-life a day) reaches 45
-- when -40 x 2^(-t/1 day) rounds to 0, at t = log2(80) days = 6.32 days;
-- its sql on day 10 is 3.68 days later.
SELECT FROM leadqual.copy_model('default', 'cb_negative');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, half_life)
VALUES ('cb_negative', 'unsubscribed', 'unsubscribe', -40, '1 day');
CREATE TABLE cb_negative (id integer PRIMARY KEY, title text, company_size integer, industry text, score integer,
                          lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
INSERT INTO cb_negative VALUES (1, 'CEO', 100, 'software', NULL, 'sql');
SELECT FROM leadqual.manage('cb_negative', model => 'cb_negative');
CREATE TEMP TABLE cb_negative_history (lead_id text, to_stage text, changed_at timestamptz);
INSERT INTO cb_negative_history VALUES ('1', 'lead', '2026-03-01'), ('1', 'sql', '2026-03-11');
SELECT FROM leadqual.import_history('cb_negative', 'cb_negative_history');
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at) VALUES ('cb_negative', '1', 'unsubscribe', '2026-03-01');
SELECT ok((SELECT median_time_to_outcome BETWEEN interval '3 days 16:16' AND interval '3 days 16:17'
           FROM leadqual.calibrate('cb_negative', since => '2026-03-01', until => '2026-04-01', thresholds => '{45}')),
          'a decaying penalty: the lead reaches 45 between events, 3 days 16:16 before its outcome');
SELECT is((SELECT array_agg(mqls ORDER BY threshold)
           FROM leadqual.calibrate('cb_negative', since => '2026-03-01', until => '2026-04-01', thresholds => '{5,6,46}')),
          '{1,1,0}', '... whatever the threshold, as the model''s gate (engagement at least 0) holds it back until then; never past 45');

-- Deciles split as ntile(10) over the highest scores, ties by id: 23
-- leads of fits 0 to 45 and no events, every third converting.
CREATE TABLE cb_many (id integer PRIMARY KEY, title text, company_size integer, industry text, score integer,
                      lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
INSERT INTO cb_many
SELECT g, (ARRAY['CEO', 'VP Sales', 'Director', 'Engineer'])[1 + g % 4], 100 + g % 2 * 1000,
       (ARRAY['software', 'retail'])[1 + g % 3 % 2], NULL, (CASE WHEN g % 3 = 0 THEN 'sql' ELSE 'lead' END)::leadqual.lifecycle_stage
FROM generate_series(1, 23) AS g;
SELECT FROM leadqual.manage('cb_many', model => 'cb_model');
CREATE TEMP TABLE cb_many_history AS
SELECT g::text AS lead_id, 'lead' AS to_stage, timestamptz '2026-05-01' AS changed_at FROM generate_series(1, 23) AS g
UNION ALL
SELECT g::text, 'sql', timestamptz '2026-05-03' FROM generate_series(3, 23, 3) AS g;
SELECT FROM leadqual.import_history('cb_many', 'cb_many_history');
SELECT results_eq(
    $$SELECT decile, leads, min_score, max_score, converted
      FROM leadqual.calibrate_deciles('cb_many', since => '2026-05-01', until => '2026-06-01')$$,
    $$SELECT d, count(*), min(fit), max(fit), count(*) FILTER (WHERE id % 3 = 0)
      FROM (SELECT c.id, leadqual._fit('cb_many', c) AS fit,
                   ntile(10) OVER (ORDER BY leadqual._fit('cb_many', c) DESC, c.id::text COLLATE "C") AS d
            FROM cb_many AS c) AS s
      GROUP BY d ORDER BY d$$,
    'deciles as ntile(10) over fit (no events), the first three of 3 leads, the rest of 2');

-- Row-level security: a role sees the leads its policies let it.
CREATE ROLE cb_reader;
CREATE ROLE cb_stranger;
GRANT SELECT ON cb TO cb_reader;
ALTER TABLE cb ENABLE ROW LEVEL SECURITY;
CREATE POLICY cb_first_two ON cb FOR SELECT TO cb_reader USING (id IN (1, 2));
SET ROLE cb_reader;
SELECT is((SELECT row(mqls, converted)::text FROM leadqual.calibrate('cb', since => '2026-01-01', until => '2026-02-01',
                                                                     thresholds => '{20}')),
          '(2,1)', 'a role limited by the table''s policies backtests only the leads it sees');
SELECT is((SELECT sum(leads) FROM leadqual.calibrate_deciles('cb', since => '2026-01-01', until => '2026-02-01')),
          2::numeric, '... in the deciles too');
RESET ROLE;
SET ROLE cb_stranger;
SELECT throws_ok($$SELECT * FROM leadqual.calibrate('cb')$$, '42501', NULL,
                 'a role that can''t read the table can''t backtest it');
RESET ROLE;

-- Odd names: the table and its id column are quoted in the queries built.
CREATE TABLE "cb ""odd"" leads" ("Id; DROP TABLE cb" integer PRIMARY KEY, title text, company_size integer, industry text,
                                 score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
INSERT INTO "cb ""odd"" leads" VALUES (1, 'CEO', 100, 'software', NULL, 'sql');
SELECT FROM leadqual.manage('"cb ""odd"" leads"', model => 'cb_model', id_column => 'Id; DROP TABLE cb');
CREATE TEMP TABLE cb_odd_history (lead_id text, to_stage text, changed_at timestamptz);
INSERT INTO cb_odd_history VALUES ('1', 'lead', '2026-07-01'), ('1', 'sql', '2026-07-02');
SELECT FROM leadqual.import_history('"cb ""odd"" leads"', 'cb_odd_history');
SELECT is((SELECT row(mqls, converted)::text FROM leadqual.calibrate('"cb ""odd"" leads"', since => '2026-07-01',
                                                                     until => '2026-08-01', thresholds => '{45}')),
          '(1,1)', 'a table and id column with odd names: quoted, read, and cb is still there');

-- Bad arguments: refused before anything is read.
CREATE TABLE cb_fixed (id integer PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('cb_fixed');
CREATE TABLE cb_unmanaged (id integer PRIMARY KEY);
SELECT throws_ok($$SELECT * FROM leadqual.calibrate(NULL)$$, '22004',
                 'leadqual.calibrate: leads must not be NULL', 'leads NULL');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate_rules('cb', outcome => NULL)$$, '22004',
                 'leadqual.calibrate_rules: outcome must not be NULL', 'outcome NULL');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate('cb', outcome => 'mql')$$, '22023',
                 'leadqual.calibrate: outcome "mql" is not a funnel stage after mql', 'outcome mql');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate_deciles('cb', outcome => 'recycled')$$, '22023',
                 'leadqual.calibrate_deciles: outcome "recycled" is not a funnel stage after mql', 'outcome a detour');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate('cb', horizon => '0 days')$$, '22023',
                 'leadqual.calibrate: horizon must be a positive interval, not 00:00:00', 'horizon 0');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate('cb', horizon => NULL)$$, '22004', NULL, 'horizon NULL');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate('cb', since => '2026-02-01', until => '2026-01-01')$$, '22023',
                 NULL, 'since after until');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate('cb', thresholds => '{}')$$, '22023',
                 'leadqual.calibrate: thresholds is empty', 'thresholds empty');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate('cb', thresholds => '{10,NULL}')$$, '22023',
                 'leadqual.calibrate: thresholds must be finite numbers, and element 2 is NULL', 'a NULL threshold');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate('cb', thresholds => '{50,NaN}')$$, '22023',
                 'leadqual.calibrate: thresholds must be finite numbers, and element 2 is NaN', 'a threshold not a number');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate('cb', target_conversion => '[0.2,1.5]')$$, '22023', NULL,
                 'target_conversion past 1');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate('cb', target_mqls => 0)$$, '22023',
                 'leadqual.calibrate: target_mqls must be positive, not 0', 'target_mqls 0');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate('cb', model => 'cb_nonesuch')$$, '42704',
                 'leadqual.calibrate: model "cb_nonesuch" does not exist', 'a model that does not exist');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate('cb_fixed')$$, '55000', NULL,
                 'a table managed with a fixed threshold has no rules to replay');
SELECT throws_ok($$SELECT * FROM leadqual.calibrate('cb_unmanaged')$$, '55000', NULL, 'an unmanaged table');

SELECT * FROM finish();
ROLLBACK;
