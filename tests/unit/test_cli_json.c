/*
 * The command line's JSON on libjansson (client/cli/cli_json.h): msgpack
 * answers written as JSON and packed back, and JSON Lines read for
 * import.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <msgpack.h>

#include "cli_json.h"
#include "testlib.h"

/* A msgpack value packed by a test, then unpacked. */
static char	*written(json_t *);
static char	*written_obj(const msgpack_object *);
static json_t	*parse(const char *, char *, size_t);
static void	 refused(const char *, const char *);

/* What cli_json_write writes for v, NUL-terminated (the caller frees). */
static char *
written(json_t *v)
{
	char	*buf = NULL;
	size_t	 size = 0;
	FILE	*f = open_memstream(&buf, &size);

	assert_non_null(f);
	assert_int_equal(cli_json_write(f, v), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *
written_obj(const msgpack_object *o)
{
	return written(cli_json_from_msgpack(o));
}

static json_t *
parse(const char *s, char *err, size_t size)
{
	err[0] = '\0';
	return cli_json_parse_object(s, strlen(s), err, size);
}

/* s must be refused with an error message containing what. */
static void
refused(const char *s, const char *what)
{
	char	 err[CLI_JSON_ERR_MAX];

	if (parse(s, err, sizeof(err)) != NULL)
		fail_msg("accepted: %s", s);
	if (strstr(err, what) == NULL)
		fail_msg("%s: error \"%s\" lacks \"%s\"", s, err, what);
}

/* An import line: members in order, Chinese text and exact integers. */
static void
test_parse_line(void **state)
{
	json_t		*r, *f;
	char		 err[CLI_JSON_ERR_MAX];
	const char	*key;
	json_t		*v;
	int		 i = 0;
	static const char *const order[] = { "name", "score", "big", "min",
	    "max", "x", "t" };

	(void)state;
	r = parse(" {\"list\": \"credit\", \"subject\":\"91350100M000100Y43\","
	    " \"fields\": {\"name\": \"福州某某食品有限公司\", \"score\": 55,"
	    " \"big\": 9007199254740993, \"min\": -9223372036854775808,"
	    " \"max\": 9223372036854775807, \"x\": null, \"t\": true},"
	    " \"if_version\": 0} ", err, sizeof(err));
	assert_non_null(r);
	assert_string_equal(err, "");
	assert_string_equal(json_string_value(json_object_get(r, "list")),
	    "credit");
	f = json_object_get(r, "fields");
	assert_true(json_is_object(f));
	assert_string_equal(json_string_value(json_object_get(f, "name")),
	    "福州某某食品有限公司");
	assert_true(json_integer_value(json_object_get(f, "score")) == 55);
	/* 2^53 + 1: a double would round it to 2^53. */
	assert_true(json_integer_value(json_object_get(f, "big")) ==
	    9007199254740993LL);
	assert_true(json_integer_value(json_object_get(f, "min")) ==
	    INT64_MIN);
	assert_true(json_integer_value(json_object_get(f, "max")) ==
	    INT64_MAX);
	assert_true(json_is_null(json_object_get(f, "x")));
	assert_true(json_is_true(json_object_get(f, "t")));
	/* Fields are sent in the order of the line. */
	json_object_foreach(f, key, v) {
		assert_true(i < 7);
		assert_string_equal(key, order[i++]);
	}
	assert_int_equal(i, 7);
	assert_true(json_integer_value(json_object_get(r, "if_version")) ==
	    0);
	json_decref(r);
}

static void
test_parse_refused(void **state)
{
	(void)state;
	refused("{\"a\":1,\"a\":2}", "duplicate");
	refused("{\"f\":{\"a\":1,\"a\":2}}", "duplicate");
	refused("{\"a\":\"\xff\"}", "byte ");
	refused("{\"a\":\"\xc0\x80\"}", "byte ");		/* overlong */
	refused("{\"a\":\"\xed\xa0\x80\"}", "byte ");	/* surrogate */
	refused("{\"a\":\"\xe7\xa6\"}", "byte ");		/* truncated */
	refused("{\"a\":\"\\ud83d\"}", "byte ");		/* lone */
	refused("{\"a\":\"x\\u0000\"}", "NUL");
	refused("{\"a\":9223372036854775808}", "too big");
	refused("{\"a\":-9223372036854775809}", "too big");
	refused("{\"a\" 1}", "byte 6: ");
	refused("{\"a\":1} x", "byte ");
	refused("{\"a\":1,}", "byte ");
	refused("{a:1}", "byte ");
	refused("", "byte ");
	refused("[1, 2]", "not an object");
	refused("5", "not an object");
	refused("\"s\"", "not an object");
}

/* The escapes that JSON needs, and text that stays text. */
static void
test_write_text(void **state)
{
	char	*s;

	(void)state;
	s = written(cli_json_text("福州 😀 plain", strlen("福州 😀 plain")));
	assert_string_equal(s, "\"福州 😀 plain\"");
	free(s);
	s = written(cli_json_text("q\"b\\s/\nt\tr\r\x01\x1f", 13));
	assert_string_equal(s, "\"q\\\"b\\\\s/\\nt\\tr\\r\\u0001\\u001F\"");
	free(s);
	s = written(cli_json_text("a\0b", 3));
	assert_string_equal(s, "\"a\\u0000b\"");
	free(s);
	/* Each byte outside valid UTF-8 becomes U+FFFD; the rest stays. */
	s = written(cli_json_text("a\xff" "b\xc3(\xe7\xa6", 7));
	assert_string_equal(s, "\"a\xef\xbf\xbd" "b\xef\xbf\xbd("
	    "\xef\xbf\xbd\xef\xbf\xbd\"");
	free(s);
}

/* A whole answer: one compact line, in the order of the map. */
static void
test_write_answer(void **state)
{
	struct tl_mp	 m;
	char		*s;
	double		 zero = 0.0;

	(void)state;
	tl_mp_init(&m);
	msgpack_pack_map(&m.pk, 10);
	tl_pack_str(&m.pk, "名称");
	tl_pack_str(&m.pk, "福州某某食品有限公司\"");
	tl_pack_str(&m.pk, "n");
	msgpack_pack_int64(&m.pk, -5);
	tl_pack_str(&m.pk, "at");
	msgpack_pack_uint64(&m.pk, 1796052395);
	tl_pack_str(&m.pk, "big");
	msgpack_pack_uint64(&m.pk, 9007199254740993ULL);
	tl_pack_str(&m.pk, "u");
	msgpack_pack_uint64(&m.pk, UINT64_MAX);
	tl_pack_str(&m.pk, "a");
	msgpack_pack_array(&m.pk, 4);
	msgpack_pack_nil(&m.pk);
	msgpack_pack_true(&m.pk);
	msgpack_pack_false(&m.pk);
	msgpack_pack_map(&m.pk, 0);
	msgpack_pack_uint64(&m.pk, 7);		/* a non-str key */
	msgpack_pack_double(&m.pk, 0.5);
	msgpack_pack_int64(&m.pk, -2);		/* another */
	msgpack_pack_double(&m.pk, zero / zero);
	msgpack_pack_nil(&m.pk);		/* a key of no text */
	msgpack_pack_ext_with_body(&m.pk, "x", 1, 1);
	tl_pack_str(&m.pk, "k\xff");			/* a key of bad UTF-8 */
	tl_pack_str(&m.pk, "");
	s = written_obj(tl_mp_obj(&m));
	assert_string_equal(s, "{\"名称\":\"福州某某食品有限公司\\\"\","
	    "\"n\":-5,\"at\":1796052395,\"big\":9007199254740993,"
	    "\"u\":\"18446744073709551615\",\"a\":[null,true,false,{}],"
	    "\"7\":0.5,\"-2\":null,\"?\":null,\"k\xef\xbf\xbd\":\"\"}");
	free(s);
	tl_mp_free(&m);
}

/* Hashes: hex text as it is, binary as lower-case hex. */
static void
test_write_hashes(void **state)
{
	static const char hex[] = "0b7e9f2c00ff10a5d421c6cba5010000"
	    "0b7e9f2c00ff10a5d421c6cba50100ff";
	struct tl_mp	 m;
	unsigned char	 raw[32];
	char		*s, want[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 37 + 11);
	tl_mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	tl_pack_str(&m.pk, "hash");
	tl_pack_str(&m.pk, hex);
	tl_pack_str(&m.pk, "raw");
	msgpack_pack_bin_with_body(&m.pk, raw, sizeof(raw));
	s = written_obj(tl_mp_obj(&m));
	snprintf(want, sizeof(want), "{\"hash\":\"%s\",\"raw\":\"", hex);
	for (i = 0; i < sizeof(raw); i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
		    "%02x", raw[i]);
	strcat(want, "\"}");
	assert_string_equal(s, want);
	free(s);
	tl_mp_free(&m);
}

/* A key the server repeats keeps its place and its last value. */
static void
test_write_repeated_key(void **state)
{
	struct tl_mp	 m;
	char		*s;

	(void)state;
	tl_mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	tl_pack_str(&m.pk, "a");
	msgpack_pack_uint64(&m.pk, 1);
	tl_pack_str(&m.pk, "b");
	msgpack_pack_uint64(&m.pk, 2);
	tl_pack_str(&m.pk, "a");
	msgpack_pack_uint64(&m.pk, 3);
	s = written_obj(tl_mp_obj(&m));
	assert_string_equal(s, "{\"a\":3,\"b\":2}");
	free(s);
	tl_mp_free(&m);
}

/* What is written reads back as the same document. */
static void
test_round_trip(void **state)
{
	struct tl_mp	 m;
	json_t		*r;
	char		*s, err[CLI_JSON_ERR_MAX];

	(void)state;
	tl_mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	tl_pack_str(&m.pk, "reason");
	tl_pack_str(&m.pk, "信用修复：已完成整改\n\x7f\x01");
	tl_pack_str(&m.pk, "seq");
	msgpack_pack_uint64(&m.pk, INT64_MAX);
	s = written_obj(tl_mp_obj(&m));
	r = parse(s, err, sizeof(err));
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "reason")),
	    "信用修复：已完成整改\n\x7f\x01");
	assert_true(json_integer_value(json_object_get(r, "seq")) ==
	    INT64_MAX);
	json_decref(r);
	free(s);
	tl_mp_free(&m);
}

