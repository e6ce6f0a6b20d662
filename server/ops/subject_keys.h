/*
 * The keys of one subject in a database keyed subject NUL ...: its old
 * versions (`versions`) and its cases (`subject_cases`).
 */
#ifndef QCD_SUBJECT_KEYS_H
#define QCD_SUBJECT_KEYS_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "op.h"

/*
 * One key: what follows the subject's prefix in it (rest, len bytes) and
 * its value. 0 to go on, -1 (the request failed) to stop.
 */
typedef int subject_key_fn(struct req *, const uint8_t *rest, size_t len,
    const MDB_val *value, void *arg);

/*
 * Calls fn for each key of dbi that begins with the request's subject
 * and a NUL, in key order. 0, or -1 with the request failed.
 */
int		 subject_keys_walk(struct req *, MDB_txn *, MDB_dbi,
		    subject_key_fn *, void *arg);

#endif
