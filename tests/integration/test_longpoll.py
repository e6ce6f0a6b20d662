"""`changes` with `wait` (PROTOCOL.md, changes): a long poll answered as
soon as the log grows, or empty when its time is up; the idle timeout does
not cut it; a stopping server answers it at once; one per connection."""

import os
import signal
import time

from harness import *

suite = Suite("longpoll")


def _put(s):
	with s.connect(QUALITY) as q:
		return q.ok("put", list="credit", subject=new_uscc(), fields=credit_fields())["seq"]


@suite.test(timeout=60)
def answered_when_the_log_grows(ctx):
	s = ctx.server
	head = _put(s)
	with s.connect(PLATFORM) as p:
		p.send({"id": 1, "op": "changes", "since": head, "wait": 30})
		time.sleep(0.3)
		seq = _put(s)
		t0 = time.monotonic()
		r = p.recv()
		check_response(r, 1)
		check(r["ok"], "long poll: %r" % r)
		eq([c["seq"] for c in r["result"]["changes"]], [seq], "the new record")
		check(time.monotonic() - t0 < 5, "answered once the log grew")
		# records already there: at once, whatever wait says
		eq(p.ok("changes", since=head, wait=30)["changes"][0]["seq"], seq, "no wait when there is news")


@suite.test(timeout=60)
def empty_when_time_is_up(ctx):
	s = ctx.server
	head = _put(s)
	with s.connect(PLATFORM) as p:
		t0 = time.monotonic()
		r = p.ok("changes", since=head, wait=2)
		took = time.monotonic() - t0
		eq(r, {"changes": [], "head": head}, "nothing new")
		check(1 <= took < 10, "waited about its 2 s (%.1f s)" % took)
		p.err("changes", "bad_request", since=head, wait=61)
		p.err("changes", "bad_request", since=head, wait=-1)


@suite.test(timeout=90)
def outlasts_the_idle_timeout(ctx):
	s = ctx.fresh_server("idle", config=write_config(os.path.join(mktemp(), "q.conf"),
							 limits={"idle_timeout": 2}))
	head = _put(s)
	with s.connect(PLATFORM) as p:
		p.send({"id": 7, "op": "changes", "since": head, "wait": 6})
		time.sleep(4)
		seq = _put(s)
		r = p.recv()
		check_response(r, 7)
		eq([c["seq"] for c in r["result"]["changes"]], [seq], "answered after the idle timeout")


@suite.test(timeout=60)
def one_poll_per_connection_and_order(ctx):
	s = ctx.server
	head = _put(s)
	with s.connect(PLATFORM) as p:
		p.send({"id": 1, "op": "changes", "since": head, "wait": 20})
		p.send({"id": 2, "op": "changes", "since": head, "wait": 20})
		p.send({"id": 3, "op": "hello"})
		time.sleep(0.3)
		seq = _put(s)
		got = [p.recv() for _ in range(3)]
		eq([g["id"] for g in got], [1, 2, 3], "answers in request order")
		# the second poll could not wait: answered empty at once, but after the first
		eq(got[1]["result"]["changes"], [], "a second poll on the connection does not wait")
		eq([c["seq"] for c in got[0]["result"]["changes"]], [seq], "the first one waited")


@suite.test(timeout=60)
def sigterm_answers_at_once(ctx):
	s = ctx.fresh_server("term")
	head = _put(s)
	p = s.connect(PLATFORM)
	try:
		p.send({"id": 4, "op": "changes", "since": head, "wait": 60})
		time.sleep(0.3)
		t0 = time.monotonic()
		s.proc.send_signal(signal.SIGTERM)
		r = p.recv()
		check_response(r, 4)
		eq(r["result"], {"changes": [], "head": head}, "answered at the stop")
		check(time.monotonic() - t0 < 10, "at once")
		s.proc.wait(30)
	finally:
		p.close()
