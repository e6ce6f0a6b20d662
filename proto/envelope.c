/*
 * Request and answer envelopes (envelope.h).
 */
#include <string.h>

#include "envelope.h"
#include "frame.h"
#include "msg.h"

static int	 env_start(msgpack_sbuffer *, msgpack_packer *);

static const char env_zero[QC_FRAME_HDR];

/* Clears sb, writes the prefix placeholder and binds pk to sb. */
static int
env_start(msgpack_sbuffer *sb, msgpack_packer *pk)
{
	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
	return msgpack_sbuffer_write(sb, env_zero, sizeof(env_zero));
}

int
qc_env_request_begin(msgpack_sbuffer *sb, msgpack_packer *pk, uint64_t id,
    const char *op, uint32_t nargs)
{
	if (env_start(sb, pk) != 0 ||
	    msgpack_pack_map(pk, 2 + nargs) != 0 ||
	    qc_pack_kv_uint(pk, "id", id) != 0 ||
	    qc_pack_kv_str(pk, "op", op) != 0)
		return -1;
	return 0;
}

/*
 * Every answer starts with the same bytes around its id: written whole,
 * not key by key (this is on every request's path).
 */
int
qc_env_ok_begin(msgpack_sbuffer *sb, msgpack_packer *pk, uint64_t id)
{
	static const char head[] = {
		0, 0, 0, 0,			/* the length prefix, later */
		(char)0x83, (char)0xa2, 'i', 'd'	/* {"id": */
	};
	static const char tail[] = {
		(char)0xa2, 'o', 'k', (char)0xc3,	/* "ok": true, */
		(char)0xa6, 'r', 'e', 's', 'u', 'l', 't'	/* "result": */
	};

	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
	if (msgpack_sbuffer_write(sb, head, sizeof(head)) != 0 ||
	    msgpack_pack_uint64(pk, id) != 0 ||
	    msgpack_sbuffer_write(sb, tail, sizeof(tail)) != 0)
		return -1;
	return 0;
}

int
qc_env_error(msgpack_sbuffer *sb, int has_id, uint64_t id, enum qc_err code,
    const char *message)
{
	msgpack_packer	 pk;

	if (env_start(sb, &pk) != 0 ||
	    msgpack_pack_map(&pk, 3) != 0 ||
	    qc_pack_cstr(&pk, "id") != 0 ||
	    (has_id ? msgpack_pack_uint64(&pk, id) :
	    msgpack_pack_nil(&pk)) != 0 ||
	    qc_pack_cstr(&pk, "ok") != 0 || msgpack_pack_false(&pk) != 0 ||
	    qc_pack_cstr(&pk, "error") != 0 || msgpack_pack_map(&pk, 2) != 0 ||
	    qc_pack_kv_str(&pk, "code", qc_err_name(code)) != 0 ||
	    qc_pack_kv_str(&pk, "message", message) != 0)
		return -1;
	qc_env_finish(sb);
	return 0;
}

void
qc_env_finish(msgpack_sbuffer *sb)
{
	qc_frame_put_len((uint8_t *)sb->data,
	    (uint32_t)(sb->size - QC_FRAME_HDR));
}

size_t
qc_env_body_len(const msgpack_sbuffer *sb)
{
	return sb->size < QC_FRAME_HDR ? 0 : sb->size - QC_FRAME_HDR;
}

int
qc_env_parse(const msgpack_object *root, struct qc_answer *a,
    const char **why)
{
	const msgpack_object	*id, *ok, *err, *code, *msg;
	const char		*s;
	size_t			 len;

	memset(a, 0, sizeof(*a));
	if (root->type != MSGPACK_OBJECT_MAP) {
		*why = "answer is not a map";
		return -1;
	}
	id = qc_map_get(root, "id");
	if (id != NULL && id->type != MSGPACK_OBJECT_NIL) {
		if (qc_obj_uint(id, &a->a_id) != 0) {
			*why = "answer id is not an unsigned integer";
			return -1;
		}
		a->a_has_id = 1;
	}
	if ((ok = qc_map_get(root, "ok")) == NULL ||
	    ok->type != MSGPACK_OBJECT_BOOLEAN) {
		*why = "answer without ok";
		return -1;
	}
	a->a_ok = ok->via.boolean;
	if (a->a_ok) {
		if (!a->a_has_id ||
		    (a->a_result = qc_map_get(root, "result")) == NULL) {
			*why = "success answer without id or result";
			return -1;
		}
		return 0;
	}
	err = qc_map_get(root, "error");
	if ((code = qc_map_get(err, "code")) == NULL ||
	    qc_obj_str(code, &s, &len) != 0) {
		*why = "error answer without code";
		return -1;
	}
	a->a_code = qc_err_from_name(s, len);
	if (a->a_code == QC_OK)
		a->a_code = QC_E_INTERNAL;
	a->a_msg = "";
	if ((msg = qc_map_get(err, "message")) != NULL &&
	    qc_obj_str(msg, &s, &len) == 0) {
		a->a_msg = s;
		a->a_msg_len = len;
	}
	return 0;
}
