/*
 * libqcreg mirror: what applying a change record needs of it (PROTOCOL.md
 * 4.4, 4.7), read once qcreg_change_verify() has placed it in the chain.
 */
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "qcreg_mirror_int.h"

static const char *const op_names[MOP_COUNT] = {
	[MOP_SEALED] = "sealed",
	[MOP_PUT] = "put",
	[MOP_REMOVE] = "remove",
	[MOP_CASE_OPEN] = "case_open",
	[MOP_CASE_CLOSE] = "case_close",
	[MOP_DISMISS] = "escalation_dismiss",
	[MOP_WITHDRAW] = "withdraw",
};

static int	 get_str(const msgpack_object *, const char *, const char **,
		    size_t *, size_t);
static int	 opt_uint(const msgpack_object *, const char *, uint64_t *);

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

/* An absent key is 0; a present one is a uint of 1 or more. */
static int
opt_uint(const msgpack_object *o, const char *key, uint64_t *v)
{
	const msgpack_object	*x = qc_map_get(o, key);

	*v = 0;
	if (x == NULL)
		return 0;
	return qc_obj_uint(x, v) != 0 || *v == 0 ? -1 : 0;
}

/*
 * Points ch into a record whose chain hash verified. Returns 0, or -1
 * with a reason in why: an op this mirror does not know (a `restore`
 * record means the registry went back to a backup), or a list or subject
 * no entry of a registry can have.
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
	if (qc_obj_uint(qc_map_get(o, "seq"), &ch->seq) != 0 ||
	    qc_obj_str(qc_map_get(o, "op"), &op, &oplen) != 0) {
		snprintf(why, whylen, "a change without seq or op");
		return -1;
	}
	for (i = 0; i < MOP_COUNT; i++)
		if (strlen(op_names[i]) == oplen &&
		    memcmp(op_names[i], op, oplen) == 0)
			break;
	if (i == MOP_COUNT) {
		snprintf(why, whylen, "change %llu: op '%.*s' is not one this "
		    "mirror knows%s; it stops there",
		    (unsigned long long)ch->seq, oplen > 32 ? 32 : (int)oplen,
		    op, qc_obj_streq(qc_map_get(o, "op"), "restore") ? " (the "
		    "registry was restored from a backup: its history forked)" :
		    "");
		return -1;
	}
	ch->op = (enum mirror_op)i;
	if (ch->op == MOP_SEALED)
		return 0;
	p = qc_map_get(o, "payload");
	if (get_str(o, "list", &ch->list, &ch->list_len,
	    MIRROR_LIST_KEY_MAX) != 0 ||
	    get_str(o, "subject", &ch->subject, &ch->subject_len,
	    QC_SUBJECT_MAX - 1) != 0 ||
	    opt_uint(o, "version", &ch->version) != 0 ||
	    opt_uint(o, "case", &ch->case_id) != 0) {
		snprintf(why, whylen, "change %llu: a %s record of a list or "
		    "subject no entry has", (unsigned long long)ch->seq,
		    op_names[ch->op]);
		return -1;
	}
	/* qcreg_change_verify() checked that a payload is a bin. */
	if (p != NULL) {
		ch->payload = (const uint8_t *)p->via.bin.ptr;
		ch->payload_len = p->via.bin.size;
	}
	return 0;
}
