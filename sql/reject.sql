-- leadqual.reject(): messages and what it logs.
\set SHOW_CONTEXT never
CREATE SCHEMA rj;
CREATE TABLE rj.leads (id uuid PRIMARY KEY, score numeric,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE rj.unmanaged (id int PRIMARY KEY, score int,
                           lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('rj.leads');
INSERT INTO rj.leads VALUES ('00000000-0000-0000-0000-000000000001', 75.5);

SELECT leadqual.reject('rj.leads', '00000000-0000-0000-0000-000000000001', 'recycled', 'bad_timing');
SELECT leadqual.reject('rj.leads', '00000000-0000-0000-0000-000000000001', 'disqualified', 'competitor');
-- already there: nothing to log
SELECT leadqual.reject('rj.leads', '00000000-0000-0000-0000-000000000001', 'disqualified', 'competitor');

SELECT leadqual.reject('rj.leads', '00000000-0000-0000-0000-000000000001', 'sql', 'no_budget');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.reject('rj.leads', '00000000-0000-0000-0000-000000000002', 'recycled', 'no_budget');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.reject('rj.leads', 'not-a-uuid', 'recycled', 'no_budget');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.reject('rj.leads', '00000000-0000-0000-0000-000000000001', 'recycled', 'whatever');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.reject('rj.leads', '00000000-0000-0000-0000-000000000001', 'recycled', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.reject('rj.leads', NULL, 'recycled', 'no_budget');
\echo :LAST_ERROR_SQLSTATE
SELECT leadqual.reject('rj.unmanaged', '1', 'recycled', 'no_budget');
\echo :LAST_ERROR_SQLSTATE

-- the reason is checked even when the lead is already there
SELECT leadqual.reject('rj.leads', '00000000-0000-0000-0000-000000000001', 'disqualified', 'whatever');
\echo :LAST_ERROR_SQLSTATE

SELECT lifecycle_stage FROM rj.leads;
SELECT lead_id, from_stage, to_stage, score, reason, via
FROM leadqual.transition WHERE lead_table = 'rj.leads'::regclass ORDER BY id;

-- a role without UPDATE on the table is refused before any lock is taken
CREATE ROLE leadqual_rj_reader;
GRANT USAGE ON SCHEMA rj TO leadqual_rj_reader;
GRANT SELECT ON rj.leads TO leadqual_rj_reader;
SET ROLE leadqual_rj_reader;
SELECT leadqual.reject('rj.leads', '00000000-0000-0000-0000-000000000001', 'recycled', 'no_budget');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
REVOKE ALL ON rj.leads FROM leadqual_rj_reader;
REVOKE ALL ON SCHEMA rj FROM leadqual_rj_reader;
DROP ROLE leadqual_rj_reader;

-- other triggers on the table run under the caller's search_path
CREATE FUNCTION rj.stamp() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN INSERT INTO stamps VALUES (NEW.id); RETURN NEW; END$$;
CREATE TABLE rj.stamps (id uuid);
CREATE TRIGGER stamp AFTER UPDATE ON rj.leads FOR EACH ROW EXECUTE FUNCTION rj.stamp();
INSERT INTO rj.leads VALUES ('00000000-0000-0000-0000-000000000003', 80);
SET search_path = rj, public;
SELECT leadqual.reject('rj.leads', '00000000-0000-0000-0000-000000000003', 'recycled', 'no_budget');
RESET search_path;
SELECT count(*) AS stamped FROM rj.stamps;

-- a sub-partitioned table, managed in the middle of its tree
CREATE TABLE rj.world (id int, region text, country text, score int NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                       PRIMARY KEY (id, region, country)) PARTITION BY LIST (region);
CREATE TABLE rj.europe PARTITION OF rj.world FOR VALUES IN ('eu') PARTITION BY LIST (country);
CREATE TABLE rj.france PARTITION OF rj.europe FOR VALUES IN ('fr');
CREATE TABLE rj.germany PARTITION OF rj.europe FOR VALUES IN ('de');
SELECT leadqual.manage('rj.europe');
INSERT INTO rj.world VALUES (1, 'eu', 'fr', 70), (1, 'eu', 'de', 70);
-- reject() on one partition leaves the same id in another alone
SELECT leadqual.reject('rj.france', '1', 'recycled', 'bad_timing');
SELECT tableoid::regclass, id, lifecycle_stage FROM rj.world ORDER BY 1;
SELECT leadqual.reject('rj.europe', '1', 'disqualified', 'competitor');
SELECT lead_table, lead_id, from_stage, to_stage, reason, via
FROM leadqual.transition WHERE lead_table = 'rj.europe'::regclass ORDER BY id;

DROP SCHEMA rj CASCADE;
