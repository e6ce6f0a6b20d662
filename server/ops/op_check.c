/*
 * check: the hot path. One summary lookup per subject; a hit is an
 * active entry, decided against today.
 */
#include <string.h>

#include "date.h"
#include "entry.h"
#include "metrics.h"
#include "msg.h"
#include "op.h"
#include "op_check.h"
#include "replica.h"
#include "summary.h"

static int		 check_lookup(struct req *, MDB_txn **, const char *,
			    unsigned, struct summary_hit *, unsigned *,
			    struct escalation *);
static int		 check_pack(struct req *, const char *,
			    const struct summary_hit *, unsigned, enum verdict,
			    const struct escalation *);
static enum op_status	 check_all(struct req *, MDB_txn *,
			    struct check_sign *);

/*
 * The active hits of one valid subject on the lists of mask, by list
 * index. Most subjects are on no list: the Bloom filter answers those
 * without a read transaction, which is begun (*txn) on the first maybe.
 */
static int
check_lookup(struct req *q, MDB_txn **txn, const char *subject,
    unsigned mask, struct summary_hit *hits, unsigned *found,
    struct escalation *esc)
{
	unsigned		 esc_mask = entry_escalation_mask(q) & mask;
	const uint8_t		*p, *end;
	struct summary_hit	 h;
	MDB_val			 k, v;
	int			 rc, li;

	*found = 0;
	esc->es_count = 0;
	k.mv_data = (void *)subject;
	k.mv_size = strlen(subject);
	if (!filter_maybe(&q->q_store->s_filter, k.mv_data, k.mv_size))
		return 0;
	if (*txn == NULL && (*txn = req_txn(q)) == NULL)
		return -1;
	if ((rc = mdb_get(*txn, q->q_store->s_summary, &k, &v)) ==
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
		if (li == -1 || ((mask >> li) & 1) == 0 ||
		    state_of(h.h_flags & SUMMARY_REMOVED, h.h_start, h.h_end,
		    q->q_today) != ST_ACTIVE)
			continue;
		hits[li] = h;
		*found |= 1u << li;
	}
	/* Only for those who see escalations: platforms pay nothing. */
	if (rc == 0 && esc_mask != 0 && escalation_find(q->q_cfg, v.mv_data,
	    v.mv_size, esc_mask, q->q_today, esc) != 1)
		esc->es_count = 0;
	if (rc == -1) {
		req_fail(q, QC_E_INTERNAL, "corrupt summary");
		return -1;
	}
	return 0;
}

/*
 * Packs {subject, verdict, hits: [{list, grade?, until?, disputed?}],
 * escalation?}; -1 on failure.
 */
static int
check_pack(struct req *q, const char *subject, const struct summary_hit *hits,
    unsigned found, enum verdict verdict, const struct escalation *esc)
{
	const struct config	*cfg = q->q_cfg;
	msgpack_packer		*pk = q->q_pk;
	const struct summary_hit *h;
	char			 date[QC_DATE_LEN + 1];
	int			 li;

	if (msgpack_pack_map(pk, 3 + (esc->es_count > 0)) != 0 ||
	    qc_pack_kv_str(pk, "subject", subject) != 0 ||
	    qc_pack_kv_str(pk, "verdict", config_verdict_name(verdict)) != 0 ||
	    qc_pack_cstr(pk, "hits") != 0 ||
	    msgpack_pack_array(pk, __builtin_popcount(found)) != 0)
		goto oom;
	for (li = 0; li < cfg->nlists; li++) {
		if (((found >> li) & 1) == 0)
			continue;
		h = &hits[li];
		if (msgpack_pack_map(pk, 1 + (h->h_grade != NULL) +
		    (h->h_end != DATE_NONE_END) + (h->h_case != 0)) != 0 ||
		    qc_pack_kv_str(pk, "list", cfg->lists[li].l_name) != 0)
			goto oom;
		if (h->h_grade != NULL && (qc_pack_cstr(pk, "grade") != 0 ||
		    msgpack_pack_str_with_body(pk, h->h_grade,
		    h->h_grade_len) != 0))
			goto oom;
		if (h->h_end != DATE_NONE_END) {
			qc_date_format(h->h_end, date);
			if (qc_pack_kv_str(pk, "until", date) != 0)
				goto oom;
		}
		if (h->h_case != 0 &&
		    qc_pack_kv_uint(pk, "disputed", h->h_case) != 0)
			goto oom;
	}
	if (esc->es_count > 0 && (qc_pack_cstr(pk, "escalation") != 0 ||
	    entry_escalation_pack(pk, cfg, esc, NULL, 0) != 0))
		goto oom;
	return 0;
oom:
	req_fail(q, QC_E_INTERNAL, "out of memory");
	return -1;
}

/* The results, and the signed text beside them if cs is not NULL. */
static enum op_status
check_all(struct req *q, MDB_txn *txn, struct check_sign *cs)
{
	const msgpack_object	*subs = q->q_args.a_subjects;
	msgpack_packer		*pk = q->q_pk;
	const msgpack_object	*o;
	struct summary_hit	 hits[CFG_MAX_LISTS];
	struct escalation	 esc;
	char			 canon[QC_SUBJECT_MAX];
	enum verdict		 v;
	unsigned		 found;
	uint32_t		 i, n = subs->via.array.size;

	if (msgpack_pack_map(pk, 1 + (cs != NULL)) != 0 ||
	    qc_pack_cstr(pk, "results") != 0 ||
	    msgpack_pack_array(pk, n) != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	for (i = 0; i < n; i++) {
		o = &subs->via.array.ptr[i];
		if (qc_subject_canon(o->via.str.ptr, o->via.str.size, canon,
		    NULL) == -1) {
			if (msgpack_pack_map(pk, 2) != 0 ||
			    qc_pack_cstr(pk, "subject") != 0 ||
			    msgpack_pack_object(pk, *o) != 0 ||
			    qc_pack_kv_str(pk, "error",
			    "invalid_subject") != 0)
				return req_fail(q, QC_E_INTERNAL,
				    "out of memory");
			if (cs != NULL && check_sign_invalid(q, cs, o) != 0)
				return OP_ERROR;
			continue;
		}
		if (check_lookup(q, &txn, canon, q->q_args.a_lists, hits,
		    &found, &esc) == -1)
			return OP_ERROR;
		v = entry_verdict(q->q_cfg, hits, found);
		if (check_pack(q, canon, hits, found, v, &esc) == -1 ||
		    (cs != NULL && check_sign_subject(q, cs, canon, hits, found,
		    config_verdict_name(v), &esc) != 0))
			return OP_ERROR;
	}
	return cs != NULL && check_sign_end(q, cs) != 0 ? OP_ERROR : OP_DONE;
}

enum op_status
op_check(struct req *q)
{
	struct check_sign	 cs;
	enum op_status		 st;
	MDB_txn			*txn;

	metrics_checks(q->q_who->cl_name, q->q_args.a_subjects->via.array.size);
	if (!q->q_args.a_signed)
		return check_all(q, NULL, NULL);
	/* Only the primary signs. */
	if (q->q_env->oe_replica != NULL)
		return replica_refuse(q);
	/* The checkpoint and the answer come from one snapshot. */
	if ((txn = req_txn(q)) == NULL)
		return OP_ERROR;
	st = check_sign_begin(q, txn, &cs, q->q_args.a_subjects->via.array.size)
	    == 0 ? check_all(q, txn, &cs) : OP_ERROR;
	check_sign_free(&cs);
	return st;
}
