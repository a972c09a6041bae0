-- Suggested points (0.5.0): suggest_points() fits a regularised logistic
-- regression of conversion on a model's rules over the history and writes
-- it as a new, ordinary model.  A generated history of 400 leads in which
-- pricing pages predict conversion and webinars don't; the model written
-- (its rules, points, threshold, no gates); determinism; the time-based
-- hold-out; and every bad argument.
\ir helpers/setup.psql

SELECT plan(24);

-- 400 leads, one an hour from January 1st.  Even ids visit the pricing
-- page a day after entering (ids divisible by 4 twice); ids divisible by 3
-- attend a webinar, which says nothing.  Leads that visited pricing
-- convert 60% of the time, the rest 10% (by (id * 37) % 100); conversions
-- reach sql three days after entry.
CREATE TABLE sp (id integer PRIMARY KEY, title text, company_size integer, industry text, score integer,
                 lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TEMP VIEW sp_truth AS
SELECT g AS id, timestamptz '2026-01-01' + g * interval '1 hour' AS entered,
       (g * 37) % 100 < CASE WHEN g % 2 = 0 THEN 60 ELSE 10 END AS converts
FROM generate_series(1, 400) AS g;
INSERT INTO sp
SELECT id, CASE WHEN id % 5 = 0 THEN 'VP Sales' ELSE 'Engineer' END, 100, 'retail', NULL,
       CASE WHEN converts THEN 'sql' ELSE 'lead' END::leadqual.lifecycle_stage
FROM sp_truth;
SELECT FROM leadqual.copy_model('default', 'sp_base');
SELECT FROM leadqual.manage('sp', model => 'sp_base');
CREATE TEMP TABLE sp_history AS
SELECT id::text AS lead_id, 'lead' AS to_stage, entered AS changed_at FROM sp_truth
UNION ALL SELECT id::text, 'sql', entered + interval '3 days' FROM sp_truth WHERE converts;
SELECT FROM leadqual.import_history('sp', 'sp_history');
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at)
SELECT 'sp', id::text, 'pricing_page_view', entered + interval '1 day' FROM sp_truth WHERE id % 2 = 0
UNION ALL SELECT 'sp', id::text, 'pricing_page_view', entered + interval '2 days' FROM sp_truth WHERE id % 4 = 0
UNION ALL SELECT 'sp', id::text, 'webinar_attended', entered + interval '1 hour' FROM sp_truth WHERE id % 3 = 0;

CREATE TEMP TABLE sp_result AS
SELECT * FROM leadqual.suggest_points('sp', 'sp_suggested', since => '2026-01-01', until => '2026-03-01');

SELECT is((SELECT row(suggested, leads_scored, learnt_from, held_out)::text FROM sp_result),
          '(sp_suggested,400,320,80)', 'the 400 leads scored: the first 320 to enter learnt from, the last 80 held out');
SELECT is((SELECT converted FROM sp_result),
          (SELECT count(*) FROM (SELECT * FROM sp_truth ORDER BY entered LIMIT 320) AS t WHERE converts),
          'converted counts the conversions among the leads learnt from');
SELECT ok((SELECT converged AND iterations BETWEEN 2 AND 25 FROM sp_result), 'the fit converges within its iterations');

-- the model written: the base model's rules, with the fitted points
SELECT is((SELECT row(m.promote_to, m.min_fit, m.min_engagement, m.max_score, m.scale, m.builtin)::text
           FROM leadqual.model AS m WHERE m.name = 'sp_suggested'),
          '(mql,,,,0,f)', 'an ordinary model: promoting to the base''s stage, no gates, no cap, the base''s scale');
SELECT is((SELECT threshold FROM leadqual.model WHERE name = 'sp_suggested'), (SELECT threshold FROM sp_result),
          'its threshold is the one returned');
SELECT set_eq($$SELECT name, column_name, operator, value, low, high, pattern FROM leadqual.fit_rule WHERE model = 'sp_suggested'$$,
              $$SELECT name, column_name, operator, value, low, high, pattern FROM leadqual.fit_rule WHERE model = 'sp_base'$$,
              'the same fit rules, matching the same columns');
