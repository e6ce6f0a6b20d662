/*
 * hello: who the caller is and what the registry holds.
 */
#include <errno.h>
#include <string.h>

#include "keys.h"
#include "msg.h"
#include "op.h"
#include "replica.h"
#include "signer.h"
#include "version.h"

static int		 pack_list(msgpack_packer *, const struct config *,
			    const struct list_def *);
static int		 pack_field(msgpack_packer *, const struct field_def *);
static int		 pack_role(msgpack_packer *, const struct list_def *,
			    const char *, int);
static int		 pack_labels_count(const struct field_def *);
static int		 pack_labels(msgpack_packer *, const struct field_def *);
static int		 pack_verdicts(msgpack_packer *, const struct list_def *);
static int		 pack_procedures(msgpack_packer *, const struct list_def *);
static enum op_status	 pack_keys(struct req *);
static int		 pack_escalation(msgpack_packer *, const struct config *,
			    const struct list_def *);

static int
pack_labels_count(const struct field_def *f)
{
	int	 i, n = 0;

	for (i = 0; i < f->f_nvalues; i++)
		n += f->f_labels[i] != NULL;
	return n;
}

/* "labels": {value: label} for the values that have one. */
static int
pack_labels(msgpack_packer *pk, const struct field_def *f)
{
	int	 i;

	if (qc_pack_cstr(pk, "labels") != 0 ||
	    msgpack_pack_map(pk, pack_labels_count(f)) != 0)
		return -1;
	for (i = 0; i < f->f_nvalues; i++)
		if (f->f_labels[i] != NULL &&
		    qc_pack_kv_str(pk, f->f_values[i], f->f_labels[i]) != 0)
			return -1;
	return 0;
}

/* A rating list's "verdicts": {grade: verdict}. */
static int
pack_verdicts(msgpack_packer *pk, const struct list_def *l)
{
	const struct field_def	*f = &l->l_fields[l->l_grade];
	int			 i;

	if (qc_pack_cstr(pk, "verdicts") != 0 ||
	    msgpack_pack_map(pk, f->f_nvalues) != 0)
		return -1;
	for (i = 0; i < f->f_nvalues; i++)
		if (qc_pack_kv_str(pk, f->f_values[i],
		    config_verdict_name(l->l_verdicts[i])) != 0)
			return -1;
	return 0;
}

/* A watch list's "escalation": {to, after, window}. */
static int
pack_escalation(msgpack_packer *pk, const struct config *cfg,
    const struct list_def *l)
{
	return qc_pack_cstr(pk, "escalation") != 0 ||
	    msgpack_pack_map(pk, 3) != 0 ||
	    qc_pack_kv_str(pk, "to",
	    cfg->lists[l->l_escalate_to].l_name) != 0 ||
	    qc_pack_kv_uint(pk, "after", l->l_escalate_after) != 0 ||
	    qc_pack_kv_uint(pk, "window", l->l_escalate_window) != 0 ? -1 : 0;
}

/* One key of "keys": {key_id, public_key, since, current}. */
static int
pack_key(const struct key_info *ki, void *arg)
{
	struct req		*q = arg;
	const struct signer	*s = config_signer(q->q_cfg);
	msgpack_packer		*pk = q->q_pk;
	char			 hex[2 * QC_PUB_LEN + 1];
	int			 current;

	if (q->q_env->oe_replica != NULL)
		current = replica_key_current(q->q_env->oe_replica, ki->ki_id,
		    ki->ki_id_len);
	else
		current = s != NULL && strlen(signer_key_id(s)) ==
		    ki->ki_id_len && memcmp(signer_key_id(s), ki->ki_id,
		    ki->ki_id_len) == 0;
	qc_hex(ki->ki_pub, QC_PUB_LEN, hex);
	return msgpack_pack_map(pk, 4) != 0 || qc_pack_cstr(pk, "key_id") ||
	    msgpack_pack_str_with_body(pk, ki->ki_id, ki->ki_id_len) != 0 ||
	    qc_pack_kv_str(pk, "public_key", hex) != 0 ||
	    qc_pack_kv_uint(pk, "since", ki->ki_since) != 0 ||
	    qc_pack_cstr(pk, "current") != 0 ||
	    (current ? msgpack_pack_true(pk) : msgpack_pack_false(pk)) != 0 ?
	    ENOMEM : 0;
}

