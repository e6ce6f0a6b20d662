/*
 * Framing: a 4-byte big-endian length L (1 <= L <= max_frame) followed by
 * L bytes holding exactly one msgpack map.
 */
#ifndef QC_FRAME_H
#define QC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define QC_FRAME_HDR		4
#define QC_FRAME_MAX_DEFAULT	(1024 * 1024)
#define QC_FRAME_MAX_DEPTH	8	/* nesting of arrays and maps */

enum qc_frame_status {
	QC_FRAME_OK = 0,
	QC_FRAME_EMPTY,		/* L == 0 */
	QC_FRAME_OVERSIZE,	/* L > max_frame */
	QC_FRAME_TRUNCATED,	/* a value runs past the end of the frame */
	QC_FRAME_TRAILING,	/* bytes left after the first value */
	QC_FRAME_NOT_MAP,	/* the top-level value is not a map */
	QC_FRAME_TOO_DEEP,	/* nesting deeper than QC_FRAME_MAX_DEPTH */
	QC_FRAME_INVALID	/* reserved type byte 0xc1 */
};

/* Writes the 4-byte big-endian length prefix for a body of len bytes. */
void		 qc_frame_put_len(uint8_t hdr[QC_FRAME_HDR], uint32_t len);
/* Reads the length prefix. */
uint32_t	 qc_frame_get_len(const uint8_t hdr[QC_FRAME_HDR]);

/*
 * Checks the length from a header against the limit: QC_FRAME_OK,
 * QC_FRAME_EMPTY or QC_FRAME_OVERSIZE. Call before buffering the body.
 */
enum qc_frame_status qc_frame_check_len(uint32_t len, uint32_t max_frame);

/*
 * Walks a frame body without allocating and decides whether it is exactly
 * one well-formed msgpack map: every declared length and element count
 * fits in the bytes that remain, nesting is at most QC_FRAME_MAX_DEPTH and
 * nothing follows the map. Only a body that passes may be given to
 * msgpack_unpack_next (whose allocations are then bounded by ~24 x len).
 */
enum qc_frame_status qc_frame_validate(const uint8_t *body, size_t len);
/* The same walk for one msgpack value of any type (stored records). */
enum qc_frame_status qc_msgpack_validate(const uint8_t *body, size_t len);
/* ... for count values back to back (count >= 1). */
enum qc_frame_status qc_msgpack_validate_seq(const uint8_t *body, size_t len,
		    unsigned count);

/* A short English description of a status, for error messages. */
const char	*qc_frame_strerror(enum qc_frame_status);

#endif
