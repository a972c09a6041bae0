-- The data of test/system/report.sh: ten leads of crm.leads whose history
-- is imported with leadqual.import_history(), at times counted from the
-- Monday six weeks before this one (UTC), so that every figure is fixed
-- whatever day the test runs.  Hostile text where the page shows user
-- data: an owner named like markup and a region (the --dimension
-- column) holding an <img> tag.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION leadqual;

-- The SLA counts on a copy of 24x7 that is closed today and tomorrow (UTC):
-- open clocks then stop growing, so their late_by and wait are the same
-- when the report is written and when the test reads the views after it.
SELECT leadqual.copy_calendar('24x7', 'report_test');
INSERT INTO leadqual.holiday (calendar, day, description)
SELECT 'report_test', (now() AT TIME ZONE 'UTC')::date + d, 'frozen for the test'
FROM generate_series(0, 1) AS d;
INSERT INTO leadqual.sla_policy (name, stage, target, calendar, stops_on)
VALUES ('speed_4h', 'mql', '4 hours', 'report_test', 'first_touch');
INSERT INTO leadqual.owner (name) VALUES ('ana'), ('<script>alert("owner")</script>');

CREATE SCHEMA crm;
CREATE TABLE crm.leads (
    id              int PRIMARY KEY,
    region          text,
    owner           text,
    score           integer NOT NULL DEFAULT 0,
    lifecycle_stage leadqual.lifecycle_stage NOT NULL
);

-- lead, its region and owner today, and its history: (stage, day, hour,
-- reason) from the base Monday, an owner two minutes after its promotion
-- to mql, and a touch that many minutes after it (NULL: never touched).
CREATE TEMP TABLE history (lead_id int, stage leadqual.lifecycle_stage, day int, hour numeric, reason text);
INSERT INTO history VALUES
    (1, 'lead', 0, 10, NULL), (1, 'mql', 0, 12, NULL), (1, 'sal', 1, 9, NULL), (1, 'sql', 3, 9, NULL),
    (2, 'lead', 1, 8, NULL), (2, 'mql', 1, 10, NULL), (2, 'recycled', 8, 10, 'bad_timing'),
    (3, 'lead', 7, 8, NULL), (3, 'mql', 7, 9, NULL),
    (4, 'lead', 8, 8, NULL), (4, 'mql', 8, 9, NULL), (4, 'sal', 9, 9, NULL), (4, 'sql', 12, 9, NULL),
    (4, 'opportunity', 20, 9, NULL), (4, 'customer', 30, 9, NULL),
    (5, 'lead', 14, 8, NULL), (5, 'mql', 14, 11, NULL), (5, 'disqualified', 15, 11, 'not_icp'),
    (6, 'lead', 15, 8, NULL),
    (7, 'lead', 21, 8, NULL), (7, 'disqualified', 22, 8, 'not_icp'),
    (8, 'lead', 22, 8, NULL), (8, 'mql', 22, 15, NULL),
    (9, 'subscriber', 2, 8, NULL), (9, 'lead', 4, 8, NULL), (9, 'mql', 5, 8, NULL), (9, 'sql', 9, 8, NULL),
    -- promoted at 02:00 UTC on a Monday: the Sunday before in New York
    (10, 'lead', 20, 23, NULL), (10, 'mql', 21, 2, NULL), (10, 'sal', 23, 2, NULL);
CREATE TEMP TABLE lead (id int, region text, owner text, touch_after int);
INSERT INTO lead VALUES
    (1, 'EMEA', 'ana', 60), (2, 'EMEA', '<script>alert("owner")</script>', 360),
    (3, 'Americas', '<script>alert("owner")</script>', NULL), (4, 'Americas', 'ana', 60),
    (5, '<img src=x onerror=alert(1)>', 'ana', 30), (6, '<img src=x onerror=alert(1)>', NULL, NULL),
    (7, 'EMEA', NULL, NULL), (8, 'Americas', 'ana', NULL),
    (9, 'EMEA', '<script>alert("owner")</script>', 120), (10, NULL, 'ana', 20);

CREATE TEMP VIEW base AS
SELECT date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '6 weeks' AS monday;
CREATE TEMP VIEW transitions AS
SELECT h.lead_id, h.stage AS to_stage, b.monday + h.day * interval '1 day' + h.hour * interval '1 hour' AS changed_at,
       h.reason
FROM history AS h, base AS b;
CREATE TEMP VIEW assignments AS
SELECT t.lead_id, l.owner, t.changed_at + interval '2 minutes' AS assigned_at
FROM transitions AS t JOIN lead AS l ON l.id = t.lead_id
WHERE t.to_stage = 'mql' AND l.owner IS NOT NULL;
CREATE TEMP VIEW touches AS
SELECT t.lead_id, t.changed_at + l.touch_after * interval '1 minute' AS touched_at
FROM transitions AS t JOIN lead AS l ON l.id = t.lead_id
WHERE t.to_stage = 'mql' AND l.touch_after IS NOT NULL;

INSERT INTO crm.leads (id, region, owner, lifecycle_stage)
SELECT l.id, l.region, l.owner,
       (SELECT h.stage FROM history AS h WHERE h.lead_id = l.id ORDER BY h.day DESC, h.hour DESC LIMIT 1)
FROM lead AS l;
SELECT leadqual.manage('crm.leads', owner_column => 'owner');
SELECT * FROM leadqual.import_history('crm.leads', 'transitions', 'assignments', 'touches');
