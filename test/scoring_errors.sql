-- Validation errors of the scoring engine (0.2.0): every check on models,
-- fit rules and engagement rules, manage() with a model, copy_model(), and
-- every bad call of track(), rescore(), explain() and bulk event inserts.
-- Each fails with its documented SQLSTATE, runs nothing injected, and
-- leaves models, rules, events, scores and leads as they were.
\ir helpers/setup.psql

SELECT plan(236);

-- The canary: any injected "DROP TABLE x" that ran would remove it.
CREATE TABLE x (canary text);
INSERT INTO x VALUES ('alive');

CREATE FUNCTION pg_temp.canary_alive() RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT to_regclass('public.x') IS NOT NULL AND EXISTS (SELECT FROM x WHERE canary = 'alive') $$;

CREATE FUNCTION pg_temp.er_events() RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT count(*) FROM leadqual.event $$;

-- er_model: a copy of default, in use by er_leads (integer ids and scores).
-- er_bare: no rules, in use by er_text (text ids).  er_spare: in use by
-- nobody.
SELECT FROM leadqual.copy_model('default', 'er_model');
INSERT INTO leadqual.model (name) VALUES ('er_bare'), ('er_spare');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('er_bare', 'demo', 'demo_request', 50);
CREATE TABLE er_leads (id integer PRIMARY KEY, title text, company_size integer, industry text, score integer,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE er_text (id text PRIMARY KEY, score numeric, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE er_plain (id integer PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE er_unmanaged (id integer PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE er_no_title (id integer PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('er_leads', model => 'er_model');
SELECT FROM leadqual.manage('er_text', model => 'er_bare');
SELECT FROM leadqual.manage('er_plain');
INSERT INTO er_leads (id, title, company_size, industry) VALUES (1, 'VP Sales', 100, 'SaaS'), (2, NULL, NULL, NULL);
INSERT INTO er_text (id) VALUES ('a'), ('leads');
INSERT INTO er_plain (id, score) VALUES (1, 10);
INSERT INTO er_unmanaged (id, score) VALUES (1, 10);
SELECT FROM leadqual.track('er_leads', '1', 'pricing_page_view');
SELECT FROM leadqual.track('er_text', 'a', 'demo_request');

------------------------------------------------------------------------------
-- Models
------------------------------------------------------------------------------

SELECT pg_temp.fingerprint() AS fp \gset

SELECT throws_ok($$INSERT INTO leadqual.model (name) VALUES ('Bad')$$, '22023', NULL, 'model name with a capital: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name) VALUES ('1model')$$, '22023', NULL, 'model name starting with a digit: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name) VALUES ('_model')$$, '22023', NULL, 'model name starting with _: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name) VALUES ('has-dash')$$, '22023', NULL, 'model name with a dash: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name) VALUES ('has space')$$, '22023', NULL, 'model name with a space: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name) VALUES ('')$$, '22023', NULL, 'empty model name: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name) VALUES (repeat('m', 64))$$, '22023', NULL, 'model name of 64 characters: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name) VALUES ('er; DROP TABLE x')$$, '22023', NULL, 'injection-shaped model name: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name) VALUES (E'caf\u00e9')$$, '22023', NULL, 'non-ASCII model name: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, threshold) VALUES ('er_m', NULL)$$, '22023', NULL, 'NULL threshold: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, threshold) VALUES ('er_m', 'NaN')$$, '22023', NULL, 'NaN threshold: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, threshold) VALUES ('er_m', 'Infinity')$$, '22023', NULL, 'Infinity threshold: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, threshold) VALUES ('er_m', '-Infinity')$$, '22023', NULL, '-Infinity threshold: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, promote_to) VALUES ('er_m', 'lead')$$, '22023', NULL, 'promote_to lead: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, promote_to) VALUES ('er_m', 'subscriber')$$, '22023', NULL, 'promote_to subscriber: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, promote_to) VALUES ('er_m', 'recycled')$$, '22023', NULL, 'promote_to recycled: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, promote_to) VALUES ('er_m', 'disqualified')$$, '22023', NULL, 'promote_to disqualified: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, promote_to) VALUES ('er_m', 'nonsense')$$, '22P02', NULL, 'promote_to not a stage: 22P02');
SELECT throws_ok($$INSERT INTO leadqual.model (name, min_fit) VALUES ('er_m', 'NaN')$$, '22023', NULL, 'NaN min_fit: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, min_fit) VALUES ('er_m', '-Infinity')$$, '22023', NULL, '-Infinity min_fit: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, min_engagement) VALUES ('er_m', 'Infinity')$$, '22023', NULL, 'Infinity min_engagement: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, min_engagement) VALUES ('er_m', 'NaN')$$, '22023', NULL, 'NaN min_engagement: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, max_score) VALUES ('er_m', 'NaN')$$, '22023', NULL, 'NaN max_score: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, max_score) VALUES ('er_m', 'Infinity')$$, '22023', NULL, 'Infinity max_score: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, scale) VALUES ('er_m', -1)$$, '22023', NULL, 'scale -1: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, scale) VALUES ('er_m', 7)$$, '22023', NULL, 'scale 7: 22023');
SELECT throws_ok($$INSERT INTO leadqual.model (name, builtin) VALUES ('er_m', true)$$, '42501', NULL, 'inserting a builtin model: 42501');
SELECT throws_ok($$INSERT INTO leadqual.model (name) VALUES ('er_model')$$, '23505', NULL, 'a model name taken: unique_violation');
SELECT throws_ok($$UPDATE leadqual.model SET threshold = 'NaN' WHERE name = 'er_spare'$$, '22023', NULL, 'UPDATE to a NaN threshold: 22023');
SELECT throws_ok($$UPDATE leadqual.model SET scale = 7 WHERE name = 'er_spare'$$, '22023', NULL, 'UPDATE to scale 7: 22023');
SELECT throws_ok($$UPDATE leadqual.model SET promote_to = 'lead' WHERE name = 'er_spare'$$, '22023', NULL, 'UPDATE to promote_to lead: 22023');
SELECT throws_ok($$UPDATE leadqual.model SET name = 'Er Spare' WHERE name = 'er_spare'$$, '22023', NULL, 'renaming to a bad name: 22023');
SELECT throws_ok($$UPDATE leadqual.model SET builtin = true WHERE name = 'er_spare'$$, '42501', NULL, 'marking a model builtin: 42501');
SELECT throws_ok($$UPDATE leadqual.model SET description = 'mine' WHERE name = 'default'$$, '42501', NULL, 'changing the builtin model: 42501');
SELECT throws_ok($$UPDATE leadqual.model SET builtin = false WHERE name = 'default'$$, '42501', NULL, 'unmarking the builtin model: 42501');
SELECT throws_ok($$UPDATE leadqual.model SET name = 'mine' WHERE name = 'default'$$, '42501', NULL, 'renaming the builtin model: 42501');
SELECT throws_ok($$DELETE FROM leadqual.model WHERE name = 'default'$$, '42501', NULL, 'deleting the builtin model: 42501');
SELECT throws_ok($$DELETE FROM leadqual.model WHERE name = 'er_model'$$, '55006', NULL, 'deleting a model in use: object_in_use');
SELECT throws_ok($$DELETE FROM leadqual.model WHERE name = 'er_bare'$$, '55006', NULL, 'deleting another model in use: object_in_use');
SELECT throws_ok($$UPDATE leadqual.model SET name = 'er_renamed' WHERE name = 'er_model'$$, '55006', NULL,
                 'renaming a model in use: object_in_use');
