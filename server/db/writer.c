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

#include "log.h"
#include "msg.h"
#include "record.h"
#include "summary.h"
#include "writer.h"

/* A copy of one subject's summary, as a write finds it. */
struct summary {
	uint8_t		 sm_buf[CFG_MAX_LISTS * SUMMARY_ITEM_MAX];
	size_t		 sm_len;
};

/* Receivers woken once per batch; past this many, at once. */
#define WRITER_WAKES_MAX	64

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
static int	 writer_refuse(struct write_req *,
		    const struct summary_hit *);
static int	 removed_fields(struct store *, MDB_txn *,
		    const struct summary_hit *, msgpack_sbuffer *);
static int	 writer_store(struct store *, MDB_txn *, struct write_req *,
		    const struct summary_hit *, const struct summary *,
		    struct chain *, msgpack_sbuffer *);
static int	 put_summary(struct store *, MDB_txn *,
		    const struct write_req *, const struct summary_hit *,
		    const struct summary *, uint64_t, uint64_t);

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
	rc = store_head(st, txn, &wt->wt_seq, wt->wt_hash);
	mdb_txn_abort(txn);
	if (rc != 0) {
		log_warnx("reading the change log head: %s", mdb_strerror(rc));
		free(wt);
		return NULL;
	}
	if (pthread_mutex_init(&wt->wt_mtx, NULL) != 0 ||
	    pthread_cond_init(&wt->wt_cond, NULL) != 0 ||
	    pthread_create(&wt->wt_thread, NULL, writer_main, wt) != 0) {
		log_warnx("cannot start the writer thread");
		free(wt);
		return NULL;
	}
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

