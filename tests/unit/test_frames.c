/*
 * The frame loop's step, frame_next, over an evbuffer as the connection
 * fills it: whole, split and back-to-back frames, and every framing
 * violation with the exact reason the bad_frame answer carries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <msgpack.h>

#include "frame.h"
#include "frames.h"
#include "msg.h"

#define MAX_FRAME	64

struct fx {
	struct evbuffer	*in;
	msgpack_zone	 zone;
	msgpack_object	 msg;
	size_t		 len;
	const char	*why;
};

static int		 setup(void **);
static int		 teardown(void **);
static enum frame_step	 step(struct fx *);
static void		 add_frame(struct evbuffer *, const void *, size_t);
static void		 expect_id(struct fx *, uint64_t);
static void		 expect_bad(const void *, size_t, const char *);

static int
setup(void **state)
{
	struct fx	*fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL ||
	    (fx->in = evbuffer_new()) == NULL ||
	    !msgpack_zone_init(&fx->zone, 1024))
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;

	msgpack_zone_destroy(&fx->zone);
	evbuffer_free(fx->in);
	free(fx);
	return 0;
}

/* One step; on FRAME_BAD, why must be set and the input left alone. */
static enum frame_step
step(struct fx *fx)
{
	size_t		 before = evbuffer_get_length(fx->in);
	enum frame_step	 rc;

	fx->why = NULL;
	fx->len = 0;
	rc = frame_next(fx->in, MAX_FRAME, &fx->zone, &fx->msg, &fx->len,
	    &fx->why);
	assert_int_equal(evbuffer_get_length(fx->in), before);
	if (rc == FRAME_BAD)
		assert_non_null(fx->why);
	return rc;
}

/* The prefix for len, then the body. */
static void
add_frame(struct evbuffer *in, const void *body, size_t len)
{
	uint8_t	 hdr[QC_FRAME_HDR];

	qc_frame_put_len(hdr, (uint32_t)len);
	assert_int_equal(evbuffer_add(in, hdr, sizeof(hdr)), 0);
	assert_int_equal(evbuffer_add(in, body, len), 0);
}

/* The frame read is the map {"id": id}; it is then consumed. */
static void
expect_id(struct fx *fx, uint64_t id)
{
	uint64_t	 got;

	assert_int_equal(fx->msg.type, MSGPACK_OBJECT_MAP);
	assert_int_equal(fx->msg.via.map.size, 1);
	assert_int_equal(qc_obj_uint(qc_map_get(&fx->msg, "id"), &got), 0);
	assert_true(got == id);
	msgpack_zone_clear(&fx->zone);
	frame_consume(fx->in, fx->len);
}

/* A frame of this body (the prefix added) is FRAME_BAD with why. */
static void
expect_bad(const void *body, size_t len, const char *why)
{
	struct fx	*fx;
	void		*state;

	assert_int_equal(setup(&state), 0);
	fx = state;
	add_frame(fx->in, body, len);
	assert_int_equal(step(fx), FRAME_BAD);
	assert_string_equal(fx->why, why);
	teardown(&state);
}

/* {"id": 7}: 4-byte prefix, then 81 a2 69 64 07. */
static const uint8_t id7[] = { 0x81, 0xa2, 'i', 'd', 0x07 };
static const uint8_t id8[] = { 0x81, 0xa2, 'i', 'd', 0x08 };

static void
test_complete(void **state)
{
	struct fx	*fx = *state;

	assert_int_equal(step(fx), FRAME_MORE);	/* nothing yet */
	add_frame(fx->in, id7, sizeof(id7));
	assert_int_equal(step(fx), FRAME_READY);
	assert_int_equal(fx->len, QC_FRAME_HDR + sizeof(id7));
	assert_null(fx->why);
	/* The same frame again until it is consumed. */
	assert_int_equal(step(fx), FRAME_READY);
	expect_id(fx, 7);
	assert_int_equal(evbuffer_get_length(fx->in), 0);
	assert_int_equal(step(fx), FRAME_MORE);
}

