/*
 * search: subjects by name fragment, USCC prefix or division code, ranked
 * (PROTOCOL.md 5, search). The candidates (search_find.c) are merged by
 * subject, kept when the caller may see one of their entries, ranked by
 * what the caller may see, and a page after the cursor is answered: the
 * best of them after the cursor, picked without sorting them all (up to
 * 10,000 candidates for a page of 20).
 */
#define _GNU_SOURCE	/* qsort_r */
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "msg.h"
#include "names.h"
#include "op.h"
#include "search.h"

#define SEARCH_LIMIT_MAX	100

/* The cursor: the rank and subject of the last result of a page. */
struct search_after {
	int		 sa_rank;	/* -1: from the start */
	char		 sa_subject[QC_SUBJECT_MAX];
};

static int	 cand_by_subject(const void *, const void *, void *);
static int	 cand_by_rank(const void *, const void *, void *);
static size_t	 search_merge(struct search_set *);
static int	 search_rank(struct req *, MDB_txn *, struct search_set *);
static size_t	 search_page(struct search_set *, const struct search_after *,
		    size_t);
static unsigned	 visible(struct req *, const struct summary_hit *, unsigned,
		    enum state *);
static int	 after_parse(struct req *, struct search_after *);
static int	 after_pack(msgpack_packer *, const struct search_set *,
		    const struct search_cand *);
static int	 result_pack(struct req *, MDB_txn *, const struct search_set *,
		    const struct search_cand *);

static int
cand_by_subject(const void *a, const void *b, void *arg)
{
	const struct search_cand	*x = a, *y = b;
	const struct search_set		*ss = arg;

	return strcmp(search_subject(ss, x), search_subject(ss, y));
}

static int
cand_by_rank(const void *a, const void *b, void *arg)
{
	const struct search_cand	*x = a, *y = b;

	if (x->sc_rank != y->sc_rank)
		return x->sc_rank < y->sc_rank ? -1 : 1;
	return cand_by_subject(a, b, arg);
}

/*
 * One candidate per subject, its matches merged; returns how many. One
 * finder finds each subject once: nothing to merge then.
 */
static size_t
search_merge(struct search_set *ss)
{
	struct search_cand	*c = ss->ss_c, *o;
	size_t			 i, n = 0;

	/* One finder finds a subject once; none leaves nothing to sort. */
	if (ss->ss_finders <= 1 || ss->ss_n == 0)
		return ss->ss_n;
	qsort_r(c, ss->ss_n, sizeof(*c), cand_by_subject, ss);
	for (i = 0; i < ss->ss_n; i++) {
		o = &c[n - 1];
		if (n > 0 && cand_by_subject(o, &c[i], ss) == 0) {
			if (c[i].sc_base < o->sc_base)
				o->sc_base = c[i].sc_base;
			o->sc_exact |= c[i].sc_exact;
			o->sc_prefix |= c[i].sc_prefix;
			o->sc_sub |= c[i].sc_sub;
		} else
			c[n++] = c[i];
	}
	return ss->ss_n = n;
}

/*
 * The lists of found whose entries the caller sees, as get shows them
 * (regulators: all; others: active ones), with their states.
 */
static unsigned
visible(struct req *q, const struct summary_hit *hits, unsigned found,
    enum state *states)
{
	int	 full = entry_full_view(q->q_who->cl_role), li;

	for (li = 0; li < q->q_cfg->nlists; li++) {
		if (((found >> li) & 1) == 0)
			continue;
		states[li] = state_of(hits[li].h_flags & SUMMARY_REMOVED,
		    hits[li].h_start, hits[li].h_end, q->q_today);
		if (!full && states[li] != ST_ACTIVE)
			found &= ~(1u << li);
	}
	return found;
}

/*
 * Ranks each candidate by what the caller sees of it, dropping those it
 * sees nothing of. A regulator asking for every list sees every entry:
 * no summary is read then.
 */
static int
search_rank(struct req *q, MDB_txn *txn, struct search_set *ss)
{
	struct summary_hit	 hits[CFG_MAX_LISTS];
	enum state		 states[CFG_MAX_LISTS];
	struct search_cand	*c;
	unsigned		 seen = q->q_args.a_lists;
	long			 found;
	size_t			 i, n = 0;
	int			 check = !entry_full_view(q->q_who->cl_role) ||
				    ARG_HAS(q, ARG_LISTS);

	for (i = 0; i < ss->ss_n; i++) {
		c = &ss->ss_c[i];
		if (check) {
			if ((found = entry_hits_of(q, txn, search_subject(ss,
			    c), c->sc_len, q->q_args.a_lists, hits)) == -1)
				return -1;
			seen = visible(q, hits, (unsigned)found, states);
		}
		if (seen == 0)
			continue;
		if (c->sc_base != RANK_NONE)
			c->sc_rank = c->sc_base;
		else if (c->sc_exact & seen)
			c->sc_rank = RANK_EXACT;
		else if (c->sc_prefix & seen)
			c->sc_rank = RANK_PREFIX;
		else if (c->sc_sub & seen)
			c->sc_rank = RANK_SUBSTRING;
		else
			continue;	/* only names it may not see matched */
		ss->ss_c[n++] = *c;
	}
	ss->ss_n = n;
	return 0;
}

