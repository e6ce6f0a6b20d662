/*
 * report: the enterprise credit report (企业质量信用报告) of one subject,
 * read from one snapshot: its region, its current entry on every list,
 * the proposals, the verdict, every version, every case, the escalation
 * and the head of the log the report was read at. Regulators see all of
 * it; an agency the active entries of every list and its own lists whole.
 */
#include <string.h>
#include <time.h>

#include "config.h"
#include "date.h"
#include "entry.h"
#include "msg.h"
#include "replica.h"
#include "report.h"

static unsigned	 report_whole(const struct req *);
static int	 report_registry(msgpack_packer *, const struct report *,
		    uint64_t);

/* The lists the caller sees whole: every state, versions, cases. */
static unsigned
report_whole(const struct req *q)
{
	if (q->q_who->cl_role == ROLE_AGENCY)
		return q->q_who->cl_prin->p_writes;
	return config_all_lists(q->q_cfg);
}

int
report_gather(struct req *q, MDB_txn *txn, struct report *rp)
{
	unsigned		 all = config_all_lists(q->q_cfg);
	msgpack_packer		 ppk;
	int			 rc;

	memset(rp, 0, sizeof(*rp));
	msgpack_sbuffer_init(&rp->rp_props);
	msgpack_packer_init(&ppk, &rp->rp_props, msgpack_sbuffer_write);
	rp->rp_whole = report_whole(q);
	if (current_hits(q, txn, all, rp->rp_whole, &rp->rp_cur) == -1 ||
	    (rp->rp_nprops = current_proposals(q, txn, all, &ppk)) == -1 ||
	    (rp->rp_has_esc = current_escalation(q, txn, all,
	    &rp->rp_esc)) == -1 ||
	    versions_collect(q, txn, rp->rp_whole, &rp->rp_versions) == -1 ||
	    report_cases_collect(q, txn, rp->rp_whole, &rp->rp_cases) == -1)
		return -1;
	if ((rc = store_head(q->q_store, txn, &rp->rp_seq, rp->rp_hash)) != 0) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	return rp->rp_cur.cu_found != 0 || rp->rp_nprops > 0 ||
	    rp->rp_versions.vs_n > 0 || rp->rp_cases.rc_n > 0;
}

/* "registry": {seq, hash, time}: the log the report was read from. */
static int
report_registry(msgpack_packer *pk, const struct report *rp, uint64_t time)
{
	char	 hash[2 * STORE_HASH_LEN + 1];

	qc_hex(rp->rp_hash, STORE_HASH_LEN, hash);
	return qc_pack_cstr(pk, "registry") != 0 ||
	    msgpack_pack_map(pk, 3) != 0 ||
	    qc_pack_kv_uint(pk, "seq", rp->rp_seq) != 0 ||
	    qc_pack_kv_str(pk, "hash", hash) != 0 ||
	    qc_pack_kv_uint(pk, "time", time) != 0 ? -1 : 0;
}

int
report_pack(struct req *q, MDB_txn *txn, msgpack_packer *pk,
    struct report *rp, uint64_t time, uint32_t extra)
{
	const struct config	*cfg = q->q_cfg;
	const struct current	*cu = &rp->rp_cur;
	enum verdict		 v = entry_verdict(cfg, cu->cu_hits,
				    cu->cu_active);
	int			 region = report_region_has(q);

	if (msgpack_pack_map(pk, 7 + region + rp->rp_has_esc + extra) != 0 ||
	    qc_pack_kv_str(pk, "subject", q->q_args.a_subject) != 0 ||
	    (region && (qc_pack_cstr(pk, "region") != 0 ||
	    report_region_pack(q, pk) != 0)) ||
	    qc_pack_kv_str(pk, "verdict", config_verdict_name(v)) != 0 ||
	    qc_pack_cstr(pk, "entries") != 0)
		goto oom;
	if (current_pack(q, txn, pk, cu, rp->rp_whole) != 0)
		return -1;
	if (qc_pack_cstr(pk, "proposed") != 0 ||
	    msgpack_pack_array(pk, (uint32_t)rp->rp_nprops) != 0 ||
	    pk->callback(pk->data, rp->rp_props.data, rp->rp_props.size) != 0 ||
	    (rp->rp_has_esc && (qc_pack_cstr(pk, "escalation") != 0 ||
	    entry_escalation_pack(pk, cfg, &rp->rp_esc, NULL, 0) != 0)) ||
	    qc_pack_cstr(pk, "versions") != 0)
		goto oom;
	if (versions_pack(q, txn, pk, &rp->rp_versions) != 0)
		return -1;
	if (qc_pack_cstr(pk, "cases") != 0)
		goto oom;
	if (report_cases_pack(q, txn, pk, &rp->rp_cases) != 0)
		return -1;
	if (report_registry(pk, rp, time) != 0)
		goto oom;
	return 0;
oom:
	req_fail(q, QC_E_INTERNAL, "out of memory");
	return -1;
}

void
report_free(struct report *rp)
{
	msgpack_sbuffer_destroy(&rp->rp_props);
	versions_free(&rp->rp_versions);
	report_cases_free(&rp->rp_cases);
}

enum op_status
op_report(struct req *q)
{
	struct report	 rp;
	enum op_status	 st = OP_ERROR;
	MDB_txn		*txn;
	int		 seen;

	/* Only the primary signs. */
	if (q->q_args.a_signed && q->q_env->oe_replica != NULL)
		return replica_refuse(q);
	if ((txn = req_txn(q)) == NULL)
		return OP_ERROR;
	if ((seen = report_gather(q, txn, &rp)) == 0)
		st = req_fail(q, QC_E_NOT_FOUND, "nothing on %s that you may "
		    "see", q->q_args.a_subject);
	else if (seen == 1 && q->q_args.a_signed)
		st = report_signed(q, txn, &rp);
	else if (seen == 1 && report_pack(q, txn, q->q_pk, &rp,
	    (uint64_t)time(NULL), 0) == 0)
		st = OP_DONE;
	report_free(&rp);
	return st;
}
