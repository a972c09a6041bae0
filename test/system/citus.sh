#!/usr/bin/env bash
# TAP: leadqual on a real local Citus 13.2.2 cluster, a coordinator and two
# workers started with pg_ctl on ports of their own, Citus built from its
# release source by tools/citus-build.  What it checks:
#   1. CREATE EXTENSION leadqual on the coordinator reaches every node;
#   2. with Citus's relcache callbacks taken in the same backend, leadqual
#      logs and hands off a plain table's promotions on the coordinator,
#      and loads on a worker (its one callback slot: test/system/
#      callback_slots.sh has the limit itself);
#   3. manage() on a distributed table says to run leadqual.distribute()
#      first, and refuses reference and Citus local tables;
#   4. in a database of its own, whose workers give their tables OIDs of
#      their own, distribute() lays leadqual's tables out beside a
#      distributed leads table (or refuses, saying why), and the same
#      script of promotions, moves, rejections, a deletion, events tracked
#      (scoring and promoting the leads of a model) and touches gives the
#      same log, scores, events, clocks, handoffs and reports through the
#      coordinator as on one node (test/system/citus/), every row on the
#      shard beside its lead's, with ids unique across the nodes; and so
#      do rescore() and rescore_due(), shard-parallel, which refuse a role
#      without UPDATE, on the coordinator and on a worker;
#   5. what does not run on a distributed table yet refuses (0A000), and
#      so does an event or touch inserted by hand; pg_dump writes the
#      tables' OIDs as bare numbers (dump and restore is not supported);
#   6. a worker added (prepared with prepare_worker()), the rebalancer
#      moving shards onto it, and the same results after; a worker killed
#      in the middle of a promoting statement, and nothing of it kept;
#   7. the distributed outbox: claim_handoffs() and ack_handoffs() through
#      the coordinator, a claim skipping what another holds; leadqual's
#      row-level security on the workers; changes of models' rules and of
#      SLA policies reaching the workers' backends that cached them.
# As root (tools/test runs it outside pg_virtualenv): the servers run as
# postgres, in a directory of their own, removed at the end.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ports=(55436 55437 55438 55439)
# worker3 joins later: adding a worker, then the rebalancer
nodes=(coordinator worker1 worker2 worker3)

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

. "$here/citus/cluster.sh"
for i in 0 1 2; do start $i; done

cluster postgres

echo "1..46"

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
same "$(state 0 "SELECT leadqual.manage('dist_leads')")" 55000 \
     "manage() on a distributed table, leadqual's tables not distributed beside it, refuses (55000)"
same "$(q 0 -c "SELECT leadqual.manage('dist_leads')" | grep -c "HINT:  As the extension's owner, distribute them beside it first: SELECT leadqual.distribute('public.dist_leads').")" 1 \
     "with a hint that says what to run"
same "$(state 0 "SELECT leadqual.manage('ref_leads')")" 0A000 "manage() refuses a reference table"
same "$(state 0 "SELECT leadqual.manage('local_leads')")" 0A000 "manage() refuses a Citus local table"
same "$(q 0 -c "SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('dist_leads'::regclass, 'ref_leads'::regclass, 'local_leads'::regclass) AND tgname LIKE 'leadqual%'") $(q 0 -c "SELECT count(*) FROM leadqual.managed")" \
     "0 1" "and attaches nothing to them: plain_leads is the one managed table"

# Citus mode, in a database of its own; the same script on one node, in a
# database without Citus on the coordinator
for i in 0 1 2; do
    q $i -c "ALTER SYSTEM SET citus.enable_unsafe_triggers = on" -c "SELECT pg_reload_conf()" >/dev/null
done
cluster dist
# OIDs of the workers' own, none of them the coordinator's: a worker's
# tables and leadqual's there take other OIDs than the coordinator's
DB=dist q 1 -c "CREATE TABLE pad_1 (a int)" >/dev/null
DB=dist q 2 -c "CREATE TABLE pad_1 (a int)" -c "CREATE TABLE pad_2 (a int)" >/dev/null
q 0 -c "CREATE DATABASE single" >/dev/null
schema="CREATE EXTENSION leadqual;
CREATE TABLE leads (tenant bigint NOT NULL, id bigint NOT NULL, score int NOT NULL DEFAULT 0,
                    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', owner text,
                    PRIMARY KEY (tenant, id));
