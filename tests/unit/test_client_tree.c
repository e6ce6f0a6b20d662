/*
 * libqcreg: the RFC 9162 tree on the reader's side (qcreg_tree.c) and
 * signed checkpoints (qcreg_checkpoint.c), against vectors computed in
 * Python with hashlib and cryptography from the RFC's definitions (MTH,
 * PATH, PROOF of RFC 9162 2.1): record hashes r_i = SHA-256("record i"),
 * i = 1 .. 13, their leaf hashes, the roots of the first n, inclusion and
 * consistency proofs, and an Ed25519 signature by the key whose seed is
 * the bytes 0 .. 31.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "qcreg.h"
#include "testlib.h"

#define NLEAVES	13

/* An inclusion (index, size) or consistency (first, second) proof. */
struct proof_vec {
	uint64_t	 a;
	uint64_t	 b;
	size_t		 n;
	const char	*hex;		/* n hashes, concatenated */
};

/* The root of the first n leaves, n = 0 .. 13 (0: SHA-256 of nothing). */
static const char *const roots[] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"2a9ae6cea3c5305a8edaa8730929cc283d0198e811b245cacbc927228f1905e6",
	"5d0fee3f53628d2939d01d96828ee15ed72311693bc8d3a80b5d7aeb252e1f9a",
	"9a7b18169294ea23226dbcf18ea80c4714dc6d1f594ceeef3c1381c124807a7e",
	"5d17f34e3e64ca0b68dc74587014ab9613178c4e1723d3c8a6cfb1698a087ae5",
	"bf547e06106def8d076aa9a020d688ee2f2adc0d1e792f4b4584347fdc468564",
	"6723555b82c93733807b4c11d48effe6fcb30731827093b3420756dff055adc2",
	"28d09b8f111283d4ff4d2ebb5d383ad2ddfd8fc8d479be5802fef73fe47ab910",
	"57c6dfd79f9975438c4b208c987aa7f4113a90b9cebc7e6ae15e57384c9ea5de",
	"2d2fadff64d62cec698d0cd69932668b61cc3854825f3e0509315860af3c8a01",
	"24b5f7ad99b769de8420218f8a61ef9264f935ee12c6ef84c43c09dbf263c716",
	"d99215de65d69e97fa3c6ca3c4d431ad636fa0e2cd11a332b10bf0dfe5d9629f",
	"39ce33fa28c11cef94b846fba2dba8ca9c581c923cf4d65c8580abc74d4ef9ff",
	"b8c0af76bf8330d1e4fbf712c2b2ce25d0c35c4680aea8bf7a5ebeb010ae5634",
};

/* RFC 9162 PATH(index, leaves[0 .. size - 1]). */
static const struct proof_vec inclusions[] = {
	{ 0, 1, 0, "" },
	{ 0, 2, 1,
	    "237ecc9cefae91e77353be0f08d8e792fbf81100edce9de63924dab2f3e12dc8"
	},
	{ 1, 2, 1,
	    "2a9ae6cea3c5305a8edaa8730929cc283d0198e811b245cacbc927228f1905e6"
	},
	{ 4, 13, 4,
	    "666ef81f177b9b2aa0fcf9a2e38b626c608b7dd426fc3814b6514aefd031e623"
	    "dfdd8919b82b2e837dc320658e81b8c36ce64d60f5dbb3f40077f3d102a9fb1d"
	    "5d17f34e3e64ca0b68dc74587014ab9613178c4e1723d3c8a6cfb1698a087ae5"
	    "1b0fd4ea755731f4ed13a7e48c3eca9df0e730a8c0b383a6eaebfeacdc7abc1a"
	},
	{ 12, 13, 2,
	    "e0a16ca12afef4584a0628d1d83f319b5254d34f2ae355436941bc9e102e2a6a"
	    "57c6dfd79f9975438c4b208c987aa7f4113a90b9cebc7e6ae15e57384c9ea5de"
	},
	{ 7, 8, 3,
	    "d41271a0c4feae0c784601003918a42a9fcd2707dad0d63c3f89da1256292528"
	    "34393eeb6d4542a671edb7afad8d4b9c377e7401599850b71896480c99299485"
	    "5d17f34e3e64ca0b68dc74587014ab9613178c4e1723d3c8a6cfb1698a087ae5"
	},
	{ 5, 7, 3,
	    "1f5647b231fe99230b50ada6aa3f9ca7bffade7bf9d042e934550ffe2d2c6a94"
	    "d41271a0c4feae0c784601003918a42a9fcd2707dad0d63c3f89da1256292528"
	    "5d17f34e3e64ca0b68dc74587014ab9613178c4e1723d3c8a6cfb1698a087ae5"
	},
	{ 10, 13, 4,
	    "6519a48f2a37530ad85005e0222826e0d4ce8bc206ffac802e4b10ca6a6855ec"
	    "453ffe8d97b492536890c29a433e7760449f58135346bf650150a0f31d3849c1"
	    "0de58c64cd0a8d1ac1892c99c35906dafeefa38aa06c59dc3b22a99a6ad1c6f6"
	    "57c6dfd79f9975438c4b208c987aa7f4113a90b9cebc7e6ae15e57384c9ea5de"
	},
};

