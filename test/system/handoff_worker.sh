#!/usr/bin/env bash
# TAP: the handoff outbox delivers every handoff to tools/handoff-worker,
# once acknowledged exactly once, across a worker that was not running and
# across a server killed with kill -9.
#   1. Leads are promoted while no worker runs (and one promotion is rolled
#      back); the worker, started, drains every committed handoff, once.
#   2. While it runs, a new promotion wakes it (NOTIFY) and is delivered.
#   3. With the worker stopped: more promotions commit, a worker claims two
#      and dies before acknowledging them, a promotion is left uncommitted,
#      and the postmaster is killed with SIGKILL.  Restarted (crash
#      recovery), the outbox holds every committed handoff and not the
#      uncommitted one; once the dead worker's lease ran out, a worker
#      delivers each unacknowledged handoff exactly once, and a second run
#      finds nothing left.
# Runs against the server the PG* variables point at; tools/suites runs it
# inside pg_virtualenv, whose cluster is "15 regress" under
# $PG_CLUSTER_CONF_ROOT, restarted with pg_ctlcluster.  Without that (a
# server this script can't restart), part 3 is skipped.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
worker=$here/../../tools/handoff-worker
db=leadqual_handoff_worker
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$work"
    dropdb --if-exists "$db" >/dev/null 2>&1
}
trap cleanup EXIT

count=0
ok() {   # ok CONDITION-EXIT-STATUS DESCRIPTION
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then echo "ok $count - $2"; else echo "not ok $count - $2"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
# the lead ids of the handoffs in a worker's output, sorted, one line
delivered() { grep -o '"lead_id":"[0-9]*"' "$1" | grep -o '[0-9]*' | sort -n | tr '\n' ' ' | sed 's/ $//'; }
wait_for() {   # wait_for SECONDS COMMAND...: until the command succeeds
    local i
    for ((i = 0; i < $1 * 10; i++)); do "${@:2}" && return 0; sleep 0.1; done
    return 1
}
lines() { [ "$(grep -c '"lead_id"' "$1" 2>/dev/null)" -ge "$2" ]; }

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" || { echo "Bail out! cannot create database $db"; exit 1; }
q "CREATE EXTENSION leadqual;
   CREATE TABLE leads (id int PRIMARY KEY, score int NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
   SELECT leadqual.manage('leads');
   INSERT INTO leads (id) SELECT generate_series(1, 40);" >/dev/null
export PGDATABASE=$db

# 1. promotions while no worker runs
for i in $(seq 1 10); do q "UPDATE leads SET score = 60 WHERE id = $i"; done
q "BEGIN; UPDATE leads SET score = 60 WHERE id = 11; ROLLBACK;"
"$worker" --poll 30 --name w1 >"$work/w1.out" 2>"$work/w1.err" &
pids+=($!)
wait_for 20 lines "$work/w1.out" 10
[ "$(delivered "$work/w1.out")" = "1 2 3 4 5 6 7 8 9 10" ]
ok $? "a worker started after ten promotions delivers each of them once"
wait_for 10 test "$(q "SELECT count(*) FILTER (WHERE acked_at IS NOT NULL) || '/' || count(*) FROM leadqual.handoff")" = 10/10
ok $? "and acknowledges them; the rolled-back promotion has no handoff"

# 2. a promotion while it runs wakes it
q "UPDATE leads SET score = 60 WHERE id = 12"
wait_for 10 lines "$work/w1.out" 11
[ "$(delivered "$work/w1.out")" = "1 2 3 4 5 6 7 8 9 10 12" ]
ok $? "a promotion while the worker runs is delivered (woken by the NOTIFY)"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null
pids=()
[ "$(q "SELECT count(*) FROM leadqual.handoff WHERE acked_at IS NULL")" = 0 ]
ok $? "stopped, the worker leaves nothing unacknowledged"

# 3. kill -9 of the server
if [ -z "${PG_CLUSTER_CONF_ROOT:-}" ] || ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *regress '; then
    for d in "the server restarts" "every committed handoff survives" \
             "a worker delivers each once" "and nothing twice"; do
        count=$((count + 1)); echo "ok $count # SKIP $d: no pg_virtualenv cluster 15 regress to kill"
    done
    echo "1..$count"
    exit 0
fi
for i in $(seq 20 29); do q "UPDATE leads SET score = 60 WHERE id = $i"; done
# a worker that claimed two and died before acknowledging them
q "SELECT count(*) FROM leadqual.claim_handoffs(2, '3 seconds', 'dead')" >/dev/null
# a promotion in progress when the server dies
psql -X -q -d "$db" -c "BEGIN" -c "UPDATE leads SET score = 60 WHERE id = 30" -c "SELECT pg_sleep(60)" \
    >/dev/null 2>&1 &
pids+=($!)
wait_for 10 test "$(q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'")" = 1
datadir=$(q "SHOW data_directory")
postmaster=$(head -n 1 "$datadir/postmaster.pid")
kill -9 "$postmaster"
# its children notice and exit; then the cluster starts with crash recovery
wait_for 30 bash -c "! pgrep -P $postmaster >/dev/null && ! kill -0 $postmaster 2>/dev/null"
pg_ctlcluster 15 regress start >"$work/start.log" 2>&1 &&
    wait_for 30 psql -X -q -At -d "$db" -c "SELECT 1" >/dev/null 2>&1
ok $? "the server killed with kill -9 restarts"
[ "$(q "SELECT string_agg(lead_id, ' ' ORDER BY lead_id::int) FROM leadqual.handoff WHERE acked_at IS NULL")" = \
  "20 21 22 23 24 25 26 27 28 29" ]
ok $? "every committed handoff survives, unacknowledged; the uncommitted promotion has none"
sleep 3   # the dead worker's lease
"$worker" --once --name w2 >"$work/w2.out" 2>"$work/w2.err"
[ "$(delivered "$work/w2.out")" = "20 21 22 23 24 25 26 27 28 29" ] &&
    [ "$(q "SELECT count(*) FROM leadqual.handoff WHERE acked_at IS NULL")" = 0 ]
{ [ $? -eq 0 ] || { echo "# delivered: $(delivered "$work/w2.out")"; sed "s/^/# /" "$work/w2.err"; false; }; }
ok $? "a worker delivers each exactly once, including the two the dead worker claimed, and acknowledges them"
"$worker" --once --name w3 >"$work/w3.out" 2>"$work/w3.err"
[ ! -s "$work/w3.out" ] && [ "$(q "SELECT count(*) FROM leadqual.handoff")" = 21 ]
ok $? "and nothing is delivered twice"
echo "1..$count"
