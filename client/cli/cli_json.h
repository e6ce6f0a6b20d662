/*
 * qcreg command line: JSON through libjansson. The --json documents are
 * built from msgpack answers, and import reads JSON Lines.
 */
#ifndef CLI_JSON_H
#define CLI_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <msgpack.h>

/* Room for a message of cli_json_parse_object. */
#define CLI_JSON_ERR_MAX	(JSON_ERROR_TEXT_LENGTH + 32)

/*
 * A new JSON value for a msgpack object, or NULL when out of memory; the
 * caller owns the reference. nil is null, booleans and integers are
 * themselves, except that an integer above INT64_MAX becomes a string of
 * its digits (JSON readers hold at most 64-bit signed integers exactly);
 * a float is a number, or null when it is not finite; a str is a string
 * with every byte that is not part of valid UTF-8 replaced by U+FFFD; a
 * bin is a string of lower-case hex digits; an ext is null. A map key
 * that is not a str is written as the digits of an integer key, else as
 * "?"; a key given twice keeps its first place and its last value.
 */
json_t		*cli_json_from_msgpack(const msgpack_object *);

/*
 * A new JSON integer for v, or above INT64_MAX a string of its digits;
 * NULL when out of memory.
 */
json_t		*cli_json_uint(uint64_t v);

/*
 * A new JSON string of len bytes at s, invalid UTF-8 replaced as above,
 * or NULL when out of memory.
 */
json_t		*cli_json_text(const char *s, size_t len);

/*
 * Writes v to f as compact JSON: no spaces, text as UTF-8 rather than
 * \u escapes, control characters escaped. Takes the reference: v is
 * freed. Returns 0, or -1 when v is NULL (so that the constructors above
 * can be passed directly) or the write failed.
 */
int		 cli_json_write(FILE *f, json_t *v);

/*
 * Writes {keys[0]: vals[0], ...} (n of them) and a newline to f, the
 * values as by cli_json_uint. Returns 0, or -1 when out of memory or on a
 * write error.
 */
int		 cli_json_write_counts(FILE *f, size_t n,
		    const char *const *keys, const uint64_t *vals);

/*
 * Packs v as msgpack, the way back from cli_json_from_msgpack: null as
 * nil, booleans, integers (unsigned when >= 0), reals as float64,
 * strings as str of their length (NUL bytes kept), arrays, objects as
 * maps with str keys. Returns 0, or -1 when out of memory.
 */
int		 cli_json_pack(msgpack_packer *pk, json_t *v);

/*
 * Parses one line of JSON Lines: exactly one JSON object in len bytes at
 * s. Refuses invalid UTF-8, "\u0000", lone surrogates, duplicate keys
 * and integers beyond the int64 range. Returns a new reference, or NULL
 * with a message in err, e.g. "byte 7: ':' expected near '1'".
 */
json_t		*cli_json_parse_object(const char *s, size_t len, char *err,
		    size_t errsize);

#endif