SELECT throws_ok($$UPDATE leadqual.model SET scale = 2 WHERE name = 'er_model'$$, '42804', NULL,
                 'scale above 0 for a model an integer-score table uses: datatype_mismatch');
SELECT throws_ok($$DELETE FROM leadqual.model WHERE name LIKE 'er_%'$$, '55006', NULL,
                 'deleting several models, some in use: object_in_use, none deleted');
SELECT is(pg_temp.fingerprint(), :'fp', 'the refused model changes left models, rules, events and scores alone');
SELECT lives_ok($$UPDATE leadqual.model SET scale = 6, promote_to = 'pql', threshold = -5.5 WHERE name = 'er_spare'$$,
                'scale 6, promote_to pql and a negative fractional threshold are accepted');
SELECT lives_ok($$UPDATE leadqual.model SET scale = 3 WHERE name = 'er_bare'$$,
                'scale above 0 for a model only a numeric-score table uses is accepted');

------------------------------------------------------------------------------
-- Fit rules
------------------------------------------------------------------------------

SELECT pg_temp.fingerprint() AS fp \gset

SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_nope', 'r', 'title', 'in', '{a}', 1)$$, '42704', NULL, 'fit rule of an unknown model: 42704');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', '', 'title', 'in', '{a}', 1)$$, '22023', NULL, 'fit rule without a name: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'like', '{a}', 1)$$, '22023', NULL, 'unknown operator like: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'EQUALS', '{a}', 1)$$, '22023', NULL, 'operator in capitals: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', NULL, '{a}', 1)$$, '22023', NULL, 'NULL operator: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'equals', '{a,b}', 1)$$, '22023', NULL, 'equals with two values: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'equals', NULL, 1)$$, '22023', NULL, 'equals without a value: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'equals', '{}', 1)$$, '22023', NULL, 'equals with an empty list: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'equals', '{NULL}', 1)$$, '22023', NULL, 'equals with a NULL value: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'in', NULL, 1)$$, '22023', NULL, 'in without a list: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'in', '{}', 1)$$, '22023', NULL, 'in with an empty list: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'in', '{a,NULL}', 1)$$, '22023', NULL, 'in with a NULL in the list: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'seniority', NULL, 1)$$, '22023', NULL, 'seniority without levels: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'seniority', '{}', 1)$$, '22023', NULL, 'seniority with an empty list: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'seniority', '{ceo}', 1)$$, '22023', NULL, 'seniority level ceo: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'seniority', '{vp,VP}', 1)$$, '22023', NULL, 'seniority level VP (case): 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'seniority', '{" vp"}', 1)$$, '22023', NULL, 'seniority level " vp" (spaces): 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'seniority', '{vp,NULL}', 1)$$, '22023', NULL, 'seniority with a NULL level: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, points)
                   VALUES ('er_spare', 'r', 'size', 'between', 1)$$, '22023', NULL, 'between without bounds: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, low, high, points)
                   VALUES ('er_spare', 'r', 'size', 'between', 500, 50, 1)$$, '22023', NULL, 'between with low > high: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, low, high, points)
                   VALUES ('er_spare', 'r', 'size', 'between', 'NaN', 50, 1)$$, '22023', NULL, 'between with a NaN low: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, low, high, points)
                   VALUES ('er_spare', 'r', 'size', 'between', NULL, 'NaN', 1)$$, '22023', NULL, 'between with a NaN high: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, points)
                   VALUES ('er_spare', 'r', 'email', 'matches', 1)$$, '22023', NULL, 'matches without a pattern: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, pattern, points)
                   VALUES ('er_spare', 'r', 'email', 'matches', '(', 1)$$, '2201B', NULL, 'matches with the bad regex "(": 2201B');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, pattern, points)
                   VALUES ('er_spare', 'r', 'email', 'matches', '[a-', 1)$$, '2201B', NULL, 'matches with the bad regex "[a-": 2201B');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, pattern, points)
                   VALUES ('er_spare', 'r', 'email', 'matches', 'a{2,1}', 1)$$, '2201B', NULL, 'matches with the bad regex "a{2,1}": 2201B');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'in', '{a}', NULL)$$, '22023', NULL, 'NULL points: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'in', '{a}', 'NaN')$$, '22023', NULL, 'NaN points: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'in', '{a}', 'Infinity')$$, '22023', NULL, 'Infinity points: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_spare', 'r', 'title', 'in', '{a}', '-Infinity')$$, '22023', NULL, '-Infinity points: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points, cap)
                   VALUES ('er_spare', 'r', 'title', 'in', '{a}', 10, 0)$$, '22023', NULL, 'cap 0: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points, cap)
                   VALUES ('er_spare', 'r', 'title', 'in', '{a}', 10, -5)$$, '22023', NULL, 'negative cap: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points, cap)
                   VALUES ('er_spare', 'r', 'title', 'in', '{a}', 10, 'NaN')$$, '22023', NULL, 'NaN cap: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points, cap)
                   VALUES ('er_spare', 'r', 'title', 'in', '{a}', 10, 'Infinity')$$, '22023', NULL, 'Infinity cap: 22023');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_model', 'r', 'nope', 'in', '{a}', 1)$$, '42703', NULL,
                 'a column missing in a table managed with the model: 42703');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_model', 'r', 'Title', 'in', '{a}', 1)$$, '42703', NULL,
                 'column names are not case-folded: 42703');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_model', 'r', 'title; DROP TABLE x', 'in', '{a}', 1)$$, '42703', NULL,
                 'an injection-shaped column name: 42703');
