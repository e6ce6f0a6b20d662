"""qcreg import (the command line): JSON Lines checked first, then written in
(list, subject) order with pipelined puts; every error names its line."""

import json

from harness import *

suite = Suite("import")

LINE_MAX = 65536


def jline(lst, subject, fields, **kw):
	o = {"subject": subject, "fields": fields}
	if lst is not None:
		o["list"] = lst
	o.update(kw)
	return json.dumps(o, ensure_ascii=False)


def write_file(lines, sep="\n", end="\n"):
	"""A file of the lines (str or bytes); returns its path."""
	path = os.path.join(mktemp("qcreg-import-"), "in.jsonl")
	data = sep.encode().join(l if isinstance(l, bytes) else l.encode() for l in lines)
	with open(path, "wb") as f:
		f.write(data + end.encode())
	return path


def run_import(server, lines, args=(), cn=QUALITY, **kw):
	return qcreg(server, ["import"] + list(args) + [write_file(lines, **kw)], cn=cn)


def summary(out, unchanged=0):
	"""(imported, failed), after checking how many rows were unchanged."""
	m = re.search(r"^imported (\d+), unchanged (\d+), failed (\d+)$", out, re.M)
	check(m is not None, "no summary line in %r" % out)
	eq(int(m.group(2)), unchanged, "rows unchanged")
	return int(m.group(1)), int(m.group(3))


def line_errors(err):
	"""{line number: (code, message)} of the "qcreg: CODE: line N: ..." lines."""
	out = {}
	for m in re.finditer(r"^qcreg: ([a-z_]+): line (\d+): (.*)$", err, re.M):
		check(int(m.group(2)) not in out, "line %s reported twice:\n%s" % (m.group(2), err))
		out[int(m.group(2))] = (m.group(1), m.group(3))
	return out


def stored(reg, subject, lst="credit"):
	"""The fields of every version of subject on lst, oldest first."""
	h = reg.ok("history", subject=subject, list=lst)
	return [(v["version"], v["fields"]) for v in h["versions"]]


def ok_import(server, lines, n, args=(), **kw):
	rc, out, err = run_import(server, lines, args, **kw)
	eq((rc, summary(out)), (0, (n, 0)), "exit status and summary (stderr %r)" % err)
	check("lines checked" in err, "no line at the end of the checks: %r" % err)
	return err


@suite.test(timeout=60)
def imports_a_file(ctx):
	s = ctx.server
	subs = [new_uscc() for _ in range(6)]
	bare = uscc_make(uniq())
	fields = [credit_fields(grade=g, score=10 * i) for i, g in enumerate("ABCDAB")]
	lines = [jline("credit", subj, f) for subj, f in zip(subs, fields)]
	# a bare uscc id, digit strings for the int field and a text one, a null
	lines.append(jline("credit", bare.lower(), credit_fields("C", score="42", report="0042",
								 valid_until=None)))
	ok_import(s, lines, 7)
	with s.connect(REGULATOR) as reg:
		for subj, f in zip(subs, fields):
			eq(stored(reg, subj), [(1, f)], "history of %s" % subj)
			e = reg.ok("get", subject=subj)["entries"]
			eq([(x["list"], x["version"], x["fields"]) for x in e], [("credit", 1, f)],
			   "entries of %s" % subj)
		eq(stored(reg, "uscc:" + bare), [(1, credit_fields("C", score=42, report="0042"))],
		   "the bare, lower-case subject, its score sent as a number")


@suite.test(timeout=60)
def same_entry_keeps_file_order(ctx):
	"""Rows are sorted by subject and spread over several connections, but
	the lines of one entry stay in order (other entries may interleave)."""
	s = ctx.server
	hi, lo, mid = (uscc(uniq(), p) for p in ("91350100", "11350100", "51350100"))
	lines = [
		jline("credit", hi, credit_fields("A", report="first"), if_version=0),
		jline("credit", lo, credit_fields("B")),
		jline("credit", hi[5:], credit_fields("B", report="second"), if_version=1),
		jline("credit", mid, credit_fields("C")),
		jline("credit", hi, credit_fields("D", report="third")),
	]
	ok_import(s, lines, 5)
	with s.connect(REGULATOR) as reg:
		eq(stored(reg, hi), [(1, credit_fields("A", report="first")),
				     (2, credit_fields("B", report="second")),
				     (3, credit_fields("D", report="third"))], "versions of one entry")
		eq(reg.ok("get", subject=hi)["entries"][0]["fields"]["grade"], "D", "newest grade")
		for x, grade in ((lo, "B"), (mid, "C")):
			eq(stored(reg, x), [(1, credit_fields(grade))], "the one version of %s" % x)


