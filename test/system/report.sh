#!/usr/bin/env bash
# TAP: leadqual_report, the HTML report command.  On the data of
# report_fixture.sql (history imported at fixed times, hostile owner and
# region names), it checks that the command installed in PostgreSQL's
# bindir writes a page that:
#   - loads nothing from anywhere (no scripts, links, images, URLs);
#   - Chromium renders, headless, to a PNG that is not blank (decoded by
#     report_check.py: non-white pixels, colours, the charts' blue), and
#     whose DOM has each chart's <svg> with marks drawn in it;
#   - shows an owner named like a <script> tag as text: no script element;
#   - prints, in its tables, the numbers the views give for the same data
#     (and, with --period and --dimension, the report functions), cell for
#     cell, as psql prints them; the chart totals equal sums over the views;
#   - honours --time-zone, --since and --until;
# and that a hostile --dimension or --table, an unmanaged table or a bad
# time zone fails with a message naming it, and writes nothing.
# Runs against the server the PG* variables point at; tools/suites runs it.
# LEADQUAL_REPORT names another leadqual_report to test (the working
# tree's, say).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
db=report_tap
work=$(mktemp -d)
chmod 755 "$work"
report=${LEADQUAL_REPORT:-$("${PG_CONFIG:-pg_config}" --bindir)/leadqual_report}
check() { /usr/bin/python3 "$here/report_check.py" "$@"; }
cleanup() {
    rm -rf "$work"
    dropdb --if-exists "$db" >/dev/null 2>&1
}
trap cleanup EXIT

