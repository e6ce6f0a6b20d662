/*
 * qcreg-bench: the qcreg codec. Requests are msgpack written by hand
 * straight into the output buffer, and answers are checked by walking
 * the msgpack bytes in place: no allocation per request on either side,
 * so the client spends its CPU on TLS, not on bookkeeping.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define QC_ANSWER_MAX	(64 * 1024 * 1024)
#define MP_DEPTH_MAX	16

/* A read cursor over msgpack bytes. */
struct mpr {
	const uint8_t	*p;
	const uint8_t	*end;
};

static int	 mpw_head(struct buf *, uint8_t, uint8_t, uint8_t, uint8_t,
		    uint32_t, uint32_t);
static int	 mpw_str(struct buf *, const char *, size_t);
static int	 mpw_cstr(struct buf *, const char *);
static int	 mpw_uint(struct buf *, uint64_t);
static int	 mpw_int(struct buf *, int64_t);
static uint64_t	 be(const uint8_t *, int);
static int	 mpr_need(struct mpr *, size_t);
static int	 mpr_len(struct mpr *, uint8_t, uint8_t, uint32_t, uint8_t,
		    uint32_t *);
static int	 mpr_map(struct mpr *, uint32_t *);
static int	 mpr_array(struct mpr *, uint32_t *);
static int	 mpr_str(struct mpr *, const char **, uint32_t *);
static int	 mpr_uint(struct mpr *, uint64_t *);
static int	 mpr_skip(struct mpr *, int);
static int	 mpr_key_is(const char *, uint32_t, const char *);
static enum reply_verdict check_result(struct mpr *, const struct slot *,
		    const char **);
static enum reply_verdict result_has(struct mpr *, const char *, int,
		    const char **);

static _Thread_local char qc_why[160];

/*
 * Writes a msgpack header: fix form (fix | n) while n < fixmax, else the
 * 16- or 32-bit form (tag16 / tag32). fixmax 0 means no fix form.
 */
static int
mpw_head(struct buf *b, uint8_t fix, uint8_t tag8, uint8_t tag16,
    uint8_t tag32, uint32_t fixmax, uint32_t n)
{
	uint8_t	*p;

	if (buf_reserve(b, 5) == -1)
		return -1;
	p = b->b_p + b->b_len;
	if (n < fixmax) {
		p[0] = fix | (uint8_t)n;
		b->b_len += 1;
	} else if (tag8 != 0 && n <= 0xff) {
		p[0] = tag8;
		p[1] = (uint8_t)n;
		b->b_len += 2;
	} else if (n <= 0xffff) {
		p[0] = tag16;
		p[1] = (uint8_t)(n >> 8);
		p[2] = (uint8_t)n;
		b->b_len += 3;
	} else {
		p[0] = tag32;
		p[1] = (uint8_t)(n >> 24);
		p[2] = (uint8_t)(n >> 16);
		p[3] = (uint8_t)(n >> 8);
		p[4] = (uint8_t)n;
		b->b_len += 5;
	}
	return 0;
}

#define mpw_map(b, n)	mpw_head((b), 0x80, 0, 0xde, 0xdf, 16, (n))
#define mpw_array(b, n)	mpw_head((b), 0x90, 0, 0xdc, 0xdd, 16, (n))

static int
mpw_str(struct buf *b, const char *s, size_t len)
{
	if (len > UINT32_MAX ||
	    mpw_head(b, 0xa0, 0xd9, 0xda, 0xdb, 32, (uint32_t)len) == -1)
		return -1;
	return buf_add(b, s, len);
}

static int
mpw_cstr(struct buf *b, const char *s)
{
	return mpw_str(b, s, strlen(s));
}

