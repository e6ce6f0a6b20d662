/*
 * libqcreg mirror: the directory and its LMDB data file.
 *
 *   DIR/current          the live generation's number and a newline
 *   DIR/data.N.mdb       its data file (and DIR/data.N.mdb-lock)
 *   DIR/sync.lock        flock()ed by the one handle that syncs
 *
 * A rewrite (qcreg_mirror_compact.c) makes generation N+1 and switches
 * `current` to it with a rename, so a reader always opens a whole file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msg.h"
#include "qcreg_mirror_int.h"

#define MIRROR_FORMAT	"qcreg-mirror-2"
/* Address space for the data file; the file grows as it needs. */
#define MIRROR_MAP_SIZE	((size_t)64 * 1024 * 1024 * 1024)
#define OPEN_TRIES	5	/* a reader racing a rewrite retries */

static int	 lock_take(struct qcreg_mirror *);
static int	 current_read(struct qcreg_mirror *, unsigned long *);
static int	 env_open(struct qcreg_mirror *, unsigned long);
static int	 format_check(struct qcreg_mirror *, MDB_txn *);
static int	 dbs_open(struct qcreg_mirror *, int);
static int	 env_init(struct qcreg_mirror *);
static void	 strays_remove(struct qcreg_mirror *);

/* Only one handle syncs a mirror: it holds DIR/sync.lock. */
static int
lock_take(struct qcreg_mirror *m)
{
	char	 path[4096];

	snprintf(path, sizeof(path), "%s/sync.lock", m->dir);
	if ((m->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
	    0600)) == -1)
		return mirror_fail(m, QCREG_E_STORE, "%s: %s", path,
		    strerror(errno));
	if (flock(m->lock_fd, LOCK_EX | LOCK_NB) == -1)
		return mirror_fail(m, QCREG_E_USAGE, "%s: %s", path,
		    errno == EWOULDBLOCK ? "another process syncs this "
		    "mirror" : strerror(errno));
	return 0;
}

/*
 * The live generation: 0 (and *gen 0) when there is none yet. The inode
 * of DIR/current is noted: a rewrite replaces it (mirror_store_moved).
 */
static int
current_read(struct qcreg_mirror *m, unsigned long *gen)
{
	char		 path[4096], buf[32], *end;
	struct stat	 sb;
	FILE		*f;
	size_t		 n;
	int		 ok;

	*gen = 0;
	snprintf(path, sizeof(path), "%s/current", m->dir);
	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : mirror_fail(m, QCREG_E_STORE,
		    "%s: %s", path, strerror(errno));
	ok = fstat(fileno(f), &sb) == 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	errno = 0;
	*gen = strtoul(buf, &end, 10);
	if (!ok || n == 0 || errno != 0 || *gen == 0 ||
	    strcmp(end, "\n") != 0)
		return mirror_fail(m, QCREG_E_STORE, "%s: not a generation "
		    "number", path);
	m->current_ino = sb.st_ino;
	return 0;
}

