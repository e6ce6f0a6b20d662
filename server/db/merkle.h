/*
 * The Merkle tree over the change log (RFC 9162, Certificate
 * Transparency 2.0): leaf n-1 is the chain hash of change record n, so
 * leaf hash = SHA-256(0x00 || hash(n)), and an inner node = SHA-256(0x01
 * || left || right).
 *
 * Stored: the hash of every perfect subtree the log has completed, of
 * 2^level leaves starting at leaf index * 2^level, for level >= 1, in the
 * `tree` database under u64 last leaf || u8 level (big-endian): the
 * order of completion, so nodes are appended. A leaf's
 * hash comes from its change record. The writer adds a record's nodes in
 * the transaction that appends it: about one read and one put a record.
 * A root, an inclusion proof or a consistency proof then takes O(log n)
 * reads: every range the RFC's recursion needs is a perfect subtree
 * (one read) except along one edge.
 */
#ifndef QCD_MERKLE_H
#define QCD_MERKLE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define MERKLE_PROOF_MAX	64	/* hashes in a proof of a 2^64 tree */
#define MERKLE_KEY_LEN		9

/* A reader of the tree in one transaction; it counts what it reads. */
struct merkle {
	struct store	*mk_st;
	MDB_txn		*mk_txn;
	unsigned long	 mk_reads;
};

void	 merkle_init(struct merkle *, struct store *, MDB_txn *);
/* The key of the stored node (level >= 1, index). */
void	 merkle_node_key(uint8_t key[MERKLE_KEY_LEN], unsigned level,
	    uint64_t index);
void	 merkle_leaf_hash(const uint8_t record_hash[STORE_HASH_LEN],
	    uint8_t out[STORE_HASH_LEN]);
void	 merkle_node_hash(const uint8_t left[STORE_HASH_LEN],
	    const uint8_t right[STORE_HASH_LEN], uint8_t out[STORE_HASH_LEN]);
/*
 * Adds the nodes that change record seq completes, given its hash and
 * the hash of the record before it (prev). 0 or an LMDB error.
 */
int	 merkle_append(struct store *, MDB_txn *, uint64_t seq,
	    const uint8_t prev[STORE_HASH_LEN],
	    const uint8_t hash[STORE_HASH_LEN]);
/* The root of the tree of the first size records (size >= 1). */
int	 merkle_root(struct merkle *, uint64_t size,
	    uint8_t out[STORE_HASH_LEN]);
/*
 * The inclusion proof of record seq (1..size) in the tree of size
 * records, leaf to root: *n hashes into path.
 */
int	 merkle_inclusion(struct merkle *, uint64_t seq, uint64_t size,
	    uint8_t path[][STORE_HASH_LEN], size_t *n);
/* The consistency proof between sizes from and to (1 <= from <= to). */
int	 merkle_consistency(struct merkle *, uint64_t from, uint64_t to,
	    uint8_t proof[][STORE_HASH_LEN], size_t *n);
/*
 * Adds the nodes of the records after the stored tree's size, up to head
 * and at most max of them (a store written before the tree existed), and
 * sets its size; *added is how many. 0 or an LMDB error.
 */
int	 merkle_catch_up(struct store *, MDB_txn *, uint64_t head,
	    uint64_t max, uint64_t *added);
/* The size of the tree whose nodes are stored (meta "tree"). */
int	 merkle_size(struct store *, MDB_txn *, uint64_t *);
int	 merkle_set_size(struct store *, MDB_txn *, uint64_t);

#endif