static int
mpw_uint(struct buf *b, uint64_t v)
{
	uint8_t	 t[9];
	int	 i, n;

	if (v < 128) {
		t[0] = (uint8_t)v;
		return buf_add(b, t, 1);
	}
	if (v <= 0xff) {
		t[0] = 0xcc;
		n = 1;
	} else if (v <= 0xffff) {
		t[0] = 0xcd;
		n = 2;
	} else if (v <= 0xffffffffULL) {
		t[0] = 0xce;
		n = 4;
	} else {
		t[0] = 0xcf;
		n = 8;
	}
	for (i = 0; i < n; i++)
		t[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return buf_add(b, t, (size_t)n + 1);
}

static int
mpw_int(struct buf *b, int64_t v)
{
	uint8_t	 t[9];
	int	 i;

	if (v >= 0)
		return mpw_uint(b, (uint64_t)v);
	t[0] = 0xd3;
	for (i = 0; i < 8; i++)
		t[1 + i] = (uint8_t)((uint64_t)v >> (8 * (7 - i)));
	return buf_add(b, t, 9);
}

int
qc_encode(struct buf *b, const struct bench_req *r)
{
	const struct bench_entry	*e = r->entry;
	size_t				 start, len;
	uint8_t				*h;
	int				 i, rc = 0;

	if (buf_reserve(b, 4) == -1)
		return -1;
	start = b->b_len;
	b->b_len += 4;
	switch (r->op) {
	case OP_CHECK1:
	case OP_CHECKB:
		rc |= mpw_map(b, 3);
		rc |= mpw_cstr(b, "id");
		rc |= mpw_uint(b, r->id);
		rc |= mpw_cstr(b, "op");
		rc |= mpw_cstr(b, "check");
		rc |= mpw_cstr(b, "subjects");
		rc |= mpw_array(b, (uint32_t)r->n);
		for (i = 0; i < r->n && rc == 0; i++)
			rc |= mpw_str(b, r->subj[i], r->subj_len[i]);
		break;
	case OP_GET:
		rc |= mpw_map(b, 3);
		rc |= mpw_cstr(b, "id");
		rc |= mpw_uint(b, r->id);
		rc |= mpw_cstr(b, "op");
		rc |= mpw_cstr(b, "get");
		rc |= mpw_cstr(b, "subject");
		rc |= mpw_str(b, r->subj[0], r->subj_len[0]);
		break;
	case OP_PUT:
	case OP_LOAD:
		rc |= mpw_map(b, 5);
		rc |= mpw_cstr(b, "id");
		rc |= mpw_uint(b, r->id);
		rc |= mpw_cstr(b, "op");
		rc |= mpw_cstr(b, "put");
		rc |= mpw_cstr(b, "list");
		rc |= mpw_cstr(b, bench_list_names[e->list]);
		rc |= mpw_cstr(b, "subject");
		rc |= mpw_str(b, e->subject, e->subject_len);
		rc |= mpw_cstr(b, "fields");
		rc |= mpw_map(b, (uint32_t)e->nfields);
		for (i = 0; i < e->nfields && rc == 0; i++) {
			rc |= mpw_cstr(b, e->fields[i].f_name);
			if (e->fields[i].f_str != NULL)
				rc |= mpw_cstr(b, e->fields[i].f_str);
			else
				rc |= mpw_int(b, e->fields[i].f_num);
		}
		break;
	default:
		rc |= mpw_map(b, 2);
		rc |= mpw_cstr(b, "id");
		rc |= mpw_uint(b, r->id);
		rc |= mpw_cstr(b, "op");
		rc |= mpw_cstr(b, "hello");
		break;
	}
	if (rc != 0)
		return -1;
	len = b->b_len - start - 4;
	h = b->b_p + start;
	h[0] = (uint8_t)(len >> 24);
	h[1] = (uint8_t)(len >> 16);
	h[2] = (uint8_t)(len >> 8);
	h[3] = (uint8_t)len;
	return 0;
}

static uint64_t
be(const uint8_t *p, int n)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int
mpr_need(struct mpr *r, size_t n)
{
	return (size_t)(r->end - r->p) >= n ? 0 : -1;
}

/* Reads a header of the family (fix mask, tags): the count/length. */
static int
mpr_len(struct mpr *r, uint8_t fixmask, uint8_t fixtag, uint32_t tags,
    uint8_t tag8, uint32_t *n)
{
	uint8_t	 t;
	int	 w;

	if (mpr_need(r, 1) == -1)
		return -1;
	t = *r->p;
	if (fixmask != 0 && (t & fixmask) == fixtag) {
		*n = t & (uint8_t)~fixmask;
		r->p++;
		return 0;
	}
	/* tags holds the 16-bit tag in its low byte, 32-bit in the next. */
	if (tag8 != 0 && t == tag8)
		w = 1;
	else if (t == (tags & 0xff))
		w = 2;
	else if (t == ((tags >> 8) & 0xff))
		w = 4;
	else
		return -1;
	if (mpr_need(r, 1 + (size_t)w) == -1)
		return -1;
	*n = (uint32_t)be(r->p + 1, w);
	r->p += 1 + w;
	return 0;
}

static int
mpr_map(struct mpr *r, uint32_t *n)
{
	return mpr_len(r, 0xf0, 0x80, 0xdfde, 0, n);
}

static int
mpr_array(struct mpr *r, uint32_t *n)
{
	return mpr_len(r, 0xf0, 0x90, 0xdddc, 0, n);
}

static int
mpr_str(struct mpr *r, const char **s, uint32_t *len)
{
	if (mpr_len(r, 0xe0, 0xa0, 0xdbda, 0xd9, len) == -1 ||
	    mpr_need(r, *len) == -1)
		return -1;
	*s = (const char *)r->p;
	r->p += *len;
	return 0;
}

static int
mpr_uint(struct mpr *r, uint64_t *v)
{
	uint8_t	 t;
	int	 w;

	if (mpr_need(r, 1) == -1)
		return -1;
	t = *r->p;
	if (t < 0x80) {
		*v = t;
		r->p++;
		return 0;
	}
	if (t < 0xcc || t > 0xcf)
		return -1;
	w = 1 << (t - 0xcc);
	if (mpr_need(r, 1 + (size_t)w) == -1)
		return -1;
	*v = be(r->p + 1, w);
	r->p += 1 + w;
	return 0;
}

/* Skips one value of any type. */
static int
mpr_skip(struct mpr *r, int depth)
{
	static const uint8_t fixed[] = {
		/* 0xc0 .. 0xdf: bytes after the tag, 0xff = special */
		0, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		4, 8, 1, 2, 4, 8, 1, 2, 4, 8,
		2, 3, 5, 9, 17, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};
	uint32_t	 n, i;
	uint8_t		 t;
	size_t		 w;

	if (depth > MP_DEPTH_MAX || mpr_need(r, 1) == -1)
		return -1;
	t = *r->p;
	if (t < 0x80 || t >= 0xe0) {
		r->p++;
		return 0;
	}
	if ((t & 0xf0) == 0x80 || t == 0xde || t == 0xdf) {
		if (mpr_map(r, &n) == -1)
			return -1;
		for (i = 0; i < n; i++)
			if (mpr_skip(r, depth + 1) == -1 ||
			    mpr_skip(r, depth + 1) == -1)
				return -1;
		return 0;
	}
	if ((t & 0xf0) == 0x90 || t == 0xdc || t == 0xdd) {
		if (mpr_array(r, &n) == -1)
			return -1;
		for (i = 0; i < n; i++)
			if (mpr_skip(r, depth + 1) == -1)
				return -1;
		return 0;
	}
	if ((t & 0xe0) == 0xa0 || (t >= 0xd9 && t <= 0xdb)) {
		const char	*s;

		return mpr_str(r, &s, &n);
	}
	if (t >= 0xc4 && t <= 0xc9) {
		/* bin 8/16/32 and ext 8/16/32: a length, (a type), data. */
		w = (size_t)1 << ((t - 0xc4) % 3);
		if (mpr_need(r, 1 + w) == -1)
			return -1;
		n = (uint32_t)be(r->p + 1, (int)w);
		w += 1 + (t >= 0xc7) + n;
		if (mpr_need(r, w) == -1)
			return -1;
		r->p += w;
		return 0;
	}
	if (fixed[t - 0xc0] == 0xff)
		return -1;
	if (mpr_need(r, 1 + (size_t)fixed[t - 0xc0]) == -1)
		return -1;
	r->p += 1 + fixed[t - 0xc0];
	return 0;
}

static int
mpr_key_is(const char *k, uint32_t len, const char *want)
{
	return strlen(want) == len && memcmp(k, want, len) == 0;
}

/* The result of a check: one item per subject, hits as expected. */
static enum reply_verdict
check_result(struct mpr *r, const struct slot *s, const char **why)
{
	const char	*k;
	uint32_t	 n, i, m, j, klen, nh;
	int		 hits = 0, found = 0, item_hit;

	if (mpr_map(r, &n) == -1)
		goto bad;
	for (i = 0; i < n; i++) {
		if (mpr_str(r, &k, &klen) == -1)
			goto bad;
		if (!mpr_key_is(k, klen, "results")) {
			if (mpr_skip(r, 1) == -1)
				goto bad;
			continue;
		}
		found = 1;
		if (mpr_array(r, &m) == -1)
			goto bad;
		if (m != s->s_n) {
			*why = "check: wrong number of results";
			return RV_ERROR;
		}
		for (j = 0; j < m; j++) {
			uint32_t	 nk, x;

			item_hit = -1;
			if (mpr_map(r, &nk) == -1)
				goto bad;
			for (x = 0; x < nk; x++) {
				if (mpr_str(r, &k, &klen) == -1)
					goto bad;
				if (mpr_key_is(k, klen, "hits")) {
					struct mpr	 peek = *r;

					if (mpr_array(&peek, &nh) == -1)
						goto bad;
					item_hit = nh > 0;
				} else if (mpr_key_is(k, klen, "error")) {
					*why = "check: a subject was refused";
					return RV_ERROR;
				}
				if (mpr_skip(r, 2) == -1)
					goto bad;
			}
			if (item_hit == -1) {
				*why = "check: a result without hits";
				return RV_ERROR;
			}
			hits += item_hit;
		}
	}
	if (!found)
		goto bad;
	if (s->s_hits >= 0 && hits != s->s_hits) {
		snprintf(qc_why, sizeof(qc_why), "check: %d hits, expected %d "
		    "(is the data set loaded with the same --gen-keys and "
		    "--seed?)", hits, s->s_hits);
		*why = qc_why;
		return RV_ERROR;
	}
	return RV_OK;
bad:
	*why = "check: malformed result";
	return RV_FATAL;
}

/*
 * A result map with key: an array (want_array, not empty) or a uint
 * (>= 1).
 */
static enum reply_verdict
result_has(struct mpr *r, const char *key, int want_array, const char **why)
{
	const char	*k;
	uint32_t	 n, i, klen, m;
	uint64_t	 v;

	if (mpr_map(r, &n) == -1)
		goto bad;
	for (i = 0; i < n; i++) {
		if (mpr_str(r, &k, &klen) == -1)
			goto bad;
		if (!mpr_key_is(k, klen, key)) {
			if (mpr_skip(r, 1) == -1)
				goto bad;
			continue;
		}
		if (want_array ? mpr_array(r, &m) == -1 || m == 0 :
		    mpr_uint(r, &v) == -1 || v == 0)
			break;
		return RV_OK;
	}
	snprintf(qc_why, sizeof(qc_why), "result without a valid %s", key);
	*why = qc_why;
	return RV_ERROR;
bad:
	*why = "malformed result";
	return RV_FATAL;
}

size_t
qc_parse(const uint8_t *in, size_t len, const struct slot *s,
    enum reply_verdict *v, const char **why)
{
	struct mpr	 r, res = { NULL, NULL }, err = { NULL, NULL };
	const char	*k, *code = NULL;
	uint32_t	 flen, n, i, klen, clen = 0;
	uint64_t	 id = 0;
	int		 have_id = 0, ok = -1;

	if (len < 4)
		return 0;
	flen = (uint32_t)be(in, 4);
	if (flen == 0 || flen > QC_ANSWER_MAX) {
		*v = RV_FATAL;
		*why = "answer frame of a bad length";
		return 4;
	}
	if (len - 4 < flen)
		return 0;
	r.p = in + 4;
	r.end = in + 4 + flen;
	*v = RV_FATAL;
	*why = "malformed answer";
	if (mpr_map(&r, &n) == -1)
		return 4 + (size_t)flen;
	for (i = 0; i < n; i++) {
		if (mpr_str(&r, &k, &klen) == -1)
			return 4 + (size_t)flen;
		if (mpr_key_is(k, klen, "id")) {
			if (mpr_uint(&r, &id) == 0)
				have_id = 1;
			else if (mpr_skip(&r, 1) == -1)
				return 4 + (size_t)flen;
			continue;
		}
		if (mpr_key_is(k, klen, "ok")) {
			if (r.p < r.end && (*r.p == 0xc2 || *r.p == 0xc3))
				ok = *r.p == 0xc3;
		} else if (mpr_key_is(k, klen, "result"))
			res = r;
		else if (mpr_key_is(k, klen, "error"))
			err = r;
		if (mpr_skip(&r, 1) == -1)
			return 4 + (size_t)flen;
	}
	if (r.p != r.end || ok == -1)
		return 4 + (size_t)flen;
	if (!have_id || id != s->s_id) {
		*why = "answer out of order (wrong id)";
		return 4 + (size_t)flen;
	}
	if (!ok) {
		/* The code of the error map. */
		if (err.p != NULL && mpr_map(&err, &n) == 0)
			for (i = 0; i < n; i++) {
				if (mpr_str(&err, &k, &klen) == -1)
					break;
				if (mpr_key_is(k, klen, "code")) {
					if (mpr_str(&err, &code, &clen) == -1)
						code = NULL;
					break;
				}
				if (mpr_skip(&err, 1) == -1)
					break;
			}
		if (s->s_op == OP_GET && s->s_hits <= 0 && code != NULL &&
		    mpr_key_is(code, clen, "not_found")) {
			*v = RV_OK;
			return 4 + (size_t)flen;
		}
		snprintf(qc_why, sizeof(qc_why), "server answered error %.*s",
		    code != NULL ? (int)clen : 1, code != NULL ? code : "?");
		*why = qc_why;
		*v = RV_ERROR;
		return 4 + (size_t)flen;
	}
	if (res.p == NULL && s->s_op != OP_PING) {
		*why = "success without a result";
		return 4 + (size_t)flen;
	}
	switch (s->s_op) {
	case OP_CHECK1:
	case OP_CHECKB:
		*v = check_result(&res, s, why);
		break;
	case OP_GET:
		if (s->s_hits == 0) {
			*why = "get: found a subject that is not in the set";
			*v = RV_ERROR;
		} else
			*v = result_has(&res, "entries", 1, why);
		break;
	case OP_PUT:
	case OP_LOAD:
		*v = result_has(&res, "version", 0, why);
		break;
	default:
		*v = RV_OK;
		break;
	}
	return 4 + (size_t)flen;
}
