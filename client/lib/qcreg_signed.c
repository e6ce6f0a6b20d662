/*
 * libqcreg: signed check answers (PROTOCOL.md 5, check, "Signed
 * answers"): asking for one, and reading one back, from the result map of
 * a reply or from the msgpack bytes a platform kept.
 */
#include "frame.h"
#include "msg.h"
#include "qcreg_int.h"

int
qcreg_check_signed(struct qcreg *c, const char *const *subjects, size_t n,
    const char *const *lists, size_t nlists, struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_check_signed(c, subjects, n, lists,
	    nlists)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_check_parse(const msgpack_object *result, struct qcreg_check **out,
    struct qcreg_checkpoint *sig)
{
	const msgpack_object	*s;

	*out = NULL;
	if (result == NULL || result->type != MSGPACK_OBJECT_MAP)
		return QCREG_E_PROTO;
	s = qc_map_get(result, "signed");
	if (s == NULL || s->type != MSGPACK_OBJECT_MAP ||
	    qcreg_checkpoint_decode(s, sig) != 0 || !sig->is_signed)
		return QCREG_E_PROTO;
	return qcreg_check_results(qc_map_get(result, "results"), out);
}

int
qcreg_kept_unpack(const void *buf, size_t len, msgpack_unpacked *up)
{
	size_t	 off = 0;

	msgpack_unpacked_init(up);
	/* Validated first: unpacking then allocates at most ~24 x len. */
	if (buf == NULL || qc_frame_validate(buf, len) != QC_FRAME_OK)
		return QCREG_E_PROTO;
	if (msgpack_unpack_next(up, buf, len, &off) !=
	    MSGPACK_UNPACK_SUCCESS || off != len) {
		msgpack_unpacked_destroy(up);
		msgpack_unpacked_init(up);
		return QCREG_E_PROTO;
	}
	return 0;
}

int
qcreg_check_load(const void *buf, size_t len, struct qcreg_check **out,
    struct qcreg_checkpoint *sig)
{
	msgpack_unpacked	 up;
	int			 rc;

	*out = NULL;
	if ((rc = qcreg_kept_unpack(buf, len, &up)) != 0)
		return rc;
	rc = qcreg_check_parse(&up.data, out, sig);
	msgpack_unpacked_destroy(&up);
	return rc;
}
