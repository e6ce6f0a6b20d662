/*
 * qcreg verify: the walk of the change log up to the checkpoint's size,
 * as the caller sees it (PROTOCOL.md 4.7): every record chained from the
 * first, every hash a leaf of the tree whose roots are compared with the
 * checkpoints', and the records that wrote versions kept for
 * cli_verify_versions.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cli_verify.h"
#include "msg.h"

static int	 may_history(const struct verify *, const msgpack_object *);
static int	 status_of(struct verify *, uint64_t, const msgpack_object *,
		    const msgpack_object *, int *);
static int	 vrec_add(struct verify *, const msgpack_object *, uint64_t);
static int	 root_check(struct verify *, const struct qcreg_tree *,
		    const uint8_t *, const char *);
static int	 walk_record(struct verify *, struct qcreg_tree *, uint8_t *,
		    const msgpack_object *, uint64_t);
static int	 walk_page(struct verify *, struct qcreg_tree *, uint8_t *,
		    uint64_t *);

/* Regulators read every list's history, agencies the lists they write. */
static int
may_history(const struct verify *v, const msgpack_object *list)
{
	const char		*role = qcreg_role(v->cli->c);
	const msgpack_object	*w;
	uint32_t		 i;

	if (role == NULL)
		return 0;
	if (strcmp(role, "regulator") == 0)
		return 1;
	w = qc_map_get(qcreg_hello_result(v->cli->c), "writable");
	if (strcmp(role, "agency") != 0 || w == NULL ||
	    w->type != MSGPACK_OBJECT_ARRAY)
		return 0;
	for (i = 0; i < w->via.array.size; i++)
		if (msgpack_object_equal(w->via.array.ptr[i], *list))
			return 1;
	return 0;
}

/*
 * The status of the version a record wrote (1 removed, 0 listed, -1 not
 * known: a case closing whose payload is withheld), or a failure.
 */
static int
status_of(struct verify *v, uint64_t seq, const msgpack_object *op,
    const msgpack_object *payload, int *removed)
{
	msgpack_unpacked	 up;
	const msgpack_object	*outcome;
	size_t			 off = 0;
	int			 ok;

	*removed = -1;
	if (qc_obj_streq(op, "put") || qc_obj_streq(op, "remove")) {
		*removed = qc_obj_streq(op, "remove");
		return CLI_OK;
	}
	if (!qc_obj_streq(op, "case_close"))
		return verify_fail(v, seq, "a %.*s that wrote a version",
		    (int)op->via.str.size, op->via.str.ptr);
	if (payload == NULL)
		return CLI_OK;
	msgpack_unpacked_init(&up);
	ok = msgpack_unpack_next(&up, payload->via.bin.ptr,
	    payload->via.bin.size, &off) == MSGPACK_UNPACK_SUCCESS;
	outcome = ok ? qc_map_get(&up.data, "outcome") : NULL;
	if (outcome != NULL && outcome->type == MSGPACK_OBJECT_STR)
		/* The outcomes that remove the entry (PROTOCOL.md 4.6). */
		*removed = qc_obj_streq(outcome, "revoked") ||
		    qc_obj_streq(outcome, "approved");
	msgpack_unpacked_destroy(&up);
	if (*removed == -1)
		return verify_fail(v, seq, "a case_close whose payload has no "
		    "outcome");
	return CLI_OK;
}

/* Keeps a record that wrote a version (its chain already verified). */
static int
vrec_add(struct verify *v, const msgpack_object *rec, uint64_t seq)
{
	const msgpack_object	*list, *subject, *principal, *payload, *cs;
	struct vrec		*n, *r;
	size_t			 bl, cap;
	char			*p;
	int			 rc, removed;

	list = qc_map_get(rec, "list");
	subject = qc_map_get(rec, "subject");
	principal = qc_map_get(rec, "principal");
	payload = qc_map_get(rec, "payload");
	if ((rc = status_of(v, seq, qc_map_get(rec, "op"), payload,
	    &removed)) != CLI_OK)
		return rc;
	if (v->nv == v->capv) {
		cap = v->capv == 0 ? 1024 : v->capv * 2;
		if ((n = reallocarray(v->v, cap, sizeof(*n))) == NULL)
			return cli_error(QCREG_E_NOMEM, "out of memory");
		v->v = n;
		v->capv = cap;
	}
	r = &v->v[v->nv];
	memset(r, 0, sizeof(*r));
	/* The chain check read these: they are uints where present. */
	cs = qc_map_get(rec, "case");
	if (qc_obj_uint(qc_map_get(rec, "at"), &r->at) != 0 ||
	    qc_obj_uint(qc_map_get(rec, "version"), &r->version) != 0 ||
	    (cs != NULL && qc_obj_uint(cs, &r->case_id) != 0))
		return verify_fail(v, seq, "malformed record");
	bl = payload != NULL ? payload->via.bin.size : 0;
	if ((r->mem = p = malloc(list->via.str.size + subject->via.str.size +
	    principal->via.str.size + 3 + bl)) == NULL)
		return cli_error(QCREG_E_NOMEM, "out of memory");
	r->list = qc_arena_str(&p, list->via.str.ptr, list->via.str.size);
	r->subject = qc_arena_str(&p, subject->via.str.ptr,
	    subject->via.str.size);
	r->principal = qc_arena_str(&p, principal->via.str.ptr,
	    principal->via.str.size);
	if (payload != NULL) {
		memcpy(p, payload->via.bin.ptr, bl);
		r->payload = (const uint8_t *)p;
		r->payload_len = bl;
	}
	r->seq = seq;
	r->removed = removed;
	r->history = may_history(v, list);
	v->nv++;
	return CLI_OK;
}

