/*
 * Field validation against a list's schema.
 */
#ifndef QCD_FIELDS_H
#define QCD_FIELDS_H

#include <msgpack.h>

#include "config.h"

struct req;
struct write_req;

/*
 * Checks fields (the request's msgpack map) against list l. On success
 * fills wr: the fields packed in schema order (with a defaulted end
 * date), the hash payload (PROTOCOL.md 4.4), grade and dates for the
 * summary; returns 0. Otherwise req_fail(bad_request) and -1.
 */
int	 fields_prepare(struct req *, const struct list_def *,
	    const msgpack_object *, struct write_req *);

/* Appends one hash payload item, "name:len:value\n"; 0 or -1. */
int	 fields_payload_add(msgpack_sbuffer *, const char *name,
	    const char *val, size_t len);

#endif
