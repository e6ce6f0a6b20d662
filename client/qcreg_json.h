/*
 * JSON helpers for tools built on libqcreg (the qcreg command line):
 * writing msgpack objects as JSON, and a compact, bounded JSON reader for
 * JSON Lines input.
 */
#ifndef QCREG_JSON_H
#define QCREG_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <msgpack.h>

#define QCREG_JSON_MAX		(1024 * 1024)	/* longest input accepted */
#define QCREG_JSON_DEPTH	16		/* nesting of objects/arrays */

/*
 * Writes len bytes at s as a JSON string with quotes. Valid UTF-8 passes
 * through unchanged; '"', '\\' and control characters are escaped; a byte
 * that is not part of valid UTF-8 is written as U+FFFD. Returns 0, or -1
 * if the stream reports an error.
 */
int		 qcreg_json_str(FILE *, const char *s, size_t len);

/*
 * Writes a msgpack object as compact JSON: nil as null, maps as objects
 * (a key that is not a str is written as the string of its JSON text),
 * bin and ext as null, NaN and infinities as null. Returns 0 or -1.
 */
int		 qcreg_json_obj(FILE *, const msgpack_object *);

enum qcreg_jtype {
	QCREG_J_NULL = 0,
	QCREG_J_FALSE,
	QCREG_J_TRUE,
	QCREG_J_INT,
	QCREG_J_STR,
	QCREG_J_OBJ,
	QCREG_J_ARR
};

/* A parsed value; it lives in the document that parsed it. */
struct qcreg_jval {
	enum qcreg_jtype	 type;
	const char		*key;	/* name inside an object, else NULL */
	size_t			 keylen;
	const char		*str;	/* STR: decoded UTF-8, NUL-terminated */
	size_t			 len;	/* STR: bytes; OBJ, ARR: members */
	int64_t			 num;	/* INT */
	struct qcreg_jval	*child;	/* OBJ, ARR: first member */
	struct qcreg_jval	*next;	/* next member of the parent */
};

/*
 * A parsed document. Its two arenas are sized from the input length
 * (every value takes at least two input bytes but one, and decoded
 * strings are never longer than their JSON text), so parsing costs two
 * allocations at most and reuses them for the next line.
 */
struct qcreg_jdoc {
	struct qcreg_jval	*nodes;
	size_t			 nnodes;
	size_t			 cap;
	char			*strs;
	size_t			 slen;
	size_t			 scap;
	char			 err[128];	/* why parsing failed */
};

void		 qcreg_json_init(struct qcreg_jdoc *);
/*
 * Parses exactly one JSON value from len bytes at s (whitespace around it
 * allowed), replacing what the document held. Supports objects, arrays,
 * strings (with \uXXXX escapes, surrogate pairs combined, lone
 * surrogates and NUL refused; the text must be valid UTF-8), integers in
 * int64 range (fractions and exponents refused), true, false and null;
 * duplicate keys are refused; at most QCREG_JSON_MAX bytes and
 * QCREG_JSON_DEPTH levels. Returns the root, or NULL with d->err set
 * ("byte 12: expected ':'").
 */
const struct qcreg_jval *qcreg_json_parse(struct qcreg_jdoc *d,
		    const char *s, size_t len);
void		 qcreg_json_free(struct qcreg_jdoc *);
/* Member key of object o, or NULL. */
const struct qcreg_jval *qcreg_json_get(const struct qcreg_jval *o,
		    const char *key);

#endif
