/*
 * The writer thread: every write goes through it. It takes all queued
 * writes, applies them in one LMDB transaction (group commit), commits
 * durably, and only then hands each result to the route its submitter
 * chose. It returns result structs, never wire frames.
 */
#ifndef QCD_WRITER_H
#define QCD_WRITER_H

#include <lmdb.h>
#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "outcome.h"
#include "store.h"
#include "subject.h"

enum write_op {
	WR_PUT = 0,
	WR_REMOVE,
	WR_CASE_OPEN,
	WR_CASE_CLOSE,
	WR_DISMISS,
	WR_WITHDRAW,	/* a replica replays the expiry sweep's withdraw */
	WR_OP_COUNT,
	WR_REPLAY	/* a replica applies a page of the primary's log */
};

#define WR_IDEM_MAX	64	/* bytes of a retry key */

struct write_req {
	struct write_result	 wr_res;	/* first: the posted part */
	struct write_req	*wr_next;	/* the writer's queue */
	enum write_op		 wr_op;
	const struct list_def	*wr_list;
	char			 wr_subject[QC_SUBJECT_MAX];
	char			 wr_principal[CFG_NAME_MAX];
	int			 wr_has_if;
	/* put: nothing is written over a listed entry of the same fields. */
	int			 wr_unless_same;
	uint64_t		 wr_if_version;
	/* put: the packed fields map, and what the summary needs. */
	msgpack_sbuffer		 wr_fields;
	char			 wr_grade[CFG_NAME_MAX];
	int32_t			 wr_start, wr_end;
	/* remove, case_close, escalation_dismiss: the reason. */
	char			*wr_reason;
	size_t			 wr_reason_len;
	int32_t			 wr_today;	/* the registry's date */
	char			 wr_idem[WR_IDEM_MAX + 1];	/* "": none */
	/* case_open: kind, received_on, text and (notice) wr_fields */
	int			 wr_kind;
	int32_t			 wr_received_on;
	char			*wr_text;
	size_t			 wr_text_len;
	/* case_close: the case and its outcome; wr_fields if given */
	uint64_t		 wr_case;
	int			 wr_outcome;
	int			 wr_has_fields;
	/* WR_REPLAY: the page of records; the submitter keeps it. */
	struct replay		*wr_replay;
};

/*
 * One record of the primary's log as a replica applies it: the write
 * that made it (rr_write, its principal, list, subject and arguments
 * rebuilt from the record) is applied again as the primary applied it,
 * with the record's time, and each record it appends must come out with
 * the primary's hash. rr_write NULL: the record is made by the write of
 * an earlier record (the withdraw after a case_close).
 */
struct replay_rec {
	uint64_t		 rr_seq;
	uint64_t		 rr_at;
	uint8_t			 rr_hash[STORE_HASH_LEN];
	struct write_req	*rr_write;
};

struct replay {
	struct replay_rec	*rp_recs;	/* in seq order */
	size_t			 rp_n;
	/*
	 * Set by the writer: the records that applied before a failure (the
	 * page is then not committed; a page of just them would be).
	 */
	size_t			 rp_done;
	/* 1: the page ended inside a write; fetch more and try again. */
	int			 rp_short;
};

/* The head of the change log as a batch advances it. */
struct chain {
	uint64_t	 ch_seq;
	uint8_t		 ch_hash[STORE_HASH_LEN];
};

struct write_req *write_req_new(void);
void		 write_req_free(struct write_req *);
/* Shrinks a prepared write's buffers to their contents. */
void		 write_req_trim(struct write_req *);

/* Starts the writer thread; loads the head of the change log. */
struct writer	*writer_start(struct store *, const struct config *);
/*
 * Queues a write; its result goes to wr->wr_res.wres_route once the
 * batch holding it is durable. -1 with f set if the writer takes no more
 * writes: unavailable while it stops, read_only after a failed commit
 * (the caller still owns wr).
 */
int		 writer_submit(struct writer *, struct write_req *,
		    struct fault *f);
/* The head of the change log as last committed (any thread). */
uint64_t	 writer_head(struct writer *);
/*
 * Calls fn(arg) on the writer's thread after each commit that grows the
 * log (fn NULL: none). It must be quick: it delays the next batch.
 */
void		 writer_on_commit(struct writer *, void (*fn)(void *),
		    void *arg);
/* Commits what is queued, stops the thread and frees the writer. */
void		 writer_stop(struct writer *);

/*
 * Applies one write inside a batch transaction and advances ch. A
 * refused write (conflict, not found) sets wr's fault and returns 0; a
 * storage error returns the LMDB code and dooms the batch. Exposed for
 * the unit tests.
 */
int		 writer_apply(struct store *, MDB_txn *, const struct config *,
		    struct write_req *, struct chain *,
		    msgpack_sbuffer *scratch);

/*
 * A replica's page (wr->wr_replay) in one transaction: all of it, or
 * none when a record does not come out as the primary's (wr's fault says
 * which, QC_E_INTERNAL) or the page ends inside a write (rp_short).
 * Returns an LMDB code only for a storage error.
 */
int		 writer_replay(struct store *, MDB_txn *, const struct config *,
		    struct write_req *, struct chain *,
		    msgpack_sbuffer *scratch);

/* How long a retry key is kept. */
#define WRITER_IDEM_SECONDS	(24 * 60 * 60)

/*
 * Housekeeping in one transaction: withdraws up to a batch of entries
 * expired for more than their list's publish_days (*more set if others
 * are due), and (writer_idem_purge) forgets retry keys older than a day.
 */
int		 writer_sweep(struct store *, MDB_txn *, const struct config *,
		    struct chain *, msgpack_sbuffer *scratch, int32_t today,
		    int *more);
int		 writer_idem_purge(struct store *, MDB_txn *, uint64_t now);

#endif
