"""The mirror (libqcreg, `qcreg mirror` and `qcreg mirror-check`): a
platform's local copy of the registry, filled from `changes`, verified
against signed checkpoints, answering `check` as the server answers a
platform. Its answers are compared with the server's, subject by subject,
as JSON and as text, with the same exit status."""

import json
import os
import random
import re
import signal
import subprocess

from harness import *

suite = Suite("mirror")

PUB = os.path.join(CERTS, "signing-1.pub")
OTHER_PUB = os.path.join(CERTS, "signing-2.pub")
POKE = os.path.join(ROOT, "build", "asan" if "build/asan/" in QCREGD else "rel", "tests", "lmdb_poke")


def mirror_once(s, d, pub=PUB):
	return qcreg(s, ["mirror", d, "--pubkey", pub, "--once"], cn=PLATFORM, timeout=300)


def synced(s, d):
	rc, out, err = mirror_once(s, d)
	eq(rc, 0, "qcreg mirror --once exit status (%s)" % err.strip())
	check("verified" in out, "the sync reports its checkpoint: %r" % out)
	return out


def both(s, d, subjects, extra=()):
	"""check by the server and by the mirror, as JSON and as text."""
	stdin = ("\n".join(subjects) + "\n").encode()
	out = {}
	for name, args in (("server", ["check"]), ("mirror", ["mirror-check", d])):
		jr, jout, jerr = qcreg(s, ["--json"] + args + ["-"] + list(extra), cn=PLATFORM, stdin=stdin)
		tr, tout, terr = qcreg(s, args + ["-"] + list(extra), cn=PLATFORM, stdin=stdin)
		eq(jr, tr, "%s: exit status of JSON and text" % name)
		out[name] = (jr, json.loads(jout), tout, terr.strip())
	return out


def same_answers(s, d, subjects, extra=()):
	got = both(s, d, subjects, extra)
	srv, mir = got["server"], got["mirror"]
	eq(mir[0], srv[0], "exit status (mirror stderr: %s)" % mir[3])
	for a, b in zip(srv[1]["results"], mir[1]["results"]):
		eq(b, a, "the mirror's answer for %s" % a["subject"])
	eq(len(mir[1]["results"]), len(srv[1]["results"]), "results")
	eq(mir[2], srv[2], "text output")
	eq(mir[3], srv[3], "stderr")
	return srv[1]["results"]


def data_files(d):
	return [os.path.join(d, f) for f in os.listdir(d) if ".mdb" in f]


def in_files(d, needle):
	b = needle.encode()
	for p in data_files(d):
		with open(p, "rb") as f:
			if b in f.read():
				return True
	return False


