/*
 * qcreg-bench: the engine. Each thread runs an epoll loop over its share
 * of non-blocking TLS connections; a connection keeps up to P requests
 * in flight, answers are checked in order and timed, and every batch of
 * new requests goes out in one SSL_write. Level-triggered epoll, with
 * EPOLLOUT only while a write (or a read that needs to write) waits.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "bench.h"

#define EV_BATCH	256
#define READ_CHUNK	(64 * 1024)
#define RECONNECT_MAX	1000		/* per thread, then give up */
#define WAIT_MS		5		/* epoll timeout: end-of-run check */

enum cstate {
	C_OFF = 0,
	C_CONNECT,
	C_HANDSHAKE,
	C_READY,
	C_HOLD				/* idle mode: answered, held open */
};

struct bthread;

struct bconn {
	struct bthread	*t;
	int		 fd;
	SSL		*ssl;
	SSL_CTX		*ctx;
	enum cstate	 state;
	uint32_t	 events;	/* registered with epoll */
	int		 read_wants_write;
	struct buf	 in;
	struct buf	 out;
	struct slot	*ring;
	unsigned	 r_head;
	unsigned	 r_n;
	unsigned	 r_cap;
	uint64_t	 next_id;
	uint64_t	 t_start;	/* ns, connect() of this connection */
	SSL_SESSION	*sess;		/* to resume the next connection */
	int		 sent;		/* new-conn / idle: request sent */
	int		 done;		/* load: finished */
	int		 list;		/* load: list written, -1 for Redis */
	uint64_t	 cursor;	/* load: next index to look at */
	uint64_t	 stride;
};

struct engine {
	const struct bench_opts	*o;
	const struct keyset	*ks;
	struct load_plan	 plan;		/* qcreg load: the order */
	int			 planned;
	SSL_CTX			*ctx[BENCH_NLISTS];
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	uint64_t		 t_warm;
	uint64_t		 t_end;
	atomic_int		 stop;
	atomic_uint_fast64_t	 loaded;
	atomic_uint_fast64_t	 established;
	atomic_uint_fast64_t	 failed;
	atomic_uint_fast64_t	 resumed;	/* idle: handshakes resumed */
	atomic_int		 running;
};

struct bthread {
	struct engine		*e;
	const struct bench_opts	*o;
	int			 idx;
	pthread_t		 tid;
	int			 ep;
	struct bconn		*c;
	size_t			 nc;
	size_t			 next_open;	/* idle: next to open */
	size_t			 opening;	/* idle: handshakes going on */
	size_t			 live;		/* load: not done */
	unsigned		 reconnects;
	uint64_t		 rng;
	uint64_t		 now;
	SSL_SESSION		*shared;	/* idle: resumed by all */
	struct bench_req	 req;
	struct bqc		 qc;		/* qcreg: the codec's buffers */
	int			 qc_ready;	/* qc is set up */
	struct bench_entry	 ent;
	char			 subj[BENCH_BATCH_MAX][BENCH_SUBJ_MAX];
	struct bench_result	 r;
};

static uint64_t	 mono_ns(void);
static void	 note_error(struct bthread *, const char *);
static int	 new_session_cb(SSL *, SSL_SESSION *);
static void	 conn_open(struct bthread *, struct bconn *);
static void	 conn_close(struct bthread *, struct bconn *, int);
static void	 conn_fail(struct bthread *, struct bconn *, const char *);
static void	 conn_after_close(struct bthread *, struct bconn *, int);
static int	 conn_events(struct bthread *, struct bconn *, uint32_t);
static void	 conn_io(struct bthread *, struct bconn *, uint32_t);
static int	 conn_handshake(struct bthread *, struct bconn *);
static int	 conn_read(struct bthread *, struct bconn *);
static int	 conn_parse(struct bthread *, struct bconn *);
static int	 conn_complete(struct bthread *, struct bconn *,
		    const struct slot *, enum reply_verdict, const char *);
static int	 conn_fill(struct bthread *, struct bconn *);
static int	 conn_flush(struct bthread *, struct bconn *);
static int	 conn_send(struct bthread *, struct bconn *, enum bench_op);
static int64_t	 load_next(struct bthread *, struct bconn *);
static enum bench_op pick_op(struct bthread *);
static void	*thread_main(void *);
static void	 idle_open_more(struct bthread *);
static int	 resolve(struct engine *, char *, size_t);
static double	 cpu_seconds(void);
static void	 raise_nofile(uint64_t);
static void	 sleep_until(uint64_t);
static int	 engine_contexts(struct engine *, char *, size_t);
static int	 threads_alloc(struct engine *, struct bthread *, int, uint64_t,
		    char *, size_t);
