-- The roles of docs/security.md, each proved: a reporting role reads every
-- view and log and changes nothing; an application role updates leads,
-- records events and touches, rejects and assigns leads, all of it logged,
-- but changes no configuration and no history; only the owner (here the superuser that
-- created the extension) changes models, rules and reasons, and even it
-- keeps the history as leadqual wrote it unless it means to.
\ir helpers/setup.psql

SELECT plan(63);

CREATE SCHEMA ro;
CREATE TABLE ro.leads (id int PRIMARY KEY, title text, company_size int, industry text,
                       score integer NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('ro.leads', model => 'default');
INSERT INTO ro.leads (id, title, company_size, industry) VALUES (1, 'VP Sales', 100, 'saas'), (2, 'Engineer', 5, 'retail');

CREATE ROLE lq_tap_ro_reporting;
CREATE ROLE lq_tap_ro_app;
GRANT USAGE ON SCHEMA ro TO lq_tap_ro_reporting, lq_tap_ro_app;
GRANT SELECT ON ro.leads TO lq_tap_ro_reporting;
GRANT SELECT, INSERT, UPDATE ON ro.leads TO lq_tap_ro_app;

------------------------------------------------------------------------------
-- The reporting role: reads everything, changes nothing
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_ro_reporting;
SELECT lives_ok($$SELECT count(*) FROM leadqual.stages, leadqual.managed$$, 'reporting: reads the stages and managed views');
SELECT lives_ok($$SELECT count(*) FROM leadqual.transition, leadqual.stage_history$$, 'reporting: reads the transition log and stage history');
SELECT lives_ok($$SELECT count(*) FROM leadqual.lead_score, leadqual.score_change, leadqual.event$$,
                'reporting: reads subtotals, score history and events');
SELECT lives_ok($$SELECT count(*) FROM leadqual.model, leadqual.fit_rule, leadqual.engagement_rule, leadqual.rejection_reason$$,
                'reporting: reads the models, rules and reasons');
SELECT lives_ok($$SELECT * FROM leadqual.explain('ro.leads', '1')$$, 'reporting: explains a score');
SELECT throws_ok($$SELECT leadqual.track('ro.leads', '1', 'demo_request')$$, '42501', NULL,
                 'reporting: cannot record an event');
SELECT throws_ok($$SELECT leadqual.reject('ro.leads', '1', 'recycled', 'bad_timing')$$, '42501', NULL,
                 'reporting: cannot reject a lead');
SELECT throws_ok($$SELECT leadqual.rescore('ro.leads')$$, '42501', NULL, 'reporting: cannot rescore');
SELECT throws_ok($$SELECT leadqual._store_scores('ro.leads', now(), NULL)$$, '42501', NULL,
                 'reporting: cannot call the internal subtotal writer either');
SELECT throws_ok($$UPDATE ro.leads SET title = 'CEO'$$, '42501', NULL, 'reporting: cannot update leads');
RESET ROLE;

------------------------------------------------------------------------------
-- The application role: works leads, records events; logged as itself
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_ro_app;
SELECT lives_ok($$SELECT leadqual.track('ro.leads', '1', 'pricing_page_view')$$, 'app: records an event with track()');
SELECT lives_ok($$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES ('ro.leads', '2', 'demo_request')$$,
                'app: records an event with INSERT');
SELECT lives_ok($$INSERT INTO ro.leads (id, title) VALUES (3, 'CFO')$$, 'app: inserts a lead');
SELECT lives_ok($$UPDATE ro.leads SET lifecycle_stage = 'sal' WHERE id = 1$$, 'app: moves a lead forward');
SELECT lives_ok($$SELECT leadqual.reject('ro.leads', '2', 'recycled', 'bad_timing')$$, 'app: rejects a lead');
SELECT lives_ok($$SELECT leadqual.rescore('ro.leads')$$, 'app: rescores its table');

-- configuration is the owner's
SELECT throws_ok($$SELECT leadqual.manage('ro.leads', threshold => 10)$$, '42501', NULL,
                 'app: cannot change how its table is managed');
SELECT throws_ok($$SELECT leadqual.unmanage('ro.leads')$$, '42501', NULL, 'app: cannot unmanage its table');
SELECT throws_ok($$UPDATE leadqual.model SET threshold = 10$$, '42501', NULL, 'app: cannot change a model');
SELECT throws_ok($$INSERT INTO leadqual.model (name) VALUES ('mine')$$, '42501', NULL, 'app: cannot add a model');
SELECT throws_ok($$SELECT leadqual.copy_model('default', 'mine')$$, '42501', NULL, 'app: cannot copy a model');
SELECT throws_ok($$INSERT INTO leadqual.fit_rule (model, name, column_name, operator, value, points)
                   VALUES ('default', 'x', 'title', 'in', '{x}', 100)$$, '42501', NULL, 'app: cannot add a fit rule');
SELECT throws_ok($$DELETE FROM leadqual.engagement_rule$$, '42501', NULL, 'app: cannot delete engagement rules');
SELECT throws_ok($$INSERT INTO leadqual.rejection_reason (code, description) VALUES ('x', 'x')$$, '42501', NULL,
                 'app: cannot add a rejection reason');

-- history is leadqual's
SELECT throws_ok($$UPDATE leadqual.transition SET to_stage = 'customer'$$, '42501', NULL, 'app: cannot rewrite the log');
SELECT throws_ok($$DELETE FROM leadqual.transition$$, '42501', NULL, 'app: cannot delete from the log');
SELECT throws_ok($$INSERT INTO leadqual.transition (lead_table, lead_id, to_stage, via)
                   VALUES ('ro.leads', '1', 'customer', 'manual')$$, '42501', NULL, 'app: cannot forge a log row');
SELECT throws_ok($$UPDATE leadqual.event SET occurred_at = now()$$, '42501', NULL, 'app: cannot rewrite events');
SELECT throws_ok($$DELETE FROM leadqual.event$$, '42501', NULL, 'app: cannot delete events');
SELECT throws_ok($$UPDATE leadqual.lead_score SET engagement = 1000$$, '42501', NULL, 'app: cannot plant subtotals');
SELECT throws_ok($$DELETE FROM leadqual.score_change$$, '42501', NULL, 'app: cannot delete score history');
RESET ROLE;

-- what the application did is logged, as the application
SELECT is((SELECT count(*) FROM leadqual.transition WHERE lead_table = 'ro.leads'::regclass AND changed_by = 'lq_tap_ro_app'),
          5::bigint, 'its two promotions, insert, move and rejection are logged under its name');
SELECT is((SELECT count(*) FROM leadqual.score_change WHERE lead_table = 'ro.leads'::regclass AND changed_by = 'lq_tap_ro_app'),
          3::bigint, 'so are its score changes');
SELECT is((SELECT recorded_by::text FROM leadqual.event WHERE lead_table = 'ro.leads'::regclass AND lead_id = '2'),
          'lq_tap_ro_app', 'and its events');

------------------------------------------------------------------------------
-- The handoff: owners, calendars, policies, touches and clocks
------------------------------------------------------------------------------

CREATE TABLE ro.handed (id int PRIMARY KEY, owner text, score integer NOT NULL DEFAULT 0,
                        lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('ro.handed', owner_column => 'owner');
INSERT INTO leadqual.owner (name) VALUES ('ro_ann'), ('ro_ben');
INSERT INTO leadqual.sla_policy (name, stage, target, calendar) VALUES ('ro_mql', 'mql', '4 hours', '24x7');
INSERT INTO ro.handed (id) VALUES (1), (2);
GRANT SELECT ON ro.handed TO lq_tap_ro_reporting;
GRANT SELECT, INSERT, UPDATE ON ro.handed TO lq_tap_ro_app;

SET LOCAL ROLE lq_tap_ro_app;
SELECT lives_ok($$UPDATE ro.handed SET score = 60 WHERE id = 1$$, 'app: promotes a lead, which gets an owner and a clock');
-- (dated now, not at the transaction's start, which precedes the clock)
SELECT lives_ok($$SELECT leadqual.touch('ro.handed', '1', 'call', clock_timestamp())$$, 'app: touches a lead');
SELECT lives_ok($$INSERT INTO leadqual.touch (lead_table, lead_id, kind) VALUES ('ro.handed', '1', 'email')$$,
                'app: records a touch with INSERT');
SELECT lives_ok($$UPDATE ro.handed SET owner = 'ro_ben' WHERE id = 2$$, 'app: assigns a lead by hand');
SELECT throws_ok($$INSERT INTO leadqual.owner (name) VALUES ('me')$$, '42501', NULL, 'app: cannot add an owner');
SELECT throws_ok($$UPDATE leadqual.owner SET weight = 100$$, '42501', NULL, 'app: cannot reweight owners');
SELECT throws_ok($$UPDATE leadqual.sla_policy SET target = '400 hours'$$, '42501', NULL, 'app: cannot loosen a policy');
SELECT throws_ok($$SELECT leadqual.copy_calendar('24x7', 'mine')$$, '42501', NULL, 'app: cannot add a calendar');
SELECT throws_ok($$INSERT INTO leadqual.holiday (calendar, day) VALUES ('24x7', '2026-12-25')$$, '42501', NULL,
                 'app: cannot add a holiday');
SELECT throws_ok($$DELETE FROM leadqual.business_hours$$, '42501', NULL, 'app: cannot change business hours');
SELECT throws_ok($$UPDATE leadqual.sla_clock SET stopped_at = started_at$$, '42501', NULL, 'app: cannot stop a clock by hand');
SELECT throws_ok($$DELETE FROM leadqual.sla_clock$$, '42501', NULL, 'app: cannot delete clocks');
SELECT throws_ok($$UPDATE leadqual.assignment SET owner = 'x'$$, '42501', NULL, 'app: cannot rewrite assignments');
SELECT throws_ok($$DELETE FROM leadqual.touch$$, '42501', NULL, 'app: cannot delete touches');
SELECT throws_ok($$UPDATE leadqual.touch SET touched_at = touched_at - interval '1 hour'$$, '42501', NULL,
                 'app: cannot backdate recorded touches');
SELECT throws_ok($$DELETE FROM leadqual.owner_turn$$, '42501', NULL, 'app: cannot reset round-robin');
SELECT throws_ok($$INSERT INTO leadqual.owner_turn (owner, turn_start, turn_end) VALUES ('x', 0, 1)$$, '42501', NULL,
                 'app: cannot take a round-robin turn by hand');
SELECT throws_ok($$INSERT INTO leadqual.sla_clock (policy, lead_table, lead_id, stage, entry_id, entered_at,
                                                  started_at, target, calendar, stops_on)
                   VALUES ('mql', 'ro.handed', '1', 'mql', 0, now(), now(), '1 hour', '24x7', 'either')$$,
                 '42501', NULL, 'app: cannot start a clock by hand');
RESET ROLE;

SET LOCAL ROLE lq_tap_ro_reporting;
SELECT lives_ok($$SELECT count(*) FROM leadqual.sla_status, leadqual.sla_breaches, leadqual.sla_compliance$$,
                'reporting: reads the SLA views');
SELECT lives_ok($$SELECT count(*) FROM leadqual.funnel, leadqual.stage_velocity, leadqual.rejection_summary$$,
                'reporting: reads the funnel, velocity and rejection reports');
SELECT lives_ok($$SELECT count(*) FROM leadqual.calendar, leadqual.business_hours, leadqual.holiday, leadqual.owner,
                  leadqual.owner_turn, leadqual.assignment, leadqual.touch, leadqual.sla_policy, leadqual.sla_clock$$,
                'reporting: reads the handoff''s tables');
SELECT lives_ok($$SELECT leadqual.business_time_between('weekdays_9_17', now(), now() + interval '1 week')$$,
                'reporting: counts business time');
SELECT throws_ok($$SELECT leadqual.touch('ro.handed', '1')$$, '42501', NULL, 'reporting: cannot touch a lead');
RESET ROLE;

SELECT is((SELECT string_agg(format('%s %s %s', lead_id, via, assigned_by), ', ' ORDER BY id)
           FROM leadqual.assignment WHERE lead_table = 'ro.handed'::regclass),
          '1 round_robin lq_tap_ro_app, 2 manual lq_tap_ro_app', 'the assignments are logged under the app''s name');
SELECT is((SELECT string_agg(DISTINCT actor, ',') FROM leadqual.touch WHERE lead_table = 'ro.handed'::regclass),
          'lq_tap_ro_app', 'and so are its touches');
SELECT is((SELECT format('%s %s', owner, stopped_by) FROM leadqual.sla_clock WHERE lead_table = 'ro.handed'::regclass AND lead_id = '1'),
          'ro_ann touch', 'the app''s touch stopped the clock, which the owner''s code wrote');

------------------------------------------------------------------------------
-- The owner
------------------------------------------------------------------------------

SELECT lives_ok($$SELECT leadqual.copy_model('default', 'ro_owned')$$, 'owner: copies a model');
SELECT lives_ok($$UPDATE leadqual.model SET threshold = 60 WHERE name = 'ro_owned'$$, 'owner: changes it');
SELECT lives_ok($$SELECT leadqual.manage('ro.leads', model => 'ro_owned')$$, 'owner: manages the table with it');

SELECT * FROM finish();
ROLLBACK;
