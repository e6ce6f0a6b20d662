/*
 * put: list or update an entry. Checked here, on the worker; applied by
 * the writer thread, whose result is the answer.
 */
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "op.h"
#include "writer.h"

/* The write both put and remove start from: list, subject, if_version. */
enum op_status
op_write_prepare(struct req *q, int op)
{
	const struct list_def	*l = &q->q_cfg->lists[q->q_args.a_list];
	const char		*subject = q->q_args.a_subject;
	struct write_req	*wr;
	int			 kind;

	kind = qc_kind_from_name(subject, strcspn(subject, ":"));
	if (kind < 0 || ((l->l_kinds >> kind) & 1) == 0)
		return req_fail(q, QC_E_INVALID_SUBJECT, "list %s does not "
		    "accept subjects of kind %.*s", l->l_name,
		    (int)strcspn(subject, ":"), subject);
	if ((wr = write_req_new()) == NULL)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	wr->wr_op = op;
	wr->wr_list = l;
	strcpy(wr->wr_subject, subject);
	wr->wr_has_if = ARG_HAS(q, ARG_IF_VERSION);
	wr->wr_if_version = q->q_args.a_if_version;
	wr->wr_unless_same = q->q_args.a_unless_same;
	q->q_write = wr;
	return OP_PENDING;
}

enum op_status
op_write_drop(struct req *q)
{
	write_req_free(q->q_write);
	q->q_write = NULL;
	return OP_ERROR;
}

enum op_status
op_write_text(struct req *q, char **out, size_t *out_len, const char *s,
    size_t len)
{
	if ((*out = malloc(len)) == NULL) {
		op_write_drop(q);
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	}
	memcpy(*out, s, len);
	*out_len = len;
	return OP_PENDING;
}

enum op_status
op_put(struct req *q)
{
	if (op_write_prepare(q, WR_PUT) != OP_PENDING)
		return OP_ERROR;
	if (fields_prepare(q->q_fault, q->q_write->wr_list, q->q_args.a_fields,
	    q->q_write) == -1) {
		write_req_free(q->q_write);
		q->q_write = NULL;
		return OP_ERROR;
	}
	return OP_PENDING;
}
