/*
 * libqcreg: the procedure ops (PROTOCOL.md 4.6): case_open, case_close,
 * cases, escalations and escalation_dismiss, queued and single.
 */
#include "msg.h"
#include "qcreg_int.h"

int
qcreg_queue_case_open(struct qcreg *c, const char *list, const char *subject,
    const char *kind, const char *received_on, const char *text,
    const struct qcreg_field *fields, size_t nfields, const char *idem)
{
	struct qcreg_req	 q;
	int			 rc;

	if (list == NULL || subject == NULL || kind == NULL ||
	    received_on == NULL || text == NULL ||
	    (fields == NULL && nfields > 0) || nfields > UINT32_MAX ||
	    !qcreg_idem_ok(idem))
		return qcreg_fail(c, QCREG_E_USAGE, "case_open needs a list, "
		    "a subject, a kind, a received_on date and a text (and "
		    "an idem key of 1 .. %d bytes)", QCREG_IDEM_MAX);
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_CASE_OPEN,
	    5 + (nfields > 0) + (idem != NULL))) != 0)
		return rc;
	return qcreg_req_end(&q, qc_pack_kv_str(&q.pk, "list", list) != 0 ||
	    qc_pack_kv_str(&q.pk, "subject", subject) != 0 ||
	    qc_pack_kv_str(&q.pk, "kind", kind) != 0 ||
	    qc_pack_kv_str(&q.pk, "received_on", received_on) != 0 ||
	    qc_pack_kv_str(&q.pk, "text", text) != 0 ||
	    (nfields > 0 && qcreg_pack_fields(&q.pk, fields, nfields) != 0) ||
	    qcreg_pack_idem(&q.pk, idem) != 0);
}

int
qcreg_queue_case_close(struct qcreg *c, uint64_t case_id, const char *outcome,
    const char *reason, const struct qcreg_field *fields, size_t nfields,
    int64_t if_version, const char *idem)
{
	struct qcreg_req	 q;
	int			 rc;

	if (outcome == NULL || reason == NULL ||
	    (fields == NULL && nfields > 0) || nfields > UINT32_MAX ||
	    if_version < -1 || !qcreg_idem_ok(idem))
		return qcreg_fail(c, QCREG_E_USAGE, "case_close needs a case, "
		    "an outcome and a reason (and an idem key of 1 .. %d "
		    "bytes)", QCREG_IDEM_MAX);
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_CASE_CLOSE,
	    3 + (nfields > 0) + (if_version >= 0) + (idem != NULL))) != 0)
		return rc;
	return qcreg_req_end(&q, qc_pack_kv_uint(&q.pk, "case", case_id) != 0 ||
	    qc_pack_kv_str(&q.pk, "outcome", outcome) != 0 ||
	    qc_pack_kv_str(&q.pk, "reason", reason) != 0 ||
	    (nfields > 0 && qcreg_pack_fields(&q.pk, fields, nfields) != 0) ||
	    (if_version >= 0 && qc_pack_kv_uint(&q.pk, "if_version",
	    (uint64_t)if_version) != 0) ||
	    qcreg_pack_idem(&q.pk, idem) != 0);
}

int
qcreg_queue_cases(struct qcreg *c, const struct qcreg_case_filter *f)
{
	static const struct qcreg_case_filter none = { .within = -1 };
	struct qcreg_req	 q;
	int			 rc;

	if (f == NULL)
		f = &none;
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_CASES, (f->state != NULL) +
	    (f->within >= 0) + (f->list != NULL) + (f->kind != NULL) +
	    (f->after > 0) + (f->limit > 0))) != 0)
		return rc;
	return qcreg_req_end(&q,
	    (f->state != NULL && qc_pack_kv_str(&q.pk, "state",
	    f->state) != 0) ||
	    (f->within >= 0 && qc_pack_kv_uint(&q.pk, "within",
	    (uint64_t)f->within) != 0) ||
	    (f->list != NULL && qc_pack_kv_str(&q.pk, "list", f->list) != 0) ||
	    (f->kind != NULL && qc_pack_kv_str(&q.pk, "kind", f->kind) != 0) ||
	    (f->after > 0 && qc_pack_kv_uint(&q.pk, "after", f->after) != 0) ||
	    (f->limit > 0 && qc_pack_kv_uint(&q.pk, "limit", f->limit) != 0));
}

int
qcreg_queue_escalations(struct qcreg *c, const char *list, const char *after,
    uint32_t limit)
{
	struct qcreg_req	 q;
	int			 rc;

	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_ESCALATIONS,
	    (list != NULL) + (after != NULL) + (limit > 0))) != 0)
		return rc;
	return qcreg_req_end(&q,
	    (list != NULL && qc_pack_kv_str(&q.pk, "list", list) != 0) ||
	    (after != NULL && qc_pack_kv_str(&q.pk, "after", after) != 0) ||
	    (limit > 0 && qc_pack_kv_uint(&q.pk, "limit", limit) != 0));
}

int
qcreg_queue_escalation_dismiss(struct qcreg *c, const char *list,
    const char *subject, const char *reason, const char *idem)
{
	struct qcreg_req	 q;
	int			 rc;

	if (list == NULL || subject == NULL || reason == NULL ||
	    !qcreg_idem_ok(idem))
		return qcreg_fail(c, QCREG_E_USAGE, "escalation_dismiss needs "
		    "a list, a subject and a reason (and an idem key of "
		    "1 .. %d bytes)", QCREG_IDEM_MAX);
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_ESCALATION_DISMISS,
	    3 + (idem != NULL))) != 0)
		return rc;
	return qcreg_req_end(&q, qc_pack_kv_str(&q.pk, "list", list) != 0 ||
	    qc_pack_kv_str(&q.pk, "subject", subject) != 0 ||
	    qc_pack_kv_str(&q.pk, "reason", reason) != 0 ||
	    qcreg_pack_idem(&q.pk, idem) != 0);
}

int
qcreg_case_open(struct qcreg *c, const char *list, const char *subject,
    const char *kind, const char *received_on, const char *text,
    const struct qcreg_field *fields, size_t nfields, const char *idem,
    struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_case_open(c, list, subject, kind, received_on,
	    text, fields, nfields, idem)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_case_close(struct qcreg *c, uint64_t case_id, const char *outcome,
    const char *reason, const struct qcreg_field *fields, size_t nfields,
    int64_t if_version, const char *idem, struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_case_close(c, case_id, outcome, reason, fields,
	    nfields, if_version, idem)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_cases(struct qcreg *c, const struct qcreg_case_filter *f,
    struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_cases(c, f)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_escalations(struct qcreg *c, const char *list, const char *after,
    uint32_t limit, struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_escalations(c, list, after, limit)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_escalation_dismiss(struct qcreg *c, const char *list,
    const char *subject, const char *reason, const char *idem,
    struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_escalation_dismiss(c, list, subject, reason,
	    idem)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}
