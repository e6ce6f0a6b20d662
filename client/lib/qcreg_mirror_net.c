/*
 * libqcreg mirror: what it asks the registry. hello (kept: the list
 * definitions), changes (with `wait` while the server takes it), and
 * checkpoint and consistency, whose answers are verified here.
 *
 * The checkpoint and consistency requests are internal versions: the
 * public calls being added to libqcreg beside this (qcreg_tree.c) take
 * their place at the merge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "qcreg_mirror_int.h"
#include "sig.h"

/* Waiting longer than this for a long poll's answer is a dead server. */
#define WAIT_GRACE_MS	30000

static int	 hello_keep(struct qcreg_mirror *);
static int	 changes_send(struct qcreg *, uint64_t, uint32_t, unsigned,
		    struct qcreg_reply **);
static int	 ask(struct qcreg_mirror *, enum qcreg_op, uint64_t,
		    uint64_t, struct qcreg_reply **);
static int	 hex_obj(const msgpack_object *, uint8_t *, size_t);
static int	 hex_field(const msgpack_object *, const char *, uint8_t *,
		    size_t);
static int	 cp_decode(const msgpack_object *, struct mirror_checkpoint *);

/*
 * Keeps hello's list definitions when they differ from the stored ones
 * (the registry's configuration changed), after checking them.
 */
static int
hello_keep(struct qcreg_mirror *m)
{
	const msgpack_object	*lists;
	struct mirror_lists	*ls;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	MDB_txn			*txn = NULL;
	MDB_val			 v;
	char			 why[256];
	int			 rc;

	lists = qc_map_get(qcreg_hello_result(m->c), "lists");
	if ((ls = malloc(sizeof(*ls))) == NULL)
		return mirror_fail(m, QCREG_E_NOMEM, "out of memory");
	rc = mirror_lists_parse(lists, ls, why, sizeof(why));
	free(ls);
	if (rc != 0)
		return mirror_fail(m, QCREG_E_PROTO, "%s", why);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_map(&pk, 1) != 0 || qc_pack_cstr(&pk, "lists") != 0 ||
	    msgpack_pack_object(&pk, *lists) != 0) {
		rc = mirror_fail(m, QCREG_E_NOMEM, "out of memory");
		goto done;
	}
	if ((rc = mdb_txn_begin(m->env, NULL, 0, &txn)) != 0) {
		rc = mirror_lmdb_fail(m, rc, "mdb_txn_begin");
		goto done;
	}
	rc = mirror_meta_get(m, txn, "hello", &v);
	if (rc == 0 && v.mv_size == sb.size &&
	    memcmp(v.mv_data, sb.data, sb.size) == 0)
		goto done;
	if ((rc == 0 || rc == MDB_NOTFOUND) &&
	    (rc = mirror_meta_put(m, txn, "hello", sb.data, sb.size)) == 0 &&
	    (rc = mirror_hello_load(m, txn)) == 0) {
		rc = mdb_txn_commit(txn);
		txn = NULL;
		if (rc != 0)
			rc = mirror_lmdb_fail(m, rc, "mdb_txn_commit");
	}
done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/* A live connection to the registry, and its list definitions kept. */
int
mirror_connect(struct qcreg_mirror *m)
{
	char	 err[QCREG_ERRMSG_MAX];
	int	 rc;

	if (m->c != NULL && qcreg_alive(m->c))
		return 0;
	qcreg_close(m->c);
	m->c = NULL;
	if ((rc = qcreg_connect(&m->c, m->host, m->port, &m->opts, err,
	    sizeof(err))) != 0)
		return mirror_fail(m, rc, "connect: %s", err);
	return hello_keep(m);
}

