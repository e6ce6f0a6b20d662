"""Procedures (PROTOCOL.md 4.6-4.8): notice, objection and repair cases with
working-day deadlines, disputes, proposals, escalation from the watch list,
sealed and withdrawn records, and retries with idem. Deadlines are checked
against a second, independent reading of the calendar file."""

import datetime
import os
import signal

from harness import *

suite = Suite("cases")

DEV_CAL = os.path.join(ROOT, "server", "calendar", "dev.cal")


def read_calendar(path):
	"""(covered years, holidays, make-up workdays) of a calendar file."""
	years, off, work = set(), set(), set()
	with open(path, encoding="utf-8") as f:
		for line in f:
			w = line.split()
			if not w or w[0].startswith("#"):
				continue
			if w[0] == "year":
				years.add(int(w[1]))
			else:
				(off if w[1] == "holiday" else work).add(datetime.date.fromisoformat(w[0]))
	return years, off, work


def deadline(received, n, path=DEV_CAL):
	"""Day n counted from the first working day after received (an ISO
	date); provisional when a counted day lies outside the covered years."""
	years, off, work = read_calendar(path)
	d = datetime.date.fromisoformat(received)
	provisional = False
	while n > 0:
		d += datetime.timedelta(days=1)
		if d.year not in years:
			provisional = True
		if (d.weekday() < 5 and d not in off) or d in work:
			n -= 1
	return d.isoformat(), provisional


def head(s):
	with s.connect(REGULATOR) as reg:
		return reg.ok("stats")["head"]


def open_case(w, lst, subj, kind, received=None, **kw):
	args = {"list": lst, "subject": subj, "kind": kind, "received_on": received or day(-1),
		"text": {"notice": "拟列入，告知当事人陈述申辩权利", "objection": "当事人提出异议",
			 "repair": "申请信用修复"}[kind]}
	args.update(kw)
	return w.ok("case_open", **args)


def cases_of(conn, **kw):
	"""Every case of a listing, following next."""
	out, after = [], None
	while True:
		args = dict(kw, limit=MAX_LIMIT)
		if after is not None:
			args["after"] = after
		r = conn.ok("cases", **args)
		out += r["cases"]
		if r["next"] is None:
			return out
		after = r["next"]


def the_case(conn, cid):
	for c in cases_of(conn, state="open") + cases_of(conn, state="closed"):
		if c["case"] == cid:
			return c
	fail("case %d not listed" % cid)


@suite.test(timeout=60)
def notice_proposes_then_lists(ctx):
	s = ctx.server
	g = new_guide()
	f = tourism_fields(category="unlicensed_guide", decision="豫旅罚〔2026〕7号")
	received = day(-2)
	with s.connect(TOURISM) as t:
		r = open_case(t, "tourism", g, "notice", received, fields=f)
		dl, prov = deadline(received, 10)
		want = {"case": r["seq"], "deadline": dl, "seq": r["seq"]}
		if prov:
			want["provisional"] = True
		eq(r, want, "case_open answer (notice_days 10, dev calendar)")
		cid = r["case"]
		# the proposal lives in the case: no entry, no hit
		with s.connect(PLATFORM) as p:
			eq(p.ok("check", subjects=[g])["results"][0], check_result(g, []), "platform check during notice")
			p.err("get", "not_found", subject=g)
		for cn in (REGULATOR, TOURISM):
			with s.connect(cn) as c:
				got = c.ok("get", subject=g)
				eq(got, {"subject": g, "entries": [], "proposed": [
					{"list": "tourism", "case": cid, "fields": with_defaults("tourism", f), "deadline": dl}]},
				   "get as %s during notice" % cn)
		with s.connect(QUALITY) as q:
			q.err("get", "not_found", subject=g)
		c = the_case(t, cid)
		eq({k: c[k] for k in ("kind", "list", "subject", "state", "received_on", "deadline", "by")},
		   {"kind": "notice", "list": "tourism", "subject": g, "state": "open", "received_on": received,
		    "deadline": dl, "by": TOURISM}, "the case as listed")
		eq(c["fields"], with_defaults("tourism", f), "the proposal in the case")
		closed = t.ok("case_close", case=cid, outcome="listed", reason="当事人未陈述申辩")
		eq(closed, {"version": 1, "seq": cid + 1}, "case_close listed")
		t.err("case_close", "conflict", case=cid, outcome="withdrawn", reason="again")
		c = the_case(t, cid)
		eq((c["state"], c["outcome"], c["closed_on"], c["version"], c["closed_by"]),
		   ("closed", "listed", day(0), 1, TOURISM), "the closed case")
	with s.connect(PLATFORM) as p:
		r = p.ok("check", subjects=[g])["results"][0]
		eq(r["verdict"], "listed", "listed after the notice")
	with s.connect(REGULATOR) as reg:
		e = reg.ok("get", subject=g)
		check("proposed" not in e, "no proposal after closing")
		eq(e["entries"][0]["fields"], with_defaults("tourism", f), "the version is the proposal")
		eq(e["entries"][0]["case"], cid, "the version names its case")


