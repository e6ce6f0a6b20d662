/*
 * libqcreg: the credit report of one subject (PROTOCOL.md 5, report):
 * asking for one, signed or not, and reading a signed one back, from the
 * result map of a reply or from the msgpack bytes a caller kept.
 */
#include "msg.h"
#include "qcreg_int.h"

int
qcreg_queue_report(struct qcreg *c, const char *subject, int sign)
{
	struct qcreg_req	 q;
	int			 rc;

	if (subject == NULL)
		return qcreg_fail(c, QCREG_E_USAGE, "report needs a subject");
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_REPORT,
	    1 + (sign != 0))) != 0)
		return rc;
	return qcreg_req_end(&q,
	    qc_pack_kv_str(&q.pk, "subject", subject) != 0 ||
	    (sign && (qc_pack_cstr(&q.pk, "signed") != 0 ||
	    msgpack_pack_true(&q.pk) != 0)));
}

int
qcreg_report(struct qcreg *c, const char *subject, int sign,
    struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_report(c, subject, sign)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_report_parse(const msgpack_object *result, struct qcreg_checkpoint *sig)
{
	const msgpack_object	*s;

	if (result == NULL || result->type != MSGPACK_OBJECT_MAP ||
	    (s = qc_map_get(result, "subject")) == NULL ||
	    s->type != MSGPACK_OBJECT_STR)
		return QCREG_E_PROTO;
	s = qc_map_get(result, "signed");
	if (s == NULL || s->type != MSGPACK_OBJECT_MAP ||
	    qcreg_checkpoint_decode(s, sig) != 0 || !sig->is_signed)
		return QCREG_E_PROTO;
	return 0;
}

int
qcreg_report_load(const void *buf, size_t len, msgpack_unpacked *up,
    struct qcreg_checkpoint *sig)
{
	int	 rc;

	if ((rc = qcreg_kept_unpack(buf, len, up)) != 0)
		return rc;
	if ((rc = qcreg_report_parse(&up->data, sig)) != 0) {
		msgpack_unpacked_destroy(up);
		msgpack_unpacked_init(up);
	}
	return rc;
}
