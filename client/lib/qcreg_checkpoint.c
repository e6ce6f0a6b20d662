/*
 * libqcreg: signed checkpoints (PROTOCOL.md 4.9): decoding one, checking
 * its Ed25519 signature, and the signing keys hello lists.
 */
#include <string.h>

#include "msg.h"
#include "qcreg_int.h"

static int	 str_copy(const msgpack_object *, char *, size_t);

/* A str without NUL bytes into buf (size bytes with the NUL): 0, or -1. */
static int
str_copy(const msgpack_object *o, char *buf, size_t size)
{
	if (qc_obj_strcpy(o, buf, size) != 0 ||
	    strlen(buf) != o->via.str.size)
		return -1;
	return 0;
}

int
qcreg_checkpoint_decode(const msgpack_object *m, struct qcreg_checkpoint *cp)
{
	const msgpack_object	*key_id, *sig;

	memset(cp, 0, sizeof(*cp));
	if (str_copy(qc_map_get(m, "origin"), cp->origin,
	    sizeof(cp->origin)) != 0 ||
	    qc_obj_uint(qc_map_get(m, "size"), &cp->size) != 0 ||
	    qcreg_obj_hex(qc_map_get(m, "root"), cp->root,
	    sizeof(cp->root)) != 0 ||
	    qc_obj_uint(qc_map_get(m, "time"), &cp->time) != 0)
		return -1;
	key_id = qc_map_get(m, "key_id");
	sig = qc_map_get(m, "signature");
	if (key_id == NULL && sig == NULL)
		return 0;	/* a registry without a signing key */
	if (str_copy(key_id, cp->key_id, sizeof(cp->key_id)) != 0 ||
	    cp->key_id[0] == '\0' ||
	    qcreg_obj_hex(sig, cp->signature, sizeof(cp->signature)) != 0)
		return -1;
	cp->is_signed = 1;
	return 0;
}

int
qcreg_checkpoint_verify(const struct qcreg_checkpoint *cp,
    const uint8_t pub[QC_PUB_LEN])
{
	char	 text[QC_CHECKPOINT_MAX];
	int	 n;

	if (!cp->is_signed || (n = qc_checkpoint_text(text, sizeof(text),
	    cp->origin, cp->size, cp->root, cp->time, cp->key_id)) < 0)
		return 0;
	return qc_sig_verify(pub, text, (size_t)n, cp->signature);
}

int
qcreg_signing_key(const struct qcreg *c, const char *key_id,
    uint8_t pub[QC_PUB_LEN])
{
	const msgpack_object	*keys, *k;
	uint32_t		 i;

	keys = qc_map_get(qcreg_hello_result(c), "keys");
	if (keys == NULL || keys->type != MSGPACK_OBJECT_ARRAY)
		return 0;
	for (i = 0; i < keys->via.array.size; i++) {
		k = &keys->via.array.ptr[i];
		if (qc_obj_streq(qc_map_get(k, "key_id"), key_id))
			return qcreg_obj_hex(qc_map_get(k, "public_key"), pub,
			    QC_PUB_LEN) == 0;
	}
	return 0;
}