/* changes {since, limit, wait?}, as a single call. */
static int
changes_send(struct qcreg *c, uint64_t since, uint32_t limit,
    unsigned wait_s, struct qcreg_reply **out)
{
	struct qcreg_req	 q;
	int			 rc;

	if ((rc = qcreg_single_begin(c)) != 0 ||
	    (rc = qcreg_req_begin(&q, c, QCREG_OP_CHANGES,
	    2 + (wait_s > 0))) != 0 ||
	    (rc = qcreg_req_end(&q, qc_pack_kv_uint(&q.pk, "since",
	    since) != 0 || qc_pack_kv_uint(&q.pk, "limit", limit) != 0 ||
	    (wait_s > 0 && qc_pack_kv_uint(&q.pk, "wait", wait_s) != 0))) != 0)
		return rc;
	return qcreg_single_end(c, out);
}

/*
 * A page of the change log after since. With wait_s, the server holds an
 * empty answer up to wait_s seconds for a new record; a server that
 * refuses the argument (bad_request) is asked without it from then on.
 */
int
mirror_changes(struct qcreg_mirror *m, uint64_t since, uint32_t limit,
    unsigned wait_s, struct qcreg_reply **out)
{
	int	 rc;

	*out = NULL;
	if (m->no_wait)
		wait_s = 0;
	if (wait_s > 0)
		qcreg_set_timeout(m->c, (int)(wait_s * 1000 + WAIT_GRACE_MS));
	rc = changes_send(m->c, since, limit, wait_s, out);
	if (wait_s > 0) {
		qcreg_set_timeout(m->c, m->opts.timeout_ms);
		if (rc == QC_E_BAD_REQUEST) {
			m->no_wait = 1;
			rc = changes_send(m->c, since, limit, 0, out);
		}
	}
	if (rc != 0)
		return mirror_fail(m, rc, "changes after %llu: %s",
		    (unsigned long long)since, qcreg_errmsg(m->c));
	return 0;
}

/* checkpoint, or consistency {from, to}, as a single call. */
static int
ask(struct qcreg_mirror *m, enum qcreg_op op, uint64_t from, uint64_t to,
    struct qcreg_reply **out)
{
	struct qcreg_req	 q;
	int			 rc, tree = op == QCREG_OP_CONSISTENCY;

	*out = NULL;
	if ((rc = qcreg_single_begin(m->c)) != 0 ||
	    (rc = qcreg_req_begin(&q, m->c, op, tree ? 2 : 0)) != 0 ||
	    (rc = qcreg_req_end(&q, tree && (qc_pack_kv_uint(&q.pk, "from",
	    from) != 0 || qc_pack_kv_uint(&q.pk, "to", to) != 0))) != 0 ||
	    (rc = qcreg_single_end(m->c, out)) != 0)
		return mirror_fail(m, rc, "%s: %s", qcreg_op_names[op],
		    qcreg_errmsg(m->c));
	return 0;
}

/* A str of 2n lower-case hex digits, into n bytes. */
static int
hex_obj(const msgpack_object *o, uint8_t *out, size_t n)
{
	const char	*s;
	size_t		 len;

	if (qc_obj_str(o, &s, &len) != 0 || len != 2 * n)
		return -1;
	return qc_unhex(s, n, out);
}

static int
hex_field(const msgpack_object *o, const char *key, uint8_t *out, size_t n)
{
	return hex_obj(qc_map_get(o, key), out, n);
}

/* {origin, size, root, time, key_id, signature}; -1 if malformed. */
static int
cp_decode(const msgpack_object *o, struct mirror_checkpoint *cp)
{
	memset(cp, 0, sizeof(*cp));
	return qc_obj_strcpy(qc_map_get(o, "origin"), cp->origin,
	    sizeof(cp->origin)) != 0 ||
	    qc_obj_uint(qc_map_get(o, "size"), &cp->size) != 0 ||
	    qc_obj_uint(qc_map_get(o, "time"), &cp->time) != 0 ||
	    hex_field(o, "root", cp->root, sizeof(cp->root)) != 0 ? -1 : 0;
}

/*
 * The registry's checkpoint now, its signature verified with the
 * mirror's key; raw gets it as received, to keep.
 */
