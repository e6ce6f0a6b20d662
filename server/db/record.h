/*
 * Version records as stored in LMDB (msgpack maps), and entry states.
 *
 * A version record is {list, subject, version, status, fields, by, at,
 * seq, reason?}: the same shape as an entry on the wire minus "state".
 */
#ifndef QCD_RECORD_H
#define QCD_RECORD_H

#include <lmdb.h>
#include <msgpack.h>
#include <stdint.h>

#include "config.h"

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
};

/*
 * Unpacks a stored record (an LMDB value) into up and decodes it. The
 * caller destroys up. Returns 0, or -1 if the value is corrupt (logged).
 */
int		 record_load(const MDB_val *, msgpack_unpacked *,
		    struct record *);
/* Decodes an unpacked record; -1 if it does not have the record shape. */
int		 record_decode(const msgpack_object *, struct record *);

/*
 * Packs a record. fields_mp is an already packed msgpack map; reason may
 * be NULL. Returns 0 or -1.
 */
int		 record_pack(msgpack_packer *, const char *list,
		    const char *subject, uint64_t version, int removed,
		    const void *fields_mp, size_t fields_len, const char *by,
		    uint64_t at, uint64_t seq, const char *reason,
		    size_t reason_len);

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
