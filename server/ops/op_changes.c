/*
 * changes: the change log from a sequence number on.
 */
#include <errno.h>
#include <string.h>

#include "msg.h"
#include "op.h"

/* Room in a frame for everything but the changes of a page. */
#define CHANGES_ROOM	256

/* What a reader sees of a record (PROTOCOL.md 4.7). */
enum change_view {
	VIEW_FULL = 0,
	VIEW_NO_PAYLOAD,	/* an entry withdrawn since */
	VIEW_SEALED		/* only seq, at and hash */
};

static int		 change_pack(msgpack_packer *, const struct record *,
			    const uint8_t *, enum change_view);
static int		 change_view(struct req *, MDB_txn *,
			    const struct record *, enum change_view *);
static int		 case_kind_of(const struct record *);
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

/*
 * A change on the wire (PROTOCOL.md 4.4); prev is the hash of the change
 * before it. Every reader sees the principal: the agency that decided is
 * public, as on a published decision.
 */
static int
change_pack(msgpack_packer *pk, const struct record *r, const uint8_t *prev,
    enum change_view view)
{
	uint8_t	 ph[STORE_HASH_LEN];
	int	 with_payload = view == VIEW_FULL;

	if (view == VIEW_SEALED)
		return msgpack_pack_map(pk, 4) != 0 ||
		    qc_pack_kv_uint(pk, "seq", r->r_seq) != 0 ||
		    qc_pack_kv_uint(pk, "at", r->r_at) != 0 ||
		    qc_pack_kv_str(pk, "op", "sealed") != 0 ||
		    pack_hex(pk, "hash", r->r_hash) == -1 ? -1 : 0;
	if (record_payload_hash(r->r_payload, r->r_payload_len, ph) == -1 ||
	    msgpack_pack_map(pk, 9 + with_payload + (r->r_version != 0) +
	    (r->r_case != 0)) != 0 ||
	    qc_pack_kv_uint(pk, "seq", r->r_seq) != 0 ||
	    qc_pack_kv_uint(pk, "at", r->r_at) != 0 ||
	    qc_pack_cstr(pk, "principal") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_by, r->r_by_len) != 0 ||
	    qc_pack_kv_str(pk, "op", record_op_name(r->r_op)) != 0 ||
	    qc_pack_cstr(pk, "list") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_list, r->r_list_len) != 0 ||
	    qc_pack_cstr(pk, "subject") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_subject,
	    r->r_subject_len) != 0)
		return -1;
	if (r->r_version != 0 &&
	    qc_pack_kv_uint(pk, "version", r->r_version) != 0)
		return -1;
	if (r->r_case != 0 && qc_pack_kv_uint(pk, "case", r->r_case) != 0)
		return -1;
	return pack_hex(pk, "payload_hash", ph) == -1 ||
	    (with_payload && (qc_pack_cstr(pk, "payload") != 0 ||
	    msgpack_pack_bin_with_body(pk, r->r_payload,
	    r->r_payload_len) != 0)) ||
	    pack_hex(pk, "prev", prev) == -1 ||
	    pack_hex(pk, "hash", r->r_hash) == -1 ? -1 : 0;
}

/* The kind of case a case record belongs to, or -1. */
static int
case_kind_of(const struct record *r)
{
	const msgpack_object	*k;

	if (r->r_op == CH_CASE_CLOSE)
		return (int)case_outcome_kind(r->r_outcome);
	if (r->r_op != CH_CASE_OPEN ||
	    (k = qc_map_get(&r->r_payload_obj, "kind")) == NULL ||
	    k->type != MSGPACK_OBJECT_STR)
		return -1;
	return case_kind_from_name(k->via.str.ptr, k->via.str.size);
}

/*
 * Regulators, and agencies on their own lists, see every record whole.
 * Others (platforms) get notice and repair cases and dismissals sealed,
 * unless a closing wrote a version (the entry changed in public), and
 * an entry's records without payload once it was withdrawn.
 */
static int
change_view(struct req *q, MDB_txn *txn, const struct record *r,
    enum change_view *view)
{
	const struct caller	*who = q->q_who;
	uint8_t			 key[STORE_KEY_MAX];
	char			 subject[QC_SUBJECT_MAX], list[CFG_NAME_MAX];
	MDB_val			 k, v;
	int			 li, kind, rc;

