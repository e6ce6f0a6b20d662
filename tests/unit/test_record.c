/*
 * Change records: entry states at every boundary, pack and decode of the
 * stored array, the shapes decode refuses, loading stored bytes and
 * fetching by seq, and validity dates from fields.
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

#include "date.h"
#include "msg.h"
#include "record.h"
#include "store.h"

/*
 * One element of a hand-built value; t is s(tr), u(int), n(egative),
 * m(ap, empty), a(rray, empty), z (nil), t(rue) or b(in of u bytes).
 */
struct el {
	char		 t;
	const char	*s;
	uint64_t	 u;
};

/* A key and its value, for a hand-built map (the fields of a record). */
struct kv {
	const char	*k;
	struct el	 v;
};

/* The positions of the stored array (record.h). */
enum {
	P_AT, P_BY, P_OP, P_LIST, P_SUBJECT, P_VERSION, P_FIELDS, P_REASON,
	P_HASH, P_COUNT
};

static const struct el good_put[P_COUNT] = {
	{ 'u', NULL, 1772323200 },
	{ 's', "tourism-bureau", 0 },
	{ 's', "put", 0 },
	{ 's', "tourism", 0 },
	{ 's', "site:cheap-tours.example.cn", 0 },
	{ 'u', NULL, 2 },
	{ 'm', NULL, 0 },
	{ 'z', NULL, 0 },
	{ 'b', NULL, 32 },
};

static const struct el good_remove[P_COUNT] = {
	{ 'u', NULL, 1772409600 },
	{ 's', "tourism-bureau", 0 },
	{ 's', "remove", 0 },
	{ 's', "tourism", 0 },
	{ 's', "site:cheap-tours.example.cn", 0 },
	{ 'u', NULL, 3 },
	{ 'm', NULL, 0 },
	{ 's', "整改完成", 0 },
	{ 'b', NULL, 32 },
};

static void	 pack_el(msgpack_packer *, const struct el *);
static void	 pack_els(msgpack_sbuffer *, const struct el *, size_t);
static void	 pack_kvs(msgpack_sbuffer *, const struct kv *, size_t);
static int	 decode_els(const struct el *, size_t, struct record *);
static void	 unpack(msgpack_unpacked *, const msgpack_sbuffer *);
static void	 pack_fields(msgpack_sbuffer *);
static void	 fill_hash(uint8_t[STORE_HASH_LEN], uint8_t);

static void
pack_el(msgpack_packer *pk, const struct el *e)
{
	static const char	 bytes[64] = "0123456789abcdef0123456789abcdef"
				    "0123456789abcdef0123456789abcdef";

	switch (e->t) {
	case 's':
		assert_int_equal(msgpack_pack_str_with_body(pk, e->s,
		    strlen(e->s)), 0);
		break;
	case 'u':
		assert_int_equal(msgpack_pack_uint64(pk, e->u), 0);
		break;
	case 'n':
		assert_int_equal(msgpack_pack_int64(pk, -1), 0);
		break;
	case 'm':
		assert_int_equal(msgpack_pack_map(pk, 0), 0);
		break;
	case 'a':
		assert_int_equal(msgpack_pack_array(pk, 0), 0);
		break;
	case 't':
		assert_int_equal(msgpack_pack_true(pk), 0);
		break;
	case 'b':
		assert_true(e->u <= sizeof(bytes));
		assert_int_equal(msgpack_pack_bin_with_body(pk, bytes,
		    (size_t)e->u), 0);
		break;
	default:
		assert_int_equal(msgpack_pack_nil(pk), 0);
		break;
	}
}

/* An array of n elements. */
static void
pack_els(msgpack_sbuffer *sb, const struct el *e, size_t n)
{
	msgpack_packer	 pk;
	size_t		 i;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	assert_int_equal(msgpack_pack_array(&pk, (uint32_t)n), 0);
	for (i = 0; i < n; i++)
		pack_el(&pk, &e[i]);
}

static void
pack_kvs(msgpack_sbuffer *sb, const struct kv *kv, size_t n)
{
	msgpack_packer	 pk;
	size_t		 i;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	assert_int_equal(msgpack_pack_map(&pk, (uint32_t)n), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(msgpack_pack_str_with_body(&pk, kv[i].k,
		    strlen(kv[i].k)), 0);
		pack_el(&pk, &kv[i].v);
	}
}

