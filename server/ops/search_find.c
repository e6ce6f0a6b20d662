/*
 * search's candidates: subjects whose USCC begins with q, whose division
 * code begins with q, and whose names hold q's words, read from the
 * summary and the name index (names.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "search.h"

#define USCC_PREFIX	"uscc:"
#define USCC_PLEN	(sizeof(USCC_PREFIX) - 1)
/* Bigrams of the query that must hold an id besides the rarest. */
#define FILTERS_MAX	3

struct bigram_q {
	const char	*bq_key;
	size_t		 bq_len;
	size_t		 bq_count;
};

/*
 * A bigram that the ids of the rarest must hold too. The ids come in
 * increasing order, so the filter keeps the page of its ids that the
 * last one fell in: the next ones are mostly in it, found by a binary
 * search instead of a walk of two B-trees each.
 */
struct bigram_filter {
	MDB_cursor	*bf_cur;
	MDB_val		 bf_key;
	const uint8_t	*bf_ids;	/* the page at the cursor */
	size_t		 bf_n;
	int		 bf_end;	/* it holds no id this high */
};

static int	 cand_add(struct search_set *, const char *, size_t,
		    uint8_t, const uint32_t masks[3]);
static int	 find_uscc(struct req *, MDB_txn *, const char *,
		    struct search_set *);
static int	 find_region(struct req *, MDB_txn *, const char *,
		    struct search_set *);
static int	 find_names(struct req *, MDB_txn *,
		    const struct search_query *, struct search_set *);
static int	 names_bigrams(const struct search_query *,
		    struct bigram_q *, int);
static int	 names_match(struct req *, const struct search_query *,
		    const MDB_val *, struct search_set *);
static int	 bigram_by_count(const void *, const void *);
static uint32_t	 id_at(const uint8_t *, size_t);
static int	 filter_has(struct bigram_filter *, uint32_t, int *);

const char *
search_subject(const struct search_set *ss, const struct search_cand *c)
{
	return ss->ss_arena + c->sc_off;
}

void
search_set_free(struct search_set *ss)
{
	free(ss->ss_c);
	free(ss->ss_arena);
	memset(ss, 0, sizeof(*ss));
}

/*
 * Adds a candidate (masks: the lists whose names matched exactly, as a
 * prefix, inside). 1 added, 0 when the set is full (truncated), -1 out
 * of memory.
 */
static int
cand_add(struct search_set *ss, const char *subject, size_t len,
    uint8_t base, const uint32_t masks[3])
{
	struct search_cand	*c;
	char			*a;
	size_t			 cap;

	if (ss->ss_n == SEARCH_FOUND_MAX) {
		ss->ss_truncated = 1;
		return 0;
	}
	if (ss->ss_n == ss->ss_cap) {
		cap = ss->ss_cap == 0 ? 256 : ss->ss_cap * 2;
		if ((c = realloc(ss->ss_c, cap * sizeof(*c))) == NULL)
			return -1;
		ss->ss_c = c;
		ss->ss_cap = cap;
	}
	if (ss->ss_used + len + 1 > ss->ss_arena_cap) {
		cap = ss->ss_arena_cap == 0 ? 16384 : ss->ss_arena_cap * 2;
		while (cap < ss->ss_used + len + 1)
			cap *= 2;
		if ((a = realloc(ss->ss_arena, cap)) == NULL)
			return -1;
		ss->ss_arena = a;
		ss->ss_arena_cap = cap;
	}
	c = &ss->ss_c[ss->ss_n++];
	c->sc_off = (uint32_t)ss->ss_used;
	c->sc_len = (uint16_t)len;
	c->sc_base = base;
	c->sc_rank = RANK_NONE;
	c->sc_exact = masks[0];
	c->sc_prefix = masks[1];
	c->sc_sub = masks[2];
	memcpy(ss->ss_arena + ss->ss_used, subject, len);
	ss->ss_arena[ss->ss_used + len] = '\0';
	ss->ss_used += len + 1;
	return 1;
}

