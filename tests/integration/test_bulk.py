"""Bulk data: qcreg import of CSV with a
header row, every bad row reported by its line and nothing written, a
re-import of the same rows writing nothing, and qcreg export in CSV and
JSON Lines that an empty server imports back to the same entries."""

import csv
import io
import json
import re

from harness import *

suite = Suite("bulk")


def write(text, name="in.csv", bom=False):
	path = os.path.join(mktemp("qcreg-bulk-"), name)
	with open(path, "wb") as f:
		f.write((b"\xef\xbb\xbf" if bom else b"") + text.encode())
	return path


def summary(out):
	m = re.search(r"^imported (\d+), unchanged (\d+), failed (\d+)$", out, re.M)
	check(m is not None, "no summary in %r" % out)
	return tuple(int(x) for x in m.groups())


def bad_lines(err):
	return {int(m.group(1)): m.group(2) for m in re.finditer(r"^qcreg: [a-z_]+: line (\d+): (.*)$",
								   err, re.M)}


@suite.test(timeout=120)
def csv_imports_and_reimports_nothing(ctx):
	s = ctx.fresh_server("bulk-csv")
	a, b, c = new_uscc(), new_uscc(), new_uscc()
	text = ("list,subject,name,grade,score,valid_from\r\n"
		"credit,%s,\"郑州市好味食品有限公司\",A,91,%s\r\n"
		"credit,%s,\"某某, \"\"老字号\"\" 餐饮\",C,,\r\n"
		"\r\n"
		"credit,%s,\"两行\n名称\",B,70,\r\n" % (a, day(-3), b, c))
	path = write(text, bom=True)
	rc, out, err = qcreg(s, ["import", path])
	eq(rc, 0, "import:\n" + out + err)
	eq(summary(out), (3, 0, 0), "three rows")
	with s.connect(REGULATOR) as r:
		ea = r.ok("get", subject=a)["entries"][0]
		eq(ea["fields"], {"name": "郑州市好味食品有限公司", "grade": "A", "score": 91,
				  "valid_from": day(-3)}, "a row: an int column is a number")
		eq(r.ok("get", subject=b)["entries"][0]["fields"], {"name": '某某, "老字号" 餐饮', "grade": "C"},
		   "quotes, commas, empty cells left out")
		eq(r.ok("get", subject=c)["entries"][0]["fields"]["name"], "两行\n名称", "a line break in a cell")
		head = r.ok("stats")["head"]
	rc, out, err = qcreg(s, ["import", path])
	eq((rc, summary(out)), (0, (0, 3, 0)), "the same file again writes nothing:\n" + out + err)
	changed = text.replace(",A,91,", ",B,91,")
	rc, out, err = qcreg(s, ["import", write(changed)])
	eq((rc, summary(out)), (0, (1, 2, 0)), "one row changed:\n" + out + err)
	with s.connect(REGULATOR) as r:
		eq(r.ok("stats")["head"], head + 1, "one change record for the one row")
	# --list instead of a list column; --format csv for a file not named .csv
	d = new_uscc()
	path = write("subject,name,grade\n%s,列表参数,B\n" % d, name="rows.txt")
	rc, out, err = qcreg(s, ["import", "--list", "credit", "--format", "csv", path])
	eq((rc, summary(out)), (0, (1, 0, 0)), "--list and --format:\n" + out + err)


@suite.test(timeout=60)
def csv_bad_rows_write_nothing(ctx):
	s = ctx.fresh_server("bulk-bad")
	good = new_uscc()
	text = ("list,subject,name,grade\n"
		"credit,%s,好企业,A\n"		# line 2: good
		"credit,91350100M000100Y44,坏代码,A\n"	# 3: check digit
		"credit,%s,少一格\n"		# 4: 3 cells
		"nolist,%s,没有这个名单,A\n"	# 5: unknown list
		"credit,%s,\"引号\n没关,A\n" % (good, new_uscc(), new_uscc(), new_uscc()))	# 6: open quote
	rc, out, err = qcreg(s, ["import", write(text)])
	eq(rc, 2, "bad rows: exit 2\n" + out + err)
	bad = bad_lines(err)
	eq(sorted(bad), [3, 4, 5, 6], "every bad row by its line:\n" + err)
	check("cells" in bad[4] and "header" in bad[4], bad[4])
	check("quote" in bad[6], bad[6])
	check("nothing was written" in err, err)
	with s.connect(REGULATOR) as r:
		eq(r.ok("stats")["head"], 0, "nothing written")
	for header, why in (("list,name,grade\n", "no subject column"),
			    ("subject,subject,name\n", "twice"), ("", "no header")):
		rc, out, err = qcreg(s, ["import", "--list", "credit", write(header)])
		eq(rc, 2, "header %r" % header)
		check(why in err, "%r: %s" % (header, err))
	rc, out, err = qcreg(s, ["import", "--dry-run", write("list,subject,name,grade\ncredit,%s,试,A\n"
							       % new_uscc())])
	eq(rc, 0, "--dry-run\n" + err)
	with s.connect(REGULATOR) as r:
		eq(r.ok("stats")["head"], 0, "--dry-run wrote nothing")


@suite.test(timeout=180)
def export_import_round_trip(ctx):
	src = ctx.fresh_server("bulk-src")
	subs = []
	with src.connect(QUALITY) as q:
		for i in range(25):
			x = new_uscc()
			f = credit_fields("ABCD"[i % 4], name="导出测试,%d \"号\"" % i, score=60 + i,
					  valid_from=day(-10 if i % 3 else 10))
			q.ok("put", list="credit", subject=x, fields=f)
			subs.append(x)
		q.ok("remove", list="credit", subject=subs[0], reason="撤销")
	outs = {}
	for fmt in ("csv", "jsonl"):
		rc, out, err = qcreg(src, ["export", "credit", "--format", fmt], cn=REGULATOR)
		eq(rc, 0, "export %s:\n%s" % (fmt, err))
		outs[fmt] = out
	rows = list(csv.DictReader(io.StringIO(outs["csv"])))
	eq(len(rows), 24, "every entry but the removed one")
	eq(list(rows[0].keys()), ["subject", "name", "grade", "score", "report", "valid_from",
				  "valid_until"], "the header: subject, then the schema's fields")
	lines = [json.loads(l) for l in outs["jsonl"].splitlines()]
	eq(sorted(l["subject"] for l in lines), sorted(subs[1:]), "JSON Lines: the same entries")
	rc, out, err = qcreg(src, ["export", "credit", "--state", "pending"], cn=REGULATOR)
	eq(len(out.splitlines()), len([i for i in range(1, 25) if i % 3 == 0]), "--state pending")
	for fmt in ("csv", "jsonl"):
		dst = ctx.fresh_server("bulk-dst-" + fmt)
		path = write(outs[fmt], name="export." + fmt)
		rc, out, err = qcreg(dst, ["import", "--list", "credit", path])
		eq((rc, summary(out)), (0, (24, 0, 0)), "import of the %s export:\n%s" % (fmt, err))
		rc, again, err = qcreg(dst, ["export", "credit", "--format", fmt], cn=REGULATOR)
		eq(again, outs[fmt], "the %s export of the copy is the same" % fmt)
		with src.connect(REGULATOR) as a, dst.connect(REGULATOR) as b:
			for x in subs[1:]:
				eq(b.ok("get", subject=x)["entries"][0]["fields"],
				   a.ok("get", subject=x)["entries"][0]["fields"], "fields of %s" % x)
