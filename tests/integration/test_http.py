"""The HTTPS JSON API (PROTOCOL.md 10): the same ops through the op table
over mutual TLS, the JSON envelope and its statuses, the GET shortcuts,
the same data as the msgpack answers, the defences against cross-site
requests, every bad input answered with a precise error and the server
unharmed, and the connection limit shared with the msgpack listener."""

import base64
import http.client
import json
import os
import ssl

from harness import *

suite = Suite("http")


def http_server(ctx, name, **limits):
	"""A server of its own (the harness gives every one --http-listen)."""
	d = mktemp("qcreg-http-conf-")
	conf = write_config(os.path.join(d, "h.conf"), limits=limits)
	return ctx.fresh_server(name, config=conf)


class Api:
	"""One keep-alive HTTPS connection as principal cn."""

	def __init__(self, s, cn):
		self.conn = http.client.HTTPSConnection("127.0.0.1", s.http_port(), timeout=30,
							context=make_ctx(cn))

	def call(self, method, path, body=None, headers=None, raw=None):
		h = {"Content-Type": "application/json"} if body is not None or raw is not None else {}
		h.update(headers or {})
		data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
		self.conn.request(method, path, body=data, headers=h)
		r = self.conn.getresponse()
		text = r.read()
		return r.status, r.headers, text

	def op(self, op, **args):
		st, h, text = self.call("POST", "/v1/" + op, args)
		return st, h, json.loads(text)

	def ok(self, op, **args):
		st, h, j = self.op(op, **args)
		eq((st, j["ok"]), (200, True), "%s %s: %s" % (op, short(args), short(j)))
		return j["result"]

	def close(self):
		self.conn.close()


def as_json(v):
	"""A msgpack answer as the JSON API gives it: bin as base64, big ints as text."""
	if isinstance(v, dict):
		return {k: as_json(x) for k, x in v.items()}
	if isinstance(v, list):
		return [as_json(x) for x in v]
	if isinstance(v, bytes):
		return base64.b64encode(v).decode()
	if isinstance(v, int) and not isinstance(v, bool) and v > 2 ** 63 - 1:
		return str(v)
	return v


def seed(s):
	subj = uscc(uniq(), prefix="91410105")
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=subj, fields=credit_fields("D", name="接口测试食品有限公司"))
	with s.connect(TOURISM) as t:
		t.ok("case_open", list="tourism", subject=new_guide(), kind="notice", received_on=day(0),
		     text="拟列入", fields=tourism_fields(category="unlicensed_guide"))
	return subj


@suite.test(timeout=180)
def every_op_both_ways(ctx):
	s = http_server(ctx, "http-ops")
	subj = seed(s)
	reads = [(REGULATOR, "hello", {}), (PLATFORM, "check", {"subjects": [subj, new_uscc()]}),
		 (REGULATOR, "get", {"subject": subj}), (REGULATOR, "history", {"subject": subj}),
		 (REGULATOR, "scan", {"list": "credit"}), (REGULATOR, "changes", {"since": 0}),
		 (REGULATOR, "stats", {"by": "region"}), (REGULATOR, "search", {"q": "接口测试"}),
		 (REGULATOR, "cases", {}), (TOURISM, "escalations", {}), (PLATFORM, "checkpoint", {}),
		 (PLATFORM, "proof", {"seq": 1}), (PLATFORM, "consistency", {"from": 1}),
		 (REGULATOR, "report", {"subject": subj})]
	for cn, op, args in reads:
		with s.connect(cn) as c:
			want = c.ok(op, **args)
		api = Api(s, cn)
		got = api.ok(op, **args)
		api.close()
		if op in ("checkpoint", "report"):
			for k in ("time", "signature", "registry"):
				got.pop(k, None)
				want.pop(k, None)
		eq(got, as_json(want), "%s over JSON and msgpack" % op)
	api = Api(s, QUALITY)
	w = api.ok("put", list="credit", subject=subj, fields=credit_fields("A", name="接口测试食品有限公司"))
	eq(w, {"version": 2, "seq": 3}, "a write's answer")
	w = api.ok("put", list="credit", subject=subj, fields=credit_fields("A", name="接口测试食品有限公司"),
		   unless_same=True)
	eq(w, {"version": 2, "seq": 3, "unchanged": True}, "unless_same")
	st, h, j = api.op("remove", list="credit", subject=subj, reason="撤销", if_version=1)
	eq((st, j["error"]["code"]), (409, "conflict"), "a conflict")
	api.close()
	with s.connect(REGULATOR) as r:
		eq(r.ok("get", subject=subj)["entries"][0]["fields"]["grade"], "A", "the write is there")


