/*
 * The subject filter grown online (server/db/filter.c): every subject in
 * the summary answers "maybe" before, during and after a growth, seen
 * from another thread too; misses stay rare; old filters are kept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "filter.h"
#include "store.h"
#include "testlib.h"

#define NSUBJ	20000

static char		 dir[256];
static struct store	 st;
static _Atomic int	 committed;	/* subjects 0 .. committed-1 are in */
static _Atomic int	 stop;
static _Atomic long	 misses;	/* false negatives seen by the reader */

static int	 setup(void **);
static int	 teardown(void **);
static size_t	 subject(int, char *, size_t);
static void	 commit(struct filter *, int, int);
static void	*reader(void *);
static int	 grown_to(struct filter *, uint64_t);

static int
setup(void **state)
{
	const char	*t = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/qcreg-test-filter.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	return store_open(&st, dir, 64 * 1024 * 1024, 16);
}

static int
teardown(void **state)
{
	(void)state;
	store_close(&st);
	return tl_rmstore(dir);
}

static size_t
subject(int i, char *buf, size_t size)
{
	return (size_t)snprintf(buf, size, "guide:FILTER-%06d", i);
}

/* Subjects from .. to-1 into the summary, as the writer adds them. */
static void
commit(struct filter *f, int from, int to)
{
	MDB_txn		*txn;
	MDB_val		 k, v = { 1, "x" };
	char		 s[64];
	int		 i;

	assert_int_equal(mdb_txn_begin(st.s_env, NULL, 0, &txn), 0);
	for (i = from; i < to; i++) {
		k.mv_data = s;
		k.mv_size = subject(i, s, sizeof(s));
		assert_int_equal(mdb_put(txn, st.s_summary, &k, &v, 0), 0);
		filter_add(f, k.mv_data, k.mv_size);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	atomic_store(&committed, to);
	filter_maintain(f);
}

/* Another thread, as a worker: what is committed is always "maybe". */
static void *
reader(void *arg)
{
	struct filter	*f = arg;
	char		 s[64];
	int		 i, n;

	while (!atomic_load(&stop)) {
		n = atomic_load(&committed);
		for (i = 0; i < n; i += 7)
			if (!filter_maybe(f, s, subject(i, s, sizeof(s))))
				atomic_fetch_add(&misses, 1);
	}
	return NULL;
}

/* Runs maintenance until the capacity reaches want (at most 10 s). */
static int
grown_to(struct filter *f, uint64_t want)
{
	int	 i;

	for (i = 0; i < 1000 && filter_capacity(f) < want; i++) {
		filter_maintain(f);
		usleep(10000);
	}
	return filter_capacity(f) >= want;
}

static void
test_grows_online(void **state)
{
	struct filter	 f;
	pthread_t	 th;
	uint64_t	 cap0;
	char		 s[64];
	long		 fp = 0;
	int		 i;

	(void)state;
	commit(&st.s_filter, 0, 100);
	/* A filter of its own, small enough to grow in a unit test. */
	assert_int_equal(filter_open(&f, &st, 64), 0);
	cap0 = filter_capacity(&f);
	assert_true(cap0 >= 200 && cap0 < 1000);
	assert_int_equal(pthread_create(&th, NULL, reader, &f), 0);
	for (i = 100; i < NSUBJ; i += 500)
		commit(&f, i, i + 500 < NSUBJ ? i + 500 : NSUBJ);
	assert_true(grown_to(&f, NSUBJ));
	atomic_store(&stop, 1);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(atomic_load(&misses), 0);
	/* Every subject, and few that are not. */
	for (i = 0; i < NSUBJ; i++)
		assert_true(filter_maybe(&f, s, subject(i, s, sizeof(s))));
	for (i = NSUBJ; i < 2 * NSUBJ; i++)
		fp += filter_maybe(&f, s, subject(i, s, sizeof(s)));
	assert_true(fp < NSUBJ / 50);
	/* Grown more than once; the old filters are kept until close. */
	assert_true(f.f_nretired >= 2);
	filter_close(&f);
}

/* The store's own filter, opened on the subjects already there. */
static void
test_opened_on_store(void **state)
{
	char	 s[64];
	int	 i;

	(void)state;
	commit(&st.s_filter, 0, 300);
	store_close(&st);
	assert_int_equal(store_open(&st, dir, 64 * 1024 * 1024, 16), 0);
	assert_true(filter_capacity(&st.s_filter) >= FILTER_MIN_KEYS);
	for (i = 0; i < 300; i++)
		assert_true(filter_maybe(&st.s_filter, s,
		    subject(i, s, sizeof(s))));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grows_online, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_opened_on_store, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
