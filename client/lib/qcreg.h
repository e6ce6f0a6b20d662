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
 * A mirror (qcreg_mirror_*, at the end) keeps a verified local copy of
 * what a platform sees and answers check without the network.
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
 *
 * Verification. The change log is a hash chain and the leaves of a Merkle
 * tree whose root the registry signs (PROTOCOL.md 4.4, 4.9). qcreg_checkpoint,
 * qcreg_proof and qcreg_consistency fetch what the registry states; the
 * pure functions under "Verifying the log" check it on this side, with
 * nothing but the answers and the registry's Ed25519 public key. A check
 * answer may be signed too ("Signed answers"), for a platform to keep
 * and re-check years later with only the public key.
 */
#ifndef QCREG_H
#define QCREG_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "errors.h"
#include "sig.h"

/* Codes for failures that are not protocol errors (all negative). */
#define QCREG_E_IO	(-1)	/* connect, read or write failed; peer closed */
#define QCREG_E_TLS	(-2)	/* TLS setup, handshake, certificate, alert */
#define QCREG_E_TIMEOUT	(-3)	/* the server did not answer in time */
#define QCREG_E_PROTO	(-4)	/* the server's answer broke the protocol */
#define QCREG_E_NOMEM	(-5)	/* out of memory */
#define QCREG_E_USAGE	(-6)	/* a bad argument or call sequence */
#define QCREG_E_VERIFY	(-7)	/* a record, proof or checkpoint is false */
#define QCREG_E_STORE	(-8)	/* mirror: its local files failed (LMDB) */
#define QCREG_E_STOPPED	(-9)	/* mirror: its stop descriptor was readable */

#define QCREG_TIMEOUT_DEFAULT	30000	/* ms, see struct qcreg_opts */
#define QCREG_NO_VERSION	(-1)	/* put/remove: no if_version */
#define QCREG_IDEM_MAX		64	/* bytes of a retry key (idem) */
/* Largest answer frame accepted, whatever max_frame the server announces. */
#define QCREG_RECV_MAX		(64 * 1024 * 1024)
#define QCREG_HASH_LEN		32	/* SHA-256: chain hashes, tree nodes */
#define QCREG_PROOF_MAX		64	/* hashes in a proof of a 2^64 tree */

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
	/*
	 * The subject's raw_len bytes exactly as the server sent them (NUL
	 * bytes included) when subject had to show some of them as '?':
	 * control characters, which only a subject refused as invalid can
	 * hold. NULL otherwise. A signed answer's text covers these bytes.
	 */
	const char		*raw_subject;
	size_t			 raw_len;
};

struct qcreg_check {
	size_t			 n;		/* items, one per subject sent */
	struct qcreg_check_item	*items;		/* in request order */
};

