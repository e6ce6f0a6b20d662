/*
 * The public keys the registry has signed with, kept for ever: `keys`
 * maps a key_id to its Ed25519 public key and the time it was first
 * loaded (big-endian u64 after the 32 key bytes). An answer signed years
 * ago still verifies against the key its key_id names.
 */
#ifndef QCD_KEYS_H
#define QCD_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "sig.h"
#include "store.h"

/*
 * Records key_id's public key (in its own write transaction) unless it
 * is known already. A key_id known with another key is refused: 0, or -1
 * with err set.
 */
int	 keys_register(struct store *, const char *key_id,
	    const uint8_t pub[QC_PUB_LEN], uint64_t now, char *err,
	    size_t errlen);

/* One known key, as keys_next() reads it. */
struct key_info {
	const char	*ki_id;
	size_t		 ki_id_len;
	const uint8_t	*ki_pub;
	uint64_t	 ki_since;
};

/* Calls fn for each known key, in key_id order; stops at its non-zero. */
int	 keys_walk(struct store *, MDB_txn *,
	    int (*fn)(const struct key_info *, void *), void *arg);

#endif
