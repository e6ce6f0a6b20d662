/*
 * The per-subject summary that makes `check` one lookup per subject: for
 * every list on which the subject is listed (not removed), the list name,
 * the grade (rating lists) and the validity dates. Whether a hit is active
 * is decided at read time against today.
 *
 * Encoding, repeated per list:
 *   u8 list_len, list, u8 grade_len, grade, i32 start, i32 end (big-endian)
 */
#ifndef QCD_SUMMARY_H
#define QCD_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#define SUMMARY_ITEM_MAX	(1 + 255 + 1 + 255 + 8)

struct summary_hit {
	const char	*h_list;
	size_t		 h_list_len;
	const char	*h_grade;	/* NULL if none */
	size_t		 h_grade_len;
	int32_t		 h_start;	/* DATE_NONE_START if none */
	int32_t		 h_end;		/* DATE_NONE_END if none */
};

/*
 * Reads the next hit at *p (before end) and advances *p.
 * Returns 1 for a hit, 0 at the end, -1 if the value is corrupt.
 */
int	 summary_next(const uint8_t **p, const uint8_t *end,
	    struct summary_hit *);

/*
 * Writes to out (cap bytes) the summary old (old_len bytes, may be 0)
 * with the hit for list replaced by hit, or dropped if hit is NULL.
 * Returns the new length, or -1 if it does not fit or old is corrupt.
 */
long	 summary_update(uint8_t *out, size_t cap, const uint8_t *old,
	    size_t old_len, const char *list, const struct summary_hit *hit);

#endif
