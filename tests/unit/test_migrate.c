/*
 * qcregd --migrate: a storage schema 2 data directory, built here with
 * an encoder of change records version 1 of its own, converted to schema
 * 3 and read back through store_open and record_fetch (the version 2
 * chain from zero, payloads, the kept version 1 head, the summary); the
 * refusals (a broken chain, a head that is not the end, a record that is
 * not version 1, a full map at map_max, other schemas, no data) that
 * leave data.mdb as it was byte for byte; map growth.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "migrate.h"
#include "record.h"
#include "store.h"
#include "summary.h"

#define MiB	(1024 * 1024)
#define AT0	1772323200

/* A field: a string s, or the integer i when s is NULL. */
struct fld {
	const char	*name;
	const char	*s;
	int64_t		 i;
};

/* A version 1 change: a put, or a removal when reason is not NULL. */
struct rec {
	const char	*by;
	const char	*list;
	const char	*subject;
	const char	*reason;
	const struct fld *f;
	size_t		 nf;
};

/* How build() spoils the data directory it makes. */
struct spoil {
	uint64_t	 hash_of;	/* this seq's stored hash is wrong */
	uint64_t	 v2_at;		/* this seq is a version 2 record */
	int		 head_short;	/* meta's head is one record early */
	const char	*schema;	/* not "2" */
};

/* Fields in schema order, which is not the order of their names. */
static const struct fld credit1[] = {
	{ "report", "报告 一", 0 }, { "grade", "B", 0 },
	{ "score", NULL, -5 }, { "start", "2026-01-01", 0 },
	{ "end", "2029-01-01", 0 },
};
static const struct fld credit2[] = {
	{ "report", "二", 0 }, { "grade", "A", 0 }, { "score", NULL, 0 },
	{ "start", "2026-03-01", 0 },
};
static const struct fld site1[] = {
	{ "name", "x", 0 }, { "category", "illegal_website", 0 },
	{ "count", NULL, 12345678901LL },
};

static const struct rec recs[] = {
	{ "market-bureau", "credit", "uscc:91350100M000100Y43", NULL,
	    credit1, 5 },
	{ "tourism-bureau", "tourism", "site:x.example.cn", NULL, site1, 3 },
	{ "market-bureau", "credit", "uscc:91350100M000100Y43", NULL,
	    credit2, 4 },
	{ "admin", "credit", "uscc:91350100M000100Y43", "撤销: 复核",
	    credit2, 4 },
	{ "tourism-bureau", "tourism", "site:y.example.cn", NULL, NULL, 0 },
	/* never written (reasons had 1 byte or more), but decodable */
	{ "tourism-bureau", "tourism", "site:x.example.cn", "", site1, 3 },
};
#define NRECS	(sizeof(recs) / sizeof(recs[0]))

/*
 * hash(6) of recs from a zero prev, computed with Python from the text
 * body of the version 1 PROTOCOL.md (an independent implementation).
 */
static const char v1_head_hex[] =
    "e3215de5a0c5821c930053921260e6af397663bb324b5981d047338aa868cfb1";

static char	 dir[256];
static int	 saved_stderr = -1;
static char	 err_path[300];

static int	 setup(void **);
static int	 teardown(void **);
static void	 clean_dir(void);
static void	 pack_str(msgpack_packer *, const char *);
static void	 pack_fields(msgpack_sbuffer *, const struct rec *);
static uint64_t	 version_of(const struct rec *, size_t);
static void	 v1_hash(const uint8_t[STORE_HASH_LEN], uint64_t,
		    const struct rec *, uint64_t, uint8_t[STORE_HASH_LEN]);
static void	 build(const struct rec *, size_t, size_t,
		    const struct spoil *, uint8_t[STORE_HASH_LEN]);
static void	 put_summary(MDB_txn *, MDB_dbi, MDB_dbi, const struct rec *,
		    size_t);
static void	 check_migrated(const struct rec *, size_t,
		    const uint8_t[STORE_HASH_LEN]);
static void	 check_record(struct store *, MDB_txn *, const struct rec *,
		    size_t, uint8_t[STORE_HASH_LEN]);
static void	 meta_get(struct store *, MDB_txn *, const char *, MDB_val *);
static uint8_t	*slurp(size_t *);
static void	 capture(void);
static char	*captured(void);
static void	 refused(uint64_t, const char *);

