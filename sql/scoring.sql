-- Scoring models: exact scores, explanations and messages.
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';
CREATE SCHEMA sc;
CREATE TABLE sc.leads (id int PRIMARY KEY, email text, title text, company_size int, industry text,
                       score integer NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE sc.bare (id int PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                      lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');

-- the published model
SELECT name, threshold, promote_to, min_fit, min_engagement, max_score, scale FROM leadqual.model;
SELECT name, column_name, operator, value, low, high, points FROM leadqual.fit_rule
WHERE model = 'default' ORDER BY points DESC, name;
SELECT name, event_kind, points, min_count, group_by, within, cap FROM leadqual.engagement_rule
WHERE model = 'default' ORDER BY points DESC, name;

SELECT leadqual.manage('sc.bare', model => 'default');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('sc.leads', model => 'default');
SELECT leads, threshold, promote_to, model FROM leadqual.managed;

-- a demo request alone qualifies; a VP at a 120-person software company who
-- saw pricing twice qualifies; an engineer with one whitepaper does not
INSERT INTO sc.leads (id, email, title, company_size, industry) VALUES
    (1, 'dee@example.com', 'Student', 5, 'education'),
    (2, 'vic@example.com', 'VP, Sales', 120, 'Software'),
    (3, 'ian@example.com', 'Software Engineer', 10, 'retail');
SELECT leadqual.track('sc.leads', '1', 'demo_request', '2026-01-05 09:00+00') > 0 AS tracked;
SELECT leadqual.track('sc.leads', '2', 'pricing_page_view', '2026-01-05 09:00+00') > 0 AS tracked;
SELECT leadqual.track('sc.leads', '2', 'pricing_page_view', '2026-01-06 09:00+00') > 0 AS tracked;
SELECT leadqual.track('sc.leads', '3', 'whitepaper_download', '2026-01-05 09:00+00') > 0 AS tracked;
SELECT id, title, score, lifecycle_stage FROM sc.leads ORDER BY id;
SELECT lead_id, fit, engagement, score FROM leadqual.lead_score
WHERE lead_table = 'sc.leads'::regclass ORDER BY lead_id;
SELECT lead_id, from_stage, to_stage, score, via FROM leadqual.transition
WHERE lead_table = 'sc.leads'::regclass ORDER BY id;
SELECT lead_id, previous_score, score, fit, engagement FROM leadqual.score_change
WHERE lead_table = 'sc.leads'::regclass ORDER BY id;

SELECT rule, category, points, evidence - 'events' AS evidence
FROM leadqual.explain('sc.leads', '2');

-- hand-written scores are refused; the model's own value is not
UPDATE sc.leads SET score = 99 WHERE id = 3;
\echo :LAST_ERROR_SQLSTATE
UPDATE sc.leads SET score = 5 WHERE id = 3;
-- a new title is scored in the same statement
UPDATE sc.leads SET title = 'Director of Engineering' WHERE id = 3;
SELECT id, score, lifecycle_stage FROM sc.leads WHERE id = 3;

-- decay, a cap and a gate in a model of one's own
SELECT leadqual.copy_model('default', 'decaying');
SELECT leadqual.manage('sc.leads', model => 'decaying');
-- two decimal places don't fit an integer score column
UPDATE leadqual.model SET scale = 2, max_score = 100, min_fit = 10 WHERE name = 'decaying';
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE sc.leads ALTER COLUMN score TYPE numeric;
UPDATE leadqual.model SET scale = 2, max_score = 100, min_fit = 10 WHERE name = 'decaying';
UPDATE leadqual.engagement_rule SET half_life = '7 days' WHERE model = 'decaying';
SELECT leadqual.rescore('sc.leads', '2026-01-19 09:00+00');
SELECT id, score, lifecycle_stage FROM sc.leads ORDER BY id;
SELECT rule, category, points, evidence -> 'events' -> 0 -> 'weight' AS first_weight
FROM leadqual.explain('sc.leads', '1');
-- the student's demo request meets the threshold but not min_fit
INSERT INTO sc.leads (id, title, company_size, industry) VALUES (4, 'Student', 5, 'education');
SELECT leadqual.track('sc.leads', '4', 'demo_request') > 0 AS tracked;
SELECT id, score, lifecycle_stage FROM sc.leads WHERE id = 4;
-- as of January its demo request has not happened yet; a second run changes nothing
SELECT leadqual.rescore('sc.leads', '2026-01-19 09:00+00') AS changed;
SELECT leadqual.rescore('sc.leads', '2026-01-19 09:00+00') AS changed_again;
SELECT id, score, lifecycle_stage FROM sc.leads WHERE id = 4;

-- messages
SELECT leadqual.track('sc.leads', '99', 'demo_request');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.track('sc.leads', 'x', 'demo_request');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.track('sc.bare', '1', 'demo_request');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.track('sc.leads', '1', '');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.rescore('sc.leads', 'infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leadqual.explain('sc.leads', '99');
\echo :LAST_ERROR_SQLSTATE
UPDATE leadqual.model SET threshold = 60 WHERE name = 'default';
\echo :LAST_ERROR_SQLSTATE
INSERT INTO leadqual.fit_rule (model, name, column_name, operator, points) VALUES ('default', 'x', 'title', 'in', 1);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points) VALUES ('decaying', 'x', 'title', 'like', '{a}', 1);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points) VALUES ('decaying', 'x', 'region', 'in', '{eu}', 1);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, half_life) VALUES ('decaying', 'x', 'k', 1, '-2 days');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, within) VALUES ('decaying', 'x', 'k', 1, '0');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('nope', 'x', 'k', 1);
\echo :LAST_ERROR_SQLSTATE
DELETE FROM leadqual.model WHERE name = 'decaying';
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.seniority(t) FROM unnest(ARRAY['Co-Founder & CTO', 'Vice President of Marketing', 'Assistant to the CEO', NULL]) AS t;
SELECT leadqual.decay('14 days', '7 days'), leadqual.decay('1 day', NULL);
SELECT leadqual.decay('1 day', '-1 day');
\echo :LAST_ERROR_SQLSTATE

DROP SCHEMA sc CASCADE;
DELETE FROM leadqual.model WHERE name = 'decaying';