SELECT throws_ok($$UPDATE leadqual.fit_rule SET column_name = 'nope' WHERE model = 'er_model' AND name = 'vp_title'$$, '42703', NULL,
                 'UPDATE of a rule to a column the table lacks: 42703');
SELECT throws_ok($$UPDATE leadqual.fit_rule SET operator = 'like' WHERE model = 'er_model' AND name = 'vp_title'$$, '22023', NULL,
                 'UPDATE of a rule to an unknown operator: 22023');
SELECT throws_ok($$UPDATE leadqual.fit_rule SET value = '{boss}' WHERE model = 'er_model' AND name = 'vp_title'$$, '22023', NULL,
                 'UPDATE of a rule to an unknown seniority level: 22023');
SELECT throws_ok($$UPDATE leadqual.fit_rule SET low = 600 WHERE model = 'er_model' AND name = 'target_company_size'$$, '22023', NULL,
                 'UPDATE of a rule to low > high: 22023');
SELECT throws_ok($$UPDATE leadqual.fit_rule SET model = 'er_nope' WHERE model = 'er_model' AND name = 'vp_title'$$, '42704', NULL,
                 'UPDATE of a rule to an unknown model: 42704');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('er_model', 'vp_title', 'title', 'in', '{a}', 1)$$, '23505', NULL, 'a rule name taken in the model: unique_violation');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points, builtin)
                   VALUES ('er_spare', 'r', 'title', 'in', '{a}', 1, true)$$, '42501', NULL, 'inserting a builtin fit rule: 42501');
SELECT throws_ok($$UPDATE leadqual.fit_rule SET builtin = true WHERE model = 'er_model' AND name = 'vp_title'$$, '42501', NULL,
                 'marking a fit rule builtin: 42501');
SELECT throws_ok($$UPDATE leadqual.fit_rule SET points = 1 WHERE model = 'default' AND name = 'vp_title'$$, '42501', NULL,
                 'changing a builtin fit rule: 42501');
SELECT throws_ok($$DELETE FROM leadqual.fit_rule WHERE model = 'default' AND name = 'vp_title'$$, '42501', NULL,
                 'deleting a builtin fit rule: 42501');
SELECT is(pg_temp.fingerprint(), :'fp', 'the refused fit rule changes left everything alone');
-- The builtin model is not to be changed: adding rules to it changes it too.
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('default', 'er_added', 'title', 'in', '{a}', 1)$$, '42501', NULL,
                 'adding a fit rule to the builtin model: 42501');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points)
                   VALUES ('default', 'er_added', 'k', 1)$$, '42501', NULL,
                 'adding an engagement rule to the builtin model: 42501');
-- (in case they were added: not builtin, so they can go)
DELETE FROM leadqual.fit_rule WHERE model = 'default' AND name = 'er_added';
DELETE FROM leadqual.engagement_rule WHERE model = 'default' AND name = 'er_added';

------------------------------------------------------------------------------
-- Engagement rules
------------------------------------------------------------------------------

SELECT pg_temp.fingerprint() AS fp \gset

SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('er_nope', 'r', 'k', 1)$$,
                 '42704', NULL, 'engagement rule of an unknown model: 42704');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('er_spare', '', 'k', 1)$$,
                 '22023', NULL, 'engagement rule without a name: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('er_spare', 'r', '', 1)$$,
                 '22023', NULL, 'empty event_kind: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('er_spare', 'r', NULL, 1)$$,
                 '22023', NULL, 'NULL event_kind: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, match, points) VALUES ('er_spare', 'r', 'k', '[]', 1)$$,
                 '22023', NULL, 'match an array: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, match, points) VALUES ('er_spare', 'r', 'k', '"x"', 1)$$,
                 '22023', NULL, 'match a string: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, match, points) VALUES ('er_spare', 'r', 'k', 'null', 1)$$,
                 '22023', NULL, 'match a JSON null: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, match, points) VALUES ('er_spare', 'r', 'k', '1', 1)$$,
                 '22023', NULL, 'match a number: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, min_count) VALUES ('er_spare', 'r', 'k', 1, 0)$$,
                 '22023', NULL, 'min_count 0: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, min_count) VALUES ('er_spare', 'r', 'k', 1, -3)$$,
                 '22023', NULL, 'negative min_count: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, group_by) VALUES ('er_spare', 'r', 'k', 1, 'session_id')$$,
                 '22023', NULL, 'group_by without min_count: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, half_life) VALUES ('er_spare', 'r', 'k', 1, '0')$$,
                 '22023', NULL, 'half_life 0: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, half_life) VALUES ('er_spare', 'r', 'k', 1, '-1 day')$$,
                 '22023', NULL, 'negative half_life: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, half_life) VALUES ('er_spare', 'r', 'k', 1, '1 mon -30 days')$$,
                 '22023', NULL, 'half_life 1 month - 30 days, which is 0: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, within) VALUES ('er_spare', 'r', 'k', 1, '0 seconds')$$,
                 '22023', NULL, 'within 0: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, within) VALUES ('er_spare', 'r', 'k', 1, '-30 days')$$,
                 '22023', NULL, 'negative within: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, cap) VALUES ('er_spare', 'r', 'k', 1, 0)$$,
                 '22023', NULL, 'engagement cap 0: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, cap) VALUES ('er_spare', 'r', 'k', 1, -1)$$,
                 '22023', NULL, 'negative engagement cap: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, cap) VALUES ('er_spare', 'r', 'k', 1, 'NaN')$$,
                 '22023', NULL, 'NaN engagement cap: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('er_spare', 'r', 'k', NULL)$$,
                 '22023', NULL, 'NULL engagement points: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('er_spare', 'r', 'k', 'NaN')$$,
                 '22023', NULL, 'NaN engagement points: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('er_spare', 'r', 'k', '-Infinity')$$,
                 '22023', NULL, '-Infinity engagement points: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, builtin) VALUES ('er_spare', 'r', 'k', 1, true)$$,
                 '42501', NULL, 'inserting a builtin engagement rule: 42501');
SELECT throws_ok($$UPDATE leadqual.engagement_rule SET points = 1 WHERE model = 'default' AND name = 'pricing_page'$$,
                 '42501', NULL, 'changing a builtin engagement rule: 42501');
SELECT throws_ok($$DELETE FROM leadqual.engagement_rule WHERE model = 'default'$$,
                 '42501', NULL, 'deleting the builtin engagement rules: 42501');
SELECT throws_ok($$UPDATE leadqual.engagement_rule SET builtin = true WHERE model = 'er_model' AND name = 'pricing_page'$$,
                 '42501', NULL, 'marking an engagement rule builtin: 42501');
SELECT throws_ok($$UPDATE leadqual.engagement_rule SET half_life = '-1 day' WHERE model = 'er_model' AND name = 'pricing_page'$$,
                 '22023', NULL, 'UPDATE to a negative half_life: 22023');
SELECT throws_ok($$UPDATE leadqual.engagement_rule SET min_count = NULL WHERE model = 'er_model' AND name = 'pages_in_session'$$,
                 '22023', NULL, 'UPDATE that leaves group_by without min_count: 22023');
SELECT throws_ok($$UPDATE leadqual.engagement_rule SET match = '[1]' WHERE model = 'er_model' AND name = 'pricing_page'$$,
                 '22023', NULL, 'UPDATE of match to an array: 22023');
SELECT throws_ok($$INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('er_model', 'pricing_page', 'k', 1)$$,
                 '23505', NULL, 'an engagement rule name taken in the model: unique_violation');
SELECT is(pg_temp.fingerprint(), :'fp', 'the refused engagement rule changes left everything alone');

------------------------------------------------------------------------------
-- manage() with a model; copy_model()
------------------------------------------------------------------------------

SELECT pg_temp.fingerprint() AS fp \gset
INSERT INTO leadqual.model (name, scale) VALUES ('er_scaled', 2);
SELECT pg_temp.fingerprint() AS fp \gset

SELECT throws_ok($$SELECT leadqual.manage('er_unmanaged', model => 'er_bare', threshold => 50)$$, '22023', NULL,
                 'manage() with a model and a threshold: 22023');
SELECT throws_ok($$SELECT leadqual.manage('er_unmanaged', model => 'er_bare', promote_to => 'pql')$$, '22023', NULL,
                 'manage() with a model and promote_to: 22023');
