-- leadqual.erase(): a person erased (GDPR, CCPA).  No trace of the id, its
-- events' properties or its touches stays in any leadqual table, across
-- every lead that had the id and the duplicates merged into it; the
-- reports of the periods before the erasure keep their figures; the receipt
-- counts what went and what stayed under a placeholder.  Only a role
-- granted EXECUTE, with DELETE on the table, may erase.
\ir helpers/setup.psql

SELECT plan(23);

CREATE TABLE er_leads (
    id text PRIMARY KEY,
    title text,
    company_size integer,
    industry text,
    owner text,
    score integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
INSERT INTO leadqual.owner (name) VALUES ('er_ann');
SELECT FROM leadqual.manage('er_leads', model => 'default', owner_column => 'owner');

-- Every row of every leadqual table that mentions the text, as 'table n'.
CREATE FUNCTION pg_temp.traces(needle text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    acc text[] := '{}';
    n bigint;
    rel regclass;
BEGIN
    FOR rel IN SELECT c.oid FROM pg_class AS c
               WHERE c.relnamespace = 'leadqual'::regnamespace AND c.relkind = 'r' ORDER BY c.relname LOOP
        EXECUTE format('SELECT count(*) FROM %s AS t WHERE strpos(t::text, $1) > 0', rel) INTO n USING needle;
        IF n > 0 THEN
            acc := acc || format('%s %s', rel, n);
        END IF;
    END LOOP;
    RETURN array_to_string(acc, ', ');
END
$$;
-- The reports' figures, as one text each.
CREATE FUNCTION pg_temp.figures() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT concat_ws(' / ',
        (SELECT string_agg(format('%s %s %s %s', mode, cohort, stage, reached), ',' ORDER BY mode, cohort, stage)
         FROM leadqual.funnel WHERE lead_table = 'er_leads'::regclass),
        (SELECT string_agg(format('%s %s %s %s', month, owner, reason, rejections), ',' ORDER BY month, owner, reason)
         FROM leadqual.rejection_summary WHERE lead_table = 'er_leads'::regclass),
        (SELECT string_agg(format('%s %s %s', from_stage, to_stage, moves), ',' ORDER BY from_stage, to_stage)
         FROM leadqual.stage_velocity WHERE lead_table = 'er_leads'::regclass),
        -- not open: deleting the lead cancels its open clocks
        (SELECT string_agg(format('%s %s %s %s %s %s', policy, owner, week, clocks, met, breached), ','
                           ORDER BY policy, owner, week)
         FROM leadqual.sla_compliance))
$$;


-- An earlier lead with the person's id, deleted; the person, promoted,
-- called, sent back; a duplicate merged into them; someone else.
INSERT INTO er_leads (id, title) VALUES ('erase-me@example.com', 'Engineer');
SELECT FROM leadqual.track('er_leads', 'erase-me@example.com', 'page_view', properties => '{"session_id": 1, "utm": "secret-campaign"}');
DELETE FROM er_leads WHERE id = 'erase-me@example.com';
INSERT INTO er_leads (id, title) VALUES ('erase-me@example.com', 'CEO'), ('keep-me@example.com', 'CEO'),
                                        ('erase-me-2@example.com', 'Engineer');
SELECT FROM leadqual.track('er_leads', 'erase-me@example.com', 'demo_request', properties => '{"utm": "secret-campaign"}');
SELECT FROM leadqual.track('er_leads', 'keep-me@example.com', 'demo_request');
SELECT FROM leadqual.touch('er_leads', 'erase-me@example.com', 'call', clock_timestamp(), 'called erase-me@example.com');
SELECT FROM leadqual.reject('er_leads', 'erase-me@example.com', 'recycled', 'no_budget');
SELECT FROM leadqual.merge('er_leads', keep => 'erase-me@example.com', drop => 'erase-me-2@example.com');
SELECT isnt(pg_temp.traces('erase-me'), '', 'the person is all over leadqual''s tables');
SELECT pg_temp.figures() AS before_figures \gset
SELECT pg_temp.kept_rows('er_leads', 'keep-me@example.com') AS before_other \gset
SELECT count(*) AS before_log FROM leadqual.transition WHERE lead_table = 'er_leads'::regclass \gset

------------------------------------------------------------------------------
-- Who may erase
------------------------------------------------------------------------------

SELECT throws_ok($$SELECT * FROM leadqual.erase('er_leads', NULL)$$, '22004', NULL, 'a NULL id is refused');
CREATE TABLE er_plain (id text PRIMARY KEY);
SELECT throws_ok($$SELECT * FROM leadqual.erase('er_plain', 'x')$$, '55000', NULL, 'so is a table leadqual does not manage');
CREATE ROLE lq_tap_er_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON er_leads TO lq_tap_er_app;
CREATE ROLE lq_tap_er_dpo;
GRANT SELECT, DELETE ON er_leads TO lq_tap_er_dpo;
GRANT EXECUTE ON FUNCTION leadqual.erase(regclass, text) TO lq_tap_er_dpo;
CREATE ROLE lq_tap_er_nodelete;
GRANT SELECT ON er_leads TO lq_tap_er_nodelete;
GRANT EXECUTE ON FUNCTION leadqual.erase(regclass, text) TO lq_tap_er_nodelete;
SET ROLE lq_tap_er_app;
SELECT throws_ok($$SELECT * FROM leadqual.erase('er_leads', 'erase-me@example.com')$$, '42501', NULL,
                 'an application role may not erase: EXECUTE is not PUBLIC''s');
RESET ROLE;
SET ROLE lq_tap_er_nodelete;
SELECT throws_ok($$SELECT * FROM leadqual.erase('er_leads', 'erase-me@example.com')$$, '42501',
                 'leadqual.erase: permission denied for table public.er_leads',
                 'a role granted EXECUTE still needs DELETE on the table');
RESET ROLE;
SELECT is(pg_temp.figures(), :'before_figures', 'the refusals changed nothing');

------------------------------------------------------------------------------
-- The erasure
------------------------------------------------------------------------------

SET ROLE lq_tap_er_dpo;
SELECT results_eq($$SELECT relation::text, removed, pseudonymised FROM leadqual.erase('er_leads', 'erase-me@example.com')$$,
                  $$VALUES ('leadqual.transition', 0::bigint, 9::bigint), ('leadqual.sla_clock', 0, 2),
                           ('leadqual.assignment', 0, 2), ('leadqual.lead_merge', 0, 1), ('leadqual.touch', 1, 0),
                           ('leadqual.score_change', 4, 0), ('leadqual.handoff', 2, 0), ('leadqual.event', 0, 0),
                           ('leadqual.lead_score', 0, 0), ('leadqual.engagement_state', 0, 0)$$,
                  'the receipt: both leads'' logs (with the duplicate''s and this deletion), their clocks and '
                  'assignments kept under placeholders; the touch, score history and handoffs removed (the '
                  'events, subtotals and state went with each deletion)');
RESET ROLE;
SELECT is(pg_temp.traces('erase-me'), '', 'no row of any leadqual table mentions the id, or the duplicate''s');
SELECT is(pg_temp.traces('secret-campaign'), '', 'nor the properties of its events');
SELECT is((SELECT count(*) FROM er_leads WHERE id = 'erase-me@example.com'), 0::bigint, 'the lead''s row is deleted');
SELECT is(pg_temp.figures(), :'before_figures', 'funnel, rejections, velocity and SLA compliance keep their figures');
SELECT is((SELECT count(*) FROM leadqual.transition WHERE lead_table = 'er_leads'::regclass), :before_log + 1::bigint,
          'the log keeps every row, with the deletion''s');
SELECT is((SELECT count(DISTINCT lead_id) FROM leadqual.transition WHERE lead_id LIKE 'erased:%'), 2::bigint,
          'under two placeholders: the earlier lead''s and the person''s');
SELECT is((SELECT count(*) FROM leadqual.transition WHERE lead_id LIKE 'erased:%' AND score IS NOT NULL), 0::bigint,
          'without their scores');
SELECT results_eq($$SELECT kept_id = dropped_id, kept_id LIKE 'erased:%' FROM leadqual.lead_merge$$,
                  $$VALUES (true, true)$$, 'the merge names the placeholder for both leads');
SELECT is((SELECT count(*) FROM leadqual.sla_clock WHERE lead_id LIKE 'erased:%' AND touch_id IS NULL
                                                     AND stopped_by = 'touch'), 1::bigint,
          'the clock the touch stopped keeps its state, not the touch');
SELECT is(pg_temp.kept_rows('er_leads', 'keep-me@example.com'), :'before_other', 'the other lead is untouched');

------------------------------------------------------------------------------
-- Again, and afterwards
------------------------------------------------------------------------------

SELECT results_eq($$SELECT sum(removed)::bigint, sum(pseudonymised)::bigint FROM leadqual.erase('er_leads', 'erase-me@example.com')$$,
                  $$VALUES (0::bigint, 0::bigint)$$, 'erasing again finds nothing');
SELECT results_eq($$SELECT sum(removed)::bigint, sum(pseudonymised)::bigint FROM leadqual.erase('er_leads', 'nobody')$$,
                  $$VALUES (0::bigint, 0::bigint)$$, 'nor does erasing an id never used');
INSERT INTO er_leads (id, title) VALUES ('erase-me@example.com', 'Engineer');
SELECT is(pg_temp.moves('er_leads', 'erase-me@example.com'), '{"NULL>lead manual"}',
          'a new lead under the id starts afresh');
SELECT is(pg_temp.traces('erase-me'), 'leadqual.lead_score 1, leadqual.score_change 1, leadqual.transition 1',
          'and leaves only its own traces');
DELETE FROM er_leads WHERE id = 'erase-me@example.com';
SELECT results_eq($$SELECT relation::text, pseudonymised FROM leadqual.erase('er_leads', 'erase-me@example.com')
                    WHERE pseudonymised > 0$$,
                  $$VALUES ('leadqual.transition', 2::bigint)$$,
                  'a lead deleted already is erased all the same');
SELECT is(pg_temp.traces('erase-me'), '', 'leaving no trace');

SELECT * FROM finish();
ROLLBACK;
