/*
 * libqcreg: the tree ops (PROTOCOL.md 4.9): what qcreg_queue_checkpoint,
 * qcreg_queue_proof and qcreg_queue_consistency put on the wire, and
 * decoding their answers (qcreg_reply_checkpoint, qcreg_reply_proof,
 * qcreg_reply_consistency), hostile shapes included; and the signing
 * keys of hello (qcreg_signing_key). No server: a connection is set up in
 * memory and its output queue read back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "frame.h"
#include "msg.h"
#include "qcreg_int.h"
#include "testlib.h"

#define H1	"1a4a2cce9c9d0ae01884df616c9060c0" \
		"e823e56bb868813c0474433226fd6452"
#define H2	"0e8efdf010e4b86f6b4c9bd796271dcd" \
		"7e802215194e43766f9affbcd8356f6e"
#define SIG	H1 H2
#define PUB	"03a107bff3ce10be1d70dd18e74bc099" \
		"67e4d6309ba50d5f1ddc8664125531b8"

static void	 pk_checkpoint(msgpack_packer *, int, const char *);
static void	 pk_hashes(msgpack_packer *, const char *, size_t,
		    const char *);

/* A checkpoint answer, signed or not, with key_id (NULL: left out). */
static void
pk_checkpoint(msgpack_packer *pk, int sig, const char *key_id)
{
	msgpack_pack_map(pk, 4 + sig + (key_id != NULL));
	tl_pack_str(pk, "origin");
	tl_pack_str(pk, "qcreg test registry");
	tl_pack_str(pk, "size");
	msgpack_pack_uint64(pk, 13);
	tl_pack_str(pk, "root");
	tl_pack_str(pk, H1);
	tl_pack_str(pk, "time");
	msgpack_pack_uint64(pk, 1796102400);
	if (key_id != NULL) {
		tl_pack_str(pk, "key_id");
		tl_pack_str(pk, key_id);
	}
	if (sig) {
		tl_pack_str(pk, "signature");
		tl_pack_str(pk, SIG);
	}
}

/* key, then an array of n copies of hash. */
static void
pk_hashes(msgpack_packer *pk, const char *key, size_t n, const char *hash)
{
	size_t	 i;

	tl_pack_str(pk, key);
	msgpack_pack_array(pk, (uint32_t)n);
	for (i = 0; i < n; i++)
		tl_pack_str(pk, hash);
}

static void
tree_requests(void **state)
{
	struct qcreg	*c = tl_conn();
	struct tl_sent	 s;

	(void)state;
	assert_int_equal(qcreg_queue_checkpoint(c), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 2);
	assert_true(qc_obj_streq(qc_map_get(s.req, "op"), "checkpoint"));
	tl_sent_free(&s);

	assert_int_equal(qcreg_queue_proof(c, 5, 13), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 4);
	assert_true(qc_obj_streq(qc_map_get(s.req, "op"), "proof"));
	tl_want_uint(s.req, "seq", 5);
	tl_want_uint(s.req, "size", 13);
	tl_sent_free(&s);

	/* size 0 and to 0: the head, sent as nothing */
	assert_int_equal(qcreg_queue_proof(c, 5, 0), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 3);
	assert_null(qc_map_get(s.req, "size"));
	tl_sent_free(&s);

	assert_int_equal(qcreg_queue_consistency(c, 3, 0), 0);
	tl_sent_take(c, &s);
	assert_int_equal(s.req->via.map.size, 3);
	assert_true(qc_obj_streq(qc_map_get(s.req, "op"), "consistency"));
	tl_want_uint(s.req, "from", 3);
	assert_null(qc_map_get(s.req, "to"));
	tl_sent_free(&s);

	assert_int_equal(qcreg_queue_consistency(c, 3, 8), 0);
	tl_sent_take(c, &s);
	tl_want_uint(s.req, "to", 8);
	tl_sent_free(&s);

	/* seq 0 and from 0: refused, nothing queued */
	assert_int_equal(qcreg_queue_proof(c, 0, 5), QCREG_E_USAGE);
	assert_int_equal(qcreg_queue_consistency(c, 0, 5), QCREG_E_USAGE);
	assert_int_equal(c->out.size, 0);
	assert_int_equal(qcreg_in_flight(c), 0);
	qcreg_close(c);
}

