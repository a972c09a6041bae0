-- Business calendars and business-time arithmetic: business_time_between(),
-- business_time_add(), is_business_time() and next_business_time() against
-- hand-computed values.  Daylight saving time in New York (2026-03-08
-- 02:00 EST -> 03:00 EDT at 07:00Z; 2026-11-01 02:00 EDT -> 01:00 EST at
-- 06:00Z) and London (2026-03-29 01:00 GMT -> 02:00 BST at 01:00Z;
-- 2026-10-25 02:00 BST -> 01:00 GMT at 01:00Z), all four on Sundays; the
-- half-hour offset of Kolkata; holidays; overnight, 24-hour and split
-- windows; negative, zero and sub-second amounts; the round trip
-- between(from, add(from, x)) = x; infinities and errors; the read-only
-- built-in calendars, copy_calendar() and the calendar cache.
--
-- Every expected instant is written with its UTC offset.  The DST rules
-- (src/core/business_time.h): a boundary inside the spring-forward gap moves to
-- the transition; a boundary inside the fall-back overlap is taken at its
-- first occurrence for a start and at its second for an end.
\ir helpers/setup.psql

SELECT plan(237);
SET LOCAL TimeZone = 'UTC';
SET LOCAL IntervalStyle = 'postgres';

-- A calendar with weekly windows given as 'weekday opens closes'
-- (1 = Monday .. 7 = Sunday).
CREATE FUNCTION pg_temp.mk(cal text, tz text, VARIADIC hours text[] DEFAULT '{}') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO leadqual.calendar (name, time_zone) VALUES (cal, tz);
    INSERT INTO leadqual.business_hours (calendar, weekday, opens, closes)
    SELECT cal, split_part(h, ' ', 1)::smallint, split_part(h, ' ', 2)::time, split_part(h, ' ', 3)::time
    FROM unnest(hours) AS h;
END
$$;

-- New York, Monday to Friday 09:00-17:00, with holidays: whole days (the
-- defaults), a partial one, and three overlapping ones on 2026-07-02
-- (10-12, 11-13, 12:30-14 merge into 10:00-14:00).
SELECT pg_temp.mk('bt_ny', 'America/New_York', '1 09:00 17:00', '2 09:00 17:00', '3 09:00 17:00', '4 09:00 17:00', '5 09:00 17:00');
INSERT INTO leadqual.holiday (calendar, day, description) VALUES
    ('bt_ny', '2026-01-01', 'New Year 2026 (Thursday)'),
    ('bt_ny', '2026-11-26', 'Thanksgiving (Thursday)'),
    ('bt_ny', '2027-01-01', 'New Year 2027 (Friday)');
INSERT INTO leadqual.holiday (calendar, day, closed_from, description) VALUES
    ('bt_ny', '2026-12-24', '12:00', 'Christmas Eve afternoon');
INSERT INTO leadqual.holiday (calendar, day, closed_from, closed_until) VALUES
    ('bt_ny', '2026-07-02', '10:00', '12:00'),
    ('bt_ny', '2026-07-02', '11:00', '13:00'),
    ('bt_ny', '2026-07-02', '12:30', '14:00');
SELECT pg_temp.mk('bt_ny_plain', 'America/New_York', '1 09:00 17:00', '2 09:00 17:00', '3 09:00 17:00', '4 09:00 17:00', '5 09:00 17:00');
-- New York windows on the change nights (Saturday night, Sunday)
SELECT pg_temp.mk('bt_ny_night', 'America/New_York', '6 22:00 06:00');
SELECT pg_temp.mk('bt_ny_sun24', 'America/New_York', '7 00:00 00:00');
SELECT pg_temp.mk('bt_ny_0006', 'America/New_York', '7 00:00 06:00');
SELECT pg_temp.mk('bt_ny_0103', 'America/New_York', '7 01:00 03:00');
SELECT pg_temp.mk('bt_ny_0230', 'America/New_York', '7 02:30 04:00');
SELECT pg_temp.mk('bt_ny_gap', 'America/New_York', '7 02:15 02:45');
SELECT pg_temp.mk('bt_ny_ovl', 'America/New_York', '7 01:15 01:45');
SELECT pg_temp.mk('bt_ny_0001', 'America/New_York', '7 00:00 01:00');
-- London
SELECT pg_temp.mk('bt_lon_night', 'Europe/London', '6 22:00 06:00');
SELECT pg_temp.mk('bt_lon_sun', 'Europe/London', '7 00:00 24:00');
SELECT pg_temp.mk('bt_lon_0103', 'Europe/London', '7 01:00 03:00');
SELECT pg_temp.mk('bt_lon_gap', 'Europe/London', '7 00:30 01:30');
-- Kolkata, UTC+05:30: 09:30-18:00 IST is 04:00-12:30 UTC
SELECT pg_temp.mk('bt_kol', 'Asia/Kolkata', '1 09:30 18:00', '2 09:30 18:00', '3 09:30 18:00', '4 09:30 18:00', '5 09:30 18:00');
-- UTC: overnight windows Sunday to Friday nights (Friday's runs into
-- Saturday, Sunday's into Monday), with a holiday on a Saturday and one on
-- a Friday
SELECT pg_temp.mk('bt_night', 'UTC', '1 22:00 06:00', '2 22:00 06:00', '3 22:00 06:00', '4 22:00 06:00', '5 22:00 06:00', '7 22:00 06:00');
INSERT INTO leadqual.holiday (calendar, day) VALUES ('bt_night', '2026-06-13'), ('bt_night', '2026-06-19');
-- UTC: a 24-hour window from Wednesday 09:00 to Thursday 09:00
SELECT pg_temp.mk('bt_wed24', 'UTC', '3 09:00 09:00');
-- UTC: several windows a day; on Monday overlapping (08-12, 10-13) and
-- touching (14-16, 16-18) ones: 08:00-13:00 and 14:00-18:00, 9 hours
SELECT pg_temp.mk('bt_split', 'UTC', '1 08:00 12:00', '1 10:00 13:00', '1 14:00 16:00', '1 16:00 18:00',
                  '2 08:00 12:00', '2 13:00 17:00', '3 08:00 12:00', '3 13:00 17:00',
                  '4 08:00 12:00', '4 13:00 17:00', '5 08:00 12:00', '5 13:00 17:00');
-- never open
SELECT pg_temp.mk('bt_never', 'UTC');
-- holidays on the change days, on copies
SELECT leadqual.copy_calendar('bt_ny_sun24', 'bt_ny_sun24_h');
INSERT INTO leadqual.holiday (calendar, day) VALUES ('bt_ny_sun24_h', '2026-03-08');
INSERT INTO leadqual.holiday (calendar, day, closed_from, closed_until) VALUES ('bt_ny_sun24_h', '2026-11-01', '00:00', '01:30');
SELECT leadqual.copy_calendar('bt_lon_sun', 'bt_lon_sun_h');
INSERT INTO leadqual.holiday (calendar, day, closed_from, closed_until) VALUES
    ('bt_lon_sun_h', '2026-03-29', '00:00', '01:30'),
    ('bt_lon_sun_h', '2026-10-25', '01:30', '24:00');
-- for the round trip: windows and holidays crossing the changes
SELECT pg_temp.mk('bt_ny_rich', 'America/New_York', '1 09:00 17:00', '2 09:00 17:00', '3 09:00 17:00', '4 09:00 17:00',
                  '5 09:00 17:00', '6 22:00 02:30', '7 01:30 03:00', '7 10:00 10:00');
INSERT INTO leadqual.holiday (calendar, day, closed_from, closed_until) VALUES ('bt_ny_rich', '2026-11-01', '01:45', '02:15');
SELECT pg_temp.mk('bt_lon_rich', 'Europe/London', '1 08:00 12:00', '1 13:00 18:00', '2 08:00 12:00', '2 13:00 18:00',
                  '3 08:00 12:00', '3 13:00 18:00', '4 08:00 12:00', '4 13:00 18:00', '5 08:00 12:00', '5 13:00 18:00',
                  '6 22:00 01:45', '7 01:30 02:30', '7 12:00 14:00');
INSERT INTO leadqual.holiday (calendar, day, closed_from, closed_until) VALUES ('bt_lon_rich', '2026-10-25', '01:15', '01:40');

------------------------------------------------------------------------------
-- Declarations
------------------------------------------------------------------------------

SELECT is((SELECT string_agg(format('%s %s %s', proname, provolatile, proisstrict), ', ' ORDER BY proname)
           FROM pg_proc WHERE pronamespace = 'leadqual'::regnamespace
            AND proname IN ('business_time_between', 'business_time_add', 'is_business_time', 'next_business_time')),
          'business_time_add s t, business_time_between s t, is_business_time s t, next_business_time s t',
          'the four functions are STABLE and STRICT');
SELECT is(leadqual.business_time_add('bt_ny', NULL, '1 hour'), NULL, 'a NULL argument gives NULL');

------------------------------------------------------------------------------
-- Basics: New York, Monday to Friday 09:00-17:00 (EDT, -04, in June)
------------------------------------------------------------------------------

SELECT is(leadqual.business_time_between('bt_ny', '2026-06-01 00:00:00-04', '2026-06-08 00:00:00-04')::text, '40:00:00',
          'between: a week is 40 hours, in hours, not days');
SELECT is(leadqual.business_time_between('bt_ny', '2026-06-02 10:00:00-04', '2026-06-01 10:00:00-04')::text, '-08:00:00',
          'between: negative when to < from');
SELECT is(leadqual.business_time_between('bt_ny', '2026-06-01 10:00:00-04', '2026-06-01 10:00:00-04')::text, '00:00:00',
          'between: zero when from = to');
SELECT is(leadqual.business_time_between('bt_ny', '2026-06-06 00:00:00-04', '2026-06-08 00:00:00-04')::text, '00:00:00',
          'between: nothing over a weekend');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-01 10:00:00-04', '-1 hour'), '2026-06-01 09:00:00-04'::timestamptz,
          'add: -1h from 10:00 is 09:00');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-02 09:00:00-04', '-1 hour'), '2026-06-01 16:00:00-04'::timestamptz,
          'add: -1h from 09:00 is 16:00 the previous business day');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-01 09:00:00-04', '-1 hour'), '2026-05-29 16:00:00-04'::timestamptz,
          'add: -1h from Monday 09:00 is Friday 16:00');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-01 16:00:00-04', '1 hour'), '2026-06-01 17:00:00-04'::timestamptz,
          'add: +1h from 16:00 is 17:00 the same day');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-01 07:00:00-04', '1 hour'), '2026-06-01 10:00:00-04'::timestamptz,
          'add: a start before opening counts from the opening');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-06 12:00:00-04', '1 hour'), '2026-06-08 10:00:00-04'::timestamptz,
          'add: a start on Saturday counts from Monday 09:00');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-07 12:00:00-04', '-1 hour'), '2026-06-05 16:00:00-04'::timestamptz,
          'add: backwards from Sunday counts from Friday 17:00');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-06 12:00:00-04', '0'), '2026-06-06 12:00:00-04'::timestamptz,
          'add: a zero amount returns from, even outside business hours');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-01 11:00:00-04', '0 days 0 hours'), '2026-06-01 11:00:00-04'::timestamptz,
          'add: a zero amount returns from inside business hours');
