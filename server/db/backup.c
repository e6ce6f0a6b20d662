/*
 * Backups (backup.h): the copy thread, the info kept beside each copy,
 * and reading a copy back.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "log.h"
#include "sig.h"

struct backup_job {
	pthread_t		 bj_thread;
	int			 bj_joinable;
	struct store		*bj_store;
	char			 bj_dir[PATH_MAX];
	struct backup_info	 bj_info;	/* under s_backup_lock */
};

static void	*backup_main(void *);
static int	 backup_copy(struct backup_job *, struct backup_info *);
static int	 file_digest(const char *, uint64_t *, uint8_t *);
static int	 info_write(const char *, const struct backup_info *);
static int	 info_read(const char *, struct backup_info *);

int
backup_id_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len >= BACKUP_ID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-'))
			return 0;
	return 1;
}

/* The size and SHA-256 of the file at path: 0, or an errno. */
static int
file_digest(const char *path, uint64_t *size, uint8_t *sha)
{
	EVP_MD_CTX	*md;
	char		 buf[65536];
	ssize_t		 n;
	int		 fd, rc = 0;

	*size = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		rc = ENOMEM;
	while (rc == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1)
			rc = errno;
		else if (EVP_DigestUpdate(md, buf, (size_t)n) != 1)
			rc = ENOMEM;
		else
			*size += (uint64_t)n;
	}
	if (rc == 0 && EVP_DigestFinal_ex(md, sha, NULL) != 1)
		rc = ENOMEM;
	EVP_MD_CTX_free(md);
	close(fd);
	return rc;
}

/* ID.info: "seq N", "hash HEX", "size N", "sha256 HEX", a line each. */
static int
info_write(const char *path, const struct backup_info *bi)
{
	char	 tmp[PATH_MAX + 80], h[2 * STORE_HASH_LEN + 1],
		 sha[2 * STORE_HASH_LEN + 1];
	FILE	*f;
	int	 rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return errno;
	qc_hex(bi->bi_hash, STORE_HASH_LEN, h);
	qc_hex(bi->bi_sha256, STORE_HASH_LEN, sha);
	rc = fprintf(f, "seq %" PRIu64 "\nhash %s\nsize %" PRIu64
	    "\nsha256 %s\n", bi->bi_seq, h, bi->bi_size, sha) < 0 ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0;
	if (fclose(f) != 0 || rc != 0 || rename(tmp, path) == -1) {
		rc = errno != 0 ? errno : EIO;
		unlink(tmp);
		return rc;
	}
	return 0;
}

static int
info_read(const char *path, struct backup_info *bi)
{
	char	 h[2 * STORE_HASH_LEN + 2], sha[2 * STORE_HASH_LEN + 2];
	FILE	*f;
	int	 n;

	if ((f = fopen(path, "r")) == NULL)
		return errno;
	n = fscanf(f, "seq %" SCNu64 " hash %65s size %" SCNu64
	    " sha256 %65s", &bi->bi_seq, h, &bi->bi_size, sha);
	fclose(f);
	if (n != 4 || strlen(h) != 2 * STORE_HASH_LEN ||
	    strlen(sha) != 2 * STORE_HASH_LEN ||
	    qc_unhex(h, STORE_HASH_LEN, bi->bi_hash) != 0 ||
	    qc_unhex(sha, STORE_HASH_LEN, bi->bi_sha256) != 0)
		return EINVAL;
	bi->bi_state = BACKUP_DONE;
	return 0;
}

/*
 * Copies the store, compacted, to ID.part, checks the copy's schema and
 * reads its head, then renames it ID.mdb beside ID.info. 0 or an errno
 * with bi_error set.
 */
