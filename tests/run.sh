#!/bin/sh
# tests/run.sh: every test of qcreg (called by `make test` once bin/,
# build/asan/bin/ and certs/dev exist).
#   0. the include rules between layers (tests/layers.sh)
#   1. unit tests: build/rel/tests/test_* and build/asan/tests/test_*
#   2. the integration suite against bin/qcregd
#   3. the integration suite against build/asan/bin/qcregd (ASan/UBSan)
#   4. make fuzz-smoke: each fuzz target's seeds replayed, then fuzzed ~5 s
#   5. a short crash loop (tests/crash/crash_loop.py) against both servers
#   6. the stall check (bench/bench.sh --stall-check)
#   7. a short power-loss round (tests/powerloss/powerloss.py) against the
#      release server, and its negative control (syncs dropped), which
#      passes when the test finds the loss; then one from an empty data
#      directory (--fresh: the crash points mostly in the making of
#      data.mdb)
# Prints a heading per section and ends with one line "N passed, N failed"
# (totals of all parts); exits 0 only when nothing failed.
# QCREGD_REL and QCREGD_ASAN override the two server binaries.

cd "$(dirname "$0")/.." || exit 2

PY=/usr/bin/python3
REL_BIN=${QCREGD_REL:-bin/qcregd}
ASAN_BIN=${QCREGD_ASAN:-build/asan/bin/qcregd}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-120}
SUITE_TIMEOUT=${SUITE_TIMEOUT:-900}
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
CMOCKA_MESSAGE_OUTPUT=stdout
export ASAN_OPTIONS UBSAN_OPTIONS CMOCKA_MESSAGE_OUTPUT

PASSED=0
FAILED=0
OUT=$(mktemp -d "${TMPDIR:-/tmp}/qcreg-run.XXXXXX") || exit 2
trap 'rm -rf "$OUT"' EXIT
trap 'exit 130' INT TERM

# unit DIR: run every test binary in DIR and count cmocka's summary lines.
unit() {
	found=0
	for t in "$1"/test_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		found=1
		log=$OUT/unit.log
		timeout -k 10 "$UNIT_TIMEOUT" "$t" >"$log" 2>&1
		rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' "$log" |
		    awk '{ s += $1 } END { print s + 0 }')
		f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s).*/\1/p' "$log" |
		    awk '{ s += $1 } END { print s + 0 }')
		summary=$(grep -c -e '^\[  PASSED  \] [0-9]* test(s)' -e '^\[  FAILED  \] [0-9]* test(s)' "$log")
		note=
		if [ "$summary" -eq 0 ]; then
			f=$((f + 1))
			note=" (no cmocka summary, exit $rc)"
		elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			# a crash, timeout or sanitizer abort after the summary
			f=1
			note=" (exit $rc)"
		fi
		PASSED=$((PASSED + p))
		FAILED=$((FAILED + f))
		if [ "$f" -eq 0 ]; then
			echo "PASS $t: $p test(s)"
		else
			echo "FAIL $t: $p passed, $f failed$note"
			tail -n 30 "$log" | sed 's/^/  | /'
		fi
	done
	[ "$found" -eq 1 ] || echo "(no unit test binaries in $1)"
}

# integration QCREGD: run the Python suite and add its final counts.
integration() {
	log=$OUT/it.log
	if [ ! -x "$1" ]; then
		echo "FAIL integration: no server binary $1"
		FAILED=$((FAILED + 1))
		return
	fi
	QCREGD=$1 timeout -k 20 "$SUITE_TIMEOUT" "$PY" tests/integration/harness.py \
	    >"$log" 2>&1
	rc=$?
	# show everything but the suite's own total line
	grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "$log"
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -z "$last" ]; then
		echo "FAIL integration: the suite ended without a summary (exit $rc)"
		FAILED=$((FAILED + 1))
		return
	fi
	p=${last%% passed*}
	f=${last#*passed, }
	f=${f%% failed*}
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL integration: exit $rc"
		FAILED=$((FAILED + 1))
	fi
	echo "integration ($1): $p passed, $f failed"
}

