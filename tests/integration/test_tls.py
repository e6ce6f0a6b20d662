"""Transport (section 1): mutual TLS, versions, AEAD only, refused certificates.

Every refusal is checked on both sides: the client sees a refusal (a
failed handshake, or an alert or EOF instead of the first answer; never
an answer, and a timeout is not a refusal), and the server's log has the
reason for that very connection (its line names the client's port). A
good client is answered before and after.
"""

import subprocess
import time

from harness import *

suite = Suite("tls")

AEAD = ("GCM", "CHACHA20")

# The server's log line for each reason (server/conn.c in 80bc0f8): the
# certificate check's X509 verify error, else OpenSSL's error, else ours.
REFUSED = r": TLS handshake refused: %s$"
FAILED = r": TLS handshake failed: (.*:)?%s$"
NO_CERT = FAILED % "peer did not return a certificate"
OTHER_CA = REFUSED % "unable to get local issuer certificate"
EXPIRED = REFUSED % "certificate has expired"
NOT_YET_VALID = REFUSED % "certificate is not yet valid"
REVOKED = REFUSED % "certificate revoked"
NOT_CLIENT_AUTH = REFUSED % "unsuitable certificate purpose"
NO_CN = r": client certificate has no usable CN; closing$"
OLD_VERSION = FAILED % "unsupported protocol"
NO_SHARED_CIPHER = FAILED % "no shared cipher"
NOT_TLS = FAILED % "wrong version number"
HTTP = FAILED % "http request"
HANDSHAKE_TIMEOUT = r": TLS handshake timed out$"


def _refused(ctx, what, reason, cx=None, data=None, server=None):
	"""One refused peer: refused on the client side, `reason` logged for
	its connection, other clients answered before, during and after."""
	s = server or ctx.server
	with s.connect(PLATFORM) as witness:
		witness.hello_ok()
		port = refused_peer(s.port, cx, data=data, what=what)
		line = s.wait_log(reason, peer=port, timeout=10).string
		witness.hello_ok()
	with s.connect(PLATFORM) as c:
		c.hello_ok()
	return line


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
	_refused(ctx, "TLS 1.2 with CBC suites only", NO_SHARED_CIPHER, cx)


@suite.test(timeout=60)
def tls11_refused(ctx):
	for v in (ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1):
		cx = make_ctx(PLATFORM, min_version=ssl.TLSVersion.TLSv1, max_version=v,
			      ciphers="DEFAULT:@SECLEVEL=0")
		_refused(ctx, "client with max version %s" % v.name, OLD_VERSION, cx)


@suite.test(timeout=60)
def no_client_cert_refused(ctx):
	_refused(ctx, "no client certificate", NO_CERT, make_ctx(None))
	_refused(ctx, "no client certificate, TLS 1.2", NO_CERT,
		 make_ctx(None, max_version=ssl.TLSVersion.TLSv1_2))


@suite.test(timeout=60)
def rogue_ca_refused(ctx):
	_refused(ctx, "certificate from another CA", OTHER_CA, make_ctx(cert=_cert(ROGUE)))
	_refused(ctx, "certificate from another CA, TLS 1.2", OTHER_CA,
		 make_ctx(cert=_cert(ROGUE), max_version=ssl.TLSVersion.TLSv1_2))


@suite.test(timeout=60)
def expired_and_future_refused(ctx):
	_refused(ctx, "expired certificate", EXPIRED, make_ctx(cert=_cert("expired-client")))
	_refused(ctx, "expired certificate, TLS 1.2", EXPIRED,
		 make_ctx(cert=_cert("expired-client"), max_version=ssl.TLSVersion.TLSv1_2))
	_refused(ctx, "not yet valid certificate", NOT_YET_VALID, make_ctx(cert=_cert("future-client")))


@suite.test(timeout=60)
def revoked_refused(ctx):
	"""The development configuration has the CRL (server/qcregd.conf); the
	same certificate is let in by a server without it: the CRL refuses it."""
	_refused(ctx, "revoked certificate", REVOKED, make_ctx(cert=_cert("revoked-client")))
	_refused(ctx, "revoked certificate, TLS 1.2", REVOKED,
		 make_ctx(cert=_cert("revoked-client"), max_version=ssl.TLSVersion.TLSv1_2))
	conf = write_config(os.path.join(mktemp("qcreg-nocrl-"), "nocrl.conf"), server={"crl": None})
	s2 = ctx.fresh_server("nocrl", config=conf)
	with s2.connect("revoked-client") as c:
		eq(c.ok("hello")["principal"], PLATFORM, "revoked certificate (CN shop-platform) without a CRL")
	s2.assert_no_log(r"TLS handshake (refused|failed)")


@suite.test(timeout=60)
def server_auth_only_eku_refused(ctx):
	_refused(ctx, "EKU serverAuth only", NOT_CLIENT_AUTH, make_ctx(cert=_cert("noclientauth-client")))


@suite.test(timeout=60)
def certificate_without_cn(ctx):
	"""No CN means no principal: the server closes the connection after
	the handshake, before any frame, and says why."""
	_refused(ctx, "certificate without CN", NO_CN, make_ctx(cert=_cert("nocn-client")))
	_refused(ctx, "certificate without CN, TLS 1.2", NO_CN,
		 make_ctx(cert=_cert("nocn-client"), max_version=ssl.TLSVersion.TLSv1_2))


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
	"""Plain TCP instead of TLS: at most a TLS alert, then the close."""
	_refused(ctx, "a plain msgpack frame", NOT_TLS, data=frame({"id": 1, "op": "hello"}))
	_refused(ctx, "an HTTP request", HTTP, data=b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	_refused(ctx, "zero bytes", NOT_TLS, data=bytes(64))


@suite.test(timeout=60)
def silent_connection_closed_after_handshake_timeout(ctx):
	"""TLS handshake limit 10 s: a peer that sends nothing is dropped by the
	handshake timer (its log line), not before the limit."""
	s = ctx.server
	limit = 10
	sock = socket.create_connection(("127.0.0.1", s.port), timeout=limit + 20)
	t0 = time.monotonic()
	port = sock.getsockname()[1]
	try:
		try:
			d = sock.recv(1)
		except ConnectionError:
			d = b""
		except socket.timeout:
			fail("silent connection still open after %d s (handshake limit %d s)" % (limit + 20, limit))
		dt = time.monotonic() - t0
		eq(d, b"", "bytes sent to a silent peer")
	finally:
		sock.close()
	s.wait_log(HANDSHAKE_TIMEOUT, peer=port, timeout=5)
	# the timer, not something else: never before the limit
	check(dt >= limit - 1, "silent connection closed after %.1f s (handshake limit %d s)" % (dt, limit))
	with s.connect(PLATFORM) as c:
		c.hello_ok()


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
