#!/usr/bin/python3
"""Integration test harness for qcreg.

Written from proto/PROTOCOL.md and the README only: it holds an independent
client (TLS + 4-byte big-endian length + one msgpack map per frame), a
server manager (start on 127.0.0.1:0 with --port-file, stop, kill -9,
sanitizer scan of the log) and a tiny test runner.

Tests decide by events, not by time: an answer, a count, a port file, or
a line of the server's log (one line per event on stderr), read with
Server.log_mark() / wait_log(pattern, since=, peer=, count=) / log_find /
log_count / assert_no_log, where peer is a client's local port (Client.port)
and selects the lines about that connection. refused_peer() is a peer
the server must refuse (TLS or raw bytes); role_table() is the role
table of PROTOCOL.md section 6. Timeouts only turn a hang into a failure.

Usage: harness.py [test_file.py ...]   (default: every test_*.py here)
Output: "PASS name" / "FAIL name: reason" per test, then "N passed, N failed".
Environment: QCREGD (default bin/qcregd, relative to the repo root),
QC_KEEP=1 keeps the temporary directories, QC_FILTER=substr runs only the
tests whose name contains substr.
"""

import atexit
import ctypes
import datetime
import hashlib
import importlib.util
import os
import re
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import warnings

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CERTS = os.path.join(ROOT, "certs", "dev")
CA = os.path.join(CERTS, "ca.crt")
CONFIG = "server/qcregd.conf"
QCREGD = os.environ.get("QCREGD", "bin/qcregd")
SAN_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer")

# How the server's log names a connection: its peer address and port.
PEER = "127.0.0.1:%d"

MAX_FRAME = 1048576
MAX_BATCH = 1000
MAX_LIMIT = 1000
TZ = datetime.timezone(datetime.timedelta(hours=8))

# Principals of the development configuration.
REGULATOR = "market-regulator"
QUALITY = "quality-bureau"
TOURISM = "tourism-bureau"
COMMERCE = "commerce-bureau"
PLATFORM = "shop-platform"
ADMIN = "ops-admin"
REPLICA = "replica-1"
UNKNOWN = "unknown-org"
ROGUE = "rogue-client"
WRITER = {"credit": QUALITY, "tourism": TOURISM, "advertising": COMMERCE, "tourism-watch": TOURISM}
LISTS = ["credit", "tourism", "advertising", "tourism-watch"]
# Every principal of the development configuration, its role (None: not
# configured) and the list it writes.
PRINCIPALS = [REGULATOR, QUALITY, TOURISM, COMMERCE, PLATFORM, ADMIN, REPLICA, UNKNOWN]
ROLE_OF = {REGULATOR: "regulator", QUALITY: "agency", TOURISM: "agency", COMMERCE: "agency",
	   PLATFORM: "platform", ADMIN: "admin", REPLICA: "replica", UNKNOWN: None}
# The lists each agency writes, in configuration order.
OWN = {cn: [l for l in LISTS if WRITER[l] == cn] for cn in set(WRITER.values())}


class TestFailure(AssertionError):
	pass


class TestTimeout(Exception):
	pass


class Closed(Exception):
	"""The peer closed the connection (EOF, reset or TLS alert)."""


def fail(msg):
	raise TestFailure(msg)


def check(cond, msg):
	if not cond:
		raise TestFailure(msg)


def eq(got, want, what="value"):
	if got != want:
		raise TestFailure("%s: got %r, want %r" % (what, got, want))


# ---------------------------------------------------------------- data helpers

USCC_ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"


def uscc_check(s17):
	total = sum(USCC_ALPHA.index(c) * w for c, w in zip(s17, USCC_W))
	return USCC_ALPHA[(31 - total % 31) % 31]


def uscc_make(n, prefix="91350100"):
	"""The n-th valid bare uscc id (18 characters) with a given prefix."""
	body = ""
	for _ in range(17 - len(prefix)):
		body = USCC_ALPHA[n % 31] + body
		n //= 31
	s17 = prefix + body
	return s17 + uscc_check(s17)


def uscc(n, prefix="91350100"):
	return "uscc:" + uscc_make(n, prefix)


def uscc_bad(n, prefix="91350100"):
	"""A uscc with a wrong check character."""
	good = uscc_make(n, prefix)
	wrong = USCC_ALPHA[(USCC_ALPHA.index(good[-1]) + 1) % 31]
	return "uscc:" + good[:-1] + wrong


def note(msg):
	"""A figure or fact for the test log (a # line, not a result)."""
	print("# " + msg, flush=True)


def today():
	return datetime.datetime.now(TZ).date()


def day(offset=0):
	return (today() + datetime.timedelta(days=offset)).isoformat()


def plus_years(iso, years):
	d = datetime.date.fromisoformat(iso)
	try:
		return d.replace(year=d.year + years).isoformat()
	except ValueError:
		return None  # 29 February: the spec does not say


def avoid_midnight():
	"""Tests compare states against today's date in UTC+8: do not straddle midnight."""
	now = datetime.datetime.now(TZ)
	left = 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
	if left < 90:
		time.sleep(left + 2)


def credit_fields(grade="B", **kw):
	f = {"name": "福州某某食品有限公司", "grade": grade}
	f.update(kw)
	return f


def tourism_fields(category="illegal_website", **kw):
	f = {"name": "某某旅游网", "category": category, "reason": "未经许可经营旅行社业务",
	     "decision": "闽旅罚〔2026〕12号", "listed_on": day(-10)}
	f.update(kw)
	return f


def adv_fields(**kw):
	f = {"name": "某某广告公司", "reason": "发布虚假广告", "decision": "闽市监广罚〔2026〕3号",
	     "listed_on": day(-10)}
	f.update(kw)
	return f


def watch_fields(category="unlicensed_guide", **kw):
	f = {"name": "某某旅行社", "category": category, "reason": "多次被投诉强迫购物", "listed_on": day(-10)}
	f.update(kw)
	return f


FIELDS_FOR = {"credit": credit_fields, "tourism": tourism_fields, "advertising": adv_fields,
	      "tourism-watch": watch_fields}

