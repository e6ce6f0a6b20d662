/*
 * Change records: entry states at every boundary, the stored value (meta
 * array + payload) packed and loaded back, the shapes load refuses, the
 * chain hash against an independent implementation, fetching by seq, and
 * validity dates from fields.
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

/* The positions of the stored meta array (record.h). */
enum {
	P_AT, P_BY, P_OP, P_LIST, P_SUBJECT, P_VERSION, P_CASE, P_HASH,
	P_COUNT
};

static const struct el good_put[P_COUNT] = {
	{ 'u', NULL, 1772323200 },
	{ 's', "tourism-bureau", 0 },
	{ 's', "put", 0 },
	{ 's', "tourism", 0 },
	{ 's', "site:cheap-tours.example.cn", 0 },
	{ 'u', NULL, 2 },
	{ 'z', NULL, 0 },
	{ 'b', NULL, 32 },
};

/* The payload of a put: {"fields": {}}. */
static const struct kv put_payload[] = {
	{ "fields", { 'm', NULL, 0 } },
};

static void	 pack_el(msgpack_packer *, const struct el *);
static void	 pack_els(msgpack_sbuffer *, const struct el *, size_t);
static void	 pack_kvs(msgpack_sbuffer *, const struct kv *, size_t);
static int	 load_els(const struct el *, size_t, const struct kv *,
		    size_t);
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

/*
 * record_load of a hand-built value: a meta array of n elements, then a
 * payload map of nkv pairs (none if kv is NULL). Returns its result.
 */
