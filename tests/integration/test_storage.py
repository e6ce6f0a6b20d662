"""Storage faults (issue 4): LMDB map full, disk full, stale readers.

The promise for a full map or a full disk: writes are answered
`unavailable` with a message that says what is full, reads keep working,
refused writes change nothing, every acknowledged write is kept, the
change log still verifies, and once there is room (a larger map_max_mb
and a restart; more disk) writing resumes.
"""

import subprocess
import time

from harness import *

suite = Suite("storage")

MAP_FULL_MSG = "storage is full; the operator must raise map_max_mb"




def config(name, **server):
	d = mktemp("qcreg-cfg-")
	return write_config(os.path.join(d, name + ".conf"), server=server)


class Book:
	"""Every write sent and how it was answered."""

	def __init__(self):
		self.acked = []      # (msg, result)
		self.refused = []    # (msg, error)
		self.n = 0

	def put_msg(self, lst):
		self.n += 1
		subj = {"credit": uscc, "tourism": lambda k: "guide:FULL-%06d" % k,
			"advertising": lambda k: "site:full%d.example.cn" % k}[lst](100000 + self.n)
		f = FIELDS_FOR[lst]()
		f["name" if lst != "credit" else "report"] = "填满-%d" % self.n
		return {"op": "put", "list": lst, "subject": subj, "fields": f}

	def record(self, msgs, answers):
		for m, a in zip(msgs, answers):
			check_response(a, m["id"])
			if a["ok"]:
				self.acked.append((m, a["result"]))
			else:
				self.refused.append((m, a["error"]))
		return [a for a in answers if not a["ok"]]


def fill(s, book, max_batches=80):
	"""Pipelined puts on all three lists until a write is refused, then
	single puts until 5 in a row are refused. Returns the first error."""
	first = None
	conns = {l: s.connect(WRITER[l]) for l in LISTS}
	try:
		for b in range(max_batches):
			l = LISTS[b % 3]
			msgs = [book.put_msg(l) for _ in range(150)]
			for i, m in enumerate(msgs):
				m["id"] = i + 1
			errs = book.record(msgs, pump(conns[l], msgs))
			if errs:
				first = errs[0]["error"]
				break
		check(first is not None, "%d writes and nothing refused" % len(book.acked))
		row = 0
		for i in range(3000):
			l = LISTS[i % 3]
			m = book.put_msg(l)
			r = conns[l].request(m["op"], **{k: v for k, v in m.items() if k != "op"})
			m["id"] = r["id"]
			if book.record([m], [r]):
				row += 1
				if row == 5:
					break
			else:
				row = 0
		check(row == 5, "no 5 refusals in a row after %d single writes" % (i + 1))
		for c in conns.values():
			c.hello_ok()  # refused writes leave the connection open
	finally:
		for c in conns.values():
			c.close()
	return first


def check_refusals(book, want):
	"""Every refusal is `unavailable`; messages that do not say `want` are returned."""
	other = {}
	for m, e in book.refused:
		eq(e["code"], "unavailable", "error code of a write refused for lack of room")
		if want not in e["message"]:
			other[e["message"]] = other.get(e["message"], 0) + 1
	return other


def verify_book(s, book):
	"""Reads work, every acknowledged write is there, the log verifies."""
	with s.connect(REGULATOR) as reg, s.connect(PLATFORM) as p:
		changes, versions = verify_chain(reg)
		eq(len(changes), len(book.acked), "changes = acknowledged writes")
		for m, res in book.acked:
			v = versions.get((m["list"], m["subject"], res["version"]))
			check(v is not None, "acknowledged %s/%s v%d is missing" % (m["list"], m["subject"],
										res["version"]))
			eq(v["seq"], res["seq"], "seq of %s" % m["subject"])
			eq(v["fields"], with_defaults(m["list"], m["fields"]), "fields of %s" % m["subject"])
		st = reg.ok("stats")
		eq(st["head"], len(book.acked), "stats.head")
		eq(st["total"], len({(m["list"], m["subject"]) for m, _ in book.acked}), "stats.total")
		# the other reads
		subs = [m["subject"] for m, _ in book.acked[-50:]]
		res = p.ok("check", subjects=subs)["results"]
		for (m, _), r in zip(book.acked[-50:], res):
			eq([h["list"] for h in r["hits"]], [m["list"]], "check of %s" % m["subject"])
		m = book.acked[0][0]
		newest = max(r["version"] for x, r in book.acked if (x["list"], x["subject"]) == (
			m["list"], m["subject"]))
		eq(p.ok("get", subject=m["subject"], lists=[m["list"]])["entries"][0]["version"], newest, "get")
		for l in LISTS:
			# entries, not writes: a subject may have been written twice
			n = len({x["subject"] for x, _ in book.acked if x["list"] == l})
			got, after = 0, None
			while True:
				args = {"list": l, "limit": 1000}
				if after is not None:
					args["after"] = after
				r = p.ok("scan", **args)
				got += len(r["entries"])
				if r["next"] is None:
					break
				after = r["next"]
			eq(got, n, "scan of %s" % l)
		return st


