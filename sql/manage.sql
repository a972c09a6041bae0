-- leadqual.manage(), leadqual.unmanage() and leadqual.managed: validation
-- messages, settings, re-managing.
\set SHOW_CONTEXT never
CREATE SCHEMA m;
CREATE TABLE m.leads (id bigint PRIMARY KEY, email text, score int,
                      lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                      note text, stage_text text, fscore real);
CREATE VIEW m.leads_view AS SELECT * FROM m.leads;

SELECT leadqual.manage('m.nope');
SELECT leadqual.manage(2147483647::oid::regclass);
SELECT leadqual.manage('m.leads_view');
SELECT leadqual.manage('m.leads', id_column => 'lead_id');
SELECT leadqual.manage('m.leads', score_column => 'points');
SELECT leadqual.manage('m.leads', stage_column => 'stage');
SELECT leadqual.manage('m.leads', id_column => 'ctid');
SELECT leadqual.manage('m.leads', score_column => 'note');
SELECT leadqual.manage('m.leads', stage_column => 'stage_text');
SELECT leadqual.manage('m.leads', score_column => 'id');
SELECT leadqual.manage('m.leads', threshold => 'NaN');
SELECT leadqual.manage('m.leads', threshold => 'Infinity');
SELECT leadqual.manage('m.leads', model => 'no_such_model');
SELECT leadqual.manage('m.leads', model => 'default', threshold => 40);
SELECT leadqual.manage('m.leads', model => 'default');
SELECT leadqual.manage('m.leads', promote_to => 'lead');
SELECT leadqual.manage('m.leads', promote_to => 'recycled');
SELECT leadqual.manage(NULL);

CREATE TABLE m.generated (id int PRIMARY KEY, fit int, engagement int,
                          score int GENERATED ALWAYS AS (fit + engagement) STORED,
                          lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('m.generated');

-- a foreign trigger under our name is not replaced
CREATE FUNCTION m.noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER leadqual_qualify BEFORE UPDATE ON m.leads FOR EACH ROW EXECUTE FUNCTION m.noop();
SELECT leadqual.manage('m.leads');
DROP TRIGGER leadqual_qualify ON m.leads;

-- defaults, then new settings
SELECT leadqual.manage('m.leads');
SELECT * FROM leadqual.managed;
SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'm.leads'::regclass ORDER BY tgname;
SELECT leadqual.manage('m.leads', score_column => 'fscore', threshold => 42.5, promote_to => 'pql');

-- unmanage
SELECT leadqual.unmanage('m.leads');
SELECT leadqual.unmanage('m.leads');

-- a column renamed behind leadqual's back
SELECT leadqual.manage('m.leads');
ALTER TABLE m.leads RENAME COLUMN score TO points;
INSERT INTO m.leads (id, points) VALUES (1, 10);
SELECT leadqual.manage('m.leads', score_column => 'points');

-- the stage column cannot be retyped behind leadqual's back: its logging
-- trigger depends on it
CREATE TYPE m.other_stage AS ENUM ('lead', 'mql');
CREATE TABLE m.retyped (id int PRIMARY KEY, score int,
                        lifecycle_stage leadqual.lifecycle_stage NOT NULL);
SELECT leadqual.manage('m.retyped');
ALTER TABLE m.retyped ALTER COLUMN lifecycle_stage TYPE m.other_stage
    USING lifecycle_stage::text::m.other_stage;

-- partitions are managed through their partitioned table
CREATE TABLE m.parted (id int, region text, score int NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                       PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE m.parted_eu PARTITION OF m.parted FOR VALUES IN ('eu');
SELECT leadqual.manage('m.parted');
SELECT leadqual.manage('m.parted_eu');

CREATE ROLE leadqual_m_owner;
GRANT CREATE, USAGE ON SCHEMA m TO leadqual_m_owner;
SET ROLE leadqual_m_owner;
SELECT leadqual.manage('m.leads', score_column => 'points');
RESET ROLE;
REVOKE ALL ON SCHEMA m FROM leadqual_m_owner;
DROP ROLE leadqual_m_owner;

DROP SCHEMA m CASCADE;
