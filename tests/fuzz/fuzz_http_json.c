/*
 * Fuzz target: the HTTPS API's JSON (server/http/http_json.c). The input
 * is a request body. Whatever jansson reads (with the API's flags) is
 * packed into the msgpack the op table reads, unpacked, and turned back
 * into JSON, which must equal what was read: nothing of a request is
 * lost or changed on the way to the ops, and no input crashes the way.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>
#include <msgpack.h>

#include "http_json.h"

#define FUZZ_MAX_LEN	65536

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
	json_error_t		 e;
	json_t			*in, *back;
	size_t			 off = 0;

	if (len > FUZZ_MAX_LEN || (in = json_loadb((const char *)data, len,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e)) == NULL)
		return 0;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_unpacked_init(&up);
	if (http_json_pack(&pk, in) != 0) {
		fprintf(stderr, "fuzz_http_json: packing failed\n");
		abort();
	}
	if (msgpack_unpack_next(&up, sb.data, sb.size, &off) !=
	    MSGPACK_UNPACK_SUCCESS || off != sb.size ||
	    (back = http_json_of(&up.data)) == NULL) {
		fprintf(stderr, "fuzz_http_json: the packed request does not "
		    "read back\n");
		abort();
	}
	if (!json_equal(in, back)) {
		fprintf(stderr, "fuzz_http_json: the request changed on its "
		    "way\n");
		abort();
	}
	json_decref(back);
	json_decref(in);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	return 0;
}
