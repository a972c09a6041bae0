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
