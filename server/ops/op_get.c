/*
 * get: the newest version of a subject on each list.
 */
#include "entry.h"
#include "msg.h"
#include "op.h"

enum op_status
op_get(struct req *q)
{
	const struct config	*cfg = q->q_cfg;
	msgpack_unpacked	 ups[CFG_MAX_LISTS];
	struct record		 recs[CFG_MAX_LISTS];
	enum state		 states[CFG_MAX_LISTS];
	uint8_t			 key[STORE_KEY_MAX];
	int			 full = entry_full_view(q->q_who->cl_role);
	const char		*subject = q->q_args.a_subject;
	unsigned		 mask = q->q_args.a_lists;
	int			 i, n = 0, rc;
	enum op_status		 res = OP_DONE;
	MDB_txn			*txn;
	MDB_val			 k, v;

	if ((txn = req_txn(q)) == NULL)
		return OP_ERROR;

	for (i = 0; i < cfg->nlists; i++) {
		if (((mask >> i) & 1) == 0)
			continue;
		k.mv_data = key;
		k.mv_size = store_key_entry(key, cfg->lists[i].l_name,
		    subject);
		rc = mdb_get(txn, q->q_store->s_current, &k, &v);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0) {
			res = req_fail(q, QC_E_INTERNAL, "store: %s",
			    mdb_strerror(rc));
			break;
		}
		if (record_load(&v, &ups[n], &recs[n]) == -1) {
			msgpack_unpacked_destroy(&ups[n]);
			res = req_fail(q, QC_E_INTERNAL, "corrupt record");
			break;
		}
		states[n] = entry_state(&cfg->lists[i], &recs[n], q->q_today);
		if (!full && states[n] != ST_ACTIVE) {
			msgpack_unpacked_destroy(&ups[n]);
			continue;
		}
		n++;
	}
	if (res == OP_DONE && n == 0)
		res = req_fail(q, QC_E_NOT_FOUND, "no entry for %s", subject);
	if (res == OP_DONE && (msgpack_pack_map(q->q_pk, 2) != 0 ||
	    qc_pack_kv_str(q->q_pk, "subject", subject) != 0 ||
	    qc_pack_cstr(q->q_pk, "entries") != 0 ||
	    msgpack_pack_array(q->q_pk, n) != 0))
		res = req_fail(q, QC_E_INTERNAL, "out of memory");
	for (i = 0; i < n; i++) {
		if (res == OP_DONE && entry_pack(q->q_pk, &recs[i], states[i],
		    full) != 0)
			res = req_fail(q, QC_E_INTERNAL, "out of memory");
		msgpack_unpacked_destroy(&ups[i]);
	}
	return res;
}
