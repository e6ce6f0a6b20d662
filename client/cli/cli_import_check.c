/*
 * qcreg import, phase 1: every line is read, parsed with libjansson and
 * checked, and a good one is kept as a row; a bad one is reported with
 * its number and why.
 *
 * A line is {"list": L, "subject": S, "fields": {...}}, optionally with
 * "if_version": N; --list supplies the list of lines that name none.
 * Blank lines are skipped. What is checked here is what the client can
 * know: the JSON, the keys, the list (named in hello, and --list's), the
 * subject's syntax, the types of the values. The schema's rules on the
 * fields are the server's (a field it refuses fails its put).
 */
#include <stdlib.h>
#include <string.h>

#include "cli_import.h"
#include "cli_json.h"
#include "subject.h"

/* How a line went. */
enum line_status {
	LINE_OK,	/* kept, or blank */
	LINE_BAD,	/* reported; not kept */
	LINE_NOMEM
};

/* What one line asks for; strings point into its parsed JSON. */
struct put {
	uint32_t		 list;
	char			 subject[QC_SUBJECT_MAX];	/* canonical */
	int64_t			 if_version;
	json_t			*fields;
};


static enum line_status	 check_bad(struct imp *, unsigned long,
			    const char *);
static enum line_status	 check_members(struct imp_check *, json_t *,
			    unsigned long, struct put *);
static enum line_status	 check_list(struct imp_check *, json_t *, unsigned long,
			    struct put *);
static int		 check_room(struct imp_check *, size_t);
static enum line_status	 check_fields(struct imp_check *, const struct put *,
			    unsigned long, size_t *);
static enum line_status	 check_line(struct imp_check *, const char *, size_t,
			    unsigned long);

/* Reports a usage error on a line. */
static enum line_status
check_bad(struct imp *m, unsigned long line, const char *what)
{
	imp_error(m, line, QCREG_E_USAGE, "%s", what);
	return LINE_BAD;
}

/* Sets p->list from the "list" value lv (NULL: none) and --list. */
static enum line_status
check_list(struct imp_check *ck, json_t *lv, unsigned long line, struct put *p)
{
	struct imp	*m = ck->m;
	const char	*list;
	int		 i;

	if (lv != NULL && !json_is_string(lv))
		return check_bad(m, line, "\"list\" is not a string");
	list = lv != NULL ? json_string_value(lv) : m->cli->list;
	if (list == NULL)
		return check_bad(m, line, "no \"list\" (or --list)");
	if (m->cli->list != NULL && strcmp(list, m->cli->list) != 0) {
		imp_error(m, line, QCREG_E_USAGE, "list %s is not --list %s",
		    list, m->cli->list);
		return LINE_BAD;
	}
	/* Also what bounds the lists of the rows. */
	if ((i = imp_lists_find(&m->lists, list)) < 0) {
		imp_error(m, line, QC_E_UNKNOWN_LIST, "no list %s", list);
		return LINE_BAD;
	}
	p->list = (uint32_t)i;
	return LINE_OK;
}

/*
 * Reads the members of a line's object into p. A key import does not
 * know is refused: a typo would silently be lost.
 */
static enum line_status
check_members(struct imp_check *ck, json_t *root, unsigned long line,
    struct put *p)
{
	struct imp	*m = ck->m;
	json_t		*lv = NULL, *sv = NULL, *iv = NULL, *v;
	const char	*key, *why = "invalid";

	p->fields = NULL;
	json_object_foreach(root, key, v) {
		if (strcmp(key, "list") == 0)
			lv = v;
		else if (strcmp(key, "subject") == 0)
			sv = v;
		else if (strcmp(key, "fields") == 0)
			p->fields = v;
		else if (strcmp(key, "if_version") == 0)
			iv = v;
		else {
			imp_error(m, line, QCREG_E_USAGE, "unknown key \"%s\" "
			    "(list, subject, fields, if_version)", key);
			return LINE_BAD;
		}
	}
	if (check_list(ck, lv, line, p) != LINE_OK)
		return LINE_BAD;
	if (!json_is_string(sv))
		return check_bad(m, line, "no \"subject\" string");
	if (qc_subject_canon(json_string_value(sv), json_string_length(sv),
	    p->subject, &why) < 0) {
		imp_error(m, line, QC_E_INVALID_SUBJECT, "subject: %s", why);
		return LINE_BAD;
	}
	if (!json_is_object(p->fields))
		return check_bad(m, line, "no \"fields\" object");
	p->if_version = QCREG_NO_VERSION;
	if (iv != NULL) {
		if (!json_is_integer(iv) || json_integer_value(iv) < 0)
			return check_bad(m, line, "\"if_version\" is not a "
			    "version number");
		p->if_version = json_integer_value(iv);
	}
	return LINE_OK;
}