static int
backup_copy(struct backup_job *j, struct backup_info *bi)
{
	char	 part[PATH_MAX + 64], path[PATH_MAX + 64], info[PATH_MAX + 64];
	int	 fd, rc;

	snprintf(part, sizeof(part), "%s/%s.part", j->bj_dir, bi->bi_id);
	snprintf(path, sizeof(path), "%s/%s.mdb", j->bj_dir, bi->bi_id);
	snprintf(info, sizeof(info), "%s/%s.info", j->bj_dir, bi->bi_id);
	if ((fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		rc = errno;
		snprintf(bi->bi_error, sizeof(bi->bi_error), "%s.part: %s",
		    bi->bi_id, strerror(rc));
		return rc;
	}
	/* The copy's read transaction must not live across a remap. */
	store_read_enter(j->bj_store);
	rc = mdb_env_copyfd2(j->bj_store->s_env, fd, MDB_CP_COMPACT);
	store_read_leave(j->bj_store);
	if (rc == 0 && fsync(fd) == -1)
		rc = errno;
	close(fd);
	if (rc == 0 && (rc = store_file_head(part, &bi->bi_seq,
	    bi->bi_hash)) != 0)
		snprintf(bi->bi_error, sizeof(bi->bi_error), "the copy: %s",
		    mdb_strerror(rc));
	else if (rc == 0 && ((rc = file_digest(part, &bi->bi_size,
	    bi->bi_sha256)) != 0 || (rc = info_write(info, bi)) != 0 ||
	    (rename(part, path) == -1 && (rc = errno) != 0) ||
	    (store_sync_dir(j->bj_dir) == -1 && (rc = errno) != 0)))
		snprintf(bi->bi_error, sizeof(bi->bi_error), "%s",
		    strerror(rc));
	else if (rc != 0)
		snprintf(bi->bi_error, sizeof(bi->bi_error), "copying: %s",
		    mdb_strerror(rc));
	if (rc != 0) {
		unlink(part);
		unlink(info);
	}
	return rc;
}

static void *
backup_main(void *arg)
{
	struct backup_job	*j = arg;
	struct backup_info	 bi;
	char			 h[2 * STORE_HASH_LEN + 1];

	pthread_mutex_lock(&j->bj_store->s_backup_lock);
	bi = j->bj_info;
	pthread_mutex_unlock(&j->bj_store->s_backup_lock);
	if (backup_copy(j, &bi) == 0) {
		bi.bi_state = BACKUP_DONE;
		qc_hex(bi.bi_hash, STORE_HASH_LEN, h);
		log_info("backup %s: %" PRIu64 " bytes in %s, log head seq "
		    "%" PRIu64 " (%s)", bi.bi_id, bi.bi_size, j->bj_dir,
		    bi.bi_seq, h);
	} else {
		bi.bi_state = BACKUP_FAILED;
		log_warnx("backup %s failed: %s", bi.bi_id, bi.bi_error);
	}
	pthread_mutex_lock(&j->bj_store->s_backup_lock);
	j->bj_info = bi;
	pthread_mutex_unlock(&j->bj_store->s_backup_lock);
	return NULL;
}

int
backup_start(struct store *st, const char *dir, struct backup_info *out)
{
	struct backup_job	*j;
	struct tm		 tm;
	time_t			 now = time(NULL);
	char			 stamp[32], path[PATH_MAX + 64];
	int			 rc = 0, n;

	pthread_mutex_lock(&st->s_backup_lock);
	if ((j = st->s_backup) != NULL && j->bj_info.bi_state ==
	    BACKUP_RUNNING) {
		*out = j->bj_info;
		rc = EBUSY;
		goto done;
	}
	if (j != NULL && j->bj_joinable) {
		pthread_join(j->bj_thread, NULL);
		j->bj_joinable = 0;
	}
	if (j == NULL && (j = st->s_backup = calloc(1, sizeof(*j))) == NULL) {
		rc = ENOMEM;
		goto done;
	}
	if ((mkdir(dir, 0700) == -1 && errno != EEXIST) ||
	    strlen(dir) >= sizeof(j->bj_dir)) {
		rc = errno == EEXIST || errno == 0 ? ENAMETOOLONG : errno;
		log_warnx("backup directory %s: %s", dir, strerror(rc));
		goto done;
	}
	strcpy(j->bj_dir, dir);
	j->bj_store = st;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	memset(&j->bj_info, 0, sizeof(j->bj_info));
	/* Two backups within a second get -2, -3, ... */
	for (n = 1; n < 1000; n++) {
		if (n == 1)
			snprintf(j->bj_info.bi_id, BACKUP_ID_MAX, "%s", stamp);
		else
			snprintf(j->bj_info.bi_id, BACKUP_ID_MAX, "%s-%d",
			    stamp, n);
		snprintf(path, sizeof(path), "%s/%s.info", dir,
		    j->bj_info.bi_id);
		if (access(path, F_OK) == -1)
			break;
	}
	j->bj_info.bi_state = BACKUP_RUNNING;
	if ((rc = pthread_create(&j->bj_thread, NULL, backup_main, j)) != 0) {
		log_warnx("backup thread: %s", strerror(rc));
		j->bj_info.bi_state = BACKUP_FAILED;
		goto done;
	}
	j->bj_joinable = 1;
	*out = j->bj_info;
	log_info("backup %s started", out->bi_id);
done:
	pthread_mutex_unlock(&st->s_backup_lock);
	return rc;
}

int
backup_status(struct store *st, const char *dir, const char *id,
    struct backup_info *out)
{
	char	 path[PATH_MAX + 64];
	int	 rc;

	if (!backup_id_valid(id, strlen(id)))
		return EINVAL;
	pthread_mutex_lock(&st->s_backup_lock);
	if (st->s_backup != NULL && strcmp(st->s_backup->bj_info.bi_id,
	    id) == 0) {
		*out = st->s_backup->bj_info;
		pthread_mutex_unlock(&st->s_backup_lock);
		return 0;
	}
	pthread_mutex_unlock(&st->s_backup_lock);
	memset(out, 0, sizeof(*out));
	strcpy(out->bi_id, id);
	snprintf(path, sizeof(path), "%s/%s.info", dir, id);
	rc = info_read(path, out);
	return rc == ENOENT || rc == 0 ? rc : EINVAL;
}

int
backup_read(const char *dir, const char *id, uint64_t offset, void *buf,
    size_t cap, size_t *n)
{
	char	 path[PATH_MAX + 64];
	ssize_t	 got;
	int	 fd, rc = 0;

	*n = 0;
	if (!backup_id_valid(id, strlen(id)) || offset > INT64_MAX)
		return EINVAL;
	snprintf(path, sizeof(path), "%s/%s.mdb", dir, id);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	if ((got = pread(fd, buf, cap, (off_t)offset)) == -1)
		rc = errno;
	else
		*n = (size_t)got;
	close(fd);
	return rc;
}

void
backup_join(struct store *st)
{
	struct backup_job	*j = st->s_backup;

	if (j == NULL)
		return;
	if (j->bj_joinable)
		pthread_join(j->bj_thread, NULL);
	free(j);
	st->s_backup = NULL;
}
