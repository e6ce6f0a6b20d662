/*
 * scan: walk a list in subject order, a page at a time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "msg.h"
#include "op.h"
#include "summary.h"

/*
 * The summary holds every list's subjects together: a scan of a small
 * list, or for a rare state, would walk them all. It stops after this
 * many subjects and says where to go on.
 */
#define SCAN_VISIT_MAX	20000

struct scan_item {
	uint64_t	 si_seq;
	enum state	 si_state;
	uint64_t	 si_disputed;
};

static int		 scan_want(struct req *);
static int		 scan_collect(struct req *, const struct list_def *,
			    int, struct scan_item *, uint32_t *, MDB_val *);
static enum op_status	 scan_pack(struct req *, const struct scan_item *,
			    uint32_t, const MDB_val *);

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
 * Collects up to a_limit current entries of list l after the cursor
 * subject, in the wanted state, visiting at most SCAN_VISIT_MAX subjects
 * of the summary. *stop is the subject to continue after when the visit
 * budget ran out before the page filled (else its size is 0).
 */
static int
scan_collect(struct req *q, const struct list_def *l, int want,
    struct scan_item *items, uint32_t *n, MDB_val *stop)
{
	const char	*after = q->q_args.a_after;
	struct summary_hit h;
	uint32_t	 visited = 0;
	MDB_cursor	*cur;
	MDB_txn		*txn;
	MDB_val		 k, v;
	enum state	 st;
	int		 rc, has;

	*n = 0;
	stop->mv_size = 0;
	if ((txn = req_txn(q)) == NULL)
		return -1;
	if ((rc = mdb_cursor_open(txn, q->q_store->s_summary, &cur)) != 0) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	k.mv_data = (void *)after;
	k.mv_size = strlen(after);
	rc = after[0] == '\0' ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) :
	    mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	/* "after" is exclusive. */
	if (rc == 0 && after[0] != '\0' && k.mv_size == strlen(after) &&
	    memcmp(k.mv_data, after, k.mv_size) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	for (; rc == 0 && *n < q->q_args.a_limit;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (visited++ == SCAN_VISIT_MAX) {
			*stop = k;
			break;
		}
		if ((has = summary_find(v.mv_data, v.mv_size, l->l_name,
		    strlen(l->l_name), &h)) == -1) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (!has)
			continue;
		st = state_of(h.h_flags & SUMMARY_REMOVED, h.h_start, h.h_end,
		    q->q_today);
		if (want == -1 || (int)st == want) {
			items[*n].si_seq = h.h_seq;
			items[*n].si_disputed = h.h_case;
			items[(*n)++].si_state = st;
		}
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

/*
 * Packs {entries, next}: next is the last subject of a full page, or
 * where the visit stopped (stop), else nil.
 */
static enum op_status
scan_pack(struct req *q, const struct scan_item *items, uint32_t n,
    const MDB_val *stop)
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
		if ((rc = record_fetch(q->q_store, req_txn(q),
		    items[i].si_seq, &up, &r)) == 0 &&
		    entry_pack(pk, &r, items[i].si_state, full,
		    items[i].si_disputed) != 0)
			rc = ENOMEM;
		else if (rc == 0 && i == n - 1 && n == q->q_args.a_limit &&
		    (qc_pack_cstr(pk, "next") != 0 ||
		    msgpack_pack_str_with_body(pk, r.r_subject,
		    r.r_subject_len) != 0))
			rc = ENOMEM;
		msgpack_unpacked_destroy(&up);
	}
	if (rc == 0 && n < q->q_args.a_limit && (qc_pack_cstr(pk,
	    "next") != 0 || (stop->mv_size > 0 ?
	    msgpack_pack_str_with_body(pk, stop->mv_data,
	    stop->mv_size) : msgpack_pack_nil(pk)) != 0))
		rc = ENOMEM;
	return rc == 0 ? OP_DONE : req_fail(q, QC_E_INTERNAL,
	    "cannot pack entries: %s", mdb_strerror(rc));
}

enum op_status
op_scan(struct req *q)
{
	const struct list_def	*l = &q->q_cfg->lists[q->q_args.a_list];
	struct scan_item	*items;
	enum op_status		 res = OP_ERROR;
	MDB_val			 stop;
	uint32_t		 n;
	int			 want;

	if ((want = scan_want(q)) == -2)
		return OP_ERROR;
	if ((items = calloc(q->q_args.a_limit, sizeof(*items))) == NULL)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	if (scan_collect(q, l, want, items, &n, &stop) == 0)
		res = scan_pack(q, items, n, &stop);
	free(items);
	return res;
}
