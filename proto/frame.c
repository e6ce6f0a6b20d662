/*
 * Framing and the pre-unpack validator.
 *
 * msgpack-c allocates 24 bytes per declared element as soon as it reads an
 * array or map header, so a 5-byte frame can ask for gigabytes. The
 * validator walks the body first, with a fixed stack and no allocation,
 * and only lets through bodies whose every declared element exists.
 */
#include "frame.h"

enum hdr_kind {
	H_SCALAR,
	H_ARRAY,
	H_MAP,
	H_INVALID
};

/* Shape of one type byte in 0xc0..0xdf. */
struct hdr_shape {
	unsigned char	 kind;
	unsigned char	 lenbytes;	/* size of the big-endian length/count */
	unsigned char	 fixed;		/* payload bytes beyond the length */
};

/* One parsed header: hlen bytes of header, then n payload bytes/items. */
struct hdr {
	enum hdr_kind	 kind;
	size_t		 hlen;
	uint64_t	 n;
};

static enum qc_frame_status	 hdr_read(const uint8_t *, size_t,
				    struct hdr *);
static uint64_t			 be_read(const uint8_t *, size_t);
static enum qc_frame_status	 frame_walk(const uint8_t *, size_t, int,
				    unsigned);

static const struct hdr_shape shapes[32] = {
	[0x00] = { H_SCALAR, 0, 0 },	/* c0 nil */
	[0x01] = { H_INVALID, 0, 0 },	/* c1 reserved */
	[0x02] = { H_SCALAR, 0, 0 },	/* c2 false */
	[0x03] = { H_SCALAR, 0, 0 },	/* c3 true */
	[0x04] = { H_SCALAR, 1, 0 },	/* c4 bin8 */
	[0x05] = { H_SCALAR, 2, 0 },	/* c5 bin16 */
	[0x06] = { H_SCALAR, 4, 0 },	/* c6 bin32 */
	[0x07] = { H_SCALAR, 1, 1 },	/* c7 ext8: length, type, data */
	[0x08] = { H_SCALAR, 2, 1 },	/* c8 ext16 */
	[0x09] = { H_SCALAR, 4, 1 },	/* c9 ext32 */
	[0x0a] = { H_SCALAR, 0, 4 },	/* ca float32 */
	[0x0b] = { H_SCALAR, 0, 8 },	/* cb float64 */
	[0x0c] = { H_SCALAR, 0, 1 },	/* cc uint8 */
	[0x0d] = { H_SCALAR, 0, 2 },	/* cd uint16 */
	[0x0e] = { H_SCALAR, 0, 4 },	/* ce uint32 */
	[0x0f] = { H_SCALAR, 0, 8 },	/* cf uint64 */
	[0x10] = { H_SCALAR, 0, 1 },	/* d0 int8 */
	[0x11] = { H_SCALAR, 0, 2 },	/* d1 int16 */
	[0x12] = { H_SCALAR, 0, 4 },	/* d2 int32 */
	[0x13] = { H_SCALAR, 0, 8 },	/* d3 int64 */
	[0x14] = { H_SCALAR, 0, 2 },	/* d4 fixext1: type, 1 byte */
	[0x15] = { H_SCALAR, 0, 3 },	/* d5 fixext2 */
	[0x16] = { H_SCALAR, 0, 5 },	/* d6 fixext4 */
	[0x17] = { H_SCALAR, 0, 9 },	/* d7 fixext8 */
	[0x18] = { H_SCALAR, 0, 17 },	/* d8 fixext16 */
	[0x19] = { H_SCALAR, 1, 0 },	/* d9 str8 */
	[0x1a] = { H_SCALAR, 2, 0 },	/* da str16 */
	[0x1b] = { H_SCALAR, 4, 0 },	/* db str32 */
	[0x1c] = { H_ARRAY, 2, 0 },	/* dc array16 */
	[0x1d] = { H_ARRAY, 4, 0 },	/* dd array32 */
	[0x1e] = { H_MAP, 2, 0 },	/* de map16 */
	[0x1f] = { H_MAP, 4, 0 },	/* df map32 */
};

static const char *const status_text[] = {
	[QC_FRAME_OK] = "ok",
	[QC_FRAME_EMPTY] = "empty frame",
	[QC_FRAME_OVERSIZE] = "frame larger than the limit",
	[QC_FRAME_TRUNCATED] = "truncated msgpack value",
	[QC_FRAME_TRAILING] = "trailing bytes after the msgpack map",
	[QC_FRAME_NOT_MAP] = "frame body is not a msgpack map",
	[QC_FRAME_TOO_DEEP] = "msgpack nesting too deep",
	[QC_FRAME_INVALID] = "invalid msgpack type byte",
};

