/*
 * Cases (PROTOCOL.md 4.6): the procedures about one entry, their kinds
 * and outcomes, and how a case is stored.
 *
 * A case's id is the seq of the change record that opened it; that
 * record holds what never changes (who opened it, the text, a notice's
 * proposed fields). The `cases` database keeps what a listing needs
 * without reading the record, and what closing adds. Its value
 * (integers big-endian):
 *
 *   u8 kind, u8 outcome (CASE_OPEN while open), i32 received_on,
 *   i32 closed_on, u64 close_seq, u32 version, u8 list_len, list, subject
 *
 * The deadline is not stored: it is counted when read, with the calendar
 * of the moment, so that loading a longer calendar corrects it.
 */
#ifndef QCD_CASES_H
#define QCD_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define CASE_OPEN	0xff	/* the outcome of a case not closed */

enum case_outcome {
	OUT_LISTED = 0,
	OUT_WITHDRAWN,
	OUT_UPHELD,
	OUT_CORRECTED,
	OUT_REVOKED,
	OUT_APPROVED,
	OUT_REJECTED,
	OUT_COUNT
};

/* What an outcome does to the entry. */
enum outcome_effect {
	EFFECT_NONE = 0,
	EFFECT_LISTS,		/* a new listed version */
	EFFECT_REMOVES		/* a removal, then a withdraw record */
};

/* Computed when read. */
enum case_state {
	CS_OPEN = 0,
	CS_OVERDUE,
	CS_CLOSED,
	CS_DUE			/* a filter only: open, deadline close */
};

struct case_rec {
	enum case_kind	 cr_kind;
	unsigned	 cr_outcome;	/* enum case_outcome or CASE_OPEN */
	int32_t		 cr_received_on;
	int32_t		 cr_closed_on;
	uint64_t	 cr_close_seq;
	uint32_t	 cr_version;	/* written by the closing; 0: none */
	const char	*cr_list;
	size_t		 cr_list_len;
	const char	*cr_subject;
	size_t		 cr_subject_len;
};

#define CASE_REC_MAX	(1 + 1 + 4 + 4 + 8 + 4 + 1 + 255 + 512)

/* Encodes into out (cap bytes); the length, or -1 if it does not fit. */
long		 case_encode(uint8_t *out, size_t cap, const struct case_rec *);
/* Decodes a stored value (pointers into it); 0, or -1 if corrupt. */
int		 case_decode(const uint8_t *, size_t, struct case_rec *);

/* The key of `open_cases`: subject NUL list NUL kind; 0 if too long. */
size_t		 case_open_key(uint8_t *, const char *subject,
		    const char *list, enum case_kind);

const char	*case_kind_name(enum case_kind);
const char	*case_outcome_name(enum case_outcome);
const char	*case_state_name(enum case_state);
/* Values for names of len bytes, or -1. */
int		 case_kind_from_name(const char *, size_t);
int		 case_outcome_from_name(const char *, size_t);
int		 case_state_from_name(const char *, size_t);
enum case_kind	 case_outcome_kind(enum case_outcome);
enum outcome_effect case_outcome_effect(enum case_outcome);

/*
 * The deadline of a case of kind on list l received on a day, with the
 * configuration's calendar; *provisional as calendar_deadline() sets it.
 */
int32_t		 case_deadline(const struct config *, const struct list_def *,
		    enum case_kind, int32_t received_on, int *provisional);
enum case_state	 case_state_of(const struct case_rec *, int32_t deadline,
		    int32_t today);

#endif
