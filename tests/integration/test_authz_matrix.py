"""Authorization matrix (issue 4): every principal x every op x every list
(and every scan state), one table, the exact answer each must get
(DESIGN section 5, PROTOCOL sections 5 and 6).

test_roles.py checks ok/forbidden for the ops and test_states.py the
visibility of states for some roles; this table adds the exact result
(entries, hits, versions, changes, stats) for every role, list filters on
every list, and scans of every state on every list.
"""

from harness import *

suite = Suite("authz")

PRINCIPALS = [REGULATOR, QUALITY, TOURISM, COMMERCE, PLATFORM, ADMIN, UNKNOWN]
ROLE = {REGULATOR: "regulator", QUALITY: "agency", TOURISM: "agency", COMMERCE: "agency",
	PLATFORM: "platform", ADMIN: "admin", UNKNOWN: None}
OWN = {QUALITY: "credit", TOURISM: "tourism", COMMERCE: "advertising"}
STATES = [None, "active", "pending", "expired", "removed"]
FORBIDDEN = ("error", "forbidden")
NOT_FOUND = ("error", "not_found")


def seed(s):
	"""Per list one subject per state plus a victim to remove, and one
	subject on every list. Returns ({list: {name: subject}}, shared)."""
	shared = new_uscc()
	subs = {}
	kinds = {"credit": ["uscc"], "tourism": ["guide", "site", "plate", "uscc"], "advertising": ["site", "uscc"]}
	for l in LISTS:
		st, en = START_END[l]
		cases = {"active": {st: day(-10), en: day(100)}, "pending": {st: day(5), en: day(100)},
			 "expired": {st: day(-30), en: day(-1)}, "removed": {st: day(-10)}, "victim": {st: day(-3)}}
		with s.connect(WRITER[l]) as w:
			subs[l] = {}
			for i, (name, dates) in enumerate(cases.items()):
				subj = NEW_SUBJECT[kinds[l][i % len(kinds[l])]]()
				f = FIELDS_FOR[l](**dates)
				w.ok("put", list=l, subject=subj, fields=f)
				if name == "removed":
					w.ok("remove", list=l, subject=subj, reason="撤销：%s" % l)
				subs[l][name] = subj
			w.ok("put", list=l, subject=shared, fields=FIELDS_FOR[l]())
	return subs, shared


def strip_by(e):
	return {k: v for k, v in e.items() if k != "by"}


def build_reads(reg, subs, shared):
	"""The regulator's view (checked against the seed) and every read row."""
	subjects = [shared] + [x for l in LISTS for x in subs[l].values()]
	hist = {}
	for x in subjects:
		hist[x] = reg.ok("history", subject=x)["versions"]
	# self-check of the oracle against what was written
	for l in LISTS:
		for name, x in subs[l].items():
			vs = [v for v in hist[x] if v["list"] == l]
			eq([v["status"] for v in vs], ["listed", "removed"] if name == "removed" else ["listed"],
			   "versions of the %s %s entry" % (name, l))
			eq(vs[-1]["state"], "active" if name == "victim" else name, "state of the %s %s entry" % (name, l))
			for v in vs:
				eq(v["by"], WRITER[l], "by")
	newest = {}   # (list, subject) -> newest version (regulator form)
	for x, vs in hist.items():
		for v in vs:
			newest[(v["list"], x)] = v
	changes = verify_chain(reg)[0]
	stats = reg.ok("stats")
	eq(stats["head"], len(changes), "stats.head")

	def visible(cn, l, x):
		e = newest.get((l, x))
		if e is None:
			return None
		if ROLE[cn] == "regulator":
			return e
		return strip_by(e) if e["state"] == "active" else None

	rows = []
	for cn in PRINCIPALS:
		role = ROLE[cn]
		reader = role in ("platform", "agency", "regulator")
		# hello
		rows.append((cn, "hello", {}, ("hello", role, [OWN[cn]] if cn in OWN else [])))
		# check, with each list filter and none
		for lf in [None] + LISTS:
			args = {"subjects": subjects}
			if lf:
				args["lists"] = [lf]
			want = []
			for x in subjects:
				hits = []
				for l in LISTS:
					e = newest.get((l, x))
					if (lf is None or l == lf) and e is not None and e["state"] == "active":
						h = {"list": l}
						if l == "credit":
							h["grade"] = e["fields"]["grade"]
						if e["fields"].get(START_END[l][1]) is not None:
							h["until"] = e["fields"][START_END[l][1]]
						hits.append(h)
				want.append({"subject": x, "hits": hits})
			rows.append((cn, "check", args, ("ok", {"results": want}) if reader else FORBIDDEN))
		# get, of every subject, with each list filter and none
		for x in subjects:
			for lf in [None] + LISTS:
				args = {"subject": x}
				if lf:
					args["lists"] = [lf]
				ents = [e for e in (visible(cn, l, x) for l in LISTS if lf in (None, l)) if e is not None]
				want = ("ok", {"subject": x, "entries": ents}) if ents else NOT_FOUND
				rows.append((cn, "get", args, want if reader else FORBIDDEN))
		# scan of every list in every state
		for l in LISTS:
			for st in STATES:
				args = {"list": l}
				if st:
					args["state"] = st
				if not reader or (role != "regulator" and st not in (None, "active")):
					rows.append((cn, "scan", args, FORBIDDEN))
					continue
				ents = sorted((e for (l2, x), e in newest.items() if l2 == l and
					       (st is None or e["state"] == st)), key=lambda e: e["subject"].encode())
				if role != "regulator":
					ents = [strip_by(e) for e in ents if e["state"] == "active"]
				rows.append((cn, "scan", args, ("ok", {"entries": ents, "next": None})))
		# history of every subject, with each list and none
		for x in subjects:
			for lf in [None] + LISTS:
				args = {"subject": x}
				if lf:
					args["list"] = lf
				if role == "regulator":
					lists = [lf] if lf else LISTS
				elif role == "agency" and lf in (None, OWN[cn]):
					lists = [OWN[cn]]
				else:
					rows.append((cn, "history", args, FORBIDDEN))
					continue
				vs = [v for v in hist[x] if v["list"] in lists]
				rows.append((cn, "history", args, ("ok", {"subject": x, "versions": vs}) if vs else NOT_FOUND))
		# changes
		if reader:
			ch = changes if role == "regulator" else [
				{k: v for k, v in c.items() if k != "principal"} for c in changes]
			rows.append((cn, "changes", {"limit": 1000}, ("ok", {"changes": ch, "head": len(changes)})))
		else:
			rows.append((cn, "changes", {"limit": 1000}, FORBIDDEN))
		# stats
		rows.append((cn, "stats", {}, ("ok", stats) if role in ("regulator", "admin") else FORBIDDEN))
	return rows, len(changes)


