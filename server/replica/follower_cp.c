/*
 * The primary's checkpoint on a replica: fetched, its signature checked
 * with a key the primary lists, and served (ops/replica.c) once the log
 * here reaches its size and the root of the tree here is its root.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "follower_int.h"
#include "merkle.h"

static enum step	 follower_serve_cp(struct follower *, char *, size_t);

/* The primary's checkpoint, signed by a key it lists. */
enum step
follower_checkpoint(struct follower *fw, char *why, size_t len)
{
	struct qcreg_reply	*r;
	struct qcreg_checkpoint	 cp;
	uint8_t			 pub[QC_PUB_LEN];
	int			 rc;

	fw->fw_cp_asked = follower_clock();
	if ((rc = qcreg_checkpoint(fw->fw_conn, &r)) != 0)
		return follower_call_failed(fw, rc, "checkpoint", why, len);
	rc = qcreg_reply_checkpoint(r, &cp);
	qcreg_reply_free(r);
	if (rc != 0) {
		snprintf(why, len, "checkpoint: not one");
		return STEP_BROKEN;
	}
	if (cp.is_signed && (qcreg_signing_key(fw->fw_conn, cp.key_id,
	    pub) != 1 || qcreg_checkpoint_verify(&cp, pub) != 1)) {
		snprintf(why, len, "the primary's checkpoint of size %" PRIu64
		    " is not signed by a key it lists", cp.size);
		return STEP_BROKEN;
	}
	/*
	 * One ahead of the log here waits until the log reaches it; the
	 * newer ones meanwhile are skipped, so that one is always reached.
	 */
	if (!fw->fw_has_cp || cp.size <= writer_head(fw->fw_writer)) {
		fw->fw_cp = cp;
		fw->fw_has_cp = 1;
	}
	return follower_serve_cp(fw, why, len);
}

/* Serves the primary's checkpoint once the tree here has its root. */
static enum step
follower_serve_cp(struct follower *fw, char *why, size_t len)
{
	struct checkpoint	 cp;
	struct merkle		 m;
	uint8_t			 root[QC_ROOT_LEN];
	MDB_txn			*txn;
	uint64_t		 head;
	int			 rc;

	if (!fw->fw_has_cp ||
	    (head = writer_head(fw->fw_writer)) < fw->fw_cp.size)
		return STEP_OK;
	if (fw->fw_cp.size == 0)
		goto serve;	/* the empty tree: its root is signed */
	if ((rc = mdb_txn_begin(fw->fw_store->s_env, NULL, MDB_RDONLY,
	    &txn)) != 0) {
		snprintf(why, len, "store: %s", mdb_strerror(rc));
		return STEP_RETRY;
	}
	merkle_init(&m, fw->fw_store, txn);
	rc = merkle_root(&m, fw->fw_cp.size, root);
	mdb_txn_abort(txn);
	if (rc != 0) {
		snprintf(why, len, "tree root: %s", mdb_strerror(rc));
		return STEP_RETRY;
	}
	if (memcmp(root, fw->fw_cp.root, QC_ROOT_LEN) != 0) {
		snprintf(why, len, "the primary's checkpoint of size %" PRIu64
		    " has another root than the log here", fw->fw_cp.size);
		return STEP_BROKEN;
	}
serve:
	memset(&cp, 0, sizeof(cp));
	cp.cp_size = fw->fw_cp.size;
	memcpy(cp.cp_root, fw->fw_cp.root, QC_ROOT_LEN);
	cp.cp_time = fw->fw_cp.time;
	memcpy(cp.cp_sig, fw->fw_cp.signature, QC_SIG_LEN);
	replica_set_checkpoint(fw->fw_replica, &cp, fw->fw_cp.origin,
	    fw->fw_cp.is_signed ? fw->fw_cp.key_id : "");
	fw->fw_has_cp = 0;
	return STEP_OK;
}