static int
setup(void **state)
{
	const char	*t = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/qcreg-test-migrate.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(err_path, sizeof(err_path), "%s.err", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	clean_dir();
	rmdir(dir);
	unlink(err_path);
	return 0;
}

static void
clean_dir(void)
{
	char	 p[512];

	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
}

static void
pack_str(msgpack_packer *pk, const char *s)
{
	assert_int_equal(msgpack_pack_str_with_body(pk, s, strlen(s)), 0);
}

/* The fields map as the version 1 writer stored it. */
static void
pack_fields(msgpack_sbuffer *sb, const struct rec *r)
{
	msgpack_packer	 pk;
	size_t		 i;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	assert_int_equal(msgpack_pack_map(&pk, (uint32_t)r->nf), 0);
	for (i = 0; i < r->nf; i++) {
		pack_str(&pk, r->f[i].name);
		if (r->f[i].s != NULL)
			pack_str(&pk, r->f[i].s);
		else
			assert_int_equal(msgpack_pack_int64(&pk, r->f[i].i), 0);
	}
}

/* The entry version record i writes: one more than the entry's last. */
static uint64_t
version_of(const struct rec *rs, size_t i)
{
	uint64_t	 v = 1;
	size_t		 j;

	for (j = 0; j < i; j++)
		if (strcmp(rs[j].list, rs[i].list) == 0 &&
		    strcmp(rs[j].subject, rs[i].subject) == 0)
			v++;
	return v;
}

/* The version 1 chain hash, from the text of the old PROTOCOL.md 4.4. */
static void
v1_hash(const uint8_t prev[STORE_HASH_LEN], uint64_t seq, const struct rec *r,
    uint64_t version, uint8_t out[STORE_HASH_LEN])
{
	const struct fld	*by_name[16], *t;
	uint8_t			 buf[STORE_HASH_LEN + 8192];
	char			*body = (char *)buf + STORE_HASH_LEN, num[24];
	const char		*val;
	size_t			 len, cap = sizeof(buf) - STORE_HASH_LEN, i, j;

	len = (size_t)snprintf(body, cap, "qcreg-change-v1\n%" PRIu64 "\n%"
	    PRIu64 "\n%s\n%s\n%s\n%s\n%" PRIu64 "\n", seq, AT0 + seq, r->by,
	    r->reason != NULL ? "remove" : "put", r->list, r->subject,
	    version);
	if (r->reason != NULL)
		len += (size_t)snprintf(body + len, cap - len,
		    "reason:%zu:%s\n", strlen(r->reason), r->reason);
	else {
		assert_true(r->nf <= 16);
		for (i = 0; i < r->nf; i++) {
			by_name[i] = &r->f[i];
			for (j = i; j > 0 && strcmp(by_name[j - 1]->name,
			    by_name[j]->name) > 0; j--) {
				t = by_name[j];
				by_name[j] = by_name[j - 1];
				by_name[j - 1] = t;
			}
		}
		for (i = 0; i < r->nf; i++) {
			val = by_name[i]->s;
			if (val == NULL) {
				snprintf(num, sizeof(num), "%" PRId64,
				    by_name[i]->i);
				val = num;
			}
			len += (size_t)snprintf(body + len, cap - len,
			    "%s:%zu:%s\n", by_name[i]->name, strlen(val), val);
		}
	}
	assert_true(len < cap);
	memcpy(buf, prev, STORE_HASH_LEN);
	assert_int_equal(EVP_Digest(buf, STORE_HASH_LEN + len, out, NULL,
	    EVP_sha256(), NULL), 1);
}

/*
 * A schema 2 data directory holding the n changes rs (record i is seq
 * i + 1, at AT0 + seq) in a map of map bytes, spoiled as sp says; head
 * gets the last version 1 hash.
 */
static void
build(const struct rec *rs, size_t n, size_t map, const struct spoil *sp,
    uint8_t head[STORE_HASH_LEN])
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 changes, summary, versions, meta;
	MDB_val		 k, v;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	uint8_t		 key[8], hv[8 + STORE_HASH_LEN];
	uint64_t	 seq, version;
	size_t		 i;

	memset(head, 0, STORE_HASH_LEN);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 4), 0);
	assert_int_equal(mdb_env_set_mapsize(env, map), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "versions", MDB_CREATE, &versions),
	    0);
	assert_int_equal(mdb_dbi_open(txn, "changes", MDB_CREATE, &changes),
	    0);
	assert_int_equal(mdb_dbi_open(txn, "summary", MDB_CREATE, &summary),
	    0);
	assert_int_equal(mdb_dbi_open(txn, "meta", MDB_CREATE, &meta), 0);
	msgpack_sbuffer_init(&sb);
	for (i = 0; i < n; i++) {
		seq = i + 1;
		version = version_of(rs, i);
		v1_hash(head, seq, &rs[i], version, head);
		msgpack_sbuffer_clear(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		if (seq == sp->v2_at) {
			/* [at, by, op, list, subject, version, case, hash] */
			assert_int_equal(msgpack_pack_array(&pk, 8), 0);
		} else
			assert_int_equal(msgpack_pack_array(&pk, 9), 0);
		assert_int_equal(msgpack_pack_uint64(&pk, AT0 + seq), 0);
		pack_str(&pk, rs[i].by);
		pack_str(&pk, rs[i].reason != NULL ? "remove" : "put");
		pack_str(&pk, rs[i].list);
		pack_str(&pk, rs[i].subject);
		assert_int_equal(msgpack_pack_uint64(&pk, version), 0);
		if (seq == sp->v2_at)
			assert_int_equal(msgpack_pack_nil(&pk), 0);
		else {
			pack_fields(&sb, &rs[i]);
			if (rs[i].reason != NULL)
				pack_str(&pk, rs[i].reason);
			else
				assert_int_equal(msgpack_pack_nil(&pk), 0);
		}
		if (seq == sp->hash_of)
			head[5] ^= 0x40;
		assert_int_equal(msgpack_pack_bin_with_body(&pk, head,
		    STORE_HASH_LEN), 0);
		if (seq == sp->hash_of)
			head[5] ^= 0x40;
		store_key_seq(key, seq);
		k.mv_data = key;
		k.mv_size = sizeof(key);
		v.mv_data = sb.data;
		v.mv_size = sb.size;
		assert_int_equal(mdb_put(txn, changes, &k, &v, MDB_APPEND), 0);
		put_summary(txn, summary, versions, rs, i);
	}
	msgpack_sbuffer_destroy(&sb);
	/* meta: head = seq || hash, as store_set_head writes it */
	store_key_seq(hv, n - (sp->head_short ? 1 : 0));
	memcpy(hv + 8, head, STORE_HASH_LEN);
	k.mv_data = "head";
	k.mv_size = 4;
	v.mv_data = hv;
	v.mv_size = sizeof(hv);
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	k.mv_data = "schema";
	k.mv_size = 6;
	v.mv_data = (void *)(sp->schema != NULL ? sp->schema : "2");
	v.mv_size = strlen(v.mv_data);
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* The summary points at record i; `versions` at the one it replaces. */
static void
put_summary(MDB_txn *txn, MDB_dbi summary, MDB_dbi versions,
    const struct rec *rs, size_t i)
{
	struct summary_hit	 hit, old;
	uint8_t			 buf[4096], key[STORE_KEY_MAX], sq[8];
	MDB_val			 k, v;
	long			 len;
	int			 rc, had;

	k.mv_data = (void *)rs[i].subject;
	k.mv_size = strlen(rs[i].subject);
	rc = mdb_get(txn, summary, &k, &v);
	assert_true(rc == 0 || rc == MDB_NOTFOUND);
	if (rc == MDB_NOTFOUND) {
		v.mv_data = NULL;
		v.mv_size = 0;
	}
	had = summary_find(v.mv_data, v.mv_size, rs[i].list,
	    strlen(rs[i].list), &old);
	assert_true(had == 0 || had == 1);
	if (had) {
		k.mv_data = key;
		k.mv_size = store_key_version(key, rs[i].subject, rs[i].list,
		    old.h_version);
		store_key_seq(sq, old.h_seq);
		v.mv_data = sq;
		v.mv_size = sizeof(sq);
		assert_int_equal(mdb_put(txn, versions, &k, &v, 0), 0);
		k.mv_data = (void *)rs[i].subject;
		k.mv_size = strlen(rs[i].subject);
		assert_int_equal(mdb_get(txn, summary, &k, &v), 0);
	}
	memset(&hit, 0, sizeof(hit));
	hit.h_list = rs[i].list;
	hit.h_list_len = strlen(rs[i].list);
	hit.h_flags = rs[i].reason != NULL ? SUMMARY_REMOVED : 0;
	hit.h_start = DATE_NONE_START;
	hit.h_end = DATE_NONE_END;
	hit.h_version = (uint32_t)version_of(rs, i);
	hit.h_seq = i + 1;
	len = summary_update(buf, sizeof(buf), v.mv_data, v.mv_size,
	    rs[i].list, &hit);
	assert_true(len > 0);
	v.mv_data = buf;
	v.mv_size = (size_t)len;
	assert_int_equal(mdb_put(txn, summary, &k, &v, 0), 0);
}

/*
 * After a migration of rs: schema 3, every record version 2 with its
 * content, the chain from zero up to meta's head, the version 1 head
 * v1 kept, and the summary's seqs still finding their records.
 */
static void
check_migrated(const struct rec *rs, size_t n, const uint8_t v1[STORE_HASH_LEN])
{
	struct store	 st;
	struct summary_hit hit;
	MDB_txn		*txn;
	MDB_val		 k, v;
	uint8_t		 prev[STORE_HASH_LEN], head[STORE_HASH_LEN], key[8];
	uint64_t	 head_seq;
	size_t		 i;

	assert_int_equal(store_open(&st, dir, 64 * MiB, 8), 0);
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, MDB_RDONLY, &txn), 0);
	meta_get(&st, txn, "schema", &v);
	assert_int_equal(v.mv_size, 1);
	assert_memory_equal(v.mv_data, "3", 1);
	memset(prev, 0, sizeof(prev));
	for (i = 0; i < n; i++)
		check_record(&st, txn, rs, i, prev);
	store_key_seq(key, n + 1);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	assert_int_equal(mdb_get(txn, st.s_changes, &k, &v), MDB_NOTFOUND);
	assert_int_equal(store_head(&st, txn, &head_seq, head), 0);
	assert_int_equal(head_seq, n);
	assert_memory_equal(head, prev, STORE_HASH_LEN);
	meta_get(&st, txn, MIGRATE_V1_HEAD, &v);
	assert_int_equal(v.mv_size, 8 + STORE_HASH_LEN);
	k.mv_data = v.mv_data;
	k.mv_size = 8;
	assert_int_equal(store_seq_from_key(&k), n);
	assert_memory_equal((uint8_t *)v.mv_data + 8, v1, STORE_HASH_LEN);
	/* the summary of the last subject written points at its record */
	k.mv_data = (void *)rs[n - 1].subject;
	k.mv_size = strlen(rs[n - 1].subject);
	assert_int_equal(mdb_get(txn, st.s_summary, &k, &v), 0);
	assert_int_equal(summary_find(v.mv_data, v.mv_size, rs[n - 1].list,
	    strlen(rs[n - 1].list), &hit), 1);
	assert_int_equal(hit.h_seq, n);
	mdb_txn_abort(txn);
	store_close(&st);
}

