-- A hostile search_path changes nothing in the handoff either.  An
-- application role puts its own schema first and fills it with shadows of
-- what owner assignment, SLA clocks and touches use: tables owner,
-- owner_turn, sla_policy, sla_clock, touch, assignment, transition and
-- calendar; operators = for text, <, <= and >= for timestamptz, + and / for
-- numeric; functions now(), clock_timestamp(), statement_timestamp() and
-- current_setting().  The same scenario (promotions assigned round-robin, a
-- touch, a reassignment, a rejection and a re-qualification) then runs on
-- two identical tables, one under the hostile search_path and one under a
-- clean one, and must give the same owners, clocks and assignments, and
-- never call a shadow.
\ir helpers/setup.psql

SELECT plan(6);

CREATE ROLE lq_tap_sph_app;
CREATE SCHEMA sph AUTHORIZATION lq_tap_sph_app;
CREATE TABLE sph.hostile_leads (id int PRIMARY KEY, owner text, score int NOT NULL DEFAULT 0,
                                lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
CREATE TABLE sph.clean_leads (LIKE sph.hostile_leads INCLUDING ALL);
SELECT leadqual.manage('sph.hostile_leads', owner_column => 'owner');
SELECT leadqual.manage('sph.clean_leads', owner_column => 'owner');
GRANT SELECT, INSERT, UPDATE ON sph.hostile_leads, sph.clean_leads TO lq_tap_sph_app;
INSERT INTO leadqual.owner (name, weight) VALUES ('sph_ann', 2), ('sph_ben', 1), ('sph_cat', 1);
INSERT INTO leadqual.sla_policy (name, stage, target, calendar, stops_on)
VALUES ('sph_mql', 'mql', '4 hours', '24x7', 'first_touch');

------------------------------------------------------------------------------
-- The role's shadows
------------------------------------------------------------------------------

SET LOCAL ROLE lq_tap_sph_app;
SET LOCAL search_path = sph, pg_catalog;

CREATE TABLE tripwire (what text);
GRANT INSERT ON tripwire TO PUBLIC;
CREATE TABLE owner (name text, active boolean, weight numeric, calendar text);
CREATE TABLE owner_turn (id bigint, owner text, turn_start numeric, turn_end numeric,
                         statement_at timestamptz, confirmed boolean);
CREATE TABLE sla_policy (name text, stage text, target interval, calendar text);
CREATE TABLE sla_clock (id bigint, lead_table regclass, lead_id text, stopped_at timestamptz);
CREATE TABLE touch (id bigint, lead_table regclass, lead_id text, touched_at timestamptz);
CREATE TABLE assignment (id bigint, lead_table regclass, lead_id text, owner text);
CREATE TABLE transition (id bigint, lead_table regclass, lead_id text, to_stage text, owner text);
CREATE TABLE calendar (name text, time_zone text);

CREATE FUNCTION shadow(what text) RETURNS void LANGUAGE sql AS
$$INSERT INTO sph.tripwire VALUES (what)$$;
CREATE FUNCTION text_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM sph.shadow('text ='); RETURN true; END$$;
CREATE OPERATOR = (FUNCTION = text_eq, LEFTARG = text, RIGHTARG = text);
CREATE FUNCTION ts_lt(timestamptz, timestamptz) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM sph.shadow('timestamptz <'); RETURN true; END$$;
CREATE OPERATOR < (FUNCTION = ts_lt, LEFTARG = timestamptz, RIGHTARG = timestamptz);
CREATE FUNCTION ts_le(timestamptz, timestamptz) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM sph.shadow('timestamptz <='); RETURN true; END$$;
CREATE OPERATOR <= (FUNCTION = ts_le, LEFTARG = timestamptz, RIGHTARG = timestamptz);
CREATE FUNCTION ts_ge(timestamptz, timestamptz) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM sph.shadow('timestamptz >='); RETURN true; END$$;
CREATE OPERATOR >= (FUNCTION = ts_ge, LEFTARG = timestamptz, RIGHTARG = timestamptz);
CREATE FUNCTION num_add(numeric, numeric) RETURNS numeric LANGUAGE plpgsql AS
$$BEGIN PERFORM sph.shadow('numeric +'); RETURN 0; END$$;
CREATE OPERATOR + (FUNCTION = num_add, LEFTARG = numeric, RIGHTARG = numeric);
CREATE FUNCTION num_div(numeric, numeric) RETURNS numeric LANGUAGE plpgsql AS
$$BEGIN PERFORM sph.shadow('numeric /'); RETURN 0; END$$;
CREATE OPERATOR / (FUNCTION = num_div, LEFTARG = numeric, RIGHTARG = numeric);
CREATE FUNCTION now() RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN PERFORM sph.shadow('now'); RETURN '-infinity'; END$$;
CREATE FUNCTION clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN PERFORM sph.shadow('clock_timestamp'); RETURN '-infinity'; END$$;
CREATE FUNCTION statement_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN PERFORM sph.shadow('statement_timestamp'); RETURN '-infinity'; END$$;
CREATE FUNCTION current_setting(text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM sph.shadow('current_setting'); RETURN 'serializable'; END$$;
RESET ROLE;
RESET search_path;

------------------------------------------------------------------------------
-- The scenario, run by the role on one table under whatever search_path is
-- set: four promotions, a touch of the first lead, the second reassigned by
-- hand, the third rejected and re-qualified.
------------------------------------------------------------------------------

CREATE FUNCTION pg_temp.scenario(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO %s (id) SELECT g FROM pg_catalog.generate_series(1, 4) AS g', tbl);
    EXECUTE format('UPDATE %s SET score = 60', tbl);
    PERFORM leadqual.touch(tbl, '1', 'call', pg_catalog.clock_timestamp());
    EXECUTE format('UPDATE %s SET owner = ''sph_cat'' WHERE id = 2', tbl);
    PERFORM leadqual.reject(tbl, '3', 'recycled', 'bad_timing');
    EXECUTE format('UPDATE %s SET score = 90 WHERE id = 3', tbl);
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.scenario(regclass) TO lq_tap_sph_app;

-- What a table ended with, its name and times left out.
CREATE FUNCTION pg_temp.outcome(tbl regclass) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    leads text;
BEGIN
    EXECUTE format('SELECT string_agg(format(''%%s:%%s:%%s'', id, lifecycle_stage, owner), '' '' ORDER BY id) FROM %s', tbl)
        INTO leads;
    RETURN concat_ws(' | ', leads,
        (SELECT string_agg(format('%s:%s:%s:%s:%s', c.lead_id, c.policy, c.owner, c.stopped_by,
                                  c.due_at - c.started_at), ' ' ORDER BY c.lead_id, c.id)
         FROM leadqual.sla_clock AS c WHERE c.lead_table = tbl),
        (SELECT string_agg(format('%s:%s:%s', a.lead_id, a.owner, a.via), ' ' ORDER BY a.id)
         FROM leadqual.assignment AS a WHERE a.lead_table = tbl));
END
$$;

-- (pgTAP is not on the hostile search_path: the scenario runs bare, and
-- any error stops the suite)
SET LOCAL ROLE lq_tap_sph_app;
SET LOCAL search_path = sph, pg_catalog;
SELECT pg_temp.scenario('sph.hostile_leads');
RESET ROLE;
-- the clean run starts from the same round-robin state
DELETE FROM leadqual.owner_turn WHERE owner LIKE 'sph\_%';
SET LOCAL ROLE lq_tap_sph_app;
SET LOCAL search_path = pg_catalog, public;
SELECT pg_temp.scenario('sph.clean_leads');
RESET ROLE;
RESET search_path;

------------------------------------------------------------------------------
-- The same outcome, and no shadow called
------------------------------------------------------------------------------

-- With weights 2:1:1 round-robin hands out ann, ben, cat, ann; lead 2 is
-- then given to cat by hand, and lead 3, rejected under cat, goes to ann
-- when it qualifies again.  The clocks watch mql until a touch: the one of
-- lead 1 is stopped, and lead 3 has one per entry, both now ann's.
SELECT is(pg_temp.outcome('sph.clean_leads'),
          '1:mql:sph_ann 2:mql:sph_cat 3:mql:sph_ann 4:mql:sph_ann'
          ' | 1:sph_mql:sph_ann:touch:04:00:00 2:sph_mql:sph_cat::04:00:00 3:sph_mql:sph_ann::04:00:00'
          ' 3:sph_mql:sph_ann::04:00:00 4:sph_mql:sph_ann::04:00:00'
          ' | 1:sph_ann:round_robin 2:sph_ben:round_robin 3:sph_cat:round_robin 4:sph_ann:round_robin'
          ' 2:sph_cat:manual 3:sph_ann:round_robin',
          'the clean run: owners by weight, one clock per entry, the touched one stopped, every assignment logged');
SELECT is(pg_temp.outcome('sph.hostile_leads'), pg_temp.outcome('sph.clean_leads'),
          'the hostile run did exactly the same');
SELECT is((SELECT pg_catalog.count(*) FROM leadqual.owner_turn WHERE owner LIKE 'sph\_%' AND confirmed), 5::bigint,
          'every round-robin assignment of the clean run took one turn');
SELECT is((SELECT pg_catalog.count(*) FROM leadqual.touch WHERE lead_table IN ('sph.hostile_leads'::regclass, 'sph.clean_leads'::regclass)),
          2::bigint, 'the touches went to leadqual.touch');
SELECT is_empty($$SELECT * FROM sph.owner UNION ALL SELECT name, NULL, NULL, NULL FROM sph.calendar$$,
                'the shadow tables were never written');
SELECT is_empty($$SELECT * FROM sph.tripwire$$, 'no shadow function or operator was ever called');

SELECT * FROM finish();
ROLLBACK;
