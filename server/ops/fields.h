/*
 * Field validation against a list's schema.
 */
#ifndef QCD_FIELDS_H
#define QCD_FIELDS_H

#include <msgpack.h>

#include "config.h"
#include "outcome.h"

struct write_req;

/*
 * Checks fields (a request's msgpack map, or a replica's record's)
 * against list l. On success fills wr: the fields packed in schema order
 * (with a defaulted end date), grade and dates for the summary; returns
 * 0. Otherwise sets f (bad_request, or internal when out of memory) and
 * returns -1.
 */
int	 fields_prepare(struct fault *f, const struct list_def *,
	    const msgpack_object *, struct write_req *);

#endif
