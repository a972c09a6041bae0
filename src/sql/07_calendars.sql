-- leadqual: business calendars and business time.  A calendar is a time
-- zone, weekly working hours and holidays; the business-time functions
-- count, add and look up time by it (src/calendar.c over the plain-C core).

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

-- The built-in calendars, inserted before the validation triggers below
-- exist: they refuse rows marked builtin.
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

-- pg_dump keeps the calendars users added, with their hours and holidays.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.business_hours', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.holiday', 'WHERE NOT builtin');

------------------------------------------------------------------------------
-- Business time (src/calendar.c over src/core/business_time.c)
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
