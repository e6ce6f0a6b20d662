#!/usr/bin/python3
"""Crash loop (issue 4): kill -9 qcregd in the middle of pipelined writes,
restart it, and prove that nothing acknowledged was lost and nothing
unacknowledged is half there.

Each iteration starts qcregd on the same data directory, checks the
registry against the model of everything written so far, then has four
connections (two quality-bureau on `credit`, tourism-bureau, commerce-
bureau) pipeline puts and removes (most with if_version), a fifth
(tourism-bureau) opens notice cases and closes earlier ones, and the server
is kill -9ed when a random number of them (1 to 90% of the iteration's
writes) has been acknowledged: a count of answers, not a time. Every
write carries a unique token (in a field, or the remove reason), so after
the restart each stored version is traced to the request that made it.
The checks:

- every acknowledged write is stored with the version and seq it was
  acknowledged with, its fields (or reason) and its principal;
- per connection, the stored writes are a prefix of the writes it sent
  (the writer commits in order), and every one of them is whole: a change
  record, a history version with the same seq and time, the current entry
  and the `check` summary agree; no other version exists;
- the change log is gap-free from 1 to the head and every hash is
  recomputed (PROTOCOL.md 4.4) and chained; older records keep their hash;
- every stored case event is traced to its request (the token is the
  case's text or the closing's reason) and answered as acknowledged; the
  open and closed cases listed by `cases` are exactly the model's;
- stats (head, totals, states, grades) match the model exactly;
- at least one kill found writes in flight (sent before the kill, never
  answered): else the loop never crashed the server mid-write and proves
  nothing about it.

Usage: crash_loop.py [--iterations N] [--seed S] [--verbose]
Environment: QCREGD (default bin/qcregd), QC_KEEP=1 keeps the data.
Prints "PASS crash_loop: ..." or "FAIL crash_loop: ...", exits 0 or 1.
"""

import argparse
import bisect
import itertools
import os
import random
import select
import signal
import ssl
import struct
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import harness  # noqa: E402
from harness import (COMMERCE, LISTS, MAX_LIMIT, QUALITY, REGULATOR,  # noqa: E402
		     TOURISM, Server, TestFailure, change_body, change_hash, check,
		     check_response, check_result, credit_fields, eq, fail, frame, short,
		     tourism_fields, change_payload, day,
		     adv_fields, unpack_body, uscc, with_defaults)

# The list name "cases" marks the slot that opens and closes cases (on tourism).
SLOTS = [(QUALITY, "credit"), (QUALITY, "credit"), (TOURISM, "tourism"), (COMMERCE, "advertising"),
	 (TOURISM, "cases")]
CASE_OPS = ("case_open", "case_close")
TOKEN_FIELD = {"credit": "report", "tourism": "reason", "advertising": "reason"}
CATEGORIES = ["unlicensed_agency", "unlicensed_guide", "illegal_website", "illegal_vehicle", "other"]
B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

def log(msg):
	print("# crash loop: " + msg, flush=True)


# ---------------------------------------------------------------- model

