-- leadqual: lifecycle stages.  The stages a lead moves through, their order
-- on the funnel, and the view that lists them.

-- The first nine labels are the funnel, in order; recycled and disqualified
-- are detours off it.  src/core/stage.c declares the same labels in the
-- same order.
CREATE TYPE @extschema@.lifecycle_stage AS ENUM (
    'subscriber', 'lead', 'mql', 'pql', 'sal', 'sql',
    'opportunity', 'customer', 'evangelist',
    'recycled', 'disqualified'
);
COMMENT ON TYPE @extschema@.lifecycle_stage IS
    'Lead lifecycle stage: nine funnel stages in order, then the detours recycled and disqualified';

-- No SET search_path on these two: the funnel report calls them twice for
-- every logged change, a SET clause sends every call through the GUC save
-- and restore, and they resolve no names.  (0.1.0 created them with one;
-- 0.3.0 reset it.)
CREATE FUNCTION @extschema@.funnel_rank(stage @extschema@.lifecycle_stage)
RETURNS integer
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_funnel_rank';
COMMENT ON FUNCTION @extschema@.funnel_rank(@extschema@.lifecycle_stage) IS
    'Position on the funnel, 1 (subscriber) to 9 (evangelist); NULL for recycled and disqualified';

CREATE FUNCTION @extschema@.is_funnel_stage(stage @extschema@.lifecycle_stage)
RETURNS boolean
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'leadqual_is_funnel_stage';
COMMENT ON FUNCTION @extschema@.is_funnel_stage(@extschema@.lifecycle_stage) IS
    'True for the nine funnel stages, false for the detours recycled and disqualified';

CREATE VIEW @extschema@.stages AS
SELECT s.stage,
       @extschema@.funnel_rank(s.stage) AS funnel_rank,
       @extschema@.is_funnel_stage(s.stage) AS is_funnel,
       d.description
FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::@extschema@.lifecycle_stage)) AS s(stage)
JOIN (VALUES
    ('subscriber'::@extschema@.lifecycle_stage, 'Opted in to content; no sales interest yet'),
    ('lead', 'Known contact, for example by email'),
    ('mql', 'Marketing qualified: the score says fit and engaged'),
    ('pql', 'Product qualified: product usage says so'),
    ('sal', 'Sales accepted: a rep picked the lead up'),
    ('sql', 'Sales qualified: a rep confirmed budget, authority, need and timeline'),
    ('opportunity', 'A formal deal with a size and a close date'),
    ('customer', 'Bought'),
    ('evangelist', 'Customer who refers others'),
    ('recycled', 'Detour: sent back to marketing for nurturing, with a reason'),
    ('disqualified', 'Detour: not a fit, with a reason')
) AS d(stage, description) USING (stage)
ORDER BY s.stage;
COMMENT ON VIEW @extschema@.stages IS
    'Every lifecycle stage with its funnel rank and meaning';
