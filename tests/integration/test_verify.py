"""qcreg verify (PROTOCOL.md 4.4, 4.7, 4.9): the command line checks the
signed checkpoint, the hash chain and the Merkle root of the whole log as
each role sees it (sealed records and withdrawn entries included), every
entry version served against the record that wrote it, and a saved
checkpoint's consistency with the new one. Failures are provoked by a
wrong key, a tampered checkpoint file, and a man in the middle that edits
the registry's answers on their way to the command line."""

import json
import os
import select
import socket
import ssl
import struct
import threading

from cryptography.hazmat.primitives.serialization import (Encoding, PublicFormat,
							  load_pem_private_key, load_pem_public_key)

from harness import *

suite = Suite("verify")

PUB1 = os.path.join(CERTS, "signing-1.pub")
PUB2 = os.path.join(CERTS, "signing-2.pub")
SERVER_CERT = (os.path.join(CERTS, "server.crt"), os.path.join(CERTS, "server.key"))


def raw_public_key(path):
	with open(path, "rb") as f:
		return load_pem_public_key(f.read()).public_bytes(Encoding.Raw, PublicFormat.Raw)


def populate(s):
	"""Writes of every kind: entries on two lists, a notice withdrawn and
	one listed, an objection corrected, a repair approved (its entry
	withdrawn). Returns the subjects."""
	x, y, z, g = new_uscc(), new_uscc(), new_site(), new_guide()
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=x, fields=credit_fields("B"))
		q.ok("put", list="credit", subject=x, fields=credit_fields("C"))
	with s.connect(TOURISM) as t:
		cid = t.ok("case_open", list="tourism", subject=x, kind="notice", received_on=day(-1),
			   text="拟列入", fields=tourism_fields())["case"]
		t.ok("case_close", case=cid, outcome="withdrawn", reason="不予列入")
		t.ok("put", list="tourism", subject=y, fields=tourism_fields(listed_on=day(-500)))
		rep = t.ok("case_open", list="tourism", subject=y, kind="repair", received_on=day(-1),
			   text="申请信用修复")["case"]
		t.ok("case_close", case=rep, outcome="approved", reason="准予修复")
		cid = t.ok("case_open", list="tourism", subject=g, kind="notice", received_on=day(-1),
			   text="拟列入", fields=tourism_fields(category="unlicensed_guide"))["case"]
		t.ok("case_close", case=cid, outcome="listed", reason="未陈述申辩")
		t.ok("put", list="tourism", subject=z, fields=tourism_fields())
		obj = t.ok("case_open", list="tourism", subject=z, kind="objection", received_on=day(-1),
			   text="当事人提出异议")["case"]
		t.ok("case_close", case=obj, outcome="corrected", reason="部分更正",
		     fields=tourism_fields(reason="更正后的事由"))
	return x, y, z, g


def seal_the_head(s):
	"""A notice opened: the last record is sealed for platforms."""
	with s.connect(TOURISM) as t:
		t.ok("case_open", list="tourism", subject=new_uscc(), kind="notice", received_on=day(-1),
		     text="拟列入", fields=tourism_fields())


def verify(s, cn, *args, server=None):
	"""qcreg --json verify --pubkey signing-1 ARGS as cn: (status, result, stderr)."""
	rc, out, err = qcreg(server or s, ["--json", "verify", "--pubkey", PUB1] + list(args), cn=cn)
	try:
		res = json.loads(out) if out.strip() else None
	except ValueError:
		fail("verify as %s printed no JSON: %r (stderr %r)" % (cn, out, err))
	return rc, res, err


def verify_ok(s, cn, *args):
	rc, res, err = verify(s, cn, *args)
	eq((rc, res and res.get("ok")), (0, True), "verify as %s (%s, %s)" % (cn, res, err))
	return res


def verify_fails(s, cn, want, *args, server=None):
	"""Exit 1, with a failure that contains want."""
	rc, res, err = verify(s, cn, *args, server=server)
	eq(rc, 1, "verify exit status as %s (%s, stderr %r)" % (cn, res, err))
	check(res is not None and res["ok"] is False and want in res["failure"],
	      "verify as %s: want a failure with %r, got %s" % (cn, want, res))
	return res


