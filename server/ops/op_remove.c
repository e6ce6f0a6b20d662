/*
 * remove: take an entry off a list, with a reason. The removal is a new
 * version; the writer checks that there is something to remove.
 */
#include "op.h"
#include "writer.h"

enum op_status
op_remove(struct req *q)
{
	struct write_req	*wr;

	if (op_write_prepare(q, WR_REMOVE) != OP_PENDING)
		return OP_ERROR;
	wr = q->q_write;
	return op_write_text(q, &wr->wr_reason, &wr->wr_reason_len,
	    q->q_args.a_reason, q->q_args.a_reason_len);
}
