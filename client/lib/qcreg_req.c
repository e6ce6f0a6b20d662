/*
 * libqcreg: encoding requests into the output queue, and the single calls
 * built on the pipeline.
 */
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "msg.h"
#include "qcreg_int.h"

static int	 req_push(struct qcreg_req *, int);
static int	 pend_push(struct qcreg *, uint64_t, enum qcreg_op, uint32_t);
static int	 pack_strs(msgpack_packer *, const char *, const char *const *,
		    size_t);
static int	 queue_check(struct qcreg *, const char *const *, size_t,
		    const char *const *, size_t, int);

/*
 * Starts a request frame in c->req: the envelope with the length
 * placeholder, id and op; nargs more key/value pairs must follow.
 */
int
qcreg_req_begin(struct qcreg_req *q, struct qcreg *c, enum qcreg_op op,
    uint32_t nargs)
{
	q->c = c;
	q->op = op;
	q->n = 0;
	if (c->dead)
		return qcreg_dead(c);
	if (qc_env_request_begin(&c->req, &q->pk, c->next_id,
	    qcreg_op_names[op], nargs) != 0)
		return qcreg_req_end(q, -1);
	return 0;
}

/*
 * Finishes the frame in c->req and appends it to the output queue (not if
 * packing failed or it is larger than the server accepts), and records
 * the request as in flight.
 */
static int
req_push(struct qcreg_req *q, int packed)
{
	struct qcreg	*c = q->c;
	size_t		 start = c->out.size, len = qc_env_body_len(&c->req);

	if (packed != 0)
		return qcreg_fail(c, QCREG_E_NOMEM, "out of memory encoding "
		    "%s", qcreg_op_names[q->op]);
	if (len > c->max_send)
		return qcreg_fail(c, QCREG_E_USAGE, "%s request of %zu bytes "
		    "is larger than the server's max_frame (%lu)",
		    qcreg_op_names[q->op], len, (unsigned long)c->max_send);
	qc_env_finish(&c->req);
	if (msgpack_sbuffer_write(&c->out, c->req.data, c->req.size) != 0)
		return qcreg_fail(c, QCREG_E_NOMEM, "out of memory");
	if (pend_push(c, c->next_id, q->op, q->n) != 0) {
		c->out.size = start;
		return qcreg_fail(c, QCREG_E_NOMEM, "out of memory");
	}
	c->next_id++;
	return 0;
}

/*
 * Queues the request packed in c->req (req_push) and writes the queue
 * out once it holds more than QCREG_OUT_HIGH bytes.
 */
int
qcreg_req_end(struct qcreg_req *q, int packed)
{
	struct qcreg	*c = q->c;
	int		 rc;

	rc = req_push(q, packed);
	/* A huge request must not pin its memory for the connection's life. */
	if (c->req.alloc > QCREG_BUF_KEEP) {
		msgpack_sbuffer_destroy(&c->req);
		msgpack_sbuffer_init(&c->req);
	}
	if (rc == 0 && c->out.size - c->out_off > QCREG_OUT_HIGH)
		return qcreg_io_flush(c);
	return rc;
}

/* Appends to the ring of requests in flight, growing it as needed. */
static int
pend_push(struct qcreg *c, uint64_t id, enum qcreg_op op, uint32_t n)
{
	struct qcreg_pend	*p;
	size_t			 cap, i;

	if (c->pq_count == c->pq_cap) {
		cap = c->pq_cap == 0 ? 64 : c->pq_cap * 2;
		if ((p = calloc(cap, sizeof(*p))) == NULL)
			return -1;
		for (i = 0; i < c->pq_count; i++)
			p[i] = c->pq[(c->pq_head + i) % c->pq_cap];
		free(c->pq);
		c->pq = p;
		c->pq_cap = cap;
		c->pq_head = 0;
	}
	p = &c->pq[(c->pq_head + c->pq_count) % c->pq_cap];
	p->p_id = id;
	p->p_op = (uint8_t)op;
	p->p_n = n;
	c->pq_count++;
	return 0;
}