@suite.test(timeout=120)
def shortcuts_and_statuses(ctx):
	s = http_server(ctx, "http-status")
	subj = seed(s)
	api = Api(s, REGULATOR)
	st, h, text = api.call("GET", "/v1/subjects/" + subj[5:])
	eq(st, 200, "GET a subject")
	eq(json.loads(text)["result"]["subject"], subj, "its entries")
	st, h, text = api.call("GET", "/v1/subjects/%s/report" % subj)
	eq((st, json.loads(text)["result"]["subject"]), (200, subj), "its report")
	st, h, text = api.call("GET", "/v1/search?q=%E6%8E%A5%E5%8F%A3&limit=5")
	eq((st, [x["subject"] for x in json.loads(text)["result"]["results"]]), (200, [subj]), "search")
	cases = [("POST", "/v1/get", {"subject": "bogus"}, 400, "invalid_subject"),
		 ("POST", "/v1/get", {"subject": ""}, 400, "invalid_subject"),
		 ("POST", "/v1/search", {"q": "", "": 1}, 400, "bad_request"),
		 ("POST", "/v1/get", {"subject": new_uscc()}, 404, "not_found"),
		 ("POST", "/v1/nope", {}, 400, "unknown_op"),
		 ("POST", "/v1/scan", {"list": "nolist"}, 400, "unknown_list"),
		 ("POST", "/v1/check", {"subjects": "x"}, 400, "bad_request"),
		 ("POST", "/v1/check", {"subjects": [new_uscc()] * 1001}, 413, "too_large"),
		 ("POST", "/v1/get", {"subject": subj, "id": 5}, 400, "bad_request"),
		 ("POST", "/v1/put", {"list": "credit", "subject": subj, "fields": {}}, 403, "forbidden"),
		 ("GET", "/v1/subjects/bogus", None, 400, "invalid_subject"),
		 ("GET", "/v1/search?q=x", None, 400, "bad_request"),
		 ("GET", "/nowhere", None, 404, "not_found"),
		 ("GET", "/v1/subjects/%s/nope" % subj, None, 404, "not_found")]
	for method, path, body, status, code in cases:
		st, h, text = api.call(method, path, body)
		j = json.loads(text)
		eq((st, j["ok"], j["error"]["code"]), (status, False, code), "%s %s %s" % (method, path, short(body)))
		check(j["error"]["message"], "a message")
	api.close()


@suite.test(timeout=120)
def bad_requests_and_defences(ctx):
	s = http_server(ctx, "http-bad")
	subj = seed(s)
	api = Api(s, REGULATOR)
	checks = [
		("POST", "/v1/get", b'{"subject": ', {}, 400, "bad_request", "JSON"),
		("POST", "/v1/get", b'[1, 2]', {}, 400, "bad_request", "object"),
		("POST", "/v1/get", b'{"subject":"a","subject":"b"}', {}, 400, "bad_request", "JSON"),
		("POST", "/v1/get", b'{"subject": "x"}', {"Content-Type": "text/plain"}, 415, "bad_request",
		 "application/json"),
		("POST", "/v1/get", b'subject=x', {"Content-Type": "application/x-www-form-urlencoded"}, 415,
		 "bad_request", "application/json"),
		("GET", "/v1/get", None, {}, 405, "bad_request", "POST"),
		("DELETE", "/v1/subjects/" + subj, None, {}, 405, "bad_request", "GET"),
		("POST", "/v1/get", b'{"subject": "%s"}' % subj.encode(), {"Origin": "https://evil.example"}, 403,
		 "forbidden", "another site"),
		("POST", "/v1/get", b'{"subject": "%s"}' % subj.encode(), {"Sec-Fetch-Site": "cross-site"}, 403,
		 "forbidden", "another site"),
		("GET", "/v1/subjects/" + subj, None, {"Sec-Fetch-Site": "same-site"}, 403, "forbidden",
		 "another site"),
	]
	for method, path, raw, hdrs, status, code, why in checks:
		h0 = {} if raw is None else {"Content-Type": "application/json"}
		h0.update(hdrs)
		api.conn.request(method, path, body=raw, headers=h0)
		r = api.conn.getresponse()
		text = r.read()
		j = json.loads(text)
		eq((r.status, j["error"]["code"]), (status, code), "%s %s %r %s" % (method, path, raw, hdrs))
		check(why in j["error"]["message"], "%s: %s" % (why, j["error"]["message"]))
		if status == 405:
			check(r.headers["Allow"] in ("POST", "GET"), "Allow")
		for k, v in (("Content-Security-Policy", "default-src 'self'"), ("X-Frame-Options", "DENY"),
			     ("X-Content-Type-Options", "nosniff")):
			check(v in (r.headers.get(k) or ""), "%s on a %d answer" % (k, r.status))
		check(not any(k.lower().startswith("access-control-") for k in r.headers), "no CORS")
	# The console's own origin passes.
	st, h, text = api.call("POST", "/v1/get", {"subject": subj},
			       {"Origin": "https://127.0.0.1:%d" % s.http_port(), "Sec-Fetch-Site": "same-origin"})
	eq(st, 200, "the own origin")
	# A body over max_frame: 413 as soon as its length is announced (the
	# body is not sent: the server answers and closes without reading it).
	api.conn.putrequest("POST", "/v1/get")
	api.conn.putheader("Content-Type", "application/json")
	api.conn.putheader("Content-Length", str((1 << 20) + 1))
	api.conn.endheaders()
	r = api.conn.getresponse()
	r.read()
	eq(r.status, 413, "a body over max_frame")
	api.close()
	api = Api(s, REGULATOR)
	eq(api.ok("get", subject=subj)["subject"], subj, "the server serves on")
	api.close()
	with s.connect(REGULATOR) as c:
		c.hello_ok()


