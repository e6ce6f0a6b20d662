"""check: subject validation and canonical forms (4.1), batches, lists filter."""

from harness import *

suite = Suite("check")

G = uscc_make(7)  # a valid bare uscc id
H253 = ".".join(["a" * 63] * 3 + ["b" * 61])  # a host name of 253 characters

# (as sent, canonical)
CANONICAL = [
	(G, "uscc:" + G),
	(G.lower(), "uscc:" + G),
	("uscc:" + G.lower(), "uscc:" + G),
	("uscc:" + G, "uscc:" + G),
	("91350100M000100Y43", "uscc:91350100M000100Y43"),
	("91350100m000100y43", "uscc:91350100M000100Y43"),
	("guide:d-3501-000123", "guide:D-3501-000123"),
	("guide:ABCD", "guide:ABCD"),
	("guide:" + "A" * 32, "guide:" + "A" * 32),
	("guide:----", "guide:----"),
	("site:Cheap-Tours.Example.CN", "site:cheap-tours.example.cn"),
	("site:a.b", "site:a.b"),
	("site:xn--fiqs8s.cn", "site:xn--fiqs8s.cn"),
	("site:" + "a" * 63 + ".cn", "site:" + "a" * 63 + ".cn"),
	("site:" + H253, "site:" + H253),
	("site:1-2.3", "site:1-2.3"),
	("plate:闽a12345", "plate:闽A12345"),
	("plate:京B1234X", "plate:京B1234X"),
	("plate:粤zab12c", "plate:粤ZAB12C"),
	("plate:琼A000000", "plate:琼A000000"),
]

INVALID = [
	"",
	" " + G,
	G + " ",
	"uscc: " + G,
	"uscc:" + G + " ",
	"USCC:" + G,
	"Uscc:" + G,
	G[:17],
	G + "0",
	"uscc:" + G[:17],
	"uscc:" + G + "0",
	uscc_bad(7)[5:],
	uscc_bad(7),
	"91350100M000100Y44",
	"uscc:9135010OM000100Y4" + "3",          # O is not in the alphabet
	"uscc:91350100I000100Y43",
	"uscc:91350100S000100Y43",
	"uscc:91350100V000100Y43",
	"uscc:91350100Z000100Y43",
	"foo:bar",
	"kind:" + G,
	":" + G,
	"uscc:",
	"guide:",
	"guide:ABC",
	"guide:" + "A" * 33,
	"guide:AB_CD",
	"guide:AB CD",
	"guide:ABČD",
	"GUIDE:ABCD",
	"site:",
	"site:localhost",
	"site:http://a.example.cn",
	"site:a.example.cn:443",
	"site:a.example.cn/path",
	"site:a.example.cn.",
	"site:.a.example.cn",
	"site:a..example.cn",
	"site:-a.example.cn",
	"site:a-.example.cn",
	"site:a_b.example.cn",
	"site:" + "a" * 64 + ".cn",
	"site:" + H253 + "a",
	"site:例子.中国",
	"site:a.example.cn?x=1",
	"site:user@a.example.cn",
	"plate:",
	"plate:闽A1234",
	"plate:闽A1234567",
	"plate:闽1A2345",
	"plate:港A12345",
	"plate:AA12345",
	"plate:闽A123_5",
	"plate:闽A12345 ",
	"Plate:闽A12345",
]


@suite.test(timeout=60)
def canonical_forms(ctx):
	with ctx.server.connect(PLATFORM) as p:
		r = p.ok("check", subjects=[a for a, _ in CANONICAL])
		eq(len(r["results"]), len(CANONICAL), "one result per subject")
		for (sent, canon), got in zip(CANONICAL, r["results"]):
			eq(got, check_result(canon, []), "check of %r" % sent)
		# get and history answer with the canonical form too
		with ctx.server.connect(QUALITY) as q:
			q.ok("put", list="credit", subject=G.lower(), fields=credit_fields())
		eq(p.ok("get", subject=G.lower())["subject"], "uscc:" + G, "get.subject canonical")
		e = p.ok("get", subject=G)["entries"][0]
		eq(e["subject"], "uscc:" + G, "entry.subject canonical")
		eq(p.ok("check", subjects=[G.lower()])["results"][0]["hits"], [{"list": "credit", "grade": "B"}],
		   "hit by a lower-case bare id")


