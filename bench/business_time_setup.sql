-- Case e: business time.  A New York calendar (a copy of weekdays_9_17,
-- Monday to Friday 09:00-17:00, in America/New_York) with the usual US
-- holidays of 2025 to 2027, the SQL baseline of bench/business_time_sql.sql,
-- and a check that the baseline agrees with leadqual away from the
-- daylight-saving changes: it stops the benchmark if it does not.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

SELECT leadqual.copy_calendar('weekdays_9_17', 'bench_new_york', time_zone => 'America/New_York');
INSERT INTO leadqual.holiday (calendar, day, description)
SELECT 'bench_new_york', day, description
FROM (VALUES ('2025-01-01'::date, 'New Year''s Day'), ('2025-01-20', 'Martin Luther King Jr. Day'),
             ('2025-05-26', 'Memorial Day'), ('2025-06-19', 'Juneteenth'), ('2025-07-04', 'Independence Day'),
             ('2025-09-01', 'Labor Day'), ('2025-11-27', 'Thanksgiving'), ('2025-12-25', 'Christmas Day'),
             ('2026-01-01', 'New Year''s Day'), ('2026-01-19', 'Martin Luther King Jr. Day'),
             ('2026-05-25', 'Memorial Day'), ('2026-06-19', 'Juneteenth'), ('2026-07-03', 'Independence Day (observed)'),
             ('2026-09-07', 'Labor Day'), ('2026-11-26', 'Thanksgiving'), ('2026-12-25', 'Christmas Day'),
             ('2027-01-01', 'New Year''s Day')) AS h(day, description);
-- and one partial holiday: closed from 1 pm the day after Thanksgiving
INSERT INTO leadqual.holiday (calendar, day, closed_from, description)
VALUES ('bench_new_york', '2025-11-28', '13:00', 'Day after Thanksgiving'),
       ('bench_new_york', '2026-11-27', '13:00', 'Day after Thanksgiving');

\ir business_time_sql.sql

-- The baseline against leadqual: 3000 starts over 2025 at odd minutes, in
-- and out of business hours and on holidays, with spans of an hour to a
-- week and amounts of a minute to three business days, leaving out the
-- weeks around the daylight-saving changes (9 March and 2 November 2025).
CREATE TEMP TABLE agreement AS
SELECT s.t, x.span, x.amount,
       leadqual.business_time_between('bench_new_york', s.t, s.t + x.span) AS lq_between,
       bench.sql_business_time_between('bench_new_york', s.t, s.t + x.span) AS sql_between,
       leadqual.business_time_between('bench_new_york', s.t + x.span, s.t) AS lq_backwards,
       bench.sql_business_time_between('bench_new_york', s.t + x.span, s.t) AS sql_backwards,
       leadqual.business_time_add('bench_new_york', s.t, x.amount) AS lq_add,
       bench.sql_business_time_add('bench_new_york', s.t, x.amount) AS sql_add
FROM (SELECT timestamptz '2025-01-01 00:00 America/New_York' + (g * 104729 % 525600) * interval '1 minute' AS t, g
      FROM generate_series(1, 3000) AS g) AS s
CROSS JOIN LATERAL (VALUES
    ((ARRAY[interval '1 hour', '7 hours', '24 hours', '30 hours', '3 days', '7 days'])[1 + s.g % 6],
     (ARRAY[interval '1 minute', '1 hour', '8 hours', '1 day', '13 hours 17 minutes'])[1 + s.g % 5])) AS x(span, amount)
WHERE s.t NOT BETWEEN '2025-03-01' AND '2025-03-17'
  AND s.t NOT BETWEEN '2025-10-25' AND '2025-11-10';

DO $$
DECLARE
    cases bigint;
    bad record;
BEGIN
    SELECT count(*) INTO cases FROM agreement;
    SELECT * INTO bad FROM agreement
    WHERE lq_between <> sql_between OR lq_backwards <> sql_backwards OR lq_add IS DISTINCT FROM sql_add
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'bench/business_time_sql.sql disagrees with leadqual: %', row_to_json(bad);
    END IF;
    IF cases < 2000 OR NOT EXISTS (SELECT FROM agreement WHERE lq_between > '0') THEN
        RAISE EXCEPTION 'too few cases compared: %', cases;
    END IF;
END
$$;
