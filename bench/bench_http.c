/*
 * qcreg-bench: the HTTPS JSON codec (PROTOCOL.md 10), so that the same
 * engine drives qcregd's HTTPS listener beside its msgpack one: check of
 * one or of B subjects is POST /v1/check on a keep-alive connection. An
 * answer is read by its Content-Length and checked for its status, ok
 * and, where the data set says so, how many of its subjects hit.
 */
#define _GNU_SOURCE	/* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define HTTP_HEAD_MAX	8192

static _Thread_local char http_why[160];

int
http_encode(struct buf *b, const struct bench_req *r)
{
	char	 head[256], *body;
	size_t	 len = 16, off;
	int	 i, n;

	if (r->op != OP_CHECK1 && r->op != OP_CHECKB)
		return -1;
	for (i = 0; i < r->n; i++)
		len += r->subj_len[i] + 3;
	if ((body = malloc(len)) == NULL)
		return -1;
	off = (size_t)snprintf(body, len, "{\"subjects\":[");
	for (i = 0; i < r->n; i++) {
		body[off++] = '"';
		memcpy(body + off, r->subj[i], r->subj_len[i]);
		off += r->subj_len[i];
		body[off++] = '"';
		if (i + 1 < r->n)
			body[off++] = ',';
	}
	body[off++] = ']';
	body[off++] = '}';
	n = snprintf(head, sizeof(head), "POST /v1/check HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n", off);
	i = buf_add(b, head, (size_t)n) == -1 || buf_add(b, body, off) == -1;
	free(body);
	return i ? -1 : 0;
}

/* Occurrences of needle in the len bytes at p. */
static int
count(const uint8_t *p, size_t len, const char *needle)
{
	size_t	 n = strlen(needle);
	int	 c = 0;
	const uint8_t *q;

	while (len >= n && (q = memmem(p, len, needle, n)) != NULL) {
		c++;
		len -= (size_t)(q - p) + n;
		p = q + n;
	}
	return c;
}

size_t
http_parse(const uint8_t *in, size_t len, const struct slot *s,
    enum reply_verdict *v, const char **why)
{
	const uint8_t	*end, *cl;
	size_t		 head, body;
	int		 status, empty;

	if ((end = memmem(in, len, "\r\n\r\n", 4)) == NULL) {
		if (len > HTTP_HEAD_MAX) {
			*v = RV_FATAL;
			*why = "HTTP head too long";
			return len;
		}
		return 0;
	}
	head = (size_t)(end - in) + 4;
	if ((cl = memmem(in, head, "Content-Length: ", 16)) == NULL ||
	    sscanf((const char *)in, "HTTP/1.1 %d", &status) != 1) {
		*v = RV_FATAL;
		*why = "an HTTP answer without status or Content-Length";
		return len;
	}
	body = strtoul((const char *)cl + 16, NULL, 10);
	if (len < head + body)
		return 0;
	*v = RV_ERROR;
	if (status != 200 || memmem(in + head, body, "\"ok\":true", 9) ==
	    NULL) {
		snprintf(http_why, sizeof(http_why), "HTTP %d: %.*s", status,
		    (int)(body > 100 ? 100 : body), (const char *)in + head);
		*why = http_why;
		return head + body;
	}
	/* A subject that hits nothing has "hits":[] in its result. */
	empty = count(in + head, body, "\"hits\":[]");
	if (count(in + head, body, "\"verdict\"") != s->s_n)
		*why = "check: not one result per subject";
	else if (s->s_hits >= 0 && s->s_n - empty != s->s_hits) {
		snprintf(http_why, sizeof(http_why), "check: %d hits, "
		    "expected %d", s->s_n - empty, s->s_hits);
		*why = http_why;
	} else
		*v = RV_OK;
	return head + body;
}