static int
count_key(const struct key_info *ki, void *arg)
{
	(void)ki;
	(*(uint32_t *)arg)++;
	return 0;
}

/*
 * "keys": every key the registry has signed with, old ones too, so that
 * an answer signed years ago still verifies.
 */
static enum op_status
pack_keys(struct req *q)
{
	MDB_txn		*txn;
	uint32_t	 n = 0;
	int		 rc;

	if ((txn = req_txn(q)) == NULL)
		return OP_ERROR;
	if ((rc = keys_walk(q->q_store, txn, count_key, &n)) != 0 ||
	    (rc = qc_pack_cstr(q->q_pk, "keys") != 0 ||
	    msgpack_pack_array(q->q_pk, n) != 0 ? ENOMEM : 0) != 0 ||
	    (rc = keys_walk(q->q_store, txn, pack_key, q)) != 0)
		return req_fail(q, QC_E_INTERNAL, "keys: %s",
		    mdb_strerror(rc));
	return OP_DONE;
}

/*
 * "procedures": the periods of PROTOCOL.md 4.6, {notice_days,
 * objection_days, repair_days, repair_after, publish_days}.
 */
static int
pack_procedures(msgpack_packer *pk, const struct list_def *l)
{
	return qc_pack_cstr(pk, "procedures") != 0 ||
	    msgpack_pack_map(pk, 5) != 0 ||
	    qc_pack_kv_uint(pk, "notice_days",
	    l->l_case_days[CASE_NOTICE]) != 0 ||
	    qc_pack_kv_uint(pk, "objection_days",
	    l->l_case_days[CASE_OBJECTION]) != 0 ||
	    qc_pack_kv_uint(pk, "repair_days",
	    l->l_case_days[CASE_REPAIR]) != 0 ||
	    qc_pack_kv_uint(pk, "repair_after", l->l_repair_after) != 0 ||
	    qc_pack_kv_uint(pk, "publish_days", l->l_publish_days) != 0 ?
	    -1 : 0;
}

static int
pack_field(msgpack_packer *pk, const struct field_def *f)
{
	size_t	 n = 3;
	int	 i;

	n += f->f_type == FT_TEXT;
	n += f->f_type == FT_ENUM;
	n += f->f_type == FT_ENUM && pack_labels_count(f) > 0;
	n += f->f_type == FT_INT && f->f_min != INT64_MIN;
	n += f->f_type == FT_INT && f->f_max != INT64_MAX;
	if (msgpack_pack_map(pk, n) != 0 ||
	    qc_pack_kv_str(pk, "name", f->f_name) != 0 ||
	    qc_pack_kv_str(pk, "type", config_field_type_name(f->f_type)) != 0 ||
	    qc_pack_cstr(pk, "required") != 0 ||
	    (f->f_required ? msgpack_pack_true(pk) :
	    msgpack_pack_false(pk)) != 0)
		return -1;
	if (f->f_type == FT_TEXT &&
	    qc_pack_kv_uint(pk, "max_len", f->f_max_len) != 0)
		return -1;
	if (f->f_type == FT_ENUM) {
		if (qc_pack_cstr(pk, "values") != 0 ||
		    msgpack_pack_array(pk, f->f_nvalues) != 0)
			return -1;
		for (i = 0; i < f->f_nvalues; i++)
			if (qc_pack_cstr(pk, f->f_values[i]) != 0)
				return -1;
		if (pack_labels_count(f) > 0 && pack_labels(pk, f) != 0)
			return -1;
	}
	if (f->f_type == FT_INT && f->f_min != INT64_MIN &&
	    (qc_pack_cstr(pk, "min") != 0 ||
	    msgpack_pack_int64(pk, f->f_min) != 0))
		return -1;
	if (f->f_type == FT_INT && f->f_max != INT64_MAX &&
	    (qc_pack_cstr(pk, "max") != 0 ||
	    msgpack_pack_int64(pk, f->f_max) != 0))
		return -1;
	return 0;
}

/* "key": the name of field i, unless i is -1 (the list names none). */
static int
pack_role(msgpack_packer *pk, const struct list_def *l, const char *key,
    int i)
{
	return i == -1 ? 0 : qc_pack_kv_str(pk, key, l->l_fields[i].f_name);
}

/*
 * {name, title, type, kinds, fields, start?, end?, grade?, procedures,
 * verdicts? (rating), escalation? (a watch list that escalates)}
 */
