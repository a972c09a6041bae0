-- Kept engagement state (src/engagement_state.c): scoring a lead after new
-- events folds them into what each rule keeps of the lead's events, and
-- gives the engagement that all of its events give (_engagement_points(),
-- which reads them all), for every shape of rule, events in any order,
-- after rule changes, event deletes and updates, and as of any time.
\ir helpers/setup.psql

SELECT plan(41);
SET LOCAL TimeZone = 'UTC';

CREATE TABLE kept_leads (id int PRIMARY KEY, title text, company_size int, industry text,
                         score numeric NOT NULL DEFAULT 0,
                         lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
INSERT INTO leadqual.model (name, threshold, scale) VALUES ('kept', 100000, 2);
-- one rule of each shape the state keeps differently
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, half_life) VALUES
    ('kept', 'decaying', 'read', 10, '3 days');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES
    ('kept', 'counting', 'click', 3);
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, within, half_life) VALUES
    ('kept', 'recent_decaying', 'visit', 4, '10 days', '5 days');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, within, cap) VALUES
    ('kept', 'recent_capped', 'visit', 5, '7 days', 12);
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, min_count, within) VALUES
    ('kept', 'three_visits', 'visit', 15, 3, '20 days');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, match, points, min_count, group_by, half_life) VALUES
    ('kept', 'deep_session', 'page', '{"site": "main"}', 8, 4, 'session', '2 days');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, cap) VALUES
    ('kept', 'negative', 'unsubscribe', -7, 10);
SELECT leadqual.manage('kept_leads', model => 'kept');
INSERT INTO kept_leads (id) SELECT g FROM generate_series(1, 6) AS g;

-- Each lead's engagement as all of its events give it, as of now().
CREATE FUNCTION pg_temp.engagement_from_events(lead text) RETURNS numeric
LANGUAGE sql AS $$
    SELECT COALESCE(sum(p.points), 0)
    FROM leadqual._engagement_points('kept_leads', now()) AS p WHERE p.lead_id = lead
$$;
-- Leads whose stored engagement differs from what their events give.
CREATE FUNCTION pg_temp.leads_off() RETURNS text[]
LANGUAGE sql AS $$
    SELECT COALESCE(array_agg(l.id ORDER BY l.id), '{}')
    FROM kept_leads AS l
    JOIN leadqual.lead_score AS s ON s.lead_table = 'kept_leads'::regclass AND s.lead_id = l.id::text
    WHERE s.engagement IS DISTINCT FROM pg_temp.engagement_from_events(l.id::text)
$$;
CREATE FUNCTION pg_temp.kept(lead text) RETURNS bytea
LANGUAGE sql AS $$
    SELECT s.state FROM leadqual.engagement_state AS s
    WHERE s.lead_table = 'kept_leads'::regclass AND s.lead_id = lead
$$;

-- A pseudo-random history per lead, one track() at a time, with times
-- out of order (back-dated), sessions on and off the matched site, and
-- events no rule counts.
SELECT setseed(0.16);
CREATE TEMP TABLE history AS
SELECT 1 + (g % 5) AS lead,
       (ARRAY['read', 'click', 'visit', 'visit', 'page', 'page', 'page', 'unsubscribe', 'other'])
           [1 + floor(random() * 9)::int] AS kind,
       now() - random() * interval '30 days' AS occurred_at,
       jsonb_build_object('session', 's' || floor(random() * 6)::int,
                          'site', CASE WHEN random() < 0.8 THEN 'main' ELSE 'blog' END) AS properties,
       g AS n
FROM generate_series(1, 400) AS g;
SELECT count(leadqual.track('kept_leads', h.lead::text, h.kind, h.occurred_at, h.properties))
FROM (SELECT * FROM history ORDER BY n) AS h;

SELECT is(pg_temp.leads_off(), '{}',
          'after 400 events tracked one at a time, out of order, every lead''s engagement is what all of its events give');
SELECT is((SELECT count(*) FROM leadqual.engagement_state WHERE lead_table = 'kept_leads'::regclass),
          5::bigint, 'each lead with events has its kept state');
SELECT ok((SELECT bool_and(l.score = s.fit + s.engagement)
           FROM kept_leads AS l JOIN leadqual.lead_score AS s ON s.lead_id = l.id::text
           WHERE s.lead_table = 'kept_leads'::regclass),
          'and each score is fit + engagement');
