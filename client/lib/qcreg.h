/*
 * libqcreg: a blocking C client for the qcreg registry (proto/PROTOCOL.md).
 *
 * One struct qcreg is one mutually authenticated TLS connection to qcregd.
 * It is not thread-safe: use one connection per thread, or lock around it.
 * The library installs no signal handlers (it writes with MSG_NOSIGNAL, so
 * a closed peer never raises SIGPIPE) and uses no global state.
 *
 * Return codes. Every call that talks to the server returns an int:
 *
 *   0 (QC_OK)         success.
 *   > 0 (enum qc_err) the server answered with that protocol error
 *                     (proto/errors.h); the connection stays usable, except
 *                     after QC_E_BAD_FRAME, which the server follows by
 *                     closing it.
 *   < 0 (QCREG_E_*)   a failure on this side or in transport. After
 *                     QCREG_E_IO, QCREG_E_TLS, QCREG_E_TIMEOUT and (when the
 *                     framing broke) QCREG_E_PROTO the connection is dead:
 *                     qcreg_alive() returns 0; close it and connect again.
 *                     QCREG_E_USAGE and QCREG_E_NOMEM leave it usable.
 *
 * qcreg_errmsg() gives an English message for the last failure;
 * qcreg_code_name() the short name of any code ("not_found", "io" ...).
 *
 * Single calls (qcreg_check, qcreg_get ...) send one request and wait for
 * its answer. The pipeline (qcreg_queue_*, qcreg_flush, qcreg_next_reply)
 * sends many requests without waiting and reads the answers in order.
 *
 * Retries. Every write (put, remove, case_open, case_close,
 * escalation_dismiss) may carry an idem key (PROTOCOL.md 4.8): a string
 * of 1 .. QCREG_IDEM_MAX bytes the caller chooses per write. A write
 * repeated with the same key within 24 hours is not applied again; the
 * server answers it with the first answer. After losing the connection
 * in the middle of a write, connect again and repeat the write with the
 * same key. qcreg_put and qcreg_remove send none; their _idem variants
 * take one (NULL: none), so existing callers are unchanged. The case and
 * escalation calls take it as an argument, NULL for none.
 */
#ifndef QCREG_H
#define QCREG_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "errors.h"

/* Codes for failures that are not protocol errors (all negative). */
#define QCREG_E_IO	(-1)	/* connect, read or write failed; peer closed */
#define QCREG_E_TLS	(-2)	/* TLS setup, handshake, certificate, alert */
#define QCREG_E_TIMEOUT	(-3)	/* the server did not answer in time */
#define QCREG_E_PROTO	(-4)	/* the server's answer broke the protocol */
#define QCREG_E_NOMEM	(-5)	/* out of memory */
#define QCREG_E_USAGE	(-6)	/* a bad argument or call sequence */

#define QCREG_TIMEOUT_DEFAULT	30000	/* ms, see struct qcreg_opts */
#define QCREG_NO_VERSION	(-1)	/* put/remove: no if_version */
#define QCREG_IDEM_MAX		64	/* bytes of a retry key (idem) */
/* Largest answer frame accepted, whatever max_frame the server announces. */
#define QCREG_RECV_MAX		(64 * 1024 * 1024)

struct qcreg;
struct qcreg_reply;

/* How to connect. The three files are PEM; the key must not be encrypted. */
struct qcreg_opts {
	const char	*ca_file;	/* CA that signed the server's cert */
	const char	*cert_file;	/* client certificate (chain) */
	const char	*key_file;	/* its private key */
	int		 timeout_ms;	/* 0: QCREG_TIMEOUT_DEFAULT; < 0: none */
};

/* Field types of a list schema (hello). */
enum qcreg_ftype {
	QCREG_FT_UNKNOWN = -1,		/* no such list or field */
	QCREG_FT_TEXT = 0,
	QCREG_FT_ENUM,
	QCREG_FT_INT,
	QCREG_FT_DATE
};

/* One field of a put: a str value, or an int for fields of type int. */
enum qcreg_vtype {
	QCREG_V_STR = 0,
	QCREG_V_INT
};

struct qcreg_field {
	const char		*name;
	enum qcreg_vtype	 type;
	const char		*str;	/* QCREG_V_STR: NUL-terminated UTF-8 */
	int64_t			 num;	/* QCREG_V_INT */
};

