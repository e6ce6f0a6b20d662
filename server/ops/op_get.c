/*
 * get: the newest version of a subject on each list.
 */
#include <errno.h>
#include <string.h>

#include "date.h"
#include "entry.h"
#include "msg.h"
#include "op.h"
#include "summary.h"

static long	 get_hits(struct req *, MDB_txn *, unsigned,
		    struct summary_hit *, enum state *);
static long	 get_proposals(struct req *, MDB_txn *, unsigned,
		    msgpack_packer *);
static int	 get_escalation(struct req *, MDB_txn *, struct escalation *);

/*
 * The subject's current entries on the lists of mask, by list index, in
 * the states the caller may see. Returns -1 (failed) or the found mask.
 */
static long
get_hits(struct req *q, MDB_txn *txn, unsigned mask, struct summary_hit *hits,
    enum state *states)
{
	int	 full = entry_full_view(q->q_who->cl_role), li;
	long	 found;

	if ((found = entry_hits(q, txn, mask, hits)) <= 0)
		return found;
	for (li = 0; li < q->q_cfg->nlists; li++) {
		if (((found >> li) & 1) == 0)
			continue;
		states[li] = state_of(hits[li].h_flags & SUMMARY_REMOVED,
		    hits[li].h_start, hits[li].h_end, q->q_today);
		if (!full && states[li] != ST_ACTIVE)
			found &= ~(1L << li);
	}
	return found;
}

/*
 * The open notice cases on the lists of mask the caller may see them on
 * (regulators: all; agencies: their own), packed into pk as
 * {list, case, fields, deadline}. Returns how many, or -1 (failed).
 */
static long
get_proposals(struct req *q, MDB_txn *txn, unsigned mask, msgpack_packer *pk)
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

/* The subject's escalation, for those who may see it: 1, 0 or -1. */
static int
get_escalation(struct req *q, MDB_txn *txn, struct escalation *e)
{
	unsigned	 mask = entry_escalation_mask(q) & q->q_args.a_lists;
	MDB_val		 k, v;
	int		 rc;

	if (mask == 0)
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

enum op_status
op_get(struct req *q)
{
	const struct config	*cfg = q->q_cfg;
	struct summary_hit	 hits[CFG_MAX_LISTS];
	enum state		 states[CFG_MAX_LISTS];
	struct escalation	 e;
	msgpack_unpacked	 up;
	msgpack_sbuffer		 props;
	msgpack_packer		 ppk;
	struct record		 r;
	long			 found, nprops;
	int			 li, rc, esc, full = entry_full_view(q->q_who->cl_role);
	MDB_txn			*txn;

	if ((txn = req_txn(q)) == NULL ||
	    (found = get_hits(q, txn, q->q_args.a_lists, hits, states)) == -1 ||
	    (esc = get_escalation(q, txn, &e)) == -1)
		return OP_ERROR;
	msgpack_sbuffer_init(&props);
	msgpack_packer_init(&ppk, &props, msgpack_sbuffer_write);
	if ((nprops = get_proposals(q, txn, q->q_args.a_lists, &ppk)) == -1) {
		msgpack_sbuffer_destroy(&props);
		return OP_ERROR;
	}
	if (found == 0 && nprops == 0) {
		msgpack_sbuffer_destroy(&props);
		return req_fail(q, QC_E_NOT_FOUND, "no entry for %s",
		    q->q_args.a_subject);
	}
	rc = msgpack_pack_map(q->q_pk, 2 + (nprops > 0) + esc) != 0 ||
	    qc_pack_kv_str(q->q_pk, "subject", q->q_args.a_subject) != 0 ||
	    (nprops > 0 && (qc_pack_cstr(q->q_pk, "proposed") != 0 ||
	    msgpack_pack_array(q->q_pk, (uint32_t)nprops) != 0 ||
	    q->q_pk->callback(q->q_pk->data, props.data, props.size) != 0)) ||
	    (esc && (qc_pack_cstr(q->q_pk, "escalation") != 0 ||
	    entry_escalation_pack(q->q_pk, cfg, &e, NULL, 0) != 0)) ||
	    qc_pack_cstr(q->q_pk, "entries") != 0 ||
	    msgpack_pack_array(q->q_pk, __builtin_popcountl(found)) != 0;
	msgpack_sbuffer_destroy(&props);
	if (rc != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	for (li = 0; li < cfg->nlists; li++) {
		if (((found >> li) & 1) == 0)
			continue;
		rc = record_fetch(q->q_store, txn, hits[li].h_seq, &up, &r);
		if (rc == 0 && entry_pack(q->q_pk, &r, states[li], full,
		    hits[li].h_case) != 0)
			rc = ENOMEM;
		msgpack_unpacked_destroy(&up);
		if (rc != 0)
			return req_fail(q, QC_E_INTERNAL, "store: %s",
			    mdb_strerror(rc));
	}
	return OP_DONE;
}
