/*
 * The next request frame of a connection's input (frames.h).
 */
#include "frame.h"
#include "frames.h"

enum frame_step
frame_next(struct evbuffer *in, uint32_t max_frame, msgpack_zone *zone,
    msgpack_object *msg, size_t *len, const char **why)
{
	uint8_t			 hdr[QC_FRAME_HDR], *body;
	enum qc_frame_status	 fs;
	uint32_t		 blen;
	size_t			 off = 0;

	if (evbuffer_copyout(in, hdr, sizeof(hdr)) != sizeof(hdr))
		return FRAME_MORE;
	blen = qc_frame_get_len(hdr);
	if ((fs = qc_frame_check_len(blen, max_frame)) != QC_FRAME_OK) {
		*why = qc_frame_strerror(fs);
		return FRAME_BAD;
	}
	*len = QC_FRAME_HDR + (size_t)blen;
	if (evbuffer_get_length(in) < *len)
		return FRAME_MORE;
	if ((body = evbuffer_pullup(in, (ssize_t)*len)) == NULL) {
		*why = "out of memory";
		return FRAME_BAD;
	}
	body += QC_FRAME_HDR;
	/* Before unpacking: msgpack-c allocates what a header declares. */
	if ((fs = qc_frame_validate(body, blen)) != QC_FRAME_OK) {
		*why = qc_frame_strerror(fs);
		return FRAME_BAD;
	}
	if (msgpack_unpack((const char *)body, blen, &off, zone, msg) !=
	    MSGPACK_UNPACK_SUCCESS || off != blen) {
		*why = "not a msgpack map";
		return FRAME_BAD;
	}
	return FRAME_READY;
}

void
frame_consume(struct evbuffer *in, size_t len)
{
	evbuffer_drain(in, len);
}