static void
checkpoint_answers(void **state)
{
	struct qcreg_checkpoint	 cp;
	struct qcreg_reply	*r;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	uint8_t			 h[QCREG_HASH_LEN];

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

	pk_checkpoint(&pk, 1, "test-1");
	r = tl_reply(&sb, QCREG_OP_CHECKPOINT, 0);
	assert_int_equal(qcreg_reply_checkpoint(r, &cp), 0);
	assert_string_equal(cp.origin, "qcreg test registry");
	assert_int_equal(cp.size, 13);
	assert_int_equal(cp.time, 1796102400);
	assert_int_equal(qc_unhex(H1, sizeof(h), h), 0);
	assert_memory_equal(cp.root, h, sizeof(h));
	assert_int_equal(cp.is_signed, 1);
	assert_string_equal(cp.key_id, "test-1");
	assert_int_equal(qc_unhex(H2, sizeof(h), h), 0);
	assert_memory_equal(cp.signature + QCREG_HASH_LEN, h, sizeof(h));
	/* another op's reply is a usage error */
	r->r_op = QCREG_OP_PROOF;
	assert_int_equal(qcreg_reply_checkpoint(r, &cp), QCREG_E_USAGE);
	qcreg_reply_free(r);

	/* a registry without a signing key */
	pk_checkpoint(&pk, 0, NULL);
	r = tl_reply(&sb, QCREG_OP_CHECKPOINT, 0);
	assert_int_equal(qcreg_reply_checkpoint(r, &cp), 0);
	assert_int_equal(cp.is_signed, 0);
	assert_string_equal(cp.key_id, "");
	qcreg_reply_free(r);

	/* half a signature, an empty key_id, a key_id too long */
	pk_checkpoint(&pk, 0, "test-1");
	r = tl_reply(&sb, QCREG_OP_CHECKPOINT, 0);
	assert_int_equal(qcreg_reply_checkpoint(r, &cp), QCREG_E_PROTO);
	qcreg_reply_free(r);
	pk_checkpoint(&pk, 1, "");
	r = tl_reply(&sb, QCREG_OP_CHECKPOINT, 0);
	assert_int_equal(qcreg_reply_checkpoint(r, &cp), QCREG_E_PROTO);
	qcreg_reply_free(r);
	pk_checkpoint(&pk, 1, "k0123456789012345678901234567890123456789"
	    "012345678901234567890123");
	r = tl_reply(&sb, QCREG_OP_CHECKPOINT, 0);
	assert_int_equal(qcreg_reply_checkpoint(r, &cp), QCREG_E_PROTO);
	qcreg_reply_free(r);

	/* a root that is not hex */
	msgpack_pack_map(&pk, 4);
	tl_pack_str(&pk, "origin");
	tl_pack_str(&pk, "o");
	tl_pack_str(&pk, "size");
	msgpack_pack_uint64(&pk, 1);
	tl_pack_str(&pk, "root");
	tl_pack_str(&pk, "zz");
	tl_pack_str(&pk, "time");
	msgpack_pack_uint64(&pk, 1);
	r = tl_reply(&sb, QCREG_OP_CHECKPOINT, 0);
	assert_int_equal(qcreg_reply_checkpoint(r, &cp), QCREG_E_PROTO);
	qcreg_reply_free(r);
	msgpack_sbuffer_destroy(&sb);
}

