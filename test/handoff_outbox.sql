-- The handoff outbox, leadqual.handoff: which stage changes write a row
-- (a promotion, a move by hand into the stage the table promotes to; not a
-- rejection, another move, or a change rolled back), and with what;
-- claim_handoffs() (oldest first, n, leases, argument errors), ack_handoffs()
-- (idempotent, counts) and the retention purge under the setting
-- leadqual.handoff_retention; then who sees and may change which handoffs:
-- row-level security by lead, and the privileges a worker needs.
-- (specs/handoff_claim.spec: two workers claiming at once;
-- test/system/handoff_worker.sh: a worker restarted, a server killed.)
\ir helpers/setup.psql

SELECT plan(47);
SET LOCAL TimeZone = 'UTC';

CREATE TABLE ho_leads (id int PRIMARY KEY, score numeric NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                       owner text);
SELECT leadqual.manage('ho_leads', owner_column => 'owner');
INSERT INTO leadqual.owner (name) VALUES ('ho_ann');

-- The table's handoffs, as 'lead_id:from>to via score owner' in id order.
CREATE FUNCTION pg_temp.handoffs() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(format('%s:%s>%s %s %s %s', h.lead_id, coalesce(h.from_stage::text, 'NULL'),
                                      h.to_stage, h.via, coalesce(h.score::text, 'NULL'),
                                      coalesce(h.owner, 'NULL')), ', ' ORDER BY h.id), '')
    FROM leadqual.handoff AS h WHERE h.lead_table = 'ho_leads'::regclass
$$;

-- Claimed handoffs as their lead ids, in the order returned.
CREATE FUNCTION pg_temp.claim(n integer, lease interval DEFAULT '5 minutes', worker text DEFAULT NULL)
RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT coalesce(string_agg(c.lead_id, ',' ORDER BY o), '')
    FROM leadqual.claim_handoffs(n, lease, worker) WITH ORDINALITY AS c(id, lead_table, lead_id, transition_id,
        from_stage, to_stage, score, owner, via, handed_at, claimed_at, claimed_by, lease_until, claims,
        acked_at, o)
$$;

------------------------------------------------------------------------------
-- What writes a handoff
------------------------------------------------------------------------------

INSERT INTO ho_leads (id) VALUES (1), (2), (3), (4), (5);
SELECT is(pg_temp.handoffs(), '', 'inserting leads hands none to sales');

UPDATE ho_leads SET score = 60 WHERE id = 1;
SELECT is(pg_temp.handoffs(), '1:lead>mql promotion 60 ho_ann', 'a promotion writes one handoff, with its owner');
SELECT is((SELECT format('%s %s', h.transition_id = t.id, h.handed_at = t.changed_at)
           FROM leadqual.handoff AS h
           JOIN leadqual.transition AS t ON t.lead_table = h.lead_table AND t.lead_id = h.lead_id
                                        AND t.to_stage = 'mql'
           WHERE h.lead_id = '1'),
          't t', 'the handoff names its transition and is dated by it');
SELECT is((SELECT format('%s %s %s %s', claimed_at, claimed_by, claims, acked_at)
           FROM leadqual.handoff WHERE lead_id = '1'),
          '  0 ', 'a new handoff is unclaimed and unacknowledged');

UPDATE ho_leads SET lifecycle_stage = 'mql' WHERE id = 2;
SELECT is(pg_temp.handoffs(), '1:lead>mql promotion 60 ho_ann, 2:lead>mql manual 0 ho_ann',
          'a move by hand into mql writes one too');

UPDATE ho_leads SET lifecycle_stage = 'sal' WHERE id = 2;
SELECT leadqual.reject('ho_leads', '3', 'disqualified', 'not_icp');
UPDATE ho_leads SET score = 10 WHERE id = 4;
SELECT is((SELECT count(*) FROM leadqual.handoff), 2::bigint,
          'a move out of mql, a rejection and a score below the threshold write none');

SAVEPOINT promote;
UPDATE ho_leads SET score = 70 WHERE id = 5;
SELECT is((SELECT count(*) FROM leadqual.handoff), 3::bigint, 'a promotion in progress has its handoff');
ROLLBACK TO SAVEPOINT promote;
SELECT is((SELECT count(*) FROM leadqual.handoff), 2::bigint, 'a promotion rolled back leaves none');

