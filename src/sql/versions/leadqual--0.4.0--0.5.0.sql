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
