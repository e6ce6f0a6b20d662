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
 * date), grade and dates for the summary; returns 0. Otherwise req_fail(bad_request) and -1.
 */
int	 fields_prepare(struct req *, const struct list_def *,
	    const msgpack_object *, struct write_req *);

#endif
