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
-- On Citus, whose outbox is distributed (ids are no longer in the order
-- handoffs were written), the oldest by handed_at: read unlocked first,
-- then claimed a shard at a time, FOR UPDATE SKIP LOCKED in a statement
-- Citus routes to the shard (it locks no rows across shards), those
-- claimed meanwhile left out; their rows are then read by id, so that the
-- coordinator gets lead_table as the OID it is (docs/scale-out.md).
CREATE FUNCTION @extschema@.claim_handoffs(n integer DEFAULT 100,
                                           lease interval DEFAULT '5 minutes',
                                           worker text DEFAULT NULL)
RETURNS SETOF @extschema@.handoff
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $claim$
DECLARE
    at timestamptz := clock_timestamp();
    claimer text := coalesce(worker, current_user::text);
    shard record;
    claimed bigint[] := '{}';
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
    IF NOT @extschema@._distributed_by_citus('@extschema@.handoff') THEN
        RETURN QUERY
        WITH free AS (
            SELECT f.id FROM @extschema@.handoff AS f
            WHERE f.acked_at IS NULL AND (f.lease_until IS NULL OR f.lease_until < at)
            ORDER BY f.id
            LIMIT n
            FOR UPDATE SKIP LOCKED),
        claimed AS (
            UPDATE @extschema@.handoff AS h
            SET claimed_at = at, claimed_by = claimer,
                lease_until = at + lease, claims = h.claims + 1
            FROM free
            WHERE h.id = free.id
            RETURNING h.*)
        SELECT c.* FROM claimed AS c ORDER BY c.id;
        RETURN;
    END IF;
    FOR shard IN
        SELECT pg_catalog.array_agg(f.id) AS ids, pg_catalog.array_agg(DISTINCT f.shard_key) AS keys
        FROM (SELECT f.id, f.shard_key, f.handed_at FROM @extschema@.handoff AS f
              WHERE f.acked_at IS NULL AND (f.lease_until IS NULL OR f.lease_until < at)
              ORDER BY f.handed_at, f.id
              LIMIT n) AS f
        GROUP BY pg_catalog.get_shard_id_for_distribution_column('@extschema@.handoff', f.shard_key)
        ORDER BY pg_catalog.min(f.handed_at)
    LOOP
        WITH free AS (
            SELECT f.id, f.shard_key FROM @extschema@.handoff AS f
            WHERE f.shard_key = ANY (shard.keys) AND f.id = ANY (shard.ids)
              AND f.acked_at IS NULL AND (f.lease_until IS NULL OR f.lease_until < at)
            FOR UPDATE SKIP LOCKED),
        done AS (
            UPDATE @extschema@.handoff AS h
            SET claimed_at = at, claimed_by = claimer,
                lease_until = at + lease, claims = h.claims + 1
            FROM free
            WHERE h.shard_key = ANY (shard.keys) AND h.id = free.id AND h.shard_key = free.shard_key
            RETURNING h.id)
        SELECT claimed || coalesce(pg_catalog.array_agg(d.id), '{}') INTO claimed FROM done AS d;
    END LOOP;
    RETURN QUERY
    SELECT h.* FROM @extschema@.handoff AS h WHERE h.id = ANY (claimed) ORDER BY h.handed_at, h.id;
END
$claim$;
COMMENT ON FUNCTION @extschema@.claim_handoffs(integer, interval, text) IS
    'Claim the oldest unacknowledged handoffs nobody holds, for a lease; returns them in id order';

