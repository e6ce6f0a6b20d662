/*
 * Field validation and normalisation for put.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "dispatch.h"
#include "fields.h"
#include "msg.h"
#include "utf8.h"
#include "writer.h"

static int	 field_check(struct req *, const struct list_def *,
		    const struct field_def *, const msgpack_object *);
static int	 field_text(const struct field_def *, const msgpack_object *,
		    char *, size_t, const char **, size_t *);

static int
field_check(struct req *q, const struct list_def *l,
    const struct field_def *f, const msgpack_object *v)
{
	const char	*s;
	size_t		 len;
	int32_t		 days;
	int		 i;

	switch (f->f_type) {
	case FT_TEXT:
		if (qc_obj_str(v, &s, &len) == -1)
			break;
		if (!qc_utf8_valid(s, len) || len == 0 || len > f->f_max_len) {
			req_fail(q, QC_E_BAD_REQUEST, "fields.%s: text of 1 to "
			    "%zu bytes of valid UTF-8", f->f_name,
			    f->f_max_len);
			return -1;
		}
		return 0;
	case FT_ENUM:
		if (qc_obj_str(v, &s, &len) == -1)
			break;
		for (i = 0; i < f->f_nvalues; i++)
			if (qc_obj_streq(v, f->f_values[i]))
				return 0;
		req_fail(q, QC_E_BAD_REQUEST, "fields.%s: not one of the "
		    "allowed values of list %s", f->f_name, l->l_name);
		return -1;
	case FT_INT:
		if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    v->via.u64 <= INT64_MAX &&
		    (int64_t)v->via.u64 >= f->f_min &&
		    (int64_t)v->via.u64 <= f->f_max)
			return 0;
		if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
		    v->via.i64 >= f->f_min && v->via.i64 <= f->f_max)
			return 0;
		if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    v->type != MSGPACK_OBJECT_NEGATIVE_INTEGER)
			break;
		req_fail(q, QC_E_BAD_REQUEST, "fields.%s: out of range "
		    "%" PRId64 "..%" PRId64, f->f_name, f->f_min, f->f_max);
		return -1;
	case FT_DATE:
		if (qc_obj_str(v, &s, &len) == -1)
			break;
		if (qc_date_parse(s, len, &days) == -1) {
			req_fail(q, QC_E_BAD_REQUEST, "fields.%s: expected a "
			    "date YYYY-MM-DD", f->f_name);
			return -1;
		}
		return 0;
	}
	req_fail(q, QC_E_BAD_REQUEST, "fields.%s: expected %s %s", f->f_name,
	    f->f_type == FT_INT ? "an" : "a",
	    f->f_type == FT_INT ? "integer" : "string");
	return -1;
}

/* The text of a checked value as it enters the hash payload. */
static int
field_text(const struct field_def *f, const msgpack_object *v, char *buf,
    size_t size, const char **s, size_t *len)
{
	if (f->f_type != FT_INT)
		return qc_obj_str(v, s, len);
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		snprintf(buf, size, "%" PRIu64, v->via.u64);
	else
		snprintf(buf, size, "%" PRId64, v->via.i64);
	*s = buf;
	*len = strlen(buf);
	return 0;
}

/* Appends "name:len:value\n". */
int
fields_payload_add(msgpack_sbuffer *sb, const char *name, const char *val,
    size_t len)
{
	char	 head[128];
	int	 n;

	n = snprintf(head, sizeof(head), "%s:%zu:", name, len);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	return msgpack_sbuffer_write(sb, head, (size_t)n) != 0 ||
	    msgpack_sbuffer_write(sb, val, len) != 0 ||
	    msgpack_sbuffer_write(sb, "\n", 1) != 0 ? -1 : 0;
}

