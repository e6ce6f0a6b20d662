"""/healthz and /metrics on metrics_listen (PROTOCOL.md 9): the output
parsed by the Prometheus client's own text parser, counters that move
with traffic, the store's gauges, what is refused, and that the listener
only takes loopback addresses."""

import json
import os
import socket
import subprocess
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from harness import *

suite = Suite("metrics")


def free_port():
	s = socket.socket()
	s.bind(("127.0.0.1", 0))
	port = s.getsockname()[1]
	s.close()
	return port


def metrics_server(ctx, name):
	port = free_port()
	d = mktemp("qcreg-metrics-conf-")
	conf = write_config(os.path.join(d, "m.conf"), server={"metrics_listen": "127.0.0.1:%d" % port})
	s = ctx.fresh_server(name, config=conf)
	s.metrics_url = "http://127.0.0.1:%d" % port
	wait_until(lambda: get(s, "/healthz")[0] == 200, 30, "/healthz answers")
	return s


def get(s, path, method="GET"):
	req = urllib.request.Request(s.metrics_url + path, method=method)
	try:
		with urllib.request.urlopen(req, timeout=10) as r:
			return r.status, r.headers, r.read().decode()
	except urllib.error.HTTPError as e:
		return e.code, e.headers, e.read().decode()
	except OSError:
		return None, None, ""


def scrape(s):
	"""{(name, frozenset(labels)): value} from the Prometheus parser."""
	st, hdr, text = get(s, "/metrics")
	eq(st, 200, "GET /metrics")
	check(hdr["Content-Type"].startswith("text/plain; version=0.0.4"), hdr["Content-Type"])
	out = {}
	for fam in text_string_to_metric_families(text):
		for smp in fam.samples:
			out[(smp.name, frozenset(smp.labels.items()))] = smp.value
	return out


def val(m, name, **labels):
	return m.get((name, frozenset(labels.items())), 0)


def total(m, name, **labels):
	return sum(v for (n, ls), v in m.items() if n == name and set(labels.items()) <= ls)


@suite.test(timeout=120)
def counters_move_with_traffic(ctx):
	s = metrics_server(ctx, "metrics")
	st, hdr, body = get(s, "/healthz")
	h = json.loads(body)
	eq((h["ok"], h["role"], h["head"]), (True, "primary", 0), "healthz")
	check(h["uptime"] >= 0 and 0 < h["map_used"] <= h["map_size"], "map use: %s" % h)
	before = scrape(s)
	subs = [new_uscc() for _ in range(3)]
	with s.connect(QUALITY) as q:
		for x in subs[:2]:
			q.ok("put", list="credit", subject=x, fields=credit_fields("D"))
		q.err("put", "bad_request", list="credit", subject=subs[2], fields={"grade": "Z"})
	with s.connect(TOURISM) as t:
		t.ok("case_open", list="tourism", subject=new_guide(), kind="notice",
		     received_on=day(0), text="拟列入", fields=tourism_fields(category="unlicensed_guide"))
	with s.connect(PLATFORM) as p:
		for _ in range(5):
			p.ok("check", subjects=subs)
		p.err("history", "forbidden", subject=subs[0])
	refused_peer(s.port, ctx=make_ctx(cn=None))
	after = scrape(s)
	d = lambda name, **l: val(after, name, **l) - val(before, name, **l)
	eq(d("qcreg_requests_total", op="check", result="ok"), 5, "checks counted")
	eq(d("qcreg_requests_total", op="put", result="ok"), 2, "puts counted")
	eq(d("qcreg_requests_total", op="put", result="bad_request"), 1, "a refused put")
	eq(d("qcreg_requests_total", op="history", result="forbidden"), 1, "a forbidden history")
	eq(d("qcreg_request_duration_seconds_count", op="check"), 5, "check latencies")
	eq(d("qcreg_checked_subjects_total", principal=PLATFORM), 15, "subjects checked by the platform")
	check(d("qcreg_write_batch_size_count") >= 1, "write batches")
	check(d("qcreg_commit_duration_seconds_count") >= 1, "commits timed")
	check(total(after, "qcreg_handshake_failures_total") - total(before, "qcreg_handshake_failures_total") >= 1,
	      "the refused handshake")
	eq(val(after, "qcreg_entries", list="credit", state="active"), 2, "active credit entries")
	eq(val(after, "qcreg_cases_open", list="tourism"), 1, "open tourism cases")
	eq(val(after, "qcreg_cases_overdue", list="tourism"), 0, "nothing overdue")
	eq(val(after, "qcreg_log_head_seq"), 3, "the log's head")
	check(val(after, "qcreg_connections_open") >= 0, "connections open")
	b = [(ls, v) for (n, ls), v in after.items() if n == "qcreg_request_duration_seconds_bucket"
	     and ("op", "check") in ls]
	check(len(b) > 3, "latency buckets")


@suite.test(timeout=60)
def refuses_what_it_does_not_serve(ctx):
	s = metrics_server(ctx, "metrics-refuse")
	eq(get(s, "/nope")[0], 404, "an unknown path")
	eq(get(s, "/metrics", method="POST")[0], 405, "POST")
	eq(get(s, "/healthz", method="DELETE")[0], 405, "DELETE")
	eq(get(s, "/healthz")[0], 200, "still serving")
	with s.connect(REGULATOR) as r:
		r.hello_ok()


@suite.test(timeout=60)
def loopback_only(ctx):
	d = mktemp("qcreg-metrics-conf-")
	exe = QCREGD if os.path.isabs(QCREGD) else os.path.join(ROOT, QCREGD)
	for addr in ("0.0.0.0:9100", "192.168.1.5:9100", "[::]:9100"):
		conf = write_config(os.path.join(d, "bad.conf"), server={"metrics_listen": addr})
		p = subprocess.run([exe, "--config", conf, "--check-config"], cwd=ROOT,
				   capture_output=True, text=True, timeout=30)
		check(p.returncode != 0, "metrics_listen %s accepted" % addr)
		check("loopback" in p.stderr, "the refusal says why:\n" + p.stderr)
