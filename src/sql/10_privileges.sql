-- leadqual: privileges.  Who may read and write what: every GRANT and
-- REVOKE of the extension, and the row-level security of its per-lead
-- tables.  docs/security.md explains the model; in short, everyone reads
-- (each role only the leads it could read itself), the extension's owner
-- configures, applications record events and touches (their triggers
-- check UPDATE on the leads table), and leadqual's triggers and internal
-- functions write the rest as the owner.

------------------------------------------------------------------------------
-- Tables, views and functions
------------------------------------------------------------------------------

-- Application roles call manage(), reject() and read the log.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

GRANT SELECT ON @extschema@.stages TO PUBLIC;

-- The trigger writes the log as the table's owner; everyone else reads it.
REVOKE ALL ON @extschema@.transition, @extschema@.rejection_reason FROM PUBLIC;
GRANT SELECT ON @extschema@.transition, @extschema@.rejection_reason TO PUBLIC;
GRANT SELECT ON @extschema@.stage_history TO PUBLIC;
-- Erasing a person is for a privileged role: the extension's owner, and
-- those it grants EXECUTE to.
REVOKE EXECUTE ON FUNCTION @extschema@.erase(regclass, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.import_history(regclass, regclass, regclass, regclass) FROM PUBLIC;

-- leadqual's own tables' trigger functions: only leadqual attaches them.
-- (A trigger's function is checked for EXECUTE when the trigger is
-- created, not when it fires.)  Those that write as the owner also refuse
-- any other table.
REVOKE EXECUTE ON FUNCTION @extschema@._check_model(), @extschema@._check_rule(),
    @extschema@._models_changed(), @extschema@._score_new_events(),
    @extschema@._forget_changed_events(), @extschema@._check_calendar(),
    @extschema@._check_calendar_row(), @extschema@._cached_table_changed(),
    @extschema@._clock_references(), @extschema@._check_sla_policy(),
    @extschema@._touches_recorded() FROM PUBLIC;
-- merge() writes the merges as the owner, as the trigger writes the log.
REVOKE ALL ON @extschema@.lead_merge FROM PUBLIC;
GRANT SELECT ON @extschema@.lead_merge TO PUBLIC;
GRANT SELECT ON @extschema@.managed TO PUBLIC;

-- Everyone reads; the owner configures; applications insert events (the
-- rescoring that follows needs UPDATE on the leads table); only leadqual's
-- triggers, running as the owner, write scores and their history.
REVOKE ALL ON @extschema@.model, @extschema@.fit_rule, @extschema@.engagement_rule,
              @extschema@.event, @extschema@.lead_score, @extschema@.score_change FROM PUBLIC;
GRANT SELECT ON @extschema@.model, @extschema@.fit_rule, @extschema@.engagement_rule,
                @extschema@.event, @extschema@.lead_score, @extschema@.score_change TO PUBLIC;
GRANT INSERT ON @extschema@.event TO PUBLIC;
-- What is kept of the events is leadqual's alone, written as the owner.

-- Everyone reads; the owner configures challengers; only promote_model()
-- writes the log, as the owner.
REVOKE ALL ON @extschema@.challenger, @extschema@.model_change FROM PUBLIC;
GRANT SELECT ON @extschema@.challenger, @extschema@.model_change TO PUBLIC;
REVOKE ALL ON @extschema@.engagement_state FROM PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.event_id_seq TO PUBLIC;

REVOKE ALL ON @extschema@.calendar, @extschema@.business_hours, @extschema@.holiday FROM PUBLIC;
GRANT SELECT ON @extschema@.calendar, @extschema@.business_hours, @extschema@.holiday TO PUBLIC;

-- Configuration is the owner's (an administrator's) to change; leadqual's
-- triggers write the rest as the owner.  Everyone reads; touches are
-- recorded by anyone who may write the leads (checked by the trigger).
REVOKE ALL ON @extschema@.owner, @extschema@.owner_turn, @extschema@.assignment, @extschema@.touch,
              @extschema@.sla_policy, @extschema@.sla_clock FROM PUBLIC;