-- a day counts 24 business hours: three 8-hour days
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-01 09:00:00-04', '1 day'), '2026-06-03 17:00:00-04'::timestamptz,
          'add: 1 day is 24 business hours (Monday 09:00 to Wednesday 17:00)');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-01 09:00:00-04', '-1 day'), '2026-05-27 09:00:00-04'::timestamptz,
          'add: -1 day from Monday 09:00 is the previous Wednesday 09:00');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-01 12:00:00-04', '1 week'), '2026-06-30 12:00:00-04'::timestamptz,
          'add: 1 week is 168 business hours, 21 eight-hour days');
SELECT ok(leadqual.is_business_time('bt_ny', '2026-06-01 09:00:00-04'), 'is: open at 09:00');
SELECT ok(leadqual.is_business_time('bt_ny', '2026-06-01 16:59:59.999999-04'), 'is: open at 16:59:59.999999');
SELECT ok(NOT leadqual.is_business_time('bt_ny', '2026-06-01 17:00:00-04'), 'is: closed at 17:00');
SELECT ok(NOT leadqual.is_business_time('bt_ny', '2026-06-01 08:59:59.999999-04'), 'is: closed at 08:59:59.999999');
SELECT ok(NOT leadqual.is_business_time('bt_ny', '2026-06-06 12:00:00-04'), 'is: closed on Saturday');
SELECT is(leadqual.next_business_time('bt_ny', '2026-06-01 12:34:56.789012-04'), '2026-06-01 12:34:56.789012-04'::timestamptz,
          'next: itself when open');
SELECT is(leadqual.next_business_time('bt_ny', '2026-06-01 17:00:00-04'), '2026-06-02 09:00:00-04'::timestamptz,
          'next: after closing, the next morning');
SELECT is(leadqual.next_business_time('bt_ny', '2026-06-05 17:00:00-04'), '2026-06-08 09:00:00-04'::timestamptz,
          'next: after Friday closing, Monday');

-- sub-second precision
SELECT is(leadqual.business_time_between('bt_ny', '2026-06-05 16:59:59.999999-04', '2026-06-08 09:00:00.000001-04')::text,
          '00:00:00.000002', 'between: microseconds across a weekend');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-05 16:59:59.999999-04', '0.000002 seconds'),
          '2026-06-08 09:00:00.000001-04'::timestamptz, 'add: 2 microseconds across a weekend');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-01 12:34:56.789012-04', '1 hour 0.000001 seconds'),
          '2026-06-01 13:34:56.789013-04'::timestamptz, 'add: microseconds of from and amount are kept');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-01 09:00:00.5-04', '-0.5 seconds'),
          '2026-06-01 09:00:00-04'::timestamptz, 'add: -0.5s from 09:00:00.5 is the opening');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-01 09:00:00.5-04', '-0.500001 seconds'),
          '2026-05-29 16:59:59.999999-04'::timestamptz, 'add: one microsecond more goes back to Friday');
SELECT is(leadqual.business_time_add('bt_ny', '2026-06-01 16:59:59.999999-04', '0.000001 seconds'),
          '2026-06-01 17:00:00-04'::timestamptz, 'add: the last microsecond of the day ends at 17:00');

------------------------------------------------------------------------------
-- Holidays (bt_ny)
------------------------------------------------------------------------------

SELECT is(leadqual.business_time_between('bt_ny', '2026-11-25 00:00:00-05', '2026-11-28 00:00:00-05')::text, '16:00:00',
          'holiday: Thanksgiving closes the whole Thursday');
SELECT ok(NOT leadqual.is_business_time('bt_ny', '2026-11-26 12:00:00-05'), 'holiday: closed at noon on Thanksgiving');
SELECT is(leadqual.business_time_add('bt_ny', '2026-11-26 12:00:00-05', '1 hour'), '2026-11-27 10:00:00-05'::timestamptz,
          'holiday: a start inside a holiday counts from the next opening');
SELECT is(leadqual.business_time_add('bt_ny', '2026-11-26 12:00:00-05', '-1 hour'), '2026-11-25 16:00:00-05'::timestamptz,
          'holiday: backwards from inside a holiday counts from the day before');
SELECT is(leadqual.next_business_time('bt_ny', '2026-11-26 12:00:00-05'), '2026-11-27 09:00:00-05'::timestamptz,
          'holiday: next from inside it is the next morning');
SELECT is(leadqual.business_time_between('bt_ny', '2026-12-24 00:00:00-05', '2026-12-25 00:00:00-05')::text, '03:00:00',
          'partial holiday: closed from 12:00 leaves 09:00-12:00');
SELECT ok(leadqual.is_business_time('bt_ny', '2026-12-24 11:59:59.999999-05'), 'partial holiday: open just before it');
SELECT ok(NOT leadqual.is_business_time('bt_ny', '2026-12-24 12:00:00-05'), 'partial holiday: closed at its start');
SELECT is(leadqual.business_time_add('bt_ny', '2026-12-24 11:00:00-05', '2 hours'), '2026-12-25 10:00:00-05'::timestamptz,
          'partial holiday: add runs into the next day');
SELECT is(leadqual.business_time_between('bt_ny', '2026-07-02 00:00:00-04', '2026-07-03 00:00:00-04')::text, '04:00:00',
          'overlapping holidays merge: 10:00-14:00 closed leaves 4 hours');
SELECT ok(leadqual.is_business_time('bt_ny', '2026-07-02 09:59:59.999999-04'), 'overlapping holidays: open before the first');
SELECT ok(NOT leadqual.is_business_time('bt_ny', '2026-07-02 13:59:59-04'), 'overlapping holidays: closed inside the last');
SELECT is(leadqual.next_business_time('bt_ny', '2026-07-02 10:30:00-04'), '2026-07-02 14:00:00-04'::timestamptz,
          'overlapping holidays: next is the end of the merged closure');
