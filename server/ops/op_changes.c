/*
 * changes: the change log from a sequence number on.
 */
#include <string.h>

#include "entry.h"
#include "frame.h"
#include "log.h"
#include "msg.h"
#include "op.h"

static int		 change_pack(msgpack_packer *, const MDB_val *, int);
static int		 pack_hex(msgpack_packer *, const char *,
			    const msgpack_object *);

static int
pack_hex(msgpack_packer *pk, const char *key, const msgpack_object *o)
{
	static const char	 digits[] = "0123456789abcdef";
	char			 hex[2 * STORE_HASH_LEN];
	uint32_t		 i;

	if (o == NULL || o->type != MSGPACK_OBJECT_BIN ||
	    o->via.bin.size != STORE_HASH_LEN)
		return -1;
	for (i = 0; i < STORE_HASH_LEN; i++) {
		hex[2 * i] = digits[(uint8_t)o->via.bin.ptr[i] >> 4];
		hex[2 * i + 1] = digits[(uint8_t)o->via.bin.ptr[i] & 15];
	}
	return qc_pack_cstr(pk, key) != 0 ||
	    msgpack_pack_str_with_body(pk, hex, sizeof(hex)) != 0 ? -1 : 0;
}

/* Copies a stored change record to the wire, hashes as hex. */
static int
change_pack(msgpack_packer *pk, const MDB_val *v, int with_principal)
{
	static const char *const plain[] = {
		"seq", "at", "op", "list", "subject", "version"
	};
	msgpack_unpacked	 up;
	const msgpack_object	*o;
	size_t			 off = 0, i;
	int			 rc = -1;

	msgpack_unpacked_init(&up);
	if (qc_frame_validate(v->mv_data, v->mv_size) != QC_FRAME_OK ||
	    msgpack_unpack_next(&up, v->mv_data, v->mv_size, &off) !=
	    MSGPACK_UNPACK_SUCCESS)
		goto done;
	if (msgpack_pack_map(pk, 8 + (with_principal != 0)) != 0)
		goto done;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if ((o = qc_map_get(&up.data, plain[i])) == NULL ||
		    qc_pack_cstr(pk, plain[i]) != 0 ||
		    msgpack_pack_object(pk, *o) != 0)
			goto done;
	}
	if (with_principal &&
	    ((o = qc_map_get(&up.data, "principal")) == NULL ||
	    qc_pack_cstr(pk, "principal") != 0 ||
	    msgpack_pack_object(pk, *o) != 0))
		goto done;
	if (pack_hex(pk, "prev", qc_map_get(&up.data, "prev")) == -1 ||
	    pack_hex(pk, "hash", qc_map_get(&up.data, "hash")) == -1)
		goto done;
	rc = 0;
done:
	msgpack_unpacked_destroy(&up);
	if (rc == -1)
		log_warnx("corrupt change record in the store");
	return rc;
}

enum op_status
op_changes(struct req *q)
{
	uint64_t	 since = q->q_args.a_since, head;
	uint32_t	 limit = q->q_args.a_limit, n;
	uint8_t		 key[8], hash[STORE_HASH_LEN];
	MDB_txn		*txn;
	MDB_val		 k, v;
	int		 full = entry_full_view(q->q_who->cl_role), rc;

	if ((txn = req_txn(q)) == NULL)
		return OP_ERROR;
	if ((rc = store_head(q->q_store, txn, &head, hash)) != 0)
		return req_fail(q, QC_E_INTERNAL, "store: %s",
		    mdb_strerror(rc));
	/* Sequence numbers have no gaps: the page is since+1 .. since+n. */
	n = since >= head ? 0 : head - since < limit ?
	    (uint32_t)(head - since) : limit;
	if (msgpack_pack_map(q->q_pk, 2) != 0 ||
	    qc_pack_cstr(q->q_pk, "changes") != 0 ||
	    msgpack_pack_array(q->q_pk, n) != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	for (; n > 0; n--) {
		store_key_seq(key, ++since);
		k.mv_data = key;
		k.mv_size = sizeof(key);
		if ((rc = mdb_get(txn, q->q_store->s_changes, &k,
		    &v)) != 0)
			return req_fail(q, QC_E_INTERNAL, "change %llu: %s",
			    (unsigned long long)since, mdb_strerror(rc));
		if (change_pack(q->q_pk, &v, full) == -1)
			return req_fail(q, QC_E_INTERNAL, "corrupt change");
	}
	if (qc_pack_kv_uint(q->q_pk, "head", head) != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	return OP_DONE;
}
