/*
 * The canonical text of a signed check answer, and the head and the
 * escaping that the signed report's text shares with it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check_text.h"

static int
put(msgpack_sbuffer *b, const void *p, size_t n)
{
	return msgpack_sbuffer_write(b, p, n) == 0 ? 0 : -1;
}

static int
puts_(msgpack_sbuffer *b, const char *s)
{
	return put(b, s, strlen(s));
}

int
qc_text_head(msgpack_sbuffer *b, const char *magic, const char *origin,
    uint64_t time, uint64_t size, const uint8_t root[QC_ROOT_LEN],
    const char *key_id)
{
	char	 line[2 * QC_ROOT_LEN + 64];

	if (strchr(origin, '\n') != NULL || strchr(key_id, '\n') != NULL)
		return -1;
	if (puts_(b, magic) != 0 || puts_(b, "\n") != 0 ||
	    puts_(b, origin) != 0)
		return -1;
	snprintf(line, sizeof(line), "\n%" PRIu64 "\n%" PRIu64 "\n", time,
	    size);
	if (puts_(b, line) != 0)
		return -1;
	qc_hex(root, QC_ROOT_LEN, line);
	return puts_(b, line) != 0 || puts_(b, "\n") != 0 ||
	    puts_(b, key_id) != 0 || puts_(b, "\n") != 0 ? -1 : 0;
}

int
qc_check_text_head(msgpack_sbuffer *b, const char *origin, uint64_t time,
    uint64_t size, const uint8_t root[QC_ROOT_LEN], const char *key_id,
    uint32_t nsubjects)
{
	char	 line[32];

	if (qc_text_head(b, "qcreg-check-v1", origin, time, size, root,
	    key_id) != 0)
		return -1;
	snprintf(line, sizeof(line), "%" PRIu32 "\n", nsubjects);
	return puts_(b, line);
}

int
qc_text_escaped(msgpack_sbuffer *b, const char *s, size_t len,
    const char *extra)
{
	char	 esc[4];
	size_t	 i, run = 0;

	for (i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (c >= 0x20 && c != 0x7f && c != '%' &&
		    (*extra == '\0' || strchr(extra, c) == NULL))
			continue;
		if (put(b, s + run, i - run) != 0)
			return -1;
		snprintf(esc, sizeof(esc), "%%%02X", c);
		if (put(b, esc, 3) != 0)
			return -1;
		run = i + 1;
	}
	return put(b, s + run, len - run);
}

static int
put_hit(msgpack_sbuffer *b, const struct qc_text_hit *h)
{
	char	 num[32];

	if (put(b, h->th_list, h->th_list_len) != 0)
		return -1;
	if (h->th_grade != NULL && (puts_(b, ":") != 0 ||
	    put(b, h->th_grade, h->th_grade_len) != 0))
		return -1;
	if (h->th_until != NULL && (puts_(b, "@") != 0 ||
	    puts_(b, h->th_until) != 0))
		return -1;
	snprintf(num, sizeof(num), "!%" PRIu64, h->th_disputed);
	return h->th_disputed != 0 ? puts_(b, num) : 0;
}

int
qc_check_text_subject(msgpack_sbuffer *b, const char *subject,
    size_t subject_len, const char *verdict, const struct qc_text_hit *hits,
    size_t nhits, const struct qc_text_escalation *e)
{
	char	 num[32];
	size_t	 i;

	if (qc_text_escaped(b, subject, subject_len, "") != 0 ||
	    puts_(b, "\t") != 0 || puts_(b, verdict) != 0 ||
	    puts_(b, "\t") != 0)
		return -1;
	for (i = 0; i < nhits; i++)
		if ((i > 0 && puts_(b, ",") != 0) || put_hit(b, &hits[i]) != 0)
			return -1;
	if (puts_(b, "\t") != 0)
		return -1;
	if (e != NULL) {
		snprintf(num, sizeof(num), "/%" PRIu64 "/", e->te_count);
		if (puts_(b, e->te_list) != 0 || puts_(b, ">") != 0 ||
		    puts_(b, e->te_to) != 0 || puts_(b, num) != 0 ||
		    puts_(b, e->te_first) != 0 || puts_(b, "/") != 0 ||
		    puts_(b, e->te_last) != 0)
			return -1;
	}
	return puts_(b, "\n");
}
