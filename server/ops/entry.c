/*
 * Wire entries from stored version records.
 */
#include <string.h>

#include "entry.h"
#include "msg.h"

const struct list_def *
entry_list(const struct config *cfg, const struct record *r)
{
	int	 li = config_list_index(cfg, r->r_list, r->r_list_len);

	return li == -1 ? NULL : &cfg->lists[li];
}

enum state
entry_state(const struct list_def *l, const struct record *r, int32_t today)
{
	int32_t	 start, end;

	record_dates(l, r->r_fields, &start, &end);
	return state_of(r->r_removed, start, end, today);
}

int
entry_pack(msgpack_packer *pk, const struct record *r, enum state st,
    int with_by)
{
	size_t	 n = 8 + (r->r_reason != NULL) + (with_by != 0);

	if (msgpack_pack_map(pk, n) != 0 ||
	    qc_pack_cstr(pk, "list") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_list, r->r_list_len) != 0 ||
	    qc_pack_cstr(pk, "subject") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_subject,
	    r->r_subject_len) != 0 ||
	    qc_pack_kv_uint(pk, "version", r->r_version) != 0 ||
	    qc_pack_kv_str(pk, "status",
	    r->r_removed ? "removed" : "listed") != 0 ||
	    qc_pack_kv_str(pk, "state", state_name(st)) != 0 ||
	    qc_pack_cstr(pk, "fields") != 0 ||
	    msgpack_pack_object(pk, *r->r_fields) != 0)
		return -1;
	if (r->r_reason != NULL && (qc_pack_cstr(pk, "reason") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_reason,
	    r->r_reason_len) != 0))
		return -1;
	if (with_by && (qc_pack_cstr(pk, "by") != 0 ||
	    msgpack_pack_str_with_body(pk, r->r_by, r->r_by_len) != 0))
		return -1;
	if (qc_pack_kv_uint(pk, "at", r->r_at) != 0 ||
	    qc_pack_kv_uint(pk, "seq", r->r_seq) != 0)
		return -1;
	return 0;
}

int
entry_full_view(enum role role)
{
	return role == ROLE_REGULATOR;
}
