/*
 * libqcreg: decoding check and write answers (qcreg_reply_check,
 * qcreg_reply_write) from hand-made replies, hostile shapes included:
 * hits with disputed cases, escalated subjects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "msg.h"
#include "qcreg_int.h"
#include "testlib.h"

static void	 pk_hit(msgpack_packer *, const char *, const char *,
		    const char *);
static void	 pk_escalation(msgpack_packer *, const char *, uint64_t);

/* A hit; grade or until NULL leaves the key out, "" packs nil. */
static void
pk_hit(msgpack_packer *pk, const char *list, const char *grade,
    const char *until)
{
	msgpack_pack_map(pk, 1 + (grade != NULL) + (until != NULL));
	tl_pack_str(pk, "list");
	tl_pack_str(pk, list);
	if (grade != NULL) {
		tl_pack_str(pk, "grade");
		if (*grade == '\0')
			msgpack_pack_nil(pk);
		else
			tl_pack_str(pk, grade);
	}
	if (until != NULL) {
		tl_pack_str(pk, "until");
		tl_pack_str(pk, until);
	}
}

/* {"list": "tourism-watch", "to": to, "count": n, "first", "last"}. */
static void
pk_escalation(msgpack_packer *pk, const char *to, uint64_t n)
{
	msgpack_pack_map(pk, 5);
	tl_pack_str(pk, "list");
	tl_pack_str(pk, "tourism-watch");
	tl_pack_str(pk, "to");
	tl_pack_str(pk, to);
	tl_pack_str(pk, "count");
	msgpack_pack_uint64(pk, n);
	tl_pack_str(pk, "first");
	tl_pack_str(pk, "2025-11-01");
	tl_pack_str(pk, "last");
	tl_pack_str(pk, "2026-03-01");
}

/*
 * A disputed hit, an escalated subject with hits and one without, and
 * a nil escalation and a nil disputed that mean none.
 */
