/*
 * Framing: the length prefix and the pre-unpack validator (of frames,
 * and of stored values of any type) against hostile and valid bodies,
 * cross-checked with msgpack-c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <msgpack.h>

#include "frame.h"

#define V(...)	{ (const uint8_t[]){ __VA_ARGS__ }, \
		    sizeof((const uint8_t[]){ __VA_ARGS__ }) }

struct hostile {
	const char		*name;
	struct {
		const uint8_t	*p;
		size_t		 len;
	} body;
	enum qc_frame_status	 want;
};

/* {"a": X}: hostile headers sit inside a map, as in a real request. */
#define IN_MAP(...)	V(0x81, 0xa1, 'a', __VA_ARGS__)

static const struct hostile hostile[] = {
	{ "bin8 255", IN_MAP(0xc4, 0xff, 0), QC_FRAME_TRUNCATED },
	{ "bin16 max", IN_MAP(0xc5, 0xff, 0xff, 0), QC_FRAME_TRUNCATED },
	{ "bin32 max", IN_MAP(0xc6, 0xff, 0xff, 0xff, 0xff), QC_FRAME_TRUNCATED },
	{ "bin32 short hdr", IN_MAP(0xc6, 0x00, 0x00), QC_FRAME_TRUNCATED },
	{ "ext8 255", IN_MAP(0xc7, 0xff, 1, 0), QC_FRAME_TRUNCATED },
	{ "ext8 no type", IN_MAP(0xc7, 0x00), QC_FRAME_TRUNCATED },
	{ "ext16 max", IN_MAP(0xc8, 0xff, 0xff, 1), QC_FRAME_TRUNCATED },
	/* 0xffffffff + type byte wraps to 0 in 32-bit arithmetic. */
	{ "ext32 max", IN_MAP(0xc9, 0xff, 0xff, 0xff, 0xff, 1),
	  QC_FRAME_TRUNCATED },
	{ "ext32 max no type", IN_MAP(0xc9, 0xff, 0xff, 0xff, 0xff),
	  QC_FRAME_TRUNCATED },
	{ "float32 short", IN_MAP(0xca, 0, 0, 0), QC_FRAME_TRUNCATED },
	{ "float64 short", IN_MAP(0xcb, 0, 0, 0, 0, 0, 0, 0),
	  QC_FRAME_TRUNCATED },
	{ "uint8 short", IN_MAP(0xcc), QC_FRAME_TRUNCATED },
	{ "uint16 short", IN_MAP(0xcd, 0), QC_FRAME_TRUNCATED },
	{ "uint32 short", IN_MAP(0xce, 0, 0, 0), QC_FRAME_TRUNCATED },
	{ "uint64 short", IN_MAP(0xcf, 0, 0, 0, 0, 0, 0, 0),
	  QC_FRAME_TRUNCATED },
	{ "int8 short", IN_MAP(0xd0), QC_FRAME_TRUNCATED },
	{ "int16 short", IN_MAP(0xd1, 0), QC_FRAME_TRUNCATED },
	{ "int32 short", IN_MAP(0xd2, 0, 0, 0), QC_FRAME_TRUNCATED },
	{ "int64 short", IN_MAP(0xd3, 0, 0, 0, 0, 0, 0, 0),
	  QC_FRAME_TRUNCATED },
	{ "fixext1 short", IN_MAP(0xd4, 1), QC_FRAME_TRUNCATED },
	{ "fixext2 short", IN_MAP(0xd5, 1, 0), QC_FRAME_TRUNCATED },
	{ "fixext4 short", IN_MAP(0xd6, 1, 0, 0, 0), QC_FRAME_TRUNCATED },
	{ "fixext8 short", IN_MAP(0xd7, 1, 0, 0, 0, 0, 0, 0, 0),
	  QC_FRAME_TRUNCATED },
	{ "fixext16 short", IN_MAP(0xd8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	  0, 0, 0, 0, 0), QC_FRAME_TRUNCATED },
	{ "fixstr 31", IN_MAP(0xbf, 'x'), QC_FRAME_TRUNCATED },
	{ "str8 255", IN_MAP(0xd9, 0xff, 'x'), QC_FRAME_TRUNCATED },
	{ "str16 max", IN_MAP(0xda, 0xff, 0xff, 'x'), QC_FRAME_TRUNCATED },
	{ "str32 max", IN_MAP(0xdb, 0xff, 0xff, 0xff, 0xff, 'x'),
	  QC_FRAME_TRUNCATED },
	{ "str32 4G-1", IN_MAP(0xdb, 0xff, 0xff, 0xff, 0xfe),
	  QC_FRAME_TRUNCATED },
	{ "fixarray 15", IN_MAP(0x9f, 1, 2, 3), QC_FRAME_TRUNCATED },
	{ "array16 max", IN_MAP(0xdc, 0xff, 0xff, 1), QC_FRAME_TRUNCATED },
	{ "array32 max", IN_MAP(0xdd, 0xff, 0xff, 0xff, 0xff, 1),
	  QC_FRAME_TRUNCATED },
	{ "array32 268M", IN_MAP(0xdd, 0x10, 0, 0, 0), QC_FRAME_TRUNCATED },
	{ "fixmap 15", IN_MAP(0x8f, 1, 2, 3, 4), QC_FRAME_TRUNCATED },
	{ "map16 max", IN_MAP(0xde, 0xff, 0xff, 1, 1), QC_FRAME_TRUNCATED },
	{ "map32 max", IN_MAP(0xdf, 0xff, 0xff, 0xff, 0xff, 1, 1),
	  QC_FRAME_TRUNCATED },
	/* 2 x 0x80000000 wraps to 0 in 32-bit arithmetic. */
	{ "map32 2^31", IN_MAP(0xdf, 0x80, 0, 0, 0), QC_FRAME_TRUNCATED },
	{ "map16 odd bytes", IN_MAP(0xde, 0, 2, 1, 2, 3), QC_FRAME_TRUNCATED },
	{ "top map32 max", V(0xdf, 0xff, 0xff, 0xff, 0xff), QC_FRAME_TRUNCATED },
	{ "top map32 2^31", V(0xdf, 0x80, 0, 0, 0), QC_FRAME_TRUNCATED },
	{ "top map16 short hdr", V(0xde, 0x00), QC_FRAME_TRUNCATED },
	{ "top fixmap 1 key only", V(0x81, 0xa1, 'a'), QC_FRAME_TRUNCATED },
	{ "top fixmap 2 one pair", V(0x82, 0x01, 0x02), QC_FRAME_TRUNCATED },
	{ "inner count fits, body short",
	  V(0x82, 0xa1, 'a', 0xdc, 0x00, 0x03, 1, 2, 3, 0xa1, 'b'),
	  QC_FRAME_TRUNCATED },
	{ "c1 top", V(0xc1), QC_FRAME_INVALID },
	{ "c1 key", V(0x81, 0xc1, 0x01), QC_FRAME_INVALID },
	{ "c1 value", V(0x81, 0xa1, 'a', 0xc1), QC_FRAME_INVALID },
	{ "c1 in array", V(0x81, 0xa1, 'a', 0x92, 0x01, 0xc1),
	  QC_FRAME_INVALID },
	{ "trailing nil", V(0x80, 0xc0), QC_FRAME_TRAILING },
	{ "two maps", V(0x81, 0x01, 0x02, 0x80), QC_FRAME_TRAILING },
	{ "trailing c1", V(0x80, 0xc1), QC_FRAME_TRAILING },
	{ "top nil", V(0xc0), QC_FRAME_NOT_MAP },
	{ "top true", V(0xc3), QC_FRAME_NOT_MAP },
	{ "top fixint", V(0x07), QC_FRAME_NOT_MAP },
	{ "top negative fixint", V(0xff), QC_FRAME_NOT_MAP },
	{ "top fixstr", V(0xa2, 'h', 'i'), QC_FRAME_NOT_MAP },
	{ "top str32", V(0xdb, 0, 0, 0, 1, 'x'), QC_FRAME_NOT_MAP },
	{ "top empty array", V(0x90), QC_FRAME_NOT_MAP },
	{ "top array32", V(0xdd, 0, 0, 0, 1, 0x80), QC_FRAME_NOT_MAP },
	{ "top float64", V(0xcb, 0, 0, 0, 0, 0, 0, 0, 0), QC_FRAME_NOT_MAP },
	{ "top fixext1", V(0xd4, 1, 0), QC_FRAME_NOT_MAP },
	{ "empty map", V(0x80), QC_FRAME_OK },
	{ "map16 empty", V(0xde, 0, 0), QC_FRAME_OK },
	{ "map32 one pair", V(0xdf, 0, 0, 0, 1, 0xc0, 0xc0), QC_FRAME_OK },
	{ "array16 count = bytes left", IN_MAP(0xdc, 0, 3, 1, 2, 3),
	  QC_FRAME_OK },
	{ "bin8 exact", IN_MAP(0xc4, 2, 0, 0), QC_FRAME_OK },
	{ "ext8 empty", IN_MAP(0xc7, 0, 5), QC_FRAME_OK },
	{ "str32 empty", IN_MAP(0xdb, 0, 0, 0, 0), QC_FRAME_OK },
};

