-- The trust boundary against hostile domains.  leadqual switches to the
-- extension's owner (a superuser) to write its own tables; nothing a user
-- controls may run on that side.  A domain's CHECK is user code: it runs
-- whenever a value is cast or assigned to the domain.
--
-- Three roles, with only the privileges docs/security.md recommends:
--   - an attacker with CONNECT and the default TEMP, nothing else: its
--     leads tables are temporary, its domains and their spy live in pg_temp;
--   - a table owner with its own schema, where its domains live;
--   - an application role with SELECT, INSERT, UPDATE on the owner's table.
-- Each table has a hostile domain on every column leadqual knows: the id
-- (over bigint for the attacker, over text for the owner), the score (over
-- integer), the stage (over leadqual.lifecycle_stage) and the owner (over
-- text).  Every CHECK calls a spy that notes who ran it.  Each table is
-- managed once with a fixed threshold and once with model 'default', and
-- every path is driven: INSERT, UPDATE that promotes, UPDATE by hand,
-- track(), INSERT INTO leadqual.event, rescore() (also as of an old time),
-- manage() again, explain(), touch(), INSERT INTO leadqual.touch, reject(),
-- _store_scores() and _apply_touches() called directly.  Then the same
-- with an id column of the attacker's own enum type, whose casts from and
-- to text are the attacker's functions; and again under a hostile
-- search_path (shadow functions, operators, relations and a type).
--
-- What is proved, after every step: the hostile code never ran as anyone but
-- the role that ran the step (never as the superuser).  The spy also bumps a
-- sequence when that happens, so even a run inside work that was rolled back
-- afterwards is caught.  And, so the spy is known to work: the INSERT ran
-- every domain's CHECK as the caller.
\ir helpers/setup.psql

SELECT plan(149);

------------------------------------------------------------------------------
-- Roles, the spy's notebook, the owners round-robin picks from
------------------------------------------------------------------------------

CREATE ROLE lq_tap_bd_dom_attacker;     -- CONNECT and TEMP, as PUBLIC has them
CREATE ROLE lq_tap_bd_dom_owner;
CREATE ROLE lq_tap_bd_dom_app;
CREATE SCHEMA bd_dom AUTHORIZATION lq_tap_bd_dom_owner;
GRANT USAGE ON SCHEMA bd_dom TO lq_tap_bd_dom_app;

\ir helpers/spy_notebook.psql

INSERT INTO leadqual.owner (name) VALUES ('bd_rep_ann'), ('bd_rep_ben');

