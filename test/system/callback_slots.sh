#!/usr/bin/env bash
# TAP: leadqual next to other extensions that register relcache callbacks.
# A backend has ten relcache callback slots for PostgreSQL and every library
# it loads together, and registering an eleventh is FATAL ("out of
# relcache_callback_list slots"); PostgreSQL takes two (the plan cache and
# the type cache), Citus several.  The test library callback_slots.c, built
# here and never installed, is loaded first and takes slots, as such an
# extension would:
#   1. with all the slots but one taken, leadqual works in one session:
#      promotions are logged, assigned, clocked on a calendar of one's own
#      and handed off, rows are scored by a model, business time is counted;
#   2. in that session, the caches follow changes another session commits:
#      a holiday, a model's rule, a policy switched off, and leadqual
#      dropped and created again (every table and type anew);
#   3. with the last slot taken too, leadqual cannot load: the first test
#      left it exactly one.
# Runs against the server the PG* variables point at (tools/suites runs it
# inside pg_virtualenv), on the leadqual installed there.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
db=leadqual_callback_slots
work=$(mktemp -d)
chmod 755 "$work"          # the server, running as postgres, reads the library
trap 'rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1' EXIT

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

make -s -C "$here/../.." test/system/callback_slots.so >"$work/make.log" 2>&1 &&
    install -m 755 "$here/callback_slots.so" "$work/" ||
    { cat "$work/make.log"; echo "Bail out! cannot build test/system/callback_slots.so"; exit 1; }

# A session that loads the library first, taking $1 slots, then runs psql
# commands from standard input; prints what they print, errors included.
session() {
    { printf 'SET callback_slots.relcache = %d;\nLOAD %s;\n' "$1" "'$work/callback_slots.so'"; cat; } |
        psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" 2>&1
}
# A psql command that runs SQL in another session (on one line: \! takes one).
other() {
    printf '\\! PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d %s -c "%s" >/dev/null\n' \
        "$db" "${1//$'\n'/ }"
}

# leadqual on two tables: leads, with owners, whose promotions start clocks
# on a calendar of its own; scored, scored by a model.  (Run again once
# leadqual is dropped, which drops the stage columns with their type.)
setup=$(cat <<'SQL'
CREATE EXTENSION leadqual;
ALTER TABLE leads ADD COLUMN lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead';
ALTER TABLE scored ADD COLUMN lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead';
SELECT leadqual.manage('leads', owner_column => 'owner');
INSERT INTO leadqual.owner (name) VALUES ('amara'), ('ben');
SELECT leadqual.copy_calendar('weekdays_9_17', 'own');
INSERT INTO leadqual.sla_policy (name, target, calendar) VALUES ('own_mql', '4 hours', 'own');
SELECT leadqual.copy_model('default', 'size');
DELETE FROM leadqual.fit_rule WHERE model = 'size' AND name <> 'target_company_size';
SELECT leadqual.manage('scored', model => 'size');
SQL
)
dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" &&
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<<"
        CREATE TABLE leads (id int PRIMARY KEY, score int NOT NULL DEFAULT 0, owner text);
        CREATE TABLE scored (id int PRIMARY KEY, company_size int, score int NOT NULL DEFAULT 0);
        $setup" ||
    { echo "Bail out! cannot set up database $db"; exit 1; }

# What the session shows after each step, on four lines: both tables' leads,
# the log, the clocks on the calendar and the outbox, and a week of the
# calendar's business time.
state="SELECT string_agg(id || ':' || lifecycle_stage || ':' || coalesce(owner, '-'), ' ' ORDER BY id) FROM leads;
SELECT string_agg(id || ':' || lifecycle_stage || ':' || score, ' ' ORDER BY id) FROM scored;
SELECT (SELECT count(*) FROM leadqual.transition) || ' transitions, '
    || (SELECT count(*) FROM leadqual.sla_clock WHERE calendar = 'own') || ' clocks, '
    || (SELECT count(*) FROM leadqual.handoff) || ' handoffs';
SELECT leadqual.business_time_between('own', '2026-11-23 00:00+00', '2026-11-28 00:00+00');"

session 7 >"$work/session.out" <<EOF
INSERT INTO leads (id) SELECT generate_series(1, 4);
UPDATE leads SET score = 80 WHERE id <= 2;
INSERT INTO scored (id, company_size) VALUES (1, 100);
$state
$(other "INSERT INTO leadqual.holiday (calendar, day) VALUES ('own', '2026-11-25');
         UPDATE leadqual.fit_rule SET points = 60 WHERE model = 'size'")
INSERT INTO scored (id, company_size) VALUES (2, 100);
$state
$(other "UPDATE leadqual.sla_policy SET active = false WHERE name = 'own_mql'")
UPDATE leads SET score = 80 WHERE id = 3;
$state
$(other "DROP EXTENSION leadqual CASCADE; $setup")
UPDATE leads SET score = 80 WHERE id = 4;
$state
EOF
mapfile -t out <"$work/session.out"
same "${out[*]:0:4}" \
    "1:mql:amara 2:mql:ben 3:lead:- 4:lead:- 1:lead:15 7 transitions, 2 clocks, 2 handoffs 40:00:00" \
    "with all the relcache callback slots but one taken, leads are promoted, assigned, scored, clocked and handed off, and business time counted"
same "${out[*]:4:4}" \
    "1:mql:amara 2:mql:ben 3:lead:- 4:lead:- 1:lead:15 2:mql:60 8 transitions, 3 clocks, 3 handoffs 32:00:00" \
    "in that session, the calendar and the model follow another session's changes"
same "${out[*]:8:4}" \
    "1:mql:amara 2:mql:ben 3:mql:amara 4:lead:- 1:lead:15 2:mql:60 9 transitions, 3 clocks, 4 handoffs 32:00:00" \
    "so do the SLA policies"
same "${out[*]:12:4}" \
    "1:lead:amara 2:lead:ben 3:lead:amara 4:mql:amara 1:lead:15 2:lead:15 1 transitions, 1 clocks, 1 handoffs 40:00:00" \
    "and leadqual dropped and created again: every table, type and calendar is found anew"

# The last slot taken too: leadqual's library can't load.
out=$(session 8 <<<"SELECT leadqual.business_time_between('own', now(), now());")
grep -q 'FATAL:  out of relcache_callback_list slots' <<<"$out"
ok $? "with the last slot taken too, leadqual cannot load: the session above left it exactly one"
out=$(session 8 <<<"SELECT count(*) >= 0 FROM leads;")
same "$out" t "while a session that does not use leadqual runs"

echo "1..$count"
