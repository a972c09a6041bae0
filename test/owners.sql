-- Owners: manage(owner_column => ...), weighted round-robin assignment at
-- promotion (equal and unequal weights, inactive owners, owners' calendars,
-- late joiners, owners scoped to tables, owners who rejected the lead,
-- nobody available, an owner
-- already set), the owner written into the row in the same statement and
-- through typed columns, the assignment log, the owner on the transition
-- log and on SLA clocks, and the checks of leadqual.owner.
--
-- Round-robin's turns are kept in leadqual.owner_turn: each section
-- deactivates the owners of the one before, so that only its own are in
-- the pool.
\ir helpers/setup.psql

SELECT plan(94);
SET LOCAL TimeZone = 'UTC';

CREATE TABLE ow_leads (id int PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                       owner text,
                       owner_shout text GENERATED ALWAYS AS (upper(owner)) STORED);

-- The owners of a range of leads, in id order ('-' for none).
CREATE FUNCTION pg_temp.owners(lo int, hi int) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(coalesce(owner, '-'), ',' ORDER BY id) FROM ow_leads WHERE id BETWEEN lo AND hi
$$;

-- How many of a range of leads each owner got, as 'name=count' by name.
CREATE FUNCTION pg_temp.tally(lo int, hi int) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(format('%s=%s', o, n), ',' ORDER BY o)
    FROM (SELECT coalesce(owner, '-') AS o, count(*) AS n FROM ow_leads WHERE id BETWEEN lo AND hi GROUP BY 1) AS t
$$;

-- How many turns an owner took (a turn is recorded, confirmed, once the row
-- it was taken for is written).
CREATE FUNCTION pg_temp.turns(who text) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT count(*) FROM leadqual.owner_turn WHERE owner = who AND confirmed $$;

-- A lead's assignment log, as 'owner via by' in order.
CREATE FUNCTION pg_temp.assignments(leads regclass, lead text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(format('%s %s %s', coalesce(a.owner, 'NULL'), a.via, a.assigned_by), ', ' ORDER BY a.id), '')
    FROM leadqual.assignment AS a WHERE a.lead_table = leads AND a.lead_id = lead
$$;

------------------------------------------------------------------------------
-- manage(owner_column => ...)
------------------------------------------------------------------------------

SELECT leadqual.manage('ow_leads');
SELECT is((SELECT owner_column FROM leadqual.managed WHERE leads = 'ow_leads'::regclass), NULL,
          'manage: without owner_column, managed.owner_column is NULL');
SELECT leadqual.manage('ow_leads', owner_column => 'owner');
SELECT is((SELECT owner_column::text FROM leadqual.managed WHERE leads = 'ow_leads'::regclass), 'owner',
          'manage: owner_column shows in managed.owner_column');
SELECT throws_ok($$SELECT leadqual.manage('ow_leads', owner_column => 'no_such_column')$$, '42703', NULL,
                 'manage: an owner column the table lacks is refused');
SELECT throws_ok($$SELECT leadqual.manage('ow_leads', owner_column => 'owner_shout')$$, '0A000', NULL,
                 'manage: a generated owner column is refused');
SELECT throws_ok($$SELECT leadqual.manage('ow_leads', owner_column => 'lifecycle_stage')$$, '42701', NULL,
                 'manage: the stage column as the owner column is refused');
SELECT throws_ok($$SELECT leadqual.manage('ow_leads', owner_column => 'id')$$, '42701', NULL,
                 'manage: the id column as the owner column is refused');
SELECT throws_ok($$SELECT leadqual.manage('ow_leads', owner_column => 'score')$$, '42701', NULL,
                 'manage: the score column as the owner column is refused');
SELECT is((SELECT format('%s|%s|%s', owner_column, threshold, promote_to) FROM leadqual.managed WHERE leads = 'ow_leads'::regclass),
          'owner|50|mql', 'manage: the refused calls left the settings as they were');

------------------------------------------------------------------------------
-- Owner table checks
------------------------------------------------------------------------------

SELECT throws_ok($$INSERT INTO leadqual.owner (name, weight) VALUES ('ow_w0', 0)$$, '23514', NULL, 'owner: weight 0 is refused');
SELECT throws_ok($$INSERT INTO leadqual.owner (name, weight) VALUES ('ow_wneg', -1)$$, '23514', NULL, 'owner: a negative weight is refused');
SELECT throws_ok($$INSERT INTO leadqual.owner (name, weight) VALUES ('ow_wnan', 'NaN')$$, '23514', NULL, 'owner: weight NaN is refused');
SELECT throws_ok($$INSERT INTO leadqual.owner (name, weight) VALUES ('ow_winf', 'Infinity')$$, '23514', NULL, 'owner: weight Infinity is refused');
SELECT throws_ok($$INSERT INTO leadqual.owner (name, weight) VALUES ('ow_wbig', 1000001)$$, '23514', NULL, 'owner: a weight over 1000000 is refused');
SELECT throws_ok($$INSERT INTO leadqual.owner (name) VALUES ('')$$, '23514', NULL, 'owner: an empty name is refused');
SELECT throws_ok($$INSERT INTO leadqual.owner (name, calendar) VALUES ('ow_nocal', 'ow_no_such_calendar')$$, '23503', NULL,
                 'owner: an unknown calendar is refused');
