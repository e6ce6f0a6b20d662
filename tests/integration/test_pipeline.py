"""Pipelining (section 3): answers in request order, reads see earlier writes."""

import threading

from harness import *

suite = Suite("pipeline")


@suite.test(timeout=180)
def mixed_1200_in_order(ctx):
	avoid_midnight()
	s = ctx.server
	with s.connect(QUALITY) as q:
		msgs = []
		expect = []
		subs = []
		rid = 1000
		for i in range(300):
			subj = uscc(500000 + i)
			subs.append(subj)
			f = credit_fields("ABCD"[i % 4], score=i % 101, valid_until=day(100 + i))
			for m, e in (
				({"op": "put", "list": "credit", "subject": subj, "fields": f, "if_version": 0},
				 ("put", 1)),
				({"op": "get", "subject": subj}, ("get", subj, 1, f)),
				({"op": "check", "subjects": [subj, uscc_bad(i)]},
				 ("check", subj, [{"list": "credit", "grade": f["grade"], "until": f["valid_until"]}])),
				({"op": "put", "list": "credit", "subject": subj, "fields": f, "if_version": 0},
				 ("err", "conflict")),
			):
				rid += 1
				m["id"] = rid
				msgs.append(m)
				expect.append(e)
			if i % 3 == 0:
				f2 = dict(f, grade="A")
				for m, e in (
					({"op": "put", "list": "credit", "subject": subj, "fields": f2, "if_version": 1},
					 ("put", 2)),
					({"op": "get", "subject": subj.lower()}, ("get", subj, 2, f2)),
				):
					rid += 1
					m["id"] = rid
					msgs.append(m)
					expect.append(e)
		check(len(msgs) >= 1000, "pipeline length")
		answers = pump(q, msgs, timeout=150)
		eq(len(answers), len(msgs), "number of answers")
		last_seq = 0
		for m, e, a in zip(msgs, expect, answers):
			check_response(a, m["id"])
			what = "answer to id %d (%s)" % (m["id"], m["op"])
			if e[0] == "err":
				check(not a["ok"], what + ": want an error")
				eq(a["error"]["code"], e[1], what)
				continue
			check(a["ok"], "%s: %s" % (what, a.get("error")))
			res = a["result"]
			if e[0] == "put":
				eq(res["version"], e[1], what + " version")
				check(res["seq"] > last_seq, what + ": seq %d not after %d" % (res["seq"], last_seq))
				last_seq = res["seq"]
			elif e[0] == "get":
				eq(len(res["entries"]), 1, what)
				check_entry(res["entries"][0], False, "credit", e[1], e[2], "listed", "active", e[3])
			elif e[0] == "check":
				eq(res["results"], [check_result(e[1], e[2]),
						    {"subject": m["subjects"][1], "error": "invalid_subject"}], what)
		q.hello_ok()


@suite.test(timeout=180)
def output_cap_backpressure(ctx):
	"""More than 4 MiB of answers while the client does not read: nothing
	lost, all in order once it reads; another connection is answered while
	this one holds them. (That the server stops reading at its output cap
	is shown by the server's own idle-timeout log line in test_hostile.py:
	stalled_reader_dropped_after_idle_timeout, non_reader_reads_memory_bounded.)"""
	s = ctx.server
	batch = [uscc(700000 + i) for i in range(MAX_BATCH)]
	msgs = [{"id": i, "op": "check", "subjects": batch} for i in range(1, 401)]
	with s.connect(PLATFORM, rcvbuf=65536) as p, s.connect(PLATFORM) as other:
		served = []

		def while_held():
			# the client has read nothing yet: the server holds its answers
			for _ in range(5):
				other.hello_ok()
				served.append(1)
		answers = pump(p, msgs, timeout=160, hold=True, on_hold_end=while_held)
		eq(len(served), 5, "answers on another connection while this one held its answers")
		eq(len(answers), len(msgs), "answers")
		for m, a in zip(msgs, answers):
			check_response(a, m["id"])
			check(a["ok"], "check failed: %r" % a.get("error"))
			eq(len(a["result"]["results"]), MAX_BATCH, "results")
		p.hello_ok()
	print("# pipeline: output cap: %s of %d request bytes unsent when the client began to read" % (
		p.stalled, sum(len(frame(m)) for m in msgs)), flush=True)


@suite.test(timeout=120)
def small_output_cap_answers_everything(ctx):
	"""With the smallest output cap (64 KiB), 2,000 pipelined hellos (about
	450 KB of answers) sent at once: every answer arrives, in order. The
	answers of requests resumed when the output drained used to wait in the
	server until the idle timeout (the request fuzzer found it)."""
	d = mktemp("qcreg-cfg-")
	s = ctx.fresh_server("smallcap", config=write_config(os.path.join(d, "smallcap.conf"),
		server={}, limits={"output_cap": 65536, "idle_timeout": 600}))
	msgs = [{"id": i, "op": "hello"} for i in range(1, 2001)]
	with s.connect(REGULATOR, timeout=30) as c:
		c.send_raw(b"".join(frame(m) for m in msgs))
		for m in msgs:
			check_response(c.recv(), m["id"])
	s.stop_clean()


@suite.test(timeout=120)
def concurrent_writers_same_entry(ctx):
	"""Four connections write one entry at once: its versions stay a gap-free sequence."""
	s = ctx.server
	subj = new_uscc()
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=subj, fields=credit_fields(), if_version=0)
	results = []
	lock = threading.Lock()

	def worker(k):
		try:
			with s.connect(QUALITY) as c:
				msgs = [{"id": i + 1, "op": "put", "list": "credit", "subject": subj,
					 "fields": credit_fields("ABCD"[k], score=i)} for i in range(50)]
				ans = pump(c, msgs, timeout=60)
				with lock:
					results.extend(a["result"]["version"] if a["ok"] else a["error"]["code"] for a in ans)
		except Exception as e:
			with lock:
				results.append("exception %r" % e)
	ths = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(4)]
	for t in ths:
		t.start()
	for t in ths:
		t.join(90)
	eq(sorted(x for x in results if not isinstance(x, int)), [], "errors")
	eq(sorted(results), list(range(2, 202)), "versions handed out")
	with s.connect(REGULATOR) as reg:
		h = reg.ok("history", subject=subj)
		eq([v["version"] for v in h["versions"]], list(range(1, 202)), "history versions")
		seqs = [v["seq"] for v in h["versions"]]
		eq(seqs, sorted(seqs), "versions in seq order")


@suite.test(timeout=120)
def many_connections(ctx):
	"""200 connections open at once, each with requests in flight."""
	s = ctx.server
	subj = new_uscc()
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=subj, fields=credit_fields("D"))
	conns = []
	try:
		for i in range(200):
			conns.append(s.connect([PLATFORM, QUALITY, TOURISM, COMMERCE, REGULATOR][i % 5]))
		for i, c in enumerate(conns):
			c.send({"id": i, "op": "check", "subjects": [subj]})
			c.send({"id": i + 1000, "op": "hello"})
		for i, c in enumerate(conns):
			r = c.recv()
			check_response(r, i)
			eq(r["result"]["results"][0]["hits"], [{"list": "credit", "grade": "D"}], "hit on conn %d" % i)
			r = c.recv()
			check_response(r, i + 1000)
			eq(r["result"]["principal"], c.cn, "principal on conn %d" % i)
	finally:
		for c in conns:
			c.close()
	with s.connect(PLATFORM) as c:
		c.hello_ok()
