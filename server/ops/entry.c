/*
 * Wire entries from stored version records.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "date.h"
#include "entry.h"
#include "msg.h"

const struct list_def *
entry_list(const struct config *cfg, const struct record *r)
{
	int	 li = config_list_index(cfg, r->r_list, r->r_list_len);

	return li == -1 ? NULL : &cfg->lists[li];
}

enum state
entry_state(const struct list_def *l, const struct record *r, int32_t today)
{
	int32_t	 start, end;

	record_dates(l, r->r_fields, &start, &end);
	return state_of(r->r_removed, start, end, today);
}

int
entry_pack(msgpack_packer *pk, const struct record *r, enum state st,
    int with_by, uint64_t disputed)
{
	int	 by_case = r->r_op == CH_CASE_CLOSE;
	size_t	 n = 8 + (r->r_reason != NULL) + (with_by != 0) + by_case +
		    (disputed != 0);

	if (msgpack_pack_map(pk, n) != 0 ||
	    qc_pack_cstr(pk, "list") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_list, r->r_list_len) != 0 ||
	    qc_pack_cstr(pk, "subject") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_subject,
	    r->r_subject_len) != 0 ||
	    qc_pack_kv_uint(pk, "version", r->r_version) != 0 ||
	    qc_pack_kv_str(pk, "status",
	    r->r_removed ? "removed" : "listed") != 0 ||
	    qc_pack_kv_str(pk, "state", state_name(st)) != 0 ||
	    qc_pack_cstr(pk, "fields") != 0 ||
	    msgpack_pack_object(pk, *r->r_fields) != 0)
		return -1;
	if (r->r_reason != NULL && (qc_pack_cstr(pk, "reason") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_reason,
	    r->r_reason_len) != 0))
		return -1;
	if (with_by && (qc_pack_cstr(pk, "by") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_by, r->r_by_len) != 0))
		return -1;
	if (qc_pack_kv_uint(pk, "at", r->r_at) != 0 ||
	    qc_pack_kv_uint(pk, "seq", r->r_seq) != 0 ||
	    (by_case && qc_pack_kv_uint(pk, "case", r->r_case) != 0) ||
	    (disputed != 0 && qc_pack_kv_uint(pk, "disputed", disputed) != 0))
		return -1;
	return 0;
}

int
entry_pack_seq(struct req *q, MDB_txn *txn, msgpack_packer *pk, uint64_t seq,
    int st, int with_by, uint64_t disputed)
{
	const struct list_def	*l;
	msgpack_unpacked	 up;
	struct record		 r;
	int			 rc;

	if ((rc = record_fetch(q->q_store, txn, seq, &up, &r)) == 0 &&
	    st == -1 && (l = entry_list(q->q_cfg, &r)) != NULL)
		st = (int)entry_state(l, &r, q->q_today);
	if (rc == 0 && (st == -1 || entry_pack(pk, &r, (enum state)st,
	    with_by, disputed) != 0))
		rc = ENOMEM;
	msgpack_unpacked_destroy(&up);
	if (rc != 0) {
		req_fail(q, QC_E_INTERNAL, "cannot pack version %" PRIu64
		    ": %s", seq, mdb_strerror(rc));
		return -1;
	}
	return 0;
}

unsigned
entry_escalation_mask(const struct req *q)
{
	switch (q->q_who->cl_role) {
	case ROLE_REGULATOR:
		return config_all_lists(q->q_cfg);
	case ROLE_AGENCY:
		return q->q_who->cl_prin->p_writes;
	default:
		return 0;	/* platforms never see escalations */
	}
}

int
entry_escalation_pack(msgpack_packer *pk, const struct config *cfg,
    const struct escalation *e, const char *subject, size_t len)
{
	char	 first[QC_DATE_LEN + 1], last[QC_DATE_LEN + 1];

	qc_date_format(e->es_first, first);
	qc_date_format(e->es_last, last);
	return msgpack_pack_map(pk, 5 + (subject != NULL)) != 0 ||
	    (subject != NULL && (qc_pack_cstr(pk, "subject") != 0 ||
	    msgpack_pack_str_with_body(pk, subject, len) != 0)) ||
	    qc_pack_kv_str(pk, "list", cfg->lists[e->es_watch].l_name) ||
	    qc_pack_kv_str(pk, "to", cfg->lists[e->es_to].l_name) ||
	    qc_pack_kv_uint(pk, "count", e->es_count) ||
	    qc_pack_kv_str(pk, "first", first) ||
	    qc_pack_kv_str(pk, "last", last) ? -1 : 0;
}

long
entry_hits(struct req *q, MDB_txn *txn, unsigned mask,
    struct summary_hit *hits)
{
	return entry_hits_of(q, txn, q->q_args.a_subject,
	    strlen(q->q_args.a_subject), mask, hits);
}

long
entry_hits_of(struct req *q, MDB_txn *txn, const char *subject, size_t len,
    unsigned mask, struct summary_hit *hits)
{
	const uint8_t		*p, *end;
	struct summary_hit	 h;
	unsigned		 found = 0;
	MDB_val			 k, v;
	int			 rc, li;

	k.mv_data = (void *)subject;
	k.mv_size = len;
	if ((rc = mdb_get(txn, q->q_store->s_summary, &k, &v)) ==
	    MDB_NOTFOUND)
		return 0;
	if (rc != 0) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	p = v.mv_data;
	end = p + v.mv_size;
	while ((rc = summary_next(&p, end, &h)) == 1) {
		li = config_list_index(q->q_cfg, h.h_list, h.h_list_len);
		if (li == -1 || ((mask >> li) & 1) == 0)
			continue;
		hits[li] = h;
		found |= 1u << li;
	}
	if (rc == -1) {
		req_fail(q, QC_E_INTERNAL, "corrupt summary");
		return -1;
	}
	return found;
}

enum verdict
entry_verdict(const struct config *cfg, const struct summary_hit *hits,
    unsigned found)
{
	enum verdict	 v, worst = VERDICT_CLEAR;
	int		 li;

	for (li = 0; li < cfg->nlists; li++) {
		if (((found >> li) & 1) == 0)
			continue;
		v = config_entry_verdict(&cfg->lists[li], hits[li].h_grade,
		    hits[li].h_grade_len);
		if (v > worst)
			worst = v;
	}
	return worst;
}

int
entry_full_view(enum role role)
{
	return role == ROLE_REGULATOR;
}
