"""qcreg check --signed (PROTOCOL.md 5, check, "Signed answers"): the
command line asks for a signed answer, prints it with its signed block and
verifies it, with a trusted key file or the key the server lists; --json
gives the answer as signed, which a platform keeps and re-checks later with
`check --verify-signed` and only the public key, without the network. A
kept answer changed anywhere fails with exit status 2; an answer signed
before a SIGHUP key switch still verifies with the old public key."""

import json
import os
import signal

from harness import *
from test_tree import check_text, public_key

suite = Suite("signed_check")

PUB1 = os.path.join(CERTS, "signing-1.pub")
PUB2 = os.path.join(CERTS, "signing-2.pub")
# Nothing listens there: a command that tried to connect would fail.
NOWHERE = type("Nowhere", (), {"port": 1})
BAD = "bad\tsub%ject"
VERIFY_FAILED = "qcreg: verify: the signature does not verify"


def populate(s):
	"""A subject listed twice (one hit disputed), one escalated by a watch
	list, one clean. Returns (listed, watched, clean, objection case)."""
	listed, watched, clean = new_uscc(), new_guide(), new_uscc()
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=listed, fields=credit_fields("D"))
	with s.connect(TOURISM) as t:
		t.ok("put", list="tourism", subject=listed, fields=tourism_fields())
		obj = t.ok("case_open", list="tourism", subject=listed, kind="objection",
			   received_on=day(0), text="异议")["case"]
		for d in (-100, -10):
			t.ok("put", list="tourism-watch", subject=watched,
			     fields=watch_fields(listed_on=day(d)))
	return listed, watched, clean, obj


def signed_json(s, cn, subjects, *args):
	"""qcreg --json check --signed as cn: (status, answer, stderr)."""
	rc, out, err = qcreg(s, ["--json", "check", "--signed"] + list(args) + list(subjects), cn=cn)
	try:
		return rc, json.loads(out), err
	except ValueError:
		fail("check --signed as %s printed no JSON: %r (stderr %r)" % (cn, out, err))


def keep(answer, name):
	path = os.path.join(mktemp(), name)
	with open(path, "w", encoding="utf-8") as f:
		json.dump(answer, f, ensure_ascii=False)
	return path


def verify_kept(path, pub=PUB1, stdin=None):
	"""check --verify-signed with no server to reach: (status, out, err)."""
	return qcreg(NOWHERE, ["check", "--verify-signed", path, "--pubkey", pub], stdin=stdin)


def python_verifies(answer, key_name):
	sig = answer["signed"]
	public_key(key_name).verify(bytes.fromhex(sig["signature"]),
				    check_text(sig, answer["results"]))


@suite.test(timeout=120)
def signed_check_verifies_for_every_role_that_checks(ctx):
	s = ctx.server
	listed, watched, clean, obj = populate(s)
	for cn in (PLATFORM, TOURISM, REGULATOR):
		rc, a, err = signed_json(s, cn, [listed, watched, clean])
		eq((rc, err), (1, ""), "exit status of a signed check with a listed subject as %s" % cn)
		python_verifies(a, "signing-1")
		eq([r["verdict"] for r in a["results"]], ["listed", "caution", "clear"], "verdicts")
		eq(a["results"][0]["hits"][1].get("disputed"), obj, "the dispute is in the answer")
		eq("escalation" in a["results"][1], cn in (TOURISM, REGULATOR), "escalation as %s" % cn)
		eq(a["signed"]["key_id"], "dev-1", "key_id")
		# text: the results, the signed block, verified with hello's key
		rc, out, err = qcreg(s, ["check", "--signed", listed, watched, clean], cn=cn)
		eq(rc, 1, "text exit status as %s (%s)" % (cn, err))
		check("verified   yes, with the key the server lists for dev-1" in out,
		      "verified with the key the server lists:\n" + out)
		for line in ("signed     qcreg development registry", "key_id     dev-1"):
			check(line in out, "%r in\n%s" % (line, out))
		check(out.splitlines()[0].startswith(listed), "results first:\n" + out)
		# with a trusted key file
		rc, out, err = qcreg(s, ["check", "--signed", "--pubkey", PUB1, clean], cn=cn)
		eq((rc, err), (0, ""), "clear, verified with %s" % PUB1)
		check("verified   yes, with the key in %s" % PUB1 in out, out)
		rc, out, err = qcreg(s, ["check", "--signed", "--pubkey", PUB2, clean], cn=cn)
		eq(rc, 2, "verified with another key")
		check(VERIFY_FAILED in err and "verified   NO" in out, err + out)
		# kept, and re-checked later with only the public key
		path = keep(a, "%s.json" % cn)
		rc, out, err = verify_kept(path)
		eq((rc, err), (1, ""), "the kept answer of %s re-checked offline" % cn)
		check("verified   yes, with the key in %s" % PUB1 in out, out)
		check(out.splitlines()[0].startswith(listed), out)
		rc, out, err = qcreg(NOWHERE, ["--json", "check", "--verify-signed", "-",
					       "--pubkey", PUB1], stdin=json.dumps(a).encode())
		eq((rc, json.loads(out)), (1, a), "re-checked from stdin, --json gives it back")


