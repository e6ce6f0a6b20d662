"""Transport (section 1): mutual TLS, versions, AEAD only, refused certificates."""

import subprocess
import time

from harness import *

suite = Suite("tls")

AEAD = ("GCM", "CHACHA20")


def _refused(ctx, client_ctx, what):
	"""The connection must fail at the handshake or on the first read; no answer."""
	s = ctx.server
	with s.connect(PLATFORM) as witness:
		witness.hello_ok()
		try:
			c = Client(s.port, what, ctx=client_ctx, timeout=10)
		except (ssl.SSLError, ConnectionError, socket.timeout) as e:
			witness.hello_ok()
			return "handshake: %s" % e
		try:
			try:
				c.send({"id": 1, "op": "hello"})
				r = c.recv()
			except (Closed, ssl.SSLError, ConnectionError, BrokenPipeError) as e:
				witness.hello_ok()
				return "first read: %s" % e
			except socket.timeout:
				fail("%s: no answer and no refusal within 10 s" % what)
			fail("%s: the server answered %r" % (what, short(r)))
		finally:
			c.close()


def _cert(name):
	crt, key = cert_path(name)
	check(os.path.exists(crt) and os.path.exists(key), "missing %s (make certs)" % crt)
	return crt, key


@suite.test(timeout=60)
def valid_client_works(ctx):
	s = ctx.server
	for cn in (REGULATOR, QUALITY, TOURISM, COMMERCE, PLATFORM, ADMIN, UNKNOWN):
		with s.connect(cn) as c:
			eq(c.ok("hello")["principal"], cn, "principal = certificate CN")
			eq(c.sock.version(), "TLSv1.3", "negotiated version (1.3 preferred)")
	for host in ("127.0.0.1", "localhost"):
		with Client(s.port, PLATFORM, server_hostname=host) as c:
			c.hello_ok()


@suite.test(timeout=60)
def tls12_aead_works(ctx):
	s = ctx.server
	cx = make_ctx(PLATFORM, min_version=ssl.TLSVersion.TLSv1_2, max_version=ssl.TLSVersion.TLSv1_2)
	with Client(s.port, PLATFORM, ctx=cx) as c:
		c.hello_ok()
		eq(c.sock.version(), "TLSv1.2", "version")
		name = c.sock.cipher()[0]
		check(any(a in name for a in AEAD), "TLS 1.2 cipher %s is not AEAD" % name)
	for suite_name in ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
			   "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"):
		cx = make_ctx(PLATFORM, min_version=ssl.TLSVersion.TLSv1_2,
			      max_version=ssl.TLSVersion.TLSv1_2, ciphers=suite_name)
		with Client(s.port, PLATFORM, ctx=cx) as c:
			c.hello_ok()


@suite.test(timeout=60)
def tls12_cbc_refused(ctx):
	cx = make_ctx(PLATFORM, min_version=ssl.TLSVersion.TLSv1_2, max_version=ssl.TLSVersion.TLSv1_2,
		      ciphers="ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA:"
			      "ECDHE-RSA-AES256-SHA:AES128-SHA256:AES128-SHA")
	_refused(ctx, cx, "TLS 1.2 with CBC suites only")


@suite.test(timeout=60)
def tls11_refused(ctx):
	for v in (ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1):
		cx = make_ctx(PLATFORM, min_version=ssl.TLSVersion.TLSv1, max_version=v,
			      ciphers="DEFAULT:@SECLEVEL=0")
		_refused(ctx, cx, "client with max version %s" % v.name)


@suite.test(timeout=60)
def no_client_cert_refused(ctx):
	cx = make_ctx(None)
	_refused(ctx, cx, "no client certificate")
	cx = make_ctx(None, max_version=ssl.TLSVersion.TLSv1_2)
	_refused(ctx, cx, "no client certificate, TLS 1.2")


@suite.test(timeout=60)
def rogue_ca_refused(ctx):
	cx = make_ctx(cert=_cert(ROGUE))
	_refused(ctx, cx, "certificate from another CA")
	cx = make_ctx(cert=_cert(ROGUE), max_version=ssl.TLSVersion.TLSv1_2)
	_refused(ctx, cx, "certificate from another CA, TLS 1.2")


@suite.test(timeout=60)
def expired_and_future_refused(ctx):
	_refused(ctx, make_ctx(cert=_cert("expired-client")), "expired certificate")
	_refused(ctx, make_ctx(cert=_cert("future-client")), "not yet valid certificate")


