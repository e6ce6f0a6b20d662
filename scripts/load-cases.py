#!/usr/bin/env python3
"""Loads the demo procedures (scripts/gen-demo.py --cases) through the
command line: each action runs as the agency that writes its list.

    load-cases.py --qcreg bin/qcreg --server HOST:PORT --ca CA \\
        --certs DIR FILE

An "open" line becomes `qcreg case open LIST SUBJECT --kind K
--received-on D --text T [FIELD=VALUE...]`; a "close" line becomes
`qcreg case close CASE OUTCOME --reason R [FIELD=VALUE...]`, CASE being
the case its "ref" line opened. The agencies are found by asking the
server (`hello` lists what each principal writes). Stops at the first
refused action, naming its line. Python 3 standard library only.
"""

import argparse
import json
import subprocess
import sys

AGENCIES = ["quality-bureau", "tourism-bureau", "commerce-bureau"]


class Cli:
	def __init__(self, args):
		self.args = args

	def run(self, who, argv):
		"""The --json answer of qcreg run as who, or exits with its error."""
		cmd = [self.args.qcreg, "--server", self.args.server, "--ca", self.args.ca,
		       "--cert", "%s/%s.crt" % (self.args.certs, who),
		       "--key", "%s/%s.key" % (self.args.certs, who), "--json"] + argv
		p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
		if p.returncode != 0:
			sys.exit("load-cases: qcreg %s as %s: %s" % (" ".join(argv[:2]), who,
								     p.stderr.decode("utf-8", "replace").strip()))
		return json.loads(p.stdout)


def field_args(fields):
	return ["%s=%s" % (k, v) for k, v in (fields or {}).items()]


def main():
	ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	ap.add_argument("--qcreg", required=True)
	ap.add_argument("--server", required=True)
	ap.add_argument("--ca", required=True)
	ap.add_argument("--certs", required=True)
	ap.add_argument("file")
	args = ap.parse_args()
	cli = Cli(args)
	writer = {}
	for who in AGENCIES:
		for lst in cli.run(who, ["hello"]).get("writable", []):
			writer[lst] = who
	opened = []    # per line: (case id, list), None for a close
	with open(args.file, encoding="utf-8") as f:
		for n, line in enumerate(f, 1):
			a = json.loads(line)
			if a["action"] == "open":
				who = writer.get(a["list"])
				if who is None:
					sys.exit("load-cases: %s:%d: nobody writes list %s" % (args.file, n, a["list"]))
				r = cli.run(who, ["case", "open", a["list"], a["subject"], "--kind", a["kind"],
						  "--received-on", a["received_on"], "--text", a["text"]] +
					    field_args(a.get("fields")))
				opened.append((r["case"], a["list"]))
			else:
				ref = a["ref"]
				if not 0 <= ref < len(opened) or opened[ref] is None:
					sys.exit("load-cases: %s:%d: ref %d is not an open line" % (args.file, n, ref))
				case, lst = opened[ref]
				cli.run(writer[lst], ["case", "close", str(case), a["outcome"], "--reason", a["reason"]] +
					field_args(a.get("fields")))
				opened.append(None)
	print("load-cases: %d cases opened, %d closed" % (
		sum(1 for o in opened if o is not None), sum(1 for o in opened if o is None)))


if __name__ == "__main__":
	main()
