"""The Merkle tree over the change log and signed checkpoints (PROTOCOL.md
4.9): roots, inclusion and consistency proofs checked with an independent
RFC 9162 implementation written here from the RFC, Ed25519 signatures
checked with Python's `cryptography`, and signing keys rotated by SIGHUP."""

import hashlib
import os
import signal

from cryptography.hazmat.primitives.serialization import (Encoding, PublicFormat,
							  load_pem_public_key)

from harness import *

suite = Suite("tree")


def leaf_hash(record_hash_hex):
	return hashlib.sha256(b"\x00" + bytes.fromhex(record_hash_hex)).digest()


def node_hash(left, right):
	return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
	"""RFC 9162 2.1.1: the Merkle tree hash of a list of leaf hashes."""
	if len(leaves) == 1:
		return leaves[0]
	k = 1
	while k * 2 < len(leaves):
		k *= 2
	return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, path, root):
	"""RFC 9162 2.1.3.2."""
	if index >= size:
		return False
	fn, sn, r = index, size - 1, leaf
	for p in path:
		if sn == 0:
			return False
		if fn & 1 or fn == sn:
			r = node_hash(p, r)
			if not fn & 1:
				while fn != 0 and not fn & 1:
					fn >>= 1
					sn >>= 1
		else:
			r = node_hash(r, p)
		fn >>= 1
		sn >>= 1
	return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, proof):
	"""RFC 9162 2.1.4.2."""
	if first == second:
		return not proof and first_root == second_root
	if not proof:
		return False
	if first & (first - 1) == 0:
		proof = [first_root] + proof
	fn, sn = first - 1, second - 1
	while fn & 1:
		fn >>= 1
		sn >>= 1
	fr = sr = proof[0]
	for c in proof[1:]:
		if sn == 0:
			return False
		if fn & 1 or fn == sn:
			fr = node_hash(c, fr)
			sr = node_hash(c, sr)
			if not fn & 1:
				while fn != 0 and not fn & 1:
					fn >>= 1
					sn >>= 1
		else:
			sr = node_hash(sr, c)
		fn >>= 1
		sn >>= 1
	return fr == first_root and sr == second_root and sn == 0


def public_key(name):
	with open(os.path.join(CERTS, name + ".pub"), "rb") as f:
		return load_pem_public_key(f.read())


def raw_hex(key):
	return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def checkpoint_text(cp):
	return ("qcreg-checkpoint-v1\n%s\n%d\n%s\n%d\n%s\n" % (
		cp["origin"], cp["size"], cp["root"], cp["time"], cp["key_id"])).encode()


def verify_checkpoint(cp, key):
	"""The signature over the checkpoint text (raises if it is wrong)."""
	key.verify(bytes.fromhex(cp["signature"]), checkpoint_text(cp))


def leaves_of(reg):
	return [leaf_hash(c["hash"]) for c in verify_chain(reg)[0]]


def write_some(s, n):
	with s.connect(QUALITY) as q:
		for i in range(n):
			q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields("ABCD"[i % 4]))


@suite.test(timeout=120)
def roots_and_proofs_match_rfc9162(ctx):
	s = ctx.fresh_server("tree")
	write_some(s, 13)
	with s.connect(PLATFORM) as p:
		with s.connect(REGULATOR) as reg:
			leaves = leaves_of(reg)
		eq(len(leaves), 13, "records")
		for size in range(1, 14):
			root = mth(leaves[:size])
			for seq in range(1, size + 1):
				r = p.ok("proof", seq=seq, size=size)
				eq((r["seq"], r["size"], r["root"]), (seq, size, root.hex()),
				   "proof of %d in %d" % (seq, size))
				check(verify_inclusion(seq - 1, size, leaves[seq - 1],
						       [bytes.fromhex(h) for h in r["path"]], root),
				      "inclusion of %d in %d does not verify: %s" % (seq, size, r["path"]))
			for frm in range(1, size + 1):
				r = p.ok("consistency", **{"from": frm, "to": size})
				eq(r["root"], root.hex(), "root of %d" % size)
				check(verify_consistency(frm, size, mth(leaves[:frm]), root,
							 [bytes.fromhex(h) for h in r["proof"]]),
				      "consistency %d -> %d does not verify: %s" % (frm, size, r["proof"]))
		# a proof altered by one bit fails
		r = p.ok("proof", seq=5, size=13)
		bad = [bytes.fromhex(h) for h in r["path"]]
		bad[0] = bytes([bad[0][0] ^ 1]) + bad[0][1:]
		check(not verify_inclusion(4, 13, leaves[4], bad, mth(leaves)), "a tampered proof verifies")
		# defaults: the head
		eq(p.ok("proof", seq=13)["size"], 13, "proof size defaults to the head")
		eq(p.ok("consistency", **{"from": 3})["to"], 13, "consistency to defaults to the head")


