/*
 * The writer thread and its group commit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "date.h"
#include "log.h"
#include "metrics.h"
#include "merkle.h"
#include "names.h"
#include "verify.h"
#include "writer_int.h"

/* Housekeeping (writer_sweep.c) runs at start and then this often. */
#define WRITER_SWEEP_SECONDS	3600

/* The next housekeeping of a replica: none (2100-01-01). */
#define WRITER_NEVER		((time_t)4102444800)

/* Receivers woken once per batch; past this many, at once. */
#define WRITER_WAKES_MAX	64
/* Idle this long with names pending, the writer merges them (names.h). */
#define WRITER_IDLE_MS		200

/* Below this much free space a failed write is put down to a full disk. */
#define WRITER_DISK_LOW	(4 * 1024 * 1024)

struct writer {
	struct store		*wt_store;
	const struct config	*wt_cfg;
	pthread_t		 wt_thread;
	pthread_mutex_t		 wt_mtx;
	pthread_cond_t		 wt_cond;
	struct write_req	*wt_head;	/* FIFO, under wt_mtx */
	struct write_req	**wt_tail;
	int			 wt_stopping;
	/* Set after a commit failed for good: why writes stopped. */
	char			 wt_broken[FAULT_MSG_MAX];
	/* The committed head of the change log. */
	uint64_t		 wt_seq;
	uint8_t			 wt_hash[STORE_HASH_LEN];
	msgpack_sbuffer		 wt_rec;	/* scratch */
	time_t			 wt_next_sweep;	/* 0: at start */
	/* The check of the stored log at start (verify.c), in the background. */
	pthread_t		 wt_verifier;
	uint64_t		 wt_verify_head;
	volatile int		 wt_verify_stop;
	int			 wt_verifying;	/* wt_verifier was started */
	/* Told when the log grows (under wt_mtx). */
	void			(*wt_grew)(void *);
	void			*wt_grew_arg;
	/* Names written since bigrams last took them (names.h). */
	size_t			 wt_names_pending;
};

static void	*writer_main(void *);
static void	 writer_batch(struct writer *, struct write_req *);
static void	 writer_deliver(struct write_req *);
static int	 writer_disk_full(struct writer *, int);
static void	 writer_failed(struct writer *, struct write_req *, int);
static void	 writer_keep_reads(struct store *);
static void	 sbuffer_trim(msgpack_sbuffer *);
static int	 writer_commit(struct writer *, struct write_req *,
		    struct chain *);
static void	 writer_housekeep(struct writer *);
static void	 writer_names_merge(struct writer *, int);
static int	 writer_set_head(struct store *, MDB_txn *,
		    const struct chain *);
static int	 writer_tree_catch_up(struct writer *);
static void	*writer_verify_main(void *);
static int	 writer_sweep_once(struct writer *, int *more);
static void	 writer_publish(struct writer *, const struct chain *);

struct write_req *
write_req_new(void)
{
	struct write_req	*wr;

	if ((wr = calloc(1, sizeof(*wr))) == NULL)
		return NULL;
	msgpack_sbuffer_init(&wr->wr_fields);
	return wr;
}

void
write_req_free(struct write_req *wr)
{
	if (wr == NULL)
		return;
	msgpack_sbuffer_destroy(&wr->wr_fields);
	free(wr->wr_reason);
	free(wr->wr_text);
	free(wr);
}

/* Gives back the slack of a prepared write: many may wait in the queue. */
static void
sbuffer_trim(msgpack_sbuffer *sb)
{
	char	*p;

	if (sb->size == 0 || sb->size == sb->alloc ||
	    (p = realloc(sb->data, sb->size)) == NULL)
		return;
	sb->data = p;
	sb->alloc = sb->size;
}

void
write_req_trim(struct write_req *wr)
{
	sbuffer_trim(&wr->wr_fields);
}

/* The result is the first member of its write request. */
void
write_result_free(struct write_result *res)
{
	write_req_free((struct write_req *)res);
}

/* The head of the log and the size of its Merkle tree move together. */
static int
writer_set_head(struct store *st, MDB_txn *txn, const struct chain *ch)
{
	int	 rc;

	if ((rc = store_set_head(st, txn, ch->ch_seq, ch->ch_hash)) != 0)
		return rc;
	return merkle_set_size(st, txn, ch->ch_seq);
}

