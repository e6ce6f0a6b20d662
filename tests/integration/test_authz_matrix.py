"""Authorization matrix: every cell of the role table of PROTOCOL.md
section 6, checked against the server with the exact answer each request
must get.

The table is read from proto/PROTOCOL.md (harness.role_table): this file
keeps no copy of it. What it keeps is what each cell word of the legend
means for each op (yes, no, active only, own lists),
turned into the exact answer: entries, hits, versions, changes, stats, or
`forbidden`. A word this file does not know for an op fails the test, and
so does a table row for an op it cannot exercise, or an op it exercises
that has no row.

Every principal of the development configuration (one column per role,
`none` for unknown-org) x every op x every list filter and every scan
state. Each cell must be exercised the way its word says: `no` by a
forbidden answer, `own lists` by an own list (allowed) and another list
(forbidden), `active only` by non-active entries that must be hidden and
a scan of another state (forbidden).
"""

from harness import *

suite = Suite("authz")

# The ops this file can exercise: exactly the rows the table must have.
OPS = ["hello", "check", "get", "scan", "history", "changes", "stats", "search", "backup",
       "backup_read", "audit", "put", "remove",
       "case_open", "case_close", "cases", "escalations", "escalation_dismiss",
       "checkpoint", "proof", "consistency", "report"]
STATES = [None, "active", "pending", "expired", "removed"]
FORBIDDEN = ("error", "forbidden")
NOT_FOUND = ("error", "not_found")
# What exercising a cell word must have shown, per word (see cover()).
NEEDS = {"yes": {"allowed"}, "no": {"forbidden"}, "active only": {"allowed", "hidden"},
	 "own lists": {"own", "foreign"}, "own lists whole": {"own", "hidden"}}
NEEDS_OP = {("scan", "active only"): {"state forbidden"}}


def unknown_word(op, cn, word):
	fail("PROTOCOL.md section 6: `%s` for %s is `%s`; this test does not know what that means "
	     "for `%s` (teach it, in test_authz_matrix.py)" % (op, role_column(cn), word, op))


# ---------------------------------------------------------------- data

def seed(s):
	"""Per list one subject in each state, one subject on every list, and
	per (principal, list) an active entry for that principal to remove."""
	avoid_midnight()
	shared = new_uscc()
	subs = {}
	victims = {}
	kinds = {"credit": ["uscc"], "tourism": ["guide", "site", "plate", "uscc"], "advertising": ["site", "uscc"],
		 "tourism-watch": ["plate", "guide", "uscc"]}
	for l in LISTS:
		st, en = START_END[l]
		cases = {"active": {st: day(-10), en: day(100)}, "pending": {st: day(5), en: day(100)},
			 "expired": {st: day(-30), en: day(-1)}, "removed": {st: day(-10)}}
		with s.connect(WRITER[l]) as w:
			subs[l] = {}
			for i, (name, dates) in enumerate(cases.items()):
				subj = NEW_SUBJECT[kinds[l][i % len(kinds[l])]]()
				w.ok("put", list=l, subject=subj, fields=FIELDS_FOR[l](**dates))
				if name == "removed":
					w.ok("remove", list=l, subject=subj, reason="撤销：%s" % l)
				subs[l][name] = subj
			w.ok("put", list=l, subject=shared, fields=FIELDS_FOR[l]())
			for cn in PRINCIPALS:
				v = new_uscc() if l not in ("tourism", "tourism-watch") else new_guide()
				w.ok("put", list=l, subject=v, fields=FIELDS_FOR[l](**{st: day(-3)}))
				victims[(cn, l)] = v
	s.authz = {"subs": subs, "shared": shared, "victims": victims}


suite.setup = seed


