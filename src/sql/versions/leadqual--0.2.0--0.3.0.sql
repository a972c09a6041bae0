-- leadqual 0.2.0 -> 0.3.0: the handoff.  Business calendars and business-time
-- arithmetic, SLA policies and their clocks, touches, owner assignment by
-- weighted round-robin, a NOTIFY per promotion, and the SLA and funnel
-- reports.

\echo Use "ALTER EXTENSION leadqual UPDATE TO '0.3.0'" to load this file. \quit

------------------------------------------------------------------------------
-- Business calendars
------------------------------------------------------------------------------

CREATE TABLE @extschema@.calendar (
    name        text PRIMARY KEY,
    time_zone   text NOT NULL,
    description text,
    builtin     boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.calendar IS
    'Business calendars: a time zone, weekly hours (leadqual.business_hours) and holidays (leadqual.holiday)';

-- Local wall-clock time.  A window that closes at or before it opens runs
-- overnight into the next day; one that closes when it opens runs 24 hours.
CREATE TABLE @extschema@.business_hours (
    calendar text NOT NULL REFERENCES @extschema@.calendar (name)
                 ON UPDATE CASCADE ON DELETE CASCADE,
    weekday  smallint NOT NULL
             CONSTRAINT business_hours_weekday_iso CHECK (weekday BETWEEN 1 AND 7),
    opens    time NOT NULL
             CONSTRAINT business_hours_opens_in_day CHECK (opens < '24:00'),
    closes   time NOT NULL,
    builtin  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (calendar, weekday, opens)
);
COMMENT ON TABLE @extschema@.business_hours IS
    'Weekly working windows of each calendar, in its local time: weekday 1 = Monday .. 7 = Sunday; closes <= opens runs overnight';

-- Whole days by default; a partial holiday closes [closed_from, closed_until).
CREATE TABLE @extschema@.holiday (
    calendar     text NOT NULL REFERENCES @extschema@.calendar (name)
                     ON UPDATE CASCADE ON DELETE CASCADE,
    day          date NOT NULL
                 CONSTRAINT holiday_day_finite CHECK (pg_catalog.isfinite(day)),
    closed_from  time NOT NULL DEFAULT '00:00',
    closed_until time NOT NULL DEFAULT '24:00',
    description  text,
    builtin      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (calendar, day, closed_from),
    CONSTRAINT holiday_closes_something CHECK (closed_from < closed_until)
);
COMMENT ON TABLE @extschema@.holiday IS
    'Days, or parts of days, a calendar is closed, in its local time; overlapping ones on a day merge';

INSERT INTO @extschema@.calendar (name, time_zone, description, builtin) VALUES
    ('24x7', 'UTC', 'Always open', true),
    ('weekdays_9_17', 'UTC', 'Monday to Friday, 09:00 to 17:00 UTC; copy it with your time zone', true);
INSERT INTO @extschema@.business_hours (calendar, weekday, opens, closes, builtin)
SELECT '24x7', d, time '00:00', time '24:00', true FROM pg_catalog.generate_series(1, 7) AS d
UNION ALL
SELECT 'weekdays_9_17', d, '09:00', '17:00', true FROM pg_catalog.generate_series(1, 5) AS d;


-- Validates a calendar.  Built-in calendars are read-only: pg_dump keeps only
-- users' rows, so a change to a built-in one would be lost.
CREATE FUNCTION @extschema@._check_calendar()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $check$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.builtin THEN
        RAISE EXCEPTION 'leadqual: calendar "%" is built in and cannot be changed or dropped', OLD.name
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('Copy it and change the copy: SELECT leadqual.copy_calendar(%L, ''my_calendar'', time_zone => ''America/New_York'');', OLD.name);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.builtin THEN
        RAISE EXCEPTION 'leadqual: calendar "%" cannot be marked builtin', NEW.name
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only the calendars leadqual ships are built in; leave builtin false.';
    END IF;
    IF NEW.name !~ '^[A-Za-z0-9][A-Za-z0-9_.-]*$' OR length(NEW.name) > 63 THEN
        RAISE EXCEPTION 'leadqual: invalid calendar name "%"', NEW.name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A calendar name is letters, digits, ".", "-" and "_", starting with a letter or digit, at most 63 characters.';
    END IF;
    PERFORM @extschema@._check_time_zone(NEW.time_zone, NEW.name);
    RETURN NEW;
END
$check$;

-- Validates a row of business_hours or holiday: the calendar must be a
-- user's.
CREATE FUNCTION @extschema@._check_calendar_row()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $check$
DECLARE
    what text := CASE TG_TABLE_NAME WHEN 'holiday' THEN 'holidays' ELSE 'business hours' END;
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

CREATE FUNCTION @extschema@._check_time_zone(time_zone text, calendar text)
RETURNS void
LANGUAGE c STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_check_time_zone';

CREATE TRIGGER check_calendar BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.calendar
    FOR EACH ROW EXECUTE FUNCTION @extschema@._check_calendar();
CREATE TRIGGER check_calendar_row BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.business_hours
    FOR EACH ROW EXECUTE FUNCTION @extschema@._check_calendar_row();
CREATE TRIGGER check_calendar_row BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.holiday
    FOR EACH ROW EXECUTE FUNCTION @extschema@._check_calendar_row();

-- Backends cache calendars (src/calendar.c) and which stages policies
-- watch (src/handoff.c); any change to their tables sends the relcache
-- invalidation that drops them.
CREATE FUNCTION @extschema@._cached_table_changed()
RETURNS trigger
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'leadqual_cached_table_changed';

CREATE TRIGGER calendars_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.calendar
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._cached_table_changed();
CREATE TRIGGER calendars_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.business_hours
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._cached_table_changed();
CREATE TRIGGER calendars_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.holiday
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._cached_table_changed();

CREATE FUNCTION @extschema@.copy_calendar(source text, target text, time_zone text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $copy$
BEGIN
    IF source IS NULL OR target IS NULL THEN
        RAISE EXCEPTION 'leadqual.copy_calendar: source and target must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Name the calendar to copy and the new one; leave time_zone out to keep the source''s.';
    END IF;
    IF NOT EXISTS (SELECT FROM @extschema@.calendar AS c WHERE c.name = source) THEN
        RAISE EXCEPTION 'leadqual.copy_calendar: calendar "%" does not exist', source
            USING ERRCODE = 'undefined_object',
                  HINT = 'leadqual.calendar lists the calendars.';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.calendar AS c WHERE c.name = target) THEN
        RAISE EXCEPTION 'leadqual.copy_calendar: calendar "%" already exists', target
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Pick another name, or drop it first: DELETE FROM leadqual.calendar WHERE name = ...';
    END IF;
    INSERT INTO @extschema@.calendar (name, time_zone, description)
    SELECT target, COALESCE(copy_calendar.time_zone, c.time_zone), format('Copy of %s', c.name)
    FROM @extschema@.calendar AS c WHERE c.name = source;
    INSERT INTO @extschema@.business_hours (calendar, weekday, opens, closes)
    SELECT target, h.weekday, h.opens, h.closes FROM @extschema@.business_hours AS h WHERE h.calendar = source;
    INSERT INTO @extschema@.holiday (calendar, day, closed_from, closed_until, description)
    SELECT target, h.day, h.closed_from, h.closed_until, h.description FROM @extschema@.holiday AS h WHERE h.calendar = source;
END
$copy$;
COMMENT ON FUNCTION @extschema@.copy_calendar(text, text, text) IS
    'Copy a calendar, its hours and its holidays under a new name, optionally in another time zone';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.business_hours', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.holiday', 'WHERE NOT builtin');