@suite.test(timeout=60)
def server_auth_only_eku_refused(ctx):
	_refused(ctx, make_ctx(cert=_cert("noclientauth-client")), "EKU serverAuth only")


@suite.test(timeout=60)
def certificate_without_cn(ctx):
	"""No CN means no principal: refused, or treated as not configured."""
	cx = make_ctx(cert=_cert("nocn-client"))
	s = ctx.server
	try:
		c = Client(s.port, "nocn", ctx=cx, timeout=10)
	except (ssl.SSLError, ConnectionError):
		return
	with c:
		try:
			c.send({"id": 1, "op": "hello"})
			r = c.recv()
		except (Closed, ssl.SSLError, ConnectionError):
			return
		check_response(r, 1)
		if r["ok"]:
			eq(r["result"]["role"], None, "role of a certificate without CN")
			c.next_id = 2
			c.err("check", "forbidden", subjects=[uscc(1)])
			c.err("stats", "forbidden")


@suite.test(timeout=60)
def client_rejects_wrong_server_name(ctx):
	"""Our side of the check: the server certificate does not name other hosts."""
	try:
		Client(ctx.server.port, PLATFORM, server_hostname="example.com", timeout=10).close()
	except ssl.SSLCertVerificationError:
		return
	fail("the server certificate verified for example.com")


@suite.test(timeout=60)
def plaintext_gets_no_frame(ctx):
	s = ctx.server
	sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
	try:
		sock.sendall(frame({"id": 1, "op": "hello"}))
		data = b""
		try:
			while True:
				d = sock.recv(4096)
				if not d:
					break
				data += d
		except ConnectionError:
			pass
		except socket.timeout:
			fail("plaintext connection still open after 10 s")
		check(data == b"" or data[0] == 0x15, "plaintext got a reply that is not a TLS alert: %r" % data[:40])
	finally:
		sock.close()
	with s.connect(PLATFORM) as c:
		c.hello_ok()


@suite.test(timeout=40)
def silent_connection_closed_after_handshake_timeout(ctx):
	"""TLS handshake limit 10 s: a peer that sends nothing is dropped."""
	s = ctx.server
	sock = socket.create_connection(("127.0.0.1", s.port), timeout=30)
	t0 = time.monotonic()
	try:
		try:
			d = sock.recv(1)
		except ConnectionError:
			d = b""
		except socket.timeout:
			fail("silent connection still open after 30 s")
		dt = time.monotonic() - t0
		eq(d, b"", "bytes sent to a silent peer")
		check(5 <= dt <= 20, "silent connection closed after %.1f s (handshake limit 10 s)" % dt)
	finally:
		sock.close()


@suite.test(timeout=60)
def renegotiation_refused(ctx):
	"""TLS 1.2 client-initiated renegotiation (openssl s_client's R command)."""
	s = ctx.server
	crt, key = cert_path(PLATFORM)
	out = os.path.join(mktemp("qcreg-reneg-"), "s_client.out")
	with open(out, "wb") as of:
		p = subprocess.Popen(["openssl", "s_client", "-connect", "127.0.0.1:%d" % s.port, "-tls1_2",
				      "-cert", crt, "-key", key, "-CAfile", CA, "-no_ign_eof"],
				     stdin=subprocess.PIPE, stdout=of, stderr=subprocess.STDOUT)
	try:
		deadline = time.monotonic() + 15
		while b"Verify return code" not in open(out, "rb").read():
			check(p.poll() is None, "s_client ended before the handshake: %r" % open(out, "rb").read()[-300:])
			check(time.monotonic() < deadline, "s_client handshake did not finish")
			time.sleep(0.05)
		p.stdin.write(b"R\n")
		p.stdin.flush()
		try:
			p.wait(timeout=8)
		except subprocess.TimeoutExpired:
			fail("connection still up 8 s after a renegotiation request: %r" % open(out, "rb").read()[-300:])
		txt = open(out, "rb").read()
		check(b"RENEGOTIATING" in txt, "s_client did not try: %r" % txt[-300:])
		tail = txt.split(b"RENEGOTIATING", 1)[1]
		check(b"no renegotiation" in tail or b"alert" in tail or b"error" in tail,
		      "renegotiation not refused: %r" % tail[-300:])
	finally:
		if p.poll() is None:
			p.kill()
			p.wait(timeout=5)
		try:
			p.stdin.close()
		except OSError:
			pass
	with s.connect(PLATFORM) as c:
		c.hello_ok()
