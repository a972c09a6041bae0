-- Benchmark tables: the same leads with no trigger (the physical limit),
-- managed by leadqual as a user gets it, managed with an owner column and
-- three owners, managed for the SLA-off diagnostic, bare with leadqual's
-- rows written set-based (the floor diagnostic), with the hand-written
-- PL/pgSQL trigger of bench/plpgsql_equivalent.sql, and with the minimal
-- PL/pgSQL trigger below.  Scores start below 50.
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

-- leadqual as a user gets it: the built-in SLA policy in force (a clock a
-- promotion), the outbox and the NOTIFY on.
SELECT leadqual.manage('bench.leads_leadqual');
-- The same with an owner column and three owners: round-robin assigns each
-- promoted lead.  The column comes last, so the seed's rows fit.
CREATE TABLE bench.leads_leadqual_owners (LIKE bench.leads_bare INCLUDING ALL);
ALTER TABLE bench.leads_leadqual_owners ADD COLUMN owner text;
INSERT INTO leadqual.owner (name) VALUES ('rep_a'), ('rep_b'), ('rep_c');
SELECT leadqual.manage('bench.leads_leadqual_owners', owner_column => 'owner');
-- The diagnostic with the SLA switched off: bench/run adds an inactive
-- policy of its own for mql (which replaces the built-in one) around this
-- variant's runs only.
CREATE TABLE bench.leads_leadqual_sla_off (LIKE bench.leads_bare INCLUDING ALL);
SELECT leadqual.manage('bench.leads_leadqual_sla_off');

-- The minimal trigger a user would write instead: promote at the
-- threshold, log one row.  No stage rules, no SLA, no NOTIFY.
CREATE TABLE bench.minimal_transition (
    id         bigserial PRIMARY KEY,
    lead_id    bigint NOT NULL,
    from_stage leadqual.lifecycle_stage,
    to_stage   leadqual.lifecycle_stage NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION bench.minimal_qualify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.score >= 50 AND NEW.lifecycle_stage IN ('subscriber', 'lead') THEN
        NEW.lifecycle_stage := 'mql';
        INSERT INTO bench.minimal_transition (lead_id, from_stage, to_stage)
        VALUES (NEW.id, OLD.lifecycle_stage, 'mql');
    END IF;
    RETURN NEW;
END $$;
CREATE TABLE bench.leads_plpgsql_minimal (LIKE bench.leads_bare INCLUDING ALL);
CREATE TRIGGER minimal_qualify BEFORE UPDATE ON bench.leads_plpgsql_minimal
    FOR EACH ROW EXECUTE FUNCTION bench.minimal_qualify();
CREATE TRIGGER plpgsql_qualify BEFORE INSERT OR UPDATE ON bench.leads_plpgsql
    FOR EACH ROW EXECUTE FUNCTION bench.plpgsql_qualify();

-- Diagnostic, not a baseline: the rows leadqual writes a promotion (the log
-- row, the SLA clock, the outbox row), written set-based with no trigger at
-- all, into copies of leadqual's tables with the same columns, defaults and
-- indexes.  bench/run times it as one statement with the bare UPDATE: the
-- floor of any way of writing those rows.
CREATE TABLE bench.leads_rows_floor (LIKE bench.leads_bare INCLUDING ALL);
CREATE TABLE bench.floor_transition (LIKE leadqual.transition INCLUDING ALL);
CREATE TABLE bench.floor_clock (LIKE leadqual.sla_clock INCLUDING ALL);
CREATE TABLE bench.floor_handoff (LIKE leadqual.handoff INCLUDING ALL);

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