SELECT throws_ok($$SELECT leadqual.manage('er_unmanaged', model => 'er_nope')$$, '42704', NULL, 'manage() with an unknown model: 42704');
SELECT throws_ok($$SELECT leadqual.manage('er_unmanaged', model => 'DEFAULT')$$, '42704', NULL, 'model names are not case-folded: 42704');
SELECT throws_ok($$SELECT leadqual.manage('er_unmanaged', model => 'default'' OR ''1''=''1')$$, '42704', NULL,
                 'manage() with an injection-shaped model name: 42704');
SELECT throws_ok($$SELECT leadqual.manage('er_no_title', model => 'default')$$, '42703', NULL,
                 'manage() with a model whose fit rules read columns the table lacks: 42703');
SELECT throws_ok($$SELECT leadqual.manage('er_unmanaged', model => 'er_scaled')$$, '42804', NULL,
                 'manage() of an integer score column with a model of scale 2: 42804');
SELECT throws_ok($$SELECT leadqual.manage('er_plain', model => 'er_nope')$$, '42704', NULL,
                 'manage() of a managed table with an unknown model: 42704');
SELECT throws_ok($$SELECT leadqual.manage('er_leads', model => 'er_scaled')$$, '42804', NULL,
                 'switching an integer-score table to a model of scale 2: 42804');
SELECT throws_ok($$SELECT leadqual.copy_model('er_nope', 'er_new')$$, '42704', NULL, 'copy_model() of an unknown model: 42704');
SELECT throws_ok($$SELECT leadqual.copy_model('default', 'er_model')$$, '42710', NULL, 'copy_model() onto an existing model: 42710');
SELECT throws_ok($$SELECT leadqual.copy_model('er_model', 'default')$$, '42710', NULL, 'copy_model() onto the builtin model: 42710');
SELECT throws_ok($$SELECT leadqual.copy_model('default', 'Er New')$$, '22023', NULL, 'copy_model() to a bad name: 22023');
SELECT throws_ok($$SELECT leadqual.copy_model('default', 'er; DROP TABLE x')$$, '22023', NULL,
                 'copy_model() to an injection-shaped name: 22023');
SELECT is(leadqual.copy_model(NULL, 'er_new')::text, NULL, 'copy_model(NULL, ...) is NULL (STRICT) and copies nothing');
SELECT is(pg_temp.fingerprint(), :'fp', 'the refused manage() and copy_model() calls left everything alone');
SELECT is((SELECT model FROM leadqual.managed WHERE leads = 'er_leads'::regclass), 'er_model',
          'er_leads is still managed with er_model');
SELECT is((SELECT count(*) FROM leadqual.managed WHERE leads IN ('er_unmanaged'::regclass, 'er_no_title'::regclass)), 0::bigint,
          'the tables the refused manage() calls named are still unmanaged');

------------------------------------------------------------------------------
-- track()
------------------------------------------------------------------------------

SELECT pg_temp.fingerprint() AS fp \gset
SELECT pg_temp.er_events() AS events \gset

SELECT throws_ok($$SELECT leadqual.track(NULL, '1', 'demo_request')$$, '22004', NULL, 'track() NULL leads: 22004');
SELECT throws_ok($$SELECT leadqual.track('er_leads', NULL, 'demo_request')$$, '22004', NULL, 'track() NULL lead_id: 22004');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '1', NULL)$$, '22004', NULL, 'track() NULL kind: 22004');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '1', 'demo_request', NULL)$$, '22004', NULL, 'track() NULL occurred_at: 22004');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '1', 'demo_request', now(), NULL)$$, '22004', NULL, 'track() NULL properties: 22004');
SELECT throws_ok($$SELECT leadqual.track('er_nope', '1', 'demo_request')$$, '42P01', NULL, 'track() of an unknown table: 42P01');
SELECT throws_ok($$SELECT leadqual.track('er_leads; DROP TABLE x', '1', 'demo_request')$$, '42602', NULL,
                 'track() of an injection-shaped table name: refused by the regclass input');
SELECT throws_ok($$SELECT leadqual.track('"er_leads; DROP TABLE x"', '1', 'demo_request')$$, '42P01', NULL,
                 'track() of a quoted injection-shaped table name: 42P01');
SELECT throws_ok($$SELECT leadqual.track('er_unmanaged', '1', 'demo_request')$$, '55000', NULL, 'track() of an unmanaged table: 55000');
SELECT throws_ok($$SELECT leadqual.track('er_plain', '1', 'demo_request')$$, '55000', NULL,
                 'track() of a table managed with a threshold: 55000');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '999', 'demo_request')$$, 'P0002', NULL, 'track() of an unknown lead: P0002');
SELECT throws_like($$SELECT leadqual.track('er_leads', '999', 'demo_request')$$, '%lead "999" of table %er_leads does not exist%',
                   'track() of an unknown lead: the error names the lead and the table');
SELECT throws_ok($$SELECT leadqual.track('er_text', 'b', 'demo_request')$$, 'P0002', NULL, 'track() of an unknown text id: P0002');
SELECT throws_ok($$SELECT leadqual.track('er_text', '', 'demo_request')$$, 'P0002', NULL, 'track() of the empty id: P0002');
SELECT throws_ok($$SELECT leadqual.track('er_text', 'A', 'demo_request')$$, 'P0002', NULL, 'track(): ids are not case-folded: P0002');
SELECT throws_ok($$SELECT leadqual.track('er_text', ' a', 'demo_request')$$, 'P0002', NULL, 'track(): ids are not trimmed: P0002');
SELECT throws_ok($$SELECT leadqual.track('er_text', 'leads; DROP TABLE x', 'demo_request')$$, 'P0002', NULL,
                 'track() of an injection-shaped text id: not found, P0002');