@suite.test(timeout=60)
def refused_subjects_and_escaping(ctx):
	s = ctx.server
	clean = new_uscc()
	rc, a, err = signed_json(s, PLATFORM, [clean, BAD, "100%"])
	eq(rc, 2, "an invalid subject is exit status 2")
	check("invalid_subject" in err and "verify" not in err, err)
	eq([r.get("error") for r in a["results"]], [None, "invalid_subject", "invalid_subject"], "errors")
	eq(a["results"][1]["subject"], BAD, "the subject as sent")
	python_verifies(a, "signing-1")
	check(b"bad%09sub%25ject\tinvalid_subject\t\t\n" in check_text(a["signed"], a["results"]),
	      "escaped in the text")
	rc, out, err = verify_kept(keep(a, "bad.json"))
	eq(rc, 2, "kept answer with refused subjects")
	check("verified   yes" in out and VERIFY_FAILED not in err, out + err)
	a["results"][1]["subject"] = "bad sub%ject"
	rc, out, err = verify_kept(keep(a, "bad2.json"))
	check(rc == 2 and VERIFY_FAILED in err, "a refused subject changed: %s %s" % (rc, err))


def tampered(a):
	"""(what, a copy of answer a changed there), each change small."""
	def change(fn):
		b = json.loads(json.dumps(a))
		fn(b)
		return b

	def bump_disputed(b):
		b["results"][0]["hits"][1]["disputed"] += 1

	def next_char(s, i):
		return s[:i] + chr(ord(s[i]) + 1) + s[i + 1:]

	def flip(h):
		return ("1" if h[0] == "0" else "0") + h[1:]
	r, sig = "results", "signed"
	return [
		("a subject", change(lambda b: b[r][2].update(subject=next_char(b[r][2]["subject"], 17)))),
		("a verdict", change(lambda b: b[r][0].update(verdict="caution"))),
		("a grade", change(lambda b: b[r][0]["hits"][0].update(grade="C"))),
		("a hit left out", change(lambda b: b[r][0]["hits"].pop())),
		("a dispute", change(bump_disputed)),
		("an escalation", change(lambda b: b[r][1]["escalation"].update(count=9))),
		("no escalation", change(lambda b: b[r][1].pop("escalation"))),
		("the order", change(lambda b: b[r].reverse())),
		("a result left out", change(lambda b: b[r].pop())),
		("the origin", change(lambda b: b[sig].update(origin="another registry"))),
		("the time", change(lambda b: b[sig].update(time=b[sig]["time"] - 86400))),
		("the size", change(lambda b: b[sig].update(size=b[sig]["size"] + 1))),
		("the root", change(lambda b: b[sig].update(root=flip(b[sig]["root"])))),
		("the key_id", change(lambda b: b[sig].update(key_id="dev-2"))),
		("the signature", change(lambda b: b[sig].update(signature=flip(b[sig]["signature"])))),
	]


@suite.test(timeout=120)
def a_kept_answer_changed_anywhere_fails(ctx):
	s = ctx.server
	listed, watched, clean, _ = populate(s)
	rc, a, err = signed_json(s, REGULATOR, [listed, watched, clean])
	eq(rc, 1, "signed check")
	eq(verify_kept(keep(a, "good.json"))[0], 1, "the answer as kept")
	for what, b in tampered(a):
		rc, out, err = verify_kept(keep(b, "changed.json"))
		eq(rc, 2, "kept answer with %s changed" % what)
		check(VERIFY_FAILED in err and "verified   NO" in out, "%s: %s%s" % (what, out, err))
	rc, out, err = verify_kept(keep(a, "good.json"), pub=PUB2)
	check(rc == 2 and VERIFY_FAILED in err, "another key: %s %s" % (rc, err))
	# not an answer at all
	unsigned = {"results": a["results"]}
	for what, text in (("unsigned", json.dumps(unsigned)), ("a list", "[]"), ("not JSON", "{")):
		path = os.path.join(mktemp(), "x.json")
		with open(path, "w") as f:
			f.write(text)
		rc, out, err = verify_kept(path)
		check(rc == 2 and err.startswith("qcreg: ") and "verified" not in out,
		      "%s: %s %r %r" % (what, rc, out, err))


