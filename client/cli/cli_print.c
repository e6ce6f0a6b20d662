/*
 * qcreg command line: human output (aligned tables, entries, times) and
 * the JSON document of --json.
 *
 * Text from the server is printed as UTF-8 with control characters
 * replaced by '?', so a hostile value cannot drive the terminal; column
 * widths count CJK characters as two columns (qc_utf8_width).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_json.h"
#include "cli_time.h"
#include "msg.h"
#include "utf8.h"

#define ELLIPSIS	"\xe2\x80\xa6"	/* U+2026, one column */

static size_t	 lead_len(const char *, size_t);
static void	 sanitize(char *, size_t);

/* Bytes of the UTF-8 sequence at s (1 for a byte that cannot lead one). */
static size_t
lead_len(const char *s, size_t left)
{
	unsigned char	 b = (unsigned char)s[0];
	size_t		 n = 1;

	if (b >= 0xc2 && b <= 0xdf)
		n = 2;
	else if (b >= 0xe0 && b <= 0xef)
		n = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		n = 4;
	if (n > left || !qc_utf8_valid(s, n))
		return 1;
	return n;
}

static void
sanitize(char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
}

size_t
pr_width(const char *s, size_t len)
{
	return qc_utf8_width(s, len);
}

void
pr_text(FILE *f, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			putc('?', f);
		else
			putc(s[i], f);
	}
}

void
pr_pad(FILE *f, size_t have, size_t want)
{
	for (; have < want; have++)
		putc(' ', f);
}

/* A scalar as text: strings raw, numbers, nil or absent as "-". */
void
pr_scalar(FILE *f, const msgpack_object *o)
{
	if (o == NULL || o->type == MSGPACK_OBJECT_NIL)
		fputs("-", f);
	else if (o->type == MSGPACK_OBJECT_STR)
		pr_text(f, o->via.str.ptr, o->via.str.size);
	else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		fprintf(f, "%" PRIu64, o->via.u64);
	else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		fprintf(f, "%" PRId64, o->via.i64);
	else if (o->type == MSGPACK_OBJECT_BOOLEAN)
		fputs(o->via.boolean ? "true" : "false", f);
	else
		(void)cli_json_write(f, cli_json_from_msgpack(o));
}

/* The --json document: one value and a newline. */
int
pr_json(struct cli *cli, const msgpack_object *o)
{
	json_t	*v;

	if ((v = cli_json_from_msgpack(o)) == NULL)
		return cli_error(QCREG_E_NOMEM, "out of memory");
	if (cli_json_write(cli->out, v) != 0 || putc('\n', cli->out) == EOF)
		return cli_error(QCREG_E_IO, "write error on stdout");
	return CLI_OK;
}

/* A str object as a NUL-terminated string in buf, or NULL. */
char *
pr_objstr(const msgpack_object *o, char *buf, size_t size)
{
	if (qc_obj_strcpy(o, buf, size) != 0)
		return NULL;
	return buf;
}

/*
 * The short fields of an entry as "k=v k=v" in buf: enums, ints and dates
 * (text fields are long; get shows them).
 */