------------------------------------------------------------------------------
-- The harness (the superuser's, in pg_temp)
------------------------------------------------------------------------------

CREATE TEMP TABLE attack_log (n integer, step text, caller name, outcome text, fouls bigint);
GRANT INSERT, SELECT ON attack_log TO PUBLIC;

-- Runs the statement as the current role, under the given search_path, and
-- returns 'none' when no hostile code ran as another role meanwhile, or
-- what did.  Its outcome ('ok' or the SQLSTATE) goes to attack_log.
CREATE FUNCTION pg_temp.attack(step text, statement text, path text DEFAULT '"$user", public')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    before bigint := pg_temp.fouls_so_far();
    outcome text;
    fouls bigint;
    seen text;
BEGIN
    PERFORM set_config('lq_bd.step', step, true);
    BEGIN
        PERFORM set_config('search_path', path, true);
        EXECUTE statement;
        outcome := 'ok';
    EXCEPTION WHEN OTHERS THEN
        outcome := SQLSTATE;
    END;
    PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
    PERFORM set_config('lq_bd.step', '', true);
    fouls := pg_temp.fouls_so_far() - before;
    INSERT INTO pg_temp.attack_log (n, step, caller, outcome, fouls)
    VALUES ((SELECT count(*) + 1 FROM pg_temp.attack_log), attack.step, current_user, outcome, fouls);
    SELECT string_agg(DISTINCT format('%s as %s%s', s.what, s.who,
                                      CASE WHEN s.is_super THEN ' (superuser)' ELSE '' END), ', ')
      INTO seen
    FROM public.lq_bd_spy AS s
    WHERE s.step = attack.step AND (s.is_super OR s.who::text <> s.role);
    IF fouls = 0 AND seen IS NULL THEN
        RETURN 'none';
    END IF;
    RETURN format('hostile code ran %s time(s) as another role: %s', fouls,
                  coalesce(seen, 'in work rolled back since'));
END
$$;

-- The hostile objects a step ran as the role, by name.
CREATE FUNCTION pg_temp.ran_as(step text, role name) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(string_agg(DISTINCT s.what, ',' ORDER BY s.what), '')
    FROM public.lq_bd_spy AS s WHERE s.step = $1 AND s.who = $2
$$;

-- The outcomes of a run's steps, in order.
CREATE FUNCTION pg_temp.outcomes(run text) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT array_agg(l.outcome ORDER BY l.n) FROM pg_temp.attack_log AS l
    WHERE starts_with(l.step, run || ': ')
$$;

-- A table's log, normalised: to compare two runs of the same scenario.
CREATE FUNCTION pg_temp.log_of(tbl regclass) RETURNS TABLE (lead_id text, move text, score numeric, via text, by name)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT t.lead_id, format('%s>%s', coalesce(t.from_stage::text, 'NULL'), t.to_stage), t.score,
           t.via::text, t.changed_by
    FROM leadqual.transition AS t WHERE t.lead_table = tbl ORDER BY t.id
$$;

-- Drives every path through a managed table, as the current role, and
-- returns the TAP lines: one per step (no hostile code ran as another
-- role), one saying the INSERT ran all four domains' CHECKs as the caller,
-- and one comparing the steps' outcomes with those expected.
--
-- Leads "<p>1", "<p>2" and "<p>3" (p the id prefix): under the model, 1
-- (VP, 100 people, saas) scores 40; 2 (engineer) gets 20 from track(), and
-- its UPDATE to CEO in saas brings it to 50 and promotes it; 3 (director,
-- 100 people) scores 25 until its demo request promotes it.  With a fixed
-- threshold 3 is inserted at 70 (promoted, a clock starts), 2 is promoted by
-- its UPDATE to 60.  The touches are dated 2099, after every clock started.
-- Comparisons use OPERATOR(pg_catalog.=), so that only leadqual could call a
-- shadow operator of a hostile search_path.
CREATE FUNCTION pg_temp.drive(run text, tbl text, mode text, p text, expected text[],
                              path text DEFAULT '"$user", public',
                              insert_runs text DEFAULT 'id,owner,score,stage')
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    step record;
BEGIN
    FOR step IN
        SELECT s.n, s.name, CASE WHEN mode = 'fixed' THEN coalesce(s.fixed, s.model) ELSE s.model END AS sql
        FROM (VALUES
            (1, 'INSERT',
             $s$INSERT INTO %1$s (id, title, company_size, industry, score)
                VALUES ('%2$s1', 'VP Sales', 100, 'saas', 10), ('%2$s2', 'Engineer', 5, 'retail', 20),
                       ('%2$s3', 'Director', 100, 'retail', 70)$s$, NULL),
            (2, 'track()', $s$SELECT leadqual.track(%1$L, '%2$s2', 'pricing_page_view')$s$, NULL),
            (3, 'UPDATE that promotes',
             $s$UPDATE %1$s SET title = 'CEO', industry = 'saas' WHERE id OPERATOR(pg_catalog.=) '%2$s2'$s$,
             $s$UPDATE %1$s SET score = 60 WHERE id OPERATOR(pg_catalog.=) '%2$s2'$s$),
            (4, 'INSERT INTO leadqual.event',
             $s$INSERT INTO leadqual.event (lead_table, lead_id, kind) VALUES (%1$L, '%2$s3', 'demo_request')$s$, NULL),
            (5, 'UPDATE by hand',
             $s$UPDATE %1$s SET lifecycle_stage = 'sal' WHERE id OPERATOR(pg_catalog.=) '%2$s2'$s$, NULL),
            (6, 'rescore()', $s$SELECT leadqual.rescore(%1$L)$s$, NULL),
            (7, 'rescore() as of 2001', $s$SELECT leadqual.rescore(%1$L, as_of => '2001-01-01 00:00+00')$s$, NULL),
            (8, 'manage() again',
             $s$SELECT leadqual.manage(%1$L, model => 'default', owner_column => 'owner')$s$,
             $s$SELECT leadqual.manage(%1$L, threshold => 25, owner_column => 'owner')$s$),
            (9, 'explain()', $s$SELECT pg_catalog.count(*) FROM leadqual.explain(%1$L, '%2$s3')$s$, NULL),
            (10, 'touch()', $s$SELECT leadqual.touch(%1$L, '%2$s3', 'call', at => '2099-01-05 12:00+00')$s$, NULL),
            (11, 'INSERT INTO leadqual.touch',
             $s$INSERT INTO leadqual.touch (lead_table, lead_id, kind, touched_at)
                VALUES (%1$L, '%2$s2', 'email', '2099-01-05 12:00+00')$s$, NULL),
            (12, 'reject()', $s$SELECT leadqual.reject(%1$L, '%2$s3', 'recycled', 'bad_timing')$s$, NULL),
            (13, '_store_scores() of every lead',
             $s$SELECT leadqual._store_scores(%1$L, pg_catalog.now(), NULL)$s$, NULL),
            (14, '_store_scores() of two leads',
             $s$SELECT leadqual._store_scores(%1$L, pg_catalog.now(), ARRAY['%2$s1', '%2$s2'])$s$, NULL),
            (15, '_apply_touches()',
             $s$SELECT leadqual._apply_touches(ARRAY(SELECT t.id FROM leadqual.touch AS t
                                                   WHERE t.lead_table OPERATOR(pg_catalog.=) %1$L::regclass))$s$, NULL)
        ) AS s(n, name, model, fixed)
        ORDER BY s.n
    LOOP
        RETURN NEXT public.is(pg_temp.attack(run || ': ' || step.name, format(step.sql, tbl, p), path), 'none',
                              format('%s: %s runs no hostile code as another role', run, step.name));
        IF step.n = 1 THEN
            RETURN NEXT public.is(pg_temp.ran_as(run || ': INSERT', current_user), insert_runs,
                                  format('%s: the spy works: the INSERT ran the CHECK of every hostile domain, as %s',
                                         run, current_user));
        END IF;
    END LOOP;
    RETURN NEXT public.is(pg_temp.outcomes(run), expected,
                          format('%s: every step succeeds, or fails as documented', run));
END
$$;

-- What the steps give: everything works in model mode; in threshold mode
-- what needs a model is refused (55000).
\set model_outcomes '{ok,ok,ok,ok,ok,ok,ok,ok,ok,ok,ok,ok,ok,ok,ok}'
\set fixed_outcomes '{ok,55000,ok,ok,ok,55000,55000,ok,55000,ok,ok,ok,55000,55000,ok}'

------------------------------------------------------------------------------
-- The attacker: a temporary table, domains and spy in pg_temp
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_bd_dom_attacker;

\set spy_schema pg_temp
\ir helpers/spy.psql
CREATE DOMAIN pg_temp.bd_id AS bigint CHECK (pg_temp.spy('id', VALUE::text));
CREATE DOMAIN pg_temp.bd_score AS integer CHECK (pg_temp.spy('score', VALUE::text));
CREATE DOMAIN pg_temp.bd_stage AS leadqual.lifecycle_stage CHECK (pg_temp.spy('stage', VALUE::text));
CREATE DOMAIN pg_temp.bd_owner AS text CHECK (pg_temp.spy('owner', VALUE));

CREATE TEMP TABLE bd_fixed (
    id              pg_temp.bd_id PRIMARY KEY,
    title           text,
    company_size    integer,
    industry        text,
    score           pg_temp.bd_score NOT NULL DEFAULT 0,
    lifecycle_stage pg_temp.bd_stage NOT NULL DEFAULT 'lead',
    owner           pg_temp.bd_owner
);
CREATE TEMP TABLE bd_scored (LIKE bd_fixed INCLUDING ALL);
CREATE TEMP TABLE bd_scored_sp (LIKE bd_fixed INCLUDING ALL);

SELECT is(pg_temp.attack('attacker: manage() with a fixed threshold',
                         $$SELECT leadqual.manage('pg_temp.bd_fixed', owner_column => 'owner')$$), 'none',
          'attacker: manage() of its temporary table with a fixed threshold runs no hostile code as another role');
SELECT is(pg_temp.attack('attacker: manage() with a model',
                         $$SELECT leadqual.manage('pg_temp.bd_scored', model => 'default', owner_column => 'owner')$$),
          'none', 'attacker: manage() of its temporary table with model default runs no hostile code as another role');
SELECT is(pg_temp.outcomes('attacker'), '{ok,ok}', 'attacker: it may manage its temporary tables');

SELECT * FROM pg_temp.drive('attacker, fixed threshold', 'pg_temp.bd_fixed', 'fixed', '', :'fixed_outcomes');
SELECT * FROM pg_temp.drive('attacker, model', 'pg_temp.bd_scored', 'model', '', :'model_outcomes');

RESET ROLE;

------------------------------------------------------------------------------
-- The table owner: its own schema, domains over text ids
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_bd_dom_owner;

\set spy_schema bd_dom
\ir helpers/spy.psql
CREATE DOMAIN bd_dom.lead_id AS text CHECK (bd_dom.spy('id', VALUE));
CREATE DOMAIN bd_dom.score AS integer CHECK (bd_dom.spy('score', VALUE::text));
CREATE DOMAIN bd_dom.stage AS leadqual.lifecycle_stage CHECK (bd_dom.spy('stage', VALUE::text));
CREATE DOMAIN bd_dom.rep AS text CHECK (bd_dom.spy('owner', VALUE));

CREATE TABLE bd_dom.fixed (
    id              bd_dom.lead_id PRIMARY KEY,
    title           text,
    company_size    integer,
    industry        text,
    score           bd_dom.score NOT NULL DEFAULT 0,
    lifecycle_stage bd_dom.stage NOT NULL DEFAULT 'lead',
    owner           bd_dom.rep
);
CREATE TABLE bd_dom.scored (LIKE bd_dom.fixed INCLUDING ALL);
CREATE TABLE bd_dom.scored_sp (LIKE bd_dom.fixed INCLUDING ALL);
GRANT SELECT, INSERT, UPDATE ON bd_dom.scored TO lq_tap_bd_dom_app;

SELECT is(pg_temp.attack('owner: manage() with a fixed threshold',
                         $$SELECT leadqual.manage('bd_dom.fixed', owner_column => 'owner')$$), 'none',
          'owner: manage() of its table with a fixed threshold runs no hostile code as another role');
SELECT is(pg_temp.attack('owner: manage() with a model',
                         $$SELECT leadqual.manage('bd_dom.scored', model => 'default', owner_column => 'owner')$$),
          'none', 'owner: manage() of its table with model default runs no hostile code as another role');
SELECT is(pg_temp.outcomes('owner'), '{ok,ok}', 'owner: it may manage its tables');

SELECT * FROM pg_temp.drive('owner, fixed threshold', 'bd_dom.fixed', 'fixed', '', :'fixed_outcomes');
SELECT * FROM pg_temp.drive('owner, model', 'bd_dom.scored', 'model', '', :'model_outcomes');

RESET ROLE;

------------------------------------------------------------------------------
-- The application role on the owner's table: the owner's domains run as
-- the application, the role writing the leads, and as nobody else
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_bd_dom_app;
-- as the owner's model run, but leads 11 to 13; manage() is the owner's (42501)
SELECT * FROM pg_temp.drive('application, model', 'bd_dom.scored', 'model', '1',
                            '{ok,ok,ok,ok,ok,ok,ok,42501,ok,ok,ok,ok,ok,ok,ok}');
RESET ROLE;

------------------------------------------------------------------------------
-- Hostile casts.  A domain is not the only user type: the attacker's id
-- column is of its own enum type, with casts of its own from and to text
-- (CREATE CAST takes owning one of the two types; a cast in pg_cast wins
-- over the automatic conversion through text).  They note each use, as
-- "cast from text" and "cast to text"; the other columns keep their hostile
-- domains.
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_bd_dom_attacker;
CREATE TYPE pg_temp.bd_key AS ENUM ('1', '2', '3');
CREATE FUNCTION pg_temp.bd_key_to_text(k pg_temp.bd_key) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_temp.spy('cast to text', NULL);
    RETURN textin(enum_out(k));
END
$$;
CREATE FUNCTION pg_temp.text_to_bd_key(t text) RETURNS pg_temp.bd_key
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k pg_temp.bd_key;
BEGIN
    PERFORM pg_temp.spy('cast from text', t);
    SELECT e INTO k FROM unnest(enum_range(NULL::pg_temp.bd_key)) AS e WHERE textin(enum_out(e)) = t;
    RETURN k;
END
$$;
CREATE CAST (pg_temp.bd_key AS text) WITH FUNCTION pg_temp.bd_key_to_text(pg_temp.bd_key);
CREATE CAST (text AS pg_temp.bd_key) WITH FUNCTION pg_temp.text_to_bd_key(text);
CREATE TEMP TABLE bd_cast (
    id              pg_temp.bd_key PRIMARY KEY,
    title           text,
    company_size    integer,
    industry        text,
    score           pg_temp.bd_score NOT NULL DEFAULT 0,
    lifecycle_stage pg_temp.bd_stage NOT NULL DEFAULT 'lead',
    owner           pg_temp.bd_owner
);
SELECT FROM leadqual.manage('pg_temp.bd_cast', model => 'default', owner_column => 'owner');
-- the INSERT's ids are enum input, not a cast
SELECT * FROM pg_temp.drive('attacker, hostile casts', 'pg_temp.bd_cast', 'model', '', :'model_outcomes',
                            insert_runs => 'owner,score,stage');
RESET ROLE;

------------------------------------------------------------------------------
-- A hostile search_path.  The owner shadows, in its schema, functions and
-- operators leadqual uses and relations named like leadqual's; the attacker
-- shadows the relations and the stage type in pg_temp.  Every shadow notes
-- its use (as "shadow ...").  The same scenario as above then runs under
-- search_path = bd_dom, pg_temp, public (the owner) and pg_temp, public (the
-- attacker): no shadow may run as another role, none may be used at all,
-- and the logs must be those of the clean runs.
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_bd_dom_owner;

CREATE FUNCTION bd_dom.lower(text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow lower()', $1); RETURN pg_catalog.lower($1); END$$;
CREATE FUNCTION bd_dom.upper(text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow upper()', $1); RETURN pg_catalog.upper($1); END$$;
CREATE FUNCTION bd_dom.format(text, text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow format()', $1); RETURN pg_catalog.format($1, $2); END$$;
CREATE FUNCTION bd_dom.quote_ident(text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow quote_ident()', $1); RETURN pg_catalog.quote_ident($1); END$$;
CREATE FUNCTION bd_dom.quote_literal(text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow quote_literal()', $1); RETURN pg_catalog.quote_literal($1); END$$;
CREATE FUNCTION bd_dom.now() RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow now()', NULL); RETURN pg_catalog.now(); END$$;
CREATE FUNCTION bd_dom.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow clock_timestamp()', NULL); RETURN pg_catalog.clock_timestamp(); END$$;
CREATE FUNCTION bd_dom.statement_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow statement_timestamp()', NULL); RETURN pg_catalog.statement_timestamp(); END$$;
CREATE FUNCTION bd_dom.has_table_privilege(regclass, text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow has_table_privilege()', $2); RETURN true; END$$;
CREATE FUNCTION bd_dom.current_setting(text, boolean) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow current_setting()', $1); RETURN pg_catalog.current_setting($1, $2); END$$;
CREATE FUNCTION bd_dom.unnest(text[]) RETURNS SETOF text LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow unnest()', NULL); RETURN QUERY SELECT pg_catalog.unnest($1); END$$;
CREATE FUNCTION bd_dom.text_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow = (text)', $1); RETURN pg_catalog.texteq($1, $2); END$$;
CREATE FUNCTION bd_dom.text_ne(text, text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow <> (text)', $1); RETURN pg_catalog.textne($1, $2); END$$;
CREATE FUNCTION bd_dom.text_cat(text, text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow || (text)', $1); RETURN pg_catalog.textcat($1, $2); END$$;
CREATE FUNCTION bd_dom.bigint_eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow = (bigint)', $1::text); RETURN pg_catalog.int8eq($1, $2); END$$;
CREATE FUNCTION bd_dom.numeric_eq(numeric, numeric) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow = (numeric)', $1::text); RETURN pg_catalog.numeric_eq($1, $2); END$$;
CREATE FUNCTION bd_dom.regclass_eq(regclass, regclass) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow = (regclass)', $1::text); RETURN pg_catalog.oideq($1, $2); END$$;
CREATE FUNCTION bd_dom.stage_eq(leadqual.lifecycle_stage, leadqual.lifecycle_stage) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow = (lifecycle_stage)', $1::text); RETURN pg_catalog.enum_eq($1, $2); END$$;
CREATE FUNCTION bd_dom.jsonb_field(jsonb, text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM bd_dom.spy('shadow ->> (jsonb)', $2); RETURN pg_catalog.jsonb_object_field_text($1, $2); END$$;
CREATE OPERATOR bd_dom.= (FUNCTION = bd_dom.text_eq, LEFTARG = text, RIGHTARG = text);
CREATE OPERATOR bd_dom.<> (FUNCTION = bd_dom.text_ne, LEFTARG = text, RIGHTARG = text);
CREATE OPERATOR bd_dom.|| (FUNCTION = bd_dom.text_cat, LEFTARG = text, RIGHTARG = text);
CREATE OPERATOR bd_dom.= (FUNCTION = bd_dom.bigint_eq, LEFTARG = bigint, RIGHTARG = bigint);
CREATE OPERATOR bd_dom.= (FUNCTION = bd_dom.numeric_eq, LEFTARG = numeric, RIGHTARG = numeric);
CREATE OPERATOR bd_dom.= (FUNCTION = bd_dom.regclass_eq, LEFTARG = regclass, RIGHTARG = regclass);
CREATE OPERATOR bd_dom.= (FUNCTION = bd_dom.stage_eq, LEFTARG = leadqual.lifecycle_stage,
                          RIGHTARG = leadqual.lifecycle_stage);
CREATE OPERATOR bd_dom.->> (FUNCTION = bd_dom.jsonb_field, LEFTARG = jsonb, RIGHTARG = text);
-- relations named like leadqual's, that note every read
CREATE VIEW bd_dom.managed AS SELECT * FROM leadqual.managed WHERE bd_dom.spy('shadow managed', NULL);
CREATE VIEW bd_dom.lead_score AS SELECT * FROM leadqual.lead_score WHERE bd_dom.spy('shadow lead_score', NULL);
CREATE VIEW bd_dom.event AS SELECT * FROM leadqual.event WHERE bd_dom.spy('shadow event', NULL);
CREATE VIEW bd_dom.touch AS SELECT * FROM leadqual.touch WHERE bd_dom.spy('shadow touch', NULL);
CREATE VIEW bd_dom.sla_clock AS SELECT * FROM leadqual.sla_clock WHERE bd_dom.spy('shadow sla_clock', NULL);
CREATE VIEW bd_dom.transition AS SELECT * FROM leadqual.transition WHERE bd_dom.spy('shadow transition', NULL);
GRANT SELECT ON ALL TABLES IN SCHEMA bd_dom TO PUBLIC;
SELECT FROM leadqual.manage('bd_dom.scored_sp', model => 'default', owner_column => 'owner');
RESET ROLE;

SET LOCAL ROLE lq_tap_bd_dom_attacker;
CREATE TEMP VIEW managed AS SELECT * FROM leadqual.managed WHERE pg_temp.spy('shadow managed', NULL);
CREATE TEMP VIEW lead_score AS SELECT * FROM leadqual.lead_score WHERE pg_temp.spy('shadow lead_score', NULL);
CREATE TEMP VIEW event AS SELECT * FROM leadqual.event WHERE pg_temp.spy('shadow event', NULL);
CREATE TEMP VIEW touch AS SELECT * FROM leadqual.touch WHERE pg_temp.spy('shadow touch', NULL);
CREATE TEMP VIEW sla_clock AS SELECT * FROM leadqual.sla_clock WHERE pg_temp.spy('shadow sla_clock', NULL);
CREATE TEMP VIEW transition AS SELECT * FROM leadqual.transition WHERE pg_temp.spy('shadow transition', NULL);
CREATE TEMP VIEW model AS SELECT * FROM leadqual.model WHERE pg_temp.spy('shadow model', NULL);
CREATE TEMP VIEW owner AS SELECT * FROM leadqual.owner WHERE pg_temp.spy('shadow owner', NULL);
-- the labels in reverse order
CREATE TYPE pg_temp.lifecycle_stage AS ENUM ('disqualified', 'recycled', 'evangelist', 'customer', 'opportunity',
                                             'sql', 'sal', 'pql', 'mql', 'lead', 'subscriber');
GRANT SELECT ON pg_temp.managed, pg_temp.lead_score, pg_temp.event, pg_temp.touch, pg_temp.sla_clock,
                pg_temp.transition, pg_temp.model, pg_temp.owner TO PUBLIC;
SELECT FROM leadqual.manage('pg_temp.bd_scored_sp', model => 'default', owner_column => 'owner');
SELECT * FROM pg_temp.drive('attacker, hostile search_path', 'pg_temp.bd_scored_sp', 'model', '',
                            :'model_outcomes', 'pg_temp, public');
RESET ROLE;

SET LOCAL ROLE lq_tap_bd_dom_owner;
SELECT * FROM pg_temp.drive('owner, hostile search_path', 'bd_dom.scored_sp', 'model', '',
                            :'model_outcomes', 'bd_dom, pg_temp, public');
RESET ROLE;

SET LOCAL ROLE lq_tap_bd_dom_attacker;
DROP VIEW pg_temp.managed, pg_temp.lead_score, pg_temp.event, pg_temp.touch, pg_temp.sla_clock,
          pg_temp.transition, pg_temp.model, pg_temp.owner;
DROP TYPE pg_temp.lifecycle_stage;
RESET ROLE;

SELECT is((SELECT string_agg(DISTINCT format('%s by %s in %s', s.what, s.who, s.step), '; ')
           FROM public.lq_bd_spy AS s WHERE starts_with(s.what, 'shadow')), NULL,
          'hostile search_path: no shadow function, operator, relation or type was used, by anyone');
SELECT results_eq($$SELECT * FROM pg_temp.log_of('pg_temp.bd_scored_sp')$$,
                  $$SELECT * FROM pg_temp.log_of('pg_temp.bd_scored')$$,
                  'hostile search_path: the attacker''s scenario logged the same moves and scores as under a clean path');
SELECT results_eq($$SELECT * FROM pg_temp.log_of('bd_dom.scored_sp')$$,
                  $$SELECT * FROM pg_temp.log_of('bd_dom.scored') WHERE by = 'lq_tap_bd_dom_owner'$$,
                  'hostile search_path: the owner''s scenario logged the same moves and scores as under a clean path');

------------------------------------------------------------------------------
-- Over the whole suite
------------------------------------------------------------------------------

SELECT is((SELECT format('%s, in %s step(s)', string_agg(DISTINCT s.what, ', ' ORDER BY s.what), count(DISTINCT s.step))
           FROM public.lq_bd_spy AS s WHERE s.is_super HAVING count(*) > 0), NULL,
          'no hostile domain, cast or shadow ever ran as a superuser');
SELECT is(pg_temp.fouls_so_far(), 0::bigint,
          'hostile code never ran as another role than the caller, not even in work rolled back later');
SELECT is((SELECT string_agg(DISTINCT s.what, ',' ORDER BY s.what) FROM public.lq_bd_spy AS s
           WHERE s.who::text = s.role AND s.step NOT LIKE '%: INSERT' AND s.what IN ('id', 'owner', 'score', 'stage')),
          'id,owner,score,stage',
          'the spy works: leadqual''s own paths (outside the INSERTs) ran the CHECK of every hostile domain, as the caller');
SELECT is((SELECT count(*) FROM leadqual.transition WHERE changed_by IN ('lq_tap_bd_dom_attacker', 'lq_tap_bd_dom_owner',
                                                                        'lq_tap_bd_dom_app')),
          (SELECT count(*) FROM leadqual.transition WHERE lead_table IN ('pg_temp.bd_fixed'::regclass,
                                                                       'pg_temp.bd_scored'::regclass,
                                                                       'pg_temp.bd_scored_sp'::regclass,
                                                                       'pg_temp.bd_cast'::regclass,
                                                                       'bd_dom.fixed'::regclass,
                                                                       'bd_dom.scored'::regclass,
                                                                       'bd_dom.scored_sp'::regclass)),
          'every move of the attacked tables was logged under the role that made it');

SELECT * FROM finish();
ROLLBACK;
