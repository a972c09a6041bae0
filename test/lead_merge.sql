-- leadqual.merge(): a duplicate's history, events, touches, clocks,
-- assignments and scores move to the lead kept, which takes the further
-- stage and the duplicate's owner if it had none, and is rescored; the
-- duplicate's row is deleted and the merge logged once.  A lead's id never
-- changes: the refusal's hint is an insert and a merge, which carries the
-- history over.
\ir helpers/setup.psql

SELECT plan(48);


CREATE TABLE mg_leads (
    id text PRIMARY KEY,
    title text,
    company_size integer,
    industry text,
    owner text,
    score integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
INSERT INTO leadqual.owner (name) VALUES ('mg_ann');
SELECT FROM leadqual.manage('mg_leads', model => 'default', owner_column => 'owner');

-- The duplicate, b, was promoted and handed to mg_ann, touched, and given
-- events; the lead kept, a, is a lead with a page view.
INSERT INTO mg_leads (id, title) VALUES ('a', 'Engineer'), ('b', 'CEO');
SELECT FROM leadqual.track('mg_leads', 'a', 'page_view', properties => '{"session_id": 1}');
SELECT FROM leadqual.track('mg_leads', 'b', 'demo_request');
SELECT FROM leadqual.touch('mg_leads', 'b', 'email', now() - interval '1 hour');
SELECT is(pg_temp.moves('mg_leads', 'b'), '{"NULL>lead manual","lead>mql promotion"}', 'b was promoted');
CREATE TABLE mg_plain (id text PRIMARY KEY);
SELECT fingerprint FROM (SELECT pg_temp.fingerprint() AS fingerprint) AS f \gset before_

------------------------------------------------------------------------------
-- Refusals, which change nothing
------------------------------------------------------------------------------

SELECT throws_ok($$SELECT leadqual.merge('mg_leads', 'a', 'a')$$, '22023',
                 'leadqual.merge: cannot merge lead "a" into itself', 'a lead is not merged into itself');
SELECT throws_ok($$SELECT leadqual.merge('mg_leads', 'a', 'zz')$$, 'P0002',
                 'leadqual.merge: lead "zz" of table public.mg_leads does not exist', 'a missing duplicate is named');
SELECT throws_ok($$SELECT leadqual.merge('mg_leads', 'zz', 'b')$$, 'P0002',
                 'leadqual.merge: lead "zz" of table public.mg_leads does not exist', 'so is a missing lead kept');
SELECT throws_ok($$SELECT leadqual.merge('mg_leads', NULL, 'b')$$, '22004', NULL, 'NULL arguments are refused');
SELECT throws_ok($$SELECT leadqual.merge('mg_plain', 'a', 'b')$$, '55000', NULL, 'so is a table leadqual does not manage');
SELECT throws_ok($$UPDATE mg_leads SET id = 'c' WHERE id = 'a'$$, '23001',
                 'leadqual: lead "a" of table public.mg_leads cannot change its id to "c"',
                 'a lead''s id does not change');
SELECT is(pg_temp.fingerprint(), :'before_fingerprint', 'the refusals changed nothing');

CREATE ROLE lq_tap_mg_app;
GRANT SELECT, INSERT, UPDATE ON mg_leads TO lq_tap_mg_app;
SET ROLE lq_tap_mg_app;
SELECT throws_ok($$SELECT leadqual.merge('mg_leads', 'a', 'b')$$, '42501', NULL,
                 'a role without DELETE on the table cannot merge');
RESET ROLE;
GRANT DELETE ON mg_leads TO lq_tap_mg_app;
ALTER TABLE mg_leads ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_a ON mg_leads TO lq_tap_mg_app USING (id = 'a');
SET ROLE lq_tap_mg_app;
SELECT throws_ok($$SELECT leadqual.merge('mg_leads', 'a', 'b')$$, 'P0002',
                 'leadqual.merge: lead "b" of table public.mg_leads does not exist',
                 'nor merge a lead its row security hides from it');
RESET ROLE;
DROP POLICY only_a ON mg_leads;
ALTER TABLE mg_leads DISABLE ROW LEVEL SECURITY;
SELECT is(pg_temp.fingerprint(), :'before_fingerprint', 'and those refusals changed nothing either');
SELECT lives_ok($$UPDATE mg_leads SET id = 'a', title = 'Engineer' WHERE id = 'a'$$,
                'an UPDATE that writes the same id is fine');

------------------------------------------------------------------------------
-- The merge
------------------------------------------------------------------------------

SET ROLE lq_tap_mg_app;
SELECT results_eq($$SELECT kept_id, dropped_id, kept_stage::text, dropped_stage::text, stage::text, merged_by::text COLLATE "default"
                    FROM leadqual.merge('mg_leads', keep => 'a', drop => 'b')$$,
                  $$VALUES ('a', 'b', 'lead', 'mql', 'mql', 'lq_tap_mg_app')$$,
                  'merge() returns its row: who was kept and dropped, their stages, the survivor''s, who merged');
RESET ROLE;
SELECT is((SELECT count(*) FROM leadqual.lead_merge), 1::bigint, 'the merge is logged once');
SELECT results_eq($$SELECT id, lifecycle_stage::text, owner FROM mg_leads$$,
                  $$VALUES ('a', 'mql', 'mg_ann')$$,
                  'b''s row is gone; a took the further stage and b''s owner');
SELECT is(pg_temp.kept_rows('mg_leads', 'b'), '', 'nothing is kept under b''s id any more');
SELECT is(pg_temp.moves('mg_leads', 'a'),
          '{"NULL>lead manual","NULL>lead manual","lead>mql promotion","mql> merge","lead>mql merge"}',
          'a''s log holds both histories, b''s ended by the merge, then a''s move to mql via merge');
SELECT is((SELECT count(*) FROM leadqual.transition
           WHERE lead_id = 'a' AND merge_id = (SELECT id FROM leadqual.lead_merge)), 3::bigint,
          'b''s history is marked with the merge');
SELECT results_eq($$SELECT stage::text, next_stage::text, is_current FROM leadqual.stage_history
                    WHERE lead_table = 'mg_leads'::regclass AND lead_id = 'a' ORDER BY transition_id$$,
                  $$VALUES ('lead', 'mql', false), ('lead', 'mql', false), ('mql', NULL, false), ('mql', NULL, true)$$,
                  'stage_history reads each history apart: b''s stays end at the merge, a''s mql stay is current');
SELECT is((SELECT min(entered_at) FROM leadqual.stage_history WHERE lead_id = 'a' AND stage = 'mql'),
          (SELECT changed_at FROM leadqual.transition WHERE lead_id = 'a' AND via = 'promotion'),
          'a "became an MQL" when b did: the earliest entry');
SELECT results_eq($$SELECT stage::text, reached FROM leadqual.funnel
                    WHERE lead_table = 'mg_leads'::regclass AND mode = 'in_order' AND stage IN ('lead', 'mql')
                    ORDER BY leadqual.funnel_rank(stage)$$,
                  $$VALUES ('lead', 1::bigint), ('mql', 1::bigint)$$,
                  'the funnel counts the merged lead once');
SELECT is((SELECT count(*) FROM leadqual.stage_velocity WHERE lead_table = 'mg_leads'::regclass AND from_stage = 'mql'),
          0::bigint, 'velocity sees no move out of mql: the merge ended b''s history, it moved nowhere');
SELECT results_eq($$SELECT kind FROM leadqual.event WHERE lead_id = 'a' ORDER BY kind$$,
                  $$VALUES ('demo_request'), ('page_view')$$, 'b''s events moved to a');
SELECT is((SELECT engagement FROM leadqual.lead_score WHERE lead_table = 'mg_leads'::regclass AND lead_id = 'a'),
          50::numeric, 'a was rescored from both leads'' events');
SELECT is((SELECT score FROM mg_leads WHERE id = 'a'),
          (SELECT (leadqual._fit('mg_leads', l) + 50)::integer FROM mg_leads AS l WHERE id = 'a'),
          'its score is its own fit and the engagement of both');
SELECT is((SELECT count(*) FROM leadqual.touch WHERE lead_id = 'a'), 1::bigint, 'b''s touch moved to a');
SELECT is((SELECT count(*) FROM leadqual.assignment WHERE lead_id = 'a'), 2::bigint,
          'b''s assignment moved to a, next to a''s own for the owner it took');
SELECT is((SELECT count(*) FROM leadqual.score_change WHERE lead_id = 'a'), 4::bigint,
          'both score histories are a''s (its one change, b''s two), and its rescore');
SELECT results_eq($$SELECT c.stopped_by::text, s.state::text FROM leadqual.sla_clock AS c
                    JOIN leadqual.sla_status AS s ON s.clock_id = c.id
                    WHERE c.lead_id = 'a' ORDER BY c.id$$,
                  $$VALUES ('lead_merged', 'cancelled'), (NULL, 'open')$$,
                  'b''s open clock stopped at the merge, cancelled; a''s entry into mql started its own');
SELECT is((SELECT count(*) FROM leadqual.engagement_state WHERE lead_id = 'b'), 0::bigint, 'nothing of b is kept for scoring');
SELECT is((SELECT count(*) FROM leadqual.transition WHERE via = 'deletion'), 0::bigint,
          'deleting b''s row retired nothing: its history had moved');

------------------------------------------------------------------------------
-- Merged leads merged again; a survivor that keeps its stage
------------------------------------------------------------------------------

INSERT INTO mg_leads (id, title, lifecycle_stage) VALUES ('c', 'Engineer', 'sql');
INSERT INTO mg_leads (id, title) VALUES ('d', 'Engineer');
SELECT lives_ok($$SELECT leadqual.merge('mg_leads', 'c', 'a')$$, 'a, merged into before, merges into c');
SELECT results_eq($$SELECT merge_id IS NULL, count(*) FROM leadqual.transition WHERE lead_id = 'c' GROUP BY 1 ORDER BY 1$$,
                  $$VALUES (false, 6::bigint), (true, 1::bigint)$$,
                  'c holds its own row, and a''s history with b''s in it, ended by the merge');
SELECT is((SELECT count(DISTINCT merge_id) FROM leadqual.transition WHERE lead_id = 'c'), 2::bigint,
          'b''s history keeps its first merge, a''s takes the second');
SELECT is((SELECT lifecycle_stage::text FROM mg_leads WHERE id = 'c'), 'sql', 'c keeps sql, the further stage');
SELECT lives_ok($$SELECT leadqual.merge('mg_leads', 'd', 'c')$$, 'c merges into a lead behind it, d');
SELECT is((SELECT format('%s %s', lifecycle_stage, owner) FROM mg_leads), 'sql mg_ann',
          'd moves forward to sql, with c''s owner');
SELECT is((SELECT via::text FROM leadqual.transition WHERE lead_id = 'd' AND merge_id IS NULL ORDER BY id DESC LIMIT 1),
          'merge', 'logged via merge');

------------------------------------------------------------------------------
-- A new id: insert, then merge, as the refusal's hint says
------------------------------------------------------------------------------

SELECT lives_ok($$INSERT INTO mg_leads (id, title) VALUES ('d2', 'Engineer')$$, 'the lead under its new id');
SELECT lives_ok($$SELECT leadqual.merge('mg_leads', keep => 'd2', drop => 'd')$$, 'the old one merged into it');
SELECT is((SELECT format('%s %s %s', id, lifecycle_stage, owner) FROM mg_leads), 'd2 sql mg_ann',
          'd2 is d, with its stage and owner');
SELECT is((SELECT count(*) FROM leadqual.transition WHERE lead_table = 'mg_leads'::regclass AND lead_id <> 'd2'), 0::bigint,
          'the whole history is under d2');
SELECT is((SELECT count(*) FROM leadqual.lead_merge), 4::bigint, 'four merges logged');

------------------------------------------------------------------------------
-- Kept engagement: the duplicate's merged into the survivor's
------------------------------------------------------------------------------

-- Runs that neither lead completes alone, both together do: three email
-- opens, five page views of session 7, three site visits within 30 days.
INSERT INTO mg_leads (id, title) VALUES ('e', 'Engineer'), ('f', 'Engineer');
SELECT FROM leadqual.track('mg_leads', 'e', 'email_open', now() - interval '3 days');
SELECT FROM leadqual.track('mg_leads', 'e', 'email_open', now() - interval '1 day');
SELECT FROM generate_series(1, 3) AS g,
    LATERAL leadqual.track('mg_leads', 'e', 'page_view', now() - interval '2 hours' + g * interval '1 minute',
                           '{"session_id": 7}') AS t;
SELECT FROM leadqual.track('mg_leads', 'e', 'site_visit', now() - interval '20 days');
SELECT FROM leadqual.track('mg_leads', 'e', 'site_visit', now() - interval '5 days');
SELECT FROM leadqual.track('mg_leads', 'f', 'email_open', now() - interval '2 days');
SELECT FROM generate_series(1, 2) AS g,
    LATERAL leadqual.track('mg_leads', 'f', 'page_view', now() - interval '1 hour' + g * interval '1 minute',
                           '{"session_id": 7}') AS t;
SELECT FROM leadqual.track('mg_leads', 'f', 'site_visit', now() - interval '10 days');
SELECT FROM leadqual.track('mg_leads', 'f', 'page_view', now() - interval '1 hour', '{"session_id": 8}');
SELECT is((SELECT engagement FROM leadqual.lead_score WHERE lead_table = 'mg_leads'::regclass AND lead_id = 'e'),
          0::numeric, 'e completes no run alone');
SELECT lives_ok($$SELECT leadqual.merge('mg_leads', 'e', 'f')$$, 'f merges into e');
SELECT is((SELECT count(*) FROM leadqual.engagement_state WHERE lead_table = 'mg_leads'::regclass AND lead_id = 'e'),
          1::bigint, 'e keeps an engagement state, both leads'' merged');
-- The engagement as of a time from the kept state (rescore()) against the
-- same from every event (_engagement_points()): now, and once the site
-- visits have left their window.
CREATE FUNCTION pg_temp.engagement_pair(as_of timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM leadqual.rescore('mg_leads', as_of);
    RETURN format('%s = %s',
        (SELECT engagement FROM leadqual.lead_score WHERE lead_table = 'mg_leads'::regclass AND lead_id = 'e'),
        (SELECT sum(p.points) FROM leadqual._engagement_points('mg_leads', as_of) AS p WHERE p.lead_id = 'e'));
END
$$;
SELECT is(pg_temp.engagement_pair(now()), '30 = 30',
          'e''s engagement counts the runs both leads'' events complete together, as all its events say');
SELECT is(pg_temp.engagement_pair(now() + interval '26 days'), '15 = 15',
          'and still once the site visits left their 30 days');

SELECT * FROM finish();
ROLLBACK;
