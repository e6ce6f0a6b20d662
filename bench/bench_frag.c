/*
 * qcreg-bench: the name fragments that search and the SQLite side look
 * for. They are drawn once, before the run, from the seed: a random name
 * of the set, a random place in it, so that each fragment matches at
 * least that name and the mix of common and rare ones is the mix of the
 * names' own character sequences. Both sides then take them in the same
 * order.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static size_t	 utf8_len(unsigned char);

/* Bytes of the UTF-8 character that begins with c. */
static size_t
utf8_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

int
fragset_build(struct fragset *fs, uint64_t name_seed, uint64_t m,
    uint64_t seed, int chars, size_t n)
{
	struct bench_name	 e;
	size_t			 off[BENCH_NAME_MAX + 1], nchars, at, k, pos;
	uint64_t		 rng = seed * 0x2545f4914f6cdd1dULL + 7;

	memset(fs, 0, sizeof(*fs));
	if ((fs->fs_f = calloc(n, sizeof(*fs->fs_f))) == NULL ||
	    (fs->fs_len = calloc(n, sizeof(*fs->fs_len))) == NULL) {
		fragset_free(fs);
		return -1;
	}
	fs->fs_n = n;
	fs->fs_chars = chars;
	atomic_init(&fs->fs_next, 0);
	for (k = 0; k < n;) {
		names_entry(name_seed, rng_next(&rng) % m, &e);
		for (at = 0, nchars = 0; at < e.name_len;
		    at += utf8_len((unsigned char)e.name[at]))
			off[nchars++] = at;
		off[nchars] = e.name_len;
		/* A name shorter than the fragment: another name. */
		if (nchars < (size_t)chars)
			continue;
		pos = rng_next(&rng) % (nchars - (size_t)chars + 1);
		fs->fs_len[k] = (uint8_t)(off[pos + (size_t)chars] - off[pos]);
		memcpy(fs->fs_f[k], e.name + off[pos], fs->fs_len[k]);
		k++;
	}
	return 0;
}

const char *
fragset_get(const struct fragset *fs, uint32_t k, size_t *len)
{
	*len = fs->fs_len[k];
	return fs->fs_f[k];
}

const char *
fragset_next(struct fragset *fs, size_t *len, uint32_t *k)
{
	*k = (uint32_t)(atomic_fetch_add_explicit(&fs->fs_next, 1,
	    memory_order_relaxed) % fs->fs_n);
	return fragset_get(fs, *k, len);
}

void
fragset_free(struct fragset *fs)
{
	free(fs->fs_f);
	free(fs->fs_len);
	fs->fs_f = NULL;
	fs->fs_len = NULL;
	fs->fs_n = 0;
}