/* JSON packed back into msgpack gives the bytes it was made from. */
static void
test_pack_back(void **state)
{
	struct tl_mp	 m;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	json_t		*j;

	(void)state;
	tl_mp_init(&m);
	msgpack_pack_map(&m.pk, 7);
	tl_pack_str(&m.pk, "subject");
	assert_int_equal(msgpack_pack_str_with_body(&m.pk, "a\0b\t%", 5), 0);
	tl_pack_str(&m.pk, "n");
	msgpack_pack_int64(&m.pk, -5);
	tl_pack_str(&m.pk, "size");
	msgpack_pack_uint64(&m.pk, INT64_MAX);
	tl_pack_str(&m.pk, "flags");
	msgpack_pack_array(&m.pk, 3);
	msgpack_pack_true(&m.pk);
	msgpack_pack_false(&m.pk);
	msgpack_pack_nil(&m.pk);
	tl_pack_str(&m.pk, "d");
	msgpack_pack_double(&m.pk, 1.5);
	tl_pack_str(&m.pk, "hits");
	msgpack_pack_array(&m.pk, 1);
	msgpack_pack_map(&m.pk, 0);
	tl_pack_str(&m.pk, "名称");
	tl_pack_str(&m.pk, "企业");
	j = cli_json_from_msgpack(tl_mp_obj(&m));
	assert_non_null(j);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(cli_json_pack(&pk, j), 0);
	assert_int_equal(sb.size, m.sb.size);
	assert_memory_equal(sb.data, m.sb.data, sb.size);
	json_decref(j);
	msgpack_sbuffer_destroy(&sb);
	tl_mp_free(&m);
}

static void
test_write_pair(void **state)
{
	char	*buf = NULL;
	size_t	 size = 0;
	FILE	*f = open_memstream(&buf, &size);

	(void)state;
	assert_non_null(f);
	assert_int_equal(cli_json_write_counts(f, 2, (const char *[]){
	    "version", "seq" }, (uint64_t[]){ 3, 42 }), 0);
	assert_int_equal(cli_json_write_counts(f, 3, (const char *[]){
	    "imported", "unchanged", "failed" }, (uint64_t[]){ 0, 1,
	    (uint64_t)INT64_MAX + 1 }), 0);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "{\"version\":3,\"seq\":42}\n"
	    "{\"imported\":0,\"unchanged\":1,"
	    "\"failed\":\"9223372036854775808\"}\n");
	free(buf);
}

/* Out of memory in a constructor reaches the writer as NULL. */
static void
test_write_null(void **state)
{
	(void)state;
	assert_int_equal(cli_json_write(stdout, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_write_text),
		cmocka_unit_test(test_write_answer),
		cmocka_unit_test(test_write_hashes),
		cmocka_unit_test(test_write_repeated_key),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_pack_back),
		cmocka_unit_test(test_write_pair),
		cmocka_unit_test(test_write_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