# Schema order of the fields per list (section 4.2).
SCHEMA = {
	"credit": ["name", "grade", "score", "report", "valid_from", "valid_until"],
	"tourism": ["name", "category", "reason", "decision", "listed_on", "expires_on"],
	"advertising": ["name", "reason", "decision", "listed_on", "expires_on"],
	"tourism-watch": ["name", "category", "reason", "decision", "listed_on", "expires_on"],
}
START_END = {"credit": ("valid_from", "valid_until"), "tourism": ("listed_on", "expires_on"),
	     "advertising": ("listed_on", "expires_on"), "tourism-watch": ("listed_on", "expires_on")}
# Lists whose config gives the end date a default (default_years).
DEFAULT_YEARS = {"tourism": 3, "tourism-watch": 1}


def with_defaults(lst, fields):
	"""The fields as the server stores them: tourism gets expires_on = listed_on + 3 years,
	tourism-watch + 1 year."""
	f = dict(fields)
	if lst in DEFAULT_YEARS and "expires_on" not in f:
		d = plus_years(f["listed_on"], DEFAULT_YEARS[lst])
		if d is not None:
			f["expires_on"] = d
	return f


def state_of(lst, fields, status="listed"):
	if status == "removed":
		return "removed"
	s, e = START_END[lst]
	t = today().isoformat()
	if fields.get(s) is not None and fields[s] > t:
		return "pending"
	if fields.get(e) is not None and fields[e] < t:
		return "expired"
	return "active"


_N = [0]


# The verdict of a hit under the development config: a rating's grade
# (A, B clear; C caution; D listed), a blacklist listed, a watch list caution.
VERDICTS = ["clear", "caution", "listed"]


def hit_verdict(h):
	if h["list"] == "credit":
		return {"A": "clear", "B": "clear", "C": "caution", "D": "listed"}[h["grade"]]
	return "caution" if h["list"] == "tourism-watch" else "listed"


def check_result(subject, hits):
	"""The check result for subject with these hits: worst verdict first."""
	worst = max((VERDICTS.index(hit_verdict(h)) for h in hits), default=0)
	return {"subject": subject, "verdict": VERDICTS[worst], "hits": hits}


def uniq():
	_N[0] += 1
	return _N[0]


def new_uscc():
	return uscc(uniq())


def new_site():
	return "site:s%d.example.cn" % uniq()


def new_guide():
	return "guide:G-%06d" % uniq()


def new_plate():
	return "plate:闽A%05d" % (uniq() % 100000)


NEW_SUBJECT = {"uscc": new_uscc, "site": new_site, "guide": new_guide, "plate": new_plate}


def snapshot(reg):
	"""What a regulator sees of the whole registry: stats and the newest changes."""
	st = reg.ok("stats")
	head = st["head"]
	ch = reg.ok("changes", since=max(0, head - 20), limit=MAX_LIMIT)
	return st, ch


# ---------------------------------------------------------------- the role table

PROTOCOL = os.path.join(ROOT, "proto", "PROTOCOL.md")


def role_table(path=PROTOCOL):
	"""The authorization table of PROTOCOL.md section 6 "Roles".

	Returns (table, columns, legend): table {op: {column: cell}}, columns
	the role columns in document order (as in hello's `role`; `none` for a
	principal that is not configured), legend {cell word: its text}. Fails
	unless the section holds exactly one table headed `op`, one row per op
	(the op in backticks), and every cell is a word the legend under the
	table defines (lines "- `word`: text")."""
	with open(path, encoding="utf-8") as f:
		doc = f.read().splitlines()
	start = [i for i, l in enumerate(doc) if re.match(r"^## 6\. Roles\s*$", l)]
	check(len(start) == 1, "%s: want one heading '## 6. Roles', found %d" % (path, len(start)))
	sec = []
	for l in doc[start[0] + 1:]:
		if l.startswith("## "):
			break
		sec.append(l)
	tables = []
	for l in sec:
		if l.startswith("|"):
			if not tables or tables[-1][1] is not True:
				tables.append([[], True])
			tables[-1][0].append(l)
		elif tables:
			tables[-1][1] = False
	check(len(tables) == 1, "section 6: want one table, found %d" % len(tables))
	rows = [[c.strip() for c in l.strip().strip("|").split("|")] for l in tables[0][0]]
	check(len(rows) >= 3 and all(re.match(r"^:?-+:?$", c) for c in rows[1]),
	      "section 6: not a markdown table: %r" % tables[0][0][:2])
	head = [c.strip("`") for c in rows[0]]
	check(head[0] == "op", "section 6: the first column must be `op`, got %r" % head[0])
	columns = head[1:]
	check(len(set(columns)) == len(columns), "section 6: repeated column in %r" % columns)
	legend = {}
	word = None
	for l in sec:
		m = re.match(r"^- `([^`]+)`:\s*(.+)$", l)
		if m:
			word = m.group(1)
			check(word not in legend, "section 6: legend defines `%s` twice" % word)
			legend[word] = m.group(2)
		elif word is not None and l.startswith("  ") and l.strip():
			legend[word] += " " + l.strip()  # a continuation line
		else:
			word = None
	check(legend, "section 6: no legend (lines \"- `word`: meaning\") under the table")
	table = {}
	for r in rows[2:]:
		check(len(r) == len(head), "section 6: row %r has %d cells, want %d" % (r, len(r), len(head)))
		m = re.match(r"^`([a-z_]+)`$", r[0])
		check(m, "section 6: the op cell %r is not one op in backticks" % r[0])
		op = m.group(1)
		check(op not in table, "section 6: two rows for `%s`" % op)
		table[op] = {}
		for col, cell in zip(columns, r[1:]):
			check(cell in legend, "section 6: `%s` for %s is %r, not a word of the legend %s" % (
				op, col, cell, sorted(legend)))
			table[op][col] = cell
	return table, columns, legend


def role_column(cn):
	"""The column of section 6 for a principal: its role, or `none`."""
	return ROLE_OF[cn] or "none"


def role_cells(op):
	"""{principal: cell word} of op's row in section 6, for PRINCIPALS."""
	table, columns, _ = role_table()
	check(op in table, "PROTOCOL.md section 6 has no row for `%s`" % op)
	for cn in PRINCIPALS:
		check(role_column(cn) in columns, "PROTOCOL.md section 6 has no column `%s` (for %s)" % (
			role_column(cn), cn))
	return {cn: table[op][role_column(cn)] for cn in PRINCIPALS}


# ---------------------------------------------------------------- shape checks

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")


