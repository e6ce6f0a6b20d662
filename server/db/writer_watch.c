/*
 * Watch lists: listings counted for escalation, the index of escalated
 * subjects, and escalation_dismiss.
 */
#include <errno.h>
#include <string.h>

#include "escalation.h"
#include "msg.h"
#include "record.h"
#include "writer_int.h"

static int	 escalate_index(struct wx *);

/*
 * Remembers that the subject escalated (`escalations` reads only these
 * subjects, and checks each again: windows slide, flags are dismissed).
 */
static int
escalate_index(struct wx *x)
{
	MDB_val	 k, v;

	k.mv_data = (void *)x->x_subject;
	k.mv_size = strlen(x->x_subject);
	v.mv_data = "";
	v.mv_size = 0;
	return mdb_put(x->x_txn, x->x_st->s_escalate, &k, &v, 0);
}

int
wx_watch_listed(struct wx *x, const struct list_def *l,
    const struct summary_hit *cur, struct summary_hit *next)
{
	int32_t		 first, last;
	unsigned	 n;

	if (l->l_type != LT_WATCH || next->h_start == DATE_NONE_START ||
	    (cur != NULL && cur->h_start == next->h_start))
		return 0;
	/* A new listing: the oldest goes when the memory is full. */
	if (next->h_nlistings == SUMMARY_LISTINGS_MAX) {
		memmove(next->h_listings, next->h_listings + 1,
		    sizeof(next->h_listings[0]) * (SUMMARY_LISTINGS_MAX - 1));
		next->h_nlistings--;
	}
	next->h_listings[next->h_nlistings++] = next->h_start;
	next->h_flags &= ~(unsigned)SUMMARY_DISMISSED;
	if (l->l_escalate_to < 0)
		return 0;
	n = escalation_count(l, next, x->x_wr->wr_today, &first, &last);
	return n >= (unsigned)l->l_escalate_after ? escalate_index(x) : 0;
}

/*
 * escalation_dismiss: every watch list escalating to the target list
 * whose flag is up for the subject is dismissed, in one change record.
 */
int
wx_dismiss(struct wx *x)
{
	struct write_req	*wr = x->x_wr;
	const struct config	*cfg = x->x_cfg;
	const struct list_def	*to = wr->wr_list;
	struct escalation	 e;
	struct summary_hit	 h;
	msgpack_sbuffer		 watch, payload;
	msgpack_packer		 pk;
	struct change		 c;
	struct payload_item	 it[2] = {
		{ .pi_key = "reason", .pi_str = wr->wr_reason,
		  .pi_len = wr->wr_reason_len },
		{ .pi_key = "watch" },
	};
	const char		*names[CFG_MAX_LISTS];
	int			 n = 0, i, rc;
	unsigned		 mask = 1u << (to - cfg->lists);

	/* One flag per watch list: dismiss them one at a time. */
	while ((rc = escalation_find(cfg, x->x_sum.sm_buf, x->x_sum.sm_len,
	    mask, wr->wr_today, &e)) == 1) {
		names[n++] = cfg->lists[e.es_watch].l_name;
		if (wx_hit(x, names[n - 1], &h) != 1)
			return MDB_CORRUPTED;
		h.h_flags |= SUMMARY_DISMISSED;
		if ((rc = wx_set_hit(x, names[n - 1], &h)) != 0)
			return rc;
	}
	if (rc == -1)
		return MDB_CORRUPTED;
	if (n == 0) {
		fault_set(&wr->wr_res.wres_fault, QC_E_NOT_FOUND, "no "
		    "escalation to %s is pending for %s", to->l_name,
		    x->x_subject);
		return 0;
	}
	msgpack_sbuffer_init(&watch);
	msgpack_sbuffer_init(&payload);
	msgpack_packer_init(&pk, &watch, msgpack_sbuffer_write);
	rc = ENOMEM;
	if (msgpack_pack_array(&pk, (uint32_t)n) != 0)
		goto done;
	for (i = 0; i < n; i++)
		if (qc_pack_cstr(&pk, names[i]) != 0)
			goto done;
	it[1].pi_mp = watch.data;
	it[1].pi_len = watch.size;
	if (payload_pack(&payload, it, 2) != 0)
		goto done;
	memset(&c, 0, sizeof(c));
	c.c_by = wr->wr_principal;
	c.c_op = CH_ESCALATION_DISMISS;
	c.c_list = to->l_name;
	c.c_subject = x->x_subject;
	c.c_payload = payload.data;
	c.c_payload_len = payload.size;
	rc = wx_append(x, &c);
done:
	msgpack_sbuffer_destroy(&payload);
	msgpack_sbuffer_destroy(&watch);
	return rc;
}
