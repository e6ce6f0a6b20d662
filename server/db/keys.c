/*
 * The registry's public keys, in the store.
 */
#include <stdio.h>
#include <string.h>

#include "keys.h"

#define KEY_VALUE_LEN	(QC_PUB_LEN + 8)

int
keys_register(struct store *st, const char *key_id,
    const uint8_t pub[QC_PUB_LEN], uint64_t now, char *err, size_t errlen)
{
	uint8_t	 val[KEY_VALUE_LEN];
	MDB_txn	*txn;
	MDB_val	 k, v;
	int	 rc;

	k.mv_data = (void *)key_id;
	k.mv_size = strlen(key_id);
	/* Not while the writer grows the map (a shared hold, as a read). */
	store_read_enter(st);
	if ((rc = mdb_txn_begin(st->s_env, NULL, 0, &txn)) != 0)
		goto done;
	if ((rc = mdb_get(txn, st->s_keys, &k, &v)) == 0) {
		mdb_txn_abort(txn);
		if (v.mv_size == KEY_VALUE_LEN &&
		    memcmp(v.mv_data, pub, QC_PUB_LEN) == 0)
			rc = 0;
		else {
			snprintf(err, errlen, "key_id %s was used before for "
			    "another key; a new key needs a new key_id",
			    key_id);
			store_read_leave(st);
			return -1;
		}
		goto done;
	}
	memcpy(val, pub, QC_PUB_LEN);
	store_put_be(val + QC_PUB_LEN, now, 8);
	v.mv_data = val;
	v.mv_size = sizeof(val);
	if (rc != MDB_NOTFOUND ||
	    (rc = mdb_put(txn, st->s_keys, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		goto done;
	}
	rc = mdb_txn_commit(txn);
done:
	store_read_leave(st);
	if (rc != 0) {
		snprintf(err, errlen, "recording key %s: %s", key_id,
		    mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
keys_walk(struct store *st, MDB_txn *txn,
    int (*fn)(const struct key_info *, void *), void *arg)
{
	struct key_info	 ki;
	MDB_cursor	*cur;
	MDB_val		 k, v;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, st->s_keys, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (v.mv_size != KEY_VALUE_LEN) {
			rc = MDB_CORRUPTED;
			break;
		}
		ki.ki_id = k.mv_data;
		ki.ki_id_len = k.mv_size;
		ki.ki_pub = v.mv_data;
		ki.ki_since = store_get_be((const uint8_t *)v.mv_data +
		    QC_PUB_LEN, 8);
		if ((rc = fn(&ki, arg)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}