class View:
	"""The regulator's view of the registry now, checked against the seed:
	the oracle every expected answer is computed from."""

	def __init__(self, s):
		avoid_midnight()
		sd = s.authz
		self.subs = sd["subs"]
		self.victims = sd["victims"]
		# asked about: the seeded states; known (scan sees them too): the victims
		self.subjects = [sd["shared"]] + [x for l in LISTS for x in self.subs[l].values()]
		known = self.subjects + sorted(set(self.victims.values()))
		with s.connect(REGULATOR) as reg:
			self.hist = {x: reg.ok("history", subject=x)["versions"] for x in known}
			self.changes = verify_chain(reg)[0]
			self.stats = reg.ok("stats")
		eq(self.stats["head"], len(self.changes), "stats.head")
		for l in LISTS:
			for name, x in self.subs[l].items():
				vs = [v for v in self.hist[x] if v["list"] == l]
				eq([v["status"] for v in vs], ["listed", "removed"] if name == "removed" else ["listed"],
				   "versions of the %s %s entry" % (name, l))
				eq(vs[-1]["state"], name, "state of the %s %s entry" % (name, l))
				for v in vs:
					eq(v["by"], WRITER[l], "by")
		self.newest = {}  # (list, subject) -> newest version, as the regulator sees it
		for x, vs in self.hist.items():
			for v in vs:
				self.newest[(v["list"], x)] = v


def strip(d, key):
	return {k: v for k, v in d.items() if k != key}


class Matrix:
	"""Rows (principal, op, args, want, tags), run on one connection per
	principal; tags say what a row shows of its cell (NEEDS)."""

	def __init__(self, op):
		self.op = op
		self.cells = role_cells(op)
		self.rows = []
		self.shown = {cn: set() for cn in PRINCIPALS}

	def add(self, cn, args, want, *tags):
		"""want: ("ok", result), ("error", code), or a function of the result."""
		self.rows.append((cn, args, want, set(tags)))

	def run(self, s):
		bad = []
		conns = {cn: s.connect(cn) for cn in PRINCIPALS}
		try:
			for cn, args, want, tags in self.rows:
				r = conns[cn].request(self.op, **args)
				got = ("ok", r["result"]) if r["ok"] else ("error", r["error"]["code"])
				if callable(want):
					err = want(r["result"]) if r["ok"] else "want ok"
					want = "ok, and " + err if err else got
				if got != want:
					bad.append("%s (%s) %s %s: %s\n      got  %s\n      want %s" % (
						cn, role_column(cn), self.op, short(args, 100), first_diff(got, want),
						short(got, 200), short(want, 200)))
				else:
					self.shown[cn] |= tags
			for c in conns.values():
				c.hello_ok()  # every connection is usable after its forbidden answers
		finally:
			for c in conns.values():
				c.close()
		check(not bad, "%d of %d `%s` answers differ from PROTOCOL.md section 6:\n  %s" % (
			len(bad), len(self.rows), self.op, "\n  ".join(bad[:40])))
		for cn in PRINCIPALS:
			word = self.cells[cn]
			missing = (NEEDS[word] | NEEDS_OP.get((self.op, word), set())) - self.shown[cn]
			check(not missing, "`%s` for %s (%s) is `%s`, but no request showed %s" % (
				self.op, role_column(cn), cn, word, sorted(missing)))
		note("%s: %d requests" % (self.op, len(self.rows)))


def first_diff(got, want, path="$"):
	"""Where got first differs from want, for the failure message."""
	if type(got) is not type(want):
		return "%s: got %s, want %s" % (path, short(got, 80), short(want, 80))
	if isinstance(got, dict):
		for k in list(want) + [k for k in got if k not in want]:
			if k not in got:
				return "%s: no key %r" % (path, k)
			if k not in want:
				return "%s: unexpected key %r" % (path, k)
			if got[k] != want[k]:
				return first_diff(got[k], want[k], "%s.%s" % (path, k))
		return "%s: key order" % path
	if isinstance(got, (list, tuple)):
		for i, (g, w) in enumerate(zip(got, want)):
			if g != w:
				return first_diff(g, w, "%s[%d]" % (path, i))
		return "%s: %d items, want %d" % (path, len(got), len(want))
	return "%s: got %s, want %s" % (path, short(got, 80), short(want, 80))