SELECT lives_ok($$INSERT INTO leadqual.owner (name, weight, active) VALUES ('ow_wmax', 1000000, false), ('ow_wtiny', 0.001, false)$$,
                'owner: weights 1000000 and 0.001 are fine');
SELECT is((SELECT format('%s|%s|%s', weight, active, pg_temp.turns(name)) FROM leadqual.owner WHERE name = 'ow_wmax'),
          '1000000|f|0', 'owner: a new owner has taken no turns yet');

------------------------------------------------------------------------------
-- Round-robin, equal weights
------------------------------------------------------------------------------

-- inserted out of name order: turns go by name, not by insertion
INSERT INTO leadqual.owner (name) VALUES ('ow_c'), ('ow_a'), ('ow_b');
INSERT INTO ow_leads (id, score) SELECT g, 60 FROM generate_series(1, 30) AS g;
SELECT is(pg_temp.owners(1, 9), 'ow_a,ow_b,ow_c,ow_a,ow_b,ow_c,ow_a,ow_b,ow_c',
          'equal weights: plain round-robin in name order');
SELECT is(pg_temp.tally(1, 30), 'ow_a=10,ow_b=10,ow_c=10', 'equal weights: 30 promotions, 10 each');
INSERT INTO ow_leads (id, score) VALUES (31, 60);
SELECT is((SELECT max(n) - min(n) FROM (SELECT count(*) AS n FROM ow_leads WHERE id <= 31 GROUP BY owner) AS t), 1::bigint,
          'equal weights: after 31, the counts differ by at most 1');
SELECT is((SELECT string_agg(format('%s=%s', name, pg_temp.turns(name)), ',' ORDER BY name) FROM leadqual.owner WHERE name IN ('ow_a', 'ow_b', 'ow_c')),
          'ow_a=11,ow_b=10,ow_c=10', 'equal weights: leadqual.owner_turn records each turn');
SELECT is((SELECT string_agg(format('%s[%s,%s)', owner, trim_scale(turn_start), trim_scale(turn_end)), ' ' ORDER BY id) FROM leadqual.owner_turn WHERE owner IN ('ow_a', 'ow_b', 'ow_c')),
          (SELECT string_agg(format('%s[%s,%s)', o, s, s + 1), ' ' ORDER BY g)
           FROM (SELECT g, (ARRAY['ow_a', 'ow_b', 'ow_c'])[1 + (g - 1) % 3] AS o, (g - 1) / 3 AS s FROM generate_series(1, 31) AS g) AS x),
          'equal weights: turns of length 1/weight, each owner''s starting where its previous one ended');
SELECT is((SELECT count(*) FROM leadqual.assignment
           WHERE lead_table = 'ow_leads'::regclass AND via = 'round_robin' AND assigned_by = current_user),
          31::bigint, 'equal weights: each assignment is logged as round_robin, by the role that promoted');
SELECT is(pg_temp.turns('ow_wmax') + pg_temp.turns('ow_wtiny'), 0::bigint,
          'inactive: inactive owners got none');

------------------------------------------------------------------------------
-- Round-robin, weights
------------------------------------------------------------------------------

UPDATE leadqual.owner SET active = false;
INSERT INTO leadqual.owner (name, weight) VALUES ('ow_heavy', 2), ('ow_light', 1);
INSERT INTO ow_leads (id, score) SELECT g, 60 FROM generate_series(101, 130) AS g;
SELECT is(pg_temp.tally(101, 130), 'ow_heavy=20,ow_light=10', 'weights 2:1: 30 promotions split 20 and 10');
SELECT is(pg_temp.owners(101, 106), 'ow_heavy,ow_light,ow_heavy,ow_heavy,ow_light,ow_heavy',
          'weights 2:1: interleaved, not in blocks');
SELECT is((SELECT string_agg(format('%s=%s', name, pg_temp.turns(name)), ',' ORDER BY name) FROM leadqual.owner WHERE name IN ('ow_a', 'ow_b', 'ow_c')),
          'ow_a=11,ow_b=10,ow_c=10', 'inactive: the deactivated owners got none of them');