@suite.test(timeout=60)
def notice_leaves_the_current_entry(ctx):
	s = ctx.server
	x = new_uscc()
	with s.connect(TOURISM) as t:
		t.ok("put", list="tourism", subject=x, fields=tourism_fields(reason="原决定"))
		cid = open_case(t, "tourism", x, "notice", fields=tourism_fields(reason="拟变更"))["case"]
		open_case(t, "tourism", x, "objection")
		t.err("case_open", "conflict", list="tourism", subject=x, kind="notice", received_on=day(-1),
		      text="再次告知", fields=tourism_fields())
		with s.connect(PLATFORM) as p:
			e = p.ok("get", subject=x)["entries"][0]
			eq((e["version"], e["fields"]["reason"]), (1, "原决定"), "the entry during the notice")
		eq(t.ok("case_close", case=cid, outcome="withdrawn", reason="不予变更"), {"seq": cid + 2},
		   "withdrawn writes no version")
		with s.connect(REGULATOR) as reg:
			got = reg.ok("get", subject=x)
			check("proposed" not in got, "proposal gone after withdrawn")
			eq(got["entries"][0]["version"], 1, "entry unchanged")


@suite.test(timeout=60)
def objection_disputes_everywhere(ctx):
	s = ctx.server
	subs = [new_site() for _ in range(3)]
	with s.connect(TOURISM) as t:
		for x in subs:
			t.ok("put", list="tourism", subject=x, fields=tourism_fields())
		cids = [open_case(t, "tourism", x, "objection")["case"] for x in subs]
		t.err("case_open", "conflict", list="tourism", subject=subs[0], kind="objection",
		      received_on=day(0), text="重复异议")
		for cn in (PLATFORM, REGULATOR, QUALITY):
			with s.connect(cn) as c:
				r = c.ok("check", subjects=subs)["results"]
				for x, cid, res in zip(subs, cids, r):
					eq(res["hits"], [{"list": "tourism", "until": res["hits"][0]["until"], "disputed": cid}],
					   "hit under objection as %s" % cn)
					eq(res["verdict"], "listed", "still a hit")
				eq(c.ok("get", subject=subs[0])["entries"][0]["disputed"], cids[0], "get as %s" % cn)
		with s.connect(PLATFORM) as p:
			page = p.ok("scan", list="tourism", limit=MAX_LIMIT)
			flagged = {e["subject"]: e.get("disputed") for e in page["entries"]}
			eq([flagged.get(x) for x in subs], cids, "scan shows disputed")
		# upheld: nothing changes but the flag
		eq(t.ok("case_close", case=cids[0], outcome="upheld", reason="异议不成立"), {"seq": head(s)},
		   "upheld writes no version")
		# corrected: a new version, flag gone
		t.err("case_close", "bad_request", case=cids[1], outcome="corrected", reason="更正")
		fixed = tourism_fields(reason="更正后的事由")
		eq(t.ok("case_close", case=cids[1], outcome="corrected", reason="部分更正", fields=fixed)["version"], 2,
		   "corrected writes version 2")
		# revoked: removed, then withdrawn
		r = t.ok("case_close", case=cids[2], outcome="revoked", reason="决定撤销")
		eq(r["version"], 2, "revoked writes a removal")
	with s.connect(PLATFORM) as p:
		res = p.ok("check", subjects=subs)["results"]
		eq([r["hits"] for r in res][0], [{"list": "tourism", "until": res[0]["hits"][0]["until"]}],
		   "upheld: no longer disputed")
		check("disputed" not in res[1]["hits"][0], "corrected: no longer disputed")
		eq(res[2]["verdict"], "clear", "revoked: off the list")
	with s.connect(REGULATOR) as reg:
		vs = reg.ok("history", subject=subs[1])["versions"]
		eq(vs[-1]["fields"], with_defaults("tourism", fixed), "corrected fields")
		vs = reg.ok("history", subject=subs[2])["versions"]
		eq((vs[-1]["status"], vs[-1]["reason"], vs[-1]["case"]), ("removed", "决定撤销", cids[2]),
		   "the revoked version")
		changes, _ = verify_chain(reg)
		w = [c for c in changes if c["op"] == "withdraw" and c["subject"] == subs[2]]
		eq(len(w), 1, "one withdraw record after the revocation")
		eq((change_payload(w[0]), w[0]["case"], w[0]["seq"]), ({"reason": "revoked"}, cids[2], r["seq"] + 1),
		   "the withdraw record")