------------------------------------------------------------------------------
-- Business time (src/calendar.c over the plain-C core src/business_time.c)
------------------------------------------------------------------------------

-- STABLE: they read the calendar tables (through a per-backend cache).  No
-- SET search_path: a SET clause sends every call through the GUC save and
-- restore, which measured about three times the cost of the arithmetic
-- itself, and these functions resolve nothing through search_path (their
-- queries name every table and operator with its schema).
CREATE FUNCTION @extschema@.business_time_between(calendar text, "from" timestamptz, "to" timestamptz)
RETURNS interval
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_business_time_between';
COMMENT ON FUNCTION @extschema@.business_time_between(text, timestamptz, timestamptz) IS
    'Business time of the calendar from "from" to "to", in hours, minutes and seconds; negative when "to" is earlier';

CREATE FUNCTION @extschema@.business_time_add(calendar text, "from" timestamptz, amount interval)
RETURNS timestamptz
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_business_time_add';
COMMENT ON FUNCTION @extschema@.business_time_add(text, timestamptz, interval) IS
    'The instant the amount of business time counted from "from" runs out (backwards for a negative amount): a due time';

CREATE FUNCTION @extschema@.is_business_time(calendar text, at timestamptz)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_is_business_time';
COMMENT ON FUNCTION @extschema@.is_business_time(text, timestamptz) IS
    'Whether the calendar is open at that instant';

