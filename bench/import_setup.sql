-- The history import of case d: :leads leads of a CRM, each with five past
-- transitions (lead, mql, sal, sql, opportunity, two days apart, spread
-- over 2025), an owner assigned half an hour after it became an MQL and a
-- first call 0 to 18 hours after that, in staging tables; and
-- bench.import_table(n), which makes a fresh table of those leads, in
-- their current stage and with their owner, managed by leadqual, for run n
-- to import into (bench/run vacuums it).  The built-in SLA policy replays one mql clock a lead.
DROP TABLE IF EXISTS bench.import_transitions, bench.import_assignments, bench.import_touches;
CREATE TABLE bench.import_transitions AS
SELECT g::text AS lead_id, s.stage AS to_stage,
       timestamptz '2025-01-06 09:00+00' + (g % 300) * interval '1 day' + (g % 480) * interval '1 minute'
           + s.n * interval '2 days' AS changed_at
FROM generate_series(1, :leads) AS g,
     (VALUES (0, 'lead'), (1, 'mql'), (2, 'sal'), (3, 'sql'), (4, 'opportunity')) AS s(n, stage);
CREATE TABLE bench.import_assignments AS
SELECT g::text AS lead_id, 'owner_' || (g % 20) AS owner,
       timestamptz '2025-01-06 09:00+00' + (g % 300) * interval '1 day' + (g % 480) * interval '1 minute'
           + interval '2 days 30 minutes' AS assigned_at
FROM generate_series(1, :leads) AS g;
CREATE TABLE bench.import_touches AS
SELECT g::text AS lead_id, 'call' AS kind,
       timestamptz '2025-01-06 09:00+00' + (g % 300) * interval '1 day' + (g % 480) * interval '1 minute'
           + interval '2 days' + (g % 7) * interval '3 hours' AS touched_at
FROM generate_series(1, :leads) AS g;
VACUUM ANALYZE bench.import_transitions, bench.import_assignments, bench.import_touches;

CREATE OR REPLACE FUNCTION bench.import_table(run integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS bench.imported_%s', run);
    EXECUTE format('CREATE TABLE bench.imported_%s (id bigint PRIMARY KEY, owner text, score integer NOT NULL DEFAULT 0,
                    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT ''lead'')', run);
    EXECUTE format('INSERT INTO bench.imported_%s (id, owner, lifecycle_stage)
                    SELECT a.lead_id::bigint, a.owner, ''opportunity'' FROM bench.import_assignments AS a', run);
    PERFORM leadqual.manage(format('bench.imported_%s', run)::regclass, owner_column => 'owner');
END
$$;
