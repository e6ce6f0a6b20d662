/*
 * history: every version of a subject, oldest first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "msg.h"
#include "op.h"
#include "summary.h"

/* The seqs of a subject's versions, as they are collected. */
struct hist {
	uint64_t	*h_seq;
	size_t		 h_n;
	size_t		 h_cap;
};

static int		 hist_add(struct req *, struct hist *, uint64_t);
static int		 collect_current(struct req *, MDB_txn *, unsigned,
			    struct hist *);
static int		 collect_older(struct req *, MDB_txn *, unsigned,
			    struct hist *);
static int		 seq_cmp(const void *, const void *);
static enum op_status	 history_pack(struct req *, MDB_txn *, struct hist *);

static int
seq_cmp(const void *a, const void *b)
{
	const uint64_t	*x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static int
hist_add(struct req *q, struct hist *h, uint64_t seq)
{
	uint64_t	*grown;

	if (h->h_n == h->h_cap) {
		h->h_cap = h->h_cap ? h->h_cap * 2 : 16;
		if ((grown = reallocarray(h->h_seq, h->h_cap,
		    sizeof(*grown))) == NULL) {
			req_fail(q, QC_E_INTERNAL, "out of memory");
			return -1;
		}
		h->h_seq = grown;
	}
	h->h_seq[h->h_n++] = seq;
	return 0;
}

/* The newest version on each list of mask, from the summary. */
static int
collect_current(struct req *q, MDB_txn *txn, unsigned mask, struct hist *h)
{
	struct summary_hit	 hits[CFG_MAX_LISTS];
	long			 found;
	int			 li;

	if ((found = entry_hits(q, txn, mask, hits)) == -1)
		return -1;
	for (li = 0; li < q->q_cfg->nlists; li++)
		if (((found >> li) & 1) && hist_add(q, h, hits[li].h_seq) == -1)
			return -1;
	return 0;
}

/* The versions they replaced: keys subject NUL list NUL ver32. */
static int
collect_older(struct req *q, MDB_txn *txn, unsigned mask, struct hist *h)
{
	uint8_t		 key[STORE_KEY_MAX];
	const char	*list;
	size_t		 plen;
	MDB_cursor	*cur;
	MDB_val		 k, v;
	int		 rc, li;

	if ((rc = mdb_cursor_open(txn, q->q_store->s_versions, &cur)) != 0) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	k.mv_data = key;
	k.mv_size = plen = store_key_subject(key, q->q_args.a_subject);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen + 2 + 4 ||
		    memcmp(k.mv_data, key, plen) != 0)
			break;
		list = (const char *)k.mv_data + plen;
		li = config_list_index(q->q_cfg, list, k.mv_size - plen - 5);
		if (li != -1 && ((mask >> li) & 1) &&
		    hist_add(q, h, store_seq_from_key(&v)) == -1) {
			mdb_cursor_close(cur);
			return -1;
		}
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

/* Packs {subject, versions} from the collected seqs, oldest first. */
static enum op_status
history_pack(struct req *q, MDB_txn *txn, struct hist *h)
{
	const struct list_def	*l;
	msgpack_unpacked	 up;
	struct record		 r;
	size_t			 i;
	int			 rc = 0;

	qsort(h->h_seq, h->h_n, sizeof(*h->h_seq), seq_cmp);
	if (msgpack_pack_map(q->q_pk, 2) != 0 ||
	    qc_pack_kv_str(q->q_pk, "subject", q->q_args.a_subject) != 0 ||
	    qc_pack_cstr(q->q_pk, "versions") != 0 ||
	    msgpack_pack_array(q->q_pk, h->h_n) != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	for (i = 0; i < h->h_n && rc == 0; i++) {
		if ((rc = record_fetch(q->q_store, txn, h->h_seq[i], &up,
		    &r)) == 0 && ((l = entry_list(q->q_cfg, &r)) == NULL ||
		    entry_pack(q->q_pk, &r, entry_state(l, &r, q->q_today), 1,
		    0) != 0))
			rc = ENOMEM;
		msgpack_unpacked_destroy(&up);
	}
	return rc == 0 ? OP_DONE : req_fail(q, QC_E_INTERNAL,
	    "cannot pack version: %s", mdb_strerror(rc));
}

enum op_status
op_history(struct req *q)
{
	const struct caller	*who = q->q_who;
	struct hist		 h = { NULL, 0, 0 };
	unsigned		 mask = config_all_lists(q->q_cfg);
	enum op_status		 res = OP_DONE;
	MDB_txn			*txn;

	if (ARG_HAS(q, ARG_LIST))
		mask = 1u << q->q_args.a_list;
	/* An agency reads the history of its own lists only. */
	if (who->cl_role == ROLE_AGENCY)
		mask &= who->cl_prin->p_writes;
	if ((txn = req_txn(q)) == NULL ||
	    collect_current(q, txn, mask, &h) == -1 ||
	    collect_older(q, txn, mask, &h) == -1)
		res = OP_ERROR;
	if (res == OP_DONE && h.h_n == 0)
		res = req_fail(q, QC_E_NOT_FOUND, "no versions for %s",
		    q->q_args.a_subject);
	if (res == OP_DONE)
		res = history_pack(q, txn, &h);
	free(h.h_seq);
	return res;
}
