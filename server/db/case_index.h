/*
 * The cases of each subject: `subject_cases`, keys subject NUL case64
 * (big-endian, so a subject's cases sort by id) and empty values. A
 * cursor from the subject's prefix (store_key_subject) walks its cases.
 */
#ifndef QCD_CASE_INDEX_H
#define QCD_CASE_INDEX_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* The key of case id of subject; 0 if it would not fit. */
size_t		 case_subject_key(uint8_t *, const char *subject, uint64_t id);
/* Indexes case id under subject: 0 or an LMDB code. */
int		 case_index_put(struct store *, MDB_txn *, const char *subject,
		    uint64_t id);
/*
 * In a write transaction: fills the index from `cases` when it does not
 * hold one key per case (a store written before it). 0 or an LMDB code.
 */
int		 case_index_catch_up(struct store *, MDB_txn *);

#endif
