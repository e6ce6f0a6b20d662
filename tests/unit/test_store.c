/*
 * LMDB store: key builders and their bytewise order, opening a fresh
 * environment (schema 3), the change-log head, reopening, refusing an
 * older schema, and map growth.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "store.h"
#include "subject.h"
#include "testlib.h"

#define MiB	(1024 * 1024)

static char	 dir[256];

static int	 setup(void **);
static int	 teardown(void **);
static int	 key_cmp(const void *, const void *);
static void	 put(struct store *, MDB_dbi, const void *, size_t);

struct key {
	uint8_t	 b[STORE_KEY_MAX];
	size_t	 len;
	uint64_t n;		/* what the key stands for */
};

/* A fresh mktemp -d directory per test. */
static int
setup(void **state)
{
	const char	*t = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/qcreg-test-store.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	(void)tl_rmstore(dir);
	return 0;
}

/* LMDB's default order: memcmp, then the shorter key first. */
static int
key_cmp(const void *a, const void *b)
{
	const struct key	*x = a, *y = b;
	size_t			 n = x->len < y->len ? x->len : y->len;
	int			 c = memcmp(x->b, y->b, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static void
put(struct store *st, MDB_dbi dbi, const void *k, size_t klen)
{
	MDB_txn	*txn;
	MDB_val	 kv, vv;

	kv.mv_data = (void *)k;
	kv.mv_size = klen;
	vv.mv_data = "v";
	vv.mv_size = 1;
	assert_int_equal(mdb_txn_begin(st->s_env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_put(txn, dbi, &kv, &vv, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
}

static void
test_key_subject_version(void **state)
{
	uint8_t	 k[STORE_KEY_MAX], sk[STORE_KEY_MAX];
	char	 subj[STORE_KEY_MAX + 8];
	size_t	 n;

	(void)state;
	assert_int_equal(store_key_subject(k, "uscc:X"), 7);
	assert_memory_equal(k, "uscc:X\0", 7);
	assert_int_equal(store_key_version(k, "uscc:X", "credit", 0x01020304),
	    18);
	assert_memory_equal(k, "uscc:X\0credit\0\x01\x02\x03\x04", 18);
	assert_int_equal(store_key_version(k, "b", "a", 1), 8);
	assert_memory_equal(k, "b\0a\0\0\0\0\x01", 8);
	assert_int_equal(store_key_version(k, "s", "l", UINT32_MAX), 8);
	assert_memory_equal(k + 4, "\xff\xff\xff\xff", 4);
	/* the subject key is the prefix of all the subject's version keys */
	n = store_key_subject(sk, "uscc:X");
	assert_int_equal(store_key_version(k, "uscc:X", "tourism", 9), 19);
	assert_memory_equal(k, sk, n);

	/* subject NUL may take up to 504 bytes */
	memset(subj, 's', sizeof(subj));
	subj[503] = '\0';
	assert_int_equal(store_key_subject(k, subj), 504);
	assert_int_equal(k[503], '\0');
	subj[503] = 's';
	subj[504] = '\0';
	assert_int_equal(store_key_subject(k, subj), 0);
	assert_int_equal(store_key_version(k, subj, "credit", 1), 0);
	/* and so may a whole version key */
	subj[504 - 1 - 6 - 1 - 4] = '\0';
	assert_int_equal(store_key_version(k, subj, "credit", UINT32_MAX),
	    504);
	assert_memory_equal(k + 492, "\0credit\0\xff\xff\xff\xff", 12);
	subj[504 - 1 - 6 - 1 - 4] = 's';
	subj[505 - 1 - 6 - 1 - 4] = '\0';
	assert_int_equal(store_key_version(k, subj, "credit", 1), 0);
	/* the longest subject and list names fit with room to spare */
	subj[QC_SUBJECT_MAX - 1] = '\0';
	memset(sk, 'l', CFG_NAME_MAX - 1);
	sk[CFG_NAME_MAX - 1] = '\0';
	assert_int_equal(store_key_version(k, subj, (const char *)sk, 1),
	    QC_SUBJECT_MAX - 1 + 1 + CFG_NAME_MAX - 1 + 1 + 4);
}

/*
 * A subject's keys sort by list, then numerically by version, and all
 * of them before the next subject that extends its name; a list's before
 * the next list that extends its name.
 */
static void
test_key_version_order(void **state)
{
	static const uint32_t vers[] = {
		UINT32_MAX, 256, 1, 65536, 10, 255, 16777216, 2, 65535, 9,
		16777215, 0,
	};
	static const char *const subjects[] = { "site:a.cn", "site:a.cn.x" };
	static const char *const lists[] = { "tourism", "tourism2" };
	const size_t	 nv = sizeof(vers) / sizeof(vers[0]);
	struct key	 keys[4 * sizeof(vers) / sizeof(vers[0])];
	size_t		 i, s, l, n = 0;

	(void)state;
	for (s = 0; s < 2; s++)
		for (l = 0; l < 2; l++)
			for (i = 0; i < nv; i++) {
				keys[n].len = store_key_version(keys[n].b,
				    subjects[s], lists[l], vers[i]);
				keys[n].n = (uint64_t)(s * 2 + l) << 32 |
				    vers[i];
				assert_int_not_equal(keys[n].len, 0);
				n++;
			}
	qsort(keys, n, sizeof(keys[0]), key_cmp);
	for (i = 1; i < n; i++)
		assert_true(keys[i - 1].n < keys[i].n);
}

static void
test_key_seq(void **state)
{
	static const uint64_t seqs[] = {
		UINT64_MAX, 256, 1, 1ull << 32, 255, 0, 1ull << 56,
		(1ull << 56) - 1, 65536, 0x0102030405060708ull,
	};
	const size_t	 n = sizeof(seqs) / sizeof(seqs[0]);
	struct key	 keys[sizeof(seqs) / sizeof(seqs[0])];
	MDB_val		 v;
	uint8_t		 k[8];
	size_t		 i;

	(void)state;
	store_key_seq(k, 0x0102030405060708ull);
	assert_memory_equal(k, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	for (i = 0; i < n; i++) {
		store_key_seq(keys[i].b, seqs[i]);
		keys[i].len = 8;
		keys[i].n = seqs[i];
		v.mv_data = keys[i].b;
		v.mv_size = 8;
		assert_true(store_seq_from_key(&v) == seqs[i]);
	}
	qsort(keys, n, sizeof(keys[0]), key_cmp);
	for (i = 1; i < n; i++)
		assert_true(keys[i - 1].n < keys[i].n);
	/* a short key reads only what is there */
	v.mv_data = "\x01\x02";
	v.mv_size = 2;
	assert_int_equal(store_seq_from_key(&v), 0x0102);
}

static void
test_open_head_reopen(void **state)
{
	struct store	 st;
	MDB_txn		*txn;
	MDB_val		 k, v;
	uint8_t		 hash[STORE_HASH_LEN], got[STORE_HASH_LEN];
	uint64_t	 seq = 99;
	size_t		 i;

	(void)state;
	assert_int_equal(store_open(&st, dir, 4 * MiB, 8), 0);
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, MDB_RDONLY, &txn), 0);
	memset(got, 0xaa, sizeof(got));
	assert_int_equal(store_head(&st, txn, &seq, got), 0);
	assert_int_equal(seq, 0);
	for (i = 0; i < STORE_HASH_LEN; i++)
		assert_int_equal(got[i], 0);
	k.mv_data = "schema";
	k.mv_size = 6;
	assert_int_equal(mdb_get(txn, st.s_meta, &k, &v), 0);
	assert_int_equal(v.mv_size, 1);
	assert_memory_equal(v.mv_data, "3", 1);
	mdb_txn_abort(txn);

	for (i = 0; i < STORE_HASH_LEN; i++)
		hash[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, 0, &txn), 0);
	assert_int_equal(store_set_head(&st, txn, 0x0102030405060708ull,
	    hash), 0);
	/* visible inside the same write transaction */
	assert_int_equal(store_head(&st, txn, &seq, got), 0);
	assert_true(seq == 0x0102030405060708ull);
	assert_int_equal(mdb_txn_commit(txn), 0);
	store_close(&st);

	/* reopening keeps it */
	assert_int_equal(store_open(&st, dir, 4 * MiB, 8), 0);
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, MDB_RDONLY, &txn), 0);
	memset(got, 0, sizeof(got));
	assert_int_equal(store_head(&st, txn, &seq, got), 0);
	assert_true(seq == 0x0102030405060708ull);
	assert_memory_equal(got, hash, STORE_HASH_LEN);
	mdb_txn_abort(txn);

	/* an aborted update leaves the head as it was */
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, 0, &txn), 0);
	assert_int_equal(store_set_head(&st, txn, 7, got), 0);
	mdb_txn_abort(txn);
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(store_head(&st, txn, &seq, got), 0);
	assert_true(seq == 0x0102030405060708ull);
	mdb_txn_abort(txn);

	/* a head of the wrong size is reported, not read */
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, 0, &txn), 0);
	k.mv_data = "head";
	k.mv_size = 4;
	v.mv_data = "short";
	v.mv_size = 5;
	assert_int_equal(mdb_put(txn, st.s_meta, &k, &v, 0), 0);
	assert_int_equal(store_head(&st, txn, &seq, got), MDB_CORRUPTED);
	mdb_txn_abort(txn);
	store_close(&st);
}