def refused_change_nothing(s, book, conns_writes=6):
	"""More writes while full: all refused (or stored and counted); the
	registry is exactly as before otherwise."""
	with s.connect(REGULATOR) as reg:
		before = snapshot(reg)
	msgs = []
	for i in range(conns_writes):
		msgs.append(book.put_msg(LISTS[i % 3]))
	m0, r0 = book.acked[0]
	msgs.append({"op": "put", "list": m0["list"], "subject": m0["subject"], "fields": m0["fields"],
		     "if_version": r0["version"]})
	stored = 0
	for m in msgs:
		with s.connect(WRITER[m["list"]]) as c:
			r = c.request(m["op"], **{k: v for k, v in m.items() if k != "op"})
			m["id"] = r["id"]
			if not book.record([m], [r]):
				stored += 1
	with s.connect(REGULATOR) as reg:
		after = snapshot(reg)
	if stored == 0:
		eq(after, before, "registry after refused writes")
	else:
		eq(after[0]["head"], before[0]["head"] + stored, "head after %d stored writes" % stored)
	return len(msgs) - stored


@suite.test(timeout=300)
def map_full(ctx):
	"""map_size_mb = 1, map_max_mb = 2: grows once, then refuses writes
	with a clear message; restart with map_max_mb = 64 and writing resumes."""
	s = ctx.fresh_server("mapfull", config=config("map2", map_size_mb=1, map_max_mb=2))
	book = Book()
	first = fill(s, book)
	eq(first["code"], "unavailable", "the first refused write")
	other = check_refusals(book, MAP_FULL_MSG)
	eq(other, {}, "messages of writes refused on a full map")
	s.wait_log(r"LMDB map grown to 2 MiB", timeout=5)  # the map grew to its maximum
	s.wait_log(r"LMDB map is full at its maximum of 2 MiB", timeout=5)
	refused = refused_change_nothing(s, book)
	check(refused >= 5, "only %d of 7 writes refused on a full map" % refused)
	verify_book(s, book)
	acked_full = len(book.acked)
	# the operator raises map_max_mb and restarts
	s.stop_clean()
	s.config = config("map64", map_size_mb=1, map_max_mb=64)
	s.start()
	verify_book(s, book)
	with s.connect(QUALITY) as q:
		msgs = [book.put_msg("credit") for _ in range(3000)]
		for i, m in enumerate(msgs):
			m["id"] = i + 1
		errs = book.record(msgs, pump(q, msgs))
		eq(errs, [], "writes after raising map_max_mb")
	with open(s.logs[-1], encoding="utf-8", errors="replace") as f:
		grown = [l for l in f if "LMDB map grown to" in l]
	check(grown, "the map did not grow past the old maximum after the restart")
	verify_book(s, book)
	note("map full: %d writes stored in a 2 MiB map, %d refused (%r), %d more after the restart "
	     "with map_max_mb = 64 (%s)" % (acked_full, len(book.refused), MAP_FULL_MSG,
					len(book.acked) - acked_full, grown[-1].split(": ")[-1].strip()))
	s.stop_clean()


def _mount_small(d, size):
	"""A size-limited file system at d; returns a description or None."""
	r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs", d],
			   capture_output=True, text=True)
	if r.returncode == 0:
		return "tmpfs size=%s" % size
	return None


def _umount(d):
	if subprocess.run(["umount", d], capture_output=True).returncode != 0:
		subprocess.run(["umount", "-l", d], capture_output=True)


