/*
 * Helpers the cmocka unit tests share (testlib.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "frame.h"
#include "loghash.h"
#include "msg.h"
#include "qcreg_int.h"
#include "sig.h"
#include "testlib.h"

static EVP_PKEY	*ed25519_key(uint8_t);

/* The Ed25519 key whose seed is the bytes first .. first + 31. */
static EVP_PKEY *
ed25519_key(uint8_t first)
{
	uint8_t		 seed[32];
	EVP_PKEY	*key;
	int		 i;

	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)(first + i);
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	assert_non_null(key);
	return key;
}

void
tl_ed25519_pub(uint8_t first, uint8_t *pub)
{
	EVP_PKEY	*key = ed25519_key(first);
	size_t		 len = QC_PUB_LEN;

	assert_int_equal(EVP_PKEY_get_raw_public_key(key, pub, &len), 1);
	assert_int_equal(len, QC_PUB_LEN);
	EVP_PKEY_free(key);
}

void
tl_ed25519_sign(uint8_t first, const void *msg, size_t len, char *sig_hex)
{
	EVP_PKEY	*key = ed25519_key(first);
	EVP_MD_CTX	*md;
	uint8_t		 sig[QC_SIG_LEN];
	size_t		 slen = sizeof(sig);

	assert_non_null(md = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestSignInit(md, NULL, NULL, NULL, key), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &slen, msg, len), 1);
	qc_hex(sig, sizeof(sig), sig_hex);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
}

void
tl_pack_str(msgpack_packer *pk, const char *s)
{
	assert_int_equal(qc_pack_cstr(pk, s), 0);
}

void
tl_want_str(const msgpack_object *o, const char *key, const char *want)
{
	if (!qc_obj_streq(qc_map_get(o, key), want))
		fail_msg("%s is not \"%s\"", key, want);
}

void
tl_want_uint(const msgpack_object *o, const char *key, uint64_t want)
{
	uint64_t	 v;

	assert_int_equal(qc_obj_uint(qc_map_get(o, key), &v), 0);
	assert_int_equal(v, want);
}

void
tl_want_hash(const uint8_t *h, const char *hex)
{
	char	 got[2 * QC_HASH_LEN + 1];

	qc_hex(h, QC_HASH_LEN, got);
	assert_string_equal(got, hex);
}

struct qcreg_reply *
tl_reply(msgpack_sbuffer *sb, int op, uint32_t n)
{
	struct qcreg_reply	*r;
	size_t			 off = 0;

	r = calloc(1, sizeof(*r) + sb->size);
	assert_non_null(r);
	memcpy(r->r_body, sb->data, sb->size);
	r->r_len = sb->size;
	r->r_op = op;
	r->r_n = n;
	msgpack_unpacked_init(&r->r_up);
	assert_int_equal(msgpack_unpack_next(&r->r_up, r->r_body, r->r_len,
	    &off), MSGPACK_UNPACK_SUCCESS);
	r->r_result = &r->r_up.data;
	msgpack_sbuffer_clear(sb);
	return r;
}

struct qcreg *
tl_conn(void)
{
	struct qcreg	*c;

	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->fd = -1;
	c->stop_fd = -1;
	msgpack_sbuffer_init(&c->out);
	msgpack_sbuffer_init(&c->req);
	c->max_send = c->max_recv = QC_FRAME_MAX_DEFAULT;
	c->next_id = 1;
	c->handshaken = c->established = 1;
	return c;
}

void
tl_sent_take(struct qcreg *c, struct tl_sent *s)
{
	size_t		 off = 0;
	uint32_t	 len;

	assert_true(c->out.size >= QC_FRAME_HDR);
	len = qc_frame_get_len((const uint8_t *)c->out.data);
	assert_int_equal(c->out.size, QC_FRAME_HDR + len);
	msgpack_unpacked_init(&s->up);
	assert_int_equal(msgpack_unpack_next(&s->up, c->out.data +
	    QC_FRAME_HDR, len, &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, len);
	s->req = &s->up.data;
	assert_int_equal(s->req->type, MSGPACK_OBJECT_MAP);
	msgpack_sbuffer_clear(&c->out);
	c->pq_count = 0;
	c->pq_head = 0;
}

void
tl_sent_free(struct tl_sent *s)
{
	msgpack_unpacked_destroy(&s->up);
}

void
tl_mp_init(struct tl_mp *m)
{
	msgpack_sbuffer_init(&m->sb);
	msgpack_packer_init(&m->pk, &m->sb, msgpack_sbuffer_write);
	msgpack_unpacked_init(&m->up);
}

const msgpack_object *
tl_mp_obj(struct tl_mp *m)
{
	size_t	 off = 0;

	assert_int_equal(msgpack_unpack_next(&m->up, m->sb.data, m->sb.size,
	    &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, m->sb.size);
	return &m->up.data;
}

void
tl_mp_free(struct tl_mp *m)
{
	msgpack_unpacked_destroy(&m->up);
	msgpack_sbuffer_destroy(&m->sb);
}

void
tl_mp_key(struct tl_mp *m, const char *k)
{
	assert_int_equal(msgpack_pack_str_with_body(&m->pk, k, strlen(k)), 0);
}

void
tl_mp_strn(struct tl_mp *m, const char *k, const char *v, size_t len)
{
	tl_mp_key(m, k);
	assert_int_equal(msgpack_pack_str_with_body(&m->pk, v, len), 0);
}

void
tl_mp_str(struct tl_mp *m, const char *k, const char *v)
{
	tl_mp_strn(m, k, v, strlen(v));
}
