-- Hostile input: every public function and both triggers fed NULLs, empty
-- strings, wrong types, unknown objects, injection-shaped names, non-finite
-- and extreme scores, and odd lead ids.  Each bad call fails with its
-- documented SQLSTATE (or gives its documented result), runs nothing
-- injected, and leaves the log, the triggers and the leads as they were.
\ir helpers/setup.psql

SELECT plan(222);

-- The canary: any injected "DROP TABLE x" that ran would remove it.
CREATE TABLE x (canary text);
INSERT INTO x VALUES ('alive');

CREATE TYPE h_other_stage AS ENUM ('subscriber', 'lead', 'mql', 'pql', 'sal', 'sql',
                                   'opportunity', 'customer', 'evangelist', 'recycled', 'disqualified');
CREATE TYPE h_composite AS (a integer);
CREATE TABLE h_leads (
    id              integer PRIMARY KEY,
    score           integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    tags            text[],
    doc             json,
    other_stage     h_other_stage,
    stage_text      text,
    note            text
);
INSERT INTO h_leads (id, score) VALUES (1, 10), (2, 60);
CREATE VIEW h_view AS SELECT * FROM h_leads;
CREATE SEQUENCE h_seq;
CREATE INDEX h_leads_note_idx ON h_leads (note);
CREATE TABLE h_json (doc json, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');

-- Log rows and leadqual triggers, all tables together.
CREATE FUNCTION pg_temp.counts() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT format('log=%s triggers=%s',
                  (SELECT count(*) FROM leadqual.transition),
                  (SELECT count(*) FROM pg_trigger
                   WHERE tgfoid IN ('leadqual.qualify()'::regprocedure, 'leadqual.log_transition()'::regprocedure)))
$$;

CREATE FUNCTION pg_temp.canary_alive() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT FROM pg_class WHERE oid = to_regclass('public.x'))
$$;

------------------------------------------------------------------------------
-- funnel_rank(), is_funnel_stage(), trigger_arguments()
------------------------------------------------------------------------------

SELECT is(leadqual.funnel_rank(NULL), NULL::integer, 'funnel_rank(NULL) is NULL (STRICT)');
SELECT is(leadqual.is_funnel_stage(NULL), NULL::boolean, 'is_funnel_stage(NULL) is NULL (STRICT)');
SELECT is(leadqual.trigger_arguments(NULL), NULL::text[], 'trigger_arguments(NULL) is NULL (STRICT)');
SELECT throws_ok($$SELECT leadqual.funnel_rank('')$$, '22P02', NULL,
                 'funnel_rank(''''): invalid_text_representation from the enum input');
SELECT throws_ok($$SELECT leadqual.funnel_rank('nonsense')$$, '22P02', NULL,
                 'funnel_rank(''nonsense''): invalid_text_representation');
SELECT throws_ok($$SELECT leadqual.is_funnel_stage('MQL')$$, '22P02', NULL,
                 'is_funnel_stage(''MQL''): labels are case-sensitive');
SELECT throws_ok($$SELECT leadqual.is_funnel_stage(' mql')$$, '22P02', NULL,
                 'is_funnel_stage('' mql''): no trimming');
SELECT throws_ok($$SELECT leadqual.funnel_rank(3)$$, '42883', NULL,
                 'funnel_rank(integer): undefined_function');
SELECT throws_ok($$SELECT leadqual.funnel_rank('mql'::text)$$, '42883', NULL,
                 'funnel_rank(text): undefined_function, no implicit cast');
SELECT throws_ok($$SELECT leadqual.is_funnel_stage('mql'::h_other_stage)$$, '42883', NULL,
                 'is_funnel_stage() of another enum with the same labels: undefined_function');
SELECT throws_ok($$SELECT leadqual.funnel_rank('{mql}'::leadqual.lifecycle_stage[])$$, '42883', NULL,
                 'funnel_rank() of an array of stages: undefined_function');
SELECT is(leadqual.trigger_arguments(''::bytea), '{}'::text[], 'trigger_arguments of an empty bytea is {}');
SELECT is(leadqual.trigger_arguments('\x00'::bytea), '{""}'::text[], 'trigger_arguments of one NUL is one empty argument');
SELECT is(leadqual.trigger_arguments(decode('610000623d63227b2c5c00', 'hex')), ARRAY['a', '', 'b=c"{,\'],
          'trigger_arguments splits on NUL only: empty arguments, =, quotes, braces, commas and backslashes kept');
SELECT throws_ok($$SELECT leadqual.trigger_arguments('\xc328ff00'::bytea)$$, '22021', NULL,
                 'trigger_arguments of bytes that are not valid in the server encoding: character_not_in_repertoire, not an invalid text value');
SELECT throws_ok($$SELECT leadqual.trigger_arguments('id_column=id'::text)$$, '42883', NULL,
                 'trigger_arguments(text): undefined_function');

------------------------------------------------------------------------------
-- manage(): every bad argument fails and creates nothing
------------------------------------------------------------------------------

SELECT pg_temp.fingerprint() AS fp_manage \gset

SELECT throws_ok($$SELECT leadqual.manage(NULL)$$, '22004', NULL, 'manage(NULL): null_value_not_allowed');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', id_column => NULL)$$, '22004', NULL, 'manage() NULL id_column: 22004');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', score_column => NULL)$$, '22004', NULL, 'manage() NULL score_column: 22004');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', stage_column => NULL)$$, '22004', NULL, 'manage() NULL stage_column: 22004');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', model => '')$$, '42704', NULL, 'manage() empty model name: 42704');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', model => 'default; DROP TABLE h_leads')$$, '42704', NULL, 'manage() injection-shaped model name: 42704');
SELECT throws_ok($$SELECT leadqual.manage('')$$, '42602', NULL, 'manage('''') : invalid_name from the regclass input');
SELECT throws_ok($$SELECT leadqual.manage('h_nope')$$, '42P01', NULL, 'manage() of an unknown table: undefined_table');
SELECT throws_ok($$SELECT leadqual.manage('leads; DROP TABLE x')$$, '42602', NULL,
                 'manage() of an unquoted injection-shaped name: refused by the regclass input');
SELECT throws_ok($$SELECT leadqual.manage(2147483647::oid::regclass)$$, '42P01', NULL,
                 'manage() of an OID that names no relation: undefined_table');