static int	 conns_assign(struct engine *, struct bthread *, int, uint64_t,
		    char *, size_t);
static int	 threads_start(struct engine *, struct bthread *, int,
		    uint64_t, char *, size_t);
static void	 wait_load(struct engine *, struct bench_result *, uint64_t);
static void	 wait_idle(struct engine *, struct bench_result *, uint64_t,
		    uint64_t);
static void	 engine_wait(struct engine *, struct bthread *, int,
		    struct bench_result *, uint64_t, uint64_t);
static void	 results_sum(struct engine *, struct bthread *, int,
		    struct bench_result *);
static void	 engine_free(struct engine *, struct bthread *, int);

static uint64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
note_error(struct bthread *t, const char *why)
{
	if (t->r.first_error[0] == '\0')
		snprintf(t->r.first_error, sizeof(t->r.first_error), "%s",
		    why);
}

/*
 * A new session from the server: keep it for this slot's next connection
 * (new-conn), or for every later connection of the thread (idle, where
 * it only makes opening 10,000 connections quicker).
 */
static int
new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct bconn	*c = SSL_get_app_data(ssl);
	SSL_SESSION	**slot;

	if (c == NULL)
		return 0;
	slot = c->t->o->mode == MODE_IDLE ? &c->t->shared : &c->sess;
	if (*slot != NULL)
		SSL_SESSION_free(*slot);
	*slot = sess;
	return 1;
}

static void
conn_open(struct bthread *t, struct bconn *c)
{
	struct epoll_event	 ev;
	int			 one = 1;

	c->t_start = mono_ns();
	c->fd = socket(t->e->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		conn_fail(t, c, strerror(errno));
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&t->e->addr, t->e->addrlen) ==
	    -1 && errno != EINPROGRESS) {
		conn_fail(t, c, strerror(errno));
		return;
	}
	c->state = C_CONNECT;
	c->events = EPOLLOUT;
	ev.events = c->events;
	ev.data.ptr = c;
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		conn_fail(t, c, strerror(errno));
}

/* Closes the connection; clean sends close_notify first. */
static void
conn_close(struct bthread *t, struct bconn *c, int clean)
{
	(void)t;
	if (c->ssl != NULL) {
		if (clean)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	c->state = C_OFF;
	c->events = 0;
	c->read_wants_write = 0;
	c->r_n = 0;
	c->r_head = 0;
	c->sent = 0;
	c->in.b_off = c->in.b_len = 0;
	c->out.b_off = c->out.b_len = 0;
	ERR_clear_error();
}

static void
conn_fail(struct bthread *t, struct bconn *c, const char *why)
{
	char	 msg[200];
	int	 was_held = c->state == C_HOLD;

	snprintf(msg, sizeof(msg), "connection failed: %s", why);
	note_error(t, msg);
	t->r.conn_errors++;
	conn_close(t, c, 0);
	conn_after_close(t, c, was_held);
}

/* What a closed connection does next, per mode. */
static void
conn_after_close(struct bthread *t, struct bconn *c, int was_held)
{
	switch (t->o->mode) {
	case MODE_LOAD:
		if (!c->done) {
			c->done = 1;
			t->live--;
		}
		break;
	case MODE_IDLE:
		if (was_held)
			atomic_fetch_sub(&t->e->established, 1);
		else
			t->opening--;
		atomic_fetch_add(&t->e->failed, 1);
		break;
	default:
		if (atomic_load(&t->e->stop) || t->now >= t->e->t_end ||
		    t->reconnects >= RECONNECT_MAX)
			break;
		t->reconnects++;
		conn_open(t, c);
		break;
	}
}

static int
conn_events(struct bthread *t, struct bconn *c, uint32_t events)
{
	struct epoll_event	 ev;

	if (c->events == events)
		return 0;
	c->events = events;
	ev.events = events;
	ev.data.ptr = c;
	if (epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd, &ev) == -1) {
		conn_fail(t, c, strerror(errno));
		return -1;
	}
	return 0;
}

