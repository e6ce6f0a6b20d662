/*
 * The audit of reads (audit.h): the queue, the committing thread, the
 * pruning of old records, and reading them back.
 */
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit.h"
#include "log.h"
#include "loghash.h"
#include "store.h"

#define AUDIT_QUEUE_MAX		1000000	/* records waiting; more are dropped */
#define AUDIT_PRUNE_EVERY	3600	/* seconds */
#define AUDIT_PRUNE_BATCH	10000
#define AUDIT_READ_MAX		100000	/* records one read looks at */
#define KEY_MAX			512

struct qrec {
	struct qrec		*q_next;
	uint64_t		 q_at;
	char			*q_principal;
	char			*q_op;
	size_t			 q_n;
	struct audit_str	 q_subjects[];
};

struct audit {
	MDB_env			*a_env;
	MDB_dbi			 a_recs, a_by_subj, a_by_prin, a_meta;
	pthread_rwlock_t	 a_remap;	/* readers shared, growth alone */
	pthread_t		 a_thread;
	pthread_mutex_t		 a_mtx;
	pthread_cond_t		 a_wake, a_done;
	struct qrec		*a_head, **a_tail;
	size_t			 a_qlen;
	uint64_t		 a_dropped;
	uint64_t		 a_asked, a_committed;	/* flush generations */
	int			 a_stop;
	uint64_t		 a_seq;
	uint8_t			 a_hash[QC_HASH_LEN];
	uint32_t		 a_keep_days;
	uint64_t		 a_map_max;
	time_t			 a_pruned;
};

static void	*audit_main(void *);
static void	 audit_free(struct audit *);
static int	 audit_commit(struct audit *, struct qrec *);
static int	 audit_put(struct audit *, MDB_txn *, const struct qrec *,
		    msgpack_sbuffer *);
static int	 audit_prune(struct audit *);
static int	 rec_load(const MDB_val *, msgpack_unpacked *,
		    struct audit_rec *);
static size_t	 index_key(uint8_t *, const char *, size_t, uint64_t);

static size_t
index_key(uint8_t *out, const char *s, size_t len, uint64_t seq)
{
	if (len + 9 > KEY_MAX)
		len = KEY_MAX - 9;
	memcpy(out, s, len);
	out[len] = '\0';
	store_put_be(out + len + 1, seq, 8);
	return len + 9;
}

struct audit *
audit_open(const char *dir, uint64_t map_size, uint64_t map_max,
    uint32_t keep_days)
{
	struct audit	*a;
	MDB_txn		*txn;
	MDB_val		 k = { .mv_data = "head", .mv_size = 4 }, v;
	int		 rc = 0;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->a_tail = &a->a_head;
	a->a_keep_days = keep_days < AUDIT_KEEP_MIN ? AUDIT_KEEP_MIN :
	    keep_days;
	a->a_map_max = map_max;
	if (pthread_mutex_init(&a->a_mtx, NULL) != 0 ||
	    pthread_cond_init(&a->a_wake, NULL) != 0 ||
	    pthread_cond_init(&a->a_done, NULL) != 0 ||
	    pthread_rwlock_init(&a->a_remap, NULL) != 0) {
		free(a);
		return NULL;
	}
	if ((mkdir(dir, 0700) == -1 && errno != EEXIST) ||
	    (rc = mdb_env_create(&a->a_env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(a->a_env, 4)) != 0 ||
	    (rc = mdb_env_set_mapsize(a->a_env, map_size)) != 0 ||
	    (rc = mdb_env_open(a->a_env, dir, MDB_NOTLS, 0600)) != 0 ||
	    (rc = mdb_txn_begin(a->a_env, NULL, 0, &txn)) != 0) {
		log_warnx("audit store %s: %s", dir, errno != 0 && a->a_env ==
		    NULL ? strerror(errno) : mdb_strerror(rc));
		goto fail;
	}
	if ((rc = mdb_dbi_open(txn, "records", MDB_CREATE, &a->a_recs)) != 0 ||
	    (rc = mdb_dbi_open(txn, "by_subj", MDB_CREATE,
	    &a->a_by_subj)) != 0 ||
	    (rc = mdb_dbi_open(txn, "by_prin", MDB_CREATE,
	    &a->a_by_prin)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &a->a_meta)) != 0 ||
	    ((rc = mdb_get(txn, a->a_meta, &k, &v)) != 0 &&
	    rc != MDB_NOTFOUND)) {
		mdb_txn_abort(txn);
		log_warnx("audit store %s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	if (rc == 0 && v.mv_size == 8 + QC_HASH_LEN) {
		a->a_seq = store_get_be(v.mv_data, 8);
		memcpy(a->a_hash, (uint8_t *)v.mv_data + 8, QC_HASH_LEN);
	}
	if ((rc = mdb_txn_commit(txn)) != 0 ||
	    (rc = pthread_create(&a->a_thread, NULL, audit_main, a)) != 0) {
		log_warnx("audit store %s: %s", dir, rc > 0 ? strerror(rc) :
		    mdb_strerror(rc));
		goto fail;
	}
	return a;
fail:
	audit_free(a);
	return NULL;
}

/* The environment and the locks; the thread is gone or never was. */
static void
audit_free(struct audit *a)
{
	if (a->a_env != NULL)
		mdb_env_close(a->a_env);
	pthread_rwlock_destroy(&a->a_remap);
	pthread_cond_destroy(&a->a_done);
	pthread_cond_destroy(&a->a_wake);
	pthread_mutex_destroy(&a->a_mtx);
	free(a);
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->a_mtx);
	a->a_stop = 1;
	pthread_cond_signal(&a->a_wake);
	pthread_mutex_unlock(&a->a_mtx);
	pthread_join(a->a_thread, NULL);
	if (a->a_dropped > 0)
		log_warnx("audit: %llu records were dropped: the queue was "
		    "full", (unsigned long long)a->a_dropped);
	audit_free(a);
}

