#!/usr/bin/env bash
# TAP: leadqual beside Citus 13.2.2 on a real local cluster, a coordinator
# and two workers started with pg_ctl on ports of their own, Citus built
# from its release source by tools/citus-build.  What holds today:
#   1. CREATE EXTENSION leadqual on the coordinator reaches every node;
#   2. with Citus's relcache callbacks taken in the same backend, leadqual
#      logs and hands off a plain table's promotions on the coordinator,
#      and loads on a worker (its one callback slot: test/system/
#      callback_slots.sh has the limit itself);
#   3. manage() refuses a distributed, a reference and a Citus local table
#      (0A000, with a hint), and attaches nothing to them: their triggers
#      would fire on the workers' shards and log into the nodes' own
#      tables, not the coordinator's.
# As root (tools/test runs it outside pg_virtualenv): the servers run as
# postgres, in a directory of their own, removed at the end.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=/usr/lib/postgresql/15/bin
ports=(55436 55437 55438)
nodes=(coordinator worker1 worker2)

count=0
ok() {   # ok CONDITION-EXIT-STATUS DESCRIPTION
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then echo "ok $count - $2"; else echo "not ok $count - $2"; fi
}
same() {   # same GOT EXPECTED DESCRIPTION
    [ "$1" = "$2" ]
    local status=$?
    [ $status -eq 0 ] || printf '# got:      %s\n# expected: %s\n' "$1" "$2"
    ok $status "$3"
}

"$here/../../tools/citus-build" || { echo "Bail out! tools/citus-build failed"; exit 1; }

base=$(mktemp -d)
chown postgres: "$base"
stop_all() {
    for n in "${nodes[@]}"; do
        [ -f "$base/$n/postmaster.pid" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$base/$n" -m immediate stop >/dev/null 2>&1
    done
    rm -rf "$base"
}
trap stop_all EXIT

for i in 0 1 2; do
    n=${nodes[$i]}
    runuser -u postgres -- "$bin/initdb" -D "$base/$n" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null ||
        { echo "Bail out! initdb failed for $n"; exit 1; }
    cat >> "$base/$n/postgresql.conf" <<CONF
port = ${ports[$i]}
listen_addresses = 'localhost'
unix_socket_directories = '$base'
shared_preload_libraries = 'citus'
fsync = off
citus.enable_statistics_collection = off
CONF
    runuser -u postgres -- "$bin/pg_ctl" -D "$base/$n" -l "$base/$n.log" -w start >/dev/null ||
        { cat "$base/$n.log"; echo "Bail out! $n did not start"; exit 1; }
done

# q NODE-INDEX [psql args]: SQL on a node, as postgres; prints what psql does
q() {
    local i=$1
    shift
    psql -X -q -At -v ON_ERROR_STOP=1 -h "$base" -p "${ports[$i]}" -U postgres -d postgres "$@" 2>&1
}
# state NODE-INDEX SQL: the SQLSTATE the statement fails with, or ok
state() {
    local out
    out=$(q "$1" -v VERBOSITY=verbose -c "$2")
    if [[ "$out" =~ ERROR:\ \ ([0-9A-Z]{5}): ]]; then echo "${BASH_REMATCH[1]}"; else echo ok; fi
}

for i in 0 1 2; do
    q $i -c "CREATE EXTENSION citus" >/dev/null || { echo "Bail out! CREATE EXTENSION citus failed on ${nodes[$i]}"; exit 1; }
done
q 0 <<SQL >/dev/null || { echo "Bail out! the cluster did not form"; exit 1; }
SELECT citus_set_coordinator_host('localhost', ${ports[0]});
SELECT citus_add_node('localhost', ${ports[1]});
SELECT citus_add_node('localhost', ${ports[2]});
SQL

echo "1..8"

q 0 -c "CREATE EXTENSION leadqual" >/dev/null
same "$(for i in 0 1 2; do q $i -c "SELECT extversion FROM pg_extension WHERE extname = 'leadqual'"; done | paste -sd' ')" \
     "$(for i in 0 1 2; do echo 0.5.0; done | paste -sd' ')" \
     "CREATE EXTENSION leadqual on the coordinator creates it on both workers"

q 0 <<'SQL' >/dev/null
CREATE TABLE plain_leads (id int PRIMARY KEY, score int NOT NULL DEFAULT 0,
                          lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('plain_leads');
INSERT INTO plain_leads (id) SELECT g FROM generate_series(1, 10) AS g;
UPDATE plain_leads SET score = 80 WHERE id <= 4;
SQL
same "$(q 0 -c "SELECT count(*) FILTER (WHERE to_stage = 'mql') || ' promotions, ' || (SELECT count(*) FROM leadqual.handoff) || ' handoffs' FROM leadqual.transition")" \
     "4 promotions, 4 handoffs" \
     "a plain table on the coordinator: its promotions are logged and handed off there, beside Citus's callbacks"
same "$(q 1 -c "SELECT leadqual.business_time_between('24x7', '2026-12-07 09:00+00', '2026-12-07 10:30+00')")" \
     "01:30:00" "leadqual's library loads on a worker beside Citus"

q 0 <<'SQL' >/dev/null
CREATE TABLE dist_leads (tenant bigint NOT NULL, id bigint NOT NULL, score int NOT NULL DEFAULT 0,
                         lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', PRIMARY KEY (tenant, id));
SELECT create_distributed_table('dist_leads', 'tenant');
CREATE TABLE ref_leads (id int PRIMARY KEY, score int NOT NULL DEFAULT 0,
                        lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT create_reference_table('ref_leads');
CREATE TABLE local_leads (id int PRIMARY KEY, score int NOT NULL DEFAULT 0,
                          lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT citus_add_local_table_to_metadata('local_leads');
SQL
same "$(state 0 "SELECT leadqual.manage('dist_leads')")" 0A000 "manage() refuses a distributed table (0A000)"
same "$(q 0 -c "SELECT leadqual.manage('dist_leads')" | grep -c 'HINT:  Manage a table Citus does not distribute')" 1 \
     "with a hint that says what to do, and why"
same "$(state 0 "SELECT leadqual.manage('ref_leads')")" 0A000 "manage() refuses a reference table"
same "$(state 0 "SELECT leadqual.manage('local_leads')")" 0A000 "manage() refuses a Citus local table"
same "$(q 0 -c "SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('dist_leads'::regclass, 'ref_leads'::regclass, 'local_leads'::regclass) AND tgname LIKE 'leadqual%'") $(q 0 -c "SELECT count(*) FROM leadqual.managed")" \
     "0 1" "and attaches nothing to them: plain_leads is the one managed table"
