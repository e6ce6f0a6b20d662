"""Every error code of section 7 that a client can cause.

`unavailable` (storage full, shutting down) and `internal` (a server fault)
cannot be produced from outside on a healthy server; they are not tested here
(the durability suite accepts `unavailable` for writes racing a SIGTERM).
`bad_frame` is in test_framing.py. Every error here must leave the
connection usable and the data unchanged.
"""

from harness import *

suite = Suite("errors")

ALL_OPS = ["hello", "check", "get", "put", "remove", "history", "scan", "changes", "stats"]


def cases(subj, site):
	"""(principal, request without id or with its own, expected code, echo id?)"""
	V = credit_fields()
	R, Q, P, A, C = REGULATOR, QUALITY, PLATFORM, ADMIN, COMMERCE
	out = [
		# id
		(R, {"op": "hello"}, "bad_request", None),
		(R, {"id": -1, "op": "hello"}, "bad_request", None),
		(R, {"id": "1", "op": "hello"}, "bad_request", None),
		(R, {"id": 1.0, "op": "hello"}, "bad_request", None),
		(R, {"id": None, "op": "hello"}, "bad_request", None),
		(R, {"id": True, "op": "hello"}, "bad_request", None),
		(R, {"id": [1], "op": "hello"}, "bad_request", None),
		(R, {"id": -(2 ** 63), "op": "hello"}, "bad_request", None),
		# op
		(R, {"id": 11}, "bad_request", 11),
		(R, {"id": 12, "op": 1}, "bad_request", 12),
		(R, {"id": 13, "op": None}, "bad_request", 13),
		(R, {"id": 14, "op": ["hello"]}, "bad_request", 14),
		(R, {"id": 15, "op": "nope"}, "unknown_op", 15),
		(R, {"id": 16, "op": "HELLO"}, "unknown_op", 16),
		(R, {"id": 17, "op": "hello "}, "unknown_op", 17),
		(R, {"id": 18, "op": "restore"}, "unknown_op", 18),
		(P, {"id": 2 ** 64 - 1, "op": "nope"}, "unknown_op", 2 ** 64 - 1),
		(P, {"id": 0, "op": "get"}, "bad_request", 0),
		# arguments
		(R, {"op": "check", "subjects": [subj], "limit": 1}, "bad_request", 1),
		(R, {"op": "get", "subject": subj, "list": "credit"}, "bad_request", 1),
		(R, {"op": "get", "subject": subj, "lists": "credit"}, "bad_request", 1),
		(R, {"op": "get", "subject": subj, "lists": []}, "bad_request", 1),
		(R, {"op": "get"}, "bad_request", 1),
		(R, {"op": "get", "subject": 5}, "bad_request", 1),
		(R, {"op": "get", "subject": [subj]}, "bad_request", 1),
		(R, {"op": "history"}, "bad_request", 1),
		(R, {"op": "history", "subject": subj, "list": 5}, "bad_request", 1),
		(R, {"op": "history", "subject": subj, "lists": ["credit"]}, "bad_request", 1),
		(R, {"op": "scan"}, "bad_request", 1),
		(R, {"op": "scan", "list": "credit", "limit": 0}, "bad_request", 1),
		(R, {"op": "scan", "list": "credit", "limit": -1}, "bad_request", 1),
		(R, {"op": "scan", "list": "credit", "limit": "10"}, "bad_request", 1),
		(R, {"op": "scan", "list": "credit", "state": "bogus"}, "bad_request", 1),
		(R, {"op": "scan", "list": "credit", "state": "Active"}, "bad_request", 1),
		(R, {"op": "scan", "list": "credit", "after": 5}, "bad_request", 1),
		(R, {"op": "scan", "list": ["credit"]}, "bad_request", 1),
		(R, {"op": "scan", "list": "credit", "since": 0}, "bad_request", 1),
		(R, {"op": "changes", "limit": 0}, "bad_request", 1),
		(R, {"op": "changes", "since": -1}, "bad_request", 1),
		(R, {"op": "changes", "since": "0"}, "bad_request", 1),
		(R, {"op": "changes", "limit": 1.5}, "bad_request", 1),
		(R, {"op": "changes", "list": "credit"}, "bad_request", 1),
		(R, {"op": "stats", "list": ["credit"]}, "bad_request", 1),
		(R, {"op": "stats", "by": "county"}, "bad_request", 1),
		(R, {"op": "stats", "region": "410"}, "bad_request", 1),
		(R, {"op": "hello", "x": 1}, "bad_request", 1),
		(Q, {"op": "put", "list": "credit", "subject": subj, "fields": V, "x": None}, "bad_request", 1),
		(Q, {"op": "put", "list": "credit", "subject": subj, "fields": dict(V, grade="Z")},
		 "bad_request", 1),
		(Q, {"op": "remove", "list": "credit", "subject": subj, "reason": ""}, "bad_request", 1),
		(A, {"op": "stats", "x": 1}, "bad_request", 1),
		# invalid_subject
		(R, {"op": "get", "subject": "uscc:123"}, "invalid_subject", 1),
		(R, {"op": "get", "subject": uscc_bad(3)}, "invalid_subject", 1),
		(R, {"op": "history", "subject": "site:no"}, "invalid_subject", 1),
		(R, {"op": "scan", "list": "credit", "after": "nope"}, "invalid_subject", 1),
		(Q, {"op": "put", "list": "credit", "subject": "guide:ABCD", "fields": V}, "invalid_subject", 1),
		(Q, {"op": "put", "list": "credit", "subject": "x", "fields": V}, "invalid_subject", 1),
		(Q, {"op": "remove", "list": "credit", "subject": "x", "reason": "r"}, "invalid_subject", 1),
		# unknown_list
		(R, {"op": "check", "subjects": [subj], "lists": ["water"]}, "unknown_list", 1),
		(R, {"op": "get", "subject": subj, "lists": ["water"]}, "unknown_list", 1),
		(R, {"op": "scan", "list": "water"}, "unknown_list", 1),
		(R, {"op": "scan", "list": "CREDIT"}, "unknown_list", 1),
		(R, {"op": "history", "subject": subj, "list": "water"}, "unknown_list", 1),
		(Q, {"op": "put", "list": "water", "subject": subj, "fields": V}, "unknown_list", 1),
		(Q, {"op": "remove", "list": "water", "subject": subj, "reason": "r"}, "unknown_list", 1),
		# forbidden
		(P, {"op": "put", "list": "credit", "subject": subj, "fields": V}, "forbidden", 1),
		(P, {"op": "stats"}, "forbidden", 1),
		(A, {"op": "get", "subject": subj}, "forbidden", 1),
		(C, {"op": "remove", "list": "credit", "subject": subj, "reason": "r"}, "forbidden", 1),
		(UNKNOWN, {"op": "check", "subjects": [subj]}, "forbidden", 1),
		# not_found
		(R, {"op": "get", "subject": uscc(999999)}, "not_found", 1),
		(R, {"op": "history", "subject": uscc(999999)}, "not_found", 1),
		(R, {"op": "history", "subject": subj, "list": "tourism"}, "not_found", 1),
		(P, {"op": "get", "subject": subj, "lists": ["advertising"]}, "not_found", 1),
		(Q, {"op": "remove", "list": "credit", "subject": uscc(999999), "reason": "r"}, "not_found", 1),
		# conflict
		(Q, {"op": "put", "list": "credit", "subject": subj, "fields": V, "if_version": 0}, "conflict", 1),
		(Q, {"op": "put", "list": "credit", "subject": subj, "fields": V, "if_version": 7}, "conflict", 1),
		(Q, {"op": "remove", "list": "credit", "subject": subj, "reason": "r", "if_version": 7},
		 "conflict", 1),
		(C, {"op": "remove", "list": "advertising", "subject": site, "reason": "r"}, "conflict", 1),
		# too_large
		(P, {"op": "check", "subjects": [subj] * (MAX_BATCH + 1)}, "too_large", 1),
		(R, {"op": "scan", "list": "credit", "limit": MAX_LIMIT + 1}, "too_large", 1),
		(R, {"op": "changes", "limit": MAX_LIMIT + 1}, "too_large", 1),
		(P, {"op": "changes", "limit": 2 ** 64 - 1}, "too_large", 1),
	]
	return out