int
mirror_checkpoint(struct qcreg_mirror *m, struct mirror_checkpoint *cp,
    msgpack_sbuffer *raw)
{
	const msgpack_object	*res;
	struct qcreg_reply	*r;
	msgpack_packer		 pk;
	char			 text[QC_CHECKPOINT_MAX];
	int			 rc, n;

	if ((rc = ask(m, QCREG_OP_CHECKPOINT, 0, 0, &r)) != 0)
		return rc;
	res = qcreg_reply_result(r);
	msgpack_packer_init(&pk, raw, msgpack_sbuffer_write);
	if (cp_decode(res, cp) != 0)
		rc = mirror_fail(m, QCREG_E_PROTO, "a malformed checkpoint");
	else if (qc_map_get(res, "signature") == NULL)
		rc = mirror_fail(m, QCREG_E_VERIFY, "the registry does not "
		    "sign its checkpoints: the mirror cannot verify it");
	else if (qc_obj_strcpy(qc_map_get(res, "key_id"), cp->key_id,
	    sizeof(cp->key_id)) != 0 ||
	    hex_field(res, "signature", cp->sig, sizeof(cp->sig)) != 0 ||
	    (n = qc_checkpoint_text(text, sizeof(text), cp->origin, cp->size,
	    cp->root, cp->time, cp->key_id)) < 0)
		rc = mirror_fail(m, QCREG_E_PROTO, "a malformed checkpoint "
		    "signature");
	else if (!qc_sig_verify(m->pub, text, (size_t)n, cp->sig))
		rc = mirror_fail(m, QCREG_E_VERIFY, "the checkpoint of size "
		    "%llu (key %s) is not signed by the mirror's key",
		    (unsigned long long)cp->size, cp->key_id);
	else if (msgpack_pack_object(&pk, *res) != 0)
		rc = mirror_fail(m, QCREG_E_NOMEM, "out of memory");
	qcreg_reply_free(r);
	return rc;
}

/*
 * Verifies that the tree of the first `from` records, whose root the
 * mirror computed, is a prefix of the signed tree of cp (to = its size).
 */
int
mirror_consistency(struct qcreg_mirror *m, uint64_t from, uint64_t to,
    const uint8_t from_root[MIRROR_HASH_LEN],
    const struct mirror_checkpoint *cp)
{
	uint8_t			 proof[MIRROR_PROOF_MAX][MIRROR_HASH_LEN];
	uint8_t			 root[MIRROR_HASH_LEN];
	const msgpack_object	*res, *p;
	struct qcreg_reply	*r;
	uint64_t		 f, t;
	uint32_t		 i, n = 0;
	int			 rc, bad;

	if ((rc = ask(m, QCREG_OP_CONSISTENCY, from, to, &r)) != 0)
		return rc;
	res = qcreg_reply_result(r);
	p = qc_map_get(res, "proof");
	bad = qc_obj_uint(qc_map_get(res, "from"), &f) != 0 ||
	    qc_obj_uint(qc_map_get(res, "to"), &t) != 0 || f != from ||
	    t != to || hex_field(res, "root", root, sizeof(root)) != 0 ||
	    p == NULL || p->type != MSGPACK_OBJECT_ARRAY ||
	    p->via.array.size > MIRROR_PROOF_MAX;
	for (i = 0; !bad && i < p->via.array.size; i++)
		bad = hex_obj(&p->via.array.ptr[i], proof[n++],
		    MIRROR_HASH_LEN) != 0;
	qcreg_reply_free(r);
	if (bad)
		return mirror_fail(m, QCREG_E_PROTO, "a malformed consistency "
		    "proof from %llu to %llu", (unsigned long long)from,
		    (unsigned long long)to);
	if (memcmp(root, cp->root, MIRROR_HASH_LEN) != 0 ||
	    (rc = mirror_consistent(from, to, from_root, cp->root, proof,
	    n)) == 0)
		return mirror_fail(m, QCREG_E_VERIFY, "changes 1 to %llu do "
		    "not make a prefix of the log the registry signed (size "
		    "%llu)", (unsigned long long)from, (unsigned long long)to);
	return rc == 1 ? 0 : mirror_fail(m, QCREG_E_NOMEM, "hashing failed");
}