static void
proof_answers(void **state)
{
	struct qcreg_proof	 p;
	struct qcreg_consistency k;
	struct qcreg_reply	*r;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	uint8_t			 h[QCREG_HASH_LEN];

	(void)state;
	assert_int_equal(qc_unhex(H2, sizeof(h), h), 0);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

	msgpack_pack_map(&pk, 4);
	tl_pack_str(&pk, "seq");
	msgpack_pack_uint64(&pk, 5);
	tl_pack_str(&pk, "size");
	msgpack_pack_uint64(&pk, 13);
	tl_pack_str(&pk, "root");
	tl_pack_str(&pk, H1);
	pk_hashes(&pk, "path", 4, H2);
	r = tl_reply(&sb, QCREG_OP_PROOF, 0);
	assert_int_equal(qcreg_reply_proof(r, &p), 0);
	assert_int_equal(p.seq, 5);
	assert_int_equal(p.size, 13);
	assert_int_equal(p.n, 4);
	assert_memory_equal(p.path[3], h, sizeof(h));
	assert_int_equal(qcreg_reply_consistency(r, &k), QCREG_E_USAGE);
	qcreg_reply_free(r);

	/* more hashes than any tree needs */
	msgpack_pack_map(&pk, 4);
	tl_pack_str(&pk, "seq");
	msgpack_pack_uint64(&pk, 5);
	tl_pack_str(&pk, "size");
	msgpack_pack_uint64(&pk, 13);
	tl_pack_str(&pk, "root");
	tl_pack_str(&pk, H1);
	pk_hashes(&pk, "path", QCREG_PROOF_MAX + 1, H2);
	r = tl_reply(&sb, QCREG_OP_PROOF, 0);
	assert_int_equal(qcreg_reply_proof(r, &p), QCREG_E_PROTO);
	qcreg_reply_free(r);

	msgpack_pack_map(&pk, 4);
	tl_pack_str(&pk, "from");
	msgpack_pack_uint64(&pk, 3);
	tl_pack_str(&pk, "to");
	msgpack_pack_uint64(&pk, 13);
	tl_pack_str(&pk, "root");
	tl_pack_str(&pk, H1);
	pk_hashes(&pk, "proof", 0, H2);
	r = tl_reply(&sb, QCREG_OP_CONSISTENCY, 0);
	assert_int_equal(qcreg_reply_consistency(r, &k), 0);
	assert_int_equal(k.from, 3);
	assert_int_equal(k.to, 13);
	assert_int_equal(k.n, 0);
	qcreg_reply_free(r);

	/* a hash of the wrong length */
	msgpack_pack_map(&pk, 4);
	tl_pack_str(&pk, "from");
	msgpack_pack_uint64(&pk, 3);
	tl_pack_str(&pk, "to");
	msgpack_pack_uint64(&pk, 13);
	tl_pack_str(&pk, "root");
	tl_pack_str(&pk, H1);
	pk_hashes(&pk, "proof", 1, "0e8e");
	r = tl_reply(&sb, QCREG_OP_CONSISTENCY, 0);
	assert_int_equal(qcreg_reply_consistency(r, &k), QCREG_E_PROTO);
	qcreg_reply_free(r);
	msgpack_sbuffer_destroy(&sb);
}

/* hello's keys: found by key_id, the hex of a bad entry refused. */
static void
signing_keys(void **state)
{
	struct qcreg	*c = tl_conn();
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	uint8_t		 pub[QC_PUB_LEN], want[QC_PUB_LEN];

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(qcreg_signing_key(c, "dev-1", pub), 0);
	msgpack_pack_map(&pk, 1);
	tl_pack_str(&pk, "keys");
	msgpack_pack_array(&pk, 2);
	msgpack_pack_map(&pk, 2);
	tl_pack_str(&pk, "key_id");
	tl_pack_str(&pk, "dev-1");
	tl_pack_str(&pk, "public_key");
	tl_pack_str(&pk, PUB);
	msgpack_pack_map(&pk, 2);
	tl_pack_str(&pk, "key_id");
	tl_pack_str(&pk, "dev-2");
	tl_pack_str(&pk, "public_key");
	tl_pack_str(&pk, "03a1");
	c->hello = tl_reply(&sb, QCREG_OP_HELLO, 0);
	assert_int_equal(qcreg_signing_key(c, "dev-1", pub), 1);
	assert_int_equal(qc_unhex(PUB, sizeof(want), want), 0);
	assert_memory_equal(pub, want, sizeof(want));
	assert_int_equal(qcreg_signing_key(c, "dev-2", pub), 0);
	assert_int_equal(qcreg_signing_key(c, "dev-3", pub), 0);
	msgpack_sbuffer_destroy(&sb);
	qcreg_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tree_requests),
		cmocka_unit_test(checkpoint_answers),
		cmocka_unit_test(proof_answers),
		cmocka_unit_test(signing_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
