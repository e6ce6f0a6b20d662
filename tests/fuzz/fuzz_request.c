/*
 * Fuzz target: request decoding for every op, through the real dispatch
 * path of an in-process server: the configuration of server/qcregd.conf
 * (or $QCREG_FUZZ_CONF), an LMDB store in a temporary directory, the
 * writer thread, and one worker with a connection that has no socket:
 * its answers stay queued in c_out.
 *
 * Input: one mode byte, then frames as they arrive on the wire (a 4-byte
 * length, then the body). The mode byte picks the connection's role
 * ((mode & 7) % 5: none, platform, agency, regulator, admin), which
 * principal of that role ((mode >> 3) & 15, counted along the config's
 * principal list, i.e. the file's order reversed), and whether the frames
 * are pipelined (0x80: dispatched without waiting for writes, as from a
 * client that does not wait). Frames are handled as conn_process handles
 * them; framing errors end the input (the server would answer bad_frame
 * and close). A length of ff ff ff MM is no frame but a change of
 * principal to mode MM (once the writes so far are answered), so that
 * one input can write as several agencies and read as a regulator.
 *
 * Checked: every request gets exactly one answer, in request order, with
 * its id (nil when it had none); each answer is a valid frame holding
 * {id, ok, result | error{code, message}}, every str in it valid UTF-8,
 * no internal error. Writes are waited for (the worker's event_base is
 * run until the writer's answers are delivered), and after an input that
 * wrote, the store is emptied so that every input starts from the same
 * state. QCREG_FUZZ_VERBOSE=1 prints every answer (to read a finding).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <lmdb.h>
#include <msgpack.h>

#include "config.h"
#include "dispatch.h"
#include "errors.h"
#include "frame.h"
#include "log.h"
#include "msg.h"
#include "server.h"
#include "store.h"
#include "utf8.h"
#include "writer.h"

#define FUZZ_MAX_LEN	16384
#define MAX_REQUESTS	(FUZZ_MAX_LEN / (QC_FRAME_HDR + 1))

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct expect {
	int		 e_has_id;
	uint64_t	 e_id;
};

static struct {
	int			 ready;
	int			 verbose;	/* $QCREG_FUZZ_VERBOSE */
	char			 dir[4096];
	struct server		 srv;
	struct worker		 w;
	struct conn		 c;
	struct event		*keep;	/* the loop blocks on it */
	struct expect		 exp[MAX_REQUESTS];
	size_t			 nexp;
} fz;

static void	 fz_init(void);
static void	 fz_teardown(void);
static void	 fz_keep_cb(evutil_socket_t, short, void *);
static void	 fz_set_role(uint8_t);
static void	 fz_pump(void);
static void	 fz_reset_store(void);
static void	 fz_writer_start(void);
static void	 fz_check_answers(void);
static void	 fz_check_answer(const msgpack_object *,
		    const struct expect *);
