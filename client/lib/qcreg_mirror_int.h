/*
 * libqcreg mirror internals, shared by client/lib/qcreg_mirror*.c only.
 *
 * The data file (LMDB, one per generation: DIR/data.<gen>.mdb, the live
 * one named by DIR/current) holds four databases:
 *
 *   meta     "format", "seq" (u64), "hash" (the chain hash at seq),
 *            "tree" (the tree's peaks at seq), "hello" ({"lists"}),
 *            "tz" (UTC offset, minutes), "checkpoint" (the last signed
 *            checkpoint reached, as received), "compact" (withdrawn
 *            entries were deleted since the file was last rewritten)
 *   entries  subject NUL list -> an entry (qcreg_mirror_entry.c)
 *   payloads subject NUL list -> the payload of the entry's version
 *   added    seq (u64) -> the subject of the entry the record created,
 *            read by the subject filter (qcreg_mirror_filter.c)
 */
#ifndef QCREG_MIRROR_INT_H
#define QCREG_MIRROR_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <lmdb.h>

#include "bloom.h"
#include "qcreg_int.h"
#include "subject.h"

#define MIRROR_LISTS_MAX	32	/* as the server's CFG_MAX_LISTS */
#define MIRROR_GRADES_MAX	16	/* values of a grade field */
#define MIRROR_NAME_MAX		64	/* list and field names, with NUL */
#define MIRROR_LIST_KEY_MAX	(MIRROR_NAME_MAX - 1)
#define MIRROR_GRADE_MAX	255	/* bytes of a stored grade */
/* A stored entry: flags, grade_len, grade, dates, version, seq, case. */
#define MIRROR_ENTRY_MAX	(2 + MIRROR_GRADE_MAX + 4 + 4 + 8 + 8 + 8)
#define MIRROR_NO_START		INT32_MIN
#define MIRROR_NO_END		INT32_MAX
/* subject NUL list */
#define MIRROR_KEY_MAX		(QC_SUBJECT_MAX + 1 + MIRROR_LIST_KEY_MAX)

/* A change record as received (PROTOCOL.md 4.4, 4.7). */
enum mirror_op {
	MOP_SEALED = 0,
	MOP_PUT,
	MOP_REMOVE,
	MOP_CASE_OPEN,
	MOP_CASE_CLOSE,
	MOP_DISMISS,
	MOP_WITHDRAW,
	MOP_COUNT
};

struct mirror_change {
	uint64_t	 seq;
	enum mirror_op	 op;
	const char	*list;
	size_t		 list_len;
	const char	*subject;
	size_t		 subject_len;
	uint64_t	 version;	/* 0: none */
	uint64_t	 case_id;	/* 0: none */
	const uint8_t	*payload;	/* NULL: not shown to this reader */
	size_t		 payload_len;
};

/* qcreg_mirror_change.c */
int		 mirror_change_decode(const msgpack_object *,
		    struct mirror_change *, char *why, size_t);

/* An entry as the mirror keeps it (qcreg_mirror_entry.c). */
struct mirror_entry {
	int		 removed;
	int		 has_fields;	/* `payloads` holds its version's */
	const char	*grade;		/* NULL: none */
	size_t		 grade_len;
	int32_t		 start;		/* MIRROR_NO_START: none */
	int32_t		 end;		/* MIRROR_NO_END: none */
	uint64_t	 version;
	uint64_t	 seq;
	uint64_t	 disputed;	/* the open objection case, or 0 */
};

size_t		 mirror_entry_key(uint8_t out[MIRROR_KEY_MAX],
		    const char *subject, size_t slen, const char *list,
		    size_t llen);
size_t		 mirror_entry_size(const struct mirror_entry *);
void		 mirror_entry_encode(const struct mirror_entry *, uint8_t *);
int		 mirror_entry_decode(const void *, size_t,
		    struct mirror_entry *);
int		 mirror_entry_active(const struct mirror_entry *,
		    int32_t today);

/*
 * The subjects that have an entry, as far as the `added` log was read
 * (qcreg_mirror_filter.c).
 */
struct mirror_filter {
	struct bloom	 f_bloom;
	int		 f_built;
	unsigned long	 f_gen;		/* of the data file it was read from */
	uint64_t	 f_last;	/* seq of the last row read */
	uint64_t	 f_n;		/* subjects added */
};

int		 mirror_filter_update(struct qcreg_mirror *, MDB_txn *);
int		 mirror_filter_maybe(const struct qcreg_mirror *, const char *,
		    size_t);
void		 mirror_filter_free(struct qcreg_mirror *);

/* A list definition from hello (qcreg_mirror_lists.c). */
enum mirror_ltype {
	ML_RATING = 0,
	ML_BLACKLIST,
	ML_WATCH
};

struct mirror_list {
	char			 name[MIRROR_NAME_MAX];
	enum mirror_ltype	 type;
	/* Field names; "" when the list has none. */
	char			 grade[MIRROR_NAME_MAX];
	char			 start[MIRROR_NAME_MAX];
	char			 end[MIRROR_NAME_MAX];
	/* rating: the verdict of each grade */
	int			 ngrades;
	char			 grades[MIRROR_GRADES_MAX][MIRROR_NAME_MAX];
	enum qcreg_verdict	 verdicts[MIRROR_GRADES_MAX];
};

