"""report (PROTOCOL.md 5, report; 4.16 signed reports): the credit report
of one subject, checked against what the other ops answer for the same
subject (get, history, cases, changes, checkpoint) and against the
region file; an agency's view (its lists whole, the others' active
entries only); the roles that may not ask; bad input; the signed report,
whose text is rebuilt here from PROTOCOL.md 4.16 alone and verified with
the development public key, and fails once changed; on a replica and
without a signing key; the audit of reads; and `qcreg report` with its
Chinese sections, --json and --signed."""

import json
import os
import time

from harness import *
from test_audit import wait_records
from test_replica import caught_up, start_replica
from test_tree import public_key

suite = Suite("report")

PUB1 = os.path.join(CERTS, "signing-1.pub")
PUB2 = os.path.join(CERTS, "signing-2.pub")
REGIONS_FILE = os.path.join(ROOT, "server", "regions.txt")
# The Zhengzhou district the subjects are registered in (USCC chars 3-8).
DIVISION = "410105"
REPORT_KEYS = {"subject", "region", "verdict", "entries", "proposed", "versions", "cases",
	       "registry"}
SECTIONS = ["企业质量信用报告", "基本信息", "信用评价", "失信名单", "重点关注", "处理程序",
	    "变更记录", "登记簿状态"]
VERIFY_FAILED = "qcreg: verify: the signature does not verify"


def division_names(code):
	"""[{code, name}] of code's province, city and county in the region file."""
	names = {}
	with open(REGIONS_FILE, encoding="utf-8") as f:
		for line in f:
			w = line.split()
			if w and not w[0].startswith("#"):
				names[w[0]] = w[1]
	return [{"code": code[:n], "name": names[code[:n]]} for n in (2, 4, 6) if code[:n] in names]


def new_subject():
	return uscc(uniq(), prefix="91" + DIVISION)


def populate(s):
	"""A subject on every list, in every kind of state and procedure:
	credit rated twice (C, then D) and disputed by an open objection after
	an upheld one; tourism expired, with a notice proposing a new listing;
	advertising removed; tourism-watch listed twice (escalating to tourism,
	whose entry is not active). Returns (subject, {name: case})."""
	avoid_midnight()
	x = new_subject()
	cases = {}
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=x, fields=credit_fields("C", score=55,
			valid_from=day(-200), valid_until=day(300)))
		q.ok("put", list="credit", subject=x, fields=credit_fields("D", score=20,
			valid_from=day(-200), valid_until=day(300)))
		cases["upheld"] = q.ok("case_open", list="credit", subject=x, kind="objection",
				       received_on=day(-3), text="对评价等级有异议")["case"]
		q.ok("case_close", case=cases["upheld"], outcome="upheld", reason="维持原评价")
		cases["objection"] = q.ok("case_open", list="credit", subject=x, kind="objection",
					  received_on=day(-1), text="再次提出异议")["case"]
	with s.connect(COMMERCE) as c:
		c.ok("put", list="advertising", subject=x, fields=adv_fields())
		c.ok("remove", list="advertising", subject=x, reason="信用修复：已完成整改")
	with s.connect(TOURISM) as t:
		t.ok("put", list="tourism", subject=x, fields=tourism_fields(listed_on=day(-400),
			expires_on=day(-2)))
		for d in (-100, -10):
			t.ok("put", list="tourism-watch", subject=x, fields=watch_fields(listed_on=day(d)))
		cases["notice"] = t.ok("case_open", list="tourism", subject=x, kind="notice",
				       received_on=day(-1), text="拟列入，告知陈述申辩权利",
				       fields=tourism_fields(listed_on=day(20)))["case"]
	return x, cases


def subject_cases(reg, x):
	"""Every case of x as `cases` lists them (open and closed), by id."""
	out = []
	for state in ("open", "closed"):
		out += [c for c in reg.ok("cases", state=state, limit=MAX_LIMIT)["cases"]
			if c["subject"] == x]
	return sorted(out, key=lambda c: c["case"])


def log_head(reg):
	"""(seq, hash) of the newest change record."""
	head = reg.ok("changes", since=0, limit=1)["head"]
	last = reg.ok("changes", since=head - 1, limit=1)["changes"][0]
	return head, last["hash"]


