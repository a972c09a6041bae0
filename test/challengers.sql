-- Challengers (0.5.0): leadqual.challenger registers candidate models of a
-- table; compare_models() backtests the table's model and its challengers
-- at each one's own threshold, agreeing with calibrate(); promote_model()
-- makes a model the table's own, logged in leadqual.model_change, as the
-- table's owner only.
\ir helpers/setup.psql

SELECT plan(22);

-- Three leads, known times (the default model, threshold 50):
--   1: VP, 120, software: fit 40 on Jan 5; pricing Jan 6 (60); sql Jan 9
--   2: Engineer, retail: 0; pricing Jan 6 (20), demo Jan 7 (70); never sql
--   3: CEO, 120, software: fit 45 on Jan 5; webinar Jan 8 (55); sql Jan 12
CREATE TABLE ch (id integer PRIMARY KEY, title text, company_size integer, industry text, score integer,
                 lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', owner text);
INSERT INTO ch VALUES (1, 'VP Sales', 120, 'software', NULL, 'sql', NULL), (2, 'Engineer', 10, 'retail', NULL, 'lead', NULL),
                      (3, 'CEO', 120, 'software', NULL, 'sql', NULL);
SELECT FROM leadqual.copy_model('default', 'ch_live');
SELECT FROM leadqual.manage('ch', model => 'ch_live', owner_column => 'owner');
CREATE TEMP TABLE ch_history (lead_id text, to_stage text, changed_at timestamptz);
INSERT INTO ch_history VALUES ('1', 'lead', '2026-01-05'), ('1', 'sql', '2026-01-09'), ('2', 'lead', '2026-01-05'),
                              ('3', 'lead', '2026-01-05'), ('3', 'sql', '2026-01-12');
SELECT FROM leadqual.import_history('ch', 'ch_history');
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at) VALUES
    ('ch', '1', 'pricing_page_view', '2026-01-06'), ('ch', '2', 'pricing_page_view', '2026-01-06'),
    ('ch', '2', 'demo_request', '2026-01-07'), ('ch', '3', 'webinar_attended', '2026-01-08');

-- a challenger that ignores content and wants intent: webinars 0, threshold 60
SELECT FROM leadqual.copy_model('ch_live', 'ch_intent');
UPDATE leadqual.engagement_rule SET points = 0 WHERE model = 'ch_intent' AND name = 'webinar';
UPDATE leadqual.model SET threshold = 60 WHERE name = 'ch_intent';
INSERT INTO leadqual.challenger (lead_table, model) VALUES ('ch', 'ch_intent');

-- live at 50: lead 1 on Jan 6 (3 days to sql), lead 2 on Jan 7, lead 3 on
-- Jan 8 (4 days); challenger at 60: lead 1 on Jan 6, lead 2 on Jan 7
SELECT results_eq(
    $$SELECT model, live, threshold, mqls, converted, conversion, recall, median_time_to_mql, median_time_to_outcome, auc
      FROM leadqual.compare_models('ch', since => '2026-01-01', until => '2026-02-01')$$,
    $$VALUES ('ch_live', true, 50::numeric, 3::bigint, 2::bigint, 0.6667, 1.0000, interval '2 days', interval '3 days 12:00:00', 0.0000),
             ('ch_intent', false, 60::numeric, 2::bigint, 1::bigint, 0.5000, 0.5000, interval '1 day 12:00:00', interval '3 days', 0.0000)$$,
    'compare_models(): the table''s model, then its challengers, each at its own threshold');
SELECT results_eq(
    $$SELECT mqls, converted, conversion, recall, median_time_to_outcome
      FROM leadqual.compare_models('ch', models => '{ch_intent}', since => '2026-01-01', until => '2026-02-01')$$,
    $$SELECT mqls, converted, conversion, recall, median_time_to_outcome
      FROM leadqual.calibrate('ch', since => '2026-01-01', until => '2026-02-01', model => 'ch_intent', thresholds => '{60}')$$,
    'each model''s figures are calibrate()''s at its threshold');
SELECT is((SELECT array_agg(model ORDER BY ordinality)
           FROM leadqual.compare_models('ch', models => '{ch_intent,default,ch_intent}', since => '2026-01-01',
                                        until => '2026-02-01') WITH ORDINALITY),
          '{ch_intent,default}', 'models given: each once, in their order');
SELECT is((SELECT array_agg(live) FROM leadqual.compare_models('ch', models => '{default}', since => '2026-01-01',
                                                               until => '2026-02-01')),
          '{f}', 'a model that is not the table''s is not live');

