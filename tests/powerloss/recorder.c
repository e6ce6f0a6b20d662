/*
 * The power-loss recorder: an LD_PRELOAD shim that
 * logs every call that changes or syncs a file under one directory, so
 * that tests/powerloss/powerloss.py can rebuild the files at any moment
 * and cut the power there.
 *
 *	QCREG_PL_DIR	the directory watched (qcregd's data directory)
 *	QCREG_PL_LOG	the log file (must not be inside QCREG_PL_DIR)
 *	QCREG_PL_NOSYNC	"1": the negative control; fsync, fdatasync and
 *			msync of watched files do nothing and O_DSYNC and
 *			O_SYNC are taken off their opens, which is what
 *			MDB_NOSYNC means to the disk; "meta": only O_DSYNC
 *			and O_SYNC are taken off (MDB_NOMETASYNC)
 *
 * Calls covered: open, open64, openat, openat64, their _FORTIFY_SOURCE
 * forms and creat; write, pwrite, pwrite64, writev, pwritev, pwritev2;
 * fsync, fdatasync, msync; ftruncate; rename, renameat, renameat2; close;
 * mkdir, mkdirat, unlink, unlinkat, rmdir (the directory entries: with
 * the renames and the opens that create files, powerloss.py rebuilds the
 * names a crash leaves; an fsync of a descriptor of a directory, the
 * watched one or one inside it, opened O_DIRECTORY or not, is logged as
 * any fsync); mmap (a writable shared map of a watched file would write
 * behind the recorder's back); fopen for writing (stdio writes are not
 * recorded, so such an open is logged as unsupported and fails the
 * test). glibc's remove() and the like call the system directly and are
 * not seen.
 *
 * The log is a sequence of records, each a struct pl_rec header and its
 * payload (the bytes written, or paths), in the order of a global
 * sequence number. Sequence number and CLOCK_MONOTONIC time are taken
 * together, under one lock, when the call has returned: a later record
 * has a later time. The log is written with raw write(2) system calls
 * and is never synced: it is test scaffolding read after a clean exit,
 * not something that has to survive a power cut.
 *
 * Calls on descriptors that are not watched (sockets, above all) cost one
 * atomic load. Watched calls block every signal while they hold the lock,
 * so a signal handler that writes cannot deadlock against it.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PL_MAGIC	0x31504c51u	/* "QLP1" */
#define PL_MAXFD	65536
#define PL_MAXMAP	64
#define PL_IOV		64

/* Record types; keep in step with powerloss.py. */
enum pl_type {
	PL_START = 1,		/* ret = pid; dir, mode ("sync" etc.) */
	PL_OPEN,		/* fd, flags passed on, aux = asked; path */
	PL_WRITE,		/* fd, off, ret = bytes; the bytes */
	PL_FSYNC,		/* fd; flags PL_DROPPED in the control */
	PL_FDATASYNC,
	PL_MSYNC,		/* off = address, len; aux = MS_* */
	PL_FTRUNCATE,		/* fd, off = length */
	PL_RENAME,		/* payload: old path, new path */
	PL_CLOSE,		/* fd */
	PL_MMAP,		/* fd, off = address, len, ret = file offset,
				   flags = MAP_*, aux = PROT_* */
	PL_UNSUPPORTED,		/* payload: what was not recorded */
	PL_END,			/* clean exit: the log is whole */
	PL_MKDIR,		/* ret; payload: path, "" */
	PL_UNLINK,		/* ret; payload: path, "" */
	PL_RMDIR		/* ret; payload: path, "" */
};

/* Which function made a record (for the figures). */
enum pl_call {
	PC_NONE, PC_OPEN, PC_OPENAT, PC_CREAT, PC_WRITE, PC_PWRITE,
	PC_PWRITE64, PC_WRITEV, PC_PWRITEV, PC_PWRITEV2, PC_FSYNC,
	PC_FDATASYNC, PC_MSYNC, PC_FTRUNCATE, PC_RENAME, PC_RENAMEAT,
	PC_RENAMEAT2, PC_CLOSE, PC_MMAP, PC_FOPEN, PC_MKDIR, PC_MKDIRAT,
	PC_UNLINK, PC_UNLINKAT, PC_RMDIR
};

#define PL_DROPPED	1	/* r_flags of a sync the control skipped */

/* QCREG_PL_NOSYNC: "1" drops every sync, "meta" only O_DSYNC/O_SYNC. */
#define PL_NOSYNC_ALL	1
#define PL_NOSYNC_META	2

/* One record header, little-endian as written (x86-64). */
struct pl_rec {
	uint32_t	r_magic;
	uint32_t	r_size;		/* header and payload */
	uint16_t	r_type;
	uint16_t	r_call;
	int32_t		r_fd;
	uint64_t	r_seq;
	uint64_t	r_ns;		/* CLOCK_MONOTONIC at return */
	int64_t		r_off;
	int64_t		r_len;
	int64_t		r_ret;		/* result, or -errno */
	int32_t		r_flags;	/* O_*, PL_DROPPED or MAP_* */
	int32_t		r_aux;		/* msync MS_*, mmap prot */
};

