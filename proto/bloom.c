/*
 * Blocked Bloom filter: one 512-bit block per key, 7 bits in it.
 */
#include <stdlib.h>

#include "bloom.h"

#define BLOOM_WORDS	8	/* per block: one 64-byte cache line */
#define BLOOM_K		7	/* bits per key, 9 bits of the hash each */

static uint64_t	 bloom_hash(const void *, size_t);
static uint64_t	 mix64(uint64_t);

/* splitmix64's finaliser: spreads FNV-1a's weak high bits. */
static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t
bloom_hash(const void *key, size_t len)
{
	const unsigned char	*p = key;
	uint64_t		 h = 0xcbf29ce484222325ULL;
	size_t			 i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int
bloom_init(struct bloom *b, uint64_t keys)
{
	uint64_t	 blocks = 1;

	/* 512-bit blocks at 16 bits a key: keys / 32 blocks, a power of 2. */
	while (blocks < keys / 32 + 1)
		blocks <<= 1;
	b->b_words = aligned_alloc(64, blocks * BLOOM_WORDS * sizeof(uint64_t));
	if (b->b_words == NULL)
		return -1;
	for (uint64_t i = 0; i < blocks * BLOOM_WORDS; i++)
		atomic_init(&b->b_words[i], 0);
	b->b_mask = blocks - 1;
	b->b_capacity = blocks * 32;
	return 0;
}

void
bloom_free(struct bloom *b)
{
	free(b->b_words);
	b->b_words = NULL;
}

int
bloom_add(struct bloom *b, const void *key, size_t len)
{
	uint64_t	 h = bloom_hash(key, len);
	uint64_t	 blk = mix64(h) & b->b_mask, bits = mix64(~h), bit;
	_Atomic uint64_t *w = &b->b_words[blk * BLOOM_WORDS];
	int		 i, fresh = 0;

	for (i = 0; i < BLOOM_K; i++, bits >>= 9) {
		bit = 1ULL << (bits & 63);
		fresh |= (atomic_fetch_or(&w[(bits >> 6) & 7], bit) & bit) == 0;
	}
	return fresh;
}

int
bloom_maybe(const struct bloom *b, const void *key, size_t len)
{
	uint64_t	 h = bloom_hash(key, len);
	uint64_t	 blk = mix64(h) & b->b_mask, bits = mix64(~h);
	_Atomic uint64_t *w = &b->b_words[blk * BLOOM_WORDS];
	int		 i;

	for (i = 0; i < BLOOM_K; i++, bits >>= 9)
		if ((atomic_load_explicit(&w[(bits >> 6) & 7],
		    memory_order_acquire) & (1ULL << (bits & 63))) == 0)
			return 0;
	return 1;
}