SELECT throws_ok($$SELECT * FROM leadqual.compare_models('ch', models => '{ch_intent,NULL}')$$, '22004', NULL,
                 'a NULL model');
SELECT throws_ok($$SELECT * FROM leadqual.compare_models('ch', models => '{}')$$, '22023', NULL, 'no model');
SELECT throws_ok($$SELECT * FROM leadqual.compare_models('ch', models => '{ch_nonesuch}')$$, '42704', NULL,
                 'a model that does not exist');
SELECT throws_ok($$SELECT * FROM leadqual.compare_models(NULL)$$, '22004', NULL, 'leads NULL');

-- promote_model(): the challenger becomes the table's model, logged
CREATE TEMP TABLE ch_promoted AS SELECT leadqual.promote_model('ch', 'ch_intent', 'intent converts; content does not') AS id;
SELECT is((SELECT id FROM ch_promoted), (SELECT max(id) FROM leadqual.model_change), 'promote_model() returns the id of its log row');
SELECT is((SELECT row(model, id_column, score_column, stage_column, owner_column)::text FROM leadqual.managed WHERE leads = 'ch'::regclass),
          '(ch_intent,id,score,lifecycle_stage,owner)', 'the table is managed with the challenger, its columns as they were');
SELECT is((SELECT row(lead_table, from_model, to_model, changed_by, note)::text FROM leadqual.model_change),
          '(ch,ch_live,ch_intent,' || current_user || ',"intent converts; content does not")',
          'the change logged: table, from, to, by whom, why');
SELECT is((SELECT score FROM ch WHERE id = 3), 45, 'every lead rescored by the new model: the webinar no longer counts');
SELECT is((SELECT array_agg(live ORDER BY model) FROM leadqual.compare_models('ch', models => '{ch_intent,ch_live}',
                                                                             since => '2026-01-01', until => '2026-02-01')),
          '{t,f}', 'compare_models() now calls the challenger live');
SELECT throws_ok($$SELECT leadqual.promote_model('ch', 'ch_intent')$$, '22023',
                 'leadqual.promote_model: table public.ch is managed with model "ch_intent" already', 'promoting the model it has');
SELECT throws_ok($$SELECT leadqual.promote_model('ch', 'ch_nonesuch')$$, '42704', NULL, 'a model that does not exist');
SELECT throws_ok($$SELECT leadqual.promote_model('ch', NULL)$$, '22004', NULL, 'model NULL');
CREATE TABLE ch_unmanaged (id integer PRIMARY KEY);
SELECT throws_ok($$SELECT leadqual.promote_model('ch_unmanaged', 'ch_live')$$, '55000', NULL, 'an unmanaged table');

-- a table in threshold mode takes a model: from_model is NULL
CREATE TABLE ch_fixed (id integer PRIMARY KEY, title text, company_size integer, industry text, score integer,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('ch_fixed');
SELECT FROM leadqual.promote_model('ch_fixed', 'ch_live');
SELECT is((SELECT row(from_model, to_model)::text FROM leadqual.model_change WHERE lead_table = 'ch_fixed'::regclass),
          '(,ch_live)', 'from threshold mode to a model: from_model NULL');

-- only the table's owner may promote (manage() decides), and nothing is
-- logged otherwise; the log is written by promote_model() alone
CREATE ROLE ch_analyst;
GRANT SELECT, UPDATE ON ch TO ch_analyst;
SET ROLE ch_analyst;
SELECT throws_ok($$SELECT leadqual.promote_model('ch', 'ch_live')$$, '42501', NULL,
                 'a role that does not own the table can''t promote a model');
SELECT throws_ok($$INSERT INTO leadqual.model_change (lead_table, to_model, changed_by) VALUES ('ch', 'ch_live', 'ch_analyst')$$,
                 '42501', NULL, '... nor write the log by hand');
RESET ROLE;
SELECT is((SELECT count(*) FROM leadqual.model_change WHERE lead_table = 'ch'::regclass), 1::bigint,
          'the refused promotion logged nothing');
ALTER TABLE ch OWNER TO ch_analyst;
SET ROLE ch_analyst;
SELECT FROM leadqual.promote_model('ch', 'ch_live', 'back');
RESET ROLE;
SELECT is((SELECT changed_by FROM leadqual.model_change WHERE lead_table = 'ch'::regclass ORDER BY id DESC LIMIT 1),
          'ch_analyst'::name, 'the table''s owner promotes, and the log names it');

SELECT * FROM finish();
ROLLBACK;
