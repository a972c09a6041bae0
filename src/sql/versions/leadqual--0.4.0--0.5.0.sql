-- leadqual 0.4.0 -> 0.5.0: the handoff (issue 15) and scoring at event-stream scale (issue 16).

\echo Use "ALTER EXTENSION leadqual UPDATE TO '0.5.0'" to load this file. \quit

------------------------------------------------------------------------------
-- Calendar zones only from the time zone database
------------------------------------------------------------------------------

-- _check_time_zone() (C) now refuses POSIX strings such as 'UTC+5' or
-- '+05:30', which PostgreSQL reads with the sign flipped.  A calendar that
-- has one keeps it, and keeps counting as before, until it is changed; the
-- update names each such calendar.
DO $posix_zones$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT name, time_zone FROM @extschema@.calendar ORDER BY name LOOP
        BEGIN
            PERFORM @extschema@._check_time_zone(c.time_zone, c.name);
        EXCEPTION WHEN invalid_parameter_value THEN
            RAISE WARNING 'leadqual: calendar "%" has time zone "%", which is not a zone of the time zone database',
                c.name, c.time_zone
                USING DETAIL = 'PostgreSQL reads a POSIX offset such as ''UTC+5'' or ''+05:30'' with the sign flipped: its business hours are off by twice the offset.',
                      HINT = format('Give it a zone pg_timezone_names lists: UPDATE leadqual.calendar SET time_zone = ''Asia/Kolkata'' WHERE name = %L;', c.name);
        END;
    END LOOP;
END
$posix_zones$;

------------------------------------------------------------------------------
-- A stage change's clocks in C
------------------------------------------------------------------------------

-- log_transition() starts and stops the clocks itself, in C with kept
-- plans, instead of calling this PL/pgSQL function for every stage change
-- a policy watches.
DROP FUNCTION @extschema@._stage_changed(regclass, text, @extschema@.lifecycle_stage,
                                         @extschema@.lifecycle_stage, bigint, timestamptz, text);

------------------------------------------------------------------------------
-- The handoff outbox
------------------------------------------------------------------------------

-- One row per handoff (a promotion, or a move by hand into the stage the
-- table promotes to), written by log_transition() in the transaction that
-- made it, as the extension's owner: a worker that was down finds it here,
-- where the NOTIFY only wakes a worker that listens.  Workers take rows with
-- claim_handoffs() and acknowledge them with ack_handoffs().
CREATE TABLE @extschema@.handoff (
    id            bigserial PRIMARY KEY,
    lead_table    regclass NOT NULL,
    lead_id       text NOT NULL,
    transition_id bigint NOT NULL,
    from_stage    @extschema@.lifecycle_stage,
    to_stage      @extschema@.lifecycle_stage NOT NULL,
    score         numeric,
    owner         text,
    via           @extschema@.transition_via NOT NULL,
    -- the transition's changed_at
    handed_at     timestamptz NOT NULL,
    claimed_at    timestamptz,
    claimed_by    text,
    -- the claim's lease: until then nobody else gets the handoff
    lease_until   timestamptz,
    claims        integer NOT NULL DEFAULT 0,
    acked_at      timestamptz
);
-- The next unacknowledged handoffs, in id order (claim_handoffs()).
CREATE INDEX handoff_pending_idx ON @extschema@.handoff (id) WHERE acked_at IS NULL;
-- The oldest acknowledged ones, for the retention purge (ack_handoffs()).
CREATE INDEX handoff_acked_idx ON @extschema@.handoff (acked_at) WHERE acked_at IS NOT NULL;
COMMENT ON TABLE @extschema@.handoff IS
    'The handoff outbox: one row per lead handed to sales, written with the promotion; workers claim and acknowledge them';

-- pg_dump keeps them all, acknowledged or not.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.handoff', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.handoff_id_seq', '');

-- How long acknowledged handoffs are kept: the setting
-- leadqual.handoff_retention, parsed by the library (which this call loads).
CREATE FUNCTION @extschema@._handoff_retention()
RETURNS interval
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_handoff_retention';

