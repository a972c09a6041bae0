-- The stage rules' messages: backward moves, missing and unknown reasons,
-- repair mode.
\set SHOW_CONTEXT never
CREATE SCHEMA sr;
CREATE TABLE sr.leads (id int PRIMARY KEY, score int NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('sr.leads');
INSERT INTO sr.leads (id, score, lifecycle_stage) VALUES (1, 10, 'sql'), (2, 70, 'lead'), (3, 10, 'subscriber');

-- forward, with skips
UPDATE sr.leads SET lifecycle_stage = 'opportunity' WHERE id = 1;
UPDATE sr.leads SET lifecycle_stage = 'sql' WHERE id = 3;

-- backward
UPDATE sr.leads SET lifecycle_stage = 'mql' WHERE id = 1;
UPDATE sr.leads SET lifecycle_stage = 'subscriber' WHERE id = 2;

-- into a detour without a reason, and on INSERT
UPDATE sr.leads SET lifecycle_stage = 'recycled' WHERE id = 1;
INSERT INTO sr.leads (id, lifecycle_stage) VALUES (4, 'disqualified');

-- unknown reason
BEGIN;
SET LOCAL leadqual.reason = 'too_loud';
UPDATE sr.leads SET lifecycle_stage = 'disqualified' WHERE id = 1;
ROLLBACK;

-- repair mode
BEGIN;
SET LOCAL leadqual.enforce_stage_rules = off;
UPDATE sr.leads SET lifecycle_stage = 'lead' WHERE id = 1;
UPDATE sr.leads SET lifecycle_stage = 'recycled' WHERE id = 3;
COMMIT;
SHOW leadqual.enforce_stage_rules;

-- only privileged roles may repair
CREATE ROLE leadqual_sr_rep;
SET ROLE leadqual_sr_rep;
SET leadqual.enforce_stage_rules = off;
RESET ROLE;
DROP ROLE leadqual_sr_rep;

DROP SCHEMA sr CASCADE;