/*
 * A decoded check result. Everything lives in the one allocation that
 * qcreg_check_free() releases; strings are NUL-terminated copies, so the
 * result does not depend on the reply or the connection.
 */
struct qcreg_hit {
	const char	*list;
	const char	*grade;		/* NULL unless a rating list */
	const char	*until;		/* "YYYY-MM-DD", NULL if no end date */
	uint64_t	 disputed;	/* open objection case, 0 if none */
};

/*
 * A subject a watch list escalates (PROTOCOL.md 4.6): listed count times
 * on list within its window, first and last the oldest and newest dates
 * counted. Shown only to regulators and to agencies that write `to`.
 */
struct qcreg_escalation {
	const char	*list;		/* the watch list */
	const char	*to;		/* the list it escalates to */
	uint64_t	 count;
	const char	*first;		/* "YYYY-MM-DD" */
	const char	*last;		/* "YYYY-MM-DD" */
};

/* What a subject's active entries mean, worst last (PROTOCOL.md). */
enum qcreg_verdict {
	QCREG_CLEAR = 0,
	QCREG_CAUTION,
	QCREG_LISTED
};

struct qcreg_check_item {
	const char		*subject;	/* canonical; as sent on error */
	int			 error;		/* QC_OK, or QC_E_INVALID_SUBJECT */
	enum qcreg_verdict	 verdict;	/* worst over the hits */
	size_t			 nhits;		/* 0: not listed */
	const struct qcreg_hit	*hits;		/* active entries, config order */
	/* NULL unless the subject is escalated (and the caller may know). */
	const struct qcreg_escalation *escalation;
};

struct qcreg_check {
	size_t			 n;		/* items, one per subject sent */
	struct qcreg_check_item	*items;		/* in request order */
};

/* The answer to put or remove (and to case_close, escalation_dismiss). */
struct qcreg_write {
	uint64_t	 version;	/* the version it created, 0: none */
	uint64_t	 seq;		/* its change sequence number */
};

/* The answer to case_open. */
struct qcreg_case_opened {
	uint64_t	 case_id;	/* "case": its opening's seq */
	uint64_t	 seq;
	char		 deadline[11];	/* "YYYY-MM-DD" */
	int		 provisional;	/* 1: past the calendar's years */
};

/*
 * Which cases to list (op cases). NULL strings, after and limit 0 and
 * within < 0 are not sent: the server's defaults are every open case
 * (overdue ones included) of every kind on the lists the caller may see,
 * within 3 (for due), by case id, 100 a page.
 */
struct qcreg_case_filter {
	const char	*state;		/* open, overdue, due, closed */
	int		 within;	/* due: 0 .. 365 working days */
	const char	*list;		/* NULL: every list */
	const char	*kind;		/* notice, objection, repair */
	uint64_t	 after;		/* the page starts after this id */
	uint32_t	 limit;		/* 1 .. 1000; 0: server default */
};

/*
 * Connection.
 */

/*
 * Connects to host:port over TCP (TCP_NODELAY), performs the TLS handshake
 * (TLS 1.2 or 1.3, AEAD ciphers only) presenting the client certificate,
 * verifies the server certificate against opts->ca_file only (never the
 * system store) and checks that it names host: an IP address is matched
 * against the certificate's IP addresses, a name against its DNS names
 * (and sent as SNI). Then it sends hello and waits for the answer, because
 * with TLS 1.3 a refused client certificate only shows on the first read.
 * The hello result is kept (qcreg_principal() ...).
 *
 * On success returns 0 and sets *cp. On failure returns a code (usually
 * QCREG_E_IO or QCREG_E_TLS), sets *cp to NULL and writes a message to
 * err (errsize bytes, may be 0), e.g. "TLS handshake failed: certificate
 * verify failed: hostname mismatch" or "server refused the client
 * certificate: tlsv13 alert certificate required". opts->timeout_ms bounds
 * each wait (connect, handshake, every later read or write).
 */
int		 qcreg_connect(struct qcreg **cp, const char *host,
		    unsigned port, const struct qcreg_opts *opts, char *err,
		    size_t errsize);

/*
 * Closes the connection (one TLS close_notify if it is alive, without
 * waiting for the server's) and frees it. Answers still in flight are
 * dropped. Replies and check results already returned stay valid. NULL is
 * ignored.
 */
