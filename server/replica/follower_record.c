/*
 * A record of the primary's log back into the write that made it: the
 * principal, list, subject and arguments the primary's writer had, taken
 * from the record and its payload (PROTOCOL.md 4.4, 4.7). The writer of
 * the replica applies it again and checks that it makes the same record.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "date.h"
#include "fields.h"
#include "follower.h"
#include "msg.h"
#include "record.h"
#include "sig.h"

struct rebuild {
	const msgpack_object	*rec;
	msgpack_object		 payload;
	struct write_req	*wr;
	uint64_t		 seq;
	char			*why;
	size_t			 whylen;
};

static int	 fail(struct rebuild *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 copy_str(struct rebuild *, const msgpack_object *,
		    const char *, char *, size_t);
static int	 take_text(struct rebuild *, const char *, char **,
		    size_t *);
static int	 take_fields(struct rebuild *);
static int	 rebuild_op(struct rebuild *, const char *op);

static int
fail(struct rebuild *b, const char *fmt, ...)
{
	char	 msg[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(b->why, b->whylen, "record %llu: %s",
	    (unsigned long long)b->seq, msg);
	return -1;
}

/* A str of the record or payload, NUL-terminated into out. */
static int
copy_str(struct rebuild *b, const msgpack_object *o, const char *name,
    char *out, size_t cap)
{
	if (o == NULL || o->type != MSGPACK_OBJECT_STR ||
	    o->via.str.size >= cap ||
	    memchr(o->via.str.ptr, '\0', o->via.str.size) != NULL)
		return fail(b, "%s: missing or not a short string", name);
	memcpy(out, o->via.str.ptr, o->via.str.size);
	out[o->via.str.size] = '\0';
	return 0;
}

/* A text of the payload, as a write carries it (allocated, NUL-ended). */
static int
take_text(struct rebuild *b, const char *name, char **out, size_t *len)
{
	const msgpack_object	*o = qc_map_get(&b->payload, name);

	if (o == NULL || o->type != MSGPACK_OBJECT_STR)
		return fail(b, "payload.%s: missing", name);
	if ((*out = malloc(o->via.str.size + 1)) == NULL)
		return fail(b, "out of memory");
	memcpy(*out, o->via.str.ptr, o->via.str.size);
	(*out)[o->via.str.size] = '\0';
	*len = o->via.str.size;
	return 0;
}

/* The fields of the payload, prepared as the primary prepared them. */
static int
take_fields(struct rebuild *b)
{
	const msgpack_object	*o = qc_map_get(&b->payload, "fields");
	struct fault		 f;

	if (o == NULL)
		return fail(b, "payload.fields: missing");
	if (fields_prepare(&f, b->wr->wr_list, o, b->wr) == -1)
		return fail(b, "fields: %s", f.f_msg);
	b->wr->wr_has_fields = 1;
	return 0;
}

static int
rebuild_op(struct rebuild *b, const char *op)
{
	struct write_req	*wr = b->wr;
	const msgpack_object	*o;
	char			 name[32];
	uint64_t		 c = 0;

	if ((o = qc_map_get(b->rec, "case")) != NULL &&
	    qc_obj_uint(o, &c) != 0)
		return fail(b, "case: not a seq");
	wr->wr_case = c;
	if (strcmp(op, "put") == 0) {
		wr->wr_op = WR_PUT;
		return take_fields(b);
	}
	if (strcmp(op, "remove") == 0) {
		wr->wr_op = WR_REMOVE;
		return take_text(b, "reason", &wr->wr_reason,
		    &wr->wr_reason_len);
	}
	if (strcmp(op, "escalation_dismiss") == 0) {
		wr->wr_op = WR_DISMISS;
		return take_text(b, "reason", &wr->wr_reason,
		    &wr->wr_reason_len);
	}
	if (strcmp(op, "withdraw") == 0) {
		wr->wr_op = WR_WITHDRAW;
		return take_text(b, "reason", &wr->wr_reason,
		    &wr->wr_reason_len);
	}
	if (strcmp(op, "case_open") == 0) {
		wr->wr_op = WR_CASE_OPEN;
		if (copy_str(b, qc_map_get(&b->payload, "kind"), "kind", name,
		    sizeof(name)) == -1 ||
		    (wr->wr_kind = case_kind_from_name(name,
		    strlen(name))) == -1)
			return fail(b, "payload.kind: unknown");
		if (copy_str(b, qc_map_get(&b->payload, "received_on"),
		    "received_on", name, sizeof(name)) == -1 ||
		    qc_date_parse(name, strlen(name),
		    &wr->wr_received_on) == -1)
			return fail(b, "payload.received_on: not a date");
		if (take_text(b, "text", &wr->wr_text, &wr->wr_text_len) == -1)
			return -1;
		return wr->wr_kind == CASE_NOTICE ? take_fields(b) : 0;
	}
	if (strcmp(op, "case_close") == 0) {
		wr->wr_op = WR_CASE_CLOSE;
		if (copy_str(b, qc_map_get(&b->payload, "outcome"), "outcome",
		    name, sizeof(name)) == -1 ||
		    (wr->wr_outcome = case_outcome_from_name(name,
		    strlen(name))) == -1)
			return fail(b, "payload.outcome: unknown");
		if (take_text(b, "reason", &wr->wr_reason,
		    &wr->wr_reason_len) == -1)
			return -1;
		/* A removal's fields are the old version's: the writer's. */
		return case_outcome_effect(wr->wr_outcome) == EFFECT_LISTS ?
		    take_fields(b) : 0;
	}
	return fail(b, "op %s: this replica cannot apply it", op);
}

