/*
 * The Merkle tree (merkle.c) against a direct implementation of RFC 9162
 * written here: roots of every size, inclusion and consistency proofs
 * verified as the RFC says, and the reads each one costs counted: a
 * proof may read O(log n) nodes, never more.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "merkle.h"
#include "record.h"

#define N	300	/* records */
#define H	STORE_HASH_LEN

static char	 dir[256];
static uint8_t	 leaves[N][H];

static int
setup(void **state)
{
	const char	*t = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/qcreg-test-merkle.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	 cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* RFC 9162 2.1.1, straight from the definition. */
static void
mth(size_t a, size_t b, uint8_t out[H])
{
	uint8_t	 l[H], r[H];
	size_t	 k = 1;

	if (b - a == 1) {
		memcpy(out, leaves[a], H);
		return;
	}
	while (k * 2 < b - a)
		k *= 2;
	mth(a, a + k, l);
	mth(a + k, b, r);
	merkle_node_hash(l, r, out);
}

/* RFC 9162 2.1.3.2. */
static int
verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[H],
    uint8_t (*path)[H], size_t n, const uint8_t root[H])
{
	uint64_t	 fn = index, sn = size - 1;
	uint8_t		 r[H];
	size_t		 i;

	memcpy(r, leaf, H);
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(path[i], r, r);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else
			merkle_node_hash(r, path[i], r);
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(r, root, H) == 0;
}

/* RFC 9162 2.1.4.2. */
static int
verify_consistency(uint64_t first, uint64_t second, const uint8_t froot[H],
    const uint8_t sroot[H], uint8_t (*proof)[H], size_t n)
{
	uint8_t		 p[MERKLE_PROOF_MAX + 1][H], fr[H], sr[H];
	uint64_t	 fn, sn;
	size_t		 i, np = 0;

	if (first == second)
		return n == 0 && memcmp(froot, sroot, H) == 0;
	if (n == 0)
		return 0;
	if ((first & (first - 1)) == 0)
		memcpy(p[np++], froot, H);
	for (i = 0; i < n; i++)
		memcpy(p[np++], proof[i], H);
	fn = first - 1;
	sn = second - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, p[0], H);
	memcpy(sr, p[0], H);
	for (i = 1; i < np; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(p[i], fr, fr);
			merkle_node_hash(p[i], sr, sr);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else
			merkle_node_hash(sr, p[i], sr);
		fn >>= 1;
		sn >>= 1;
	}
	return memcmp(fr, froot, H) == 0 && memcmp(sr, sroot, H) == 0 &&
	    sn == 0;
}

/* ceil(log2(n)), 0 for 1. */
static unsigned
log2up(uint64_t n)
{
	unsigned	 l = 0;

	while ((1ull << l) < n)
		l++;
	return l;
}

