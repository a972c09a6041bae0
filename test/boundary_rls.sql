-- leadqual's shared tables expose nothing a role couldn't read from the
-- leads table itself, and a tenant restricted by row-level security can
-- neither read nor change another tenant's leads through leadqual.
--
-- One managed table (model 'default', an owner column and owners for
-- round-robin, the built-in mql SLA policy) holds the leads of two tenants;
-- a policy USING (tenant = current_user) lets each tenant see and write its
-- own rows only.  The tenants have SELECT, INSERT, UPDATE on the table, as
-- docs/security.md recommends for an application role; an outsider has no
-- privilege on it at all.  Each tenant inserts, scores, promotes and
-- touches its leads.  Then:
--   - as tenant A, leadqual.lead_score, score_change, event, transition,
--     sla_clock, touch, assignment, handoff and the views stage_history,
--     sla_status, sla_breaches, funnel, sla_compliance and stage_velocity,
--     and the functions _engagement_events() and _engagement_points(), show
--     tenant A's leads and no other;
--   - so for tenant B; the outsider sees no lead of the table; the table's
--     owner and the superuser see every lead;
--   - tenant A's track(), touch() (and INSERT INTO leadqual.touch),
--     explain(), INSERT INTO leadqual.event and reject() of a tenant-B lead
--     fail with no_data_found (P0002), as if the lead did not exist;
--   - tenant A's events for 300 leads at once, whose states one pass over
--     all of the table's events rebuilds, keep no state of tenant B's;
--   - tenant A's rescore() as of 2001, and its direct calls of
--     _store_scores() and _apply_touches(), change nothing of tenant B's:
--     its subtotals, score history, events, log, clocks, touches,
--     assignments and rows are exactly as they were.
-- Last, a role that may write one partition of a managed partitioned table,
-- not the table, can neither read nor reset the subtotals of the other
-- partitions' leads (_store_scores() through its partition).
-- Touches are dated 2099, after every clock started (the built-in policy
-- counts business hours): clocks they stop are breached, whenever the suite
-- runs.
\ir helpers/setup.psql

SELECT plan(54);

------------------------------------------------------------------------------
-- Roles, the table, its tenants
------------------------------------------------------------------------------

CREATE ROLE lq_tap_bd_rls_owner;
CREATE ROLE lq_tap_bd_rls_a;
CREATE ROLE lq_tap_bd_rls_b;
CREATE ROLE lq_tap_bd_rls_outsider;     -- CONNECT and TEMP, as PUBLIC has them
CREATE SCHEMA bd_rls AUTHORIZATION lq_tap_bd_rls_owner;
GRANT USAGE ON SCHEMA bd_rls TO lq_tap_bd_rls_a, lq_tap_bd_rls_b;
INSERT INTO leadqual.owner (name) VALUES ('bd_rep_ann'), ('bd_rep_ben');

SET LOCAL ROLE lq_tap_bd_rls_owner;
CREATE TABLE bd_rls.leads (
    id              bigint PRIMARY KEY,
    tenant          name NOT NULL DEFAULT current_user,
    title           text,
    company_size    integer,
    industry        text,
    score           integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    owner           text
);
ALTER TABLE bd_rls.leads ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON bd_rls.leads USING (tenant = current_user);
GRANT SELECT, INSERT, UPDATE ON bd_rls.leads TO lq_tap_bd_rls_a, lq_tap_bd_rls_b;
SELECT FROM leadqual.manage('bd_rls.leads', model => 'default', owner_column => 'owner');
RESET ROLE;

-- The table's oid: the outsider may not even look its name up.
SELECT 'bd_rls.leads'::regclass::oid AS leads_oid \gset