/* Packs key, then an array of n strings. */
static int
pack_strs(msgpack_packer *pk, const char *key, const char *const *v,
    size_t n)
{
	size_t	 i;

	if (qc_pack_cstr(pk, key) != 0 || msgpack_pack_array(pk, n) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (v[i] == NULL || qc_pack_cstr(pk, v[i]) != 0)
			return -1;
	return 0;
}

/* Packs "fields" and a map of the n fields. */
int
qcreg_pack_fields(msgpack_packer *pk, const struct qcreg_field *f, size_t n)
{
	size_t	 i;

	if (qc_pack_cstr(pk, "fields") != 0 || msgpack_pack_map(pk, n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (f[i].name == NULL || qc_pack_cstr(pk, f[i].name) != 0)
			return -1;
		if (f[i].type == QCREG_V_INT) {
			if (msgpack_pack_int64(pk, f[i].num) != 0)
				return -1;
		} else if (f[i].str == NULL || qc_pack_cstr(pk, f[i].str) != 0)
			return -1;
	}
	return 0;
}

/* Packs "idem" and key, unless key is NULL. */
int
qcreg_pack_idem(msgpack_packer *pk, const char *key)
{
	return key != NULL ? qc_pack_kv_str(pk, "idem", key) : 0;
}

/* 1 if a retry key is NULL (none) or of 1 .. QCREG_IDEM_MAX bytes. */
int
qcreg_idem_ok(const char *key)
{
	return key == NULL || (*key != '\0' && strlen(key) <= QCREG_IDEM_MAX);
}

int
qcreg_queue_hello(struct qcreg *c)
{
	struct qcreg_req	 q;
	int			 rc;

	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_HELLO, 0)) != 0)
		return rc;
	return qcreg_req_end(&q, 0);
}

/* A check, with signed: true if sign. */
static int
queue_check(struct qcreg *c, const char *const *subjects, size_t n,
    const char *const *lists, size_t nlists, int sign)
{
	struct qcreg_req	 q;
	int			 rc;

	if (subjects == NULL || n == 0 || n > UINT32_MAX ||
	    (lists == NULL && nlists > 0))
		return qcreg_fail(c, QCREG_E_USAGE,
		    "check needs 1 or more subjects");
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_CHECK,
	    1 + (nlists > 0) + (sign != 0))) != 0)
		return rc;
	q.n = (uint32_t)n;
	return qcreg_req_end(&q,
	    pack_strs(&q.pk, "subjects", subjects, n) != 0 ||
	    (nlists > 0 && pack_strs(&q.pk, "lists", lists, nlists) != 0) ||
	    (sign && (qc_pack_cstr(&q.pk, "signed") != 0 ||
	    msgpack_pack_true(&q.pk) != 0)));
}

int
qcreg_queue_check(struct qcreg *c, const char *const *subjects, size_t n,
    const char *const *lists, size_t nlists)
{
	return queue_check(c, subjects, n, lists, nlists, 0);
}

int
qcreg_queue_check_signed(struct qcreg *c, const char *const *subjects,
    size_t n, const char *const *lists, size_t nlists)
{
	return queue_check(c, subjects, n, lists, nlists, 1);
}

int
qcreg_queue_get(struct qcreg *c, const char *subject,
    const char *const *lists, size_t nlists)
{
	struct qcreg_req	 q;
	int			 rc;

	if (subject == NULL || (lists == NULL && nlists > 0))
		return qcreg_fail(c, QCREG_E_USAGE, "get needs a subject");
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_GET, 1 + (nlists > 0))) != 0)
		return rc;
	return qcreg_req_end(&q,
	    qc_pack_kv_str(&q.pk, "subject", subject) != 0 ||
	    (nlists > 0 && pack_strs(&q.pk, "lists", lists, nlists) != 0));
}

int
qcreg_queue_put(struct qcreg *c, const char *list, const char *subject,
    const struct qcreg_field *fields, size_t nfields, int64_t if_version)
{
	return qcreg_queue_put_idem(c, list, subject, fields, nfields,
	    if_version, NULL);
}

int
qcreg_queue_put_idem(struct qcreg *c, const char *list, const char *subject,
    const struct qcreg_field *fields, size_t nfields, int64_t if_version,
    const char *idem)
{
	struct qcreg_put_opts	 o = { if_version, idem, 0 };

	return qcreg_queue_put_opts(c, list, subject, fields, nfields, &o);
}

