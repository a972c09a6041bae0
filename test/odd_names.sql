-- Tables and columns whose names need quoting: mixed case, spaces, quotes,
-- backslashes, '=', non-ASCII, long names, a schema off the search_path.
\ir helpers/setup.psql

SELECT plan(36);

CREATE SCHEMA "Sales Ops";
CREATE TABLE "Sales Ops"."Leads 2026" (
    "Lead ID" integer PRIMARY KEY,
    "Score" integer,
    "Stage" leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    -- decoys: what unquoted or case-folded names would hit
    lead_id integer,
    score integer,
    stage leadqual.lifecycle_stage
);

------------------------------------------------------------------------------
-- "Sales Ops"."Leads 2026" with columns "Lead ID", "Score", "Stage"
------------------------------------------------------------------------------

SELECT lives_ok($$SELECT leadqual.manage('"Sales Ops"."Leads 2026"', 'Lead ID', 'Score', 'Stage')$$,
                'manage() a mixed-case table with spaces, in a schema off the search_path');
SELECT results_eq($$SELECT leads::text, id_column::text, score_column::text, stage_column::text, threshold, promote_to::text
                    FROM leadqual.managed$$,
                  $$VALUES ('"Sales Ops"."Leads 2026"', 'Lead ID', 'Score', 'Stage', 50::numeric, 'mql')$$,
                  'leadqual.managed shows the table and the column names as they are');
INSERT INTO "Sales Ops"."Leads 2026" ("Lead ID", "Score", score) VALUES (1, 70, 0), (2, 10, 99), (3, 10, 10);
SELECT results_eq($$SELECT "Lead ID", "Stage"::text, stage::text FROM "Sales Ops"."Leads 2026" ORDER BY 1$$,
                  $$VALUES (1, 'mql', NULL), (2, 'lead', NULL), (3, 'lead', NULL)$$,
                  'promotion reads "Score" and sets "Stage", not the lower-case decoys');
SELECT results_eq($$SELECT lead_table, lead_id, from_stage::text, to_stage::text, via::text FROM leadqual.transition ORDER BY id$$,
                  $$VALUES ('"Sales Ops"."Leads 2026"'::regclass, '1', NULL, 'mql', 'promotion'),
                           ('"Sales Ops"."Leads 2026"'::regclass, '2', NULL, 'lead', 'manual'),
                           ('"Sales Ops"."Leads 2026"'::regclass, '3', NULL, 'lead', 'manual')$$,
                  'the INSERTs are logged under the table, with "Lead ID" as lead_id');
UPDATE "Sales Ops"."Leads 2026" SET "Score" = 55 WHERE "Lead ID" = 2;
SELECT is(pg_temp.last_move('"Sales Ops"."Leads 2026"', '2'), 'lead>mql promotion score=55 reason=NULL by=' || current_user,
          'an UPDATE of "Score" promotes and is logged');
SELECT lives_ok($$SELECT leadqual.reject('"Sales Ops"."Leads 2026"', '1', 'recycled', 'bad_timing')$$,
                'reject() on the table');
SELECT is((SELECT "Stage"::text FROM "Sales Ops"."Leads 2026" WHERE "Lead ID" = 1), 'recycled', 'reject() set "Stage"');
SELECT is(pg_temp.last_move('"Sales Ops"."Leads 2026"', '1'), 'mql>recycled rejection score=70 reason=bad_timing by=' || current_user,
          'the rejection is logged');
SET LOCAL leadqual.reason = 'duplicate';
UPDATE "Sales Ops"."Leads 2026" SET "Stage" = 'disqualified' WHERE "Lead ID" = 2;
RESET leadqual.reason;
SELECT is(pg_temp.last_move('"Sales Ops"."Leads 2026"', '2'), 'mql>disqualified manual score=55 reason=duplicate by=' || current_user,
          'SET LOCAL leadqual.reason works on the table');
UPDATE "Sales Ops"."Leads 2026" SET "Stage" = 'sql' WHERE "Lead ID" = 3;
SELECT throws_ok($$UPDATE "Sales Ops"."Leads 2026" SET "Stage" = 'mql' WHERE "Lead ID" = 3$$, '23514', NULL,
                 'a backward move on the table is refused');
SELECT throws_like($$UPDATE "Sales Ops"."Leads 2026" SET "Stage" = 'mql' WHERE "Lead ID" = 3$$,
                   '%"Sales Ops"."Leads 2026"%', 'and the error names the table, quoted as SQL needs');
