"""Read replicas (PROTOCOL.md 4.10): qcregd --replica-of HOST:PORT follows
its primary's change log as a principal of role replica, applies every
record as the primary did and verifies it against the primary's hash,
serves every read, answers writes and signed checks read_only naming the
primary, serves the primary's checkpoint, and shows its lag in hello."""

import atexit
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time

import harness
from harness import *

suite = Suite("replica")

PUB1 = os.path.join(CERTS, "signing-1.pub")
LISTS_OF_KIND = ["credit", "tourism", "advertising", "tourism-watch"]
OUTCOMES = {"notice": ["listed", "withdrawn"], "objection": ["upheld", "corrected", "revoked"],
	    "repair": ["approved", "rejected"]}


def replica_config(primary, **server):
	"""A replica's config: the development one, following primary."""
	keys = {"replica_of": "127.0.0.1:%d" % primary.port, "signing_key": None,
		"signing_key_id": None}
	keys.update(server)
	return write_config(os.path.join(mktemp("qcreg-replica-conf-"), "replica.conf"), server=keys)


def start_replica(ctx, primary, name="replica", **server):
	return ctx.fresh_server(name, config=replica_config(primary, **server))


def replication(s):
	with s.connect(PLATFORM) as p:
		return p.ok("hello")["replication"]


def head(s):
	with s.connect(REGULATOR) as r:
		return r.ok("changes", since=0, limit=1)["head"]


def caught_up(primary, replica, timeout=60):
	"""Waits until the replica has applied the primary's head."""
	want = head(primary)
	deadline = time.monotonic() + timeout
	while True:
		rep = replication(replica)
		check(rep["following"], "the replica stopped following: %s" % rep.get("stopped"))
		if rep["applied"] >= want:
			return want
		if time.monotonic() > deadline:
			fail("the replica applied %d of %d records in %ds (%s)\n%s" % (
				rep["applied"], want, timeout, rep, replica.log_tail()))
		time.sleep(0.05)


def whole_log(s):
	out, since = [], 0
	with s.connect(REGULATOR) as r:
		while True:
			page = r.ok("changes", since=since, limit=1000)["changes"]
			if not page:
				return out
			out += page
			since = page[-1]["seq"]


def same_data(primary, replica, subjects):
	"""The same log, record for record, and the same answers for every subject."""
	log_p, log_r = whole_log(primary), whole_log(replica)
	eq(len(log_r), len(log_p), "records on the replica")
	for a, b in zip(log_p, log_r):
		if a != b:
			fail("record %d differs:\n  primary %s\n  replica %s" % (a["seq"], short(a, 400),
									      short(b, 400)))
	with primary.connect(REGULATOR) as rp, replica.connect(REGULATOR) as rr, \
	     primary.connect(PLATFORM) as pp, replica.connect(PLATFORM) as pr:
		for subj in subjects:
			a, b = rp.request("get", subject=subj), rr.request("get", subject=subj)
			a.pop("id")
			b.pop("id")
			eq(b, a, "get %s" % subj)
		for i in range(0, len(subjects), 500):
			batch = subjects[i:i + 500]
			eq(pr.ok("check", subjects=batch), pp.ok("check", subjects=batch), "check as a platform")
			eq(rr.ok("check", subjects=batch), rp.ok("check", subjects=batch), "check as a regulator")
		eq(rr.ok("stats"), rp.ok("stats"), "stats")
		eq(rr.ok("cases", state="closed"), rp.ok("cases", state="closed"), "closed cases")
		eq(rr.ok("cases"), rp.ok("cases"), "open cases")


def random_fields(rnd, lst):
	if lst == "credit":
		f = credit_fields(rnd.choice("ABCD"))
		f["valid_from"] = rnd.choice([day(-100), day(2)])
		return f
	return FIELDS_FOR[lst](listed_on=rnd.choice([day(-30), day(-10), day(1)]))


