/*
 * qcreg import: write entries from JSON Lines with pipelined puts.
 *
 * Each line is {"list": L, "subject": S, "fields": {...}} (optionally
 * "if_version": N); --list supplies the list of lines that name none.
 * Up to IMPORT_WINDOW puts are in flight; a ring remembers their line
 * numbers so that each error names its line. Blank lines are skipped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_json.h"

#define IMPORT_WINDOW	256
#define IMPORT_LINE_MAX	(64 * 1024)
#define PROGRESS_SECS	10	/* between progress lines when not a tty */

struct imp {
	struct cli		*cli;
	struct qcreg_field	*f;
	size_t			 fcap;
	unsigned long		 ring[IMPORT_WINDOW];
	size_t			 head;
	size_t			 count;
	unsigned long		 lines;
	unsigned long		 ok;
	unsigned long		 failed;
	time_t			 last;
	int			 tty;
	int			 shown;		/* a progress line is open */
};

/* What one line asks for; the strings point into its parsed JSON. */
struct imp_put {
	const char		*list;
	const char		*subject;
	json_t			*fields;
	int64_t			 if_version;
};

static void	 imp_error(struct imp *, unsigned long, int, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
static int	 imp_usage(struct imp *, unsigned long, const char *);
static void	 imp_progress(struct imp *, int);
static int	 imp_take(struct imp *);
static int	 imp_line(struct imp *, const char *, size_t, unsigned long);
static int	 imp_keys(struct imp *, json_t *, unsigned long);
static int	 imp_members(struct imp *, json_t *, unsigned long,
		    struct imp_put *);
static int	 imp_fields(struct imp *, const char *, json_t *,
		    unsigned long);
static int	 imp_queue(struct imp *, const struct imp_put *, int,
		    unsigned long);

/* Reports one failed line: "qcreg: CODE: line N: message". */
static void
imp_error(struct imp *m, unsigned long line, int code, const char *fmt, ...)
{
	va_list	 ap;

	if (m->shown) {
		fputc('\n', stderr);
		m->shown = 0;
	}
	fflush(stdout);
	fprintf(stderr, "qcreg: %s: line %lu: ", qcreg_code_name(code), line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	m->failed++;
}

/* Reports a usage error on a line; returns -1. */
static int
imp_usage(struct imp *m, unsigned long line, const char *what)
{
	imp_error(m, line, QCREG_E_USAGE, "%s", what);
	return -1;
}

/* At most one progress line a second on a tty, one in ten otherwise. */
static void
imp_progress(struct imp *m, int force)
{
	time_t	 now = time(NULL);

	if (!force && (now == m->last ||
	    (!m->tty && now - m->last < PROGRESS_SECS)))
		return;
	m->last = now;
	fprintf(stderr, "%simport: %lu lines read, %lu imported, %lu failed%s",
	    m->tty ? "\r" : "", m->lines, m->ok, m->failed,
	    m->tty ? "" : "\n");
	m->shown = m->tty;
	fflush(stderr);
}

/* Reads the answer to the oldest put. Returns -1 if the link broke. */
static int
imp_take(struct imp *m)
{
	struct qcreg_reply	*r;
	unsigned long		 line = m->ring[m->head];
	int			 rc;

	m->head = (m->head + 1) % IMPORT_WINDOW;
	m->count--;
	rc = qcreg_next_reply(m->cli->c, &r);
	if (rc > 0)
		imp_error(m, line, rc, "%s", qcreg_reply_message(r));
	else if (rc == 0)
		m->ok++;
	qcreg_reply_free(r);
	if (rc < 0) {
		imp_error(m, line, rc, "%s", qcreg_errmsg(m->cli->c));
		return -1;
	}
	return 0;
}

/*
 * Turns the "fields" object into m->f: strings and integers as they are,
 * except that a string of digits for an int field (per the hello schema)
 * becomes a number; null omits the field. Returns the count, or -1.
 */
static int
imp_fields(struct imp *m, const char *list, json_t *o, unsigned long line)
{
	struct qcreg_field	*f;
	const char		*key;
	json_t			*v;
	int64_t			 num;
	size_t			 n = 0;

	if (json_object_size(o) > m->fcap) {
		if ((f = reallocarray(m->f, json_object_size(o),
		    sizeof(*f))) == NULL) {
			imp_error(m, line, QCREG_E_NOMEM, "out of memory");
			return -1;
		}
		m->f = f;
		m->fcap = json_object_size(o);
	}
	json_object_foreach(o, key, v) {
		if (json_is_null(v))
			continue;
		f = &m->f[n++];
		f->name = key;
		f->type = QCREG_V_STR;
		f->str = json_string_value(v);
		if (json_is_integer(v)) {
			f->type = QCREG_V_INT;
			f->num = json_integer_value(v);
		} else if (!json_is_string(v)) {
			imp_error(m, line, QCREG_E_USAGE, "field %s: only "
			    "strings and integers are allowed", key);
			return -1;
		} else if (qcreg_field_type(m->cli->c, list, key) ==
		    QCREG_FT_INT && cli_parse_int(f->str, INT64_MIN,
		    INT64_MAX, &num) == 0) {
			f->type = QCREG_V_INT;
			f->num = num;
		}
	}
	return (int)n;
}

/* Refuses a line with a key import does not know (a typo would be lost). */
static int
imp_keys(struct imp *m, json_t *root, unsigned long line)
{
	const char	*key;
	json_t		*v;

	json_object_foreach(root, key, v) {
		if (strcmp(key, "list") != 0 && strcmp(key, "subject") != 0 &&
		    strcmp(key, "fields") != 0 &&
		    strcmp(key, "if_version") != 0) {
			imp_error(m, line, QCREG_E_USAGE, "unknown key \"%s\" "
			    "(list, subject, fields, if_version)", key);
			return -1;
		}
	}
	return 0;
}

/*
 * Reads the members of a line's object into p (pointing into root).
 * Returns 0, or -1 after reporting what is wrong.
 */
static int
imp_members(struct imp *m, json_t *root, unsigned long line,
    struct imp_put *p)
{
	json_t	*lv, *sv, *iv;

	if (imp_keys(m, root, line) != 0)
		return -1;
	lv = json_object_get(root, "list");
	sv = json_object_get(root, "subject");
	iv = json_object_get(root, "if_version");
	p->fields = json_object_get(root, "fields");
	if (lv != NULL && !json_is_string(lv))
		return imp_usage(m, line, "\"list\" is not a string");
	p->list = lv != NULL ? json_string_value(lv) : m->cli->list;
	if (p->list == NULL)
		return imp_usage(m, line, "no \"list\" (or --list)");
	if (m->cli->list != NULL && strcmp(p->list, m->cli->list) != 0) {
		imp_error(m, line, QCREG_E_USAGE, "list %s is not --list %s",
		    p->list, m->cli->list);
		return -1;
	}
	if (!json_is_string(sv))
		return imp_usage(m, line, "no \"subject\" string");
	p->subject = json_string_value(sv);
	if (!json_is_object(p->fields))
		return imp_usage(m, line, "no \"fields\" object");
	p->if_version = QCREG_NO_VERSION;
	if (iv != NULL) {
		if (!json_is_integer(iv) || json_integer_value(iv) < 0)
			return imp_usage(m, line, "\"if_version\" is not a "
			    "version number");
		p->if_version = json_integer_value(iv);
	}
	return 0;
}

/* Queues the put of a line. Returns -1 if the link broke. */
static int
imp_queue(struct imp *m, const struct imp_put *p, int n, unsigned long line)
{
	int	 rc;

	while (m->count >= IMPORT_WINDOW)
		if (imp_take(m) != 0)
			return -1;
	rc = qcreg_queue_put(m->cli->c, p->list, p->subject, m->f, (size_t)n,
	    p->if_version);
	if (rc == QCREG_E_USAGE || rc == QCREG_E_NOMEM) {
		imp_error(m, line, rc, "%s", qcreg_errmsg(m->cli->c));
		return 0;
	}
	if (rc != 0) {
		/* The link broke; a request queued before it is in flight. */
		if (qcreg_in_flight(m->cli->c) > m->count) {
			m->ring[(m->head + m->count) % IMPORT_WINDOW] = line;
			m->count++;
			cli_error(rc, "line %lu: %s", line,
			    qcreg_errmsg(m->cli->c));
		} else
			imp_error(m, line, rc, "%s", qcreg_errmsg(m->cli->c));
		return -1;
	}
	m->ring[(m->head + m->count) % IMPORT_WINDOW] = line;
	m->count++;
	return 0;
}

/* Parses one line and queues its put. Returns -1 if the link broke. */
static int
imp_line(struct imp *m, const char *s, size_t len, unsigned long line)
{
	struct imp_put	 p;
	json_t		*root;
	char		 err[CLI_JSON_ERR_MAX];
	size_t		 i;
	int		 n, rc = 0;

	for (i = 0; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == len)
		return 0;
	m->lines++;
	if ((root = cli_json_parse_object(s, len, err, sizeof(err))) == NULL) {
		imp_error(m, line, QCREG_E_USAGE, "JSON: %s", err);
		return 0;
	}
	/* The strings of p and m->f live in root until the put is queued. */
	if (imp_members(m, root, line, &p) == 0 &&
	    (n = imp_fields(m, p.list, p.fields, line)) >= 0)
		rc = imp_queue(m, &p, n, line);
	json_decref(root);
	return rc;
}

int
cmd_import(struct cli *cli, int argc, char **argv)
{
	struct imp	 m;
	struct lines	 in;
	FILE		*f;
	char		*s;
	size_t		 len;
	int		 r, broken = 0;

	(void)argc;
	if (strcmp(argv[0], "-") == 0)
		f = stdin;
	else if ((f = fopen(argv[0], "r")) == NULL)
		return cli_error(QCREG_E_IO, "%s: %s", argv[0],
		    strerror(errno));
	if (lines_init(&in, f, IMPORT_LINE_MAX) != 0) {
		if (f != stdin)
			fclose(f);
		return cli_error(QCREG_E_NOMEM, "out of memory");
	}
	memset(&m, 0, sizeof(m));
	m.cli = cli;
	m.tty = isatty(STDERR_FILENO);
	m.last = time(NULL);

	while (!broken && (r = lines_next(&in, &s, &len)) != 0) {
		if (r == -2) {
			cli_error(QCREG_E_IO, "reading %s failed", argv[0]);
			broken = 1;
			break;
		}
		if (r == -1) {
			m.lines++;
			imp_error(&m, in.lineno, QCREG_E_USAGE, "longer than "
			    "%d bytes", IMPORT_LINE_MAX);
		} else if (imp_line(&m, s, len, in.lineno) != 0)
			broken = 1;
		imp_progress(&m, 0);
	}
	while (!broken && m.count > 0)
		if (imp_take(&m) != 0)
			broken = 1;
	if (broken && m.count > 0) {
		/* Their answers are lost: whether they were stored is unknown. */
		fprintf(stderr, "qcreg: %lu more writes in flight were not "
		    "confirmed\n", (unsigned long)m.count);
		m.failed += m.count;
	}
	if (m.shown)
		fputc('\n', stderr);

	if (cli->json) {
		if (cli_json_write_pair(cli->out, "imported", m.ok, "failed",
		    m.failed) != 0) {
			cli_error(QCREG_E_IO, "cannot write the summary");
			broken = 1;
		}
	} else
		fprintf(cli->out, "imported %lu, failed %lu\n", m.ok, m.failed);
	free(m.f);
	lines_free(&in);
	if (f != stdin)
		fclose(f);
	return broken || m.failed > 0 ? CLI_ERR : CLI_OK;
}
