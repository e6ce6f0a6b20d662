/*
 * qcreg-bench: the Redis (RESP2) codec, so that the same engine drives
 * Redis for a side-by-side run: check of one subject is GET, check of B
 * is MGET of B, put is SET, and idle connections say PING.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define RESP_LINE_MAX	64		/* a type line: "$123\r\n" */
#define RESP_BULK_MAX	(512 * 1024 * 1024)

static int	 put_num(struct buf *, char, uint64_t);
static int	 put_bulk(struct buf *, const char *, size_t);
static long	 resp_line(const uint8_t *, size_t, long long *);
static long	 resp_value(const uint8_t *, size_t, int, int *, long long *);

static _Thread_local char redis_why[160];

/* Appends "<tag><n>\r\n". */
static int
put_num(struct buf *b, char tag, uint64_t n)
{
	char	 t[32];
	int	 i = sizeof(t);

	t[--i] = '\n';
	t[--i] = '\r';
	do {
		t[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	t[--i] = tag;
	return buf_add(b, t + i, sizeof(t) - (size_t)i);
}

static int
put_bulk(struct buf *b, const char *s, size_t len)
{
	if (put_num(b, '$', len) == -1 || buf_add(b, s, len) == -1)
		return -1;
	return buf_add(b, "\r\n", 2);
}

int
redis_encode(struct buf *b, const struct bench_req *r)
{
	const struct bench_entry	*e = r->entry;
	int				 i;

	switch (r->op) {
	case OP_CHECK1:
	case OP_GET:
		return buf_add(b, "*2\r\n$3\r\nGET\r\n", 13) == -1 ||
		    put_bulk(b, r->subj[0], r->subj_len[0]) == -1 ? -1 : 0;
	case OP_CHECKB:
		if (put_num(b, '*', (uint64_t)r->n + 1) == -1 ||
		    buf_add(b, "$4\r\nMGET\r\n", 10) == -1)
			return -1;
		for (i = 0; i < r->n; i++)
			if (put_bulk(b, r->subj[i], r->subj_len[i]) == -1)
				return -1;
		return 0;
	case OP_PUT:
	case OP_LOAD:
		return buf_add(b, "*3\r\n$3\r\nSET\r\n", 13) == -1 ||
		    put_bulk(b, e->subject, e->subject_len) == -1 ||
		    put_bulk(b, e->value, e->value_len) == -1 ? -1 : 0;
	default:
		return buf_add(b, "*1\r\n$4\r\nPING\r\n", 14);
	}
}

/*
 * Parses the line after a type byte at p[0]: the number for $ * :, or
 * just its end for + -. Returns the bytes up to and with "\r\n", 0 if
 * incomplete, -1 if malformed.
 */
static long
resp_line(const uint8_t *p, size_t len, long long *num)
{
	const uint8_t	*cr;
	size_t		 i, n;
	int		 neg = 0;

	if ((cr = memchr(p, '\r', len)) == NULL)
		return len > RESP_LINE_MAX && (p[0] != '+' && p[0] != '-') ?
		    -1 : 0;
	n = (size_t)(cr - p);
	if (n + 1 >= len)
		return 0;
	if (cr[1] != '\n')
		return -1;
	if (p[0] == '$' || p[0] == '*' || p[0] == ':') {
		i = 1;
		if (i < n && p[i] == '-') {
			neg = 1;
			i++;
		}
		if (i == n || n - i > 18)
			return -1;
		*num = 0;
		for (; i < n; i++) {
			if (p[i] < '0' || p[i] > '9')
				return -1;
			*num = *num * 10 + (p[i] - '0');
		}
		if (neg)
			*num = -*num;
	}
	return (long)(n + 2);
}

/*
 * Parses one value. Sets *type to its type byte ('$' with *num = -1 for
 * nil) and, for an array, counts its non-nil bulk elements in *num.
 * Returns the bytes used, 0 if incomplete, -1 if malformed.
 */
static long
resp_value(const uint8_t *p, size_t len, int depth, int *type,
    long long *num)
{
	long long	 n, k, sub, nonnil = 0;
	long		 used, u;
	int		 t;

	if (len == 0)
		return 0;
	*type = p[0];
	switch (p[0]) {
	case '+':
	case '-':
	case ':':
		return resp_line(p, len, num);
	case '$':
		if ((used = resp_line(p, len, &n)) <= 0)
			return used;
		*num = n;
		if (n < 0)
			return used;
		if (n > RESP_BULK_MAX)
			return -1;
		if ((size_t)used + (size_t)n + 2 > len)
			return 0;
		if (p[used + n] != '\r' || p[used + n + 1] != '\n')
			return -1;
		return used + (long)n + 2;
	case '*':
		if (depth > 0)
			return -1;
		if ((used = resp_line(p, len, &n)) <= 0)
			return used;
		for (k = 0; k < n; k++) {
			u = resp_value(p + used, len - (size_t)used, depth + 1,
			    &t, &sub);
			if (u <= 0)
				return u;
			if (t != '$')
				return -1;
			nonnil += sub >= 0;
			used += u;
		}
		*num = n < 0 ? -1 : nonnil;
		return used;
	default:
		return -1;
	}
}

size_t
redis_parse(const uint8_t *in, size_t len, const struct slot *s,
    enum reply_verdict *v, const char **why)
{
	long long	 num = 0, count = 0;
	long		 used;
	int		 type;

	if ((used = resp_value(in, len, 0, &type, &num)) == 0)
		return 0;
	if (used < 0) {
		*v = RV_FATAL;
		*why = "malformed RESP answer";
		return len > 0 ? len : 1;
	}
	*v = RV_ERROR;
	if (type == '-') {
		snprintf(redis_why, sizeof(redis_why), "redis error: %.*s",
		    (int)(used > 100 ? 100 : used - 3), (const char *)in + 1);
		*why = redis_why;
		return (size_t)used;
	}
	switch (s->s_op) {
	case OP_CHECK1:
	case OP_GET:
		if (type != '$')
			*why = "GET: not a bulk string";
		else if (s->s_hits >= 0 && (num >= 0) != s->s_hits)
			*why = s->s_hits ? "GET: nil for a key in the set" :
			    "GET: a value for a key not in the set";
		else
			*v = RV_OK;
		break;
	case OP_CHECKB:
		/* An array reply of s_n elements, num of them not nil. */
		if (type != '*' || resp_line(in, len, &count) <= 0 ||
		    count != s->s_n)
			*why = "MGET: not an array of one value per key";
		else if (s->s_hits >= 0 && num != s->s_hits) {
			snprintf(redis_why, sizeof(redis_why), "MGET: %lld "
			    "values, expected %d", num, s->s_hits);
			*why = redis_why;
		} else
			*v = RV_OK;
		break;
	case OP_PUT:
	case OP_LOAD:
		if (type != '+' || used != 5 || memcmp(in, "+OK", 3) != 0)
			*why = "SET: not +OK";
		else
			*v = RV_OK;
		break;
	default:
		if (type != '+')
			*why = "PING: not a status";
		else
			*v = RV_OK;
		break;
	}
	return (size_t)used;
}