int
fields_prepare(struct req *q, const struct list_def *l,
    const msgpack_object *fields, struct write_req *wr)
{
	const msgpack_object	*vals[CFG_MAX_FIELDS] = { NULL };
	const msgpack_object_kv	*kv;
	msgpack_packer		 pk;
	char			 end_buf[QC_DATE_LEN + 1], num[32], name[64];
	int			 order[CFG_MAX_FIELDS], i, j, fi, n = 0, t;
	const char		*s;
	size_t			 len;
	uint32_t		 k;

	if (fields == NULL || fields->type != MSGPACK_OBJECT_MAP) {
		req_fail(q, QC_E_BAD_REQUEST, "fields: required, a map");
		return -1;
	}
	kv = fields->via.map.ptr;
	for (k = 0; k < fields->via.map.size; k++) {
		if (qc_obj_str(&kv[k].key, &s, &len) == -1 ||
		    (fi = config_field_index(l, s, len)) == -1) {
			if (qc_obj_strcpy(&kv[k].key, name, sizeof(name)) == -1 ||
			    !qc_utf8_valid(name, strlen(name)))
				strcpy(name, "?");
			req_fail(q, QC_E_BAD_REQUEST, "fields: unknown field "
			    "'%s' for list %s", name, l->l_name);
			return -1;
		}
		if (vals[fi] != NULL) {
			req_fail(q, QC_E_BAD_REQUEST, "fields.%s: given twice",
			    l->l_fields[fi].f_name);
			return -1;
		}
		if (field_check(q, l, &l->l_fields[fi], &kv[k].val) == -1)
			return -1;
		vals[fi] = &kv[k].val;
	}
	for (i = 0; i < l->l_nfields; i++)
		if (l->l_fields[i].f_required && vals[i] == NULL) {
			req_fail(q, QC_E_BAD_REQUEST, "fields.%s: required "
			    "by list %s", l->l_fields[i].f_name, l->l_name);
			return -1;
		}

	/* Validity dates: the summary needs them, and end >= start. */
	wr->wr_start = DATE_NONE_START;
	wr->wr_end = DATE_NONE_END;
	if (l->l_start != -1 && vals[l->l_start] != NULL)
		qc_date_parse(vals[l->l_start]->via.str.ptr,
		    vals[l->l_start]->via.str.size, &wr->wr_start);
	if (l->l_end != -1 && vals[l->l_end] != NULL)
		qc_date_parse(vals[l->l_end]->via.str.ptr,
		    vals[l->l_end]->via.str.size, &wr->wr_end);
	else if (l->l_default_years > 0 && wr->wr_start != DATE_NONE_START) {
		wr->wr_end = qc_date_add_years(wr->wr_start,
		    l->l_default_years);
		qc_date_format(wr->wr_end, end_buf);
		/* Past 9999-12-31 the text is clamped: keep the two equal. */
		qc_date_parse(end_buf, QC_DATE_LEN, &wr->wr_end);
	}
	if (wr->wr_start != DATE_NONE_START && wr->wr_end != DATE_NONE_END &&
	    wr->wr_end < wr->wr_start) {
		req_fail(q, QC_E_BAD_REQUEST, "fields.%s: before %s",
		    l->l_fields[l->l_end].f_name,
		    l->l_fields[l->l_start].f_name);
		return -1;
	}
	wr->wr_grade[0] = '\0';
	if (l->l_grade != -1 && vals[l->l_grade] != NULL)
		qc_obj_strcpy(vals[l->l_grade], wr->wr_grade,
		    sizeof(wr->wr_grade));

	/* Stored in schema order; the defaulted end date included. */
	for (i = 0; i < l->l_nfields; i++)
		n += vals[i] != NULL || (i == l->l_end &&
		    wr->wr_end != DATE_NONE_END);
	msgpack_packer_init(&pk, &wr->wr_fields, msgpack_sbuffer_write);
	if (msgpack_pack_map(&pk, n) != 0)
		goto oom;
	for (i = 0, n = 0; i < l->l_nfields; i++) {
		if (vals[i] == NULL && !(i == l->l_end &&
		    wr->wr_end != DATE_NONE_END))
			continue;
		order[n++] = i;
		if (qc_pack_cstr(&pk, l->l_fields[i].f_name) != 0 ||
		    (vals[i] != NULL ? msgpack_pack_object(&pk, *vals[i]) :
		    qc_pack_cstr(&pk, end_buf)) != 0)
			goto oom;
	}
	/* The hash payload lists fields sorted by name. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(l->l_fields[order[j - 1]].f_name,
		    l->l_fields[order[j]].f_name) > 0; j--) {
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		fi = order[i];
		if (vals[fi] == NULL) {
			s = end_buf;
			len = strlen(end_buf);
		} else
			field_text(&l->l_fields[fi], vals[fi], num, sizeof(num),
			    &s, &len);
		if (fields_payload_add(&wr->wr_payload, l->l_fields[fi].f_name, s,
		    len) == -1)
			goto oom;
	}
	return 0;
oom:
	req_fail(q, QC_E_INTERNAL, "out of memory");
	return -1;
}
