/*
 * The keys of one subject, walked from its prefix.
 */
#include <string.h>

#include "subject_keys.h"

int
subject_keys_walk(struct req *q, MDB_txn *txn, MDB_dbi dbi,
    subject_key_fn *fn, void *arg)
{
	uint8_t		 prefix[STORE_KEY_MAX];
	size_t		 plen;
	MDB_cursor	*cur;
	MDB_val		 k, v;
	int		 rc, stop = 0;

	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	k.mv_data = prefix;
	k.mv_size = plen = store_key_subject(prefix, q->q_args.a_subject);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 &&
	    !stop; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		stop = fn(q, (const uint8_t *)k.mv_data + plen,
		    k.mv_size - plen, &v, arg) != 0;
	}
	mdb_cursor_close(cur);
	if (stop)
		return -1;
	if (rc != 0 && rc != MDB_NOTFOUND) {
		req_fail(q, QC_E_INTERNAL, "store: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}