/* N change records, chained, with their nodes added as the writer does. */
static void
fill(struct store *st)
{
	static const uint8_t payload[] = { 0x81, 0xa6, 'f', 'i', 'e', 'l', 'd',
	    's', 0x80 };
	uint8_t		 prev[H], hash[H], key[8];
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	struct change	 c;
	MDB_txn		*txn;
	MDB_val		 k, v;
	uint64_t	 seq;

	memset(prev, 0, H);
	msgpack_sbuffer_init(&sb);
	assert_int_equal(mdb_txn_begin(st->s_env, NULL, 0, &txn), 0);
	for (seq = 1; seq <= N; seq++) {
		memset(&c, 0, sizeof(c));
		c.c_seq = seq;
		c.c_at = 1796000000 + seq;
		c.c_by = "quality-bureau";
		c.c_op = CH_PUT;
		c.c_list = "credit";
		c.c_subject = "uscc:91410100M000100Y49";
		c.c_version = seq;
		c.c_payload = payload;
		c.c_payload_len = sizeof(payload);
		assert_int_equal(record_hash(prev, &c, hash), 0);
		msgpack_sbuffer_clear(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		assert_int_equal(record_pack(&pk, &c, hash), 0);
		store_key_seq(key, seq);
		k.mv_data = key;
		k.mv_size = sizeof(key);
		v.mv_data = sb.data;
		v.mv_size = sb.size;
		assert_int_equal(mdb_put(txn, st->s_changes, &k, &v, 0), 0);
		assert_int_equal(merkle_append(st, txn, seq, prev, hash), 0);
		merkle_leaf_hash(hash, leaves[seq - 1]);
		memcpy(prev, hash, H);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_tree(void **state)
{
	uint8_t		 proof[MERKLE_PROOF_MAX][H], root[H], want[H], old[H];
	struct store	 st;
	struct merkle	 m;
	MDB_txn		*txn;
	uint64_t	 size, seq, from;
	size_t		 n;
	unsigned long	 worst_root = 0, worst_path = 0, worst_cons = 0;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(store_open(&st, dir, 64 * 1024 * 1024, 8), 0);
	fill(&st);
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, MDB_RDONLY, &txn), 0);
	merkle_init(&m, &st, txn);
	for (size = 1; size <= N; size++) {
		mth(0, size, want);
		m.mk_reads = 0;
		assert_int_equal(merkle_root(&m, size, root), 0);
		assert_memory_equal(root, want, H);
		/* one stored subtree per bit of size */
		assert_true(m.mk_reads <= (unsigned long)__builtin_popcountll(size));
		if (m.mk_reads > worst_root)
			worst_root = m.mk_reads;
		for (seq = 1; seq <= size; seq++) {
			m.mk_reads = 0;
			assert_int_equal(merkle_inclusion(&m, seq, size, proof, &n),
			    0);
			assert_true(n <= log2up(size));
			assert_true(verify_inclusion(seq - 1, size, leaves[seq - 1],
			    proof, n, root));
			assert_true(m.mk_reads <= 2 * log2up(size) + 1);
			if (m.mk_reads > worst_path)
				worst_path = m.mk_reads;
		}
		for (from = 1; from <= size; from++) {
			mth(0, from, old);
			m.mk_reads = 0;
			assert_int_equal(merkle_consistency(&m, from, size, proof,
			    &n), 0);
			assert_true(verify_consistency(from, size, old, root,
			    proof, n));
			assert_true(m.mk_reads <= 2 * log2up(size) + 2);
			if (m.mk_reads > worst_cons)
				worst_cons = m.mk_reads;
		}
	}
	printf("# merkle: %d records; most reads: root %lu, inclusion %lu, "
	    "consistency %lu (log2 n = %u)\n", N, worst_root, worst_path,
	    worst_cons, log2up(N));
	/* a wrong leaf or another root does not verify */
	assert_int_equal(merkle_inclusion(&m, 7, N, proof, &n), 0);
	mth(0, N, root);
	assert_true(verify_inclusion(6, N, leaves[6], proof, n, root));
	assert_false(verify_inclusion(6, N, leaves[7], proof, n, root));
	root[0] ^= 1;
	assert_false(verify_inclusion(6, N, leaves[6], proof, n, root));
	assert_int_equal(merkle_inclusion(&m, 0, N, proof, &n), EINVAL);
	assert_int_equal(merkle_inclusion(&m, N + 1, N, proof, &n), EINVAL);
	assert_int_equal(merkle_consistency(&m, 5, 4, proof, &n), EINVAL);
	mdb_txn_abort(txn);
	store_close(&st);
}

/* A store written before the tree: merkle_catch_up builds it alike. */
static void
test_catch_up(void **state)
{
	struct store	 st;
	struct merkle	 m;
	MDB_txn		*txn;
	uint8_t		 root[H], want[H];
	uint64_t	 added, size;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(store_open(&st, dir, 64 * 1024 * 1024, 8), 0);
	/* forget the tree the first test built, keep the records */
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_drop(txn, st.s_merkle, 0), 0);
	assert_int_equal(merkle_set_size(&st, txn, 0), 0);
	assert_int_equal(merkle_catch_up(&st, txn, N, 100, &added), 0);
	assert_int_equal(added, 100);
	assert_int_equal(merkle_catch_up(&st, txn, N, N, &added), 0);
	assert_int_equal(added, N - 100);
	assert_int_equal(merkle_size(&st, txn, &size), 0);
	assert_int_equal(size, N);
	merkle_init(&m, &st, txn);
	assert_int_equal(merkle_root(&m, N, root), 0);
	mth(0, N, want);
	assert_memory_equal(root, want, H);
	/* nothing more to do */
	assert_int_equal(merkle_catch_up(&st, txn, N, N, &added), 0);
	assert_int_equal(added, 0);
	mdb_txn_abort(txn);
	store_close(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_catch_up),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
