"""search (PROTOCOL.md 5, search): name fragments normalised and ranked
exact > prefix > substring, USCC prefixes and division codes, the index
kept in step with every version, roles, the cursor, truncation, bad
input, and qcregd --reindex."""

import json
import os
import subprocess
import unicodedata

from harness import *

suite = Suite("search")

POKE = os.path.join(ROOT, "build", "asan" if "build/asan/" in QCREGD else "rel", "tests", "lmdb_poke")


def names(res):
	return [r.get("name") for r in res["results"]]


def subjects(res):
	return [r["subject"] for r in res["results"]]


def column(line, s):
	"""The terminal column where s begins in line (CJK characters are 2 wide)."""
	return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line[:line.index(s)])


def all_pages(c, q, limit, **args):
	"""Every result of q, following next; checks that pages do not overlap."""
	out, after = [], None
	for _ in range(1000):
		a = dict(args, q=q, limit=limit)
		if after is not None:
			a["after"] = after
		res = c.ok("search", **a)
		check(len(res["results"]) <= limit, "a page holds at most limit results")
		out += res["results"]
		after = res["next"]
		if after is None:
			return out
		check(len(res["results"]) == limit, "a page before the last is full")
	fail("next never ended")


@suite.test(timeout=120)
def ranked_and_normalised(ctx):
	s = ctx.fresh_server("search-rank")
	exact, prefix, inner, other = (uscc(uniq(), prefix="91410105") for _ in range(4))
	fw = uscc(uniq(), prefix="91410302")
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=inner, fields=credit_fields(name="郑州市好味食品有限公司"))
		q.ok("put", list="credit", subject=prefix, fields=credit_fields(name="好味食品厂"))
		q.ok("put", list="credit", subject=exact, fields=credit_fields(name="好味食品"))
		q.ok("put", list="credit", subject=other, fields=credit_fields(name="郑州市美食城有限公司"))
		q.ok("put", list="credit", subject=fw, fields=credit_fields(name="ＡＢＣ（洛阳）科技 有限公司"))
	with s.connect(REGULATOR) as r:
		res = r.ok("search", q="好味食品")
		eq(subjects(res), [exact, prefix, inner], "exact, then prefix, then substring")
		eq(names(res), ["好味食品", "好味食品厂", "郑州市好味食品有限公司"], "names as written")
		eq(res["truncated"], False, "truncated")
		eq(res["next"], None, "next at the end")
		for q_ in ("abc洛阳", "ＡＢＣ 洛阳", "Abc(洛阳)科技有限", "abc【洛阳】", "科技有限公司"):
			eq(subjects(r.ok("search", q=q_)), [fw], "normalised match of %r" % q_)
		# words: every one must be in the name, in any place
		eq(sorted(subjects(r.ok("search", q="郑州 有限公司"))), sorted([inner, other]),
		   "two words")
		eq(subjects(r.ok("search", q="有限公司 好味")), [inner], "words in any order")
		eq(subjects(r.ok("search", q="好味 火锅")), [], "a word no name has")
		eq(subjects(r.ok("search", q="不存在的名字")), [], "no match")
		hit = r.ok("search", q="好味食品厂")["results"][0]
		eq(hit, {"subject": prefix, "name": "好味食品厂",
			 "lists": [{"list": "credit", "state": "active"}], "verdict": "clear"},
		   "a result")


@suite.test(timeout=120)
def uscc_prefix_and_region(ctx):
	s = ctx.fresh_server("search-code")
	zz = [uscc(uniq(), prefix="91410102") for _ in range(3)]
	ly = [uscc(uniq(), prefix="92410311") for _ in range(2)]
	fz = uscc(uniq(), prefix="91350100")
	with s.connect(QUALITY) as q:
		for i, subj in enumerate(zz + ly + [fz]):
			q.ok("put", list="credit", subject=subj, fields=credit_fields(name="企业%d" % i))
	with s.connect(REGULATOR) as r:
		pre = zz[0][5:21]
		eq(subjects(r.ok("search", q=pre)), sorted(x for x in zz if x[5:21] == pre),
		   "a USCC prefix of 16")
		eq(subjects(r.ok("search", q=zz[0][5:].lower())), [zz[0]], "a whole USCC, any case")
		eq(subjects(r.ok("search", q="9141")), sorted(zz), "USCC prefix 9141")
		eq(subjects(r.ok("search", q="4101")), sorted(zz), "division 4101 (characters 3-6)")
		eq(subjects(r.ok("search", q="41")), sorted(zz + ly), "province 41")
		eq(subjects(r.ok("search", q="410311")), sorted(ly), "county 410311")
		eq(subjects(r.ok("search", q="35")), [fz], "province 35")
		# a code that is also a USCC prefix: the USCC matches rank first
		both = r.ok("search", q="91")["results"]
		eq([x["subject"] for x in both], sorted(zz + [fz]), "91 as a USCC prefix")