@suite.test(timeout=60)
def checkpoint_is_signed(ctx):
	s = ctx.server
	write_some(s, 3)
	key = public_key("signing-1")
	for cn in (PLATFORM, REGULATOR, QUALITY, ADMIN, UNKNOWN):
		with s.connect(cn) as c:
			cp = c.ok("checkpoint")
			eq(sorted(cp), ["key_id", "origin", "root", "signature", "size", "time"], "checkpoint keys")
			eq((cp["key_id"], cp["origin"]), ("dev-1", "qcreg development registry"), "key_id, origin")
			verify_checkpoint(cp, key)
			with s.connect(REGULATOR) as reg:
				leaves = leaves_of(reg)
			eq((cp["size"], cp["root"]), (len(leaves), mth(leaves).hex()), "checkpoint root")
	with s.connect(PLATFORM) as p:
		keys = p.ok("hello")["keys"]
	raw = raw_hex(key)
	eq([(k["key_id"], k["public_key"], k["current"]) for k in keys], [("dev-1", raw, True)], "hello keys")
	# a changed byte breaks the signature
	cp = dict(cp, size=cp["size"] + 1)
	try:
		verify_checkpoint(cp, key)
	except Exception:
		pass
	else:
		fail("a checkpoint with another size verifies")


@suite.test(timeout=60)
def bad_tree_requests(ctx):
	s = ctx.server
	write_some(s, 2)
	with s.connect(PLATFORM) as p:
		head = p.ok("checkpoint")["size"]
		p.err("proof", "bad_request", seq=0)
		p.err("proof", "bad_request", seq=head + 1)
		p.err("proof", "bad_request", seq=1, size=head + 1)
		p.err("proof", "bad_request", seq=2, size=1)
		p.err("proof", "bad_request")
		p.err("proof", "bad_request", seq="1")
		p.err("consistency", "bad_request", **{"from": 2, "to": 1})
		p.err("consistency", "bad_request", **{"from": 0})
		p.err("consistency", "bad_request", **{"from": 1, "to": head + 1})
		p.err("checkpoint", "bad_request", size=1)
		p.hello_ok()


@suite.test(timeout=90)
def sighup_switches_keys_and_keeps_old_ones(ctx):
	tmp = mktemp()
	conf = os.path.join(tmp, "q.conf")
	write_config(conf)
	s = ctx.fresh_server("keys", config=conf)
	write_some(s, 2)
	with s.connect(PLATFORM) as p:
		old = p.ok("checkpoint")
	# a new key under the old key_id is refused: the running key stays
	write_config(conf, server={"signing_key": os.path.join(CERTS, "signing-2.key")})
	mark = s.log_mark()
	s.proc.send_signal(signal.SIGHUP)
	s.wait_log(r"reload: key_id dev-1 was used before for another key; a new key needs a new key_id; "
		   r"keeping the running configuration", since=mark)
	with s.connect(PLATFORM) as p:
		eq(p.ok("checkpoint")["key_id"], "dev-1", "key after the refused reload")
	# a new key with a new key_id
	write_config(conf, server={"signing_key": os.path.join(CERTS, "signing-2.key"), "signing_key_id": "dev-2"})
	mark = s.log_mark()
	s.proc.send_signal(signal.SIGHUP)
	s.wait_log(r"reload: certificates, CRL, principals, calendar and signing key reloaded$", since=mark)
	write_some(s, 1)
	with s.connect(PLATFORM) as p:
		cp = p.ok("checkpoint")
		keys = {k["key_id"]: k for k in p.ok("hello")["keys"]}
	eq(cp["key_id"], "dev-2", "signing key after the reload")
	verify_checkpoint(cp, public_key("signing-2"))
	verify_checkpoint(old, public_key("signing-1"))
	eq(sorted(keys), ["dev-1", "dev-2"], "both keys listed")
	eq((keys["dev-1"]["current"], keys["dev-2"]["current"]), (False, True), "current key")
	eq(keys["dev-1"]["public_key"], raw_hex(public_key("signing-1")), "old public key")
	# and they survive a restart with the new config
	s.restart()
	with s.connect(PLATFORM) as p:
		eq(sorted(k["key_id"] for k in p.ok("hello")["keys"]), ["dev-1", "dev-2"], "keys after restart")


