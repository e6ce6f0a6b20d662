/*
 * libqcreg: the procedure ops and retry keys (PROTOCOL.md 4.6, 4.8):
 * what the queue calls put on the wire, and decoding the answers of the
 * writes (qcreg_reply_case_opened, qcreg_reply_write), hostile shapes
 * included. No server: a connection is set up in memory and its output
 * queue read back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "frame.h"
#include "msg.h"
#include "qcreg_int.h"
#include "testlib.h"


/* case_open: every argument, fields only when there are some, idem. */
static void
test_case_open_request(void **state)
{
	static const struct qcreg_field f[] = {
		{ "name", QCREG_V_STR, "张某", 0 },
		{ "score", QCREG_V_INT, NULL, 55 },
	};
	struct qcreg	*c = tl_conn();
	struct tl_sent	 s;

	(void)state;
	assert_int_equal(qcreg_queue_case_open(c, "tourism",
	    "guide:D-4101-000123", "notice", "2026-09-28", "拟列入", f, 2,
	    "k-1"), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2 + 7);
	tl_want_uint(s.req, "id", 1);
	tl_want_str(s.req, "op", "case_open");
	tl_want_str(s.req, "list", "tourism");
	tl_want_str(s.req, "subject", "guide:D-4101-000123");
	tl_want_str(s.req, "kind", "notice");
	tl_want_str(s.req, "received_on", "2026-09-28");
	tl_want_str(s.req, "text", "拟列入");
	tl_want_str(qc_map_get(s.req, "fields"), "name", "张某");
	tl_want_uint(qc_map_get(s.req, "fields"), "score", 55);
	tl_want_str(s.req, "idem", "k-1");
	tl_sent_free(&s);

	/* An objection: no fields, no idem. */
	assert_int_equal(qcreg_queue_case_open(c, "tourism",
	    "guide:D-4101-000123", "objection", "2026-09-28", "异议", NULL, 0,
	    NULL), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2 + 5);
	tl_want_uint(s.req, "id", 2);
	assert_null(qc_map_get(s.req, "fields"));
	assert_null(qc_map_get(s.req, "idem"));
	tl_sent_free(&s);

	/* Missing arguments and bad keys: refused, nothing queued. */
	assert_int_equal(qcreg_queue_case_open(c, "tourism", "x", NULL,
	    "2026-09-28", "t", NULL, 0, NULL), QCREG_E_USAGE);
	assert_int_equal(qcreg_queue_case_open(c, "tourism", "x", "notice",
	    "2026-09-28", "t", NULL, 1, NULL), QCREG_E_USAGE);
	assert_int_equal(qcreg_queue_case_open(c, "tourism", "x", "notice",
	    "2026-09-28", "t", NULL, 0, ""), QCREG_E_USAGE);
	assert_int_equal(qcreg_queue_case_open(c, "tourism", "x", "notice",
	    "2026-09-28", "t", NULL, 0,
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "4"), QCREG_E_USAGE);
	assert_int_equal(c->out.size, 0);
	assert_int_equal(qcreg_in_flight(c), 0);
	qcreg_close(c);
}

/* case_close: if_version and fields only when given. */
static void
test_case_close_request(void **state)
{
	static const struct qcreg_field f[] = {
		{ "grade", QCREG_V_STR, "B", 0 },
	};
	struct qcreg	*c = tl_conn();
	struct tl_sent	 s;

	(void)state;
	assert_int_equal(qcreg_queue_case_close(c, 57, "corrected", "复核",
	    f, 1, 3, "k"), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2 + 6);
	tl_want_str(s.req, "op", "case_close");
	tl_want_uint(s.req, "case", 57);
	tl_want_str(s.req, "outcome", "corrected");
	tl_want_str(s.req, "reason", "复核");
	tl_want_str(qc_map_get(s.req, "fields"), "grade", "B");
	tl_want_uint(s.req, "if_version", 3);
	tl_want_str(s.req, "idem", "k");
	tl_sent_free(&s);

	assert_int_equal(qcreg_queue_case_close(c, 58, "upheld", "r", NULL, 0,
	    QCREG_NO_VERSION, NULL), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2 + 3);
	assert_null(qc_map_get(s.req, "if_version"));
	tl_sent_free(&s);

	assert_int_equal(qcreg_queue_case_close(c, 58, NULL, "r", NULL, 0,
	    QCREG_NO_VERSION, NULL), QCREG_E_USAGE);
	assert_int_equal(qcreg_queue_case_close(c, 58, "upheld", "r", NULL, 0,
	    -2, NULL), QCREG_E_USAGE);
	qcreg_close(c);
}

