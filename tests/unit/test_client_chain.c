/*
 * libqcreg: the hash chain of change records recomputed from what
 * `changes` returns (qcreg_change_verify), against hashes computed in
 * Python with msgpack and hashlib from PROTOCOL.md 4.4: records whole,
 * without payload and sealed (4.7), integers and strings of every
 * msgpack width, and every kind of tampering.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "msg.h"
#include "qcreg.h"
#include "testlib.h"

#define ZERO	"00000000000000000000000000000000" \
		"00000000000000000000000000000000"
#define SITE	"site:cheap-tours.example.cn"

/* A change record as `changes` sends it; NULL strings are left out. */
struct rec {
	uint64_t	 seq;
	uint64_t	 at;
	const char	*principal;
	const char	*op;
	const char	*list;
	const char	*subject;
	uint64_t	 version;	/* 0: none */
	uint64_t	 case_id;	/* 0: none */
	const char	*payload_hash;
	const char	*payload;	/* hex of the bytes; NULL: withheld */
	const char	*prev;
	const char	*hash;
};

/* A put, a notice case opened, a removal: 1 .. 3 chained from zero. */
static const struct rec put1 = { 1, 1772323200, "tourism-bureau", "put",
    "tourism", SITE, 1, 0,
    "aff7e50a1a426b8271ab6ea3451d73ce4c4e694bd5f17a7f8d55b48dd66d3f5d",
    "81a66669656c647382a46e616d65afe69f90e69f90e69785e6b8b8e7bd91a86361"
    "7465676f7279af696c6c6567616c5f77656273697465",
    ZERO,
    "1a4a2cce9c9d0ae01884df616c9060c0e823e56bb868813c0474433226fd6452" };
static const struct rec open2 = { 2, 1772323201, "tourism-bureau",
    "case_open", "tourism", SITE, 0, 2,
    "bcd38841976f423efbef9c12ae13774c4bcb4c4f1002fc1eec38082c73b43858",
    "83a46b696e64a66e6f74696365ab72656365697665645f6f6eaa323032362d3033"
    "2d3032a474657874a9e68b9fe58897e585a5",
    "1a4a2cce9c9d0ae01884df616c9060c0e823e56bb868813c0474433226fd6452",
    "0e8efdf010e4b86f6b4c9bd796271dcd7e802215194e43766f9affbcd8356f6e" };
static const struct rec remove3 = { 3, 1772323202, "tourism-bureau",
    "remove", "tourism", SITE, 2, 0,
    "492b8769bfc0ab340897f2d20948376ecee5771dfe7f5fde8f11f945b37f55cd",
    "82a66669656c647382a46e616d65afe69f90e69f90e69785e6b8b8e7bd91a86361"
    "7465676f7279af696c6c6567616c5f77656273697465a6726561736f6ea6e692a4"
    "e99480",
    "0e8efdf010e4b86f6b4c9bd796271dcd7e802215194e43766f9affbcd8356f6e",
    "b8069d159ca34e6f6b2a4004d7f5697f48fe56671c9cd83b9f38b4c1329daa9f" };

static void	 pk_hex(msgpack_packer *, const char *);
static void	 pack_rec(msgpack_sbuffer *, const struct rec *, int);
static enum qcreg_chain verify(const struct rec *, int, const char *,
		    uint8_t *);

/* hex as the bytes it stands for, a bin. */
static void
pk_hex(msgpack_packer *pk, const char *hex)
{
	size_t	 n = strlen(hex) / 2;
	uint8_t	*b;

	assert_non_null(b = malloc(n + 1));
	assert_int_equal(qc_unhex(hex, n, b), 0);
	assert_int_equal(msgpack_pack_bin_with_body(pk, b, n), 0);
	free(b);
}

