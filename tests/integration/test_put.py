"""put and remove: schema rules (4.2), if_version, kinds, defaults, re-put."""

from harness import *

suite = Suite("put")

N256 = "福" * 85 + "a"            # 256 bytes
N257 = "福" * 85 + "ab"           # 257 bytes
T1024 = "理" * 341 + "a"          # 1024 bytes
T1025 = "理" * 341 + "ab"         # 1025 bytes


def drop(f, k):
	f = dict(f)
	del f[k]
	return f


def bad_cases():
	"""(list, fields) pairs that break the schema: each must be bad_request."""
	c, t, a = credit_fields, tourism_fields, adv_fields
	out = [
		# required fields missing
		("credit", drop(c(), "name")), ("credit", drop(c(), "grade")), ("credit", {}),
		("tourism", drop(t(), "name")), ("tourism", drop(t(), "category")),
		("tourism", drop(t(), "reason")), ("tourism", drop(t(), "decision")),
		("tourism", drop(t(), "listed_on")),
		("advertising", drop(a(), "name")), ("advertising", drop(a(), "reason")),
		("advertising", drop(a(), "decision")), ("advertising", drop(a(), "listed_on")),
		# unknown fields
		("credit", c(extra="x")), ("credit", c(category="other")), ("advertising", a(category="other")),
		("credit", c(Name="x")),
		# text: type, length, NUL
		("credit", c(name=5)), ("credit", c(name=None)), ("credit", c(name=b"bytes")),
		("credit", c(name=["x"])), ("credit", c(name="")), ("credit", c(name=N257)),
		("credit", c(name="a\x00b")), ("credit", c(report="R" * 65)), ("credit", c(report="")),
		("tourism", t(reason=T1025)), ("tourism", t(reason="")), ("tourism", t(decision="D" * 65)),
		("tourism", t(name=N257)), ("advertising", a(reason=T1025)), ("advertising", a(decision="x" * 65)),
		# enum
		("credit", c(grade="E")), ("credit", c(grade="a")), ("credit", c(grade="A ")),
		("credit", c(grade="")), ("credit", c(grade=1)), ("tourism", t(category="Other")),
		("tourism", t(category="illegal")), ("tourism", t(category=None)),
		# int
		("credit", c(score=-1)), ("credit", c(score=101)), ("credit", c(score="50")),
		("credit", c(score=50.0)), ("credit", c(score=True)), ("credit", c(score=2 ** 64 - 1)),
		("credit", c(score=-(2 ** 63))), ("credit", c(score=None)),
		# dates
		("credit", c(valid_from="2026-02-30")), ("credit", c(valid_from="2026-2-01")),
		("credit", c(valid_from="2026-13-01")), ("credit", c(valid_from="2026-00-10")),
		("credit", c(valid_from="2026-01-00")), ("credit", c(valid_from="2026-01-32")),
		("credit", c(valid_from="1899-12-31")), ("credit", c(valid_from="10000-01-01")),
		("credit", c(valid_from="2100-02-29")), ("credit", c(valid_from="1900-02-29")),
		("credit", c(valid_from="2026-01-01 ")), ("credit", c(valid_from="20260101")),
		("credit", c(valid_from="2026/01/01")), ("credit", c(valid_from="2026-01-01T00:00:00")),
		("credit", c(valid_from=20260101)), ("credit", c(valid_until="")),
		("tourism", t(listed_on="2026-04-31")), ("tourism", t(expires_on="0000-01-01")),
		("advertising", a(listed_on="yesterday")),
		# end before start
		("credit", c(valid_from="2026-05-02", valid_until="2026-05-01")),
		("tourism", t(listed_on="2026-05-02", expires_on="2026-05-01")),
		("advertising", a(listed_on="2027-01-01", expires_on="2026-12-31")),
	]
	return out


def ok_cases():
	"""Boundary values that are valid."""
	c, t, a = credit_fields, tourism_fields, adv_fields
	return [
		("credit", c(name=N256)), ("credit", c(name="x")), ("credit", c(score=0)), ("credit", c(score=100)),
		("credit", c(report="R" * 64)), ("credit", c(valid_from="1900-01-01", valid_until="9999-12-31")),
		("credit", c(valid_from="2024-02-29", valid_until="2024-02-29")),
		("credit", c(valid_from="2000-02-29")),
		("credit", c(grade="D", score=0, report="r", valid_from="2026-01-01", valid_until="2026-01-01")),
		("tourism", t(reason=T1024)), ("tourism", t(decision="D" * 64)), ("tourism", t(category="other")),
		("tourism", t(category="unlicensed_guide")), ("tourism", t(category="illegal_vehicle")),
		("tourism", t(name="a\tb\nc")),
		("advertising", a(reason=T1024, expires_on="2099-12-31")),
	]


