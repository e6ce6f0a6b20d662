/*
 * A subject's current entries as a caller sees them (get, report).
 */
#include <string.h>

#include "current.h"
#include "date.h"
#include "entry.h"
#include "msg.h"

int
current_hits(struct req *q, MDB_txn *txn, unsigned mask, unsigned full,
    struct current *cu)
{
	long	 found;
	int	 li;

	cu->cu_found = cu->cu_active = 0;
	if ((found = entry_hits(q, txn, mask, cu->cu_hits)) == -1)
		return -1;
	for (li = 0; li < q->q_cfg->nlists; li++) {
		if (((found >> li) & 1) == 0)
			continue;
		cu->cu_states[li] = state_of(cu->cu_hits[li].h_flags &
		    SUMMARY_REMOVED, cu->cu_hits[li].h_start,
		    cu->cu_hits[li].h_end, q->q_today);
		if (cu->cu_states[li] == ST_ACTIVE)
			cu->cu_active |= 1u << li;
		if (cu->cu_states[li] == ST_ACTIVE || ((full >> li) & 1))
			cu->cu_found |= 1u << li;
	}
	return 0;
}

int
current_pack(struct req *q, MDB_txn *txn, msgpack_packer *pk,
    const struct current *cu, unsigned by)
{
	int	 li;

	if (msgpack_pack_array(pk, __builtin_popcount(cu->cu_found)) != 0) {
		req_fail(q, QC_E_INTERNAL, "out of memory");
		return -1;
	}
	for (li = 0; li < q->q_cfg->nlists; li++)
		if (((cu->cu_found >> li) & 1) && entry_pack_seq(q, txn, pk,
		    cu->cu_hits[li].h_seq, (int)cu->cu_states[li],
		    (by >> li) & 1, cu->cu_hits[li].h_case) != 0)
			return -1;
	return 0;
}

long
current_proposals(struct req *q, MDB_txn *txn, unsigned mask,
    msgpack_packer *pk)
{
	const struct config	*cfg = q->q_cfg;
	uint8_t			 key[STORE_KEY_MAX], ck[8];
	char			 dl[QC_DATE_LEN + 1];
	msgpack_unpacked	 up;
	struct record		 r;
	struct case_rec		 cr;
	MDB_val			 k, v, cv;
	long			 n = 0;
	int			 li, rc;

	if (q->q_who->cl_role == ROLE_AGENCY)
		mask &= q->q_who->cl_prin->p_writes;
	else if (q->q_who->cl_role != ROLE_REGULATOR)
		return 0;
	for (li = 0; li < cfg->nlists; li++) {
		if (((mask >> li) & 1) == 0)
			continue;
		k.mv_data = key;
		k.mv_size = case_open_key(key, q->q_args.a_subject,
		    cfg->lists[li].l_name, CASE_NOTICE);
		if ((rc = mdb_get(txn, q->q_store->s_open_cases, &k,
		    &v)) == MDB_NOTFOUND)
			continue;
		store_key_seq(ck, store_seq_from_key(&v));
		k.mv_data = ck;
		k.mv_size = sizeof(ck);
		if (rc != 0 || (rc = mdb_get(txn, q->q_store->s_cases, &k,
		    &cv)) != 0 || case_decode(cv.mv_data, cv.mv_size,
		    &cr) == -1 || (rc = record_fetch(q->q_store, txn,
		    store_seq_from_key(&v), &up, &r)) != 0) {
			req_fail(q, QC_E_INTERNAL, "reading a proposal: %s",
			    rc != 0 ? mdb_strerror(rc) : "corrupt case");
			return -1;
		}
		qc_date_format(case_deadline(cfg, &cfg->lists[li], CASE_NOTICE,
		    cr.cr_received_on, NULL), dl);
		rc = r.r_fields == NULL || msgpack_pack_map(pk, 4) != 0 ||
		    qc_pack_kv_str(pk, "list", cfg->lists[li].l_name) != 0 ||
		    qc_pack_kv_uint(pk, "case", r.r_case) != 0 ||
		    qc_pack_cstr(pk, "fields") != 0 ||
		    msgpack_pack_object(pk, *r.r_fields) != 0 ||
		    qc_pack_kv_str(pk, "deadline", dl) != 0;
		msgpack_unpacked_destroy(&up);
		if (rc != 0) {
			req_fail(q, QC_E_INTERNAL, "cannot pack a proposal");
			return -1;
		}
		n++;
	}
	return n;
}

int
current_escalation(struct req *q, MDB_txn *txn, unsigned mask,
    struct escalation *e)
{
	MDB_val		 k, v;
	int		 rc;

	if ((mask &= entry_escalation_mask(q)) == 0)
		return 0;
	k.mv_data = q->q_args.a_subject;
	k.mv_size = strlen(q->q_args.a_subject);
	if ((rc = mdb_get(txn, q->q_store->s_summary, &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0 || (rc = escalation_find(q->q_cfg, v.mv_data, v.mv_size,
	    mask, q->q_today, e)) == -1) {
		req_fail(q, QC_E_INTERNAL, "reading the summary");
		return -1;
	}
	return rc;
}
