/*
 * Change records version 1 (storage schema 2), read only by
 * `qcregd --migrate` (migrate.h). Each was one msgpack array:
 *
 *   [at, principal, op, list, subject, version, fields, reason, hash]
 *
 * op is "put" or "remove"; fields is the map of the version (a removal
 * repeats the fields of the version it removes); reason is a string for
 * a removal, else nil; hash is the 32-byte chain hash over a text body:
 *
 *   hash(n) = SHA-256(prev(n) || "qcreg-change-v1\n" seq "\n" at "\n"
 *             principal "\n" op "\n" list "\n" subject "\n" version "\n"
 *             payload)
 *   payload = put:    per field, sorted by name (bytewise),
 *                     name ":" byte-length ":" text "\n" (an int as its
 *                     decimal text, a string as it is)
 *             remove: "reason:" byte-length ":" reason "\n"
 *
 * with prev(1) 32 zero bytes and numbers in decimal ASCII.
 */
#ifndef QCD_RECORD_V1_H
#define QCD_RECORD_V1_H

#include <lmdb.h>
#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* A version 1 record; pointers into the stored value and the zone. */
struct record_v1 {
	uint64_t		 r1_at;
	const char		*r1_by;
	size_t			 r1_by_len;
	int			 r1_removed;
	const char		*r1_list;
	size_t			 r1_list_len;
	const char		*r1_subject;
	size_t			 r1_subject_len;
	uint64_t		 r1_version;
	const msgpack_object	*r1_fields;	/* a map */
	const uint8_t		*r1_fields_mp;	/* ... its stored bytes */
	size_t			 r1_fields_len;
	const char		*r1_reason;	/* NULL unless removed */
	size_t			 r1_reason_len;
	const uint8_t		*r1_hash;	/* STORE_HASH_LEN bytes */
};

/*
 * Decodes a stored version 1 value, unpacking into zone (the caller
 * clears it). Returns 0, or -1 if the value is not a well-formed version
 * 1 record (its strings free of NUL bytes, a version of at least 1, its
 * fields string keys to string or integer values) or memory ran out.
 */
int	 record_v1_load(const MDB_val *, msgpack_zone *, struct record_v1 *);
/* hash(seq) from prev, as above; 0, or -1 when out of memory. */
int	 record_v1_hash(const uint8_t prev[STORE_HASH_LEN], uint64_t seq,
	    const struct record_v1 *, uint8_t out[STORE_HASH_LEN]);

#endif
