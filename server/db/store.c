/*
 * LMDB environment set-up, growth and key encoding.
 */
#define _GNU_SOURCE	/* writer-preferring rwlocks */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "case_index.h"
#include "log.h"
#include "store.h"

/* 2: content in the change log only (issue 8); 1 is not read. */
#define STORE_SCHEMA	"3"

static int	 store_open_dbis(struct store *);
static int	 store_env_open(struct store *, const char *, uint64_t,
		    unsigned);
static int	 store_create(const char *, uint64_t);

int
store_open(struct store *st, const char *dir, uint64_t map_size,
    unsigned maxreaders)
{
	pthread_rwlockattr_t	 attr;

	memset(st, 0, sizeof(*st));
	/* A waiting remap must not starve behind a stream of readers. */
	if (pthread_rwlockattr_init(&attr) != 0 ||
	    pthread_rwlockattr_setkind_np(&attr,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP) != 0 ||
	    pthread_rwlock_init(&st->s_remap, &attr) != 0) {
		log_warnx("cannot create the remap lock");
		return -1;
	}
	if (pthread_mutex_init(&st->s_backup_lock, NULL) != 0) {
		pthread_rwlock_destroy(&st->s_remap);
		log_warnx("cannot create the backup lock");
		return -1;
	}
	pthread_rwlockattr_destroy(&attr);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", dir);
		return -1;
	}
	if (snprintf(st->s_dir, sizeof(st->s_dir), "%s", dir) >=
	    (int)sizeof(st->s_dir)) {
		log_warnx("data directory path too long");
		goto fail;
	}
	if (store_create(dir, map_size) == -1 ||
	    store_env_open(st, dir, map_size, maxreaders) == -1 ||
	    filter_open(&st->s_filter, st, FILTER_MIN_KEYS) == -1)
		goto fail;
	return 0;
fail:
	store_close(st);
	return -1;
}

