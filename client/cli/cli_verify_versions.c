/*
 * qcreg verify: the entry versions the registry serves, each compared
 * with the change record that wrote it (its seq). A caller that may read
 * a list's history asks history of every subject with a version on it in
 * the log, and every version on such a list must be served; for the
 * other lists it asks get, which serves the current entries. Requests
 * are pipelined, WINDOW at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "cli_verify.h"
#include "msg.h"

#define WINDOW	64	/* requests in flight */

enum ask_op {
	ASK_HISTORY = 0,
	ASK_GET
};

/* One request: the history or the current entries of a subject. */
struct ask {
	const char	*subject;
	enum ask_op	 op;
};

static int	 ask_cmp(const void *, const void *);
static int	 asks_make(struct verify *, struct ask **, size_t *);
static int	 asks_run(struct verify *, const struct ask *, size_t);
static int	 answer_check(struct verify *, const struct ask *,
		    struct qcreg_reply *);
static int	 version_check(struct verify *, const struct ask *,
		    const msgpack_object *);
static const char *version_diff(const struct vrec *, const msgpack_object *);
static const char *payload_diff(const struct vrec *, const msgpack_object *);
static int	 obj_equal(const msgpack_object *, const msgpack_object *);
static int	 map_within(const msgpack_object *, const msgpack_object *);
static struct vrec *vrec_find(struct verify *, uint64_t);
static int	 unserved_check(struct verify *);

static int
ask_cmp(const void *a, const void *b)
{
	const struct ask	*x = a, *y = b;
	int			 c = strcmp(x->subject, y->subject);

	return c != 0 ? c : (int)x->op - (int)y->op;
}

/* One ask per subject and op, from the records that wrote versions. */
static int
asks_make(struct verify *v, struct ask **out, size_t *n)
{
	struct ask	*a;
	size_t		 i, k = 0;

	*n = 0;
	if ((*out = a = calloc(v->nv + 1, sizeof(*a))) == NULL)
		return cli_error(QCREG_E_NOMEM, "out of memory");
	for (i = 0; i < v->nv; i++) {
		/* A withdrawn entry's records: nothing to compare with. */
		if (v->v[i].payload == NULL)
			continue;
		a[k].subject = v->v[i].subject;
		a[k++].op = v->v[i].history ? ASK_HISTORY : ASK_GET;
	}
	qsort(a, k, sizeof(*a), ask_cmp);
	for (i = 0; i < k; i++) {
		if (*n > 0 && ask_cmp(&a[*n - 1], &a[i]) == 0)
			continue;
		if (*n == 0 || strcmp(a[*n - 1].subject, a[i].subject) != 0)
			v->subjects++;
		a[(*n)++] = a[i];
	}
	return CLI_OK;
}

/* Sends the asks, WINDOW in flight, and checks each answer in order. */
static int
asks_run(struct verify *v, const struct ask *a, size_t n)
{
	struct qcreg		*c = v->cli->c;
	struct qcreg_reply	*r;
	size_t			 sent = 0, got = 0;
	int			 rc;

	while (got < n) {
		for (; sent < n && sent - got < WINDOW; sent++)
			if ((rc = a[sent].op == ASK_HISTORY ?
			    qcreg_queue_history(c, a[sent].subject, NULL) :
			    qcreg_queue_get(c, a[sent].subject, NULL, 0)) != 0)
				return cli_fail(v->cli, rc);
		if ((rc = qcreg_next_reply(c, &r)) < 0)
			return cli_fail(v->cli, rc);
		rc = answer_check(v, &a[got++], r);
		qcreg_reply_free(r);
		if (rc != CLI_OK)
			return rc;
	}
	return CLI_OK;
}

/* A history (versions) or get (entries) answer about a->subject. */
static int
answer_check(struct verify *v, const struct ask *a, struct qcreg_reply *r)
{
	const char		*key = a->op == ASK_HISTORY ? "versions" :
				    "entries";
	const msgpack_object	*items;
	uint32_t		 i;
	int			 rc = CLI_OK;

	/* Nothing visible: a get of a subject with no active entry. */
	if (qcreg_reply_code(r) == QC_E_NOT_FOUND)
		return CLI_OK;
	if (qcreg_reply_code(r) != QC_OK)
		return verify_error(qcreg_reply_code(r), "%s %s: %s",
		    qcreg_reply_op(r), a->subject, qcreg_reply_message(r));
	items = qc_map_get(qcreg_reply_result(r), key);
	if (items == NULL || items->type != MSGPACK_OBJECT_ARRAY)
		return verify_error(QCREG_E_PROTO, "%s %s: answer without %s",
		    qcreg_reply_op(r), a->subject, key);
	for (i = 0; rc == CLI_OK && i < items->via.array.size; i++)
		rc = version_check(v, a, &items->via.array.ptr[i]);
	return rc;
}

