/*
 * scan: walk a list in subject order, a page at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "entry.h"
#include "msg.h"

static enum op_result	 scan(struct req *);
static int		 scan_args(struct req *, int *, char *, int *,
			    uint32_t *);

static const char *const scan_args_allowed[] = {
	"list", "after", "limit", "state", NULL
};

const struct op op_scan = {
	"scan",
	ROLE_BIT(ROLE_PLATFORM) | ROLE_BIT(ROLE_AGENCY) |
	    ROLE_BIT(ROLE_REGULATOR),
	scan_args_allowed, scan, 0
};

/* Reads list, after, state and limit; want is -1 for every state. */
static int
scan_args(struct req *q, int *li, char *after, int *want, uint32_t *limit)
{
	const char	*s;
	size_t		 len;
	int		 rc;

	if ((rc = arg_list(q, "list", li)) != 1) {
		if (rc == 0)
			req_fail(q, QC_E_BAD_REQUEST, "list: required");
		return -1;
	}
	after[0] = '\0';
	if (arg_subject(q, "after", after) == -1 ||
	    arg_limit(q, 100, limit) == -1 ||
	    (rc = arg_str(q, "state", &s, &len)) == -1)
		return -1;
	*want = -1;
	if (rc == 1 && (*want = state_from_name(s, len)) == -1) {
		req_fail(q, QC_E_BAD_REQUEST, "state: expected active, "
		    "pending, expired or removed");
		return -1;
	}
	if (!entry_full_view(q->q_c->c_role)) {
		if (*want != -1 && *want != ST_ACTIVE) {
			req_fail(q, QC_E_FORBIDDEN, "scan: role %s sees "
			    "active entries only",
			    config_role_name(q->q_c->c_role));
			return -1;
		}
		*want = ST_ACTIVE;
	}
	return 0;
}

static enum op_result
scan(struct req *q)
{
	const struct config	*cfg = q->q_cfg;
	const struct list_def	*l;
	char			 after[QC_SUBJECT_MAX];
	uint8_t			 key[STORE_KEY_MAX];
	MDB_val			*vals = NULL, k, v;
	msgpack_unpacked	 up;
	struct record		 r;
	enum state		 st;
	size_t			 plen;
	uint32_t		 limit, n = 0, i;
	enum op_result		 res = OP_DONE;
	MDB_cursor		*cur = NULL;
	MDB_txn			*txn;
	int			 li, want, rc, full;

	if (scan_args(q, &li, after, &want, &limit) == -1)
		return OP_ERROR;
	l = &cfg->lists[li];
	full = entry_full_view(q->q_c->c_role);
	if ((vals = calloc(limit, sizeof(*vals))) == NULL)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	if ((txn = worker_rtxn(q->q_w)) == NULL ||
	    mdb_cursor_open(txn, q->q_srv->s_store.s_current, &cur) != 0) {
		free(vals);
		return req_fail(q, QC_E_UNAVAILABLE, "store not readable");
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
	for (; rc == 0 && n < limit;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, key, plen) != 0)
			break;
		if (entry_load(&v, &up, &r) == -1) {
			msgpack_unpacked_destroy(&up);
			res = req_fail(q, QC_E_INTERNAL, "corrupt record");
			break;
		}
		st = entry_state(l, &r, q->q_today);
		msgpack_unpacked_destroy(&up);
		if (want == -1 || (int)st == want)
			vals[n++] = v;
	}
	mdb_cursor_close(cur);

	if (res == OP_DONE && (msgpack_pack_map(q->q_pk, 2) != 0 ||
	    qc_pack_cstr(q->q_pk, "entries") != 0 ||
	    msgpack_pack_array(q->q_pk, n) != 0))
		res = req_fail(q, QC_E_INTERNAL, "out of memory");
	for (i = 0; i < n && res == OP_DONE; i++) {
		if (entry_load(&vals[i], &up, &r) == -1 ||
		    entry_pack(q->q_pk, &r, entry_state(l, &r, q->q_today),
		    full) != 0)
			res = req_fail(q, QC_E_INTERNAL, "cannot pack entry");
		/* The last subject is the cursor for the next page. */
		if (res == OP_DONE && i == n - 1 && n == limit &&
		    (qc_pack_cstr(q->q_pk, "next") != 0 ||
		    msgpack_pack_str_with_body(q->q_pk, r.r_subject,
		    r.r_subject_len) != 0))
			res = req_fail(q, QC_E_INTERNAL, "out of memory");
		msgpack_unpacked_destroy(&up);
	}
	if (res == OP_DONE && n < limit && (qc_pack_cstr(q->q_pk, "next") != 0 ||
	    msgpack_pack_nil(q->q_pk) != 0))
		res = req_fail(q, QC_E_INTERNAL, "out of memory");
	free(vals);
	return res;
}