@suite.test(timeout=60)
def long_subjects_sort_and_keep_order(ctx):
	"""Sites longer than the sort key of a row, alike in their first bytes."""
	s = ctx.server
	stem = "site:" + "a" * 40
	a, b = stem + "%db.example.cn" % uniq(), stem + "%da.example.cn" % uniq()
	f = [tourism_fields(decision="D%d" % i) for i in range(4)]
	lines = [jline("tourism", a, f[0]), jline("tourism", b, f[1]),
		 jline("tourism", a.upper().replace("SITE:", "site:"), f[2], if_version=1),
		 jline("tourism", b, f[3], if_version=1)]
	ok_import(s, lines, 4, cn=TOURISM)
	with s.connect(REGULATOR) as reg:
		eq(stored(reg, a, "tourism"), [(1, with_defaults("tourism", f[0])),
					      (2, with_defaults("tourism", f[2]))], "versions of a")
		eq(stored(reg, b, "tourism"), [(1, with_defaults("tourism", f[1])),
					      (2, with_defaults("tourism", f[3]))], "versions of b")


@suite.test(timeout=60)
def bad_lines_write_nothing(ctx):
	s = ctx.server
	good = [new_uscc() for _ in range(3)]
	lines = [
		jline(None, good[0], credit_fields()),                       # 1 good (--list)
		'{"list": "credit", "subject": ',                              # 2 bad JSON
		jline("credit", new_uscc(), credit_fields(), note="x"),        # 3 unknown key
		jline("credit", uscc_bad(uniq()), credit_fields()),            # 4 bad subject
		jline("credit", new_uscc(), None),                             # 5 no fields
		'{"list": "credit", "subject": "%s"}' % new_uscc(),           # 6 missing fields
		jline("tourism", new_guide(), tourism_fields()),               # 7 not --list
		jline("credit", good[1], credit_fields()),                     # 8 good
		"",                                                             # 9 blank
		jline("credit", new_uscc(), credit_fields(score=1.5)),         # 10 a float
		jline("credit", new_uscc(), credit_fields(), if_version=-1),   # 11 if_version
		b'{"list": "credit", "subject": "\xff", "fields": {}}',       # 12 not UTF-8
		jline("credit", "nope", credit_fields()),                      # 13 bad subject
		"[1, 2]",                                                       # 14 not an object
		jline("credit", good[2], credit_fields(), list="credit"),      # 15 duplicate key
	]
	lines[14] = lines[14].replace('"subject"', '"list": "credit", "subject"', 1)
	with s.connect(REGULATOR) as reg:
		before = snapshot(reg)
		rc, out, err = run_import(s, lines, ["--list", "credit"])
		eq(rc, 2, "exit status (stderr %r)" % err)
		eq(summary(out), (0, 12), "summary")
		want = {2: "usage", 3: "usage", 4: "invalid_subject", 5: "usage", 6: "usage",
			7: "usage", 10: "usage", 11: "usage", 12: "usage", 13: "invalid_subject",
			14: "usage", 15: "usage"}
		got = line_errors(err)
		eq({n: c for n, (c, _) in got.items()}, want, "codes of the lines reported:\n%s" % err)
		check("unknown key \"note\"" in got[3][1], "message of line 3: %r" % (got[3],))
		check("fields" in got[5][1] and "fields" in got[6][1], "messages of lines 5, 6")
		check("tourism" in got[7][1] and "--list credit" in got[7][1], "message of line 7")
		check("only strings and integers" in got[10][1], "message of line 10")
		check("if_version" in got[11][1], "message of line 11")
		check(got[2][1].startswith("JSON: ") and got[15][1].startswith("JSON: "),
		      "messages of lines 2 and 15")
		check(re.search(r"12 bad lines.*nothing was written", err), "closing message: %r" % err)
		check("lines checked" not in err, "reported as checked: %r" % err)
		eq(snapshot(reg), before, "registry after a file with bad lines")
		for subj in good:
			reg.err("get", "not_found", subject=subj)