static void
test_check_procedures(void **state)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	struct qcreg_reply	*r;
	struct qcreg_check	*k;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	tl_pack_str(&pk, "results");
	msgpack_pack_array(&pk, 3);
	/* 1: listed on tourism (disputed by case 57), escalated. */
	msgpack_pack_map(&pk, 4);
	tl_pack_str(&pk, "subject");
	tl_pack_str(&pk, "guide:D-4101-000123");
	tl_pack_str(&pk, "verdict");
	tl_pack_str(&pk, "listed");
	tl_pack_str(&pk, "escalation");
	pk_escalation(&pk, "tourism\x07", 2);
	tl_pack_str(&pk, "hits");
	msgpack_pack_array(&pk, 2);
	msgpack_pack_map(&pk, 3);
	tl_pack_str(&pk, "list");
	tl_pack_str(&pk, "tourism");
	tl_pack_str(&pk, "until");
	tl_pack_str(&pk, "2029-03-01");
	tl_pack_str(&pk, "disputed");
	msgpack_pack_uint64(&pk, 57);
	msgpack_pack_map(&pk, 2);
	tl_pack_str(&pk, "list");
	tl_pack_str(&pk, "tourism-watch");
	tl_pack_str(&pk, "disputed");
	msgpack_pack_nil(&pk);
	/* 2: escalated, but its watch entry has expired: no hits. */
	msgpack_pack_map(&pk, 4);
	tl_pack_str(&pk, "subject");
	tl_pack_str(&pk, "site:a.example.cn");
	tl_pack_str(&pk, "verdict");
	tl_pack_str(&pk, "clear");
	tl_pack_str(&pk, "hits");
	msgpack_pack_array(&pk, 0);
	tl_pack_str(&pk, "escalation");
	pk_escalation(&pk, "tourism", 3);
	/* 3: escalation nil. */
	msgpack_pack_map(&pk, 4);
	tl_pack_str(&pk, "subject");
	tl_pack_str(&pk, "site:b.example.cn");
	tl_pack_str(&pk, "verdict");
	tl_pack_str(&pk, "clear");
	tl_pack_str(&pk, "hits");
	msgpack_pack_array(&pk, 0);
	tl_pack_str(&pk, "escalation");
	msgpack_pack_nil(&pk);
	r = tl_reply(&sb, QCREG_OP_CHECK, 3);

	assert_int_equal(qcreg_reply_check(r, &k), 0);
	qcreg_reply_free(r);
	assert_int_equal(k->n, 3);
	assert_int_equal(k->items[0].nhits, 2);
	assert_int_equal(k->items[0].hits[0].disputed, 57);
	assert_string_equal(k->items[0].hits[0].until, "2029-03-01");
	assert_int_equal(k->items[0].hits[1].disputed, 0);
	assert_non_null(k->items[0].escalation);
	assert_string_equal(k->items[0].escalation->list, "tourism-watch");
	assert_string_equal(k->items[0].escalation->to, "tourism?");
	assert_int_equal(k->items[0].escalation->count, 2);
	assert_string_equal(k->items[0].escalation->first, "2025-11-01");
	assert_string_equal(k->items[0].escalation->last, "2026-03-01");
	assert_int_equal(k->items[1].nhits, 0);
	assert_non_null(k->items[1].escalation);
	assert_int_equal(k->items[1].escalation->count, 3);
	assert_string_equal(k->items[1].escalation->to, "tourism");
	assert_null(k->items[2].escalation);
	qcreg_check_free(k);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_check_ok(void **state)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	struct qcreg_reply	*r;
	struct qcreg_check	*k;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	tl_pack_str(&pk, "results");
	msgpack_pack_array(&pk, 5);
	msgpack_pack_map(&pk, 3);
	tl_pack_str(&pk, "subject");
	tl_pack_str(&pk, "uscc:91350100M000100Y43");
	tl_pack_str(&pk, "verdict");
	tl_pack_str(&pk, "listed");
	tl_pack_str(&pk, "hits");
	msgpack_pack_array(&pk, 2);
	pk_hit(&pk, "credit", "C", "2027-06-30");
	pk_hit(&pk, "advertising", "", "2028-01-15");
	msgpack_pack_map(&pk, 3);
	tl_pack_str(&pk, "subject");
	tl_pack_str(&pk, "guide:D-3501-000123");
	tl_pack_str(&pk, "hits");
	msgpack_pack_array(&pk, 0);
	tl_pack_str(&pk, "verdict");		/* keys in any order */
	tl_pack_str(&pk, "clear");
	msgpack_pack_map(&pk, 3);
	tl_pack_str(&pk, "subject");
	tl_pack_str(&pk, "site:watched.example.cn");
	tl_pack_str(&pk, "verdict");
	tl_pack_str(&pk, "caution");
	tl_pack_str(&pk, "hits");
	msgpack_pack_array(&pk, 1);
	pk_hit(&pk, "tourism-watch", NULL, NULL);
	msgpack_pack_map(&pk, 2);
	tl_pack_str(&pk, "subject");
	tl_pack_str(&pk, "uscc:91350100M000100Y44");
	tl_pack_str(&pk, "error");
	tl_pack_str(&pk, "invalid_subject");
	msgpack_pack_map(&pk, 3);
	tl_pack_str(&pk, "subject");
	tl_pack_str(&pk, "plate:\xe9\x97\xbd" "A\x1b[2J");	/* a control char */
	tl_pack_str(&pk, "verdict");
	tl_pack_str(&pk, "listed");
	tl_pack_str(&pk, "hits");
	msgpack_pack_array(&pk, 1);
	pk_hit(&pk, "tourism", NULL, NULL);
	r = tl_reply(&sb, QCREG_OP_CHECK, 5);

	assert_int_equal(qcreg_reply_check(r, &k), 0);
	qcreg_reply_free(r);	/* the result stands alone */
	assert_int_equal(k->n, 5);
	assert_string_equal(k->items[0].subject, "uscc:91350100M000100Y43");
	assert_int_equal(k->items[0].error, QC_OK);
	assert_int_equal(k->items[0].verdict, QCREG_LISTED);
	assert_int_equal(k->items[0].nhits, 2);
	assert_string_equal(k->items[0].hits[0].list, "credit");
	assert_string_equal(k->items[0].hits[0].grade, "C");
	assert_string_equal(k->items[0].hits[0].until, "2027-06-30");
	assert_string_equal(k->items[0].hits[1].list, "advertising");
	assert_null(k->items[0].hits[1].grade);
	assert_string_equal(k->items[0].hits[1].until, "2028-01-15");
	assert_int_equal(k->items[1].nhits, 0);
	assert_int_equal(k->items[1].error, QC_OK);
	assert_int_equal(k->items[1].verdict, QCREG_CLEAR);
	assert_int_equal(k->items[2].verdict, QCREG_CAUTION);
	assert_int_equal(k->items[2].nhits, 1);
	assert_string_equal(k->items[3].subject, "uscc:91350100M000100Y44");
	assert_int_equal(k->items[3].error, QC_E_INVALID_SUBJECT);
	assert_int_equal(k->items[3].nhits, 0);
	assert_string_equal(k->items[4].subject, "plate:\xe9\x97\xbd" "A?[2J");
	assert_int_equal(k->items[4].verdict, QCREG_LISTED);
	assert_int_equal(k->items[4].nhits, 1);
	assert_string_equal(k->items[4].hits[0].list, "tourism");
	assert_null(k->items[4].hits[0].grade);
	assert_null(k->items[4].hits[0].until);
	assert_string_equal(qcreg_verdict_name(QCREG_CAUTION), "caution");
	qcreg_check_free(k);
	msgpack_sbuffer_destroy(&sb);
}

