/*
 * Long polls: `changes` with `wait` (PROTOCOL.md, changes). A request
 * that has nothing to answer yet is kept, packed, with the reply slot it
 * holds; a tick of the worker asks it again once the log has grown past
 * it or its time is up, and answers the slot. Answers leave in request
 * order, so a client keeps its long poll on a connection of its own. The
 * idle timeout does not run while a connection waits; a stopping server
 * answers every waiting poll at once.
 */
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "msg.h"
#include "net.h"

/*
 * How often parked polls are looked at for their deadlines; a commit
 * wakes them at once (net_log_grew).
 */
#define WAIT_TICK_MS	100

static void	 wait_tick_cb(evutil_socket_t, short, void *);
static void	 conn_unpark(struct conn *);

/* Monotonic milliseconds. */
static uint64_t
wait_clock(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
conn_park(struct conn *c, const msgpack_object *msg, uint64_t id, int *slot)
{
	struct worker	*w = c->c_worker;
	msgpack_packer	 pk;
	struct timeval	 tv = { 0, WAIT_TICK_MS * 1000 };
	uint64_t	*grown;

	if (c->c_wait_req != NULL)
		return -1;
	if (w->w_nwaiting == w->w_waiting_cap) {
		if ((grown = reallocarray(w->w_waiting, w->w_waiting_cap ?
		    w->w_waiting_cap * 2 : 16, sizeof(*grown))) == NULL)
			return -1;
		w->w_waiting = grown;
		w->w_waiting_cap = w->w_waiting_cap ? w->w_waiting_cap * 2 : 16;
	}
	if (w->w_wait_ev == NULL && (w->w_wait_ev = event_new(w->w_base, -1,
	    EV_PERSIST, wait_tick_cb, w)) == NULL)
		return -1;
	if ((c->c_wait_req = msgpack_sbuffer_new()) == NULL)
		return -1;
	msgpack_packer_init(&pk, c->c_wait_req, msgpack_sbuffer_write);
	/* An answer is owed from now on: the poll holds a slot. */
	if (msgpack_pack_object(&pk, *msg) != 0 || (*slot == -1 &&
	    (*slot = slots_take(&c->c_slots, 1, id)) == -1)) {
		conn_wait_free(c);
		return -1;
	}
	if (w->w_nwaiting == 0 && event_add(w->w_wait_ev, &tv) == -1) {
		conn_wait_free(c);
		return -1;
	}
	c->c_wait_slot = *slot;
	c->c_wait_since = w->w_ops.oe_wait_since;
	c->c_wait_until = wait_clock() +
	    (uint64_t)w->w_ops.oe_wait_seconds * 1000;
	w->w_waiting[w->w_nwaiting++] = c->c_id;
	atomic_store_explicit(&w->w_parked, w->w_nwaiting,
	    memory_order_release);
	return 0;
}

void
conn_wait_free(struct conn *c)
{
	if (c->c_wait_req != NULL)
		msgpack_sbuffer_free(c->c_wait_req);
	c->c_wait_req = NULL;
}

/* Asks the parked request again, now without waiting, and answers it. */
static void
conn_unpark(struct conn *c)
{
	struct worker		*w = c->c_worker;
	const struct op_entry	*op;
	msgpack_object		 msg;
	struct fault		 f;
	uint64_t		 id = 0;
	size_t			 off = 0;
	int			 slot = c->c_wait_slot;

	if (msgpack_unpack(c->c_wait_req->data, c->c_wait_req->size, &off,
	    &w->w_zone, &msg) != MSGPACK_UNPACK_SUCCESS ||
	    (op = ops_find(&msg)) == NULL ||
	    qc_obj_uint(qc_map_get(&msg, "id"), &id) != 0) {
		fault_set(&f, QC_E_INTERNAL, "a parked request was lost");
		conn_answer_error(c, slot, 0, 0, &f);
	} else {
		/* A new snapshot: the one of the last burst predates the log's growth. */
		ops_burst_end(&w->w_ops);
		w->w_ops.oe_may_wait = 0;
		if (conn_run_op(c, op, &msg, id, slot, &f) == OP_DONE)
			conn_answer(c, slot, &w->w_out);
		else
			conn_answer_error(c, slot, 1, id, &f);
		w->w_ops.oe_may_wait = 1;
	}
	msgpack_zone_clear(&w->w_zone);
	conn_wait_free(c);
	ops_burst_end(&w->w_ops);
}

void
worker_wait_tick(struct worker *w, int force)
{
	struct timeval	 tick = { 0, WAIT_TICK_MS * 1000 };
	uint64_t	 head = ops_log_head(&w->w_ops);
	uint64_t	 now = wait_clock();
	struct conn	*c;
	uint32_t	 i, kept = 0;

	for (i = 0; i < w->w_nwaiting; i++) {
		/* A connection that has gone took its poll with it. */
		if ((c = worker_conn_lookup(w, w->w_waiting[i])) == NULL ||
		    c->c_wait_req == NULL)
			continue;
		if (!force && head <= c->c_wait_since && now < c->c_wait_until) {
			w->w_waiting[kept++] = w->w_waiting[i];
			continue;
		}
		conn_unpark(c);
		conn_reading(c);
		/* Requests may have waited behind the poll for a slot. */
		conn_process(c);
		if (conn_flush(c) == -1)
			continue;	/* it was freed: nothing more for it */
	}
	w->w_nwaiting = kept;
	atomic_store_explicit(&w->w_parked, kept, memory_order_release);
	if (kept == 0 && w->w_wait_ev != NULL)
		event_del(w->w_wait_ev);
	/*
	 * An event_add while the writer's activation was pending was
	 * ignored (libevent): the deadline tick is armed here, where the
	 * event is no longer active.
	 */
	else if (kept > 0 && !event_pending(w->w_wait_ev, EV_TIMEOUT, NULL))
		(void)event_add(w->w_wait_ev, &tick);
}

void
net_log_grew(void *arg)
{
	struct server	*srv = arg;
	struct worker	*w;
	int		 i;

	/* w_wait_ev exists before w_parked first counts a poll. */
	for (i = 0; i < srv->s_nworkers; i++) {
		w = &srv->s_workers[i];
		if (atomic_load_explicit(&w->w_parked,
		    memory_order_acquire) > 0)
			event_active(w->w_wait_ev, EV_TIMEOUT, 1);
	}
}

static void
wait_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	worker_wait_tick(arg, 0);
}
