"""Every op of PROTOCOL.md section 5: shapes (type of every key) and values."""

import time

from harness import *

suite = Suite("ops")

ROLE = {REGULATOR: "regulator", QUALITY: "agency", TOURISM: "agency", COMMERCE: "agency",
	PLATFORM: "platform", ADMIN: "admin", UNKNOWN: None}
WRITABLE = {QUALITY: ["credit"], TOURISM: ["tourism", "tourism-watch"], COMMERCE: ["advertising"]}


def text(name, req, max_len):
	d = {"name": name, "type": "text", "required": req}
	if max_len is not None:
		d["max_len"] = max_len
	return d


def date(name, req):
	return {"name": name, "type": "date", "required": req}


def procedures(repair_after=0, publish_days=0):
	"""A list's periods (PROTOCOL.md 4.6): the defaults unless configured."""
	return {"notice_days": 10, "objection_days": 20, "repair_days": 15, "repair_after": repair_after,
		"publish_days": publish_days}


CATEGORY_LABELS = {"unlicensed_agency": "未经许可经营旅行社业务", "unlicensed_guide": "未经许可从事导游活动",
		   "illegal_website": "非法旅游经营网站", "illegal_vehicle": "非法营运旅游车辆", "other": "其他"}

EXPECTED_LISTS = [
	{"name": "credit", "type": "rating", "kinds": ["uscc"], "fields": [
		text("name", True, 256),
		{"name": "grade", "type": "enum", "required": True, "values": ["A", "B", "C", "D"],
		 "labels": {"A": "守信", "B": "基本守信", "C": "失信", "D": "严重失信"}},
		{"name": "score", "type": "int", "required": False, "min": 0, "max": 100},
		text("report", False, 64),
		date("valid_from", False),
		date("valid_until", False)],
	 "start": "valid_from", "end": "valid_until", "grade": "grade", "procedures": procedures(),
	 "verdicts": {"A": "clear", "B": "clear", "C": "caution", "D": "listed"}},
	{"name": "tourism", "type": "blacklist", "kinds": ["uscc", "guide", "site", "plate"], "fields": [
		text("name", True, 256),
		{"name": "category", "type": "enum", "required": True,
		 "values": ["unlicensed_agency", "unlicensed_guide", "illegal_website", "illegal_vehicle",
			    "other"], "labels": CATEGORY_LABELS},
		text("reason", True, None),
		text("decision", True, 64),
		date("listed_on", True),
		date("expires_on", False)],
	 "start": "listed_on", "end": "expires_on", "procedures": procedures(repair_after=365, publish_days=1825)},
	{"name": "advertising", "type": "blacklist", "kinds": ["uscc", "site"], "fields": [
		text("name", True, 256),
		text("reason", True, None),
		text("decision", True, 64),
		date("listed_on", True),
		date("expires_on", False)],
	 "start": "listed_on", "end": "expires_on", "procedures": procedures(repair_after=365)},
	{"name": "tourism-watch", "type": "watch", "kinds": ["uscc", "guide", "site", "plate"], "fields": [
		text("name", True, 256),
		{"name": "category", "type": "enum", "required": True,
		 "values": ["unlicensed_agency", "unlicensed_guide", "illegal_website", "illegal_vehicle",
			    "other"], "labels": CATEGORY_LABELS},
		text("reason", True, None),
		text("decision", False, 64),
		date("listed_on", True),
		date("expires_on", False)],
	 "start": "listed_on", "end": "expires_on", "procedures": procedures(),
	 "escalation": {"to": "tourism", "after": 2, "window": 365}},
]

FIELD_SPEC = {"name": "str", "type": "str", "required": "bool", "values?": ["str"], "labels?": "map",
	      "min?": "int", "max?": "int", "max_len?": "uint"}