def mirror_seq(d):
	"""The mirror's last applied seq, read with mdb_dump (0 before any)."""
	with open(os.path.join(d, "current")) as f:
		gen = f.read().strip()
	p = subprocess.run(["mdb_dump", "-n", "-s", "meta", os.path.join(d, "data.%s.mdb" % gen)],
			   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
	eq(p.returncode, 0, "mdb_dump: %s" % p.stderr.decode())
	lines = p.stdout.decode().split("HEADER=END\n")[1].split("DATA=END")[0].split()
	kv = dict(zip(lines[0::2], lines[1::2]))
	return int(kv.get(b"seq".hex(), "0"), 16)


def open_case(w, lst, subj, kind, received=None, fields=None):
	args = {"list": lst, "subject": subj, "kind": kind, "received_on": received or day(-1),
		"text": "案由 %s" % kind}
	if fields is not None:
		args["fields"] = fields
	return w.request("case_open", **args)


OUTCOMES = {"notice": ["listed", "withdrawn"], "objection": ["upheld", "corrected", "revoked"],
	    "repair": ["approved", "rejected"]}
KINDS = {"credit": ["uscc"], "tourism": ["uscc", "guide", "site", "plate"], "advertising": ["uscc", "site"],
	 "tourism-watch": ["uscc", "guide", "site", "plate"]}


def random_fields(rnd, lst):
	"""Fields with dates around today: active, pending, expired."""
	if lst == "credit":
		f = credit_fields(rnd.choice("ABCD"))
		start = rnd.choice([None, day(-100), day(2)])
		end = rnd.choice([None, day(-1), day(200)])
		if start is not None:
			f["valid_from"] = start
		if end is not None and (start is None or end >= start):
			f["valid_until"] = end
		return f
	listed = rnd.choice([day(-500), day(-10), day(1), day(3)])
	f = FIELDS_FOR[lst](listed_on=listed)
	if rnd.random() < 0.3:
		f["expires_on"] = rnd.choice([e for e in (day(-2), day(300)) if e >= listed])
	return f


def random_history(s, rnd, entries, cases, n):
	"""n random writes: puts, removals and cases (errors are the server's
	to decide and are ignored)."""
	writers = {cn: s.connect(cn) for cn in (QUALITY, TOURISM, COMMERCE)}
	try:
		for _ in range(n):
			lst, subj = rnd.choice(entries)
			w = writers[WRITER[lst]]
			r = rnd.random()
			if r < 0.45:
				w.request("put", list=lst, subject=subj, fields=random_fields(rnd, lst))
			elif r < 0.55:
				w.request("remove", list=lst, subject=subj, reason="撤销")
			elif r < 0.75:
				kind = rnd.choice(["objection", "objection", "notice", "repair"])
				a = open_case(w, lst, subj, kind,
					      fields=random_fields(rnd, lst) if kind == "notice" else None)
				if a.get("ok"):
					cases.append((lst, a["result"]["case"], kind))
			elif cases:
				lst, cid, kind = cases.pop(rnd.randrange(len(cases)))
				outcome = rnd.choice(OUTCOMES[kind])
				args = {"case": cid, "outcome": outcome, "reason": "决定"}
				if outcome == "corrected":
					args["fields"] = random_fields(rnd, lst)
				writers[WRITER[lst]].request("case_close", **args)
	finally:
		for c in writers.values():
			c.close()


def disputes(s):
	"""Objections the random history may not leave open at its end: one
	open; one carried through a new version; one whose entry a repair
	withdrew, still open when the subject is listed again; one upheld after
	the withdrawal, before the new listing. Returns their subjects."""
	xs = [new_uscc() for _ in range(4)]
	with s.connect(QUALITY) as q:
		ob = {}
		for x in xs:
			q.ok("put", list="credit", subject=x, fields=credit_fields("D"))
			ob[x] = q.ok("case_open", list="credit", subject=x, kind="objection", received_on=day(0),
				     text="异议")["case"]
		q.ok("put", list="credit", subject=xs[1], fields=credit_fields("C"))
		for x in xs[2:]:
			cid = q.ok("case_open", list="credit", subject=x, kind="repair", received_on=day(0),
				   text="申请修复")["case"]
			q.ok("case_close", case=cid, outcome="approved", reason="准予")
		q.ok("case_close", case=ob[xs[3]], outcome="upheld", reason="维持")
		for x in xs[2:]:
			q.ok("put", list="credit", subject=x, fields=credit_fields("B"))
	return xs


@suite.test(timeout=600)
def mirror_answers_as_the_server(ctx):
	"""After random writes, removals and cases, synced in steps, the mirror
	answers every subject as the server answers a platform; so does a
	mirror synced from scratch at the end."""
	avoid_midnight()
	s = ctx.fresh_server("mirror-random")
	rnd = random.Random(20261201)
	subjects = {k: [NEW_SUBJECT[k]() for _ in range(12)] for k in ("uscc", "site", "guide", "plate")}
	entries = [(lst, subj) for lst, kinds in KINDS.items() for k in kinds for subj in subjects[k][:8]]
	everyone = sum(subjects.values(), []) + ["uscc:" + uscc_make(999999), uscc_bad(5), "site:", "bogus"]
	d = os.path.join(mktemp(), "m")
	cases = []
	for step in range(4):
		random_history(s, rnd, entries, cases, 150)
		if step == 1:
			everyone += disputes(s)
		synced(s, d)
		same_answers(s, d, everyone)
	with s.connect(REGULATOR) as reg:
		ops = [c["op"] for c in verify_chain(reg)[0]]
	for op in ("put", "remove", "case_open", "case_close", "withdraw"):
		check(op in ops, "the history has a %s record: %s" % (op, sorted(set(ops))))
	res = same_answers(s, d, everyone)
	check(any(h.get("disputed") for r in res for h in r.get("hits", [])), "a disputed hit was compared")
	eq({r["verdict"] for r in res if "verdict" in r}, set(VERDICTS), "the verdicts compared")
	same_answers(s, d, everyone, ["--lists", "tourism,credit"])
	fresh = os.path.join(mktemp(), "m")
	synced(s, fresh)
	same_answers(s, fresh, everyone)
	rc, _, err = qcreg(s, ["mirror-check", d, everyone[0], "--lists", "nosuch"], cn=PLATFORM)
	eq((rc, "unknown_list" in err), (2, True), "an unknown list: %s" % err)


@suite.test(timeout=120)
def pending_entry_becomes_a_hit(ctx):
	avoid_midnight()
	s = ctx.fresh_server("mirror-pending")
	x = new_site()
	with s.connect(TOURISM) as t:
		t.ok("put", list="tourism", subject=x, fields=tourism_fields(listed_on=day(1)))
	d = os.path.join(mktemp(), "m")
	synced(s, d)
	res = same_answers(s, d, [x])
	eq(res[0]["verdict"], "clear", "pending today")
	rc, out, _ = qcreg(s, ["--json", "mirror-check", d, x, "--on", day(1)], cn=PLATFORM)
	eq(rc, 1, "listed tomorrow: exit status")
	eq(json.loads(out)["results"][0]["hits"], [{"list": "tourism", "until": plus_years(day(1), 3)}],
	   "the hit tomorrow")
	rc, out, _ = qcreg(s, ["mirror-check", d, x, "--on", day(0)], cn=PLATFORM)
	eq(rc, 0, "--on today: clear")


@suite.test(timeout=120)
def tampered_record_is_refused(ctx):
	"""A change record edited in the server's files (which then refuses
	writes but serves changes): the mirror applies what comes before it,
	refuses it, names its seq, and stays there."""
	s = ctx.fresh_server("mirror-tamper")
	subs = [new_uscc() for _ in range(10)]
	with s.connect(QUALITY) as q:
		for x in subs:
			q.ok("put", list="credit", subject=x, fields=credit_fields("D"))
	s.stop_clean()
	p = subprocess.run([POKE, s.data, "record", "6"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
	eq(p.returncode, 0, "lmdb_poke: %s" % p.stderr.decode())
	s.start()
	d = os.path.join(mktemp(), "m")
	for attempt in range(2):
		rc, out, err = mirror_once(s, d)
		eq(rc, 1, "exit status for a false record (attempt %d): %s" % (attempt, err))
		check("change 6:" in err and "verify" in err, "the error names the record: %r" % err)
		eq(mirror_seq(d), 5, "the records before it are applied, not it")
	rc, out, _ = qcreg(s, ["--json", "mirror-check", d] + subs, cn=PLATFORM)
	eq([r["verdict"] for r in json.loads(out)["results"]], ["listed"] * 5 + ["clear"] * 5,
	   "the mirror answers from the records it verified")


@suite.test(timeout=120)
def wrong_key_is_refused(ctx):
	s = ctx.fresh_server("mirror-key")
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields("C"))
	d = os.path.join(mktemp(), "m")
	rc, _, err = mirror_once(s, d, pub=OTHER_PUB)
	eq(rc, 1, "exit status: %s" % err)
	check("not signed by the mirror's key" in err, "the reason: %r" % err)
	eq(mirror_seq(d), 0, "nothing applied")


def mirror_proc(s, d, *extra):
	"""qcreg mirror on d as the platform, its output in pipes."""
	crt, key = cert_path(PLATFORM)
	exe = QCREG if os.path.isabs(QCREG) else os.path.join(ROOT, QCREG)
	return subprocess.Popen([exe, "--server", "127.0.0.1:%d" % s.port, "--ca", CA, "--cert", crt,
				 "--key", key, "mirror", d, "--pubkey", PUB] + list(extra), cwd=ROOT,
				stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_until(p, pattern, what):
	"""Lines of p's output up to one matching pattern: its match."""
	for line in p.stdout:
		m = re.match(pattern, line.strip())
		if m:
			return m
	fail("%s: qcreg mirror ended first (exit %s): %s" % (what, p.wait(timeout=30), p.stderr.read()))


PAGE_LINE = r"mirror: seq (\d+), checkpoint (\d+)$"


def killed_mid_sync(s, d, pages):
	"""Runs qcreg mirror --once on d and, at its pages-th page below the
	checkpoint, freezes the server (SIGSTOP), so that the sync cannot go on
	past the pages it has in hand, and SIGKILLs it. Returns the seq of that
	page and the checkpoint's size."""
	p = mirror_proc(s, d, "--once")
	try:
		while pages > 0:
			m = read_until(p, PAGE_LINE, "a page")
			seq, target = int(m.group(1)), int(m.group(2))
			pages -= seq < target
		s.proc.send_signal(signal.SIGSTOP)
		p.kill()
		p.wait(timeout=30)
	finally:
		s.proc.send_signal(signal.SIGCONT)
		p.stdout.close()
		p.stderr.close()
	return seq, target


def import_credit(s, n, tag):
	rows = "".join(json.dumps({"list": "credit", "subject": new_uscc(), "fields": credit_fields(
		"ABCD"[i % 4], report="%s-%d" % (tag, i))}) + "\n" for i in range(n))
	rc, _, err = qcreg(s, ["import", "-"], cn=QUALITY, stdin=rows.encode(), timeout=300)
	eq(rc, 0, "import: %s" % err)


@suite.test(timeout=900)
def sigkill_mid_sync_resumes(ctx):
	"""qcreg mirror killed with SIGKILL in the middle of syncs, again and
	again while the log grows (withdrawals included): each run has ten
	pages or more to apply and is killed after one to five, with the server
	frozen so that it cannot finish; each start resumes where the last
	commit left it, and the end is the server's answers."""
	avoid_midnight()
	s = ctx.fresh_server("mirror-kill")
	repaired = []
	d = os.path.join(mktemp(), "m")
	rnd = random.Random(9)
	seqs = []
	for i in range(16):
		import_credit(s, 10 * MAX_LIMIT, "run%d" % i)
		with s.connect(QUALITY) as q:
			for _ in range(20):
				x = new_uscc()
				q.ok("put", list="credit", subject=x, fields=credit_fields("D"))
				if rnd.random() < 0.3:
					cid = q.ok("case_open", list="credit", subject=x, kind="repair",
						   received_on=day(0), text="申请修复")["case"]
					q.ok("case_close", case=cid, outcome="approved", reason="准予")
					repaired.append(x)
		page, target = killed_mid_sync(s, d, rnd.randint(1, 5))
		seqs.append(mirror_seq(d))
		check(page <= seqs[-1] < target, "run %d: killed mid-sync, the pages printed kept (page %d, "
		      "checkpoint %d, mirror at %d)" % (i, page, target, seqs[-1]))
		check(seqs == sorted(seqs), "the mirror never goes back: %s" % seqs)
		rc, _, err = qcreg(s, ["mirror-check", d, repaired[0] if repaired else new_uscc()], cn=PLATFORM)
		check(rc in (0, 1), "the killed mirror still answers: %s" % err)
	synced(s, d)
	with s.connect(REGULATOR) as reg:
		eq(mirror_seq(d), reg.ok("stats")["head"], "the mirror holds every record")
	with s.connect(REGULATOR) as reg:
		sample = [c["subject"] for c in reg.ok("changes", since=0, limit=MAX_LIMIT)["changes"]]
	same_answers(s, d, sample[:300] + repaired + [new_uscc()])


@suite.test(timeout=300)
def withdrawn_fields_leave_the_files(ctx):
	"""A repaired (withdrawn) entry's unique field value is in the mirror's
	data file while the entry is public, and gone from every file of the
	mirror once the withdrawal is synced; a live entry's stays."""
	s = ctx.fresh_server("mirror-withdraw")
	gone, kept = new_site(), new_site()
	secret, live = "撤回-%d-UNIQ" % uniq(), "保留-%d-UNIQ" % uniq()
	with s.connect(TOURISM) as t:
		t.ok("put", list="tourism", subject=gone, fields=tourism_fields(listed_on=day(-400), reason=secret))
		t.ok("put", list="tourism", subject=kept, fields=tourism_fields(reason=live))
		for i in range(300):  # pages around the entry
			t.ok("put", list="tourism", subject=new_site(), fields=tourism_fields())
	d = os.path.join(mktemp(), "m")
	synced(s, d)
	check(in_files(d, secret) and in_files(d, live), "both values are in the mirror's file first")
	with s.connect(TOURISM) as t:
		cid = t.ok("case_open", list="tourism", subject=gone, kind="repair", received_on=day(0),
			   text="申请信用修复")["case"]
		t.ok("case_close", case=cid, outcome="approved", reason="准予修复")
	out = synced(s, d)
	check("1 withdrawn" in out and "data file rewritten" in out, "the sync reports it: %r" % out)
	check(not in_files(d, secret), "the withdrawn value is gone from %s" % data_files(d))
	check(in_files(d, live), "the live value stays")
	same_answers(s, d, [gone, kept])


@suite.test(timeout=120)
def follower_follows_and_stops_on_sigterm(ctx):
	"""qcreg mirror without --once applies each write as it comes (it keeps
	a long poll open; it has no interval to sleep), and SIGTERM stops it
	while it waits: exit 0, "stopped"."""
	s = ctx.fresh_server("mirror-follow")
	d = os.path.join(mktemp(), "m")
	p = mirror_proc(s, d)
	try:
		read_until(p, r"mirror: synced: seq 0,", "the first sync")
		x = new_uscc()
		for n, grade in ((1, "D"), (2, "A"), (3, "C")):
			with s.connect(QUALITY) as q:
				q.ok("put", list="credit", subject=x, fields=credit_fields(grade))
			read_until(p, r"mirror: synced: seq %d," % n, "following to seq %d" % n)
			same_answers(s, d, [x])
	finally:
		p.send_signal(signal.SIGTERM)
		rc = p.wait(timeout=30)
		rest, err = p.communicate(timeout=30)
	eq(rc, 0, "exit status after SIGTERM: %s" % err)
	eq(rest, "mirror: stopped\n", "what it says last")
