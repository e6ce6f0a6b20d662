/*
 * I/O workers: each owns an event_base, a SO_REUSEPORT listener, its
 * connections and a cached LMDB read transaction.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

static void	*worker_main(void *);
static void	 worker_accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	 worker_accept_error_cb(struct evconnlistener *, void *);
static void	 worker_resume_cb(evutil_socket_t, short, void *);
static void	 worker_reply_cb(evutil_socket_t, short, void *);
static void	 worker_stop_cb(evutil_socket_t, short, void *);
static void	 worker_sweep_cb(evutil_socket_t, short, void *);
static time_t	 worker_clock(void);

/*
 * Creates the worker's base and binds its listener on ai (before any
 * thread starts, so that the port of a ":0" listen is known to all).
 */
int
worker_start(struct server *srv, struct worker *w, int index,
    struct evutil_addrinfo *ai)
{
	memset(w, 0, sizeof(*w));
	w->w_srv = srv;
	w->w_index = index;
	w->w_results_tail = &w->w_results;
	msgpack_sbuffer_init(&w->w_out);
	msgpack_sbuffer_init(&w->w_scratch);
	w->w_now = worker_clock();
	if (ops_env_init(&w->w_ops, srv->s_cfg, srv->s_store,
	    srv->s_writer, srv->s_replica) == -1 ||
	    !msgpack_zone_init(&w->w_zone, 8192) ||
	    pthread_mutex_init(&w->w_reply_mtx, NULL) != 0 ||
	    (w->w_base = event_base_new()) == NULL ||
	    (w->w_reply_ev = event_new(w->w_base, -1, 0, worker_reply_cb,
	    w)) == NULL ||
	    (w->w_stop_ev = event_new(w->w_base, -1, 0, worker_stop_cb,
	    w)) == NULL ||
	    (w->w_sweep_ev = event_new(w->w_base, -1, EV_PERSIST,
	    worker_sweep_cb, w)) == NULL ||
	    event_add(w->w_sweep_ev, &(struct timeval){ 1, 0 }) == -1) {
		log_warnx("worker %d: cannot create its event loop", index);
		return -1;
	}
	w->w_listener = evconnlistener_new_bind(w->w_base, worker_accept_cb,
	    w, LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT |
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 1024, ai->ai_addr,
	    (int)ai->ai_addrlen);
	if (w->w_listener == NULL) {
		log_warn("worker %d: cannot listen", index);
		return -1;
	}
	evconnlistener_set_error_cb(w->w_listener, worker_accept_error_cb);
	if (srv->s_front != NULL && srv->s_front->fo_start(w) == -1)
		return -1;
	return 0;
}

/* Runs the loop on its own thread. */
int
worker_run(struct worker *w)
{
	if (pthread_create(&w->w_thread, NULL, worker_main, w) != 0) {
		log_warnx("worker %d: cannot start its thread", w->w_index);
		return -1;
	}
	return 0;
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;

	event_base_dispatch(w->w_base);
	return NULL;
}

/* Asks the worker, from another thread, to close everything and stop. */
void
worker_stop(struct worker *w)
{
	event_active(w->w_stop_ev, 0, 0);
}

void
worker_join(struct worker *w)
{
	pthread_join(w->w_thread, NULL);
}

static void
worker_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	uint32_t	 i;

	(void)fd;
	(void)what;
	if (w->w_listener != NULL) {
		evconnlistener_free(w->w_listener);
		w->w_listener = NULL;
	}
	if (w->w_srv->s_front != NULL && w->w_front != NULL)
		w->w_srv->s_front->fo_stop(w);
	/* Long polls are answered with what there is, before the close. */
	worker_wait_tick(w, 1);
	for (i = 0; i < w->w_nslots; i++)
		if (w->w_conns[i] != NULL)
			conn_free(w->w_conns[i]);
	event_base_loopexit(w->w_base, NULL);
}

/* Frees what the worker owns; its thread has ended. */
void
worker_free(struct worker *w)
{
	struct write_result	*res, *next;

	for (res = w->w_results; res != NULL; res = next) {
		next = res->wres_next;
		write_result_free(res);
	}
	if (w->w_listener != NULL)
		evconnlistener_free(w->w_listener);
	/* A worker that never ran stops its front here. */
	if (w->w_srv != NULL && w->w_srv->s_front != NULL &&
	    w->w_front != NULL)
		w->w_srv->s_front->fo_stop(w);
	ops_env_free(&w->w_ops);
	if (w->w_reply_ev != NULL)
		event_free(w->w_reply_ev);
	if (w->w_stop_ev != NULL)
		event_free(w->w_stop_ev);
	if (w->w_sweep_ev != NULL)
		event_free(w->w_sweep_ev);
	if (w->w_wait_ev != NULL)
		event_free(w->w_wait_ev);
	free(w->w_waiting);
	if (w->w_base != NULL)
		event_base_free(w->w_base);
	pthread_mutex_destroy(&w->w_reply_mtx);
	msgpack_sbuffer_destroy(&w->w_out);
	msgpack_sbuffer_destroy(&w->w_scratch);
	msgpack_zone_destroy(&w->w_zone);
	free(w->w_conns);
	free(w->w_gens);
	free(w->w_free);
}