UPDATE ho_leads SET score = 80 WHERE id = 5;
SELECT is(pg_temp.handoffs(),
          '1:lead>mql promotion 60 ho_ann, 2:lead>mql manual 0 ho_ann, 5:lead>mql promotion 80 ho_ann',
          'three handoffs, in the order they happened');

------------------------------------------------------------------------------
-- Claims
------------------------------------------------------------------------------

SELECT is(pg_temp.claim(2, worker => 'w1'), '1,2', 'a claim returns the oldest n, oldest first');
SELECT is((SELECT string_agg(format('%s %s %s', lead_id, claimed_by, claims), ',' ORDER BY id)
           FROM leadqual.handoff WHERE claimed_at IS NOT NULL),
          '1 w1 1,2 w1 1', 'and marks them claimed by the worker, once');
SELECT is(pg_temp.claim(10), '5', 'the next claim skips what is claimed');
SELECT is((SELECT claimed_by FROM leadqual.handoff WHERE lead_id = '5'), current_user::text,
          'a claim without a worker name is the role''s');
SELECT is(pg_temp.claim(10), '', 'with all of them claimed, a claim returns none');

SELECT is((SELECT lease_until - claimed_at FROM leadqual.handoff WHERE lead_id = '5'), interval '5 minutes',
          'a claim holds for its lease, 5 minutes by default');
-- lead 1's lease ran out
UPDATE leadqual.handoff SET lease_until = clock_timestamp() - interval '1 second' WHERE lead_id = '1';
SELECT is(pg_temp.claim(10, worker => 'w2', lease => '1 hour'), '1', 'a handoff whose lease ran out is offered again');
SELECT is((SELECT format('%s %s %s', claimed_by, claims, lease_until - claimed_at) FROM leadqual.handoff WHERE lead_id = '1'),
          'w2 2 01:00:00', 'to the next worker, for its lease, counting the claims');
SELECT is(pg_temp.claim(10, lease => '1 microsecond'), '', 'a claim holds for its own lease, whatever lease the next claimer passes');
UPDATE leadqual.handoff SET lease_until = clock_timestamp() - interval '1 second' WHERE lead_id = '2';
SELECT is(pg_temp.claim(1, lease => '1 microsecond'), '2', 'a short lease');
DO $$BEGIN PERFORM pg_sleep(0.01); END$$;
SELECT is(pg_temp.claim(1), '2', 'runs out soon');

-- Argument errors
SELECT throws_ok($$SELECT leadqual.claim_handoffs(0)$$, '22023',
                 'leadqual.claim_handoffs: n must be at least 1, not 0', 'n must be at least 1');
SELECT throws_ok($$SELECT leadqual.claim_handoffs(NULL)$$, '22023', NULL, 'n must not be NULL');
SELECT throws_ok($$SELECT leadqual.claim_handoffs(1, '0')$$, '22023',
                 'leadqual.claim_handoffs: lease must be a positive interval, not 00:00:00', 'lease must be positive');
SELECT throws_ok($$SELECT leadqual.claim_handoffs(1, '-1 minute')$$, '22023', NULL, 'a negative lease too');
SELECT throws_ok($$SELECT leadqual.claim_handoffs(1, NULL)$$, '22023', NULL, 'lease must not be NULL');

------------------------------------------------------------------------------
-- Acknowledgements and retention
------------------------------------------------------------------------------

SELECT is(current_setting('leadqual.handoff_retention'), '7 days', 'acknowledged handoffs are kept 7 days by default');
SELECT is(leadqual.ack_handoffs(ARRAY(SELECT id FROM leadqual.handoff WHERE lead_id IN ('1', '2'))), 2::bigint,
          'an acknowledgement counts what it acknowledged');
SELECT is(leadqual.ack_handoffs(ARRAY(SELECT id FROM leadqual.handoff WHERE lead_id IN ('1', '2', '5'))), 1::bigint,
          'and not what was acknowledged before');
SELECT is(leadqual.ack_handoffs(ARRAY(SELECT id FROM leadqual.handoff)), 0::bigint, 'so it can be repeated');
SELECT is(leadqual.ack_handoffs('{-1, 123456789}'), 0::bigint, 'ids that are no handoff count nothing');
SELECT is(leadqual.ack_handoffs(NULL), NULL, 'NULL acknowledges nothing');
SELECT is((SELECT count(*) FROM leadqual.handoff WHERE acked_at IS NOT NULL), 3::bigint,
          'acknowledged handoffs are kept for the retention');
