#!/usr/bin/env bash
# TAP: rescoring on a schedule with Debian's postgresql-15-cron, set up as
# docs/scoring.md says (preloaded, cron.database_name, CREATE EXTENSION
# pg_cron) and scheduled with its cron.schedule() call: the job runs,
# succeeds, and rescores the lead whose score had gone stale; and
# rescore_due(), scheduled the same way, rescores a lead whose decay made
# it due.  pg_cron 1.4 schedules by the minute, so this waits for up to two
# minutes.
# Runs against the server the PG* variables point at; tools/suites runs it
# inside pg_virtualenv, whose cluster is "15 regress", which it restarts
# with pg_cron preloaded and restores afterwards.  Without that cluster,
# or without pg_cron installed, it skips.
set -uo pipefail
db=leadqual_cron
work=$(mktemp -d)
count=0
ok() {   # ok CONDITION-EXIT-STATUS DESCRIPTION
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then echo "ok $count - $2"; else echo "not ok $count - $2"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
wait_for() {   # wait_for SECONDS COMMAND...: until the command succeeds
    local i
    for ((i = 0; i < $1; i++)); do "${@:2}" && return 0; sleep 1; done
    return 1
}
restart() {
    pg_ctlcluster 15 regress restart >"$work/restart.log" 2>&1 &&
        wait_for 30 psql -X -q -At -d postgres -c "SELECT 1" >/dev/null 2>&1
}
# the cluster's postgresql.conf, as docs/scoring.md sets it up
conf() { pg_conftool 15 regress "$@" >/dev/null 2>&1; }
settings=(shared_preload_libraries cron.database_name cron.use_background_workers)
restored=1
cleanup() {
    if [ "$restored" -eq 0 ]; then
        for s in "${settings[@]}"; do conf remove "$s"; done
        restart
    fi
    dropdb --if-exists "$db" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

descriptions=("pg_cron preloads and its extension installs in the leads' database"
              "the nightly rescore of docs/scoring.md schedules"
              "the job runs and succeeds"
              "and rescores the lead whose score went stale"
              "rescore_due() of docs/scoring.md, scheduled, runs and succeeds"
              "and rescores the lead whose score decayed"
              "unscheduled, the jobs are gone")
skip_all() {
    for d in "${descriptions[@]}"; do count=$((count + 1)); echo "ok $count # SKIP $d: $1"; done
    echo "1..$count"
    exit 0
}
if [ -z "${PG_CLUSTER_CONF_ROOT:-}" ] || ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *regress '; then
    skip_all "no pg_virtualenv cluster 15 regress to restart with pg_cron preloaded"
fi
[ -f "$("${PG_CONFIG:-pg_config}" --pkglibdir)/pg_cron.so" ] ||
    skip_all "postgresql-15-cron is not installed (tools/deps installs it)"

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" || { echo "Bail out! cannot create database $db"; exit 1; }
# In postgresql.conf, as docs/scoring.md says; background workers run the
# jobs, rather than connections through the cluster's password
# authentication.
restored=0
conf set shared_preload_libraries pg_cron &&
    conf set cron.database_name "$db" &&
    conf set cron.use_background_workers on &&
    restart && q "CREATE EXTENSION pg_cron" >/dev/null
ok $? "${descriptions[0]}"

# A lead scored by a rule whose points then change: its stored score is
# stale until a rescore.
q "CREATE EXTENSION leadqual;
   CREATE TABLE leads (id int PRIMARY KEY, title text, company_size int, industry text,
                       score int NOT NULL DEFAULT 0,
                       lifecycle_stage leadqual.lifecycle_stage NOT NULL DEFAULT 'lead');
   SELECT leadqual.copy_model('default', 'cron_model');
   SELECT leadqual.manage('leads', model => 'cron_model');
   INSERT INTO leads (id) VALUES (1);
   SELECT leadqual.track('leads', '1', 'webinar_attended');
   UPDATE leadqual.engagement_rule SET points = 30 WHERE model = 'cron_model' AND name = 'webinar';" >/dev/null
before=$(q "SELECT score FROM leads WHERE id = 1")
# A lead whose webinar halves in a minute: it is due about 4 s after it
# is tracked, when its 10 points fall below 9.5.
q "CREATE TABLE decaying (LIKE leads INCLUDING ALL);
   SELECT leadqual.copy_model('default', 'due_model');
   UPDATE leadqual.engagement_rule SET half_life = '1 minute' WHERE model = 'due_model' AND name = 'webinar';
   SELECT leadqual.manage('decaying', model => 'due_model');
   INSERT INTO decaying (id) VALUES (1);
   SELECT leadqual.track('decaying', '1', 'webinar_attended');" >/dev/null
decaying_before=$(q "SELECT score FROM decaying WHERE id = 1")
due_at=$(q "SELECT due_at FROM leadqual.lead_score WHERE lead_table = 'decaying'::regclass")

# the call of docs/scoring.md, every minute rather than nightly
q "SELECT cron.schedule('leadqual-rescore', '* * * * *', \$\$SELECT leadqual.rescore('public.leads')\$\$)" >/dev/null
ok $? "${descriptions[1]}"
# and rescore_due(), every minute rather than every five
q "SELECT cron.schedule('leadqual-rescore-due', '* * * * *', \$\$SELECT leadqual.rescore_due('public.decaying')\$\$)" >/dev/null

succeeded() { [ "$(q "SELECT count(*) FROM cron.job_run_details AS d JOIN cron.job AS j USING (jobid)
                      WHERE j.jobname = 'leadqual-rescore' AND d.status = 'succeeded'")" -ge 1 ]; }
# a run that started once the lead was due (a run in the seconds before
# finds nothing due)
due_succeeded() { [ "$(q "SELECT count(*) FROM cron.job_run_details AS d JOIN cron.job AS j USING (jobid)
                          WHERE j.jobname = 'leadqual-rescore-due' AND d.status = 'succeeded'
                            AND d.start_time > '$due_at'")" -ge 1 ]; }
wait_for 130 succeeded
status=$?
[ $status -eq 0 ] || q "SELECT status, return_message FROM cron.job_run_details" >&2
ok $status "${descriptions[2]}"
after=$(q "SELECT score FROM leads WHERE id = 1")
[ "$before" = 10 ] && [ "$after" = 30 ]
ok $? "${descriptions[3]} (score $before, then $after)"

wait_for 130 due_succeeded
status=$?
[ $status -eq 0 ] || q "SELECT status, return_message FROM cron.job_run_details" >&2
ok $status "${descriptions[4]}"
decaying_after=$(q "SELECT score FROM decaying WHERE id = 1")
[ "$decaying_before" = 10 ] && [ "$decaying_after" -lt 10 ]
ok $? "${descriptions[5]} (score $decaying_before, then $decaying_after)"

q "SELECT cron.unschedule('leadqual-rescore'); SELECT cron.unschedule('leadqual-rescore-due')" >/dev/null &&
    [ "$(q "SELECT count(*) FROM cron.job")" = 0 ]
ok $? "${descriptions[6]}"

echo "1..$count"
