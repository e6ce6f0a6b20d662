/*
 * put and remove: checked here, on the worker, then applied by the
 * writer thread, which answers once the write is durable.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "fields.h"
#include "msg.h"
#include "writer.h"

static enum op_result	 put(struct req *);
static enum op_result	 remove_entry(struct req *);
static enum op_result	 write_common(struct req *, enum write_op);

static const char *const put_args[] = {
	"list", "subject", "fields", "if_version", NULL
};
static const char *const remove_args[] = {
	"list", "subject", "reason", "if_version", NULL
};

const struct op op_put = {
	"put", ROLE_BIT(ROLE_AGENCY), put_args, put, 1
};
const struct op op_remove = {
	"remove", ROLE_BIT(ROLE_AGENCY), remove_args, remove_entry, 1
};

/* list, permission, subject and if_version, shared by both ops. */
static enum op_result
write_common(struct req *q, enum write_op op)
{
	const struct conn	*c = q->q_c;
	const struct list_def	*l;
	struct write_req	*wr;
	char			 subject[QC_SUBJECT_MAX];
	uint64_t		 ifv;
	int			 li, rc, kind;

	if ((rc = arg_list(q, "list", &li)) != 1)
		return rc == 0 ? req_fail(q, QC_E_BAD_REQUEST,
		    "list: required") : OP_ERROR;
	l = &q->q_cfg->lists[li];
	if ((c->c_prin->p_writes & (1u << li)) == 0)
		return req_fail(q, QC_E_FORBIDDEN, "%s does not write list %s",
		    c->c_principal, l->l_name);
	if ((rc = arg_subject(q, "subject", subject)) != 1)
		return rc == 0 ? req_fail(q, QC_E_BAD_REQUEST,
		    "subject: required") : OP_ERROR;
	kind = qc_kind_from_name(subject, strcspn(subject, ":"));
	if (kind < 0 || ((l->l_kinds >> kind) & 1) == 0)
		return req_fail(q, QC_E_INVALID_SUBJECT, "list %s does not "
		    "accept subjects of kind %.*s", l->l_name,
		    (int)strcspn(subject, ":"), subject);
	if ((rc = arg_uint(q, "if_version", &ifv)) == -1)
		return OP_ERROR;
	if ((wr = write_req_new()) == NULL)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	wr->wr_op = op;
	wr->wr_list = l;
	strcpy(wr->wr_subject, subject);
	strcpy(wr->wr_principal, c->c_principal);
	wr->wr_has_if = rc == 1;
	wr->wr_if_version = ifv;
	q->q_write = wr;
	return OP_WRITE;
}

static enum op_result
put(struct req *q)
{
	if (write_common(q, WR_PUT) != OP_WRITE)
		return OP_ERROR;
	if (fields_prepare(q, q->q_write->wr_list,
	    qc_map_get(q->q_msg, "fields"), q->q_write) == -1) {
		write_req_free(q->q_write);
		q->q_write = NULL;
		return OP_ERROR;
	}
	return OP_WRITE;
}

static enum op_result
remove_entry(struct req *q)
{
	struct write_req	*wr;
	const char		*s;
	size_t			 len;
	int			 rc;

	if (write_common(q, WR_REMOVE) != OP_WRITE)
		return OP_ERROR;
	wr = q->q_write;
	if ((rc = arg_str(q, "reason", &s, &len)) != 1 || len == 0 ||
	    len > q->q_cfg->limits.max_text) {
		if (rc != -1)
			req_fail(q, QC_E_BAD_REQUEST, "reason: required, 1 to "
			    "%zu bytes", q->q_cfg->limits.max_text);
		goto fail;
	}
	if ((wr->wr_reason = malloc(len)) == NULL) {
		req_fail(q, QC_E_INTERNAL, "out of memory");
		goto fail;
	}
	memcpy(wr->wr_reason, s, len);
	wr->wr_reason_len = len;
	if (fields_payload_add(&wr->wr_payload, "reason", s, len) == -1)
		goto oom;
	return OP_WRITE;
oom:
	req_fail(q, QC_E_INTERNAL, "out of memory");
fail:
	write_req_free(wr);
	q->q_write = NULL;
	return OP_ERROR;
}
