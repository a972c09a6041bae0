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
    calendar         text REFERENCES @extschema@.calendar (name) ON UPDATE CASCADE
);
COMMENT ON TABLE @extschema@.owner IS
    'Sales reps leads are assigned to, round-robin by weight, at promotion; a calendar limits them to their working hours';

-- Round-robin's bookkeeping (see _assign_owner()): each turn an owner took,
-- as an interval on the shared line.  Turns are inserted, not counted in
-- the owner rows: a bulk promotion in one transaction would otherwise leave
-- a chain of row versions to walk on every pick.  A turn is taken before
-- its row is written and confirmed once it is; one left unconfirmed after
-- its statement (a row INSERT ... ON CONFLICT skipped) is deleted by the
-- next pick of a later statement, so it doesn't count.
CREATE TABLE @extschema@.owner_turn (
    id           bigserial PRIMARY KEY,
    owner        text NOT NULL REFERENCES @extschema@.owner (name) ON UPDATE CASCADE ON DELETE CASCADE,
    turn_start   numeric NOT NULL,
    turn_end     numeric NOT NULL,
    taken_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    statement_at timestamptz NOT NULL DEFAULT pg_catalog.statement_timestamp(),
    confirmed    boolean NOT NULL DEFAULT false,
    -- a turn another transaction is taking, uncommitted, as a promotion
    -- that saw its owner held counts it for the rest of its statement
    held_elsewhere boolean NOT NULL DEFAULT false
);
CREATE INDEX owner_turn_owner_idx ON @extschema@.owner_turn (owner, id);
CREATE INDEX owner_turn_unconfirmed_idx ON @extschema@.owner_turn (statement_at) WHERE NOT confirmed;
COMMENT ON TABLE @extschema@.owner_turn IS
    'The turns owners took in round-robin assignment, newest last; leadqual.assignment logs what the leads got';

CREATE TYPE @extschema@.assignment_via AS ENUM ('round_robin', 'manual');

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
CREATE TYPE @extschema@.sla_stopped_by AS ENUM ('touch', 'stage_exit');

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
    UNIQUE (entry_id, policy),
    CONSTRAINT sla_clock_stopped CHECK ((stopped_at IS NULL) = (stopped_by IS NULL)
                                        AND (stopped_at IS NULL) = (business_time IS NULL))
);
-- An owner's open clocks by due time: open breaches come from this index.
CREATE INDEX sla_clock_open_idx ON @extschema@.sla_clock (owner, due_at) WHERE stopped_at IS NULL;
CREATE INDEX sla_clock_late_idx ON @extschema@.sla_clock (owner, stopped_at) WHERE stopped_at > due_at;

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
-- planned on every call); every name is qualified.
CREATE FUNCTION @extschema@._policies_in_force(stage @extschema@.lifecycle_stage)
RETURNS SETOF @extschema@.sla_policy
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT p.* FROM @extschema@.sla_policy AS p
    WHERE ($1 IS NULL OR p.stage OPERATOR(pg_catalog.=) $1) AND p.active
      AND (NOT p.builtin OR NOT EXISTS (SELECT FROM @extschema@.sla_policy AS u
                                        WHERE u.stage OPERATOR(pg_catalog.=) p.stage AND NOT u.builtin))
$$;