CREATE FUNCTION @extschema@.next_business_time(calendar text, at timestamptz)
RETURNS timestamptz
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_next_business_time';
COMMENT ON FUNCTION @extschema@.next_business_time(text, timestamptz) IS
    'The first instant at or after "at" when the calendar is open; NULL if it never opens';

-- The same for the stage functions of 0.1.0, which the funnel report calls
-- twice for every logged change: they resolve no names either.
ALTER FUNCTION @extschema@.funnel_rank(@extschema@.lifecycle_stage) RESET search_path;
ALTER FUNCTION @extschema@.is_funnel_stage(@extschema@.lifecycle_stage) RESET search_path;

REVOKE ALL ON @extschema@.calendar, @extschema@.business_hours, @extschema@.holiday FROM PUBLIC;
GRANT SELECT ON @extschema@.calendar, @extschema@.business_hours, @extschema@.holiday TO PUBLIC;

------------------------------------------------------------------------------
-- Owners, touches and the owner on the log
------------------------------------------------------------------------------

-- The owner a lead had when it changed stage: rejection_summary counts by
-- it, and round-robin never hands a lead back to an owner who rejected it.
ALTER TABLE @extschema@.transition ADD COLUMN owner text;

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
    confirmed    boolean NOT NULL DEFAULT false
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
    policy        text NOT NULL REFERENCES @extschema@.sla_policy (name) ON UPDATE CASCADE,
    lead_table    regclass NOT NULL,
    lead_id       text NOT NULL,
    stage         @extschema@.lifecycle_stage NOT NULL,
    entry_id      bigint NOT NULL,
    entered_at    timestamptz NOT NULL,
    owner         text,
    started_at    timestamptz NOT NULL,
    target        interval NOT NULL,
    calendar      text NOT NULL REFERENCES @extschema@.calendar (name) ON UPDATE CASCADE,
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
CREATE INDEX sla_clock_lead_idx ON @extschema@.sla_clock (lead_table, lead_id) WHERE stopped_at IS NULL;
COMMENT ON TABLE @extschema@.sla_clock IS
    'One SLA clock per stage entry and policy: when it started, when it is due, and what stopped it';

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

