-- Case e's baseline: business time the way it is usually written in plain
-- SQL, walking the calendar's local days with generate_series, intersecting
-- each day's windows with the span and taking the holidays out.  It reads
-- leadqual's own calendar tables, so both count on the same calendar.  For
-- the benchmark only; never installed.
--
-- It is a baseline, not a product: right on ordinary days, away from
-- daylight-saving changes (a wall-clock time that does not exist or exists
-- twice is whatever AT TIME ZONE makes of it).  It does not merge windows
-- that overlap one another, nor holidays of one day that overlap; it takes
-- a holiday out only from the windows that open on the holiday's own date
-- (not from an overnight window of the day before that runs into it); and
-- add() counts forward only.
CREATE SCHEMA IF NOT EXISTS bench;

-- The business time in [t0, t1), negative when t1 is earlier.  One row per
-- local day (from the day before the span, whose overnight windows may
-- reach into it) and window of that day; each window's overlap with the
-- span, minus the overlap with a holiday on that day.
CREATE FUNCTION bench.sql_business_time_between(cal text, t0 timestamptz, t1 timestamptz)
RETURNS interval
LANGUAGE sql STABLE STRICT
AS $$
SELECT CASE WHEN t1 < t0 THEN -1 ELSE 1 END
       * COALESCE(sum(greatest(least(s.span_end, w.closes_at) - greatest(s.span_start, w.opens_at), interval '0')
                      - CASE WHEN ho.day IS NULL THEN interval '0'
                             ELSE greatest(least(s.span_end, w.closes_at,
                                                 (d.local_day + ho.closed_until) AT TIME ZONE c.time_zone)
                                           - greatest(s.span_start, w.opens_at,
                                                      (d.local_day + ho.closed_from) AT TIME ZONE c.time_zone),
                                           interval '0') END),
                  interval '0')
FROM (SELECT least(t0, t1) AS span_start, greatest(t0, t1) AS span_end) AS s
JOIN leadqual.calendar AS c ON c.name = cal
CROSS JOIN LATERAL generate_series(((s.span_start AT TIME ZONE c.time_zone)::date - 1)::timestamp,
                                   (s.span_end AT TIME ZONE c.time_zone)::date::timestamp,
                                   interval '1 day') AS d(local_day)
JOIN leadqual.business_hours AS h
  ON h.calendar = c.name AND h.weekday = extract(isodow FROM d.local_day)
CROSS JOIN LATERAL (
    SELECT (d.local_day + h.opens) AT TIME ZONE c.time_zone AS opens_at,
           (d.local_day + h.closes + CASE WHEN h.closes <= h.opens THEN interval '1 day' ELSE interval '0' END)
               AT TIME ZONE c.time_zone AS closes_at
) AS w
LEFT JOIN leadqual.holiday AS ho ON ho.calendar = c.name AND ho.day = d.local_day::date;
$$;

-- The instant `amount` of business time counted from t0 runs out: walks
-- forward one local day at a time (at most ten years), through each day's
-- open stretches in order (a window, or the parts of it on either side of a
-- holiday), until the amount is used up.  NULL when it never is.
CREATE FUNCTION bench.sql_business_time_add(cal text, t0 timestamptz, amount interval)
RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT
AS $$
DECLARE
    tz        text;
    local_day date;
    -- seconds, so that a '1 day' amount is 24 hours whatever the session's
    -- time zone does to timestamptz + interval '1 day'
    remaining numeric := extract(epoch FROM amount);
    seg       record;
    seg_start timestamptz;
    seg_secs  numeric;
BEGIN
    IF remaining < 0 THEN
        RAISE EXCEPTION 'bench.sql_business_time_add counts forward only';
    ELSIF remaining = 0 THEN
        RETURN t0;
    END IF;
    SELECT c.time_zone INTO STRICT tz FROM leadqual.calendar AS c WHERE c.name = cal;
    local_day := (t0 AT TIME ZONE tz)::date - 1;
    FOR i IN 0 .. 3660 LOOP
        FOR seg IN
            SELECT p.part_start, p.part_end
            FROM leadqual.business_hours AS h
            CROSS JOIN LATERAL (
                SELECT (local_day + h.opens) AT TIME ZONE tz AS opens_at,
                       (local_day + h.closes + CASE WHEN h.closes <= h.opens THEN interval '1 day' ELSE interval '0' END)
                           AT TIME ZONE tz AS closes_at
            ) AS w
            LEFT JOIN leadqual.holiday AS ho ON ho.calendar = cal AND ho.day = local_day
            CROSS JOIN LATERAL (VALUES
                (w.opens_at, least(w.closes_at, COALESCE((local_day + ho.closed_from) AT TIME ZONE tz, 'infinity'))),
                (greatest(w.opens_at, COALESCE((local_day + ho.closed_until) AT TIME ZONE tz, 'infinity')), w.closes_at)
            ) AS p(part_start, part_end)
            WHERE h.calendar = cal AND h.weekday = extract(isodow FROM local_day)
              AND p.part_end > p.part_start
            ORDER BY p.part_start
        LOOP
            seg_start := greatest(seg.part_start, t0);
            CONTINUE WHEN seg.part_end <= seg_start;
            seg_secs := extract(epoch FROM seg.part_end - seg_start);
            IF seg_secs >= remaining THEN
                RETURN seg_start + make_interval(secs => remaining);
            END IF;
            remaining := remaining - seg_secs;
        END LOOP;
        local_day := local_day + 1;
    END LOOP;
    RETURN NULL;
END
$$;
