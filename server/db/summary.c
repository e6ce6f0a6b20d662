/*
 * Encoding of the per-subject summary.
 */
#include <string.h>

#include "summary.h"

static int32_t	 get_i32(const uint8_t *);
static void	 put_i32(uint8_t *, int32_t);
static long	 summary_put(uint8_t *, size_t, const struct summary_hit *);

static int32_t
get_i32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static void
put_i32(uint8_t *p, int32_t v)
{
	uint32_t	 u = (uint32_t)v;

	p[0] = (uint8_t)(u >> 24);
	p[1] = (uint8_t)(u >> 16);
	p[2] = (uint8_t)(u >> 8);
	p[3] = (uint8_t)u;
}

int
summary_next(const uint8_t **pp, const uint8_t *end, struct summary_hit *h)
{
	const uint8_t	*p = *pp;

	if (p == end)
		return 0;
	if (end - p < 1 || end - p < 1 + p[0] + 1)
		return -1;
	h->h_list = (const char *)p + 1;
	h->h_list_len = p[0];
	p += 1 + p[0];
	if (end - p < 1 + p[0] + 8)
		return -1;
	h->h_grade = p[0] > 0 ? (const char *)p + 1 : NULL;
	h->h_grade_len = p[0];
	p += 1 + p[0];
	h->h_start = get_i32(p);
	h->h_end = get_i32(p + 4);
	*pp = p + 8;
	return 1;
}

static long
summary_put(uint8_t *out, size_t cap, const struct summary_hit *h)
{
	size_t	 need = 1 + h->h_list_len + 1 + h->h_grade_len + 8;

	if (h->h_list_len > 255 || h->h_grade_len > 255 || need > cap)
		return -1;
	out[0] = (uint8_t)h->h_list_len;
	memcpy(out + 1, h->h_list, h->h_list_len);
	out += 1 + h->h_list_len;
	out[0] = (uint8_t)h->h_grade_len;
	if (h->h_grade_len > 0)
		memcpy(out + 1, h->h_grade, h->h_grade_len);
	out += 1 + h->h_grade_len;
	put_i32(out, h->h_start);
	put_i32(out + 4, h->h_end);
	return (long)need;
}

long
summary_update(uint8_t *out, size_t cap, const uint8_t *old, size_t old_len,
    const char *list, const struct summary_hit *hit)
{
	const uint8_t		*p = old, *end;
	struct summary_hit	 h;
	size_t			 len = 0, ll = strlen(list);
	long			 n;
	int			 rc;

	/* A new subject has no summary: old is NULL, and NULL + 0 is UB. */
	end = old_len > 0 ? old + old_len : old;
	while ((rc = summary_next(&p, end, &h)) == 1) {
		if (h.h_list_len == ll && memcmp(h.h_list, list, ll) == 0)
			continue;
		if ((n = summary_put(out + len, cap - len, &h)) == -1)
			return -1;
		len += (size_t)n;
	}
	if (rc == -1)
		return -1;
	if (hit != NULL) {
		if ((n = summary_put(out + len, cap - len, hit)) == -1)
			return -1;
		len += (size_t)n;
	}
	return (long)len;
}
