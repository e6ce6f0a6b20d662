/*
 * Fuzz target: requests through the server's own code, from the bytes a
 * connection receives to the answers it sends. The target builds what a
 * worker has -- a struct server over the configuration of
 * server/qcregd.conf (or $QCREG_FUZZ_CONF), a struct worker with its
 * ops environment, buffers, zone, result queue and event_base, and one
 * struct conn per input registered with worker_conn_add -- and calls the
 * server's request layer (net/conn_req.c): conn_process over the bytes
 * in c_in, conn_write_result for each write's result. Behind them is
 * everything real: frame_next, ops_dispatch, the reply slots, an LMDB
 * store in a temporary directory opened once in LLVMFuzzerInitialize,
 * and the writer thread, whose results come back through
 * worker_post_result and worker_take_results and wake the worker's base
 * as they wake a worker. Only the socket side is emulated here, as
 * conn_run, conn_reading, conn_flush and worker_reply_cb drive the
 * request layer: bytes are put into c_in while the server would read,
 * answers are taken from c_out (a peer that reads everything at once),
 * and a closing connection is freed once nothing is owed.
 *
 * Input: one mode byte, then the bytes of the connection: frames (a
 * 4-byte length, then the body) as they arrive on the wire. The mode
 * byte picks the connection's role ((mode & 7) % 5: none, platform,
 * agency, regulator, admin), which principal of that role ((mode >> 3)
 * & 15, counted along the config's principal list, i.e. the file's order
 * reversed), and whether the client pipelines (0x80: it sends while
 * answers are owed; otherwise it waits for each answer before sending
 * the next frame). A length of ff ff ff MM is no frame but a change of
 * principal to mode MM (once every answer so far has come), so that one
 * input can write as several agencies and read as a regulator. The
 * bytes between two such marks are sent in pieces of varying size, so
 * frames arrive split and across chains.
 *
 * Checked: every request gets exactly one answer, in request order, with
 * its id (nil when it had none); a framing violation is answered
 * bad_frame with its reason, last, and ends the input, as the server
 * closes the connection once the answers owed before it have left; each
 * answer is a valid frame holding {id, ok, result | error{code,
 * message}}, every str in it valid UTF-8, no internal error; nothing
 * stalls (a client that waits for its answers gets them, a server that
 * stops reading resumes) and nothing is owed at the end. After an input
 * that wrote, the store is emptied so that every input starts from the
 * same state. QCREG_FUZZ_VERBOSE=1 prints every answer and the
 * daemon's info lines (silent otherwise: most inputs would log one);
 * limits.output_cap is FUZZ_OUTPUT_CAP bytes and limits.max_frame
 * FUZZ_MAX_FRAME, far below what the config allows, so that answers hold
 * the connection back (conn_send_frame) and input stops at its cap (one
 * frame); QCREG_FUZZ_OUTPUT_CAP=N sets another output cap.
 */
#include <errno.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <lmdb.h>
#include <msgpack.h>

#include "config.h"
#include "envelope.h"
#include "errors.h"
#include "frame.h"
#include "frames.h"
#include "log.h"
#include "msg.h"
#include "net.h"
#include "outcome.h"
#include "slots.h"
#include "store.h"
#include "utf8.h"
#include "writer.h"

#define FUZZ_MAX_LEN	16384
#define FUZZ_OUTPUT_CAP	1000
#define FUZZ_MAX_FRAME	2048
/* Every frame is at least 5 bytes; one bad_frame answer more. */
#define MAX_ANSWERS	(FUZZ_MAX_LEN / (QC_FRAME_HDR + 1) + 1)
/* The longest wait for the writer before calling it stuck. */
#define FUZZ_WAIT_SECS	10

int	 LLVMFuzzerInitialize(int *, char ***);
int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
/* The daemon's log_info, by ld --wrap (Makefile). */
void	 __wrap_log_info(const char *, ...)
	    __attribute__((format(printf, 1, 2)));

/* An answer due, in order. */
struct expect {
	int		 e_has_id;
	uint64_t	 e_id;
	const char	*e_bad_frame;	/* bad_frame, this message */
};

