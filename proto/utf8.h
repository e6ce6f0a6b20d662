/*
 * UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
 */
#ifndef QC_UTF8_H
#define QC_UTF8_H

#include <stddef.h>

/* 1 if the len bytes at s are valid UTF-8 and contain no NUL, else 0. */
int		 qc_utf8_valid(const char *s, size_t len);
/* Number of code points in valid UTF-8 (for display alignment). */
size_t		 qc_utf8_count(const char *s, size_t len);
/* Terminal column width of valid UTF-8: CJK and fullwidth count as 2. */
size_t		 qc_utf8_width(const char *s, size_t len);

#endif