static void
test_prefix(void **state)
{
	static const uint32_t	 lens[] = { 0, 1, 255, 256, 0x01020304,
	    QC_FRAME_MAX_DEFAULT, 0xffffffffu };
	uint8_t			 hdr[QC_FRAME_HDR];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		qc_frame_put_len(hdr, lens[i]);
		assert_int_equal(qc_frame_get_len(hdr), lens[i]);
	}
	qc_frame_put_len(hdr, 0x01020304);
	assert_int_equal(hdr[0], 1);
	assert_int_equal(hdr[1], 2);
	assert_int_equal(hdr[2], 3);
	assert_int_equal(hdr[3], 4);
}

static void
test_check_len(void **state)
{
	const uint32_t	 max = QC_FRAME_MAX_DEFAULT;

	(void)state;
	assert_int_equal(qc_frame_check_len(0, max), QC_FRAME_EMPTY);
	assert_int_equal(qc_frame_check_len(1, max), QC_FRAME_OK);
	assert_int_equal(qc_frame_check_len(max, max), QC_FRAME_OK);
	assert_int_equal(qc_frame_check_len(max + 1, max), QC_FRAME_OVERSIZE);
	assert_int_equal(qc_frame_check_len(0xffffffffu, max),
	    QC_FRAME_OVERSIZE);
	assert_int_equal(qc_frame_check_len(0xffffffffu, 0xffffffffu),
	    QC_FRAME_OK);
}

