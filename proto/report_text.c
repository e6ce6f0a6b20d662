/*
 * The canonical text of a signed report: every value of the report map,
 * one line each, in an order that does not depend on how the map was
 * encoded (JSON may reorder keys; the text does not move).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_text.h"
#include "report_text.h"

/* Bytes escaped in a path's key beside those qc_text_escaped always does. */
#define KEY_EXTRA	".="

static int	 put(msgpack_sbuffer *, const void *, size_t);
static int	 kv_cmp(const void *, const void *);
static int	 text_value(msgpack_sbuffer *, msgpack_sbuffer *,
		    const msgpack_object *, int);
static int	 text_map(msgpack_sbuffer *, msgpack_sbuffer *,
		    const msgpack_object *, int, int);
static int	 text_item(msgpack_sbuffer *, msgpack_sbuffer *, const char *,
		    size_t, int, const msgpack_object *, int);

static int
put(msgpack_sbuffer *b, const void *p, size_t n)
{
	return msgpack_sbuffer_write(b, p, n) == 0 ? 0 : -1;
}

/* Map entries by their keys' bytes, the shorter key first on a tie. */
static int
kv_cmp(const void *a, const void *b)
{
	const msgpack_object_kv	*ka = *(const msgpack_object_kv *const *)a;
	const msgpack_object_kv	*kb = *(const msgpack_object_kv *const *)b;
	const msgpack_object_str *x = &ka->key.via.str, *y = &kb->key.via.str;
	size_t			 n = x->size < y->size ? x->size : y->size;
	int			 c = n > 0 ? memcmp(x->ptr, y->ptr, n) : 0;

	if (c != 0)
		return c;
	return x->size < y->size ? -1 : x->size > y->size;
}

/*
 * The line of o, whose path is in path, then the lines of its children.
 * depth counts the containers between the report and o.
 */
static int
text_value(msgpack_sbuffer *b, msgpack_sbuffer *path,
    const msgpack_object *o, int depth)
{
	char		 num[32];
	uint32_t	 i;

	if (put(b, path->data, path->size) != 0 || put(b, "=", 1) != 0)
		return -1;
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return put(b, "nil\n", 4);
	case MSGPACK_OBJECT_BOOLEAN:
		return o->via.boolean ? put(b, "true\n", 5) :
		    put(b, "false\n", 6);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		snprintf(num, sizeof(num), "%" PRIu64 "\n", o->via.u64);
		return put(b, num, strlen(num));
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		snprintf(num, sizeof(num), "%" PRId64 "\n", o->via.i64);
		return put(b, num, strlen(num));
	case MSGPACK_OBJECT_STR:
		return put(b, "\"", 1) != 0 || qc_text_escaped(b,
		    o->via.str.ptr, o->via.str.size, "") != 0 ||
		    put(b, "\"\n", 2) != 0 ? -1 : 0;
	case MSGPACK_OBJECT_ARRAY:
		if (depth >= QC_REPORT_TEXT_DEPTH)
			return -1;
		snprintf(num, sizeof(num), "[%" PRIu32 "]\n",
		    o->via.array.size);
		if (put(b, num, strlen(num)) != 0)
			return -1;
		for (i = 0; i < o->via.array.size; i++) {
			snprintf(num, sizeof(num), "%" PRIu32, i);
			if (text_item(b, path, num, strlen(num), 0,
			    &o->via.array.ptr[i], depth + 1) != 0)
				return -1;
		}
		return 0;
	case MSGPACK_OBJECT_MAP:
		if (depth >= QC_REPORT_TEXT_DEPTH)
			return -1;
		snprintf(num, sizeof(num), "{%" PRIu32 "}\n", o->via.map.size);
		return put(b, num, strlen(num)) != 0 ||
		    text_map(b, path, o, depth + 1, 0) != 0 ? -1 : 0;
	default:
		return -1;	/* floats, binary and extensions have no text */
	}
}

/*
 * The child o of path under name (len bytes: a key to escape, or an
 * index): path grows by ".name" (no dot at the top) for its lines, then
 * is as it was.
 */
static int
text_item(msgpack_sbuffer *b, msgpack_sbuffer *path, const char *name,
    size_t len, int key, const msgpack_object *o, int depth)
{
	size_t	 was = path->size;
	int	 rc;

	rc = (was > 0 && put(path, ".", 1) != 0) ||
	    (key ? qc_text_escaped(path, name, len, KEY_EXTRA) :
	    put(path, name, len)) != 0 ||
	    text_value(b, path, o, depth) != 0 ? -1 : 0;
	path->size = was;
	return rc;
}

/* The entries of map o in key order; top: the report itself. */
static int
text_map(msgpack_sbuffer *b, msgpack_sbuffer *path, const msgpack_object *o,
    int depth, int top)
{
	const msgpack_object_kv	**kv;
	uint32_t		  i, n = o->via.map.size;
	int			  rc = 0;

	if ((kv = calloc(n + 1, sizeof(*kv))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		kv[i] = &o->via.map.ptr[i];
		if (kv[i]->key.type != MSGPACK_OBJECT_STR)
			rc = -1;
	}
	if (rc == 0)
		qsort(kv, n, sizeof(*kv), kv_cmp);
	for (i = 0; rc == 0 && i < n; i++) {
		if (i > 0 && kv_cmp(&kv[i - 1], &kv[i]) == 0)
			rc = -1;	/* a key given twice */
		else if (top && kv[i]->key.via.str.size == 6 &&
		    memcmp(kv[i]->key.via.str.ptr, "signed", 6) == 0)
			continue;	/* the signature is not signed */
		else
			rc = text_item(b, path, kv[i]->key.via.str.ptr,
			    kv[i]->key.via.str.size, 1, &kv[i]->val, depth);
	}
	free(kv);
	return rc;
}

int
qc_report_text(msgpack_sbuffer *b, const char *origin, uint64_t time,
    uint64_t size, const uint8_t root[QC_ROOT_LEN], const char *key_id,
    const msgpack_object *report)
{
	msgpack_sbuffer	 path;
	int		 rc;

	if (report->type != MSGPACK_OBJECT_MAP ||
	    qc_text_head(b, "qcreg-report-v1", origin, time, size, root,
	    key_id) != 0)
		return -1;
	msgpack_sbuffer_init(&path);
	rc = text_map(b, &path, report, 0, 1);
	msgpack_sbuffer_destroy(&path);
	return rc;
}