-- The leads of the table a relation of leadqual's shows the current role,
-- as 'id,id,...' (text order).
CREATE FUNCTION pg_temp.visible(relation text, tbl oid) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    ids text;
BEGIN
    EXECUTE format('SELECT coalesce(string_agg(DISTINCT r.lead_id, %L ORDER BY r.lead_id), %L) FROM %s AS r
                    WHERE r.lead_table OPERATOR(pg_catalog.=) $1::regclass', ',', '', relation)
        INTO ids USING tbl;
    RETURN ids;
END
$$;

-- Every relation's visible leads on one line; and the funnel's counts.
CREATE FUNCTION pg_temp.all_visible(tbl oid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(format('%s=%s', r, pg_temp.visible('leadqual.' || r, tbl)), '; ' ORDER BY n)
    FROM unnest('{lead_score,score_change,event,transition,sla_clock,touch,assignment,handoff,
                  stage_history,sla_status,sla_breaches}'::text[]) WITH ORDINALITY AS u(r, n)
$$;
CREATE FUNCTION pg_temp.funnel(tbl oid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(format('%s=%s', f.stage, f.n), ' ' ORDER BY f.stage), 'no rows')
    FROM (SELECT stage, sum(reached) AS n FROM leadqual.funnel
          WHERE lead_table = tbl::regclass AND mode = 'any' AND stage IN ('lead', 'mql', 'sal')
          GROUP BY stage) AS f
$$;

-- The SLA and velocity reports' totals for the table (the SLA report has
-- no table column: no other table has clocks here).
CREATE FUNCTION pg_temp.reports() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT format('sla_compliance clocks=%s, stage_velocity moves=%s',
                  (SELECT coalesce(sum(c.clocks), 0) FROM leadqual.sla_compliance AS c),
                  (SELECT coalesce(sum(v.moves), 0) FROM leadqual.stage_velocity AS v
                   WHERE v.lead_table = 'bd_rls.leads'::regclass))
$$;

-- Everything of tenant B's, as one hash: its rows, and its leads' rows in
-- every shared table.  Read by the superuser.
CREATE FUNCTION pg_temp.tenant_b_fingerprint() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
        SELECT 'lead ' || l::text FROM bd_rls.leads AS l WHERE l.tenant = 'lq_tap_bd_rls_b'
        UNION ALL SELECT 'lead_score ' || s::text FROM leadqual.lead_score AS s
                  WHERE s.lead_table = 'bd_rls.leads'::regclass AND s.lead_id IN ('11', '12', '13')
        UNION ALL SELECT 'score_change ' || s::text FROM leadqual.score_change AS s
                  WHERE s.lead_table = 'bd_rls.leads'::regclass AND s.lead_id IN ('11', '12', '13')
        UNION ALL SELECT 'event ' || s::text FROM leadqual.event AS s
                  WHERE s.lead_table = 'bd_rls.leads'::regclass AND s.lead_id IN ('11', '12', '13')
        UNION ALL SELECT 'transition ' || s::text FROM leadqual.transition AS s
                  WHERE s.lead_table = 'bd_rls.leads'::regclass AND s.lead_id IN ('11', '12', '13')
        UNION ALL SELECT 'sla_clock ' || s::text FROM leadqual.sla_clock AS s
                  WHERE s.lead_table = 'bd_rls.leads'::regclass AND s.lead_id IN ('11', '12', '13')
        UNION ALL SELECT 'touch ' || s::text FROM leadqual.touch AS s
                  WHERE s.lead_table = 'bd_rls.leads'::regclass AND s.lead_id IN ('11', '12', '13')
        UNION ALL SELECT 'assignment ' || s::text FROM leadqual.assignment AS s
                  WHERE s.lead_table = 'bd_rls.leads'::regclass AND s.lead_id IN ('11', '12', '13')
        UNION ALL SELECT 'handoff ' || s::text FROM leadqual.handoff AS s
                  WHERE s.lead_table = 'bd_rls.leads'::regclass AND s.lead_id IN ('11', '12', '13')
    ) AS rows(x)
$$;

------------------------------------------------------------------------------
-- Each tenant works its own leads
------------------------------------------------------------------------------

-- Tenant A: lead 1 (VP, 100 people, saas: 40) is promoted by a pricing page
-- view, touched and accepted by sales; lead 2 (engineer) attends a webinar.
SET LOCAL ROLE lq_tap_bd_rls_a;
SELECT lives_ok($$INSERT INTO bd_rls.leads (id, title, company_size, industry)
                  VALUES (1, 'VP Sales', 100, 'saas'), (2, 'Engineer', 5, 'retail')$$, 'tenant A inserts its leads');