CREATE TABLE scored (tenant bigint NOT NULL, id bigint NOT NULL, score numeric NOT NULL DEFAULT 0,
                     lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                     title text, company_size int, industry text, PRIMARY KEY (tenant, id));
CREATE TABLE decay (LIKE scored INCLUDING ALL);"
DB=single q 0 -c "$schema" -c "SELECT leadqual.manage('leads', owner_column => 'owner')" \
             -c "SELECT leadqual.manage('scored', model => 'default')" >/dev/null
DB=dist q 0 -c "$schema" -c "SELECT create_distributed_table('leads', 'tenant')" \
           -c "SELECT create_distributed_table('scored', 'tenant', colocate_with => 'leads')" \
           -c "SELECT create_distributed_table('decay', 'tenant', colocate_with => 'leads')" \
           -c "CREATE TABLE others (tenant bigint NOT NULL, id bigint PRIMARY KEY)" >/dev/null

same "$(DB=dist state 0 "SET citus.enable_unsafe_triggers = off; SELECT leadqual.distribute('leads')")" 55000 \
     "distribute() refuses while Citus runs no trigger on distributed tables (55000)"
same "$(DB=dist state 0 "SELECT leadqual.distribute('others')")" 42809 \
     "distribute() refuses a table Citus does not distribute (42809)"
DB=dist q 0 -c "CREATE DOMAIN tenant_id AS bigint CHECK (VALUE > 0)" \
           -c "CREATE TABLE by_domain (tenant tenant_id NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant, id))" \
           -c "SELECT create_distributed_table('by_domain', 'tenant', colocate_with => 'none')" >/dev/null
same "$(DB=dist state 0 "SELECT leadqual.distribute('by_domain')")" 42804 \
     "distribute() refuses a table distributed by a column of a type not built in, whose checks would run as the owner (42804)"
DB=dist q 0 -c "SELECT leadqual.distribute('leads')" >/dev/null
same "$(DB=dist q 0 -c "
    SELECT count(*) FILTER (WHERE p.partmethod = 'h' AND p.colocationid = l.colocationid) || ' distributed, ' ||
           count(*) FILTER (WHERE p.partmethod = 'n' AND p.repmodel = 't') || ' reference'
    FROM pg_dist_partition AS p CROSS JOIN (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'leads'::regclass) AS l
    WHERE p.logicalrelid::text LIKE 'leadqual.%'")" "12 distributed, 10 reference" \
     "distribute() distributes leadqual's 12 tables of per-lead rows beside the leads table, and makes its 10 of configuration reference tables"
same "$(DB=dist state 0 "SELECT leadqual.distribute('leads')")" 55000 "and refuses to run twice (55000)"
DB=dist q 0 -c "CREATE TABLE apart (tenant bigint NOT NULL, id bigint NOT NULL, score int NOT NULL DEFAULT 0,
                lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead', PRIMARY KEY (tenant, id))" \
           -c "SELECT create_distributed_table('apart', 'tenant', colocate_with => 'none')" >/dev/null
same "$(DB=dist state 0 "SELECT leadqual.manage('apart')") $(DB=dist state 0 "SELECT leadqual.manage('others')")" "55000 55000" \
     "manage() then refuses a distributed table not co-located with leadqual's, and a plain one (55000)"
DB=dist q 0 -c "SELECT leadqual.manage('leads', owner_column => 'owner')" >/dev/null
DB=dist q 0 -c "SELECT leadqual.manage('scored', model => 'default')" >/dev/null
same "$(for i in 1 2; do [ "$(DB=dist q $i -c "SELECT 'leads'::regclass::oid, 'leadqual.event'::regclass::oid")" = "$(DB=dist q 0 -c "SELECT 'leads'::regclass::oid, 'leadqual.event'::regclass::oid")" ] && echo same || echo other; done | paste -sd' ')" \
     "other other" "each worker has OIDs of its own for the leads table and leadqual's, unlike the coordinator's"