static void
unpack(msgpack_unpacked *up, const msgpack_sbuffer *sb)
{
	size_t	 off = 0;

	msgpack_unpacked_init(up);
	assert_int_equal(msgpack_unpack_next(up, sb->data, sb->size, &off),
	    MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, sb->size);
}

static int
decode_els(const struct el *e, size_t n, struct record *r)
{
	msgpack_sbuffer	 sb;
	msgpack_unpacked up;
	int		 rc;

	pack_els(&sb, e, n);
	unpack(&up, &sb);
	rc = record_decode(&up.data, r);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/* {name: 张三, score: 95}, packed as writer_store gets it. */
static void
pack_fields(msgpack_sbuffer *fsb)
{
	msgpack_packer	 fpk;

	msgpack_sbuffer_init(fsb);
	msgpack_packer_init(&fpk, fsb, msgpack_sbuffer_write);
	assert_int_equal(msgpack_pack_map(&fpk, 2), 0);
	assert_int_equal(msgpack_pack_str_with_body(&fpk, "name", 4), 0);
	assert_int_equal(msgpack_pack_str_with_body(&fpk, "张三", 6), 0);
	assert_int_equal(msgpack_pack_str_with_body(&fpk, "score", 5), 0);
	assert_int_equal(msgpack_pack_int(&fpk, 95), 0);
}

/* A recognisable hash: byte i is seed + i. */
static void
fill_hash(uint8_t h[STORE_HASH_LEN], uint8_t seed)
{
	size_t	 i;

	for (i = 0; i < STORE_HASH_LEN; i++)
		h[i] = (uint8_t)(seed + i);
}

static void
test_state_of(void **state)
{
	const int32_t	 t = 20513;	/* 2026-03-01 */

	(void)state;
	assert_int_equal(state_of(0, DATE_NONE_START, DATE_NONE_END, t),
	    ST_ACTIVE);
	/* start: today is active, tomorrow is pending */
	assert_int_equal(state_of(0, t, DATE_NONE_END, t), ST_ACTIVE);
	assert_int_equal(state_of(0, t - 1, DATE_NONE_END, t), ST_ACTIVE);
	assert_int_equal(state_of(0, t + 1, DATE_NONE_END, t), ST_PENDING);
	/* end: today is still active, yesterday is expired */
	assert_int_equal(state_of(0, DATE_NONE_START, t, t), ST_ACTIVE);
	assert_int_equal(state_of(0, DATE_NONE_START, t + 1, t), ST_ACTIVE);
	assert_int_equal(state_of(0, DATE_NONE_START, t - 1, t), ST_EXPIRED);
	/* a one-day validity */
	assert_int_equal(state_of(0, t, t, t), ST_ACTIVE);
	assert_int_equal(state_of(0, t, t, t + 1), ST_EXPIRED);
	assert_int_equal(state_of(0, t, t, t - 1), ST_PENDING);
	assert_int_equal(state_of(0, t - 10, t + 10, t), ST_ACTIVE);
	/* removal wins over every date */
	assert_int_equal(state_of(1, DATE_NONE_START, DATE_NONE_END, t),
	    ST_REMOVED);
	assert_int_equal(state_of(1, t + 1, DATE_NONE_END, t), ST_REMOVED);
	assert_int_equal(state_of(1, DATE_NONE_START, t - 1, t), ST_REMOVED);
	assert_int_equal(state_of(1, t, t, t), ST_REMOVED);
	/* the open ends hold at any today */
	assert_int_equal(state_of(0, DATE_NONE_START, DATE_NONE_END,
	    INT32_MIN + 1), ST_ACTIVE);
	assert_int_equal(state_of(0, DATE_NONE_START, DATE_NONE_END,
	    INT32_MAX - 1), ST_ACTIVE);
}

static void
test_state_names(void **state)
{
	static const char *const names[ST_COUNT] = {
		"active", "pending", "expired", "removed"
	};
	int	 i;

	(void)state;
	for (i = 0; i < ST_COUNT; i++) {
		assert_string_equal(state_name((enum state)i), names[i]);
		assert_int_equal(state_from_name(names[i], strlen(names[i])),
		    i);
	}
	assert_int_equal(state_from_name("Active", 6), -1);
	assert_int_equal(state_from_name("activ", 5), -1);
	assert_int_equal(state_from_name("actives", 7), -1);
	assert_int_equal(state_from_name("active!", 6), ST_ACTIVE);
	assert_int_equal(state_from_name("", 0), -1);
	assert_int_equal(state_from_name("listed", 6), -1);
}

static void
test_round_trip(void **state)
{
	msgpack_sbuffer	 fsb, sb;
	msgpack_packer	 pk;
	msgpack_unpacked up;
	struct record	 r;
	const msgpack_object *a;
	uint8_t		 hash[STORE_HASH_LEN];
	const char	*reason = "行政复议撤销";

	(void)state;
	pack_fields(&fsb);
	fill_hash(hash, 0x10);

	/* a put: reason nil */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(record_pack(&pk, 1772323200, "quality-bureau", 0,
	    "credit", "uscc:91350100M000100Y43", 7, fsb.data, fsb.size, NULL,
	    0, hash), 0);
	unpack(&up, &sb);
	/* the stored shape: a 9-array in the documented order */
	assert_int_equal(up.data.type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(up.data.via.array.size, P_COUNT);
	a = up.data.via.array.ptr;
	assert_int_equal(a[P_AT].type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_true(a[P_AT].via.u64 == 1772323200);
	assert_true(qc_obj_streq(&a[P_BY], "quality-bureau"));
	assert_true(qc_obj_streq(&a[P_OP], "put"));
	assert_true(qc_obj_streq(&a[P_LIST], "credit"));
	assert_true(qc_obj_streq(&a[P_SUBJECT], "uscc:91350100M000100Y43"));
	assert_true(a[P_VERSION].via.u64 == 7);
	assert_int_equal(a[P_FIELDS].type, MSGPACK_OBJECT_MAP);
	assert_int_equal(a[P_REASON].type, MSGPACK_OBJECT_NIL);
	assert_int_equal(a[P_HASH].type, MSGPACK_OBJECT_BIN);
	assert_int_equal(a[P_HASH].via.bin.size, STORE_HASH_LEN);
	assert_memory_equal(a[P_HASH].via.bin.ptr, hash, STORE_HASH_LEN);

	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(record_decode(&up.data, &r), 0);
	assert_int_equal(r.r_list_len, 6);
	assert_memory_equal(r.r_list, "credit", 6);
	assert_int_equal(r.r_subject_len, 23);
	assert_memory_equal(r.r_subject, "uscc:91350100M000100Y43", 23);
	assert_int_equal(r.r_version, 7);
	assert_int_equal(r.r_removed, 0);
	assert_int_equal(r.r_by_len, 14);
	assert_memory_equal(r.r_by, "quality-bureau", 14);
	assert_int_equal(r.r_at, 1772323200);
	/* the seq is the key, not in the value: decode leaves it 0 */
	assert_int_equal(r.r_seq, 0);
	assert_null(r.r_reason);
	assert_int_equal(r.r_reason_len, 0);
	assert_non_null(r.r_hash);
	assert_memory_equal(r.r_hash, hash, STORE_HASH_LEN);
	/* r_hash points into the unpacked value */
	assert_ptr_equal(r.r_hash, a[P_HASH].via.bin.ptr);
	assert_non_null(r.r_fields);
	assert_ptr_equal(r.r_fields, &a[P_FIELDS]);
	assert_int_equal(r.r_fields->type, MSGPACK_OBJECT_MAP);
	assert_int_equal(r.r_fields->via.map.size, 2);
	assert_true(qc_obj_streq(&r.r_fields->via.map.ptr[0].key, "name"));
	assert_true(qc_obj_streq(&r.r_fields->via.map.ptr[0].val, "张三"));
	assert_int_equal(r.r_fields->via.map.ptr[1].val.via.u64, 95);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);

	/* a removal, with a reason; extreme at and version */
	fill_hash(hash, 0xf0);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(record_pack(&pk, UINT64_MAX, "tourism-bureau", 1,
	    "tourism", "guide:D-3100-001", UINT64_MAX, fsb.data, fsb.size,
	    reason, strlen(reason), hash), 0);
	unpack(&up, &sb);
	assert_int_equal(up.data.via.array.size, P_COUNT);
	assert_true(qc_obj_streq(&up.data.via.array.ptr[P_OP], "remove"));
	assert_int_equal(record_decode(&up.data, &r), 0);
	assert_int_equal(r.r_removed, 1);
	assert_true(r.r_version == UINT64_MAX);
	assert_true(r.r_at == UINT64_MAX);
	assert_non_null(r.r_reason);
	assert_int_equal(r.r_reason_len, strlen(reason));
	assert_memory_equal(r.r_reason, reason, strlen(reason));
	assert_memory_equal(r.r_hash, hash, STORE_HASH_LEN);
	/* a removal repeats the fields it was given */
	assert_int_equal(r.r_fields->via.map.size, 2);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);

	/* an empty reason is still a reason; empty fields are a map */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(record_pack(&pk, 0, "b", 1, "l", "s", 1, "\x80", 1,
	    "", 0, hash), 0);
	unpack(&up, &sb);
	assert_int_equal(record_decode(&up.data, &r), 0);
	assert_int_equal(r.r_at, 0);
	assert_non_null(r.r_reason);
	assert_int_equal(r.r_reason_len, 0);
	assert_int_equal(r.r_fields->via.map.size, 0);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);

	/*
	 * What decode refuses, pack does not prevent: a removal packed
	 * without a reason, and a put packed with one, do not read back.
	 */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(record_pack(&pk, 1, "b", 1, "l", "s", 2, fsb.data,
	    fsb.size, NULL, 0, hash), 0);
	unpack(&up, &sb);
	assert_int_equal(up.data.via.array.ptr[P_REASON].type,
	    MSGPACK_OBJECT_NIL);
	assert_int_equal(record_decode(&up.data, &r), -1);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(record_pack(&pk, 1, "b", 0, "l", "s", 2, fsb.data,
	    fsb.size, "why", 3, hash), 0);
	unpack(&up, &sb);
	assert_int_equal(record_decode(&up.data, &r), -1);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	msgpack_sbuffer_destroy(&fsb);
}