int
qcreg_queue_put_opts(struct qcreg *c, const char *list, const char *subject,
    const struct qcreg_field *fields, size_t nfields,
    const struct qcreg_put_opts *o)
{
	struct qcreg_req	 q;
	int			 rc;

	if (list == NULL || subject == NULL || (fields == NULL &&
	    nfields > 0) || nfields > UINT32_MAX || o->if_version < -1 ||
	    !qcreg_idem_ok(o->idem))
		return qcreg_fail(c, QCREG_E_USAGE, "put needs a list, a "
		    "subject and fields (and an idem key of 1 .. %d bytes)",
		    QCREG_IDEM_MAX);
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_PUT,
	    3 + (o->if_version >= 0) + (o->idem != NULL) +
	    (o->unless_same != 0))) != 0)
		return rc;
	return qcreg_req_end(&q, qc_pack_kv_str(&q.pk, "list", list) != 0 ||
	    qc_pack_kv_str(&q.pk, "subject", subject) != 0 ||
	    qcreg_pack_fields(&q.pk, fields, nfields) != 0 ||
	    (o->if_version >= 0 && qc_pack_kv_uint(&q.pk, "if_version",
	    (uint64_t)o->if_version) != 0) ||
	    qcreg_pack_idem(&q.pk, o->idem) != 0 ||
	    (o->unless_same && (qc_pack_cstr(&q.pk, "unless_same") != 0 ||
	    msgpack_pack_true(&q.pk) != 0)));
}

int
qcreg_queue_remove(struct qcreg *c, const char *list, const char *subject,
    const char *reason, int64_t if_version)
{
	return qcreg_queue_remove_idem(c, list, subject, reason, if_version,
	    NULL);
}

int
qcreg_queue_remove_idem(struct qcreg *c, const char *list,
    const char *subject, const char *reason, int64_t if_version,
    const char *idem)
{
	struct qcreg_req	 q;
	int			 rc;

	if (list == NULL || subject == NULL || reason == NULL ||
	    if_version < -1 || !qcreg_idem_ok(idem))
		return qcreg_fail(c, QCREG_E_USAGE, "remove needs a list, a "
		    "subject and a reason (and an idem key of 1 .. %d bytes)",
		    QCREG_IDEM_MAX);
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_REMOVE,
	    3 + (if_version >= 0) + (idem != NULL))) != 0)
		return rc;
	return qcreg_req_end(&q, qc_pack_kv_str(&q.pk, "list", list) != 0 ||
	    qc_pack_kv_str(&q.pk, "subject", subject) != 0 ||
	    qc_pack_kv_str(&q.pk, "reason", reason) != 0 ||
	    (if_version >= 0 && qc_pack_kv_uint(&q.pk, "if_version",
	    (uint64_t)if_version) != 0) ||
	    qcreg_pack_idem(&q.pk, idem) != 0);
}

int
qcreg_queue_history(struct qcreg *c, const char *subject, const char *list)
{
	struct qcreg_req	 q;
	int			 rc;

	if (subject == NULL)
		return qcreg_fail(c, QCREG_E_USAGE, "history needs a subject");
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_HISTORY,
	    1 + (list != NULL))) != 0)
		return rc;
	return qcreg_req_end(&q,
	    qc_pack_kv_str(&q.pk, "subject", subject) != 0 ||
	    (list != NULL && qc_pack_kv_str(&q.pk, "list", list) != 0));
}

int
qcreg_queue_scan(struct qcreg *c, const char *list, const char *after,
    uint32_t limit, const char *state)
{
	struct qcreg_req	 q;
	int			 rc;

	if (list == NULL)
		return qcreg_fail(c, QCREG_E_USAGE, "scan needs a list");
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_SCAN, 1 + (after != NULL) +
	    (limit > 0) + (state != NULL))) != 0)
		return rc;
	return qcreg_req_end(&q, qc_pack_kv_str(&q.pk, "list", list) != 0 ||
	    (after != NULL && qc_pack_kv_str(&q.pk, "after", after) != 0) ||
	    (limit > 0 && qc_pack_kv_uint(&q.pk, "limit", limit) != 0) ||
	    (state != NULL && qc_pack_kv_str(&q.pk, "state", state) != 0));
}

int
qcreg_queue_changes(struct qcreg *c, uint64_t since, uint32_t limit)
{
	return qcreg_queue_changes_wait(c, since, limit, 0);
}

int
qcreg_queue_changes_wait(struct qcreg *c, uint64_t since, uint32_t limit,
    unsigned wait_s)
{
	struct qcreg_req	 q;
	int			 rc;

	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_CHANGES,
	    1 + (limit > 0) + (wait_s > 0))) != 0)
		return rc;
	return qcreg_req_end(&q, qc_pack_kv_uint(&q.pk, "since", since) != 0 ||
	    (limit > 0 && qc_pack_kv_uint(&q.pk, "limit", limit) != 0) ||
	    (wait_s > 0 && qc_pack_kv_uint(&q.pk, "wait", wait_s) != 0));
}

