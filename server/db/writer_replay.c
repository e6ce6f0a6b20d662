/*
 * A replica's replay of the primary's log (PROTOCOL.md 4.10): each
 * record's write, rebuilt from the record by the follower, is applied
 * again by the same code that applied it on the primary, at the
 * primary's time, and every record it appends must hash as the
 * primary's did. The replica's data is then the primary's, index by
 * index, and its chain and tree verify the page as it lands.
 */
#include <inttypes.h>
#include <string.h>

#include "record.h"
#include "writer_int.h"

int
writer_replay(struct store *st, MDB_txn *txn, const struct config *cfg,
    struct write_req *page, struct chain *ch, msgpack_sbuffer *scratch)
{
	struct replay		*rp = page->wr_replay;
	struct fault		*f = &page->wr_res.wres_fault;
	struct replay_rec	*rr;
	struct write_req	*wr;
	struct wx		 x;
	size_t			 i = 0;
	int			 rc;

	rp->rp_done = 0;
	rp->rp_short = 0;
	while (i < rp->rp_n) {
		rr = &rp->rp_recs[i];
		if (rr->rr_seq != ch->ch_seq + 1 || rr->rr_write == NULL) {
			fault_set(f, QC_E_INTERNAL, "record %" PRIu64 ": out "
			    "of order, the log here ends at %" PRIu64,
			    rr->rr_seq, ch->ch_seq);
			return 0;
		}
		wr = rr->rr_write;
		wr->wr_res.wres_fault.f_code = QC_OK;
		wx_init(&x, st, txn, cfg, ch, scratch, wr);
		x.x_replay = rp;
		x.x_replay_at = i;
		rc = wx_run(&x);
		if (rc == WX_REPLAY_SHORT) {
			rp->rp_short = 1;
			fault_set(f, QC_E_UNAVAILABLE, "the page ends inside "
			    "the write of record %" PRIu64, rr->rr_seq);
			return 0;
		}
		if (rc == WX_REPLAY_DIFFERS) {
			fault_set(f, QC_E_INTERNAL, "record %" PRIu64 ", "
			    "applied here, does not come out as the primary's "
			    "(hash or seq differ): the lists of the two "
			    "configs differ, or the primary's log was changed",
			    rp->rp_recs[x.x_replay_at].rr_seq);
			return 0;
		}
		if (rc != 0)
			return rc;
		if (wr->wr_res.wres_fault.f_code != QC_OK) {
			fault_set(f, QC_E_INTERNAL, "record %" PRIu64 " (%s on "
			    "%s): the primary applied it, here it is refused: "
			    "%s", rr->rr_seq, wr->wr_list->l_name,
			    wr->wr_subject, wr->wr_res.wres_fault.f_msg);
			return 0;
		}
		if (x.x_replay_at == i) {
			fault_set(f, QC_E_INTERNAL, "record %" PRIu64 ": "
			    "applied here, it wrote no record", rr->rr_seq);
			return 0;
		}
		rp->rp_done = i = x.x_replay_at;
	}
	return 0;
}