@suite.test(timeout=60)
def repair_waits_for_repair_after(ctx):
	s = ctx.server
	young, old = new_uscc(), new_uscc()
	with s.connect(TOURISM) as t:
		t.ok("put", list="tourism", subject=young, fields=tourism_fields(listed_on=day(-30)))
		t.ok("put", list="tourism", subject=old, fields=tourism_fields(listed_on=day(-400)))
		n = head(s)
		e = t.err("case_open", "conflict", list="tourism", subject=young, kind="repair",
			  received_on=day(0), text="申请信用修复")
		check(day(335) in e["message"], "the refusal names the first day: %s" % e["message"])
		eq(head(s), n, "a refused repair writes nothing")
		t.err("case_open", "not_found", list="tourism", subject=new_uscc(), kind="repair",
		      received_on=day(0), text="无此条目")
		cid = open_case(t, "tourism", old, "repair", day(0))["case"]
		dl, _ = deadline(day(0), 15)
		eq(the_case(t, cid)["deadline"], dl, "repair deadline (15 working days)")
		t.err("case_close", "bad_request", case=cid, outcome="upheld", reason="错误的结果")
		t.err("case_close", "bad_request", case=cid, outcome="approved", reason="x", fields=tourism_fields())
		r = t.ok("case_close", case=cid, outcome="approved", reason="已完成整改，准予修复")
		eq(r["version"], 2, "approved removes")
	with s.connect(PLATFORM) as p:
		eq(p.ok("check", subjects=[old])["results"][0]["verdict"], "clear", "repaired")
	with s.connect(REGULATOR) as reg:
		changes, _ = verify_chain(reg)
		eq(change_payload(changes[-1]), {"reason": "repair"}, "withdraw after repair")


