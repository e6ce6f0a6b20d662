"""Framing (section 2) on raw TLS connections.

Each violation must be answered with exactly one bad_frame frame whose id is
nil, then the connection is closed; another open connection keeps working.
"""

import struct

from harness import *

suite = Suite("framing")


def raw(body):
	return struct.pack(">I", len(body)) + body


def nested(depth):
	"""A request map whose nesting is `depth` levels (the top map is 1)."""
	v = 1
	for _ in range(depth - 1):
		v = [v]
	return {"id": 1, "op": "hello", "x": v}


HELLO = pack({"id": 1, "op": "hello"})

VIOLATIONS = [
	("zero_length", b"\0\0\0\0"),
	("over_max_frame", struct.pack(">I", MAX_FRAME + 1)),
	("over_max_frame_with_some_body", struct.pack(">I", MAX_FRAME + 1) + b"\x80" * 4096),
	("length_ffffffff", b"\xff\xff\xff\xff"),
	("http_request", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
	("not_a_map_array", raw(pack([1, 2]))),
	("not_a_map_int", raw(pack(5))),
	("not_a_map_str", raw(pack("hello"))),
	("not_a_map_nil", raw(b"\xc0")),
	("not_a_map_bin", raw(pack(b"\x01\x02"))),
	("trailing_byte", raw(HELLO + b"\xc0")),
	("two_maps", raw(HELLO + HELLO)),
	("garbage_reserved_byte", raw(b"\xc1")),
	("garbage_in_map", raw(b"\x82\xa2id\x01\xa2op\xc1")),
	("garbage_random", raw(bytes((i * 37 + 11) % 256 for i in range(200)))),
	("truncated_map", raw(b"\x82\xa2id\x01")),
	("truncated_str", raw(b"\x82\xa2id\x01\xa2op\xa5hel")),
	("str32_beyond_frame", raw(b"\x81\xa1x\xdb\x3b\x9a\xca\x00abc")),
	("map32_bomb", raw(b"\xdf\x10\x00\x00\x00")),
	("array32_bomb_inside", raw(b"\x83\xa2id\x01\xa2op\xa5hello\xa1x\xdd\x10\x00\x00\x00")),
	("map32_4g_bomb", raw(b"\xdf\xff\xff\xff\xff")),
	("too_deep_9", raw(pack(nested(9)))),
	("too_deep_40", raw(pack(nested(40)))),
	("too_deep_maps", raw(b"\x81\xa1a" * 20 + b"\x01")),
]


def _bad_frame_then_closed(c, what):
	try:
		r = c.recv()
	except Closed as e:
		fail("%s: closed without a bad_frame answer (%s)" % (what, e))
	check_response(r, None)
	check(not r["ok"], "%s: answered ok" % what)
	eq(r["error"]["code"], "bad_frame", "%s: error code" % what)
	c.expect_closed()


def _violation_test(name, data):
	def t(ctx):
		s = ctx.server
		with s.connect(PLATFORM) as witness, s.connect(PLATFORM) as c:
			witness.hello_ok()
			c.hello_ok()
			c.send_raw(data)
			_bad_frame_then_closed(c, name)
			witness.hello_ok()
			eq(witness.ok("check", subjects=[uscc(1)])["results"][0]["subject"], uscc(1), "witness check")
		with s.connect(PLATFORM) as fresh:
			fresh.hello_ok()
	t.__name__ = name
	return t


for _n, _d in VIOLATIONS:
	suite.test(timeout=60)(_violation_test(_n, _d))


@suite.test(timeout=60)
def violation_as_first_frame(ctx):
	"""Before any request: the answer and the close come just the same."""
	s = ctx.server
	for name, data in VIOLATIONS[:4]:
		with s.connect(PLATFORM) as c:
			c.send_raw(data)
			_bad_frame_then_closed(c, name)


@suite.test(timeout=60)
def pipelined_before_violation(ctx):
	"""Requests before the bad frame are answered, in order; nothing after it."""
	with ctx.server.connect(PLATFORM) as c:
		c.send_raw(frame({"id": 1, "op": "hello"}) + frame({"id": 2, "op": "check", "subjects": [uscc(2)]})
			   + b"\0\0\0\0" + frame({"id": 3, "op": "hello"}))
		check_response(c.recv(), 1)
		check_response(c.recv(), 2)
		_bad_frame_then_closed(c, "zero length after two requests")


@suite.test(timeout=60)
def writes_in_flight_before_violation(ctx):
	"""Writes still at the writer are answered before the bad_frame and
	the close; a read and an error between them keep their places."""
	avoid_midnight()
	subj = uscc(700001)
	f = credit_fields("B")
	msgs = [
		{"id": 1, "op": "put", "list": "credit", "subject": subj, "fields": f},
		{"id": 2, "op": "nosuchop"},
		{"id": 3, "op": "get", "subject": subj},
		{"id": 4, "op": "put", "list": "credit", "subject": subj, "fields": f, "if_version": 1},
	]
	with ctx.server.connect(QUALITY) as c:
		c.send_raw(b"".join(frame(m) for m in msgs) + b"\0\0\0\0")
		a = [c.recv() for _ in msgs]
		for m, r in zip(msgs, a):
			check_response(r, m["id"])
		check(a[0]["ok"] and a[0]["result"]["version"] == 1, "put 1: %r" % a[0])
		eq(a[1]["error"]["code"], "unknown_op", "unknown op between writes")
		check(a[2]["ok"] and a[2]["result"]["entries"][0]["version"] == 1,
		    "the get sees the put before it: %r" % a[2])
		check(a[3]["ok"] and a[3]["result"]["version"] == 2, "put 2: %r" % a[3])
		_bad_frame_then_closed(c, "zero length after writes")


@suite.test(timeout=60)
def depth_8_is_accepted(ctx):
	with ctx.server.connect(PLATFORM) as c:
		c.send(nested(8))
		r = c.recv()
		check_response(r, 1)
		check(not r["ok"], "unknown argument accepted")
		eq(r["error"]["code"], "bad_request", "8 levels with an unknown argument")
		c.send({"id": 2, "op": "check", "subjects": [uscc(3)], "lists": ["credit"]})
		check_response(c.recv(), 2)
		maps = {"id": 3, "op": "hello", "x": {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}}
		c.send(maps)
		r = c.recv()
		check_response(r, 3)
		eq(r["error"]["code"], "bad_request", "8 levels of maps")
		c.hello_ok()


def _frame_of_size(total, rid):
	n = total - 40
	while True:
		body = pack({"id": rid, "op": "hello", "pad": "x" * n})
		if len(body) == total:
			return body
		n += total - len(body)


@suite.test(timeout=60)
def max_frame_is_accepted(ctx):
	with ctx.server.connect(PLATFORM) as c:
		body = _frame_of_size(MAX_FRAME, 1)
		eq(len(body), MAX_FRAME, "test frame size")
		c.send_raw(raw(body))
		r = c.recv()
		check_response(r, 1)
		check(not r["ok"] and r["error"]["code"] == "bad_request",
		      "a frame of exactly max_frame with an unknown argument: %r" % short(r))
		c.hello_ok()
	with ctx.server.connect(PLATFORM) as c:
		body = _frame_of_size(MAX_FRAME + 1, 1)
		eq(len(body), MAX_FRAME + 1, "test frame size")
		try:
			# the server may answer and close after the length alone
			c.send_raw(raw(body)[:4 + 4096])
		except (ssl.SSLError, ConnectionError):
			pass
		_bad_frame_then_closed(c, "a frame of max_frame + 1")


@suite.test(timeout=60)
def non_str_key_or_invalid_utf8(ctx):
	"""Map keys are str and str is UTF-8: accept bad_frame (closed) or bad_request (open)."""
	s = ctx.server
	for data in (raw(b"\x83\xa2id\x01\xa2op\xa5hello\x05\x05"),
		     raw(b"\x82\xa2id\x01\xa2op\xa5hel\xff\xfe"),
		     raw(b"\x83\xa2id\x01\xa2op\xa5hello\xa2\xff\xfe\x01")):
		with s.connect(PLATFORM) as c:
			c.send_raw(data)
			r = c.recv()
			if r.get("id") is None:
				check_response(r, None)
				check(r["error"]["code"] in ("bad_frame", "bad_request"), "code %r" % r["error"])
				if r["error"]["code"] == "bad_frame":
					c.expect_closed()
				else:
					c.hello_ok()
			else:
				check_response(r, 1)
				check(not r["ok"], "accepted %r" % data)
				check(r["error"]["code"] in ("bad_request", "unknown_op"), "code %r" % r["error"])
				c.hello_ok()


@suite.test(timeout=60)
def truncated_then_close(ctx):
	"""A peer that leaves mid-frame: the server survives and serves others."""
	s = ctx.server
	with s.connect(PLATFORM) as witness:
		witness.hello_ok()
		for data in (b"\x00\x00", raw(HELLO)[:7], struct.pack(">I", 5000) + b"\x80" * 100,
			     struct.pack(">I", MAX_FRAME) + b"\x00" * 300000):
			c = s.connect(PLATFORM)
			c.hello_ok()
			c.send_raw(data)
			c.close()
			# TCP close without TLS close_notify
			c = s.connect(PLATFORM)
			c.send_raw(data)
			try:
				c.sock.shutdown(socket.SHUT_RDWR)
			except OSError:
				pass
			c.close()
			witness.hello_ok()
		with s.connect(PLATFORM) as fresh:
			fresh.hello_ok()


@suite.test(timeout=60)
def bomb_does_not_grow_memory(ctx):
	s = ctx.fresh_server("bomb")

	def rss():
		with open("/proc/%d/status" % s.proc.pid) as f:
			for l in f:
				if l.startswith("VmRSS:"):
					return int(l.split()[1])
		return 0
	with s.connect(PLATFORM) as c:
		c.hello_ok()
	r0 = rss()
	for _ in range(20):
		for data in (raw(b"\xdf\x10\x00\x00\x00"), raw(b"\xdd\x10\x00\x00\x00"),
			     raw(b"\x81\xa1x\xdd\x7f\xff\xff\xff")):
			with s.connect(PLATFORM) as c:
				c.send_raw(data)
				_bad_frame_then_closed(c, "allocation bomb")
	r1 = rss()
	check(r1 - r0 < 100 * 1024, "server RSS grew from %d kB to %d kB" % (r0, r1))
	with s.connect(PLATFORM) as c:
		c.hello_ok()