def versions_served(s, cn, changes):
	"""The versions verify compares as cn: history of every subject with a
	version on a list cn reads the history of, get of the others."""
	writable = {REGULATOR: LISTS}.get(cn, OWN.get(cn, []))
	hist, get = set(), set()
	for c in changes:
		if "version" in c and "payload" in c:
			(hist if c["list"] in writable else get).add(c["subject"])
	seqs = set()
	with s.connect(cn) as conn:
		for subj in hist:
			seqs |= {v["seq"] for v in conn.ok("history", subject=subj)["versions"]}
		for subj in get:
			r = conn.request("get", subject=subj)
			if r["ok"]:
				seqs |= {e["seq"] for e in r["result"]["entries"]}
	return len(seqs)


def changes_of(s, cn):
	out, since = [], 0
	with s.connect(cn) as c:
		while True:
			page = c.ok("changes", since=since, limit=MAX_LIMIT)["changes"]
			if not page:
				return out
			out += page
			since = page[-1]["seq"]


# ---------------------------------------------------------------- a man in the middle

class Tamper:
	"""A TLS proxy between the command line and qcregd (connecting as cn):
	each answer to a request of op passes through edit(result, request),
	which returns True when it changed it. One connection, one thread."""

	def __init__(self, s, cn, op, edit):
		self.s, self.cn, self.op, self.edit = s, cn, op, edit
		self.edited = 0
		self.error = None
		self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		self.lsock.bind(("127.0.0.1", 0))
		self.lsock.listen(1)
		self.port = self.lsock.getsockname()[1]
		self.thread = threading.Thread(target=self._run, daemon=True)
		self.thread.start()

	def _run(self):
		try:
			ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
			ctx.load_cert_chain(*SERVER_CERT)
			self.lsock.settimeout(60)
			raw, _ = self.lsock.accept()
			with ctx.wrap_socket(raw, server_side=True) as down, self.s.connect(self.cn, timeout=60) as up:
				self._relay(down, up)
		except Exception as e:
			self.error = "%s: %s" % (type(e).__name__, e)
		finally:
			self.lsock.close()

	@staticmethod
	def _frames(buf):
		while len(buf) >= 4:
			(n,) = struct.unpack(">I", buf[:4])
			if len(buf) < 4 + n:
				return
			body = bytes(buf[4:4 + n])
			del buf[:4 + n]
			yield body

	@staticmethod
	def _send(sock, data):
		sock.settimeout(60)
		sock.sendall(data)
		sock.settimeout(0)

	def _relay(self, down, up):
		"""Reads without blocking: a readable socket may hold only TLS
		records that carry no data (session tickets)."""
		asked = {}
		bufs = {down: bytearray(), up.sock: bytearray()}
		for sock in bufs:
			sock.settimeout(0)
		while True:
			ready = [x for x in bufs if x.pending()]
			if not ready:
				ready, _, _ = select.select(list(bufs), [], [], 60)
				check(ready, "proxy idle for 60 s")
			for sock in ready:
				try:
					data = sock.recv(65536)
				except ssl.SSLWantReadError:
					continue
				if not data:
					return
				bufs[sock] += data
				for body in self._frames(bufs[sock]):
					if sock is down:
						req = msgpack.unpackb(body, raw=False)
						asked[req["id"]] = req
						self._send(up.sock, frame(body))
					else:
						self._send(down, frame(self._answer(body, asked)))

	def _answer(self, body, asked):
		ans = msgpack.unpackb(body, raw=False)
		req = asked.pop(ans.get("id"), {})
		if ans.get("ok") and req.get("op") == self.op and self.edit(ans["result"], req):
			self.edited += 1
			return pack(ans)
		return body

	def done(self):
		self.thread.join(30)
		check(self.error is None, "proxy: %s" % self.error)
		check(self.edited > 0, "the proxy edited no %s answer" % self.op)


def tampered(s, cn, op, edit, want, *args):
	"""verify through a proxy that edits op's answers must fail with want."""
	proxy = Tamper(s, cn, op, edit)
	server = type("Proxy", (), {"port": proxy.port})
	res = verify_fails(s, cn, want, *args, server=server)
	proxy.done()
	return res


