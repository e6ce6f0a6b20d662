/*
 * Field validation for put (fields_prepare): schema order, defaulted end
 * dates, every refusal naming its field, and the hash payload bytes of
 * PROTOCOL.md 4.4.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "date.h"
#include "fields.h"
#include "op.h"
#include "writer.h"
#include "testlib.h"

/* The three shipped lists, and "meter" with unbounded and signed ints. */
static const char conf_text[] =
    "[server]\n"
    "ca = ca.crt\n"
    "cert = s.crt\n"
    "key = s.key\n"
    "[list credit]\n"
    "type = rating\n"
    "kinds = uscc\n"
    "field = name text required max_len=256\n"
    "field = grade enum required values=A,B,C,D\n"
    "field = score int min=0 max=100\n"
    "field = report text max_len=64\n"
    "field = valid_from date\n"
    "field = valid_until date\n"
    "start = valid_from\n"
    "end = valid_until\n"
    "grade = grade\n"
    "[list tourism]\n"
    "type = blacklist\n"
    "kinds = uscc guide site plate\n"
    "field = name text required max_len=256\n"
    "field = category enum required values=unlicensed_agency,"
    "unlicensed_guide,illegal_website,illegal_vehicle,other\n"
    "field = reason text required\n"
    "field = decision text required max_len=64\n"
    "field = listed_on date required\n"
    "field = expires_on date\n"
    "start = listed_on\n"
    "end = expires_on\n"
    "default_years = 3\n"
    "[list advertising]\n"
    "type = blacklist\n"
    "kinds = uscc site\n"
    "field = name text required max_len=256\n"
    "field = reason text required\n"
    "field = decision text required max_len=64\n"
    "field = listed_on date required\n"
    "field = expires_on date\n"
    "start = listed_on\n"
    "end = expires_on\n"
    "[list meter]\n"
    "kinds = uscc\n"
    "field = zeta int\n"
    "field = temp int min=-50 max=50\n"
    "field = alpha text max_len=4\n";

#define COMPANY	"某某质量有限公司"	/* 8 characters, 24 bytes */

struct run {
	struct fault	 fault;
	struct write_req *wr;
	msgpack_unpacked fields;	/* wr_fields unpacked */
};

static struct config *cfg;

static int	 setup(void **);
static int	 teardown(void **);
static void	 mp_begin(struct tl_mp *, uint32_t);
static void	 mp_int(struct tl_mp *, const char *, int64_t);
static const struct list_def *list(const char *);
static int	 prepare(struct run *, const char *, struct tl_mp *);
static void	 run_free(struct run *);
static void	 expect_ok(struct run *, const char *, struct tl_mp *);
static void	 expect_bad(const char *, struct tl_mp *, const char *);
static void	 expect_keys(struct run *, const char *const *);
static int32_t	 day(const char *);
static void	 tourism(struct tl_mp *, uint32_t);
static void	 credit_min(struct tl_mp *, uint32_t);

static int
setup(void **state)
{
	(void)state;
	return (cfg = tl_config(conf_text)) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cfg);
	return 0;
}

static void
mp_begin(struct tl_mp *m, uint32_t n)
{
	tl_mp_init(m);
	assert_int_equal(msgpack_pack_map(&m->pk, n), 0);
}

static void
mp_int(struct tl_mp *m, const char *k, int64_t v)
{
	tl_mp_key(m, k);
	assert_int_equal(msgpack_pack_int64(&m->pk, v), 0);
}

static const struct list_def *
list(const char *name)
{
	int	 i = config_list_index(cfg, name, strlen(name));

	assert_int_not_equal(i, -1);
	return &cfg->lists[i];
}

/* Runs fields_prepare on the map in m (freed here). */
static int
prepare(struct run *r, const char *lname, struct tl_mp *m)
{
	int	 rc;

	memset(r, 0, sizeof(*r));
	msgpack_unpacked_init(&r->fields);
	assert_non_null(r->wr = write_req_new());
	rc = fields_prepare(&r->fault, list(lname), tl_mp_obj(m), r->wr);
	tl_mp_free(m);
	return rc;
}

static void
run_free(struct run *r)
{
	msgpack_unpacked_destroy(&r->fields);
	write_req_free(r->wr);
}

