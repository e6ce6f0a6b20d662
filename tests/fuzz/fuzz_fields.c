/*
 * Fuzz target: field validation against a list's schema (fields_prepare).
 * The input is a frame body; one that passes qc_frame_validate is
 * unpacked and given as the "fields" map of a put to every list of the
 * configuration below (the shipped lists plus one with signed, unbounded
 * and short fields). An accepted map must come out as the server stores
 * it: every required field, schema order, values of the declared types,
 * end not before start, and a change-record payload {"fields": map}.
 * A refusal must be bad_request (or internal) with a message that
 * is valid UTF-8, since it goes on the wire.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "config.h"
#include "date.h"
#include "fields.h"
#include "frame.h"
#include "msg.h"
#include "op.h"
#include "utf8.h"
#include "writer.h"

#define FUZZ_MAX_LEN	8192

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char conf_text[] =
    "[server]\n"
    "ca = ca.crt\n"
    "cert = s.crt\n"
    "key = s.key\n"
    "[list credit]\n"
    "type = rating\n"
    "kinds = uscc\n"
    "field = name text required max_len=256\n"
    "field = grade enum required values=A,B,C,D\n"
    "field = score int min=0 max=100\n"
    "field = report text max_len=64\n"
    "field = valid_from date\n"
    "field = valid_until date\n"
    "start = valid_from\n"
    "end = valid_until\n"
    "grade = grade\n"
    "[list tourism]\n"
    "type = blacklist\n"
    "kinds = uscc guide site plate\n"
    "field = name text required max_len=256\n"
    "field = category enum required values=unlicensed_agency,"
    "unlicensed_guide,illegal_website,illegal_vehicle,other\n"
    "field = reason text required\n"
    "field = decision text required max_len=64\n"
    "field = listed_on date required\n"
    "field = expires_on date\n"
    "start = listed_on\n"
    "end = expires_on\n"
    "default_years = 3\n"
    "[list advertising]\n"
    "type = blacklist\n"
    "kinds = uscc site\n"
    "field = name text required max_len=256\n"
    "field = reason text required\n"
    "field = decision text required max_len=64\n"
    "field = listed_on date required\n"
    "field = expires_on date\n"
    "start = listed_on\n"
    "end = expires_on\n"
    "[list meter]\n"
    "kinds = uscc\n"
    "field = zeta int\n"
    "field = temp int min=-50 max=50\n"
    "field = alpha text max_len=4\n"
    "field = since date\n"
    "field = until date\n"
    "start = since\n"
    "end = until\n"
    "default_years = 100\n";

static struct config	*cfg;

static void	 load_config(void);
static void	 check_ok(const struct list_def *, const struct write_req *);
static void	 check_payload(const struct list_def *,
		    const msgpack_sbuffer *, uint32_t);
static void	 check_value(const struct field_def *,
		    const msgpack_object *);
static void	 bad(const char *, const struct list_def *);

static void
bad(const char *what, const struct list_def *l)
{
	fprintf(stderr, "list %s: %s\n", l->l_name, what);
	abort();
}

static void
load_config(void)
{
	const char	*t = getenv("TMPDIR");
	char		 path[4096], err[1024];
	FILE		*f;
	int		 fd;

	if (cfg != NULL)
		return;
	snprintf(path, sizeof(path), "%s/qcreg-fuzz-fields.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "fuzz_fields: %s: %s\n", path,
		    strerror(errno));
		abort();
	}
	if (fputs(conf_text, f) < 0 || fclose(f) != 0)
		abort();
	cfg = config_load(path, err, sizeof(err));
	unlink(path);
	if (cfg == NULL) {
		fprintf(stderr, "fuzz_fields: %s\n", err);
		abort();
	}
}

/* A stored value has the type its field declares, within bounds. */
static void
check_value(const struct field_def *f, const msgpack_object *v)
{
	int32_t	 days;
	int	 i;

	switch (f->f_type) {
	case FT_TEXT:
		if (v->type != MSGPACK_OBJECT_STR || v->via.str.size == 0 ||
		    v->via.str.size > f->f_max_len ||
		    !qc_utf8_valid(v->via.str.ptr, v->via.str.size))
			abort();
		return;
	case FT_ENUM:
		for (i = 0; i < f->f_nvalues; i++)
			if (qc_obj_streq(v, f->f_values[i]))
				return;
		abort();
	case FT_INT:
		if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    v->via.u64 <= INT64_MAX &&
		    (int64_t)v->via.u64 >= f->f_min &&
		    (int64_t)v->via.u64 <= f->f_max)
			return;
		if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
		    v->via.i64 >= f->f_min && v->via.i64 <= f->f_max)
			return;
		abort();
	case FT_DATE:
		if (v->type != MSGPACK_OBJECT_STR ||
		    qc_date_parse(v->via.str.ptr, v->via.str.size,
		    &days) == -1)
			abort();
		return;
	}
	abort();
}

