/*
 * history: every version of a subject, oldest first.
 */
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "msg.h"
#include "op.h"

struct hist_item {
	uint64_t	 h_seq;
	MDB_val		 h_val;
};

static int		 collect(struct req *, MDB_cursor *, const char *,
			    const char *, struct hist_item **, size_t *,
			    size_t *);
static int		 item_cmp(const void *, const void *);
static enum op_status	 history_pack(struct req *, struct hist_item *,
			    size_t);

static int
item_cmp(const void *a, const void *b)
{
	const struct hist_item	*x = a, *y = b;

	return x->h_seq < y->h_seq ? -1 : x->h_seq > y->h_seq;
}

/* Appends the versions of (list, subject) to the growing item array. */
static int
collect(struct req *q, MDB_cursor *cur, const char *list, const char *subject,
    struct hist_item **items, size_t *n, size_t *cap)
{
	uint8_t			 key[STORE_KEY_MAX];
	size_t			 plen;
	msgpack_unpacked	 up;
	struct record		 r;
	struct hist_item	*grown;
	MDB_val			 k, v;
	int			 rc;

	plen = store_key_entry(key, list, subject);
	key[plen++] = '\0';
	k.mv_data = key;
	k.mv_size = plen;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != plen + 4 || memcmp(k.mv_data, key, plen) != 0)
			break;
		if (record_load(&v, &up, &r) == -1) {
			msgpack_unpacked_destroy(&up);
			req_fail(q, QC_E_INTERNAL, "corrupt record");
			return -1;
		}
		msgpack_unpacked_destroy(&up);
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			if ((grown = reallocarray(*items, *cap,
			    sizeof(**items))) == NULL) {
				req_fail(q, QC_E_INTERNAL, "out of memory");
				return -1;
			}
			*items = grown;
		}
		(*items)[*n].h_seq = r.r_seq;
		(*items)[(*n)++].h_val = v;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

/* Packs {subject, versions} from the collected items, oldest first. */
static enum op_status
history_pack(struct req *q, struct hist_item *items, size_t n)
{
	const struct list_def	*l;
	msgpack_unpacked	 up;
	struct record		 r;
	enum op_status		 res = OP_DONE;
	size_t			 i;

	qsort(items, n, sizeof(*items), item_cmp);
	if (msgpack_pack_map(q->q_pk, 2) != 0 ||
	    qc_pack_kv_str(q->q_pk, "subject", q->q_args.a_subject) != 0 ||
	    qc_pack_cstr(q->q_pk, "versions") != 0 ||
	    msgpack_pack_array(q->q_pk, n) != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	for (i = 0; i < n && res == OP_DONE; i++) {
		if (record_load(&items[i].h_val, &up, &r) == -1 ||
		    (l = entry_list(q->q_cfg, &r)) == NULL ||
		    entry_pack(q->q_pk, &r, entry_state(l, &r, q->q_today),
		    1) != 0)
			res = req_fail(q, QC_E_INTERNAL, "cannot pack version");
		msgpack_unpacked_destroy(&up);
	}
	return res;
}

enum op_status
op_history(struct req *q)
{
	const struct config	*cfg = q->q_cfg;
	const struct caller	*who = q->q_who;
	struct hist_item	*items = NULL;
	size_t			 n = 0, cap = 0;
	unsigned		 mask = config_all_lists(cfg);
	enum op_status		 res = OP_DONE;
	MDB_cursor		*cur = NULL;
	MDB_txn			*txn;
	int			 li, rc;

	if (ARG_HAS(q, ARG_LIST))
		mask = 1u << q->q_args.a_list;
	/* An agency reads the history of its own lists only. */
	if (who->cl_role == ROLE_AGENCY)
		mask &= who->cl_prin->p_writes;
	if ((txn = req_txn(q)) == NULL)
		return OP_ERROR;
	if ((rc = mdb_cursor_open(txn, q->q_store->s_versions, &cur)) != 0)
		return req_fail(q, QC_E_INTERNAL, "store: %s",
		    mdb_strerror(rc));
	for (li = 0; li < cfg->nlists && res == OP_DONE; li++)
		if (((mask >> li) & 1) && collect(q, cur,
		    cfg->lists[li].l_name, q->q_args.a_subject, &items, &n,
		    &cap) == -1)
			res = OP_ERROR;
	mdb_cursor_close(cur);
	if (res == OP_DONE && n == 0)
		res = req_fail(q, QC_E_NOT_FOUND, "no versions for %s",
		    q->q_args.a_subject);
	if (res == OP_DONE)
		res = history_pack(q, items, n);
	free(items);
	return res;
}
