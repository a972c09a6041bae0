#!/usr/bin/env bash
# TAP: updating leadqual step by step from the oldest shipped version gives
# the same catalog as a fresh install of the newest, and keeps the data
# written before the update working.  Runs against the server the PG*
# variables point at; tools/suites runs it.
set -uo pipefail
old=leadqual_upgrade_old
new=leadqual_upgrade_new
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$old" >/dev/null 2>&1; dropdb --if-exists "$new" >/dev/null 2>&1' EXIT

count=0
ok() {   # ok CONDITION-EXIT-STATUS DESCRIPTION
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then echo "ok $count - $2"; else echo "not ok $count - $2"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# The shipped versions, oldest first, from the install and upgrade scripts.
sharedir=$("${PG_CONFIG:-pg_config}" --sharedir)/extension
versions=$(ls "$sharedir"/leadqual--*.sql | sed -n 's/.*leadqual--\([0-9.]*\)--\([0-9.]*\)\.sql$/\1 \2/p' \
           | tr ' ' '\n' | sort -u -V)
oldest=$(head -n 1 <<<"$versions")
newest=$(q postgres "SELECT default_version FROM pg_available_extensions WHERE name = 'leadqual'")
[ -n "$oldest" ] && [ -n "$newest" ]
ok $? "shipped versions found: $(echo $versions), default $newest"

dropdb --if-exists "$old" >/dev/null 2>&1
dropdb --if-exists "$new" >/dev/null 2>&1
createdb "$old" && createdb "$new" || { echo "Bail out! cannot create databases"; exit 1; }

# Data written under the oldest version.
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

# Step by step to the newest.
step_ok=0
current=$oldest
for v in $versions; do
    [ "$(printf '%s\n%s\n' "$v" "$current" | sort -V | tail -n 1)" = "$current" ] && continue
    q "$old" "ALTER EXTENSION leadqual UPDATE TO '$v'" >/dev/null || step_ok=1
    current=$v
done
[ "$(q "$old" "SELECT extversion FROM pg_extension WHERE extname = 'leadqual'")" = "$newest" ] && [ $step_ok -eq 0 ]
ok $? "ALTER EXTENSION UPDATE steps from $oldest to $newest"

q "$new" "CREATE EXTENSION leadqual" >/dev/null
ok $? "a fresh install of $newest"

# The extension's objects, described the same way in both databases.
catalog_query=$(cat <<'SQL'
WITH members AS (
    SELECT d.classid, d.objid FROM pg_depend AS d
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
      AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'leadqual'))
SELECT string_agg(line, E'\n' ORDER BY line) FROM (
    SELECT format('function %s -> %s %s strict=%s %s secdef=%s config=%s acl=%s',
                  p.oid::regprocedure, pg_get_function_result(p.oid), p.provolatile,
                  p.proisstrict, p.proparallel, p.prosecdef, p.proconfig, p.proacl) AS line
    FROM pg_proc AS p JOIN members AS m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
    UNION ALL
    SELECT format('function body %s %s', p.oid::regprocedure, md5(p.prosrc))
    FROM pg_proc AS p JOIN members AS m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
    UNION ALL
    SELECT format('type %s %s %s', t.oid::regtype, t.typtype,
                  (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum AS e WHERE e.enumtypid = t.oid))
    FROM pg_type AS t JOIN members AS m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
    UNION ALL
    SELECT format('relation %s %s acl=%s', c.oid::regclass, c.relkind, c.relacl)
    FROM pg_class AS c JOIN members AS m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
    UNION ALL
    SELECT format('column %s.%s %s notnull=%s default=%s', c.oid::regclass, a.attname,
                  format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid))
    FROM pg_class AS c JOIN members AS m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
    JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef AS ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
    UNION ALL
    SELECT format('view %s %s', c.oid::regclass, md5(pg_get_viewdef(c.oid)))
    FROM pg_class AS c JOIN members AS m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
    WHERE c.relkind = 'v'
    UNION ALL
    SELECT format('index %s', pg_get_indexdef(i.indexrelid))
    FROM pg_index AS i JOIN members AS m ON m.classid = 'pg_class'::regclass AND m.objid = i.indrelid
    UNION ALL
    SELECT format('constraint %s %s', co.conrelid::regclass, pg_get_constraintdef(co.oid))
    FROM pg_constraint AS co JOIN members AS m ON m.classid = 'pg_class'::regclass AND m.objid = co.conrelid
    UNION ALL
    SELECT format('trigger %s %s', tg.tgrelid::regclass, pg_get_triggerdef(tg.oid))
    FROM pg_trigger AS tg JOIN members AS m ON m.classid = 'pg_class'::regclass AND m.objid = tg.tgrelid
    WHERE NOT tg.tgisinternal
    UNION ALL
    SELECT format('dumped %s %s', cfg.relid::regclass, cfg.condition)
    FROM pg_extension AS x,
         unnest(x.extconfig, x.extcondition) AS cfg(relid, condition)
    WHERE x.extname = 'leadqual'
    UNION ALL
    SELECT format('schema acl %s', n.nspacl) FROM pg_namespace AS n WHERE n.nspname = 'leadqual'
) AS catalog
SQL
)
q "$old" "$catalog_query" > "$work/old.catalog" 2>&1
q "$new" "$catalog_query" > "$work/new.catalog" 2>&1
diff -u "$work/new.catalog" "$work/old.catalog" > "$work/diff"
status=$?
[ $status -ne 0 ] && head -n 40 "$work/diff" | sed 's/^/# /'
[ -s "$work/new.catalog" ] && [ $status -eq 0 ]
ok $? "the updated catalog equals the fresh one: $(wc -l < "$work/new.catalog") functions, types, relations, columns, constraints, triggers, grants and pg_dump registrations"

# The data written before the update, and behaviour on it.
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
previous=$(grep -vx "$newest" <<<"$versions" | tail -n 1)
prev=leadqual_upgrade_previous
dropdb --if-exists "$prev" >/dev/null 2>&1
createdb "$prev" || { echo "Bail out! cannot create databases"; exit 1; }
trap 'rm -rf "$work"; for d in "$old" "$new" "$prev"; do dropdb --if-exists "$d" >/dev/null 2>&1; done' EXIT
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
psql -X -q -v ON_ERROR_STOP=1 -d "$prev" >/dev/null <<SQL
SELECT leadqual.manage('leads', model => 'default', owner_column => 'owner');
INSERT INTO leadqual.owner (name) VALUES ('alice');
SELECT leadqual.track('leads', '3', 'demo_request');
SQL
[ "$(q "$prev" "SELECT format('%s|%s|%s', l.lifecycle_stage, l.owner, c.policy) FROM leads AS l JOIN leadqual.sla_clock AS c ON c.lead_id = '3' WHERE l.id = 3")" = "mql|alice|mql" ]
ok $? "after the update a promotion assigns an owner and starts the built-in SLA clock"

echo "1..$count"
