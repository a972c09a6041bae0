-- The scoring engine (0.2.0): every fit and engagement rule kind, decay at
-- exact timestamps, windows, gates, the model's cap, the published default
-- model, track(), fit columns recomputed on write, the score guarded against
-- hand edits, explain() adding up, rescore(), bulk-loaded events, rule
-- changes, manage() with a model, a model changed under its table,
-- copy_model() and builtin protections, and who may score a table.
\ir helpers/setup.psql

SELECT plan(207);

-- Day arithmetic on timestamptz depends on the time zone; fix it.
SET LOCAL TimeZone = 'UTC';

-- A fixed point in time for the tests that give exact timestamps.
CREATE FUNCTION pg_temp.at(since_t0 interval DEFAULT '0') RETURNS timestamptz
LANGUAGE sql STABLE AS $$ SELECT timestamptz '2024-03-01 12:00:00+00' + since_t0 $$;

-- The score column of a lead, as numeric.
CREATE FUNCTION pg_temp.sc_score(leads regclass, lead_id text) RETURNS numeric
LANGUAGE plpgsql STABLE AS $$
DECLARE
    result numeric;
BEGIN
    EXECUTE format('SELECT score::numeric FROM %s WHERE id::text = $1', leads) INTO STRICT result USING lead_id;
    RETURN result;
END
$$;

-- The stage of a lead, as text.
CREATE FUNCTION pg_temp.sc_stage(leads regclass, lead_id text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    result text;
BEGIN
    EXECUTE format('SELECT lifecycle_stage::text FROM %s WHERE id::text = $1', leads) INTO STRICT result USING lead_id;
    RETURN result;
END
$$;

-- The sum of explain()'s points.
CREATE FUNCTION pg_temp.sc_explained(leads regclass, lead_id text, as_of timestamptz DEFAULT NULL) RETURNS numeric
LANGUAGE sql STABLE AS $$ SELECT sum(e.points) FROM leadqual.explain(leads, lead_id, as_of) AS e $$;

-- explain()'s rows of one category as 'rule=points,...' sorted by rule;
-- '' when there are none.
CREATE FUNCTION pg_temp.sc_rules(leads regclass, lead_id text, category text, as_of timestamptz DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(format('%s=%s', e.rule, e.points), ',' ORDER BY e.rule), '')
    FROM leadqual.explain(leads, lead_id, as_of) AS e
    WHERE e.category = sc_rules.category
$$;

-- A lead's score changes in order, as 'previous>score fit=F engagement=E'.
CREATE FUNCTION pg_temp.sc_changes(leads regclass, lead_id text) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(format('%s>%s fit=%s engagement=%s', coalesce(c.previous_score::text, 'NULL'),
                                     coalesce(c.score::text, 'NULL'), c.fit, c.engagement) ORDER BY c.id),
                    '{}')
    FROM leadqual.score_change AS c
    WHERE c.lead_table = leads AND c.lead_id = sc_changes.lead_id
$$;

CREATE FUNCTION pg_temp.sc_change_count(leads regclass) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT count(*) FROM leadqual.score_change AS c WHERE c.lead_table = leads $$;

------------------------------------------------------------------------------
-- Fit rules: equals, in, between, matches, seniority, negative points, caps
------------------------------------------------------------------------------

INSERT INTO leadqual.model (name, threshold) VALUES ('sc_fit', 1000);
INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, low, high, pattern, points, cap) VALUES
    ('sc_fit', 'industry_equals', 'industry',  'equals',    '{SaaS}',         NULL, NULL, NULL, 1, NULL),
    ('sc_fit', 'country_in',      'country',   'in',        '{us," CA "}',    NULL, NULL, NULL, 2, NULL),
    ('sc_fit', 'size_between',    'size_text', 'between',   NULL,             50,   500,  NULL, 4, NULL),
    ('sc_fit', 'revenue_min',     'revenue',   'between',   NULL,             1000, NULL, NULL, 8, NULL),
    ('sc_fit', 'employees_max',   'employees', 'between',   NULL,             NULL, 10,   NULL, 16, NULL),
    ('sc_fit', 'exec_title',      'title',     'seniority', '{c_level,vp}',   NULL, NULL, NULL, 32, NULL),
    ('sc_fit', 'unknown_title',   'title',     'seniority', '{unknown}',      NULL, NULL, NULL, 64, NULL),
    ('sc_fit', 'student',         'email',     'matches',   NULL,             NULL, NULL, '\.edu$', -20, NULL),
    ('sc_fit', 'partner',         'country',   'equals',    '{GB}',           NULL, NULL, NULL, 100, 30),
    ('sc_fit', 'competitor',      'industry',  'equals',    '{competitor}',   NULL, NULL, NULL, -100, 25);

CREATE TABLE sc_fit_leads (
    id integer PRIMARY KEY,
    email text,
    title text DEFAULT 'Engineer',
    industry text,
    country text,
    size_text text,
    revenue numeric,
    employees integer,
    score integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT FROM leadqual.manage('sc_fit_leads', model => 'sc_fit');

INSERT INTO sc_fit_leads (id, industry) VALUES (1, 'SaaS'), (2, '  saas  '), (3, 'SaaS Platform'), (4, NULL);
SELECT is(pg_temp.sc_rules('sc_fit_leads', '1', 'fit'), 'industry_equals=1', 'equals: the exact value matches');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '2', 'fit'), 'industry_equals=1', 'equals: compared trimmed and ignoring case');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '3', 'fit'), '', 'equals: a longer value does not match');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '4', 'fit'), '', 'equals: NULL never matches');

INSERT INTO sc_fit_leads (id, country) VALUES (10, 'US'), (11, 'ca'), (12, E'\tCa\n'), (13, 'USA'), (14, 'u s');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '10', 'fit'), 'country_in=2', 'in: US matches us (case-insensitive)');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '11', 'fit'), 'country_in=2', 'in: ca matches the rule''s " CA " (both sides trimmed)');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '12', 'fit'), 'country_in=2', 'in: tabs and newlines around the value are trimmed');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '13', 'fit'), '', 'in: USA is not in the list');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '14', 'fit'), '', 'in: inner spaces are kept');

INSERT INTO sc_fit_leads (id, size_text) VALUES
    (20, '50'), (21, '500'), (22, '49.99'), (23, '500.01'), (24, '120'), (25, 'many'), (26, ''),
    (27, '12abc'), (28, 'NaN'), (29, '1e2'), (30, '0x64'), (31, '500.0000000000000001');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '20', 'fit'), 'size_between=4', 'between: the low bound is included');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '21', 'fit'), 'size_between=4', 'between: the high bound is included');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '22', 'fit'), '', 'between: just below low does not match');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '23', 'fit'), '', 'between: just above high does not match');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '24', 'fit'), 'size_between=4', 'between: a number in the range matches (text column parsed as a number)');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '25', 'fit'), '', 'between: non-numeric text never matches');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '26', 'fit'), '', 'between: empty text never matches');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '27', 'fit'), '', 'between: a number followed by letters never matches');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '28', 'fit'), '', 'between: NaN never matches');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '29', 'fit'), 'size_between=4', 'between: 1e2 is the number 100 and matches');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '30', 'fit'), '', 'between: 0x64 is not a number (numeric refuses it) and never matches');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '31', 'fit'), '', 'between: 500.0000000000000001 is above the high bound 500 and does not match');

INSERT INTO sc_fit_leads (id, revenue, employees) VALUES
    (40, 1000, NULL), (41, 999.99, NULL), (42, 1e12, NULL), (43, NULL, 10), (44, NULL, 11), (45, NULL, -5), (46, NULL, NULL);