/* FRAME_MORE until the last byte arrives, whatever the cut. */
static void
test_split(void **state)
{
	struct fx	*fx = *state;
	uint8_t		 all[QC_FRAME_HDR + sizeof(id7)];
	size_t		 cut, i;

	qc_frame_put_len(all, sizeof(id7));
	memcpy(all + QC_FRAME_HDR, id7, sizeof(id7));
	for (cut = 1; cut < sizeof(all); cut++) {
		/* Byte by byte up to the cut, the rest in one piece. */
		for (i = 0; i < cut; i++) {
			assert_int_equal(evbuffer_add(fx->in, all + i, 1), 0);
			assert_int_equal(step(fx), FRAME_MORE);
		}
		assert_int_equal(evbuffer_add(fx->in, all + cut,
		    sizeof(all) - cut), 0);
		assert_int_equal(step(fx), FRAME_READY);
		expect_id(fx, 7);
	}
	assert_int_equal(evbuffer_get_length(fx->in), 0);
}

/* A frame spread over separate chains is pulled up whole. */
static void
test_chains(void **state)
{
	struct fx	*fx = *state;
	static uint8_t	 all[QC_FRAME_HDR + sizeof(id7)];
	size_t		 i;

	qc_frame_put_len(all, sizeof(id7));
	memcpy(all + QC_FRAME_HDR, id7, sizeof(id7));
	for (i = 0; i < sizeof(all); i++)
		assert_int_equal(evbuffer_add_reference(fx->in, all + i, 1,
		    NULL, NULL), 0);
	assert_int_equal(step(fx), FRAME_READY);
	expect_id(fx, 7);
}

/* Two frames in one read come out one after the other. */
static void
test_back_to_back(void **state)
{
	struct fx	*fx = *state;

	add_frame(fx->in, id7, sizeof(id7));
	add_frame(fx->in, id8, sizeof(id8));
	/* And half of a third. */
	assert_int_equal(evbuffer_add(fx->in, "\0\0\0\5\x81", 5), 0);
	assert_int_equal(step(fx), FRAME_READY);
	expect_id(fx, 7);
	assert_int_equal(step(fx), FRAME_READY);
	expect_id(fx, 8);
	assert_int_equal(step(fx), FRAME_MORE);
	assert_int_equal(evbuffer_add(fx->in, "\xa2id\x09", 4), 0);
	assert_int_equal(step(fx), FRAME_READY);
	expect_id(fx, 9);
	assert_int_equal(evbuffer_get_length(fx->in), 0);
}

/* An oversize prefix is refused as soon as the prefix is in. */
static void
test_oversize(void **state)
{
	struct fx	*fx = *state;
	uint8_t		 hdr[QC_FRAME_HDR], body[MAX_FRAME + 1];

	qc_frame_put_len(hdr, MAX_FRAME + 1);
	assert_int_equal(evbuffer_add(fx->in, hdr, 3), 0);
	assert_int_equal(step(fx), FRAME_MORE);
	assert_int_equal(evbuffer_add(fx->in, hdr + 3, 1), 0);
	assert_int_equal(step(fx), FRAME_BAD);
	assert_string_equal(fx->why, "frame larger than the limit");
	evbuffer_drain(fx->in, evbuffer_get_length(fx->in));

	qc_frame_put_len(hdr, UINT32_MAX);
	assert_int_equal(evbuffer_add(fx->in, hdr, sizeof(hdr)), 0);
	assert_int_equal(step(fx), FRAME_BAD);
	assert_string_equal(fx->why, "frame larger than the limit");
	evbuffer_drain(fx->in, evbuffer_get_length(fx->in));

	/* Exactly the limit is a frame: a map holding one bin. */
	memset(body, 0, sizeof(body));
	body[0] = 0x81;
	body[1] = 0xa1;
	body[2] = 'b';
	body[3] = 0xc4;
	body[4] = MAX_FRAME - 5;
	add_frame(fx->in, body, MAX_FRAME);
	assert_int_equal(step(fx), FRAME_READY);
	assert_int_equal(fx->len, QC_FRAME_HDR + MAX_FRAME);
	msgpack_zone_clear(&fx->zone);
	frame_consume(fx->in, fx->len);
	body[4] = MAX_FRAME - 4;
	expect_bad(body, MAX_FRAME + 1, "frame larger than the limit");
}