static time_t
worker_clock(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Once a second: the worker's clock, and connections idle too long. */
static void
worker_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	uint32_t	 i;

	(void)fd;
	(void)what;
	w->w_now = worker_clock();
	for (i = 0; i < w->w_nslots; i++)
		if (w->w_conns[i] != NULL)
			conn_sweep(w->w_conns[i], w->w_now);
}

static void
worker_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	conn_accept(arg, fd, sa, salen);
}

/* Out of descriptors: pause accepting for a second instead of spinning. */
static void
worker_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct worker	*w = arg;
	struct timeval	 tv = { 1, 0 };

	log_warn("worker %d: accept", w->w_index);
	evconnlistener_disable(l);
	if (event_base_once(w->w_base, -1, EV_TIMEOUT, worker_resume_cb, w,
	    &tv) == -1)
		evconnlistener_enable(l);
}

static void
worker_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)what;
	if (w->w_listener != NULL)
		evconnlistener_enable(w->w_listener);
}

void
worker_post_result(struct write_result *res)
{
	struct worker	*w = res->wres_route.wt_arg;

	res->wres_next = NULL;
	pthread_mutex_lock(&w->w_reply_mtx);
	*w->w_results_tail = res;
	w->w_results_tail = &res->wres_next;
	pthread_mutex_unlock(&w->w_reply_mtx);
}

void
worker_wake(void *arg)
{
	struct worker	*w = arg;

	event_active(w->w_reply_ev, 0, 0);
}

struct write_result *
worker_take_results(struct worker *w)
{
	struct write_result	*res;

	pthread_mutex_lock(&w->w_reply_mtx);
	res = w->w_results;
	w->w_results = NULL;
	w->w_results_tail = &w->w_results;
	pthread_mutex_unlock(&w->w_reply_mtx);
	return res;
}

/*
 * Write results are matched to connections by id: a closed one drops.
 * Every answer is packed first, then each connection sends once.
 */
static void
worker_reply_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker		*w = arg;
	struct write_result	*res, *next, *all;
	struct conn		*c;

	(void)fd;
	(void)what;
	all = worker_take_results(w);
	for (res = all; res != NULL; res = res->wres_next)
		if ((c = worker_conn_lookup(w, res->wres_route.wt_conn)) !=
		    NULL) {
			conn_write_result(c, res);
			c->c_answered = 1;
		}
	for (res = all; res != NULL; res = next) {
		next = res->wres_next;
		if ((c = worker_conn_lookup(w, res->wres_route.wt_conn)) !=
		    NULL && c->c_answered) {
			c->c_answered = 0;
			conn_reading(c);
			conn_flush(c);
		}
		write_result_free(res);
	}
}

struct conn *
worker_conn_lookup(struct worker *w, uint64_t id)
{
	uint32_t	 slot = (uint32_t)id;

	if (slot >= w->w_nslots || w->w_conns[slot] == NULL ||
	    w->w_gens[slot] != (uint32_t)(id >> 32))
		return NULL;
	return w->w_conns[slot];
}

int
worker_conn_add(struct worker *w, struct conn *c)
{
	uint32_t	 slot, n, i;
	void		*p;

	if (w->w_nfree == 0) {
		n = w->w_nslots ? w->w_nslots * 2 : 64;
		if ((p = reallocarray(w->w_conns, n, sizeof(*w->w_conns))) ==
		    NULL)
			return -1;
		w->w_conns = p;
		if ((p = reallocarray(w->w_gens, n, sizeof(*w->w_gens))) ==
		    NULL)
			return -1;
		w->w_gens = p;
		if ((p = reallocarray(w->w_free, n, sizeof(*w->w_free))) ==
		    NULL)
			return -1;
		w->w_free = p;
		for (i = w->w_nslots; i < n; i++) {
			w->w_conns[i] = NULL;
			w->w_gens[i] = 0;
			w->w_free[w->w_nfree++] = n - 1 - (i - w->w_nslots);
		}
		w->w_nslots = n;
	}
	slot = w->w_free[--w->w_nfree];
	w->w_conns[slot] = c;
	c->c_id = (uint64_t)w->w_gens[slot] << 32 | slot;
	return 0;
}

void
worker_conn_remove(struct worker *w, struct conn *c)
{
	uint32_t	 slot = (uint32_t)c->c_id;

	if (slot < w->w_nslots && w->w_conns[slot] == c) {
		w->w_conns[slot] = NULL;
		w->w_gens[slot]++;
		w->w_free[w->w_nfree++] = slot;
	}
}
