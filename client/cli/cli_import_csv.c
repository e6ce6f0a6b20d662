/*
 * qcreg import, phase 1 for CSV (RFC 4180): a header row names the
 * columns, `subject` and the list's fields, with `list` (else --list) and
 * `if_version` when wanted; each record below it becomes the object a
 * JSON line would be and is checked as one (imp_check_row). An empty cell
 * leaves its field out. Cells may be quoted ("a, ""b"""), and a quoted
 * cell may hold line breaks; a record is reported by the line it starts
 * on. A UTF-8 byte order mark (spreadsheets write one) is skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "cli_import.h"
#include "utf8.h"

#define CSV_COLS_MAX	256

/* One record: its cells, NUL-terminated, back to back in buf. */
struct csv {
	FILE		*f;
	char		*buf;
	size_t		 len, cap;
	size_t		 cell[CSV_COLS_MAX];	/* offsets into buf */
	size_t		 ncells;
	unsigned long	 line;		/* the next line to read */
	int		 too_long;	/* more than IMPORT_LINE_MAX bytes */
	int		 too_wide;	/* more than CSV_COLS_MAX cells */
};

/* The columns of the header. */
struct header {
	int		 subject, list, if_version;	/* -1: none */
	char		*name[CSV_COLS_MAX];
	size_t		 n;
};

static int	 csv_put(struct csv *, int);
static int	 csv_record(struct csv *, unsigned long *);
static int	 csv_header(struct imp *, struct csv *, struct header *);
static int	 csv_row(struct imp_check *, const struct csv *,
		    const struct header *, unsigned long);
static int	 csv_blank(const struct csv *);

/* Appends a byte to the record (c < 0: ends a cell). 0 or -1. */
static int
csv_put(struct csv *c, int ch)
{
	char	*p;

	if (c->len + 1 >= c->cap) {
		if (c->cap >= IMPORT_LINE_MAX + 2) {
			c->too_long = 1;
			return 0;
		}
		c->cap = c->cap == 0 ? 4096 : c->cap * 2;
		if ((p = realloc(c->buf, c->cap)) == NULL)
			return -1;
		c->buf = p;
	}
	if (ch >= 0) {
		c->buf[c->len++] = (char)ch;
		return 0;
	}
	c->buf[c->len++] = '\0';
	if (c->ncells == CSV_COLS_MAX) {
		c->too_wide = 1;
		return 0;
	}
	c->cell[c->ncells++] = c->len;
	return 0;
}

/*
 * Reads the next record (*first: the line it starts on). Returns 1, 0 at
 * the end of the file, -1 out of memory, -2 an unterminated quote, -3 a
 * read error.
 */
static int
csv_record(struct csv *c, unsigned long *first)
{
	int	 ch, quoted = 0, any = 0;

	c->len = c->ncells = 0;
	c->too_long = c->too_wide = 0;
	c->cell[c->ncells++] = 0;
	*first = c->line;
	for (;;) {
		ch = getc(c->f);
		if (ch == EOF) {
			if (ferror(c->f))
				return -3;
			if (quoted)
				return -2;
			if (!any)
				return 0;
			break;
		}
		any = 1;
		if (quoted) {
			if (ch == '"') {
				if ((ch = getc(c->f)) != '"') {
					quoted = 0;
					if (ch != EOF)
						ungetc(ch, c->f);
					continue;
				}
			} else if (ch == '\n')
				c->line++;
			if (csv_put(c, ch) != 0)
				return -1;
			continue;
		}
		if (ch == '"') {
			quoted = 1;
			continue;
		}
		if (ch == '\r') {
			if ((ch = getc(c->f)) != '\n' && ch != EOF)
				ungetc(ch, c->f);
			c->line++;
			break;
		}
		if (ch == '\n') {
			c->line++;
			break;
		}
		if (csv_put(c, ch == ',' ? -1 : ch) != 0)
			return -1;
	}
	/* The last cell's end; cells then start where the one before ended. */
	if (csv_put(c, -1) != 0)
		return -1;
	c->ncells--;
	return 1;
}

/* The cell i of the record. */
static const char *
csv_cell(const struct csv *c, size_t i)
{
	return c->buf + c->cell[i];
}

static int
csv_blank(const struct csv *c)
{
	size_t	 i;

	for (i = 0; i < c->ncells; i++)
		if (csv_cell(c, i)[0] != '\0')
			return 0;
	return 1;
}