@suite.test(timeout=60)
def platforms_see_sealed_and_withdrawn(ctx):
	"""A platform gets notice and repair cases sealed, objections whole,
	and a withdrawn entry's earlier records without payload; the chain
	still verifies from what it receives."""
	s = ctx.server
	x, y = new_uscc(), new_uscc()
	with s.connect(TOURISM) as t:
		since = head(s)
		cid = open_case(t, "tourism", x, "notice", fields=tourism_fields())["case"]
		t.ok("case_close", case=cid, outcome="withdrawn", reason="不予列入")
		t.ok("put", list="tourism", subject=y, fields=tourism_fields(listed_on=day(-500)))
		obj = open_case(t, "tourism", y, "objection")["case"]
		t.ok("case_close", case=obj, outcome="upheld", reason="异议不成立")
		rep = open_case(t, "tourism", y, "repair")["case"]
		t.ok("case_close", case=rep, outcome="approved", reason="准予修复")
	with s.connect(REGULATOR) as reg:
		full = reg.ok("changes", since=since, limit=MAX_LIMIT)["changes"]
	with s.connect(PLATFORM) as p:
		seen = p.ok("changes", since=since, limit=MAX_LIMIT)["changes"]
	with s.connect(COMMERCE) as a:
		other_agency = a.ok("changes", since=since, limit=MAX_LIMIT)["changes"]
	with s.connect(TOURISM) as t:
		owner = t.ok("changes", since=since, limit=MAX_LIMIT)["changes"]
	eq(owner, full, "the owning agency sees its records whole")
	eq(other_agency, seen, "another agency sees what a platform sees")
	ops = [c["op"] for c in full]
	eq(ops, ["case_open", "case_close", "put", "case_open", "case_close", "case_open", "case_close", "withdraw"],
	   "the records")
	want_sealed = [True, True, False, False, False, True, False, False]
	prev = full[0]["prev"]
	for f, c, sealed in zip(full, seen, want_sealed):
		if sealed:
			eq(c, {"seq": f["seq"], "at": f["at"], "op": "sealed", "hash": f["hash"]}, "sealed %s" % f["op"])
		else:
			check("payload" not in c or f["seq"] >= full[-1]["seq"],
			      "record %d of the withdrawn entry keeps its payload" % f["seq"])
			eq({k: v for k, v in c.items()}, {k: v for k, v in f.items() if k != "payload" or
							   f["seq"] == full[-1]["seq"]}, "record %d" % f["seq"])
			eq(change_hash(prev, change_body(c)), c["hash"], "chain from what the platform got")
		prev = c["hash"]


@suite.test(timeout=60)
def bad_input_changes_nothing(ctx):
	s = ctx.server
	x = new_uscc()
	with s.connect(TOURISM) as t:
		t.ok("put", list="tourism", subject=x, fields=tourism_fields())
		cid = open_case(t, "tourism", x, "objection")["case"]
	n = head(s)
	with s.connect(TOURISM) as t:
		base = {"list": "tourism", "subject": x, "received_on": day(-1), "text": "文字"}
		t.err("case_open", "bad_request", **dict(base, kind="appeal"))
		t.err("case_open", "bad_request", **dict(base, kind="notice"))
		t.err("case_open", "bad_request", **dict(base, kind="objection", fields=tourism_fields()))
		t.err("case_open", "bad_request", **dict(base, kind="repair", received_on=day(1)))
		t.err("case_open", "bad_request", **dict(base, kind="repair", received_on="2026-02-30"))
		t.err("case_open", "bad_request", **dict(base, kind="repair", text=""))
		t.err("case_open", "bad_request", **dict(base, kind="notice", fields={"name": "缺字段"}))
		t.err("case_open", "invalid_subject", **dict(base, kind="notice", subject="site:", fields=tourism_fields()))
		t.err("case_open", "forbidden", **dict(base, list="credit", kind="repair"))
		t.err("case_open", "unknown_list", **dict(base, list="nope", kind="repair"))
		t.err("case_close", "not_found", case=10 ** 9, outcome="upheld", reason="x")
		t.err("case_close", "bad_request", case=0, outcome="upheld", reason="x")
		t.err("case_close", "bad_request", case=cid, outcome="listed", reason="x")
		t.err("case_close", "bad_request", case=cid, outcome="done", reason="x")
		t.err("case_close", "bad_request", case=cid, outcome="upheld")
		t.err("cases", "bad_request", state="pending")
		t.err("cases", "bad_request", within=400)
		t.err("cases", "forbidden", list="credit")
		t.err("escalation_dismiss", "bad_request", list="tourism-watch", subject=x, reason="x")
		t.err("escalation_dismiss", "not_found", list="tourism", subject=x, reason="x")
		t.err("put", "bad_request", list="tourism", subject=x, fields=tourism_fields(), idem="")
		t.err("put", "bad_request", list="tourism", subject=x, fields=tourism_fields(), idem="k" * 65)
		t.hello_ok()
	for cn in (COMMERCE, QUALITY):
		with s.connect(cn) as a:
			e = a.err("case_close", "forbidden", case=cid, outcome="upheld", reason="x")
			check("tourism" in e["message"], "names the case's list: %s" % e["message"])
	for cn in (PLATFORM, REGULATOR, ADMIN):
		with s.connect(cn) as c:
			c.err("case_open", "forbidden", list="tourism", subject=x, kind="objection", received_on=day(0), text="x")
			c.err("case_close", "forbidden", case=cid, outcome="upheld", reason="x")
	with s.connect(PLATFORM) as p:
		p.err("cases", "forbidden")
		p.err("escalations", "forbidden")
	eq(head(s), n, "no change record after the refused requests")
	with s.connect(REGULATOR) as reg:
		eq(the_case(reg, cid)["state"], "open", "the case is still open")


