/*
 * JSON and msgpack, as the HTTPS API turns one into the other (PROTOCOL.md
 * 10): a request's JSON body becomes the msgpack map the op table reads;
 * an answer's msgpack value becomes JSON. Integers stay integers (an
 * unsigned one past 2^63 - 1, which JSON parsers cannot hold, becomes its
 * decimal string), bin becomes base64 text, and map keys must be strings.
 */
#ifndef QCD_HTTP_JSON_H
#define QCD_HTTP_JSON_H

#include <jansson.h>
#include <msgpack.h>

/* Packs v (a JSON value) with pk. 0, or -1 out of memory. */
int	 http_json_pack(msgpack_packer *pk, const json_t *v);
/* The JSON of o; NULL out of memory or for a map key that is not a str. */
json_t	*http_json_of(const msgpack_object *o);

#endif
