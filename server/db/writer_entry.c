/*
 * Entry versions: put and remove, and the steps every write shares
 * (the subject's summary, appending to the change log, versions).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "merkle.h"
#include "record.h"
#include "names.h"
#include "writer_int.h"

static int	 entry_refuse(struct write_req *, const struct summary_hit *);
static int	 entry_same(struct wx *, const struct summary_hit *);

void
wx_init(struct wx *x, struct store *st, MDB_txn *txn, const struct config *cfg,
    struct chain *ch, msgpack_sbuffer *scratch, struct write_req *wr)
{
	memset(x, 0, sizeof(*x));
	x->x_st = st;
	x->x_txn = txn;
	x->x_cfg = cfg;
	x->x_ch = ch;
	x->x_scratch = scratch;
	x->x_wr = wr;
	x->x_subject = wr->wr_subject;
	x->x_now = (uint64_t)time(NULL);
}

int
wx_summary_load(struct wx *x)
{
	MDB_val	 k, v;
	int	 rc;

	/* A copy: the value's page may move once this transaction writes. */
	k.mv_data = (void *)x->x_subject;
	k.mv_size = strlen(x->x_subject);
	x->x_sum.sm_len = 0;
	x->x_sum_dirty = 0;
	if ((rc = mdb_get(x->x_txn, x->x_st->s_summary, &k, &v)) == 0) {
		if (v.mv_size > sizeof(x->x_sum.sm_buf))
			return MDB_CORRUPTED;
		memcpy(x->x_sum.sm_buf, v.mv_data, v.mv_size);
		x->x_sum.sm_len = v.mv_size;
	} else if (rc != MDB_NOTFOUND)
		return rc;
	return 0;
}

int
wx_summary_save(struct wx *x)
{
	MDB_val	 k, v;

	if (!x->x_sum_dirty)
		return 0;
	k.mv_data = (void *)x->x_subject;
	k.mv_size = strlen(x->x_subject);
	/* Before the commit makes the summary visible to `check`. */
	filter_add(&x->x_st->s_filter, k.mv_data, k.mv_size);
	v.mv_data = x->x_sum.sm_buf;
	v.mv_size = x->x_sum.sm_len;
	x->x_sum_dirty = 0;
	return mdb_put(x->x_txn, x->x_st->s_summary, &k, &v, 0);
}

int
wx_hit(struct wx *x, const char *list, struct summary_hit *h)
{
	return summary_find(x->x_sum.sm_buf, x->x_sum.sm_len, list,
	    strlen(list), h);
}

int
wx_set_hit(struct wx *x, const char *list, const struct summary_hit *hit)
{
	uint8_t	 buf[sizeof(x->x_sum.sm_buf)];
	long	 n;

	if ((n = summary_update(buf, sizeof(buf), x->x_sum.sm_buf,
	    x->x_sum.sm_len, list, hit)) < 0)
		return MDB_CORRUPTED;
	memcpy(x->x_sum.sm_buf, buf, (size_t)n);
	x->x_sum.sm_len = (size_t)n;
	x->x_sum_dirty = 1;
	return 0;
}

int
wx_append(struct wx *x, struct change *c)
{
	const struct replay_rec	*rr = NULL;
	uint8_t		 hash[STORE_HASH_LEN], sq[8];
	msgpack_packer	 pk;
	MDB_val		 k, v;
	int		 rc;

	c->c_seq = x->x_ch->ch_seq + 1;
	c->c_at = x->x_now;
	if (x->x_replay != NULL) {
		if (x->x_replay_at >= x->x_replay->rp_n)
			return WX_REPLAY_SHORT;
		rr = &x->x_replay->rp_recs[x->x_replay_at];
		c->c_at = rr->rr_at;
	}
	if (record_hash(x->x_ch->ch_hash, c, hash) == -1)
		return ENOMEM;
	if (x->x_replay != NULL) {
		if (rr->rr_seq != c->c_seq ||
		    memcmp(rr->rr_hash, hash, STORE_HASH_LEN) != 0)
			return WX_REPLAY_DIFFERS;
		x->x_replay_at++;
	}
	msgpack_sbuffer_clear(x->x_scratch);
	msgpack_packer_init(&pk, x->x_scratch, msgpack_sbuffer_write);
	if (record_pack(&pk, c, hash) != 0)
		return ENOMEM;
	store_key_seq(sq, c->c_seq);
	k.mv_data = sq;
	k.mv_size = sizeof(sq);
	v.mv_data = x->x_scratch->data;
	v.mv_size = x->x_scratch->size;
	if ((rc = mdb_put(x->x_txn, x->x_st->s_changes, &k, &v,
	    MDB_NOOVERWRITE | MDB_APPEND)) != 0 ||
	    (rc = merkle_append(x->x_st, x->x_txn, c->c_seq, x->x_ch->ch_hash,
	    hash)) != 0)
		return rc;
	x->x_ch->ch_seq = c->c_seq;
	memcpy(x->x_ch->ch_hash, hash, STORE_HASH_LEN);
	x->x_wr->wr_res.wres_seq = c->c_seq;
	return 0;
}