/* Records a tree catch-up transaction covers. */
#define WRITER_TREE_CHUNK	100000

/*
 * A store written before the Merkle tree existed gets it now, a chunk
 * of records per transaction (the map grows as it needs).
 */
static int
writer_tree_catch_up(struct writer *wt)
{
	struct store	*st = wt->wt_store;
	MDB_txn		*txn;
	uint64_t	 added, total = 0;
	int		 rc;

	do {
		if ((rc = mdb_txn_begin(st->s_env, NULL, 0, &txn)) != 0)
			break;
		if ((rc = merkle_catch_up(st, txn, wt->wt_seq,
		    WRITER_TREE_CHUNK, &added)) != 0) {
			mdb_txn_abort(txn);
			if (rc == MDB_MAP_FULL &&
			    store_grow(st, wt->wt_cfg->map_max) == 0) {
				added = 1;	/* try the chunk again */
				continue;
			}
			break;
		}
		if ((rc = mdb_txn_commit(txn)) != 0)
			break;
		total += added;
	} while (added > 0);
	if (rc != 0) {
		log_warnx("building the Merkle tree: %s", mdb_strerror(rc));
		return -1;
	}
	if (total > 0)
		log_info("Merkle tree built over %" PRIu64 " change records",
		    total);
	return 0;
}

struct writer *
writer_start(struct store *st, const struct config *cfg)
{
	struct writer	*wt;
	MDB_txn		*txn;
	int		 rc;

	if ((wt = calloc(1, sizeof(*wt))) == NULL)
		return NULL;
	wt->wt_store = st;
	wt->wt_cfg = cfg;
	wt->wt_tail = &wt->wt_head;
	msgpack_sbuffer_init(&wt->wt_rec);
	if ((rc = mdb_txn_begin(st->s_env, NULL, MDB_RDONLY,
	    &txn)) != 0) {
		log_warnx("lmdb: %s", mdb_strerror(rc));
		free(wt);
		return NULL;
	}
	/* Names a stop left pending are merged when the writer is idle. */
	if ((rc = store_head(st, txn, &wt->wt_seq, wt->wt_hash)) == 0)
		rc = names_pending(st, txn, &wt->wt_names_pending);
	mdb_txn_abort(txn);
	if (rc != 0) {
		log_warnx("reading the change log head: %s", mdb_strerror(rc));
		free(wt);
		return NULL;
	}
	if (writer_tree_catch_up(wt) != 0) {
		free(wt);
		return NULL;
	}
	wt->wt_verify_head = wt->wt_seq;
	/* A replica withdraws nothing itself: its primary's records do. */
	if (cfg->replica_of[0] != '\0')
		wt->wt_next_sweep = WRITER_NEVER;
	if (pthread_mutex_init(&wt->wt_mtx, NULL) != 0 ||
	    pthread_cond_init(&wt->wt_cond, NULL) != 0 ||
	    pthread_create(&wt->wt_thread, NULL, writer_main, wt) != 0) {
		log_warnx("cannot start the writer thread");
		free(wt);
		return NULL;
	}
	if (pthread_create(&wt->wt_verifier, NULL, writer_verify_main,
	    wt) == 0)
		wt->wt_verifying = 1;
	else
		log_warnx("cannot start the check of the stored log; it is "
		    "not checked");
	log_info("change log head at seq %" PRIu64, wt->wt_seq);
	return wt;
}

int
writer_submit(struct writer *wt, struct write_req *wr, struct fault *f)
{
	pthread_mutex_lock(&wt->wt_mtx);
	if (wt->wt_stopping || wt->wt_broken[0] != '\0') {
		if (wt->wt_broken[0] != '\0')
			fault_set(f, QC_E_READ_ONLY, "%s", wt->wt_broken);
		else
			fault_set(f, QC_E_UNAVAILABLE,
			    "the server is shutting down");
		pthread_mutex_unlock(&wt->wt_mtx);
		return -1;
	}
	wr->wr_next = NULL;
	*wt->wt_tail = wr;
	wt->wt_tail = &wr->wr_next;
	pthread_cond_signal(&wt->wt_cond);
	pthread_mutex_unlock(&wt->wt_mtx);
	return 0;
}