/* One version served: the record at its seq must have written it. */
static int
version_check(struct verify *v, const struct ask *a, const msgpack_object *e)
{
	const char	*how = a->op == ASK_HISTORY ? "history" : "get";
	const char	*diff;
	struct vrec	*rec;
	uint64_t	 seq;

	if (qc_obj_uint(qc_map_get(e, "seq"), &seq) != 0 || seq == 0)
		return verify_error(QCREG_E_PROTO, "%s %s: a version without "
		    "seq", how, a->subject);
	if (seq > v->cp.size)
		return CLI_OK;	/* written after the checkpoint */
	if ((rec = vrec_find(v, seq)) == NULL)
		return verify_fail(v, seq, "%s of %s serves a version this "
		    "change did not write", how, a->subject);
	if (rec->payload == NULL)
		return verify_fail(v, seq, "%s of %s serves a version whose "
		    "payload the log withholds", how, a->subject);
	if ((diff = version_diff(rec, e)) != NULL)
		return verify_fail(v, seq, "%s of %s: %s version %llu differs "
		    "from the change in %s", how, a->subject, rec->list,
		    (unsigned long long)rec->version, diff);
	if (!rec->served)
		v->versions++;
	rec->served = 1;
	return CLI_OK;
}

/* The first key in which version e differs from rec, or NULL. */
static const char *
version_diff(const struct vrec *rec, const msgpack_object *e)
{
	const msgpack_object	*by = qc_map_get(e, "by"), *cs;
	uint64_t		 u, case_id = 0;

	if (!qc_obj_streq(qc_map_get(e, "list"), rec->list))
		return "list";
	if (!qc_obj_streq(qc_map_get(e, "subject"), rec->subject))
		return "subject";
	if (qc_obj_uint(qc_map_get(e, "version"), &u) != 0 ||
	    u != rec->version)
		return "version";
	if (qc_obj_uint(qc_map_get(e, "at"), &u) != 0 || u != rec->at)
		return "at";
	if (!qc_obj_streq(qc_map_get(e, "status"), rec->removed ? "removed" :
	    "listed"))
		return "status";
	/* Platforms and agencies are not shown who wrote a version. */
	if (by != NULL && !qc_obj_streq(by, rec->principal))
		return "by";
	if ((cs = qc_map_get(e, "case")) != NULL &&
	    qc_obj_uint(cs, &case_id) != 0)
		return "case";
	if (case_id != rec->case_id)
		return "case";
	return payload_diff(rec, e);
}

/* fields and reason of e against the record's payload, or NULL. */
static const char *
payload_diff(const struct vrec *rec, const msgpack_object *e)
{
	msgpack_unpacked	 up;
	const char		*diff = NULL;
	size_t			 off = 0;

	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, (const char *)rec->payload,
	    rec->payload_len, &off) != MSGPACK_UNPACK_SUCCESS)
		diff = "payload";
	else if (!obj_equal(qc_map_get(&up.data, "fields"),
	    qc_map_get(e, "fields")))
		diff = "fields";
	else if (!obj_equal(qc_map_get(&up.data, "reason"),
	    qc_map_get(e, "reason")))
		diff = "reason";
	msgpack_unpacked_destroy(&up);
	return diff;
}

/* Equal values, maps compared by key whatever their order; NULL: absent. */
static int
obj_equal(const msgpack_object *a, const msgpack_object *b)
{
	uint32_t	 i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->type != b->type)
		return 0;
	if (a->type == MSGPACK_OBJECT_MAP)
		return a->via.map.size == b->via.map.size &&
		    map_within(a, b) && map_within(b, a);
	if (a->type != MSGPACK_OBJECT_ARRAY)
		return msgpack_object_equal(*a, *b);
	if (a->via.array.size != b->via.array.size)
		return 0;
	for (i = 0; i < a->via.array.size; i++)
		if (!obj_equal(&a->via.array.ptr[i], &b->via.array.ptr[i]))
			return 0;
	return 1;
}

/* Every key of map a is in map b with an equal value. */
static int
map_within(const msgpack_object *a, const msgpack_object *b)
{
	const msgpack_object_kv	*kv;
	uint32_t		 i;

	for (i = 0; i < a->via.map.size; i++) {
		kv = &a->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR ||
		    !obj_equal(&kv->val, qc_map_getn(b, kv->key.via.str.ptr,
		    kv->key.via.str.size)))
			return 0;
	}
	return 1;
}

/* The kept record of seq (they are in seq order), or NULL. */
static struct vrec *
vrec_find(struct verify *v, uint64_t seq)
{
	size_t	 lo = 0, hi = v->nv, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v->v[mid].seq == seq)
			return &v->v[mid];
		if (v->v[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Every version on a list whose history the caller reads was served. */
static int
unserved_check(struct verify *v)
{
	const struct vrec	*r;
	size_t			 i;

	for (i = 0; i < v->nv; i++) {
		r = &v->v[i];
		if (r->history && r->payload != NULL && !r->served)
			return verify_fail(v, r->seq, "history of %s does not "
			    "serve %s version %llu", r->subject, r->list,
			    (unsigned long long)r->version);
	}
	return CLI_OK;
}

int
verify_versions(struct verify *v)
{
	struct ask	*a;
	size_t		 n;
	int		 rc;

	if ((rc = asks_make(v, &a, &n)) != CLI_OK)
		return rc;
	rc = asks_run(v, a, n);
	free(a);
	return rc != CLI_OK ? rc : unserved_check(v);
}