HELLO_SPEC = {"server": "str", "proto": "uint", "principal": "str", "role": ("str", "nil"),
	      "writable": ["str"],
	      "lists": [{"name": "str", "title": "str", "type": "str", "kinds": ["str"], "fields": [FIELD_SPEC],
			 "start?": "str", "end?": "str", "grade?": "str", "procedures": {"notice_days": "uint", "objection_days": "uint", "repair_days": "uint",
					"repair_after": "uint", "publish_days": "uint"},
			 "verdicts?": "map", "escalation?": {"to": "str", "after": "uint", "window": "uint"}}],
	      "limits": {"max_frame": "uint", "max_batch": "uint", "max_limit": "uint"},
	      "replication": {"role": "str", "primary?": "str", "applied?": "uint", "primary_head?": "uint",
			      "lag_records?": "uint", "lag_seconds?": "uint", "following?": "bool",
			      "stopped?": "str"},
	      "keys": [{"key_id": "str", "public_key": "str", "since": "uint", "current": "bool"}]}


@suite.test(timeout=60)
def hello_every_principal(ctx):
	for cn, role in ROLE.items():
		with ctx.server.connect(cn) as c:
			r = c.ok("hello")
			shape(r, HELLO_SPEC)
			check(r["server"] != "", "hello.server empty")
			eq(r["proto"], 1, "hello.proto")
			eq(r["principal"], cn, "hello.principal")
			eq(r["role"], role, "hello.role of %s" % cn)
			eq(sorted(r["writable"]), WRITABLE.get(cn, []), "hello.writable of %s" % cn)
			eq(r["limits"], {"max_frame": MAX_FRAME, "max_batch": MAX_BATCH,
					 "max_limit": MAX_LIMIT}, "hello.limits")
			eq([l["name"] for l in r["lists"]], LISTS, "hello list names in configuration order")
			for got, want in zip(r["lists"], EXPECTED_LISTS):
				check(got["title"] != "", "empty title of list %s" % got["name"])
				eq({k: got[k] for k in ("name", "type", "kinds")},
				   {k: want[k] for k in ("name", "type", "kinds")}, "hello list %s" % want["name"])
				eq(len(got["fields"]), len(want["fields"]), "number of fields of %s" % want["name"])
				for gf, wf in zip(got["fields"], want["fields"]):
					if wf["type"] == "text" and "max_len" not in wf:
						# default text limit: absent or announced as 1024
						wf = dict(wf)
						if "max_len" in gf:
							wf["max_len"] = 1024
					eq(gf, wf, "hello field descriptor %s.%s" % (want["name"], wf["name"]))
				for k in ("start", "end", "grade", "verdicts", "escalation"):
					eq(got.get(k), want.get(k), "hello %s of list %s" % (k, want["name"]))


@suite.test(timeout=60)
def put_worked_example_and_versions(ctx):
	s = ctx.server
	with s.connect(QUALITY) as q:
		subj = new_uscc()
		f = credit_fields("C", score=55, valid_until=day(200))
		r1 = q.ok("put", list="credit", subject=subj, fields=f, if_version=0)
		shape(r1, {"version": "uint", "seq": "uint"})
		eq(r1["version"], 1, "first version")
		r2 = q.ok("put", list="credit", subject=subj, fields=credit_fields("B"), if_version=1)
		shape(r2, {"version": "uint", "seq": "uint"})
		eq(r2["version"], 2, "second version")
		eq(r2["seq"], r1["seq"] + 1, "seq of the next write")
		r3 = q.ok("put", list="credit", subject=subj, fields=credit_fields("A"))
		eq(r3["version"], 3, "third version (no if_version)")
		eq(r3["seq"], r2["seq"] + 1, "seq of the next write")


