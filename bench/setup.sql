-- Benchmark tables: the same leads three times, with no trigger (the
-- physical limit), managed by leadqual, and with the hand-written PL/pgSQL
-- trigger of bench/plpgsql_equivalent.sql.  Scores start below 50.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench CASCADE;
DROP EXTENSION IF EXISTS leadqual CASCADE;
CREATE EXTENSION leadqual;
\ir plpgsql_equivalent.sql

CREATE TABLE bench.seed AS
SELECT g::bigint AS id,
       'lead' || g || '@example.com' AS email,
       (g % 40)::integer AS score,
       'lead'::leadqual.lifecycle_stage AS lifecycle_stage,
       now() AS updated_at
FROM generate_series(1, :scale) AS g;

CREATE TABLE bench.leads_bare (
    id              bigint PRIMARY KEY,
    email           text NOT NULL,
    score           integer NOT NULL,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
    updated_at      timestamptz
);
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
