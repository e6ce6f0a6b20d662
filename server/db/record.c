/*
 * Version record encoding and state computation.
 */
#include <inttypes.h>
#include <string.h>

#include "date.h"
#include "frame.h"
#include "log.h"
#include "msg.h"
#include "record.h"

static const char *state_names[ST_COUNT] = {
	"active", "pending", "expired", "removed"
};

static int	 record_date_field(const msgpack_object *, const char *,
		    int32_t *);

/* Positions in the stored array. */
enum {
	RP_AT, RP_BY, RP_OP, RP_LIST, RP_SUBJECT, RP_VERSION, RP_FIELDS,
	RP_REASON, RP_HASH, RP_COUNT
};

int
record_decode(const msgpack_object *o, struct record *r)
{
	const msgpack_object	*a;

	memset(r, 0, sizeof(*r));
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != RP_COUNT)
		return -1;
	a = o->via.array.ptr;
	if (qc_obj_uint(&a[RP_AT], &r->r_at) == -1 ||
	    qc_obj_str(&a[RP_BY], &r->r_by, &r->r_by_len) == -1 ||
	    qc_obj_str(&a[RP_LIST], &r->r_list, &r->r_list_len) == -1 ||
	    qc_obj_str(&a[RP_SUBJECT], &r->r_subject,
	    &r->r_subject_len) == -1 ||
	    qc_obj_uint(&a[RP_VERSION], &r->r_version) == -1 ||
	    a[RP_FIELDS].type != MSGPACK_OBJECT_MAP ||
	    a[RP_HASH].type != MSGPACK_OBJECT_BIN ||
	    a[RP_HASH].via.bin.size != STORE_HASH_LEN)
		return -1;
	if (qc_obj_streq(&a[RP_OP], "remove"))
		r->r_removed = 1;
	else if (!qc_obj_streq(&a[RP_OP], "put"))
		return -1;
	r->r_fields = &a[RP_FIELDS];
	if (r->r_removed && qc_obj_str(&a[RP_REASON], &r->r_reason,
	    &r->r_reason_len) == -1)
		return -1;
	if (!r->r_removed && a[RP_REASON].type != MSGPACK_OBJECT_NIL)
		return -1;
	r->r_hash = (const uint8_t *)a[RP_HASH].via.bin.ptr;
	return 0;
}

int
record_pack(msgpack_packer *pk, uint64_t at, const char *by, int removed,
    const char *list, const char *subject, uint64_t version,
    const void *fields_mp, size_t fields_len, const char *reason,
    size_t reason_len, const uint8_t hash[STORE_HASH_LEN])
{
	msgpack_sbuffer	*sb = pk->data;

	if (msgpack_pack_array(pk, RP_COUNT) != 0 ||
	    msgpack_pack_uint64(pk, at) != 0 ||
	    qc_pack_cstr(pk, by) != 0 ||
	    qc_pack_cstr(pk, removed ? "remove" : "put") != 0 ||
	    qc_pack_cstr(pk, list) != 0 ||
	    qc_pack_cstr(pk, subject) != 0 ||
	    msgpack_pack_uint64(pk, version) != 0 ||
	    msgpack_sbuffer_write(sb, fields_mp, fields_len) != 0)
		return -1;
	if (reason != NULL ? msgpack_pack_str_with_body(pk, reason,
	    reason_len) != 0 : msgpack_pack_nil(pk) != 0)
		return -1;
	return msgpack_pack_bin_with_body(pk, hash, STORE_HASH_LEN) != 0 ?
	    -1 : 0;
}

enum state
state_of(int removed, int32_t start, int32_t end, int32_t today)
{
	if (removed)
		return ST_REMOVED;
	if (start != DATE_NONE_START && start > today)
		return ST_PENDING;
	if (end != DATE_NONE_END && end < today)
		return ST_EXPIRED;
	return ST_ACTIVE;
}

const char *
state_name(enum state s)
{
	return state_names[s];
}

int
state_from_name(const char *s, size_t len)
{
	int	 i;

	for (i = 0; i < ST_COUNT; i++)
		if (strlen(state_names[i]) == len &&
		    memcmp(state_names[i], s, len) == 0)
			return i;
	return -1;
}

static int
record_date_field(const msgpack_object *fields, const char *name,
    int32_t *days)
{
	const char	*s;
	size_t		 len;

	if (qc_obj_str(qc_map_get(fields, name), &s, &len) == -1)
		return -1;
	return qc_date_parse(s, len, days);
}

void
record_dates(const struct list_def *l, const msgpack_object *fields,
    int32_t *start, int32_t *end)
{
	*start = DATE_NONE_START;
	*end = DATE_NONE_END;
	if (l->l_start != -1 && record_date_field(fields,
	    l->l_fields[l->l_start].f_name, start) == -1)
		*start = DATE_NONE_START;
	if (l->l_end != -1 && record_date_field(fields,
	    l->l_fields[l->l_end].f_name, end) == -1)
		*end = DATE_NONE_END;
}

int
record_load(const MDB_val *v, uint64_t seq, msgpack_unpacked *up,
    struct record *r)
{
	size_t	 off = 0;

	msgpack_unpacked_init(up);
	if (qc_msgpack_validate(v->mv_data, v->mv_size) != QC_FRAME_OK ||
	    msgpack_unpack_next(up, v->mv_data, v->mv_size, &off) !=
	    MSGPACK_UNPACK_SUCCESS || record_decode(&up->data, r) == -1) {
		log_warnx("corrupt change record %" PRIu64 " in the store",
		    seq);
		return -1;
	}
	r->r_seq = seq;
	return 0;
}

int
record_fetch(struct store *st, MDB_txn *txn, uint64_t seq,
    msgpack_unpacked *up, struct record *r)
{
	uint8_t	 key[8];
	MDB_val	 k, v;
	int	 rc;

	store_key_seq(key, seq);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	msgpack_unpacked_init(up);
	if ((rc = mdb_get(txn, st->s_changes, &k, &v)) == MDB_NOTFOUND) {
		log_warnx("change record %" PRIu64 " is missing from the "
		    "store", seq);
		return MDB_CORRUPTED;
	}
	if (rc != 0)
		return rc;
	msgpack_unpacked_destroy(up);
	return record_load(&v, seq, up, r) == -1 ? MDB_CORRUPTED : 0;
}