SELECT ok((SELECT count(DISTINCT s.engagement) > 2 FROM leadqual.lead_score AS s
           WHERE s.lead_table = 'kept_leads'::regclass),
          'the leads'' engagements differ (the comparison is not vacuous)');

-- The same events in one statement: every lead rebuilt or folded alike.
SELECT is(leadqual.rescore('kept_leads'), 0::bigint,
          'rescore(), which reads all the events, finds no score to change');

-- A lead with a long history keeps little: sessions that can no longer
-- complete a newer run are dropped, windows keep what is inside them.
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at, properties)
SELECT 'kept_leads', '6', 'page', now() - interval '40 days' + g * interval '1 hour',
       jsonb_build_object('session', 'long' || (g / 5), 'site', 'main')
FROM generate_series(1, 900) AS g;
SELECT is(pg_temp.leads_off(), '{}', 'a lead given 900 events in one statement is scored from all of them');
SELECT ok(length(pg_temp.kept('6')) < 1000,
          'and keeps under 1000 bytes of them (' || length(pg_temp.kept('6')) || ')');
SELECT leadqual.track('kept_leads', '6', 'page', now() - interval '1 minute', '{"session": "late", "site": "main"}');
SELECT leadqual.track('kept_leads', '6', 'visit', now() - interval '1 minute');
SELECT is(pg_temp.leads_off(), '{}', 'events tracked after those are folded in');

-- Direct calls can't fold an event twice: only the trigger on
-- leadqual.event hands events over.
CREATE TEMP TABLE before_calls AS
SELECT s.lead_id, s.engagement, pg_temp.kept(s.lead_id) AS state
FROM leadqual.lead_score AS s WHERE s.lead_table = 'kept_leads'::regclass;
SELECT count(*) FROM leadqual._store_scores('kept_leads', now(), '{1,2,3}');
SELECT count(*) FROM leadqual._store_scores('kept_leads', now(), '{1,2,3}');
SELECT is((SELECT count(*) FROM before_calls AS b
           JOIN leadqual.lead_score AS s ON s.lead_table = 'kept_leads'::regclass AND s.lead_id = b.lead_id
           WHERE s.engagement IS DISTINCT FROM b.engagement OR pg_temp.kept(b.lead_id) IS DISTINCT FROM b.state),
          0::bigint, '_store_scores() called directly changes no engagement and no kept state');
SELECT throws_ok($$SELECT leadqual._score_new_events()$$, '39P01', 'leadqual._score_new_events: must be called as a trigger',
                 '_score_new_events() can''t be called as a function');
SELECT throws_ok($$SELECT leadqual._forget_changed_events()$$, '39P01', 'leadqual._forget_changed_events: must be called as a trigger',
                 '_forget_changed_events() can''t be called as a function');
CREATE TABLE not_events (id int);
SELECT throws_ok($$CREATE TRIGGER misuse AFTER INSERT ON not_events REFERENCING NEW TABLE AS new_events
                   FOR EACH STATEMENT EXECUTE FUNCTION leadqual._score_new_events();
                   INSERT INTO not_events VALUES (1)$$,
                 '39P01', 'leadqual._score_new_events: must be fired on leadqual.event, not on not_events',
                 'attached to another table, the trigger refuses to run');
SELECT throws_ok($$CREATE TRIGGER misuse2 AFTER DELETE ON leadqual.event
                   FOR EACH ROW EXECUTE FUNCTION leadqual._forget_changed_events();
                   DELETE FROM leadqual.event WHERE id = (SELECT max(id) FROM leadqual.event)$$,
                 '39P01', 'leadqual._forget_changed_events: must be fired AFTER ... FOR EACH STATEMENT',
                 'fired for each row, the forgetting trigger refuses to run');

SELECT throws_ok($$SELECT leadqual._score_leads(NULL, '{1}', now(), false)$$, '22004',
                 'leadqual._score_leads: leads, as_of and skip_locked must not be NULL',
                 '_score_leads() refuses a NULL table');