@suite.test(timeout=60)
def check_worked_example(ctx):
	avoid_midnight()
	s = ctx.server
	until1 = "2027-06-30" if "2027-06-30" > day(1) else day(200)
	until2 = "2028-01-15" if "2028-01-15" > day(1) else day(300)
	with s.connect(QUALITY) as q, s.connect(COMMERCE) as a, s.connect(PLATFORM) as p:
		r = q.ok("put", list="credit", subject="91350100M000100Y43",
			 fields={"name": "福州某某食品有限公司", "grade": "C", "score": 55, "valid_until": until1},
			 if_version=0)
		eq(r["version"], 1, "put version")
		a.ok("put", list="advertising", subject="uscc:91350100M000100Y43",
		     fields=adv_fields(expires_on=until2))
		got = p.ok("check", subjects=["91350100M000100Y43", "guide:D-3501-000123",
					       "uscc:91350100M000100Y44"])
		want = {"results": [
			{"subject": "uscc:91350100M000100Y43", "verdict": "listed", "hits": [
				{"list": "credit", "grade": "C", "until": until1},
				{"list": "advertising", "until": until2}]},
			{"subject": "guide:D-3501-000123", "verdict": "clear", "hits": []},
			{"subject": "uscc:91350100M000100Y44", "error": "invalid_subject"}]}
		eq(got, want, "check result")
		shape(got, {"results": [({"subject": "str", "verdict": "str",
					  "hits": [{"list": "str", "grade?": "str", "until?": "date"}]},
					 {"subject": "str", "error": "str"})]})


def _seed_three(ctx):
	"""One uscc on all three lists; returns (subject, {list: fields stored})."""
	s = ctx.server
	subj = new_uscc()
	stored = {}
	with s.connect(QUALITY) as q, s.connect(TOURISM) as t, s.connect(COMMERCE) as a:
		f = credit_fields("A", score=90, report="QR-2026-001", valid_from=day(-100), valid_until=day(100))
		q.ok("put", list="credit", subject=subj, fields=f)
		stored["credit"] = f
		f = tourism_fields("unlicensed_agency", listed_on=day(-30))
		t.ok("put", list="tourism", subject=subj, fields=f)
		stored["tourism"] = with_defaults("tourism", f)
		f = adv_fields(expires_on=day(30))
		a.ok("put", list="advertising", subject=subj, fields=f)
		stored["advertising"] = f
	return subj, stored


@suite.test(timeout=60)
def get_shape_every_role(ctx):
	avoid_midnight()
	t0 = int(time.time())
	subj, stored = _seed_three(ctx)
	t1 = int(time.time())
	by = {"credit": QUALITY, "tourism": TOURISM, "advertising": COMMERCE}
	for cn in (REGULATOR, QUALITY, TOURISM, COMMERCE, PLATFORM):
		full = cn == REGULATOR
		with ctx.server.connect(cn) as c:
			r = c.ok("get", subject=subj)
			shape(r, {"subject": "str", "entries": [entry_spec(full, False)]})
			eq(r["subject"], subj, "get.subject")
			eq([e["list"] for e in r["entries"]], ["credit", "tourism", "advertising"],
			   "get entries in configuration order")
			for e in r["entries"]:
				l = e["list"]
				check_entry(e, full, l, subj, 1, "listed", "active", stored[l], by[l], t0=t0, t1=t1)
			# lists filter, answered in configuration order
			r = c.ok("get", subject=subj, lists=["advertising", "credit"])
			eq([e["list"] for e in r["entries"]], ["credit", "advertising"], "get with lists")
			r = c.ok("get", subject=subj.lower(), lists=["tourism"])
			eq(r["subject"], subj, "get canonical subject")
			eq([e["list"] for e in r["entries"]], ["tourism"], "get with lists [tourism]")