/*
 * Checks the log as it was at start, record by record and node by node,
 * while the server serves. Something in it that does not hold means the
 * data files were changed outside qcregd: writes stop (read_only, with
 * the reason) until an operator has looked; reads go on.
 */
static void *
writer_verify_main(void *arg)
{
	struct writer	*wt = arg;
	char		 why[FAULT_MSG_MAX - 96];
	int		 rc;

	rc = verify_log(wt->wt_store, wt->wt_verify_head, &wt->wt_verify_stop,
	    why, sizeof(why));
	if (rc == 0 && !wt->wt_verify_stop)
		log_info("the stored log verifies: %" PRIu64 " change records "
		    "and their Merkle tree", wt->wt_verify_head);
	else if (rc < 0)
		log_warnx("could not check the stored log: %s", why);
	else if (rc > 0) {
		pthread_mutex_lock(&wt->wt_mtx);
		snprintf(wt->wt_broken, sizeof(wt->wt_broken), "writes "
		    "stopped: the data files were changed outside qcregd: %s",
		    why);
		pthread_mutex_unlock(&wt->wt_mtx);
		log_warnx("TAMPER: %s; writes stopped, reads go on; check the "
		    "log with qcreg verify and restore from a backup", why);
	}
	return NULL;
}

uint64_t
writer_head(struct writer *wt)
{
	return __atomic_load_n(&wt->wt_seq, __ATOMIC_ACQUIRE);
}

void
writer_stop(struct writer *wt)
{
	wt->wt_verify_stop = 1;
	if (wt->wt_verifying)
		pthread_join(wt->wt_verifier, NULL);
	pthread_mutex_lock(&wt->wt_mtx);
	wt->wt_stopping = 1;
	pthread_cond_signal(&wt->wt_cond);
	pthread_mutex_unlock(&wt->wt_mtx);
	pthread_join(wt->wt_thread, NULL);
	pthread_mutex_destroy(&wt->wt_mtx);
	pthread_cond_destroy(&wt->wt_cond);
	msgpack_sbuffer_destroy(&wt->wt_rec);
	free(wt);
}

/*
 * Takes everything queued, applies it as one transaction, repeats; does
 * the housekeeping when its hour has come.
 */
static void *
writer_main(void *arg)
{
	struct writer		*wt = arg;
	struct write_req	*batch;
	struct timespec		 until;

	for (;;) {
		pthread_mutex_lock(&wt->wt_mtx);
		while (wt->wt_head == NULL && !wt->wt_stopping &&
		    time(NULL) < wt->wt_next_sweep) {
			/* Idle for a moment with names pending: merge them. */
			if (wt->wt_names_pending > 0) {
				clock_gettime(CLOCK_REALTIME, &until);
				until.tv_nsec += WRITER_IDLE_MS * 1000000L;
				if (until.tv_nsec >= 1000000000L) {
					until.tv_sec++;
					until.tv_nsec -= 1000000000L;
				}
				if (pthread_cond_timedwait(&wt->wt_cond,
				    &wt->wt_mtx, &until) == ETIMEDOUT &&
				    wt->wt_head == NULL && !wt->wt_stopping) {
					pthread_mutex_unlock(&wt->wt_mtx);
					writer_names_merge(wt, 1);
					pthread_mutex_lock(&wt->wt_mtx);
				}
				continue;
			}
			until.tv_sec = wt->wt_next_sweep;
			until.tv_nsec = 0;
			pthread_cond_timedwait(&wt->wt_cond, &wt->wt_mtx,
			    &until);
		}
		batch = wt->wt_head;
		wt->wt_head = NULL;
		wt->wt_tail = &wt->wt_head;
		pthread_mutex_unlock(&wt->wt_mtx);
		if (batch != NULL)
			writer_batch(wt, batch);
		else if (wt->wt_stopping)
			break;
		if (time(NULL) >= wt->wt_next_sweep)
			writer_housekeep(wt);
	}
	return NULL;
}

