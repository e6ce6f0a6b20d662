"""SIGHUP (DESIGN section 8): certificates, CRL and principals reload
without dropping connections; a broken config keeps the running one."""

import signal
import time

from harness import *

suite = Suite("reload")


def _wait_log(s, text, timeout=10):
	"""Polls the server log until text appears."""
	wait_until(lambda: text in s.log_text(), timeout,
		   "no %r in the server log\n%s" % (text, s.log_tail()))


def _hup(s, text):
	s.proc.send_signal(signal.SIGHUP)
	_wait_log(s, text)


def _connects(s, cn):
	"""True if the certificate named cn gets an answer, False if refused."""
	try:
		with s.connect(cn, timeout=10) as c:
			c.ok("hello")
			return True
	except (ssl.SSLError, ConnectionError, Closed, socket.timeout):
		return False


@suite.test(timeout=90)
def hup_loads_crl_and_principals(ctx):
	tmp = mktemp("qcreg-reload-")
	conf = os.path.join(tmp, "qcregd.conf")
	write_config(conf, server={"crl": ""})
	s = ctx.fresh_server("reload", start=False, config=conf)
	s.start()
	with s.connect(PLATFORM) as kept, s.connect(UNKNOWN) as stranger:
		check(_connects(s, "revoked-client"), "revoked-client refused before the CRL is loaded")
		stranger.err("stats", "forbidden")
		# Load the CRL and make unknown-org a regulator.
		write_config(conf, server={"crl": os.path.join(ROOT, "certs/dev/ca.crl")},
			     **{"principal unknown-org": {"role": "regulator"}})
		_hup(s, "reload: certificates, CRL and principals reloaded")
		kept.hello_ok()
		check(not _connects(s, "revoked-client"), "revoked-client accepted after the CRL loaded")
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
		_hup(s, "keeping the running configuration")
		p.hello_ok()
		check(_connects(s, REGULATOR), "new connections after a failed reload")
		# A key file that does not load: TLS set-up fails, the old context stays.
		write_config(conf, server={"key": os.path.join(tmp, "missing.key")})
		_hup(s, "TLS set-up failed; keeping the running configuration")
		check(_connects(s, PLATFORM), "new connections after a failed TLS reload")
	s.stop_clean()