def shape(obj, spec, path="$"):
	"""Check obj against spec, raising TestFailure.

	spec: "str" "uint" "int" "bool" "nil" "map" "list" "date" "hex64" "bytes" "any";
	a tuple of specs (any of); a dict {key: spec} with exactly these keys,
	"key?" marking an optional key; a one-element list [spec] for arrays;
	a callable returning an error string or None.
	"""
	if isinstance(spec, tuple):
		errs = []
		for s in spec:
			try:
				shape(obj, s, path)
				return
			except TestFailure as e:
				errs.append(str(e))
		fail("%s: none of %r matched: %s" % (path, spec, "; ".join(errs)))
	if isinstance(spec, dict):
		check(isinstance(obj, dict), "%s: want map, got %r" % (path, type_name(obj)))
		want = {k.rstrip("?") for k in spec}
		extra = set(obj) - want
		check(not extra, "%s: unexpected keys %s" % (path, sorted(map(str, extra))))
		for k, s in spec.items():
			opt = k.endswith("?")
			k = k.rstrip("?")
			if k not in obj:
				check(opt, "%s: missing key %r" % (path, k))
				continue
			shape(obj[k], s, "%s.%s" % (path, k))
		return
	if isinstance(spec, list):
		check(isinstance(obj, list), "%s: want array, got %s" % (path, type_name(obj)))
		for i, o in enumerate(obj):
			shape(o, spec[0], "%s[%d]" % (path, i))
		return
	if callable(spec):
		err = spec(obj)
		check(err is None, "%s: %s" % (path, err))
		return
	ok = {
		"str": lambda o: isinstance(o, str),
		"uint": lambda o: isinstance(o, int) and not isinstance(o, bool) and o >= 0,
		"int": lambda o: isinstance(o, int) and not isinstance(o, bool),
		"bool": lambda o: isinstance(o, bool),
		"nil": lambda o: o is None,
		"map": lambda o: isinstance(o, dict),
		"list": lambda o: isinstance(o, list),
		"date": lambda o: isinstance(o, str) and DATE_RE.match(o) is not None,
		"hex64": lambda o: isinstance(o, str) and HEX64_RE.match(o) is not None,
		"bytes": lambda o: isinstance(o, bytes),
		"any": lambda o: True,
	}[spec](obj)
	check(ok, "%s: want %s, got %s %r" % (path, spec, type_name(obj), short(obj)))


def type_name(o):
	if o is None:
		return "nil"
	return type(o).__name__


def short(o, n=120):
	s = repr(o)
	return s if len(s) <= n else s[:n] + "..."


def fields_spec(lst):
	types = {"name": "str", "grade": "str", "score": "uint", "report": "str",
		 "valid_from": "date", "valid_until": "date", "category": "str",
		 "reason": "str", "decision": "str", "listed_on": "date", "expires_on": "date"}
	return {f + "?": types[f] for f in SCHEMA[lst]}


def entry_spec(full, removed=None, lst=None):
	"""Shape of an entry (section 4.3); full: with `by` (regulator)."""
	def fields_ok(f):
		if not isinstance(f, dict):
			return "fields: want map"
		l = lst
		if l is None:
			return None
		order = [k for k in f]
		want = [k for k in SCHEMA[l] if k in f]
		if order != want:
			return "fields not in schema order: %r" % order
		try:
			shape(f, fields_spec(l), "fields")
		except TestFailure as e:
			return str(e)
		return None
	spec = {"list": "str", "subject": "str", "version": "uint", "status": "str",
		"state": "str", "fields": fields_ok, "at": "uint", "seq": "uint"}
	if full:
		spec["by"] = "str"
	if removed is True:
		spec["reason"] = "str"
	elif removed is None:
		spec["reason?"] = "str"
	return spec


def check_entry(e, full, lst, subject, version, status, state, fields, by=None,
		reason=None, t0=None, t1=None):
	"""Check one entry exactly: shape, and every value we know."""
	shape(e, entry_spec(full, status == "removed", lst))
	eq(e["list"], lst, "entry.list")
	eq(e["subject"], subject, "entry.subject")
	eq(e["version"], version, "entry.version of %s/%s" % (lst, subject))
	eq(e["status"], status, "entry.status of %s/%s v%d" % (lst, subject, version))
	eq(e["state"], state, "entry.state of %s/%s v%d" % (lst, subject, version))
	eq(dict(e["fields"]), dict(fields), "entry.fields of %s/%s v%d" % (lst, subject, version))
	if full and by is not None:
		eq(e["by"], by, "entry.by")
	if reason is not None:
		eq(e["reason"], reason, "entry.reason")
	if t0 is not None:
		check(t0 - 5 <= e["at"] <= t1 + 5, "entry.at %r not within [%r, %r]" % (e["at"], t0, t1))


# A change record on the wire (section 4.4); entry versions carry version.
CHANGE_SPEC = {"seq": "uint", "at": "uint", "principal": "str", "op": "str", "list": "str",
	       "subject": "str", "version?": "uint", "case?": "uint", "payload_hash": "hex64",
	       "payload": "bytes", "prev": "hex64", "hash": "hex64"}


# ---------------------------------------------------------------- change hashes

def change_body(ch):
	"""body(n) of section 4.4: the msgpack array over the record's metadata
	and its payload_hash (checked against the payload when it came with
	one: a withdrawn entry's records come without, section 4.7)."""
	ph = ch["payload_hash"]
	if "payload" in ch:
		eq(hashlib.sha256(ch["payload"]).hexdigest(), ph, "payload_hash of change %d" % ch["seq"])
	return msgpack.packb(["qcreg-change-v2", ch["seq"], ch["at"], ch["principal"], ch["op"], ch["list"],
			      ch["subject"], ch.get("version"), ch.get("case"), bytes.fromhex(ph)],
			     use_bin_type=True)


def change_payload(ch):
	"""The payload map of a change record (its bytes are canonical: keys in bytewise order)."""
	p = msgpack.unpackb(ch["payload"], raw=False)
	check(isinstance(p, dict), "payload of change %d is not a map" % ch["seq"])
	eq(list(p), sorted(p, key=lambda k: k.encode()), "payload keys of change %d in bytewise order" % ch["seq"])
	return p


def change_hash(prev_hex, body):
	return hashlib.sha256(bytes.fromhex(prev_hex) + body).hexdigest()


_SAN = {}


