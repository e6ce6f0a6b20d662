/*
 * Faults: one way to record an error and its message.
 */
#include <stdarg.h>
#include <stdio.h>

#include "date.h"
#include "msg.h"
#include "outcome.h"

void
fault_set(struct fault *f, enum qc_err code, const char *fmt, ...)
{
	va_list	 ap;

	f->f_code = code;
	va_start(ap, fmt);
	vsnprintf(f->f_msg, sizeof(f->f_msg), fmt, ap);
	va_end(ap);
}

int
write_result_pack(msgpack_packer *pk, const struct write_result *res)
{
	char	 day[QC_DATE_LEN + 1];
	int	 n = 1 + (res->wres_version != 0) + (res->wres_case != 0) * 2 +
		    (res->wres_provisional != 0) + (res->wres_unchanged != 0);

	if (msgpack_pack_map(pk, (uint32_t)n) != 0 ||
	    (res->wres_version != 0 &&
	    qc_pack_kv_uint(pk, "version", res->wres_version) != 0) ||
	    qc_pack_kv_uint(pk, "seq", res->wres_seq) != 0 ||
	    (res->wres_unchanged != 0 && (qc_pack_cstr(pk, "unchanged") != 0 ||
	    msgpack_pack_true(pk) != 0)))
		return -1;
	if (res->wres_case == 0)
		return 0;
	qc_date_format(res->wres_deadline, day);
	return qc_pack_kv_uint(pk, "case", res->wres_case) != 0 ||
	    qc_pack_kv_str(pk, "deadline", day) != 0 ||
	    (res->wres_provisional != 0 && (qc_pack_cstr(pk,
	    "provisional") != 0 || msgpack_pack_true(pk) != 0)) ? -1 : 0;
}