@suite.test(timeout=60)
def listing_by_state(ctx):
	s = ctx.server
	x, y, z = new_uscc(), new_uscc(), new_uscc()
	with s.connect(COMMERCE) as a:
		for v in (x, y, z):
			a.ok("put", list="advertising", subject=v, fields=adv_fields())
		late = open_case(a, "advertising", x, "objection", day(-60))["case"]
		fresh = open_case(a, "advertising", y, "objection", day(0))["case"]
		done = open_case(a, "advertising", z, "objection", day(-5))["case"]
		a.ok("case_close", case=done, outcome="upheld", reason="异议不成立")
		ids = lambda cs: sorted(c["case"] for c in cs if c["case"] in (late, fresh, done))
		eq(ids(cases_of(a)), [late, fresh], "open (the default) includes overdue")
		eq(ids(cases_of(a, state="overdue")), [late], "overdue")
		eq(the_case(a, late)["state"], "overdue", "state of the late case")
		eq(ids(cases_of(a, state="closed")), [done], "closed")
		eq(ids(cases_of(a, state="due", within=365)), [fresh], "due within a year")
		eq(ids(cases_of(a, state="due", within=0)), [], "due today")
		eq(ids(cases_of(a, kind="notice")), [], "kind filter")
		page = a.ok("cases", state="open", limit=1)
		eq(len(page["cases"]), 1, "a page of one")
		check(page["next"] is not None, "next after a full page")
		with s.connect(TOURISM) as t:
			eq(ids(cases_of(t)), [], "another agency does not see them")
		with s.connect(REGULATOR) as reg:
			eq(ids(cases_of(reg)), [late, fresh], "the regulator sees them")


