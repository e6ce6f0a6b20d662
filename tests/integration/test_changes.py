"""The change log (section 4.4): gap-free seq, chained and recomputable hashes."""

from harness import *

suite = Suite("changes")


def _write_mix(s):
	"""Varied writes; returns [(seq, op, list, subject, version, principal)]."""
	log = []
	q = s.connect(QUALITY)
	t = s.connect(TOURISM)
	a = s.connect(COMMERCE)
	try:
		def w(c, op, **args):
			r = c.ok(op, **args)
			log.append((r["seq"], op, args["list"], args["subject"], r["version"], c.cn))
			return r
		u1, u2 = new_uscc(), new_uscc()
		w(q, "put", list="credit", subject=u1, fields=credit_fields(
			"A", score=100, report="QR:2026\n01", valid_from="2026-01-01", valid_until="2099-12-31"))
		w(q, "put", list="credit", subject=u1, fields=credit_fields("D", score=0))
		w(q, "put", list="credit", subject=u2.lower(), fields={"name": "x:1:y\n", "grade": "B", "score": 7})
		w(t, "put", list="tourism", subject="plate:闽a12345", fields=tourism_fields("illegal_vehicle"))
		w(t, "put", list="tourism", subject="guide:d-3501-000123", fields=tourism_fields(
			"unlicensed_guide", listed_on="2024-01-31", expires_on="2024-02-29"))
		w(t, "put", list="tourism", subject=u1, fields=tourism_fields("other", reason="理" * 300))
		w(a, "put", list="advertising", subject="site:Ads.Example.CN", fields=adv_fields())
		w(a, "remove", list="advertising", subject="site:ads.example.cn", reason="信用修复：已完成整改")
		w(q, "remove", list="credit", subject=u1, reason="court\ndecision: 1")
		w(a, "put", list="advertising", subject="site:ads.example.cn", fields=adv_fields(
			expires_on="2030-01-01"), if_version=2)
		w(t, "remove", list="tourism", subject="plate:闽A12345", reason="x")
		w(q, "put", list="credit", subject=u1, fields=credit_fields("C"), if_version=3)
		msgs = [{"id": i + 1, "op": "put", "list": "advertising", "subject": new_site(),
			 "fields": adv_fields(name="批量%d" % i)} for i in range(40)]
		for m, r in zip(msgs, pump(a, msgs)):
			check(r.get("ok"), "pipelined put: %r" % r)
			log.append((r["result"]["seq"], "put", "advertising", m["subject"], r["result"]["version"],
				    COMMERCE))
	finally:
		q.close()
		t.close()
		a.close()
	return log


@suite.test(timeout=120)
def chain_recomputes(ctx):
	s = ctx.fresh_server("chain")
	log = _write_mix(s)
	with s.connect(REGULATOR) as reg, s.connect(PLATFORM) as p:
		changes, versions = verify_chain(reg)
		eq(len(changes), len(log), "number of changes")
		eq(sorted(x[0] for x in log), list(range(1, len(log) + 1)), "acknowledged seqs are 1..n")
		for seq, op, lst, subj, ver, who in sorted(log):
			c = changes[seq - 1]
			eq((c["op"], c["list"], c["version"], c["principal"]), (op, lst, ver, who),
			   "change %d" % seq)
		# pages of 5 give the same log; a platform sees it with principals
		paged = []
		since = 0
		while True:
			r = p.ok("changes", since=since, limit=5)
			if not r["changes"]:
				break
			check(len(r["changes"]) <= 5, "page longer than limit")
			paged += r["changes"]
			since = r["changes"][-1]["seq"]
		eq(paged, changes, "platform pages of the log")
		eq(reg.ok("stats")["head"], len(log), "stats.head")


@suite.test(timeout=120)
def chain_survives_restart(ctx):
	s = ctx.fresh_server("chain2")
	_write_mix(s)
	with s.connect(REGULATOR) as reg:
		before, _ = verify_chain(reg)
	s.stop_clean()
	s.start()
	with s.connect(QUALITY) as q:
		r = q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields())
		eq(r["seq"], len(before) + 1, "seq after restart continues the log")
	with s.connect(REGULATOR) as reg:
		after, _ = verify_chain(reg)
		eq(after[:len(before)], before, "log after restart")


@suite.test(timeout=120)
def pages_end_before_max_frame(ctx):
	"""Records carry their payloads: 1000 puts with 1000-byte reasons do not
	fit one 1 MiB frame, so a page ends early, and the pages still give
	the whole log, chain intact."""
	s = ctx.fresh_server("bigpages")
	with s.connect(TOURISM) as t:
		reason = "未经许可经营" * 55 + "x" * 10		# 1000 bytes
		for i in range(MAX_LIMIT):
			t.ok("put", list="tourism", subject=new_guide(), fields=tourism_fields(reason=reason))
	with s.connect(PLATFORM) as p, s.connect(REGULATOR) as reg:
		first = p.ok("changes", since=0, limit=MAX_LIMIT)
		n = len(first["changes"])
		check(0 < n < MAX_LIMIT, "a page of %d changes of ~1.2 KB each in one 1 MiB frame" % n)
		eq(first["head"], MAX_LIMIT, "head")
		eq([c["seq"] for c in first["changes"]], list(range(1, n + 1)), "the page is a prefix")
		changes, _ = verify_chain(reg)
		eq(len(changes), MAX_LIMIT, "every change through the pages")
		eq(changes[:n], first["changes"], "same records for every reader")
