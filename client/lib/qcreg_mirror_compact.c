/*
 * libqcreg mirror: rewriting the data file once withdrawn entries were
 * deleted, so that their fields leave the mirror's files.
 *
 * LMDB keeps a deleted value's bytes in the freed pages of its file. A
 * compacting copy (mdb_env_copy2 with MDB_CP_COMPACT) writes only the
 * pages in use, and of each only its used parts (mdb_page_copy skips the
 * gap between a page's pointers and its nodes, and deleting a node
 * closes up the nodes, so the used parts hold live data only), into a
 * zeroed buffer: the copy holds no deleted value. It becomes the next
 * generation, and DIR/current switches to it with a rename (processes
 * still reading the old file see that and move); the old file is then
 * unlinked.
 *
 * A crash before the rename leaves the old file live with its "compact"
 * mark (the next sync rewrites again; the half copy is removed at open);
 * after it, the new file is live and the old one a leftover.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qcreg_mirror_int.h"

static int	 flag_get(struct qcreg_mirror *, uint64_t *);
static int	 file_sync(struct qcreg_mirror *, const char *);
static int	 flag_clear(struct qcreg_mirror *);
static void	 files_remove(struct qcreg_mirror *, unsigned long);

static int
flag_get(struct qcreg_mirror *m, uint64_t *flag)
{
	MDB_txn	*txn;
	int	 rc;

	if ((rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_begin");
	rc = mirror_meta_u64(m, txn, "compact", flag);
	mdb_txn_abort(txn);
	return rc;
}

/* The copy made durable, and private as the file it copies. */
static int
file_sync(struct qcreg_mirror *m, const char *path)
{
	int	 fd, ok;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1)
		return mirror_fail(m, QCREG_E_STORE, "%s: %s", path,
		    strerror(errno));
	ok = fchmod(fd, 0600) == 0 && fsync(fd) == 0;
	if (close(fd) != 0 || !ok)
		return mirror_fail(m, QCREG_E_STORE, "%s: %s", path,
		    strerror(errno));
	return 0;
}

static int
flag_clear(struct qcreg_mirror *m)
{
	MDB_txn	*txn;
	MDB_val	 k;
	int	 rc;

	if ((rc = mdb_txn_begin(m->env, NULL, 0, &txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_begin");
	k.mv_data = "compact";
	k.mv_size = strlen("compact");
	if ((rc = mdb_del(txn, m->meta, &k, NULL)) != 0) {
		mdb_txn_abort(txn);
		return mirror_lmdb_fail(m, rc, "meta compact");
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_commit");
	return 0;
}

/* A generation's data and lock files, if they are there. */
static void
files_remove(struct qcreg_mirror *m, unsigned long gen)
{
	char	 path[4096], lock[4200];

	mirror_data_path(m, gen, path, sizeof(path));
	snprintf(lock, sizeof(lock), "%s-lock", path);
	(void)unlink(path);	/* absent is as good as removed */
	(void)unlink(lock);
}

/*
 * Rewrites the data file if withdrawn entries were deleted since it was
 * last written whole; *done says whether it did.
 */
int
mirror_compact(struct qcreg_mirror *m, int *done)
{
	unsigned long	 old = m->gen, gen = m->gen + 1;
	uint64_t	 flag;
	char		 path[4096];
	int		 rc;

	*done = 0;
	if ((rc = flag_get(m, &flag)) != 0 || flag == 0)
		return rc;
	mirror_data_path(m, gen, path, sizeof(path));
	files_remove(m, gen);
	if ((rc = mdb_env_copy2(m->env, path, MDB_CP_COMPACT)) != 0)
		return mirror_lmdb_fail(m, rc, path);
	if ((rc = file_sync(m, path)) != 0 ||
	    (rc = mirror_current_write(m, gen)) != 0)
		return rc;
	mirror_store_close(m);
	files_remove(m, old);
	if ((rc = mirror_store_reopen(m)) != 0 || (rc = flag_clear(m)) != 0)
		return rc;
	*done = 1;
	return 0;
}
