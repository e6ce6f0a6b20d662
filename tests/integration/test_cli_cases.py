"""The command line's procedures (PROTOCOL.md 4.6, 4.8): notify, case open,
case close, case list / cases, escalations, dismiss, --idem on writes, and
what get and check show of disputes, proposals and escalations; text and
--json, against a real qcregd."""

import json
import unicodedata

from harness import *

suite = Suite("cli_cases")

CASE_ROW = re.compile(r"^ *(\d+)  ")
OPENED = re.compile(r"^(notice|objection|repair) case (\d+) opened: deadline "
		    r"(\d{4}-\d\d-\d\d)( \(provisional\))?, seq (\d+)$")


def ok(s, args, cn=TOURISM):
	"""Runs the command line; it must exit 0. Returns its stdout."""
	rc, out, err = qcreg(s, args, cn=cn)
	eq(rc, 0, "exit status of qcreg %s as %s (stderr %r, stdout %r)" % (
		" ".join(args), cn, err, out))
	return out


def ok_json(s, args, cn=TOURISM):
	out = ok(s, ["--json"] + args, cn=cn)
	try:
		return json.loads(out)
	except ValueError as e:
		fail("qcreg --json %s: not one JSON document (%s): %r" % (" ".join(args), e, out))


def refused(s, args, code, cn=TOURISM):
	"""The command line must exit 2 with "qcreg: CODE: ..." on stderr."""
	rc, out, err = qcreg(s, args, cn=cn)
	eq(rc, 2, "exit status of qcreg %s (stdout %r, stderr %r)" % (" ".join(args), out, err))
	check(re.search(r"^qcreg: %s: " % code, err, re.M),
	      "qcreg %s: want a %s error, stderr %r" % (" ".join(args), code, err))
	return err


def opened(out):
	"""(kind, case, deadline, provisional, seq) of an "... case N opened" line."""
	m = OPENED.match(out.strip())
	check(m is not None, "not a case-opened line: %r" % out)
	return m.group(1), int(m.group(2)), m.group(3), m.group(4) is not None, int(m.group(5))


def kv_args(fields):
	return ["%s=%s" % (k, v) for k, v in fields.items()]


def notice_fields(**kw):
	f = {"name": "张某", "category": "unlicensed_guide", "reason": "未取得导游证从事导游活动",
	     "decision": "豫旅罚〔2026〕7号", "listed_on": day(0)}
	f.update(kw)
	return f


def case_of(s, case_id, cn=REGULATOR):
	"""The case as the server lists it (the protocol client, not the CLI)."""
	with s.connect(cn) as c:
		for state in ("open", "closed"):
			r = c.ok("cases", state=state, after=case_id - 1, limit=1)
			if r["cases"] and r["cases"][0]["case"] == case_id:
				return r["cases"][0]
	fail("case %d not listed" % case_id)


def width(s):
	return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def table_rows(out):
	"""The rows of an aligned table (header first), cells split at 2+ spaces."""
	lines = [l for l in out.splitlines() if l.strip() and not l.startswith("* ")]
	return lines, [re.split(r"\s{2,}", l.strip()) for l in lines]


def check_aligned(lines, rows):
	"""Every cell of every line starts at the display column of its header."""
	def starts(line, cells):
		cols, pos = [], 0
		for c in cells:
			i = line.index(c, pos)
			cols.append(width(line[:i]))
			pos = i + len(c)
		return cols
	head = starts(lines[0], rows[0])
	for line, cells in zip(lines[1:], rows[1:]):
		got = starts(line, cells)
		# the right-aligned first column ends where its header ends
		eq(width(line[:line.index(cells[0])]) + width(cells[0]),
		   head[0] + width(rows[0][0]), "end of the first column in %r" % line)
		eq(got[1:], head[1:len(got)], "column starts of %r under %r" % (line, lines[0]))


def put(s, lst, subject, cn=None, **kw):
	with s.connect(cn or WRITER[lst]) as w:
		return w.ok("put", list=lst, subject=subject, fields=FIELDS_FOR[lst](**kw))


