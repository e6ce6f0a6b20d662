"""Section 6 as a table: every principal x every op."""

from harness import *

suite = Suite("roles")

PRINCIPALS = [REGULATOR, QUALITY, TOURISM, COMMERCE, PLATFORM, ADMIN, UNKNOWN]
ROLE = {REGULATOR: "regulator", QUALITY: "agency", TOURISM: "agency", COMMERCE: "agency",
	PLATFORM: "platform", ADMIN: "admin", UNKNOWN: None}
OWN = {QUALITY: "credit", TOURISM: "tourism", COMMERCE: "advertising"}

READ_OPS = {"platform": {"hello", "check", "get", "scan", "changes"},
	    "agency": {"hello", "check", "get", "scan", "changes", "history"},
	    "regulator": {"hello", "check", "get", "scan", "changes", "history", "stats"},
	    "admin": {"hello", "stats"},
	    None: {"hello"}}


def allowed(cn, op, lst=None):
	role = ROLE[cn]
	if op in ("put", "remove"):
		return role == "agency" and OWN[cn] == lst
	if op == "history" and lst is not None:
		return role == "regulator" or (role == "agency" and OWN[cn] == lst)
	return op in READ_OPS[role]


def seed(s):
	"""A subject on all three lists, and one entry per (principal, list) to remove."""
	subj = new_uscc()
	victims = {}
	for l in LISTS:
		with s.connect(WRITER[l]) as w:
			w.ok("put", list=l, subject=subj, fields=FIELDS_FOR[l]())
			for cn in PRINCIPALS:
				v = new_uscc()
				w.ok("put", list=l, subject=v, fields=FIELDS_FOR[l]())
				victims[(cn, l)] = v
	return subj, victims


@suite.test(timeout=180)
def role_table(ctx):
	s = ctx.server
	subj, victims = seed(s)
	failures = []
	writes = 0
	with s.connect(REGULATOR) as reg:
		before = reg.ok("stats")
	for cn in PRINCIPALS:
		with s.connect(cn) as c:
			cases = [
				("hello", None, {}),
				("check", None, {"subjects": [subj]}),
				("check", None, {"subjects": [subj], "lists": ["credit"]}),
				("get", None, {"subject": subj}),
				("get", None, {"subject": subj, "lists": ["tourism"]}),
				("scan", None, {"list": "credit"}),
				("scan", None, {"list": "tourism", "state": "active"}),
				("changes", None, {}),
				("changes", None, {"since": 1, "limit": 5}),
				("history", None, {"subject": subj}),
				("stats", None, {}),
			]
			for l in LISTS:
				cases.append(("history", l, {"subject": subj, "list": l}))
				cases.append(("put", l, {"list": l, "subject": new_uscc(), "fields": FIELDS_FOR[l]()}))
				cases.append(("put", l, {"list": l, "subject": subj, "fields": FIELDS_FOR[l]()}))
				cases.append(("remove", l, {"list": l, "subject": victims[(cn, l)], "reason": "撤销"}))
			for op, l, args in cases:
				want = allowed(cn, op, l)
				r = c.request(op, **args)
				got = "ok" if r["ok"] else r["error"]["code"]
				exp = "ok" if want else "forbidden"
				if got != exp:
					failures.append("%s %s %s: got %s, want %s" % (cn, op, short(args, 80), got, exp))
					continue
				if r["ok"] and op in ("put", "remove"):
					writes += 1
				if r["ok"]:
					check_visibility(cn, op, r["result"], failures)
			# the connection is still usable after every forbidden
			c.hello_ok()
	with s.connect(REGULATOR) as reg:
		after = reg.ok("stats")
	if not failures and after["head"] != before["head"] + writes:
		failures.append("head moved by %d, want %d (a forbidden write was stored?)" % (
			after["head"] - before["head"], writes))
	check(not failures, "%d role mismatches:\n%s" % (len(failures), "\n".join(failures)))


def check_visibility(cn, op, res, failures):
	full = ROLE[cn] == "regulator"
	try:
		if op == "hello":
			eq(res["role"], ROLE[cn], "hello role of %s" % cn)
			eq(res["principal"], cn, "hello principal")
		elif op == "get":
			shape(res, {"subject": "str", "entries": [entry_spec(full, False)]})
		elif op == "scan":
			shape(res, {"entries": [entry_spec(full, None)], "next": ("str", "nil")})
		elif op == "changes":
			shape(res, {"changes": [CHANGE_SPEC_FULL if full else CHANGE_SPEC_ANON], "head": "uint"})
	except TestFailure as e:
		failures.append("%s %s: %s" % (cn, op, e))


@suite.test(timeout=60)
def unknown_org(ctx):
	s = ctx.server
	with s.connect(UNKNOWN) as u:
		r = u.ok("hello")
		eq(r["role"], None, "role of an unconfigured principal")
		eq(r["principal"], UNKNOWN, "principal")
		eq(r["writable"], [], "writable")
		for op, args in (("check", {"subjects": [new_uscc()]}), ("get", {"subject": new_uscc()}),
				 ("scan", {"list": "credit"}), ("changes", {}), ("history", {"subject": new_uscc()}),
				 ("put", {"list": "credit", "subject": new_uscc(), "fields": credit_fields()}),
				 ("remove", {"list": "credit", "subject": new_uscc(), "reason": "x"}), ("stats", {})):
			u.err(op, "forbidden", **args)
		u.hello_ok()


@suite.test(timeout=60)
def agency_other_lists(ctx):
	"""An agency writes only its own lists, whatever the subject kind."""
	s = ctx.server
	with s.connect(REGULATOR) as reg:
		before = snapshot(reg)
	for cn, own in OWN.items():
		with s.connect(cn) as c:
			for l in LISTS:
				if l == own:
					continue
				c.err("put", "forbidden", list=l, subject=new_uscc(), fields=FIELDS_FOR[l]())
				c.err("put", "forbidden", list=l, subject=new_uscc(), fields=FIELDS_FOR[l](), if_version=0)
				c.err("history", "forbidden", subject=new_uscc(), list=l)
			for st in ("pending", "expired", "removed"):
				c.err("scan", "forbidden", list=own, state=st)
			c.err("stats", "forbidden")
	with s.connect(PLATFORM) as p:
		for st in ("pending", "expired", "removed"):
			p.err("scan", "forbidden", list="credit", state=st)
		p.err("history", "forbidden", subject=new_uscc())
	with s.connect(ADMIN) as adm:
		adm.err("check", "forbidden", subjects=[new_uscc()])
		adm.err("changes", "forbidden")
	with s.connect(REGULATOR) as reg:
		for l in LISTS:
			reg.err("put", "forbidden", list=l, subject=new_uscc(), fields=FIELDS_FOR[l]())
		eq(snapshot(reg), before, "registry after forbidden requests")