UPDATE leadqual.owner SET active = false;
INSERT INTO leadqual.owner (name, weight) VALUES ('ow_x3', 3), ('ow_y1', 1);
INSERT INTO ow_leads (id, score) SELECT g, 60 FROM generate_series(201, 232) AS g;
SELECT cmp_ok((SELECT count(*) FROM ow_leads WHERE id BETWEEN 201 AND 232 AND owner = 'ow_y1'), '=', 8::bigint,
              'weights 3:1: of 32 promotions the weight-1 owner gets a quarter, 8');
SELECT cmp_ok((SELECT count(*) FROM ow_leads WHERE id BETWEEN 201 AND 232 AND owner = 'ow_x3'), '=', 24::bigint,
              'weights 3:1: and the weight-3 owner three quarters, 24');

UPDATE leadqual.owner SET active = false;
INSERT INTO leadqual.owner (name, weight) VALUES ('ow_w3', 3), ('ow_w2', 2);
INSERT INTO ow_leads (id, score) SELECT g, 60 FROM generate_series(241, 270) AS g;
SELECT is(pg_temp.tally(241, 270), 'ow_w2=12,ow_w3=18', 'weights 3:2: 30 promotions split 18 and 12');
UPDATE leadqual.owner SET active = false;
INSERT INTO leadqual.owner (name, weight) VALUES ('ow_one_a', 1), ('ow_one_b', 1), ('ow_half', 0.5);
INSERT INTO ow_leads (id) SELECT g FROM generate_series(271, 300) AS g;
UPDATE ow_leads SET score = 60 WHERE id BETWEEN 271 AND 300;
SELECT is(pg_temp.tally(271, 300), 'ow_half=6,ow_one_a=12,ow_one_b=12',
          'weights 1:1:0.5: a bulk UPDATE promoting 30 leads splits them 12, 12 and 6');

------------------------------------------------------------------------------
-- Owners' calendars
------------------------------------------------------------------------------

UPDATE leadqual.owner SET active = false;
INSERT INTO leadqual.calendar (name, time_zone) VALUES ('ow_never', 'UTC'), ('ow_later', 'UTC');
-- open every day for an hour, starting two hours from now
INSERT INTO leadqual.business_hours (calendar, weekday, opens, closes)
SELECT 'ow_later', d, date_trunc('minute', clock_timestamp() AT TIME ZONE 'UTC' + interval '2 hours')::time,
                      date_trunc('minute', clock_timestamp() AT TIME ZONE 'UTC' + interval '3 hours')::time
FROM generate_series(1, 7) AS d;
SELECT is(format('%s|%s|%s', leadqual.is_business_time('ow_never', clock_timestamp()),
                 leadqual.is_business_time('ow_later', clock_timestamp()),
                 leadqual.is_business_time('24x7', clock_timestamp())),
          'f|f|t', 'calendars: (ow_never and ow_later are closed now, 24x7 open)');
INSERT INTO leadqual.owner (name, calendar) VALUES ('ow_cal_closed', 'ow_never'), ('ow_cal_later', 'ow_later'),
                                                  ('ow_cal_open', '24x7'), ('ow_cal_plain', NULL);
INSERT INTO ow_leads (id, score) SELECT g, 60 FROM generate_series(301, 306) AS g;
SELECT is(pg_temp.owners(301, 306), 'ow_cal_open,ow_cal_plain,ow_cal_open,ow_cal_plain,ow_cal_open,ow_cal_plain',
          'calendars: owners whose calendar is closed now are skipped; one open now and one without a calendar share');
UPDATE leadqual.owner SET active = false WHERE name IN ('ow_cal_open', 'ow_cal_plain');
INSERT INTO ow_leads (id, score) VALUES (307, 60);
SELECT is(pg_temp.owners(307, 307) || ' ' || pg_temp.assignments('ow_leads', '307'), '- ',
          'nobody available: with only closed owners, the owner stays NULL and no assignment is logged');
SELECT is((SELECT format('%s>%s %s', coalesce(from_stage::text, 'NULL'), to_stage, coalesce(owner, 'NULL')) FROM leadqual.transition
           WHERE lead_table = 'ow_leads'::regclass AND lead_id = '307'),
          'NULL>mql NULL', 'nobody available: the lead is promoted all the same, logged without an owner');
UPDATE leadqual.owner SET active = false;
INSERT INTO ow_leads (id, score) VALUES (308, 60);
SELECT is(pg_temp.owners(308, 308) || ' ' || pg_temp.assignments('ow_leads', '308'), '- ',
          'nobody available: with no active owner at all, neither');

------------------------------------------------------------------------------
-- A late joiner gets no burst
------------------------------------------------------------------------------

