/*
 * qcreg import: write entries from JSON Lines, every line checked first
 * (cli_import.h has the plan). This file is the command: its phases, its
 * summary and its messages to stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli_import.h"
#include "cli_json.h"

#define PROGRESS_SECS	10	/* between progress lines when not a tty */

static int	 imp_summary(struct imp *);

/* Seconds on a monotonic clock. */
double
imp_now(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reports one failed line, "qcreg: CODE: line N: message", and counts it. */
void
imp_error(struct imp *m, unsigned long line, int code, const char *fmt, ...)
{
	va_list	 ap;

	imp_endline(m);
	fflush(stdout);
	fprintf(stderr, "qcreg: %s: line %lu: ", qcreg_code_name(code), line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	m->failed++;
}

/* Ends an open progress line on a tty. */
void
imp_endline(struct imp *m)
{
	if (m->shown) {
		fputc('\n', stderr);
		m->shown = 0;
	}
}

/*
 * At most one progress line a second on a tty (rewritten in place), one
 * in PROGRESS_SECS otherwise; sending says how fast and how long to go.
 */
void
imp_progress(struct imp *m, int sending)
{
	double		 now = imp_now(), rate;
	unsigned long	 done = m->ok + m->unchanged + m->failed;

	if (now - m->last < (m->tty ? 1 : PROGRESS_SECS))
		return;
	m->last = now;
	fputs(m->tty ? "\r" : "", stderr);
	if (!sending)
		fprintf(stderr, "import: checking: %lu lines read, %lu bad",
		    m->lines, m->failed);
	else {
		rate = (double)done / (now - m->start);
		fprintf(stderr, "import: %lu of %zu written, %lu unchanged, "
		    "%lu failed, %.0f rows/s, %.0f s to go", m->ok, m->rows.n,
		    m->unchanged, m->failed,
		    rate, rate > 0 ? (double)(m->rows.n - done) / rate : 0.0);
	}
	/* On a tty, clears what a longer line left to the right. */
	fputs(m->tty ? "\033[K" : "\n", stderr);
	m->shown = m->tty;
	fflush(stderr);
}

/*
 * Prints "imported N, failed N" (or, for --dry-run, "checked N, bad N"),
 * as JSON with --json. Returns 0, or -1 if it could not be written.
 */
static int
imp_summary(struct imp *m)
{
	struct cli	*cli = m->cli;
	const char	*keys[3] = { "imported", "unchanged", "failed" };
	uint64_t	 vals[3] = { m->ok, m->unchanged, m->failed };
	size_t		 n = 3;

	if (cli->dry_run) {
		keys[0] = "checked";
		keys[1] = "bad";
		vals[0] = m->lines;
		vals[1] = m->failed;
		n = 2;
	}
	if (!cli->json) {
		if (n == 2)
			fprintf(cli->out, "%s %lu, %s %lu\n", keys[0],
			    (unsigned long)vals[0], keys[1],
			    (unsigned long)vals[1]);
		else
			fprintf(cli->out, "imported %lu, unchanged %lu, "
			    "failed %lu\n", m->ok, m->unchanged, m->failed);
		return 0;
	}
	if (cli_json_write_counts(cli->out, n, keys, vals) != 0) {
		cli_error(QCREG_E_IO, "cannot write the summary");
		return -1;
	}
	return 0;
}

/* CSV when --format says so, or, without it, for a FILE named *.csv. */
static int
imp_is_csv(const struct cli *cli, const char *file)
{
	size_t	 n = strlen(file);

	if (cli->format != NULL)
		return strcmp(cli->format, "csv") == 0;
	return n > 4 && strcasecmp(file + n - 4, ".csv") == 0;
}

int
cmd_import(struct cli *cli, int argc, char **argv)
{
	struct imp	 m;
	FILE		*f;
	int		 rc;

	(void)argc;
	if (strcmp(argv[0], "-") == 0)
		f = stdin;
	else if ((f = fopen(argv[0], "r")) == NULL)
		return cli_error(QCREG_E_IO, "%s: %s", argv[0],
		    strerror(errno));
	memset(&m, 0, sizeof(m));
	m.cli = cli;
	m.tty = isatty(STDERR_FILENO);
	if ((rc = imp_lists_load(&m.lists, qcreg_hello_result(cli->c))) != 0)
		cli_error(QCREG_E_NOMEM, "out of memory");
	else if (imp_is_csv(cli, argv[0]))
		rc = imp_check_csv(&m, f, argv[0]);
	else
		rc = imp_check(&m, f, argv[0]);
	/* Only read: a failed close loses nothing. */
	if (f != stdin)
		(void)fclose(f);

	if (rc == 0 && m.failed > 0)
		cli_error(QCREG_E_USAGE, "%lu bad lines of %lu; nothing was "
		    "written", m.failed, m.lines);
	else if (rc == 0 && cli->dry_run)
		fprintf(stderr, "import: %lu lines checked in %.1f s; nothing "
		    "was written (--dry-run)\n", m.lines, imp_now() - m.start);
	else if (rc == 0) {
		fprintf(stderr, "import: %lu lines checked in %.1f s; writing "
		    "them by list and subject\n", m.lines,
		    imp_now() - m.start);
		rc = imp_send(&m);
	}
	if (imp_summary(&m) != 0)
		rc = -1;
	imp_rows_free(&m.rows);
	imp_lists_free(&m.lists);
	return rc != 0 || m.failed > 0 ? CLI_ERR : CLI_OK;
}