/* Returns 0 when the handshake is done, 1 if it waits, -1 if it failed. */
static int
conn_handshake(struct bthread *t, struct bconn *c)
{
	char	 msg[300];
	int	 rc, e;
	long	 vr;

	if ((rc = SSL_connect(c->ssl)) == 1) {
		c->state = C_READY;
		if (t->now >= t->e->t_warm && t->now < t->e->t_end) {
			t->r.handshakes++;
			t->r.resumed += SSL_session_reused(c->ssl) == 1;
		}
		if (t->o->mode == MODE_IDLE && SSL_session_reused(c->ssl) == 1)
			atomic_fetch_add(&t->e->resumed, 1);
		return conn_events(t, c, EPOLLIN);
	}
	e = SSL_get_error(c->ssl, rc);
	if (e == SSL_ERROR_WANT_READ)
		return conn_events(t, c, EPOLLIN) == -1 ? -1 : 1;
	if (e == SSL_ERROR_WANT_WRITE)
		return conn_events(t, c, EPOLLOUT) == -1 ? -1 : 1;
	if ((vr = SSL_get_verify_result(c->ssl)) != X509_V_OK)
		snprintf(msg, sizeof(msg), "TLS handshake: %s",
		    X509_verify_cert_error_string(vr));
	else
		btls_error("TLS handshake", msg, sizeof(msg));
	conn_fail(t, c, msg);
	return -1;
}

static void
conn_io(struct bthread *t, struct bconn *c, uint32_t ev)
{
	int		 err = 0, rc;
	socklen_t	 len = sizeof(err);
	char		 msg[300];

	switch (c->state) {
	case C_CONNECT:
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) ==
		    -1 || err != 0) {
			conn_fail(t, c, strerror(err ? err : errno));
			return;
		}
		if ((c->ssl = SSL_new(c->ctx)) == NULL ||
		    SSL_set_fd(c->ssl, c->fd) != 1) {
			btls_error("SSL_new", msg, sizeof(msg));
			conn_fail(t, c, msg);
			return;
		}
		SSL_set_app_data(c->ssl, c);
		if (t->o->resume && (c->sess != NULL || t->shared != NULL))
			SSL_set_session(c->ssl, c->sess != NULL ? c->sess :
			    t->shared);
		c->state = C_HANDSHAKE;
		/* FALLTHROUGH */
	case C_HANDSHAKE:
		if ((rc = conn_handshake(t, c)) != 0)
			return;
		break;
	case C_READY:
	case C_HOLD:
		if ((ev & EPOLLIN) ||
		    (c->read_wants_write && (ev & EPOLLOUT))) {
			if (conn_read(t, c) == -1 || conn_parse(t, c) != 0)
				return;
		} else if (ev & (EPOLLERR | EPOLLHUP)) {
			conn_fail(t, c, "socket error");
			return;
		}
		break;
	default:
		return;
	}
	if (conn_fill(t, c) == 0)
		conn_flush(t, c);
}

