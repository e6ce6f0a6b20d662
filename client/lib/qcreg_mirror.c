/*
 * libqcreg mirror: opening and closing a mirror, and its errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "qcreg_mirror_int.h"

#define MIRROR_TZ_DEFAULT	480	/* PROTOCOL.md 4.3: UTC+8 */

static int	 conn_copy(struct qcreg_mirror *,
		    const struct qcreg_mirror_conf *);
static int	 meta_load(struct qcreg_mirror *, int);

int
mirror_fail(struct qcreg_mirror *m, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(m->errmsg, sizeof(m->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

/* An LMDB failure about what: QCREG_E_STORE with LMDB's reason. */
int
mirror_lmdb_fail(struct qcreg_mirror *m, int rc, const char *what)
{
	return mirror_fail(m, QCREG_E_STORE, "%s: %s", what,
	    mdb_strerror(rc));
}

/* What a syncing handle keeps of conf: where to connect, as whom. */
static int
conn_copy(struct qcreg_mirror *m, const struct qcreg_mirror_conf *conf)
{
	const struct qcreg_opts	*o = conf->opts;

	if (o == NULL || o->ca_file == NULL || o->cert_file == NULL ||
	    o->key_file == NULL)
		return mirror_fail(m, QCREG_E_USAGE, "a mirror that syncs "
		    "needs the CA, certificate and key files");
	memcpy(m->pub, conf->pubkey, QC_PUB_LEN);
	m->port = conf->port;
	m->opts.timeout_ms = o->timeout_ms;
	if ((m->host = strdup(conf->host)) == NULL ||
	    (m->opts.ca_file = strdup(o->ca_file)) == NULL ||
	    (m->opts.cert_file = strdup(o->cert_file)) == NULL ||
	    (m->opts.key_file = strdup(o->key_file)) == NULL)
		return mirror_fail(m, QCREG_E_NOMEM, "out of memory");
	m->progress = conf->progress;
	m->progress_arg = conf->progress_arg;
	return 0;
}

/*
 * Stores a time zone given to a syncing handle (set_tz), then loads the
 * time zone and list definitions. A mirror that never synced cannot
 * answer: a checking handle refuses it.
 */
static int
meta_load(struct qcreg_mirror *m, int set_tz)
{
	MDB_txn	*txn;
	int	 rc;

	if ((rc = mdb_txn_begin(m->env, NULL, set_tz ? 0 : MDB_RDONLY,
	    &txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_begin");
	if ((set_tz && (rc = mirror_meta_put_u64(m, txn, "tz",
	    (uint64_t)(int64_t)m->utc_offset)) != 0) ||
	    (rc = mirror_hello_load(m, txn)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return mirror_lmdb_fail(m, rc, "mdb_txn_commit");
	if (!m->rw && m->lists.n == 0)
		return mirror_fail(m, QCREG_E_USAGE, "the mirror in %s has "
		    "not synced yet", m->dir);
	return 0;
}

int
qcreg_mirror_open(struct qcreg_mirror **mp, const char *dir,
    const struct qcreg_mirror_conf *conf, char *err, size_t errsize)
{
	struct qcreg_mirror	*m;
	int			 rc = 0;

	*mp = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errsize, "out of memory");
		return QCREG_E_NOMEM;
	}
	m->lock_fd = -1;
	m->stop_fd = -1;
	m->utc_offset = MIRROR_TZ_DEFAULT;
	msgpack_unpacked_init(&m->hello);
	m->rw = conf != NULL && conf->host != NULL;
	if (dir == NULL || *dir == '\0')
		rc = mirror_fail(m, QCREG_E_USAGE, "a mirror needs a "
		    "directory");
	else if ((m->dir = strdup(dir)) == NULL)
		rc = mirror_fail(m, QCREG_E_NOMEM, "out of memory");
	else if (m->rw && conf->pubkey == NULL)
		rc = mirror_fail(m, QCREG_E_USAGE, "a mirror that syncs needs "
		    "the registry's public key");
	else if (m->rw)
		rc = conn_copy(m, conf);
	if (rc == 0 && conf != NULL && conf->timezone != NULL &&
	    qc_tz_parse(conf->timezone, &m->utc_offset) != 0)
		rc = mirror_fail(m, QCREG_E_USAGE, "not a UTC offset such as "
		    "+08:00: %s", conf->timezone);
	if (rc == 0 && (rc = mirror_store_open(m)) == 0)
		rc = meta_load(m, m->rw && conf->timezone != NULL);
	if (rc != 0) {
		snprintf(err, errsize, "%s", m->errmsg);
		qcreg_mirror_close(m);
		return rc;
	}
	*mp = m;
	return 0;
}

void
qcreg_mirror_close(struct qcreg_mirror *m)
{
	if (m == NULL)
		return;
	qcreg_close(m->c);
	mirror_filter_free(m);
	mirror_store_close(m);
	if (m->lock_fd != -1)
		close(m->lock_fd);
	msgpack_unpacked_destroy(&m->hello);
	free(m->hello_buf);
	free(m->host);
	free((char *)m->opts.ca_file);
	free((char *)m->opts.cert_file);
	free((char *)m->opts.key_file);
	free(m->dir);
	free(m);
}

void
qcreg_mirror_stop_fd(struct qcreg_mirror *m, int fd)
{
	m->stop_fd = fd;
	if (m->c != NULL)
		qcreg_io_stop_fd(m->c, fd);
}

const char *
qcreg_mirror_errmsg(const struct qcreg_mirror *m)
{
	return m->errmsg;
}

const msgpack_object *
qcreg_mirror_hello(const struct qcreg_mirror *m)
{
	return m->lists.n > 0 ? &m->hello.data : NULL;
}
