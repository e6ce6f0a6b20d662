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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "follower_int.h"
#include "keys.h"
#include "log.h"
#include "msg.h"

static void		*follower_main(void *);
static int		 follower_stopping(struct follower *);
static void		 follower_sleep(struct follower *, unsigned);
static enum step	 follower_connect(struct follower *, char *, size_t);
static enum step	 follower_step(struct follower *, char *, size_t);

struct follower *
follower_start(const struct config *cfg, struct store *st,
    struct writer *wt, struct replica *r)
{
	struct follower	*fw;

	if ((fw = calloc(1, sizeof(*fw))) == NULL) {
		log_warnx("replica: out of memory");
		return NULL;
	}
	fw->fw_cfg = cfg;
	fw->fw_store = st;
	fw->fw_writer = wt;
	fw->fw_replica = r;
	fw->fw_page.rp_recs = fw->fw_recs;
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

	if (qcreg_connect(&fw->fw_conn, fw->fw_cfg->replica_host,
	    (unsigned)strtoul(fw->fw_cfg->replica_port, NULL, 10), &o, err,
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

enum step
follower_call_failed(struct follower *fw, int rc, const char *what,
    char *why, size_t len)
{
	if (rc < 0) {
		/* The connection failed: it is made again. */
		snprintf(why, len, "%s: %s", what, qcreg_errmsg(fw->fw_conn));
		return STEP_RETRY;
	}
	snprintf(why, len, "%s: %s (%s)", what, qcreg_code_name(rc),
	    qcreg_errmsg(fw->fw_conn));
	/* The primary refusing this principal will not pass by itself. */
	return rc == QC_E_FORBIDDEN ? STEP_BROKEN : STEP_RETRY;
}

time_t
follower_clock(void)
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
	    follower_clock() > fw->fw_cp_asked)
		return follower_checkpoint(fw, why, len);
	return STEP_OK;
}
