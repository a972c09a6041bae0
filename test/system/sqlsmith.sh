#!/usr/bin/env bash
# TAP: sqlsmith (Debian's package) throws random queries at a database with
# leadqual installed and a managed table in use: reads of every leadqual
# table and view, writes through the triggers (INSERT, UPDATE, MERGE,
# upserts), calls of its functions.  Random queries fail all the time; what
# must never happen is a backend crash, or a log that no longer matches the
# leads.  sqlsmith runs as an application role, as the extension's users
# would, so its random calls of pg_terminate_backend() and the like can't
# end the witness session or touch the log.  Fixed seeds keep runs comparable.
# Runs against the server the PG* variables point at; tools/suites runs it.
set -uo pipefail
db=leadqual_smith
queries=${SQLSMITH_QUERIES:-3000}
trap 'dropdb --if-exists "$db" >/dev/null 2>&1; psql -X -q -d postgres -c "DROP ROLE IF EXISTS leadqual_smith_app" >/dev/null 2>&1' EXIT

count=0
ok() {
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then echo "ok $count - $2"; else echo "not ok $count - $2"; fi
}
alive() { psql -X -q -At -d "$db" -c "SELECT 1" 2>/dev/null | grep -qx 1; }

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" || { echo "Bail out! cannot create $db"; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION leadqual;
CREATE TABLE leads (id int PRIMARY KEY, email text, score int NOT NULL DEFAULT 0,
                    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('leads');
INSERT INTO leads (id, email, score) SELECT g, 'lead' || g, g % 90 FROM generate_series(1, 200) AS g;
SELECT leadqual.reject('leads', '60', 'recycled', 'bad_timing');
ALTER DATABASE $db SET statement_timeout = '2s';
DROP ROLE IF EXISTS leadqual_smith_app;
CREATE ROLE leadqual_smith_app LOGIN PASSWORD 'smith';
GRANT SELECT, INSERT, UPDATE, DELETE ON leads TO leadqual_smith_app;
SQL
ok $? "a database with a managed table is set up"

# A witness session stays connected throughout: when any backend crashes,
# the postmaster ends every session to reinitialise, the witness's too.
coproc WITNESS { psql -X -q -At -d "$db" 2>&1; }
echo "SELECT 'witness ready';" >&"${WITNESS[1]}"
read -r -t 10 answer <&"${WITNESS[0]}"
[ "$answer" = "witness ready" ]
ok $? "a witness session is connected"

for seed in 1 2 3; do
    timeout 120 sqlsmith --target="host=localhost dbname=$db user=leadqual_smith_app password=smith" --seed="$seed" \
        --max-queries="$queries" --exclude-catalog > /dev/null 2>&1
    status=$?
    alive
    ok $? "the server answers after $queries random queries (seed $seed; sqlsmith exit $status)"
    [ "$status" -eq 0 ]
    ok $? "sqlsmith ran its $queries queries to the end (seed $seed)"
done
answer=
echo "SELECT 'witness alive';" >&"${WITNESS[1]}" 2>/dev/null
read -r -t 10 answer <&"${WITNESS[0]}"
[ "$answer" = "witness alive" ]
ok $? "no backend crashed: the witness session survived"
echo '\q' >&"${WITNESS[1]}" 2>/dev/null

[ "$(psql -X -q -At -d "$db" -c "SELECT count(*) FROM leads AS l
         LEFT JOIN LATERAL (SELECT t.to_stage FROM leadqual.transition AS t
                            WHERE t.lead_table = 'leads'::regclass AND t.lead_id = l.id::text
                            ORDER BY t.id DESC LIMIT 1) AS last ON true
         WHERE last.to_stage IS DISTINCT FROM l.lifecycle_stage")" = 0 ]
ok $? "every lead's stage is still the to_stage of its last logged change"

echo "1..$count"
