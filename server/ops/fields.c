/*
 * Field validation and normalisation for put.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "fields.h"
#include "msg.h"
#include "record.h"
#include "utf8.h"
#include "writer.h"

static int	 field_check(struct fault *, const struct list_def *,
		    const struct field_def *, const msgpack_object *);
static int	 fields_collect(struct fault *, const struct list_def *,
		    const msgpack_object *, const msgpack_object **);
static int	 fields_dates(struct fault *, const struct list_def *,
		    const msgpack_object **, struct write_req *,
		    char[QC_DATE_LEN + 1]);
static int	 fields_pack(const struct list_def *, const msgpack_object **,
		    struct write_req *, const char *);

static int
field_check(struct fault *fault, const struct list_def *l,
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
			fault_set(fault, QC_E_BAD_REQUEST, "fields.%s: text of 1 to "
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
		fault_set(fault, QC_E_BAD_REQUEST, "fields.%s: not one of the "
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
		fault_set(fault, QC_E_BAD_REQUEST, "fields.%s: out of range "
		    "%" PRId64 "..%" PRId64, f->f_name, f->f_min, f->f_max);
		return -1;
	case FT_DATE:
		if (qc_obj_str(v, &s, &len) == -1)
			break;
		if (qc_date_parse(s, len, &days) == -1) {
			fault_set(fault, QC_E_BAD_REQUEST, "fields.%s: expected a "
			    "date YYYY-MM-DD", f->f_name);
			return -1;
		}
		return 0;
	}
	fault_set(fault, QC_E_BAD_REQUEST, "fields.%s: expected %s %s", f->f_name,
	    f->f_type == FT_INT ? "an" : "a",
	    f->f_type == FT_INT ? "integer" : "string");
	return -1;
}

/* The request's fields by schema index: known, once each, required. */
static int
fields_collect(struct fault *fault, const struct list_def *l,
    const msgpack_object *fields, const msgpack_object **vals)
{
	const msgpack_object_kv	*kv;
	char			 name[64];
	const char		*s;
	size_t			 len;
	uint32_t		 k;
	int			 i, fi;

	if (fields == NULL || fields->type != MSGPACK_OBJECT_MAP) {
		fault_set(fault, QC_E_BAD_REQUEST, "fields: required, a map");
		return -1;
	}
	kv = fields->via.map.ptr;
	for (k = 0; k < fields->via.map.size; k++) {
		if (qc_obj_str(&kv[k].key, &s, &len) == -1 ||
		    (fi = config_field_index(l, s, len)) == -1) {
			if (qc_obj_strcpy(&kv[k].key, name, sizeof(name)) ==
			    -1 || !qc_utf8_valid(name, strlen(name)))
				strcpy(name, "?");
			fault_set(fault, QC_E_BAD_REQUEST, "fields: unknown field "
			    "'%s' for list %s", name, l->l_name);
			return -1;
		}
		if (vals[fi] != NULL) {
			fault_set(fault, QC_E_BAD_REQUEST, "fields.%s: given twice",
			    l->l_fields[fi].f_name);
			return -1;
		}
		if (field_check(fault, l, &l->l_fields[fi], &kv[k].val) == -1)
			return -1;
		vals[fi] = &kv[k].val;
	}
	for (i = 0; i < l->l_nfields; i++)
		if (l->l_fields[i].f_required && vals[i] == NULL) {
			fault_set(fault, QC_E_BAD_REQUEST, "fields.%s: required "
			    "by list %s", l->l_fields[i].f_name, l->l_name);
			return -1;
		}
	return 0;
}

/*
 * Validity dates and grade, which the summary needs; end >= start. A
 * defaulted end date is formatted into end_buf.
 */
static int
fields_dates(struct fault *fault, const struct list_def *l,
    const msgpack_object **vals, struct write_req *wr,
    char end_buf[QC_DATE_LEN + 1])
{
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
		fault_set(fault, QC_E_BAD_REQUEST, "fields.%s: before %s",
		    l->l_fields[l->l_end].f_name,
		    l->l_fields[l->l_start].f_name);
		return -1;
	}
	wr->wr_grade[0] = '\0';
	if (l->l_grade != -1 && vals[l->l_grade] != NULL)
		qc_obj_strcpy(vals[l->l_grade], wr->wr_grade,
		    sizeof(wr->wr_grade));
	return 0;
}

/*
 * Packs the fields in schema order (the defaulted end date included)
 * into wr_fields. Returns 0 or -1 (out of memory).
 */
static int
fields_pack(const struct list_def *l, const msgpack_object **vals,
    struct write_req *wr, const char *end_buf)
{
	msgpack_packer	 pk;
	int		 order[CFG_MAX_FIELDS], i, n = 0;

	for (i = 0; i < l->l_nfields; i++)
		if (vals[i] != NULL || (i == l->l_end &&
		    wr->wr_end != DATE_NONE_END))
			order[n++] = i;
	msgpack_packer_init(&pk, &wr->wr_fields, msgpack_sbuffer_write);
	if (msgpack_pack_map(&pk, n) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (qc_pack_cstr(&pk, l->l_fields[order[i]].f_name) != 0 ||
		    (vals[order[i]] != NULL ? msgpack_pack_object(&pk,
		    *vals[order[i]]) : qc_pack_cstr(&pk, end_buf)) != 0)
			return -1;
	return 0;
}

int
fields_prepare(struct fault *fault, const struct list_def *l,
    const msgpack_object *fields, struct write_req *wr)
{
	const msgpack_object	*vals[CFG_MAX_FIELDS] = { NULL };
	char			 end_buf[QC_DATE_LEN + 1] = "";

	if (fields_collect(fault, l, fields, vals) == -1 ||
	    fields_dates(fault, l, vals, wr, end_buf) == -1)
		return -1;
	if (fields_pack(l, vals, wr, end_buf) == -1) {
		fault_set(fault, QC_E_INTERNAL, "out of memory");
		return -1;
	}
	return 0;
}