UPDATE leadqual.handoff SET lease_until = clock_timestamp() - interval '1 second';
SELECT is(pg_temp.claim(10, lease => '1 microsecond'), '', 'and never offered again, whatever their lease');

UPDATE leadqual.handoff SET acked_at = acked_at - interval '8 days' WHERE lead_id = '1';
SELECT is(leadqual.ack_handoffs('{}'), 0::bigint, 'an acknowledgement of nothing');
SELECT is(pg_temp.handoffs(), '2:lead>mql manual 0 ho_ann, 5:lead>mql promotion 80 ho_ann',
          'still purges the acknowledged handoffs older than the retention');
SET LOCAL leadqual.handoff_retention = 0;
SELECT is(leadqual.ack_handoffs('{}'), 0::bigint, 'with a retention of 0');
SELECT is(pg_temp.handoffs(), '', 'none is kept');
SELECT throws_ok($$SET LOCAL leadqual.handoff_retention = '-1 day'$$, '22023', NULL,
                 'the retention can''t be negative');
SELECT throws_ok($$SET LOCAL leadqual.handoff_retention = 'a week'$$, '22023', NULL,
                 'and is an interval');
RESET leadqual.handoff_retention;

------------------------------------------------------------------------------
-- Row-level security and privileges
------------------------------------------------------------------------------

CREATE TABLE ho_other (LIKE ho_leads INCLUDING ALL);
SELECT leadqual.manage('ho_other', owner_column => 'owner');
INSERT INTO ho_other (id, score) VALUES (1, 90);
UPDATE ho_leads SET score = 90 WHERE id = 4;

CREATE ROLE lq_tap_ho_reader;
CREATE ROLE lq_tap_ho_worker;
GRANT SELECT ON ho_leads TO lq_tap_ho_reader, lq_tap_ho_worker;
GRANT UPDATE, DELETE ON leadqual.handoff TO lq_tap_ho_worker;

SET LOCAL ROLE lq_tap_ho_reader;
SELECT is((SELECT string_agg(lead_table::text || ':' || lead_id, ',' ORDER BY id) FROM leadqual.handoff),
          'ho_leads:4', 'a role sees only the handoffs of leads it can read');
SELECT throws_ok($$SELECT leadqual.claim_handoffs()$$, '42501', NULL,
                 'and can''t claim them without UPDATE on leadqual.handoff');
SELECT throws_ok($$SELECT leadqual.ack_handoffs('{1}')$$, '42501', NULL, 'nor acknowledge them');
SELECT throws_ok($$INSERT INTO leadqual.handoff (lead_table, lead_id, transition_id, to_stage, via, handed_at)
                   VALUES ('ho_leads', '9', 1, 'mql', 'manual', now())$$, '42501', NULL,
                 'nor forge one');
RESET ROLE;

SET LOCAL ROLE lq_tap_ho_worker;
SELECT is(pg_temp.claim(10, worker => 'rls'), '4', 'a worker claims only the handoffs of leads it can read');
SELECT is(leadqual.ack_handoffs(ARRAY(SELECT id FROM leadqual.handoff)), 1::bigint, 'and acknowledges them');
RESET ROLE;
SELECT is((SELECT format('%s %s', lead_table, acked_at IS NULL) FROM leadqual.handoff WHERE claimed_by IS NULL),
          'ho_other t', 'the other table''s handoff is left for a worker that can read it');

SELECT is(ARRAY[has_table_privilege('public', 'leadqual.handoff', 'SELECT'),
                has_table_privilege('lq_tap_ho_reader', 'leadqual.handoff', 'INSERT'),
                has_table_privilege('lq_tap_ho_reader', 'leadqual.handoff', 'UPDATE'),
                has_table_privilege('lq_tap_ho_reader', 'leadqual.handoff', 'DELETE'),
                has_sequence_privilege('lq_tap_ho_reader', 'leadqual.handoff_id_seq', 'USAGE')],
          ARRAY[true, false, false, false, false],
          'everyone reads the outbox, like the other per-lead tables; nobody else writes it');

SELECT * FROM finish();
ROLLBACK;