KINDS_OK = {"credit": ["uscc"], "tourism": ["uscc", "guide", "site", "plate"], "advertising": ["uscc", "site"],
	    "tourism-watch": ["uscc", "guide", "site", "plate"]}


@suite.test(timeout=120)
def schema_violations(ctx):
	s = ctx.server
	with s.connect(REGULATOR) as reg:
		before = snapshot(reg)
		conns = {l: s.connect(WRITER[l]) for l in LISTS}
		try:
			tried = []
			for l, f in bad_cases():
				subj = new_uscc()
				tried.append(subj)
				conns[l].err("put", "bad_request", list=l, subject=subj, fields=f)
				conns[l].err("put", "bad_request", list=l, subject=subj, fields=f, if_version=0)
			# fields not a map
			for l in LISTS:
				for bad in ("x", [], None, 1):
					conns[l].err("put", "bad_request", list=l, subject=new_uscc(), fields=bad)
				conns[l].err("put", "bad_request", list=l, subject=new_uscc())
				conns[l].err("put", "bad_request", subject=new_uscc(), fields=FIELDS_FOR[l]())
				conns[l].err("put", "bad_request", list=l, fields=FIELDS_FOR[l]())
				conns[l].err("put", "bad_request", list=l, subject=5, fields=FIELDS_FOR[l]())
				conns[l].err("put", "bad_request", list=5, subject=new_uscc(), fields=FIELDS_FOR[l]())
				conns[l].err("put", "bad_request", list=l, subject=new_uscc(), fields=FIELDS_FOR[l](),
					     extra=1)
				conns[l].hello_ok()
			after = snapshot(reg)
			eq(after, before, "registry after rejected puts")
			for subj in tried[:20]:
				reg.err("get", "not_found", subject=subj)
			# the same connections still write
			for l, f in ok_cases():
				subj = new_uscc()
				r = conns[l].ok("put", list=l, subject=subj, fields=f, if_version=0)
				eq(r["version"], 1, "version of a boundary put")
				e = reg.ok("get", subject=subj)["entries"][0]
				eq(e["fields"], with_defaults(l, f), "stored fields of a boundary put")
		finally:
			for c in conns.values():
				c.close()


@suite.test(timeout=60)
def invalid_utf8_text(ctx):
	"""A str that is not UTF-8 in a field: bad_request (or, read as a frame rule, bad_frame)."""
	s = ctx.server
	with s.connect(REGULATOR) as reg:
		before = snapshot(reg)
	with s.connect(QUALITY) as q:
		body = msgpack.packb({"id": 9, "op": "put", "list": "credit", "subject": new_uscc(),
				      "fields": {"name": b"\xff\xfe bad", "grade": "A"}}, use_bin_type=False)
		q.send_raw(frame(body))
		r = q.recv()
		if r.get("id") is None:
			check_response(r, None)
			eq(r["error"]["code"], "bad_frame", "invalid UTF-8 str answered with id nil")
			q.expect_closed()
		else:
			check_response(r, 9)
			check(not r["ok"], "put with invalid UTF-8 accepted")
			eq(r["error"]["code"], "bad_request", "invalid UTF-8 in a text field")
			q.hello_ok()
	with s.connect(REGULATOR) as reg:
		eq(snapshot(reg), before, "registry after the rejected put")


@suite.test(timeout=60)
def kinds_per_list(ctx):
	s = ctx.server
	with s.connect(REGULATOR) as reg:
		before = snapshot(reg)
		for l in LISTS:
			with s.connect(WRITER[l]) as c:
				for kind in ("uscc", "guide", "site", "plate"):
					if kind not in KINDS_OK[l]:
						c.err("put", "invalid_subject", list=l, subject=NEW_SUBJECT[kind](),
						      fields=FIELDS_FOR[l]())
				c.err("put", "invalid_subject", list=l, subject=uscc_bad(5), fields=FIELDS_FOR[l]())
				c.err("put", "invalid_subject", list=l, subject="nope", fields=FIELDS_FOR[l]())
				c.hello_ok()
		eq(snapshot(reg), before, "registry after rejected kinds")
		for l in LISTS:
			with s.connect(WRITER[l]) as c:
				for kind in KINDS_OK[l]:
					subj = NEW_SUBJECT[kind]()
					eq(c.ok("put", list=l, subject=subj, fields=FIELDS_FOR[l]())["version"], 1,
					   "put %s on %s" % (kind, l))