def sanitized():
	"""The server under test is an ASan build (RSS figures are not
	comparable; an LD_PRELOAD must not insist on coming after it)."""
	exe = QCREGD if os.path.isabs(QCREGD) else os.path.join(ROOT, QCREGD)
	if exe not in _SAN:
		with open(exe, "rb") as f:
			_SAN[exe] = b"__asan_init" in f.read()
	return _SAN[exe]


# Outcomes of case_close that remove the entry (PROTOCOL.md 4.6).
REMOVING_OUTCOMES = ("revoked", "approved")


def version_status(c):
	"""The status of the entry version a change record wrote."""
	if c["op"] == "case_close":
		return "removed" if change_payload(c)["outcome"] in REMOVING_OUTCOMES else "listed"
	return {"put": "listed", "remove": "removed"}[c["op"]]


def verify_chain(reg):
	"""Fetch the whole log as the regulator and recompute every hash.

	Returns (changes, versions by (list, subject, version))."""
	changes = []
	since = 0
	while True:
		r = reg.ok("changes", since=since, limit=MAX_LIMIT)
		shape(r, {"changes": [CHANGE_SPEC], "head": "uint"})
		if not r["changes"]:
			eq(since, r["head"], "changes head after the last page")
			break
		changes += r["changes"]
		since = r["changes"][-1]["seq"]
	versions = {}
	for subj in sorted({c["subject"] for c in changes if "version" in c}):
		h = reg.ok("history", subject=subj)
		for v in h["versions"]:
			versions[(v["list"], v["subject"], v["version"])] = v
	prev = "0" * 64
	for i, c in enumerate(changes):
		eq(c["seq"], i + 1, "change seq (gap-free from 1)")
		eq(c["prev"], prev, "prev of change %d" % c["seq"])
		p = change_payload(c)
		if "version" in c:
			v = versions.get((c["list"], c["subject"], c["version"]))
			check(v is not None, "change %d: no history version %s/%s v%d" % (
				c["seq"], c["list"], c["subject"], c["version"]))
			eq(v["seq"], c["seq"], "history seq of change %d" % c["seq"])
			eq(v["at"], c["at"], "history at of change %d" % c["seq"])
			eq(v["status"], version_status(c), "status of change %d" % c["seq"])
			if "by" in v:
				eq(v["by"], c["principal"], "by of change %d" % c["seq"])
			eq(p.get("fields"), v["fields"], "payload fields of change %d" % c["seq"])
			eq(p.get("reason"), v.get("reason"), "payload reason of change %d" % c["seq"])
		else:
			check(c["op"] in ("case_open", "case_close", "escalation_dismiss", "withdraw", "restore"),
			      "change %d: a %s that wrote no version" % (c["seq"], c["op"]))
		want = change_hash(prev, change_body(c))
		eq(c["hash"], want, "hash of change %d (recomputed per section 4.4)" % c["seq"])
		prev = c["hash"]
	return changes, versions


# ---------------------------------------------------------------- client

_CTX = {}


def cert_path(cn):
	return os.path.join(CERTS, cn + ".crt"), os.path.join(CERTS, cn + ".key")


# The command line next to the server under test (build/asan/bin/qcreg for
# the ASan suite), unless QCREG names one.
QCREG = os.environ.get("QCREG", os.path.join(os.path.dirname(QCREGD), "qcreg"))


def qcreg(server, args, cn=QUALITY, stdin=None, timeout=60):
	"""Runs the command line against server as cn; returns (exit status, stdout, stderr)."""
	exe = QCREG if os.path.isabs(QCREG) else os.path.join(ROOT, QCREG)
	check(os.access(exe, os.X_OK), "no command line binary %s" % exe)
	crt, key = cert_path(cn)
	p = subprocess.run([exe, "--server", "127.0.0.1:%d" % server.port, "--ca", CA,
			    "--cert", crt, "--key", key] + args,
			   input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
			   cwd=ROOT, timeout=timeout)
	return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def run_qcregd(*args, timeout=120):
	"""Runs qcregd to its end (a maintenance mode: --migrate, --reindex,
	--restore, --check-config); returns the CompletedProcess, its log in
	stderr, after checking that no sanitizer spoke."""
	exe = QCREGD if os.path.isabs(QCREGD) else os.path.join(ROOT, QCREGD)
	p = subprocess.run([exe] + list(args), cwd=ROOT, stdin=subprocess.DEVNULL,
			   capture_output=True, text=True, timeout=timeout)
	for m in SAN_MARKERS:
		check(m not in p.stderr, "sanitizer report from qcregd %s:\n%s" % (" ".join(args), p.stderr))
	return p


def make_ctx(cn=None, ca=CA, min_version=None, max_version=None, ciphers=None, cert=None):
	key = (cn, ca, min_version, max_version, ciphers, cert)
	if key in _CTX:
		return _CTX[key]
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
	ctx.load_verify_locations(ca)
	ctx.check_hostname = True
	if ciphers is not None:
		ctx.set_ciphers(ciphers)
	if min_version is not None:
		ctx.minimum_version = min_version
	if max_version is not None:
		ctx.maximum_version = max_version
	if cert is not None:
		ctx.load_cert_chain(*cert)
	elif cn is not None:
		ctx.load_cert_chain(*cert_path(cn))
	_CTX[key] = ctx
	return ctx


def pack(obj):
	return msgpack.packb(obj, use_bin_type=True)


def frame(obj):
	b = obj if isinstance(obj, (bytes, bytearray)) else pack(obj)
	return struct.pack(">I", len(b)) + b


def unpack_body(body):
	"""Exactly one msgpack map, else TestFailure."""
	try:
		obj = msgpack.unpackb(body, raw=False, strict_map_key=True)
	except Exception as e:
		fail("server sent a body that is not one msgpack value: %s (%r)" % (e, short(bytes(body))))
	check(isinstance(obj, dict), "server sent a frame that is not a map: %r" % short(obj))
	return obj


