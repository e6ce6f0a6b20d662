"""Entry states (section 4.3), visibility per role, scan and exact stats."""

from harness import *

suite = Suite("states")


def _make_states(s):
	"""On a fresh server: for every list one subject per state, plus edge days.

	Returns [(list, subject, state, stored fields, version)]."""
	out = []
	conns = {l: s.connect(WRITER[l]) for l in LISTS}
	try:
		for l in LISTS:
			c = conns[l]
			st, en = START_END[l]
			kinds = {"credit": ["uscc"], "tourism": ["guide", "site", "plate", "uscc"],
				 "advertising": ["site", "uscc"], "tourism-watch": ["plate", "guide", "uscc", "site"]}[l]
			cases = [
				("active", {st: day(-10), en: day(10)}),
				("active", {st: day(0), en: day(0)}),         # both bounds today: in force
				("active", {st: day(-5)}),                     # no end (tourism: default end)
				("pending", {st: day(1), en: day(30)}),
				("pending", {st: day(400)}),
				("expired", {st: day(-30), en: day(-1)}),
				("expired", {st: day(-3000), en: day(-1000)}),
				("removed", {st: day(-10), en: day(10)}),
			]
			if l == "credit":
				cases.append(("active", {}))                   # no dates at all
				cases.append(("expired", {en: day(-1)}))       # only an end date
				cases.append(("pending", {st: day(2)}))
			for i, (state, dates) in enumerate(cases):
				kind = kinds[i % len(kinds)]
				subj = NEW_SUBJECT[kind]()
				f = FIELDS_FOR[l](**dates)
				if l != "credit" and st not in dates:
					f[st] = day(-5)
				if l == "credit":
					f["grade"] = "ABCD"[i % 4]
				v = c.ok("put", list=l, subject=subj, fields=f)["version"]
				if state == "removed":
					v = c.ok("remove", list=l, subject=subj, reason="撤销")["version"]
				out.append((l, subj, state, with_defaults(l, f), v))
	finally:
		for c in conns.values():
			c.close()
	return out


@suite.test(timeout=120)
def states_and_visibility(ctx):
	avoid_midnight()
	s = ctx.fresh_server("states")
	ents = _make_states(s)
	for l, subj, state, f, v in ents:
		eq(state_of(l, f, "removed" if state == "removed" else "listed"), state,
		   "test self-check for %s %r" % (l, f))
	with s.connect(REGULATOR) as reg, s.connect(PLATFORM) as p, s.connect(QUALITY) as q, \
			s.connect(TOURISM) as t:
		subjects = [e[1] for e in ents]
		res = {r["subject"]: r for r in p.ok("check", subjects=subjects)["results"]}
		for l, subj, state, f, v in ents:
			r = res[subj]
			want = []
			if state == "active":
				h = {"list": l}
				if l == "credit":
					h["grade"] = f["grade"]
				end = START_END[l][1]
				if end in f:
					h["until"] = f[end]
				want = [h]
			eq(r, check_result(subj, want), "check of a %s %s entry" % (state, l))
			# regulator: every state, with `by`
			e = reg.ok("get", subject=subj)["entries"]
			eq(len(e), 1, "regulator get of %s" % subj)
			check_entry(e[0], True, l, subj, v, "removed" if state == "removed" else "listed", state, f,
				    WRITER[l])
			for c in (p, q, t):
				if state == "active":
					e = c.ok("get", subject=subj)["entries"]
					eq(len(e), 1, "get")
					check_entry(e[0], False, l, subj, v, "listed", "active", f)
				else:
					c.err("get", "not_found", subject=subj)
		# scans
		for l in LISTS:
			mine = sorted([e for e in ents if e[0] == l], key=lambda e: e[1].encode())
			r = reg.ok("scan", list=l, limit=1000)
			shape(r, {"entries": [entry_spec(True, None)], "next": ("str", "nil")})
			eq([(e["subject"], e["state"]) for e in r["entries"]], [(e[1], e[2]) for e in mine],
			   "regulator scan of %s (all states, byte order)" % l)
			eq(r["next"], None, "scan.next")
			for st in ("active", "pending", "expired", "removed"):
				r = reg.ok("scan", list=l, state=st)
				eq([e["subject"] for e in r["entries"]], [e[1] for e in mine if e[2] == st],
				   "regulator scan %s state=%s" % (l, st))
				for e in r["entries"]:
					eq(e["state"], st, "state of a scanned entry")
			for c in (p, q, t):
				for args in ({}, {"state": "active"}):
					r = c.ok("scan", list=l, **args)
					shape(r, {"entries": [entry_spec(False, False)], "next": ("str", "nil")})
					eq([e["subject"] for e in r["entries"]], [e[1] for e in mine if e[2] == "active"],
					   "%s scan of %s %r" % (c.cn, l, args))
				for st in ("pending", "expired", "removed"):
					c.err("scan", "forbidden", list=l, state=st)
		# exact stats
		st = reg.ok("stats")
		eq(st["head"], len(ents) + sum(1 for e in ents if e[2] == "removed"), "stats.head")
		eq(st["total"], len(ents), "stats.total")
		for l in LISTS:
			mine = [e for e in ents if e[0] == l]
			want = {k: sum(1 for e in mine if e[2] == k) for k in ("active", "pending", "expired",
									       "removed")}
			want["total"] = len(mine)
			if l == "credit":
				want["grades"] = {g: sum(1 for e in mine if e[2] == "active" and e[3]["grade"] == g)
						  for g in "ABCD"}
			eq(st["lists"][l], want, "stats of %s" % l)


