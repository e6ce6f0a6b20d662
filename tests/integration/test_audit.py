"""The audit of reads (PROTOCOL.md 4.15): every read of a regulator or an
agency is recorded (principal, time, op, subjects) in a hash-chained
store that only admins read; platforms' checks are counted, not stored;
records survive a restart and the chain goes on; qcreg audit prints them."""

import hashlib
import os

import msgpack

from harness import *

suite = Suite("audit")


def all_records(a, **q):
	out, after = [], None
	while True:
		args = dict(q, limit=100)
		if after is not None:
			args["after"] = after
		r = a.ok("audit", **args)
		out += r["records"]
		after = r["next"]
		if after is None:
			return out, r


def wait_records(s, n, **q):
	"""Records are committed within a second: wait (bounded) for n."""
	got = []

	def enough():
		nonlocal got
		with s.connect(ADMIN) as a:
			got = all_records(a, **q)[0]
		return len(got) >= n
	wait_until(enough, 10, "%d audit records" % n, step=0.2)
	return got


def chain_ok(records, prev="00" * 32):
	"""Each hash is SHA-256(prev || msgpack([seq, at, principal, op, subjects]))."""
	for r in records:
		body = msgpack.packb([r["seq"], r["at"], r["principal"], r["op"], r["subjects"]],
				     use_bin_type=True)
		want = hashlib.sha256(bytes.fromhex(prev) + body).hexdigest()
		eq(r["hash"], want, "hash of audit record %d" % r["seq"])
		prev = r["hash"]
	return prev


@suite.test(timeout=120)
def reads_are_recorded(ctx):
	s = ctx.fresh_server("audit")
	x, y = new_uscc(), new_uscc()
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=x, fields=credit_fields(name="审计测试企业"))
		t0 = time.time()
		q.ok("get", subject=x)
	with s.connect(REGULATOR) as r:
		r.ok("check", subjects=[x, y])
		r.err("get", "not_found", subject=y)
		r.ok("history", subject=x)
		r.ok("search", q="审计测试")
		r.ok("stats")
		r.ok("hello")
		r.ok("checkpoint")
	with s.connect(PLATFORM) as p:
		for _ in range(3):
			p.ok("check", subjects=[x])
	got = wait_records(s, 6)
	eq([(g["principal"], g["op"], g["subjects"]) for g in got], [
		(QUALITY, "get", [x]),
		(REGULATOR, "check", [x, y]),
		(REGULATOR, "get", [y]),
		(REGULATOR, "history", [x]),
		(REGULATOR, "search", ["q:审计测试"]),
		(REGULATOR, "stats", []),
	], "the reads of the regulator and the agency; not hello, checkpoint, writes or platforms")
	check(all(int(t0) - 1 <= g["at"] <= time.time() + 1 for g in got), "times")
	eq([g["seq"] for g in got], list(range(1, len(got) + 1)), "seqs from 1")
	chain_ok(got)
	with s.connect(ADMIN) as a:
		eq([g["op"] for g in all_records(a, subject=x)[0]], ["get", "check", "history"],
		   "by subject")
		eq([g["op"] for g in all_records(a, principal=QUALITY)[0]], ["get"], "by principal")
		eq([g["op"] for g in all_records(a, principal=REGULATOR, subject=y)[0]], ["check", "get"],
		   "by both")
		eq(all_records(a, since=day(1))[0], [], "since tomorrow")
		eq(len(all_records(a, since=day(0))[0]), 6, "since today")
		page = a.ok("audit", limit=2)
		eq(([g["seq"] for g in page["records"]], page["next"]), ([1, 2], 2), "a page and its next")
		eq([g["seq"] for g in a.ok("audit", after=2, limit=2)["records"]], [3, 4], "the next page")
		eq((page["first"], page["head"]), (1, 6), "first and head")
	for cn in (REGULATOR, QUALITY, PLATFORM):
		with s.connect(cn) as c:
			c.err("audit", "forbidden")
	with s.connect(ADMIN) as a:
		a.err("audit", "bad_request", since="yesterday")
		a.err("audit", "bad_request", principal=7)
		a.err("audit", "invalid_subject", subject="not a subject")
		a.err("audit", "bad_request", after=-1)
	# Restart: the records are there and the chain goes on.
	s.stop()
	s.start()
	with s.connect(REGULATOR) as r:
		r.ok("get", subject=x)
	got = wait_records(s, 7)
	eq(got[-1]["op"], "get", "a read after the restart")
	eq(got[-1]["seq"], 7, "the seq goes on")
	chain_ok(got)
	rc, out, err = qcreg(s, ["audit", x, "--principal", REGULATOR], cn=ADMIN)
	eq(rc, 0, "qcreg audit:\n" + out + err)
	lines = out.splitlines()
	eq(lines[0].split(), ["SEQ", "AT", "PRINCIPAL", "OP", "SUBJECTS"], "the header:\n" + out)
	eq([l.split()[4:] for l in lines[1:]],
	   [[REGULATOR, "check", x + ",", y], [REGULATOR, "history", x], [REGULATOR, "get", x]],
	   "the regulator's reads of x:\n" + out)
	rc, out, err = qcreg(s, ["audit", "--since", "tomorrow"], cn=ADMIN)
	eq(rc, 2, "a bad --since")
	check("bad_request" in err, err)