# ---------------------------------------------------------------- the table itself

@suite.test(timeout=30)
def table_is_complete(ctx):
	"""One row per op this file exercises, one column per role of the
	configuration, and only words this file can check."""
	table, columns, legend = role_table()
	eq(sorted(table), sorted(OPS), "ops of PROTOCOL.md section 6")
	eq(sorted(columns), sorted({role_column(cn) for cn in PRINCIPALS}), "columns of PROTOCOL.md section 6")
	used = {w for row in table.values() for w in row.values()}
	check(used <= set(NEEDS), "PROTOCOL.md section 6 uses %s, which this test cannot check" % sorted(
		used - set(NEEDS)))
	note("PROTOCOL.md section 6: %d ops x %d columns; words %s" % (
		len(table), len(columns), ", ".join(sorted(used))))


# ---------------------------------------------------------------- reads

@suite.test(timeout=60)
def hello_row(ctx):
	m = Matrix("hello")
	for cn, word in m.cells.items():
		if word == "no":
			m.add(cn, {}, FORBIDDEN, "forbidden")
		elif word == "yes":
			who = {"principal": cn, "role": ROLE_OF[cn], "writable": OWN[cn] if cn in OWN else []}
			m.add(cn, {}, lambda r, who=who: None if {k: r.get(k) for k in who} == who else
			      "%r" % who, "allowed")
		else:
			unknown_word("hello", cn, word)
	m.run(ctx.server)


@suite.test(timeout=60)
def check_row(ctx):
	v = View(ctx.server)
	m = Matrix("check")
	for cn, word in m.cells.items():
		for lf in [None] + LISTS:
			args = {"subjects": v.subjects}
			if lf:
				args["lists"] = [lf]
			if word == "no":
				m.add(cn, args, FORBIDDEN, "forbidden")
				continue
			if word != "yes":
				unknown_word("check", cn, word)
			want = []
			for x in v.subjects:
				hits = []
				for l in LISTS:
					e = v.newest.get((l, x))
					if lf in (None, l) and e is not None and e["state"] == "active":
						h = {"list": l}
						if l == "credit":
							h["grade"] = e["fields"]["grade"]
						if e["fields"].get(START_END[l][1]) is not None:
							h["until"] = e["fields"][START_END[l][1]]
						hits.append(h)
				want.append(check_result(x, hits))
			m.add(cn, args, ("ok", {"results": want}), "allowed")
	m.run(ctx.server)


@suite.test(timeout=90)
def get_row(ctx):
	v = View(ctx.server)
	m = Matrix("get")
	for cn, word in m.cells.items():
		for x in v.subjects:
			for lf in [None] + LISTS:
				args = {"subject": x}
				if lf:
					args["lists"] = [lf]
				if word == "no":
					m.add(cn, args, FORBIDDEN, "forbidden")
					continue
				every = [v.newest[(l, x)] for l in LISTS if lf in (None, l) and (l, x) in v.newest]
				if word == "yes":
					ents = every
				elif word == "active only":
					ents = [strip(e, "by") for e in every if e["state"] == "active"]
				else:
					unknown_word("get", cn, word)
				tags = (["allowed"] if ents else []) + (["hidden"] if len(ents) < len(every) else [])
				m.add(cn, args, ("ok", {"subject": x, "entries": ents}) if ents else NOT_FOUND, *tags)
	m.run(ctx.server)