# fuzz_smoke: `make fuzz-smoke` (seed corpus replay and a few seconds of
# each libFuzzer target); each target is one test, its PASS/FAIL line.
fuzz_smoke() {
	log=$OUT/fuzz.log
	timeout -k 20 "$SUITE_TIMEOUT" ${MAKE:-make} --no-print-directory \
	    fuzz-smoke >"$log" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL) fuzz_|^  \| ' "$log"
	p=$(grep -c '^PASS fuzz_' "$log")
	f=$(grep -c '^FAIL fuzz_' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL fuzz-smoke: exit $rc"
		tail -n 30 "$log" | sed 's/^/  | /'
		f=1
	fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
}

# crash QCREGD: CRASH_ITERATIONS of kill -9 during writes; one test.
crash() {
	log=$OUT/crash.log
	QCREGD=$1 timeout -k 20 "$SUITE_TIMEOUT" "$PY" tests/crash/crash_loop.py \
	    --iterations "${CRASH_ITERATIONS:-5}" >"$log" 2>&1
	rc=$?
	cat "$log"
	if [ "$rc" -eq 0 ] && grep -q '^PASS crash_loop' "$log"; then
		PASSED=$((PASSED + 1))
	else
		grep -q '^FAIL crash_loop' "$log" || echo "FAIL crash_loop: exit $rc"
		FAILED=$((FAILED + 1))
	fi
}

# powerloss NAME ARGS...: one run of tests/powerloss/powerloss.py; one
# test, passed when its last line is "PASS NAME: ...".
powerloss() {
	name=$1
	shift
	log=$OUT/powerloss.log
	QCREGD=$REL_BIN QCREG_RECORDER=${QCREG_RECORDER:-build/rel/tests/powerloss/recorder.so} \
	    timeout -k 20 "$SUITE_TIMEOUT" "$PY" tests/powerloss/powerloss.py "$@" \
	    >"$log" 2>&1
	rc=$?
	cat "$log"
	if [ "$rc" -eq 0 ] && grep -q "^PASS $name:" "$log"; then
		PASSED=$((PASSED + 1))
	else
		grep -q "^FAIL $name:" "$log" || echo "FAIL $name: exit $rc"
		FAILED=$((FAILED + 1))
	fi
}

echo "== layers (docs/ARCHITECTURE.md) =="
if tests/layers.sh; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
echo "== unit tests (build/rel) =="
unit build/rel/tests
echo "== unit tests (build/asan, ASan/UBSan) =="
unit build/asan/tests
echo "== integration tests ($REL_BIN) =="
integration "$REL_BIN"
echo "== integration tests ($ASAN_BIN, ASan/UBSan) =="
integration "$ASAN_BIN"

echo "== fuzz smoke (libFuzzer, ASan/UBSan) =="
fuzz_smoke

echo "== crash loop ($REL_BIN) =="
crash "$REL_BIN"
echo "== crash loop ($ASAN_BIN, ASan/UBSan) =="
crash "$ASAN_BIN"

echo "== stall check (1,000,000 pipelined puts, $REL_BIN) =="
log=$OUT/stall.log
BENCH_QCREGD=$REL_BIN timeout -k 20 "$SUITE_TIMEOUT" bench/bench.sh \
    --stall-check >"$log" 2>&1
rc=$?
grep -E '^(PASS|FAIL) stall_check|^bench: loaded' "$log"
if [ "$rc" -eq 0 ] && grep -q '^PASS stall_check' "$log"; then
	PASSED=$((PASSED + 1))
else
	grep -q '^FAIL stall_check' "$log" || { echo "FAIL stall_check: exit $rc";
	    tail -n 5 "$log" | sed 's/^/  | /'; }
	FAILED=$((FAILED + 1))
fi

echo "== power loss ($REL_BIN, 100 crash states) =="
powerloss powerloss --states 100 --seconds 50
echo "== power loss, negative control (syncs dropped: must fail) =="
powerloss powerloss_control --control --states 30 --seconds 30
echo "== power loss from an empty data directory ($REL_BIN, 150 crash states) =="
powerloss powerloss_fresh --fresh --states 150 --seconds 25

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