class Model:
	"""Everything the registry must hold, as verified after each restart."""

	def __init__(self):
		self.entries = {}       # (list, subject) -> [version dict], oldest first
		self.owner = {}         # (list, subject) -> slot that may write it with if_version
		self.owned = [[] for _ in SLOTS]   # stored keys by owner slot
		self.hashes = []        # hash of change seq n at [n - 1]
		self.next_subject = 0
		self.cases = {}         # case id -> {"subject", "token", "open"}

	@property
	def head(self):
		return len(self.hashes)

	def new_subject(self, lst, slot, rng):
		self.next_subject += 1
		k = self.next_subject + slot * 10000000
		kind = {"credit": ["uscc"], "tourism": ["uscc", "guide", "site", "plate"],
			"advertising": ["uscc", "site"]}[lst][rng.randrange({"credit": 1, "tourism": 4,
									   "advertising": 2}[lst])]
		if kind == "uscc":
			return uscc(50000000 + k)
		if kind == "guide":
			return "guide:CL-%d" % k
		if kind == "site":
			return "site:cl%d.example.cn" % k
		p = ""
		for _ in range(6):
			p = B36[k % 36] + p
			k //= 36
		return "plate:闽A" + p

	def current(self, key):
		v = self.entries.get(key)
		return v[-1] if v else None

	def expected_hits(self, key):
		cur = self.current(key)
		if cur is None or cur["status"] != "listed":
			return []
		h = {"list": key[0]}
		if key[0] == "credit":
			h["grade"] = cur["fields"]["grade"]
		if cur["fields"].get("expires_on") is not None:
			h["until"] = cur["fields"]["expires_on"]
		return [h]

	def stats(self):
		lists = {}
		for l in LISTS:
			c = {"total": 0, "active": 0, "pending": 0, "expired": 0, "removed": 0}
			if l == "credit":
				c["grades"] = {g: 0 for g in "ABCD"}
			lists[l] = c
		for (l, _), vs in self.entries.items():
			if not vs:
				continue
			c = lists[l]
			c["total"] += 1
			if vs[-1]["status"] == "removed":
				c["removed"] += 1
			else:
				c["active"] += 1
				if l == "credit":
					c["grades"][vs[-1]["fields"]["grade"]] += 1
		return {"head": self.head, "total": sum(c["total"] for c in lists.values()), "lists": lists}


# ---------------------------------------------------------------- writes

def plan(model, slot, it, rng, cap):
	"""The writes one connection sends this iteration, each with a token.

	Assumes every earlier write of the plan succeeds (they do, unless the
	server dies, and then the rest is not stored either)."""
	cn, lst = SLOTS[slot]
	if lst == "cases":
		return plan_cases(model, slot, it, rng, cap)
	local = {}   # key -> [version, status, fields] as planned
	owned = rng.sample(model.owned[slot], min(200, len(model.owned[slot])))
	hot = [(lst, uscc(90000000 + it * 4 + h)) for h in range(2)] if lst == "credit" else []
	reqs = []
	for n in range(cap):
		token = "i%dc%dn%d" % (it, slot, n)
		r = rng.random()
		known = list(local) + [k for k in owned if k not in local]
		if hot and r >= 0.88:
			key = hot[rng.randrange(len(hot))]
			m = {"op": "put", "list": lst, "subject": key[1], "fields": fields(lst, token, rng)}
		elif r < 0.45 or not known:
			key = (lst, model.new_subject(lst, slot, rng))
			m = {"op": "put", "list": lst, "subject": key[1], "fields": fields(lst, token, rng),
			     "if_version": 0}
			local[key] = [1, "listed"]
			model.owner[key] = slot
		else:
			key = known[rng.randrange(len(known))]
			if key not in local:
				cur = model.current(key)
				local[key] = [cur["version"], cur["status"]]
			ver, status = local[key]
			if r < 0.75 or status == "removed":
				m = {"op": "put", "list": lst, "subject": key[1], "fields": fields(lst, token, rng),
				     "if_version": ver}
				local[key] = [ver + 1, "listed"]
			else:
				m = {"op": "remove", "list": lst, "subject": key[1], "reason": token,
				     "if_version": ver}
				local[key] = [ver + 1, "removed"]
		m["id"] = n + 1
		m["token"] = token
		reqs.append(m)
	return reqs


def plan_cases(model, slot, it, rng, cap):
	"""Notices opened on fresh subjects (text = token), and earlier open
	cases closed as withdrawn (reason = token)."""
	open_ids = [c for c, v in model.cases.items() if v["open"]]
	closing = set()
	reqs = []
	for n in range(cap):
		token = "i%dc%dn%d" % (it, slot, n)
		left = [c for c in open_ids if c not in closing]
		if left and rng.random() < 0.3:
			cid = left[rng.randrange(len(left))]
			closing.add(cid)
			m = {"op": "case_close", "case": cid, "outcome": "withdrawn", "reason": token,
			     "_key": ("tourism", model.cases[cid]["subject"])}
		else:
			model.next_subject += 1
			subj = "guide:CS-%d" % model.next_subject
			m = {"op": "case_open", "list": "tourism", "subject": subj, "kind": "notice",
			     "received_on": day(-1), "text": token, "fields": tourism_fields(reason=token)}
		m["id"] = n + 1
		m["token"] = token
		reqs.append(m)
	return reqs