	*view = VIEW_FULL;
	li = config_list_index(q->q_cfg, r->r_list, r->r_list_len);
	if (who->cl_role == ROLE_REGULATOR || who->cl_role == ROLE_REPLICA ||
	    (who->cl_role == ROLE_AGENCY &&
	    li >= 0 && ((who->cl_prin->p_writes >> li) & 1)))
		return 0;
	kind = case_kind_of(r);
	if (r->r_op == CH_ESCALATION_DISMISS || ((kind == CASE_NOTICE ||
	    kind == CASE_REPAIR) && r->r_version == 0)) {
		*view = VIEW_SEALED;
		return 0;
	}
	if (r->r_subject_len >= sizeof(subject) ||
	    r->r_list_len >= sizeof(list))
		return MDB_CORRUPTED;
	memcpy(subject, r->r_subject, r->r_subject_len);
	subject[r->r_subject_len] = '\0';
	memcpy(list, r->r_list, r->r_list_len);
	list[r->r_list_len] = '\0';
	k.mv_data = key;
	k.mv_size = store_key_entry(key, subject, list);
	if ((rc = mdb_get(txn, q->q_store->s_withdrawn, &k, &v)) ==
	    MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (r->r_seq < store_seq_from_key(&v))
		*view = VIEW_NO_PAYLOAD;
	return 0;
}

enum op_status
op_changes(struct req *q)
{
	uint64_t	 since = q->q_args.a_since, head;
	uint32_t	 limit = q->q_args.a_limit, n, done;
	uint8_t		 prev[STORE_HASH_LEN], hash[STORE_HASH_LEN];
	msgpack_sbuffer	 page;
	msgpack_packer	 pk;
	msgpack_unpacked up;
	struct record	 r;
	enum change_view view;
	MDB_txn		*txn;
	size_t		 budget, mark;
	int		 rc;

	if ((txn = req_txn(q)) == NULL)
		return OP_ERROR;
	if ((rc = store_head(q->q_store, txn, &head, hash)) != 0)
		return req_fail(q, QC_E_INTERNAL, "store: %s",
		    mdb_strerror(rc));
	/* Nothing new yet: a long poll waits for it (the net layer asks again). */
	if (since >= head && q->q_args.a_wait > 0 && q->q_env->oe_may_wait) {
		q->q_env->oe_wait_seconds = q->q_args.a_wait;
		q->q_env->oe_wait_since = since;
		return OP_WAIT;
	}
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
	/*
	 * Records carry their payloads: a page ends early, short of limit,
	 * where its answer would pass max_frame (the envelope gets the rest).
	 */
	budget = q->q_cfg->limits.max_frame;
	budget = budget > 2 * CHANGES_ROOM ? budget - CHANGES_ROOM : budget / 2;
	msgpack_sbuffer_init(&page);
	msgpack_packer_init(&pk, &page, msgpack_sbuffer_write);
	for (done = 0; done < n; done++) {
		mark = page.size;
		if ((rc = record_fetch(q->q_store, txn, since + 1, &up,
		    &r)) == 0 && (rc = change_view(q, txn, &r, &view)) == 0 &&
		    change_pack(&pk, &r, prev, view) == -1)
			rc = ENOMEM;
		else if (rc == 0)
			memcpy(prev, r.r_hash, sizeof(prev));
		msgpack_unpacked_destroy(&up);
		if (rc != 0) {
			msgpack_sbuffer_destroy(&page);
			return req_fail(q, QC_E_INTERNAL, "change %llu: %s",
			    (unsigned long long)since + 1, mdb_strerror(rc));
		}
		if (page.size > budget && done > 0) {
			page.size = mark;
			break;
		}
		since++;
	}
	rc = msgpack_pack_map(q->q_pk, 2) != 0 ||
	    qc_pack_cstr(q->q_pk, "changes") != 0 ||
	    msgpack_pack_array(q->q_pk, done) != 0 ||
	    msgpack_sbuffer_write(q->q_pk->data, page.data, page.size) != 0;
	msgpack_sbuffer_destroy(&page);
	if (rc != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	if (qc_pack_kv_uint(q->q_pk, "head", head) != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	return OP_DONE;
}
