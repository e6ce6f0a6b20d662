/*
 * qcreg command line: reading input one bounded line at a time.
 *
 * The input is read in blocks into one buffer and lines are found with
 * memchr: reading a byte at a time with getc() was a tenth of the time
 * of a large import.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define LINES_BLOCK	(256 * 1024)	/* bytes asked of fread at a time */

static int	 lines_fill(struct lines *);
static int	 lines_skip(struct lines *);

/* Reads lines of at most max bytes (without the newline) from f. */
int
lines_init(struct lines *l, FILE *f, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->f = f;
	l->max = max;
	if (max > SIZE_MAX - LINES_BLOCK - 1)
		return -1;
	/*
	 * A line that is not too long and the block read after it always
	 * fit, and one more byte NUL-terminates a last line without "\n".
	 */
	l->cap = max + LINES_BLOCK;
	if ((l->buf = malloc(l->cap + 1)) == NULL)
		return -1;
	return 0;
}

/*
 * Moves the unread bytes to the front and reads a block after them.
 * Returns 0 (l->eof set at the end of the input) or -1 on a read error.
 */
static int
lines_fill(struct lines *l)
{
	size_t	 want, got;

	memmove(l->buf, l->buf + l->start, l->end - l->start);
	l->end -= l->start;
	l->start = 0;
	want = l->cap - l->end;
	got = fread(l->buf + l->end, 1, want, l->f);
	l->end += got;
	if (got < want) {
		if (ferror(l->f))
			return -1;
		l->eof = 1;
	}
	return 0;
}

/* Discards input up to and including the next "\n"; -1 on a read error. */
static int
lines_skip(struct lines *l)
{
	char	*nl;

	for (;;) {
		nl = memchr(l->buf + l->start, '\n', l->end - l->start);
		if (nl != NULL) {
			l->start = (size_t)(nl - l->buf) + 1;
			return 0;
		}
		l->start = l->end;
		if (l->eof)
			return 0;
		if (lines_fill(l) != 0)
			return -1;
	}
}

/*
 * Reads the next line, without "\n" or "\r\n", NUL-terminated in the
 * reader's buffer. Returns 1 (*line, *len set), 0 at the end, -1 if the
 * line is longer than max (the rest of it is skipped and it still counts
 * in lineno) or -2 on a read error.
 */
int
lines_next(struct lines *l, char **line, size_t *len)
{
	char	*s, *nl;
	size_t	 n;

	for (;;) {
		s = l->buf + l->start;
		n = l->end - l->start;
		if ((nl = memchr(s, '\n', n)) != NULL) {
			n = (size_t)(nl - s);
			l->start += n + 1;
			break;
		}
		if (n > l->max) {
			/* No "\n" in max + 1 bytes: too long in any case. */
			l->lineno++;
			return lines_skip(l) == 0 ? -1 : -2;
		}
		if (l->eof) {
			if (n == 0)
				return 0;
			l->start = l->end;
			break;
		}
		if (lines_fill(l) != 0)
			return -2;
	}
	l->lineno++;
	if (n > l->max)
		return -1;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	s[n] = '\0';
	*line = s;
	*len = n;
	return 1;
}

void
lines_free(struct lines *l)
{
	free(l->buf);
	l->buf = NULL;
}