void
audit_add(struct audit *a, uint64_t at, const char *principal, const char *op,
    const struct audit_str *subjects, size_t n)
{
	struct qrec	*r;
	size_t		 size, i, pl = strlen(principal) + 1, ol = strlen(op) + 1;
	char		*p;

	if (n > AUDIT_SUBJECTS_MAX)
		n = AUDIT_SUBJECTS_MAX;
	size = sizeof(*r) + n * sizeof(r->q_subjects[0]) + pl + ol;
	for (i = 0; i < n; i++)
		size += subjects[i].as_len;
	if ((r = malloc(size)) == NULL) {
		log_warnx("audit: out of memory: a record is lost");
		return;
	}
	r->q_next = NULL;
	r->q_at = at;
	r->q_n = n;
	p = (char *)&r->q_subjects[n];
	r->q_principal = memcpy(p, principal, pl);
	p += pl;
	r->q_op = memcpy(p, op, ol);
	p += ol;
	for (i = 0; i < n; i++) {
		r->q_subjects[i].as_s = memcpy(p, subjects[i].as_s,
		    subjects[i].as_len);
		r->q_subjects[i].as_len = subjects[i].as_len;
		p += subjects[i].as_len;
	}
	pthread_mutex_lock(&a->a_mtx);
	if (a->a_qlen >= AUDIT_QUEUE_MAX) {
		a->a_dropped++;
		free(r);
	} else {
		*a->a_tail = r;
		a->a_tail = &r->q_next;
		a->a_qlen++;
	}
	pthread_mutex_unlock(&a->a_mtx);
}

int
audit_flush(struct audit *a)
{
	uint64_t	 gen;

	pthread_mutex_lock(&a->a_mtx);
	gen = ++a->a_asked;
	pthread_cond_signal(&a->a_wake);
	while (a->a_committed < gen && !a->a_stop)
		pthread_cond_wait(&a->a_done, &a->a_mtx);
	pthread_mutex_unlock(&a->a_mtx);
	return 0;
}

