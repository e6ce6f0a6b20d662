/*
 * A subject's current entries as a caller sees them, for get and
 * report: the newest version on each list in the states the caller may
 * see, the proposals of open notice cases and the escalation.
 */
#ifndef QCD_CURRENT_H
#define QCD_CURRENT_H

#include <lmdb.h>
#include <msgpack.h>

#include "config.h"
#include "escalation.h"
#include "op.h"
#include "summary.h"

/* The request's subject on each list, by list index. */
struct current {
	struct summary_hit	 cu_hits[CFG_MAX_LISTS];
	enum state		 cu_states[CFG_MAX_LISTS];
	unsigned		 cu_found;	/* lists with a visible entry */
	unsigned		 cu_active;	/* of which active */
};

/*
 * The subject's entries on the lists of mask: in every state on the
 * lists of full, else active ones only. 0, or -1 with the request failed.
 */
int		 current_hits(struct req *, MDB_txn *, unsigned mask,
		    unsigned full, struct current *);
/*
 * Packs an array of the entries found, in configuration order, with
 * their writer (by) on the lists of by. 0, or -1 with the request failed.
 */
int		 current_pack(struct req *, MDB_txn *, msgpack_packer *,
		    const struct current *, unsigned by);
/*
 * Packs the open notice cases on the lists of mask that the caller may
 * see them on (regulators: all; agencies: their own) as
 * {list, case, fields, deadline}, with no array around them. Returns how
 * many, or -1 with the request failed.
 */
long		 current_proposals(struct req *, MDB_txn *, unsigned mask,
		    msgpack_packer *);
/*
 * The subject's escalation to a list of mask, for those who may see it
 * (entry_escalation_mask): 1 (in *e), 0, or -1 with the request failed.
 */
int		 current_escalation(struct req *, MDB_txn *, unsigned mask,
		    struct escalation *e);

#endif
