/*
 * Request arguments, checked against the op's spec before the op runs:
 * unknown arguments, required ones, types, bounds, subjects, list names
 * and list ownership. Each argument has one reader here.
 */
#include <string.h>

#include "args.h"
#include "msg.h"
#include "utf8.h"

static int	 read_subject(struct req *, const char *,
		    const msgpack_object *);
static int	 read_subjects(struct req *, const char *,
		    const msgpack_object *);
static int	 read_list(struct req *, const char *, const msgpack_object *);
static int	 read_lists(struct req *, const char *,
		    const msgpack_object *);
static int	 read_fields(struct req *, const char *,
		    const msgpack_object *);
static int	 read_if_version(struct req *, const char *,
		    const msgpack_object *);
static int	 read_since(struct req *, const char *, const msgpack_object *);
static int	 canon_subject(struct req *, const char *,
		    const msgpack_object *, char[QC_SUBJECT_MAX]);
static int	 args_read_all(struct req *);
static int	 read_reason(struct req *, const char *,
		    const msgpack_object *);
static int	 read_after(struct req *, const char *, const msgpack_object *);
static int	 read_limit(struct req *, const char *, const msgpack_object *);
static int	 read_state(struct req *, const char *, const msgpack_object *);
static int	 list_index(struct req *, const char *, const msgpack_object *,
		    int *);
static const struct arg_spec *spec_find(const struct op_entry *,
		    const msgpack_object *);

static const struct {
	const char	*name;
	arg_reader	*read;
} arg_defs[ARG_COUNT] = {
	[ARG_SUBJECT] = { "subject", read_subject },
	[ARG_SUBJECTS] = { "subjects", read_subjects },
	[ARG_LIST] = { "list", read_list },
	[ARG_LISTS] = { "lists", read_lists },
	[ARG_FIELDS] = { "fields", read_fields },
	[ARG_IF_VERSION] = { "if_version", read_if_version },
	[ARG_REASON] = { "reason", read_reason },
	[ARG_AFTER] = { "after", read_after },
	[ARG_LIMIT] = { "limit", read_limit },
	[ARG_STATE] = { "state", read_state },
	[ARG_SINCE] = { "since", read_since },
	[ARG_IDEM] = { "idem", read_idem },
	[ARG_KIND] = { "kind", read_kind },
	[ARG_RECEIVED_ON] = { "received_on", read_received_on },
	[ARG_TEXT] = { "text", read_text },
	[ARG_CASE] = { "case", read_case },
	[ARG_OUTCOME] = { "outcome", read_outcome },
	[ARG_CASE_STATE] = { "state", read_case_state },
	[ARG_WITHIN] = { "within", read_within },
	[ARG_AFTER_CASE] = { "after", read_after_case },
	[ARG_SEQ] = { "seq", read_seq },
	[ARG_SIZE] = { "size", read_size },
	[ARG_FROM] = { "from", read_from },
	[ARG_TO] = { "to", read_to },
	[ARG_SIGNED] = { "signed", read_signed },
	[ARG_WAIT] = { "wait", read_wait },
	[ARG_BY] = { "by", read_by },
	[ARG_REGION] = { "region", read_region },
	[ARG_DAY_FROM] = { "from", read_day_from },
	[ARG_DAY_TO] = { "to", read_day_to },
	[ARG_Q] = { "q", read_q },
	[ARG_SEARCH_AFTER] = { "after", read_search_after },
	[ARG_BACKUP] = { "backup", read_backup },
	[ARG_OFFSET] = { "offset", read_offset },
	[ARG_PRINCIPAL] = { "principal", read_principal },
	[ARG_SINCE_DAY] = { "since", read_since_day },
	[ARG_AFTER_SEQ] = { "after", read_after_seq },
	[ARG_UNLESS_SAME] = { "unless_same", read_unless_same },
};

