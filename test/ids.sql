-- Lead ids of any type: bigint, integer, uuid and text ids are promoted,
-- logged as the id's text form, and found by leadqual.reject().
\ir helpers/setup.psql

SELECT plan(39);

CREATE TABLE i_bigint (id bigint  PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE i_int    (id integer PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE i_uuid   (id uuid    PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE i_text   (id text    PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('i_bigint');
SELECT FROM leadqual.manage('i_int');
SELECT FROM leadqual.manage('i_uuid');
SELECT FROM leadqual.manage('i_text');

------------------------------------------------------------------------------
-- bigint
------------------------------------------------------------------------------

-- 2^53 + 1: a float would round it
INSERT INTO i_bigint VALUES (9007199254740993, 60), (-42, 10), (7, 10);
UPDATE i_bigint SET score = 70 WHERE id = -42;
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM i_bigint ORDER BY id$$,
                  $$VALUES (-42::bigint, 'mql'), (7, 'lead'), (9007199254740993, 'mql')$$,
                  'bigint ids: the leads scoring 60 and 70 are promoted');
SELECT results_eq($$SELECT lead_id, from_stage::text, to_stage::text FROM leadqual.transition
                    WHERE lead_table = 'i_bigint'::regclass AND via = 'promotion' ORDER BY id$$,
                  $$VALUES ('9007199254740993', NULL, 'mql'), ('-42', 'lead', 'mql')$$,
                  'bigint ids: the promotions are logged with the ids as text, digit for digit');
SELECT lives_ok($$SELECT leadqual.reject('i_bigint', '9007199254740993', 'recycled', 'bad_timing')$$,
                'bigint ids: reject() takes the id as text');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM i_bigint ORDER BY id$$,
                  $$VALUES (-42::bigint, 'mql'), (7, 'lead'), (9007199254740993, 'recycled')$$,
                  'bigint ids: reject() recycled that lead and no other');
SELECT is(pg_temp.last_move('i_bigint', '9007199254740993'),
          'mql>recycled rejection score=60 reason=bad_timing by=' || current_user,
          'bigint ids: the rejection is logged under the id''s text form');
SELECT throws_ok($$SELECT leadqual.reject('i_bigint', '9007199254740992', 'recycled', 'bad_timing')$$,
                 'P0002', NULL, 'bigint ids: reject() of an id that is not there raises no_data_found');

------------------------------------------------------------------------------
-- integer
------------------------------------------------------------------------------

INSERT INTO i_int VALUES (2147483647, 55), (-2147483648, 10), (0, 10);
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM i_int ORDER BY id$$,
                  $$VALUES (-2147483648, 'lead'), (0, 'lead'), (2147483647, 'mql')$$,
                  'integer ids: the lead scoring 55 is promoted');
SELECT is(pg_temp.moves('i_int', '2147483647'), '{"NULL>mql promotion"}',
          'integer ids: the promotion is logged under the id''s text form');
SELECT lives_ok($$SELECT leadqual.reject('i_int', '-2147483648', 'disqualified', 'not_icp')$$,
                'integer ids: reject() finds a negative id');
SELECT lives_ok($$SELECT leadqual.reject('i_int', '0', 'recycled', 'no_response')$$,
                'integer ids: reject() finds id 0');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM i_int ORDER BY id$$,
                  $$VALUES (-2147483648, 'disqualified'), (0, 'recycled'), (2147483647, 'mql')$$,
                  'integer ids: each reject() moved its own lead only');
SELECT results_eq($$SELECT lead_id, to_stage::text, reason FROM leadqual.transition
                    WHERE lead_table = 'i_int'::regclass AND via = 'rejection' ORDER BY id$$,
                  $$VALUES ('-2147483648', 'disqualified', 'not_icp'), ('0', 'recycled', 'no_response')$$,
                  'integer ids: the rejections are logged with the ids as text');