/*
 * The change record's payload made of the stored fields (record.h) is
 * one map {"fields": <the same map>}.
 */
static void
check_payload(const struct list_def *l, const msgpack_sbuffer *fields,
    uint32_t nfields)
{
	msgpack_sbuffer		 sb;
	msgpack_unpacked	 up;
	const msgpack_object	*f;
	size_t			 off = 0;

	msgpack_sbuffer_init(&sb);
	if (record_payload(&sb, fields->data, fields->size, NULL, 0) != 0)
		abort();
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, sb.data, sb.size, &off) !=
	    MSGPACK_UNPACK_SUCCESS || off != sb.size ||
	    up.data.type != MSGPACK_OBJECT_MAP || up.data.via.map.size != 1 ||
	    (f = qc_map_get(&up.data, "fields")) == NULL ||
	    f->type != MSGPACK_OBJECT_MAP || f->via.map.size != nfields)
		bad("payload is not {\"fields\": the stored map}", l);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

static void
check_ok(const struct list_def *l, const struct write_req *wr)
{
	msgpack_unpacked	 up;
	const msgpack_object_kv	*kv;
	const msgpack_object	*endv;
	uint32_t		 k;
	size_t			 off = 0;
	int			 fi, last = -1, i;
	int			 seen[CFG_MAX_FIELDS] = { 0 };
	int32_t			 days;

	if (qc_frame_validate((const uint8_t *)wr->wr_fields.data,
	    wr->wr_fields.size) != QC_FRAME_OK)
		bad("stored fields are not a valid map", l);
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, wr->wr_fields.data, wr->wr_fields.size,
	    &off) != MSGPACK_UNPACK_SUCCESS || off != wr->wr_fields.size)
		bad("stored fields do not unpack", l);
	kv = up.data.via.map.ptr;
	for (k = 0; k < up.data.via.map.size; k++) {
		if (kv[k].key.type != MSGPACK_OBJECT_STR ||
		    (fi = config_field_index(l, kv[k].key.via.str.ptr,
		    kv[k].key.via.str.size)) <= last)
			bad("stored fields not in schema order", l);
		check_value(&l->l_fields[fi], &kv[k].val);
		seen[fi] = 1;
		last = fi;
	}
	for (i = 0; i < l->l_nfields; i++)
		if (l->l_fields[i].f_required && !seen[i])
			bad("a required field was not stored", l);
	if (wr->wr_start != DATE_NONE_START && wr->wr_end != DATE_NONE_END &&
	    wr->wr_end < wr->wr_start)
		bad("end before start accepted", l);
	if (l->l_end != -1 && wr->wr_end != DATE_NONE_END) {
		endv = qc_map_get(&up.data, l->l_fields[l->l_end].f_name);
		if (endv == NULL || endv->type != MSGPACK_OBJECT_STR ||
		    qc_date_parse(endv->via.str.ptr, endv->via.str.size,
		    &days) == -1 || days != wr->wr_end)
			bad("end date stored differs from the summary's", l);
	}
	if (l->l_grade != -1 && (memchr(wr->wr_grade, '\0',
	    sizeof(wr->wr_grade)) == NULL || (wr->wr_grade[0] != '\0' &&
	    !seen[l->l_grade])))
		bad("grade without a grade field", l);
	check_payload(l, &wr->wr_fields, up.data.via.map.size);
	msgpack_unpacked_destroy(&up);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msgpack_unpacked	 up;
	struct write_req	*wr;
	struct fault		 f;
	size_t			 off = 0;
	int			 li, rc;

	if (size == 0 || size > FUZZ_MAX_LEN)
		return 0;
	load_config();
	if (qc_frame_validate(data, size) != QC_FRAME_OK)
		return 0;
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, (const char *)data, size, &off) !=
	    MSGPACK_UNPACK_SUCCESS || off != size)
		abort();	/* the frame target owns this contract */
	for (li = 0; li < cfg->nlists; li++) {
		memset(&f, 0, sizeof(f));
		if ((wr = write_req_new()) == NULL)
			break;
		rc = fields_prepare(&f, &cfg->lists[li], &up.data, wr);
		if (rc == 0) {
			if (f.f_code != QC_OK)
				bad("success with an error set",
				    &cfg->lists[li]);
			check_ok(&cfg->lists[li], wr);
		} else if (rc != -1 || (f.f_code != QC_E_BAD_REQUEST &&
		    f.f_code != QC_E_INTERNAL) || f.f_msg[0] == '\0' ||
		    !qc_utf8_valid(f.f_msg, strlen(f.f_msg)))
			bad("refusal without bad_request and a UTF-8 message",
			    &cfg->lists[li]);
		write_req_free(wr);
	}
	msgpack_unpacked_destroy(&up);
	return 0;
}