int
args_quote_len(const char *s, size_t len)
{
	size_t	 n = len > 64 ? 64 : len;

	/* Cut before a character, not inside one: answers are UTF-8. */
	while (n > 0 && n < len && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

/* The spec entry for a request key, or NULL if the op has none. */
static const struct arg_spec *
spec_find(const struct op_entry *op, const msgpack_object *key)
{
	const struct arg_spec	*a;

	for (a = op->op_args; a < op->op_args + OP_MAX_ARGS &&
	    a->as_id != ARG_NONE; a++)
		if (qc_obj_streq(key, arg_defs[a->as_id].name))
			return a;
	return NULL;
}

/* The request's keys: id, op and the op's arguments, each valid. */
static int
args_read_all(struct req *q)
{
	const msgpack_object_kv	*kv = q->q_msg->via.map.ptr;
	const struct arg_spec	*a;
	char			 name[64];
	uint32_t		 i;

	for (i = 0; i < q->q_msg->via.map.size; i++) {
		if (qc_obj_streq(&kv[i].key, "id") ||
		    qc_obj_streq(&kv[i].key, "op"))
			continue;
		/* Any op may name the seq its answer must reflect. */
		if (qc_obj_streq(&kv[i].key, "min_seq")) {
			if (qc_obj_uint(&kv[i].val, &q->q_args.a_min_seq) != 0) {
				req_fail(q, QC_E_BAD_REQUEST, "min_seq: "
				    "expected a non-negative integer");
				return -1;
			}
			continue;
		}
		if ((a = spec_find(q->q_op, &kv[i].key)) == NULL) {
			if (qc_obj_strcpy(&kv[i].key, name, sizeof(name)) ==
			    -1 || !qc_utf8_valid(name, strlen(name)))
				strcpy(name, "?");
			req_fail(q, QC_E_BAD_REQUEST, "%s: unknown argument "
			    "'%s'", q->q_op->op_name, name);
			return -1;
		}
		if (arg_defs[a->as_id].read(q, arg_defs[a->as_id].name,
		    &kv[i].val) == -1)
			return -1;
		q->q_args.a_has |= (uint64_t)1 << a->as_id;
	}
	return 0;
}

int
args_parse(struct req *q)
{
	const struct arg_spec	*a;
	const struct caller	*who = q->q_who;
	struct args		*v = &q->q_args;

	/* Not a memset: the subject buffers are filled only when given. */
	v->a_has = 0;
	v->a_subject[0] = '\0';
	v->a_subjects = NULL;
	v->a_fields = NULL;
	v->a_if_version = 0;
	v->a_reason = NULL;
	v->a_reason_len = 0;
	v->a_after[0] = '\0';
	v->a_since = 0;
	v->a_idem = NULL;
	v->a_idem_len = 0;
	v->a_kind = -1;
	v->a_text = NULL;
	v->a_case = 0;
	v->a_outcome = -1;
	v->a_case_state = CS_OPEN;
	v->a_within = 3;
	v->a_after_case = 0;
	v->a_signed = 0;
	v->a_wait = 0;
	v->a_min_seq = 0;
	v->a_by = STATS_BY_LIST;
	v->a_region[0] = '\0';
	v->a_day_from = INT32_MIN;
	v->a_day_to = INT32_MAX;
	v->a_q = NULL;
	v->a_q_len = 0;
	v->a_search_after = "";
	v->a_search_after_len = 0;
	v->a_backup[0] = '\0';
	v->a_offset = 0;
	v->a_principal[0] = '\0';
	v->a_since_day = INT32_MIN;
	v->a_after_seq = 0;
	v->a_unless_same = 0;
	v->a_list = -1;
	v->a_state = -1;
	v->a_lists = config_all_lists(q->q_cfg);
	v->a_limit = q->q_op->op_limit;
	if (args_read_all(q) == -1)
		return -1;
	for (a = q->q_op->op_args; a < q->q_op->op_args + OP_MAX_ARGS &&
	    a->as_id != ARG_NONE; a++) {
		if ((a->as_flags & ARG_REQUIRED) && !ARG_HAS(q, a->as_id)) {
			req_fail(q, QC_E_BAD_REQUEST, "%s: required",
			    arg_defs[a->as_id].name);
			return -1;
		}
		if ((a->as_flags & ARG_OWN_LIST) && ARG_HAS(q, a->as_id) &&
		    who->cl_role == ROLE_AGENCY &&
		    (who->cl_prin->p_writes & (1u << v->a_list)) == 0) {
			req_fail(q, QC_E_FORBIDDEN, "%s: %s does not write "
			    "list %s", q->q_op->op_name, who->cl_name,
			    q->q_cfg->lists[v->a_list].l_name);
			return -1;
		}
	}
	return 0;
}

/* A UTF-8 string; -1 after req_fail. */
int
arg_str(struct req *q, const char *name, const msgpack_object *o,
    const char **s, size_t *len)
{
	if (qc_obj_str(o, s, len) == -1) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: expected a string", name);
		return -1;
	}
	if (!qc_utf8_valid(*s, *len)) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: not valid UTF-8", name);
		return -1;
	}
	return 0;
}

static int
canon_subject(struct req *q, const char *name, const msgpack_object *o,
    char out[QC_SUBJECT_MAX])
{
	const char	*s, *why = "invalid";
	size_t		 len;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	if (qc_subject_canon(s, len, out, &why) == -1) {
		req_fail(q, QC_E_INVALID_SUBJECT, "%s: %s", name, why);
		return -1;
	}
	return 0;
}

static int
read_subject(struct req *q, const char *name, const msgpack_object *o)
{
	return canon_subject(q, name, o, q->q_args.a_subject);
}