/* The header's columns: 0, or -1 (reported; nothing can be read). */
static int
csv_header(struct imp *m, struct csv *c, struct header *h)
{
	unsigned long	 line;
	size_t		 i, j;
	int		 r;

	h->subject = h->list = h->if_version = -1;
	if ((r = csv_record(c, &line)) != 1 || c->too_long || c->too_wide) {
		imp_error(m, 1, QCREG_E_USAGE, "%s", r == 0 ? "no header row" :
		    r == -1 ? "out of memory" : r == -2 ? "a quote is not "
		    "closed" : r == -3 ? "read error" : "header too long");
		return -1;
	}
	/* A UTF-8 byte order mark before the first name. */
	if (c->len >= 3 && memcmp(c->buf, "\xef\xbb\xbf", 3) == 0)
		c->cell[0] = 3;
	for (i = 0; i < c->ncells; i++) {
		const char *name = csv_cell(c, i);

		if (*name == '\0' || !qc_utf8_valid(name, strlen(name))) {
			imp_error(m, line, QCREG_E_USAGE, "header: column %zu "
			    "has no name", i + 1);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(h->name[j], name) == 0) {
				imp_error(m, line, QCREG_E_USAGE, "header: "
				    "column %s twice", name);
				return -1;
			}
		if ((h->name[i] = strdup(name)) == NULL) {
			imp_error(m, line, QCREG_E_NOMEM, "out of memory");
			return -1;
		}
		h->n = i + 1;
		if (strcmp(name, "subject") == 0)
			h->subject = (int)i;
		else if (strcmp(name, "list") == 0)
			h->list = (int)i;
		else if (strcmp(name, "if_version") == 0)
			h->if_version = (int)i;
	}
	if (h->subject < 0) {
		imp_error(m, line, QCREG_E_USAGE, "header: no subject column");
		return -1;
	}
	return 0;
}

/* A record as a JSON line's object, checked. 0, or -1 out of memory. */
static int
csv_row(struct imp_check *ck, const struct csv *c, const struct header *h,
    unsigned long line)
{
	json_t		*root, *fields, *v;
	const char	*s;
	int64_t		 iv;
	size_t		 i;
	int		 rc;

	if (c->ncells != h->n) {
		imp_error(ck->m, line, QCREG_E_USAGE, "%zu cells; the header "
		    "has %zu", c->ncells, h->n);
		return 0;
	}
	if ((root = json_object()) == NULL || (fields = json_object()) == NULL ||
	    json_object_set_new(root, "fields", fields) != 0) {
		json_decref(root);
		return -1;
	}
	for (i = 0; i < c->ncells; i++) {
		s = csv_cell(c, i);
		if (*s == '\0')
			continue;	/* empty: left out */
		if (!qc_utf8_valid(s, strlen(s))) {
			imp_error(ck->m, line, QCREG_E_USAGE, "column %s: not "
			    "UTF-8", h->name[i]);
			json_decref(root);
			return 0;
		}
		if ((int)i == h->if_version) {
			if (cli_parse_int(s, 0, INT64_MAX, &iv) != 0) {
				imp_error(ck->m, line, QCREG_E_USAGE,
				    "if_version: not a version number: %s", s);
				json_decref(root);
				return 0;
			}
			v = json_integer(iv);
		} else
			v = json_string(s);
		if (v == NULL || json_object_set_new((int)i == h->subject ||
		    (int)i == h->list || (int)i == h->if_version ? root :
		    fields, h->name[i], v) != 0) {
			json_decref(root);
			return -1;
		}
	}
	rc = imp_check_row(ck, root, line);
	json_decref(root);
	return rc;
}

int
imp_check_csv(struct imp *m, FILE *f, const char *name)
{
	struct imp_check ck = { m, NULL, NULL, 0 };
	struct csv	 c;
	struct header	 h;
	unsigned long	 line;
	size_t		 i;
	int		 r, rc = 0;

	memset(&c, 0, sizeof(c));
	memset(&h, 0, sizeof(h));
	c.f = f;
	c.line = 1;
	m->start = m->last = imp_now();
	if (csv_header(m, &c, &h) == -1)
		rc = 0;	/* reported: m->failed says nothing is written */
	else
		while ((r = csv_record(&c, &line)) != 0) {
			if (r == -1 || r == -3) {
				imp_endline(m);
				cli_error(r == -1 ? QCREG_E_NOMEM : QCREG_E_IO,
				    "%s: %s", name, r == -1 ? "out of memory" :
				    "read error");
				rc = -1;
				break;
			}
			if (r == 1 && csv_blank(&c) && !c.too_long)
				continue;
			m->lines++;
			if (r == -2) {
				imp_error(m, line, QCREG_E_USAGE, "a quote is "
				    "not closed before the end of the file");
				break;
			}
			if (c.too_long || c.too_wide)
				imp_error(m, line, QCREG_E_USAGE, "%s",
				    c.too_long ? "record too long" :
				    "too many cells");
			else if (csv_row(&ck, &c, &h, line) == -1) {
				imp_endline(m);
				cli_error(QCREG_E_NOMEM, "line %lu: out of "
				    "memory", line);
				rc = -1;
				break;
			}
			imp_progress(m, 0);
		}
	for (i = 0; i < h.n; i++)
		free(h.name[i]);
	free(c.buf);
	imp_check_free(&ck);
	imp_endline(m);
	return rc;
}