@suite.test(timeout=120)
def notify_list_close_get(ctx):
	"""notify -> case list shows it -> get shows the proposal -> case close listed
	-> the closed list shows the outcome -> get shows the new version."""
	avoid_midnight()
	s = ctx.server
	subj = new_guide()
	fields = notice_fields()
	out = ok(s, ["notify", "tourism", subj] + kv_args(fields) +
		 ["--received-on", day(-1), "--text", "拟列入旅游市场黑名单，告知当事人陈述申辩权利"])
	kind, cid, deadline, prov, seq = opened(out)
	eq(kind, "notice", "kind")
	eq(cid, seq, "a case's id is the seq of its opening")
	c = case_of(s, cid)
	eq((c["kind"], c["list"], c["subject"], c["state"], c["received_on"], c["deadline"],
	    bool(c.get("provisional"))),
	   ("notice", "tourism", subj, "open", day(-1), deadline, prov), "the case as the server lists it")

	# the open case in the table, with the columns of the header
	out = ok(s, ["case", "list", "--list", "tourism", "--kind", "notice"])
	lines, rows = table_rows(out)
	eq(rows[0], ["CASE", "KIND", "LIST", "SUBJECT", "STATE", "RECEIVED", "DEADLINE", "OUTCOME"],
	   "header")
	mine = [r for r in rows[1:] if r[0] == str(cid)]
	eq(mine, [[str(cid), "notice 告知", "tourism", subj, "open", day(-1),
		   deadline + ("*" if prov else ""), "-"]], "the row of case %d in %r" % (cid, out))
	check_aligned(lines, rows)

	# a regulator sees the proposal in get, and no entry is written yet
	out = ok(s, ["get", subj], cn=REGULATOR)
	check(re.search(r"^  tourism  proposed  notice case %d, deadline %s" % (cid, deadline),
			out, re.M), "get without the proposal: %r" % out)
	check(re.search(r"^    category +unlicensed_guide \(未经许可从事导游活动\)$", out, re.M),
	      "get without the proposed fields: %r" % out)
	check(" v1 " not in out, "an entry before the case is closed: %r" % out)
	g = ok_json(s, ["get", subj], cn=REGULATOR)
	eq([(p["list"], p["case"], p["deadline"], p["fields"]) for p in g.get("proposed", [])],
	   [("tourism", cid, deadline, with_defaults("tourism", fields))], "proposed in get --json")

	out = ok(s, ["case", "close", str(cid), "listed", "--reason", "当事人未提出陈述申辩"])
	m = re.match(r"^case %d closed listed: version 1, seq (\d+)$" % cid, out.strip())
	check(m is not None, "case close output: %r" % out)
	check(int(m.group(1)) > seq, "the closing's seq")

	# closed: gone from the open cases, in the closed ones with its outcome
	out = ok(s, ["cases", "--list", "tourism"])
	check(not any(CASE_ROW.match(l) and l.split()[0] == str(cid) for l in out.splitlines()),
	      "closed case %d still listed as open: %r" % (cid, out))
	out = ok(s, ["cases", "--closed", "--list", "tourism"])
	_, rows = table_rows(out)
	mine = [r for r in rows[1:] if r[0] == str(cid)]
	eq([(r[4], r[7]) for r in mine], [("closed", "listed")], "the closed case in %r" % out)

	out = ok(s, ["get", subj], cn=REGULATOR)
	check(re.search(r"^  tourism  v1  active$", out, re.M), "get after closing: %r" % out)
	check("proposed" not in out, "a proposal left after closing: %r" % out)
	out = ok(s, ["get", subj], cn=PLATFORM)
	check(re.search(r"^    name +张某$", out, re.M), "the platform's get: %r" % out)


