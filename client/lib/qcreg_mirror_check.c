/*
 * libqcreg mirror: check, answered from the local copy as the server
 * answers a platform (server/ops/op_check.c): per subject, one hit per
 * list with an active entry, in list order, with its grade (rating
 * lists), end date and open objection; the verdict the worst of them.
 *
 * One read transaction serves the whole batch. A first pass looks every
 * subject up (the subject filter first, qcreg_mirror_filter.c; then the
 * entries) and notes its hits (pointing into the data file, valid
 * while the transaction lasts); the result is then built in one
 * allocation, as a check answer from the network is (qcreg_check.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "msg.h"
#include "qcreg_mirror_int.h"

/* A hit found, until the result is built. */
struct found {
	const char	*grade;		/* into the data file, or NULL */
	size_t		 grade_len;
	int32_t		 end;
	uint64_t	 disputed;
	int		 li;
};

/* A subject looked up: its hits are founds first .. first + nhits. */
struct looked {
	size_t			 canon;		/* offset in names, or -1 */
	size_t			 first;
	unsigned		 nhits;
	enum qcreg_verdict	 verdict;
};

struct batch {
	struct qcreg_mirror	*m;
	int32_t			 today;
	unsigned		 mask;		/* lists that weigh */
	MDB_cursor		*cur;
	struct looked		*looked;
	struct found		*found;
	size_t			 nfound;
	size_t			 capfound;
	char			*names;		/* canonical subjects, NUL'd */
	size_t			 namelen;
	size_t			 namecap;
	size_t			 bytes;		/* strings of the result */
};

static int	 lists_mask(struct qcreg_mirror *, const char *const *,
		    size_t, unsigned *);
static void	*grow(void *, size_t *, size_t, size_t);
static int	 lookup(struct batch *, const char *, size_t,
		    struct found *, unsigned *);
static int	 look(struct batch *, size_t, const char *);
static void	 fill(const struct batch *, const char *const *, size_t,
		    struct qcreg_check *);
static int	 check_at(struct qcreg_mirror *, int32_t,
		    const char *const *, size_t, const char *const *, size_t,
		    struct qcreg_check **);

/* The lists that weigh: those named (every one if none), as bits. */
static int
lists_mask(struct qcreg_mirror *m, const char *const *lists, size_t nlists,
    unsigned *mask)
{
	size_t	 i;
	int	 li;

	*mask = nlists == 0 ? (unsigned)((1ull << m->lists.n) - 1) : 0;
	for (i = 0; i < nlists; i++) {
		if (lists[i] == NULL)
			return mirror_fail(m, QCREG_E_USAGE, "a NULL list");
		if ((li = mirror_list_index(&m->lists, lists[i],
		    strlen(lists[i]))) == -1)
			return mirror_fail(m, QC_E_UNKNOWN_LIST, "unknown list "
			    "%s", lists[i]);
		*mask |= 1u << li;
	}
	return 0;
}

/*
 * p (cap items of size bytes) with room for need items: p itself, a
 * larger copy, or NULL (p is left as it was) out of memory.
 */
static void *
grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t	 n = *cap == 0 ? 64 : *cap;
	void	*q;

	while (n < need)
		n *= 2;
	if (n == *cap)
		return p;
	if ((q = realloc(p, n * size)) == NULL)
		return NULL;
	*cap = n;
	return q;
}

/*
 * The active entries of a canonical subject on the lists of the mask:
 * hits[li] for each bit of *found. One seek, then the subject's entries,
 * which are adjacent (key: subject NUL list).
 */
