/*
 * qcreg-bench: growable byte buffers for requests and answers.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define BUF_MIN		(16 * 1024)
#define BUF_MAX		(256 * 1024 * 1024)	/* a bound on any buffer */

int
buf_reserve(struct buf *b, size_t more)
{
	size_t	 cap;
	uint8_t	*p;

	if (b->b_cap - b->b_len >= more)
		return 0;
	buf_compact(b);
	if (b->b_cap - b->b_len >= more)
		return 0;
	if (more > BUF_MAX - b->b_len)
		return -1;
	cap = b->b_cap ? b->b_cap : BUF_MIN;
	while (cap - b->b_len < more)
		cap *= 2;
	if ((p = realloc(b->b_p, cap)) == NULL)
		return -1;
	b->b_p = p;
	b->b_cap = cap;
	return 0;
}

int
buf_add(struct buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) == -1)
		return -1;
	memcpy(b->b_p + b->b_len, data, len);
	b->b_len += len;
	return 0;
}

/* Moves the pending bytes to the front. */
void
buf_compact(struct buf *b)
{
	if (b->b_off == 0)
		return;
	if (b->b_off < b->b_len)
		memmove(b->b_p, b->b_p + b->b_off, b->b_len - b->b_off);
	b->b_len -= b->b_off;
	b->b_off = 0;
}

void
buf_free(struct buf *b)
{
	free(b->b_p);
	memset(b, 0, sizeof(*b));
}