SELECT lives_ok($$SELECT leadqual.track('bd_rls.leads', '1', 'pricing_page_view')$$, 'tenant A tracks an event of its lead 1');
SELECT lives_ok($$SELECT leadqual.track('bd_rls.leads', '2', 'webinar_attended')$$, 'tenant A tracks an event of its lead 2');
SELECT lives_ok($$SELECT leadqual.touch('bd_rls.leads', '1', 'call', at => '2099-01-05 12:00+00')$$, 'tenant A touches its lead 1');
SELECT lives_ok($$UPDATE bd_rls.leads SET lifecycle_stage = 'sal' WHERE id = 1$$, 'tenant A moves its lead 1 to sal');
SELECT is((SELECT string_agg(format('%s %s %s %s', id, score, lifecycle_stage, coalesce(owner, '-')), ', ' ORDER BY id)
           FROM bd_rls.leads), '1 60 sal bd_rep_ann, 2 10 lead -',
          'tenant A''s leads are scored, promoted and assigned; it sees only them');

-- Tenant B: lead 11 (CEO, software) is promoted by a demo request and
-- touched; lead 12 opens an e-mail and is touched; lead 13 (CEO, saas) is
-- promoted by a pricing page view, and its clock stays open.
SET LOCAL ROLE lq_tap_bd_rls_b;
SELECT lives_ok($$INSERT INTO bd_rls.leads (id, title, company_size, industry)
                  VALUES (11, 'CEO', 200, 'software'), (12, 'Manager', 10, 'retail'), (13, 'CEO', 200, 'saas')$$,
                'tenant B inserts its leads');
SELECT lives_ok($$SELECT leadqual.track('bd_rls.leads', '11', 'demo_request')$$, 'tenant B tracks an event of its lead 11');
SELECT lives_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('bd_rls.leads', '12', 'email_open')$$,
                'tenant B records an event of its lead 12');
SELECT lives_ok($$SELECT leadqual.track('bd_rls.leads', '13', 'pricing_page_view')$$, 'tenant B tracks an event of its lead 13');
SELECT lives_ok($$SELECT leadqual.touch('bd_rls.leads', '11', 'call', at => '2099-01-05 12:00+00')$$, 'tenant B touches its lead 11');
SELECT lives_ok($$INSERT INTO leadqual.touch (lead_table, lead_id, kind, touched_at)
                  VALUES ('bd_rls.leads', '12', 'email', '2099-01-05 12:00+00')$$, 'tenant B records a touch of its lead 12');
SELECT is((SELECT string_agg(format('%s %s %s %s', id, score, lifecycle_stage, coalesce(owner, '-')), ', ' ORDER BY id)
           FROM bd_rls.leads), '11 95 mql bd_rep_ben, 12 5 lead -, 13 65 mql bd_rep_ann',
          'tenant B''s leads are scored, promoted and assigned; it sees only them');
RESET ROLE;

------------------------------------------------------------------------------
-- What each role reads in leadqual's tables and views
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_bd_rls_a;
SELECT is(pg_temp.visible('leadqual.lead_score', :leads_oid), '1,2', 'tenant A: lead_score shows its leads only');
SELECT is(pg_temp.visible('leadqual.score_change', :leads_oid), '1,2', 'tenant A: score_change shows its leads only');
SELECT is(pg_temp.visible('leadqual.event', :leads_oid), '1,2', 'tenant A: event shows its leads only');
SELECT is(pg_temp.visible('leadqual.transition', :leads_oid), '1,2', 'tenant A: transition shows its leads only');
SELECT is(pg_temp.visible('leadqual.sla_clock', :leads_oid), '1', 'tenant A: sla_clock shows its lead only');
SELECT is(pg_temp.visible('leadqual.touch', :leads_oid), '1', 'tenant A: touch shows its lead only');
SELECT is(pg_temp.visible('leadqual.assignment', :leads_oid), '1', 'tenant A: assignment shows its lead only');
SELECT is(pg_temp.visible('leadqual.stage_history', :leads_oid), '1,2', 'tenant A: stage_history shows its leads only');
SELECT is(pg_temp.visible('leadqual.sla_status', :leads_oid), '1', 'tenant A: sla_status shows its lead only');
SELECT is(pg_temp.visible('leadqual.sla_breaches', :leads_oid), '1', 'tenant A: sla_breaches shows its lead only');
SELECT is(pg_temp.funnel(:leads_oid), 'lead=2 mql=1 sal=1', 'tenant A: the funnel counts its leads only');
SELECT is(pg_temp.reports(), 'sla_compliance clocks=1, stage_velocity moves=2',
          'tenant A: sla_compliance and stage_velocity count its clock and moves only');
