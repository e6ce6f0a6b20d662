/*
 * The name index (server/db/names.c): rows follow names_set at once, the
 * bigrams only after names_merge, which adds the bigrams of new names,
 * drops those of changed or removed ones, and empties name_pending; a
 * merge in chunks ends where one merge of everything would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "names.h"
#include "store.h"
#include "testlib.h"

#define MAP	(16 * 1024 * 1024)

static char	 dir[256];

static int
setup(void **state)
{
	(void)state;
	return tl_tmpdir(dir, sizeof(dir), "names");
}

static int
teardown(void **state)
{
	(void)state;
	return tl_rmstore(dir);
}

/* names_set in a transaction of its own. */
static void
set_name(struct store *st, const char *subject, const char *list,
    const char *name)
{
	MDB_txn	*txn;

	assert_int_equal(mdb_txn_begin(st->s_env, NULL, 0, &txn), 0);
	assert_int_equal(names_set(st, txn, subject, list, name,
	    name != NULL ? strlen(name) : 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
}

static void
merge(struct store *st, size_t chunk)
{
	MDB_txn	*txn;
	size_t	 left = 1;

	while (left > 0) {
		assert_int_equal(mdb_txn_begin(st->s_env, NULL, 0, &txn), 0);
		assert_int_equal(names_merge(st, txn, chunk), 0);
		assert_int_equal(names_pending(st, txn, &left), 0);
		assert_int_equal(mdb_txn_commit(txn), 0);
	}
}

/* The ids the index holds for a bigram (UTF-8 bytes). */
static size_t
ids_of(struct store *st, const char *bigram)
{
	MDB_cursor	*cur;
	MDB_txn		*txn;
	MDB_val		 k = { .mv_data = (void *)bigram,
			    .mv_size = strlen(bigram) }, v;
	size_t		 n = 0;
	int		 rc;

	assert_int_equal(mdb_txn_begin(st->s_env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, st->s_bigrams, &cur), 0);
	if ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET)) == 0)
		assert_int_equal(mdb_cursor_count(cur, &n), 0);
	else
		assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return n;
}

static size_t
pending(struct store *st)
{
	MDB_txn	*txn;
	size_t	 n;

	assert_int_equal(mdb_txn_begin(st->s_env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(names_pending(st, txn, &n), 0);
	mdb_txn_abort(txn);
	return n;
}

static void
merge_follows_the_rows(void **state)
{
	struct store	 st;

	(void)state;
	assert_int_equal(store_open(&st, dir, MAP, 8), 0);
	set_name(&st, "uscc:A", "credit", "郑州好味食品");
	set_name(&st, "uscc:B", "credit", "洛阳好味饭店");
	assert_int_equal(pending(&st), 2);
	assert_int_equal(ids_of(&st, "好味"), 0);	/* not merged yet */
	merge(&st, NAMES_MERGE_CHUNK);
	assert_int_equal(pending(&st), 0);
	assert_int_equal(ids_of(&st, "好味"), 2);
	assert_int_equal(ids_of(&st, "郑州"), 1);
	/* A new name: the old bigrams go, the new come, the shared stay. */
	set_name(&st, "uscc:A", "credit", "开封好味食品");
	set_name(&st, "uscc:A", "credit", "开封好味烤鸭");
	assert_int_equal(pending(&st), 1);
	assert_int_equal(ids_of(&st, "郑州"), 1);	/* until the merge */
	merge(&st, NAMES_MERGE_CHUNK);
	assert_int_equal(ids_of(&st, "郑州"), 0);
	assert_int_equal(ids_of(&st, "食品"), 0);
	assert_int_equal(ids_of(&st, "开封"), 1);
	assert_int_equal(ids_of(&st, "烤鸭"), 1);
	assert_int_equal(ids_of(&st, "好味"), 2);
	/* A second list's name adds to the subject's bigrams. */
	set_name(&st, "uscc:B", "tourism", "洛阳旅行社");
	merge(&st, NAMES_MERGE_CHUNK);
	assert_int_equal(ids_of(&st, "旅行"), 1);
	assert_int_equal(ids_of(&st, "饭店"), 1);
	/* No name left: every posting of the subject goes. */
	set_name(&st, "uscc:B", "credit", NULL);
	set_name(&st, "uscc:B", "tourism", NULL);
	merge(&st, NAMES_MERGE_CHUNK);
	assert_int_equal(ids_of(&st, "洛阳"), 0);
	assert_int_equal(ids_of(&st, "好味"), 1);
	store_close(&st);
}

static void
chunks_end_as_one(void **state)
{
	struct store	 st;
	char		 subject[32], name[64];
	int		 i;

	(void)state;
	assert_int_equal(store_open(&st, dir, MAP, 8), 0);
	for (i = 0; i < 50; i++) {
		snprintf(subject, sizeof(subject), "uscc:S%02d", i);
		snprintf(name, sizeof(name), "%s%d号", i % 2 ? "郑州" : "开封",
		    i);
		set_name(&st, subject, "credit", name);
	}
	assert_int_equal(pending(&st), 50);
	merge(&st, 7);		/* eight transactions */
	assert_int_equal(pending(&st), 0);
	assert_int_equal(ids_of(&st, "郑州"), 25);
	assert_int_equal(ids_of(&st, "开封"), 25);
	store_close(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(merge_follows_the_rows, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(chunks_end_as_one, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
