"""make install (DESTDIR, PREFIX): every file where it belongs, a shared
libqcreg with its soname, a pkg-config file a platform's program builds
with (shared and static) and runs against a real server, man pages that
groff reads without a warning, and a hardened systemd unit."""

import os
import re
import shutil
import subprocess

from harness import *

suite = Suite("install")

PREFIX = "/usr/local"


def run(args, **kw):
	p = subprocess.run(args, capture_output=True, text=True, timeout=600, **kw)
	return p


@suite.test(timeout=900)
def installs_and_links(ctx):
	dest = mktemp("qcreg-install-")
	p = run(["make", "-s", "install", "DESTDIR=" + dest, "PREFIX=" + PREFIX], cwd=ROOT)
	eq(p.returncode, 0, "make install:\n" + p.stdout + p.stderr)
	root = dest + PREFIX
	want = ["sbin/qcregd", "bin/qcreg", "lib/libqcreg.so.1", "lib/libqcreg.so", "lib/libqcreg.a",
		"include/qcreg/qcreg.h", "include/qcreg/errors.h", "include/qcreg/sig.h",
		"lib/pkgconfig/qcreg.pc", "share/man/man1/qcreg.1", "share/man/man5/qcregd.conf.5",
		"share/man/man8/qcregd.8", "etc/qcreg/qcregd.conf.example", "share/qcreg/regions.txt",
		"share/qcreg/console/index.html", "share/qcreg/console/app.js",
		"lib/systemd/system/qcregd.service", "lib/sysusers.d/qcreg.conf"]
	for f in want:
		check(os.path.exists(os.path.join(root, f)), "installed: " + f)
	eq(os.readlink(os.path.join(root, "lib/libqcreg.so")), "libqcreg.so.1", "the dev symlink")
	d = run(["readelf", "-d", os.path.join(root, "lib/libqcreg.so.1")])
	check("Library soname: [libqcreg.so.1]" in d.stdout, "soname:\n" + d.stdout)
	# The man pages: groff reads them without a warning.
	g = run(["groff", "-man", "-ww", "-z"] + [os.path.join(root, "share/man", m) for m in
						  ("man1/qcreg.1", "man5/qcregd.conf.5", "man8/qcregd.8")])
	eq((g.returncode, g.stderr), (0, ""), "groff warnings")
	# The example configuration is one qcregd accepts (given its files).
	conf = open(os.path.join(root, "etc/qcreg/qcregd.conf.example"), encoding="utf-8").read()
	check("data = /var/lib/qcreg/data" in conf and "[list credit]" in conf, "example config")
	check("console = %s/share/qcreg/console" % PREFIX in conf, "the console's files, installed")
	unit = open(os.path.join(root, "lib/systemd/system/qcregd.service")).read()
	for key in ("User=qcreg", "StateDirectory=qcreg", "ProtectSystem=strict", "NoNewPrivileges=yes",
		    "ExecStart=%s/sbin/qcregd --config %s/etc/qcreg/qcregd.conf" % (PREFIX, PREFIX),
		    "ExecReload=/bin/kill -HUP $MAINPID", "CapabilityBoundingSet=\n"):
		check(key in unit, "the unit has %r" % key)
	sa = shutil.which("systemd-analyze")
	if sa is not None:
		a = run([sa, "security", "--offline=yes", os.path.join(root, "lib/systemd/system/qcregd.service")])
		m = re.search(r"Overall exposure level for qcregd.service: ([0-9.]+)", a.stdout)
		check(m is not None, "systemd-analyze security:\n" + a.stdout + a.stderr)
		check(float(m.group(1)) <= 2.0, "exposure %s (want <= 2.0, 'OK')" % m.group(1))
	# A platform's program, built as its makefile would, shared then static.
	env = dict(os.environ, PKG_CONFIG_SYSROOT_DIR=dest,
		   PKG_CONFIG_PATH=os.path.join(root, "lib/pkgconfig"))
	cflags = run(["pkg-config", "--cflags", "qcreg"], env=env).stdout.split()
	libs = run(["pkg-config", "--libs", "qcreg"], env=env).stdout.split()
	slibs = run(["pkg-config", "--static", "--libs", "qcreg"], env=env).stdout.split()
	check("-I%s/include/qcreg" % root in cflags, "cflags: %s" % cflags)
	check("-lqcreg" in libs, "libs: %s" % libs)
	out = mktemp("qcreg-prog-")
	src = os.path.join(ROOT, "tests/install/check_seller.c")
	shared, static = os.path.join(out, "check_seller"), os.path.join(out, "check_seller_static")
	b = run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", shared, src] + cflags + libs)
	eq(b.returncode, 0, "build with pkg-config:\n" + b.stderr)
	b = run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", static, src] + cflags +
		["-Wl,-Bstatic", "-lqcreg", "-Wl,-Bdynamic"] + [x for x in slibs if x != "-lqcreg"])
	eq(b.returncode, 0, "static build with pkg-config --static:\n" + b.stderr)
	s = ctx.server
	subj = new_uscc()
	with s.connect(QUALITY) as q:
		q.ok("put", list="credit", subject=subj, fields=credit_fields("D"))
	crt, key = cert_path(PLATFORM)
	for prog in (shared, static):
		r = run([prog, "127.0.0.1", str(s.port), CA, crt, key, subj, new_uscc()],
			env=dict(os.environ, LD_LIBRARY_PATH=os.path.join(root, "lib")))
		eq(r.returncode, 0, "%s:\n%s%s" % (prog, r.stdout, r.stderr))
		lines = r.stdout.splitlines()
		eq(lines[0], "%s listed" % subj, "the listed seller")
		check(lines[1].endswith(" clear"), "a clear seller: " + lines[1])
		check(lines[2].startswith("server qcregd ") and lines[2].endswith("principal " + PLATFORM),
		      lines[2])
	l = run(["ldd", shared], env=dict(os.environ, LD_LIBRARY_PATH=os.path.join(root, "lib")))
	check(os.path.join(root, "lib/libqcreg.so.1") in l.stdout, "the program uses the installed "
	      "library:\n" + l.stdout)
