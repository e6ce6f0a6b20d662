/*
 * escalations: subjects a watch list escalates, waiting for a decision;
 * escalation_dismiss: the decision not to list one.
 */
#include <errno.h>
#include <string.h>

#include "entry.h"
#include "msg.h"
#include "op.h"
#include "writer.h"

/* Subjects looked at per page (like scan), whatever the limit. */
#define ESCALATIONS_VISIT_MAX	20000


enum op_status
op_escalations(struct req *q)
{
	const char	*after = q->q_args.a_after;
	unsigned	 mask, n = 0, visited = 0;
	struct escalation e;
	msgpack_sbuffer	 items;
	msgpack_packer	 ipk, *pk = q->q_pk;
	MDB_cursor	*cur;
	MDB_txn		*txn;
	MDB_val		 k, v, sk, sv, last = { 0, NULL };
	int		 rc, found = 0;

	mask = ARG_HAS(q, ARG_LIST) ? 1u << q->q_args.a_list :
	    entry_escalation_mask(q);
	if ((txn = req_txn(q)) == NULL)
		return OP_ERROR;
	if ((rc = mdb_cursor_open(txn, q->q_store->s_escalate, &cur)) != 0)
		return req_fail(q, QC_E_INTERNAL, "store: %s",
		    mdb_strerror(rc));
	/* Items go to a side buffer: their count comes first. */
	msgpack_sbuffer_init(&items);
	msgpack_packer_init(&ipk, &items, msgpack_sbuffer_write);
	k.mv_data = (void *)after;
	k.mv_size = strlen(after);
	rc = mdb_cursor_get(cur, &k, &v, after[0] == '\0' ? MDB_FIRST :
	    MDB_SET_RANGE);
	if (rc == 0 && after[0] != '\0' && k.mv_size == strlen(after) &&
	    memcmp(k.mv_data, after, k.mv_size) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	for (; rc == 0 && n < q->q_args.a_limit &&
	    visited++ < ESCALATIONS_VISIT_MAX;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		last = k;
		sk = k;
		if ((rc = mdb_get(txn, q->q_store->s_summary, &sk,
		    &sv)) == MDB_NOTFOUND)
			continue;
		if (rc != 0 || (found = escalation_find(q->q_cfg, sv.mv_data,
		    sv.mv_size, mask, q->q_today, &e)) == -1) {
			rc = rc != 0 ? rc : MDB_CORRUPTED;
			break;
		}
		if (found && entry_escalation_pack(&ipk, q->q_cfg, &e,
		    k.mv_data, k.mv_size) != 0) {
			rc = ENOMEM;
			break;
		}
		n += (unsigned)found;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		msgpack_sbuffer_destroy(&items);
		return req_fail(q, QC_E_INTERNAL, "store: %s",
		    mdb_strerror(rc));
	}
	/* More may follow unless the index ran out. */
	if (msgpack_pack_map(pk, 2) != 0 ||
	    qc_pack_cstr(pk, "escalations") != 0 ||
	    msgpack_pack_array(pk, n) != 0 ||
	    pk->callback(pk->data, items.data, items.size) != 0 ||
	    qc_pack_cstr(pk, "next") != 0 ||
	    (rc == 0 && last.mv_size > 0 ? msgpack_pack_str_with_body(pk,
	    last.mv_data, last.mv_size) : msgpack_pack_nil(pk)) != 0)
		rc = ENOMEM;
	else
		rc = 0;
	msgpack_sbuffer_destroy(&items);
	return rc == 0 ? OP_DONE : req_fail(q, QC_E_INTERNAL,
	    "out of memory");
}

enum op_status
op_escalation_dismiss(struct req *q)
{
	const struct config	*cfg = q->q_cfg;
	struct write_req	*wr;
	int			 li;

	for (li = 0; li < cfg->nlists; li++)
		if (cfg->lists[li].l_escalate_to == q->q_args.a_list)
			break;
	if (li == cfg->nlists)
		return req_fail(q, QC_E_BAD_REQUEST, "list: no watch list "
		    "escalates to %s", cfg->lists[q->q_args.a_list].l_name);
	if (op_write_prepare(q, WR_DISMISS) != OP_PENDING)
		return OP_ERROR;
	wr = q->q_write;
	return op_write_text(q, &wr->wr_reason, &wr->wr_reason_len,
	    q->q_args.a_reason, q->q_args.a_reason_len);
}