@suite.test(timeout=60)
def unknown_list_is_a_bad_line(ctx):
	s = ctx.server
	with s.connect(REGULATOR) as reg:
		before = snapshot(reg)
		rc, out, err = run_import(s, [jline("credit", new_uscc(), credit_fields()),
					      jline("kredit", new_uscc(), credit_fields())])
		eq((rc, summary(out)), (2, (0, 1)), "exit status and summary")
		eq(list(line_errors(err).items()), [(2, ("unknown_list", "no list kredit"))],
		   "the line reported")
		eq(snapshot(reg), before, "registry")


@suite.test(timeout=60)
def server_errors_name_their_lines(ctx):
	s = ctx.server
	subs = [new_uscc() for _ in range(8)]
	lines = [jline("credit", x, credit_fields()) for x in subs]
	lines[1] = jline("credit", subs[1], credit_fields(grade="E"))          # schema
	lines[3] = jline("credit", subs[3], credit_fields(), if_version=5)     # conflict
	lines[6] = jline("tourism", new_guide(), tourism_fields())             # not ours
	lines.append(jline("credit", new_uscc(), credit_fields(extra_field="x")))  # schema
	rc, out, err = run_import(s, lines)
	eq(rc, 2, "exit status (stderr %r)" % err)
	eq(summary(out), (5, 4), "summary")
	got = line_errors(err)
	eq({n: c for n, (c, _) in got.items()},
	   {2: "bad_request", 4: "conflict", 7: "forbidden", 9: "bad_request"}, "lines reported:\n%s" % err)
	check("extra_field" in got[9][1], "the unknown field named: %r" % (got[9],))
	with s.connect(REGULATOR) as reg:
		for i, subj in enumerate(subs):
			if i == 6:
				continue
			if i in (1, 3):
				reg.err("get", "not_found", subject=subj)
			else:
				eq(stored(reg, subj), [(1, credit_fields())], "history of line %d" % (i + 1))


@suite.test(timeout=60)
def json_summary(ctx):
	s = ctx.server
	rc, out, err = run_import(s, [jline("credit", new_uscc(), credit_fields()) for _ in range(3)],
				  ["--json"])
	eq(rc, 0, "exit status (stderr %r)" % err)
	eq(json.loads(out), {"imported": 3, "unchanged": 0, "failed": 0}, "--json summary")
	eq(out.count("\n"), 1, "one line of output")
	rc, out, err = run_import(s, [jline("credit", new_uscc(), credit_fields()), "{"], ["--json"])
	eq((rc, json.loads(out)), (2, {"imported": 0, "unchanged": 0, "failed": 1}),
	   "--json after a bad line")


@suite.test(timeout=60)
def reads_stdin(ctx):
	s = ctx.server
	subs = [new_uscc() for _ in range(3)]
	data = "".join(jline("credit", x, credit_fields()) + "\n" for x in subs).encode()
	rc, out, err = qcreg(s, ["import", "-"], stdin=data)
	eq((rc, summary(out)), (0, (3, 0)), "exit status and summary (stderr %r)" % err)
	with s.connect(REGULATOR) as reg:
		for x in subs:
			eq(stored(reg, x), [(1, credit_fields())], "history of %s" % x)
	# and a bad line read from stdin
	rc, out, err = qcreg(s, ["import", "-"], stdin=data + b"\n{\n")
	eq((rc, list(line_errors(err))), (2, [5]), "a bad line 5 from stdin")


def padded(subject, size):
	"""A good line of exactly size bytes (spaces inside the object)."""
	l = jline("credit", subject, credit_fields())
	return l[:-1] + " " * (size - len(l.encode())) + "}"


@suite.test(timeout=60)
def line_length_limit(ctx):
	s = ctx.server
	at, over, after = new_uscc(), new_uscc(), new_uscc()
	with s.connect(REGULATOR) as reg:
		before = snapshot(reg)
		rc, out, err = run_import(s, [padded(at, LINE_MAX), padded(over, LINE_MAX + 1),
					      jline("credit", after, credit_fields()),
					      padded(new_uscc(), 8 * LINE_MAX)])
		eq((rc, summary(out)), (2, (0, 2)), "exit status and summary (stderr %r)" % err)
		eq({n: c for n, (c, _) in line_errors(err).items()}, {2: "usage", 4: "usage"},
		   "lines reported")
		check("longer than %d bytes" % LINE_MAX in err, "message: %r" % err)
		eq(snapshot(reg), before, "registry")
		# without the long ones the line of exactly LINE_MAX bytes is written
		ok_import(s, [padded(at, LINE_MAX), jline("credit", after, credit_fields())], 2)
		eq(stored(reg, at), [(1, credit_fields())], "the longest line")


