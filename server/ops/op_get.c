/*
 * get: the newest version of a subject on each list.
 */
#include <errno.h>
#include <string.h>

#include "entry.h"
#include "msg.h"
#include "op.h"
#include "summary.h"

static long	 get_hits(struct req *, MDB_txn *, unsigned,
		    struct summary_hit *, enum state *);

/*
 * The subject's current entries on the lists of mask, by list index, in
 * the states the caller may see. Returns -1 (failed) or the found mask.
 */
static long
get_hits(struct req *q, MDB_txn *txn, unsigned mask, struct summary_hit *hits,
    enum state *states)
{
	int	 full = entry_full_view(q->q_who->cl_role), li;
	long	 found;

	if ((found = entry_hits(q, txn, mask, hits)) <= 0)
		return found;
	for (li = 0; li < q->q_cfg->nlists; li++) {
		if (((found >> li) & 1) == 0)
			continue;
		states[li] = state_of(hits[li].h_flags & SUMMARY_REMOVED,
		    hits[li].h_start, hits[li].h_end, q->q_today);
		if (!full && states[li] != ST_ACTIVE)
			found &= ~(1L << li);
	}
	return found;
}

enum op_status
op_get(struct req *q)
{
	const struct config	*cfg = q->q_cfg;
	struct summary_hit	 hits[CFG_MAX_LISTS];
	enum state		 states[CFG_MAX_LISTS];
	msgpack_unpacked	 up;
	struct record		 r;
	long			 found;
	int			 li, rc, full = entry_full_view(q->q_who->cl_role);
	MDB_txn			*txn;

	if ((txn = req_txn(q)) == NULL ||
	    (found = get_hits(q, txn, q->q_args.a_lists, hits, states)) == -1)
		return OP_ERROR;
	if (found == 0)
		return req_fail(q, QC_E_NOT_FOUND, "no entry for %s",
		    q->q_args.a_subject);
	if (msgpack_pack_map(q->q_pk, 2) != 0 ||
	    qc_pack_kv_str(q->q_pk, "subject", q->q_args.a_subject) != 0 ||
	    qc_pack_cstr(q->q_pk, "entries") != 0 ||
	    msgpack_pack_array(q->q_pk, __builtin_popcountl(found)) != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	for (li = 0; li < cfg->nlists; li++) {
		if (((found >> li) & 1) == 0)
			continue;
		rc = record_fetch(q->q_store, txn, hits[li].h_seq, &up, &r);
		if (rc == 0 && entry_pack(q->q_pk, &r, states[li], full) != 0)
			rc = ENOMEM;
		msgpack_unpacked_destroy(&up);
		if (rc != 0)
			return req_fail(q, QC_E_INTERNAL, "store: %s",
			    mdb_strerror(rc));
	}
	return OP_DONE;
}