static struct {
	int			 ready;
	int			 verbose;	/* $QCREG_FUZZ_VERBOSE */
	char			 dir[1000];	/* fits cfg->data_dir */
	struct config		*cfg;
	struct store		 st;
	struct server		 srv;
	struct worker		 w;
	struct event		*deadline;	/* bounds a wait for results */
	int			 timed_out;
	int			 replies;	/* fz_reply_cb runs */
	msgpack_zone		 zone;		/* the frames' expected answers */
	/* The input's connection (NULL once closed) and its read event. */
	struct conn		*c;
	int			 pipelined;
	int			 armed;		/* added, as conn_reading left it */
	int			 activated;	/* event_active, not yet run */
	/* The client: what it sent and what it received. */
	size_t			 piece;		/* index into the read sizes */
	size_t			 nsent;		/* whole frames */
	size_t			 nrecv;		/* answers */
	struct evbuffer		*recv;
	struct expect		 exp[MAX_ANSWERS];
	size_t			 nexp;
} fz;

static void	 fz_fail(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static void	 fz_teardown(void);
static void	 fz_writer_start(void);
static void	 fz_worker_init(void);
static void	 fz_reset_store(void);
static void	 fz_conn_open(uint8_t);
static void	 fz_set_role(struct conn *, uint8_t);
static void	 fz_reply_cb(evutil_socket_t, short, void *);
static void	 fz_deadline_cb(evutil_socket_t, short, void *);
static int	 fz_turn(int);
static void	 fz_run(struct conn *);
static void	 fz_reading(struct conn *);
static void	 fz_flush(struct conn *);
static void	 fz_receive(struct conn *);
static size_t	 fz_frame_size(const uint8_t *, size_t);
static const uint8_t *fz_send(const uint8_t *, const uint8_t *,
		    const uint8_t **);
static void	 fz_feed(const uint8_t *, size_t);
static void	 fz_settled(size_t);
static void	 fz_expect(int, uint64_t, const char *);
static void	 fz_expect_frames(const uint8_t *, size_t);
static void	 fz_segment(const uint8_t *, size_t);
static void	 fz_check_answers(void);
static void	 fz_check_answer(const msgpack_object *,
		    const struct expect *);
static void	 fz_check_error(const msgpack_object *,
		    const struct expect *);
static void	 fz_check_strs(const msgpack_object *);
static uint64_t	 fz_head_seq(void);

/*
 * The daemon's info lines (a bad frame logs one; the writer one when it
 * starts, after every input that wrote) only with QCREG_FUZZ_VERBOSE:
 * otherwise most inputs would log a line.
 */
void
__wrap_log_info(const char *fmt, ...)
{
	va_list	 ap;

	if (!fz.verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "qcregd: info: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static void
fz_fail(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_request: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*conf, *tmp, *cap;
	char		 err[1024];

	(void)argc;
	(void)argv;
	fz.verbose = getenv("QCREG_FUZZ_VERBOSE") != NULL;
	log_init(0);
	if ((conf = getenv("QCREG_FUZZ_CONF")) == NULL)
		conf = "server/qcregd.conf";
	if ((fz.cfg = config_load(conf, err, sizeof(err))) == NULL)
		fz_fail("%s (run from the repository, or set "
		    "QCREG_FUZZ_CONF)", err);
	/*
	 * A small output cap and a small max_frame (the input cap is one
	 * frame), so that inputs of FUZZ_MAX_LEN meet backpressure both ways.
	 */
	fz.cfg->limits.output_cap = FUZZ_OUTPUT_CAP;
	fz.cfg->limits.max_frame = FUZZ_MAX_FRAME;
	if ((cap = getenv("QCREG_FUZZ_OUTPUT_CAP")) != NULL)
		fz.cfg->limits.output_cap = strtoull(cap, NULL, 10);
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(fz.dir, sizeof(fz.dir), "%s/qcreg-fuzz-request.XXXXXX", tmp);
	if (mkdtemp(fz.dir) == NULL)
		fz_fail("mkdtemp %s: %s", fz.dir, strerror(errno));
	snprintf(fz.cfg->data_dir, sizeof(fz.cfg->data_dir), "%s", fz.dir);
	atexit(fz_teardown);
	if (store_open(&fz.st, fz.dir, fz.cfg->map_size, 8) == -1)
		fz_fail("store_open %s", fz.dir);
	/* Durability is not under test here; speed is. */
	if (mdb_env_set_flags(fz.st.s_env, MDB_NOSYNC, 1) != 0)
		fz_fail("MDB_NOSYNC");
	fz_writer_start();
	fz_worker_init();
	if ((fz.recv = evbuffer_new()) == NULL ||
	    !msgpack_zone_init(&fz.zone, MSGPACK_ZONE_CHUNK_SIZE))
		fz_fail("the client's buffers");
	fz.ready = 1;
	return 0;
}

/*
 * The server and its one worker, as net_start and worker_start make
 * them, without listener, threads or timers: the worker's base only
 * carries write results (worker_post_result activates w_reply_ev from
 * the writer thread, hence evthread_use_pthreads, as in main.c).
 */
static void
fz_worker_init(void)
{
	struct worker	*w = &fz.w;

	fz.srv.s_cfg = fz.cfg;
	fz.srv.s_store = &fz.st;
	fz.srv.s_workers = w;
	fz.srv.s_nworkers = 1;
	w->w_srv = &fz.srv;
	w->w_results_tail = &w->w_results;
	msgpack_sbuffer_init(&w->w_out);
	msgpack_sbuffer_init(&w->w_scratch);
	if (evthread_use_pthreads() == -1 ||
	    ops_env_init(&w->w_ops, fz.cfg, &fz.st, fz.srv.s_writer, NULL) == -1 ||
	    !msgpack_zone_init(&w->w_zone, 8192) ||
	    pthread_mutex_init(&w->w_reply_mtx, NULL) != 0 ||
	    (w->w_base = event_base_new()) == NULL ||
	    (w->w_reply_ev = event_new(w->w_base, -1, 0, fz_reply_cb,
	    w)) == NULL ||
	    (fz.deadline = evtimer_new(w->w_base, fz_deadline_cb,
	    NULL)) == NULL)
		fz_fail("the worker");
}

/* Orderly shutdown, so that LeakSanitizer sees only real leaks. */
static void
fz_teardown(void)
{
	char		 path[1100];
	DIR		*d;
	struct dirent	*de;

	if (fz.srv.s_writer != NULL) {
		writer_stop(fz.srv.s_writer);
		fz.srv.s_writer = NULL;
	}
	if (fz.c != NULL) {
		conn_free(fz.c);
		fz.c = NULL;
	}
	if (fz.deadline != NULL) {
		event_free(fz.deadline);
		fz.deadline = NULL;
	}
	if (fz.w.w_srv != NULL) {
		worker_free(&fz.w);
		fz.w.w_srv = NULL;
	}
	if (fz.recv != NULL) {
		evbuffer_free(fz.recv);
		fz.recv = NULL;
		msgpack_zone_destroy(&fz.zone);
	}
	if (fz.st.s_env != NULL)
		store_close(&fz.st);
	config_free(fz.cfg);
	fz.cfg = NULL;
	if (fz.dir[0] != '\0' && (d = opendir(fz.dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s",
			    fz.dir, de->d_name) < sizeof(path))
				unlink(path);
		}
		closedir(d);
		rmdir(fz.dir);
		fz.dir[0] = '\0';
	}
}

/* Starts the writer (again after every input that wrote). */
static void
fz_writer_start(void)
{
	if ((fz.srv.s_writer = writer_start(&fz.st, fz.cfg)) == NULL)
		fz_fail("writer_start");
	fz.w.w_ops.oe_writer = fz.srv.s_writer;
}

/* Empties every database, and restarts the writer at seq 0. */
static void
fz_reset_store(void)
{
	struct store	*st = &fz.st;
	MDB_txn		*txn;
	MDB_val		 k;
	int		 rc;

	writer_stop(fz.srv.s_writer);
	fz.srv.s_writer = NULL;
	ops_burst_end(&fz.w.w_ops);
	if ((rc = mdb_txn_begin(st->s_env, NULL, 0, &txn)) != 0)
		fz_fail("reset: %s", mdb_strerror(rc));
	k.mv_data = "head";
	k.mv_size = 4;
	if ((rc = mdb_drop(txn, st->s_versions, 0)) != 0 ||
	    (rc = mdb_drop(txn, st->s_changes, 0)) != 0 ||
	    (rc = mdb_drop(txn, st->s_summary, 0)) != 0 ||
	    ((rc = mdb_del(txn, st->s_meta, &k, NULL)) != 0 &&
	    rc != MDB_NOTFOUND) ||
	    (rc = mdb_txn_commit(txn)) != 0)
		fz_fail("reset: %s", mdb_strerror(rc));
	fz_writer_start();
}

/*
 * The input's connection, as conn_accept makes one after its handshake
 * but with no socket, SSL or events (conn_free handles their absence):
 * registered with the worker for the id its writes' results carry.
 */
static void
fz_conn_open(uint8_t mode)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fz_fail("calloc");
	c->c_worker = &fz.w;
	c->c_fd = -1;
	c->c_caller.cl_name = c->c_principal;
	c->c_caller.cl_role = ROLE_NONE;
	slots_init(&c->c_slots);
	snprintf(c->c_peer, sizeof(c->c_peer), "fuzz");
	if ((c->c_in = evbuffer_new()) == NULL ||
	    (c->c_out = evbuffer_new()) == NULL ||
	    worker_conn_add(&fz.w, c) == -1)
		fz_fail("a connection");
	/* conn_accept counts it, conn_free counts it out. */
	atomic_fetch_add(&fz.srv.s_nconns, 1);
	c->c_ready = 1;
	fz.c = c;
	fz.armed = 1;
	fz.activated = 0;
	fz_set_role(c, mode);
}

/* Role from the mode byte, and a principal of that role if one exists. */
static void
fz_set_role(struct conn *c, uint8_t mode)
{
	const struct principal	*p, *pick = NULL;
	enum role		 role = (enum role)((mode & 7) % 5);
	unsigned		 want = (mode >> 3) & 15, n = 0, i;

	for (p = fz.cfg->principals; p != NULL; p = p->p_next)
		n += p->p_role == role;
	if (n > 0) {
		want %= n;
		for (p = fz.cfg->principals, i = 0; p != NULL;
		    p = p->p_next) {
			if (p->p_role != role)
				continue;
			if (i++ == want) {
				pick = p;
				break;
			}
		}
	}
	/* As conn.c identifies a peer: its CN, then the principal. */
	snprintf(c->c_principal, sizeof(c->c_principal), "%s",
	    pick != NULL ? pick->p_name : "unconfigured-cn");
	c->c_caller.cl_prin = config_principal(fz.cfg, c->c_principal);
	c->c_caller.cl_role = c->c_caller.cl_prin != NULL ?
	    c->c_caller.cl_prin->p_role : ROLE_NONE;
	fz.pipelined = (mode & 0x80) != 0;
}

/*
 * worker_reply_cb, on the worker's base: each result to its connection
 * by id, conn_write_result, then the socket side of conn_reading and
 * conn_flush.
 */
static void
fz_reply_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker		*w = arg;
	struct write_result	*res, *next;
	struct conn		*c;

	(void)fd;
	(void)what;
	fz.replies++;
	for (res = worker_take_results(w); res != NULL; res = next) {
		next = res->wres_next;
		c = worker_conn_lookup(w, res->wres_route.wt_conn);
		if (c == NULL)
			fz_fail("a write result for a closed connection");
		if (c->c_writes == 0)
			fz_fail("a write result nobody waits for");
		conn_write_result(c, res);
		fz_reading(c);
		fz_flush(c);
		write_result_free(res);
	}
}