class Client:
	"""One mutual-TLS connection to qcregd."""

	def __init__(self, port, cn=REGULATOR, timeout=15, host="127.0.0.1", ctx=None,
		     server_hostname=None, rcvbuf=None):
		self.cn = cn
		self.ctx = ctx if ctx is not None else make_ctx(cn)
		raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		try:
			raw.settimeout(timeout)
			if rcvbuf is not None:
				# small buffers, so that a client that does not read is felt soon
				raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
				raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, rcvbuf)
			raw.connect((host, port))
			# the server's log names a connection by this port (PEER % port)
			self.port = raw.getsockname()[1]
			self.sock = self.ctx.wrap_socket(raw, server_hostname=server_hostname or host)
		except BaseException:
			raw.close()
			raise
		self.sock.settimeout(timeout)
		self.next_id = 1
		self.buf = bytearray()
		self.stalled = None

	def close(self):
		try:
			self.sock.close()
		except OSError:
			pass

	def __enter__(self):
		return self

	def __exit__(self, *a):
		self.close()

	# -- raw I/O
	def send_raw(self, data):
		self.sock.sendall(data)

	def send(self, msg):
		self.sock.sendall(frame(msg))

	def _fill(self, n):
		while len(self.buf) < n:
			try:
				d = self.sock.recv(65536)
			except (ssl.SSLError, ConnectionError) as e:
				raise Closed("%s: %s" % (type(e).__name__, e))
			if not d:
				raise Closed("EOF")
			self.buf += d

	def recv_body(self):
		self._fill(4)
		(n,) = struct.unpack(">I", self.buf[:4])
		check(1 <= n <= 16 * MAX_FRAME, "server frame length %d" % n)
		self._fill(4 + n)
		body = bytes(self.buf[4:4 + n])
		del self.buf[:4 + n]
		return body

	def recv(self):
		return unpack_body(self.recv_body())

	def expect_closed(self, timeout=10):
		"""The server closes: no frame, then EOF (or a reset or alert)."""
		self.sock.settimeout(timeout)
		try:
			self._fill(len(self.buf) + 1)
		except Closed:
			return
		except socket.timeout:
			fail("connection still open %ss after the error" % timeout)
		fail("server sent more bytes instead of closing: %r" % short(bytes(self.buf)))

	# -- requests
	def request(self, op, **args):
		rid = self.next_id
		self.next_id += 1
		msg = {"id": rid, "op": op}
		msg.update(args)
		self.send(msg)
		r = self.recv()
		check_response(r, rid)
		return r

	def ok(self, op, **args):
		r = self.request(op, **args)
		if not r["ok"]:
			fail("%s %s as %s: %s" % (op, short(args, 200), self.cn, r["error"]))
		return r["result"]

	def err(self, op, code, **args):
		r = self.request(op, **args)
		if r["ok"]:
			fail("%s %s as %s: want error %s, got ok %s" % (op, short(args, 200), self.cn, code,
									short(r["result"])))
		eq(r["error"]["code"], code, "error code of %s %s as %s (%s)" % (
			op, short(args, 160), self.cn, r["error"].get("message")))
		return r["error"]

	def hello_ok(self):
		"""The connection is still usable: hello answers with the right id."""
		r = self.ok("hello")
		eq(r["principal"], self.cn, "hello principal")


def wait_until(pred, timeout, what, step=0.05):
	"""Poll pred() until it is true; fail with what after timeout."""
	deadline = time.monotonic() + timeout
	while True:
		v = pred()
		if v:
			return v
		if time.monotonic() > deadline:
			fail("%s (not within %ss)" % (what, timeout))
		time.sleep(step)


def refused_peer(port, ctx=None, data=None, timeout=10, what="peer"):
	"""Connect a peer the server must refuse and return its local port
	(for Server.wait_log(peer=...)).

	With ctx: a TLS handshake, then a hello; the refusal must come as a
	failed handshake, or as an alert or EOF on the first read (TLS 1.3
	clients may see their handshake complete, section 1). With data: those
	raw bytes instead of TLS; the server may answer only with a TLS alert
	record, then must close. An answer, or neither a refusal nor an answer
	within timeout, fails: a timeout is never taken for a refusal."""
	raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
	local = raw.getsockname()[1]
	try:
		if data is not None:
			got = b""
			try:
				raw.sendall(data)
				while True:
					d = raw.recv(4096)
					if not d:
						break
					got += d
			except ConnectionError:
				pass
			except socket.timeout:
				fail("%s: the connection is neither refused nor closed after %ss (got %r)" % (
					what, timeout, got[:40]))
			check(got == b"" or got[0] == 0x15,
			      "%s: the server sent %r, not a TLS alert" % (what, got[:40]))
			return local
		try:
			tls = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
		except (ssl.SSLError, ConnectionError):
			return local  # refused at the handshake
		except socket.timeout:
			fail("%s: the TLS handshake neither finished nor failed within %ss" % (what, timeout))
		try:
			tls.settimeout(timeout)
			try:
				tls.sendall(frame({"id": 1, "op": "hello"}))
				d = tls.recv(4096)
			except (ssl.SSLError, ConnectionError):
				return local  # refused: an alert (or a reset) on the first read
			except socket.timeout:
				fail("%s: no answer and no refusal within %ss" % (what, timeout))
			check(d == b"", "%s: the server answered: %r" % (what, short(d, 80)))
			return local  # refused: closed before any frame
		finally:
			tls.close()
	finally:
		raw.close()


def check_response(r, rid):
	"""Shape of an answer (section 3); rid None means the id must be nil."""
	check("id" in r and "ok" in r, "answer without id/ok: %r" % short(r))
	if rid is None:
		check(r["id"] is None, "answer id: got %r, want nil" % (r["id"],))
	else:
		eq(r["id"], rid, "answer id")
	shape(r["ok"], "bool", "$.ok")
	if r["ok"]:
		shape(r, {"id": ("uint", "nil"), "ok": "bool", "result": "any"})
	else:
		shape(r, {"id": ("uint", "nil"), "ok": "bool", "error": {"code": "str", "message": "str"}})


