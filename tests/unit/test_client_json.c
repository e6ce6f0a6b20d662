/*
 * libqcreg JSON helpers: the bounded JSON Lines reader and the writer of
 * msgpack objects (client/qcreg_json.h).
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

#include "qcreg_json.h"

static const struct qcreg_jval *parse(struct qcreg_jdoc *, const char *);
static char	*write_str(const char *, size_t);
static char	*write_obj(const msgpack_object *);

static const struct qcreg_jval *
parse(struct qcreg_jdoc *d, const char *s)
{
	return qcreg_json_parse(d, s, strlen(s));
}

static void
test_line(void **state)
{
	struct qcreg_jdoc	 d;
	const struct qcreg_jval	*r, *f, *v;

	(void)state;
	qcreg_json_init(&d);
	r = parse(&d, " {\"list\": \"credit\", \"subject\":\"91350100M000100Y43\","
	    " \"fields\": {\"name\": \"福州某某食品有限公司\", \"score\": 55,"
	    " \"grade\":\"C\", \"x\": null, \"t\": true, \"f\": false},"
	    " \"if_version\": 0} ");
	assert_non_null(r);
	assert_int_equal(r->type, QCREG_J_OBJ);
	assert_int_equal(r->len, 4);
	v = qcreg_json_get(r, "list");
	assert_non_null(v);
	assert_int_equal(v->type, QCREG_J_STR);
	assert_string_equal(v->str, "credit");
	assert_int_equal(v->len, 6);
	f = qcreg_json_get(r, "fields");
	assert_non_null(f);
	assert_int_equal(f->type, QCREG_J_OBJ);
	assert_int_equal(f->len, 6);
	assert_string_equal(qcreg_json_get(f, "name")->str,
	    "福州某某食品有限公司");
	assert_int_equal(qcreg_json_get(f, "score")->type, QCREG_J_INT);
	assert_int_equal(qcreg_json_get(f, "score")->num, 55);
	assert_int_equal(qcreg_json_get(f, "x")->type, QCREG_J_NULL);
	assert_int_equal(qcreg_json_get(f, "t")->type, QCREG_J_TRUE);
	assert_int_equal(qcreg_json_get(f, "f")->type, QCREG_J_FALSE);
	assert_null(qcreg_json_get(f, "missing"));
	assert_null(qcreg_json_get(v, "list"));	/* not an object */
	/* Members keep their order. */
	assert_string_equal(f->child->key, "name");
	assert_string_equal(f->child->next->key, "score");
	assert_int_equal(qcreg_json_get(r, "if_version")->num, 0);
	qcreg_json_free(&d);
}

static void
test_escapes(void **state)
{
	struct qcreg_jdoc	 d;
	const struct qcreg_jval	*r;

	(void)state;
	qcreg_json_init(&d);
	r = parse(&d, "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");
	assert_non_null(r);
	assert_string_equal(r->str, "a\"b\\c/d\b\f\n\r\t");
	/* \u escapes: ASCII, 2-byte, 3-byte (CJK), and a surrogate pair. */
	r = parse(&d, "\"\\u0041\\u00e9\\u798F\\uD83D\\uDE00\"");
	assert_non_null(r);
	assert_string_equal(r->str, "A\xc3\xa9\xe7\xa6\x8f\xf0\x9f\x98\x80");
	assert_int_equal(r->len, 10);
	/* U+10FFFF, the largest. */
	r = parse(&d, "\"\\udbff\\udfff\"");
	assert_non_null(r);
	assert_string_equal(r->str, "\xf4\x8f\xbf\xbf");
	/* Raw UTF-8 passes. */
	r = parse(&d, "\"闽旅罚〔2026〕12号\"");
	assert_non_null(r);
	assert_string_equal(r->str, "闽旅罚〔2026〕12号");
	qcreg_json_free(&d);
}

