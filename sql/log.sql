-- The log records the stage changes that were really written.
\set SHOW_CONTEXT never
CREATE SCHEMA lg;
CREATE TABLE lg.leads (id int PRIMARY KEY, email text UNIQUE, score int NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('lg.leads');
INSERT INTO lg.leads (id, email, score) VALUES (1, 'a@x', 10), (2, 'b@x', 70);

-- a CRM sync upserts: existing leads are updated, not logged as new
INSERT INTO lg.leads (id, email, score) VALUES (1, 'a@x', 55), (3, 'c@x', 5)
ON CONFLICT (id) DO UPDATE SET score = EXCLUDED.score;
-- rows skipped by DO NOTHING, on any constraint, leave no trace
INSERT INTO lg.leads (id, email, score) VALUES (2, 'b@x', 99), (4, 'a@x', 99)
ON CONFLICT DO NOTHING;
-- an upsert that changes nothing logs nothing
INSERT INTO lg.leads (id, email, score) VALUES (2, 'b@x', 70)
ON CONFLICT (id) DO UPDATE SET score = EXCLUDED.score;

SELECT id, score, lifecycle_stage FROM lg.leads ORDER BY id;
SELECT lead_id, from_stage, to_stage, score, via
FROM leadqual.transition WHERE lead_table = 'lg.leads'::regclass ORDER BY id;

-- a move by hand into mql is manual even when the score would have promoted
INSERT INTO lg.leads (id, email, score, lifecycle_stage) VALUES (8, 'h@x', 80, 'mql');
INSERT INTO lg.leads (id, email, score) VALUES (9, 'i@x', 10);
UPDATE lg.leads SET score = 90, lifecycle_stage = 'mql' WHERE id = 9;
INSERT INTO lg.leads (id, email, score) VALUES (10, 'j@x', 90);
SELECT lead_id, from_stage, to_stage, score, via FROM leadqual.transition
WHERE lead_table = 'lg.leads'::regclass AND lead_id IN ('8', '9', '10') ORDER BY id;

-- COPY and MERGE go through the same triggers
COPY lg.leads (id, email, score) FROM stdin;
11	k@x	20
12	l@x	75
\.
MERGE INTO lg.leads AS l
USING (VALUES (11, 'k@x', 65), (13, 'm@x', 5)) AS s(id, email, score) ON l.id = s.id
WHEN MATCHED THEN UPDATE SET score = s.score
WHEN NOT MATCHED THEN INSERT (id, email, score) VALUES (s.id, s.email, s.score);
SELECT lead_id, from_stage, to_stage, score, via FROM leadqual.transition
WHERE lead_table = 'lg.leads'::regclass AND lead_id IN ('11', '12', '13') ORDER BY id;

-- another BEFORE trigger, firing after leadqual_qualify, skips a row
CREATE FUNCTION lg.skip_spam() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN IF NEW.email LIKE '%spam%' THEN RETURN NULL; END IF; RETURN NEW; END$$;
CREATE TRIGGER z_skip_spam BEFORE INSERT OR UPDATE ON lg.leads
    FOR EACH ROW EXECUTE FUNCTION lg.skip_spam();
INSERT INTO lg.leads (id, email, score) VALUES (5, 'spam@x', 90);
SELECT count(*) AS logged_for_5 FROM leadqual.transition
WHERE lead_table = 'lg.leads'::regclass AND lead_id = '5';
DROP TRIGGER z_skip_spam ON lg.leads;

-- ... or changes the stage itself: the rules still hold, and the log shows it
CREATE FUNCTION lg.vip() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN IF NEW.email LIKE 'vip%' THEN NEW.lifecycle_stage := 'sql'; END IF; RETURN NEW; END$$;
CREATE FUNCTION lg.demote() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN IF NEW.email LIKE 'demote%' THEN NEW.lifecycle_stage := 'lead'; END IF; RETURN NEW; END$$;
CREATE TRIGGER z_vip BEFORE INSERT OR UPDATE ON lg.leads FOR EACH ROW EXECUTE FUNCTION lg.vip();
CREATE TRIGGER z_z_demote BEFORE UPDATE ON lg.leads FOR EACH ROW EXECUTE FUNCTION lg.demote();
INSERT INTO lg.leads (id, email) VALUES (6, 'vip@x');
UPDATE lg.leads SET email = 'demote@x' WHERE id = 2;
\echo :LAST_ERROR_SQLSTATE
SELECT lead_id, from_stage, to_stage, via FROM leadqual.transition
WHERE lead_table = 'lg.leads'::regclass AND lead_id IN ('2', '6') ORDER BY id;

-- a decision left behind by a rolled-back subtransaction is not reused
CREATE FUNCTION lg.fail_on_7() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN IF NEW.id = 7 AND NEW.score > 60 THEN RAISE EXCEPTION 'no'; END IF; RETURN NEW; END$$;
CREATE TRIGGER fail_on_7 AFTER UPDATE ON lg.leads FOR EACH ROW EXECUTE FUNCTION lg.fail_on_7();
INSERT INTO lg.leads (id, email, score) VALUES (7, 'g@x', 10);
BEGIN;
SAVEPOINT s;
UPDATE lg.leads SET score = 70 WHERE id = 7;
ROLLBACK TO SAVEPOINT s;
UPDATE lg.leads SET lifecycle_stage = 'mql' WHERE id = 7;
COMMIT;
SELECT lead_id, from_stage, to_stage, score, via FROM leadqual.transition
WHERE lead_table = 'lg.leads'::regclass AND lead_id = '7' ORDER BY id;
DROP TRIGGER fail_on_7 ON lg.leads;

-- ordinary roles read the log but cannot write it; their changes are logged
CREATE ROLE leadqual_lg_rep;
GRANT USAGE ON SCHEMA lg TO leadqual_lg_rep;
GRANT SELECT, INSERT, UPDATE ON lg.leads TO leadqual_lg_rep;
SET ROLE leadqual_lg_rep;
UPDATE lg.leads SET lifecycle_stage = 'sal' WHERE id = 1;
SELECT lead_id, from_stage, to_stage, changed_by = current_user AS by_rep, via
FROM leadqual.transition
WHERE lead_table = 'lg.leads'::regclass AND lead_id = '1' ORDER BY id;
UPDATE leadqual.transition SET to_stage = 'customer';
\echo :LAST_ERROR_SQLSTATE
DELETE FROM leadqual.transition;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO leadqual.transition (lead_table, lead_id, to_stage, via) VALUES ('lg.leads', '1', 'customer', 'manual');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP OWNED BY leadqual_lg_rep;
DROP ROLE leadqual_lg_rep;

DROP SCHEMA lg CASCADE;
