/*
 * qcreg-bench: the order in which --load writes the data set to qcregd.
 *
 * Subjects are pseudo-random, so writing entries by index scatters every
 * group commit over the whole B-trees: each put dirties its own leaf
 * pages in several LMDB databases, and a 1,000,000-entry load ends up
 * writing (and syncing) gigabytes. Sorted by subject within each list,
 * consecutive puts fall on the same pages and the load is several times
 * faster. It is still the normal write path: one put per entry.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define SORT_KEY	40	/* bytes of the subject compared */

struct load_rec {
	char		 r_subj[SORT_KEY];
	uint64_t	 r_index;
};

static int	 rec_cmp(const void *, const void *);

static int
rec_cmp(const void *a, const void *b)
{
	return memcmp(((const struct load_rec *)a)->r_subj,
	    ((const struct load_rec *)b)->r_subj, SORT_KEY);
}

int
load_plan_build(struct load_plan *lp, uint64_t from, uint64_t m)
{
	struct load_rec	*recs[BENCH_NLISTS] = { NULL };
	char		 subj[BENCH_SUBJ_MAX];
	uint64_t	 i, cap[BENCH_NLISTS];
	size_t		 len, k;
	int		 l;

	memset(lp, 0, sizeof(*lp));
	for (l = 0; l < BENCH_NLISTS; l++) {
		/* Shares of the lists: 35%, 42.5%, 22.5% (bench_keys.c). */
		cap[l] = (m - from) / 2 + 16;
		if ((recs[l] = calloc(cap[l], sizeof(**recs))) == NULL)
			goto fail;
	}
	for (i = from; i < m; i++) {
		l = keys_list(i);
		if (lp->lp_n[l] == cap[l])
			goto fail;
		len = keys_subject(i, subj);
		memcpy(recs[l][lp->lp_n[l]].r_subj, subj,
		    len < SORT_KEY ? len : SORT_KEY);
		recs[l][lp->lp_n[l]++].r_index = i;
	}
	for (l = 0; l < BENCH_NLISTS; l++) {
		qsort(recs[l], lp->lp_n[l], sizeof(**recs), rec_cmp);
		if ((lp->lp_index[l] = calloc(lp->lp_n[l] + 1,
		    sizeof(uint64_t))) == NULL)
			goto fail;
		for (k = 0; k < lp->lp_n[l]; k++)
			lp->lp_index[l][k] = recs[l][k].r_index;
		free(recs[l]);
		recs[l] = NULL;
	}
	return 0;
fail:
	for (l = 0; l < BENCH_NLISTS; l++)
		free(recs[l]);
	load_plan_free(lp);
	return -1;
}

void
load_plan_free(struct load_plan *lp)
{
	int	 l;

	for (l = 0; l < BENCH_NLISTS; l++) {
		free(lp->lp_index[l]);
		lp->lp_index[l] = NULL;
		lp->lp_n[l] = 0;
	}
}
