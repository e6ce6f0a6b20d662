/*
 * changes: the change log from a sequence number on.
 */
#include <errno.h>
#include <string.h>

#include "entry.h"
#include "msg.h"
#include "op.h"

static int		 change_pack(msgpack_packer *, const struct record *,
			    const uint8_t *, int);
static int		 pack_hex(msgpack_packer *, const char *,
			    const uint8_t *);

static int
pack_hex(msgpack_packer *pk, const char *key, const uint8_t *hash)
{
	static const char	 digits[] = "0123456789abcdef";
	char			 hex[2 * STORE_HASH_LEN];
	uint32_t		 i;

	for (i = 0; i < STORE_HASH_LEN; i++) {
		hex[2 * i] = digits[hash[i] >> 4];
		hex[2 * i + 1] = digits[hash[i] & 15];
	}
	return qc_pack_cstr(pk, key) != 0 ||
	    msgpack_pack_str_with_body(pk, hex, sizeof(hex)) != 0 ? -1 : 0;
}

/* A change on the wire; prev is the hash of the change before it. */
static int
change_pack(msgpack_packer *pk, const struct record *r, const uint8_t *prev,
    int with_principal)
{
	if (msgpack_pack_map(pk, 8 + (with_principal != 0)) != 0 ||
	    qc_pack_kv_uint(pk, "seq", r->r_seq) != 0 ||
	    qc_pack_kv_uint(pk, "at", r->r_at) != 0 ||
	    qc_pack_kv_str(pk, "op", r->r_removed ? "remove" : "put") != 0 ||
	    qc_pack_cstr(pk, "list") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_list, r->r_list_len) != 0 ||
	    qc_pack_cstr(pk, "subject") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_subject,
	    r->r_subject_len) != 0 ||
	    qc_pack_kv_uint(pk, "version", r->r_version) != 0)
		return -1;
	if (with_principal && (qc_pack_cstr(pk, "principal") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_by, r->r_by_len) != 0))
		return -1;
	return pack_hex(pk, "prev", prev) == -1 ||
	    pack_hex(pk, "hash", r->r_hash) == -1 ? -1 : 0;
}

enum op_status
op_changes(struct req *q)
{
	uint64_t	 since = q->q_args.a_since, head;
	uint32_t	 limit = q->q_args.a_limit, n;
	uint8_t		 prev[STORE_HASH_LEN], hash[STORE_HASH_LEN];
	msgpack_unpacked up;
	struct record	 r;
	MDB_txn		*txn;
	int		 full = entry_full_view(q->q_who->cl_role), rc;

	if ((txn = req_txn(q)) == NULL)
		return OP_ERROR;
	if ((rc = store_head(q->q_store, txn, &head, hash)) != 0)
		return req_fail(q, QC_E_INTERNAL, "store: %s",
		    mdb_strerror(rc));
	/* Sequence numbers have no gaps: the page is since+1 .. since+n. */
	n = since >= head ? 0 : head - since < limit ?
	    (uint32_t)(head - since) : limit;
	memset(prev, 0, sizeof(prev));
	if (n > 0 && since > 0) {
		if ((rc = record_fetch(q->q_store, txn, since, &up, &r)) == 0)
			memcpy(prev, r.r_hash, sizeof(prev));
		msgpack_unpacked_destroy(&up);
		if (rc != 0)
			return req_fail(q, QC_E_INTERNAL, "change %llu: %s",
			    (unsigned long long)since, mdb_strerror(rc));
	}
	if (msgpack_pack_map(q->q_pk, 2) != 0 ||
	    qc_pack_cstr(q->q_pk, "changes") != 0 ||
	    msgpack_pack_array(q->q_pk, n) != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	for (; n > 0; n--) {
		if ((rc = record_fetch(q->q_store, txn, ++since, &up,
		    &r)) == 0 && change_pack(q->q_pk, &r, prev, full) == -1)
			rc = ENOMEM;
		else if (rc == 0)
			memcpy(prev, r.r_hash, sizeof(prev));
		msgpack_unpacked_destroy(&up);
		if (rc != 0)
			return req_fail(q, QC_E_INTERNAL, "change %llu: %s",
			    (unsigned long long)since, mdb_strerror(rc));
	}
	if (qc_pack_kv_uint(q->q_pk, "head", head) != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	return OP_DONE;
}