/*
 * Every malformed shape is QCREG_E_PROTO, never a crash or a leak. Each
 * case is the msgpack of the "results" value.
 */
static void
test_check_malformed(void **state)
{
	static const struct {
		const char	*why;
		const char	*mp;
		size_t		 len;
	} cases[] = {
#define CASE(why, mp)	{ why, mp, sizeof(mp) - 1 }
#define VERDICT		"\xa7verdict\xa5" "clear"
		CASE("results not an array", "\xa1x"),
		CASE("an item without subject", "\x91\x82\xa4hits\x90"
		    VERDICT),
		CASE("subject not a str",
		    "\x91\x82\xa7subject\x01\xa4hits\x90"),
		CASE("neither hits nor error", "\x91\x81\xa7subject\xa1" "a"),
		CASE("a hit without list", "\x91\x83\xa7subject\xa1" "a" VERDICT
		    "\xa4hits\x91\x81\xa5grade\xa1" "A"),
		CASE("a grade that is not a str", "\x91\x83\xa7subject\xa1" "a"
		    VERDICT "\xa4hits\x91\x82\xa4list\xa6" "credit\xa5grade\x03"),
		CASE("no verdict", "\x91\x82\xa7subject\xa1" "a\xa4hits\x90"),
		CASE("a verdict we do not know", "\x91\x83\xa7subject\xa1" "a"
		    "\xa7verdict\xa4" "grey\xa4hits\x90"),
		CASE("a verdict that is not a str", "\x91\x83\xa7subject\xa1" "a"
		    "\xa7verdict\x01\xa4hits\x90"),
		CASE("error not a str", "\x91\x82\xa7subject\xa1" "a"
		    "\xa5" "error\xc3"),
		CASE("hits not an array", "\x91\x83\xa7subject\xa1" "a" VERDICT
		    "\xa4hits\x80"),
		CASE("two results for one subject", "\x92"
		    "\x83\xa7subject\xa1" "a\xa4hits\x90" VERDICT
		    "\x83\xa7subject\xa1" "b\xa4hits\x90" VERDICT),
		CASE("disputed not a uint", "\x91\x83\xa7subject\xa1" "a"
		    VERDICT "\xa4hits\x91\x82\xa4list\xa1" "t"
		    "\xa8" "disputed\xa2" "57"),
		CASE("disputed negative", "\x91\x83\xa7subject\xa1" "a"
		    VERDICT "\xa4hits\x91\x82\xa4list\xa1" "t"
		    "\xa8" "disputed\xff"),
		CASE("escalation not a map", "\x91\x84\xa7subject\xa1" "a"
		    VERDICT "\xa4hits\x90\xaa" "escalation\x90"),
		CASE("escalation without count", "\x91\x84\xa7subject\xa1"
		    "a" VERDICT "\xa4hits\x90\xaa" "escalation\x84"
		    "\xa4list\xa1w\xa2to\xa1t\xa5" "first\xa1" "f"
		    "\xa4last\xa1l"),
		CASE("escalation without to", "\x91\x84\xa7subject\xa1"
		    "a" VERDICT "\xa4hits\x90\xaa" "escalation\x84"
		    "\xa4list\xa1w\xa5" "count\x02\xa5" "first\xa1" "f"
		    "\xa4last\xa1l"),
#undef VERDICT
#undef CASE
	};
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	struct qcreg_reply	*r;
	struct qcreg_check	*k;
	size_t			 i;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msgpack_pack_map(&pk, 1);
		tl_pack_str(&pk, "results");
		msgpack_sbuffer_write(&sb, cases[i].mp, cases[i].len);
		r = tl_reply(&sb, QCREG_OP_CHECK, 1);
		k = (struct qcreg_check *)&sb;
		if (qcreg_reply_check(r, &k) != QCREG_E_PROTO)
			fail_msg("%s: not refused", cases[i].why);
		assert_null(k);
		qcreg_reply_free(r);
	}
	msgpack_sbuffer_destroy(&sb);
}

