/*
 * libqcreg: the RFC 9162 Merkle tree over the change log (PROTOCOL.md
 * 4.9) on the reader's side: leaf and node hashes, the root of a list of
 * leaves, and the verification of inclusion and consistency proofs.
 * Pure functions: no connection is involved.
 */
#include <string.h>

#include "loghash.h"
#include "qcreg.h"

#define TREE_LEVELS	64	/* a tree of fewer than 2^64 leaves */

static int	 hash_eq(const uint8_t *, const uint8_t *);

static int
hash_eq(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, QCREG_HASH_LEN) == 0;
}

int
qcreg_leaf_hash(const uint8_t record_hash[QCREG_HASH_LEN],
    uint8_t out[QCREG_HASH_LEN])
{
	return qc_leaf_hash(record_hash, out);
}

int
qcreg_node_hash(const uint8_t left[QCREG_HASH_LEN],
    const uint8_t right[QCREG_HASH_LEN], uint8_t out[QCREG_HASH_LEN])
{
	return qc_node_hash(left, right, out);
}

void
qcreg_tree_init(struct qcreg_tree *t)
{
	memset(t, 0, sizeof(*t));
}

/*
 * peaks[k] holds the root of the perfect subtree of 2^k leaves that bit
 * k of size stands for; a new leaf merges the peaks of the low set bits,
 * as a carry does in binary addition.
 */
int
qcreg_tree_add(struct qcreg_tree *t, const uint8_t leaf[QCREG_HASH_LEN])
{
	uint8_t		 h[QCREG_HASH_LEN];
	unsigned	 level;

	if (t->size == UINT64_MAX)
		return -1;
	memcpy(h, leaf, sizeof(h));
	for (level = 0; (t->size >> level) & 1; level++)
		if (qcreg_node_hash(t->peaks[level], h, h) != 0)
			return -1;
	memcpy(t->peaks[level], h, sizeof(h));
	t->size++;
	return 0;
}

/*
 * RFC 9162 splits a tree at the largest power of two below its size, so
 * its root folds the peaks from the smallest (rightmost) to the largest.
 */
int
qcreg_tree_root(const struct qcreg_tree *t, uint8_t out[QCREG_HASH_LEN])
{
	uint8_t		 r[QCREG_HASH_LEN];
	unsigned	 level, n = 0;

	if (t->size == 0)	/* MTH({}) = SHA-256 of nothing */
		return qc_sha256("", 0, out);
	for (level = 0; level < TREE_LEVELS; level++) {
		if (((t->size >> level) & 1) == 0)
			continue;
		if (n++ == 0)
			memcpy(r, t->peaks[level], sizeof(r));
		else if (qcreg_node_hash(t->peaks[level], r, r) != 0)
			return -1;
	}
	memcpy(out, r, sizeof(r));
	return 0;
}

int
qcreg_tree_hash(const uint8_t (*leaves)[QCREG_HASH_LEN], size_t n,
    uint8_t out[QCREG_HASH_LEN])
{
	struct qcreg_tree	 t;
	size_t			 i;

	qcreg_tree_init(&t);
	for (i = 0; i < n; i++)
		if (qcreg_tree_add(&t, leaves[i]) != 0)
			return -1;
	return qcreg_tree_root(&t, out);
}

/* RFC 9162 2.1.3.2, step by step. */
int
qcreg_verify_inclusion(uint64_t index, uint64_t size,
    const uint8_t leaf[QCREG_HASH_LEN],
    const uint8_t (*path)[QCREG_HASH_LEN], size_t n,
    const uint8_t root[QCREG_HASH_LEN])
{
	uint8_t		 r[QCREG_HASH_LEN];
	uint64_t	 fn = index, sn;
	size_t		 i;

	if (index >= size)
		return 0;
	sn = size - 1;
	memcpy(r, leaf, sizeof(r));
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			if (qcreg_node_hash(path[i], r, r) != 0)
				return 0;
			while (fn != 0 && (fn & 1) == 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else if (qcreg_node_hash(r, path[i], r) != 0)
			return 0;
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && hash_eq(r, root);
}

/*
 * RFC 9162 2.1.4.2, step by step. When first is a power of two the
 * proof leaves out the old root, which is its first node: element i of
 * the RFC's path is then first_root for i = 0 and proof[i - 1] after.
 */
int
qcreg_verify_consistency(uint64_t first, uint64_t second,
    const uint8_t first_root[QCREG_HASH_LEN],
    const uint8_t second_root[QCREG_HASH_LEN],
    const uint8_t (*proof)[QCREG_HASH_LEN], size_t n)
{
	uint8_t		 fr[QCREG_HASH_LEN], sr[QCREG_HASH_LEN];
	const uint8_t	*c;
	uint64_t	 fn, sn;
	size_t		 i, len, skip;

	if (first == 0 || first > second)
		return 0;
	if (first == second)
		return n == 0 && hash_eq(first_root, second_root);
	if (n == 0)
		return 0;
	skip = (first & (first - 1)) == 0;
	len = n + skip;
	fn = first - 1;
	sn = second - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, skip ? first_root : proof[0], sizeof(fr));
	memcpy(sr, fr, sizeof(sr));
	for (i = 1; i < len; i++) {
		c = proof[i - skip];
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			if (qcreg_node_hash(c, fr, fr) != 0 ||
			    qcreg_node_hash(c, sr, sr) != 0)
				return 0;
			while (fn != 0 && (fn & 1) == 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else if (qcreg_node_hash(sr, c, sr) != 0)
			return 0;
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && hash_eq(fr, first_root) && hash_eq(sr, second_root);
}