-- Acknowledges the handoffs of the given ids not acknowledged yet and
-- returns how many; then deletes up to 10000 of the acknowledged handoffs
-- older than leadqual.handoff_retention, so that an acknowledgement never
-- turns into a long purge.  As the caller, who needs UPDATE (and, for the
-- purge, DELETE) on leadqual.handoff.  On Citus, which runs no volatile
-- function in a distributed write nor LIMIT ... FOR UPDATE across shards,
-- with the time taken first, and every shard purging all of its own, in
-- parallel.
CREATE FUNCTION @extschema@.ack_handoffs(ids bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $ack$
DECLARE
    at timestamptz := pg_catalog.clock_timestamp();
    acked bigint;
    purge_before timestamptz;
BEGIN
    UPDATE @extschema@.handoff AS h SET acked_at = at
    WHERE h.id = ANY (ids) AND h.acked_at IS NULL;
    GET DIAGNOSTICS acked = ROW_COUNT;
    purge_before := pg_catalog.clock_timestamp() - @extschema@._handoff_retention();
    IF @extschema@._distributed_by_citus('@extschema@.handoff') THEN
        DELETE FROM @extschema@.handoff AS h WHERE h.acked_at < purge_before;
        RETURN acked;
    END IF;
    DELETE FROM @extschema@.handoff AS h
    WHERE h.id IN (SELECT o.id FROM @extschema@.handoff AS o
                   WHERE o.acked_at < purge_before
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
-- Owners scoped to tables (issue 18): an owner takes the leads of the
-- tables in lead_tables only, NULL meaning every table's, and each table's
-- pool takes turns on its own.
ALTER TABLE @extschema@.owner ADD COLUMN lead_tables regclass[]
    CONSTRAINT owner_lead_tables_not_empty
    CHECK (pg_catalog.cardinality(lead_tables) > 0
           AND pg_catalog.array_position(lead_tables, NULL) IS NULL);
COMMENT ON TABLE @extschema@.owner IS
    'Sales reps leads are assigned to, round-robin by weight, at promotion; a calendar limits them to their working hours, lead_tables to some tables'' leads';
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

------------------------------------------------------------------------------
-- A lead's identity: deletions are logged and retire the lead's history;
-- duplicates are merged
------------------------------------------------------------------------------

-- Deleting a lead logs a transition to no stage, via 'deletion', stops its
-- open SLA clocks ('lead_deleted'; a clock deleted before it was due is
-- 'cancelled' in the reports), and moves its history to the retired id
-- "deleted:<log id>:<id>", so that a new lead given the id starts afresh
-- (src/lead_identity.c).  merge() moves a duplicate's history to the lead
-- kept (src/lead_merge.c).  The new labels are compared as text below: a
-- label added in this transaction can't be used in it.
ALTER TYPE @extschema@.transition_via ADD VALUE 'deletion';
ALTER TYPE @extschema@.transition_via ADD VALUE 'merge';
ALTER TYPE @extschema@.transition_via ADD VALUE 'import';
COMMENT ON TYPE @extschema@.transition_via IS
    'How a stage change happened: by score, by a user''s INSERT or UPDATE, by leadqual.reject(), by a repair with the stage rules off, by the lead''s deletion, by leadqual.merge(), or before leadqual, brought in by leadqual.import_history()';
ALTER TYPE @extschema@.assignment_via ADD VALUE 'import';
ALTER TYPE @extschema@.sla_stopped_by ADD VALUE 'lead_deleted';
ALTER TYPE @extschema@.sla_stopped_by ADD VALUE 'lead_merged';
ALTER TYPE @extschema@.sla_state ADD VALUE 'cancelled';
ALTER TABLE @extschema@.transition ALTER COLUMN to_stage DROP NOT NULL;
-- The merge (leadqual.lead_merge.id) that moved this row here from a
-- duplicate; NULL for the lead's own history.  stage_history reads each
-- merged history apart, so that its stays are its own.
ALTER TABLE @extschema@.transition ADD COLUMN merge_id bigint;
ALTER TABLE @extschema@.transition ADD
    CONSTRAINT transition_to_stage_deletion
        CHECK (CASE via::pg_catalog.text WHEN 'deletion' THEN to_stage IS NULL
                                         WHEN 'merge' THEN true
                                         ELSE to_stage IS NOT NULL END);

-- One row per leadqual.merge(): the duplicate (dropped_id) whose history,
-- events, touches, clocks, assignments and scores moved to the survivor
-- (kept_id), whose row was then deleted.
CREATE TABLE @extschema@.lead_merge (
    id            bigserial PRIMARY KEY,
    lead_table    regclass NOT NULL,
    kept_id       text NOT NULL,
    dropped_id    text NOT NULL,
    kept_stage    @extschema@.lifecycle_stage NOT NULL,
    dropped_stage @extschema@.lifecycle_stage NOT NULL,
    -- the survivor's stage after the merge: the further of the two
    stage         @extschema@.lifecycle_stage NOT NULL,
    merged_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    merged_by     name NOT NULL
);
CREATE INDEX lead_merge_kept_idx ON @extschema@.lead_merge (lead_table, kept_id);
CREATE INDEX lead_merge_dropped_idx ON @extschema@.lead_merge (lead_table, dropped_id);
COMMENT ON TABLE @extschema@.lead_merge IS
    'One row per leadqual.merge(): a duplicate lead merged into the lead kept';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.lead_merge', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.lead_merge_id_seq', '');
REVOKE ALL ON @extschema@.lead_merge FROM PUBLIC;
GRANT SELECT ON @extschema@.lead_merge TO PUBLIC;
ALTER TABLE @extschema@.lead_merge ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_visible ON @extschema@.lead_merge
    USING (@extschema@._lead_visible(lead_table, kept_id)) WITH CHECK (true);

-- Merges a duplicate into the lead kept (C, src/lead_merge.c): its history
-- and everything leadqual keeps of it move to the survivor, which takes the
-- further of the two stages and is rescored; the duplicate's row is
-- deleted.  Runs as the caller, who needs UPDATE and DELETE on the table.
CREATE FUNCTION @extschema@.merge(leads regclass, keep text, drop text)
RETURNS @extschema@.lead_merge
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_merge';
COMMENT ON FUNCTION @extschema@.merge(regclass, text, text) IS
    'Merge duplicate lead "drop" into lead "keep": history, events, touches, clocks, assignments and scores move to it; logged in leadqual.lead_merge';

-- The histories retired under a lead id, found by the id: what erase()
-- pseudonymises.  Rows to no stage are deletions (and the ends of merged
-- duplicates' histories), a few of the log.
CREATE INDEX transition_retired_idx ON @extschema@.transition
    (lead_table, pg_catalog.substring(lead_id, '^deleted:[0-9]+:(.*)$'))
    WHERE to_stage IS NULL;

-- Erases a person (C, src/lead_erase.c): deletes the lead's row, as the
-- caller, then removes what leadqual keeps of the person (touches, score
-- history, handoffs) and pseudonymises the rest under 'erased:<n>', so that
-- the funnel and SLA figures of closed periods stay as they were.  Returns
-- a receipt: per table, the rows removed and pseudonymised.  Not for
-- PUBLIC (10_privileges.sql).
CREATE FUNCTION @extschema@.erase(leads regclass, lead_id text)
RETURNS TABLE (relation regclass, removed bigint, pseudonymised bigint)
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_erase';
COMMENT ON FUNCTION @extschema@.erase(regclass, text) IS
    'Erase a person (GDPR, CCPA): delete the lead, remove its touches, score history and handoffs, pseudonymise its log, clocks and assignments; returns the counts per table';
REVOKE EXECUTE ON FUNCTION @extschema@.erase(regclass, text) FROM PUBLIC;

-- Imports leads' history from before leadqual (C, src/lead_import.c):
-- their past transitions, owner assignments and touches, read from staging
-- relations as the caller, checked against the stage rules and the leads'
-- current stage and owner, and written as leadqual would have logged them
-- (via 'import'), with the SLA clocks they would have run.  Importing the
-- same rows again adds nothing.  Returns, per table, the rows written and
-- skipped.  Not for PUBLIC (10_privileges.sql).
CREATE FUNCTION @extschema@.import_history(
    leads       regclass,
    transitions regclass DEFAULT NULL,
    assignments regclass DEFAULT NULL,
    touches     regclass DEFAULT NULL)
RETURNS TABLE (relation regclass, imported bigint, skipped bigint)
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_import_history';
COMMENT ON FUNCTION @extschema@.import_history(regclass, regclass, regclass, regclass) IS
    'Import the history leads had before leadqual (transitions, owner assignments, touches) from staging relations, with the SLA clocks it would have run; returns the rows written and skipped per table';
REVOKE EXECUTE ON FUNCTION @extschema@.import_history(regclass, regclass, regclass, regclass) FROM PUBLIC;

CREATE FUNCTION @extschema@.log_deletion()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'leadqual_log_deletion';
COMMENT ON FUNCTION @extschema@.log_deletion() IS
    'AFTER DELETE row and AFTER TRUNCATE trigger attached by leadqual.manage(): logs each lead''s deletion, stops its SLA clocks and retires its history under an id of its own';

CREATE OR REPLACE FUNCTION @extschema@._drop_triggers(leads regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $drop$
DECLARE
    trigger_name name;
BEGIN
    FOR trigger_name IN
        SELECT t.tgname FROM pg_trigger AS t
        WHERE t.tgrelid = leads AND t.tgparentid = 0
          AND t.tgfoid IN ('@extschema@.qualify()'::regprocedure,
                           '@extschema@.log_transition()'::regprocedure,
                           '@extschema@.log_deletion()'::regprocedure)
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', trigger_name, leads);
    END LOOP;
END
$drop$;

-- Whether Citus distributes the table (by hash, with leadqual's tables
-- beside it: docs/scale-out.md).  Without Citus its catalog does not
-- exist, hence EXECUTE.
CREATE FUNCTION @extschema@._distributed_by_citus(leads regclass)
RETURNS boolean
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $distributed$
DECLARE
    distributed boolean := false;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition AS p
                                WHERE p.logicalrelid = $1 AND p.partmethod = ''h'')'
        INTO distributed USING leads;
    END IF;
    RETURN distributed;
END
$distributed$;

CREATE OR REPLACE FUNCTION @extschema@.manage(
    leads        regclass,
    id_column    name DEFAULT 'id',
    score_column name DEFAULT 'score',
    stage_column name DEFAULT 'lifecycle_stage',
    threshold    numeric DEFAULT NULL,
    promote_to   @extschema@.lifecycle_stage DEFAULT NULL,
    model        text DEFAULT NULL,
    owner_column name DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $manage$
DECLARE
    score_types CONSTANT regtype[] := ARRAY['smallint', 'integer', 'bigint', 'numeric',
                                            'real', 'double precision']::regtype[];
    role_names  CONSTANT text[] := ARRAY['id', 'score', 'stage'];
    columns     name[] := ARRAY[id_column, score_column, stage_column];
    base_types  regtype[] := '{}';
    column_type oid;
    generated   "char";
    managed_parent regclass;
    existing    record;
    settings    text;
    owner_generated "char";
    citus_kind  text;
    colocated   boolean;
BEGIN
    IF leads IS NULL OR id_column IS NULL OR score_column IS NULL OR stage_column IS NULL THEN
        RAISE EXCEPTION 'leadqual.manage: leads and the column names must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Leave an argument out to use its default.';
    END IF;
    IF model IS NOT NULL AND (threshold IS NOT NULL OR promote_to IS NOT NULL) THEN
        RAISE EXCEPTION 'leadqual.manage: a table managed with model "%" takes its threshold and promote_to from the model', model
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('Leave threshold and promote_to out, and change them with UPDATE leadqual.model ... WHERE name = %L.', model);
    END IF;
    IF model IS NOT NULL AND NOT EXISTS (SELECT FROM @extschema@.model AS m WHERE m.name = manage.model) THEN
        RAISE EXCEPTION 'leadqual.manage: model "%" does not exist', model
            USING ERRCODE = 'undefined_object',
                  HINT = 'leadqual.model lists the models; leadqual.copy_model() starts a new one from another.';
    END IF;
    IF model IS NULL THEN
        threshold := COALESCE(threshold, 50);
        promote_to := COALESCE(promote_to, 'mql');
    END IF;

    IF NOT EXISTS (SELECT FROM pg_class AS c WHERE c.oid = leads) THEN
        RAISE EXCEPTION 'leadqual.manage: relation with OID % does not exist', leads::oid
            USING ERRCODE = 'undefined_table',
                  HINT = 'Name the table, for example leadqual.manage(''crm.leads'').';
    END IF;
    IF (SELECT c.relkind FROM pg_class AS c WHERE c.oid = leads) NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'leadqual.manage: % is not a table', leads
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'leadqual manages ordinary and partitioned tables, not views, foreign tables or other relations.';
    END IF;
    -- A table Citus distributes fires its triggers on its shards, on the
    -- workers, which write leadqual's co-located shards there: leadqual's
    -- tables must be distributed beside it (leadqual.distribute(), src/sql/
    -- 11_scale_out.sql).  A reference or Citus local table is refused: its
    -- triggers fire on every node's copy.  Looked up with EXECUTE: without
    -- Citus the catalog does not exist.
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
        EXECUTE 'SELECT CASE WHEN p.partmethod = ''n'' AND p.repmodel = ''t'' THEN ''reference''
                             WHEN p.partmethod = ''n'' THEN ''Citus local'' ELSE ''distributed'' END,
                        p.colocationid = (SELECT l.colocationid FROM pg_catalog.pg_dist_partition AS l
                                          WHERE l.logicalrelid = ''@extschema@.transition''::pg_catalog.regclass)
                 FROM pg_catalog.pg_dist_partition AS p WHERE p.logicalrelid = $1'
        INTO citus_kind, colocated USING leads;
        IF citus_kind IN ('reference', 'Citus local') THEN
            RAISE EXCEPTION 'leadqual.manage: table % is a % table of Citus, which leadqual does not support', leads, citus_kind
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'Distribute the leads table by its tenant, account or id column with create_distributed_table(), or manage a table Citus does not distribute.';
        ELSIF citus_kind = 'distributed' AND colocated IS NULL THEN
            RAISE EXCEPTION 'leadqual.manage: table % is distributed by Citus, and leadqual''s tables are not', leads
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = format('As the extension''s owner, distribute them beside it first: SELECT leadqual.distribute(%L).', leads::text);
        ELSIF citus_kind = 'distributed' AND NOT colocated THEN
            RAISE EXCEPTION 'leadqual.manage: table % is not co-located with leadqual''s tables', leads
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = format('Co-locate it with them: SELECT update_distributed_table_colocation(%L, colocate_with => ''leadqual.transition'').', leads::text);
        ELSIF citus_kind = 'distributed'
              AND pg_catalog.current_setting('citus.enable_unsafe_triggers', true) IS DISTINCT FROM 'on' THEN
            RAISE EXCEPTION 'leadqual.manage: Citus runs no trigger on a distributed table such as %', leads
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Let it run leadqual''s, which write only beside the shard they fire on: ALTER SYSTEM SET citus.enable_unsafe_triggers = on, on the coordinator and every worker, then SELECT pg_reload_conf().';
        ELSIF citus_kind IS NULL AND @extschema@._distributed_by_citus('@extschema@.transition') THEN
            RAISE EXCEPTION 'leadqual.manage: leadqual''s tables are distributed by Citus, and table % is not', leads
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = format('Distribute it co-located with them: SELECT create_distributed_table(%L, ''<column>'', colocate_with => ''leadqual.transition'').', leads::text);
        END IF;
    END IF;

    managed_parent := (SELECT m.leads FROM @extschema@.managed AS m
                       WHERE m.leads IN (SELECT a.relid FROM pg_partition_ancestors(manage.leads) AS a)
                         AND m.leads <> manage.leads);
    IF managed_parent IS NOT NULL THEN
        RAISE EXCEPTION 'leadqual.manage: table % is a partition of %, which leadqual already manages',
                leads, managed_parent
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Change the settings with leadqual.manage(%L, ...).', managed_parent);
    END IF;

    FOR i IN 1..3 LOOP
        SELECT a.atttypid, a.attgenerated INTO column_type, generated
        FROM pg_attribute AS a
        WHERE a.attrelid = leads AND a.attname = columns[i]
          AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'leadqual.manage: table % has no column "%" for the lead %',
                    leads, columns[i], role_names[i]
                USING ERRCODE = 'undefined_column',
                      HINT = format('Pass %s_column => the name of the column that holds the lead %s.',
                                    role_names[i], role_names[i]);
        END IF;
        -- BEFORE triggers run before generated columns are computed
        IF generated <> '' THEN
            RAISE EXCEPTION 'leadqual.manage: % column "%" of table % is a generated column',
                    role_names[i], columns[i], leads
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'leadqual''s trigger runs before generated columns are computed; '
                             'compute the value in a BEFORE trigger that sorts before "leadqual_qualify" instead.';
        END IF;
        -- domains count as their base type
        WHILE (SELECT t.typtype = 'd' FROM pg_type AS t WHERE t.oid = column_type) LOOP
            SELECT t.typbasetype INTO column_type FROM pg_type AS t WHERE t.oid = column_type;
        END LOOP;
        base_types := base_types || column_type::regtype;
    END LOOP;

    IF owner_column IS NOT NULL THEN
        SELECT a.attgenerated INTO owner_generated
        FROM pg_attribute AS a
        WHERE a.attrelid = leads AND a.attname = owner_column
          AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'leadqual.manage: table % has no column "%" for the lead owner', leads, owner_column
                USING ERRCODE = 'undefined_column',
                      HINT = 'Pass owner_column => the name of the column that holds the lead''s owner, or leave it out.';
        END IF;
        IF owner_generated <> '' THEN
            RAISE EXCEPTION 'leadqual.manage: owner column "%" of table % is a generated column', owner_column, leads
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'leadqual writes the owner it assigns into the column; use an ordinary column.';
        END IF;
        IF owner_column IN (id_column, score_column, stage_column) THEN
            RAISE EXCEPTION 'leadqual.manage: table % cannot use column "%" as the owner column too', leads, owner_column
                USING ERRCODE = 'duplicate_column',
                      HINT = 'The owner needs a column of its own.';
        END IF;
    END IF;

    IF id_column IN (score_column, stage_column) OR score_column = stage_column THEN
        RAISE EXCEPTION 'leadqual.manage: table % cannot use one column for two roles (id "%", score "%", stage "%")',
                leads, id_column, score_column, stage_column
            USING ERRCODE = 'duplicate_column',
                  HINT = 'The lead id, score and stage must be three different columns.';
    END IF;

    IF base_types[2] <> ALL (score_types) THEN
        RAISE EXCEPTION 'leadqual.manage: score column "%" of table % is of type %, expected smallint, integer, bigint, numeric, real or double precision',
                score_column, leads, base_types[2]
            USING ERRCODE = 'datatype_mismatch',
                  HINT = format('Convert it, for example: ALTER TABLE %s ALTER COLUMN %I TYPE integer USING %I::integer',
                                leads, score_column, score_column);
    END IF;

    IF base_types[3] <> '@extschema@.lifecycle_stage'::regtype THEN
        RAISE EXCEPTION 'leadqual.manage: stage column "%" of table % is of type %, expected leadqual.lifecycle_stage',
                stage_column, leads, base_types[3]
            USING ERRCODE = 'datatype_mismatch',
                  HINT = format('Convert it, for example: ALTER TABLE %s ALTER COLUMN %I TYPE leadqual.lifecycle_stage USING %I::leadqual.lifecycle_stage',
                                leads, stage_column, stage_column);
    END IF;

    IF threshold = 'NaN'::numeric OR threshold::text IN ('Infinity', '-Infinity') THEN
        RAISE EXCEPTION 'leadqual.manage: threshold must be a finite number, not %', threshold
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the score at which a lead is promoted, for example threshold => 50.';
    END IF;

    IF NOT @extschema@.is_funnel_stage(promote_to) OR @extschema@.funnel_rank(promote_to) <= @extschema@.funnel_rank('lead') THEN
        RAISE EXCEPTION 'leadqual.manage: cannot promote leads to %', promote_to
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'promote_to must be a funnel stage after lead, such as mql or pql.';
    END IF;

    IF model IS NOT NULL THEN
        SELECT r.name, r.column_name INTO existing
        FROM @extschema@.fit_rule AS r
        WHERE r.model = manage.model
          AND NOT EXISTS (SELECT FROM pg_attribute AS a
                          WHERE a.attrelid = leads AND a.attname = r.column_name
                            AND a.attnum > 0 AND NOT a.attisdropped)
        ORDER BY r.name LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'leadqual.manage: fit rule "%" of model "%" reads column "%", which table % lacks',
                    existing.name, model, existing.column_name, leads
                USING ERRCODE = 'undefined_column',
                      HINT = format('Add the column to %s, or copy the model with leadqual.copy_model(%L, ...) and change or drop the rule.',
                                    leads, model);
        END IF;
        IF base_types[2] IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype)
           AND (SELECT m.scale FROM @extschema@.model AS m WHERE m.name = manage.model) > 0 THEN
            RAISE EXCEPTION 'leadqual.manage: model "%" keeps decimal places, but score column "%" of table % is %',
                    model, score_column, leads, base_types[2]
                USING ERRCODE = 'datatype_mismatch',
                      HINT = 'Use a numeric score column, or a model with scale 0.';
        END IF;
    END IF;

    -- A trigger of someone else's under one of our names is not replaced.
    FOR existing IN
        SELECT t.tgname, t.tgfoid::regprocedure AS function
        FROM pg_trigger AS t
        WHERE t.tgrelid = leads
          AND t.tgname IN ('leadqual_qualify', 'leadqual_log_insert', 'leadqual_log_update',
                           'leadqual_log_delete', 'leadqual_log_truncate')
          AND t.tgfoid NOT IN ('@extschema@.qualify()'::regprocedure,
                               '@extschema@.log_transition()'::regprocedure,
                               '@extschema@.log_deletion()'::regprocedure)
    LOOP
        RAISE EXCEPTION 'leadqual.manage: table % already has a trigger "%" that runs %',
                leads, existing.tgname, existing.function
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Rename or drop that trigger; leadqual needs the name.';
    END LOOP;

    -- The settings live in the triggers' arguments: see src/config.c.
    settings := format('%L, %L, %L, ',
                       'id_column=' || id_column,
                       'score_column=' || score_column,
                       'stage_column=' || stage_column)
                || CASE WHEN model IS NULL
                        THEN format('%L, %L', 'threshold=' || threshold, 'promote_to=' || promote_to)
                        ELSE format('%L', 'model=' || model) END
                || CASE WHEN owner_column IS NOT NULL
                        THEN format(', %L', 'owner_column=' || owner_column) ELSE '' END
                -- the table's OID here, on the coordinator: the shards'
                -- triggers record the table under it, as Citus sends a
                -- regclass between nodes (src/citus_shards.c)
                || CASE WHEN citus_kind = 'distributed'
                        THEN format(', %L', 'table_oid=' || leads::oid) ELSE '' END;
    PERFORM @extschema@._drop_triggers(leads);
    -- qualify() decides each stage change; log_transition() logs the
    -- changes that were really written (not, say, rows ON CONFLICT skipped).
    EXECUTE format('CREATE TRIGGER leadqual_qualify BEFORE INSERT OR UPDATE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION @extschema@.qualify(%s)',
                   leads, settings);
    EXECUTE format('CREATE TRIGGER leadqual_log_insert AFTER INSERT ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION @extschema@.log_transition(%s)',
                   leads, settings);
    -- The casts let a domain over lifecycle_stage compare.  Under a model
    -- the trigger also records new scores, so it fires on every UPDATE; with
    -- an owner column, also when the owner changes.
    EXECUTE format('CREATE TRIGGER leadqual_log_update AFTER UPDATE ON %s '
                   'FOR EACH ROW %s '
                   'EXECUTE FUNCTION @extschema@.log_transition(%s)',
                   leads,
                   CASE WHEN model IS NULL
                        THEN format('WHEN (OLD.%I::@extschema@.lifecycle_stage '
                                    'IS DISTINCT FROM NEW.%I::@extschema@.lifecycle_stage%s)',
                                    stage_column, stage_column,
                                    CASE WHEN owner_column IS NOT NULL
                                         THEN format(' OR OLD.%I IS DISTINCT FROM NEW.%I', owner_column, owner_column)
                                         ELSE '' END) END,
                   settings);
    -- A deleted lead's history is retired under an id of its own
    -- (src/lead_identity.c); TRUNCATE deletes them all.
    EXECUTE format('CREATE TRIGGER leadqual_log_delete AFTER DELETE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION @extschema@.log_deletion()', leads);
    EXECUTE format('CREATE TRIGGER leadqual_log_truncate AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.log_deletion()', leads);
    -- A model computes every score from now on, starting with the rows
    -- already there; on Citus, shard-parallel beside them, as rescore()
    -- does (which leaves rows other transactions hold for their own writes).
    IF model IS NOT NULL AND citus_kind = 'distributed' THEN
        PERFORM @extschema@.rescore(leads, now());
    ELSIF model IS NOT NULL THEN
        PERFORM @extschema@._score_leads(leads, NULL, now(), false);
    END IF;
END
$manage$;

-- Every table managed already gets the two new triggers.
DO $deletion_triggers$
DECLARE
    leads regclass;
BEGIN
    FOR leads IN
        SELECT t.tgrelid::regclass FROM pg_catalog.pg_trigger AS t
        WHERE t.tgfoid = '@extschema@.qualify()'::pg_catalog.regprocedure AND t.tgparentid = 0
        ORDER BY 1
    LOOP
        EXECUTE format('CREATE TRIGGER leadqual_log_delete AFTER DELETE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION @extschema@.log_deletion()', leads);
        EXECUTE format('CREATE TRIGGER leadqual_log_truncate AFTER TRUNCATE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.log_deletion()', leads);
    END LOOP;
END
$deletion_triggers$;

CREATE OR REPLACE VIEW @extschema@.managed AS
SELECT t.tgrelid::pg_catalog.regclass AS leads,
       -- COLLATE "default": the collation these name columns have had since
       -- 0.1.0 (text cast to name); CREATE OR REPLACE VIEW, which updated
       -- the view, cannot change a column's collation, and name's own is "C"
       s.id_column COLLATE pg_catalog."default" AS id_column,
       s.score_column COLLATE pg_catalog."default" AS score_column,
       s.stage_column COLLATE pg_catalog."default" AS stage_column,
       COALESCE(s.threshold, m.threshold) AS threshold,
       COALESCE(s.promote_to::@extschema@.lifecycle_stage, m.promote_to) AS promote_to,
       p.problem IS NULL
       AND (SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger AS e
            WHERE e.tgrelid OPERATOR(pg_catalog.=) t.tgrelid
              AND e.tgenabled OPERATOR(pg_catalog.<>) 'D'
              AND e.tgfoid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.qualify()'::pg_catalog.regprocedure,
                                                           '@extschema@.log_transition()'::pg_catalog.regprocedure,
                                                           '@extschema@.log_deletion()'::pg_catalog.regprocedure]))
           OPERATOR(pg_catalog.=) 5 AS enabled,
       s.model,
       s.owner_column COLLATE pg_catalog."default" AS owner_column,
       p.problem