@suite.test(timeout=90)
def scan_row(ctx):
	v = View(ctx.server)
	m = Matrix("scan")
	for cn, word in m.cells.items():
		for l in LISTS:
			every = sorted((e for (l2, _), e in v.newest.items() if l2 == l),
				       key=lambda e: e["subject"].encode())
			for st in STATES:
				args = {"list": l}
				if st:
					args["state"] = st
				if word == "no":
					m.add(cn, args, FORBIDDEN, "forbidden")
					continue
				if word == "yes":
					ents = [e for e in every if st in (None, e["state"])]
					m.add(cn, args, ("ok", {"entries": ents, "next": None}), "allowed")
				elif word == "active only":
					if st not in (None, "active"):
						m.add(cn, args, FORBIDDEN, "state forbidden")
						continue
					ents = [strip(e, "by") for e in every if e["state"] == "active"]
					hidden = [e for e in every if e["state"] != "active"]
					m.add(cn, args, ("ok", {"entries": ents, "next": None}),
					      *(["allowed"] + (["hidden"] if hidden else [])))
				else:
					unknown_word("scan", cn, word)
	m.run(ctx.server)


@suite.test(timeout=90)
def history_row(ctx):
	v = View(ctx.server)
	m = Matrix("history")
	for cn, word in m.cells.items():
		own = OWN.get(cn, [])
		for x in v.subjects:
			for lf in [None] + LISTS:
				args = {"subject": x}
				if lf:
					args["list"] = lf
				if word == "no":
					m.add(cn, args, FORBIDDEN, "forbidden")
					continue
				if word == "yes":
					lists, tag = [lf] if lf else LISTS, "allowed"
				elif word == "own lists":
					if lf is not None and lf not in own:
						m.add(cn, args, FORBIDDEN, "foreign")
						continue
					lists, tag = [lf] if lf else own, "own"
				else:
					unknown_word("history", cn, word)
				vs = [h for h in v.hist[x] if h["list"] in lists]
				m.add(cn, args, ("ok", {"subject": x, "versions": vs}) if vs else NOT_FOUND,
				      *([tag] if vs else []))
	m.run(ctx.server)


@suite.test(timeout=60)
def changes_row(ctx):
	v = View(ctx.server)
	m = Matrix("changes")
	for cn, word in m.cells.items():
		args = {"limit": MAX_LIMIT}
		if word == "no":
			m.add(cn, args, FORBIDDEN, "forbidden")
		elif word == "yes":
			m.add(cn, args, ("ok", {"changes": v.changes, "head": len(v.changes)}), "allowed")
		else:
			unknown_word("changes", cn, word)
	m.run(ctx.server)


@suite.test(timeout=60)
def stats_row(ctx):
	v = View(ctx.server)
	m = Matrix("stats")
	for cn, word in m.cells.items():
		if word == "no":
			m.add(cn, {}, FORBIDDEN, "forbidden")
		elif word == "yes":
			m.add(cn, {}, ("ok", v.stats), "allowed")
		else:
			unknown_word("stats", cn, word)
	m.run(ctx.server)


@suite.test(timeout=60)
def search_row(ctx):
	"""Each seeded USCC searched by its whole code: its lists in the states
	the role may see, the name of the first of them, the verdict of check."""
	v = View(ctx.server)
	m = Matrix("search")
	codes = [x for x in v.subjects if x.startswith("uscc:")]
	with ctx.server.connect(REGULATOR) as reg:
		verdicts = {r["subject"]: r["verdict"] for r in reg.ok("check", subjects=codes)["results"]}
	for cn, word in m.cells.items():
		for x in codes:
			args = {"q": x[5:]}
			if word == "no":
				m.add(cn, args, FORBIDDEN, "forbidden")
				continue
			if word not in ("yes", "active only"):
				unknown_word("search", cn, word)
			on = [(l, v.newest[(l, x)]["state"]) for l in LISTS if (l, x) in v.newest]
			seen = [(l, st) for l, st in on if word == "yes" or st == "active"]
			res = [{"subject": x, "name": FIELDS_FOR[seen[0][0]]()["name"],
				"lists": [{"list": l, "state": st} for l, st in seen],
				"verdict": verdicts[x]}] if seen else []
			tag = "allowed" if len(seen) == len(on) else "hidden"
			m.add(cn, args, ("ok", {"results": res, "next": None, "truncated": False}), tag)
	m.run(ctx.server)


