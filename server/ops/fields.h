/*
 * Field validation against a list's schema.
 */
#ifndef QCD_FIELDS_H
#define QCD_FIELDS_H

#include <msgpack.h>

#include "config.h"
#include "outcome.h"

struct req;
struct write_req;

/*
 * Checks fields (the request's msgpack map) against list l. On success
 * fills wr: the fields packed in schema order (with a defaulted end
 * date), grade and dates for the summary; returns 0. Otherwise req_fail(bad_request) and -1.
 */
int	 fields_prepare(struct req *, const struct list_def *,
	    const msgpack_object *, struct write_req *);

/*
 * The same for a replica rebuilding a write from the primary's record
 * (no request): 0, or -1 with f set.
 */
int	 fields_replay(const struct config *, const struct list_def *,
	    const msgpack_object *, struct write_req *, struct fault *);

#endif