SELECT throws_ok($$SELECT leadqual.manage('h_view')$$, '42809', NULL, 'manage() of a view: wrong_object_type');
SELECT throws_ok($$SELECT leadqual.manage('h_seq')$$, '42809', NULL, 'manage() of a sequence: wrong_object_type');
SELECT throws_ok($$SELECT leadqual.manage('h_leads_note_idx')$$, '42809', NULL, 'manage() of an index: wrong_object_type');
SELECT throws_ok($$SELECT leadqual.manage('h_composite')$$, '42809', NULL, 'manage() of a composite type: wrong_object_type');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', id_column => '')$$, '42703', NULL, 'manage() with '''' as id column: undefined_column');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', score_column => '')$$, '42703', NULL, 'manage() with '''' as score column: undefined_column');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', stage_column => '')$$, '42703', NULL, 'manage() with '''' as stage column: undefined_column');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', id_column => 'ID')$$, '42703', NULL, 'manage() with ''ID'' for id: names are not case-folded');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', score_column => ' score')$$, '42703', NULL, 'manage() with '' score'': names are not trimmed');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', id_column => 'id"; DROP TABLE x; --')$$, '42703', NULL,
                 'manage() with an injection-shaped column name that does not exist: undefined_column');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', score_column => 'tags')$$, '42804', NULL, 'manage() with a text[] score column: datatype_mismatch');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', score_column => 'doc')$$, '42804', NULL, 'manage() with a json score column: datatype_mismatch');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', stage_column => 'other_stage')$$, '42804', NULL,
                 'manage() with a stage column of another enum type: datatype_mismatch');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', stage_column => 'stage_text')$$, '42804', NULL,
                 'manage() with a text stage column: datatype_mismatch');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', id_column => 'score')$$, '42701', NULL,
                 'manage() with the score column as id column: duplicate_column');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', threshold => 'abc')$$, '22P02', NULL, 'manage() threshold ''abc'': invalid_text_representation');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', threshold => '')$$, '22P02', NULL, 'manage() threshold '''': invalid_text_representation');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', threshold => '1e1000000')$$, '22003', NULL, 'manage() threshold beyond numeric: numeric_value_out_of_range');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', threshold => 'NaN')$$, '22023', NULL, 'manage() threshold NaN: invalid_parameter_value');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', threshold => '-Infinity')$$, '22023', NULL, 'manage() threshold -Infinity: invalid_parameter_value');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', threshold => '50'::text)$$, '42883', NULL, 'manage() threshold of type text: undefined_function');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', promote_to => 'nonsense')$$, '22P02', NULL, 'manage() promote_to ''nonsense'': invalid_text_representation');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', promote_to => '')$$, '22P02', NULL, 'manage() promote_to '''': invalid_text_representation');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', promote_to => 'recycled')$$, '22023', NULL, 'manage() promote_to recycled: invalid_parameter_value');
SELECT throws_ok($$SELECT leadqual.manage('h_leads', promote_to => 'mql'::h_other_stage)$$, '42883', NULL,
                 'manage() promote_to of another enum type: undefined_function');

SELECT is(pg_temp.counts(), 'log=0 triggers=0', 'after the failed manage() calls: no log row, no leadqual trigger');
SELECT is(pg_temp.fingerprint(), :'fp_manage', 'after the failed manage() calls: nothing changed at all');
SELECT ok(pg_temp.canary_alive(), 'the canary table x still exists');

-- A huge or negative threshold is a finite number: accepted and exact.
SELECT lives_ok($$SELECT leadqual.manage('h_leads', threshold => 1e400)$$, 'manage() accepts a huge threshold, 1e400');
SELECT is((SELECT threshold FROM leadqual.managed WHERE leads = 'h_leads'::regclass), 1e400,
          'leadqual.managed shows 1e400 digit for digit');
UPDATE h_leads SET score = 2147483647 WHERE id = 1;
SELECT is((SELECT lifecycle_stage::text FROM h_leads WHERE id = 1), 'lead', 'no integer reaches 1e400');
SELECT lives_ok($$SELECT leadqual.manage('h_leads', threshold => -1e30)$$, 'manage() accepts a negative threshold, -1e30');
UPDATE h_leads SET score = -2147483648 WHERE id = 1;
SELECT is((SELECT lifecycle_stage::text FROM h_leads WHERE id = 1), 'mql', 'every integer meets -1e30');
SELECT lives_ok($$SELECT leadqual.manage('h_leads')$$, 'manage() back to the defaults');

------------------------------------------------------------------------------
-- unmanage()
------------------------------------------------------------------------------

SELECT pg_temp.fingerprint() AS fp_unmanage \gset
SELECT ok(leadqual.unmanage(NULL)::text IS NULL, 'unmanage(NULL) is NULL (STRICT)');
SELECT throws_ok($$SELECT leadqual.unmanage('h_json')$$, '55000', NULL, 'unmanage() of an unmanaged table: object_not_in_prerequisite_state');
SELECT throws_ok($$SELECT leadqual.unmanage('h_view')$$, '55000', NULL, 'unmanage() of a view: object_not_in_prerequisite_state');
SELECT throws_ok($$SELECT leadqual.unmanage('h_nope')$$, '42P01', NULL, 'unmanage() of an unknown table: undefined_table');
SELECT throws_ok($$SELECT leadqual.unmanage('')$$, '42602', NULL, 'unmanage(''''): invalid_name');
SELECT throws_ok($$SELECT leadqual.unmanage('leads; DROP TABLE x')$$, '42602', NULL, 'unmanage() of an unquoted injection-shaped name: invalid_name');
SELECT is(pg_temp.fingerprint(), :'fp_unmanage', 'after unmanage(NULL) and the failed calls: nothing changed, h_leads still managed');

------------------------------------------------------------------------------
-- reject()
------------------------------------------------------------------------------

INSERT INTO h_leads (id, score) VALUES (3, 70);
SELECT FROM leadqual.manage('h_json', id_column => 'doc');
INSERT INTO h_json VALUES ('{"a": 1}', 70);
SELECT pg_temp.fingerprint() AS fp_reject \gset
SELECT pg_temp.counts() AS counts_reject \gset

SELECT throws_ok($$SELECT leadqual.reject(NULL, '3', 'recycled', 'bad_timing')$$, '22004', NULL, 'reject() NULL leads: null_value_not_allowed');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', NULL, 'recycled', 'bad_timing')$$, '22004', NULL, 'reject() NULL lead_id: 22004');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '3', NULL, 'bad_timing')$$, '22004', NULL, 'reject() NULL to_stage: 22004');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '3', 'recycled', NULL)$$, '22004', NULL, 'reject() NULL reason: 22004');
SELECT throws_ok($$SELECT leadqual.reject(NULL, NULL, NULL, NULL)$$, '22004', NULL, 'reject() all NULL: 22004');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '3', 'mql', 'bad_timing')$$, '22023', NULL, 'reject() to a funnel stage: invalid_parameter_value');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '3', 'nonsense', 'bad_timing')$$, '22P02', NULL, 'reject() to ''nonsense'': invalid_text_representation');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '3', 'recycled', '')$$, '23503', NULL, 'reject() with '''' as reason: foreign_key_violation');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '3', 'recycled', 'BAD_TIMING')$$, '23503', NULL, 'reject() reasons are case-sensitive: 23503');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '3', 'recycled', ' bad_timing')$$, '23503', NULL, 'reject() reasons are not trimmed: 23503');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '3', 'recycled', 'bad_timing''; DROP TABLE x; --')$$, '23503', NULL,
                 'reject() with an injection-shaped reason: 23503');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '', 'recycled', 'bad_timing')$$, '22P02', NULL, 'reject() with '''' as an integer lead_id: 22P02');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', 'abc', 'recycled', 'bad_timing')$$, '22P02', NULL, 'reject() with ''abc'' as an integer lead_id: 22P02');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '3.5', 'recycled', 'bad_timing')$$, '22P02', NULL, 'reject() with ''3.5'' as an integer lead_id: 22P02');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '99999999999', 'recycled', 'bad_timing')$$, '22003', NULL,
                 'reject() with an id beyond integer: numeric_value_out_of_range');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '3; DROP TABLE x', 'recycled', 'bad_timing')$$, '22P02', NULL,
                 'reject() with an injection-shaped integer lead_id: 22P02');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '42', 'recycled', 'bad_timing')$$, 'P0002', NULL, 'reject() of a lead not there: no_data_found');