/* Subjects "uscc:" + prefix... in key order. */
static int
find_uscc(struct req *q, MDB_txn *txn, const char *prefix,
    struct search_set *ss)
{
	static const uint32_t	 none[3];
	char			 key[USCC_PLEN + 19];
	size_t			 klen;
	MDB_cursor		*cur;
	MDB_val			 k, v;
	int			 rc, r = 1;

	klen = (size_t)snprintf(key, sizeof(key), "%s%s", USCC_PREFIX, prefix);
	if ((rc = mdb_cursor_open(txn, q->q_store->s_summary, &cur)) != 0)
		return rc;
	k.mv_data = key;
	k.mv_size = klen;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 &&
	    r == 1 && k.mv_size >= klen && memcmp(k.mv_data, key, klen) == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		r = cand_add(ss, k.mv_data, k.mv_size, RANK_USCC, none);
	mdb_cursor_close(cur);
	if (r == -1)
		return ENOMEM;
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/*
 * USCCs whose characters 3-8 begin with code. The first two characters
 * (registration authority, kind of organisation) come before it in the
 * key, so the walk jumps: to code under the current two characters, and
 * past them once their codes are behind.
 */
static int
find_region(struct req *q, MDB_txn *txn, const char *code,
    struct search_set *ss)
{
	static const uint32_t	 none[3];
	size_t			 clen = strlen(code), at = USCC_PLEN + 2;
	char			 seek[USCC_PLEN + 2 + 6];
	const char		*kd;
	MDB_cursor		*cur;
	MDB_val			 k, v;
	int			 rc, r = 1, c;

