/*
 * get: the newest version of a subject on each list.
 */
#include "current.h"
#include "entry.h"
#include "msg.h"
#include "op.h"

enum op_status
op_get(struct req *q)
{
	const struct config	*cfg = q->q_cfg;
	unsigned		 lists = q->q_args.a_lists, full;
	struct current		 cu;
	struct escalation	 e;
	msgpack_sbuffer		 props;
	msgpack_packer		 ppk;
	long			 nprops;
	int			 rc, esc;
	MDB_txn			*txn;

	/* Regulators see every state, and who wrote it. */
	full = entry_full_view(q->q_who->cl_role) ? config_all_lists(cfg) : 0;
	if ((txn = req_txn(q)) == NULL ||
	    current_hits(q, txn, lists, full, &cu) == -1 ||
	    (esc = current_escalation(q, txn, lists, &e)) == -1)
		return OP_ERROR;
	msgpack_sbuffer_init(&props);
	msgpack_packer_init(&ppk, &props, msgpack_sbuffer_write);
	if ((nprops = current_proposals(q, txn, lists, &ppk)) == -1) {
		msgpack_sbuffer_destroy(&props);
		return OP_ERROR;
	}
	if (cu.cu_found == 0 && nprops == 0) {
		msgpack_sbuffer_destroy(&props);
		return req_fail(q, QC_E_NOT_FOUND, "no entry for %s",
		    q->q_args.a_subject);
	}
	rc = msgpack_pack_map(q->q_pk, 2 + (nprops > 0) + esc) != 0 ||
	    qc_pack_kv_str(q->q_pk, "subject", q->q_args.a_subject) != 0 ||
	    (nprops > 0 && (qc_pack_cstr(q->q_pk, "proposed") != 0 ||
	    msgpack_pack_array(q->q_pk, (uint32_t)nprops) != 0 ||
	    q->q_pk->callback(q->q_pk->data, props.data, props.size) != 0)) ||
	    (esc && (qc_pack_cstr(q->q_pk, "escalation") != 0 ||
	    entry_escalation_pack(q->q_pk, cfg, &e, NULL, 0) != 0)) ||
	    qc_pack_cstr(q->q_pk, "entries") != 0;
	msgpack_sbuffer_destroy(&props);
	if (rc != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	return current_pack(q, txn, q->q_pk, &cu, full) == 0 ? OP_DONE :
	    OP_ERROR;
}