def verdict_of(entries):
	hits = [{"list": e["list"], "grade": e["fields"]["grade"]} if e["list"] == "credit"
		else {"list": e["list"]} for e in entries if e["state"] == "active"]
	return check_result("-", hits)["verdict"]


# ---------------------------------------------------------------- the text of 4.16

def _escaped(b, extra=b""):
	out = bytearray()
	for c in b:
		if c < 0x20 or c == 0x7f or c == 0x25 or c in extra:
			out += b"%%%02X" % c
		else:
			out.append(c)
	return bytes(out)


def _lines(path, v, out):
	if isinstance(v, dict):
		out.append(path + b"={%d}" % len(v))
		for k in sorted(v, key=lambda k: k.encode()):
			_lines(path + (b"." if path else b"") + _escaped(k.encode(), b".="), v[k], out)
	elif isinstance(v, list):
		out.append(path + b"=[%d]" % len(v))
		for i, item in enumerate(v):
			_lines(path + b".%d" % i, item, out)
	elif isinstance(v, bool):
		out.append(path + (b"=true" if v else b"=false"))
	elif v is None:
		out.append(path + b"=nil")
	elif isinstance(v, int):
		out.append(path + b"=%d" % v)
	else:
		out.append(path + b'="' + _escaped(v.encode()) + b'"')


def report_text(report):
	"""The canonical text of a signed report (PROTOCOL.md 4.16), from the report alone."""
	sig = report["signed"]
	out = [b"qcreg-report-v1", sig["origin"].encode(), b"%d" % sig["time"], b"%d" % sig["size"],
	       sig["root"].encode(), sig["key_id"].encode()]
	for k in sorted((k for k in report if k != "signed"), key=lambda k: k.encode()):
		_lines(_escaped(k.encode(), b".="), report[k], out)
	return b"\n".join(out) + b"\n"


def verifies(report, key_name="signing-1"):
	try:
		public_key(key_name).verify(bytes.fromhex(report["signed"]["signature"]),
					    report_text(report))
		return True
	except Exception:
		return False


# ---------------------------------------------------------------- the op

@suite.test(timeout=90)
def a_regulator_sees_the_whole_report(ctx):
	s = ctx.server
	x, cases = populate(s)
	with s.connect(REGULATOR) as reg:
		t0 = int(time.time())
		r = reg.ok("report", subject=x[5:])  # a bare USCC is canonicalised
		t1 = int(time.time())
		got = reg.ok("get", subject=x)
		hist = reg.ok("history", subject=x)["versions"]
		head, head_hash = log_head(reg)
		cp = reg.ok("checkpoint")
		listed = subject_cases(reg, x)
	eq(set(r), REPORT_KEYS | {"escalation"}, "report keys")
	eq(r["subject"], x, "subject")
	eq(r["region"], {"code": DIVISION, "names": division_names(DIVISION)}, "region")
	eq([n["name"] for n in r["region"]["names"]], ["河南省", "郑州市"], "division names")
	eq(r["entries"], got["entries"], "entries, as get shows them")
	eq([(e["list"], e["state"]) for e in r["entries"]],
	   [("credit", "active"), ("tourism", "expired"), ("advertising", "removed"),
	    ("tourism-watch", "active")], "every list, every state")
	eq(r["entries"][0]["disputed"], cases["objection"], "the open objection disputes credit")
	eq(r["proposed"], got["proposed"], "proposed, as get")
	eq([p["case"] for p in r["proposed"]], [cases["notice"]], "the notice's proposal")
	eq(r["escalation"], got["escalation"], "escalation, as get")
	eq((r["escalation"]["list"], r["escalation"]["to"], r["escalation"]["count"]),
	   ("tourism-watch", "tourism", 2), "escalation")
	eq(r["verdict"], "listed", "verdict: credit D is listed")
	eq(r["verdict"], verdict_of(r["entries"]), "verdict from the active entries")
	eq(r["versions"], hist, "versions, as history")
	eq([v["list"] for v in r["versions"]].count("credit"), 2, "both credit versions")
	eq(len(r["versions"]), 7, "2 credit, 2 advertising, 1 tourism and 2 watch versions")
	eq(r["cases"], listed, "cases, as cases lists them")
	eq([c["case"] for c in r["cases"]], sorted(cases.values()), "every case of the subject")
	eq((r["registry"]["seq"], r["registry"]["hash"]), (head, head_hash), "registry head")
	eq(r["registry"]["seq"], cp["size"], "registry seq = checkpoint size")
	check(t0 <= r["registry"]["time"] <= t1 + 1, "registry time %r in [%d, %d]" % (
		r["registry"]["time"], t0, t1))


