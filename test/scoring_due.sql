-- Due-only rescoring: each lead's kept engagement state records when its
-- score could next change with no new event (a window letting an event
-- go, decay taking a rule's points past a rounding boundary, an event
-- dated in the future), and rescore_due() rescores only the leads due.
\ir helpers/setup.psql

SELECT plan(23);
SET LOCAL TimeZone = 'UTC';

CREATE TABLE due_leads (id int PRIMARY KEY, title text, company_size int, industry text,
                        score integer NOT NULL DEFAULT 0,
                        lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
INSERT INTO leadqual.model (name, threshold) VALUES ('due', 100000);
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, half_life) VALUES
    ('due', 'decaying', 'read', 20, '1 day');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, within) VALUES
    ('due', 'windowed', 'visit', 5, '7 days');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points, min_count, within) VALUES
    ('due', 'run', 'page', 8, 2, '10 days');
INSERT INTO leadqual.engagement_rule (model, name, event_kind, points) VALUES
    ('due', 'counting', 'click', 3);
SELECT leadqual.manage('due_leads', model => 'due');
INSERT INTO due_leads (id) SELECT g FROM generate_series(1, 7) AS g;

CREATE FUNCTION pg_temp.due(lead text) RETURNS timestamptz
LANGUAGE sql AS $$
    SELECT s.due_at FROM leadqual.lead_score AS s
    WHERE s.lead_table = 'due_leads'::regclass AND s.lead_id = lead
$$;
-- Leads whose score is not what their row and events give as of a time.
CREATE FUNCTION pg_temp.leads_off(as_of timestamptz) RETURNS int[]
LANGUAGE sql AS $$
    SELECT COALESCE(array_agg(l.id ORDER BY l.id), '{}')
    FROM due_leads AS l
    WHERE l.score IS DISTINCT FROM (leadqual._fit('due_leads', l) + COALESCE(
              (SELECT sum(p.points) FROM leadqual._engagement_points('due_leads', as_of) AS p
               WHERE p.lead_id = l.id::text), 0))::integer
$$;

SELECT leadqual.track('due_leads', '1', 'read');
SELECT leadqual.track('due_leads', '2', 'visit', now() - interval '2 days');
SELECT leadqual.track('due_leads', '3', 'click');
SELECT leadqual.track('due_leads', '4', 'page', now() - interval '3 days');
SELECT leadqual.track('due_leads', '4', 'page', now() - interval '1 day');
SELECT leadqual.track('due_leads', '5', 'click', now() + interval '1 hour');
SELECT leadqual.track('due_leads', '6', 'page', now() - interval '1 day');
SELECT leadqual.track('due_leads', '7', 'visit', now() - interval '1 day');

-- 20 points round to 20 until 20 x 2^(-t / 1 day) < 19.5
SELECT ok(abs(extract(epoch FROM pg_temp.due('1') - now()) - 86400 * log(2, 20 / 19.5)) < 0.01,
          'decay: due when 20 points fall below 19.5, a day x log2(20/19.5) on');
SELECT is(pg_temp.due('2'), now() + interval '5 days',
          'a window: due when its event leaves it, 7 days after the event');
SELECT is(pg_temp.due('3'), NULL, 'points per event with no decay or window: never due');
SELECT is(pg_temp.due('4'), now() + interval '7 days',
          'a run: due when its completing event leaves the window');
SELECT is(pg_temp.due('5'), now() + interval '1 hour', 'an event dated ahead: due when it happens');
SELECT is(pg_temp.due('6'), NULL, 'a run not completed: never due by itself');

SELECT is(leadqual.rescore_due('due_leads'), 0::bigint, 'nothing is due yet: rescore_due() changes nothing');
CREATE TEMP TABLE changes_before AS
SELECT l.id::text AS lead_id,
       (SELECT count(*) FROM leadqual.score_change AS c
        WHERE c.lead_table = 'due_leads'::regclass AND c.lead_id = l.id::text) AS changes
FROM due_leads AS l;

-- Six days on, less a second: leads 1 (decayed), 2 (its visit left the
-- window) and 5 (its event happened) are due; lead 7's visit leaves its
-- window a second later.
SELECT is(leadqual.rescore_due('due_leads', now() + interval '6 days' - interval '1 second'), 3::bigint,
          'six days on, rescore_due() changes the scores of the three leads that changed');
SELECT is((SELECT array_agg(b.lead_id ORDER BY b.lead_id) FROM changes_before AS b
           WHERE b.changes < (SELECT count(*) FROM leadqual.score_change AS c
                              WHERE c.lead_table = 'due_leads'::regclass AND c.lead_id = b.lead_id)),
          '{1,2,5}'::text[], 'those of leads 1, 2 and 5');
SELECT is(pg_temp.leads_off(now() + interval '6 days' - interval '1 second') && '{1,2,5}', false,
          'each now as its events give it then');
SELECT ok(pg_temp.due('1') IS NULL AND pg_temp.due('5') IS NULL,
          'and neither is due again: lead 1''s points have decayed to 0, lead 5''s click counts for good');
SELECT is(pg_temp.due('2'), NULL, 'lead 2, its window empty, is never due again');
SELECT is(pg_temp.due('4'), now() + interval '7 days', 'lead 4, not yet due, keeps its time');
SELECT is((SELECT score FROM due_leads WHERE id = 4), 8, 'and its score');
SELECT is(pg_temp.due('7'), now() + interval '6 days', 'lead 7 is due at the end of day 6');
SELECT is(leadqual.rescore_due('due_leads', now() + interval '6 days' - interval '1 second'), 0::bigint,
          'run again as of the same time, nothing is due');

-- A deleted lead's kept state does not stay due for ever.
DELETE FROM due_leads WHERE id = 7;
SELECT leadqual.rescore_due('due_leads', now() + interval '8 days');
SELECT is(pg_temp.due('7'), NULL, 'a lead deleted while due is never due again');
SELECT is((SELECT count(*) FROM leadqual.engagement_state
           WHERE lead_table = 'due_leads'::regclass AND lead_id = '7'), 0::bigint,
          'and its kept state is dropped');

-- Errors
SELECT throws_ok($$SELECT leadqual.rescore_due(NULL)$$, '22004',
                 'leadqual.rescore_due: arguments must not be NULL', 'NULL table');
SELECT throws_ok($$SELECT leadqual.rescore_due('due_leads', NULL)$$, '22004',
                 'leadqual.rescore_due: arguments must not be NULL', 'NULL as_of');
SELECT throws_ok($$SELECT leadqual.rescore_due('due_leads', 'infinity')$$, '22023',
                 'leadqual.rescore_due: as_of must be a finite time, not infinity', 'an infinite as_of');
CREATE TABLE not_managed (id int PRIMARY KEY);
SELECT throws_ok($$SELECT leadqual.rescore_due('not_managed')$$, '55000',
                 'leadqual.rescore_due: table public.not_managed is not managed by leadqual',
                 'a table not managed');
CREATE ROLE lq_tap_due_reader;
GRANT SELECT ON due_leads TO lq_tap_due_reader;
SELECT throws_ok($$SET LOCAL ROLE lq_tap_due_reader; SELECT leadqual.rescore_due('due_leads')$$, '42501',
                 'leadqual.rescore_due: permission denied for table public.due_leads',
                 'a role without UPDATE on the table');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