SELECT throws_ok($$SELECT leadqual.track('er_text', $i$a' OR '1'='1$i$, 'demo_request')$$, 'P0002', NULL,
                 'track() of a quote-injection text id: not found, P0002');
SELECT throws_ok($$SELECT leadqual.track('er_text', 'a"; DROP TABLE x; --', 'demo_request')$$, 'P0002', NULL,
                 'track() of an identifier-injection text id: not found, P0002');
SELECT throws_ok($$SELECT leadqual.track('er_leads', 'leads; DROP TABLE x', 'demo_request')$$, 'P0002', NULL,
                 'track() of an injection-shaped id on an integer-id table: not found, P0002');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '1 OR 1=1', 'demo_request')$$, 'P0002', NULL,
                 'track() of "1 OR 1=1" on an integer-id table: not found, P0002');
-- integer ids the column's type can't hold: not found either, the id named
SELECT throws_like($$SELECT leadqual.track('er_leads', '2147483648', 'demo_request')$$,
                   '%lead "2147483648" of table %er_leads does not exist%',
                   'track() of an id past integer''s range: not found, naming the id');
SELECT throws_like($$SELECT leadqual.track('er_leads', '-2147483649', 'demo_request')$$,
                   '%lead "-2147483649" of table %er_leads does not exist%',
                   'track() of an id below integer''s range: not found, naming the id');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '--1', 'demo_request')$$, 'P0002', NULL,
                 'track() of "--1" on an integer-id table: not found, P0002');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '-2147483648', 'demo_request')$$, 'P0002', NULL,
                 'track() of integer''s least value, no such lead: P0002');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '1', '')$$, '22023', NULL, 'track() empty kind: 22023');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '1', 'demo_request', 'infinity')$$, '22023', NULL, 'track() occurred_at infinity: 22023');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '1', 'demo_request', '-infinity')$$, '22023', NULL, 'track() occurred_at -infinity: 22023');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '1', 'demo_request', now(), '[]')$$, '22023', NULL, 'track() properties an array: 22023');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '1', 'demo_request', now(), '"x"')$$, '22023', NULL, 'track() properties a string: 22023');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '1', 'demo_request', now(), 'null')$$, '22023', NULL, 'track() properties a JSON null: 22023');
SELECT throws_ok($$SELECT leadqual.track('er_leads', '1', 'demo_request', now(), '42')$$, '22023', NULL, 'track() properties a number: 22023');
SELECT throws_ok($$SELECT leadqual.track('er_text', repeat('a', 1001), 'demo_request')$$, '23514', NULL,
                 'track() of a lead id over 1000 bytes: check_violation');
SELECT is(pg_temp.er_events(), :events::bigint, 'the failed track() calls recorded no event');
SELECT is(pg_temp.fingerprint(), :'fp', 'the failed track() calls changed no score, lead or log');
SELECT ok(pg_temp.canary_alive(), 'track(): nothing injected ran (x is alive)');

------------------------------------------------------------------------------
-- Inserting events directly
------------------------------------------------------------------------------

SELECT throws_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('er_leads', '1', '')$$, '23514', NULL,
                 'event with an empty kind: check_violation');
SELECT throws_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at) VALUES ('er_leads', '1', 'k', 'infinity')$$,
                 '23514', NULL, 'event at infinity: check_violation');
SELECT throws_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind, properties) VALUES ('er_leads', '1', 'k', '[]')$$,
                 '23514', NULL, 'event properties an array: check_violation');
SELECT throws_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('er_leads', '1', 'k'), ('er_leads', '999', 'k')$$,
                 'P0002', NULL, 'bulk events, one of an unknown lead: P0002');
SELECT throws_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('er_text', 'a', 'k'), ('er_text', 'leads; DROP TABLE x', 'k')$$,
                 'P0002', NULL, 'bulk events, one of an injection-shaped text id: P0002');
SELECT throws_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('er_leads', 'leads; DROP TABLE x', 'k')$$,
                 'P0002', NULL, 'event of an injection-shaped id on an integer-id table: not found, P0002');
SELECT is(pg_temp.er_events(), :events::bigint, 'the failed inserts recorded no event');
SELECT is(pg_temp.fingerprint(), :'fp', 'the failed inserts changed nothing');

-- Events of a table not managed with a model are only stored (so that
-- pg_restore can load them before the leads tables' triggers exist);
-- manage() scores them when it attaches a model.
SELECT lives_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('er_unmanaged', '1', 'demo_request')$$,
                'event of an unmanaged table: stored');
SELECT lives_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('er_plain', '1', 'demo_request')$$,
                'event of a table managed with a threshold: stored');
SELECT is(pg_temp.er_events(), :events + 2::bigint, 'both events were stored');
SELECT is((SELECT array_agg(score ORDER BY id) FROM er_plain), '{10}'::integer[], 'the threshold-mode lead''s score is untouched');
SELECT is((SELECT count(*) FROM leadqual.lead_score WHERE lead_table IN ('er_unmanaged'::regclass, 'er_plain'::regclass)),
          0::bigint, 'no subtotals were stored for them');
INSERT INTO leadqual.model (name) VALUES ('er_demo');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('er_demo', 'demo', 'demo_request', 50);
SELECT FROM leadqual.manage('er_unmanaged', model => 'er_demo');
SELECT is((SELECT score FROM er_unmanaged WHERE id = 1), 50,
          'manage(model => ...) scores the events stored before: the demo request gives 50');
