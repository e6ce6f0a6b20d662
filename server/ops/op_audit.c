/*
 * The audit of reads from the ops' side: what dispatch records of each
 * read (audit_request), and the admin's audit op that reads it back
 * (PROTOCOL.md 4.15).
 */
#include <string.h>
#include <time.h>

#include "args.h"
#include "audit.h"
#include "msg.h"
#include "op.h"
#include "sig.h"

/* The search text is recorded as a "subject" of its own, so marked. */
#define SEARCH_MARK	"q:"

int
read_principal(struct req *q, const char *name, const msgpack_object *o)
{
	const char	*s;
	size_t		 len;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	if (len == 0 || len >= sizeof(q->q_args.a_principal)) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: 1 to %zu bytes", name,
		    sizeof(q->q_args.a_principal) - 1);
		return -1;
	}
	memcpy(q->q_args.a_principal, s, len);
	q->q_args.a_principal[len] = '\0';
	return 0;
}

int
read_since_day(struct req *q, const char *name, const msgpack_object *o)
{
	return arg_day(q, name, o, &q->q_args.a_since_day);
}

int
read_after_seq(struct req *q, const char *name, const msgpack_object *o)
{
	return arg_uint(q, name, o, &q->q_args.a_after_seq);
}

void
audit_request(struct req *q)
{
	struct audit_str	 subs[AUDIT_SUBJECTS_MAX];
	char			 text[2 + 256];
	const msgpack_object	*a = q->q_args.a_subjects;
	size_t			 n = 0, i;

	if (ARG_HAS(q, ARG_SUBJECTS))
		for (i = 0; i < a->via.array.size && n < AUDIT_SUBJECTS_MAX;
		    i++) {
			subs[n].as_s = a->via.array.ptr[i].via.str.ptr;
			subs[n++].as_len = a->via.array.ptr[i].via.str.size;
		}
	else if (ARG_HAS(q, ARG_SUBJECT)) {
		subs[0].as_s = q->q_args.a_subject;
		subs[n++].as_len = strlen(q->q_args.a_subject);
	} else if (ARG_HAS(q, ARG_Q) && q->q_args.a_q_len < sizeof(text) - 2) {
		memcpy(text, SEARCH_MARK, 2);
		memcpy(text + 2, q->q_args.a_q, q->q_args.a_q_len);
		subs[0].as_s = text;
		subs[n++].as_len = 2 + q->q_args.a_q_len;
	}
	audit_add(q->q_store->s_audit, (uint64_t)time(NULL),
	    q->q_who->cl_name, q->q_op->op_name, subs, n);
}

/* The records packed so far, and how many. */
struct packed {
	msgpack_packer	 p_pk;
	uint32_t	 p_n;
};

/* {seq, at, principal, op, subjects, hash} */
static int
audit_pack_rec(void *arg, const struct audit_rec *r)
{
	struct packed	*pd = arg;
	msgpack_packer	*pk = &pd->p_pk;
	char		 hex[2 * 32 + 1];

	qc_hex(r->ar_hash, 32, hex);
	pd->p_n++;
	return msgpack_pack_map(pk, 6) != 0 ||
	    qc_pack_kv_uint(pk, "seq", r->ar_seq) != 0 ||
	    qc_pack_kv_uint(pk, "at", r->ar_at) != 0 ||
	    qc_pack_cstr(pk, "principal") != 0 ||
	    msgpack_pack_str_with_body(pk, r->ar_principal,
	    r->ar_principal_len) != 0 ||
	    qc_pack_cstr(pk, "op") != 0 ||
	    msgpack_pack_str_with_body(pk, r->ar_op, r->ar_op_len) != 0 ||
	    qc_pack_cstr(pk, "subjects") != 0 ||
	    msgpack_pack_object(pk, *r->ar_subjects) != 0 ||
	    qc_pack_kv_str(pk, "hash", hex) != 0 ? -1 : 0;
}

enum op_status
op_audit(struct req *q)
{
	struct audit_query	 aq;
	msgpack_sbuffer		 recs;
	struct packed		 pd = { .p_n = 0 };
	uint64_t		 next, first, head;
	int			 rc;

	if (q->q_store->s_audit == NULL)
		return req_fail(q, QC_E_UNAVAILABLE, "this server keeps no "
		    "audit");
	memset(&aq, 0, sizeof(aq));
	aq.aq_principal = q->q_args.a_principal[0] != '\0' ?
	    q->q_args.a_principal : NULL;
	aq.aq_subject = ARG_HAS(q, ARG_SUBJECT) ? q->q_args.a_subject : NULL;
	if (ARG_HAS(q, ARG_SINCE_DAY))
		aq.aq_since = (uint64_t)((int64_t)q->q_args.a_since_day *
		    86400 - (int64_t)q->q_cfg->utc_offset * 60);
	aq.aq_after = q->q_args.a_after_seq;
	aq.aq_limit = q->q_args.a_limit;
	/* Packed into a buffer first: the array's size comes before it. */
	msgpack_sbuffer_init(&recs);
	msgpack_packer_init(&pd.p_pk, &recs, msgpack_sbuffer_write);
	rc = audit_read(q->q_store->s_audit, &aq, audit_pack_rec, &pd, &next);
	if (rc == 0)
		rc = audit_range(q->q_store->s_audit, &first, &head);
	if (rc != 0 || msgpack_pack_map(q->q_pk, 4) != 0 ||
	    qc_pack_cstr(q->q_pk, "records") != 0 ||
	    msgpack_pack_array(q->q_pk, pd.p_n) != 0 ||
	    q->q_pk->callback(q->q_pk->data, recs.data, recs.size) != 0 ||
	    qc_pack_cstr(q->q_pk, "next") != 0 ||
	    (next > 0 ? msgpack_pack_uint64(q->q_pk, next) :
	    msgpack_pack_nil(q->q_pk)) != 0 ||
	    qc_pack_kv_uint(q->q_pk, "first", first) != 0 ||
	    qc_pack_kv_uint(q->q_pk, "head", head) != 0) {
		msgpack_sbuffer_destroy(&recs);
		return req_fail(q, QC_E_INTERNAL, "reading the audit");
	}
	msgpack_sbuffer_destroy(&recs);
	return OP_DONE;
}
