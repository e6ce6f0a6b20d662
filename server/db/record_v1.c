/*
 * Change records version 1: decoding and their text chain hash.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "frame.h"
#include "msg.h"
#include "record_v1.h"

/* Positions in the stored array. */
enum {
	R1_AT, R1_BY, R1_OP, R1_LIST, R1_SUBJECT, R1_VERSION, R1_FIELDS,
	R1_REASON, R1_HASH, R1_COUNT
};

static int	 r1_decode(const msgpack_object *, struct record_v1 *);
static int	 r1_str(const msgpack_object *, const char **, size_t *);
static int	 fields_ok(const msgpack_object *);
static int	 kv_cmp(const void *, const void *);
static int	 line(EVP_MD_CTX *, const void *, size_t);
static int	 line_uint(EVP_MD_CTX *, uint64_t);
static int	 item(EVP_MD_CTX *, const char *, size_t, const char *,
		    size_t);
static int	 fields_items(EVP_MD_CTX *, const msgpack_object *);

int
record_v1_load(const MDB_val *v, msgpack_zone *zone, struct record_v1 *r)
{
	const char	*data = v->mv_data;
	msgpack_object	*a;
	size_t		 off = 1, start;
	int		 i;

	memset(r, 0, sizeof(*r));
	/* msgpack-c wrote the header of an array of 9 as one byte. */
	if (qc_msgpack_validate(v->mv_data, v->mv_size) != QC_FRAME_OK ||
	    (uint8_t)data[0] != (0x90 | R1_COUNT) ||
	    (a = msgpack_zone_malloc(zone, R1_COUNT * sizeof(*a))) == NULL)
		return -1;
	/* One element at a time, so that the fields' bytes are a span. */
	for (i = 0; i < R1_COUNT; i++) {
		start = off;
		if (msgpack_unpack(data, v->mv_size, &off, zone, &a[i]) !=
		    (i == R1_COUNT - 1 ? MSGPACK_UNPACK_SUCCESS :
		    MSGPACK_UNPACK_EXTRA_BYTES))
			return -1;
		if (i == R1_FIELDS) {
			r->r1_fields_mp = (const uint8_t *)data + start;
			r->r1_fields_len = off - start;
		}
	}
	return r1_decode(a, r);
}

/* A string without NUL bytes: it becomes a C string in version 2. */
static int
r1_str(const msgpack_object *o, const char **s, size_t *len)
{
	return qc_obj_str(o, s, len) == -1 || (*len > 0 &&
	    memchr(*s, '\0', *len) != NULL) ? -1 : 0;
}

static int
r1_decode(const msgpack_object *a, struct record_v1 *r)
{
	if (qc_obj_uint(&a[R1_AT], &r->r1_at) == -1 ||
	    r1_str(&a[R1_BY], &r->r1_by, &r->r1_by_len) == -1 ||
	    r1_str(&a[R1_LIST], &r->r1_list, &r->r1_list_len) == -1 ||
	    r1_str(&a[R1_SUBJECT], &r->r1_subject, &r->r1_subject_len) == -1 ||
	    qc_obj_uint(&a[R1_VERSION], &r->r1_version) == -1 ||
	    r->r1_version == 0 || fields_ok(&a[R1_FIELDS]) == -1 ||
	    a[R1_HASH].type != MSGPACK_OBJECT_BIN ||
	    a[R1_HASH].via.bin.size != STORE_HASH_LEN)
		return -1;
	if (qc_obj_streq(&a[R1_OP], "remove"))
		r->r1_removed = 1;
	else if (!qc_obj_streq(&a[R1_OP], "put"))
		return -1;
	if (r->r1_removed ? qc_obj_str(&a[R1_REASON], &r->r1_reason,
	    &r->r1_reason_len) == -1 : a[R1_REASON].type != MSGPACK_OBJECT_NIL)
		return -1;
	/* msgpack-c unpacks an empty string with a NULL pointer. */
	if (r->r1_removed && r->r1_reason == NULL)
		r->r1_reason = "";
	r->r1_fields = &a[R1_FIELDS];
	r->r1_hash = (const uint8_t *)a[R1_HASH].via.bin.ptr;
	return 0;
}