-- Called by log_transition() (as the extension's owner) after it logs a
-- stage change that a policy watches: stops the clocks leaving the stage
-- stops and starts the new stage's.  (log_transition() itself announces
-- promotions on channel "leadqual", with Async_Notify().)
CREATE FUNCTION @extschema@._stage_changed(leads regclass, lead_id text,
                                           from_stage @extschema@.lifecycle_stage,
                                           to_stage @extschema@.lifecycle_stage,
                                           transition_id bigint, at timestamptz, owner text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $changed$
BEGIN
    IF from_stage IS NOT NULL THEN
        PERFORM @extschema@._stop_clocks(leads, lead_id, 'stage_exit', at, from_stage, NULL);
    END IF;
    PERFORM @extschema@._start_clocks(leads, lead_id, to_stage, transition_id, at, owner, at,
                                      CASE WHEN owner IS NULL THEN '{stage_entry}'
                                           ELSE '{stage_entry,owner_assignment}' END::@extschema@.sla_start[]);
END
$changed$;

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
    entry record;
BEGIN
    INSERT INTO @extschema@.assignment (lead_table, lead_id, owner, assigned_at, assigned_by, via)
    VALUES (leads, lead_id, owner, at, changed_by, via);
    -- the round-robin turn the row was written with counts
    UPDATE @extschema@.owner_turn AS t SET confirmed = true WHERE t.id = turn_id;
    UPDATE @extschema@.sla_clock AS c SET owner = _owner_changed.owner
    WHERE c.lead_table = leads AND c.lead_id = _owner_changed.lead_id AND c.stopped_at IS NULL
      AND c.owner IS DISTINCT FROM _owner_changed.owner;
    IF owner IS NULL THEN
        RETURN;
    END IF;
    SELECT t.id, t.to_stage, t.changed_at INTO entry
    FROM @extschema@.transition AS t
    WHERE t.lead_table = leads AND t.lead_id = _owner_changed.lead_id
    ORDER BY t.id DESC LIMIT 1;
    IF FOUND THEN
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
-- Every active owner is locked first, in name order: concurrent promotions
-- take turns (waiting until the other commits) and can't deadlock, and the
-- queries after the lock see the turns they took.
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
    PERFORM FROM @extschema@.owner AS o WHERE o.active ORDER BY o.name FOR UPDATE;
    -- (a bulk promotion's own turns are confirmed only at the end of its
    -- statement: this skips them through the index)
    DELETE FROM @extschema@.owner_turn AS t
    WHERE NOT t.confirmed AND t.statement_at < statement_timestamp();
    latest_start := COALESCE((SELECT t.turn_start FROM @extschema@.owner_turn AS t
                              ORDER BY t.id DESC LIMIT 1), 0);
    WITH pool AS (
        SELECT o.name, o.weight, o.calendar,
               greatest(COALESCE(last.turn_end, 0), latest_start) AS next_start
        FROM @extschema@.owner AS o
        LEFT JOIN LATERAL (SELECT t.turn_end FROM @extschema@.owner_turn AS t
                           WHERE t.owner = o.name ORDER BY t.id DESC LIMIT 1) AS last ON true
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
    IF NOT FOUND THEN
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
    -- took and committed while this one waited for the locks.  Updating
    -- the owner makes the next such transaction fail with a serialization
    -- error instead of repeating the pick.  (Not under READ COMMITTED,
    -- where it would only leave row versions behind.)
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        UPDATE @extschema@.owner AS o SET active = o.active WHERE o.name = chosen.name;
    END IF;
    owner := chosen.name;
    RETURN NEXT;
END
$assign$;

------------------------------------------------------------------------------
-- Touches
------------------------------------------------------------------------------

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
    INSERT INTO @extschema@.touch (lead_table, lead_id, kind, touched_at, actor)
    VALUES (leads, lead_id, kind, at, actor)
    RETURNING id INTO touch_id;
    RETURN touch_id;
END
$touch$;
COMMENT ON FUNCTION @extschema@.touch(regclass, text, text, timestamptz, text) IS
    'Record a sales activity on a lead; the first one after an SLA clock starts stops it';

-- Stops the clocks the touches stop, as the extension's owner (the roles
-- that touch leads may not write the clocks).  Each touched lead's row is
-- locked FOR SHARE first: a promotion still in progress holds it, so the
-- touch waits for that clock to commit and then stops it, rather than
-- missing it.  Touches of tables not managed (as when pg_restore loads them
-- before the triggers exist) are only stored.  Only _apply_touches() calls
-- it, after checking the caller may write every touched table.
CREATE FUNCTION @extschema@._stop_touched_clocks(touch_ids bigint[])
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET enable_seqscan = off
SET jit = off
AS $apply$
DECLARE
    t record;
    found_lead boolean;
BEGIN
    FOR t IN
        SELECT o.id, o.lead_table, o.lead_id, o.touched_at, m.id_column,
               (SELECT a.atttypid::regtype FROM pg_attribute AS a
                WHERE a.attrelid = o.lead_table AND a.attname = m.id_column) AS id_type
        FROM @extschema@.touch AS o
        JOIN @extschema@.managed AS m ON m.leads = o.lead_table
        WHERE o.id = ANY (touch_ids)
        ORDER BY o.touched_at, o.id
    LOOP
        BEGIN
            EXECUTE format('SELECT true FROM %s WHERE %I = $1::%s FOR SHARE',
                           t.lead_table, t.id_column, t.id_type)
                INTO found_lead USING t.lead_id;
        EXCEPTION WHEN data_exception THEN
            found_lead := false;
        END;
        IF found_lead IS NOT TRUE THEN
            RAISE EXCEPTION 'leadqual: lead "%" of table % does not exist', t.lead_id, t.lead_table
                USING ERRCODE = 'no_data_found',
                      HINT = 'Touch an existing lead, by its id as text.';
        END IF;
        PERFORM @extschema@._stop_clocks(t.lead_table, t.lead_id, 'touch', t.touched_at, NULL, t.id);
    END LOOP;
END
$apply$;

-- Checks that the caller may write every table the touches name (touches
-- stop SLA clocks), then runs _stop_touched_clocks() as the extension's
-- owner.  In C so that it knows the caller without SECURITY DEFINER.
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
-- Reports
------------------------------------------------------------------------------

CREATE TYPE @extschema@.sla_state AS ENUM ('open', 'open_breached', 'met', 'breached');

-- statement_timestamp() is "now": open clocks are measured up to it.
CREATE VIEW @extschema@.sla_status AS
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
       CASE WHEN c.stopped_at IS NOT NULL
            THEN CASE WHEN c.due_at IS NULL OR c.stopped_at OPERATOR(pg_catalog.<=) c.due_at
                      THEN 'met' ELSE 'breached' END
            WHEN c.due_at OPERATOR(pg_catalog.<) pg_catalog.statement_timestamp() THEN 'open_breached'
            ELSE 'open' END::@extschema@.sla_state AS state
FROM @extschema@.sla_clock AS c;
COMMENT ON VIEW @extschema@.sla_status IS
    'Every SLA clock: owner, start, due time, stop, business time used (so far, when open) and state';

-- Two arms, so that each filter reaches its partial index: an owner's open
-- breaches come from sla_clock_open_idx.
CREATE VIEW @extschema@.sla_breaches AS
SELECT c.id AS clock_id, c.policy, c.lead_table, c.lead_id, c.stage, c.owner,
       c.started_at, c.due_at, c.stopped_at,
       'open_breached'::@extschema@.sla_state AS state,
       @extschema@.business_time_between(c.calendar, c.started_at, pg_catalog.statement_timestamp())
           OPERATOR(pg_catalog.-) c.target AS late_by
FROM @extschema@.sla_clock AS c
WHERE c.stopped_at IS NULL AND c.due_at OPERATOR(pg_catalog.<) pg_catalog.statement_timestamp()
UNION ALL
SELECT c.id, c.policy, c.lead_table, c.lead_id, c.stage, c.owner,
       c.started_at, c.due_at, c.stopped_at,
       'breached'::@extschema@.sla_state,
       c.business_time OPERATOR(pg_catalog.-) c.target
FROM @extschema@.sla_clock AS c
WHERE c.stopped_at OPERATOR(pg_catalog.>) c.due_at;
COMMENT ON VIEW @extschema@.sla_breaches IS
    'SLA clocks stopped late or open past their due time, with how much business time past the target';

-- Weeks are ISO weeks (starting Monday) of the clock's start, in the
-- session's time zone.
CREATE VIEW @extschema@.sla_compliance AS
SELECT s.policy,
       s.owner,
       pg_catalog.date_trunc('week', s.started_at)::date AS week,
       pg_catalog.count(*) AS clocks,
       pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'met') AS met,
       pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) ANY ('{breached,open_breached}')) AS breached,
       pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'open') AS open,
       pg_catalog.round(100.0 OPERATOR(pg_catalog.*) pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.=) 'met')
                        OPERATOR(pg_catalog./) NULLIF(pg_catalog.count(*) FILTER (WHERE s.state OPERATOR(pg_catalog.<>) 'open'), 0), 1)
           AS pct_met,
       pg_catalog.avg(s.business_time) FILTER (WHERE s.stopped_by OPERATOR(pg_catalog.=) 'touch') AS avg_response,
       pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_time)
           FILTER (WHERE s.stopped_by OPERATOR(pg_catalog.=) 'touch') AS median_response,
       pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY s.business_time)
           FILTER (WHERE s.stopped_by OPERATOR(pg_catalog.=) 'touch') AS p90_response,
       pg_catalog.round(100.0 OPERATOR(pg_catalog.*) pg_catalog.count(*) FILTER (
                            WHERE s.stopped_by OPERATOR(pg_catalog.=) 'touch'
                              AND s.stopped_at OPERATOR(pg_catalog.-) s.started_at OPERATOR(pg_catalog.<=) interval '5 minutes')
                        OPERATOR(pg_catalog./) pg_catalog.count(*), 1) AS pct_touched_within_5_minutes