_Static_assert(sizeof(struct pl_rec) == 64, "powerloss.py reads 64 bytes");

struct pl_map {
	uintptr_t	m_addr;
	size_t		m_len;
};

typedef int	(*open_fn)(const char *, int, ...);
typedef int	(*openat_fn)(int, const char *, int, ...);
typedef int	(*open2_fn)(const char *, int);
typedef int	(*openat2_fn)(int, const char *, int);
typedef ssize_t	(*write_fn)(int, const void *, size_t);
typedef ssize_t	(*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t	(*writev_fn)(int, const struct iovec *, int);
typedef ssize_t	(*pwritev_fn)(int, const struct iovec *, int, off_t);
typedef ssize_t	(*pwritev2_fn)(int, const struct iovec *, int, off_t,
		    int);
typedef int	(*fd_fn)(int);
typedef int	(*msync_fn)(void *, size_t, int);
typedef int	(*ftruncate_fn)(int, off_t);
typedef int	(*renameat_fn)(int, const char *, int, const char *);
typedef int	(*renameat2_fn)(int, const char *, int, const char *,
		    unsigned int);
typedef void	*(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int	(*mkdir_fn)(const char *, mode_t);
typedef int	(*mkdirat_fn)(int, const char *, mode_t);
typedef int	(*path_fn)(const char *);
typedef int	(*unlinkat_fn)(int, const char *, int);
typedef FILE	*(*fopen_fn)(const char *, const char *);

static struct {
	open_fn		open, open64;
	openat_fn	openat, openat64;
	open2_fn	open_2, open64_2;
	openat2_fn	openat_2, openat64_2;
	write_fn	write;
	pwrite_fn	pwrite, pwrite64;
	writev_fn	writev;
	pwritev_fn	pwritev, pwritev64;
	pwritev2_fn	pwritev2;
	fd_fn		fsync, fdatasync, close;
	msync_fn	msync;
	ftruncate_fn	ftruncate;
	renameat_fn	renameat;
	renameat2_fn	renameat2;
	mmap_fn		mmap;
	fopen_fn	fopen, fopen64;
	mkdir_fn	mkdir;
	mkdirat_fn	mkdirat;
	path_fn		unlink, rmdir;
	unlinkat_fn	unlinkat;
} real;

static atomic_uchar	 pl_watched[PL_MAXFD];
static atomic_int	 pl_ready;
static pthread_mutex_t	 pl_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t		 pl_seq;		/* under pl_lock */
static int		 pl_log = -1;
static int		 pl_nosync;		/* PL_NOSYNC_* */
static char		 pl_dir[PATH_MAX];	/* its realpath */
static size_t		 pl_dirlen;
static char		 pl_dirarg[PATH_MAX];	/* as given */
static size_t		 pl_dirarglen;
/* Shared maps of watched files, for msync; their own lock. */
static pthread_mutex_t	 pl_maplock = PTHREAD_MUTEX_INITIALIZER;
static struct pl_map	 pl_maps[PL_MAXMAP];
static int		 pl_nmaps;

static void	 pl_init(void) __attribute__((constructor));
static void	 pl_fini(void) __attribute__((destructor));
static void	 pl_resolve(void);
static void	*pl_sym(const char *);
static void	 pl_die(const char *);
static int	 pl_is_watched(int);
static int	 pl_under(const char *, const char *, size_t);
static int	 pl_path_under(int, const char *);
static int	 pl_fd_under(int);
static int	 pl_open_flags(int, const char *, int);
static void	 pl_opened(int, int, int, int, const char *);
static void	 pl_record(struct pl_rec *, const struct iovec *, int,
		    size_t);
static void	 pl_emit(enum pl_type, enum pl_call, int, int64_t, int64_t,
		    int64_t, int, int, const void *, size_t);
static void	 pl_emit_paths(enum pl_type, enum pl_call, int64_t,
		    const char *, const char *);
static void	 pl_wrote(enum pl_call, int, const struct iovec *, int,
		    int64_t, ssize_t, int);
static int	 pl_sync(enum pl_type, enum pl_call, fd_fn, int);
static int	 pl_in_map(const void *, size_t);
static int	 pl_rename_paths(int, const char *, int, const char *,
		    char *, char *);
static int	 pl_abs(int, const char *, char *, size_t);
static void	 pl_canon(char *);
static void	 pl_dirop(enum pl_type, enum pl_call, int, const char *,
		    int, int);

/* Reads the environment and opens the log before main() runs. */
static void
pl_init(void)
{
	const char	*dir, *log, *ns;
	char		 mode[16];

	pl_resolve();
	dir = getenv("QCREG_PL_DIR");
	log = getenv("QCREG_PL_LOG");
	ns = getenv("QCREG_PL_NOSYNC");
	if (dir == NULL || log == NULL)
		pl_die("QCREG_PL_DIR and QCREG_PL_LOG must be set");
	if (realpath(dir, pl_dir) == NULL)
		pl_die("QCREG_PL_DIR does not exist");
	pl_dirlen = strlen(pl_dir);
	if (strlen(dir) >= sizeof(pl_dirarg))
		pl_die("QCREG_PL_DIR is too long");
	strcpy(pl_dirarg, dir);
	pl_dirarglen = strlen(pl_dirarg);
	while (pl_dirarglen > 1 && pl_dirarg[pl_dirarglen - 1] == '/')
		pl_dirarg[--pl_dirarglen] = '\0';
	if (ns != NULL && strcmp(ns, "1") == 0)
		pl_nosync = PL_NOSYNC_ALL;
	else if (ns != NULL && strcmp(ns, "meta") == 0)
		pl_nosync = PL_NOSYNC_META;
	pl_log = real.open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	    O_CLOEXEC, 0600);
	if (pl_log == -1)
		pl_die("cannot open QCREG_PL_LOG");
	if (pl_fd_under(pl_log))
		pl_die("QCREG_PL_LOG is inside QCREG_PL_DIR");
	strcpy(mode, pl_nosync == PL_NOSYNC_ALL ? "nosync" :
	    pl_nosync == PL_NOSYNC_META ? "nometasync" : "sync");
	pl_emit_paths(PL_START, PC_NONE, (int64_t)getpid(), pl_dir, mode);
	atomic_store(&pl_ready, 1);
}

/* A clean exit writes the last record: a log without it was cut short. */
static void
pl_fini(void)
{
	if (atomic_load(&pl_ready))
		pl_emit(PL_END, PC_NONE, -1, 0, 0, 0, 0, 0, NULL, 0);
}

/* The definition that would have been called without the shim. */
static void *
pl_sym(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* The next definition of every function wrapped here. */
static void
pl_resolve(void)
{
	if (real.write != NULL)
		return;
	real.open = (open_fn)pl_sym("open");
	real.open64 = (open_fn)pl_sym("open64");
	real.openat = (openat_fn)pl_sym("openat");
	real.openat64 = (openat_fn)pl_sym("openat64");
	real.open_2 = (open2_fn)pl_sym("__open_2");
	real.open64_2 = (open2_fn)pl_sym("__open64_2");
	real.openat_2 = (openat2_fn)pl_sym("__openat_2");
	real.openat64_2 = (openat2_fn)pl_sym("__openat64_2");
	real.pwrite = (pwrite_fn)pl_sym("pwrite");
	real.pwrite64 = (pwrite_fn)pl_sym("pwrite64");
	real.writev = (writev_fn)pl_sym("writev");
	real.pwritev = (pwritev_fn)pl_sym("pwritev");
	real.pwritev64 = (pwritev_fn)pl_sym("pwritev64");
	real.pwritev2 = (pwritev2_fn)pl_sym("pwritev2");
	real.fsync = (fd_fn)pl_sym("fsync");
	real.fdatasync = (fd_fn)pl_sym("fdatasync");
	real.close = (fd_fn)pl_sym("close");
	real.msync = (msync_fn)pl_sym("msync");
	real.ftruncate = (ftruncate_fn)pl_sym("ftruncate");
	real.renameat = (renameat_fn)pl_sym("renameat");
	real.renameat2 = (renameat2_fn)pl_sym("renameat2");
	real.mmap = (mmap_fn)pl_sym("mmap");
	real.fopen = (fopen_fn)pl_sym("fopen");
	real.fopen64 = (fopen_fn)pl_sym("fopen64");
	real.mkdir = (mkdir_fn)pl_sym("mkdir");
	real.mkdirat = (mkdirat_fn)pl_sym("mkdirat");
	real.unlink = (path_fn)pl_sym("unlink");
	real.unlinkat = (unlinkat_fn)pl_sym("unlinkat");
	real.rmdir = (path_fn)pl_sym("rmdir");
	real.write = (write_fn)pl_sym("write");
	if (real.write == NULL || real.open == NULL || real.close == NULL)
		pl_die("dlsym(RTLD_NEXT) failed");
}

/* The recorder cannot do its job: say so and stop the process. */
static void
pl_die(const char *why)
{
	static const char	 pre[] = "qcreg recorder: ";

	(void)syscall(SYS_write, 2, pre, sizeof(pre) - 1);
	(void)syscall(SYS_write, 2, why, strlen(why));
	(void)syscall(SYS_write, 2, "\n", 1);
	abort();
}

/* Whether fd is of a file in the directory: one atomic load. */
static int
pl_is_watched(int fd)
{
	return fd >= 0 && fd < PL_MAXFD &&
	    atomic_load_explicit(&pl_watched[fd], memory_order_acquire);
}

/* Whether path is dir or inside it (textually). */
static int
pl_under(const char *path, const char *dir, size_t len)
{
	return len > 0 && strncmp(path, dir, len) == 0 &&
	    (path[len] == '\0' || path[len] == '/');
}

/* An absolute form of path, relative to dirfd; 0 or -1. */
static int
pl_abs(int dirfd, const char *path, char *out, size_t size)
{
	char	 base[PATH_MAX], proc[64];
	ssize_t	 n;

	if (path[0] == '/') {
		if (strlen(path) >= size)
			return -1;
		strcpy(out, path);
		return 0;
	}
	if (dirfd == AT_FDCWD) {
		if (getcwd(base, sizeof(base)) == NULL)
			return -1;
	} else {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
		if ((n = readlink(proc, base, sizeof(base) - 1)) <= 0)
			return -1;
		base[n] = '\0';
	}
	if ((size_t)snprintf(out, size, "%s/%s", base, path) >= size)
		return -1;
	return 0;
}

/* Whether an open of path (before it happens) is of a watched file. */
static int
pl_path_under(int dirfd, const char *path)
{
	char	 abs[PATH_MAX];

	if (path == NULL || pl_abs(dirfd, path, abs, sizeof(abs)) == -1)
		return 0;
	return pl_under(abs, pl_dir, pl_dirlen) ||
	    pl_under(abs, pl_dirarg, pl_dirarglen);
}

/* Whether an open descriptor is of a file in the directory. */
static int
pl_fd_under(int fd)
{
	char	 proc[64], path[PATH_MAX];
	ssize_t	 n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if ((n = readlink(proc, path, sizeof(path) - 1)) <= 0)
		return 0;
	path[n] = '\0';
	return pl_under(path, pl_dir, pl_dirlen);
}

/* The flags an open goes on with: the control drops the sync ones. */
static int
pl_open_flags(int dirfd, const char *path, int flags)
{
	if (pl_nosync && (flags & (O_DSYNC | O_SYNC)) != 0 &&
	    pl_path_under(dirfd, path))
		flags &= ~(O_DSYNC | O_SYNC);
	return flags;
}

/*
 * After an open: watch the descriptor if it is of the directory; flags
 * are those the open went on with, asked those it was called with.
 */
static void
pl_opened(int fd, int flags, int asked, int call, const char *path)
{
	char	 abs[PATH_MAX], proc[64];
	ssize_t	 n;

	if (fd < 0 || !atomic_load(&pl_ready) || !pl_fd_under(fd))
		return;
	if (fd >= PL_MAXFD) {
		pl_emit_paths(PL_UNSUPPORTED, (enum pl_call)call, fd,
		    "descriptor above PL_MAXFD", path);
		return;
	}
	if (pl_nosync && (flags & (O_DSYNC | O_SYNC)) != 0)
		pl_emit_paths(PL_UNSUPPORTED, (enum pl_call)call, fd,
		    "control: O_DSYNC open not stripped", path);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if ((n = readlink(proc, abs, sizeof(abs) - 1)) <= 0)
		return;
	abs[n] = '\0';
	atomic_store_explicit(&pl_watched[fd], 1, memory_order_release);
	pl_emit(PL_OPEN, (enum pl_call)call, fd, 0, 0, fd, flags, asked, abs,
	    (size_t)n + 1);
}

/*
 * Writes one record: h and the payload iov (total payload bytes n),
 * with its sequence number and time, all signals blocked.
 */
static void
pl_record(struct pl_rec *h, const struct iovec *iov, int iovcnt, size_t n)
{
	struct iovec	 v[PL_IOV + 1];
	struct timespec	 ts;
	sigset_t	 all, old;
	size_t		 left, skip;
	ssize_t		 w;
	int		 i, k, nv;

	h->r_magic = PL_MAGIC;
	h->r_size = (uint32_t)(sizeof(*h) + n);
	if (sizeof(*h) + n > UINT32_MAX)
		pl_die("record too large");
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_mutex_lock(&pl_lock);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	h->r_seq = ++pl_seq;
	h->r_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	/* The header, then the payload PL_IOV pieces at a time. */
	v[0].iov_base = h;
	v[0].iov_len = sizeof(*h);
	nv = 1;
	left = n;
	i = 0;
	skip = 0;
	for (;;) {
		while (nv <= PL_IOV && i < iovcnt && left > 0) {
			v[nv].iov_base = iov[i].iov_base;
			v[nv].iov_len = iov[i].iov_len < left ?
			    iov[i].iov_len : left;
			left -= v[nv].iov_len;
			nv++;
			i++;
		}
		/* Write v[0..nv) whole, resuming after short writes. */
		k = 0;
		while (k < nv) {
			w = syscall(SYS_writev, pl_log, &v[k], nv - k);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				pl_die("cannot write the log");
			skip = (size_t)w;
			while (k < nv && skip >= v[k].iov_len)
				skip -= v[k++].iov_len;
			if (k < nv) {
				v[k].iov_base = (char *)v[k].iov_base + skip;
				v[k].iov_len -= skip;
			}
		}
		if (left == 0 || i >= iovcnt)
			break;
		nv = 0;
	}
	pthread_mutex_unlock(&pl_lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* A record whose payload is n bytes at p. */
static void
pl_emit(enum pl_type type, enum pl_call call, int fd, int64_t off,
    int64_t len, int64_t ret, int flags, int aux, const void *p, size_t n)
{
	struct pl_rec	 h;
	struct iovec	 v;

	memset(&h, 0, sizeof(h));
	h.r_type = (uint16_t)type;
	h.r_call = (uint16_t)call;
	h.r_fd = fd;
	h.r_off = off;
	h.r_len = len;
	h.r_ret = ret;
	h.r_flags = flags;
	h.r_aux = aux;
	v.iov_base = (void *)(uintptr_t)p;
	v.iov_len = n;
	pl_record(&h, &v, 1, n);
}

/* A record whose payload is two NUL-terminated strings. */
static void
pl_emit_paths(enum pl_type type, enum pl_call call, int64_t ret,
    const char *a, const char *b)
{
	struct pl_rec	 h;
	struct iovec	 v[2];

	if (b == NULL)
		b = "";
	memset(&h, 0, sizeof(h));
	h.r_type = (uint16_t)type;
	h.r_call = (uint16_t)call;
	h.r_fd = -1;
	h.r_ret = ret;
	v[0].iov_base = (void *)(uintptr_t)a;
	v[0].iov_len = strlen(a) + 1;
	v[1].iov_base = (void *)(uintptr_t)b;
	v[1].iov_len = strlen(b) + 1;
	pl_record(&h, v, 2, v[0].iov_len + v[1].iov_len);
}

/*
 * After a write to a watched descriptor: off is where it was asked to go
 * (-1: at the file position), ret its result. A write at the position
 * went to the position after it less ret; on an O_APPEND descriptor
 * Linux appends even a pwrite, which went to the end of the file less
 * ret (one writer per file, as LMDB's writer holds its mutex).
 */
static void
pl_wrote(enum pl_call call, int fd, const struct iovec *iov, int iovcnt,
    int64_t off, ssize_t ret, int err)
{
	struct pl_rec	 h;
	struct stat	 sb;
	off_t		 pos;
	int		 fl;

	if (ret > 0 && off < 0) {
		if ((pos = lseek(fd, 0, SEEK_CUR)) == -1)
			pl_die("lseek on a watched descriptor failed");
		off = (int64_t)pos - ret;
	} else if (ret > 0 && (fl = fcntl(fd, F_GETFL)) != -1 &&
	    (fl & O_APPEND) != 0) {
		if (fstat(fd, &sb) == -1)
			pl_die("fstat on a watched descriptor failed");
		off = (int64_t)sb.st_size - ret;
	}
	memset(&h, 0, sizeof(h));
	h.r_type = PL_WRITE;
	h.r_call = (uint16_t)call;
	h.r_fd = fd;
	h.r_off = off;
	h.r_ret = ret >= 0 ? ret : -err;
	pl_record(&h, iov, iovcnt, ret > 0 ? (size_t)ret : 0);
	errno = err;
}

/* fsync or fdatasync: recorded when watched, skipped in the control. */
static int
pl_sync(enum pl_type type, enum pl_call call, fd_fn fn, int fd)
{
	int	 rc, err;

	if (!pl_is_watched(fd))
		return fn(fd);
	if (pl_nosync == PL_NOSYNC_ALL) {
		pl_emit(type, call, fd, 0, 0, 0, PL_DROPPED, 0, NULL, 0);
		return 0;
	}
	rc = fn(fd);
	err = errno;
	pl_emit(type, call, fd, 0, 0, rc == 0 ? 0 : -err, 0, 0, NULL, 0);
	errno = err;
	return rc;
}

/* Whether [p, p + len) meets a shared map of a watched file. */
static int
pl_in_map(const void *p, size_t len)
{
	uintptr_t	 a = (uintptr_t)p;
	int		 i, hit = 0;

	pthread_mutex_lock(&pl_maplock);
	for (i = 0; i < pl_nmaps && !hit; i++)
		hit = a < pl_maps[i].m_addr + pl_maps[i].m_len &&
		    pl_maps[i].m_addr < a + len;
	pthread_mutex_unlock(&pl_maplock);
	return hit;
}

/*
 * A path under the directory as given, rewritten under its realpath (the
 * form readlink gives the opens), so that the log names each file one way.
 */
static void
pl_canon(char *p)
{
	char	 t[PATH_MAX];

	if (pl_under(p, pl_dir, pl_dirlen) ||
	    !pl_under(p, pl_dirarg, pl_dirarglen) ||
	    pl_dirlen + strlen(p + pl_dirarglen) >= sizeof(t))
		return;
	snprintf(t, sizeof(t), "%s%s", pl_dir, p + pl_dirarglen);
	strcpy(p, t);
}

/* Absolute forms of both rename paths; whether either is watched. */
static int
pl_rename_paths(int ofd, const char *op, int nfd, const char *np,
    char *a, char *b)
{
	if (!atomic_load(&pl_ready) || pl_abs(ofd, op, a, PATH_MAX) == -1 ||
	    pl_abs(nfd, np, b, PATH_MAX) == -1)
		return 0;
	pl_canon(a);
	pl_canon(b);
	return pl_under(a, pl_dir, pl_dirlen) || pl_under(b, pl_dir, pl_dirlen);
}

/*
 * After a mkdir, an unlink or an rmdir (rc, errno err) of path relative
 * to dirfd: logged when the path is in the directory. The call ran
 * first: the log says what it did.
 */
static void
pl_dirop(enum pl_type type, enum pl_call call, int dirfd, const char *path,
    int rc, int err)
{
	char	 abs[PATH_MAX];

	if (path != NULL && atomic_load(&pl_ready) &&
	    pl_abs(dirfd, path, abs, sizeof(abs)) == 0) {
		pl_canon(abs);
		if (pl_under(abs, pl_dir, pl_dirlen))
			pl_emit_paths(type, call, rc == 0 ? 0 : -err, abs, "");
	}
	errno = err;
}

/* ---------------------------------------------------------------- opens */

#define PL_MODE(flags, mode) do {					\
	va_list	 ap;						\
	(mode) = 0;							\
	if (((flags) & O_CREAT) != 0 ||					\
	    ((flags) & O_TMPFILE) == O_TMPFILE) {			\
		va_start(ap, flags);					\
		(mode) = (mode_t)va_arg(ap, int);			\
		va_end(ap);						\
	}								\
} while (0)

/*
 * The opens: the control takes the sync flags off first; a descriptor of
 * the directory is watched from here on.
 */
int
open(const char *path, int flags, ...)
{
	mode_t	 mode;
	int	 fd, f;

	PL_MODE(flags, mode);
	pl_resolve();
	f = pl_open_flags(AT_FDCWD, path, flags);
	fd = real.open(path, f, mode);
	pl_opened(fd, f, flags, PC_OPEN, path);
	return fd;
}

int
open64(const char *path, int flags, ...)
{
	mode_t	 mode;
	int	 fd, f;

	PL_MODE(flags, mode);
	pl_resolve();
	f = pl_open_flags(AT_FDCWD, path, flags);
	fd = (real.open64 ? real.open64 : real.open)(path, f, mode);
	pl_opened(fd, f, flags, PC_OPEN, path);
	return fd;
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t	 mode;
	int	 fd, f;

	PL_MODE(flags, mode);
	pl_resolve();
	f = pl_open_flags(dirfd, path, flags);
	fd = real.openat(dirfd, path, f, mode);
	pl_opened(fd, f, flags, PC_OPENAT, path);
	return fd;
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t	 mode;
	int	 fd, f;

	PL_MODE(flags, mode);
	pl_resolve();
	f = pl_open_flags(dirfd, path, flags);
	fd = (real.openat64 ? real.openat64 : real.openat)(dirfd, path, f,
	    mode);
	pl_opened(fd, f, flags, PC_OPENAT, path);
	return fd;
}

int	 __open_2(const char *, int);
int	 __open64_2(const char *, int);
int	 __openat_2(int, const char *, int);
int	 __openat64_2(int, const char *, int);

int
__open_2(const char *path, int flags)
{
	int	 fd, f;

	pl_resolve();
	f = pl_open_flags(AT_FDCWD, path, flags);
	fd = real.open_2 ? real.open_2(path, f) : real.open(path, f);
	pl_opened(fd, f, flags, PC_OPEN, path);
	return fd;
}

int
__open64_2(const char *path, int flags)
{
	int	 fd, f;

	pl_resolve();
	f = pl_open_flags(AT_FDCWD, path, flags);
	fd = real.open64_2 ? real.open64_2(path, f) : real.open(path, f);
	pl_opened(fd, f, flags, PC_OPEN, path);
	return fd;
}

int
__openat_2(int dirfd, const char *path, int flags)
{
	int	 fd, f;

	pl_resolve();
	f = pl_open_flags(dirfd, path, flags);
	fd = real.openat_2 ? real.openat_2(dirfd, path, f) :
	    real.openat(dirfd, path, f);
	pl_opened(fd, f, flags, PC_OPENAT, path);
	return fd;
}

int
__openat64_2(int dirfd, const char *path, int flags)
{
	int	 fd, f;

	pl_resolve();
	f = pl_open_flags(dirfd, path, flags);
	fd = real.openat64_2 ? real.openat64_2(dirfd, path, f) :
	    real.openat(dirfd, path, f);
	pl_opened(fd, f, flags, PC_OPENAT, path);
	return fd;
}

int
creat(const char *path, mode_t mode)
{
	int	 fd, f;

	pl_resolve();
	f = pl_open_flags(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC);
	fd = real.open(path, f, mode);
	pl_opened(fd, f, O_CREAT | O_WRONLY | O_TRUNC, PC_CREAT, path);
	return fd;
}

int
creat64(const char *path, mode_t mode)
{
	return creat(path, mode);
}

/* stdio writes are not recorded: a watched fopen for writing says so. */
FILE *
fopen(const char *path, const char *mode)
{
	FILE	*f;

	pl_resolve();
	f = real.fopen(path, mode);
	if (f != NULL && atomic_load(&pl_ready) && strpbrk(mode, "wa+") &&
	    pl_fd_under(fileno(f)))
		pl_emit_paths(PL_UNSUPPORTED, PC_FOPEN, fileno(f),
		    "fopen for writing", path);
	return f;
}

FILE *
fopen64(const char *path, const char *mode)
{
	FILE	*f;

	pl_resolve();
	f = (real.fopen64 ? real.fopen64 : real.fopen)(path, mode);
	if (f != NULL && atomic_load(&pl_ready) && strpbrk(mode, "wa+") &&
	    pl_fd_under(fileno(f)))
		pl_emit_paths(PL_UNSUPPORTED, PC_FOPEN, fileno(f),
		    "fopen for writing", path);
	return f;
}

/* ---------------------------------------------------------------- writes */

/* The writes: unwatched ones go straight through. */
ssize_t
write(int fd, const void *buf, size_t n)
{
	struct iovec	 v;
	ssize_t		 r;

	if (real.write == NULL)
		pl_resolve();
	if (!pl_is_watched(fd))
		return real.write(fd, buf, n);
	r = real.write(fd, buf, n);
	v.iov_base = (void *)(uintptr_t)buf;
	v.iov_len = n;
	pl_wrote(PC_WRITE, fd, &v, 1, -1, r, errno);
	return r;
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	struct iovec	 v;
	ssize_t		 r;

	if (real.pwrite == NULL)
		pl_resolve();
	if (!pl_is_watched(fd))
		return real.pwrite(fd, buf, n, off);
	r = real.pwrite(fd, buf, n, off);
	v.iov_base = (void *)(uintptr_t)buf;
	v.iov_len = n;
	pl_wrote(PC_PWRITE, fd, &v, 1, (int64_t)off, r, errno);
	return r;
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	struct iovec	 v;
	ssize_t		 r;

	if (real.pwrite64 == NULL)
		pl_resolve();
	if (!pl_is_watched(fd))
		return real.pwrite64(fd, buf, n, off);
	r = real.pwrite64(fd, buf, n, off);
	v.iov_base = (void *)(uintptr_t)buf;
	v.iov_len = n;
	pl_wrote(PC_PWRITE64, fd, &v, 1, (int64_t)off, r, errno);
	return r;
}

ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	ssize_t	 r;

	if (real.writev == NULL)
		pl_resolve();
	if (!pl_is_watched(fd))
		return real.writev(fd, iov, cnt);
	r = real.writev(fd, iov, cnt);
	pl_wrote(PC_WRITEV, fd, iov, cnt, -1, r, errno);
	return r;
}

ssize_t
pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	ssize_t	 r;

	if (real.pwritev == NULL)
		pl_resolve();
	if (!pl_is_watched(fd))
		return real.pwritev(fd, iov, cnt, off);
	r = real.pwritev(fd, iov, cnt, off);
	pl_wrote(PC_PWRITEV, fd, iov, cnt, (int64_t)off, r, errno);
	return r;
}

ssize_t
pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
	ssize_t	 r;

	if (real.pwritev == NULL)
		pl_resolve();
	if (!pl_is_watched(fd))
		return (real.pwritev64 ? real.pwritev64 : real.pwritev)(fd,
		    iov, cnt, off);
	r = (real.pwritev64 ? real.pwritev64 : real.pwritev)(fd, iov, cnt,
	    off);
	pl_wrote(PC_PWRITEV, fd, iov, cnt, (int64_t)off, r, errno);
	return r;
}