@suite.test(timeout=90)
def objection_shows_disputed(ctx):
	"""An objection: check and get show the dispute to everyone, platforms
	included; closing it upheld ends it."""
	s = ctx.server
	subj = new_site()
	put(s, "tourism", subj)
	out = ok(s, ["case", "open", "tourism", subj, "--kind", "objection",
		     "--received-on", day(0), "--text", "当事人对列入提出异议"])
	kind, cid, _, _, _ = opened(out)
	eq(kind, "objection", "kind")

	rc, out, err = qcreg(s, ["check", subj], cn=PLATFORM)
	eq(rc, 1, "exit status of check on a listed, disputed subject (stderr %r)" % err)
	check(re.search(r"^%s +listed +tourism until \S+, disputed: case %d \(异议处理中\)$" % (
		re.escape(subj), cid), out, re.M), "check output: %r" % out)
	rc, out, _ = qcreg(s, ["--json", "check", subj], cn=PLATFORM)
	eq(rc, 1, "exit status of check --json")
	r = json.loads(out)["results"][0]
	eq([(h["list"], h.get("disputed")) for h in r["hits"]], [("tourism", cid)],
	   "hits of check --json")
	check("escalation" not in r, "an escalation for a platform: %r" % r)

	out = ok(s, ["get", subj], cn=PLATFORM)
	check(re.search(r"^    disputed +case %d \(异议处理中\)$" % cid, out, re.M),
	      "get output: %r" % out)
	g = ok_json(s, ["get", subj], cn=PLATFORM)
	eq([e.get("disputed") for e in g["entries"]], [cid], "disputed in get --json")
	check("proposed" not in g, "a platform sees proposals: %r" % g)

	# a second objection on the entry while one is open
	refused(s, ["case", "open", "tourism", subj, "--kind", "objection",
		    "--received-on", day(0), "--text", "again"], "conflict")

	c = ok_json(s, ["case", "close", str(cid), "upheld", "--reason", "异议不成立"])
	check(isinstance(c.get("seq"), int) and "version" not in c, "case close --json: %r" % c)
	rc, out, _ = qcreg(s, ["check", subj], cn=PLATFORM)
	check("disputed" not in out, "still disputed after the case was closed: %r" % out)


@suite.test(timeout=90)
def cases_overdue_and_due(ctx):
	"""A case received long ago is overdue: cases --overdue lists it, --due
	does not; the plain (open) listing includes it."""
	avoid_midnight()
	s = ctx.server
	subj = new_plate()
	put(s, "tourism", subj, listed_on=day(-300))
	out = ok(s, ["case", "open", "tourism", subj, "--kind", "objection",
		     "--received-on", day(-200), "--text", "逾期未处理的异议"])
	_, old, deadline, _, _ = opened(out)
	check(deadline < day(0), "deadline %s of a case received 200 days ago" % deadline)
	subj2 = new_plate()
	put(s, "tourism", subj2)
	_, new, _, _, _ = opened(ok(s, ["case", "open", "tourism", subj2, "--kind", "objection",
					 "--received-on", day(0), "--text", "新异议"]))

	def ids(args):
		_, rows = table_rows(ok(s, args))
		return {int(r[0]): r for r in rows[1:] if r[0].isdigit()}

	over = ids(["cases", "--overdue", "--list", "tourism"])
	check(old in over and new not in over, "cases --overdue: %r" % sorted(over))
	eq(over[old][4], "overdue", "state of the overdue case")
	eq(over[old][3], subj, "a subject with a province character")
	# objection_days is 20: a case received today is due within 20 working days, not 3
	eq(set(ids(["cases", "--due", "--list", "tourism"])) & {old, new}, set(), "cases --due")
	eq(set(ids(["cases", "--due", "25", "--list", "tourism"])) & {old, new}, {new},
	   "cases --due 25")
	eq(set(ids(["case", "list", "--state", "due", "--within", "25"])) & {old, new}, {new},
	   "case list --state due --within 25")
	both = ids(["cases", "--list", "tourism", "--kind", "objection"])
	check(old in both and new in both, "open cases (overdue included): %r" % sorted(both))
	lines, rows = table_rows(ok(s, ["cases", "--list", "tourism"]))
	check_aligned(lines, rows)
	# usage errors
	refused(s, ["cases", "--overdue", "--closed"], "usage")
	refused(s, ["cases", "--overdue", "--state", "open"], "usage")
	refused(s, ["cases", "7"], "usage")

	j = ok_json(s, ["cases", "--overdue", "--list", "tourism"])
	eq(sorted(j.keys()), ["cases", "next"], "keys of cases --json")
	check(j["next"] is None, "next of the last page")
	check(any(c["case"] == old and c["state"] == "overdue" for c in j["cases"]),
	      "the overdue case in --json: %r" % j)