def _escaped(subject):
	out = bytearray()
	for b in subject.encode():
		out += b"%%%02X" % b if b < 0x20 or b == 0x7f or b == ord("%") else bytes([b])
	return out.decode()


def check_text(sig, results):
	"""The canonical text of a signed check (PROTOCOL.md, check), rebuilt
	from the answer alone."""
	lines = ["qcreg-check-v1", sig["origin"], str(sig["time"]), str(sig["size"]), sig["root"],
		 sig["key_id"], str(len(results))]
	for r in results:
		if "error" in r:
			lines.append("%s\tinvalid_subject\t\t" % _escaped(r["subject"]))
			continue
		hits = ",".join(h["list"] + (":" + h["grade"] if "grade" in h else "") +
				(("@" + h["until"]) if "until" in h else "") +
				("!%d" % h["disputed"] if "disputed" in h else "") for h in r["hits"])
		e = r.get("escalation")
		esc = "%s>%s/%d/%s/%s" % (e["list"], e["to"], e["count"], e["first"], e["last"]) if e else ""
		lines.append("%s\t%s\t%s\t%s" % (r["subject"], r["verdict"], hits, esc))
	return ("\n".join(lines) + "\n").encode()


@suite.test(timeout=60)
def signed_check_verifies(ctx):
	s = ctx.server
	listed, watched, clean = new_uscc(), new_guide(), new_uscc()
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=listed, fields=credit_fields("D"))
	with s.connect(TOURISM) as t:
		t.ok("put", list="tourism", subject=listed, fields=tourism_fields())
		obj = t.ok("case_open", list="tourism", subject=listed, kind="objection", received_on=day(0),
			   text="异议")["case"]
		for d in (-100, -10):
			t.ok("put", list="tourism-watch", subject=watched, fields=watch_fields(listed_on=day(d)))
	key = public_key("signing-1")
	for cn in (PLATFORM, REGULATOR):
		with s.connect(cn) as c:
			r = c.ok("check", subjects=[listed, watched, clean, "bad\tsub%ject"], signed=True)
			sig = r["signed"]
			eq(sorted(sig), ["key_id", "origin", "root", "signature", "size", "time"], "signed keys")
			text = check_text(sig, r["results"])
			key.verify(bytes.fromhex(sig["signature"]), text)
			eq(r["results"][0]["hits"][1]["disputed"], obj, "the dispute is in the signed answer")
			check(("escalation" in r["results"][1]) == (cn == REGULATOR), "escalation as %s" % cn)
			# the size and root are a real tree of the log
			cp = c.ok("consistency", **{"from": sig["size"]})
			with s.connect(REGULATOR) as reg:
				leaves = leaves_of(reg)
			eq(sig["root"], mth(leaves[:sig["size"]]).hex(), "signed root")
			# any change of the answer breaks the signature
			forged = [dict(x) for x in r["results"]]
			forged[0]["verdict"] = "clear"
			try:
				key.verify(bytes.fromhex(sig["signature"]), check_text(sig, forged))
			except Exception:
				pass
			else:
				fail("a changed verdict still verifies")
			check(cp["to"] >= sig["size"], "consistency from the signed size")
	with s.connect(PLATFORM) as p:
		check("signed" not in p.ok("check", subjects=[clean], signed=False), "signed: false")
		check("signed" not in p.ok("check", subjects=[clean]), "unsigned by default")
		p.err("check", "bad_request", subjects=[clean], signed="yes")