/* fields_prepare succeeds; wr_fields is one complete map. */
static void
expect_ok(struct run *r, const char *lname, struct tl_mp *m)
{
	size_t	 off = 0;

	if (prepare(r, lname, m) != 0)
		fail_msg("refused: %s", r->fault.f_msg);
	assert_int_equal(r->fault.f_code, QC_OK);
	assert_int_equal(msgpack_unpack_next(&r->fields, r->wr->wr_fields.data,
	    r->wr->wr_fields.size, &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, r->wr->wr_fields.size);
	assert_int_equal(r->fields.data.type, MSGPACK_OBJECT_MAP);
}

/* fields_prepare refuses with bad_request and exactly msg. */
static void
expect_bad(const char *lname, struct tl_mp *m, const char *msg)
{
	struct run	 r;

	if (prepare(&r, lname, m) != -1)
		fail_msg("accepted, expected: %s", msg);
	assert_int_equal(r.fault.f_code, QC_E_BAD_REQUEST);
	assert_string_equal(r.fault.f_msg, msg);
	run_free(&r);
}

/* The stored fields map has exactly these keys, in this order. */
static void
expect_keys(struct run *r, const char *const *keys)
{
	const msgpack_object_map *map = &r->fields.data.via.map;
	uint32_t	 i;

	for (i = 0; keys[i] != NULL; i++) {
		assert_true(i < map->size);
		assert_int_equal(map->ptr[i].key.type, MSGPACK_OBJECT_STR);
		assert_int_equal(map->ptr[i].key.via.str.size, strlen(keys[i]));
		assert_memory_equal(map->ptr[i].key.via.str.ptr, keys[i],
		    strlen(keys[i]));
	}
	assert_int_equal(map->size, i);
}

static int32_t
day(const char *s)
{
	int32_t	 d;

	assert_int_equal(qc_date_parse(s, strlen(s), &d), 0);
	return d;
}

/* A valid tourism map with n extra entries still to be packed. */
static void
tourism(struct tl_mp *m, uint32_t extra)
{
	mp_begin(m, 5 + extra);
	tl_mp_str(m, "reason", "无证经营旅行社业务");
	tl_mp_str(m, "name", "张三");
	tl_mp_str(m, "listed_on", "2024-03-15");
	tl_mp_str(m, "decision", "文旅罚〔2024〕12号");
	tl_mp_str(m, "category", "unlicensed_agency");
}

static void
credit_min(struct tl_mp *m, uint32_t extra)
{
	mp_begin(m, 2 + extra);
	tl_mp_str(m, "grade", "B");
	tl_mp_str(m, "name", COMPANY);
}

static void
test_credit_full(void **state)
{
	static const char *const keys[] = { "name", "grade", "score",
		"report", "valid_from", "valid_until", NULL };
	const msgpack_object_map *map;
	struct tl_mp	 m;
	struct run	 r;

	(void)state;
	/* given in an order unlike the schema's */
	mp_begin(&m, 6);
	tl_mp_str(&m, "valid_until", "2027-12-31");
	mp_int(&m, "score", 95);
	tl_mp_str(&m, "grade", "A");
	tl_mp_str(&m, "report", "QC-2025-001");
	tl_mp_str(&m, "name", COMPANY);
	tl_mp_str(&m, "valid_from", "2025-01-01");
	expect_ok(&r, "credit", &m);
	expect_keys(&r, keys);
	map = &r.fields.data.via.map;
	assert_int_equal(map->ptr[2].val.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_int_equal(map->ptr[2].val.via.u64, 95);
	assert_int_equal(map->ptr[0].val.via.str.size, 24);
	assert_memory_equal(map->ptr[0].val.via.str.ptr, COMPANY, 24);
	assert_string_equal(r.wr->wr_grade, "A");
	assert_int_equal(r.wr->wr_start, day("2025-01-01"));
	assert_int_equal(r.wr->wr_end, day("2027-12-31"));
	/* sorted by name; lengths in UTF-8 bytes; ints in decimal */
	run_free(&r);
}

static void
test_credit_minimal(void **state)
{
	static const char *const keys[] = { "name", "grade", NULL };
	struct tl_mp	 m;
	struct run	 r;

	(void)state;
	credit_min(&m, 0);
	expect_ok(&r, "credit", &m);
	expect_keys(&r, keys);
	assert_string_equal(r.wr->wr_grade, "B");
	/* no dates and no default_years: open on both sides */
	assert_int_equal(r.wr->wr_start, DATE_NONE_START);
	assert_int_equal(r.wr->wr_end, DATE_NONE_END);
	run_free(&r);

	/* only an end date */
	credit_min(&m, 1);
	tl_mp_str(&m, "valid_until", "2026-06-30");
	expect_ok(&r, "credit", &m);
	assert_int_equal(r.wr->wr_start, DATE_NONE_START);
	assert_int_equal(r.wr->wr_end, day("2026-06-30"));
	run_free(&r);

	/* start == end is a one-day validity */
	credit_min(&m, 2);
	tl_mp_str(&m, "valid_until", "2026-06-30");
	tl_mp_str(&m, "valid_from", "2026-06-30");
	expect_ok(&r, "credit", &m);
	assert_int_equal(r.wr->wr_start, r.wr->wr_end);
	run_free(&r);
}

static void
test_tourism_default_end(void **state)
{
	static const char *const keys[] = { "name", "category", "reason",
		"decision", "listed_on", "expires_on", NULL };
	const msgpack_object	*v;
	struct tl_mp		 m;
	struct run		 r;

	(void)state;
	tourism(&m, 0);
	expect_ok(&r, "tourism", &m);
	expect_keys(&r, keys);
	v = &r.fields.data.via.map.ptr[5].val;
	assert_int_equal(v->type, MSGPACK_OBJECT_STR);
	assert_int_equal(v->via.str.size, 10);
	assert_memory_equal(v->via.str.ptr, "2027-03-15", 10);
	assert_int_equal(r.wr->wr_start, day("2024-03-15"));
	assert_int_equal(r.wr->wr_end, day("2027-03-15"));
	assert_string_equal(r.wr->wr_grade, "");
	run_free(&r);

	/* Feb 29 plus three years is Feb 28 */
	mp_begin(&m, 5);
	tl_mp_str(&m, "name", "x");
	tl_mp_str(&m, "category", "other");
	tl_mp_str(&m, "reason", "r");
	tl_mp_str(&m, "decision", "d");
	tl_mp_str(&m, "listed_on", "2024-02-29");
	expect_ok(&r, "tourism", &m);
	assert_int_equal(r.wr->wr_end, day("2027-02-28"));
	v = &r.fields.data.via.map.ptr[5].val;
	assert_memory_equal(v->via.str.ptr, "2027-02-28", 10);
	run_free(&r);

	/* an explicit end wins over the default */
	tourism(&m, 1);
	tl_mp_str(&m, "expires_on", "2025-01-01");
	expect_ok(&r, "tourism", &m);
	expect_keys(&r, keys);
	assert_int_equal(r.wr->wr_end, day("2025-01-01"));
	run_free(&r);
}

static void
test_advertising_no_default(void **state)
{
	static const char *const keys[] = { "name", "reason", "decision",
		"listed_on", NULL };
	struct tl_mp	 m;
	struct run	 r;

	(void)state;
	mp_begin(&m, 4);
	tl_mp_str(&m, "listed_on", "2025-05-20");
	tl_mp_str(&m, "decision", "市监广罚〔2025〕7号");
	tl_mp_str(&m, "reason", "虚假广告");
	tl_mp_str(&m, "name", "example.cn");
	expect_ok(&r, "advertising", &m);
	expect_keys(&r, keys);
	assert_int_equal(r.wr->wr_start, day("2025-05-20"));
	assert_int_equal(r.wr->wr_end, DATE_NONE_END);
	run_free(&r);
}

static void
test_ints_and_empty(void **state)
{
	static const char *const keys[] = { "zeta", "temp", "alpha", NULL };
	static const char *const none[] = { NULL };
	struct tl_mp	 m;
	struct run	 r;

	(void)state;
	mp_begin(&m, 3);
	tl_mp_str(&m, "alpha", "abcd");
	mp_int(&m, "temp", -7);
	mp_int(&m, "zeta", INT64_MIN);
	expect_ok(&r, "meter", &m);
	expect_keys(&r, keys);
	assert_string_equal(r.wr->wr_grade, "");
	run_free(&r);

	mp_begin(&m, 2);
	mp_int(&m, "zeta", INT64_MAX);
	mp_int(&m, "temp", 50);
	expect_ok(&r, "meter", &m);
	run_free(&r);

	mp_begin(&m, 1);
	mp_int(&m, "temp", -50);
	expect_ok(&r, "meter", &m);
	run_free(&r);

	/* no required fields: the empty map is valid */
	mp_begin(&m, 0);
	expect_ok(&r, "meter", &m);
	expect_keys(&r, none);
	run_free(&r);
}

static void
test_not_a_map(void **state)
{
	struct tl_mp	 m;
	struct run	 r;

	(void)state;
	msgpack_sbuffer_init(&m.sb);
	msgpack_packer_init(&m.pk, &m.sb, msgpack_sbuffer_write);
	msgpack_unpacked_init(&m.up);
	assert_int_equal(msgpack_pack_array(&m.pk, 0), 0);
	expect_bad("credit", &m, "fields: required, a map");

	memset(&r, 0, sizeof(r));
	assert_non_null(r.wr = write_req_new());
	msgpack_unpacked_init(&r.fields);
	assert_int_equal(fields_prepare(&r.fault, list("credit"), NULL, r.wr), -1);
	assert_int_equal(r.fault.f_code, QC_E_BAD_REQUEST);
	assert_string_equal(r.fault.f_msg, "fields: required, a map");
	run_free(&r);
}

static void
test_required_unknown_duplicate(void **state)
{
	struct tl_mp	 m;

	(void)state;
	mp_begin(&m, 1);
	tl_mp_str(&m, "name", COMPANY);
	expect_bad("credit", &m, "fields.grade: required by list credit");

	mp_begin(&m, 4);
	tl_mp_str(&m, "name", "x");
	tl_mp_str(&m, "category", "other");
	tl_mp_str(&m, "decision", "d");
	tl_mp_str(&m, "listed_on", "2024-01-01");
	expect_bad("tourism", &m, "fields.reason: required by list tourism");

	credit_min(&m, 1);
	tl_mp_str(&m, "colour", "red");
	expect_bad("credit", &m, "fields: unknown field 'colour' for list "
	    "credit");

	/* a field of another list */
	credit_min(&m, 1);
	tl_mp_str(&m, "listed_on", "2024-01-01");
	expect_bad("credit", &m, "fields: unknown field 'listed_on' for "
	    "list credit");

	/* keys that are not printable names */
	credit_min(&m, 1);
	assert_int_equal(msgpack_pack_int(&m.pk, 1), 0);
	assert_int_equal(msgpack_pack_int(&m.pk, 1), 0);
	expect_bad("credit", &m, "fields: unknown field '?' for list credit");
	credit_min(&m, 1);
	tl_mp_str(&m, "\xff\xfe", "x");
	expect_bad("credit", &m, "fields: unknown field '?' for list credit");
	/* "name" NUL "x" is not "name" */
	credit_min(&m, 1);
	assert_int_equal(msgpack_pack_str_with_body(&m.pk, "name\0x", 6), 0);
	assert_int_equal(msgpack_pack_str_with_body(&m.pk, "x", 1), 0);
	expect_bad("credit", &m, "fields: unknown field '?' for list credit");

	credit_min(&m, 1);
	tl_mp_str(&m, "name", "second");
	expect_bad("credit", &m, "fields.name: given twice");
	credit_min(&m, 1);
	mp_int(&m, "grade", 3);		/* reported as a repeat first */
	expect_bad("credit", &m, "fields.grade: given twice");
}

static void
test_wrong_types(void **state)
{
	struct tl_mp	 m;

	(void)state;
	credit_min(&m, 1);
	tl_mp_str(&m, "score", "95");
	expect_bad("credit", &m, "fields.score: expected an integer");

	credit_min(&m, 1);
	tl_mp_key(&m, "score");
	assert_int_equal(msgpack_pack_double(&m.pk, 95.0), 0);
	expect_bad("credit", &m, "fields.score: expected an integer");

	credit_min(&m, 1);
	tl_mp_key(&m, "score");
	assert_int_equal(msgpack_pack_nil(&m.pk), 0);
	expect_bad("credit", &m, "fields.score: expected an integer");

	mp_begin(&m, 2);
	tl_mp_str(&m, "grade", "A");
	mp_int(&m, "name", 5);
	expect_bad("credit", &m, "fields.name: expected a string");

	mp_begin(&m, 2);
	tl_mp_str(&m, "name", "x");
	tl_mp_key(&m, "grade");
	assert_int_equal(msgpack_pack_true(&m.pk), 0);
	expect_bad("credit", &m, "fields.grade: expected a string");

	credit_min(&m, 1);
	tl_mp_key(&m, "report");
	assert_int_equal(msgpack_pack_bin_with_body(&m.pk, "R1", 2), 0);
	expect_bad("credit", &m, "fields.report: expected a string");

	credit_min(&m, 1);
	mp_int(&m, "valid_from", 20250101);
	expect_bad("credit", &m, "fields.valid_from: expected a string");

	credit_min(&m, 1);
	tl_mp_key(&m, "valid_from");
	assert_int_equal(msgpack_pack_array(&m.pk, 0), 0);
	expect_bad("credit", &m, "fields.valid_from: expected a string");
}

static void
test_bad_values(void **state)
{
	static const char *const dates[] = {
		"2025-02-29", "2025-13-01", "2025-1-01", "20250101",
		"2025-01-01T00:00:00", "", "1899-12-31", " 2025-01-01",
	};
	struct tl_mp	 m;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		credit_min(&m, 1);
		tl_mp_str(&m, "valid_until", dates[i]);
		expect_bad("credit", &m, "fields.valid_until: expected a "
		    "date YYYY-MM-DD");
	}

	mp_begin(&m, 2);
	tl_mp_str(&m, "name", "x");
	tl_mp_str(&m, "grade", "E");
	expect_bad("credit", &m, "fields.grade: not one of the allowed "
	    "values of list credit");
	mp_begin(&m, 2);
	tl_mp_str(&m, "name", "x");
	tl_mp_str(&m, "grade", "a");
	expect_bad("credit", &m, "fields.grade: not one of the allowed "
	    "values of list credit");
	mp_begin(&m, 2);
	tl_mp_str(&m, "name", "x");
	tl_mp_str(&m, "grade", "AB");
	expect_bad("credit", &m, "fields.grade: not one of the allowed "
	    "values of list credit");
	mp_begin(&m, 2);
	tl_mp_str(&m, "name", "x");
	tl_mp_str(&m, "grade", "");
	expect_bad("credit", &m, "fields.grade: not one of the allowed "
	    "values of list credit");

	mp_begin(&m, 5);
	tl_mp_str(&m, "name", "x");
	tl_mp_str(&m, "category", "unlicensed");
	tl_mp_str(&m, "reason", "r");
	tl_mp_str(&m, "decision", "d");
	tl_mp_str(&m, "listed_on", "2024-01-01");
	expect_bad("tourism", &m, "fields.category: not one of the allowed "
	    "values of list tourism");
}

static void
test_text_limits(void **state)
{
	char		 buf[2048];
	struct tl_mp	 m;
	struct run	 r;
	int		 i;

	(void)state;
	/* name: max_len=256 bytes; 85 CJK characters are 255 bytes */
	for (i = 0; i < 85; i++)
		memcpy(buf + i * 3, "名", 3);
	mp_begin(&m, 2);
	tl_mp_str(&m, "grade", "A");
	tl_mp_strn(&m, "name", buf, 255);
	expect_ok(&r, "credit", &m);
	run_free(&r);
	memcpy(buf + 255, "名", 3);
	mp_begin(&m, 2);
	tl_mp_str(&m, "grade", "A");
	tl_mp_strn(&m, "name", buf, 258);
	expect_bad("credit", &m, "fields.name: text of 1 to 256 bytes of "
	    "valid UTF-8");

	/* report: max_len=64 */
	memset(buf, 'r', sizeof(buf));
	credit_min(&m, 1);
	tl_mp_strn(&m, "report", buf, 64);
	expect_ok(&r, "credit", &m);
	run_free(&r);
	credit_min(&m, 1);
	tl_mp_strn(&m, "report", buf, 65);
	expect_bad("credit", &m, "fields.report: text of 1 to 64 bytes of "
	    "valid UTF-8");

	/* reason: no max_len, so [limits] max_text (1024) */
	mp_begin(&m, 5);
	tl_mp_str(&m, "name", "x");
	tl_mp_str(&m, "category", "other");
	tl_mp_strn(&m, "reason", buf, 1024);
	tl_mp_str(&m, "decision", "d");
	tl_mp_str(&m, "listed_on", "2024-01-01");
	expect_ok(&r, "tourism", &m);
	run_free(&r);
	mp_begin(&m, 5);
	tl_mp_str(&m, "name", "x");
	tl_mp_str(&m, "category", "other");
	tl_mp_strn(&m, "reason", buf, 1025);
	tl_mp_str(&m, "decision", "d");
	tl_mp_str(&m, "listed_on", "2024-01-01");
	expect_bad("tourism", &m, "fields.reason: text of 1 to 1024 bytes "
	    "of valid UTF-8");

	mp_begin(&m, 2);
	tl_mp_str(&m, "grade", "A");
	tl_mp_str(&m, "name", "");
	expect_bad("credit", &m, "fields.name: text of 1 to 256 bytes of "
	    "valid UTF-8");
	mp_begin(&m, 2);
	tl_mp_str(&m, "grade", "A");
	tl_mp_str(&m, "name", "bad \xc3\x28");
	expect_bad("credit", &m, "fields.name: text of 1 to 256 bytes of "
	    "valid UTF-8");
	mp_begin(&m, 2);
	tl_mp_str(&m, "grade", "A");
	tl_mp_str(&m, "name", "\xe5\x90");		/* cut inside a character */
	expect_bad("credit", &m, "fields.name: text of 1 to 256 bytes of "
	    "valid UTF-8");
	mp_begin(&m, 2);
	tl_mp_str(&m, "grade", "A");
	tl_mp_str(&m, "name", "\xc0\xaf");		/* overlong '/' */
	expect_bad("credit", &m, "fields.name: text of 1 to 256 bytes of "
	    "valid UTF-8");
	mp_begin(&m, 2);
	tl_mp_str(&m, "grade", "A");
	tl_mp_strn(&m, "name", "a\0b", 3);
	expect_bad("credit", &m, "fields.name: text of 1 to 256 bytes of "
	    "valid UTF-8");
}

static void
test_int_range(void **state)
{
	struct tl_mp	 m;
	struct run	 r;

	(void)state;
	credit_min(&m, 1);
	mp_int(&m, "score", 0);
	expect_ok(&r, "credit", &m);
	run_free(&r);
	credit_min(&m, 1);
	mp_int(&m, "score", 100);
	expect_ok(&r, "credit", &m);
	run_free(&r);
	credit_min(&m, 1);
	mp_int(&m, "score", 101);
	expect_bad("credit", &m, "fields.score: out of range 0..100");
	credit_min(&m, 1);
	mp_int(&m, "score", -1);
	expect_bad("credit", &m, "fields.score: out of range 0..100");

	mp_begin(&m, 1);
	mp_int(&m, "temp", -51);
	expect_bad("meter", &m, "fields.temp: out of range -50..50");
	mp_begin(&m, 1);
	mp_int(&m, "temp", 51);
	expect_bad("meter", &m, "fields.temp: out of range -50..50");

	/* above INT64_MAX: out of range even for an unbounded field */
	mp_begin(&m, 1);
	tl_mp_key(&m, "zeta");
	assert_int_equal(msgpack_pack_uint64(&m.pk, (uint64_t)INT64_MAX + 1),
	    0);
	expect_bad("meter", &m, "fields.zeta: out of range "
	    "-9223372036854775808..9223372036854775807");
}

static void
test_end_before_start(void **state)
{
	struct tl_mp	 m;

	(void)state;
	credit_min(&m, 2);
	tl_mp_str(&m, "valid_from", "2025-06-02");
	tl_mp_str(&m, "valid_until", "2025-06-01");
	expect_bad("credit", &m, "fields.valid_until: before valid_from");

	tourism(&m, 1);
	tl_mp_str(&m, "expires_on", "2024-03-14");
	expect_bad("tourism", &m, "fields.expires_on: before listed_on");
}

/*
 * The defaulted end past 9999-12-31 is stored as its clamped text; the
 * end date the summary gets must be that same date.
 */
static void
test_default_end_clamped(void **state)
{
	const msgpack_object	*v;
	struct tl_mp		 m;
	struct run		 r;

	(void)state;
	mp_begin(&m, 5);
	tl_mp_str(&m, "name", "x");
	tl_mp_str(&m, "category", "other");
	tl_mp_str(&m, "reason", "r");
	tl_mp_str(&m, "decision", "d");
	tl_mp_str(&m, "listed_on", "9998-06-01");
	expect_ok(&r, "tourism", &m);
	v = &r.fields.data.via.map.ptr[5].val;
	assert_int_equal(v->type, MSGPACK_OBJECT_STR);
	assert_int_equal(v->via.str.size, 10);
	assert_memory_equal(v->via.str.ptr, "9999-12-31", 10);
	assert_int_equal(r.wr->wr_end, day("9999-12-31"));
	run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credit_full),
		cmocka_unit_test(test_credit_minimal),
		cmocka_unit_test(test_tourism_default_end),
		cmocka_unit_test(test_advertising_no_default),
		cmocka_unit_test(test_ints_and_empty),
		cmocka_unit_test(test_not_a_map),
		cmocka_unit_test(test_required_unknown_duplicate),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_text_limits),
		cmocka_unit_test(test_int_range),
		cmocka_unit_test(test_end_before_start),
		cmocka_unit_test(test_default_end_clamped),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