@suite.test(timeout=60)
def tourism_default_expiry(ctx):
	s = ctx.server
	with s.connect(TOURISM) as t, s.connect(REGULATOR) as reg, s.connect(PLATFORM) as p:
		subj = new_site()
		f = tourism_fields(listed_on="2026-03-01")
		t.ok("put", list="tourism", subject=subj, fields=f)
		e = reg.ok("get", subject=subj)["entries"][0]
		eq(e["fields"].get("expires_on"), "2029-03-01", "default expires_on (listed_on + 3 years)")
		eq(list(e["fields"]), SCHEMA["tourism"], "field order")
		h = p.ok("check", subjects=[subj])["results"][0]
		if "2029-03-01" >= day(0):
			eq(h["hits"], [{"list": "tourism", "until": "2029-03-01"}], "hit with default until")
		# advertising has no default end date: no `until` in its hit
		subj2 = new_site()
		with s.connect(COMMERCE) as a:
			a.ok("put", list="advertising", subject=subj2, fields=adv_fields())
		e = reg.ok("get", subject=subj2)["entries"][0]
		check("expires_on" not in e["fields"], "advertising got an expires_on: %r" % e["fields"])
		h = p.ok("check", subjects=[subj2])["results"][0]
		eq(h["hits"], [{"list": "advertising"}], "hit without until")


@suite.test(timeout=60)
def remove_shape_and_effects(ctx):
	avoid_midnight()
	s = ctx.server
	with s.connect(QUALITY) as q, s.connect(REGULATOR) as reg, s.connect(PLATFORM) as p:
		subj = new_uscc()
		f = credit_fields("D", valid_until=day(50))
		r1 = q.ok("put", list="credit", subject=subj, fields=f)
		eq(p.ok("check", subjects=[subj])["results"][0]["hits"],
		   [{"list": "credit", "grade": "D", "until": day(50)}], "hit before remove")
		r2 = q.ok("remove", list="credit", subject=subj, reason="信用修复：已完成整改")
		shape(r2, {"version": "uint", "seq": "uint"})
		eq(r2["version"], 2, "remove version")
		eq(r2["seq"], r1["seq"] + 1, "remove seq")
		e = reg.ok("get", subject=subj)["entries"]
		eq(len(e), 1, "regulator entries")
		check_entry(e[0], True, "credit", subj, 2, "removed", "removed", f, QUALITY,
			    reason="信用修复：已完成整改")
		p.err("get", "not_found", subject=subj)
		q.err("get", "not_found", subject=subj)
		eq(p.ok("check", subjects=[subj])["results"][0], check_result(subj, []),
		   "check after remove")
		h = reg.ok("history", subject=subj)
		eq([(v["version"], v["status"], v["state"]) for v in h["versions"]],
		   [(1, "listed", "active"), (2, "removed", "removed")], "history after remove")
		check("reason" not in h["versions"][0], "a listed version has a reason key")
		# removing again is a conflict; a put lists it again
		q.err("remove", "conflict", list="credit", subject=subj, reason="again")
		r3 = q.ok("put", list="credit", subject=subj, fields=credit_fields("B"))
		eq(r3["version"], 3, "re-put version")
		e = reg.ok("get", subject=subj)["entries"][0]
		check_entry(e, True, "credit", subj, 3, "listed", "active", credit_fields("B"), QUALITY)
		eq(p.ok("check", subjects=[subj])["results"][0]["hits"], [{"list": "credit", "grade": "B"}],
		   "hit after re-put")
		p.ok("get", subject=subj)