SELECT throws_ok($$SELECT leadqual._score_leads('kept_leads', '{1}', now(), NULL)$$, '22004',
                 'leadqual._score_leads: leads, as_of and skip_locked must not be NULL',
                 'and a NULL skip_locked');

-- What is kept is leadqual's: application roles can't read or write it.
CREATE ROLE lq_tap_kept_app;
SELECT throws_ok($$SET LOCAL ROLE lq_tap_kept_app; SELECT count(*) FROM leadqual.engagement_state$$,
                 '42501', NULL, 'an application role can''t read the kept state');
RESET ROLE;
SELECT throws_ok($$SET LOCAL ROLE lq_tap_kept_app; DELETE FROM leadqual.engagement_state$$,
                 '42501', NULL, 'nor delete it');
RESET ROLE;
GRANT SELECT, UPDATE ON kept_leads TO lq_tap_kept_app;
SET LOCAL ROLE lq_tap_kept_app;
SELECT leadqual.track('kept_leads', '1', 'click');
RESET ROLE;
SELECT is(pg_temp.leads_off(), '{}', 'a role with UPDATE on the table tracks, and its event is kept as the owner writes it');

-- Rules change: a state kept under other rules is rebuilt.
UPDATE leadqual.engagement_rule SET min_count = 2 WHERE model = 'kept' AND name = 'three_visits';
UPDATE leadqual.engagement_rule SET half_life = '1 day' WHERE model = 'kept' AND name = 'decaying';
SELECT leadqual.track('kept_leads', '2', 'click');
SELECT is((SELECT s.engagement FROM leadqual.lead_score AS s
           WHERE s.lead_table = 'kept_leads'::regclass AND s.lead_id = '2'),
          pg_temp.engagement_from_events('2'),
          'after rules change, the next event scores the lead from all of its events under the new rules');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES ('kept', 'added', 'other', 2);
SELECT leadqual.track('kept_leads', '3', 'click');
SELECT is((SELECT s.engagement FROM leadqual.lead_score AS s
           WHERE s.lead_table = 'kept_leads'::regclass AND s.lead_id = '3'),
          pg_temp.engagement_from_events('3'),
          'a rule added counts the lead''s earlier events at its next event');
SELECT is(leadqual.rescore('kept_leads'), 4::bigint, 'rescore() brings the four other leads to the new rules');
SELECT is(pg_temp.leads_off(), '{}', 'after which every lead is what its events give');

-- Events deleted or changed: their leads' kept state is dropped, then rebuilt.
DELETE FROM leadqual.event WHERE lead_table = 'kept_leads'::regclass AND lead_id = '4' AND kind = 'click';
SELECT is(pg_temp.kept('4'), NULL, 'deleting a lead''s events drops its kept state');
SELECT leadqual.track('kept_leads', '4', 'read');
SELECT is(pg_temp.leads_off(), '{}', 'its next event rebuilds it from the events left');
UPDATE leadqual.event SET lead_id = '5' WHERE lead_table = 'kept_leads'::regclass AND lead_id = '1' AND kind = 'read';
SELECT ok(pg_temp.kept('1') IS NULL AND pg_temp.kept('5') IS NULL,
          'moving events from one lead to another drops both leads'' kept state');
SELECT is(leadqual.rescore('kept_leads') > 0, true, 'rescore() rescores them');
SELECT is(pg_temp.leads_off(), '{}', 'from their events');

-- A damaged state is rebuilt, never trusted.
UPDATE leadqual.engagement_state SET state = '\x0102'::bytea
WHERE lead_table = 'kept_leads'::regclass AND lead_id = '2';
SELECT leadqual.track('kept_leads', '2', 'click');
SELECT is(pg_temp.leads_off(), '{}', 'a damaged kept state is rebuilt from the events');

-- An event dated after as_of: the state can't say, the events do.
SELECT leadqual.track('kept_leads', '3', 'read', now() + interval '2 days');
SELECT is((SELECT s.engagement FROM leadqual.lead_score AS s
           WHERE s.lead_table = 'kept_leads'::regclass AND s.lead_id = '3'),
          pg_temp.engagement_from_events('3'),
          'an event dated in the future does not count yet');
