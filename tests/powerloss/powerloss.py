#!/usr/bin/python3
"""Power-loss test (DESIGN.md section 15): a write is acknowledged only
when it would survive a power cut, not only a kill -9.

1. A fresh registry (qcregd started once on an empty directory and
   stopped) is copied; qcregd runs on the copy with the recorder
   (recorder.so, LD_PRELOAD), which logs every open, write, sync,
   ftruncate, rename, close and shared mmap of the files in the data
   directory, with a sequence number and the CLOCK_MONOTONIC time at
   which the call returned. Four connections (two quality-bureau on
   `credit`, tourism-bureau, commerce-bureau) pipeline puts and removes,
   as the kill -9 loop does (tests/crash/crash_loop.py: its plan, its
   stream and its verifier are used here), and each acknowledgement is
   stamped with the same clock when the client has read it. qcregd is
   stopped cleanly.
2. Replay: every recorded write, applied in order to the initial files,
   must give the final data files byte for byte: nothing escaped the
   recorder. lock.mdb is not data: LMDB writes it through a shared mmap
   (the reader table) and rebuilds it when the first process opens the
   environment; it is left out of the replay, and every crash state
   carries the stale lock.mdb of the recorded run, as a power cut leaves
   it.
3. Crash states. A crash point is a place in the log: everything up to
   record K has returned, record K+1 has not. The disk then holds, per
   data file: every write followed (up to K) by an fsync or fdatasync of
   that file, whole; every write through an O_DSYNC or O_SYNC descriptor
   (LMDB's meta page: a sync of its own range when the call returns);
   and of the writes since the last sync, a random subset in a random
   order, each torn at 512-byte sector boundaries (a sector is written
   whole or not at all, each sector of a larger write independently; a
   write within one sector is all or nothing). A sector holds what the
   page cache held after one of the writes to it: an older write never
   lands over a newer synced one. Crash points: the end of the log, the
   commits around each growth of the map (the config's 1 MiB map grows
   during the load), right after a sync (fdatasync, or an O_DSYNC
   write), right before one (the most writes in flight) and random
   records.
   An acknowledgement read by the client before record K+1 returned must
   be durable at K: the server sent it after the commit's last sync had
   returned, and the recorder stamped that sync (under the same lock that
   orders the records) before the server could go on, so the sync is
   record K or earlier. So every write whose acknowledgement was read
   before the time of record K+1 must be there.
   A fresh qcregd (no recorder) opens each state: it must start, and the
   kill -9 loop's verifier must pass: the change log gap-free and every
   hash recomputed and chained, every acknowledged write stored with its
   version and seq, the stored writes of each connection a prefix of
   those sent, current entries, check and stats consistent.
4. The negative control (--control): the recorder turns fsync, fdatasync
   and msync into no-ops and takes O_DSYNC/O_SYNC off the opens (MDB_NOSYNC
   as far as the disk knows). The same test must then fail; the control
   passes when it does. It tries every state and counts the failures.
   --control nometasync only takes O_DSYNC off (MDB_NOMETASYNC: the meta
   page of the last commit is not synced when it is acknowledged); that
   must fail too.

Usage: powerloss.py [--states N] [--seconds S] [--seed S]
                    [--control [nosync|nometasync]] [--cap N] [--spread S]
                    [--keep] [--verbose]
       powerloss.py --from RUNDIR --point K --state-seed S   (one state again)
A failure keeps its run directory and prints the --from line that builds
and checks the same state again (the load itself is not repeatable: its
timing decides the batches).
Environment: QCREGD (default bin/qcregd; a release build: LD_PRELOAD does
not mix with ASan), QCREG_RECORDER (default build/rel/tests/powerloss/
recorder.so).
Prints "PASS powerloss: ..." or "FAIL powerloss: ..." (with --control,
the control run's result, then "PASS powerloss_control: ..." or "FAIL
powerloss_control: ..."), exits 0 or 1.
"""

import argparse
import bisect
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "crash"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import harness  # noqa: E402
import crash_loop  # noqa: E402
from crash_loop import SLOTS, Acks, Model, plan, stream, verify  # noqa: E402
from harness import REGULATOR, Server, TestFailure, check, fail  # noqa: E402

SECTOR = 512
LOCK_FILE = "lock.mdb"
RECORDER = os.environ.get("QCREG_RECORDER", "build/rel/tests/powerloss/recorder.so")

# The recorder's log (recorder.c: struct pl_rec, enum pl_type).
HDR = struct.Struct("<IIHHiQQqqqii")
MAGIC = 0x31504c51
(T_START, T_OPEN, T_WRITE, T_FSYNC, T_FDATASYNC, T_MSYNC, T_FTRUNCATE, T_RENAME, T_CLOSE,
 T_MMAP, T_UNSUPPORTED, T_END) = range(1, 13)
TYPE_NAME = {T_START: "start", T_OPEN: "open", T_WRITE: "write", T_FSYNC: "fsync",
	     T_FDATASYNC: "fdatasync", T_MSYNC: "msync", T_FTRUNCATE: "ftruncate",
	     T_RENAME: "rename", T_CLOSE: "close", T_MMAP: "mmap", T_UNSUPPORTED: "unsupported",
	     T_END: "end"}
