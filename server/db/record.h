/*
 * Change records as stored in LMDB, and entry states.
 *
 * The change record of seq is the one place a version's content lives:
 * the summary and the versions database point at it by seq. The stored
 * value is two msgpack objects back to back (PROTOCOL.md 4.4):
 *
 *   [at, principal, op, list, subject, version|nil, case|nil, hash]
 *   payload
 *
 * The payload is a map with its keys in bytewise order: for a put
 * {"fields"}, for a removal {"fields", "reason"} (the fields of the
 * version it removes). Its bytes are hashed as they are stored, and
 * `changes` hands them out unchanged, so nobody has to re-encode them.
 * hash is the 32-byte chain hash of record_hash().
 */
#ifndef QCD_RECORD_H
#define QCD_RECORD_H

#include <lmdb.h>
#include <msgpack.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

#define DATE_NONE_START	INT32_MIN
#define DATE_NONE_END	INT32_MAX

enum state {
	ST_ACTIVE = 0,
	ST_PENDING,
	ST_EXPIRED,
	ST_REMOVED,
	ST_COUNT
};

/* What a change record records (PROTOCOL.md 4.4, `op`). */
enum change_op {
	CH_PUT = 0,
	CH_REMOVE,
	CH_CASE_OPEN,
	CH_CASE_CLOSE,
	CH_ESCALATION_DISMISS,
	CH_WITHDRAW,
	CH_RESTORE,
	CH_COUNT
};

/* A change record to write. */
struct change {
	uint64_t	 c_seq;
	uint64_t	 c_at;
	const char	*c_by;
	enum change_op	 c_op;
	const char	*c_list;
	const char	*c_subject;
	uint64_t	 c_version;	/* 0: none */
	uint64_t	 c_case;	/* 0: none */
	const void	*c_payload;	/* a packed map, keys in bytewise order */
	size_t		 c_payload_len;
};

/* A change record read back; pointers into the stored value. */
struct record {
	enum change_op		 r_op;
	const char		*r_list;
	size_t			 r_list_len;
	const char		*r_subject;
	size_t			 r_subject_len;
	uint64_t		 r_version;	/* 0: none */
	uint64_t		 r_case;	/* 0: none */
	int			 r_removed;	/* a removal version */
	int			 r_outcome;	/* case_close; else -1 */
	const char		*r_by;
	size_t			 r_by_len;
	uint64_t		 r_at;
	uint64_t		 r_seq;
	const uint8_t		*r_payload;	/* its stored bytes */
	size_t			 r_payload_len;
	msgpack_object		 r_payload_obj;	/* ... unpacked: a map */
	const msgpack_object	*r_fields;	/* payload "fields", or NULL */
	const char		*r_reason;	/* payload "reason", or NULL */
	size_t			 r_reason_len;
	const uint8_t		*r_hash;	/* STORE_HASH_LEN bytes */
};

/*
 * Unpacks the stored change record of seq (an LMDB value) into up and
 * decodes it. The caller destroys up. Returns 0, or -1 if the value is
 * corrupt (logged).
 */
int		 record_load(const MDB_val *, uint64_t seq,
		    msgpack_unpacked *, struct record *);
/*
 * Reads the change record of seq in txn and loads it. The caller
 * destroys up. Returns 0, an LMDB error, or MDB_CORRUPTED (logged) if it
 * is missing or corrupt.
 */
int		 record_fetch(struct store *, MDB_txn *, uint64_t seq,
		    msgpack_unpacked *, struct record *);

/* Packs the stored value of change c with its chain hash; 0 or -1. */
int		 record_pack(msgpack_packer *, const struct change *c,
		    const uint8_t hash[STORE_HASH_LEN]);
/*
 * The payload of an entry version: {"fields": fields_mp} and, for a
 * removal (reason != NULL), "reason". Appends to out; 0 or -1.
 */
int		 record_payload(msgpack_sbuffer *out, const void *fields_mp,
		    size_t fields_len, const char *reason, size_t reason_len);
/*
 * One key of a payload map, with a value already packed (pi_mp) or a
 * str (pi_str) of pi_len bytes; an item with neither is left out.
 */
struct payload_item {
	const char	*pi_key;
	const void	*pi_mp;
	const char	*pi_str;
	size_t		 pi_len;
};

/*
 * Appends the payload map of n items to out. The items must come in
 * bytewise key order (the canonical form); 0, or -1 if not or on error.
 */
int		 payload_pack(msgpack_sbuffer *out,
		    const struct payload_item *, size_t n);
/* payload_hash = SHA-256(payload); 0 or -1. */
int		 record_payload_hash(const void *, size_t,
		    uint8_t out[STORE_HASH_LEN]);
/*
 * hash(n) = SHA-256(prev || body(n)), body(n) the msgpack array
 * ["qcreg-change-v2", seq, at, principal, op, list, subject, version|nil,
 * case|nil, payload_hash]. For a record read back, record_rehash()
 * recomputes it from its stored parts. 0 or -1.
 */
int		 record_hash(const uint8_t prev[STORE_HASH_LEN],
		    const struct change *, uint8_t out[STORE_HASH_LEN]);
int		 record_rehash(const uint8_t prev[STORE_HASH_LEN],
		    const struct record *, uint8_t out[STORE_HASH_LEN]);
const char	*record_op_name(enum change_op);

/* State from status and validity dates, against today. */
enum state	 state_of(int removed, int32_t start, int32_t end,
		    int32_t today);
const char	*state_name(enum state);
/* State for a name of len bytes, or -1. */
int		 state_from_name(const char *, size_t);

/*
 * The start and end dates of a record's fields for list l
 * (DATE_NONE_START/END when absent).
 */
void		 record_dates(const struct list_def *, const msgpack_object *,
		    int32_t *start, int32_t *end);

#endif
