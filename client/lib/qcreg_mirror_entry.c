/*
 * libqcreg mirror: an entry as stored, and its state.
 *
 * Key: subject NUL list, so that one subject's entries are adjacent and
 * a check seeks once per subject. Value (integers big-endian), what a
 * check needs and no more, so that many fit a page:
 *
 *   u8 flags (1: removed, 2: its fields are in `payloads`), u8 grade_len,
 *   grade, i32 start, i32 end, u64 version, u64 seq, u64 disputed
 *
 * `payloads` keeps, under the same key, the version's payload as the
 * registry sent it ({"fields", ...}): the fields a platform may see. A
 * withdrawn entry still under objection is a stub: removed, no grade, no
 * dates, no fields (qcreg_mirror_apply.c).
 */
#include <string.h>

#include "qcreg_mirror_int.h"

#define ENTRY_REMOVED	0x01
#define ENTRY_FIELDS	0x02
#define ENTRY_FIXED	(1 + 1 + 4 + 4 + 8 + 8 + 8)

static void	 put_be(uint8_t *, uint64_t, int);
static uint64_t	 get_be(const uint8_t *, int);

static void
put_be(uint8_t *p, uint64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get_be(const uint8_t *p, int n)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The key of (subject, list); 0 if either is too long for one. */
size_t
mirror_entry_key(uint8_t out[MIRROR_KEY_MAX], const char *subject,
    size_t slen, const char *list, size_t llen)
{
	if (slen >= QC_SUBJECT_MAX || llen > MIRROR_LIST_KEY_MAX)
		return 0;
	memcpy(out, subject, slen);
	out[slen] = '\0';
	memcpy(out + slen + 1, list, llen);
	return slen + 1 + llen;
}

size_t
mirror_entry_size(const struct mirror_entry *e)
{
	return ENTRY_FIXED + e->grade_len;
}

/* Writes e into out, mirror_entry_size(e) bytes. */
void
mirror_entry_encode(const struct mirror_entry *e, uint8_t *out)
{
	uint8_t	*p = out;

	*p++ = (e->removed ? ENTRY_REMOVED : 0) |
	    (e->has_fields ? ENTRY_FIELDS : 0);
	*p++ = (uint8_t)e->grade_len;
	if (e->grade_len > 0)
		memcpy(p, e->grade, e->grade_len);
	p += e->grade_len;
	put_be(p, (uint32_t)e->start, 4);
	put_be(p + 4, (uint32_t)e->end, 4);
	put_be(p + 8, e->version, 8);
	put_be(p + 16, e->seq, 8);
	put_be(p + 24, e->disputed, 8);
}

/* Points e into a stored value; -1 if it is not one. */
int
mirror_entry_decode(const void *v, size_t len, struct mirror_entry *e)
{
	const uint8_t	*p = v;

	if (len < ENTRY_FIXED || len != ENTRY_FIXED + (size_t)p[1])
		return -1;
	e->removed = (p[0] & ENTRY_REMOVED) != 0;
	e->has_fields = (p[0] & ENTRY_FIELDS) != 0;
	e->grade_len = p[1];
	e->grade = e->grade_len > 0 ? (const char *)p + 2 : NULL;
	p += 2 + e->grade_len;
	e->start = (int32_t)(uint32_t)get_be(p, 4);
	e->end = (int32_t)(uint32_t)get_be(p + 4, 4);
	e->version = get_be(p + 8, 8);
	e->seq = get_be(p + 16, 8);
	e->disputed = get_be(p + 24, 8);
	return 0;
}

/*
 * State against today (PROTOCOL.md 4.3): only a listed entry whose start
 * has come and whose end has not passed is active, a hit.
 */
int
mirror_entry_active(const struct mirror_entry *e, int32_t today)
{
	return !e->removed && (e->start == MIRROR_NO_START ||
	    e->start <= today) && (e->end == MIRROR_NO_END || e->end >= today);
}
