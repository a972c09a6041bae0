#!/usr/bin/env bash
# TAP: leadqual keeps the clocks' rollup up to date by itself.  Once a
# session has committed leadqual.rollup_refresh_after clock stops, its
# commit starts a background worker that runs leadqual.refresh_rollups():
#   1. the stops of committed transactions start it, and it folds them;
#   2. stops rolled back count for nothing, and 0 starts no worker;
#   3. a worker that finds a refresh running leaves it be;
#   4. the worker, which runs as the extension's owner, calls nothing a
#      role of the database could plant where an unqualified name would
#      find it (a trap function in public, on the database's search_path).
# Runs against the server the PG* variables point at (tools/suites runs it
# inside pg_virtualenv), on the leadqual installed there.
set -uo pipefail
db=leadqual_rollup_refresh
trap 'dropdb --if-exists "$db" >/dev/null 2>&1' EXIT

count=0
ok() {   # ok CONDITION-EXIT-STATUS DESCRIPTION
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then echo "ok $count - $2"; else echo "not ok $count - $2"; fi
}
# same GOT EXPECTED DESCRIPTION: ok when equal, else shows both
same() {
    [ "$1" = "$2" ]
    local status=$?
    [ $status -eq 0 ] || printf '# got:      %s\n# expected: %s\n' "$1" "$2"
    ok $status "$3"
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@" 2>&1; }
folded() { q -c "SELECT count(*) FROM leadqual.sla_clock WHERE folded"; }
# wait_folded N: waits up to 20 s for N folded clocks; prints the count
wait_folded() {
    local n
    for _ in $(seq 1 100); do
        n=$(folded)
        [ "$n" = "$1" ] && break
        sleep 0.2
    done
    echo "$n"
}

echo "1..7"
dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" || { echo "Bail out! cannot create database $db"; exit 1; }
q <<'SQL' >/dev/null || { echo "Bail out! set-up failed"; exit 1; }
CREATE EXTENSION leadqual;
CREATE TABLE leads (id integer PRIMARY KEY, score integer NOT NULL DEFAULT 0,
                    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', owner text);
SELECT leadqual.manage('leads', owner_column => 'owner');
INSERT INTO leadqual.owner (name) VALUES ('ana');
INSERT INTO leadqual.sla_policy (name, stage, target, calendar) VALUES ('rr_mql', 'mql', '1 hour', '24x7');
INSERT INTO leads (id) SELECT g FROM generate_series(1, 40) AS g;
UPDATE leads SET score = 60;
-- a trap for a worker that would call pg_try_advisory_xact_lock or
-- refresh_rollups unqualified: public is on every role's search_path
CREATE TABLE public.trap_sprung (at timestamptz);
GRANT INSERT ON public.trap_sprung TO PUBLIC;
CREATE FUNCTION public.pg_try_advisory_xact_lock(bigint) RETURNS boolean LANGUAGE sql
    AS 'INSERT INTO public.trap_sprung VALUES (now()); SELECT true';
CREATE FUNCTION public.refresh_rollups() RETURNS bigint LANGUAGE sql
    AS 'INSERT INTO public.trap_sprung VALUES (now()); SELECT 0::bigint';
SQL
# touch leads $1..$2 at the time of the statement, in a session that
# starts a refresh after $3 stops; $4: COMMIT or ROLLBACK
touch_leads() {
    q <<SQL >/dev/null
SET leadqual.rollup_refresh_after = $3;
BEGIN;
INSERT INTO leadqual.touch (lead_table, lead_id, touched_at)
SELECT 'leads', g::text, clock_timestamp() FROM generate_series($1, $2) AS g;
$4;
SQL
}

touch_leads 1 5 10 ROLLBACK
touch_leads 6 9 10 COMMIT
sleep 1
same "$(folded)" 0 "4 committed stops and 5 rolled back, of 10 that start a refresh: nothing is folded"
touch_leads 10 15 10 COMMIT
sleep 1
same "$(folded)" 0 "6 more in another session: each session counts its own, and neither reached 10"

q <<'SQL' >/dev/null
SET leadqual.rollup_refresh_after = 3;
INSERT INTO leadqual.touch (lead_table, lead_id, touched_at) VALUES ('leads', '16', clock_timestamp());
INSERT INTO leadqual.touch (lead_table, lead_id, touched_at) VALUES ('leads', '17', clock_timestamp());
INSERT INTO leadqual.touch (lead_table, lead_id, touched_at) VALUES ('leads', '18', clock_timestamp());
SQL
same "$(wait_folded 13)" 13 "the commit of the third stop in a session starts the worker, which folds all 13 stopped clocks"
same "$(q -c "SELECT count(*) FROM leadqual.rollup_state")" 1 "the worker's refresh recorded its time zone and week start"

touch_leads 19 25 0 COMMIT
sleep 1
same "$(folded)" 13 "with leadqual.rollup_refresh_after = 0 no worker starts"

# a refresh in progress: the worker leaves, and the clocks wait for the next
(q <<'SQL' >/dev/null) &
BEGIN;
SELECT pg_advisory_xact_lock('leadqual.sla_clock_day'::regclass::oid::bigint);
SELECT pg_sleep(3);
COMMIT;
SQL
sleep 0.5
touch_leads 26 27 1 COMMIT
wait
same "$(folded)" 13 "a worker that finds a refresh running folds nothing"

same "$(q -c "SELECT count(*) FROM public.trap_sprung")" 0 \
    "the worker ran no function planted in public"