/* RFC 9162 PROOF(first, leaves[0 .. second - 1]). */
static const struct proof_vec consistencies[] = {
	{ 1, 13, 4,
	    "237ecc9cefae91e77353be0f08d8e792fbf81100edce9de63924dab2f3e12dc8"
	    "9aa4d3c161a01ba16b20e0ea0143daf90f91c692a9fc6e5a9afbea1e5bf6f75d"
	    "e5298cb56b0ad066924b9f4fbffa20fdf3ff8c8caac96b4a8dbab4126c47e548"
	    "1b0fd4ea755731f4ed13a7e48c3eca9df0e730a8c0b383a6eaebfeacdc7abc1a"
	},
	{ 4, 13, 2,
	    "e5298cb56b0ad066924b9f4fbffa20fdf3ff8c8caac96b4a8dbab4126c47e548"
	    "1b0fd4ea755731f4ed13a7e48c3eca9df0e730a8c0b383a6eaebfeacdc7abc1a"
	},
	{ 5, 13, 5,
	    "1f5647b231fe99230b50ada6aa3f9ca7bffade7bf9d042e934550ffe2d2c6a94"
	    "666ef81f177b9b2aa0fcf9a2e38b626c608b7dd426fc3814b6514aefd031e623"
	    "dfdd8919b82b2e837dc320658e81b8c36ce64d60f5dbb3f40077f3d102a9fb1d"
	    "5d17f34e3e64ca0b68dc74587014ab9613178c4e1723d3c8a6cfb1698a087ae5"
	    "1b0fd4ea755731f4ed13a7e48c3eca9df0e730a8c0b383a6eaebfeacdc7abc1a"
	},
	{ 7, 8, 4,
	    "d41271a0c4feae0c784601003918a42a9fcd2707dad0d63c3f89da1256292528"
	    "22e10a608cab6dd09e14dfc048dd478b5539a612b864fbcfcc48aff4ca15eb2c"
	    "34393eeb6d4542a671edb7afad8d4b9c377e7401599850b71896480c99299485"
	    "5d17f34e3e64ca0b68dc74587014ab9613178c4e1723d3c8a6cfb1698a087ae5"
	},
	{ 8, 13, 1,
	    "1b0fd4ea755731f4ed13a7e48c3eca9df0e730a8c0b383a6eaebfeacdc7abc1a"
	},
	{ 3, 7, 4,
	    "0f0a597d04f06576c7aabaab1cbbfa410740f7fa06e2832aa149a1acbdab3752"
	    "2211c86b881d26750063ae137845245dd3301c19ee3d52ca447b80dc71121132"
	    "5d0fee3f53628d2939d01d96828ee15ed72311693bc8d3a80b5d7aeb252e1f9a"
	    "96d17b54b5e31ba96092f3637ad076c6baedd76d8c37f43bba7dac649e09d4ca"
	},
	{ 6, 13, 4,
	    "34393eeb6d4542a671edb7afad8d4b9c377e7401599850b71896480c99299485"
	    "dfdd8919b82b2e837dc320658e81b8c36ce64d60f5dbb3f40077f3d102a9fb1d"
	    "5d17f34e3e64ca0b68dc74587014ab9613178c4e1723d3c8a6cfb1698a087ae5"
	    "1b0fd4ea755731f4ed13a7e48c3eca9df0e730a8c0b383a6eaebfeacdc7abc1a"
	},
	{ 12, 13, 3,
	    "e0a16ca12afef4584a0628d1d83f319b5254d34f2ae355436941bc9e102e2a6a"
	    "0de58c64cd0a8d1ac1892c99c35906dafeefa38aa06c59dc3b22a99a6ad1c6f6"
	    "57c6dfd79f9975438c4b208c987aa7f4113a90b9cebc7e6ae15e57384c9ea5de"
	},
};

