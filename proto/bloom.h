/*
 * A blocked Bloom filter over the subjects that have an entry: most
 * `check` lookups are misses, and a miss answered here costs one cache
 * line instead of an LMDB B-tree walk. Shared by qcregd (its writer adds
 * subjects before it commits them, workers read concurrently;
 * server/db/filter.h grows it) and the client's mirror. Bits are never
 * cleared (a removed subject is a false positive that falls through to
 * LMDB).
 */
#ifndef QCD_BLOOM_H
#define QCD_BLOOM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct bloom {
	_Atomic uint64_t	*b_words;	/* 8 words (64 bytes) a block */
	uint64_t		 b_mask;	/* blocks - 1 */
	uint64_t		 b_capacity;	/* keys at 16 bits each */
};

/* Sized for keys subjects at about 16 bits each; 0 or -1 (no memory). */
int	 bloom_init(struct bloom *, uint64_t keys);
void	 bloom_free(struct bloom *);
/* 1 if the key set a bit that was clear: it was surely not there. */
int	 bloom_add(struct bloom *, const void *, size_t);
/* 0 if the key was never added; 1 if it may have been. */
int	 bloom_maybe(const struct bloom *, const void *, size_t);

#endif