SELECT is((SELECT format('events=%s points=%s',
                         (SELECT string_agg(DISTINCT e.lead_id, ',' ORDER BY e.lead_id)
                          FROM leadqual._engagement_events('bd_rls.leads', now()) AS e),
                         (SELECT string_agg(DISTINCT p.lead_id, ',' ORDER BY p.lead_id)
                          FROM leadqual._engagement_points('bd_rls.leads', now()) AS p))),
          'events=1,2 points=1,2', 'tenant A: _engagement_events() and _engagement_points() show its leads only');

SET LOCAL ROLE lq_tap_bd_rls_b;
SELECT is(pg_temp.all_visible(:leads_oid),
          'lead_score=11,12,13; score_change=11,12,13; event=11,12,13; transition=11,12,13; sla_clock=11,13; '
          'touch=11,12; assignment=11,13; handoff=11,13; stage_history=11,12,13; sla_status=11,13; sla_breaches=11',
          'tenant B: every shared table and view shows its leads only');
SELECT is(pg_temp.funnel(:leads_oid), 'lead=3 mql=2 sal=0', 'tenant B: the funnel counts its leads only');

SET LOCAL ROLE lq_tap_bd_rls_outsider;
SELECT is(pg_temp.all_visible(:leads_oid),
          'lead_score=; score_change=; event=; transition=; sla_clock=; touch=; assignment=; handoff=; stage_history=; '
          'sla_status=; sla_breaches=',
          'outsider, without SELECT on the table: no shared table or view shows any of its leads');
SELECT is(pg_temp.funnel(:leads_oid), 'no rows', 'outsider: the funnel has no row for the table');

SET LOCAL ROLE lq_tap_bd_rls_owner;
SELECT is(pg_temp.all_visible(:leads_oid),
          'lead_score=1,11,12,13,2; score_change=1,11,12,13,2; event=1,11,12,13,2; transition=1,11,12,13,2; '
          'sla_clock=1,11,13; touch=1,11,12; assignment=1,11,13; handoff=1,11,13; stage_history=1,11,12,13,2; '
          'sla_status=1,11,13; '
          'sla_breaches=1,11',
          'the table''s owner, whom its policy does not restrict, sees every lead');
RESET ROLE;

SELECT is(pg_temp.all_visible(:leads_oid),
          'lead_score=1,11,12,13,2; score_change=1,11,12,13,2; event=1,11,12,13,2; transition=1,11,12,13,2; '
          'sla_clock=1,11,13; touch=1,11,12; assignment=1,11,13; handoff=1,11,13; stage_history=1,11,12,13,2; '
          'sla_status=1,11,13; '
          'sla_breaches=1,11',
          'the superuser, the extension''s owner, sees every lead');
SELECT is(pg_temp.funnel(:leads_oid), 'lead=5 mql=3 sal=1', 'the superuser: the funnel counts every lead');
SELECT is(pg_temp.reports(), 'sla_compliance clocks=3, stage_velocity moves=4',
          'the superuser: sla_compliance and stage_velocity count every clock and move');

------------------------------------------------------------------------------
-- Tenant A against tenant B's leads
------------------------------------------------------------------------------

SELECT pg_temp.tenant_b_fingerprint() AS b_before \gset
CREATE TEMP TABLE b_subtotals AS
    SELECT lead_id, fit, engagement, engagement_as_of FROM leadqual.lead_score
    WHERE lead_table = 'bd_rls.leads'::regclass AND lead_id IN ('11', '12', '13');
SELECT array_agg(id ORDER BY id) AS b_touches FROM leadqual.touch
WHERE lead_table = 'bd_rls.leads'::regclass AND lead_id IN ('11', '12') \gset
-- No lead keeps an engagement state: tenant A's many leads below are
-- rebuilt in one pass over the table's events, as the owner, tenant B's
-- events among them.
DELETE FROM leadqual.engagement_state WHERE lead_table = 'bd_rls.leads'::regclass;

SET LOCAL ROLE lq_tap_bd_rls_a;
SELECT lives_ok($$INSERT INTO bd_rls.leads (id, title) SELECT g, 'Engineer' FROM generate_series(1001, 1300) AS g$$,
                'tenant A: 300 more leads');
SELECT lives_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind)
                  SELECT 'bd_rls.leads', g::text, 'pricing_page_view' FROM generate_series(1001, 1300) AS g$$,
                'tenant A: their first events in one statement, their states rebuilt together');
