/*
 * Arguments of the procedure ops (cases, escalations) and the retry key.
 */
#include <string.h>

#include "args.h"
#include "date.h"
#include "msg.h"
#include "writer.h"

int
read_idem(struct req *q, const char *name, const msgpack_object *o)
{
	const char	*s;
	size_t		 len;

	if (arg_text(q, name, o, WR_IDEM_MAX, &s, &len) == -1)
		return -1;
	/* Stored after the principal and a NUL: it may hold none itself. */
	if (memchr(s, '\0', len) != NULL) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: contains NUL", name);
		return -1;
	}
	q->q_args.a_idem = s;
	q->q_args.a_idem_len = len;
	return 0;
}

int
read_kind(struct req *q, const char *name, const msgpack_object *o)
{
	const char	*s;
	size_t		 len;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	if ((q->q_args.a_kind = case_kind_from_name(s, len)) == -1) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: expected notice, objection "
		    "or repair", name);
		return -1;
	}
	return 0;
}

int
read_received_on(struct req *q, const char *name, const msgpack_object *o)
{
	const char	*s;
	size_t		 len;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	if (qc_date_parse(s, len, &q->q_args.a_received_on) == -1) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: expected a date "
		    "YYYY-MM-DD", name);
		return -1;
	}
	if (q->q_args.a_received_on > q->q_today) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: %.*s is after today", name,
		    (int)len, s);
		return -1;
	}
	return 0;
}

int
read_text(struct req *q, const char *name, const msgpack_object *o)
{
	return arg_text(q, name, o, q->q_cfg->limits.max_text,
	    &q->q_args.a_text, &q->q_args.a_text_len);
}

int
read_case(struct req *q, const char *name, const msgpack_object *o)
{
	if (arg_uint(q, name, o, &q->q_args.a_case) == -1)
		return -1;
	if (q->q_args.a_case == 0) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: case ids start at 1", name);
		return -1;
	}
	return 0;
}

int
read_outcome(struct req *q, const char *name, const msgpack_object *o)
{
	const char	*s;
	size_t		 len;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	if ((q->q_args.a_outcome = case_outcome_from_name(s, len)) == -1) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: expected listed, withdrawn, "
		    "upheld, corrected, revoked, approved or rejected", name);
		return -1;
	}
	return 0;
}

int
read_case_state(struct req *q, const char *name, const msgpack_object *o)
{
	const char	*s;
	size_t		 len;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	if ((q->q_args.a_case_state = case_state_from_name(s, len)) == -1) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: expected open, overdue, due "
		    "or closed", name);
		return -1;
	}
	return 0;
}

int
read_within(struct req *q, const char *name, const msgpack_object *o)
{
	uint64_t	 v;

	if (arg_uint(q, name, o, &v) == -1)
		return -1;
	if (v > 365) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: at most 365 working days",
		    name);
		return -1;
	}
	q->q_args.a_within = (uint32_t)v;
	return 0;
}

int
read_after_case(struct req *q, const char *name, const msgpack_object *o)
{
	return arg_uint(q, name, o, &q->q_args.a_after_case);
}
