/*
 * qcreg-bench: the qcreg codec, on msgpack-c and the protocol's own
 * envelope (proto/envelope.h) like every other client. Each thread keeps
 * one packing buffer and one zone and reuses them: once the buffer has
 * grown, a request or an answer costs no allocation (but an answer whose
 * objects outgrow the zone's first chunk).
 */
#define _GNU_SOURCE	/* memmem */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "envelope.h"
#include "frame.h"
#include "msg.h"

#define QC_ANSWER_MAX	(64 * 1024 * 1024)
/* The objects of a 1000-subject check answer, two hits each: ~450 KiB. */
#define QC_ZONE_CHUNK	(512 * 1024)

static int	 enc_check(struct bqc *, msgpack_packer *,
		    const struct bench_req *);
static int	 enc_get(struct bqc *, msgpack_packer *,
		    const struct bench_req *);
static int	 enc_put(struct bqc *, msgpack_packer *,
		    const struct bench_req *);
static enum reply_verdict answer_verdict(struct bqc *, const uint8_t *,
		    uint32_t, const struct slot *, const char **);
static enum reply_verdict error_verdict(struct bqc *,
		    const struct qc_answer *, const struct slot *,
		    const char **);
static enum reply_verdict result_verdict(struct bqc *,
		    const msgpack_object *, const struct slot *,
		    const char **);
static enum reply_verdict check_verdict(struct bqc *, const msgpack_object *,
		    const struct slot *, const char **);
static enum reply_verdict result_has(struct bqc *, const msgpack_object *,
		    const char *, int, const char **);
static enum reply_verdict search_verdict(struct bqc *,
		    const msgpack_object *, const struct slot *,
		    const char **);

int
bqc_init(struct bqc *q)
{
	msgpack_sbuffer_init(&q->q_sb);
	if (!msgpack_zone_init(&q->q_zone, QC_ZONE_CHUNK))
		return -1;
	q->q_why[0] = '\0';
	q->q_frag = NULL;
	q->q_searches = q->q_truncated = q->q_rows = 0;
	return 0;
}

void
bqc_free(struct bqc *q)
{
	msgpack_sbuffer_destroy(&q->q_sb);
	msgpack_zone_destroy(&q->q_zone);
}

/* {id, op: "check", subjects: [...]} */
static int
enc_check(struct bqc *q, msgpack_packer *pk, const struct bench_req *r)
{
	int	 i, sign = r->op == OP_CHECKS;

	if (qc_env_request_begin(&q->q_sb, pk, r->id, "check", 1 + sign) != 0 ||
	    (sign && (qc_pack_cstr(pk, "signed") != 0 ||
	    msgpack_pack_true(pk) != 0)) ||
	    qc_pack_cstr(pk, "subjects") != 0 ||
	    msgpack_pack_array(pk, (size_t)r->n) != 0)
		return -1;
	for (i = 0; i < r->n; i++)
		if (msgpack_pack_str_with_body(pk, r->subj[i],
		    r->subj_len[i]) != 0)
			return -1;
	return 0;
}

/* {id, op: "get", subject} */
static int
enc_get(struct bqc *q, msgpack_packer *pk, const struct bench_req *r)
{
	if (qc_env_request_begin(&q->q_sb, pk, r->id, "get", 1) != 0 ||
	    qc_pack_cstr(pk, "subject") != 0 ||
	    msgpack_pack_str_with_body(pk, r->subj[0],
	    r->subj_len[0]) != 0)
		return -1;
	return 0;
}

/* {id, op: "put", list, subject, fields: {...}} */
static int
enc_put(struct bqc *q, msgpack_packer *pk, const struct bench_req *r)
{
	const struct bench_entry	*e = r->entry;
	const struct bench_field	*f;
	int				 i;

	if (qc_env_request_begin(&q->q_sb, pk, r->id, "put", 3) != 0 ||
	    qc_pack_kv_str(pk, "list", bench_list_names[e->list]) != 0 ||
	    qc_pack_cstr(pk, "subject") != 0 ||
	    msgpack_pack_str_with_body(pk, e->subject,
	    e->subject_len) != 0 ||
	    qc_pack_cstr(pk, "fields") != 0 ||
	    msgpack_pack_map(pk, (size_t)e->nfields) != 0)
		return -1;
	for (i = 0; i < e->nfields; i++) {
		f = &e->fields[i];
		if (qc_pack_cstr(pk, f->f_name) != 0 ||
		    (f->f_str != NULL ? qc_pack_cstr(pk, f->f_str) :
		    msgpack_pack_int64(pk, f->f_num)) != 0)
			return -1;
	}
	return 0;
}