CALL_NAME = ["-", "open", "openat", "creat", "write", "pwrite", "pwrite64", "writev", "pwritev",
	     "pwritev2", "fsync", "fdatasync", "msync", "ftruncate", "rename", "renameat",
	     "renameat2", "close", "mmap", "fopen"]
DROPPED = 1
O_TRUNC = os.O_TRUNC
O_SYNCS = os.O_DSYNC | os.O_SYNC
MAP_SHARED = 0x01
PROT_WRITE = 0x2


def log(msg):
	print("# powerloss: " + msg, flush=True)


def now_ns():
	return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


class Timed(list):
	"""A stream's answers, each stamped (CLOCK_MONOTONIC, ns) when the
	client had read it: crash_loop.stream appends every answer it reads."""

	def __init__(self):
		super().__init__()
		self.at = []

	def append(self, x):
		self.at.append(now_ns())
		super().append(x)


# ---------------------------------------------------------------- the log

class Rec:
	__slots__ = ("i", "seq", "ns", "type", "call", "fd", "off", "len", "ret", "flags", "aux",
		     "data", "path", "dsync", "asked_dsync")

	def describe(self):
		d = "record %d (seq %d, %s" % (self.i, self.seq, CALL_NAME[self.call] if
					      0 < self.call < len(CALL_NAME) else "")
		if self.call == 0:
			d += TYPE_NAME.get(self.type, "?")
		if self.path:
			d += " %s" % os.path.basename(self.path)
		if self.type == T_WRITE:
			d += " %d bytes at %d%s" % (self.ret, self.off, ", O_DSYNC" if self.dsync else "")
		if self.flags & DROPPED and self.type in (T_FSYNC, T_FDATASYNC, T_MSYNC):
			d += ", dropped"
		return d + ")"


def read_log(path):
	"""The records of the recorder's log, checked whole (START first, END
	last, sequence numbers 1..n, times in order); each write and sync
	carries the path of its descriptor."""
	with open(path, "rb") as f:
		buf = f.read()
	recs = []
	pos = 0
	fds = {}        # fd -> (path, effective flags, asked flags)
	while pos < len(buf):
		check(pos + HDR.size <= len(buf), "recorder log: a header cut short at byte %d" % pos)
		(magic, size, typ, call, fd, seq, ns, off, ln, ret, flags, aux) = HDR.unpack_from(buf, pos)
		check(magic == MAGIC and size >= HDR.size and pos + size <= len(buf),
		      "recorder log: bad record at byte %d" % pos)
		r = Rec()
		r.i = len(recs)
		r.seq, r.ns, r.type, r.call, r.fd = seq, ns, typ, call, fd
		r.off, r.len, r.ret, r.flags, r.aux = off, ln, ret, flags, aux
		payload = memoryview(buf)[pos + HDR.size:pos + size]
		r.data = None
		r.path = None
		r.dsync = r.asked_dsync = False
		if typ in (T_START, T_OPEN, T_RENAME, T_UNSUPPORTED):
			r.data = [bytes(p).decode("utf-8", "replace") for p in bytes(payload).split(b"\0")[:-1]]
		if typ == T_OPEN:
			r.path = r.data[0]
			fds[fd] = (r.path, flags, aux)
		elif typ in (T_WRITE, T_FSYNC, T_FDATASYNC, T_FTRUNCATE, T_CLOSE, T_MMAP):
			check(fd in fds, "recorder log: %s on descriptor %d that was never opened" % (
				TYPE_NAME.get(typ), fd))
			r.path, eff, asked = fds[fd]
			r.dsync = bool(eff & O_SYNCS)
			r.asked_dsync = bool(asked & O_SYNCS)
			if typ == T_WRITE:
				check(ret < 0 or len(payload) == ret, "recorder log: write of %d bytes carries %d" % (
					ret, len(payload)))
				r.data = payload
			if typ == T_CLOSE:
				del fds[fd]
		check(seq == len(recs) + 1, "recorder log: sequence %d where %d was due" % (seq, len(recs) + 1))
		check(not recs or ns >= recs[-1].ns, "recorder log: time goes back at seq %d" % seq)
		recs.append(r)
		pos += size
	check(recs and recs[0].type == T_START, "recorder log: no start record")
	check(recs[-1].type == T_END, "recorder log: no end record (the server did not exit cleanly, "
	      "or the log was cut short)")
	return recs


def data_file(path, data_dir):
	"""The name of a data file of the directory (None: not one, or lock.mdb)."""
	if path is None or os.path.dirname(path) != data_dir:
		return None
	name = os.path.basename(path)
	return None if name == LOCK_FILE else name


# ---------------------------------------------------------------- replay

def put(img, off, data):
	end = off + len(data)
	if len(img) < off:
		img.extend(bytes(off - len(img)))
	img[off:end] = data


