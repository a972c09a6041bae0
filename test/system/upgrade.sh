#!/usr/bin/env bash
# TAP: a fresh CREATE EXTENSION leadqual, which runs the full script of the
# default version, gives exactly the catalog that every upgrade path gives:
# CREATE EXTENSION leadqual VERSION 'X' then ALTER EXTENSION leadqual UPDATE,
# for every older version X, each in its own database (extension_catalog.sql
# says what is compared; a difference is printed as a diff).  Then data
# written under the oldest version, and under the version before the
# newest, survives the update and keeps working.  Runs against the server
# the PG* variables point at; tools/suites runs it.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prefix=leadqual_upgrade
work=$(mktemp -d)
databases=()
cleanup() {
    rm -rf "$work"
    for d in "${databases[@]}"; do dropdb --if-exists "$d" >/dev/null 2>&1; done
}
trap cleanup EXIT

count=0
failed=0
ok() {   # ok CONDITION-EXIT-STATUS DESCRIPTION
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $count - $2"
    else
        echo "not ok $count - $2"
        failed=$((failed + 1))
    fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
new_database() {   # new_database NAME: an empty database, dropped on exit
    databases+=("$1")
    dropdb --if-exists "$1" >/dev/null 2>&1
    createdb "$1" || { echo "Bail out! cannot create database $1"; exit 1; }
}
catalog() {   # catalog DATABASE: what the extension put there, as text
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -f "$here/extension_catalog.sql"
}

# The versions, oldest first, as the server finds them among the installed
# scripts (the full scripts and the update scripts), and the default one.
versions=$(q postgres "SELECT version FROM pg_available_extension_versions WHERE name = 'leadqual'" | sort -V)
newest=$(q postgres "SELECT default_version FROM pg_available_extensions WHERE name = 'leadqual'")
older=$(grep -vxF "$newest" <<<"$versions")
oldest=$(head -n 1 <<<"$older")
previous=$(tail -n 1 <<<"$older")
[ -n "$oldest" ] && [ -n "$newest" ] && grep -qxF "$newest" <<<"$versions"
ok $? "versions found: $(echo $versions), default $newest"

# A fresh install of the newest version.
fresh=${prefix}_fresh
new_database "$fresh"
{
    q "$fresh" "CREATE EXTENSION leadqual" &&
    [ "$(q "$fresh" "SELECT extversion FROM pg_extension WHERE extname = 'leadqual'")" = "$newest" ] &&
    catalog "$fresh" > "$work/fresh"
} > "$work/fresh.log" 2>&1
status=$?
[ $status -ne 0 ] && sed 's/^/# /' "$work/fresh.log" | head -n 20
members=$(grep -c '^member ' "$work/fresh" 2>/dev/null)
[ $status -eq 0 ] && [ "${members:-0}" -gt 50 ]
ok $? "a fresh install of $newest: ${members:-no} members, $(cat "$work/fresh" 2>/dev/null | wc -l) lines of catalog"

# Every upgrade path, each in its own database, against the fresh install.
for v in $older; do
    db=${prefix}_from_${v//./_}
    new_database "$db"
    {
        q "$db" "CREATE EXTENSION leadqual VERSION '$v'" &&
        q "$db" "ALTER EXTENSION leadqual UPDATE" &&
        [ "$(q "$db" "SELECT extversion FROM pg_extension WHERE extname = 'leadqual'")" = "$newest" ] &&
        catalog "$db" > "$work/from_$v"
    } > "$work/from_$v.log" 2>&1
    status=$?
    if [ $status -ne 0 ]; then
        sed 's/^/# /' "$work/from_$v.log" | head -n 20
    else
        diff -u --label "fresh install of $newest" --label "$v updated to $newest" \
            "$work/fresh" "$work/from_$v" > "$work/from_$v.diff"
        status=$?
        if [ $status -ne 0 ]; then
            sed 's/^/# /' "$work/from_$v.diff" | head -n 300
            [ "$(wc -l < "$work/from_$v.diff")" -gt 300 ] &&
                echo "# ... $(wc -l < "$work/from_$v.diff") lines of diff in all"
        fi
    fi
    ok $status "CREATE EXTENSION leadqual VERSION '$v', then ALTER EXTENSION leadqual UPDATE: the same catalog as a fresh install"
done

# Data written under the oldest version, updated one version at a time.
old=${prefix}_data_oldest
new_database "$old"
psql -X -q -v ON_ERROR_STOP=1 -d "$old" >/dev/null <<SQL
CREATE EXTENSION leadqual VERSION '$oldest';
CREATE TABLE leads (id int PRIMARY KEY, title text, company_size int, industry text,
                    score int NOT NULL DEFAULT 0,
                    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('leads', threshold => 40);
INSERT INTO leadqual.rejection_reason (code, description) VALUES ('too_small', 'Company too small');
INSERT INTO leads (id, score) VALUES (1, 10), (2, 50), (3, 45);
UPDATE leads SET lifecycle_stage = 'sql' WHERE id = 2;
SELECT leadqual.reject('leads', '3', 'recycled', 'too_small');
SQL
ok $? "version $oldest installs and logs changes"
before=$(q "$old" "SELECT string_agg(format('%s|%s|%s|%s|%s|%s', id, lead_id, from_stage, to_stage, reason, via), ',' ORDER BY id) FROM leadqual.transition")

step_ok=0
for v in $(grep -vxF "$oldest" <<<"$versions"); do
    q "$old" "ALTER EXTENSION leadqual UPDATE TO '$v'" >/dev/null || step_ok=1
done
[ "$(q "$old" "SELECT extversion FROM pg_extension WHERE extname = 'leadqual'")" = "$newest" ] && [ $step_ok -eq 0 ]
ok $? "ALTER EXTENSION UPDATE steps from $oldest to $newest, one version at a time"

[ "$(q "$old" "SELECT string_agg(format('%s|%s|%s|%s|%s|%s', id, lead_id, from_stage, to_stage, reason, via), ',' ORDER BY id) FROM leadqual.transition")" = "$before" ]
ok $? "the transition log written under $oldest is unchanged"
[ "$(q "$old" "SELECT format('%s|%s|%s', threshold, promote_to, model) FROM leadqual.managed")" = "40|mql|" ]
ok $? "the managed table keeps its threshold settings"
q "$old" "UPDATE leads SET score = 45 WHERE id = 1" >/dev/null
[ "$(q "$old" "SELECT via || ' ' || to_stage FROM leadqual.transition ORDER BY id DESC LIMIT 1")" = "promotion mql" ]
ok $? "a promotion after the update is logged"
q "$old" "SELECT leadqual.reject('leads', '1', 'recycled', 'too_small')" >/dev/null
ok $? "the reason added under $oldest still works with reject()"
q "$old" "SELECT leadqual.manage('leads', model => 'default')" >/dev/null
ok $? "the table can switch to the default scoring model"
q "$old" "SELECT leadqual.track('leads', '2', 'demo_request')" >/dev/null
[ "$(q "$old" "SELECT score FROM leads WHERE id = 2")" = 50 ]
ok $? "and track() scores its leads"
[ "$(q "$old" "SELECT lifecycle_stage FROM leads WHERE id = 2")" = sql ]
ok $? "without moving a lead backward"

# From the version before the newest: a table scored by a model, written
# to by this library before the update (it must log as that version did),
# then handed to sales once updated.
prev=${prefix}_data_previous
new_database "$prev"
psql -X -q -v ON_ERROR_STOP=1 -d "$prev" >/dev/null <<SQL
CREATE EXTENSION leadqual VERSION '$previous';
CREATE TABLE leads (id int PRIMARY KEY, title text, company_size int, industry text, owner text,
                    score int NOT NULL DEFAULT 0,
                    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('leads', model => 'default');
INSERT INTO leads (id, title) VALUES (1, 'CEO'), (2, 'Intern'), (3, 'VP Sales');
SELECT leadqual.track('leads', '1', 'demo_request');
SQL
ok $? "version $previous installs, scores and promotes with this library"
[ "$(q "$prev" "SELECT format('%s|%s', score, lifecycle_stage) FROM leads WHERE id = 1")" = "70|mql" ]
ok $? "a lead promoted under $previous"
q "$prev" "ALTER EXTENSION leadqual UPDATE TO '$newest'" >/dev/null
ok $? "ALTER EXTENSION UPDATE from $previous to $newest"
[ "$(q "$prev" "SELECT count(*) FILTER (WHERE owner IS NULL) || '/' || count(*) FROM leadqual.transition")" = "4/4" ]
ok $? "the log written under $previous has no owners"
[ "$(q "$prev" "SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'leads'::regclass AND tgname LIKE 'leadqual_log_%'")" = "leadqual_log_delete,leadqual_log_insert,leadqual_log_truncate,leadqual_log_update" ]
ok $? "the update attaches the deletion triggers to the table managed under $previous"
q "$prev" "DELETE FROM leads WHERE id = 2" >/dev/null
[ "$(q "$prev" "SELECT string_agg(format('%s|%s|%s', from_stage, to_stage IS NULL, lead_id LIKE 'deleted:%:2'), ',') FROM leadqual.transition WHERE via = 'deletion'")" = "lead|t|t" ]
ok $? "and a lead deleted once updated is retired"
psql -X -q -v ON_ERROR_STOP=1 -d "$prev" >/dev/null <<SQL
SELECT leadqual.manage('leads', model => 'default', owner_column => 'owner');
INSERT INTO leadqual.owner (name) VALUES ('alice');
SELECT leadqual.track('leads', '3', 'demo_request');
SQL
[ "$(q "$prev" "SELECT format('%s|%s|%s', l.lifecycle_stage, l.owner, c.policy) FROM leads AS l JOIN leadqual.sla_clock AS c ON c.lead_id = '3' WHERE l.id = 3")" = "mql|alice|mql" ]
ok $? "after the update a promotion assigns an owner and starts the built-in SLA clock"
[ "$(q "$prev" "SELECT string_agg(format('%s|%s|%s', lead_id, via, owner), ',' ORDER BY id) FROM leadqual.handoff")" = "3|promotion|alice" ]
ok $? "and is written to the handoff outbox (the promotion made before the update is not)"

# Between installing this library and ALTER EXTENSION UPDATE, the library
# runs on the older schema, whose clocks still have foreign keys: stopping
# one queues their check, which reads the old row into a trigger slot that
# leadqual keeps for the transaction, and must not hold its buffer past the
# statement ("buffer refcount leak").
pinned=${prefix}_trigger_slots
new_database "$pinned"
psql -X -q -v ON_ERROR_STOP=1 -d "$pinned" >/dev/null <<SQL
CREATE EXTENSION leadqual VERSION '$previous';
CREATE TABLE leads (id int PRIMARY KEY, score int NOT NULL DEFAULT 0,
                    lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.manage('leads', threshold => 40);
INSERT INTO leads (id, score) VALUES (1, 45);
SQL
messages=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$pinned" -c "SELECT leadqual.reject('leads', '1', 'recycled', 'bad_timing')" 2>&1) &&
    [ "$(q "$pinned" "SELECT stopped_by FROM leadqual.sla_clock")" = stage_exit ] &&
    ! grep -q WARNING <<<"$messages"
ok $? "on a $previous schema, stopping a clock (its foreign keys checked) holds no buffer past the statement"
[ -z "$messages" ] || sed 's/^/# /' <<<"$messages"

# A calendar whose zone is a POSIX string, accepted before 0.5.0: it stays,
# and the update to 0.5.0 warns about it, by name.  (The check is in the
# library, which refuses it now whatever the schema's version: the row is
# written as an older library let it be, with the triggers skipped.)
posix=${prefix}_posix_zone
new_database "$posix"
q "$posix" "CREATE EXTENSION leadqual VERSION '0.4.0'" >/dev/null &&
    psql -X -q -v ON_ERROR_STOP=1 -d "$posix" >/dev/null <<'SQL'
SET session_replication_role = replica;
INSERT INTO leadqual.calendar (name, time_zone) VALUES ('india_posix', '+05:30');
SQL
ok $? "a 0.4.0 database with a calendar in the POSIX zone '+05:30'"
warning=$(psql -X -q -v ON_ERROR_STOP=1 -d "$posix" -c "ALTER EXTENSION leadqual UPDATE TO '0.5.0'" 2>&1)
ok $? "the update to 0.5.0 keeps it"
grep -q 'WARNING:  leadqual: calendar "india_posix" has time zone "+05:30", which is not a zone of the time zone database' <<<"$warning"
ok $? "and warns, naming the calendar and its zone"
[ "$(q "$posix" "SELECT time_zone FROM leadqual.calendar WHERE name = 'india_posix'")" = "+05:30" ]
ok $? "whose zone stays until someone changes it"

echo "1..$count"
[ "$failed" -eq 0 ]
