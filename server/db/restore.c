/*
 * Restore from a backup (restore.h): staged in DIR/.restore, verified,
 * compared with the log DIR holds, then renamed into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "merkle.h"
#include "restore.h"
#include "sig.h"
#include "verify.h"
#include "writer_int.h"

#define RESTORE_BY	"qcregd-restore"

static int	 copy_file(const char *, const char *);
static int	 continues(struct store *, uint64_t, uint64_t,
		    const uint8_t *);
static int	 mark_restore(struct store *, uint64_t, const uint8_t *);
static int	 staged_check(struct store *, uint64_t *);

/* Copies from to a new file to, synced. 0 or an errno. */
static int
copy_file(const char *from, const char *to)
{
	char	 buf[1 << 16];
	ssize_t	 n, w, off;
	int	 in, out, rc = 0;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		rc = errno;
		close(in);
		return rc;
	}
	while (rc == 0 && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			rc = errno;
			break;
		}
		for (off = 0; off < n; off += w)
			if ((w = write(out, buf + off, (size_t)(n - off))) ==
			    -1) {
				rc = errno;
				break;
			}
	}
	if (rc == 0 && fsync(out) == -1)
		rc = errno;
	close(in);
	if (close(out) == -1 && rc == 0)
		rc = errno;
	return rc;
}