static void
test_decode_good_hand_built(void **state)
{
	struct record	 r;
	struct el	 e[P_COUNT];

	(void)state;
	assert_int_equal(decode_els(good_put, P_COUNT, &r), 0);
	assert_int_equal(r.r_version, 2);
	assert_int_equal(r.r_at, 1772323200);
	assert_int_equal(r.r_removed, 0);
	assert_null(r.r_reason);
	assert_memory_equal(r.r_hash, "0123456789abcdef0123456789abcdef",
	    STORE_HASH_LEN);
	assert_int_equal(r.r_subject_len, strlen(good_put[P_SUBJECT].s));
	assert_memory_equal(r.r_subject, good_put[P_SUBJECT].s,
	    r.r_subject_len);

	assert_int_equal(decode_els(good_remove, P_COUNT, &r), 0);
	assert_int_equal(r.r_version, 3);
	assert_int_equal(r.r_removed, 1);
	assert_non_null(r.r_reason);
	assert_int_equal(r.r_reason_len, strlen("整改完成"));
	assert_memory_equal(r.r_reason, "整改完成", r.r_reason_len);

	/* empty strings are strings */
	memcpy(e, good_put, sizeof(e));
	e[P_BY].s = e[P_LIST].s = e[P_SUBJECT].s = "";
	e[P_VERSION].u = 0;
	assert_int_equal(decode_els(e, P_COUNT, &r), 0);
	assert_int_equal(r.r_list_len, 0);
	assert_int_equal(r.r_version, 0);
}

