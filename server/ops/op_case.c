/*
 * case_open and case_close: checked here against the list's schema and
 * the agency's lists; the writer applies them (db/writer_case.c).
 */
#include <inttypes.h>
#include <string.h>

#include "fields.h"
#include "op.h"
#include "writer.h"

static int	 case_read(struct req *, MDB_txn *, struct case_rec *);
static enum op_status close_check(struct req *, const struct case_rec *,
		    int *li);
static enum op_status close_fields(struct req *, MDB_txn *,
		    const struct list_def *);

enum op_status
op_case_open(struct req *q)
{
	const struct args	*a = &q->q_args;
	struct write_req	*wr;
	int			 notice = a->a_kind == CASE_NOTICE;

	if (notice != (a->a_fields != NULL))
		return req_fail(q, QC_E_BAD_REQUEST, notice ? "fields: "
		    "required: a notice proposes the fields of the listing" :
		    "fields: only a notice case proposes fields");
	if (op_write_prepare(q, WR_CASE_OPEN) != OP_PENDING)
		return OP_ERROR;
	wr = q->q_write;
	wr->wr_kind = a->a_kind;
	wr->wr_received_on = a->a_received_on;
	if (op_write_text(q, &wr->wr_text, &wr->wr_text_len, a->a_text,
	    a->a_text_len) != OP_PENDING)
		return OP_ERROR;
	if (notice && fields_prepare(q->q_fault, wr->wr_list, a->a_fields, wr) == -1)
		return op_write_drop(q);
	return OP_PENDING;
}

/* The case of the request from the snapshot: 0, or -1 after req_fail. */
static int
case_read(struct req *q, MDB_txn *txn, struct case_rec *cr)
{
	uint8_t	 key[8];
	MDB_val	 k, v;
	int	 rc;

	store_key_seq(key, q->q_args.a_case);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	if ((rc = mdb_get(txn, q->q_store->s_cases, &k, &v)) == MDB_NOTFOUND) {
		req_fail(q, QC_E_NOT_FOUND, "no case %" PRIu64,
		    q->q_args.a_case);
		return -1;
	}
	if (rc != 0 || case_decode(v.mv_data, v.mv_size, cr) == -1) {
		req_fail(q, QC_E_INTERNAL, "reading case %" PRIu64 ": %s",
		    q->q_args.a_case, rc != 0 ? mdb_strerror(rc) : "corrupt");
		return -1;
	}
	return 0;
}

/* Who may close it, and whether the outcome and fields fit its kind. */
static enum op_status
close_check(struct req *q, const struct case_rec *cr, int *li)
{
	const struct caller	*who = q->q_who;
	enum case_outcome	 out = (enum case_outcome)q->q_args.a_outcome;
	int			 takes_fields, given = q->q_args.a_fields != NULL;

	*li = config_list_index(q->q_cfg, cr->cr_list, cr->cr_list_len);
	if (*li < 0)
		return req_fail(q, QC_E_NOT_FOUND, "case %" PRIu64 " is on a "
		    "list that is no longer configured", q->q_args.a_case);
	if ((who->cl_prin->p_writes & (1u << *li)) == 0)
		return req_fail(q, QC_E_FORBIDDEN, "case_close: case %" PRIu64
		    " is on list %s, which %s does not write", q->q_args.a_case,
		    q->q_cfg->lists[*li].l_name, who->cl_name);
	if (case_outcome_kind(out) != cr->cr_kind)
		return req_fail(q, QC_E_BAD_REQUEST, "outcome: %s does not "
		    "close a %s case", case_outcome_name(out),
		    case_kind_name(cr->cr_kind));
	takes_fields = out == OUT_LISTED || out == OUT_CORRECTED;
	if (given && !takes_fields)
		return req_fail(q, QC_E_BAD_REQUEST, "fields: only with the "
		    "outcomes listed and corrected");
	if (!given && out == OUT_CORRECTED)
		return req_fail(q, QC_E_BAD_REQUEST, "fields: required: a "
		    "correction gives the corrected fields");
	return OP_DONE;
}

/*
 * The fields of a closing that lists: given, or else the proposal kept
 * in the record that opened the notice.
 */
static enum op_status
close_fields(struct req *q, MDB_txn *txn, const struct list_def *l)
{
	msgpack_unpacked up;
	struct record	 r;
	int		 rc;

	if (q->q_args.a_fields != NULL) {
		q->q_write->wr_has_fields = 1;
		return fields_prepare(q->q_fault, l, q->q_args.a_fields,
		    q->q_write) == -1 ? OP_ERROR : OP_DONE;
	}
	if ((rc = record_fetch(q->q_store, txn, q->q_args.a_case, &up,
	    &r)) != 0 || r.r_fields == NULL) {
		msgpack_unpacked_destroy(&up);
		return req_fail(q, QC_E_INTERNAL, "reading the proposal of "
		    "case %" PRIu64, q->q_args.a_case);
	}
	rc = fields_prepare(q->q_fault, l, r.r_fields, q->q_write);
	msgpack_unpacked_destroy(&up);
	return rc == -1 ? OP_ERROR : OP_DONE;
}

enum op_status
op_case_close(struct req *q)
{
	const struct args	*a = &q->q_args;
	struct write_req	*wr;
	struct case_rec		 cr;
	MDB_txn			*txn;
	int			 li;

	if ((txn = req_txn(q)) == NULL || case_read(q, txn, &cr) == -1 ||
	    close_check(q, &cr, &li) != OP_DONE)
		return OP_ERROR;
	if (cr.cr_subject_len >= QC_SUBJECT_MAX)
		return req_fail(q, QC_E_INTERNAL, "case %" PRIu64 ": subject "
		    "too long", a->a_case);
	if ((wr = write_req_new()) == NULL)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	q->q_write = wr;
	wr->wr_op = WR_CASE_CLOSE;
	wr->wr_list = &q->q_cfg->lists[li];
	memcpy(wr->wr_subject, cr.cr_subject, cr.cr_subject_len);
	wr->wr_subject[cr.cr_subject_len] = '\0';
	wr->wr_case = a->a_case;
	wr->wr_outcome = a->a_outcome;
	wr->wr_has_if = ARG_HAS(q, ARG_IF_VERSION);
	wr->wr_if_version = a->a_if_version;
	if (op_write_text(q, &wr->wr_reason, &wr->wr_reason_len, a->a_reason,
	    a->a_reason_len) != OP_PENDING)
		return OP_ERROR;
	if (case_outcome_effect(a->a_outcome) == EFFECT_LISTS &&
	    close_fields(q, txn, wr->wr_list) != OP_DONE)
		return op_write_drop(q);
	return OP_PENDING;
}