	if ((rc = mdb_cursor_open(txn, q->q_store->s_summary, &cur)) != 0)
		return rc;
	k.mv_data = USCC_PREFIX;
	k.mv_size = USCC_PLEN;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && r == 1) {
		kd = k.mv_data;
		if (k.mv_size < at + clen || memcmp(kd, USCC_PREFIX,
		    USCC_PLEN) != 0)
			break;
		if ((c = memcmp(kd + at, code, clen)) == 0) {
			r = cand_add(ss, kd, k.mv_size, RANK_REGION, none);
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		memcpy(seek, kd, at);
		if (c < 0) {
			memcpy(seek + at, code, clen);
			k.mv_size = at + clen;
		} else {
			/* Past code under these two: the next two. */
			if ((unsigned char)seek[at - 1] == 0xff)
				break;
			seek[at - 1]++;
			k.mv_size = at;
		}
		k.mv_data = seek;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	}
	mdb_cursor_close(cur);
	if (r == -1)
		return ENOMEM;
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/* The distinct bigrams of the query's words of 2 characters or more. */
static int
names_bigrams(const struct search_query *sq, struct bigram_q *out, int max)
{
	const char	*w;
	size_t		 i, a, b, len;
	int		 n = 0, t, j;

	for (t = 0; t < sq->sq_nterms; t++) {
		w = sq->sq_norm + sq->sq_term_off[t];
		len = sq->sq_term_len[t];
		for (i = 0; i < len; i += a) {
			a = name_char_len((unsigned char)w[i]);
			if (i + a >= len)
				break;
			b = name_char_len((unsigned char)w[i + a]);
			for (j = 0; j < n; j++)
				if (out[j].bq_len == a + b &&
				    memcmp(out[j].bq_key, w + i, a + b) == 0)
					break;
			if (j < n || n == max)
				continue;
			out[n].bq_key = w + i;
			out[n].bq_len = a + b;
			out[n++].bq_count = 0;
		}
	}
	return n;
}

static int
bigram_by_count(const void *a, const void *b)
{
	const struct bigram_q	*x = a, *y = b;

	return x->bq_count < y->bq_count ? -1 : x->bq_count > y->bq_count;
}

/* The i-th id of a page of ids (DUPFIXED items are not aligned). */
static uint32_t
id_at(const uint8_t *ids, size_t i)
{
	uint32_t	 id;

	memcpy(&id, ids + i * sizeof(id), sizeof(id));
	return id;
}

/*
 * 1 if f's bigram holds id, 0 if not, -1 with the LMDB error in *err.
 * Past the page it holds, the cursor moves to the first id >= id and
 * takes that whole page (GET_MULTIPLE gives the page the cursor is on).
 */
static int
filter_has(struct bigram_filter *f, uint32_t id, int *err)
{
	MDB_val	 k = f->bf_key, v = { .mv_data = &id, .mv_size = sizeof(id) };
	size_t	 lo = 0, hi, mid;
	int	 rc;

	if (f->bf_end)
		return 0;
	if (f->bf_n == 0 || id_at(f->bf_ids, f->bf_n - 1) < id) {
		rc = mdb_cursor_get(f->bf_cur, &k, &v, MDB_GET_BOTH_RANGE);
		if (rc == MDB_NOTFOUND) {
			f->bf_end = 1;
			return 0;
		}
		if (rc != 0 || (rc = mdb_cursor_get(f->bf_cur, &k, &v,
		    MDB_GET_MULTIPLE)) != 0) {
			*err = rc;
			return -1;
		}
		f->bf_ids = v.mv_data;
		f->bf_n = v.mv_size / sizeof(id);
	}
	for (hi = f->bf_n; lo < hi;) {
		mid = (lo + hi) / 2;
		if (id_at(f->bf_ids, mid) < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->bf_n && id_at(f->bf_ids, lo) == id;
}

/* Adds the row's subject if one of its names matches. 0, 1 full, -1. */
static int
names_match(struct req *q, const struct search_query *sq, const MDB_val *row,
    struct search_set *ss)
{
	struct name_item it;
	const char	*subject;
	const uint8_t	*p, *end = (const uint8_t *)row->mv_data + row->mv_size;
	uint32_t	 masks[3] = { 0, 0, 0 };
	size_t		 slen;
	int		 r, li;
	enum search_rank rank;

	if (names_row_subject(row->mv_data, row->mv_size, &subject, &slen,
	    &p) == -1)
		return -2;
	while ((r = names_row_next(&p, end, &it)) == 1) {
		li = config_list_index(q->q_cfg, it.ni_list, it.ni_list_len);
		if (li == -1 || ((q->q_args.a_lists >> li) & 1) == 0)
			continue;
		rank = search_name_rank(sq, it.ni_name, it.ni_name_len);
		if (rank != RANK_NONE)
			masks[rank - RANK_EXACT] |= 1u << li;
	}
	if (r == -1)
		return -2;
	if ((masks[0] | masks[1] | masks[2]) == 0)
		return 0;
	r = cand_add(ss, subject, slen, RANK_NONE, masks);
	return r == 1 ? 0 : r == 0 ? 1 : -1;
}

/*
 * Names holding every word: the ids of the rarest bigram, kept if the
 * next rarest hold them too, then each row's names compared. Once a
 * filter holds no higher id, nothing further can match.
 */
static int
find_names(struct req *q, MDB_txn *txn, const struct search_query *sq,
    struct search_set *ss)
{
	struct bigram_q	 bq[SEARCH_Q_MAX];
	struct bigram_filter flt[1 + FILTERS_MAX];
	MDB_cursor	*cur = NULL;
	MDB_val		 k, v, fk, row;
	size_t		 i, count, examined = 0;
	uint32_t	 id;
	int		 n, f, nf, rc = 0, r = 0, op, h = 1;

	memset(flt, 0, sizeof(flt));
	n = names_bigrams(sq, bq, SEARCH_Q_MAX);
	nf = n - 1 < FILTERS_MAX ? n - 1 : FILTERS_MAX;
	if ((rc = mdb_cursor_open(txn, q->q_store->s_bigrams, &cur)) != 0)
		goto done;
	for (f = 1; f <= nf; f++)
		if ((rc = mdb_cursor_open(txn, q->q_store->s_bigrams,
		    &flt[f].bf_cur)) != 0)
			goto done;
	for (i = 0; i < (size_t)n; i++) {
		k.mv_data = (void *)bq[i].bq_key;
		k.mv_size = bq[i].bq_len;
		if ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET)) != 0 ||
		    (rc = mdb_cursor_count(cur, &count)) != 0)
			goto done;	/* a bigram nobody has: no match */
		bq[i].bq_count = count;
	}
	qsort(bq, (size_t)n, sizeof(bq[0]), bigram_by_count);
	for (f = 1; f <= nf; f++) {
		flt[f].bf_key.mv_data = (void *)bq[f].bq_key;
		flt[f].bf_key.mv_size = bq[f].bq_len;
	}
	k.mv_data = (void *)bq[0].bq_key;
	k.mv_size = bq[0].bq_len;
	if ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET)) != 0)
		goto done;
	for (op = MDB_GET_MULTIPLE; r == 0 &&
	    (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
	    op = MDB_NEXT_MULTIPLE) {
		for (i = 0; r == 0 && i < v.mv_size / sizeof(id); i++) {
			if (++examined > SEARCH_EXAMINE_MAX) {
				ss->ss_truncated = 1;
				r = 1;
				break;
			}
			id = id_at(v.mv_data, i);
			for (f = 1; f <= nf; f++)
				if ((h = filter_has(&flt[f], id, &rc)) != 1)
					break;
			if (h == -1)
				goto done;
			if (f <= nf) {
				if (flt[f].bf_end) {
					rc = 0;
					goto done;
				}
				continue;
			}
			fk.mv_data = &id;
			fk.mv_size = sizeof(id);
			if ((rc = mdb_get(txn, q->q_store->s_name_rows, &fk,
			    &row)) != 0)
				goto done;
			if ((r = names_match(q, sq, &row, ss)) < 0) {
				rc = r == -1 ? ENOMEM : MDB_CORRUPTED;
				goto done;
			}
		}
	}
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	for (f = 1; f <= nf; f++)
		if (flt[f].bf_cur != NULL)
			mdb_cursor_close(flt[f].bf_cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * Names written since the bigram index last took them (names.h): each
 * compared as it is now. An id the index also proposed is found twice
 * and merged with itself.
 */
static int
find_pending(struct req *q, MDB_txn *txn, const struct search_query *sq,
    struct search_set *ss)
{
	MDB_cursor	*cur;
	MDB_val		 k, v, row;
	int		 rc, r = 0;

	if ((rc = mdb_cursor_open(txn, q->q_store->s_name_pending, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && r == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if ((rc = mdb_get(txn, q->q_store->s_name_rows, &k,
		    &row)) == MDB_NOTFOUND) {
			rc = 0;		/* its names are gone */
			continue;
		}
		if (rc != 0)
			break;
		if ((r = names_match(q, sq, &row, ss)) < 0) {
			rc = r == -1 ? ENOMEM : MDB_CORRUPTED;
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
search_find(struct req *q, MDB_txn *txn, const struct search_query *sq,
    struct search_set *ss)
{
	size_t	 n = 0;
	int	 rc = 0;

	if (sq->sq_uscc[0] != '\0') {
		rc = find_uscc(q, txn, sq->sq_uscc, ss);
		ss->ss_finders += ss->ss_n > n;
		n = ss->ss_n;
	}
	if (rc == 0 && sq->sq_region[0] != '\0' && !ss->ss_truncated) {
		rc = find_region(q, txn, sq->sq_region, ss);
		ss->ss_finders += ss->ss_n > n;
		n = ss->ss_n;
	}
	if (rc == 0 && sq->sq_names && !ss->ss_truncated) {
		rc = find_names(q, txn, sq, ss);
		ss->ss_finders += ss->ss_n > n;
		n = ss->ss_n;
	}
	if (rc == 0 && sq->sq_names && !ss->ss_truncated) {
		rc = find_pending(q, txn, sq, ss);
		ss->ss_finders += ss->ss_n > n;
	}
	if (rc != 0) {
		req_fail(q, QC_E_INTERNAL, "search: %s", rc == ENOMEM ?
		    "out of memory" : mdb_strerror(rc));
		return -1;
	}
	return 0;
}