@suite.test(timeout=60)
def if_version(ctx):
	s = ctx.server
	with s.connect(TOURISM) as t, s.connect(REGULATOR) as reg:
		subj = new_guide()
		f = tourism_fields("unlicensed_guide")
		t.err("put", "conflict", list="tourism", subject=subj, fields=f, if_version=1)
		t.err("remove", "not_found", list="tourism", subject=subj, reason="x")
		eq(t.ok("put", list="tourism", subject=subj, fields=f, if_version=0)["version"], 1, "v1")
		before = snapshot(reg)
		t.err("put", "conflict", list="tourism", subject=subj, fields=f, if_version=0)
		t.err("put", "conflict", list="tourism", subject=subj, fields=f, if_version=2)
		t.err("put", "conflict", list="tourism", subject=subj, fields=f, if_version=2 ** 64 - 1)
		t.err("put", "bad_request", list="tourism", subject=subj, fields=f, if_version=-1)
		t.err("put", "bad_request", list="tourism", subject=subj, fields=f, if_version="1")
		t.err("put", "bad_request", list="tourism", subject=subj, fields=f, if_version=1.0)
		t.err("put", "bad_request", list="tourism", subject=subj, fields=f, if_version=None)
		t.err("remove", "conflict", list="tourism", subject=subj, reason="x", if_version=0)
		t.err("remove", "conflict", list="tourism", subject=subj, reason="x", if_version=2)
		t.err("remove", "bad_request", list="tourism", subject=subj, reason="x", if_version=-1)
		eq(snapshot(reg), before, "registry after conflicts")
		eq(t.ok("put", list="tourism", subject=subj, fields=f, if_version=1)["version"], 2, "v2")
		eq(t.ok("remove", list="tourism", subject=subj, reason="申诉", if_version=2)["version"], 3, "v3")
		before = snapshot(reg)
		t.err("remove", "conflict", list="tourism", subject=subj, reason="again")
		t.err("remove", "conflict", list="tourism", subject=subj, reason="again", if_version=3)
		t.err("put", "conflict", list="tourism", subject=subj, fields=f, if_version=0)
		eq(snapshot(reg), before, "registry after conflicts on a removed entry")
		# a put on a removed entry lists it again
		eq(t.ok("put", list="tourism", subject=subj, fields=f, if_version=3)["version"], 4, "v4")
		e = reg.ok("get", subject=subj)["entries"][0]
		check_entry(e, True, "tourism", subj, 4, "listed", "active", with_defaults("tourism", f), TOURISM)
		eq([v["status"] for v in reg.ok("history", subject=subj)["versions"]],
		   ["listed", "listed", "removed", "listed"], "history statuses")


@suite.test(timeout=60)
def remove_arguments(ctx):
	s = ctx.server
	with s.connect(COMMERCE) as a, s.connect(REGULATOR) as reg:
		subj = new_site()
		a.ok("put", list="advertising", subject=subj, fields=adv_fields())
		before = snapshot(reg)
		a.err("remove", "bad_request", list="advertising", subject=subj)
		a.err("remove", "bad_request", list="advertising", subject=subj, reason="")
		a.err("remove", "bad_request", list="advertising", subject=subj, reason=T1025)
		a.err("remove", "bad_request", list="advertising", subject=subj, reason=5)
		a.err("remove", "bad_request", list="advertising", subject=subj, reason=None)
		a.err("remove", "bad_request", list="advertising", subject=subj, reason="x", fields={})
		a.err("remove", "bad_request", subject=subj, reason="x")
		a.err("remove", "bad_request", list="advertising", reason="x")
		a.err("remove", "unknown_list", list="nope", subject=subj, reason="x")
		a.err("remove", "invalid_subject", list="advertising", subject="site:bad_host", reason="x")
		a.err("remove", "invalid_subject", list="advertising", subject=new_guide(), reason="x")
		a.err("remove", "not_found", list="advertising", subject=new_site(), reason="x")
		a.err("remove", "forbidden", list="credit", subject=new_uscc(), reason="x")
		eq(snapshot(reg), before, "registry after rejected removes")
		r = a.ok("remove", list="advertising", subject=subj.upper().replace("SITE:", "site:"), reason=T1024)
		eq(r["version"], 2, "remove with a 1024-byte reason")
		v = reg.ok("history", subject=subj)["versions"][-1]
		eq(v["reason"], T1024, "stored reason")
