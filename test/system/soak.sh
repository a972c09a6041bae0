#!/usr/bin/env bash
# TAP: a soak.  pgbench runs 4 clients for SOAK_SECONDS (default 60) against
# two managed tables: one whose application writes scores (score changes,
# upserts of new and known leads, forward moves by hand, reject()) and one
# scored by a decaying model (track(), rescore(), title changes, reject()).
# Afterwards every lead's stage must be the to_stage of its last logged
# change, every lead's log must be an unbroken chain, no event may be lost
# and every stored score must be what its subtotals give.  Runs against the
# server the PG* variables point at.
set -uo pipefail
seconds=${SOAK_SECONDS:-60}
db=leadqual_soak
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1' EXIT

count=0
ok() {
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then echo "ok $count - $2"; else echo "not ok $count - $2"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" || { echo "Bail out! cannot create $db"; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION leadqual;
CREATE SCHEMA soak;
CREATE TABLE soak.leads (id int PRIMARY KEY, score int NOT NULL DEFAULT 0,
                         lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead',
                         owner text);
SELECT leadqual.manage('soak.leads', owner_column => 'owner');
INSERT INTO leadqual.owner (name) VALUES ('ann'), ('ben'), ('cat');
INSERT INTO leadqual.sla_policy (name, stage, target, calendar, stops_on)
VALUES ('soak_mql', 'mql', '1 second', '24x7', 'first_touch'),
       ('soak_sal', 'sal', '1 hour', '24x7', 'either');
INSERT INTO soak.leads (id, score) SELECT g, g % 50 FROM generate_series(1, 500) AS g;

CREATE TABLE soak.scored (id int PRIMARY KEY, title text, company_size int, industry text,
                          score numeric NOT NULL DEFAULT 0,
                          lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
SELECT leadqual.copy_model('default', 'soak');
UPDATE leadqual.model SET scale = 2, threshold = 60 WHERE name = 'soak';
UPDATE leadqual.engagement_rule SET half_life = '10 minutes' WHERE model = 'soak';
SELECT leadqual.manage('soak.scored', model => 'soak');
INSERT INTO soak.scored (id, title, company_size, industry)
SELECT g, (ARRAY['CEO', 'VP Sales', 'Engineer', 'Head of IT'])[1 + g % 4], g, 'software'
FROM generate_series(1, 300) AS g;
SQL
ok $? "the soak table is set up"

cat > "$work/score.sql" <<'SQL'
\set id random(1, 600)
\set delta random(-15, 15)
UPDATE soak.leads SET score = greatest(0, score + :delta) WHERE id = :id;
SQL
cat > "$work/upsert.sql" <<'SQL'
\set id random(1, 600)
\set score random(0, 80)
INSERT INTO soak.leads (id, score) VALUES (:id, :score)
ON CONFLICT (id) DO UPDATE SET score = EXCLUDED.score;
SQL
cat > "$work/accept.sql" <<'SQL'
\set id random(1, 600)
UPDATE soak.leads SET lifecycle_stage = 'sal' WHERE id = :id AND lifecycle_stage = 'mql';
SQL
cat > "$work/reject.sql" <<'SQL'
\set id random(1, 500)
SELECT leadqual.reject('soak.leads', ':id', 'recycled', 'bad_timing');
SQL
cat > "$work/disqualify.sql" <<'SQL'
\set id random(1, 500)
SELECT leadqual.reject('soak.leads', ':id', 'disqualified', 'not_icp');
SQL

cat > "$work/touch.sql" <<'SQL'
\set id random(1, 500)
SELECT leadqual.touch('soak.leads', ':id', 'call');
SQL
cat > "$work/reassign.sql" <<'SQL'
\set id random(1, 500)
\set who random(1, 3)
UPDATE soak.leads SET owner = (ARRAY['ann', 'ben', 'cat'])[:who] WHERE id = :id;
SQL

cat > "$work/track.sql" <<'SQL'
\set id random(1, 300)
\set kind random(1, 4)
SELECT leadqual.track('soak.scored', ':id',
                      (ARRAY['pricing_page_view', 'webinar_attended', 'whitepaper_download', 'email_open'])[:kind]);
SQL
cat > "$work/rescore.sql" <<'SQL'
SELECT leadqual.rescore('soak.scored');
SQL
cat > "$work/retitle.sql" <<'SQL'
\set id random(1, 300)
\set title random(1, 4)
UPDATE soak.scored SET title = (ARRAY['CEO', 'Director of Sales', 'Student', 'Manager'])[:title] WHERE id = :id;
SQL
cat > "$work/reject_scored.sql" <<'SQL'
\set id random(1, 300)
SELECT leadqual.reject('soak.scored', ':id', 'recycled', 'no_budget');
SQL

pgbench -n -c 4 -j 2 -T "$seconds" -d "$db" \
    -f "$work/score.sql@10" -f "$work/upsert.sql@4" -f "$work/accept.sql@2" \
    -f "$work/reject.sql@2" -f "$work/disqualify.sql@1" \
    -f "$work/track.sql@10" -f "$work/rescore.sql@1" -f "$work/retitle.sql@2" \
    -f "$work/reject_scored.sql@1" -f "$work/touch.sql@3" -f "$work/reassign.sql@1" \
    > "$work/pgbench.out" 2>&1
status=$?
grep -E "^number of transactions actually processed|aborted|ERROR" "$work/pgbench.out" | sed 's/^/# /'
ok $status "pgbench ran $seconds s with 4 clients and no client aborted"

transactions=$(awk -F': ' '/^number of transactions actually processed/ { split($2, a, "/"); print a[1] }' "$work/pgbench.out")
[ "${transactions:-0}" -gt 0 ]
ok $? "the soak did work (${transactions:-0} transactions)"

for t in soak.leads soak.scored; do
[ "$(q "SELECT count(*) FROM $t AS l
         LEFT JOIN LATERAL (SELECT t.to_stage FROM leadqual.transition AS t
                            WHERE t.lead_table = '$t'::regclass AND t.lead_id = l.id::text
                            ORDER BY t.id DESC LIMIT 1) AS last ON true
         WHERE last.to_stage IS DISTINCT FROM l.lifecycle_stage")" = 0 ]
ok $? "$t: every lead's stage is the to_stage of its last logged change"
done

for t in soak.leads soak.scored; do
[ "$(q "SELECT count(*) FROM (
           SELECT t.from_stage,
                  lag(t.to_stage) OVER (PARTITION BY t.lead_id ORDER BY t.id) AS previous,
                  row_number() OVER (PARTITION BY t.lead_id ORDER BY t.id) AS n
           FROM leadqual.transition AS t WHERE t.lead_table = '$t'::regclass) AS c
         WHERE (c.n = 1 AND c.from_stage IS NOT NULL)
            OR (c.n > 1 AND c.from_stage IS DISTINCT FROM c.previous)")" = 0 ]
ok $? "$t: every lead's log is an unbroken chain from its insert"
done

[ "$(q "SELECT count(*) FROM soak.leads AS l WHERE NOT EXISTS (
           SELECT FROM leadqual.transition AS t
           WHERE t.lead_table = 'soak.leads'::regclass AND t.lead_id = l.id::text)")" = 0 ]
ok $? "every lead has a log, upserted ones included"

[ "$(q "SELECT count(*) FROM leadqual.transition AS t
         WHERE t.lead_table = 'soak.leads'::regclass AND t.from_stage IS NULL
         GROUP BY t.lead_id HAVING count(*) > 1" | wc -l)" = 0 ]
ok $? "no lead was logged as inserted twice (upserts that updated logged no insert)"

[ "$(q "SELECT count(*) FROM leadqual.transition AS t
         WHERE t.lead_table = 'soak.leads'::regclass
           AND t.to_stage IN ('recycled', 'disqualified') AND t.reason IS NULL")" = 0 ]
ok $? "every move into a detour carries its reason"

[ "$(q "SELECT count(DISTINCT via) FILTER (WHERE from_stage IS NOT NULL)
         FROM leadqual.transition WHERE lead_table = 'soak.leads'::regclass")" = 3 ] &&
[ "$(q "SELECT count(*) > 0 FROM leadqual.transition
         WHERE lead_table = 'soak.leads'::regclass AND from_stage = 'recycled' AND via = 'promotion'")" = t ]
ok $? "the soak made promotions, manual moves and rejections, and re-qualified recycled leads"

tracked=$(awk '/^SQL script 6:/ { want = 1 } want && /- [0-9]+ transactions/ { print $2; exit }' "$work/pgbench.out")
# pgbench does not count a transaction still running when time is up, but
# the server may commit it: one more event per client at most.
events=$(q "SELECT count(*) FROM leadqual.event WHERE lead_table = 'soak.scored'::regclass")
[ -n "$tracked" ] && [ "$events" -ge "$tracked" ] && [ "$events" -le $((tracked + 4)) ]
ok $? "every tracked event is stored (${tracked:-?} track() calls counted by pgbench, $events events)"

[ "$(q "SELECT count(*) FROM leadqual.lead_score AS s
         WHERE s.lead_table = 'soak.scored'::regclass
           AND s.engagement <> (SELECT coalesce(sum(p.points), 0)
                                FROM leadqual._engagement_points(s.lead_table, s.engagement_as_of) AS p
                                WHERE p.lead_id = s.lead_id)")" = 0 ]
ok $? "every stored engagement counts every event up to the time it was computed: none lost"

[ "$(q "SELECT count(*) FROM soak.scored AS l
         JOIN leadqual.lead_score AS s ON s.lead_table = 'soak.scored'::regclass AND s.lead_id = l.id::text
         WHERE l.score <> s.fit + s.engagement OR s.score <> l.score
            OR s.fit <> leadqual._fit('soak.scored', l)")" = 0 ]
ok $? "every scored lead's score is its fit plus its engagement, and its fit matches its row"

[ "$(q "SELECT count(*) FROM leadqual.score_change AS c WHERE c.lead_table = 'soak.scored'::regclass
         AND c.previous_score IS NOT DISTINCT FROM c.score")" = 0 ]
ok $? "the score history holds only real changes"

[ "$(q "SELECT count(*) FROM soak.leads AS l
         WHERE l.lifecycle_stage IN ('mql', 'sal') AND l.owner IS NULL
           AND EXISTS (SELECT FROM leadqual.owner AS o
                       WHERE NOT EXISTS (SELECT FROM leadqual.transition AS t
                                         WHERE t.lead_table = 'soak.leads'::regclass AND t.lead_id = l.id::text
                                           AND t.to_stage IN ('recycled', 'disqualified') AND t.owner = o.name))")" = 0 ]
ok $? "every lead handed to sales has an owner, unless every owner rejected it before"
[ "$(q "SELECT count(*) FROM soak.leads AS l
         WHERE l.lifecycle_stage IN ('mql', 'sal')
           AND EXISTS (SELECT FROM leadqual.transition AS t
                       WHERE t.lead_table = 'soak.leads'::regclass AND t.lead_id = l.id::text
                         AND t.to_stage IN ('recycled', 'disqualified') AND t.owner = l.owner)
           AND l.owner = (SELECT a.owner FROM leadqual.assignment AS a
                          WHERE a.lead_table = 'soak.leads'::regclass AND a.lead_id = l.id::text
                          ORDER BY a.id DESC LIMIT 1)
           AND (SELECT a.via FROM leadqual.assignment AS a
                WHERE a.lead_table = 'soak.leads'::regclass AND a.lead_id = l.id::text
                ORDER BY a.id DESC LIMIT 1) = 'round_robin'")" = 0 ]
ok $? "round-robin never handed a lead to an owner who had rejected it"
[ "$(q "SELECT count(*) FROM soak.leads AS l
         WHERE l.owner IS DISTINCT FROM (SELECT a.owner FROM leadqual.assignment AS a
                                         WHERE a.lead_table = 'soak.leads'::regclass AND a.lead_id = l.id::text
                                         ORDER BY a.id DESC LIMIT 1)")" = 0 ]
ok $? "every lead's owner is the last one its assignment log shows"
[ "$(q "SELECT count(*) FROM leadqual.sla_clock AS c
         WHERE c.lead_table = 'soak.leads'::regclass AND c.stopped_at IS NULL
           AND EXISTS (SELECT FROM leadqual.touch AS t
                       WHERE t.lead_table = c.lead_table AND t.lead_id = c.lead_id
                         AND t.touched_at >= c.started_at)")" = 0 ]
ok $? "no SLA clock is left open after a touch of its lead: touches racing promotions are not lost"
[ "$(q "SELECT count(*) FROM leadqual.sla_clock AS c
         WHERE c.lead_table = 'soak.leads'::regclass
           AND (c.due_at IS DISTINCT FROM leadqual.business_time_add(c.calendar, c.started_at, c.target)
                OR (c.stopped_at IS NOT NULL
                    AND c.business_time <> leadqual.business_time_between(c.calendar, c.started_at, c.stopped_at)))")" = 0 ]
ok $? "every clock's due time and business time agree with the calendar"
[ "$(q "SELECT count(*) FROM (SELECT entry_id, policy FROM leadqual.sla_clock GROUP BY 1, 2 HAVING count(*) > 1) AS d")" = 0 ] &&
[ "$(q "SELECT count(*) FROM leadqual.sla_clock AS c
         WHERE c.lead_table = 'soak.leads'::regclass AND c.stage = 'mql'
           AND NOT EXISTS (SELECT FROM leadqual.transition AS t WHERE t.id = c.entry_id AND t.to_stage = 'mql')")" = 0 ]
ok $? "one clock per stage entry and policy, each tied to its entry in the log"

echo "1..$count"
