-- A partitioned leads table managed at its root: rows written through the
-- root or straight into any partition are promoted, held to the stage rules
-- and logged under the root table.
\ir helpers/setup.psql

SELECT plan(33);

CREATE TABLE pt_leads (
    id integer,
    region text,
    score integer,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    PRIMARY KEY (id, region)
) PARTITION BY LIST (region);
CREATE TABLE pt_eu PARTITION OF pt_leads FOR VALUES IN ('eu');
CREATE TABLE pt_us PARTITION OF pt_leads FOR VALUES IN ('us');
CREATE TABLE pt_apac PARTITION OF pt_leads FOR VALUES IN ('jp', 'au') PARTITION BY LIST (region);
CREATE TABLE pt_apac_jp PARTITION OF pt_apac FOR VALUES IN ('jp');
CREATE TABLE pt_apac_au PARTITION OF pt_apac FOR VALUES IN ('au');

CREATE FUNCTION pg_temp.stage_of(lead integer) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT lifecycle_stage::text FROM pt_leads WHERE id = lead $$;
CREATE FUNCTION pg_temp.leaves_without_trigger() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM pg_partition_tree('pt_leads') AS p
    WHERE p.isleaf AND NOT EXISTS (SELECT FROM pg_trigger AS t
                                   WHERE t.tgrelid = p.relid AND t.tgname = 'leadqual_qualify')
$$;

SELECT lives_ok($$SELECT leadqual.manage('pt_leads')$$, 'manage() the partitioned root');
SELECT results_eq($$SELECT leads::text FROM leadqual.managed$$, $$VALUES ('pt_leads')$$,
                  'leadqual.managed lists the root only, not its partitions');
SELECT is(pg_temp.leaves_without_trigger(), 0::bigint, 'every leaf partition has the trigger');

------------------------------------------------------------------------------
-- Writes through the root and into partitions
------------------------------------------------------------------------------

INSERT INTO pt_leads VALUES (1, 'eu', 60), (2, 'us', 10);
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM pt_leads ORDER BY id$$,
                  $$VALUES (1, 'mql'), (2, 'lead')$$, 'INSERT through the root: 60 promoted, 10 not');
INSERT INTO pt_eu VALUES (3, 'eu', 70);
SELECT is(pg_temp.stage_of(3), 'mql', 'INSERT straight into a partition is promoted');
INSERT INTO pt_apac_jp VALUES (4, 'jp', 55);
SELECT is(pg_temp.stage_of(4), 'mql', 'INSERT straight into a sub-partition is promoted');
UPDATE pt_us SET score = 50 WHERE id = 2;
SELECT is(pg_temp.stage_of(2), 'mql', 'UPDATE through a partition promotes');
SELECT results_eq($$SELECT lead_table, lead_id, from_stage::text, to_stage::text, via::text FROM leadqual.transition ORDER BY id$$,
                  $$VALUES ('pt_leads'::regclass, '1', NULL, 'mql', 'promotion'),
                           ('pt_leads'::regclass, '2', NULL, 'lead', 'manual'),
                           ('pt_leads'::regclass, '3', NULL, 'mql', 'promotion'),
                           ('pt_leads'::regclass, '4', NULL, 'mql', 'promotion'),
                           ('pt_leads'::regclass, '2', 'lead', 'mql', 'promotion')$$,
                  'every change is logged once, under the root table');

------------------------------------------------------------------------------
-- Rejections, re-qualification and stage rules
------------------------------------------------------------------------------

SELECT lives_ok($$SELECT leadqual.reject('pt_leads', '1', 'recycled', 'bad_timing')$$, 'reject() through the root');
SELECT is(pg_temp.stage_of(1), 'recycled', 'which recycles the lead in its partition');
SELECT lives_ok($$SELECT leadqual.reject('pt_apac_jp', '4', 'recycled', 'no_budget')$$, 'reject() naming the sub-partition');
SELECT is(pg_temp.last_move('pt_leads', '4'), 'mql>recycled rejection score=55 reason=no_budget by=' || current_user,
          'is logged under the root, with its reason');
UPDATE pt_eu SET score = 60 WHERE id = 1;
SELECT is(pg_temp.stage_of(1), 'recycled', 'a recycled lead''s unchanged score, rewritten in its partition, keeps it recycled');
UPDATE pt_eu SET score = 61 WHERE id = 1;
SELECT is(pg_temp.stage_of(1), 'mql', 'a rise above its recycled score, written in its partition, promotes it');
SELECT throws_ok($$UPDATE pt_us SET lifecycle_stage = 'lead' WHERE id = 2$$, '23514', NULL,
                 'a backward move in a partition is refused');