class Writes:
	"""Random writes of every kind on the primary: puts, removals, cases
	opened and closed (closings that withdraw), escalation dismissals."""

	def __init__(self, primary, seed, nsubjects=40):
		self.rnd = random.Random(seed)
		self.subjects = [new_uscc() for _ in range(nsubjects)]
		self.cases = []
		self.conns = {cn: primary.connect(cn) for cn in (QUALITY, TOURISM, COMMERCE)}

	def close(self):
		for c in self.conns.values():
			c.close()

	def one(self):
		rnd = self.rnd
		lst, subj = rnd.choice(LISTS_OF_KIND), rnd.choice(self.subjects)
		w = self.conns[WRITER[lst]]
		r = rnd.random()
		if r < 0.45:
			w.request("put", list=lst, subject=subj, fields=random_fields(rnd, lst))
		elif r < 0.55:
			w.request("remove", list=lst, subject=subj, reason="撤销")
		elif r < 0.72 and lst != "tourism-watch":
			kind = rnd.choice(["objection", "objection", "notice", "repair"])
			args = {"list": lst, "subject": subj, "kind": kind, "received_on": day(-1),
				"text": "案由 %s" % kind}
			if kind == "notice":
				args["fields"] = random_fields(rnd, lst)
			a = w.request("case_open", **args)
			if a["ok"]:
				self.cases.append((lst, a["result"]["case"], kind))
		elif r < 0.92 and self.cases:
			lst, cid, kind = self.cases.pop(rnd.randrange(len(self.cases)))
			outcome = rnd.choice(OUTCOMES[kind])
			args = {"case": cid, "outcome": outcome, "reason": "决定"}
			if outcome == "corrected":
				args["fields"] = random_fields(rnd, lst)
			self.conns[WRITER[lst]].request("case_close", **args)
		else:
			self.conns[TOURISM].request("escalation_dismiss", list="tourism", subject=subj,
						    reason="不予列入")

	def run(self, n):
		for _ in range(n):
			self.one()


@suite.test(timeout=300)
def converges_to_the_primary(ctx):
	avoid_midnight()
	primary = ctx.fresh_server("primary")
	w = Writes(primary, 1)
	try:
		w.run(150)
		# Long expired on a list that publishes 1825 days: the sweep at the
		# next start withdraws it (a record of principal qcregd).
		old = new_uscc()
		w.conns[TOURISM].ok("put", list="tourism", subject=old,
				    fields=tourism_fields(listed_on=day(-2500), expires_on=day(-2000)))
	finally:
		w.close()
	port = primary.port
	primary.args = ["--listen", "127.0.0.1:%d" % port]
	primary.restart()
	primary.wait_log(r"withdrew 1 long-expired entries")
	replica = start_replica(ctx, primary)
	n = caught_up(primary, replica)
	note("%d records replayed, verified and applied" % n)
	check(any(c["op"] == "withdraw" and c["principal"] == "qcregd" for c in whole_log(replica)),
	      "the sweep's withdraw reached the replica")
	# More writes while it follows.
	w = Writes(primary, 2)
	w.subjects += [old]
	try:
		w.run(100)
	finally:
		w.close()
	caught_up(primary, replica)
	same_data(primary, replica, w.subjects)
	rep = replication(replica)
	eq((rep["role"], rep["primary"], rep["lag_records"]), ("replica", "127.0.0.1:%d" % port, 0),
	   "hello's replication on the replica")
	eq(replication(primary), {"role": "primary"}, "hello's replication on the primary")
	replica.stop_clean()
	primary.stop_clean()


@suite.test(timeout=120)
def serves_the_primarys_checkpoint(ctx):
	primary = ctx.fresh_server("primary-cp")
	with primary.connect(QUALITY) as q:
		for g in "ABCD":
			q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields(g))
	replica = start_replica(ctx, primary, "replica-cp")
	caught_up(primary, replica)
	deadline = time.monotonic() + 30
	with replica.connect(PLATFORM) as p:
		while True:
			r = p.request("checkpoint")
			if r["ok"] and r["result"]["size"] == 4:
				break
			check(time.monotonic() < deadline, "no checkpoint of size 4 on the replica: %s" % r)
			time.sleep(0.1)
		cp = r["result"]
		eq(cp["key_id"], "dev-1", "signed by the primary's key")
		keys = p.ok("hello")["keys"]
		eq([(k["key_id"], k["current"]) for k in keys], [("dev-1", True)], "hello's keys on the replica")
		pr = p.ok("proof", seq=2, size=4)
		eq(pr["root"], cp["root"], "a proof on the replica ends at the checkpoint's root")
	with primary.connect(PLATFORM) as p:
		pcp = p.ok("checkpoint")
		eq((pcp["size"], pcp["root"], pcp["origin"]), (cp["size"], cp["root"], cp["origin"]),
		   "the replica's checkpoint is the primary's")
	# A key in the replica's own config is not one of the registry's.
	write_config(replica.config, server={"replica_of": "127.0.0.1:%d" % primary.port,
					     "signing_key": os.path.join(CERTS, "signing-2.key"),
					     "signing_key_id": "dev-2"})
	mark = replica.log_mark()
	replica.proc.send_signal(signal.SIGHUP)
	replica.wait_log(r"reload: certificates", since=mark)
	with replica.connect(PLATFORM) as p:
		eq([k["key_id"] for k in p.ok("hello")["keys"]], ["dev-1"], "hello's keys after SIGHUP")
		eq(p.ok("checkpoint")["key_id"], "dev-1", "the checkpoint served after SIGHUP")
	# A platform verifies the replica with the primary's public key alone.
	rc, out, err = qcreg(replica, ["verify", "--pubkey", PUB1], cn=PLATFORM)
	eq(rc, 0, "qcreg verify against the replica: %s %s" % (out, err))
	replica.stop_clean()
	primary.stop_clean()