-- Stops a lead's open clocks that the event stops, as of "at", and returns
-- how many.  business_time is fixed here, by the calendar the clock started
-- with.
-- (PL/pgSQL rather than SQL: it keeps its plan between calls.)
--
-- enable_seqscan = off, here and on the other functions the triggers call
-- per row: their plans are kept for the session, and one made while the
-- clocks or turns were few (a new install, an ANALYZE of empty tables) would
-- scan the whole table on every call even once a bulk promotion has filled
-- it.  Their growing tables all have an index to use; the small ones
-- (policies) are scanned anyway, at a cost estimate so high that jit must be
-- off, or it would compile every call.
CREATE FUNCTION @extschema@._stop_clocks(leads regclass, lead_id text, stopped_by @extschema@.sla_stopped_by,
                                         at timestamptz, stage @extschema@.lifecycle_stage, touch_id bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET enable_seqscan = off
SET jit = off
AS $stop$
DECLARE
    stopped bigint;
BEGIN
    UPDATE @extschema@.sla_clock AS c
    SET stopped_at = _stop_clocks.at, stopped_by = _stop_clocks.stopped_by, touch_id = _stop_clocks.touch_id,
        business_time = @extschema@.business_time_between(c.calendar, c.started_at, _stop_clocks.at)
    WHERE c.lead_table = leads AND c.lead_id = _stop_clocks.lead_id AND c.stopped_at IS NULL
      AND c.started_at <= _stop_clocks.at
      AND CASE _stop_clocks.stopped_by
              WHEN 'touch' THEN c.stops_on IN ('first_touch', 'either')
              ELSE c.stops_on IN ('stage_exit', 'either') AND c.stage = _stop_clocks.stage END;
    GET DIAGNOSTICS stopped = ROW_COUNT;
    RETURN stopped;
END
$stop$;

-- Starts the clocks of the policies watching the stage a lead entered (the
-- transition entry_id, at entered_at), that start the way "starting" says,
-- as of started_at.  A touch already recorded at or after the start stops
-- the clock at once.
CREATE FUNCTION @extschema@._start_clocks(leads regclass, lead_id text, stage @extschema@.lifecycle_stage,
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

-- Called by log_transition() after a lead's owner changed: logs the
-- assignment, hands its open clocks to the new owner, and starts the
-- clocks that start on assignment.
CREATE FUNCTION @extschema@._owner_changed(leads regclass, lead_id text, owner text,
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

-- Picks the owner of a lead being handed to sales, by weighted
-- round-robin, and takes the turn.  No row: the lead keeps the owner it
-- has, or stays without one when nobody is available.  One row: the new
-- owner and the turn (to confirm once the row is written); the owner is
-- NULL, with no turn, when the lead's owner rejected it before and nobody
-- else is available, because a lead never goes back to a rep who rejected
-- it.  Called by qualify() (as the extension's owner).
--
-- Start-time fair queueing: each owner's turns are intervals of length
-- 1/weight on a shared line.  An owner's next turn starts where its last
-- one ended, but not before the latest turn of anyone started, so an owner
-- who was away (or is new) joins at the current pace instead of making up
-- for lost time in a burst.  The earliest-starting next turn wins; ties go
-- to the shorter turn (the heavier owner), then the name.  With equal
-- weights that is plain round-robin; over time each owner's share is its
-- weight's.
--
-- Concurrent promotions never wait for each other here, so none can
-- deadlock, whatever mix of bulk and single-row statements runs.  The turn
-- taken locks its owner's row FOR NO KEY UPDATE SKIP LOCKED, which never
-- waits (and, unlike FOR UPDATE, lets the foreign-key checks of turns
-- through).  A candidate whose row another transaction holds is taking a
-- turn there that this one cannot see until it commits: the promotion
-- counts one such turn for it, as a row held_elsewhere for the rest of its
-- statement, and looks again.  A candidate still first although counted so
-- gets the turn without the lock.  So concurrent promotions share the
-- owners out as if one after the other, a turn rolled back is given back
-- with its lock, and the turns of other transactions are counted only
-- once committed: the shares stay even within about the number of
-- promotions made alongside a bulk UPDATE.  Turns no statement confirmed
-- (the rows held_elsewhere, and those of rows an INSERT ... ON CONFLICT
-- skipped) count only in their own statement.
CREATE FUNCTION @extschema@._assign_owner(leads regclass, lead_id text, current_owner text)
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
-- Touches
------------------------------------------------------------------------------

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
-- with _stop_clocks(), as the extension's owner.  Touches of tables
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
CREATE FUNCTION @extschema@._touches_recorded()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $touches$
BEGIN
    PERFORM @extschema@._apply_touches(ARRAY(SELECT n.id FROM new_touches AS n));
    RETURN NULL;
END
$touches$;

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
