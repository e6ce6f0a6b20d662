/*
 * libqcreg: reading answers in order, and the reply object.
 */
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "envelope.h"
#include "errors.h"
#include "frame.h"
#include "msg.h"
#include "qcreg_int.h"

static int	 envelope(struct qcreg *, struct qcreg_reply *, uint64_t);
static char	*msg_copy(const char *, size_t);

/* A sanitized copy of an error message, at most QCREG_MSG_MAX bytes. */
static char *
msg_copy(const char *s, size_t len)
{
	msgpack_object	 t;

	t.type = MSGPACK_OBJECT_STR;
	t.via.str.ptr = s;
	t.via.str.size = len > QCREG_MSG_MAX ? QCREG_MSG_MAX : (uint32_t)len;
	return qcreg_obj_strdup(&t);
}

/*
 * Reads the answer envelope (proto/envelope.c), checks it against the id
 * of the request it must answer, and fills r_code, r_msg and r_result.
 */
static int
envelope(struct qcreg *c, struct qcreg_reply *r, uint64_t want)
{
	struct qc_answer	 a;
	const char		*why;

	if (qc_env_parse(&r->r_up.data, &a, &why) != 0)
		return qcreg_die(c, QCREG_E_PROTO, "%s", why);
	/* An error without an id (bad_frame) still answers the oldest. */
	if (a.a_has_id && a.a_id != want)
		return qcreg_die(c, QCREG_E_PROTO, "answer does not carry the "
		    "id of request %llu", (unsigned long long)want);
	r->r_id = a.a_id;
	if (a.a_ok) {
		if (a.a_result->type != MSGPACK_OBJECT_MAP)
			return qcreg_die(c, QCREG_E_PROTO,
			    "success answer without a result map");
		r->r_result = a.a_result;
		return 0;
	}
	r->r_code = (int)a.a_code;
	if ((r->r_msg = msg_copy(a.a_msg, a.a_msg_len)) == NULL)
		return qcreg_fail(c, QCREG_E_NOMEM, "out of memory");
	return 0;
}

int
qcreg_next_reply(struct qcreg *c, struct qcreg_reply **out)
{
	struct qcreg_reply	*r;
	struct qcreg_pend	 p;
	enum qc_frame_status	 st;
	const uint8_t		*body;
	uint32_t		 len;
	size_t			 off = 0;
	int			 rc;

	*out = NULL;
	if (c->pq_count == 0)
		return qcreg_fail(c, QCREG_E_USAGE, "no request in flight");
	if ((rc = qcreg_io_frame(c, &body, &len)) != 0)
		return rc;
	/* Structure first: unpacking an unchecked frame can allocate GBs. */
	if ((st = qc_frame_validate(body, len)) != QC_FRAME_OK)
		return qcreg_die(c, QCREG_E_PROTO, "server sent a bad frame: %s",
		    qc_frame_strerror(st));
	if ((r = malloc(sizeof(*r) + len)) == NULL)
		return qcreg_die(c, QCREG_E_NOMEM, "out of memory");
	memset(r, 0, sizeof(*r));	/* not the body: it is copied next */
	memcpy(r->r_body, body, len);
	r->r_len = len;
	qcreg_io_consume(c, len);
	p = c->pq[c->pq_head];
	c->pq_head = (c->pq_head + 1) % c->pq_cap;
	c->pq_count--;
	r->r_op = p.p_op;
	r->r_n = p.p_n;

	msgpack_unpacked_init(&r->r_up);
	if (msgpack_unpack_next(&r->r_up, r->r_body, len, &off) !=
	    MSGPACK_UNPACK_SUCCESS || off != len) {
		qcreg_reply_free(r);
		return qcreg_die(c, QCREG_E_PROTO, "server sent a frame that "
		    "does not unpack");
	}
	if ((rc = envelope(c, r, p.p_id)) != 0) {
		qcreg_reply_free(r);
		return rc;
	}
	if (r->r_code != QC_OK) {
		qcreg_fail(c, r->r_code, "%s", r->r_msg);
		/* The server closes after bad_frame; later calls must know. */
		if (r->r_code == QC_E_BAD_FRAME)
			qcreg_die(c, QCREG_E_IO, "server closed the connection "
			    "after bad_frame: %s", r->r_msg);
	}
	*out = r;
	return r->r_code;
}

