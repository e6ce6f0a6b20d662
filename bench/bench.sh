#!/bin/bash
# bench.sh: qcregd side by side with Redis 7 over mutual TLS (`make bench`).
#
# Starts a qcregd (temp data dir, port 0 + --port-file) and a redis-server
# (TLS only, tls-auth-clients yes, appendfsync always) on 127.0.0.1 with the
# development certificates, loads both with the same data set through
# their normal write paths (qcreg-bench --load), runs each scenario on
# both, one after the other, and prints a markdown table with ratios, then
# qcregd's peak RSS and its memory per idle mTLS connection. Everything it
# started is stopped on exit.
#
#   bench/bench.sh            the standard run (1,000,000 entries)
#   bench/bench.sh --large    check throughput at 1,000,000 vs 10,000,000
#                               entries (qcreg only; takes a while)
#   bench/bench.sh --replica  a replica's lag behind its primary under a
#                               stream of durable writes at half the
#                               primary's durable write rate (qcreg only)
#   bench/bench.sh --mirror   a platform's mirror (libqcreg): its first
#                               sync, then qcreg_mirror_check on one core
#                               against the server's batch check over
#                               mTLS, batches of 100 and 1,000 (qcreg only)
#   bench/bench.sh --report   report's latency on a subject with 100
#                               versions and 10 cases, in a store loaded
#                               with the data set: 10,000 reports,
#                               unsigned then signed (qcreg only)
#   bench/bench.sh --search   search over BENCH_KEYS generated enterprise
#                               names (qcreg-bench --print-names) imported
#                               with qcreg import, against SQLite FTS5
#                               (trigram) on the same names: queries/s and
#                               p50/p99 for fragments of 2, 4 and 8
#                               characters; the name index's pages per
#                               name; the import's time with the index and
#                               with the qcregd of the commit before it
#                               (built from git under the temp directory)
#                               (qcreg only, about 6 minutes at 1M)
#   bench/bench.sh --quota    another principal's latency while a
#                               platform floods past its quota (2,000
#                               requests/s): the regulator's check
#                               p50/p99 alone and under the flood, and
#                               what the flood got (qcreg only)
#   bench/bench.sh --http     check over the HTTPS JSON API (keep-alive,
#                               50 connections) beside the msgpack
#                               listener and Redis: one subject, and
#                               batches of 100
#   bench/bench.sh --console  the console's report page of a subject with
#                               100 versions and 10 cases in headless
#                               Chromium: load time p50/p95 of 30 loads
#                               (tests/browser/report_load.mjs)
#   bench/bench.sh --stall-check
#                             the load that showed the lost read event
#                               (docs/BENCH.md, "The stall"): 1,000,000
#                               pipelined puts with idle_timeout = 20; fails
#                               if any connection went idle or the load
#                               did not finish (qcreg only, about a minute)
#
# Environment: BENCH_KEYS (entries, 1000000), BENCH_DURATION (s per
# scenario, 4), BENCH_WARMUP (s, 1), BENCH_IDLE (idle connections, 10000),
# BENCH_REPEAT (runs of each scenario, alternating servers; the best run
# counts, 2), BENCH_LARGE_KEYS (10000000), BENCH_PERF=1 (perf record qcregd during the
# P=16 check, or --search's 4-character run, and print its top functions),
# BENCH_REPORTS (reports timed per run of --report, 10000),
# BENCH_OUT (keep the JSON results and logs in this directory),
# BENCH_SEARCH_CONNS (--search: connections to qcregd, and SQLite threads,
# 8), BENCH_BASE_REV (--search: the commit to compare the import with;
# the parent of the commit that added server/db/names.c),
# BENCH_BASE_QCREGD (--search: that commit's qcregd, built already).

set -eu

cd "$(dirname "$0")/.."
ROOT=$PWD

BENCH=${BENCH_BIN:-bin/qcreg-bench}
QCREGD=${BENCH_QCREGD:-bin/qcregd}
CONF=server/qcregd.conf
CERTS=$ROOT/certs/dev
KEYS=${BENCH_KEYS:-1000000}
DUR=${BENCH_DURATION:-4}
WARM=${BENCH_WARMUP:-1}
IDLE=${BENCH_IDLE:-10000}
REPEAT=${BENCH_REPEAT:-2}
REP=1
LARGE_KEYS=${BENCH_LARGE_KEYS:-10000000}
LARGE=0
REPLICA=0
LAG=${BENCH_LAG:-bin/qcreg-lag}
LAG_SECONDS=${BENCH_LAG_SECONDS:-20}
MIRROR=0
REPORT=0
REPORTS=${BENCH_REPORTS:-10000}
SEARCH=0
SEARCH_CONNS=${BENCH_SEARCH_CONNS:-8}
HTTP=0
CONSOLE=0
QUOTA=0
QUOTA_RATE=${BENCH_QUOTA_RATE:-2000}
QCREG=${BENCH_QCREG:-bin/qcreg}
STALL=0
STALL_KEYS=${BENCH_STALL_KEYS:-1000000}

case "${1:-}" in
--large) LARGE=1 ;;
--replica) REPLICA=1 ;;
--mirror) MIRROR=1 ;;
--report) REPORT=1 ;;
--search) SEARCH=1 ;;
--quota) QUOTA=1 ;;
--http) HTTP=1 ;;
--console) CONSOLE=1 ;;
--stall-check) STALL=1 ;;
"") ;;
*) echo "usage: bench/bench.sh [--large | --replica | --mirror |" \
	"--report | --search | --quota | --http | --console |" \
	"--stall-check]" >&2
   exit 2 ;;
esac

qpid=
rpid=
bpid=
lpid=
tmp=

die() {
	echo "bench: $*" >&2
	exit 1
}

say() {
	echo "bench: $*" >&2
}