@suite.test(timeout=120)
def every_error_code(ctx):
	s = ctx.server
	subj = new_uscc()
	site = new_site()
	with s.connect(QUALITY) as q, s.connect(COMMERCE) as c:
		q.ok("put", list="credit", subject=subj, fields=credit_fields("A"))
		c.ok("put", list="advertising", subject=site, fields=adv_fields())
		c.ok("remove", list="advertising", subject=site, reason="撤销")
	conns = {}
	failures = []
	with s.connect(REGULATOR) as reg:
		before = snapshot(reg)
		seen_before = (reg.ok("get", subject=subj), reg.ok("history", subject=site))
		try:
			for cn, req, code, echo in cases(subj, site):
				c = conns.get(cn)
				if c is None:
					c = conns[cn] = s.connect(cn)
				msg = dict(req)
				if echo == 1 and "id" not in msg:
					msg["id"] = c.next_id
					c.next_id += 1
				c.send(msg)
				r = c.recv()
				try:
					check_response(r, msg.get("id") if echo is not None else None)
					check(not r["ok"], "accepted")
					eq(r["error"]["code"], code, "error code")
				except TestFailure as e:
					failures.append("%s %s: %s (answer %s)" % (cn, short(req, 100), e, short(r, 200)))
				# the connection is still usable
				c.hello_ok()
		finally:
			for c in conns.values():
				c.close()
		check(not failures, "%d wrong answers:\n%s" % (len(failures), "\n".join(failures)))
		eq(snapshot(reg), before, "registry after the errors")
		eq((reg.ok("get", subject=subj), reg.ok("history", subject=site)), seen_before,
		   "entries after the errors")


