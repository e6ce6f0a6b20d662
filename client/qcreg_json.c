/*
 * JSON: a writer for msgpack objects and a small bounded reader.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "qcreg_json.h"
#include "utf8.h"

struct jparse {
	struct qcreg_jdoc	*d;
	const char		*s;
	size_t			 len;
	size_t			 pos;
};

static size_t	 seq_len(unsigned char);
static int	 jfail(struct jparse *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 skip_ws(struct jparse *);
static struct qcreg_jval *node_new(struct jparse *);
static int	 parse_value(struct jparse *, struct qcreg_jval *, int);
static int	 parse_string(struct jparse *, const char **, size_t *);
static int	 parse_hex4(struct jparse *, uint32_t *);
static int	 parse_int(struct jparse *, int64_t *);
static int	 parse_word(struct jparse *, const char *);
static int	 parse_members(struct jparse *, struct qcreg_jval *, int);
static char	*put_utf8(char *, uint32_t);

/* Length of the UTF-8 sequence a lead byte starts, 0 if it cannot lead. */
static size_t
seq_len(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 0;
}

int
qcreg_json_str(FILE *f, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n;

	putc('"', f);
	while (i < len) {
		if (p[i] == '"' || p[i] == '\\') {
			putc('\\', f);
			putc(p[i], f);
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			switch (p[i]) {
			case '\n':
				fputs("\\n", f);
				break;
			case '\r':
				fputs("\\r", f);
				break;
			case '\t':
				fputs("\\t", f);
				break;
			default:
				fprintf(f, "\\u%04x", p[i]);
			}
			i++;
		} else if (p[i] < 0x80) {
			putc(p[i], f);
			i++;
		} else if ((n = seq_len(p[i])) != 0 && n <= len - i &&
		    qc_utf8_valid(s + i, n)) {
			fwrite(s + i, 1, n, f);
			i += n;
		} else {
			fputs("\\ufffd", f);
			i++;
		}
	}
	putc('"', f);
	return ferror(f) ? -1 : 0;
}