/* One position of a good record made wrong. */
struct bad {
	const struct el	*base;
	int		 pos;
	struct el	 e;
};

static void
test_decode_refuses(void **state)
{
	static const struct bad	 bad[] = {
		{ good_put, P_AT, { 's', "now", 0 } },
		{ good_put, P_AT, { 'n', NULL, 0 } },
		{ good_put, P_AT, { 'z', NULL, 0 } },
		{ good_put, P_BY, { 'u', NULL, 1 } },
		{ good_put, P_BY, { 'z', NULL, 0 } },
		{ good_put, P_BY, { 'b', NULL, 4 } },
		{ good_put, P_OP, { 's', "delete", 0 } },
		{ good_put, P_OP, { 's', "Put", 0 } },
		{ good_put, P_OP, { 's', "removed", 0 } },
		{ good_put, P_OP, { 's', "listed", 0 } },
		{ good_put, P_OP, { 's', "", 0 } },
		{ good_put, P_OP, { 'u', NULL, 0 } },
		{ good_put, P_OP, { 'z', NULL, 0 } },
		{ good_put, P_OP, { 'b', NULL, 3 } },
		{ good_put, P_LIST, { 'u', NULL, 1 } },
		{ good_put, P_LIST, { 'z', NULL, 0 } },
		{ good_put, P_SUBJECT, { 'z', NULL, 0 } },
		{ good_put, P_SUBJECT, { 'a', NULL, 0 } },
		{ good_put, P_VERSION, { 's', "2", 0 } },
		{ good_put, P_VERSION, { 'n', NULL, 0 } },
		{ good_put, P_VERSION, { 't', NULL, 0 } },
		{ good_put, P_FIELDS, { 'a', NULL, 0 } },
		{ good_put, P_FIELDS, { 'z', NULL, 0 } },
		{ good_put, P_FIELDS, { 's', "{}", 0 } },
		/* a put has no reason: not even an empty one */
		{ good_put, P_REASON, { 's', "why", 0 } },
		{ good_put, P_REASON, { 's', "", 0 } },
		{ good_put, P_REASON, { 'u', NULL, 0 } },
		{ good_put, P_REASON, { 't', NULL, 0 } },
		/* a removal has one, and it is a str */
		{ good_remove, P_REASON, { 'z', NULL, 0 } },
		{ good_remove, P_REASON, { 'u', NULL, 5 } },
		{ good_remove, P_REASON, { 'b', NULL, 3 } },
		{ good_remove, P_REASON, { 'm', NULL, 0 } },
		{ good_remove, P_OP, { 's', "Remove", 0 } },
		/* the hash: a bin of exactly 32 bytes */
		{ good_put, P_HASH, { 'b', NULL, 31 } },
		{ good_put, P_HASH, { 'b', NULL, 33 } },
		{ good_put, P_HASH, { 'b', NULL, 0 } },
		{ good_put, P_HASH, { 'b', NULL, 64 } },
		{ good_put, P_HASH, { 's', "0123456789abcdef0123456789abcdef",
		    0 } },
		{ good_put, P_HASH, { 'z', NULL, 0 } },
		{ good_put, P_HASH, { 'a', NULL, 0 } },
		{ good_remove, P_HASH, { 'b', NULL, 31 } },
		{ good_remove, P_HASH, { 'z', NULL, 0 } },
	};
	struct el	 e[P_COUNT + 1];
	struct kv	 kv[P_COUNT];
	struct record	 r;
	msgpack_sbuffer	 sb;
	msgpack_unpacked up;
	size_t		 i;

	(void)state;
	/* each wrong type or value */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(e, bad[i].base, P_COUNT * sizeof(e[0]));
		e[bad[i].pos] = bad[i].e;
		if (decode_els(e, P_COUNT, &r) != -1)
			fail_msg("decoded with a bad element %d (case %zu)",
			    bad[i].pos, i);
	}

	/* the wrong number of elements: one short, one over, none */
	assert_int_equal(decode_els(good_put, P_COUNT - 1, &r), -1);
	assert_int_equal(decode_els(good_remove, P_COUNT - 1, &r), -1);
	memcpy(e, good_put, P_COUNT * sizeof(e[0]));
	e[P_COUNT] = (struct el){ 'z', NULL, 0 };
	assert_int_equal(decode_els(e, P_COUNT + 1, &r), -1);
	assert_int_equal(decode_els(good_put, 0, &r), -1);
	/* the elements shifted by one (no at) */
	assert_int_equal(decode_els(good_put + 1, P_COUNT - 1, &r), -1);

	/* the old shape: a map, even with 9 entries */
	for (i = 0; i < P_COUNT; i++) {
		kv[i].k = "k";
		kv[i].v = good_put[i];
	}
	pack_kvs(&sb, kv, P_COUNT);
	unpack(&up, &sb);
	assert_int_equal(record_decode(&up.data, &r), -1);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);

	/* not a container at all */
	msgpack_sbuffer_init(&sb);
	assert_int_equal(msgpack_sbuffer_write(&sb, "\xa3put", 4), 0);
	unpack(&up, &sb);
	assert_int_equal(record_decode(&up.data, &r), -1);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

