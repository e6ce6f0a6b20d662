/*
 * libqcreg mirror: what it asks the registry. hello (kept: the list
 * definitions), changes (with `wait`, the long poll), and checkpoint and
 * consistency, whose answers are verified here.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "qcreg_mirror_int.h"

/* Waiting longer than this for a long poll's answer is a dead server. */
#define WAIT_GRACE_MS	30000

static int	 hello_keep(struct qcreg_mirror *);
static int	 stopped(const struct qcreg_mirror *);

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

/* Whether the stop descriptor is readable already. */
static int
stopped(const struct qcreg_mirror *m)
{
	struct pollfd	 pfd = { .fd = m->stop_fd, .events = POLLIN };

	return m->stop_fd >= 0 && poll(&pfd, 1, 0) > 0;
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
	if (stopped(m))
		return mirror_fail(m, QCREG_E_STOPPED, "stopped");
	if ((rc = qcreg_connect(&m->c, m->host, m->port, &m->opts, err,
	    sizeof(err))) != 0)
		return mirror_fail(m, rc, "connect: %s", err);
	qcreg_io_stop_fd(m->c, m->stop_fd);
	return hello_keep(m);
}

/*
 * A page of the change log after since. With wait_s, the server holds an
 * empty answer up to wait_s seconds for a new record (the connection's
 * timeout is stretched to cover it).
 */
int
mirror_changes(struct qcreg_mirror *m, uint64_t since, uint32_t limit,
    unsigned wait_s, struct qcreg_reply **out)
{
	int	 rc;

	if (wait_s > 0)
		qcreg_set_timeout(m->c, (int)(wait_s * 1000 + WAIT_GRACE_MS));
	rc = qcreg_changes_wait(m->c, since, limit, wait_s, out);
	if (wait_s > 0)
		qcreg_set_timeout(m->c, m->opts.timeout_ms);
	if (rc != 0)
		return mirror_fail(m, rc, "changes after %llu: %s",
		    (unsigned long long)since, qcreg_errmsg(m->c));
	return 0;
}

/*
 * The registry's checkpoint now, its signature verified with the
 * mirror's key; raw gets it as received, to keep.
 */
int
mirror_checkpoint(struct qcreg_mirror *m, struct qcreg_checkpoint *cp,
    msgpack_sbuffer *raw)
{
	struct qcreg_reply	*r;
	msgpack_packer		 pk;
	int			 rc;

	if ((rc = qcreg_checkpoint(m->c, &r)) != 0)
		return mirror_fail(m, rc, "checkpoint: %s", qcreg_errmsg(m->c));
	msgpack_packer_init(&pk, raw, msgpack_sbuffer_write);
	if (qcreg_reply_checkpoint(r, cp) != 0)
		rc = mirror_fail(m, QCREG_E_PROTO, "a malformed checkpoint");
	else if (!cp->is_signed)
		rc = mirror_fail(m, QCREG_E_VERIFY, "the registry does not "
		    "sign its checkpoints: the mirror cannot verify it");
	else if (!qcreg_checkpoint_verify(cp, m->pub))
		rc = mirror_fail(m, QCREG_E_VERIFY, "the checkpoint of size "
		    "%llu (key %s) is not signed by the mirror's key",
		    (unsigned long long)cp->size, cp->key_id);
	else if (msgpack_pack_object(&pk, *qcreg_reply_result(r)) != 0)
		rc = mirror_fail(m, QCREG_E_NOMEM, "out of memory");
	qcreg_reply_free(r);
	return rc;
}

/*
 * Verifies that the tree of the first `from` records, whose root the
 * mirror computed, is a prefix of the signed tree of cp.
 */
int
mirror_consistency(struct qcreg_mirror *m, uint64_t from,
    const uint8_t from_root[QCREG_HASH_LEN], const struct qcreg_checkpoint *cp)
{
	int	 rc;

	if ((rc = qcreg_consistency_check(m->c, from, from_root, cp)) == 0)
		return 0;
	if (rc == QCREG_E_PROTO)
		return mirror_fail(m, rc, "a malformed consistency proof from "
		    "%llu to %llu", (unsigned long long)from,
		    (unsigned long long)cp->size);
	if (rc == QCREG_E_VERIFY)
		return mirror_fail(m, rc, "changes 1 to %llu do not make a "
		    "prefix of the log the registry signed (size %llu)",
		    (unsigned long long)from, (unsigned long long)cp->size);
	return mirror_fail(m, rc, "consistency: %s", qcreg_errmsg(m->c));
}
