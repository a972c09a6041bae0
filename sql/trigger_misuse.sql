-- leadqual.qualify() attached any way but through manage().
\set SHOW_CONTEXT never
CREATE SCHEMA tm;
CREATE TABLE tm.leads (id int PRIMARY KEY, score int,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
INSERT INTO tm.leads VALUES (1, 0);

SELECT leadqual.qualify();
\echo :LAST_ERROR_SQLSTATE

CREATE TRIGGER after_row AFTER UPDATE ON tm.leads FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score',
        'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=mql');
UPDATE tm.leads SET score = 60;
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER after_row ON tm.leads;

CREATE TRIGGER per_statement BEFORE UPDATE ON tm.leads FOR EACH STATEMENT
    EXECUTE FUNCTION leadqual.qualify();
UPDATE tm.leads SET score = 60;
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER per_statement ON tm.leads;

CREATE TRIGGER on_delete BEFORE DELETE ON tm.leads FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score',
        'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=mql');
DELETE FROM tm.leads;
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER on_delete ON tm.leads;

-- the logging trigger must fire AFTER
CREATE TRIGGER log_before BEFORE UPDATE ON tm.leads FOR EACH ROW
    EXECUTE FUNCTION leadqual.log_transition('id_column=id', 'score_column=score',
        'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=mql');
UPDATE tm.leads SET score = 60;
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER log_before ON tm.leads;
SELECT leadqual.log_transition();
\echo :LAST_ERROR_SQLSTATE

-- arguments manage() would never write
CREATE TRIGGER no_args BEFORE UPDATE ON tm.leads FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify();
UPDATE tm.leads SET score = 60;
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER no_args ON tm.leads;

CREATE TRIGGER bad_threshold BEFORE UPDATE ON tm.leads FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score',
        'stage_column=lifecycle_stage', 'threshold=NaN', 'promote_to=mql');
UPDATE tm.leads SET score = 60;
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER bad_threshold ON tm.leads;

CREATE TRIGGER bad_target BEFORE UPDATE ON tm.leads FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score',
        'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=lead');
UPDATE tm.leads SET score = 60;
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER bad_target ON tm.leads;

CREATE TRIGGER twice BEFORE UPDATE ON tm.leads FOR EACH ROW
    EXECUTE FUNCTION leadqual.qualify('id_column=id', 'score_column=score',
        'stage_column=lifecycle_stage', 'threshold=50', 'promote_to=mql', 'threshold=90');
UPDATE tm.leads SET score = 60;
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER twice ON tm.leads;

-- the failed statements changed nothing
SELECT * FROM tm.leads;
SELECT count(*) AS log_rows FROM leadqual.transition WHERE lead_table = 'tm.leads'::regclass;

-- a column changed behind leadqual's back
SELECT leadqual.manage('tm.leads');
ALTER TABLE tm.leads ALTER COLUMN score TYPE text;
UPDATE tm.leads SET score = '60';
\echo :LAST_ERROR_SQLSTATE

-- NULL stage and NULL id
ALTER TABLE tm.leads ALTER COLUMN score TYPE int USING score::int;
ALTER TABLE tm.leads ALTER COLUMN lifecycle_stage DROP NOT NULL;
INSERT INTO tm.leads VALUES (2, 0, NULL);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tm.no_pk (id int, score int, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('tm.no_pk');
INSERT INTO tm.no_pk (id, score) VALUES (NULL, 10);
\echo :LAST_ERROR_SQLSTATE

-- a lead id too long for the log's index
CREATE TABLE tm.long_ids (id text, score int, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('tm.long_ids');
INSERT INTO tm.long_ids (id, score) VALUES (repeat('x', 1000), 1);
INSERT INTO tm.long_ids (id, score) VALUES (repeat('y', 1001), 1);
\echo :LAST_ERROR_SQLSTATE
SELECT length(id) FROM tm.long_ids;

-- trigger_arguments() checks the encoding and keeps an unterminated tail
SELECT leadqual.trigger_arguments('\x610062'::bytea);
SELECT leadqual.trigger_arguments('\xc328ff00'::bytea);
\echo :LAST_ERROR_SQLSTATE

DROP SCHEMA tm CASCADE;
