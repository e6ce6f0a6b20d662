/*
 * libqcreg: decoding a check answer into struct qcreg_check.
 *
 * The hot path of a platform: one pass checks the shape and sizes the
 * result, one allocation holds the items, the hits and every string, and
 * a second pass fills it. No per-item malloc.
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "msg.h"
#include "qcreg_int.h"

static int	 opt_str(const msgpack_object *, const char *, size_t *);
static int	 need_str(const msgpack_object *, const char *, size_t *);
static const char *put_str(char **, const msgpack_object *);
static int	 verdict_of(const msgpack_object *);
static int	 check_size(const msgpack_object *, size_t *, size_t *);
static void	 check_fill(struct qcreg_check *, const msgpack_object *,
		    struct qcreg_hit *, char *);

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

/*
 * The first pass over the results array res of n items: checks the shape
 * of every item and hit, and counts the hits and the string bytes.
 */
static int
check_size(const msgpack_object *res, size_t *nhits, size_t *bytes)
{
	const msgpack_object	*it, *hits, *h, *e;
	const char		*s;
	size_t			 i, j, len;

	for (i = 0; i < res->via.array.size; i++) {
		it = &res->via.array.ptr[i];
		if (need_str(it, "subject", bytes) != 0)
			return -1;
		if ((e = qc_map_get(it, "error")) != NULL) {
			if (qc_obj_str(e, &s, &len) != 0)
				return -1;
			continue;
		}
		hits = qc_map_get(it, "hits");
		if (hits == NULL || hits->type != MSGPACK_OBJECT_ARRAY ||
		    verdict_of(it) == -1)
			return -1;
		for (j = 0; j < hits->via.array.size; j++) {
			h = &hits->via.array.ptr[j];
			if (need_str(h, "list", bytes) != 0 ||
			    opt_str(h, "grade", bytes) != 0 ||
			    opt_str(h, "until", bytes) != 0)
				return -1;
		}
		*nhits += hits->via.array.size;
	}
	return 0;
}

/*
 * The second pass: fills k (items, then hits at hit, then strings at p)
 * from a results array that check_size accepted.
 */
static void
check_fill(struct qcreg_check *k, const msgpack_object *res,
    struct qcreg_hit *hit, char *p)
{
	const msgpack_object	*it, *hits, *h, *e;
	struct qcreg_check_item	*item;
	const char		*s;
	size_t			 i, j, len;

	for (i = 0; i < k->n; i++) {
		it = &res->via.array.ptr[i];
		item = &k->items[i];
		item->subject = put_str(&p, qc_map_get(it, "subject"));
		item->error = QC_OK;
		item->verdict = QCREG_CLEAR;
		item->nhits = 0;
		item->hits = hit;
		if ((e = qc_map_get(it, "error")) != NULL) {
			(void)qc_obj_str(e, &s, &len);
			item->error = (int)qc_err_from_name(s, len);
			if (item->error == QC_OK)
				item->error = QC_E_INTERNAL;
			continue;
		}
		item->verdict = (enum qcreg_verdict)verdict_of(it);
		hits = qc_map_get(it, "hits");
		for (j = 0; j < hits->via.array.size; j++, hit++) {
			h = &hits->via.array.ptr[j];
			hit->list = put_str(&p, qc_map_get(h, "list"));
			hit->grade = put_str(&p, qc_map_get(h, "grade"));
			hit->until = put_str(&p, qc_map_get(h, "until"));
		}
		item->nhits = hits->via.array.size;
	}
}

int
qcreg_check_decode(const struct qcreg_reply *r, struct qcreg_check **out,
    const char **why)
{
	const msgpack_object	*res;
	struct qcreg_check	*k;
	struct qcreg_hit	*hit;
	size_t			 n, nhits = 0, bytes = 0;

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
	*why = "malformed result";
	res = qc_map_get(r->r_result, "results");
	if (res == NULL || res->type != MSGPACK_OBJECT_ARRAY)
		return QCREG_E_PROTO;
	n = res->via.array.size;
	if (n != r->r_n) {
		*why = "the number of results differs from the subjects sent";
		return QCREG_E_PROTO;
	}
	if (check_size(res, &nhits, &bytes) != 0)
		return QCREG_E_PROTO;
	k = malloc(sizeof(*k) + n * sizeof(*k->items) + nhits * sizeof(*hit) +
	    bytes);
	if (k == NULL) {
		*why = "out of memory";
		return QCREG_E_NOMEM;
	}
	k->n = n;
	k->items = (struct qcreg_check_item *)(k + 1);
	hit = (struct qcreg_hit *)(k->items + n);
	check_fill(k, res, hit, (char *)(hit + nhits));
	*out = k;
	*why = "";
	return 0;
}

void
qcreg_check_free(struct qcreg_check *k)
{
	free(k);
}
