/*
 * qcreg import: the rows, the good lines kept until they are sent.
 *
 * A million lines must fit comfortably in memory, so a row is a small
 * fixed struct (struct imp_row) and its subject and fields are appended
 * to one arena: the canonical subject, NUL-terminated, then per field a
 * code, a tag and the value. The code is the field's place in the list's
 * schema, or FIELD_NAMED followed by the name for a field that is not in
 * the schema (its put will fail on the server, which names it) or past
 * its first FIELD_NAMED.
 */
#define _GNU_SOURCE	/* qsort_r */
#include <stdlib.h>
#include <string.h>

#include "cli_import.h"

#define ARENA_FIRST	(1024 * 1024)
#define ROWS_FIRST	4096

#define FIELD_NAMED	255
#define VAL_STR		's'	/* NUL-terminated */
#define VAL_INT		'i'	/* an int64_t, unaligned */

static int	 rows_grow(struct imp_rows *);
static int	 arena_room(struct imp_rows *, size_t);
static char	*arena_copy(char *, const void *, size_t);
static int	 field_code(int);
static size_t	 field_size(const struct qcreg_field *, int);
static char	*field_put(char *, const struct qcreg_field *, int);
static int	 rows_cmp(const void *, const void *, void *);

/* Makes room for one more row; -1 when out of memory. */
static int
rows_grow(struct imp_rows *rs)
{
	struct imp_row	*r;
	size_t		 cap;

	if (rs->n < rs->cap)
		return 0;
	cap = rs->cap != 0 ? rs->cap * 2 : ROWS_FIRST;
	if ((r = reallocarray(rs->r, cap, sizeof(*r))) == NULL)
		return -1;
	rs->r = r;
	rs->cap = cap;
	return 0;
}

/* Makes room for n more bytes in the arena; -1 when out of memory. */
static int
arena_room(struct imp_rows *rs, size_t n)
{
	char	*a;
	size_t	 cap = rs->acap != 0 ? rs->acap : ARENA_FIRST;

	while (n > cap - rs->alen) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if (cap == rs->acap)
		return 0;
	if ((a = realloc(rs->arena, cap)) == NULL)
		return -1;
	rs->arena = a;
	rs->acap = cap;
	return 0;
}

/* Copies n bytes to p; returns the end of the copy. */
static char *
arena_copy(char *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

/* The code of a field at place in its list's schema (-1: not there). */
static int
field_code(int place)
{
	return place >= 0 && place < FIELD_NAMED ? place : FIELD_NAMED;
}

/* Bytes field f takes in the arena. */
static size_t
field_size(const struct qcreg_field *f, int code)
{
	size_t	 n = 2;		/* code and tag */

	if (code == FIELD_NAMED)
		n += strlen(f->name) + 1;
	return n + (f->type == QCREG_V_INT ? sizeof(f->num) :
	    strlen(f->str) + 1);
}

/* Writes field f at p; returns the end of what it wrote. */
static char *
field_put(char *p, const struct qcreg_field *f, int code)
{
	*p++ = (char)code;
	if (code == FIELD_NAMED)
		p = arena_copy(p, f->name, strlen(f->name) + 1);
	if (f->type == QCREG_V_INT) {
		*p++ = VAL_INT;
		return arena_copy(p, &f->num, sizeof(f->num));
	}
	*p++ = VAL_STR;
	return arena_copy(p, f->str, strlen(f->str) + 1);
}

/*
 * Keeps a good line: the put of the n fields f to the canonical subject
 * on list; place[i] is the place of f[i] in the list's schema, or -1.
 * Returns 0, or -1 when out of memory (nothing kept).
 */
int
imp_rows_add(struct imp_rows *rs, uint32_t list, const char *subject,
    const struct qcreg_field *f, const int *place, size_t n,
    int64_t if_version, unsigned long line)
{
	struct imp_row	*r;
	char		*p;
	size_t		 len = strlen(subject), size = len + 1, i;

	for (i = 0; i < n; i++)
		size += field_size(&f[i], field_code(place[i]));
	if (rows_grow(rs) != 0 || arena_room(rs, size) != 0)
		return -1;

	r = &rs->r[rs->n++];
	memset(r->key, 0, sizeof(r->key));
	memcpy(r->key, subject, len < ROW_KEY ? len : ROW_KEY);
	r->off = rs->alen;
	r->if_version = if_version;
	r->line = line;
	r->nfields = (uint32_t)n;	/* n is bounded by IMPORT_LINE_MAX */
	r->list = list;
	if (r->nfields > rs->maxfields)
		rs->maxfields = r->nfields;

	p = arena_copy(rs->arena + rs->alen, subject, len + 1);
	for (i = 0; i < n; i++)
		p = field_put(p, &f[i], field_code(place[i]));
	rs->alen += size;
	return 0;
}

/*
 * Row order: list (by name), subject bytes, then line, so that two lines
 * for one entry keep their order.
 */
static int
rows_cmp(const void *a, const void *b, void *arg)
{
	const struct imp_rows	*rs = arg;
	const struct imp_row	*x = a, *y = b;
	int			 c;

	if (x->list != y->list)
		return x->list < y->list ? -1 : 1;
	/* The keys hold whole subjects unless their last byte is one. */
	c = memcmp(x->key, y->key, ROW_KEY);
	if (c == 0 && x->key[ROW_KEY - 1] != '\0')
		c = strcmp(rs->arena + x->off + ROW_KEY,
		    rs->arena + y->off + ROW_KEY);
	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

void
imp_rows_sort(struct imp_rows *rs)
{
	qsort_r(rs->r, rs->n, sizeof(*rs->r), rows_cmp, rs);
}

/*
 * Sets f[0 .. r->nfields) to the fields of r, pointing into the arena and
 * the schema. Returns the canonical subject of r.
 */
const char *
imp_rows_get(const struct imp_rows *rs, const struct imp_lists *ls,
    const struct imp_row *r, struct qcreg_field *f)
{
	const struct imp_list	*il = &ls->l[r->list];
	const char		*subject = rs->arena + r->off, *p;
	unsigned char		 code;
	uint32_t		 i;

	p = subject + strlen(subject) + 1;
	for (i = 0; i < r->nfields; i++, f++) {
		code = (unsigned char)*p++;
		if (code == FIELD_NAMED) {
			f->name = p;
			p += strlen(p) + 1;
		} else
			f->name = il->fields[code].name;
		if (*p++ == VAL_INT) {
			f->type = QCREG_V_INT;
			memcpy(&f->num, p, sizeof(f->num));
			p += sizeof(f->num);
		} else {
			f->type = QCREG_V_STR;
			f->str = p;
			p += strlen(p) + 1;
		}
	}
	return subject;
}

void
imp_rows_free(struct imp_rows *rs)
{
	free(rs->r);
	free(rs->arena);
	memset(rs, 0, sizeof(*rs));
}
