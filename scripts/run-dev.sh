#!/bin/sh
# run-dev.sh: starts a development qcregd from the repository (`make run`).
# Expects the binaries in bin/ and the certificates in certs/dev/ (the
# Makefile's run target makes both). Keeps the store in data/, loads the
# demo data set into an empty store, prints example commands, then stays
# in the foreground until qcregd exits; Ctrl-C (SIGINT) or SIGTERM stops
# qcregd cleanly.
#
# For tests, the environment may override RUNDEV_QCREGD and RUNDEV_QCREG (the
# binaries), RUNDEV_CONF, RUNDEV_DATA, RUNDEV_CERTS and RUNDEV_DEMO_COUNT.

set -eu

cd "$(dirname "$0")/.."

QCREGD=${RUNDEV_QCREGD:-bin/qcregd}
QCREG=${RUNDEV_QCREG:-bin/qcreg}
CONF=${RUNDEV_CONF:-server/qcregd.conf}
DATA=${RUNDEV_DATA:-data}
CERTS=${RUNDEV_CERTS:-certs/dev}
DEMO_COUNT=${RUNDEV_DEMO_COUNT:-400}
START_TIMEOUT=100	# tenths of a second to wait for the port file

# Subjects of the demo set (scripts/gen-demo.py): one that is listed (credit
# grade C and advertising), one that is never listed, one to add with put,
# and one listed twice within a year on tourism-watch and not on tourism
# (an escalation to tourism).
LISTED=91410100M000100Y49
CLEAN=91410105MA2YK7F48L
FRESH=91410105MA33R8N19J
WATCHED=91410300MA9K2C6T01

pid=
tmp=

die() {
	echo "run-dev: $*" >&2
	exit 1
}

warn() {
	echo "run-dev: warning: $*" >&2
}

# On any exit: stop a daemon we started and have not waited for yet.
# shellcheck disable=SC2317  # called from a trap
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		n=0
		while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 50 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ -n "$tmp" ]; then
		rm -rf "$tmp"
	fi
}

# A signal for us is a signal for qcregd: ask it to drain and exit, then
# keep waiting for it in the loop at the end.
# shellcheck disable=SC2317  # called from a trap
forward() {
	echo "run-dev: $1, stopping qcregd" >&2
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
	fi
}

# cli_as PRINCIPAL ARGS...: runs the CLI as PRINCIPAL against our server.
cli_as() {
	_who=$1
	shift
	"$QCREG" --server "$addr" --ca "$CERTS/ca.crt" \
	    --cert "$CERTS/$_who.crt" --key "$CERTS/$_who.key" "$@"
}

# Prints the "total" of a stats answer read on stdin, or nothing.
stats_total() {
	python3 -c '
import json, sys
try:
    doc = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
if isinstance(doc, dict):
    doc = doc.get("result", doc)
    if isinstance(doc, dict) and isinstance(doc.get("total"), int):
        print(doc["total"])
'
}

