/*
 * case_open and case_close (PROTOCOL.md 4.6): a case is opened by one
 * change record and closed by another, which is also the entry's new
 * version when the outcome writes one.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "case_index.h"
#include "cases.h"
#include "date.h"
#include "record.h"
#include "writer_int.h"

static int	 case_store(struct wx *, uint64_t id, const struct case_rec *);
static int	 open_payload(const struct write_req *, msgpack_sbuffer *);
static int	 close_entry(struct wx *, const struct case_rec *,
		    struct change *, msgpack_sbuffer *, uint8_t *);
static int	 close_payload(struct wx *, const struct summary_hit *cur,
		    msgpack_sbuffer *payload);

static int
case_store(struct wx *x, uint64_t id, const struct case_rec *cr)
{
	uint8_t	 buf[CASE_REC_MAX], key[8];
	MDB_val	 k, v;
	long	 n;

	if ((n = case_encode(buf, sizeof(buf), cr)) < 0)
		return MDB_BAD_VALSIZE;
	store_key_seq(key, id);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	v.mv_data = buf;
	v.mv_size = (size_t)n;
	return mdb_put(x->x_txn, x->x_st->s_cases, &k, &v, 0);
}

/* {"fields"? (a notice's proposal), "kind", "received_on", "text"} */
static int
open_payload(const struct write_req *wr, msgpack_sbuffer *out)
{
	const char		*kind = case_kind_name(wr->wr_kind);
	char			 day[QC_DATE_LEN + 1];
	struct payload_item	 it[4] = {
		{ .pi_key = "fields" },
		{ .pi_key = "kind", .pi_str = kind, .pi_len = strlen(kind) },
		{ .pi_key = "received_on", .pi_str = day,
		  .pi_len = QC_DATE_LEN },
		{ .pi_key = "text", .pi_str = wr->wr_text,
		  .pi_len = wr->wr_text_len },
	};

	if (wr->wr_kind == CASE_NOTICE) {
		it[0].pi_mp = wr->wr_fields.data;
		it[0].pi_len = wr->wr_fields.size;
	}
	qc_date_format(wr->wr_received_on, day);
	return payload_pack(out, it, 4) != 0 ? ENOMEM : 0;
}

int
wx_case_open(struct wx *x)
{
	struct write_req	*wr = x->x_wr;
	const struct list_def	*l = wr->wr_list;
	struct fault		*f = &wr->wr_res.wres_fault;
	struct summary_hit	 cur;
	struct case_rec		 cr;
	struct change		 c;
	msgpack_sbuffer		 payload;
	uint8_t			 key[STORE_KEY_MAX], sq[8];
	char			 from[QC_DATE_LEN + 1];
	MDB_val			 k, v;
	int			 rc, has, prov = 0;

	k.mv_data = key;
	k.mv_size = case_open_key(key, x->x_subject, l->l_name, wr->wr_kind);
	if ((rc = mdb_get(x->x_txn, x->x_st->s_open_cases, &k, &v)) == 0) {
		fault_set(f, QC_E_CONFLICT, "a %s case is already open on "
		    "this entry (case %" PRIu64 ")", case_kind_name(wr->wr_kind),
		    store_seq_from_key(&v));
		return 0;
	} else if (rc != MDB_NOTFOUND)
		return rc;
	if ((has = wx_hit(x, l->l_name, &cur)) == -1)
		return MDB_CORRUPTED;
	if (wr->wr_kind != CASE_NOTICE &&
	    (!has || (cur.h_flags & SUMMARY_REMOVED))) {
		fault_set(f, QC_E_NOT_FOUND, "no entry for %s on list %s to "
		    "open a %s case on", x->x_subject, l->l_name,
		    case_kind_name(wr->wr_kind));
		return 0;
	}
	if (wr->wr_kind == CASE_REPAIR && cur.h_start != DATE_NONE_START &&
	    wr->wr_today < cur.h_start + l->l_repair_after) {
		qc_date_format(cur.h_start + l->l_repair_after, from);
		fault_set(f, QC_E_CONFLICT, "credit repair may be applied for "
		    "from %s (repair_after: %d days after the start date)",
		    from, l->l_repair_after);
		return 0;
	}
	msgpack_sbuffer_init(&payload);
	rc = open_payload(wr, &payload);
	memset(&c, 0, sizeof(c));
	c.c_by = wr->wr_principal;
	c.c_op = CH_CASE_OPEN;
	c.c_list = l->l_name;
	c.c_subject = x->x_subject;
	/* The case is known by the seq of the record that opens it. */
	c.c_case = x->x_ch->ch_seq + 1;
	c.c_payload = payload.data;
	c.c_payload_len = payload.size;
	if (rc == 0)
		rc = wx_append(x, &c);
	msgpack_sbuffer_destroy(&payload);
	if (rc != 0)
		return rc;
	memset(&cr, 0, sizeof(cr));
	cr.cr_kind = (enum case_kind)wr->wr_kind;
	cr.cr_outcome = CASE_OPEN;
	cr.cr_received_on = wr->wr_received_on;
	cr.cr_list = l->l_name;
	cr.cr_list_len = strlen(l->l_name);
	cr.cr_subject = x->x_subject;
	cr.cr_subject_len = strlen(x->x_subject);
	store_key_seq(sq, c.c_seq);
	v.mv_data = sq;
	v.mv_size = sizeof(sq);
	if ((rc = case_store(x, c.c_seq, &cr)) != 0 ||
	    (rc = mdb_put(x->x_txn, x->x_st->s_open_cases, &k, &v, 0)) != 0 ||
	    (rc = case_index_put(x->x_st, x->x_txn, x->x_subject,
	    c.c_seq)) != 0)
		return rc;
	if (wr->wr_kind == CASE_OBJECTION) {
		cur.h_case = c.c_seq;
		if ((rc = wx_set_hit(x, l->l_name, &cur)) != 0)
			return rc;
	}
	wr->wr_res.wres_case = c.c_seq;
	wr->wr_res.wres_deadline = case_deadline(x->x_cfg, l, cr.cr_kind,
	    cr.cr_received_on, &prov);
	wr->wr_res.wres_provisional = prov;
	return 0;
}

