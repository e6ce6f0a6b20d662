/*
 * checkpoint, proof, consistency: the Merkle tree over the change log
 * (PROTOCOL.md 4.9), for every role.
 */
#include <errno.h>
#include <inttypes.h>

#include "merkle.h"
#include "msg.h"
#include "op.h"
#include "replica.h"
#include "signing.h"

static int	 tree_size(struct req *, MDB_txn *, int, uint64_t,
		    uint64_t *);
static int	 pack_hex_array(msgpack_packer *, const char *,
		    uint8_t (*)[STORE_HASH_LEN], size_t);
static int	 pack_root(struct merkle *, msgpack_packer *, uint64_t);

enum op_status
op_checkpoint(struct req *q)
{
	struct checkpoint	 cp;
	char			 origin[QC_ORIGIN_MAX + 1];
	char			 key_id[QC_KEY_ID_MAX + 1];
	MDB_txn			*txn;

	/* A replica serves the primary's, verified against its tree. */
	if (q->q_env->oe_replica != NULL) {
		if (replica_checkpoint(q->q_env->oe_replica, &cp, origin,
		    key_id) == -1)
			return req_fail(q, QC_E_UNAVAILABLE, "this replica has "
			    "not verified a checkpoint of its primary yet");
		return checkpoint_pack(q->q_pk, origin, &cp) == 0 ? OP_DONE :
		    req_fail(q, QC_E_INTERNAL, "out of memory");
	}
	if ((txn = req_txn(q)) == NULL || checkpoint_make(q, txn, &cp) != 0)
		return OP_ERROR;
	return checkpoint_pack(q->q_pk, q->q_cfg->origin, &cp) == 0 ? OP_DONE :
	    req_fail(q, QC_E_INTERNAL, "out of memory");
}

/*
 * The tree size a request names (asked, if given; else the head), which
 * may not pass the head: 0, or -1 after req_fail.
 */
static int
tree_size(struct req *q, MDB_txn *txn, int given, uint64_t asked,
    uint64_t *size)
{
	uint8_t	 hash[STORE_HASH_LEN];
	int	 rc;

	if ((rc = store_head(q->q_store, txn, size, hash)) != 0) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	if (given && asked > *size) {
		req_fail(q, QC_E_BAD_REQUEST, "the log has %" PRIu64 " records, "
		    "not %" PRIu64, *size, asked);
		return -1;
	}
	if (given)
		*size = asked;
	return 0;
}

static int
pack_hex_array(msgpack_packer *pk, const char *key,
    uint8_t (*h)[STORE_HASH_LEN], size_t n)
{
	char	 hex[2 * STORE_HASH_LEN + 1];
	size_t	 i;

	if (qc_pack_cstr(pk, key) != 0 ||
	    msgpack_pack_array(pk, (uint32_t)n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		qc_hex(h[i], STORE_HASH_LEN, hex);
		if (qc_pack_cstr(pk, hex) != 0)
			return -1;
	}
	return 0;
}

/* "root": the root of the tree of size, hex. */
static int
pack_root(struct merkle *m, msgpack_packer *pk, uint64_t size)
{
	uint8_t	 root[STORE_HASH_LEN];
	char	 hex[2 * STORE_HASH_LEN + 1];
	int	 rc;

	if ((rc = merkle_root(m, size, root)) != 0)
		return rc;
	qc_hex(root, STORE_HASH_LEN, hex);
	return qc_pack_kv_str(pk, "root", hex) != 0 ? ENOMEM : 0;
}

enum op_status
op_proof(struct req *q)
{
	uint8_t		 path[MERKLE_PROOF_MAX][STORE_HASH_LEN];
	struct merkle	 m;
	uint64_t	 size, seq = q->q_args.a_seq;
	size_t		 n;
	MDB_txn		*txn;
	int		 rc;

	if ((txn = req_txn(q)) == NULL || tree_size(q, txn,
	    ARG_HAS(q, ARG_SIZE), q->q_args.a_size, &size) != 0)
		return OP_ERROR;
	if (seq > size)
		return req_fail(q, QC_E_BAD_REQUEST, "seq %" PRIu64 " is not in "
		    "a tree of %" PRIu64 " records", seq, size);
	merkle_init(&m, q->q_store, txn);
	if ((rc = merkle_inclusion(&m, seq, size, path, &n)) != 0)
		return req_fail(q, QC_E_INTERNAL, "proof: %s", mdb_strerror(rc));
	if (msgpack_pack_map(q->q_pk, 4) != 0 ||
	    qc_pack_kv_uint(q->q_pk, "seq", seq) != 0 ||
	    qc_pack_kv_uint(q->q_pk, "size", size) != 0 ||
	    (rc = pack_root(&m, q->q_pk, size)) != 0 ||
	    pack_hex_array(q->q_pk, "path", path, n) != 0)
		return req_fail(q, QC_E_INTERNAL, "proof: %s",
		    rc != 0 ? mdb_strerror(rc) : "out of memory");
	return OP_DONE;
}

enum op_status
op_consistency(struct req *q)
{
	uint8_t		 proof[MERKLE_PROOF_MAX][STORE_HASH_LEN];
	struct merkle	 m;
	uint64_t	 to, from = q->q_args.a_from;
	size_t		 n;
	MDB_txn		*txn;
	int		 rc;

	if ((txn = req_txn(q)) == NULL || tree_size(q, txn,
	    ARG_HAS(q, ARG_TO), q->q_args.a_to, &to) != 0)
		return OP_ERROR;
	if (from > to)
		return req_fail(q, QC_E_BAD_REQUEST, "from %" PRIu64 " is after "
		    "to %" PRIu64, from, to);
	merkle_init(&m, q->q_store, txn);
	if ((rc = merkle_consistency(&m, from, to, proof, &n)) != 0)
		return req_fail(q, QC_E_INTERNAL, "consistency: %s",
		    mdb_strerror(rc));
	if (msgpack_pack_map(q->q_pk, 4) != 0 ||
	    qc_pack_kv_uint(q->q_pk, "from", from) != 0 ||
	    qc_pack_kv_uint(q->q_pk, "to", to) != 0 ||
	    (rc = pack_root(&m, q->q_pk, to)) != 0 ||
	    pack_hex_array(q->q_pk, "proof", proof, n) != 0)
		return req_fail(q, QC_E_INTERNAL, "consistency: %s",
		    rc != 0 ? mdb_strerror(rc) : "out of memory");
	return OP_DONE;
}
