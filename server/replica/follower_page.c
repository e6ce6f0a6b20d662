/*
 * A replica's page of the primary's log: fetched after what is applied
 * and what the page holds, each record's write rebuilt
 * (follower_record.c), handed to the writer as one WR_REPLAY write and
 * waited for.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "follower_int.h"
#include "log.h"
#include "msg.h"

static int	 follower_submit(struct follower *, struct fault *);
static void	 follower_done(struct write_result *);

/* The next records after what is applied and what the page holds. */
enum step
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
		return follower_call_failed(fw, rc, "changes", why, len);
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
enum step
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

void
follower_drop_page(struct follower *fw)
{
	size_t	 i;

	for (i = 0; i < fw->fw_page.rp_n; i++)
		write_req_free(fw->fw_page.rp_recs[i].rr_write);
	fw->fw_page.rp_n = 0;
}
