/*
 * Names as search sees them (PROTOCOL.md 4.12): full-width forms folded to
 * their ASCII half-width, ASCII letters in lower case, then whitespace,
 * punctuation and brackets dropped. "郑州（市）Ａｂｃ 食品" and "郑州市abc食品"
 * are the same name. The index keeps bigrams (two adjacent code points)
 * of normalised names; queries are normalised the same way.
 */
#ifndef QCD_NAME_NORM_H
#define QCD_NAME_NORM_H

#include <stddef.h>
#include <stdint.h>

/* Longest normalised name kept: a field's text is at most this long. */
#define NAME_NORM_MAX	1024
/* A bigram's bytes: two code points of up to 4 UTF-8 bytes each. */
#define NAME_BIGRAM_MAX	8

/*
 * Normalises the valid UTF-8 name (len bytes) into out (cap bytes, no
 * NUL added). Returns the normalised length; *nchars gets its code points.
 * A name longer than cap is cut before the character that does not fit.
 */
size_t	 name_norm(const char *name, size_t len, char *out, size_t cap,
	    size_t *nchars);
/* The byte length of the UTF-8 character that starts with byte c (1-4). */
size_t	 name_char_len(unsigned char c);

#endif