/* Record i read back as version 2; prev advances along the chain. */
static void
check_record(struct store *st, MDB_txn *txn, const struct rec *rs, size_t i,
    uint8_t prev[STORE_HASH_LEN])
{
	const struct rec *r = &rs[i];
	msgpack_unpacked up;
	msgpack_sbuffer	 want;
	msgpack_packer	 pk;
	struct record	 rec;
	uint8_t		 hash[STORE_HASH_LEN];

	assert_int_equal(record_fetch(st, txn, i + 1, &up, &rec), 0);
	assert_int_equal(rec.r_seq, i + 1);
	assert_int_equal(rec.r_at, AT0 + i + 1);
	assert_int_equal(rec.r_op, r->reason != NULL ? CH_REMOVE : CH_PUT);
	assert_int_equal(rec.r_by_len, strlen(r->by));
	assert_memory_equal(rec.r_by, r->by, rec.r_by_len);
	assert_int_equal(rec.r_list_len, strlen(r->list));
	assert_memory_equal(rec.r_list, r->list, rec.r_list_len);
	assert_int_equal(rec.r_subject_len, strlen(r->subject));
	assert_memory_equal(rec.r_subject, r->subject, rec.r_subject_len);
	assert_int_equal(rec.r_version, version_of(rs, i));
	assert_int_equal(rec.r_case, 0);
	/* the payload of PROTOCOL.md 4.4: keys bytewise, fields as stored */
	msgpack_sbuffer_init(&want);
	msgpack_packer_init(&pk, &want, msgpack_sbuffer_write);
	assert_int_equal(msgpack_pack_map(&pk, r->reason != NULL ? 2 : 1), 0);
	pack_str(&pk, "fields");
	pack_fields(&want, r);
	if (r->reason != NULL) {
		pack_str(&pk, "reason");
		pack_str(&pk, r->reason);
	}
	assert_int_equal(rec.r_payload_len, want.size);
	assert_memory_equal(rec.r_payload, want.data, want.size);
	msgpack_sbuffer_destroy(&want);
	assert_int_equal(record_rehash(prev, &rec, hash), 0);
	assert_memory_equal(rec.r_hash, hash, STORE_HASH_LEN);
	memcpy(prev, hash, STORE_HASH_LEN);
	msgpack_unpacked_destroy(&up);
}

