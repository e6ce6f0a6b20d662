/*
 * libqcreg mirror: a change record as a reader receives it, and its
 * place in the chain (PROTOCOL.md 4.4, 4.7).
 *
 *   hash(n) = SHA-256(prev(n) || body(n)), body(n) the msgpack array
 *   ["qcreg-change-v2", seq, at, principal, op, list, subject,
 *    version|nil, case|nil, payload_hash as bin 32]
 *
 * A sealed record shows only its hash, which is taken as it is (the tree
 * check against the signed checkpoint covers it); every other record is
 * recomputed from prev, and its payload, when shown, must hash to
 * payload_hash.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "msg.h"
#include "qcreg_mirror_int.h"
#include "sig.h"

static const char *const op_names[MOP_COUNT] = {
	[MOP_SEALED] = "sealed",
	[MOP_PUT] = "put",
	[MOP_REMOVE] = "remove",
	[MOP_CASE_OPEN] = "case_open",
	[MOP_CASE_CLOSE] = "case_close",
	[MOP_DISMISS] = "escalation_dismiss",
	[MOP_WITHDRAW] = "withdraw",
};

static int	 get_hash(const msgpack_object *, const char *,
		    uint8_t out[MIRROR_HASH_LEN]);
static int	 get_str(const msgpack_object *, const char *, const char **,
		    size_t *, size_t);
static int	 opt_uint(const msgpack_object *, const char *, uint64_t *);
static int	 body_pack(const struct mirror_change *, msgpack_sbuffer *);

/* A key holding 64 lower-case hex digits. */
static int
get_hash(const msgpack_object *o, const char *key,
    uint8_t out[MIRROR_HASH_LEN])
{
	const char	*s;
	size_t		 len;

	if (qc_obj_str(qc_map_get(o, key), &s, &len) != 0 ||
	    len != 2 * MIRROR_HASH_LEN)
		return -1;
	return qc_unhex(s, MIRROR_HASH_LEN, out);
}

/* A key holding a str of 1 .. max bytes without NUL. */
static int
get_str(const msgpack_object *o, const char *key, const char **s,
    size_t *len, size_t max)
{
	if (qc_obj_str(qc_map_get(o, key), s, len) != 0 || *len == 0 ||
	    *len > max || memchr(*s, '\0', *len) != NULL)
		return -1;
	return 0;
}

/* An absent or nil key is 0; a present one is a uint of 1 or more. */
static int
opt_uint(const msgpack_object *o, const char *key, uint64_t *v)
{
	const msgpack_object	*x = qc_map_get(o, key);

	*v = 0;
	if (x == NULL || x->type == MSGPACK_OBJECT_NIL)
		return 0;
	return qc_obj_uint(x, v) != 0 || *v == 0 ? -1 : 0;
}

/*
 * Checks the shape of a record and points ch into it. Returns 0, or -1
 * with a reason in why.
 */
int
mirror_change_decode(const msgpack_object *o, struct mirror_change *ch,
    char *why, size_t whylen)
{
	const msgpack_object	*p;
	const char		*op;
	size_t			 oplen;
	int			 i;

	memset(ch, 0, sizeof(*ch));
	if (o->type != MSGPACK_OBJECT_MAP ||
	    qc_obj_uint(qc_map_get(o, "seq"), &ch->seq) != 0 ||
	    qc_obj_uint(qc_map_get(o, "at"), &ch->at) != 0) {
		snprintf(why, whylen, "a change without seq or at");
		return -1;
	}
	if (qc_obj_str(qc_map_get(o, "op"), &op, &oplen) != 0 ||
	    get_hash(o, "hash", ch->hash) != 0) {
		snprintf(why, whylen, "change %llu: no op or hash",
		    (unsigned long long)ch->seq);
		return -1;
	}
	for (i = 0; i < MOP_COUNT; i++)
		if (strlen(op_names[i]) == oplen &&
		    memcmp(op_names[i], op, oplen) == 0)
			break;
	if (i == MOP_COUNT) {
		snprintf(why, whylen, "change %llu: op '%.*s' is not one this "
		    "mirror knows; it stops there", (unsigned long long)ch->seq,
		    oplen > 32 ? 32 : (int)oplen, op);
		return -1;
	}
	ch->op = (enum mirror_op)i;
	if (ch->op == MOP_SEALED)
		return 0;
	ch->has_prev = 1;
	p = qc_map_get(o, "payload");
	if (get_str(o, "principal", &ch->principal, &ch->principal_len,
	    MIRROR_NAME_MAX * 4) != 0 ||
	    get_str(o, "list", &ch->list, &ch->list_len,
	    MIRROR_LIST_KEY_MAX) != 0 ||
	    get_str(o, "subject", &ch->subject, &ch->subject_len,
	    QC_SUBJECT_MAX - 1) != 0 ||
	    opt_uint(o, "version", &ch->version) != 0 ||
	    opt_uint(o, "case", &ch->case_id) != 0 ||
	    get_hash(o, "payload_hash", ch->payload_hash) != 0 ||
	    get_hash(o, "prev", ch->prev) != 0 ||
	    (p != NULL && p->type != MSGPACK_OBJECT_BIN)) {
		snprintf(why, whylen, "change %llu: a malformed %s record",
		    (unsigned long long)ch->seq, op_names[ch->op]);
		return -1;
	}
	if (p != NULL) {
		ch->payload = (const uint8_t *)p->via.bin.ptr;
		ch->payload_len = p->via.bin.size;
	}
	return 0;
}

