#!/usr/bin/python3
"""Power-loss test: a write is acknowledged only
when it would survive a power cut, not only a kill -9.

1. A fresh registry (qcregd started once on an empty directory and
   stopped) is copied; qcregd runs on the copy with the recorder
   (recorder.so, LD_PRELOAD), which logs every open, write, sync,
   ftruncate, rename, close, shared mmap, mkdir, unlink and rmdir of the
   files in the data directory (an fsync of the directory too), with a
   sequence number and the CLOCK_MONOTONIC time at which the call
   returned. Four connections (two quality-bureau on
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
   carries the stale lock.mdb of the recorded run (in each of its
   directories where one had been opened by then), as a power cut leaves
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
   lands over a newer synced one. The names (a file made by an open,
   renamed, unlinked; mkdir, rmdir) are followed too, the data of a file
   with it whatever its name: the directory operations are committed in
   order, as a journal does; one is on the disk once its directory (that
   of either name of a rename) has been fsynced after it, and so is every
   one before it; of the later ones a random prefix is (a rename not yet
   committed leaves the old name or the new; a file made and synced but
   its directory not is not there: ext4 and xfs would keep it, POSIX
   does not promise it; --file-sync-names takes the file's sync for
   its name's). Crash points: the end of the log, the
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
4. --fresh: the recorded qcregd starts on an empty data directory, so
   the log begins with the making of data.mdb (made in DATA/.new, synced,
   renamed into DATA, DATA fsynced: server/db/store.c, store_create), then
   the load as usual. Up to two thirds of the states are in the creation:
   every crash point from before the first record to the first commit
   after data.mdb has its name, then again those that leave a choice. A
   state may hold no data file, a DATA/.new with a partial data.mdb, or a
   whole data.mdb; qcregd must start on each (make the file again when
   DATA/data.mdb is not there), and the verifier pass as above. Against a
   qcregd that makes data.mdb in place it finds states that do not open.
5. The negative control (--control): the recorder turns fsync, fdatasync
   and msync into no-ops and takes O_DSYNC/O_SYNC off the opens (MDB_NOSYNC
   as far as the disk knows). The same test must then fail; the control
   passes when it does. It tries every state and counts the failures.
   --control nometasync only takes O_DSYNC off (MDB_NOMETASYNC: the meta
   page of the last commit is not synced when it is acknowledged); that
   must fail too.

Usage: powerloss.py [--states N] [--seconds S] [--seed S]
                    [--fresh | --control [nosync|nometasync]] [--count]
                    [--file-sync-names] [--cap N] [--spread S] [--keep]
                    [--verbose]
       powerloss.py --from RUNDIR --point K --state-seed S   (one state again)
A failure keeps its run directory and prints the --from line that builds
and checks the same state again (the load itself is not repeatable: its
timing decides the batches).
Environment: QCREGD (default bin/qcregd; a release build: LD_PRELOAD does
not mix with ASan), QCREG_RECORDER (default build/rel/tests/powerloss/
recorder.so).
--count goes on after a failure and counts the failed states.
Prints "PASS powerloss: ..." or "FAIL powerloss: ..." ("powerloss_fresh"
with --fresh; with --control,
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
 T_MMAP, T_UNSUPPORTED, T_END, T_MKDIR, T_UNLINK, T_RMDIR) = range(1, 16)
TYPE_NAME = {T_START: "start", T_OPEN: "open", T_WRITE: "write", T_FSYNC: "fsync",
	     T_FDATASYNC: "fdatasync", T_MSYNC: "msync", T_FTRUNCATE: "ftruncate",
	     T_RENAME: "rename", T_CLOSE: "close", T_MMAP: "mmap", T_UNSUPPORTED: "unsupported",
	     T_END: "end", T_MKDIR: "mkdir", T_UNLINK: "unlink", T_RMDIR: "rmdir"}
CALL_NAME = ["-", "open", "openat", "creat", "write", "pwrite", "pwrite64", "writev", "pwritev",
	     "pwritev2", "fsync", "fdatasync", "msync", "ftruncate", "rename", "renameat",
	     "renameat2", "close", "mmap", "fopen", "mkdir", "mkdirat", "unlink", "unlinkat", "rmdir"]
DROPPED = 1
O_TRUNC = os.O_TRUNC
O_DIRECTORY = os.O_DIRECTORY
DATA_FILE = "data.mdb"
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
		     "data", "path", "dsync", "asked_dsync", "ino", "dir")

	def describe(self):
		d = "record %d (seq %d, %s" % (self.i, self.seq, CALL_NAME[self.call] if
					      0 < self.call < len(CALL_NAME) else "")
		if self.call == 0:
			d += TYPE_NAME.get(self.type, "?")
		if self.path:
			d += " %s" % short(self.path)
		if self.type in (T_RENAME, T_MKDIR, T_UNLINK, T_RMDIR):
			d += " " + " -> ".join(short(p) for p in self.data if p)
		if self.type == T_WRITE:
			d += " %d bytes at %d%s" % (self.ret, self.off, ", O_DSYNC" if self.dsync else "")
		if self.flags & DROPPED and self.type in (T_FSYNC, T_FDATASYNC, T_MSYNC):
			d += ", dropped"
		return d + ")"


def short(path):
	"""A path in a message: its last two parts."""
	return "/".join(path.split("/")[-2:])


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
		r.ino = r.dir = None
		if typ in (T_START, T_OPEN, T_RENAME, T_UNSUPPORTED, T_MKDIR, T_UNLINK, T_RMDIR):
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


def rel(path, data_dir):
	"""A path's name in the data directory ("" for the directory itself,
	"a/b" for a file in a directory in it; None: outside)."""
	if path is None:
		return None
	if path == data_dir:
		return ""
	return path[len(data_dir) + 1:] if path.startswith(data_dir + "/") else None


def data_file(path, data_dir):
	"""The name of a data file in the directory, or in a directory in it
	(None: not one, the directory itself, or a lock.mdb)."""
	name = rel(path, data_dir)
	if not name or os.path.basename(name) == LOCK_FILE:
		return None
	return name


def parent(name):
	return os.path.dirname(name)


def follow(recs, data_dir, initial):
	"""Follows the data files through their names. Each open, write,
	sync, ftruncate, mmap and close of a data file gets r.ino (the file,
	whatever it is called by then: a write after a rename is still to the
	same file), each of a directory r.dir (its name, "" for the data
	directory). Returns (the name of each file at the start, None for a
	file made during the run; the directory operations, [(record index,
	op, name, new name, file)], op one of create (an open that made the
	file), rename (which replaces a file of the new name), unlink, mkdir,
	rmdir; the first record the model has no place for, or None).
	lock.mdb files are not data and are left out."""
	ns = {name: i for i, name in enumerate(sorted(initial))}
	origin = {i: name for name, i in ns.items()}
	dirs = {""} | {d for n in initial for d in ancestors(n)}
	fds = {}
	ops = []
	bad = None
	for r in recs:
		if r.type == T_OPEN:
			name = rel(r.path, data_dir)
			if name is None or os.path.basename(name) == LOCK_FILE:
				continue
			if name in dirs or r.flags & O_DIRECTORY:
				r.dir = name
				fds[r.fd] = (None, name)
				continue
			if name not in ns:
				ns[name] = len(origin)
				origin[ns[name]] = None
				ops.append((r.i, "create", name, None, ns[name]))
			r.ino = ns[name]
			fds[r.fd] = (r.ino, None)
		elif r.type in (T_WRITE, T_FSYNC, T_FDATASYNC, T_FTRUNCATE, T_MMAP, T_CLOSE):
			f = fds.pop(r.fd, None) if r.type == T_CLOSE else fds.get(r.fd)
			if f is not None:
				r.ino, r.dir = f
		elif r.type == T_RENAME and r.ret == 0:
			a, b = (rel(p, data_dir) for p in r.data[:2])
			if a is None and b is None:
				continue
			locks = [n is not None and os.path.basename(n) == LOCK_FILE for n in (a, b)]
			if all(locks):
				continue
			if a not in ns or not b or any(locks) or b in dirs:
				bad = bad or r
				continue
			ns[b] = ns.pop(a)
			ops.append((r.i, "rename", a, b, None))
		elif r.type == T_UNLINK and r.ret == 0:
			name = data_file(r.data[0], data_dir)
			if name is not None and name in ns:
				del ns[name]
				ops.append((r.i, "unlink", name, None, None))
		elif r.type in (T_MKDIR, T_RMDIR) and r.ret == 0:
			name = rel(r.data[0], data_dir)
			if not name:
				continue
			if r.type == T_MKDIR:
				dirs.add(name)
			else:
				dirs.discard(name)
			ops.append((r.i, "mkdir" if r.type == T_MKDIR else "rmdir", name, None, None))
	return origin, ops, bad


def ancestors(name):
	"""The directories a name is in, in the data directory (not "")."""
	out = []
	while parent(name):
		name = parent(name)
		out.append(name)
	return out


def apply_op(ns, dirs, op, name, new, ino):
	"""One directory operation on names {name: file} and directories."""
	if op == "create":
		ns[name] = ino
	elif op == "rename":
		ns[new] = ns.pop(name)
	elif op == "unlink":
		ns.pop(name, None)
	elif op == "mkdir":
		dirs.add(name)
	elif op == "rmdir":
		dirs.discard(name)


# ---------------------------------------------------------------- replay

def put(img, off, data):
	end = off + len(data)
	if len(img) < off:
		img.extend(bytes(off - len(img)))
	img[off:end] = data


def replay_all(recs, initial, data_dir):
	"""Every recorded change applied in order to the initial files: the
	files by name at the end."""
	origin, ops, bad = follow(recs, data_dir, initial)
	check(bad is None, "replay: no place for %s" % (bad and bad.describe()))
	imgs = {i: bytearray(initial[n]) if n is not None else bytearray() for i, n in origin.items()}
	ns = {n: i for i, n in origin.items() if n is not None}
	dirs = set()
	at = {op[0]: op for op in ops}
	for r in recs:
		if r.i in at:
			apply_op(ns, dirs, *at[r.i][1:])
		if r.ino is None:
			continue
		if r.type == T_OPEN and r.flags & O_TRUNC:
			del imgs[r.ino][:]
		elif r.type == T_WRITE and r.ret > 0:
			put(imgs[r.ino], r.off, r.data)
		elif r.type == T_FTRUNCATE and r.ret == 0:
			f = imgs[r.ino]
			if r.off < len(f):
				del f[r.off:]
			else:
				f.extend(bytes(r.off - len(f)))
	return {n: imgs[i] for n, i in ns.items()}


def read_files(d):
	"""The data files in d and in the directories in it, by name ("a/b"),
	lock.mdb left out."""
	out = {}
	for top, subs, names in os.walk(d):
		subs.sort()
		for name in sorted(names):
			path = os.path.join(top, name)
			if name != LOCK_FILE and os.path.isfile(path):
				with open(path, "rb") as f:
					out[os.path.relpath(path, d)] = f.read()
	return out


def lock_dirs(d):
	"""The directories in d ("" for d) that hold a lock.mdb."""
	return {"" if top == d else os.path.relpath(top, d)
		for top, _, names in os.walk(d) if LOCK_FILE in names}


# ---------------------------------------------------------------- crash states

class FileLog:
	"""One data file's writes and syncs, by record index, whatever its name."""

	def __init__(self, name, initial):
		self.name = name        # at the start, or where the file was made
		self.initial = initial
		self.writes = []        # Rec, in order
		self.widx = []
		self.syncs = []         # record index of each completed fsync/fdatasync
		self.durable = []       # those and the O_DSYNC writes

	def pending(self, k):
		"""Whether writes not yet on the disk at crash point k are left."""
		n = bisect.bisect_right(self.syncs, k)
		j = bisect.bisect_left(self.widx, self.syncs[n - 1]) if n else 0
		return any(not w.dsync for w in self.writes[j:bisect.bisect_right(self.widx, k)])