@suite.test(timeout=120)
def scan_pagination(ctx):
	s = ctx.fresh_server("scan")
	with s.connect(TOURISM) as t, s.connect(REGULATOR) as reg, s.connect(PLATFORM) as p:
		subs = []
		msgs = []
		for i in range(105):
			subj = NEW_SUBJECT[["uscc", "site", "guide", "plate"][i % 4]]()
			subs.append(subj)
			msgs.append({"id": i + 1, "op": "put", "list": "tourism", "subject": subj,
				     "fields": tourism_fields()})
		ans = pump(t, msgs)
		for a in ans:
			check(a.get("ok") is True, "put failed: %r" % a)
		order = sorted(subs, key=lambda x: x.encode("utf-8"))
		for c in (reg, p):
			r = c.ok("scan", list="tourism")
			eq([e["subject"] for e in r["entries"]], order[:100], "default limit 100 (%s)" % c.cn)
			eq(r["next"], order[99], "next when the limit was reached")
			r = c.ok("scan", list="tourism", after=r["next"])
			eq([e["subject"] for e in r["entries"]], order[100:], "second page")
			eq(r["next"], None, "next on the last page")
			got = []
			after = None
			for _ in range(30):
				args = {"limit": 7}
				if after is not None:
					args["after"] = after
				r = c.ok("scan", list="tourism", **args)
				got += [e["subject"] for e in r["entries"]]
				check(len(r["entries"]) <= 7, "more entries than limit")
				if r["next"] is None:
					break
				eq(r["next"], r["entries"][-1]["subject"], "next = subject of the last entry")
				after = r["next"]
			eq(got, order, "pages of 7 cover the list in order")
			r = c.ok("scan", list="tourism", after=order[-1])
			eq(r, {"entries": [], "next": None}, "scan after the last subject")
			r = c.ok("scan", list="tourism", limit=105)
			eq(len(r["entries"]), 105, "limit 105")
			eq(r["next"], order[104], "next when exactly the limit was left (the limit was reached)")
			r = c.ok("scan", list="tourism", after=r["next"], limit=105)
			eq(r, {"entries": [], "next": None}, "the page after that")
			r = c.ok("scan", list="tourism", limit=1000)
			eq(r["next"], None, "limit not reached")
			r = c.ok("scan", list="credit")
			eq(r, {"entries": [], "next": None}, "scan of an empty list")
		# `after` need not be an entry: the scan starts after it in byte order
		r = reg.ok("scan", list="tourism", after="site:s0.a", limit=1000)
		eq([e["subject"] for e in r["entries"]], [x for x in order if x.encode() > b"site:s0.a"],
		   "after a subject that is not an entry")


@suite.test(timeout=60)
def empty_registry(ctx):
	s = ctx.fresh_server("empty")
	with s.connect(REGULATOR) as reg, s.connect(PLATFORM) as p, s.connect(ADMIN) as adm:
		eq(reg.ok("changes"), {"changes": [], "head": 0}, "changes of an empty registry")
		eq(p.ok("changes", since=5), {"changes": [], "head": 0}, "changes since 5 of an empty registry")
		zero = {"total": 0, "active": 0, "pending": 0, "expired": 0, "removed": 0}
		want = {"head": 0, "total": 0, "lists": {"credit": dict(zero, grades={g: 0 for g in "ABCD"}),
							"tourism": zero, "advertising": zero, "tourism-watch": zero}}
		eq(reg.ok("stats"), want, "stats of an empty registry")
		eq(adm.ok("stats"), want, "admin stats of an empty registry")
		for l in LISTS:
			eq(reg.ok("scan", list=l), {"entries": [], "next": None}, "scan of empty " + l)
		reg.err("get", "not_found", subject=uscc(1))
		reg.err("history", "not_found", subject=uscc(1))
		eq(p.ok("check", subjects=[uscc(1), "site:a.cn"])["results"],
		   [check_result(uscc(1), []), check_result("site:a.cn", [])], "check")
