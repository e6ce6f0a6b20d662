/*
 * The follower thread of a replica. Each step asks the primary for the
 * records after the last one applied here (a long poll of a second when
 * it has caught up), rebuilds each record's write (follower_record.c)
 * and hands the page to the writer, which applies it in one transaction
 * and checks every record against the primary's hash (writer_replay.c).
 * Then it fetches the primary's signed checkpoint and, once the log here
 * reaches its size, checks its root against the tree here before serving
 * it. A record or checkpoint that does not verify stops following for
 * good (logged, and shown in hello); a lost connection is retried.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "follower.h"
#include "keys.h"
#include "log.h"
#include "merkle.h"
#include "msg.h"
#include "qcreg.h"

/* Records asked for at a time; a page ending inside a write asks more. */
#define FOLLOW_PAGE	500
/* The long poll: also how long a stop may wait for the thread. */
#define FOLLOW_WAIT_S	1
#define FOLLOW_TIMEOUT_MS	15000
#define FOLLOW_BACKOFF_MAX	8
/* Records a page may hold, with what a short page carries over. */
#define FOLLOW_RECS_MAX	(4 * FOLLOW_PAGE)

struct follower {
	const struct config	*fw_cfg;
	struct store		*fw_store;
	struct writer		*fw_writer;
	struct replica		*fw_replica;
	char			 fw_host[256];
	unsigned		 fw_port;
	struct qcreg		*fw_conn;
	pthread_t		 fw_thread;
	pthread_mutex_t		 fw_mtx;
	pthread_cond_t		 fw_cond;
	int			 fw_stop;	/* under fw_mtx */
	int			 fw_applied;	/* the writer answered */
	struct replay		 fw_page;
	struct replay_rec	 fw_recs[FOLLOW_RECS_MAX];
	int			 fw_caught_up;
	/* A checkpoint of the primary ahead of the log here, till reached. */
	struct qcreg_checkpoint	 fw_cp;
	int			 fw_has_cp;
	time_t			 fw_cp_asked;	/* monotonic seconds */
};

enum step {
	STEP_OK = 0,
	STEP_RETRY,	/* the connection failed: connect again */
	STEP_BROKEN	/* something did not verify: stop following */
};

static void		*follower_main(void *);
static int		 follower_stopping(struct follower *);
static void		 follower_sleep(struct follower *, unsigned);
static enum step	 follower_connect(struct follower *, char *, size_t);
static enum step	 follower_step(struct follower *, char *, size_t);
static enum step	 follower_fetch(struct follower *, char *, size_t);
static int		 follower_submit(struct follower *, struct fault *);
static enum step	 follower_apply(struct follower *, char *, size_t);
static enum step	 follower_checkpoint(struct follower *, char *, size_t);
static enum step	 follower_serve_cp(struct follower *, char *, size_t);
static void		 follower_drop_page(struct follower *);
static void		 follower_done(struct write_result *);
static time_t		 monotonic_seconds(void);
static enum step	 server_error(struct follower *, int, const char *,
			    char *, size_t);

struct follower *
follower_start(const struct config *cfg, struct store *st,
    struct writer *wt, struct replica *r)
{
	struct follower	*fw;
	const char	*colon = strrchr(cfg->replica_of, ':');

	if ((fw = calloc(1, sizeof(*fw))) == NULL) {
		log_warnx("replica: out of memory");
		return NULL;
	}
	fw->fw_cfg = cfg;
	fw->fw_store = st;
	fw->fw_writer = wt;
	fw->fw_replica = r;
	fw->fw_page.rp_recs = fw->fw_recs;
	snprintf(fw->fw_host, sizeof(fw->fw_host), "%.*s",
	    (int)(colon - cfg->replica_of), cfg->replica_of);
	fw->fw_port = (unsigned)strtoul(colon + 1, NULL, 10);
	if (pthread_mutex_init(&fw->fw_mtx, NULL) != 0 ||
	    pthread_cond_init(&fw->fw_cond, NULL) != 0 ||
	    pthread_create(&fw->fw_thread, NULL, follower_main, fw) != 0) {
		log_warnx("replica: cannot start the follower thread");
		free(fw);
		return NULL;
	}
	return fw;
}

void
follower_stop(struct follower *fw)
{
	if (fw == NULL)
		return;
	pthread_mutex_lock(&fw->fw_mtx);
	fw->fw_stop = 1;
	pthread_cond_broadcast(&fw->fw_cond);
	pthread_mutex_unlock(&fw->fw_mtx);
	pthread_join(fw->fw_thread, NULL);
	follower_drop_page(fw);
	qcreg_close(fw->fw_conn);
	pthread_mutex_destroy(&fw->fw_mtx);
	pthread_cond_destroy(&fw->fw_cond);
	free(fw);
}