void
writer_stop(struct writer *wt)
{
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

/* Takes everything queued, applies it as one transaction, repeats. */
static void *
writer_main(void *arg)
{
	struct writer		*wt = arg;
	struct write_req	*batch;

	for (;;) {
		pthread_mutex_lock(&wt->wt_mtx);
		while (wt->wt_head == NULL && !wt->wt_stopping)
			pthread_cond_wait(&wt->wt_cond, &wt->wt_mtx);
		batch = wt->wt_head;
		wt->wt_head = NULL;
		wt->wt_tail = &wt->wt_head;
		pthread_mutex_unlock(&wt->wt_mtx);
		if (batch == NULL)
			break;
		writer_batch(wt, batch);
	}
	return NULL;
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
		rc = writer_apply(st, txn, wr, ch, &wt->wt_rec);
	}
	if (rc == 0 && ch->ch_seq != wt->wt_seq)
		rc = store_set_head(st, txn, ch->ch_seq, ch->ch_hash);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	/* Commit syncs: nothing is answered before it is durable. */
	return mdb_txn_commit(txn);
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

static void
writer_batch(struct writer *wt, struct write_req *batch)
{
	struct chain		 ch;
	int			 rc;

	/* A full map dooms the transaction: grow, then replay it all. */
	while ((rc = writer_commit(wt, batch, &ch)) == MDB_MAP_FULL &&
	    store_grow(wt->wt_store, wt->wt_cfg->map_max) == 0)
		;
	if (rc == 0) {
		wt->wt_seq = ch.ch_seq;
		memcpy(wt->wt_hash, ch.ch_hash, STORE_HASH_LEN);
	} else
		writer_failed(wt, batch, rc);
	/* Between batches: the subject filter may grow. */
	filter_maintain(&wt->wt_store->s_filter);
	writer_deliver(batch);
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

/*
 * The rules a write must pass against the current entry (cur, NULL if
 * there is none): if_version, and removal of a missing or removed entry.
 * Returns 1 with wr's fault set when refused, 0 when it may go on.
 */
static int
writer_refuse(struct write_req *wr, const struct summary_hit *cur)
{
	struct fault	*f = &wr->wr_res.wres_fault;
	uint64_t	 version = cur != NULL ? cur->h_version : 0;

	if (wr->wr_has_if && wr->wr_if_version == 0 && version != 0) {
		fault_set(f, QC_E_CONFLICT, "entry exists at version %" PRIu64,
		    version);
		return 1;
	}
	if (wr->wr_has_if && wr->wr_if_version != 0 &&
	    version != wr->wr_if_version) {
		fault_set(f, QC_E_CONFLICT, "entry is at version %" PRIu64
		    ", not %" PRIu64, version, wr->wr_if_version);
		return 1;
	}
	if (wr->wr_op == WR_REMOVE && cur == NULL) {
		fault_set(f, QC_E_NOT_FOUND, "no entry for %s on list %s",
		    wr->wr_subject, wr->wr_list->l_name);
		return 1;
	}
	if (wr->wr_op == WR_REMOVE && (cur->h_flags & SUMMARY_REMOVED)) {
		fault_set(f, QC_E_CONFLICT, "already removed");
		return 1;
	}
	return 0;
}

int
writer_apply(struct store *st, MDB_txn *txn, struct write_req *wr,
    struct chain *ch, msgpack_sbuffer *scratch)
{
	struct summary	 sum;
	struct summary_hit cur;
	const char	*list = wr->wr_list->l_name;
	MDB_val		 k, v;
	int		 rc, has;

	/* A copy: the value's page may move once this transaction writes. */
	k.mv_data = wr->wr_subject;
	k.mv_size = strlen(wr->wr_subject);
	sum.sm_len = 0;
	if ((rc = mdb_get(txn, st->s_summary, &k, &v)) == 0) {
		if (v.mv_size > sizeof(sum.sm_buf))
			return MDB_CORRUPTED;
		memcpy(sum.sm_buf, v.mv_data, v.mv_size);
		sum.sm_len = v.mv_size;
	} else if (rc != MDB_NOTFOUND)
		return rc;
	if ((has = summary_find(sum.sm_buf, sum.sm_len, list, strlen(list),
	    &cur)) == -1)
		return MDB_CORRUPTED;
	if (writer_refuse(wr, has ? &cur : NULL))
		return 0;
	return writer_store(st, txn, wr, has ? &cur : NULL, &sum, ch,
	    scratch);
}

/*
 * A removal repeats the fields of the version it removes (cur): packs
 * them into out.
 */
static int
removed_fields(struct store *st, MDB_txn *txn, const struct summary_hit *cur,
    msgpack_sbuffer *out)
{
	msgpack_unpacked up;
	msgpack_packer	 pk;
	struct record	 r;
	int		 rc;

	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	if ((rc = record_fetch(st, txn, cur->h_seq, &up, &r)) == 0 &&
	    msgpack_pack_object(&pk, *r.r_fields) != 0)
		rc = ENOMEM;
	msgpack_unpacked_destroy(&up);
	return rc;
}

/*
 * Writes the new version: its change record, the old version's pointer
 * in `versions` (cur, if any, is the version it follows) and the
 * subject's summary sum; advances ch.
 */
static int
writer_store(struct store *st, MDB_txn *txn, struct write_req *wr,
    const struct summary_hit *cur, const struct summary *sum,
    struct chain *ch, msgpack_sbuffer *scratch)
{
	const char	*list = wr->wr_list->l_name;
	uint8_t		 key[STORE_KEY_MAX], hash[STORE_HASH_LEN], sq[8];
	msgpack_packer	 pk;
	msgpack_sbuffer	 oldf, payload;
	struct change	 c;
	int		 rc = ENOMEM, removing = wr->wr_op == WR_REMOVE;
	MDB_val		 k, v;

	msgpack_sbuffer_init(&oldf);
	msgpack_sbuffer_init(&payload);
	if (removing && (rc = removed_fields(st, txn, cur, &oldf)) != 0)
		goto done;
	rc = ENOMEM;
	if (record_payload(&payload, removing ? oldf.data : wr->wr_fields.data,
	    removing ? oldf.size : wr->wr_fields.size, wr->wr_reason,
	    wr->wr_reason_len) != 0)
		goto done;
	memset(&c, 0, sizeof(c));
	c.c_seq = ch->ch_seq + 1;
	c.c_at = (uint64_t)time(NULL);
	c.c_by = wr->wr_principal;
	c.c_op = removing ? CH_REMOVE : CH_PUT;
	c.c_list = list;
	c.c_subject = wr->wr_subject;
	c.c_version = cur != NULL ? cur->h_version + 1 : 1;
	c.c_payload = payload.data;
	c.c_payload_len = payload.size;
	if (record_hash(ch->ch_hash, &c, hash) == -1)
		goto done;
	msgpack_sbuffer_clear(scratch);
	msgpack_packer_init(&pk, scratch, msgpack_sbuffer_write);
	if (record_pack(&pk, &c, hash) != 0)
		goto done;
	store_key_seq(sq, c.c_seq);
	k.mv_data = sq;
	k.mv_size = sizeof(sq);
	v.mv_data = scratch->data;
	v.mv_size = scratch->size;
	if ((rc = mdb_put(txn, st->s_changes, &k, &v,
	    MDB_NOOVERWRITE | MDB_APPEND)) != 0)
		goto done;
	if (cur != NULL) {
		k.mv_data = key;
		k.mv_size = store_key_version(key, wr->wr_subject, list,
		    cur->h_version);
		store_key_seq(sq, cur->h_seq);
		v.mv_data = sq;
		v.mv_size = sizeof(sq);
		if ((rc = mdb_put(txn, st->s_versions, &k, &v, 0)) != 0)
			goto done;
	}
	if ((rc = put_summary(st, txn, wr, cur, sum, c.c_version,
	    c.c_seq)) != 0)
		goto done;
	ch->ch_seq = c.c_seq;
	memcpy(ch->ch_hash, hash, STORE_HASH_LEN);
	wr->wr_res.wres_version = c.c_version;
	wr->wr_res.wres_seq = c.c_seq;
done:
	msgpack_sbuffer_destroy(&payload);
	msgpack_sbuffer_destroy(&oldf);
	return rc;
}

/*
 * Points the subject's summary at the new version. A removal keeps the
 * grade and dates of the version it removes, flagged removed.
 */
static int
put_summary(struct store *st, MDB_txn *txn, const struct write_req *wr,
    const struct summary_hit *cur, const struct summary *sum,
    uint64_t version, uint64_t seq)
{
	uint8_t			 buf[sizeof(sum->sm_buf)];
	struct summary_hit	 hit;
	MDB_val			 k, v;
	long			 n;

	if (wr->wr_op == WR_REMOVE) {
		hit = *cur;
		hit.h_flags |= SUMMARY_REMOVED;
	} else {
		memset(&hit, 0, sizeof(hit));
		hit.h_list = wr->wr_list->l_name;
		hit.h_list_len = strlen(hit.h_list);
		hit.h_grade = wr->wr_grade[0] != '\0' ? wr->wr_grade : NULL;
		hit.h_grade_len = strlen(wr->wr_grade);
		hit.h_start = wr->wr_start;
		hit.h_end = wr->wr_end;
	}
	hit.h_version = (uint32_t)version;
	hit.h_seq = seq;
	if ((n = summary_update(buf, sizeof(buf), sum->sm_buf, sum->sm_len,
	    wr->wr_list->l_name, &hit)) < 0)
		return MDB_CORRUPTED;
	k.mv_data = (void *)wr->wr_subject;
	k.mv_size = strlen(wr->wr_subject);
	/* Before the commit makes the summary visible to `check`. */
	filter_add(&st->s_filter, k.mv_data, k.mv_size);
	v.mv_data = buf;
	v.mv_size = (size_t)n;
	return mdb_put(txn, st->s_summary, &k, &v, 0);
}