SELECT is(leadqual.business_time_add('bt_ny', '2026-07-02 09:30:00-04', '1 hour'), '2026-07-02 14:30:00-04'::timestamptz,
          'overlapping holidays: add skips the merged closure');

-- year boundaries: 2026-01-01 (Thursday) and 2027-01-01 (Friday) are holidays
SELECT is(leadqual.business_time_add('bt_ny', '2025-12-31 16:00:00-05', '2 hours'), '2026-01-02 10:00:00-05'::timestamptz,
          'year boundary: Dec 31 16:00 + 2h skips Jan 1 to Jan 2 10:00');
SELECT is(leadqual.business_time_add('bt_ny', '2026-01-02 10:00:00-05', '-2 hours'), '2025-12-31 16:00:00-05'::timestamptz,
          'year boundary: and back');
SELECT is(leadqual.business_time_between('bt_ny', '2025-12-31 12:00:00-05', '2026-01-02 12:00:00-05')::text, '08:00:00',
          'year boundary: between Dec 31 noon and Jan 2 noon');
SELECT is(leadqual.next_business_time('bt_ny', '2026-01-01 00:00:00-05'), '2026-01-02 09:00:00-05'::timestamptz,
          'year boundary: next from New Year''s midnight is Jan 2 09:00');
SELECT is(leadqual.business_time_add('bt_ny', '2026-12-31 16:00:00-05', '2 hours'), '2027-01-04 10:00:00-05'::timestamptz,
          'year boundary: Dec 31 2026 (Thursday) + 2h skips the Friday holiday and the weekend');
-- 2026 has 261 weekdays (52 weeks and a Thursday) = 2088 hours, minus
-- Jan 1 (8), Jul 2 (4), Nov 26 (8) and Dec 24 afternoon (5)
SELECT is(leadqual.business_time_between('bt_ny', '2026-01-01 00:00:00-05', '2027-01-01 00:00:00-05')::text, '2063:00:00',
          'a one-year span: 2026 has 2063 business hours');
SELECT is(leadqual.business_time_between('bt_ny', '2027-01-01 00:00:00-05', '2026-01-01 00:00:00-05')::text, '-2063:00:00',
          'a one-year span backwards');

------------------------------------------------------------------------------
-- New York DST: spring forward 2026-03-08, fall back 2026-11-01
------------------------------------------------------------------------------

-- Saturday 22:00-06:00 overnight window over the change night
SELECT is(leadqual.business_time_between('bt_ny_night', '2026-03-07 12:00:00-05', '2026-03-08 12:00:00-04')::text, '07:00:00',
          'NY spring: the 22:00-06:00 window lasts 7 hours');
SELECT is(leadqual.business_time_between('bt_ny_night', '2026-10-31 12:00:00-04', '2026-11-01 12:00:00-05')::text, '09:00:00',
          'NY fall: the 22:00-06:00 window lasts 9 hours');
SELECT is(leadqual.business_time_between('bt_ny_night', '2026-03-14 12:00:00-04', '2026-03-15 12:00:00-04')::text, '08:00:00',
          'NY: the 22:00-06:00 window lasts 8 hours the week after');
-- 22:00 EST is 03:00Z; 6 hours later, 09:00Z, is 05:00 EDT
SELECT is(leadqual.business_time_add('bt_ny_night', '2026-03-07 22:00:00-05', '6 hours'), '2026-03-08 05:00:00-04'::timestamptz,
          'NY spring: 22:00 + 6h is 05:00 EDT');
-- 22:00 EDT is 02:00Z; 08:00Z is 03:00 EST
SELECT is(leadqual.business_time_add('bt_ny_night', '2026-10-31 22:00:00-04', '6 hours'), '2026-11-01 03:00:00-05'::timestamptz,
          'NY fall: 22:00 + 6h is 03:00 EST');
SELECT is(leadqual.business_time_add('bt_ny_night', '2026-03-07 12:00:00-05', '7 hours'), '2026-03-08 06:00:00-04'::timestamptz,
          'NY spring: the whole 7-hour window ends at 06:00 EDT');
SELECT is(leadqual.business_time_add('bt_ny_night', '2026-11-01 06:00:00-05', '-9 hours'), '2026-10-31 22:00:00-04'::timestamptz,
          'NY fall: 9 hours back from 06:00 EST is 22:00 EDT');
-- Sunday 24-hour window (opens = closes = 00:00)
SELECT is(leadqual.business_time_between('bt_ny_sun24', '2026-03-07 00:00:00-05', '2026-03-10 00:00:00-04')::text, '23:00:00',
          'NY spring: the whole Sunday lasts 23 hours');
SELECT is(leadqual.business_time_between('bt_ny_sun24', '2026-10-31 00:00:00-04', '2026-11-03 00:00:00-05')::text, '25:00:00',
          'NY fall: the whole Sunday lasts 25 hours');
SELECT is(leadqual.business_time_add('bt_ny_sun24', '2026-03-08 00:00:00-05', '23 hours'), '2026-03-09 00:00:00-04'::timestamptz,
          'NY spring: 23 hours from Sunday midnight is Monday midnight');
-- 00:00 EDT is 04:00Z; 24 hours later, 04:00Z on Nov 2, is 23:00 EST on Nov 1
SELECT is(leadqual.business_time_add('bt_ny_sun24', '2026-11-01 00:00:00-04', '24 hours'), '2026-11-01 23:00:00-05'::timestamptz,
          'NY fall: 24 hours from Sunday midnight is Sunday 23:00 EST');
SELECT ok(leadqual.is_business_time('bt_ny_sun24', '2026-11-01 23:59:59.999999-05'), 'NY fall: still open at 23:59:59.999999 EST');
SELECT is(leadqual.next_business_time('bt_ny_sun24', '2026-11-02 00:00:00-05'), '2026-11-08 00:00:00-05'::timestamptz,
          'NY fall: next after the long Sunday is the next Sunday');
-- Sunday 00:00-06:00 and 01:00-03:00
SELECT is(leadqual.business_time_between('bt_ny_0006', '2026-03-07 12:00:00-05', '2026-03-09 12:00:00-04')::text, '05:00:00',
          'NY spring: 00:00-06:00 lasts 5 hours');
SELECT is(leadqual.business_time_between('bt_ny_0006', '2026-10-31 12:00:00-04', '2026-11-02 12:00:00-05')::text, '07:00:00',
          'NY fall: 00:00-06:00 lasts 7 hours');
-- 01:00 EST (06:00Z) to 03:00 EDT (07:00Z)
SELECT is(leadqual.business_time_between('bt_ny_0103', '2026-03-07 12:00:00-05', '2026-03-09 12:00:00-04')::text, '01:00:00',
          'NY spring: 01:00-03:00 lasts 1 hour');
-- 01:00 EDT (05:00Z, first occurrence) to 03:00 EST (08:00Z)
SELECT is(leadqual.business_time_between('bt_ny_0103', '2026-10-31 12:00:00-04', '2026-11-02 12:00:00-05')::text, '03:00:00',
          'NY fall: 01:00-03:00 lasts 3 hours');
SELECT ok(leadqual.is_business_time('bt_ny_0103', '2026-03-08 01:59:59.999999-05'), 'NY spring: open at 01:59:59.999999 EST');
SELECT ok(NOT leadqual.is_business_time('bt_ny_0103', '2026-03-08 03:00:00-04'), 'NY spring: closed at 03:00 EDT, right after the jump');
-- 30 minutes left on the change night (06:30Z-07:00Z), then 01:00 EDT a week later
SELECT is(leadqual.business_time_add('bt_ny_0103', '2026-03-08 01:30:00-05', '1 hour'), '2026-03-15 01:30:00-04'::timestamptz,
          'NY spring: add over the shortened window continues the next Sunday');
SELECT is(leadqual.business_time_add('bt_ny_0103', '2026-11-01 01:00:00-04', '2 hours 30 minutes'), '2026-11-01 02:30:00-05'::timestamptz,
          'NY fall: 2.5 hours from 01:00 EDT is 02:30 EST');
SELECT is(leadqual.business_time_add('bt_ny_0103', '2026-11-01 01:30:00-05', '-1 hour'), '2026-11-01 01:30:00-04'::timestamptz,
          'NY fall: 1 hour back from the second 01:30 is the first');
SELECT is(leadqual.next_business_time('bt_ny_0103', '2026-11-01 00:30:00-04'), '2026-11-01 01:00:00-04'::timestamptz,
          'NY fall: the window opens at the first 01:00');
