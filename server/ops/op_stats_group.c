/*
 * stats grouped by region, month or grade: one row per group of the
 * entries the filters keep, in order (regions and months by code, grades
 * by list and then as the schema lists them; entries without a region or
 * a start date last, under key nil).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "msg.h"
#include "regions.h"
#include "stats.h"

struct group {
	char		 g_key[QC_DATE_LEN + 1];	/* "": none */
	int		 g_list;	/* by grade: its list; else -1 */
	int		 g_rank;	/* by grade: its place in the schema */
	uint64_t	 g_total;
	uint64_t	 g_state[ST_COUNT];
};

struct groups {
	struct group	*gs_v;		/* sorted by group_cmp */
	size_t		 gs_n, gs_cap;
	size_t		 gs_level;	/* by region: digits of a key */
};

static int	 group_cmp(const struct group *, const struct group *);
static int	 group_key(struct req *, const char *, size_t,
		    const struct summary_hit *, int, size_t,
		    struct group *);
static stats_fn	 group_add;
static int	 groups_pack(struct req *, const struct groups *, uint64_t);

/* Lists, then keys (none last), then grades in schema order. */
static int
group_cmp(const struct group *a, const struct group *b)
{
	if (a->g_list != b->g_list)
		return a->g_list < b->g_list ? -1 : 1;
	if ((a->g_key[0] == '\0') != (b->g_key[0] == '\0'))
		return a->g_key[0] == '\0' ? 1 : -1;
	if (a->g_rank != b->g_rank)
		return a->g_rank < b->g_rank ? -1 : 1;
	return strcmp(a->g_key, b->g_key);
}

/* The group of one entry into g: 1, or 0 if it is in none. */
static int
group_key(struct req *q, const char *subject, size_t len,
    const struct summary_hit *h, int li, size_t level, struct group *g)
{
	const struct list_def	*l = &q->q_cfg->lists[li];
	const struct field_def	*gf;
	char			 region[7], day[QC_DATE_LEN + 1];

	memset(g, 0, sizeof(*g));
	g->g_list = -1;
	switch (q->q_args.a_by) {
	case STATS_BY_REGION:
		if (stats_subject_region(subject, len, region)) {
			memcpy(g->g_key, region, level);
			g->g_key[level] = '\0';
		}
		return 1;
	case STATS_BY_MONTH:
		if (h->h_start != DATE_NONE_START) {
			qc_date_format(h->h_start, day);
			memcpy(g->g_key, day, 7);	/* YYYY-MM */
			g->g_key[7] = '\0';
		}
		return 1;
	default:
		if (l->l_type != LT_RATING || h->h_grade == NULL ||
		    h->h_grade_len >= sizeof(g->g_key))
			return 0;
		g->g_list = li;
		memcpy(g->g_key, h->h_grade, h->h_grade_len);
		g->g_key[h->h_grade_len] = '\0';
		gf = &l->l_fields[l->l_grade];
		for (g->g_rank = 0; g->g_rank < gf->f_nvalues &&
		    strcmp(gf->f_values[g->g_rank], g->g_key) != 0;
		    g->g_rank++)
			;
		return 1;
	}
}

/* Counts one entry in its group, made when it is the first. */
static int
group_add(struct req *q, const char *subject, size_t len,
    const struct summary_hit *h, enum state st, int li, void *arg)
{
	struct groups	*gs = arg;
	struct group	 key, *grown;
	size_t		 lo = 0, hi = gs->gs_n, mid;
	int		 c = 1;

	if (!group_key(q, subject, len, h, li, gs->gs_level, &key))
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = group_cmp(&key, &gs->gs_v[mid])) == 0) {
			lo = mid;
			break;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (c != 0) {
		if (gs->gs_n == gs->gs_cap) {
			if ((grown = reallocarray(gs->gs_v, gs->gs_cap ?
			    gs->gs_cap * 2 : 64, sizeof(*grown))) == NULL)
				return ENOMEM;
			gs->gs_v = grown;
			gs->gs_cap = gs->gs_cap ? gs->gs_cap * 2 : 64;
		}
		memmove(&gs->gs_v[lo + 1], &gs->gs_v[lo],
		    (gs->gs_n - lo) * sizeof(*gs->gs_v));
		gs->gs_v[lo] = key;
		gs->gs_n++;
	}
	gs->gs_v[lo].g_total++;
	gs->gs_v[lo].g_state[st]++;
	return 0;
}

/* {head, total, by, rows: [{key, name?, list?, total, <states>}]} */
static int
groups_pack(struct req *q, const struct groups *gs, uint64_t head)
{
	msgpack_packer		*pk = q->q_pk;
	const struct group	*g;
	const char		*name;
	uint64_t		 total = 0;
	size_t			 i;
	int			 s, region = q->q_args.a_by == STATS_BY_REGION;

	for (i = 0; i < gs->gs_n; i++)
		total += gs->gs_v[i].g_total;
	if (msgpack_pack_map(pk, 4) != 0 ||
	    qc_pack_kv_uint(pk, "head", head) != 0 ||
	    qc_pack_kv_uint(pk, "total", total) != 0 ||
	    qc_pack_kv_str(pk, "by", stats_by_name(q->q_args.a_by)) != 0 ||
	    qc_pack_cstr(pk, "rows") != 0 ||
	    msgpack_pack_array(pk, (uint32_t)gs->gs_n) != 0)
		return -1;
	for (i = 0; i < gs->gs_n; i++) {
		g = &gs->gs_v[i];
		name = region && g->g_key[0] != '\0' ? regions_name(
		    q->q_cfg->regions, g->g_key, strlen(g->g_key)) : NULL;
		if (msgpack_pack_map(pk, 2 + ST_COUNT + (name != NULL) +
		    (g->g_list != -1)) != 0 || qc_pack_cstr(pk, "key") != 0 ||
		    (g->g_key[0] != '\0' ? qc_pack_cstr(pk, g->g_key) :
		    msgpack_pack_nil(pk)) != 0 ||
		    (name != NULL && qc_pack_kv_str(pk, "name", name) != 0) ||
		    (g->g_list != -1 && qc_pack_kv_str(pk, "list",
		    q->q_cfg->lists[g->g_list].l_name) != 0) ||
		    qc_pack_kv_uint(pk, "total", g->g_total) != 0)
			return -1;
		for (s = 0; s < ST_COUNT; s++)
			if (qc_pack_kv_uint(pk, state_name(s),
			    g->g_state[s]) != 0)
				return -1;
	}
	return 0;
}

enum op_status
stats_grouped(struct req *q, MDB_txn *txn, uint64_t head)
{
	struct groups	 gs;
	enum op_status	 st = OP_DONE;
	int		 rc;

	memset(&gs, 0, sizeof(gs));
	/* One level below the region asked for: provinces, cities, counties. */
	gs.gs_level = strlen(q->q_args.a_region) + 2;
	if (gs.gs_level > 6)
		gs.gs_level = 6;
	if ((rc = stats_walk(q, txn, group_add, &gs)) != 0)
		st = req_fail(q, QC_E_INTERNAL, "stats: %s", mdb_strerror(rc));
	else if (groups_pack(q, &gs, head) != 0)
		st = req_fail(q, QC_E_INTERNAL, "out of memory");
	free(gs.gs_v);
	return st;
}