SELECT throws_ok($$SELECT leadqual.track('bd_rls.leads', '13', 'demo_request')$$, 'P0002', NULL,
                 'tenant A: track() of a tenant-B lead: no such lead (P0002)');
SELECT throws_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('bd_rls.leads', '12', 'demo_request')$$,
                 'P0002', NULL, 'tenant A: INSERT INTO leadqual.event of a tenant-B lead: no such lead (P0002)');
SELECT throws_ok($$SELECT leadqual.touch('bd_rls.leads', '13', 'call', at => '2099-01-05 12:00+00')$$, 'P0002', NULL,
                 'tenant A: touch() of a tenant-B lead: no such lead (P0002)');
SELECT throws_ok($$INSERT INTO leadqual.touch (lead_table, lead_id, kind, touched_at)
                   VALUES ('bd_rls.leads', '13', 'email', '2099-01-05 12:00+00')$$, 'P0002', NULL,
                 'tenant A: INSERT INTO leadqual.touch of a tenant-B lead: no such lead (P0002)');
SELECT throws_ok($$SELECT * FROM leadqual.explain('bd_rls.leads', '11')$$, 'P0002', NULL,
                 'tenant A: explain() of a tenant-B lead: no such lead (P0002)');
SELECT throws_ok($$SELECT leadqual.reject('bd_rls.leads', '13', 'recycled', 'bad_timing')$$, 'P0002', NULL,
                 'tenant A: reject() of a tenant-B lead: no such lead (P0002)');
SELECT lives_ok($$SELECT leadqual.rescore('bd_rls.leads', as_of => '2001-01-01 00:00+00')$$,
                'tenant A: rescore() as of 2001 (its own leads lose their engagement)');
-- whatever these answer, they must change nothing of tenant B's
SELECT pg_temp.try($$SELECT leadqual._store_scores('bd_rls.leads', '2001-01-01 00:00+00', NULL)$$) AS a_store_all \gset
SELECT pg_temp.try($$SELECT leadqual._store_scores('bd_rls.leads', '2001-01-01 00:00+00', ARRAY['11', '13'])$$) AS a_store_b \gset
SELECT pg_temp.try(format('SELECT leadqual._apply_touches(%L)', :'b_touches')) AS a_apply_b \gset
RESET ROLE;

SELECT is((SELECT string_agg(format('%s %s', lead_id, score), ', ' ORDER BY lead_id) FROM leadqual.lead_score
           WHERE lead_table = 'bd_rls.leads'::regclass AND lead_id IN ('1', '2')),
          '1 40, 2 0', 'tenant A''s rescore() as of 2001 did rescore its own leads');
SELECT results_eq($$SELECT lead_id, fit, engagement, engagement_as_of FROM leadqual.lead_score
                    WHERE lead_table = 'bd_rls.leads'::regclass AND lead_id IN ('11', '12', '13') ORDER BY lead_id$$,
                  $$SELECT * FROM b_subtotals ORDER BY lead_id$$,
                  'tenant B''s subtotals (engagement, engagement_as_of) are as they were');
SELECT is((SELECT stopped_at FROM leadqual.sla_clock WHERE lead_table = 'bd_rls.leads'::regclass AND lead_id = '13'), NULL,
          'tenant B''s open clock is still open');
SELECT is((SELECT count(*) FROM leadqual.engagement_state
           WHERE lead_table = 'bd_rls.leads'::regclass AND lead_id IN ('11', '12', '13')),
          0::bigint, 'rebuilding tenant A''s many leads kept no state of tenant B''s leads');
SELECT is((SELECT count(*) FROM leadqual.engagement_state
           WHERE lead_table = 'bd_rls.leads'::regclass AND lead_id::bigint BETWEEN 1001 AND 1300),
          300::bigint, 'and one of each of tenant A''s 300 leads');
SELECT is(pg_temp.tenant_b_fingerprint(), :'b_before',
          'nothing of tenant B''s changed: rows, subtotals, score history, events, log, clocks, touches, assignments');

------------------------------------------------------------------------------
-- Privileges on a partition: a role that may write one partition of a
-- managed partitioned table, and not the table itself, cannot reach the
-- leads of the other partitions through leadqual
------------------------------------------------------------------------------