@suite.test(timeout=60)
def watch_escalation(ctx):
	s = ctx.server
	x = new_guide()
	with s.connect(TOURISM) as t:
		t.ok("put", list="tourism-watch", subject=x, fields=watch_fields(listed_on=day(-300)))
		t.ok("put", list="tourism-watch", subject=x, fields=watch_fields(listed_on=day(-300), reason="更正"))
		with s.connect(REGULATOR) as reg:
			check("escalation" not in reg.ok("check", subjects=[x])["results"][0], "one listing")
		t.ok("put", list="tourism-watch", subject=x, fields=watch_fields(listed_on=day(-20)))
		want = {"list": "tourism-watch", "to": "tourism", "count": 2, "first": day(-300), "last": day(-20)}
		for cn, sees in ((REGULATOR, True), (TOURISM, True), (PLATFORM, False), (QUALITY, False)):
			with s.connect(cn) as c:
				r = c.ok("check", subjects=[x])["results"][0]
				eq(r.get("escalation"), want if sees else None, "check escalation as %s" % cn)
				eq(r["verdict"], "caution", "verdict as %s" % cn)
				g = c.ok("get", subject=x)
				eq(g.get("escalation"), want if sees else None, "get escalation as %s" % cn)
		eq([e for e in t.ok("escalations", list="tourism")["escalations"] if e["subject"] == x],
		   [dict(want, subject=x)], "escalations")
		n = head(s)
		eq(t.ok("escalation_dismiss", list="tourism", subject=x, reason="情节轻微"), {"seq": n + 1}, "dismiss")
		t.err("escalation_dismiss", "not_found", list="tourism", subject=x, reason="again")
		with s.connect(REGULATOR) as reg:
			check("escalation" not in reg.ok("check", subjects=[x])["results"][0], "dismissed")
			check(x not in [e["subject"] for e in reg.ok("escalations")["escalations"]], "not listed")
		# the next listing raises it again; listing on the target settles it
		t.ok("put", list="tourism-watch", subject=x, fields=watch_fields(listed_on=day(-2)))
		with s.connect(REGULATOR) as reg:
			eq(reg.ok("check", subjects=[x])["results"][0]["escalation"]["count"], 3, "raised again")
		t.ok("put", list="tourism", subject=x, fields=tourism_fields(category="unlicensed_guide"))
		with s.connect(REGULATOR) as reg:
			check("escalation" not in reg.ok("check", subjects=[x])["results"][0], "listed on the target")
	with s.connect(PLATFORM) as p:
		seen = p.ok("changes", since=n, limit=MAX_LIMIT)["changes"]
		eq(seen[0]["op"], "sealed", "a dismissal is sealed for platforms")


@suite.test(timeout=60)
def idem_retries_write_once(ctx):
	s = ctx.server
	x = new_uscc()
	key = "retry-" + x
	with s.connect(QUALITY) as q:
		first = q.ok("put", list="credit", subject=x, fields=credit_fields(grade="C"), idem=key)
		eq(q.ok("put", list="credit", subject=x, fields=credit_fields(grade="C"), idem=key), first,
		   "a repeat gets the first answer")
		q.err("remove", "conflict", list="credit", subject=x, reason="x", idem=key)
	# a lost connection: the write was sent, the answer never read
	y = new_uscc()
	key = "lost-" + y
	c = s.connect(QUALITY)
	c.send({"id": 1, "op": "put", "list": "credit", "subject": y, "fields": credit_fields(), "idem": key})
	c.close()
	with s.connect(QUALITY) as q:
		r = q.ok("put", list="credit", subject=y, fields=credit_fields(), idem=key)
		eq(r["version"], 1, "the retry finds the first write (or is it)")
		eq(q.ok("put", list="credit", subject=y, fields=credit_fields(), idem=key), r, "and again")
	with s.connect(REGULATOR) as reg:
		eq(len(reg.ok("history", subject=y)["versions"]), 1, "one version after the retries")
	# case ops replay too, deadline and all; keys are per principal
	with s.connect(TOURISM) as t:
		t.ok("put", list="tourism", subject=x, fields=tourism_fields())
		a = t.ok("case_open", list="tourism", subject=x, kind="objection", received_on=day(0), text="异议",
			 idem=key)
		eq(t.ok("case_open", list="tourism", subject=x, kind="objection", received_on=day(0), text="异议",
			idem=key), a, "case_open replay")
		b = t.ok("case_close", case=a["case"], outcome="upheld", reason="不成立", idem="close-" + x)
		eq(t.ok("case_close", case=a["case"], outcome="upheld", reason="不成立", idem="close-" + x), b,
		   "case_close replay, not conflict")