def replay_all(recs, initial, data_dir):
	"""Every recorded change applied in order to the initial files."""
	files = {k: bytearray(v) for k, v in initial.items()}
	for r in recs:
		if r.type == T_OPEN:
			name = data_file(r.path, data_dir)
			if name is None:
				continue
			if name not in files:
				files[name] = bytearray()
			if r.flags & O_TRUNC:
				files[name] = bytearray()
		elif r.type == T_WRITE and r.ret > 0:
			name = data_file(r.path, data_dir)
			if name is not None:
				put(files.setdefault(name, bytearray()), r.off, r.data)
		elif r.type == T_FTRUNCATE and r.ret == 0:
			name = data_file(r.path, data_dir)
			if name is not None:
				f = files.setdefault(name, bytearray())
				if r.off < len(f):
					del f[r.off:]
				else:
					f.extend(bytes(r.off - len(f)))
		elif r.type == T_RENAME and r.ret == 0:
			a, b = (data_file(p, data_dir) for p in r.data[:2])
			if a is not None and a in files:
				img = files.pop(a)
				if b is not None:
					files[b] = img
	return files


def read_files(d):
	out = {}
	for name in sorted(os.listdir(d)):
		if name != LOCK_FILE and os.path.isfile(os.path.join(d, name)):
			with open(os.path.join(d, name), "rb") as f:
				out[name] = f.read()
	return out


# ---------------------------------------------------------------- crash states

class FileLog:
	"""One data file's writes and syncs, by record index."""

	def __init__(self, name):
		self.name = name
		self.writes = []        # Rec, in order
		self.widx = []
		self.syncs = []         # record index of each completed fsync/fdatasync


class DiskModel:
	"""The log as the disk model sees it."""

	def __init__(self, recs, initial, data_dir):
		self.recs = recs
		self.initial = initial
		self.files = {}
		self.sync_points = []   # records after which something became durable
		self.notes = []
		unmodelled = []
		for r in recs:
			name = data_file(r.path, data_dir)
			if r.type == T_UNSUPPORTED:
				fail("the recorder saw something it does not record: %s (%s)" % (
					r.data[0], r.data[1] if len(r.data) > 1 else ""))
			if r.type == T_MMAP and name is not None and r.aux & PROT_WRITE and r.flags & MAP_SHARED:
				fail("%s is mapped writable and shared: its writes would escape the recorder" % name)
			if r.type == T_RENAME:
				if any(data_file(p, data_dir) for p in r.data[:2]):
					unmodelled.append(r)
				continue
			if name is None:
				continue
			fl = self.files.setdefault(name, FileLog(name))
			if r.type == T_WRITE and r.ret > 0:
				fl.writes.append(r)
				fl.widx.append(r.i)
				if r.dsync or r.asked_dsync:
					self.sync_points.append(r.i)
			elif r.type in (T_FSYNC, T_FDATASYNC):
				if not r.flags & DROPPED and r.ret == 0:
					fl.syncs.append(r.i)
				self.sync_points.append(r.i)
			elif r.type == T_FTRUNCATE or (r.type == T_OPEN and r.flags & O_TRUNC and r.i > 0):
				unmodelled.append(r)
			elif r.type == T_MSYNC:
				self.notes.append("msync is not taken for a sync: %s" % r.describe())
		if unmodelled:
			fail("the disk model has no place for %s" % unmodelled[0].describe())
		self.sync_points.sort()

	def required_before(self, k):
		"""Acknowledgements read before this time must be durable at crash point k."""
		return self.recs[k + 1].ns if k + 1 < len(self.recs) else float("inf")

	def build(self, name, k, rng, p, q, st):
		"""The file as the disk holds it at crash point k (records 0..k)."""
		fl = self.files.get(name)
		img = bytearray(self.initial.get(name, b""))
		if fl is None:
			return img
		synced = fl.syncs[bisect.bisect_right(fl.syncs, k) - 1] if fl.syncs and fl.syncs[0] <= k else -1
		j = bisect.bisect_left(fl.widx, synced) if synced >= 0 else 0
		for w in fl.writes[:j]:
			put(img, w.off, w.data)
		tail = fl.writes[j:bisect.bisect_right(fl.widx, k)]
		if not tail:
			return img
		# the page cache after each write of the tail, sector by sector
		cache = bytearray(img)
		snaps = []
		for w in tail:
			put(cache, w.off, w.data)
			first, last = w.off // SECTOR, (w.off + len(w.data) - 1) // SECTOR
			snaps.append([(s, bytes(cache[s * SECTOR:(s + 1) * SECTOR])) for s in range(first, last + 1)])
		newest = {}     # sector -> index in tail of its newest durable write
		for i, w in enumerate(tail):
			if w.dsync:
				for s, b in snaps[i]:
					put(img, s * SECTOR, b)
					newest[s] = i
		pending = [i for i, w in enumerate(tail) if not w.dsync]
		chosen = [i for i in pending if rng.random() < p]
		rng.shuffle(chosen)
		st["pending"] += len(pending)
		st["applied"] += len(chosen)
		for i in chosen:
			whole = len(snaps[i]) == 1
			torn = False
			for s, b in snaps[i]:
				if newest.get(s, -1) > i:
					continue
				if whole or rng.random() < q:
					put(img, s * SECTOR, b)
				else:
					torn = True
			st["torn"] += torn
		return img

	def state(self, k, seed, into, lock_src):
		"""Writes crash point k's files (state seed) into the directory into."""
		rng = random.Random(seed)
		p = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0])
		q = rng.choice([0.5, 0.9, 1.0])
		st = {"pending": 0, "applied": 0, "torn": 0, "p": p, "q": q}
		if os.path.exists(into):
			shutil.rmtree(into)
		os.makedirs(into)
		for name in sorted(set(self.initial) | set(self.files)):
			img = self.build(name, k, rng, p, q, st)
			with open(os.path.join(into, name), "wb") as f:
				f.write(img)
		if lock_src is not None:
			shutil.copyfile(lock_src, os.path.join(into, LOCK_FILE))
		return st


