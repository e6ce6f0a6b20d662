/*
 * Fuzz target: requests through the server's own code, from the bytes a
 * connection receives to the answers it sends. The input goes into an
 * evbuffer, as decrypted records go into c_in, and the frame loop of
 * net/conn_req.c runs over it: frame_next, ops_find, ops_dispatch, the
 * answer packed with the envelope API and ordered by the reply slots.
 * Behind ops_dispatch is everything real: the configuration of
 * server/qcregd.conf (or $QCREG_FUZZ_CONF), an LMDB store in a temporary
 * directory opened once in LLVMFuzzerInitialize, and the writer thread,
 * whose results come back through a write_route callback and are
 * answered as conn_write_result answers them. Only the socket and TLS
 * are missing: answers go to an evbuffer, where they are checked.
 *
 * Input: one mode byte, then the bytes of the connection: frames (a
 * 4-byte length, then the body) as they arrive on the wire. The mode
 * byte picks the connection's role ((mode & 7) % 5: none, platform,
 * agency, regulator, admin), which principal of that role ((mode >> 3)
 * & 15, counted along the config's principal list, i.e. the file's order
 * reversed), and whether writes are pipelined (0x80: the next frames are
 * handled while writes are at the writer, as from a client that does not
 * wait; otherwise each write's answer is awaited). A length of ff ff ff
 * MM is no frame but a change of principal to mode MM (once the writes
 * so far are answered), so that one input can write as several agencies
 * and read as a regulator. The bytes between two such marks are fed in
 * pieces of varying size, so frames arrive split and across chains.
 *
 * Checked: every request gets exactly one answer, in request order, with
 * its id (nil when it had none); a framing violation is answered
 * bad_frame with its reason and ends the input, as the server closes the
 * connection; each answer is a valid frame holding {id, ok, result |
 * error{code, message}}, every str in it valid UTF-8, no internal error;
 * the slots never stall (no answer owed once every write is answered).
 * After an input that wrote, the store is emptied so that every input
 * starts from the same state. QCREG_FUZZ_VERBOSE=1 prints every answer.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <lmdb.h>
#include <msgpack.h>

#include "config.h"
#include "envelope.h"
#include "errors.h"
#include "frame.h"
#include "frames.h"
#include "log.h"
#include "msg.h"
#include "ops.h"
#include "outcome.h"
#include "slots.h"
#include "store.h"
#include "utf8.h"
#include "writer.h"

#define FUZZ_MAX_LEN	16384
/* Every frame is at least 5 bytes; one bad_frame answer more. */
#define MAX_ANSWERS	(FUZZ_MAX_LEN / (QC_FRAME_HDR + 1) + 1)

int	 LLVMFuzzerInitialize(int *, char ***);
int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

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
	struct writer		*wt;
	struct ops_env		 env;
	/* The connection: its input, output, slots and caller. */
	struct evbuffer		*in;
	struct evbuffer		*out;
	struct slots		 slots;
	struct caller		 who;
	char			 name[CFG_NAME_MAX];
	unsigned		 writes;	/* at the writer */
	int			 closing;
	int			 pipelined;
	/* The worker's buffers. */
	msgpack_zone		 zone;
	msgpack_sbuffer		 wout;
	msgpack_sbuffer		 scratch;
	struct expect		 exp[MAX_ANSWERS];
	size_t			 nexp;
} fz;

/* Write results, posted by the writer thread. */
static struct {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	struct write_result	*head;
	struct write_result	**tail;
} posted = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL,
    &posted.head };

static void	 fz_fail(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static void	 fz_teardown(void);
static void	 fz_writer_start(void);
static void	 fz_reset_store(void);
static void	 fz_set_role(uint8_t);
static void	 fz_post(struct write_result *);
static void	 fz_pump(void);
static void	 fz_write_result(struct write_result *);
static int	 fz_emit(void *, const void *, size_t);
static void	 fz_expect(int, uint64_t, const char *);
static void	 fz_answer(int, msgpack_sbuffer *);
static void	 fz_answer_error(int, int, uint64_t, const struct fault *);
static void	 fz_bad_frame(const char *);
static enum op_status fz_run_op(const struct op_entry *,
		    const msgpack_object *, uint64_t, int, struct fault *);
static void	 fz_request(const msgpack_object *, const struct op_entry *);
static void	 fz_process(void);
static void	 fz_feed(const uint8_t *, size_t);
static void	 fz_check_answers(void);
static void	 fz_check_answer(const msgpack_object *,
		    const struct expect *);
static void	 fz_check_strs(const msgpack_object *);
static uint64_t	 fz_head_seq(void);

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
	const char	*conf, *tmp;
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
	if (ops_env_init(&fz.env, fz.cfg, &fz.st, fz.wt) == -1)
		fz_fail("ops_env_init");
	if ((fz.in = evbuffer_new()) == NULL ||
	    (fz.out = evbuffer_new()) == NULL ||
	    !msgpack_zone_init(&fz.zone, MSGPACK_ZONE_CHUNK_SIZE))
		fz_fail("connection buffers");
	msgpack_sbuffer_init(&fz.wout);
	msgpack_sbuffer_init(&fz.scratch);
	slots_init(&fz.slots);
	fz.ready = 1;
	return 0;
}

