"""Tamper at rest (DESIGN 13): a change record or a Merkle node edited inside
the data files, through the LMDB API (tests/tools/lmdb_poke.c), is caught
by a restarted qcregd, which then refuses writes with the reason and keeps
serving reads."""

import json
import os
import subprocess

from harness import *

suite = Suite("tamper")

# The tool of the build the server under test comes from (rel or asan).
POKE = os.path.join(ROOT, "build", "asan" if "build/asan/" in QCREGD else "rel", "tests", "lmdb_poke")


def poke(s, *args):
	p = subprocess.run([POKE, s.data] + [str(a) for a in args], stdout=subprocess.PIPE,
			   stderr=subprocess.PIPE)
	eq(p.returncode, 0, "lmdb_poke %s: %s" % (args, p.stderr.decode()))


def loaded_server(ctx, name):
	s = ctx.fresh_server(name)
	with s.connect(QUALITY) as q:
		for i in range(10):
			q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields("ABCD"[i % 4]))
	s.wait_log(r"the stored log verifies: 0 change records")
	s.stop_clean()
	return s


def refused_after(s, pattern, mark):
	s.wait_log(r"TAMPER: " + pattern + r".*; writes stopped, reads go on", since=mark, timeout=30)
	with s.connect(QUALITY) as q:
		e = q.err("put", "read_only", list="credit", subject=new_uscc(), fields=credit_fields())
		check("changed outside qcregd" in e["message"], "the reason: %s" % e["message"])
		check(pattern.split(" ")[0] in e["message"], "the reason names it: %s" % e["message"])
	with s.connect(PLATFORM) as p:
		eq(p.ok("checkpoint")["size"], 10, "reads go on")


@suite.test(timeout=90)
def edited_record_is_caught(ctx):
	s = loaded_server(ctx, "tamper-record")
	poke(s, "record", 4)
	mark = s.log_mark()
	s.start()
	refused_after(s, r"change record 4 does not match its hash", mark)
	# A reader holding only the public key finds the same break.
	for cn in (PLATFORM, REGULATOR):
		rc, out, err = qcreg(s, ["--json", "verify", "--pubkey", os.path.join(CERTS, "signing-1.pub")], cn=cn)
		eq(rc, 1, "qcreg verify as %s exits 1 (%s %s)" % (cn, out, err))
		res = json.loads(out)
		eq((res["ok"], res["seq"]), (False, 4), "qcreg verify as %s names seq 4: %s" % (cn, res))
	s.stop_clean()


@suite.test(timeout=90)
def edited_tree_node_is_caught(ctx):
	s = loaded_server(ctx, "tamper-node")
	poke(s, "node", 2, 1)
	mark = s.log_mark()
	s.start()
	refused_after(s, r"the Merkle tree node of level 2 index 1 does not match", mark)
	s.stop_clean()


@suite.test(timeout=90)
def untouched_log_verifies(ctx):
	s = loaded_server(ctx, "tamper-none")
	mark = s.log_mark()
	s.start()
	s.wait_log(r"the stored log verifies: 10 change records and their Merkle tree", since=mark)
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields())
	s.stop_clean()
