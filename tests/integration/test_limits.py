"""An answer may not exceed max_frame (section 7, too_large): a scan page
too big for one frame is refused, the connection stays usable, and a
smaller page of the same data is answered."""

from harness import *

suite = Suite("limits")


@suite.test(timeout=180)
def scan_answer_over_max_frame_is_too_large(ctx):
	s = ctx.fresh_server("limits")
	# 900 entries of about 1.4 KB: a page of all of them exceeds 1 MiB.
	msgs = []
	for i in range(900):
		f = tourism_fields("unlicensed_guide", name="名" * 85,
				   reason="理" * 341, decision="D" * 64)
		msgs.append({"id": i + 1, "op": "put", "list": "tourism",
			     "subject": "guide:BIG-%06d" % i, "fields": f})
	with s.connect(TOURISM) as t:
		for m, a in zip(msgs, pump(t, msgs)):
			check(a["ok"], "put %s: %s" % (m["subject"], a.get("error")))
	with s.connect(REGULATOR) as reg:
		e = reg.err("scan", "too_large", list="tourism", limit=1000)
		check("max_frame" in e["message"], "message names the limit: %r" % e["message"])
		page = reg.ok("scan", list="tourism", limit=100)
		eq(len(page["entries"]), 100, "a smaller page")
		eq(reg.ok("stats")["lists"]["tourism"]["total"], 900, "entries after the refusal")
	s.stop_clean()


@suite.test(timeout=240)
def pipelined_writes_past_the_input_cap_all_answered(ctx):
	"""8 MB of pipelined puts on one connection: the server stops reading at
	its input cap and at 128 writes in flight, and must pick up what OpenSSL
	already buffered when it resumes (a lost wake-up here stalled loads)."""
	s = ctx.fresh_server("inputcap")
	msgs = []
	for i in range(6000):
		f = tourism_fields("unlicensed_guide", reason="理" * 341)
		msgs.append({"id": i + 1, "op": "put", "list": "tourism",
			     "subject": "guide:CAP-%06d" % i, "fields": f})
	with s.connect(TOURISM) as t:
		answers = pump(t, msgs, timeout=200)
		eq(len(answers), len(msgs), "answers")
		for m, a in zip(msgs, answers):
			check(a["ok"], "put %s: %s" % (m["subject"], a.get("error")))
	with s.connect(REGULATOR) as reg:
		eq(reg.ok("stats")["lists"]["tourism"]["total"], 6000, "entries")
	s.stop_clean()


@suite.test(timeout=180)
def pipelined_reads_past_the_input_cap_all_answered(ctx):
	"""40,000 one-subject checks sent at once (about 1.8 MB, past the 1 MB
	input cap) on one connection, no writes: every one is answered, in
	order. Handling 64 frames a turn announced the rest with event_active,
	which the event_del of the input cap cancelled: with no write in flight
	to resume it, the connection stopped until its idle timeout."""
	n = 40000
	msgs = [{"id": i, "op": "check", "subjects": [uscc(i)]} for i in range(1, n + 1)]
	with ctx.server.connect(PLATFORM, timeout=60) as c:
		c.send_raw(b"".join(frame(m) for m in msgs))
		for m in msgs:
			a = c.recv()
			check_response(a, m["id"])
			check(a["ok"], "check %d: %r" % (m["id"], a.get("error")))