@suite.test(timeout=120)
def cases_follow_next(ctx):
	"""case list follows next: more cases than one page (100 by default)
	all come back, once each, in case id order."""
	s = ctx.server
	made = []
	with s.connect(TOURISM) as t:
		for _ in range(130):
			subj = new_site()
			t.ok("put", list="tourism-watch", subject=subj, fields=watch_fields())
			r = t.ok("case_open", list="tourism-watch", subject=subj, kind="repair",
				 received_on=day(0), text="信用修复申请")
			made.append(r["case"])
	j = ok_json(s, ["case", "list", "--list", "tourism-watch", "--kind", "repair"])
	got = [c["case"] for c in j["cases"]]
	eq(got, sorted(got), "cases in case id order")
	eq(len(got), len(set(got)), "each case once")
	check(set(made) <= set(got), "%d of %d cases listed" % (len(set(made) & set(got)), len(made)))
	_, rows = table_rows(ok(s, ["case", "list", "--list", "tourism-watch", "--kind", "repair"]))
	eq(len([r for r in rows[1:] if r[0].isdigit() and int(r[0]) in made]), len(made),
	   "rows of the table")


@suite.test(timeout=90)
def escalation_and_dismiss(ctx):
	"""Two watch listings within the window: escalations lists the subject for
	the target list's agency, check and get show it (not to platforms),
	dismiss ends it."""
	s = ctx.server
	subj = new_guide()
	first, last = day(-100), day(-10)
	put(s, "tourism-watch", subj, listed_on=first)
	put(s, "tourism-watch", subj, listed_on=last)

	out = ok(s, ["escalations", "tourism"])
	lines, rows = table_rows(out)
	eq(rows[0], ["SUBJECT", "WATCH LIST", "TO", "COUNT", "FIRST", "LAST"], "header")
	eq([r for r in rows[1:] if r[0] == subj],
	   [[subj, "tourism-watch", "tourism", "2", first, last]], "escalations row in %r" % out)
	j = ok_json(s, ["escalations"], cn=REGULATOR)
	eq([(e["list"], e["to"], e["count"], e["first"], e["last"]) for e in j["escalations"]
	    if e["subject"] == subj], [("tourism-watch", "tourism", 2, first, last)],
	   "escalations --json")
	check(j["next"] is None, "next of the last page")

	line = "escalation: tourism-watch -> tourism: 2 listings, %s .. %s (待决定)" % (first, last)
	rc, out, _ = qcreg(s, ["check", subj], cn=TOURISM)
	eq(rc, 3, "exit status of check on a watched subject")
	check(re.search(r"^ +%s$" % re.escape(line), out, re.M), "check output: %r" % out)
	rc, out, _ = qcreg(s, ["--json", "check", subj], cn=TOURISM)
	eq(json.loads(out)["results"][0].get("escalation"),
	   {"list": "tourism-watch", "to": "tourism", "count": 2, "first": first, "last": last},
	   "escalation in check --json")
	rc, out, _ = qcreg(s, ["check", subj], cn=PLATFORM)
	check("escalation" not in out, "a platform sees the escalation: %r" % out)
	out = ok(s, ["get", subj], cn=REGULATOR)
	check(re.search(r"^  escalation  tourism-watch -> tourism: 2 listings, %s \.\. %s" % (
		first, last), out, re.M), "get output: %r" % out)

	out = ok(s, ["dismiss", "tourism", subj, "--reason", "情节轻微，不予列入"])
	check(re.match(r"^dismissed tourism %s: seq \d+$" % re.escape(subj), out.strip()),
	      "dismiss output: %r" % out)
	out = ok(s, ["escalations", "tourism"])
	check(subj not in out, "dismissed subject still escalated: %r" % out)
	rc, out, _ = qcreg(s, ["check", subj], cn=TOURISM)
	check("escalation" not in out, "escalation after the dismissal: %r" % out)
	refused(s, ["dismiss", "tourism", subj, "--reason", "again"], "not_found")


