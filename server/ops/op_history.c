/*
 * history: every version of a subject, oldest first.
 */
#include "msg.h"
#include "op.h"
#include "versions.h"

enum op_status
op_history(struct req *q)
{
	const struct caller	*who = q->q_who;
	struct versions		 vs = { NULL, 0, 0 };
	unsigned		 mask = config_all_lists(q->q_cfg);
	enum op_status		 res = OP_DONE;
	MDB_txn			*txn;

	if (ARG_HAS(q, ARG_LIST))
		mask = 1u << q->q_args.a_list;
	/* An agency reads the history of its own lists only. */
	if (who->cl_role == ROLE_AGENCY)
		mask &= who->cl_prin->p_writes;
	if ((txn = req_txn(q)) == NULL ||
	    versions_collect(q, txn, mask, &vs) == -1)
		res = OP_ERROR;
	if (res == OP_DONE && vs.vs_n == 0)
		res = req_fail(q, QC_E_NOT_FOUND, "no versions for %s",
		    q->q_args.a_subject);
	if (res == OP_DONE && (msgpack_pack_map(q->q_pk, 2) != 0 ||
	    qc_pack_kv_str(q->q_pk, "subject", q->q_args.a_subject) != 0 ||
	    qc_pack_cstr(q->q_pk, "versions") != 0))
		res = req_fail(q, QC_E_INTERNAL, "out of memory");
	if (res == OP_DONE && versions_pack(q, txn, q->q_pk, &vs) == -1)
		res = OP_ERROR;
	versions_free(&vs);
	return res;
}