@suite.test(timeout=60)
def history_shape(ctx):
	avoid_midnight()
	s = ctx.server
	subj = new_uscc()
	with s.connect(QUALITY) as q, s.connect(TOURISM) as t, s.connect(REGULATOR) as reg:
		f1 = credit_fields("C", valid_from=day(-400), valid_until=day(-1))   # expired
		f2 = credit_fields("B", valid_from=day(-1), valid_until=day(365))    # active
		f3 = credit_fields("A", valid_from=day(5))                           # pending
		ft = tourism_fields("unlicensed_agency")
		seqs = [q.ok("put", list="credit", subject=subj, fields=f1)["seq"]]
		seqs.append(t.ok("put", list="tourism", subject=subj, fields=ft)["seq"])
		seqs.append(q.ok("put", list="credit", subject=subj, fields=f2)["seq"])
		seqs.append(q.ok("put", list="credit", subject=subj, fields=f3)["seq"])
		seqs.append(q.ok("remove", list="credit", subject=subj, reason="法院判决撤销")["seq"])
		want = [("credit", 1, "listed", "expired", f1, QUALITY), ("tourism", 1, "listed", "active",
			with_defaults("tourism", ft), TOURISM),
			("credit", 2, "listed", "active", f2, QUALITY), ("credit", 3, "listed", "pending", f3, QUALITY),
			("credit", 4, "removed", "removed", f3, QUALITY)]
		h = reg.ok("history", subject=subj)
		shape(h, {"subject": "str", "versions": [entry_spec(True, None)]})
		eq(h["subject"], subj, "history.subject")
		eq(len(h["versions"]), 5, "number of versions")
		for v, w, sq in zip(h["versions"], want, seqs):
			check_entry(v, True, w[0], subj, w[1], w[2], w[3], w[4], w[5],
				    reason="法院判决撤销" if w[2] == "removed" else None)
			eq(v["seq"], sq, "version seq")
		h = reg.ok("history", subject=subj, list="tourism")
		eq([(v["list"], v["version"]) for v in h["versions"]], [("tourism", 1)], "history list=tourism")
		# an agency sees its own lists only
		h = t.ok("history", subject=subj)
		eq([(v["list"], v["version"]) for v in h["versions"]], [("tourism", 1)], "agency history")
		for v in h["versions"]:
			shape(v, entry_spec(False, False, "tourism") | {"by?": "str"})
		t.err("history", "forbidden", subject=subj, list="credit")
		h = q.ok("history", subject=subj, list="credit")
		eq([v["version"] for v in h["versions"]], [1, 2, 3, 4], "agency history of its list")
		reg.err("history", "not_found", subject=new_uscc())
		with s.connect(COMMERCE) as a:
			a.err("history", "not_found", subject=subj)


@suite.test(timeout=60)
def changes_shape(ctx):
	s = ctx.server
	with s.connect(COMMERCE) as a, s.connect(REGULATOR) as reg, s.connect(PLATFORM) as p, \
			s.connect(TOURISM) as t:
		subj = new_site()
		r1 = a.ok("put", list="advertising", subject=subj, fields=adv_fields())
		r2 = a.ok("remove", list="advertising", subject=subj, reason="申诉成功")
		c = reg.ok("changes", since=r1["seq"] - 1, limit=2)
		shape(c, {"changes": [CHANGE_SPEC], "head": "uint"})
		check(c["head"] >= r2["seq"], "changes.head %d < last seq %d" % (c["head"], r2["seq"]))
		eq([(x["seq"], x["op"], x["list"], x["subject"], x["version"], x["principal"])
		    for x in c["changes"]],
		   [(r1["seq"], "put", "advertising", subj, 1, COMMERCE),
		    (r2["seq"], "remove", "advertising", subj, 2, COMMERCE)], "changes")
		eq(c["changes"][1]["prev"], c["changes"][0]["hash"], "prev = hash of the one before")
		eq(change_payload(c["changes"][0]), {"fields": with_defaults("advertising", adv_fields())},
		   "payload of a put")
		eq(change_payload(c["changes"][1]), {"fields": with_defaults("advertising", adv_fields()),
						     "reason": "申诉成功"}, "payload of a removal")
		for x in c["changes"]:
			eq(x["payload_hash"], hashlib.sha256(x["payload"]).hexdigest(), "payload_hash")
		# the agency that decided is public: every reader sees the same records
		for who in (p, t):
			eq(who.ok("changes", since=r1["seq"] - 1, limit=2), c, "changes as %s" % who.cn)
		head = reg.ok("changes", since=0, limit=1)
		eq(len(head["changes"]), 1, "limit 1")
		eq(head["changes"][0]["seq"], 1, "first seq")
		eq(head["changes"][0]["prev"], "0" * 64, "prev of seq 1")
		h = reg.ok("changes", since=c["head"])
		eq(h, {"changes": [], "head": c["head"]}, "changes since head")
		h = reg.ok("changes", since=c["head"] + 1000)
		eq(h["changes"], [], "changes since beyond head")
		d = reg.ok("changes")
		check(1 <= len(d["changes"]) <= 100, "default limit 100, got %d" % len(d["changes"]))
		eq(d["changes"][0]["seq"], 1, "default since 0")


