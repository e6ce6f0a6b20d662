/*
 * libqcreg mirror: the Merkle tree over the change log (RFC 9162, as
 * PROTOCOL.md 4.9 uses it), kept as its frontier, and the check of a
 * consistency proof.
 *
 * Internal versions for the mirror: the tree verification helpers being
 * written into libqcreg beside this (qcreg_tree.c) replace them at the
 * merge.
 */
#include <string.h>

#include <openssl/evp.h>

#include "qcreg_mirror_int.h"

static int	 sha256(const void *, size_t, uint8_t out[MIRROR_HASH_LEN]);

static int
sha256(const void *p, size_t len, uint8_t out[MIRROR_HASH_LEN])
{
	unsigned	 n = 0;

	return EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) == 1 &&
	    n == MIRROR_HASH_LEN ? 0 : -1;
}

/* SHA-256(0x00 || the record's chain hash). */
int
mirror_leaf_hash(const uint8_t rec[MIRROR_HASH_LEN],
    uint8_t out[MIRROR_HASH_LEN])
{
	uint8_t	 buf[1 + MIRROR_HASH_LEN];

	buf[0] = 0x00;
	memcpy(buf + 1, rec, MIRROR_HASH_LEN);
	return sha256(buf, sizeof(buf), out);
}

/* SHA-256(0x01 || left || right); out may be left or right. */
int
mirror_node_hash(const uint8_t l[MIRROR_HASH_LEN],
    const uint8_t r[MIRROR_HASH_LEN], uint8_t out[MIRROR_HASH_LEN])
{
	uint8_t	 buf[1 + 2 * MIRROR_HASH_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, l, MIRROR_HASH_LEN);
	memcpy(buf + 1 + MIRROR_HASH_LEN, r, MIRROR_HASH_LEN);
	return sha256(buf, sizeof(buf), out);
}

/*
 * Adds the leaf of the next record: it joins the subtrees to its left
 * for as long as they have its size (one per trailing 1 bit of size).
 */
int
mirror_tree_append(struct mirror_tree *t, const uint8_t rec[MIRROR_HASH_LEN])
{
	uint8_t		 cur[MIRROR_HASH_LEN];
	uint64_t	 s;
	int		 k = __builtin_popcountll(t->size);

	if (t->size == UINT64_MAX || mirror_leaf_hash(rec, cur) != 0)
		return -1;
	for (s = t->size; s & 1; s >>= 1)
		if (mirror_node_hash(t->node[--k], cur, cur) != 0)
			return -1;
	memcpy(t->node[k], cur, MIRROR_HASH_LEN);
	t->size++;
	return 0;
}

/*
 * The root: the subtrees folded from the right, as the RFC's split at
 * the largest power of two below the size does. An empty tree's root is
 * SHA-256 of nothing.
 */
int
mirror_tree_root(const struct mirror_tree *t, uint8_t out[MIRROR_HASH_LEN])
{
	int	 k = __builtin_popcountll(t->size);

	if (k == 0)
		return sha256("", 0, out);
	memcpy(out, t->node[--k], MIRROR_HASH_LEN);
	while (k-- > 0)
		if (mirror_node_hash(t->node[k], out, out) != 0)
			return -1;
	return 0;
}

/* Bytes of the stored frontier: the subtree roots, largest first. */
size_t
mirror_tree_bytes(const struct mirror_tree *t)
{
	return (size_t)__builtin_popcountll(t->size) * MIRROR_HASH_LEN;
}

/* The frontier of a tree of size leaves from its stored bytes. */
int
mirror_tree_load(struct mirror_tree *t, uint64_t size, const void *p,
    size_t len)
{
	t->size = size;
	if (len != mirror_tree_bytes(t))
		return -1;
	memcpy(t->node, p, len);
	return 0;
}

/*
 * RFC 9162 2.1.4.2: whether proof shows that the tree of first leaves
 * (first_root) is a prefix of the tree of second leaves (second_root).
 * 1 if it does, 0 if not, -1 if hashing failed.
 */
int
mirror_consistent(uint64_t first, uint64_t second,
    const uint8_t first_root[MIRROR_HASH_LEN],
    const uint8_t second_root[MIRROR_HASH_LEN],
    const uint8_t (*proof)[MIRROR_HASH_LEN], size_t n)
{
	uint8_t		 fr[MIRROR_HASH_LEN], sr[MIRROR_HASH_LEN];
	uint64_t	 fn, sn;
	size_t		 i = 0;

	if (first == 0 || first > second || n > MIRROR_PROOF_MAX)
		return 0;
	if (first == second)
		return n == 0 &&
		    memcmp(first_root, second_root, MIRROR_HASH_LEN) == 0;
	if (n == 0)
		return 0;
	/* A power of two: the first tree is a node of the proof's path. */
	if ((first & (first - 1)) == 0)
		memcpy(fr, first_root, MIRROR_HASH_LEN);
	else
		memcpy(fr, proof[i++], MIRROR_HASH_LEN);
	memcpy(sr, fr, MIRROR_HASH_LEN);
	fn = first - 1;
	sn = second - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < n; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			if (mirror_node_hash(proof[i], fr, fr) != 0 ||
			    mirror_node_hash(proof[i], sr, sr) != 0)
				return -1;
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else if (mirror_node_hash(sr, proof[i], sr) != 0)
			return -1;
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(fr, first_root, MIRROR_HASH_LEN) == 0 &&
	    memcmp(sr, second_root, MIRROR_HASH_LEN) == 0;
}