/* One record and its index keys; the body is packed in sb. */
static int
audit_put(struct audit *a, MDB_txn *txn, const struct qrec *r,
    msgpack_sbuffer *sb)
{
	msgpack_packer	 pk;
	uint8_t		 key[KEY_MAX], sq[8], hash[QC_HASH_LEN];
	MDB_val		 k, v, e = { .mv_data = "", .mv_size = 0 };
	size_t		 i;
	int		 rc;

	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	if (msgpack_sbuffer_write(sb, (const char *)a->a_hash,
	    QC_HASH_LEN) != 0 || msgpack_pack_array(&pk, 5) != 0 ||
	    msgpack_pack_uint64(&pk, a->a_seq + 1) != 0 ||
	    msgpack_pack_uint64(&pk, r->q_at) != 0 ||
	    msgpack_pack_str_with_body(&pk, r->q_principal,
	    strlen(r->q_principal)) != 0 ||
	    msgpack_pack_str_with_body(&pk, r->q_op, strlen(r->q_op)) != 0 ||
	    msgpack_pack_array(&pk, (uint32_t)r->q_n) != 0)
		return ENOMEM;
	for (i = 0; i < r->q_n; i++)
		if (msgpack_pack_str_with_body(&pk, r->q_subjects[i].as_s,
		    r->q_subjects[i].as_len) != 0)
			return ENOMEM;
	/* hash = SHA-256(prev || body): sb holds prev, then the body. */
	if (qc_sha256(sb->data, sb->size, hash) != 0 ||
	    msgpack_sbuffer_write(sb, (const char *)hash, QC_HASH_LEN) != 0)
		return ENOMEM;
	store_put_be(sq, a->a_seq + 1, 8);
	k.mv_data = sq;
	k.mv_size = 8;
	v.mv_data = sb->data + QC_HASH_LEN;
	v.mv_size = sb->size - QC_HASH_LEN;
	if ((rc = mdb_put(txn, a->a_recs, &k, &v, MDB_APPEND)) != 0)
		return rc;
	k.mv_data = key;
	k.mv_size = index_key(key, r->q_principal, strlen(r->q_principal),
	    a->a_seq + 1);
	if ((rc = mdb_put(txn, a->a_by_prin, &k, &e, 0)) != 0)
		return rc;
	for (i = 0; i < r->q_n; i++) {
		k.mv_size = index_key(key, r->q_subjects[i].as_s,
		    r->q_subjects[i].as_len, a->a_seq + 1);
		if ((rc = mdb_put(txn, a->a_by_subj, &k, &e, 0)) != 0)
			return rc;
	}
	a->a_seq++;
	memcpy(a->a_hash, hash, QC_HASH_LEN);
	return 0;
}

