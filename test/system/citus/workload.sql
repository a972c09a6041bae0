-- test/system/citus.sh runs this on one node and through a Citus
-- coordinator, after the tables below are managed (leads with a threshold,
-- scored with the default model, co-located on Citus): promotions, moves
-- by hand, rejections (by reject() and by SET LOCAL), a deletion, events
-- tracked (a lead's second event adds to its first), touches; a model
-- copied and changed (leadqual's reference tables, on Citus), whose
-- engagement decays, rescored by rescore() and rescore_due().
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
-- events score the leads of a model, and promote some; touches stop clocks
INSERT INTO scored (tenant, id, title, company_size, industry)
SELECT g % 4, g, CASE WHEN g % 2 = 0 THEN 'VP of Sales' ELSE 'Intern' END, 40 * g, 'software'
FROM generate_series(1, 12) AS g;
SELECT leadqual.track('scored', g::text, 'demo_request', '2026-12-01 10:00+00') FROM generate_series(1, 6) AS g;
SELECT leadqual.track('scored', '7', 'page_view', '2026-12-01 10:00+00', '{"session_id": "s7"}');
SELECT leadqual.track('scored', '8', 'pricing_page_view', '2026-12-01 11:00+00');
SELECT leadqual.track('scored', '8', 'webinar_attended', '2026-12-01 12:00+00');
SELECT leadqual.track('scored', '8', 'whitepaper_download', '2026-12-01 13:00+00');
SELECT leadqual.touch('leads', '1', 'call', '2026-12-07 09:00+00');
SELECT leadqual.touch('leads', g::text, 'email') FROM generate_series(13, 16) AS g;
SELECT leadqual.touch('scored', '2', 'meeting');
-- a touch of a lead with no clock, and of a lead not promoted: only stored
SELECT leadqual.touch('scored', '9');
-- decay: the scores at track() depend on the time it runs; rescore() as of
-- a given time sets them all (shard-parallel on Citus)
SELECT leadqual.copy_model('default', 'decaying');
UPDATE leadqual.engagement_rule SET half_life = '30 days' WHERE model = 'decaying';
-- rows there before manage(), which scores them (on Citus, shard-parallel)
INSERT INTO decay (tenant, id, title, company_size, industry)
SELECT g % 4, g, CASE WHEN g % 3 = 0 THEN 'VP of Sales' ELSE 'Intern' END, 30 * g, 'software'
FROM generate_series(1, 24) AS g;
SELECT leadqual.manage('decay', model => 'decaying');
CREATE TABLE decay_after_manage AS SELECT id, score, lifecycle_stage FROM decay;
SELECT leadqual.track('decay', g::text, 'demo_request', '2026-11-20 10:00+00') FROM generate_series(1, 24, 2) AS g;
SELECT leadqual.track('decay', g::text, 'pricing_page_view', '2026-11-25 10:00+00') FROM generate_series(1, 24, 3) AS g;
SELECT leadqual.rescore('decay', '2027-01-10 00:00+00');