int
qcreg_json_obj(FILE *f, const msgpack_object *o)
{
	const msgpack_object_kv	*kv;
	uint32_t		 i;
	char			 buf[64];

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		fputs("null", f);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		fputs(o->via.boolean ? "true" : "false", f);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		fprintf(f, "%" PRIu64, o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		fprintf(f, "%" PRId64, o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		if (isfinite(o->via.f64))
			fprintf(f, "%.17g", o->via.f64);
		else
			fputs("null", f);
		break;
	case MSGPACK_OBJECT_STR:
		qcreg_json_str(f, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_ARRAY:
		putc('[', f);
		for (i = 0; i < o->via.array.size; i++) {
			if (i > 0)
				putc(',', f);
			qcreg_json_obj(f, &o->via.array.ptr[i]);
		}
		putc(']', f);
		break;
	case MSGPACK_OBJECT_MAP:
		putc('{', f);
		for (i = 0; i < o->via.map.size; i++) {
			kv = &o->via.map.ptr[i];
			if (i > 0)
				putc(',', f);
			if (kv->key.type == MSGPACK_OBJECT_STR)
				qcreg_json_str(f, kv->key.via.str.ptr,
				    kv->key.via.str.size);
			else if (kv->key.type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
				snprintf(buf, sizeof(buf), "%" PRIu64,
				    kv->key.via.u64);
				qcreg_json_str(f, buf, strlen(buf));
			} else if (kv->key.type ==
			    MSGPACK_OBJECT_NEGATIVE_INTEGER) {
				snprintf(buf, sizeof(buf), "%" PRId64,
				    kv->key.via.i64);
				qcreg_json_str(f, buf, strlen(buf));
			} else
				fputs("\"?\"", f);
			putc(':', f);
			qcreg_json_obj(f, &kv->val);
		}
		putc('}', f);
		break;
	default:
		fputs("null", f);
		break;
	}
	return ferror(f) ? -1 : 0;
}

void
qcreg_json_init(struct qcreg_jdoc *d)
{
	memset(d, 0, sizeof(*d));
}

void
qcreg_json_free(struct qcreg_jdoc *d)
{
	free(d->nodes);
	free(d->strs);
	qcreg_json_init(d);
}

static int
jfail(struct jparse *p, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(p->d->err, sizeof(p->d->err), "byte %zu: ", p->pos + 1);
	if (n < 0 || (size_t)n >= sizeof(p->d->err))
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->d->err + n, sizeof(p->d->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void
skip_ws(struct jparse *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' ||
	    p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
	    p->s[p->pos] == '\r'))
		p->pos++;
}

static struct qcreg_jval *
node_new(struct jparse *p)
{
	struct qcreg_jval	*v;

	if (p->d->nnodes >= p->d->cap) {
		jfail(p, "too many values");
		return NULL;
	}
	v = &p->d->nodes[p->d->nnodes++];
	memset(v, 0, sizeof(*v));
	return v;
}

static char *
put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80)
		*o++ = (char)cp;
	else if (cp < 0x800) {
		*o++ = (char)(0xc0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Reads the 4 hex digits after "\u". */
static int
parse_hex4(struct jparse *p, uint32_t *v)
{
	int	 i, c;

	if (p->len - p->pos < 4)
		return jfail(p, "short \\u escape");
	*v = 0;
	for (i = 0; i < 4; i++) {
		c = (unsigned char)p->s[p->pos++];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else {
			p->pos--;
			return jfail(p, "bad hex digit in \\u escape");
		}
		*v = *v << 4 | (uint32_t)c;
	}
	return 0;
}

/*
 * Decodes the string at p->pos (on the opening quote) into the string
 * arena. The decoded text is never longer than its source, so the arena
 * sized from the input cannot overflow.
 */
static int
parse_string(struct jparse *p, const char **out, size_t *outlen)
{
	struct qcreg_jdoc	*d = p->d;
	char			*start = d->strs + d->slen, *o = start;
	uint32_t		 cp, lo;
	unsigned char		 ch;
	size_t			 at;

	p->pos++;	/* the quote */
	for (;;) {
		if (p->pos >= p->len)
			return jfail(p, "unterminated string");
		ch = (unsigned char)p->s[p->pos];
		if (ch == '"') {
			p->pos++;
			break;
		}
		if (ch < 0x20)
			return jfail(p, "control character in string");
		if (ch != '\\') {
			*o++ = (char)ch;
			p->pos++;
			continue;
		}
		at = p->pos;
		if (++p->pos >= p->len)
			return jfail(p, "unterminated string");
		switch (p->s[p->pos++]) {
		case '"':
			*o++ = '"';
			break;
		case '\\':
			*o++ = '\\';
			break;
		case '/':
			*o++ = '/';
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			if (parse_hex4(p, &cp) != 0)
				return -1;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				p->pos = at;
				return jfail(p, "lone low surrogate");
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->len - p->pos < 6 ||
				    p->s[p->pos] != '\\' ||
				    p->s[p->pos + 1] != 'u') {
					p->pos = at;
					return jfail(p, "lone high surrogate");
				}
				p->pos += 2;
				if (parse_hex4(p, &lo) != 0)
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff) {
					p->pos = at;
					return jfail(p, "lone high surrogate");
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			if (cp == 0) {
				p->pos = at;
				return jfail(p, "NUL in string");
			}
			o = put_utf8(o, cp);
			break;
		default:
			p->pos = at;
			return jfail(p, "bad escape");
		}
	}
	if (!qc_utf8_valid(start, (size_t)(o - start)))
		return jfail(p, "string is not valid UTF-8");
	*o++ = '\0';
	*out = start;
	*outlen = (size_t)(o - start) - 1;
	d->slen += (size_t)(o - start);
	return 0;
}

static int
parse_int(struct jparse *p, int64_t *v)
{
	uint64_t	 u = 0, lim;
	int		 neg = 0, d;
	size_t		 start;

	if (p->s[p->pos] == '-') {
		neg = 1;
		p->pos++;
	}
	start = p->pos;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		d = p->s[p->pos] - '0';
		if (u > (lim - (uint64_t)d) / 10)
			return jfail(p, "integer out of range");
		u = u * 10 + (uint64_t)d;
		p->pos++;
	}
	if (p->pos == start)
		return jfail(p, "expected a digit");
	if (p->pos - start > 1 && p->s[start] == '0')
		return jfail(p, "leading zero");
	if (p->pos < p->len && (p->s[p->pos] == '.' || p->s[p->pos] == 'e' ||
	    p->s[p->pos] == 'E'))
		return jfail(p, "only integers are supported");
	if (neg)
		*v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	else
		*v = (int64_t)u;
	return 0;
}

static int
parse_word(struct jparse *p, const char *w)
{
	size_t	 n = strlen(w);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0)
		return jfail(p, "unexpected character");
	p->pos += n;
	return 0;
}