/* cases: a NULL filter sends nothing; every key of a full one. */
static void
test_cases_request(void **state)
{
	struct qcreg_case_filter	 f;
	struct qcreg			*c = tl_conn();
	struct tl_sent			 s;

	(void)state;
	assert_int_equal(qcreg_queue_cases(c, NULL), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2);
	tl_want_str(s.req, "op", "cases");
	tl_sent_free(&s);

	memset(&f, 0, sizeof(f));
	f.within = -1;
	assert_int_equal(qcreg_queue_cases(c, &f), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2);
	tl_sent_free(&s);

	f.state = "due";
	f.within = 0;
	f.list = "credit";
	f.kind = "repair";
	f.after = 41;
	f.limit = 7;
	assert_int_equal(qcreg_queue_cases(c, &f), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2 + 6);
	tl_want_str(s.req, "state", "due");
	tl_want_uint(s.req, "within", 0);
	tl_want_str(s.req, "list", "credit");
	tl_want_str(s.req, "kind", "repair");
	tl_want_uint(s.req, "after", 41);
	tl_want_uint(s.req, "limit", 7);
	tl_sent_free(&s);
	qcreg_close(c);
}

/* escalations, escalation_dismiss, and put/remove with and without idem. */
static void
test_other_requests(void **state)
{
	static const struct qcreg_field f[] = {
		{ "grade", QCREG_V_STR, "B", 0 },
	};
	struct qcreg	*c = tl_conn();
	struct tl_sent	 s;

	(void)state;
	assert_int_equal(qcreg_queue_escalations(c, NULL, NULL, 0), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2);
	tl_want_str(s.req, "op", "escalations");
	tl_sent_free(&s);
	assert_int_equal(qcreg_queue_escalations(c, "tourism", "site:a.cn",
	    5), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2 + 3);
	tl_want_str(s.req, "list", "tourism");
	tl_want_str(s.req, "after", "site:a.cn");
	tl_want_uint(s.req, "limit", 5);
	tl_sent_free(&s);

	assert_int_equal(qcreg_queue_escalation_dismiss(c, "tourism",
	    "site:a.cn", "不予列入", "d-1"), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2 + 4);
	tl_want_str(s.req, "op", "escalation_dismiss");
	tl_want_str(s.req, "reason", "不予列入");
	tl_want_str(s.req, "idem", "d-1");
	tl_sent_free(&s);
	assert_int_equal(qcreg_queue_escalation_dismiss(c, "tourism",
	    "site:a.cn", NULL, NULL), QCREG_E_USAGE);

	assert_int_equal(qcreg_queue_put(c, "credit", "x", f, 1,
	    QCREG_NO_VERSION), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2 + 3);
	assert_null(qc_map_get(s.req, "idem"));
	tl_sent_free(&s);
	assert_int_equal(qcreg_queue_put_idem(c, "credit", "x", f, 1, 0,
	    "p-1"), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2 + 5);
	tl_want_uint(s.req, "if_version", 0);
	tl_want_str(s.req, "idem", "p-1");
	tl_sent_free(&s);
	assert_int_equal(qcreg_queue_remove_idem(c, "credit", "x", "r",
	    QCREG_NO_VERSION, "r-1"), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2 + 4);
	tl_want_str(s.req, "op", "remove");
	tl_want_str(s.req, "idem", "r-1");
	tl_sent_free(&s);
	assert_int_equal(qcreg_queue_remove_idem(c, "credit", "x", "r",
	    QCREG_NO_VERSION, ""), QCREG_E_USAGE);
	qcreg_close(c);
}

