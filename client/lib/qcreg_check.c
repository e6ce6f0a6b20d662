/*
 * libqcreg: decoding a check answer into struct qcreg_check.
 *
 * The hot path of a platform: one pass checks the shape and sizes the
 * result, one allocation holds the items, the hits, the escalations and
 * every string, and a second pass fills it. No per-item malloc.
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "msg.h"
#include "qcreg_int.h"

/* What the first pass counts: the room the result needs. */
struct check_sizes {
	size_t		 nhits;
	size_t		 nesc;		/* items with an escalation */
	size_t		 bytes;		/* strings, with their NULs */
};

/* Where the second pass puts the next hit, escalation and string. */
struct check_arena {
	struct qcreg_hit	*hit;
	struct qcreg_escalation	*esc;
	char			*str;
};

static int	 opt_str(const msgpack_object *, const char *, size_t *);
static int	 need_str(const msgpack_object *, const char *, size_t *);
static const char *put_str(char **, const msgpack_object *);
static int	 needs_raw(const msgpack_object *);
static int	 opt_uint(const msgpack_object *, const char *, uint64_t *);
static int	 verdict_of(const msgpack_object *);
static int	 hit_size(const msgpack_object *, size_t *);
static int	 escalation_size(const msgpack_object *, size_t *, size_t *);
static int	 check_size(const msgpack_object *, struct check_sizes *);
static void	 check_fill(struct qcreg_check *, const msgpack_object *,
		    struct check_arena *);

/*
 * Key of map o is absent or nil (adds nothing), or a str (adds its size
 * plus a NUL to *bytes). Returns -1 for any other type.
 */
