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
SELECT leadqual.manage('sc.leads', model => 'default');

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
SELECT rule, category, points, evidence - 'events' AS evidence
FROM leadqual.explain('sc.leads', '2');

-- hand-written scores are refused; the model's own value is not
UPDATE sc.leads SET score = 99 WHERE id = 3;
UPDATE sc.leads SET score = 5 WHERE id = 3;

SELECT leadqual.copy_model('default', 'decaying');
SELECT leadqual.manage('sc.leads', model => 'decaying');
-- two decimal places don't fit an integer score column
UPDATE leadqual.model SET scale = 2, max_score = 100, min_fit = 10 WHERE name = 'decaying';

-- messages
SELECT leadqual.track('sc.leads', '99', 'demo_request');
SELECT leadqual.track('sc.leads', 'x', 'demo_request');
SELECT leadqual.track('sc.bare', '1', 'demo_request');
SELECT leadqual.track('sc.leads', '1', '');
SELECT leadqual.rescore('sc.leads', 'infinity');
SELECT * FROM leadqual.explain('sc.leads', '99');
UPDATE leadqual.model SET threshold = 60 WHERE name = 'default';
INSERT INTO leadqual.fit_rule (model, name, column_name, operator, points) VALUES ('default', 'x', 'title', 'in', 1);
INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points) VALUES ('decaying', 'x', 'title', 'like', '{a}', 1);
INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points) VALUES ('decaying', 'x', 'region', 'in', '{eu}', 1);
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, half_life) VALUES ('decaying', 'x', 'k', 1, '-2 days');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, within) VALUES ('decaying', 'x', 'k', 1, '0');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('nope', 'x', 'k', 1);
DELETE FROM leadqual.model WHERE name = 'decaying';
SELECT leadqual.decay('1 day', '-1 day');

DROP SCHEMA sc CASCADE;
DELETE FROM leadqual.model WHERE name = 'decaying';
