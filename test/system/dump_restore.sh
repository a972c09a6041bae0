#!/usr/bin/env bash
# TAP: what leadqual holds survives pg_dump and pg_restore into a fresh
# database, and keeps working there.  Runs against the server the PG*
# variables point at; tools/suites runs it.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=leadqual_dump_src
dst=leadqual_dump_dst
dump=$(mktemp)
trap 'rm -f "$dump"; dropdb --if-exists "$src" >/dev/null 2>&1; dropdb --if-exists "$dst" >/dev/null 2>&1' EXIT

count=0
ok() {   # ok CONDITION-EXIT-STATUS DESCRIPTION
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then echo "ok $count - $2"; else echo "not ok $count - $2"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
same() {   # same DESCRIPTION QUERY: the query answers alike in both databases
    local a b
    a=$(q "$src" "$2") && b=$(q "$dst" "$2")
    [ -n "$a" ] && [ "$a" = "$b" ]
    ok $? "$1"
}

dropdb --if-exists "$src" >/dev/null 2>&1
dropdb --if-exists "$dst" >/dev/null 2>&1
createdb "$src" && createdb "$dst" || { echo "Bail out! cannot create databases"; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 -d "$src" -f "$here/dump_restore_fixture.sql" >/dev/null
ok $? "the fixture runs"

pg_dump -Fc -d "$src" -f "$dump"
ok $? "pg_dump succeeds"
pg_restore --exit-on-error -d "$dst" "$dump"
ok $? "pg_restore into a fresh database succeeds without errors"

same "the transition log is the same, row for row" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', id, lead_table, lead_id, from_stage, to_stage, score, changed_at, changed_by, reason, via), E'\n' ORDER BY id) FROM leadqual.transition"
same "rejection reasons: the seeded ones once, the added one kept" \
    "SELECT string_agg(format('%s|%s|%s', code, description, builtin), ',' ORDER BY code) FROM leadqual.rejection_reason"
same "the managed tables and their settings are the same" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s', leads, id_column, score_column, stage_column, threshold, promote_to, enabled), ',' ORDER BY leads::text) FROM leadqual.managed"
same "the leads are the same" \
    "SELECT string_agg(format('%s|%s|%s', id, score, lifecycle_stage), ',' ORDER BY id) FROM crm.leads"
same "the partitioned leads are the same, in the same partitions" \
    "SELECT string_agg(format('%s|%s|%s|%s', tableoid::regclass, id, region, lifecycle_stage), ',' ORDER BY id) FROM crm.regional"
same "the stage history is the same" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s|%s', lead_table, lead_id, stage, entered_at, left_at, visit), ',' ORDER BY transition_id) FROM leadqual.stage_history"

same "models: the seeded one once, the user's kept" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s', name, threshold, scale, promote_to, builtin), ',' ORDER BY name) FROM leadqual.model"
same "fit rules: seeded ones once, the user's kept" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s', model, name, operator, points, builtin), ',' ORDER BY model, name) FROM leadqual.fit_rule"
same "engagement rules: seeded ones once, the user's kept" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s', model, name, points, half_life, builtin), ',' ORDER BY model, name) FROM leadqual.engagement_rule"
same "the events are the same, row for row" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s|%s', id, lead_table, lead_id, kind, occurred_at, properties), ',' ORDER BY id) FROM leadqual.event"
same "the score subtotals are the same" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s|%s', lead_table, lead_id, fit, engagement, score, engagement_as_of), ',' ORDER BY lead_table::text, lead_id) FROM leadqual.lead_score"
same "the score history is the same" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s', id, lead_id, previous_score, score, fit, engagement, changed_at), ',' ORDER BY id) FROM leadqual.score_change"
same "the scored leads are the same" \
    "SELECT string_agg(format('%s|%s|%s', id, score, lifecycle_stage), ',' ORDER BY id) FROM crm.scored"
same "the users' calendars, hours and holidays are the same (built-ins not doubled)" \
    "SELECT string_agg(format('%s|%s|%s', c.name, c.time_zone, c.builtin), ',' ORDER BY c.name) || ';' || (SELECT string_agg(format('%s|%s|%s|%s', calendar, weekday, opens, closes), ',' ORDER BY calendar, weekday, opens) FROM leadqual.business_hours) || ';' || (SELECT string_agg(format('%s|%s|%s|%s', calendar, day, closed_from, closed_until), ',' ORDER BY calendar, day) FROM leadqual.holiday) FROM leadqual.calendar AS c"
same "the SLA policies are the same" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s', name, stage, target, calendar, starts_on, stops_on, builtin), ',' ORDER BY name) FROM leadqual.sla_policy"
same "the owners, the tables they take leads of, and their round-robin turns are the same" \
    "SELECT string_agg(format('%s|%s|%s|%s', name, weight, calendar, lead_tables), ',' ORDER BY name) || ';' || (SELECT string_agg(format('%s|%s|%s|%s', id, owner, turn_start, turn_end), ',' ORDER BY id) FROM leadqual.owner_turn) FROM leadqual.owner"
same "the assignments are the same" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s', id, lead_id, owner, assigned_at, via), ',' ORDER BY id) FROM leadqual.assignment"
same "the touches are the same" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s', id, lead_id, kind, touched_at, actor), ',' ORDER BY id) FROM leadqual.touch"
same "the SLA clocks are the same" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s|%s', id, policy, lead_id, owner, started_at, due_at, stopped_at, stopped_by, business_time), ',' ORDER BY id) FROM leadqual.sla_clock"
same "the clocks' rollup and its state are the same, and every stopped clock is folded" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s', lead_table, policy, owner, day, week, clocks, wait_times), ',' ORDER BY lead_table::text, policy, owner, day) || ';' || (SELECT format('%s|%s', time_zone, week_start) FROM leadqual.rollup_state) || ';' || (SELECT count(*) FILTER (WHERE folded) || '/' || count(*) FILTER (WHERE stopped_at IS NOT NULL) FROM leadqual.sla_clock) FROM leadqual.sla_clock_day"
same "the funnel's rollup, and how far it folded the log, are the same" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s', lead_table::text, day, furthest, entered, leads), ',' ORDER BY lead_table::text, day, furthest, entered) || ';' || (SELECT count(*) FROM leadqual.funnel_shape) || ';' || (SELECT funnel_folded_through FROM leadqual.rollup_state) FROM leadqual.funnel_day"
same "the handed-over leads and their owners are the same" \
    "SELECT string_agg(format('%s|%s|%s', id, owner, lifecycle_stage), ',' ORDER BY id) FROM crm.handed"

# Behaviour after the restore.
q "$dst" "UPDATE crm.leads SET score = 90 WHERE id = 5" >/dev/null
[ "$(q "$dst" "SELECT lifecycle_stage FROM crm.leads WHERE id = 5")" = mql ]
ok $? "a lead is still promoted after the restore (threshold 40 kept)"
[ "$(q "$dst" "SELECT via || ' ' || from_stage || '>' || to_stage FROM leadqual.transition WHERE lead_id = '5' ORDER BY id DESC LIMIT 1")" = "promotion lead>mql" ]
ok $? "and the promotion is logged"
[ "$(q "$dst" "SELECT max(id) > (SELECT max(id) FROM leadqual.transition WHERE lead_id <> '5') FROM leadqual.transition WHERE lead_id = '5'")" = t ]
ok $? "the log's sequence continues after the restored rows"
q "$dst" "SELECT leadqual.reject('crm.leads', '5', 'disqualified', 'wrong_region')" >/dev/null
[ "$(q "$dst" "SELECT reason || ' ' || via FROM leadqual.transition ORDER BY id DESC LIMIT 1")" = "wrong_region rejection" ]
ok $? "the restored user-added reason works with reject()"
q "$dst" "INSERT INTO crm.regional VALUES (9, 'us', 70)" >/dev/null
[ "$(q "$dst" "SELECT lead_table || ' ' || to_stage FROM leadqual.transition ORDER BY id DESC LIMIT 1")" = "crm.regional mql" ]
ok $? "a restored partitioned table still logs under its own name"
[ "$(q "$dst" "SELECT count(*) FROM leadqual.transition")" = "$(( $(q "$src" "SELECT count(*) FROM leadqual.transition") + 3 ))" ]
ok $? "the restore itself logged nothing: only the three new changes were added"

q "$dst" "UPDATE crm.handed SET score = 70 WHERE id = 5" >/dev/null
[ "$(q "$dst" "SELECT owner FROM crm.handed WHERE id = 5")" = "$(q "$src" "UPDATE crm.handed SET score = 70 WHERE id = 5 RETURNING owner")" ]
ok $? "round-robin continues after the restore where it left off"
[ "$(q "$dst" "SELECT count(*) FROM leadqual.sla_clock WHERE lead_table = 'crm.handed'::regclass AND lead_id = '5'")" = 2 ]
ok $? "and the promotion starts the restored policies' clocks"
q "$dst" "SELECT leadqual.touch('crm.handed', '3')" >/dev/null
[ "$(q "$dst" "SELECT string_agg(DISTINCT stopped_by::text, ',') FROM leadqual.sla_clock WHERE lead_table = 'crm.handed'::regclass AND lead_id = '3'")" = touch ]
ok $? "a touch after the restore stops the restored clocks"
q "$dst" "SELECT leadqual.track('crm.scored', '1', 'demo_request')" >/dev/null
[ "$(q "$dst" "SELECT score || ' ' || lifecycle_stage FROM crm.scored WHERE id = 1")" = "110.00 mql" ]
ok $? "the restored model still scores a tracked event and promotes"
[ "$(q "$dst" "SELECT count(*) FROM leadqual.score_change WHERE lead_id = '1'")" = "$(( $(q "$src" "SELECT count(*) FROM leadqual.score_change WHERE lead_id = '1'") + 1 ))" ]
ok $? "and its score history continues"
[ "$(q "$dst" "SELECT sum(points) FROM leadqual.explain('crm.scored', '2')")" = "$(q "$dst" "SELECT score FROM crm.scored WHERE id = 2")" ]
ok $? "explain() adds up to the restored score"

# History imported before the dump: restored as it was, and an import of the
# same rows into the restored database adds nothing.
same "the imported history is the same, via import, with its owners" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s', lead_id, to_stage, changed_at, via, owner), ',' ORDER BY id) FROM leadqual.transition WHERE lead_table = 'crm.imported'::regclass"
same "the replayed clocks of the imported history are the same" \
    "SELECT string_agg(format('%s|%s|%s|%s|%s|%s', policy, lead_id, owner, due_at, stopped_by, business_time), ',' ORDER BY id) FROM leadqual.sla_clock WHERE lead_table = 'crm.imported'::regclass"
[ "$(q "$dst" "SELECT string_agg(format('%s %s', imported, skipped), ',') FROM leadqual.import_history('crm.imported', 'crm.imported_transitions', 'crm.imported_owners', 'crm.imported_touches')")" = "0 4,0 1,0 1,0 0" ]
ok $? "importing the same history into the restored database adds nothing"

echo "1..$count"
