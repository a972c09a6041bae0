-- leadqual: the handoff.  Sales reps (owners) and round-robin assignment,
-- touches, SLA policies and their clocks.  The reports on them are in
-- 09_reports.sql.

------------------------------------------------------------------------------
-- Owners, assignments and touches
------------------------------------------------------------------------------

CREATE TABLE @extschema@.owner (
    name             text PRIMARY KEY
                     CONSTRAINT owner_name_not_empty CHECK (name <> ''),
    active           boolean NOT NULL DEFAULT true,
    -- NaN and infinity fail the upper bound
    weight           numeric NOT NULL DEFAULT 1
                     CONSTRAINT owner_weight_range CHECK (weight > 0 AND weight <= 1000000),
    calendar         text REFERENCES @extschema@.calendar (name) ON UPDATE CASCADE,
    -- the tables whose leads the owner takes; NULL: every table's.  Each
    -- table's pool takes turns on its own (src/round_robin.c).
    lead_tables      regclass[]
                     CONSTRAINT owner_lead_tables_not_empty
                     CHECK (pg_catalog.cardinality(lead_tables) > 0
                            AND pg_catalog.array_position(lead_tables, NULL) IS NULL)
);
COMMENT ON TABLE @extschema@.owner IS
    'Sales reps leads are assigned to, round-robin by weight, at promotion; a calendar limits them to their working hours, lead_tables to some tables'' leads';

-- Round-robin's bookkeeping (see src/round_robin.c): each turn an owner
-- took, as an interval on the shared line.  Turns are inserted, not counted
-- in the owner rows: a bulk promotion in one transaction would otherwise
-- leave a chain of row versions behind.  A turn is written once the row it
-- was taken for is, so it is always confirmed (a 0.4.0 schema also kept
-- turns not confirmed yet).
CREATE TABLE @extschema@.owner_turn (
    id           bigserial PRIMARY KEY,
    owner        text NOT NULL REFERENCES @extschema@.owner (name) ON UPDATE CASCADE ON DELETE CASCADE,
    turn_start   numeric NOT NULL,
    turn_end     numeric NOT NULL,
    taken_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    statement_at timestamptz NOT NULL DEFAULT pg_catalog.statement_timestamp(),
    confirmed    boolean NOT NULL DEFAULT true
);
CREATE INDEX owner_turn_owner_idx ON @extschema@.owner_turn (owner, id);
COMMENT ON TABLE @extschema@.owner_turn IS
    'The turns owners took in round-robin assignment, newest last; leadqual.assignment logs what the leads got';

CREATE TYPE @extschema@.assignment_via AS ENUM ('round_robin', 'manual', 'import');

CREATE TABLE @extschema@.assignment (
    id          bigserial PRIMARY KEY,
    lead_table  regclass NOT NULL,
    lead_id     text NOT NULL,
    owner       text,
    assigned_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    assigned_by name NOT NULL DEFAULT CURRENT_USER,
    via         @extschema@.assignment_via NOT NULL
);
CREATE INDEX assignment_lead_idx ON @extschema@.assignment (lead_table, lead_id, id);
COMMENT ON TABLE @extschema@.assignment IS
    'Every change of a managed lead''s owner: by round-robin at promotion, or by hand';