/* The checkpoint the test key signed. */
#define CP_ORIGIN	"qcreg test registry"
#define CP_TIME		1796102400
#define CP_KEY_ID	"test-1"
#define CP_PUB	"03a107bff3ce10be1d70dd18e74bc099" \
		"67e4d6309ba50d5f1ddc8664125531b8"
#define CP_SIG	"da682bcc505430d3abdd0d62c84a78e7eea0141a095398f8f8674ffd" \
		"2050b2ead8a74dce52ad596bbb05a1e5814a65e82872073c277c3c98" \
		"4acca0783367c70a"

static uint8_t	 leaves[NLEAVES][QCREG_HASH_LEN];

static void	 unhex(const char *, uint8_t *, size_t);
static void	 proof_of(const struct proof_vec *,
		    uint8_t (*)[QCREG_HASH_LEN]);
static int	 setup_leaves(void **);
static void	 signed_checkpoint(struct qcreg_checkpoint *);

static void
unhex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(s) >= 2 * n, 1);
	assert_int_equal(qc_unhex(s, n, out), 0);
}

static void
proof_of(const struct proof_vec *p, uint8_t (*out)[QCREG_HASH_LEN])
{
	size_t	 i;

	assert_int_equal(strlen(p->hex), 2 * QCREG_HASH_LEN * p->n);
	for (i = 0; i < p->n; i++)
		unhex(p->hex + 2 * QCREG_HASH_LEN * i, out[i], QCREG_HASH_LEN);
}

/* leaves[i] = leaf hash of SHA-256("record i+1"). */
static int
setup_leaves(void **state)
{
	uint8_t		 r[QCREG_HASH_LEN];
	char		 text[32];
	unsigned	 n;
	int		 i, len;

	(void)state;
	for (i = 0; i < NLEAVES; i++) {
		len = snprintf(text, sizeof(text), "record %d", i + 1);
		if (EVP_Digest(text, (size_t)len, r, &n, EVP_sha256(),
		    NULL) != 1 || qcreg_leaf_hash(r, leaves[i]) != 0)
			return -1;
	}
	return 0;
}

static void
signed_checkpoint(struct qcreg_checkpoint *cp)
{
	memset(cp, 0, sizeof(*cp));
	strcpy(cp->origin, CP_ORIGIN);
	cp->size = NLEAVES;
	unhex(roots[NLEAVES], cp->root, QCREG_HASH_LEN);
	cp->time = CP_TIME;
	cp->is_signed = 1;
	strcpy(cp->key_id, CP_KEY_ID);
	unhex(CP_SIG, cp->signature, QC_SIG_LEN);
}

static void
leaf_and_node_hashes(void **state)
{
	uint8_t	 r[QCREG_HASH_LEN], h[QCREG_HASH_LEN];

	(void)state;
	unhex("3dba37bb0871edefb95b6655128dbe19"
	    "22522f17be0cd1089ef7dd45c9badcd1", r, sizeof(r));
	assert_int_equal(qcreg_leaf_hash(r, h), 0);
	tl_want_hash(h, roots[1]);
	assert_memory_equal(h, leaves[0], sizeof(h));
	assert_int_equal(qcreg_node_hash(leaves[0], leaves[1], h), 0);
	tl_want_hash(h, roots[2]);
	/* out may be an input */
	memcpy(h, leaves[1], sizeof(h));
	assert_int_equal(qcreg_node_hash(leaves[0], h, h), 0);
	tl_want_hash(h, roots[2]);
}