-- the gap rule: 02:30 does not exist on Mar 8 and moves to the transition (03:00 EDT)
SELECT is(leadqual.business_time_between('bt_ny_0230', '2026-03-07 12:00:00-05', '2026-03-09 12:00:00-04')::text, '01:00:00',
          'NY gap rule: 02:30-04:00 runs from 03:00 EDT, 1 hour');
SELECT is(leadqual.business_time_between('bt_ny_0230', '2026-03-14 12:00:00-04', '2026-03-16 12:00:00-04')::text, '01:30:00',
          'NY gap rule: 02:30-04:00 lasts 1.5 hours the week after');
SELECT is(leadqual.next_business_time('bt_ny_0230', '2026-03-08 01:00:00-05'), '2026-03-08 03:00:00-04'::timestamptz,
          'NY gap rule: it opens at the transition');
-- both ends of 02:15-02:45 move to the transition: empty that night
SELECT is(leadqual.business_time_between('bt_ny_gap', '2026-03-07 12:00:00-05', '2026-03-09 12:00:00-04')::text, '00:00:00',
          'NY gap rule: a window wholly inside the gap is empty');
SELECT is(leadqual.business_time_between('bt_ny_gap', '2026-03-14 12:00:00-04', '2026-03-16 12:00:00-04')::text, '00:30:00',
          'NY gap rule: it lasts 30 minutes the week after');
SELECT is(leadqual.next_business_time('bt_ny_gap', '2026-03-08 00:00:00-05'), '2026-03-15 02:15:00-04'::timestamptz,
          'NY gap rule: next skips the empty window');
-- the overlap rule: 01:15-01:45 on Nov 1 runs from 01:15 EDT (05:15Z) to 01:45 EST (06:45Z)
SELECT is(leadqual.business_time_between('bt_ny_ovl', '2026-10-31 12:00:00-04', '2026-11-02 12:00:00-05')::text, '01:30:00',
          'NY overlap rule: 01:15-01:45 lasts 1.5 hours');
SELECT ok(leadqual.is_business_time('bt_ny_ovl', '2026-11-01 01:50:00-04'), 'NY overlap rule: open at 01:50 EDT (first pass)');
SELECT ok(leadqual.is_business_time('bt_ny_ovl', '2026-11-01 01:00:00-05'), 'NY overlap rule: open at 01:00 EST (second pass)');
SELECT ok(NOT leadqual.is_business_time('bt_ny_ovl', '2026-11-01 01:45:00-05'), 'NY overlap rule: closed at 01:45 EST');
SELECT ok(NOT leadqual.is_business_time('bt_ny_ovl', '2026-11-01 01:14:59.999999-04'), 'NY overlap rule: closed before 01:15 EDT');
SELECT is(leadqual.business_time_between('bt_ny_ovl', '2026-03-07 12:00:00-05', '2026-03-09 12:00:00-04')::text, '00:30:00',
          'NY: 01:15-01:45 lasts 30 minutes on the spring night');
-- an end at 01:00, where the repeated hour begins: the last reading earlier
-- than 01:00 is 00:59:59.999999 EDT, so 00:00-01:00 ends at the first 01:00
-- (05:00Z) and lasts 1 hour (start(L)/end(L) in business_time.h)
SELECT is(leadqual.business_time_between('bt_ny_0001', '2026-10-31 12:00:00-04', '2026-11-02 12:00:00-05')::text, '01:00:00',
          'NY overlap rule: 00:00-01:00 ends at the first 01:00');

------------------------------------------------------------------------------
-- London DST: spring forward 2026-03-29, fall back 2026-10-25
------------------------------------------------------------------------------

-- 22:00 GMT (22:00Z) to 06:00 BST (05:00Z); 22:00 BST (21:00Z) to 06:00 GMT (06:00Z)
SELECT is(leadqual.business_time_between('bt_lon_night', '2026-03-28 12:00:00+00', '2026-03-29 12:00:00+01')::text, '07:00:00',
          'London spring: 22:00-06:00 lasts 7 hours');
SELECT is(leadqual.business_time_between('bt_lon_night', '2026-10-24 12:00:00+01', '2026-10-25 12:00:00+00')::text, '09:00:00',
          'London fall: 22:00-06:00 lasts 9 hours');
-- 23:00Z + 3h = 02:00Z = 03:00 BST
SELECT is(leadqual.business_time_add('bt_lon_night', '2026-03-28 23:00:00+00', '3 hours'), '2026-03-29 03:00:00+01'::timestamptz,
          'London spring: 23:00 GMT + 3h is 03:00 BST');
SELECT is(leadqual.business_time_add('bt_lon_night', '2026-10-25 05:00:00+00', '-8 hours'), '2026-10-24 22:00:00+01'::timestamptz,
          'London fall: 8 hours back from 05:00 GMT is 22:00 BST');
SELECT is(leadqual.business_time_between('bt_lon_sun', '2026-03-28 00:00:00+00', '2026-03-31 00:00:00+01')::text, '23:00:00',
          'London spring: the whole Sunday (00:00-24:00) lasts 23 hours');
SELECT is(leadqual.business_time_between('bt_lon_sun', '2026-10-24 00:00:00+01', '2026-10-27 00:00:00+00')::text, '25:00:00',
          'London fall: the whole Sunday lasts 25 hours');
-- 00:00 BST is 23:00Z on the 24th; 2 hours later is 01:00Z, the second 01:00 (GMT)
SELECT is(leadqual.business_time_add('bt_lon_sun', '2026-10-25 00:00:00+01', '2 hours'), '2026-10-25 01:00:00+00'::timestamptz,
          'London fall: 2 hours from midnight is the second 01:00');
SELECT is(leadqual.next_business_time('bt_lon_sun', '2026-03-28 12:00:00+00'), '2026-03-29 00:00:00+00'::timestamptz,
          'London: next from Saturday is Sunday midnight');
-- 01:00 does not exist on Mar 29: from the transition (01:00Z) to 03:00 BST (02:00Z)
SELECT is(leadqual.business_time_between('bt_lon_0103', '2026-03-28 12:00:00+00', '2026-03-30 12:00:00+01')::text, '01:00:00',
          'London spring: 01:00-03:00 lasts 1 hour');
-- 01:00 BST (00:00Z) to 03:00 GMT (03:00Z)
SELECT is(leadqual.business_time_between('bt_lon_0103', '2026-10-24 12:00:00+01', '2026-10-26 12:00:00+00')::text, '03:00:00',
          'London fall: 01:00-03:00 lasts 3 hours');
SELECT ok(NOT leadqual.is_business_time('bt_lon_0103', '2026-03-29 00:59:59.999999+00'), 'London gap rule: closed just before the jump');
SELECT ok(leadqual.is_business_time('bt_lon_0103', '2026-03-29 02:00:00+01'), 'London gap rule: open from the jump (02:00 BST)');
-- 00:30 GMT (00:30Z) to the transition (01:00Z); 00:30 BST (23:30Z) to 01:30 GMT (01:30Z)
SELECT is(leadqual.business_time_between('bt_lon_gap', '2026-03-28 12:00:00+00', '2026-03-30 12:00:00+01')::text, '00:30:00',
          'London gap rule: 00:30-01:30 ends at the jump, 30 minutes');
SELECT is(leadqual.business_time_between('bt_lon_gap', '2026-10-24 12:00:00+01', '2026-10-26 12:00:00+00')::text, '02:00:00',
          'London overlap rule: 00:30-01:30 ends at the second 01:30, 2 hours');
SELECT is(leadqual.business_time_add('bt_lon_gap', '2026-10-25 00:30:00+01', '105 minutes'), '2026-10-25 01:15:00+00'::timestamptz,
          'London overlap rule: 105 minutes from 00:30 BST is the second 01:15');

------------------------------------------------------------------------------
-- Holidays on the change days
------------------------------------------------------------------------------

SELECT is(leadqual.business_time_between('bt_ny_sun24_h', '2026-03-07 00:00:00-05', '2026-03-10 00:00:00-04')::text, '00:00:00',
          'a whole-day holiday closes all 23 hours of the spring Sunday');
SELECT is(leadqual.business_time_between('bt_ny_sun24_h', '2026-03-14 00:00:00-04', '2026-03-17 00:00:00-04')::text, '24:00:00',
          'the Sunday after is open again');
SELECT is(leadqual.business_time_add('bt_ny_sun24_h', '2026-03-07 12:00:00-05', '1 hour'), '2026-03-15 01:00:00-04'::timestamptz,
          'add skips the holiday on the change day');
-- holiday 00:00-01:30 on Nov 1: 00:00 EDT (04:00Z) to the second 01:30 (01:30 EST, 06:30Z): 2.5 of 25 hours
SELECT is(leadqual.business_time_between('bt_ny_sun24_h', '2026-10-31 00:00:00-04', '2026-11-03 00:00:00-05')::text, '22:30:00',
          'a 00:00-01:30 holiday on the fall Sunday closes 2.5 hours');
