/*
 * libqcreg mirror: the rows an applied record writes, in the page's
 * transaction: an entry (qcreg_mirror_entry.c), its payload in
 * `payloads`, and, for an entry key it creates, a row of `added` (the
 * subject filter's log, qcreg_mirror_filter.c).
 */
#include <string.h>

#include "qcreg_mirror_int.h"

/* The entry at k: 1 found, 0 not there, or an error code. */
int
mirror_row_get(struct mirror_apply *a, const MDB_val *k,
    struct mirror_entry *e)
{
	MDB_val	 v;
	int	 rc;

	if ((rc = mdb_get(a->txn, a->m->entries, (MDB_val *)k, &v)) ==
	    MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return mirror_lmdb_fail(a->m, rc, "reading an entry");
	if (mirror_entry_decode(v.mv_data, v.mv_size, e) != 0)
		return mirror_fail(a->m, QCREG_E_STORE, "a corrupt entry");
	return 1;
}

/*
 * Stores e at k; created (the record's seq) when the key is new, else 0.
 * The subject of a new key goes to `added`: the log only grows, so a
 * filter that read it up to some seq and then reads on never misses a
 * subject.
 */
int
mirror_row_put(struct mirror_apply *a, const MDB_val *k,
    const struct mirror_entry *e, uint64_t created)
{
	uint8_t	 buf[MIRROR_ENTRY_MAX], seq[8];
	MDB_val	 v, sk;
	int	 rc, i;

	v.mv_size = mirror_entry_size(e);
	v.mv_data = buf;
	if (v.mv_size > sizeof(buf))
		return mirror_fail(a->m, QCREG_E_PROTO, "a grade too long");
	/* e may point into the stored value: encode before the put. */
	mirror_entry_encode(e, buf);
	if ((rc = mdb_put(a->txn, a->m->entries, (MDB_val *)k, &v, 0)) != 0)
		return mirror_lmdb_fail(a->m, rc, "writing an entry");
	if (created == 0)
		return 0;
	for (i = 7; i >= 0; i--, created >>= 8)
		seq[i] = (uint8_t)created;
	sk.mv_data = seq;
	sk.mv_size = sizeof(seq);
	v.mv_data = k->mv_data;
	v.mv_size = strlen(k->mv_data);	/* the subject, before its NUL */
	if ((rc = mdb_put(a->txn, a->m->added, &sk, &v, 0)) != 0)
		return mirror_lmdb_fail(a->m, rc, "writing the added log");
	return 0;
}

/* The payload of the entry at k's version. */
int
mirror_row_payload(struct mirror_apply *a, const MDB_val *k,
    const uint8_t *payload, size_t len)
{
	MDB_val	 v;
	int	 rc;

	v.mv_data = (void *)payload;
	v.mv_size = len;
	if ((rc = mdb_put(a->txn, a->m->payloads, (MDB_val *)k, &v, 0)) != 0)
		return mirror_lmdb_fail(a->m, rc, "writing a payload");
	return 0;
}

/* Deletes what db holds at k, if anything. */
int
mirror_row_del(struct mirror_apply *a, MDB_dbi db, const MDB_val *k)
{
	int	 rc;

	if ((rc = mdb_del(a->txn, db, (MDB_val *)k, NULL)) != 0 &&
	    rc != MDB_NOTFOUND)
		return mirror_lmdb_fail(a->m, rc, "deleting an entry");
	return 0;
}