def build_writes(subs, head):
	"""put and remove on every list by every principal: only the list's agency may."""
	rows = []
	seq = head
	for cn in PRINCIPALS:
		for l in LISTS:
			args = {"list": l, "subject": new_uscc() if l != "tourism" else new_guide(),
				"fields": FIELDS_FOR[l]()}
			if OWN.get(cn) == l:
				seq += 1
				rows.append((cn, "put", args, ("ok", {"version": 1, "seq": seq})))
			else:
				rows.append((cn, "put", args, FORBIDDEN))
	for cn in PRINCIPALS:
		for l in LISTS:
			args = {"list": l, "subject": subs[l]["victim"], "reason": "信用修复"}
			if OWN.get(cn) == l:
				seq += 1
				rows.append((cn, "remove", args, ("ok", {"version": 2, "seq": seq})))
			else:
				rows.append((cn, "remove", args, FORBIDDEN))
	return rows


def outcome(r):
	if not r["ok"]:
		return ("error", r["error"]["code"])
	return ("ok", r["result"])


@suite.test(timeout=240)
def role_op_list_matrix(ctx):
	avoid_midnight()
	s = ctx.fresh_server("authz")
	subs, shared = seed(s)
	with s.connect(REGULATOR) as reg:
		rows, head = build_reads(reg, subs, shared)
	rows += build_writes(subs, head)
	bad = []
	counts = {}
	conns = {cn: s.connect(cn) for cn in PRINCIPALS}
	try:
		for cn, op, args, want in rows:
			r = conns[cn].request(op, **args)
			got = outcome(r)
			counts[op] = counts.get(op, 0) + 1
			if want[0] == "hello":
				ok = got[0] == "ok" and got[1]["role"] == want[1] and got[1]["principal"] == cn and \
					got[1]["writable"] == want[2]
			else:
				ok = got == want
			if not ok:
				bad.append("%s %s %s:\n      got  %s\n      want %s" % (
					cn, op, short(args, 100), short(got, 300), short(want, 300)))
		for c in conns.values():
			c.hello_ok()
	finally:
		for c in conns.values():
			c.close()
	with s.connect(REGULATOR) as reg:
		changes, _ = verify_chain(reg)
		eq(len(changes), head + 6, "changes after the matrix (3 puts and 3 removes allowed)")
	check(not bad, "%d of %d answers differ:\n  %s" % (len(bad), len(rows), "\n  ".join(bad[:40])))
	print("# authz: %d requests: %s" % (len(rows), ", ".join("%s %d" % kv for kv in sorted(counts.items()))),
	      flush=True)