int
qcreg_queue_search(struct qcreg *c, const struct qcreg_search_query *sq)
{
	struct qcreg_req	 q;
	int			 rc;

	if (sq == NULL || sq->q == NULL || (sq->lists == NULL &&
	    sq->nlists > 0))
		return qcreg_fail(c, QCREG_E_USAGE, "search needs a text");
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_SEARCH, 1 +
	    (sq->nlists > 0) + (sq->limit > 0) + (sq->after != NULL))) != 0)
		return rc;
	return qcreg_req_end(&q, qc_pack_kv_str(&q.pk, "q", sq->q) != 0 ||
	    (sq->nlists > 0 && pack_strs(&q.pk, "lists", sq->lists,
	    sq->nlists) != 0) ||
	    (sq->limit > 0 && qc_pack_kv_uint(&q.pk, "limit",
	    sq->limit) != 0) ||
	    (sq->after != NULL && qc_pack_kv_str(&q.pk, "after",
	    sq->after) != 0));
}

int
qcreg_queue_stats(struct qcreg *c)
{
	return qcreg_queue_stats_by(c, NULL);
}

int
qcreg_queue_stats_by(struct qcreg *c, const struct qcreg_stats_query *sq)
{
	static const struct qcreg_stats_query	 none;
	const char	*keys[] = { "by", "list", "region", "from", "to" };
	const char	*vals[5];
	struct qcreg_req q;
	size_t		 i, n = 0;
	int		 rc, bad = 0;

	if (sq == NULL)
		sq = &none;
	vals[0] = sq->by;
	vals[1] = sq->list;
	vals[2] = sq->region;
	vals[3] = sq->from;
	vals[4] = sq->to;
	for (i = 0; i < 5; i++)
		n += vals[i] != NULL;
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_STATS, n)) != 0)
		return rc;
	for (i = 0; i < 5 && !bad; i++)
		bad = vals[i] != NULL &&
		    qc_pack_kv_str(&q.pk, keys[i], vals[i]) != 0;
	return qcreg_req_end(&q, bad);
}

int
qcreg_flush(struct qcreg *c)
{
	return qcreg_io_flush(c);
}

size_t
qcreg_in_flight(const struct qcreg *c)
{
	return c->pq_count;
}

/* A single call may not overtake pipelined answers. */
int
qcreg_single_begin(struct qcreg *c)
{
	if (c->dead)
		return qcreg_dead(c);
	if (c->pq_count > 0)
		return qcreg_fail(c, QCREG_E_USAGE, "%zu pipelined answers "
		    "are still unread", c->pq_count);
	return 0;
}

/* Waits for the answer of a single call; keeps only a success. */
int
qcreg_single_end(struct qcreg *c, struct qcreg_reply **out)
{
	struct qcreg_reply	*r;
	int			 rc;

	if ((rc = qcreg_next_reply(c, &r)) != 0) {
		qcreg_reply_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int
qcreg_hello(struct qcreg *c, struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_hello(c)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_check(struct qcreg *c, const char *const *subjects, size_t n,
    const char *const *lists, size_t nlists, struct qcreg_check **out)
{
	struct qcreg_reply	*r;
	const char		*why;
	int			 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_check(c, subjects, n, lists, nlists)) != 0 ||
	    (rc = qcreg_single_end(c, &r)) != 0)
		return rc;
	rc = qcreg_check_decode(r, out, &why);
	qcreg_reply_free(r);
	if (rc != 0)
		return qcreg_fail(c, rc, "check: %s", why);
	return 0;
}

int
qcreg_get(struct qcreg *c, const char *subject, const char *const *lists,
    size_t nlists, struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_get(c, subject, lists, nlists)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_put(struct qcreg *c, const char *list, const char *subject,
    const struct qcreg_field *fields, size_t nfields, int64_t if_version,
    struct qcreg_write *w)
{
	return qcreg_put_idem(c, list, subject, fields, nfields, if_version,
	    NULL, w);
}

int
qcreg_put_idem(struct qcreg *c, const char *list, const char *subject,
    const struct qcreg_field *fields, size_t nfields, int64_t if_version,
    const char *idem, struct qcreg_write *w)
{
	struct qcreg_reply	*r;
	int			 rc;

	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_put_idem(c, list, subject, fields, nfields,
	    if_version, idem)) != 0 ||
	    (rc = qcreg_single_end(c, &r)) != 0)
		return rc;
	rc = qcreg_reply_write(r, w);
	qcreg_reply_free(r);
	if (rc != 0)
		return qcreg_fail(c, rc, "put: malformed result");
	return 0;
}

