/*
 * Request dispatch: envelope, op table, roles, argument helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "dispatch.h"
#include "frame.h"
#include "log.h"
#include "msg.h"
#include "utf8.h"
#include "writer.h"

static const struct op *const ops[] = {
	&op_hello, &op_check, &op_get, &op_put, &op_remove, &op_history,
	&op_scan, &op_changes, &op_stats
};

static const struct op	*op_find(const msgpack_object *);
static int		 args_check(struct req *, const struct op *);
static void		 frame_patch_len(msgpack_sbuffer *);
static enum dispatch_result answer_error(struct req *, int has_id);
static int		 quote_len(const char *, size_t);

static const struct op *
op_find(const msgpack_object *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (qc_obj_streq(name, ops[i]->o_name))
			return ops[i];
	return NULL;
}

enum op_result
req_fail(struct req *q, enum qc_err code, const char *fmt, ...)
{
	va_list	 ap;

	q->q_err = code;
	va_start(ap, fmt);
	vsnprintf(q->q_errmsg, sizeof(q->q_errmsg), fmt, ap);
	va_end(ap);
	return OP_ERROR;
}

/* Every key is id, op or an argument the op defines. */
static int
args_check(struct req *q, const struct op *op)
{
	const msgpack_object_kv	*kv = q->q_msg->via.map.ptr;
	const char		*const *a;
	char			 name[64];
	uint32_t		 i;

	for (i = 0; i < q->q_msg->via.map.size; i++) {
		if (qc_obj_streq(&kv[i].key, "id") ||
		    qc_obj_streq(&kv[i].key, "op"))
			continue;
		for (a = op->o_args; *a != NULL; a++)
			if (qc_obj_streq(&kv[i].key, *a))
				break;
		if (*a != NULL)
			continue;
		if (qc_obj_strcpy(&kv[i].key, name, sizeof(name)) == -1 ||
		    !qc_utf8_valid(name, strlen(name)))
			strcpy(name, "?");
		req_fail(q, QC_E_BAD_REQUEST, "%s: unknown argument '%s'",
		    op->o_name, name);
		return -1;
	}
	return 0;
}

static void
frame_patch_len(msgpack_sbuffer *sb)
{
	qc_frame_put_len((uint8_t *)sb->data,
	    (uint32_t)(sb->size - QC_FRAME_HDR));
}

int
dispatch_pack_error(msgpack_sbuffer *sb, int has_id, uint64_t id,
    enum qc_err code, const char *msg)
{
	msgpack_packer	 pk;
	static const char zero[QC_FRAME_HDR];

	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	if (msgpack_sbuffer_write(sb, zero, sizeof(zero)) != 0 ||
	    msgpack_pack_map(&pk, 3) != 0 ||
	    qc_pack_cstr(&pk, "id") != 0 ||
	    (has_id ? msgpack_pack_uint64(&pk, id) :
	    msgpack_pack_nil(&pk)) != 0 ||
	    qc_pack_cstr(&pk, "ok") != 0 || msgpack_pack_false(&pk) != 0 ||
	    qc_pack_cstr(&pk, "error") != 0 || msgpack_pack_map(&pk, 2) != 0 ||
	    qc_pack_kv_str(&pk, "code", qc_err_name(code)) != 0 ||
	    qc_pack_kv_str(&pk, "message", msg) != 0)
		return -1;
	frame_patch_len(sb);
	return 0;
}

/*
 * Sends the error answer now, or, if writes of this connection are still
 * at the writer, queues it behind them so that answers stay in order.
 */
static enum dispatch_result
answer_error(struct req *q, int has_id)
{
	struct worker		*w = q->q_w;
	struct write_req	*wr;

	if (q->q_c->c_inflight == 0) {
		if (dispatch_pack_error(&w->w_out, has_id, q->q_id, q->q_err,
		    q->q_errmsg) == 0)
			conn_send_frame(q->q_c, w->w_out.data, w->w_out.size);
		return DISPATCH_ANSWERED;
	}
	if ((wr = write_req_new()) == NULL ||
	    dispatch_pack_error(&wr->wr_frame, has_id, q->q_id, q->q_err,
	    q->q_errmsg) == -1) {
		write_req_free(wr);
		log_warnx("out of memory queueing an answer");
		return DISPATCH_WAIT;
	}
	wr->wr_op = WR_PASS;
	wr->wr_worker = w;
	wr->wr_conn = q->q_c->c_id;
	wr->wr_id = q->q_id;
	if (writer_submit(w->w_srv->s_writer, wr) == -1) {
		write_req_free(wr);
		return DISPATCH_WAIT;
	}
	q->q_c->c_inflight++;
	return DISPATCH_SUBMITTED;
}