FROM @extschema@.sla_status AS s
GROUP BY s.policy, s.owner, pg_catalog.date_trunc('week', s.started_at)::date;
COMMENT ON VIEW @extschema@.sla_compliance IS
    'Per policy, owner and ISO week: clocks met, breached and open, % met, business response times, % touched within 5 minutes';

-- Cohort: the month of a lead's first logged stage, in the session's time
-- zone.  in_order counts a lead at every funnel stage up to the furthest it
-- reached (skipped stages count as reached); any counts it only at the
-- stages it really entered.
CREATE VIEW @extschema@.funnel AS
WITH per_lead AS (
    SELECT t.lead_table,
           pg_catalog.min(t.changed_at) AS first_at,
           pg_catalog.max(@extschema@.funnel_rank(t.to_stage)) AS furthest,
           pg_catalog.bit_or(1 OPERATOR(pg_catalog.<<) COALESCE(@extschema@.funnel_rank(t.to_stage), 0)) AS entered
    FROM @extschema@.transition AS t
    GROUP BY t.lead_table, t.lead_id
), shapes AS (
    SELECT p.lead_table, pg_catalog.date_trunc('month', p.first_at)::date AS cohort,
           p.furthest, p.entered, pg_catalog.count(*) AS leads
    FROM per_lead AS p
    GROUP BY 1, 2, 3, 4
), counts AS (
    SELECT s.lead_table, m.mode, s.cohort, f.stage, f.funnel_rank,
           COALESCE(pg_catalog.sum(s.leads) FILTER (
               WHERE CASE m.mode WHEN 'in_order' THEN s.furthest OPERATOR(pg_catalog.>=) f.funnel_rank
                                 ELSE s.entered OPERATOR(pg_catalog.&) (1 OPERATOR(pg_catalog.<<) f.funnel_rank)
                                      OPERATOR(pg_catalog.<>) 0 END), 0)::bigint AS reached
    FROM shapes AS s
    CROSS JOIN (VALUES ('in_order'), ('any')) AS m(mode)
    CROSS JOIN @extschema@.stages AS f
    WHERE f.funnel_rank IS NOT NULL
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
-- (weekdays_9_17 unless set).
CREATE VIEW @extschema@.stage_velocity AS
SELECT h.lead_table,
       h.stage AS from_stage,
       h.next_stage AS to_stage,
       pg_catalog.count(*) AS moves,
       pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY h.time_in_stage) AS median_time,
       pg_catalog.avg(h.time_in_stage) AS avg_time,
       pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY b.business_time) AS median_business_time,
       pg_catalog.avg(b.business_time) AS avg_business_time
