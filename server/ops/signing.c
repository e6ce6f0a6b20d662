/*
 * The registry's signatures: recording the signing key's public half,
 * the signed checkpoint (PROTOCOL.md 4.9) that checkpoint and signed
 * answers carry, and the signed block of those answers.
 */
#include <string.h>
#include <time.h>

#include "keys.h"
#include "loghash.h"
#include "merkle.h"
#include "msg.h"
#include "op.h"
#include "signer.h"
#include "signing.h"

int
ops_keys_register(struct store *st, const struct config *cfg, char *err,
    size_t errlen)
{
	const struct signer	*s = config_signer(cfg);

	if (s == NULL)
		return 0;
	return keys_register(st, signer_key_id(s), signer_public(s),
	    (uint64_t)time(NULL), err, errlen);
}

int
checkpoint_make(struct req *q, MDB_txn *txn, struct checkpoint *cp)
{
	const struct signer	*s = config_signer(q->q_cfg);
	struct merkle		 m;
	uint8_t			 hash[STORE_HASH_LEN];
	char			 text[QC_CHECKPOINT_MAX];
	int			 rc, n;

	memset(cp, 0, sizeof(*cp));
	if ((rc = store_head(q->q_store, txn, &cp->cp_size, hash)) != 0) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	merkle_init(&m, q->q_store, txn);
	/* RFC 9162: the root of an empty tree is the hash of nothing. */
	if (cp->cp_size == 0 && qc_sha256("", 0, cp->cp_root) != 0) {
		req_fail(q, QC_E_INTERNAL, "out of memory");
		return -1;
	}
	if (cp->cp_size > 0 && (rc = merkle_root(&m, cp->cp_size,
	    cp->cp_root)) != 0) {
		req_fail(q, QC_E_INTERNAL, "tree root: %s", mdb_strerror(rc));
		return -1;
	}
	cp->cp_time = (uint64_t)time(NULL);
	if (s == NULL)
		return 0;
	cp->cp_signer = s;
	cp->cp_key_id = signer_key_id(s);
	if ((n = qc_checkpoint_text(text, sizeof(text), q->q_cfg->origin,
	    cp->cp_size, cp->cp_root, cp->cp_time, signer_key_id(s))) < 0 ||
	    signer_sign(s, text, (size_t)n, cp->cp_sig) != 0) {
		req_fail(q, QC_E_INTERNAL, "cannot sign the checkpoint");
		return -1;
	}
	return 0;
}

int
checkpoint_pack(msgpack_packer *pk, const char *origin,
    const struct checkpoint *cp)
{
	char	 root[2 * QC_ROOT_LEN + 1], sig[2 * QC_SIG_LEN + 1];

	qc_hex(cp->cp_root, QC_ROOT_LEN, root);
	if (msgpack_pack_map(pk, cp->cp_key_id != NULL ? 6 : 4) != 0 ||
	    qc_pack_kv_str(pk, "origin", origin) != 0 ||
	    qc_pack_kv_uint(pk, "size", cp->cp_size) != 0 ||
	    qc_pack_kv_str(pk, "root", root) != 0 ||
	    qc_pack_kv_uint(pk, "time", cp->cp_time) != 0)
		return -1;
	if (cp->cp_key_id == NULL)
		return 0;
	qc_hex(cp->cp_sig, QC_SIG_LEN, sig);
	return qc_pack_kv_str(pk, "key_id", cp->cp_key_id) ||
	    qc_pack_kv_str(pk, "signature", sig) ? -1 : 0;
}

int
answer_sign_begin(struct req *q, MDB_txn *txn, struct checkpoint *cp)
{
	if (config_signer(q->q_cfg) == NULL) {
		req_fail(q, QC_E_UNAVAILABLE, "signed: this server has no "
		    "signing key");
		return -1;
	}
	return checkpoint_make(q, txn, cp);
}

int
answer_sign_pack(struct req *q, struct checkpoint *cp, const void *text,
    size_t len)
{
	msgpack_packer	*pk = q->q_pk;
	char		 root[2 * QC_ROOT_LEN + 1];
	char		 sig[2 * QC_SIG_LEN + 1];

	if (signer_sign(cp->cp_signer, text, len, cp->cp_sig) != 0) {
		req_fail(q, QC_E_INTERNAL, "cannot sign the answer");
		return -1;
	}
	qc_hex(cp->cp_root, QC_ROOT_LEN, root);
	qc_hex(cp->cp_sig, QC_SIG_LEN, sig);
	if (qc_pack_cstr(pk, "signed") != 0 || msgpack_pack_map(pk, 6) != 0 ||
	    qc_pack_kv_str(pk, "origin", q->q_cfg->origin) != 0 ||
	    qc_pack_kv_uint(pk, "time", cp->cp_time) != 0 ||
	    qc_pack_kv_uint(pk, "size", cp->cp_size) != 0 ||
	    qc_pack_kv_str(pk, "root", root) != 0 ||
	    qc_pack_kv_str(pk, "key_id", signer_key_id(cp->cp_signer)) != 0 ||
	    qc_pack_kv_str(pk, "signature", sig) != 0) {
		req_fail(q, QC_E_INTERNAL, "out of memory");
		return -1;
	}
	return 0;
}