count=0
ok() {   # ok CONDITION-EXIT-STATUS DESCRIPTION
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then echo "ok $count - $2"; else echo "not ok $count - $2"; fi
}
# query rows as report_check.py prints a table's: cells split by 0x1f,
# NULL empty
q() { psql -X -q -At -F $'\x1f' -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
# same_rows DESCRIPTION PAGE TABLE-ID QUERY [SETTING]: the page's table
# holds the query's rows (in any order), the query run after SETTING (a SET)
same_rows() {
    local printed expected
    printed=$(check table "$2" "$3" 2>/dev/null | sort)
    expected=$(q "${5:+$5; }$4" | sort)
    [ -n "$expected" ] && [ "$printed" = "$expected" ]
    if ! ok $? "$1"; then
        diff <(echo "$expected") <(echo "$printed") | head -n 20 | sed 's/^/#   /'
    fi
}
# fails_cleanly DESCRIPTION PATTERN ARGS...: leadqual_report with ARGS exits
# non-zero, says PATTERN (a grep -E) on standard error, and writes nothing
fails_cleanly() {
    local out=$work/never.html status
    rm -f "$out"
    "$report" -d "$db" -o "$out" "${@:3}" >"$work/fail.out" 2>"$work/fail.err"
    status=$?
    [ "$status" -ne 0 ] && grep -qE -- "$2" "$work/fail.err" && [ ! -e "$out" ] &&
        [ -z "$(ls -A "$work" | grep '^\.leadqual-report\.')" ]
    if ! ok $? "$1"; then
        echo "#   exit $status; stderr: $(head -c 400 "$work/fail.err")"
    fi
}
chromium_run() {   # chromium_run ARGS...: headless, as root in CI
    timeout -k 10 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --hide-scrollbars --user-data-dir="$work/chromium" "$@" 2>>"$work/chromium.log"
}

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" || { echo "Bail out! cannot create database $db"; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$here/report_fixture.sql" >"$work/fixture.out" 2>&1
ok $? "the fixture loads (history imported with import_history())" || cat "$work/fixture.out" | sed 's/^/#   /'
[ -x "$report" ]
ok $? "leadqual_report is installed as a command ($report)"

# --- the page, by default: every managed table, the views' periods -------------
page=$work/report.html
"$report" -d "$db" -o "$page" >"$work/run.out" 2>&1 && [ -s "$page" ] && grep -q "wrote $page" "$work/run.out"
ok $? "leadqual_report -d $db -o FILE writes the page and says where" || sed 's/^/#   /' "$work/run.out"

! grep -qiE '<script|<link|<img|<iframe|<object|<embed|src=|https?:|url\(|@import' "$page"
ok $? "the page loads nothing: no script, link, image or URL in it"

grep -qF '&lt;script&gt;alert(&quot;owner&quot;)&lt;/script&gt;' "$page"
ok $? "the owner named <script>alert(\"owner\")</script> is written escaped"

# Chromium: the screenshot, and the DOM it built
png=$work/report.png
chromium_run --screenshot="$png" --window-size=1280,4000 "file://$page" >/dev/null
read -r width height permille colours blue < <(check png "$png" 2>&1)
[ "${width:-0}" = 1280 ] && [ "${height:-0}" = 4000 ] && [ "${permille:-0}" -ge 20 ] &&
    [ "${colours:-0}" -ge 16 ] && [ "${blue:-0}" -ge 500 ]
ok $? "Chromium renders it to a PNG that is not blank (${width:-?}x${height:-?}: ${permille:-?}‰ non-white, ${colours:-?} colours, ${blue:-?} pixels of the charts' blue)" ||
    tail -n 5 "$work/chromium.log" | sed 's/^/#   /'
dom=$work/dom.html
chromium_run --dump-dom "file://$page" >"$dom"
for chart in chart-funnel chart-compliance chart-time-in-stage chart-breaches chart-rejections; do
    marks=$(check marks "$dom" | awk -v c="$chart" '$1 == c { print $2 }')
    [ "${marks:-0}" -ge 1 ]
    ok $? "the rendered page has <svg id=\"$chart\"> with marks drawn in it (${marks:-none})"
done
[ "$(check elements "$dom" script)" = 0 ] && [ "$(check elements "$dom" img)" = 0 ] &&
    grep -qF '&lt;script&gt;alert("owner")&lt;/script&gt;' "$dom"
ok $? "in Chromium's DOM the owner is text: no script (nor img) element"

# the numbers: each table against the view it comes from
same_rows "funnel: every row of leadqual.funnel" "$page" table-funnel-rows \
    "SELECT lead_table, cohort, mode, stage, reached, conversion FROM leadqual.funnel"
same_rows "funnel chart: in_order summed over the cohorts, conversion from the stage before" "$page" table-funnel \
    "SELECT lead_table, stage, reached,
            round(reached / NULLIF(lag(reached) OVER (PARTITION BY lead_table ORDER BY stage), 0), 4)
     FROM (SELECT lead_table, stage, sum(reached) AS reached FROM leadqual.funnel
           WHERE mode = 'in_order' GROUP BY lead_table, stage) AS s"
compliance="SELECT lead_table, policy, owner, week, clocks, met, breached, open, cancelled, pct_met,
                   median_response, p90_response, median_wait, p90_wait FROM leadqual.sla_compliance"
same_rows "SLA compliance: every row of leadqual.sla_compliance" "$page" table-compliance "$compliance"
stays="SELECT stage, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY time_in_stage),
              percentile_cont(0.9) WITHIN GROUP (ORDER BY time_in_stage),
              count(*) FILTER (WHERE time_in_stage < '1 hour'),
              count(*) FILTER (WHERE time_in_stage >= '1 hour' AND time_in_stage < '8 hours'),
              count(*) FILTER (WHERE time_in_stage >= '8 hours' AND time_in_stage < '1 day'),
              count(*) FILTER (WHERE time_in_stage >= '1 day' AND time_in_stage < '3 days'),
              count(*) FILTER (WHERE time_in_stage >= '3 days' AND time_in_stage < '7 days'),
              count(*) FILTER (WHERE time_in_stage >= '7 days' AND time_in_stage < '30 days'),
              count(*) FILTER (WHERE time_in_stage >= '30 days')
       FROM leadqual.stage_history WHERE NOT is_current"
same_rows "time in stage: completed stays of leadqual.stage_history per stage and bucket" "$page" \
    table-time-in-stage "$stays GROUP BY stage"
same_rows "open breaches per owner: leadqual.sla_breaches, open_breached" "$page" table-breaches \
    "SELECT owner, count(*), max(late_by) FROM leadqual.sla_breaches WHERE state = 'open_breached' GROUP BY owner"
same_rows "open breaches, one by one" "$page" table-breaches-rows \
    "SELECT clock_id, lead_table, lead_id, policy, owner, stage, started_at, due_at, late_by
     FROM leadqual.sla_breaches WHERE state = 'open_breached'"
same_rows "rejections: every row of leadqual.rejection_summary" "$page" table-rejections-rows \
    "SELECT lead_table, month, owner, reason, rejections, share_of_month FROM leadqual.rejection_summary"
same_rows "rejections chart: per reason, summed over the months" "$page" table-rejections \
    "SELECT reason, lead_table, sum(rejections) FROM leadqual.rejection_summary GROUP BY reason, lead_table"

# --- --time-zone, --since, --until ------------------------------------------------
ny=$work/new_york.html
"$report" -d "$db" -o "$ny" --time-zone America/New_York >/dev/null 2>&1
same_rows "--time-zone America/New_York: compliance weeks as the view cuts them with leadqual.report_time_zone set" \
    "$ny" table-compliance "$compliance" "SET leadqual.report_time_zone = 'America/New_York'"
[ "$(check table "$ny" table-compliance | sort)" != "$(check table "$page" table-compliance | sort)" ]
ok $? "and those weeks differ from UTC's (a clock started at 02:00 UTC on a Monday)"

since=$(q "SELECT (date_trunc('week', now() AT TIME ZONE 'UTC') - interval '4 weeks')::date")
until=$(q "SELECT (date_trunc('week', now() AT TIME ZONE 'UTC') - interval '2 weeks')::date")
span=$work/span.html
"$report" -d "$db" -o "$span" --since "$since" --until "$until" >/dev/null 2>&1
same_rows "--since $since --until $until: the compliance weeks in between" "$span" table-compliance \
    "$compliance WHERE week >= '$since' AND week < '$until'"
same_rows "and the stays that began in between" "$span" table-time-in-stage \
    "$stays AND entered_at >= '$since' AND entered_at < '$until' GROUP BY stage"

# --- --period and --dimension: the report functions --------------------------------
weekly=$work/weekly.html
"$report" -d "$db" -o "$weekly" --table crm.leads --period week >"$work/weekly.out" 2>&1
same_rows "--table crm.leads --period week: the funnel of leadqual.funnel_report(..., 'week')" "$weekly" \
    table-funnel-rows "SELECT 'crm.leads', cohort, mode, stage, reached, conversion FROM leadqual.funnel_report('crm.leads', 'week')" ||
    sed 's/^/#   /' "$work/weekly.out"
sliced=$work/sliced.html
"$report" -d "$db" -o "$sliced" --table crm.leads --dimension region >"$work/sliced.out" 2>&1
same_rows "--dimension region: the funnel of funnel_report(..., dimension => 'region')" "$sliced" table-funnel-rows \
    "SELECT 'crm.leads', slice, cohort, mode, stage, reached, conversion
     FROM leadqual.funnel_report('crm.leads', dimension => 'region')" || sed 's/^/#   /' "$work/sliced.out"
same_rows "--dimension region: compliance of compliance_report(..., dimension => 'region')" "$sliced" table-compliance \
    "SELECT 'crm.leads', slice, policy, owner, period_start, clocks, met, breached, open, cancelled, pct_met,
            median_response, p90_response, median_wait, p90_wait
     FROM leadqual.compliance_report('crm.leads', dimension => 'region')"
same_rows "--dimension region: rejections of rejection_report(..., dimension => 'region')" "$sliced" table-rejections-rows \
    "SELECT 'crm.leads', slice, period_start, owner, reason, rejections, share_of_period
     FROM leadqual.rejection_report('crm.leads', dimension => 'region')"
grep -qF '&lt;img src=x onerror=alert(1)&gt;' "$sliced" 2>/dev/null && [ "$(check elements "$sliced" img)" = 0 ]
ok $? "the region <img src=x onerror=alert(1)> is a slice written as text"

# --- errors: a message naming the thing, nothing written -----------------------------
fails_cleanly "a hostile --dimension fails, naming the column" \
    'column "region"; DROP TABLE crm.leads; --" of table crm.leads does not exist' \
    --table crm.leads --dimension 'region"; DROP TABLE crm.leads; --'
[ "$(q "SELECT count(*) FROM crm.leads")" = 10 ]
ok $? "and crm.leads is still there, whole"
fails_cleanly "a hostile --table fails, naming the table" \
    'invalid name syntax|does not exist' --table "crm.leads'; DROP TABLE crm.leads; --"
fails_cleanly "a table leadqual does not manage fails, naming it" \
    'table pg_class is not managed by leadqual' --table pg_class
fails_cleanly "--dimension without --table fails" '--dimension needs --table' --dimension region
fails_cleanly "a time zone PostgreSQL does not know fails, naming it" 'Mars/Olympus_Mons' --time-zone Mars/Olympus_Mons
fails_cleanly "a database without leadqual fails, saying so" 'leadqual is not installed in database "postgres"' -d postgres

echo "1..$count"