void
qc_frame_put_len(uint8_t hdr[QC_FRAME_HDR], uint32_t len)
{
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
}

uint32_t
qc_frame_get_len(const uint8_t hdr[QC_FRAME_HDR])
{
	return (uint32_t)be_read(hdr, QC_FRAME_HDR);
}

enum qc_frame_status
qc_frame_check_len(uint32_t len, uint32_t max_frame)
{
	if (len == 0)
		return QC_FRAME_EMPTY;
	if (len > max_frame)
		return QC_FRAME_OVERSIZE;
	return QC_FRAME_OK;
}

/* Reads an n-byte (n <= 8) big-endian unsigned number. */
static uint64_t
be_read(const uint8_t *p, size_t n)
{
	uint64_t	 v = 0;
	size_t		 i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * Parses the header at p (left >= 1 bytes). For a map, n is the number of
 * items (keys and values), so it can reach 2^33 - 2: hence 64 bits.
 */
static enum qc_frame_status
hdr_read(const uint8_t *p, size_t left, struct hdr *h)
{
	const struct hdr_shape	*s;
	uint8_t			 b = p[0];

	h->hlen = 1;
	if (b <= 0x7f || b >= 0xe0) {		/* positive/negative fixint */
		h->kind = H_SCALAR;
		h->n = 0;
	} else if (b <= 0x8f) {			/* fixmap */
		h->kind = H_MAP;
		h->n = 2 * (uint64_t)(b & 0x0f);
	} else if (b <= 0x9f) {			/* fixarray */
		h->kind = H_ARRAY;
		h->n = b & 0x0f;
	} else if (b <= 0xbf) {			/* fixstr */
		h->kind = H_SCALAR;
		h->n = b & 0x1f;
	} else {
		s = &shapes[b - 0xc0];
		if (s->kind == H_INVALID)
			return QC_FRAME_INVALID;
		h->kind = s->kind;
		h->hlen += s->lenbytes;
		if (h->hlen > left)
			return QC_FRAME_TRUNCATED;
		h->n = be_read(p + 1, s->lenbytes) + s->fixed;
		if (h->kind == H_MAP)
			h->n *= 2;
	}
	/* Every payload byte, and every item (>= 1 byte), must be present. */
	if (h->n > (uint64_t)(left - h->hlen))
		return QC_FRAME_TRUNCATED;
	return QC_FRAME_OK;
}

enum qc_frame_status
qc_frame_validate(const uint8_t *body, size_t len)
{
	return frame_walk(body, len, 1, 1);
}

enum qc_frame_status
qc_msgpack_validate(const uint8_t *body, size_t len)
{
	return frame_walk(body, len, 0, 1);
}

enum qc_frame_status
qc_msgpack_validate_seq(const uint8_t *body, size_t len, unsigned count)
{
	return frame_walk(body, len, 0, count);
}

/*
 * The walk of qc_frame_validate over count values back to back; the top
 * values must be maps if need_map.
 */
static enum qc_frame_status
frame_walk(const uint8_t *body, size_t len, int need_map, unsigned count)
{
	uint64_t		 pending[QC_FRAME_MAX_DEPTH];
	size_t			 pos = 0;
	int			 depth = 0;
	struct hdr		 h;
	enum qc_frame_status	 st;

	if (body == NULL || len == 0)
		return QC_FRAME_EMPTY;
	for (;;) {
		if (pos >= len)
			return QC_FRAME_TRUNCATED;
		st = hdr_read(body + pos, len - pos, &h);
		if (need_map && depth == 0 && st != QC_FRAME_INVALID &&
		    h.kind != H_MAP)
			return QC_FRAME_NOT_MAP;
		if (st != QC_FRAME_OK)
			return st;
		pos += h.hlen;
		if (h.kind == H_SCALAR) {
			pos += (size_t)h.n;
		} else {
			/* An empty container still counts as a level. */
			if (depth >= QC_FRAME_MAX_DEPTH)
				return QC_FRAME_TOO_DEEP;
			if (h.n > 0) {
				pending[depth++] = h.n;
				continue;
			}
		}
		/* One value is complete: pop every container it finishes. */
		while (depth > 0 && --pending[depth - 1] == 0)
			depth--;
		if (depth == 0 && --count == 0)
			break;
	}
	return pos == len ? QC_FRAME_OK : QC_FRAME_TRAILING;
}

const char *
qc_frame_strerror(enum qc_frame_status st)
{
	if ((unsigned)st >= sizeof(status_text) / sizeof(status_text[0]))
		return "unknown frame status";
	return status_text[st];
}