/* One housekeeping transaction; the LMDB code. */
static int
writer_sweep_once(struct writer *wt, int *more)
{
	struct store	*st = wt->wt_store;
	struct chain	 ch;
	MDB_txn		*txn;
	time_t		 now = time(NULL);
	int		 rc;

	ch.ch_seq = wt->wt_seq;
	memcpy(ch.ch_hash, wt->wt_hash, STORE_HASH_LEN);
	if ((rc = mdb_txn_begin(st->s_env, NULL, 0, &txn)) != 0)
		return rc;
	if ((rc = writer_sweep(st, txn, wt->wt_cfg, &ch, &wt->wt_rec,
	    qc_date_today(now, wt->wt_cfg->utc_offset), more)) == 0 &&
	    (rc = writer_idem_purge(st, txn, (uint64_t)now)) == 0 &&
	    ch.ch_seq != wt->wt_seq)
		rc = writer_set_head(st, txn, &ch);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return rc;
	if (ch.ch_seq != wt->wt_seq)
		log_info("withdrew %" PRIu64 " long-expired entries",
		    ch.ch_seq - wt->wt_seq);
	writer_publish(wt, &ch);
	return 0;
}

/*
 * Withdraws what has expired for longer than its list publishes it and
 * forgets old retry keys, a batch per transaction. Writes queued
 * meanwhile wait at most one batch.
 */
static void
writer_housekeep(struct writer *wt)
{
	int	 rc, more = 1;

	wt->wt_next_sweep = time(NULL) + WRITER_SWEEP_SECONDS;
	if (wt->wt_broken[0] != '\0')
		return;
	while (more) {
		rc = writer_sweep_once(wt, &more);
		if (rc == MDB_MAP_FULL &&
		    store_grow(wt->wt_store, wt->wt_cfg->map_max) == 0)
			continue;
		if (rc != 0) {
			writer_failed(wt, NULL, rc);
			return;
		}
	}
}

/*
 * Applies a batch in one transaction and commits it; the LMDB code.
 * On success ch holds the new head of the change log.
 */
static int
writer_commit(struct writer *wt, struct write_req *batch, struct chain *ch)
{
	struct store		*st = wt->wt_store;
	struct write_req	*wr;
	MDB_txn			*txn;
	int			 rc;

	ch->ch_seq = wt->wt_seq;
	memcpy(ch->ch_hash, wt->wt_hash, STORE_HASH_LEN);
	if ((rc = mdb_txn_begin(st->s_env, NULL, 0, &txn)) != 0)
		return rc;
	for (wr = batch; wr != NULL && rc == 0; wr = wr->wr_next) {
		wr->wr_res.wres_fault.f_code = QC_OK;
		if (wr->wr_op != WR_REPLAY)
			rc = writer_apply(st, txn, wt->wt_cfg, wr, ch,
			    &wt->wt_rec);
		else if ((rc = writer_replay(st, txn, wt->wt_cfg, wr, ch,
		    &wt->wt_rec)) == 0 &&
		    wr->wr_res.wres_fault.f_code != QC_OK) {
			/* A replica applies a page whole or not at all. */
			mdb_txn_abort(txn);
			ch->ch_seq = wt->wt_seq;
			memcpy(ch->ch_hash, wt->wt_hash, STORE_HASH_LEN);
			return 0;
		}
	}
	if (rc == 0 && ch->ch_seq != wt->wt_seq)
		rc = writer_set_head(st, txn, ch);
	if (rc == 0)
		rc = names_pending(st, txn, &wt->wt_names_pending);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	/* Commit syncs: nothing is answered before it is durable. */
	return mdb_txn_commit(txn);
}

/*
 * Moves the names written lately into the bigram index, a chunk a
 * transaction: all of them when idle (a write that comes goes first),
 * else down to half the cap (names.h).
 */
