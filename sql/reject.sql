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

SELECT lifecycle_stage FROM rj.leads;
SELECT lead_id, from_stage, to_stage, score, reason, via
FROM leadqual.transition WHERE lead_table = 'rj.leads'::regclass ORDER BY id;

DROP SCHEMA rj CASCADE;
