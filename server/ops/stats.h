/*
 * Inside stats (PROTOCOL.md 5, stats): the walk over every current entry
 * that the request's filters keep (op_stats.c), and the counts grouped
 * by region, month or grade (op_stats_group.c).
 */
#ifndef QCD_STATS_H
#define QCD_STATS_H

#include "op.h"
#include "summary.h"

/* One entry that counts: its subject, its hit, its state, its list. */
typedef int stats_fn(struct req *, const char *subject, size_t len,
    const struct summary_hit *, enum state, int list, void *arg);

/*
 * Calls fn for each current entry kept by the filters of q (list,
 * region, from, to); stops at fn's non-zero. 0, or an LMDB code or fn's.
 */
int		 stats_walk(struct req *, MDB_txn *, stats_fn *, void *arg);
/*
 * The division a subject was registered in, from a USCC's characters
 * 3-8: its 6 digits into out and 1, or 0 for a subject without one.
 */
int		 stats_subject_region(const char *subject, size_t len,
		    char out[7]);
/* The name of a grouping ("list", "region" ...). */
const char	*stats_by_name(enum stats_by);
/* stats by region, month or grade: packs the result. */
enum op_status	 stats_grouped(struct req *, MDB_txn *, uint64_t head);

#endif