/* Commits the records of list (freed); 0 or an LMDB error (logged). */
static int
audit_commit(struct audit *a, struct qrec *list)
{
	msgpack_sbuffer	 sb;
	struct qrec	*r, *next;
	uint64_t	 seq0 = a->a_seq;
	uint8_t		 hash0[QC_HASH_LEN], head[8 + QC_HASH_LEN];
	MDB_val		 k = { .mv_data = "head", .mv_size = 4 }, v;
	MDB_txn		*txn;
	int		 rc;

	memcpy(hash0, a->a_hash, QC_HASH_LEN);
	msgpack_sbuffer_init(&sb);
	for (;;) {
		if ((rc = mdb_txn_begin(a->a_env, NULL, 0, &txn)) != 0)
			break;
		for (r = list; r != NULL && rc == 0; r = r->q_next)
			rc = audit_put(a, txn, r, &sb);
		store_put_be(head, a->a_seq, 8);
		memcpy(head + 8, a->a_hash, QC_HASH_LEN);
		v.mv_data = head;
		v.mv_size = sizeof(head);
		if (rc == 0 && (rc = mdb_put(txn, a->a_meta, &k, &v, 0)) == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		if (rc != MDB_MAP_FULL)
			break;
		/* The map is full: grow it alone, then the batch again. */
		a->a_seq = seq0;
		memcpy(a->a_hash, hash0, QC_HASH_LEN);
		pthread_rwlock_wrlock(&a->a_remap);
		{
			MDB_envinfo	 info;

			rc = mdb_env_info(a->a_env, &info);
			if (rc == 0 && info.me_mapsize * 2 <= a->a_map_max)
				rc = mdb_env_set_mapsize(a->a_env,
				    info.me_mapsize * 2);
			else if (rc == 0)
				rc = MDB_MAP_FULL;
		}
		pthread_rwlock_unlock(&a->a_remap);
		if (rc != 0)
			break;
	}
	if (rc != 0) {
		a->a_seq = seq0;
		memcpy(a->a_hash, hash0, QC_HASH_LEN);
		log_warnx("audit: a commit failed, its records are lost: %s",
		    mdb_strerror(rc));
	}
	for (r = list; r != NULL; r = next) {
		next = r->q_next;
		free(r);
	}
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/*
 * Drops records older than keep_days, oldest first, with their index
 * keys, and keeps the last one dropped as the anchor. 0 or an error.
 */
static int
audit_prune(struct audit *a)
{
	msgpack_unpacked up;
	struct audit_rec r;
	MDB_cursor	*cur;
	MDB_txn		*txn;
	MDB_val		 k, v, mk = { .mv_data = "anchor", .mv_size = 6 }, mv;
	uint8_t		 key[KEY_MAX], anchor[8 + QC_HASH_LEN];
	uint64_t	 cutoff = (uint64_t)time(NULL) -
			    (uint64_t)a->a_keep_days * 86400;
	uint32_t	 i, n = 0;
	int		 rc;

	if ((rc = mdb_txn_begin(a->a_env, NULL, 0, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, a->a_recs, &cur)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	while (n < AUDIT_PRUNE_BATCH && (rc = mdb_cursor_get(cur, &k, &v,
	    MDB_FIRST)) == 0) {
		if (rec_load(&v, &up, &r) == -1) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (r.ar_at >= cutoff) {
			msgpack_unpacked_destroy(&up);
			break;
		}
		store_put_be(anchor, r.ar_seq, 8);
		memcpy(anchor + 8, r.ar_hash, QC_HASH_LEN);
		k.mv_data = key;
		k.mv_size = index_key(key, r.ar_principal, r.ar_principal_len,
		    r.ar_seq);
		rc = mdb_del(txn, a->a_by_prin, &k, NULL);
		for (i = 0; (rc == 0 || rc == MDB_NOTFOUND) &&
		    i < r.ar_subjects->via.array.size; i++) {
			const msgpack_object *s = &r.ar_subjects->via.array.ptr[i];

			k.mv_size = index_key(key, s->via.str.ptr,
			    s->via.str.size, r.ar_seq);
			rc = mdb_del(txn, a->a_by_subj, &k, NULL);
		}
		msgpack_unpacked_destroy(&up);
		if ((rc != 0 && rc != MDB_NOTFOUND) ||
		    (rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		n++;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	mv.mv_data = anchor;
	mv.mv_size = sizeof(anchor);
	if (rc == 0 && n > 0)
		rc = mdb_put(txn, a->a_meta, &mk, &mv, 0);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = mdb_txn_commit(txn)) == 0 && n > 0)
		log_info("audit: %u records older than %u days pruned", n,
		    a->a_keep_days);
	return rc;
}

static void *
audit_main(void *arg)
{
	struct audit	*a = arg;
	struct qrec	*list;
	struct timespec	 until;
	uint64_t	 gen;
	int		 stop;

	for (;;) {
		pthread_mutex_lock(&a->a_mtx);
		if (a->a_head == NULL && !a->a_stop &&
		    a->a_asked == a->a_committed) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			pthread_cond_timedwait(&a->a_wake, &a->a_mtx, &until);
		}
		list = a->a_head;
		a->a_head = NULL;
		a->a_tail = &a->a_head;
		a->a_qlen = 0;
		gen = a->a_asked;
		stop = a->a_stop;
		pthread_mutex_unlock(&a->a_mtx);
		if (list != NULL)
			audit_commit(a, list);
		pthread_mutex_lock(&a->a_mtx);
		a->a_committed = gen;
		pthread_cond_broadcast(&a->a_done);
		pthread_mutex_unlock(&a->a_mtx);
		if (stop)
			break;
		if (time(NULL) - a->a_pruned >= AUDIT_PRUNE_EVERY) {
			int rc = audit_prune(a);

			if (rc != 0)
				log_warnx("audit: pruning: %s",
				    mdb_strerror(rc));
			a->a_pruned = time(NULL);
		}
	}
	return NULL;
}

/* A stored record: body (msgpack) then its hash. */
static int
rec_load(const MDB_val *v, msgpack_unpacked *up, struct audit_rec *r)
{
	const msgpack_object	*o;
	size_t			 off = 0;

	msgpack_unpacked_init(up);
	if (v->mv_size < QC_HASH_LEN || msgpack_unpack_next(up, v->mv_data,
	    v->mv_size - QC_HASH_LEN, &off) != MSGPACK_UNPACK_SUCCESS ||
	    off != v->mv_size - QC_HASH_LEN ||
	    up->data.type != MSGPACK_OBJECT_ARRAY ||
	    up->data.via.array.size != 5)
		goto bad;
	o = up->data.via.array.ptr;
	if (o[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    o[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    o[2].type != MSGPACK_OBJECT_STR || o[3].type != MSGPACK_OBJECT_STR ||
	    o[4].type != MSGPACK_OBJECT_ARRAY)
		goto bad;
	r->ar_seq = o[0].via.u64;
	r->ar_at = o[1].via.u64;
	r->ar_principal = o[2].via.str.ptr;
	r->ar_principal_len = o[2].via.str.size;
	r->ar_op = o[3].via.str.ptr;
	r->ar_op_len = o[3].via.str.size;
	r->ar_subjects = &o[4];
	r->ar_hash = (const uint8_t *)v->mv_data + off;
	return 0;
bad:
	msgpack_unpacked_destroy(up);
	return -1;
}

/* The next seq the query's walk gives after cur's key; 0 at its end. */
static uint64_t
walk_next(MDB_cursor *cur, const uint8_t *prefix, size_t plen, int first,
    uint64_t after)
{
	uint8_t	 key[KEY_MAX];
	MDB_val	 k, v;
	int	 rc;

	if (first) {
		memcpy(key, prefix, plen);
		store_put_be(key + plen, after + 1, 8);
		k.mv_data = key;
		k.mv_size = plen + 8;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	} else
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	if (rc != 0 || k.mv_size != plen + 8 || (plen > 0 &&
	    memcmp(k.mv_data, prefix, plen) != 0))
		return 0;
	return store_get_be((const uint8_t *)k.mv_data + plen, 8);
}

int
audit_read(struct audit *a, const struct audit_query *aq, audit_fn *fn,
    void *arg, uint64_t *next)
{
	msgpack_unpacked up;
	struct audit_rec r;
	MDB_cursor	*cur = NULL;
	MDB_txn		*txn = NULL;
	MDB_val		 k, v;
	MDB_dbi		 dbi = a->a_recs;
	uint8_t		 prefix[KEY_MAX], sq[8];
	size_t		 plen = 0;
	uint64_t	 seq = 0;
	uint32_t	 got = 0, looked;
	int		 rc;

	*next = 0;
	if (aq->aq_subject != NULL || aq->aq_principal != NULL) {
		const char *s = aq->aq_subject != NULL ? aq->aq_subject :
		    aq->aq_principal;

		plen = index_key(prefix, s, strlen(s), 0) - 8;
		dbi = aq->aq_subject != NULL ? a->a_by_subj : a->a_by_prin;
	}
	pthread_rwlock_rdlock(&a->a_remap);
	if ((rc = mdb_txn_begin(a->a_env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		goto done;
	for (looked = 0; looked < AUDIT_READ_MAX; looked++) {
		if ((seq = walk_next(cur, prefix, plen, looked == 0,
		    aq->aq_after)) == 0)
			break;
		store_put_be(sq, seq, 8);
		k.mv_data = sq;
		k.mv_size = 8;
		if ((rc = mdb_get(txn, a->a_recs, &k, &v)) == MDB_NOTFOUND) {
			rc = 0;
			continue;	/* pruned under an old index key */
		}
		if (rc != 0)
			goto done;
		if (rec_load(&v, &up, &r) == -1) {
			rc = MDB_CORRUPTED;
			goto done;
		}
		if (r.ar_at >= aq->aq_since && (aq->aq_principal == NULL ||
		    (r.ar_principal_len == strlen(aq->aq_principal) &&
		    memcmp(r.ar_principal, aq->aq_principal,
		    r.ar_principal_len) == 0))) {
			if (got == aq->aq_limit) {
				msgpack_unpacked_destroy(&up);
				*next = seq - 1;
				break;
			}
			rc = fn(arg, &r);
			got++;
		}
		msgpack_unpacked_destroy(&up);
		if (rc != 0)
			goto done;
	}
	if (looked == AUDIT_READ_MAX)
		*next = seq;
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	pthread_rwlock_unlock(&a->a_remap);
	if (rc != 0) {
		log_warnx("audit: reading: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
audit_range(struct audit *a, uint64_t *first, uint64_t *head)
{
	MDB_txn		*txn;
	MDB_val		 k = { .mv_data = "anchor", .mv_size = 6 }, v;
	int		 rc;

	pthread_rwlock_rdlock(&a->a_remap);
	*first = 1;
	*head = 0;
	if ((rc = mdb_txn_begin(a->a_env, NULL, MDB_RDONLY, &txn)) == 0) {
		if (mdb_get(txn, a->a_meta, &k, &v) == 0 && v.mv_size >= 8)
			*first = store_get_be(v.mv_data, 8) + 1;
		k.mv_data = "head";
		k.mv_size = 4;
		if (mdb_get(txn, a->a_meta, &k, &v) == 0 && v.mv_size >= 8)
			*head = store_get_be(v.mv_data, 8);
		mdb_txn_abort(txn);
	}
	pthread_rwlock_unlock(&a->a_remap);
	return rc == 0 ? 0 : -1;
}
