/*
 * Name normalisation for search (name_norm.h). Input is valid UTF-8 (the
 * argument checker and the field validator make sure of it).
 */
#include "name_norm.h"

static uint32_t	 decode(const unsigned char *, size_t *);
static size_t	 encode(uint32_t, char *);
static int	 dropped(uint32_t);

size_t
name_char_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c < 0xe0)
		return 2;
	if (c < 0xf0)
		return 3;
	return 4;
}

/* The code point at s; *n gets its length. */
static uint32_t
decode(const unsigned char *s, size_t *n)
{
	*n = name_char_len(s[0]);
	switch (*n) {
	case 1:
		return s[0];
	case 2:
		return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	case 3:
		return (uint32_t)(s[0] & 0x0f) << 12 |
		    (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	default:
		return (uint32_t)(s[0] & 0x07) << 18 |
		    (uint32_t)(s[1] & 0x3f) << 12 |
		    (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	}
}

static size_t
encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/*
 * Whitespace, punctuation and brackets, after folding: ASCII's, Latin-1's
 * signs, general punctuation, CJK symbols and punctuation (、。《》【】…),
 * the vertical, small and half-width forms, and the middle dots.
 */
static int
dropped(uint32_t c)
{
	if (c < 0x80)
		return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'));
	return (c >= 0x80 && c <= 0xbf) || c == 0xd7 || c == 0xf7 ||
	    (c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f) ||
	    c == 0x30fb || (c >= 0xfe10 && c <= 0xfe1f) ||
	    (c >= 0xfe30 && c <= 0xfe6f) || (c >= 0xff5f && c <= 0xff65) ||
	    c == 0xfeff;
}

size_t
name_norm(const char *name, size_t len, char *out, size_t cap,
    size_t *nchars)
{
	const unsigned char	*s = (const unsigned char *)name;
	char			 enc[4];
	size_t			 i = 0, o = 0, n, e;
	uint32_t		 c;

	*nchars = 0;
	while (i < len) {
		c = decode(s + i, &n);
		i += n;
		if (c >= 0xff01 && c <= 0xff5e)
			c -= 0xfee0;	/* full-width ASCII */
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (dropped(c))
			continue;
		if ((e = encode(c, enc)) > cap - o)
			break;
		for (n = 0; n < e; n++)
			out[o++] = enc[n];
		(*nchars)++;
	}
	return o;
}
