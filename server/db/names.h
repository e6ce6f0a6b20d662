/*
 * The name index that search reads (PROTOCOL.md 4.12): every subject with
 * a named entry has an id; its row (name_rows) holds the subject and the
 * name of its entry on each list, as written; bigrams maps each bigram of
 * the normalised names (name_norm.h) to the ids whose names hold it. The
 * writer keeps the rows in the transaction of every version it writes,
 * and notes the ids whose names changed in name_pending (with the row
 * bigrams holds for them); names_merge moves the pending ids into bigrams
 * in key order, when the writer is idle or many are pending. Search reads
 * bigrams and scans the pending ids, so a name is found from its commit.
 * (Writing each name's dozen bigrams in its own commit touched a page per
 * bigram per commit: an import of a million names wrote 140 GB.)
 *
 * Row encoding: u16 subject_len (big-endian), subject, then per list
 *   u8 list_len, list, u16 name_len (big-endian), name.
 */
#ifndef QCD_NAMES_H
#define QCD_NAMES_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The text field that holds an entry's name. */
#define NAMES_FIELD	"name"

struct name_item {
	const char	*ni_list;
	size_t		 ni_list_len;
	const char	*ni_name;
	size_t		 ni_name_len;
};

/*
 * Sets the name of subject's entry on list (NULL: it has none), keeping
 * the row and the bigrams in step. Returns 0 or an LMDB error.
 */
int	 names_set(struct store *, MDB_txn *, const char *subject,
	    const char *list, const char *name, size_t name_len);
/*
 * The name in a version's payload ({"fields": {NAMES_FIELD: str}}): sets
 * it as names_set does, or does nothing when the payload has no name.
 */
int	 names_set_payload(struct store *, MDB_txn *, const char *subject,
	    const char *list, const void *payload, size_t len);

/*
 * A row's subject; *p is left at its first item. Returns 0, or -1 if the
 * row is corrupt.
 */
int	 names_row_subject(const uint8_t *row, size_t len, const char **subject,
	    size_t *subject_len, const uint8_t **p);
/* The next item at *p (before end): 1, 0 at the end, -1 if corrupt. */
int	 names_row_next(const uint8_t **p, const uint8_t *end,
	    struct name_item *);
/* The row of subject: 0, MDB_NOTFOUND or an LMDB error. */
int	 names_row_of(struct store *, MDB_txn *, const char *subject,
	    size_t len, MDB_val *row);

/* Ids at most a merge moves in one transaction. */
#define NAMES_MERGE_CHUNK	50000
/* Pending ids past which the writer merges even while busy. */
#define NAMES_PENDING_MAX	100000

/* How many ids are pending: 0 or an LMDB error. */
int	 names_pending(struct store *, MDB_txn *, size_t *n);
/* Moves up to max pending ids into bigrams: 0 or an LMDB error. */
int	 names_merge(struct store *, MDB_txn *, size_t max);

/*
 * qcregd --reindex: empties the index and builds it again from the
 * current entries, in transactions of a few thousand subjects, then
 * marks it whole; the map grows up to map_max bytes. Returns 0, or -1
 * (logged).
 */
int	 names_reindex(struct store *, uint64_t map_max);

#endif