SELECT FROM leadqual.unmanage('er_unmanaged');

------------------------------------------------------------------------------
-- rescore()
------------------------------------------------------------------------------

SELECT pg_temp.fingerprint() AS fp \gset

SELECT throws_ok($$SELECT leadqual.rescore(NULL)$$, '22004', NULL, 'rescore(NULL): 22004');
SELECT throws_ok($$SELECT leadqual.rescore('er_leads', NULL)$$, '22004', NULL, 'rescore() NULL as_of: 22004');
SELECT throws_ok($$SELECT leadqual.rescore('er_leads', 'infinity')$$, '22023', NULL, 'rescore() as_of infinity: 22023');
SELECT throws_ok($$SELECT leadqual.rescore('er_leads', '-infinity')$$, '22023', NULL, 'rescore() as_of -infinity: 22023');
SELECT throws_ok($$SELECT leadqual.rescore('er_nope')$$, '42P01', NULL, 'rescore() of an unknown table: 42P01');
SELECT throws_ok($$SELECT leadqual.rescore('er_leads; DROP TABLE x')$$, '42602', NULL, 'rescore() of an injection-shaped table name: 42602');
SELECT throws_ok($$SELECT leadqual.rescore('er_unmanaged')$$, '55000', NULL, 'rescore() of an unmanaged table: 55000');
SELECT throws_ok($$SELECT leadqual.rescore('er_plain')$$, '55000', NULL, 'rescore() of a table managed with a threshold: 55000');
SELECT throws_ok($$SELECT leadqual.rescore('x')$$, '55000', NULL, 'rescore() of the canary table: 55000');
SELECT is(pg_temp.fingerprint(), :'fp', 'the failed rescore() calls changed nothing');

------------------------------------------------------------------------------
-- explain()
------------------------------------------------------------------------------

SELECT pg_temp.fingerprint() AS fp \gset

SELECT throws_ok($$SELECT * FROM leadqual.explain(NULL, '1')$$, '22004', NULL, 'explain() NULL leads: 22004');
SELECT throws_ok($$SELECT * FROM leadqual.explain('er_leads', NULL)$$, '22004', NULL, 'explain() NULL lead_id: 22004');
SELECT throws_ok($$SELECT * FROM leadqual.explain('er_leads', '1', 'infinity')$$, '22023', NULL, 'explain() as_of infinity: 22023');
SELECT throws_ok($$SELECT * FROM leadqual.explain('er_leads', '1', '-infinity')$$, '22023', NULL, 'explain() as_of -infinity: 22023');
SELECT throws_ok($$SELECT * FROM leadqual.explain('er_nope', '1')$$, '42P01', NULL, 'explain() of an unknown table: 42P01');
SELECT throws_ok($$SELECT * FROM leadqual.explain('er_unmanaged', '1')$$, '55000', NULL, 'explain() of an unmanaged table: 55000');
SELECT throws_ok($$SELECT * FROM leadqual.explain('er_plain', '1')$$, '55000', NULL, 'explain() of a table managed with a threshold: 55000');
SELECT throws_ok($$SELECT * FROM leadqual.explain('er_leads', '999')$$, 'P0002', NULL, 'explain() of an unknown lead: P0002');
SELECT throws_ok($$SELECT * FROM leadqual.explain('er_text', 'b')$$, 'P0002', NULL, 'explain() of an unknown text id: P0002');
SELECT throws_ok($$SELECT * FROM leadqual.explain('er_text', 'leads; DROP TABLE x')$$, 'P0002', NULL,
                 'explain() of an injection-shaped text id: not found, P0002');
SELECT throws_ok($$SELECT * FROM leadqual.explain('er_leads', 'leads; DROP TABLE x')$$, 'P0002', NULL,
                 'explain() of an injection-shaped id on an integer-id table: not found, P0002');
SELECT lives_ok($$SELECT * FROM leadqual.explain('er_text', 'leads')$$, 'explain() of the lead whose id is "leads" works');
SELECT is(pg_temp.fingerprint(), :'fp', 'the failed explain() calls changed nothing');
SELECT ok(pg_temp.canary_alive(), 'nothing injected ran anywhere (x is alive)');

------------------------------------------------------------------------------
-- Scores that don't fit the score column: the statement fails as a whole,
-- naming the lead (scoring never skips one)
------------------------------------------------------------------------------

CREATE TABLE er_small (id int PRIMARY KEY, title text, company_size int, industry text,
                       score smallint NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.copy_model('default', 'er_big');
UPDATE leadqual.model SET threshold = 100000 WHERE name = 'er_big';
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('er_big', 'big', 'big_deal', 20000);
SELECT leadqual.manage('er_small', model => 'er_big');
INSERT INTO er_small (id) VALUES (1), (2), (3);
SELECT leadqual.track('er_small', '2', 'big_deal');
SELECT leadqual.track('er_small', '3', 'webinar_attended');
SELECT pg_temp.fingerprint() AS fp \gset

SELECT throws_ok($$SELECT leadqual.track('er_small', '2', 'big_deal')$$, '22003',
                 'leadqual: the score 40000 of lead "2" of table public.er_small does not fit its column "score" (smallint)',
                 'track() taking a score past smallint: 22003, naming the lead, the score and the column');
SELECT is(pg_temp.fingerprint(), :'fp', 'and changed nothing: no event, no score');
SELECT throws_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind)
                   VALUES ('er_small', '1', 'webinar_attended'), ('er_small', '2', 'big_deal')$$, '22003',
                 'leadqual: the score 40000 of lead "2" of table public.er_small does not fit its column "score" (smallint)',
                 'events inserted in bulk: 22003 naming the lead, and lead 1''s event is not kept either');
