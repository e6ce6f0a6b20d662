/*
 * qcreg command line: msgpack answers as JSON, and JSON Lines input, on
 * libjansson (cli_json.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_json.h"
#include "utf8.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD in UTF-8 */

static size_t	 utf8_seq(const char *, size_t);
static size_t	 utf8_good(const char *, size_t);
static char	*utf8_fix(const char *, size_t, size_t *);
static json_t	*from_bin(const char *, size_t);
static json_t	*from_array(const msgpack_object *);
static json_t	*from_map(const msgpack_object *);
static int	 map_key(const msgpack_object *, char *, size_t, const char **,
		    size_t *);

/* Bytes of the valid UTF-8 sequence at s, 0 if none starts there. */
static size_t
utf8_seq(const char *s, size_t left)
{
	unsigned char	 b = (unsigned char)s[0];
	size_t		 n;

	if (b < 0x80)
		return 1;	/* NUL included: jansson writes \u0000 */
	if (b >= 0xc2 && b <= 0xdf)
		n = 2;
	else if (b >= 0xe0 && b <= 0xef)
		n = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		n = 4;
	else
		return 0;
	return n <= left && qc_utf8_valid(s, n) ? n : 0;
}

/* The bytes at s before the first that is not part of valid UTF-8. */
static size_t
utf8_good(const char *s, size_t len)
{
	size_t	 i, n;

	for (i = 0; i < len; i += n)
		if ((n = utf8_seq(s + i, len - i)) == 0)
			break;
	return i;
}

/*
 * A copy of len bytes at s with each byte outside valid UTF-8 replaced by
 * U+FFFD, its length in *outlen; NULL when out of memory.
 */
static char *
utf8_fix(const char *s, size_t len, size_t *outlen)
{
	char	*d;
	size_t	 i, n, o = 0;

	/* At worst every byte is bad and becomes three. */
	if ((d = malloc(len * 3 + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i += n) {
		if ((n = utf8_seq(s + i, len - i)) == 0) {
			memcpy(d + o, REPLACEMENT, 3);
			o += 3;
			n = 1;
		} else {
			memcpy(d + o, s + i, n);
			o += n;
		}
	}
	*outlen = o;
	return d;
}

json_t *
cli_json_text(const char *s, size_t len)
{
	json_t	*v;
	char	*fixed;
	size_t	 flen;

	if (utf8_good(s, len) == len)
		return json_stringn_nocheck(s, len);
	if ((fixed = utf8_fix(s, len, &flen)) == NULL)
		return NULL;
	v = json_stringn_nocheck(fixed, flen);
	free(fixed);
	return v;
}

/* Binary data (a hash, say) as lower-case hex. */
static json_t *
from_bin(const char *p, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	json_t			*v;
	char			*s;
	size_t			 i;

	if ((s = malloc(len * 2 + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		s[2 * i] = hex[(unsigned char)p[i] >> 4];
		s[2 * i + 1] = hex[(unsigned char)p[i] & 0xf];
	}
	v = json_stringn_nocheck(s, len * 2);
	free(s);
	return v;
}

/* An array, element by element; NULL if any of them fails. */
static json_t *
from_array(const msgpack_object *o)
{
	json_t		*a;
	uint32_t	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < o->via.array.size; i++)
		if (json_array_append_new(a,
		    cli_json_from_msgpack(&o->via.array.ptr[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/*
 * The text of a map key in *s / *len: a str as it is, an integer as its
 * digits (written into buf), anything else as "?".
 */
static int
map_key(const msgpack_object *k, char *buf, size_t size, const char **s,
    size_t *len)
{
	int	 n;

	if (k->type == MSGPACK_OBJECT_STR) {
		*s = k->via.str.ptr;
		*len = k->via.str.size;
		return 0;
	}
	if (k->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		n = snprintf(buf, size, "%" PRIu64, k->via.u64);
	else if (k->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		n = snprintf(buf, size, "%" PRId64, k->via.i64);
	else
		n = snprintf(buf, size, "?");
	if (n < 0 || (size_t)n >= size)
		return -1;
	*s = buf;
	*len = (size_t)n;
	return 0;
}

/* A map as an object, keys made text and valid UTF-8. */
static json_t *
from_map(const msgpack_object *o)
{
	const msgpack_object_kv	*kv;
	json_t			*m;
	const char		*key;
	char			 num[32], *fixed = NULL;
	size_t			 klen;
	uint32_t		 i;

	if ((m = json_object()) == NULL)
		return NULL;
	for (i = 0; i < o->via.map.size; i++) {
		kv = &o->via.map.ptr[i];
		if (map_key(&kv->key, num, sizeof(num), &key, &klen) != 0)
			goto fail;
		if (utf8_good(key, klen) != klen) {
			if ((fixed = utf8_fix(key, klen, &klen)) == NULL)
				goto fail;
			key = fixed;
		}
		if (json_object_setn_new_nocheck(m, key, klen,
		    cli_json_from_msgpack(&kv->val)) != 0)
			goto fail;
		free(fixed);
		fixed = NULL;
	}
	return m;
fail:
	free(fixed);
	json_decref(m);
	return NULL;
}

json_t *
cli_json_uint(uint64_t v)
{
	char	 num[32];

	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(num, sizeof(num), "%" PRIu64, v);
	return json_string_nocheck(num);
}

json_t *
cli_json_from_msgpack(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_BOOLEAN:
		return json_boolean(o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return cli_json_uint(o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return json_integer((json_int_t)o->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return isfinite(o->via.f64) ? json_real(o->via.f64) :
		    json_null();
	case MSGPACK_OBJECT_STR:
		return cli_json_text(o->via.str.ptr, o->via.str.size);
	case MSGPACK_OBJECT_BIN:
		return from_bin(o->via.bin.ptr, o->via.bin.size);
	case MSGPACK_OBJECT_ARRAY:
		return from_array(o);
	case MSGPACK_OBJECT_MAP:
		return from_map(o);
	default:
		return json_null();	/* nil and ext */
	}
}

int
cli_json_write(FILE *f, json_t *v)
{
	int	 rc;

	if (v == NULL)
		return -1;
	rc = json_dumpf(v, f, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(v);
	return rc != 0 || ferror(f) ? -1 : 0;
}

int
cli_json_write_counts(FILE *f, size_t n, const char *const *keys,
    const uint64_t *vals)
{
	json_t	*o;
	size_t	 i;

	if ((o = json_object()) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (json_object_set_new(o, keys[i], cli_json_uint(vals[i])) !=
		    0) {
			json_decref(o);
			return -1;
		}
	if (cli_json_write(f, o) != 0 || putc('\n', f) == EOF)
		return -1;
	return 0;
}

json_t *
cli_json_parse_object(const char *s, size_t len, char *err, size_t errsize)
{
	json_error_t	 e;
	json_t		*v;

	if ((v = json_loadb(s, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &e)) == NULL) {
		/* jansson's own text names a flag the user cannot set. */
		snprintf(err, errsize, "byte %d: %s", e.position,
		    json_error_code(&e) == json_error_null_character ?
		    "\\u0000 (NUL) is not allowed in a string" : e.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		snprintf(err, errsize, "not an object");
		json_decref(v);
		return NULL;
	}
	return v;
}