SELECT is(pg_temp.sc_rules('sc_fit_leads', '40', 'fit'), 'revenue_min=8', 'between with only low: exactly low matches');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '41', 'fit'), '', 'between with only low: below low does not match');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '42', 'fit'), 'revenue_min=8', 'between with only low: no upper bound');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '43', 'fit'), 'employees_max=16', 'between with only high: exactly high matches');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '44', 'fit'), '', 'between with only high: above high does not match');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '45', 'fit'), 'employees_max=16', 'between with only high: no lower bound');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '46', 'fit'), '', 'between: NULL never matches');

INSERT INTO sc_fit_leads (id, email) VALUES (50, 'kim@state.edu'), (51, 'KIM@STATE.EDU'), (52, 'edu@corp.com'), (53, 'kim@state.edu.au');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '50', 'fit'), 'student=-20', 'matches: the regex matches, with negative points');
SELECT is(pg_temp.sc_score('sc_fit_leads', '50'), -20::numeric, 'negative points make a negative score');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '51', 'fit'), 'student=-20', 'matches: case-insensitive');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '52', 'fit'), '', 'matches: the anchored regex does not match elsewhere');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '53', 'fit'), '', 'matches: .edu.au does not end in .edu');

INSERT INTO sc_fit_leads (id, title) VALUES (60, 'VP, Sales'), (61, 'CEO'), (62, 'Director of Sales'), (63, NULL), (64, '');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '60', 'fit'), 'exec_title=32', 'seniority: a VP title is in {c_level,vp}');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '61', 'fit'), 'exec_title=32', 'seniority: CEO is in {c_level,vp}');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '62', 'fit'), '', 'seniority: a director is not in {c_level,vp}');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '63', 'fit'), 'unknown_title=64', 'seniority: a NULL title matches only the rule for unknown');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '64', 'fit'), 'unknown_title=64', 'seniority: an empty title is unknown');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '1', 'fit'), 'industry_equals=1', 'seniority: Engineer matches no seniority rule');

INSERT INTO sc_fit_leads (id, country, industry) VALUES (70, 'gb', NULL), (71, NULL, 'Competitor');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '70', 'fit'), 'partner=30', 'cap: 100 points capped at 30');
SELECT is(pg_temp.sc_rules('sc_fit_leads', '71', 'fit'), 'competitor=-25', 'cap: -100 points capped at -25 (the cap limits the size)');
SELECT is(pg_temp.sc_score('sc_fit_leads', '71'), -25::numeric, 'cap: the capped negative points are the score');

INSERT INTO sc_fit_leads (id, email, title, industry, country, size_text, revenue, employees)
VALUES (80, 'a@x.edu', 'CTO', 'saas', 'US', '120', 5000, 5);
SELECT is(pg_temp.sc_score('sc_fit_leads', '80'), 43::numeric,
          'every rule together: 1 + 2 + 4 + 8 + 16 + 32 - 20 = 43 written to the score column');
SELECT is(pg_temp.sc_explained('sc_fit_leads', '80'), 43::numeric, 'every rule together: explain() adds up to 43');

------------------------------------------------------------------------------
-- Engagement rules: per occurrence, min_count, group_by, window, negative
-- points, caps, match
------------------------------------------------------------------------------

INSERT INTO leadqual.model (name, threshold) VALUES ('sc_eng', 1000);
INSERT INTO leadqual.engagement_rule (model, name, event_kind, match, points, min_count, group_by, within, cap) VALUES
    ('sc_eng', 'pricing',       'pricing_page_view', '{}', 20,  NULL, NULL,         NULL,      NULL),
    ('sc_eng', 'email_opens',   'email_open',        '{}', 5,   3,    NULL,         NULL,      NULL),
    ('sc_eng', 'session_pages', 'page_view',         '{}', 10,  5,    'session_id', NULL,      NULL),
    ('sc_eng', 'site_returns',  'site_visit',        '{}', 15,  3,    NULL,         '30 days', NULL),
    ('sc_eng', 'unsubscribe',   'unsubscribe',       '{}', -30, NULL, NULL,         NULL,      NULL),
    ('sc_eng', 'webinars',      'webinar_attended',  '{}', 10,  NULL, NULL,         NULL,      25),
    ('sc_eng', 'ebook',         'download',          '{"asset": "ebook"}', 7, NULL, NULL, NULL, NULL);