def pump(client, msgs, timeout=120, hold=False, on_hold_end=None):
	"""Send every message (pipelined) while reading answers; return the answers.

	hold: first write without reading until the server has taken no byte
	for a second (or all are sent), then read; client.stalled is the bytes
	still unsent then (None if all were sent). That second only decides
	when reading starts, it proves nothing: whether the server stopped
	reading for good is not visible from here (the idle-timeout tests of
	test_hostile.py show it by the server's log). on_hold_end() is called
	once when the hold ends, before the first read. Single-threaded,
	non-blocking."""
	payload = b"".join(frame(m) for m in msgs)
	out = memoryview(payload)
	sock = client.sock
	answers = []
	deadline = time.monotonic() + timeout
	sock.setblocking(False)
	stalled_since = None
	try:
		while len(answers) < len(msgs):
			left = deadline - time.monotonic()
			if left <= 0:
				fail("pipelined: %d of %d answers after %ss (%d bytes unsent)" % (
					len(answers), len(msgs), timeout, len(out)))
			reading = not (hold and len(out) > 0)
			if reading and on_hold_end is not None:
				cb, on_hold_end = on_hold_end, None
				cb()
			if reading and sock.pending() > 0:
				r, w = [sock], []
			else:
				r, w, _ = select.select([sock] if reading else [], [sock] if out else [], [],
							min(left, 0.5))
			if w and out:
				try:
					n = sock.send(out[:262144])
					out = out[n:]
					stalled_since = None
				except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
					pass
			elif hold and out:
				if stalled_since is None:
					stalled_since = time.monotonic()
				elif time.monotonic() - stalled_since > 1.0:
					hold = False  # the server has stopped reading: now read
					client.stalled = len(out)
			if r:
				try:
					d = sock.recv(262144)
				except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
					d = None
				except (ssl.SSLError, ConnectionError) as e:
					fail("pipelined: connection failed after %d answers: %s" % (len(answers), e))
				if d == b"":
					fail("pipelined: EOF after %d of %d answers" % (len(answers), len(msgs)))
				if d:
					client.buf += d
					while len(client.buf) >= 4:
						(n,) = struct.unpack(">I", client.buf[:4])
						if len(client.buf) < 4 + n:
							break
						answers.append(unpack_body(bytes(client.buf[4:4 + n])))
						del client.buf[:4 + n]
	finally:
		sock.setblocking(True)
		sock.settimeout(15)
	return answers


# ---------------------------------------------------------------- server

_LIVE = []
_TMPDIRS = []


def _pdeathsig():
	"""Child side: die with the harness even if it is killed with -9."""
	try:
		libc = ctypes.CDLL("libc.so.6", use_errno=True)
		libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
	except Exception:
		pass


def mktemp(prefix="qcreg-it-"):
	d = tempfile.mkdtemp(prefix=prefix)
	_TMPDIRS.append(d)
	return d