@suite.test(timeout=90)
def cases_come_from_the_subjects_index(ctx):
	"""Many other subjects' cases around it: only the subject's own come back."""
	s = ctx.server
	x = new_subject()
	mine = []
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=x, fields=credit_fields("B"))
		for i in range(12):
			other = new_subject()
			q.ok("put", list="credit", subject=other, fields=credit_fields("B"))
			q.ok("case_open", list="credit", subject=other, kind="objection",
			     received_on=day(-1), text="异议")
			if i % 4 == 0:
				c = q.ok("case_open", list="credit", subject=x, kind="objection",
					 received_on=day(-1), text="异议 %d" % i)["case"]
				q.ok("case_close", case=c, outcome="upheld", reason="维持")
				mine.append(c)
	with s.connect(REGULATOR) as reg:
		r = reg.ok("report", subject=x)
		eq([c["case"] for c in r["cases"]], mine, "the subject's cases only, by id")
		eq(r["cases"], subject_cases(reg, x), "as cases lists them")
		eq(r["verdict"], "clear", "grade B is clear")
		check("escalation" not in r, "no escalation")


@suite.test(timeout=90)
def an_agency_sees_its_own_lists_whole(ctx):
	s = ctx.server
	x, cases = populate(s)
	with s.connect(REGULATOR) as reg:
		full = reg.ok("report", subject=x)
	by_list = {e["list"]: e for e in full["entries"]}

	def strip_by(e):
		return {k: v for k, v in e.items() if k != "by"}

	# tourism-bureau writes tourism and tourism-watch
	with s.connect(TOURISM) as t:
		r = t.ok("report", subject=x)
	eq(r["entries"], [strip_by(by_list["credit"]), by_list["tourism"], by_list["tourism-watch"]],
	   "tourism-bureau: credit active without by, its lists whole, advertising (removed) hidden")
	eq(r["versions"], [v for v in full["versions"] if v["list"] in OWN[TOURISM]], "own versions")
	eq([c["case"] for c in r["cases"]], [cases["notice"]], "own cases only")
	eq(r["proposed"], full["proposed"], "its notice's proposal")
	eq(r["escalation"], full["escalation"], "it writes tourism, the escalation's target")
	eq(r["verdict"], full["verdict"], "the verdict is the same for everyone")
	eq(r["region"], full["region"], "region")
	# commerce-bureau writes advertising only
	with s.connect(COMMERCE) as c:
		r = c.ok("report", subject=x)
	eq(r["entries"], [strip_by(by_list["credit"]), by_list["advertising"],
			  strip_by(by_list["tourism-watch"])],
	   "commerce-bureau: its removed entry, the others' active ones without by")
	eq(r["versions"], [v for v in full["versions"] if v["list"] == "advertising"],
	   "advertising versions only")
	eq((r["cases"], r["proposed"]), ([], []), "no case or proposal on advertising")
	check("escalation" not in r, "no escalation for an agency that does not write tourism")
	# a subject whose only entry is another agency's expired one: nothing visible
	y = new_subject()
	with s.connect(TOURISM) as t:
		t.ok("put", list="tourism", subject=y, fields=tourism_fields(listed_on=day(-400),
			expires_on=day(-2)))
	with s.connect(QUALITY) as q:
		q.err("report", "not_found", subject=y)
	with s.connect(REGULATOR) as reg:
		eq(len(reg.ok("report", subject=y)["entries"]), 1, "the regulator sees it")