/* The root of the tree so far must be want, a checkpoint's (what). */
static int
root_check(struct verify *v, const struct qcreg_tree *t, const uint8_t *want,
    const char *what)
{
	uint8_t	 root[QCREG_HASH_LEN];

	if (qcreg_tree_root(t, root) != 0)
		return cli_error(QCREG_E_NOMEM, "out of memory hashing");
	if (memcmp(root, want, sizeof(root)) != 0)
		return verify_fail(v, 0, "root of %llu records does not match "
		    "%s", (unsigned long long)t->size, what);
	return CLI_OK;
}

/* Record seq: in its place, chained on prev, a leaf of t. */
static int
walk_record(struct verify *v, struct qcreg_tree *t, uint8_t *prev,
    const msgpack_object *rec, uint64_t seq)
{
	const msgpack_object	*op = qc_map_get(rec, "op");
	uint8_t			 hash[QCREG_HASH_LEN], leaf[QCREG_HASH_LEN];
	enum qcreg_chain	 e;
	uint64_t		 got;

	if (qc_obj_uint(qc_map_get(rec, "seq"), &got) != 0)
		return verify_fail(v, seq, "malformed record");
	if (got != seq)
		return verify_fail(v, seq, "the log has record %llu in its "
		    "place", (unsigned long long)got);
	if ((e = qcreg_change_verify(rec, prev, hash)) == QCREG_CHAIN_NOMEM)
		return cli_error(QCREG_E_NOMEM, "out of memory hashing");
	if (e != QCREG_CHAIN_OK)
		return verify_fail(v, seq, "%s", qcreg_chain_strerror(e));
	if (qcreg_leaf_hash(hash, leaf) != 0 || qcreg_tree_add(t, leaf) != 0)
		return cli_error(QCREG_E_NOMEM, "out of memory hashing");
	memcpy(prev, hash, sizeof(hash));
	if (qc_obj_streq(op, "sealed")) {
		v->sealed++;
		return CLI_OK;
	}
	if (qc_map_get(rec, "payload") == NULL)
		v->withheld++;
	if (qc_map_get(rec, "version") != NULL)
		return vrec_add(v, rec, seq);
	if (qc_obj_streq(op, "put") || qc_obj_streq(op, "remove"))
		return verify_fail(v, seq, "a %.*s that wrote no version",
		    (int)op->via.str.size, op->via.str.ptr);
	return CLI_OK;
}

/* One page of changes after *seq, up to the checkpoint's size. */
static int
walk_page(struct verify *v, struct qcreg_tree *t, uint8_t *prev,
    uint64_t *seq)
{
	struct qcreg_reply	*r;
	const msgpack_object	*ch;
	uint64_t		 left = v->cp.size - *seq;
	uint32_t		 i, limit = qcreg_max_limit(v->cli->c);
	int			 rc = CLI_OK;

	if (left < limit)
		limit = (uint32_t)left;
	if ((rc = qcreg_changes(v->cli->c, *seq, limit, &r)) != 0)
		return cli_fail(v->cli, rc);
	ch = qc_map_get(qcreg_reply_result(r), "changes");
	if (ch == NULL || ch->type != MSGPACK_OBJECT_ARRAY)
		rc = cli_error(QCREG_E_PROTO, "changes answer without changes");
	else if (ch->via.array.size == 0)
		rc = verify_fail(v, 0, "the log ends after %llu records, the "
		    "checkpoint has %llu", (unsigned long long)*seq,
		    (unsigned long long)v->cp.size);
	for (i = 0; rc == CLI_OK && i < ch->via.array.size &&
	    *seq < v->cp.size; i++) {
		rc = walk_record(v, t, prev, &ch->via.array.ptr[i], ++*seq);
		/* The saved checkpoint's tree is a prefix of this one. */
		if (rc == CLI_OK && v->have_old && v->old.size == *seq)
			rc = root_check(v, t, v->old.root,
			    "the saved checkpoint");
	}
	qcreg_reply_free(r);
	return rc;
}

int
verify_log(struct verify *v)
{
	struct qcreg_tree	 t;
	uint8_t			 prev[QCREG_HASH_LEN];
	uint64_t		 seq = 0;
	int			 rc;

	qcreg_tree_init(&t);
	memset(prev, 0, sizeof(prev));
	while (seq < v->cp.size)
		if ((rc = walk_page(v, &t, prev, &seq)) != CLI_OK)
			return rc;
	return root_check(v, &t, v->cp.root, "the checkpoint");
}

void
verify_log_free(struct verify *v)
{
	size_t	 i;

	for (i = 0; i < v->nv; i++)
		free(v->v[i].mem);
	free(v->v);
	v->v = NULL;
	v->nv = v->capv = 0;
}
