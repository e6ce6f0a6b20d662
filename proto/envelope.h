/*
 * The envelope around every request and answer (PROTOCOL.md section 3),
 * packed and read in one place for the server, the library, the bench
 * and the fuzzers:
 *
 *   request  {"id": uint, "op": str, ...arguments}
 *   answer   {"id": uint, "ok": true,  "result": value}
 *            {"id": uint|nil, "ok": false, "error": {"code", "message"}}
 *
 * Frames are packed into a msgpack_sbuffer with the 4-byte length prefix
 * first: qc_env_*_begin writes a placeholder, the caller packs the body
 * (the arguments or the result value), qc_env_finish fills the prefix.
 */
#ifndef QC_ENVELOPE_H
#define QC_ENVELOPE_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"

/*
 * Starts a request frame in sb (cleared first): the prefix placeholder,
 * a map of 2 + nargs pairs, id and op. The caller packs nargs key/value
 * pairs, then calls qc_env_finish. Returns 0 or -1 (out of memory).
 */
int	 qc_env_request_begin(msgpack_sbuffer *sb, msgpack_packer *pk,
	    uint64_t id, const char *op, uint32_t nargs);

/*
 * Starts a success answer in sb (cleared first): the prefix placeholder
 * and {id, ok: true, result: }. The caller packs exactly one value, the
 * result, then calls qc_env_finish. Returns 0 or -1.
 */
int	 qc_env_ok_begin(msgpack_sbuffer *sb, msgpack_packer *pk,
	    uint64_t id);

/*
 * Packs a complete error answer frame into sb (cleared first), prefix
 * included; has_id 0 packs a nil id (bad_frame). Returns 0 or -1.
 */
int	 qc_env_error(msgpack_sbuffer *sb, int has_id, uint64_t id,
	    enum qc_err code, const char *message);

/* Writes the length prefix of the frame in sb. */
void	 qc_env_finish(msgpack_sbuffer *sb);

/* The bytes an answer frame of sb holds after its prefix. */
size_t	 qc_env_body_len(const msgpack_sbuffer *sb);

/* An answer's envelope, as read by qc_env_parse. */
struct qc_answer {
	int			 a_has_id;	/* 0: nil or absent id */
	uint64_t		 a_id;
	int			 a_ok;
	const msgpack_object	*a_result;	/* ok: the result value */
	enum qc_err		 a_code;	/* !ok: the error code */
	const char		*a_msg;		/* !ok: not NUL-terminated */
	size_t			 a_msg_len;
};

/*
 * Reads the envelope of an unpacked answer. Checks that ok is a boolean,
 * that a success carries an id and a result, and that an error carries
 * a string code (an unknown code reads as QC_E_INTERNAL; a missing or
 * non-string message as ""). Returns 0, or -1 with *why set to a short
 * description when the map is not an answer.
 */
int	 qc_env_parse(const msgpack_object *root, struct qc_answer *,
	    const char **why);

#endif