SELECT throws_ok($$SELECT leadqual.reject('h_nope', '3', 'recycled', 'bad_timing')$$, '42P01', NULL, 'reject() on an unknown table: undefined_table');
SELECT throws_ok($$SELECT leadqual.reject('', '3', 'recycled', 'bad_timing')$$, '42602', NULL, 'reject() on '''': invalid_name');
SELECT throws_ok($$SELECT leadqual.reject(2147483647::oid::regclass, '3', 'recycled', 'bad_timing')$$, '42P01', NULL,
                 'reject() on an OID that names no relation: undefined_table');
SELECT throws_ok($$SELECT leadqual.reject('h_view', '3', 'recycled', 'bad_timing')$$, '55000', NULL, 'reject() on a view: object_not_in_prerequisite_state');
SELECT throws_ok($$SELECT leadqual.reject('h_seq', '3', 'recycled', 'bad_timing')$$, '55000', NULL, 'reject() on a sequence: object_not_in_prerequisite_state');
SELECT throws_ok($$SELECT leadqual.reject('h_leads_note_idx', '3', 'recycled', 'bad_timing')$$, '42809', NULL, 'reject() on an index: wrong_object_type');
SELECT throws_ok($$SELECT leadqual.reject('x', '3', 'recycled', 'bad_timing')$$, '55000', NULL, 'reject() on the unmanaged canary: 55000');
SELECT throws_ok($$SELECT leadqual.reject('h_json', '{"a": 1}', 'recycled', 'bad_timing')$$, '42883', NULL,
                 'reject() on a table with a json id (no equality): undefined_function');
SELECT throws_ok($$SELECT leadqual.reject('h_json', '{bad', 'recycled', 'bad_timing')$$, '22P02', NULL,
                 'reject() with a lead_id that is not json: invalid_text_representation');

SELECT is(pg_temp.counts(), :'counts_reject', 'after the failed reject() calls: no log row, no trigger added or removed');
SELECT is(pg_temp.fingerprint(), :'fp_reject', 'after the failed reject() calls: nothing changed at all');

------------------------------------------------------------------------------
-- merge(), erase() and import_history()
------------------------------------------------------------------------------

SELECT pg_temp.fingerprint() AS fp_identity \gset
SELECT throws_ok($$SELECT leadqual.merge('h_leads', '3; DROP TABLE x', '3')$$, '22P02', NULL,
                 'merge() with an injection-shaped integer id: 22P02');
SELECT throws_ok($$SELECT leadqual.merge('h_leads', '3', '99999999999')$$, '22003', NULL,
                 'merge() with an id beyond integer: numeric_value_out_of_range');
SELECT throws_ok($$SELECT leadqual.merge('h_leads', '3', '3')$$, '22023', NULL, 'merge() of a lead into itself: 22023');
SELECT throws_ok($$SELECT leadqual.merge('h_nope', '1', '2')$$, '42P01', NULL, 'merge() on an unknown table: undefined_table');
SELECT throws_ok($$SELECT leadqual.merge('h_view', '1', '2')$$, '55000', NULL, 'merge() on a view: 55000');
SELECT throws_ok($$SELECT leadqual.merge('h_leads_note_idx', '1', '2')$$, '42809', NULL, 'merge() on an index: wrong_object_type');
SELECT throws_ok($$SELECT leadqual.merge('x', '1', '2')$$, '55000', NULL, 'merge() on the unmanaged canary: 55000');
SELECT throws_ok($$SELECT leadqual.merge('h_json', '{"a": 1}', '{"b": 2}')$$, '42883', NULL,
                 'merge() on a table with a json id (no equality): undefined_function');
SELECT throws_ok($$SELECT * FROM leadqual.erase('h_leads', '3; DROP TABLE x')$$, '22P02', NULL,
                 'erase() with an injection-shaped integer id: 22P02');
SELECT throws_ok($$SELECT * FROM leadqual.erase('h_nope', '1')$$, '42P01', NULL, 'erase() on an unknown table: undefined_table');
SELECT throws_ok($$SELECT * FROM leadqual.erase('h_leads_note_idx', '1')$$, '42809', NULL, 'erase() on an index: wrong_object_type');
SELECT throws_ok($$SELECT * FROM leadqual.erase('x', '1')$$, '55000', NULL, 'erase() on the unmanaged canary: 55000');
CREATE TEMP VIEW h_history_injection AS
    SELECT '3; DROP TABLE x'::text AS lead_id, 'sql'::text AS to_stage, '2026-01-05'::timestamptz AS changed_at;
CREATE TEMP VIEW h_history_json AS
    SELECT '{"a": 1}'::text AS lead_id, 'sql'::text AS to_stage, '2026-01-05'::timestamptz AS changed_at;
CREATE TEMP VIEW h_history_sql AS
    SELECT '3'::text AS lead_id, $$sql'); DROP TABLE x; --$$::text AS to_stage, '2026-01-05'::timestamptz AS changed_at;
SELECT throws_ok($$SELECT * FROM leadqual.import_history('h_leads', 'h_history_injection')$$, '22P02', NULL,
                 'import_history() with an injection-shaped integer id: 22P02');
SELECT throws_ok($$SELECT * FROM leadqual.import_history('h_leads', 'h_history_sql')$$, '22P02', NULL,
                 'import_history() with an injection-shaped stage: not a stage, 22P02');
SELECT throws_ok($$SELECT * FROM leadqual.import_history('h_nope', 'h_history_injection')$$, '42P01', NULL,
                 'import_history() on an unknown table: undefined_table');
SELECT throws_ok($$SELECT * FROM leadqual.import_history('h_leads_note_idx', 'h_history_injection')$$, '42809', NULL,
                 'import_history() on an index: wrong_object_type');
SELECT throws_ok($$SELECT * FROM leadqual.import_history('x', 'h_history_injection')$$, '55000', NULL,
                 'import_history() on the unmanaged canary: 55000');
SELECT throws_ok($$SELECT * FROM leadqual.import_history('h_leads', 'h_leads_note_idx')$$, '42809', NULL,
                 'import_history() reading an index as its transitions: wrong_object_type');
SELECT throws_ok($$SELECT * FROM leadqual.import_history('h_json', 'h_history_json')$$, '42883', NULL,
                 'import_history() on a table with a json id (no equality): undefined_function');
SELECT is(pg_temp.fingerprint(), :'fp_identity', 'after the failed merge(), erase() and import_history() calls: nothing changed at all');
SELECT is((SELECT lifecycle_stage::text FROM h_leads WHERE id = 3), 'mql', 'lead 3 is still mql');

SELECT lives_ok($$SELECT leadqual.reject('h_leads', ' 3 ', 'recycled', 'bad_timing')$$,
                'reject() takes the id in any form the id type''s input accepts ('' 3 '')');
SELECT is(pg_temp.last_move('h_leads', '3'), 'mql>recycled rejection score=70 reason=bad_timing by=' || current_user,
          'and logs the id in its output form');
SELECT throws_ok($$SELECT leadqual.reject('h_leads', '3', 'recycled', 'nope')$$, '23503', NULL,
                 'reject() of a lead already recycled, with an unknown reason: 23503 all the same');
SELECT lives_ok($$SELECT leadqual.reject('h_leads', '3', 'recycled', 'no_budget')$$,
                'reject() of a lead already recycled, with a known reason: no error');
SELECT is(pg_temp.moves('h_leads', '3'), '{"NULL>mql promotion","mql>recycled rejection"}', 'and nothing more logged');

------------------------------------------------------------------------------
-- qualify() and log_transition(): called directly, attached by hand
------------------------------------------------------------------------------

CREATE TABLE h_hand (
    id              integer PRIMARY KEY,
    score           integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    tags            text[],
    other_stage     h_other_stage,
    note            text
);
INSERT INTO h_hand (id, score) VALUES (1, 59);

-- Attaches func(args) to h_hand, runs an UPDATE that raises the score to 60,
-- and returns the SQLSTATE it fails with, or 'ok' and the stage it leaves.
-- Undoes the trigger and the UPDATE either way.
CREATE FUNCTION pg_temp.hand(func text, args text, timing text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    outcome text;
BEGIN
    BEGIN
        EXECUTE format('CREATE TRIGGER hand %s INSERT OR UPDATE ON h_hand FOR EACH ROW EXECUTE FUNCTION leadqual.%I(%s)',
                       coalesce(timing, CASE func WHEN 'qualify' THEN 'BEFORE' ELSE 'AFTER' END), func, args);
        UPDATE h_hand SET score = score + 1;
        SELECT 'ok ' || lifecycle_stage INTO outcome FROM h_hand;
        RAISE EXCEPTION USING ERRCODE = 'LQ001';
    EXCEPTION
        WHEN SQLSTATE 'LQ001' THEN NULL;
        WHEN OTHERS THEN outcome := SQLSTATE;
    END;
    RETURN outcome;
END
$$;

SELECT pg_temp.fingerprint() AS fp_hand \gset
SELECT throws_ok($$SELECT leadqual.qualify()$$, '39P01', NULL, 'qualify() called directly: trigger_protocol_violated');
SELECT throws_ok($$SELECT leadqual.log_transition()$$, '39P01', NULL, 'log_transition() called directly: trigger_protocol_violated');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=60', 'promote_to=mql'$$),
          'ok mql', 'control: qualify() attached by hand with the arguments manage() writes promotes at 60');
SELECT is(pg_temp.hand('qualify', ''), '22023', 'qualify() with no arguments: invalid_parameter_value');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'promote_to=mql'$$),
          '22023', 'qualify() without threshold: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=50'$$),
          '22023', 'qualify() without promote_to: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'threshold=50', 'promote_to=mql'$$),
          '22023', 'qualify() without stage_column: 22023');
SELECT is(pg_temp.hand('qualify', $$'', '', '', '', ''$$), '22023', 'qualify() with five empty strings: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column = id', 'score_column = score', 'stage_column = lifecycle_stage', 'threshold = 50', 'promote_to = mql'$$),
          '22023', 'qualify() with spaces around = (no such keys): 22023');
SELECT is(pg_temp.hand('qualify', $$'ID_COLUMN=id', 'SCORE_COLUMN=score', 'STAGE_COLUMN=lifecycle_stage', 'THRESHOLD=50', 'PROMOTE_TO=mql'$$),
          '22023', 'qualify() with upper-case keys: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=abc', 'promote_to=mql'$$),
          '22023', 'qualify() with threshold=abc: invalid_parameter_value, the trigger''s arguments are invalid');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=', 'promote_to=mql'$$),
          '22023', 'qualify() with an empty threshold: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=1e1000000', 'promote_to=mql'$$),
          '22023', 'qualify() with a threshold beyond numeric: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=NaN', 'promote_to=mql'$$),
          '22023', 'qualify() with threshold=NaN: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=Infinity', 'promote_to=mql'$$),
          '22023', 'qualify() with threshold=Infinity: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=1e400', 'promote_to=mql'$$),
          'ok lead', 'qualify() with threshold=1e400: works, 60 does not reach it');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=-5', 'promote_to=mql'$$),
          'ok mql', 'qualify() with a negative threshold: works, 60 meets it');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=nonsense'$$),
          '22023', 'qualify() with promote_to=nonsense: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=50', 'promote_to='$$),
          '22023', 'qualify() with an empty promote_to: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=lead'$$),
          '22023', 'qualify() with promote_to=lead: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=MQL'$$),
          '22023', 'qualify() with promote_to=MQL: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=60', 'promote_to=mql', 'table_oid=16384'$$),
          'ok mql', 'qualify() with a table_oid= (what manage() writes on Citus) on a server without Citus: works as without it');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=60', 'promote_to=mql', 'table_oid=h_hand'$$),
          '22023', 'qualify() with table_oid= not a number: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=60', 'promote_to=mql', 'table_oid=4294967296'$$),
          '22023', 'qualify() with table_oid= beyond an OID: 22023');
SELECT is(pg_temp.hand('qualify', $$'id_column=', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=mql'$$),
          '42703', 'qualify() with an empty id_column: undefined_column');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=nope', 'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=mql'$$),
          '42703', 'qualify() with an unknown score column: 42703');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=ctid', 'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=mql'$$),
          '42703', 'qualify() with a system column as score: 42703');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=tags', 'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=mql'$$),
          '42804', 'qualify() with a text[] score column: datatype_mismatch');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=other_stage', 'threshold=50', 'promote_to=mql'$$),
          '42804', 'qualify() with a stage column of another enum: datatype_mismatch');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=note', 'threshold=50', 'promote_to=mql'$$),
          '42804', 'qualify() with a text stage column: datatype_mismatch');
SELECT is(pg_temp.hand('qualify', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=mql'$$, 'AFTER'),
          '39P01', 'qualify() attached AFTER: trigger_protocol_violated');
SELECT is(pg_temp.hand('log_transition', ''), '22023', 'log_transition() with no arguments: 22023');
SELECT is(pg_temp.hand('log_transition', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=abc', 'promote_to=mql'$$),
          '22023', 'log_transition() with threshold=abc: 22023');
SELECT is(pg_temp.hand('log_transition', $$'id_column=id', 'score_column=score', 'stage_column=note', 'threshold=50', 'promote_to=mql'$$),
          '42804', 'log_transition() with a text stage column: 42804');
SELECT is(pg_temp.hand('log_transition', $$'id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=mql'$$, 'BEFORE'),
          '39P01', 'log_transition() attached BEFORE: trigger_protocol_violated');
CREATE TRIGGER hand_statement BEFORE UPDATE ON h_hand FOR EACH STATEMENT EXECUTE FUNCTION leadqual.qualify();
SELECT throws_ok($$UPDATE h_hand SET score = 60$$, '39P01', NULL, 'qualify() attached FOR EACH STATEMENT: 39P01');
DROP TRIGGER hand_statement ON h_hand;
CREATE TRIGGER hand_delete BEFORE DELETE ON h_hand FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score', 'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=mql');
SELECT throws_ok($$DELETE FROM h_hand$$, '39P01', NULL, 'qualify() fired by DELETE: 39P01');
DROP TRIGGER hand_delete ON h_hand;
SELECT is(pg_temp.fingerprint(), :'fp_hand', 'after the misattached triggers: nothing changed, nothing logged, no trigger left');

-- Duplicate keys: the trigger must not act on one value while
-- leadqual.managed shows another.
CREATE TRIGGER leadqual_qualify BEFORE INSERT OR UPDATE ON h_hand FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score', 'stage_column=lifecycle_stage',
                                      'threshold=10', 'promote_to=mql', 'threshold=90');
SELECT pg_temp.try($$UPDATE h_hand SET score = 60$$) AS dup_outcome \gset
SELECT ok(:'dup_outcome' = '22023'
          OR (:'dup_outcome' = 'ok'
              AND ((SELECT lifecycle_stage FROM h_hand WHERE id = 1) = 'mql')
                  = (60 >= (SELECT threshold FROM leadqual.managed WHERE leads = 'h_hand'::regclass))),
          'duplicate threshold keys: refused (22023), or the trigger promotes by the threshold leadqual.managed shows');
DROP TRIGGER leadqual_qualify ON h_hand;
UPDATE h_hand SET score = 59, lifecycle_stage = 'lead';

------------------------------------------------------------------------------
-- Injection-shaped names: the table, the columns, the ids
------------------------------------------------------------------------------

CREATE TABLE "leads; DROP TABLE x" (
    "id""; DROP TABLE x; --"              text PRIMARY KEY,
    "Score"                               integer,
    """quoted"" Stage'); DROP TABLE x; --" leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    -- decoys: what unquoted, case-folded or truncated names would hit
    id              text,
    score           integer,
    lifecycle_stage leadqual.lifecycle_stage
);

SELECT lives_ok($$SELECT leadqual.manage('"leads; DROP TABLE x"', 'id"; DROP TABLE x; --', 'Score',
                                         '"quoted" Stage''); DROP TABLE x; --')$$,
                'manage() a table and columns named like SQL injections');
SELECT ok(pg_temp.canary_alive(), 'the canary x survived manage()');
SELECT results_eq($$SELECT id_column::text, score_column::text, stage_column::text, threshold, promote_to::text, enabled
                    FROM leadqual.managed WHERE leads = '"leads; DROP TABLE x"'::regclass$$,
                  $$VALUES ('id"; DROP TABLE x; --', 'Score', '"quoted" Stage''); DROP TABLE x; --', 50::numeric, 'mql', true)$$,
                  'leadqual.managed shows the names exactly');
INSERT INTO "leads; DROP TABLE x" ("id""; DROP TABLE x; --", "Score", score)
VALUES ('1''); DROP TABLE x; --', 70, 0), ('plain', 10, 99);
SELECT results_eq($$SELECT "id""; DROP TABLE x; --", """quoted"" Stage'); DROP TABLE x; --"::text, lifecycle_stage::text
                    FROM "leads; DROP TABLE x" ORDER BY 1$$,
                  $$VALUES ('1''); DROP TABLE x; --', 'mql', NULL), ('plain', 'lead', NULL)$$,
                  'promotion reads "Score" and sets the quoted stage column, not the decoys');
UPDATE "leads; DROP TABLE x" SET "Score" = 80 WHERE "id""; DROP TABLE x; --" = 'plain';
SELECT is(pg_temp.last_move('"leads; DROP TABLE x"', 'plain'), 'lead>mql promotion score=80 reason=NULL by=' || current_user,
          'an UPDATE of "Score" promotes and is logged');
SELECT lives_ok($$SELECT leadqual.reject('"leads; DROP TABLE x"', '1''); DROP TABLE x; --', 'recycled', 'bad_timing')$$,
                'reject() on the table, with an injection-shaped lead id');
SELECT is(pg_temp.moves('"leads; DROP TABLE x"', '1''); DROP TABLE x; --'), '{"NULL>mql promotion","mql>recycled rejection"}',
          'the injection-shaped lead id is logged exactly and its rejection found it');
SELECT is((SELECT """quoted"" Stage'); DROP TABLE x; --"::text FROM "leads; DROP TABLE x" WHERE "id""; DROP TABLE x; --" = 'plain'),
          'mql', 'reject() moved that lead only');
SELECT throws_like($$UPDATE "leads; DROP TABLE x" SET """quoted"" Stage'); DROP TABLE x; --" = 'lead' WHERE "id""; DROP TABLE x; --" = 'plain'$$,
                   '%"leads; DROP TABLE x"%cannot move backward%', 'a backward move fails and the message quotes the table name');
SELECT throws_ok($$SELECT leadqual.reject('"leads; DROP TABLE x"', 'plain''; DROP TABLE x; --', 'recycled', 'bad_timing')$$,
                 'P0002', NULL, 'reject() of an injection-shaped id that is not there: no_data_found');
SELECT lives_ok($$SELECT leadqual.unmanage('"leads; DROP TABLE x"')$$, 'unmanage() the table');
SELECT is((SELECT count(*) FROM pg_trigger WHERE tgrelid = '"leads; DROP TABLE x"'::regclass), 0::bigint, 'no trigger is left on it');
SELECT is((SELECT canary FROM x), 'alive', 'the canary x survived manage(), writes, reject() and unmanage()');

-- A schema and table named 63 double quotes each, an id column named 63
-- single quotes and a stage column named 63 backslashes: the longest names,
-- each doubled when quoted.
SELECT repeat('"', 63) AS q63 \gset
SELECT format('%I.%I', :'q63', :'q63') AS q63_table \gset
SELECT format('CREATE SCHEMA %I; CREATE TABLE %s (%I integer PRIMARY KEY, score integer, %I leadqual.lifecycle_stage NOT NULL DEFAULT ''lead'')',
              :'q63', :'q63_table', repeat('''', 63), repeat('\', 63)) AS q63_create \gset
SELECT lives_ok(:'q63_create', 'create a table whose every name is 63 quote characters or backslashes');
SELECT lives_ok(format('SELECT leadqual.manage(%L, %L, %L, %L)', :'q63_table', repeat('''', 63), 'score', repeat('\', 63)),
                'manage() it');
SELECT lives_ok(format('INSERT INTO %s (%I, score) VALUES (1, 90), (2, 10)', :'q63_table', repeat('''', 63)), 'insert two leads into it');
SELECT is(pg_temp.moves(:'q63_table', '1'), '{"NULL>mql promotion"}', 'the promotion is logged under it');
SELECT throws_like(format('UPDATE %s SET %I = ''lead'' WHERE %I = 1', :'q63_table', repeat('\', 63), repeat('''', 63)),
                   '%' || :'q63_table' || '%', 'a backward move fails, and the message carries the whole quoted name');
SELECT lives_ok(format('SELECT leadqual.reject(%L, %L, %L, %L)', :'q63_table', '2', 'disqualified', 'not_icp'), 'reject() on it');
SELECT is(pg_temp.last_move(:'q63_table', '2'), 'lead>disqualified rejection score=10 reason=not_icp by=' || current_user,
          'the rejection is logged');

------------------------------------------------------------------------------
-- NaN and infinite scores
------------------------------------------------------------------------------

CREATE TABLE h_nonfinite (
    id              integer PRIMARY KEY,
    n               numeric,
    r               real,
    d               double precision,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT FROM leadqual.manage('h_nonfinite', score_column => 'n', threshold => -1e30);
INSERT INTO h_nonfinite (id, n) VALUES (11, 'NaN'), (12, '-Infinity');
SELECT FROM leadqual.manage('h_nonfinite', score_column => 'n', threshold => 1e30);
INSERT INTO h_nonfinite (id, n) VALUES (13, 'Infinity');
SELECT FROM leadqual.manage('h_nonfinite', score_column => 'r', threshold => -1e30);
INSERT INTO h_nonfinite (id, r) VALUES (21, 'NaN'), (22, '-Infinity');
SELECT FROM leadqual.manage('h_nonfinite', score_column => 'r', threshold => 1e30);
INSERT INTO h_nonfinite (id, r) VALUES (23, 'Infinity');
SELECT FROM leadqual.manage('h_nonfinite', score_column => 'd', threshold => -1e30);
INSERT INTO h_nonfinite (id, d) VALUES (31, 'NaN'), (32, '-Infinity');
SELECT FROM leadqual.manage('h_nonfinite', score_column => 'd', threshold => 1e30);
INSERT INTO h_nonfinite (id, d) VALUES (33, 'Infinity');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM h_nonfinite ORDER BY id$$,
                  $$VALUES (11, 'lead'), (12, 'lead'), (13, 'mql'),
                           (21, 'lead'), (22, 'lead'), (23, 'mql'),
                           (31, 'lead'), (32, 'lead'), (33, 'mql')$$,
                  'numeric, real and double: NaN and -Infinity never meet even -1e30; Infinity meets even 1e30');
SELECT results_eq($$SELECT lead_id, score::text, via::text FROM leadqual.transition
                    WHERE lead_table = 'h_nonfinite'::regclass ORDER BY lead_id::integer$$,
                  $$VALUES ('11', 'NaN', 'manual'), ('12', '-Infinity', 'manual'), ('13', 'Infinity', 'promotion'),
                           ('21', 'NaN', 'manual'), ('22', '-Infinity', 'manual'), ('23', 'Infinity', 'promotion'),
                           ('31', 'NaN', 'manual'), ('32', '-Infinity', 'manual'), ('33', 'Infinity', 'promotion')$$,
                  'the inserts are logged with the scores NaN, -Infinity and Infinity');
SELECT FROM leadqual.manage('h_nonfinite', score_column => 'd', threshold => -1e30);
UPDATE h_nonfinite SET d = 'NaN' WHERE id = 33;
UPDATE h_nonfinite SET d = 'NaN' WHERE id = 32;
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM h_nonfinite WHERE id IN (32, 33) ORDER BY id$$,
                  $$VALUES (32, 'lead'), (33, 'mql')$$, 'an UPDATE to NaN promotes nothing and demotes nothing');
SELECT is(pg_temp.log_count('h_nonfinite'), 9::bigint, 'and logs nothing');

------------------------------------------------------------------------------
-- Integer scores at their extremes
------------------------------------------------------------------------------

CREATE TABLE h_ints (
    id              integer PRIMARY KEY,
    s               smallint,
    i               integer,
    b               bigint,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT FROM leadqual.manage('h_ints', score_column => 's', threshold => 1e30);
INSERT INTO h_ints (id, s) VALUES (11, 32767), (12, -32768);
SELECT FROM leadqual.manage('h_ints', score_column => 's', threshold => -1e30);
INSERT INTO h_ints (id, s, lifecycle_stage) VALUES (13, 32767, 'lead'), (14, -32768, 'subscriber'), (15, -32768, 'sal');
SELECT FROM leadqual.manage('h_ints', score_column => 'i', threshold => 1e30);
INSERT INTO h_ints (id, i) VALUES (21, 2147483647), (22, -2147483648);
SELECT FROM leadqual.manage('h_ints', score_column => 'i', threshold => -1e30);
INSERT INTO h_ints (id, i, lifecycle_stage) VALUES (23, 2147483647, 'lead'), (24, -2147483648, 'subscriber'), (25, -2147483648, 'sal');
SELECT FROM leadqual.manage('h_ints', score_column => 'b', threshold => 1e30);
INSERT INTO h_ints (id, b) VALUES (31, 9223372036854775807), (32, -9223372036854775808);
SELECT FROM leadqual.manage('h_ints', score_column => 'b', threshold => -1e30);
INSERT INTO h_ints (id, b, lifecycle_stage) VALUES (33, 9223372036854775807, 'lead'), (34, -9223372036854775808, 'subscriber'),
                                                   (35, -9223372036854775808, 'sal');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM h_ints ORDER BY id$$,
                  $$VALUES (11, 'lead'), (12, 'lead'), (13, 'mql'), (14, 'mql'), (15, 'sal'),
                           (21, 'lead'), (22, 'lead'), (23, 'mql'), (24, 'mql'), (25, 'sal'),
                           (31, 'lead'), (32, 'lead'), (33, 'mql'), (34, 'mql'), (35, 'sal')$$,
                  'smallint, integer, bigint extremes: 1e30 promotes none; -1e30 promotes subscriber and lead, never sal');
SELECT results_eq($$SELECT lead_id, score, via::text FROM leadqual.transition
                    WHERE lead_table = 'h_ints'::regclass ORDER BY lead_id::integer$$,
                  $$VALUES ('11', 32767::numeric, 'manual'), ('12', -32768, 'manual'), ('13', 32767, 'promotion'),
                           ('14', -32768, 'promotion'), ('15', -32768, 'manual'),
                           ('21', 2147483647, 'manual'), ('22', -2147483648, 'manual'), ('23', 2147483647, 'promotion'),
                           ('24', -2147483648, 'promotion'), ('25', -2147483648, 'manual'),
                           ('31', 9223372036854775807, 'manual'), ('32', -9223372036854775808, 'manual'),
                           ('33', 9223372036854775807, 'promotion'), ('34', -9223372036854775808, 'promotion'),
                           ('35', -9223372036854775808, 'manual')$$,
                  'the extreme scores are logged digit for digit');
SELECT FROM leadqual.manage('h_ints', score_column => 'b', threshold => 9223372036854775807);
INSERT INTO h_ints (id, b) VALUES (41, 9223372036854775807), (42, 9223372036854775806);
SELECT FROM leadqual.manage('h_ints', score_column => 'b', threshold => 9223372036854775807.000001);
INSERT INTO h_ints (id, b) VALUES (43, 9223372036854775807);
SELECT FROM leadqual.manage('h_ints', score_column => 'b', threshold => -9223372036854775808.5);
INSERT INTO h_ints (id, b) VALUES (44, -9223372036854775808);
SELECT FROM leadqual.manage('h_ints', score_column => 's', threshold => 32767.5);
INSERT INTO h_ints (id, s) VALUES (45, 32767);
SELECT FROM leadqual.manage('h_ints', score_column => 's', threshold => -32768);
INSERT INTO h_ints (id, s) VALUES (46, -32768);
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM h_ints WHERE id > 40 ORDER BY id$$,
                  $$VALUES (41, 'mql'), (42, 'lead'), (43, 'lead'), (44, 'mql'), (45, 'lead'), (46, 'mql')$$,
                  'thresholds at the integer limits compare exactly: 2^63-1 meets 2^63-1, not 2^63-1 + 1e-6; 32767 misses 32767.5');

------------------------------------------------------------------------------
-- Thresholds beyond the range of double precision, on float scores
------------------------------------------------------------------------------

CREATE TABLE h_float (
    id              integer PRIMARY KEY,
    r               real,
    d               double precision,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT FROM leadqual.manage('h_float', score_column => 'd', threshold => 1e-400);
INSERT INTO h_float (id, d) VALUES (1, 0), (2, 1e-300);
SELECT FROM leadqual.manage('h_float', score_column => 'r', threshold => 1e-400);
INSERT INTO h_float (id, r) VALUES (3, 0), (4, 1e-45);
SELECT FROM leadqual.manage('h_float', score_column => 'd', threshold => -1e400);
INSERT INTO h_float (id, d) VALUES (5, '-Infinity'), (6, -1.7e308);
SELECT FROM leadqual.manage('h_float', score_column => 'd', threshold => 1e400);
INSERT INTO h_float (id, d) VALUES (7, 1.7e308), (8, 'Infinity');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM h_float WHERE id IN (1, 2, 3, 4) ORDER BY id$$,
                  $$VALUES (1, 'lead'), (2, 'mql'), (3, 'lead'), (4, 'mql')$$,
                  'threshold 1e-400 (below the smallest double): a double or real score of 0 does not meet it, 1e-300 and 1e-45 do');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM h_float WHERE id IN (5, 6) ORDER BY id$$,
                  $$VALUES (5, 'lead'), (6, 'mql')$$,
                  'threshold -1e400 (below the lowest double): -Infinity does not meet it, -1.7e308 does');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM h_float WHERE id IN (7, 8) ORDER BY id$$,
                  $$VALUES (7, 'lead'), (8, 'mql')$$,
                  'threshold 1e400 (above the highest double): 1.7e308 does not meet it, Infinity does');

------------------------------------------------------------------------------
-- Lead ids: long, unicode, quotes, backslashes, blanks
------------------------------------------------------------------------------

-- no index on id, so the table itself takes any length; the log takes ids of
-- up to 1000 bytes (its index must hold them)
CREATE TABLE h_ids (id text NOT NULL, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('h_ids');
CREATE TEMP TABLE h_odd_ids (id text);
INSERT INTO h_odd_ids VALUES
    (repeat('x', 1000)),
    ('Ünïcødé 名前 🚀 ﬁ'),
    (U&'caf\00E9'),
    (U&'cafe\0301'),
    ($$O'Brien "the" lead$$),
    ('C:\path\new \\ \'),
    (''),
    ('padded'),
    (' padded '),
    (E'tab\there\nnewline'),
    ('a%'),
    ('ab'),
    ($$'); DELETE FROM leadqual.transition; --$$);
-- 1000 bytes that do not compress
INSERT INTO h_odd_ids SELECT left(string_agg(md5(i::text), '' ORDER BY i), 1000) FROM generate_series(1, 32) AS i;
SELECT lives_ok($$INSERT INTO h_ids (id, score) SELECT id, 10 FROM h_odd_ids$$, 'insert leads with odd ids');
-- 1001 bytes: refused before anything is written
SELECT throws_ok($$INSERT INTO h_ids (id, score) SELECT left(string_agg(md5(i::text), '' ORDER BY i), 1001), 10 FROM generate_series(1, 32) AS i$$,
                 '54000', NULL, 'a lead id longer than 1000 bytes is refused with 54000');
SELECT set_eq($$SELECT lead_id FROM leadqual.transition WHERE lead_table = 'h_ids'::regclass AND length(lead_id) < 1000$$,
              $$SELECT id FROM h_odd_ids WHERE length(id) < 1000$$, 'every short id is logged exactly, byte for byte');
SELECT is((SELECT count(*) FROM leadqual.transition AS t JOIN h_ids AS l ON l.id = t.lead_id
           WHERE t.lead_table = 'h_ids'::regclass AND length(t.lead_id) = 1000),
          2::bigint, 'both 1000-byte ids are logged exactly');
SELECT lives_ok($$SELECT leadqual.reject('h_ids', 'padded', 'disqualified', 'duplicate')$$, 'reject() ''padded''');
SELECT lives_ok($$SELECT leadqual.reject('h_ids', U&'caf\00E9', 'disqualified', 'duplicate')$$, 'reject() the composed é');
SELECT lives_ok($$SELECT leadqual.reject('h_ids', 'a%', 'disqualified', 'duplicate')$$, 'reject() ''a%''');
SELECT set_eq($$SELECT id, lifecycle_stage::text FROM h_ids WHERE id IN ('padded', ' padded ', U&'caf\00E9', U&'cafe\0301', 'a%', 'ab')$$,
                  $$VALUES (' padded ', 'lead'), ('a%', 'disqualified'), ('ab', 'lead'),
                           (U&'caf\00E9', 'disqualified'), (U&'cafe\0301', 'lead'), ('padded', 'disqualified')$$,
                  'each reject() found its lead only: not the padded twin, the decomposed é, nor a LIKE match');
SELECT is((SELECT count(*) FROM h_odd_ids AS o
           WHERE pg_temp.try(format('SELECT leadqual.reject(%L, %L, %L, %L)', 'h_ids', o.id, 'recycled', 'bad_timing')) = 'ok'),
          (SELECT count(*) FROM h_odd_ids), 'reject() finds every odd id by its exact text');
SELECT is((SELECT count(*) FROM leadqual.transition AS t JOIN h_odd_ids AS o ON o.id = t.lead_id
           WHERE t.lead_table = 'h_ids'::regclass AND t.to_stage = 'recycled' AND t.via = 'rejection'),
          (SELECT count(*) FROM h_odd_ids), 'and every rejection is logged under the exact id');
SELECT FROM pg_temp.try($$SELECT leadqual.reject('h_ids', (SELECT left(string_agg(md5(i::text), '' ORDER BY i), 1000) FROM generate_series(1, 32) AS i),
                                                  'disqualified', 'bad_timing')$$);
SELECT is((SELECT count(*) FROM leadqual.transition WHERE lead_table = 'h_ids'::regclass AND length(lead_id) = 1000 AND via = 'rejection'),
          3::bigint, 'reject() finds both 1000-byte ids, and logs their rejections');

------------------------------------------------------------------------------
-- A statement that fails leaves nothing behind for the next one
------------------------------------------------------------------------------

CREATE TABLE h_leak (
    id              integer PRIMARY KEY,
    score           integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    note            text CHECK (note IS DISTINCT FROM 'bad')
);
-- Another BEFORE trigger, sorting after leadqual_qualify: it moves leads
-- itself, and refuses stage changes of leads noted 'fail'.
CREATE FUNCTION pg_temp.h_leak_hook() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.note = 'dq' THEN NEW.lifecycle_stage := 'disqualified'; END IF;
    IF NEW.note = 'rc' THEN NEW.lifecycle_stage := 'recycled'; END IF;
    IF NEW.note = 'fail' AND NEW.lifecycle_stage IS DISTINCT FROM OLD.lifecycle_stage THEN
        RAISE EXCEPTION 'h_leak_hook refuses' USING ERRCODE = 'LQ002';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER zz_hook BEFORE UPDATE ON h_leak FOR EACH ROW EXECUTE FUNCTION pg_temp.h_leak_hook();
SELECT FROM leadqual.manage('h_leak');
INSERT INTO h_leak (id, score) VALUES (1, 10), (2, 60), (3, 60);

SELECT throws_ok($$UPDATE h_leak SET lifecycle_stage = 'mql', score = 60, note = 'bad' WHERE id = 1$$, '23514', NULL,
                 'a move by hand to mql that fails on a CHECK constraint');
UPDATE h_leak SET score = 60 WHERE id = 1;
SELECT is(pg_temp.last_move('h_leak', '1'), 'lead>mql promotion score=60 reason=NULL by=' || current_user,
          'a later promotion of that lead is logged as a promotion, not as the failed manual move');

SET LOCAL leadqual.reason = 'not_icp';
SELECT throws_ok($$UPDATE h_leak SET lifecycle_stage = 'disqualified', note = 'bad' WHERE id = 2$$, '23514', NULL,
                 'a disqualification with a reason that fails on a CHECK constraint');
RESET leadqual.reason;
SELECT throws_ok($$UPDATE h_leak SET note = 'dq' WHERE id = 2$$, '23502', NULL,
                 'a later disqualification without a reason, made by another trigger, still needs one');
SELECT is(pg_temp.moves('h_leak', '2'), '{"NULL>mql promotion"}', 'and lead 2 has no disqualification logged');

UPDATE h_leak SET note = 'fail' WHERE id = 3;
SELECT throws_ok($$SELECT leadqual.reject('h_leak', '3', 'recycled', 'bad_timing')$$, 'LQ002', NULL,
                 'a reject() that another trigger refuses');
SELECT throws_ok($$UPDATE h_leak SET note = 'rc' WHERE id = 3$$, '23502', NULL,
                 'a later move to recycled without a reason, made by another trigger, still needs one');
SELECT is(pg_temp.moves('h_leak', '3'), '{"NULL>mql promotion"}', 'and lead 3 has no rejection logged');

------------------------------------------------------------------------------
-- Calendars and business time
------------------------------------------------------------------------------

SELECT throws_ok($$SELECT leadqual.business_time_between(repeat('x', 100000), now(), now())$$, '42704',
                 'leadqual.business_time_between: calendar "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..." does not exist',
                 'a 100000-byte calendar name: unknown, and the message quotes only its start');
SELECT throws_ok($$SELECT leadqual.is_business_time(E'24x7\n; DROP TABLE x', now())$$, '42704', NULL,
                 'a calendar name with SQL in it is only a name');
SELECT throws_ok($$INSERT INTO leadqual.calendar (name, time_zone) VALUES ('h_tz', '../../../../etc/passwd')$$, '22023', NULL,
                 'a time zone that is a path is refused');
SELECT throws_ok($$INSERT INTO leadqual.calendar (name, time_zone) VALUES ('h_tz', repeat('A', 10000))$$, '22023', NULL,
                 'a 10000-character time zone is refused');
SELECT throws_ok($$INSERT INTO leadqual.calendar (name, time_zone) VALUES ('h tz; --', 'UTC')$$, '22023', NULL,
                 'a calendar name with spaces and punctuation is refused');
INSERT INTO leadqual.calendar (name, time_zone) VALUES ('h_many', 'UTC');
INSERT INTO leadqual.business_hours (calendar, weekday, opens, closes)
SELECT 'h_many', 1 + g % 7, make_time(g / 7, (g % 7) * 5, 0), make_time(g / 7, (g % 7) * 5 + 1, 0)
FROM generate_series(0, 69) AS g;
SELECT throws_ok($$SELECT leadqual.is_business_time('h_many', now())$$, '54000',
                 'leadqual.is_business_time: calendar "h_many" has 70 weekly windows; leadqual takes up to 64',
                 'a calendar of 70 windows a week is refused with a limit error, not a crash');
DELETE FROM leadqual.business_hours WHERE calendar = 'h_many' AND opens >= '09:00';
SELECT lives_ok($$SELECT leadqual.is_business_time('h_many', now())$$,
                'and once it has 63, the change is seen in the next statement');
INSERT INTO leadqual.holiday (calendar, day) VALUES ('h_many', '5874000-01-01'), ('h_many', '4713-01-01 BC');
SELECT is(leadqual.business_time_between('h_many', '2026-01-05', '2026-01-12'), interval '63 minutes',
          'holidays at the ends of the date range are harmless: a week still counts its 63 one-minute windows');
SELECT throws_ok($$SELECT leadqual.business_time_add('h_many', '2026-01-01', interval '-9223372036854775807 microseconds')$$, '22008', NULL,
                 'the most negative amount is out of range, not an overflow');
SELECT throws_ok($$SELECT leadqual.business_time_add('h_many', '294276-12-31 23:59:59', '1 hour')$$, '22008', NULL,
                 'the last timestamp PostgreSQL has is past business time''s range: an error, not a wrap-around');
SELECT is(leadqual.business_time_between('24x7', '4713-01-01 00:00+00 BC', '100000-01-01 00:00+00'),
          make_interval(hours => (date '100000-01-01' - date '4713-01-01 BC') * 24),
          'about 105000 years on 24x7 are their wall-clock hours');
SELECT is(leadqual.business_time_between('24x7', '4713-01-01 00:00+00 BC', '294246-01-01 00:00+00'),
          interval '9223372036854775807 microseconds',
          'the whole range on 24x7 is more than an interval holds: it saturates, without overflow');

------------------------------------------------------------------------------
-- The canary
------------------------------------------------------------------------------

SELECT results_eq($$SELECT canary FROM x$$, $$VALUES ('alive')$$, 'the canary table x is still there, untouched');

SELECT * FROM finish();
ROLLBACK;