static int
pack_list(msgpack_packer *pk, const struct config *cfg,
    const struct list_def *l)
{
	int	 k, nk = 0, i, rating = l->l_type == LT_RATING;
	int	 escalates = l->l_escalate_to != -1;
	int	 roles = (l->l_start != -1) + (l->l_end != -1) +
		    (l->l_grade != -1);

	for (k = 0; k < QC_KIND_COUNT; k++)
		nk += (l->l_kinds >> k) & 1;
	if (msgpack_pack_map(pk, 6 + roles + rating + escalates) != 0 ||
	    qc_pack_kv_str(pk, "name", l->l_name) != 0 ||
	    qc_pack_kv_str(pk, "title", l->l_title) != 0 ||
	    qc_pack_kv_str(pk, "type", config_list_type_name(l->l_type)) != 0 ||
	    qc_pack_cstr(pk, "kinds") != 0 || msgpack_pack_array(pk, nk) != 0)
		return -1;
	for (k = 0; k < QC_KIND_COUNT; k++)
		if (((l->l_kinds >> k) & 1) &&
		    qc_pack_cstr(pk, qc_kind_name(k)) != 0)
			return -1;
	if (qc_pack_cstr(pk, "fields") != 0 ||
	    msgpack_pack_array(pk, l->l_nfields) != 0)
		return -1;
	for (i = 0; i < l->l_nfields; i++)
		if (pack_field(pk, &l->l_fields[i]) != 0)
			return -1;
	if (pack_role(pk, l, "start", l->l_start) != 0 ||
	    pack_role(pk, l, "end", l->l_end) != 0 ||
	    pack_role(pk, l, "grade", l->l_grade) != 0 ||
	    pack_procedures(pk, l) != 0 ||
	    (rating && pack_verdicts(pk, l) != 0))
		return -1;
	if (escalates && pack_escalation(pk, cfg, l) != 0)
		return -1;
	return 0;
}

enum op_status
op_hello(struct req *q)
{
	const struct config	*cfg = q->q_cfg;
	const struct caller	*c = q->q_who;
	msgpack_packer		*pk = q->q_pk;
	unsigned		 writes = c->cl_prin ? c->cl_prin->p_writes : 0;
	int			 i, nw = __builtin_popcount(writes);

	if (msgpack_pack_map(pk, 9) != 0 ||
	    qc_pack_kv_str(pk, "server", QCD_VERSION) != 0 ||
	    qc_pack_kv_uint(pk, "proto", 1) != 0 ||
	    qc_pack_kv_str(pk, "principal", c->cl_name) != 0 ||
	    qc_pack_cstr(pk, "role") != 0 ||
	    (c->cl_prin != NULL ? qc_pack_cstr(pk,
	    config_role_name(c->cl_role)) : msgpack_pack_nil(pk)) != 0 ||
	    qc_pack_cstr(pk, "writable") != 0 ||
	    msgpack_pack_array(pk, nw) != 0)
		goto fail;
	for (i = 0; i < cfg->nlists; i++)
		if (((writes >> i) & 1) &&
		    qc_pack_cstr(pk, cfg->lists[i].l_name) != 0)
			goto fail;
	if (qc_pack_cstr(pk, "lists") != 0 ||
	    msgpack_pack_array(pk, cfg->nlists) != 0)
		goto fail;
	for (i = 0; i < cfg->nlists; i++)
		if (pack_list(pk, cfg, &cfg->lists[i]) != 0)
			goto fail;
	if (qc_pack_cstr(pk, "limits") != 0 || msgpack_pack_map(pk, 3) != 0 ||
	    qc_pack_kv_uint(pk, "max_frame", cfg->limits.max_frame) != 0 ||
	    qc_pack_kv_uint(pk, "max_batch", cfg->limits.max_batch) != 0 ||
	    qc_pack_kv_uint(pk, "max_limit", cfg->limits.max_limit) != 0 ||
	    qc_pack_cstr(pk, "replication") != 0 ||
	    replica_pack_hello(q->q_env->oe_replica, pk,
	    q->q_env->oe_replica != NULL ? ops_log_head(q->q_env) : 0) != 0)
		goto fail;
	return pack_keys(q);
fail:
	return req_fail(q, QC_E_INTERNAL, "out of memory");
}