/* Reads what TLS has; 0, or -1 if the connection failed. */
static int
conn_read(struct bthread *t, struct bconn *c)
{
	char	 msg[300];
	int	 n, e;

	c->read_wants_write = 0;
	for (;;) {
		if (buf_reserve(&c->in, READ_CHUNK) == -1) {
			conn_fail(t, c, "out of memory");
			return -1;
		}
		n = SSL_read(c->ssl, c->in.b_p + c->in.b_len,
		    (int)(c->in.b_cap - c->in.b_len));
		if (n > 0) {
			c->in.b_len += (size_t)n;
			/* Anything else will show as readable again. */
			if (!SSL_has_pending(c->ssl))
				return 0;
			continue;
		}
		e = SSL_get_error(c->ssl, n);
		if (e == SSL_ERROR_WANT_READ)
			return 0;
		if (e == SSL_ERROR_WANT_WRITE) {
			c->read_wants_write = 1;
			return conn_events(t, c, EPOLLIN | EPOLLOUT);
		}
		if (e == SSL_ERROR_ZERO_RETURN ||
		    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
			snprintf(msg, sizeof(msg), "closed by the server");
		else
			btls_error("TLS read", msg, sizeof(msg));
		conn_fail(t, c, msg);
		return -1;
	}
}

/*
 * Matches buffered answers to the requests in flight. Returns 0, or 1 if
 * the connection was closed (failed, or done with in new-conn mode).
 */
static int
conn_parse(struct bthread *t, struct bconn *c)
{
	const struct slot	*s;
	enum reply_verdict	 v;
	const char		*why = NULL;
	size_t			 used;

	while (c->in.b_off < c->in.b_len) {
		if (c->r_n == 0) {
			conn_fail(t, c, "an answer to no request");
			return 1;
		}
		s = &c->ring[c->r_head];
		if (t->o->proto == PROTO_QCREG)
			used = bqc_parse(&t->qc, c->in.b_p + c->in.b_off,
			    c->in.b_len - c->in.b_off, s, &v, &why);
		else if (t->o->proto == PROTO_HTTP)
			used = http_parse(c->in.b_p + c->in.b_off,
			    c->in.b_len - c->in.b_off, s, &v, &why);
		else
			used = redis_parse(c->in.b_p + c->in.b_off,
			    c->in.b_len - c->in.b_off, s, &v, &why);
		if (used == 0)
			break;
		c->in.b_off += used;
		c->r_head = (c->r_head + 1) % c->r_cap;
		c->r_n--;
		if (conn_complete(t, c, s, v, why) != 0)
			return 1;
	}
	if (c->in.b_off == c->in.b_len)
		c->in.b_off = c->in.b_len = 0;
	return 0;
}

/* Accounts one answer; 1 if the connection is gone afterwards. */
static int
conn_complete(struct bthread *t, struct bconn *c, const struct slot *s,
    enum reply_verdict v, const char *why)
{
	if (v != RV_OK) {
		t->r.errors++;
		note_error(t, why != NULL ? why : "bad answer");
		if (v == RV_FATAL) {
			conn_fail(t, c, why != NULL ? why : "bad answer");
			return 1;
		}
	}
	if (t->now >= t->e->t_warm && t->now < t->e->t_end) {
		t->r.requests++;
		t->r.subjects += s->s_n;
		t->r.ops[s->s_op]++;
		hist_record(&t->r.hist, t->now - s->s_t0);
	}
	switch (t->o->mode) {
	case MODE_LOAD:
		if (v == RV_OK)
			atomic_fetch_add_explicit(&t->e->loaded, 1,
			    memory_order_relaxed);
		return 0;
	case MODE_NEWCONN:
		/* One request per connection: close it, open the next. */
		conn_close(t, c, 1);
		if (!atomic_load(&t->e->stop) && t->now < t->e->t_end)
			conn_open(t, c);
		return 1;
	case MODE_IDLE:
		c->state = C_HOLD;
		t->opening--;
		atomic_fetch_add(&t->e->established, 1);
		/* Idle connections keep no buffers on this side either. */
		buf_free(&c->in);
		buf_free(&c->out);
		idle_open_more(t);
		return 0;
	default:
		return 0;
	}
}

static enum bench_op
pick_op(struct bthread *t)
{
	unsigned	 r, op;

	if (t->o->mix_total == 0)
		return OP_CHECK1;
	r = (unsigned)(rng_next(&t->rng) % t->o->mix_total);
	for (op = 0; op < OP_NMIX; op++) {
		if (r < t->o->mix[op])
			return (enum bench_op)op;
		r -= t->o->mix[op];
	}
	return OP_CHECK1;
}

/* The next entry for a load connection, or -1 when it has none left. */
static int64_t
load_next(struct bthread *t, struct bconn *c)
{
	const struct load_plan	*lp = &t->e->plan;
	uint64_t		 i;

	if (t->e->planned) {
		if (c->cursor >= lp->lp_n[c->list])
			return -1;
		i = lp->lp_index[c->list][c->cursor];
		c->cursor += c->stride;
		return (int64_t)i;
	}
	while (c->cursor < t->e->ks->ks_m) {
		i = c->cursor;
		c->cursor += c->stride;
		if (c->list < 0 || keys_list(i) == c->list)
			return (int64_t)i;
	}
	return -1;
}

/* Encodes one request of op and pushes its slot; -1 on failure. */
static int
conn_send(struct bthread *t, struct bconn *c, enum bench_op op)
{
	static const char *const grades[] = { "A", "B", "C", "D" };
	struct bench_req	*q = &t->req;
	struct slot		*s;
	int64_t			 i;
	int			 k, hit, rc;

	q->op = op;
	q->id = c->next_id++;
	q->n = 0;
	q->hits = 0;
	q->entry = NULL;
	switch (op) {
	case OP_CHECK1:
	case OP_CHECKB:
	case OP_CHECKS:
	case OP_GET:
		q->n = op == OP_CHECKB || op == OP_CHECKS ? t->o->batch : 1;
		for (k = 0; k < q->n; k++) {
			q->subj[k] = t->subj[k];
			q->subj_len[k] = keyset_pick(t->e->ks, &t->rng,
			    t->subj[k], &hit);
			if (hit < 0 || q->hits < 0)
				q->hits = -1;
			else
				q->hits += hit;
		}
		break;
	case OP_PUT:
		if ((i = keyset_pick_credit(t->e->ks, &t->rng)) < 0) {
			conn_fail(t, c, "no credit entry to put");
			return -1;
		}
		keys_entry((uint64_t)i, &t->ent);
		/* A new grade: the write changes something. */
		t->ent.fields[1].f_str = grades[rng_next(&t->rng) % 4];
		q->entry = &t->ent;
		break;
	case OP_LOAD:
		if ((i = load_next(t, c)) < 0)
			return 1;
		keys_entry((uint64_t)i, &t->ent);
		q->entry = &t->ent;
		break;
	case OP_PROOF:
	case OP_CONSIST:
		/* A loaded set of n entries is the log's first n records. */
		q->seq = 1 + rng_next(&t->rng) % t->o->nkeys;
		break;
	case OP_SEARCH:
		q->subj[0] = fragset_next(t->e->ks->ks_frag, &q->subj_len[0],
		    &q->frag);
		break;
	default:
		break;
	}
	rc = t->o->proto == PROTO_QCREG ? bqc_encode(&t->qc, &c->out, q) :
	    t->o->proto == PROTO_HTTP ? http_encode(&c->out, q) :
	    redis_encode(&c->out, q);
	if (rc == -1) {
		conn_fail(t, c, "out of memory");
		return -1;
	}
	s = &c->ring[(c->r_head + c->r_n) % c->r_cap];
	c->r_n++;
	s->s_id = q->id;
	s->s_t0 = t->o->mode == MODE_NEWCONN ? c->t_start : t->now;
	s->s_op = (uint8_t)op;
	s->s_n = (uint16_t)q->n;
	s->s_hits = (int16_t)q->hits;
	s->s_frag = q->frag;
	return 0;
}

/* Tops the pipeline up; 0, or -1 if the connection is gone. */
static int
conn_fill(struct bthread *t, struct bconn *c)
{
	const struct bench_opts	*o = t->o;
	int			 rc;

	if (c->state != C_READY)
		return 0;
	t->now = mono_ns();
	switch (o->mode) {
	case MODE_RUN:
		while (c->r_n < c->r_cap && t->now < t->e->t_end)
			if (conn_send(t, c, pick_op(t)) == -1)
				return -1;
		return 0;
	case MODE_NEWCONN:
		if (!c->sent) {
			c->sent = 1;
			return conn_send(t, c, pick_op(t));
		}
		return 0;
	case MODE_IDLE:
		if (!c->sent) {
			c->sent = 1;
			return conn_send(t, c, OP_PING);
		}
		return 0;
	case MODE_LOAD:
		while (c->r_n < c->r_cap && !c->done) {
			if ((rc = conn_send(t, c, OP_LOAD)) == -1)
				return -1;
			if (rc == 1) {
				if (c->r_n > 0)
					break;
				/* Everything answered: this one is done. */
				c->done = 1;
				t->live--;
				conn_close(t, c, 1);
				return -1;
			}
		}
		return 0;
	}
	return 0;
}

/* Writes what is queued; 0, or -1 if the connection failed. */
static int
conn_flush(struct bthread *t, struct bconn *c)
{
	char	 msg[300];
	int	 n, e;

	while (c->out.b_off < c->out.b_len) {
		n = SSL_write(c->ssl, c->out.b_p + c->out.b_off,
		    (int)(c->out.b_len - c->out.b_off));
		if (n > 0) {
			c->out.b_off += (size_t)n;
			continue;
		}
		e = SSL_get_error(c->ssl, n);
		if (e == SSL_ERROR_WANT_WRITE)
			return conn_events(t, c, EPOLLIN | EPOLLOUT);
		if (e == SSL_ERROR_WANT_READ)
			return 0;
		btls_error("TLS write", msg, sizeof(msg));
		conn_fail(t, c, msg);
		return -1;
	}
	c->out.b_off = c->out.b_len = 0;
	if (!c->read_wants_write && (c->events & EPOLLOUT))
		return conn_events(t, c, EPOLLIN);
	return 0;
}

/* Idle mode: keeps at most --conns handshakes going per thread. */
static void
idle_open_more(struct bthread *t)
{
	size_t	 limit = (size_t)t->o->conns;

	while (t->next_open < t->nc && t->opening < limit &&
	    !atomic_load(&t->e->stop)) {
		t->opening++;
		conn_open(t, &t->c[t->next_open++]);
	}
}

static void *
thread_main(void *arg)
{
	struct bthread		*t = arg;
	struct engine		*e = t->e;
	struct epoll_event	 evs[EV_BATCH];
	size_t			 i;
	int			 n;

	t->now = mono_ns();
	if (t->o->mode == MODE_IDLE)
		idle_open_more(t);
	else
		for (i = 0; i < t->nc; i++)
			conn_open(t, &t->c[i]);
	while (!atomic_load_explicit(&e->stop, memory_order_relaxed)) {
		if (t->o->mode == MODE_LOAD && t->live == 0)
			break;
		if ((t->o->mode == MODE_RUN || t->o->mode == MODE_NEWCONN) &&
		    mono_ns() >= e->t_end)
			break;
		n = epoll_wait(t->ep, evs, EV_BATCH, WAIT_MS);
		if (n == -1 && errno != EINTR) {
			note_error(t, "epoll_wait failed");
			break;
		}
		t->now = mono_ns();
		for (i = 0; n > 0 && i < (size_t)n; i++)
			conn_io(t, evs[i].data.ptr, evs[i].events);
	}
	for (i = 0; i < t->nc; i++) {
		conn_close(t, &t->c[i], 1);
		if (t->c[i].sess != NULL)
			SSL_SESSION_free(t->c[i].sess);
		t->c[i].sess = NULL;
	}
	if (t->shared != NULL)
		SSL_SESSION_free(t->shared);
	t->shared = NULL;
	atomic_fetch_sub(&e->running, 1);
	return NULL;
}

static int
resolve(struct engine *e, char *err, size_t size)
{
	struct addrinfo	 hints, *ai;
	char		 port[16];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", e->o->port);
	if ((rc = getaddrinfo(e->o->host, port, &hints, &ai)) != 0) {
		snprintf(err, size, "%s: %s", e->o->host, gai_strerror(rc));
		return -1;
	}
	memcpy(&e->addr, ai->ai_addr, ai->ai_addrlen);
	e->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static double
cpu_seconds(void)
{
	struct rusage	 ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Enough descriptors for every connection (idle mode wants 10,000+). */
static void
raise_nofile(uint64_t want)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want;
	if (rl.rlim_max < want)
		rl.rlim_max = want;	/* works as root */
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 &&
	    getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
sleep_until(uint64_t t)
{
	struct timespec	 ts;
	uint64_t	 now;

	while ((now = mono_ns()) < t) {
		ts.tv_sec = (time_t)((t - now) / 1000000000ULL);
		ts.tv_nsec = (long)((t - now) % 1000000000ULL);
		nanosleep(&ts, NULL);
	}
}

/*
 * The TLS contexts: one, or for a qcreg load one per list, each with the
 * certificate of the principal that writes it; and the load order.
 */
static int
engine_contexts(struct engine *e, char *err, size_t size)
{
	const struct bench_opts	*o = e->o;
	char			 crt[1024], key[1024];
	int			 l, nctx;

	nctx = o->mode == MODE_LOAD && o->proto == PROTO_QCREG ?
	    BENCH_NLISTS : 1;
	for (l = 0; l < nctx; l++) {
		if (nctx > 1) {
			snprintf(crt, sizeof(crt), "%s/%s.crt", o->cert_dir,
			    bench_list_writers[l]);
			snprintf(key, sizeof(key), "%s/%s.key", o->cert_dir,
			    bench_list_writers[l]);
		} else {
			snprintf(crt, sizeof(crt), "%s", o->cert);
			snprintf(key, sizeof(key), "%s", o->key);
		}
		e->ctx[l] = btls_ctx(o->host, o->ca, crt, key,
		    (o->mode == MODE_NEWCONN || o->mode == MODE_IDLE) &&
		    o->resume ? new_session_cb : NULL, o->mode == MODE_IDLE,
		    err, size);
		if (e->ctx[l] == NULL)
			return -1;
	}
	if (nctx > 1) {
		if (load_plan_build(&e->plan, o->load_from, e->ks->ks_m) ==
		    -1) {
			snprintf(err, size, "out of memory");
			return -1;
		}
		e->planned = 1;
	}
	return 0;
}

/* The threads, each with its epoll, its connections and its codec. */
static int
threads_alloc(struct engine *e, struct bthread *th, int nth,
    uint64_t nconns, char *err, size_t size)
{
	const struct bench_opts	*o = e->o;
	struct bthread		*t;
	int			 k;

	/* engine_free closes what is not -1, even after a failure here. */
	for (k = 0; k < nth; k++)
		th[k].ep = -1;
	for (k = 0; k < nth; k++) {
		t = &th[k];
		t->e = e;
		t->o = o;
		t->idx = k;
		t->rng = o->seed * 0x100000001b3ULL + (uint64_t)k + 1 +
		    (uint64_t)mono_ns();
		t->nc = (size_t)(nconns / (uint64_t)nth +
		    ((uint64_t)k < nconns % (uint64_t)nth));
		if ((t->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
		    (t->c = calloc(t->nc, sizeof(*t->c))) == NULL ||
		    (o->proto == PROTO_QCREG && bqc_init(&t->qc) == -1)) {
			snprintf(err, size, "out of memory");
			return -1;
		}
		t->qc_ready = o->proto == PROTO_QCREG;
		t->qc.q_frag = e->ks->ks_frag;
	}
	return 0;
}

/* Connection gi goes to thread gi % nth, with its list and cursor. */
static int
conns_assign(struct engine *e, struct bthread *th, int nth, uint64_t nconns,
    char *err, size_t size)
{
	const struct bench_opts	*o = e->o;
	struct bthread		*t;
	struct bconn		*c;
	uint64_t		 gi;

	for (gi = 0; gi < nconns; gi++) {
		t = &th[gi % (uint64_t)nth];
		c = &t->c[gi / (uint64_t)nth];
		c->t = t;
		c->fd = -1;
		c->list = -1;
		c->ctx = e->ctx[0];
		c->r_cap = o->mode == MODE_RUN || o->mode == MODE_LOAD ?
		    (unsigned)o->pipeline : 1;
		if ((c->ring = calloc(c->r_cap, sizeof(*c->ring))) == NULL) {
			snprintf(err, size, "out of memory");
			return -1;
		}
		if (o->mode == MODE_LOAD && e->planned) {
			/* Each list is written by its own principal. */
			c->list = (int)(gi % BENCH_NLISTS);
			c->ctx = e->ctx[c->list];
			c->cursor = gi / BENCH_NLISTS;
			c->stride = (nconns - (uint64_t)c->list + 2) /
			    BENCH_NLISTS;
		} else if (o->mode == MODE_LOAD) {
			c->cursor = o->load_from + gi;
			c->stride = nconns;
		}
		if (o->mode == MODE_LOAD)
			t->live++;
	}
	return 0;
}

/* Sets the measured window and starts the threads. */
static int
threads_start(struct engine *e, struct bthread *th, int nth, uint64_t t0,
    char *err, size_t size)
{
	const struct bench_opts	*o = e->o;
	int			 k, l;

	if (o->mode == MODE_RUN || o->mode == MODE_NEWCONN) {
		e->t_warm = t0 + (uint64_t)(o->warmup * 1e9);
		e->t_end = e->t_warm + (uint64_t)(o->duration * 1e9);
	} else {
		e->t_warm = t0;
		e->t_end = UINT64_MAX;
	}
	atomic_store(&e->running, nth);
	for (k = 0; k < nth; k++)
		if (pthread_create(&th[k].tid, NULL, thread_main,
		    &th[k]) != 0) {
			fprintf(stderr, "qcreg-bench: cannot start a thread\n");
			atomic_store(&e->stop, 1);
			for (l = 0; l < k; l++)
				pthread_join(th[l].tid, NULL);
			snprintf(err, size, "pthread_create failed");
			return -1;
		}
	return 0;
}

/* Load mode: waits for the threads, showing progress once a second. */
static void
wait_load(struct engine *e, struct bench_result *res, uint64_t t0)
{
	const struct bench_opts	*o = e->o;
	uint64_t		 last = 0, now, done;

	while (atomic_load(&e->running) > 0) {
		usleep(100 * 1000);
		now = mono_ns();
		if (now - t0 >= last + 1000000000ULL && !o->json) {
			last = now - t0;
			done = atomic_load(&e->loaded);
			fprintf(stderr, "\rloaded %llu/%llu (%.0f/s)",
			    (unsigned long long)done,
			    (unsigned long long)(e->ks->ks_m - o->load_from),
			    (double)done / ((double)last / 1e9));
		}
	}
	if (last > 0 && !o->json)
		fprintf(stderr, "\n");
	res->elapsed = (double)(mono_ns() - t0) / 1e9;
	res->cpu = cpu_seconds();
}

/* Idle mode: says READY once every connection is up, then holds them. */
static void
wait_idle(struct engine *e, struct bench_result *res, uint64_t t0,
    uint64_t nconns)
{
	while (atomic_load(&e->established) + atomic_load(&e->failed) <
	    nconns && atomic_load(&e->running) > 0)
		usleep(50 * 1000);
	res->elapsed = (double)(mono_ns() - t0) / 1e9;
	printf("READY %llu established (%llu resumed), %llu failed, "
	    "in %.1f s\n",
	    (unsigned long long)atomic_load(&e->established),
	    (unsigned long long)atomic_load(&e->resumed),
	    (unsigned long long)atomic_load(&e->failed), res->elapsed);
	fflush(stdout);
	if (e->o->duration > 0)
		sleep_until(mono_ns() + (uint64_t)(e->o->duration * 1e9));
	else
		for (;;)
			pause();
	res->requests = atomic_load(&e->established);
}

/* Waits as the mode says, then stops and joins the threads. */
static void
engine_wait(struct engine *e, struct bthread *th, int nth,
    struct bench_result *res, uint64_t t0, uint64_t nconns)
{
	double	 cpu0;
	int	 k;

	switch (e->o->mode) {
	case MODE_RUN:
	case MODE_NEWCONN:
		sleep_until(e->t_warm);
		cpu0 = cpu_seconds();
		sleep_until(e->t_end);
		res->cpu = cpu_seconds() - cpu0;
		res->elapsed = e->o->duration;
		break;
	case MODE_LOAD:
		wait_load(e, res, t0);
		break;
	case MODE_IDLE:
		wait_idle(e, res, t0, nconns);
		break;
	}
	atomic_store(&e->stop, 1);
	for (k = 0; k < nth; k++)
		pthread_join(th[k].tid, NULL);
}

/* Adds up what the threads counted. */
static void
results_sum(struct engine *e, struct bthread *th, int nth,
    struct bench_result *res)
{
	struct bench_result	*r;
	int			 k, l;

	for (k = 0; k < nth; k++) {
		r = &th[k].r;
		if (e->o->mode != MODE_IDLE) {
			res->requests += r->requests;
			res->subjects += r->subjects;
		}
		for (l = 0; l < OP_COUNT; l++)
			res->ops[l] += r->ops[l];
		res->errors += r->errors;
		res->conn_errors += r->conn_errors;
		res->handshakes += r->handshakes;
		res->resumed += r->resumed;
		res->searches += th[k].qc.q_searches;
		res->truncated += th[k].qc.q_truncated;
		res->rows += th[k].qc.q_rows;
		hist_merge(&res->hist, &r->hist);
		if (res->first_error[0] == '\0' && r->first_error[0] != '\0')
			memcpy(res->first_error, r->first_error,
			    sizeof(res->first_error));
	}
	res->loaded = atomic_load(&e->loaded);
}

/* Frees the threads (as far as they were set up) and the contexts. */
static void
engine_free(struct engine *e, struct bthread *th, int nth)
{
	struct bconn	*c;
	size_t		 i;
	int		 k, l;

	for (k = 0; th != NULL && k < nth; k++) {
		for (i = 0; th[k].c != NULL && i < th[k].nc; i++) {
			c = &th[k].c[i];
			free(c->ring);
			buf_free(&c->in);
			buf_free(&c->out);
		}
		free(th[k].c);
		if (th[k].ep != -1)
			close(th[k].ep);
		if (th[k].qc_ready)
			bqc_free(&th[k].qc);
	}
	free(th);
	for (l = 0; l < BENCH_NLISTS; l++)
		if (e->ctx[l] != NULL)
			SSL_CTX_free(e->ctx[l]);
	load_plan_free(&e->plan);
}

int
engine_run(const struct bench_opts *o, const struct keyset *ks,
    struct bench_result *res)
{
	static struct engine	 e;
	struct bthread		*th = NULL;
	char			 err[512];
	uint64_t		 nconns, t0;
	int			 nth;

	memset(&e, 0, sizeof(e));
	e.o = o;
	e.ks = ks;
	memset(res, 0, sizeof(*res));
	nconns = o->mode == MODE_IDLE ? o->idle : (uint64_t)o->conns;
	nth = o->threads < 1 ? 1 : o->threads;
	if ((uint64_t)nth > nconns)
		nth = (int)nconns;
	if (resolve(&e, err, sizeof(err)) == -1)
		goto fail;
	raise_nofile(nconns + 64);
	if (engine_contexts(&e, err, sizeof(err)) == -1)
		goto fail;
	if ((th = calloc((size_t)nth, sizeof(*th))) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	if (threads_alloc(&e, th, nth, nconns, err, sizeof(err)) == -1 ||
	    conns_assign(&e, th, nth, nconns, err, sizeof(err)) == -1)
		goto fail;
	t0 = mono_ns();
	if (threads_start(&e, th, nth, t0, err, sizeof(err)) == -1)
		goto fail;
	engine_wait(&e, th, nth, res, t0, nconns);
	results_sum(&e, th, nth, res);
	engine_free(&e, th, nth);
	return 0;
fail:
	fprintf(stderr, "qcreg-bench: %s\n", err);
	engine_free(&e, th, nth);
	return -1;
}