static void
test_hostile(void **state)
{
	enum qc_frame_status	 got;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		got = qc_frame_validate(hostile[i].body.p, hostile[i].body.len);
		if (got != hostile[i].want)
			print_message("case \"%s\"\n", hostile[i].name);
		assert_int_equal(got, hostile[i].want);
	}
	assert_int_equal(qc_frame_validate(NULL, 0), QC_FRAME_EMPTY);
	assert_int_equal(qc_frame_validate((const uint8_t *)"", 0),
	    QC_FRAME_EMPTY);
}

/*
 * Builds depth levels of nesting: {"k": {"k": ... {}}} alternating maps
 * and arrays when mixed, and returns the length.
 */
static size_t
nest(uint8_t *buf, int depth, int mixed)
{
	size_t	 n = 0;
	int	 i;

	for (i = 0; i < depth; i++) {
		if (i == depth - 1)
			buf[n++] = 0x80;
		else if (i == 0 || !mixed || i % 2 == 0) {
			buf[n++] = 0x81;
			buf[n++] = 0xa1;
			buf[n++] = 'k';
		} else
			buf[n++] = 0x91;
	}
	return n;
}

static void
test_depth(void **state)
{
	uint8_t	 buf[256];
	size_t	 n;

	(void)state;
	n = nest(buf, QC_FRAME_MAX_DEPTH, 0);
	assert_int_equal(qc_frame_validate(buf, n), QC_FRAME_OK);
	n = nest(buf, QC_FRAME_MAX_DEPTH + 1, 0);
	assert_int_equal(qc_frame_validate(buf, n), QC_FRAME_TOO_DEEP);
	n = nest(buf, QC_FRAME_MAX_DEPTH, 1);
	assert_int_equal(qc_frame_validate(buf, n), QC_FRAME_OK);
	n = nest(buf, QC_FRAME_MAX_DEPTH + 1, 1);
	assert_int_equal(qc_frame_validate(buf, n), QC_FRAME_TOO_DEEP);
	n = nest(buf, 40, 1);
	assert_int_equal(qc_frame_validate(buf, n), QC_FRAME_TOO_DEEP);
	/* Depth 9 reached late, after a deep sibling was closed. */
	n = nest(buf, QC_FRAME_MAX_DEPTH, 0);
	buf[0] = 0x82;
	memcpy(buf + n, "\xa1j", 2);
	n += 2 + nest(buf + n + 2, QC_FRAME_MAX_DEPTH, 0);
	assert_int_equal(qc_frame_validate(buf, n), QC_FRAME_TOO_DEEP);
	/* An empty array at depth 9 is still too deep. */
	n = nest(buf, QC_FRAME_MAX_DEPTH + 1, 0);
	buf[n - 1] = 0x90;
	assert_int_equal(qc_frame_validate(buf, n), QC_FRAME_TOO_DEEP);
}

