/*
 * Encoding of the per-subject summary.
 */
#include <string.h>

#include "store.h"
#include "summary.h"

static long	 summary_put(uint8_t *, size_t, const struct summary_hit *);

int
summary_next(const uint8_t **pp, const uint8_t *end, struct summary_hit *h)
{
	const uint8_t	*p = *pp;

	if (p == end)
		return 0;
	if (end - p < 1 || end - p < 1 + p[0] + 2)
		return -1;
	h->h_list = (const char *)p + 1;
	h->h_list_len = p[0];
	p += 1 + p[0];
	h->h_flags = *p++;
	if (end - p < 1 + p[0] + 20)
		return -1;
	h->h_grade = p[0] > 0 ? (const char *)p + 1 : NULL;
	h->h_grade_len = p[0];
	p += 1 + p[0];
	h->h_start = (int32_t)(uint32_t)store_get_be(p, 4);
	h->h_end = (int32_t)(uint32_t)store_get_be(p + 4, 4);
	h->h_version = (uint32_t)store_get_be(p + 8, 4);
	h->h_seq = store_get_be(p + 12, 8);
	p += 20;
	h->h_case = 0;
	h->h_nlistings = 0;
	if (h->h_flags & SUMMARY_DISPUTED) {
		if (end - p < 8)
			return -1;
		h->h_case = store_get_be(p, 8);
		p += 8;
	}
	if (h->h_flags & SUMMARY_LISTINGS) {
		if (end - p < 1 || p[0] > SUMMARY_LISTINGS_MAX ||
		    end - p < 1 + 4 * p[0])
			return -1;
		h->h_nlistings = p[0];
		for (unsigned i = 0; i < h->h_nlistings; i++)
			h->h_listings[i] = (int32_t)(uint32_t)store_get_be(p + 1 +
			    4 * i, 4);
		p += 1 + 4 * h->h_nlistings;
	}
	*pp = p;
	return 1;
}

static long
summary_put(uint8_t *out, size_t cap, const struct summary_hit *h)
{
	size_t	 need = 1 + h->h_list_len + 2 + h->h_grade_len + 20;
	unsigned flags = h->h_flags & ~(unsigned)(SUMMARY_DISPUTED |
	    SUMMARY_LISTINGS);

	/* The optional parts are present exactly when they hold something. */
	if (h->h_case != 0) {
		flags |= SUMMARY_DISPUTED;
		need += 8;
	}
	if (h->h_nlistings > 0) {
		flags |= SUMMARY_LISTINGS;
		need += 1 + 4 * (size_t)h->h_nlistings;
	}
	if (h->h_list_len > 255 || h->h_grade_len > 255 ||
	    h->h_nlistings > SUMMARY_LISTINGS_MAX || need > cap)
		return -1;
	out[0] = (uint8_t)h->h_list_len;
	memcpy(out + 1, h->h_list, h->h_list_len);
	out += 1 + h->h_list_len;
	*out++ = (uint8_t)flags;
	out[0] = (uint8_t)h->h_grade_len;
	if (h->h_grade_len > 0)
		memcpy(out + 1, h->h_grade, h->h_grade_len);
	out += 1 + h->h_grade_len;
	store_put_be(out, (uint32_t)h->h_start, 4);
	store_put_be(out + 4, (uint32_t)h->h_end, 4);
	store_put_be(out + 8, h->h_version, 4);
	store_put_be(out + 12, h->h_seq, 8);
	out += 20;
	if (h->h_case != 0) {
		store_put_be(out, h->h_case, 8);
		out += 8;
	}
	if (h->h_nlistings > 0) {
		*out++ = (uint8_t)h->h_nlistings;
		for (unsigned i = 0; i < h->h_nlistings; i++)
			store_put_be(out + 4 * i, (uint32_t)h->h_listings[i], 4);
	}
	return (long)need;
}

int
summary_find(const uint8_t *v, size_t len, const char *list,
    size_t list_len, struct summary_hit *h)
{
	const uint8_t	*p = v, *end = len > 0 ? v + len : v;
	int		 rc;

	while ((rc = summary_next(&p, end, h)) == 1)
		if (h->h_list_len == list_len &&
		    memcmp(h->h_list, list, list_len) == 0)
			return 1;
	return rc;
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
