"""Backups and restore (PROTOCOL.md 4.13): qcreg backup while writes go
on, qcregd --restore into an empty directory (every entry, version, case
and change there, the chain verifies), the refusal to fork a published
log without --force and the restore record with it, and bad input."""

import os
import re
import shutil
import subprocess
import threading

from harness import *

suite = Suite("backup")

POKE = os.path.join(ROOT, "build", "asan" if "build/asan/" in QCREGD else "rel", "tests", "lmdb_poke")


def take_backup(s, path):
	"""qcreg backup as the admin: the log head seq the backup holds."""
	rc, out, err = qcreg(s, ["backup", path], cn=ADMIN, timeout=120)
	eq(rc, 0, "qcreg backup:\n" + out + err)
	m = re.search(r"log head seq (\d+), sha256 ([0-9a-f]{64})", out)
	check(m is not None, "qcreg backup says what it holds:\n" + out)
	check(os.path.exists(path) and not os.path.exists(path + ".part"), "the file, and no .part")
	return int(m.group(1))


def seed(s, n=30):
	"""Entries on every list, removals, an objection opened and closed,
	a notice still open. Returns the subjects."""
	subs = []
	with s.connect(QUALITY) as q, s.connect(TOURISM) as t:
		for i in range(n):
			x = uscc(uniq(), prefix="91410102")
			q.ok("put", list="credit", subject=x, fields=credit_fields("ABCD"[i % 4], name="备份测试%d" % i))
			subs.append(x)
			if i % 5 == 0:
				q.ok("remove", list="credit", subject=x, reason="撤销")
		site = new_site()
		t.ok("put", list="tourism", subject=site, fields=tourism_fields())
		c = t.ok("case_open", list="tourism", subject=site, kind="objection",
			 received_on=day(0), text="当事人提出异议")
		t.ok("case_close", case=c["case"], outcome="upheld", reason="维持")
		g = new_guide()
		t.ok("case_open", list="tourism", subject=g, kind="notice", received_on=day(0),
		     text="拟列入", fields=tourism_fields(category="unlicensed_guide"))
		subs += [site, g]
	return subs


def log_of(c, upto=None):
	out, since = [], 0
	while True:
		r = c.ok("changes", since=since, limit=MAX_LIMIT)
		if not r["changes"]:
			return out
		out += [x for x in r["changes"] if upto is None or x["seq"] <= upto]
		since = r["changes"][-1]["seq"]


@suite.test(timeout=300)
def backup_under_writes_restores_whole(ctx):
	s = ctx.fresh_server("backup-src")
	subs = seed(s)
	stop = threading.Event()
	written = []

	def writer():
		with s.connect(QUALITY) as q:
			for i in range(3000):
				if stop.is_set():
					break
				x = uscc(uniq(), prefix="91410105")
				q.ok("put", list="credit", subject=x, fields=credit_fields(name="并发写入%d" % i))
				written.append(x)
	th = threading.Thread(target=writer)
	th.start()
	try:
		wait_until(lambda: len(written) >= 300, 60, "300 writes before the backup")
		path = os.path.join(s.tmp, "b1.mdb")
		seq = take_backup(s, path)
		wait_until(lambda: len(written) >= 600 or not th.is_alive(), 60, "writes after it")
	finally:
		stop.set()
		th.join(120)
	with s.connect(REGULATOR) as reg:
		src_log = log_of(reg)
		check(len(src_log) > seq, "writes went on after the backup's head")
		src_cases = reg.ok("cases", state="closed")["cases"] + reg.ok("cases")["cases"]
		in_backup = [x for x in subs + written
			     if any(c["subject"] == x and c["seq"] <= seq for c in src_log)]
		src_hist = {x: reg.ok("history", subject=x) for x in in_backup
			    if max(c["seq"] for c in src_log if c["subject"] == x) <= seq and
			    any("version" in c for c in src_log if c["subject"] == x)}
		check(len(src_hist) > 300, "histories to compare")
	dst = os.path.join(mktemp("qcreg-restored-"), "data")
	p = run_qcregd("--restore", path, "--data", dst)
	eq(p.returncode, 0, "qcregd --restore:\n" + p.stderr)
	check("log head seq %d" % seq in p.stderr, "--restore names the head:\n" + p.stderr)
	r = ctx.fresh_server("backup-dst", data=dst)
	with r.connect(REGULATOR) as reg:
		changes, _ = verify_chain(reg)
		eq(len(changes), seq, "the restored log ends at the backup's head")
		eq(changes, src_log[:seq], "every change record, byte for byte as served")
		for x, h in src_hist.items():
			eq(reg.ok("history", subject=x), h, "history of %s" % x)
		got_cases = reg.ok("cases", state="closed")["cases"] + reg.ok("cases")["cases"]
		eq(sorted(got_cases, key=lambda c: c["case"]), sorted(src_cases, key=lambda c: c["case"]),
		   "the cases (all opened before the backup)")
		eq(reg.ok("search", q="备份测试1")["results"][0]["subject"], subs[1], "the name index came along")
	rc, out, err = qcreg(r, ["verify", "--pubkey", os.path.join(CERTS, "signing-1.pub")], cn=REGULATOR)
	eq(rc, 0, "qcreg verify on the restored server:\n" + out + err)