FROM @extschema@.stage_history AS h
CROSS JOIN LATERAL (
    SELECT @extschema@.business_time_between(COALESCE(pg_catalog.current_setting('leadqual.report_calendar', true),
                                                      'weekdays_9_17'),
                                             h.entered_at, h.left_at) AS business_time
) AS b
WHERE h.next_stage IS NOT NULL
GROUP BY h.lead_table, h.stage, h.next_stage;
COMMENT ON VIEW @extschema@.stage_velocity IS
    'Per pair of consecutive stages: moves, and the median and average time from entering one to entering the next, wall-clock and business';

CREATE VIEW @extschema@.rejection_summary AS
SELECT t.lead_table,
       pg_catalog.date_trunc('month', t.changed_at)::date AS month,
       t.owner,
       t.reason,
       pg_catalog.count(*) AS rejections,
       pg_catalog.round(pg_catalog.count(*)::numeric OPERATOR(pg_catalog./)
                        pg_catalog.sum(pg_catalog.count(*)) OVER (PARTITION BY t.lead_table, pg_catalog.date_trunc('month', t.changed_at)), 4)
           AS share_of_month,
       pg_catalog.round(pg_catalog.count(*)::numeric OPERATOR(pg_catalog./)
                        pg_catalog.sum(pg_catalog.count(*)) OVER (PARTITION BY t.lead_table, pg_catalog.date_trunc('month', t.changed_at), t.owner), 4)
           AS share_of_owner