@suite.test(timeout=120)
def writes_and_signed_checks_are_read_only(ctx):
	primary = ctx.fresh_server("primary-ro")
	subj = new_uscc()
	with primary.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=subj, fields=credit_fields("D"))
	replica = start_replica(ctx, primary, "replica-ro")
	caught_up(primary, replica)
	where = "127.0.0.1:%d" % primary.port
	with replica.connect(QUALITY) as q:
		e = q.err("put", "read_only", list="credit", subject=new_uscc(), fields=credit_fields())
		check(where in e["message"], "names the primary: %s" % e["message"])
		q.err("remove", "read_only", list="credit", subject=subj, reason="x")
		q.err("case_open", "read_only", list="credit", subject=subj, kind="objection",
		      received_on=day(-1), text="异议")
	with replica.connect(PLATFORM) as p:
		e = p.err("check", "read_only", subjects=[subj], signed=True)
		check(where in e["message"], "names the primary: %s" % e["message"])
		eq(p.ok("check", subjects=[subj])["results"][0]["verdict"], "listed", "an unsigned check answers")
	eq(head(replica), 1, "nothing was written on the replica")
	replica.stop_clean()
	primary.stop_clean()


@suite.test(timeout=120)
def min_seq_waits_or_is_unavailable(ctx):
	primary = ctx.fresh_server("primary-min")
	with primary.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields())
	replica = start_replica(ctx, primary, "replica-min")
	caught_up(primary, replica)
	with replica.connect(PLATFORM) as p, primary.connect(QUALITY) as q:
		eq(p.ok("checkpoint", min_seq=1)["size"] >= 0, True, "min_seq already applied")
		e = p.err("check", "unavailable", subjects=[new_uscc()], min_seq=1000)
		check("1000" in e["message"], "names min_seq: %s" % e["message"])
		# A write on the primary, then a read on the replica that must see it.
		subj = new_uscc()
		seq = q.ok("put", list="credit", subject=subj, fields=credit_fields("D"))["seq"]
		r = p.ok("check", subjects=[subj], min_seq=seq)
		eq(r["results"][0]["verdict"], "listed", "the read waited for seq %d" % seq)
		p.err("check", "bad_request", subjects=[subj], min_seq="x")
	with primary.connect(PLATFORM) as p:
		p.ok("check", subjects=[new_uscc()], min_seq=1)
	replica.stop_clean()
	primary.stop_clean()


@suite.test(timeout=900)
def sigkill_mid_stream_converges(ctx):
	"""kill -9 the replica 20 times while the primary takes writes."""
	avoid_midnight()
	primary = ctx.fresh_server("primary-kill")
	w = Writes(primary, 3)
	w.run(50)
	replica = start_replica(ctx, primary, "replica-kill")
	stop = threading.Event()
	errors = []

	def stream():
		try:
			while not stop.is_set():
				w.one()
		except Exception as e:  # reported by the test below
			errors.append(e)
	t = threading.Thread(target=stream, daemon=True)
	t.start()
	rnd = random.Random(4)
	applied = []
	try:
		for i in range(20):
			time.sleep(rnd.uniform(0.05, 0.6))
			replica.kill9()
			replica.start()
			applied.append(replication(replica)["applied"])
	finally:
		stop.set()
		t.join(timeout=60)
		w.close()
	check(not errors, "the write stream failed: %s" % errors)
	check(applied == sorted(applied), "never went back: %s" % applied)
	n = caught_up(primary, replica)
	note("20 kills of the replica; it resumed at %s and converged at %d records" % (applied, n))
	same_data(primary, replica, w.subjects)
	replica.stop_clean()
	primary.stop_clean()