SELECT leadqual.rescore('kept_leads', now() + interval '3 days');
SELECT is((SELECT s.engagement FROM leadqual.lead_score AS s
           WHERE s.lead_table = 'kept_leads'::regclass AND s.lead_id = '3'),
          (SELECT COALESCE(sum(p.points), 0)
           FROM leadqual._engagement_points('kept_leads', now() + interval '3 days') AS p
           WHERE p.lead_id = '3'),
          'and counts, decayed, as of a time after it');
SELECT leadqual.rescore('kept_leads', now() - interval '10 days');
SELECT is((SELECT array_agg(s.engagement ORDER BY s.lead_id) FROM leadqual.lead_score AS s
           WHERE s.lead_table = 'kept_leads'::regclass),
          (SELECT array_agg(COALESCE(p.points, 0) ORDER BY l.id::text)
           FROM kept_leads AS l
           LEFT JOIN (SELECT p.lead_id, sum(p.points) AS points
                      FROM leadqual._engagement_points('kept_leads', now() - interval '10 days') AS p
                      GROUP BY p.lead_id) AS p ON p.lead_id = l.id::text),
          'rescore() as of a time in the past scores every lead from its events as of then');
SELECT leadqual.rescore('kept_leads');

-- Events of a table not scored by a model are only stored, and drop what
-- was kept of their leads.
SELECT leadqual.manage('kept_leads', threshold => 50);
INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('kept_leads', '5', 'click');
SELECT is(pg_temp.kept('5'), NULL, 'an event of a table no model scores drops its lead''s kept state');
SELECT leadqual.manage('kept_leads', model => 'kept');
SELECT leadqual.track('kept_leads', '5', 'click');
SELECT is(pg_temp.leads_off(), '{}', 'managed with the model again, the lead counts every event');

-- Many leads with no kept state are rebuilt in one pass over the table's
-- events, a lead at a time in lead order: 500 leads' first events inserted
-- in one statement, and a table scored again after its states are gone,
-- with leads that have no events at all.
INSERT INTO kept_leads (id) SELECT g FROM generate_series(7, 606) AS g;
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at, properties)
SELECT 'kept_leads', (7 + g % 500)::text,
       (ARRAY['read', 'click', 'visit', 'page', 'unsubscribe', 'other'])[1 + g % 6],
       now() - (g % 400) * interval '1 hour',
       jsonb_build_object('site', CASE WHEN g % 7 = 0 THEN 'blog' ELSE 'main' END, 'session', (g % 4)::text)
FROM generate_series(1, 4000) AS g;
SELECT is(pg_temp.leads_off(), '{}',
          'events inserted in one statement for 500 leads with no kept state score each from all of its events');
SELECT is((SELECT count(*) FROM leadqual.engagement_state AS s
           WHERE s.lead_table = 'kept_leads'::regclass AND s.lead_id::int BETWEEN 7 AND 506),
          500::bigint, 'and keep a state for each of them');
SELECT leadqual.track('kept_leads', '9', 'click');
SELECT is(pg_temp.leads_off(), '{}', 'a state rebuilt with the others folds the next event in');
DELETE FROM leadqual.engagement_state WHERE lead_table = 'kept_leads'::regclass;
UPDATE leadqual.engagement_rule SET half_life = '4 days' WHERE model = 'kept' AND name = 'decaying';
SELECT leadqual.manage('kept_leads', model => 'kept');
SELECT is((SELECT count(*) FROM leadqual.engagement_state AS s WHERE s.lead_table = 'kept_leads'::regclass),
          606::bigint, 'manage() keeps a state for every lead, those with no events too');
SELECT is(pg_temp.leads_off(), '{}', 'and scores each from its events under the rules');
SELECT is(leadqual.rescore('kept_leads'), 0::bigint, 'a rescore() right after finds nothing to change');

-- TRUNCATE drops every kept state.
TRUNCATE leadqual.event CASCADE;
SELECT is((SELECT count(*) FROM leadqual.engagement_state), 0::bigint,
          'truncating the events drops every kept state');

-- pg_dump leaves the kept state out: it is derived from the events.
SELECT is((SELECT count(*) FROM pg_extension AS e, unnest(e.extconfig) AS c(relid)
           WHERE e.extname = 'leadqual' AND c.relid = 'leadqual.engagement_state'::regclass),
          0::bigint, 'the kept state is not dumped');

SELECT * FROM finish();
ROLLBACK;