@suite.test(timeout=90)
def idem_on_writes(ctx):
	"""--idem: a repeated write is answered with the first answer and applied
	once; a key reused for another op is a conflict."""
	s = ctx.server
	subj = new_uscc()
	key = "cli-%d" % uniq()
	args = ["put", "credit", subj, "name=福州某某食品有限公司", "grade=B", "score=78", "--idem", key]
	a = ok_json(s, args, cn=QUALITY)
	b = ok_json(s, args, cn=QUALITY)
	eq(b, a, "the repeated put's answer")
	eq(a["version"], 1, "version")
	with s.connect(REGULATOR) as r:
		eq(len(r.ok("history", subject=subj)["versions"]), 1, "versions after two puts")
		eq(r.ok("get", subject=subj)["entries"][0]["fields"]["score"], 78, "score sent as an int")
	refused(s, ["remove", "credit", subj, "--reason", "x", "--idem", key], "conflict", cn=QUALITY)

	rkey = "cli-%d" % uniq()
	out1 = ok(s, ["remove", "credit", subj, "--reason", "信用修复", "--idem", rkey], cn=QUALITY)
	out2 = ok(s, ["remove", "credit", subj, "--reason", "信用修复", "--idem", rkey], cn=QUALITY)
	eq(out2, out1, "the repeated remove's output")
	check(re.match(r"^remove credit %s: version 2, seq \d+$" % re.escape(subj), out1.strip()),
	      "remove output: %r" % out1)

	guide = new_guide()
	nkey = "cli-%d" % uniq()
	args = ["notify", "tourism", guide] + kv_args(notice_fields()) + [
		"--received-on", day(0), "--text", "告知", "--idem", nkey]
	eq(ok(s, args), ok(s, args), "the repeated notify's output")
	with s.connect(REGULATOR) as r:
		cs = [c for c in r.ok("cases", list="tourism", kind="notice", limit=1000)["cases"]
		      if c["subject"] == guide]
	eq(len(cs), 1, "notice cases opened by two notify with one key")
	refused(s, ["put", "credit", subj, "name=x", "grade=A", "--idem", "k" * 65], "usage",
		cn=QUALITY)


@suite.test(timeout=90)
def close_with_fields_and_json(ctx):
	"""case close corrected with new fields typed by the case's list (score an
	int); --json of notify, case open, case close and dismiss."""
	s = ctx.server
	subj = new_uscc()
	put(s, "credit", subj, grade="C", score=40)
	j = ok_json(s, ["case", "open", "credit", subj, "--kind", "objection",
			"--received-on", day(0), "--text", "对评价等级有异议"], cn=QUALITY)
	check(isinstance(j.get("case"), int) and isinstance(j.get("seq"), int) and
	      re.match(r"^\d{4}-\d\d-\d\d$", j.get("deadline", "")), "case open --json: %r" % j)
	cid = j["case"]
	j = ok_json(s, ["case", "close", str(cid), "corrected", "--reason", "复核后更正",
			"name=福州某某食品有限公司", "grade=B", "score=70"], cn=QUALITY)
	eq(j.get("version"), 2, "the version the correction wrote")
	with s.connect(REGULATOR) as r:
		e = r.ok("get", subject=subj)["entries"][0]
	eq((e["version"], e["fields"]["grade"], e["fields"]["score"]), (2, "B", 70),
	   "the corrected entry")
	eq(case_of(s, cid)["outcome"], "corrected", "the closed case's outcome")
	refused(s, ["case", "close", str(cid), "upheld", "--reason", "again"], "conflict",
		cn=QUALITY)
	refused(s, ["case", "close", "x1", "upheld", "--reason", "r"], "usage", cn=QUALITY)

	j = ok_json(s, ["notify", "tourism", new_guide()] + kv_args(notice_fields()) + [
		"--received-on", day(0), "--text", "告知"])
	check(isinstance(j.get("case"), int) and isinstance(j.get("deadline"), str),
	      "notify --json: %r" % j)
	j = ok_json(s, ["case", "close", str(j["case"]), "withdrawn", "--reason", "撤回"])
	check("version" not in j and isinstance(j.get("seq"), int), "withdrawn --json: %r" % j)