load_demo() {
	if [ -f "$DATA/.demo-loaded" ]; then
		return 0
	fi
	if [ ! -x "$QCREG" ]; then
		warn "$QCREG not found; demo data not loaded"
		return 0
	fi
	if ! out=$(cli_as market-regulator --json stats); then
		warn "stats failed; demo data not loaded"
		return 0
	fi
	total=$(printf '%s\n' "$out" | stats_total)
	if [ -z "$total" ]; then
		warn "cannot read the stats answer; demo data not loaded"
		return 0
	fi
	if [ "$total" -ne 0 ]; then
		: >"$DATA/.demo-loaded"
		return 0
	fi
	echo "run-dev: loading the demo data set ($DEMO_COUNT entries)"
	python3 scripts/gen-demo.py --count "$DEMO_COUNT" >"$DATA/demo.jsonl" ||
	    die "scripts/gen-demo.py failed"
	ok=1
	for pair in credit:quality-bureau tourism:tourism-bureau \
	    advertising:commerce-bureau tourism-watch:tourism-bureau; do
		list=${pair%%:*}
		who=${pair#*:}
		# Each agency imports only the lines of the list it writes. A
		# subject listed again on tourism-watch is a later line of the
		# same entry: import writes the lines of one entry in order.
		grep "^{\"list\": *\"$list\"" "$DATA/demo.jsonl" \
		    >"$DATA/demo-$list.jsonl" || true
		if ! cli_as "$who" import --list "$list" \
		    "$DATA/demo-$list.jsonl"; then
			warn "import of list $list as $who failed"
			ok=0
		fi
	done
	# The procedures: notices, objections and repairs, open and closed.
	if [ $ok -eq 1 ] && ! { python3 scripts/gen-demo.py --count "$DEMO_COUNT" \
	    --cases >"$DATA/demo-cases.jsonl" && python3 scripts/load-cases.py \
	    --qcreg "$QCREG" --server "$addr" --ca "$CERTS/ca.crt" \
	    --certs "$CERTS" "$DATA/demo-cases.jsonl"; }; then
		warn "loading the demo cases failed"
		ok=0
	fi
	if [ $ok -eq 1 ]; then
		: >"$DATA/.demo-loaded"
	else
		warn "demo data partly loaded; to start over: rm -rf $DATA"
	fi
}

examples() {
	sv=
	if [ "$addr" != "127.0.0.1:7443" ]; then
		sv=" --server $addr"
	fi
	q="bin/qcreg$sv"
	cat <<EOF

qcregd is running on $addr (data in $DATA/, log below). Try:

  # as shop-platform (the CLI's default certificate)
  $q hello
  $q check $LISTED $CLEAN
  $q get site:cheap-tours.example.cn
  $q changes

  # as the market regulator
  R="--cert $CERTS/market-regulator.crt --key $CERTS/market-regulator.key"
  $q \$R get $LISTED
  $q \$R history $LISTED
  $q \$R history $WATCHED    # on tourism-watch twice within a year
  $q \$R scan credit
  $q \$R stats
  $q \$R search 郑州            # names, USCC prefixes, division codes
  $q \$R report $LISTED        # the credit report, in Chinese
  $q \$R cases                 # open cases, overdue ones included
  $q \$R escalations           # subjects a watch list escalates

  # as the quality bureau, which writes the credit list
  Q="--cert $CERTS/quality-bureau.crt --key $CERTS/quality-bureau.key"
  $q \$Q put credit $FRESH name=郑州恒达食品有限公司 grade=A score=92
  $q \$Q remove credit $LISTED --reason "信用修复：已完成整改"

  # as ops-admin
  $q --cert $CERTS/ops-admin.crt --key $CERTS/ops-admin.key stats

  # the HTTPS JSON API (docs/HTTP.md)
  curl --cert $CERTS/market-regulator.crt --key $CERTS/market-regulator.key \\
      --cacert $CERTS/ca.crt https://127.0.0.1:7444/v1/subjects/$LISTED

  # or set the defaults once
  export QCREG_SERVER=$addr QCREG_CA=$CERTS/ca.crt
  export QCREG_CERT=$CERTS/market-regulator.crt QCREG_KEY=$CERTS/market-regulator.key

Ctrl-C stops qcregd.

EOF
}

[ -x "$QCREGD" ] || die "$QCREGD not found (make all)"
[ -f "$CONF" ] || die "$CONF not found"
[ -f "$CERTS/ca.crt" ] || die "$CERTS/ca.crt not found (make certs)"

trap cleanup EXIT
trap 'forward SIGINT' INT
trap 'forward SIGTERM' TERM
trap 'forward SIGHUP' HUP

mkdir -p "$DATA"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qcreg-run.XXXXXX")
port_file=$tmp/port

"$QCREGD" --config "$CONF" --data "$DATA" --port-file "$port_file" \
    --http-listen "${RUNDEV_HTTP:-127.0.0.1:7444}" &
pid=$!

n=0
while [ ! -s "$port_file" ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		rc=0
		wait "$pid" || rc=$?
		pid=
		die "qcregd exited (status $rc) before it was listening"
	fi
	if [ $n -ge $START_TIMEOUT ]; then
		die "qcregd did not write $port_file within $((START_TIMEOUT / 10)) s"
	fi
	sleep 0.1
	n=$((n + 1))
done
port=$(tr -d ' \r\n' <"$port_file")
case $port in
*:*)	addr=$port ;;		# host:port
''|*[!0-9]*)
	die "unexpected port file contents: $port" ;;
*)	addr=127.0.0.1:$port ;;
esac

load_demo
examples

# Wait for qcregd. A trapped signal interrupts wait (status > 128) while
# qcregd still runs or is not reaped yet, so then wait again.
while :; do
	rc=0
	wait "$pid" || rc=$?
	if [ $rc -le 128 ] || ! kill -0 "$pid" 2>/dev/null; then
		break
	fi
done
pid=
echo "run-dev: qcregd exited with status $rc" >&2
exit "$rc"