def key_of(m):
	return m.get("_key") or (m["list"], m["subject"])


def case_traced(c, by_token, stored, what):
	"""A stored case event against the request that made it."""
	p = change_payload(c)
	token = p["text"] if c["op"] == "case_open" else p["reason"]
	check(token in by_token, "%s: token %r was never sent" % (what, token))
	check(token not in stored, "%s: token %r stored twice" % (what, token))
	slot, pos, m = by_token[token]
	eq(m["op"], c["op"], what + ": op of token " + token)
	eq(key_of(m), (c["list"], c["subject"]), what + ": entry of token " + token)
	eq(c["principal"], SLOTS[slot][0], what + ": principal")
	if c["op"] == "case_open":
		eq(c["case"], c["seq"], what + ": a case is known by its opening seq")
		eq(p["fields"], with_defaults("tourism", m["fields"]), what + ": the proposal")
	else:
		eq((c["case"], p["outcome"], "version" in c), (m["case"], "withdrawn", False), what + ": closing")
	return token, {"seq": c["seq"], "case": c["case"], "op": c["op"], "subject": c["subject"]}


def fields(lst, token, rng):
	if lst == "credit":
		f = credit_fields("ABCD"[rng.randrange(4)], report=token)
		if rng.random() < 0.5:
			f["score"] = rng.randrange(101)
		return f
	if lst == "tourism":
		return tourism_fields(CATEGORIES[rng.randrange(len(CATEGORIES))], reason=token)
	return adv_fields(reason=token)


def wire(m):
	return {k: v for k, v in m.items() if k not in ("token", "_key")}


class Acks:
	"""Answers received by every stream; `reached` is set at `target`."""

	def __init__(self, target):
		self.lock = threading.Lock()
		self.n = 0
		self.target = target
		self.reached = threading.Event()

	def add(self, k):
		with self.lock:
			self.n += k
			if self.n >= self.target:
				self.reached.set()


def stream(client, reqs, answers, stop, spread, acks, progress, slot):
	"""Send the requests pipelined, released in bursts spread over `spread`
	seconds (so that a kill finds writes in flight), while reading answers,
	until all are answered or the connection dies. Answers are appended as
	they come and counted in acks; progress[slot] is the number of requests
	wholly handed to the socket."""
	sock = client.sock
	frames = [frame(wire(m)) for m in reqs]
	ends = list(itertools.accumulate(len(f) for f in frames))
	sent = 0
	released = 0
	out = b""
	buf = bytearray()
	sock.setblocking(False)
	t0 = time.monotonic()
	deadline = t0 + 60
	try:
		while len(answers) < len(reqs) and time.monotonic() < deadline and not stop.is_set():
			due = min(len(reqs), 8 + int((time.monotonic() - t0) / spread * len(reqs)))
			if due > released:
				out = bytes(out) + b"".join(frames[released:due])
				released = due
			if sock.pending() > 0:
				r, w = [sock], []
			else:
				r, w, _ = select.select([sock], [sock] if out else [], [],
							0.005 if released < len(reqs) else 0.2)
			if w and out:
				try:
					n = sock.send(out[:65536])
					out = memoryview(out)[n:]
					sent += n
					progress[slot] = bisect.bisect_right(ends, sent)
				except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
					pass
				except (OSError, ssl.SSLError):
					return
			if r:
				try:
					d = sock.recv(262144)
				except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
					continue
				except (OSError, ssl.SSLError):
					return
				if not d:
					return
				buf += d
				k = 0
				while len(buf) >= 4:
					(n,) = struct.unpack(">I", buf[:4])
					if len(buf) < 4 + n:
						break
					answers.append(unpack_body(bytes(buf[4:4 + n])))
					del buf[:4 + n]
					k += 1
				acks.add(k)
	except Exception as e:  # a malformed answer: reported by the check of answers
		answers.append({"exception": "%s: %s" % (type(e).__name__, e)})
		acks.add(1)


