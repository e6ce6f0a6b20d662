/*
 * Every version of a subject on some lists.
 */
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "msg.h"
#include "summary.h"
#include "versions.h"

static int	 versions_add(struct req *, struct versions *, uint64_t);
static int	 collect_current(struct req *, MDB_txn *, unsigned,
		    struct versions *);
static int	 collect_older(struct req *, MDB_txn *, unsigned,
		    struct versions *);
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

/* The versions they replaced: keys subject NUL list NUL ver32. */
static int
collect_older(struct req *q, MDB_txn *txn, unsigned mask,
    struct versions *vs)
{
	uint8_t		 key[STORE_KEY_MAX];
	const char	*list;
	size_t		 plen;
	MDB_cursor	*cur;
	MDB_val		 k, v;
	int		 rc, li;

	if ((rc = mdb_cursor_open(txn, q->q_store->s_versions, &cur)) != 0) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	k.mv_data = key;
	k.mv_size = plen = store_key_subject(key, q->q_args.a_subject);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen + 2 + 4 ||
		    memcmp(k.mv_data, key, plen) != 0)
			break;
		list = (const char *)k.mv_data + plen;
		li = config_list_index(q->q_cfg, list, k.mv_size - plen - 5);
		if (li != -1 && ((mask >> li) & 1) &&
		    versions_add(q, vs, store_seq_from_key(&v)) == -1) {
			mdb_cursor_close(cur);
			return -1;
		}
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
versions_collect(struct req *q, MDB_txn *txn, unsigned mask,
    struct versions *vs)
{
	if (mask == 0)
		return 0;
	return collect_current(q, txn, mask, vs) == -1 ||
	    collect_older(q, txn, mask, vs) == -1 ? -1 : 0;
}

int
versions_pack(struct req *q, MDB_txn *txn, msgpack_packer *pk,
    struct versions *vs)
{
	size_t	 i;

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
