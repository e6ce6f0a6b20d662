/*
 * The canonical text of a signed `check` answer (PROTOCOL.md 5, check,
 * "Signed answers"): the bytes the signature covers, the same whether the
 * answer travelled as msgpack or JSON. The server writes it as it answers;
 * a client rebuilds it from the answer it kept and verifies it. The head
 * and the escaping serve the signed report's text too (report_text.h).
 */
#ifndef QC_CHECK_TEXT_H
#define QC_CHECK_TEXT_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "sig.h"

/* One hit as the text shows it. */
struct qc_text_hit {
	const char	*th_list;
	size_t		 th_list_len;
	const char	*th_grade;	/* NULL: none */
	size_t		 th_grade_len;
	const char	*th_until;	/* YYYY-MM-DD, or NULL */
	uint64_t	 th_disputed;	/* 0: none */
};

/* An escalation as the text shows it (NULL: none). */
struct qc_text_escalation {
	const char	*te_list;
	const char	*te_to;
	uint64_t	 te_count;
	const char	*te_first, *te_last;	/* YYYY-MM-DD */
};

/*
 * The head every signed answer's text begins with: magic (the text's
 * name and version), origin, time, size, root (hex) and key_id, a line
 * each. 0, or -1 on a bad argument (a newline in origin or key_id) or
 * out of memory.
 */
int	 qc_text_head(msgpack_sbuffer *, const char *magic, const char *origin,
	    uint64_t time, uint64_t size, const uint8_t root[QC_ROOT_LEN],
	    const char *key_id);
/*
 * s (len bytes) with the bytes that could break a line or a field
 * written %XX (upper-case hex): those below 0x20, 0x7f, '%' and the
 * bytes of extra (a string, "" for none). 0, or -1 out of memory.
 */
int	 qc_text_escaped(msgpack_sbuffer *, const char *s, size_t len,
	    const char *extra);

/*
 * The head of a check answer: qc_text_head with "qcreg-check-v1", then
 * the number of subjects. 0, or -1 on a bad argument (a
 * newline in origin or key_id) or out of memory.
 */
int	 qc_check_text_head(msgpack_sbuffer *, const char *origin,
	    uint64_t time, uint64_t size, const uint8_t root[QC_ROOT_LEN],
	    const char *key_id, uint32_t nsubjects);
/*
 * One subject's line: subject TAB verdict TAB hits TAB escalation, hits
 * comma-separated as list[:grade][@until][!disputed], the escalation as
 * list>to/count/first/last. A subject that was invalid has verdict
 * "invalid_subject" and nothing after. Bytes below 0x20, 0x7f and '%' in
 * the subject are written %XX. 0, or -1 out of memory.
 */
int	 qc_check_text_subject(msgpack_sbuffer *, const char *subject,
	    size_t subject_len, const char *verdict,
	    const struct qc_text_hit *, size_t nhits,
	    const struct qc_text_escalation *);

#endif
