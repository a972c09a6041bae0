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
\echo :LAST_ERROR_SQLSTATE
UPDATE sr.leads SET lifecycle_stage = 'subscriber' WHERE id = 2;
\echo :LAST_ERROR_SQLSTATE

-- into a detour without a reason, and on INSERT
UPDATE sr.leads SET lifecycle_stage = 'recycled' WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO sr.leads (id, lifecycle_stage) VALUES (4, 'disqualified');
\echo :LAST_ERROR_SQLSTATE

-- unknown reason
BEGIN;
SET LOCAL leadqual.reason = 'too_loud';
UPDATE sr.leads SET lifecycle_stage = 'disqualified' WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- a known one
BEGIN;
SET LOCAL leadqual.reason = 'no_budget';
UPDATE sr.leads SET lifecycle_stage = 'recycled' WHERE id = 1;
INSERT INTO sr.leads (id, lifecycle_stage) VALUES (4, 'disqualified');
COMMIT;

-- out of a detour, back on the funnel
UPDATE sr.leads SET lifecycle_stage = 'sal' WHERE id = 1;

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
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE leadqual_sr_rep;

SELECT id, score, lifecycle_stage FROM sr.leads ORDER BY id;
SELECT lead_id, from_stage, to_stage, score, reason, via
FROM leadqual.transition WHERE lead_table = 'sr.leads'::regclass ORDER BY id;

DROP SCHEMA sr CASCADE;
