/*
 * Change records as stored in LMDB, and entry states.
 *
 * The change record of seq is the one place a version's content lives:
 * the summary and the versions database point at it by seq. It is a
 * msgpack array (positions, not names, to keep it small):
 *
 *   [at, principal, op, list, subject, version, fields, reason, hash]
 *
 * op is "put" or "remove"; fields is the map of the version (a removal
 * repeats the fields of the version it removes); reason is a string for
 * a removal, else nil; hash is the 32-byte chain hash (PROTOCOL.md 4.4).
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

struct record {
	const char		*r_list;
	size_t			 r_list_len;
	const char		*r_subject;
	size_t			 r_subject_len;
	uint64_t		 r_version;
	int			 r_removed;
	const msgpack_object	*r_fields;	/* a map */
	const char		*r_by;
	size_t			 r_by_len;
	uint64_t		 r_at;
	uint64_t		 r_seq;
	const char		*r_reason;	/* NULL unless removed */
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
/* Decodes an unpacked record; -1 if it does not have the record shape. */
int		 record_decode(const msgpack_object *, struct record *);

/*
 * Packs a change record. fields_mp is an already packed msgpack map;
 * reason may be NULL. Returns 0 or -1.
 */
int		 record_pack(msgpack_packer *, uint64_t at, const char *by,
		    int removed, const char *list, const char *subject,
		    uint64_t version, const void *fields_mp,
		    size_t fields_len, const char *reason, size_t reason_len,
		    const uint8_t hash[STORE_HASH_LEN]);

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