@suite.test(timeout=120)
def a_record_that_does_not_replay_stops_following(ctx):
	"""A replica whose lists differ from the primary's cannot make the
	primary's records: it stops at the first one, says which, and serves
	what it has."""
	primary = ctx.fresh_server("primary-bad")
	with primary.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields())
		q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields(name="某" * 80))
	conf = replica_config(primary)
	with open(conf, encoding="utf-8") as f:
		text = f.read()
	with open(conf, "w", encoding="utf-8") as f:
		f.write(text.replace("field = name text required max_len=256",
				     "field = name text required max_len=64", 1))
	replica = ctx.fresh_server("replica-bad", config=conf)
	replica.wait_log(r"replica: following 127.0.0.1:\d+ stopped: record 2: fields: .*name", timeout=30)
	rep = replication(replica)
	eq((rep["following"], rep["applied"]), (False, 1), "stopped after record 1")
	check("record 2" in rep["stopped"], "hello says why: %s" % rep["stopped"])
	with replica.connect(REGULATOR) as r:
		eq(len(r.ok("changes", since=0)["changes"]), 1, "it serves what it has")
	replica.stop_clean()
	primary.stop_clean()


@suite.test(timeout=120)
def a_record_edited_on_the_primary_is_refused(ctx):
	"""A change record edited inside the primary's data file: the replica
	remakes it and finds another hash, applies what came before it and
	stops, naming the record."""
	primary = ctx.fresh_server("primary-edited")
	with primary.connect(QUALITY) as q:
		for g in "ABC":
			q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields(g))
	primary.stop_clean()
	poke = os.path.join(ROOT, "build", "asan" if "build/asan/" in QCREGD else "rel", "tests", "lmdb_poke")
	p = subprocess.run([poke, primary.data, "record", "2"], stdout=subprocess.PIPE,
			   stderr=subprocess.PIPE)
	eq(p.returncode, 0, "lmdb_poke: %s" % p.stderr)
	primary.start()
	replica = start_replica(ctx, primary, "replica-edited")
	replica.wait_log(r"replica: following 127.0.0.1:\d+ stopped: record 2", timeout=30)
	rep = replication(replica)
	eq((rep["following"], rep["applied"]), (False, 1), "stopped after record 1")
	replica.stop_clean()
	primary.stop_clean()


def haproxy_in_front(replicas):
	"""docs/haproxy.cfg on a free port of 127.0.0.1, with these replicas."""
	with open(os.path.join(ROOT, "docs", "haproxy.cfg"), encoding="utf-8") as f:
		lines = f.read().splitlines()
	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		port = probe.getsockname()[1]
	out, servers = [], iter(replicas)
	for l in lines:
		if l.strip().startswith("bind "):
			l = "\tbind 127.0.0.1:%d" % port
		elif l.strip().startswith("server "):
			r = next(servers)
			l = "\tserver %s 127.0.0.1:%d check inter 200ms fall 1" % (r.name, r.port)
		out.append(l)
	conf = os.path.join(mktemp("qcreg-haproxy-"), "haproxy.cfg")
	with open(conf, "w", encoding="utf-8") as f:
		f.write("\n".join(out) + "\n")
	log = conf + ".log"
	with open(log, "wb") as lf:
		p = subprocess.Popen(["haproxy", "-db", "-f", conf], stdout=lf, stderr=subprocess.STDOUT,
				     preexec_fn=harness._pdeathsig)
	# Stopped even when the test is cut short by its time limit.
	atexit.register(lambda: p.poll() is None and p.kill())
	deadline = time.monotonic() + 20
	while True:
		try:
			with Client(port, cn=PLATFORM) as c:
				c.ok("hello")
			return p, port
		except (OSError, TestFailure):
			if p.poll() is not None or time.monotonic() > deadline:
				p.kill()
				with open(log, encoding="utf-8", errors="replace") as f:
					fail("haproxy passed no connection (%s):\n%s\n%s" % (
						p.wait(), "\n".join(out), f.read()))
			time.sleep(0.2)


