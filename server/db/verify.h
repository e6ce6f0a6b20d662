/*
 * Tamper at rest: the stored log checked against itself. Every change
 * record must hash to its stored hash from the record before it, and
 * every stored node of the Merkle tree must be the hash of the leaves
 * under it. An edit of a record's content, of its hash, or of the tree
 * inside the data files breaks one of them.
 */
#ifndef QCD_VERIFY_H
#define QCD_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * Checks records 1 .. head, in read transactions of a bounded number of
 * records each (the writer goes on meanwhile; records are never changed
 * once written, only appended). stop, if not NULL, is polled between
 * records: when it turns non-zero the check ends, passed. Returns 0 when
 * everything holds, 1 with why set when something does not, -1 on a
 * storage error (why set).
 */
int	 verify_log(struct store *, uint64_t head, const volatile int *stop,
	    char *why, size_t whylen);

#endif