static int
follower_stopping(struct follower *fw)
{
	int	 stop;

	pthread_mutex_lock(&fw->fw_mtx);
	stop = fw->fw_stop;
	pthread_mutex_unlock(&fw->fw_mtx);
	return stop;
}

/* Sleeps up to seconds, or until a stop. */
static void
follower_sleep(struct follower *fw, unsigned seconds)
{
	struct timespec	 until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&fw->fw_mtx);
	while (!fw->fw_stop && pthread_cond_timedwait(&fw->fw_cond,
	    &fw->fw_mtx, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&fw->fw_mtx);
}

static void *
follower_main(void *arg)
{
	struct follower	*fw = arg;
	char		 why[FAULT_MSG_MAX];
	unsigned	 backoff = 1;
	enum step	 st;

	log_info("replica of %s: following from seq %" PRIu64,
	    fw->fw_cfg->replica_of, writer_head(fw->fw_writer) + 1);
	while (!follower_stopping(fw)) {
		why[0] = '\0';
		st = fw->fw_conn == NULL ? follower_connect(fw, why,
		    sizeof(why)) : STEP_OK;
		if (st == STEP_OK)
			st = follower_step(fw, why, sizeof(why));
		if (st == STEP_BROKEN) {
			log_warnx("replica: following %s stopped: %s; reads go "
			    "on from seq %" PRIu64, fw->fw_cfg->replica_of,
			    why, writer_head(fw->fw_writer));
			replica_stopped(fw->fw_replica, why);
			break;
		}
		if (st == STEP_RETRY) {
			log_warnx("replica: %s: %s; again in %us",
			    fw->fw_cfg->replica_of, why, backoff);
			qcreg_close(fw->fw_conn);
			fw->fw_conn = NULL;
			follower_sleep(fw, backoff);
			if (backoff < FOLLOW_BACKOFF_MAX)
				backoff *= 2;
		} else
			backoff = 1;
	}
	return NULL;
}

/* Connects, and records the primary's signing keys here, for hello. */
static enum step
follower_connect(struct follower *fw, char *why, size_t len)
{
	struct qcreg_opts	 o = { fw->fw_cfg->ca_file,
	    fw->fw_cfg->replica_cert, fw->fw_cfg->replica_key,
	    FOLLOW_TIMEOUT_MS };
	const msgpack_object	*keys, *k;
	uint8_t			 pub[QC_PUB_LEN];
	char			 id[QC_KEY_ID_MAX + 1], err[160];
	uint64_t		 since;
	uint32_t		 i;

	if (qcreg_connect(&fw->fw_conn, fw->fw_host, fw->fw_port, &o, err,
	    sizeof(err)) != 0) {
		snprintf(why, len, "connect: %s", err);
		return STEP_RETRY;
	}
	keys = qc_map_get(qcreg_hello_result(fw->fw_conn), "keys");
	for (i = 0; keys != NULL && keys->type == MSGPACK_OBJECT_ARRAY &&
	    i < keys->via.array.size; i++) {
		k = &keys->via.array.ptr[i];
		if (qc_obj_strcpy(qc_map_get(k, "key_id"), id,
		    sizeof(id)) != 0 || qcreg_signing_key(fw->fw_conn, id,
		    pub) != 1 || qc_obj_uint(qc_map_get(k, "since"),
		    &since) != 0)
			continue;
		if (keys_register(fw->fw_store, id, pub, since, err,
		    sizeof(err)) != 0) {
			snprintf(why, len, "the primary's key %s: %s", id, err);
			return STEP_BROKEN;
		}
	}
	log_info("replica: connected to %s", fw->fw_cfg->replica_of);
	return STEP_OK;
}

static enum step
server_error(struct follower *fw, int rc, const char *what, char *why,
    size_t len)
{
	snprintf(why, len, "%s: %s (%s)", what, qcreg_code_name(rc),
	    qcreg_errmsg(fw->fw_conn));
	/* The primary refusing this principal will not pass by itself. */
	return rc == QC_E_FORBIDDEN ? STEP_BROKEN : STEP_RETRY;
}

static time_t
monotonic_seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static enum step
follower_step(struct follower *fw, char *why, size_t len)
{
	enum step	 st;

	char		 applying[FAULT_MSG_MAX];
	enum step	 fetched;

	fetched = follower_fetch(fw, why, len);
	if (fetched == STEP_RETRY)
		return fetched;
	/* What came before a record that cannot be rebuilt still applies. */
	if (fw->fw_page.rp_n > 0 &&
	    (st = follower_apply(fw, applying, sizeof(applying))) != STEP_OK) {
		if (fetched == STEP_OK)
			snprintf(why, len, "%s", applying);
		return fetched == STEP_OK ? st : fetched;
	}
	if (fetched != STEP_OK)
		return fetched;
	/* Caught up, or at least once a second under a stream of writes. */
	if ((fw->fw_page.rp_n == 0 && fw->fw_caught_up) ||
	    monotonic_seconds() > fw->fw_cp_asked)
		return follower_checkpoint(fw, why, len);
	return STEP_OK;
}