SELECT is(pg_temp.fingerprint(), :'fp', 'the failed bulk insert changed nothing');

-- manage() of a table whose stored events already give too much
CREATE TABLE er_small_later (LIKE er_small INCLUDING ALL);
INSERT INTO er_small_later (id) VALUES (1), (2);
INSERT INTO leadqual.event (lead_table, lead_id, kind)
VALUES ('er_small_later', '2', 'big_deal'), ('er_small_later', '2', 'big_deal');
SELECT throws_ok($$SELECT leadqual.manage('er_small_later', model => 'er_big')$$, '22003',
                 'leadqual: the score 40000 of lead "2" of table public.er_small_later does not fit its column "score" (smallint)',
                 'manage() with a model that takes a lead past smallint: 22003, naming it');
SELECT is((SELECT count(*) FROM leadqual.managed WHERE leads = 'er_small_later'::regclass), 0::bigint,
          'and leaves the table unmanaged');

-- a rule changed afterwards: rescore() fails as a whole, naming the lead
UPDATE leadqual.engagement_rule SET points = 40000 WHERE model = 'er_big' AND name = 'big';
SELECT pg_temp.fingerprint() AS fp \gset
SELECT throws_ok($$SELECT leadqual.rescore('er_small')$$, '22003',
                 'leadqual: the score 40000 of lead "2" of table public.er_small does not fit its column "score" (smallint)',
                 'rescore() with a lead past smallint: 22003, naming it');
SELECT is(pg_temp.fingerprint(), :'fp', 'and rescored no other lead either');
CREATE FUNCTION pg_temp.hint_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    hint text;
BEGIN
    EXECUTE statement;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
    RETURN hint;
END $$;
SELECT is(pg_temp.hint_of($$SELECT leadqual.rescore('er_small')$$),
          'Cap the model''s scores (UPDATE leadqual.model SET max_score = ... WHERE name = ''er_big'') or widen the column (ALTER TABLE public.er_small ALTER COLUMN score TYPE ...).',
          'its hint says how to fix it');
SELECT is((SELECT string_agg(id || ':' || score, ' ' ORDER BY id) FROM er_small), '1:0 2:20000 3:10',
          'the scores are as before');

-- a fit change that takes a lead past the column: the trigger names it too
UPDATE leadqual.engagement_rule SET points = 32760 WHERE model = 'er_big' AND name = 'big';
SELECT is(leadqual.rescore('er_small'), 1::bigint, 'with points that fit, rescore() works again');
SELECT pg_temp.fingerprint() AS fp \gset
SELECT throws_ok($$UPDATE er_small SET title = 'CEO' WHERE id = 2$$, '22003',
                 'leadqual: the score 32780 of lead "2" of table public.er_small does not fit its column "score" (smallint)',
                 'a new title whose fit points take the score past smallint: 22003, naming the lead');
SELECT is(pg_temp.fingerprint(), :'fp', 'and changed nothing');

-- a model cap is the fix the hint gives
UPDATE leadqual.model SET max_score = 32767 WHERE name = 'er_big';
UPDATE er_small SET title = 'CEO' WHERE id = 2;
SELECT is((SELECT score FROM er_small WHERE id = 2), 32767::smallint, 'with max_score 32767 the CEO scores the cap');

-- a real column holds up to about 3.4e38
CREATE TABLE er_float (id int PRIMARY KEY, score real NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.copy_model('default', 'er_huge');
DELETE FROM leadqual.fit_rule WHERE model = 'er_huge';
UPDATE leadqual.model SET threshold = 1e39 WHERE name = 'er_huge';
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('er_huge', 'huge', 'huge_deal', 2e38);
SELECT leadqual.manage('er_float', model => 'er_huge');
INSERT INTO er_float (id) VALUES (1);
SELECT leadqual.track('er_float', '1', 'huge_deal');
SELECT throws_ok($$SELECT leadqual.track('er_float', '1', 'huge_deal')$$, '22003',
                 'leadqual: the score 400000000000000000000000000000000000000 of lead "1" of table public.er_float does not fit its column "score" (real)',
                 'a real column past its largest value: 22003, naming the lead');

-- an integer id written as the cast reads it, blanks and sign: the lead
SELECT lives_ok($$SELECT leadqual.track('er_leads', ' +1 ', 'demo_request')$$,
                'track() of " +1 " on an integer-id table finds lead 1, as the cast reads it');

-- rescore()'s part on a Citus worker, callable by anyone: without Citus no
-- relation is its shard, so it refuses every table and changes nothing
SELECT throws_ok($$SELECT leadqual._rescore_shard('er_leads'::regclass, now(), false)$$, '22023',
                 'leadqual._rescore_shard: relation ' || 'er_leads'::regclass::oid || ' is no shard of a table Citus distributes and a model scores',
                 '_rescore_shard() of a managed table on one node: 22023, it is no shard');
SELECT throws_ok($$SELECT leadqual._rescore_shard('pg_class'::regclass, now(), true)$$, '22023', NULL,
                 '_rescore_shard() of a catalog: 22023');

SELECT * FROM finish();
ROLLBACK;