# ---------------------------------------------------------------- verification

def pipelined(reg, msgs):
	"""Answers to msgs (ids set here), in order."""
	for i, m in enumerate(msgs):
		m["id"] = i + 1
	out = []
	for k in range(0, len(msgs), 2000):
		part = msgs[k:k + 2000]
		ans = harness.pump(reg, part, timeout=120)
		for m, a in zip(part, ans):
			check_response(a, m["id"])
		out += ans
	return out


def cases_listed(reg, state):
	"""The ids of the crash loop's cases in a state, every page."""
	out, after = [], 0
	while True:
		r = reg.ok("cases", state=state, list="tourism", after=after, limit=MAX_LIMIT)
		out += [c["case"] for c in r["cases"] if c["subject"].startswith("guide:CS-")]
		if r["next"] is None:
			return out
		after = r["next"]


def fetch_changes(reg, since, head):
	out = []
	while since < head:
		r = reg.ok("changes", since=since, limit=MAX_LIMIT)
		check(r["changes"], "changes since %d: empty below head %d" % (since, head))
		out += r["changes"]
		since = r["changes"][-1]["seq"]
	return out


def version_of(v):
	"""What the model keeps of a history version."""
	d = {"version": v["version"], "seq": v["seq"], "at": v["at"], "status": v["status"],
	     "fields": dict(v["fields"]), "by": v.get("by")}
	if v["status"] == "removed":
		d["reason"] = v["reason"]
	return d