static void
fz_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	fz.timed_out = 1;
}

/*
 * One turn of the worker's loop: EVLOOP_NONBLOCK takes the results
 * already posted, EVLOOP_ONCE waits for some, at most FUZZ_WAIT_SECS.
 * Returns whether any were handled.
 */
static int
fz_turn(int flags)
{
	struct timeval	 tv = { FUZZ_WAIT_SECS, 0 };
	int		 replies = fz.replies;

	fz.timed_out = 0;
	if ((flags & EVLOOP_ONCE) && evtimer_add(fz.deadline, &tv) == -1)
		fz_fail("evtimer_add");
	if (event_base_loop(fz.w.w_base, flags) == -1)
		fz_fail("event_base_loop");
	if (flags & EVLOOP_ONCE)
		evtimer_del(fz.deadline);
	if (fz.timed_out)
		fz_fail("no write result in %d s", FUZZ_WAIT_SECS);
	return fz.replies != replies;
}

/* conn_run, its bytes already in c_in (no TLS to read through). */
static void
fz_run(struct conn *c)
{
	conn_process(c);
	fz_reading(c);
	fz_flush(c);
}

/*
 * conn_reading: whether the read event stays added, and whether the
 * turn event is activated for frames left for the next turn (no records
 * inside OpenSSL here), whether or not reading is on.
 */