/* RWF_DSYNC would be a sync the model does not know: said, not hidden. */
ssize_t
pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	struct stat	 sb;
	ssize_t		 r;
	int		 err;

	if (real.pwritev2 == NULL)
		pl_resolve();
	if (!pl_is_watched(fd))
		return real.pwritev2(fd, iov, cnt, off, flags);
	if (pl_nosync)
		flags &= ~(RWF_DSYNC | RWF_SYNC);
	else if (flags & (RWF_DSYNC | RWF_SYNC))
		pl_emit_paths(PL_UNSUPPORTED, PC_PWRITEV2, fd,
		    "pwritev2 with RWF_DSYNC", "");
	r = real.pwritev2(fd, iov, cnt, off, flags);
	err = errno;
	/* RWF_APPEND: at the end, as O_APPEND. */
	if (r > 0 && (flags & RWF_APPEND) != 0) {
		if (fstat(fd, &sb) == -1)
			pl_die("fstat on a watched descriptor failed");
		off = sb.st_size - r;
	}
	pl_wrote(PC_PWRITEV2, fd, iov, cnt, (int64_t)off, r, err);
	return r;
}

ssize_t
pwritev64v2(int fd, const struct iovec *iov, int cnt, off64_t off,
    int flags)
{
	return pwritev2(fd, iov, cnt, (off_t)off, flags);
}

