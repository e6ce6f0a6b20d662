/*
 * Protocol error codes (PROTOCOL.md "Errors"), shared by server and client.
 */
#ifndef QC_ERRORS_H
#define QC_ERRORS_H

enum qc_err {
	QC_OK = 0,
	QC_E_BAD_FRAME,
	QC_E_BAD_REQUEST,
	QC_E_UNKNOWN_OP,
	QC_E_INVALID_SUBJECT,
	QC_E_UNKNOWN_LIST,
	QC_E_FORBIDDEN,
	QC_E_NOT_FOUND,
	QC_E_CONFLICT,
	QC_E_TOO_LARGE,
	QC_E_UNAVAILABLE,
	QC_E_INTERNAL,
	QC_E_READ_ONLY,		/* protocol 2: writes stopped on this server */
	QC_E_RATE_LIMITED,	/* protocol 2: past the principal's quota */
	QC_E_COUNT
};

/* Wire name of a code ("bad_frame" ...); "ok" for QC_OK. */
const char	*qc_err_name(enum qc_err);
/* Code for a wire name of len bytes; QC_E_INTERNAL if unknown. */
enum qc_err	 qc_err_from_name(const char *, size_t);

#endif
