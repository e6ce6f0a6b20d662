/*
 * The cases of each subject (`subject_cases`): what a report needs to
 * list a subject's cases without walking every case. The writer adds a
 * key when it opens a case, in the same transaction; a store written
 * before the index gets it when it is opened.
 */
#include <inttypes.h>
#include <string.h>

#include "case_index.h"
#include "cases.h"
#include "log.h"
#include "store.h"

static int	 case_index_fill(struct store *, MDB_txn *, uint64_t *);

size_t
case_subject_key(uint8_t *key, const char *subject, uint64_t id)
{
	size_t	 n;

	if ((n = store_key_subject(key, subject)) == 0)
		return 0;
	store_key_seq(key + n, id);
	return n + 8;
}

int
case_index_put(struct store *st, MDB_txn *txn, const char *subject,
    uint64_t id)
{
	uint8_t	 key[STORE_KEY_MAX];
	MDB_val	 k, v;

	if ((k.mv_size = case_subject_key(key, subject, id)) == 0)
		return MDB_BAD_VALSIZE;
	k.mv_data = key;
	v.mv_data = NULL;
	v.mv_size = 0;
	return mdb_put(txn, st->s_subject_cases, &k, &v, 0);
}

/* Indexes every stored case; *added counts them. */
static int
case_index_fill(struct store *st, MDB_txn *txn, uint64_t *added)
{
	struct case_rec	 cr;
	char		 subject[STORE_KEY_MAX];
	MDB_cursor	*cur;
	MDB_val		 k, v;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, st->s_cases, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (case_decode(v.mv_data, v.mv_size, &cr) == -1 ||
		    cr.cr_subject_len >= sizeof(subject)) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(subject, cr.cr_subject, cr.cr_subject_len);
		subject[cr.cr_subject_len] = '\0';
		if ((rc = case_index_put(st, txn, subject,
		    store_seq_from_key(&k))) != 0)
			break;
		(*added)++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
case_index_catch_up(struct store *st, MDB_txn *txn)
{
	MDB_stat	 cases, index;
	uint64_t	 added = 0;
	int		 rc;

	/* Each case has one key: equal counts mean the index is whole. */
	if ((rc = mdb_stat(txn, st->s_cases, &cases)) != 0 ||
	    (rc = mdb_stat(txn, st->s_subject_cases, &index)) != 0)
		return rc;
	if (cases.ms_entries == index.ms_entries)
		return 0;
	if ((rc = mdb_drop(txn, st->s_subject_cases, 0)) != 0 ||
	    (rc = case_index_fill(st, txn, &added)) != 0)
		return rc;
	log_info("indexed %" PRIu64 " cases by subject", added);
	return 0;
}