/* The answer to put or remove (and to case_close, escalation_dismiss). */
struct qcreg_write {
	uint64_t	 version;	/* the version it created, 0: none */
	uint64_t	 seq;		/* its change sequence number */
	int		 unchanged;	/* put unless_same: nothing written */
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
 * A signed checkpoint (PROTOCOL.md 4.9): the registry's statement that
 * its log holds size records under root, at time. Strings are
 * NUL-terminated and exactly as the registry sent them, since the
 * signature covers them (replace control characters before showing
 * them); is_signed is 0 (key_id "", no signature) when the registry has
 * no signing key.
 */
struct qcreg_checkpoint {
	char		 origin[QC_ORIGIN_MAX + 1];
	uint64_t	 size;
	uint8_t		 root[QCREG_HASH_LEN];
	uint64_t	 time;		/* Unix seconds */
	int		 is_signed;
	char		 key_id[QC_KEY_ID_MAX + 1];
	uint8_t		 signature[QC_SIG_LEN];
};

/* The answer to proof: the inclusion proof of record seq in size. */
struct qcreg_proof {
	uint64_t	 seq;
	uint64_t	 size;
	uint8_t		 root[QCREG_HASH_LEN];	/* of the tree of size */
	size_t		 n;
	uint8_t		 path[QCREG_PROOF_MAX][QCREG_HASH_LEN]; /* leaf up */
};

/* The answer to consistency: the tree of from is a prefix of to's. */
struct qcreg_consistency {
	uint64_t	 from;
	uint64_t	 to;
	uint8_t		 root[QCREG_HASH_LEN];	/* of the tree of to */
	size_t		 n;			/* 0 when from == to */
	uint8_t		 proof[QCREG_PROOF_MAX][QCREG_HASH_LEN];
};

/*
 * A Merkle tree built one leaf at a time in O(log n) memory: the roots
 * of its perfect subtrees (peaks[k] for bit k of size). See
 * qcreg_tree_add().
 */
struct qcreg_tree {
	uint64_t	 size;		/* leaves added */
	uint8_t		 peaks[64][QCREG_HASH_LEN];
};

/* What qcreg_change_verify() found. */
enum qcreg_chain {
	QCREG_CHAIN_OK = 0,
	QCREG_CHAIN_MALFORMED,	/* a key missing, of the wrong type, bad hex */
	QCREG_CHAIN_PREV,	/* prev is not the hash of the record before */
	QCREG_CHAIN_PAYLOAD,	/* payload does not hash to payload_hash */
	QCREG_CHAIN_HASH,	/* hash is not SHA-256(prev || body) */
	QCREG_CHAIN_NOMEM	/* hashing failed: out of memory */
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
 * "not_found" ...) or "io", "tls", "timeout", "protocol", "nomem", "usage",
 * "verify", "store", "stopped".
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
/* As qcreg_field_label, from a hello result map (or a mirror's). */
const char	*qcreg_hello_field_label(const msgpack_object *hello,
		    const char *list, const char *field, const char *value,
		    size_t vlen, size_t *len);

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
/*
 * The long poll of a follower (PROTOCOL.md 5, changes): changes after
 * since, and with wait_s (1 .. 60) an answer the server holds until the
 * log grows past since or wait_s seconds pass (then empty). Answers leave
 * a connection in order, so keep it on a connection of its own, with a
 * timeout longer than wait_s. wait_s 0 is qcreg_changes.
 */
int		 qcreg_changes_wait(struct qcreg *, uint64_t since,
		    uint32_t limit, unsigned wait_s, struct qcreg_reply **);
int		 qcreg_queue_changes_wait(struct qcreg *, uint64_t since,
		    uint32_t limit, unsigned wait_s);

/* stats: counts per list and state. */
int		 qcreg_stats(struct qcreg *, struct qcreg_reply **);
/*
 * stats grouped and filtered (PROTOCOL.md 5, stats); each member NULL:
 * not sent. by: list, region, month or grade; region: a division code of
 * 2, 4 or 6 digits; from, to: dates YYYY-MM-DD bounding the entries'
 * start dates.
 */
struct qcreg_stats_query {
	const char	*by;
	const char	*list;
	const char	*region;
	const char	*from;
	const char	*to;
};
int		 qcreg_stats_by(struct qcreg *,
		    const struct qcreg_stats_query *, struct qcreg_reply **);

/*
 * search (PROTOCOL.md 5; regulators and agencies): subjects by name
 * fragment, USCC prefix or division code. lists (nlists; NULL, 0: all)
 * narrow it; limit 0 is the server's default (20, at most 100); after is
 * the "next" of the page before, or NULL. The result map is
 * {results: [{subject, name?, lists: [{list, state}], verdict}], next,
 * truncated}.
 */
struct qcreg_search_query {
	const char		*q;
	const char *const	*lists;
	size_t			 nlists;
	uint32_t		 limit;
	const char		*after;
};
int		 qcreg_search(struct qcreg *, const struct qcreg_search_query *,
		    struct qcreg_reply **);

/*
 * Backups (PROTOCOL.md 4.13; admins): qcreg_backup with id NULL starts
 * one, with an id asks how it goes ({backup, state, seq?, hash?, size?,
 * sha256?, error?}); qcreg_backup_read reads a finished one from offset
 * ({offset, size, data: bin, eof}).
 */
int		 qcreg_backup(struct qcreg *, const char *id,
		    struct qcreg_reply **);
int		 qcreg_backup_read(struct qcreg *, const char *id,
		    uint64_t offset, struct qcreg_reply **);

/*
 * The audit of reads (PROTOCOL.md 4.15; admins): who read what, oldest
 * first, filtered by principal, subject and since (a date), from after
 * (a seq; 0: the first). The result is {records: [{seq, at, principal,
 * op, subjects, hash}], next, first, head}.
 */
struct qcreg_audit_query {
	const char	*principal;
	const char	*subject;
	const char	*since;
	uint64_t	 after;
	uint32_t	 limit;
};
int		 qcreg_audit(struct qcreg *, const struct qcreg_audit_query *,
		    struct qcreg_reply **);

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
 * The tree (PROTOCOL.md 4.9); every role may call these. Each answers
 * with a reply; qcreg_reply_checkpoint(), qcreg_reply_proof() and
 * qcreg_reply_consistency() decode it.
 */

/* checkpoint: the signed state of the log's head. */
int		 qcreg_checkpoint(struct qcreg *, struct qcreg_reply **);

/*
 * proof: the inclusion proof of change record seq (1 .. size) in the tree
 * of size records; size 0 means the head. seq 0 is QCREG_E_USAGE.
 */
int		 qcreg_proof(struct qcreg *, uint64_t seq, uint64_t size,
		    struct qcreg_reply **);

/*
 * consistency: the proof that the tree of from records is a prefix of
 * the tree of to records (1 <= from <= to); to 0 means the head. from 0
 * is QCREG_E_USAGE.
 */
int		 qcreg_consistency(struct qcreg *, uint64_t from, uint64_t to,
		    struct qcreg_reply **);
/*
 * Asks for and checks the proof that the tree of the first from records,
 * whose root the caller holds (from_root), is a prefix of the signed
 * tree of cp: 0 when it is (from 0: always); QCREG_E_VERIFY when the
 * proof does not verify; QCREG_E_PROTO for a malformed answer; else the
 * code of the call.
 */
int		 qcreg_consistency_check(struct qcreg *, uint64_t from,
		    const uint8_t from_root[QCREG_HASH_LEN],
		    const struct qcreg_checkpoint *cp);

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
/*
 * A put with its options: if_version (QCREG_NO_VERSION: none), idem
 * (NULL: none), and unless_same: when the entry is listed with exactly
 * these fields, nothing is written and the answer says unchanged (what
 * re-importing a file relies on).
 */
struct qcreg_put_opts {
	int64_t		 if_version;
	const char	*idem;
	int		 unless_same;
};
int		 qcreg_queue_put_opts(struct qcreg *, const char *list,
		    const char *subject, const struct qcreg_field *fields,
		    size_t nfields, const struct qcreg_put_opts *);
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
int		 qcreg_queue_search(struct qcreg *,
		    const struct qcreg_search_query *);
int		 qcreg_queue_stats_by(struct qcreg *,
		    const struct qcreg_stats_query *);
int		 qcreg_queue_checkpoint(struct qcreg *);
int		 qcreg_queue_proof(struct qcreg *, uint64_t seq, uint64_t size);
int		 qcreg_queue_consistency(struct qcreg *, uint64_t from,
		    uint64_t to);
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
/*
 * Decode the replies of the tree ops; codes as for qcreg_reply_check()
 * (QCREG_E_PROTO also for a proof of more than QCREG_PROOF_MAX hashes).
 * Decoding verifies nothing: see qcreg_checkpoint_verify(),
 * qcreg_verify_inclusion() and qcreg_verify_consistency().
 */
int		 qcreg_reply_checkpoint(const struct qcreg_reply *,
		    struct qcreg_checkpoint *);
int		 qcreg_reply_proof(const struct qcreg_reply *,
		    struct qcreg_proof *);
int		 qcreg_reply_consistency(const struct qcreg_reply *,
		    struct qcreg_consistency *);
void		 qcreg_reply_free(struct qcreg_reply *);

/*
 * Verifying the log (PROTOCOL.md 4.4, 4.9): pure functions, no
 * connection. Hashes are raw bytes (QCREG_HASH_LEN); in and out may be
 * the same buffer. The functions that compute return 0, or -1 when
 * SHA-256 failed (out of memory); those that verify return 1 when the
 * proof or signature holds and 0 otherwise (a hash that cannot be
 * computed does not verify).
 */

/* RFC 9162 leaf hash of change record hash h: SHA-256(0x00 || h). */
int		 qcreg_leaf_hash(const uint8_t h[QCREG_HASH_LEN],
		    uint8_t out[QCREG_HASH_LEN]);
/* RFC 9162 inner node: SHA-256(0x01 || left || right). */
int		 qcreg_node_hash(const uint8_t left[QCREG_HASH_LEN],
		    const uint8_t right[QCREG_HASH_LEN],
		    uint8_t out[QCREG_HASH_LEN]);
/*
 * The Merkle tree hash (RFC 9162 2.1.1) of n leaf hashes, the root of the
 * tree of n records; for n 0 the RFC's SHA-256 of nothing.
 */
int		 qcreg_tree_hash(const uint8_t (*leaves)[QCREG_HASH_LEN],
		    size_t n, uint8_t out[QCREG_HASH_LEN]);
/*
 * The same one leaf at a time: qcreg_tree_init(), then qcreg_tree_add()
 * of each leaf hash in seq order (-1 also after 2^64 - 1 leaves);
 * qcreg_tree_root() at any point is the root of the leaves so far.
 */
void		 qcreg_tree_init(struct qcreg_tree *);
int		 qcreg_tree_add(struct qcreg_tree *,
		    const uint8_t leaf[QCREG_HASH_LEN]);
int		 qcreg_tree_root(const struct qcreg_tree *,
		    uint8_t out[QCREG_HASH_LEN]);
/*
 * RFC 9162 2.1.3.2: 1 if path (n hashes, leaf up) proves that leaf (a
 * leaf hash) is leaf index (seq - 1) of the tree of size leaves whose
 * root is root.
 */
int		 qcreg_verify_inclusion(uint64_t index, uint64_t size,
		    const uint8_t leaf[QCREG_HASH_LEN],
		    const uint8_t (*path)[QCREG_HASH_LEN], size_t n,
		    const uint8_t root[QCREG_HASH_LEN]);
/*
 * RFC 9162 2.1.4.2: 1 if proof (n hashes) proves that the tree of first
 * leaves with root first_root is a prefix of the tree of second leaves
 * with root second_root (1 <= first <= second; equal sizes need an empty
 * proof and equal roots).
 */
int		 qcreg_verify_consistency(uint64_t first, uint64_t second,
		    const uint8_t first_root[QCREG_HASH_LEN],
		    const uint8_t second_root[QCREG_HASH_LEN],
		    const uint8_t (*proof)[QCREG_HASH_LEN], size_t n);
/*
 * 1 if cp is signed and its signature verifies, over the checkpoint text
 * (qc_checkpoint_text), with pub, the raw 32-byte Ed25519 public key of
 * its key_id. Which key that is comes from the caller's own copy or
 * from hello (qcreg_signing_key).
 */
int		 qcreg_checkpoint_verify(const struct qcreg_checkpoint *cp,
		    const uint8_t pub[QC_PUB_LEN]);
/*
 * 1 and the key in pub if hello at connect time lists key_id among the
 * registry's signing keys, else 0.
 */
int		 qcreg_signing_key(const struct qcreg *, const char *key_id,
		    uint8_t pub[QC_PUB_LEN]);
/*
 * One change record as `changes` returns it (a map object), checked
 * against prev, the hash of the record before it (32 zero bytes before
 * record 1): its prev must equal it; a payload must hash to its
 * payload_hash; its hash must be SHA-256(prev || body) with body as
 * PROTOCOL.md 4.4 defines it. A record without payload (a withdrawn
 * entry's, 4.7) is checked from its payload_hash alone. A sealed record
 * ({seq, at, op: "sealed", hash}) cannot be recomputed: its hash is taken
 * as given, and the next record's prev must equal it. On QCREG_CHAIN_OK,
 * hash is what the next record chains on (and the record's leaf in the
 * tree, through qcreg_leaf_hash); otherwise hash is untouched. seq order
 * is the caller's to check.
 */
enum qcreg_chain qcreg_change_verify(const msgpack_object *rec,
		    const uint8_t prev[QCREG_HASH_LEN],
		    uint8_t hash[QCREG_HASH_LEN]);
/* An English phrase for a result of qcreg_change_verify(). */
const char	*qcreg_chain_strerror(enum qcreg_chain);

/*
 * Signed answers (PROTOCOL.md 5, check, "Signed answers"). A check asked
 * with signed: true carries, beside its results, the tree (size, root)
 * of the snapshot it was read from and one Ed25519 signature, by the key
 * that key_id names, over a canonical text of the whole answer. A
 * platform keeps the answer and shows, years later and with nothing but
 * the public key of that key_id, what it was told and when.
 *
 * The signed block has the fields of a checkpoint, so it is held in a
 * struct qcreg_checkpoint (its signature covers the answer's text, not
 * the checkpoint text: verify it with qcreg_check_verify). Its size and
 * root can also be proven part of the log with qcreg_consistency.
 *
 * What to keep: the result map as the server sent it, as msgpack bytes
 * (msgpack_pack_object of qcreg_reply_result) or in any form that gives
 * the same map back (JSON: `qcreg --json check --signed`). Strings are
 * compared byte for byte, so keep them exactly.
 */

/*
 * check with signed: true; as qcreg_check, but *out is the reply, whose
 * result map (qcreg_reply_result) is the answer to keep. A server
 * without a signing key answers QC_E_UNAVAILABLE.
 */
int		 qcreg_check_signed(struct qcreg *, const char *const *subjects,
		    size_t n, const char *const *lists, size_t nlists,
		    struct qcreg_reply **out);
/* The same, pipelined (see Pipeline). */
int		 qcreg_queue_check_signed(struct qcreg *,
		    const char *const *subjects, size_t n,
		    const char *const *lists, size_t nlists);
/*
 * Decodes a signed check answer, the result map of a reply or one read
 * back from storage: its results into *out (as qcreg_reply_check gives
 * them, freed with qcreg_check_free) and its signed block into *sig.
 * Returns 0; QCREG_E_PROTO when the map is not a check answer or has no
 * signed block (or a malformed one); QCREG_E_NOMEM. Decoding verifies
 * nothing: see qcreg_check_verify.
 */
int		 qcreg_check_parse(const msgpack_object *result,
		    struct qcreg_check **out, struct qcreg_checkpoint *sig);
/*
 * As qcreg_check_parse, from the len msgpack bytes of a stored result
 * map. The bytes are checked as the library checks a frame before they
 * are unpacked, so any bytes are safe to give.
 */
int		 qcreg_check_load(const void *buf, size_t len,
		    struct qcreg_check **out, struct qcreg_checkpoint *sig);
/*
 * 1 if sig is signed and its signature verifies, with pub (the raw
 * 32-byte Ed25519 public key of sig->key_id), over the canonical text of
 * k under sig: any change to a subject, a verdict, a hit, an escalation,
 * the order of the results or a field of sig fails. 0 otherwise, also
 * when out of memory. Which key is sig->key_id's comes from the caller's
 * own copy or from hello (qcreg_signing_key).
 */
int		 qcreg_check_verify(const struct qcreg_check *k,
		    const struct qcreg_checkpoint *sig,
		    const uint8_t pub[QC_PUB_LEN]);

/*
 * The credit report of one subject (PROTOCOL.md 5, report): regulators
 * and agencies. With sign, the report is signed (4.16) as a check answer
 * is: its result map holds a signed block, whose signature covers a
 * canonical text of the whole report; keep the map as for a check (its
 * msgpack bytes, or JSON: `qcreg --json report --signed`). A server
 * without a signing key answers QC_E_UNAVAILABLE, a replica
 * QC_E_READ_ONLY. *out is the reply; qcreg_reply_result gives the map.
 */
int		 qcreg_report(struct qcreg *, const char *subject, int sign,
		    struct qcreg_reply **out);
/* The same, pipelined (see Pipeline). */
int		 qcreg_queue_report(struct qcreg *, const char *subject,
		    int sign);
/*
 * The signed block of a signed report (the result map of a reply, or one
 * read back) into *sig. 0, or QCREG_E_PROTO when the map is not a report
 * or has no signed block (or a malformed one). Decoding verifies
 * nothing: see qcreg_report_verify.
 */
int		 qcreg_report_parse(const msgpack_object *result,
		    struct qcreg_checkpoint *sig);
/*
 * As qcreg_report_parse, from the len msgpack bytes of a kept report,
 * which are checked as the library checks a frame before they are
 * unpacked into *up: on 0, up->data is the report map; free it with
 * msgpack_unpacked_destroy (on an error there is nothing to free).
 */
int		 qcreg_report_load(const void *buf, size_t len,
		    msgpack_unpacked *up, struct qcreg_checkpoint *sig);
/*
 * 1 if sig is signed and its signature verifies, with pub (the raw
 * 32-byte Ed25519 public key of sig->key_id), over the canonical text of
 * the report map result under sig: any change to a value of the report
 * (an entry, a version, a case, the verdict, the registry head ...) or
 * to a field of sig fails. 0 otherwise, also when out of memory.
 */
int		 qcreg_report_verify(const msgpack_object *result,
		    const struct qcreg_checkpoint *sig,
		    const uint8_t pub[QC_PUB_LEN]);

/*
 * Mirror (PROTOCOL.md 4.7, 4.9, 4.11): a platform keeps the registry's public
 * data beside it, in sync, and checks sellers locally.
 *
 * A mirror is a directory with an LMDB data file. qcreg_mirror_sync()
 * reads the change log (op changes) from the last record it applied on a
 * connection of its own, chains each record onto the one before
 * (qcreg_change_verify: a sealed record gives its hash, a record without
 * payload its payload_hash, a payload must hash to its payload_hash),
 * applies what a platform sees of it, and checks the result against a
 * checkpoint signed by the registry's key. A page of records is committed
 * in one LMDB transaction, and only once the tree of the log up to its
 * last record is proven a prefix of the signed tree (RFC 9162 consistency
 * proof; at the checkpoint itself, the same root): a process killed at
 * any moment resumes with no gap and no duplicate, and nothing unverified
 * is ever answered from. A false record or checkpoint is refused with
 * QCREG_E_VERIFY and a message naming its seq; the records before it stay
 * applied.
 *
 * qcreg_mirror_check() answers as `check` answers a platform (hits,
 * verdicts, disputes; no escalations), from the local copy alone. States
 * are computed at check time, against today in the registry's time zone:
 * an entry that was pending when fetched is a hit once its start date has
 * come.
 *
 * Withdrawn entries (PROTOCOL.md 4.7) lose their fields (an open
 * objection's case id stays, as the registry keeps it), and the data
 * file is then rewritten as a compacted copy swapped in atomically, so
 * the fields are gone from the mirror's files, not only unreachable.
 *
 * Several processes may open one mirror: one syncs (it holds
 * DIR/sync.lock), others check; a checker moves to a rewritten data file
 * by itself. A handle is not thread-safe. Calls return 0, a code as above
 * (QCREG_E_* or a protocol error), and qcreg_mirror_errmsg() explains.
 */
struct qcreg_mirror;

struct qcreg_mirror_status {
	uint64_t	 seq;		/* the last record applied */
	uint64_t	 target;	/* size of the checkpoint aimed at */
	uint64_t	 verified;	/* size of the last one reached */
	uint64_t	 applied;	/* records this sync applied */
	uint64_t	 withdrawn;	/* entries whose fields it deleted */
	int		 compacted;	/* it rewrote the data file */
};

struct qcreg_mirror_conf {
	/* The registry; host NULL opens an existing mirror to check only. */
	const char		*host;
	unsigned		 port;
	const struct qcreg_opts	*opts;
	/* Its Ed25519 checkpoint key, raw (qcreg_pubkey_load). */
	const uint8_t		*pubkey;
	/*
	 * The registry's UTC offset ("+08:00"), which today's date for
	 * states is taken in; NULL keeps the mirror's (+08:00 when new).
	 */
	const char		*timezone;
	/*
	 * Called after each page committed (may be NULL); a non-zero
	 * return ends the sync there, and it returns 0.
	 */
	int			(*progress)(void *,
				    const struct qcreg_mirror_status *);
	void			*progress_arg;
};

/*
 * Opens the mirror in dir (created, with the directory, when conf->host
 * is set and there is none). On failure *mp is NULL and err says why.
 */
int		 qcreg_mirror_open(struct qcreg_mirror **mp, const char *dir,
		    const struct qcreg_mirror_conf *conf, char *err,
		    size_t errsize);
/*
 * Brings the mirror up to a checkpoint the registry signs now (connecting
 * or reconnecting as needed), then rewrites the data file if it deleted
 * withdrawn entries' fields. With wait_s (1 .. 60), a mirror already up to
 * date first waits up to wait_s seconds for a new record (the `changes`
 * long poll): a follower calls it in a loop and applies each write within
 * a moment of its commit. st (may be NULL) says how far it got.
 */
int		 qcreg_mirror_sync(struct qcreg_mirror *, unsigned wait_s,
		    struct qcreg_mirror_status *st);
/*
 * Makes fd (-1: none, the default) stop syncs: once it is readable, a
 * sync waiting for the registry (the long poll included) ends at once
 * with QCREG_E_STOPPED, the pages before applied. For a signal handler
 * that writes to a pipe; connecting waits out opts->timeout_ms.
 */
void		 qcreg_mirror_stop_fd(struct qcreg_mirror *, int fd);
/*
 * check, answered locally as for a platform: *out as qcreg_check gives it
 * (freed with qcreg_check_free), n >= 1 subjects of any number. A list of
 * lists that the mirror does not know is QC_E_UNKNOWN_LIST.
 */
int		 qcreg_mirror_check(struct qcreg_mirror *,
		    const char *const *subjects, size_t n,
		    const char *const *lists, size_t nlists,
		    struct qcreg_check **out);
/* As qcreg_mirror_check, as of day ("YYYY-MM-DD") instead of today. */
int		 qcreg_mirror_check_on(struct qcreg_mirror *, const char *day,
		    const char *const *subjects, size_t n,
		    const char *const *lists, size_t nlists,
		    struct qcreg_check **out);
/*
 * The raw Ed25519 public key in the PEM file at path (the registry's,
 * as `make certs` writes signing-N.pub) into pub. Returns 0, or
 * QCREG_E_USAGE with the reason in err.
 */
int		 qcreg_pubkey_load(const char *path, uint8_t pub[QC_PUB_LEN],
		    char *err, size_t errsize);
/* The list definitions kept from hello: a map {"lists": [...]}. */
const msgpack_object *qcreg_mirror_hello(const struct qcreg_mirror *);
/* Message for the last failure ("" if none). */
const char	*qcreg_mirror_errmsg(const struct qcreg_mirror *);
/* Closes the connection and the data file; NULL is ignored. */
void		 qcreg_mirror_close(struct qcreg_mirror *);

#endif