def verify(s, model, rounds, rng, stats_out):
	"""The registry after a restart against the model and the writes of
	the last iteration: rounds = [(slot, reqs, answers)]."""
	with s.connect(REGULATOR) as reg:
		st = reg.ok("stats")
		head = st["head"]
		check(head >= model.head, "head went back from %d to %d" % (model.head, head))
		# the old tail keeps its hash; a few random older records too
		for seq in {model.head} | {rng.randint(1, model.head) for _ in range(5)} if model.head else ():
			r = reg.ok("changes", since=seq - 1, limit=1)["changes"]
			check(r and r[0]["seq"] == seq, "change %d is gone" % seq)
			eq(r[0]["hash"], model.hashes[seq - 1], "hash of old change %d" % seq)
		new = fetch_changes(reg, model.head, head)
		prev = model.hashes[-1] if model.hashes else "0" * 64
		for i, c in enumerate(new):
			eq(c["seq"], model.head + 1 + i, "change seq (gap-free)")
			eq(c["prev"], prev, "prev of change %d" % c["seq"])
			prev = c["hash"]
		# every entry touched by a sent request: its whole history
		by_token = {}
		keys = set()
		case_keys = set()
		for slot, reqs, _ in rounds:
			for pos, m in enumerate(reqs):
				by_token[m["token"]] = (slot, pos, m)
				(case_keys if m["op"] in CASE_OPS else keys).add(key_of(m))
		for c in new:
			check((c["list"], c["subject"]) in (case_keys if c["op"] in CASE_OPS else keys),
			      "change %d (%s) on %s/%s: nobody wrote that" % (c["seq"], c["op"], c["list"],
									   c["subject"]))
		keys = sorted(keys)
		hist = pipelined(reg, [{"op": "history", "subject": k[1], "list": k[0]} for k in keys])
		stored = {}          # token -> version dict, or case event
		stored_keys = []     # (version dict, key)
		matched = 0
		for c in new:
			if c["op"] in CASE_OPS:
				what = "%s %d of case %d" % (c["op"], c["seq"], c["case"])
				p = model.hashes[-1] if c["seq"] == model.head + 1 and model.hashes else \
					("0" * 64 if c["seq"] == 1 else new[c["seq"] - model.head - 2]["hash"])
				eq(c["hash"], change_hash(p, change_body(c)), what + ": hash (section 4.4)")
				token, ev = case_traced(c, by_token, stored, what)
				stored[token] = ev
				matched += 1
		for key, a in zip(keys, hist):
			old = model.entries.get(key, [])
			if not a["ok"]:
				eq(a["error"]["code"], "not_found", "history of %s/%s" % key)
				eq(old, [], "history of %s/%s: versions lost" % key)
				vs = []
			else:
				vs = a["result"]["versions"]
			check(len(vs) >= len(old), "%s/%s: %d versions, %d before" % (key[0], key[1], len(vs),
										     len(old)))
			for o, v in zip(old, vs):
				eq(version_of(v), o, "old version %d of %s/%s" % (o["version"], key[0], key[1]))
			for i, v in enumerate(vs[len(old):]):
				what = "%s/%s v%d" % (key[0], key[1], v["version"])
				eq(v["version"], len(old) + i + 1, what + ": version numbers")
				check(model.head < v["seq"] <= head, "%s: seq %d is not a new change (%d..%d)" % (
					what, v["seq"], model.head + 1, head))
				c = new[v["seq"] - model.head - 1]
				eq((c["list"], c["subject"], c["version"]), (key[0], key[1], v["version"]),
				   what + ": its change record")
				eq(c["op"], {"listed": "put", "removed": "remove"}[v["status"]], what + ": op")
				eq(c["at"], v["at"], what + ": at")
				eq(c["principal"], v["by"], what + ": principal")
				p = model.hashes[-1] if c["seq"] == model.head + 1 and model.hashes else \
					("0" * 64 if c["seq"] == 1 else new[c["seq"] - model.head - 2]["hash"])
				eq(c["hash"], change_hash(p, change_body(c)), what + ": hash (section 4.4)")
				token = v["reason"] if v["status"] == "removed" else v["fields"][TOKEN_FIELD[key[0]]]
				check(token in by_token, "%s: token %r was never sent" % (what, token))
				check(token not in stored, "%s: token %r stored twice" % (what, token))
				slot, pos, m = by_token[token]
				eq(v["by"], SLOTS[slot][0], what + ": by")
				eq((m["list"], m["subject"]), key, what + ": request of token " + token)
				if m["op"] == "put":
					eq(v["status"], "listed", what + ": status")
					eq(v["fields"], with_defaults(key[0], m["fields"]), what + ": fields")
				else:
					eq(v["status"], "removed", what + ": status")
					eq(v["reason"], m["reason"], what + ": reason")
					eq(v["fields"], (vs[len(old) + i - 1] if i else old[-1])["fields"],
					   what + ": a removal keeps the fields it removes")
				if "if_version" in m:
					eq(v["version"], m["if_version"] + 1, what + ": if_version %d" % m["if_version"])
				stored[token] = version_of(v)
				stored_keys.append((stored[token], key))
				matched += 1
		eq(matched, len(new), "new change records traced to stored versions")
		# per connection: a stored prefix holding every acknowledged write
		acked = unacked_in = unacked_out = 0
		for slot, reqs, answers in rounds:
			n_ack = 0
			for m, a in zip(reqs, answers):
				check("exception" not in a, "slot %d: %s" % (slot, a.get("exception")))
				check_response(a, m["id"])
				check(a["ok"], "slot %d: write %s refused: %s" % (slot, short(wire(m), 160),
										 a.get("error")))
				n_ack += 1
			present = [m["token"] in stored for m in reqs]
			k = sum(present)
			if present != [True] * k + [False] * (len(reqs) - k):
				gap = present.index(False)
				fail("slot %d: stored writes are not a prefix of the sent ones: write %d (%s) is "
				     "missing, write %d is stored" % (slot, gap + 1, reqs[gap]["token"],
								     gap + 1 + present[gap:].index(True) + 1))
			check(k >= n_ack, "slot %d: %d writes acknowledged, %d stored" % (slot, n_ack, k))
			for m, a in zip(reqs, answers):
				v = stored[m["token"]]
				what = "slot %d: acknowledged %s %s/%s" % ((slot, m["op"]) + key_of(m))
				if m["op"] == "case_open":
					eq((a["result"]["case"], a["result"]["seq"]), (v["case"], v["seq"]), what)
				elif m["op"] == "case_close":
					eq(a["result"], {"seq": v["seq"]}, what)
				else:
					eq((v["version"], v["seq"]), (a["result"]["version"], a["result"]["seq"]),
					   what)
			acked += n_ack
			unacked_in += k - n_ack
			unacked_out += len(reqs) - k
		# fold the new versions into the model, in seq order
		for v, key in sorted(((v, k) for v, k in stored_keys), key=lambda x: x[0]["seq"]):
			if key not in model.entries and model.owner.get(key) is not None:
				model.owned[model.owner[key]].append(key)
			model.entries.setdefault(key, []).append(v)
		model.hashes += [c["hash"] for c in new]
		for ev in sorted((v for v in stored.values() if "op" in v), key=lambda v: v["seq"]):
			if ev["op"] == "case_open":
				model.cases[ev["case"]] = {"subject": ev["subject"], "open": True}
			else:
				check(model.cases[ev["case"]]["open"], "case %d closed twice" % ev["case"])
				model.cases[ev["case"]]["open"] = False
		for state, is_open in (("open", True), ("closed", False)):
			listed = cases_listed(reg, state)
			eq(listed, sorted(c for c, v in model.cases.items() if v["open"] == is_open),
			   "%s cases listed after the restart" % state)
		# the current entry and the check summary agree with the last version
		gets = pipelined(reg, [{"op": "get", "subject": k[1], "lists": [k[0]]} for k in keys])
		for key, a in zip(keys, gets):
			cur = model.current(key)
			if cur is None:
				check(not a["ok"] and a["error"]["code"] == "not_found",
				      "get of %s/%s (never stored): %r" % (key[0], key[1], short(a)))
				continue
			check(a["ok"], "get of %s/%s: %r" % (key[0], key[1], a.get("error")))
			e = a["result"]["entries"]
			eq(len(e), 1, "get of %s/%s" % key)
			eq((e[0]["version"], e[0]["seq"], e[0]["status"], dict(e[0]["fields"])),
			   (cur["version"], cur["seq"], cur["status"], cur["fields"]),
			   "current entry of %s/%s" % key)
		subs = [k[1] for k in keys]
		res = []
		for k in range(0, len(subs), 1000):
			res += reg.ok("check", subjects=subs[k:k + 1000])["results"]
		for key, r in zip(keys, res):
			eq(r, check_result(key[1], model.expected_hits(key)), "check of %s/%s" % key)
		st = reg.ok("stats")
		eq(st, model.stats(), "stats")
	stats_out["acked"] += acked
	stats_out["unacked_stored"] += unacked_in
	stats_out["unacked_absent"] += unacked_out
	stats_out["stored"] += len(new)
	return acked, unacked_in, unacked_out


