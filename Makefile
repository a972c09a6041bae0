# leadqual: PGXS build.  `make`, `make install`, `make installcheck` as usual
# (pg_regress, then the isolation specs); `make unitcheck` for the plain-C
# core and `make tapcheck` for the pgTAP suites.  tools/test runs them all on
# a throwaway cluster.

EXTENSION  = leadqual
MODULE_big = leadqual
OBJS = \
	src/business_time.o \
	src/calendar.o \
	src/config.o \
	src/core_functions.o \
	src/decay.o \
	src/fit.o \
	src/handoff.o \
	src/lead_visibility.o \
	src/leadqual.o \
	src/managed_row.o \
	src/model_score.o \
	src/pending.o \
	src/qualify.o \
	src/reject.o \
	src/score.o \
	src/seniority.o \
	src/stage.o \
	src/stage_datum.o \
	src/transition_log.o \
	src/trust_boundary.o

DATA = $(wildcard sql/leadqual--*.sql)

# pg_regress: sql/NAME.sql against expected/NAME.out
REGRESS = stages manage trigger_misuse stage_rules reject history log scoring sla
REGRESS_OPTS = --load-extension=leadqual
# isolation tester: specs/NAME.spec against expected/NAME.out
ISOLATION = concurrent_promotion concurrent_manage concurrent_scoring concurrent_assignment notify
ISOLATION_OPTS = --load-extension=leadqual

# Our code builds warning-free under -Wextra; the server headers don't, so
# they are included as system headers.
PG_CFLAGS = -Wall -Wextra -Werror

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server)
include $(PGXS)

# PGXS tracks no header dependencies; every object includes these.
$(OBJS): src/leadqual.h src/stage.h src/compat.h src/decay.h src/seniority.h \
	src/business_time.h src/trust_boundary.h

# Unit tests of the plain-C core, without a server.
UNIT_TESTS = test/unit/stage_test test/unit/seniority_test test/unit/decay_test \
	test/unit/business_time_test
test/unit/stage_test: test/unit/stage_test.c src/stage.c src/stage.h
	$(CC) -std=c99 -Wall -Wextra -Werror -Isrc -o $@ test/unit/stage_test.c src/stage.c
test/unit/seniority_test: test/unit/seniority_test.c src/seniority.c src/seniority.h
	$(CC) -std=c99 -Wall -Wextra -Werror -Isrc -o $@ test/unit/seniority_test.c src/seniority.c
test/unit/decay_test: test/unit/decay_test.c src/decay.c src/decay.h
	$(CC) -std=c99 -Wall -Wextra -Werror -Isrc -o $@ test/unit/decay_test.c src/decay.c -lm
test/unit/business_time_test: test/unit/business_time_test.c src/business_time.c src/business_time.h
	$(CC) -std=c99 -Wall -Wextra -Werror -Isrc -o $@ test/unit/business_time_test.c src/business_time.c -lm

# libFuzzer harnesses of the plain-C cores (clang); see tools/fuzz.
FUZZERS = test/fuzz/seniority_fuzz test/fuzz/decay_fuzz test/fuzz/business_time_fuzz
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Isrc
test/fuzz/%_fuzz: test/fuzz/%_fuzz.c src/%.c src/%.h
	$(CLANG) $(FUZZ_CFLAGS) -o $@ test/fuzz/$*_fuzz.c src/$*.c -lm

.PHONY: unitcheck tapcheck fuzzcheck
fuzzcheck: $(FUZZERS)
	tools/fuzz

# prove passes the arguments after :: to every test: seniority_test reads its
# corpus from them, the others ignore them.
unitcheck: $(UNIT_TESTS)
	prove -v $(UNIT_TESTS) :: test/unit/seniority_corpus.tsv

# pgTAP suites, against the server and database the PG* variables name;
# each suite creates the extensions it needs and rolls back.
tapcheck:
	pg_prove -v test/*.sql

# Benchmarks: not run by CI; see docs/benchmarks.md.
.PHONY: bench bench-quick bench-check
bench:
	tools/bench
bench-quick:
	BENCH_SCALE=100000 tools/bench
bench-check:
	bench/check

EXTRA_CLEAN = $(UNIT_TESTS) $(FUZZERS) results/ output_iso/ regression.diffs regression.out bench/results/