/*
 * qc_msgpack_validate (stored records): the same walk for a value of any
 * type. Every hostile case is judged alike, but for the top value not
 * having to be a map.
 */
static void
test_msgpack_validate(void **state)
{
	const struct hostile	 more[] = {
		{ "top array of 9", V(0x99, 1, 2, 3, 4, 5, 6, 7, 8, 0xc0),
		  QC_FRAME_OK },
		{ "top array short", V(0x99, 1, 2, 3, 4, 5, 6, 7, 8),
		  QC_FRAME_TRUNCATED },
		{ "top array trailing", V(0x91, 1, 2), QC_FRAME_TRAILING },
		{ "top nil trailing", V(0xc0, 0xc0), QC_FRAME_TRAILING },
		{ "top bin8 short", V(0xc4, 32, 0), QC_FRAME_TRUNCATED },
		{ "top array, c1 inside", V(0x92, 0x01, 0xc1),
		  QC_FRAME_INVALID },
	};
	enum qc_frame_status	 got, want;
	uint8_t			 buf[256];
	size_t			 i, n;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		want = hostile[i].want == QC_FRAME_NOT_MAP ? QC_FRAME_OK :
		    hostile[i].want;
		got = qc_msgpack_validate(hostile[i].body.p,
		    hostile[i].body.len);
		if (got != want)
			print_message("case \"%s\"\n", hostile[i].name);
		assert_int_equal(got, want);
	}
	for (i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
		got = qc_msgpack_validate(more[i].body.p, more[i].body.len);
		if (got != more[i].want)
			print_message("case \"%s\"\n", more[i].name);
		assert_int_equal(got, more[i].want);
		/* A frame must still be a map. */
		if (more[i].want == QC_FRAME_OK)
			assert_int_equal(qc_frame_validate(more[i].body.p,
			    more[i].body.len), QC_FRAME_NOT_MAP);
	}
	assert_int_equal(qc_msgpack_validate(NULL, 0), QC_FRAME_EMPTY);
	/* Nesting is bounded the same way, arrays at the top included. */
	buf[0] = 0x91;
	n = 1 + nest(buf + 1, QC_FRAME_MAX_DEPTH - 1, 1);
	assert_int_equal(qc_msgpack_validate(buf, n), QC_FRAME_OK);
	n = 1 + nest(buf + 1, QC_FRAME_MAX_DEPTH, 1);
	assert_int_equal(qc_msgpack_validate(buf, n), QC_FRAME_TOO_DEEP);
}