/* Orderly shutdown, so that LeakSanitizer sees only real leaks. */
static void
fz_teardown(void)
{
	char		 path[1100];
	DIR		*d;
	struct dirent	*de;

	if (fz.wt != NULL) {
		writer_stop(fz.wt);
		fz.wt = NULL;
	}
	ops_env_free(&fz.env);
	if (fz.in != NULL) {
		evbuffer_free(fz.in);
		evbuffer_free(fz.out);
		fz.in = fz.out = NULL;
		msgpack_zone_destroy(&fz.zone);
		msgpack_sbuffer_destroy(&fz.wout);
		msgpack_sbuffer_destroy(&fz.scratch);
		slots_free(&fz.slots);
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
	fz.wt = writer_start(&fz.st, fz.cfg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	if (fz.wt == NULL)
		fz_fail("writer_start");
	fz.env.oe_writer = fz.wt;
}

/* Empties every database, and restarts the writer at seq 0. */
static void
fz_reset_store(void)
{
	struct store	*st = &fz.st;
	MDB_txn		*txn;
	MDB_val		 k;
	int		 rc;

	writer_stop(fz.wt);
	fz.wt = NULL;
	ops_burst_end(&fz.env);
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

/* Role from the mode byte, and a principal of that role if one exists. */
static void
fz_set_role(uint8_t mode)
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
	snprintf(fz.name, sizeof(fz.name), "%s",
	    pick != NULL ? pick->p_name : "unconfigured-cn");
	fz.who.cl_name = fz.name;
	fz.who.cl_prin = config_principal(fz.cfg, fz.name);
	fz.who.cl_role = fz.who.cl_prin != NULL ? fz.who.cl_prin->p_role :
	    ROLE_NONE;
	fz.pipelined = (mode & 0x80) != 0;
}

/* The route's callback, on the writer thread (worker_post_result's job). */
static void
fz_post(struct write_result *res)
{
	pthread_mutex_lock(&posted.mtx);
	res->wres_next = NULL;
	*posted.tail = res;
	posted.tail = &res->wres_next;
	pthread_cond_signal(&posted.cond);
	pthread_mutex_unlock(&posted.mtx);
}

/*
 * Until every write is answered: the worker's part. The read snapshot is
 * dropped first, as at the end of a burst (a held one would block the
 * writer's map growth).
 */
static void
fz_pump(void)
{
	struct write_result	*res, *next;

	ops_burst_end(&fz.env);
	while (fz.writes > 0) {
		pthread_mutex_lock(&posted.mtx);
		while (posted.head == NULL)
			pthread_cond_wait(&posted.cond, &posted.mtx);
		res = posted.head;
		posted.head = NULL;
		posted.tail = &posted.head;
		pthread_mutex_unlock(&posted.mtx);
		for (; res != NULL; res = next) {
			next = res->wres_next;
			fz_write_result(res);
			write_result_free(res);
		}
	}
	if (!slots_empty(&fz.slots))
		fz_fail("answers still owed with no write at the writer");
}

/* As conn_write_result: the write's answer into its slot. */
static void
fz_write_result(struct write_result *res)
{
	const struct fault	*f = &res->wres_fault;
	uint32_t		 slot = res->wres_route.wt_slot;
	uint64_t		 id = slots_id(&fz.slots, slot);
	msgpack_packer		 pk;
	int			 rc;

	if (fz.writes == 0)
		fz_fail("a write result nobody waits for");
	fz.writes--;
	if (f->f_code != QC_OK)
		rc = qc_env_error(&fz.wout, 1, id, f->f_code, f->f_msg);
	else if ((rc = qc_env_ok_begin(&fz.wout, &pk, id)) == 0 &&
	    (msgpack_pack_map(&pk, 2) != 0 ||
	    qc_pack_kv_uint(&pk, "version", res->wres_version) != 0 ||
	    qc_pack_kv_uint(&pk, "seq", res->wres_seq) != 0))
		rc = -1;
	else if (rc == 0)
		qc_env_finish(&fz.wout);
	if (rc == -1)
		rc = slots_fail(&fz.slots, slot, fz_emit, NULL, &fz.scratch);
	else
		rc = slots_complete(&fz.slots, slot, fz.wout.data,
		    fz.wout.size, fz_emit, NULL, &fz.scratch);
	if (rc == -1)
		fz_fail("out of memory answering");
}

/* Output for the slots (conn_send_frame's job). */
static int
fz_emit(void *arg, const void *frame, size_t len)
{
	(void)arg;
	return evbuffer_add(fz.out, frame, len);
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

/* The answer frame in sb, for slot (-1: the request took none). */
static void
fz_answer(int slot, msgpack_sbuffer *sb)
{
	int	 rc;

	if (slot == -1)
		rc = fz_emit(NULL, sb->data, sb->size);
	else
		rc = slots_complete(&fz.slots, (uint32_t)slot, sb->data,
		    sb->size, fz_emit, NULL, &fz.scratch);
	if (rc == -1)
		fz_fail("out of memory answering");
}

static void
fz_answer_error(int slot, int has_id, uint64_t id, const struct fault *f)
{
	if (qc_env_error(&fz.wout, has_id, id, f->f_code, f->f_msg) == 0)
		fz_answer(slot, &fz.wout);
	else if (slot == -1 || slots_fail(&fz.slots, (uint32_t)slot, fz_emit,
	    NULL, &fz.scratch) == -1)
		fz_fail("out of memory answering");
}

/* bad_frame with a nil id, in its place; then the connection closes. */
static void
fz_bad_frame(const char *why)
{
	struct fault	 f;
	int		 slot = -1;

	fault_set(&f, QC_E_BAD_FRAME, "%s", why);
	if (!slots_empty(&fz.slots) &&
	    (slot = slots_take(&fz.slots, 0, 0)) == -1)
		fz_fail("no slot for bad_frame");
	fz_expect(0, 0, why);
	fz_answer_error(slot, 0, 0, &f);
	fz.closing = 1;
}

/* As conn_run_op: the envelope around the op's result. */
static enum op_status
fz_run_op(const struct op_entry *op, const msgpack_object *msg,
    uint64_t id, int slot, struct fault *f)
{
	struct write_route	 route = {
		.wt_done = fz_post,
		.wt_arg = NULL,
		.wt_conn = 1,
		.wt_slot = (uint32_t)slot,
	};
	msgpack_packer		 pk;
	enum op_status		 st;

	if (qc_env_ok_begin(&fz.wout, &pk, id) == -1) {
		fault_set(f, QC_E_INTERNAL, "out of memory");
		return OP_ERROR;
	}
	st = ops_dispatch(&fz.env, &fz.who, op, msg, &route, &pk, f);
	if (st == OP_DONE && qc_env_body_len(&fz.wout) >
	    fz.cfg->limits.max_frame) {
		fault_set(f, QC_E_TOO_LARGE, "the answer exceeds max_frame; "
		    "ask for less");
		return OP_ERROR;
	}
	if (st == OP_DONE)
		qc_env_finish(&fz.wout);
	if (st == OP_PENDING && slot == -1)
		fz_fail("a write without a slot");
	return st;
}

/* As conn_request: a slot if an answer is owed before it, the answer. */
static void
fz_request(const msgpack_object *msg, const struct op_entry *op)
{
	struct fault	 f;
	uint64_t	 id = 0;
	int		 has_id, slot = -1;

	has_id = qc_obj_uint(qc_map_get(msg, "id"), &id) == 0;
	fz_expect(has_id, id, NULL);
	if (!slots_empty(&fz.slots) || (has_id && op != NULL &&
	    ops_writes(op))) {
		if ((slot = slots_take(&fz.slots, has_id, id)) == -1)
			fz_fail("no slot although room was checked");
	}
	if (!has_id) {
		fault_set(&f, QC_E_BAD_REQUEST,
		    "id: required, a non-negative integer");
		fz_answer_error(slot, 0, 0, &f);
		return;
	}
	switch (fz_run_op(op, msg, id, slot, &f)) {
	case OP_PENDING:
		fz.writes++;
		return;
	case OP_DONE:
		fz_answer(slot, &fz.wout);
		return;
	case OP_ERROR:
		fz_answer_error(slot, 1, id, &f);
		return;
	}
}

/*
 * As conn_process: the complete frames of the input. Where the server
 * stops reading (a full ring) or holds a read behind this connection's
 * writes, this waits for the writer instead, as the connection would be
 * resumed by conn_write_result.
 */
static void
fz_process(void)
{
	const struct op_entry	*op;
	msgpack_object		 msg;
	const char		*why;
	size_t			 len;

	while (!fz.closing) {
		if (slots_full(&fz.slots))
			fz_pump();
		switch (frame_next(fz.in, fz.cfg->limits.max_frame, &fz.zone,
		    &msg, &len, &why)) {
		case FRAME_MORE:
			goto out;
		case FRAME_BAD:
			msgpack_zone_clear(&fz.zone);
			fz_bad_frame(why);
			goto out;
		case FRAME_READY:
			break;
		}
		op = ops_find(&msg);
		/* Read-your-writes: a read waits for this connection's. */
		if (fz.writes > 0 && op != NULL && !ops_writes(op)) {
			msgpack_zone_clear(&fz.zone);
			fz_pump();
			continue;
		}
		fz_request(&msg, op);
		msgpack_zone_clear(&fz.zone);
		frame_consume(fz.in, len);
		if (!fz.pipelined)
			fz_pump();
	}
out:
	/* One read snapshot per burst of frames. */
	ops_burst_end(&fz.env);
}

/*
 * Bytes of the connection, in reads of varying size, each referenced
 * in place (its own chain; ASan sees a read past the input) and handled
 * as it arrives.
 */
static void
fz_feed(const uint8_t *p, size_t left)
{
	static const size_t	 reads[] = { 4096, 1, 7, 300, 2, 16384, 64 };
	size_t			 i = 0, n;

	while (left > 0 && !fz.closing) {
		n = reads[i++ % (sizeof(reads) / sizeof(reads[0]))];
		if (n > left)
			n = left;
		if (evbuffer_add_reference(fz.in, p, n, NULL, NULL) == -1)
			fz_fail("evbuffer_add_reference");
		p += n;
		left -= n;
		fz_process();
	}
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
	const msgpack_object	*res, *err, *code, *msg;
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
	fz_check_strs(a);
	if (fz.verbose) {
		err = qc_map_get(qc_map_get(a, "error"), "message");
		fprintf(stderr, "answer %llu: %s %.*s\n",
		    (unsigned long long)e->e_id, ans.a_ok ? "ok" : "error",
		    err != NULL ? (int)err->via.str.size : 0,
		    err != NULL ? err->via.str.ptr : "");
	}
}

/* One answer per request, in order, and nothing else. */
static void
fz_check_answers(void)
{
	struct evbuffer		*out = fz.out;
	size_t			 total, pos = 0;
	size_t			 i, off;
	const uint8_t		*p;
	msgpack_unpacked	 up;
	uint32_t		 len;

	total = evbuffer_get_length(out);
	p = total > 0 ? evbuffer_pullup(out, -1) : NULL;
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
	evbuffer_drain(out, total);
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
	fz_set_role(data[0]);
	fz.nexp = 0;
	fz.closing = 0;
	end = data + size;
	seg = p = data + 1;
	/*
	 * Walk the frames to find the principal marks; feed the bytes
	 * between two marks. A length past the end takes the rest.
	 */
	while (end - p >= QC_FRAME_HDR) {
		if (p[0] == 0xff && p[1] == 0xff && p[2] == 0xff) {
			fz_feed(seg, (size_t)(p - seg));
			if (fz.closing)
				break;
			/* Whole frames only: each was handled. */
			if (evbuffer_get_length(fz.in) != 0)
				fz_fail("a whole frame was left unhandled");
			fz_pump();
			fz_set_role(p[3]);
			seg = p += QC_FRAME_HDR;
			continue;
		}
		len = qc_frame_get_len(p);
		p += QC_FRAME_HDR;
		p += len < (size_t)(end - p) ? len : (size_t)(end - p);
	}
	if (!fz.closing)
		fz_feed(seg, (size_t)(end - seg));
	fz_pump();
	/* What is left is a frame cut short: the peer went away. */
	evbuffer_drain(fz.in, evbuffer_get_length(fz.in));
	fz_check_answers();
	if (fz_head_seq() > 0)
		fz_reset_store();
	return 0;
}
