"""SIGHUP (README, "Operating qcregd"): certificates, CRL and principals reload
without dropping connections; a broken config keeps the running one."""

import signal

from harness import *

suite = Suite("reload")


def _hup(s, pattern):
	"""SIGHUP, then the server's own line saying how the reload ended."""
	mark = s.log_mark()
	s.proc.send_signal(signal.SIGHUP)
	s.wait_log(pattern, since=mark, timeout=10)


def _answered(s, cn, principal=None):
	"""A new connection with the certificate named cn is answered."""
	with s.connect(cn, timeout=10) as c:
		eq(c.ok("hello")["principal"], principal or cn, "principal of a new %s connection" % cn)


def _revoked_refused(s):
	"""revoked-client is refused, and the server's reason is the CRL."""
	port = refused_peer(s.port, make_ctx(cert=cert_path("revoked-client")), what="revoked-client")
	s.wait_log(r": TLS handshake refused: certificate revoked$", peer=port)


@suite.test(timeout=90)
def hup_loads_crl_and_principals(ctx):
	tmp = mktemp("qcreg-reload-")
	conf = os.path.join(tmp, "qcregd.conf")
	write_config(conf, server={"crl": ""})
	s = ctx.fresh_server("reload", start=False, config=conf)
	s.start()
	with s.connect(PLATFORM) as kept, s.connect(UNKNOWN) as stranger:
		_answered(s, "revoked-client", PLATFORM)  # no CRL yet: its CN is shop-platform
		stranger.err("stats", "forbidden")
		# Load the CRL and make unknown-org a regulator.
		write_config(conf, server={"crl": os.path.join(ROOT, "certs/dev/ca.crl")},
			     **{"principal unknown-org": {"role": "regulator"}})
		mark = s.log_mark()
		_hup(s, r"reload: certificates, CRL, principals, calendar and signing key reloaded$")
		eq(s.log_find(r"list definitions changed", since=mark), [],
		   "no warning about lists when only principals changed")
		kept.hello_ok()
		_revoked_refused(s)
		# An open connection keeps the identity it had; a new one gets the new role.
		stranger.err("stats", "forbidden")
		with s.connect(UNKNOWN) as c:
			eq(c.ok("hello")["role"], "regulator", "role after reload")
			c.ok("stats")
	s.stop_clean()


@suite.test(timeout=90)
def hup_with_broken_config_keeps_running(ctx):
	tmp = mktemp("qcreg-reload-")
	conf = os.path.join(tmp, "qcregd.conf")
	write_config(conf)
	s = ctx.fresh_server("reload-bad", start=False, config=conf)
	s.start()
	with s.connect(PLATFORM) as p:
		with open(conf, "a", encoding="utf-8") as f:
			f.write("[nonsense]\nkey = value\n")
		_hup(s, r"reload: .*; keeping the running configuration$")
		p.hello_ok()
		_answered(s, REGULATOR)  # new connections after a failed reload
		# A key file that does not load: TLS set-up fails, the old context stays.
		write_config(conf, server={"key": os.path.join(tmp, "missing.key")})
		_hup(s, r"reload: TLS set-up failed; keeping the running configuration$")
		_answered(s, PLATFORM)  # new connections after a failed TLS reload
	s.stop_clean()