SELECT throws_ok($$SELECT leadqual.reject('i_int', '1', 'recycled', 'bad_timing')$$,
                 'P0002', NULL, 'integer ids: reject() of an id that is not there raises no_data_found');
SELECT throws_ok($$SELECT leadqual.reject('i_int', 'forty-two', 'recycled', 'bad_timing')$$,
                 '22P02', NULL, 'integer ids: reject() of text that is no integer is an invalid_text_representation');

------------------------------------------------------------------------------
-- uuid
------------------------------------------------------------------------------

INSERT INTO i_uuid VALUES ('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 80),
                          ('{b1ffcd88-0d1c-4ff9-8c7e-7cc0ce491b22}', 20);
SELECT results_eq($$SELECT id::text, lifecycle_stage::text FROM i_uuid ORDER BY id$$,
                  $$VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'mql'), ('b1ffcd88-0d1c-4ff9-8c7e-7cc0ce491b22', 'lead')$$,
                  'uuid ids: the lead scoring 80 is promoted');
SELECT results_eq($$SELECT lead_id, to_stage::text, via::text FROM leadqual.transition
                    WHERE lead_table = 'i_uuid'::regclass ORDER BY id$$,
                  $$VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'mql', 'promotion'),
                           ('b1ffcd88-0d1c-4ff9-8c7e-7cc0ce491b22', 'lead', 'manual')$$,
                  'uuid ids: logged in the canonical lower-case text form, not as typed');
UPDATE i_uuid SET score = 90 WHERE id = 'b1ffcd88-0d1c-4ff9-8c7e-7cc0ce491b22';
SELECT is(pg_temp.last_move('i_uuid', 'b1ffcd88-0d1c-4ff9-8c7e-7cc0ce491b22'),
          'lead>mql promotion score=90 reason=NULL by=' || current_user,
          'uuid ids: an UPDATE promotion is logged under the canonical text form');
SELECT lives_ok($$SELECT leadqual.reject('i_uuid', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'recycled', 'no_budget')$$,
                'uuid ids: reject() finds the lead by its canonical text form');
SELECT lives_ok($$SELECT leadqual.reject('i_uuid', '{B1FFCD88-0D1C-4FF9-8C7E-7CC0CE491B22}', 'disqualified', 'duplicate')$$,
                'uuid ids: reject() finds the lead by any text uuid accepts (upper case, braces)');
SELECT results_eq($$SELECT id::text, lifecycle_stage::text FROM i_uuid ORDER BY id$$,
                  $$VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'recycled'),
                           ('b1ffcd88-0d1c-4ff9-8c7e-7cc0ce491b22', 'disqualified')$$,
                  'uuid ids: both leads were rejected to their stages');
SELECT is(pg_temp.last_move('i_uuid', 'b1ffcd88-0d1c-4ff9-8c7e-7cc0ce491b22'),
          'mql>disqualified rejection score=90 reason=duplicate by=' || current_user,
          'uuid ids: the rejection is logged under the canonical text form, not the text passed to reject()');
SELECT throws_ok($$SELECT leadqual.reject('i_uuid', '00000000-0000-0000-0000-000000000000', 'recycled', 'bad_timing')$$,
                 'P0002', NULL, 'uuid ids: reject() of an id that is not there raises no_data_found');
SELECT throws_ok($$SELECT leadqual.reject('i_uuid', 'not-a-uuid', 'recycled', 'bad_timing')$$,
                 '22P02', NULL, 'uuid ids: reject() of text that is no uuid is an invalid_text_representation');

------------------------------------------------------------------------------
-- text
------------------------------------------------------------------------------

INSERT INTO i_text VALUES ('O''Brien, Ann <ann@example.com>', 75),
                          ('x', 10), ('x ', 10), ('X', 10),
                          ('lead ü/名前 \n', 65), ('', 10);
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM i_text ORDER BY id COLLATE "C"$$,
                  $$VALUES ('', 'lead'), ('O''Brien, Ann <ann@example.com>', 'mql'), ('X', 'lead'),
                           ('lead ü/名前 \n', 'mql'), ('x', 'lead'), ('x ', 'lead')$$,
                  'text ids: the leads scoring 75 and 65 are promoted');
