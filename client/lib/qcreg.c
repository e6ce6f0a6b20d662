/*
 * libqcreg: connecting, closing, errors and what hello said.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "errors.h"
#include "frame.h"
#include "msg.h"
#include "qcreg_int.h"
#include "sig.h"

static int	 hello_parse(struct qcreg *, struct qcreg_reply *);
static int	 obj_uint32(const msgpack_object *, const char *, uint32_t,
		    uint32_t *);

const char *const qcreg_op_names[QCREG_OP_COUNT] = {
	[QCREG_OP_HELLO] = "hello",
	[QCREG_OP_CHECK] = "check",
	[QCREG_OP_GET] = "get",
	[QCREG_OP_PUT] = "put",
	[QCREG_OP_REMOVE] = "remove",
	[QCREG_OP_HISTORY] = "history",
	[QCREG_OP_SCAN] = "scan",
	[QCREG_OP_CHANGES] = "changes",
	[QCREG_OP_STATS] = "stats",
	[QCREG_OP_SEARCH] = "search",
	[QCREG_OP_BACKUP] = "backup",
	[QCREG_OP_BACKUP_READ] = "backup_read",
	[QCREG_OP_AUDIT] = "audit",
	[QCREG_OP_CASE_OPEN] = "case_open",
	[QCREG_OP_CASE_CLOSE] = "case_close",
	[QCREG_OP_CASES] = "cases",
	[QCREG_OP_ESCALATIONS] = "escalations",
	[QCREG_OP_ESCALATION_DISMISS] = "escalation_dismiss",
	[QCREG_OP_CHECKPOINT] = "checkpoint",
	[QCREG_OP_PROOF] = "proof",
	[QCREG_OP_CONSISTENCY] = "consistency",
	[QCREG_OP_REPORT] = "report",
};

/* Records a message for code and returns code. */
int
qcreg_fail(struct qcreg *c, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

/* As qcreg_fail, and marks the transport dead (the first cause wins). */
int
qcreg_die(struct qcreg *c, int code, const char *fmt, ...)
{
	va_list	 ap;

	if (c->dead)
		return qcreg_dead(c);
	va_start(ap, fmt);
	vsnprintf(c->deadmsg, sizeof(c->deadmsg), fmt, ap);
	va_end(ap);
	memcpy(c->errmsg, c->deadmsg, sizeof(c->errmsg));
	c->dead = 1;
	c->dead_code = code;
	return code;
}

/* For calls on a dead connection: restates why it died. */
int
qcreg_dead(struct qcreg *c)
{
	memcpy(c->errmsg, c->deadmsg, sizeof(c->errmsg));
	return c->dead_code;
}

/* Replaces ASCII control characters, so server text cannot drive a tty. */
void
qcreg_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* A sanitized NUL-terminated copy of a str object, or NULL. */
char *
qcreg_obj_strdup(const msgpack_object *o)
{
	const char	*s;
	size_t		 len, i;
	char		*d;

	if (qc_obj_str(o, &s, &len) != 0)
		return NULL;
	if ((d = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	/* An embedded NUL would truncate silently: make it visible. */
	for (i = 0; i < len; i++)
		if (d[i] == '\0')
			d[i] = '?';
	qcreg_sanitize(d);
	return d;
}

/* Parses a str of 2n lower-case hex digits into n bytes: 0, or -1. */
int
qcreg_obj_hex(const msgpack_object *o, uint8_t *out, size_t n)
{
	const char	*s;
	size_t		 len;

	if (qc_obj_str(o, &s, &len) != 0 || len != 2 * n)
		return -1;
	return qc_unhex(s, n, out);
}

/* Reads limit key of map o into *v (default def when absent). */
static int
obj_uint32(const msgpack_object *o, const char *key, uint32_t def,
    uint32_t *v)
{
	const msgpack_object	*x;
	uint64_t		 u;

	if ((x = qc_map_get(o, key)) == NULL) {
		*v = def;
		return 0;
	}
	if (qc_obj_uint(x, &u) != 0)
		return -1;
	*v = u > UINT32_MAX ? UINT32_MAX : (uint32_t)u;
	return 0;
}

/* Takes what the connection needs from a hello reply (which it keeps). */
static int
hello_parse(struct qcreg *c, struct qcreg_reply *r)
{
	const msgpack_object	*res = r->r_result, *o, *lim;
	uint64_t		 proto;

	if ((o = qc_map_get(res, "proto")) == NULL ||
	    qc_obj_uint(o, &proto) != 0)
		return qcreg_die(c, QCREG_E_PROTO, "hello without proto");
	if (proto != 1)
		return qcreg_die(c, QCREG_E_PROTO,
		    "server speaks protocol %llu, this client 1",
		    (unsigned long long)proto);
	if ((c->server = qcreg_obj_strdup(qc_map_get(res, "server"))) ==
	    NULL ||
	    (c->principal = qcreg_obj_strdup(qc_map_get(res, "principal"))) ==
	    NULL)
		return qcreg_die(c, QCREG_E_PROTO,
		    "hello without server or principal");
	o = qc_map_get(res, "role");
	if (o != NULL && o->type != MSGPACK_OBJECT_NIL &&
	    (c->role = qcreg_obj_strdup(o)) == NULL)
		return qcreg_die(c, QCREG_E_PROTO, "hello: bad role");
	lim = qc_map_get(res, "limits");
	if (lim != NULL && lim->type != MSGPACK_OBJECT_MAP)
		return qcreg_die(c, QCREG_E_PROTO, "hello: bad limits");
	if (obj_uint32(lim, "max_frame", QC_FRAME_MAX_DEFAULT,
	    &c->max_frame) != 0 ||
	    obj_uint32(lim, "max_batch", 1000, &c->max_batch) != 0 ||
	    obj_uint32(lim, "max_limit", 1000, &c->max_limit) != 0)
		return qcreg_die(c, QCREG_E_PROTO, "hello: bad limits");
	if (c->max_batch == 0)
		c->max_batch = 1;
	if (c->max_limit == 0)
		c->max_limit = 1;
	/*
	 * Requests must fit the server's limit. Answers may use it too, but
	 * a hostile server must not make us buffer gigabytes: clamp.
	 */
	c->max_send = c->max_frame;
	c->max_recv = c->max_frame < QC_FRAME_MAX_DEFAULT ?
	    QC_FRAME_MAX_DEFAULT : c->max_frame;
	if (c->max_recv > QCREG_RECV_MAX)
		c->max_recv = QCREG_RECV_MAX;
	c->hello = r;
	return 0;
}

int
qcreg_connect(struct qcreg **cp, const char *host, unsigned port,
    const struct qcreg_opts *opts, char *err, size_t errsize)
{
	struct qcreg		*c;
	struct qcreg_reply	*r = NULL;
	int			 rc;

	*cp = NULL;
	if (errsize > 0)
		err[0] = '\0';
	if (host == NULL || *host == '\0' || port == 0 || port > 65535 ||
	    opts == NULL || opts->ca_file == NULL ||
	    opts->cert_file == NULL || opts->key_file == NULL) {
		if (errsize > 0)
			snprintf(err, errsize, "qcreg_connect: need a host, "
			    "a port and the CA, certificate and key files");
		return QCREG_E_USAGE;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		if (errsize > 0)
			snprintf(err, errsize, "out of memory");
		return QCREG_E_NOMEM;
	}
	c->fd = -1;
	c->stop_fd = -1;
	c->timeout_ms = opts->timeout_ms == 0 ? QCREG_TIMEOUT_DEFAULT :
	    opts->timeout_ms;
	msgpack_sbuffer_init(&c->out);
	msgpack_sbuffer_init(&c->req);
	c->max_send = c->max_recv = QC_FRAME_MAX_DEFAULT;
	c->next_id = 1;

	if ((rc = qcreg_tls_ctx(c, opts)) != 0 ||
	    (rc = qcreg_io_connect(c, host, port)) != 0 ||
	    (rc = qcreg_tls_start(c, host)) != 0 ||
	    (rc = qcreg_queue_hello(c)) != 0 ||
	    (rc = qcreg_next_reply(c, &r)) != 0 ||
	    (rc = hello_parse(c, r)) != 0) {
		if (rc > 0)
			qcreg_fail(c, rc, "hello refused: %s: %s",
			    qcreg_code_name(rc), qcreg_reply_message(r));
		if (r != NULL && c->hello != r)
			qcreg_reply_free(r);
		if (errsize > 0)
			snprintf(err, errsize, "%s", c->errmsg);
		qcreg_close(c);
		return rc;
	}
	c->established = 1;
	*cp = c;
	return 0;
}

void
qcreg_close(struct qcreg *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		if (c->handshaken && !c->dead)
			qcreg_tls_shutdown(c);
		SSL_free(c->ssl);	/* frees the BIO too */
	}
	SSL_CTX_free(c->ctx);
	BIO_meth_free(c->biom);
	if (c->fd != -1)
		close(c->fd);
	msgpack_sbuffer_destroy(&c->out);
	msgpack_sbuffer_destroy(&c->req);
	free(c->in);
	free(c->pq);
	qcreg_reply_free(c->hello);
	free(c->server);
	free(c->principal);
	free(c->role);
	free(c);
}

void
qcreg_set_timeout(struct qcreg *c, int ms)
{
	c->timeout_ms = ms == 0 ? QCREG_TIMEOUT_DEFAULT : ms;
}

int
qcreg_alive(const struct qcreg *c)
{
	return !c->dead;
}

const char *
qcreg_errmsg(const struct qcreg *c)
{
	return c->errmsg;
}

const char *
qcreg_code_name(int code)
{
	switch (code) {
	case QCREG_E_IO:
		return "io";
	case QCREG_E_TLS:
		return "tls";
	case QCREG_E_TIMEOUT:
		return "timeout";
	case QCREG_E_PROTO:
		return "protocol";
	case QCREG_E_NOMEM:
		return "nomem";
	case QCREG_E_USAGE:
		return "usage";
	case QCREG_E_VERIFY:
		return "verify";
	case QCREG_E_STORE:
		return "store";
	case QCREG_E_STOPPED:
		return "stopped";
	default:
		if (code >= 0 && code < QC_E_COUNT)
			return qc_err_name((enum qc_err)code);
		return "unknown";
	}
}

const char *
qcreg_server(const struct qcreg *c)
{
	return c->server;
}

const char *
qcreg_principal(const struct qcreg *c)
{
	return c->principal;
}

const char *
qcreg_role(const struct qcreg *c)
{
	return c->role;
}

uint32_t
qcreg_max_frame(const struct qcreg *c)
{
	return c->max_frame;
}

uint32_t
qcreg_max_batch(const struct qcreg *c)
{
	return c->max_batch;
}

uint32_t
qcreg_max_limit(const struct qcreg *c)
{
	return c->max_limit;
}

const msgpack_object *
qcreg_hello_result(const struct qcreg *c)
{
	return c->hello != NULL ? c->hello->r_result : NULL;
}

/* The schema of field in list in a hello result, or NULL. */
static const msgpack_object *
field_schema(const msgpack_object *hello, const char *list, const char *field)
{
	const msgpack_object	*lists, *l, *fields, *f;
	size_t			 i, j;

	if ((lists = qc_map_get(hello, "lists")) == NULL ||
	    lists->type != MSGPACK_OBJECT_ARRAY)
		return NULL;
	for (i = 0; i < lists->via.array.size; i++) {
		l = &lists->via.array.ptr[i];
		if (!qc_obj_streq(qc_map_get(l, "name"), list))
			continue;
		if ((fields = qc_map_get(l, "fields")) == NULL ||
		    fields->type != MSGPACK_OBJECT_ARRAY)
			return NULL;
		for (j = 0; j < fields->via.array.size; j++) {
			f = &fields->via.array.ptr[j];
			if (qc_obj_streq(qc_map_get(f, "name"), field))
				return f;
		}
		return NULL;
	}
	return NULL;
}

enum qcreg_ftype
qcreg_field_type(const struct qcreg *c, const char *list, const char *field)
{
	static const char *const names[] = { "text", "enum", "int", "date" };
	const msgpack_object	*t, *f;
	size_t			 k;

	if ((f = field_schema(qcreg_hello_result(c), list, field)) == NULL)
		return QCREG_FT_UNKNOWN;
	t = qc_map_get(f, "type");
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (qc_obj_streq(t, names[k]))
			return (enum qcreg_ftype)k;
	return QCREG_FT_UNKNOWN;
}

const char *
qcreg_field_label(const struct qcreg *c, const char *list, const char *field,
    const char *value, size_t vlen, size_t *len)
{
	return qcreg_hello_field_label(qcreg_hello_result(c), list, field,
	    value, vlen, len);
}

const char *
qcreg_hello_field_label(const msgpack_object *hello, const char *list,
    const char *field, const char *value, size_t vlen, size_t *len)
{
	const msgpack_object	*label;

	label = qc_map_getn(qc_map_get(field_schema(hello, list, field),
	    "labels"), value, vlen);
	if (label == NULL || label->type != MSGPACK_OBJECT_STR)
		return NULL;
	*len = label->via.str.size;
	return label->via.str.ptr;
}