@suite.test(timeout=60)
def invalid_subjects_per_item(ctx):
	with ctx.server.connect(PLATFORM) as p:
		batch = []
		for i, bad in enumerate(INVALID):
			batch.append(CANONICAL[i % len(CANONICAL)][0])
			batch.append(bad)
		r = p.ok("check", subjects=batch)
		eq(len(r["results"]), len(batch), "one result per subject")
		for i, (sent, got) in enumerate(zip(batch, r["results"])):
			if i % 2 == 1:
				eq(got, {"subject": sent, "error": "invalid_subject"}, "check of invalid %r" % sent)
			else:
				eq(got.get("error"), None, "valid %r next to an invalid one" % sent)
		# and each alone, through get: the op-level error
		for bad in INVALID:
			p.err("get", "invalid_subject", subject=bad)
		p.hello_ok()


@suite.test(timeout=120)
def batch_limits(ctx):
	s = ctx.server
	with s.connect(PLATFORM) as p, s.connect(QUALITY) as q:
		subs = [uscc(100000 + i) for i in range(MAX_BATCH)]
		listed = subs[::97]
		for x in listed:
			q.ok("put", list="credit", subject=x, fields=credit_fields("C", score=10))
		r = p.ok("check", subjects=subs)
		eq(len(r["results"]), MAX_BATCH, "1000 results")
		for x, got in zip(subs, r["results"]):
			want = [{"list": "credit", "grade": "C"}] if x in listed else []
			eq(got, check_result(x, want), "result of %s" % x)
		p.err("check", "too_large", subjects=subs + [subs[0]])
		p.err("check", "bad_request", subjects=[])
		p.err("check", "bad_request")
		p.err("check", "bad_request", subjects=subs[0])
		p.err("check", "bad_request", subjects=[subs[0], 5])
		p.err("check", "bad_request", subjects=[subs[0], None])
		p.err("check", "bad_request", subjects=[subs[0], [subs[1]]])
		p.err("check", "bad_request", subjects={"a": subs[0]})
		r = p.ok("check", subjects=[subs[0]] * 3)
		eq(len(r["results"]), 3, "duplicates are answered each")


@suite.test(timeout=60)
def lists_filter(ctx):
	avoid_midnight()
	s = ctx.server
	subj = new_uscc()
	with s.connect(QUALITY) as q, s.connect(TOURISM) as t, s.connect(COMMERCE) as a, \
			s.connect(PLATFORM) as p:
		q.ok("put", list="credit", subject=subj, fields=credit_fields("A", valid_until=day(3)))
		t.ok("put", list="tourism", subject=subj, fields=tourism_fields(listed_on=day(-1), expires_on=day(9)))
		a.ok("put", list="advertising", subject=subj, fields=adv_fields())
		full = [{"list": "credit", "grade": "A", "until": day(3)},
			{"list": "tourism", "until": day(9)}, {"list": "advertising"}]
		for c in (p, q, t, a):
			eq(c.ok("check", subjects=[subj])["results"][0]["hits"], full, "hits in configuration order")
		for lists, want in ((["credit"], full[:1]), (["tourism"], full[1:2]), (["advertising"], full[2:]),
				    (["advertising", "credit"], [full[0], full[2]]),
				    (["tourism", "advertising", "credit"], full),
				    (["credit", "credit"], full[:1])):
			eq(p.ok("check", subjects=[subj], lists=lists)["results"][0]["hits"], want,
			   "hits with lists=%r" % lists)
		p.err("check", "unknown_list", subjects=[subj], lists=["nope"])
		p.err("check", "unknown_list", subjects=[subj], lists=["credit", "Credit"])
		p.err("check", "bad_request", subjects=[subj], lists=[])
		p.err("check", "bad_request", subjects=[subj], lists="credit")
		p.err("check", "bad_request", subjects=[subj], lists=[1])
		p.hello_ok()
