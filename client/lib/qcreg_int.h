/*
 * libqcreg internals, shared by client/lib/qcreg*.c only.
 */
#ifndef QCREG_INT_H
#define QCREG_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>
#include <openssl/ssl.h>

#include "qcreg.h"

#define QCREG_ERRMSG_MAX	512
#define QCREG_OUT_HIGH		(256 * 1024)	/* queued bytes that force a write */
#define QCREG_IN_CHUNK		(16 * 1024)	/* one TLS record */
#define QCREG_BUF_KEEP		(4 * 1024 * 1024) /* free idle buffers above */
#define QCREG_MSG_MAX		1024		/* error message kept */

enum qcreg_op {
	QCREG_OP_HELLO = 0,
	QCREG_OP_CHECK,
	QCREG_OP_GET,
	QCREG_OP_PUT,
	QCREG_OP_REMOVE,
	QCREG_OP_HISTORY,
	QCREG_OP_SCAN,
	QCREG_OP_CHANGES,
	QCREG_OP_STATS,
	QCREG_OP_SEARCH,
	QCREG_OP_BACKUP,
	QCREG_OP_BACKUP_READ,
	QCREG_OP_AUDIT,
	QCREG_OP_CASE_OPEN,
	QCREG_OP_CASE_CLOSE,
	QCREG_OP_CASES,
	QCREG_OP_ESCALATIONS,
	QCREG_OP_ESCALATION_DISMISS,
	QCREG_OP_CHECKPOINT,
	QCREG_OP_PROOF,
	QCREG_OP_CONSISTENCY,
	QCREG_OP_REPORT,
	QCREG_OP_COUNT
};

/* A request sent or queued whose answer has not been returned. */
struct qcreg_pend {
	uint64_t	 p_id;
	uint32_t	 p_n;		/* subjects of a check, else 0 */
	uint8_t		 p_op;		/* enum qcreg_op */
};

struct qcreg {
	int		 fd;
	SSL_CTX		*ctx;
	SSL		*ssl;
	BIO_METHOD	*biom;
	int		 timeout_ms;	/* < 0: none */
	int		 stop_fd;	/* readable: waits stop; -1: none */
	int		 dead;		/* transport unusable */
	int		 dead_code;	/* the code that killed it */
	int		 eof;		/* the socket read returned 0 */
	int		 sock_errno;	/* errno of the last failed send/recv */
	int		 handshaken;	/* TLS handshake completed */
	int		 established;	/* hello answered */
	int		 read_wants_write; /* SSL_read needs the socket writable */

	/* Requests encoded but not written yet: bytes out_off .. size. */
	msgpack_sbuffer	 out;
	size_t		 out_off;
	msgpack_sbuffer	 req;		/* the request being packed */

	/*
	 * Answers read ahead: bytes in_off .. in_len of in. Complete frames
	 * span in_off .. in_scan (in_frames of them); a partial one follows.
	 */
	uint8_t		*in;
	size_t		 in_cap;
	size_t		 in_len;
	size_t		 in_off;
	size_t		 in_scan;
	size_t		 in_frames;

	uint32_t	 max_send;	/* body limit for requests */
	uint32_t	 max_recv;	/* body limit for answers */

	/* FIFO of requests in flight (a ring). */
	struct qcreg_pend *pq;
	size_t		 pq_cap;
	size_t		 pq_head;
	size_t		 pq_count;
	uint64_t	 next_id;

	/* The hello answer from connect time. */
	struct qcreg_reply *hello;
	char		*server;
	char		*principal;
	char		*role;
	uint32_t	 max_frame;
	uint32_t	 max_batch;
	uint32_t	 max_limit;

	char		 errmsg[QCREG_ERRMSG_MAX];
	char		 deadmsg[QCREG_ERRMSG_MAX]; /* why it died */
};

struct qcreg_reply {
	uint64_t	 r_id;
	int		 r_code;
	int		 r_op;		/* enum qcreg_op */
	uint32_t	 r_n;		/* subjects sent, for a check */
	char		*r_msg;		/* error message, NULL on success */
	const msgpack_object *r_result;
	msgpack_unpacked r_up;
	size_t		 r_len;
	char		 r_body[];	/* the frame body the objects point into */
};

extern const char *const qcreg_op_names[QCREG_OP_COUNT];

/* qcreg.c */
int		 qcreg_fail(struct qcreg *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
int		 qcreg_die(struct qcreg *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
int		 qcreg_dead(struct qcreg *);
char		*qcreg_obj_strdup(const msgpack_object *);
int		 qcreg_obj_hex(const msgpack_object *, uint8_t *, size_t);
void		 qcreg_sanitize(char *);

/* qcreg_tls.c */
int		 qcreg_tls_ctx(struct qcreg *, const struct qcreg_opts *);
int		 qcreg_tls_start(struct qcreg *, const char *);
int		 qcreg_tls_error(struct qcreg *, int, const char *);
void		 qcreg_tls_shutdown(struct qcreg *);

/* qcreg_io.c */
int		 qcreg_io_connect(struct qcreg *, const char *, unsigned);
int		 qcreg_io_wait(struct qcreg *, short, short *);
void		 qcreg_io_stop_fd(struct qcreg *, int);
int		 qcreg_io_flush(struct qcreg *);
int		 qcreg_io_frame(struct qcreg *, const uint8_t **, uint32_t *);
void		 qcreg_io_consume(struct qcreg *, uint32_t);

/* A request being packed into the connection's scratch frame c->req. */
struct qcreg_req {
	struct qcreg	*c;
	msgpack_packer	 pk;
	enum qcreg_op	 op;
	uint32_t	 n;		/* subjects of a check, else 0 */
};

/* qcreg_req.c */
int		 qcreg_req_begin(struct qcreg_req *, struct qcreg *,
		    enum qcreg_op, uint32_t);
int		 qcreg_req_end(struct qcreg_req *, int);
int		 qcreg_pack_fields(msgpack_packer *,
		    const struct qcreg_field *, size_t);
int		 qcreg_pack_idem(msgpack_packer *, const char *);
int		 qcreg_idem_ok(const char *);
int		 qcreg_single_begin(struct qcreg *);
int		 qcreg_single_end(struct qcreg *, struct qcreg_reply **);

/*
 * qcreg_signed.c: the msgpack bytes of a kept answer, checked as a frame
 * is, unpacked whole into up: 0, or QCREG_E_PROTO (nothing to free).
 */
int		 qcreg_kept_unpack(const void *, size_t, msgpack_unpacked *);

/* qcreg_checkpoint.c */
int		 qcreg_checkpoint_decode(const msgpack_object *,
		    struct qcreg_checkpoint *);

/* qcreg_check.c */
int		 qcreg_check_results(const msgpack_object *,
		    struct qcreg_check **);
int		 qcreg_check_decode(const struct qcreg_reply *,
		    struct qcreg_check **, const char **);

#endif
