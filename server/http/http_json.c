/*
 * JSON <-> msgpack for the HTTPS API (http_json.h).
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_json.h"

int
http_json_pack(msgpack_packer *pk, const json_t *v)
{
	json_t		*item;
	void		*it;
	size_t		 i;
	json_int_t	 n;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (msgpack_pack_map(pk, json_object_size(v)) != 0)
			return -1;
		/* A key may hold a NUL (\u0000): its length, not strlen. */
		for (it = json_object_iter((json_t *)v); it != NULL;
		    it = json_object_iter_next((json_t *)v, it))
			if (msgpack_pack_str_with_body(pk,
			    json_object_iter_key(it),
			    json_object_iter_key_len(it)) != 0 ||
			    http_json_pack(pk, json_object_iter_value(it)) != 0)
				return -1;
		return 0;
	case JSON_ARRAY:
		if (msgpack_pack_array(pk, json_array_size(v)) != 0)
			return -1;
		json_array_foreach(v, i, item)
			if (http_json_pack(pk, item) != 0)
				return -1;
		return 0;
	case JSON_STRING:
		return msgpack_pack_str_with_body(pk, json_string_value(v),
		    json_string_length(v));
	case JSON_INTEGER:
		n = json_integer_value(v);
		return n < 0 ? msgpack_pack_int64(pk, n) :
		    msgpack_pack_uint64(pk, (uint64_t)n);
	case JSON_REAL:
		return msgpack_pack_double(pk, json_real_value(v));
	case JSON_TRUE:
		return msgpack_pack_true(pk);
	case JSON_FALSE:
		return msgpack_pack_false(pk);
	default:
		return msgpack_pack_nil(pk);
	}
}

/* bin as base64 text. */
static json_t *
json_of_bin(const msgpack_object_bin *b)
{
	json_t	*s;
	char	*out;
	size_t	 cap = 4 * ((b->size + 2) / 3) + 1;
	int	 n;

	if ((out = malloc(cap)) == NULL)
		return NULL;
	n = EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)b->ptr,
	    (int)b->size);
	s = n < 0 ? NULL : json_stringn(out, (size_t)n);
	free(out);
	return s;
}

json_t *
http_json_of(const msgpack_object *o)
{
	json_t		*v, *item;
	char		 num[24];
	uint32_t	 i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return json_null();
	case MSGPACK_OBJECT_BOOLEAN:
		return json_boolean(o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (o->via.u64 <= (uint64_t)INT64_MAX)
			return json_integer((json_int_t)o->via.u64);
		snprintf(num, sizeof(num), "%llu",
		    (unsigned long long)o->via.u64);
		return json_string(num);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return json_integer((json_int_t)o->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return json_real(o->via.f64);
	case MSGPACK_OBJECT_STR:
		/* msgpack-c may give an empty str a NULL pointer. */
		return json_stringn(o->via.str.size > 0 ? o->via.str.ptr : "",
		    o->via.str.size);
	case MSGPACK_OBJECT_BIN:
		return json_of_bin(&o->via.bin);
	case MSGPACK_OBJECT_ARRAY:
		if ((v = json_array()) == NULL)
			return NULL;
		for (i = 0; i < o->via.array.size; i++)
			if ((item = http_json_of(&o->via.array.ptr[i])) ==
			    NULL || json_array_append_new(v, item) != 0) {
				json_decref(v);
				return NULL;
			}
		return v;
	case MSGPACK_OBJECT_MAP:
		if ((v = json_object()) == NULL)
			return NULL;
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object_kv *kv = &o->via.map.ptr[i];

			if (kv->key.type != MSGPACK_OBJECT_STR ||
			    (item = http_json_of(&kv->val)) == NULL ||
			    json_object_setn_new(v, kv->key.via.str.size > 0 ?
			    kv->key.via.str.ptr : "", kv->key.via.str.size,
			    item) != 0) {
				json_decref(v);
				return NULL;
			}
		}
		return v;
	default:
		return NULL;
	}
}
