-- test/system/citus.sh runs this on one node and through a Citus
-- coordinator, after the leads table below is managed: promotions, moves
-- by hand, rejections (by reject() and by SET LOCAL), a deletion.
INSERT INTO leadqual.owner (name) VALUES ('amara'), ('ben');
INSERT INTO leads (tenant, id) SELECT g % 4, g FROM generate_series(1, 40) AS g;
UPDATE leads SET score = 80 WHERE id <= 12;
UPDATE leads SET lifecycle_stage = 'sal' WHERE id <= 3;
SELECT leadqual.reject('leads', '5', 'recycled', 'no_budget');
BEGIN;
-- Citus sends SET LOCAL on to the workers only when told to
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL leadqual.reason = 'not_icp';
UPDATE leads SET lifecycle_stage = 'disqualified' WHERE id IN (6, 7);
COMMIT;
DELETE FROM leads WHERE id = 40;
UPDATE leads SET score = 90 WHERE id BETWEEN 13 AND 20;
-- one lead, by its distribution value too: on Citus, one shard's own commit
UPDATE leads SET score = 81 WHERE tenant = 1 AND id = 21;