/* ---------------------------------------------------------------- syncs */

/* The syncs: msync counts when its range meets a watched shared map. */
int
fsync(int fd)
{
	pl_resolve();
	return pl_sync(PL_FSYNC, PC_FSYNC, real.fsync, fd);
}

int
fdatasync(int fd)
{
	pl_resolve();
	return pl_sync(PL_FDATASYNC, PC_FDATASYNC, real.fdatasync, fd);
}

int
msync(void *p, size_t len, int flags)
{
	int	 rc, err, hit;

	pl_resolve();
	hit = atomic_load(&pl_ready) && pl_in_map(p, len);
	if (!hit)
		return real.msync(p, len, flags);
	if (pl_nosync == PL_NOSYNC_ALL) {
		pl_emit(PL_MSYNC, PC_MSYNC, -1, (int64_t)(uintptr_t)p,
		    (int64_t)len, 0, PL_DROPPED, flags, NULL, 0);
		return 0;
	}
	rc = real.msync(p, len, flags);
	err = errno;
	pl_emit(PL_MSYNC, PC_MSYNC, -1, (int64_t)(uintptr_t)p, (int64_t)len,
	    rc == 0 ? 0 : -err, 0, flags, NULL, 0);
	errno = err;
	return rc;
}

/* ---------------------------------------------------------------- the rest */