stop_pid() {
	local pid=$1 n=0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317  # called from the trap
cleanup() {
	stop_pid "$bpid"
	stop_pid "$lpid"
	stop_pid "$qpid"
	stop_pid "$rpid"
	if [ -n "$tmp" ]; then
		if [ -n "${BENCH_OUT:-}" ]; then
			mkdir -p "$BENCH_OUT"
			cp "$tmp"/*.json "$tmp"/*.log "$tmp"/*.txt "$BENCH_OUT"/ \
			    2>/dev/null || true
		fi
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$BENCH" ] && [ -x "$QCREGD" ] || die "build first: make all"
[ -f "$CERTS/ca.crt" ] || die "no certificates: make certs"

# Both the bench process and qcregd hold 10,000+ descriptors.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((IDLE + 200)) ] ||
    say "warning: ulimit -n is $(ulimit -n); the idle test may fail"

if [ $LARGE -eq 0 ] && [ $STALL -eq 0 ] && [ $REPLICA -eq 0 ] &&
    [ $MIRROR -eq 0 ] && [ $SEARCH -eq 0 ] &&
    ! command -v redis-server >/dev/null; then
	say "installing redis-server (Debian package)"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server \
	    >/dev/null || die "cannot install redis-server"
	# The package may start a system instance on 6379: not ours to run.
	if command -v systemctl >/dev/null &&
	    systemctl is-active --quiet redis-server 2>/dev/null; then
		systemctl stop redis-server 2>/dev/null || true
	fi
fi

tmp=$(mktemp -d /tmp/qcreg-bench.XXXXXX)
start=$(date +%s)

# CPU ticks (user + system) of a process, from /proc.
ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

status_kb() {
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

# How busy the machine is without us: other processes skew every number.
machine_load() {
	local a b
	a=$(awk '/^cpu / { print $2+$3+$4+$7+$8, $5+$6 }' /proc/stat)
	sleep 1
	b=$(awk '/^cpu / { print $2+$3+$4+$7+$8, $5+$6 }' /proc/stat)
	echo "$a $b" | awk '{ busy = $3 - $1; idle = $4 - $2;
	    printf "%.0f", 100 * busy / (busy + idle) }'
}

# Starts qcregd with config $1 and data $2, named $3 (its log, port file):
# its pid in SPID, its port in SPORT.
start_server() {
	local conf=$1 data=$2 name=$3 n=0 http=
	mkdir -p "$data"
	rm -f "$tmp/$name.port" "$tmp/$name.port.http"
	# The HTTPS API too, unless the binary predates it (--search's base).
	if "$QCREGD" 2>&1 | grep -q -- --http-listen; then
		http="--http-listen 127.0.0.1:0"
	fi
	# shellcheck disable=SC2086
	"$QCREGD" --config "$conf" --listen 127.0.0.1:0 --data "$data" \
	    $http --port-file "$tmp/$name.port" 2>"$tmp/$name.log" &
	SPID=$!
	while [ ! -s "$tmp/$name.port" ]; do
		kill -0 "$SPID" 2>/dev/null || die "$name did not start: \
$(tail -3 "$tmp/$name.log")"
		[ $n -lt 200 ] || die "$name did not write its port"
		sleep 0.05
		n=$((n + 1))
	done
	SPORT=$(cat "$tmp/$name.port")
	SHTTP=$(cat "$tmp/$name.port.http" 2>/dev/null || true)
}

start_qcregd() {
	# The idle test opens 10,000 connections on top of the others.
	sed -e 's/^max_connections = .*/max_connections = 20000/' \
	    -e "s/^idle_timeout = .*/idle_timeout = ${IDLE_TIMEOUT:-300}/" \
	    "$CONF" > "$tmp/qcregd.conf"
	start_server "$tmp/qcregd.conf" "$1" qcregd
	qpid=$SPID
	QPORT=$SPORT
	HPORT=$SHTTP
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_redis() {
	local n=0
	mkdir -p "$tmp/redis"
	RPORT=$(free_port)
	redis-server --bind 127.0.0.1 --port 0 --tls-port "$RPORT" \
	    --tls-cert-file "$CERTS/server.crt" \
	    --tls-key-file "$CERTS/server.key" \
	    --tls-ca-cert-file "$CERTS/ca.crt" --tls-auth-clients yes \
	    --save "" --appendonly yes --appendfsync always \
	    --dir "$tmp/redis" --maxclients $((IDLE + 1000)) \
	    --logfile "$tmp/redis.log" &
	rpid=$!
	until redis-cli --tls --cacert "$CERTS/ca.crt" \
	    --cert "$CERTS/shop-platform.crt" \
	    --key "$CERTS/shop-platform.key" -h 127.0.0.1 -p "$RPORT" \
	    ping 2>/dev/null | grep -q PONG; do
		kill -0 "$rpid" 2>/dev/null || die "redis-server did not \
start: $(tail -3 "$tmp/redis.log")"
		[ $n -lt 600 ] || die "redis-server does not answer"
		sleep 0.1
		n=$((n + 1))
	done
}

# load PROTO PORT KEYS [FROM]: the data set through the normal write path.
load() {
	local proto=$1 port=$2 keys=$3 from=${4:-0}
	"$BENCH" --proto "$proto" --server "127.0.0.1:$port" --load \
	    --gen-keys "$keys" --load-from "$from" --ca "$CERTS/ca.crt" \
	    --cert-dir "$CERTS" --cert "$CERTS/shop-platform.crt" \
	    --key "$CERTS/shop-platform.key" --json \
	    > "$tmp/load-$proto-$keys.json" ||
	    die "loading $proto failed: $(cat "$tmp/load-$proto-$keys.json")"
	python3 -c 'import json, sys; r = json.load(open(sys.argv[1]));
print("bench: loaded %d %s entries in %.1f s (%.0f/s)" % (r["loaded"],
    sys.argv[2], r["duration"], r["loaded"] / r["duration"]))' \
	    "$tmp/load-$proto-$keys.json" "$proto" >&2
}

# run NAME PROTO ARGS...: one scenario on one server; JSON to NAME-PROTO.
run() {
	local name=$1 proto=$2 port pid t0 t1 out
	shift 2
	if [ "$proto" = qcreg ]; then
		port=$QPORT pid=$qpid
	elif [ "$proto" = http ]; then
		port=$HPORT pid=$qpid
	else
		port=$RPORT pid=$rpid
	fi
	out="$tmp/$name-$proto.r$REP.json"
	t0=$(ticks "$pid")
	if ! "$BENCH" --proto "$proto" --server "127.0.0.1:$port" \
	    --ca "$CERTS/ca.crt" --duration "$DUR" --warmup "$WARM" \
	    --gen-keys "$KEYS" --json --label "$name" "$@" > "$out" \
	    2>>"$tmp/bench.log"; then
		say "*** $name on $proto had errors: $(tail -1 "$tmp/bench.log")"
	fi
	t1=$(ticks "$pid")
	# Server CPU over warm-up and run, for CPU per request.
	echo "$name $proto $REP $((t1 - t0))" >> "$tmp/cpu.txt"
}

PLATFORM=(--cert "$CERTS/shop-platform.crt" --key "$CERTS/shop-platform.key")
WRITER=(--cert "$CERTS/quality-bureau.crt" --key "$CERTS/quality-bureau.key")

scenarios() {
	local p
	for REP in $(seq "$REPEAT"); do
		scenario_set "$@"
	done
}

scenario_set() {
	local p
	for p in "$@"; do
		run check1-p1 "$p" "${PLATFORM[@]}" --conns 50 --pipeline 1 \
		    --mix check1=100
	done
	for p in "$@"; do
		if [ "$p" = qcreg ] && [ "${BENCH_PERF:-0}" = 1 ] &&
		    [ "$REP" = 1 ]; then
			perf_start
		fi
		run check1-p16 "$p" "${PLATFORM[@]}" --conns 50 --pipeline 16 \
		    --mix check1=100
		perf_stop
	done
	for p in "$@"; do
		run checkB-100 "$p" "${PLATFORM[@]}" --conns 50 --pipeline 1 \
		    --mix checkB=100 --batch 100
	done
	for p in "$@"; do
		run new-conn "$p" "${PLATFORM[@]}" --conns 50 --new-conn \
		    --mix check1=100
	done
	for p in "$@"; do
		run put "$p" "${WRITER[@]}" --conns 50 --pipeline 1 --mix put=100
	done
}

perf_pid=
PERF_WHAT=check1-p16
perf_start() {
	if ! command -v perf >/dev/null; then
		say "BENCH_PERF: perf is not installed"
		return
	fi
	perf record -e cpu-clock -F 999 -g -p "$qpid" -o "$tmp/perf.data" \
	    -- sleep $((WARM + DUR)) >/dev/null 2>&1 &
	perf_pid=$!
}

perf_stop() {
	[ -n "$perf_pid" ] || return 0
	wait "$perf_pid" 2>/dev/null || true
	perf_pid=
	{
		echo "perf: qcregd during $PERF_WHAT, by shared object"
		perf report -i "$tmp/perf.data" --no-children -g none --sort dso \
		    --stdio 2>/dev/null | grep '%' | head -12
		echo "perf: top functions"
		perf report -i "$tmp/perf.data" --no-children -g none \
		    --sort dso,symbol --stdio 2>/dev/null | grep '%' | head -40
	} > "$tmp/perf.txt"
	cat "$tmp/perf.txt" >&2
}

# The markdown table: qcreg, redis, ratio, then the details.
table() {
	python3 - "$tmp" "$@" <<'EOF'
import json, os, sys
tmp = sys.argv[1]
rows = [
    ("check1-p1", "single-subject check vs GET, 50 conns, P=1 (req/s)", "rps"),
    ("check1-p16", "single-subject check vs GET, 50 conns, P=16 (req/s)", "rps"),
    ("checkB-100", "batch check of 100 vs MGET of 100, 50 conns (subjects/s)",
     "subjects_per_s"),
    ("new-conn", "new mTLS connection per request (conns/s)", "rps"),
    ("put", "durable put vs SET with appendfsync always, 50 conns (writes/s)",
     "rps"),
]
keys = dict((n, k) for n, _, k in rows)
cpu = {}
if os.path.exists(tmp + "/cpu.txt"):
    for line in open(tmp + "/cpu.txt"):
        n, p, rep, t = line.split()
        cpu[(n, p, rep)] = int(t)
hz = os.sysconf("SC_CLK_TCK")
best = {}
# Other processes on the machine only ever slow a run down: of the runs
# of a scenario on a server, the fastest counts.
def load(n, p):
    if (n, p) in best:
        return best[(n, p)]
    runs, rep = [], 1
    path = lambda rep: "%s/%s-%s.r%d.json" % (tmp, n, p, rep)
    while os.path.exists(path(rep)):
        try:
            r = json.load(open(path(rep)))
            r["rep"] = str(rep)
            runs.append(r)
        except ValueError:
            pass
        rep += 1
    bad = [r for r in runs if r["errors"] or r["conn_errors"]]
    # Errors are never hidden by a better run.
    j = bad[0] if bad else max(runs, key=lambda r: r[keys[n]]) \
        if runs else None
    best[(n, p)] = j
    return j
# Server CPU over warm-up + run, divided by the requests of the run
# scaled to the same time (µs per request; per batch for checkB).
def cpu_per(n, p):
    j = load(n, p)
    if not j:
        return None
    t = cpu.get((n, p, j["rep"]))
    total = j["rps"] * (j["duration"] + float(os.environ.get("WARM", 1)))
    if t is None or total <= 0:
        return None
    return t / hz * 1e6 / total
print("| scenario | qcreg | redis | ratio | CPU µs/req qcreg | redis | "
      "CPU ratio |")
print("|---|---|---|---|---|---|---|")
for n, title, key in rows:
    q, r = load(n, "qcreg"), load(n, "redis")
    qv = q[key] if q else None
    rv = r[key] if r else None
    flag = ""
    if (q and (q["errors"] or q["conn_errors"])) or \
       (r and (r["errors"] or r["conn_errors"])):
        flag = " (ERRORS)"
    fmt = lambda v: "%.0f" % v if v is not None else "-"
    fmt1 = lambda v: "%.1f" % v if v is not None else "-"
    ratio = "%.2f" % (qv / rv) if qv and rv else "-"
    qc, rc = cpu_per(n, "qcreg"), cpu_per(n, "redis")
    cratio = "%.2f" % (qc / rc) if qc and rc else "-"
    print("| %s%s | %s | %s | %s | %s | %s | %s |" % (title, flag, fmt(qv),
        fmt(rv), ratio, fmt1(qc), fmt1(rc), cratio))
print()
print("| scenario | server | p50 ms | p99 ms | p99.9 ms | server CPU us/req | "
      "client CPU | errors | resumed |")
print("|---|---|---|---|---|---|---|---|---|")
for n, title, key in rows:
    for p in ("qcreg", "redis"):
        j = load(n, p)
        if not j:
            continue
        c = cpu_per(n, p)
        per = "%.1f" % c if c is not None else "-"
        res = "%d/%d" % (j["resumed"], j["handshakes"]) \
            if j["mode"] == "new-conn" else ""
        err = j["errors"] + j["conn_errors"]
        print("| %s | %s | %.2f | %.2f | %.2f | %s | %.0f%% | %d%s | %s |" % (
            n, p, j["p50_us"] / 1e3, j["p99_us"] / 1e3, j["p999_us"] / 1e3,
            per, 100 * j["client_cpu_s"] / j["duration"], err,
            (" (" + j["first_error"] + ")") if err else "", res))
EOF
}

# idle PID PROTO PORT: memory per idle mTLS connection of that server.
idle() {
	local pid=$1 proto=$2 port=$3 rss0 anon0 rss1 anon1 n=0 got
	rss0=$(status_kb "$pid" VmRSS)
	anon0=$(status_kb "$pid" RssAnon)
	"$BENCH" --proto "$proto" --server "127.0.0.1:$port" \
	    --ca "$CERTS/ca.crt" "${PLATFORM[@]}" --idle "$IDLE" --conns 64 \
	    --hold 0 > "$tmp/idle-$proto.log" 2>&1 &
	bpid=$!
	until grep -q '^READY' "$tmp/idle-$proto.log"; do
		kill -0 "$bpid" 2>/dev/null || break
		[ $n -lt 1800 ] || break
		sleep 0.1
		n=$((n + 1))
	done
	sleep 1
	rss1=$(status_kb "$pid" VmRSS)
	anon1=$(status_kb "$pid" RssAnon)
	got=$(awk '/^READY/ { print $2 }' "$tmp/idle-$proto.log")
	stop_pid "$bpid"
	bpid=
	if [ -z "$got" ] || [ "$got" -eq 0 ]; then
		echo "- $proto: idle test failed: $(tail -2 "$tmp/idle-$proto.log")"
		return
	fi
	echo "- $proto: $got idle mTLS connections: VmRSS +$(( (rss1 - rss0) ))" \
	    "KiB = $(( (rss1 - rss0) * 1024 / got )) bytes per connection" \
	    "(RssAnon +$((anon1 - anon0)) KiB = $(( (anon1 - anon0) * 1024 / got ))" \
	    "bytes); $(sed -n 's/^READY //p' "$tmp/idle-$proto.log")"
}

busy=$(machine_load)
echo "bench: $(nproc) cores; other processes used ${busy}% of the machine" \
    "just before the run" >&2
[ "$busy" -lt 20 ] || say "warning: the machine is busy; numbers will be low"

if [ $STALL -eq 1 ]; then
	# A connection whose read event is lost sits until its idle timeout.
	IDLE_TIMEOUT=20
	start_qcregd "$tmp/qcreg"
	if ! load qcreg "$QPORT" "$STALL_KEYS"; then
		echo "FAIL stall_check: the load did not finish"
		exit 1
	fi
	if grep -q "idle timeout" "$tmp/qcregd.log"; then
		echo "FAIL stall_check: a loading connection stalled:"
		grep "idle timeout" "$tmp/qcregd.log" | head -3
		exit 1
	fi
	echo "PASS stall_check: $STALL_KEYS pipelined puts, no connection idle"
	exit 0
fi

# A replica of the qcregd on $QPORT, its port in LPORT.
start_replica() {
	sed -e "s/^; replica_of = .*/replica_of = 127.0.0.1:$QPORT/" \
	    -e 's/^signing_key/; signing_key/' "$tmp/qcregd.conf" \
	    > "$tmp/replica.conf"
	start_server "$tmp/replica.conf" "$tmp/replica" replica
	lpid=$SPID
	LPORT=$SPORT
}

if [ $REPLICA -eq 1 ]; then
	[ -x "$LAG" ] || die "build first: make all"
	start_qcregd "$tmp/qcreg"
	start_replica
	run put qcreg "${WRITER[@]}" --conns 50 --pipeline 1 --mix put=100
	rate=$(python3 -c 'import json, sys; print(int(json.load(open(sys.argv[1]))["rps"]))' \
	    "$tmp/put-qcreg.r1.json")
	say "durable puts on the primary: $rate writes/s; the stream runs at half"
	"$LAG" --primary "127.0.0.1:$QPORT" --replica "127.0.0.1:$LPORT" \
	    --rate $((rate / 2)) --duration "$LAG_SECONDS" --cert-dir "$CERTS"
	echo "finished in $(( $(date +%s) - start )) s"
	exit 0
fi

if [ $MIRROR -eq 1 ]; then
	start_qcregd "$tmp/qcreg"
	load qcreg "$QPORT" "$KEYS"
	for REP in $(seq "$REPEAT"); do
		for b in 100 1000; do
			run "checkB-$b" qcreg "${PLATFORM[@]}" --conns 50 \
			    --pipeline 1 --mix checkB=100 --batch "$b"
			# The first run syncs the mirror from scratch.
			"$BENCH" --server "127.0.0.1:$QPORT" --ca "$CERTS/ca.crt" \
			    "${PLATFORM[@]}" --pubkey "$CERTS/signing-1.pub" \
			    --mirror "$tmp/mirror" --gen-keys "$KEYS" --batch "$b" \
			    --duration "$DUR" --warmup "$WARM" --json \
			    --label "mirror-$b" > "$tmp/mirror-$b-qcreg.r$REP.json" \
			    2>>"$tmp/bench.log" ||
			    say "*** mirror-$b had errors: $(tail -1 "$tmp/bench.log")"
		done
	done
	echo
	echo "## Mirror check on one core vs the server's batch check over" \
	    "mutual TLS, $KEYS entries, 20% hits, $(nproc) cores (best of" \
	    "$REPEAT runs of $DUR s)"
	echo
	WARM=$WARM python3 - "$tmp" <<'EOF'
import json, os, sys
tmp = sys.argv[1]
hz = os.sysconf("SC_CLK_TCK")
warm = float(os.environ["WARM"])
cpu = {}
for line in open(tmp + "/cpu.txt"):
    n, p, rep, t = line.split()
    cpu[(n, rep)] = int(t) / hz
def runs(name):
    out, rep = [], 1
    while os.path.exists("%s/%s-qcreg.r%d.json" % (tmp, name, rep)):
        r = json.load(open("%s/%s-qcreg.r%d.json" % (tmp, name, rep)))
        r["rep"] = str(rep)
        out.append(r)
        rep += 1
    return out
print("| batch | server subjects/s | server CPU (cores) | server per core "
      "| mirror subjects/s, one thread | mirror per core "
      "| mirror / server per core | mirror p50 / p99 ms |")
print("|---|---|---|---|---|---|---|---|")
first = None
for b in (100, 1000):
    s = max(runs("checkB-%d" % b), key=lambda r: r["subjects_per_s"])
    m = runs("mirror-%d" % b)
    first = first or next((r for r in m if r["synced"] > 0), None)
    m = max(m, key=lambda r: r["subjects_per_s"])
    # The server's CPU over warm-up and run, per second of them.
    cores = cpu[("checkB-%d" % b, s["rep"])] / (s["duration"] + warm)
    per_core = s["subjects_per_s"] / cores
    # The mirror's calls alone were timed: their wall time and CPU time.
    m_core = m["subjects_per_s"] * m["duration"] / m["client_cpu_s"]
    err = " (ERRORS)" if s["errors"] or m["errors"] else ""
    print("| %d%s | %.0f | %.2f | %.0f | %.0f | %.0f | %.1f | %.3f / %.3f |" %
        (b, err, s["subjects_per_s"], cores, per_core, m["subjects_per_s"],
         m_core, m_core / per_core, m["p50_us"] / 1e3, m["p99_us"] / 1e3))
if first:
    print()
    print("First sync of the mirror: %d records in %.1f s (%.0f/s)" % (
        first["synced"], first["sync_s"], first["synced"] / first["sync_s"]))
EOF
	echo "Mirror files: $(du -sh "$tmp/mirror" | cut -f1); the" \
	    "server's store: $(du -sh "$tmp/qcreg" | cut -f1)"
	echo "finished in $(( $(date +%s) - start )) s"
	exit 0
fi

if [ $REPORT -eq 1 ]; then
	start_qcregd "$tmp/qcreg"
	load qcreg "$QPORT" "$KEYS"
	echo
	echo "## report of a subject with 100 versions and 10 cases, $KEYS" \
	    "entries in the store, $(nproc) cores"
	echo
	for REP in $(seq "$REPEAT"); do
		"$BENCH" --server "127.0.0.1:$QPORT" --ca "$CERTS/ca.crt" \
		    --cert-dir "$CERTS" --report "$REPORTS" --label "run $REP" ||
		    say "*** report run $REP had errors"
	done
	echo "finished in $(( $(date +%s) - start )) s"
	exit 0
fi

if [ $CONSOLE -eq 1 ]; then
	[ -d tests/browser/node_modules/playwright-core ] ||
	    die "no playwright-core: make deps"
	start_qcregd "$tmp/qcreg"
	echo
	echo "## the console's report page (100 versions, 10 cases) in" \
	    "headless Chromium, $(nproc) cores"
	echo
	NODE_EXTRA_CA_CERTS="$CERTS/ca.crt" node tests/browser/report_load.mjs \
	    "$HPORT" "$CERTS" "${BENCH_CONSOLE_RUNS:-30}" ||
	    die "report_load.mjs failed"
	echo "finished in $(( $(date +%s) - start )) s"
	exit 0
fi

if [ $HTTP -eq 1 ]; then
	start_qcregd "$tmp/qcreg"
	start_redis
	load qcreg "$QPORT" "$KEYS"
	load redis "$RPORT" "$KEYS"
	for REP in $(seq "$REPEAT"); do
		for p in qcreg http redis; do
			run check1-p1 "$p" "${PLATFORM[@]}" --conns 50 \
			    --pipeline 1 --mix check1=100
			run checkB-100 "$p" "${PLATFORM[@]}" --conns 50 \
			    --pipeline 1 --mix checkB=100 --batch 100
		done
	done
	echo
	echo "## check over HTTPS/JSON, msgpack and Redis, 50 keep-alive" \
	    "connections, $KEYS entries, $(nproc) cores"
	echo
	python3 - "$tmp" "$REPEAT" <<'PY'
import json, sys
tmp, rep = sys.argv[1], int(sys.argv[2])
def best(name, proto):
    runs = [json.load(open("%s/%s-%s.r%d.json" % (tmp, name, proto, r)))
            for r in range(1, rep + 1)]
    return max(runs, key=lambda j: j["rps"])
print("| scenario | qcreg msgpack req/s (p50/p99 ms) | qcreg HTTPS JSON | Redis | JSON / msgpack |")
print("|---|---|---|---|---|")
for name in ("check1-p1", "checkB-100"):
    q, h, r = (best(name, p) for p in ("qcreg", "http", "redis"))
    cell = lambda j: "%.0f (%.2f / %.2f)%s" % (j["rps"], j["p50_us"] / 1e3,
        j["p99_us"] / 1e3, " ERRORS" if j["errors"] else "")
    print("| %s | %s | %s | %s | %.2f |" % (name, cell(q), cell(h), cell(r),
        h["rps"] / q["rps"]))
PY
	echo "finished in $(( $(date +%s) - start )) s"
	exit 0
fi

if [ $QUOTA -eq 1 ]; then
	# The platform's section gets the quota; everything else as make run.
	awk -v r="$QUOTA_RATE" '{ print }
	    /^\[principal shop-platform\]/ { print "requests_per_second = " r;
	    print "subjects_per_second = " r }' "$CONF" |
	    sed -e 's/^max_connections = .*/max_connections = 20000/' \
	    > "$tmp/quota.conf"
	start_server "$tmp/quota.conf" "$tmp/qcreg" qcregd
	qpid=$SPID
	QPORT=$SPORT
	load qcreg "$QPORT" "$KEYS"
	REGULATOR=(--cert "$CERTS/market-regulator.crt" \
	    --key "$CERTS/market-regulator.key")
	for REP in $(seq "$REPEAT"); do
		run reg-alone qcreg "${REGULATOR[@]}" --conns 4 --pipeline 1 \
		    --mix check1=100
		"$BENCH" --server "127.0.0.1:$QPORT" --ca "$CERTS/ca.crt" \
		    "${PLATFORM[@]}" --conns 50 --pipeline 16 --mix check1=100 \
		    --gen-keys "$KEYS" --duration $((DUR + WARM + 2)) \
		    --warmup 0 --json --label flood \
		    > "$tmp/flood.r$REP.json" 2>>"$tmp/bench.log" &
		bpid=$!
		sleep 1
		run reg-flood qcreg "${REGULATOR[@]}" --conns 4 --pipeline 1 \
		    --mix check1=100
		wait "$bpid" || true
		bpid=
	done
	echo
	echo "## another principal's check under a platform held to" \
	    "$QUOTA_RATE requests/s, $KEYS entries, $(nproc) cores"
	echo
	python3 - "$tmp" "$REPEAT" <<'PY'
import json, sys
tmp, rep = sys.argv[1], int(sys.argv[2])
def best(name):
    runs = [json.load(open("%s/%s-qcreg.r%d.json" % (tmp, name, r)))
            for r in range(1, rep + 1)]
    return min(runs, key=lambda j: j["p99_us"])
print("| regulator, 4 connections | checks/s | p50 / p99 ms | errors |")
print("|---|---|---|---|")
for name, what in (("reg-alone", "alone"), ("reg-flood", "under the flood")):
    j = best(name)
    print("| %s | %.0f | %.3f / %.3f | %d |" % (what, j["rps"],
        j["p50_us"] / 1e3, j["p99_us"] / 1e3, j["errors"]))
for r in range(1, rep + 1):
    f = json.load(open("%s/flood.r%d.json" % (tmp, r)))
    print("flood %d (50 connections, pipeline 16): %.0f answers/s, of "
          "which %d errors (rate_limited)" % (r, f["rps"], f["errors"]))
PY
	echo "finished in $(( $(date +%s) - start )) s"
	exit 0
fi

# The pages of the store in $1 by database ("NAME PAGES ENTRIES" lines,
# from mdb_stat -afe), then _free, _used, _psize and _sub: the pages no
# database counts, those of the sub-databases of a DUPSORT tree (its
# duplicates past a page; the store's only DUPSORT tree is bigrams).
store_pages() {
	mdb_stat -afe "$1" | awk '
	/^Freelist Status/ { db = "_freelist" }
	/^Status of/ { db = $3 }
	/Branch pages:|Leaf pages:|Overflow pages:/ { p[db] += $3; sum += $3 }
	/Entries:/ { e[db] = $2 }
	/Free pages:/ { free = $3 }
	/Number of pages used:/ { used = $5 }
	/Page size:/ { ps = $3 }
	END {
		for (d in p)
			print d, p[d], e[d] + 0
		print "_free", free, 0
		print "_used", used, 0
		print "_psize", ps, 0
		print "_sub", used - free - sum - 2, 0
	}'
}

# The qcregd of the commit before the name index, built from git in the
# temp directory (or BENCH_BASE_QCREGD): BASE_QCREGD, BASE_REV.
build_base() {
	local added
	if [ -n "${BENCH_BASE_QCREGD:-}" ]; then
		BASE_QCREGD=$BENCH_BASE_QCREGD
		BASE_REV=${BENCH_BASE_REV:-given}
		return
	fi
	added=$(git log --diff-filter=A --format=%H -1 -- server/db/names.c)
	[ -n "$added" ] || die "no commit adds server/db/names.c"
	BASE_REV=$(git rev-parse --short "${BENCH_BASE_REV:-$added^}")
	say "building qcregd of $BASE_REV (before the name index)"
	mkdir -p "$tmp/base"
	git archive "$BASE_REV" | tar -x -C "$tmp/base" ||
	    die "git archive $BASE_REV failed"
	make -C "$tmp/base" -j"$(nproc)" bin/qcregd > "$tmp/base-build.log" \
	    2>&1 || die "building $BASE_REV failed: $(tail -3 "$tmp/base-build.log")"
	BASE_QCREGD=$tmp/base/bin/qcregd
}

# import_one WHICH BINARY: a fresh qcregd of BINARY imports the names,
# timed (wall, and the server's CPU ticks); its pages after.
import_one() {
	local which=$1 QCREGD=$2 t0 t1 c0 c1
	rm -rf "$tmp/imp-$which"
	start_qcregd "$tmp/imp-$which"
	c0=$(ticks "$qpid")
	t0=$(date +%s.%N)
	"$QCREG" --server "127.0.0.1:$QPORT" --ca "$CERTS/ca.crt" \
	    "${WRITER[@]}" import --list credit "$tmp/names.jsonl" \
	    > "$tmp/import-$which.r$REP.log" 2>&1 ||
	    die "import into $which failed: $(tail -2 "$tmp/import-$which.r$REP.log")"
	t1=$(date +%s.%N)
	c1=$(ticks "$qpid")
	echo "$which $REP $t0 $t1 $((c1 - c0))" >> "$tmp/import.txt"
	store_pages "$tmp/imp-$which" > "$tmp/pages-$which.txt"
	stop_pid "$qpid"
	qpid=
}

# search_sqlite CHARS: the same fragments on SQLite, JSON beside qcreg's.
search_sqlite() {
	"$BENCH" --fts "$tmp/names.fts" --frag-chars "$1" --gen-keys "$KEYS" \
	    --conns "$SEARCH_CONNS" --duration "$DUR" --warmup "$WARM" --json \
	    --label "search-$1" > "$tmp/search-$1-sqlite.r$REP.json" \
	    2>>"$tmp/bench.log" ||
	    say "*** search-$1 on sqlite had errors: $(tail -1 "$tmp/bench.log")"
}

if [ $SEARCH -eq 1 ]; then
	command -v mdb_stat >/dev/null || die "no mdb_stat: make deps"
	[ -x "$QCREG" ] || die "build first: make all"
	build_base
	say "$KEYS names (qcreg-bench --print-names), imported $REPEAT times" \
	    "into the qcregd of $BASE_REV and into this one"
	"$BENCH" --print-names "$KEYS" > "$tmp/names.jsonl"
	for REP in $(seq "$REPEAT"); do
		import_one base "$BASE_QCREGD"
		rm -rf "$tmp/imp-base"
		import_one index "$QCREGD"
	done
	"$BENCH" --fts "$tmp/names.fts" --fts-build --gen-keys "$KEYS" \
	    > "$tmp/fts-build.json" || die "building the FTS5 table failed"
	start_qcregd "$tmp/imp-index"
	REGULATOR=(--cert "$CERTS/market-regulator.crt" \
	    --key "$CERTS/market-regulator.key")
	PERF_WHAT=search-4
	for REP in $(seq "$REPEAT"); do
		for c in 2 4 8; do
			if [ "$c" = 4 ] && [ "${BENCH_PERF:-0}" = 1 ] &&
			    [ "$REP" = 1 ]; then
				perf_start
			fi
			run "search-$c" qcreg "${REGULATOR[@]}" --mix search=100 \
			    --frag-chars "$c" --conns "$SEARCH_CONNS"
			perf_stop
			search_sqlite "$c"
		done
	done
	echo
	echo "## search over $KEYS names vs SQLite $(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["sqlite"])' "$tmp/fts-build.json") FTS5" \
	    "(trigram), $SEARCH_CONNS connections / threads, $(nproc) cores" \
	    "(best of $REPEAT runs of $DUR s)"
	echo
	python3 - "$tmp" "$KEYS" "$BASE_REV" <<'EOF'
import json, os, sys
tmp, keys, base = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def best(name):
    runs, rep = [], 1
    while os.path.exists("%s/%s.r%d.json" % (tmp, name, rep)):
        try:
            runs.append(json.load(open("%s/%s.r%d.json" % (tmp, name, rep))))
        except ValueError:
            pass
        rep += 1
    bad = [r for r in runs if r["errors"] or r["conn_errors"]]
    return bad[0] if bad else max(runs, key=lambda r: r["rps"]) \
        if runs else None
print("| fragment | qcreg q/s | p50 / p99 ms | truncated | SQLite q/s | "
      "p50 / p99 ms | qcreg / SQLite |")
print("|---|---|---|---|---|---|---|")
for c in (2, 4, 8):
    q, s = best("search-%d-qcreg" % c), best("search-%d-sqlite" % c)
    if not q or not s:
        continue
    err = " (ERRORS)" if q["errors"] + q["conn_errors"] + s["errors"] + \
        s["conn_errors"] else ""
    print("| %d characters%s | %.0f | %.2f / %.2f | %.1f%% | %.0f | "
          "%.2f / %.2f | %.2f |" % (c, err, q["rps"], q["p50_us"] / 1e3,
          q["p99_us"] / 1e3, 100.0 * q["truncated"] / max(q["searches"], 1),
          s["rps"], s["p50_us"] / 1e3, s["p99_us"] / 1e3, q["rps"] / s["rps"]))
def pages(which):
    out = {}
    for line in open("%s/pages-%s.txt" % (tmp, which)):
        n, p, e = line.split()
        out[n] = (int(p), int(e))
    return out
ix, bs = pages("index"), pages("base")
ps = ix["_psize"][0]
print()
print("| storage | pages | bytes per name |")
print("|---|---|---|")
total = 0
for db in ("name_subj", "name_rows", "bigrams"):
    p = ix[db][0] + (ix["_sub"][0] if db == "bigrams" else 0)
    total += p
    what = " (with its %d sub-database pages)" % ix["_sub"][0] \
        if db == "bigrams" else ""
    print("| `%s`%s, %d entries | %d | %.1f |" % (db, what, ix[db][1], p,
          p * ps / keys))
print("| the name index | %d | **%.1f** |" % (total, total * ps / keys))
used = lambda d: d["_used"][0] - d["_free"][0]
print("| whole store, %s minus before it (%s) | %d | %.1f |" % (
    "this qcregd", base, used(ix) - used(bs), (used(ix) - used(bs)) * ps / keys))
f = json.load(open(tmp + "/fts-build.json"))
t = f.get("tables", {})
idx = t.get("names_data", 0) + t.get("names_idx", 0)
print("| SQLite FTS5 file (%.1f s to build) | %d | **%.1f** |" % (f["build_s"],
      f["bytes"] / 4096, f["bytes"] / keys))
if t:
    print("| of which the trigram index (`names_data`, `names_idx`) | %d | %.1f |"
          % (idx / 4096, idx / keys))
    print("| of which the names and subjects (`names_content`) | %d | %.1f |" % (
          t.get("names_content", 0) / 4096, t.get("names_content", 0) / keys))
hz = os.sysconf("SC_CLK_TCK")
imp = {}
for line in open(tmp + "/import.txt"):
    w, rep, t0, t1, ticks = line.split()
    imp.setdefault(w, []).append((float(t1) - float(t0), int(ticks) / hz))
print()
print("| import of %d names (`qcreg import`) | runs (wall s) | best | qcregd CPU s (best run) |"
      % keys)
print("|---|---|---|---|")
bst = {}
for w, title in (("base", "before the index (%s)" % base), ("index", "with the index")):
    runs = imp[w]
    b = min(runs)
    bst[w] = b
    print("| %s | %s | %.1f | %.1f |" % (title, ", ".join("%.1f" % r[0]
          for r in runs), b[0], b[1]))
print("| slowdown | | **%+.0f%%** | %+.0f%% |" % (100 * (bst["index"][0] /
      bst["base"][0] - 1), 100 * (bst["index"][1] / bst["base"][1] - 1)))
EOF
	echo
	echo "qcregd peak RSS (VmHWM) after the searches: $(status_kb "$qpid" \
VmHWM) KiB"
	echo "finished in $(( $(date +%s) - start )) s"
	exit 0
fi

if [ $LARGE -eq 1 ]; then
	start_qcregd "$tmp/qcreg"
	load qcreg "$QPORT" "$KEYS"
	KEYS_SMALL=$KEYS
	# A longer warm-up: the first lookups fault the map's pages in.
	run check1-p16-small qcreg "${PLATFORM[@]}" --conns 50 --pipeline 16 \
	    --warmup 10
	run check1-p1-small qcreg "${PLATFORM[@]}" --conns 50 --pipeline 1
	t0=$(date +%s)
	load qcreg "$QPORT" "$LARGE_KEYS" "$KEYS"
	say "the store is $(du -sh "$tmp/qcreg" | cut -f1) after" \
	    "$(( $(date +%s) - t0 )) s of loading"
	KEYS=$LARGE_KEYS
	run check1-p16-large qcreg "${PLATFORM[@]}" --conns 50 --pipeline 16 \
	    --warmup 10
	run check1-p1-large qcreg "${PLATFORM[@]}" --conns 50 --pipeline 1
	python3 - "$tmp" "$KEYS_SMALL" "$LARGE_KEYS" <<'EOF'
import json, sys
tmp, small, large = sys.argv[1:]
print("| check, 50 conns | %s entries | %s entries | ratio |" % (small, large))
print("|---|---|---|---|")
for p in ("p16", "p1"):
    a = json.load(open("%s/check1-%s-small-qcreg.r1.json" % (tmp, p)))
    b = json.load(open("%s/check1-%s-large-qcreg.r1.json" % (tmp, p)))
    print("| %s (req/s) | %.0f | %.0f | %.2f |" % (p.upper(), a["rps"],
        b["rps"], b["rps"] / a["rps"]))
EOF
	echo
	echo "qcregd peak RSS (VmHWM): $(status_kb "$qpid" VmHWM) KiB"
	echo "finished in $(( $(date +%s) - start )) s"
	exit 0
fi

start_qcregd "$tmp/qcreg"
start_redis
say "qcregd on port $QPORT, redis-server $(redis-server --version |
    sed 's/.*v=\([^ ]*\).*/\1/') on port $RPORT; loading $KEYS entries"
load qcreg "$QPORT" "$KEYS"
load redis "$RPORT" "$KEYS"
say "running 5 scenarios x 2 servers x $REPEAT, $WARM s warm-up + $DUR s" \
    "each"
export WARM
scenarios qcreg redis

echo
echo "## qcreg vs Redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')" \
    "over mutual TLS, $KEYS entries, 20% hits, $(nproc) cores shared by" \
    "client and server (best of $REPEAT runs of $DUR s)"
echo
table
echo
echo "Memory:"
echo "- peak RSS (VmHWM) after loading and the scenarios: qcregd" \
    "$(status_kb "$qpid" VmHWM) KiB, redis-server" \
    "$(status_kb "$rpid" VmHWM) KiB"
# Fresh processes on the same data, so that memory freed by the scenarios
# and kept by malloc does not hide what idle connections cost.
say "restarting both servers, then $IDLE idle mTLS connections to each"
stop_pid "$qpid"
qpid=
stop_pid "$rpid"
rpid=
start_qcregd "$tmp/qcreg"
start_redis
idle "$qpid" qcreg "$QPORT"
idle "$rpid" redis "$RPORT"
echo
echo "finished in $(( $(date +%s) - start )) s"
