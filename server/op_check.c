/*
 * check: the hot path. One summary lookup per subject; a hit is an
 * active entry, decided against today.
 */
#include <string.h>

#include "date.h"
#include "dispatch.h"
#include "log.h"
#include "msg.h"
#include "summary.h"
#include "utf8.h"

static enum op_result	 check(struct req *);
static int		 check_one(struct req *, MDB_txn *, const char *,
			    unsigned);

static const char *const check_args[] = { "subjects", "lists", NULL };

const struct op op_check = {
	"check",
	ROLE_BIT(ROLE_PLATFORM) | ROLE_BIT(ROLE_AGENCY) |
	    ROLE_BIT(ROLE_REGULATOR),
	check_args, check, 0
};

/* Packs {subject, hits} for one valid subject; -1 on failure. */
static int
check_one(struct req *q, MDB_txn *txn, const char *subject, unsigned mask)
{
	const struct config	*cfg = q->q_cfg;
	msgpack_packer		*pk = q->q_pk;
	struct summary_hit	 hits[CFG_MAX_LISTS], h;
	const uint8_t		*p, *end;
	unsigned		 found = 0;
	MDB_val			 k, v;
	char			 date[QC_DATE_LEN + 1];
	int			 rc, li, n;

	k.mv_data = (void *)subject;
	k.mv_size = strlen(subject);
	if (!bloom_maybe(&q->q_srv->s_store.s_bloom, k.mv_data, k.mv_size))
		rc = MDB_NOTFOUND;
	else
		rc = mdb_get(txn, q->q_srv->s_store.s_summary, &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	if (rc == 0) {
		p = v.mv_data;
		end = p + v.mv_size;
		while ((rc = summary_next(&p, end, &h)) == 1) {
			li = config_list_index(cfg, h.h_list, h.h_list_len);
			if (li == -1 || ((mask >> li) & 1) == 0 ||
			    state_of(0, h.h_start, h.h_end, q->q_today) !=
			    ST_ACTIVE)
				continue;
			hits[li] = h;
			found |= 1u << li;
		}
		if (rc == -1) {
			req_fail(q, QC_E_INTERNAL, "corrupt summary");
			return -1;
		}
	}
	if (msgpack_pack_map(pk, 2) != 0 ||
	    qc_pack_kv_str(pk, "subject", subject) != 0 ||
	    qc_pack_cstr(pk, "hits") != 0 ||
	    msgpack_pack_array(pk, __builtin_popcount(found)) != 0)
		goto oom;
	for (li = 0; li < cfg->nlists; li++) {
		if (((found >> li) & 1) == 0)
			continue;
		h = hits[li];
		n = 1 + (h.h_grade != NULL) + (h.h_end != DATE_NONE_END);
		if (msgpack_pack_map(pk, n) != 0 ||
		    qc_pack_kv_str(pk, "list", cfg->lists[li].l_name) != 0)
			goto oom;
		if (h.h_grade != NULL && (qc_pack_cstr(pk, "grade") != 0 ||
		    msgpack_pack_str_with_body(pk, h.h_grade,
		    h.h_grade_len) != 0))
			goto oom;
		if (h.h_end != DATE_NONE_END) {
			qc_date_format(h.h_end, date);
			if (qc_pack_kv_str(pk, "until", date) != 0)
				goto oom;
		}
	}
	return 0;
oom:
	req_fail(q, QC_E_INTERNAL, "out of memory");
	return -1;
}

static enum op_result
check(struct req *q)
{
	const msgpack_object	*subs = qc_map_get(q->q_msg, "subjects");
	msgpack_packer		*pk = q->q_pk;
	const msgpack_object	*o;
	char			 canon[QC_SUBJECT_MAX];
	const char		*s;
	size_t			 len;
	unsigned		 mask;
	uint32_t		 i, n;
	MDB_txn			*txn;

	if (subs == NULL || subs->type != MSGPACK_OBJECT_ARRAY)
		return req_fail(q, QC_E_BAD_REQUEST,
		    "subjects: required, an array of strings");
	n = subs->via.array.size;
	if (n == 0)
		return req_fail(q, QC_E_BAD_REQUEST,
		    "subjects: at least one subject");
	if (n > q->q_cfg->limits.max_batch)
		return req_fail(q, QC_E_TOO_LARGE,
		    "subjects: %u given, at most %u per check", n,
		    q->q_cfg->limits.max_batch);
	for (i = 0; i < n; i++) {
		o = &subs->via.array.ptr[i];
		if (qc_obj_str(o, &s, &len) == -1)
			return req_fail(q, QC_E_BAD_REQUEST,
			    "subjects[%u]: expected a string", i);
		if (!qc_utf8_valid(s, len))
			return req_fail(q, QC_E_BAD_REQUEST,
			    "subjects[%u]: not valid UTF-8", i);
	}
	if (arg_lists(q, &mask) == -1)
		return OP_ERROR;
	if ((txn = worker_rtxn(q->q_w)) == NULL)
		return req_fail(q, QC_E_UNAVAILABLE, "store not readable");

	if (msgpack_pack_map(pk, 1) != 0 ||
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
			continue;
		}
		if (check_one(q, txn, canon, mask) == -1)
			return OP_ERROR;
	}
	return OP_DONE;
}