@suite.test(timeout=60)
def roles_that_may_not_ask(ctx):
	s = ctx.server
	x, _ = populate(s)
	for cn in (PLATFORM, ADMIN, REPLICA, UNKNOWN):
		with s.connect(cn) as c:
			for signed in (False, True):
				e = c.err("report", "forbidden", subject=x, signed=signed)
				check("report" in e["message"], "names the op: %r" % e["message"])
			c.hello_ok()


@suite.test(timeout=60)
def bad_input_leaves_the_server_whole(ctx):
	s = ctx.server
	x, _ = populate(s)
	with s.connect(REGULATOR) as reg:
		# A wrong check character (X is the right one for 1 code in 31).
		reg.err("report", "invalid_subject", subject="uscc:" + x[5:-1] +
			("Y" if x[-1] == "X" else "X"))
		reg.err("report", "invalid_subject", subject="nonsense")
		reg.err("report", "invalid_subject", subject="")
		reg.err("report", "not_found", subject=new_subject())
		reg.err("report", "not_found", subject=new_site())
		for args in ({"subject": 41}, {"subject": x, "signed": "yes"}, {"subject": x, "signed": 1},
			     {}, {"signed": True}, {"subject": x, "lists": ["credit"]},
			     {"subject": [x]}, {"subject": None}, {"subject": x, "signed": None}):
			reg.err("report", "bad_request", **args)
		# the connection and the server go on
		reg.hello_ok()
		eq(reg.ok("report", subject=x)["subject"], x, "a report after the refusals")
	with s.connect(REGULATOR) as reg:
		eq(reg.ok("report", subject=x, signed=False)["subject"], x, "a new connection")
	s.assert_no_sanitizer()


@suite.test(timeout=60)
def a_report_is_an_audited_read(ctx):
	s = ctx.fresh_server("audit")
	x, _ = populate(s)
	y = new_subject()
	with s.connect(TOURISM) as t:
		t.ok("report", subject=x)
	with s.connect(REGULATOR) as r:
		r.ok("report", subject=x, signed=True)
		r.err("report", "not_found", subject=y)
	with s.connect(PLATFORM) as p:
		p.err("report", "forbidden", subject=x)
	got = wait_records(s, 3)
	eq([(g["principal"], g["op"], g["subjects"]) for g in got],
	   [(TOURISM, "report", [x]), (REGULATOR, "report", [x]), (REGULATOR, "report", [y])],
	   "the agency's and the regulator's reports, the one that found nothing too")
	s.stop_clean()


# ---------------------------------------------------------------- signed

@suite.test(timeout=90)
def a_signed_report_verifies_and_a_changed_one_does_not(ctx):
	s = ctx.server
	x, cases = populate(s)
	with s.connect(REGULATOR) as reg:
		a = reg.ok("report", subject=x, signed=True)
		cp = reg.ok("checkpoint")
		plain = reg.ok("report", subject=x)
	eq(set(a), REPORT_KEYS | {"escalation", "signed"}, "signed report keys")
	sig = a["signed"]
	eq(set(sig), {"origin", "time", "size", "root", "key_id", "signature"}, "signed block")
	eq((sig["origin"], sig["key_id"]), ("qcreg development registry", "dev-1"), "origin, key")
	eq((sig["size"], sig["time"]), (a["registry"]["seq"], a["registry"]["time"]),
	   "signed size and time are the registry's")
	eq((sig["size"], sig["root"]), (cp["size"], cp["root"]), "the tree of the checkpoint")
	unsigned = {k: v for k, v in a.items() if k not in ("signed", "registry")}
	eq(unsigned, {k: v for k, v in plain.items() if k != "registry"}, "the same report")
	check(verifies(a), "the text of 4.16 rebuilt here verifies with signing-1.pub")
	check(not verifies(a, "signing-2"), "not with another key")
	text = report_text(a)
	check(b'\nentries.0.fields.grade="D"\n' in text and b"\nversions=[7]\n" in text,
	      "values in the text")
	# the order of keys does not matter; every value does
	reordered = json.loads(json.dumps(dict(reversed(list(a.items())))))
	check(verifies(reordered), "keys in another order still verify")

	def changed(fn):
		b = json.loads(json.dumps(a))
		fn(b)
		return b
	for what, b in (
			("a field", changed(lambda b: b["entries"][0]["fields"].update(score=21))),
			("a state", changed(lambda b: b["entries"][1].update(state="active"))),
			("the verdict", changed(lambda b: b.update(verdict="caution"))),
			("a version dropped", changed(lambda b: b["versions"].pop(0))),
			("a case dropped", changed(lambda b: b["cases"].pop())),
			("a case's outcome", changed(lambda b: b["cases"][0].update(outcome="revoked"))),
			("the proposal", changed(lambda b: b.update(proposed=[]))),
			("the escalation", changed(lambda b: b.pop("escalation"))),
			("the region", changed(lambda b: b["region"]["names"].pop())),
			("the registry hash", changed(lambda b: b["registry"].update(hash="0" * 64))),
			("a key added", changed(lambda b: b.update(note="x"))),
			("the signed time", changed(lambda b: b["signed"].update(time=sig["time"] + 1))),
			("the signed root", changed(lambda b: b["signed"].update(root="0" * 64)))):
		check(not verifies(b), "a report with %s changed still verifies" % what)


