/*
 * The stored log checked against itself: the chain and the Merkle tree.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "merkle.h"
#include "record.h"
#include "verify.h"

/* Records read per read transaction: the writer's old pages stay free. */
#define VERIFY_CHUNK	10000

/* The walk so far: the chain's last hash and the tree's open subtrees. */
struct walk {
	uint8_t		 w_prev[STORE_HASH_LEN];
	uint8_t		 w_left[MERKLE_PROOF_MAX][STORE_HASH_LEN];
};

static int	 check_record(struct store *, MDB_txn *, struct walk *,
		    uint64_t, char *, size_t);
static int	 check_nodes(struct store *, MDB_txn *, struct walk *,
		    uint64_t, const uint8_t *, char *, size_t);

/*
 * The nodes record seq completes, recomputed from the leaves and held
 * against the stored ones. 0, 1 (why set) or -1.
 */
static int
check_nodes(struct store *st, MDB_txn *txn, struct walk *w, uint64_t seq,
    const uint8_t *hash, char *why, size_t whylen)
{
	uint8_t		 node[STORE_HASH_LEN], key[MERKLE_KEY_LEN];
	uint64_t	 index = seq - 1;
	unsigned	 level = 0;
	MDB_val		 k, v;
	int		 rc;

	merkle_leaf_hash(hash, node);
	while (index & 1) {
		merkle_node_hash(w->w_left[level], node, node);
		level++;
		index >>= 1;
		merkle_node_key(key, level, index);
		k.mv_data = key;
		k.mv_size = sizeof(key);
		if ((rc = mdb_get(txn, st->s_merkle, &k, &v)) != 0 &&
		    rc != MDB_NOTFOUND) {
			snprintf(why, whylen, "reading the Merkle tree: %s",
			    mdb_strerror(rc));
			return -1;
		}
		if (rc == MDB_NOTFOUND || v.mv_size != STORE_HASH_LEN ||
		    memcmp(v.mv_data, node, STORE_HASH_LEN) != 0) {
			snprintf(why, whylen, "the Merkle tree node of level %u "
			    "index %" PRIu64 " does not match the change records "
			    "under it (up to %" PRIu64 ")", level, index, seq);
			return 1;
		}
	}
	memcpy(w->w_left[level], node, STORE_HASH_LEN);
	return 0;
}

static int
check_record(struct store *st, MDB_txn *txn, struct walk *w, uint64_t seq,
    char *why, size_t whylen)
{
	msgpack_unpacked up;
	struct record	 r;
	uint8_t		 hash[STORE_HASH_LEN];
	int		 rc;

	if ((rc = record_fetch(st, txn, seq, &up, &r)) != 0) {
		msgpack_unpacked_destroy(&up);
		snprintf(why, whylen, "change record %" PRIu64 " is %s", seq,
		    rc == MDB_CORRUPTED ? "missing or unreadable" :
		    mdb_strerror(rc));
		return rc == MDB_CORRUPTED ? 1 : -1;
	}
	if (record_rehash(w->w_prev, &r, hash) != 0 ||
	    memcmp(hash, r.r_hash, STORE_HASH_LEN) != 0) {
		msgpack_unpacked_destroy(&up);
		snprintf(why, whylen, "change record %" PRIu64 " does not match "
		    "its hash (its content or the record before it was "
		    "changed)", seq);
		return 1;
	}
	memcpy(hash, r.r_hash, STORE_HASH_LEN);
	msgpack_unpacked_destroy(&up);
	memcpy(w->w_prev, hash, STORE_HASH_LEN);
	return check_nodes(st, txn, w, seq, hash, why, whylen);
}

int
verify_log(struct store *st, uint64_t head, const volatile int *stop,
    char *why, size_t whylen)
{
	struct walk	 w;
	MDB_txn		*txn;
	uint64_t	 seq = 1, end;
	int		 rc = 0;

	memset(&w, 0, sizeof(w));
	while (seq <= head && rc == 0) {
		if (stop != NULL && *stop)
			return 0;
		store_read_enter(st);
		if ((rc = mdb_txn_begin(st->s_env, NULL, MDB_RDONLY,
		    &txn)) != 0) {
			store_read_leave(st);
			snprintf(why, whylen, "lmdb: %s", mdb_strerror(rc));
			return -1;
		}
		end = seq + VERIFY_CHUNK <= head ? seq + VERIFY_CHUNK : head + 1;
		for (; seq < end && rc == 0; seq++)
			rc = check_record(st, txn, &w, seq, why, whylen);
		mdb_txn_abort(txn);
		store_read_leave(st);
	}
	return rc;
}
