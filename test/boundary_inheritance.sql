-- Inheritance children cannot escape the stage rules.  A row of an
-- inheritance child is written by the child's triggers only: an UPDATE
-- through a managed parent would move the child's leads backward, or into a
-- detour without a reason, unchecked and unlogged.  So leadqual refuses
-- inheritance under a managed table (feature_not_supported, 0A000):
--   - manage() refuses a table that has inheritance children, at any depth;
--   - once a table is managed, CREATE TABLE ... INHERITS and ALTER TABLE ...
--     INHERIT refuse to make it a parent (an event trigger), whoever runs
--     them, the superuser included; nothing else is refused: LIKE, a
--     managed table becoming a child itself, children of unmanaged tables,
--     or of a table once it is unmanaged.
-- A managed table that is itself the child of an unmanaged parent is a
-- table like any other: an UPDATE through the parent (or a grandparent)
-- promotes, refuses backward moves with the error of a direct backward move
-- (23514) and detours without a reason (23502), and logs every move under
-- the child.  Declarative partitioning is not inheritance: partitions are
-- still created and attached under a managed partitioned table
-- (test/partitions.sql covers them in full).
\ir helpers/setup.psql

SELECT plan(36);

CREATE ROLE lq_tap_bd_inh_owner;
CREATE ROLE lq_tap_bd_inh_app;
CREATE SCHEMA bd_inh AUTHORIZATION lq_tap_bd_inh_owner;
GRANT USAGE ON SCHEMA bd_inh TO lq_tap_bd_inh_app;

-- Children of a table, by inheritance (not partitions).
CREATE FUNCTION pg_temp.children(parent regclass) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT count(*) FROM pg_inherits AS i WHERE i.inhparent = parent $$;

