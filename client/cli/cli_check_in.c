/*
 * qcreg check and mirror-check: the subjects to check, from the
 * arguments or, with "-", from the lines of stdin, taken in batches.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CHECK_LINE_MAX	1024	/* a subject is at most ~260 bytes */

/* Subjects come from argv, or from stdin when it is just "-". */
int
chk_in_open(struct chk_in *in, int argc, char **argv, size_t batch)
{
	memset(in, 0, sizeof(*in));
	in->argc = argc;
	in->argv = argv;
	in->max = batch;
	if (argc == 1 && strcmp(argv[0], "-") == 0) {
		if (lines_init(&in->lines, stdin, CHECK_LINE_MAX) != 0)
			return cli_error(QCREG_E_NOMEM, "out of memory");
		in->from_stdin = 1;
	}
	if ((in->v = calloc(batch, sizeof(*in->v))) == NULL) {
		chk_in_close(in);
		return cli_error(QCREG_E_NOMEM, "out of memory");
	}
	return CLI_OK;
}

/* The copies of stdin lines of the last batch. */
static void
batch_free(struct chk_in *in)
{
	size_t	 i;

	if (in->from_stdin)
		for (i = 0; i < in->n; i++)
			free(in->v[i]);
	in->n = 0;
}

/*
 * The next batch of up to max subjects into v[0 .. n); n is 0 at the
 * end. Returns CLI_OK, or CLI_ERR after reporting a bad line.
 */
int
chk_in_next(struct chk_in *in)
{
	char	*line;
	size_t	 len;
	int	 r;

	batch_free(in);
	while (in->n < in->max) {
		if (!in->from_stdin) {
			if (in->argi >= in->argc)
				break;
			in->v[in->n++] = in->argv[in->argi++];
			continue;
		}
		if ((r = lines_next(&in->lines, &line, &len)) == 0)
			break;
		if (r == -2)
			return cli_error(QCREG_E_IO, "reading stdin failed");
		if (r == -1)
			return cli_error(QCREG_E_USAGE, "stdin line %lu: longer "
			    "than %d bytes", in->lines.lineno, CHECK_LINE_MAX);
		if (len == 0)
			continue;
		if (memchr(line, '\0', len) != NULL)
			return cli_error(QCREG_E_USAGE, "stdin line %lu: "
			    "contains a NUL byte", in->lines.lineno);
		if ((in->v[in->n] = strdup(line)) == NULL)
			return cli_error(QCREG_E_NOMEM, "out of memory");
		in->n++;
	}
	return CLI_OK;
}

void
chk_in_close(struct chk_in *in)
{
	batch_free(in);
	free(in->v);
	if (in->from_stdin)
		lines_free(&in->lines);
}
