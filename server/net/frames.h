/*
 * The frame loop's one step: the next complete request frame of a
 * connection's decrypted input, checked (length, structure) and
 * unpacked. The connection code, the unit tests and the request fuzzer
 * all call this same function.
 */
#ifndef QCD_FRAMES_H
#define QCD_FRAMES_H

#include <event2/buffer.h>
#include <msgpack.h>
#include <stdint.h>

enum frame_step {
	FRAME_READY = 0,	/* *msg is the request; frame_consume after */
	FRAME_MORE,		/* not a whole frame yet */
	FRAME_BAD		/* a framing violation: answer bad_frame */
};

/*
 * Looks at the head of in: a length prefix over max_frame, a body that
 * is not exactly one well-formed msgpack map, or one that does not
 * unpack is FRAME_BAD with *why set. A good frame is unpacked into zone
 * (cleared by the caller after use); *msg points into in, which must not
 * be drained until the request is handled; *len is the frame's length.
 */
enum frame_step frame_next(struct evbuffer *in, uint32_t max_frame,
		    msgpack_zone *zone, msgpack_object *msg, size_t *len,
		    const char **why);
/* Drops a handled frame of len bytes from in. */
void		 frame_consume(struct evbuffer *in, size_t len);

#endif