int
follower_record(const struct config *cfg, const msgpack_object *rec,
    struct replay_rec *rr, char *why, size_t whylen)
{
	struct rebuild		 b = { rec, { 0 }, NULL, 0, why, whylen };
	const msgpack_object	*o;
	msgpack_unpacked	 up;
	struct write_req	*wr;
	char			 op[32], list[CFG_NAME_MAX], hex[65];
	size_t			 off = 0;
	int			 li, rc = -1;

	rr->rr_write = NULL;
	if (qc_obj_uint(qc_map_get(rec, "seq"), &b.seq) != 0 || b.seq == 0)
		return fail(&b, "seq: missing");
	rr->rr_seq = b.seq;
	if (qc_obj_uint(qc_map_get(rec, "at"), &rr->rr_at) != 0)
		return fail(&b, "at: missing");
	if (copy_str(&b, qc_map_get(rec, "hash"), "hash", hex,
	    sizeof(hex)) == -1 || strlen(hex) != 64 ||
	    qc_unhex(hex, STORE_HASH_LEN, rr->rr_hash) != 0)
		return fail(&b, "hash: not 64 hex digits");
	if ((o = qc_map_get(rec, "payload")) == NULL ||
	    o->type != MSGPACK_OBJECT_BIN)
		return fail(&b, "payload: missing (is this principal's role "
		    "replica on the primary?)");
	if ((wr = write_req_new()) == NULL)
		return fail(&b, "out of memory");
	b.wr = wr;
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, o->via.bin.ptr, o->via.bin.size,
	    &off) != MSGPACK_UNPACK_SUCCESS ||
	    up.data.type != MSGPACK_OBJECT_MAP) {
		fail(&b, "payload: not a msgpack map");
		goto done;
	}
	b.payload = up.data;
	if (copy_str(&b, qc_map_get(rec, "op"), "op", op, sizeof(op)) == -1 ||
	    copy_str(&b, qc_map_get(rec, "principal"), "principal",
	    wr->wr_principal, sizeof(wr->wr_principal)) == -1 ||
	    copy_str(&b, qc_map_get(rec, "subject"), "subject",
	    wr->wr_subject, sizeof(wr->wr_subject)) == -1 ||
	    copy_str(&b, qc_map_get(rec, "list"), "list", list,
	    sizeof(list)) == -1)
		goto done;
	if ((li = config_list_index(cfg, list, strlen(list))) == -1) {
		fail(&b, "list %s is not in this replica's config", list);
		goto done;
	}
	wr->wr_list = &cfg->lists[li];
	/* The primary's date of the write, as the record's time gives it. */
	wr->wr_today = qc_date_today((time_t)rr->rr_at, cfg->utc_offset);
	if (rebuild_op(&b, op) == 0) {
		rr->rr_write = wr;
		rc = 0;
	}
done:
	msgpack_unpacked_destroy(&up);
	if (rc != 0)
		write_req_free(wr);
	return rc;
}
