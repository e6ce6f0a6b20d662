#!/bin/sh
# tests/fuzz/fuzz.sh MODE SECONDS NAME...: runs the fuzz targets (called by
# `make fuzz` and `make fuzz-smoke` once build/fuzz/ and build/asan/fuzz/
# are built). For each target NAME:
#   1. replays tests/fuzz/corpus/NAME with the gcc ASan build (replay main)
#   2. replays it with the libFuzzer build (-runs=0)
#   3. fuzzes for SECONDS on a copy of the seeds (the checked-in corpus is
#      never grown; MODE run keeps the copy in build/fuzz/work/NAME)
# Prints one line per target, "PASS NAME: N executions in S s" or
# "FAIL NAME: ..." (with the log and the crashing input's path), and exits
# non-zero if any failed. Findings are saved as build/fuzz/artifacts/NAME-*.

cd "$(dirname "$0")/../.." || exit 2

mode=$1
secs=$2
shift 2
case $mode in
run|smoke) ;;
*) echo "usage: $0 run|smoke SECONDS NAME..." >&2; exit 2;;
esac

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS

FUZZ=build/fuzz
REPLAY=build/asan/fuzz
ART=$FUZZ/artifacts
LOGS=$FUZZ/logs
mkdir -p "$ART" "$LOGS" || exit 2
failed=0

fail() {
	echo "FAIL $1: $2"
	[ -f "$3" ] && tail -n 40 "$3" | sed 's/^/  | /'
	failed=$((failed + 1))
}

for name in "$@"; do
	src=tests/fuzz/$name.c
	seeds=tests/fuzz/corpus/$name
	dict=tests/fuzz/$name.dict
	log=$LOGS/$name.log
	# the target's own input cap
	maxlen=$(sed -n 's/^#define[ 	]*FUZZ_MAX_LEN[ 	]*\([0-9]*\).*/\1/p' \
	    "$src")
	if [ -z "$maxlen" ] || [ ! -d "$seeds" ] || [ ! -f "$dict" ]; then
		fail "$name" "missing FUZZ_MAX_LEN, corpus or dictionary"
		continue
	fi
	if [ ! -x "$REPLAY/$name" ] || [ ! -x "$FUZZ/$name" ]; then
		fail "$name" "not built"
		continue
	fi
	# Targets keep temporary files (the store of fuzz_request) under
	# TMPDIR; a crash skips their clean-up, so give each its own.
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/qcreg-fuzz-$name.XXXXXX") || exit 2
	# 1. the seeds under the gcc ASan build
	if ! TMPDIR=$tmp timeout -k 10 300 "$REPLAY/$name" "$seeds" \
	    >"$log" 2>&1; then
		fail "$name" "seed corpus replay (gcc ASan) failed" "$log"
		rm -rf "$tmp"
		continue
	fi
	# 2. the seeds under libFuzzer
	if ! TMPDIR=$tmp timeout -k 10 300 "$FUZZ/$name" -runs=0 \
	    -rss_limit_mb=2048 \
	    -malloc_limit_mb=512 -artifact_prefix="$ART/$name-" \
	    "$seeds" >"$log" 2>&1; then
		fail "$name" "seed corpus replay (libFuzzer) failed" "$log"
		rm -rf "$tmp"
		continue
	fi
	# 3. fuzz a copy of the seeds
	if [ "$mode" = run ]; then
		work=$FUZZ/work/$name
		mkdir -p "$work"
	else
		work=$(mktemp -d "${TMPDIR:-/tmp}/qcreg-fuzz-$name.XXXXXX") ||
		    exit 2
	fi
	cp "$seeds"/* "$work"/
	TMPDIR=$tmp timeout -k 10 $((secs + 120)) "$FUZZ/$name" \
	    -max_total_time="$secs" \
	    -malloc_limit_mb=512 -rss_limit_mb=2048 -timeout=25 \
	    -max_len="$maxlen" -dict="$dict" \
	    -print_final_stats=1 -artifact_prefix="$ART/$name-" \
	    "$work" >"$log" 2>&1
	rc=$?
	rm -rf "$tmp"
	[ "$mode" = run ] || rm -rf "$work"
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' \
	    "$log" | tail -n 1)
	if [ "$rc" -ne 0 ]; then
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" |
		    tail -n 1)
		fail "$name" "finding after ${execs:-?} executions (exit $rc)${art:+, input $art}" \
		    "$log"
		continue
	fi
	cov=$(sed -n 's/.*DONE *cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
	echo "PASS $name: ${execs:-?} executions in ${secs} s," \
	    "no finding (cov ${cov:-?})"
done
[ "$failed" -eq 0 ]
