-- leadqual.stage_history: each stay of each lead in a stage, chained by
-- time; visits count re-entries; "became an MQL" dates; time in a stage
-- summed across re-entries; the current stage.
\ir helpers/setup.psql

SELECT plan(18);

CREATE TABLE h_leads (id integer PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE h_other (id integer PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('h_leads');
SELECT FROM leadqual.manage('h_other');

-- Lead 1 goes lead > mql > sql > recycled > mql > sql; lead 2 mql > sal;
-- lead 3 lead > sql; lead 1 of another table is an mql.
INSERT INTO h_leads VALUES (1, 10);
UPDATE h_leads SET score = 60 WHERE id = 1;
UPDATE h_leads SET lifecycle_stage = 'sql' WHERE id = 1;
SELECT FROM leadqual.reject('h_leads', '1', 'recycled', 'bad_timing');
UPDATE h_leads SET score = 30 WHERE id = 1;
UPDATE h_leads SET score = 70 WHERE id = 1;
UPDATE h_leads SET lifecycle_stage = 'sql' WHERE id = 1;
INSERT INTO h_leads VALUES (2, 80);
UPDATE h_leads SET lifecycle_stage = 'sal' WHERE id = 2;
INSERT INTO h_leads VALUES (3, 10);
UPDATE h_leads SET lifecycle_stage = 'sql' WHERE id = 3;
INSERT INTO h_other VALUES (1, 90);

SELECT is(pg_temp.moves('h_leads', '1'),
          '{"NULL>lead manual","lead>mql promotion","mql>sql manual","sql>recycled rejection","recycled>mql promotion","mql>sql manual"}',
          'set-up: lead 1''s six stage changes are logged');

-- Give each change a known time (the log is written at statement time, a
-- few microseconds apart).  Lead 3's two changes share one time.
UPDATE leadqual.transition AS t
SET changed_at = v.at
FROM (SELECT id, row_number() OVER (PARTITION BY lead_table, lead_id ORDER BY id) AS n
      FROM leadqual.transition) AS o,
     (VALUES ('h_leads'::regclass, '1', 1, timestamptz '2026-01-01 09:00+00'),
             ('h_leads', '1', 2, '2026-01-02 09:00+00'),
             ('h_leads', '1', 3, '2026-01-05 09:00+00'),
             ('h_leads', '1', 4, '2026-01-10 09:00+00'),
             ('h_leads', '1', 5, '2026-01-20 09:00+00'),
             ('h_leads', '1', 6, '2026-01-22 09:00+00'),
             ('h_leads', '2', 1, '2026-01-03 12:00+00'),
             ('h_leads', '2', 2, '2026-01-04 12:00+00'),
             ('h_leads', '3', 1, '2026-01-06 10:00+00'),
             ('h_leads', '3', 2, '2026-01-06 10:00+00'),
             ('h_other', '1', 1, '2026-01-15 08:30+00')) AS v(tbl, lead, n, at)
WHERE t.id = o.id AND t.lead_table = v.tbl AND t.lead_id = v.lead AND o.n = v.n;

------------------------------------------------------------------------------
-- The chain of stays
------------------------------------------------------------------------------

SELECT results_eq($$SELECT stage::text, entered_at, left_at, next_stage::text, visit, is_current
                    FROM leadqual.stage_history WHERE lead_table = 'h_leads'::regclass AND lead_id = '1'
                    ORDER BY entered_at$$,
                  $$VALUES ('lead',     timestamptz '2026-01-01 09:00+00', timestamptz '2026-01-02 09:00+00', 'mql',      1::bigint, false),
                           ('mql',      '2026-01-02 09:00+00', '2026-01-05 09:00+00', 'sql',      1, false),
                           ('sql',      '2026-01-05 09:00+00', '2026-01-10 09:00+00', 'recycled', 1, false),
                           ('recycled', '2026-01-10 09:00+00', '2026-01-20 09:00+00', 'mql',      1, false),
                           ('mql',      '2026-01-20 09:00+00', '2026-01-22 09:00+00', 'sql',      2, false),
                           ('sql',      '2026-01-22 09:00+00', NULL,                  NULL,       2, true)$$,
                  'lead 1: each stay is entered when the last one is left, re-entries count as visit 2, only the last is current');
SELECT results_eq($$SELECT stage::text, visit, time_in_stage FROM leadqual.stage_history
                    WHERE lead_table = 'h_leads'::regclass AND lead_id = '1' AND NOT is_current ORDER BY entered_at$$,
                  $$VALUES ('lead', 1::bigint, interval '1 day'), ('mql', 1, '3 days'), ('sql', 1, '5 days'),
                           ('recycled', 1, '10 days'), ('mql', 2, '2 days')$$,
                  'lead 1: a past stay lasted from entering to leaving');
SELECT is((SELECT time_in_stage FROM leadqual.stage_history
           WHERE lead_table = 'h_leads'::regclass AND lead_id = '1' AND is_current),
          statement_timestamp() - timestamptz '2026-01-22 09:00+00',
          'lead 1: the current stay has lasted until now');
SELECT is_empty($$SELECT h.transition_id FROM leadqual.stage_history AS h
                  LEFT JOIN leadqual.transition AS t ON t.id = h.transition_id
                  WHERE t.id IS NULL OR t.lead_table <> h.lead_table OR t.lead_id <> h.lead_id
                     OR t.to_stage <> h.stage OR t.changed_at <> h.entered_at$$,
                'every stay points at the log row that entered it');
SELECT is((SELECT count(*) FROM leadqual.stage_history), (SELECT count(*) FROM leadqual.transition),
          'one stay per log row');

SELECT results_eq($$SELECT stage::text, entered_at, left_at, next_stage::text, visit, is_current
                    FROM leadqual.stage_history WHERE lead_table = 'h_leads'::regclass AND lead_id = '3'
                    ORDER BY transition_id$$,
                  $$VALUES ('lead', timestamptz '2026-01-06 10:00+00', timestamptz '2026-01-06 10:00+00', 'sql', 1::bigint, false),
                           ('sql',  '2026-01-06 10:00+00', NULL, NULL, 1, true)$$,
                  'lead 3: two changes at the same time are chained in log order');

SELECT results_eq($$SELECT stage::text, entered_at, left_at, visit, is_current
                    FROM leadqual.stage_history WHERE lead_table = 'h_other'::regclass$$,
                  $$VALUES ('mql', timestamptz '2026-01-15 08:30+00', NULL::timestamptz, 1::bigint, true)$$,
                  'lead 1 of another table has its own history: its only stay is current');

------------------------------------------------------------------------------
-- The questions users ask
------------------------------------------------------------------------------

SELECT results_eq($$SELECT lead_id, min(entered_at) FROM leadqual.stage_history
                    WHERE lead_table = 'h_leads'::regclass AND stage = 'mql' GROUP BY lead_id ORDER BY lead_id$$,
                  $$VALUES ('1', timestamptz '2026-01-02 09:00+00'), ('2', '2026-01-03 12:00+00')$$,
                  '"became an MQL" date: the first time each lead entered mql; lead 3 never did');
SELECT is((SELECT sum(time_in_stage) FROM leadqual.stage_history
           WHERE lead_table = 'h_leads'::regclass AND lead_id = '1' AND stage = 'mql'),
          interval '5 days', 'time in mql summed over both visits: 3 days + 2 days');
SELECT is((SELECT sum(time_in_stage) FROM leadqual.stage_history
           WHERE lead_table = 'h_leads'::regclass AND lead_id = '1' AND stage = 'sql'),
          interval '5 days' + (statement_timestamp() - timestamptz '2026-01-22 09:00+00'),
          'time in sql summed over a past and the current visit');
SELECT is((SELECT max(visit) FROM leadqual.stage_history
           WHERE lead_table = 'h_leads'::regclass AND lead_id = '1' AND stage = 'recycled'),
          1::bigint, 'lead 1 was recycled once');
SELECT results_eq($$SELECT h.lead_id, h.stage::text FROM leadqual.stage_history AS h
                    WHERE h.lead_table = 'h_leads'::regclass AND h.is_current ORDER BY h.lead_id$$,
                  $$SELECT id::text, lifecycle_stage::text FROM h_leads ORDER BY id::text$$,
                  'the current stays are the stages the leads are in now, one per lead');
SELECT results_eq($$SELECT stage::text, count(*) FROM leadqual.stage_history
                    WHERE lead_table = 'h_leads'::regclass AND entered_at < '2026-01-07' AND (left_at IS NULL OR left_at >= '2026-01-07')
                    GROUP BY stage ORDER BY stage$$,
                  $$VALUES ('sal', 1::bigint), ('sql', 2)$$,
                  'the funnel on 7 January: lead 1 and 3 in sql, lead 2 in sal');

------------------------------------------------------------------------------
-- Changes made by this very transaction
------------------------------------------------------------------------------

INSERT INTO h_leads VALUES (4, 10);
SELECT is((SELECT count(*) FROM leadqual.stage_history WHERE lead_table = 'h_leads'::regclass AND lead_id = '4' AND is_current),
          1::bigint, 'a lead inserted just now has a current stay');
UPDATE h_leads SET lifecycle_stage = 'sql' WHERE id = 4;
SELECT results_eq($$SELECT stage::text, next_stage::text, is_current, left_at = (SELECT entered_at FROM leadqual.stage_history
                                                                              WHERE lead_table = 'h_leads'::regclass AND lead_id = '4' AND stage = 'sql')
                    FROM leadqual.stage_history WHERE lead_table = 'h_leads'::regclass AND lead_id = '4' ORDER BY transition_id$$,
                  $$VALUES ('lead', 'sql', false, true), ('sql', NULL, true, NULL)$$,
                  'its move is chained at once');
SELECT ok((SELECT time_in_stage >= interval '0' FROM leadqual.stage_history
           WHERE lead_table = 'h_leads'::regclass AND lead_id = '4' AND is_current),
          'the time it has been in its current stage is not negative');
SELECT ok((SELECT bool_and(left_at >= entered_at) FROM leadqual.stage_history WHERE left_at IS NOT NULL),
          'no stay is left before it was entered');

SELECT * FROM finish();
ROLLBACK;