/* Truncation and renames change files without writing them. */
int
ftruncate(int fd, off_t len)
{
	int	 rc, err;

	pl_resolve();
	if (!pl_is_watched(fd))
		return real.ftruncate(fd, len);
	rc = real.ftruncate(fd, len);
	err = errno;
	pl_emit(PL_FTRUNCATE, PC_FTRUNCATE, fd, (int64_t)len, 0,
	    rc == 0 ? 0 : -err, 0, 0, NULL, 0);
	errno = err;
	return rc;
}

int
ftruncate64(int fd, off64_t len)
{
	return ftruncate(fd, (off_t)len);
}

int
renameat2(int ofd, const char *op, int nfd, const char *np,
    unsigned int flags)
{
	char	 a[PATH_MAX], b[PATH_MAX];
	int	 rc, err, watched;

	pl_resolve();
	watched = pl_rename_paths(ofd, op, nfd, np, a, b);
	if (flags == 0)
		rc = real.renameat(ofd, op, nfd, np);
	else if (real.renameat2 != NULL)
		rc = real.renameat2(ofd, op, nfd, np, flags);
	else {
		errno = ENOSYS;
		rc = -1;
	}
	err = errno;
	if (watched)
		pl_emit_paths(flags ? PL_UNSUPPORTED : PL_RENAME,
		    flags ? PC_RENAMEAT2 : PC_RENAMEAT, rc == 0 ? 0 : -err,
		    a, b);
	errno = err;
	return rc;
}

