/*
 * msgpack helpers: map lookup, typed accessors and the kv packers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <msgpack.h>

#include "msg.h"

struct fixture {
	msgpack_sbuffer		 sb;
	msgpack_unpacked	 up;
};

/*
 * {"id": 7, "op": "check", "": "empty key", "nul": "a\0b", "neg": -3,
 *  "big": 2^64-1, "f": 1.0, 5: "int key", "opx": "x", "arr": [], "e": ""}
 */
static int
setup(void **state)
{
	static struct fixture	 f;
	msgpack_packer		 pk;
	size_t			 off = 0;

	msgpack_sbuffer_init(&f.sb);
	msgpack_packer_init(&pk, &f.sb, msgpack_sbuffer_write);
	if (msgpack_pack_map(&pk, 11) != 0 ||
	    qc_pack_kv_uint(&pk, "id", 7) != 0 ||
	    qc_pack_kv_str(&pk, "op", "check") != 0 ||
	    qc_pack_kv_str(&pk, "", "empty key") != 0 ||
	    qc_pack_cstr(&pk, "nul") != 0 ||
	    msgpack_pack_str_with_body(&pk, "a\0b", 3) != 0 ||
	    qc_pack_cstr(&pk, "neg") != 0 || msgpack_pack_int64(&pk, -3) ||
	    qc_pack_kv_uint(&pk, "big", UINT64_MAX) != 0 ||
	    qc_pack_cstr(&pk, "f") != 0 || msgpack_pack_double(&pk, 1.0) ||
	    msgpack_pack_uint64(&pk, 5) != 0 ||
	    qc_pack_cstr(&pk, "int key") != 0 ||
	    qc_pack_kv_str(&pk, "opx", "x") != 0 ||
	    qc_pack_cstr(&pk, "arr") != 0 || msgpack_pack_array(&pk, 0) ||
	    qc_pack_kv_str(&pk, "e", "") != 0)
		return -1;
	msgpack_unpacked_init(&f.up);
	if (msgpack_unpack_next(&f.up, f.sb.data, f.sb.size, &off) !=
	    MSGPACK_UNPACK_SUCCESS || off != f.sb.size)
		return -1;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	msgpack_unpacked_destroy(&f->up);
	msgpack_sbuffer_destroy(&f->sb);
	return 0;
}

static const msgpack_object *
root(void **state)
{
	return &((struct fixture *)*state)->up.data;
}

static void
test_map_get(void **state)
{
	const msgpack_object	*m = root(state), *v;
	uint64_t		 u;

	v = qc_map_get(m, "id");
	assert_non_null(v);
	assert_int_equal(qc_obj_uint(v, &u), 0);
	assert_int_equal(u, 7);
	assert_true(qc_obj_streq(qc_map_get(m, "op"), "check"));
	assert_true(qc_obj_streq(qc_map_get(m, "opx"), "x"));
	assert_true(qc_obj_streq(qc_map_get(m, ""), "empty key"));
	assert_null(qc_map_get(m, "o"));
	assert_null(qc_map_get(m, "ops"));
	assert_null(qc_map_get(m, "ID"));
	/* The value under the integer key is not reachable by name. */
	assert_null(qc_map_get(m, "int key"));
	assert_null(qc_map_get(m, "\x05"));
	assert_null(qc_map_get(qc_map_get(m, "arr"), "id"));
	assert_null(qc_map_get(qc_map_get(m, "id"), "id"));
	assert_null(qc_map_get(NULL, "id"));
	assert_null(qc_map_get(m, NULL));
}

static void
test_streq(void **state)
{
	const msgpack_object	*m = root(state);

	assert_true(qc_obj_streq(qc_map_get(m, "e"), ""));
	assert_false(qc_obj_streq(qc_map_get(m, "e"), "x"));
	assert_false(qc_obj_streq(qc_map_get(m, "op"), "chec"));
	assert_false(qc_obj_streq(qc_map_get(m, "op"), "checks"));
	/* "a\0b" is not "a": lengths are compared, not C strings. */
	assert_false(qc_obj_streq(qc_map_get(m, "nul"), "a"));
	assert_false(qc_obj_streq(qc_map_get(m, "id"), "7"));
	assert_false(qc_obj_streq(NULL, "x"));
}

static void
test_obj_str(void **state)
{
	const msgpack_object	*m = root(state);
	const char		*s = NULL;
	size_t			 n = 99;

	assert_int_equal(qc_obj_str(qc_map_get(m, "nul"), &s, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "a\0b", 3);
	assert_int_equal(qc_obj_str(qc_map_get(m, "e"), &s, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(qc_obj_str(qc_map_get(m, "id"), &s, &n), -1);
	assert_int_equal(qc_obj_str(qc_map_get(m, "arr"), &s, &n), -1);
	assert_int_equal(qc_obj_str(NULL, &s, &n), -1);
}

static void
test_obj_uint(void **state)
{
	const msgpack_object	*m = root(state);
	msgpack_object		 o;
	uint64_t		 v = 1;

	assert_int_equal(qc_obj_uint(qc_map_get(m, "big"), &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(qc_obj_uint(qc_map_get(m, "neg"), &v), -1);
	assert_int_equal(qc_obj_uint(qc_map_get(m, "f"), &v), -1);
	assert_int_equal(qc_obj_uint(qc_map_get(m, "op"), &v), -1);
	assert_int_equal(qc_obj_uint(NULL, &v), -1);
	/* A hand-built NEGATIVE_INTEGER holding 0 still counts. */
	o.type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
	o.via.i64 = 0;
	assert_int_equal(qc_obj_uint(&o, &v), 0);
	assert_true(v == 0);
	o.via.i64 = INT64_MIN;
	assert_int_equal(qc_obj_uint(&o, &v), -1);
}

static void
test_strcpy(void **state)
{
	const msgpack_object	*m = root(state), *op;
	char			 buf[8];

	op = qc_map_get(m, "op");
	assert_int_equal(qc_obj_strcpy(op, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "check");
	/* Exactly fits: 5 bytes plus NUL. */
	assert_int_equal(qc_obj_strcpy(op, buf, 6), 0);
	assert_string_equal(buf, "check");
	assert_int_equal(qc_obj_strcpy(op, buf, 5), -1);
	assert_int_equal(qc_obj_strcpy(op, buf, 0), -1);
	assert_int_equal(qc_obj_strcpy(qc_map_get(m, "e"), buf, 1), 0);
	assert_string_equal(buf, "");
	/* An embedded NUL would silently shorten the copy: refused. */
	assert_int_equal(qc_obj_strcpy(qc_map_get(m, "nul"), buf,
	    sizeof(buf)), -1);
	assert_int_equal(qc_obj_strcpy(qc_map_get(m, "id"), buf,
	    sizeof(buf)), -1);
	assert_int_equal(qc_obj_strcpy(NULL, buf, sizeof(buf)), -1);
}

/* The packers write what msgpack's own packers would. */
static void
test_pack_bytes(void **state)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(qc_pack_kv_str(&pk, "k", "vv"), 0);
	assert_int_equal(qc_pack_kv_uint(&pk, "n", 300), 0);
	assert_int_equal(qc_pack_cstr(&pk, ""), 0);
	assert_int_equal(sb.size, 11);
	assert_memory_equal(sb.data,
	    "\xa1k\xa2vv" "\xa1n\xcd\x01\x2c" "\xa0", 11);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_get),
		cmocka_unit_test(test_streq),
		cmocka_unit_test(test_obj_str),
		cmocka_unit_test(test_obj_uint),
		cmocka_unit_test(test_strcpy),
		cmocka_unit_test(test_pack_bytes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