/*
 * Moves the best limit candidates after the cursor to the front, best
 * first, and returns how many there are after it. Each one is compared
 * with the worst kept so far and, if better, put in its place among the
 * kept ones, which all lie before it in the array.
 */
static size_t
search_page(struct search_set *ss, const struct search_after *sa,
    size_t limit)
{
	struct search_cand	 c;
	size_t			 i, j, kept = 0, after = 0;

	for (i = 0; i < ss->ss_n; i++) {
		c = ss->ss_c[i];
		if (sa->sa_rank >= 0 && (c.sc_rank < sa->sa_rank ||
		    (c.sc_rank == sa->sa_rank && strcmp(search_subject(ss, &c),
		    sa->sa_subject) <= 0)))
			continue;
		after++;
		if (kept == limit && cand_by_rank(&c, &ss->ss_c[kept - 1],
		    ss) >= 0)
			continue;
		j = kept < limit ? kept++ : kept - 1;
		for (; j > 0 && cand_by_rank(&c, &ss->ss_c[j - 1], ss) < 0; j--)
			ss->ss_c[j] = ss->ss_c[j - 1];
		ss->ss_c[j] = c;
	}
	return after;
}

static int
hex_val(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* The cursor: hex of the rank byte and the subject (read_search_after). */
static int
after_parse(struct req *q, struct search_after *sa)
{
	const char	*s = q->q_args.a_search_after;
	size_t		 len = q->q_args.a_search_after_len, i;
	int		 b;

	sa->sa_rank = -1;
	if (len == 0)
		return 0;
	for (i = 0; i < len; i += 2) {
		b = hex_val(s[i]) << 4 | hex_val(s[i + 1]);
		if (i == 0)
			sa->sa_rank = b;
		else if (b == 0 || i / 2 >= QC_SUBJECT_MAX)
			break;
		else
			sa->sa_subject[i / 2 - 1] = (char)b;
	}
	if (i < len || sa->sa_rank >= RANK_NONE) {
		req_fail(q, QC_E_BAD_REQUEST, "after: not a cursor of search");
		return -1;
	}
	sa->sa_subject[len / 2 - 1] = '\0';
	return 0;
}

static int
after_pack(msgpack_packer *pk, const struct search_set *ss,
    const struct search_cand *c)
{
	static const char	 hex[] = "0123456789abcdef";
	const char		*s = search_subject(ss, c);
	char			 buf[2 * (QC_SUBJECT_MAX + 1)];
	size_t			 i, n = 0;

	buf[n++] = hex[c->sc_rank >> 4];
	buf[n++] = hex[c->sc_rank & 15];
	for (i = 0; i < c->sc_len; i++) {
		buf[n++] = hex[(unsigned char)s[i] >> 4];
		buf[n++] = hex[(unsigned char)s[i] & 15];
	}
	return msgpack_pack_str_with_body(pk, buf, n);
}

/*
 * The name to show: of the best-matching list the caller sees (the first
 * in configuration order among equals); 1 found, 0 none, -1 on a store
 * error.
 */
static int
result_name(struct req *q, MDB_txn *txn, const struct search_set *ss,
    const struct search_cand *c, unsigned seen, struct name_item *out)
{
	uint32_t	 prefer[3] = { c->sc_exact, c->sc_prefix, c->sc_sub };
	struct name_item it;
	const char	*subject;
	const uint8_t	*p, *end;
	size_t		 slen;
	MDB_val		 row;
	int		 rc, li, best = 4, best_li = CFG_MAX_LISTS, r, rank;

	rc = names_row_of(q->q_store, txn, search_subject(ss, c), c->sc_len,
	    &row);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0 || names_row_subject(row.mv_data, row.mv_size, &subject,
	    &slen, &p) == -1)
		return -1;
	end = (const uint8_t *)row.mv_data + row.mv_size;
	while ((r = names_row_next(&p, end, &it)) == 1) {
		li = config_list_index(q->q_cfg, it.ni_list, it.ni_list_len);
		if (li == -1 || ((seen >> li) & 1) == 0)
			continue;
		for (rank = 0; rank < 3 && ((prefer[rank] >> li) & 1) == 0;
		    rank++)
			;
		if (rank < best || (rank == best && li < best_li)) {
			best = rank;
			best_li = li;
			*out = it;
		}
	}
	return r == -1 ? -1 : best < 4;
}