@suite.test(timeout=60)
def stats_shape(ctx):
	s = ctx.server
	list_spec = {"total": "uint", "active": "uint", "pending": "uint", "expired": "uint",
		     "removed": "uint"}
	spec = {"head": "uint", "total": "uint", "lists": {
		"credit": dict(list_spec, grades={"A": "uint", "B": "uint", "C": "uint", "D": "uint"}),
		"tourism": list_spec, "advertising": list_spec, "tourism-watch": list_spec}}
	with s.connect(REGULATOR) as reg, s.connect(ADMIN) as adm:
		a = reg.ok("stats")
		shape(a, spec)
		b = adm.ok("stats")
		shape(b, spec)
		eq(a, b, "regulator and admin stats")
		tot = 0
		for l, v in a["lists"].items():
			eq(v["active"] + v["pending"] + v["expired"] + v["removed"], v["total"], "stats sum of " + l)
			tot += v["total"]
		eq(a["total"], tot, "stats.total")
		g = a["lists"]["credit"]["grades"]
		eq(sum(g.values()), a["lists"]["credit"]["active"], "grades count active entries")
		eq(a["head"], reg.ok("changes", since=0, limit=1)["head"], "stats.head = changes.head")


def _put_many(conn, subjects, fields):
	"""Pipelined puts on credit, 1,000 a round; every one must succeed."""
	for i in range(0, len(subjects), 1000):
		chunk = subjects[i:i + 1000]
		data = b"".join(frame({"id": conn.next_id + k, "op": "put", "list": "credit",
				       "subject": s, "fields": fields}) for k, s in enumerate(chunk))
		conn.send_raw(data)
		for k in range(len(chunk)):
			r = conn.recv()
			check_response(r, conn.next_id + k)
			check(r["ok"], "put %s: %r" % (chunk[k], r.get("error")))
		conn.next_id += len(chunk)


@suite.test(timeout=300)
def scan_stops_after_20000_subjects(ctx):
	"""Every list's subjects are walked together: a scan of a list with one
	entry behind 20,050 subjects of another stops after 20,000 with an
	empty page and a next, and following next finds the entry; a scan for
	a state nobody is in ends the same way."""
	s = ctx.fresh_server("scanbound")
	many = sorted(uscc(n, "91350100") for n in range(20050))
	last = uscc(1, "Y1350100")	# sorts after every 9... subject
	with s.connect(QUALITY) as q, s.connect(COMMERCE) as c, s.connect(REGULATOR) as reg:
		_put_many(q, many, credit_fields("A"))
		c.ok("put", list="advertising", subject=last, fields=adv_fields())
		page = reg.ok("scan", list="advertising", limit=10)
		eq(page["entries"], [], "the first page: the visit bound came first")
		check(page["next"] is not None, "a bounded page has a next")
		found, pages = [], 1
		while page["next"] is not None:
			page = reg.ok("scan", list="advertising", limit=10, after=page["next"])
			found += [e["subject"] for e in page["entries"]]
			pages += 1
		eq(found, [last], "following next finds the one entry")
		eq(pages, 2, "pages of the walk")
		page = reg.ok("scan", list="credit", state="removed", limit=5)
		eq(page["entries"], [], "no removed entries")
		check(page["next"] is not None, "the removed scan stops with a next")
		page = reg.ok("scan", list="credit", limit=1000, after=many[-2])
		eq([e["subject"] for e in page["entries"]], [many[-1]], "a full walk's tail")
		eq(page["next"], None, "the end")
	s.stop_clean()