class Server:
	"""qcregd on 127.0.0.1:0 with its own data dir (kept across restarts)."""

	def __init__(self, name="srv", data=None, config=None):
		self.name = name
		self.config = config or CONFIG
		# a command the server runs under (fiu-run), and its environment
		self.wrapper = []
		self.env = None
		self.tmp = mktemp("qcreg-%s-" % name)
		self.data = data or os.path.join(self.tmp, "data")
		os.makedirs(self.data, exist_ok=True)
		self.proc = None
		self.port = None
		# more qcregd arguments (--replica-of HOST:PORT)
		self.args = []
		self.starts = 0
		self.logs = []
		self.scanned = {}

	def start(self, timeout=60):
		self.starts += 1
		pf = os.path.join(self.tmp, "port.%d" % self.starts)
		self.port_file = pf
		log = os.path.join(self.tmp, "qcregd.%d.log" % self.starts)
		self.logs.append(log)
		exe = QCREGD if os.path.isabs(QCREGD) else os.path.join(ROOT, QCREGD)
		check(os.access(exe, os.X_OK), "no server binary %s" % exe)
		with open(log, "wb") as lf:
			self.proc = subprocess.Popen(
				self.wrapper + [exe, "--config", self.config, "--listen", "127.0.0.1:0",
						"--http-listen", "127.0.0.1:0", "--data", self.data,
						"--port-file", pf] + self.args,
				cwd=ROOT, stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT,
				preexec_fn=_pdeathsig, env=self.env)
		_LIVE.append(self)
		deadline = time.monotonic() + timeout
		delay = 0.01
		while True:
			if self.proc.poll() is not None:
				fail("qcregd exited with %s before listening\n%s" % (self.proc.returncode,
										     self.log_tail()))
			try:
				with open(pf) as f:
					txt = f.read().strip()
				if txt:
					self.port = int(txt.split()[-1].rsplit(":", 1)[-1])
					break
			except (FileNotFoundError, ValueError):
				pass
			if time.monotonic() > deadline:
				self.kill9()
				fail("qcregd wrote no port file within %ss\n%s" % (timeout, self.log_tail()))
			time.sleep(delay)
			delay = min(delay * 2, 0.2)
		return self

	def alive(self):
		return self.proc is not None and self.proc.poll() is None

	def http_port(self):
		"""The HTTPS API's port (http_listen), from PORT_FILE.http."""
		with open(self.port_file + ".http") as f:
			return int(f.read().split()[-1])

	def stop(self, sig=signal.SIGTERM, timeout=30):
		"""Signal, wait (bounded, then SIGKILL); return the exit status."""
		if self.proc is None:
			return None
		p = self.proc
		if p.poll() is None:
			try:
				p.send_signal(sig)
			except ProcessLookupError:
				pass
			try:
				p.wait(timeout=timeout)
			except subprocess.TimeoutExpired:
				p.kill()
				p.wait(timeout=10)
				self.proc = None
				if self in _LIVE:
					_LIVE.remove(self)
				fail("qcregd did not exit within %ss of signal %d\n%s" % (
					timeout, sig, self.log_tail()))
		self.proc = None
		if self in _LIVE:
			_LIVE.remove(self)
		return p.returncode

	def wait(self, timeout=30):
		"""Wait for an exit already under way (no signal); return the status."""
		p = self.proc
		if p is None:
			return None
		try:
			p.wait(timeout=timeout)
		except subprocess.TimeoutExpired:
			self.stop(signal.SIGKILL, timeout=10)
			fail("qcregd still running %ss after the signal\n%s" % (timeout, self.log_tail()))
		self.proc = None
		if self in _LIVE:
			_LIVE.remove(self)
		return p.returncode

	def kill9(self):
		return self.stop(signal.SIGKILL, timeout=10)

	def restart(self):
		rc = self.stop()
		self.start()
		return rc

	def stop_clean(self):
		"""SIGTERM must exit 0 with no sanitizer report."""
		rc = self.stop()
		self.assert_no_sanitizer()
		eq(rc, 0, "qcregd exit status after SIGTERM")

	def log_text(self):
		out = []
		for l in self.logs:
			try:
				with open(l, "rb") as f:
					out.append(f.read().decode("utf-8", "replace"))
			except OSError:
				pass
		return "".join(out)

	def log_tail(self, n=40):
		lines = self.log_text().splitlines()
		return "\n".join("  | " + l for l in lines[-n:]) if lines else "  | (server log empty)"

	# -- the log as events: one line per event (README "Logs"), all starts
	# in order. `since` is a mark from log_mark(): only later lines count.
	# `peer` is a client's local port: only lines naming that connection
	# ("127.0.0.1:PORT: ..." or "127.0.0.1:PORT (principal): ...") count.

	def log_lines(self):
		"""The lines logged so far, every start in order; a line the running
		server is still writing is left out."""
		out = []
		for i, l in enumerate(self.logs):
			try:
				with open(l, "rb") as f:
					t = f.read().decode("utf-8", "replace")
			except OSError:
				continue
			lines = t.split("\n")
			last = lines.pop()  # after the last newline: "" or an unfinished line
			if last and i < len(self.logs) - 1:
				lines.append(last)  # that server is gone: its last line is whole
			out += lines
		return out

	def log_mark(self):
		"""A mark for since=: the lines logged up to now."""
		return len(self.log_lines())

	def log_find(self, pattern, since=0, peer=None):
		"""The re.Match of every line after since that matches pattern (re.search)."""
		rx = re.compile(pattern)
		return [m for m in (rx.search(l) for l in self._lines_of(since, peer)) if m]

	def _lines_of(self, since, peer):
		lines = self.log_lines()[since:]
		if peer is None:
			return lines
		who = re.compile(r"(?<![0-9.])%s(?![0-9])" % re.escape(PEER % peer))
		return [l for l in lines if who.search(l)]

	def log_count(self, pattern, since=0, peer=None):
		return len(self.log_find(pattern, since, peer))

	def wait_log(self, pattern, timeout=10, since=0, peer=None, count=1):
		"""Wait until count lines after since match pattern (and name peer);
		return the match of the first. The timeout only turns a missing line
		into a failure, which shows the pattern and the log."""
		def found():
			ms = self.log_find(pattern, since, peer)
			return ms if len(ms) >= count else None
		deadline = time.monotonic() + timeout
		while True:
			ms = found()
			if ms:
				return ms[0]
			if time.monotonic() > deadline or (self.proc is not None and self.proc.poll() is not None):
				ms = found()  # the last lines of an exited server
				if ms:
					return ms[0]
				who = " for peer %s" % (PEER % peer) if peer is not None else ""
				mine = self._lines_of(since, peer)
				fail("server log: %d of %d line(s) matching /%s/%s within %ss%s; its lines:\n%s" % (
					len(self.log_find(pattern, since, peer)), count, pattern, who, timeout,
					"" if self.alive() else " (the server exited)",
					"\n".join("  | " + l for l in mine[-25:]) if mine else "  | (none)"))
			time.sleep(0.02)

	def assert_no_log(self, pattern, since=0, peer=None):
		ms = self.log_find(pattern, since, peer)
		check(not ms, "server log has a line matching /%s/%s: %r" % (
			pattern, " for peer %s" % (PEER % peer) if peer is not None else "", ms[0].string if ms else ""))

	def new_sanitizer_report(self):
		"""A sanitizer report that appeared since the last call, or None."""
		for l in self.logs:
			try:
				with open(l, "rb") as f:
					f.seek(self.scanned.get(l, 0))
					txt = f.read()
			except OSError:
				continue
			self.scanned[l] = self.scanned.get(l, 0) + len(txt)
			t = txt.decode("utf-8", "replace")
			for m in SAN_MARKERS:
				i = t.find(m)
				if i >= 0:
					lines = t[i:].splitlines()[:30]
					return "\n".join("  | " + x for x in lines)
		return None

	def assert_no_sanitizer(self):
		rep = self.new_sanitizer_report()
		if rep:
			fail("sanitizer report in the server log:\n" + rep)

	def connect(self, cn=REGULATOR, **kw):
		return Client(self.port, cn, **kw)

	def status(self, key):
		"""A /proc/PID/status value in kB (e.g. VmRSS), or 0."""
		try:
			with open("/proc/%d/status" % self.proc.pid) as f:
				for l in f:
					if l.startswith(key + ":"):
						return int(l.split()[1])
		except (OSError, AttributeError):
			pass
		return 0

	def nfds(self):
		"""Open file descriptors of the running server."""
		return len(os.listdir("/proc/%d/fd" % self.proc.pid))


def write_config(path, **sections):
	"""A copy of the development config with keys replaced or added.

	sections: {"server": {"crl": "certs/dev/ca.crl"}, "limits": {...}};
	a key of the section is replaced where it is set (or commented out
	as "; key =") else appended to the section; a value None comments
	the key out. Paths in [server] are made absolute so that the file
	may live anywhere."""
	with open(os.path.join(ROOT, CONFIG), encoding="utf-8") as f:
		lines = f.read().splitlines()
	todo = {sec: dict(kv) for sec, kv in sections.items()}
	out = []
	sec = None

	def flush():
		for k, v in todo.get(sec, {}).items():
			if v is not None:
				out.append("%s = %s" % (k, v))
		todo.pop(sec, None)
	for l in lines:
		m = re.match(r"^\[(.*)\]\s*$", l)
		if m:
			flush()
			sec = m.group(1)
			out.append(l)
			continue
		m = re.match(r"^;?\s*([a-z_]+)\s*=\s*(.*)$", l)
		if m and m.group(1) in todo.get(sec, {}):
			v = todo[sec].pop(m.group(1))
			out.append("%s%s = %s" % ("; " if v is None else "", m.group(1),
						  m.group(2) if v is None else v))
			continue
		if sec == "server" and m and not l.startswith(";") and m.group(1) in (
				"ca", "cert", "key", "crl", "calendar", "regions", "replica_cert",
				"replica_key"):
			out.append("%s = %s" % (m.group(1), os.path.join(ROOT, m.group(2))))
			continue
		out.append(l)
	flush()
	for s_, kv in todo.items():
		out.append("[%s]" % s_)
		out += ["%s = %s" % (k, v) for k, v in kv.items() if v is not None]
	with open(path, "w", encoding="utf-8") as f:
		f.write("\n".join(out) + "\n")
	return path


