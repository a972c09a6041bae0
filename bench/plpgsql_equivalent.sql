-- The trigger a user would write by hand instead of leadqual: promote at a
-- threshold, refuse backward moves and detours without a reason, log every
-- stage change, and announce each promotion with a NOTIFY (as leadqual does
-- since 0.3.0).  For the benchmark only; never installed.
CREATE SCHEMA IF NOT EXISTS bench;

CREATE TABLE bench.plpgsql_transition (
    id          bigserial PRIMARY KEY,
    lead_table  regclass NOT NULL,
    lead_id     text NOT NULL,
    from_stage  leadqual.lifecycle_stage,
    to_stage    leadqual.lifecycle_stage NOT NULL,
    score       numeric,
    changed_at  timestamptz NOT NULL DEFAULT statement_timestamp(),
    changed_by  name NOT NULL DEFAULT current_user,
    reason      text,
    via         text NOT NULL
);
CREATE INDEX ON bench.plpgsql_transition (lead_table, lead_id, changed_at, id);

CREATE FUNCTION bench.plpgsql_qualify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    threshold  CONSTANT numeric := 50;
    funnel     CONSTANT leadqual.lifecycle_stage[] :=
        '{subscriber,lead,mql,pql,sal,sql,opportunity,customer,evangelist}';
    reason     text := nullif(current_setting('leadqual.reason', true), '');
    via        text := 'manual';
BEGIN
    IF NEW.score >= threshold AND NEW.lifecycle_stage IN ('subscriber', 'lead') THEN
        NEW.lifecycle_stage := 'mql';
        via := 'promotion';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.lifecycle_stage = OLD.lifecycle_stage THEN
        RETURN NEW;
    END IF;
    IF via = 'manual' AND TG_OP = 'UPDATE' THEN
        IF NEW.lifecycle_stage IN ('recycled', 'disqualified') THEN
            IF reason IS NULL THEN
                RAISE EXCEPTION 'a rejection reason is required' USING ERRCODE = 'not_null_violation';
            END IF;
        ELSIF OLD.lifecycle_stage = ANY (funnel)
              AND array_position(funnel, NEW.lifecycle_stage) < array_position(funnel, OLD.lifecycle_stage) THEN
            RAISE EXCEPTION 'cannot move backward from % to %', OLD.lifecycle_stage, NEW.lifecycle_stage
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    INSERT INTO bench.plpgsql_transition (lead_table, lead_id, from_stage, to_stage, score, reason, via)
    VALUES (TG_RELID, NEW.id::text,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.lifecycle_stage END,
            NEW.lifecycle_stage, NEW.score, reason, via);
    IF via = 'promotion' THEN
        PERFORM pg_notify('bench_plpgsql',
                          json_build_object('table', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, 'lead_id', NEW.id::text,
                                            'from', CASE WHEN TG_OP = 'UPDATE' THEN OLD.lifecycle_stage END,
                                            'to', NEW.lifecycle_stage, 'score', NEW.score,
                                            'owner', NULL, 'at', clock_timestamp())::text);
    END IF;
    RETURN NEW;
END
$$;