int
renameat(int ofd, const char *op, int nfd, const char *np)
{
	return renameat2(ofd, op, nfd, np, 0);
}

int
rename(const char *op, const char *np)
{
	return renameat2(AT_FDCWD, op, AT_FDCWD, np, 0);
}

/* The directory entries: made and taken away. */
int
mkdir(const char *path, mode_t mode)
{
	int	 rc;

	pl_resolve();
	rc = real.mkdir(path, mode);
	pl_dirop(PL_MKDIR, PC_MKDIR, AT_FDCWD, path, rc, errno);
	return rc;
}

int
mkdirat(int dirfd, const char *path, mode_t mode)
{
	int	 rc;

	pl_resolve();
	rc = real.mkdirat(dirfd, path, mode);
	pl_dirop(PL_MKDIR, PC_MKDIRAT, dirfd, path, rc, errno);
	return rc;
}

int
unlink(const char *path)
{
	int	 rc;

	pl_resolve();
	rc = real.unlink(path);
	pl_dirop(PL_UNLINK, PC_UNLINK, AT_FDCWD, path, rc, errno);
	return rc;
}

int
unlinkat(int dirfd, const char *path, int flags)
{
	int	 rc;

	pl_resolve();
	rc = real.unlinkat(dirfd, path, flags);
	pl_dirop((flags & AT_REMOVEDIR) ? PL_RMDIR : PL_UNLINK, PC_UNLINKAT,
	    dirfd, path, rc, errno);
	return rc;
}