def once(fn):
	"""An edit applied to the first answer it changes, and no later one."""
	state = {"done": False}

	def edit(result, req):
		if state["done"]:
			return False
		state["done"] = bool(fn(result, req))
		return state["done"]
	return edit


# ---------------------------------------------------------------- tests

@suite.test(timeout=120)
def every_role_verifies(ctx):
	s = ctx.fresh_server("verify")
	populate(s)
	with s.connect(REGULATOR) as reg:
		cp = reg.ok("checkpoint")
		full, _ = verify_chain(reg)
	eq(cp["size"], len(full), "checkpoint size")
	for cn in (REGULATOR, TOURISM, QUALITY, PLATFORM):
		res = verify_ok(s, cn)
		seen = changes_of(s, cn)
		want = {"origin": cp["origin"], "size": cp["size"], "root": cp["root"], "key_id": "dev-1",
			"records": cp["size"], "since": None, "saved": None,
			"sealed": sum(c["op"] == "sealed" for c in seen),
			"without_payload": sum(c["op"] != "sealed" and "payload" not in c for c in seen),
			"versions": versions_served(s, cn, seen)}
		eq({k: res[k] for k in want}, want, "verify as %s" % cn)
	# the platform's view holds sealed records and withdrawn ones
	res = verify_ok(s, PLATFORM)
	check(res["sealed"] >= 2 and res["without_payload"] >= 2, "platform view: %s" % res)
	# the regulator compares every version the log holds
	eq(verify_ok(s, REGULATOR)["versions"], sum("version" in c for c in full), "regulator versions")
	# the text form
	rc, out, err = qcreg(s, ["verify", "--pubkey", PUB1], cn=PLATFORM)
	eq(rc, 0, "text verify exit (%s)" % err)
	for line in ("verified   qcreg development registry", "records    %d (" % cp["size"],
		     "size       %d" % cp["size"], "root       %s" % cp["root"], "key_id     dev-1 ("):
		check(line in out, "text verify lacks %r:\n%s" % (line, out))


@suite.test(timeout=120)
def save_then_since(ctx):
	s = ctx.server
	populate(s)
	tmp = mktemp()
	first, second = os.path.join(tmp, "cp1.json"), os.path.join(tmp, "cp2.json")
	res = verify_ok(s, PLATFORM, "--save", first)
	eq(res["saved"], first, "saved")
	with open(first) as f:
		saved = json.load(f)
	eq(sorted(saved), ["key_id", "origin", "root", "signature", "size", "time"], "saved keys")
	eq((saved["size"], saved["root"]), (res["size"], res["root"]), "saved checkpoint")
	# the same size again: a prefix of itself
	eq(verify_ok(s, PLATFORM, "--since", first)["since"], saved["size"], "since, nothing new")
	populate(s)
	seal_the_head(s)
	for cn in (PLATFORM, REGULATOR, TOURISM):
		res = verify_ok(s, cn, "--since", first, "--save", second)
		eq(res["since"], saved["size"], "since as %s" % cn)
		check(res["size"] > saved["size"], "the log grew")
	rc, out, err = qcreg(s, ["verify", "--pubkey", PUB1, "--since", first], cn=PLATFORM)
	eq(rc, 0, "text verify --since (%s)" % err)
	check("since      %d records, a prefix of the log" % saved["size"] in out, out)
	# a file of the same registry but older still verifies after more writes
	populate(s)
	verify_ok(s, REGULATOR, "--since", second)
	verify_ok(s, QUALITY, "--since", first)


@suite.test(timeout=60)
def wrong_key_fails(ctx):
	s = ctx.server
	populate(s)
	rc, out, err = qcreg(s, ["verify", "--pubkey", PUB2], cn=PLATFORM)
	eq(rc, 1, "exit status with signing-2.pub (%s)" % err)
	eq(out, "verification failed: the checkpoint is signed by key_id dev-1, whose public key is not "
		"the one in %s\n" % PUB2, "the failure")
	rc, out, err = qcreg(s, ["--json", "verify", "--pubkey", PUB2], cn=REGULATOR)
	eq((rc, json.loads(out)["ok"], json.loads(out)["seq"]), (1, False, None), "JSON failure")