SELECT throws_ok($$UPDATE pt_apac_jp SET lifecycle_stage = 'disqualified' WHERE id = 4$$, '23502', NULL,
                 'a move to a detour without a reason in a sub-partition is refused');
SELECT is_empty($$SELECT * FROM leadqual.transition WHERE lead_table <> 'pt_leads'::regclass$$,
                'nothing is logged under a partition''s name');

------------------------------------------------------------------------------
-- Partitions added after manage()
------------------------------------------------------------------------------

CREATE TABLE pt_latam PARTITION OF pt_leads FOR VALUES IN ('br');
INSERT INTO pt_latam VALUES (5, 'br', 80);
SELECT is(pg_temp.stage_of(5), 'mql', 'a partition created after manage() is managed too');
CREATE TABLE pt_ca (LIKE pt_leads INCLUDING DEFAULTS);
INSERT INTO pt_ca VALUES (6, 'ca', 95);
ALTER TABLE pt_leads ATTACH PARTITION pt_ca FOR VALUES IN ('ca');
SELECT is(pg_temp.stage_of(6), 'lead', 'a table attached as a partition keeps the rows it had as they were');
INSERT INTO pt_ca VALUES (7, 'ca', 95);
UPDATE pt_ca SET score = 96 WHERE id = 6;
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM pt_ca ORDER BY id$$, $$VALUES (6, 'mql'), (7, 'mql')$$,
                  'but once attached its writes are promoted');
SELECT results_eq($$SELECT lead_table, lead_id, from_stage::text, to_stage::text FROM leadqual.transition
                    WHERE lead_id IN ('5', '6', '7') ORDER BY id$$,
                  $$VALUES ('pt_leads'::regclass, '5', NULL, 'mql'), ('pt_leads'::regclass, '7', NULL, 'mql'),
                           ('pt_leads'::regclass, '6', 'lead', 'mql')$$,
                  'and logged under the root');
SELECT is(pg_temp.leaves_without_trigger(), 0::bigint, 'every leaf partition has the trigger, the new ones too');

------------------------------------------------------------------------------
-- UPDATEs that move a lead to another partition
------------------------------------------------------------------------------

CREATE TEMP TABLE log_before AS SELECT * FROM leadqual.transition;
SELECT lives_ok($$UPDATE pt_leads SET region = 'us' WHERE id = 3$$, 'an mql moves from the eu partition to the us one');
SELECT results_eq($$SELECT region, lifecycle_stage::text FROM pt_leads WHERE id = 3$$, $$VALUES ('us', 'mql')$$,
                  'it is still an mql, now in us');
SELECT set_eq($$SELECT * FROM leadqual.transition$$, $$SELECT * FROM log_before$$,
              'its stage did not change, so nothing is logged');
SELECT lives_ok($$UPDATE pt_leads SET region = 'au' WHERE id = 4$$,
                'a recycled lead moves from the jp partition to the au one');
SELECT results_eq($$SELECT region, lifecycle_stage::text FROM pt_leads WHERE id = 4$$, $$VALUES ('au', 'recycled')$$,
                  'it is still recycled, now in au');
SELECT lives_ok($$UPDATE pt_leads SET region = 'eu', lifecycle_stage = 'sql' WHERE id = 2$$,
                'an mql moves from us to eu and to sql in one UPDATE');
SELECT bag_eq($$SELECT lead_id, from_stage::text, to_stage::text, via::text FROM leadqual.transition
                    EXCEPT ALL SELECT lead_id, from_stage::text, to_stage::text, via::text FROM log_before$$,
                  $$VALUES ('2', 'mql', 'sql', 'manual')$$,
                  'of the three partition moves, only the stage change is logged, once');

------------------------------------------------------------------------------
-- unmanage()
------------------------------------------------------------------------------

SELECT lives_ok($$SELECT leadqual.unmanage('pt_leads')$$, 'unmanage() the root');
SELECT is((SELECT count(*) FROM pg_partition_tree('pt_leads') AS p JOIN pg_trigger AS t ON t.tgrelid = p.relid),
          0::bigint, 'no trigger is left on the root or any partition');
INSERT INTO pt_us VALUES (8, 'us', 99);
SELECT is(pg_temp.stage_of(8), 'lead', 'writes into a partition are no longer promoted');
SELECT is(pg_temp.log_count('pt_leads', '8'), 0::bigint, 'nor logged');

SELECT * FROM finish();
ROLLBACK;
