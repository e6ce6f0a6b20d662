/*
 * libqcreg mirror: the subject filter in front of `entries`. Most
 * subjects a platform checks are not listed; a Bloom filter
 * (proto/bloom.c) of the subjects that have an entry answers such a miss
 * from one cache line instead of a B-tree walk.
 *
 * The filter is read from the `added` log (seq -> subject of each entry
 * key a record created), first whole, then at each check from the rows
 * after the last it read, in the check's own read transaction. The log
 * only grows, in seq order, so the filter always holds every subject
 * with an entry in the snapshot being read. Deleted entries stay in it:
 * a false positive falls through to LMDB. A rewritten data file (a new
 * generation) is read again from its start.
 */
#include <string.h>

#include "qcreg_mirror_int.h"

#define FILTER_MIN	1024	/* subjects a new filter has room for */

static int	 filter_new(struct qcreg_mirror *, MDB_txn *, uint64_t);
static int	 filter_read(struct qcreg_mirror *, MDB_txn *);

/*
 * An empty filter with room for the log's rows and more (bloom_init
 * rounds up to a power of two: room to grow; a full one is made anew).
 */
static int
filter_new(struct qcreg_mirror *m, MDB_txn *txn, uint64_t more)
{
	struct mirror_filter	*f = &m->filter;
	MDB_stat		 st;
	int			 rc;

	mirror_filter_free(m);
	if ((rc = mdb_stat(txn, m->added, &st)) != 0)
		return mirror_lmdb_fail(m, rc, "the added log");
	if (bloom_init(&f->f_bloom, st.ms_entries + more + FILTER_MIN) != 0)
		return mirror_fail(m, QCREG_E_NOMEM, "out of memory");
	f->f_built = 1;
	f->f_gen = m->gen;
	return 0;
}

/* Adds the log's rows after f_last; 1 when the filter is full. */
static int
filter_read(struct qcreg_mirror *m, MDB_txn *txn)
{
	struct mirror_filter	*f = &m->filter;
	MDB_cursor		*cur;
	MDB_cursor_op		 op = MDB_SET_RANGE;
	const uint8_t		*p;
	uint8_t			 from[8];
	uint64_t		 seq = f->f_last + 1;
	MDB_val			 k, v;
	int			 rc, i;

	for (i = 7; i >= 0; i--, seq >>= 8)
		from[i] = (uint8_t)seq;
	k.mv_data = from;
	k.mv_size = sizeof(from);
	if ((rc = mdb_cursor_open(txn, m->added, &cur)) != 0)
		return mirror_lmdb_fail(m, rc, "the added log");
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size != 8) {
			rc = -1;
			break;
		}
		if (f->f_n >= f->f_bloom.b_capacity) {
			rc = 1;
			break;
		}
		bloom_add(&f->f_bloom, v.mv_data, v.mv_size);
		f->f_n++;
		p = k.mv_data;
		for (f->f_last = 0, i = 0; i < 8; i++)
			f->f_last = f->f_last << 8 | p[i];
	}
	mdb_cursor_close(cur);
	if (rc == -1)
		return mirror_fail(m, QCREG_E_STORE, "the added log: corrupt");
	if (rc == 1)
		return 1;
	return rc == MDB_NOTFOUND ? 0 : mirror_lmdb_fail(m, rc,
	    "the added log");
}

/*
 * Brings the filter up to the snapshot of txn: reads the log's new rows,
 * or all of it into a new filter (a new data file, or a full one).
 */
int
mirror_filter_update(struct qcreg_mirror *m, MDB_txn *txn)
{
	struct mirror_filter	*f = &m->filter;
	int			 rc;

	if ((!f->f_built || f->f_gen != m->gen) &&
	    (rc = filter_new(m, txn, 0)) != 0)
		return rc;
	if ((rc = filter_read(m, txn)) != 1)
		return rc;
	if ((rc = filter_new(m, txn, f->f_n)) != 0)
		return rc;
	return filter_read(m, txn) == 0 ? 0 : mirror_fail(m, QCREG_E_STORE,
	    "the added log grew while it was read");
}

/* 0 if subject (len bytes) surely has no entry; 1 if it may have one. */
int
mirror_filter_maybe(const struct qcreg_mirror *m, const char *subject,
    size_t len)
{
	return bloom_maybe(&m->filter.f_bloom, subject, len);
}

void
mirror_filter_free(struct qcreg_mirror *m)
{
	if (m->filter.f_built)
		bloom_free(&m->filter.f_bloom);
	memset(&m->filter, 0, sizeof(m->filter));
}