-- Claims the oldest n handoffs nobody holds (unacknowledged, and never
-- claimed or with the last claim's lease run out), in id order, skipping
-- rows another transaction has locked; marks them claimed by "worker"
-- (default: the current role) until "lease" from now and returns them.  A
-- claim holds its rows' locks until its transaction ends and, once
-- committed, the rows until its lease_until, whatever lease the next
-- claimer passes: two workers never get the same row while a claim holds.  A handoff whose
-- lease runs out unacknowledged is offered again.  As the caller, who needs
-- SELECT and UPDATE on leadqual.handoff and sees only the handoffs of leads
-- it can read.
CREATE FUNCTION @extschema@.claim_handoffs(n integer DEFAULT 100,
                                           lease interval DEFAULT '5 minutes',
                                           worker text DEFAULT NULL)
RETURNS SETOF @extschema@.handoff
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $claim$
DECLARE
    at timestamptz := clock_timestamp();
BEGIN
    IF n IS NULL OR n < 1 THEN
        RAISE EXCEPTION 'leadqual.claim_handoffs: n must be at least 1, not %', coalesce(n::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass how many handoffs to claim at most, such as 100.';
    END IF;
    IF lease IS NULL OR lease <= interval '0' THEN
        RAISE EXCEPTION 'leadqual.claim_handoffs: lease must be a positive interval, not %', coalesce(lease::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass how long a claim holds before the handoff is offered again, such as ''5 minutes''.';
    END IF;
    RETURN QUERY
    WITH free AS (
        SELECT f.id FROM @extschema@.handoff AS f
        WHERE f.acked_at IS NULL AND (f.lease_until IS NULL OR f.lease_until < at)
        ORDER BY f.id
        LIMIT n
        FOR UPDATE SKIP LOCKED),
    claimed AS (
        UPDATE @extschema@.handoff AS h
        SET claimed_at = at, claimed_by = coalesce(worker, current_user::text),
            lease_until = at + lease, claims = h.claims + 1
        FROM free
        WHERE h.id = free.id
        RETURNING h.*)
    SELECT c.* FROM claimed AS c ORDER BY c.id;
END
$claim$;
COMMENT ON FUNCTION @extschema@.claim_handoffs(integer, interval, text) IS
    'Claim the oldest unacknowledged handoffs nobody holds, for a lease; returns them in id order';

-- Acknowledges the handoffs of the given ids not acknowledged yet and
-- returns how many; then deletes up to 10000 of the acknowledged handoffs
-- older than leadqual.handoff_retention, so that an acknowledgement never
-- turns into a long purge.  As the caller, who needs UPDATE (and, for the
-- purge, DELETE) on leadqual.handoff.
CREATE FUNCTION @extschema@.ack_handoffs(ids bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $ack$
DECLARE
    acked bigint;
BEGIN
    UPDATE @extschema@.handoff AS h SET acked_at = clock_timestamp()
    WHERE h.id = ANY (ids) AND h.acked_at IS NULL;
    GET DIAGNOSTICS acked = ROW_COUNT;
    DELETE FROM @extschema@.handoff AS h
    WHERE h.id IN (SELECT o.id FROM @extschema@.handoff AS o
                   WHERE o.acked_at < clock_timestamp() - @extschema@._handoff_retention()
                   ORDER BY o.acked_at
                   LIMIT 10000
                   FOR UPDATE SKIP LOCKED);
    RETURN acked;
END
$ack$;
COMMENT ON FUNCTION @extschema@.ack_handoffs(bigint[]) IS
    'Acknowledge handled handoffs; returns how many were not acknowledged before, and purges old acknowledged ones';

-- Privileges and row-level security, as 10_privileges.sql has them.
REVOKE ALL ON @extschema@.handoff FROM PUBLIC;
GRANT SELECT ON @extschema@.handoff TO PUBLIC;
ALTER TABLE @extschema@.handoff ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.handoff
    USING (@extschema@._lead_visible(lead_table, lead_id)) WITH CHECK (true);

------------------------------------------------------------------------------
-- Owners in C: round-robin that never waits, and a change of owner
------------------------------------------------------------------------------

-- qualify() picks owners in C (src/round_robin.c), with the statement's
-- turns in memory, and log_transition() records a turn, the assignment and
-- what follows for the clocks, in C, once the row is written; nothing calls
-- _start_clocks() any more.  A turn is
-- written confirmed, so none is ever left unconfirmed: those 0.4.0 left go.
-- An owner_assignment clock now starts only with the first owner of a stage
-- entry; 0.4.0 also started one when a lead that entered with an owner,
-- before the policy was in force, was given to someone else.
DROP FUNCTION @extschema@._assign_owner(regclass, text, text);
DROP FUNCTION @extschema@._owner_changed(regclass, text, text, @extschema@.assignment_via, text, bigint);
DROP FUNCTION @extschema@._start_clocks(regclass, text, @extschema@.lifecycle_stage, bigint,
                                        timestamptz, text, timestamptz, @extschema@.sla_start[]);
-- _apply_touches() stops the clocks a touch stops with a kept UPDATE too:
-- no PL/pgSQL, and no planner-forcing SET, runs once a touch.
DROP FUNCTION @extschema@._stop_clocks(regclass, text, @extschema@.sla_stopped_by, timestamptz,
                                       @extschema@.lifecycle_stage, bigint);
DELETE FROM @extschema@.owner_turn WHERE NOT confirmed;
DROP INDEX @extschema@.owner_turn_unconfirmed_idx;
ALTER TABLE @extschema@.owner_turn ALTER COLUMN confirmed SET DEFAULT true;
COMMENT ON TABLE @extschema@.owner_turn IS
    'The turns owners took in round-robin assignment, newest last; leadqual.assignment logs what the leads got';

------------------------------------------------------------------------------
-- Clocks name their policy and calendar without foreign keys
------------------------------------------------------------------------------

-- The foreign keys' checks cost a query a clock; _clock_references() and
-- the lock a clock's start takes keep the same rules.
ALTER TABLE @extschema@.sla_clock DROP CONSTRAINT sla_clock_policy_fkey;
ALTER TABLE @extschema@.sla_clock DROP CONSTRAINT sla_clock_calendar_fkey;

-- A clock names its policy and calendar without a foreign key, whose check
-- would cost a query a clock.  Starting a clock locks both rows FOR KEY
-- SHARE, once a transaction, and this trigger renames the clocks with
-- them and refuses to delete or truncate what clocks name (23503): see
-- src/clock_references.c.
CREATE FUNCTION @extschema@._clock_references()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_clock_references';
CREATE TRIGGER clock_references AFTER UPDATE OF name OR DELETE ON @extschema@.sla_policy
    FOR EACH ROW EXECUTE FUNCTION @extschema@._clock_references('policy');
CREATE TRIGGER clock_references_truncate AFTER TRUNCATE ON @extschema@.sla_policy
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._clock_references('policy');
CREATE TRIGGER clock_references AFTER UPDATE OF name OR DELETE ON @extschema@.calendar
    FOR EACH ROW EXECUTE FUNCTION @extschema@._clock_references('calendar');
CREATE TRIGGER clock_references_truncate AFTER TRUNCATE ON @extschema@.calendar
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._clock_references('calendar');


------------------------------------------------------------------------------
-- Windows in absolute time
------------------------------------------------------------------------------

-- A window started at as_of - within, with calendar arithmetic in the
-- session's time zone: sessions in different zones disagreed about the same
-- lead, and '1 mon' was a calendar month while a half-life of '1 mon' was 30
-- days.  Now both are absolute time, counted as EXTRACT(epoch FROM
-- interval) counts.
CREATE FUNCTION @extschema@._window_start(as_of timestamptz, within interval)
RETURNS timestamptz
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_window_start';

-- Each event that counts for an engagement rule of the table's model, as of
-- a time, with its decayed weight and the rule's terms; a window starts
-- at _window_start(), in absolute time.  No SET
-- search_path, so that it inlines into the queries that aggregate it; every
-- name is qualified.  It covers every lead: a caller's condition on lead_id
-- is pushed down to the index on events, in generic plans too, which a
-- "lead_ids IS NULL OR ..." parameter would prevent.
CREATE OR REPLACE FUNCTION @extschema@._engagement_events(leads regclass, as_of timestamptz)
RETURNS TABLE (lead_id text, rule text, event_id bigint, kind text,
               occurred_at timestamptz, session text, weight double precision,
               points numeric, min_count integer, cap numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT e.lead_id, r.name, e.id, e.kind, e.occurred_at,
       CASE WHEN r.group_by IS NULL THEN ''
            ELSE e.properties OPERATOR(pg_catalog.->>) r.group_by END,
       @extschema@.decay(as_of OPERATOR(pg_catalog.-) e.occurred_at, r.half_life),
       r.points, r.min_count, r.cap
FROM @extschema@.engagement_rule AS r
JOIN @extschema@.event AS e
  ON e.kind OPERATOR(pg_catalog.=) r.event_kind
 AND e.properties OPERATOR(pg_catalog.@>) r.match
WHERE r.model OPERATOR(pg_catalog.=) (SELECT @extschema@._model_of(leads))
  AND e.lead_table OPERATOR(pg_catalog.=) leads
  AND e.occurred_at OPERATOR(pg_catalog.<=) as_of
  AND (r.within IS NULL
       OR e.occurred_at OPERATOR(pg_catalog.>) @extschema@._window_start(as_of, r.within))
$$;

------------------------------------------------------------------------------
-- Scores that don't fit the score column name their lead
------------------------------------------------------------------------------

-- A score past the column's type (a smallint column, a model without
-- max_score) failed the whole rescore() with the cast's error, which named
-- no lead.  It still fails the statement as a whole, now naming the lead:
-- _store_scores() and the trigger check each score (C), and rescore() (C)
-- finds the leads to rescore without casting any score.
CREATE OR REPLACE FUNCTION @extschema@.rescore(leads regclass, as_of timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_rescore';

------------------------------------------------------------------------------
-- Kept engagement state: new events are folded in, not all re-read
------------------------------------------------------------------------------

-- Every scoring of a lead updates its lead_score row: room on each page
-- keeps the new version on the same page.  (Pages already full fill to 80%
-- as they are rewritten, by VACUUM FULL or CLUSTER.)
ALTER TABLE @extschema@.lead_score SET (fillfactor = 80);
-- rescore_due(): the leads due, in due order; NULL (never) until a lead is
-- next scored, which gives it its due time.
ALTER TABLE @extschema@.lead_score ADD COLUMN due_at timestamptz;
CREATE INDEX lead_score_due_idx ON @extschema@.lead_score (lead_table, due_at, lead_id)
    WHERE due_at IS NOT NULL;
COMMENT ON TABLE @extschema@.lead_score IS
    'Fit and engagement subtotals of each scored lead, the score last written to its row, and when its engagement is next due to change';

-- Backends keep each model's engagement rules with the table's settings
-- now, as they do its fit rules: a change to them drops them too.
CREATE TRIGGER models_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.engagement_rule
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._models_changed();

-- Derived from leadqual.event and the rules, and not dumped: each lead's
-- state is built from its events when it is first scored after the update.
CREATE TABLE @extschema@.engagement_state (
    lead_table regclass NOT NULL,
    lead_id    text NOT NULL,
    state      bytea NOT NULL,
    PRIMARY KEY (lead_table, lead_id)
) WITH (fillfactor = 80, toast_tuple_target = 8160);
COMMENT ON TABLE @extschema@.engagement_state IS
    'What each engagement rule keeps of a lead''s events, so that new events are folded in rather than all re-read (internal)';
REVOKE ALL ON @extschema@.engagement_state FROM PUBLIC;

-- The statement trigger on events, in C, hands the new events over.
CREATE OR REPLACE FUNCTION @extschema@._score_new_events()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_score_new_events';

CREATE FUNCTION @extschema@._forget_changed_events()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_forget_changed_events';

CREATE TRIGGER forget_updated_events AFTER UPDATE ON @extschema@.event
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._forget_changed_events();
CREATE TRIGGER forget_deleted_events AFTER DELETE ON @extschema@.event
    REFERENCING OLD TABLE AS old_events
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._forget_changed_events();
CREATE TRIGGER forget_truncated_events AFTER TRUNCATE ON @extschema@.event
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._forget_changed_events();

-- Locking, storing and writing scores in C, its queries kept per table.
CREATE OR REPLACE FUNCTION @extschema@._score_leads(leads regclass, lead_ids text[], as_of timestamptz,
                                                    skip_locked boolean)
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_score_leads';

-- track() in C: the same checks, errors and INSERT, as the caller.
CREATE OR REPLACE FUNCTION @extschema@.track(
    leads       regclass,
    lead_id     text,
    kind        text,
    occurred_at timestamptz DEFAULT now(),
    properties  jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_track';

-- Rescores only the leads whose kept engagement state says their score may
-- have changed by as_of: a window letting an event go, decay taking a
-- rule's points past a rounding boundary (C, src/score_leads.c).  For
-- pg_cron, every few minutes; rescore() catches up with the rest.
CREATE FUNCTION @extschema@.rescore_due(leads regclass, as_of timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_rescore_due';
COMMENT ON FUNCTION @extschema@.rescore_due(regclass, timestamptz) IS
    'Rescore only the leads whose score may have changed since they were scored (decay, windows); returns how many scores changed';