enum dispatch_result
dispatch_frame(struct worker *w, struct conn *c, const msgpack_object *msg)
{
	struct req		 q;
	const struct op		*op;
	msgpack_packer		 pk;
	enum op_result		 res;
	int			 has_id;
	static const char	 zero[QC_FRAME_HDR];

	memset(&q, 0, sizeof(q));
	q.q_srv = w->w_srv;
	q.q_cfg = w->w_srv->s_cfg;
	q.q_w = w;
	q.q_c = c;
	q.q_msg = msg;
	has_id = qc_obj_uint(qc_map_get(msg, "id"), &q.q_id) == 0;
	op = op_find(qc_map_get(msg, "op"));
	if (c->c_inflight > 0 && (op == NULL || !op->o_write))
		return DISPATCH_WAIT;

	if (!has_id)
		req_fail(&q, QC_E_BAD_REQUEST,
		    "id: required, a non-negative integer");
	else if (qc_obj_str(qc_map_get(msg, "op"), &(const char *){ NULL },
	    &(size_t){ 0 }) == -1)
		req_fail(&q, QC_E_BAD_REQUEST, "op: required, a string");
	else if (op == NULL)
		req_fail(&q, QC_E_UNKNOWN_OP, "unknown op");
	else if ((op->o_roles & ROLE_BIT(c->c_role)) == 0)
		req_fail(&q, QC_E_FORBIDDEN, c->c_prin == NULL ?
		    "%s: principal '%s' is not configured" :
		    "%s: not allowed for role %s", op->o_name,
		    c->c_prin == NULL ? c->c_principal :
		    config_role_name(c->c_role));
	if (q.q_err != QC_OK || args_check(&q, op) == -1)
		return answer_error(&q, has_id);

	q.q_today = qc_date_today(time(NULL), q.q_cfg->utc_offset);
	msgpack_sbuffer_clear(&w->w_out);
	msgpack_packer_init(&pk, &w->w_out, msgpack_sbuffer_write);
	q.q_pk = &pk;
	if (msgpack_sbuffer_write(&w->w_out, zero, sizeof(zero)) != 0 ||
	    msgpack_pack_map(&pk, 3) != 0 ||
	    qc_pack_cstr(&pk, "id") != 0 ||
	    msgpack_pack_uint64(&pk, q.q_id) != 0 ||
	    qc_pack_cstr(&pk, "ok") != 0 || msgpack_pack_true(&pk) != 0 ||
	    qc_pack_cstr(&pk, "result") != 0)
		res = req_fail(&q, QC_E_INTERNAL, "out of memory");
	else
		res = op->o_fn(&q);

	switch (res) {
	case OP_DONE:
		if (w->w_out.size - QC_FRAME_HDR > q.q_cfg->limits.max_frame) {
			req_fail(&q, QC_E_TOO_LARGE, "%s: answer exceeds "
			    "max_frame; ask for less", op->o_name);
			return answer_error(&q, 1);
		}
		frame_patch_len(&w->w_out);
		conn_send_frame(c, w->w_out.data, w->w_out.size);
		return DISPATCH_ANSWERED;
	case OP_WRITE:
		q.q_write->wr_worker = w;
		q.q_write->wr_conn = c->c_id;
		q.q_write->wr_id = q.q_id;
		write_req_trim(q.q_write);
		if (writer_submit(w->w_srv->s_writer, q.q_write) == -1) {
			write_req_free(q.q_write);
			req_fail(&q, QC_E_UNAVAILABLE,
			    "the server is shutting down");
			return answer_error(&q, 1);
		}
		c->c_inflight++;
		return DISPATCH_SUBMITTED;
	default:
		if (q.q_err == QC_E_INTERNAL)
			log_warnx("%s from %s: %s", op->o_name,
			    c->c_principal, q.q_errmsg);
		return answer_error(&q, 1);
	}
}