/* The record as a map in the server's key order; sealed: its sealed view. */
static void
pack_rec(msgpack_sbuffer *sb, const struct rec *r, int sealed)
{
	msgpack_packer	 pk;
	uint32_t	 n;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	if (sealed) {
		msgpack_pack_map(&pk, 4);
		tl_pack_str(&pk, "seq");
		msgpack_pack_uint64(&pk, r->seq);
		tl_pack_str(&pk, "at");
		msgpack_pack_uint64(&pk, r->at);
		tl_pack_str(&pk, "op");
		tl_pack_str(&pk, "sealed");
		tl_pack_str(&pk, "hash");
		tl_pack_str(&pk, r->hash);
		return;
	}
	n = 2 + (r->principal != NULL) + (r->op != NULL) + (r->list != NULL) +
	    (r->subject != NULL) + (r->version != 0) + (r->case_id != 0) +
	    (r->payload_hash != NULL) + (r->payload != NULL) +
	    (r->prev != NULL) + (r->hash != NULL);
	msgpack_pack_map(&pk, n);
	tl_pack_str(&pk, "seq");
	msgpack_pack_uint64(&pk, r->seq);
	tl_pack_str(&pk, "at");
	msgpack_pack_uint64(&pk, r->at);
#define KV_STR(k) if (r->k != NULL) { tl_pack_str(&pk, #k); tl_pack_str(&pk, r->k); }
	KV_STR(principal);
	KV_STR(op);
	KV_STR(list);
	KV_STR(subject);
	if (r->version != 0) {
		tl_pack_str(&pk, "version");
		msgpack_pack_uint64(&pk, r->version);
	}
	if (r->case_id != 0) {
		tl_pack_str(&pk, "case");
		msgpack_pack_uint64(&pk, r->case_id);
	}
	KV_STR(payload_hash);
	if (r->payload != NULL) {
		tl_pack_str(&pk, "payload");
		pk_hex(&pk, r->payload);
	}
	KV_STR(prev);
	KV_STR(hash);
#undef KV_STR
}

/* qcreg_change_verify of r (sealed or not) on prev; hash gets the result. */
static enum qcreg_chain
verify(const struct rec *r, int sealed, const char *prev, uint8_t *hash)
{
	msgpack_sbuffer		 sb;
	msgpack_unpacked	 up;
	uint8_t			 p[QCREG_HASH_LEN];
	size_t			 off = 0;
	enum qcreg_chain	 e;

	assert_int_equal(qc_unhex(prev, sizeof(p), p), 0);
	msgpack_sbuffer_init(&sb);
	pack_rec(&sb, r, sealed);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, &off),
	    MSGPACK_UNPACK_SUCCESS);
	e = qcreg_change_verify(&up.data, p, hash);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	return e;
}

static void
whole_records_chain(void **state)
{
	uint8_t	 h[QCREG_HASH_LEN];

	(void)state;
	assert_int_equal(verify(&put1, 0, ZERO, h), QCREG_CHAIN_OK);
	tl_want_hash(h, put1.hash);
	assert_int_equal(verify(&open2, 0, put1.hash, h), QCREG_CHAIN_OK);
	tl_want_hash(h, open2.hash);
	assert_int_equal(verify(&remove3, 0, open2.hash, h), QCREG_CHAIN_OK);
	tl_want_hash(h, remove3.hash);
}

/* A platform's view: a withdrawn entry's put, a sealed notice, more. */
static void
platform_view_chains(void **state)
{
	struct rec	 r = put1;
	uint8_t		 h[QCREG_HASH_LEN];
	char		 hex[2 * QCREG_HASH_LEN + 1];

	(void)state;
	r.payload = NULL;
	assert_int_equal(verify(&r, 0, ZERO, h), QCREG_CHAIN_OK);
	tl_want_hash(h, put1.hash);
	/* sealed: the hash as given, whatever prev was */
	assert_int_equal(verify(&open2, 1, put1.hash, h), QCREG_CHAIN_OK);
	tl_want_hash(h, open2.hash);
	assert_int_equal(verify(&open2, 1, ZERO, h), QCREG_CHAIN_OK);
	qc_hex(h, sizeof(h), hex);
	assert_int_equal(verify(&remove3, 0, hex, h), QCREG_CHAIN_OK);
	tl_want_hash(h, remove3.hash);
	/* a sealed record's hash changed breaks the next record's prev */
	r = open2;
	r.hash = ZERO;
	assert_int_equal(verify(&r, 1, put1.hash, h), QCREG_CHAIN_OK);
	qc_hex(h, sizeof(h), hex);
	assert_int_equal(verify(&remove3, 0, hex, h), QCREG_CHAIN_PREV);
}

/* uint16/32/64, str8/str16 and large version and case numbers. */
static void
every_width(void **state)
{
	char		 principal[41], subject[259];
	struct rec	 r = { 70000, 4294967296ULL, principal, "case_close",
	    "tourism", subject, 200, 65536,
	    "ad78ac944d489ff1f0966b2b073d55672c7e5335b2c3a0463145751fea3c0e53",
	    "83a66669656c647382a46e616d65afe69f90e69f90e69785e6b8b8e7bd91a863"
	    "617465676f7279af696c6c6567616c5f77656273697465a76f7574636f6d65a6"
	    "6c6973746564a6726561736f6ed9287878787878787878787878787878787878"
	    "7878787878787878787878787878787878787878787878",
	    "b8069d159ca34e6f6b2a4004d7f5697f48fe56671c9cd83b9f38b4c1329daa9f",
	    "f6d4e6f924f03c95e8bedbbb2f98496eeae10b5528b59c6e4a4099d6a17e153e"
	};
	uint8_t		 h[QCREG_HASH_LEN];

	(void)state;
	memset(principal, 'p', 40);
	principal[40] = '\0';
	memcpy(subject, "site:", 5);
	memset(subject + 5, 'a', 250);
	memcpy(subject + 255, ".cn", 4);
	assert_int_equal(verify(&r, 0, r.prev, h), QCREG_CHAIN_OK);
	tl_want_hash(h, r.hash);
}