int
qcreg_reply_code(const struct qcreg_reply *r)
{
	return r->r_code;
}

const char *
qcreg_reply_message(const struct qcreg_reply *r)
{
	if (r == NULL || r->r_msg == NULL)
		return "";
	return r->r_msg;
}

const char *
qcreg_reply_op(const struct qcreg_reply *r)
{
	return qcreg_op_names[r->r_op];
}

uint64_t
qcreg_reply_id(const struct qcreg_reply *r)
{
	return r->r_id;
}

const msgpack_object *
qcreg_reply_result(const struct qcreg_reply *r)
{
	return r->r_code == QC_OK ? r->r_result : NULL;
}

int
qcreg_reply_write(const struct qcreg_reply *r, struct qcreg_write *w)
{
	const msgpack_object	*version;
	struct qcreg_write	 v;

	if (r->r_code != QC_OK)
		return r->r_code;
	if (r->r_op != QCREG_OP_PUT && r->r_op != QCREG_OP_REMOVE &&
	    r->r_op != QCREG_OP_CASE_CLOSE &&
	    r->r_op != QCREG_OP_ESCALATION_DISMISS)
		return QCREG_E_USAGE;
	/* Only an entry write always makes a version; a closing may. */
	version = qc_map_get(r->r_result, "version");
	v.version = 0;
	if ((version != NULL || r->r_op == QCREG_OP_PUT ||
	    r->r_op == QCREG_OP_REMOVE) &&
	    (qc_obj_uint(version, &v.version) != 0 || v.version == 0))
		return QCREG_E_PROTO;
	if (qc_obj_uint(qc_map_get(r->r_result, "seq"), &v.seq) != 0)
		return QCREG_E_PROTO;
	v.unchanged = qc_map_get(r->r_result, "unchanged") != NULL;
	if (w != NULL)
		*w = v;
	return 0;
}

int
qcreg_reply_case_opened(const struct qcreg_reply *r,
    struct qcreg_case_opened *out)
{
	const msgpack_object	*deadline, *provisional;
	struct qcreg_case_opened v;
	const char		*s;
	size_t			 len;
	int32_t			 days;

	if (r->r_code != QC_OK)
		return r->r_code;
	if (r->r_op != QCREG_OP_CASE_OPEN)
		return QCREG_E_USAGE;
	memset(&v, 0, sizeof(v));
	deadline = qc_map_get(r->r_result, "deadline");
	provisional = qc_map_get(r->r_result, "provisional");
	if (qc_obj_uint(qc_map_get(r->r_result, "case"), &v.case_id) != 0 ||
	    qc_obj_uint(qc_map_get(r->r_result, "seq"), &v.seq) != 0 ||
	    qc_obj_str(deadline, &s, &len) != 0 ||
	    qc_date_parse(s, len, &days) != 0)
		return QCREG_E_PROTO;
	if (provisional != NULL && provisional->type != MSGPACK_OBJECT_NIL) {
		if (provisional->type != MSGPACK_OBJECT_BOOLEAN)
			return QCREG_E_PROTO;
		v.provisional = provisional->via.boolean;
	}
	qc_date_format(days, v.deadline);
	if (out != NULL)
		*out = v;
	return 0;
}

int
qcreg_reply_check(const struct qcreg_reply *r, struct qcreg_check **out)
{
	const char	*why;

	return qcreg_check_decode(r, out, &why);
}

void
qcreg_reply_free(struct qcreg_reply *r)
{
	if (r == NULL)
		return;
	msgpack_unpacked_destroy(&r->r_up);
	free(r->r_msg);
	free(r);
}