@suite.test(timeout=60)
def tampered_checkpoint_file_fails(ctx):
	s = ctx.server
	populate(s)
	tmp = mktemp()
	path = os.path.join(tmp, "cp.json")
	verify_ok(s, PLATFORM, "--save", path)
	with open(path) as f:
		good = json.load(f)
	populate(s)

	def write(cp):
		with open(path, "w") as f:
			json.dump(cp, f)
	root = good["root"]
	bad_root = root[:10] + ("0" if root[10] != "0" else "1") + root[11:]
	cases = [
		(dict(good, root=bad_root), "the saved checkpoint: the signature of key_id dev-1 does not verify"),
		(dict(good, size=good["size"] - 1), "the saved checkpoint: the signature"),
		(dict(good, time=good["time"] + 1), "the saved checkpoint: the signature"),
		(dict(good, key_id="dev-9"), "the saved checkpoint is signed by key_id dev-9, which is not one of"),
		(dict(good, origin="another registry"), "the saved checkpoint is of \"another registry\""),
		({k: v for k, v in good.items() if k not in ("key_id", "signature")},
		 "the saved checkpoint is not signed"),
	]
	for cp, want in cases:
		write(cp)
		verify_fails(s, PLATFORM, want, "--since", path)
	# not a checkpoint at all: a usage error
	for text in ("{", json.dumps(dict(good, root="xyz")), json.dumps(dict(good, size=-1)), "[]"):
		with open(path, "w") as f:
			f.write(text)
		rc, out, err = qcreg(s, ["verify", "--pubkey", PUB1, "--since", path], cn=PLATFORM)
		eq(rc, 2, "exit status for a broken checkpoint file %r (%s)" % (text, err))
		check(err.startswith("qcreg: usage: --since %s: " % path), "stderr: %r" % err)
	write(good)
	verify_ok(s, PLATFORM, "--since", path)