@suite.test(timeout=300)
def disk_full(ctx):
	"""The data directory on a 2 MiB tmpfs, the map allowed 64 MiB: the
	disk fills first. Same promise as for a full map; kill -9 while full
	loses nothing; with more room writing resumes without a restart."""
	root = mktemp("qcreg-disk-")
	mnt = os.path.join(root, "data")
	os.makedirs(mnt)
	how = _mount_small(mnt, "2m")
	if how is None:
		note("disk_full: SKIPPED: cannot mount a tmpfs here (needs root): %s" % (
			"not root" if os.geteuid() != 0 else "mount failed"))
		return
	s = None
	try:
		s = ctx.fresh_server("diskfull", data=mnt, config=config("disk", map_size_mb=64,
									   map_max_mb=64))
		book = Book()
		first = fill(s, book)
		eq(first["code"], "unavailable", "the first refused write")
		check_refusals(book, "disk is full")
		refused = refused_change_nothing(s, book)
		check(refused >= 5, "only %d of 7 writes refused on a full disk" % refused)
		other2 = check_refusals(book, "disk is full")
		verify_book(s, book)
		acked_full = len(book.acked)
		# killed while the disk is full: nothing acknowledged is lost
		s.kill9()
		s.start()
		verify_book(s, book)
		# the operator makes room
		r = subprocess.run(["mount", "-o", "remount,size=32m", mnt], capture_output=True, text=True)
		check(r.returncode == 0, "remount: %s" % r.stderr)
		with s.connect(TOURISM) as t:
			msgs = [book.put_msg("tourism") for _ in range(2000)]
			for i, m in enumerate(msgs):
				m["id"] = i + 1
			errs = book.record(msgs, pump(t, msgs))
			eq(errs, [], "writes after the disk has room again")
		verify_book(s, book)
		s.stop_clean()
		s.start()
		verify_book(s, book)
		s.stop_clean()
		note("disk full (%s): %d writes stored, %d refused (messages: %s); %d more stored once "
		     "there was room" % (how, acked_full, len(book.refused), ", ".join(
			     "%d x %r" % (n, m) for m, n in sorted(_msgs(book).items())),
			     len(book.acked) - acked_full))
		check(not other2, "writes refused on a full disk without saying so: %s" % ", ".join(
			"%d x %r" % (n, m) for m, n in sorted(other2.items())))
	finally:
		if s is not None and s.alive():
			s.kill9()
		_umount(mnt)


def _msgs(book):
	out = {}
	for _, e in book.refused:
		out[e["message"]] = out.get(e["message"], 0) + 1
	return out


# ---------------------------------------------------------------- stale readers

# A process that opens the environment read-only (and, with "txn", begins
# a read transaction), says "ready" and waits to be killed.
LMDB_READER = r'''
import ctypes, sys, time
lib = ctypes.CDLL("liblmdb.so.0")
env = ctypes.c_void_p()
assert lib.mdb_env_create(ctypes.byref(env)) == 0
rc = lib.mdb_env_open(env, sys.argv[1].encode(), ctypes.c_uint(0x20000), ctypes.c_uint(0o600))
assert rc == 0, "mdb_env_open: %d" % rc
if sys.argv[2] == "txn":
	txn = ctypes.c_void_p()
	rc = lib.mdb_txn_begin(env, None, ctypes.c_uint(0x20000), ctypes.byref(txn))
	assert rc == 0, "mdb_txn_begin: %d" % rc
print("ready", flush=True)
time.sleep(120)
'''


def _reader(data, mode):
	p = subprocess.Popen([sys.executable, "-c", LMDB_READER, data, mode], stdout=subprocess.PIPE,
			     stderr=subprocess.PIPE)
	line = p.stdout.readline()
	if line.strip() != b"ready":
		p.kill()
		p.wait(10)
		fail("LMDB reader helper: %r %r" % (line, p.stderr.read()[-300:]))
	return p


def _reader_pids(data):
	r = subprocess.run(["mdb_stat", "-r", data], capture_output=True, text=True, timeout=30)
	# (mdb_stat -r exits 1 after listing the table: read the output)
	check("Reader Table Status" in r.stdout, "mdb_stat -r: %r %r" % (r.stdout, r.stderr))
	pids = set()
	for l in r.stdout.splitlines():
		f = l.split()
		if len(f) == 3 and f[0].isdigit():
			pids.add(int(f[0]))
	return pids


def _args(m):
	"""A Book message as request arguments."""
	return {k: v for k, v in m.items() if k != "op"}


def _fiu_ctrl(s, cmd):
	"""Turns a libfiu failure point of the running server on or off."""
	r = subprocess.run(["fiu-ctrl", "-c", cmd, str(s.proc.pid)], capture_output=True,
			   text=True, timeout=20)
	eq(r.returncode, 0, "fiu-ctrl %s: %s" % (cmd, r.stderr.strip()))