FROM pg_catalog.pg_trigger AS t
JOIN pg_catalog.pg_class AS c
  ON c.oid OPERATOR(pg_catalog.=) t.tgrelid
 AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::"char"[])
CROSS JOIN LATERAL @extschema@._trigger_settings(t.tgrelid, t.tgargs) AS s
LEFT JOIN @extschema@.model AS m
       ON m.name OPERATOR(pg_catalog.=) s.model
CROSS JOIN LATERAL (
    SELECT COALESCE(s.problem,
                    CASE WHEN s.model IS NOT NULL AND m.name IS NULL
                         THEN pg_catalog.format('Model "%s" does not exist.', s.model) END)
) AS p(problem)
WHERE t.tgfoid OPERATOR(pg_catalog.=) '@extschema@.qualify()'::pg_catalog.regprocedure
  AND t.tgparentid OPERATOR(pg_catalog.=) 0;

CREATE OR REPLACE VIEW @extschema@.stage_history WITH (security_invoker = true) AS
SELECT h.lead_table, h.lead_id, h.stage, h.entered_at, h.left_at, h.next_stage, h.visit,
       h.is_current, h.time_in_stage, h.transition_id
FROM (
    SELECT t.lead_table,
           t.lead_id,
           t.to_stage AS stage,
           t.changed_at AS entered_at,
           pg_catalog.lead(t.changed_at) OVER lead_log AS left_at,
           pg_catalog.lead(t.to_stage) OVER lead_log AS next_stage,
           pg_catalog.row_number() OVER (PARTITION BY t.lead_table, t.lead_id, t.to_stage
                                         ORDER BY t.id) AS visit,
           pg_catalog.lead(t.changed_at) OVER lead_log IS NULL AS is_current,
           -- statement_timestamp(), not now(): a stay that began earlier in
           -- this transaction must not come out negative
           COALESCE(pg_catalog.lead(t.changed_at) OVER lead_log, pg_catalog.statement_timestamp())
               OPERATOR(pg_catalog.-) t.changed_at AS time_in_stage,
           t.id AS transition_id
    FROM @extschema@.transition AS t
    -- id, not changed_at, is the order of one lead's changes: each is logged
    -- while its row is locked, so ids follow the order the changes committed
    -- in; a duplicate's history merged into the lead is a chain of its own
    WINDOW lead_log AS (PARTITION BY t.lead_table, t.lead_id, t.merge_id ORDER BY t.id)
) AS h
WHERE h.stage IS NOT NULL;

-- The clocks' rollup (issue 18): refresh_rollups() marks the stopped
-- clocks it folds into sla_clock_day.
ALTER TABLE @extschema@.sla_clock
    ADD COLUMN folded boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT sla_clock_folded_stopped CHECK (NOT folded OR stopped_at IS NOT NULL);
-- The stopped clocks the rollup does not hold yet, which the reports read
-- one by one: those stopped since the last refresh_rollups() (few, but
-- every clock written stopped, as an import writes them, passes through).
-- Apart from sla_clock_open_idx, so that the clocks a bulk load writes
-- stopped, folded at once, leave that covering index small.
CREATE INDEX sla_clock_unfolded_idx ON @extschema@.sla_clock (started_at)
    WHERE NOT folded AND stopped_at IS NOT NULL;

-- The open clocks, an owner's by due time, with every column sla_breaches
-- and sla_compliance read of them, so that both read them from the index
-- alone (an index-only scan), not from a page of the table a clock: an
-- owner's open breaches, and the open clocks compliance reads one by one.
-- At 1M leads, one owner's 400 open breaches took 0.26 ms to execute
-- instead of 0.85 ms.
DROP INDEX @extschema@.sla_clock_open_idx;
CREATE INDEX sla_clock_open_idx ON @extschema@.sla_clock (owner, due_at)
    INCLUDE (id, policy, lead_table, lead_id, stage, started_at, target, calendar,
             stopped_at, stopped_by, business_time, folded)
    WHERE stopped_at IS NULL;

-- Every clock, as sla_status shows it, and whether the rollup holds it.
CREATE VIEW @extschema@._clock_state WITH (security_invoker = true) AS
SELECT c.id AS clock_id,
       c.policy,
       c.lead_table,
       c.lead_id,
       c.stage,
       c.owner,
       c.entered_at,
       c.started_at,
       c.due_at,
       c.stopped_at,
       c.stopped_by,
       c.target,
       COALESCE(c.business_time,
                @extschema@.business_time_between(c.calendar, c.started_at,
                                                  greatest(c.started_at, pg_catalog.statement_timestamp())))
           AS business_time,
       -- stopped_by as text: the 0.4.0--0.5.0 update adds its labels in the
       -- transaction that replaces this view, where they can't be used yet
       CASE WHEN c.stopped_at IS NOT NULL
            THEN CASE WHEN c.due_at IS NOT NULL AND c.stopped_at OPERATOR(pg_catalog.>) c.due_at THEN 'breached'
                      WHEN c.stopped_by::pg_catalog.text OPERATOR(pg_catalog.=) ANY ('{lead_deleted,lead_merged}'::pg_catalog.text[])
                      THEN 'cancelled'
                      ELSE 'met' END
            WHEN c.due_at OPERATOR(pg_catalog.<) pg_catalog.statement_timestamp() THEN 'open_breached'
            ELSE 'open' END::@extschema@.sla_state AS state,
       c.folded
FROM @extschema@.sla_clock AS c;
COMMENT ON VIEW @extschema@._clock_state IS
    'Every SLA clock as leadqual.sla_status shows it, and whether leadqual.sla_clock_day holds it';

CREATE OR REPLACE VIEW @extschema@.sla_status WITH (security_invoker = true) AS
SELECT s.clock_id, s.policy, s.lead_table, s.lead_id, s.stage, s.owner, s.entered_at, s.started_at, s.due_at,
       s.stopped_at, s.stopped_by, s.target, s.business_time, s.state
FROM @extschema@._clock_state AS s;

-- sla_compliance (with its cancelled clocks) and funnel (without
-- deletions) are replaced below, with the reports' periods.

-- The reports' periods (issue 18): weeks and months cut in the report time
-- zone from the report week's first day (leadqual.report_time_zone,
-- leadqual.week_start), by report_period(); the funnel counts a lead in the
-- stage its log shows it leaving first, and a lead seen only in detours at
-- lead.
-- The period (day, week, month, quarter, year) a time falls in, as the
-- reports group by it: its first day, a local date of the report time zone
-- (leadqual.report_time_zone, else the session's TimeZone), weeks from
-- leadqual.week_start (Monday unless set); a call may name both (C,
-- src/report_period.c over src/core/period.c).  No SET search_path, as on
-- the business-time functions: the reports call it for every row, and it
-- resolves no names.
CREATE FUNCTION @extschema@.report_period(at timestamptz, period text DEFAULT 'week',
                                          time_zone text DEFAULT NULL, week_start text DEFAULT NULL)
RETURNS date
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_report_period';
COMMENT ON FUNCTION @extschema@.report_period(timestamptz, text, text, text) IS
    'First day of the day, week, month, quarter or year holding the time, in the report time zone and from the report week''s first day';

-- sla_breaches.overdue_by (issue 18).
-- Two arms, so that each filter reaches its partial index: an owner's open
-- breaches come from sla_clock_open_idx.  late_by is business time past
-- the target, and is zero for a clock touched after its due time outside
-- working hours; overdue_by is the wall-clock time since the due time,
-- never zero for a breach.  Last, so that the view updates in place.
CREATE OR REPLACE VIEW @extschema@.sla_breaches WITH (security_invoker = true) AS
SELECT c.id AS clock_id, c.policy, c.lead_table, c.lead_id, c.stage, c.owner,
       c.started_at, c.due_at, c.stopped_at,
       'open_breached'::@extschema@.sla_state AS state,
       @extschema@.business_time_between(c.calendar, c.started_at, pg_catalog.statement_timestamp())
           OPERATOR(pg_catalog.-) c.target AS late_by,
       pg_catalog.statement_timestamp() OPERATOR(pg_catalog.-) c.due_at AS overdue_by
FROM @extschema@.sla_clock AS c
WHERE c.stopped_at IS NULL AND c.due_at OPERATOR(pg_catalog.<) pg_catalog.statement_timestamp()
UNION ALL
SELECT c.id, c.policy, c.lead_table, c.lead_id, c.stage, c.owner,
       c.started_at, c.due_at, c.stopped_at,
       'breached'::@extschema@.sla_state,
       c.business_time OPERATOR(pg_catalog.-) c.target,
       c.stopped_at OPERATOR(pg_catalog.-) c.due_at
FROM @extschema@.sla_clock AS c
WHERE c.stopped_at OPERATOR(pg_catalog.>) c.due_at;
COMMENT ON VIEW @extschema@.sla_breaches IS
    'SLA clocks stopped late or open past their due time, with how much business time past the target (late_by) and wall-clock time past the due time (overdue_by)';

-- The clocks' daily rollup: per table, policy, owner and local day of the
-- clocks' start, what sla_compliance counts of the stopped clocks folded
-- in by refresh_rollups().  A stopped clock's figures never change (the
-- ways leadqual changes one, merge() and erase(), leave them be; a renamed
-- policy renames its rows, below), so the report reads a day of them as a
-- row, and only the open clocks and those stopped since the last refresh
-- one by one.  Days are those of the time zone the rollup_state row names;
-- a report in another zone reads every clock.  Business times are kept as
-- microseconds, in no order.
CREATE TABLE @extschema@.sla_clock_day (
    lead_table               regclass NOT NULL,
    policy                   text NOT NULL,
    owner                    text,
    day                      date NOT NULL,
    -- the report week of that day, from the rollup_state row's week start
    week                     date NOT NULL,
    clocks                   integer NOT NULL,
    met                      integer NOT NULL,
    breached                 integer NOT NULL,
    cancelled                integer NOT NULL,
    touched                  integer NOT NULL,
    touched_within_5_minutes integer NOT NULL,
    touch_time               interval,
    touch_times              bigint[] NOT NULL,
    wait_times               bigint[] NOT NULL,
    CONSTRAINT sla_clock_day_key UNIQUE NULLS NOT DISTINCT (lead_table, policy, owner, day)
);
-- A report's weeks, a range of them
CREATE INDEX sla_clock_day_week_idx ON @extschema@.sla_clock_day (week);
COMMENT ON TABLE @extschema@.sla_clock_day IS
    'The stopped SLA clocks folded by leadqual.refresh_rollups(), per table, policy, owner and day of their start, as leadqual.sla_compliance counts them';