/* Makes room for n fields in ck; -1 when out of memory. */
static int
check_room(struct imp_check *ck, size_t n)
{
	struct qcreg_field	*f;
	int			*place;

	if (n <= ck->fcap)
		return 0;
	if ((f = reallocarray(ck->f, n, sizeof(*f))) == NULL)
		return -1;
	ck->f = f;
	if ((place = reallocarray(ck->place, n, sizeof(*place))) == NULL)
		return -1;
	ck->place = place;
	ck->fcap = n;
	return 0;
}

/*
 * Turns the "fields" object into ck->f, *n of them: strings and integers
 * as they are, except that a string of digits for an int field of the
 * schema becomes a number; null leaves the field out.
 */
static enum line_status
check_fields(struct imp_check *ck, const struct put *p, unsigned long line,
    size_t *n)
{
	const struct imp_list	*il = &ck->m->lists.l[p->list];
	struct qcreg_field	*f;
	const char		*key;
	json_t			*v;
	size_t			 next = 0;	/* where the next field may be */
	int			 i;

	if (check_room(ck, json_object_size(p->fields)) != 0)
		return LINE_NOMEM;
	*n = 0;
	json_object_foreach(p->fields, key, v) {
		if (json_is_null(v))
			continue;
		f = &ck->f[*n];
		f->name = key;
		if ((i = imp_lists_field(il, key, next)) >= 0)
			next = (size_t)i + 1;
		if (json_is_integer(v)) {
			f->type = QCREG_V_INT;
			f->num = json_integer_value(v);
		} else if (json_is_string(v)) {
			f->type = QCREG_V_STR;
			f->str = json_string_value(v);
			if (i >= 0 && il->fields[i].is_int &&
			    cli_parse_int(f->str, INT64_MIN, INT64_MAX,
			    &f->num) == 0)
				f->type = QCREG_V_INT;
		} else {
			imp_error(ck->m, line, QCREG_E_USAGE, "field %s: only "
			    "strings and integers are allowed", key);
			return LINE_BAD;
		}
		ck->place[(*n)++] = i;
	}
	return LINE_OK;
}

int
imp_check_row(struct imp_check *ck, json_t *root, unsigned long line)
{
	struct imp		*m = ck->m;
	struct put		 p;
	size_t			 n;
	enum line_status	 rc;

	/* The strings of p and ck->f live in root until they are kept. */
	if ((rc = check_members(ck, root, line, &p)) == LINE_OK &&
	    (rc = check_fields(ck, &p, line, &n)) == LINE_OK &&
	    imp_rows_add(&m->rows, p.list, p.subject, ck->f, ck->place, n,
	    p.if_version, line) != 0)
		rc = LINE_NOMEM;
	return rc == LINE_NOMEM ? -1 : 0;
}

void
imp_check_free(struct imp_check *ck)
{
	free(ck->f);
	free(ck->place);
}

/* Parses a line, checks it and keeps it. */
static enum line_status
check_line(struct imp_check *ck, const char *s, size_t len, unsigned long line)
{
	json_t			*root;
	char			 err[CLI_JSON_ERR_MAX];
	int			 rc;

	if ((root = cli_json_parse_object(s, len, err, sizeof(err))) == NULL) {
		imp_error(ck->m, line, QCREG_E_USAGE, "JSON: %s", err);
		return LINE_BAD;
	}
	rc = imp_check_row(ck, root, line);
	json_decref(root);
	return rc == -1 ? LINE_NOMEM : LINE_OK;
}

/*
 * Phase 1: reads and checks every line of f (named name), keeping the
 * good ones in m->rows and counting the bad ones in m->failed. Returns 0,
 * or -1 after reporting a read error or a lack of memory.
 */
int
imp_check(struct imp *m, FILE *f, const char *name)
{
	struct imp_check ck = { m, NULL, NULL, 0 };
	struct lines	 in;
	char		*s;
	size_t		 len, i;
	int		 r, rc = 0;

	if (lines_init(&in, f, IMPORT_LINE_MAX) != 0) {
		cli_error(QCREG_E_NOMEM, "out of memory");
		return -1;
	}
	m->start = m->last = imp_now();
	while ((r = lines_next(&in, &s, &len)) != 0) {
		if (r == -2) {
			imp_endline(m);
			cli_error(QCREG_E_IO, "reading %s failed", name);
			rc = -1;
			break;
		}
		if (r == 1) {
			for (i = 0; i < len && (s[i] == ' ' || s[i] == '\t');
			    i++)
				;
			if (i == len)
				continue;	/* blank */
		}
		m->lines++;
		if (r == -1)
			imp_error(m, in.lineno, QCREG_E_USAGE, "longer than "
			    "%d bytes", IMPORT_LINE_MAX);
		else if (check_line(&ck, s, len, in.lineno) == LINE_NOMEM) {
			imp_endline(m);
			cli_error(QCREG_E_NOMEM, "line %lu: out of memory",
			    in.lineno);
			rc = -1;
			break;
		}
		imp_progress(m, 0);
	}
	lines_free(&in);
	imp_check_free(&ck);
	imp_endline(m);
	return rc;
}
