/*
 * LMDB store: key builders and their bytewise order, opening a fresh
 * environment, the change-log head, reopening, and map growth.
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

#include "store.h"

#define MiB	(1024 * 1024)

static char	 dir[256];

static int	 setup(void **);
static int	 teardown(void **);
static void	 clean_dir(const char *);
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
	clean_dir(dir);
	return 0;
}

static void
clean_dir(const char *d)
{
	char	 p[512];

	snprintf(p, sizeof(p), "%s/data.mdb", d);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", d);
	unlink(p);
	rmdir(d);
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
test_key_entry(void **state)
{
	uint8_t	 k[STORE_KEY_MAX];
	char	 subj[STORE_KEY_MAX + 8];

	(void)state;
	assert_int_equal(store_key_entry(k, "credit", "uscc:X"), 13);
	assert_memory_equal(k, "credit\0uscc:X", 13);
	assert_int_equal(store_key_version(k, "credit", "uscc:X", 0x01020304),
	    18);
	assert_memory_equal(k, "credit\0uscc:X\0\x01\x02\x03\x04", 18);
	assert_int_equal(store_key_version(k, "a", "b", 1), 8);
	assert_memory_equal(k, "a\0b\0\0\0\0\x01", 8);

	/* list NUL subject may take up to 504 bytes: version keys <= 509 */
	memset(subj, 's', sizeof(subj));
	subj[504 - 7] = '\0';
	assert_int_equal(store_key_entry(k, "credit", subj), 504);
	assert_int_equal(store_key_version(k, "credit", subj, UINT32_MAX),
	    509);
	assert_memory_equal(k + 505, "\xff\xff\xff\xff", 4);
	subj[504 - 7] = 's';
	subj[505 - 7] = '\0';
	assert_int_equal(store_key_entry(k, "credit", subj), 0);
	assert_int_equal(store_key_version(k, "credit", subj, 1), 0);
}

/*
 * A subject's versions sort numerically, and all of them before the next
 * subject that extends its name.
 */
static void
test_key_version_order(void **state)
{
	static const uint32_t vers[] = {
		UINT32_MAX, 256, 1, 65536, 10, 255, 16777216, 2, 65535, 9,
		16777215, 0,
	};
	const size_t	 nv = sizeof(vers) / sizeof(vers[0]);
	struct key	 keys[2 * sizeof(vers) / sizeof(vers[0])];
	size_t		 i;

	(void)state;
	for (i = 0; i < nv; i++) {
		keys[i].len = store_key_version(keys[i].b, "tourism",
		    "site:a.cn", vers[i]);
		keys[i].n = vers[i];
		keys[nv + i].len = store_key_version(keys[nv + i].b,
		    "tourism", "site:a.cn.x", vers[i]);
		keys[nv + i].n = (1ull << 32) + vers[i];
		assert_int_not_equal(keys[i].len, 0);
	}
	qsort(keys, 2 * nv, sizeof(keys[0]), key_cmp);
	for (i = 1; i < 2 * nv; i++)
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
	assert_memory_equal(v.mv_data, "1", 1);
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

	/* a data directory of an unknown schema is refused */
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, 0, &txn), 0);
	k.mv_data = "schema";
	k.mv_size = 6;
	v.mv_data = "2";
	v.mv_size = 1;
	assert_int_equal(mdb_put(txn, st.s_meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	store_close(&st);
	assert_int_equal(store_open(&st, sub, 4 * MiB, 8), -1);
	clean_dir(sub);

	/* not a directory, and a missing parent */
	snprintf(file, sizeof(file), "%s/file", dir);
	assert_non_null(f = fopen(file, "w"));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(store_open(&st, file, 4 * MiB, 8), -1);
	assert_int_equal(unlink(file), 0);
	snprintf(sub, sizeof(sub), "%s/no/such", dir);
	assert_int_equal(store_open(&st, sub, 4 * MiB, 8), -1);
}

/* The databases walk keys in the order the builders promise. */
static void
test_lmdb_order(void **state)
{
	static const uint32_t vers[] = { 300, 2, 1, 65536, 10, 256 };
	static const uint64_t seqs[] = { 1ull << 40, 3, 1, 256, 2, 255 };
	struct store	 st;
	MDB_txn		*txn;
	MDB_cursor	*cur;
	MDB_val		 k, v;
	uint8_t		 key[STORE_KEY_MAX];
	uint64_t	 prev;
	size_t		 i, n;
	int		 rc;

	(void)state;
	assert_int_equal(store_open(&st, dir, 4 * MiB, 8), 0);
	for (i = 0; i < sizeof(vers) / sizeof(vers[0]); i++) {
		n = store_key_version(key, "credit", "uscc:B", vers[i]);
		put(&st, st.s_versions, key, n);
		n = store_key_version(key, "credit", "uscc:BB", vers[i]);
		put(&st, st.s_versions, key, n);
		store_key_seq(key, seqs[i]);
		put(&st, st.s_changes, key, 8);
	}
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, MDB_RDONLY, &txn), 0);

	/* the versions of uscc:B, in order, then uscc:BB's */
	assert_int_equal(mdb_cursor_open(txn, st.s_versions, &cur), 0);
	prev = 0;
	n = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t	*p = (const uint8_t *)k.mv_data + k.mv_size - 4;
		uint64_t	 ver = (uint64_t)p[0] << 24 | p[1] << 16 |
				    p[2] << 8 | p[3];

		if (k.mv_size == 6 + 1 + 7 + 1 + 4)
			ver += 1ull << 32;	/* uscc:BB */
		assert_true(ver > prev);
		prev = ver;
		n++;
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	assert_int_equal(n, 2 * sizeof(vers) / sizeof(vers[0]));
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
	assert_int_equal(n, sizeof(seqs) / sizeof(seqs[0]));
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
		cmocka_unit_test(test_key_entry),
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
