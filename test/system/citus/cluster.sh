# A local Citus cluster for test/system/citus.sh and bench/citus: a
# coordinator and workers started with pg_ctl, as postgres, in a directory
# of their own (removed by stop_all), Citus built and installed by
# tools/citus-build.  Sourced; the caller sets ports=(...) and nodes=(...)
# first (the coordinator first).  As root.
bin=/usr/lib/postgresql/15/bin
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)

"$root/tools/citus-build" >/dev/null || { echo "Bail out! tools/citus-build failed"; exit 1; }

base=$(mktemp -d)
chown postgres: "$base"
stop_all() {
    for n in "${nodes[@]}"; do
        [ -f "$base/$n/postmaster.pid" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$base/$n" -m immediate stop >/dev/null 2>&1
    done
    rm -rf "$base"
}
trap stop_all EXIT

# start NODE-INDEX: a new server, Citus preloaded
start() {
    local i=$1 n=${nodes[$1]}
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
}
# q NODE-INDEX [psql args]: SQL on a node, as postgres; prints what psql does
q() {
    local i=$1
    shift
    psql -X -q -At -v ON_ERROR_STOP=1 -h "$base" -p "${ports[$i]}" -U postgres -d "${DB:-postgres}" "$@" 2>&1
}
# state NODE-INDEX SQL: the SQLSTATE the statement fails with, or ok
state() {
    local out
    out=$(q "$1" -v VERBOSITY=verbose -c "$2")
    if [[ "$out" =~ ERROR:\ \ ([0-9A-Z]{5}): ]]; then echo "${BASH_REMATCH[1]}"; else echo ok; fi
}

# cluster DATABASE: Citus in DATABASE on every node, the cluster formed there
cluster() {
    for i in 0 1 2; do
        [ "$1" = postgres ] || q $i -c "CREATE DATABASE $1" >/dev/null
        DB=$1 q $i -c "CREATE EXTENSION citus" >/dev/null || { echo "Bail out! CREATE EXTENSION citus failed on ${nodes[$i]}"; exit 1; }
    done
    DB=$1 q 0 <<SQL >/dev/null || { echo "Bail out! the cluster did not form in $1"; exit 1; }
SELECT citus_set_coordinator_host('localhost', ${ports[0]});
SELECT citus_add_node('localhost', ${ports[1]});
SELECT citus_add_node('localhost', ${ports[2]});
SQL
}