static void
tampering_shows(void **state)
{
	struct rec	 r;
	uint8_t		 h[QCREG_HASH_LEN], keep[QCREG_HASH_LEN];
	char		 payload[256];

	(void)state;
	memset(keep, 0xab, sizeof(keep));
	/* one byte of the payload */
	r = remove3;
	strcpy(payload, r.payload);
	payload[strlen(payload) - 1] = '1';
	r.payload = payload;
	memcpy(h, keep, sizeof(h));
	assert_int_equal(verify(&r, 0, open2.hash, h), QCREG_CHAIN_PAYLOAD);
	assert_memory_equal(h, keep, sizeof(h));
	/* the payload hash with the payload withheld */
	r = remove3;
	r.payload = NULL;
	r.payload_hash = put1.payload_hash;
	assert_int_equal(verify(&r, 0, open2.hash, h), QCREG_CHAIN_HASH);
	/* metadata: at, principal, op, subject, version, case */
	r = remove3;
	r.at++;
	assert_int_equal(verify(&r, 0, open2.hash, h), QCREG_CHAIN_HASH);
	r = remove3;
	r.principal = "quality-bureau";
	assert_int_equal(verify(&r, 0, open2.hash, h), QCREG_CHAIN_HASH);
	r = remove3;
	r.op = "put";
	assert_int_equal(verify(&r, 0, open2.hash, h), QCREG_CHAIN_HASH);
	r = remove3;
	r.subject = "site:cheap-tours.example.com";
	assert_int_equal(verify(&r, 0, open2.hash, h), QCREG_CHAIN_HASH);
	r = remove3;
	r.version = 3;
	assert_int_equal(verify(&r, 0, open2.hash, h), QCREG_CHAIN_HASH);
	r = open2;
	r.case_id = 0;
	assert_int_equal(verify(&r, 0, put1.hash, h), QCREG_CHAIN_HASH);
	/* the hash itself, and the link */
	r = put1;
	r.hash = open2.hash;
	assert_int_equal(verify(&r, 0, ZERO, h), QCREG_CHAIN_HASH);
	assert_int_equal(verify(&open2, 0, ZERO, h), QCREG_CHAIN_PREV);
	assert_int_equal(verify(&put1, 0, open2.hash, h), QCREG_CHAIN_PREV);
}

static void
malformed_records(void **state)
{
	msgpack_object	 nil;
	struct rec	 r;
	uint8_t		 h[QCREG_HASH_LEN], prev[QCREG_HASH_LEN];

	(void)state;
	r = put1;
	r.principal = NULL;
	assert_int_equal(verify(&r, 0, ZERO, h), QCREG_CHAIN_MALFORMED);
	r = put1;
	r.prev = NULL;
	assert_int_equal(verify(&r, 0, ZERO, h), QCREG_CHAIN_MALFORMED);
	r = put1;
	r.payload_hash = "AFF7E50A1A426B8271AB6EA3451D73CE"
	    "4C4E694BD5F17A7F8D55B48DD66D3F5D";
	assert_int_equal(verify(&r, 0, ZERO, h), QCREG_CHAIN_MALFORMED);
	r = put1;
	r.hash = "1a4a2cce";
	assert_int_equal(verify(&r, 0, ZERO, h), QCREG_CHAIN_MALFORMED);
	r = open2;
	r.hash = "not hex";
	assert_int_equal(verify(&r, 1, ZERO, h), QCREG_CHAIN_MALFORMED);
	memset(prev, 0, sizeof(prev));
	nil.type = MSGPACK_OBJECT_NIL;
	assert_int_equal(qcreg_change_verify(&nil, prev, h),
	    QCREG_CHAIN_MALFORMED);
	assert_int_equal(qcreg_change_verify(NULL, prev, h),
	    QCREG_CHAIN_MALFORMED);
	assert_true(strlen(qcreg_chain_strerror(QCREG_CHAIN_HASH)) > 0);
	assert_string_equal(qcreg_chain_strerror(QCREG_CHAIN_HASH),
	    "hash does not match its content");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_records_chain),
		cmocka_unit_test(platform_view_chains),
		cmocka_unit_test(every_width),
		cmocka_unit_test(tampering_shows),
		cmocka_unit_test(malformed_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