int
wx_version(struct wx *x, const struct list_def *l,
    const struct summary_hit *cur, struct summary_hit *next,
    struct change *c)
{
	uint8_t	 key[STORE_KEY_MAX], sq[8];
	MDB_val	 k, v;
	int	 rc;

	c->c_list = l->l_name;
	c->c_subject = x->x_subject;
	c->c_version = cur != NULL ? cur->h_version + 1 : 1;
	if ((rc = wx_append(x, c)) != 0)
		return rc;
	if (cur != NULL) {
		k.mv_data = key;
		k.mv_size = store_key_version(key, x->x_subject, l->l_name,
		    cur->h_version);
		store_key_seq(sq, cur->h_seq);
		v.mv_data = sq;
		v.mv_size = sizeof(sq);
		if ((rc = mdb_put(x->x_txn, x->x_st->s_versions, &k, &v,
		    0)) != 0)
			return rc;
	}
	next->h_version = (uint32_t)c->c_version;
	next->h_seq = c->c_seq;
	if ((rc = wx_expiry(x, l, cur, next)) != 0)
		return rc;
	/* A removal repeats the fields it removes: the name stays. */
	if (c->c_op != CH_REMOVE && (rc = names_set_payload(x->x_st,
	    x->x_txn, x->x_subject, l->l_name, c->c_payload,
	    c->c_payload_len)) != 0)
		return rc;
	x->x_wr->wr_res.wres_version = c->c_version;
	return wx_set_hit(x, l->l_name, next);
}

int
wx_fields_of(struct wx *x, const struct summary_hit *cur,
    msgpack_sbuffer *out)
{
	msgpack_unpacked up;
	msgpack_packer	 pk;
	struct record	 r;
	int		 rc;

	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	if ((rc = record_fetch(x->x_st, x->x_txn, cur->h_seq, &up, &r)) == 0 &&
	    msgpack_pack_object(&pk, *r.r_fields) != 0)
		rc = ENOMEM;
	msgpack_unpacked_destroy(&up);
	return rc;
}

void
wx_listed_hit(const struct write_req *wr, const struct summary_hit *cur,
    struct summary_hit *next)
{
	/* What belongs to the entry, not the version, carries over. */
	if (cur != NULL)
		*next = *cur;
	else
		memset(next, 0, sizeof(*next));
	next->h_flags &= ~(unsigned)SUMMARY_REMOVED;
	next->h_list = wr->wr_list->l_name;
	next->h_list_len = strlen(next->h_list);
	next->h_grade = wr->wr_grade[0] != '\0' ? wr->wr_grade : NULL;
	next->h_grade_len = strlen(wr->wr_grade);
	next->h_start = wr->wr_start;
	next->h_end = wr->wr_end;
}

int
wx_withdraw(struct wx *x, const struct list_def *l, uint64_t case_id,
    const char *reason)
{
	struct payload_item it = { .pi_key = "reason", .pi_str = reason,
	    .pi_len = strlen(reason) };
	msgpack_sbuffer	 payload;
	struct change	 c;
	uint8_t		 key[STORE_KEY_MAX], sq[8];
	MDB_val		 k, v;
	int		 rc = ENOMEM;

	msgpack_sbuffer_init(&payload);
	if (payload_pack(&payload, &it, 1) != 0)
		goto done;
	memset(&c, 0, sizeof(c));
	c.c_by = x->x_wr->wr_principal;
	c.c_op = CH_WITHDRAW;
	c.c_list = l->l_name;
	c.c_subject = x->x_subject;
	c.c_case = case_id;
	c.c_payload = payload.data;
	c.c_payload_len = payload.size;
	if ((rc = wx_append(x, &c)) != 0)
		goto done;
	k.mv_data = key;
	k.mv_size = store_key_entry(key, x->x_subject, l->l_name);
	store_key_seq(sq, c.c_seq);
	v.mv_data = sq;
	v.mv_size = sizeof(sq);
	rc = mdb_put(x->x_txn, x->x_st->s_withdrawn, &k, &v, 0);
done:
	msgpack_sbuffer_destroy(&payload);
	return rc;
}