static int
load_els(const struct el *e, size_t n, const struct kv *kv, size_t nkv)
{
	msgpack_sbuffer	 sb, psb;
	msgpack_unpacked up;
	struct record	 r;
	MDB_val		 v;
	int		 rc;

	pack_els(&sb, e, n);
	if (kv != NULL) {
		pack_kvs(&psb, kv, nkv);
		assert_int_equal(msgpack_sbuffer_write(&sb, psb.data,
		    psb.size), 0);
		msgpack_sbuffer_destroy(&psb);
	}
	v.mv_data = sb.data;
	v.mv_size = sb.size;
	rc = record_load(&v, 9, &up, &r);
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

/* A record to pack: the known-answer put of PROTOCOL.md 4.4's test. */
static void
known_change(struct change *c, msgpack_sbuffer *fsb, msgpack_sbuffer *psb)
{
	pack_fields(fsb);
	msgpack_sbuffer_init(psb);
	assert_int_equal(record_payload(psb, fsb->data, fsb->size, NULL, 0),
	    0);
	memset(c, 0, sizeof(*c));
	c->c_seq = 41;
	c->c_at = 1772323200;
	c->c_by = "tourism-bureau";
	c->c_op = CH_PUT;
	c->c_list = "tourism";
	c->c_subject = "site:cheap-tours.example.cn";
	c->c_version = 2;
	c->c_payload = psb->data;
	c->c_payload_len = psb->size;
}

/* Packed and loaded back: every part, the payload's bytes unchanged. */
static void
test_round_trip(void **state)
{
	msgpack_sbuffer	 fsb, psb, sb;
	msgpack_packer	 pk;
	msgpack_unpacked up;
	struct change	 c;
	struct record	 r;
	uint8_t		 hash[STORE_HASH_LEN], again[STORE_HASH_LEN];
	MDB_val		 v;

	(void)state;
	known_change(&c, &fsb, &psb);
	fill_hash(hash, 9);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(record_pack(&pk, &c, hash), 0);
	v.mv_data = sb.data;
	v.mv_size = sb.size;
	assert_int_equal(record_load(&v, 41, &up, &r), 0);
	assert_int_equal(r.r_op, CH_PUT);
	assert_int_equal(r.r_removed, 0);
	assert_int_equal(r.r_seq, 41);
	assert_true(r.r_at == 1772323200);
	assert_int_equal(r.r_by_len, 14);
	assert_memory_equal(r.r_by, "tourism-bureau", 14);
	assert_memory_equal(r.r_list, "tourism", r.r_list_len);
	assert_int_equal(r.r_subject_len, strlen(c.c_subject));
	assert_int_equal(r.r_version, 2);
	assert_int_equal(r.r_case, 0);
	assert_memory_equal(r.r_hash, hash, STORE_HASH_LEN);
	assert_int_equal(r.r_payload_len, psb.size);
	assert_memory_equal(r.r_payload, psb.data, psb.size);
	assert_non_null(r.r_fields);
	assert_int_equal(r.r_fields->via.map.size, 2);
	assert_true(qc_obj_streq(&r.r_fields->via.map.ptr[0].val, "张三"));
	assert_int_equal(r.r_fields->via.map.ptr[1].val.via.u64, 95);
	assert_null(r.r_reason);
	/* the hash recomputed from what was read back is the one written */
	fill_hash(hash, 1);
	assert_int_equal(record_hash(hash, &c, again), 0);
	assert_int_equal(record_rehash(hash, &r, hash), 0);
	assert_memory_equal(hash, again, STORE_HASH_LEN);
	msgpack_unpacked_destroy(&up);

	/* a removal with a case and its reason */
	msgpack_sbuffer_clear(&psb);
	assert_int_equal(record_payload(&psb, fsb.data, fsb.size, "整改完成",
	    strlen("整改完成")), 0);
	c.c_op = CH_REMOVE;
	c.c_version = 3;
	c.c_case = 7;
	c.c_payload = psb.data;
	c.c_payload_len = psb.size;
	msgpack_sbuffer_clear(&sb);
	assert_int_equal(record_pack(&pk, &c, hash), 0);
	v.mv_data = sb.data;
	v.mv_size = sb.size;
	assert_int_equal(record_load(&v, 300, &up, &r), 0);
	assert_int_equal(r.r_op, CH_REMOVE);
	assert_int_equal(r.r_removed, 1);
	assert_int_equal(r.r_case, 7);
	assert_int_equal(r.r_reason_len, strlen("整改完成"));
	assert_memory_equal(r.r_reason, "整改完成", r.r_reason_len);
	assert_int_equal(r.r_fields->via.map.size, 2);
	assert_string_equal(record_op_name(r.r_op), "remove");
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	msgpack_sbuffer_destroy(&psb);
	msgpack_sbuffer_destroy(&fsb);
}

/*
 * The chain hash of PROTOCOL.md 4.4 against values computed with Python's
 * msgpack and hashlib (an independent implementation):
 *   prev = bytes 1..32, body = ["qcreg-change-v2", 41, 1772323200,
 *   "tourism-bureau", "put", "tourism", "site:cheap-tours.example.cn", 2,
 *   nil, sha256(payload)], payload = {"fields": {"name": "张三",
 *   "score": 95}}; and the removal of v2 as seq 300, case 7.
 */
static void
test_hash_known_answer(void **state)
{
	static const uint8_t	 want_put[STORE_HASH_LEN] = {
		0xdc, 0xa8, 0x67, 0x13, 0x0c, 0xb0, 0x49, 0x12,
		0x14, 0x9d, 0x28, 0x10, 0xb1, 0x1b, 0xdd, 0x53,
		0xee, 0x38, 0x4a, 0x44, 0xbe, 0x1a, 0x64, 0xac,
		0xcf, 0xe6, 0x53, 0x8c, 0xa4, 0xca, 0x40, 0x11,
	};
	static const uint8_t	 want_remove[STORE_HASH_LEN] = {
		0xce, 0x59, 0x67, 0x7e, 0x37, 0xe7, 0x05, 0x5f,
		0x15, 0x3d, 0x71, 0xb5, 0x1d, 0xa9, 0x96, 0x92,
		0xb3, 0x7f, 0x0b, 0x39, 0x74, 0xb8, 0x06, 0x27,
		0x81, 0x1d, 0x0f, 0xb5, 0x25, 0xc8, 0x24, 0xfc,
	};
	msgpack_sbuffer	 fsb, psb;
	struct change	 c;
	uint8_t		 prev[STORE_HASH_LEN], out[STORE_HASH_LEN];

	(void)state;
	known_change(&c, &fsb, &psb);
	fill_hash(prev, 1);
	assert_int_equal(record_hash(prev, &c, out), 0);
	assert_memory_equal(out, want_put, STORE_HASH_LEN);
	/* any part of the body changes it */
	c.c_at++;
	assert_int_equal(record_hash(prev, &c, out), 0);
	assert_memory_not_equal(out, want_put, STORE_HASH_LEN);
	c.c_at--;
	prev[31] ^= 1;
	assert_int_equal(record_hash(prev, &c, out), 0);
	assert_memory_not_equal(out, want_put, STORE_HASH_LEN);
	prev[31] ^= 1;

	msgpack_sbuffer_clear(&psb);
	assert_int_equal(record_payload(&psb, fsb.data, fsb.size, "整改完成",
	    strlen("整改完成")), 0);
	c.c_seq = 300;
	c.c_at = 1772409600;
	c.c_op = CH_REMOVE;
	c.c_version = 3;
	c.c_case = 7;
	c.c_payload = psb.data;
	c.c_payload_len = psb.size;
	assert_int_equal(record_hash(prev, &c, out), 0);
	assert_memory_equal(out, want_remove, STORE_HASH_LEN);
	msgpack_sbuffer_destroy(&psb);
	msgpack_sbuffer_destroy(&fsb);
}

/* Every shape of stored value that is not a record is refused. */
static void
test_load_refuses(void **state)
{
	struct el	 e[P_COUNT + 1];
	const struct kv	 remove_payload[] = {
		{ "fields", { 'm', NULL, 0 } },
		{ "reason", { 's', "整改完成", 0 } },
	};
	const struct kv	 bad_fields[] = { { "fields", { 'a', NULL, 0 } } };
	const struct kv	 bad_reason[] = {
		{ "fields", { 'm', NULL, 0 } },
		{ "reason", { 'u', NULL, 5 } },
	};
	const struct kv	 no_fields[] = { { "reason", { 's', "x", 0 } } };
	int		 i;

	(void)state;
	assert_int_equal(load_els(good_put, P_COUNT, put_payload, 1), 0);
	/* without a payload, or with two meta elements too few or many */
	assert_int_equal(load_els(good_put, P_COUNT, NULL, 0), -1);
	assert_int_equal(load_els(good_put, P_COUNT - 1, put_payload, 1), -1);
	memcpy(e, good_put, sizeof(good_put));
	e[P_COUNT] = (struct el){ 'z', NULL, 0 };
	assert_int_equal(load_els(e, P_COUNT + 1, put_payload, 1), -1);
	/* each meta element of a wrong type */
	for (i = 0; i < P_COUNT; i++) {
		memcpy(e, good_put, sizeof(good_put));
		e[i] = (struct el){ i == P_AT || i == P_VERSION ||
		    i == P_CASE ? 's' : 'u', "x", 1 };
		if (load_els(e, P_COUNT, put_payload, 1) != -1)
			fail_msg("element %d of a wrong type accepted", i);
	}
	memcpy(e, good_put, sizeof(good_put));
	e[P_OP].s = "delete";
	assert_int_equal(load_els(e, P_COUNT, put_payload, 1), -1);
	e[P_OP].s = "case_open";	/* another op: no version needed */
	e[P_VERSION] = (struct el){ 'z', NULL, 0 };
	e[P_CASE] = (struct el){ 'u', NULL, 4 };
	assert_int_equal(load_els(e, P_COUNT, put_payload, 1), 0);
	/* version and case are nil or from 1 */
	memcpy(e, good_put, sizeof(good_put));
	e[P_VERSION].u = 0;
	assert_int_equal(load_els(e, P_COUNT, put_payload, 1), -1);
	memcpy(e, good_put, sizeof(good_put));
	e[P_CASE] = (struct el){ 'u', NULL, 0 };
	assert_int_equal(load_els(e, P_COUNT, put_payload, 1), -1);
	/* a put has a version; a hash is 32 bytes */
	memcpy(e, good_put, sizeof(good_put));
	e[P_VERSION] = (struct el){ 'z', NULL, 0 };
	assert_int_equal(load_els(e, P_COUNT, put_payload, 1), -1);
	memcpy(e, good_put, sizeof(good_put));
	e[P_HASH].u = 31;
	assert_int_equal(load_els(e, P_COUNT, put_payload, 1), -1);
	/* payloads: a put has fields and no reason, a removal both */
	assert_int_equal(load_els(good_put, P_COUNT, remove_payload, 2), -1);
	assert_int_equal(load_els(good_put, P_COUNT, bad_fields, 1), -1);
	assert_int_equal(load_els(good_put, P_COUNT, no_fields, 1), -1);
	memcpy(e, good_put, sizeof(good_put));
	e[P_OP].s = "remove";
	assert_int_equal(load_els(e, P_COUNT, remove_payload, 2), 0);
	assert_int_equal(load_els(e, P_COUNT, put_payload, 1), -1);
	assert_int_equal(load_els(e, P_COUNT, bad_reason, 2), -1);
}

/*
 * record_load: the stored bytes of a change record, with its seq (the
 * key); anything but exactly one well-formed record is corrupt.
 */
static void
test_load(void **state)
{
	msgpack_sbuffer	 fsb, psb, sb, bad;
	msgpack_packer	 pk;
	msgpack_unpacked up;
	struct change	 c;
	struct record	 r;
	uint8_t		 hash[STORE_HASH_LEN];
	MDB_val		 v;
	size_t		 cut;

	(void)state;
	known_change(&c, &fsb, &psb);
	msgpack_sbuffer_clear(&psb);
	assert_int_equal(record_payload(&psb, fsb.data, fsb.size, "r", 1), 0);
	c.c_by = "quality-bureau";
	c.c_op = CH_REMOVE;
	c.c_list = "credit";
	c.c_subject = "uscc:91350100M000100Y43";
	c.c_version = 4;
	c.c_payload = psb.data;
	c.c_payload_len = psb.size;
	fill_hash(hash, 1);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(record_pack(&pk, &c, hash), 0);
	v.mv_data = sb.data;
	v.mv_size = sb.size;
	assert_int_equal(record_load(&v, 0x0102030405060708ull, &up, &r), 0);
	assert_true(r.r_seq == 0x0102030405060708ull);
	assert_int_equal(r.r_version, 4);
	assert_int_equal(r.r_removed, 1);
	assert_memory_equal(r.r_reason, "r", 1);
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
	/* the meta array alone */
	msgpack_sbuffer_clear(&bad);
	assert_int_equal(msgpack_sbuffer_write(&bad, sb.data,
	    sb.size - psb.size), 0);
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
	msgpack_sbuffer_destroy(&psb);
	msgpack_sbuffer_destroy(&fsb);
}

/* record_fetch: by seq from `changes`; missing or corrupt is reported. */
static void
test_fetch(void **state)
{
	const char	*t = getenv("TMPDIR");
	char		 dir[256], p[512];
	struct store	 st;
	msgpack_sbuffer	 fsb, psb, sb;
	msgpack_packer	 pk;
	msgpack_unpacked up;
	struct change	 c;
	struct record	 r;
	uint8_t		 hash[STORE_HASH_LEN], key[8];
	MDB_txn		*txn;
	MDB_val		 k, v;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/qcreg-test-record.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(store_open(&st, dir, 4 * 1024 * 1024, 8), 0);

	known_change(&c, &fsb, &psb);
	c.c_subject = "uscc:91350100M000100Y43";
	c.c_version = 1;
	fill_hash(hash, 7);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(record_pack(&pk, &c, hash), 0);
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
	msgpack_sbuffer_destroy(&psb);
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
		cmocka_unit_test(test_hash_known_answer),
		cmocka_unit_test(test_load_refuses),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_fetch),
		cmocka_unit_test(test_dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