DB=single q 0 -f "$here/citus/workload.sql" >/dev/null
DB=dist q 0 -f "$here/citus/workload.sql" >/dev/null
single=$(DB=single q 0 -f "$here/citus/results.sql")
distributed=$(DB=dist q 0 -f "$here/citus/results.sql")
[ "$single" = "$distributed" ]
status=$?
[ $status -eq 0 ] || diff <(echo "$single") <(echo "$distributed") | sed 's/^/# /'
ok $status "the same script gives the same log, clocks, assignments, handoffs and reports through the coordinator as on one node"
managed_scores="SELECT count(*) || ' rows, ' || count(*) FILTER (WHERE score > 0) || ' scored above 0' FROM decay_after_manage"
same "$(DB=dist q 0 -c "$managed_scores")" "$(DB=single q 0 -c "$managed_scores")" \
     "manage() with a model scores the rows a distributed table already has, shard-parallel, as on one node"
same "$(DB=dist q 0 -c "SELECT count(*) FROM leadqual.transition WHERE reason IS NOT NULL") $(DB=dist q 0 -c "SELECT count(*) FROM leadqual.transition WHERE via = 'rejection'")" \
     "3 1" "reject() and SET LOCAL leadqual.reason reach the worker whose trigger logs the move"
same "$(DB=dist q 0 -c "
    SELECT count(*) FROM leadqual.transition AS t
    LEFT JOIN leads AS l ON l.tenant = t.shard_key AND l.id::text = t.lead_id
    LEFT JOIN scored AS s ON s.tenant = t.shard_key AND s.id::text = t.lead_id
    LEFT JOIN decay AS d ON d.tenant = t.shard_key AND d.id::text = t.lead_id
    WHERE t.lead_id NOT LIKE 'deleted:%' AND l.id IS NULL AND s.id IS NULL AND d.id IS NULL") $(DB=dist q 0 -c "
    SELECT count(*) FROM leadqual.sla_clock AS c
    LEFT JOIN leads AS l ON l.tenant = c.shard_key AND l.id::text = c.lead_id
    LEFT JOIN scored AS s ON s.tenant = c.shard_key AND s.id::text = c.lead_id
    LEFT JOIN decay AS d ON d.tenant = c.shard_key AND d.id::text = c.lead_id
    WHERE l.id IS NULL AND s.id IS NULL AND d.id IS NULL") $(DB=dist q 0 -c "SELECT count(*) FROM leadqual.sla_clock")" \
     "0 0 $(DB=single q 0 -c "SELECT count(*) FROM leadqual.sla_clock")" "every row is on the shard beside its lead's, with its distribution value"
same "$(DB=dist q 0 -c "SELECT (SELECT count(*) - count(DISTINCT id) FROM leadqual.transition) + (SELECT count(*) - count(DISTINCT id) FROM leadqual.sla_clock) + (SELECT count(*) - count(DISTINCT id) FROM leadqual.handoff)")" \
     "0" "ids are unique across the nodes"
same "$(DB=dist q 0 -c "SELECT count(*) FROM leadqual.transition WHERE lead_table = 'leads'::regclass") $(DB=dist q 0 -c "SELECT count(*) FROM leadqual.transition WHERE lead_table = 'scored'::regclass")" \
     "$(DB=single q 0 -c "SELECT count(*) FROM leadqual.transition WHERE lead_table = 'leads'::regclass") $(DB=single q 0 -c "SELECT count(*) FROM leadqual.transition WHERE lead_table = 'scored'::regclass")" \
     "the workers record each table under its OID on the coordinator, so lead_table = 'leads'::regclass finds its rows"