@suite.test(timeout=90)
def longer_calendar_on_sighup(ctx):
	"""A deadline past the calendar is provisional; a SIGHUP that loads
	the next year recomputes it (here a holiday moves it)."""
	tmp = mktemp()
	cal = os.path.join(tmp, "cal")
	base = open(DEV_CAL, encoding="utf-8").read()
	with open(cal, "w", encoding="utf-8") as f:
		f.write(base)
	conf = write_config(os.path.join(tmp, "q.conf"), server={"calendar": cal})
	with open(conf, encoding="utf-8") as f:
		text = f.read().replace("[list tourism]\n", "[list tourism]\nnotice_days = 120\n")
	with open(conf, "w", encoding="utf-8") as f:
		f.write(text)
	s = ctx.fresh_server("cal", config=conf)
	with s.connect(TOURISM) as t:
		r = open_case(t, "tourism", new_uscc(), "notice", day(0), fields=tourism_fields())
		dl, prov = deadline(day(0), 120, cal)
		check(prov and r.get("provisional") is True, "a deadline past 2026 is provisional: %s" % r)
		eq(r["deadline"], dl, "counted on weekdays past the calendar")
		# 2027 with its first working days off
		year = int(dl[:4])
		extra = ["year %d" % y for y in range(2027, year + 1)]
		extra += ["%d-01-0%d holiday 元旦" % (y, d) for y in range(2027, year + 1) for d in (1, 4, 5)]
		with open(cal, "a", encoding="utf-8") as f:
			f.write("\n" + "\n".join(extra) + "\n")
		mark = s.log_mark()
		s.proc.send_signal(signal.SIGHUP)
		s.wait_log("reload: certificates", since=mark)
		dl2, prov2 = deadline(day(0), 120, cal)
		check(not prov2 and dl2 != dl, "the test's own counting moved: %s -> %s" % (dl, dl2))
		c = the_case(t, r["case"])
		eq((c["deadline"], c.get("provisional")), (dl2, None), "recomputed after SIGHUP")


@suite.test(timeout=90)
def long_expired_entries_are_withdrawn(ctx):
	"""publish_days: an entry expired for longer is withdrawn by the
	server's sweep (at start, then hourly); one expired more recently, or
	removed, is not."""
	tmp = mktemp()
	conf = write_config(os.path.join(tmp, "q.conf"))
	with open(conf, encoding="utf-8") as f:
		text = f.read().replace("[list advertising]\n", "[list advertising]\npublish_days = 5\n")
	with open(conf, "w", encoding="utf-8") as f:
		f.write(text)
	s = ctx.fresh_server("sweep", config=conf)
	old, recent, gone, live = new_uscc(), new_uscc(), new_uscc(), new_uscc()
	with s.connect(COMMERCE) as a:
		a.ok("put", list="advertising", subject=old, fields=adv_fields(listed_on=day(-100), expires_on=day(-10)))
		a.ok("put", list="advertising", subject=recent, fields=adv_fields(listed_on=day(-100), expires_on=day(-3)))
		a.ok("put", list="advertising", subject=gone, fields=adv_fields(listed_on=day(-100), expires_on=day(-10)))
		a.ok("remove", list="advertising", subject=gone, reason="撤销")
		a.ok("put", list="advertising", subject=live, fields=adv_fields())
	s.restart()
	with s.connect(REGULATOR) as reg:
		changes, _ = verify_chain(reg)
	w = [c for c in changes if c["op"] == "withdraw"]
	eq([(c["subject"], c["principal"], change_payload(c)) for c in w],
	   [(old, "qcregd", {"reason": "expired"})], "the withdraw records after the sweep")
	with s.connect(PLATFORM) as p:
		seen = {c["subject"]: c for c in p.ok("changes", limit=MAX_LIMIT)["changes"] if c["op"] == "put"}
	check("payload" not in seen[old], "the withdrawn entry's put comes without payload")
	check("payload" in seen[recent] and "payload" in seen[live], "the others keep theirs")
	s.restart()
	with s.connect(REGULATOR) as reg:
		eq(len([c for c in verify_chain(reg)[0] if c["op"] == "withdraw"]), 1, "a second sweep adds nothing")
