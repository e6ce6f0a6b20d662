/*
 * libqcreg mirror: one page of the change log, verified and applied.
 *
 * The page's records are chained onto the mirror's last hash and added
 * to a copy of its tree; the tree up to the page's last record must then
 * be the signed checkpoint's (its root at the checkpoint's size, else a
 * consistency proof to it). Only then is the page applied, with the new
 * seq, hash and tree, in one write transaction: a crash leaves the
 * mirror before or after the page, never inside it. A record that breaks
 * the chain stops the page there: the records before it are applied
 * (once verified so), it and those after are not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "qcreg_mirror_int.h"

/* The stored frontier of the tree: its peaks, the largest first. */
#define TREE_BYTES_MAX	(64 * QCREG_HASH_LEN)

struct page {
	struct qcreg_mirror		*m;
	const struct qcreg_checkpoint	*cp;
	const msgpack_sbuffer		*cp_raw;
	struct mirror_change		*ch;	/* the records that verify */
	size_t				 n;
	struct mirror_state		 next;	/* the state after them */
};

static size_t	 tree_pack(const struct qcreg_tree *,
		    uint8_t out[TREE_BYTES_MAX]);
static int	 tree_unpack(struct qcreg_tree *, uint64_t, const MDB_val *);
static int	 page_verify(struct page *, const msgpack_object *,
		    uint8_t hash[QCREG_HASH_LEN], char *, size_t);
static int	 page_add(struct page *, const uint8_t hash[QCREG_HASH_LEN]);
static int	 page_chain(struct page *, const msgpack_object *, char *,
		    size_t);
static int	 page_signed(struct page *);
static int	 state_put(struct page *, const struct mirror_apply *);
static int	 page_commit(struct page *, struct qcreg_mirror_status *);

/* The peaks of t (qcreg_tree_add), one per bit of its size, from the top. */
static size_t
tree_pack(const struct qcreg_tree *t, uint8_t out[TREE_BYTES_MAX])
{
	size_t	 n = 0;
	int	 level;

	for (level = 63; level >= 0; level--)
		if ((t->size >> level) & 1)
			memcpy(out + QCREG_HASH_LEN * n++, t->peaks[level],
			    QCREG_HASH_LEN);
	return n * QCREG_HASH_LEN;
}

/* The tree of size leaves from its packed peaks; -1 if they do not fit. */
static int
tree_unpack(struct qcreg_tree *t, uint64_t size, const MDB_val *v)
{
	const uint8_t	*p = v->mv_data;
	size_t		 n = 0;
	int		 level;

	qcreg_tree_init(t);
	t->size = size;
	if (v->mv_size != (size_t)__builtin_popcountll(size) * QCREG_HASH_LEN)
		return -1;
	for (level = 63; level >= 0; level--)
		if ((size >> level) & 1)
			memcpy(t->peaks[level], p + QCREG_HASH_LEN * n++,
			    QCREG_HASH_LEN);
	return 0;
}

int
mirror_state_load(struct qcreg_mirror *m, MDB_txn *txn,
    struct mirror_state *st)
{
	MDB_val	 v;
	int	 rc;

	memset(st, 0, sizeof(*st));
	qcreg_tree_init(&st->tree);
	if ((rc = mirror_meta_u64(m, txn, "seq", &st->seq)) != 0)
		return rc;
	if (st->seq == 0)
		return 0;
	if ((rc = mirror_meta_get(m, txn, "hash", &v)) != 0 ||
	    v.mv_size != QCREG_HASH_LEN)
		return mirror_fail(m, QCREG_E_STORE, "meta hash: corrupt");
	memcpy(st->hash, v.mv_data, QCREG_HASH_LEN);
	if ((rc = mirror_meta_get(m, txn, "tree", &v)) != 0 ||
	    tree_unpack(&st->tree, st->seq, &v) != 0)
		return mirror_fail(m, QCREG_E_STORE, "meta tree: corrupt");
	return 0;
}

/*
 * Whether rec follows p->next in the chain: 0 with its hash (a sealed
 * record's taken as given), a code with the reason in why, or -1 out of
 * memory.
 */
static int
page_verify(struct page *p, const msgpack_object *rec,
    uint8_t hash[QCREG_HASH_LEN], char *why, size_t whylen)
{
	enum qcreg_chain	 e;

	if ((e = qcreg_change_verify(rec, p->next.hash, hash)) ==
	    QCREG_CHAIN_OK)
		return 0;
	if (e == QCREG_CHAIN_NOMEM)
		return -1;
	snprintf(why, whylen, "change %llu: %s",
	    (unsigned long long)p->next.seq + 1, qcreg_chain_strerror(e));
	return e == QCREG_CHAIN_MALFORMED ? QCREG_E_PROTO : QCREG_E_VERIFY;
}

/* The record of hash joins p->next: the chain's end, the tree's leaf. */
static int
page_add(struct page *p, const uint8_t hash[QCREG_HASH_LEN])
{
	uint8_t	 leaf[QCREG_HASH_LEN];

	if (qcreg_leaf_hash(hash, leaf) != 0 ||
	    qcreg_tree_add(&p->next.tree, leaf) != 0)
		return -1;
	memcpy(p->next.hash, hash, QCREG_HASH_LEN);
	p->next.seq++;
	return 0;
}

/*
 * Chains the records up to the checkpoint's size into p (p->n of them).
 * Returns 0; a code with the reason in why when a record stops the page
 * (those before it stay in p); or -1 out of memory.
 */