static void
fz_reading(struct conn *c)
{
	fz.armed = conn_wants_input(c);
	if (c->c_backlog)
		fz.activated = 1;
}

/*
 * conn_flush, to a peer that takes every answer at once: the answers
 * leave; a closing connection closes once nothing is owed (conn_close
 * without the close_notify); a connection held by unsent answers goes
 * on.
 */
static void
fz_flush(struct conn *c)
{
	for (;;) {
		fz_receive(c);
		switch (conn_drained(c)) {
		case DRAIN_CLOSE:
			conn_free(c);
			fz.c = NULL;
			return;
		case DRAIN_RESUMED:
			fz_reading(c);
			continue;
		case DRAIN_IDLE:
			return;
		}
	}
}

/* The client reads c_out: whole answer frames only, counted. */
static void
fz_receive(struct conn *c)
{
	size_t		 total, pos = 0, n;
	const uint8_t	*p;

	if ((total = evbuffer_get_length(c->c_out)) == 0)
		return;
	if ((p = evbuffer_pullup(c->c_out, -1)) == NULL)
		fz_fail("evbuffer_pullup");
	while ((n = fz_frame_size(p + pos, total - pos)) > 0) {
		pos += n;
		fz.nrecv++;
	}
	if (pos != total)
		fz_fail("c_out holds part of an answer");
	if (evbuffer_add_buffer(fz.recv, c->c_out) == -1)
		fz_fail("evbuffer_add_buffer");
}