@suite.test(timeout=60)
def crlf_blank_lines_and_no_final_newline(ctx):
	s = ctx.server
	subs = [new_uscc() for _ in range(4)]
	lines = ["", jline("credit", subs[0], credit_fields()), " \t ", "",
		 jline("credit", subs[1], credit_fields("C")), "\t",
		 jline("credit", subs[2], credit_fields("D")),
		 jline("credit", subs[3], credit_fields("A"))]
	ok_import(s, lines, 4, sep="\r\n", end="")
	with s.connect(REGULATOR) as reg:
		for x, g in zip(subs, "BCDA"):
			eq(stored(reg, x), [(1, credit_fields(g))], "history of %s" % x)
	# line numbers count blank lines; a CRLF file reports them right
	lines[2] = "{oops"
	rc, out, err = run_import(s, lines, sep="\r\n")
	eq((rc, list(line_errors(err))), (2, [3]), "the bad line of a CRLF file")


@suite.test(timeout=60)
def escapes_and_text(ctx):
	"""Escaped and raw UTF-8 text read alike; a line's fields in any order."""
	s = ctx.server
	a, b = new_uscc(), new_uscc()
	f = credit_fields(name="福州\"某某\"\\食品\t有限公司😀", report="R/1")
	raw = jline("credit", a, f)
	esc = json.dumps({"fields": f, "subject": b, "list": "credit"}, ensure_ascii=True)
	check("\\u798f" in esc, "the escaped line has \\u escapes")
	ok_import(s, [raw, esc.replace("/", "\\/")], 2)
	with s.connect(REGULATOR) as reg:
		eq(stored(reg, a), [(1, f)], "fields of the raw line")
		eq(stored(reg, b), [(1, f)], "fields of the escaped line")


@suite.test(timeout=60)
def many_null_fields(ctx):
	"""A line of many more fields than a schema has: the null ones left out."""
	s = ctx.server
	subj = new_uscc()
	fields = {"x%d" % i: None for i in range(40)}
	fields.update(credit_fields("C", score=7))
	ok_import(s, [jline("credit", subj, fields)], 1)
	with s.connect(REGULATOR) as reg:
		eq(stored(reg, subj), [(1, credit_fields("C", score=7))], "fields stored")


@suite.test(timeout=60)
def dry_run_writes_nothing(ctx):
	"""--dry-run checks every line as an import does and writes nothing."""
	s = ctx.server
	subs = [new_uscc() for _ in range(3)]
	lines = [jline("credit", x, credit_fields()) for x in subs]
	with s.connect(REGULATOR) as reg:
		before = snapshot(reg)
		rc, out, err = run_import(s, lines, ["--dry-run"])
		eq((rc, out), (0, "checked 3, bad 0\n"), "exit status and summary (stderr %r)" % err)
		check(re.search(r"3 lines checked.*nothing was written \(--dry-run\)", err),
		      "closing message: %r" % err)
		bad = lines + ["", '{"list": "credit"}', jline("kredit", new_uscc(), credit_fields())]
		rc, out, err = run_import(s, bad, ["--dry-run", "--json"])
		eq((rc, json.loads(out)), (2, {"checked": 5, "bad": 2}), "a file with bad lines")
		eq({n: c for n, (c, _) in line_errors(err).items()}, {5: "usage", 6: "unknown_list"},
		   "lines reported:\n%s" % err)
		eq(snapshot(reg), before, "registry after two dry runs")
		for x in subs:
			reg.err("get", "not_found", subject=x)
		rc, out, err = qcreg(s, ["put", "--dry-run", "credit", subs[0], "grade=A"])
		check(rc == 2 and "--dry-run does not apply to put" in err, "put --dry-run: %r" % err)
		# and without --dry-run the same lines are written
		ok_import(s, lines, 3)
		for x in subs:
			eq(stored(reg, x), [(1, credit_fields())], "history of %s" % x)
