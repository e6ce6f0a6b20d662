/*
 * libqcreg: the tree ops (PROTOCOL.md 4.9): checkpoint, proof and
 * consistency, queued and single, and the decoders of their answers.
 */
#include <string.h>

#include "msg.h"
#include "qcreg_int.h"

static int	 hashes_decode(const msgpack_object *,
		    uint8_t (*)[QCREG_HASH_LEN], size_t *);
static int	 reply_of(const struct qcreg_reply *, enum qcreg_op);

int
qcreg_queue_checkpoint(struct qcreg *c)
{
	struct qcreg_req	 q;
	int			 rc;

	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_CHECKPOINT, 0)) != 0)
		return rc;
	return qcreg_req_end(&q, 0);
}

int
qcreg_queue_proof(struct qcreg *c, uint64_t seq, uint64_t size)
{
	struct qcreg_req	 q;
	int			 rc;

	if (seq == 0)
		return qcreg_fail(c, QCREG_E_USAGE, "proof needs a seq of 1 "
		    "or more");
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_PROOF, 1 + (size > 0))) != 0)
		return rc;
	return qcreg_req_end(&q, qc_pack_kv_uint(&q.pk, "seq", seq) != 0 ||
	    (size > 0 && qc_pack_kv_uint(&q.pk, "size", size) != 0));
}

int
qcreg_queue_consistency(struct qcreg *c, uint64_t from, uint64_t to)
{
	struct qcreg_req	 q;
	int			 rc;

	if (from == 0)
		return qcreg_fail(c, QCREG_E_USAGE, "consistency needs a from "
		    "of 1 or more");
	if ((rc = qcreg_req_begin(&q, c, QCREG_OP_CONSISTENCY,
	    1 + (to > 0))) != 0)
		return rc;
	return qcreg_req_end(&q, qc_pack_kv_uint(&q.pk, "from", from) != 0 ||
	    (to > 0 && qc_pack_kv_uint(&q.pk, "to", to) != 0));
}

int
qcreg_checkpoint(struct qcreg *c, struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_checkpoint(c)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_proof(struct qcreg *c, uint64_t seq, uint64_t size,
    struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_proof(c, seq, size)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

int
qcreg_consistency(struct qcreg *c, uint64_t from, uint64_t to,
    struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_queue_consistency(c, from, to)) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

/* 0 for a success reply to op, else the code to return. */
static int
reply_of(const struct qcreg_reply *r, enum qcreg_op op)
{
	if (r->r_code != QC_OK)
		return r->r_code;
	return r->r_op == (int)op ? 0 : QCREG_E_USAGE;
}

/* An array of at most QCREG_PROOF_MAX hex hashes into h: 0, or -1. */
static int
hashes_decode(const msgpack_object *a, uint8_t (*h)[QCREG_HASH_LEN],
    size_t *n)
{
	uint32_t	 i;

	if (a == NULL || a->type != MSGPACK_OBJECT_ARRAY ||
	    a->via.array.size > QCREG_PROOF_MAX)
		return -1;
	for (i = 0; i < a->via.array.size; i++)
		if (qcreg_obj_hex(&a->via.array.ptr[i], h[i],
		    QCREG_HASH_LEN) != 0)
			return -1;
	*n = a->via.array.size;
	return 0;
}

int
qcreg_reply_checkpoint(const struct qcreg_reply *r,
    struct qcreg_checkpoint *cp)
{
	int	 rc;

	if ((rc = reply_of(r, QCREG_OP_CHECKPOINT)) != 0)
		return rc;
	return qcreg_checkpoint_decode(r->r_result, cp) == 0 ? 0 :
	    QCREG_E_PROTO;
}

int
qcreg_reply_proof(const struct qcreg_reply *r, struct qcreg_proof *p)
{
	const msgpack_object	*res = r->r_result;
	int			 rc;

	if ((rc = reply_of(r, QCREG_OP_PROOF)) != 0)
		return rc;
	memset(p, 0, sizeof(*p));
	if (qc_obj_uint(qc_map_get(res, "seq"), &p->seq) != 0 ||
	    qc_obj_uint(qc_map_get(res, "size"), &p->size) != 0 ||
	    qcreg_obj_hex(qc_map_get(res, "root"), p->root,
	    sizeof(p->root)) != 0 ||
	    hashes_decode(qc_map_get(res, "path"), p->path, &p->n) != 0)
		return QCREG_E_PROTO;
	return 0;
}

int
qcreg_reply_consistency(const struct qcreg_reply *r,
    struct qcreg_consistency *p)
{
	const msgpack_object	*res = r->r_result;
	int			 rc;

	if ((rc = reply_of(r, QCREG_OP_CONSISTENCY)) != 0)
		return rc;
	memset(p, 0, sizeof(*p));
	if (qc_obj_uint(qc_map_get(res, "from"), &p->from) != 0 ||
	    qc_obj_uint(qc_map_get(res, "to"), &p->to) != 0 ||
	    qcreg_obj_hex(qc_map_get(res, "root"), p->root,
	    sizeof(p->root)) != 0 ||
	    hashes_decode(qc_map_get(res, "proof"), p->proof, &p->n) != 0)
		return QCREG_E_PROTO;
	return 0;
}

int
qcreg_consistency_check(struct qcreg *c, uint64_t from,
    const uint8_t from_root[QCREG_HASH_LEN],
    const struct qcreg_checkpoint *cp)
{
	struct qcreg_consistency p;
	struct qcreg_reply	*r;
	int			 rc;

	/* The empty tree is a prefix of every tree (and from 0 is refused). */
	if (from == 0)
		return 0;
	if ((rc = qcreg_consistency(c, from, cp->size, &r)) != 0)
		return rc;
	rc = qcreg_reply_consistency(r, &p);
	qcreg_reply_free(r);
	if (rc != 0 || p.from != from || p.to != cp->size)
		return QCREG_E_PROTO;
	if (memcmp(p.root, cp->root, QCREG_HASH_LEN) != 0 ||
	    !qcreg_verify_consistency(from, cp->size, from_root, cp->root,
	    (const uint8_t (*)[QCREG_HASH_LEN])p.proof, p.n))
		return QCREG_E_VERIFY;
	return 0;
}
