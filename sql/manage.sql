-- leadqual.manage(), leadqual.unmanage() and leadqual.managed: validation
-- messages, settings, re-managing.
\set SHOW_CONTEXT never
CREATE SCHEMA m;
CREATE TABLE m.leads (id bigint PRIMARY KEY, email text, score int,
                      lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                      note text, stage_text text, fscore real);
CREATE VIEW m.leads_view AS SELECT * FROM m.leads;

-- every validation error, with its SQLSTATE
SELECT leadqual.manage('m.nope');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage(2147483647::oid::regclass);
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads_view');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', id_column => 'lead_id');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', score_column => 'points');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', stage_column => 'stage');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', id_column => 'ctid');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', score_column => 'note');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', stage_column => 'stage_text');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', score_column => 'id');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', threshold => 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', threshold => 'Infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', model => 'no_such_model');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', model => 'default', threshold => 40);
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', model => 'default');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', promote_to => 'lead');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', promote_to => 'recycled');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage(NULL);
\echo :LAST_ERROR_SQLSTATE

CREATE TABLE m.generated (id int PRIMARY KEY, fit int, engagement int,
                          score int GENERATED ALWAYS AS (fit + engagement) STORED,
                          lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('m.generated');
\echo :LAST_ERROR_SQLSTATE

-- nothing was created by the failed calls
SELECT count(*) AS managed_tables FROM leadqual.managed;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'm.leads'::regclass;

-- a foreign trigger under our name is not replaced
CREATE FUNCTION m.noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER leadqual_qualify BEFORE UPDATE ON m.leads FOR EACH ROW EXECUTE FUNCTION m.noop();
SELECT leadqual.manage('m.leads');
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER leadqual_qualify ON m.leads;

-- defaults, then new settings
SELECT leadqual.manage('m.leads');
SELECT * FROM leadqual.managed;
SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'm.leads'::regclass ORDER BY tgname;
SELECT leadqual.manage('m.leads', score_column => 'fscore', threshold => 42.5, promote_to => 'pql');
SELECT * FROM leadqual.managed;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'm.leads'::regclass;

-- unmanage
SELECT leadqual.unmanage('m.leads');
SELECT count(*) AS managed_tables FROM leadqual.managed;
SELECT leadqual.unmanage('m.leads');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.unmanage(NULL) IS NULL AS unmanage_null_is_noop;

-- a column renamed behind leadqual's back
SELECT leadqual.manage('m.leads');
ALTER TABLE m.leads RENAME COLUMN score TO points;
INSERT INTO m.leads (id, points) VALUES (1, 10);
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.manage('m.leads', score_column => 'points');
INSERT INTO m.leads (id, points) VALUES (1, 10);
SELECT id, points, lifecycle_stage FROM m.leads;

-- enabled means all three triggers fire
SELECT leadqual.manage('m.leads', score_column => 'points');
ALTER TABLE m.leads DISABLE TRIGGER leadqual_log_update;
SELECT leads, enabled FROM leadqual.managed WHERE leads = 'm.leads'::regclass;
ALTER TABLE m.leads ENABLE TRIGGER leadqual_log_update;
SELECT leads, enabled FROM leadqual.managed WHERE leads = 'm.leads'::regclass;

-- the stage column cannot be retyped behind leadqual's back: its logging
-- trigger depends on it
CREATE TYPE m.other_stage AS ENUM ('lead', 'mql');
CREATE TABLE m.retyped (id int PRIMARY KEY, score int,
                        lifecycle_stage leadqual.lifecycle_stage NOT NULL);
SELECT leadqual.manage('m.retyped');
ALTER TABLE m.retyped ALTER COLUMN lifecycle_stage TYPE m.other_stage
    USING lifecycle_stage::text::m.other_stage;
INSERT INTO m.retyped VALUES (1, 0, 'lead');
\echo :LAST_ERROR_SQLSTATE

-- partitions are managed through their partitioned table
CREATE TABLE m.parted (id int, region text, score int NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                       PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE m.parted_eu PARTITION OF m.parted FOR VALUES IN ('eu');
SELECT leadqual.manage('m.parted');
SELECT leadqual.manage('m.parted_eu');
\echo :LAST_ERROR_SQLSTATE
SELECT leads FROM leadqual.managed ORDER BY leads::text;

-- an ordinary role manages its own table
CREATE ROLE leadqual_m_owner;
GRANT CREATE, USAGE ON SCHEMA m TO leadqual_m_owner;
SET ROLE leadqual_m_owner;
CREATE TABLE m.own_leads (id int PRIMARY KEY, score int NOT NULL DEFAULT 0,
                          lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('m.own_leads', threshold => 10);
INSERT INTO m.own_leads VALUES (1, 15);
SELECT leadqual.manage('m.own_leads', threshold => 20);
SELECT leads, threshold FROM leadqual.managed WHERE leads = 'm.own_leads'::regclass;
SELECT leadqual.unmanage('m.own_leads');
-- but not someone else's
SELECT leadqual.manage('m.leads', score_column => 'points');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT lead_id, to_stage, changed_by, via FROM leadqual.transition
WHERE lead_table = 'm.own_leads'::regclass;
DROP TABLE m.own_leads;
REVOKE ALL ON SCHEMA m FROM leadqual_m_owner;
DROP ROLE leadqual_m_owner;

DROP SCHEMA m CASCADE;
