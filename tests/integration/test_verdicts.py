"""Verdicts (PROTOCOL.md, check): one answer per subject, the worst over its
active hits, from the list types and the grade mapping of the configuration;
and the command line's exit status and labels that follow from them."""

import json

from harness import *

suite = Suite("verdicts")


def _put(s, lst, subj, **kw):
	with s.connect(WRITER[lst]) as w:
		w.ok("put", list=lst, subject=subj, fields=FIELDS_FOR[lst](**kw))


def _verdict(s, subj, **kw):
	with s.connect(PLATFORM) as p:
		r = p.ok("check", subjects=[subj], **kw)["results"][0]
	return r["verdict"]


@suite.test(timeout=60)
def grades_map_to_verdicts(ctx):
	s = ctx.server
	for grade, want in (("A", "clear"), ("B", "clear"), ("C", "caution"), ("D", "listed")):
		subj = new_uscc()
		_put(s, "credit", subj, grade=grade)
		with s.connect(PLATFORM) as p:
			r = p.ok("check", subjects=[subj])["results"][0]
		eq(r, {"subject": subj, "verdict": want, "hits": [{"list": "credit", "grade": grade}]},
		   "check of a grade %s entry" % grade)


@suite.test(timeout=60)
def worst_hit_wins(ctx):
	s = ctx.server
	subj = new_uscc()
	eq(_verdict(s, subj), "clear", "no entry")
	_put(s, "credit", subj, grade="B")
	eq(_verdict(s, subj), "clear", "grade B")
	_put(s, "tourism-watch", subj)
	eq(_verdict(s, subj), "caution", "grade B + watch entry")
	_put(s, "credit", subj, grade="C")
	eq(_verdict(s, subj), "caution", "grade C + watch entry")
	_put(s, "advertising", subj)
	eq(_verdict(s, subj), "listed", "a blacklist entry beside them")
	# the verdict follows the lists asked for
	eq(_verdict(s, subj, lists=["credit", "tourism-watch"]), "caution", "without the blacklist")
	eq(_verdict(s, subj, lists=["credit"]), "caution", "credit C alone")
	# only active entries weigh: an expired watch entry and a removed blacklist entry do not
	with s.connect(COMMERCE) as a:
		a.ok("remove", list="advertising", subject=subj, reason="撤销")
	_put(s, "credit", subj, grade="A")
	_put(s, "tourism-watch", subj, listed_on=day(-400), expires_on=day(-1))
	eq(_verdict(s, subj), "clear", "grade A, watch entry expired, blacklist entry removed")


@suite.test(timeout=60)
def every_role_that_checks_gets_the_verdict(ctx):
	s = ctx.server
	subj = new_guide()
	_put(s, "tourism-watch", subj)
	for cn in (PLATFORM, REGULATOR, QUALITY, TOURISM, COMMERCE):
		with s.connect(cn) as c:
			r = c.ok("check", subjects=[subj, "guide:bad id"])["results"]
		eq(r[0], check_result(subj, [{"list": "tourism-watch", "until": plus_years(day(-10), 1)}]),
		   "check by %s" % cn)
		eq(r[1], {"subject": "guide:bad id", "error": "invalid_subject"}, "an invalid subject has no verdict")


@suite.test(timeout=120)
def cli_exit_status_and_labels(ctx):
	s = ctx.server
	clear, caution, listed = new_uscc(), new_uscc(), new_uscc()
	_put(s, "credit", clear, grade="A")
	_put(s, "credit", caution, grade="C")
	_put(s, "credit", listed, grade="D")
	for subjects, want in (([clear], 0), ([clear, caution], 3), ([caution, listed, clear], 1),
			       ([clear, "uscc:bad"], 2), ([listed, "uscc:bad"], 2)):
		rc, out, err = qcreg(s, ["check"] + subjects, cn=PLATFORM)
		eq(rc, want, "exit status of check %s (stderr %r)" % (subjects, err))
	rc, out, err = qcreg(s, ["check", caution, clear], cn=PLATFORM)
	lines = out.splitlines()
	eq(len(lines), 2, "one line per subject: %r" % out)
	eq(lines[0].split()[:2], [caution, "caution"], "verdict column")
	check("credit grade C (失信)" in lines[0], "the grade's label is shown: %r" % lines[0])
	eq(lines[1].split()[:2], [clear, "clear"], "verdict column")
	rc, out, err = qcreg(s, ["--json", "check", caution, listed], cn=PLATFORM)
	eq(rc, 1, "exit status with --json")
	got = json.loads(out)["results"]
	eq([r["verdict"] for r in got], ["caution", "listed"], "verdicts in the JSON output")
	# get shows an enum value with its label
	guide = new_guide()
	_put(s, "tourism-watch", guide, category="unlicensed_guide")
	rc, out, err = qcreg(s, ["get", guide], cn=REGULATOR)
	eq(rc, 0, "get exit status (stderr %r)" % err)
	check("unlicensed_guide (未经许可从事导游活动)" in out, "label next to the enum value: %r" % out)
	rc, out, err = qcreg(s, ["hello"], cn=PLATFORM)
	check("A(守信) B(基本守信) C(失信) D(严重失信)" in out, "labels in hello: %r" % out)
	check("verdicts: A clear, B clear, C caution, D listed" in out, "verdicts in hello: %r" % out)
	check("escalates to tourism after 2 listings within 365 days" in out, "escalation in hello: %r" % out)