@suite.test(timeout=60)
def usage_errors(ctx):
	s = ctx.server
	tmp = mktemp()
	for args, want in (
			(["verify"], "qcreg: usage: verify needs --pubkey"),
			(["verify", "--pubkey", os.path.join(tmp, "none.pub")], "No such file"),
			(["verify", "--pubkey", CA], "not a PEM public key"),
			(["verify", "--pubkey", PUB1, "--limit", "3"], "--limit does not apply to verify"),
			(["verify", "--pubkey", PUB1, "extra"], "qcreg: usage: verify --pubkey FILE"),
			(["verify", "--pubkey", PUB1, "--since", os.path.join(tmp, "none.json")], "--since"),
			(["verify", "--pubkey", PUB1, "--save", os.path.join(tmp, "no", "dir.json")], "--save"),
			(["changes", "--since", "x"], "--since: not a sequence number: x")):
		rc, out, err = qcreg(s, args, cn=PLATFORM)
		eq(rc, 2, "exit status of %s (%s)" % (args, err))
		check(want in err, "stderr of %s: %r" % (args, err))
	rsa = os.path.join(tmp, "rsa.pub")
	with open(CA.replace(".crt", ".key"), "rb") as f:
		key = load_pem_private_key(f.read(), None)
	with open(rsa, "wb") as f:
		f.write(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
	rc, out, err = qcreg(s, ["verify", "--pubkey", rsa], cn=PLATFORM)
	eq(rc, 2, "a public key that is not Ed25519 (%s)" % err)
	check("not an Ed25519 public key" in err, err)
	# --since keeps its meaning for changes
	rc, out, err = qcreg(s, ["--json", "changes", "--since", "1", "--limit", "1"], cn=PLATFORM)
	eq(rc, 0, "changes --since (%s)" % err)


def record(seq, fn):
	"""An edit of change record seq by fn(record)."""
	def edit(result, req):
		for c in result["changes"]:
			if c["seq"] == seq:
				fn(c)
				return True
		return False
	return edit


def first_seq(s, cn, pred):
	"""The seq of the first record cn sees for which pred holds."""
	for c in changes_of(s, cn):
		if pred(c):
			return c["seq"]
	fail("no such record for %s" % cn)


@suite.test(timeout=180)
def tampered_records_fail(ctx):
	s = ctx.server
	populate(s)

	def flip_payload(c):
		c["payload"] = c["payload"][:-1] + bytes([c["payload"][-1] ^ 1])
	tampered(s, REGULATOR, "changes", once(record(1, flip_payload)),
		 "change 1: payload does not match its payload_hash")
	n = first_seq(s, PLATFORM, lambda c: c["op"] != "sealed" and c["seq"] > 1)
	tampered(s, PLATFORM, "changes", once(record(n, lambda c: c.__setitem__("at", c["at"] + 1))),
		 "change %d: hash does not match its content" % n)
	n = first_seq(s, QUALITY, lambda c: "prev" in c and c["seq"] > 1)
	tampered(s, QUALITY, "changes", once(record(n, lambda c: c.__setitem__("prev", "0" * 64))),
		 "change %d: prev is not the hash of the record before" % n)
	tampered(s, REGULATOR, "changes", once(record(4, lambda c: c.__setitem__("seq", 5))),
		 "change 4: the log has record 5 in its place")
	tampered(s, PLATFORM, "changes", once(lambda r, q: r.__setitem__("changes", []) or True),
		 "the log ends after 0 records, the checkpoint has")
	# a sealed record's hash is taken as given: when it is the last one,
	# only the root shows the change
	seal_the_head(s)
	with s.connect(PLATFORM) as p:
		size = p.ok("checkpoint")["size"]
	tampered(s, PLATFORM, "changes", once(record(size, lambda c: c.__setitem__("hash", "0" * 64))),
		 "root of %d records does not match the checkpoint" % size)


@suite.test(timeout=120)
def tampered_checkpoints_fail(ctx):
	s = ctx.server
	populate(s)
	tampered(s, PLATFORM, "checkpoint", once(lambda r, q: r.__setitem__("size", r["size"] + 1) or True),
		 "the checkpoint: the signature of key_id dev-1 does not verify")
	tampered(s, PLATFORM, "checkpoint", once(lambda r, q: r.pop("signature") and r.pop("key_id")),
		 "the checkpoint is not signed")
	tampered(s, PLATFORM, "hello", once(lambda r, q: r["keys"][0].__setitem__(
		"public_key", raw_public_key(PUB2).hex()) or True),
		 "whose public key is not the one in")
	# a consistency proof that does not hold
	path = os.path.join(mktemp(), "cp.json")
	verify_ok(s, PLATFORM, "--save", path)
	with open(path) as f:
		old = json.load(f)["size"]
	populate(s)

	def proof_flip(r, q):
		r["proof"][0] = ("0" if r["proof"][0][0] != "0" else "1") + r["proof"][0][1:]
		return True
	res = tampered(s, PLATFORM, "consistency", once(proof_flip),
		       "the consistency proof from %d to " % old, "--since", path)
	eq(res["seq"], None, "no record named")
	verify_ok(s, PLATFORM, "--since", path)


@suite.test(timeout=180)
def tampered_versions_fail(ctx):
	s = ctx.server
	x, y, z, g = populate(s)

	def edit_of(subject, fn):
		def edit(r, q):
			if q["subject"] != subject:
				return False
			fn(r)
			return True
		return edit
	tampered(s, REGULATOR, "history", once(edit_of(x, lambda r: r["versions"][0]["fields"].__setitem__(
		"name", r["versions"][0]["fields"]["name"] + "·"))),
		 "history of %s: credit version 1 differs from the change in fields" % x)
	tampered(s, TOURISM, "history", once(edit_of(z, lambda r: r["versions"].pop())),
		 "history of %s does not serve tourism version 2" % z)
	tampered(s, REGULATOR, "history", once(edit_of(y, lambda r: r["versions"][-1].__setitem__(
		"status", "listed"))), "differs from the change in status")
	tampered(s, PLATFORM, "get", once(edit_of(g, lambda r: r["entries"][0].__setitem__(
		"at", r["entries"][0]["at"] + 1))),
		 "get of %s: tourism version 1 differs from the change in at" % g)
	sealed = first_seq(s, PLATFORM, lambda c: c["op"] == "sealed")
	tampered(s, PLATFORM, "get", once(edit_of(g, lambda r: r["entries"][0].__setitem__("seq", sealed))),
		 "change %d: get of %s serves a version this change did not write" % (sealed, g))