static void
test_bad_strings(void **state)
{
	static const char *const bad[] = {
		"\"\\ud83d\"",		/* lone high surrogate */
		"\"\\ud83dx\"",
		"\"\\ud83d\\u0041\"",	/* high then not low */
		"\"\\ude00\"",		/* lone low surrogate */
		"\"\\u0000\"",		/* NUL */
		"\"\\u12\"",		/* short escape */
		"\"\\u12g4\"",
		"\"\\x\"",		/* unknown escape */
		"\"abc",		/* unterminated */
		"\"a\tb\"",		/* raw control character */
		"\"\xc0\x80\"",		/* overlong */
		"\"\xff\"",		/* not UTF-8 */
		"\"\xe7\xa6\"",		/* truncated sequence */
		"\"\xed\xa0\x80\"",	/* encoded surrogate */
	};
	struct qcreg_jdoc	 d;
	size_t			 i;

	(void)state;
	qcreg_json_init(&d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(parse(&d, bad[i]));
		assert_true(strncmp(d.err, "byte ", 5) == 0);
	}
	qcreg_json_free(&d);
}

static void
test_numbers(void **state)
{
	struct qcreg_jdoc	 d;
	const struct qcreg_jval	*r;

	(void)state;
	qcreg_json_init(&d);
	r = parse(&d, "9223372036854775807");
	assert_non_null(r);
	assert_true(r->num == INT64_MAX);
	r = parse(&d, "-9223372036854775808");
	assert_non_null(r);
	assert_true(r->num == INT64_MIN);
	r = parse(&d, "-0");
	assert_non_null(r);
	assert_int_equal(r->num, 0);
	assert_null(parse(&d, "9223372036854775808"));
	assert_null(parse(&d, "-9223372036854775809"));
	assert_null(parse(&d, "99999999999999999999999"));
	assert_null(parse(&d, "01"));
	assert_null(parse(&d, "1.5"));
	assert_null(parse(&d, "1e3"));
	assert_null(parse(&d, "-"));
	assert_null(parse(&d, "+1"));
	qcreg_json_free(&d);
}

static void
test_structure(void **state)
{
	struct qcreg_jdoc	 d;
	const struct qcreg_jval	*r;
	char			 deep[64];

	(void)state;
	qcreg_json_init(&d);
	r = parse(&d, "[1, [2, 3], {}, []]");
	assert_non_null(r);
	assert_int_equal(r->type, QCREG_J_ARR);
	assert_int_equal(r->len, 4);
	assert_int_equal(r->child->next->len, 2);
	assert_null(parse(&d, ""));
	assert_null(parse(&d, "   "));
	assert_null(parse(&d, "{} x"));
	assert_null(parse(&d, "{\"a\":1,}"));
	assert_null(parse(&d, "{\"a\" 1}"));
	assert_null(parse(&d, "{a:1}"));
	assert_null(parse(&d, "[1 2]"));
	assert_null(parse(&d, "{\"a\":1,\"a\":2}"));
	assert_non_null(strstr(d.err, "duplicate key"));
	assert_null(parse(&d, "tru"));
	assert_null(parse(&d, "nul"));
	assert_null(parse(&d, "[1,"));
	/* 16 levels pass, 17 do not. */
	memset(deep, 0, sizeof(deep));
	memset(deep, '[', 16);
	memset(deep + 16, ']', 16);
	assert_non_null(parse(&d, deep));
	memset(deep, 0, sizeof(deep));
	memset(deep, '[', 17);
	memset(deep + 17, ']', 17);
	assert_null(parse(&d, deep));
	assert_non_null(strstr(d.err, "deep"));
	qcreg_json_free(&d);
}