static void
writer_names_merge(struct writer *wt, int idle)
{
	struct store	*st = wt->wt_store;
	MDB_txn		*txn;
	int		 rc, busy;

	while (wt->wt_names_pending > (idle ? 0 : NAMES_PENDING_MAX / 2)) {
		pthread_mutex_lock(&wt->wt_mtx);
		busy = idle && (wt->wt_head != NULL || wt->wt_stopping);
		pthread_mutex_unlock(&wt->wt_mtx);
		if (busy || wt->wt_broken[0] != '\0')
			return;
		if ((rc = mdb_txn_begin(st->s_env, NULL, 0, &txn)) == 0) {
			if ((rc = names_merge(st, txn, NAMES_MERGE_CHUNK)) ==
			    0 && (rc = names_pending(st, txn,
			    &wt->wt_names_pending)) == 0)
				rc = mdb_txn_commit(txn);
			else
				mdb_txn_abort(txn);
		}
		if (rc == MDB_MAP_FULL &&
		    store_grow(st, wt->wt_cfg->map_max) == 0)
			continue;
		if (rc != 0) {
			writer_failed(wt, NULL, rc);
			return;
		}
	}
}

/*
 * A write that fails part-way on a full disk may come back as EIO rather
 * than ENOSPC: look at the free space to tell the client the real cause.
 */
static int
writer_disk_full(struct writer *wt, int rc)
{
	struct statvfs	 sv;

	if (rc == ENOSPC)
		return 1;
	if (rc != EIO || statvfs(wt->wt_cfg->data_dir, &sv) == -1)
		return 0;
	return (uint64_t)sv.f_bavail * sv.f_frsize < WRITER_DISK_LOW;
}

/*
 * A batch that did not commit is answered, never acknowledged. A full map
 * or disk passes (unavailable, retry later). Any other failure -- an I/O
 * error writing or syncing the data file -- stops writes for good: after
 * a failed fsync the kernel may have dropped the dirty pages, and the
 * file on disk may differ from what LMDB believes it wrote. Reads go on.
 */
static void
writer_failed(struct writer *wt, struct write_req *batch, int rc)
{
	struct write_req	*wr;
	enum qc_err		 code = QC_E_UNAVAILABLE;
	char			 why[FAULT_MSG_MAX];

	if (rc == MDB_MAP_FULL)
		snprintf(why, sizeof(why), "storage is full; the operator "
		    "must raise map_max_mb");
	else if (writer_disk_full(wt, rc))
		snprintf(why, sizeof(why), "disk is full");
	else {
		code = QC_E_READ_ONLY;
		snprintf(why, sizeof(why), "writes stopped after a storage "
		    "error (%s); the operator must check the disk and "
		    "restart", mdb_strerror(rc));
		pthread_mutex_lock(&wt->wt_mtx);
		memcpy(wt->wt_broken, why, sizeof(why));
		pthread_mutex_unlock(&wt->wt_mtx);
		log_warnx("writes stopped: a commit failed: %s; reads go on; "
		    "check the disk, then restart qcregd", mdb_strerror(rc));
		writer_keep_reads(wt->wt_store);
	}
	if (code == QC_E_UNAVAILABLE)
		log_warnx("write batch failed: %s: %s", mdb_strerror(rc), why);
	for (wr = batch; wr != NULL; wr = wr->wr_next)
		fault_set(&wr->wr_res.wres_fault, code, "%s", why);
}

/*
 * A failed meta page write makes LMDB refuse reads too (MDB_PANIC): the
 * data is then reopened read-only.
 */
static void
writer_keep_reads(struct store *st)
{
	MDB_txn	*txn;
	int	 rc;

	if ((rc = mdb_txn_begin(st->s_env, NULL, MDB_RDONLY, &txn)) == 0)
		mdb_txn_abort(txn);
	else if (rc == MDB_PANIC)
		(void)store_reopen_read_only(st);
}

/* The committed head moves to ch; whoever waits for the log is told. */
static void
writer_publish(struct writer *wt, const struct chain *ch)
{
	void	(*fn)(void *);
	void	*arg;
	int	 grew = ch->ch_seq != wt->wt_seq;

	memcpy(wt->wt_hash, ch->ch_hash, STORE_HASH_LEN);
	__atomic_store_n(&wt->wt_seq, ch->ch_seq, __ATOMIC_RELEASE);
	pthread_mutex_lock(&wt->wt_mtx);
	fn = wt->wt_grew;
	arg = wt->wt_grew_arg;
	pthread_mutex_unlock(&wt->wt_mtx);
	if (grew && fn != NULL)
		fn(arg);
}

