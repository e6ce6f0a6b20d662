/*
 * report with signed: true (PROTOCOL.md 4.16). The report is packed
 * aside, its canonical text (proto/report_text.h) is made from the
 * packed map itself, the text is signed once with the checkpoint of the
 * same read snapshot, and the answer is the report map with "signed"
 * added to it.
 */
#include "report.h"
#include "report_text.h"
#include "signer.h"
#include "signing.h"

enum op_status
report_signed(struct req *q, MDB_txn *txn, struct report *rp)
{
	struct checkpoint	 cp;
	msgpack_sbuffer		 body, text;
	msgpack_packer		 bpk;
	msgpack_unpacked	 up;
	const msgpack_object	*m;
	enum op_status		 st = OP_ERROR;
	size_t			 off = 0;
	uint32_t		 i;

	if (answer_sign_begin(q, txn, &cp) != 0)
		return OP_ERROR;
	msgpack_sbuffer_init(&body);
	msgpack_sbuffer_init(&text);
	msgpack_unpacked_init(&up);
	msgpack_packer_init(&bpk, &body, msgpack_sbuffer_write);
	if (report_pack(q, txn, &bpk, rp, cp.cp_time, 0) != 0)
		goto done;
	if (msgpack_unpack_next(&up, body.data, body.size, &off) !=
	    MSGPACK_UNPACK_SUCCESS || qc_report_text(&text, q->q_cfg->origin,
	    cp.cp_time, cp.cp_size, cp.cp_root, signer_key_id(cp.cp_signer),
	    &up.data) != 0) {
		req_fail(q, QC_E_INTERNAL, "cannot make the report's text");
		goto done;
	}
	m = &up.data;
	if (msgpack_pack_map(q->q_pk, m->via.map.size + 1) != 0) {
		req_fail(q, QC_E_INTERNAL, "out of memory");
		goto done;
	}
	for (i = 0; i < m->via.map.size; i++)
		if (msgpack_pack_object(q->q_pk, m->via.map.ptr[i].key) != 0 ||
		    msgpack_pack_object(q->q_pk, m->via.map.ptr[i].val) != 0) {
			req_fail(q, QC_E_INTERNAL, "out of memory");
			goto done;
		}
	if (answer_sign_pack(q, &cp, text.data, text.size) == 0)
		st = OP_DONE;
done:
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&text);
	msgpack_sbuffer_destroy(&body);
	return st;
}
