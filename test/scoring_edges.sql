-- Scoring at the edges: gates hold on every later write, rows that are not
-- really written leave no scores or history behind, floating-point score
-- columns rescore idempotently, explain() counts only the events that count,
-- rows moving between partitions keep their scores, and recording events
-- needs the right to change the scores.
\ir helpers/setup.psql

SELECT plan(25);
SET LOCAL TimeZone = 'UTC';

CREATE TABLE ed_leads (id int PRIMARY KEY, email text, title text, company_size int, industry text,
                       score integer NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.copy_model('default', 'ed_gated');
UPDATE leadqual.model SET min_fit = 10 WHERE name = 'ed_gated';
SELECT leadqual.manage('ed_leads', model => 'ed_gated');
INSERT INTO ed_leads (id, title) VALUES (1, 'Engineer'), (2, 'VP Sales');

-- gates
SELECT leadqual.track('ed_leads', '1', 'demo_request');
SELECT is((SELECT score || ' ' || lifecycle_stage FROM ed_leads WHERE id = 1), '50 lead',
          'a demo request alone meets the threshold, but fit 0 is under min_fit 10');
UPDATE ed_leads SET email = 'e@example.com' WHERE id = 1;
SELECT is((SELECT lifecycle_stage::text FROM ed_leads WHERE id = 1), 'lead',
          'an unrelated UPDATE does not promote past the gate');
UPDATE ed_leads SET score = score WHERE id = 1;
SELECT is((SELECT lifecycle_stage::text FROM ed_leads WHERE id = 1), 'lead',
          'nor does SET score = score');
UPDATE ed_leads SET title = 'Director of IT' WHERE id = 1;
SELECT is((SELECT score || ' ' || lifecycle_stage FROM ed_leads WHERE id = 1), '60 mql',
          'a new title that meets the gate promotes, in the same statement');

-- rows not really written
SELECT is((SELECT score FROM ed_leads WHERE id = 2), 15, 'the VP scores 15');
CREATE TEMP TABLE ed_history AS SELECT count(*) AS n FROM leadqual.score_change WHERE lead_id = '2';
INSERT INTO ed_leads (id, title) VALUES (2, 'Intern') ON CONFLICT (id) DO NOTHING;
SELECT is((SELECT format('%s|%s', fit, score) FROM leadqual.lead_score WHERE lead_table = 'ed_leads'::regclass AND lead_id = '2'),
          '15|15', 'INSERT ... ON CONFLICT DO NOTHING leaves the stored subtotals alone');
SELECT is((SELECT count(*) FROM leadqual.score_change WHERE lead_id = '2'), (SELECT n FROM ed_history),
          'and writes no history');
INSERT INTO ed_leads (id, title) VALUES (2, 'Intern') ON CONFLICT (id) DO UPDATE SET email = 'vp@example.com';
SELECT is((SELECT format('%s|%s', fit, score) FROM leadqual.lead_score WHERE lead_table = 'ed_leads'::regclass AND lead_id = '2'),
          '15|15', 'ON CONFLICT DO UPDATE of another column keeps them too');
SELECT is((SELECT count(*) FROM leadqual.score_change WHERE lead_id = '2'), (SELECT n FROM ed_history),
          'and writes no history either');
CREATE FUNCTION pg_temp.cancel() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
CREATE TRIGGER zz_cancel BEFORE UPDATE ON ed_leads FOR EACH ROW WHEN (NEW.title = 'cancelled')
    EXECUTE FUNCTION pg_temp.cancel();
UPDATE ed_leads SET title = 'cancelled' WHERE id = 2;
SELECT is((SELECT format('%s|%s', fit, score) FROM leadqual.lead_score WHERE lead_table = 'ed_leads'::regclass AND lead_id = '2'),
          '15|15', 'an UPDATE another BEFORE trigger cancels leaves them alone');
DROP TRIGGER zz_cancel ON ed_leads;
-- scoring's UPDATE reuses the fit it read from the locked row only while
-- the row's fit columns stay as they were
CREATE FUNCTION pg_temp.retitle() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.title := 'CEO'; RETURN NEW; END$$;
CREATE TRIGGER a_retitle BEFORE UPDATE ON ed_leads FOR EACH ROW WHEN (NEW.score IS DISTINCT FROM OLD.score)
    EXECUTE FUNCTION pg_temp.retitle();
SELECT throws_ok($$SELECT leadqual.track('ed_leads', '2', 'demo_request')$$, '428C9', NULL,
                 'a trigger that retitles the lead as track() writes its score: the fit of the row as written is checked');
DROP TRIGGER a_retitle ON ed_leads;

-- a real score column rescores idempotently
CREATE TABLE ed_real (id int PRIMARY KEY, title text, company_size int, industry text,
                      score real NOT NULL DEFAULT 0,
                      lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.copy_model('default', 'ed_fine');
UPDATE leadqual.model SET scale = 6 WHERE name = 'ed_fine';
UPDATE leadqual.engagement_rule SET half_life = '3 days' WHERE model = 'ed_fine';
SELECT leadqual.manage('ed_real', model => 'ed_fine');
INSERT INTO ed_real (id, title) SELECT g, 'Manager' FROM generate_series(1, 5) AS g;
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at)
SELECT 'ed_real', (1 + g % 5)::text, 'webinar_attended', timestamptz '2026-01-01' + g * interval '7 hours'
FROM generate_series(1, 20) AS g;
SELECT ok(leadqual.rescore('ed_real', '2026-01-09') > 0, 'a first rescore changes the real scores');
SELECT is(leadqual.rescore('ed_real', '2026-01-09'), 0::bigint, 'a second one, as of the same time, changes none');

-- rescore() reads the rows in the order of the text of their ids in the
-- collation of leadqual's indexes, not the id column's own: a second
-- rescore as of the same time finds every lead's subtotals and rewrites none
CREATE TABLE ed_ids (id text COLLATE "und-x-icu" PRIMARY KEY, title text, company_size int, industry text,
                     score integer NOT NULL DEFAULT 0,
                     lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.copy_model('default', 'ed_decaying');
UPDATE leadqual.engagement_rule SET half_life = '3 days' WHERE model = 'ed_decaying';
SELECT leadqual.manage('ed_ids', model => 'ed_decaying');
INSERT INTO ed_ids (id) VALUES ('a'), ('B'), ('c'), ('D'), ('é'), ('E'), ('_x'), ('10'), ('9'), (' y');
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at)
SELECT 'ed_ids', l.id, 'webinar_attended', timestamptz '2026-01-01' + n * interval '1 day'
FROM ed_ids AS l, generate_series(1, 3) AS n;
SELECT is(leadqual.rescore('ed_ids', '2026-01-20'), 10::bigint, 'a rescore 16 days on decays every lead');
CREATE TEMP TABLE ed_scored_at AS
SELECT lead_id, scored_at FROM leadqual.lead_score WHERE lead_table = 'ed_ids'::regclass;
SELECT is(leadqual.rescore('ed_ids', '2026-01-20'), 0::bigint, 'the same rescore again changes no score');
SELECT is((SELECT count(*) FROM leadqual.lead_score AS s JOIN ed_scored_at AS b USING (lead_id)
           WHERE s.lead_table = 'ed_ids'::regclass AND s.scored_at IS DISTINCT FROM b.scored_at),
          0::bigint, 'nor rewrites any lead''s subtotals, whatever its id''s place in either collation');

-- explain() counts only events that have the group_by property
CREATE TABLE ed_sessions (id int PRIMARY KEY, title text, company_size int, industry text,
                          score integer NOT NULL DEFAULT 0,
                          lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.copy_model('default', 'ed_pages');
UPDATE leadqual.engagement_rule SET min_count = 2 WHERE model = 'ed_pages' AND name = 'pages_in_session';
SELECT leadqual.manage('ed_sessions', model => 'ed_pages');
INSERT INTO ed_sessions (id) VALUES (1);
INSERT INTO leadqual.event (lead_table, lead_id, kind, properties) VALUES
    ('ed_sessions', '1', 'page_view', '{"session_id": "s1"}'),
    ('ed_sessions', '1', 'page_view', '{"session_id": "s1"}'),
    ('ed_sessions', '1', 'page_view', '{}');
SELECT is((SELECT (evidence ->> 'count')::int FROM leadqual.explain('ed_sessions', '1') WHERE rule = 'pages_in_session'),
          2, 'explain() counts the two events of the session, not the one without a session');

-- a partitioned table: rows moving between partitions keep their scores
-- and record no change that did not happen
CREATE TABLE ed_regional (id int, region text, title text, company_size int, industry text,
                          score integer NOT NULL DEFAULT 0,
                          lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                          PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE ed_regional_eu PARTITION OF ed_regional FOR VALUES IN ('eu');
CREATE TABLE ed_regional_us PARTITION OF ed_regional FOR VALUES IN ('us');
SELECT leadqual.manage('ed_regional', model => 'default');
INSERT INTO ed_regional (id, region, title, company_size, industry)
VALUES (1, 'eu', 'VP Sales', 100, 'saas'), (2, 'us', 'Engineer', 5, 'retail');
SELECT leadqual.track('ed_regional', '1', 'pricing_page_view');
SELECT leadqual.track('ed_regional', '2', 'demo_request');
UPDATE ed_regional SET region = 'us' WHERE id = 1;
UPDATE ed_regional SET region = 'eu', title = 'CEO' WHERE id = 2;
SELECT is((SELECT string_agg(format('%s|%s|%s|%s', tableoid::regclass, id, score, lifecycle_stage), ',' ORDER BY id) FROM ed_regional),
          'ed_regional_us|1|60|mql,ed_regional_eu|2|70|mql',
          'partitioned: scored, promoted, moved; the move with a new title rescored');
SELECT is((SELECT string_agg(format('%s|%s|%s', lead_id, fit, engagement), ',' ORDER BY lead_id)
           FROM leadqual.lead_score WHERE lead_table = 'ed_regional'::regclass),
          '1|40|20,2|20|50', 'partitioned: subtotals are kept under the managed table');
SELECT is((SELECT count(*) FROM leadqual.score_change WHERE lead_table = 'ed_regional'::regclass AND lead_id = '1'),
          2::bigint, 'partitioned: moving a row between partitions records no score change');
SELECT is((SELECT string_agg(format('%s>%s', previous_score, score), ',' ORDER BY id)
           FROM leadqual.score_change WHERE lead_table = 'ed_regional'::regclass AND lead_id = '2'),
          '>0,0>50,50>70', 'partitioned: the move that changed the title records that change once');
SELECT is(leadqual.rescore('ed_regional'), 0::bigint, 'partitioned: a rescore finds every score current');

-- recording events needs UPDATE on the leads table, scored or not
CREATE TABLE ed_unscored (id int PRIMARY KEY);
CREATE ROLE lq_tap_ed_stranger;
GRANT SELECT ON ed_unscored, ed_leads TO lq_tap_ed_stranger;
SET LOCAL ROLE lq_tap_ed_stranger;
SELECT throws_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('ed_unscored', '1', 'demo_request')$$,
                 '42501', NULL, 'a role without UPDATE cannot record events of a table not scored yet');
SELECT throws_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('ed_leads', '2', 'demo_request')$$,
                 '42501', NULL, 'nor of a scored one');
RESET ROLE;
SELECT is((SELECT count(*) FROM leadqual.event WHERE lead_table IN ('ed_unscored'::regclass, 'ed_leads'::regclass) AND lead_id <> '1'),
          0::bigint, 'and nothing was recorded');

SELECT * FROM finish();
ROLLBACK;