int
bqc_encode(struct bqc *q, struct buf *b, const struct bench_req *r)
{
	msgpack_packer	 pk;
	int		 rc;

	switch (r->op) {
	case OP_CHECK1:
	case OP_CHECKB:
	case OP_CHECKS:
		rc = enc_check(q, &pk, r);
		break;
	case OP_PROOF:
		rc = qc_env_request_begin(&q->q_sb, &pk, r->id, "proof", 1) != 0 ||
		    qc_pack_kv_uint(&pk, "seq", r->seq) != 0 ? -1 : 0;
		break;
	case OP_TREE:
		rc = qc_env_request_begin(&q->q_sb, &pk, r->id, "checkpoint", 0);
		break;
	case OP_CONSIST:
		/* From a random older tree to the head. */
		rc = qc_env_request_begin(&q->q_sb, &pk, r->id, "consistency",
		    1) != 0 || qc_pack_kv_uint(&pk, "from", r->seq) != 0 ?
		    -1 : 0;
		break;
	case OP_GET:
		rc = enc_get(q, &pk, r);
		break;
	case OP_SEARCH:
		rc = qc_env_request_begin(&q->q_sb, &pk, r->id, "search",
		    1) != 0 || qc_pack_cstr(&pk, "q") != 0 ||
		    msgpack_pack_str_with_body(&pk, r->subj[0],
		    r->subj_len[0]) != 0 ? -1 : 0;
		break;
	case OP_PUT:
	case OP_LOAD:
		rc = enc_put(q, &pk, r);
		break;
	default:
		rc = qc_env_request_begin(&q->q_sb, &pk, r->id, "hello", 0);
		break;
	}
	if (rc != 0)
		return -1;
	qc_env_finish(&q->q_sb);
	return buf_add(b, q->q_sb.data, q->q_sb.size);
}

/* The result of a check: one item per subject, hits as expected. */
static enum reply_verdict
check_verdict(struct bqc *q, const msgpack_object *res, const struct slot *s,
    const char **why)
{
	const msgpack_object	*results, *it, *hits;
	uint32_t		 i;
	int			 nhit = 0;

	results = qc_map_get(res, "results");
	if (results == NULL || results->type != MSGPACK_OBJECT_ARRAY)
		goto bad;
	if (results->via.array.size != s->s_n) {
		*why = "check: wrong number of results";
		return RV_ERROR;
	}
	for (i = 0; i < results->via.array.size; i++) {
		it = &results->via.array.ptr[i];
		if (it->type != MSGPACK_OBJECT_MAP)
			goto bad;
		if (qc_map_get(it, "error") != NULL) {
			*why = "check: a subject was refused";
			return RV_ERROR;
		}
		if ((hits = qc_map_get(it, "hits")) == NULL) {
			*why = "check: a result without hits";
			return RV_ERROR;
		}
		if (hits->type != MSGPACK_OBJECT_ARRAY)
			goto bad;
		nhit += hits->via.array.size > 0;
	}
	if (s->s_hits >= 0 && nhit != s->s_hits) {
		snprintf(q->q_why, sizeof(q->q_why), "check: %d hits, expected "
		    "%d (is the data set loaded with the same --gen-keys and "
		    "--seed?)", nhit, s->s_hits);
		*why = q->q_why;
		return RV_ERROR;
	}
	return RV_OK;
bad:
	*why = "check: malformed result";
	return RV_FATAL;
}

/*
 * The result of a search: at least one result (the fragment was cut from
 * a name of the set), each named with a name that holds the fragment
 * (names are generated without spaces or punctuation, so normalising
 * them changes nothing).
 */
static enum reply_verdict
search_verdict(struct bqc *q, const msgpack_object *res, const struct slot *s,
    const char **why)
{
	const msgpack_object	*results, *name, *trunc;
	const char		*frag;
	size_t			 len;
	uint32_t		 i;

	results = qc_map_get(res, "results");
	trunc = qc_map_get(res, "truncated");
	if (results == NULL || results->type != MSGPACK_OBJECT_ARRAY ||
	    trunc == NULL || trunc->type != MSGPACK_OBJECT_BOOLEAN) {
		*why = "search: malformed result";
		return RV_FATAL;
	}
	q->q_searches++;
	q->q_truncated += trunc->via.boolean;
	q->q_rows += results->via.array.size;
	frag = fragset_get(q->q_frag, s->s_frag, &len);
	if (results->via.array.size == 0) {
		snprintf(q->q_why, sizeof(q->q_why), "search: nothing found "
		    "for \"%s\" (is the names data set loaded with the same "
		    "--gen-keys and --name-seed?)", frag);
		*why = q->q_why;
		return RV_ERROR;
	}
	for (i = 0; i < results->via.array.size; i++) {
		name = qc_map_get(&results->via.array.ptr[i], "name");
		if (name == NULL || name->type != MSGPACK_OBJECT_STR ||
		    memmem(name->via.str.ptr, name->via.str.size, frag,
		    len) == NULL) {
			snprintf(q->q_why, sizeof(q->q_why), "search: a result "
			    "without \"%s\" in its name", frag);
			*why = q->q_why;
			return RV_ERROR;
		}
	}
	return RV_OK;
}