@suite.test(timeout=120)
def signed_on_a_replica_and_without_a_key(ctx):
	primary = ctx.fresh_server("primary")
	x, _ = populate(primary)
	replica = start_replica(ctx, primary)
	caught_up(primary, replica)
	with replica.connect(REGULATOR) as reg:
		e = reg.err("report", "read_only", subject=x, signed=True)
		check("127.0.0.1:%d" % primary.port in e["message"], "names the primary: %r" % e["message"])
		r = reg.ok("report", subject=x)
	with primary.connect(REGULATOR) as reg:
		eq({k: v for k, v in r.items() if k != "registry"},
		   {k: v for k, v in reg.ok("report", subject=x).items() if k != "registry"},
		   "the replica's unsigned report is the primary's")
	replica.stop_clean()
	primary.stop_clean()
	conf = os.path.join(mktemp(), "q.conf")
	write_config(conf, server={"signing_key": None, "signing_key_id": None})
	s = ctx.fresh_server("nokey", config=conf)
	y, _ = populate(s)
	with s.connect(REGULATOR) as reg:
		e = reg.err("report", "unavailable", subject=y, signed=True)
		check("signing key" in e["message"], e["message"])
		reg.ok("report", subject=y)
	s.stop_clean()


# ---------------------------------------------------------------- qcreg report