/* The next records after what is applied and what the page holds. */
static enum step
follower_fetch(struct follower *fw, char *why, size_t len)
{
	struct replay		*p = &fw->fw_page;
	struct qcreg_reply	*r;
	const msgpack_object	*res, *recs;
	uint64_t		 since, head = 0;
	uint32_t		 i, n;
	unsigned		 wait;
	int			 rc;
	enum step		 st = STEP_OK;

	since = p->rp_n > 0 ? p->rp_recs[p->rp_n - 1].rr_seq :
	    writer_head(fw->fw_writer);
	wait = p->rp_n == 0 && fw->fw_caught_up ? FOLLOW_WAIT_S : 0;
	if ((rc = qcreg_changes_wait(fw->fw_conn, since, FOLLOW_PAGE, wait,
	    &r)) != 0)
		return rc > 0 ? server_error(fw, rc, "changes", why, len) :
		    (snprintf(why, len, "changes: %s",
		    qcreg_errmsg(fw->fw_conn)), STEP_RETRY);
	res = qcreg_reply_result(r);
	recs = qc_map_get(res, "changes");
	if (recs == NULL || recs->type != MSGPACK_OBJECT_ARRAY ||
	    qc_obj_uint(qc_map_get(res, "head"), &head) != 0) {
		qcreg_reply_free(r);
		snprintf(why, len, "changes: an answer without changes and "
		    "head");
		return STEP_BROKEN;
	}
	n = recs->via.array.size;
	if (p->rp_n + n > FOLLOW_RECS_MAX) {
		qcreg_reply_free(r);
		snprintf(why, len, "one write of the primary spans more than "
		    "%d records", FOLLOW_RECS_MAX);
		return STEP_BROKEN;
	}
	for (i = 0; i < n && st == STEP_OK; i++) {
		if (follower_record(fw->fw_cfg, &recs->via.array.ptr[i],
		    &p->rp_recs[p->rp_n], why, len) != 0)
			st = STEP_BROKEN;
		else if (p->rp_recs[p->rp_n].rr_seq != since + 1) {
			write_req_free(p->rp_recs[p->rp_n].rr_write);
			snprintf(why, len, "changes after %" PRIu64 " began at "
			    "%" PRIu64, since, p->rp_recs[p->rp_n].rr_seq);
			st = STEP_BROKEN;
		} else {
			since++;
			p->rp_n++;
		}
	}
	qcreg_reply_free(r);
	fw->fw_caught_up = since >= head;
	replica_heard(fw->fw_replica, head, p->rp_n > 0 ?
	    p->rp_recs[0].rr_at : 0);
	return st;
}

/* The writer applies the page; the thread waits for its answer. */
static int
follower_submit(struct follower *fw, struct fault *f)
{
	struct write_req	*wr;

	if ((wr = write_req_new()) == NULL) {
		fault_set(f, QC_E_UNAVAILABLE, "out of memory");
		return -1;
	}
	wr->wr_op = WR_REPLAY;
	wr->wr_replay = &fw->fw_page;
	wr->wr_res.wres_route.wt_done = follower_done;
	wr->wr_res.wres_route.wt_arg = fw;
	fw->fw_applied = 0;
	if (writer_submit(fw->fw_writer, wr, f) != 0) {
		write_req_free(wr);
		return -1;
	}
	pthread_mutex_lock(&fw->fw_mtx);
	while (!fw->fw_applied)
		pthread_cond_wait(&fw->fw_cond, &fw->fw_mtx);
	pthread_mutex_unlock(&fw->fw_mtx);
	*f = wr->wr_res.wres_fault;
	write_req_free(wr);
	return f->f_code == QC_OK ? 0 : -1;
}

/*
 * Applies the page. A record that does not replay stops following, after
 * the records before it are applied; a page that ends inside a write
 * keeps its records for the next fetch to add to.
 */
static enum step
follower_apply(struct follower *fw, char *why, size_t len)
{
	struct replay	*p = &fw->fw_page;
	struct fault	 f, first;
	size_t		 i;

	if (follower_submit(fw, &f) == 0) {
		follower_drop_page(fw);
		return STEP_OK;
	}
	if (p->rp_short)
		return STEP_OK;
	snprintf(why, len, "%s", f.f_msg);
	if (f.f_code == QC_E_UNAVAILABLE)
		return STEP_RETRY;
	if (f.f_code == QC_E_INTERNAL && p->rp_done > 0) {
		first = f;
		for (i = p->rp_done; i < p->rp_n; i++)
			write_req_free(p->rp_recs[i].rr_write);
		p->rp_n = p->rp_done;
		if (follower_submit(fw, &f) != 0)
			log_warnx("replica: the records before the one that "
			    "failed did not apply either: %s", f.f_msg);
		snprintf(why, len, "%s", first.f_msg);
	}
	return STEP_BROKEN;
}