@suite.test(timeout=120)
def tls_and_the_connection_limit(ctx):
	s = http_server(ctx, "http-tls", max_connections=3)
	port = s.http_port()
	for what, c in (("no certificate", make_ctx(None)),
			("a rogue CA's certificate", make_ctx(cert=cert_path(ROGUE)))):
		try:
			conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=c)
			conn.request("POST", "/v1/hello", body=b"{}", headers={"Content-Type": "application/json"})
			conn.getresponse().read()
			fail("%s: answered" % what)
		except (ssl.SSLError, ConnectionError, http.client.HTTPException, OSError):
			pass
	held = [s.connect(REGULATOR) for _ in range(3)]
	try:
		try:
			api = Api(s, REGULATOR)
			api.op("hello")
			fail("an HTTPS connection past the limit was answered")
		except (ssl.SSLError, ConnectionError, http.client.HTTPException, OSError):
			pass
	finally:
		for c in held:
			c.close()
	wait_until(lambda: http_hello_ok(s), 10, "HTTPS after the msgpack connections closed")
	with s.connect(REGULATOR) as c:
		c.hello_ok()


def http_hello_ok(s):
	try:
		api = Api(s, REGULATOR)
		ok = api.ok("hello")["principal"] == REGULATOR
		api.close()
		return ok
	except (ssl.SSLError, ConnectionError, http.client.HTTPException, OSError):
		return False


@suite.test(timeout=60)
def console_files(ctx):
	s = http_server(ctx, "http-console")
	api = Api(s, REGULATOR)
	st, h, body = api.call("GET", "/")
	eq(st, 200, "GET /")
	check(h["Content-Type"].startswith("text/html"), h["Content-Type"])
	check("default-src 'self'" in h["Content-Security-Policy"], "CSP on the console")
	check("质量信用" in body.decode(), "the console's page")
	for path in ("/console/../qcregd.conf", "/console/%2e%2e/qcregd.conf", "/console/.hidden",
		     "/console/a/b.js", "/console/nothere.js", "/console/index.exe"):
		st, h, body = api.call("GET", path)
		eq(st, 404, "GET %s" % path)
	st, h, body = api.call("POST", "/", {})
	eq((st, h["Allow"]), (405, "GET"), "POST /")
	api.close()


@suite.test(timeout=60)
def browser_certificates(ctx):
	"""make certs writes a PKCS#12 per principal for a browser (password qcreg-dev)."""
	import subprocess
	for cn in (REGULATOR, QUALITY, PLATFORM):
		p12 = os.path.join(CERTS, cn + ".p12")
		r = subprocess.run(["openssl", "pkcs12", "-in", p12, "-passin", "pass:qcreg-dev",
				    "-nokeys", "-clcerts"], capture_output=True, text=True, timeout=30)
		eq(r.returncode, 0, "%s opens with the documented password: %s" % (p12, r.stderr))
		check("CN = %s" % cn in r.stdout or "CN=%s" % cn in r.stdout, "its certificate:\n" + r.stdout)
		r = subprocess.run(["openssl", "pkcs12", "-in", p12, "-passin", "pass:qcreg-dev",
				    "-nocerts", "-nodes"], capture_output=True, text=True, timeout=30)
		check("PRIVATE KEY" in r.stdout, "%s holds its key" % p12)