-- The time zone of the rollup's days and the first day of its weeks, one
-- row once a refresh ran.
CREATE TABLE @extschema@.rollup_state (
    only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    time_zone    text NOT NULL,
    week_start   text NOT NULL,
    refreshed_at timestamptz NOT NULL,
    -- the funnel's rollup holds the log's rows up to this id
    funnel_folded_through bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE @extschema@.rollup_state IS
    'The time zone and week start whose days and weeks the rollups hold, how far the funnel''s rollup folded the log, and when leadqual.refresh_rollups() last ran';

-- pg_dump keeps the rollup with the clocks' folded marks.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sla_clock_day', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup_state', '');

-- The report time zone in force: leadqual.report_time_zone, else the
-- session's.  A name, compared as written.
CREATE FUNCTION @extschema@._report_time_zone()
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN COALESCE(NULLIF(pg_catalog.current_setting('leadqual.report_time_zone', true), ''),
                pg_catalog.current_setting('TimeZone'));

-- The report week's first day in force: leadqual.week_start, whose
-- default (monday) this repeats for a session that has not loaded the
-- library, where the setting has no default yet.
CREATE FUNCTION @extschema@._report_week_start()
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN COALESCE(NULLIF(pg_catalog.current_setting('leadqual.week_start', true), ''), 'monday');

-- Whether this query may read the rollup for the clocks it folded: it is
-- on (leadqual.report_rollups), holds the days and weeks of the report
-- time zone and week start, and the role sees every clock (row security does not apply to it, as to
-- the extension's owner, superusers and BYPASSRLS roles): the rollup's
-- counts are of all leads.  Otherwise the reports count the clocks the
-- role may see, one by one.  No arguments: evaluated once per query.
CREATE FUNCTION @extschema@._rollup_serves()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $serves$
    SELECT COALESCE(pg_catalog.current_setting('leadqual.report_rollups', true), 'on')::boolean
           AND NOT pg_catalog.row_security_active('@extschema@.sla_clock'::regclass)
           AND EXISTS (SELECT FROM @extschema@.rollup_state AS r
                       WHERE r.time_zone OPERATOR(pg_catalog.=) @extschema@._report_time_zone()
                         AND r.week_start OPERATOR(pg_catalog.=) @extschema@._report_week_start())
$serves$;

-- percentile_cont over business times given as a rollup row's
-- microseconds or a clock's interval (C, src/clock_rollup.c): the
-- percentiles of the fractions, in their order.
CREATE FUNCTION @extschema@._business_time_percentiles_step(internal, bigint[], interval, double precision[])
RETURNS internal
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_business_time_percentiles_step';
CREATE FUNCTION @extschema@._business_time_percentiles_final(internal)
RETURNS interval[]
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_business_time_percentiles_final';
CREATE AGGREGATE @extschema@._business_time_percentiles(many bigint[], one interval, fractions double precision[]) (
    SFUNC = @extschema@._business_time_percentiles_step,
    STYPE = internal,
    FINALFUNC = @extschema@._business_time_percentiles_final,
    -- the final function reorders the times in place, and may again
    FINALFUNC_MODIFY = SHAREABLE,
    -- a week's times of one owner: a few hundred, 8 bytes each; the
    -- planner's guess for an internal state (8 kB) keeps it from hashing
    SSPACE = 4096
);

-- A clock as sla_compliance counts it, on its own or folded.  Cancelled is
-- told by the states it is not, as a cast to text per clock costs more,
-- and the 0.4.0--0.5.0 update creates this view in the transaction that
-- adds the label.
CREATE VIEW @extschema@._clock_figures WITH (security_invoker = true) AS
SELECT s.clock_id, s.lead_table, s.policy, s.owner, s.started_at, s.stopped_at, s.folded,
       (s.state OPERATOR(pg_catalog.=) 'met')::integer AS met,
       (s.state OPERATOR(pg_catalog.=) ANY ('{breached,open_breached}'))::integer AS breached,
       (s.state OPERATOR(pg_catalog.=) 'open')::integer AS open,
       (s.state OPERATOR(pg_catalog.<>) ALL ('{open,open_breached,met,breached}'))::integer AS cancelled,
       COALESCE(s.stopped_by OPERATOR(pg_catalog.=) 'touch', false)::integer AS touched,
       COALESCE(s.stopped_by OPERATOR(pg_catalog.=) 'touch'
                AND s.stopped_at OPERATOR(pg_catalog.-) s.started_at OPERATOR(pg_catalog.<=) interval '5 minutes',
                false)::integer AS touched_within_5_minutes,
       CASE WHEN s.stopped_by OPERATOR(pg_catalog.=) 'touch' THEN s.business_time END AS touch_time,
       CASE WHEN s.state OPERATOR(pg_catalog.=) ANY ('{open,open_breached,met,breached}') THEN s.business_time END
           AS wait_time
FROM @extschema@._clock_state AS s;
COMMENT ON VIEW @extschema@._clock_figures IS
    'Each SLA clock''s counts and times as leadqual.sla_compliance adds them up';

-- A business time in microseconds, days as 24 hours (months refused), as
-- the rollup keeps it and _business_time_percentiles() counts it (C,
-- src/clock_rollup.c, one conversion for both).
CREATE FUNCTION @extschema@._microseconds(business_time interval)
RETURNS bigint
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_microseconds';

-- A renamed policy renames its rows of the rollup, as _clock_references()
-- renames its clocks.
CREATE FUNCTION @extschema@._rename_rollup_policy()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $rename$
BEGIN
    UPDATE @extschema@.sla_clock_day SET policy = NEW.name WHERE policy = OLD.name;
    RETURN NULL;
END
$rename$;
CREATE TRIGGER rename_rollup_policy AFTER UPDATE OF name ON @extschema@.sla_policy
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION @extschema@._rename_rollup_policy();

-- Weeks of the clock's start, by report_period().  The stopped clocks
-- folded into sla_clock_day count a day a row when the rollup serves the
-- query (_rollup_serves(): one test per query); the open clocks, those
-- stopped since the last fold, and every clock when the rollup does not
-- serve, one by one (each part reads its own index).
CREATE OR REPLACE VIEW @extschema@.sla_compliance WITH (security_invoker = true) AS
WITH parts AS (
    SELECT d.lead_table, d.policy, d.owner, d.week, d.clocks, d.met, d.breached, 0 AS open,
           d.cancelled, d.touched, d.touched_within_5_minutes, d.touch_time AS touch_sum,
           d.touch_times, NULL::interval AS touch_time, d.wait_times, NULL::interval AS wait_time
    FROM @extschema@.sla_clock_day AS d
    WHERE @extschema@._rollup_serves()
    UNION ALL
    SELECT f.lead_table, f.policy, f.owner, @extschema@.report_period(f.started_at, 'week'), 1, f.met, f.breached, f.open,
           f.cancelled, f.touched, f.touched_within_5_minutes, f.touch_time,
           NULL, f.touch_time, NULL, f.wait_time
    FROM (
        SELECT * FROM @extschema@._clock_figures AS f WHERE f.stopped_at IS NULL
        UNION ALL
        SELECT * FROM @extschema@._clock_figures AS f WHERE NOT f.folded AND f.stopped_at IS NOT NULL
        UNION ALL
        -- LIMIT 0 when the rollup serves the query: a gate, like the WHERE
        -- of the first part, but one the planner prices by its value at
        -- planning (it estimates a LIMIT by evaluating its stable
        -- functions), so that a query the rollup serves is not costed (and
        -- compiled by JIT, at 40 ms) as if it read every folded clock.  No
        -- subquery: Citus runs no LIMIT with one over distributed tables.
        (SELECT * FROM @extschema@._clock_figures AS f WHERE f.folded
         LIMIT CASE WHEN @extschema@._rollup_serves() THEN 0 END)
    ) AS f
)
SELECT p.policy,
       p.owner,
       p.week,
       pg_catalog.sum(p.clocks) AS clocks,
       pg_catalog.sum(p.met) AS met,
       pg_catalog.sum(p.breached) AS breached,
       pg_catalog.sum(p.open) AS open,
       pg_catalog.round(100.0 OPERATOR(pg_catalog.*) pg_catalog.sum(p.met)
                        OPERATOR(pg_catalog./) NULLIF(pg_catalog.sum(p.met) OPERATOR(pg_catalog.+) pg_catalog.sum(p.breached), 0), 1)
           AS pct_met,
       pg_catalog.sum(p.touch_sum) OPERATOR(pg_catalog./) NULLIF(pg_catalog.sum(p.touched), 0)::double precision
           AS avg_response,
       (@extschema@._business_time_percentiles(p.touch_times, p.touch_time, '{0.5,0.9}'))[1] AS median_response,
       (@extschema@._business_time_percentiles(p.touch_times, p.touch_time, '{0.5,0.9}'))[2] AS p90_response,
       pg_catalog.round(100.0 OPERATOR(pg_catalog.*) pg_catalog.sum(p.touched_within_5_minutes)
                        OPERATOR(pg_catalog./) NULLIF(pg_catalog.sum(p.clocks) OPERATOR(pg_catalog.-) pg_catalog.sum(p.cancelled), 0), 1)
           AS pct_touched_within_5_minutes,
       pg_catalog.sum(p.cancelled) AS cancelled,
       -- every clock's wait, not only the touched ones': a clock nobody
       -- touched counts with the business time it ran (to its stage exit,
       -- or so far), a lower bound, so slow follow-up can't hide behind
       -- the leads nobody called.  Last, so that the view updates in place.
       (@extschema@._business_time_percentiles(p.wait_times, p.wait_time, '{0.5,0.9}'))[1] AS median_wait,
       (@extschema@._business_time_percentiles(p.wait_times, p.wait_time, '{0.5,0.9}'))[2] AS p90_wait,
       -- one row per table too, so that a sandbox table's clocks can be
       -- left out (policies watch every managed table)
       p.lead_table
FROM parts AS p
GROUP BY p.lead_table, p.policy, p.owner, p.week;
COMMENT ON VIEW @extschema@.sla_compliance IS
    'Per table, policy, owner and report week: clocks met, breached, open and cancelled (lead deleted), % met, business response times, % touched within 5 minutes, and the median and 90th percentile wait of every clock, untouched ones included';

-- A lead's shape in the funnel as it counts, from the raw aggregates of
-- its log rows (max and bit_or, NULL and 0 for a lead the log shows only
-- in detours: such a lead was a lead, and counts at lead).  Inlined.
CREATE FUNCTION @extschema@._funnel_furthest(raw integer)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN COALESCE(raw, @extschema@.funnel_rank('lead'));
CREATE FUNCTION @extschema@._funnel_entered(raw integer)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE raw WHEN 0 THEN 1 OPERATOR(pg_catalog.<<) @extschema@.funnel_rank('lead') ELSE raw END;

-- One lead's raw shape from its log, through transition_lead_idx: when
-- its first stage was logged (NULL: no row), the furthest funnel stage it
-- reached, and the funnel stages it was in, as bits by funnel rank.  For
-- the funnel's rollup, which reads the leads it has not folded a lead at a
-- time.  Inlined.
CREATE FUNCTION @extschema@._funnel_shape_of(leads regclass, lead text)
RETURNS TABLE (first_at timestamptz, furthest integer, entered integer)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.min(t.changed_at),
           pg_catalog.max(GREATEST(@extschema@.funnel_rank(t.to_stage), @extschema@.funnel_rank(t.from_stage))),
           pg_catalog.bit_or(COALESCE(1 OPERATOR(pg_catalog.<<) @extschema@.funnel_rank(t.to_stage), 0)
                             OPERATOR(pg_catalog.|)
                             COALESCE(1 OPERATOR(pg_catalog.<<) @extschema@.funnel_rank(t.from_stage), 0))
    FROM @extschema@.transition AS t
    WHERE t.lead_table OPERATOR(pg_catalog.=) leads AND t.lead_id OPERATOR(pg_catalog.=) lead
      AND t.to_stage IS NOT NULL;
END;

-- Each lead's shape in the funnel, from its log, for the funnel and
-- funnel_report(): when its first stage was logged, the furthest funnel
-- stage it reached, and the funnel stages it was in, as bits by funnel
-- rank.  A lead was in the stages it entered, and in the one its log shows
-- it leaving first (a lead from before manage(), or an imported history
-- that starts later); a lead the log shows only in detours (inserted
-- disqualified, say) was a lead, and counts at lead.  Ids are grouped
-- byte by byte (COLLATE "C"): under a deterministic collation two ids are
-- equal only when their bytes are, and comparing bytes costs far less than
-- the database's collation over the whole log (a third of the funnel's
-- time at 1M leads).
CREATE VIEW @extschema@._funnel_lead WITH (security_invoker = true) AS
SELECT p.lead_table, p.lead_id, p.first_at,
       @extschema@._funnel_furthest(p.furthest) AS furthest, @extschema@._funnel_entered(p.entered) AS entered
FROM (
    SELECT t.lead_table, t.lead_id COLLATE "C" AS lead_id,
           pg_catalog.min(t.changed_at) AS first_at,
           pg_catalog.max(GREATEST(@extschema@.funnel_rank(t.to_stage),
                                   @extschema@.funnel_rank(t.from_stage))) AS furthest,
           pg_catalog.bit_or(COALESCE(1 OPERATOR(pg_catalog.<<) @extschema@.funnel_rank(t.to_stage), 0)
                             OPERATOR(pg_catalog.|)
                             COALESCE(1 OPERATOR(pg_catalog.<<) @extschema@.funnel_rank(t.from_stage), 0)) AS entered
    FROM @extschema@.transition AS t
    WHERE t.to_stage IS NOT NULL
    GROUP BY t.lead_table, t.lead_id COLLATE "C"
) AS p;
COMMENT ON VIEW @extschema@._funnel_lead IS
    'Each logged lead''s first logged time, furthest funnel stage and the funnel stages it was in (bits by funnel rank), for the funnel reports';

-- Where a lead of a funnel shape counts: every funnel stage, for each mode,
-- with whether the shape counts there.  in_order counts it at every stage
-- up to the furthest it reached (skipped stages count as reached); any
-- only at the stages it was in.  Inlined into the funnel's queries.
CREATE FUNCTION @extschema@._funnel_marks(furthest integer, entered integer)
RETURNS TABLE (mode text, stage @extschema@.lifecycle_stage, funnel_rank integer, counted boolean)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT m.mode, f.stage, f.funnel_rank,
           CASE m.mode WHEN 'in_order' THEN furthest OPERATOR(pg_catalog.>=) f.funnel_rank
                       ELSE entered OPERATOR(pg_catalog.&) (1 OPERATOR(pg_catalog.<<) f.funnel_rank)
                            OPERATOR(pg_catalog.<>) 0 END
    FROM (VALUES ('in_order'), ('any')) AS m(mode)
    CROSS JOIN @extschema@.stages AS f
    WHERE f.funnel_rank IS NOT NULL;
END;

------------------------------------------------------------------------------
-- The funnel's rollup.  Grouping the whole log by lead is most of the
-- funnel's cost, so refresh_rollups() folds the log, up to an id, into a
-- row a lead (funnel_shape) and counts those by shape and local day of the
-- lead's first stage (funnel_day).  The funnel then reads the counts, and
-- works out from the log only the leads with rows after that id or whose
-- rows moved to another id since (funnel_dirty): less their folded shape,
-- plus their shape now.  A promotion pays nothing for it.  The shapes are
-- the raw aggregates of _funnel_lead (min, max and bit_or, so a lead's
-- shape grows with its log); the days and counts, its displayed shapes.
------------------------------------------------------------------------------

CREATE TABLE @extschema@.funnel_shape (
    lead_table regclass NOT NULL,
    lead_id    text NOT NULL,
    first_at   timestamptz NOT NULL,
    furthest   integer,
    entered    integer NOT NULL,
    PRIMARY KEY (lead_table, lead_id)
);
COMMENT ON TABLE @extschema@.funnel_shape IS
    'The funnel''s rollup: each folded lead''s first logged time, furthest funnel stage and the funnel stages it was in, as its log up to rollup_state.funnel_folded_through says';

CREATE TABLE @extschema@.funnel_day (
    lead_table regclass NOT NULL,
    day        date NOT NULL,
    -- the report month of that day
    month      date NOT NULL,
    furthest   integer NOT NULL,
    entered    integer NOT NULL,
    leads      integer NOT NULL,
    PRIMARY KEY (lead_table, day, furthest, entered)
);
COMMENT ON TABLE @extschema@.funnel_day IS
    'The folded leads of leadqual.funnel_shape counted by table, local day of their first logged stage, furthest funnel stage and funnel stages they were in';

-- Leads whose rows of the log took or left their id since they were
-- folded (merge(), erase(), a lead's deletion): the funnel works them out
-- from the log until the next refresh.  marks counts the marks, so that a
-- refresh clears only those it read.
CREATE TABLE @extschema@.funnel_dirty (
    lead_table regclass NOT NULL,
    lead_id    text NOT NULL,
    marks      bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (lead_table, lead_id)
);
COMMENT ON TABLE @extschema@.funnel_dirty IS
    'Leads whose rows of the log changed id since leadqual.refresh_rollups() folded them';

-- pg_dump keeps the rollup, with how far it folded.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.funnel_shape', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.funnel_day', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.funnel_dirty', '');

-- A truncated log or clock table empties its rollup.
CREATE FUNCTION @extschema@._forget_rollup()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $forget$
BEGIN
    IF TG_TABLE_NAME = 'sla_clock' THEN
        TRUNCATE @extschema@.sla_clock_day;
    ELSE
        TRUNCATE @extschema@.funnel_shape, @extschema@.funnel_day, @extschema@.funnel_dirty;
        UPDATE @extschema@.rollup_state SET funnel_folded_through = 0;
    END IF;
    RETURN NULL;
END
$forget$;
CREATE TRIGGER forget_rollup AFTER TRUNCATE ON @extschema@.transition
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._forget_rollup();
CREATE TRIGGER forget_rollup AFTER TRUNCATE ON @extschema@.sla_clock
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._forget_rollup();
-- ALWAYS: under session_replication_role = replica too
ALTER TABLE @extschema@.transition ENABLE ALWAYS TRIGGER forget_rollup;
ALTER TABLE @extschema@.sla_clock ENABLE ALWAYS TRIGGER forget_rollup;

-- Takes leads out of the funnel's rollup: deletes their folded shapes and
-- takes them out of the day counts (a count may reach 0, which the next
-- refresh deletes).  For refresh_rollups(), and for erase(), which leaves
-- no row naming an erased id.  Returns how many shapes it took out.
CREATE FUNCTION @extschema@._funnel_take_out(leads regclass, lead_ids text[])
RETURNS bigint
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $take_out$
    WITH unfolded AS (
        DELETE FROM @extschema@.funnel_shape AS f
        WHERE f.lead_table = _funnel_take_out.leads AND f.lead_id = ANY (_funnel_take_out.lead_ids)
        RETURNING f.first_at, f.furthest, f.entered
    ), taken_out AS (
        SELECT @extschema@.report_period(u.first_at, 'day', (SELECT r.time_zone FROM @extschema@.rollup_state AS r)) AS day,
               @extschema@._funnel_furthest(u.furthest) AS furthest, @extschema@._funnel_entered(u.entered) AS entered,
               pg_catalog.count(*) AS shapes
        FROM unfolded AS u GROUP BY 1, 2, 3
    ), counted AS (
        UPDATE @extschema@.funnel_day AS d SET leads = d.leads - o.shapes
        FROM taken_out AS o
        WHERE d.lead_table = _funnel_take_out.leads AND d.day = o.day AND d.furthest = o.furthest AND d.entered = o.entered
    )
    SELECT pg_catalog.count(*) FROM unfolded
$take_out$;

-- Returns once every transaction writing leadqual.transition when called
-- has ended, without holding up those that start meanwhile (C,
-- src/rollup_refresh.c).
CREATE FUNCTION @extschema@._wait_for_log_writers()
RETURNS void
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'leadqual_wait_for_log_writers';

-- Folds what the rollups do not hold yet:
--   - the clocks stopped since the last call into sla_clock_day, in one
--     statement that marks them folded, so that a report sees a clock
--     either in the rollup or on its own, never both and never neither;
--   - the log's rows up to the last id taken, once the transactions that
--     could still be writing such rows have ended (waited for; new ones are
--     not held up), and the leads marked dirty, into funnel_shape and
--     funnel_day: each such lead's folded shape is taken out of the counts
--     and its shape from its whole log put in.
-- One refresh at a time, under READ COMMITTED.  Rebuilds both when the
-- report time zone or week start changed, or when asked (after the log or
-- the clocks were edited by hand).
CREATE FUNCTION @extschema@.refresh_rollups(rebuild boolean DEFAULT false)
RETURNS TABLE (clocks_folded bigint, leads_folded bigint)
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $refresh$
DECLARE
    zone text := @extschema@._report_time_zone();
    first_weekday text := @extschema@._report_week_start();
    was bigint;
    upto bigint;
BEGIN
    -- the rollup is the extension's: only the owner of its tables writes it
    PERFORM pg_catalog.pg_advisory_xact_lock('@extschema@.sla_clock_day'::regclass::oid::bigint);
    IF rebuild OR NOT EXISTS (SELECT FROM @extschema@.rollup_state AS r
                              WHERE r.time_zone = zone AND r.week_start = first_weekday) THEN
        DELETE FROM @extschema@.sla_clock_day;
        UPDATE @extschema@.sla_clock AS c SET folded = false WHERE c.folded;
        TRUNCATE @extschema@.funnel_shape, @extschema@.funnel_day, @extschema@.funnel_dirty;
        UPDATE @extschema@.rollup_state SET funnel_folded_through = 0;
    END IF;
    INSERT INTO @extschema@.rollup_state AS r (time_zone, week_start, refreshed_at)
    VALUES (zone, first_weekday, pg_catalog.statement_timestamp())
    ON CONFLICT (only_row) DO UPDATE
    SET time_zone = excluded.time_zone, week_start = excluded.week_start, refreshed_at = excluded.refreshed_at
    RETURNING r.funnel_folded_through INTO was;

    WITH marked AS (
        UPDATE @extschema@.sla_clock AS c SET folded = true
        WHERE NOT c.folded AND c.stopped_at IS NOT NULL
        RETURNING c.id
    ), days AS (
        INSERT INTO @extschema@.sla_clock_day AS d
        SELECT f.lead_table, f.policy, f.owner, @extschema@.report_period(f.started_at, 'day', zone),
               @extschema@.report_period(f.started_at, 'week', zone, first_weekday),
               pg_catalog.count(*), pg_catalog.sum(f.met), pg_catalog.sum(f.breached), pg_catalog.sum(f.cancelled),
               pg_catalog.sum(f.touched), pg_catalog.sum(f.touched_within_5_minutes), pg_catalog.sum(f.touch_time),
               COALESCE(pg_catalog.array_agg(@extschema@._microseconds(f.touch_time))
                            FILTER (WHERE f.touch_time IS NOT NULL), '{}'),
               COALESCE(pg_catalog.array_agg(@extschema@._microseconds(f.wait_time))
                            FILTER (WHERE f.wait_time IS NOT NULL), '{}')
        FROM @extschema@._clock_figures AS f JOIN marked AS m ON m.id OPERATOR(pg_catalog.=) f.clock_id
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT ON CONSTRAINT sla_clock_day_key DO UPDATE
        SET clocks = d.clocks + excluded.clocks, met = d.met + excluded.met,
            breached = d.breached + excluded.breached, cancelled = d.cancelled + excluded.cancelled,
            touched = d.touched + excluded.touched,
            touched_within_5_minutes = d.touched_within_5_minutes + excluded.touched_within_5_minutes,
            touch_time = COALESCE(d.touch_time + excluded.touch_time, d.touch_time, excluded.touch_time),
            touch_times = d.touch_times || excluded.touch_times,
            wait_times = d.wait_times || excluded.wait_times
    )
    SELECT pg_catalog.count(*) INTO clocks_folded FROM marked;

    -- On Citus the log's ids come from every node's sequence (see
    -- src/citus_shards.c), so this node's says nothing of what is logged:
    -- the funnel reads the log there, and its rollup stays empty.
    IF @extschema@._distributed_by_citus('@extschema@.transition') THEN
        leads_folded := 0;
        RETURN NEXT;
        RETURN;
    END IF;
    -- the log: every id taken so far, once their transactions have ended
    SELECT CASE WHEN q.is_called THEN q.last_value ELSE q.last_value - 1 END
    INTO upto FROM @extschema@.transition_id_seq AS q;
    PERFORM @extschema@._wait_for_log_writers();
    CREATE TEMP TABLE refolded ON COMMIT DROP AS
    SELECT t.lead_table, t.lead_id, NULL::bigint AS marks
    FROM @extschema@.transition AS t
    WHERE t.id > was AND t.id <= upto
    UNION
    SELECT d.lead_table, d.lead_id, d.marks FROM @extschema@.funnel_dirty AS d;
    ANALYZE refolded;
    PERFORM @extschema@._funnel_take_out(r.lead_table, pg_catalog.array_agg(r.lead_id))
    FROM refolded AS r GROUP BY r.lead_table;
    WITH folded AS (
        INSERT INTO @extschema@.funnel_shape (lead_table, lead_id, first_at, furthest, entered)
        SELECT r.lead_table, r.lead_id, s.first_at, s.furthest, s.entered
        FROM (SELECT DISTINCT r.lead_table, r.lead_id FROM refolded AS r) AS r
        CROSS JOIN LATERAL @extschema@._funnel_shape_of(r.lead_table, r.lead_id) AS s
        WHERE s.first_at IS NOT NULL
        RETURNING lead_table, first_at, furthest, entered
    )
    INSERT INTO @extschema@.funnel_day AS d (lead_table, day, month, furthest, entered, leads)
    SELECT f.lead_table, @extschema@.report_period(f.first_at, 'day', zone),
           @extschema@.report_period(f.first_at, 'month', zone),
           @extschema@._funnel_furthest(f.furthest), @extschema@._funnel_entered(f.entered),
           pg_catalog.count(*)
    FROM folded AS f GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (lead_table, day, furthest, entered) DO UPDATE SET leads = d.leads + excluded.leads;
    SELECT pg_catalog.count(DISTINCT (r.lead_table, r.lead_id)) INTO leads_folded FROM refolded AS r;
    DELETE FROM @extschema@.funnel_day AS d WHERE d.leads = 0;
    -- the marks read, not one made since
    DELETE FROM @extschema@.funnel_dirty AS d USING refolded AS r
    WHERE d.lead_table = r.lead_table AND d.lead_id = r.lead_id AND d.marks = r.marks;
    UPDATE @extschema@.rollup_state SET funnel_folded_through = GREATEST(was, upto);
    DROP TABLE refolded;
    IF leads_folded > 10000 THEN
        ANALYZE @extschema@.funnel_shape, @extschema@.funnel_day;
    END IF;
    RETURN NEXT;
END
$refresh$;
COMMENT ON FUNCTION @extschema@.refresh_rollups(boolean) IS
    'Folds the SLA clocks stopped and the log written since the last call into the reports'' rollups; rebuild => true starts them over';

-- Each funnel shape's leads by cohort, for the funnel: from the rollup
-- when it serves the query (_rollup_serves()), the folded counts, less the
-- folded shapes of the leads logged or moved since, plus their shapes now,
-- read from the log a lead at a time through transition_lead_idx; else
-- every lead from the log.  PL/pgSQL so that the watermark is a constant
-- in the plan of "rows since", which then reads the index's newest end.
CREATE FUNCTION @extschema@._funnel_shapes()
RETURNS TABLE (lead_table regclass, cohort date, furthest integer, entered integer, leads bigint)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $shapes$
DECLARE
    folded_through bigint;
BEGIN
    IF NOT @extschema@._rollup_serves() OR @extschema@._distributed_by_citus('@extschema@.transition') THEN
        RETURN QUERY
        SELECT p.lead_table, @extschema@.report_period(p.first_at, 'month'), p.furthest, p.entered,
               pg_catalog.count(*)
        FROM @extschema@._funnel_lead AS p
        GROUP BY 1, 2, 3, 4;
        RETURN;
    END IF;
    SELECT r.funnel_folded_through INTO folded_through FROM @extschema@.rollup_state AS r;
    RETURN QUERY EXECUTE pg_catalog.format($query$
        WITH changed AS (
            SELECT t.lead_table, t.lead_id FROM @extschema@.transition AS t WHERE t.id > %s
            UNION
            SELECT d.lead_table, d.lead_id FROM @extschema@.funnel_dirty AS d
        )
        SELECT d.lead_table, d.month, d.furthest, d.entered, d.leads::bigint
        FROM @extschema@.funnel_day AS d
        UNION ALL
        SELECT f.lead_table, @extschema@.report_period(f.first_at, 'month'),
               @extschema@._funnel_furthest(f.furthest), @extschema@._funnel_entered(f.entered), -1::bigint
        FROM changed AS c
        JOIN @extschema@.funnel_shape AS f ON f.lead_table = c.lead_table AND f.lead_id = c.lead_id
        UNION ALL
        SELECT c.lead_table, @extschema@.report_period(s.first_at, 'month'),
               @extschema@._funnel_furthest(s.furthest), @extschema@._funnel_entered(s.entered), 1::bigint
        FROM changed AS c
        CROSS JOIN LATERAL @extschema@._funnel_shape_of(c.lead_table, c.lead_id) AS s
        WHERE s.first_at IS NOT NULL$query$, folded_through);
END
$shapes$;

-- Cohort: the month of a lead's first logged stage, by report_period().
-- in_order and any as _funnel_marks() counts them, a lead's shape as
-- _funnel_lead has it, the leads of each shape as _funnel_shapes() counts
-- them (from the rollup when it serves).
CREATE OR REPLACE VIEW @extschema@.funnel WITH (security_invoker = true) AS
WITH shapes AS (
    SELECT b.lead_table, b.cohort, b.furthest, b.entered, pg_catalog.sum(b.leads) AS leads
    FROM @extschema@._funnel_shapes() AS b
    GROUP BY 1, 2, 3, 4
    HAVING pg_catalog.sum(b.leads) OPERATOR(pg_catalog.<>) 0
), counts AS (
    SELECT s.lead_table, k.mode, s.cohort, k.stage, k.funnel_rank,
           COALESCE(pg_catalog.sum(s.leads) FILTER (WHERE k.counted), 0)::bigint AS reached
    FROM shapes AS s
    CROSS JOIN LATERAL @extschema@._funnel_marks(s.furthest, s.entered) AS k
    GROUP BY 1, 2, 3, 4, 5
)
SELECT c.lead_table, c.mode, c.cohort, c.stage, c.reached,
       pg_catalog.round(c.reached::numeric OPERATOR(pg_catalog./)
                        NULLIF(pg_catalog.lag(c.reached) OVER w, 0), 4) AS conversion
FROM counts AS c
WINDOW w AS (PARTITION BY c.lead_table, c.mode, c.cohort ORDER BY c.funnel_rank);
COMMENT ON VIEW @extschema@.funnel IS
    'Per cohort month: leads that reached each funnel stage and the conversion from the stage before, in_order (skips count) or any';

-- Business time by the calendar the leadqual.report_calendar setting names
-- (weekdays_9_17 unless set).  The 90th percentiles come last, so that the
-- view updates in place.
CREATE OR REPLACE VIEW @extschema@.stage_velocity WITH (security_invoker = true) AS
SELECT h.lead_table,
       h.stage AS from_stage,
       h.next_stage AS to_stage,
       pg_catalog.count(*) AS moves,
       pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY h.time_in_stage) AS median_time,
       pg_catalog.avg(h.time_in_stage) AS avg_time,
       pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY b.business_time) AS median_business_time,
       pg_catalog.avg(b.business_time) AS avg_business_time,
       pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY h.time_in_stage) AS p90_time,
       pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY b.business_time) AS p90_business_time