/* The size of the whole frame at p, or 0 if the bytes end before it. */
static size_t
fz_frame_size(const uint8_t *p, size_t left)
{
	size_t	 n;

	if (left < QC_FRAME_HDR)
		return 0;
	n = QC_FRAME_HDR + (size_t)qc_frame_get_len(p);
	return n <= left ? n : 0;
}

/*
 * The client sends its next piece from p, referenced in place (its own
 * chain; ASan sees a read past the input); a client that waits for its
 * answers sends no byte of the next frame with it. *next is the first
 * frame not wholly sent. The server reads it at once.
 */
static const uint8_t *
fz_send(const uint8_t *p, const uint8_t *end, const uint8_t **next)
{
	static const size_t	 reads[] = { 4096, 1, 7, 300, 2, 16384, 64 };
	size_t			 n, whole;

	n = reads[fz.piece++ % (sizeof(reads) / sizeof(reads[0]))];
	if (n > (size_t)(end - p))
		n = (size_t)(end - p);
	whole = fz_frame_size(*next, (size_t)(end - *next));
	if (!fz.pipelined && whole > 0 && n > (size_t)(*next + whole - p))
		n = (size_t)(*next + whole - p);
	if (evbuffer_add_reference(fz.c->c_in, p, n, NULL, NULL) == -1)
		fz_fail("evbuffer_add_reference");
	p += n;
	while ((whole = fz_frame_size(*next, (size_t)(p - *next))) > 0) {
		*next += whole;
		fz.nsent++;
	}
	fz_run(fz.c);
	return p;
}

