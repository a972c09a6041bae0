-- leadqual 0.4.0 -> 0.5.0: the handoff (issue 15).

\echo Use "ALTER EXTENSION leadqual UPDATE TO '0.5.0'" to load this file. \quit

------------------------------------------------------------------------------
-- Reassignment starts no owner_assignment clock
------------------------------------------------------------------------------

-- An owner_assignment clock starts with the first owner of a stage entry;
-- 0.4.0 also started one when a lead that entered with an owner, before the
-- policy was in force, was given to someone else.
CREATE OR REPLACE FUNCTION @extschema@._owner_changed(leads regclass, lead_id text, owner text,
                                           via @extschema@.assignment_via, changed_by text,
                                           turn_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET enable_seqscan = off
SET jit = off
AS $changed$
DECLARE
    at timestamptz := clock_timestamp();
    assignment_id bigint;
    entry record;
BEGIN
    INSERT INTO @extschema@.assignment (lead_table, lead_id, owner, assigned_at, assigned_by, via)
    VALUES (leads, lead_id, owner, at, changed_by, via)
    RETURNING id INTO assignment_id;
    -- the round-robin turn the row was written with counts
    UPDATE @extschema@.owner_turn AS t SET confirmed = true WHERE t.id = turn_id;
    UPDATE @extschema@.sla_clock AS c SET owner = _owner_changed.owner
    WHERE c.lead_table = leads AND c.lead_id = _owner_changed.lead_id AND c.stopped_at IS NULL
      AND c.owner IS DISTINCT FROM _owner_changed.owner;
    IF owner IS NULL THEN
        RETURN;
    END IF;
    SELECT t.id, t.to_stage, t.changed_at, t.owner INTO entry
    FROM @extschema@.transition AS t
    WHERE t.lead_table = leads AND t.lead_id = _owner_changed.lead_id
    ORDER BY t.id DESC LIMIT 1;
    -- An owner_assignment clock starts with the entry's first owner: at the
    -- entry when the lead entered with one (log_transition() starts it), else
    -- at the first owner set after it.  A later owner is a reassignment,
    -- which the clock follows (above) and which starts none, even for a
    -- policy that came into force after that first owner.
    IF FOUND AND entry.owner IS NULL
       AND NOT EXISTS (SELECT FROM @extschema@.assignment AS a
                       WHERE a.lead_table = leads AND a.lead_id = _owner_changed.lead_id
                         AND a.assigned_at >= entry.changed_at AND a.owner IS NOT NULL
                         AND a.id <> assignment_id) THEN
        PERFORM @extschema@._start_clocks(leads, lead_id, entry.to_stage, entry.id, entry.changed_at,
                                          owner, at, '{owner_assignment}');
    END IF;
END
$changed$;

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
-- Round-robin that never waits: no deadlock between bulk and single-row
-- promotions
------------------------------------------------------------------------------

-- A turn another transaction is taking, counted by a promotion that saw its
-- owner held (see _assign_owner()).
ALTER TABLE @extschema@.owner_turn ADD COLUMN held_elsewhere boolean NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION @extschema@._assign_owner(leads regclass, lead_id text, current_owner text)
RETURNS TABLE (owner text, turn_id bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET enable_seqscan = off
SET jit = off
AS $assign$
DECLARE
    at timestamptz := clock_timestamp();
    rejected boolean := false;
    latest_start numeric;
    chosen record;
    has_candidate boolean;
    locked boolean;
BEGIN
    IF current_owner IS NOT NULL THEN
        rejected := EXISTS (SELECT FROM @extschema@.transition AS t
                            WHERE t.lead_table = leads AND t.lead_id = _assign_owner.lead_id
                              AND t.to_stage IN ('recycled', 'disqualified')
                              AND t.owner = current_owner);
        IF NOT rejected THEN
            RETURN;
        END IF;
    END IF;
    -- (qualify() has cleared the turns earlier statements left unconfirmed,
    -- once a statement: see lq_assign_owner().  The queries below leave
    -- them out anyway.)
    LOOP
        latest_start := COALESCE((SELECT t.turn_start FROM @extschema@.owner_turn AS t
                                  WHERE t.confirmed OR t.statement_at >= statement_timestamp()
                                  ORDER BY t.id DESC LIMIT 1), 0);
        WITH pool AS (
            SELECT o.name, o.weight, o.calendar,
                   greatest(COALESCE(last.turn_end, 0), latest_start) AS next_start
            FROM @extschema@.owner AS o
            LEFT JOIN LATERAL (SELECT t.turn_end FROM @extschema@.owner_turn AS t
                               WHERE t.owner = o.name
                                 AND (t.confirmed OR t.statement_at >= statement_timestamp())
                               ORDER BY t.id DESC LIMIT 1) AS last ON true
            WHERE o.active)
        SELECT p.name, p.next_start, p.next_start + 1 / p.weight AS next_end INTO chosen
        FROM pool AS p
        WHERE (p.calendar IS NULL OR @extschema@.is_business_time(p.calendar, at))
          -- never to an owner who rejected this lead
          AND NOT EXISTS (SELECT FROM @extschema@.transition AS t
                          WHERE t.lead_table = leads AND t.lead_id = _assign_owner.lead_id
                            AND t.to_stage IN ('recycled', 'disqualified') AND t.owner = p.name)
        ORDER BY p.next_start, p.next_start + 1 / p.weight, p.name
        LIMIT 1;
        has_candidate := FOUND;
        EXIT WHEN NOT has_candidate;
        PERFORM FROM @extschema@.owner AS o WHERE o.name = chosen.name FOR NO KEY UPDATE SKIP LOCKED;
        locked := FOUND;
        -- held by another transaction: its turn there is counted once a
        -- statement, and the pick looks again; an owner counted already and
        -- still first gets the turn without the lock
        EXIT WHEN locked OR EXISTS (SELECT FROM @extschema@.owner_turn AS t
                                    WHERE t.owner = chosen.name AND t.held_elsewhere
                                      AND t.statement_at >= statement_timestamp());
        INSERT INTO @extschema@.owner_turn (owner, turn_start, turn_end, taken_at, held_elsewhere)
        VALUES (chosen.name, chosen.next_start, chosen.next_end, at, true);
    END LOOP;
    IF NOT has_candidate THEN
        IF rejected THEN
            owner := NULL;
            turn_id := NULL;
            RETURN NEXT;
        END IF;
        RETURN;
    END IF;
    INSERT INTO @extschema@.owner_turn (owner, turn_start, turn_end, taken_at)
    VALUES (chosen.name, chosen.next_start, chosen.next_end, at)
    RETURNING id INTO turn_id;
    -- Under REPEATABLE READ or SERIALIZABLE the queries above read the
    -- transaction's snapshot, which can miss a turn another transaction
    -- took and committed since.  Updating the owner makes the next such
    -- transaction fail with a serialization error instead of repeating the
    -- pick; one that could lock no owner fails at once, since it cannot
    -- know.  (Not under READ COMMITTED, where it would only leave row
    -- versions behind.)
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        IF NOT locked THEN
            RAISE EXCEPTION 'leadqual: could not pick an owner for lead % of table %: every available owner''s turn is being taken by another transaction', lead_id, leads
                USING ERRCODE = 'serialization_failure',
                      HINT = 'Retry the transaction, or promote under READ COMMITTED, where promotions pass each other.';
        END IF;
        UPDATE @extschema@.owner AS o SET active = o.active WHERE o.name = chosen.name;
    END IF;
    owner := chosen.name;
    RETURN NEXT;
END
$assign$;

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

CREATE OR REPLACE FUNCTION @extschema@._start_clocks(leads regclass, lead_id text, stage @extschema@.lifecycle_stage,
                                          entry_id bigint, entered_at timestamptz, owner text,
                                          started_at timestamptz, starting @extschema@.sla_start[])
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET enable_seqscan = off
SET jit = off
AS $start$
DECLARE
    first_touch record;
BEGIN
    -- what a foreign key's check would lock: see _clock_references()
    PERFORM FROM @extschema@.sla_policy AS p, @extschema@.calendar AS k
    WHERE p.name IN (SELECT f.name FROM @extschema@._policies_in_force(_start_clocks.stage) AS f
                     WHERE f.starts_on = ANY (starting))
      AND k.name = p.calendar
    FOR KEY SHARE OF p, k;
    INSERT INTO @extschema@.sla_clock AS c
        (policy, lead_table, lead_id, stage, entry_id, entered_at, owner, started_at,
         target, calendar, stops_on, due_at)
    SELECT p.name, leads, _start_clocks.lead_id, _start_clocks.stage, _start_clocks.entry_id,
           _start_clocks.entered_at, _start_clocks.owner, _start_clocks.started_at,
           p.target, p.calendar, p.stops_on,
           @extschema@.business_time_add(p.calendar, _start_clocks.started_at, p.target)
    FROM @extschema@._policies_in_force(_start_clocks.stage) AS p
    WHERE p.starts_on = ANY (starting)
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
        SELECT t.id, t.touched_at INTO first_touch
        FROM @extschema@.touch AS t
        WHERE t.lead_table = leads AND t.lead_id = _start_clocks.lead_id AND t.touched_at >= _start_clocks.started_at
        ORDER BY t.touched_at, t.id LIMIT 1;
        IF FOUND THEN
            PERFORM @extschema@._stop_clocks(leads, lead_id, 'touch', first_touch.touched_at, NULL, first_touch.id);
        END IF;
    END IF;
END
$start$;