CREATE ROLE lq_tap_bd_rls_eu;
SET LOCAL ROLE lq_tap_bd_rls_owner;
CREATE TABLE bd_rls.parted (
    id bigint, region text, title text, company_size integer, industry text,
    score integer NOT NULL DEFAULT 0, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    PRIMARY KEY (id, region)
) PARTITION BY LIST (region);
CREATE TABLE bd_rls.parted_eu PARTITION OF bd_rls.parted FOR VALUES IN ('eu');
CREATE TABLE bd_rls.parted_us PARTITION OF bd_rls.parted FOR VALUES IN ('us');
SELECT FROM leadqual.manage('bd_rls.parted', model => 'default');
INSERT INTO bd_rls.parted (id, region, title, company_size, industry)
VALUES (21, 'eu', 'VP Sales', 100, 'saas'), (31, 'us', 'CEO', 200, 'saas'), (32, 'us', 'Engineer', 5, 'retail');
SELECT FROM leadqual.track('bd_rls.parted', '31', 'demo_request');
SELECT FROM leadqual.track('bd_rls.parted', '32', 'pricing_page_view');
GRANT SELECT, INSERT, UPDATE ON bd_rls.parted_eu TO lq_tap_bd_rls_eu;
GRANT USAGE ON SCHEMA bd_rls TO lq_tap_bd_rls_eu;
RESET ROLE;

CREATE TEMP TABLE us_subtotals AS
    SELECT lead_id, fit, engagement, engagement_as_of FROM leadqual.lead_score
    WHERE lead_table = 'bd_rls.parted'::regclass AND lead_id IN ('31', '32');

SET LOCAL ROLE lq_tap_bd_rls_eu;
SELECT is((SELECT string_agg(lead_id, ',' ORDER BY lead_id) FROM leadqual.lead_score
           WHERE lead_table = 'bd_rls.parted'::regclass AND lead_id IN ('31', '32')), NULL,
          'partition: a role with privileges on the eu partition only sees no subtotals of the us partition''s leads');
-- whatever these answer, they must change nothing of the us partition's
SELECT pg_temp.try($$SELECT leadqual._store_scores('bd_rls.parted_eu', '2001-01-01 00:00+00', NULL)$$) AS eu_store_all \gset
SELECT pg_temp.try($$SELECT leadqual._store_scores('bd_rls.parted_eu', '2001-01-01 00:00+00', ARRAY['31', '32'])$$) AS eu_store_us \gset
RESET ROLE;
SELECT results_eq($$SELECT lead_id, fit, engagement, engagement_as_of FROM leadqual.lead_score
                    WHERE lead_table = 'bd_rls.parted'::regclass AND lead_id IN ('31', '32') ORDER BY lead_id$$,
                  $$SELECT * FROM us_subtotals ORDER BY lead_id$$,
                  'partition: _store_scores() called through the eu partition left the us leads'' subtotals as they were');

------------------------------------------------------------------------------
-- A table managed with a fixed threshold only stores its events (nothing
-- scores them yet): still, a tenant records events of its own leads only
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_bd_rls_owner;
CREATE TABLE bd_rls.fixed (id bigint PRIMARY KEY, tenant name NOT NULL DEFAULT current_user,
                           score integer NOT NULL DEFAULT 0,
                           lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
ALTER TABLE bd_rls.fixed ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON bd_rls.fixed USING (tenant = current_user);
GRANT SELECT, INSERT, UPDATE ON bd_rls.fixed TO lq_tap_bd_rls_a, lq_tap_bd_rls_b;
SELECT FROM leadqual.manage('bd_rls.fixed');
RESET ROLE;
SET LOCAL ROLE lq_tap_bd_rls_b;
INSERT INTO bd_rls.fixed (id) VALUES (41);
RESET ROLE;
SET LOCAL ROLE lq_tap_bd_rls_a;
INSERT INTO bd_rls.fixed (id) VALUES (40);
SELECT throws_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('bd_rls.fixed', '40', 'demo_request'), ('bd_rls.fixed', '41', 'demo_request')$$,
                 'P0002', NULL, 'fixed threshold: tenant A cannot record an event of a tenant-B lead, even one only stored');
SELECT lives_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('bd_rls.fixed', '40', 'demo_request')$$,
                'fixed threshold: tenant A records an event of its own lead');
RESET ROLE;
SELECT is((SELECT string_agg(lead_id, ',' ORDER BY lead_id) FROM leadqual.event WHERE lead_table = 'bd_rls.fixed'::regclass),
          '40', 'fixed threshold: only tenant A''s own event was stored');

SELECT * FROM finish();
ROLLBACK;