/* case_open answers: good ones, and every malformed shape. */
static void
test_case_opened(void **state)
{
	static const struct {
		const char	*why;
		const char	*mp;	/* the result map */
		size_t		 len;
	} bad[] = {
#define CASE(why, mp)	{ why, mp, sizeof(mp) - 1 }
		CASE("no case", "\x82\xa3seq\x39\xa8" "deadline\xaa"
		    "2026-10-19"),
		CASE("no seq", "\x82\xa4" "case\x39\xa8" "deadline\xaa"
		    "2026-10-19"),
		CASE("no deadline", "\x82\xa4" "case\x39\xa3seq\x39"),
		CASE("deadline not a date", "\x83\xa4" "case\x39\xa3seq\x39"
		    "\xa8" "deadline\xaa" "2026-02-30"),
		CASE("deadline too long", "\x83\xa4" "case\x39\xa3seq\x39"
		    "\xa8" "deadline\xab" "2026-10-19x"),
		CASE("provisional not a bool", "\x84\xa4" "case\x39\xa3seq"
		    "\x39\xa8" "deadline\xaa" "2026-10-19\xab" "provisional"
		    "\x01"),
#undef CASE
	};
	struct qcreg_case_opened	 o;
	msgpack_sbuffer			 sb;
	msgpack_packer			 pk;
	struct qcreg_reply		*r;
	size_t				 i;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 4);
	assert_int_equal(qc_pack_kv_uint(&pk, "case", 57), 0);
	assert_int_equal(qc_pack_kv_str(&pk, "deadline", "2027-01-05"), 0);
	tl_pack_str(&pk, "provisional");
	msgpack_pack_true(&pk);
	assert_int_equal(qc_pack_kv_uint(&pk, "seq", 57), 0);
	r = tl_reply(&sb, QCREG_OP_CASE_OPEN, 0);
	assert_int_equal(qcreg_reply_case_opened(r, &o), 0);
	assert_int_equal(o.case_id, 57);
	assert_int_equal(o.seq, 57);
	assert_string_equal(o.deadline, "2027-01-05");
	assert_int_equal(o.provisional, 1);
	/* Not a put answer. */
	assert_int_equal(qcreg_reply_write(r, NULL), QCREG_E_USAGE);
	qcreg_reply_free(r);

	msgpack_pack_map(&pk, 3);
	assert_int_equal(qc_pack_kv_uint(&pk, "case", 60), 0);
	assert_int_equal(qc_pack_kv_str(&pk, "deadline", "2026-10-19"), 0);
	assert_int_equal(qc_pack_kv_uint(&pk, "seq", 60), 0);
	r = tl_reply(&sb, QCREG_OP_CASE_OPEN, 0);
	assert_int_equal(qcreg_reply_case_opened(r, &o), 0);
	assert_int_equal(o.provisional, 0);
	assert_string_equal(o.deadline, "2026-10-19");
	r->r_op = QCREG_OP_PUT;
	assert_int_equal(qcreg_reply_case_opened(r, &o), QCREG_E_USAGE);
	r->r_op = QCREG_OP_CASE_OPEN;
	r->r_code = QC_E_CONFLICT;
	assert_int_equal(qcreg_reply_case_opened(r, &o), QC_E_CONFLICT);
	qcreg_reply_free(r);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msgpack_sbuffer_write(&sb, bad[i].mp, bad[i].len);
		r = tl_reply(&sb, QCREG_OP_CASE_OPEN, 0);
		if (qcreg_reply_case_opened(r, &o) != QCREG_E_PROTO)
			fail_msg("%s: not refused", bad[i].why);
		qcreg_reply_free(r);
	}
	msgpack_sbuffer_destroy(&sb);
}

/*
 * qcreg_reply_write on the writes that may make no version: a closing
 * with or without one, a dismissal; a put must have one.
 */
static void
test_write_answers(void **state)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	struct qcreg_reply	*r;
	struct qcreg_write	 w;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

	msgpack_pack_map(&pk, 2);
	assert_int_equal(qc_pack_kv_uint(&pk, "version", 2), 0);
	assert_int_equal(qc_pack_kv_uint(&pk, "seq", 60), 0);
	r = tl_reply(&sb, QCREG_OP_CASE_CLOSE, 0);
	assert_int_equal(qcreg_reply_write(r, &w), 0);
	assert_int_equal(w.version, 2);
	assert_int_equal(w.seq, 60);
	qcreg_reply_free(r);

	msgpack_pack_map(&pk, 1);
	assert_int_equal(qc_pack_kv_uint(&pk, "seq", 61), 0);
	r = tl_reply(&sb, QCREG_OP_CASE_CLOSE, 0);
	assert_int_equal(qcreg_reply_write(r, &w), 0);
	assert_int_equal(w.version, 0);
	assert_int_equal(w.seq, 61);
	r->r_op = QCREG_OP_ESCALATION_DISMISS;
	assert_int_equal(qcreg_reply_write(r, &w), 0);
	assert_int_equal(w.seq, 61);
	r->r_op = QCREG_OP_PUT;		/* a put without a version */
	assert_int_equal(qcreg_reply_write(r, &w), QCREG_E_PROTO);
	r->r_op = QCREG_OP_CASES;
	assert_int_equal(qcreg_reply_write(r, &w), QCREG_E_USAGE);
	qcreg_reply_free(r);

	/* A version that is not a positive integer. */
	msgpack_pack_map(&pk, 2);
	assert_int_equal(qc_pack_kv_uint(&pk, "version", 0), 0);
	assert_int_equal(qc_pack_kv_uint(&pk, "seq", 62), 0);
	r = tl_reply(&sb, QCREG_OP_CASE_CLOSE, 0);
	assert_int_equal(qcreg_reply_write(r, &w), QCREG_E_PROTO);
	qcreg_reply_free(r);
	msgpack_pack_map(&pk, 2);
	assert_int_equal(qc_pack_kv_str(&pk, "version", "2"), 0);
	assert_int_equal(qc_pack_kv_uint(&pk, "seq", 62), 0);
	r = tl_reply(&sb, QCREG_OP_CASE_CLOSE, 0);
	assert_int_equal(qcreg_reply_write(r, &w), QCREG_E_PROTO);
	assert_string_equal(qcreg_reply_op(r), "case_close");
	qcreg_reply_free(r);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_case_open_request),
		cmocka_unit_test(test_case_close_request),
		cmocka_unit_test(test_cases_request),
		cmocka_unit_test(test_other_requests),
		cmocka_unit_test(test_case_opened),
		cmocka_unit_test(test_write_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
