/*
 * A connection's requests: frames in, through the ops, answers out in
 * request order through the reply slots.
 *
 * A request answered at once goes straight to the output when no answer
 * is owed before it, and into a slot otherwise. A write takes a slot and
 * goes to the writer; its result comes back to conn_write_result. A read
 * behind this connection's own writes waits for them (read-your-writes);
 * nothing else waits, and other connections never do.
 *
 * Nothing here touches the socket, TLS or events: answers go to c_out.
 * The I/O code (conn_io.c, worker.c) arms reading and sends afterwards,
 * and the request fuzzer drives these same functions without a socket.
 */
#include "envelope.h"
#include "frame.h"
#include "frames.h"
#include "log.h"
#include "msg.h"
#include "metrics.h"
#include "net.h"

static int	 conn_held(struct conn *);
static void	 conn_request(struct conn *, const msgpack_object *,
		    const struct op_entry *);
static void	 conn_bad_frame(struct conn *, const char *);
static int	 conn_emit(void *, const void *, size_t);

/* Output for the slots: answers leave into c_out. */
static int
conn_emit(void *arg, const void *frame, size_t len)
{
	return conn_send_frame(arg, frame, len);
}

/* An answer that cannot be queued leaves the connection unusable. */
static void
conn_lost(struct conn *c)
{
	log_warnx("%s (%s): out of memory answering; closing", c->c_peer,
	    c->c_principal);
	c->c_closing = 1;
}

/* Sends the answer frame in sb for slot (-1: the request took none). */
void
conn_answer(struct conn *c, int slot, msgpack_sbuffer *sb)
{
	int	 rc;

	if (slot == -1)
		rc = conn_send_frame(c, sb->data, sb->size);
	else
		rc = slots_complete(&c->c_slots, (uint32_t)slot, sb->data,
		    sb->size, conn_emit, c, &c->c_worker->w_scratch);
	if (rc == -1)
		conn_lost(c);
}

void
conn_answer_error(struct conn *c, int slot, int has_id, uint64_t id,
    const struct fault *f)
{
	struct worker	*w = c->c_worker;

	if (qc_env_error(&w->w_out, has_id, id, f->f_code, f->f_msg) == 0)
		conn_answer(c, slot, &w->w_out);
	else if (slot == -1 || slots_fail(&c->c_slots, (uint32_t)slot,
	    conn_emit, c, &w->w_scratch) == -1)
		conn_lost(c);
}

/* Answers bad_frame with a nil id; the connection closes once it is sent. */
static void
conn_bad_frame(struct conn *c, const char *why)
{
	struct fault	 f;
	int		 slot = -1;

	log_info("%s (%s): bad frame: %s", c->c_peer, c->c_principal, why);
	metrics_request(-1, QC_E_BAD_FRAME, 0);
	fault_set(&f, QC_E_BAD_FRAME, "%s", why);
	if (!slots_empty(&c->c_slots))
		slot = slots_take(&c->c_slots, 0, 0);
	if (slot != -1 || slots_empty(&c->c_slots))
		conn_answer_error(c, slot, 0, 0, &f);
	c->c_closing = 1;
}

/* Packs the answer envelope around the op's result, or says why not. */
enum op_status
conn_run_op(struct conn *c, const struct op_entry *op,
    const msgpack_object *msg, uint64_t id, int slot, struct fault *f)
{
	struct worker		*w = c->c_worker;
	struct write_route	 route = {
		.wt_done = worker_post_result,
		.wt_wake = worker_wake,
		.wt_arg = w,
		.wt_conn = c->c_id,
		.wt_slot = (uint32_t)slot,
		.wt_op = ops_index(op),
		.wt_start = c->c_req_start,
	};
	msgpack_packer		 pk;
	enum op_status		 st;

	if (qc_env_ok_begin(&w->w_out, &pk, id) == -1) {
		fault_set(f, QC_E_INTERNAL, "out of memory");
		return OP_ERROR;
	}
	st = ops_dispatch(&w->w_ops, &c->c_caller, op, msg, &route, &pk, f);
	if (st == OP_DONE && qc_env_body_len(&w->w_out) >
	    w->w_srv->s_cfg->limits.max_frame) {
		fault_set(f, QC_E_TOO_LARGE, "%s: answer exceeds max_frame; "
		    "ask for less", ops_name(op));
		return OP_ERROR;
	}
	if (st == OP_DONE)
		qc_env_finish(&w->w_out);
	return st;
}

