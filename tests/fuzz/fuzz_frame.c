/*
 * Fuzz target: the frame decoder. The input is what arrives on the wire:
 * a 4-byte length prefix and a body. Whatever qc_frame_validate accepts
 * must unpack as exactly one map, no deeper than QC_FRAME_MAX_DEPTH, with
 * no byte left over, both with msgpack_unpack_next (as the client does)
 * and with msgpack_unpack into a reused zone (as the server does); packing
 * that object again must give a body the validator also accepts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "frame.h"

#define FUZZ_MAX_LEN	65536

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static msgpack_zone	 zone;		/* as a worker's w_zone */
static int		 zone_ready;

static int	 obj_depth(const msgpack_object *);
static void	 check_accepted(const uint8_t *, size_t);

/* Nesting of arrays and maps, the top-level container counting as 1. */
static int
obj_depth(const msgpack_object *o)
{
	int		 d, max = 0;
	uint32_t	 i;

	if (o->type == MSGPACK_OBJECT_ARRAY) {
		for (i = 0; i < o->via.array.size; i++)
			if ((d = obj_depth(&o->via.array.ptr[i])) > max)
				max = d;
		return max + 1;
	}
	if (o->type == MSGPACK_OBJECT_MAP) {
		for (i = 0; i < o->via.map.size; i++) {
			if ((d = obj_depth(&o->via.map.ptr[i].key)) > max)
				max = d;
			if ((d = obj_depth(&o->via.map.ptr[i].val)) > max)
				max = d;
		}
		return max + 1;
	}
	return 0;
}

/* The contract of a body the validator let through. */
static void
check_accepted(const uint8_t *body, size_t len)
{
	msgpack_unpacked	 up;
	msgpack_unpack_return	 rc;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_object		 obj;
	size_t			 off = 0;

	msgpack_unpacked_init(&up);
	rc = msgpack_unpack_next(&up, (const char *)body, len, &off);
	if (rc != MSGPACK_UNPACK_SUCCESS || off != len) {
		fprintf(stderr, "accepted body does not unpack: rc %d, "
		    "off %zu of %zu\n", (int)rc, off, len);
		abort();
	}
	if (up.data.type != MSGPACK_OBJECT_MAP) {
		fprintf(stderr, "accepted body is not a map (type %d)\n",
		    (int)up.data.type);
		abort();
	}
	if (obj_depth(&up.data) > QC_FRAME_MAX_DEPTH) {
		fprintf(stderr, "accepted body nests %d deep\n",
		    obj_depth(&up.data));
		abort();
	}
	/* What msgpack-c packs back must pass too. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_object(&pk, up.data) != 0) {
		fprintf(stderr, "repacking failed\n");
		abort();
	}
	if (qc_frame_validate((const uint8_t *)sb.data, sb.size) !=
	    QC_FRAME_OK) {
		fprintf(stderr, "repacked body refused: %s\n",
		    qc_frame_strerror(qc_frame_validate(
		    (const uint8_t *)sb.data, sb.size)));
		abort();
	}
	msgpack_sbuffer_destroy(&sb);
	msgpack_unpacked_destroy(&up);

	/* The server unpacks into a worker's zone, cleared between frames. */
	if (!zone_ready) {
		if (!msgpack_zone_init(&zone, 8192))
			abort();
		zone_ready = 1;
	}
	off = 0;
	rc = msgpack_unpack((const char *)body, len, &off, &zone, &obj);
	if (rc != MSGPACK_UNPACK_SUCCESS || off != len ||
	    obj.type != MSGPACK_OBJECT_MAP) {
		fprintf(stderr, "accepted body does not unpack into a zone: "
		    "rc %d, off %zu of %zu\n", (int)rc, off, len);
		abort();
	}
	msgpack_zone_clear(&zone);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum qc_frame_status	 st;
	uint8_t			*body;
	uint32_t		 len;

	if (size < QC_FRAME_HDR || size > FUZZ_MAX_LEN)
		return 0;
	len = qc_frame_get_len(data);
	st = qc_frame_check_len(len, FUZZ_MAX_LEN);
	if ((len == 0) != (st == QC_FRAME_EMPTY) ||
	    (len > FUZZ_MAX_LEN) != (st == QC_FRAME_OVERSIZE)) {
		fprintf(stderr, "length %u judged %s\n", len,
		    qc_frame_strerror(st));
		abort();
	}
	if (st != QC_FRAME_OK || len > size - QC_FRAME_HDR)
		return 0;	/* refused, or the rest has not arrived */
	/* An exact-size copy: any read past the body is caught. */
	if ((body = malloc(len)) == NULL)
		return 0;
	memcpy(body, data + QC_FRAME_HDR, len);
	st = qc_frame_validate(body, len);
	if (qc_frame_strerror(st) == NULL)
		abort();
	if (st == QC_FRAME_OK)
		check_accepted(body, len);
	free(body);
	return 0;
}