/*
 * record_load: the stored bytes of a change record, with its seq (the
 * key); anything but exactly one well-formed record is corrupt.
 */
static void
test_load(void **state)
{
	msgpack_sbuffer	 fsb, sb, bad;
	msgpack_packer	 pk;
	msgpack_unpacked up;
	struct record	 r;
	uint8_t		 hash[STORE_HASH_LEN];
	MDB_val		 v;
	size_t		 cut;

	(void)state;
	pack_fields(&fsb);
	fill_hash(hash, 1);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(record_pack(&pk, 1772323200, "quality-bureau", 1,
	    "credit", "uscc:91350100M000100Y43", 4, fsb.data, fsb.size, "r", 1,
	    hash), 0);
	v.mv_data = sb.data;
	v.mv_size = sb.size;
	assert_int_equal(record_load(&v, 0x0102030405060708ull, &up, &r), 0);
	assert_true(r.r_seq == 0x0102030405060708ull);
	assert_int_equal(r.r_version, 4);
	assert_int_equal(r.r_removed, 1);
	assert_memory_equal(r.r_hash, hash, STORE_HASH_LEN);
	assert_int_equal(r.r_fields->via.map.size, 2);
	msgpack_unpacked_destroy(&up);

	/* every truncation */
	for (cut = 0; cut < sb.size; cut++) {
		v.mv_size = cut;
		if (record_load(&v, 1, &up, &r) != -1)
			fail_msg("loaded %zu of %zu bytes", cut, sb.size);
		msgpack_unpacked_destroy(&up);
	}
	/* a trailing byte */
	msgpack_sbuffer_init(&bad);
	assert_int_equal(msgpack_sbuffer_write(&bad, sb.data, sb.size), 0);
	assert_int_equal(msgpack_sbuffer_write(&bad, "\xc0", 1), 0);
	v.mv_data = bad.data;
	v.mv_size = bad.size;
	assert_int_equal(record_load(&v, 1, &up, &r), -1);
	msgpack_unpacked_destroy(&up);
	/* a well-formed value of the wrong shape */
	msgpack_sbuffer_clear(&bad);
	assert_int_equal(msgpack_sbuffer_write(&bad, fsb.data, fsb.size), 0);
	v.mv_data = bad.data;
	v.mv_size = bad.size;
	assert_int_equal(record_load(&v, 1, &up, &r), -1);
	msgpack_unpacked_destroy(&up);
	/* the reserved byte 0xc1 for the op */
	msgpack_sbuffer_clear(&bad);
	assert_int_equal(msgpack_sbuffer_write(&bad, sb.data, sb.size), 0);
	assert_true(memcmp(bad.data + 1 + 5 + 15, "\xa6remove", 7) == 0);
	bad.data[1 + 5 + 15] = (char)0xc1;
	v.mv_data = bad.data;
	v.mv_size = bad.size;
	assert_int_equal(record_load(&v, 1, &up, &r), -1);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&bad);
	msgpack_sbuffer_destroy(&sb);
	msgpack_sbuffer_destroy(&fsb);
}