/* One request: a slot if an answer is owed before it, the op, the answer. */
static void
conn_request(struct conn *c, const msgpack_object *msg,
    const struct op_entry *op)
{
	struct fault	 f;
	enum op_status	 st;
	uint64_t	 id = 0;
	int		 has_id, slot = -1;

	c->c_req_start = metrics_now_usec();
	has_id = qc_obj_uint(qc_map_get(msg, "id"), &id) == 0;
	if (!slots_empty(&c->c_slots) || (has_id && op != NULL &&
	    ops_writes(op))) {
		/* Room was checked before the frame was taken. */
		if ((slot = slots_take(&c->c_slots, has_id, id)) == -1) {
			conn_lost(c);
			return;
		}
	}
	if (!has_id) {
		fault_set(&f, QC_E_BAD_REQUEST,
		    "id: required, a non-negative integer");
		metrics_request(ops_index(op), f.f_code, 0);
		conn_answer_error(c, slot, 0, 0, &f);
		return;
	}
	st = conn_run_op(c, op, msg, id, slot, &f);
	if (st == OP_WAIT && conn_park(c, msg, id, &slot) != 0) {
		/* One long poll per connection: another one answers now. */
		c->c_worker->w_ops.oe_may_wait = 0;
		st = conn_run_op(c, op, msg, id, slot, &f);
		c->c_worker->w_ops.oe_may_wait = 1;
	}
	switch (st) {
	case OP_WAIT:
		return;
	case OP_PENDING:
		c->c_writes++;
		return;
	case OP_DONE:
		metrics_request(ops_index(op), QC_OK, metrics_now_usec() -
		    c->c_req_start);
		conn_answer(c, slot, &c->c_worker->w_out);
		return;
	case OP_ERROR:
		metrics_request(ops_index(op), f.f_code, metrics_now_usec() -
		    c->c_req_start);
		conn_answer_error(c, slot, 1, id, &f);
		return;
	}
}

size_t
conn_input_cap(const struct conn *c)
{
	const struct limits	*lim = &c->c_worker->w_srv->s_cfg->limits;

	return QC_FRAME_HDR + (size_t)lim->max_frame;
}

int
conn_wants_input(const struct conn *c)
{
	return !c->c_closing && !c->c_out_full && !slots_full(&c->c_slots) &&
	    evbuffer_get_length(c->c_in) < conn_input_cap(c);
}

/* Whether handling must pause: closing, backpressure or a full ring. */
static int
conn_held(struct conn *c)
{
	return c->c_closing || c->c_out_full || slots_full(&c->c_slots);
}

void
conn_process(struct conn *c)
{
	struct worker		*w = c->c_worker;
	const struct op_entry	*op;
	msgpack_object		 msg;
	const char		*why;
	size_t			 len;
	int			 n;

	for (n = 0; n < FRAMES_PER_WAKEUP && !conn_held(c); n++) {
		switch (frame_next(c->c_in, w->w_srv->s_cfg->limits.max_frame,
		    &w->w_zone, &msg, &len, &why)) {
		case FRAME_MORE:
			goto out;
		case FRAME_BAD:
			msgpack_zone_clear(&w->w_zone);
			conn_bad_frame(c, why);
			goto out;
		case FRAME_READY:
			break;
		}
		op = ops_find(&msg);
		/* Read-your-writes: a read waits for this connection's. */
		if (c->c_writes > 0 && op != NULL && !ops_writes(op)) {
			msgpack_zone_clear(&w->w_zone);
			break;
		}
		conn_request(c, &msg, op);
		c->c_reqs++;
		msgpack_zone_clear(&w->w_zone);
		frame_consume(c->c_in, len);
	}
out:
	/* More may be buffered: come back after the others had a turn. */
	c->c_backlog = n == FRAMES_PER_WAKEUP;
	/* One read snapshot per burst of frames. */
	ops_burst_end(&w->w_ops);
}

enum conn_drain
conn_drained(struct conn *c)
{
	/* Close once every answer owed has left, the bad_frame one last. */
	if (c->c_closing && slots_empty(&c->c_slots))
		return DRAIN_CLOSE;
	if (!c->c_out_full)
		return DRAIN_IDLE;
	/* The client took its answers: requests held behind them go on. */
	c->c_out_full = 0;
	conn_process(c);
	return DRAIN_RESUMED;
}

void
conn_write_result(struct conn *c, const struct write_result *res)
{
	struct worker	*w = c->c_worker;
	const struct fault *f = &res->wres_fault;
	uint32_t	 slot = res->wres_route.wt_slot;
	uint64_t	 id = slots_id(&c->c_slots, slot);
	msgpack_packer	 pk;
	int		 rc;

	c->c_writes--;
	metrics_request(res->wres_route.wt_op, f->f_code, metrics_now_usec() -
	    res->wres_route.wt_start);
	if (f->f_code != QC_OK)
		rc = qc_env_error(&w->w_out, 1, id, f->f_code, f->f_msg);
	else if ((rc = qc_env_ok_begin(&w->w_out, &pk, id)) == 0 &&
	    write_result_pack(&pk, res) != 0)
		rc = -1;
	else if (rc == 0)
		qc_env_finish(&w->w_out);
	if (rc == -1)
		rc = slots_fail(&c->c_slots, slot, conn_emit, c,
		    &w->w_scratch);
	else
		rc = slots_complete(&c->c_slots, slot, w->w_out.data,
		    w->w_out.size, conn_emit, c, &w->w_scratch);
	if (rc == -1)
		conn_lost(c);
	/* Requests held behind this connection's writes go on. */
	conn_process(c);
}