static int
opt_str(const msgpack_object *o, const char *key, size_t *bytes)
{
	const msgpack_object	*v = qc_map_get(o, key);

	if (v == NULL || v->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (v->type != MSGPACK_OBJECT_STR)
		return -1;
	*bytes += v->via.str.size + 1;
	return 0;
}

/* As opt_str, but the key must be there and hold a str. */
static int
need_str(const msgpack_object *o, const char *key, size_t *bytes)
{
	const msgpack_object	*v = qc_map_get(o, key);

	if (v == NULL || v->type != MSGPACK_OBJECT_STR)
		return -1;
	*bytes += v->via.str.size + 1;
	return 0;
}

/* Copies a str (or NULL for absent/nil) into the arena at *p. */
static const char *
put_str(char **p, const msgpack_object *v)
{
	char	*s = *p;
	size_t	 i, n;

	if (v == NULL || v->type != MSGPACK_OBJECT_STR)
		return NULL;
	n = v->via.str.size;
	memcpy(s, v->via.str.ptr, n);
	s[n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
	*p = s + n + 1;
	return s;
}

/* 1 if put_str would show some byte of str v as '?'. */
static int
needs_raw(const msgpack_object *v)
{
	uint32_t	 i;

	for (i = 0; i < v->via.str.size; i++)
		if ((unsigned char)v->via.str.ptr[i] < 0x20 ||
		    v->via.str.ptr[i] == 0x7f)
			return 1;
	return 0;
}

/*
 * Key of map o is absent or nil (*v = 0) or a non-negative integer (*v).
 * Returns -1 for any other type.
 */
static int
opt_uint(const msgpack_object *o, const char *key, uint64_t *v)
{
	const msgpack_object	*x = qc_map_get(o, key);

	*v = 0;
	if (x == NULL || x->type == MSGPACK_OBJECT_NIL)
		return 0;
	return qc_obj_uint(x, v);
}

static const char *const verdict_names[] = { "clear", "caution", "listed" };

const char *
qcreg_verdict_name(enum qcreg_verdict v)
{
	return (unsigned)v < 3 ? verdict_names[v] : "?";
}

/* The verdict of a result item, or -1 if it has none we know. */
static int
verdict_of(const msgpack_object *it)
{
	const msgpack_object	*v = qc_map_get(it, "verdict");
	int			 i;

	for (i = 0; v != NULL && i < 3; i++)
		if (qc_obj_streq(v, verdict_names[i]))
			return i;
	return -1;
}

/* Checks the shape of a hit and adds its strings to *bytes. */
static int
hit_size(const msgpack_object *h, size_t *bytes)
{
	uint64_t	 disputed;

	if (need_str(h, "list", bytes) != 0 ||
	    opt_str(h, "grade", bytes) != 0 ||
	    opt_str(h, "until", bytes) != 0 ||
	    opt_uint(h, "disputed", &disputed) != 0)
		return -1;
	return 0;
}

/*
 * The escalation of a result item, if it has one: checks its shape,
 * counts it in *nesc and its strings in *bytes.
 */
static int
escalation_size(const msgpack_object *it, size_t *nesc, size_t *bytes)
{
	const msgpack_object	*e = qc_map_get(it, "escalation");
	uint64_t		 count;

	if (e == NULL || e->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (e->type != MSGPACK_OBJECT_MAP ||
	    need_str(e, "list", bytes) != 0 ||
	    need_str(e, "to", bytes) != 0 ||
	    need_str(e, "first", bytes) != 0 ||
	    need_str(e, "last", bytes) != 0 ||
	    qc_obj_uint(qc_map_get(e, "count"), &count) != 0)
		return -1;
	(*nesc)++;
	return 0;
}

/*
 * The first pass over the results array res: checks the shape of every
 * item, hit and escalation, and counts them and the string bytes (a
 * subject twice when it needs its raw copy).
 */
static int
check_size(const msgpack_object *res, struct check_sizes *sz)
{
	const msgpack_object	*it, *hits, *e, *subject;
	const char		*s;
	size_t			 i, j, len;

	for (i = 0; i < res->via.array.size; i++) {
		it = &res->via.array.ptr[i];
		if (need_str(it, "subject", &sz->bytes) != 0)
			return -1;
		subject = qc_map_get(it, "subject");
		if (needs_raw(subject))
			sz->bytes += subject->via.str.size + 1;
		if ((e = qc_map_get(it, "error")) != NULL) {
			if (qc_obj_str(e, &s, &len) != 0)
				return -1;
			continue;
		}
		hits = qc_map_get(it, "hits");
		if (hits == NULL || hits->type != MSGPACK_OBJECT_ARRAY ||
		    verdict_of(it) == -1 ||
		    escalation_size(it, &sz->nesc, &sz->bytes) != 0)
			return -1;
		for (j = 0; j < hits->via.array.size; j++)
			if (hit_size(&hits->via.array.ptr[j], &sz->bytes) != 0)
				return -1;
		sz->nhits += hits->via.array.size;
	}
	return 0;
}

/*
 * The second pass: fills k's items, and hits, escalations and strings
 * from the arena a, from a results array that check_size accepted.
 */
static void
check_fill(struct qcreg_check *k, const msgpack_object *res,
    struct check_arena *a)
{
	const msgpack_object	*it, *hits, *h, *e, *subject;
	struct qcreg_check_item	*item;
	struct qcreg_escalation	*esc;
	struct qcreg_hit	*hit;
	const char		*s;
	size_t			 i, j, len;

	for (i = 0; i < k->n; i++) {
		it = &res->via.array.ptr[i];
		item = &k->items[i];
		subject = qc_map_get(it, "subject");
		item->subject = put_str(&a->str, subject);
		item->error = QC_OK;
		item->verdict = QCREG_CLEAR;
		item->nhits = 0;
		item->hits = a->hit;
		item->escalation = NULL;
		item->raw_subject = NULL;
		item->raw_len = 0;
		if (needs_raw(subject)) {
			item->raw_len = subject->via.str.size;
			memcpy(a->str, subject->via.str.ptr, item->raw_len);
			a->str[item->raw_len] = '\0';
			item->raw_subject = a->str;
			a->str += item->raw_len + 1;
		}
		if ((e = qc_map_get(it, "error")) != NULL) {
			(void)qc_obj_str(e, &s, &len);
			item->error = (int)qc_err_from_name(s, len);
			if (item->error == QC_OK)
				item->error = QC_E_INTERNAL;
			continue;
		}
		item->verdict = (enum qcreg_verdict)verdict_of(it);
		hits = qc_map_get(it, "hits");
		for (j = 0; j < hits->via.array.size; j++, a->hit++) {
			h = &hits->via.array.ptr[j];
			hit = a->hit;
			hit->list = put_str(&a->str, qc_map_get(h, "list"));
			hit->grade = put_str(&a->str, qc_map_get(h, "grade"));
			hit->until = put_str(&a->str, qc_map_get(h, "until"));
			(void)opt_uint(h, "disputed", &hit->disputed);
		}
		item->nhits = hits->via.array.size;
		e = qc_map_get(it, "escalation");
		if (e == NULL || e->type == MSGPACK_OBJECT_NIL)
			continue;
		esc = a->esc++;
		esc->list = put_str(&a->str, qc_map_get(e, "list"));
		esc->to = put_str(&a->str, qc_map_get(e, "to"));
		esc->first = put_str(&a->str, qc_map_get(e, "first"));
		esc->last = put_str(&a->str, qc_map_get(e, "last"));
		(void)qc_obj_uint(qc_map_get(e, "count"), &esc->count);
		item->escalation = esc;
	}
}

/*
 * The results array res of a check answer (a reply's, or one kept) into
 * *out: 0, QCREG_E_PROTO if it is malformed, or QCREG_E_NOMEM.
 */
int
qcreg_check_results(const msgpack_object *res, struct qcreg_check **out)
{
	struct qcreg_check	*k;
	struct check_sizes	 sz = { 0, 0, 0 };
	struct check_arena	 a;
	size_t			 n;

	*out = NULL;
	if (res == NULL || res->type != MSGPACK_OBJECT_ARRAY ||
	    check_size(res, &sz) != 0)
		return QCREG_E_PROTO;
	n = res->via.array.size;
	/* Items, hits, escalations (all pointer-aligned), then strings. */
	k = malloc(sizeof(*k) + n * sizeof(*k->items) +
	    sz.nhits * sizeof(*a.hit) + sz.nesc * sizeof(*a.esc) + sz.bytes);
	if (k == NULL)
		return QCREG_E_NOMEM;
	k->n = n;
	k->items = (struct qcreg_check_item *)(k + 1);
	a.hit = (struct qcreg_hit *)(k->items + n);
	a.esc = (struct qcreg_escalation *)(a.hit + sz.nhits);
	a.str = (char *)(a.esc + sz.nesc);
	check_fill(k, res, &a);
	*out = k;
	return 0;
}

int
qcreg_check_decode(const struct qcreg_reply *r, struct qcreg_check **out,
    const char **why)
{
	const msgpack_object	*res;
	int			 rc;

	*out = NULL;
	*why = "";
	if (r->r_code != QC_OK) {
		*why = qcreg_reply_message(r);
		return r->r_code;
	}
	if (r->r_op != QCREG_OP_CHECK) {
		*why = "not the answer to a check";
		return QCREG_E_USAGE;
	}
	res = qc_map_get(r->r_result, "results");
	if (res != NULL && res->type == MSGPACK_OBJECT_ARRAY &&
	    res->via.array.size != r->r_n) {
		*why = "the number of results differs from the subjects sent";
		return QCREG_E_PROTO;
	}
	if ((rc = qcreg_check_results(res, out)) != 0)
		*why = rc == QCREG_E_NOMEM ? "out of memory" :
		    "malformed result";
	return rc;
}

void
qcreg_check_free(struct qcreg_check *k)
{
	free(k);
}