static void
test_wrong_reply(void **state)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	struct qcreg_reply	*r;
	struct qcreg_check	*k;
	struct qcreg_write	 w = { 0, 0, 0 };

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

	/* A put answer is not a check answer, and vice versa. */
	msgpack_pack_map(&pk, 2);
	assert_int_equal(qc_pack_kv_uint(&pk, "version", 3), 0);
	assert_int_equal(qc_pack_kv_uint(&pk, "seq", 42), 0);
	r = tl_reply(&sb, QCREG_OP_PUT, 0);
	assert_int_equal(qcreg_reply_check(r, &k), QCREG_E_USAGE);
	assert_int_equal(qcreg_reply_write(r, &w), 0);
	assert_int_equal(w.version, 3);
	assert_int_equal(w.seq, 42);
	assert_string_equal(qcreg_reply_op(r), "put");
	assert_string_equal(qcreg_reply_message(r), "");
	assert_non_null(qcreg_reply_result(r));
	qcreg_reply_free(r);

	/* A write answer without seq. */
	msgpack_pack_map(&pk, 1);
	assert_int_equal(qc_pack_kv_uint(&pk, "version", 3), 0);
	r = tl_reply(&sb, QCREG_OP_REMOVE, 0);
	assert_int_equal(qcreg_reply_write(r, &w), QCREG_E_PROTO);
	qcreg_reply_free(r);

	/* An error reply gives its code to every decoder. */
	msgpack_pack_map(&pk, 0);
	r = tl_reply(&sb, QCREG_OP_CHECK, 1);
	r->r_code = QC_E_TOO_LARGE;
	r->r_msg = strdup("1001 subjects, at most 1000");
	assert_int_equal(qcreg_reply_check(r, &k), QC_E_TOO_LARGE);
	assert_int_equal(qcreg_reply_write(r, &w), QC_E_TOO_LARGE);
	assert_null(qcreg_reply_result(r));
	assert_string_equal(qcreg_reply_message(r),
	    "1001 subjects, at most 1000");
	qcreg_reply_free(r);
	qcreg_reply_free(NULL);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_code_names(void **state)
{
	(void)state;
	assert_string_equal(qcreg_code_name(QC_OK), "ok");
	assert_string_equal(qcreg_code_name(QC_E_NOT_FOUND), "not_found");
	assert_string_equal(qcreg_code_name(QCREG_E_IO), "io");
	assert_string_equal(qcreg_code_name(QCREG_E_TLS), "tls");
	assert_string_equal(qcreg_code_name(QCREG_E_TIMEOUT), "timeout");
	assert_string_equal(qcreg_code_name(QCREG_E_PROTO), "protocol");
	assert_string_equal(qcreg_code_name(QCREG_E_NOMEM), "nomem");
	assert_string_equal(qcreg_code_name(QCREG_E_USAGE), "usage");
	assert_string_equal(qcreg_code_name(1000), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_ok),
		cmocka_unit_test(test_check_procedures),
		cmocka_unit_test(test_check_malformed),
		cmocka_unit_test(test_wrong_reply),
		cmocka_unit_test(test_code_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