/*
 * A result map with key: an array (want_array, not empty) or a uint
 * (>= 1).
 */
static enum reply_verdict
result_has(struct bqc *q, const msgpack_object *res, const char *key,
    int want_array, const char **why)
{
	const msgpack_object	*v;
	uint64_t		 u;

	if (res->type != MSGPACK_OBJECT_MAP) {
		*why = "malformed result";
		return RV_FATAL;
	}
	v = qc_map_get(res, key);
	if (v != NULL && (want_array ? v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size > 0 : qc_obj_uint(v, &u) == 0 && u > 0))
		return RV_OK;
	snprintf(q->q_why, sizeof(q->q_why), "result without a valid %s", key);
	*why = q->q_why;
	return RV_ERROR;
}

/* A get of a subject not in the set may be answered not_found. */
static enum reply_verdict
error_verdict(struct bqc *q, const struct qc_answer *a, const struct slot *s,
    const char **why)
{
	if (s->s_op == OP_GET && s->s_hits <= 0 && a->a_code == QC_E_NOT_FOUND)
		return RV_OK;
	snprintf(q->q_why, sizeof(q->q_why), "server answered error %s",
	    qc_err_name(a->a_code));
	*why = q->q_why;
	return RV_ERROR;
}

static enum reply_verdict
result_verdict(struct bqc *q, const msgpack_object *res, const struct slot *s,
    const char **why)
{
	switch (s->s_op) {
	case OP_CHECK1:
	case OP_CHECKB:
		return check_verdict(q, res, s, why);
	case OP_CHECKS:
		if (qc_map_get(res, "signed") == NULL) {
			*why = "check: no signature";
			return RV_ERROR;
		}
		return check_verdict(q, res, s, why);
	case OP_PROOF:
		return result_has(q, res, "seq", 0, why);
	case OP_TREE:
		return result_has(q, res, "size", 0, why);
	case OP_CONSIST:
		return result_has(q, res, "to", 0, why);
	case OP_GET:
		if (s->s_hits == 0) {
			*why = "get: found a subject that is not in the set";
			return RV_ERROR;
		}
		return result_has(q, res, "entries", 1, why);
	case OP_PUT:
	case OP_LOAD:
		return result_has(q, res, "version", 0, why);
	case OP_SEARCH:
		return search_verdict(q, res, s, why);
	default:
		return RV_OK;
	}
}

/* The verdict on one answer body of len bytes. */
static enum reply_verdict
answer_verdict(struct bqc *q, const uint8_t *body, uint32_t len,
    const struct slot *s, const char **why)
{
	msgpack_object		 root;
	struct qc_answer	 a;
	const char		*ewhy;
	size_t			 off = 0;

	*why = "malformed answer";
	/* Structure first: unpacking an unchecked body can allocate GBs. */
	if (qc_frame_validate(body, len) != QC_FRAME_OK ||
	    msgpack_unpack((const char *)body, len, &off, &q->q_zone, &root) !=
	    MSGPACK_UNPACK_SUCCESS || qc_env_parse(&root, &a, &ewhy) != 0)
		return RV_FATAL;
	if (!a.a_has_id || a.a_id != s->s_id) {
		*why = "answer out of order (wrong id)";
		return RV_FATAL;
	}
	if (!a.a_ok)
		return error_verdict(q, &a, s, why);
	return result_verdict(q, a.a_result, s, why);
}

size_t
bqc_parse(struct bqc *q, const uint8_t *in, size_t len, const struct slot *s,
    enum reply_verdict *v, const char **why)
{
	uint32_t	 flen;

	if (len < QC_FRAME_HDR)
		return 0;
	flen = qc_frame_get_len(in);
	if (qc_frame_check_len(flen, QC_ANSWER_MAX) != QC_FRAME_OK) {
		*v = RV_FATAL;
		*why = "answer frame of a bad length";
		return QC_FRAME_HDR;
	}
	if (len - QC_FRAME_HDR < flen)
		return 0;
	*v = answer_verdict(q, in + QC_FRAME_HDR, flen, s, why);
	/* The answer's objects go; the zone keeps its first chunk. */
	msgpack_zone_clear(&q->q_zone);
	return QC_FRAME_HDR + (size_t)flen;
}