@suite.test(timeout=120)
def an_answer_signed_before_a_key_switch_still_verifies(ctx):
	tmp = mktemp()
	conf = os.path.join(tmp, "q.conf")
	write_config(conf, server={"signing_key": os.path.join(CERTS, "signing-1.key")})
	s = ctx.fresh_server("keys", config=conf)
	listed, watched, clean, _ = populate(s)
	rc, old, err = signed_json(s, PLATFORM, [listed, clean])
	eq((rc, old["signed"]["key_id"]), (1, "dev-1"), "signed with dev-1")
	path = keep(old, "old.json")
	write_config(conf, server={"signing_key": os.path.join(CERTS, "signing-2.key"),
				   "signing_key_id": "dev-2"})
	mark = s.log_mark()
	s.proc.send_signal(signal.SIGHUP)
	s.wait_log(r"reload: certificates, CRL, principals, calendar and signing key reloaded$", since=mark)
	rc, new, err = signed_json(s, PLATFORM, [listed, clean])
	eq((rc, new["signed"]["key_id"]), (1, "dev-2"), "signed with dev-2 after the reload")
	python_verifies(new, "signing-2")
	rc, out, err = qcreg(s, ["check", "--signed", listed], cn=PLATFORM)
	check(rc == 1 and "verified   yes, with the key the server lists for dev-2" in out, out + err)
	rc, out, err = qcreg(s, ["check", "--signed", "--pubkey", PUB2, listed], cn=PLATFORM)
	eq((rc, err), (1, ""), "verified with signing-2.pub")
	s.stop()
	# the server is gone; the old answer still verifies with the old key
	rc, out, err = verify_kept(path, PUB1)
	eq((rc, err), (1, ""), "the answer signed before the switch, with signing-1.pub")
	rc, out, err = verify_kept(path, PUB2)
	check(rc == 2 and VERIFY_FAILED in err, "the old answer with the new key: %s %s" % (rc, err))
	eq(verify_kept(keep(new, "new.json"), PUB2)[0], 1, "the new answer with signing-2.pub")


@suite.test(timeout=90)
def refusals(ctx):
	tmp = mktemp()
	conf = os.path.join(tmp, "q.conf")
	write_config(conf, server={"signing_key": None, "signing_key_id": None})
	s = ctx.fresh_server("nokey", config=conf)
	rc, out, err = qcreg(s, ["check", "--signed", new_uscc()], cn=PLATFORM)
	check(rc == 2 and err.startswith("qcreg: unavailable: ") and "signing key" in err,
	      "a server without a signing key: %s %r" % (rc, err))
	rc, out, err = qcreg(s, ["check", new_uscc()], cn=PLATFORM)
	eq(rc, 0, "unsigned check on that server")
	rc, out, err = qcreg(s, ["check", "--signed", new_uscc()], cn=UNKNOWN)
	check(rc == 2 and "forbidden" in err, "a principal that may not check: %r" % err)
	many = "".join(new_uscc() + "\n" for _ in range(MAX_BATCH + 1)).encode()
	for args, stdin, want in (
			(["check", "--pubkey", PUB1, new_uscc()], None, "--pubkey goes with"),
			(["check", "--verify-signed", "x.json"], None, "--pubkey"),
			(["check", "--verify-signed", "a", "b", "--pubkey", PUB1], None, "one kept answer"),
			(["check", "--signed", "--verify-signed", "x", "--pubkey", PUB1], None, "give one"),
			(["check", "--signed", "-"], many, "at most %d subjects" % MAX_BATCH),
			(["check", "--signed", "-"], b"\n", "no subject")):
		rc, out, err = qcreg(s, args, cn=PLATFORM, stdin=stdin)
		check(rc == 2 and err.startswith("qcreg: usage: ") and want in err,
		      "%s: %s %r" % (" ".join(args), rc, err))
