/*
 * Helpers the cmocka unit tests share (testlib.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "msg.h"
#include "qcreg_int.h"
#include "testlib.h"

void
tl_pack_str(msgpack_packer *pk, const char *s)
{
	assert_int_equal(qc_pack_cstr(pk, s), 0);
}

void
tl_want_str(const msgpack_object *o, const char *key, const char *want)
{
	if (!qc_obj_streq(qc_map_get(o, key), want))
		fail_msg("%s is not \"%s\"", key, want);
}

void
tl_want_uint(const msgpack_object *o, const char *key, uint64_t want)
{
	uint64_t	 v;

	assert_int_equal(qc_obj_uint(qc_map_get(o, key), &v), 0);
	assert_int_equal(v, want);
}

struct qcreg_reply *
tl_reply(msgpack_sbuffer *sb, int op, uint32_t n)
{
	struct qcreg_reply	*r;
	size_t			 off = 0;

	r = calloc(1, sizeof(*r) + sb->size);
	assert_non_null(r);
	memcpy(r->r_body, sb->data, sb->size);
	r->r_len = sb->size;
	r->r_op = op;
	r->r_n = n;
	msgpack_unpacked_init(&r->r_up);
	assert_int_equal(msgpack_unpack_next(&r->r_up, r->r_body, r->r_len,
	    &off), MSGPACK_UNPACK_SUCCESS);
	r->r_result = &r->r_up.data;
	msgpack_sbuffer_clear(sb);
	return r;
}
