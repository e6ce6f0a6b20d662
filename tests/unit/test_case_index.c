/*
 * The cases of each subject (server/db/case_index.c): the key sorts a
 * subject's cases by id right after its prefix, and a store whose cases
 * were written before the index (or an index missing keys) gets one key
 * per case when it is opened, and no more.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "case_index.h"
#include "cases.h"
#include "store.h"
#include "testlib.h"

#define MAP	(8 * 1024 * 1024)

static char	 dir[256];

static int	 setup(void **);
static int	 teardown(void **);
static void	 put_case(struct store *, uint64_t, const char *,
		    const char *);
static size_t	 cases_of(struct store *, const char *, uint64_t *, size_t);
static void	 drop_index(struct store *);

static int
setup(void **state)
{
	(void)state;
	return tl_tmpdir(dir, sizeof(dir), "case-index");
}

static int
teardown(void **state)
{
	(void)state;
	return tl_rmstore(dir);
}

/* A case as the writer stores it, without its index key. */
static void
put_case(struct store *st, uint64_t id, const char *list, const char *subject)
{
	struct case_rec	 cr;
	uint8_t		 buf[CASE_REC_MAX], key[8];
	MDB_txn		*txn;
	MDB_val		 k, v;
	long		 n;

	memset(&cr, 0, sizeof(cr));
	cr.cr_kind = CASE_OBJECTION;
	cr.cr_outcome = CASE_OPEN;
	cr.cr_list = list;
	cr.cr_list_len = strlen(list);
	cr.cr_subject = subject;
	cr.cr_subject_len = strlen(subject);
	assert_true((n = case_encode(buf, sizeof(buf), &cr)) > 0);
	store_key_seq(key, id);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	v.mv_data = buf;
	v.mv_size = (size_t)n;
	assert_int_equal(mdb_txn_begin(st->s_env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_put(txn, st->s_cases, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
}

/* The ids the index holds for subject, in key order; how many. */
static size_t
cases_of(struct store *st, const char *subject, uint64_t *ids, size_t max)
{
	uint8_t		 prefix[STORE_KEY_MAX];
	size_t		 plen, n = 0;
	MDB_cursor	*cur;
	MDB_txn		*txn;
	MDB_val		 k, v;
	int		 rc;

	plen = store_key_subject(prefix, subject);
	assert_int_equal(mdb_txn_begin(st->s_env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, st->s_subject_cases, &cur), 0);
	k.mv_data = prefix;
	k.mv_size = plen;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 &&
	    k.mv_size == plen + 8 && memcmp(k.mv_data, prefix, plen) == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		assert_true(n < max);
		assert_int_equal(v.mv_size, 0);
		ids[n++] = store_get_be((const uint8_t *)k.mv_data + plen, 8);
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return n;
}

static void
drop_index(struct store *st)
{
	MDB_txn	*txn;

	assert_int_equal(mdb_txn_begin(st->s_env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_drop(txn, st->s_subject_cases, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
}

static void
test_key(void **state)
{
	uint8_t	 k[STORE_KEY_MAX], p[STORE_KEY_MAX];
	char	 subj[STORE_KEY_MAX];
	size_t	 n;

	(void)state;
	assert_int_equal(case_subject_key(k, "uscc:X", 0x0102030405060708ULL),
	    15);
	assert_memory_equal(k, "uscc:X\0\x01\x02\x03\x04\x05\x06\x07\x08", 15);
	/* the subject's prefix comes first: "uscc:X" before "uscc:XY" */
	n = store_key_subject(p, "uscc:X");
	assert_memory_equal(k, p, n);
	case_subject_key(p, "uscc:XY", 1);
	assert_true(memcmp(k, p, 7) < 0);
	/* a subject too long for a key has none */
	memset(subj, 's', sizeof(subj) - 1);
	subj[sizeof(subj) - 1] = '\0';
	assert_int_equal(case_subject_key(k, subj, 1), 0);
}

static void
test_catch_up(void **state)
{
	struct store	 st;
	uint64_t	 ids[8];
	MDB_txn		*txn;

	(void)state;
	assert_int_equal(store_open(&st, dir, MAP, 8), 0);
	/* written as a store before the index was: cases, no keys */
	put_case(&st, 30, "tourism", "uscc:B");
	put_case(&st, 7, "credit", "uscc:B");
	put_case(&st, 12, "credit", "uscc:A");
	assert_int_equal(cases_of(&st, "uscc:B", ids, 8), 0);
	store_close(&st);

	assert_int_equal(store_open(&st, dir, MAP, 8), 0);
	assert_int_equal(cases_of(&st, "uscc:B", ids, 8), 2);
	assert_int_equal(ids[0], 7);
	assert_int_equal(ids[1], 30);
	assert_int_equal(cases_of(&st, "uscc:A", ids, 8), 1);
	assert_int_equal(ids[0], 12);
	assert_int_equal(cases_of(&st, "uscc:C", ids, 8), 0);

	/* a case the writer indexed as it opened it */
	put_case(&st, 40, "credit", "uscc:A");
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, 0, &txn), 0);
	assert_int_equal(case_index_put(&st, txn, "uscc:A", 40), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	assert_int_equal(cases_of(&st, "uscc:A", ids, 8), 2);
	assert_int_equal(ids[1], 40);

	/* an index short of a key is made again, whole */
	drop_index(&st);
	put_case(&st, 50, "credit", "uscc:C");
	store_close(&st);
	assert_int_equal(store_open(&st, dir, MAP, 8), 0);
	assert_int_equal(cases_of(&st, "uscc:A", ids, 8), 2);
	assert_int_equal(cases_of(&st, "uscc:B", ids, 8), 2);
	assert_int_equal(cases_of(&st, "uscc:C", ids, 8), 1);
	assert_int_equal(ids[0], 50);
	store_close(&st);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_key),
		cmocka_unit_test_setup_teardown(test_catch_up, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
