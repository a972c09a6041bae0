-- Case d: scoring.  The same leads scored by a model whose engagement
-- decays (half-life 30 days), with :events_per_lead events each over the
-- last 90 days, and a baseline pair of plain tables that an application
-- would write by hand: an events table and a score it bumps itself.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE TABLE bench.scored (
    id              bigint PRIMARY KEY,
    email           text NOT NULL,
    title           text,
    company_size    integer,
    industry        text,
    score           integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT leadqual.copy_model('default', 'bench');
-- promotions would make the runs unequal; this measures scoring
UPDATE leadqual.model SET threshold = 100000 WHERE name = 'bench';
UPDATE leadqual.engagement_rule SET half_life = '30 days' WHERE model = 'bench';
INSERT INTO bench.scored (id, email, title, company_size, industry)
SELECT g, 'lead' || g || '@example.com',
       (ARRAY['CEO', 'VP Sales', 'Director of IT', 'Marketing Manager', 'Engineer', 'Student'])[1 + g % 6],
       (g * 37) % 2000,
       (ARRAY['software', 'retail', 'saas', 'finance'])[1 + g % 4]
FROM generate_series(1, :scale) AS g;

-- loaded before the table is managed, so stored unscored; bench/run then
-- times manage(), which scores everything in one set-based pass
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at, properties)
SELECT 'bench.scored', (1 + (g * 7919) % :scale)::text,
       (ARRAY['pricing_page_view', 'webinar_attended', 'email_open', 'page_view',
              'site_visit', 'whitepaper_download', 'case_study_download'])[1 + g % 7],
       now() - (g % 129600) * interval '1 minute',
       jsonb_build_object('session_id', g % 5000)
FROM generate_series(1::bigint, :scale::bigint * :events_per_lead) AS g;

-- The same model on a table of as many leads, of which the first
-- :deep_leads have 1,000 events each: track() on a lead with a long
-- history, against the 10 or so of bench.scored.  As many rows as
-- bench.scored, so that only the histories differ (a table of 100 rows
-- would be read whole, not by index).
CREATE TABLE bench.scored_deep (LIKE bench.scored INCLUDING ALL);
INSERT INTO bench.scored_deep (id, email, title, company_size, industry)
SELECT g, 'deep' || g || '@example.com', 'Engineer', 10, 'retail'
FROM generate_series(1, :scale) AS g;
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at, properties)
SELECT 'bench.scored_deep', (1 + g % :deep_leads)::text,
       (ARRAY['pricing_page_view', 'webinar_attended', 'email_open', 'page_view',
              'site_visit', 'whitepaper_download', 'case_study_download'])[1 + g % 7],
       now() - (g % 129600) * interval '1 minute',
       jsonb_build_object('session_id', g % 5000)
FROM generate_series(1::bigint, :deep_leads::bigint * 1000) AS g;
SELECT leadqual.manage('bench.scored_deep', model => 'bench');

-- merge() and erase() of leads with 1,000 events each: a table of their
-- own (case c tracks bench.scored_deep's leads), three leads a run.
CREATE TABLE bench.identity (LIKE bench.scored INCLUDING ALL);
INSERT INTO bench.identity (id, email, title, company_size, industry)
SELECT g, 'identity' || g || '@example.com', 'Engineer', 10, 'retail'
FROM generate_series(1, 30) AS g;
INSERT INTO leadqual.event (lead_table, lead_id, kind, occurred_at, properties)
SELECT 'bench.identity', (1 + g % 30)::text,
       (ARRAY['pricing_page_view', 'webinar_attended', 'email_open', 'page_view',
              'site_visit', 'whitepaper_download', 'case_study_download'])[1 + g % 7],
       now() - (g % 129600) * interval '1 minute',
       jsonb_build_object('session_id', g % 5000)
FROM generate_series(1::bigint, 30000) AS g;
SELECT leadqual.manage('bench.identity', model => 'bench');

-- The floor diagnostics of case d: the rows leadqual writes, written
-- set-based by plain statements with no trigger and no per-row code, into
-- copies of leadqual's tables with their indexes and storage settings.
CREATE TABLE bench.scored_floor (LIKE bench.scored INCLUDING ALL);
CREATE TABLE bench.floor_engagement_state (LIKE leadqual.engagement_state INCLUDING ALL);
CREATE TABLE bench.floor_lead_score (LIKE leadqual.lead_score INCLUDING ALL);
CREATE TABLE bench.floor_score_change (LIKE leadqual.score_change INCLUDING ALL);
SELECT pg_catalog.format('ALTER TABLE %s SET (%s)', t, pg_catalog.array_to_string(c.reloptions, ', '))
FROM (VALUES ('bench.floor_engagement_state', 'leadqual.engagement_state'::regclass),
             ('bench.floor_lead_score', 'leadqual.lead_score'::regclass),
             ('bench.floor_score_change', 'leadqual.score_change'::regclass)) AS v(t, source)
JOIN pg_catalog.pg_class AS c ON c.oid = v.source
WHERE c.reloptions IS NOT NULL \gexec

-- merge()'s floor: bench.identity's events in a copy of leadqual.event
-- (its indexes and its constraints, no trigger), where the duplicate's
-- events are moved by a plain UPDATE.
CREATE TABLE bench.floor_identity_event (LIKE leadqual.event INCLUDING ALL);
INSERT INTO bench.floor_identity_event
SELECT * FROM leadqual.event WHERE lead_table = 'bench.identity'::regclass ORDER BY id;

CREATE TABLE bench.plain_events (LIKE leadqual.event INCLUDING DEFAULTS);
ALTER TABLE bench.plain_events ALTER COLUMN id SET DEFAULT nextval('leadqual.event_id_seq');
CREATE INDEX ON bench.plain_events (lead_table, lead_id, kind, occurred_at);
CREATE TABLE bench.plain_leads AS SELECT * FROM bench.scored;
ALTER TABLE bench.plain_leads ADD PRIMARY KEY (id);
VACUUM ANALYZE bench.scored, bench.scored_deep, bench.plain_leads, leadqual.event, leadqual.lead_score,
               bench.floor_identity_event;