int
arg_str(struct req *q, const char *name, const char **s, size_t *len)
{
	const msgpack_object	*o = qc_map_get(q->q_msg, name);

	if (o == NULL)
		return 0;
	if (qc_obj_str(o, s, len) == -1) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: expected a string", name);
		return -1;
	}
	if (!qc_utf8_valid(*s, *len)) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: not valid UTF-8", name);
		return -1;
	}
	return 1;
}

int
arg_uint(struct req *q, const char *name, uint64_t *v)
{
	const msgpack_object	*o = qc_map_get(q->q_msg, name);

	if (o == NULL)
		return 0;
	if (qc_obj_uint(o, v) == -1) {
		req_fail(q, QC_E_BAD_REQUEST,
		    "%s: expected a non-negative integer", name);
		return -1;
	}
	return 1;
}

int
arg_subject(struct req *q, const char *name, char out[QC_SUBJECT_MAX])
{
	const char	*s, *why = "invalid";
	size_t		 len;
	int		 rc;

	if ((rc = arg_str(q, name, &s, &len)) != 1)
		return rc;
	if (qc_subject_canon(s, len, out, &why) == -1) {
		req_fail(q, QC_E_INVALID_SUBJECT, "%s: %s", name, why);
		return -1;
	}
	return 1;
}

/*
 * How much of a peer's (valid UTF-8) string to quote in a message: at
 * most 64 bytes, cut before a character, not inside one, so that the
 * answer stays valid UTF-8.
 */
static int
quote_len(const char *s, size_t len)
{
	size_t	 n = len > 64 ? 64 : len;

	while (n > 0 && n < len && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

int
arg_list(struct req *q, const char *name, int *index)
{
	const char	*s;
	size_t		 len;
	int		 rc;

	if ((rc = arg_str(q, name, &s, &len)) != 1)
		return rc;
	if ((*index = config_list_index(q->q_cfg, s, len)) == -1) {
		req_fail(q, QC_E_UNKNOWN_LIST, "%s: no list '%.*s'", name,
		    quote_len(s, len), s);
		return -1;
	}
	return 1;
}

int
arg_lists(struct req *q, unsigned *mask)
{
	const msgpack_object	*o = qc_map_get(q->q_msg, "lists");
	const char		*s;
	size_t			 len;
	uint32_t		 i;
	int			 li;

	*mask = config_all_lists(q->q_cfg);
	if (o == NULL)
		return 0;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0) {
		req_fail(q, QC_E_BAD_REQUEST,
		    "lists: expected a non-empty array of list names");
		return -1;
	}
	*mask = 0;
	for (i = 0; i < o->via.array.size; i++) {
		if (qc_obj_str(&o->via.array.ptr[i], &s, &len) == -1) {
			req_fail(q, QC_E_BAD_REQUEST,
			    "lists: expected an array of strings");
			return -1;
		}
		/* It may be quoted in the answer, which must be UTF-8. */
		if (!qc_utf8_valid(s, len)) {
			req_fail(q, QC_E_BAD_REQUEST,
			    "lists: not valid UTF-8");
			return -1;
		}
		if ((li = config_list_index(q->q_cfg, s, len)) == -1) {
			req_fail(q, QC_E_UNKNOWN_LIST, "lists: no list '%.*s'",
			    quote_len(s, len), s);
			return -1;
		}
		*mask |= 1u << li;
	}
	return 1;
}

int
arg_limit(struct req *q, uint32_t deflt, uint32_t *limit)
{
	uint64_t	 v;
	int		 rc;

	*limit = deflt;
	if ((rc = arg_uint(q, "limit", &v)) != 1)
		return rc;
	if (v == 0) {
		req_fail(q, QC_E_BAD_REQUEST, "limit: must be at least 1");
		return -1;
	}
	if (v > q->q_cfg->limits.max_limit) {
		req_fail(q, QC_E_TOO_LARGE, "limit: at most %u",
		    q->q_cfg->limits.max_limit);
		return -1;
	}
	*limit = (uint32_t)v;
	return 1;
}
