"""The TLS policy seen from outside: Debian's sslscan against qcregd, and
anything outside Mozilla's "intermediate" profile fails the test (no TLS
below 1.2, no cipher that is not AEAD or not forward secret, no
renegotiation, no compression, no 0-RTT)."""

import os
import re
import shutil
import ssl
import subprocess

from harness import *

suite = Suite("tls_scan")

# Mozilla's intermediate configuration (version 5.7).
INTERMEDIATE_12 = {
	"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
	"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
	"ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
	"DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384",
	"DHE-RSA-CHACHA20-POLY1305"}
INTERMEDIATE_13 = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
		   "TLS_CHACHA20_POLY1305_SHA256"}


def sslscan(port):
	crt, key = cert_path(PLATFORM)
	exe = shutil.which("sslscan")
	check(exe is not None, "sslscan is not installed (make deps installs it)")
	p = subprocess.run([exe, "--no-colour", "--certs=" + crt, "--pk=" + key,
			    "127.0.0.1:%d" % port], capture_output=True, text=True, timeout=120)
	eq(p.returncode, 0, "sslscan:\n" + p.stdout + p.stderr)
	return p.stdout


@suite.test(timeout=180)
def intermediate_profile(ctx):
	s = ctx.server
	out = sslscan(s.port)
	findings = []
	protos = dict(re.findall(r"^(SSLv2|SSLv3|TLSv1\.[0-3])\s+(enabled|disabled)", out, re.M))
	eq(sorted(protos), ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
	   "sslscan tested every protocol:\n" + out)
	for p, st in protos.items():
		want = "enabled" if p in ("TLSv1.2", "TLSv1.3") else "disabled"
		if st != want:
			findings.append("%s %s" % (p, st))
	ciphers = re.findall(r"^(?:Preferred|Accepted)\s+(TLSv1\.[0-3]|SSLv[23])\s+(\d+) bits\s+(\S+)", out, re.M)
	check(ciphers, "sslscan found no cipher:\n" + out)
	for proto, bits, name in ciphers:
		ok = name in (INTERMEDIATE_13 if proto == "TLSv1.3" else INTERMEDIATE_12)
		if not ok or int(bits) < 128:
			findings.append("cipher %s %s (%s bits)" % (proto, name, bits))
	if "Session renegotiation not supported" not in out:
		findings.append("renegotiation is supported")
	if re.search(r"vulnerable to heartbleed", out) and not re.search(r"not vulnerable to heartbleed", out):
		findings.append("heartbleed")
	eq(findings, [], "findings outside Mozilla intermediate:\n" + out)


@suite.test(timeout=60)
def no_compression_no_early_data(ctx):
	s = ctx.server
	c = s.connect(PLATFORM)
	try:
		eq(c.sock.compression(), None, "TLS compression")
	finally:
		c.close()
	crt, key = cert_path(PLATFORM)
	sess = os.path.join(mktemp("qcreg-tls-"), "s.pem")
	args = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % s.port, "-cert", crt, "-key", key,
		"-CAfile", CA, "-tls1_3", "-sess_out", sess]
	# s_client writes the ticket when it comes, after the handshake: its
	# stdin stays open until then (bounded), then it is told to quit.
	p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
			     stderr=subprocess.STDOUT, text=True)
	try:
		wait_until(lambda: os.path.exists(sess) and os.path.getsize(sess) > 0, 20,
			   "a session ticket from qcregd")
	finally:
		out, _ = p.communicate("Q\n", timeout=30)
	check(os.path.exists(sess), "a session ticket was issued:\n" + out)
	t = subprocess.run(["openssl", "sess_id", "-in", sess, "-text", "-noout"],
			   capture_output=True, text=True, timeout=30)
	m = re.search(r"Max Early Data: (\d+)", t.stdout)
	check(m is not None, "the ticket says how much early data it allows:\n" + t.stdout)
	eq(m.group(1), "0", "0-RTT early data allowed by the ticket")
	with s.connect(REGULATOR) as r:
		r.hello_ok()