SELECT results_eq($$SELECT lead_id FROM leadqual.transition
                    WHERE lead_table = 'i_text'::regclass AND via = 'promotion' ORDER BY id$$,
                  $$VALUES ('O''Brien, Ann <ann@example.com>'), ('lead ü/名前 \n')$$,
                  'text ids: logged exactly as stored, quotes, spaces and non-ASCII included');
SELECT is(pg_temp.log_count('i_text', ''), 1::bigint, 'text ids: the empty-string id is logged too');
SELECT lives_ok($$SELECT leadqual.reject('i_text', 'O''Brien, Ann <ann@example.com>', 'recycled', 'bad_timing')$$,
                'text ids: reject() finds an id with a quote and a comma');
SELECT lives_ok($$SELECT leadqual.reject('i_text', 'x', 'disqualified', 'duplicate')$$,
                'text ids: reject() of ''x''');
SELECT lives_ok($$SELECT leadqual.reject('i_text', '', 'disqualified', 'duplicate')$$,
                'text ids: reject() of the empty-string id');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM i_text ORDER BY id COLLATE "C"$$,
                  $$VALUES ('', 'disqualified'), ('O''Brien, Ann <ann@example.com>', 'recycled'), ('X', 'lead'),
                           ('lead ü/名前 \n', 'mql'), ('x', 'disqualified'), ('x ', 'lead')$$,
                  'text ids: reject() matched exactly: not ''x '' nor ''X'' for ''x''');
SELECT is(pg_temp.last_move('i_text', 'O''Brien, Ann <ann@example.com>'),
          'mql>recycled rejection score=75 reason=bad_timing by=' || current_user,
          'text ids: the rejection is logged under the id as stored');
SELECT throws_ok($$SELECT leadqual.reject('i_text', 'nobody', 'recycled', 'bad_timing')$$,
                 'P0002', NULL, 'text ids: reject() of an id that is not there raises no_data_found');
SELECT throws_ok($$SELECT leadqual.reject('i_text', 'x%', 'recycled', 'bad_timing')$$,
                 'P0002', NULL, 'text ids: reject() compares with =, not LIKE');

------------------------------------------------------------------------------
-- every row needs an id; other id types work too
------------------------------------------------------------------------------

CREATE TABLE i_nullable (id text, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('i_nullable');
SELECT throws_ok($$INSERT INTO i_nullable VALUES (NULL, 60)$$, '23502', NULL,
                 'a row without an id cannot be logged, so it is refused with not_null_violation');
SELECT is_empty($$SELECT * FROM i_nullable$$, 'and it was not inserted');

CREATE DOMAIN lead_code AS varchar(12) CHECK (VALUE ~ '^L-[0-9]+$');
CREATE TABLE i_domain (id lead_code PRIMARY KEY, score numeric(5,1), lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('i_domain');
INSERT INTO i_domain VALUES ('L-001', 50.0), ('L-002', 49.9);
SELECT results_eq($$SELECT id::text, lifecycle_stage::text FROM i_domain ORDER BY id$$,
                  $$VALUES ('L-001', 'mql'), ('L-002', 'lead')$$,
                  'ids of a domain over varchar: promotion works');
SELECT lives_ok($$SELECT leadqual.reject('i_domain', 'L-002', 'recycled', 'bad_timing')$$,
                'ids of a domain over varchar: reject() finds the lead');
SELECT is(pg_temp.moves('i_domain', 'L-002'), '{"NULL>lead manual","lead>recycled rejection"}',
          'ids of a domain over varchar: logged under the id''s text');
SELECT throws_ok($$SELECT leadqual.reject('i_domain', 'nope', 'recycled', 'bad_timing')$$,
                 '23514', NULL, 'ids of a domain: an id the domain refuses is a check_violation');

SELECT * FROM finish();
ROLLBACK;
