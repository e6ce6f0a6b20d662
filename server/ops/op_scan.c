/*
 * scan: walk a list in subject order, a page at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "msg.h"
#include "op.h"

static int		 scan_want(struct req *);
static int		 scan_collect(struct req *, const struct list_def *,
			    int, MDB_val *, uint32_t *);
static enum op_status	 scan_pack(struct req *, const struct list_def *,
			    const MDB_val *, uint32_t);

/* The state asked for (-1: every state), as the role may see it. */
static int
scan_want(struct req *q)
{
	int	 want = q->q_args.a_state;

	if (entry_full_view(q->q_who->cl_role))
		return want;
	if (want != -1 && want != ST_ACTIVE) {
		req_fail(q, QC_E_FORBIDDEN, "scan: role %s sees active "
		    "entries only", config_role_name(q->q_who->cl_role));
		return -2;
	}
	return ST_ACTIVE;
}

/*
 * Collects up to a_limit current records of list l after the cursor
 * subject, in the wanted state, into vals (values in the snapshot).
 */
static int
scan_collect(struct req *q, const struct list_def *l, int want,
    MDB_val *vals, uint32_t *n)
{
	const char	*after = q->q_args.a_after;
	uint8_t		 key[STORE_KEY_MAX];
	msgpack_unpacked up;
	struct record	 r;
	size_t		 plen;
	MDB_cursor	*cur;
	MDB_txn		*txn;
	MDB_val		 k, v;
	int		 rc;

	if ((txn = req_txn(q)) == NULL)
		return -1;
	if ((rc = mdb_cursor_open(txn, q->q_store->s_current, &cur)) != 0) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	plen = store_key_entry(key, l->l_name, "");
	k.mv_data = key;
	k.mv_size = store_key_entry(key, l->l_name, after);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	/* "after" is exclusive. */
	if (rc == 0 && after[0] != '\0' && k.mv_size == plen +
	    strlen(after) && memcmp((char *)k.mv_data + plen, after,
	    strlen(after)) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	for (*n = 0; rc == 0 && *n < q->q_args.a_limit;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, key, plen) != 0)
			break;
		if (record_load(&v, &up, &r) == -1) {
			msgpack_unpacked_destroy(&up);
			mdb_cursor_close(cur);
			req_fail(q, QC_E_INTERNAL, "corrupt record");
			return -1;
		}
		if (want == -1 || (int)entry_state(l, &r, q->q_today) == want)
			vals[(*n)++] = v;
		msgpack_unpacked_destroy(&up);
	}
	mdb_cursor_close(cur);
	return 0;
}

/* Packs {entries, next}: next is the last subject of a full page. */
static enum op_status
scan_pack(struct req *q, const struct list_def *l, const MDB_val *vals,
    uint32_t n)
{
	msgpack_packer	*pk = q->q_pk;
	msgpack_unpacked up;
	struct record	 r;
	uint32_t	 i;
	int		 full = entry_full_view(q->q_who->cl_role), rc = 0;

	if (msgpack_pack_map(pk, 2) != 0 || qc_pack_cstr(pk, "entries") != 0 ||
	    msgpack_pack_array(pk, n) != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	for (i = 0; i < n && rc == 0; i++) {
		if (record_load(&vals[i], &up, &r) == -1 ||
		    entry_pack(pk, &r, entry_state(l, &r, q->q_today),
		    full) != 0)
			rc = -1;
		else if (i == n - 1 && n == q->q_args.a_limit)
			rc = qc_pack_cstr(pk, "next") != 0 ||
			    msgpack_pack_str_with_body(pk, r.r_subject,
			    r.r_subject_len) != 0 ? -1 : 0;
		msgpack_unpacked_destroy(&up);
	}
	if (rc == 0 && n < q->q_args.a_limit &&
	    (qc_pack_cstr(pk, "next") != 0 || msgpack_pack_nil(pk) != 0))
		rc = -1;
	return rc == 0 ? OP_DONE : req_fail(q, QC_E_INTERNAL,
	    "cannot pack entries");
}

enum op_status
op_scan(struct req *q)
{
	const struct list_def	*l = &q->q_cfg->lists[q->q_args.a_list];
	MDB_val			*vals;
	enum op_status		 res = OP_ERROR;
	uint32_t		 n;
	int			 want;

	if ((want = scan_want(q)) == -2)
		return OP_ERROR;
	if ((vals = calloc(q->q_args.a_limit, sizeof(*vals))) == NULL)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	if (scan_collect(q, l, want, vals, &n) == 0)
		res = scan_pack(q, l, vals, n);
	free(vals);
	return res;
}