def _io_failure_stops_writes(ctx, point, reopened=False):
	"""qcregd under fiu-run: a few puts are stored; then the failure point
	makes the next commit fail with EIO. That put is never acknowledged;
	it and every later write are answered read_only, even once the disk
	is well again; reads go on (after LMDB itself gave up, on the data
	reopened read-only: see below); the log says why. After a restart writes resume, the refused puts are
	absent and the chain verifies."""
	if sanitized():
		# libfiu's preload and ASan's interceptors crash together at
		# start-up; the release build runs this test.
		note("%s: not under ASan (libfiu's LD_PRELOAD)" % point)
		return
	s = ctx.fresh_server("fiu-" + point.split("/")[-1], start=False)
	s.wrapper = ["fiu-run", "-x"]
	s.env = dict(os.environ)
	s.start()
	book = Book()
	with s.connect(QUALITY) as q, s.connect(REGULATOR) as reg:
		for _ in range(5):
			m = book.put_msg("credit")
			book.acked.append((m, q.ok("put", **_args(m))))
		_fiu_ctrl(s, "enable name=%s,failinfo=5" % point)	# EIO
		m = book.put_msg("credit")
		a = q.request("put", **_args(m))
		check(not a["ok"], "a put whose commit failed was acknowledged: %r" % a)
		eq(a["error"]["code"], "read_only", "the failed put")
		book.refused.append((m, a["error"]))
		s.wait_log(r"writes stopped: a commit failed", timeout=10)
		if reopened:
			# LMDB gives up on the environment (MDB_PANIC) when the
			# meta page's write fails; a data page written alone
			# (pwrite, not writev) fails first in other commits,
			# and then reads simply go on, no reopen needed.
			try:
				s.wait_log(r"data reopened read-only: reads go on", timeout=3)
				note("%s: LMDB gave up; data reopened read-only" % point)
			except TestFailure:
				note("%s: a data page's write failed first; reads go on "
				     "without a reopen" % point)
		_fiu_ctrl(s, "disable name=%s" % point)
		m = book.put_msg("credit")
		a = q.request("put", **_args(m))
		eq(a["error"]["code"] if not a["ok"] else "ok", "read_only", "a put after the failure")
		check("check the disk" in a["error"]["message"], "read_only says why: %r" % a["error"])
		book.refused.append((m, a["error"]))
		for m, r in book.acked:
			a = reg.request("get", subject=m["subject"])
			check(a["ok"], "read after the failure: %r" % a.get("error"))
			eq(a["result"]["entries"][0]["version"], r["version"], "read after the failure")
		verify_chain(reg)
	s.stop_clean()
	s.wrapper = []
	s.env = None
	s.start()
	with s.connect(QUALITY) as q, s.connect(REGULATOR) as reg:
		for m, _ in book.refused:
			a = reg.request("get", subject=m["subject"])
			eq(a["ok"] and "found" or a["error"]["code"], "not_found", "a refused put after restart")
		m = book.put_msg("credit")
		q.ok("put", **_args(m))
		verify_chain(reg)
	s.stop_clean()


@suite.test(timeout=120)
def failed_fdatasync_stops_writes(ctx):
	_io_failure_stops_writes(ctx, "posix/io/sync/fdatasync")


@suite.test(timeout=120)
def failed_pwrite_stops_writes(ctx):
	"""Every pwrite fails, the meta page's too: LMDB then marks the
	environment unusable (MDB_PANIC) and refuses read transactions as
	well; qcregd reopens the data read-only and reads go on."""
	_io_failure_stops_writes(ctx, "posix/io/rw/pwrite", reopened=True)


@suite.test(timeout=120)
def stale_readers_cleared_at_start(ctx):
	"""A reader killed with -9 inside a read transaction leaves its slot
	(and its snapshot) behind; qcregd clears such slots when it starts."""
	s = ctx.fresh_server("stale")
	subj = new_uscc()
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=subj, fields=credit_fields("A"))
	s.stop_clean()
	# a live process keeps the lock file in use, else the next opener
	# resets the reader table anyway
	holder = _reader(s.data, "hold")
	dead = []
	try:
		for _ in range(3):
			r = _reader(s.data, "txn")
			r.kill()
			r.wait(10)
			dead.append(r.pid)
		check(set(dead) <= _reader_pids(s.data), "the killed readers are not in the reader table")
		mark = s.log_mark()
		s.start()
		s.wait_log(r"cleared 3 stale LMDB reader slots", since=mark, timeout=10)
		left = set(dead) & _reader_pids(s.data)
		eq(left, set(), "stale reader slots after the start")
		with s.connect(QUALITY) as q:
			eq(q.ok("put", list="credit", subject=subj, fields=credit_fields("B"))["version"], 2, "put")
		with s.connect(REGULATOR) as reg:
			verify_chain(reg)
		s.stop_clean()
	finally:
		holder.kill()
		holder.wait(10)
	note("stale readers: %d killed readers' slots cleared at start-up" % len(dead))
