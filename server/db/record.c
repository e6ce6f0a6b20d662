/*
 * Version record encoding and state computation.
 */
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

int
record_decode(const msgpack_object *o, struct record *r)
{
	const msgpack_object	*status, *reason;

	memset(r, 0, sizeof(*r));
	if (qc_obj_str(qc_map_get(o, "list"), &r->r_list,
	    &r->r_list_len) == -1 ||
	    qc_obj_str(qc_map_get(o, "subject"), &r->r_subject,
	    &r->r_subject_len) == -1 ||
	    qc_obj_uint(qc_map_get(o, "version"), &r->r_version) == -1 ||
	    qc_obj_str(qc_map_get(o, "by"), &r->r_by, &r->r_by_len) == -1 ||
	    qc_obj_uint(qc_map_get(o, "at"), &r->r_at) == -1 ||
	    qc_obj_uint(qc_map_get(o, "seq"), &r->r_seq) == -1)
		return -1;
	status = qc_map_get(o, "status");
	if (qc_obj_streq(status, "removed"))
		r->r_removed = 1;
	else if (!qc_obj_streq(status, "listed"))
		return -1;
	r->r_fields = qc_map_get(o, "fields");
	if (r->r_fields == NULL || r->r_fields->type != MSGPACK_OBJECT_MAP)
		return -1;
	reason = qc_map_get(o, "reason");
	if (reason != NULL && qc_obj_str(reason, &r->r_reason,
	    &r->r_reason_len) == -1)
		return -1;
	return 0;
}

int
record_pack(msgpack_packer *pk, const char *list, const char *subject,
    uint64_t version, int removed, const void *fields_mp, size_t fields_len,
    const char *by, uint64_t at, uint64_t seq, const char *reason,
    size_t reason_len)
{
	msgpack_sbuffer	*sb = pk->data;

	if (msgpack_pack_map(pk, reason != NULL ? 9 : 8) != 0 ||
	    qc_pack_kv_str(pk, "list", list) != 0 ||
	    qc_pack_kv_str(pk, "subject", subject) != 0 ||
	    qc_pack_kv_uint(pk, "version", version) != 0 ||
	    qc_pack_kv_str(pk, "status", removed ? "removed" : "listed") != 0 ||
	    qc_pack_cstr(pk, "fields") != 0 ||
	    msgpack_sbuffer_write(sb, fields_mp, fields_len) != 0 ||
	    qc_pack_kv_str(pk, "by", by) != 0 ||
	    qc_pack_kv_uint(pk, "at", at) != 0 ||
	    qc_pack_kv_uint(pk, "seq", seq) != 0)
		return -1;
	if (reason != NULL && (qc_pack_cstr(pk, "reason") != 0 ||
	    msgpack_pack_str_with_body(pk, reason, reason_len) != 0))
		return -1;
	return 0;
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
record_load(const MDB_val *v, msgpack_unpacked *up, struct record *r)
{
	size_t	 off = 0;

	msgpack_unpacked_init(up);
	if (qc_frame_validate(v->mv_data, v->mv_size) != QC_FRAME_OK ||
	    msgpack_unpack_next(up, v->mv_data, v->mv_size, &off) !=
	    MSGPACK_UNPACK_SUCCESS || record_decode(&up->data, r) == -1) {
		log_warnx("corrupt version record in the store");
		return -1;
	}
	return 0;
}
