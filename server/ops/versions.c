/*
 * Every version of a subject on some lists.
 */
#include <stdlib.h>

#include "entry.h"
#include "msg.h"
#include "subject_keys.h"
#include "summary.h"
#include "versions.h"

/* What older_one collects into. */
struct older {
	unsigned	 o_mask;
	struct versions	*o_vs;
};

static int	 versions_add(struct req *, struct versions *, uint64_t);
static int	 collect_current(struct req *, MDB_txn *, unsigned,
		    struct versions *);
static subject_key_fn older_one;
static int	 seq_cmp(const void *, const void *);

static int
seq_cmp(const void *a, const void *b)
{
	const uint64_t	*x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static int
versions_add(struct req *q, struct versions *vs, uint64_t seq)
{
	uint64_t	*grown;

	if (vs->vs_n == vs->vs_cap) {
		vs->vs_cap = vs->vs_cap ? vs->vs_cap * 2 : 16;
		if ((grown = reallocarray(vs->vs_seq, vs->vs_cap,
		    sizeof(*grown))) == NULL) {
			req_fail(q, QC_E_INTERNAL, "out of memory");
			return -1;
		}
		vs->vs_seq = grown;
	}
	vs->vs_seq[vs->vs_n++] = seq;
	return 0;
}

/* The newest version on each list of mask, from the summary. */
static int
collect_current(struct req *q, MDB_txn *txn, unsigned mask,
    struct versions *vs)
{
	struct summary_hit	 hits[CFG_MAX_LISTS];
	long			 found;
	int			 li;

	if ((found = entry_hits(q, txn, mask, hits)) == -1)
		return -1;
	for (li = 0; li < q->q_cfg->nlists; li++)
		if (((found >> li) & 1) &&
		    versions_add(q, vs, hits[li].h_seq) == -1)
			return -1;
	return 0;
}

/* Collects (in older) a version they replaced; rest: list NUL ver32. */
static int
older_one(struct req *q, const uint8_t *rest, size_t len, const MDB_val *v,
    void *arg)
{
	struct older	*o = arg;
	int		 li;

	if (len < 2 + 4)
		return 0;
	li = config_list_index(q->q_cfg, (const char *)rest, len - 5);
	if (li == -1 || ((o->o_mask >> li) & 1) == 0)
		return 0;
	return versions_add(q, o->o_vs, store_seq_from_key(v));
}

int
versions_collect(struct req *q, MDB_txn *txn, unsigned mask,
    struct versions *vs)
{
	struct older	 o = { mask, vs };

	if (mask == 0)
		return 0;
	/* The newest version of each, then those they replaced. */
	return collect_current(q, txn, mask, vs) == -1 ||
	    subject_keys_walk(q, txn, q->q_store->s_versions, older_one,
	    &o) == -1 ? -1 : 0;
}

int
versions_pack(struct req *q, MDB_txn *txn, msgpack_packer *pk,
    struct versions *vs)
{
	size_t	 i;

	if (vs->vs_n > 0)	/* qsort of NULL: none collected */
		qsort(vs->vs_seq, vs->vs_n, sizeof(*vs->vs_seq), seq_cmp);
	if (msgpack_pack_array(pk, vs->vs_n) != 0) {
		req_fail(q, QC_E_INTERNAL, "out of memory");
		return -1;
	}
	for (i = 0; i < vs->vs_n; i++)
		if (entry_pack_seq(q, txn, pk, vs->vs_seq[i], -1, 1, 0) != 0)
			return -1;
	return 0;
}

void
versions_free(struct versions *vs)
{
	free(vs->vs_seq);
	vs->vs_seq = NULL;
	vs->vs_n = vs->vs_cap = 0;
}