CREATE TABLE sc_eng_leads (id integer PRIMARY KEY, score integer,
                           lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('sc_eng_leads', model => 'sc_eng');
INSERT INTO sc_eng_leads (id) SELECT generate_series(1, 12);

SELECT
FROM (VALUES
    ('1', 'email_open', interval '-1 day', '{}'::jsonb), ('1', 'email_open', '-2 days', '{}'),
    ('2', 'email_open', '-1 day', '{}'), ('2', 'email_open', '-2 days', '{}'), ('2', 'email_open', '-3 days', '{}'),
    ('4', 'page_view', '-1 hour', '{"session_id": "s1"}'), ('4', 'page_view', '-2 hours', '{"session_id": "s1"}'),
    ('4', 'page_view', '-3 hours', '{"session_id": "s1"}'), ('4', 'page_view', '-4 hours', '{"session_id": "s2"}'),
    ('4', 'page_view', '-5 hours', '{"session_id": "s2"}'),
    ('5', 'page_view', '-1 hour', '{"session_id": "s1"}'), ('5', 'page_view', '-2 hours', '{"session_id": "s1"}'),
    ('5', 'page_view', '-3 hours', '{"session_id": "s1"}'), ('5', 'page_view', '-4 hours', '{"session_id": "s1"}'),
    ('5', 'page_view', '-5 hours', '{"session_id": "s1"}'),
    ('6', 'page_view', '-1 hour', '{}'), ('6', 'page_view', '-2 hours', '{}'), ('6', 'page_view', '-3 hours', '{}'),
    ('6', 'page_view', '-4 hours', '{}'), ('6', 'page_view', '-5 hours', '{"other": "s1"}'),
    ('7', 'site_visit', '-30 days', '{}'), ('7', 'site_visit', '-1 day', '{}'), ('7', 'site_visit', '-2 days', '{}'),
    ('8', 'site_visit', interval '-30 days' + interval '1 microsecond', '{}'), ('8', 'site_visit', '-1 day', '{}'), ('8', 'site_visit', '-2 days', '{}'),
    ('9', 'unsubscribe', '-1 day', '{}'), ('9', 'unsubscribe', '-2 days', '{}'), ('9', 'pricing_page_view', '-1 day', '{}'),
    ('10', 'webinar_attended', '-1 day', '{}'), ('10', 'webinar_attended', '-2 days', '{}'),
    ('10', 'webinar_attended', '-3 days', '{}'),
    ('11', 'download', '-1 day', '{"asset": "ebook", "lang": "en"}'), ('11', 'download', '-1 day', '{"asset": "video"}'),
    ('11', 'download', '-1 day', '{}'),
    ('12', 'pricing_page_view', '-1 hour', '{}'), ('12', 'pricing_page_view', '0', '{}'),
    ('12', 'pricing_page_view', '1 microsecond', '{}')
) AS e(lead, kind, since, props),
LATERAL leadqual.track('sc_eng_leads', e.lead, e.kind, pg_temp.at(e.since), e.props);
-- lead 3: ten email opens
SELECT FROM generate_series(1, 10) AS i, LATERAL leadqual.track('sc_eng_leads', '3', 'email_open', pg_temp.at(-i * interval '1 hour'));

SELECT ok(leadqual.rescore('sc_eng_leads', pg_temp.at()) > 0, 'rescore() as of t0 changes scores');

SELECT is(pg_temp.sc_score('sc_eng_leads', '1'), 0::numeric, 'min_count 3: 2 email opens give 0');
SELECT is(pg_temp.sc_rules('sc_eng_leads', '1', 'engagement'), '', 'min_count 3: 2 email opens show no rule in explain()');
SELECT is(pg_temp.sc_score('sc_eng_leads', '2'), 5::numeric, 'min_count 3: 3 email opens give 5');
SELECT is(pg_temp.sc_score('sc_eng_leads', '3'), 5::numeric, 'min_count 3: 10 email opens still give 5 (once)');
SELECT is(pg_temp.sc_score('sc_eng_leads', '4'), 0::numeric, 'group_by session: 5 page views split 3 + 2 across sessions give 0');
SELECT is(pg_temp.sc_score('sc_eng_leads', '5'), 10::numeric, 'group_by session: 5 page views in one session give 10');
SELECT is(pg_temp.sc_score('sc_eng_leads', '6'), 0::numeric, 'group_by session: page views without session_id do not count');
SELECT is(pg_temp.sc_score('sc_eng_leads', '7'), 0::numeric,
          'window: a visit exactly 30 days before as_of does not count, so 2 visits give 0');
SELECT is(pg_temp.sc_score('sc_eng_leads', '8'), 15::numeric,
          'window: a visit one microsecond inside 30 days counts, so 3 visits give 15');
SELECT is(pg_temp.sc_score('sc_eng_leads', '9'), -40::numeric, 'negative engagement: 2 unsubscribes (-60) and a pricing view (20) give -40');
SELECT is(pg_temp.sc_rules('sc_eng_leads', '9', 'engagement'), 'pricing=20,unsubscribe=-60',
          'negative engagement: explain shows -30 per unsubscribe');
SELECT is(pg_temp.sc_score('sc_eng_leads', '10'), 25::numeric, 'cap: 3 webinars of 10 each capped at 25');
SELECT is(pg_temp.sc_score('sc_eng_leads', '11'), 7::numeric, 'match: only the download whose properties contain {"asset": "ebook"} counts');
SELECT is(pg_temp.sc_score('sc_eng_leads', '12'), 40::numeric,
          'events after as_of do not count: views one hour before and exactly at t0 count, one a microsecond later does not');
SELECT is((SELECT (e.evidence->>'count')::integer FROM leadqual.explain('sc_eng_leads', '12') AS e WHERE e.rule = 'pricing'), 2,
          'events after as_of: explain() counts 2 events');
SELECT is((SELECT engagement FROM leadqual.lead_score WHERE lead_table = 'sc_eng_leads'::regclass AND lead_id = '12'), 40::numeric,
          'lead_score keeps the engagement subtotal as of t0');
SELECT is(pg_temp.sc_score('sc_eng_leads', '12'), pg_temp.sc_explained('sc_eng_leads', '12'),
          'explain() at the stored as_of adds up to the score');
SELECT is(pg_temp.sc_rules('sc_eng_leads', '12', 'engagement', pg_temp.at('1 microsecond')), 'pricing=60',
          'explain() one microsecond later counts the third view');
SELECT is(leadqual.rescore('sc_eng_leads', pg_temp.at('1 microsecond')), 2::bigint,
          'rescore() one microsecond later changes 2 scores: lead 12 and lead 8');
SELECT is(pg_temp.sc_score('sc_eng_leads', '12'), 60::numeric, 'events after as_of: one microsecond later lead 12 scores 60');
SELECT is(pg_temp.sc_score('sc_eng_leads', '8'), 0::numeric,
          'window: one microsecond later lead 8''s first visit is exactly 30 days old, leaves the window, and 2 visits give 0');

------------------------------------------------------------------------------
-- Decay at exact timestamps
------------------------------------------------------------------------------

SELECT is(leadqual.decay('0', '7 days'), 1::float8, 'decay(): age 0 weighs 1');
SELECT is(leadqual.decay('7 days', '7 days'), 0.5::float8, 'decay(): one half-life weighs 0.5');
SELECT is(leadqual.decay('14 days', '7 days'), 0.25::float8, 'decay(): two half-lives weigh 0.25');
SELECT is(leadqual.decay('21 days', '7 days'), 0.125::float8, 'decay(): three half-lives weigh 0.125');
SELECT is(leadqual.decay('1 mon', '30 days'), 0.5::float8, 'decay(): a month is 30 days, as EXTRACT(epoch) counts it');
SELECT is(leadqual.decay('1 year', '365 days 6 hours'), 0.5::float8, 'decay(): a year is 365.25 days, as EXTRACT(epoch) counts it');
SELECT is(leadqual.decay('100 days', NULL), 1::float8, 'decay(): no half-life weighs 1');
SELECT is(leadqual.decay('-3 days', '7 days'), 1::float8, 'decay(): a negative age weighs 1');
SELECT is(leadqual.decay(NULL, '7 days'), NULL::float8, 'decay(): a NULL age gives NULL');
SELECT throws_ok($$SELECT leadqual.decay('1 day', '0')$$, '22023', NULL, 'decay(): a zero half-life: 22023');
SELECT throws_ok($$SELECT leadqual.decay('1 day', '-7 days')$$, '22023', NULL, 'decay(): a negative half-life: 22023');

INSERT INTO leadqual.model (name, threshold) VALUES ('sc_decay', 1000);
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, min_count, half_life, within) VALUES
    ('sc_decay', 'fading',         'pricing_page_view',   20,  NULL, '7 days', NULL),
    ('sc_decay', 'fading_penalty', 'unsubscribe',         -20, NULL, '7 days', NULL),
    ('sc_decay', 'fading_window',  'case_study_download', 20,  NULL, '7 days', '10 days'),
    ('sc_decay', 'fading_opens',   'email_open',          10,  2,    '7 days', NULL);
