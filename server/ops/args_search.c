/*
 * Arguments of search (PROTOCOL.md 5, search): the text, and the cursor
 * an earlier page handed out.
 */
#include "args.h"
#include "search.h"
#include "utf8.h"

int
read_q(struct req *q, const char *name, const msgpack_object *o)
{
	const char	*s;
	size_t		 len;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	if (len > SEARCH_Q_MAX) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: at most %d bytes", name,
		    SEARCH_Q_MAX);
		return -1;
	}
	if (qc_utf8_count(s, len) < 2) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: at least 2 characters",
		    name);
		return -1;
	}
	q->q_args.a_q = s;
	q->q_args.a_q_len = len;
	return 0;
}

/* Checked here for its form; what it says is read by the op. */
int
read_search_after(struct req *q, const char *name, const msgpack_object *o)
{
	const char	*s;
	size_t		 len, i;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	for (i = 0; i < len && ((s[i] >= '0' && s[i] <= '9') ||
	    (s[i] >= 'a' && s[i] <= 'f')); i++)
		;
	if (len < 4 || len % 2 != 0 || len > 2 * QC_SUBJECT_MAX || i < len) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: not a cursor of search",
		    name);
		return -1;
	}
	q->q_args.a_search_after = s;
	q->q_args.a_search_after_len = len;
	return 0;
}