static int
page_chain(struct page *p, const msgpack_object *recs, char *why,
    size_t whylen)
{
	const msgpack_object	*rec;
	uint8_t			 hash[QCREG_HASH_LEN];
	uint64_t		 seq;
	uint32_t		 i;
	int			 rc;

	for (i = 0; i < recs->via.array.size; i++) {
		rec = &recs->via.array.ptr[i];
		if (qc_obj_uint(qc_map_get(rec, "seq"), &seq) != 0) {
			snprintf(why, whylen, "a change without seq after "
			    "change %llu", (unsigned long long)p->next.seq);
			return QCREG_E_PROTO;
		}
		if (seq != p->next.seq + 1) {
			snprintf(why, whylen, "change %llu came after change "
			    "%llu: a gap or a repeat in the log",
			    (unsigned long long)seq,
			    (unsigned long long)p->next.seq);
			return QCREG_E_PROTO;
		}
		if (seq > p->cp->size)
			break;
		if ((rc = page_verify(p, rec, hash, why, whylen)) != 0)
			return rc;
		if (mirror_change_decode(rec, &p->ch[p->n], why, whylen) != 0)
			return QCREG_E_PROTO;
		if (page_add(p, hash) != 0)
			return -1;
		p->n++;
	}
	return 0;
}

/* The tree up to the page's end against the signed one. */
static int
page_signed(struct page *p)
{
	uint8_t	 root[QCREG_HASH_LEN];

	if (qcreg_tree_root(&p->next.tree, root) != 0)
		return mirror_fail(p->m, QCREG_E_NOMEM, "hashing failed");
	if (p->next.seq < p->cp->size)
		return mirror_consistency(p->m, p->next.seq, root, p->cp);
	if (memcmp(root, p->cp->root, QCREG_HASH_LEN) != 0)
		return mirror_fail(p->m, QCREG_E_VERIFY, "changes 1 to %llu "
		    "do not make the tree the registry signed (checkpoint of "
		    "size %llu): a record differs", (unsigned long long)
		    p->next.seq, (unsigned long long)p->cp->size);
	return 0;
}

/* The state after the page, and what it calls for, into a's txn. */
static int
state_put(struct page *p, const struct mirror_apply *a)
{
	struct qcreg_mirror	*m = p->m;
	uint8_t			 tree[TREE_BYTES_MAX];
	int			 rc;

	if ((rc = mirror_meta_put_u64(m, a->txn, "seq", p->next.seq)) != 0 ||
	    (rc = mirror_meta_put(m, a->txn, "hash", p->next.hash,
	    QCREG_HASH_LEN)) != 0 ||
	    (rc = mirror_meta_put(m, a->txn, "tree", tree,
	    tree_pack(&p->next.tree, tree))) != 0)
		return rc;
	/* Withdrawn fields linger in freed pages until a rewrite. */
	if (a->withdrawn > 0 &&
	    (rc = mirror_meta_put_u64(m, a->txn, "compact", 1)) != 0)
		return rc;
	if (p->next.seq == p->cp->size)
		return mirror_meta_put(m, a->txn, "checkpoint",
		    p->cp_raw->data, p->cp_raw->size);
	return 0;
}

/* Applies the page and its new state in one transaction. */
static int
page_commit(struct page *p, struct qcreg_mirror_status *st)
{
	struct qcreg_mirror	*m = p->m;
	struct mirror_apply	 a = { .m = m };
	size_t			 i;
	int			 rc;

	if ((rc = mdb_txn_begin(m->env, NULL, 0, &a.txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_begin");
	for (i = 0; rc == 0 && i < p->n; i++)
		rc = mirror_apply(&a, &p->ch[i]);
	if (rc == 0)
		rc = state_put(p, &a);
	if (rc != 0) {
		mdb_txn_abort(a.txn);
		return rc;
	}
	if ((rc = mdb_txn_commit(a.txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_commit");
	st->seq = p->next.seq;
	st->applied += p->n;
	st->withdrawn += a.withdrawn;
	if (p->next.seq == p->cp->size)
		st->verified = p->cp->size;
	return 0;
}

/*
 * Verifies and applies the records of one `changes` answer (at most
 * limit of them) after *state, up to checkpoint cp (kept as cp_raw once
 * reached). On success *state and st move to the page's end.
 */
int
mirror_page(struct qcreg_mirror *m, struct mirror_state *state,
    const msgpack_object *recs, uint32_t limit,
    const struct qcreg_checkpoint *cp, const msgpack_sbuffer *cp_raw,
    struct qcreg_mirror_status *st)
{
	struct page	 p;
	char		 why[QCREG_ERRMSG_MAX];
	int		 stop, rc = 0;

	if (recs == NULL || recs->type != MSGPACK_OBJECT_ARRAY ||
	    recs->via.array.size > limit)
		return mirror_fail(m, QCREG_E_PROTO, "a changes answer "
		    "without its records, or with more than asked for");
	if (recs->via.array.size == 0)
		return mirror_fail(m, QCREG_E_PROTO, "an empty changes answer "
		    "below the head");
	memset(&p, 0, sizeof(p));
	p.m = m;
	p.cp = cp;
	p.cp_raw = cp_raw;
	p.next = *state;
	if ((p.ch = calloc(recs->via.array.size, sizeof(*p.ch))) == NULL)
		return mirror_fail(m, QCREG_E_NOMEM, "out of memory");
	if ((stop = page_chain(&p, recs, why, sizeof(why))) == -1)
		rc = mirror_fail(m, QCREG_E_NOMEM, "out of memory");
	if (rc == 0 && p.n > 0 && (rc = page_signed(&p)) == 0 &&
	    (rc = page_commit(&p, st)) == 0)
		*state = p.next;
	free(p.ch);
	if (rc == 0 && stop != 0)
		rc = mirror_fail(m, stop, "%s; nothing of it was applied", why);
	return rc;
}
