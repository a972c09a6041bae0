# Shell helpers shared by bench/run, bench/oltp and bench/memory.  Sourced,
# not run: the caller sets $raw, the raw.tsv its measurements go to.

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Runs one statement in a fresh session and prints its time in ms.
time_statement() {
    psql -X -v ON_ERROR_STOP=1 -c '\timing on' -c "$1" |
        awk '/^Time: / { print $2 }'
}

# case  variant  run  value: one raw measurement, for bench/report
record() {
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$raw"
}

# rotated RUN ITEM...: the items one a line, rotated by RUN, so that the
# variants run alternately and no one always runs first.
rotated() {
    local run=$1 k
    shift
    local items=("$@")
    for k in "${!items[@]}"; do
        printf '%s\n' "${items[$(( (run + k) % ${#items[@]} ))]}"
    done
}

# reset_table TABLE [SEED]: bench.TABLE back to the rows of bench.SEED
# (bench.seed by default) with no trigger firing, logs emptied, then
# vacuumed and checkpointed so every run starts from the same state.
reset_table() {
    psql_q -v v="$1" -v seed="${2:-seed}" >/dev/null <<'SQL'
SET session_replication_role = replica;
TRUNCATE bench.:"v";
INSERT INTO bench.:"v" SELECT * FROM bench.:"seed";
RESET session_replication_role;
TRUNCATE leadqual.transition, leadqual.sla_clock, leadqual.handoff, leadqual.assignment,
         leadqual.owner_turn, bench.plpgsql_transition, bench.minimal_transition,
         bench.floor_transition, bench.floor_clock, bench.floor_handoff;
VACUUM ANALYZE bench.:"v";
CHECKPOINT;
SQL
}

# keep_states TABLE N: leads 1..N of bench.TABLE scored as of now from their
# kept engagement state, as a lead tracked before has it, with its due time
# as of now (rescore() runs of case d leave them due as of later times):
# 64 at a time, as track() scores them.
keep_states() {
    psql_q -v t="bench.$1" -v n="$2" >/dev/null <<'SQL'
SELECT pg_catalog.count(*)
FROM generate_series(0, (:n - 1) / 64) AS b,
     leadqual._store_scores(:'t', now(),
                            ARRAY(SELECT g::text FROM generate_series(b * 64 + 1, LEAST(b * 64 + 64, :n)) AS g));
SQL
}
