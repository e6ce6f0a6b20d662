"""Quotas (PROTOCOL.md 4.14): a platform flooding past its token bucket
is answered rate_limited with the seconds to wait and is held to its
quota, shown by counts and by /metrics, while every request of another
principal succeeds; subjects are metered as well as requests."""

import os
import re
import socket
import subprocess

from harness import *
from test_metrics import free_port, get, scrape, val

suite = Suite("quota")

RATE = 20


def quota_server(ctx, name, **prin):
	port = free_port()
	d = mktemp("qcreg-quota-conf-")
	sections = {"server": {"metrics_listen": "127.0.0.1:%d" % port},
		    "principal shop-platform": prin}
	conf = write_config(os.path.join(d, "q.conf"), **sections)
	s = ctx.fresh_server(name, config=conf)
	s.metrics_url = "http://127.0.0.1:%d" % port
	wait_until(lambda: get(s, "/healthz")[0] == 200, 30, "/healthz answers")
	return s


@suite.test(timeout=120)
def a_flood_is_held_to_the_quota(ctx):
	s = quota_server(ctx, "quota", requests_per_second=RATE, burst_seconds=1)
	subj = new_uscc()
	n = 400
	with s.connect(PLATFORM) as p:
		t0 = time.monotonic()
		answers = pump(p, [{"id": i, "op": "check", "subjects": [subj]} for i in range(n)])
		elapsed = time.monotonic() - t0
	ok = [a for a in answers if a["ok"]]
	limited = [a for a in answers if not a["ok"]]
	for a in limited:
		eq(a["error"]["code"], "rate_limited", "the refusal")
		m = re.search(r"retry in (\d+) s", a["error"]["message"])
		check(m is not None and int(m.group(1)) >= 1, "the wait: " + a["error"]["message"])
	check(len(limited) > 0, "the flood was held (%d ok in %.2f s)" % (len(ok), elapsed))
	# A full bucket (RATE) and what refills while the flood lasts.
	check(len(ok) <= RATE + RATE * elapsed + 1,
	      "%d answered in %.2f s: more than the quota allows" % (len(ok), elapsed))
	with s.connect(REGULATOR) as r:
		others = pump(r, [{"id": i, "op": "check", "subjects": [subj]} for i in range(300)])
	eq([a["ok"] for a in others], [True] * 300, "another principal is never held")
	m = scrape(s)
	eq(val(m, "qcreg_rate_limited_total", principal=PLATFORM), len(limited), "counted in /metrics")
	eq(val(m, "qcreg_rate_limited_total", principal=REGULATOR), 0, "nothing held of the regulator")
	eq(val(m, "qcreg_requests_total", op="check", result="rate_limited"), len(limited), "by result")
	eq(val(m, "qcreg_checked_subjects_total", principal=REGULATOR), 300, "the regulator's checks")


@suite.test(timeout=60)
def subjects_are_metered(ctx):
	s = quota_server(ctx, "quota-subjects", subjects_per_second=100)
	batch = [uscc(i) for i in range(1, 1001)]
	with s.connect(PLATFORM) as p:
		p.ok("check", subjects=batch)
		r = p.request("check", subjects=batch[:10])
		check(not r["ok"], "a batch past the subjects' bucket")
		eq(r["error"]["code"], "rate_limited", "code")
		m = re.search(r"retry in (\d+) s", r["error"]["message"])
		check(m is not None and 9 <= int(m.group(1)) <= 10,
		      "1000 subjects at 100/s: about 10 s to wait: " + r["error"]["message"])
		p.hello_ok()


@suite.test(timeout=60)
def bad_quota_config(ctx):
	d = mktemp("qcreg-quota-conf-")
	exe = QCREGD if os.path.isabs(QCREGD) else os.path.join(ROOT, QCREGD)
	for k, v in (("requests_per_second", "-1"), ("subjects_per_second", "lots"),
		     ("burst_seconds", "0")):
		conf = write_config(os.path.join(d, "bad.conf"), **{"principal shop-platform": {k: v}})
		p = subprocess.run([exe, "--config", conf, "--check-config"], cwd=ROOT,
				   capture_output=True, text=True, timeout=30)
		check(p.returncode != 0 and k in p.stderr, "%s = %s refused:\n%s" % (k, v, p.stderr))
