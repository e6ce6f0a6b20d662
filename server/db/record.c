/*
 * Version record encoding and state computation.
 */
#include <inttypes.h>
#include <string.h>

#include "cases.h"
#include "date.h"
#include "frame.h"
#include "log.h"
#include "loghash.h"
#include "msg.h"
#include "record.h"

static const char *state_names[ST_COUNT] = {
	"active", "pending", "expired", "removed"
};

static int	 record_date_field(const msgpack_object *, const char *,
		    int32_t *);
static int	 record_decode(const msgpack_object *, struct record *);
static int	 record_payload_decode(struct record *);
static int	 body_hash(const uint8_t *, const struct change *, size_t,
		    size_t, size_t, uint8_t *);

static const char *op_names[CH_COUNT] = {
	"put", "remove", "case_open", "case_close", "escalation_dismiss",
	"withdraw", "restore"
};

/* Positions in the stored array. */
enum {
	RP_AT, RP_BY, RP_OP, RP_LIST, RP_SUBJECT, RP_VERSION, RP_CASE,
	RP_HASH, RP_COUNT
};

const char *
record_op_name(enum change_op op)
{
	return op_names[op];
}

/* Optional uint: nil is 0; 0 itself is not allowed. */
static int
opt_uint(const msgpack_object *o, uint64_t *u)
{
	*u = 0;
	if (o->type == MSGPACK_OBJECT_NIL)
		return 0;
	return qc_obj_uint(o, u) == -1 || *u == 0 ? -1 : 0;
}

static int
record_decode(const msgpack_object *o, struct record *r)
{
	const msgpack_object	*a;
	int			 op;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != RP_COUNT)
		return -1;
	a = o->via.array.ptr;
	if (qc_obj_uint(&a[RP_AT], &r->r_at) == -1 ||
	    qc_obj_str(&a[RP_BY], &r->r_by, &r->r_by_len) == -1 ||
	    qc_obj_str(&a[RP_LIST], &r->r_list, &r->r_list_len) == -1 ||
	    qc_obj_str(&a[RP_SUBJECT], &r->r_subject,
	    &r->r_subject_len) == -1 ||
	    opt_uint(&a[RP_VERSION], &r->r_version) == -1 ||
	    opt_uint(&a[RP_CASE], &r->r_case) == -1 ||
	    a[RP_HASH].type != MSGPACK_OBJECT_BIN ||
	    a[RP_HASH].via.bin.size != STORE_HASH_LEN)
		return -1;
	for (op = 0; op < CH_COUNT; op++)
		if (qc_obj_streq(&a[RP_OP], op_names[op]))
			break;
	if (op == CH_COUNT)
		return -1;
	r->r_op = (enum change_op)op;
	r->r_hash = (const uint8_t *)a[RP_HASH].via.bin.ptr;
	return 0;
}

/* The payload's fields and reason; an entry version must have fields. */
static int
record_payload_decode(struct record *r)
{
	const msgpack_object	*p = &r->r_payload_obj, *f, *why, *out;
	const char		*o;
	size_t			 olen;
	int			 outcome;

	if (p->type != MSGPACK_OBJECT_MAP)
		return -1;
	f = qc_map_get(p, "fields");
	why = qc_map_get(p, "reason");
	if (f != NULL && f->type != MSGPACK_OBJECT_MAP)
		return -1;
	if (why != NULL && qc_obj_str(why, &r->r_reason,
	    &r->r_reason_len) == -1)
		return -1;
	r->r_fields = f;
	r->r_removed = r->r_op == CH_REMOVE;
	r->r_outcome = -1;
	if (r->r_op == CH_CASE_CLOSE) {
		if ((out = qc_map_get(p, "outcome")) == NULL ||
		    qc_obj_str(out, &o, &olen) == -1 ||
		    (outcome = case_outcome_from_name(o, olen)) == -1)
			return -1;
		r->r_outcome = outcome;
		r->r_removed = case_outcome_effect(outcome) == EFFECT_REMOVES;
		/* A closing that writes a version carries its fields. */
		return (r->r_version != 0) != (f != NULL) ? -1 : 0;
	}
	if (r->r_op == CH_PUT || r->r_op == CH_REMOVE)
		return f == NULL || r->r_version == 0 ||
		    (r->r_op == CH_REMOVE) != (why != NULL) ? -1 : 0;
	return 0;
}

int
record_pack(msgpack_packer *pk, const struct change *c,
    const uint8_t hash[STORE_HASH_LEN])
{
	msgpack_sbuffer	*sb = pk->data;

	if (msgpack_pack_array(pk, RP_COUNT) != 0 ||
	    msgpack_pack_uint64(pk, c->c_at) != 0 ||
	    qc_pack_cstr(pk, c->c_by) != 0 ||
	    qc_pack_cstr(pk, op_names[c->c_op]) != 0 ||
	    qc_pack_cstr(pk, c->c_list) != 0 ||
	    qc_pack_cstr(pk, c->c_subject) != 0 ||
	    (c->c_version != 0 ? msgpack_pack_uint64(pk, c->c_version) :
	    msgpack_pack_nil(pk)) != 0 ||
	    (c->c_case != 0 ? msgpack_pack_uint64(pk, c->c_case) :
	    msgpack_pack_nil(pk)) != 0 ||
	    msgpack_pack_bin_with_body(pk, hash, STORE_HASH_LEN) != 0)
		return -1;
	return msgpack_sbuffer_write(sb, c->c_payload, c->c_payload_len) != 0 ?
	    -1 : 0;
}