/*
 * The payload of a closing: {"fields"?, "outcome", "reason"}, fields
 * those of the new version, or of the version removed (cur).
 */
static int
close_payload(struct wx *x, const struct summary_hit *cur,
    msgpack_sbuffer *payload)
{
	struct write_req	*wr = x->x_wr;
	enum outcome_effect	 eff = case_outcome_effect(wr->wr_outcome);
	const char		*outcome = case_outcome_name(wr->wr_outcome);
	msgpack_sbuffer		 oldf;
	struct payload_item	 it[3] = {
		{ .pi_key = "fields" },
		{ .pi_key = "outcome", .pi_str = outcome,
		  .pi_len = strlen(outcome) },
		{ .pi_key = "reason", .pi_str = wr->wr_reason,
		  .pi_len = wr->wr_reason_len },
	};
	int			 rc = 0;

	msgpack_sbuffer_init(&oldf);
	if (eff == EFFECT_LISTS) {
		it[0].pi_mp = wr->wr_fields.data;
		it[0].pi_len = wr->wr_fields.size;
	} else if (eff == EFFECT_REMOVES &&
	    (rc = wx_fields_of(x, cur, &oldf)) == 0) {
		it[0].pi_mp = oldf.data;
		it[0].pi_len = oldf.size;
	}
	if (rc == 0 && payload_pack(payload, it, 3) != 0)
		rc = ENOMEM;
	msgpack_sbuffer_destroy(&oldf);
	return rc;
}

/*
 * Applies the outcome to the entry and appends the closing record c
 * (its payload built in payload): a version (listed, corrected, and the
 * removals), or a plain record.
 */