@suite.test(timeout=300)
def restore_refuses_a_fork_without_force(ctx):
	s = ctx.fresh_server("backup-fork")
	seed(s, n=5)
	path = os.path.join(s.tmp, "old.mdb")
	seq = take_backup(s, path)
	with s.connect(QUALITY) as q:
		for i in range(5):
			q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields(name="后来%d" % i))
	with s.connect(REGULATOR) as reg:
		head = reg.ok("checkpoint")
		later = log_of(reg)
	s.stop()
	p = run_qcregd("--restore", path, "--data", s.data)
	eq(p.returncode, 1, "an older backup over a longer log is refused\n" + p.stderr)
	check("fork" in p.stderr and "--force" in p.stderr, "the refusal says why:\n" + p.stderr)
	s.start()
	with s.connect(REGULATOR) as reg:
		eq(log_of(reg), later, "the data is unchanged after the refusal")
	s.stop()
	p = run_qcregd("--restore", path, "--data", s.data, "--force")
	eq(p.returncode, 0, "--force restores\n" + p.stderr)
	s.start()
	with s.connect(REGULATOR) as reg:
		changes, _ = verify_chain(reg)
		eq(len(changes), seq + 1, "the backup's log and one restore record")
		last = changes[-1]
		eq(last["op"], "restore", "the record after the backup's head")
		p_ = msgpack.unpackb(last["payload"], raw=False)
		eq(p_, {"head": later[-1]["hash"], "seq": str(len(later))}, "it names the head it replaced")
		eq(changes[:seq], later[:seq], "the backup's records")
	rc, out, err = qcreg(s, ["verify", "--pubkey", os.path.join(CERTS, "signing-1.pub")], cn=REGULATOR)
	eq(rc, 0, "qcreg verify after a forced restore:\n" + out + err)
	check(head["size"] > seq, "the old checkpoint was past the backup")


@suite.test(timeout=300)
def later_backup_of_the_same_log_needs_no_force(ctx):
	s = ctx.fresh_server("backup-later")
	seed(s, n=3)
	s.stop()
	older = os.path.join(s.tmp, "data-older")
	shutil.copytree(s.data, older)
	s.start()
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields())
	path = os.path.join(s.tmp, "newer.mdb")
	seq = take_backup(s, path)
	p = run_qcregd("--restore", path, "--data", older)
	eq(p.returncode, 0, "a backup that continues the log:\n" + p.stderr)
	r = ctx.fresh_server("backup-later-dst", data=older)
	with r.connect(REGULATOR) as reg:
		eq(len(verify_chain(reg)[0]), seq, "the newer log")


@suite.test(timeout=120)
def bad_input(ctx):
	s = ctx.server
	with s.connect(ADMIN) as a:
		a.err("backup", "bad_request", backup="../../etc/passwd")
		a.err("backup", "bad_request", backup=7)
		a.err("backup", "not_found", backup="19700101T000000Z")
		a.err("backup_read", "bad_request")
		a.err("backup_read", "not_found", backup="19700101T000000Z")
		a.err("backup_read", "bad_request", backup="19700101T000000Z", offset=-1)
		a.err("backup", "bad_request", backup="X", extra=1)
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields())
	path = os.path.join(s.tmp, "bad-input.mdb")
	take_backup(s, path)
	with s.connect(ADMIN) as a:
		ids = [l for l in os.listdir(s.data + "-backups") if l.endswith(".mdb")]
		check(len(ids) >= 1, "the backup directory holds the copy")
		bid = ids[0][:-4]
		info = a.ok("backup", backup=bid)
		eq(info["state"], "done", "state")
		a.err("backup_read", "bad_request", backup=bid, offset=info["size"] + 1)
		end = a.ok("backup_read", backup=bid, offset=info["size"])
		eq((end["data"], end["eof"]), (b"", True), "reading at the end")
	for cn in (REGULATOR, QUALITY, PLATFORM):
		with s.connect(cn) as c:
			c.err("backup", "forbidden")
			c.err("backup_read", "forbidden", backup="19700101T000000Z")
	junk = os.path.join(s.tmp, "junk.mdb")
	with open(junk, "wb") as f:
		f.write(b"not a backup" * 1000)
	dst = os.path.join(mktemp("qcreg-restore-bad-"), "data")
	p = run_qcregd("--restore", junk, "--data", dst)
	eq(p.returncode, 1, "a file that is not a backup\n" + p.stderr)
	check("is not a backup" in p.stderr, p.stderr)
	check(not os.path.exists(os.path.join(dst, "data.mdb")), "nothing restored")
	# A backup whose record was edited does not verify.
	edited = os.path.join(mktemp("qcreg-restore-edit-"), "d")
	os.makedirs(edited)
	shutil.copy(path, os.path.join(edited, "data.mdb"))
	q = subprocess.run([POKE, edited, "record", "1"], capture_output=True, text=True)
	eq(q.returncode, 0, "lmdb_poke: %s" % q.stderr)
	p = run_qcregd("--restore", os.path.join(edited, "data.mdb"), "--data", dst)
	eq(p.returncode, 1, "an edited backup\n" + p.stderr)
	check("does not verify" in p.stderr, p.stderr)
	check(not os.path.exists(os.path.join(dst, "data.mdb")), "nothing restored")
	p = run_qcregd("--force", "--data", dst)
	eq(p.returncode, 2, "--force without --restore is a usage error")
	with s.connect(REGULATOR) as reg:
		reg.hello_ok()
