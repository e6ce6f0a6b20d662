"""Roles (PROTOCOL.md section 6): what a forbidden answer must not do.

Which (op, role) cells are allowed is test_authz_matrix.py, read from the
table in PROTOCOL.md; this file takes its forbidden write cells from the
same table (harness.role_cells) and checks that such a write leaves no
trace, in every form it can take (with and without if_version, on a new
and on an existing entry), and that the connection stays usable.
"""

from harness import *

suite = Suite("roles")


def _forbidden_writes():
	"""(principal, op, list) for every write the table forbids."""
	out = []
	for op in ("put", "remove"):
		for cn, word in role_cells(op).items():
			for l in LISTS:
				if word == "no" or (word == "own lists" and l not in OWN.get(cn, [])):
					out.append((cn, op, l))
				else:
					check(word in ("yes", "own lists"), "`%s` for %s is `%s`: not a write cell this test "
					      "knows" % (op, role_column(cn), word))
	return out


@suite.test(timeout=120)
def forbidden_writes_leave_no_trace(ctx):
	s = ctx.server
	existing = {}
	for l in LISTS:
		with s.connect(WRITER[l]) as w:
			subj = new_uscc() if l != "tourism" else new_guide()
			w.ok("put", list=l, subject=subj, fields=FIELDS_FOR[l]())
			existing[l] = subj
	cases = _forbidden_writes()
	check(cases, "the table forbids no write")
	with s.connect(REGULATOR) as reg:
		before = snapshot(reg)
		hist = {l: reg.ok("history", subject=x, list=l) for l, x in existing.items()}
	n = 0
	for cn in PRINCIPALS:
		mine = [(op, l) for c, op, l in cases if c == cn]
		if not mine:
			continue
		with s.connect(cn) as c:
			for op, l in mine:
				x = existing[l]
				if op == "put":
					f = FIELDS_FOR[l]()
					c.err("put", "forbidden", list=l, subject=new_uscc(), fields=f)
					c.err("put", "forbidden", list=l, subject=new_uscc(), fields=f, if_version=0)
					c.err("put", "forbidden", list=l, subject=x, fields=f)
					c.err("put", "forbidden", list=l, subject=x, fields=f, if_version=1)
					n += 4
				else:
					c.err("remove", "forbidden", list=l, subject=x, reason="撤销")
					c.err("remove", "forbidden", list=l, subject=x, reason="撤销", if_version=1)
					n += 2
			c.hello_ok()
	with s.connect(REGULATOR) as reg:
		eq(snapshot(reg), before, "registry (stats and newest changes) after %d forbidden writes" % n)
		for l, x in existing.items():
			eq(reg.ok("history", subject=x, list=l), hist[l], "history of %s/%s" % (l, x))
	print("# roles: %d forbidden writes by %d principals, none stored" % (
		n, len({c for c, _, _ in cases})), flush=True)