------------------------------------------------------------------------------
-- A parent with children cannot be managed
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_bd_inh_owner;
CREATE TABLE bd_inh.family (
    id              bigint PRIMARY KEY,
    title           text,
    company_size    integer,
    industry        text,
    score           integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
CREATE TABLE bd_inh.family_child () INHERITS (bd_inh.family);
CREATE TABLE bd_inh.family_grandchild () INHERITS (bd_inh.family_child);

SELECT throws_ok($$SELECT leadqual.manage('bd_inh.family')$$, '0A000', NULL,
                 'manage() refuses a table with inheritance children: feature_not_supported');
SELECT throws_ok($$SELECT leadqual.manage('bd_inh.family', model => 'default')$$, '0A000', NULL,
                 'manage() with a model refuses it too');
SELECT throws_ok($$SELECT leadqual.manage('bd_inh.family_child')$$, '0A000', NULL,
                 'manage() refuses a child that has children of its own');
SELECT lives_ok($$SELECT leadqual.manage('bd_inh.family_grandchild')$$,
                'manage() takes a child without children (the grandchild)');
RESET ROLE;
SELECT throws_ok($$SELECT leadqual.manage('bd_inh.family')$$, '0A000', NULL,
                 'manage() refuses the parent when the superuser calls it too');
SELECT is((SELECT count(*) FROM leadqual.managed WHERE leads IN ('bd_inh.family'::regclass, 'bd_inh.family_child'::regclass)),
          0::bigint, 'neither parent is listed in leadqual.managed');

SET LOCAL ROLE lq_tap_bd_inh_owner;
ALTER TABLE bd_inh.family_child NO INHERIT bd_inh.family;
SELECT lives_ok($$SELECT leadqual.manage('bd_inh.family')$$, 'once its child is detached, the table can be managed');
RESET ROLE;

------------------------------------------------------------------------------
-- A managed table gets no inheritance children
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_bd_inh_owner;
CREATE TABLE bd_inh.leads (
    id              bigint PRIMARY KEY,
    title           text,
    company_size    integer,
    industry        text,
    score           integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
CREATE TABLE bd_inh.scored (LIKE bd_inh.leads INCLUDING ALL);
CREATE TABLE bd_inh.unmanaged ();   -- no columns: any table can inherit it
CREATE TABLE bd_inh.stray (LIKE bd_inh.leads INCLUDING ALL);
SELECT FROM leadqual.manage('bd_inh.leads');
SELECT FROM leadqual.manage('bd_inh.scored', model => 'default');

SELECT throws_ok($$CREATE TABLE bd_inh.leads_child () INHERITS (bd_inh.leads)$$, '0A000', NULL,
                 'CREATE TABLE ... INHERITS a managed table is refused: feature_not_supported');
SELECT throws_ok($$CREATE TABLE bd_inh.scored_child (extra text) INHERITS (bd_inh.scored)$$, '0A000', NULL,
                 'CREATE TABLE ... INHERITS a table managed with a model is refused');
SELECT throws_ok($$CREATE TABLE bd_inh.both () INHERITS (bd_inh.unmanaged, bd_inh.leads)$$, '0A000', NULL,
                 'CREATE TABLE ... INHERITS an unmanaged table and a managed one is refused');
SELECT throws_ok($$ALTER TABLE bd_inh.stray INHERIT bd_inh.leads$$, '0A000', NULL,
                 'ALTER TABLE ... INHERIT a managed table is refused');
RESET ROLE;
SELECT throws_ok($$CREATE TABLE bd_inh.super_child () INHERITS (bd_inh.leads)$$, '0A000', NULL,
                 'CREATE TABLE ... INHERITS a managed table is refused to the superuser too');
SELECT throws_ok($$ALTER TABLE bd_inh.stray INHERIT bd_inh.scored$$, '0A000', NULL,
                 'ALTER TABLE ... INHERIT a managed table is refused to the superuser too');
SELECT is(pg_temp.children('bd_inh.leads') + pg_temp.children('bd_inh.scored'), 0::bigint,
          'the managed tables have no inheritance children');

-- what is not inheritance under a managed table is still allowed
SET LOCAL ROLE lq_tap_bd_inh_owner;
SELECT lives_ok($$CREATE TABLE bd_inh.copy (LIKE bd_inh.leads INCLUDING ALL)$$,
                'CREATE TABLE (LIKE a managed table) is allowed');
SELECT lives_ok($$CREATE TABLE bd_inh.unmanaged_child () INHERITS (bd_inh.unmanaged)$$,
                'an unmanaged table may get children');
SELECT lives_ok($$ALTER TABLE bd_inh.stray INHERIT bd_inh.unmanaged$$, 'ALTER TABLE ... INHERIT an unmanaged table is allowed');
SELECT lives_ok($$SELECT leadqual.unmanage('bd_inh.leads')$$, 'unmanage() the table');
SELECT lives_ok($$CREATE TABLE bd_inh.leads_later_child () INHERITS (bd_inh.leads)$$,
                'once unmanaged, the table may get children');
SELECT throws_ok($$SELECT leadqual.manage('bd_inh.leads')$$, '0A000', NULL,
                 'and then it cannot be managed again while it has them');
RESET ROLE;

------------------------------------------------------------------------------
-- A managed child of unmanaged parents: the rules hold through the parents
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_bd_inh_owner;
CREATE TABLE bd_inh.world (
    id              bigint,
    score           integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
CREATE TABLE bd_inh.all_leads () INHERITS (bd_inh.world);
CREATE TABLE bd_inh.eu_leads (PRIMARY KEY (id)) INHERITS (bd_inh.all_leads);
SELECT lives_ok($$SELECT leadqual.manage('bd_inh.eu_leads')$$,
                'manage() takes a table that is the inheritance child of unmanaged tables');
SELECT lives_ok($$ALTER TABLE bd_inh.family INHERIT bd_inh.unmanaged$$,
                'a managed table may become the child of an unmanaged table');
GRANT SELECT, INSERT, UPDATE ON bd_inh.world, bd_inh.all_leads, bd_inh.eu_leads TO lq_tap_bd_inh_app;
RESET ROLE;

SET LOCAL ROLE lq_tap_bd_inh_app;
INSERT INTO bd_inh.eu_leads (id, score) VALUES (1, 70), (2, 10), (3, 20), (4, 20);
SELECT lives_ok($$UPDATE bd_inh.all_leads SET score = 60 WHERE id = 2$$,
                'through the parent: an UPDATE of the child''s lead''s score');
SELECT is((SELECT lifecycle_stage::text FROM bd_inh.eu_leads WHERE id = 2), 'mql', 'through the parent: the score promoted it');
SELECT throws_ok($$UPDATE bd_inh.eu_leads SET lifecycle_stage = 'lead' WHERE id = 1$$, '23514', NULL,
                 'directly: a backward move of the child''s lead is refused (23514)');
SELECT throws_ok($$UPDATE bd_inh.all_leads SET lifecycle_stage = 'lead' WHERE id = 1$$, '23514', NULL,
                 'through the parent: the same backward move is refused the same way (23514)');
SELECT throws_ok($$UPDATE bd_inh.world SET lifecycle_stage = 'subscriber'$$, '23514', NULL,
                 'through the grandparent: a backward move of every lead is refused (23514)');
SELECT throws_ok($$UPDATE bd_inh.all_leads SET lifecycle_stage = 'recycled' WHERE id = 3$$, '23502', NULL,
                 'through the parent: a detour without a reason is refused (23502)');
SELECT lives_ok($$UPDATE bd_inh.world SET lifecycle_stage = 'sal' WHERE id = 1$$, 'through the grandparent: a forward move');
SET LOCAL leadqual.reason = 'bad_timing';
SELECT lives_ok($$UPDATE bd_inh.all_leads SET lifecycle_stage = 'recycled' WHERE id = 4$$,
                'through the parent: a detour with a reason');
SET LOCAL leadqual.reason = '';
SELECT throws_ok($$SELECT leadqual.reject('bd_inh.all_leads', '1', 'recycled', 'bad_timing')$$, '55000', NULL,
                 'reject() through the unmanaged parent: not managed (55000)');
RESET ROLE;

SELECT is((SELECT string_agg(format('%s %s>%s %s %s by %s', lead_id, coalesce(from_stage::text, 'NULL'), to_stage, via,
                                     coalesce(reason, '-'), changed_by), ', ' ORDER BY id)
           FROM leadqual.transition WHERE lead_table = 'bd_inh.eu_leads'::regclass),
          '1 NULL>mql promotion - by lq_tap_bd_inh_app, 2 NULL>lead manual - by lq_tap_bd_inh_app, '
          '3 NULL>lead manual - by lq_tap_bd_inh_app, 4 NULL>lead manual - by lq_tap_bd_inh_app, '
          '2 lead>mql promotion - by lq_tap_bd_inh_app, 1 mql>sal manual - by lq_tap_bd_inh_app, '
          '4 lead>recycled manual bad_timing by lq_tap_bd_inh_app',
          'every move made through the parents is logged under the managed child, by the application');
SELECT results_eq($$SELECT id, lifecycle_stage::text FROM bd_inh.eu_leads ORDER BY id$$,
                  $$VALUES (1::bigint, 'sal'), (2, 'mql'), (3, 'lead'), (4, 'recycled')$$,
                  'the child''s leads are where the log says');

------------------------------------------------------------------------------
-- Declarative partitions are not inheritance
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_bd_inh_owner;
CREATE TABLE bd_inh.parted (
    id bigint, region text, score integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    PRIMARY KEY (id, region)
) PARTITION BY LIST (region);
CREATE TABLE bd_inh.parted_eu PARTITION OF bd_inh.parted FOR VALUES IN ('eu');
SELECT FROM leadqual.manage('bd_inh.parted');
SELECT lives_ok($$CREATE TABLE bd_inh.parted_us PARTITION OF bd_inh.parted FOR VALUES IN ('us')$$,
                'partitions: CREATE TABLE ... PARTITION OF a managed table is allowed');
CREATE TABLE bd_inh.parted_jp (LIKE bd_inh.parted INCLUDING ALL);
SELECT lives_ok($$ALTER TABLE bd_inh.parted ATTACH PARTITION bd_inh.parted_jp FOR VALUES IN ('jp')$$,
                'partitions: ATTACH PARTITION to a managed table is allowed');
INSERT INTO bd_inh.parted (id, region, score) VALUES (1, 'us', 80), (2, 'jp', 90);
SELECT results_eq($$SELECT lead_id, to_stage::text, via::text FROM leadqual.transition
                    WHERE lead_table = 'bd_inh.parted'::regclass ORDER BY id$$,
                  $$VALUES ('1', 'mql', 'promotion'), ('2', 'mql', 'promotion')$$,
                  'partitions: leads of the new partitions are promoted and logged under the managed table');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
