/*
 * cases: procedures by id, filtered by state, list and kind, with their
 * deadlines counted now against the calendar of the moment.
 */
#include "calendar.h"
#include "case_pack.h"
#include "msg.h"
#include "op.h"

/* Cases looked at per page, whatever the limit (as scan). */
#define CASES_VISIT_MAX	20000

static int	 case_wanted(const struct req *, unsigned, struct case_view *);

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
	int	 want = q->q_args.a_case_state;

	if (case_view_fill(q, mask, cv) < 0 || (q->q_args.a_kind >= 0 &&
	    (int)cv->cv_rec.cr_kind != q->q_args.a_kind))
		return 0;
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
