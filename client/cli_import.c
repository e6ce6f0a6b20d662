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
#include "qcreg_json.h"

#define IMPORT_WINDOW	256
#define IMPORT_LINE_MAX	(64 * 1024)
#define PROGRESS_SECS	10	/* between progress lines when not a tty */

struct imp {
	struct cli		*cli;
	struct qcreg_jdoc	 doc;
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

static void	 imp_error(struct imp *, unsigned long, int, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
static void	 imp_progress(struct imp *, int);
static int	 imp_take(struct imp *);
static int	 imp_line(struct imp *, const char *, size_t, unsigned long);
static int	 imp_fields(struct imp *, const char *,
		    const struct qcreg_jval *, unsigned long);

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
imp_fields(struct imp *m, const char *list, const struct qcreg_jval *o,
    unsigned long line)
{
	const struct qcreg_jval	*v;
	struct qcreg_field	*f;
	int64_t			 num;
	size_t			 n = 0;

	if (o->len > m->fcap) {
		if ((f = reallocarray(m->f, o->len, sizeof(*f))) == NULL) {
			imp_error(m, line, QCREG_E_NOMEM, "out of memory");
			return -1;
		}
		m->f = f;
		m->fcap = o->len;
	}
	for (v = o->child; v != NULL; v = v->next) {
		if (v->type == QCREG_J_NULL)
			continue;
		f = &m->f[n++];
		f->name = v->key;
		f->type = QCREG_V_STR;
		f->str = v->str;
		if (v->type == QCREG_J_INT) {
			f->type = QCREG_V_INT;
			f->num = v->num;
		} else if (v->type != QCREG_J_STR) {
			imp_error(m, line, QCREG_E_USAGE, "field %s: only "
			    "strings and integers are allowed", v->key);
			return -1;
		} else if (qcreg_field_type(m->cli->c, list, v->key) ==
		    QCREG_FT_INT && cli_parse_int(v->str, INT64_MIN,
		    INT64_MAX, &num) == 0) {
			f->type = QCREG_V_INT;
			f->num = num;
		}
	}
	return (int)n;
}

/* Parses one line and queues its put. Returns -1 if the link broke. */
static int
imp_line(struct imp *m, const char *s, size_t len, unsigned long line)
{
	const struct qcreg_jval	*root, *v, *lv, *sv, *fv, *iv;
	const char		*list;
	int64_t			 ifv = QCREG_NO_VERSION;
	size_t			 i;
	int			 n, rc;

	for (i = 0; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == len)
		return 0;
	m->lines++;
	if ((root = qcreg_json_parse(&m->doc, s, len)) == NULL) {
		imp_error(m, line, QCREG_E_USAGE, "JSON: %s", m->doc.err);
		return 0;
	}
	if (root->type != QCREG_J_OBJ) {
		imp_error(m, line, QCREG_E_USAGE, "not a JSON object");
		return 0;
	}
	for (v = root->child; v != NULL; v = v->next)
		if (strcmp(v->key, "list") != 0 &&
		    strcmp(v->key, "subject") != 0 &&
		    strcmp(v->key, "fields") != 0 &&
		    strcmp(v->key, "if_version") != 0) {
			imp_error(m, line, QCREG_E_USAGE, "unknown key \"%s\" "
			    "(list, subject, fields, if_version)", v->key);
			return 0;
		}
	lv = qcreg_json_get(root, "list");
	sv = qcreg_json_get(root, "subject");
	fv = qcreg_json_get(root, "fields");
	iv = qcreg_json_get(root, "if_version");
	if (lv != NULL && lv->type != QCREG_J_STR) {
		imp_error(m, line, QCREG_E_USAGE, "\"list\" is not a string");
		return 0;
	}
	list = lv != NULL ? lv->str : m->cli->list;
	if (list == NULL) {
		imp_error(m, line, QCREG_E_USAGE, "no \"list\" (or --list)");
		return 0;
	}
	if (m->cli->list != NULL && strcmp(list, m->cli->list) != 0) {
		imp_error(m, line, QCREG_E_USAGE, "list %s is not --list %s",
		    list, m->cli->list);
		return 0;
	}
	if (sv == NULL || sv->type != QCREG_J_STR) {
		imp_error(m, line, QCREG_E_USAGE, "no \"subject\" string");
		return 0;
	}
	if (fv == NULL || fv->type != QCREG_J_OBJ) {
		imp_error(m, line, QCREG_E_USAGE, "no \"fields\" object");
		return 0;
	}
	if (iv != NULL) {
		if (iv->type != QCREG_J_INT || iv->num < 0) {
			imp_error(m, line, QCREG_E_USAGE, "\"if_version\" is "
			    "not a version number");
			return 0;
		}
		ifv = iv->num;
	}
	if ((n = imp_fields(m, list, fv, line)) < 0)
		return 0;

	while (m->count >= IMPORT_WINDOW)
		if (imp_take(m) != 0)
			return -1;
	rc = qcreg_queue_put(m->cli->c, list, sv->str, m->f, (size_t)n, ifv);
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
	qcreg_json_init(&m.doc);

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

	if (cli->json)
		fprintf(cli->out, "{\"imported\":%lu,\"failed\":%lu}\n", m.ok,
		    m.failed);
	else
		fprintf(cli->out, "imported %lu, failed %lu\n", m.ok, m.failed);
	qcreg_json_free(&m.doc);
	free(m.f);
	lines_free(&in);
	if (f != stdin)
		fclose(f);
	return broken || m.failed > 0 ? CLI_ERR : CLI_OK;
}