FROM @extschema@.stage_history AS h
CROSS JOIN LATERAL (
    SELECT @extschema@.business_time_between(COALESCE(pg_catalog.current_setting('leadqual.report_calendar', true),
                                                      'weekdays_9_17'),
                                             h.entered_at, h.left_at) AS business_time
) AS b
WHERE h.next_stage IS NOT NULL
GROUP BY h.lead_table, h.stage, h.next_stage;
COMMENT ON VIEW @extschema@.stage_velocity IS
    'Per pair of consecutive stages: moves, and the median, average and 90th percentile time from entering one to entering the next, wall-clock and business';

-- Months by report_period().
CREATE OR REPLACE VIEW @extschema@.rejection_summary WITH (security_invoker = true) AS
SELECT t.lead_table,
       @extschema@.report_period(t.changed_at, 'month') AS month,
       t.owner,
       t.reason,
       pg_catalog.count(*) AS rejections,
       pg_catalog.round(pg_catalog.count(*)::numeric OPERATOR(pg_catalog./)
                        pg_catalog.sum(pg_catalog.count(*)) OVER (PARTITION BY t.lead_table, @extschema@.report_period(t.changed_at, 'month')), 4)
           AS share_of_month,
       pg_catalog.round(pg_catalog.count(*)::numeric OPERATOR(pg_catalog./)
                        pg_catalog.sum(pg_catalog.count(*)) OVER (PARTITION BY t.lead_table, @extschema@.report_period(t.changed_at, 'month'), t.owner), 4)
           AS share_of_owner
FROM @extschema@.transition AS t
WHERE t.to_stage OPERATOR(pg_catalog.=) ANY ('{recycled,disqualified}'::@extschema@.lifecycle_stage[])
GROUP BY t.lead_table, @extschema@.report_period(t.changed_at, 'month'), t.owner, t.reason;
COMMENT ON VIEW @extschema@.rejection_summary IS
    'Rejections (recycled or disqualified) per month, owner and reason, with their share of the month''s and of the owner''s';

------------------------------------------------------------------------------
-- The reports sliced: one lead table's funnel, velocity, compliance and
-- rejections by any period and by any column of the table.  Set-returning
-- functions, since a view takes no arguments; the views above stay the
-- common case.  They run as the caller, who reads the lead table's column
-- (and the log, under its row security) with its own rights.
------------------------------------------------------------------------------

