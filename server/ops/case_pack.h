/*
 * A case as cases and report show it (PROTOCOL.md 4.6): its stored
 * record, the deadline and state counted now, and the texts of the
 * records that opened and closed it.
 */
#ifndef QCD_CASE_PACK_H
#define QCD_CASE_PACK_H

#include <lmdb.h>
#include <msgpack.h>
#include <stdint.h>

#include "cases.h"
#include "op.h"

/* One case as a listing sees it. */
struct case_view {
	uint64_t		 cv_id;
	struct case_rec		 cv_rec;
	const struct list_def	*cv_list;
	int32_t			 cv_deadline;
	int			 cv_provisional;
	enum case_state		 cv_state;
};

/*
 * Fills the computed parts of cv (its list, deadline and state today)
 * from cv_rec when its list is one of mask: 0, or -1 (a list not in
 * mask, or no longer configured).
 */
int		 case_view_fill(const struct req *, unsigned mask,
		    struct case_view *);
/*
 * Packs {case, kind, list, subject, state, received_on, deadline,
 * provisional?, text, by, fields?, closed_on?, outcome?, reason?,
 * closed_by?, version?}: 0, or an LMDB code (ENOMEM) with the request
 * failed.
 */
int		 case_pack(struct req *, msgpack_packer *, MDB_txn *,
		    const struct case_view *);

#endif
