/*
 * The hashes of the change log (loghash.h).
 */
#include <string.h>

#include <msgpack.h>
#include <openssl/evp.h>

#include "loghash.h"
#include "msg.h"

static int	 prefixed(uint8_t, const uint8_t *, const uint8_t *,
		    uint8_t *);

int
qc_sha256(const void *p, size_t len, uint8_t out[QC_HASH_LEN])
{
	unsigned	 n = 0;

	return EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) == 1 &&
	    n == QC_HASH_LEN ? 0 : -1;
}

int
qc_change_hash(const uint8_t prev[QC_HASH_LEN],
    const struct qc_change_body *b, uint8_t out[QC_HASH_LEN])
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	EVP_MD_CTX	*ctx = NULL;
	unsigned	 n = 0;
	int		 ok;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	ok = msgpack_pack_array(&pk, 10) == 0 &&
	    qc_pack_cstr(&pk, "qcreg-change-v2") == 0 &&
	    msgpack_pack_uint64(&pk, b->seq) == 0 &&
	    msgpack_pack_uint64(&pk, b->at) == 0 &&
	    msgpack_pack_str_with_body(&pk, b->principal,
	    b->principal_len) == 0 &&
	    msgpack_pack_str_with_body(&pk, b->op, b->op_len) == 0 &&
	    msgpack_pack_str_with_body(&pk, b->list, b->list_len) == 0 &&
	    msgpack_pack_str_with_body(&pk, b->subject, b->subject_len) == 0 &&
	    (b->has_version ? msgpack_pack_uint64(&pk, b->version) :
	    msgpack_pack_nil(&pk)) == 0 &&
	    (b->has_case ? msgpack_pack_uint64(&pk, b->case_id) :
	    msgpack_pack_nil(&pk)) == 0 &&
	    msgpack_pack_bin_with_body(&pk, b->payload_hash,
	    QC_HASH_LEN) == 0 &&
	    (ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, prev, QC_HASH_LEN) == 1 &&
	    EVP_DigestUpdate(ctx, sb.data, sb.size) == 1 &&
	    EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == QC_HASH_LEN;
	EVP_MD_CTX_free(ctx);
	msgpack_sbuffer_destroy(&sb);
	return ok ? 0 : -1;
}

/* SHA-256(prefix || a || b), b NULL for none; copied first, for aliasing. */
static int
prefixed(uint8_t prefix, const uint8_t *a, const uint8_t *b, uint8_t *out)
{
	uint8_t	 buf[1 + 2 * QC_HASH_LEN];

	buf[0] = prefix;
	memcpy(buf + 1, a, QC_HASH_LEN);
	if (b != NULL)
		memcpy(buf + 1 + QC_HASH_LEN, b, QC_HASH_LEN);
	return qc_sha256(buf, b != NULL ? sizeof(buf) : 1 + QC_HASH_LEN, out);
}

int
qc_leaf_hash(const uint8_t h[QC_HASH_LEN], uint8_t out[QC_HASH_LEN])
{
	return prefixed(0x00, h, NULL, out);
}

int
qc_node_hash(const uint8_t left[QC_HASH_LEN],
    const uint8_t right[QC_HASH_LEN], uint8_t out[QC_HASH_LEN])
{
	return prefixed(0x01, left, right, out);
}