void
writer_on_commit(struct writer *wt, void (*fn)(void *), void *arg)
{
	pthread_mutex_lock(&wt->wt_mtx);
	wt->wt_grew = fn;
	wt->wt_grew_arg = arg;
	pthread_mutex_unlock(&wt->wt_mtx);
}

static void
writer_batch(struct writer *wt, struct write_req *batch)
{
	struct chain		 ch;
	struct write_req	*wr;
	uint64_t		 t0 = metrics_now_usec();
	unsigned		 n = 0;
	int			 rc;

	/* A full map dooms the transaction: grow, then replay it all. */
	while ((rc = writer_commit(wt, batch, &ch)) == MDB_MAP_FULL &&
	    store_grow(wt->wt_store, wt->wt_cfg->map_max) == 0)
		;
	for (wr = batch; wr != NULL; wr = wr->wr_next)
		n++;
	if (rc == 0) {
		metrics_batch(n, metrics_now_usec() - t0);
		writer_publish(wt, &ch);
	}
	else
		writer_failed(wt, batch, rc);
	/* Between batches: the subject filter may grow. */
	filter_maintain(&wt->wt_store->s_filter);
	writer_deliver(batch);
	if (wt->wt_names_pending >= NAMES_PENDING_MAX)
		writer_names_merge(wt, 0);
}

/*
 * Hands each result to the route its submitter chose, then wakes each
 * receiver once. A result belongs to its receiver once handed over: the
 * route is copied first.
 */
static void
writer_deliver(struct write_req *batch)
{
	struct write_route	 wakes[WRITER_WAKES_MAX], rt;
	struct write_req	*wr, *next;
	size_t			 n = 0, i;

	for (wr = batch; wr != NULL; wr = next) {
		next = wr->wr_next;
		rt = wr->wr_res.wres_route;
		rt.wt_done(&wr->wr_res);
		if (rt.wt_wake == NULL)
			continue;
		for (i = 0; i < n && (wakes[i].wt_wake != rt.wt_wake ||
		    wakes[i].wt_arg != rt.wt_arg); i++)
			;
		if (i < n)
			continue;
		if (n < WRITER_WAKES_MAX)
			wakes[n++] = rt;
		else
			rt.wt_wake(rt.wt_arg);
	}
	for (i = 0; i < n; i++)
		wakes[i].wt_wake(wakes[i].wt_arg);
}

static int (*const appliers[WR_OP_COUNT])(struct wx *) = {
	[WR_PUT] = wx_entry,
	[WR_REMOVE] = wx_entry,
	[WR_CASE_OPEN] = wx_case_open,
	[WR_CASE_CLOSE] = wx_case_close,
	[WR_DISMISS] = wx_dismiss,
	[WR_WITHDRAW] = wx_withdraw_replayed,
};

int
wx_run(struct wx *x)
{
	int	 rc;

	if ((rc = wx_summary_load(x)) != 0 ||
	    (rc = appliers[x->x_wr->wr_op](x)) != 0 ||
	    x->x_wr->wr_res.wres_fault.f_code != QC_OK)
		return rc;
	return wx_summary_save(x);
}

int
writer_apply(struct store *st, MDB_txn *txn, const struct config *cfg,
    struct write_req *wr, struct chain *ch, msgpack_sbuffer *scratch)
{
	struct wx	 x;
	int		 rc, replayed = 0;

	wx_init(&x, st, txn, cfg, ch, scratch, wr);
	/*
	 * Today is the day of the write's records, not of the request: a
	 * replica, which has only the records, takes the same day.
	 */
	wr->wr_today = qc_date_today((time_t)x.x_now, cfg->utc_offset);
	if (wr->wr_idem[0] != '\0' &&
	    ((rc = wx_idem_replay(&x, &replayed)) != 0 || replayed))
		return rc;
	if ((rc = wx_run(&x)) != 0 || wr->wr_res.wres_fault.f_code != QC_OK)
		return rc;
	return wr->wr_idem[0] != '\0' ? wx_idem_store(&x) : 0;
}