INSERT INTO leadqual.owner (name) VALUES ('ow_p'), ('ow_q');
INSERT INTO ow_leads (id, score) SELECT g, 60 FROM generate_series(401, 410) AS g;
SELECT is(pg_temp.tally(401, 410), 'ow_p=5,ow_q=5', 'late joiner: (two owners took 5 each)');
INSERT INTO leadqual.owner (name) VALUES ('ow_r');
INSERT INTO ow_leads (id, score) SELECT g, 60 FROM generate_series(411, 419) AS g;
SELECT is(pg_temp.owners(411, 419), 'ow_r,ow_p,ow_q,ow_r,ow_p,ow_q,ow_r,ow_p,ow_q',
          'late joiner: joins at the current turn and then takes every third, with no catching up');
UPDATE leadqual.owner SET active = false WHERE name = 'ow_q';
INSERT INTO ow_leads (id, score) SELECT g, 60 FROM generate_series(420, 423) AS g;
UPDATE leadqual.owner SET active = true WHERE name = 'ow_q';
INSERT INTO ow_leads (id, score) SELECT g, 60 FROM generate_series(424, 429) AS g;
SELECT is(pg_temp.owners(420, 429), 'ow_r,ow_p,ow_r,ow_p,ow_q,ow_r,ow_p,ow_q,ow_r,ow_p',
          'returning owner: one back from a break joins at the current turn, without a burst either');

------------------------------------------------------------------------------
-- Owners scoped to tables: each table's pool takes turns on its own
------------------------------------------------------------------------------

SELECT throws_ok($$INSERT INTO leadqual.owner (name, lead_tables) VALUES ('ow_nowhere', '{}')$$, '23514', NULL,
                 'scoped: an empty list of tables is refused (NULL means every table)');
SELECT throws_ok($$INSERT INTO leadqual.owner (name, lead_tables) VALUES ('ow_null_table', '{ow_leads,NULL}')$$, '23514', NULL,
                 'scoped: so is a NULL table');
