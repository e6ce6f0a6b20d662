/*
 * qcreg command line: JSON back into msgpack, for answers kept as JSON
 * (a signed check saved by --json) that the library reads as msgpack.
 */
#include <string.h>

#include "cli_json.h"

static int	 pack_object(msgpack_packer *, json_t *);

/* {key: value ...} as a map of str keys. */
static int
pack_object(msgpack_packer *pk, json_t *v)
{
	const char	*key;
	json_t		*val;

	if (msgpack_pack_map(pk, json_object_size(v)) != 0)
		return -1;
	json_object_foreach(v, key, val)
		if (msgpack_pack_str_with_body(pk, key, strlen(key)) != 0 ||
		    cli_json_pack(pk, val) != 0)
			return -1;
	return 0;
}

int
cli_json_pack(msgpack_packer *pk, json_t *v)
{
	size_t	 i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return pack_object(pk, v);
	case JSON_ARRAY:
		if (msgpack_pack_array(pk, json_array_size(v)) != 0)
			return -1;
		for (i = 0; i < json_array_size(v); i++)
			if (cli_json_pack(pk, json_array_get(v, i)) != 0)
				return -1;
		return 0;
	case JSON_STRING:
		return msgpack_pack_str_with_body(pk, json_string_value(v),
		    json_string_length(v));
	case JSON_INTEGER:
		if (json_integer_value(v) < 0)
			return msgpack_pack_int64(pk, json_integer_value(v));
		return msgpack_pack_uint64(pk,
		    (uint64_t)json_integer_value(v));
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
