-- Benchmark tables: the same leads three times, with no trigger (the
-- physical limit), managed by leadqual, and with the hand-written PL/pgSQL
-- trigger of bench/plpgsql_equivalent.sql.  Scores start below 50.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench CASCADE;
DROP EXTENSION IF EXISTS leadqual CASCADE;
CREATE EXTENSION leadqual;
\ir plpgsql_equivalent.sql

CREATE TABLE bench.leads_bare (
    id              bigint PRIMARY KEY,
    email           text NOT NULL,
    score           integer NOT NULL,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    updated_at      timestamptz
);
-- n leads, scores 0 to 39; also bench/memory's bigger seed
CREATE FUNCTION bench.seed_leads(n bigint) RETURNS SETOF bench.leads_bare
LANGUAGE sql STABLE AS $$
    SELECT g, 'lead' || g || '@example.com', (g % 40)::integer, 'lead'::leadqual.lifecycle_stage, now()
    FROM generate_series(1, n) AS g
$$;
CREATE TABLE bench.seed AS SELECT * FROM bench.seed_leads(:scale);
CREATE TABLE bench.leads_leadqual (LIKE bench.leads_bare INCLUDING ALL);
CREATE TABLE bench.leads_plpgsql (LIKE bench.leads_bare INCLUDING ALL);

-- Cases a and b compare like with like: the PL/pgSQL trigger promotes and
-- logs, so leadqual's SLA clocks are switched off (a policy of one's own,
-- inactive, replaces the built-in one).  leadqual still sends its NOTIFY.
INSERT INTO leadqual.sla_policy (name, stage, target, calendar, active)
VALUES ('bench_off', 'mql', '4 hours', '24x7', false);
SELECT leadqual.manage('bench.leads_leadqual');
CREATE TRIGGER plpgsql_qualify BEFORE INSERT OR UPDATE ON bench.leads_plpgsql
    FOR EACH ROW EXECUTE FUNCTION bench.plpgsql_qualify();

-- Diagnostics, not baselines: what PostgreSQL's trigger machinery costs a
-- row before any trigger code runs.  c_trigger has a BEFORE ROW trigger in C
-- that does next to nothing (the core suppress_redundant_updates_trigger:
-- PostgreSQL locks each row before a BEFORE UPDATE trigger sees it);
-- c_triggers adds an AFTER ROW trigger with leadqual's WHEN clause, false on
-- the write path, so it is never called (PostgreSQL fetches each old row
-- again to evaluate it).  leadqual's shape is the second.
CREATE TABLE bench.leads_c_trigger (LIKE bench.leads_bare INCLUDING ALL);
CREATE TRIGGER c_trigger BEFORE UPDATE ON bench.leads_c_trigger
    FOR EACH ROW EXECUTE FUNCTION pg_catalog.suppress_redundant_updates_trigger();
CREATE TABLE bench.leads_c_triggers (LIKE bench.leads_bare INCLUDING ALL);
CREATE TRIGGER c_trigger BEFORE UPDATE ON bench.leads_c_triggers
    FOR EACH ROW EXECUTE FUNCTION pg_catalog.suppress_redundant_updates_trigger();
CREATE TRIGGER c_trigger_after AFTER UPDATE ON bench.leads_c_triggers
    FOR EACH ROW
    WHEN (OLD.lifecycle_stage::leadqual.lifecycle_stage IS DISTINCT FROM NEW.lifecycle_stage::leadqual.lifecycle_stage)
    EXECUTE FUNCTION pg_catalog.suppress_redundant_updates_trigger();