# the joins compare no regclass constant: Citus sends one of a join by
# name, which a worker reads as its own OID (docs/scale-out.md)
same "$(DB=dist q 0 -c "SELECT count(*) FROM leadqual.event AS e LEFT JOIN scored AS l ON l.tenant = e.shard_key AND l.id::text = e.lead_id
                        LEFT JOIN decay AS d ON d.tenant = e.shard_key AND d.id::text = e.lead_id
                        WHERE l.id IS NULL AND d.id IS NULL") $(DB=dist q 0 -c "SELECT count(*) FROM leadqual.event WHERE lead_table NOT IN ('scored'::regclass, 'decay'::regclass)") $(DB=dist q 0 -c "
                        SELECT count(*) FROM leadqual.lead_score AS s LEFT JOIN scored AS l ON l.tenant = s.shard_key AND l.id::text = s.lead_id
                        LEFT JOIN decay AS d ON d.tenant = s.shard_key AND d.id::text = s.lead_id
                        WHERE l.id IS NULL AND d.id IS NULL") $(DB=dist q 0 -c "SELECT count(*) FROM leadqual.lead_score WHERE lead_table NOT IN ('scored'::regclass, 'decay'::regclass)") $(DB=dist q 0 -c "
                        SELECT count(*) FROM leadqual.touch AS t LEFT JOIN leads AS l ON l.tenant = t.shard_key AND l.id::text = t.lead_id
                        LEFT JOIN scored AS s ON s.tenant = t.shard_key AND s.id::text = t.lead_id
                        WHERE l.id IS NULL AND s.id IS NULL")" "0 0 0 0 0" \
     "track() and touch() insert beside the lead's row: its distribution value, and its table's OID on the coordinator"
scored_oid=$(DB=dist q 0 -c "SELECT 'scored'::regclass::oid")
same "$(DB=dist q 0 -c "SELECT count(*) FROM leadqual.event AS e JOIN scored AS l ON l.tenant = e.shard_key AND l.id::text = e.lead_id
                        WHERE e.lead_table::oid = $scored_oid") $(DB=dist q 0 -c "SELECT count(*) FROM leadqual.event AS e LEFT JOIN scored AS l ON l.tenant = e.shard_key AND l.id::text = e.lead_id
                        WHERE e.lead_table::oid = $scored_oid AND (l.id IS NULL OR e.lead_table <> 'scored'::regclass)")" "10 10" \
     "in a join, lead_table::oid compared with the OID as a number finds the table's rows; a regclass constant, sent by name, misses them (docs/scale-out.md)"
DB=dist q 0 -c "CREATE TABLE by_id (id bigint PRIMARY KEY, score numeric NOT NULL DEFAULT 0,
                                    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                                    title text, company_size int, industry text)" \
           -c "SELECT create_distributed_table('by_id', 'id', colocate_with => 'leads')" \
           -c "SELECT leadqual.manage('by_id', model => 'default')" \
           -c "INSERT INTO by_id (id, title) VALUES (501, 'VP of Sales'), (502, 'Intern')" \
           -c "SELECT leadqual.track('by_id', '501', 'demo_request')" \
           -c "SELECT leadqual.touch('by_id', '501', 'call', clock_timestamp())" >/dev/null
same "$(DB=dist q 0 -c "SELECT lifecycle_stage FROM by_id WHERE id = 501") $(DB=dist q 0 -c "SELECT count(*) FROM leadqual.event WHERE lead_table::oid = $(DB=dist q 0 -c "SELECT 'by_id'::regclass::oid") AND shard_key = 501") $(DB=dist q 0 -c "SELECT stopped_by FROM leadqual.sla_clock WHERE lead_table = 'by_id'::regclass") $(DB=dist state 0 "SELECT leadqual.track('by_id', '503', 'demo_request')")" \
     "mql 1 touch P0002" "on a table distributed by its id, track() and touch() go straight to the lead's shard: it is scored and promoted, its clock stopped; a lead that does not exist is refused (P0002)"
same "$(DB=dist state 0 "INSERT INTO leadqual.event (lead_table, lead_id, kind, shard_key) VALUES ('scored', '4', 'demo_request', 0)") $(DB=dist state 0 "INSERT INTO leadqual.touch (lead_table, lead_id, shard_key) VALUES ('leads', '4', 0)")" \
     "0A000 0A000" "an event or touch of a distributed table inserted by hand, which Citus sends by name, is refused (0A000)"
