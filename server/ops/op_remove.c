/*
 * remove: take an entry off a list, with a reason. The removal is a new
 * version; the writer checks that there is something to remove.
 */
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "writer.h"

enum op_status
op_remove(struct req *q)
{
	struct write_req	*wr;
	size_t			 len = q->q_args.a_reason_len;

	if (op_write_prepare(q, WR_REMOVE) != OP_PENDING)
		return OP_ERROR;
	wr = q->q_write;
	if ((wr->wr_reason = malloc(len)) == NULL) {
		write_req_free(wr);
		q->q_write = NULL;
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	}
	memcpy(wr->wr_reason, q->q_args.a_reason, len);
	wr->wr_reason_len = len;
	return OP_PENDING;
}