static int
lookup(struct batch *b, const char *canon, size_t len, struct found *hits,
    unsigned *found)
{
	uint8_t			 key[MIRROR_KEY_MAX];
	struct mirror_entry	 e;
	const uint8_t		*kp;
	MDB_val			 k, v;
	MDB_cursor_op		 op = MDB_SET_RANGE;
	int			 rc, li;

	*found = 0;
	if (!mirror_filter_maybe(b->m, canon, len))
		return 0;
	memcpy(key, canon, len);
	key[len] = '\0';
	k.mv_data = key;
	k.mv_size = len + 1;
	while ((rc = mdb_cursor_get(b->cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		kp = k.mv_data;
		if (k.mv_size <= len + 1 || memcmp(kp, canon, len) != 0 ||
		    kp[len] != '\0')
			return 0;
		li = mirror_list_index(&b->m->lists, (const char *)kp + len + 1,
		    k.mv_size - len - 1);
		if (li == -1 || ((b->mask >> li) & 1) == 0)
			continue;
		if (mirror_entry_decode(v.mv_data, v.mv_size, &e) != 0)
			return mirror_fail(b->m, QCREG_E_STORE, "a corrupt "
			    "entry of %s", canon);
		if (!mirror_entry_active(&e, b->today))
			continue;
		hits[li].grade = b->m->lists.l[li].type == ML_RATING ?
		    e.grade : NULL;
		hits[li].grade_len = e.grade_len;
		hits[li].end = e.end;
		hits[li].disputed = e.disputed;
		hits[li].li = li;
		*found |= 1u << li;
	}
	return rc == MDB_NOTFOUND ? 0 :
	    mirror_lmdb_fail(b->m, rc, "reading entries");
}

/* Looks subject i up; its result strings are counted in b->bytes. */
static int
look(struct batch *b, size_t i, const char *subject)
{
	struct found	 hits[MIRROR_LISTS_MAX], *more;
	struct looked	*lk = &b->looked[i];
	char		 canon[QC_SUBJECT_MAX], *names;
	unsigned	 found;
	size_t		 len;
	int		 li, rc;
	enum qcreg_verdict v;

	memset(lk, 0, sizeof(*lk));
	if (qc_subject_canon(subject, strlen(subject), canon, NULL) == -1) {
		lk->canon = (size_t)-1;
		b->bytes += strlen(subject) + 1;
		return 0;
	}
	len = strlen(canon);
	if ((rc = lookup(b, canon, len, hits, &found)) != 0)
		return rc;
	if ((names = grow(b->names, &b->namecap, b->namelen + len + 1,
	    1)) == NULL)
		return mirror_fail(b->m, QCREG_E_NOMEM, "out of memory");
	b->names = names;
	if ((more = grow(b->found, &b->capfound, b->nfound +
	    (size_t)__builtin_popcount(found), sizeof(*b->found))) == NULL)
		return mirror_fail(b->m, QCREG_E_NOMEM, "out of memory");
	b->found = more;
	lk->canon = b->namelen;
	memcpy(b->names + b->namelen, canon, len + 1);
	b->namelen += len + 1;
	b->bytes += len + 1;
	lk->first = b->nfound;
	for (li = 0; li < b->m->lists.n; li++) {
		if (((found >> li) & 1) == 0)
			continue;
		b->found[b->nfound++] = hits[li];
		v = mirror_list_verdict(&b->m->lists.l[li], hits[li].grade,
		    hits[li].grade_len);
		if (v > lk->verdict)
			lk->verdict = v;
		b->bytes += strlen(b->m->lists.l[li].name) + 1 +
		    (hits[li].grade != NULL ? hits[li].grade_len + 1 : 0) +
		    (hits[li].end != MIRROR_NO_END ? QC_DATE_LEN + 1 : 0);
		lk->nhits++;
	}
	return 0;
}

/* The result k, from what the first pass found. */
static void
fill(const struct batch *b, const char *const *subjects, size_t n,
    struct qcreg_check *k)
{
	struct qcreg_hit	*hit = (struct qcreg_hit *)(k->items + n);
	const struct found	*f;
	const struct looked	*lk;
	struct qcreg_check_item	*it;
	char			*str = (char *)(hit + b->nfound), *s;
	size_t			 i, j;

	k->n = n;
	for (i = 0; i < n; i++) {
		lk = &b->looked[i];
		it = &k->items[i];
		memset(it, 0, sizeof(*it));
		it->hits = hit;
		if (lk->canon == (size_t)-1) {
			s = str;
			it->subject = qc_arena_str(&str, subjects[i],
			    strlen(subjects[i]));
			qcreg_sanitize(s);
			it->error = QC_E_INVALID_SUBJECT;
			continue;
		}
		it->subject = qc_arena_str(&str, b->names + lk->canon,
		    strlen(b->names + lk->canon));
		it->verdict = lk->verdict;
		it->nhits = lk->nhits;
		for (j = 0; j < lk->nhits; j++, hit++) {
			f = &b->found[lk->first + j];
			memset(hit, 0, sizeof(*hit));
			hit->list = qc_arena_str(&str,
			    b->m->lists.l[f->li].name,
			    strlen(b->m->lists.l[f->li].name));
			if (f->grade != NULL)
				hit->grade = qc_arena_str(&str, f->grade,
				    f->grade_len);
			if (f->end != MIRROR_NO_END) {
				qc_date_format(f->end, str);
				hit->until = str;
				str += QC_DATE_LEN + 1;
			}
			hit->disputed = f->disputed;
		}
	}
}

static int
check_at(struct qcreg_mirror *m, int32_t today, const char *const *subjects,
    size_t n, const char *const *lists, size_t nlists,
    struct qcreg_check **out)
{
	struct qcreg_check	*k = NULL;
	struct batch		 b;
	MDB_txn			*txn = NULL;
	size_t			 i;
	int			 rc;

	*out = NULL;
	m->errmsg[0] = '\0';
	if (subjects == NULL || n == 0 || (lists == NULL && nlists > 0))
		return mirror_fail(m, QCREG_E_USAGE, "check needs 1 or more "
		    "subjects");
	for (i = 0; i < n; i++)
		if (subjects[i] == NULL)
			return mirror_fail(m, QCREG_E_USAGE, "a NULL subject");
	memset(&b, 0, sizeof(b));
	b.m = m;
	b.today = today;
	/* A sync elsewhere rewrote the data file: read the new one. */
	if ((mirror_store_moved(m) && (rc = mirror_store_reopen(m)) != 0) ||
	    (rc = lists_mask(m, lists, nlists, &b.mask)) != 0)
		return rc;
	if ((b.looked = calloc(n, sizeof(*b.looked))) == NULL)
		return mirror_fail(m, QCREG_E_NOMEM, "out of memory");
	if ((rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, m->entries, &b.cur)) != 0)
		rc = mirror_lmdb_fail(m, rc, "starting a read");
	else
		rc = mirror_filter_update(m, txn);
	for (i = 0; rc == 0 && i < n; i++)
		rc = look(&b, i, subjects[i]);
	if (rc == 0 && (k = malloc(sizeof(*k) + n * sizeof(*k->items) +
	    b.nfound * sizeof(struct qcreg_hit) + b.bytes)) == NULL)
		rc = mirror_fail(m, QCREG_E_NOMEM, "out of memory");
	if (rc == 0) {
		k->items = (struct qcreg_check_item *)(k + 1);
		fill(&b, subjects, n, k);
		*out = k;
	}
	if (b.cur != NULL)
		mdb_cursor_close(b.cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	free(b.looked);
	free(b.found);
	free(b.names);
	return rc;
}

int
qcreg_mirror_check(struct qcreg_mirror *m, const char *const *subjects,
    size_t n, const char *const *lists, size_t nlists,
    struct qcreg_check **out)
{
	return check_at(m, qc_date_today(time(NULL), m->utc_offset), subjects,
	    n, lists, nlists, out);
}

int
qcreg_mirror_check_on(struct qcreg_mirror *m, const char *day,
    const char *const *subjects, size_t n, const char *const *lists,
    size_t nlists, struct qcreg_check **out)
{
	int32_t	 d;

	*out = NULL;
	if (day == NULL || qc_date_parse(day, strlen(day), &d) != 0)
		return mirror_fail(m, QCREG_E_USAGE, "not a date (YYYY-MM-DD): "
		    "%s", day != NULL ? day : "(null)");
	return check_at(m, d, subjects, n, lists, nlists, out);
}
