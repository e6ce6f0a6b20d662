/*
 * Withdrawal of long-expired entries (PROTOCOL.md 4.7) and the purge of
 * old retry keys: the writer's housekeeping, run at start and hourly.
 *
 * `expiry` holds, for every entry of a list with publish_days, the day
 * it is due to be withdrawn (end + publish_days + 1) before its subject
 * and list, so that a sweep reads only the entries that are due.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "record.h"
#include "writer_int.h"

/* Entries withdrawn per sweep transaction; the rest wait for the next. */
#define SWEEP_BATCH	1000
#define SWEEP_PRINCIPAL	"qcregd"

static size_t	 expiry_key(uint8_t *, int32_t day, const char *subject,
		    const char *list);
static int	 sweep_one(struct wx *, const uint8_t *key, size_t len,
		    int32_t today);

/* Days as unsigned big-endian keys sort in date order. */
static size_t
expiry_key(uint8_t *out, int32_t day, const char *subject, const char *list)
{
	size_t	 n;

	store_put_be(out, (uint32_t)day ^ 0x80000000u, 4);
	if ((n = store_key_entry(out + 4, subject, list)) == 0)
		return 0;
	return 4 + n;
}

int
wx_expiry(struct wx *x, const struct list_def *l,
    const struct summary_hit *old, const struct summary_hit *next)
{
	uint8_t	 key[STORE_KEY_MAX + 4];
	MDB_val	 k, v;
	int	 rc;

	if (l->l_publish_days == 0)
		return 0;
	k.mv_data = key;
	if (old != NULL && old->h_end != DATE_NONE_END &&
	    !(old->h_flags & SUMMARY_REMOVED)) {
		k.mv_size = expiry_key(key, old->h_end + l->l_publish_days + 1,
		    x->x_subject, l->l_name);
		rc = mdb_del(x->x_txn, x->x_st->s_expiry, &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
	}
	if (next->h_end == DATE_NONE_END || (next->h_flags & SUMMARY_REMOVED))
		return 0;
	k.mv_size = expiry_key(key, next->h_end + l->l_publish_days + 1,
	    x->x_subject, l->l_name);
	v.mv_data = "";
	v.mv_size = 0;
	return k.mv_size == 0 ? MDB_BAD_VALSIZE :
	    mdb_put(x->x_txn, x->x_st->s_expiry, &k, &v, 0);
}

/*
 * Withdraws the entry of one due key unless it changed since (removed,
 * a new end date, or withdrawn already), then drops the key.
 */
static int
sweep_one(struct wx *x, const uint8_t *key, size_t len, int32_t today)
{
	const struct list_def	*l;
	struct summary_hit	 h;
	char			 subject[STORE_KEY_MAX], *list;
	uint8_t			 wk[STORE_KEY_MAX];
	MDB_val			 k, v;
	int			 rc, li, has;

	if (len <= 4 || len - 4 >= sizeof(subject))
		return MDB_CORRUPTED;
	memcpy(subject, key + 4, len - 4);
	subject[len - 4] = '\0';
	if ((list = memchr(subject, '\0', len - 4)) == NULL ||
	    list == subject + len - 5)
		return MDB_CORRUPTED;
	list++;
	x->x_subject = subject;
	if ((rc = wx_summary_load(x)) != 0)
		return rc;
	li = config_list_index(x->x_cfg, list, strlen(list));
	if (li >= 0 && (l = &x->x_cfg->lists[li])->l_publish_days > 0 &&
	    (has = wx_hit(x, list, &h)) == 1 &&
	    !(h.h_flags & SUMMARY_REMOVED) && h.h_end != DATE_NONE_END &&
	    h.h_end + l->l_publish_days < today) {
		k.mv_data = wk;
		k.mv_size = store_key_entry(wk, subject, list);
		rc = mdb_get(x->x_txn, x->x_st->s_withdrawn, &k, &v);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
		if (rc == MDB_NOTFOUND || store_seq_from_key(&v) < h.h_seq)
			if ((rc = wx_withdraw(x, l, 0, "expired")) != 0)
				return rc;
	}
	k.mv_data = (void *)key;
	k.mv_size = len;
	return mdb_del(x->x_txn, x->x_st->s_expiry, &k, NULL);
}

int
writer_sweep(struct store *st, MDB_txn *txn, const struct config *cfg,
    struct chain *ch, msgpack_sbuffer *scratch, int32_t today, int *more)
{
	struct write_req	 sweeper;
	uint8_t			*keys[SWEEP_BATCH];
	size_t			 lens[SWEEP_BATCH], n = 0, i;
	MDB_cursor		*cur;
	MDB_val			 k, v;
	struct wx		 x;
	int			 rc;

	*more = 0;
	if ((rc = mdb_cursor_open(txn, st->s_expiry, &cur)) != 0)
		return rc;
	/* Keys are copied: the deletions below may move their pages. */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 &&
	    n < SWEEP_BATCH; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 4 || (int32_t)((uint32_t)store_get_be(
		    k.mv_data, 4) ^ 0x80000000u) > today)
			break;
		if ((keys[n] = malloc(k.mv_size)) == NULL) {
			rc = ENOMEM;
			break;
		}
		memcpy(keys[n], k.mv_data, k.mv_size);
		lens[n++] = k.mv_size;
	}
	mdb_cursor_close(cur);
	*more = n == SWEEP_BATCH;
	if (rc == MDB_NOTFOUND || rc == 0)
		rc = 0;
	memset(&sweeper, 0, sizeof(sweeper));
	strcpy(sweeper.wr_principal, SWEEP_PRINCIPAL);
	wx_init(&x, st, txn, cfg, ch, scratch, &sweeper);
	for (i = 0; i < n; i++) {
		if (rc == 0 && (rc = sweep_one(&x, keys[i], lens[i],
		    today)) == 0)
			rc = wx_summary_save(&x);
		free(keys[i]);
	}
	return rc;
}

/*
 * A replica replays a withdraw of the primary's sweep (wr: the entry,
 * the record's case and reason): the same record, and the entry's due
 * key goes as the sweep drops it.
 */
int
wx_withdraw_replayed(struct wx *x)
{
	const struct write_req	*wr = x->x_wr;
	const struct list_def	*l = wr->wr_list;
	struct summary_hit	 h;
	uint8_t			 key[STORE_KEY_MAX + 4];
	MDB_val			 k;
	int			 rc, has;

	if ((has = wx_hit(x, l->l_name, &h)) == -1)
		return MDB_CORRUPTED;
	if (has == 1 && l->l_publish_days > 0 && h.h_end != DATE_NONE_END &&
	    !(h.h_flags & SUMMARY_REMOVED)) {
		k.mv_data = key;
		k.mv_size = expiry_key(key, h.h_end + l->l_publish_days + 1,
		    x->x_subject, l->l_name);
		rc = mdb_del(x->x_txn, x->x_st->s_expiry, &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
	}
	return wx_withdraw(x, l, wr->wr_case, wr->wr_reason);
}
