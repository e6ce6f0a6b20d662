/*
 * The RFC 9162 Merkle tree over the change log: stored perfect subtrees,
 * roots and proofs.
 */
#include <errno.h>
#include <string.h>

#include "loghash.h"
#include "merkle.h"
#include "record.h"


static int	 node_get(struct merkle *, unsigned, uint64_t, uint8_t *);
static int	 node_put(struct store *, MDB_txn *, unsigned, uint64_t,
		    const uint8_t *);
static int	 mth(struct merkle *, uint64_t, uint64_t, uint8_t *);
static int	 path(struct merkle *, uint64_t, uint64_t, uint64_t,
		    uint8_t (*)[STORE_HASH_LEN], size_t *);
static int	 subproof(struct merkle *, uint64_t, uint64_t, uint64_t, int,
		    uint8_t (*)[STORE_HASH_LEN], size_t *);
static uint64_t	 split(uint64_t);

void
merkle_init(struct merkle *m, struct store *st, MDB_txn *txn)
{
	m->mk_st = st;
	m->mk_txn = txn;
	m->mk_reads = 0;
}

void
merkle_leaf_hash(const uint8_t record_hash[STORE_HASH_LEN],
    uint8_t out[STORE_HASH_LEN])
{
	/* SHA-256 of a buffer cannot fail but for memory: a zero hash then. */
	if (qc_leaf_hash(record_hash, out) != 0)
		memset(out, 0, STORE_HASH_LEN);
}

void
merkle_node_hash(const uint8_t left[STORE_HASH_LEN],
    const uint8_t right[STORE_HASH_LEN], uint8_t out[STORE_HASH_LEN])
{
	if (qc_node_hash(left, right, out) != 0)
		memset(out, 0, STORE_HASH_LEN);
}

void
merkle_node_key(uint8_t key[MERKLE_KEY_LEN], unsigned level, uint64_t index)
{
	/*
	 * By the last leaf a node covers, then level: the order in which
	 * nodes are completed, so that they are appended and pages fill.
	 */
	store_put_be(key, ((index + 1) << level) - 1, 8);
	key[8] = (uint8_t)level;
}

static int
node_put(struct store *st, MDB_txn *txn, unsigned level, uint64_t index,
    const uint8_t *hash)
{
	uint8_t	 key[MERKLE_KEY_LEN];
	MDB_val	 k, v;

	merkle_node_key(key, level, index);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	v.mv_data = (void *)hash;
	v.mv_size = STORE_HASH_LEN;
	return mdb_put(txn, st->s_merkle, &k, &v, MDB_APPEND);
}

