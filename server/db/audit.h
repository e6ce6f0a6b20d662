/*
 * The audit of reads (查询留痕, PROTOCOL.md 4.15): who read what, when.
 * Each read op of a regulator or an agency becomes a record (time,
 * principal, op, subjects) in an LMDB environment of its own (DATA/audit),
 * hash-chained like the change log: hash = SHA-256(prev || body). Workers
 * queue records; a thread commits the queue at least once a second, so a
 * crash loses at most the last second of audit and never delays an
 * answer. Records older than keep_days (at least 180) are pruned, oldest
 * first; the chain then starts from the last pruned record's hash, kept
 * as the anchor.
 *
 *   records  seq64                 -> [seq, at, principal, op, [subject..], hash]
 *   by_subj  subject NUL seq64     -> ""
 *   by_prin  principal NUL seq64   -> ""
 *   meta     "head", "anchor"      -> seq64 hash32
 */
#ifndef QCD_AUDIT_H
#define QCD_AUDIT_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_SUBJECTS_MAX	1000
#define AUDIT_KEEP_MIN		180

struct audit;

struct audit_str {
	const char	*as_s;
	size_t		 as_len;
};

/* Opens (making) the audit store in dir; NULL on failure (logged). */
struct audit	*audit_open(const char *dir, uint64_t map_size,
		    uint64_t map_max, uint32_t keep_days);
/* Commits what is queued, stops the thread, closes. */
void		 audit_close(struct audit *);
/*
 * Queues a record of op by principal at (seconds) naming n subjects (the
 * first AUDIT_SUBJECTS_MAX of them); everything is copied.
 */
void		 audit_add(struct audit *, uint64_t at, const char *principal,
		    const char *op, const struct audit_str *subjects, size_t n);
/* Commits the queue now (tests and shutdown); 0 or -1. */
int		 audit_flush(struct audit *);

struct audit_query {
	const char	*aq_principal;	/* NULL: any */
	const char	*aq_subject;	/* NULL: any */
	uint64_t	 aq_since;	/* seconds; 0: any */
	uint64_t	 aq_after;	/* seq; 0: from the first */
	uint32_t	 aq_limit;
};

/* A record as read back: pointers into the store (valid in the call). */
struct audit_rec {
	uint64_t		 ar_seq;
	uint64_t		 ar_at;
	const char		*ar_principal;
	size_t			 ar_principal_len;
	const char		*ar_op;
	size_t			 ar_op_len;
	const msgpack_object	*ar_subjects;	/* array of str */
	const uint8_t		*ar_hash;
	const uint8_t		*ar_prev;	/* the record before's hash */
};

typedef int audit_fn(void *arg, const struct audit_rec *);

/*
 * Calls fn for the records the query keeps, oldest first, up to its
 * limit; *next gets the seq to pass as aq_after for more (0: none).
 * 0, or -1 on a store error (logged).
 */
int		 audit_read(struct audit *, const struct audit_query *,
		    audit_fn *, void *arg, uint64_t *next);
/* The committed head seq, and the first seq kept (1 until pruned). */
int		 audit_range(struct audit *, uint64_t *first, uint64_t *head);

#endif
