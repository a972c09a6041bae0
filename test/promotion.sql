-- Promotion by score: below, at and above the threshold for every score
-- type, fractional and extreme thresholds, NULL and NaN scores, promotion on
-- INSERT and UPDATE, promote_to, no demotion, disqualified never promoted.
\ir helpers/setup.psql

SELECT plan(99);

-- Inserts lead `id` with `score` (text, converted to the column's type) in
-- `stage` and returns the stage the row was stored with.
CREATE FUNCTION pg_temp.insert_lead(leads regclass, id integer, score text,
                                    stage leadqual.lifecycle_stage DEFAULT 'lead')
RETURNS leadqual.lifecycle_stage
LANGUAGE plpgsql AS $$
DECLARE
    stored leadqual.lifecycle_stage;
BEGIN
    EXECUTE format('INSERT INTO %s (id, score, lifecycle_stage) VALUES (%s, %L, %L) '
                   'RETURNING lifecycle_stage', leads, id, score, stage)
        INTO STRICT stored;
    RETURN stored;
END
$$;

-- Sets the score of lead `id` and returns the stage the row was stored with.
CREATE FUNCTION pg_temp.set_score(leads regclass, id integer, score text)
RETURNS leadqual.lifecycle_stage
LANGUAGE plpgsql AS $$
DECLARE
    stored leadqual.lifecycle_stage;
BEGIN
    EXECUTE format('UPDATE %s SET score = %L WHERE id = %s RETURNING lifecycle_stage',
                   leads, score, id)
        INTO STRICT stored;
    RETURN stored;
END
$$;

CREATE TABLE p_int2    (id integer PRIMARY KEY, score smallint,         lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE p_int4    (id integer PRIMARY KEY, score integer,          lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE p_int8    (id integer PRIMARY KEY, score bigint,           lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE p_numeric (id integer PRIMARY KEY, score numeric,          lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE p_float4  (id integer PRIMARY KEY, score real,             lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE p_float8  (id integer PRIMARY KEY, score double precision, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');

SELECT FROM leadqual.manage('p_int2');
SELECT FROM leadqual.manage('p_int4');
SELECT FROM leadqual.manage('p_int8');
SELECT FROM leadqual.manage('p_numeric');
SELECT FROM leadqual.manage('p_float4');
SELECT FROM leadqual.manage('p_float8');

------------------------------------------------------------------------------
-- Threshold 50: below, exactly at, above, NULL; on INSERT and on UPDATE
------------------------------------------------------------------------------

-- smallint
SELECT is(pg_temp.insert_lead('p_int2', 1, '49'),  'lead', 'smallint: INSERT with 49 < 50 stays lead');
SELECT is(pg_temp.insert_lead('p_int2', 2, '50'),  'mql',  'smallint: INSERT with exactly 50 is promoted to mql');
SELECT is(pg_temp.insert_lead('p_int2', 3, '51'),  'mql',  'smallint: INSERT with 51 > 50 is promoted to mql');
SELECT is(pg_temp.insert_lead('p_int2', 4, NULL),  'lead', 'smallint: INSERT with a NULL score stays lead');
INSERT INTO p_int2 (id, score, lifecycle_stage) VALUES (5, '10', 'lead');
SELECT is(pg_temp.set_score('p_int2', 5, '49'), 'lead', 'smallint: UPDATE of the score to 49 leaves the lead alone');
SELECT is(pg_temp.set_score('p_int2', 5, '50'), 'mql', 'smallint: UPDATE of the score to exactly 50 promotes to mql');

-- integer
SELECT is(pg_temp.insert_lead('p_int4', 1, '49'),  'lead', 'integer: INSERT with 49 < 50 stays lead');
SELECT is(pg_temp.insert_lead('p_int4', 2, '50'),  'mql',  'integer: INSERT with exactly 50 is promoted to mql');
SELECT is(pg_temp.insert_lead('p_int4', 3, '51'),  'mql',  'integer: INSERT with 51 > 50 is promoted to mql');
SELECT is(pg_temp.insert_lead('p_int4', 4, NULL),  'lead', 'integer: INSERT with a NULL score stays lead');
SELECT is(pg_temp.insert_lead('p_int4', 5, '10'),  'lead', 'integer: INSERT with 10 stays lead');
SELECT is(pg_temp.set_score('p_int4', 5, '49'), 'lead', 'integer: UPDATE of the score to 49 leaves the lead alone');
SELECT is(pg_temp.set_score('p_int4', 5, '50'), 'mql',  'integer: UPDATE of the score to exactly 50 promotes to mql');

-- bigint
SELECT is(pg_temp.insert_lead('p_int8', 1, '49'),  'lead', 'bigint: INSERT with 49 < 50 stays lead');
SELECT is(pg_temp.insert_lead('p_int8', 2, '50'),  'mql',  'bigint: INSERT with exactly 50 is promoted to mql');
SELECT is(pg_temp.insert_lead('p_int8', 3, '51'),  'mql',  'bigint: INSERT with 51 > 50 is promoted to mql');
SELECT is(pg_temp.insert_lead('p_int8', 4, NULL),  'lead', 'bigint: INSERT with a NULL score stays lead');
SELECT is(pg_temp.insert_lead('p_int8', 5, '10'),  'lead', 'bigint: INSERT with 10 stays lead');
SELECT is(pg_temp.set_score('p_int8', 5, '49'), 'lead', 'bigint: UPDATE of the score to 49 leaves the lead alone');
SELECT is(pg_temp.set_score('p_int8', 5, '50'), 'mql',  'bigint: UPDATE of the score to exactly 50 promotes to mql');

-- numeric
SELECT is(pg_temp.insert_lead('p_numeric', 1, '49.9999'), 'lead', 'numeric: INSERT with 49.9999 < 50 stays lead');
SELECT is(pg_temp.insert_lead('p_numeric', 2, '50.0000'), 'mql',  'numeric: INSERT with exactly 50.0000 is promoted to mql');
SELECT is(pg_temp.insert_lead('p_numeric', 3, '50.0001'), 'mql',  'numeric: INSERT with 50.0001 > 50 is promoted to mql');
SELECT is(pg_temp.insert_lead('p_numeric', 4, NULL),      'lead', 'numeric: INSERT with a NULL score stays lead');
SELECT is(pg_temp.insert_lead('p_numeric', 5, '10'),      'lead', 'numeric: INSERT with 10 stays lead');
SELECT is(pg_temp.set_score('p_numeric', 5, '49.9999'), 'lead', 'numeric: UPDATE of the score to 49.9999 leaves the lead alone');
SELECT is(pg_temp.set_score('p_numeric', 5, '50'),      'mql',  'numeric: UPDATE of the score to exactly 50 promotes to mql');

-- real
SELECT is(pg_temp.insert_lead('p_float4', 1, '49.99'), 'lead', 'real: INSERT with 49.99 < 50 stays lead');
SELECT is(pg_temp.insert_lead('p_float4', 2, '50'),    'mql',  'real: INSERT with exactly 50 is promoted to mql');
SELECT is(pg_temp.insert_lead('p_float4', 3, '50.01'), 'mql',  'real: INSERT with 50.01 > 50 is promoted to mql');
SELECT is(pg_temp.insert_lead('p_float4', 4, NULL),    'lead', 'real: INSERT with a NULL score stays lead');
SELECT is(pg_temp.insert_lead('p_float4', 5, '10'),    'lead', 'real: INSERT with 10 stays lead');
SELECT is(pg_temp.set_score('p_float4', 5, '49.99'), 'lead', 'real: UPDATE of the score to 49.99 leaves the lead alone');
SELECT is(pg_temp.set_score('p_float4', 5, '50'),    'mql',  'real: UPDATE of the score to exactly 50 promotes to mql');

-- double precision
SELECT is(pg_temp.insert_lead('p_float8', 1, '49.9999999'), 'lead', 'double precision: INSERT with 49.9999999 < 50 stays lead');
SELECT is(pg_temp.insert_lead('p_float8', 2, '50'),         'mql',  'double precision: INSERT with exactly 50 is promoted to mql');
SELECT is(pg_temp.insert_lead('p_float8', 3, '50.0000001'), 'mql',  'double precision: INSERT with 50.0000001 > 50 is promoted to mql');
SELECT is(pg_temp.insert_lead('p_float8', 4, NULL),         'lead', 'double precision: INSERT with a NULL score stays lead');
SELECT is(pg_temp.insert_lead('p_float8', 5, '10'),         'lead', 'double precision: INSERT with 10 stays lead');
SELECT is(pg_temp.set_score('p_float8', 5, '49.9999999'), 'lead', 'double precision: UPDATE of the score to 49.9999999 leaves the lead alone');
SELECT is(pg_temp.set_score('p_float8', 5, '50'),         'mql',  'double precision: UPDATE of the score to exactly 50 promotes to mql');

-- What the log says about those promotions, for every type: the INSERT of
-- lead 2 logged once as a promotion with the score as numeric, lead 5 was
-- logged on INSERT and once more when the UPDATE promoted it.
SELECT is(pg_temp.last_move(tbl, '2'), 'NULL>mql promotion score=50 reason=NULL by=' || current_user,
          format('%s: the INSERT promotion is logged from NULL to mql with score 50', tbl))
FROM unnest('{p_int2,p_int4,p_int8,p_float4,p_float8}'::regclass[]) AS tbl;
SELECT is(pg_temp.last_move('p_numeric', '2'), 'NULL>mql promotion score=50.0000 reason=NULL by=' || current_user,
          'p_numeric: the INSERT promotion is logged from NULL to mql with score 50.0000');
SELECT is(pg_temp.moves(tbl, '5'), '{"NULL>lead manual","lead>mql promotion"}',
          format('%s: lead 5 has exactly two log rows, the INSERT and the promotion (none for the UPDATE below the threshold)', tbl))
FROM unnest('{p_int2,p_int4,p_int8,p_numeric,p_float4,p_float8}'::regclass[]) AS tbl;
SELECT is(pg_temp.moves(tbl, '1'), '{"NULL>lead manual"}',
          format('%s: lead 1, below the threshold, has only its INSERT logged', tbl))
FROM unnest('{p_int2,p_float4}'::regclass[]) AS tbl;

------------------------------------------------------------------------------
-- A fractional threshold: 49.5
------------------------------------------------------------------------------

SELECT FROM leadqual.manage('p_int2', threshold => 49.5);
SELECT FROM leadqual.manage('p_int4', threshold => 49.5);
SELECT FROM leadqual.manage('p_int8', threshold => 49.5);
SELECT FROM leadqual.manage('p_numeric', threshold => 49.5);
SELECT FROM leadqual.manage('p_float4', threshold => 49.5);
SELECT FROM leadqual.manage('p_float8', threshold => 49.5);

SELECT is(pg_temp.insert_lead('p_int2', 10, '49'), 'lead', 'smallint, threshold 49.5: 49 stays lead');
SELECT is(pg_temp.insert_lead('p_int2', 11, '50'), 'mql',  'smallint, threshold 49.5: 50 is promoted');
SELECT is(pg_temp.insert_lead('p_int4', 10, '49'), 'lead', 'integer, threshold 49.5: 49 stays lead');
SELECT is(pg_temp.insert_lead('p_int4', 11, '50'), 'mql',  'integer, threshold 49.5: 50 is promoted');
SELECT is(pg_temp.insert_lead('p_int8', 10, '49'), 'lead', 'bigint, threshold 49.5: 49 stays lead');
SELECT is(pg_temp.insert_lead('p_int8', 11, '50'), 'mql',  'bigint, threshold 49.5: 50 is promoted');
SELECT is(pg_temp.insert_lead('p_numeric', 10, '49.4999'), 'lead', 'numeric, threshold 49.5: 49.4999 stays lead');
SELECT is(pg_temp.insert_lead('p_numeric', 11, '49.5'),    'mql',  'numeric, threshold 49.5: exactly 49.5 is promoted');
SELECT is(pg_temp.insert_lead('p_float4', 10, '49.49'), 'lead', 'real, threshold 49.5: 49.49 stays lead');
SELECT is(pg_temp.insert_lead('p_float4', 11, '49.5'),  'mql',  'real, threshold 49.5: exactly 49.5 is promoted');
SELECT is(pg_temp.insert_lead('p_float8', 10, '49.4999'), 'lead', 'double precision, threshold 49.5: 49.4999 stays lead');
SELECT is(pg_temp.insert_lead('p_float8', 11, '49.5'),    'mql',  'double precision, threshold 49.5: exactly 49.5 is promoted');

-- negative and out-of-range thresholds against integer scores
SELECT FROM leadqual.manage('p_int4', threshold => -5.5);
SELECT is(pg_temp.insert_lead('p_int4', 20, '-6'), 'lead', 'integer, threshold -5.5: -6 stays lead');
SELECT is(pg_temp.insert_lead('p_int4', 21, '-5'), 'mql',  'integer, threshold -5.5: -5 is promoted');

SELECT FROM leadqual.manage('p_int8', threshold => 1e20);
SELECT is(pg_temp.insert_lead('p_int8', 20, '9223372036854775807'), 'lead',
          'bigint, threshold 1e20: even the largest bigint stays lead');
SELECT FROM leadqual.manage('p_int8', threshold => -1e20);
SELECT is(pg_temp.insert_lead('p_int8', 21, '-9223372036854775808'), 'mql',
          'bigint, threshold -1e20: even the smallest bigint is promoted');

------------------------------------------------------------------------------
-- NaN is no score; infinities compare as in SQL
------------------------------------------------------------------------------

SELECT FROM leadqual.manage('p_numeric');
SELECT FROM leadqual.manage('p_float4');
SELECT FROM leadqual.manage('p_float8');

SELECT is(pg_temp.insert_lead('p_numeric', 30, 'NaN'), 'lead', 'numeric: INSERT with NaN stays lead');
SELECT is(pg_temp.insert_lead('p_float4', 30, 'NaN'),  'lead', 'real: INSERT with NaN stays lead');
SELECT is(pg_temp.insert_lead('p_float8', 30, 'NaN'),  'lead', 'double precision: INSERT with NaN stays lead');
SELECT is(pg_temp.moves('p_float4', '30'), '{"NULL>lead manual"}', 'real: the NaN INSERT is logged as a plain INSERT of a lead');
INSERT INTO p_float4 (id, score, lifecycle_stage) VALUES (31, '10', 'lead');
SELECT is(pg_temp.set_score('p_float4', 31, 'NaN'), 'lead', 'real: UPDATE of the score to NaN leaves the lead alone');
INSERT INTO p_numeric (id, score, lifecycle_stage) VALUES (31, '10', 'lead');
SELECT is(pg_temp.set_score('p_numeric', 31, 'NaN'), 'lead', 'numeric: UPDATE of the score to NaN leaves the lead alone');
SELECT is(pg_temp.log_count('p_numeric', '31'), 1::bigint, 'numeric: the UPDATE to NaN logged nothing');
SELECT is(pg_temp.insert_lead('p_float8', 32, 'Infinity'),  'mql',  'double precision: Infinity >= 50 is promoted');
SELECT is(pg_temp.insert_lead('p_float8', 33, '-Infinity'), 'lead', 'double precision: -Infinity stays lead');

------------------------------------------------------------------------------
-- subscribers are promoted too
------------------------------------------------------------------------------

SELECT FROM leadqual.manage('p_int4');
SELECT is(pg_temp.insert_lead('p_int4', 40, '60', 'subscriber'), 'mql', 'a subscriber inserted with 60 is promoted to mql');
INSERT INTO p_int4 (id, score, lifecycle_stage) VALUES (41, '10', 'subscriber');
SELECT is(pg_temp.set_score('p_int4', 41, '50'), 'mql', 'a subscriber whose score is raised to 50 is promoted to mql');
SELECT is(pg_temp.moves('p_int4', '41'), '{"NULL>subscriber manual","subscriber>mql promotion"}',
          'the subscriber''s promotion is logged from subscriber');

------------------------------------------------------------------------------
-- promote_to => 'pql'
------------------------------------------------------------------------------

CREATE TABLE p_pql (id integer PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT FROM leadqual.manage('p_pql', promote_to => 'pql');
SELECT is(pg_temp.insert_lead('p_pql', 1, '60'), 'pql', 'promote_to pql: INSERT with 60 is promoted to pql');
INSERT INTO p_pql (id, score, lifecycle_stage) VALUES (2, '10', 'lead');
SELECT is(pg_temp.set_score('p_pql', 2, '70'), 'pql', 'promote_to pql: UPDATE of the score to 70 promotes to pql');
SELECT is(pg_temp.last_move('p_pql', '2'), 'lead>pql promotion score=70 reason=NULL by=' || current_user,
          'promote_to pql: the promotion is logged from lead to pql');

------------------------------------------------------------------------------
-- never demoted, never "promoted" backward
------------------------------------------------------------------------------

SELECT is(pg_temp.set_score('p_int4', 2, '0'),  'mql', 'an mql whose score drops to 0 stays mql');
SELECT is(pg_temp.set_score('p_int4', 2, NULL), 'mql', 'an mql whose score becomes NULL stays mql');
SELECT is(pg_temp.moves('p_int4', '2'), '{"NULL>mql promotion"}', 'the score drops on the mql logged nothing');
SELECT is(pg_temp.insert_lead('p_int4', 50, '10', 'sql'), 'sql', 'a lead inserted as sql with 10 stays sql');
SELECT is(pg_temp.set_score('p_int4', 50, '90'), 'sql', 'an sql whose score rises to 90 stays sql, not mql');
SELECT is(pg_temp.set_score('p_int4', 50, '0'),  'sql', 'an sql whose score drops to 0 stays sql');
SELECT is(pg_temp.insert_lead('p_int4', 51, '90', 'sal'), 'sal', 'a lead inserted as sal with 90 stays sal');
SELECT is(pg_temp.moves('p_int4', '50'), '{"NULL>sql manual"}', 'the score changes on the sql logged nothing');

------------------------------------------------------------------------------
-- disqualified is never promoted
------------------------------------------------------------------------------

SELECT is(pg_temp.insert_lead('p_int4', 60, '10'), 'lead', 'lead 60 starts as lead');
SELECT FROM leadqual.reject('p_int4', '60', 'disqualified', 'not_icp');
SELECT is(pg_temp.set_score('p_int4', 60, '95'), 'disqualified', 'a disqualified lead whose score rises to 95 stays disqualified');
SELECT is(pg_temp.moves('p_int4', '60'), '{"NULL>lead manual","lead>disqualified rejection"}',
          'the score rise on the disqualified lead logged nothing');

SET LOCAL leadqual.reason = 'competitor';
SELECT is(pg_temp.insert_lead('p_int4', 61, '95', 'disqualified'), 'disqualified',
          'a lead inserted as disqualified with 95 stays disqualified');
RESET leadqual.reason;
SELECT is(pg_temp.set_score('p_int4', 61, '99'), 'disqualified', 'and stays disqualified when its score rises to 99');

SELECT * FROM finish();
ROLLBACK;