def _admin_row(ctx, op):
	"""An op of the operators: a backup that does not exist is not_found
	for whom the table allows, forbidden for the others."""
	m = Matrix(op)
	for cn, word in m.cells.items():
		args = {"backup": "19700101T000000Z"}
		if word == "no":
			m.add(cn, args, FORBIDDEN, "forbidden")
		elif word == "yes":
			m.add(cn, args, NOT_FOUND, "allowed")
		else:
			unknown_word(op, cn, word)
	m.run(ctx.server)


@suite.test(timeout=60)
def backup_row(ctx):
	_admin_row(ctx, "backup")


@suite.test(timeout=60)
def backup_read_row(ctx):
	_admin_row(ctx, "backup_read")


@suite.test(timeout=60)
def audit_row(ctx):
	"""The audit of a principal nobody is: no records, for whom the table
	allows; forbidden for the others."""
	m = Matrix("audit")
	for cn, word in m.cells.items():
		args = {"principal": "nobody-at-all"}
		if word == "no":
			m.add(cn, args, FORBIDDEN, "forbidden")
		elif word == "yes":
			m.add(cn, args, lambda r: None if r["records"] == [] and r["next"] is None
			      else "no records: %s" % short(r), "allowed")
		else:
			unknown_word("audit", cn, word)


def _report_want(v, x, own, head, head_hash):
	"""What a report on x must hold for a caller who sees the lists own
	whole (all of them for a regulator) and only active entries of the
	others: (a check of the answer, whether anything was hidden), or None
	when nothing is visible (not_found). The seed opens no case on x."""
	entries, hidden = [], False
	for l in LISTS:
		e = v.newest.get((l, x))
		if e is None:
			continue
		if l in own:
			entries.append(e)
		elif e["state"] == "active":
			entries.append(strip(e, "by"))
		else:
			hidden = True
	versions = [h for h in v.hist[x] if h["list"] in own]
	hidden = hidden or len(versions) < len(v.hist[x])
	if not entries and not versions:
		return None, hidden
	active = [e for e in entries if e["state"] == "active"]
	hits = [{"list": e["list"], "grade": e["fields"]["grade"]} if e["list"] == "credit" else
		{"list": e["list"]} for e in active]
	verdict = check_result(x, hits)["verdict"]

	def want(r):
		got = {k: r.get(k) for k in ("subject", "verdict", "entries", "proposed", "versions", "cases")}
		exp = {"subject": x, "verdict": verdict, "entries": entries, "proposed": [], "versions": versions,
		       "cases": []}
		if got != exp:
			return "report %s" % first_diff(got, exp)
		reg = r.get("registry", {})
		if (reg.get("seq"), reg.get("hash")) != (head, head_hash):
			return "registry %s, want seq %d and hash %s" % (short(reg), head, head_hash)
		return None
	return want, hidden


@suite.test(timeout=90)
def report_row(ctx):
	v = View(ctx.server)
	head, head_hash = len(v.changes), v.changes[-1]["hash"]
	m = Matrix("report")
	for cn, word in m.cells.items():
		for x in v.subjects:
			for signed in (False, True):
				args = {"subject": x, "signed": signed}
				if word == "no":
					m.add(cn, args, FORBIDDEN, "forbidden")
					continue
				if word == "yes":
					own, tag = LISTS, "allowed"
				elif word == "own lists whole":
					own, tag = OWN.get(cn, []), "own"
				else:
					unknown_word("report", cn, word)
				want, hidden = _report_want(v, x, own, head, head_hash)
				# own: versions of its lists, which only a whole view shows
				shown = want is not None and (word == "yes" or any(
					h["list"] in own for h in v.hist[x]))
				tags = ([tag] if shown else []) + (["hidden"] if hidden else [])
				m.add(cn, args, want if want else NOT_FOUND, *tags)
	m.run(ctx.server)


# ---------------------------------------------------------------- writes

