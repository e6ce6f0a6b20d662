/*
 * Inside the writer: one write as it is applied within the batch's
 * transaction, and the steps the kinds of write share. Each kind lives
 * in its own file: entries (writer_entry.c), cases (writer_case.c),
 * watch lists and escalation (writer_watch.c), retries (writer_idem.c)
 * and the withdrawal of long-expired entries (writer_sweep.c).
 */
#ifndef QCD_WRITER_INT_H
#define QCD_WRITER_INT_H

#include "record.h"
#include "summary.h"
#include "writer.h"

/* A copy of one subject's summary, as a write finds and changes it. */
struct summary {
	uint8_t		 sm_buf[CFG_MAX_LISTS * SUMMARY_ITEM_MAX];
	size_t		 sm_len;
};

struct wx {
	struct store		*x_st;
	MDB_txn			*x_txn;
	struct chain		*x_ch;
	msgpack_sbuffer		*x_scratch;
	const struct config	*x_cfg;
	struct write_req	*x_wr;
	const char		*x_subject;
	struct summary		 x_sum;
	int			 x_sum_dirty;	/* to be stored */
	/* The write's time: its records' `at`, and its today. */
	uint64_t		 x_now;
	/* A replica's replay: the records the write must make, else NULL. */
	const struct replay	*x_replay;
	size_t			 x_replay_at;	/* the next one it appends */
};

/* A write wr (its subject) applied in txn, advancing ch. */
void	 wx_init(struct wx *, struct store *, MDB_txn *,
	    const struct config *, struct chain *, msgpack_sbuffer *scratch,
	    struct write_req *wr);
/* Loads x_subject's summary into x_sum (empty if none). */
int	 wx_summary_load(struct wx *);
/* Stores x_sum if a step changed it. */
int	 wx_summary_save(struct wx *);
/* The hit for list: 1 found, 0 none; MDB_CORRUPTED as -1. */
int	 wx_hit(struct wx *, const char *list, struct summary_hit *);
/* Replaces list's hit in x_sum (hit NULL: drops it). */
int	 wx_set_hit(struct wx *, const char *list, const struct summary_hit *);

/*
 * Appends change c to the log: sets its seq and time, chains its hash
 * and advances the batch's head. In a replay the time is the primary's
 * and the hash must be too: WX_REPLAY_SHORT when the page has no record
 * for the seq, WX_REPLAY_DIFFERS when the hash is not the primary's.
 */
#define WX_REPLAY_SHORT		(-30001)
#define WX_REPLAY_DIFFERS	(-30002)
int	 wx_append(struct wx *, struct change *c);
/*
 * Appends c as the next version of list's entry after cur (NULL: the
 * first) and points the summary at it with hit next (its version and
 * seq are filled in). Sets the write's result version and seq.
 */
int	 wx_version(struct wx *, const struct list_def *,
	    const struct summary_hit *cur, struct summary_hit *next,
	    struct change *c);
/* Packs the fields of the version cur into out (a removal repeats them). */
int	 wx_fields_of(struct wx *, const struct summary_hit *cur,
	    msgpack_sbuffer *out);
/* The summary hit of a listed version from the write's prepared fields. */
void	 wx_listed_hit(const struct write_req *, const struct summary_hit *cur,
	    struct summary_hit *next);
/*
 * Appends a withdraw record for list's entry (PROTOCOL.md 4.7) with
 * reason, for case (0: none), and remembers it in `withdrawn`.
 */
int	 wx_withdraw(struct wx *, const struct list_def *, uint64_t case_id,
	    const char *reason);
/* Keeps `expiry` in step with the entry's end date: old -> next. */
int	 wx_expiry(struct wx *, const struct list_def *,
	    const struct summary_hit *old, const struct summary_hit *next);

/*
 * Applies x's write by its kind between loading and saving the summary
 * (writer.c); a refusal sets the write's fault and returns 0.
 */
int	 wx_run(struct wx *);

/* The kinds of write; a refusal sets the write's fault and returns 0. */
int	 wx_entry(struct wx *);
int	 wx_case_open(struct wx *);
int	 wx_case_close(struct wx *);
int	 wx_dismiss(struct wx *);
/* A replica's replay of a withdraw the primary's expiry sweep made. */
int	 wx_withdraw_replayed(struct wx *);
/* A watch list's put: counts a new listing in next (writer_watch.c). */
int	 wx_watch_listed(struct wx *, const struct list_def *,
	    const struct summary_hit *cur, struct summary_hit *next);

/* Retries: 1 if the write's idem key was answered before (result set). */
int	 wx_idem_replay(struct wx *, int *replayed);
int	 wx_idem_store(struct wx *);

#endif
