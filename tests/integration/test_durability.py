"""Durability: an acknowledged write survives kill -9; SIGTERM exits 0."""

import signal
import subprocess
import threading

from harness import *

suite = Suite("durability")


def _plans():
	"""Four pipelines of writes: (principal, [request])."""
	plans = []
	# quality-bureau: 60 new entries, then a second version of every third
	msgs = []
	subs = [new_uscc() for _ in range(60)]
	for i, x in enumerate(subs):
		msgs.append({"op": "put", "list": "credit", "subject": x, "if_version": 0,
			     "fields": credit_fields("ABCD"[i % 4], score=i, report="R-%d" % i)})
	for i, x in enumerate(subs[::3]):
		msgs.append({"op": "put", "list": "credit", "subject": x, "if_version": 1,
			     "fields": credit_fields("A", score=100 - i)})
	plans.append((QUALITY, msgs))
	# tourism-bureau: 60 entries of every kind
	msgs = []
	for i in range(60):
		x = NEW_SUBJECT[["uscc", "guide", "site", "plate"][i % 4]]()
		msgs.append({"op": "put", "list": "tourism", "subject": x,
			     "fields": tourism_fields(reason="原因%d" % i)})
	plans.append((TOURISM, msgs))
	# commerce-bureau: 50 entries, 10 of them removed again
	msgs = []
	subs = [new_site() for _ in range(50)]
	for x in subs:
		msgs.append({"op": "put", "list": "advertising", "subject": x, "fields": adv_fields()})
	for x in subs[:10]:
		msgs.append({"op": "remove", "list": "advertising", "subject": x, "reason": "撤销", "if_version": 1})
	plans.append((COMMERCE, msgs))
	# quality-bureau again, on another connection: 50 entries
	msgs = [{"op": "put", "list": "credit", "subject": new_uscc(), "fields": credit_fields("C")}
		for _ in range(50)]
	plans.append((QUALITY, msgs))
	for _, msgs in plans:
		for i, m in enumerate(msgs):
			m["id"] = i + 1
	return plans


def _run_plans(s, plans):
	"""Pump every plan on its own connection at once; return [(msg, answer)]."""
	out = [None] * len(plans)

	def worker(k, cn, msgs):
		try:
			with s.connect(cn) as c:
				out[k] = list(zip(msgs, pump(c, msgs, timeout=120)))
		except Exception as e:
			out[k] = e
	ths = [threading.Thread(target=worker, args=(k, cn, msgs), daemon=True)
	       for k, (cn, msgs) in enumerate(plans)]
	for t in ths:
		t.start()
	for t in ths:
		t.join(150)
	done = []
	for k, r in enumerate(out):
		check(isinstance(r, list), "pipeline %d: %r" % (k, r))
		for m, a in r:
			check_response(a, m["id"])
			check(a["ok"], "write %s: %s" % (short(m, 100), a.get("error")))
			done.append((m, a["result"]))
	return done


def _verify(s, done, exact=True):
	"""Every acknowledged write is there with its version, seq and fields."""
	with s.connect(REGULATOR) as reg:
		changes, versions = verify_chain(reg)
		if exact:
			eq(len(changes), len(done), "changes after restart")
		else:
			check(len(changes) >= len(done), "%d changes for %d acknowledged writes" % (
				len(changes), len(done)))
		newest = {}
		for m, res in done:
			subj = reg.ok("get", subject=m["subject"])["subject"]
			v = versions.get((m["list"], subj, res["version"]))
			check(v is not None, "acknowledged %s %s/%s v%d is missing" % (m["op"], m["list"], subj,
										 res["version"]))
			eq(v["seq"], res["seq"], "seq of %s/%s v%d" % (m["list"], subj, res["version"]))
			if m["op"] == "put":
				eq(v["fields"], with_defaults(m["list"], m["fields"]), "fields of %s v%d" % (subj,
													res["version"]))
				eq(v["status"], "listed", "status")
			else:
				eq(v["status"], "removed", "status")
				eq(v["reason"], m["reason"], "reason")
			k = (m["list"], subj)
			newest[k] = max(newest.get(k, 0), res["version"])
		for (l, subj), ver in newest.items():
			e = reg.ok("get", subject=subj, lists=[l])["entries"]
			eq(e[0]["version"], ver, "newest version of %s/%s" % (l, subj))
		st = reg.ok("stats")
		eq(st["head"], len(changes), "stats.head")
		if exact:
			eq(st["total"], len(newest), "stats.total")