void		 qcreg_close(struct qcreg *);

/*
 * Sets the timeout of later waits: ms > 0, < 0 to wait forever, or 0 for
 * QCREG_TIMEOUT_DEFAULT. A wait that times out kills the connection.
 */
void		 qcreg_set_timeout(struct qcreg *, int ms);

/* 1 if the connection can still carry requests, 0 if it is dead. */
int		 qcreg_alive(const struct qcreg *);

/* Message for the last failure on this connection ("" if none). */
const char	*qcreg_errmsg(const struct qcreg *);

/*
 * Short name of a code: the wire name of a protocol code ("ok",
 * "not_found" ...) or "io", "tls", "timeout", "protocol", "nomem", "usage".
 */
const char	*qcreg_code_name(int code);

/*
 * What hello said at connect time. Strings are NUL-terminated, owned by
 * the connection, and have control characters replaced by '?'.
 */
const char	*qcreg_server(const struct qcreg *);	/* "qcregd 0.1.0" */
const char	*qcreg_principal(const struct qcreg *);
/* Role name, or NULL when the principal is not configured. */
const char	*qcreg_role(const struct qcreg *);
uint32_t	 qcreg_max_frame(const struct qcreg *);	/* server limit */
uint32_t	 qcreg_max_batch(const struct qcreg *);	/* >= 1 */
uint32_t	 qcreg_max_limit(const struct qcreg *);	/* >= 1 */
/* The whole hello result map (lists, schemas, writable ...). */
const msgpack_object *qcreg_hello_result(const struct qcreg *);
/* Type of field in list per the hello schema, or QCREG_FT_UNKNOWN. */
enum qcreg_ftype qcreg_field_type(const struct qcreg *, const char *list,
		    const char *field);
/*
 * The display label of an enum value (vlen bytes) per the hello schema,
 * or NULL; not NUL-terminated: *len bytes, valid while the connection is.
 */
const char	*qcreg_field_label(const struct qcreg *, const char *list,
		    const char *field, const char *value, size_t vlen,
		    size_t *len);

/*
 * Single calls. Each sends one request and waits for its answer; they
 * return QCREG_E_USAGE while pipelined answers are still unread. On
 * success the out parameter is set; on any error it is left NULL (or
 * untouched for qcreg_write) and qcreg_errmsg() explains.
 *
 * Arrays of strings (subjects, lists) are NUL-terminated UTF-8; lists may
 * be NULL with nlists 0 for "every list". A request that would be larger
 * than the server's max_frame is refused with QCREG_E_USAGE before
 * anything is sent. Replies (struct qcreg_reply) are freed with
 * qcreg_reply_free(); qcreg_reply_result() gives the result map.
 */

/* hello again (the connect-time answer is also in qcreg_hello_result). */
int		 qcreg_hello(struct qcreg *, struct qcreg_reply **);

/*
 * check: are these subjects listed? n must be 1 .. max_batch (the server
 * answers QC_E_TOO_LARGE beyond). *out gets one item per subject, in order.
 */
int		 qcreg_check(struct qcreg *, const char *const *subjects,
		    size_t n, const char *const *lists, size_t nlists,
		    struct qcreg_check **out);
void		 qcreg_check_free(struct qcreg_check *);
/* "clear", "caution" or "listed". */
const char	*qcreg_verdict_name(enum qcreg_verdict);

/* get: the current entries of subject. */
int		 qcreg_get(struct qcreg *, const char *subject,
		    const char *const *lists, size_t nlists,
		    struct qcreg_reply **);

/*
 * put: list or update an entry. if_version is QCREG_NO_VERSION, 0 (must
 * not exist yet) or the newest version it must have. On success fills *w.
 */
int		 qcreg_put(struct qcreg *, const char *list,
		    const char *subject, const struct qcreg_field *fields,
		    size_t nfields, int64_t if_version, struct qcreg_write *w);

/* As qcreg_put, with a retry key idem (NULL: none). */
int		 qcreg_put_idem(struct qcreg *, const char *list,
		    const char *subject, const struct qcreg_field *fields,
		    size_t nfields, int64_t if_version, const char *idem,
		    struct qcreg_write *w);

/* remove: take an entry off a list, with a reason (1 .. 1024 bytes). */
int		 qcreg_remove(struct qcreg *, const char *list,
		    const char *subject, const char *reason, int64_t if_version,
		    struct qcreg_write *w);