@suite.test(timeout=60)
def unknown_argument_every_op(ctx):
	s = ctx.server
	subj = new_uscc()
	with s.connect(QUALITY) as q, s.connect(REGULATOR) as reg:
		q.ok("put", list="credit", subject=subj, fields=credit_fields())
		before = snapshot(reg)
		base = {"hello": {}, "check": {"subjects": [subj]}, "get": {"subject": subj},
			"put": {"list": "credit", "subject": subj, "fields": credit_fields()},
			"remove": {"list": "credit", "subject": subj, "reason": "r"},
			"history": {"subject": subj}, "scan": {"list": "credit"}, "changes": {}, "stats": {}}
		for op in ALL_OPS:
			c = q if op in ("put", "remove") else reg
			if op == "check":
				c = q
			for extra in ({"bogus": 1}, {"Subject": subj}, {"": 0}, {"id2": 1}):
				c.err(op, "bad_request", **dict(base[op], **extra))
			c.hello_ok()
		eq(snapshot(reg), before, "registry after unknown arguments")


@suite.test(timeout=60)
def id_echo(ctx):
	with ctx.server.connect(PLATFORM) as p:
		for rid in (0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 63, 2 ** 64 - 1):
			p.send({"id": rid, "op": "hello"})
			r = p.recv()
			check_response(r, rid)
			check(r["ok"], "hello failed")
		# the same id twice is answered twice, in order
		p.send({"id": 5, "op": "hello"})
		p.send({"id": 5, "op": "nope"})
		check_response(p.recv(), 5)
		r = p.recv()
		check_response(r, 5)
		eq(r["error"]["code"], "unknown_op", "second answer")