def _writes(ctx, op, args_for):
	"""put or remove by every principal on every list; the allowed ones
	are stored with the next seq, the forbidden ones leave no trace."""
	s = ctx.server
	with s.connect(REGULATOR) as reg:
		head = reg.ok("stats")["head"]
	m = Matrix(op)
	seq = head
	for cn, word in m.cells.items():
		own = OWN.get(cn, [])
		for l in LISTS:
			args, version = args_for(cn, l)
			if word == "no":
				m.add(cn, args, FORBIDDEN, "forbidden")
			elif word == "yes" or (word == "own lists" and l in own):
				seq += 1
				m.add(cn, args, ("ok", {"version": version, "seq": seq}), "allowed" if word == "yes" else "own")
			elif word == "own lists":
				m.add(cn, args, FORBIDDEN, "foreign")
			else:
				unknown_word(op, cn, word)
	m.run(s)
	with s.connect(REGULATOR) as reg:
		changes, _ = verify_chain(reg)
	eq(len(changes), seq, "change records after the %s requests (%d allowed)" % (op, seq - head))


@suite.test(timeout=60)
def put_row(ctx):
	def args_for(cn, l):
		subj = new_uscc() if l != "tourism" else new_guide()
		return {"list": l, "subject": subj, "fields": FIELDS_FOR[l]()}, 1
	_writes(ctx, "put", args_for)


@suite.test(timeout=60)
def remove_row(ctx):
	victims = ctx.server.authz["victims"]

	def args_for(cn, l):
		return {"list": l, "subject": victims[(cn, l)], "reason": "信用修复"}, 2
	_writes(ctx, "remove", args_for)


# ---------------------------------------------------------------- procedures

def _procedure_writes(ctx, op, args_for, answer):
	"""A write op of the procedures by every principal on every list it
	names: answer(seq) is what an allowed request gets (or a function of
	the result), forbidden ones leave no trace."""
	s = ctx.server
	with s.connect(REGULATOR) as reg:
		head = reg.ok("stats")["head"]
	m = Matrix(op)
	seq = head
	for cn, word in m.cells.items():
		own = OWN.get(cn, [])
		for l in LISTS:
			args, stores = args_for(cn, l)
			if word == "no":
				m.add(cn, args, FORBIDDEN, "forbidden")
			elif word == "own lists" and l in own:
				seq += stores
				m.add(cn, args, answer(seq) if stores else ("error", "bad_request"), "own")
			elif word == "own lists":
				m.add(cn, args, FORBIDDEN, "foreign")
			else:
				unknown_word(op, cn, word)
	m.run(s)
	with s.connect(REGULATOR) as reg:
		changes, _ = verify_chain(reg)
	eq(len(changes), seq, "change records after the %s requests (%d allowed)" % (op, seq - head))


def _case_answer(seq):
	def want(r):
		if set(r) != {"case", "deadline", "seq"} or r["case"] != seq or r["seq"] != seq:
			return "want {case: %d, deadline, seq: %d}, got %s" % (seq, seq, short(r))
		return None
	return want


def _notice_args(l):
	return {"list": l, "subject": new_uscc(), "kind": "notice", "received_on": day(-1),
		"text": "拟列入，告知陈述申辩权利", "fields": FIELDS_FOR[l]()}


@suite.test(timeout=60)
def case_open_row(ctx):
	_procedure_writes(ctx, "case_open", lambda cn, l: (_notice_args(l), 1), _case_answer)


@suite.test(timeout=60)
def case_close_row(ctx):
	s = ctx.server
	opened = {}
	for l in LISTS:
		with s.connect(WRITER[l]) as w:
			for cn in PRINCIPALS:
				opened[(cn, l)] = w.ok("case_open", **_notice_args(l))["case"]

	def args_for(cn, l):
		return {"case": opened[(cn, l)], "outcome": "withdrawn", "reason": "不予列入"}, 1
	_procedure_writes(ctx, "case_close", args_for, lambda seq: ("ok", {"seq": seq}))


