/*
 * stats: counts by list and state (and grade for ratings) of the current
 * entries the filters keep; grouped otherwise in op_stats_group.c.
 */
#include <string.h>

#include "entry.h"
#include "msg.h"
#include "op.h"
#include "regions.h"
#include "stats.h"

struct list_count {
	uint64_t	 lc_total;
	uint64_t	 lc_state[ST_COUNT];
	uint64_t	 lc_grade[CFG_MAX_VALUES];
};

static stats_fn		 stats_add;
static int		 stats_pack(msgpack_packer *, const struct list_def *,
			    const struct list_count *);

int
stats_subject_region(const char *subject, size_t len, char out[7])
{
	static const char	 prefix[] = "uscc:";
	size_t			 p = sizeof(prefix) - 1;

	if (len != p + 18 || memcmp(subject, prefix, p) != 0 ||
	    !regions_code_valid(subject + p + 2, 6))
		return 0;
	memcpy(out, subject + p + 2, 6);
	out[6] = '\0';
	return 1;
}

int
stats_walk(struct req *q, MDB_txn *txn, stats_fn *fn, void *arg)
{
	const struct args	*a = &q->q_args;
	int			 dated = ARG_HAS(q, ARG_DAY_FROM) ||
				    ARG_HAS(q, ARG_DAY_TO);
	size_t			 rlen = strlen(a->a_region);
	struct summary_hit	 h;
	const uint8_t		*p, *end;
	MDB_cursor		*cur;
	MDB_val			 k, v;
	char			 region[7];
	int			 rc, hit, li;

	if ((rc = mdb_cursor_open(txn, q->q_store->s_summary, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (rlen > 0 && (!stats_subject_region(k.mv_data, k.mv_size,
		    region) || memcmp(region, a->a_region, rlen) != 0))
			continue;
		p = v.mv_data;
		end = p + v.mv_size;
		while ((hit = summary_next(&p, end, &h)) == 1) {
			li = config_list_index(q->q_cfg, h.h_list,
			    h.h_list_len);
			if (li == -1 || (a->a_list != -1 && li != a->a_list) ||
			    (dated && (h.h_start == DATE_NONE_START ||
			    h.h_start < a->a_day_from ||
			    h.h_start > a->a_day_to)))
				continue;
			if ((rc = fn(q, k.mv_data, k.mv_size, &h,
			    state_of(h.h_flags & SUMMARY_REMOVED, h.h_start,
			    h.h_end, q->q_today), li, arg)) != 0)
				break;
		}
		if (hit == -1)
			rc = MDB_CORRUPTED;
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Counts one entry for its list. */
static int
stats_add(struct req *q, const char *subject, size_t len,
    const struct summary_hit *h, enum state st, int li, void *arg)
{
	const struct list_def	*l = &q->q_cfg->lists[li];
	struct list_count	*lc = (struct list_count *)arg + li;
	const struct field_def	*gf;
	int			 i;

	(void)subject;
	(void)len;
	lc->lc_total++;
	lc->lc_state[st]++;
	if (l->l_type != LT_RATING || st != ST_ACTIVE || h->h_grade == NULL)
		return 0;
	gf = &l->l_fields[l->l_grade];
	for (i = 0; i < gf->f_nvalues; i++)
		if (strlen(gf->f_values[i]) == h->h_grade_len &&
		    memcmp(gf->f_values[i], h->h_grade, h->h_grade_len) == 0)
			lc->lc_grade[i]++;
	return 0;
}

static int
stats_pack(msgpack_packer *pk, const struct list_def *l,
    const struct list_count *lc)
{
	const struct field_def	*gf;
	int			 i;

	if (msgpack_pack_map(pk, 1 + ST_COUNT + (l->l_type == LT_RATING)) ||
	    qc_pack_kv_uint(pk, "total", lc->lc_total) != 0)
		return -1;
	for (i = 0; i < ST_COUNT; i++)
		if (qc_pack_kv_uint(pk, state_name(i), lc->lc_state[i]) != 0)
			return -1;
	if (l->l_type != LT_RATING)
		return 0;
	gf = &l->l_fields[l->l_grade];
	if (qc_pack_cstr(pk, "grades") != 0 ||
	    msgpack_pack_map(pk, gf->f_nvalues) != 0)
		return -1;
	for (i = 0; i < gf->f_nvalues; i++)
		if (qc_pack_kv_uint(pk, gf->f_values[i], lc->lc_grade[i]) != 0)
			return -1;
	return 0;
}

enum op_status
op_stats(struct req *q)
{
	const struct config	*cfg = q->q_cfg;
	struct list_count	 counts[CFG_MAX_LISTS];
	uint8_t			 hash[STORE_HASH_LEN];
	uint64_t		 head, total = 0;
	MDB_txn			*txn;
	int			 i, rc;

	memset(counts, 0, sizeof(counts));
	if ((txn = req_txn(q)) == NULL)
		return OP_ERROR;
	if (q->q_args.a_day_from > q->q_args.a_day_to)
		return req_fail(q, QC_E_BAD_REQUEST, "from: after to");
	if ((rc = store_head(q->q_store, txn, &head, hash)) != 0)
		return req_fail(q, QC_E_INTERNAL, "store: %s",
		    mdb_strerror(rc));
	if (q->q_args.a_by != STATS_BY_LIST)
		return stats_grouped(q, txn, head);
	if ((rc = stats_walk(q, txn, stats_add, counts)) != 0)
		return req_fail(q, QC_E_INTERNAL, "store: %s",
		    mdb_strerror(rc));
	for (i = 0; i < cfg->nlists; i++)
		total += counts[i].lc_total;
	if (msgpack_pack_map(q->q_pk, 3) != 0 ||
	    qc_pack_kv_uint(q->q_pk, "head", head) != 0 ||
	    qc_pack_kv_uint(q->q_pk, "total", total) != 0 ||
	    qc_pack_cstr(q->q_pk, "lists") != 0 ||
	    msgpack_pack_map(q->q_pk, cfg->nlists) != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	for (i = 0; i < cfg->nlists; i++)
		if (qc_pack_cstr(q->q_pk, cfg->lists[i].l_name) != 0 ||
		    stats_pack(q->q_pk, &cfg->lists[i], &counts[i]) != 0)
			return req_fail(q, QC_E_INTERNAL, "out of memory");
	return OP_DONE;
}