int
record_payload(msgpack_sbuffer *out, const void *fields_mp, size_t fields_len,
    const char *reason, size_t reason_len)
{
	struct payload_item	 it[2] = {
		{ .pi_key = "fields", .pi_mp = fields_mp,
		  .pi_len = fields_len },
		{ .pi_key = "reason", .pi_str = reason, .pi_len = reason_len },
	};

	return payload_pack(out, it, reason != NULL ? 2 : 1);
}

int
payload_pack(msgpack_sbuffer *out, const struct payload_item *it, size_t n)
{
	msgpack_packer	 pk;
	size_t		 i, m = 0;

	for (i = 0; i < n; i++)
		if (it[i].pi_mp != NULL || it[i].pi_str != NULL)
			m++;
	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	if (msgpack_pack_map(&pk, (uint32_t)m) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (it[i].pi_mp == NULL && it[i].pi_str == NULL)
			continue;
		/* Canonical: keys in bytewise order, the caller's job. */
		if (i > 0 && strcmp(it[i - 1].pi_key, it[i].pi_key) >= 0)
			return -1;
		if (qc_pack_cstr(&pk, it[i].pi_key) != 0 ||
		    (it[i].pi_mp != NULL ? msgpack_sbuffer_write(out,
		    it[i].pi_mp, it[i].pi_len) : msgpack_pack_str_with_body(&pk,
		    it[i].pi_str, it[i].pi_len)) != 0)
			return -1;
	}
	return 0;
}

int
record_payload_hash(const void *p, size_t len, uint8_t out[STORE_HASH_LEN])
{
	return qc_sha256(p, len, out);
}

/*
 * SHA-256(prev || body). c's strings are by, list and subject of the
 * given lengths (not necessarily NUL-terminated).
 */
static int
body_hash(const uint8_t *prev, const struct change *c, size_t by_len,
    size_t list_len, size_t subject_len, uint8_t *out)
{
	uint8_t			 ph[STORE_HASH_LEN];
	struct qc_change_body	 b = {
		.seq = c->c_seq, .at = c->c_at,
		.principal = c->c_by, .principal_len = by_len,
		.op = op_names[c->c_op], .op_len = strlen(op_names[c->c_op]),
		.list = c->c_list, .list_len = list_len,
		.subject = c->c_subject, .subject_len = subject_len,
		.has_version = c->c_version != 0, .version = c->c_version,
		.has_case = c->c_case != 0, .case_id = c->c_case,
		.payload_hash = ph,
	};

	if (record_payload_hash(c->c_payload, c->c_payload_len, ph) != 0)
		return -1;
	return qc_change_hash(prev, &b, out);
}

int
record_hash(const uint8_t prev[STORE_HASH_LEN], const struct change *c,
    uint8_t out[STORE_HASH_LEN])
{
	return body_hash(prev, c, strlen(c->c_by), strlen(c->c_list),
	    strlen(c->c_subject), out);
}

int
record_rehash(const uint8_t prev[STORE_HASH_LEN], const struct record *r,
    uint8_t out[STORE_HASH_LEN])
{
	struct change	 c;

	c.c_seq = r->r_seq;
	c.c_at = r->r_at;
	c.c_by = r->r_by;
	c.c_op = r->r_op;
	c.c_list = r->r_list;
	c.c_subject = r->r_subject;
	c.c_version = r->r_version;
	c.c_case = r->r_case;
	c.c_payload = r->r_payload;
	c.c_payload_len = r->r_payload_len;
	return body_hash(prev, &c, r->r_by_len, r->r_list_len,
	    r->r_subject_len, out);
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
	const char	*data = v->mv_data;
	size_t		 off = 0, start;

	msgpack_unpacked_init(up);
	memset(r, 0, sizeof(*r));
	/* Both objects go to one zone, which msgpack_unpacked_destroy frees. */
	if ((up->zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE)) == NULL)
		goto corrupt;
	if (qc_msgpack_validate_seq((const uint8_t *)data, v->mv_size, 2) !=
	    QC_FRAME_OK ||
	    msgpack_unpack(data, v->mv_size, &off, up->zone, &up->data) !=
	    MSGPACK_UNPACK_EXTRA_BYTES || record_decode(&up->data, r) == -1)
		goto corrupt;
	start = off;
	if (msgpack_unpack(data, v->mv_size, &off, up->zone,
	    &r->r_payload_obj) != MSGPACK_UNPACK_SUCCESS)
		goto corrupt;
	r->r_payload = (const uint8_t *)data + start;
	r->r_payload_len = off - start;
	if (record_payload_decode(r) == -1)
		goto corrupt;
	r->r_seq = seq;
	return 0;
corrupt:
	log_warnx("corrupt change record %" PRIu64 " in the store", seq);
	return -1;
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