CREATE TABLE @extschema@.touch (
    id          bigserial PRIMARY KEY,
    lead_table  regclass NOT NULL,
    lead_id     text NOT NULL,
    kind        text NOT NULL DEFAULT 'call'
                CONSTRAINT touch_kind_not_empty CHECK (kind <> ''),
    touched_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
                CONSTRAINT touch_touched_at_finite CHECK (pg_catalog.isfinite(touched_at)),
    actor       text NOT NULL DEFAULT CURRENT_USER,
    recorded_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
CREATE INDEX touch_lead_idx ON @extschema@.touch (lead_table, lead_id, touched_at);
COMMENT ON TABLE @extschema@.touch IS
    'Sales activities on leads (calls, emails, meetings); the first one stops their SLA clocks';

-- pg_dump keeps all of them.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.owner', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.owner_turn', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.owner_turn_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.assignment', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.assignment_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.touch', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.touch_id_seq', '');

------------------------------------------------------------------------------
-- SLA policies and clocks
------------------------------------------------------------------------------

CREATE TYPE @extschema@.sla_start AS ENUM ('stage_entry', 'owner_assignment');
CREATE TYPE @extschema@.sla_stop AS ENUM ('first_touch', 'stage_exit', 'either');

CREATE TABLE @extschema@.sla_policy (
    name      text PRIMARY KEY,
    stage     @extschema@.lifecycle_stage NOT NULL DEFAULT 'mql',
    target    interval NOT NULL,
    calendar  text NOT NULL REFERENCES @extschema@.calendar (name) ON UPDATE CASCADE,
    starts_on @extschema@.sla_start NOT NULL DEFAULT 'stage_entry',
    stops_on  @extschema@.sla_stop NOT NULL DEFAULT 'either',
    active    boolean NOT NULL DEFAULT true,
    builtin   boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.sla_policy IS
    'How fast sales must act on leads in a stage, in business time; the built-in policy applies while none of yours watches its stage';

-- The built-in policy, inserted before the validation trigger below exists:
-- it refuses rows marked builtin.
INSERT INTO @extschema@.sla_policy (name, stage, target, calendar, builtin)
VALUES ('mql', 'mql', '4 hours', 'weekdays_9_17', true);

-- One per (stage entry, policy).  Target, calendar, what stops it and the
-- due time are fixed when the clock starts, and its business time when it
-- stops: editing a policy or a calendar later changes no due time, state or
-- stopped clock.  (An open clock's business time so far is counted when
-- asked, by the calendar as it is then.)
CREATE TYPE @extschema@.sla_stopped_by AS ENUM ('touch', 'stage_exit', 'lead_deleted', 'lead_merged');

CREATE TABLE @extschema@.sla_clock (
    id            bigserial PRIMARY KEY,
    -- policy and calendar name rows of sla_policy and calendar: kept true by
    -- _clock_references() below, not by foreign keys
    policy        text NOT NULL,
    lead_table    regclass NOT NULL,
    lead_id       text NOT NULL,
    stage         @extschema@.lifecycle_stage NOT NULL,
    entry_id      bigint NOT NULL,
    entered_at    timestamptz NOT NULL,
    owner         text,
    started_at    timestamptz NOT NULL,
    target        interval NOT NULL,
    calendar      text NOT NULL,
    stops_on      @extschema@.sla_stop NOT NULL,
    due_at        timestamptz,
    stopped_at    timestamptz,
    stopped_by    @extschema@.sla_stopped_by,
    touch_id      bigint,
    business_time interval,
    -- counted in leadqual.sla_clock_day by refresh_rollups(); only a
    -- stopped clock is, once
    folded        boolean NOT NULL DEFAULT false,
    UNIQUE (entry_id, policy),
    CONSTRAINT sla_clock_stopped CHECK ((stopped_at IS NULL) = (stopped_by IS NULL)
                                        AND (stopped_at IS NULL) = (business_time IS NULL)),
    CONSTRAINT sla_clock_folded_stopped CHECK (NOT folded OR stopped_at IS NOT NULL)
);
-- The open clocks, an owner's by due time, with every column sla_breaches
-- and sla_compliance read of them, so that both read them from the index
-- alone (an index-only scan), not from a page of the table a clock: an
-- owner's open breaches, and the open clocks compliance reads one by one.
-- At 1M leads, one owner's 400 open breaches took 0.26 ms to execute
-- instead of 0.85 ms.
CREATE INDEX sla_clock_open_idx ON @extschema@.sla_clock (owner, due_at)
    INCLUDE (id, policy, lead_table, lead_id, stage, started_at, target, calendar,
             stopped_at, stopped_by, business_time, folded)
    WHERE stopped_at IS NULL;
CREATE INDEX sla_clock_late_idx ON @extschema@.sla_clock (owner, stopped_at) WHERE stopped_at > due_at;
-- The stopped clocks the rollup does not hold yet, which the reports read
-- one by one: those stopped since the last refresh_rollups() (few, but
-- every clock written stopped, as an import writes them, passes through).
-- Apart from sla_clock_open_idx, so that the clocks a bulk load writes
-- stopped, folded at once, leave that covering index small.
CREATE INDEX sla_clock_unfolded_idx ON @extschema@.sla_clock (started_at)
    WHERE NOT folded AND stopped_at IS NOT NULL;

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
CREATE INDEX sla_clock_lead_idx ON @extschema@.sla_clock (lead_table, lead_id) WHERE stopped_at IS NULL;
COMMENT ON TABLE @extschema@.sla_clock IS
    'One SLA clock per stage entry and policy: when it started, when it is due, and what stopped it';

-- pg_dump keeps the policies users added, and every clock.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sla_policy', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sla_clock', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sla_clock_id_seq', '');

CREATE FUNCTION @extschema@._check_sla_policy()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $check$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.builtin THEN
        RAISE EXCEPTION 'leadqual: SLA policy "%" is built in and cannot be changed or dropped', OLD.name
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('Add a policy of your own for stage %s; the built-in one applies only while none of yours watches that stage.', OLD.stage);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.stage <> OLD.stage
       AND EXISTS (SELECT FROM @extschema@.sla_clock AS c WHERE c.policy = OLD.name) THEN
        RAISE EXCEPTION 'leadqual: SLA policy "%" has clocks for stage %; its stage cannot change', OLD.name, OLD.stage
            USING ERRCODE = 'object_in_use',
                  HINT = 'Deactivate it (active = false) and add a policy for the other stage.';
    END IF;
    IF NEW.builtin THEN
        RAISE EXCEPTION 'leadqual: SLA policy "%" cannot be marked builtin', NEW.name
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only the policy leadqual ships is built in; leave builtin false.';
    END IF;
    IF NEW.name !~ '^[a-z][a-z0-9_]*$' OR length(NEW.name) > 63 THEN
        RAISE EXCEPTION 'leadqual: invalid SLA policy name "%"', NEW.name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A policy name is lower-case letters, digits and underscores, starting with a letter, at most 63 characters.';
    END IF;
    IF NEW.target <= interval '0' OR pg_catalog.date_part('month', NEW.target) <> 0
       OR pg_catalog.date_part('year', NEW.target) <> 0 THEN
        RAISE EXCEPTION 'leadqual: SLA policy "%" has target %, expected a positive amount of business time without months', NEW.name, NEW.target
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example target = ''4 hours''; a day counts 24 hours of business time.';
    END IF;
    -- in hours, as business time is counted: '1 day' is kept as '24:00:00'
    NEW.target := NEW.target - make_interval(days => pg_catalog.date_part('day', NEW.target)::integer)
                  + make_interval(hours => 24 * pg_catalog.date_part('day', NEW.target)::integer);
    RETURN NEW;
END
$check$;

CREATE TRIGGER check_sla_policy BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.sla_policy
    FOR EACH ROW EXECUTE FUNCTION @extschema@._check_sla_policy();

CREATE TRIGGER policies_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.sla_policy
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._cached_table_changed();

------------------------------------------------------------------------------
-- Clocks and owners at stage changes (called by the triggers, as the owner)
------------------------------------------------------------------------------

-- The policies watching a stage (NULL: any stage): the active ones of
-- users, or the built-in one while users have none (active or not) for its
-- stage; an inactive policy of one's own switches the SLA for a stage off.
-- No SET search_path, so that callers inline it (a SQL function with SET is
-- planned on every call); every name is qualified.  src/handoff.c writes
-- the same query out (policies_query): keep the two alike.
CREATE FUNCTION @extschema@._policies_in_force(stage @extschema@.lifecycle_stage)
RETURNS SETOF @extschema@.sla_policy
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT p.* FROM @extschema@.sla_policy AS p
    WHERE ($1 IS NULL OR p.stage OPERATOR(pg_catalog.=) $1) AND p.active
      AND (NOT p.builtin OR NOT EXISTS (SELECT FROM @extschema@.sla_policy AS u
                                        WHERE u.stage OPERATOR(pg_catalog.=) p.stage AND NOT u.builtin))
$$;

------------------------------------------------------------------------------
-- Touches
------------------------------------------------------------------------------

-- touch() on the coordinator, for a table Citus distributes: the touch is
-- inserted, as the caller, beside the lead's row, on its shard, whose
-- trigger there stops its clocks (src/handoff.c, src/citus_shards.c).
CREATE FUNCTION @extschema@._touch_beside_lead(leads regclass, lead_id text, kind text,
                                               at timestamptz, actor text)
RETURNS bigint
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_touch_beside_lead';

-- The id comes from the sequence, not from RETURNING: see track().
CREATE FUNCTION @extschema@.touch(
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
COMMENT ON FUNCTION @extschema@.touch(regclass, text, text, timestamptz, text) IS
    'Record a sales activity on a lead; the first one after an SLA clock starts stops it';

-- Checks that the caller may UPDATE every table the touches name (touches
-- stop SLA clocks) and, as the caller, locks each touched lead's row FOR
-- SHARE: the caller must be able to see the lead, and a promotion still in
-- progress holds the row, so the touch waits for that clock to commit and
-- then stops it, rather than missing it.  Then it stops the lead's clocks
-- that a first touch stops, as the extension's owner.  Touches of tables
-- leadqual doesn't manage are only stored.  In C so that it knows the
-- caller without SECURITY DEFINER.  (Until 0.4.0 a PL/pgSQL function,
-- _stop_touched_clocks(), locked the leads as the owner.)
CREATE FUNCTION @extschema@._apply_touches(touch_ids bigint[])
RETURNS void
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_apply_touches';

-- After touches are inserted, by touch() or in bulk: check the caller may
-- write the leads, then stop their clocks.  Touches of a table leadqual
-- doesn't manage are only stored: pg_restore loads them before it
-- re-creates the leads tables' triggers.  (Stopping clocks again on restore
-- changes nothing: a touch stopped its clocks when it was first recorded.)
-- On a shard of the table, where Citus distributes it, each touch stops
-- its lead's clocks beside its row.  C since 0.5.0, PL/pgSQL before.
CREATE FUNCTION @extschema@._touches_recorded()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_touches_recorded';

CREATE TRIGGER touches_recorded AFTER INSERT ON @extschema@.touch
    REFERENCING NEW TABLE AS new_touches
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._touches_recorded();

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