UPDATE leadqual.owner SET active = false;
CREATE TABLE ow_sandbox (id int PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                         lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', owner text);
SELECT FROM leadqual.manage('ow_sandbox', owner_column => 'owner');
INSERT INTO leadqual.owner (name, lead_tables) VALUES
    ('ow_s_a', '{ow_leads}'), ('ow_s_b', '{ow_leads}'), ('ow_s_bot', '{ow_sandbox}');
-- one real lead, then five sandbox leads, four times over
DO $$
BEGIN
    FOR i IN 0..3 LOOP
        INSERT INTO ow_leads (id, score) VALUES (431 + i, 60);
        INSERT INTO ow_sandbox (id, score) SELECT g, 60 FROM generate_series(10 * i + 1, 10 * i + 5) AS g;
    END LOOP;
END
$$;
SELECT is(pg_temp.owners(431, 434), 'ow_s_a,ow_s_b,ow_s_a,ow_s_b',
          'scoped: a table''s leads go round its own owners, however many turns another table''s pool takes between them');
SELECT is((SELECT string_agg(DISTINCT owner, ',') FROM ow_sandbox), 'ow_s_bot',
          'scoped: the sandbox''s leads go to its own owner only');
INSERT INTO leadqual.owner (name) VALUES ('ow_s_z');
INSERT INTO ow_leads (id, score) SELECT g, 60 FROM generate_series(435, 437) AS g;
INSERT INTO ow_sandbox (id, score) SELECT g, 60 FROM generate_series(101, 102) AS g;
SELECT is(pg_temp.owners(435, 437) || ' ' || (SELECT string_agg(owner, ',' ORDER BY id) FROM ow_sandbox WHERE id > 100),
          'ow_s_z,ow_s_a,ow_s_b ow_s_z,ow_s_bot',
          'scoped: an owner with no lead_tables joins every table''s pool, each at its current turn');
UPDATE leadqual.owner SET active = false WHERE name IN ('ow_s_z', 'ow_s_bot');
INSERT INTO ow_sandbox (id, score) VALUES (103, 60);
SELECT is((SELECT coalesce(owner, '-') FROM ow_sandbox WHERE id = 103) || ' ' || pg_temp.assignments('ow_sandbox', '103'), '- ',
          'scoped: with nobody active in its pool, the lead keeps no owner, though others are free');
SELECT FROM leadqual.reject('ow_leads', '431', 'recycled', 'bad_timing');
UPDATE ow_leads SET lifecycle_stage = 'mql' WHERE id = 431;
SELECT is(pg_temp.owners(431, 431), 'ow_s_b',
          'scoped: a lead its owner rejected goes to another owner of its pool');
UPDATE leadqual.owner SET lead_tables = NULL WHERE name LIKE 'ow\_s\_%';

------------------------------------------------------------------------------
-- Never back to an owner who rejected the lead
------------------------------------------------------------------------------

UPDATE leadqual.owner SET active = false;
INSERT INTO leadqual.owner (name) VALUES ('ow_s'), ('ow_t');
INSERT INTO ow_leads (id, score) VALUES (500, 60);
SELECT is(pg_temp.owners(500, 500), 'ow_s', 'rejection: (lead 500 went to ow_s)');
SELECT FROM leadqual.reject('ow_leads', '500', 'recycled', 'bad_timing');
SELECT is((SELECT owner FROM leadqual.transition WHERE lead_table = 'ow_leads'::regclass AND lead_id = '500' AND to_stage = 'recycled'),
          'ow_s', 'rejection: the log records who owned the lead when it was rejected');
INSERT INTO ow_leads (id, score) VALUES (501, 60);
SELECT is(pg_temp.owners(501, 501), 'ow_t', 'rejection: (lead 501 went to ow_t; ow_s has the next turn)');
UPDATE ow_leads SET score = 70 WHERE id = 500;
SELECT is((SELECT format('%s %s', lifecycle_stage, owner) FROM ow_leads WHERE id = 500), 'mql ow_t',
          'rejection: re-qualified, the lead ow_s rejected goes to ow_t though it was ow_s''s turn');
SELECT is(pg_temp.assignments('ow_leads', '500'), format('ow_s round_robin %1$s, ow_t round_robin %1$s', current_user),
          'rejection: logged as a round_robin assignment');
INSERT INTO ow_leads (id, score) VALUES (502, 60);
SELECT is(pg_temp.owners(502, 502), 'ow_s', 'rejection: ow_s, skipped, keeps its turn for the next lead');
-- rejected by both: nobody may have it
SELECT FROM leadqual.reject('ow_leads', '500', 'recycled', 'no_response');
UPDATE ow_leads SET owner = NULL WHERE id = 500;
UPDATE ow_leads SET score = 80 WHERE id = 500;
SELECT is((SELECT format('%s %s', lifecycle_stage, coalesce(owner, 'NULL')) FROM ow_leads WHERE id = 500), 'mql NULL',
          'rejection: rejected by both owners, the re-qualified lead is given to neither');
SELECT FROM leadqual.reject('ow_leads', '502', 'recycled', 'bad_timing');
UPDATE ow_leads SET score = 70 WHERE id = 502;
UPDATE ow_leads SET owner = 'ow_s' WHERE id = 502;
SELECT is((SELECT owner FROM ow_leads WHERE id = 502), 'ow_s', 'rejection: a person may still hand it back by hand');
SELECT FROM leadqual.reject('ow_leads', '501', 'recycled', 'bad_timing');
UPDATE leadqual.owner SET active = false WHERE name = 'ow_s';
UPDATE ow_leads SET score = 70 WHERE id = 501;
SELECT is((SELECT format('%s %s', lifecycle_stage, coalesce(owner, 'NULL')) FROM ow_leads WHERE id = 501), 'mql NULL',
          'rejection: re-qualified while still owned by the one who rejected it and nobody else available, it is not left with them');

------------------------------------------------------------------------------
-- Rows not really written take no turn
------------------------------------------------------------------------------

UPDATE leadqual.owner SET active = false;
INSERT INTO leadqual.owner (name) VALUES ('ow_up1'), ('ow_up2'), ('ow_up3');
INSERT INTO ow_leads (id, score) VALUES (550, 60);
SELECT is(pg_temp.owners(550, 550), 'ow_up1', 'upsert: (lead 550 went to ow_up1; ow_up2 is next)');
INSERT INTO ow_leads (id, score) VALUES (550, 60) ON CONFLICT (id) DO NOTHING;
INSERT INTO ow_leads (id, score) VALUES (550, 65) ON CONFLICT (id) DO UPDATE SET score = excluded.score;
SELECT is((SELECT format('%s %s', score, owner) FROM ow_leads WHERE id = 550), '65 ow_up1',
          'upsert: (an upsert of the existing lead keeps its owner)');
SELECT is(pg_temp.turns('ow_up1') + pg_temp.turns('ow_up2') + pg_temp.turns('ow_up3'), 1::bigint,
          'upsert: INSERT ... ON CONFLICT of an existing lead takes no round-robin turn');
INSERT INTO ow_leads (id, score) VALUES (551, 60);
SELECT is(pg_temp.owners(551, 551), 'ow_up2', 'upsert: the next new lead goes to the owner whose turn it was');
SELECT is((SELECT count(*) FROM leadqual.owner_turn WHERE owner LIKE 'ow_up%'),
          (SELECT count(*) FROM leadqual.assignment WHERE owner LIKE 'ow_up%' AND via = 'round_robin'),
          'upsert: a turn is recorded only for a row written: one a round-robin assignment');
-- in one statement, a subtransaction that rolled back gives its turn back
DO $$
BEGIN
    BEGIN
        INSERT INTO ow_leads (id, score) VALUES (552, 60);
        RAISE EXCEPTION 'undone';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    INSERT INTO ow_leads (id, score) VALUES (553, 60);
END
$$;
SELECT is(coalesce(pg_temp.owners(552, 553), '') || ' ' || pg_temp.turns('ow_up3'), 'ow_up3 1',
          'rollback: the turn of a rolled-back subtransaction goes to the next lead of the same statement');

------------------------------------------------------------------------------
-- An owner already set is kept
------------------------------------------------------------------------------

UPDATE leadqual.owner SET active = true WHERE name IN ('ow_s', 'ow_t');
CREATE TEMP TABLE ow_before AS SELECT count(*) AS n FROM leadqual.owner_turn;
INSERT INTO ow_leads (id, score, owner) VALUES (600, 60, 'ow_someone');
INSERT INTO ow_leads (id, owner) VALUES (601, 'ow_t');
UPDATE ow_leads SET score = 60 WHERE id = 601;
SELECT is(pg_temp.owners(600, 601) || ' ' || (SELECT string_agg(lifecycle_stage::text, ',' ORDER BY id) FROM ow_leads WHERE id IN (600, 601)),
          'ow_someone,ow_t mql,mql', 'preset: a lead promoted with an owner keeps it');
SELECT is(pg_temp.assignments('ow_leads', '600') || ' / ' || pg_temp.assignments('ow_leads', '601'),
          format('ow_someone manual %1$s / ow_t manual %1$s', current_user),
          'preset: inserting a row with an owner logs a manual assignment; the promotion logs none');
SELECT is((SELECT count(*) FROM leadqual.owner_turn) - (SELECT n FROM ow_before), 0::bigint,
          'preset: and round-robin counted no turn');
UPDATE ow_leads SET owner = NULL WHERE id = 601;
SELECT is((SELECT coalesce(owner, 'NULL') FROM ow_leads WHERE id = 601), 'NULL',
          'preset: clearing the owner of a lead already in mql assigns nobody (only entering mql does)');

------------------------------------------------------------------------------
-- Promotion by hand; the row carries the owner in the same statement
------------------------------------------------------------------------------

UPDATE leadqual.owner SET active = false;
INSERT INTO leadqual.owner (name) VALUES ('ow_u');
INSERT INTO ow_leads (id, score) VALUES (700, 60) RETURNING owner AS ret_insert
\gset
SELECT is(:'ret_insert'::text, 'ow_u', 'same statement: INSERT ... RETURNING shows the owner assigned at promotion');
INSERT INTO ow_leads (id) VALUES (701), (702);
UPDATE ow_leads SET score = 75 WHERE id = 701 RETURNING owner AS ret_update
\gset
SELECT is(:'ret_update'::text, 'ow_u', 'same statement: UPDATE ... RETURNING shows it for a promotion by score');
UPDATE ow_leads SET lifecycle_stage = 'mql' WHERE id = 702 RETURNING owner AS ret_hand
\gset
SELECT is(:'ret_hand'::text, 'ow_u', 'by hand: moving a lead to mql by UPDATE with no owner assigns one too');
SELECT is((SELECT format('%s %s', t.via, a.via) FROM leadqual.transition AS t, leadqual.assignment AS a
           WHERE t.lead_table = 'ow_leads'::regclass AND t.lead_id = '702' AND t.to_stage = 'mql'
             AND a.lead_table = 'ow_leads'::regclass AND a.lead_id = '702'),
          'manual round_robin', 'by hand: a manual move, a round_robin assignment');
INSERT INTO ow_leads (id, lifecycle_stage) VALUES (703, 'mql') RETURNING owner AS ret_insert_mql
\gset
SELECT is(:'ret_insert_mql'::text, 'ow_u', 'by hand: inserting a lead straight into mql assigns one as well');
UPDATE ow_leads SET lifecycle_stage = 'sal' WHERE id = 702;
SELECT is(pg_temp.turns('ow_u'), 4::bigint,
          'by hand: moving on from mql assigns nobody again');

------------------------------------------------------------------------------
-- Typed owner columns
------------------------------------------------------------------------------

CREATE TABLE ow_typed (id int PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                       rep varchar(5));
SELECT leadqual.manage('ow_typed', owner_column => 'rep');
INSERT INTO ow_typed (id, score) VALUES (1, 60);
SELECT is((SELECT rep FROM ow_typed WHERE id = 1), 'ow_u'::varchar(5), 'typed: a varchar(5) owner column takes the name');
UPDATE leadqual.owner SET active = false;
INSERT INTO leadqual.owner (name) VALUES ('ow_toolong');
SELECT throws_ok($$INSERT INTO ow_typed (id, score) VALUES (2, 60)$$, '22001', NULL,
                 'typed: a name too long for the column fails the statement');
SELECT is(pg_temp.turns('ow_toolong'), 0::bigint,
          'typed: and counts no turn');

CREATE DOMAIN ow_rep AS text CONSTRAINT ow_rep_not_bad CHECK (VALUE <> 'ow_bad');
CREATE TABLE ow_dom (id int PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                     lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                     rep ow_rep);
SELECT leadqual.manage('ow_dom', owner_column => 'rep');
UPDATE leadqual.owner SET active = false;
INSERT INTO leadqual.owner (name) VALUES ('ow_bad');
INSERT INTO ow_dom (id) VALUES (1);
SELECT throws_ok($$INSERT INTO ow_dom (id, score) VALUES (2, 60)$$, '23514', NULL,
                 'domain: an assigned name the domain''s CHECK refuses fails the INSERT');
SELECT throws_ok($$UPDATE ow_dom SET score = 60 WHERE id = 1$$, '23514', NULL,
                 'domain: and the UPDATE that promotes');
SELECT is((SELECT format('%s|%s|%s|%s', (SELECT string_agg(id || ':' || lifecycle_stage || ':' || coalesce(rep, 'NULL'), ',') FROM ow_dom),
                         (SELECT count(*) FROM leadqual.transition WHERE lead_table = 'ow_dom'::regclass),
                         (SELECT count(*) FROM leadqual.assignment WHERE lead_table = 'ow_dom'::regclass),
                         pg_temp.turns('ow_bad'))),
          '1:lead:NULL|1|0|0', 'domain: nothing changed: no row, no promotion, no log, no assignment, no turn');
INSERT INTO leadqual.owner (name) VALUES ('ow_good');
UPDATE leadqual.owner SET active = false WHERE name = 'ow_bad';
INSERT INTO ow_dom (id, score) VALUES (2, 60);
SELECT is((SELECT rep::text FROM ow_dom WHERE id = 2), 'ow_good', 'domain: a name the domain accepts is written');

------------------------------------------------------------------------------
-- Other ways of managing: promote_to, a model, partitions
------------------------------------------------------------------------------

UPDATE leadqual.owner SET active = false;
INSERT INTO leadqual.owner (name) VALUES ('ow_k');
CREATE TABLE ow_pql (id int PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                     lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', rep text);
SELECT leadqual.manage('ow_pql', promote_to => 'pql', owner_column => 'rep');
INSERT INTO ow_pql (id) VALUES (1), (2);
UPDATE ow_pql SET lifecycle_stage = 'mql' WHERE id = 1;
UPDATE ow_pql SET score = 60 WHERE id = 2;
SELECT is((SELECT string_agg(format('%s:%s:%s', id, lifecycle_stage, coalesce(rep, 'NULL')), ',' ORDER BY id) FROM ow_pql),
          '1:mql:NULL,2:pql:ow_k', 'promote_to pql: a lead is assigned on entering pql, not mql');

CREATE TABLE ow_scored (id int PRIMARY KEY, title text, company_size int, industry text,
                        score integer NOT NULL DEFAULT 0,
                        lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', rep text);
SELECT leadqual.manage('ow_scored', model => 'default', owner_column => 'rep');
SELECT is((SELECT format('%s|%s', model, owner_column) FROM leadqual.managed WHERE leads = 'ow_scored'::regclass),
          'default|rep', 'model: managed shows the model and the owner column');
INSERT INTO ow_scored (id, title, company_size, industry) VALUES (1, 'VP Sales', 100, 'saas');
SELECT FROM leadqual.track('ow_scored', '1', 'pricing_page_view');
SELECT is((SELECT format('%s %s', lifecycle_stage, coalesce(rep, 'NULL')) FROM ow_scored WHERE id = 1), 'mql ow_k',
          'model: a lead its events promote is assigned');
UPDATE ow_scored SET title = 'CEO' WHERE id = 1;
SELECT is(pg_temp.assignments('ow_scored', '1'), format('ow_k round_robin %s', current_user),
          'model: a later rescoring UPDATE logs no assignment');

CREATE TABLE ow_parts (id int, region text, score integer NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', rep text,
                       PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE ow_parts_eu PARTITION OF ow_parts FOR VALUES IN ('eu');
CREATE TABLE ow_parts_us PARTITION OF ow_parts FOR VALUES IN ('us');
SELECT leadqual.manage('ow_parts', owner_column => 'rep');
INSERT INTO ow_parts (id, region, score) VALUES (1, 'eu', 60);
UPDATE ow_parts SET region = 'us' WHERE id = 1;
SELECT is((SELECT format('%s %s %s', tableoid::regclass, lifecycle_stage, rep) FROM ow_parts WHERE id = 1),
          'ow_parts_us mql ow_k', 'partitions: a promoted lead is assigned, and keeps its owner moving to another partition');
SELECT is(pg_temp.assignments('ow_parts', '1') || ' / ' || pg_temp.turns('ow_k'),
          format('ow_k round_robin %s / 3', current_user),
          'partitions: the move logs no assignment and takes no turn');

------------------------------------------------------------------------------
-- The assignment log, as the role making the change
------------------------------------------------------------------------------

UPDATE leadqual.owner SET active = false;
INSERT INTO leadqual.owner (name) VALUES ('ow_m'), ('ow_n');
CREATE ROLE lq_tap_ow_app;
GRANT SELECT, INSERT, UPDATE ON ow_leads TO lq_tap_ow_app;
SET LOCAL ROLE lq_tap_ow_app;
INSERT INTO ow_leads (id, score) VALUES (800, 60);
UPDATE ow_leads SET owner = 'ow_n' WHERE id = 800;
UPDATE ow_leads SET owner = NULL WHERE id = 800;
UPDATE ow_leads SET owner = 'ow_n' WHERE id = 800;
SELECT throws_ok($$DELETE FROM leadqual.owner_turn$$, '42501', NULL,
                 'log: (the role may not change the owners'' turns itself)');
RESET ROLE;
SELECT is(pg_temp.assignments('ow_leads', '800'),
          'ow_m round_robin lq_tap_ow_app, ow_n manual lq_tap_ow_app, NULL manual lq_tap_ow_app, ow_n manual lq_tap_ow_app',
          'log: round-robin at promotion, then by hand, cleared (owner NULL) and set again, each by the role that did it');
SELECT is(pg_temp.turns('ow_m'), 1::bigint,
          'log: round-robin ran for a role that cannot write leadqual.owner');
SELECT ok((SELECT bool_and(assigned_at >= now() AND assigned_at <= clock_timestamp()) FROM leadqual.assignment
           WHERE lead_table = 'ow_leads'::regclass AND lead_id = '800'),
          'log: assigned_at is the time of each change');
UPDATE ow_leads SET owner = owner, score = score + 1 WHERE id = 800;
SELECT is((SELECT count(*) FROM leadqual.assignment WHERE lead_table = 'ow_leads'::regclass AND lead_id = '800'), 4::bigint,
          'log: an UPDATE that rewrites the same owner logs nothing');

------------------------------------------------------------------------------
-- The owner on the transition log and on SLA clocks
------------------------------------------------------------------------------

INSERT INTO leadqual.sla_policy (name, stage, target, calendar) VALUES ('ow_sal', 'sal', '1 hour', '24x7');
INSERT INTO ow_leads (id, score) VALUES (900, 60);
UPDATE ow_leads SET lifecycle_stage = 'sal' WHERE id = 900;
UPDATE ow_leads SET owner = 'ow_z' WHERE id = 900;
UPDATE ow_leads SET lifecycle_stage = 'sql' WHERE id = 900;
SELECT is((SELECT string_agg(format('%s:%s', to_stage, coalesce(owner, 'NULL')), ',' ORDER BY id) FROM leadqual.transition
           WHERE lead_table = 'ow_leads'::regclass AND lead_id = '900'),
          'mql:ow_n,sal:ow_n,sql:ow_z', 'transition.owner: the owner the lead had at each stage change');

INSERT INTO ow_leads (id, score) VALUES (901, 60);
UPDATE ow_leads SET lifecycle_stage = 'sal' WHERE id = 901;
SELECT is((SELECT string_agg(format('%s:%s:%s', policy, coalesce(stopped_by::text, 'open'), owner), ',' ORDER BY id)
           FROM leadqual.sla_clock WHERE lead_table = 'ow_leads'::regclass AND lead_id = '901'),
          'mql:stage_exit:ow_m,ow_sal:open:ow_m', 'clocks: (the mql clock stopped on leaving mql; the sal one runs, both ow_m''s)');
UPDATE ow_leads SET owner = 'ow_zed' WHERE id = 901;
SELECT is((SELECT string_agg(format('%s:%s:%s', policy, coalesce(stopped_by::text, 'open'), owner), ',' ORDER BY id)
           FROM leadqual.sla_clock WHERE lead_table = 'ow_leads'::regclass AND lead_id = '901'),
          'mql:stage_exit:ow_m,ow_sal:open:ow_zed', 'clocks: a reassignment hands the open clock to the new owner, not the stopped one');
UPDATE ow_leads SET owner = NULL WHERE id = 901;
SELECT is((SELECT coalesce(owner, 'NULL') FROM leadqual.sla_clock WHERE lead_table = 'ow_leads'::regclass AND lead_id = '901' AND policy = 'ow_sal'),
          'NULL', 'clocks: clearing the owner leaves the open clock without one');
SELECT is((SELECT count(*) FROM leadqual.sla_breaches WHERE owner = 'ow_zed'), 0::bigint,
          'clocks: (nothing is breached yet)');

SELECT * FROM finish();
ROLLBACK;