/* Packs a map that uses every msgpack type family and width. */
static void
pack_everything(msgpack_sbuffer *sb)
{
	msgpack_packer	 pk;
	static char	 big[70000];
	size_t		 i;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	assert_int_equal(msgpack_pack_map(&pk, 8), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "ints", 4), 0);
	assert_int_equal(msgpack_pack_array(&pk, 12), 0);
	assert_int_equal(msgpack_pack_uint64(&pk, 7), 0);
	assert_int_equal(msgpack_pack_uint64(&pk, 200), 0);
	assert_int_equal(msgpack_pack_uint64(&pk, 60000), 0);
	assert_int_equal(msgpack_pack_uint64(&pk, 4000000000u), 0);
	assert_int_equal(msgpack_pack_uint64(&pk, UINT64_MAX), 0);
	assert_int_equal(msgpack_pack_int64(&pk, -1), 0);
	assert_int_equal(msgpack_pack_int64(&pk, -100), 0);
	assert_int_equal(msgpack_pack_int64(&pk, -30000), 0);
	assert_int_equal(msgpack_pack_int64(&pk, -2000000000), 0);
	assert_int_equal(msgpack_pack_int64(&pk, INT64_MIN), 0);
	assert_int_equal(msgpack_pack_float(&pk, 1.5f), 0);
	assert_int_equal(msgpack_pack_double(&pk, -2.25), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "strs", 4), 0);
	assert_int_equal(msgpack_pack_array(&pk, 5), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "", 0), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, big, 31), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, big, 200), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, big, 300), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, big, 70000), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "bins", 4), 0);
	assert_int_equal(msgpack_pack_array(&pk, 3), 0);
	assert_int_equal(msgpack_pack_bin_with_body(&pk, big, 0), 0);
	assert_int_equal(msgpack_pack_bin_with_body(&pk, big, 300), 0);
	assert_int_equal(msgpack_pack_bin_with_body(&pk, big, 70000), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "exts", 4), 0);
	assert_int_equal(msgpack_pack_array(&pk, 8), 0);
	assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 1, 1), 0);
	assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 2, 1), 0);
	assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 4, 1), 0);
	assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 8, 1), 0);
	assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 16, 1), 0);
	assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 3, 1), 0);
	assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 300, 1), 0);
	assert_int_equal(msgpack_pack_ext_with_body(&pk, big, 70000, 1), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "misc", 4), 0);
	assert_int_equal(msgpack_pack_array(&pk, 3), 0);
	assert_int_equal(msgpack_pack_nil(&pk), 0);
	assert_int_equal(msgpack_pack_true(&pk), 0);
	assert_int_equal(msgpack_pack_false(&pk), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "a16", 3), 0);
	assert_int_equal(msgpack_pack_array(&pk, 70000), 0);
	for (i = 0; i < 70000; i++)
		assert_int_equal(msgpack_pack_uint64(&pk, i % 128), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "m16", 3), 0);
	assert_int_equal(msgpack_pack_map(&pk, 20), 0);
	for (i = 0; i < 20; i++) {
		assert_int_equal(msgpack_pack_uint64(&pk, i), 0);
		assert_int_equal(msgpack_pack_map(&pk, 0), 0);
	}
	assert_int_equal(msgpack_pack_uint64(&pk, 1), 0);
	assert_int_equal(msgpack_pack_array(&pk, 0), 0);
}

static void
assert_unpacks(const uint8_t *p, size_t len)
{
	msgpack_unpacked	 up;
	size_t			 off = 0;

	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, (const char *)p, len, &off),
	    MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, len);
	assert_int_equal(up.data.type, MSGPACK_OBJECT_MAP);
	msgpack_unpacked_destroy(&up);
}