FROM @extschema@.transition AS t
WHERE t.to_stage OPERATOR(pg_catalog.=) ANY ('{recycled,disqualified}'::@extschema@.lifecycle_stage[])
GROUP BY t.lead_table, pg_catalog.date_trunc('month', t.changed_at), t.owner, t.reason;
COMMENT ON VIEW @extschema@.rejection_summary IS
    'Rejections (recycled or disqualified) per month, owner and reason, with their share of the month''s and of the owner''s';

------------------------------------------------------------------------------
-- manage() takes an owner column
------------------------------------------------------------------------------

DROP FUNCTION @extschema@.manage(regclass, name, name, name, numeric, @extschema@.lifecycle_stage, text);

CREATE FUNCTION @extschema@.manage(
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
          AND t.tgname IN ('leadqual_qualify', 'leadqual_log_insert', 'leadqual_log_update')
          AND t.tgfoid NOT IN ('@extschema@.qualify()'::regprocedure,
                               '@extschema@.log_transition()'::regprocedure)
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
                        THEN format(', %L', 'owner_column=' || owner_column) ELSE '' END;
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
    -- A model computes every score from now on, starting with the rows
    -- already there.
    IF model IS NOT NULL THEN
        PERFORM @extschema@._score_leads(leads, NULL, now(), false);
    END IF;
END
$manage$;
COMMENT ON FUNCTION @extschema@.manage(regclass, name, name, name, numeric, @extschema@.lifecycle_stage, text, name) IS
    'Attach leadqual to a leads table, or change its settings: a fixed threshold or a scoring model, and an owner column for round-robin assignment; history is kept';

-- The owner column, when there is one.
CREATE OR REPLACE VIEW @extschema@.managed AS
SELECT t.tgrelid::pg_catalog.regclass AS leads,
       (s.settings OPERATOR(pg_catalog.->>) 'id_column')::name AS id_column,
       (s.settings OPERATOR(pg_catalog.->>) 'score_column')::name AS score_column,
       (s.settings OPERATOR(pg_catalog.->>) 'stage_column')::name AS stage_column,
       COALESCE((s.settings OPERATOR(pg_catalog.->>) 'threshold')::numeric, m.threshold) AS threshold,
       COALESCE((s.settings OPERATOR(pg_catalog.->>) 'promote_to')::@extschema@.lifecycle_stage, m.promote_to) AS promote_to,
       (SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger AS e
        WHERE e.tgrelid OPERATOR(pg_catalog.=) t.tgrelid
          AND e.tgenabled OPERATOR(pg_catalog.<>) 'D'
          AND e.tgfoid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.qualify()'::pg_catalog.regprocedure,
                                                       '@extschema@.log_transition()'::pg_catalog.regprocedure]))
           OPERATOR(pg_catalog.=) 3 AS enabled,
       s.settings OPERATOR(pg_catalog.->>) 'model' AS model,
       (s.settings OPERATOR(pg_catalog.->>) 'owner_column')::name AS owner_column
