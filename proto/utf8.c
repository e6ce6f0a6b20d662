/*
 * UTF-8 per RFC 3629: shortest form only, no surrogates, at most U+10FFFF.
 */
#include <stdint.h>
#include <string.h>

#include "utf8.h"

struct wide_range {
	uint32_t	 lo;
	uint32_t	 hi;
};

static size_t	 utf8_decode(const unsigned char *, size_t, uint32_t *);
static int	 is_wide(uint32_t);
static int	 ascii8(const unsigned char *);

/*
 * East Asian Wide and Fullwidth blocks (a summary of Unicode's
 * EastAsianWidth.txt that covers what registry data holds).
 */
static const struct wide_range wide[] = {
	{ 0x1100, 0x115f },	/* Hangul Jamo initials */
	{ 0x2329, 0x232a },	/* angle brackets */
	{ 0x2e80, 0x303e },	/* CJK radicals, punctuation */
	{ 0x3041, 0x33ff },	/* kana, bopomofo, CJK compatibility */
	{ 0x3400, 0x4dbf },	/* CJK extension A */
	{ 0x4e00, 0x9fff },	/* CJK unified ideographs */
	{ 0xa000, 0xa4cf },	/* Yi */
	{ 0xa960, 0xa97f },	/* Hangul Jamo extended A */
	{ 0xac00, 0xd7a3 },	/* Hangul syllables */
	{ 0xf900, 0xfaff },	/* CJK compatibility ideographs */
	{ 0xfe10, 0xfe19 },	/* vertical forms */
	{ 0xfe30, 0xfe6f },	/* CJK compatibility forms, small forms */
	{ 0xff00, 0xff60 },	/* fullwidth forms */
	{ 0xffe0, 0xffe6 },	/* fullwidth signs */
	{ 0x1b000, 0x1b2ff },	/* kana supplement and extensions */
	{ 0x1f200, 0x1f2ff },	/* enclosed ideographic supplement */
	{ 0x1f300, 0x1f64f },	/* pictographs, emoticons */
	{ 0x1f680, 0x1f6ff },	/* transport and map symbols */
	{ 0x1f900, 0x1f9ff },	/* supplemental pictographs */
	{ 0x20000, 0x2fffd },	/* CJK extensions B-F */
	{ 0x30000, 0x3fffd },	/* CJK extension G */
};

/*
 * Decodes one code point from s (n >= 1 bytes). Returns its length, or 0
 * if the sequence is invalid, truncated, overlong, a surrogate or too big.
 */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t	 c = s[0], min;
	size_t		 len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return 0;	/* continuation byte, c0/c1 overlong, > f4 */
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* 1 if the eight bytes at p are all 0x01..0x7f. */
static int
ascii8(const unsigned char *p)
{
	uint64_t	 x;

	memcpy(&x, p, sizeof(x));
	return ((x | (x - 0x0101010101010101ULL)) &
	    0x8080808080808080ULL) == 0;
}

int
qc_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 n;

	while (len > 0) {
		/* Subjects are ASCII: eight bytes at a time, none NUL or high. */
		if (len >= 8 && ascii8(p)) {
			p += 8;
			len -= 8;
			continue;
		}
		if (*p - 1u < 0x7f) {
			p++;
			len--;
			continue;
		}
		if ((n = utf8_decode(p, len, &cp)) == 0 || cp == 0)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

/* Counts lead bytes: every code point has exactly one. */
size_t
qc_utf8_count(const char *s, size_t len)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	}
	return n;
}

static int
is_wide(uint32_t cp)
{
	size_t	 i;

	for (i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
		if (cp >= wide[i].lo && cp <= wide[i].hi)
			return 1;
	}
	return 0;
}

/* An invalid byte counts as one column, so the result is always bounded. */
size_t
qc_utf8_width(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 n, w = 0;

	while (len > 0) {
		if ((n = utf8_decode(p, len, &cp)) == 0) {
			n = 1;
			cp = 0;
		}
		w += is_wide(cp) ? 2 : 1;
		p += n;
		len -= n;
	}
	return w;
}