/* record_fetch: by seq from `changes`; missing or corrupt is reported. */
static void
test_fetch(void **state)
{
	const char	*t = getenv("TMPDIR");
	char		 dir[256], p[512];
	struct store	 st;
	msgpack_sbuffer	 fsb, sb;
	msgpack_packer	 pk;
	msgpack_unpacked up;
	struct record	 r;
	uint8_t		 hash[STORE_HASH_LEN], key[8];
	MDB_txn		*txn;
	MDB_val		 k, v;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/qcreg-test-record.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(store_open(&st, dir, 4 * 1024 * 1024, 8), 0);

	pack_fields(&fsb);
	fill_hash(hash, 7);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(record_pack(&pk, 1772323200, "quality-bureau", 0,
	    "credit", "uscc:91350100M000100Y43", 1, fsb.data, fsb.size, NULL,
	    0, hash), 0);
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, 0, &txn), 0);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	store_key_seq(key, 5);
	v.mv_data = sb.data;
	v.mv_size = sb.size;
	assert_int_equal(mdb_put(txn, st.s_changes, &k, &v, 0), 0);
	store_key_seq(key, 7);
	v.mv_size = sb.size - 1;
	assert_int_equal(mdb_put(txn, st.s_changes, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);

	assert_int_equal(mdb_txn_begin(st.s_env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(record_fetch(&st, txn, 5, &up, &r), 0);
	assert_int_equal(r.r_seq, 5);
	assert_int_equal(r.r_version, 1);
	assert_memory_equal(r.r_subject, "uscc:91350100M000100Y43", 23);
	assert_memory_equal(r.r_hash, hash, STORE_HASH_LEN);
	msgpack_unpacked_destroy(&up);
	/* no record 6 or 0, and a cut record 7: corrupt (caller destroys) */
	assert_int_equal(record_fetch(&st, txn, 6, &up, &r), MDB_CORRUPTED);
	msgpack_unpacked_destroy(&up);
	assert_int_equal(record_fetch(&st, txn, 7, &up, &r), MDB_CORRUPTED);
	msgpack_unpacked_destroy(&up);
	assert_int_equal(record_fetch(&st, txn, 0, &up, &r), MDB_CORRUPTED);
	msgpack_unpacked_destroy(&up);
	mdb_txn_abort(txn);

	msgpack_sbuffer_destroy(&sb);
	msgpack_sbuffer_destroy(&fsb);
	store_close(&st);
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

static void
test_dates(void **state)
{
	struct list_def	 l;
	msgpack_sbuffer	 sb;
	msgpack_unpacked up;
	int32_t		 s, e, want_s, want_e;
	const struct kv	 both[] = {
		{ "listed_on", { 's', "2024-03-15", 0 } },
		{ "expires_on", { 's', "2027-03-15", 0 } },
	};
	const struct kv	 odd[] = {
		{ "listed_on", { 's', "2024-02-30", 0 } },
		{ "expires_on", { 'u', NULL, 20270315 } },
	};

	(void)state;
	memset(&l, 0, sizeof(l));
	strcpy(l.l_fields[0].f_name, "name");
	strcpy(l.l_fields[1].f_name, "listed_on");
	l.l_fields[1].f_type = FT_DATE;
	strcpy(l.l_fields[2].f_name, "expires_on");
	l.l_fields[2].f_type = FT_DATE;
	l.l_nfields = 3;
	l.l_start = 1;
	l.l_end = 2;
	l.l_grade = -1;
	assert_int_equal(qc_date_parse("2024-03-15", 10, &want_s), 0);
	assert_int_equal(qc_date_parse("2027-03-15", 10, &want_e), 0);

	pack_kvs(&sb, both, 2);
	unpack(&up, &sb);
	record_dates(&l, &up.data, &s, &e);
	assert_int_equal(s, want_s);
	assert_int_equal(e, want_e);
	/* only the start */
	up.data.via.map.size = 1;
	record_dates(&l, &up.data, &s, &e);
	assert_int_equal(s, want_s);
	assert_int_equal(e, DATE_NONE_END);
	/* a list without validity dates ignores date fields */
	up.data.via.map.size = 2;
	l.l_start = l.l_end = -1;
	record_dates(&l, &up.data, &s, &e);
	assert_int_equal(s, DATE_NONE_START);
	assert_int_equal(e, DATE_NONE_END);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);

	/* values that are not dates count as absent */
	l.l_start = 1;
	l.l_end = 2;
	pack_kvs(&sb, odd, 2);
	unpack(&up, &sb);
	record_dates(&l, &up.data, &s, &e);
	assert_int_equal(s, DATE_NONE_START);
	assert_int_equal(e, DATE_NONE_END);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_of),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_decode_good_hand_built),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_fetch),
		cmocka_unit_test(test_dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