/* A map of string keys to strings or integers: what a put stored. */
static int
fields_ok(const msgpack_object *f)
{
	const msgpack_object_kv	*kv;
	uint32_t		 i;

	if (f->type != MSGPACK_OBJECT_MAP)
		return -1;
	kv = f->via.map.ptr;
	for (i = 0; i < f->via.map.size; i++)
		if (kv[i].key.type != MSGPACK_OBJECT_STR ||
		    (kv[i].val.type != MSGPACK_OBJECT_STR &&
		    kv[i].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    kv[i].val.type != MSGPACK_OBJECT_NEGATIVE_INTEGER))
			return -1;
	return 0;
}

/* Field names bytewise, the shorter first (strcmp for names). */
static int
kv_cmp(const void *a, const void *b)
{
	const msgpack_object_kv	*x = *(const msgpack_object_kv *const *)a;
	const msgpack_object_kv	*y = *(const msgpack_object_kv *const *)b;
	uint32_t		 xn = x->key.via.str.size;
	uint32_t		 yn = y->key.via.str.size;
	int			 c = 0;

	/* An empty name's pointer may be NULL. */
	if (xn > 0 && yn > 0)
		c = memcmp(x->key.via.str.ptr, y->key.via.str.ptr,
		    xn < yn ? xn : yn);
	return c != 0 ? c : (xn > yn) - (xn < yn);
}

/* Hashes s (len bytes) and a newline. */
static int
line(EVP_MD_CTX *ctx, const void *s, size_t len)
{
	return EVP_DigestUpdate(ctx, s, len) == 1 &&
	    EVP_DigestUpdate(ctx, "\n", 1) == 1 ? 0 : -1;
}

static int
line_uint(EVP_MD_CTX *ctx, uint64_t u)
{
	char	 num[24];
	int	 n;

	n = snprintf(num, sizeof(num), "%" PRIu64, u);
	return line(ctx, num, (size_t)n);
}

/* One payload item: name ":" byte-length ":" value "\n". */
static int
item(EVP_MD_CTX *ctx, const char *name, size_t name_len, const char *val,
    size_t len)
{
	char	 mid[32];
	int	 n;

	n = snprintf(mid, sizeof(mid), ":%zu:", len);
	return EVP_DigestUpdate(ctx, name, name_len) == 1 &&
	    EVP_DigestUpdate(ctx, mid, (size_t)n) == 1 &&
	    line(ctx, val, len) == 0 ? 0 : -1;
}

/* The payload of a put: every field, sorted by name. */
static int
fields_items(EVP_MD_CTX *ctx, const msgpack_object *fields)
{
	const msgpack_object_kv	**kv;
	const msgpack_object	 *v;
	uint32_t		  i, n = fields->via.map.size;
	char			  num[24];
	int			  rc = 0;

	if (n == 0)
		return 0;
	if ((kv = calloc(n, sizeof(*kv))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		kv[i] = &fields->via.map.ptr[i];
	qsort(kv, n, sizeof(*kv), kv_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		v = &kv[i]->val;
		if (v->type == MSGPACK_OBJECT_STR) {
			rc = item(ctx, kv[i]->key.via.str.ptr,
			    kv[i]->key.via.str.size, v->via.str.ptr,
			    v->via.str.size);
			continue;
		}
		if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			snprintf(num, sizeof(num), "%" PRIu64, v->via.u64);
		else
			snprintf(num, sizeof(num), "%" PRId64, v->via.i64);
		rc = item(ctx, kv[i]->key.via.str.ptr, kv[i]->key.via.str.size,
		    num, strlen(num));
	}
	free(kv);
	return rc;
}

int
record_v1_hash(const uint8_t prev[STORE_HASH_LEN], uint64_t seq,
    const struct record_v1 *r, uint8_t out[STORE_HASH_LEN])
{
	EVP_MD_CTX	*ctx;
	const char	*op = r->r1_removed ? "remove" : "put";
	unsigned	 n = 0;
	int		 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, prev, STORE_HASH_LEN) == 1 &&
	    line(ctx, "qcreg-change-v1", 15) == 0 &&
	    line_uint(ctx, seq) == 0 && line_uint(ctx, r->r1_at) == 0 &&
	    line(ctx, r->r1_by, r->r1_by_len) == 0 &&
	    line(ctx, op, strlen(op)) == 0 &&
	    line(ctx, r->r1_list, r->r1_list_len) == 0 &&
	    line(ctx, r->r1_subject, r->r1_subject_len) == 0 &&
	    line_uint(ctx, r->r1_version) == 0 &&
	    (r->r1_removed ? item(ctx, "reason", 6, r->r1_reason,
	    r->r1_reason_len) : fields_items(ctx, r->r1_fields)) == 0 &&
	    EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == STORE_HASH_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}
