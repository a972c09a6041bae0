-- What test/system/dump_restore.sh dumps: managed tables (one partitioned),
-- a user-added rejection reason and history of every kind.
CREATE EXTENSION leadqual;
CREATE SCHEMA crm;
CREATE TABLE crm.leads (id int PRIMARY KEY, score int NOT NULL DEFAULT 0,
                        lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('crm.leads', threshold => 40);
INSERT INTO leadqual.rejection_reason (code, description) VALUES ('wrong_region', 'Outside our regions');
INSERT INTO crm.leads (id, score) SELECT g, g * 7 FROM generate_series(1, 10) AS g;
UPDATE crm.leads SET score = score + 20 WHERE id <= 4;
UPDATE crm.leads SET lifecycle_stage = 'sql' WHERE id = 8;
SELECT leadqual.reject('crm.leads', '9', 'recycled', 'wrong_region');
BEGIN;
SET LOCAL leadqual.enforce_stage_rules = off;
UPDATE crm.leads SET lifecycle_stage = 'lead' WHERE id = 10;
COMMIT;

CREATE TABLE crm.regional (id int, region text, score int NOT NULL DEFAULT 0,
                           lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                           PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE crm.regional_eu PARTITION OF crm.regional FOR VALUES IN ('eu');
CREATE TABLE crm.regional_us PARTITION OF crm.regional FOR VALUES IN ('us');
SELECT leadqual.manage('crm.regional');
INSERT INTO crm.regional VALUES (1, 'eu', 10), (2, 'us', 80);
UPDATE crm.regional SET region = 'us', score = 60 WHERE id = 1;

-- A table scored by a user's model, with events and score history.
CREATE TABLE crm.scored (id bigint PRIMARY KEY, title text, company_size int, industry text,
                         score numeric NOT NULL DEFAULT 0,
                         lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.copy_model('default', 'crm_model');
UPDATE leadqual.model SET threshold = 45, scale = 2 WHERE name = 'crm_model';
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, half_life)
VALUES ('crm_model', 'fading_webinar', 'webinar_attended', 8, '14 days');
SELECT leadqual.manage('crm.scored', model => 'crm_model');
INSERT INTO crm.scored (id, title, company_size, industry) VALUES
    (1, 'VP Marketing', 200, 'software'), (2, 'Engineer', 5, 'retail'), (3, 'CEO', 80, 'saas');
SELECT leadqual.track('crm.scored', '2', 'webinar_attended', '2026-01-05 10:00+00');
SELECT leadqual.track('crm.scored', '1', 'pricing_page_view');
SELECT leadqual.track('crm.scored', '3', 'demo_request');

-- The handoff: a user's calendar with a holiday, a policy on it, owners,
-- an owner column, assignments, touches and SLA clocks.
SELECT leadqual.copy_calendar('weekdays_9_17', 'crm_hours', time_zone => 'America/New_York');
INSERT INTO leadqual.holiday (calendar, day, description) VALUES ('crm_hours', '2026-12-25', 'Christmas');
INSERT INTO leadqual.sla_policy (name, stage, target, calendar, starts_on)
VALUES ('crm_mql', 'mql', '2 hours', 'crm_hours', 'owner_assignment'),
       ('crm_mql_routing', 'mql', '8 hours', '24x7', 'stage_entry');
INSERT INTO leadqual.owner (name, weight, calendar) VALUES ('alice', 2, NULL), ('bob', 1, '24x7');
CREATE TABLE crm.handed (id int PRIMARY KEY, owner text, score int NOT NULL DEFAULT 0,
                         lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('crm.handed', owner_column => 'owner');
INSERT INTO crm.handed (id, score) SELECT g, 10 FROM generate_series(1, 6) AS g;
UPDATE crm.handed SET score = 60 WHERE id <= 4;
SELECT leadqual.touch('crm.handed', '1', 'email', now() + interval '1 minute');
UPDATE crm.handed SET owner = 'carol' WHERE id = 2;

-- History imported from a CRM (import_history()): its log rows, owners,
-- touches and replayed clocks, under the policies above.
CREATE TABLE crm.imported (id int PRIMARY KEY, owner text, score int NOT NULL DEFAULT 0,
                           lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
INSERT INTO crm.imported (id, owner, lifecycle_stage) VALUES (1, 'dora', 'sql'), (2, NULL, 'mql');
SELECT leadqual.manage('crm.imported', owner_column => 'owner');
-- an owner for one table's leads only: its table is dumped by name
INSERT INTO leadqual.owner (name, lead_tables) VALUES ('erin', '{crm.imported}');
CREATE TABLE crm.imported_transitions (lead_id text, to_stage text, changed_at timestamptz);
INSERT INTO crm.imported_transitions VALUES
    ('1', 'lead', '2026-03-02 10:00+00'), ('1', 'mql', '2026-03-03 10:00+00'),
    ('1', 'sql', '2026-03-05 10:00+00'), ('2', 'mql', '2026-03-04 15:00+00');
CREATE TABLE crm.imported_owners (lead_id text, owner text, assigned_at timestamptz);
INSERT INTO crm.imported_owners VALUES ('1', 'dora', '2026-03-03 15:00+00');
CREATE TABLE crm.imported_touches (lead_id text, touched_at timestamptz);
INSERT INTO crm.imported_touches VALUES ('1', '2026-03-03 16:00+00');
SELECT * FROM leadqual.import_history('crm.imported', 'crm.imported_transitions',
                                      'crm.imported_owners', 'crm.imported_touches');

-- The rollups: the stopped clocks and the log folded, which a restore
-- keeps with their marks and watermark.
SELECT * FROM leadqual.refresh_rollups();