same "$(DB=dist state 0 "SELECT leadqual.merge('leads', '8', '9')") $(DB=dist state 0 "TRUNCATE leads") $(DB=dist state 0 "SELECT * FROM leadqual.explain('scored', '1')") $(DB=dist state 0 "SELECT * FROM leadqual.calibrate('scored')") $(DB=dist state 0 "SELECT leadqual.promote_model('scored', 'default')")" \
     "0A000 0A000 0A000 0A000 0A000" "merge(), TRUNCATE, explain(), calibrate() and promote_model() refuse on a distributed table, not yet supported (0A000)"
same "$(DB=dist q 0 -c "SELECT count(*) FROM leads") $(DB=dist q 0 -c "SELECT count(*) FROM leadqual.lead_merge")" "39 0" \
     "and change nothing"

# rescore() and rescore_due() of a distributed table: a query over its rows
# that Citus runs a task a shard, each rescoring its shard on its worker
rescored() {
    DB=$1 q 0 -c "SELECT leadqual.rescore('decay', '2027-02-01 00:00+00')" \
              -c "SELECT leadqual.rescore_due('decay', '2027-04-01 00:00+00')" \
              -c "SELECT leadqual.rescore('decay', '2027-04-01 00:00+00')" \
              -c "SELECT string_agg(id || ':' || score || ':' || lifecycle_stage, ' ' ORDER BY id) FROM decay" \
              -c "SELECT count(*) FROM leadqual.score_change WHERE lead_table::oid = 'decay'::regclass::oid" | paste -sd' '
}
same "$(rescored dist)" "$(rescored single)" \
     "rescore() and rescore_due() of a distributed table, shard-parallel on the workers, change the same scores, and log the same, as on one node"
# a change of a model's rules reaches the workers' backends that cached
# the model: the trigger on the reference table's shard invalidates the
# table's cache entry
rules_changed() {
    DB=$1 q 0 -c "SELECT leadqual.rescore('decay', '2027-04-01 00:00+00')" \
              -c "UPDATE leadqual.fit_rule SET points = points + 1 WHERE model = 'decaying'" \
              -c "SELECT leadqual.rescore('decay', '2027-04-01 00:00+00')" \
              -c "UPDATE leadqual.fit_rule SET points = points + 1 WHERE model = 'decaying'" \
              -c "SELECT leadqual.rescore('decay', '2027-04-01 00:00+00')" | paste -sd' '
}
same "$(rules_changed dist)" "$(rules_changed single)" \
     "a model's rules changed twice in one session: each rescore() rescores every lead the change reaches, as on one node"
same "$(DB=dist q 0 -c "BEGIN" -c "SELECT leadqual.rescore('decay', '2027-02-15 00:00+00') > 0" -c "ROLLBACK" \
                   -c "SELECT string_agg(id || ':' || score, ' ' ORDER BY id) FROM decay" | paste -sd' ')" \
     "t $(DB=dist q 0 -c "SELECT string_agg(id || ':' || score, ' ' ORDER BY id) FROM decay")" \
     "rescore() on Citus is part of the caller's transaction: rolled back, it leaves every shard's scores as they were"
DB=dist q 0 -c "CREATE ROLE viewer" -c "GRANT SELECT ON decay TO viewer" >/dev/null
decay_shard="SET citus.override_table_visibility = off; SELECT c.oid FROM pg_class AS c WHERE c.relname ~ '^decay_[0-9]+$' AND c.relkind = 'r' LIMIT 1"
same "$(DB=dist state 0 "SET ROLE viewer; SELECT leadqual.rescore('decay')") $(DB=dist state 1 "SET ROLE viewer; SELECT leadqual._rescore_shard(($(DB=dist q 1 -c "$decay_shard" | tail -1))::oid, now(), false)") $(DB=dist state 1 "SELECT leadqual._rescore_shard('pg_class'::regclass, now(), false)") $(DB=dist state 1 "SELECT leadqual.rescore(($(DB=dist q 1 -c "$decay_shard" | tail -1))::oid::regclass)")" \
     "42501 42501 22023 0A000" \
     "rescore() refuses a role without UPDATE (42501), and so does its shard's part called on a worker; that part refuses what is no shard (22023), and rescore() a shard named by hand (0A000)"

