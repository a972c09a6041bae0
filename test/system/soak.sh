#!/usr/bin/env bash
# TAP: a soak.  pgbench runs 4 clients for SOAK_SECONDS (default 60) against
# a managed table, mixing score changes, upserts of new and known leads,
# forward moves by hand and reject(); afterwards every lead's stage must be
# the to_stage of its last logged change, and every lead's log must be an
# unbroken chain.  Runs against the server the PG* variables point at.
set -uo pipefail
seconds=${SOAK_SECONDS:-60}
db=leadqual_soak
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1' EXIT

count=0
ok() {
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then echo "ok $count - $2"; else echo "not ok $count - $2"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" || { echo "Bail out! cannot create $db"; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION leadqual;
CREATE SCHEMA soak;
CREATE TABLE soak.leads (id int PRIMARY KEY, score int NOT NULL DEFAULT 0,
                         lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('soak.leads');
INSERT INTO soak.leads (id, score) SELECT g, g % 50 FROM generate_series(1, 500) AS g;
SQL
ok $? "the soak table is set up"

cat > "$work/score.sql" <<'SQL'
\set id random(1, 600)
\set delta random(-15, 15)
UPDATE soak.leads SET score = greatest(0, score + :delta) WHERE id = :id;
SQL
cat > "$work/upsert.sql" <<'SQL'
\set id random(1, 600)
\set score random(0, 80)
INSERT INTO soak.leads (id, score) VALUES (:id, :score)
ON CONFLICT (id) DO UPDATE SET score = EXCLUDED.score;
SQL
cat > "$work/accept.sql" <<'SQL'
\set id random(1, 600)
UPDATE soak.leads SET lifecycle_stage = 'sal' WHERE id = :id AND lifecycle_stage = 'mql';
SQL
cat > "$work/reject.sql" <<'SQL'
\set id random(1, 500)
SELECT leadqual.reject('soak.leads', ':id', 'recycled', 'bad_timing');
SQL
cat > "$work/disqualify.sql" <<'SQL'
\set id random(1, 500)
SELECT leadqual.reject('soak.leads', ':id', 'disqualified', 'not_icp');
SQL

pgbench -n -c 4 -j 2 -T "$seconds" -d "$db" \
    -f "$work/score.sql@10" -f "$work/upsert.sql@4" -f "$work/accept.sql@2" \
    -f "$work/reject.sql@2" -f "$work/disqualify.sql@1" > "$work/pgbench.out" 2>&1
status=$?
grep -E "^number of transactions actually processed|aborted|ERROR" "$work/pgbench.out" | sed 's/^/# /'
ok $status "pgbench ran $seconds s with 4 clients and no client aborted"

transactions=$(awk -F': ' '/^number of transactions actually processed/ { split($2, a, "/"); print a[1] }' "$work/pgbench.out")
[ "${transactions:-0}" -gt 0 ]
ok $? "the soak did work (${transactions:-0} transactions)"

[ "$(q "SELECT count(*) FROM soak.leads AS l
         LEFT JOIN LATERAL (SELECT t.to_stage FROM leadqual.transition AS t
                            WHERE t.lead_table = 'soak.leads'::regclass AND t.lead_id = l.id::text
                            ORDER BY t.id DESC LIMIT 1) AS last ON true
         WHERE last.to_stage IS DISTINCT FROM l.lifecycle_stage")" = 0 ]
ok $? "every lead's stage is the to_stage of its last logged change"

[ "$(q "SELECT count(*) FROM (
           SELECT t.from_stage,
                  lag(t.to_stage) OVER (PARTITION BY t.lead_id ORDER BY t.id) AS previous,
                  row_number() OVER (PARTITION BY t.lead_id ORDER BY t.id) AS n
           FROM leadqual.transition AS t WHERE t.lead_table = 'soak.leads'::regclass) AS c
         WHERE (c.n = 1 AND c.from_stage IS NOT NULL)
            OR (c.n > 1 AND c.from_stage IS DISTINCT FROM c.previous)")" = 0 ]
ok $? "every lead's log is an unbroken chain from its insert"

[ "$(q "SELECT count(*) FROM soak.leads AS l WHERE NOT EXISTS (
           SELECT FROM leadqual.transition AS t
           WHERE t.lead_table = 'soak.leads'::regclass AND t.lead_id = l.id::text)")" = 0 ]
ok $? "every lead has a log, upserted ones included"

[ "$(q "SELECT count(*) FROM leadqual.transition AS t
         WHERE t.lead_table = 'soak.leads'::regclass AND t.from_stage IS NULL
         GROUP BY t.lead_id HAVING count(*) > 1" | wc -l)" = 0 ]
ok $? "no lead was logged as inserted twice (upserts that updated logged no insert)"

[ "$(q "SELECT count(*) FROM leadqual.transition AS t
         WHERE t.lead_table = 'soak.leads'::regclass
           AND t.to_stage IN ('recycled', 'disqualified') AND t.reason IS NULL")" = 0 ]
ok $? "every move into a detour carries its reason"

[ "$(q "SELECT count(DISTINCT via) FILTER (WHERE from_stage IS NOT NULL)
         FROM leadqual.transition WHERE lead_table = 'soak.leads'::regclass")" = 3 ] &&
[ "$(q "SELECT count(*) > 0 FROM leadqual.transition
         WHERE lead_table = 'soak.leads'::regclass AND from_stage = 'recycled' AND via = 'promotion'")" = t ]
ok $? "the soak made promotions, manual moves and rejections, and re-qualified recycled leads"

echo "1..$count"