-- The join that gives each lead of a report its slice: the text of the
-- lead table's column "dimension", matched by the id column as the log
-- writes it (leadqual.managed); no dimension, one NULL slice for all.  A
-- lead gone from the table (deleted, merged, erased) falls in the NULL
-- slice, so the slices always add up to the whole.  "report" names the
-- caller in errors.
CREATE FUNCTION @extschema@._report_slice_join(report text, leads regclass, dimension name, lead_alias text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $slice$
DECLARE
    id_name name;
BEGIN
    IF leads IS NULL THEN
        RAISE EXCEPTION 'leadqual.%: leads must not be NULL', report
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Name one lead table; the views (leadqual.funnel and the others) cover every table.';
    END IF;
    IF dimension IS NULL THEN
        RETURN 'CROSS JOIN (SELECT NULL::pg_catalog.text AS slice) AS d';
    END IF;
    SELECT m.id_column INTO id_name FROM @extschema@.managed AS m WHERE m.leads OPERATOR(pg_catalog.=) $2;
    IF id_name IS NULL THEN
        RAISE EXCEPTION 'leadqual.%: table % is not managed by leadqual, so it can''t be sliced by "%"', report, leads, dimension
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'A slice is read from the lead''s row by its id column, which leadqual.manage() records: manage the table, or leave dimension out.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute AS a
                   WHERE a.attrelid OPERATOR(pg_catalog.=) $2 AND a.attname OPERATOR(pg_catalog.=) $3
                     AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'leadqual.%: table % has no column "%"', report, leads, dimension
            USING ERRCODE = 'undefined_column',
                  HINT = pg_catalog.format('Name a column of the lead table, as \d %s lists them, such as source or region.', leads);
    END IF;
    RETURN pg_catalog.format('LEFT JOIN (SELECT l.%I::pg_catalog.text AS lead_id, l.%I::pg_catalog.text AS slice FROM %s AS l) AS d'
                             ' ON d.lead_id OPERATOR(pg_catalog.=) %I.lead_id COLLATE "C"',
                             id_name, dimension, leads, lead_alias);
END
$slice$;

-- The period holding "at", as report_period() cuts it; NULL for no period
-- (the whole history in one row).  Inlined into the reports' queries.
CREATE FUNCTION @extschema@._report_period_or_all(at timestamptz, period text, time_zone text, week_start text)
RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE WHEN period IS NOT NULL THEN @extschema@.report_period(at, period, time_zone, week_start) END;

-- Checks a report's period, time zone and week start before its query
-- runs, with report_period()'s errors.
CREATE FUNCTION @extschema@._check_report_period(period text, time_zone text, week_start text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $check$
BEGIN
    IF period IS NOT NULL THEN
        PERFORM @extschema@.report_period(pg_catalog.statement_timestamp(), period, time_zone, week_start);
    END IF;
END
$check$;

-- The funnel of one table, by cohort (the period of a lead's first logged
-- stage) and slice, as leadqual.funnel counts it.
CREATE FUNCTION @extschema@.funnel_report(leads regclass, period text DEFAULT 'month', dimension name DEFAULT NULL,
                                          time_zone text DEFAULT NULL, week_start text DEFAULT NULL)
RETURNS TABLE (cohort date, slice text, mode text, stage @extschema@.lifecycle_stage, reached bigint, conversion numeric)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $report$
BEGIN
    PERFORM @extschema@._check_report_period(period, time_zone, week_start);
    RETURN QUERY EXECUTE pg_catalog.format($query$
        WITH shapes AS (
            SELECT @extschema@._report_period_or_all(p.first_at, $2, $3, $4) AS cohort, d.slice,
                   p.furthest, p.entered, pg_catalog.count(*) AS leads
            FROM @extschema@._funnel_lead AS p
            %s
            WHERE p.lead_table OPERATOR(pg_catalog.=) $1
            GROUP BY 1, 2, 3, 4
        ), counts AS (
            SELECT s.cohort, s.slice, k.mode, k.stage, k.funnel_rank,
                   COALESCE(pg_catalog.sum(s.leads) FILTER (WHERE k.counted), 0)::bigint AS reached
            FROM shapes AS s
            CROSS JOIN LATERAL @extschema@._funnel_marks(s.furthest, s.entered) AS k
            GROUP BY 1, 2, 3, 4, 5
        )
        SELECT c.cohort, c.slice, c.mode, c.stage, c.reached,
               pg_catalog.round(c.reached::pg_catalog.numeric OPERATOR(pg_catalog./)
                                NULLIF(pg_catalog.lag(c.reached) OVER w, 0), 4)
        FROM counts AS c
        WINDOW w AS (PARTITION BY c.cohort, c.slice, c.mode ORDER BY c.funnel_rank)
        ORDER BY c.cohort, c.slice, c.mode DESC, c.funnel_rank$query$,
        @extschema@._report_slice_join('funnel_report', leads, dimension, 'p'))
    USING leads, period, time_zone, week_start;
END
$report$;
COMMENT ON FUNCTION @extschema@.funnel_report(regclass, text, name, text, text) IS
    'One table''s funnel by cohort period (NULL: all time) and by a column of the lead table: leads that reached each stage and the conversion from the stage before, as leadqual.funnel counts them';

-- Stage velocity of one table: a move's period is when the lead entered
-- the next stage, or with by_cohort the lead's cohort (the period of its
-- first logged stage, as in the funnel); by_owner splits by the owner the
-- lead had on entering the stage it left.
CREATE FUNCTION @extschema@.velocity_report(leads regclass, period text DEFAULT NULL, dimension name DEFAULT NULL,
                                            by_owner boolean DEFAULT false, by_cohort boolean DEFAULT false,
                                            time_zone text DEFAULT NULL, week_start text DEFAULT NULL)
RETURNS TABLE (period_start date, slice text, owner text,
               from_stage @extschema@.lifecycle_stage, to_stage @extschema@.lifecycle_stage, moves bigint,
               median_time interval, p90_time interval, avg_time interval,
               median_business_time interval, p90_business_time interval, avg_business_time interval)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $report$
BEGIN
    PERFORM @extschema@._check_report_period(period, time_zone, week_start);
    RETURN QUERY EXECUTE pg_catalog.format($query$
        SELECT @extschema@._report_period_or_all(%s, $2, $3, $4), d.slice,
               CASE WHEN $5 THEN t.owner END,
               h.stage, h.next_stage, pg_catalog.count(*),
               pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY h.time_in_stage),
               pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY h.time_in_stage),
               pg_catalog.avg(h.time_in_stage),
               pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY b.business_time),
               pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY b.business_time),
               pg_catalog.avg(b.business_time)
        FROM @extschema@.stage_history AS h
        JOIN @extschema@.transition AS t ON t.id OPERATOR(pg_catalog.=) h.transition_id
        %s
        %s
        CROSS JOIN LATERAL (
            SELECT @extschema@.business_time_between(COALESCE(pg_catalog.current_setting('leadqual.report_calendar', true),
                                                              'weekdays_9_17'),
                                                     h.entered_at, h.left_at) AS business_time
        ) AS b
        WHERE h.lead_table OPERATOR(pg_catalog.=) $1 AND h.next_stage IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5
        ORDER BY 1, 2, 3, 4, 5$query$,
        CASE WHEN by_cohort THEN 'p.first_at' ELSE 'h.left_at' END,
        CASE WHEN by_cohort THEN 'JOIN @extschema@._funnel_lead AS p ON p.lead_table OPERATOR(pg_catalog.=) h.lead_table'
                                 ' AND p.lead_id OPERATOR(pg_catalog.=) h.lead_id COLLATE "C"' END,
        @extschema@._report_slice_join('velocity_report', leads, dimension, 'h'))
    USING leads, period, time_zone, week_start, COALESCE(by_owner, false);
END
$report$;
COMMENT ON FUNCTION @extschema@.velocity_report(regclass, text, name, boolean, boolean, text, text) IS
    'One table''s stage velocity by period of the move (or of the lead''s cohort), owner and a column of the lead table: moves, and the median, 90th percentile and average time between stages, wall-clock and business';

-- SLA compliance of one table's clocks, by the period of their start, as
-- leadqual.sla_compliance counts them; policy_name NULL: every policy.
CREATE FUNCTION @extschema@.compliance_report(leads regclass, period text DEFAULT 'week', dimension name DEFAULT NULL,
                                              policy_name text DEFAULT NULL, by_owner boolean DEFAULT true,
                                              time_zone text DEFAULT NULL, week_start text DEFAULT NULL)
RETURNS TABLE (period_start date, slice text, policy text, owner text,
               clocks bigint, met bigint, breached bigint, open bigint, cancelled bigint, pct_met numeric,
               median_response interval, p90_response interval, median_wait interval, p90_wait interval)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $report$
BEGIN
    PERFORM @extschema@._check_report_period(period, time_zone, week_start);
    RETURN QUERY EXECUTE pg_catalog.format($query$
        SELECT @extschema@._report_period_or_all(s.started_at, $2, $3, $4), d.slice, s.policy,
               CASE WHEN $6 THEN s.owner END,
               pg_catalog.count(*),
               pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'met'),
               pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) ANY ('{breached,open_breached}')),
               pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'open'),
               pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'cancelled'),
               pg_catalog.round(100.0 OPERATOR(pg_catalog.*) pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'met')
                                OPERATOR(pg_catalog./) NULLIF(pg_catalog.count(*) FILTER (
                                    WHERE s.state OPERATOR(pg_catalog.=) ANY ('{met,breached,open_breached}')), 0), 1),
               pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_time)
                   FILTER (WHERE s.stopped_by OPERATOR(pg_catalog.=) 'touch'),
               pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY s.business_time)
                   FILTER (WHERE s.stopped_by OPERATOR(pg_catalog.=) 'touch'),
               pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_time)
                   FILTER (WHERE s.state OPERATOR(pg_catalog.<>) 'cancelled'),
               pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY s.business_time)
                   FILTER (WHERE s.state OPERATOR(pg_catalog.<>) 'cancelled')
        FROM @extschema@.sla_status AS s
        %s
        WHERE s.lead_table OPERATOR(pg_catalog.=) $1
          AND ($5 IS NULL OR s.policy OPERATOR(pg_catalog.=) $5)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4$query$,
        @extschema@._report_slice_join('compliance_report', leads, dimension, 's'))
    USING leads, period, time_zone, week_start, policy_name, COALESCE(by_owner, true);
END
$report$;
COMMENT ON FUNCTION @extschema@.compliance_report(regclass, text, name, text, boolean, text, text) IS
    'One table''s SLA compliance by period of the clocks'' start, policy, owner and a column of the lead table, as leadqual.sla_compliance counts it';

-- Rejections of one table by period, slice, owner and reason; the share is
-- of the period's rejections in the slice.
CREATE FUNCTION @extschema@.rejection_report(leads regclass, period text DEFAULT 'month', dimension name DEFAULT NULL,
                                             by_owner boolean DEFAULT true,
                                             time_zone text DEFAULT NULL, week_start text DEFAULT NULL)
RETURNS TABLE (period_start date, slice text, owner text, reason text, rejections bigint, share_of_period numeric)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $report$
BEGIN
    PERFORM @extschema@._check_report_period(period, time_zone, week_start);
    RETURN QUERY EXECUTE pg_catalog.format($query$
        SELECT r.period_start, r.slice, r.owner, r.reason, r.rejections,
               pg_catalog.round(r.rejections::pg_catalog.numeric OPERATOR(pg_catalog./)
                                pg_catalog.sum(r.rejections) OVER (PARTITION BY r.period_start, r.slice), 4)
        FROM (
            SELECT @extschema@._report_period_or_all(t.changed_at, $2, $3, $4) AS period_start, d.slice,
                   CASE WHEN $5 THEN t.owner END AS owner, t.reason, pg_catalog.count(*) AS rejections
            FROM @extschema@.transition AS t
            %s
            WHERE t.lead_table OPERATOR(pg_catalog.=) $1
              AND t.to_stage OPERATOR(pg_catalog.=) ANY ('{recycled,disqualified}'::@extschema@.lifecycle_stage[])
            GROUP BY 1, 2, 3, 4
        ) AS r
        ORDER BY 1, 2, 3, 4$query$,
        @extschema@._report_slice_join('rejection_report', leads, dimension, 't'))
    USING leads, period, time_zone, week_start, COALESCE(by_owner, true);
END
$report$;
COMMENT ON FUNCTION @extschema@.rejection_report(regclass, text, name, boolean, text, text) IS
    'One table''s rejections (recycled or disqualified) by period, owner, reason and a column of the lead table, with their share of the period''s';

GRANT SELECT ON @extschema@._funnel_lead TO PUBLIC;

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

-- The touches' statement trigger in C: on a shard of leadqual.touch it
-- stops each touch's clocks beside its lead's row (issue 19).
CREATE OR REPLACE FUNCTION @extschema@._touches_recorded()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_touches_recorded';

-- touch() on the coordinator, for a table Citus distributes: the touch is
-- inserted, as the caller, beside the lead's row, on its shard, whose
-- trigger there stops its clocks (src/handoff.c, src/citus_shards.c).
CREATE FUNCTION @extschema@._touch_beside_lead(leads regclass, lead_id text, kind text,
                                               at timestamptz, actor text)
RETURNS bigint
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_touch_beside_lead';

-- touch() inserts a touch of a table Citus distributes beside its lead's
-- row (issue 19).
CREATE OR REPLACE FUNCTION @extschema@.touch(
    leads   regclass,
    lead_id text,
    kind    text DEFAULT 'call',
    at      timestamptz DEFAULT now(),
    actor   text DEFAULT CURRENT_USER)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $touch$
DECLARE
    touch_id bigint;
BEGIN
    IF leads IS NULL OR lead_id IS NULL OR kind IS NULL OR at IS NULL OR actor IS NULL THEN
        RAISE EXCEPTION 'leadqual.touch: arguments must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Leave kind, at or actor out to use their defaults.';
    END IF;
    IF kind = '' THEN
        RAISE EXCEPTION 'leadqual.touch: touch kind must not be empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name the activity, such as ''call'', ''email'' or ''meeting''.';
    END IF;
    IF NOT isfinite(at) THEN
        RAISE EXCEPTION 'leadqual.touch: at must be a finite time, not %', at
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Leave it out to record the touch as happening now.';
    END IF;
    IF NOT EXISTS (SELECT FROM @extschema@.managed AS m WHERE m.leads = touch.leads) THEN
        RAISE EXCEPTION 'leadqual.touch: table % is not managed by leadqual', leads
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Manage it first: SELECT leadqual.manage(%L);', leads::text);
    END IF;
    IF @extschema@._distributed_by_citus(leads) THEN
        -- inserted beside the lead's row, on its shard (src/citus_shards.c)
        RETURN @extschema@._touch_beside_lead(leads, lead_id, kind, at, actor);
    END IF;
    -- not from RETURNING: see track()
    touch_id := pg_catalog.nextval('@extschema@.touch_id_seq');
    INSERT INTO @extschema@.touch (id, lead_table, lead_id, kind, touched_at, actor)
    VALUES (touch_id, leads, lead_id, kind, at, actor);
    RETURN touch_id;
END
$touch$;