static void
meta_get(struct store *st, MDB_txn *txn, const char *name, MDB_val *v)
{
	MDB_val	 k;

	k.mv_data = (void *)name;
	k.mv_size = strlen(name);
	assert_int_equal(mdb_get(txn, st->s_meta, &k, v), 0);
}

/* The bytes of dir/data.mdb (the caller frees them). */
static uint8_t *
slurp(size_t *len)
{
	char	 p[512];
	uint8_t	*buf;
	FILE	*f;
	long	 n;

	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	assert_non_null(f = fopen(p, "rb"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	assert_true((n = ftell(f)) > 0);
	rewind(f);
	assert_non_null(buf = malloc((size_t)n));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	assert_int_equal(fclose(f), 0);
	*len = (size_t)n;
	return buf;
}

/* Sends stderr (the log) to err_path until captured(). */
static void
capture(void)
{
	int	 fd;

	assert_int_equal(fflush(stderr), 0);
	assert_true((saved_stderr = dup(2)) != -1);
	assert_true((fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) != -1);
	assert_int_equal(dup2(fd, 2), 2);
	assert_int_equal(close(fd), 0);
}

/* What was logged since capture(), NUL-terminated (the caller frees). */
static char *
captured(void)
{
	char	*buf;
	FILE	*f;
	size_t	 n;

	assert_int_equal(fflush(stderr), 0);
	assert_int_equal(dup2(saved_stderr, 2), 2);
	assert_int_equal(close(saved_stderr), 0);
	assert_non_null(buf = calloc(1, 8192));
	assert_non_null(f = fopen(err_path, "r"));
	n = fread(buf, 1, 8191, f);
	assert_int_equal(fclose(f), 0);
	buf[n] = '\0';
	/* shown as well: what the daemon would have said */
	fputs(buf, stderr);
	return buf;
}

/* migrate_run refuses, logging why, and data.mdb is as it was. */
static void
refused(uint64_t map_max, const char *why)
{
	uint8_t	*before, *after;
	size_t	 nb, na;
	char	*log;

	before = slurp(&nb);
	capture();
	assert_int_equal(migrate_run(dir, map_max), -1);
	log = captured();
	assert_non_null(strstr(log, why));
	assert_non_null(strstr(log, "is unchanged"));
	free(log);
	after = slurp(&na);
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb);
	free(before);
	free(after);
}

/* The test's version 1 encoder agrees with an independent one. */
static void
test_v1_known_answer(void **state)
{
	struct spoil	 sp = { 0, 0, 0, NULL };
	uint8_t		 head[STORE_HASH_LEN];
	char		 hex[2 * STORE_HASH_LEN + 1];
	size_t		 i;

	(void)state;
	build(recs, NRECS, 4 * MiB, &sp, head);
	for (i = 0; i < STORE_HASH_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", head[i]);
	assert_string_equal(hex, v1_head_hex);
}

static void
test_convert(void **state)
{
	struct spoil	 sp = { 0, 0, 0, NULL };
	uint8_t		 v1[STORE_HASH_LEN], *before, *after;
	size_t		 nb, na;
	char		*log;

	(void)state;
	build(recs, NRECS, 4 * MiB, &sp, v1);
	capture();
	assert_int_equal(migrate_run(dir, 64 * MiB), 0);
	log = captured();
	assert_non_null(strstr(log, "6 change records converted"));
	free(log);
	check_migrated(recs, NRECS, v1);

	/* again: schema 3 already, nothing to do, nothing written */
	before = slurp(&nb);
	capture();
	assert_int_equal(migrate_run(dir, 64 * MiB), 0);
	log = captured();
	assert_non_null(strstr(log, "nothing to do"));
	free(log);
	after = slurp(&na);
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb);
	free(before);
	free(after);
	check_migrated(recs, NRECS, v1);
}

/* An empty change log: only meta changes. */
static void
test_convert_empty(void **state)
{
	struct spoil	 sp = { 0, 0, 0, NULL };
	struct store	 st;
	MDB_txn		*txn;
	uint8_t		 head[STORE_HASH_LEN], zero[STORE_HASH_LEN];
	uint64_t	 seq;

	(void)state;
	build(recs, 0, 4 * MiB, &sp, head);
	assert_int_equal(migrate_run(dir, 64 * MiB), 0);
	assert_int_equal(store_open(&st, dir, 64 * MiB, 8), 0);
	assert_int_equal(mdb_txn_begin(st.s_env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(store_head(&st, txn, &seq, head), 0);
	memset(zero, 0, sizeof(zero));
	assert_int_equal(seq, 0);
	assert_memory_equal(head, zero, STORE_HASH_LEN);
	mdb_txn_abort(txn);
	store_close(&st);
}

/* Whatever does not verify is refused, and nothing changes. */
static void
test_refusals(void **state)
{
	struct spoil	 bad_hash = { 3, 0, 0, NULL };
	struct spoil	 not_v1 = { 0, 2, 0, NULL };
	struct spoil	 short_head = { 0, 0, 1, NULL };
	struct spoil	 schema1 = { 0, 0, 0, "1" };
	struct store	 st;
	uint8_t		 head[STORE_HASH_LEN];
	char		*log;

	(void)state;
	build(recs, NRECS, 4 * MiB, &bad_hash, head);
	refused(64 * MiB, "change record 3 does not verify");
	/* still schema 2: qcregd refuses it and names --migrate */
	capture();
	assert_int_equal(store_open(&st, dir, 64 * MiB, 8), -1);
	log = captured();
	assert_non_null(strstr(log, "storage schema 2"));
	assert_non_null(strstr(log, "qcregd --migrate"));
	free(log);
	clean_dir();

	build(recs, NRECS, 4 * MiB, &not_v1, head);
	refused(64 * MiB, "change record 2 is not a version 1 record");
	clean_dir();
	build(recs, NRECS, 4 * MiB, &short_head, head);
	refused(64 * MiB,
	    "the head in meta is seq 5, the change log ends at 6");
	clean_dir();
	build(recs, NRECS, 4 * MiB, &schema1, head);
	refused(64 * MiB, "storage schema 1");
}

/* No data file: refused, and none is made. */
static void
test_no_data(void **state)
{
	char	 p[512], *log;

	(void)state;
	capture();
	assert_int_equal(migrate_run(dir, 64 * MiB), -1);
	log = captured();
	assert_non_null(strstr(log, "data.mdb"));
	free(log);
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	assert_int_equal(access(p, F_OK), -1);
}

/*
 * The old and the new change log share the map until the commit: it
 * grows as needed, and a map at map_max is refused without a change.
 */
static void
test_grow(void **state)
{
	static char		 subj[1500][32];
	struct fld		 f[2] = { { "name", NULL, 0 },
				    { "score", NULL, 7 } };
	struct spoil		 sp = { 0, 0, 0, NULL };
	struct rec		*rs;
	uint8_t			 v1[STORE_HASH_LEN];
	char			 text[301], *log;
	size_t			 i, n = 1500;

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	f[0].s = text;
	assert_non_null(rs = calloc(n, sizeof(*rs)));
	for (i = 0; i < n; i++) {
		snprintf(subj[i], sizeof(subj[i]), "site:s%zu.example.cn", i);
		rs[i].by = "tourism-bureau";
		rs[i].list = "tourism";
		rs[i].subject = subj[i];
		rs[i].f = f;
		rs[i].nf = 2;
	}
	build(rs, n, 1 * MiB, &sp, v1);
	refused(1 * MiB, "map_max_mb");
	capture();
	assert_int_equal(migrate_run(dir, 64 * MiB), 0);
	log = captured();
	assert_non_null(strstr(log, "LMDB map grown to 2 MiB"));
	free(log);
	check_migrated(rs, n, v1);
	free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v1_known_answer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_convert, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_convert_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grow, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