SELECT throws_ok($$SELECT leadqual.reject('"Sales Ops"."Leads 2026"', '4', 'recycled', 'bad_timing')$$, 'P0002', NULL,
                 'reject() of a lead not in the table: no_data_found');
SELECT lives_ok($$SELECT leadqual.unmanage('"Sales Ops"."Leads 2026"')$$, 'unmanage() the table');
SELECT is_empty($$SELECT * FROM leadqual.managed$$, 'leadqual.managed no longer lists it');
SELECT is((SELECT count(*) FROM pg_trigger WHERE tgrelid = '"Sales Ops"."Leads 2026"'::regclass), 0::bigint,
          'no trigger is left on it');
INSERT INTO "Sales Ops"."Leads 2026" ("Lead ID", "Score") VALUES (4, 90);
SELECT is((SELECT "Stage"::text FROM "Sales Ops"."Leads 2026" WHERE "Lead ID" = 4), 'lead', 'its leads are no longer promoted');
SELECT is(pg_temp.log_count('"Sales Ops"."Leads 2026"'), 7::bigint, 'its history is kept, and nothing more logged');

------------------------------------------------------------------------------
-- Quotes, '=', a backslash and non-ASCII in the names
------------------------------------------------------------------------------

CREATE TABLE "Sales Ops"."Leads ""Q1""" (
    "o'brien id" text PRIMARY KEY,
    "score=raw" numeric,
    "Stage\Étape" leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT lives_ok($$SELECT leadqual.manage('"Sales Ops"."Leads ""Q1"""', 'o''brien id', 'score=raw', 'Stage\Étape',
                                         threshold => 0.5, promote_to => 'pql')$$,
                'manage() a table whose names hold a double quote, a single quote, =, a backslash and É');
SELECT results_eq($$SELECT leads::text, id_column::text, score_column::text, stage_column::text, threshold, promote_to::text
                    FROM leadqual.managed$$,
                  $$VALUES ('"Sales Ops"."Leads ""Q1"""', 'o''brien id', 'score=raw', 'Stage\Étape', 0.5, 'pql')$$,
                  'leadqual.managed shows every name exactly');
INSERT INTO "Sales Ops"."Leads ""Q1""" VALUES ('O''Neil', 0.5), ('d''Arc', 0.49);
SELECT results_eq($$SELECT "o'brien id", "Stage\Étape"::text FROM "Sales Ops"."Leads ""Q1""" ORDER BY "o'brien id" COLLATE "C"$$,
                  $$VALUES ('O''Neil', 'pql'), ('d''Arc', 'lead')$$,
                  'promotion works on it');
SELECT lives_ok($$SELECT leadqual.reject('"Sales Ops"."Leads ""Q1"""', 'd''Arc', 'disqualified', 'not_icp')$$,
                'reject() works on it');
SELECT is(pg_temp.moves('"Sales Ops"."Leads ""Q1"""', 'd''Arc'), '{"NULL>lead manual","lead>disqualified rejection"}',
          'and is logged');
SELECT lives_ok($$SELECT leadqual.unmanage('"Sales Ops"."Leads ""Q1"""')$$, 'unmanage() works on it');
SELECT is((SELECT count(*) FROM pg_trigger WHERE tgrelid = '"Sales Ops"."Leads ""Q1"""'::regclass), 0::bigint,
          'no trigger is left on it');

------------------------------------------------------------------------------
-- Names as long as PostgreSQL allows, full of quotes
------------------------------------------------------------------------------

-- 63-byte identifiers, each with ten double quotes: quoted, schema.table
-- takes 2 * (63 + 10 + 2) + 1 = 151 characters.
CREATE SCHEMA "Sales ""EMEA"" ""North"" ""South"" ""East"" ""West"" Regional Ops Team 20";
CREATE TABLE "Sales ""EMEA"" ""North"" ""South"" ""East"" ""West"" Regional Ops Team 20"."Leads ""2026"" ""Q1"" ""Q2"" ""Web"" ""Inbound"" Pipeline, Under Review X" (
    "Lead ""ID"" ""of"" ""the"" ""person"" we ""are"" talking about here!" integer PRIMARY KEY,
    "Score" integer,
    "Stage" leadqual.lifecycle_stage NOT NULL DEFAULT 'lead'
);
SELECT is(length(c.oid::regclass::text), 151, 'the long table''s quoted, qualified name is 151 characters')
FROM pg_class AS c WHERE c.relname LIKE 'Leads "2026"%' AND c.relkind = 'r';
SELECT lives_ok($$SELECT leadqual.manage('"Sales ""EMEA"" ""North"" ""South"" ""East"" ""West"" Regional Ops Team 20"."Leads ""2026"" ""Q1"" ""Q2"" ""Web"" ""Inbound"" Pipeline, Under Review X"',
                                         'Lead "ID" "of" "the" "person" we "are" talking about here!', 'Score', 'Stage')$$,
                'manage() the table with long names');
INSERT INTO "Sales ""EMEA"" ""North"" ""South"" ""East"" ""West"" Regional Ops Team 20"."Leads ""2026"" ""Q1"" ""Q2"" ""Web"" ""Inbound"" Pipeline, Under Review X"
VALUES (1, 80), (2, 20);
SELECT results_eq($$SELECT "Stage"::text FROM "Sales ""EMEA"" ""North"" ""South"" ""East"" ""West"" Regional Ops Team 20"."Leads ""2026"" ""Q1"" ""Q2"" ""Web"" ""Inbound"" Pipeline, Under Review X" ORDER BY 1$$,
                  $$VALUES ('lead'), ('mql')$$, 'promotion works on it');
SELECT lives_ok($$SELECT leadqual.reject('"Sales ""EMEA"" ""North"" ""South"" ""East"" ""West"" Regional Ops Team 20"."Leads ""2026"" ""Q1"" ""Q2"" ""Web"" ""Inbound"" Pipeline, Under Review X"',
                                         '1', 'recycled', 'bad_timing')$$,
                'reject() works on it');
SELECT is((SELECT "Stage"::text FROM "Sales ""EMEA"" ""North"" ""South"" ""East"" ""West"" Regional Ops Team 20"."Leads ""2026"" ""Q1"" ""Q2"" ""Web"" ""Inbound"" Pipeline, Under Review X"
           WHERE "Lead ""ID"" ""of"" ""the"" ""person"" we ""are"" talking about here!" = 1),
          'recycled', 'and recycled the lead');
SELECT throws_ok($$UPDATE "Sales ""EMEA"" ""North"" ""South"" ""East"" ""West"" Regional Ops Team 20"."Leads ""2026"" ""Q1"" ""Q2"" ""Web"" ""Inbound"" Pipeline, Under Review X"
                   SET "Stage" = 'subscriber' WHERE "Score" = 20$$, '23514', NULL,
                 'a backward move on it is refused');
SELECT throws_like($$UPDATE "Sales ""EMEA"" ""North"" ""South"" ""East"" ""West"" Regional Ops Team 20"."Leads ""2026"" ""Q1"" ""Q2"" ""Web"" ""Inbound"" Pipeline, Under Review X"
                     SET "Stage" = 'subscriber' WHERE "Score" = 20$$,
                   '%"Sales ""EMEA"" ""North"" ""South"" ""East"" ""West"" Regional Ops Team 20"."Leads ""2026"" ""Q1"" ""Q2"" ""Web"" ""Inbound"" Pipeline, Under Review X"%',
                   'and the error names the table in full');
SELECT lives_ok($$SELECT leadqual.unmanage('"Sales ""EMEA"" ""North"" ""South"" ""East"" ""West"" Regional Ops Team 20"."Leads ""2026"" ""Q1"" ""Q2"" ""Web"" ""Inbound"" Pipeline, Under Review X"')$$,
                'unmanage() works on it');

------------------------------------------------------------------------------
-- A search_path that hides nothing leadqual needs
------------------------------------------------------------------------------

CREATE TABLE "Sales Ops".transition (id integer);
CREATE TABLE "Sales Ops".rejection_reason (code text);
CREATE TABLE "Sales Ops".sp_leads (id integer PRIMARY KEY, score integer, lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SET LOCAL search_path = "Sales Ops", public;
SELECT lives_ok($$SELECT leadqual.manage('sp_leads')$$, 'manage() by an unqualified name found on the search_path');
INSERT INTO sp_leads VALUES (1, 60), (2, 10);
SELECT lives_ok($$SELECT leadqual.reject('sp_leads', '2', 'recycled', 'no_budget')$$,
                'reject() with tables named transition and rejection_reason first on the search_path');
RESET search_path;
SELECT is(pg_temp.moves('"Sales Ops".sp_leads', '2'), '{"NULL>lead manual","lead>recycled rejection"}',
          'the moves went to leadqual.transition');
SELECT is((SELECT count(*) FROM "Sales Ops".transition), 0::bigint, 'and not to the look-alike table');

SELECT * FROM finish();
ROLLBACK;