-- leadqual: scale-out on Citus.  leadqual.distribute() lays leadqual's own
-- tables out beside a distributed leads table, once, on the coordinator:
-- every table of per-lead rows distributed by a column of its own,
-- shard_key, holding the lead's distribution value and co-located with the
-- leads table, so that a trigger firing on a shard of the leads table
-- writes only to shards on the same node, in the same local transaction;
-- the configuration as reference tables, on every node.  The reports'
-- rollups stay on the coordinator.  docs/scale-out.md has the layout.

-- leadqual's tables of per-lead rows, distributed by shard_key
CREATE FUNCTION @extschema@._per_lead_tables()
RETURNS regclass[]
LANGUAGE sql STABLE PARALLEL SAFE
RETURN ARRAY['@extschema@.transition', '@extschema@.lead_merge', '@extschema@.event',
             '@extschema@.lead_score', '@extschema@.score_change', '@extschema@.engagement_state',
             '@extschema@.owner_turn', '@extschema@.assignment', '@extschema@.touch',
             '@extschema@.sla_clock', '@extschema@.handoff', '@extschema@.funnel_dirty']::pg_catalog.regclass[];

------------------------------------------------------------------------------
-- Challengers, and the log of a table's model changes
------------------------------------------------------------------------------

-- Candidate models for a table, which compare_models() backtests beside
-- the table's own.  Configuration, written by the extension's owner as
-- models are.  A reference table on Citus, beside leadqual.model.
CREATE TABLE @extschema@.challenger (
    lead_table regclass NOT NULL,
    model      text NOT NULL REFERENCES @extschema@.model (name) ON UPDATE CASCADE ON DELETE CASCADE,
    added_at   timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    added_by   name NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (lead_table, model)
);
COMMENT ON TABLE @extschema@.challenger IS
    'Challenger models of a table: candidates that compare_models() backtests beside the table''s own model';

-- Every change of a table's model made with promote_model(), written by
-- it as the owner once manage() has made the change.
CREATE TABLE @extschema@.model_change (
    id         bigserial PRIMARY KEY,
    lead_table regclass NOT NULL,
    from_model text,
    to_model   text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    changed_by name NOT NULL,
    note       text
);
CREATE INDEX model_change_table_idx ON @extschema@.model_change (lead_table, id);
COMMENT ON TABLE @extschema@.model_change IS
    'The log of promote_model(): each change of a table''s scoring model, when, by whom and why';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.challenger', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.model_change', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.model_change_id_seq', '');
-- Everyone reads; the owner configures challengers; only promote_model()
-- writes the log, as the owner.
REVOKE ALL ON @extschema@.challenger, @extschema@.model_change FROM PUBLIC;
GRANT SELECT ON @extschema@.challenger, @extschema@.model_change TO PUBLIC;

-- leadqual's configuration, reference tables on every node: the tables a
-- foreign key names first
CREATE FUNCTION @extschema@._configuration_tables()
RETURNS regclass[]
LANGUAGE sql STABLE PARALLEL SAFE
RETURN ARRAY['@extschema@.rejection_reason', '@extschema@.model', '@extschema@.fit_rule',
             '@extschema@.engagement_rule', '@extschema@.challenger', '@extschema@.calendar',
             '@extschema@.business_hours', '@extschema@.holiday', '@extschema@.owner',
             '@extschema@.sla_policy']::pg_catalog.regclass[];

-- The distribution value of the lead a trigger on a shard writes for, as
-- text; NULL elsewhere: the default of shard_key, for the rows leadqual's
-- queries there insert (src/citus_shards.c).
CREATE FUNCTION @extschema@._shard_key()
RETURNS text
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'leadqual_shard_key';

-- The OID on the coordinator of the managed table of which the relation,
-- on this node, is a shard: what leadqual's rows name the table by.
-- track() and touch() on the coordinator insert a row beside the lead's
-- with it, of the lead row's tableoid, so that Citus runs it there: a
-- regclass constant it would send by name, which a worker reads as its own
-- OID (src/citus_shards.c).
CREATE FUNCTION @extschema@._logged_table(shard oid)
RETURNS regclass
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_logged_table';

-- On a worker, rescore() (rescore_due() with due_only) of one shard of a
-- table Citus distributes, as the caller; how many scores changed.
-- rescore() on the coordinator calls it in a query over the table's rows,
-- which Citus runs a task a shard, in parallel: the shard's first row
-- rescores it, the others return 0.  No SET clause: it would switch the
-- search_path for every row; the C sets it for the rescoring alone.
CREATE FUNCTION @extschema@._rescore_shard(shard oid, as_of timestamptz, due_only boolean)
RETURNS bigint
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'leadqual_rescore_shard';

-- Runs DDL on leadqual's own tables here and on every worker, where
-- CREATE EXTENSION made them too and Citus takes them as the shells of the
-- distributed tables: Citus propagates no DDL on a table it does not know.
CREATE FUNCTION @extschema@._on_every_node(commands text[])
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $on_every_node$
DECLARE
    command text;
    failed  text;
BEGIN
    FOREACH command IN ARRAY commands LOOP
        EXECUTE command;
    END LOOP;
    FOR failed IN
        EXECUTE 'SELECT w.nodename || '':'' || w.nodeport || '': '' || w.result
                 FROM pg_catalog.run_command_on_workers($1) AS w WHERE NOT w.success'
        USING 'SET search_path = pg_catalog, pg_temp; ' || pg_catalog.array_to_string(commands, '; ')
    LOOP
        RAISE EXCEPTION 'leadqual.distribute: changing leadqual''s tables on worker % failed', failed
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Check that the worker runs the same version of leadqual: ALTER EXTENSION leadqual UPDATE there.';
    END LOOP;
END
$on_every_node$;

-- What distribute() changes in each table of per-lead rows, on every
-- node: a column shard_key of the distribution column's type.  Citus keeps
-- a key unique only where it holds the distribution column: each one takes
-- shard_key last, under its own name, so that the indexes leadqual probes
-- keep their leading columns.
CREATE FUNCTION @extschema@._layout_commands(key_type text)
RETURNS text[]
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $layout$
DECLARE
    per_lead regclass;
    key      record;
    commands text[] := '{}';
BEGIN
    FOREACH per_lead IN ARRAY @extschema@._per_lead_tables() LOOP
        commands := commands || format('ALTER TABLE %s ADD COLUMN shard_key %s NOT NULL DEFAULT @extschema@._shard_key()::%s',
                                       per_lead, key_type, key_type);
        FOR key IN
            SELECT c.conname, pg_catalog.pg_get_constraintdef(c.oid) AS definition
            FROM pg_catalog.pg_constraint AS c
            WHERE c.conrelid = per_lead AND c.contype IN ('p', 'u')
        LOOP
            commands := commands || format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I %s',
                                           per_lead, key.conname, key.conname,
                                           pg_catalog.regexp_replace(key.definition, '\)$', ', shard_key)'));
        END LOOP;
    END LOOP;
    RETURN commands;
END
$layout$;

-- On a worker about to join a cluster whose leadqual tables are
-- distributed: the same layout, so that Citus finds shard_key in the
-- tables it takes as the shells (docs/scale-out.md, "Adding a worker").
CREATE FUNCTION @extschema@.prepare_worker(key_type regtype)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $prepare$
DECLARE
    command text;
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute AS a
               WHERE a.attrelid = '@extschema@.transition'::pg_catalog.regclass
                 AND a.attname = 'shard_key' AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'leadqual.prepare_worker: leadqual''s tables here have a shard_key already'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call it once, on a new worker, before citus_add_node() adds it.';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.transition) THEN
        RAISE EXCEPTION 'leadqual.prepare_worker: leadqual has logged stage changes on this server'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Prepare a new server: its leadqual tables become the shells of the distributed ones.';
    END IF;
    FOREACH command IN ARRAY @extschema@._layout_commands(pg_catalog.format_type(key_type, NULL)) LOOP
        EXECUTE command;
    END LOOP;
END
$prepare$;
COMMENT ON FUNCTION @extschema@.prepare_worker(regtype) IS
    'On a new Citus worker, before citus_add_node(): give leadqual''s tables the layout leadqual.distribute() gave them on the cluster';

