/*
 * Helpers over msgpack-c 4.0 objects and packers. Strings in objects point
 * into the frame and are not NUL-terminated, so compare with lengths.
 */
#include <string.h>

#include "msg.h"

const msgpack_object *
qc_map_get(const msgpack_object *o, const char *key)
{
	if (key == NULL)
		return NULL;
	return qc_map_getn(o, key, strlen(key));
}

const msgpack_object *
qc_map_getn(const msgpack_object *o, const char *key, size_t len)
{
	const msgpack_object_kv	*kv;
	uint32_t		 i;

	if (o == NULL || o->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < o->via.map.size; i++) {
		kv = &o->via.map.ptr[i];
		if (kv->key.type == MSGPACK_OBJECT_STR &&
		    kv->key.via.str.size == len &&
		    memcmp(kv->key.via.str.ptr, key, len) == 0)
			return &kv->val;
	}
	return NULL;
}

int
qc_obj_streq(const msgpack_object *o, const char *s)
{
	size_t	 n;

	if (o == NULL || s == NULL || o->type != MSGPACK_OBJECT_STR)
		return 0;
	/* Most comparisons fail: on the first byte, before strlen. */
	if (o->via.str.size > 0 && o->via.str.ptr[0] != s[0])
		return 0;
	n = strlen(s);
	return o->via.str.size == n &&
	    (n == 0 || memcmp(o->via.str.ptr, s, n) == 0);
}

int
qc_obj_str(const msgpack_object *o, const char **s, size_t *len)
{
	if (o == NULL || o->type != MSGPACK_OBJECT_STR)
		return -1;
	*s = o->via.str.ptr;
	*len = o->via.str.size;
	return 0;
}

/* msgpack-c decodes non-negative ints as POSITIVE_INTEGER; accept both. */
int
qc_obj_uint(const msgpack_object *o, uint64_t *v)
{
	if (o == NULL)
		return -1;
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		*v = o->via.u64;
		return 0;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && o->via.i64 >= 0) {
		*v = (uint64_t)o->via.i64;
		return 0;
	}
	return -1;
}

/*
 * A str holding a NUL is refused too: the copy would silently end early
 * and the caller would act on a different string than the peer sent.
 */
int
qc_obj_strcpy(const msgpack_object *o, char *buf, size_t size)
{
	size_t	 n;

	if (o == NULL || buf == NULL || size == 0 ||
	    o->type != MSGPACK_OBJECT_STR)
		return -1;
	n = o->via.str.size;
	if (n >= size || (n > 0 && memchr(o->via.str.ptr, '\0', n) != NULL))
		return -1;
	if (n > 0)
		memcpy(buf, o->via.str.ptr, n);
	buf[n] = '\0';
	return 0;
}

/*
 * Short strings (keys, states, subjects) go out as one write of header
 * and bytes rather than two: packing answers is mostly this.
 */
int
qc_pack_cstr(msgpack_packer *pk, const char *s)
{
	char	 buf[1 + 31];
	size_t	 len = strlen(s);

	if (len > 31)
		return msgpack_pack_str_with_body(pk, s, len);
	buf[0] = (char)(0xa0 | len);	/* fixstr */
	memcpy(buf + 1, s, len);
	return pk->callback(pk->data, buf, 1 + len);
}

int
qc_pack_kv_str(msgpack_packer *pk, const char *k, const char *v)
{
	if (qc_pack_cstr(pk, k) != 0)
		return -1;
	return qc_pack_cstr(pk, v);
}

int
qc_pack_kv_uint(msgpack_packer *pk, const char *k, uint64_t v)
{
	if (qc_pack_cstr(pk, k) != 0)
		return -1;
	return msgpack_pack_uint64(pk, v);
}

const char *
qc_arena_str(char **p, const char *s, size_t len)
{
	char	*at = *p;

	memcpy(at, s, len);
	at[len] = '\0';
	*p += len + 1;
	return at;
}