static void
test_open_errors(void **state)
{
	struct store	 st;
	MDB_txn		*txn;
	MDB_val		 k, v;
	char		 sub[512], file[512];
	FILE		*f;

	(void)state;
	/* a missing last component is created */
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(store_open(&st, sub, 4 * MiB, 8), 0);
	assert_int_equal(access(sub, F_OK), 0);

	/* a data directory of schema 2 (change records version 1) is refused */
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, 0, &txn), 0);
	k.mv_data = "schema";
	k.mv_size = 6;
	v.mv_data = "2";
	v.mv_size = 1;
	assert_int_equal(mdb_put(txn, st.s_meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	store_close(&st);
	assert_int_equal(store_open(&st, sub, 4 * MiB, 8), -1);
	(void)tl_rmstore(sub);

	/* not a directory, and a missing parent */
	snprintf(file, sizeof(file), "%s/file", dir);
	assert_non_null(f = fopen(file, "w"));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(store_open(&st, file, 4 * MiB, 8), -1);
	assert_int_equal(unlink(file), 0);
	snprintf(sub, sizeof(sub), "%s/no/such", dir);
	assert_int_equal(store_open(&st, sub, 4 * MiB, 8), -1);
}

/*
 * The databases walk keys in the order the builders promise, and a
 * subject's old versions are found from its subject key (as history
 * does): a range from store_key_subject stops before the next subject.
 */
static void
test_lmdb_order(void **state)
{
	static const uint32_t vers[] = { 300, 2, 1, 65536, 10, 256 };
	static const uint64_t seqs[] = { 1ull << 40, 3, 1, 256, 2, 255 };
	static const char *const subjects[] = { "uscc:BB", "uscc:B", "uscc:" };
	const size_t	 nv = sizeof(vers) / sizeof(vers[0]);
	struct store	 st;
	MDB_txn		*txn;
	MDB_cursor	*cur;
	MDB_val		 k, v;
	uint8_t		 key[STORE_KEY_MAX];
	uint64_t	 prev;
	size_t		 i, j, n, plen;
	int		 rc;

	(void)state;
	assert_int_equal(store_open(&st, dir, 4 * MiB, 8), 0);
	for (i = 0; i < nv; i++) {
		for (j = 0; j < 3; j++) {
			n = store_key_version(key, subjects[j], "tourism",
			    vers[i]);
			put(&st, st.s_versions, key, n);
			n = store_key_version(key, subjects[j], "credit",
			    vers[i]);
			put(&st, st.s_versions, key, n);
		}
		store_key_seq(key, seqs[i]);
		put(&st, st.s_changes, key, 8);
	}
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, MDB_RDONLY, &txn), 0);

	/*
	 * From uscc:B's subject key: its credit versions in order, then its
	 * tourism versions, then nothing more of it (uscc:BB follows).
	 */
	assert_int_equal(mdb_cursor_open(txn, st.s_versions, &cur), 0);
	k.mv_data = key;
	k.mv_size = plen = store_key_subject(key, "uscc:B");
	prev = 0;
	n = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t	*p = (const uint8_t *)k.mv_data + k.mv_size - 4;
		uint64_t	 ver = (uint64_t)p[0] << 24 | p[1] << 16 |
				    p[2] << 8 | p[3];

		if (k.mv_size < plen || memcmp(k.mv_data, "uscc:B\0",
		    plen) != 0)
			break;
		if (k.mv_size == plen + 7 + 1 + 4) {
			assert_memory_equal((const char *)k.mv_data + plen,
			    "tourism\0", 8);
			ver += 1ull << 32;
		} else {
			assert_int_equal(k.mv_size, plen + 6 + 1 + 4);
			assert_memory_equal((const char *)k.mv_data + plen,
			    "credit\0", 7);
		}
		assert_true(ver > prev);
		prev = ver;
		n++;
	}
	assert_int_equal(rc, 0);
	assert_memory_equal(k.mv_data, "uscc:BB\0", 8);
	assert_int_equal(n, 2 * nv);

	/* the whole database: uscc: < uscc:B < uscc:BB */
	n = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		j = n / (2 * nv);
		assert_true(j < 3);
		plen = strlen(subjects[2 - j]) + 1;
		assert_memory_equal(k.mv_data, subjects[2 - j], plen);
		n++;
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	assert_int_equal(n, 3 * 2 * nv);
	mdb_cursor_close(cur);

	assert_int_equal(mdb_cursor_open(txn, st.s_changes, &cur), 0);
	prev = 0;
	n = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		assert_true(store_seq_from_key(&k) > prev);
		prev = store_seq_from_key(&k);
		n++;
	}
	assert_int_equal(n, nv);
	assert_true(prev == 1ull << 40);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	store_close(&st);
}