void
pr_fields(struct cli *cli, const char *list, const msgpack_object *fields,
    char *buf, size_t size)
{
	const msgpack_object_kv	*kv;
	char			 name[128];
	enum qcreg_ftype	 t;
	size_t			 used = 0;
	uint32_t		 i;
	int			 n;

	buf[0] = '\0';
	if (fields == NULL || fields->type != MSGPACK_OBJECT_MAP)
		return;
	for (i = 0; i < fields->via.map.size; i++) {
		kv = &fields->via.map.ptr[i];
		if (pr_objstr(&kv->key, name, sizeof(name)) == NULL)
			continue;
		t = qcreg_field_type(cli->c, list, name);
		if (t == QCREG_FT_TEXT)
			continue;
		if (kv->val.type == MSGPACK_OBJECT_STR)
			n = snprintf(buf + used, size - used, "%s%s=%.*s",
			    used > 0 ? " " : "", name,
			    (int)kv->val.via.str.size, kv->val.via.str.ptr);
		else if (kv->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			n = snprintf(buf + used, size - used, "%s%s=%" PRIu64,
			    used > 0 ? " " : "", name, kv->val.via.u64);
		else if (kv->val.type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
			n = snprintf(buf + used, size - used, "%s%s=%" PRId64,
			    used > 0 ? " " : "", name, kv->val.via.i64);
		else
			continue;
		if (n < 0 || (size_t)n >= size - used) {
			buf[used] = '\0';	/* drop the field that does not fit */
			break;
		}
		used += (size_t)n;
	}
	sanitize(buf, used);
}

/*
 * " (label)" after an enum value of list's field that has a label in the
 * hello schema; nothing otherwise.
 */
void
pr_label(struct cli *cli, const char *list, const char *field,
    const char *value, size_t vlen)
{
	const char	*label;
	size_t		 len;

	label = qcreg_hello_field_label(cli->hello, list, field, value, vlen,
	    &len);
	if (label == NULL)
		return;
	fputs(" (", cli->out);
	pr_text(cli->out, label, len);
	putc(')', cli->out);
}

/* The width of the widest name of a fields map, at least minw. */
size_t
pr_keys_width(const msgpack_object *fields, size_t minw)
{
	const msgpack_object	*k;
	size_t			 w = minw;
	uint32_t		 i;

	if (fields == NULL || fields->type != MSGPACK_OBJECT_MAP)
		return w;
	for (i = 0; i < fields->via.map.size; i++) {
		k = &fields->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR &&
		    pr_width(k->via.str.ptr, k->via.str.size) > w)
			w = pr_width(k->via.str.ptr, k->via.str.size);
	}
	return w;
}

/* indent spaces, key, and the padding that takes it to w + 2 columns. */
void
pr_key(FILE *f, int indent, const char *key, size_t w)
{
	pr_pad(f, 0, (size_t)indent);
	fputs(key, f);
	pr_pad(f, pr_width(key, strlen(key)), w + 2);
}

/*
 * One field (kv) of list (NULL: unknown) as a line "name  value (label)"
 * at indent, the value at column w + 2 after the indent.
 */
void
pr_field_line(struct cli *cli, const char *list, const msgpack_object_kv *kv,
    int indent, size_t w)
{
	FILE	*f = cli->out;
	char	 name[128];

	pr_pad(f, 0, (size_t)indent);
	pr_scalar(f, &kv->key);
	pr_pad(f, kv->key.type == MSGPACK_OBJECT_STR ?
	    pr_width(kv->key.via.str.ptr, kv->key.via.str.size) : 1, w + 2);
	pr_scalar(f, &kv->val);
	if (list != NULL && kv->val.type == MSGPACK_OBJECT_STR &&
	    pr_objstr(&kv->key, name, sizeof(name)) != NULL)
		pr_label(cli, list, name, kv->val.via.str.ptr,
		    kv->val.via.str.size);
	putc('\n', f);
}

/* The fields of list (NULL: unknown) as pr_field_line lines. */
void
pr_field_lines(struct cli *cli, const char *list,
    const msgpack_object *fields, int indent, size_t w)
{
	uint32_t	 i;

	if (fields == NULL || fields->type != MSGPACK_OBJECT_MAP)
		return;
	for (i = 0; i < fields->via.map.size; i++)
		pr_field_line(cli, list, &fields->via.map.ptr[i], indent, w);
}

/*
 * An entry (or a version) as a block:
 *   credit  v2  active
 *     name         ...
 *     disputed     case 57 (异议处理中)
 *     written      2026-03-01 08:00:00 +08:00 by quality-bureau, seq 42
 * ("..., case 57" when closing case 57 wrote the version).
 */
void
pr_entry(struct cli *cli, const msgpack_object *e, int indent)
{
	const msgpack_object	*fields, *reason, *by, *status, *state;
	FILE			*f = cli->out;
	char			 when[CLI_TIME_LEN], list[128];
	size_t			 w;
	int			 has_list;
	uint64_t		 u, disputed = 0;

	fields = qc_map_get(e, "fields");
	reason = qc_map_get(e, "reason");
	by = qc_map_get(e, "by");
	status = qc_map_get(e, "status");
	state = qc_map_get(e, "state");
	/* Enum values are shown with their labels from the list's schema. */
	has_list = pr_objstr(qc_map_get(e, "list"), list, sizeof(list)) != NULL;
	(void)qc_obj_uint(qc_map_get(e, "disputed"), &disputed);

	pr_pad(f, 0, (size_t)indent);
	pr_scalar(f, qc_map_get(e, "list"));
	fputs("  v", f);
	pr_scalar(f, qc_map_get(e, "version"));
	fputs("  ", f);
	pr_scalar(f, state);
	/* The status only adds news when the state does not tell it. */
	if (status != NULL && !qc_obj_streq(status, "listed") &&
	    !qc_obj_streq(state, "removed")) {
		fputs(" (", f);
		pr_scalar(f, status);
		fputs(")", f);
	}
	putc('\n', f);

	w = pr_keys_width(fields, strlen(disputed > 0 ? "disputed" :
	    "written"));
	pr_field_lines(cli, has_list ? list : NULL, fields, indent + 2, w);
	if (reason != NULL) {
		pr_key(f, indent + 2, "reason", w);
		pr_scalar(f, reason);
		putc('\n', f);
	}
	if (disputed > 0) {
		pr_key(f, indent + 2, "disputed", w);
		pr_disputed(f, disputed);
		putc('\n', f);
	}
	pr_key(f, indent + 2, "written", w);
	if (qc_obj_uint(qc_map_get(e, "at"), &u) == 0) {
		cli_time_format(when, sizeof(when), u, cli->tz);
		fputs(when, f);
	} else
		fputs("-", f);
	if (by != NULL) {
		fputs(" by ", f);
		pr_scalar(f, by);
	}
	if (qc_obj_uint(qc_map_get(e, "seq"), &u) == 0)
		fprintf(f, ", seq %" PRIu64, u);
	/* A version written by closing a case names it. */
	if (qc_obj_uint(qc_map_get(e, "case"), &u) == 0)
		fprintf(f, ", case %" PRIu64, u);
	putc('\n', f);
}

void
tbl_init(struct table *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

/* Adds the next cell (a sanitized copy of len bytes at s). */
void
tbl_add(struct table *t, const char *s, size_t len)
{
	char	**cells, *c;
	size_t	 cap;

	if (t->failed)
		return;
	if (t->ncells == t->cap) {
		cap = t->cap == 0 ? 64 : t->cap * 2;
		if ((cells = reallocarray(t->cells, cap,
		    sizeof(*cells))) == NULL) {
			t->failed = 1;
			return;
		}
		t->cells = cells;
		t->cap = cap;
	}
	if ((c = malloc(len + 1)) == NULL) {
		t->failed = 1;
		return;
	}
	memcpy(c, s, len);
	c[len] = '\0';
	sanitize(c, len);
	t->cells[t->ncells++] = c;
}

void
tbl_addf(struct table *t, const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[512];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	tbl_add(t, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* A scalar object as a cell; absent or nil as "-". */
void
tbl_obj(struct table *t, const msgpack_object *o)
{
	if (o == NULL || o->type == MSGPACK_OBJECT_NIL)
		tbl_add(t, "-", 1);
	else if (o->type == MSGPACK_OBJECT_STR)
		tbl_add(t, o->via.str.ptr, o->via.str.size);
	else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		tbl_addf(t, "%" PRIu64, o->via.u64);
	else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		tbl_addf(t, "%" PRId64, o->via.i64);
	else if (o->type == MSGPACK_OBJECT_BOOLEAN)
		tbl_addf(t, "%s", o->via.boolean ? "true" : "false");
	else
		tbl_add(t, "?", 1);
}

/* A cell cut to at most maxw columns, ending in an ellipsis if cut. */
void
tbl_trunc(struct table *t, const char *s, size_t len, size_t maxw)
{
	char	 buf[1024];
	size_t	 i = 0, w = 0, n, cw;

	if (pr_width(s, len) <= maxw || maxw < 2) {
		tbl_add(t, s, len);
		return;
	}
	while (i < len) {
		n = lead_len(s + i, len - i);
		cw = pr_width(s + i, n);
		if (w + cw > maxw - 1 || i + n + sizeof(ELLIPSIS) > sizeof(buf))
			break;
		w += cw;
		i += n;
	}
	memcpy(buf, s, i);
	memcpy(buf + i, ELLIPSIS, sizeof(ELLIPSIS) - 1);
	tbl_add(t, buf, i + sizeof(ELLIPSIS) - 1);
}

size_t
tbl_rows(const struct table *t)
{
	return t->ncols == 0 ? 0 : t->ncells / t->ncols;
}

/* Prints the rows with columns two spaces apart; the last is not padded. */
int
tbl_print(struct table *t, FILE *f)
{
	size_t	*w, i, col, cw, last = 0;

	if (t->failed)
		return cli_error(QCREG_E_NOMEM, "out of memory");
	if ((w = calloc(t->ncols, sizeof(*w))) == NULL)
		return cli_error(QCREG_E_NOMEM, "out of memory");
	for (i = 0; i < t->ncells; i++) {
		cw = pr_width(t->cells[i], strlen(t->cells[i]));
		if (cw > w[i % t->ncols])
			w[i % t->ncols] = cw;
	}
	for (i = 0; i < t->ncells; i++) {
		col = i % t->ncols;
		if (col == 0) {
			/* Trailing empty cells would only print blanks. */
			for (last = t->ncols - 1; last > 0 && i + last <
			    t->ncells && t->cells[i + last][0] == '\0'; last--)
				;
		}
		if (col > last) {
			if (col + 1 == t->ncols)
				putc('\n', f);
			continue;
		}
		cw = pr_width(t->cells[i], strlen(t->cells[i]));
		if (t->right & (1u << col))
			pr_pad(f, cw, w[col]);
		fputs(t->cells[i], f);
		if (col == last) {
			if (col + 1 == t->ncols)
				putc('\n', f);
			continue;
		}
		if (!(t->right & (1u << col)))
			pr_pad(f, cw, w[col]);
		fputs("  ", f);
	}
	free(w);
	return CLI_OK;
}

void
tbl_free(struct table *t)
{
	size_t	 i;

	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	tbl_init(t, t->ncols);
}
