/*
 * Protocol error codes and their wire names (PROTOCOL.md section 7).
 */
#include <string.h>

#include "errors.h"

static const char *const err_names[QC_E_COUNT] = {
	[QC_OK] = "ok",
	[QC_E_BAD_FRAME] = "bad_frame",
	[QC_E_BAD_REQUEST] = "bad_request",
	[QC_E_UNKNOWN_OP] = "unknown_op",
	[QC_E_INVALID_SUBJECT] = "invalid_subject",
	[QC_E_UNKNOWN_LIST] = "unknown_list",
	[QC_E_FORBIDDEN] = "forbidden",
	[QC_E_NOT_FOUND] = "not_found",
	[QC_E_CONFLICT] = "conflict",
	[QC_E_TOO_LARGE] = "too_large",
	[QC_E_UNAVAILABLE] = "unavailable",
	[QC_E_INTERNAL] = "internal",
	[QC_E_READ_ONLY] = "read_only",
	[QC_E_RATE_LIMITED] = "rate_limited",
};

/* An out-of-range code is a bug on our side, so it reads as "internal". */
const char *
qc_err_name(enum qc_err e)
{
	if ((unsigned)e >= QC_E_COUNT)
		return err_names[QC_E_INTERNAL];
	return err_names[e];
}

enum qc_err
qc_err_from_name(const char *s, size_t len)
{
	int	 i;

	if (s == NULL)
		return QC_E_INTERNAL;
	for (i = 0; i < QC_E_COUNT; i++) {
		if (strlen(err_names[i]) == len &&
		    memcmp(err_names[i], s, len) == 0)
			return (enum qc_err)i;
	}
	return QC_E_INTERNAL;
}