/* Every prefix, at once and one leaf at a time; the empty tree too. */
static void
roots_of_every_size(void **state)
{
	struct qcreg_tree	 t;
	uint8_t			 h[QCREG_HASH_LEN];
	size_t			 n;

	(void)state;
	qcreg_tree_init(&t);
	assert_int_equal(qcreg_tree_root(&t, h), 0);
	tl_want_hash(h, roots[0]);
	for (n = 0; n <= NLEAVES; n++) {
		assert_int_equal(qcreg_tree_hash(
		    (const uint8_t (*)[QCREG_HASH_LEN])leaves, n, h), 0);
		tl_want_hash(h, roots[n]);
		if (n == 0)
			continue;
		assert_int_equal(qcreg_tree_add(&t, leaves[n - 1]), 0);
		assert_int_equal(t.size, n);
		assert_int_equal(qcreg_tree_root(&t, h), 0);
		tl_want_hash(h, roots[n]);
	}
}

static void
inclusion_proofs(void **state)
{
	uint8_t			 path[QCREG_PROOF_MAX][QCREG_HASH_LEN];
	uint8_t			 root[QCREG_HASH_LEN];
	const struct proof_vec	*p;
	const uint8_t		(*cp)[QCREG_HASH_LEN] =
				    (const uint8_t (*)[QCREG_HASH_LEN])path;
	size_t			 i, k;

	(void)state;
	for (i = 0; i < sizeof(inclusions) / sizeof(inclusions[0]); i++) {
		p = &inclusions[i];
		proof_of(p, path);
		unhex(roots[p->b], root, sizeof(root));
		assert_int_equal(qcreg_verify_inclusion(p->a, p->b,
		    leaves[p->a], cp, p->n, root), 1);
		/*
		 * Another leaf, index or root. (A size proves nothing by
		 * itself: a path may fit several sizes, the root binds.)
		 */
		assert_int_equal(qcreg_verify_inclusion(p->a, p->b,
		    leaves[(p->a + 1) % NLEAVES], cp, p->n, root), 0);
		if (p->b > 1)
			assert_int_equal(qcreg_verify_inclusion(p->a ^ 1, p->b,
			    leaves[p->a], cp, p->n, root), 0);
		assert_int_equal(qcreg_verify_inclusion(p->b, p->b,
		    leaves[p->a], cp, p->n, root), 0);
		root[0] ^= 1;
		assert_int_equal(qcreg_verify_inclusion(p->a, p->b,
		    leaves[p->a], cp, p->n, root), 0);
		root[0] ^= 1;
		/* a path one hash short or long, or with one bit changed */
		if (p->n > 0)
			assert_int_equal(qcreg_verify_inclusion(p->a, p->b,
			    leaves[p->a], cp, p->n - 1, root), 0);
		memcpy(path[p->n], root, sizeof(root));
		assert_int_equal(qcreg_verify_inclusion(p->a, p->b,
		    leaves[p->a], cp, p->n + 1, root), 0);
		for (k = 0; k < p->n; k++) {
			path[k][31] ^= 0x80;
			assert_int_equal(qcreg_verify_inclusion(p->a, p->b,
			    leaves[p->a], cp, p->n, root), 0);
			path[k][31] ^= 0x80;
		}
	}
}

