"""The web console (server/console) in a real browser: tests/browser/console.mjs
drives headless Chromium (Debian's chromium, through npm playwright-core)
against a fresh server, as a regulator, two agencies and a platform, each
with its client certificate. It writes the data it needs through the HTTPS
API, saves a screenshot of each page under build/screens/, and fails on any
console error of the page. Missing tools are a failure that says to run
`make deps`, never a silent skip."""

import os
import shutil
import subprocess

from harness import *

suite = Suite("console")

BROWSER_DIR = os.path.join(ROOT, "tests", "browser")
CHROMIUM = "/usr/bin/chromium"


def tools():
	"""node, Chromium and playwright-core, or a failure naming make deps."""
	node = shutil.which("node")
	missing = []
	if node is None:
		missing.append("node")
	if not os.access(CHROMIUM, os.X_OK):
		missing.append(CHROMIUM)
	if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
		missing.append("tests/browser/node_modules/playwright-core")
	check(not missing, "missing %s: run `make deps`" % ", ".join(missing))
	return node


@suite.test(timeout=240)
def console_in_chromium(ctx):
	node = tools()
	s = ctx.fresh_server("console")
	env = dict(os.environ, NODE_EXTRA_CA_CERTS=CA, CHROMIUM=CHROMIUM)
	try:
		p = subprocess.run([node, os.path.join(BROWSER_DIR, "console.mjs"), str(s.http_port()), CERTS],
				   cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
				   stderr=subprocess.STDOUT, timeout=180)
	except subprocess.TimeoutExpired as e:
		fail("console.mjs did not finish within 180 s\n%s" % (e.output or b"").decode(errors="replace"))
	out = p.stdout.decode(errors="replace")
	check(p.returncode == 0, "console.mjs exited %d:\n%s" % (p.returncode, out))
	check("0 failed" in out, "console.mjs printed no result:\n%s" % out)
	s.assert_no_sanitizer()