/*
 * The connection's side of the bytes from p: the worker's events in
 * turn -- an activated read event, write results, the client's next
 * piece while the server reads (and, unless it pipelines, once every
 * answer so far has come), else a wait for the writer -- until none is
 * left or the connection has closed.
 */
static void
fz_feed(const uint8_t *p, size_t len)
{
	const uint8_t	*end = p + len, *next = p;

	fz.piece = 0;
	while (fz.c != NULL) {
		if (fz.activated) {
			fz.activated = 0;
			fz_run(fz.c);
		} else if (fz.c->c_writes > 0 && fz_turn(EVLOOP_NONBLOCK))
			continue;
		else if (p < end && fz.armed && (fz.pipelined || p != next ||
		    fz.nrecv >= fz.nsent))
			p = fz_send(p, end, &next);
		else if (fz.c->c_writes > 0)
			fz_turn(EVLOOP_ONCE);
		else
			break;
	}
	if (fz.c != NULL)
		fz_settled((size_t)(end - p));
}

/* Nothing left to happen: no byte left unread, no answer left owed. */
static void
fz_settled(size_t left)
{
	struct conn	*c = fz.c;

	if (left == 0 && fz.nrecv == fz.nsent && !c->c_closing &&
	    slots_empty(&c->c_slots))
		return;
	fz_fail("stalled: %zu bytes unsent, %zu answers for %zu frames; "
	    "c_in %zu, c_out %zu, writes %u, owed %s, reading %s%s%s%s",
	    left, fz.nrecv, fz.nsent, evbuffer_get_length(c->c_in),
	    evbuffer_get_length(c->c_out), c->c_writes,
	    slots_empty(&c->c_slots) ? "none" : "some",
	    fz.armed ? "on" : "off", c->c_closing ? ", closing" : "",
	    c->c_out_full ? ", output full" : "",
	    slots_full(&c->c_slots) ? ", slots full" : "");
}

static void
fz_expect(int has_id, uint64_t id, const char *bad_frame)
{
	if (fz.nexp == MAX_ANSWERS)
		fz_fail("more requests than the input can hold");
	fz.exp[fz.nexp].e_has_id = has_id;
	fz.exp[fz.nexp].e_id = id;
	fz.exp[fz.nexp].e_bad_frame = bad_frame;
	fz.nexp++;
}

/*
 * The answers the bytes call for, in order: the frames as frame_next
 * takes them from one contiguous chain, each request's id (as
 * conn_request reads it), up to a frame cut short or a bad one.
 */
static void
fz_expect_frames(const uint8_t *p, size_t len)
{
	struct evbuffer	*b;
	msgpack_object	 msg;
	const char	*why;
	uint64_t	 id;
	size_t		 n;
	int		 has_id, done = 0;

	if ((b = evbuffer_new()) == NULL ||
	    evbuffer_add_reference(b, p, len, NULL, NULL) == -1)
		fz_fail("evbuffer");
	while (!done) {
		switch (frame_next(b, fz.cfg->limits.max_frame, &fz.zone,
		    &msg, &n, &why)) {
		case FRAME_MORE:
			done = 1;
			break;
		case FRAME_BAD:
			fz_expect(0, 0, why);
			done = 1;
			break;
		case FRAME_READY:
			id = 0;
			has_id = qc_obj_uint(qc_map_get(&msg, "id"), &id) == 0;
			fz_expect(has_id, id, NULL);
			frame_consume(b, n);
			break;
		}
		msgpack_zone_clear(&fz.zone);
	}
	evbuffer_free(b);
}

/* The bytes between two marks: what they call for, then the traffic. */
static void
fz_segment(const uint8_t *p, size_t len)
{
	fz_expect_frames(p, len);
	fz_feed(p, len);
}

