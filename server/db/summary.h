/*
 * The per-subject summary: the index of current entries. For every list
 * that holds an entry for the subject, the list name, whether the entry
 * is removed, the grade (rating lists), the validity dates, and the
 * version and change record (seq) of the newest version. `check` reads
 * one summary per subject and nothing else; get, scan and stats start
 * here and fetch the change record by seq when they need the fields.
 * Whether an entry is active is decided at read time against today.
 *
 * Encoding, repeated per list (integers big-endian):
 *   u8 list_len, list, u8 flags, u8 grade_len, grade,
 *   i32 start, i32 end, u32 version, u64 seq,
 *   [u64 case]		if flags & SUMMARY_DISPUTED
 *   [u8 n, n x i32]	if flags & SUMMARY_LISTINGS
 * flags: SUMMARY_REMOVED; SUMMARY_DISPUTED, the open objection case;
 * SUMMARY_LISTINGS, a watch entry's listing dates (oldest first, the
 * newest SUMMARY_LISTINGS_MAX kept) that escalation counts;
 * SUMMARY_DISMISSED, its escalation dismissed until the next listing.
 */
#ifndef QCD_SUMMARY_H
#define QCD_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#define SUMMARY_LISTINGS_MAX	16
#define SUMMARY_ITEM_MAX	(1 + 255 + 1 + 1 + 255 + 8 + 4 + 8 + 8 + \
				 1 + 4 * SUMMARY_LISTINGS_MAX)
#define SUMMARY_REMOVED		0x01
#define SUMMARY_DISPUTED	0x02
#define SUMMARY_LISTINGS	0x04
#define SUMMARY_DISMISSED	0x08

struct summary_hit {
	const char	*h_list;
	size_t		 h_list_len;
	unsigned	 h_flags;
	const char	*h_grade;	/* NULL if none */
	size_t		 h_grade_len;
	int32_t		 h_start;	/* DATE_NONE_START if none */
	int32_t		 h_end;		/* DATE_NONE_END if none */
	uint32_t	 h_version;
	uint64_t	 h_seq;
	uint64_t	 h_case;	/* SUMMARY_DISPUTED: the objection */
	unsigned	 h_nlistings;	/* SUMMARY_LISTINGS */
	int32_t		 h_listings[SUMMARY_LISTINGS_MAX];
};

/*
 * Reads the next hit at *p (before end) and advances *p.
 * Returns 1 for a hit, 0 at the end, -1 if the value is corrupt.
 */
int	 summary_next(const uint8_t **p, const uint8_t *end,
	    struct summary_hit *);
/*
 * The hit for list in the summary v (len bytes): 1 found, 0 not there,
 * -1 corrupt.
 */
int	 summary_find(const uint8_t *v, size_t len, const char *list,
	    size_t list_len, struct summary_hit *);

/*
 * Writes to out (cap bytes) the summary old (old_len bytes, may be 0)
 * with the hit for list replaced by hit, or dropped if hit is NULL.
 * Returns the new length, or -1 if it does not fit or old is corrupt.
 */
long	 summary_update(uint8_t *out, size_t cap, const uint8_t *old,
	    size_t old_len, const char *list, const struct summary_hit *hit);

#endif