SELECT set_eq($$SELECT name, event_kind, match, min_count, group_by, half_life, within FROM leadqual.engagement_rule WHERE model = 'sp_suggested'$$,
              $$SELECT name, event_kind, match, min_count, group_by, half_life, within FROM leadqual.engagement_rule WHERE model = 'sp_base'$$,
              'the same engagement rules, counting the same events');
SELECT is((SELECT cap FROM leadqual.engagement_rule WHERE model = 'sp_suggested' AND name = 'demo_request'), NULL,
          'a rule that never counted gets 0 points, and loses its cap');
SELECT is((SELECT points FROM leadqual.engagement_rule WHERE model = 'sp_suggested' AND name = 'demo_request'), 0::numeric,
          '... 0 points');

-- what the fit found
SELECT cmp_ok((SELECT points FROM leadqual.engagement_rule WHERE model = 'sp_suggested' AND name = 'pricing_page'),
              '>=', 10::numeric, 'pricing pages, which predict conversion, get 10 points a visit or more');
SELECT ok((SELECT abs(w.points) * 2 < p.points
           FROM leadqual.engagement_rule AS w, leadqual.engagement_rule AS p
           WHERE w.model = 'sp_suggested' AND w.name = 'webinar' AND p.model = 'sp_suggested' AND p.name = 'pricing_page'),
          'webinars, which say nothing, get less than half as many, either way');
SELECT cmp_ok((SELECT auc FROM sp_result), '>', 0.7::numeric, 'the suggestion ranks the held-out leads well (AUC above 0.7)');
SELECT ok((SELECT current_auc IS NOT NULL AND top_decile_lift IS NOT NULL AND current_top_decile_lift IS NOT NULL FROM sp_result),
          'beside the base model''s AUC and both top deciles'' lift');

-- deterministic: the same history gives the same points
SELECT FROM leadqual.suggest_points('sp', 'sp_again', since => '2026-01-01', until => '2026-03-01');
SELECT results_eq($$SELECT name, points FROM leadqual.engagement_rule WHERE model = 'sp_suggested' ORDER BY name$$,
                  $$SELECT name, points FROM leadqual.engagement_rule WHERE model = 'sp_again' ORDER BY name$$,
                  'fitted twice, the same points');
SELECT is((SELECT threshold FROM leadqual.model WHERE name = 'sp_again'), (SELECT threshold FROM sp_result),
          '... and the same threshold');
SELECT ok((SELECT count(*) > 0 FROM leadqual.calibrate('sp', since => '2026-01-01', until => '2026-03-01', model => 'sp_suggested')),
          'the suggestion backtests as any model does');

-- bad arguments, refused before anything is written
SELECT throws_ok($$SELECT * FROM leadqual.suggest_points('sp', NULL)$$, '22004',
                 'leadqual.suggest_points: new_model must not be NULL', 'new_model NULL');
SELECT throws_ok($$SELECT * FROM leadqual.suggest_points('sp', 'sp_suggested')$$, '42710',
                 'leadqual.suggest_points: model "sp_suggested" already exists', 'a model that exists');
SELECT throws_ok($$SELECT * FROM leadqual.suggest_points('sp', 'sp_x', holdout => 0)$$, '22023', NULL, 'holdout 0');
SELECT throws_ok($$SELECT * FROM leadqual.suggest_points('sp', 'sp_x', holdout => 1)$$, '22023', NULL, 'holdout 1');
SELECT throws_ok($$SELECT * FROM leadqual.suggest_points('sp', 'sp_x', target_conversion => 1.5)$$, '22023', NULL,
                 'target_conversion past 1');
SELECT throws_ok($$SELECT * FROM leadqual.suggest_points('sp', 'sp_x', since => '2026-01-01', until => '2026-01-01 04:00')$$,
                 '55000', NULL, 'a period whose leads all stayed put: nothing to learn from');
CREATE ROLE sp_analyst;
GRANT SELECT ON sp TO sp_analyst;
SET ROLE sp_analyst;
SELECT throws_ok($$SELECT * FROM leadqual.suggest_points('sp', 'sp_x', since => '2026-01-01', until => '2026-03-01')$$,
                 '42501', NULL, 'a role that may not write models may not suggest one');
RESET ROLE;
SELECT is((SELECT count(*) FROM leadqual.model WHERE name = 'sp_x'), 0::bigint, 'and nothing was written');

SELECT * FROM finish();
ROLLBACK;