/* prev, then body(n), into sb. */
static int
body_pack(const struct mirror_change *ch, msgpack_sbuffer *sb)
{
	msgpack_packer	 pk;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	return msgpack_sbuffer_write(sb, (const char *)ch->prev,
	    MIRROR_HASH_LEN) != 0 ||
	    msgpack_pack_array(&pk, 10) != 0 ||
	    qc_pack_cstr(&pk, "qcreg-change-v2") != 0 ||
	    msgpack_pack_uint64(&pk, ch->seq) != 0 ||
	    msgpack_pack_uint64(&pk, ch->at) != 0 ||
	    msgpack_pack_str_with_body(&pk, ch->principal,
	    ch->principal_len) != 0 ||
	    qc_pack_cstr(&pk, op_names[ch->op]) != 0 ||
	    msgpack_pack_str_with_body(&pk, ch->list, ch->list_len) != 0 ||
	    msgpack_pack_str_with_body(&pk, ch->subject,
	    ch->subject_len) != 0 ||
	    (ch->version != 0 ? msgpack_pack_uint64(&pk, ch->version) :
	    msgpack_pack_nil(&pk)) != 0 ||
	    (ch->case_id != 0 ? msgpack_pack_uint64(&pk, ch->case_id) :
	    msgpack_pack_nil(&pk)) != 0 ||
	    msgpack_pack_bin_with_body(&pk, ch->payload_hash,
	    MIRROR_HASH_LEN) != 0 ? -1 : 0;
}

/*
 * Whether ch follows the record whose hash is prev. Returns 0, 1 (it
 * does not: why names the seq and what is wrong) or -1 (out of memory).
 */
int
mirror_change_verify(const struct mirror_change *ch,
    const uint8_t prev[MIRROR_HASH_LEN], char *why, size_t whylen)
{
	uint8_t		 h[MIRROR_HASH_LEN];
	msgpack_sbuffer	 sb;
	unsigned	 n = 0;
	int		 ok;

	if (!ch->has_prev)
		return 0;
	if (memcmp(ch->prev, prev, MIRROR_HASH_LEN) != 0) {
		snprintf(why, whylen, "change %llu: its prev is not the hash "
		    "of change %llu", (unsigned long long)ch->seq,
		    (unsigned long long)ch->seq - 1);
		return 1;
	}
	if (ch->payload != NULL && (EVP_Digest(ch->payload, ch->payload_len,
	    h, &n, EVP_sha256(), NULL) != 1 || n != MIRROR_HASH_LEN))
		return -1;
	if (ch->payload != NULL &&
	    memcmp(h, ch->payload_hash, MIRROR_HASH_LEN) != 0) {
		snprintf(why, whylen, "change %llu: its payload does not hash "
		    "to its payload_hash", (unsigned long long)ch->seq);
		return 1;
	}
	msgpack_sbuffer_init(&sb);
	ok = body_pack(ch, &sb) == 0 && EVP_Digest(sb.data, sb.size, h, &n,
	    EVP_sha256(), NULL) == 1 && n == MIRROR_HASH_LEN;
	msgpack_sbuffer_destroy(&sb);
	if (!ok)
		return -1;
	if (memcmp(h, ch->hash, MIRROR_HASH_LEN) != 0) {
		snprintf(why, whylen, "change %llu: its hash does not match "
		    "its content (a record changed in the registry's log?)",
		    (unsigned long long)ch->seq);
		return 1;
	}
	return 0;
}