def full_log_check(s, model):
	"""The whole log once more: gap-free, chained, every hash as first verified."""
	with s.connect(REGULATOR) as reg:
		allc = fetch_changes(reg, 0, reg.ok("stats")["head"])
	eq(len(allc), model.head, "length of the change log")
	prev = "0" * 64
	for i, c in enumerate(allc):
		eq(c["seq"], i + 1, "seq")
		eq(c["prev"], prev, "prev of %d" % c["seq"])
		eq(c["hash"], model.hashes[i], "hash of %d" % c["seq"])
		prev = c["hash"]


# ---------------------------------------------------------------- the loop

def run(args):
	rng = random.Random(args.seed)
	model = Model()
	s = Server("crash")
	totals = {"acked": 0, "unacked_stored": 0, "unacked_absent": 0, "stored": 0, "midstream": 0,
		  "in_flight": 0}
	rounds = []
	t0 = time.monotonic()
	for it in range(args.iterations + 1):
		s.start()
		verify(s, model, rounds, rng, totals)
		if it == args.iterations:
			break
		plans = [plan(model, k, it, rng, args.cap) for k in range(len(SLOTS))]
		clients = [s.connect(SLOTS[k][0]) for k in range(len(SLOTS))]
		answers = [[] for _ in SLOTS]
		sent = sum(len(p) for p in plans)
		acks = Acks(rng.randint(1, max(1, sent * 9 // 10)))
		progress = [0] * len(SLOTS)
		stop = threading.Event()
		ths = [threading.Thread(target=stream, args=(clients[k], plans[k], answers[k], stop, args.spread,
							     acks, progress, k), daemon=True)
		       for k in range(len(SLOTS))]
		for t in ths:
			t.start()
		# the kill comes with the target-th answer (a timeout here is a hang)
		if not acks.reached.wait(60):
			fail("iteration %d: %d of %d writes answered in 60 s (kill at %d)" % (
				it + 1, acks.n, sent, acks.target))
		handed = list(progress)
		s.kill9()
		for t in ths:
			t.join(30)
		stop.set()
		for t in ths:
			t.join(10)
			check(not t.is_alive(), "a writer thread is stuck")
		for c in clients:
			c.close()
		# handed to the socket before the kill and never answered: in flight
		in_flight = sum(max(0, handed[k] - len(answers[k])) for k in range(len(SLOTS)))
		totals["in_flight"] += in_flight
		if in_flight:
			totals["midstream"] += 1
		rounds = [(k, plans[k], list(answers[k])) for k in range(len(SLOTS))]
		if args.verbose:
			log("iteration %d: killed at answer %d of %d writes, %d writes in flight" % (
				it + 1, acks.target, sent, in_flight))
		elif (it + 1) % 10 == 0:
			log("%d iterations, %d acknowledged writes so far, %.0f s" % (
				it + 1, totals["acked"], time.monotonic() - t0))
	full_log_check(s, model)
	s.stop_clean()
	if args.iterations:
		check(totals["midstream"] > 0, "no kill of %d found a write in flight: the server was never "
		      "crashed mid-write" % args.iterations)
	return totals, time.monotonic() - t0, model


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	ap.add_argument("--iterations", type=int, default=100)
	ap.add_argument("--seed", type=int, default=None)
	ap.add_argument("--cap", type=int, default=500, help="most writes per connection per iteration")
	ap.add_argument("--spread", type=float, default=0.6,
			help="seconds over which a connection releases its writes")
	ap.add_argument("--timeout", type=int, default=None, help="seconds for the whole loop")
	ap.add_argument("--verbose", action="store_true")
	args = ap.parse_args()
	if args.seed is None:
		args.seed = random.SystemRandom().randrange(1 << 30)
	timeout = args.timeout or 60 + 6 * args.iterations
	os.chdir(harness.ROOT)
	signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))

	def on_alarm(*a):
		raise harness.TestTimeout("crash loop timed out after %ss" % timeout)
	signal.signal(signal.SIGALRM, on_alarm)
	signal.alarm(timeout)
	print("# crash loop: qcregd %s, %d iterations, seed %d" % (harness.QCREGD, args.iterations, args.seed),
	      flush=True)
	try:
		totals, secs, model = run(args)
	except (TestFailure, harness.TestTimeout, Exception) as e:
		signal.alarm(0)
		print("FAIL crash_loop: %s (seed %d)" % (str(e).splitlines()[0] if str(e) else type(e).__name__,
							 args.seed), flush=True)
		for l in str(e).splitlines()[1:]:
			print("  " + l, flush=True)
		if not isinstance(e, TestFailure):
			traceback.print_exc(limit=8, file=sys.stdout)
		for srv in list(harness._LIVE):
			print(srv.log_tail(15), flush=True)
		return 1
	signal.alarm(0)
	print("PASS crash_loop: %d iterations in %.0f s (%d killed with writes in flight, %d in all); "
	      "%d acknowledged writes checked, %d unacknowledged found whole, %d absent; %d changes, "
	      "chain verified" % (
		      args.iterations, secs, totals["midstream"], totals["in_flight"], totals["acked"],
		      totals["unacked_stored"], totals["unacked_absent"], model.head), flush=True)
	return 0


if __name__ == "__main__":
	sys.exit(main())