/* Every str anywhere in an answer, keys included, is valid UTF-8. */
static void
fz_check_strs(const msgpack_object *o)
{
	uint32_t	 i;

	switch (o->type) {
	case MSGPACK_OBJECT_STR:
		if (!qc_utf8_valid(o->via.str.ptr, o->via.str.size))
			fz_fail("answer holds a str that is not valid UTF-8: "
			    "'%.*s'", (int)o->via.str.size, o->via.str.ptr);
		break;
	case MSGPACK_OBJECT_ARRAY:
		for (i = 0; i < o->via.array.size; i++)
			fz_check_strs(&o->via.array.ptr[i]);
		break;
	case MSGPACK_OBJECT_MAP:
		for (i = 0; i < o->via.map.size; i++) {
			fz_check_strs(&o->via.map.ptr[i].key);
			fz_check_strs(&o->via.map.ptr[i].val);
		}
		break;
	default:
		break;
	}
}

/* An error answer: a known code, never internal, bad_frame where due. */
static void
fz_check_error(const msgpack_object *a, const struct expect *e)
{
	const msgpack_object	*err, *code, *msg;

	err = qc_map_get(a, "error");
	code = qc_map_get(err, "code");
	msg = qc_map_get(err, "message");
	if (err == NULL || err->type != MSGPACK_OBJECT_MAP ||
	    err->via.map.size != 2 || code == NULL ||
	    code->type != MSGPACK_OBJECT_STR || msg == NULL ||
	    msg->type != MSGPACK_OBJECT_STR)
		fz_fail("error without code and message");
	if (!qc_obj_streq(code, qc_err_name(qc_err_from_name(
	    code->via.str.ptr, code->via.str.size))) ||
	    qc_obj_streq(code, "ok"))
		fz_fail("unknown error code '%.*s'",
		    (int)code->via.str.size, code->via.str.ptr);
	if (qc_obj_streq(code, "internal"))
		fz_fail("error %.*s: %.*s", (int)code->via.str.size,
		    code->via.str.ptr, (int)msg->via.str.size,
		    msg->via.str.ptr);
	if (e->e_bad_frame != NULL) {
		if (!qc_obj_streq(code, "bad_frame") ||
		    !qc_obj_streq(msg, e->e_bad_frame))
			fz_fail("bad_frame due (%s), got %.*s",
			    e->e_bad_frame, (int)code->via.str.size,
			    code->via.str.ptr);
	} else if (qc_obj_streq(code, "bad_frame"))
		fz_fail("bad_frame for a good frame: %.*s",
		    (int)msg->via.str.size, msg->via.str.ptr);
	else if (!e->e_has_id && !qc_obj_streq(code, "bad_request"))
		fz_fail("request without id answered %.*s",
		    (int)code->via.str.size, code->via.str.ptr);
}

static void
fz_check_answer(const msgpack_object *a, const struct expect *e)
{
	const msgpack_object	*res, *msg;
	struct qc_answer	 ans;
	const char		*why;

	if (a->type != MSGPACK_OBJECT_MAP || a->via.map.size != 3)
		fz_fail("answer is not a map of 3 keys");
	if (qc_env_parse(a, &ans, &why) == -1)
		fz_fail("answer: %s", why);
	if (ans.a_has_id != e->e_has_id || ans.a_id != e->e_id)
		fz_fail("answer out of order: id %s%llu where %llu%s was due",
		    ans.a_has_id ? "" : "nil ", (unsigned long long)ans.a_id,
		    (unsigned long long)e->e_id, e->e_has_id ? "" : " (nil)");
	if (ans.a_ok) {
		res = qc_map_get(a, "result");
		if (res == NULL || res->type != MSGPACK_OBJECT_MAP)
			fz_fail("success without a result map");
		if (e->e_bad_frame != NULL)
			fz_fail("success where bad_frame was due");
	} else
		fz_check_error(a, e);
	fz_check_strs(a);
	if (fz.verbose) {
		msg = qc_map_get(qc_map_get(a, "error"), "message");
		fprintf(stderr, "answer %llu: %s %.*s\n",
		    (unsigned long long)e->e_id, ans.a_ok ? "ok" : "error",
		    msg != NULL ? (int)msg->via.str.size : 0,
		    msg != NULL ? msg->via.str.ptr : "");
	}
}

