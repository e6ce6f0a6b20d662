/*
 * Retries (PROTOCOL.md 4.8): a write's idem key is stored with its
 * answer in the write's own transaction, so the answer exists exactly
 * when the write does. Value (big-endian):
 *
 *   u64 at, u8 op, u64 version, u64 seq, u64 case, i32 deadline,
 *   u8 provisional
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "writer_int.h"

#define IDEM_VALUE_LEN	38

static size_t	 idem_key(uint8_t *, const struct write_req *);

/* principal NUL key */
static size_t
idem_key(uint8_t *out, const struct write_req *wr)
{
	size_t	 pl = strlen(wr->wr_principal), il = strlen(wr->wr_idem);

	memcpy(out, wr->wr_principal, pl);
	out[pl] = '\0';
	memcpy(out + pl + 1, wr->wr_idem, il);
	return pl + 1 + il;
}

int
wx_idem_replay(struct wx *x, int *replayed)
{
	struct write_req	*wr = x->x_wr;
	struct write_result	*res = &wr->wr_res;
	uint8_t			 key[CFG_NAME_MAX + 1 + WR_IDEM_MAX];
	const uint8_t		*p;
	MDB_val			 k, v;
	int			 rc;

	*replayed = 0;
	k.mv_data = key;
	k.mv_size = idem_key(key, wr);
	if ((rc = mdb_get(x->x_txn, x->x_st->s_idem, &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size != IDEM_VALUE_LEN)
		return MDB_CORRUPTED;
	p = v.mv_data;
	/* Past its day the key is forgotten, even before the purge. */
	if (store_get_be(p, 8) + WRITER_IDEM_SECONDS <= (uint64_t)time(NULL))
		return 0;
	*replayed = 1;
	if (p[8] != (uint8_t)wr->wr_op) {
		fault_set(&res->wres_fault, QC_E_CONFLICT, "idem key '%s' "
		    "was used for another op", wr->wr_idem);
		return 0;
	}
	res->wres_version = store_get_be(p + 9, 8);
	res->wres_seq = store_get_be(p + 17, 8);
	res->wres_case = store_get_be(p + 25, 8);
	res->wres_deadline = (int32_t)(uint32_t)store_get_be(p + 33, 4);
	res->wres_provisional = p[37];
	return 0;
}

int
wx_idem_store(struct wx *x)
{
	struct write_req	*wr = x->x_wr;
	struct write_result	*res = &wr->wr_res;
	uint8_t			 key[CFG_NAME_MAX + 1 + WR_IDEM_MAX];
	uint8_t			 val[IDEM_VALUE_LEN];
	MDB_val			 k, v;

	store_put_be(val, (uint64_t)time(NULL), 8);
	val[8] = (uint8_t)wr->wr_op;
	store_put_be(val + 9, res->wres_version, 8);
	store_put_be(val + 17, res->wres_seq, 8);
	store_put_be(val + 25, res->wres_case, 8);
	store_put_be(val + 33, (uint32_t)res->wres_deadline, 4);
	val[37] = (uint8_t)res->wres_provisional;
	k.mv_data = key;
	k.mv_size = idem_key(key, wr);
	v.mv_data = val;
	v.mv_size = sizeof(val);
	return mdb_put(x->x_txn, x->x_st->s_idem, &k, &v, 0);
}

int
writer_idem_purge(struct store *st, MDB_txn *txn, uint64_t now)
{
	MDB_cursor	*cur;
	MDB_val		 k, v;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, st->s_idem, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (v.mv_size != IDEM_VALUE_LEN ||
		    store_get_be(v.mv_data, 8) + WRITER_IDEM_SECONDS <= now)
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}
