/*
 * LMDB storage: one environment with these named databases.
 *
 *   changes   seq64                       -> change record (record.h)
 *   summary   subject                     -> current entries (summary.h)
 *   versions  subject NUL list NUL ver32  -> seq64 of an older version
 *   meta      name                        -> head_seq, head_hash, schema,
 *                                            the Merkle tree's size (tree),
 *                                            names (the name index is whole)
 *   cases     case64                      -> a case (cases.h)
 *   open_cases subject NUL list NUL kind8 -> case64 of the open case
 *   escalate  subject                     -> "" (escalated once; checked
 *                                            again when read)
 *   withdrawn subject NUL list            -> seq64 of its last withdraw
 *   idem      principal NUL key           -> a write's answer (idem.h)
 *   expiry    end32 subject NUL list      -> "" (entries that may be
 *                                            withdrawn after publish_days)
 *   tree      last-leaf64 level8          -> hash of a perfect subtree of
 *                                            the log's Merkle tree (merkle.h)
 *   keys      key_id                      -> public key, first use (keys.h)
 *   name_subj subject                     -> id32 of its names (names.h)
 *   name_rows id32 (integer key)          -> subject and its names by list
 *   bigrams   bigram (dup id32s, integer) -> the ids of names holding it
 *   name_pending id32 (integer key)       -> its row as bigrams holds it (the
 *                                            names written since, not yet
 *                                            merged into bigrams)
 *   subject_cases subject NUL case64      -> "" (a subject's cases, for
 *                                            report; case_index.h)
 *
 * A version's content is stored once, in its change record; the summary
 * points at the newest version of each entry and `versions` at the ones
 * it replaced. Integers in keys and values are big-endian, so keys sort
 * bytewise: a cursor walks subjects, a subject's old versions and the
 * change log in order. The change log is appended in seq order, which
 * keeps its pages full.
 */
#ifndef QCD_STORE_H
#define QCD_STORE_H

#include <lmdb.h>
#include <pthread.h>

#include "filter.h"
#include <stddef.h>
#include <stdint.h>

#define STORE_KEY_MAX	512	/* LMDB's default key limit is 511 */
#define STORE_HASH_LEN	32
#define STORE_MAXDBS	32

struct audit;
struct backup_job;

struct store {
	MDB_env		*s_env;
	/* An environment LMDB gave up on (MDB_PANIC), kept until close. */
	MDB_env		*s_dead_env;
	char		 s_dir[4096];
	MDB_dbi		 s_versions;
	MDB_dbi		 s_changes;
	MDB_dbi		 s_summary;
	MDB_dbi		 s_meta;
	MDB_dbi		 s_cases;
	MDB_dbi		 s_open_cases;
	MDB_dbi		 s_escalate;
	MDB_dbi		 s_withdrawn;
	MDB_dbi		 s_idem;
	MDB_dbi		 s_expiry;
	MDB_dbi		 s_merkle;
	MDB_dbi		 s_keys;
	MDB_dbi		 s_name_subj;
	MDB_dbi		 s_name_rows;
	MDB_dbi		 s_bigrams;
	MDB_dbi		 s_subject_cases;
	MDB_dbi		 s_name_pending;
	/* Held shared by live read transactions, exclusive to remap. */
	pthread_rwlock_t s_remap;
	/* Subjects with a summary: most `check` misses stop here. */
	struct filter	 s_filter;
	/* The audit of reads (audit.h), opened and closed by main. */
	struct audit	*s_audit;
	/* The backup running or last run (backup.h), under s_backup_lock. */
	struct backup_job *s_backup;
	pthread_mutex_t	 s_backup_lock;
};

/*
 * Opens (creating if needed) the environment in dir with room for
 * maxreaders read transactions, clears stale reader slots, opens all
 * databases and fills the subject filter. Returns 0 or -1 (logged).
 */
int	 store_open(struct store *, const char *dir, uint64_t map_size,
	    unsigned maxreaders);
void	 store_close(struct store *);
/*
 * Doubles the map (up to max bytes) after MDB_MAP_FULL. Call with no
 * write transaction open; waits for readers to finish. Returns 0 when
 * grown, -1 when already at max or on failure (logged).
 */
int	 store_grow(struct store *, uint64_t max);
/*
 * After a failed write of a meta page LMDB refuses every transaction of
 * the environment, reads too (MDB_PANIC). Writes have stopped for good
 * by then; this reopens the data read-only and without locks (nothing
 * writes any more) so that reads go on. Returns 0, or -1 (logged).
 */
int	 store_reopen_read_only(struct store *);
/* Read transactions run between these (shared hold on s_remap). */
void	 store_read_enter(struct store *);
void	 store_read_leave(struct store *);

/*
 * A worker's read snapshot: one read transaction per burst of requests,
 * reset between bursts and renewed on first use (MDB_NOTLS slots).
 */
struct store_reader {
	struct store	*sr_store;
	MDB_env		*sr_env;	/* the environment of sr_txn */
	MDB_txn		*sr_txn;
	int		 sr_live;
};

void	 store_reader_init(struct store_reader *, struct store *);
/* The snapshot, begun or renewed if needed; NULL on failure (logged). */
MDB_txn	*store_reader_txn(struct store_reader *);
/* Ends the snapshot so that the writer can reuse old pages. */
void	 store_reader_release(struct store_reader *);
void	 store_reader_close(struct store_reader *);

/*
 * Key builders for `versions`; return the key length, or 0 if it would
 * not fit. The subject key (subject NUL) is the prefix of all its keys.
 */
size_t	 store_key_subject(uint8_t *, const char *subject);
size_t	 store_key_version(uint8_t *, const char *subject, const char *list,
	    uint32_t version);
/* n-byte big-endian integers, as keys and values store them. */
void	 store_put_be(uint8_t *, uint64_t, int n);
uint64_t store_get_be(const uint8_t *, int n);
/* The key of an entry: subject NUL list (or list NUL subject); 0 if too long. */
size_t	 store_key_entry(uint8_t *, const char *first, const char *second);
/* A big-endian seq: the key of `changes`, the value of `versions`. */
void	 store_key_seq(uint8_t[8], uint64_t seq);
uint64_t store_seq_from_key(const MDB_val *);

/* The head of the change log (0 and zero hash when empty). */
int	 store_head(struct store *, MDB_txn *, uint64_t *seq,
	    uint8_t hash[STORE_HASH_LEN]);
int	 store_set_head(struct store *, MDB_txn *, uint64_t seq,
	    const uint8_t hash[STORE_HASH_LEN]);

/*
 * The name index is whole: a new store's is (empty), an older store's
 * once qcregd --reindex built it. store_names_built marks it so (0 or an
 * LMDB error); store_names_ready says whether it is.
 */
int	 store_names_built(struct store *, MDB_txn *);
int	 store_names_ready(struct store *, MDB_txn *);

/*
 * The log head of a single data file (a backup) at path, opened read-only
 * without a lock: 0, or an LMDB error (MDB_INCOMPATIBLE: not of this
 * storage schema).
 */
int	 store_file_head(const char *path, uint64_t *seq,
	    uint8_t hash[STORE_HASH_LEN]);
/* Makes a rename in dir durable: 0, or -1 with errno set. */
int	 store_sync_dir(const char *dir);

#endif
