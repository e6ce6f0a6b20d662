"""stats (PROTOCOL.md 5, stats): counts of the current entries, by list,
region, month or grade, filtered by list, region and start dates; the
expected counts are computed here from what was written."""

import collections
import json
import random

from harness import *

suite = Suite("stats")

# Divisions the entries are registered in (USCC characters 3-8).
REGIONS = ["410102", "410105", "410302", "410311", "350100", "110105"]
HENAN = {"4101": "郑州市", "4103": "洛阳市"}
PROVINCES = {"41": "河南省", "35": "福建省", "11": "北京市"}
STATES = ("active", "pending", "expired", "removed")


def write_history(s, n=60):
	"""n credit entries over the regions, grades and start dates, some
	removed; and tourism entries without a region (sites). Returns what
	was written: [(list, subject, region or None, grade, start, state)]."""
	rnd = random.Random(7)
	out = []
	starts = [day(-400), day(-40), day(-10), day(5)]
	with s.connect(QUALITY) as q, s.connect(TOURISM) as t:
		for i in range(n):
			region = REGIONS[i % len(REGIONS)]
			subj = uscc(uniq(), prefix="91" + region)
			grade = "ABCD"[i % 4]
			start = starts[i % len(starts)]
			f = credit_fields(grade, valid_from=start)
			if i % 5 == 0:
				f["valid_until"] = day(-5) if start < day(-5) else day(30)
			q.ok("put", list="credit", subject=subj, fields=f)
			state = "pending" if start > day(0) else (
				"expired" if f.get("valid_until", "9999") < day(0) else "active")
			if i % 7 == 0:
				q.ok("remove", list="credit", subject=subj, reason="撤销")
				state = "removed"
			out.append(("credit", subj, region, grade, start, state))
		for i in range(8):
			subj = new_site()
			listed = starts[i % 3]
			t.ok("put", list="tourism", subject=subj, fields=tourism_fields(listed_on=listed))
			out.append(("tourism", subj, None, None, listed, "active"))
	return out


def expect(rows, key_of, keep=lambda r: True):
	"""{key: {total, states...}} over the written rows kept."""
	acc = collections.defaultdict(lambda: dict({"total": 0}, **{st: 0 for st in STATES}))
	for r in rows:
		if not keep(r):
			continue
		k = key_of(r)
		acc[k]["total"] += 1
		acc[k][r[5]] += 1
	return dict(acc)


def got(res):
	return {r["key"] if "list" not in r else (r["list"], r["key"]):
		{k: r[k] for k in ("total",) + STATES} for r in res["rows"]}


@suite.test(timeout=120)
def grouped_and_filtered(ctx):
	avoid_midnight()
	s = ctx.fresh_server("stats")
	rows = write_history(s)
	with s.connect(REGULATOR) as r:
		res = r.ok("stats", by="region")
		eq(res["by"], "region", "by")
		eq(got(res), expect(rows, lambda x: x[2][:2] if x[2] else None), "by province")
		names = {x["key"]: x.get("name") for x in res["rows"]}
		for code, name in PROVINCES.items():
			eq(names.get(code), name, "the name of %s" % code)
		eq(names[None], None, "entries without a region: key nil, no name")
		res = r.ok("stats", by="region", region="41")
		eq(got(res), expect(rows, lambda x: x[2][:4], lambda x: x[2] and x[2].startswith("41")),
		   "Henan by city")
		eq({x["key"]: x.get("name") for x in res["rows"]}, HENAN, "Henan's city names")
		res = r.ok("stats", by="region", region="4101")
		eq(got(res), expect(rows, lambda x: x[2], lambda x: x[2] and x[2].startswith("4101")),
		   "Zhengzhou by county")
		res = r.ok("stats", by="month", **{"from": day(-50), "to": day(0)})
		eq(got(res), expect(rows, lambda x: x[4][:7], lambda x: day(-50) <= x[4] <= day(0)),
		   "by month, started in the last 50 days")
		res = r.ok("stats", by="grade", region="41")
		eq(got(res), expect(rows, lambda x: (x[0], x[3]),
				    lambda x: x[0] == "credit" and x[2].startswith("41")), "by grade in Henan")
		eq([x["key"] for x in res["rows"]], ["A", "B", "C", "D"], "grades in schema order")
		res = r.ok("stats", list="credit", region="35")
		want = expect(rows, lambda x: x[0], lambda x: x[2] and x[2].startswith("35"))
		eq(res["total"], want["credit"]["total"], "by list, filtered")
		eq({k: res["lists"]["credit"][k] for k in ("total",) + STATES}, want["credit"], "credit in Fujian")
		eq(res["lists"]["tourism"]["total"], 0, "no tourism entry has a region")
		eq(r.ok("stats")["total"], len(rows), "unfiltered")
	rc, out, err = qcreg(s, ["stats", "--by", "region", "--region", "41"], cn=REGULATOR)
	eq(rc, 0, "qcreg stats --by region: %s" % err)
	check("郑州市" in out and "洛阳市" in out and "REGION" in out, "the table: %s" % out)
	rc, out, err = qcreg(s, ["--json", "stats", "--by", "month"], cn=REGULATOR)
	eq((rc, json.loads(out)["by"]), (0, "month"), "qcreg --json stats --by month")
	s.stop_clean()


@suite.test(timeout=60)
def bad_arguments(ctx):
	s = ctx.server
	with s.connect(REGULATOR) as r:
		for region in ("4", "410", "41010", "4101011", "41a1", ""):
			e = r.err("stats", "bad_request", by="region", region=region)
			check("2, 4 or 6 digits" in e["message"], "region %r: %s" % (region, e["message"]))
		r.err("stats", "bad_request", region=41)
		e = r.err("stats", "bad_request", by="county")
		check("list, region, month or grade" in e["message"], e["message"])
		r.err("stats", "bad_request", **{"from": "2026-13-01"})
		e = r.err("stats", "bad_request", **{"from": day(1), "to": day(0)})
		check("after" in e["message"], e["message"])
		r.err("stats", "unknown_list", list="nosuch")
		r.ok("hello")
	with s.connect(PLATFORM) as p:
		p.err("stats", "forbidden", by="region")