@suite.test(timeout=300)
def kill9_after_acknowledgements(ctx):
	s = ctx.fresh_server("kill9")
	plans = _plans()
	done = _run_plans(s, plans)
	eq(len(done), sum(len(m) for _, m in plans), "acknowledged writes")
	rc = s.kill9()
	eq(rc, -signal.SIGKILL, "killed")
	s.start()
	_verify(s, done)
	# and it keeps working: the log continues
	with s.connect(QUALITY) as q:
		r = q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields())
		eq(r["seq"], len(done) + 1, "seq after the restart")
	s.kill9()
	s.start()
	with s.connect(REGULATOR) as reg:
		verify_chain(reg)


@suite.test(timeout=180)
def sigterm_exits_zero_data_kept(ctx):
	s = ctx.fresh_server("term")
	plans = _plans()[:2]
	done = _run_plans(s, plans)
	idle = s.connect(PLATFORM)  # an open idle connection must not hold up the exit
	idle.hello_ok()
	try:
		s.stop_clean()
	finally:
		idle.close()
	s.start()
	_verify(s, done)
	s.stop_clean()


@suite.test(timeout=180)
def sigterm_with_writes_in_flight(ctx):
	"""SIGTERM while a pipeline is in flight: exit 0; every acknowledged write survives."""
	s = ctx.fresh_server("drain")
	msgs = [{"id": i + 1, "op": "put", "list": "credit", "subject": new_uscc(),
		 "fields": credit_fields("B", score=i % 100)} for i in range(300)]
	c = s.connect(QUALITY)
	try:
		c.hello_ok()
		c.send_raw(b"".join(frame(m) for m in msgs))
		s.proc.send_signal(signal.SIGTERM)
		answers = []
		c.sock.settimeout(30)
		while True:
			try:
				answers.append(c.recv())
			except Closed:
				break
			except socket.timeout:
				fail("connection neither answered nor closed 30 s after SIGTERM")
	finally:
		c.close()
	rc = s.wait(timeout=30)
	s.assert_no_sanitizer()
	eq(rc, 0, "exit status after SIGTERM")
	done = []
	for m, a in zip(msgs, answers):
		check_response(a, m["id"])
		if a["ok"]:
			done.append((m, a["result"]))
		else:
			eq(a["error"]["code"], "unavailable", "error of a write during shutdown")
	s.start()
	_verify(s, done, exact=False)


@suite.test(timeout=60)
def sighup_keeps_connections(ctx):
	"""SIGHUP reloads without dropping open connections (README, "Operating qcregd")."""
	s = ctx.fresh_server("hup")
	with s.connect(QUALITY) as q, s.connect(PLATFORM) as p:
		subj = new_uscc()
		q.ok("put", list="credit", subject=subj, fields=credit_fields("A"))
		mark = s.log_mark()
		s.proc.send_signal(signal.SIGHUP)
		# the reload is done when the server says so; the connections are still open after it
		s.wait_log(r"reload: certificates, CRL, principals, calendar and signing key reloaded$", since=mark, timeout=10)
		p.hello_ok()
		q.hello_ok()
		check(s.alive(), "qcregd died on SIGHUP")
		eq(p.ok("check", subjects=[subj])["results"][0]["hits"], [{"list": "credit", "grade": "A"}], "hit")
		eq(q.ok("put", list="credit", subject=subj, fields=credit_fields("B"))["version"], 2, "put after HUP")
	with s.connect(PLATFORM) as p:
		p.hello_ok()
	s.stop_clean()


@suite.test(timeout=120)
def sigterm_right_after_start(ctx):
	"""SIGTERM the moment the port file exists (a supervisor that signals
	on readiness): every time a clean stop, exit 0 and "stopped" in the
	log. The signal used to arrive before the handlers were installed
	and killed the daemon (exit -15, no shutdown)."""
	exe = QCREGD if os.path.isabs(QCREGD) else os.path.join(ROOT, QCREGD)
	for i in range(20):
		d = mktemp("qcreg-sigterm-")
		pf, log = os.path.join(d, "port"), os.path.join(d, "log")
		with open(log, "wb") as lf:
			p = subprocess.Popen([exe, "--config", CONFIG, "--listen", "127.0.0.1:0",
					      "--data", os.path.join(d, "data"), "--port-file", pf],
					     cwd=ROOT, stdout=lf, stderr=subprocess.STDOUT)
		deadline = time.monotonic() + 30
		while not os.path.exists(pf):
			check(p.poll() is None, "round %d: qcregd exited before listening" % i)
			check(time.monotonic() < deadline, "round %d: no port file" % i)
		p.send_signal(signal.SIGTERM)
		rc = p.wait(timeout=30)
		with open(log, "rb") as f:
			text = f.read().decode("utf-8", "replace")
		eq(rc, 0, "round %d: exit status of a SIGTERM right after start (log: %s)" % (i, text[-300:]))
		check("stopped" in text, "round %d: no clean stop in the log: %s" % (i, text[-300:]))