/* One answer per request, in order, and nothing else. */
static void
fz_check_answers(void)
{
	struct evbuffer		*recv = fz.recv;
	size_t			 total, pos = 0;
	size_t			 i, off;
	const uint8_t		*p;
	msgpack_unpacked	 up;
	uint32_t		 len;

	total = evbuffer_get_length(recv);
	p = total > 0 ? evbuffer_pullup(recv, -1) : NULL;
	if (total > 0 && p == NULL)
		fz_fail("evbuffer_pullup");
	for (i = 0; i < fz.nexp; i++) {
		if (total - pos < QC_FRAME_HDR)
			fz_fail("%zu answers for %zu requests", i, fz.nexp);
		len = qc_frame_get_len(p + pos);
		pos += QC_FRAME_HDR;
		if (qc_frame_check_len(len, fz.cfg->limits.max_frame) !=
		    QC_FRAME_OK || len > total - pos)
			fz_fail("answer %zu: bad length %u", i, len);
		if (qc_frame_validate(p + pos, len) != QC_FRAME_OK)
			fz_fail("answer %zu: invalid frame: %s", i,
			    qc_frame_strerror(qc_frame_validate(p + pos,
			    len)));
		msgpack_unpacked_init(&up);
		off = 0;
		if (msgpack_unpack_next(&up, (const char *)p + pos, len,
		    &off) != MSGPACK_UNPACK_SUCCESS || off != len)
			fz_fail("answer %zu does not unpack", i);
		fz_check_answer(&up.data, &fz.exp[i]);
		msgpack_unpacked_destroy(&up);
		pos += len;
	}
	if (pos != total)
		fz_fail("%zu bytes after the last answer", total - pos);
	evbuffer_drain(recv, total);
}

/* The head of the change log: only a write moves it. */
static uint64_t
fz_head_seq(void)
{
	uint8_t		 hash[STORE_HASH_LEN];
	uint64_t	 seq;
	MDB_txn		*txn;

	if (mdb_txn_begin(fz.st.s_env, NULL, MDB_RDONLY, &txn) != 0 ||
	    store_head(&fz.st, txn, &seq, hash) != 0)
		fz_fail("reading the change log head");
	mdb_txn_abort(txn);
	return seq;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*p, *seg, *end;
	uint32_t	 len;

	if (size < 1 || size > FUZZ_MAX_LEN)
		return 0;
	if (!fz.ready)
		LLVMFuzzerInitialize(NULL, NULL);
	fz.nexp = fz.nsent = fz.nrecv = 0;
	fz_conn_open(data[0]);
	end = data + size;
	seg = p = data + 1;
	/*
	 * Walk the frames to find the principal marks; send the bytes
	 * between two marks. A length past the end takes the rest.
	 */
	while (end - p >= QC_FRAME_HDR) {
		if (p[0] == 0xff && p[1] == 0xff && p[2] == 0xff) {
			fz_segment(seg, (size_t)(p - seg));
			/* Closed after a bad frame: the input ends. */
			if (fz.c == NULL)
				break;
			fz_set_role(fz.c, p[3]);
			seg = p += QC_FRAME_HDR;
			continue;
		}
		len = qc_frame_get_len(p);
		p += QC_FRAME_HDR;
		p += len < (size_t)(end - p) ? len : (size_t)(end - p);
	}
	if (fz.c != NULL)
		fz_segment(seg, (size_t)(end - seg));
	fz_check_answers();
	/* What is left is a frame cut short: the peer went away. */
	if (fz.c != NULL) {
		conn_free(fz.c);
		fz.c = NULL;
	}
	if (fz_head_seq() > 0)
		fz_reset_store();
	return 0;
}