static void
test_zero_length(void **state)
{
	struct fx	*fx = *state;

	assert_int_equal(evbuffer_add(fx->in, "\0\0\0\0", 4), 0);
	assert_int_equal(step(fx), FRAME_BAD);
	assert_string_equal(fx->why, "empty frame");
}

static void
test_trailing(void **state)
{
	static const uint8_t	 two_maps[] = { 0x80, 0x80 };
	static const uint8_t	 tail[] = {
	    0x81, 0xa2, 'i', 'd', 0x07, 0xc0 };

	(void)state;
	expect_bad(two_maps, sizeof(two_maps),
	    "trailing bytes after the msgpack map");
	expect_bad(tail, sizeof(tail),
	    "trailing bytes after the msgpack map");
}

static void
test_not_map(void **state)
{
	static const uint8_t	 arr[] = { 0x91, 0x80 };
	static const uint8_t	 str[] = { 0xa2, 'i', 'd' };
	static const uint8_t	 num[] = { 0x07 };
	static const uint8_t	 nil[] = { 0xc0 };

	(void)state;
	expect_bad(arr, sizeof(arr), "frame body is not a msgpack map");
	expect_bad(str, sizeof(str), "frame body is not a msgpack map");
	expect_bad(num, sizeof(num), "frame body is not a msgpack map");
	expect_bad(nil, sizeof(nil), "frame body is not a msgpack map");
}

/* Nesting: QC_FRAME_MAX_DEPTH levels pass, one more does not. */
static void
test_too_deep(void **state)
{
	struct fx	*fx = *state;
	uint8_t		 body[4 * (QC_FRAME_MAX_DEPTH + 1) + 1];
	size_t		 n = 0;
	int		 i;

	/* {"a": {"a": ... {} }} with depth maps. */
	for (i = 0; i < QC_FRAME_MAX_DEPTH - 1; i++) {
		body[n++] = 0x81;
		body[n++] = 0xa1;
		body[n++] = 'a';
	}
	body[n++] = 0x80;
	add_frame(fx->in, body, n);
	assert_int_equal(step(fx), FRAME_READY);
	assert_int_equal(fx->msg.type, MSGPACK_OBJECT_MAP);
	msgpack_zone_clear(&fx->zone);
	frame_consume(fx->in, fx->len);

	n = 0;
	for (i = 0; i < QC_FRAME_MAX_DEPTH; i++) {
		body[n++] = 0x81;
		body[n++] = 0xa1;
		body[n++] = 'a';
	}
	body[n++] = 0x90;	/* an empty array counts as a level */
	expect_bad(body, n, "msgpack nesting too deep");
}

/* Values that run past the frame, and the reserved type byte. */
static void
test_truncated_invalid(void **state)
{
	static const uint8_t	 str[] = {
	    0x81, 0xa2, 'i', 'd', 0xa5, 'x' };
	/* A map declaring 2^32 - 1 pairs: the allocation bomb. */
	static const uint8_t	 bomb[] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t	 c1[] = { 0x81, 0xc1, 0xc0 };

	(void)state;
	expect_bad(str, sizeof(str), "truncated msgpack value");
	expect_bad(bomb, sizeof(bomb), "truncated msgpack value");
	expect_bad(c1, sizeof(c1), "invalid msgpack type byte");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back_to_back, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_length, setup,
		    teardown),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_not_map),
		cmocka_unit_test_setup_teardown(test_too_deep, setup, teardown),
		cmocka_unit_test(test_truncated_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