/* The staged store's head, after its log and tree verify: 0 or -1. */
static int
staged_check(struct store *st, uint64_t *head)
{
	uint8_t	 hash[STORE_HASH_LEN];
	char	 why[512];
	MDB_txn	*txn;
	int	 rc;

	if ((rc = mdb_txn_begin(st->s_env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = store_head(st, txn, head, hash)) != 0) {
		log_warnx("restore: reading the backup: %s", mdb_strerror(rc));
		return -1;
	}
	mdb_txn_abort(txn);
	if ((rc = verify_log(st, *head, NULL, why, sizeof(why))) != 0) {
		log_warnx("restore: the backup does not verify: %s", why);
		return -1;
	}
	return 0;
}

/*
 * 1 if the staged log (head seq) continues the one that ended at seq
 * with hash: it holds that record, with that hash. 0 if not, -1 on error.
 */
static int
continues(struct store *st, uint64_t head, uint64_t seq, const uint8_t *hash)
{
	msgpack_unpacked up;
	struct record	 r;
	MDB_txn		*txn;
	int		 rc, same;

	if (head < seq)
		return 0;
	if ((rc = mdb_txn_begin(st->s_env, NULL, MDB_RDONLY, &txn)) != 0)
		return -1;
	if ((rc = record_fetch(st, txn, seq, &up, &r)) != 0) {
		mdb_txn_abort(txn);
		return -1;
	}
	same = memcmp(r.r_hash, hash, STORE_HASH_LEN) == 0;
	msgpack_unpacked_destroy(&up);
	mdb_txn_abort(txn);
	return same;
}

/*
 * Appends the restore record {"head": hex, "seq": seq} of the log that
 * ended at seq with hash, as the writer appends records. 0 or an error.
 */
static int
mark_restore(struct store *st, uint64_t seq, const uint8_t *hash)
{
	char			 hex[2 * STORE_HASH_LEN + 1], num[24];
	struct payload_item	 it[2] = {
		{ .pi_key = "head", .pi_str = hex,
		  .pi_len = 2 * STORE_HASH_LEN },
		{ .pi_key = "seq", .pi_str = num },
	};
	msgpack_sbuffer		 payload, scratch;
	struct write_req	*wr;
	struct change		 c;
	struct chain		 ch;
	struct wx		 x;
	MDB_txn			*txn = NULL;
	int			 rc = ENOMEM;

	qc_hex(hash, STORE_HASH_LEN, hex);
	it[1].pi_len = (size_t)snprintf(num, sizeof(num), "%" PRIu64, seq);
	msgpack_sbuffer_init(&payload);
	msgpack_sbuffer_init(&scratch);
	if ((wr = write_req_new()) == NULL ||
	    payload_pack(&payload, it, 2) != 0)
		goto done;
	strcpy(wr->wr_principal, RESTORE_BY);
	if ((rc = mdb_txn_begin(st->s_env, NULL, 0, &txn)) != 0 ||
	    (rc = store_head(st, txn, &ch.ch_seq, ch.ch_hash)) != 0)
		goto done;
	wx_init(&x, st, txn, NULL, &ch, &scratch, wr);
	memset(&c, 0, sizeof(c));
	c.c_by = RESTORE_BY;
	c.c_op = CH_RESTORE;
	c.c_list = "";
	c.c_subject = "";
	c.c_payload = payload.data;
	c.c_payload_len = payload.size;
	if ((rc = wx_append(&x, &c)) != 0 ||
	    (rc = store_set_head(st, txn, ch.ch_seq, ch.ch_hash)) != 0 ||
	    (rc = merkle_set_size(st, txn, ch.ch_seq)) != 0)
		goto done;
	rc = mdb_txn_commit(txn);
	txn = NULL;
done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	write_req_free(wr);
	msgpack_sbuffer_destroy(&payload);
	msgpack_sbuffer_destroy(&scratch);
	return rc;
}

int
restore_run(const char *file, const char *dir, int force, uint64_t map_size)
{
	struct store	 st;
	char		 stage[PATH_MAX], staged[PATH_MAX + 16],
			 live[PATH_MAX + 16], lock[PATH_MAX + 16],
			 hex[2 * STORE_HASH_LEN + 1];
	uint8_t		 old_hash[STORE_HASH_LEN], hash[STORE_HASH_LEN];
	uint64_t	 old = 0, head = 0, seq;
	int		 rc, opened = 0, ok = 0, forks = 0;

	if ((rc = store_file_head(file, &seq, hash)) != 0) {
		log_warnx("restore: %s is not a backup of this qcregd: %s",
		    file, mdb_strerror(rc));
		return 1;
	}
	snprintf(live, sizeof(live), "%s/data.mdb", dir);
	if (access(live, F_OK) == 0 && (rc = store_file_head(live, &old,
	    old_hash)) != 0) {
		log_warnx("restore: reading %s: %s", live, mdb_strerror(rc));
		return 1;
	}
	if (snprintf(stage, sizeof(stage), "%s/.restore", dir) >=
	    (int)sizeof(stage) || (mkdir(dir, 0700) == -1 &&
	    errno != EEXIST) || (mkdir(stage, 0700) == -1 &&
	    errno != EEXIST)) {
		log_warn("restore: %s", stage);
		return 1;
	}
	snprintf(staged, sizeof(staged), "%s/data.mdb", stage);
	snprintf(lock, sizeof(lock), "%s/lock.mdb", stage);
	unlink(lock);
	if ((rc = copy_file(file, staged)) != 0) {
		log_warnx("restore: copying %s: %s", file, strerror(rc));
		goto done;
	}
	if (store_open(&st, stage, map_size, 8) == -1)
		goto done;
	opened = 1;
	if (staged_check(&st, &head) == -1)
		goto done;
	if (old > 0 && (forks = !continues(&st, head, old, old_hash)) &&
	    !force) {
		qc_hex(old_hash, STORE_HASH_LEN, hex);
		log_warnx("restore: %s holds the log up to seq %" PRIu64 " (%s), "
		    "and the backup ends at seq %" PRIu64 " without it: "
		    "restoring would fork the published log. --force restores "
		    "it and appends a restore record naming that head; mirrors "
		    "and verifiers then stop there", dir, old, hex, head);
		goto done;
	}
	if (forks && (rc = mark_restore(&st, old, old_hash)) != 0) {
		log_warnx("restore: appending the restore record: %s",
		    mdb_strerror(rc));
		goto done;
	}
	store_close(&st);
	opened = 0;
	snprintf(lock, sizeof(lock), "%s/lock.mdb", dir);
	if (rename(staged, live) == -1) {
		log_warn("restore: renaming into %s", live);
		goto done;
	}
	unlink(lock);
	if (store_sync_dir(dir) == -1) {
		log_warn("restore: syncing %s", dir);
		goto done;
	}
	ok = 1;
	log_info("restored %s into %s: log head seq %" PRIu64 "%s", file, dir,
	    head + forks, forks ? ", a restore record appended after the "
	    "backup's head" : "");
done:
	if (opened)
		store_close(&st);
	snprintf(lock, sizeof(lock), "%s/lock.mdb", stage);
	unlink(lock);
	unlink(staged);
	rmdir(stage);
	return ok ? 0 : 1;
}