FROM pg_catalog.pg_trigger AS t
CROSS JOIN LATERAL (
    SELECT pg_catalog.jsonb_object_agg(pg_catalog.split_part(a, '=', 1),
                                       pg_catalog.substr(a, pg_catalog.strpos(a, '=') OPERATOR(pg_catalog.+) 1))
    FROM pg_catalog.unnest(@extschema@.trigger_arguments(t.tgargs)) AS a
) AS s(settings)
LEFT JOIN @extschema@.model AS m
       ON m.name OPERATOR(pg_catalog.=) (s.settings OPERATOR(pg_catalog.->>) 'model')
WHERE t.tgfoid OPERATOR(pg_catalog.=) '@extschema@.qualify()'::pg_catalog.regprocedure
  AND t.tgparentid OPERATOR(pg_catalog.=) 0;

------------------------------------------------------------------------------
-- Privileges and pg_dump
------------------------------------------------------------------------------

-- Users' rows of the configuration tables, and all of the data tables.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sla_policy', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.owner', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.owner_turn', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.owner_turn_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.assignment', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.assignment_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.touch', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.touch_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sla_clock', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sla_clock_id_seq', '');

-- Configuration is the owner's (an administrator's) to change; leadqual's
-- triggers write the rest as the owner.  Everyone reads; touches are
-- recorded by anyone who may write the leads (checked by the trigger).
REVOKE ALL ON @extschema@.owner, @extschema@.owner_turn, @extschema@.assignment, @extschema@.touch,
              @extschema@.sla_policy, @extschema@.sla_clock FROM PUBLIC;
GRANT SELECT ON @extschema@.owner, @extschema@.owner_turn, @extschema@.assignment, @extschema@.touch,
                @extschema@.sla_policy, @extschema@.sla_clock TO PUBLIC;
GRANT INSERT ON @extschema@.touch TO PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.touch_id_seq TO PUBLIC;
-- The internal functions that write run as the extension's owner, called
-- by the triggers and by _apply_touches(); nobody else needs them.
REVOKE EXECUTE ON FUNCTION @extschema@._assign_owner(regclass, text, text),
                           @extschema@._stage_changed(regclass, text, @extschema@.lifecycle_stage,
                                                      @extschema@.lifecycle_stage, bigint, timestamptz, text),
                           @extschema@._owner_changed(regclass, text, text, @extschema@.assignment_via, text, bigint),
                           @extschema@._start_clocks(regclass, text, @extschema@.lifecycle_stage, bigint,
                                                     timestamptz, text, timestamptz, @extschema@.sla_start[]),
                           @extschema@._stop_clocks(regclass, text, @extschema@.sla_stopped_by, timestamptz,
                                                    @extschema@.lifecycle_stage, bigint),
                           @extschema@._stop_touched_clocks(bigint[])
    FROM PUBLIC;
GRANT SELECT ON @extschema@.sla_status, @extschema@.sla_breaches, @extschema@.sla_compliance,
                @extschema@.funnel, @extschema@.stage_velocity, @extschema@.rejection_summary TO PUBLIC;