@suite.test(timeout=120)
def index_follows_versions(ctx):
	s = ctx.fresh_server("search-versions")
	subj = uscc(uniq(), prefix="91410102")
	site = new_site()
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=subj, fields=credit_fields(name="旧名称食品公司"))
	with s.connect(TOURISM) as t:
		t.ok("put", list="tourism", subject=subj, fields=tourism_fields(name="旅游名称旅行社"))
		t.ok("put", list="tourism", subject=site, fields=tourism_fields(name="某某旅游网"))
	with s.connect(REGULATOR) as r:
		eq(subjects(r.ok("search", q="旧名称")), [subj], "the first name")
		eq(subjects(r.ok("search", q="旅游名称")), [subj], "the name on another list")
		eq(subjects(r.ok("search", q="某某旅游网")), [site], "a site, by name")
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=subj, fields=credit_fields(name="新名称食品公司"))
	with s.connect(REGULATOR) as r:
		eq(subjects(r.ok("search", q="旧名称")), [], "the old name is gone")
		eq(subjects(r.ok("search", q="新名称")), [subj], "the new name")
		eq(subjects(r.ok("search", q="食品公司")), [subj], "a bigram both names had")
		eq(subjects(r.ok("search", q="旅游名称")), [subj], "the other list's name stays")
	with s.connect(QUALITY) as q:
		q.ok("remove", list="credit", subject=subj, reason="撤销")
	with s.connect(REGULATOR) as r:
		res = r.ok("search", q="新名称")
		eq(subjects(res), [subj], "a removed entry is still found by a regulator")
		eq(res["results"][0]["lists"], [{"list": "credit", "state": "removed"},
						 {"list": "tourism", "state": "active"}], "states")
		eq(res["results"][0]["verdict"], "listed", "verdict of the active tourism entry")


@suite.test(timeout=120)
def roles(ctx):
	s = ctx.fresh_server("search-roles")
	active, pending = uscc(uniq(), prefix="91410102"), uscc(uniq(), prefix="91410102")
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=active, fields=credit_fields("D", name="角色测试甲公司"))
		q.ok("put", list="credit", subject=pending,
		     fields=credit_fields("A", name="角色测试乙公司", valid_from=day(30)))
	with s.connect(PLATFORM) as p:
		p.err("search", "forbidden", q="角色测试")
	with s.connect(ADMIN) as a:
		a.err("search", "forbidden", q="角色测试")
	with s.connect(REGULATOR) as r:
		res = r.ok("search", q="角色测试")
		eq(subjects(res), sorted([active, pending]), "a regulator sees pending entries")
		eq([x["verdict"] for x in res["results"]],
		   ["listed" if active < pending else "clear", "clear" if active < pending else "listed"],
		   "verdicts: D is listed, a pending entry weighs nothing")
	with s.connect(TOURISM) as t:
		res = t.ok("search", q="角色测试")
		eq(subjects(res), [active], "an agency sees active entries of other lists only")
		eq(res["results"][0]["lists"], [{"list": "credit", "state": "active"}], "its states")
		eq(subjects(t.ok("search", q="乙公司")), [], "nothing of the pending entry, not even by name")
	with s.connect(REGULATOR) as r:
		eq(subjects(r.ok("search", q="角色测试", lists=["tourism"])), [], "lists filter")
		eq(subjects(r.ok("search", q="角色测试", lists=["credit"])), sorted([active, pending]),
		   "lists filter")


@suite.test(timeout=180)
def pages_and_truncation(ctx):
	s = ctx.fresh_server("search-pages")
	n = 10050
	subs = [uscc(i, prefix="91410102") for i in range(1, n + 1)]
	with s.connect(QUALITY) as q:
		msgs = [{"id": i, "op": "put", "list": "credit", "subject": subj,
			 "fields": credit_fields(name="分页测试%05d有限公司" % i)}
			for i, subj in enumerate(subs)]
		for a in pump(q, msgs):
			check(a["ok"], "put: %s" % a.get("error"))
	with s.connect(REGULATOR) as r:
		got = all_pages(r, "分页测试0001", 3)
		eq([x["subject"] for x in got],
		   [x["subject"] for x in r.ok("search", q="分页测试0001", limit=100)["results"]],
		   "pages follow the one ranking")
		eq(sorted(x["subject"] for x in got), sorted(subs[10:20]),
		   "the 10 names that hold 分页测试0001")
		res = r.ok("search", q="分页测试", limit=100)
		eq(res["truncated"], True, "more than 10,000 matches: truncated")
		check(res["next"] is not None, "a next page")
		res = r.ok("search", q="分页测试0123", limit=100)
		eq(res["truncated"], False, "few matches")
		eq(sorted(names(res)), ["分页测试%05d有限公司" % i for i in range(1230, 1240)], "names")
		eq(subjects(res), sorted(subjects(res)), "one rank: by subject")


