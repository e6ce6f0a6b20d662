/*
 * Helpers the cmocka unit tests share: packing and checking msgpack
 * values, and a libqcreg reply built in memory as if a server had sent
 * it. Each fails the running test on any error.
 */
#ifndef QC_TESTLIB_H
#define QC_TESTLIB_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct qcreg;
struct qcreg_reply;

/* Packs s as a msgpack str. */
void		 tl_pack_str(msgpack_packer *, const char *s);
/* o's key holds the str want / the uint want. */
void		 tl_want_str(const msgpack_object *o, const char *key,
		    const char *want);
void		 tl_want_uint(const msgpack_object *o, const char *key,
		    uint64_t want);
/* The 32-byte hash h is the one written in hex (lower case). */
void		 tl_want_hash(const uint8_t *h, const char *hex);
/*
 * The Ed25519 key whose seed is the bytes first .. first + 31: its raw
 * public key (32 bytes) into pub; the signature by it of len bytes at
 * msg, in hex (129 bytes with the NUL), into sig_hex.
 */
void		 tl_ed25519_pub(uint8_t first, uint8_t *pub);
void		 tl_ed25519_sign(uint8_t first, const void *msg, size_t len,
		    char *sig_hex);
/*
 * A success reply to op (enum qcreg_op) whose result is the map packed in
 * sb (which is then emptied); n: the subjects sent, for a check. Freed
 * with qcreg_reply_free().
 */
struct qcreg_reply *tl_reply(msgpack_sbuffer *sb, int op, uint32_t n);

/* A msgpack value packed with pk into sb, then unpacked into up. */
struct tl_mp {
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
};

void		 tl_mp_init(struct tl_mp *);
/* Unpacks what was packed (one whole value); it lives until tl_mp_free. */
const msgpack_object *tl_mp_obj(struct tl_mp *);
void		 tl_mp_free(struct tl_mp *);
/* A map key, and a key with its str value (of len bytes). */
void		 tl_mp_key(struct tl_mp *, const char *k);
void		 tl_mp_str(struct tl_mp *, const char *k, const char *v);
void		 tl_mp_strn(struct tl_mp *, const char *k, const char *v,
		    size_t len);

/* A libqcreg connection with nothing in flight and no transport. */
struct qcreg	*tl_conn(void);

/* A request read back from a connection's output queue. */
struct tl_sent {
	msgpack_unpacked	 up;
	const msgpack_object	*req;	/* a map */
};

/* The one request queued on c: unpacks its frame, empties the queue. */
void		 tl_sent_take(struct qcreg *c, struct tl_sent *);
void		 tl_sent_free(struct tl_sent *);

/*
 * Tests of the daemon's layers only (testlib_server.c). A new directory
 * qcreg-test-NAME.XXXXXX under $TMPDIR or /tmp into out: 0 or -1.
 */
int		 tl_tmpdir(char *out, size_t cap, const char *name);
/* Removes a store's directory: its LMDB files, then dir. 0 or -1. */
int		 tl_rmstore(const char *dir);
/* The config written in text; NULL (the reason on stderr) if refused. */
struct config	*tl_config(const char *text);

#endif