int
store_sync_dir(const char *dir)
{
	int	 fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* The environment in dir, its stale readers cleared, its databases. */
static int
store_env_open(struct store *st, const char *dir, uint64_t map_size,
    unsigned maxreaders)
{
	int	 rc, dead = 0;

	if ((rc = mdb_env_create(&st->s_env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->s_env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(st->s_env, maxreaders)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->s_env, map_size)) != 0) {
		log_warnx("lmdb setup: %s", mdb_strerror(rc));
		return -1;
	}
	/* NOTLS: read transactions belong to workers, not to threads. */
	if ((rc = mdb_env_open(st->s_env, dir, MDB_NOTLS, 0600)) != 0) {
		log_warnx("lmdb open %s: %s", dir, mdb_strerror(rc));
		return -1;
	}
	if ((rc = mdb_reader_check(st->s_env, &dead)) != 0) {
		log_warnx("lmdb reader check: %s", mdb_strerror(rc));
		return -1;
	}
	if (dead > 0)
		log_info("cleared %d stale LMDB reader slots", dead);
	return store_open_dbis(st);
}

/*
 * A new data file appears whole or not at all. LMDB writes a new file's
 * two meta pages without a sync, and a power cut before the first commit
 * is synced can leave a file it refuses ("not an LMDB file"). So a new
 * store is made in dir/.new, committed (synced), and renamed into place;
 * a leftover dir/.new from a cut is made again.
 */
static int
store_create(const char *dir, uint64_t map_size)
{
	struct store	 t;
	char		 tmp[PATH_MAX], from[PATH_MAX + 16], to[PATH_MAX + 16];
	int		 rc = -1;

	snprintf(to, sizeof(to), "%s/data.mdb", dir);
	snprintf(tmp, sizeof(tmp), "%s/.new", dir);
	/* What a cut left of an earlier creation goes first. */
	snprintf(from, sizeof(from), "%s/data.mdb", tmp);
	unlink(from);
	snprintf(from, sizeof(from), "%s/lock.mdb", tmp);
	unlink(from);
	if (access(to, F_OK) == 0) {
		rmdir(tmp);
		return 0;
	}
	if (mkdir(tmp, 0700) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", tmp);
		return -1;
	}
	memset(&t, 0, sizeof(t));
	if (store_env_open(&t, tmp, map_size, 8) == 0 &&
	    mdb_env_sync(t.s_env, 1) == 0)
		rc = 0;
	if (t.s_env != NULL)
		mdb_env_close(t.s_env);
	snprintf(from, sizeof(from), "%s/data.mdb", tmp);
	if (rc == 0 && (rename(from, to) == -1 || store_sync_dir(dir) == -1)) {
		log_warn("creating %s", to);
		rc = -1;
	}
	snprintf(from, sizeof(from), "%s/lock.mdb", tmp);
	unlink(from);
	rmdir(tmp);
	return rc;
}

/* Every database of the layout, in open order (handles are slots). */
static MDB_dbi *
store_dbi(struct store *st, int i)
{
	MDB_dbi	*all[] = {
		&st->s_versions, &st->s_changes, &st->s_summary, &st->s_meta,
		&st->s_cases, &st->s_open_cases, &st->s_escalate,
		&st->s_withdrawn, &st->s_idem, &st->s_expiry, &st->s_merkle,
		&st->s_keys, &st->s_name_subj, &st->s_name_rows,
		&st->s_bigrams, &st->s_subject_cases, &st->s_name_pending
	};

	return i < (int)(sizeof(all) / sizeof(all[0])) ? all[i] : NULL;
}

static const char *const store_dbi_names[] = {
	"versions", "changes", "summary", "meta", "cases", "open_cases",
	"escalate", "withdrawn", "idem", "expiry", "tree", "keys",
	"name_subj", "name_rows", "bigrams", "subject_cases", "name_pending"
};

/* The flags a database is made with; 0 for the plain byte-keyed ones. */
static unsigned
store_dbi_flags(const MDB_dbi *dbi, const struct store *st)
{
	if (dbi == &st->s_name_rows || dbi == &st->s_name_pending)
		return MDB_INTEGERKEY;
	if (dbi == &st->s_bigrams)
		return MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERDUP;
	return 0;
}

static int
store_dbis(struct store *st, MDB_txn *txn, unsigned flags)
{
	MDB_dbi	*dbi;
	int	 i, rc;

	for (i = 0; (dbi = store_dbi(st, i)) != NULL; i++)
		if ((rc = mdb_dbi_open(txn, store_dbi_names[i], flags |
		    store_dbi_flags(dbi, st), dbi)) != 0)
			return rc;
	return 0;
}

static int
store_same_dbis(struct store *a, struct store *b)
{
	int	 i;

	for (i = 0; store_dbi(a, i) != NULL; i++)
		if (*store_dbi(a, i) != *store_dbi(b, i))
			return 0;
	return 1;
}

int
store_names_built(struct store *st, MDB_txn *txn)
{
	MDB_val	 k = { .mv_data = "names", .mv_size = 5 };
	MDB_val	 v = { .mv_data = "1", .mv_size = 1 };

	return mdb_put(txn, st->s_meta, &k, &v, 0);
}

int
store_names_ready(struct store *st, MDB_txn *txn)
{
	MDB_val	 k = { .mv_data = "names", .mv_size = 5 }, v;

	return mdb_get(txn, st->s_meta, &k, &v) == 0;
}

/* All databases are opened once, in one transaction, at start-up. */
static int
store_open_dbis(struct store *st)
{
	MDB_txn	*txn;
	MDB_val	 k, v;
	int	 rc;

	if ((rc = mdb_txn_begin(st->s_env, NULL, 0, &txn)) != 0) {
		log_warnx("lmdb begin: %s", mdb_strerror(rc));
		return -1;
	}
	if ((rc = store_dbis(st, txn, MDB_CREATE)) != 0)
		goto fail;
	k.mv_data = "schema";
	k.mv_size = 6;
	rc = mdb_get(txn, st->s_meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		v.mv_data = STORE_SCHEMA;
		v.mv_size = strlen(STORE_SCHEMA);
		if ((rc = mdb_put(txn, st->s_meta, &k, &v, 0)) != 0 ||
		    (rc = store_names_built(st, txn)) != 0)
			goto fail;
	} else if (rc != 0)
		goto fail;
	else if (v.mv_size != strlen(STORE_SCHEMA) ||
	    memcmp(v.mv_data, STORE_SCHEMA, v.mv_size) != 0) {
		log_warnx("the data directory has storage schema %.*s; this "
		    "qcregd reads schema %s only%s", (int)(v.mv_size > 16 ? 16 :
		    v.mv_size), (const char *)v.mv_data, STORE_SCHEMA,
		    v.mv_size == 1 && *(const char *)v.mv_data == '2' ?
		    " (run qcregd --migrate to convert it)" : "");
		mdb_txn_abort(txn);
		return -1;
	}
	if ((rc = case_index_catch_up(st, txn)) != 0)
		goto fail;
	if ((rc = mdb_txn_commit(txn)) != 0) {
		log_warnx("lmdb commit: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
fail:
	log_warnx("lmdb open databases: %s", mdb_strerror(rc));
	mdb_txn_abort(txn);
	return -1;
}

void
store_close(struct store *st)
{
	/* The filter's builder and a backup may be reading the environment. */
	if (st->s_env != NULL) {
		filter_close(&st->s_filter);
		backup_join(st);
	}
	if (st->s_env != NULL)
		mdb_env_close(st->s_env);
	if (st->s_dead_env != NULL)
		mdb_env_close(st->s_dead_env);
	st->s_env = st->s_dead_env = NULL;
	pthread_rwlock_destroy(&st->s_remap);
	pthread_mutex_destroy(&st->s_backup_lock);
}

int
store_reopen_read_only(struct store *st)
{
	struct store	 ro;
	MDB_envinfo	 info;
	MDB_txn		*txn;
	int		 rc;

	memset(&ro, 0, sizeof(ro));
	if ((rc = mdb_env_info(st->s_env, &info)) != 0 ||
	    (rc = mdb_env_create(&ro.s_env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(ro.s_env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(ro.s_env, info.me_maxreaders)) != 0 ||
	    (rc = mdb_env_set_mapsize(ro.s_env, info.me_mapsize)) != 0 ||
	    (rc = mdb_env_open(ro.s_env, st->s_dir, MDB_RDONLY | MDB_NOLOCK |
	    MDB_NOTLS, 0600)) != 0 ||
	    (rc = mdb_txn_begin(ro.s_env, NULL, MDB_RDONLY, &txn)) != 0)
		goto fail;
	/* Handles are slots in open order: they must match the old ones. */
	if ((rc = store_dbis(&ro, txn, 0)) != 0 ||
	    !store_same_dbis(&ro, st)) {
		mdb_txn_abort(txn);
		if (rc == 0)
			rc = MDB_INCOMPATIBLE;
		goto fail;
	}
	/* Only a committed transaction keeps the handles it opened. */
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	pthread_rwlock_wrlock(&st->s_remap);
	st->s_dead_env = st->s_env;
	st->s_env = ro.s_env;
	pthread_rwlock_unlock(&st->s_remap);
	log_info("data reopened read-only: reads go on");
	return 0;
fail:
	log_warnx("cannot reopen the data read-only: %s", mdb_strerror(rc));
	if (ro.s_env != NULL)
		mdb_env_close(ro.s_env);
	return -1;
}

int
store_grow(struct store *st, uint64_t max)
{
	MDB_envinfo	 info;
	uint64_t	 size;
	int		 rc;

	if ((rc = mdb_env_info(st->s_env, &info)) != 0) {
		log_warnx("lmdb info: %s", mdb_strerror(rc));
		return -1;
	}
	if ((uint64_t)info.me_mapsize >= max) {
		log_warnx("LMDB map is full at its maximum of %" PRIu64
		    " MiB (map_max_mb)", max >> 20);
		return -1;
	}
	size = (uint64_t)info.me_mapsize * 2;
	if (size > max)
		size = max;
	/* Remapping moves the map under any live reader: stop them. */
	pthread_rwlock_wrlock(&st->s_remap);
	rc = mdb_env_set_mapsize(st->s_env, (size_t)size);
	pthread_rwlock_unlock(&st->s_remap);
	if (rc != 0) {
		log_warnx("lmdb grow to %" PRIu64 " MiB: %s", size >> 20,
		    mdb_strerror(rc));
		return -1;
	}
	log_info("LMDB map grown to %" PRIu64 " MiB", size >> 20);
	return 0;
}

void
store_read_enter(struct store *st)
{
	pthread_rwlock_rdlock(&st->s_remap);
}

void
store_read_leave(struct store *st)
{
	pthread_rwlock_unlock(&st->s_remap);
}

size_t
store_key_subject(uint8_t *key, const char *subject)
{
	size_t	 sl = strlen(subject);

	if (sl + 1 > STORE_KEY_MAX - 8)
		return 0;
	memcpy(key, subject, sl);
	key[sl] = '\0';
	return sl + 1;
}

size_t
store_key_version(uint8_t *key, const char *subject, const char *list,
    uint32_t version)
{
	size_t	 n, ll = strlen(list);

	if ((n = store_key_subject(key, subject)) == 0 ||
	    n + ll + 1 + 4 > STORE_KEY_MAX - 8)
		return 0;
	memcpy(key + n, list, ll);
	n += ll;
	key[n++] = '\0';
	key[n++] = (uint8_t)(version >> 24);
	key[n++] = (uint8_t)(version >> 16);
	key[n++] = (uint8_t)(version >> 8);
	key[n++] = (uint8_t)version;
	return n;
}

void
store_put_be(uint8_t *p, uint64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t
store_get_be(const uint8_t *p, int n)
{
	uint64_t	 v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

size_t
store_key_entry(uint8_t *out, const char *first, const char *second)
{
	size_t	 a = strlen(first), b = strlen(second);

	if (a + 1 + b >= STORE_KEY_MAX)
		return 0;
	memcpy(out, first, a);
	out[a] = '\0';
	memcpy(out + a + 1, second, b);
	return a + 1 + b;
}

void
store_key_seq(uint8_t key[8], uint64_t seq)
{
	int	 i;

	for (i = 7; i >= 0; i--) {
		key[i] = (uint8_t)seq;
		seq >>= 8;
	}
}

uint64_t
store_seq_from_key(const MDB_val *k)
{
	const uint8_t	*p = k->mv_data;
	uint64_t	 seq = 0;
	size_t		 i;

	for (i = 0; i < 8 && i < k->mv_size; i++)
		seq = seq << 8 | p[i];
	return seq;
}

int
store_head(struct store *st, MDB_txn *txn, uint64_t *seq,
    uint8_t hash[STORE_HASH_LEN])
{
	MDB_val	 k, v;
	int	 rc;

	k.mv_data = "head";
	k.mv_size = 4;
	rc = mdb_get(txn, st->s_meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		*seq = 0;
		memset(hash, 0, STORE_HASH_LEN);
		return 0;
	}
	if (rc != 0 || v.mv_size != 8 + STORE_HASH_LEN)
		return rc != 0 ? rc : MDB_CORRUPTED;
	k.mv_data = v.mv_data;
	k.mv_size = 8;
	*seq = store_seq_from_key(&k);
	memcpy(hash, (uint8_t *)v.mv_data + 8, STORE_HASH_LEN);
	return 0;
}

int
store_file_head(const char *path, uint64_t *seq, uint8_t hash[STORE_HASH_LEN])
{
	struct store	 f;
	MDB_txn		*txn = NULL;
	MDB_val		 k = { .mv_data = "schema", .mv_size = 6 }, v;
	int		 rc;

	memset(&f, 0, sizeof(f));
	if ((rc = mdb_env_create(&f.s_env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(f.s_env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_open(f.s_env, path, MDB_NOSUBDIR | MDB_RDONLY |
	    MDB_NOLOCK, 0600)) != 0 ||
	    (rc = mdb_txn_begin(f.s_env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", 0, &f.s_meta)) != 0)
		goto done;
	if ((rc = mdb_get(txn, f.s_meta, &k, &v)) != 0 ||
	    v.mv_size != strlen(STORE_SCHEMA) ||
	    memcmp(v.mv_data, STORE_SCHEMA, v.mv_size) != 0)
		rc = rc == 0 || rc == MDB_NOTFOUND ? MDB_INCOMPATIBLE : rc;
	else
		rc = store_head(&f, txn, seq, hash);
done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (f.s_env != NULL)
		mdb_env_close(f.s_env);
	return rc;
}

int
store_set_head(struct store *st, MDB_txn *txn, uint64_t seq,
    const uint8_t hash[STORE_HASH_LEN])
{
	uint8_t	 buf[8 + STORE_HASH_LEN];
	MDB_val	 k, v;

	store_key_seq(buf, seq);
	memcpy(buf + 8, hash, STORE_HASH_LEN);
	k.mv_data = "head";
	k.mv_size = 4;
	v.mv_data = buf;
	v.mv_size = sizeof(buf);
	return mdb_put(txn, st->s_meta, &k, &v, 0);
}

void
store_reader_init(struct store_reader *sr, struct store *st)
{
	sr->sr_store = st;
	sr->sr_env = NULL;
	sr->sr_txn = NULL;
	sr->sr_live = 0;
}

MDB_txn *
store_reader_txn(struct store_reader *sr)
{
	int	 rc;

	if (sr->sr_live)
		return sr->sr_txn;
	store_read_enter(sr->sr_store);
	/* A snapshot of an environment given up on is dropped. */
	if (sr->sr_txn != NULL && sr->sr_env != sr->sr_store->s_env) {
		mdb_txn_abort(sr->sr_txn);
		sr->sr_txn = NULL;
	}
	sr->sr_env = sr->sr_store->s_env;
	if (sr->sr_txn == NULL)
		rc = mdb_txn_begin(sr->sr_env, NULL, MDB_RDONLY,
		    &sr->sr_txn);
	else
		rc = mdb_txn_renew(sr->sr_txn);
	if (rc != 0) {
		log_warnx("read transaction: %s", mdb_strerror(rc));
		if (sr->sr_txn != NULL)
			mdb_txn_abort(sr->sr_txn);
		sr->sr_txn = NULL;
		store_read_leave(sr->sr_store);
		return NULL;
	}
	sr->sr_live = 1;
	return sr->sr_txn;
}

void
store_reader_release(struct store_reader *sr)
{
	if (sr->sr_live) {
		mdb_txn_reset(sr->sr_txn);
		sr->sr_live = 0;
		store_read_leave(sr->sr_store);
	}
}

void
store_reader_close(struct store_reader *sr)
{
	store_reader_release(sr);
	if (sr->sr_txn != NULL)
		mdb_txn_abort(sr->sr_txn);
	sr->sr_txn = NULL;
}