/* The perfect subtree (level, index): a stored node, or a leaf. */
static int
node_get(struct merkle *m, unsigned level, uint64_t index, uint8_t *out)
{
	uint8_t		 key[MERKLE_KEY_LEN];
	msgpack_unpacked up;
	struct record	 r;
	MDB_val		 k, v;
	int		 rc;

	m->mk_reads++;
	if (level == 0) {
		if ((rc = record_fetch(m->mk_st, m->mk_txn, index + 1, &up,
		    &r)) == 0)
			merkle_leaf_hash(r.r_hash, out);
		msgpack_unpacked_destroy(&up);
		return rc;
	}
	merkle_node_key(key, level, index);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	if ((rc = mdb_get(m->mk_txn, m->mk_st->s_merkle, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	if (v.mv_size != STORE_HASH_LEN)
		return MDB_CORRUPTED;
	memcpy(out, v.mv_data, STORE_HASH_LEN);
	return 0;
}

int
merkle_append(struct store *st, MDB_txn *txn, uint64_t seq,
    const uint8_t prev[STORE_HASH_LEN], const uint8_t hash[STORE_HASH_LEN])
{
	struct merkle	 m;
	uint8_t		 node[STORE_HASH_LEN], left[STORE_HASH_LEN];
	uint64_t	 index = seq - 1;
	unsigned	 level = 0;
	int		 rc;

	merkle_init(&m, st, txn);
	merkle_leaf_hash(hash, node);
	/* A right child completes its parent, and so on up. */
	while (index & 1) {
		if (level == 0)
			merkle_leaf_hash(prev, left);
		else if ((rc = node_get(&m, level, index - 1, left)) != 0)
			return rc;
		merkle_node_hash(left, node, node);
		level++;
		index >>= 1;
		if ((rc = node_put(st, txn, level, index, node)) != 0)
			return rc;
	}
	return 0;
}

/* The largest power of two below n (n >= 2). */
static uint64_t
split(uint64_t n)
{
	uint64_t	 k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

/*
 * MTH of leaves [a, b). The recursion only ever asks for ranges whose
 * start is a multiple of their power-of-two size: those are stored.
 */
static int
mth(struct merkle *m, uint64_t a, uint64_t b, uint8_t *out)
{
	uint8_t		 l[STORE_HASH_LEN], r[STORE_HASH_LEN];
	uint64_t	 n = b - a, k;
	unsigned	 level = 0;
	int		 rc;

	if ((n & (n - 1)) == 0) {
		while ((1ull << level) < n)
			level++;
		return node_get(m, level, a >> level, out);
	}
	k = split(n);
	if ((rc = mth(m, a, a + k, l)) != 0 || (rc = mth(m, a + k, b, r)) != 0)
		return rc;
	merkle_node_hash(l, r, out);
	return 0;
}

int
merkle_root(struct merkle *m, uint64_t size, uint8_t out[STORE_HASH_LEN])
{
	return size == 0 ? EINVAL : mth(m, 0, size, out);
}

/* RFC 9162 2.1.3.1: PATH(i, D[a:b]), appended bottom-up to out. */
static int
path(struct merkle *m, uint64_t i, uint64_t a, uint64_t b,
    uint8_t (*out)[STORE_HASH_LEN], size_t *n)
{
	uint64_t	 k;
	int		 rc;

	if (b - a == 1)
		return 0;
	k = split(b - a);
	if (i < k) {
		if ((rc = path(m, i, a, a + k, out, n)) != 0)
			return rc;
		rc = mth(m, a + k, b, out[(*n)++]);
	} else {
		if ((rc = path(m, i - k, a + k, b, out, n)) != 0)
			return rc;
		rc = mth(m, a, a + k, out[(*n)++]);
	}
	return rc;
}

int
merkle_inclusion(struct merkle *m, uint64_t seq, uint64_t size,
    uint8_t out[][STORE_HASH_LEN], size_t *n)
{
	*n = 0;
	if (seq == 0 || seq > size)
		return EINVAL;
	return path(m, seq - 1, 0, size, out, n);
}

/* RFC 9162 2.1.4.1: SUBPROOF(mm, D[a:b], whole), appended to out. */
static int
subproof(struct merkle *m, uint64_t mm, uint64_t a, uint64_t b, int whole,
    uint8_t (*out)[STORE_HASH_LEN], size_t *n)
{
	uint64_t	 k;
	int		 rc;

	if (mm == b - a)
		return whole ? 0 : mth(m, a, b, out[(*n)++]);
	k = split(b - a);
	if (mm <= k) {
		if ((rc = subproof(m, mm, a, a + k, whole, out, n)) != 0)
			return rc;
		return mth(m, a + k, b, out[(*n)++]);
	}
	if ((rc = subproof(m, mm - k, a + k, b, 0, out, n)) != 0)
		return rc;
	return mth(m, a, a + k, out[(*n)++]);
}

int
merkle_consistency(struct merkle *m, uint64_t from, uint64_t to,
    uint8_t out[][STORE_HASH_LEN], size_t *n)
{
	*n = 0;
	if (from == 0 || from > to)
		return EINVAL;
	return from == to ? 0 : subproof(m, from, 0, to, 1, out, n);
}

int
merkle_catch_up(struct store *st, MDB_txn *txn, uint64_t head, uint64_t max,
    uint64_t *added)
{
	msgpack_unpacked up;
	struct record	 r;
	uint8_t		 prev[STORE_HASH_LEN], hash[STORE_HASH_LEN];
	uint64_t	 size, seq;
	int		 rc;

	*added = 0;
	if ((rc = merkle_size(st, txn, &size)) != 0 || size >= head)
		return rc;
	if (head - size > max)
		head = size + max;
	memset(prev, 0, sizeof(prev));
	for (seq = size; seq <= head && rc == 0; seq++) {
		if (seq == 0)
			continue;
		if ((rc = record_fetch(st, txn, seq, &up, &r)) == 0)
			memcpy(hash, r.r_hash, sizeof(hash));
		msgpack_unpacked_destroy(&up);
		/* The first record read is the one before the tree's end. */
		if (rc == 0 && seq > size)
			rc = merkle_append(st, txn, seq, prev, hash);
		memcpy(prev, hash, sizeof(prev));
	}
	if (rc == 0 && (rc = merkle_set_size(st, txn, head)) == 0)
		*added = head - size;
	return rc;
}

int
merkle_size(struct store *st, MDB_txn *txn, uint64_t *size)
{
	MDB_val	 k, v;
	int	 rc;

	k.mv_data = "tree";
	k.mv_size = 4;
	if ((rc = mdb_get(txn, st->s_meta, &k, &v)) == MDB_NOTFOUND) {
		*size = 0;
		return 0;
	}
	if (rc != 0 || v.mv_size != 8)
		return rc != 0 ? rc : MDB_CORRUPTED;
	*size = store_get_be(v.mv_data, 8);
	return 0;
}

int
merkle_set_size(struct store *st, MDB_txn *txn, uint64_t size)
{
	uint8_t	 buf[8];
	MDB_val	 k, v;

	store_put_be(buf, size, 8);
	k.mv_data = "tree";
	k.mv_size = 4;
	v.mv_data = buf;
	v.mv_size = sizeof(buf);
	return mdb_put(txn, st->s_meta, &k, &v, 0);
}
