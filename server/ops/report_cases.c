/*
 * report: the subject's cases, found through `subject_cases` (the cases
 * of each subject) rather than by walking every case.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "subject_keys.h"

static subject_key_fn case_one;

/* What case_one collects into. */
struct collect {
	MDB_txn			*c_txn;
	unsigned		 c_mask;
	struct report_cases	*c_cases;
};

/*
 * Keeps the case whose index key this is (rest: case64) when its list
 * is one of the mask.
 */
static int
case_one(struct req *q, const uint8_t *rest, size_t len, const MDB_val *v,
    void *arg)
{
	struct collect		*c = arg;
	struct report_cases	*rcs = c->c_cases;
	struct case_view	*cv, *grown;
	size_t			 cap;
	MDB_val			 k, cval;
	int			 rc;

	(void)v;
	if (len != 8)
		return 0;
	k.mv_data = (void *)rest;
	k.mv_size = len;
	/* An index key without its case is a damaged store. */
	if ((rc = mdb_get(c->c_txn, q->q_store->s_cases, &k, &cval)) != 0) {
		req_fail(q, QC_E_INTERNAL, "case %" PRIu64 ": %s",
		    store_get_be(rest, 8), mdb_strerror(rc == MDB_NOTFOUND ?
		    MDB_CORRUPTED : rc));
		return -1;
	}
	if (rcs->rc_n == rcs->rc_cap) {
		cap = rcs->rc_cap ? rcs->rc_cap * 2 : 8;
		if ((grown = reallocarray(rcs->rc_v, cap,
		    sizeof(*grown))) == NULL) {
			req_fail(q, QC_E_INTERNAL, "out of memory");
			return -1;
		}
		rcs->rc_v = grown;
		rcs->rc_cap = cap;
	}
	cv = &rcs->rc_v[rcs->rc_n];
	memset(cv, 0, sizeof(*cv));
	cv->cv_id = store_get_be(rest, 8);
	if (case_decode(cval.mv_data, cval.mv_size, &cv->cv_rec) == -1) {
		req_fail(q, QC_E_INTERNAL, "case %" PRIu64 " is corrupt",
		    cv->cv_id);
		return -1;
	}
	if (case_view_fill(q, c->c_mask, cv) == 0)
		rcs->rc_n++;
	return 0;
}

int
report_cases_collect(struct req *q, MDB_txn *txn, unsigned mask,
    struct report_cases *rcs)
{
	struct collect	 c = { txn, mask, rcs };

	if (mask == 0)
		return 0;
	return subject_keys_walk(q, txn, q->q_store->s_subject_cases,
	    case_one, &c);
}

int
report_cases_pack(struct req *q, MDB_txn *txn, msgpack_packer *pk,
    const struct report_cases *rcs)
{
	size_t	 i;

	if (msgpack_pack_array(pk, (uint32_t)rcs->rc_n) != 0) {
		req_fail(q, QC_E_INTERNAL, "out of memory");
		return -1;
	}
	for (i = 0; i < rcs->rc_n; i++)
		if (case_pack(q, pk, txn, &rcs->rc_v[i]) != 0)
			return -1;
	return 0;
}

void
report_cases_free(struct report_cases *rcs)
{
	free(rcs->rc_v);
	rcs->rc_v = NULL;
	rcs->rc_n = rcs->rc_cap = 0;
}