@suite.test(timeout=120)
def the_command_line_report(ctx):
	s = ctx.server
	x, cases = populate(s)
	with s.connect(REGULATOR) as reg:
		want = reg.ok("report", subject=x)
	rc, out, err = qcreg(s, ["report", x], cn=REGULATOR)
	eq((rc, err), (0, ""), "qcreg report as a regulator")
	pos = [out.find(h) for h in SECTIONS]
	check(all(p >= 0 for p in pos) and pos == sorted(pos), "every section, in order:\n" + out)
	section = {h: out[pos[i]:pos[i + 1] if i + 1 < len(pos) else len(out)]
		   for i, h in enumerate(SECTIONS)}
	for line in ("主体      " + x, "名称      福州某某食品有限公司", "所在地区  河南省 郑州市（410105）",
		     "信用结论  失信（listed）"):
		check(line in section["基本信息"], "%r in\n%s" % (line, section["基本信息"]))
	rating = section["信用评价"]
	for line in ("企业质量信用评价（credit）  第 2 版  有效（active）", "grade     D (严重失信)",
		     "score     20", "有效期    %s 至 %s" % (day(-200), day(300)),
		     "case %d (异议处理中)" % cases["objection"]):
		check(line in rating, "%r in\n%s" % (line, rating))
	black = section["失信名单"]
	check("已过期（expired）" in black and "已移出（removed）" in black and
	      "拟列入（告知中）  案件 %d" % cases["notice"] in black, black)
	check("信用修复：已完成整改" in black, "the removal's reason:\n" + black)
	watch = section["重点关注"]
	check("旅游市场重点关注名单（tourism-watch）" in watch and
	      "升级提示  tourism-watch -> tourism: 2 listings" in watch, watch)
	procs = section["处理程序"]
	for c, kind, state in ((cases["upheld"], "异议", "已办结"), (cases["objection"], "异议", "办理中"),
			       (cases["notice"], "告知", "办理中")):
		check(any(l.split()[:2] == [str(c), kind] and state in l for l in procs.splitlines()),
		      "case %d %s %s in\n%s" % (c, kind, state, procs))
	check("维持" in procs, "the upheld outcome:\n" + procs)
	rows = [l for l in section["变更记录"].splitlines()[2:] if l.strip()]
	eq(len(rows), len(want["versions"]), "one row per version:\n" + section["变更记录"])
	check(any("移出" in l and "commerce-bureau" in l for l in rows), "the removal's row")
	check("seq       %d" % want["registry"]["seq"] in section["登记簿状态"] and
	      want["registry"]["hash"] in section["登记簿状态"], section["登记簿状态"])
	# --json: the data
	rc, out, err = qcreg(s, ["--json", "report", x], cn=REGULATOR)
	eq((rc, err), (0, ""), "--json")
	j = json.loads(out)
	eq({k: v for k, v in j.items() if k != "registry"},
	   {k: v for k, v in want.items() if k != "registry"}, "--json is the report")
	# an agency's report: its sections, without the others' hidden data
	rc, out, err = qcreg(s, ["report", x], cn=COMMERCE)
	eq((rc, err), (0, ""), "as commerce-bureau")
	check("已过期（expired）" not in out and "已移出（removed）" in out and "升级提示" not in out, out)
	# refusals: exit status 2 with the server's error
	rc, out, err = qcreg(s, ["report", x], cn=PLATFORM)
	check(rc == 2 and err.startswith("qcreg: forbidden: "), "platform: %s %r" % (rc, err))
	rc, out, err = qcreg(s, ["report", new_subject()], cn=REGULATOR)
	check(rc == 2 and err.startswith("qcreg: not_found: "), "unknown: %s %r" % (rc, err))
	rc, out, err = qcreg(s, ["report", "nonsense"], cn=REGULATOR)
	check(rc == 2 and err.startswith("qcreg: invalid_subject: "), "invalid: %s %r" % (rc, err))
	for args, want_err in ((["report"], "usage"), (["report", x, x], "usage"),
			       (["report", "--pubkey", PUB1, x], "--pubkey goes with --signed"),
			       (["report", "--lists", "credit", x], "does not apply")):
		rc, out, err = qcreg(s, args, cn=REGULATOR)
		check(rc == 2 and want_err in err, "%s: %s %r" % (" ".join(args), rc, err))


@suite.test(timeout=120)
def the_command_line_signed_report(ctx):
	s = ctx.server
	x, _ = populate(s)
	rc, out, err = qcreg(s, ["report", "--signed", x], cn=REGULATOR)
	eq((rc, err), (0, ""), "report --signed")
	check(out.index("变更记录") < out.index("signed     qcreg development registry") and
	      "verified   yes, with the key the server lists for dev-1" in out, out)
	rc, out, err = qcreg(s, ["report", "--signed", "--pubkey", PUB1, x], cn=TOURISM)
	eq((rc, err), (0, ""), "with the key file, as an agency")
	check("verified   yes, with the key in %s" % PUB1 in out, out)
	rc, out, err = qcreg(s, ["report", "--signed", "--pubkey", PUB2, x], cn=REGULATOR)
	check(rc == 2 and VERIFY_FAILED in err and "verified   NO" in out,
	      "another key: %s %r" % (rc, err))
	# --json --signed: the report as signed, for keeping; it verifies here
	rc, out, err = qcreg(s, ["--json", "report", "--signed", x], cn=REGULATOR)
	eq((rc, err), (0, ""), "--json --signed")
	kept = json.loads(out)
	check(verifies(kept), "the kept JSON verifies with the text of 4.16")
	rc, out, err = qcreg(s, ["--json", "report", "--signed", "--pubkey", PUB2, x], cn=REGULATOR)
	check(rc == 2 and VERIFY_FAILED in err and json.loads(out)["subject"] == x,
	      "--json with another key: %s %r" % (rc, err))