static void
test_packed_valid(void **state)
{
	msgpack_sbuffer	 sb;

	(void)state;
	pack_everything(&sb);
	assert_int_equal(qc_frame_validate((uint8_t *)sb.data, sb.size),
	    QC_FRAME_OK);
	assert_unpacks((uint8_t *)sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/* A small request-like frame used by the cut and mutation tests. */
static void
pack_request(msgpack_sbuffer *sb)
{
	msgpack_packer	 pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	assert_int_equal(msgpack_pack_map(&pk, 4), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "id", 2), 0);
	assert_int_equal(msgpack_pack_uint64(&pk, 70000), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "op", 2), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "check", 5), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "subjects", 8), 0);
	assert_int_equal(msgpack_pack_array(&pk, 2), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk,
	    "91350100M000100Y43", 18), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk,
	    "site:example.cn", 15), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "x", 1), 0);
	assert_int_equal(msgpack_pack_map(&pk, 2), 0);
	assert_int_equal(msgpack_pack_int64(&pk, -5), 0);
	assert_int_equal(msgpack_pack_double(&pk, 0.5), 0);
	assert_int_equal(msgpack_pack_bin_with_body(&pk, "ab", 2), 0);
	assert_int_equal(msgpack_pack_ext_with_body(&pk, "abc", 3, 7), 0);
}

static void
test_truncated_every_cut(void **state)
{
	msgpack_sbuffer	 sb;
	size_t		 cut;

	(void)state;
	pack_request(&sb);
	assert_int_equal(qc_frame_validate((uint8_t *)sb.data, sb.size),
	    QC_FRAME_OK);
	assert_unpacks((uint8_t *)sb.data, sb.size);
	for (cut = 1; cut < sb.size; cut++)
		assert_int_equal(qc_frame_validate((uint8_t *)sb.data, cut),
		    QC_FRAME_TRUNCATED);
	msgpack_sbuffer_destroy(&sb);
}

/* Every cut of the big frame fails too (a sample, to stay fast). */
static void
test_truncated_big(void **state)
{
	msgpack_sbuffer	 sb;
	size_t		 cut;

	(void)state;
	pack_everything(&sb);
	for (cut = 1; cut < sb.size; cut += cut < 2000 ? 1 : 997)
		assert_int_equal(qc_frame_validate((uint8_t *)sb.data, cut),
		    QC_FRAME_TRUNCATED);
	assert_int_equal(qc_frame_validate((uint8_t *)sb.data, sb.size - 1),
	    QC_FRAME_TRUNCATED);
	msgpack_sbuffer_destroy(&sb);
}

/*
 * Sets every byte of a valid frame to every value: whatever the validator
 * accepts, msgpack-c must unpack completely as a map.
 */
static void
test_mutations_unpack(void **state)
{
	msgpack_sbuffer	 sb;
	uint8_t		*buf;
	size_t		 i, accepted = 0;
	int		 v;

	(void)state;
	pack_request(&sb);
	buf = malloc(sb.size);
	assert_non_null(buf);
	for (i = 0; i < sb.size; i++) {
		for (v = 0; v < 256; v++) {
			memcpy(buf, sb.data, sb.size);
			buf[i] = (uint8_t)v;
			if (qc_frame_validate(buf, sb.size) != QC_FRAME_OK)
				continue;
			assert_unpacks(buf, sb.size);
			accepted++;
		}
	}
	assert_true(accepted >= sb.size);
	free(buf);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_strerror(void **state)
{
	int	 i, j;

	(void)state;
	for (i = QC_FRAME_OK; i <= QC_FRAME_INVALID; i++) {
		assert_non_null(qc_frame_strerror(i));
		for (j = QC_FRAME_OK; j < i; j++)
			assert_string_not_equal(qc_frame_strerror(i),
			    qc_frame_strerror(j));
	}
	assert_string_equal(qc_frame_strerror(QC_FRAME_INVALID + 1),
	    "unknown frame status");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_check_len),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_msgpack_validate),
		cmocka_unit_test(test_packed_valid),
		cmocka_unit_test(test_truncated_every_cut),
		cmocka_unit_test(test_truncated_big),
		cmocka_unit_test(test_mutations_unpack),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
