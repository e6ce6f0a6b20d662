/*
 * search's query: q split into normalised terms, and what else it may be
 * (a USCC prefix, a division code); how a name matches it.
 */
#define _GNU_SOURCE	/* memmem */
#include <string.h>

#include "search.h"

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* The length of the whitespace character at s (0: none): ASCII, U+3000. */
static size_t
space_len(const char *s, size_t left)
{
	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	if (left >= 3 && memcmp(s, "\xe3\x80\x80", 3) == 0)
		return 3;
	return 0;
}

int
search_parse(struct req *q, const char *s, size_t len,
    struct search_query *sq)
{
	size_t	 i = 0, start, n, sp, j, nchars = 0;
	int	 digits = 1;

	memset(sq, 0, sizeof(*sq));
	while (i < len) {
		if ((sp = space_len(s + i, len - i)) > 0) {
			i += sp;
			continue;
		}
		for (start = i; i < len && space_len(s + i, len - i) == 0;
		    i += name_char_len((unsigned char)s[i]))
			;
		n = name_norm(s + start, i - start, sq->sq_norm +
		    sq->sq_norm_len, sizeof(sq->sq_norm) - sq->sq_norm_len,
		    &nchars);
		if (n == 0)
			continue;
		if (sq->sq_nterms == SEARCH_TERMS_MAX) {
			req_fail(q, QC_E_BAD_REQUEST, "q: at most %d words",
			    SEARCH_TERMS_MAX);
			return -1;
		}
		sq->sq_term_off[sq->sq_nterms] = sq->sq_norm_len;
		sq->sq_term_len[sq->sq_nterms] = n;
		sq->sq_term_chars[sq->sq_nterms] = nchars;
		if (nchars >= 2)
			sq->sq_names = 1;
		sq->sq_norm_len += n;
		sq->sq_nterms++;
	}
	/* The joined form may also be a code: ASCII only, of known sizes. */
	n = sq->sq_norm_len;
	for (j = 0; j < n && n <= 18; j++) {
		char	 c = sq->sq_norm[j];

		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c < '0' || c > '9')
			digits = 0;
		if (strchr(uscc_alphabet, c) == NULL || c == '\0')
			break;
		sq->sq_uscc[j] = c;
	}
	if (n < 2 || n > 18 || j != n)
		sq->sq_uscc[0] = '\0';
	if (sq->sq_uscc[0] != '\0' && digits && (n == 2 || n == 4 || n == 6))
		memcpy(sq->sq_region, sq->sq_uscc, n + 1);
	if (!sq->sq_names && sq->sq_uscc[0] == '\0') {
		req_fail(q, QC_E_BAD_REQUEST, "q: needs a word of at least 2 "
		    "characters besides spaces and punctuation");
		return -1;
	}
	return 0;
}

enum search_rank
search_name_rank(const struct search_query *sq, const char *name, size_t len)
{
	char	 norm[NAME_NORM_MAX];
	size_t	 n, nchars;
	int	 t;

	n = name_norm(name, len, norm, sizeof(norm), &nchars);
	for (t = 0; t < sq->sq_nterms; t++)
		if (memmem(norm, n, sq->sq_norm + sq->sq_term_off[t],
		    sq->sq_term_len[t]) == NULL)
			return RANK_NONE;
	if (n == sq->sq_norm_len && memcmp(norm, sq->sq_norm, n) == 0)
		return RANK_EXACT;
	if (n >= sq->sq_term_len[0] && memcmp(norm, sq->sq_norm,
	    sq->sq_term_len[0]) == 0)
		return RANK_PREFIX;
	return RANK_SUBSTRING;
}