SELECT ok(NOT leadqual.is_business_time('bt_ny_sun24_h', '2026-11-01 01:15:00-05'), 'that holiday still holds at 01:15 EST');
SELECT is(leadqual.next_business_time('bt_ny_sun24_h', '2026-11-01 00:00:00-04'), '2026-11-01 01:30:00-05'::timestamptz,
          'next after that holiday is the second 01:30');
-- London Mar 29: 00:00-01:30 closes 00:00Z to the jump (01:00Z), 1 of 23 hours
SELECT is(leadqual.business_time_between('bt_lon_sun_h', '2026-03-28 00:00:00+00', '2026-03-31 00:00:00+01')::text, '22:00:00',
          'a holiday ending inside the gap closes up to the jump');
SELECT is(leadqual.next_business_time('bt_lon_sun_h', '2026-03-29 00:00:00+00'), '2026-03-29 02:00:00+01'::timestamptz,
          'next after it is the jump, 02:00 BST');
-- London Oct 25: closed from the first 01:30 (01:30 BST, 00:30Z): open 23:00Z-00:30Z
SELECT is(leadqual.business_time_between('bt_lon_sun_h', '2026-10-24 00:00:00+01', '2026-10-27 00:00:00+00')::text, '01:30:00',
          'a holiday starting inside the overlap starts at the first occurrence');

------------------------------------------------------------------------------
-- Kolkata, UTC+05:30, 09:30-18:00 (04:00Z-12:30Z)
------------------------------------------------------------------------------

SELECT ok(leadqual.is_business_time('bt_kol', '2026-06-01 09:30:00+05:30'), 'Kolkata: open at 09:30 IST');
SELECT ok(NOT leadqual.is_business_time('bt_kol', '2026-06-01 03:59:59.999999+00'), 'Kolkata: closed at 03:59:59.999999Z');
SELECT ok(leadqual.is_business_time('bt_kol', '2026-06-01 12:29:59.999999+00'), 'Kolkata: open at 12:29:59.999999Z');
SELECT ok(NOT leadqual.is_business_time('bt_kol', '2026-06-01 12:30:00+00'), 'Kolkata: closed at 12:30Z (18:00 IST)');
SELECT is(leadqual.next_business_time('bt_kol', '2026-06-01 00:00:00+00'), '2026-06-01 09:30:00+05:30'::timestamptz,
          'Kolkata: next from 05:30 IST is 09:30 IST');
SELECT is(leadqual.next_business_time('bt_kol', '2026-06-06 10:00:00+00'), '2026-06-08 04:00:00+00'::timestamptz,
          'Kolkata: next from Saturday is Monday 09:30 IST');
SELECT is(leadqual.business_time_add('bt_kol', '2026-06-01 12:00:00+00', '1 hour'), '2026-06-02 10:00:00+05:30'::timestamptz,
          'Kolkata: 17:30 IST + 1h is 10:00 IST the next day');
SELECT is(leadqual.business_time_add('bt_kol', '2026-06-01 10:00:00+05:30', '-1 hour'), '2026-05-29 17:30:00+05:30'::timestamptz,
          'Kolkata: Monday 10:00 IST - 1h is Friday 17:30 IST');
SELECT is(leadqual.business_time_add('bt_kol', '2026-06-05 12:00:00+00', '9 hours'), '2026-06-08 18:00:00+05:30'::timestamptz,
          'Kolkata: Friday 17:30 IST + 9h ends at Monday closing');
SELECT is(leadqual.business_time_between('bt_kol', '2026-06-01 00:00:00+00', '2026-06-08 00:00:00+00')::text, '42:30:00',
          'Kolkata: a week is 5 x 8.5 hours');
SELECT is(leadqual.business_time_between('bt_kol', '2026-06-05 12:00:00+00', '2026-06-08 04:30:00+00')::text, '01:00:00',
          'Kolkata: Friday 17:30 IST to Monday 10:00 IST is 1 hour');

------------------------------------------------------------------------------
-- Overnight, 24-hour and split windows (UTC)
------------------------------------------------------------------------------

SELECT ok(leadqual.is_business_time('bt_night', '2026-06-06 05:59:59.999999+00'), 'overnight: Friday''s window runs into Saturday');
SELECT ok(NOT leadqual.is_business_time('bt_night', '2026-06-06 06:00:00+00'), 'overnight: closed Saturday 06:00');
SELECT ok(NOT leadqual.is_business_time('bt_night', '2026-06-07 21:59:59+00'), 'overnight: closed Sunday 21:59:59');
SELECT ok(leadqual.is_business_time('bt_night', '2026-06-08 03:00:00+00'), 'overnight: Sunday''s window runs into Monday');
SELECT is(leadqual.next_business_time('bt_night', '2026-06-06 06:00:00+00'), '2026-06-07 22:00:00+00'::timestamptz,
          'overnight: next from Saturday morning is Sunday 22:00');
SELECT is(leadqual.business_time_add('bt_night', '2026-06-05 23:00:00+00', '8 hours'), '2026-06-07 23:00:00+00'::timestamptz,
          'overnight: Friday 23:00 + 8h is Sunday 23:00');
SELECT is(leadqual.business_time_add('bt_night', '2026-06-08 01:00:00+00', '-4 hours'), '2026-06-06 05:00:00+00'::timestamptz,
          'overnight: Monday 01:00 - 4h is Saturday 05:00');
SELECT is(leadqual.business_time_between('bt_night', '2026-06-05 12:00:00+00', '2026-06-08 12:00:00+00')::text, '16:00:00',
          'overnight: Friday noon to Monday noon is 16 hours');
SELECT is(leadqual.business_time_between('bt_night', '2026-06-01 12:00:00+00', '2026-06-08 12:00:00+00')::text, '48:00:00',
          'overnight: a week is 6 x 8 hours');
SELECT is(leadqual.business_time_between('bt_night', '2026-06-12 12:00:00+00', '2026-06-13 12:00:00+00')::text, '02:00:00',
          'overnight: a Saturday holiday closes the Saturday part of Friday''s window');
SELECT is(leadqual.business_time_between('bt_night', '2026-06-19 12:00:00+00', '2026-06-20 12:00:00+00')::text, '06:00:00',
          'overnight: a Friday holiday closes only the Friday part of Friday''s window');
SELECT is(leadqual.business_time_between('bt_night', '2026-06-18 12:00:00+00', '2026-06-19 12:00:00+00')::text, '02:00:00',
          'overnight: and the Friday part of Thursday''s window');
SELECT is(leadqual.business_time_between('bt_wed24', '2026-06-01 00:00:00+00', '2026-06-08 00:00:00+00')::text, '24:00:00',
          '24-hour window: 09:00-09:00 counts 24 hours a week');
SELECT ok(leadqual.is_business_time('bt_wed24', '2026-06-11 08:59:59.999999+00'), '24-hour window: open Thursday 08:59:59.999999');
SELECT ok(NOT leadqual.is_business_time('bt_wed24', '2026-06-11 09:00:00+00'), '24-hour window: closed Thursday 09:00');
SELECT is(leadqual.business_time_add('bt_wed24', '2026-06-10 09:00:00+00', '24 hours'), '2026-06-11 09:00:00+00'::timestamptz,
          '24-hour window: 24 hours from Wednesday 09:00 is Thursday 09:00');
SELECT is(leadqual.business_time_add('bt_wed24', '2026-06-10 09:00:00+00', '1 day 1 hour'), '2026-06-17 10:00:00+00'::timestamptz,
          '24-hour window: 25 hours runs into the next Wednesday');
SELECT is(leadqual.business_time_add('bt_wed24', '2026-06-11 09:00:00+00', '0.000001 seconds'), '2026-06-17 09:00:00.000001+00'::timestamptz,
          '24-hour window: a microsecond after closing is next week''s first');
SELECT is(leadqual.business_time_between('bt_split', '2026-06-01 00:00:00+00', '2026-06-02 00:00:00+00')::text, '09:00:00',
          'split windows: overlapping and touching windows count once (Monday 9 hours)');
SELECT is(leadqual.business_time_between('bt_split', '2026-06-01 00:00:00+00', '2026-06-08 00:00:00+00')::text, '41:00:00',
          'split windows: a week is 9 + 4 x 8 hours');