# pg_dump of the coordinator: Citus reads leadqual's rows from the
# workers as text, where the coordinator's OID of a table names no table,
# or another relation of the worker's, so the dump names none of the rows'
# tables (docs/scale-out.md: not supported)
dumped=$("$bin/pg_dump" -h "$base" -p "${ports[0]}" -U postgres -d dist --data-only -t leadqual.transition 2>&1 |
         awk -F'\t' '/^COPY leadqual.transition/ { rows = 1; next } rows && $0 == "\\." { exit } rows { print $2 }')
same "$(echo "$dumped" | grep -c .) $(echo "$dumped" | grep -cxE 'leads|scored|by_id')" \
     "$(DB=dist q 0 -c "SELECT count(*) FROM leadqual.transition") 0" \
     "pg_dump writes lead_table as the worker prints the coordinator's OID: a number, or another relation's name, never the row's table (docs/scale-out.md)"

# Adding a worker: prepared as docs/scale-out.md says, then added; then the
# rebalancer moves shards onto it, and the triggers on the moved shards log
# as before
start 3
q 3 -c "ALTER SYSTEM SET citus.enable_unsafe_triggers = on" -c "SELECT pg_reload_conf()" -c "CREATE DATABASE dist" >/dev/null
DB=dist q 3 -c "CREATE EXTENSION citus" -c "CREATE EXTENSION leadqual" >/dev/null
[ "$(DB=dist state 0 "SELECT citus_add_node('localhost', ${ports[3]})")" != ok ]
ok $? "citus_add_node() fails for a worker whose leadqual tables lack the layout"
DB=dist q 3 -c "SELECT leadqual.prepare_worker('bigint')" >/dev/null
same "$(DB=dist state 3 "SELECT leadqual.prepare_worker('bigint')")" 55000 "prepare_worker() refuses to run twice (55000)"
same "$(DB=dist state 0 "SELECT citus_add_node('localhost', ${ports[3]})")" ok \
     "a worker prepared with leadqual.prepare_worker() joins the cluster"
DB=dist q 0 -c "SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes')" -c "SELECT citus_rebalance_wait()" >/dev/null
same "$(DB=dist q 0 -c "SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'leads'::regclass") $(DB=dist q 0 -c "SELECT count(*) FROM citus_shards AS l JOIN citus_shards AS t ON t.colocation_id = l.colocation_id AND t.nodeport <> l.nodeport AND t.table_name = 'leadqual.transition'::regclass JOIN pg_dist_shard AS ls ON ls.shardid = l.shardid JOIN pg_dist_shard AS ts ON ts.shardid = t.shardid AND ts.shardminvalue = ls.shardminvalue WHERE l.table_name = 'leads'::regclass")" \
     "3 0" "the rebalancer spreads the leads' shards over the three workers, leadqual's moving with them"
later="UPDATE leads SET score = 85 WHERE id BETWEEN 21 AND 32;
       SELECT leadqual.reject('leads', '21', 'disqualified', 'not_icp');
       DELETE FROM leads WHERE id = 39;
       SELECT leadqual.track('scored', '9', 'demo_request', '2026-12-02 10:00+00');
       SELECT leadqual.rescore('decay', '2027-01-20 00:00+00');
       SELECT leadqual.touch('leads', '17');"
DB=single q 0 -c "$later" >/dev/null
DB=dist q 0 -c "$later" >/dev/null
single=$(DB=single q 0 -f "$here/citus/results.sql")
distributed=$(DB=dist q 0 -f "$here/citus/results.sql")
[ "$single" = "$distributed" ]
status=$?
[ $status -eq 0 ] || diff <(echo "$single") <(echo "$distributed") | sed 's/^/# /'
ok $status "after the move, promotions, a rejection, a deletion, an event, a touch and a rescore give the same log, scores, clocks and reports as on one node"
same "$(DB=dist q 0 -c "
    SELECT count(*) FROM (SELECT lead_id, id, pg_catalog.lag(id) OVER (PARTITION BY lead_id ORDER BY changed_at) AS before
                          FROM leadqual.transition) AS t WHERE t.id <= t.before")" "0" \
     "a lead's rows keep increasing ids in the order they were written, across the move"

