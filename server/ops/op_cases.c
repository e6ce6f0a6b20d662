/*
 * cases: procedures by id, filtered by state, list and kind, with their
 * deadlines counted now against the calendar of the moment.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "calendar.h"
#include "date.h"
#include "msg.h"
#include "op.h"

/* Cases looked at per page, whatever the limit (as scan). */
#define CASES_VISIT_MAX	20000

/* One case as a listing sees it. */
struct case_view {
	uint64_t	 cv_id;
	struct case_rec	 cv_rec;
	const struct list_def *cv_list;
	int32_t		 cv_deadline;
	int		 cv_provisional;
	enum case_state	 cv_state;
};

static int	 case_wanted(const struct req *, unsigned, struct case_view *);
static int	 case_pack(struct req *, msgpack_packer *, MDB_txn *,
		    const struct case_view *);
static int	 pack_opening(msgpack_packer *, const struct record *);
static int	 pack_closing(msgpack_packer *, const struct case_view *,
		    const struct record *);

/* The lists whose cases the caller sees. */
static unsigned
visible_lists(const struct req *q)
{
	if (ARG_HAS(q, ARG_LIST))
		return 1u << q->q_args.a_list;
	if (q->q_who->cl_role == ROLE_AGENCY)
		return q->q_who->cl_prin->p_writes;
	return config_all_lists(q->q_cfg);
}

/* The last day a `due` case's deadline may fall on. */
static int32_t
due_until(const struct req *q)
{
	if (q->q_args.a_within == 0)
		return q->q_today;
	return calendar_deadline(config_calendar(q->q_cfg), q->q_today,
	    (int)q->q_args.a_within, NULL);
}

/* Fills the computed parts of cv; 1 if the filters keep it. */
static int
case_wanted(const struct req *q, unsigned mask, struct case_view *cv)
{
	const struct case_rec	*cr = &cv->cv_rec;
	int			 li, want = q->q_args.a_case_state;

	li = config_list_index(q->q_cfg, cr->cr_list, cr->cr_list_len);
	if (li < 0 || ((mask >> li) & 1) == 0 ||
	    (q->q_args.a_kind >= 0 && (int)cr->cr_kind != q->q_args.a_kind))
		return 0;
	cv->cv_list = &q->q_cfg->lists[li];
	cv->cv_deadline = case_deadline(q->q_cfg, cv->cv_list, cr->cr_kind,
	    cr->cr_received_on, &cv->cv_provisional);
	cv->cv_state = case_state_of(cr, cv->cv_deadline, q->q_today);
	switch (want) {
	case CS_OPEN:
		return cv->cv_state != CS_CLOSED;
	case CS_DUE:
		return cv->cv_state == CS_OPEN &&
		    cv->cv_deadline <= due_until(q);
	default:
		return (int)cv->cv_state == want;
	}
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

static int
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

enum op_status
op_cases(struct req *q)
{
	unsigned	 mask = visible_lists(q), n = 0, visited = 0;
	struct case_view cv;
	msgpack_sbuffer	 items;
	msgpack_packer	 ipk, *pk = q->q_pk;
	MDB_cursor	*cur;
	MDB_txn		*txn;
	MDB_val		 k, v;
	uint8_t		 start[8];
	uint64_t	 last = 0;
	int		 rc;

	if ((txn = req_txn(q)) == NULL)
		return OP_ERROR;
	if ((rc = mdb_cursor_open(txn, q->q_store->s_cases, &cur)) != 0)
		return req_fail(q, QC_E_INTERNAL, "store: %s",
		    mdb_strerror(rc));
	msgpack_sbuffer_init(&items);
	msgpack_packer_init(&ipk, &items, msgpack_sbuffer_write);
	/* "after" is exclusive; ids are never 0. */
	store_key_seq(start, q->q_args.a_after_case + 1);
	k.mv_data = start;
	k.mv_size = sizeof(start);
	for (rc = q->q_args.a_after_case == UINT64_MAX ? MDB_NOTFOUND :
	    mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	    rc == 0 && n < q->q_args.a_limit && visited++ < CASES_VISIT_MAX;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		cv.cv_id = last = store_seq_from_key(&k);
		if (case_decode(v.mv_data, v.mv_size, &cv.cv_rec) == -1) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (!case_wanted(q, mask, &cv))
			continue;
		if (case_pack(q, &ipk, txn, &cv) != 0)
			break;
		n++;
	}
	mdb_cursor_close(cur);
	if (q->q_fault->f_code == QC_OK && rc != 0 && rc != MDB_NOTFOUND)
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
	if (q->q_fault->f_code == QC_OK &&
	    (msgpack_pack_map(pk, 2) != 0 || qc_pack_cstr(pk, "cases") != 0 ||
	    msgpack_pack_array(pk, n) != 0 ||
	    pk->callback(pk->data, items.data, items.size) != 0 ||
	    qc_pack_cstr(pk, "next") != 0 ||
	    (rc == 0 ? msgpack_pack_uint64(pk, last) :
	    msgpack_pack_nil(pk)) != 0))
		req_fail(q, QC_E_INTERNAL, "out of memory");
	msgpack_sbuffer_destroy(&items);
	return q->q_fault->f_code == QC_OK ? OP_DONE : OP_ERROR;
}
