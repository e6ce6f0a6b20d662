/*
 * qcreg command line: reading input one bounded line at a time.
 */
#include <stdlib.h>

#include "cli.h"

/* Reads lines of at most max bytes (without the newline) from f. */
int
lines_init(struct lines *l, FILE *f, size_t max)
{
	l->f = f;
	l->max = max;
	l->lineno = 0;
	if ((l->buf = malloc(max + 1)) == NULL)
		return -1;
	return 0;
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
	size_t	 n = 0;
	int	 ch, toolong = 0;

	while ((ch = getc(l->f)) != EOF && ch != '\n') {
		if (n < l->max)
			l->buf[n++] = (char)ch;
		else
			toolong = 1;
	}
	if (ch == EOF) {
		if (ferror(l->f))
			return -2;
		if (n == 0 && !toolong)
			return 0;
	}
	l->lineno++;
	if (toolong)
		return -1;
	if (n > 0 && l->buf[n - 1] == '\r')
		n--;
	l->buf[n] = '\0';
	*line = l->buf;
	*len = n;
	return 1;
}

void
lines_free(struct lines *l)
{
	free(l->buf);
	l->buf = NULL;
}