/* {subject, name?, lists: [{list, state}], verdict} */
static int
result_pack(struct req *q, MDB_txn *txn, const struct search_set *ss,
    const struct search_cand *c)
{
	const struct config	*cfg = q->q_cfg;
	struct summary_hit	 hits[CFG_MAX_LISTS];
	enum state		 states[CFG_MAX_LISTS];
	struct name_item	 name;
	msgpack_packer		*pk = q->q_pk;
	unsigned		 seen, active = 0;
	long			 found;
	int			 li, has_name;

	if ((found = entry_hits_of(q, txn, search_subject(ss, c), c->sc_len,
	    q->q_args.a_lists, hits)) == -1)
		return -1;
	seen = visible(q, hits, (unsigned)found, states);
	if ((has_name = result_name(q, txn, ss, c, seen, &name)) == -1) {
		req_fail(q, QC_E_INTERNAL, "reading the name index");
		return -1;
	}
	if (msgpack_pack_map(pk, 3 + has_name) != 0 ||
	    qc_pack_cstr(pk, "subject") != 0 ||
	    msgpack_pack_str_with_body(pk, search_subject(ss, c),
	    c->sc_len) != 0 ||
	    (has_name && (qc_pack_cstr(pk, "name") != 0 ||
	    msgpack_pack_str_with_body(pk, name.ni_name,
	    name.ni_name_len) != 0)) ||
	    qc_pack_cstr(pk, "lists") != 0 ||
	    msgpack_pack_array(pk, (uint32_t)__builtin_popcount(seen)) != 0)
		goto fail;
	for (li = 0; li < cfg->nlists; li++) {
		if (((seen >> li) & 1) == 0)
			continue;
		if (states[li] == ST_ACTIVE)
			active |= 1u << li;
		if (msgpack_pack_map(pk, 2) != 0 ||
		    qc_pack_kv_str(pk, "list", cfg->lists[li].l_name) != 0 ||
		    qc_pack_kv_str(pk, "state", state_name(states[li])) != 0)
			goto fail;
	}
	if (qc_pack_kv_str(pk, "verdict", config_verdict_name(
	    entry_verdict(cfg, hits, active))) == 0)
		return 0;
fail:
	req_fail(q, QC_E_INTERNAL, "out of memory");
	return -1;
}

enum op_status
op_search(struct req *q)
{
	struct search_query	 sq;
	struct search_after	 sa;
	struct search_set	 ss;
	MDB_txn			*txn;
	size_t			 i, end;
	int			 more, rc = -1;

	if (q->q_args.a_limit > SEARCH_LIMIT_MAX)
		return req_fail(q, QC_E_BAD_REQUEST, "limit: 1 to %d",
		    SEARCH_LIMIT_MAX);
	if (search_parse(q, q->q_args.a_q, q->q_args.a_q_len, &sq) == -1 ||
	    after_parse(q, &sa) == -1 || (txn = req_txn(q)) == NULL)
		return OP_ERROR;
	if (!store_names_ready(q->q_store, txn))
		return req_fail(q, QC_E_UNAVAILABLE, "the name index is not "
		    "built: run qcregd --reindex");
	memset(&ss, 0, sizeof(ss));
	if (search_find(q, txn, &sq, &ss) == -1)
		goto done;
	search_merge(&ss);
	if (search_rank(q, txn, &ss) == -1)
		goto done;
	end = search_page(&ss, &sa, q->q_args.a_limit);
	more = end > q->q_args.a_limit;
	if (more)
		end = q->q_args.a_limit;
	if (msgpack_pack_map(q->q_pk, 3) != 0 ||
	    qc_pack_cstr(q->q_pk, "results") != 0 ||
	    msgpack_pack_array(q->q_pk, (uint32_t)end) != 0) {
		req_fail(q, QC_E_INTERNAL, "out of memory");
		goto done;
	}
	for (i = 0; i < end; i++)
		if (result_pack(q, txn, &ss, &ss.ss_c[i]) == -1)
			goto done;
	if (qc_pack_cstr(q->q_pk, "next") != 0 ||
	    (more ? after_pack(q->q_pk, &ss, &ss.ss_c[end - 1]) :
	    msgpack_pack_nil(q->q_pk)) != 0 ||
	    qc_pack_cstr(q->q_pk, "truncated") != 0 ||
	    (ss.ss_truncated ? msgpack_pack_true(q->q_pk) :
	    msgpack_pack_false(q->q_pk)) != 0) {
		req_fail(q, QC_E_INTERNAL, "out of memory");
		goto done;
	}
	rc = 0;
done:
	search_set_free(&ss);
	return rc == 0 ? OP_DONE : OP_ERROR;
}