# A worker killed in the middle of a promoting statement: the statement
# fails, and nothing of it is logged anywhere (Citus's two-phase commit)
before=$(DB=dist q 0 -c "SELECT count(*) FROM leadqual.transition")
holder_key=$(DB=dist q 0 -c "SELECT tenant FROM leads WHERE id = 33")
worker=$(DB=dist q 0 -c "SELECT nodeport FROM citus_shards WHERE table_name = 'leads'::regclass AND shardid = get_shard_id_for_distribution_column('leads', $holder_key)")
DB=dist psql -X -q -h "$base" -p "${ports[0]}" -U postgres -d dist \
    -c "BEGIN" -c "SELECT 1 FROM leads WHERE tenant = $holder_key AND id = 33 FOR UPDATE" -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
holder=$!
sleep 1
DB=dist q 0 -c "UPDATE leads SET score = 99 WHERE id BETWEEN 33 AND 38" >"$base/killed.out" 2>&1 &
statement=$!
sleep 2
for i in 1 2 3; do
    if [ "${ports[$i]}" = "$worker" ]; then
        runuser -u postgres -- "$bin/pg_ctl" -D "$base/${nodes[$i]}" -m immediate stop >/dev/null 2>&1
        runuser -u postgres -- "$bin/pg_ctl" -D "$base/${nodes[$i]}" -l "$base/${nodes[$i]}.log" -w start >/dev/null 2>&1
    fi
done
wait $statement
kill $holder 2>/dev/null
wait $holder 2>/dev/null
DB=dist q 0 -c "SELECT recover_prepared_transactions()" >/dev/null
same "$(grep -c ERROR "$base/killed.out") $(DB=dist q 0 -c "SELECT count(*) FROM leadqual.transition") $(DB=dist q 0 -c "SELECT count(*) FROM leads WHERE score = 99")" \
     "1 $before 0" "a worker killed in the middle of a promoting statement: the statement fails, and nothing of it is logged or kept"
same "$(DB=dist q 0 -c "
    WITH last AS MATERIALIZED (
        SELECT DISTINCT ON (t.lead_id) t.lead_id, t.to_stage FROM leadqual.transition AS t
        WHERE t.lead_table = 'leads'::regclass ORDER BY t.lead_id, t.changed_at DESC
    ), lead AS MATERIALIZED (SELECT l.id::text AS lead_id, l.lifecycle_stage FROM leads AS l)
    SELECT count(*) FROM lead AS l LEFT JOIN last AS t USING (lead_id)
    WHERE t.to_stage IS DISTINCT FROM l.lifecycle_stage")" "0" \
     "and every lead's stage is still its last logged one"