/* As qcreg_remove, with a retry key idem (NULL: none). */
int		 qcreg_remove_idem(struct qcreg *, const char *list,
		    const char *subject, const char *reason, int64_t if_version,
		    const char *idem, struct qcreg_write *w);

/* history: every version of subject, on list or (NULL) every list. */
int		 qcreg_history(struct qcreg *, const char *subject,
		    const char *list, struct qcreg_reply **);

/*
 * scan: walk list in subject order, starting after `after` (NULL: from
 * the start); limit 0 means the server default; state NULL means active
 * for platforms and agencies, every state for regulators.
 */
int		 qcreg_scan(struct qcreg *, const char *list, const char *after,
		    uint32_t limit, const char *state, struct qcreg_reply **);

/* changes: the change log after seq since; limit 0 = server default. */
int		 qcreg_changes(struct qcreg *, uint64_t since, uint32_t limit,
		    struct qcreg_reply **);

/* stats: counts per list and state. */
int		 qcreg_stats(struct qcreg *, struct qcreg_reply **);

/*
 * Procedures (PROTOCOL.md 4.6): cases with deadlines in working days,
 * and escalations from watch lists. Each answers with a reply whose
 * result map is as section 5 of PROTOCOL.md shows it;
 * qcreg_reply_case_opened() and qcreg_reply_write() decode the answers
 * of the writes. idem is a retry key or NULL (see Retries above).
 */

/*
 * case_open: a notice (告知; fields, nfields > 0: the proposed listing,
 * checked as for put), an objection (异议) or a repair (信用修复) case
 * (nfields 0, fields NULL) about the entry (list, subject). kind is
 * "notice", "objection" or "repair"; received_on the "YYYY-MM-DD" the
 * agency received it, not after today; text 1 .. 1024 bytes.
 */
int		 qcreg_case_open(struct qcreg *, const char *list,
		    const char *subject, const char *kind,
		    const char *received_on, const char *text,
		    const struct qcreg_field *fields, size_t nfields,
		    const char *idem, struct qcreg_reply **);

/*
 * case_close: decide case case_id with outcome (one of its kind's:
 * notice listed or withdrawn; objection upheld, corrected or revoked;
 * repair approved or rejected) and a reason. fields (nfields > 0) are
 * required for corrected and replace the proposal of listed; nfields 0
 * sends none. if_version as for put, for outcomes that write a version.
 */
int		 qcreg_case_close(struct qcreg *, uint64_t case_id,
		    const char *outcome, const char *reason,
		    const struct qcreg_field *fields, size_t nfields,
		    int64_t if_version, const char *idem,
		    struct qcreg_reply **);

/*
 * cases: one page of cases, by case id; filter NULL for the defaults.
 * The result's "next" (a case id, or nil at the end) goes into
 * filter->after for the next page.
 */
int		 qcreg_cases(struct qcreg *,
		    const struct qcreg_case_filter *, struct qcreg_reply **);

/*
 * escalations: one page of the subjects waiting for a decision, by
 * subject, after `after` (NULL: from the start); to list (NULL: every
 * list the caller may see); limit 0 = server default.
 */
int		 qcreg_escalations(struct qcreg *, const char *list,
		    const char *after, uint32_t limit, struct qcreg_reply **);

/*
 * escalation_dismiss: decide not to list subject on list (the target of
 * the escalation), with a reason.
 */
int		 qcreg_escalation_dismiss(struct qcreg *, const char *list,
		    const char *subject, const char *reason, const char *idem,
		    struct qcreg_reply **);

/*
 * Pipeline. qcreg_queue_* encode a request (same arguments as the single
 * calls) into the connection's output buffer and return 0; nothing is
 * awaited. Once more than 256 KiB are queued they are written out at
 * once, so a queue call may also fail with a transport code. While
 * writing, answers that arrive are read ahead and buffered, so a client
 * that queues far more than the server's output cap cannot deadlock.
 * Buffered answers are bounded by the number of requests in flight.
 *
 * qcreg_flush() writes everything queued. qcreg_next_reply() flushes,
 * then returns the answer to the oldest request in flight:
 *   0          *out is a success reply;
 *   > 0        *out is the server's error reply for that request (its
 *              message also in qcreg_errmsg()); later answers still come;
 *   < 0        *out is NULL; transport or protocol failure.
 * The caller frees *out whenever it is not NULL.
 */