struct mirror_lists {
	int			 n;
	struct mirror_list	 l[MIRROR_LISTS_MAX];
};

int		 mirror_lists_parse(const msgpack_object *lists,
		    struct mirror_lists *, char *why, size_t);
int		 mirror_list_index(const struct mirror_lists *, const char *,
		    size_t);
enum qcreg_verdict mirror_list_verdict(const struct mirror_list *,
		    const char *grade, size_t len);

struct qcreg_mirror {
	char		*dir;
	int		 rw;		/* this handle syncs */
	int		 lock_fd;	/* DIR/sync.lock, held while rw */
	unsigned long	 gen;		/* generation of the open data file */
	ino_t		 current_ino;	/* of DIR/current when it was read */
	MDB_env		*env;
	MDB_dbi		 meta;
	MDB_dbi		 entries;
	MDB_dbi		 payloads;
	MDB_dbi		 added;
	struct mirror_filter filter;
	int		 utc_offset;	/* minutes */
	struct mirror_lists lists;
	msgpack_unpacked hello;		/* {"lists": [...]} as stored */
	char		*hello_buf;

	/* Syncing: how to reach the registry, and whose key signs. */
	struct qcreg	*c;
	char		*host;
	unsigned	 port;
	struct qcreg_opts opts;
	uint8_t		 pub[QC_PUB_LEN];
	int		 stop_fd;	/* qcreg_mirror_stop_fd, or -1 */
	int		(*progress)(void *, const struct qcreg_mirror_status *);
	void		*progress_arg;

	char		 errmsg[QCREG_ERRMSG_MAX];
};

/* qcreg_mirror.c */
int		 mirror_fail(struct qcreg_mirror *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
int		 mirror_lmdb_fail(struct qcreg_mirror *, int, const char *);

/* qcreg_mirror_store.c */
int		 mirror_store_open(struct qcreg_mirror *);
void		 mirror_store_close(struct qcreg_mirror *);
int		 mirror_store_reopen(struct qcreg_mirror *);
int		 mirror_store_moved(const struct qcreg_mirror *);
int		 mirror_meta_get(struct qcreg_mirror *, MDB_txn *,
		    const char *, MDB_val *);
int		 mirror_meta_put(struct qcreg_mirror *, MDB_txn *,
		    const char *, const void *, size_t);
int		 mirror_meta_u64(struct qcreg_mirror *, MDB_txn *,
		    const char *, uint64_t *);
int		 mirror_meta_put_u64(struct qcreg_mirror *, MDB_txn *,
		    const char *, uint64_t);
int		 mirror_hello_load(struct qcreg_mirror *, MDB_txn *);
int		 mirror_current_write(struct qcreg_mirror *, unsigned long);
void		 mirror_data_path(const struct qcreg_mirror *, unsigned long,
		    char *, size_t);

/* qcreg_mirror_compact.c */
int		 mirror_compact(struct qcreg_mirror *, int *done);

/* qcreg_mirror_net.c */
int		 mirror_connect(struct qcreg_mirror *);
int		 mirror_changes(struct qcreg_mirror *, uint64_t since,
		    uint32_t limit, unsigned wait_s, struct qcreg_reply **);
int		 mirror_checkpoint(struct qcreg_mirror *,
		    struct qcreg_checkpoint *, msgpack_sbuffer *raw);
int		 mirror_consistency(struct qcreg_mirror *, uint64_t from,
		    const uint8_t from_root[QCREG_HASH_LEN],
		    const struct qcreg_checkpoint *);

/* qcreg_mirror_apply.c */
struct mirror_apply {
	struct qcreg_mirror	*m;
	MDB_txn			*txn;
	uint64_t		 withdrawn;	/* entries whose fields went */
};

int		 mirror_apply(struct mirror_apply *,
		    const struct mirror_change *);

/* qcreg_mirror_rows.c */
int		 mirror_row_get(struct mirror_apply *, const MDB_val *,
		    struct mirror_entry *);
int		 mirror_row_put(struct mirror_apply *, const MDB_val *,
		    const struct mirror_entry *, uint64_t created);
int		 mirror_row_payload(struct mirror_apply *, const MDB_val *,
		    const uint8_t *, size_t);
int		 mirror_row_del(struct mirror_apply *, MDB_dbi,
		    const MDB_val *);

/* qcreg_mirror_page.c */
struct mirror_state {
	uint64_t		 seq;
	uint8_t			 hash[QCREG_HASH_LEN];
	struct qcreg_tree	 tree;
};

int		 mirror_state_load(struct qcreg_mirror *, MDB_txn *,
		    struct mirror_state *);
int		 mirror_page(struct qcreg_mirror *, struct mirror_state *,
		    const msgpack_object *changes, uint32_t limit,
		    const struct qcreg_checkpoint *,
		    const msgpack_sbuffer *cp_raw,
		    struct qcreg_mirror_status *);

#endif