CREATE TABLE sc_decay_leads (id integer PRIMARY KEY, score integer,
                             lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('sc_decay_leads', model => 'sc_decay');
INSERT INTO sc_decay_leads (id) VALUES (1), (2), (3), (4);
SELECT FROM leadqual.track('sc_decay_leads', '1', 'pricing_page_view', pg_temp.at());
SELECT FROM leadqual.track('sc_decay_leads', '2', 'unsubscribe', pg_temp.at());
SELECT FROM leadqual.track('sc_decay_leads', '3', 'case_study_download', pg_temp.at());
SELECT FROM leadqual.track('sc_decay_leads', '4', 'email_open', pg_temp.at());
SELECT FROM leadqual.track('sc_decay_leads', '4', 'email_open', pg_temp.at('7 days'));

SELECT FROM leadqual.rescore('sc_decay_leads', pg_temp.at());
SELECT is(pg_temp.sc_score('sc_decay_leads', '1'), 20::numeric, 'decay: age 0 gives the full 20');
SELECT is(pg_temp.sc_score('sc_decay_leads', '3'), 20::numeric, 'decay + window: age 0 gives 20');
SELECT FROM leadqual.rescore('sc_decay_leads', pg_temp.at('7 days'));
SELECT is(pg_temp.sc_score('sc_decay_leads', '1'), 10::numeric, 'decay: after one half-life (7 days) 10');
SELECT is(pg_temp.sc_score('sc_decay_leads', '2'), -10::numeric, 'decay: negative points decay too: -10');
SELECT is(pg_temp.sc_score('sc_decay_leads', '3'), 10::numeric, 'decay + window: 7 days is inside the 10-day window: 10');
SELECT is(pg_temp.sc_score('sc_decay_leads', '4'), 5::numeric,
          'decay + min_count 2: points x the weight of the 2nd newest event (7 days old): 10 x 0.5 = 5');
SELECT FROM leadqual.rescore('sc_decay_leads', pg_temp.at('14 days'));
SELECT is(pg_temp.sc_score('sc_decay_leads', '1'), 5::numeric, 'decay: after 14 days 5');
SELECT is(pg_temp.sc_score('sc_decay_leads', '3'), 0::numeric,
          'decay + window: an event older than the window counts 0 although decay would leave 5');
SELECT is(pg_temp.sc_rules('sc_decay_leads', '3', 'engagement'), '', 'decay + window: explain() shows no rule for it');
SELECT FROM leadqual.rescore('sc_decay_leads', pg_temp.at('21 days'));
SELECT is(pg_temp.sc_score('sc_decay_leads', '1'), 3::numeric, 'decay: after 21 days 2.5, rounded half away from zero to 3');
SELECT is(pg_temp.sc_score('sc_decay_leads', '2'), -3::numeric, 'decay: -2.5 rounds half away from zero to -3');
SELECT is(pg_temp.sc_rules('sc_decay_leads', '1', 'engagement'), 'fading=3', 'decay: explain() shows the rounded 3 points');
SELECT is((SELECT e.evidence #>> '{events,0,weight}' FROM leadqual.explain('sc_decay_leads', '1') AS e WHERE e.rule = 'fading'),
          '0.1250', 'decay: explain() shows the event''s weight 0.125');
SELECT is((SELECT e.evidence->>'half_life' FROM leadqual.explain('sc_decay_leads', '1') AS e WHERE e.rule = 'fading'),
          '7 days', 'decay: explain() shows the half-life');
SELECT is(pg_temp.sc_rules('sc_decay_leads', '1', 'engagement', pg_temp.at('-1 second')), '',
          'decay: as of before the event, nothing counts');

SELECT FROM leadqual.copy_model('sc_decay', 'sc_decay2');
UPDATE leadqual.model SET scale = 2 WHERE name = 'sc_decay2';
CREATE TABLE sc_decay_num (id integer PRIMARY KEY, score numeric,
                           lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('sc_decay_num', model => 'sc_decay2');
INSERT INTO sc_decay_num (id) VALUES (1);
SELECT FROM leadqual.track('sc_decay_num', '1', 'pricing_page_view', pg_temp.at());
SELECT FROM leadqual.rescore('sc_decay_num', pg_temp.at('21 days'));
SELECT is((SELECT score::text FROM sc_decay_num WHERE id = 1), '2.50', 'decay with scale 2 and a numeric score column: 2.50');
SELECT FROM leadqual.rescore('sc_decay_num', pg_temp.at('7 days'));
SELECT is((SELECT score::text FROM sc_decay_num WHERE id = 1), '10.00', 'decay with scale 2: 10.00 after 7 days');

------------------------------------------------------------------------------
-- Gates: min_fit and min_engagement
------------------------------------------------------------------------------

INSERT INTO leadqual.model (name, threshold, min_fit, min_engagement) VALUES ('sc_gate', 50, 20, 30);
INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
VALUES ('sc_gate', 'exec', 'title', 'seniority', '{c_level}', 40);
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('sc_gate', 'pricing', 'pricing_page_view', 20);
CREATE TABLE sc_gate_leads (id integer PRIMARY KEY, title text, score integer,
                            lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('sc_gate_leads', model => 'sc_gate');
INSERT INTO sc_gate_leads (id, title) VALUES (1, 'Engineer'), (2, 'CEO');

SELECT FROM (SELECT count(leadqual.track('sc_gate_leads', '1', 'pricing_page_view')) FROM generate_series(1, 3)) AS tracked;
SELECT is(pg_temp.sc_score('sc_gate_leads', '1'), 60::numeric, 'min_fit gate: engagement 60 gives a score of 60 >= 50');
SELECT is(pg_temp.sc_stage('sc_gate_leads', '1'), 'lead', 'min_fit gate: fit 0 < 20 blocks the promotion');
UPDATE sc_gate_leads SET title = 'Chief Executive Officer' WHERE id = 1;
SELECT is(pg_temp.sc_stage('sc_gate_leads', '1'), 'mql', 'min_fit gate: once the title gives fit 40 the lead is promoted');
SELECT is(pg_temp.last_move('sc_gate_leads', '1'), 'lead>mql promotion score=100 reason=NULL by=' || current_user,
          'min_fit gate: the promotion is logged with score 100');

SELECT FROM leadqual.track('sc_gate_leads', '2', 'pricing_page_view');
SELECT is(pg_temp.sc_score('sc_gate_leads', '2'), 60::numeric, 'min_engagement gate: fit 40 + engagement 20 = 60 >= 50');
SELECT is(pg_temp.sc_stage('sc_gate_leads', '2'), 'lead', 'min_engagement gate: engagement 20 < 30 blocks the promotion');
SELECT FROM leadqual.track('sc_gate_leads', '2', 'pricing_page_view');
SELECT is(pg_temp.sc_stage('sc_gate_leads', '2'), 'mql', 'min_engagement gate: a later event brings engagement to 40 and promotes');
SELECT is(pg_temp.moves('sc_gate_leads', '2'), '{"NULL>lead manual","lead>mql promotion"}',
          'min_engagement gate: logged once, as a promotion');

------------------------------------------------------------------------------
-- The model's max_score
------------------------------------------------------------------------------

INSERT INTO leadqual.model (name, threshold, max_score) VALUES ('sc_cap', 1000, 60);
INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
VALUES ('sc_cap', 'exec', 'title', 'seniority', '{c_level}', 40);
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('sc_cap', 'pricing', 'pricing_page_view', 20);
CREATE TABLE sc_cap_leads (id integer PRIMARY KEY, title text, score integer,
                           lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('sc_cap_leads', model => 'sc_cap');
INSERT INTO sc_cap_leads (id, title) VALUES (1, 'CEO'), (2, 'CEO');
SELECT FROM (SELECT count(leadqual.track('sc_cap_leads', '1', 'pricing_page_view')) FROM generate_series(1, 2)) AS tracked;
SELECT is(pg_temp.sc_score('sc_cap_leads', '1'), 60::numeric, 'max_score: 40 + 40 = 80 is capped at 60');
SELECT is(pg_temp.sc_rules('sc_cap_leads', '1', 'cap'), 'max_score=-20', 'max_score: explain() shows a cap row of -20');
SELECT is(pg_temp.sc_explained('sc_cap_leads', '1'), 60::numeric, 'max_score: explain()''s points still add up to 60');
SELECT is((SELECT fit + engagement FROM leadqual.lead_score WHERE lead_table = 'sc_cap_leads'::regclass AND lead_id = '1'),
          80::numeric, 'max_score: lead_score keeps the uncapped subtotals');
SELECT is(pg_temp.sc_score('sc_cap_leads', '2'), 40::numeric, 'max_score: a score below the cap is left alone');
SELECT is(pg_temp.sc_rules('sc_cap_leads', '2', 'cap'), '', 'max_score: no cap row below the cap');

------------------------------------------------------------------------------
-- The published examples under the default model; track()
------------------------------------------------------------------------------

CREATE TABLE sc_pub (
    id integer PRIMARY KEY,
    email text,
    title text,
    company_size integer,
    industry text,
    score integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT FROM leadqual.manage('sc_pub', model => 'default');
INSERT INTO sc_pub (id, email, title, company_size, industry) VALUES
    (1, 'ann@example.com', NULL, NULL, NULL),
    (2, 'bob@example.com', 'VP of Marketing', 120, 'Manufacturing'),
    (3, 'cy@example.com', 'Software Engineer', 10, 'Retail');

SELECT FROM leadqual.track('sc_pub', '1', 'demo_request');
SELECT is(pg_temp.sc_stage('sc_pub', '1'), 'mql', 'default model: a demo request alone makes an mql');
SELECT is(pg_temp.sc_score('sc_pub', '1'), 50::numeric, 'default model: a demo request is 50 points');
SELECT is(pg_temp.last_move('sc_pub', '1'), 'lead>mql promotion score=50 reason=NULL by=' || current_user,
          'track(): the promotion is logged via promotion');
SELECT is(pg_temp.sc_changes('sc_pub', '1'), '{"NULL>0 fit=0 engagement=0","0>50 fit=0 engagement=50"}',
          'track(): score_change has the INSERT and the change with previous_score, fit and engagement');

SELECT FROM (SELECT count(leadqual.track('sc_pub', '2', 'pricing_page_view')) FROM generate_series(1, 2)) AS tracked;
SELECT is(pg_temp.sc_stage('sc_pub', '2'), 'mql', 'default model: a VP at a 120-employee company who visited pricing twice is an mql');
SELECT is(pg_temp.sc_score('sc_pub', '2'), 70::numeric, 'default model: 15 (vp) + 15 (size) + 2 x 20 (pricing) = 70');
SELECT is(pg_temp.sc_changes('sc_pub', '2'), '{"NULL>30 fit=30 engagement=0","30>50 fit=30 engagement=20","50>70 fit=30 engagement=40"}',
          'track(): one score_change per tracked event that changed the score');

SELECT FROM leadqual.track('sc_pub', '3', 'whitepaper_download');
SELECT is(pg_temp.sc_stage('sc_pub', '3'), 'lead', 'default model: an individual contributor with one whitepaper download stays lead');
SELECT is(pg_temp.sc_score('sc_pub', '3'), 5::numeric, 'default model: and scores 5');

SELECT pg_temp.sc_change_count('sc_pub') AS sc_pub_changes,
       (SELECT count(*) FROM leadqual.event WHERE lead_table = 'sc_pub'::regclass) AS sc_pub_events \gset
SELECT FROM leadqual.track('sc_pub', '3', 'newsletter_signup');
SELECT is(pg_temp.sc_change_count('sc_pub'), :sc_pub_changes::bigint,
          'track() of a kind no rule matches: no score_change row');
SELECT is((SELECT count(*) FROM leadqual.event WHERE lead_table = 'sc_pub'::regclass), :sc_pub_events + 1::bigint,
          'track() of a kind no rule matches: the event is still recorded');
SELECT is(pg_temp.sc_score('sc_pub', '3'), 5::numeric, 'track() of a kind no rule matches: the score stays 5');
SELECT leadqual.track('sc_pub', '3', 'newsletter_signup', '2026-01-05 10:00+00') AS sc_pub_event
\gset
SELECT is((SELECT format('%s|%s|%s|%s', lead_table, lead_id, kind, id = (SELECT max(id) FROM leadqual.event))
           FROM leadqual.event WHERE id = :sc_pub_event),
          'sc_pub|3|newsletter_signup|t', 'track() returns the id of the event it recorded');

------------------------------------------------------------------------------
-- Fit columns recomputed on write; the score guarded against hand edits
------------------------------------------------------------------------------

SELECT results_eq($$UPDATE sc_pub SET title = 'CEO', company_size = 200, industry = 'SaaS' WHERE id = 3
                    RETURNING score, lifecycle_stage::text$$,
                  $$VALUES (50, 'mql')$$,
                  'changing fit columns recomputes the score in the same statement (20 + 15 + 10 + 5 = 50) and promotes');
SELECT is((pg_temp.sc_changes('sc_pub', '3'))[3], '5>50 fit=45 engagement=5', 'the fit change wrote a score_change row');
SELECT is(pg_temp.last_move('sc_pub', '3'), 'lead>mql promotion score=50 reason=NULL by=' || current_user,
          'the fit change''s promotion is logged');
SELECT results_eq($$UPDATE sc_pub SET title = 'Intern' WHERE id = 3 RETURNING score, lifecycle_stage::text$$,
                  $$VALUES (30, 'mql')$$,
                  'a fit change that lowers the score recomputes it and does not demote');
SELECT is((SELECT fit FROM leadqual.lead_score WHERE lead_table = 'sc_pub'::regclass AND lead_id = '3'), 25::numeric,
          'the fit change updated lead_score.fit');

SELECT pg_temp.sc_change_count('sc_pub') AS sc_pub_changes \gset
SELECT throws_ok($$UPDATE sc_pub SET score = 99 WHERE id = 2$$, '428C9', NULL,
                 'writing another score by hand: generated_always');
SELECT throws_like($$UPDATE sc_pub SET score = 99 WHERE id = 2$$, '%computed by model "default"%',
                   'the error names the model');
SELECT throws_ok($$UPDATE sc_pub SET score = NULL WHERE id = 2$$, '428C9', NULL, 'writing NULL by hand: generated_always');
SELECT throws_ok($$UPDATE sc_pub SET score = score + 1$$, '428C9', NULL, 'raising every score by hand: generated_always');
SELECT lives_ok($$UPDATE sc_pub SET score = 70 WHERE id = 2$$, 'writing the score the model gives is allowed');
SELECT is(pg_temp.sc_score('sc_pub', '2'), 70::numeric, 'the score is still 70');
SELECT is(pg_temp.sc_change_count('sc_pub'), :sc_pub_changes::bigint, 'the refused and unchanged writes left no score_change row');
SELECT results_eq($$INSERT INTO sc_pub (id, title, score) VALUES (4, 'Director of IT', 999) RETURNING score, lifecycle_stage::text$$,
                  $$VALUES (10, 'lead')$$, 'INSERT: the given score 999 is replaced by the computed 10');

------------------------------------------------------------------------------
-- explain() adds up: 50 random leads with random events
------------------------------------------------------------------------------

SELECT FROM leadqual.copy_model('default', 'sc_rand');
UPDATE leadqual.model SET max_score = 70 WHERE name = 'sc_rand';
UPDATE leadqual.engagement_rule SET half_life = '10 days' WHERE model = 'sc_rand' AND name IN ('pricing_page', 'webinar');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('sc_rand', 'unsubscribe', 'unsubscribe', -15);
CREATE TABLE sc_rand_leads (
    id integer PRIMARY KEY,
    title text,
    company_size integer,
    industry text,
    score integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT FROM leadqual.manage('sc_rand_leads', model => 'sc_rand');
SELECT setseed(0.25);
INSERT INTO sc_rand_leads (id, title, company_size, industry)
SELECT i,
       (ARRAY['CEO', 'VP Sales', 'Director of IT', 'Marketing Manager', 'Engineer', NULL])[1 + floor(random() * 6)::int],
       (ARRAY[10, 50, 120, 500, 5000])[1 + floor(random() * 5)::int],
       (ARRAY['Software', 'SaaS', 'Retail', NULL])[1 + floor(random() * 4)::int]
FROM generate_series(1, 50) AS i;
CREATE TEMP TABLE sc_rand_events AS
SELECT n, (1 + floor(random() * 50)::int)::text AS lead_id,
       (ARRAY['pricing_page_view', 'demo_request', 'webinar_attended', 'case_study_download', 'whitepaper_download',
              'email_open', 'page_view', 'site_visit', 'unsubscribe', 'unknown_kind'])[1 + floor(random() * 10)::int] AS kind,
       now() - random() * interval '60 days' AS occurred_at,
       jsonb_build_object('session_id', 's' || floor(random() * 3)::int) AS properties
FROM generate_series(1, 500) AS n;
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at, properties)
SELECT 'sc_rand_leads', lead_id, kind, occurred_at, properties FROM sc_rand_events ORDER BY n;

SELECT is((SELECT count(*) FROM sc_rand_leads AS l
           WHERE l.score::numeric IS DISTINCT FROM pg_temp.sc_explained('sc_rand_leads', l.id::text)),
          0::bigint, 'explain(): for each of 50 random leads the points add up to the stored score');
SELECT is((SELECT count(*) FROM sc_rand_leads AS l, leadqual.explain('sc_rand_leads', l.id::text) AS e
           WHERE e.category = 'adjustment'), 0::bigint,
          'explain(): at the stored as_of no lead needs an adjustment row');
SELECT ok((SELECT count(*) FROM sc_rand_leads AS l, leadqual.explain('sc_rand_leads', l.id::text) AS e
           WHERE e.category = 'cap') > 0, 'explain(): some random leads hit the cap (the sums include cap rows)');
SELECT ok((SELECT count(DISTINCT score) FROM sc_rand_leads) > 10, 'explain(): the random leads have varied scores');
SELECT is((SELECT count(*) FROM sc_rand_leads AS l
           WHERE l.score::numeric IS DISTINCT FROM pg_temp.sc_explained('sc_rand_leads', l.id::text, now() + interval '45 days')),
          0::bigint, 'explain() as of 45 days later: the points still add up to the stored score for every lead');
SELECT ok((SELECT count(*) FROM sc_rand_leads AS l,
                  leadqual.explain('sc_rand_leads', l.id::text, now() + interval '45 days') AS e
           WHERE e.rule = 'stored_score_difference' AND e.category = 'adjustment' AND e.points <> 0) > 0,
          'explain() as of 45 days later: decay and windows show as stored_score_difference rows');
SELECT is(pg_temp.sc_rules('sc_decay_leads', '1', 'adjustment', pg_temp.at('7 days')), 'stored_score_difference=-7',
          'explain() as of 7 days (computes 10) of a lead stored with 3 (as of 21 days): an adjustment row of -7');
SELECT is(pg_temp.sc_explained('sc_decay_leads', '1', pg_temp.at('7 days')), 3::numeric,
          'explain() at another as_of still adds up to the stored score 3');

------------------------------------------------------------------------------
-- rescore()
------------------------------------------------------------------------------

INSERT INTO leadqual.model (name, threshold) VALUES ('sc_resc', 30);
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, half_life)
VALUES ('sc_resc', 'pricing', 'pricing_page_view', 20, '7 days');
CREATE TABLE sc_resc_leads (id integer PRIMARY KEY, score integer,
                            lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('sc_resc_leads', model => 'sc_resc');
INSERT INTO sc_resc_leads (id) VALUES (1), (2), (3);
SELECT FROM unnest('{1,1,2}'::text[]) AS l, LATERAL leadqual.track('sc_resc_leads', l, 'pricing_page_view', pg_temp.at());
SELECT is((SELECT array_agg(score ORDER BY id) FROM sc_resc_leads), '{0,0,0}'::integer[],
          'rescore: events 2+ years old barely count as of now');

SELECT is(leadqual.rescore('sc_resc_leads', pg_temp.at()), 2::bigint, 'rescore() returns how many scores changed: 2');
SELECT is((SELECT array_agg(score ORDER BY id) FROM sc_resc_leads), '{40,20,0}'::integer[], 'rescore() as of t0: 40, 20, 0');
SELECT is(pg_temp.sc_stage('sc_resc_leads', '1'), 'mql', 'rescore() can promote: 40 >= 30');
SELECT pg_temp.sc_change_count('sc_resc_leads') AS resc_changes \gset
SELECT is(leadqual.rescore('sc_resc_leads', pg_temp.at()), 0::bigint, 'rescore() again with the same as_of returns 0');
SELECT is(pg_temp.sc_change_count('sc_resc_leads'), :resc_changes::bigint, 'and writes no score_change row');
SELECT is((SELECT array_agg(score ORDER BY id) FROM sc_resc_leads), '{40,20,0}'::integer[], 'and changes no score');
SELECT is(leadqual.rescore('sc_resc_leads', pg_temp.at('7 days')), 2::bigint, 'rescore() 7 days later changes 2 scores');
SELECT is((SELECT array_agg(score ORDER BY id) FROM sc_resc_leads), '{20,10,0}'::integer[], 'rescore() applies decay: 20, 10, 0');
SELECT is(pg_temp.sc_stage('sc_resc_leads', '1'), 'mql', 'rescore() does not demote: 20 < 30 but the lead stays mql');
SELECT is(leadqual.rescore('sc_resc_leads', pg_temp.at('7 days')), 0::bigint, 'rescore() is idempotent 7 days later too');
SELECT is(leadqual.rescore('sc_resc_leads', pg_temp.at('70 days')), 2::bigint, 'rescore() 70 days later');
SELECT is((SELECT array_agg(score ORDER BY id) FROM sc_resc_leads), '{0,0,0}'::integer[], 'rescore() 70 days later: all decayed to 0');
SELECT is(pg_temp.moves('sc_resc_leads', '1'), '{"NULL>lead manual","lead>mql promotion"}',
          'rescore(): the lead''s only stage change is the promotion');

------------------------------------------------------------------------------
-- Bulk-loaded events score like tracked ones
------------------------------------------------------------------------------

SELECT FROM leadqual.copy_model('default', 'sc_bulk');
UPDATE leadqual.engagement_rule SET half_life = '5 days' WHERE model = 'sc_bulk' AND name IN ('pricing_page', 'email_opens', 'case_study');
CREATE TABLE sc_bulk_a (id integer PRIMARY KEY, title text, company_size integer, industry text, score integer,
                        lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE sc_bulk_b (LIKE sc_bulk_a INCLUDING ALL);
SELECT FROM leadqual.manage('sc_bulk_a', model => 'sc_bulk');
SELECT FROM leadqual.manage('sc_bulk_b', model => 'sc_bulk');
SELECT setseed(0.5);
INSERT INTO sc_bulk_a (id, title, company_size, industry)
SELECT i, (ARRAY['CEO', 'VP Sales', 'Engineer', NULL])[1 + floor(random() * 4)::int],
       (ARRAY[10, 120, 5000])[1 + floor(random() * 3)::int], (ARRAY['SaaS', 'Retail'])[1 + floor(random() * 2)::int]
FROM generate_series(1, 20) AS i;
INSERT INTO sc_bulk_b SELECT * FROM sc_bulk_a;
CREATE TEMP TABLE sc_bulk_events AS
SELECT n, (1 + floor(random() * 20)::int)::text AS lead_id,
       (ARRAY['pricing_page_view', 'case_study_download', 'whitepaper_download', 'email_open', 'page_view',
              'site_visit', 'nothing'])[1 + floor(random() * 7)::int] AS kind,
       now() - random() * interval '40 days' AS occurred_at,
       jsonb_build_object('session_id', 's' || floor(random() * 2)::int) AS properties
FROM generate_series(1, 300) AS n;

INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at, properties)
SELECT 'sc_bulk_a', lead_id, kind, occurred_at, properties FROM sc_bulk_events ORDER BY n;
DO $$
DECLARE
    e record;
BEGIN
    FOR e IN SELECT * FROM sc_bulk_events ORDER BY n LOOP
        PERFORM leadqual.track('sc_bulk_b', e.lead_id, e.kind, e.occurred_at, e.properties);
    END LOOP;
END
$$;

SELECT ok((SELECT sum(score) FROM sc_bulk_a) > 0, 'bulk load: the events gave points');
SELECT results_eq($$SELECT id, score, lifecycle_stage::text FROM sc_bulk_a ORDER BY id$$,
                  $$SELECT id, score, lifecycle_stage::text FROM sc_bulk_b ORDER BY id$$,
                  'bulk load: one INSERT ... SELECT gives the same scores and stages as track() one by one');
SELECT results_eq($$SELECT lead_id, fit, engagement, score FROM leadqual.lead_score
                    WHERE lead_table = 'sc_bulk_a'::regclass ORDER BY lead_id$$,
                  $$SELECT lead_id, fit, engagement, score FROM leadqual.lead_score
                    WHERE lead_table = 'sc_bulk_b'::regclass ORDER BY lead_id$$,
                  'bulk load: the same lead_score subtotals');

------------------------------------------------------------------------------
-- Changing a model's rules
------------------------------------------------------------------------------

SELECT FROM leadqual.copy_model('default', 'sc_chg');
CREATE TABLE sc_chg_leads (id integer PRIMARY KEY, title text, company_size integer, industry text, score integer,
                           lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('sc_chg_leads', model => 'sc_chg');
INSERT INTO sc_chg_leads (id, title) VALUES (1, 'VP Sales');
SELECT FROM leadqual.track('sc_chg_leads', '1', 'pricing_page_view');
SELECT is(pg_temp.sc_score('sc_chg_leads', '1'), 35::numeric, 'rule changes: 15 + 20 to start with');
UPDATE leadqual.engagement_rule SET points = 30 WHERE model = 'sc_chg' AND name = 'pricing_page';
SELECT FROM leadqual.track('sc_chg_leads', '1', 'pricing_page_view');
SELECT is(pg_temp.sc_score('sc_chg_leads', '1'), 75::numeric,
          'rule changes: an engagement rule changed in this transaction counts for the next track(): 15 + 2 x 30');
UPDATE leadqual.fit_rule SET points = 25 WHERE model = 'sc_chg' AND name = 'vp_title';
INSERT INTO sc_chg_leads (id, title) VALUES (2, 'VP Marketing');
SELECT is(pg_temp.sc_score('sc_chg_leads', '2'), 25::numeric,
          'rule changes: a fit rule changed in this transaction counts for the next INSERT');
SELECT is(pg_temp.sc_score('sc_chg_leads', '1'), 75::numeric, 'rule changes: stored scores are not rewritten by the change itself');
SELECT is(leadqual.rescore('sc_chg_leads'), 1::bigint, 'rule changes: rescore() rewrites the one stale score');
SELECT is(pg_temp.sc_score('sc_chg_leads', '1'), 85::numeric, 'rule changes: rescore() applies the new fit points: 25 + 60');
SELECT is(pg_temp.sc_rules('sc_chg_leads', '1', 'fit'), 'vp_title=25', 'rule changes: explain() shows the new points');
UPDATE leadqual.fit_rule SET points = 5 WHERE model = 'sc_chg' AND name = 'vp_title';
UPDATE sc_chg_leads SET title = 'Vice President of Sales' WHERE id = 1;
SELECT is(pg_temp.sc_score('sc_chg_leads', '1'), 65::numeric,
          'rule changes: a changed fit column is scored with the fit rule changed just before: 5 + 60');

------------------------------------------------------------------------------
-- manage() with a model, and back to threshold mode
------------------------------------------------------------------------------

SELECT FROM leadqual.copy_model('default', 'sc_low');
UPDATE leadqual.model SET threshold = 40 WHERE name = 'sc_low';
CREATE TABLE sc_mng (id integer PRIMARY KEY, title text, company_size integer, industry text, score integer,
                     lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
INSERT INTO sc_mng VALUES (1, 'CEO', 200, 'SaaS', 0), (2, 'Engineer', 5, 'Retail', 99);
SELECT FROM leadqual.manage('sc_mng', model => 'sc_low');
SELECT is((SELECT array_agg(score ORDER BY id) FROM sc_mng), '{45,0}'::integer[],
          'manage(model => ...) scores the existing rows at once, replacing what the application wrote');
SELECT is(pg_temp.sc_stage('sc_mng', '1'), 'mql', 'manage(model => ...) promotes existing rows that qualify');
SELECT is((SELECT model FROM leadqual.managed WHERE leads = 'sc_mng'::regclass), 'sc_low', 'leadqual.managed shows the model');
SELECT is((SELECT format('%s|%s', threshold, promote_to) FROM leadqual.managed WHERE leads = 'sc_mng'::regclass), '40|mql',
          'leadqual.managed shows the model''s threshold and promote_to');
SELECT throws_ok($$UPDATE sc_mng SET score = 80 WHERE id = 2$$, '428C9', NULL, 'under the model the application cannot write scores');
SELECT FROM leadqual.manage('sc_mng', threshold => 50);
SELECT is((SELECT model FROM leadqual.managed WHERE leads = 'sc_mng'::regclass), NULL::text,
          'back in threshold mode: leadqual.managed shows no model');
SELECT lives_ok($$UPDATE sc_mng SET score = 80 WHERE id = 2$$, 'back in threshold mode: the application writes scores again');
SELECT is(pg_temp.sc_score('sc_mng', '2'), 80::numeric, 'back in threshold mode: the written score is kept');
SELECT is(pg_temp.sc_stage('sc_mng', '2'), 'mql', 'back in threshold mode: 80 >= 50 promotes');
SELECT lives_ok($$UPDATE sc_mng SET title = 'Intern' WHERE id = 1$$, 'back in threshold mode: fit columns change freely');
SELECT is(pg_temp.sc_score('sc_mng', '1'), 45::numeric, 'back in threshold mode: changing a former fit column leaves the score alone');

------------------------------------------------------------------------------
-- A model changed under its table: two decimal places once the score column
-- is numeric, with half-lives, a cap and a fit gate
------------------------------------------------------------------------------

SELECT FROM leadqual.copy_model('default', 'sc_alter');
CREATE TABLE sc_alter_leads (id integer PRIMARY KEY, title text, company_size integer, industry text, score integer,
                             lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('sc_alter_leads', model => 'sc_alter');
INSERT INTO sc_alter_leads (id, title, company_size, industry) VALUES
    (1, 'Student', 5, 'education'), (2, 'VP, Sales', 120, 'Software'), (3, 'Director of Engineering', 10, 'retail');
SELECT FROM leadqual.track('sc_alter_leads', '1', 'demo_request', '2026-01-05 09:00+00');
SELECT FROM leadqual.track('sc_alter_leads', '2', 'pricing_page_view', '2026-01-05 09:00+00');
SELECT FROM leadqual.track('sc_alter_leads', '2', 'pricing_page_view', '2026-01-06 09:00+00');
SELECT FROM leadqual.track('sc_alter_leads', '3', 'whitepaper_download', '2026-01-05 09:00+00');
SELECT throws_ok($$UPDATE leadqual.model SET scale = 2, max_score = 100, min_fit = 10 WHERE name = 'sc_alter'$$, '42804', NULL,
                 'scale 2 is refused while a table of the model has an integer score column');
ALTER TABLE sc_alter_leads ALTER COLUMN score TYPE numeric;
SELECT lives_ok($$UPDATE leadqual.model SET scale = 2, max_score = 100, min_fit = 10 WHERE name = 'sc_alter'$$,
                'and accepted once the column is numeric');
UPDATE leadqual.engagement_rule SET half_life = '7 days' WHERE model = 'sc_alter';
SELECT is(leadqual.rescore('sc_alter_leads', '2026-01-19 09:00+00'), 3::bigint,
          'rescore() as of 19 January rewrites the three scores');
SELECT results_eq($$SELECT id, score::text, lifecycle_stage::text FROM sc_alter_leads ORDER BY id$$,
                  $$VALUES (1, '12.50', 'mql'), (2, '50.52', 'mql'), (3, '11.25', 'lead')$$,
                  'with two decimals: 50 x 0.25 = 12.50; 40 + 20 x 0.25 + 20 x 0.2759 = 50.52; 10 + 5 x 0.25 = 11.25; nobody demoted');

------------------------------------------------------------------------------
-- copy_model(), builtin protections, models in use
------------------------------------------------------------------------------

SELECT FROM leadqual.copy_model('default', 'sc_copy');
SELECT results_eq($$SELECT name, column_name::text, operator, value, low, high, pattern, points, cap, builtin
                    FROM leadqual.fit_rule WHERE model = 'sc_copy' ORDER BY name$$,
                  $$SELECT name, column_name::text, operator, value, low, high, pattern, points, cap, false
                    FROM leadqual.fit_rule WHERE model = 'default' ORDER BY name$$,
                  'copy_model(): the fit rules are copied, not builtin');
SELECT results_eq($$SELECT name, event_kind, match, points, min_count, group_by, half_life, within, cap, builtin
                    FROM leadqual.engagement_rule WHERE model = 'sc_copy' ORDER BY name$$,
                  $$SELECT name, event_kind, match, points, min_count, group_by, half_life, within, cap, false
                    FROM leadqual.engagement_rule WHERE model = 'default' ORDER BY name$$,
                  'copy_model(): the engagement rules are copied, not builtin');
SELECT is((SELECT format('%s %s %s %s %s %s %s', threshold, promote_to, min_fit, min_engagement,
                         coalesce(max_score::text, 'NULL'), scale, builtin)
           FROM leadqual.model WHERE name = 'sc_copy'), '50 mql 0 0 NULL 0 f',
          'copy_model(): the model''s settings are copied, not builtin');
SELECT is((SELECT count(*) FROM leadqual.fit_rule WHERE model = 'sc_copy'), 6::bigint, 'copy_model(): 6 fit rules');
SELECT is((SELECT count(*) FROM leadqual.engagement_rule WHERE model = 'sc_copy'), 8::bigint, 'copy_model(): 8 engagement rules');
SELECT lives_ok($$UPDATE leadqual.fit_rule SET points = 1 WHERE model = 'sc_copy' AND name = 'vp_title'$$,
                'copy_model(): the copy can be changed');
SELECT is((SELECT points FROM leadqual.fit_rule WHERE model = 'default' AND name = 'vp_title'), 15::numeric,
          'copy_model(): changing the copy leaves the original alone');

SELECT throws_ok($$UPDATE leadqual.model SET threshold = 10 WHERE name = 'default'$$, '42501', NULL,
                 'the builtin model cannot be changed');
SELECT throws_ok($$DELETE FROM leadqual.model WHERE name = 'default'$$, '42501', NULL, 'the builtin model cannot be deleted');
SELECT throws_ok($$UPDATE leadqual.fit_rule SET points = 1 WHERE model = 'default' AND name = 'vp_title'$$, '42501', NULL,
                 'a builtin fit rule cannot be changed');
SELECT throws_ok($$DELETE FROM leadqual.engagement_rule WHERE model = 'default' AND name = 'demo_request'$$, '42501', NULL,
                 'a builtin engagement rule cannot be deleted');
SELECT throws_ok($$DELETE FROM leadqual.model WHERE name = 'sc_chg'$$, '55006', NULL, 'a model in use cannot be deleted');
SELECT is((SELECT count(*) FROM leadqual.engagement_rule WHERE model = 'sc_chg'), 8::bigint,
          'the refused delete kept the model''s rules');

------------------------------------------------------------------------------
-- Who may score a table
------------------------------------------------------------------------------

CREATE TABLE sc_priv (id integer PRIMARY KEY, title text, company_size integer, industry text, score integer,
                      lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('sc_priv', model => 'default');
INSERT INTO sc_priv (id) VALUES (1);
CREATE ROLE lq_tap_sc_reader;
CREATE ROLE lq_tap_sc_writer;
GRANT SELECT ON sc_priv TO lq_tap_sc_reader;
GRANT SELECT, UPDATE ON sc_priv TO lq_tap_sc_writer;
SELECT count(*) AS priv_events FROM leadqual.event WHERE lead_table = 'sc_priv'::regclass \gset

SET LOCAL ROLE lq_tap_sc_reader;
SELECT throws_ok($$SELECT leadqual.track('sc_priv', '1', 'demo_request')$$, '42501', NULL,
                 'a role without UPDATE on the leads table cannot track()');
SELECT throws_ok($$INSERT INTO leadqual.lead_score (lead_table, lead_id, fit, engagement, score)
                   VALUES ('sc_priv', '1', 0, 100, 100)$$, '42501', NULL, 'it cannot INSERT into lead_score');
SELECT throws_ok($$UPDATE leadqual.lead_score SET engagement = 100$$, '42501', NULL, 'it cannot UPDATE lead_score');
SELECT throws_ok($$INSERT INTO leadqual.score_change (lead_table, lead_id, score, fit, engagement)
                   VALUES ('sc_priv', '1', 100, 0, 100)$$, '42501', NULL, 'it cannot INSERT into score_change');
SELECT throws_ok($$DELETE FROM leadqual.score_change$$, '42501', NULL, 'it cannot DELETE from score_change');
RESET ROLE;
SELECT is((SELECT count(*) FROM leadqual.event WHERE lead_table = 'sc_priv'::regclass), :priv_events::bigint,
          'the refused track() recorded no event');

SET LOCAL ROLE lq_tap_sc_writer;
SELECT lives_ok($$SELECT leadqual.track('sc_priv', '1', 'demo_request')$$, 'a role with UPDATE on the leads table can track()');
SELECT throws_ok($$UPDATE leadqual.lead_score SET engagement = 0$$, '42501', NULL,
                 'but it cannot write lead_score directly either');
SELECT throws_ok($$INSERT INTO leadqual.score_change (lead_table, lead_id, score, fit, engagement)
                   VALUES ('sc_priv', '1', 0, 0, 0)$$, '42501', NULL, 'nor score_change');
RESET ROLE;
SELECT is(pg_temp.sc_score('sc_priv', '1'), 50::numeric, 'the writer''s track() scored the lead');
SELECT is(pg_temp.sc_stage('sc_priv', '1'), 'mql', 'and promoted it');
SELECT is((SELECT changed_by::text FROM leadqual.score_change WHERE lead_table = 'sc_priv'::regclass ORDER BY id DESC LIMIT 1),
          'lq_tap_sc_writer', 'score_change.changed_by is the role that tracked');

SELECT * FROM finish();
ROLLBACK;