static int
close_entry(struct wx *x, const struct case_rec *cr, struct change *c,
    msgpack_sbuffer *payload, uint8_t *wrote_version)
{
	struct write_req	*wr = x->x_wr;
	const struct list_def	*l = wr->wr_list;
	struct fault		*f = &wr->wr_res.wres_fault;
	enum outcome_effect	 eff = case_outcome_effect(wr->wr_outcome);
	struct summary_hit	 cur, next;
	int			 has, rc, live;
	uint64_t		 version;

	if ((has = wx_hit(x, l->l_name, &cur)) == -1)
		return MDB_CORRUPTED;
	live = has && !(cur.h_flags & SUMMARY_REMOVED);
	version = has ? cur.h_version : 0;
	if (eff != EFFECT_NONE && wr->wr_has_if &&
	    version != wr->wr_if_version) {
		fault_set(f, QC_E_CONFLICT, "entry is at version %" PRIu64
		    ", not %" PRIu64, version, wr->wr_if_version);
		return 0;
	}
	if (!live && (eff == EFFECT_REMOVES || wr->wr_outcome == OUT_CORRECTED)) {
		fault_set(f, QC_E_CONFLICT, "the entry was removed while the "
		    "case was open; close it as %s",
		    cr->cr_kind == CASE_OBJECTION ? "upheld" : "rejected");
		return 0;
	}
	if ((rc = close_payload(x, &cur, payload)) != 0)
		return rc;
	c->c_payload = payload->data;
	c->c_payload_len = payload->size;
	c->c_list = l->l_name;
	c->c_subject = x->x_subject;
	*wrote_version = eff != EFFECT_NONE;
	if (eff == EFFECT_NONE) {
		if ((rc = wx_append(x, c)) != 0)
			return rc;
		if (!has || cur.h_case != c->c_case)
			return 0;
		cur.h_case = 0;	/* an objection upheld: no longer disputed */
		return wx_set_hit(x, l->l_name, &cur);
	}
	if (eff == EFFECT_LISTS) {
		wx_listed_hit(wr, has ? &cur : NULL, &next);
		if ((rc = wx_watch_listed(x, l, has ? &cur : NULL,
		    &next)) != 0)
			return rc;
	} else {
		next = cur;
		next.h_flags |= SUMMARY_REMOVED;
	}
	if (next.h_case == c->c_case)
		next.h_case = 0;
	return wx_version(x, l, has ? &cur : NULL, &next, c);
}

int
wx_case_close(struct wx *x)
{
	struct write_req	*wr = x->x_wr;
	struct fault		*f = &wr->wr_res.wres_fault;
	struct case_rec		 cr;
	struct change		 c;
	msgpack_sbuffer		 payload;
	uint8_t			 key[STORE_KEY_MAX], idk[8], versioned = 0;
	uint64_t		 seq;
	MDB_val			 k, v;
	int			 rc;

	store_key_seq(idk, wr->wr_case);
	k.mv_data = idk;
	k.mv_size = sizeof(idk);
	if ((rc = mdb_get(x->x_txn, x->x_st->s_cases, &k, &v)) == MDB_NOTFOUND) {
		fault_set(f, QC_E_NOT_FOUND, "no case %" PRIu64, wr->wr_case);
		return 0;
	} else if (rc != 0)
		return rc;
	if (case_decode(v.mv_data, v.mv_size, &cr) == -1)
		return MDB_CORRUPTED;
	/* The worker took list and subject from this case; v may move. */
	cr.cr_list = wr->wr_list->l_name;
	cr.cr_list_len = strlen(cr.cr_list);
	cr.cr_subject = x->x_subject;
	cr.cr_subject_len = strlen(x->x_subject);
	if (cr.cr_outcome != CASE_OPEN) {
		fault_set(f, QC_E_CONFLICT, "case %" PRIu64 " is already "
		    "closed (%s)", wr->wr_case,
		    case_outcome_name(cr.cr_outcome));
		return 0;
	}
	msgpack_sbuffer_init(&payload);
	memset(&c, 0, sizeof(c));
	c.c_by = wr->wr_principal;
	c.c_op = CH_CASE_CLOSE;
	c.c_case = wr->wr_case;
	if ((rc = close_entry(x, &cr, &c, &payload, &versioned)) != 0 ||
	    f->f_code != QC_OK)
		goto done;
	seq = c.c_seq;
	if (case_outcome_effect(wr->wr_outcome) == EFFECT_REMOVES &&
	    (rc = wx_withdraw(x, wr->wr_list, wr->wr_case,
	    wr->wr_outcome == OUT_APPROVED ? "repair" : "revoked")) != 0)
		goto done;
	/* The answer is the closing, not the withdrawal after it. */
	wr->wr_res.wres_seq = seq;
	wr->wr_res.wres_version = versioned ? c.c_version : 0;
	cr.cr_outcome = (unsigned)wr->wr_outcome;
	cr.cr_closed_on = wr->wr_today;
	cr.cr_close_seq = seq;
	cr.cr_version = versioned ? (uint32_t)c.c_version : 0;
	if ((rc = case_store(x, wr->wr_case, &cr)) != 0)
		goto done;
	k.mv_data = key;
	k.mv_size = case_open_key(key, x->x_subject, wr->wr_list->l_name,
	    cr.cr_kind);
	rc = mdb_del(x->x_txn, x->x_st->s_open_cases, &k, NULL);
done:
	msgpack_sbuffer_destroy(&payload);
	return rc;
}