def crash_points(model, n_states, rng):
	"""[(kind, k)]: the end of the log first, the commits around each
	growth of the map, then after a sync, before a sync and random
	records in turn, each kind without repeats."""
	n = len(model.recs)
	syncs = list(model.sync_points)
	after = syncs[:]
	before = [k - 1 for k in syncs]
	rng.shuffle(after)
	rng.shuffle(before)
	out = [("end", n - 1)]
	# the commits around each growth of the map (a new mmap of data.mdb)
	maps = [r.i for r in model.recs if r.type == T_MMAP and r.path and
		os.path.basename(r.path) != LOCK_FILE][1:]
	for m in maps:
		j = bisect.bisect_left(syncs, m)
		for k in syncs[max(0, j - 2):j + 4]:
			out += [p for p in (("map-grown", k), ("map-grown", k - 1)) if p not in out]
	out = out[:max(1, n_states // 4)]
	seen = set(out)
	kinds = ["after-sync", "before-sync", "random"]
	t = 0
	while len(out) < n_states and t < 20 * n_states + 100:
		kind = kinds[t % 3]
		t += 1
		if kind == "after-sync" and after:
			k = after.pop()
		elif kind == "before-sync" and before:
			k = before.pop()
		else:
			kind, k = "random", rng.randrange(-1, n - 1)
		if (kind, k) in seen:
			continue
		seen.add((kind, k))
		out.append((kind, k))
	return out


# ---------------------------------------------------------------- checking a state

def required_rounds(plans, answers, times, before):
	"""crash_loop's rounds with, per connection, the answers read before `before`."""
	out = []
	for k in range(len(SLOTS)):
		n = bisect.bisect_left(times[k], before)
		out.append((k, plans[k], list(answers[k][:n])))
	return out


def first_lost(s, rounds, times):
	"""The first acknowledged write (by acknowledgement time) not stored
	with the version and seq it was acknowledged with, or None."""
	acked = []
	for k, reqs, ans in rounds:
		for n, (m, a) in enumerate(zip(reqs, ans)):
			if a.get("ok"):
				acked.append((times[k][n], k, m, a["result"]))
	acked.sort(key=lambda x: x[0])
	if not acked:
		return None
	with s.connect(REGULATOR) as reg:
		msgs = [{"op": "history", "subject": m["subject"], "list": m["list"]} for _, _, m, _ in acked]
		hist = crash_loop.pipelined(reg, msgs)
	for (t, k, m, res), h in zip(acked, hist):
		vs = h["result"]["versions"] if h.get("ok") else []
		if not any(v["version"] == res["version"] and v["seq"] == res["seq"] for v in vs):
			return "%s %s/%s version %d (seq %d, token %s, connection %d as %s) acknowledged at " \
			       "%d ns: %s" % (m["op"], m["list"], m["subject"], res["version"], res["seq"],
					      m["token"], k, SLOTS[k][0], t,
					      "the entry is gone" if not vs else
					      "stored versions %s" % [(v["version"], v["seq"]) for v in vs])
	return None


def check_state(srv, model, kind, k, seed, run, plans, answers, times, totals):
	"""Builds the state, starts a fresh qcregd on it and verifies it.
	Returns (None, None), or how it failed (a key of FAILED) and why."""
	st = model.state(k, seed, srv.data, run["lock"])
	before = model.required_before(k)
	rounds = required_rounds(plans, answers, times, before)
	n_req = sum(len(a) for _, _, a in rounds)
	where = "%s point %d of %d (%s), state seed %d, %d pending writes, %d applied (p=%.2f, q=%.2f)" % (
		kind, k, len(model.recs) - 1, model.recs[k].describe() if k >= 0 else "before any record",
		seed, st["pending"], st["applied"], st["p"], st["q"])
	try:
		start(srv, timeout=30)
	except TestFailure as e:
		if srv.alive():
			srv.kill9()
		return "no start", "the state does not open: %s\n  at %s" % (str(e).splitlines()[0], where)
	stats = {"acked": 0, "unacked_stored": 0, "unacked_absent": 0, "stored": 0}
	try:
		verify(srv, Model(), rounds, random.Random(seed), stats)
	except Exception as e:
		why = "%s: %s" % (type(e).__name__, e) if not isinstance(e, TestFailure) else str(e)
		lost = None
		if srv.alive():
			try:
				lost = first_lost(srv, rounds, times)
			except Exception as e2:
				lost = "(could not look: %s)" % e2
		else:
			why += " (the server died)\n" + srv.log_tail(10)
		srv.kill9()
		msg = ("acknowledged write lost: %s\n  " % lost if lost else "") + why.splitlines()[0]
		return "lost" if lost else "verify", "%s\n  at %s%s" % (
			msg, where, "\n" + "\n".join(why.splitlines()[1:]) if len(why.splitlines()) > 1 else "")
	try:
		srv.stop_clean()
	except TestFailure as e:
		return "stop", "%s\n  at %s" % (e, where)
	totals["checked"] += n_req
	totals["stored"] += stats["stored"]
	totals["kinds"][kind] = totals["kinds"].get(kind, 0) + 1
	totals["pending"] += st["pending"]
	totals["applied"] += st["applied"]
	totals["torn"] += st["torn"]
	return None, None


# ---------------------------------------------------------------- the recorded run

def start(srv, timeout=60):
	"""Starts qcregd and waits for its "listening" line, which it logs
	once SIGTERM is handled: the port file comes before that, and a
	SIGTERM in between kills it (exit -15, not 0)."""
	mark = srv.log_mark()
	srv.start(timeout=timeout)
	srv.wait_log(r"listening on", since=mark, timeout=timeout)


def config_file(d):
	"""The development config with two workers and a 1 MiB map, so that
	the load also grows the map (MDB_MAP_FULL: abort, grow, replay)."""
	return harness.write_config(os.path.join(d, "qcregd.conf"), server={"workers": "2",
									  "map_size_mb": "1"})


def record(args, run_dir):
	"""Pristine directory, the recorded load, the clean stop; returns what
	the states need and saves it in run_dir (for --from)."""
	conf = config_file(run_dir)
	pristine = os.path.join(run_dir, "pristine")
	s0 = Server("pl-init", data=pristine, config=conf)
	start(s0)
	s0.stop_clean()
	data = os.path.join(run_dir, "data")
	shutil.copytree(pristine, data)
	data = os.path.realpath(data)
	shim = RECORDER if os.path.isabs(RECORDER) else os.path.join(harness.ROOT, RECORDER)
	check(os.path.exists(shim), "no recorder %s (make %s)" % (shim, RECORDER))
	logf = os.path.join(run_dir, "recorder.log")
	srv = Server("pl-rec", data=data, config=conf)
	srv.env = dict(os.environ, LD_PRELOAD=shim, QCREG_PL_DIR=data, QCREG_PL_LOG=logf,
		       QCREG_PL_NOSYNC=CONTROLS[args.control][0] if args.control else "0")
	start(srv)
	rng = random.Random(args.seed)
	model = Model()
	plans = [plan(model, k, 0, rng, args.cap) for k in range(len(SLOTS))]
	clients = [srv.connect(SLOTS[k][0]) for k in range(len(SLOTS))]
	answers = [Timed() for _ in SLOTS]
	total = sum(len(p) for p in plans)
	acks = Acks(total)
	stop = threading.Event()
	progress = [0] * len(SLOTS)
	t0 = time.monotonic()
	ths = [threading.Thread(target=stream, args=(clients[k], plans[k], answers[k], stop, args.spread,
						     acks, progress, k), daemon=True)
	       for k in range(len(SLOTS))]
	for t in ths:
		t.start()
	acks.reached.wait(120)
	stop.set()
	for t in ths:
		t.join(30)
		check(not t.is_alive(), "a load thread is stuck")
	for c in clients:
		c.close()
	load_secs = time.monotonic() - t0
	got = sum(len(a) for a in answers)
	check(got == total, "the load: %d of %d writes answered\n%s" % (got, total, srv.log_tail(10)))
	for k in range(len(SLOTS)):
		for m, a in zip(plans[k], answers[k]):
			check("exception" not in a, "connection %d: %s" % (k, a.get("exception")))
			check(a.get("ok"), "connection %d: write %s refused: %s" % (k, m["token"], a.get("error")))
	srv.stop_clean()
	grown = srv.log_count(r"LMDB map grown")
	lock = os.path.join(run_dir, "lock.final")
	shutil.copyfile(os.path.join(data, LOCK_FILE), lock)
	run = {"data": data, "pristine": pristine, "log": logf, "lock": lock, "conf": conf,
	       "plans": plans, "answers": [list(a) for a in answers], "times": [a.at for a in answers],
	       "control": args.control, "load_secs": load_secs, "grown": grown}
	with open(os.path.join(run_dir, "run.json"), "w", encoding="utf-8") as f:
		json.dump(run, f, ensure_ascii=False)
	return run


def analyse(run):
	"""The log read and replayed: (records, model, replay figures)."""
	recs = read_log(run["log"])
	mode = run["control"] or "sync"
	check(recs[0].data[1] == mode, "the recorder ran in mode %s, not %s" % (recs[0].data[1], mode))
	initial = read_files(run["pristine"])
	final = read_files(run["data"])
	replayed = replay_all(recs, initial, run["data"])
	check(sorted(replayed) == sorted(final), "replay: files %s, the directory holds %s" % (
		sorted(replayed), sorted(final)))
	for name in final:
		a, b = replayed[name], final[name]
		if a != b:
			diff = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
			fail("replay: %s differs from the file qcregd left at byte %d (replayed %d bytes, file %d): "
			     "a write escaped the recorder" % (name, diff, len(a), len(b)))
	model = DiskModel(recs, initial, run["data"])
	writes = [r for r in recs if r.type == T_WRITE and data_file(r.path, run["data"])]
	fig = {
		"records": len(recs),
		"writes": len(writes),
		"bytes": sum(r.ret for r in writes),
		"dsync": sum(1 for r in writes if r.asked_dsync),
		"syncs": sum(1 for r in recs if r.type in (T_FSYNC, T_FDATASYNC) and data_file(r.path, run["data"])),
		"dropped": sum(1 for r in recs if r.type in (T_FSYNC, T_FDATASYNC, T_MSYNC) and r.flags & DROPPED),
		"calls": {},
		"files": {n: len(b) for n, b in final.items()},
	}
	for r in recs:
		if r.type in (T_WRITE, T_FSYNC, T_FDATASYNC, T_MSYNC, T_FTRUNCATE, T_RENAME, T_OPEN, T_CLOSE, T_MMAP):
			name = CALL_NAME[r.call] if r.call < len(CALL_NAME) else str(r.call)
			fig["calls"][name] = fig["calls"].get(name, 0) + 1
	n_dsync = sum(1 for r in writes if r.dsync)
	if run["control"]:
		check((fig["dropped"] > 0) == (run["control"] == "nosync") and n_dsync == 0 and fig["dsync"] > 0,
		      "the control was not in effect: %d syncs dropped, %d of %d O_DSYNC writes kept their "
		      "O_DSYNC" % (fig["dropped"], n_dsync, fig["dsync"]))
	else:
		check(fig["dropped"] == 0 and n_dsync == fig["dsync"], "syncs dropped outside the control")
	return recs, model, fig


def run_states(args, run, model, t_start):
	"""Tries the states; returns (totals, None, None) or (totals, the first
	failure, (its point, its seed)). The control goes on after a failure
	and counts the failed states by kind in totals["failed"]."""
	srv = Server("pl-state", data=os.path.join(os.path.dirname(run["log"]), "state"), config=run["conf"])
	rng = random.Random(args.seed ^ 0x5eed)
	points = crash_points(model, args.states, rng)
	totals = {"tried": 0, "checked": 0, "stored": 0, "kinds": {}, "pending": 0, "applied": 0, "torn": 0,
		  "failed": {}, "failed_kinds": {}}
	times = run["times"]
	first = None
	for n, (kind, k) in enumerate(points):
		if args.seconds and time.monotonic() - t_start > args.seconds and n > 0:
			log("time limit: %d of %d states tried" % (n, len(points)))
			break
		seed = rng.randrange(1 << 31)
		totals["tried"] += 1
		how, why = check_state(srv, model, kind, k, seed, run, run["plans"], run["answers"], times, totals)
		if why is not None:
			totals["failed"][how] = totals["failed"].get(how, 0) + 1
			totals["failed_kinds"][kind] = totals["failed_kinds"].get(kind, 0) + 1
			if first is None:
				first = ("state %d of %d: %s" % (n + 1, len(points), why), (k, seed))
			if not args.control:
				break
		if args.verbose or (n + 1) % 50 == 0:
			log("%d states, %d acknowledged writes checked, %.0f s" % (
				n + 1, totals["checked"], time.monotonic() - t_start))
	if first is None:
		return totals, None, None
	return totals, first[0], first[1]


# --control: QCREG_PL_NOSYNC for the recorder, and what it does.
CONTROLS = {"nosync": ("1", "fsync/fdatasync/msync dropped and O_DSYNC stripped (MDB_NOSYNC)"),
	    "nometasync": ("meta", "O_DSYNC stripped from the meta page's descriptor (MDB_NOMETASYNC)")}

FAILED = {"lost": "lost acknowledged writes", "no start": "did not open",
	  "verify": "failed the verifier otherwise", "stop": "did not stop cleanly"}


def summary(fig, run):
	calls = ", ".join("%s %d" % kv for kv in sorted(fig["calls"].items()))
	return ("load: %d writes acknowledged in %.1f s, the map grown %d times; recorder: %d records (%s); "
		"data.mdb: %d writes, "
		"%d bytes, %d fdatasync/fsync%s, %d O_DSYNC meta writes%s; replay reproduces %s byte for byte "
		"(lock.mdb left out: a shared mmap, rebuilt at open)" % (
			sum(len(a) for a in run["answers"]), run["load_secs"], run.get("grown", 0), fig["records"],
			calls,
			fig["writes"], fig["bytes"], fig["syncs"],
			" (all dropped)" if fig["dropped"] else "", fig["dsync"],
			" (O_DSYNC stripped)" if run["control"] else "",
			", ".join("%s (%d bytes)" % kv for kv in sorted(fig["files"].items()))))


# What the recorder's self-test does under LD_PRELOAD: the calls LMDB does
# not make (write at the file position, O_APPEND and RWF_APPEND, pwritev,
# ftruncate, O_TRUNC, rename, fsync) as well as those it makes.
SELFTEST = r"""
import os, sys
d = sys.argv[1]
fd = os.open(d + "/a", os.O_RDWR | os.O_CREAT, 0o600)
os.write(fd, b"x" * 1000)
os.pwrite(fd, b"y" * 700, 300)
os.lseek(fd, 5000, os.SEEK_SET)
os.writev(fd, [b"ab" * 300, b"cd" * 10])
os.pwritev(fd, [b"1" * 10, b"2" * 20], 100)
os.ftruncate(fd, 4000)
os.write(fd, b"after the truncation, at the file position")
os.fdatasync(fd)
os.fsync(fd)
os.close(fd)
fd = os.open(d + "/b", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
os.write(fd, b"hello ")
os.pwrite(fd, b"world", 0)
os.close(fd)
fd = os.open(d + "/g", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
os.write(fd, b"hello ")
os.pwrite(fd, b"world", 0)
os.pwritev(fd, [b"!"], 0, os.RWF_APPEND)
os.close(fd)
fd = os.open(d + "/h", os.O_WRONLY | os.O_CREAT, 0o600)
os.write(fd, b"abc")
os.pwritev(fd, [b"def", b"ghi"], 0, os.RWF_APPEND)
os.close(fd)
fd = os.open(d + "/b", os.O_WRONLY | os.O_TRUNC)
os.write(fd, b"new")
os.close(fd)
os.rename(d + "/b", d + "/c")
fd = os.open(d + "/e", os.O_WRONLY | os.O_CREAT | os.O_DSYNC, 0o600)
os.write(fd, b"z" * 600)
os.close(fd)
with open(d + "/f", "wb") as f:
	f.write(b"python io " * 100)
"""


def selftest(run_dir, control):
	"""The recorder on a small program that makes every call it covers:
	the replay must give its files byte for byte, the O_DSYNC open must
	be seen (or stripped, in the control) and the syncs kept (or dropped)."""
	d = os.path.join(run_dir, "selftest")
	os.makedirs(d)
	d = os.path.realpath(d)
	logf = os.path.join(run_dir, "selftest.log")
	shim = RECORDER if os.path.isabs(RECORDER) else os.path.join(harness.ROOT, RECORDER)
	check(os.path.exists(shim), "no recorder %s (make %s)" % (shim, RECORDER))
	env = dict(os.environ, LD_PRELOAD=shim, QCREG_PL_DIR=d, QCREG_PL_LOG=logf,
		   QCREG_PL_NOSYNC=CONTROLS[control][0] if control else "0")
	p = subprocess.run(["/usr/bin/python3", "-c", SELFTEST, d], env=env, capture_output=True, timeout=60)
	check(p.returncode == 0, "recorder self-test: exit %d: %s" % (p.returncode, p.stderr.decode()[-500:]))
	recs = read_log(logf)
	replayed = replay_all(recs, {}, d)
	files = read_files(d)
	check(replayed == {k: bytearray(v) for k, v in files.items()},
	      "recorder self-test: the replay gives %s, the directory holds %s" % (
		      {k: len(v) for k, v in replayed.items()}, {k: len(v) for k, v in files.items()}))
	calls = {CALL_NAME[r.call] for r in recs if 0 < r.call < len(CALL_NAME)}
	want = [{"open"}, {"write"}, {"pwrite", "pwrite64"}, {"writev"}, {"pwritev", "pwritev2"},
		{"ftruncate"}, {"fsync"}, {"fdatasync"}, {"rename", "renameat"}, {"close"}]
	check(all(calls & w for w in want), "recorder self-test: calls seen %s" % sorted(calls))
	dsync = [r for r in recs if r.type == T_WRITE and r.asked_dsync]
	syncs = [r for r in recs if r.type in (T_FSYNC, T_FDATASYNC)]
	check(len(dsync) == 1 and dsync[0].dsync == (control is None) and len(syncs) == 2 and
	      all(bool(r.flags & DROPPED) == (control == "nosync") for r in syncs),
	      "recorder self-test: O_DSYNC writes %s, syncs %s" % (
		      [r.describe() for r in dsync], [r.describe() for r in syncs]))
	return "%d records, %d files replayed byte for byte" % (len(recs), len(files))


def pin_binary(run_dir):
	"""Every server of a run is the same qcregd: a copy, which a rebuild
	during the run does not touch."""
	exe = harness.QCREGD if os.path.isabs(harness.QCREGD) else os.path.join(harness.ROOT, harness.QCREGD)
	check(os.access(exe, os.X_OK), "no server binary %s" % exe)
	pinned = os.path.join(run_dir, "qcregd")
	if not os.path.exists(pinned):
		shutil.copy2(exe, pinned)
	harness.QCREGD = pinned


def one(args, name):
	"""One whole run: record, replay, states. Returns (ok, line, detail)."""
	t0 = time.monotonic()
	run_dir = tempfile.mkdtemp(prefix="qcreg-powerloss-")
	keep = args.keep
	try:
		pin_binary(run_dir)
		log("recorder self-test: " + selftest(run_dir, args.control))
		run = record(args, run_dir)
		recs, model, fig = analyse(run)
		log(summary(fig, run))
		for note in sorted(set(model.notes))[:5]:
			log(note)
		totals, why, at = run_states(args, run, model, t0)
		secs = time.monotonic() - t0
		kinds = ", ".join("%d %s" % (v, k) for k, v in sorted(totals["kinds"].items()))
		if why is None:
			return True, ("PASS %s: %d states tried (%s), %d acknowledged writes checked, 0 lost; "
				      "%d writes in flight at the crash points, %d of them on the disk, %d torn; "
				      "%.0f s (seed %d)" % (
					      name, totals["tried"], kinds, totals["checked"], totals["pending"],
					      totals["applied"], totals["torn"], secs, args.seed)), ""
		keep = keep or not args.control
		again = "tests/powerloss/powerloss.py --from %s --point %d --state-seed %d" % (
			run_dir, at[0], at[1])
		lines = why.splitlines()
		if args.control:
			lines[0] = "%d of %d states failed (%s; by crash point: %s); the first: %s" % (
				sum(totals["failed"].values()), totals["tried"],
				", ".join("%d %s" % (v, FAILED[k]) for k, v in sorted(totals["failed"].items())),
				", ".join("%d %s" % (v, k) for k, v in sorted(totals["failed_kinds"].items())),
				lines[0])
		return False, "FAIL %s: %s (seed %d)" % (name, lines[0], args.seed), \
			"\n".join(["  " + l.strip() for l in lines[1:]] +
				  ["  %d states tried, %.0f s" % (totals["tried"], secs),
				   "  again: %s%s" % (again, "" if keep else " (with --keep)")])
	except (TestFailure, harness.TestTimeout, Exception) as e:
		keep = True
		detail = "\n".join("  " + l for l in str(e).splitlines()[1:])
		if not isinstance(e, TestFailure):
			detail += "\n" + traceback.format_exc(limit=8)
		for srv in list(harness._LIVE):
			detail += "\n" + srv.log_tail(15)
			srv.kill9()
		return None, "FAIL %s: %s (seed %d; run kept in %s)" % (
			name, str(e).splitlines()[0] if str(e) else type(e).__name__, args.seed, run_dir), detail
	finally:
		if not keep:
			shutil.rmtree(run_dir, ignore_errors=True)


def again(args):
	"""--from: one state of a kept run, checked again."""
	with open(os.path.join(args.run_from, "run.json"), encoding="utf-8") as f:
		run = json.load(f)
	pin_binary(args.run_from)
	recs, model, fig = analyse(run)
	srv = Server("pl-again", data=os.path.join(args.run_from, "state.again"), config=run["conf"])
	totals = {"tried": 1, "checked": 0, "stored": 0, "kinds": {}, "pending": 0, "applied": 0, "torn": 0}
	_, why = check_state(srv, model, "given", args.point, args.state_seed, run, run["plans"],
			     run["answers"], run["times"], totals)
	if why is None:
		print("PASS powerloss: the state holds its %d acknowledged writes" % totals["checked"], flush=True)
		return 0
	lines = why.splitlines()
	print("FAIL powerloss: " + lines[0], flush=True)
	for l in lines[1:]:
		print("  " + l.strip(), flush=True)
	return 1


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	ap.add_argument("--states", type=int, default=200)
	ap.add_argument("--seconds", type=float, default=0, help="stop trying states after this long")
	ap.add_argument("--seed", type=int, default=None)
	ap.add_argument("--cap", type=int, default=300, help="writes per connection")
	ap.add_argument("--spread", type=float, default=1.0,
			help="seconds over which a connection releases its writes")
	ap.add_argument("--control", nargs="?", const="nosync", choices=sorted(CONTROLS),
			help="a negative control, which must fail: nosync (the default: fsync, "
			"fdatasync and msync dropped, O_DSYNC stripped) or nometasync (only O_DSYNC "
			"stripped)")
	ap.add_argument("--keep", action="store_true", help="keep the run directory")
	ap.add_argument("--verbose", action="store_true")
	ap.add_argument("--timeout", type=int, default=None, help="seconds for everything")
	ap.add_argument("--from", dest="run_from", help="a kept run directory (with --point, --state-seed)")
	ap.add_argument("--point", type=int)
	ap.add_argument("--state-seed", type=int)
	args = ap.parse_args()
	if args.seed is None:
		args.seed = random.SystemRandom().randrange(1 << 30)
	os.chdir(harness.ROOT)
	signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
	timeout = args.timeout or int(120 + (args.seconds or 3 * args.states) * 1.5)

	def on_alarm(*a):
		raise harness.TestTimeout("powerloss timed out after %ss" % timeout)
	signal.signal(signal.SIGALRM, on_alarm)
	signal.alarm(timeout)
	if args.run_from:
		return again(args)
	name = "powerloss"
	print("# powerloss: qcregd %s, recorder %s, %s, %d states, seed %d" % (
		harness.QCREGD, RECORDER, "CONTROL: " + CONTROLS[args.control][1] if args.control else
		"real syncs", args.states, args.seed), flush=True)
	ok, line, detail = one(args, name)
	signal.alarm(0)
	if not args.control:
		print(line, flush=True)
		if detail:
			print(detail, flush=True)
		return 0 if ok else 1
	# the control: the inner result, then whether it failed as it must
	print("# control run: " + line, flush=True)
	if detail:
		print("\n".join("#" + l for l in detail.splitlines()), flush=True)
	cname = "powerloss_control" + ("" if args.control == "nosync" else "_" + args.control)
	if ok is False:
		print("PASS %s: with %s the test finds the loss: %s" % (
			cname, CONTROLS[args.control][1], line.split(": ", 1)[1]), flush=True)
		return 0
	if ok is True:
		print("FAIL %s: with %s nothing was lost: the test cannot see a missing sync" % (
			cname, CONTROLS[args.control][1]), flush=True)
	else:
		print("FAIL %s: the control run broke before any state was tried: %s" % (
			cname, line.split(": ", 1)[1]), flush=True)
	return 1


if __name__ == "__main__":
	sys.exit(main())
