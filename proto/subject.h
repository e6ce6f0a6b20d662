/*
 * Subjects: who an entry is about. Canonical form "kind:id".
 */
#ifndef QC_SUBJECT_H
#define QC_SUBJECT_H

#include <stddef.h>

enum qc_kind {
	QC_KIND_USCC = 0,
	QC_KIND_GUIDE,
	QC_KIND_SITE,
	QC_KIND_PLATE,
	QC_KIND_COUNT
};

/* Longest canonical subject: "site:" + 253 bytes, plus NUL. */
#define QC_SUBJECT_MAX	300

/* Name of a kind ("uscc" ...). */
const char	*qc_kind_name(enum qc_kind);
/* Kind for a name of len bytes, or -1. */
int		 qc_kind_from_name(const char *, size_t);

/*
 * Validates the subject in (len bytes, not NUL-terminated, may be any
 * bytes) and writes its canonical NUL-terminated form "kind:id" to out.
 * A bare 18-character string means uscc. Upper/lower-cases as the kind
 * requires. Returns the kind, or -1 if the subject is invalid, in which
 * case a short reason is written to why (if why is not NULL).
 */
int		 qc_subject_canon(const char *in, size_t len,
		    char out[QC_SUBJECT_MAX], const char **why);

/*
 * The GB 32100-2015 check: 1 if the 18 characters at code (already upper
 * case) form a valid unified social credit code, 0 otherwise.
 */
int		 qc_uscc_valid(const char *code);

/* Check character for the first 17 characters, or 0 if one is invalid. */
char		 qc_uscc_check_char(const char *code17);

#endif
