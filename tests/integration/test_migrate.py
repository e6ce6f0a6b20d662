"""qcregd --migrate: storage schema 2 (change records version 1) to 3.

schema2.dump (`mdb_dump -a`) is a data directory written by the qcregd of
commit bc17c89, the last of storage schema 2, with 8 writes: credit put
A (grade B, score 90), tourism put G, advertising put G, credit put A
(grade A, score 95), tourism remove G, credit put B (grade D), credit
remove A ("信用修复"), advertising put H. It is loaded with mdb_load into
a fresh directory per test, converted, and served by this qcregd: the
version 2 chain verifies from zero (section 4.4), reads find every
version, writes go on from seq 9. A schema 2 directory is refused at start
with the hint to migrate; a broken version 1 chain is refused by
--migrate, naming the record, and leaves data.mdb as it was.
"""

import subprocess

from harness import *

suite = Suite("migrate")

DUMP = os.path.join(HERE, "schema2.dump")
# The last version 1 hash of the dump, kept in meta by the migration.
V1_HEAD = "c53210763296269e0c6ee1e89c65e3546ede804c15c32bcf684d5226f5ca0427"
A, B = "uscc:9135010000000E7E7J", "uscc:9135010000000EHY2C"
G = "site:old-tours.example.cn"


def schema2_dir(tamper=None):
	"""A new data directory loaded from the dump (its text passed through
	tamper first, if given)."""
	d = os.path.join(mktemp("qcreg-migrate-"), "data")
	os.makedirs(d)
	with open(DUMP, encoding="ascii") as f:
		text = f.read()
	if tamper is not None:
		text = tamper(text)
	r = subprocess.run(["mdb_load", d], input=text, capture_output=True, text=True, timeout=30)
	check(r.returncode == 0, "mdb_load: %s" % r.stderr)
	return d


qcregd = run_qcregd


def data_sha(d):
	with open(os.path.join(d, "data.mdb"), "rb") as f:
		return hashlib.sha256(f.read()).hexdigest()


def refused_at_start(d):
	r = qcregd("--config", CONFIG, "--listen", "127.0.0.1:0", "--data", d)
	eq(r.returncode, 1, "exit status of qcregd on a schema 2 directory")
	check("storage schema 2" in r.stderr and "qcregd --migrate" in r.stderr,
	      "the refusal names the schema and --migrate:\n" + r.stderr)


@suite.test(timeout=120)
def migrated_log_verifies_and_serves(ctx):
	d = schema2_dir()
	refused_at_start(d)
	r = qcregd("--migrate", "--data", d)
	eq(r.returncode, 0, "exit status of --migrate\n" + r.stderr)
	m = re.search(r"(\d+) change records converted to version 2, head hash ([0-9a-f]{64})", r.stderr)
	check(m is not None, "no result line in the log:\n" + r.stderr)
	eq(m.group(1), "8", "records converted")
	check(V1_HEAD in r.stderr, "the log names the kept version 1 head:\n" + r.stderr)

	s = ctx.fresh_server("migrated", data=d)
	with s.connect(REGULATOR) as reg:
		changes, versions = verify_chain(reg)
		eq(len(changes), 8, "changes after the migration")
		eq(changes[-1]["hash"], m.group(2), "head hash of the log line")
		eq([c["op"] for c in changes], ["put"] * 4 + ["remove", "put", "remove", "put"], "ops")
		eq([c.get("case") for c in changes], [None] * 8, "cases")
		a = {v["version"]: v for v in reg.ok("history", subject=A, list="credit")["versions"]}
		eq(sorted(a), [1, 2, 3], "versions of A")
		eq((a[1]["fields"]["grade"], a[1]["fields"]["score"]), ("B", 90), "A v1")
		eq((a[2]["fields"]["grade"], a[2]["fields"]["score"]), ("A", 95), "A v2")
		eq(a[3]["status"], "removed", "A v3")
		eq(a[3]["reason"], "信用修复", "A v3 reason")
		eq(a[3]["fields"], a[2]["fields"], "a removal keeps the fields it removed")
		g = reg.ok("get", subject=G, lists=["tourism"])["entries"][0]
		eq((g["version"], g["status"]), (2, "removed"), "G on tourism")
		eq(reg.ok("stats")["head"], 8, "stats.head")
	with s.connect(QUALITY) as q:
		res = q.ok("put", list="credit", subject=B, fields=credit_fields(grade="C"))
		eq((res["version"], res["seq"]), (2, 9), "a put after the migration")
	with s.connect(REGULATOR) as reg:
		changes, _ = verify_chain(reg)
		eq(len(changes), 9, "changes after one more put")
	s.stop_clean()

	r = qcregd("--migrate", "--data", d)
	eq(r.returncode, 0, "exit status of --migrate on schema 3\n" + r.stderr)
	check("nothing to do" in r.stderr, "--migrate on schema 3 says so:\n" + r.stderr)


@suite.test(timeout=60)
def broken_v1_chain_refused_and_unchanged(ctx):
	def bad_hash(text):
		# record 4's value ends with its 32-byte hash: change its last digit
		lines = text.split("\n")
		i = lines.index(" 0000000000000004") + 1
		lines[i] = lines[i][:-1] + ("0" if lines[i][-1] != "0" else "1")
		return "\n".join(lines)
	d = schema2_dir(bad_hash)
	before = data_sha(d)
	r = qcregd("--migrate", "--data", d)
	eq(r.returncode, 1, "exit status of --migrate on a broken chain\n" + r.stderr)
	check("change record 4 does not verify" in r.stderr, "the log names record 4:\n" + r.stderr)
	check("unchanged" in r.stderr, "the log says nothing changed:\n" + r.stderr)
	eq(data_sha(d), before, "data.mdb after a refused migration")
	refused_at_start(d)


@suite.test(timeout=30)
def migrate_needs_a_directory(ctx):
	r = qcregd("--migrate")
	eq(r.returncode, 2, "exit status of --migrate without --data or --config")
	check("--migrate --data DIR" in r.stderr, "usage names --migrate:\n" + r.stderr)
	d = mktemp("qcreg-migrate-")
	r = qcregd("--migrate", "--data", d)
	eq(r.returncode, 1, "exit status of --migrate on an empty directory")
	check(not os.path.exists(os.path.join(d, "data.mdb")), "--migrate made a data file")
