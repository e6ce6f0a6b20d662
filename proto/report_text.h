/*
 * The canonical text of a signed `report` answer (PROTOCOL.md 4.16): the
 * bytes the signature covers, built from the report map itself, so that
 * the server and a client that kept the answer (as msgpack or as JSON)
 * make the same bytes with the same code.
 */
#ifndef QC_REPORT_TEXT_H
#define QC_REPORT_TEXT_H

#include <msgpack.h>
#include <stdint.h>

#include "sig.h"

/* Containers below the report map that the text follows. */
#define QC_REPORT_TEXT_DEPTH	16

/*
 * Appends the text of report (a map; its "signed" key is left out):
 * qc_text_head with "qcreg-report-v1", then one line "path=value" for
 * every value in the report, depth first, map keys in bytewise order,
 * array items in order; a map's or an array's own line gives its size
 * ({n} or [n]), a string's value is quoted, integers are decimal, then
 * true, false and nil. 0, or -1 when the report cannot be written (not a
 * map, a key that is not a string or appears twice, a float, binary or
 * extension value, deeper than QC_REPORT_TEXT_DEPTH, a newline in origin
 * or key_id) or out of memory.
 */
int	 qc_report_text(msgpack_sbuffer *, const char *origin, uint64_t time,
	    uint64_t size, const uint8_t root[QC_ROOT_LEN], const char *key_id,
	    const msgpack_object *report);

#endif
