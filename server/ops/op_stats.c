/*
 * stats: counts by list and state (and grade for ratings).
 */
#include <string.h>

#include "entry.h"
#include "msg.h"
#include "op.h"
#include "summary.h"

struct list_count {
	uint64_t	 lc_total;
	uint64_t	 lc_state[ST_COUNT];
	uint64_t	 lc_grade[CFG_MAX_VALUES];
};

static void		 stats_add(struct req *, const struct summary_hit *,
			    struct list_count *);
static int		 stats_count(struct req *, MDB_txn *,
			    struct list_count *);
static int		 stats_pack(msgpack_packer *, const struct list_def *,
			    const struct list_count *);

/* Counts one current entry. */
static void
stats_add(struct req *q, const struct summary_hit *h, struct list_count *lc)
{
	const struct config	*cfg = q->q_cfg;
	const struct field_def	*gf;
	const struct list_def	*l;
	enum state		 st;
	int			 li, i;

	if ((li = config_list_index(cfg, h->h_list, h->h_list_len)) == -1)
		return;
	l = &cfg->lists[li];
	st = state_of(h->h_flags & SUMMARY_REMOVED, h->h_start, h->h_end,
	    q->q_today);
	lc[li].lc_total++;
	lc[li].lc_state[st]++;
	if (l->l_type != LT_RATING || st != ST_ACTIVE || h->h_grade == NULL)
		return;
	gf = &l->l_fields[l->l_grade];
	for (i = 0; i < gf->f_nvalues; i++)
		if (strlen(gf->f_values[i]) == h->h_grade_len &&
		    memcmp(gf->f_values[i], h->h_grade, h->h_grade_len) == 0)
			lc[li].lc_grade[i]++;
}

/* One pass over the summary: every current entry. */
static int
stats_count(struct req *q, MDB_txn *txn, struct list_count *counts)
{
	struct summary_hit	 h;
	const uint8_t		*p, *end;
	MDB_cursor		*cur;
	MDB_val			 k, v;
	int			 rc, hit;

	if ((rc = mdb_cursor_open(txn, q->q_store->s_summary, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		p = v.mv_data;
		end = p + v.mv_size;
		while ((hit = summary_next(&p, end, &h)) == 1)
			stats_add(q, &h, counts);
		if (hit == -1) {
			rc = MDB_CORRUPTED;
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
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
	if ((rc = store_head(q->q_store, txn, &head, hash)) != 0 ||
	    (rc = stats_count(q, txn, counts)) != 0)
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
