-- leadqual.stage_history over a lead that re-enters a stage.
\set SHOW_CONTEXT never
CREATE SCHEMA hi;
CREATE TABLE hi.leads (id text PRIMARY KEY, score int NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('hi.leads');

INSERT INTO hi.leads (id) VALUES ('a'), ('b');
UPDATE hi.leads SET score = 60 WHERE id = 'a';
SELECT leadqual.reject('hi.leads', 'a', 'recycled', 'bad_timing');
UPDATE hi.leads SET score = 80 WHERE id = 'a';
UPDATE hi.leads SET lifecycle_stage = 'sql' WHERE id = 'a';

-- pin the timestamps so the output is exact
UPDATE leadqual.transition AS t
SET changed_at = '2026-01-05 09:00+00'::timestamptz + (n.rank - 1) * interval '1 day'
FROM (SELECT id, row_number() OVER (ORDER BY id) AS rank
      FROM leadqual.transition WHERE lead_table = 'hi.leads'::regclass) AS n
WHERE t.id = n.id;

SELECT lead_id, stage, entered_at, left_at, next_stage, visit, is_current,
       CASE WHEN is_current THEN NULL ELSE time_in_stage END AS time_in_stage
FROM leadqual.stage_history WHERE lead_table = 'hi.leads'::regclass
ORDER BY lead_id, entered_at;

DROP SCHEMA hi CASCADE;
