/*
 * libqcreg mirror: one sync, from the last record applied up to a
 * checkpoint the registry signs now.
 *
 *   1. (with wait) changes after seq, held by the server until there is
 *      one: the long poll; its page is the first applied
 *   2. checkpoint: size N and root, signed (qcreg_mirror_net.c)
 *   3. pages of changes up to N, each verified and applied on its own
 *      (qcreg_mirror_page.c)
 *   4. at N, or when nothing was new, the mirror's root must be the
 *      signed one (a registry that rewrote older history is caught here)
 *   5. the data file rewritten if withdrawn entries were deleted
 */
#include <string.h>

#include "msg.h"
#include "qcreg_mirror_int.h"

static int	 at_checkpoint(struct qcreg_mirror *, struct mirror_state *,
		    const struct qcreg_checkpoint *, const msgpack_sbuffer *,
		    struct qcreg_mirror_status *);
static int	 pages(struct qcreg_mirror *, struct mirror_state *,
		    struct qcreg_reply *, const struct qcreg_checkpoint *,
		    const msgpack_sbuffer *, struct qcreg_mirror_status *);
static int	 has_records(const struct qcreg_reply *);
static int	 sync_run(struct qcreg_mirror *, unsigned,
		    struct qcreg_mirror_status *);

/*
 * The mirror holds the checkpoint's records already: its root must be
 * the signed one; the checkpoint is then kept.
 */
static int
at_checkpoint(struct qcreg_mirror *m, struct mirror_state *state,
    const struct qcreg_checkpoint *cp, const msgpack_sbuffer *raw,
    struct qcreg_mirror_status *st)
{
	uint8_t	 root[QCREG_HASH_LEN];
	MDB_txn	*txn;
	int	 rc;

	if (qcreg_tree_root(&state->tree, root) != 0)
		return mirror_fail(m, QCREG_E_NOMEM, "hashing failed");
	if (memcmp(root, cp->root, QCREG_HASH_LEN) != 0)
		return mirror_fail(m, QCREG_E_VERIFY, "the registry's signed "
		    "log of %llu records is not the one the mirror holds: its "
		    "history changed", (unsigned long long)cp->size);
	if ((rc = mdb_txn_begin(m->env, NULL, 0, &txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_begin");
	if ((rc = mirror_meta_put(m, txn, "checkpoint", raw->data,
	    raw->size)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_commit");
	st->verified = cp->size;
	return 0;
}

/*
 * Pages of changes from state->seq up to the checkpoint, the first one
 * already received (or NULL). Stops early when the caller's progress
 * function asks.
 */
static int
pages(struct qcreg_mirror *m, struct mirror_state *state,
    struct qcreg_reply *first, const struct qcreg_checkpoint *cp,
    const msgpack_sbuffer *raw, struct qcreg_mirror_status *st)
{
	struct qcreg_reply	*r = first;
	uint32_t		 max = qcreg_max_limit(m->c), limit = max;
	uint64_t		 before;
	int			 rc = 0;

	while (state->seq < cp->size) {
		if (r == NULL) {
			limit = cp->size - state->seq < max ?
			    (uint32_t)(cp->size - state->seq) : max;
			if ((rc = mirror_changes(m, state->seq, limit, 0,
			    &r)) != 0)
				break;
		}
		before = state->seq;
		rc = mirror_page(m, state, qc_map_get(qcreg_reply_result(r),
		    "changes"), limit, cp, raw, st);
		qcreg_reply_free(r);
		r = NULL;
		limit = max;
		if (rc == 0 && state->seq == before)
			rc = mirror_fail(m, QCREG_E_PROTO, "changes after %llu "
			    "brought nothing up to the checkpoint's %llu",
			    (unsigned long long)before,
			    (unsigned long long)cp->size);
		if (rc != 0 || (m->progress != NULL &&
		    m->progress(m->progress_arg, st) != 0))
			break;
	}
	qcreg_reply_free(r);
	return rc;
}

/* Whether a changes answer holds records (else its wait ended empty). */
static int
has_records(const struct qcreg_reply *r)
{
	const msgpack_object	*a;

	a = qc_map_get(qcreg_reply_result(r), "changes");
	return a != NULL && a->type == MSGPACK_OBJECT_ARRAY &&
	    a->via.array.size > 0;
}

static int
sync_run(struct qcreg_mirror *m, unsigned wait_s,
    struct qcreg_mirror_status *st)
{
	struct qcreg_checkpoint	 cp;
	struct mirror_state	 state;
	struct qcreg_reply	*first = NULL;
	msgpack_sbuffer		 raw;
	MDB_txn			*txn;
	int			 rc, done;

	if ((rc = mirror_connect(m)) != 0)
		return rc;
	if ((rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_begin");
	rc = mirror_state_load(m, txn, &state);
	mdb_txn_abort(txn);
	if (rc != 0)
		return rc;
	st->seq = state.seq;
	if (wait_s > 0 && (rc = mirror_changes(m, state.seq,
	    qcreg_max_limit(m->c), wait_s, &first)) != 0)
		return rc;
	if (first != NULL && !has_records(first)) {
		qcreg_reply_free(first);	/* the wait ended empty */
		first = NULL;
	}
	msgpack_sbuffer_init(&raw);
	if ((rc = mirror_checkpoint(m, &cp, &raw)) == 0) {
		st->target = cp.size;
		if (cp.size > state.seq) {
			rc = pages(m, &state, first, &cp, &raw, st);
			first = NULL;	/* pages() took it */
		} else if (cp.size < state.seq)
			rc = mirror_fail(m, QCREG_E_VERIFY, "the registry's "
			    "signed log has %llu records, fewer than the %llu "
			    "the mirror holds: it was restored or forked",
			    (unsigned long long)cp.size,
			    (unsigned long long)state.seq);
		else
			rc = at_checkpoint(m, &state, &cp, &raw, st);
	}
	qcreg_reply_free(first);
	msgpack_sbuffer_destroy(&raw);
	/* Stopped before the checkpoint: the next sync rewrites the file. */
	if (rc == 0 && state.seq == cp.size &&
	    (rc = mirror_compact(m, &done)) == 0)
		st->compacted = done;
	return rc;
}

int
qcreg_mirror_sync(struct qcreg_mirror *m, unsigned wait_s,
    struct qcreg_mirror_status *out)
{
	struct qcreg_mirror_status	 st;
	int				 rc;

	memset(&st, 0, sizeof(st));
	m->errmsg[0] = '\0';
	if (!m->rw)
		rc = mirror_fail(m, QCREG_E_USAGE, "this mirror was opened "
		    "to check only");
	else
		rc = sync_run(m, wait_s, &st);
	if (out != NULL)
		*out = st;
	return rc;
}