class DiskModel:
	"""The log as the disk model sees it. locks: the directories ("" the
	data directory) that held a lock.mdb at the start; file_sync_names: a
	sync of a file made during the run commits its name too (ext4, xfs),
	not only an fsync of its directory (POSIX)."""

	def __init__(self, recs, initial, data_dir, locks=(), file_sync_names=False):
		self.recs = recs
		self.data_dir = data_dir
		self.file_sync_names = file_sync_names
		origin, self.ops, bad = follow(recs, data_dir, initial)
		self.files = {i: FileLog(n, initial.get(n, b"")) for i, n in origin.items()}
		for i, op, a, _, ino in self.ops:
			if op == "create":
				self.files[ino].name = a
		self.op_at = [op[0] for op in self.ops]
		self.start_ns = {n: i for i, n in origin.items() if n is not None}
		self.start_dirs = {""} | {d for n in initial for d in ancestors(n)}
		self.dir_syncs = []     # (record, directory) of each completed fsync of a directory
		self.locks = [(-1, d) for d in sorted(locks)]   # (record, directory) of each lock.mdb
		self.sync_points = []   # records after which something became durable
		self.notes = []
		creates = {op[0] for op in self.ops if op[1] == "create"}
		unmodelled = [bad] if bad is not None else []
		for r in recs:
			if r.type == T_UNSUPPORTED:
				fail("the recorder saw something it does not record: %s (%s)" % (
					r.data[0], r.data[1] if len(r.data) > 1 else ""))
			if r.type == T_MMAP and r.ino is not None and r.aux & PROT_WRITE and r.flags & MAP_SHARED:
				fail("%s is mapped writable and shared: its writes would escape the recorder" %
				     self.files[r.ino].name)
			if r.type == T_MSYNC:
				self.notes.append("msync is not taken for a sync: %s" % r.describe())
			if r.type == T_OPEN and os.path.basename(r.path) == LOCK_FILE:
				d = rel(os.path.dirname(r.path), data_dir)
				if d is not None:
					self.locks.append((r.i, d))
			if r.dir is not None and r.type in (T_FSYNC, T_FDATASYNC):
				if not r.flags & DROPPED and r.ret == 0:
					self.dir_syncs.append((r.i, r.dir))
				self.sync_points.append(r.i)
			if r.ino is None:
				continue
			fl = self.files[r.ino]
			if r.type == T_WRITE and r.ret > 0:
				fl.writes.append(r)
				fl.widx.append(r.i)
				if r.dsync or r.asked_dsync:
					self.sync_points.append(r.i)
				if r.dsync:
					fl.durable.append(r.i)
			elif r.type in (T_FSYNC, T_FDATASYNC):
				if not r.flags & DROPPED and r.ret == 0:
					fl.syncs.append(r.i)
					fl.durable.append(r.i)
				self.sync_points.append(r.i)
			elif r.type == T_FTRUNCATE or (r.type == T_OPEN and r.flags & O_TRUNC and r.i not in creates):
				unmodelled.append(r)
		if unmodelled:
			fail("the disk model has no place for %s" % unmodelled[0].describe())
		self.sync_points.sort()

	def required_before(self, k):
		"""Acknowledgements read before this time must be durable at crash point k."""
		return self.recs[k + 1].ns if k + 1 < len(self.recs) else float("inf")

	def op_bounds(self, k):
		"""(low, n): of the n directory operations up to crash point k, the
		first low are on the disk: a later fsync (by k) of a directory
		one of them changed commits it and, a journal committing in
		order, every operation before it (with file_sync_names, a sync of
		the file it made too)."""
		n = bisect.bisect_right(self.op_at, k)
		low = 0
		for j in range(n):
			i, op, a, b, ino = self.ops[j]
			touched = {parent(a)} | ({parent(b)} if b is not None else set())
			if any(i < s <= k and d in touched for s, d in self.dir_syncs) or (
					self.file_sync_names and op == "create" and
					any(i < s <= k for s in self.files[ino].durable)):
				low = j + 1
		return low, n

	def names(self, k, rng):
		"""The names at crash point k: the directory operations on the disk,
		then of the later ones up to k a random prefix (a rename not yet
		committed leaves the old name or the new, never both or neither).
		Returns ({name: file}, the directories)."""
		low, n = self.op_bounds(k)
		c = n if low == n else rng.randint(low, n)
		ns = dict(self.start_ns)
		dirs = set(self.start_dirs)
		for op in self.ops[:c]:
			apply_op(ns, dirs, *op[1:])
		return ns, dirs

	def open_at(self, k):
		"""Whether crash point k leaves the disk a choice (writes since their
		file's last sync, or directory operations not yet committed): a
		point worth more than one state."""
		low, n = self.op_bounds(k)
		return low < n or any(fl.pending(k) for fl in self.files.values())

	def creation(self):
		"""The creation of data.mdb: (the record that gave the file its name,
		the first commit after it: the first O_DSYNC write of the file
		(LMDB's meta page) after it, or else its first sync), or None when
		data.mdb was there from the start."""
		ns, dirs = dict(self.start_ns), set(self.start_dirs)
		if DATA_FILE in ns:
			return None
		for op in self.ops:
			apply_op(ns, dirs, *op[1:])
			if DATA_FILE in ns:
				named, ino = op[0], ns[DATA_FILE]
				break
		else:
			return None
		later = [r for r in self.recs[named + 1:] if r.ino == ino]
		commit = next((r.i for r in later if r.type == T_WRITE and r.asked_dsync), None)
		if commit is None:
			commit = next((r.i for r in later if r.type in (T_FSYNC, T_FDATASYNC)), len(self.recs) - 1)
		return named, commit

	def build(self, ino, k, rng, p, q, st):
		"""The file as the disk holds it at crash point k (records 0..k)."""
		fl = self.files[ino]
		img = bytearray(fl.initial)
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
		"""Writes crash point k's files (state seed) into the directory into:
		its names, each file's bytes, and the stale lock.mdb of the run in
		each directory of the state that had one by k."""
		rng = random.Random(seed)
		p = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0])
		q = rng.choice([0.5, 0.9, 1.0])
		st = {"pending": 0, "applied": 0, "torn": 0, "p": p, "q": q}
		ns, dirs = self.names(k, rng)
		st["names"] = ", ".join(sorted(ns)) or "no data file"
		if os.path.exists(into):
			shutil.rmtree(into)
		os.makedirs(into)
		for d in sorted(dirs):
			os.makedirs(os.path.join(into, d), exist_ok=True)
		for name, ino in sorted(ns.items()):
			img = self.build(ino, k, rng, p, q, st)
			path = os.path.join(into, name)
			os.makedirs(os.path.dirname(path), exist_ok=True)
			with open(path, "wb") as f:
				f.write(img)
		if lock_src is not None:
			for d in sorted({d for i, d in self.locks if i <= k} & dirs):
				shutil.copyfile(lock_src, os.path.join(into, d, LOCK_FILE))
		return st


