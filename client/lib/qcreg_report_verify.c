/*
 * libqcreg: verifying a signed report: its canonical text rebuilt from
 * the report map with proto/report_text (the code the server signs
 * with), then the Ed25519 signature over it.
 */
#include "qcreg_int.h"
#include "report_text.h"

int
qcreg_report_verify(const msgpack_object *result,
    const struct qcreg_checkpoint *sig, const uint8_t pub[QC_PUB_LEN])
{
	msgpack_sbuffer	 text;
	int		 ok;

	if (result == NULL || !sig->is_signed)
		return 0;
	msgpack_sbuffer_init(&text);
	ok = qc_report_text(&text, sig->origin, sig->time, sig->size,
	    sig->root, sig->key_id, result) == 0 &&
	    qc_sig_verify(pub, text.data, text.size, sig->signature);
	msgpack_sbuffer_destroy(&text);
	return ok;
}