static void
consistency_proofs(void **state)
{
	uint8_t			 proof[QCREG_PROOF_MAX][QCREG_HASH_LEN];
	uint8_t			 r1[QCREG_HASH_LEN], r2[QCREG_HASH_LEN];
	const struct proof_vec	*p;
	const uint8_t		(*cp)[QCREG_HASH_LEN] =
				    (const uint8_t (*)[QCREG_HASH_LEN])proof;
	size_t			 i, k;

	(void)state;
	for (i = 0; i < sizeof(consistencies) / sizeof(consistencies[0]);
	    i++) {
		p = &consistencies[i];
		proof_of(p, proof);
		unhex(roots[p->a], r1, sizeof(r1));
		unhex(roots[p->b], r2, sizeof(r2));
		assert_int_equal(qcreg_verify_consistency(p->a, p->b, r1, r2,
		    cp, p->n), 1);
		/* swapped roots, a short proof, a bit changed */
		assert_int_equal(qcreg_verify_consistency(p->a, p->b, r2, r1,
		    cp, p->n), 0);
		assert_int_equal(qcreg_verify_consistency(p->a, p->b, r1, r2,
		    cp, p->n - 1), 0);
		for (k = 0; k < p->n; k++) {
			proof[k][0] ^= 1;
			assert_int_equal(qcreg_verify_consistency(p->a, p->b,
			    r1, r2, cp, p->n), 0);
			proof[k][0] ^= 1;
		}
	}
	/* equal sizes: no proof, equal roots */
	unhex(roots[5], r1, sizeof(r1));
	unhex(roots[6], r2, sizeof(r2));
	assert_int_equal(qcreg_verify_consistency(5, 5, r1, r1, cp, 0), 1);
	assert_int_equal(qcreg_verify_consistency(5, 5, r1, r2, cp, 0), 0);
	assert_int_equal(qcreg_verify_consistency(5, 5, r1, r1, cp, 1), 0);
	/* no empty first tree, no shrinking, no empty proof */
	assert_int_equal(qcreg_verify_consistency(0, 5, r1, r1, cp, 0), 0);
	assert_int_equal(qcreg_verify_consistency(6, 5, r2, r1, cp, 1), 0);
	assert_int_equal(qcreg_verify_consistency(5, 6, r1, r2, cp, 0), 0);
}

static void
checkpoint_signature(void **state)
{
	struct qcreg_checkpoint	 cp, bad;
	uint8_t			 pub[QC_PUB_LEN], other[QC_PUB_LEN];

	(void)state;
	unhex(CP_PUB, pub, sizeof(pub));
	signed_checkpoint(&cp);
	assert_int_equal(qcreg_checkpoint_verify(&cp, pub), 1);
	/* every field is signed */
	bad = cp;
	bad.size++;
	assert_int_equal(qcreg_checkpoint_verify(&bad, pub), 0);
	bad = cp;
	bad.time--;
	assert_int_equal(qcreg_checkpoint_verify(&bad, pub), 0);
	bad = cp;
	bad.root[31] ^= 1;
	assert_int_equal(qcreg_checkpoint_verify(&bad, pub), 0);
	bad = cp;
	strcpy(bad.origin, "qcreg test registrY");
	assert_int_equal(qcreg_checkpoint_verify(&bad, pub), 0);
	bad = cp;
	strcpy(bad.key_id, "test-2");
	assert_int_equal(qcreg_checkpoint_verify(&bad, pub), 0);
	bad = cp;
	bad.signature[0] ^= 1;
	assert_int_equal(qcreg_checkpoint_verify(&bad, pub), 0);
	/* a newline would forge another text: refused */
	bad = cp;
	strcpy(bad.origin, "qcreg test\nregistry");
	assert_int_equal(qcreg_checkpoint_verify(&bad, pub), 0);
	/* unsigned, or another key */
	bad = cp;
	bad.is_signed = 0;
	assert_int_equal(qcreg_checkpoint_verify(&bad, pub), 0);
	memcpy(other, pub, sizeof(other));
	other[0] ^= 1;
	assert_int_equal(qcreg_checkpoint_verify(&cp, other), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(leaf_and_node_hashes),
		cmocka_unit_test(roots_of_every_size),
		cmocka_unit_test(inclusion_proofs),
		cmocka_unit_test(consistency_proofs),
		cmocka_unit_test(checkpoint_signature),
	};

	return cmocka_run_group_tests(tests, setup_leaves, NULL);
}
