/*
 * A case as cases and report show it.
 */
#include <errno.h>
#include <inttypes.h>

#include "case_pack.h"
#include "date.h"
#include "msg.h"

static int	 pack_opening(msgpack_packer *, const struct record *);
static int	 pack_closing(msgpack_packer *, const struct case_view *,
		    const struct record *);

int
case_view_fill(const struct req *q, unsigned mask, struct case_view *cv)
{
	const struct case_rec	*cr = &cv->cv_rec;
	int			 li;

	li = config_list_index(q->q_cfg, cr->cr_list, cr->cr_list_len);
	if (li < 0 || ((mask >> li) & 1) == 0)
		return -1;
	cv->cv_list = &q->q_cfg->lists[li];
	cv->cv_deadline = case_deadline(q->q_cfg, cv->cv_list, cr->cr_kind,
	    cr->cr_received_on, &cv->cv_provisional);
	cv->cv_state = case_state_of(cr, cv->cv_deadline, q->q_today);
	return 0;
}

/* text, by and the proposal, from the record that opened the case. */
static int
pack_opening(msgpack_packer *pk, const struct record *r)
{
	const msgpack_object	*text = qc_map_get(&r->r_payload_obj, "text");

	if (text == NULL)
		return -1;
	return qc_pack_cstr(pk, "text") != 0 ||
	    msgpack_pack_object(pk, *text) != 0 ||
	    qc_pack_cstr(pk, "by") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_by, r->r_by_len) != 0 ||
	    (r->r_fields != NULL && (qc_pack_cstr(pk, "fields") != 0 ||
	    msgpack_pack_object(pk, *r->r_fields) != 0)) ? -1 : 0;
}

/* closed_on, outcome, reason, closed_by and version of a closed case. */
static int
pack_closing(msgpack_packer *pk, const struct case_view *cv,
    const struct record *r)
{
	const struct case_rec	*cr = &cv->cv_rec;
	char			 day[QC_DATE_LEN + 1];

	qc_date_format(cr->cr_closed_on, day);
	return qc_pack_kv_str(pk, "closed_on", day) != 0 ||
	    qc_pack_kv_str(pk, "outcome",
	    case_outcome_name(cr->cr_outcome)) != 0 ||
	    qc_pack_cstr(pk, "reason") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_reason, r->r_reason_len) ||
	    qc_pack_cstr(pk, "closed_by") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_by, r->r_by_len) != 0 ||
	    (cr->cr_version != 0 &&
	    qc_pack_kv_uint(pk, "version", cr->cr_version) != 0) ? -1 : 0;
}

int
case_pack(struct req *q, msgpack_packer *pk, MDB_txn *txn,
    const struct case_view *cv)
{
	const struct case_rec	*cr = &cv->cv_rec;
	msgpack_unpacked	 up, cup;
	struct record		 r, c;
	char			 recv[QC_DATE_LEN + 1], dl[QC_DATE_LEN + 1];
	int			 rc, closed = cr->cr_outcome != CASE_OPEN, n;

	msgpack_unpacked_init(&cup);
	if ((rc = record_fetch(q->q_store, txn, cv->cv_id, &up, &r)) != 0 ||
	    (closed && (rc = record_fetch(q->q_store, txn, cr->cr_close_seq,
	    &cup, &c)) != 0) || (closed && c.r_reason == NULL))
		goto done;
	qc_date_format(cr->cr_received_on, recv);
	qc_date_format(cv->cv_deadline, dl);
	n = 9 + (cv->cv_provisional != 0) + (r.r_fields != NULL) +
	    (closed ? 4 + (cr->cr_version != 0) : 0);
	rc = ENOMEM;
	if (msgpack_pack_map(pk, (uint32_t)n) != 0 ||
	    qc_pack_kv_uint(pk, "case", cv->cv_id) != 0 ||
	    qc_pack_kv_str(pk, "kind", case_kind_name(cr->cr_kind)) != 0 ||
	    qc_pack_kv_str(pk, "list", cv->cv_list->l_name) != 0 ||
	    qc_pack_cstr(pk, "subject") != 0 ||
	    msgpack_pack_str_with_body(pk, cr->cr_subject,
	    cr->cr_subject_len) != 0 ||
	    qc_pack_kv_str(pk, "state", case_state_name(cv->cv_state)) != 0 ||
	    qc_pack_kv_str(pk, "received_on", recv) != 0 ||
	    qc_pack_kv_str(pk, "deadline", dl) != 0 ||
	    (cv->cv_provisional && (qc_pack_cstr(pk, "provisional") != 0 ||
	    msgpack_pack_true(pk) != 0)) ||
	    pack_opening(pk, &r) != 0 ||
	    (closed && pack_closing(pk, cv, &c) != 0))
		goto done;
	rc = 0;
done:
	msgpack_unpacked_destroy(&up);
	msgpack_unpacked_destroy(&cup);
	if (rc != 0)
		req_fail(q, QC_E_INTERNAL, "case %" PRIu64 ": %s", cv->cv_id,
		    rc == ENOMEM ? "cannot pack" : mdb_strerror(rc));
	return rc;
}