def crash_points(model, n_states, rng, fresh=False):
	"""[(kind, k)]: the end of the log first; with fresh, up to two
	thirds of the states in the creation of data.mdb (every point from
	before the first record to its first commit once, then again, with
	other states, the points that leave a choice); the commits around
	each growth of the map, then after a sync, before a sync and random
	records in turn, each kind without repeats."""
	n = len(model.recs)
	syncs = list(model.sync_points)
	after = syncs[:]
	before = [k - 1 for k in syncs]
	rng.shuffle(after)
	rng.shuffle(before)
	out = [("end", n - 1)]
	win = model.creation() if fresh else None
	if win is not None:
		points = list(range(-1, win[1] + 1))
		rng.shuffle(points)
		open_ = [k for k in points if model.open_at(k)]
		made = open_ + [k for k in points if k not in open_]
		while open_ and len(made) < n_states:
			rng.shuffle(open_)
			made += open_
		out += [("creation", k) for k in made[:max(1, n_states * 2 // 3)]]
	# the commits around each growth of the map (a new mmap of data.mdb)
	maps = [r.i for r in model.recs if r.type == T_MMAP and rel(r.path, model.data_dir) == DATA_FILE][1:]
	grown = []
	for m in maps:
		j = bisect.bisect_left(syncs, m)
		for k in syncs[max(0, j - 2):j + 4]:
			grown += [p for p in (("map-grown", k), ("map-grown", k - 1)) if p not in grown]
	out += grown[:max(0, n_states // 4 - 1)]
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
	totals["last_names"] = st["names"]
	before = model.required_before(k)
	rounds = required_rounds(plans, answers, times, before)
	n_req = sum(len(a) for _, _, a in rounds)
	where = "%s point %d of %d (%s), state seed %d, %d pending writes, %d applied (p=%.2f, q=%.2f); " \
		"files: %s" % (
			kind, k, len(model.recs) - 1, model.recs[k].describe() if k >= 0 else "before any record",
			seed, st["pending"], st["applied"], st["p"], st["q"], st["names"])
	try:
		start(srv, timeout=30)
	except TestFailure as e:
		if srv.alive():
			srv.kill9()
		lines = str(e).splitlines()
		said = [l.split("warning: ", 1)[1] for l in lines[1:] if "warning: " in l]
		return "no start", "the state does not open: %s%s\n  at %s" % (
			lines[0], " (%s)" % said[-1] if said else "", where)
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
	if kind == "creation":
		totals["names"][st["names"]] = totals["names"].get(st["names"], 0) + 1
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
	"""Pristine directory (with --fresh, empty: the recorded qcregd makes
	the data file), the recorded load, the clean stop; returns what the
	states need and saves it in run_dir (for --from)."""
	conf = config_file(run_dir)
	pristine = os.path.join(run_dir, "pristine")
	s0 = Server("pl-init", data=pristine, config=conf)
	if not args.fresh:
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
	       "control": args.control, "load_secs": load_secs, "grown": grown, "fresh": args.fresh,
	       "file_sync_names": args.file_sync_names}
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
	model = DiskModel(recs, initial, run["data"], lock_dirs(run["pristine"]), run.get("file_sync_names"))
	writes = [r for r in recs if r.type == T_WRITE and r.ino is not None]
	fig = {
		"records": len(recs),
		"writes": len(writes),
		"bytes": sum(r.ret for r in writes),
		"dsync": sum(1 for r in writes if r.asked_dsync),
		"syncs": sum(1 for r in recs if r.type in (T_FSYNC, T_FDATASYNC) and r.ino is not None),
		"dir_syncs": sum(1 for r in recs if r.type in (T_FSYNC, T_FDATASYNC) and r.dir is not None),
		"ops": model.ops,
		"creation": model.creation(),
		"dropped": sum(1 for r in recs if r.type in (T_FSYNC, T_FDATASYNC, T_MSYNC) and r.flags & DROPPED),
		"calls": {},
		"files": {n: len(b) for n, b in final.items()},
	}
	for r in recs:
		if r.type in (T_WRITE, T_FSYNC, T_FDATASYNC, T_MSYNC, T_FTRUNCATE, T_RENAME, T_OPEN, T_CLOSE, T_MMAP,
			      T_MKDIR, T_UNLINK, T_RMDIR):
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
	failure, (its point, its seed)). The control (and --count) goes on
	after a failure and counts the failed states by kind in
	totals["failed"]."""
	srv = Server("pl-state", data=os.path.join(os.path.dirname(run["log"]), "state"), config=run["conf"])
	rng = random.Random(args.seed ^ 0x5eed)
	points = crash_points(model, args.states, rng, run.get("fresh"))
	totals = {"tried": 0, "checked": 0, "stored": 0, "kinds": {}, "pending": 0, "applied": 0, "torn": 0,
		  "failed": {}, "failed_kinds": {}, "names": {}, "failed_names": {}}
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
			fk = (FAILED[how], totals["last_names"])
			totals["failed_names"][fk] = totals["failed_names"].get(fk, 0) + 1
			if first is None:
				first = ("state %d of %d: %s" % (n + 1, len(points), why), (k, seed))
			if not args.control and not args.count:
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
			", ".join("%s (%d bytes)" % kv for kv in sorted(fig["files"].items())))) + names_line(fig)


def names_line(fig):
	"""The directory operations and the creation window, when there are any."""
	if not fig["ops"]:
		return ""
	out = "; names: %s; %d fsync of a directory" % (", ".join(
		"%s %s at %d" % (op, " -> ".join(n for n in (a, b) if n is not None), i)
		for i, op, a, b, _ in fig["ops"]), fig["dir_syncs"])
	if fig["creation"]:
		out += "; the creation of %s: records 0 to %d (its name at %d, then its first commit)" % (
			DATA_FILE, fig["creation"][1], fig["creation"][0])
	return out


# What the recorder's self-test does under LD_PRELOAD: the calls LMDB does
# not make (write at the file position, O_APPEND and RWF_APPEND, pwritev,
# ftruncate, O_TRUNC, rename, fsync) as well as those it makes, and those
# of the making of a store (mkdir, a file made in a directory, written and
# renamed out of it, the directory synced, unlink, rmdir).
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
os.mkdir(d + "/sub")
fd = os.open(d + "/sub/x", os.O_RDWR | os.O_CREAT, 0o600)
os.pwrite(fd, b"x" * 700, 0)
os.fdatasync(fd)
os.close(fd)
os.rename(d + "/sub/x", d + "/x")
fd = os.open(d + "/x", os.O_RDWR)
os.pwrite(fd, b"after the rename", 100)
os.close(fd)
fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
os.fsync(fd)
os.close(fd)
fd = os.open(d + "/sub/gone", os.O_WRONLY | os.O_CREAT, 0o600)
os.write(fd, b"gone")
os.close(fd)
os.unlink(d + "/sub/gone")
os.rmdir(d + "/sub")
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
		{"ftruncate"}, {"fsync"}, {"fdatasync"}, {"rename", "renameat"}, {"close"},
		{"mkdir", "mkdirat"}, {"unlink", "unlinkat"}, {"rmdir", "unlinkat"}]
	check(all(calls & w for w in want), "recorder self-test: calls seen %s" % sorted(calls))
	dsync = [r for r in recs if r.type == T_WRITE and r.asked_dsync]
	syncs = [r for r in recs if r.type in (T_FSYNC, T_FDATASYNC)]
	check(len(dsync) == 1 and dsync[0].dsync == (control is None) and len(syncs) == 4 and
	      [r.dir for r in syncs] == [None, None, None, ""] and
	      all(bool(r.flags & DROPPED) == (control == "nosync") for r in syncs),
	      "recorder self-test: O_DSYNC writes %s, syncs %s" % (
		      [r.describe() for r in dsync], [r.describe() for r in syncs]))
	ops = [(op, a, b) for _, op, a, b, _ in follow(recs, d, {})[1] if a.startswith("sub") or a == "x"]
	check(ops == [("mkdir", "sub", None), ("create", "sub/x", None), ("rename", "sub/x", "x"),
		      ("create", "sub/gone", None), ("unlink", "sub/gone", None), ("rmdir", "sub", None)],
	      "recorder self-test: directory operations %s" % ops)
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
		if totals["names"]:
			kinds += "; the creation states held %s" % ", ".join(
				"%s %d times" % kv for kv in sorted(totals["names"].items()))
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
		if args.control or args.count:
			lines[0] = "%d of %d states failed (%s; by crash point: %s%s); the first: %s" % (
				sum(totals["failed"].values()), totals["tried"],
				", ".join("%d %s" % (v, FAILED[k]) for k, v in sorted(totals["failed"].items())),
				", ".join("%d %s" % (v, k) for k, v in sorted(totals["failed_kinds"].items())),
				"; by files: " + ", ".join("%d %s with %s" % (v, k[0], k[1]) for k, v in sorted(
					totals["failed_names"].items())) if args.fresh else "",
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
	totals = {"tried": 1, "checked": 0, "stored": 0, "kinds": {}, "pending": 0, "applied": 0, "torn": 0,
		  "names": {}}
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
	ap.add_argument("--fresh", action="store_true",
			help="record qcregd starting on an empty data directory (the creation of "
			"data.mdb), then the load; crash points mostly in the creation")
	ap.add_argument("--file-sync-names", action="store_true",
			help="a sync of a new file commits its name too (ext4, xfs); by default only an "
			"fsync of its directory does (POSIX)")
	ap.add_argument("--count", action="store_true",
			help="go on after a failure and count the failed states (as the control does)")
	ap.add_argument("--keep", action="store_true", help="keep the run directory")
	ap.add_argument("--verbose", action="store_true")
	ap.add_argument("--timeout", type=int, default=None, help="seconds for everything")
	ap.add_argument("--from", dest="run_from", help="a kept run directory (with --point, --state-seed)")
	ap.add_argument("--point", type=int)
	ap.add_argument("--state-seed", type=int)
	args = ap.parse_args()
	if args.fresh and args.control:
		ap.error("--fresh has no control: run it against a qcregd without store_create")
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
	name = "powerloss_fresh" if args.fresh else "powerloss"
	print("# powerloss: qcregd %s, recorder %s, %s%s, %d states, seed %d" % (
		harness.QCREGD, RECORDER, "CONTROL: " + CONTROLS[args.control][1] if args.control else
		"real syncs", ", from an empty data directory" if args.fresh else "", args.states, args.seed),
	      flush=True)
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