# The distributed outbox: claim_handoffs() takes the oldest handoffs by
# handed_at, a shard at a time, skipping those another claim holds, and
# returns them with their tables; ack_handoffs() acknowledges and purges
pending=$(DB=dist q 0 -c "SELECT count(*) FROM leadqual.handoff WHERE acked_at IS NULL AND claimed_at IS NULL")
oldest=$(DB=dist q 0 -c "SELECT string_agg(h.lead_table::oid || ':' || h.lead_id, ' ' ORDER BY h.handed_at, h.id)
                         FROM (SELECT * FROM leadqual.handoff WHERE acked_at IS NULL ORDER BY handed_at, id LIMIT 5) AS h")
same "$(DB=dist q 0 -c "SELECT string_agg(lead_table::oid || ':' || lead_id, ' ' ORDER BY handed_at, id) FROM leadqual.claim_handoffs(5, '1 hour', 'w1')") $(DB=dist q 0 -c "SELECT count(*) FROM leadqual.handoff WHERE claimed_by = 'w1' AND lease_until > now()")" \
     "$oldest 5" "claim_handoffs() through the coordinator claims the oldest handoffs, and returns them with their tables' OIDs"
DB=dist psql -X -q -At -h "$base" -p "${ports[0]}" -U postgres -d dist \
    -c "BEGIN" -c "SELECT count(*) FROM leadqual.claim_handoffs(3, '1 hour', 'w2')" -c "SELECT pg_sleep(4)" -c "COMMIT" >"$base/w2.out" 2>&1 &
holder=$!
sleep 2
w3=$(DB=dist q 0 -c "SELECT count(*) FROM leadqual.claim_handoffs(1000, '1 hour', 'w3')")
wait $holder
same "$(head -1 "$base/w2.out") $w3 $(DB=dist q 0 -c "SELECT count(*) FROM leadqual.handoff WHERE claims > 1 OR (acked_at IS NULL AND claimed_at IS NULL)")" \
     "3 $((pending - 8)) 0" "a claim meanwhile skips the handoffs an open claim holds, and takes every other: no handoff claimed twice"
total=$(DB=dist q 0 -c "SELECT count(*) FROM leadqual.handoff")
same "$(DB=dist q 0 -c "SELECT leadqual.ack_handoffs(ARRAY(SELECT id FROM leadqual.handoff WHERE claimed_by = 'w1'))") $(DB=dist q 0 -c "SET leadqual.handoff_retention = 0" -c "SELECT leadqual.ack_handoffs(ARRAY(SELECT id FROM leadqual.handoff WHERE claimed_by = 'w2'))") $(DB=dist q 0 -c "SELECT count(*) FROM leadqual.handoff")" \
     "5 3 $((total - 8))" "ack_handoffs() acknowledges handoffs on every shard, and purges those past leadqual.handoff_retention"

# leadqual's row-level security on the workers: a row names its table by
# the coordinator's OID, which each worker maps to its own shell of it
leads_oid=$(DB=dist q 0 -c "SELECT 'leads'::regclass::oid")
DB=dist q 0 -c "CREATE ROLE rep LOGIN" -c "GRANT SELECT ON leads TO rep" >/dev/null
seen="SELECT count(*) FILTER (WHERE lead_table::oid = $leads_oid) || ' ' || count(*) FILTER (WHERE lead_table::oid <> $leads_oid) FROM leadqual.transition;
      SELECT count(*) FILTER (WHERE lead_table::oid = $leads_oid) || ' ' || count(*) FILTER (WHERE lead_table::oid <> $leads_oid) FROM leadqual.sla_clock;
      SELECT count(*) FROM leadqual.event"
same "$(DB=dist q 0 -c "SET ROLE rep" -c "$seen" | paste -sd' ')" \
     "$(DB=dist q 0 -c "$seen" | paste -sd' ' | awk '{ print $1, 0, $3, 0, 0 }')" \
     "on the workers, leadqual's policies show a role the rows of the leads tables it may read, and none of the others'"
DB=dist q 0 -c "ALTER TABLE leads ENABLE ROW LEVEL SECURITY" -c "CREATE POLICY some ON leads USING (tenant = 1)" >/dev/null
same "$(DB=dist q 0 -c "SET ROLE rep" -c "$seen" | paste -sd' ')" "0 0 0 0 0" \
     "a role the leads table's own policies restrict sees none of leadqual's rows of it on Citus (docs/scale-out.md)"

# a new SLA policy reaches the workers' backends that cached the policies
policy_added() {
    DB=$1 q 0 -c "UPDATE leads SET score = 85 WHERE id = 33" \
              -c "INSERT INTO leadqual.sla_policy (name, stage, target, calendar) VALUES ('mql_fast', 'mql', '1 hour', '24x7')" \
              -c "UPDATE leads SET score = 85 WHERE id BETWEEN 34 AND 38" \
              -c "SELECT policy || ':' || count(*) FROM leadqual.sla_clock WHERE lead_table = 'leads'::regclass GROUP BY policy ORDER BY policy" | paste -sd' '
}
same "$(policy_added dist)" "$(policy_added single)" \
     "an SLA policy added in a session whose workers cached the policies starts its clocks on the next promotions, as on one node"