int
rmdir(const char *path)
{
	int	 rc;

	pl_resolve();
	rc = real.rmdir(path);
	pl_dirop(PL_RMDIR, PC_RMDIR, AT_FDCWD, path, rc, errno);
	return rc;
}

int
close(int fd)
{
	int	 rc, err;

	if (real.close == NULL)
		pl_resolve();
	if (!pl_is_watched(fd))
		return real.close(fd);
	/* Unwatched before the number can be reused by another thread. */
	atomic_store_explicit(&pl_watched[fd], 0, memory_order_release);
	rc = real.close(fd);
	err = errno;
	pl_emit(PL_CLOSE, PC_CLOSE, fd, 0, 0, rc == 0 ? 0 : -err, 0, 0, NULL,
	    0);
	errno = err;
	return rc;
}

/*
 * dlsym itself may allocate and so map memory: until the next mmap is
 * known, go to the kernel directly.
 */
void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void	*p;

	if (real.mmap == NULL)
		p = (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	else
		p = real.mmap(addr, len, prot, flags, fd, off);
	if (p == MAP_FAILED || !pl_is_watched(fd) ||
	    (flags & MAP_SHARED) == 0)
		return p;
	pthread_mutex_lock(&pl_maplock);
	if (pl_nmaps < PL_MAXMAP) {
		pl_maps[pl_nmaps].m_addr = (uintptr_t)p;
		pl_maps[pl_nmaps++].m_len = len;
	}
	pthread_mutex_unlock(&pl_maplock);
	pl_emit(PL_MMAP, PC_MMAP, fd, (int64_t)(uintptr_t)p, (int64_t)len,
	    (int64_t)off, flags, prot, NULL, 0);
	return p;
}

void *
mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	return mmap(addr, len, prot, flags, fd, (off_t)off);
}