int		 qcreg_queue_hello(struct qcreg *);
int		 qcreg_queue_check(struct qcreg *, const char *const *subjects,
		    size_t n, const char *const *lists, size_t nlists);
int		 qcreg_queue_get(struct qcreg *, const char *subject,
		    const char *const *lists, size_t nlists);
int		 qcreg_queue_put(struct qcreg *, const char *list,
		    const char *subject, const struct qcreg_field *fields,
		    size_t nfields, int64_t if_version);
int		 qcreg_queue_remove(struct qcreg *, const char *list,
		    const char *subject, const char *reason, int64_t if_version);
int		 qcreg_queue_put_idem(struct qcreg *, const char *list,
		    const char *subject, const struct qcreg_field *fields,
		    size_t nfields, int64_t if_version, const char *idem);
int		 qcreg_queue_remove_idem(struct qcreg *, const char *list,
		    const char *subject, const char *reason, int64_t if_version,
		    const char *idem);
int		 qcreg_queue_case_open(struct qcreg *, const char *list,
		    const char *subject, const char *kind,
		    const char *received_on, const char *text,
		    const struct qcreg_field *fields, size_t nfields,
		    const char *idem);
int		 qcreg_queue_case_close(struct qcreg *, uint64_t case_id,
		    const char *outcome, const char *reason,
		    const struct qcreg_field *fields, size_t nfields,
		    int64_t if_version, const char *idem);
int		 qcreg_queue_cases(struct qcreg *,
		    const struct qcreg_case_filter *);
int		 qcreg_queue_escalations(struct qcreg *, const char *list,
		    const char *after, uint32_t limit);
int		 qcreg_queue_escalation_dismiss(struct qcreg *,
		    const char *list, const char *subject, const char *reason,
		    const char *idem);
int		 qcreg_queue_history(struct qcreg *, const char *subject,
		    const char *list);
int		 qcreg_queue_scan(struct qcreg *, const char *list,
		    const char *after, uint32_t limit, const char *state);
int		 qcreg_queue_changes(struct qcreg *, uint64_t since,
		    uint32_t limit);
int		 qcreg_queue_stats(struct qcreg *);
int		 qcreg_flush(struct qcreg *);
/* Requests queued or sent whose answers have not been returned yet. */
size_t		 qcreg_in_flight(const struct qcreg *);
int		 qcreg_next_reply(struct qcreg *, struct qcreg_reply **out);

/*
 * Replies. A reply owns its frame and the unpacked msgpack objects;
 * msgpack strings point into it and are not NUL-terminated.
 */

/* QC_OK, or the protocol error code of an error reply. */
int		 qcreg_reply_code(const struct qcreg_reply *);
/* The error message of an error reply, "" for a success. */
const char	*qcreg_reply_message(const struct qcreg_reply *);
/* The op of the request answered ("check" ...). */
const char	*qcreg_reply_op(const struct qcreg_reply *);
/* The request id echoed by the server (0 for an id-less bad_frame). */
uint64_t	 qcreg_reply_id(const struct qcreg_reply *);
/* The result map of a success reply; NULL for an error reply. */
const msgpack_object *qcreg_reply_result(const struct qcreg_reply *);
/*
 * Decodes a check reply into *out (one allocation, see struct
 * qcreg_check). Returns 0, the reply's code for an error reply,
 * QCREG_E_USAGE if it answers another op, QCREG_E_PROTO if the result is
 * malformed or has not one item per subject sent, or QCREG_E_NOMEM.
 */
int		 qcreg_reply_check(const struct qcreg_reply *,
		    struct qcreg_check **out);
/*
 * Decodes the reply of a put or remove, or of a case_close or an
 * escalation_dismiss (version 0 when the write made no entry version);
 * codes as for qcreg_reply_check().
 */
int		 qcreg_reply_write(const struct qcreg_reply *,
		    struct qcreg_write *);
/* Decodes a case_open reply; codes as for qcreg_reply_check(). */
int		 qcreg_reply_case_opened(const struct qcreg_reply *,
		    struct qcreg_case_opened *);
void		 qcreg_reply_free(struct qcreg_reply *);

#endif