static void	 fz_check_strs(const msgpack_object *);
static void	 fz_fail(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

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

static void
fz_keep_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static void
fz_init(void)
{
	struct evutil_addrinfo	 hints, *ai = NULL;
	struct timeval		 hour = { 3600, 0 };
	const char		*conf, *tmp;
	char			 err[1024];

	if (fz.ready)
		return;
	fz.verbose = getenv("QCREG_FUZZ_VERBOSE") != NULL;
	log_init(0);
	if (evthread_use_pthreads() == -1)
		fz_fail("evthread_use_pthreads");
	if ((conf = getenv("QCREG_FUZZ_CONF")) == NULL)
		conf = "server/qcregd.conf";
	if ((fz.srv.s_cfg = config_load(conf, err, sizeof(err))) == NULL)
		fz_fail("%s (run from the repository, or set "
		    "QCREG_FUZZ_CONF)", err);
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(fz.dir, sizeof(fz.dir), "%s/qcreg-fuzz-request.XXXXXX", tmp);
	if (mkdtemp(fz.dir) == NULL)
		fz_fail("mkdtemp %s: %s", fz.dir, strerror(errno));
	strcpy(fz.srv.s_cfg->data_dir, fz.dir);
	atexit(fz_teardown);
	if (store_open(&fz.srv.s_store, fz.dir, fz.srv.s_cfg->map_size,
	    8) == -1)
		fz_fail("store_open %s", fz.dir);
	/* Durability is not under test here; speed is. */
	if (mdb_env_set_flags(fz.srv.s_store.s_env, MDB_NOSYNC, 1) != 0)
		fz_fail("MDB_NOSYNC");
	if ((fz.srv.s_writer = writer_start(&fz.srv)) == NULL)
		fz_fail("writer_start");

	/* A real worker; its listener is closed at once. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_NUMERICSERV;
	if (evutil_getaddrinfo("127.0.0.1", "0", &hints, &ai) != 0)
		fz_fail("getaddrinfo");
	fz.srv.s_workers = &fz.w;
	fz.srv.s_nworkers = 1;
	if (worker_start(&fz.srv, &fz.w, 0, ai) == -1)
		fz_fail("worker_start");
	evutil_freeaddrinfo(ai);
	evconnlistener_free(fz.w.w_listener);
	fz.w.w_listener = NULL;
	if ((fz.keep = event_new(fz.w.w_base, -1, EV_PERSIST, fz_keep_cb,
	    NULL)) == NULL || event_add(fz.keep, &hour) == -1)
		fz_fail("keep-alive timer");

	/*
	 * No socket and no TLS: answers stay in c_out, where they are
	 * checked; c_rev exists so that backpressure may switch it.
	 */
	if ((fz.c.c_in = evbuffer_new()) == NULL ||
	    (fz.c.c_out = evbuffer_new()) == NULL ||
	    (fz.c.c_rev = event_new(fz.w.w_base, -1, 0, fz_keep_cb,
	    NULL)) == NULL)
		fz_fail("connection buffers");
	fz.c.c_worker = &fz.w;
	snprintf(fz.c.c_peer, sizeof(fz.c.c_peer), "fuzz");
	if (worker_conn_add(&fz.w, &fz.c) == -1)
		fz_fail("worker_conn_add");
	atomic_store(&fz.srv.s_nconns, 1);
	fz.c.c_ready = 1;
	fz.ready = 1;
}

/* Orderly shutdown, so that LeakSanitizer sees only real leaks. */
static void
fz_teardown(void)
{
	char	 path[4200];
	DIR	*d;
	struct dirent *de;

	if (fz.srv.s_writer != NULL) {
		writer_stop(fz.srv.s_writer);
		fz.srv.s_writer = NULL;
	}
	if (fz.c.c_out != NULL) {
		worker_conn_remove(&fz.w, &fz.c);
		event_free(fz.c.c_rev);
		evbuffer_free(fz.c.c_in);
		evbuffer_free(fz.c.c_out);
		fz.c.c_rev = NULL;
		fz.c.c_in = fz.c.c_out = NULL;
	}
	if (fz.keep != NULL) {
		event_free(fz.keep);
		fz.keep = NULL;
	}
	if (fz.w.w_base != NULL) {
		worker_free(&fz.w);
		memset(&fz.w, 0, sizeof(fz.w));
	}
	if (fz.srv.s_store.s_env != NULL)
		store_close(&fz.srv.s_store);
	config_free(fz.srv.s_cfg);
	fz.srv.s_cfg = NULL;
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
	libevent_global_shutdown();
}

/* Role from the mode byte, and a principal of that role if one exists. */
static void
fz_set_role(uint8_t mode)
{
	const struct principal	*p, *pick = NULL;
	enum role		 role = (enum role)((mode & 7) % 5);
	unsigned		 want = (mode >> 3) & 15, n = 0, i;

	for (p = fz.srv.s_cfg->principals; p != NULL; p = p->p_next)
		n += p->p_role == role;
	if (n > 0) {
		want %= n;
		for (p = fz.srv.s_cfg->principals, i = 0; p != NULL;
		    p = p->p_next) {
			if (p->p_role != role)
				continue;
			if (i++ == want) {
				pick = p;
				break;
			}
		}
	}
	fz.c.c_prin = pick;
	fz.c.c_role = pick != NULL ? pick->p_role : ROLE_NONE;
	snprintf(fz.c.c_principal, sizeof(fz.c.c_principal), "%s",
	    pick != NULL ? pick->p_name : "unconfigured-cn");
}

/*
 * Takes the writer's answers from the worker's queue, as the worker's
 * reply callback would, until every write is answered (that callback
 * would also send them, and this connection has no socket).
 */
static void
fz_pump(void)
{
	struct write_reply	*rp, *next;

	/* A held snapshot would block the writer's map growth. */
	worker_rtxn_release(&fz.w);
	while (fz.c.c_inflight > 0) {
		pthread_mutex_lock(&fz.w.w_reply_mtx);
		rp = fz.w.w_replies;
		fz.w.w_replies = NULL;
		fz.w.w_replies_tail = &fz.w.w_replies;
		pthread_mutex_unlock(&fz.w.w_reply_mtx);
		if (rp == NULL)
			sched_yield();
		for (; rp != NULL; rp = next) {
			next = rp->rp_next;
			conn_write_done(&fz.c, rp->rp_frame, rp->rp_len);
			write_reply_free(rp);
		}
	}
}

/* Empties every database, and restarts the writer at seq 0. */
static void
fz_reset_store(void)
{
	struct store	*st = &fz.srv.s_store;
	MDB_txn		*txn;
	MDB_val		 k;
	int		 rc;

	writer_stop(fz.srv.s_writer);
	fz.srv.s_writer = NULL;
	if ((rc = mdb_txn_begin(st->s_env, NULL, 0, &txn)) != 0)
		fz_fail("reset: %s", mdb_strerror(rc));
	k.mv_data = "head";
	k.mv_size = 4;
	if ((rc = mdb_drop(txn, st->s_current, 0)) != 0 ||
	    (rc = mdb_drop(txn, st->s_versions, 0)) != 0 ||
	    (rc = mdb_drop(txn, st->s_changes, 0)) != 0 ||
	    (rc = mdb_drop(txn, st->s_summary, 0)) != 0 ||
	    ((rc = mdb_del(txn, st->s_meta, &k, NULL)) != 0 &&
	    rc != MDB_NOTFOUND) ||
	    (rc = mdb_txn_commit(txn)) != 0)
		fz_fail("reset: %s", mdb_strerror(rc));
	fz_writer_start();
}

/*
 * Starts the writer with its start-up log line sent to /dev/null: it
 * restarts after every input that wrote, and stderr must stay readable.
 */
static void
fz_writer_start(void)
{
	int	 saved, null;

	fflush(stderr);
	if ((saved = dup(STDERR_FILENO)) == -1 ||
	    (null = open("/dev/null", O_WRONLY)) == -1)
		fz_fail("dup: %s", strerror(errno));
	dup2(null, STDERR_FILENO);
	close(null);
	fz.srv.s_writer = writer_start(&fz.srv);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	if (fz.srv.s_writer == NULL)
		fz_fail("writer_start");
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

static void
fz_check_answer(const msgpack_object *a, const struct expect *e)
{
	const msgpack_object	*id, *ok, *res, *err, *code, *msg;
	uint64_t		 v;

	if (a->type != MSGPACK_OBJECT_MAP || a->via.map.size != 3)
		fz_fail("answer is not a map of 3 keys");
	id = qc_map_get(a, "id");
	ok = qc_map_get(a, "ok");
	if (id == NULL || ok == NULL || ok->type != MSGPACK_OBJECT_BOOLEAN)
		fz_fail("answer without id or ok");
	if (e->e_has_id ? qc_obj_uint(id, &v) != 0 || v != e->e_id :
	    id->type != MSGPACK_OBJECT_NIL)
		fz_fail("answer out of order: id %s where %llu%s was due",
		    id->type == MSGPACK_OBJECT_NIL ? "nil" : "not matching",
		    (unsigned long long)e->e_id, e->e_has_id ? "" : " (nil)");
	if (ok->via.boolean) {
		res = qc_map_get(a, "result");
		if (res == NULL || res->type != MSGPACK_OBJECT_MAP)
			fz_fail("success without a result map");
		if (!e->e_has_id)
			fz_fail("success for a request without id");
	} else {
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
		if (qc_obj_streq(code, "internal") ||
		    qc_obj_streq(code, "bad_frame"))
			fz_fail("error %.*s: %.*s", (int)code->via.str.size,
			    code->via.str.ptr, (int)msg->via.str.size,
			    msg->via.str.ptr);
		if (!e->e_has_id && !qc_obj_streq(code, "bad_request"))
			fz_fail("request without id answered %.*s",
			    (int)code->via.str.size, code->via.str.ptr);
	}
	fz_check_strs(a);
	if (fz.verbose) {
		err = qc_map_get(qc_map_get(a, "error"), "message");
		fprintf(stderr, "answer %llu: %s %.*s\n",
		    (unsigned long long)e->e_id,
		    ok->via.boolean ? "ok" : "error",
		    err != NULL ? (int)err->via.str.size : 0,
		    err != NULL ? err->via.str.ptr : "");
	}
}

/* One answer per request, in order, and nothing else. */
static void
fz_check_answers(void)
{
	struct evbuffer		*in = fz.c.c_out;
	size_t			 total = evbuffer_get_length(in), pos = 0;
	size_t			 i, off;
	const uint8_t		*p;
	msgpack_unpacked	 up;
	uint32_t		 len;

	p = total > 0 ? evbuffer_pullup(in, -1) : NULL;
	if (total > 0 && p == NULL)
		fz_fail("evbuffer_pullup");
	for (i = 0; i < fz.nexp; i++) {
		if (total - pos < QC_FRAME_HDR)
			fz_fail("%zu answers for %zu requests", i, fz.nexp);
		len = qc_frame_get_len(p + pos);
		pos += QC_FRAME_HDR;
		if (qc_frame_check_len(len,
		    fz.srv.s_cfg->limits.max_frame) != QC_FRAME_OK ||
		    len > total - pos)
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
	evbuffer_drain(in, total);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct worker		*w = &fz.w;
	msgpack_object		 msg;
	enum dispatch_result	 dr;
	const uint8_t		*p;
	uint8_t			*body;
	size_t			 left, off;
	uint32_t		 len;
	int			 pipelined, wrote = 0, rc;

	if (size < 1 || size > FUZZ_MAX_LEN)
		return 0;
	fz_init();
	fz_set_role(data[0]);
	pipelined = (data[0] & 0x80) != 0;
	fz.nexp = 0;
	p = data + 1;
	left = size - 1;
	while (left >= QC_FRAME_HDR) {
		if (p[0] == 0xff && p[1] == 0xff && p[2] == 0xff) {
			fz_pump();
			fz_set_role(p[3]);
			p += QC_FRAME_HDR;
			left -= QC_FRAME_HDR;
			continue;
		}
		len = qc_frame_get_len(p);
		if (qc_frame_check_len(len, fz.srv.s_cfg->limits.max_frame) !=
		    QC_FRAME_OK || len > left - QC_FRAME_HDR)
			break;
		/* Exact size: a read past the body is caught. */
		if ((body = malloc(len)) == NULL)
			break;
		memcpy(body, p + QC_FRAME_HDR, len);
		p += QC_FRAME_HDR + len;
		left -= QC_FRAME_HDR + len;
		if (qc_frame_validate(body, len) != QC_FRAME_OK) {
			free(body);
			break;
		}
		/* As conn_process: the worker's zone, cleared after. */
		off = 0;
		rc = msgpack_unpack((const char *)body, len, &off,
		    &w->w_zone, &msg);
		if (rc != MSGPACK_UNPACK_SUCCESS || off != len)
			fz_fail("validated frame does not unpack (rc %d)", rc);
		fz.exp[fz.nexp].e_has_id = qc_obj_uint(qc_map_get(&msg, "id"),
		    &fz.exp[fz.nexp].e_id) == 0;
		/* conn_process holds requests at the in-flight limit. */
		if (fz.c.c_inflight >= CONN_MAX_INFLIGHT)
			fz_pump();
		while ((dr = dispatch_frame(w, &fz.c, &msg)) ==
		    DISPATCH_WAIT) {
			if (fz.c.c_inflight == 0)
				fz_fail("DISPATCH_WAIT with nothing in flight");
			/* The server drops its snapshot and comes back. */
			fz_pump();
		}
		msgpack_zone_clear(&w->w_zone);
		free(body);
		fz.nexp++;
		wrote |= dr == DISPATCH_SUBMITTED;
		if (!pipelined)
			fz_pump();
	}
	fz_pump();
	fz_check_answers();
	if (wrote)
		fz_reset_store();
	return 0;
}