@suite.test(timeout=180)
def replicas_behind_haproxy(ctx):
	"""The shipped HAProxy config in front of two replicas: reads through it
	see a write made on the primary (min_seq), and go on when one replica
	stops."""
	if shutil.which("haproxy") is None:
		fail("haproxy is not installed (make deps installs it)")
	primary = ctx.fresh_server("primary-ha")
	replicas = [start_replica(ctx, primary, "replica-ha-%d" % i) for i in (1, 2)]
	proxy, port = haproxy_in_front(replicas)
	try:
		with primary.connect(QUALITY) as q:
			subj = new_uscc()
			seq = q.ok("put", list="credit", subject=subj, fields=credit_fields("D"))["seq"]
		for i in range(6):
			with Client(port, cn=PLATFORM) as c:
				eq(c.ok("hello")["replication"]["role"], "replica", "through haproxy: a replica")
				r = c.ok("check", subjects=[subj], min_seq=seq)
				eq(r["results"][0]["verdict"], "listed", "read %d saw the write of seq %d" % (i, seq))
		with Client(port, cn=QUALITY) as c:
			e = c.err("put", "read_only", list="credit", subject=new_uscc(), fields=credit_fields())
			check("127.0.0.1:%d" % primary.port in e["message"], "names the primary: %s" % e["message"])
		replicas[0].stop_clean()
		time.sleep(0.6)  # haproxy's check (200 ms) takes it out
		for i in range(4):
			with Client(port, cn=PLATFORM) as c:
				eq(c.ok("check", subjects=[subj])["results"][0]["verdict"], "listed",
				   "read %d with one replica down" % i)
	finally:
		proxy.terminate()
		proxy.wait(timeout=10)
	replicas[1].stop_clean()
	primary.stop_clean()


@suite.test(timeout=120)
def a_replica_without_the_replica_role_stops(ctx):
	"""Following as a platform (records without payload) or as a principal
	the primary does not know (forbidden) stops at once, saying why."""
	primary = ctx.fresh_server("primary-role")
	with primary.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields())
	with primary.connect(TOURISM) as t:
		t.ok("case_open", list="tourism", subject=new_uscc(), kind="notice", received_on=day(-1),
		     text="拟列入", fields=tourism_fields())
	# A platform receives the notice sealed: it cannot be remade.
	for cn, why, applied in ((PLATFORM, r"record 2: payload: missing", 1),
				 (UNKNOWN, r"changes: forbidden", 0)):
		replica = start_replica(ctx, primary, "replica-as-" + cn,
					replica_cert=os.path.join(CERTS, cn + ".crt"),
					replica_key=os.path.join(CERTS, cn + ".key"))
		replica.wait_log(r"replica: following 127.0.0.1:\d+ stopped: " + why, timeout=30)
		rep = replication(replica)
		eq((rep["following"], rep["applied"]), (False, applied), "as %s: stopped" % cn)
		replica.stop_clean()
	primary.stop_clean()


@suite.test(timeout=60)
def the_replica_principal_reads_only_the_log(ctx):
	s = ctx.server
	with s.connect(REPLICA) as r:
		eq(r.ok("hello")["role"], "replica", "hello as the replica principal")
		r.ok("changes", since=0)
		r.err("check", "forbidden", subjects=[new_uscc()])
		r.err("put", "forbidden", list="credit", subject=new_uscc(), fields=credit_fields())


@suite.test(timeout=60)
def replica_needs_its_certificate(ctx):
	conf = write_config(os.path.join(mktemp("qcreg-replica-conf-"), "bad.conf"),
			    server={"replica_of": "127.0.0.1:1", "replica_cert": None})
	p = subprocess.run([os.path.join(ROOT, QCREGD), "--config", conf, "--check-config"],
			   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
	eq(p.returncode, 1, "a replica without replica_cert does not start")
	check(b"replica_cert" in p.stderr, "says so: %s" % p.stderr)
	p = subprocess.run([os.path.join(ROOT, QCREGD), "--config", CONFIG, "--replica-of", "nohost",
			    "--check-config"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
	eq(p.returncode, 1, "--replica-of without a port")
	check(b"--replica-of: expected HOST:PORT" in p.stderr, "says so: %s" % p.stderr)