int
qcreg_remove(struct qcreg *c, const char *list, const char *subject,
    const char *reason, int64_t if_version, struct qcreg_write *w)
{
	return qcreg_remove_idem(c, list, subject, reason, if_version, NULL,
	    w);
}

int
qcreg_remove_idem(struct qcreg *c, const char *list, const char *subject,
    const char *reason, int64_t if_version, const char *idem,
    struct qcreg_write *w)
{
	struct qcreg_reply	*r;
	int			 rc;

	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_remove_idem(c, list, subject, reason,
	    if_version, idem)) != 0 ||
	    (rc = qcreg_single_end(c, &r)) != 0)
		return rc;
	rc = qcreg_reply_write(r, w);
	qcreg_reply_free(r);
	if (rc != 0)
		return qcreg_fail(c, rc, "remove: malformed result");
	return 0;
}

int
qcreg_history(struct qcreg *c, const char *subject, const char *list,
    struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_history(c, subject, list)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_scan(struct qcreg *c, const char *list, const char *after,
    uint32_t limit, const char *state, struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_scan(c, list, after, limit, state)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_changes(struct qcreg *c, uint64_t since, uint32_t limit,
    struct qcreg_reply **out)
{
	return qcreg_changes_wait(c, since, limit, 0, out);
}

int
qcreg_changes_wait(struct qcreg *c, uint64_t since, uint32_t limit,
    unsigned wait_s, struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_changes_wait(c, since, limit, wait_s)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_search(struct qcreg *c, const struct qcreg_search_query *sq,
    struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_search(c, sq)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_backup(struct qcreg *c, const char *id, struct qcreg_reply **out)
{
	struct qcreg_req	 q;
	int			 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_req_begin(&q, c, QCREG_OP_BACKUP, id != NULL)) != 0 ||
	    (rc = qcreg_req_end(&q, id != NULL &&
	    qc_pack_kv_str(&q.pk, "backup", id) != 0)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_backup_read(struct qcreg *c, const char *id, uint64_t offset,
    struct qcreg_reply **out)
{
	struct qcreg_req	 q;
	int			 rc;

	*out = NULL;
	if (id == NULL)
		return qcreg_fail(c, QCREG_E_USAGE, "backup_read needs an id");
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_req_begin(&q, c, QCREG_OP_BACKUP_READ, 2)) != 0 ||
	    (rc = qcreg_req_end(&q, qc_pack_kv_str(&q.pk, "backup",
	    id) != 0 || qc_pack_kv_uint(&q.pk, "offset", offset) != 0)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_audit(struct qcreg *c, const struct qcreg_audit_query *aq,
    struct qcreg_reply **out)
{
	static const struct qcreg_audit_query	 none;
	struct qcreg_req			 q;
	int					 rc;

	*out = NULL;
	if (aq == NULL)
		aq = &none;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_req_begin(&q, c, QCREG_OP_AUDIT,
	    (aq->principal != NULL) + (aq->subject != NULL) +
	    (aq->since != NULL) + (aq->after > 0) + (aq->limit > 0))) != 0 ||
	    (rc = qcreg_req_end(&q,
	    (aq->principal != NULL && qc_pack_kv_str(&q.pk, "principal",
	    aq->principal) != 0) ||
	    (aq->subject != NULL && qc_pack_kv_str(&q.pk, "subject",
	    aq->subject) != 0) ||
	    (aq->since != NULL && qc_pack_kv_str(&q.pk, "since",
	    aq->since) != 0) ||
	    (aq->after > 0 && qc_pack_kv_uint(&q.pk, "after",
	    aq->after) != 0) ||
	    (aq->limit > 0 && qc_pack_kv_uint(&q.pk, "limit",
	    aq->limit) != 0))) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_stats(struct qcreg *c, struct qcreg_reply **out)
{
	return qcreg_stats_by(c, NULL, out);
}

int
qcreg_stats_by(struct qcreg *c, const struct qcreg_stats_query *sq,
    struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_stats_by(c, sq)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}