@suite.test(timeout=60)
def bad_input(ctx):
	s = ctx.server
	with s.connect(REGULATOR) as r:
		before = snapshot(r)
		for q_, why in (("好", "one character"), ("x" * 65, "over 64 bytes"),
				(" 好 ", "one character and spaces"), ("！！", "punctuation only"),
				("好 味", "words of one character"), (7, "not a str")):
			r.err("search", "bad_request", q=q_)
		r.err("search", "bad_request")
		r.err("search", "bad_request", q="好味", limit=101)
		r.err("search", "bad_request", q="好味", limit=0)
		r.err("search", "bad_request", q="好味", after="zz")
		r.err("search", "bad_request", q="好味", after="0941")
		r.err("search", "bad_request", q="好味", after="00")
		r.err("search", "bad_request", q="好味", after=5)
		r.err("search", "bad_request", q="好味", page=1)
		r.err("search", "unknown_list", q="好味", lists=["nope"])
		body = msgpack.packb({"id": 9, "op": "search", "q": b"\xff\xfe\xfd"}, use_bin_type=False)
		r.send_raw(frame(body))
		a = r.recv()
		if a.get("id") is None:
			eq(a["error"]["code"], "bad_frame", "invalid UTF-8 answered with id nil")
			r.expect_closed()
		else:
			eq(a["error"]["code"], "bad_request", "q not UTF-8")
	with s.connect(REGULATOR) as r:
		r.hello_ok()
		eq(snapshot(r), before, "the registry after bad searches")


@suite.test(timeout=120)
def reindex(ctx):
	s = ctx.fresh_server("search-reindex")
	subj = uscc(uniq(), prefix="91410102")
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=subj, fields=credit_fields(name="重建索引测试公司"))
	s.stop()
	p = subprocess.run([POKE, s.data, "forget", "names"], capture_output=True, text=True)
	eq(p.returncode, 0, "lmdb_poke: %s" % p.stderr)
	s.start()
	with s.connect(REGULATOR) as r:
		r.err("search", "unavailable", q="重建索引")
	s.stop()
	p = run_qcregd("--reindex", "--data", s.data)
	eq(p.returncode, 0, "qcregd --reindex:\n" + p.stderr)
	check("reindex: done, 1 subjects" in p.stderr, "--reindex says what it did:\n" + p.stderr)
	s.start()
	with s.connect(REGULATOR) as r:
		eq(subjects(r.ok("search", q="重建索引")), [subj], "found after --reindex")
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=subj, fields=credit_fields(name="改名以后公司"))
	with s.connect(REGULATOR) as r:
		eq(subjects(r.ok("search", q="重建索引")), [], "the rebuilt index follows writes")
		eq(subjects(r.ok("search", q="改名以后")), [subj], "the new name")

@suite.test(timeout=120)
def command_line(ctx):
	s = ctx.fresh_server("search-cli")
	a, b = uscc(uniq(), prefix="91410105"), uscc(uniq(), prefix="91410105")
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=a, fields=credit_fields("D", name="命令行测试食品有限公司"))
		q.ok("put", list="credit", subject=b, fields=credit_fields("A", name="命令行测试"))
	rc, out, err = qcreg(s, ["search", "命令行", "测试"], cn=REGULATOR)
	eq(rc, 0, "exit status\n" + err)
	lines = out.splitlines()
	check(lines[0].split() == ["NAME", "SUBJECT", "LISTS", "VERDICT"], "the header:\n" + out)
	eq(lines[1].split(), ["命令行测试", b, "credit:active", "clear"], "the exact name first:\n" + out)
	eq(lines[2].split(), ["命令行测试食品有限公司", a, "credit:active", "listed"], "then a prefix:\n" + out)
	eq(column(lines[1], b), column(lines[2], a), "aligned columns:\n" + out)
	rc, out, err = qcreg(s, ["search", "命令行测试", "--limit", "1"], cn=REGULATOR)
	eq(rc, 0, "exit status\n" + err)
	more = [l for l in out.splitlines() if l.startswith("more: --after ")]
	eq(len(more), 1, "a page of 1 says how to go on:\n" + out)
	rc, out, err = qcreg(s, ["search", "命令行测试", "--after", more[0].split()[-1]], cn=REGULATOR)
	eq(out.splitlines()[1].split()[1], a, "the next page:\n" + out)
	rc, out, err = qcreg(s, ["--json", "search", "命令行测试"], cn=REGULATOR)
	eq(rc, 0, "exit status of --json\n" + err)
	res = json.loads(out)
	eq([x["subject"] for x in res["results"]], [b, a], "--json results")
	rc, out, err = qcreg(s, ["search", "无此企业名称"], cn=REGULATOR)
	eq((rc, out), (0, "no match\n"), "no match")
	rc, out, err = qcreg(s, ["search", "好"], cn=REGULATOR)
	eq(rc, 2, "a one-character text is refused by the server")
	check("bad_request" in err and "at least 2 characters" in err, err)
	rc, out, err = qcreg(s, ["search", "命令行"], cn=PLATFORM)
	eq(rc, 2, "a platform may not search")
	check("forbidden" in err, err)