static void
follower_done(struct write_result *res)
{
	struct follower	*fw = res->wres_route.wt_arg;

	pthread_mutex_lock(&fw->fw_mtx);
	fw->fw_applied = 1;
	pthread_cond_broadcast(&fw->fw_cond);
	pthread_mutex_unlock(&fw->fw_mtx);
}

static void
follower_drop_page(struct follower *fw)
{
	size_t	 i;

	for (i = 0; i < fw->fw_page.rp_n; i++)
		write_req_free(fw->fw_page.rp_recs[i].rr_write);
	fw->fw_page.rp_n = 0;
}

/* The primary's checkpoint, signed by a key it lists. */
static enum step
follower_checkpoint(struct follower *fw, char *why, size_t len)
{
	struct qcreg_reply	*r;
	struct qcreg_checkpoint	 cp;
	uint8_t			 pub[QC_PUB_LEN];
	int			 rc;

	fw->fw_cp_asked = monotonic_seconds();
	if ((rc = qcreg_checkpoint(fw->fw_conn, &r)) != 0)
		return rc > 0 ? server_error(fw, rc, "checkpoint", why, len) :
		    (snprintf(why, len, "checkpoint: %s",
		    qcreg_errmsg(fw->fw_conn)), STEP_RETRY);
	rc = qcreg_reply_checkpoint(r, &cp);
	qcreg_reply_free(r);
	if (rc != 0) {
		snprintf(why, len, "checkpoint: not one");
		return STEP_BROKEN;
	}
	if (cp.is_signed && (qcreg_signing_key(fw->fw_conn, cp.key_id,
	    pub) != 1 || qcreg_checkpoint_verify(&cp, pub) != 1)) {
		snprintf(why, len, "the primary's checkpoint of size %" PRIu64
		    " is not signed by a key it lists", cp.size);
		return STEP_BROKEN;
	}
	/*
	 * One ahead of the log here waits until the log reaches it; the
	 * newer ones meanwhile are skipped, so that one is always reached.
	 */
	if (!fw->fw_has_cp || cp.size <= writer_head(fw->fw_writer)) {
		fw->fw_cp = cp;
		fw->fw_has_cp = 1;
	}
	return follower_serve_cp(fw, why, len);
}

/* Serves the primary's checkpoint once the tree here has its root. */
static enum step
follower_serve_cp(struct follower *fw, char *why, size_t len)
{
	struct checkpoint	 cp;
	struct merkle		 m;
	uint8_t			 root[QC_ROOT_LEN];
	MDB_txn			*txn;
	uint64_t		 head;
	int			 rc;

	if (!fw->fw_has_cp ||
	    (head = writer_head(fw->fw_writer)) < fw->fw_cp.size)
		return STEP_OK;
	if (fw->fw_cp.size == 0)
		goto serve;	/* the empty tree: its root is in the signature */
	if ((rc = mdb_txn_begin(fw->fw_store->s_env, NULL, MDB_RDONLY,
	    &txn)) != 0) {
		snprintf(why, len, "store: %s", mdb_strerror(rc));
		return STEP_RETRY;
	}
	merkle_init(&m, fw->fw_store, txn);
	rc = merkle_root(&m, fw->fw_cp.size, root);
	mdb_txn_abort(txn);
	if (rc != 0) {
		snprintf(why, len, "tree root: %s", mdb_strerror(rc));
		return STEP_RETRY;
	}
	if (memcmp(root, fw->fw_cp.root, QC_ROOT_LEN) != 0) {
		snprintf(why, len, "the primary's checkpoint of size %" PRIu64
		    " has another root than the log here", fw->fw_cp.size);
		return STEP_BROKEN;
	}
serve:
	memset(&cp, 0, sizeof(cp));
	cp.cp_size = fw->fw_cp.size;
	memcpy(cp.cp_root, fw->fw_cp.root, QC_ROOT_LEN);
	cp.cp_time = fw->fw_cp.time;
	memcpy(cp.cp_sig, fw->fw_cp.signature, QC_SIG_LEN);
	replica_set_checkpoint(fw->fw_replica, &cp, fw->fw_cp.origin,
	    fw->fw_cp.is_signed ? fw->fw_cp.key_id : "");
	fw->fw_has_cp = 0;
	return STEP_OK;
}