/*
 * The rules a put or remove must pass against the current entry (cur,
 * NULL if there is none): if_version, and removal of a missing or
 * removed entry. Returns 1 with wr's fault set when refused.
 */
static int
entry_refuse(struct write_req *wr, const struct summary_hit *cur)
{
	struct fault	*f = &wr->wr_res.wres_fault;
	uint64_t	 version = cur != NULL ? cur->h_version : 0;

	if (wr->wr_has_if && wr->wr_if_version == 0 && version != 0) {
		fault_set(f, QC_E_CONFLICT, "entry exists at version %" PRIu64,
		    version);
		return 1;
	}
	if (wr->wr_has_if && wr->wr_if_version != 0 &&
	    version != wr->wr_if_version) {
		fault_set(f, QC_E_CONFLICT, "entry is at version %" PRIu64
		    ", not %" PRIu64, version, wr->wr_if_version);
		return 1;
	}
	if (wr->wr_op == WR_REMOVE && cur == NULL) {
		fault_set(f, QC_E_NOT_FOUND, "no entry for %s on list %s",
		    wr->wr_subject, wr->wr_list->l_name);
		return 1;
	}
	if (wr->wr_op == WR_REMOVE && (cur->h_flags & SUMMARY_REMOVED)) {
		fault_set(f, QC_E_CONFLICT, "already removed");
		return 1;
	}
	return 0;
}

/*
 * A put unless_same over a listed entry whose fields are these: answered
 * with the entry's version, unchanged, and nothing written. 1 if so, 0
 * if not, or an LMDB error.
 */
static int
entry_same(struct wx *x, const struct summary_hit *cur)
{
	struct write_req	*wr = x->x_wr;
	msgpack_sbuffer		 oldf;
	int			 rc, same;

	if (cur->h_flags & SUMMARY_REMOVED)
		return 0;
	msgpack_sbuffer_init(&oldf);
	if ((rc = wx_fields_of(x, cur, &oldf)) != 0) {
		msgpack_sbuffer_destroy(&oldf);
		return rc;
	}
	same = oldf.size == wr->wr_fields.size &&
	    memcmp(oldf.data, wr->wr_fields.data, oldf.size) == 0;
	msgpack_sbuffer_destroy(&oldf);
	if (!same)
		return 0;
	wr->wr_res.wres_version = cur->h_version;
	wr->wr_res.wres_seq = cur->h_seq;
	wr->wr_res.wres_unchanged = 1;
	return 1;
}

/* put and remove: a new version with its change record. */
int
wx_entry(struct wx *x)
{
	struct write_req	*wr = x->x_wr;
	const struct list_def	*l = wr->wr_list;
	struct summary_hit	 cur, next;
	msgpack_sbuffer		 oldf, payload;
	struct change		 c;
	int			 rc, has, removing = wr->wr_op == WR_REMOVE;

	if ((has = wx_hit(x, l->l_name, &cur)) == -1)
		return MDB_CORRUPTED;
	if (entry_refuse(wr, has ? &cur : NULL))
		return 0;
	if (!removing && has && wr->wr_unless_same &&
	    (rc = entry_same(x, &cur)) != 0)
		return rc == 1 ? 0 : rc;
	msgpack_sbuffer_init(&oldf);
	msgpack_sbuffer_init(&payload);
	if (removing) {
		next = cur;
		next.h_flags |= SUMMARY_REMOVED;
		if ((rc = wx_fields_of(x, &cur, &oldf)) != 0)
			goto done;
	} else {
		wx_listed_hit(wr, has ? &cur : NULL, &next);
		if ((rc = wx_watch_listed(x, l, has ? &cur : NULL,
		    &next)) != 0)
			goto done;
	}
	rc = ENOMEM;
	if (record_payload(&payload, removing ? oldf.data : wr->wr_fields.data,
	    removing ? oldf.size : wr->wr_fields.size, wr->wr_reason,
	    wr->wr_reason_len) != 0)
		goto done;
	memset(&c, 0, sizeof(c));
	c.c_by = wr->wr_principal;
	c.c_op = removing ? CH_REMOVE : CH_PUT;
	c.c_payload = payload.data;
	c.c_payload_len = payload.size;
	rc = wx_version(x, l, has ? &cur : NULL, &next, &c);
done:
	msgpack_sbuffer_destroy(&payload);
	msgpack_sbuffer_destroy(&oldf);
	return rc;
}