-- Distributes leadqual's tables beside a leads table Citus distributes:
-- see the comment at the top.  Checks everything before it changes
-- anything; changes all of it, or nothing.
CREATE FUNCTION @extschema@.distribute(leads regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $distribute$
DECLARE
    key_type  text;
    key_type_oid oid;
    per_lead  regclass;
    config    regclass;
    key       record;
    has_rows  boolean;
    foreign_keys text[] := '{}';
    layout    text[] := '{}';
    detach    text[] := '{}';
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RAISE EXCEPTION 'leadqual.distribute: Citus is not installed in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'leadqual.distribute() is for a Citus cluster: CREATE EXTENSION citus, distribute the leads table with create_distributed_table(), then call it.';
    END IF;
    EXECUTE 'SELECT pg_catalog.format_type(a.atttypid, a.atttypmod), a.atttypid
             FROM pg_catalog.pg_dist_partition AS p
             JOIN pg_catalog.pg_attribute AS a
               ON a.attrelid = p.logicalrelid
              AND a.attname = pg_catalog.column_to_column_name(p.logicalrelid, p.partkey)
             WHERE p.logicalrelid = $1 AND p.partmethod = ''h'''
    INTO key_type, key_type_oid USING leads;
    IF key_type IS NULL THEN
        RAISE EXCEPTION 'leadqual.distribute: table % is not a distributed table of Citus', leads
            USING ERRCODE = 'wrong_object_type',
                  HINT = format('Distribute it by its tenant, account or id column first: SELECT create_distributed_table(%L, ''tenant_id'').', leads::text);
    END IF;
    -- leadqual's queries on shards fill shard_key in as the extension's
    -- owner, by a cast to its type: never a user's, whose input function
    -- or domain checks would run with the owner's rights
    IF key_type_oid >= 16384 THEN
        RAISE EXCEPTION 'leadqual.distribute: table % is distributed by a column of type %, which is not built in', leads, key_type
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Distribute the leads table by a column of a built-in type, such as bigint, uuid or text.';
    END IF;
    EXECUTE 'SELECT p.logicalrelid FROM pg_catalog.pg_dist_partition AS p
             WHERE p.logicalrelid = ''@extschema@.transition''::pg_catalog.regclass'
    INTO per_lead;
    IF per_lead IS NOT NULL THEN
        RAISE EXCEPTION 'leadqual.distribute: leadqual''s tables are distributed already'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Distribute %s co-located with them: SELECT create_distributed_table(%L, ''<column>'', colocate_with => ''leadqual.transition''), then call leadqual.manage(%L).',
                                leads, leads::text, leads::text);
    END IF;
    IF pg_catalog.current_setting('citus.enable_unsafe_triggers', true) IS DISTINCT FROM 'on' THEN
        RAISE EXCEPTION 'leadqual.distribute: Citus runs no trigger on a distributed table, and leadqual''s tables have triggers'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Let it run them, and leadqual''s on the leads table, which write only beside the shard they fire on: ALTER SYSTEM SET citus.enable_unsafe_triggers = on, on the coordinator and every worker, then SELECT pg_reload_conf().';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.managed) THEN
        RAISE EXCEPTION 'leadqual.distribute: leadqual manages tables already (%), whose history has no distribution value',
                (SELECT pg_catalog.string_agg(m.leads::text, ', ') FROM @extschema@.managed AS m)
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call leadqual.distribute() in a database where leadqual manages no table yet; unmanage() the tables, or distribute them and import their history afterwards with leadqual.import_history().';
    END IF;
    FOREACH per_lead IN ARRAY @extschema@._per_lead_tables() LOOP
        EXECUTE format('SELECT EXISTS (SELECT FROM %s)', per_lead) INTO has_rows;
        IF has_rows THEN
            RAISE EXCEPTION 'leadqual.distribute: table % has rows, which have no distribution value', per_lead
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Call leadqual.distribute() before leadqual records anything; import history afterwards with leadqual.import_history().';
        END IF;
    END LOOP;

    -- foreign keys to reference tables need every change over one
    -- connection a node
    PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
    -- Citus takes a foreign key only between tables it knows, and would
    -- turn the tables of one into Citus local tables first (which it does
    -- by recreating their views, the extension's): so the keys go, and
    -- come back once every table is distributed.
    FOR key IN
        SELECT c.conrelid::pg_catalog.regclass AS relation, c.conname,
               pg_catalog.pg_get_constraintdef(c.oid) AS definition
        FROM pg_catalog.pg_constraint AS c
        WHERE c.contype = 'f'
          AND c.conrelid = ANY (@extschema@._configuration_tables() || @extschema@._per_lead_tables())
    LOOP
        foreign_keys := foreign_keys || ARRAY[[key.relation::text, key.conname::text, key.definition]];
        detach := detach || format('ALTER TABLE %s DROP CONSTRAINT %I', key.relation, key.conname);
    END LOOP;
    PERFORM @extschema@._on_every_node(detach);
    -- The rows are copied into the shards with leadqual's triggers off:
    -- they were checked as they went in, and builtin rows (which the
    -- checks refuse from anyone but the extension's script) are among them.
    FOREACH config IN ARRAY @extschema@._configuration_tables() LOOP
        EXECUTE format('ALTER TABLE %s DISABLE TRIGGER USER', config);
        PERFORM pg_catalog.create_reference_table(config);
        EXECUTE format('ALTER TABLE %s ENABLE TRIGGER USER', config);
    END LOOP;
    -- the same on every worker, whose leadqual tables (CREATE EXTENSION
    -- made them there too) become the tables' shells
    layout := @extschema@._layout_commands(key_type);
    PERFORM @extschema@._on_every_node(layout);
    FOREACH per_lead IN ARRAY @extschema@._per_lead_tables() LOOP
        PERFORM pg_catalog.create_distributed_table(per_lead, 'shard_key', colocate_with => leads::text);
    END LOOP;
    FOR i IN 1 .. COALESCE(pg_catalog.array_length(foreign_keys, 1), 0) LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s',
                       foreign_keys[i][1], foreign_keys[i][2], foreign_keys[i][3]);
    END LOOP;
END
$distribute$;
COMMENT ON FUNCTION @extschema@.distribute(regclass) IS
    'On a Citus coordinator: distribute leadqual''s per-lead tables co-located with a distributed leads table, and make its configuration reference tables';

-- Laying leadqual's tables out is for the extension's owner (a superuser,
-- as Citus's own DDL needs).
REVOKE EXECUTE ON FUNCTION @extschema@.distribute(regclass), @extschema@._on_every_node(text[]),
    @extschema@.prepare_worker(regtype) FROM PUBLIC;

-- On a Citus worker the rule and calendar checks fire on the reference
-- tables' shards (fit_rule_102074), whose names they now read as the table's.
CREATE OR REPLACE FUNCTION @extschema@._check_rule()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $check$
DECLARE
    -- on a Citus worker it fires on the reference table's shard, fit_rule_102074
    kind text := CASE WHEN TG_TABLE_NAME ~ '^fit_rule(_[0-9]+)?$' THEN 'fit' ELSE 'engagement' END;
    fit @extschema@.fit_rule;
    engagement @extschema@.engagement_rule;
    user_table regclass;
    bad_level text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.builtin THEN
        RAISE EXCEPTION 'leadqual: % rule "%" of model "%" is built in and cannot be changed or dropped',
                kind, OLD.name, OLD.model
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('Copy the model and change the copy: SELECT leadqual.copy_model(%L, ''my_model'');', OLD.model);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.builtin THEN
        RAISE EXCEPTION 'leadqual: % rule "%" cannot be marked builtin', kind, NEW.name
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only the rules leadqual ships are built in; leave builtin false.';
    END IF;
    IF (SELECT m.builtin FROM @extschema@.model AS m WHERE m.name = NEW.model) THEN
        RAISE EXCEPTION 'leadqual: model "%" is built in; its rules cannot be added to or changed', NEW.model
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('Copy it and change the copy: SELECT leadqual.copy_model(%L, ''my_model'');', NEW.model);
    END IF;
    IF NOT EXISTS (SELECT FROM @extschema@.model AS m WHERE m.name = NEW.model) THEN
        RAISE EXCEPTION 'leadqual: model "%" does not exist', NEW.model
            USING ERRCODE = 'undefined_object',
                  HINT = 'Create it first: INSERT INTO leadqual.model (name, threshold) VALUES (...), or SELECT leadqual.copy_model(''default'', ...).';
    END IF;
    IF NEW.name IS NULL OR NEW.name = '' THEN
        RAISE EXCEPTION 'leadqual: a % rule of model "%" needs a name', kind, NEW.model
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'explain() shows rules by name; give it one such as ''target_industry''.';
    END IF;
    IF NEW.points IS NULL OR NEW.points = 'NaN' OR NEW.points::text IN ('Infinity', '-Infinity') THEN
        RAISE EXCEPTION 'leadqual: % rule "%" of model "%" needs finite points, not %',
                kind, NEW.name, NEW.model, coalesce(NEW.points::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Points are a number, negative for a bad sign such as a student or a competitor.';
    END IF;
    IF NEW.cap IS NOT NULL AND (NEW.cap <= 0 OR NEW.cap = 'NaN' OR NEW.cap::text = 'Infinity') THEN
        RAISE EXCEPTION 'leadqual: % rule "%" of model "%" has cap %, which is not a positive number',
                kind, NEW.name, NEW.model, NEW.cap
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'cap limits the size of the rule''s points, positive or negative; leave it NULL for no cap.';
    END IF;

    IF kind = 'fit' THEN
        fit := NEW;
        IF fit.operator IS NULL OR fit.operator NOT IN ('equals', 'in', 'between', 'matches', 'seniority') THEN
            RAISE EXCEPTION 'leadqual: fit rule "%" of model "%" has unknown operator "%"',
                    fit.name, fit.model, coalesce(fit.operator, 'NULL')
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'The operators are equals, in, between, matches and seniority.';
        END IF;
        IF fit.operator IN ('equals', 'in', 'seniority')
           AND (fit.value IS NULL OR cardinality(fit.value) = 0 OR array_position(fit.value, NULL) IS NOT NULL
                OR (fit.operator = 'equals' AND cardinality(fit.value) <> 1)) THEN
            RAISE EXCEPTION 'leadqual: fit rule "%" of model "%" needs % in value',
                    fit.name, fit.model,
                    CASE fit.operator WHEN 'equals' THEN 'exactly one value'
                                      WHEN 'in' THEN 'a list of values'
                                      ELSE 'a list of seniority levels' END
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'For example value = ''{software,saas}'' for in, or ''{vp,director}'' for seniority.';
        END IF;
        IF fit.operator = 'seniority' THEN
            SELECT v INTO bad_level FROM unnest(fit.value) AS v
            WHERE v NOT IN (SELECT e::text FROM unnest(enum_range(NULL::@extschema@.seniority_level)) AS e)
            LIMIT 1;
            IF bad_level IS NOT NULL THEN
                RAISE EXCEPTION 'leadqual: fit rule "%" of model "%" names unknown seniority level "%"',
                        fit.name, fit.model, bad_level
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'The levels are c_level, vp, director, manager, individual_contributor and unknown.';
            END IF;
        END IF;
        IF fit.operator = 'between' AND (
               (fit.low IS NULL AND fit.high IS NULL) OR fit.low > fit.high
               OR fit.low = 'NaN' OR fit.high = 'NaN') THEN
            RAISE EXCEPTION 'leadqual: fit rule "%" of model "%" needs low <= high, not % to %',
                    fit.name, fit.model, coalesce(fit.low::text, 'NULL'), coalesce(fit.high::text, 'NULL')
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Give low, high or both; the range includes both ends.';
        END IF;
        IF fit.operator = 'matches' THEN
            IF fit.pattern IS NULL THEN
                RAISE EXCEPTION 'leadqual: fit rule "%" of model "%" needs a pattern', fit.name, fit.model
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'pattern is a regular expression, matched ignoring case, such as ''(^|\.)edu$''.';
            END IF;
            PERFORM '' ~* fit.pattern;   -- a bad regular expression errors here
        END IF;
        SELECT m.leads INTO user_table
        FROM @extschema@.managed AS m
        WHERE m.model = fit.model
          AND NOT EXISTS (SELECT FROM pg_attribute AS a
                          WHERE a.attrelid = m.leads AND a.attname = fit.column_name
                            AND a.attnum > 0 AND NOT a.attisdropped)
        LIMIT 1;
        IF user_table IS NOT NULL THEN
            RAISE EXCEPTION 'leadqual: fit rule "%" of model "%" reads column "%", which table % lacks',
                    fit.name, fit.model, fit.column_name, user_table
                USING ERRCODE = 'undefined_column',
                      HINT = format('Add the column to %s, or give the rule a column it has.', user_table);
        END IF;
    ELSE
        engagement := NEW;
        IF engagement.event_kind IS NULL OR engagement.event_kind = '' THEN
            RAISE EXCEPTION 'leadqual: engagement rule "%" of model "%" needs an event_kind', engagement.name, engagement.model
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'event_kind is the kind given to leadqual.track(), such as ''pricing_page_view''.';
        END IF;
        IF jsonb_typeof(engagement.match) IS DISTINCT FROM 'object' THEN
            RAISE EXCEPTION 'leadqual: engagement rule "%" of model "%" needs a JSON object in match', engagement.name, engagement.model
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'match is compared with an event''s properties by @>, for example ''{"path": "/pricing"}''.';
        END IF;
        IF engagement.min_count IS NOT NULL AND engagement.min_count < 1 THEN
            RAISE EXCEPTION 'leadqual: engagement rule "%" of model "%" has min_count %, below 1',
                    engagement.name, engagement.model, engagement.min_count
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'min_count is how many events give the points once, such as 3 for "3+ email opens"; NULL gives points per event.';
        END IF;
        IF engagement.group_by IS NOT NULL AND engagement.min_count IS NULL THEN
            RAISE EXCEPTION 'leadqual: engagement rule "%" of model "%" has group_by but no min_count',
                    engagement.name, engagement.model
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'group_by counts events per value of a property, such as a session id; set min_count too.';
        END IF;
        IF engagement.half_life IS NOT NULL AND engagement.half_life <= interval '0' THEN
            RAISE EXCEPTION 'leadqual: engagement rule "%" of model "%" has half-life %, which is not positive',
                    engagement.name, engagement.model, engagement.half_life
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'half_life is how long until an event counts half, such as ''30 days''; NULL for no decay.';
        END IF;
        IF engagement.within IS NOT NULL AND engagement.within <= interval '0' THEN
            RAISE EXCEPTION 'leadqual: engagement rule "%" of model "%" has window %, which is not positive',
                    engagement.name, engagement.model, engagement.within
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'within is how far back events count, such as ''90 days''; NULL for no window.';
        END IF;
    END IF;
    RETURN NEW;
END
$check$;

CREATE OR REPLACE FUNCTION @extschema@._check_calendar_row()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $check$
DECLARE
    -- on a Citus worker it fires on the reference table's shard, holiday_102080
    what text := CASE WHEN TG_TABLE_NAME ~ '^holiday(_[0-9]+)?$' THEN 'holidays' ELSE 'business hours' END;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.builtin THEN
        -- dropping a built-in calendar drops its rows by cascade
        IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT FROM @extschema@.calendar AS c WHERE c.name = OLD.calendar) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'leadqual: calendar "%" is built in; its % cannot be changed', OLD.calendar, what
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('Copy it and change the copy: SELECT leadqual.copy_calendar(%L, ''my_calendar'');', OLD.calendar);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.builtin THEN
        RAISE EXCEPTION 'leadqual: % of calendar "%" cannot be marked builtin', what, NEW.calendar
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only the calendars leadqual ships are built in; leave builtin false.';
    END IF;
    IF (SELECT c.builtin FROM @extschema@.calendar AS c WHERE c.name = NEW.calendar) THEN
        RAISE EXCEPTION 'leadqual: calendar "%" is built in; its % cannot be changed', NEW.calendar, what
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('Copy it and change the copy: SELECT leadqual.copy_calendar(%L, ''my_calendar'');', NEW.calendar);
    END IF;
    RETURN NEW;
END
$check$;

-- src/sql/12_calibration.sql: calibrate(), calibrate_deciles(), calibrate_rules(), suggest_points(),
-- challengers, compare_models() and promote_model()

CREATE FUNCTION @extschema@.calibrate(
    leads regclass,
    outcome @extschema@.lifecycle_stage DEFAULT 'sql',
    since timestamptz DEFAULT NULL,
    until timestamptz DEFAULT NULL,
    horizon interval DEFAULT '30 days',
    model text DEFAULT NULL,
    thresholds numeric[] DEFAULT NULL,
    target_conversion numrange DEFAULT '[0.25,0.35]',
    target_mqls bigint DEFAULT NULL)
RETURNS TABLE (threshold numeric, mqls bigint, converted bigint, conversion numeric,
               recall numeric, median_time_to_outcome interval, current boolean, recommended boolean)
LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_calibrate';
COMMENT ON FUNCTION @extschema@.calibrate(regclass, @extschema@.lifecycle_stage, timestamptz, timestamptz,
                                          interval, text, numeric[], numrange, bigint) IS
    'Backtest of a model''s threshold, with no look-ahead: per candidate threshold, the MQLs it would have made of a cohort, their conversion to the outcome within the horizon, recall and median time to outcome; the recommended threshold marked';

CREATE FUNCTION @extschema@.calibrate_deciles(
    leads regclass,
    outcome @extschema@.lifecycle_stage DEFAULT 'sql',
    since timestamptz DEFAULT NULL,
    until timestamptz DEFAULT NULL,
    horizon interval DEFAULT '30 days',
    model text DEFAULT NULL)
RETURNS TABLE (decile integer, leads bigint, min_score numeric, max_score numeric, converted bigint,
               conversion numeric, lift numeric, cumulative_recall numeric)
LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_calibrate_deciles';
COMMENT ON FUNCTION @extschema@.calibrate_deciles(regclass, @extschema@.lifecycle_stage, timestamptz, timestamptz,
                                                  interval, text) IS
    'Backtest by score decile, with no look-ahead: a cohort''s leads by their highest score before their outcome, with conversion, lift and cumulative recall per decile';

CREATE FUNCTION @extschema@.calibrate_rules(
    leads regclass,
    outcome @extschema@.lifecycle_stage DEFAULT 'sql',
    since timestamptz DEFAULT NULL,
    until timestamptz DEFAULT NULL,
    horizon interval DEFAULT '30 days',
    model text DEFAULT NULL)
RETURNS TABLE (rule text, category text, points numeric, leads bigint, among_converted numeric,
               among_not_converted numeric, conversion numeric, lift numeric)
LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_calibrate_rules';
COMMENT ON FUNCTION @extschema@.calibrate_rules(regclass, @extschema@.lifecycle_stage, timestamptz, timestamptz,
                                                interval, text) IS
    'Backtest per rule, with no look-ahead: how often each rule of the model counted for a cohort''s converted and other leads before their outcome, and its lift';

-- Fits a regularised logistic regression of conversion on the rules of a
-- model (the table's, or "model"), over the cohort's leads that entered
-- first, and writes its points as a new, ordinary model, "new_model": the
-- same rules with the points the fit gives them, 10 points doubling the
-- odds of converting, and the threshold at which the fitted chance of
-- converting reaches target_conversion.  Scores the leads that entered
-- last (the holdout share) under both models.  Volatile: it writes the
-- model, as the caller, who needs INSERT on leadqual's model tables.
CREATE FUNCTION @extschema@.suggest_points(
    leads regclass,
    new_model text,
    outcome @extschema@.lifecycle_stage DEFAULT 'sql',
    since timestamptz DEFAULT NULL,
    until timestamptz DEFAULT NULL,
    horizon interval DEFAULT '30 days',
    model text DEFAULT NULL,
    holdout double precision DEFAULT 0.2,
    target_conversion double precision DEFAULT 0.3,
    OUT suggested text, OUT leads_scored bigint, OUT learnt_from bigint, OUT held_out bigint,
    OUT converted bigint, OUT threshold numeric, OUT auc numeric, OUT current_auc numeric,
    OUT top_decile_lift numeric, OUT current_top_decile_lift numeric, OUT iterations integer,
    OUT converged boolean)
RETURNS record
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_suggest_points';
COMMENT ON FUNCTION @extschema@.suggest_points(regclass, text, @extschema@.lifecycle_stage, timestamptz, timestamptz,
                                               interval, text, double precision, double precision) IS
    'Suggested points: a regularised logistic regression of conversion on a model''s rules over the history, written as a new model of the same rules, with its AUC and top-decile lift on a time-based hold-out against the model replayed';

-- Backtests the table's model and its challengers (or the models given)
-- at each one's own threshold, over the same cohort: per model its MQLs,
-- conversion, recall, how fast it qualified them and how fast they
-- converted, and the AUC of its scores.
CREATE FUNCTION @extschema@.compare_models(
    leads regclass,
    models text[] DEFAULT NULL,
    outcome @extschema@.lifecycle_stage DEFAULT 'sql',
    since timestamptz DEFAULT NULL,
    until timestamptz DEFAULT NULL,
    horizon interval DEFAULT '30 days')
RETURNS TABLE (model text, live boolean, threshold numeric, mqls bigint, converted bigint,
               conversion numeric, recall numeric, median_time_to_mql interval,
               median_time_to_outcome interval, auc numeric)
LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_compare_models';
COMMENT ON FUNCTION @extschema@.compare_models(regclass, text[], @extschema@.lifecycle_stage, timestamptz,
                                               timestamptz, interval) IS
    'A table''s model against its challengers, backtested with no look-ahead at each one''s own threshold: MQLs, conversion, recall, time to MQL and to outcome, AUC';

-- Makes a model the table's own: manage() again with the same columns and
-- that model (which rescores every lead, and may promote), then a row of
-- leadqual.model_change.  Returns the row's id.
CREATE FUNCTION @extschema@.promote_model(leads regclass, model text, note text DEFAULT NULL)
RETURNS bigint
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_promote_model';
COMMENT ON FUNCTION @extschema@.promote_model(regclass, text, text) IS
    'Makes a model (a challenger) the table''s own, as manage() would, and logs the change in leadqual.model_change';