GRANT SELECT ON @extschema@.owner, @extschema@.owner_turn, @extschema@.assignment, @extschema@.touch,
                @extschema@.sla_policy, @extschema@.sla_clock TO PUBLIC;
GRANT INSERT ON @extschema@.touch TO PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.touch_id_seq TO PUBLIC;
-- The handoff outbox: everyone reads it, like the other per-lead tables
-- (each role the handoffs of the leads it could read); leadqual writes it
-- as the owner.  A worker's role needs UPDATE to claim and acknowledge
-- handoffs, and DELETE for the purge of old acknowledged ones: grant them
-- to the worker's role, not to PUBLIC.
REVOKE ALL ON @extschema@.handoff FROM PUBLIC;
GRANT SELECT ON @extschema@.handoff TO PUBLIC;
-- The reports' rollups are written by refresh_rollups(), which only the
-- owner (and those it grants EXECUTE to) runs.  Their rows count every
-- lead, so row security shows them to no role it restricts (no policy):
-- such a role's reports count the clocks and leads it may see one by one.
REVOKE ALL ON @extschema@.sla_clock_day, @extschema@.rollup_state, @extschema@.funnel_shape,
              @extschema@.funnel_day, @extschema@.funnel_dirty FROM PUBLIC;
GRANT SELECT ON @extschema@.sla_clock_day, @extschema@.rollup_state, @extschema@.funnel_shape,
                @extschema@.funnel_day, @extschema@.funnel_dirty TO PUBLIC;
ALTER TABLE @extschema@.sla_clock_day ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.funnel_shape ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.funnel_day ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.funnel_dirty ENABLE ROW LEVEL SECURITY;
REVOKE EXECUTE ON FUNCTION @extschema@.refresh_rollups(boolean), @extschema@._wait_for_log_writers(),
    @extschema@._funnel_take_out(regclass, text[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@._rename_rollup_policy(), @extschema@._forget_rollup() FROM PUBLIC;
GRANT SELECT ON @extschema@._clock_state, @extschema@._clock_figures TO PUBLIC;
GRANT SELECT ON @extschema@.sla_status, @extschema@.sla_breaches, @extschema@.sla_compliance, @extschema@._funnel_lead,
                @extschema@.funnel, @extschema@.stage_velocity, @extschema@.rejection_summary TO PUBLIC;

------------------------------------------------------------------------------
-- Per-lead tables show a role only the leads it could read itself
------------------------------------------------------------------------------

-- Whether the current role could read the lead in its table: SELECT on
-- the table and, when the table's row-level security restricts the role,
-- the lead's row among those it sees (src/lead_visibility.c).  No SET
-- search_path: it runs for every row a restricted role reads, and the lead
-- table's own policies, which it runs as the role, must see the role's
-- settings as they would if it read the table itself; its own query names
-- the table and column with their schema, quoted.
CREATE FUNCTION @extschema@._lead_visible(lead_table regclass, lead_id text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_lead_visible';

-- Superusers (the extension's owner, which leadqual's own queries run as)
-- and BYPASSRLS roles see every row.  Writes stay as the privileges say:
-- anyone may record events and touches (their triggers check UPDATE on the
-- leads table), only the owner writes the rest.
ALTER TABLE @extschema@.transition ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.transition
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);
ALTER TABLE @extschema@.event ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.event
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);
ALTER TABLE @extschema@.lead_score ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.lead_score
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);
ALTER TABLE @extschema@.score_change ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.score_change
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);
ALTER TABLE @extschema@.sla_clock ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.sla_clock
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);
ALTER TABLE @extschema@.touch ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.touch
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);
ALTER TABLE @extschema@.assignment ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.assignment
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);
ALTER TABLE @extschema@.lead_merge ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.lead_merge
    USING (@extschema@._lead_visible(lead_table, kept_id)) WITH CHECK (true);
ALTER TABLE @extschema@.handoff ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.handoff
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);

-- The reports (leadqual.stage_history and the views of 09_reports.sql) are
-- created WITH (security_invoker = true): they read those tables as the
-- role that queries them, so the policies apply (a view otherwise reads as
-- its owner, who sees all).  leadqual.stages and leadqual.managed read no
-- per-lead table and run as their owner.
