/*
 * The subject filter, grown online (filter.h).
 */
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "log.h"
#include "store.h"

static int	 filter_fill(struct store *, struct bloom *, MDB_txn *,
		    MDB_val *, uint8_t *, uint64_t);
static void	*filter_build(void *);
static struct bloom *filter_new(uint64_t);
static void	 filter_retire(struct filter *, struct bloom *);

static struct bloom *
filter_new(uint64_t keys)
{
	struct bloom	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if (bloom_init(b, keys) == -1) {
		free(b);
		return NULL;
	}
	return b;
}

/*
 * Adds the subjects of the summary in txn's snapshot to b, from the key
 * after *from (all when from->mv_size is 0), at most max of them; *from
 * becomes the last key added (copied into last, STORE_KEY_MAX bytes). Returns 0 at the end,
 * EAGAIN when max were added, or an LMDB error.
 */
static int
filter_fill(struct store *st, struct bloom *b, MDB_txn *txn, MDB_val *from,
    uint8_t *last, uint64_t max)
{
	MDB_cursor	*cur;
	MDB_val		 k = *from, v;
	uint64_t	 n = 0;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, st->s_summary, &cur)) != 0)
		return rc;
	if (from->mv_size == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	else if ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) == 0 &&
	    k.mv_size == from->mv_size &&
	    memcmp(k.mv_data, from->mv_data, k.mv_size) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		bloom_add(b, k.mv_data, k.mv_size);
		if (++n == max && k.mv_size <= STORE_KEY_MAX) {
			memcpy(last, k.mv_data, k.mv_size);
			from->mv_data = last;
			from->mv_size = k.mv_size;
			rc = EAGAIN;
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
filter_open(struct filter *f, struct store *st, uint64_t min)
{
	MDB_txn		*txn = NULL;
	MDB_stat	 ms;
	int		 rc;

	f->f_store = st;
	f->f_min = min;
	f->f_next = NULL;
	f->f_building = f->f_failed = f->f_nretired = 0;
	atomic_init(&f->f_built, 0);
	atomic_init(&f->f_cur, NULL);
	if ((rc = mdb_txn_begin(st->s_env, NULL, MDB_RDONLY, &txn)) != 0) {
		txn = NULL;
		goto fail;
	}
	if ((rc = mdb_stat(txn, st->s_summary, &ms)) != 0)
		goto fail;
	f->f_count = ms.ms_entries;
	atomic_init(&f->f_cur, filter_new(ms.ms_entries * 2 > min ?
	    ms.ms_entries * 2 : min));
	if (atomic_load(&f->f_cur) == NULL) {
		mdb_txn_abort(txn);
		log_warnx("no memory for the subject filter");
		return -1;
	}
	rc = filter_fill(st, atomic_load(&f->f_cur), txn,
	    &(MDB_val){ 0, NULL }, NULL, UINT64_MAX);
	mdb_txn_abort(txn);
	if (rc == 0)
		return 0;
	txn = NULL;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	log_warnx("loading the subject filter: %s", mdb_strerror(rc));
	return -1;
}

/* Keeps an old filter until close: a reader may still be in it. */
static void
filter_retire(struct filter *f, struct bloom *b)
{
	if (f->f_nretired < FILTER_RETIRED)
		f->f_retired[f->f_nretired++] = b;
	else
		log_warnx("subject filter: too many old filters; one leaks");
}

void
filter_close(struct filter *f)
{
	struct bloom	*b;
	int		 i;

	if (f->f_building)
		pthread_join(f->f_builder, NULL);
	if (f->f_next != NULL) {
		bloom_free(f->f_next);
		free(f->f_next);
	}
	if ((b = atomic_load(&f->f_cur)) != NULL) {
		bloom_free(b);
		free(b);
	}
	for (i = 0; i < f->f_nretired; i++) {
		bloom_free(f->f_retired[i]);
		free(f->f_retired[i]);
	}
	f->f_nretired = 0;
	f->f_next = NULL;
	atomic_store(&f->f_cur, NULL);
}

int
filter_maybe(struct filter *f, const void *key, size_t len)
{
	return bloom_maybe(atomic_load_explicit(&f->f_cur,
	    memory_order_acquire), key, len);
}

void
filter_add(struct filter *f, const void *key, size_t len)
{
	if (bloom_add(atomic_load_explicit(&f->f_cur, memory_order_relaxed),
	    key, len))
		f->f_count++;
	if (f->f_next != NULL)
		bloom_add(f->f_next, key, len);
}

uint64_t
filter_capacity(struct filter *f)
{
	return atomic_load(&f->f_cur)->b_capacity;
}

/*
 * The builder: the summary into f_next, FILTER_CHUNK subjects a read
 * transaction, so that it never holds old pages or a map resize for
 * long. Subjects committed after it began were added to f_next by the
 * writer; removed ones are false positives, as always.
 */
static void *
filter_build(void *arg)
{
	struct filter	*f = arg;
	struct store	*st = f->f_store;
	uint8_t		 last[STORE_KEY_MAX];
	MDB_val		 from = { 0, NULL };
	MDB_txn		*txn;
	int		 rc;

	do {
		store_read_enter(st);
		if ((rc = mdb_txn_begin(st->s_env, NULL, MDB_RDONLY,
		    &txn)) == 0) {
			rc = filter_fill(st, f->f_next, txn, &from, last,
			    FILTER_CHUNK);
			mdb_txn_abort(txn);
		}
		store_read_leave(st);
	} while (rc == EAGAIN);
	if (rc != 0)
		log_warnx("growing the subject filter: %s", mdb_strerror(rc));
	atomic_store(&f->f_built, rc == 0 ? 1 : -1);
	return NULL;
}

void
filter_maintain(struct filter *f)
{
	struct bloom	*old = atomic_load(&f->f_cur);
	int		 built = atomic_load(&f->f_built);

	if (f->f_building && built != 0) {
		pthread_join(f->f_builder, NULL);
		f->f_building = 0;
		atomic_store(&f->f_built, 0);
		if (built == 1) {
			atomic_store_explicit(&f->f_cur, f->f_next,
			    memory_order_release);
			filter_retire(f, old);
			log_info("subject filter grown to %llu subjects",
			    (unsigned long long)f->f_next->b_capacity);
		} else {
			bloom_free(f->f_next);
			free(f->f_next);
			f->f_failed = 1;
		}
		f->f_next = NULL;
		return;
	}
	if (f->f_building || f->f_failed || f->f_count <= old->b_capacity)
		return;
	/* No batch is open: everything committed is in the snapshot. */
	if ((f->f_next = filter_new(f->f_count * 4)) == NULL ||
	    pthread_create(&f->f_builder, NULL, filter_build, f) != 0) {
		log_warnx("cannot grow the subject filter");
		if (f->f_next != NULL) {
			bloom_free(f->f_next);
			free(f->f_next);
		}
		f->f_next = NULL;
		f->f_failed = 1;
		return;
	}
	f->f_building = 1;
}