SELECT ok(leadqual.is_business_time('bt_split', '2026-06-01 12:59:59+00'), 'split windows: open in the overlapping window');
SELECT ok(leadqual.is_business_time('bt_split', '2026-06-01 16:00:00+00'), 'split windows: open where windows touch');
SELECT ok(NOT leadqual.is_business_time('bt_split', '2026-06-02 12:30:00+00'), 'split windows: closed at lunch');
SELECT is(leadqual.next_business_time('bt_split', '2026-06-02 12:30:00+00'), '2026-06-02 13:00:00+00'::timestamptz,
          'split windows: next after lunch is 13:00');
SELECT is(leadqual.business_time_add('bt_split', '2026-06-01 12:30:00+00', '1 hour'), '2026-06-01 14:30:00+00'::timestamptz,
          'split windows: 12:30 + 1h on Monday is 14:30');
SELECT is(leadqual.business_time_add('bt_split', '2026-06-02 11:00:00+00', '2 hours'), '2026-06-02 14:00:00+00'::timestamptz,
          'split windows: 11:00 + 2h on Tuesday is 14:00');
SELECT is(leadqual.business_time_add('bt_split', '2026-06-01 17:00:00+00', '-4 hours'), '2026-06-01 12:00:00+00'::timestamptz,
          'split windows: 17:00 - 4h on Monday is 12:00');

------------------------------------------------------------------------------
-- A calendar that never opens
------------------------------------------------------------------------------

SELECT is(leadqual.business_time_add('bt_never', '2026-06-01 12:00:00+00', '1 hour'), NULL, 'never open: add gives NULL');
SELECT is(leadqual.business_time_add('bt_never', '2026-06-01 12:00:00+00', '-1 hour'), NULL, 'never open: backwards too');
SELECT is(leadqual.business_time_add('bt_never', '2026-06-01 12:00:00+00', '0'), '2026-06-01 12:00:00+00'::timestamptz,
          'never open: a zero amount returns from');
SELECT is(leadqual.next_business_time('bt_never', '2026-06-01 12:00:00+00'), NULL, 'never open: next gives NULL');
SELECT is(leadqual.business_time_between('bt_never', '2026-06-01 12:00:00+00', '2036-06-01 12:00:00+00')::text, '00:00:00',
          'never open: between gives zero');
SELECT ok(NOT leadqual.is_business_time('bt_never', '2026-06-01 12:00:00+00'), 'never open: is gives false');

------------------------------------------------------------------------------
-- Long spans: the cost does not grow with them, the results must be right
------------------------------------------------------------------------------

-- 2026-06-01 (Monday) to 3026-05-29 (Monday) is 365239 days = 52177 weeks; 40 hours each
SELECT is(leadqual.business_time_between('bt_ny_plain', '2026-06-01 00:00:00-04', '3026-05-29 00:00:00-04')::text, '2087080:00:00',
          '1000 years in New York: whole weeks x 40 hours');
-- to 3026-06-01 (Thursday): Monday to Wednesday more, 3 x 8 hours
SELECT is(leadqual.business_time_between('bt_ny_plain', '2026-06-01 00:00:00-04', '3026-06-01 00:00:00-04')::text, '2087104:00:00',
          '1000 years in New York to a Thursday');
SELECT is(leadqual.business_time_between('bt_ny_plain', '3026-06-01 00:00:00-04', '2026-06-01 00:00:00-04')::text, '-2087104:00:00',
          '1000 years in New York backwards');
SELECT is(leadqual.business_time_add('bt_ny_plain', '2026-06-01 00:00:00-04', '2087104 hours'), '3026-05-31 17:00:00-04'::timestamptz,
          'add 1000 years'' worth: ends at Wednesday closing');
SELECT is(leadqual.business_time_add('bt_ny_plain', '3026-06-01 00:00:00-04', '-2087104 hours'), '2026-06-01 09:00:00-04'::timestamptz,
          'and back: starts at Monday opening');
-- a span crossing 2769-11-02 06:00Z, a fall-back instant at which
-- PostgreSQL's pg_next_dst_boundary() answers "no further transition" (an
-- edge of its 400-year extrapolation; a second either side it answers
-- right), so a walk that steps onto it must not stop there.  2769-11-01
-- (Saturday) to Friday 2770-06-05 17:00 EDT is 31 whole weeks, 1240 hours
SELECT is(leadqual.business_time_between('bt_ny_plain', '2769-11-01 00:00:00-04', '2770-06-05 17:00:00-04')::text, '1240:00:00',
          'a span across the fall-back of 2769 sees the spring-forward of 2770');
SELECT is(leadqual.business_time_add('bt_ny_plain', '2769-11-01 00:00:00-04', '1240 hours'), '2770-06-05 17:00:00-04'::timestamptz,
          'and add over it ends at Friday 17:00 EDT');
-- London (the same edge at 2769-10-26 01:00Z): 2769-10-26 to 2770-05-31 is 32 Sundays, one of 25 hours (the
-- fall-back of 2769-10-26) and one of 23 (the spring-forward of 2770-03-29)
SELECT is(leadqual.business_time_between('bt_lon_sun', '2769-10-24 00:00:00+01', '2770-06-01 12:00:00+01')::text, '768:00:00',
          'London: a span across the fall-back of 2769 sees the spring-forward of 2770');
-- 2000-01-01 to 3000-01-01 is 365243 days
SELECT is(leadqual.business_time_between('24x7', '2000-01-01 00:00:00+00', '3000-01-01 00:00:00+00')::text, '8765832:00:00',
          '24x7: 1000 years of wall-clock time, in hours');
SELECT is(leadqual.business_time_between('24x7', '2026-03-07 12:00:00.25-05', '2026-03-08 12:00:00-04')::text, '22:59:59.75',
          '24x7: the wall-clock difference (UTC calendar, New York times)');
SELECT is(leadqual.business_time_add('24x7', '2026-03-07 12:00:00-05', '1 day'), '2026-03-08 13:00:00-04'::timestamptz,
          '24x7: add is timestamptz + interval');
SELECT is(leadqual.business_time_between('weekdays_9_17', '2026-06-01 00:00:00+00', '2026-06-08 00:00:00+00')::text, '40:00:00',
          'weekdays_9_17: 40 hours a week');

------------------------------------------------------------------------------
-- The round trip
------------------------------------------------------------------------------