static int
read_after(struct req *q, const char *name, const msgpack_object *o)
{
	return canon_subject(q, name, o, q->q_args.a_after);
}

/*
 * The batch of a check: each element a UTF-8 string. An invalid subject
 * is not an error here: check answers it in its place.
 */
static int
read_subjects(struct req *q, const char *name, const msgpack_object *o)
{
	uint32_t	 i, n;

	if (o->type != MSGPACK_OBJECT_ARRAY) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: expected an array of "
		    "strings", name);
		return -1;
	}
	if ((n = o->via.array.size) == 0) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: at least one subject", name);
		return -1;
	}
	if (n > q->q_cfg->limits.max_batch) {
		req_fail(q, QC_E_TOO_LARGE, "%s: %u given, at most %u per "
		    "check", name, n, q->q_cfg->limits.max_batch);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (o->via.array.ptr[i].type != MSGPACK_OBJECT_STR) {
			req_fail(q, QC_E_BAD_REQUEST, "%s[%u]: expected a "
			    "string", name, i);
			return -1;
		}
		if (!qc_utf8_valid(o->via.array.ptr[i].via.str.ptr,
		    o->via.array.ptr[i].via.str.size)) {
			req_fail(q, QC_E_BAD_REQUEST, "%s[%u]: not valid "
			    "UTF-8", name, i);
			return -1;
		}
	}
	q->q_args.a_subjects = o;
	return 0;
}

/* A configured list's index from a string object. */
static int
list_index(struct req *q, const char *name, const msgpack_object *o,
    int *li)
{
	const char	*s;
	size_t		 len;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	if ((*li = config_list_index(q->q_cfg, s, len)) == -1) {
		req_fail(q, QC_E_UNKNOWN_LIST, "%s: no list '%.*s'", name,
		    args_quote_len(s, len), s);
		return -1;
	}
	return 0;
}

static int
read_list(struct req *q, const char *name, const msgpack_object *o)
{
	return list_index(q, name, o, &q->q_args.a_list);
}

static int
read_lists(struct req *q, const char *name, const msgpack_object *o)
{
	uint32_t	 i;
	int		 li;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: expected a non-empty array "
		    "of list names", name);
		return -1;
	}
	q->q_args.a_lists = 0;
	for (i = 0; i < o->via.array.size; i++) {
		if (list_index(q, name, &o->via.array.ptr[i], &li) == -1)
			return -1;
		q->q_args.a_lists |= 1u << li;
	}
	return 0;
}

/* The map's shape against the list's schema is fields.c's job. */
static int
read_fields(struct req *q, const char *name, const msgpack_object *o)
{
	if (o->type != MSGPACK_OBJECT_MAP) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: expected a map", name);
		return -1;
	}
	q->q_args.a_fields = o;
	return 0;
}

int
arg_uint(struct req *q, const char *name, const msgpack_object *o,
    uint64_t *v)
{
	if (qc_obj_uint(o, v) == -1) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: expected a non-negative "
		    "integer", name);
		return -1;
	}
	return 0;
}

static int
read_if_version(struct req *q, const char *name, const msgpack_object *o)
{
	return arg_uint(q, name, o, &q->q_args.a_if_version);
}

static int
read_since(struct req *q, const char *name, const msgpack_object *o)
{
	return arg_uint(q, name, o, &q->q_args.a_since);
}

int
arg_text(struct req *q, const char *name, const msgpack_object *o,
    size_t max, const char **s, size_t *len)
{
	if (arg_str(q, name, o, s, len) == -1)
		return -1;
	if (*len == 0 || *len > max) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: 1 to %zu bytes", name, max);
		return -1;
	}
	return 0;
}

static int
read_reason(struct req *q, const char *name, const msgpack_object *o)
{
	return arg_text(q, name, o, q->q_cfg->limits.max_text,
	    &q->q_args.a_reason, &q->q_args.a_reason_len);
}

static int
read_limit(struct req *q, const char *name, const msgpack_object *o)
{
	uint64_t	 v;

	if (arg_uint(q, name, o, &v) == -1)
		return -1;
	if (v == 0) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: must be at least 1", name);
		return -1;
	}
	if (v > q->q_cfg->limits.max_limit) {
		req_fail(q, QC_E_TOO_LARGE, "%s: at most %u", name,
		    q->q_cfg->limits.max_limit);
		return -1;
	}
	q->q_args.a_limit = (uint32_t)v;
	return 0;
}

static int
read_state(struct req *q, const char *name, const msgpack_object *o)
{
	const char	*s;
	size_t		 len;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	if ((q->q_args.a_state = state_from_name(s, len)) == -1) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: expected active, pending, "
		    "expired or removed", name);
		return -1;
	}
	return 0;
}