def _cleanup():
	for s in list(_LIVE):
		try:
			if s.proc is not None and s.proc.poll() is None:
				s.proc.kill()
				s.proc.wait(timeout=10)
		except Exception:
			pass
	if os.environ.get("QC_KEEP") != "1":
		for d in _TMPDIRS:
			shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


# ---------------------------------------------------------------- runner

class Ctx:
	"""What a test gets: the file's shared server and fresh ones on demand."""

	def __init__(self, suite):
		self.suite = suite
		self.fresh = []

	@property
	def server(self):
		return self.suite.shared_server()

	def fresh_server(self, name="fresh", start=True, config=None, data=None):
		s = Server(name, data=data, config=config)
		self.fresh.append(s)
		if start:
			s.start()
		return s


class Suite:
	def __init__(self, name):
		self.name = name
		self.tests = []
		self._shared = None
		self.setup = None

	def test(self, timeout=60):
		def deco(fn):
			self.tests.append((fn.__name__, fn, timeout))
			return fn
		return deco

	def shared_server(self):
		if self._shared is None or not self._shared.alive():
			self._shared = Server(self.name).start()
			if self.setup is not None:
				self.setup(self._shared)
		return self._shared


class _Alarm(Exception):
	pass


def _on_alarm(signum, frm):
	raise TestTimeout("test timed out")


def run_suite(suite, results):
	flt = os.environ.get("QC_FILTER", "")
	for name, fn, timeout in suite.tests:
		full = "%s.%s" % (suite.name, name)
		if flt and flt not in full:
			continue
		ctx = Ctx(suite)
		reason = None
		detail = ""
		signal.signal(signal.SIGALRM, _on_alarm)
		signal.setitimer(signal.ITIMER_REAL, timeout)
		try:
			fn(ctx)
		except TestFailure as e:
			reason = str(e)
		except TestTimeout:
			reason = "timed out after %ss" % timeout
			detail = traceback.format_exc(limit=6)
		except Exception as e:
			reason = "%s: %s" % (type(e).__name__, e)
			detail = traceback.format_exc(limit=6)
		finally:
			signal.setitimer(signal.ITIMER_REAL, 0)
		# Fresh servers: stop them; a sanitizer report fails this test.
		for s in ctx.fresh:
			try:
				if s.alive():
					s.stop()
			except TestFailure as e:
				reason = reason or str(e)
			rep = s.new_sanitizer_report()
			if rep and reason is None:
				reason = "sanitizer report in the server log"
				detail += rep + "\n"
			elif rep:
				detail += rep + "\n"
			if reason is not None and not detail and "  | " not in reason:
				detail = s.log_tail(25) + "\n"
		sh = suite._shared
		if sh is not None:
			rep = sh.new_sanitizer_report()
			if rep:
				reason = reason or "sanitizer report in the shared server's log"
				detail += rep + "\n"
			if not sh.alive():
				reason = reason or "the shared server died"
				detail += "shared server exit status %s\n%s\n" % (
					sh.proc.returncode if sh.proc else None, sh.log_tail(25))
				if sh in _LIVE:
					_LIVE.remove(sh)
				suite._shared = None
			elif reason is not None and not detail:
				detail = sh.log_tail(15) + "\n"
		report(full, reason, detail, results)
	sh = suite._shared
	if sh is not None:
		full = "%s.shared_server_sigterm_clean" % suite.name
		reason = None
		detail = ""
		try:
			sh.stop_clean()
		except TestFailure as e:
			reason = str(e).splitlines()[0]
			detail = "\n".join(str(e).splitlines()[1:]) + "\n" + sh.log_tail(15)
		report(full, reason, detail, results)
		suite._shared = None


def report(full, reason, detail, results):
	if reason is None:
		print("PASS %s" % full, flush=True)
		results[0] += 1
		return
	lines = reason.splitlines() or ["?"]
	print("FAIL %s: %s" % (full, lines[0]), flush=True)
	more = "\n".join(lines[1:]) + "\n" + (detail or "")
	for l in more.strip("\n").splitlines():
		print("  " + l if not l.startswith("  ") else l, flush=True)
	results[1] += 1


def preflight(results):
	"""One server must start and answer hello, else the suite stops here."""
	signal.signal(signal.SIGALRM, _on_alarm)
	signal.setitimer(signal.ITIMER_REAL, 90)
	s = None
	try:
		for f in (CA,) + cert_path(PLATFORM):
			check(os.path.exists(f), "missing %s (make certs)" % f)
		s = Server("preflight").start()
		with s.connect(PLATFORM) as c:
			c.hello_ok()
		s.stop_clean()
		return True
	except Exception as e:
		report("preflight", "the server does not start and answer hello; no test run: %s: %s" % (
			type(e).__name__, e), "", results)
		return False
	finally:
		signal.setitimer(signal.ITIMER_REAL, 0)
		if s is not None and s.alive():
			s.kill9()


def load(path):
	name = os.path.splitext(os.path.basename(path))[0]
	spec = importlib.util.spec_from_file_location(name, path)
	mod = importlib.util.module_from_spec(spec)
	sys.modules[name] = mod
	spec.loader.exec_module(mod)
	return mod


def main(argv):
	warnings.filterwarnings("ignore", category=DeprecationWarning)
	signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
	sys.path.insert(0, HERE)
	sys.modules.setdefault("harness", sys.modules[__name__])
	files = argv[1:] or sorted(os.path.join(HERE, f) for f in os.listdir(HERE)
				   if f.startswith("test_") and f.endswith(".py"))
	results = [0, 0]
	print("# qcregd: %s" % QCREGD, flush=True)
	if not preflight(results):
		print("%d passed, %d failed" % (results[0], results[1]), flush=True)
		return 1
	for f in files:
		try:
			mod = load(f)
		except Exception as e:
			report(os.path.basename(f), "cannot load: %s: %s" % (type(e).__name__, e),
			       traceback.format_exc(limit=4), results)
			continue
		suite = getattr(mod, "suite", None)
		if suite is None:
			continue
		try:
			run_suite(suite, results)
		except Exception as e:
			report(suite.name + ".suite", "%s: %s" % (type(e).__name__, e),
			       traceback.format_exc(limit=6), results)
	print("%d passed, %d failed" % (results[0], results[1]), flush=True)
	return 0 if results[1] == 0 else 1


if __name__ == "__main__":
	sys.exit(main(sys.argv))
