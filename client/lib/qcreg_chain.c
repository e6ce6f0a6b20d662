/*
 * libqcreg: the hash chain of the change log (PROTOCOL.md 4.4) recomputed
 * from what `changes` hands out, whole, without payload or sealed (4.7).
 * Pure functions: no connection is involved.
 */
#include <string.h>

#include "loghash.h"
#include "msg.h"
#include "qcreg_int.h"

/* The keys of a change record that its hash covers. */
struct change {
	uint64_t		 seq;
	uint64_t		 at;
	const msgpack_object	*principal;
	const msgpack_object	*op;
	const msgpack_object	*list;
	const msgpack_object	*subject;
	int			 has_version;
	uint64_t		 version;
	int			 has_case;
	uint64_t		 case_id;
	uint8_t			 payload_hash[QCREG_HASH_LEN];
};

static int	 change_read(const msgpack_object *, struct change *);
static int	 opt_uint(const msgpack_object *, const char *, int *,
		    uint64_t *);
static int	 change_hash(const uint8_t *, const struct change *,
		    uint8_t *);

/* Key of map m, which may be absent (*has 0), else must be a uint. */
static int
opt_uint(const msgpack_object *m, const char *key, int *has, uint64_t *v)
{
	const msgpack_object	*o = qc_map_get(m, key);

	*has = o != NULL;
	*v = 0;
	return o == NULL || qc_obj_uint(o, v) == 0 ? 0 : -1;
}

/* The metadata of a change record that is not sealed: 0, or -1. */
static int
change_read(const msgpack_object *m, struct change *c)
{
	c->principal = qc_map_get(m, "principal");
	c->op = qc_map_get(m, "op");
	c->list = qc_map_get(m, "list");
	c->subject = qc_map_get(m, "subject");
	if (qc_obj_uint(qc_map_get(m, "seq"), &c->seq) != 0 ||
	    qc_obj_uint(qc_map_get(m, "at"), &c->at) != 0 ||
	    c->principal == NULL || c->principal->type != MSGPACK_OBJECT_STR ||
	    c->op == NULL || c->op->type != MSGPACK_OBJECT_STR ||
	    c->list == NULL || c->list->type != MSGPACK_OBJECT_STR ||
	    c->subject == NULL || c->subject->type != MSGPACK_OBJECT_STR ||
	    opt_uint(m, "version", &c->has_version, &c->version) != 0 ||
	    opt_uint(m, "case", &c->has_case, &c->case_id) != 0 ||
	    qcreg_obj_hex(qc_map_get(m, "payload_hash"), c->payload_hash,
	    QCREG_HASH_LEN) != 0)
		return -1;
	return 0;
}

/* hash(n) = SHA-256(prev || body(n)), as the server makes it. */
static int
change_hash(const uint8_t *prev, const struct change *c, uint8_t *out)
{
	struct qc_change_body	 b = {
		.seq = c->seq, .at = c->at,
		.principal = c->principal->via.str.ptr,
		.principal_len = c->principal->via.str.size,
		.op = c->op->via.str.ptr, .op_len = c->op->via.str.size,
		.list = c->list->via.str.ptr, .list_len = c->list->via.str.size,
		.subject = c->subject->via.str.ptr,
		.subject_len = c->subject->via.str.size,
		.has_version = c->has_version, .version = c->version,
		.has_case = c->has_case, .case_id = c->case_id,
		.payload_hash = c->payload_hash,
	};

	return qc_change_hash(prev, &b, out);
}

enum qcreg_chain
qcreg_change_verify(const msgpack_object *rec,
    const uint8_t prev[QCREG_HASH_LEN], uint8_t hash[QCREG_HASH_LEN])
{
	const msgpack_object	*payload, *p;
	struct change		 c;
	uint8_t			 given[QCREG_HASH_LEN], h[QCREG_HASH_LEN];

	if (rec == NULL || rec->type != MSGPACK_OBJECT_MAP ||
	    qcreg_obj_hex(qc_map_get(rec, "hash"), given, sizeof(given)) != 0)
		return QCREG_CHAIN_MALFORMED;
	/* A sealed record only passes its hash on (its prev is implied). */
	if ((p = qc_map_get(rec, "prev")) != NULL &&
	    qcreg_obj_hex(p, h, sizeof(h)) != 0)
		return QCREG_CHAIN_MALFORMED;
	if (p != NULL && memcmp(h, prev, QCREG_HASH_LEN) != 0)
		return QCREG_CHAIN_PREV;
	if (qc_obj_streq(qc_map_get(rec, "op"), "sealed")) {
		memcpy(hash, given, QCREG_HASH_LEN);
		return QCREG_CHAIN_OK;
	}
	if (p == NULL || change_read(rec, &c) != 0)
		return QCREG_CHAIN_MALFORMED;
	if ((payload = qc_map_get(rec, "payload")) != NULL) {
		if (payload->type != MSGPACK_OBJECT_BIN)
			return QCREG_CHAIN_MALFORMED;
		if (qc_sha256(payload->via.bin.ptr, payload->via.bin.size,
		    h) != 0)
			return QCREG_CHAIN_NOMEM;
		if (memcmp(h, c.payload_hash, QCREG_HASH_LEN) != 0)
			return QCREG_CHAIN_PAYLOAD;
	}
	if (change_hash(prev, &c, h) != 0)
		return QCREG_CHAIN_NOMEM;
	if (memcmp(h, given, QCREG_HASH_LEN) != 0)
		return QCREG_CHAIN_HASH;
	memcpy(hash, h, QCREG_HASH_LEN);
	return QCREG_CHAIN_OK;
}

const char *
qcreg_chain_strerror(enum qcreg_chain e)
{
	switch (e) {
	case QCREG_CHAIN_OK:
		return "the chain holds";
	case QCREG_CHAIN_MALFORMED:
		return "malformed record (a key missing or of the wrong type)";
	case QCREG_CHAIN_PREV:
		return "prev is not the hash of the record before";
	case QCREG_CHAIN_PAYLOAD:
		return "payload does not match its payload_hash";
	case QCREG_CHAIN_HASH:
		return "hash does not match its content";
	case QCREG_CHAIN_NOMEM:
		return "out of memory hashing the record";
	}
	return "unknown chain error";
}