/* MDB_MAP_FULL, abort, grow, replay: then the batch fits. */
static void
test_grow(void **state)
{
	static uint8_t	 big[64 * 1024];
	struct store	 st;
	MDB_envinfo	 info;
	MDB_txn		*txn;
	MDB_val		 k, v;
	uint8_t		 key[8];
	uint64_t	 i;
	int		 rc = 0;

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(store_open(&st, dir, 1 * MiB, 8), 0);
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, 0, &txn), 0);
	for (i = 0; i < 24 && rc == 0; i++) {
		store_key_seq(key, i);
		k.mv_data = key;
		k.mv_size = 8;
		v.mv_data = big;
		v.mv_size = sizeof(big);
		rc = mdb_put(txn, st.s_changes, &k, &v, 0);
	}
	assert_int_equal(rc, MDB_MAP_FULL);
	mdb_txn_abort(txn);

	assert_int_equal(store_grow(&st, 4 * MiB), 0);
	assert_int_equal(mdb_env_info(st.s_env, &info), 0);
	assert_int_equal(info.me_mapsize, 2 * MiB);
	assert_int_equal(store_grow(&st, 3 * MiB), 0);
	assert_int_equal(mdb_env_info(st.s_env, &info), 0);
	assert_int_equal(info.me_mapsize, 3 * MiB);
	assert_int_equal(store_grow(&st, 3 * MiB), -1);

	/* the replayed batch now commits */
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, 0, &txn), 0);
	for (i = 0; i < 24; i++) {
		store_key_seq(key, i);
		k.mv_data = key;
		k.mv_size = 8;
		v.mv_data = big;
		v.mv_size = sizeof(big);
		assert_int_equal(mdb_put(txn, st.s_changes, &k, &v, 0), 0);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);

	/* readers hold the remap lock shared */
	store_read_enter(&st);
	store_read_enter(&st);
	store_read_leave(&st);
	store_read_leave(&st);
	store_close(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_subject_version),
		cmocka_unit_test(test_key_version_order),
		cmocka_unit_test(test_key_seq),
		cmocka_unit_test_setup_teardown(test_open_head_reopen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lmdb_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_grow, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