/* The arenas are sized from the input: the densest inputs must fit. */
static void
test_bounds(void **state)
{
	struct qcreg_jdoc	 d;
	const struct qcreg_jval	*r;
	char			*s;
	size_t			 i, n = 100001;

	(void)state;
	qcreg_json_init(&d);
	s = malloc(n + 1);
	assert_non_null(s);
	s[0] = '[';
	for (i = 1; i < n - 1; i += 2) {
		s[i] = '0';
		s[i + 1] = ',';
	}
	s[n - 1] = ']';
	s[n - 2] = '0';
	s[n] = '\0';
	r = qcreg_json_parse(&d, s, n);
	assert_non_null(r);
	assert_int_equal(r->len, n / 2);
	/* Many tiny strings, and then a small doc reusing the arenas. */
	s[0] = '[';
	for (i = 1; i + 3 < n; i += 3)
		memcpy(s + i, "\"\",", 3);
	memcpy(s + i - 1, "]", 2);
	assert_non_null(qcreg_json_parse(&d, s, strlen(s)));
	assert_non_null(parse(&d, "{\"k\":\"v\"}"));
	free(s);
	/* Longer than QCREG_JSON_MAX is refused before allocating. */
	assert_null(qcreg_json_parse(&d, "x", (size_t)QCREG_JSON_MAX + 1));
	qcreg_json_free(&d);
}

static char *
write_str(const char *s, size_t len)
{
	char	*buf = NULL;
	size_t	 size = 0;
	FILE	*f = open_memstream(&buf, &size);

	assert_non_null(f);
	assert_int_equal(qcreg_json_str(f, s, len), 0);
	fclose(f);
	return buf;
}

static char *
write_obj(const msgpack_object *o)
{
	char	*buf = NULL;
	size_t	 size = 0;
	FILE	*f = open_memstream(&buf, &size);

	assert_non_null(f);
	assert_int_equal(qcreg_json_obj(f, o), 0);
	fclose(f);
	return buf;
}

static void
test_write_str(void **state)
{
	char	*s;

	(void)state;
	s = write_str("plain", 5);
	assert_string_equal(s, "\"plain\"");
	free(s);
	s = write_str("q\"b\\n\nt\tr\r\x01\x1f\x7f", 13);
	assert_string_equal(s, "\"q\\\"b\\\\n\\nt\\tr\\r\\u0001\\u001f\\u007f\"");
	free(s);
	s = write_str("福州 😀", strlen("福州 😀"));
	assert_string_equal(s, "\"福州 😀\"");
	free(s);
	/* Invalid bytes become U+FFFD, one per byte; the rest survives. */
	s = write_str("a\xff" "b\xc3(\xe7\xa6", 7);
	assert_string_equal(s, "\"a\\ufffdb\\ufffd(\\ufffd\\ufffd\"");
	free(s);
	s = write_str("a\0b", 3);
	assert_string_equal(s, "\"a\\u0000b\"");
	free(s);
}

static void
test_write_obj(void **state)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
	size_t			 off = 0;
	char			*s;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 7);
	msgpack_pack_str_with_body(&pk, "s", 1);
	msgpack_pack_str_with_body(&pk, "某\"", 4);
	msgpack_pack_str_with_body(&pk, "n", 1);
	msgpack_pack_int64(&pk, -5);
	msgpack_pack_str_with_body(&pk, "u", 1);
	msgpack_pack_uint64(&pk, UINT64_MAX);
	msgpack_pack_str_with_body(&pk, "a", 1);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_nil(&pk);
	msgpack_pack_true(&pk);
	msgpack_pack_false(&pk);
	msgpack_pack_str_with_body(&pk, "m", 1);
	msgpack_pack_map(&pk, 0);
	msgpack_pack_uint64(&pk, 7);		/* a non-str key */
	msgpack_pack_bin_with_body(&pk, "xy", 2);
	msgpack_pack_str_with_body(&pk, "d", 1);
	msgpack_pack_double(&pk, 0.5);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, &off),
	    MSGPACK_UNPACK_SUCCESS);
	s = write_obj(&up.data);
	assert_string_equal(s, "{\"s\":\"某\\\"\",\"n\":-5,"
	    "\"u\":18446744073709551615,\"a\":[null,true,false],\"m\":{},"
	    "\"7\":null,\"d\":0.5}");
	free(s);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_bad_strings),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_write_str),
		cmocka_unit_test(test_write_obj),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