CREATE TEMP TABLE bt_grid AS
SELECT c.cal, f.f, a.x
FROM unnest('{bt_ny_rich,bt_lon_rich,bt_ny_night,bt_lon_gap,bt_ny}'::text[]) AS c(cal),
     (SELECT generate_series('2026-02-27 00:00:00+00'::timestamptz, '2026-04-03 00:00:00+00', '5 hours 7 minutes 11.000013 seconds')
      UNION ALL
      SELECT generate_series('2026-10-20 00:00:00+00'::timestamptz, '2026-11-05 00:00:00+00', '3 hours 1 minute 7.5 seconds')
      UNION ALL
      SELECT unnest('{2026-03-08 07:00:00+00, 2026-03-08 06:59:59.999999+00, 2026-11-01 06:00:00+00,
                      2026-11-01 05:30:00+00, 2026-03-29 01:00:00+00, 2026-10-25 01:00:00+00,
                      2026-10-25 00:30:00+00}'::timestamptz[])) AS f(f),
     unnest('{0.000001 seconds, 30 minutes, 1 hour, 2 hours 15 minutes, 7 hours, 1 day, 3 days 1 hour, 10 days}'::interval[]) AS a(x);

SELECT cmp_ok((SELECT count(*) FROM bt_grid), '>', 7000::bigint, 'the round-trip grid has over 7000 cases');
SELECT is((SELECT count(*) FROM bt_grid
           WHERE leadqual.business_time_between(cal, f, leadqual.business_time_add(cal, f, x)) IS DISTINCT FROM x),
          0::bigint, 'between(from, add(from, x)) = x for every case');
SELECT is((SELECT count(*) FROM bt_grid
           WHERE leadqual.business_time_between(cal, leadqual.business_time_add(cal, f, -x), f) IS DISTINCT FROM x),
          0::bigint, 'between(add(from, -x), from) = x for every case');
SELECT is((SELECT count(*) FROM bt_grid
           WHERE leadqual.business_time_add(cal, f, x) <= f OR leadqual.business_time_add(cal, f, -x) >= f),
          0::bigint, 'add moves forwards for positive and backwards for negative amounts');
SELECT is((SELECT count(*) FROM bt_grid
           WHERE NOT leadqual.is_business_time(cal, leadqual.business_time_add(cal, f, -x))),
          0::bigint, 'a backwards add lands on business time (the start of the amount''s first microsecond)');
SELECT is((SELECT count(*) FROM bt_grid
           WHERE leadqual.next_business_time(cal, f) <> CASE WHEN leadqual.is_business_time(cal, f) THEN f
                     ELSE leadqual.business_time_add(cal, leadqual.business_time_add(cal, f, '0.000001 seconds'), '-0.000001 seconds') END),
          0::bigint, 'next_business_time agrees with add');

------------------------------------------------------------------------------
-- Infinities and errors
------------------------------------------------------------------------------

SELECT is(leadqual.business_time_add('bt_ny', 'infinity', '1 hour'), 'infinity'::timestamptz, 'add: infinity returns itself');
SELECT is(leadqual.business_time_add('bt_ny', '-infinity', '-1 hour'), '-infinity'::timestamptz, 'add: -infinity returns itself');
SELECT ok(NOT leadqual.is_business_time('24x7', 'infinity'), 'is: false at infinity');
SELECT ok(NOT leadqual.is_business_time('24x7', '-infinity'), 'is: false at -infinity');
SELECT is(leadqual.next_business_time('bt_ny', 'infinity'), 'infinity'::timestamptz, 'next: infinity returns itself');
SELECT is(leadqual.next_business_time('bt_never', '-infinity'), '-infinity'::timestamptz, 'next: -infinity returns itself');
SELECT throws_ok($$SELECT leadqual.business_time_between('bt_ny', '-infinity', '2026-06-01 00:00:00+00')$$, '22008',
                 'leadqual.business_time_between: cannot count business time from infinity', 'between: infinite from is refused');
SELECT throws_ok($$SELECT leadqual.business_time_between('bt_ny', '2026-06-01 00:00:00+00', 'infinity')$$, '22008',
                 'leadqual.business_time_between: cannot count business time to infinity', 'between: infinite to is refused');
SELECT throws_ok($$SELECT leadqual.business_time_between('bt_ny', '2026-06-01 00:00:00+00', '294270-01-01 00:00:00+00')$$, '22008',
                 'leadqual.business_time_between: to is out of range', 'between: a to past 294246 AD is refused');
SELECT throws_ok($$SELECT leadqual.business_time_add('24x7', '294270-01-01 00:00:00+00', '1 hour')$$, '22008',
                 'leadqual.business_time_add: from is out of range', 'add: a from past 294246 AD is refused');
SELECT throws_ok($$SELECT leadqual.business_time_add('24x7', '294246-11-01 00:00:00+00', '100 days')$$, '22008',
                 'leadqual.business_time_add: the result is out of range', 'add: a result past the end is refused');
SELECT throws_ok($$SELECT leadqual.business_time_add('24x7', '4714-11-24 00:00:00+00 BC', '-1 hour')$$, '22008',
                 'leadqual.business_time_add: the result is out of range', 'add: a result before 4714 BC is refused');
SELECT throws_ok($$SELECT leadqual.business_time_add('24x7', '2026-06-01 00:00:00+00', '200000000 days')$$, '22008',
                 'leadqual.business_time_add: the amount is out of range', 'add: an amount that does not fit is refused');
SELECT throws_ok($$SELECT leadqual.is_business_time('24x7', '294270-01-01 00:00:00+00')$$, '22008',
                 'leadqual.is_business_time: at is out of range', 'is: an instant past 294246 AD is refused');
SELECT throws_ok($$SELECT leadqual.business_time_add('bt_ny', '2026-06-01 00:00:00+00', '1 month')$$, '22023',
                 'leadqual.business_time_add: amount "1 mon" has months or years, which have no fixed length in business time',
                 'add: an amount with months is refused');
SELECT throws_ok($$SELECT leadqual.business_time_add('bt_ny', '2026-06-01 00:00:00+00', '-1 year 2 days')$$, '22023',
                 'leadqual.business_time_add: amount "-1 years +2 days" has months or years, which have no fixed length in business time',
                 'add: an amount with years is refused');
SELECT throws_ok($$SELECT leadqual.business_time_between('bt_nope', now(), now())$$, '42704',
                 'leadqual.business_time_between: calendar "bt_nope" does not exist', 'between: unknown calendar');
SELECT throws_ok($$SELECT leadqual.business_time_add('bt_nope', now(), '1 hour')$$, '42704',
                 'leadqual.business_time_add: calendar "bt_nope" does not exist', 'add: unknown calendar');
SELECT throws_ok($$SELECT leadqual.is_business_time('bt_nope', now())$$, '42704',
                 'leadqual.is_business_time: calendar "bt_nope" does not exist', 'is: unknown calendar');
SELECT throws_ok($$SELECT leadqual.next_business_time('bt_nope', now())$$, '42704',
                 'leadqual.next_business_time: calendar "bt_nope" does not exist', 'next: unknown calendar');
SELECT throws_ok($$SELECT leadqual.next_business_time('BT_NY', now())$$, '42704',
                 'leadqual.next_business_time: calendar "BT_NY" does not exist', 'calendar names are case-sensitive');
SELECT throws_ok($$INSERT INTO leadqual.calendar (name, time_zone) VALUES ('bt_mars', 'Mars/Olympus_Mons')$$, '22023',
                 'leadqual: calendar "bt_mars" has unknown time zone "Mars/Olympus_Mons"', 'an unknown time zone is refused');
SELECT throws_ok($$UPDATE leadqual.calendar SET time_zone = 'Europe/Atlantis' WHERE name = 'bt_ny'$$, '22023',
                 'leadqual: calendar "bt_ny" has unknown time zone "Europe/Atlantis"', 'and so is a change to one');
-- POSIX strings: PostgreSQL accepts them, with the sign flipped
SELECT throws_ok($$INSERT INTO leadqual.calendar (name, time_zone) VALUES ('bt_posix', '+05:30')$$, '22023',
                 'leadqual: calendar "bt_posix" has time zone "+05:30", which is not a zone of the time zone database',
                 'a POSIX offset is refused, though PostgreSQL reads it (as 05:30 west)');
SELECT throws_ok($$INSERT INTO leadqual.calendar (name, time_zone) VALUES ('bt_posix', 'UTC+5')$$, '22023',
                 'leadqual: calendar "bt_posix" has time zone "UTC+5", which is not a zone of the time zone database',
                 'and so is a POSIX zone string');
SELECT throws_ok($$UPDATE leadqual.calendar SET time_zone = 'EST+5EDT,M3.2.0,M11.1.0' WHERE name = 'bt_ny'$$, '22023',
                 'leadqual: calendar "bt_ny" has time zone "EST+5EDT,M3.2.0,M11.1.0", which is not a zone of the time zone database',
                 'and a change to a POSIX rule');
SELECT throws_ok($$SELECT leadqual.copy_calendar('bt_ny', 'bt_posix', time_zone => '-03')$$, '22023',
                 'leadqual: calendar "bt_posix" has time zone "-03", which is not a zone of the time zone database',
                 'copy: a POSIX offset is refused');
SELECT is((SELECT count(*) FROM leadqual.calendar WHERE name = 'bt_posix'), 0::bigint,
          'a refused zone writes no calendar');
SELECT lives_ok($$INSERT INTO leadqual.calendar (name, time_zone) VALUES ('bt_fixed', 'Etc/GMT-5')$$,
                'a fixed offset from the database (Etc/GMT-5, five hours east) is accepted');
SELECT lives_ok($$INSERT INTO leadqual.calendar (name, time_zone) VALUES ('bt_case', 'asia/kolkata')$$,
                'a listed zone in another case is accepted, as PostgreSQL reads it');
SELECT is((SELECT pg_catalog.timezone(time_zone, '2026-01-05 12:00+00'::timestamptz)::text
           FROM leadqual.calendar WHERE name = 'bt_fixed'), '2026-01-05 17:00:00',
          'Etc/GMT-5 is five hours east, as its calendar counts');
DELETE FROM leadqual.calendar WHERE name IN ('bt_fixed', 'bt_case');

------------------------------------------------------------------------------
-- Built-in calendars are read-only
------------------------------------------------------------------------------

SELECT throws_ok($$UPDATE leadqual.calendar SET time_zone = 'America/New_York' WHERE name = '24x7'$$, '42501',
                 'leadqual: calendar "24x7" is built in and cannot be changed or dropped', 'a built-in calendar cannot be changed');
SELECT throws_ok($$DELETE FROM leadqual.calendar WHERE name = 'weekdays_9_17'$$, '42501',
                 'leadqual: calendar "weekdays_9_17" is built in and cannot be changed or dropped', 'nor dropped');
SELECT throws_ok($$INSERT INTO leadqual.business_hours (calendar, weekday, opens, closes) VALUES ('weekdays_9_17', 6, '10:00', '12:00')$$,
                 '42501', 'leadqual: calendar "weekdays_9_17" is built in; its business hours cannot be changed',
                 'its business hours cannot be added to');
SELECT throws_ok($$UPDATE leadqual.business_hours SET closes = '18:00' WHERE calendar = 'weekdays_9_17'$$,
                 '42501', 'leadqual: calendar "weekdays_9_17" is built in; its business hours cannot be changed',
                 'nor changed');
SELECT throws_ok($$INSERT INTO leadqual.holiday (calendar, day) VALUES ('24x7', '2026-12-25')$$,
                 '42501', 'leadqual: calendar "24x7" is built in; its holidays cannot be changed', 'nor given holidays');
SELECT throws_ok($$INSERT INTO leadqual.calendar (name, time_zone, builtin) VALUES ('bt_fake', 'UTC', true)$$,
                 '42501', 'leadqual: calendar "bt_fake" cannot be marked builtin', 'a new calendar cannot be marked builtin');
SELECT is(leadqual.business_time_between('weekdays_9_17', '2026-06-06 00:00:00+00', '2026-06-08 00:00:00+00')::text, '00:00:00',
          'weekdays_9_17 is still closed on weekends');

------------------------------------------------------------------------------
-- copy_calendar()
------------------------------------------------------------------------------

SELECT leadqual.copy_calendar('bt_ny', 'bt_ny_copy');
SELECT leadqual.copy_calendar('bt_ny', 'bt_ny_kol', time_zone => 'Asia/Kolkata');
SELECT leadqual.copy_calendar('weekdays_9_17', 'bt_w917_ny', 'America/New_York');
SELECT is((SELECT format('%s %s', time_zone, builtin) FROM leadqual.calendar WHERE name = 'bt_ny_copy'), 'America/New_York f',
          'copy: keeps the time zone');
SELECT is((SELECT string_agg(format('%s %s-%s', weekday, opens, closes), ', ' ORDER BY weekday, opens)
           FROM leadqual.business_hours WHERE calendar = 'bt_ny_kol'),
          '1 09:00:00-17:00:00, 2 09:00:00-17:00:00, 3 09:00:00-17:00:00, 4 09:00:00-17:00:00, 5 09:00:00-17:00:00',
          'copy: copies the business hours');
SELECT is((SELECT string_agg(format('%s %s-%s', day, closed_from, closed_until), ', ' ORDER BY day, closed_from)
           FROM leadqual.holiday WHERE calendar = 'bt_ny_copy'),
          '2026-01-01 00:00:00-24:00:00, 2026-07-02 10:00:00-12:00:00, 2026-07-02 11:00:00-13:00:00, 2026-07-02 12:30:00-14:00:00, '
          '2026-11-26 00:00:00-24:00:00, 2026-12-24 12:00:00-24:00:00, 2027-01-01 00:00:00-24:00:00',
          'copy: copies the holidays');
SELECT is(leadqual.business_time_between('bt_ny_copy', '2026-01-01 00:00:00-05', '2027-01-01 00:00:00-05')::text, '2063:00:00',
          'copy: the copy counts the same year');
SELECT is((SELECT time_zone FROM leadqual.calendar WHERE name = 'bt_ny_kol'), 'Asia/Kolkata', 'copy: the time zone can be overridden');
SELECT ok(leadqual.is_business_time('bt_ny_kol', '2026-06-01 09:00:00+05:30') AND NOT leadqual.is_business_time('bt_ny', '2026-06-01 09:00:00+05:30'),
          'copy: the hours are read in the new time zone');
SELECT is(leadqual.business_time_between('bt_ny_kol', '2026-11-26 00:00:00+05:30', '2026-11-28 00:00:00+05:30')::text, '08:00:00',
          'copy: and so are the holidays (Thanksgiving closed, Friday open, in IST)');
SELECT is((SELECT format('%s %s', time_zone, builtin) FROM leadqual.calendar WHERE name = 'bt_w917_ny'), 'America/New_York f',
          'copy: a copy of a built-in calendar is not built in');
INSERT INTO leadqual.holiday (calendar, day) VALUES ('bt_w917_ny', '2026-06-03');
SELECT is(leadqual.business_time_between('bt_w917_ny', '2026-06-01 00:00:00-04', '2026-06-08 00:00:00-04')::text, '32:00:00',
          'copy: and can be changed (a holiday on Wednesday)');
SELECT throws_ok($$SELECT leadqual.copy_calendar('bt_nope', 'bt_x')$$, '42704',
                 'leadqual.copy_calendar: calendar "bt_nope" does not exist', 'copy: an unknown source is refused');
SELECT throws_ok($$SELECT leadqual.copy_calendar('bt_ny', 'bt_ny_copy')$$, '42710',
                 'leadqual.copy_calendar: calendar "bt_ny_copy" already exists', 'copy: an existing target is refused');
SELECT throws_ok($$SELECT leadqual.copy_calendar('bt_ny', 'bt_x', 'Nowhere/Nothing')$$, '22023',
                 'leadqual: calendar "bt_x" has unknown time zone "Nowhere/Nothing"', 'copy: an unknown time zone is refused');

------------------------------------------------------------------------------
-- The calendar cache sees changes in the next statement
------------------------------------------------------------------------------

SELECT leadqual.copy_calendar('weekdays_9_17', 'bt_cache');
SELECT is(leadqual.business_time_between('bt_cache', '2026-06-01 00:00:00+00', '2026-06-08 00:00:00+00')::text, '40:00:00',
          'cache: 40 hours a week to begin with');
UPDATE leadqual.business_hours SET closes = '18:00' WHERE calendar = 'bt_cache' AND weekday = 1;
SELECT is(leadqual.business_time_between('bt_cache', '2026-06-01 00:00:00+00', '2026-06-08 00:00:00+00')::text, '41:00:00',
          'cache: a changed window is seen');
INSERT INTO leadqual.holiday (calendar, day) VALUES ('bt_cache', '2026-06-02');
SELECT is(leadqual.business_time_between('bt_cache', '2026-06-01 00:00:00+00', '2026-06-08 00:00:00+00')::text, '33:00:00',
          'cache: a new holiday is seen');
UPDATE leadqual.holiday SET closed_from = '13:00' WHERE calendar = 'bt_cache';
SELECT is(leadqual.business_time_between('bt_cache', '2026-06-01 00:00:00+00', '2026-06-08 00:00:00+00')::text, '37:00:00',
          'cache: a changed holiday is seen');
DELETE FROM leadqual.holiday WHERE calendar = 'bt_cache';
SELECT is(leadqual.business_time_between('bt_cache', '2026-06-01 00:00:00+00', '2026-06-08 00:00:00+00')::text, '41:00:00',
          'cache: a deleted holiday is seen');
INSERT INTO leadqual.business_hours (calendar, weekday, opens, closes) VALUES ('bt_cache', 6, '10:00', '12:00');
SELECT is(leadqual.next_business_time('bt_cache', '2026-06-05 18:00:00+00'), '2026-06-06 10:00:00+00'::timestamptz,
          'cache: a new window is seen');
SELECT ok(leadqual.is_business_time('bt_cache', '2026-06-01 16:00:00+00'), 'cache: open at 16:00Z in UTC');
UPDATE leadqual.calendar SET time_zone = 'Asia/Kolkata' WHERE name = 'bt_cache';
SELECT ok(NOT leadqual.is_business_time('bt_cache', '2026-06-01 16:00:00+00'), 'cache: a new time zone is seen (21:30 IST)');
UPDATE leadqual.calendar SET name = 'bt_cache2' WHERE name = 'bt_cache';
SELECT throws_ok($$SELECT leadqual.is_business_time('bt_cache', now())$$, '42704',
                 'leadqual.is_business_time: calendar "bt_cache" does not exist', 'cache: a renamed calendar is gone under its old name');
SELECT is(leadqual.next_business_time('bt_cache2', '2026-06-01 16:00:00+00'), '2026-06-02 09:00:00+05:30'::timestamptz,
          'cache: and found under its new one, with its hours');
DELETE FROM leadqual.business_hours WHERE calendar = 'bt_cache2';
SELECT is(leadqual.business_time_add('bt_cache2', '2026-06-01 16:00:00+00', '1 hour'), NULL,
          'cache: without its hours it never opens');
DELETE FROM leadqual.calendar WHERE name = 'bt_cache2';
SELECT throws_ok($$SELECT leadqual.business_time_between('bt_cache2', now(), now())$$, '42704',
                 'leadqual.business_time_between: calendar "bt_cache2" does not exist', 'cache: a dropped calendar is gone');

SELECT * FROM finish();
ROLLBACK;
