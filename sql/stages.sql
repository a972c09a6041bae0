-- The lifecycle stages: order, funnel membership and rank.
\set SHOW_CONTEXT never

SELECT pg_catalog.enum_range(NULL::leadqual.lifecycle_stage);

SELECT stage, funnel_rank, is_funnel, description FROM leadqual.stages;

SELECT s AS stage, leadqual.funnel_rank(s), leadqual.is_funnel_stage(s)
FROM unnest(enum_range(NULL::leadqual.lifecycle_stage)) AS s
WHERE NOT leadqual.is_funnel_stage(s);

-- NULL in, NULL out
SELECT leadqual.funnel_rank(NULL) IS NULL AS rank_null,
       leadqual.is_funnel_stage(NULL) IS NULL AS funnel_null;

-- the funnel's order is the enum's order
SELECT bool_and(leadqual.funnel_rank(a) < leadqual.funnel_rank(b)) AS ranks_follow_enum_order
FROM unnest(enum_range(NULL::leadqual.lifecycle_stage)) AS a,
     unnest(enum_range(NULL::leadqual.lifecycle_stage)) AS b
WHERE a < b AND leadqual.is_funnel_stage(a) AND leadqual.is_funnel_stage(b);

SELECT 'mql'::leadqual.lifecycle_stage < 'sql' AS mql_before_sql;

-- the seeded rejection reasons
SELECT code, description, builtin FROM leadqual.rejection_reason ORDER BY code;
INSERT INTO leadqual.rejection_reason (code, description) VALUES ('Not Valid!', 'bad code');
\echo :LAST_ERROR_SQLSTATE