@suite.test(timeout=60)
def escalation_dismiss_row(ctx):
	"""Only tourism is a target (of tourism-watch): on the agency's other
	lists the request passes authorization and is a bad_request."""
	s = ctx.server
	escalated = {}
	with s.connect(TOURISM) as t:
		for cn in PRINCIPALS:
			x = new_uscc()
			for d in (-200, -20):
				t.ok("put", list="tourism-watch", subject=x, fields=watch_fields(listed_on=day(d)))
			escalated[cn] = x

	def args_for(cn, l):
		return ({"list": l, "subject": escalated[cn], "reason": "情节轻微，不予列入"},
			1 if l == "tourism" else 0)
	_procedure_writes(ctx, "escalation_dismiss", args_for, lambda seq: ("ok", {"seq": seq}))


def _reads_by_list(ctx, op, key, args, on_list):
	"""cases and escalations: regulators see every list, agencies their
	own (naming another is forbidden), the rest nothing."""
	m = Matrix(op)
	for cn, word in m.cells.items():
		own = OWN.get(cn, [])
		if word == "no":
			m.add(cn, dict(args), FORBIDDEN, "forbidden")
			continue
		if word not in ("yes", "own lists"):
			unknown_word(op, cn, word)
		allowed = LISTS if word == "yes" else own

		def want(r, allowed=allowed):
			bad = [x for x in r[key] if on_list(x) not in allowed]
			return "%s on lists the caller may not see: %s" % (key, short(bad)) if bad else None
		m.add(cn, dict(args), want, "allowed" if word == "yes" else "own")
		for l in LISTS:
			if word == "own lists" and l not in own:
				m.add(cn, dict(args, list=l), FORBIDDEN, "foreign")
			else:
				m.add(cn, dict(args, list=l), lambda r, l=l: None if all(
					on_list(x) == l for x in r[key]) else "another list in %s" % key)
	m.run(ctx.server)


@suite.test(timeout=60)
def cases_row(ctx):
	s = ctx.server
	for l in LISTS:
		with s.connect(WRITER[l]) as w:
			w.ok("case_open", **_notice_args(l))
	_reads_by_list(ctx, "cases", "cases", {"limit": MAX_LIMIT}, lambda c: c["list"])


@suite.test(timeout=60)
def escalations_row(ctx):
	s = ctx.server
	with s.connect(TOURISM) as t:
		x = new_uscc()
		for d in (-100, -10):
			t.ok("put", list="tourism-watch", subject=x, fields=watch_fields(listed_on=day(d)))
	_reads_by_list(ctx, "escalations", "escalations", {"limit": MAX_LIMIT}, lambda e: e["to"])


# ---------------------------------------------------------------- the Merkle tree

def _tree_row(ctx, op, args, keys):
	"""Everyone may read the tree: every principal gets the same answer."""
	s = ctx.server
	with s.connect(REGULATOR) as reg:
		head = reg.ok("stats")["head"]
		want = reg.ok(op, **args(head))
	m = Matrix(op)
	for cn, word in m.cells.items():
		if word != "yes":
			unknown_word(op, cn, word)
		if op == "checkpoint":
			m.add(cn, args(head), lambda r: None if sorted(r) == keys and r["size"] == head
			      and r["root"] == want["root"] else "got %s" % short(r), "allowed")
		else:
			m.add(cn, args(head), ("ok", want), "allowed")
	m.run(s)


@suite.test(timeout=60)
def checkpoint_row(ctx):
	_tree_row(ctx, "checkpoint", lambda head: {},
		  ["key_id", "origin", "root", "signature", "size", "time"])


@suite.test(timeout=60)
def proof_row(ctx):
	_tree_row(ctx, "proof", lambda head: {"seq": max(1, head // 2), "size": head}, None)


@suite.test(timeout=60)
def consistency_row(ctx):
	_tree_row(ctx, "consistency", lambda head: {"from": max(1, head // 3), "to": head}, None)