/* Members of an object or array; p->pos is on the opening bracket. */
static int
parse_members(struct jparse *p, struct qcreg_jval *v, int depth)
{
	struct qcreg_jval	*m, *last = NULL, *o;
	char			 close = v->type == QCREG_J_OBJ ? '}' : ']';
	const char		*key = NULL;
	size_t			 keylen = 0;

	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		if (v->type == QCREG_J_OBJ) {
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return jfail(p, "expected a member name");
			if (parse_string(p, &key, &keylen) != 0)
				return -1;
			for (o = v->child; o != NULL; o = o->next)
				if (o->keylen == keylen &&
				    memcmp(o->key, key, keylen) == 0)
					return jfail(p, "duplicate key");
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return jfail(p, "expected ':'");
			p->pos++;
		}
		if ((m = node_new(p)) == NULL)
			return -1;
		m->key = key;
		m->keylen = keylen;
		if (last == NULL)
			v->child = m;
		else
			last->next = m;
		last = m;
		v->len++;
		if (parse_value(p, m, depth + 1) != 0)
			return -1;
		skip_ws(p);
		if (p->pos >= p->len)
			return jfail(p, "expected ',' or '%c'", close);
		if (p->s[p->pos] == close) {
			p->pos++;
			return 0;
		}
		if (p->s[p->pos] != ',')
			return jfail(p, "expected ',' or '%c'", close);
		p->pos++;
	}
}

static int
parse_value(struct jparse *p, struct qcreg_jval *v, int depth)
{
	char	 ch;

	if (depth > QCREG_JSON_DEPTH)
		return jfail(p, "nested too deeply");
	skip_ws(p);
	if (p->pos >= p->len)
		return jfail(p, "expected a value");
	ch = p->s[p->pos];
	switch (ch) {
	case '{':
		v->type = QCREG_J_OBJ;
		return parse_members(p, v, depth);
	case '[':
		v->type = QCREG_J_ARR;
		return parse_members(p, v, depth);
	case '"':
		v->type = QCREG_J_STR;
		return parse_string(p, &v->str, &v->len);
	case 't':
		v->type = QCREG_J_TRUE;
		return parse_word(p, "true");
	case 'f':
		v->type = QCREG_J_FALSE;
		return parse_word(p, "false");
	case 'n':
		v->type = QCREG_J_NULL;
		return parse_word(p, "null");
	default:
		if (ch == '-' || (ch >= '0' && ch <= '9')) {
			v->type = QCREG_J_INT;
			return parse_int(p, &v->num);
		}
		return jfail(p, "unexpected character");
	}
}

const struct qcreg_jval *
qcreg_json_parse(struct qcreg_jdoc *d, const char *s, size_t len)
{
	struct jparse		 p;
	struct qcreg_jval	*root, *nn;
	size_t			 need;
	char			*ns;

	d->err[0] = '\0';
	d->nnodes = 0;
	d->slen = 0;
	p.d = d;
	p.s = s;
	p.len = len;
	p.pos = 0;
	if (len > QCREG_JSON_MAX) {
		jfail(&p, "input longer than %d bytes", QCREG_JSON_MAX);
		return NULL;
	}
	/* n values need n - 1 separators: at most len / 2 + 1 of them. */
	need = len / 2 + 2;
	if (need > d->cap) {
		if ((nn = reallocarray(d->nodes, need, sizeof(*nn))) == NULL) {
			jfail(&p, "out of memory");
			return NULL;
		}
		d->nodes = nn;
		d->cap = need;
	}
	if (len + 1 > d->scap) {
		if ((ns = realloc(d->strs, len + 1)) == NULL) {
			jfail(&p, "out of memory");
			return NULL;
		}
		d->strs = ns;
		d->scap = len + 1;
	}
	if ((root = node_new(&p)) == NULL || parse_value(&p, root, 1) != 0)
		return NULL;
	skip_ws(&p);
	if (p.pos != len) {
		jfail(&p, "trailing characters");
		return NULL;
	}
	return root;
}

const struct qcreg_jval *
qcreg_json_get(const struct qcreg_jval *o, const char *key)
{
	const struct qcreg_jval	*m;
	size_t			 n = strlen(key);

	if (o == NULL || o->type != QCREG_J_OBJ)
		return NULL;
	for (m = o->child; m != NULL; m = m->next)
		if (m->keylen == n && memcmp(m->key, key, n) == 0)
			return m;
	return NULL;
}