/* Points DIR/current at gen, atomically and durably. */
int
mirror_current_write(struct qcreg_mirror *m, unsigned long gen)
{
	char		 tmp[4096], path[4096], buf[32];
	struct stat	 sb;
	int		 fd, n, ok;

	snprintf(tmp, sizeof(tmp), "%s/current.tmp", m->dir);
	snprintf(path, sizeof(path), "%s/current", m->dir);
	n = snprintf(buf, sizeof(buf), "%lu\n", gen);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return mirror_fail(m, QCREG_E_STORE, "%s: %s", tmp,
		    strerror(errno));
	ok = write(fd, buf, (size_t)n) == n && fsync(fd) == 0;
	if (close(fd) != 0 || !ok || rename(tmp, path) != 0)
		return mirror_fail(m, QCREG_E_STORE, "%s: %s", path,
		    strerror(errno));
	if ((fd = open(m->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return mirror_fail(m, QCREG_E_STORE, "%s: %s", m->dir,
		    strerror(errno));
	ok = fsync(fd) == 0;
	close(fd);
	if (!ok || stat(path, &sb) != 0)
		return mirror_fail(m, QCREG_E_STORE, "%s: %s", path,
		    strerror(errno));
	m->current_ino = sb.st_ino;
	return 0;
}

/* DIR/data.<gen>.mdb into path (size bytes). */
void
mirror_data_path(const struct qcreg_mirror *m, unsigned long gen,
    char *path, size_t size)
{
	snprintf(path, size, "%s/data.%lu.mdb", m->dir, gen);
}

/* Opens the data file of gen into m->env (created when m->rw). */
static int
env_open(struct qcreg_mirror *m, unsigned long gen)
{
	char	 path[4096];
	int	 rc;

	mirror_data_path(m, gen, path, sizeof(path));
	if ((rc = mdb_env_create(&m->env)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_env_create");
	if ((rc = mdb_env_set_maxdbs(m->env, 4)) != 0 ||
	    (rc = mdb_env_set_mapsize(m->env, MIRROR_MAP_SIZE)) != 0 ||
	    (rc = mdb_env_open(m->env, path, MDB_NOSUBDIR |
	    (m->rw ? 0 : MDB_RDONLY), 0600)) != 0) {
		mdb_env_close(m->env);
		m->env = NULL;
		return rc == ENOENT ? ENOENT : mirror_lmdb_fail(m, rc, path);
	}
	m->gen = gen;
	return 0;
}

/* A file of another format (or none: a new file) is not read. */
static int
format_check(struct qcreg_mirror *m, MDB_txn *txn)
{
	MDB_val	 v;
	int	 rc;

	if ((rc = mirror_meta_get(m, txn, "format", &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size != strlen(MIRROR_FORMAT) ||
	    memcmp(v.mv_data, MIRROR_FORMAT, v.mv_size) != 0)
		return mirror_fail(m, QCREG_E_STORE, "%s holds a mirror of "
		    "another format (%.*s, not %s): remove it and sync again",
		    m->dir, v.mv_size > 32 ? 32 : (int)v.mv_size,
		    (const char *)v.mv_data, MIRROR_FORMAT);
	return 0;
}

/* The four databases (created when create is set). */
static int
dbs_open(struct qcreg_mirror *m, int create)
{
	MDB_txn	*txn;
	int	 rc, fl = create ? MDB_CREATE : 0;

	if ((rc = mdb_txn_begin(m->env, NULL, create ? 0 : MDB_RDONLY,
	    &txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_begin");
	if ((rc = mdb_dbi_open(txn, "meta", fl, &m->meta)) != 0) {
		mdb_txn_abort(txn);
		return mirror_lmdb_fail(m, rc, "opening the databases");
	}
	if ((rc = format_check(m, txn)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = mdb_dbi_open(txn, "entries", fl, &m->entries)) != 0 ||
	    (rc = mdb_dbi_open(txn, "payloads", fl, &m->payloads)) != 0 ||
	    (rc = mdb_dbi_open(txn, "added", fl, &m->added)) != 0) {
		mdb_txn_abort(txn);
		return mirror_lmdb_fail(m, rc, "opening the databases");
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_commit");
	return 0;
}

/* A new mirror: generation 1 with its format and time zone. */
static int
env_init(struct qcreg_mirror *m)
{
	MDB_txn		*txn;
	int		 rc;

	if ((rc = env_open(m, 1)) != 0)
		return rc == ENOENT ? mirror_lmdb_fail(m, rc, m->dir) : rc;
	if ((rc = dbs_open(m, 1)) != 0)
		return rc;
	if ((rc = mdb_txn_begin(m->env, NULL, 0, &txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_begin");
	if ((rc = mirror_meta_put(m, txn, "format", MIRROR_FORMAT,
	    strlen(MIRROR_FORMAT))) != 0 ||
	    (rc = mirror_meta_put_u64(m, txn, "tz",
	    (uint64_t)(int64_t)m->utc_offset)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_commit");
	return mirror_current_write(m, 1);
}

/* Files of generations other than the live one, left by a crash. */
static void
strays_remove(struct qcreg_mirror *m)
{
	char		 path[4096];
	struct dirent	*d;
	unsigned long	 g;
	DIR		*dir;
	int		 n;

	if ((dir = opendir(m->dir)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		n = 0;
		if (sscanf(d->d_name, "data.%lu.mdb%n", &g, &n) != 1 ||
		    n == 0 || g == m->gen || (d->d_name[n] != '\0' &&
		    strcmp(d->d_name + n, "-lock") != 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", m->dir, d->d_name);
		(void)unlink(path);	/* a leftover; harmless if it stays */
	}
	closedir(dir);
}

/*
 * Opens the live data file: a syncing handle creates the directory and
 * the mirror as needed and removes a crash's leftovers; a checking one
 * retries while a rewrite replaces the file under it.
 */
int
mirror_store_open(struct qcreg_mirror *m)
{
	unsigned long	 gen;
	int		 rc, tries;

	if (m->rw && mkdir(m->dir, 0700) != 0 && errno != EEXIST)
		return mirror_fail(m, QCREG_E_STORE, "%s: %s", m->dir,
		    strerror(errno));
	if (m->rw && m->lock_fd == -1 && (rc = lock_take(m)) != 0)
		return rc;
	for (tries = 0; tries < OPEN_TRIES; tries++) {
		if ((rc = current_read(m, &gen)) != 0)
			return rc;
		if (gen == 0 && m->rw)
			return env_init(m);
		if (gen == 0)
			return mirror_fail(m, QCREG_E_USAGE, "no mirror in %s "
			    "(qcreg mirror makes one)", m->dir);
		if ((rc = env_open(m, gen)) != ENOENT)
			break;
	}
	if (rc != 0)
		return rc == ENOENT ? mirror_lmdb_fail(m, rc, m->dir) : rc;
	if ((rc = dbs_open(m, m->rw)) != 0)
		return rc;
	if (m->rw)
		strays_remove(m);
	return 0;
}

void
mirror_store_close(struct qcreg_mirror *m)
{
	if (m->env != NULL)
		mdb_env_close(m->env);
	m->env = NULL;
}

/* Opens the live data file again (after a rewrite) with its lists. */
int
mirror_store_reopen(struct qcreg_mirror *m)
{
	MDB_txn	*txn;
	int	 rc;

	mirror_store_close(m);
	if ((rc = mirror_store_open(m)) != 0)
		return rc;
	if ((rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_begin");
	rc = mirror_hello_load(m, txn);
	mdb_txn_abort(txn);
	return rc;
}

/* Whether a rewrite has replaced the open file since it was opened. */
int
mirror_store_moved(const struct qcreg_mirror *m)
{
	char		 path[4096];
	struct stat	 sb;

	snprintf(path, sizeof(path), "%s/current", m->dir);
	return stat(path, &sb) == 0 && sb.st_ino != m->current_ino;
}

/* A meta value; MDB_NOTFOUND (no message) when it is not there. */
int
mirror_meta_get(struct qcreg_mirror *m, MDB_txn *txn, const char *key,
    MDB_val *v)
{
	MDB_val	 k;
	int	 rc;

	k.mv_data = (void *)key;
	k.mv_size = strlen(key);
	if ((rc = mdb_get(txn, m->meta, &k, v)) != 0 && rc != MDB_NOTFOUND)
		return mirror_lmdb_fail(m, rc, key);
	return rc;
}

int
mirror_meta_put(struct qcreg_mirror *m, MDB_txn *txn, const char *key,
    const void *p, size_t len)
{
	MDB_val	 k, v;
	int	 rc;

	k.mv_data = (void *)key;
	k.mv_size = strlen(key);
	v.mv_data = (void *)p;
	v.mv_size = len;
	if ((rc = mdb_put(txn, m->meta, &k, &v, 0)) != 0)
		return mirror_lmdb_fail(m, rc, key);
	return 0;
}

/* A u64 meta value (big-endian); 0 when it is not there. */
int
mirror_meta_u64(struct qcreg_mirror *m, MDB_txn *txn, const char *key,
    uint64_t *u)
{
	const uint8_t	*p;
	MDB_val		 v;
	int		 rc, i;

	*u = 0;
	if ((rc = mirror_meta_get(m, txn, key, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size != 8)
		return mirror_fail(m, QCREG_E_STORE, "meta %s: corrupt", key);
	p = v.mv_data;
	for (i = 0; i < 8; i++)
		*u = *u << 8 | p[i];
	return 0;
}

int
mirror_meta_put_u64(struct qcreg_mirror *m, MDB_txn *txn, const char *key,
    uint64_t u)
{
	uint8_t	 b[8];
	int	 i;

	for (i = 7; i >= 0; i--, u >>= 8)
		b[i] = (uint8_t)u;
	return mirror_meta_put(m, txn, key, b, sizeof(b));
}

/*
 * The time zone and the list definitions kept in the file, into m. A
 * mirror that never synced has no lists (m->lists.n 0).
 */
int
mirror_hello_load(struct qcreg_mirror *m, MDB_txn *txn)
{
	struct mirror_lists	*ls;
	uint64_t		 tz;
	size_t			 off = 0;
	MDB_val			 v;
	char			 why[256], *buf;
	int			 rc;

	if ((rc = mirror_meta_u64(m, txn, "tz", &tz)) != 0)
		return rc;
	m->utc_offset = (int)(int64_t)tz;
	if ((rc = mirror_meta_get(m, txn, "hello", &v)) == MDB_NOTFOUND) {
		m->lists.n = 0;
		return 0;
	}
	if (rc != 0)
		return rc;
	if ((buf = malloc(v.mv_size)) == NULL ||
	    (ls = malloc(sizeof(*ls))) == NULL) {
		free(buf);
		return mirror_fail(m, QCREG_E_NOMEM, "out of memory");
	}
	memcpy(buf, v.mv_data, v.mv_size);
	msgpack_unpacked_destroy(&m->hello);
	free(m->hello_buf);
	m->hello_buf = buf;
	msgpack_unpacked_init(&m->hello);
	rc = msgpack_unpack_next(&m->hello, buf, v.mv_size, &off) ==
	    MSGPACK_UNPACK_SUCCESS && off == v.mv_size &&
	    mirror_lists_parse(qc_map_get(&m->hello.data, "lists"), ls, why,
	    sizeof(why)) == 0;
	if (rc)
		m->lists = *ls;
	free(ls);
	return rc ? 0 : mirror_fail(m, QCREG_E_STORE, "the stored list "
	    "definitions are corrupt");
}
