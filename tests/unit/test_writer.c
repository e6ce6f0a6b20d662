/*
 * The writer: writer_apply against a temporary LMDB (versions, the
 * hash-chained change log that holds every version's content, the
 * summary that points at the newest version of each entry, removed ones
 * included, the versions database that points at the replaced ones,
 * if_version, removal, refused writes that leave everything as it was,
 * several writes in one transaction, a corrupt store), each batch
 * committed and read back through the store's own functions; then the
 * writer thread and ops_dispatch's hand-off to it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "config.h"
#include "date.h"
#include "msg.h"
#include "ops.h"
#include "outcome.h"
#include "record.h"
#include "store.h"
#include "summary.h"
#include "writer.h"
#include "testlib.h"

#define USCC		"uscc:91350100M000100Y43"
/* Another subject: the writer takes it as a key (dispatch checks it). */
#define USCC2		"uscc:91350100M000100Y43X"
#define WHO		"quality-bureau"

static const char conf_text[] =
    "[server]\nca = a\ncert = b\nkey = c\n"
    "[list credit]\n"
    "type = rating\n"
    "kinds = uscc\n"
    "field = name text required\n"
    "field = grade enum required values=A,B,C,D\n"
    "field = valid_from date\n"
    "field = valid_until date\n"
    "start = valid_from\n"
    "end = valid_until\n"
    "grade = grade\n"
    "[list tourism]\n"
    "kinds = uscc site\n"
    "field = name text required\n"
    "[principal quality-bureau]\nrole = agency\nwrites = credit, tourism\n";

struct fx {
	char		 dir[256];
	struct config	*cfg;
	struct store	 st;
	msgpack_sbuffer	 scratch;
};

/*
 * A change record as read back; prev is the hash of the record before
 * it (zero for the first), as the chain links them.
 */
struct got_change {
	uint64_t	 seq, at, version;
	char		 op[16], list[64], subject[QC_SUBJECT_MAX];
	char		 principal[64];
	char		 reason[256];
	int		 has_reason;
	uint8_t		 prev[STORE_HASH_LEN], hash[STORE_HASH_LEN];
	uint8_t		 rehash[STORE_HASH_LEN];	/* from its parts */
};

/* The results the writer thread routes back. */
static struct {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	struct write_result	*res[8];
	int			 n;
} routed = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 },
    0 };

static int	 setup(void **);
static int	 teardown(void **);
static const struct list_def *list(struct fx *, const char *);
static struct write_req *mkput(struct fx *, const char *, const char *,
		    const char *, const char *);
static struct write_req *mkremove(struct fx *, const char *, const char *,
		    const char *);
static void	 if_version(struct write_req *, uint64_t);
static int	 apply(struct fx *, struct write_req *);
static void	 head(struct fx *, uint64_t *, uint8_t[STORE_HASH_LEN]);
static int	 load(struct fx *, uint64_t, msgpack_unpacked *,
		    struct record *);
static int	 find_hit(struct fx *, const char *, const char *,
		    struct summary_hit *);
static int	 current(struct fx *, const char *, const char *, uint64_t,
		    msgpack_unpacked *, struct record *);
static int	 version_seq(struct fx *, const char *, const char *,
		    uint64_t, uint64_t *);
static size_t	 nversions(struct fx *);
static void	 version_rec(struct fx *, const char *, const char *,
		    uint64_t, msgpack_unpacked *, struct record *);
static void	 change(struct fx *, uint64_t, struct got_change *);
static void	 expect_hash(const struct got_change *);
static int	 hits(struct fx *, const char *, struct summary_hit *, int);
static void	 expect_hit(const struct summary_hit *, const char *,
		    unsigned, const char *, uint32_t, uint64_t);
static void	 snapshot(struct fx *, msgpack_sbuffer *);
static void	 expect_refused(struct fx *, struct write_req *, enum qc_err,
		    const char *);
static void	 expect_field(const struct record *, const char *,
		    const char *);
static void	 put_accepted(struct fx *, const char *, const char *,
		    const char *, uint64_t, uint64_t);
static void	 expect_first_put(struct fx *, uint8_t[STORE_HASH_LEN]);
static void	 expect_second_put(struct fx *,
		    const uint8_t[STORE_HASH_LEN]);
static int32_t	 day(const char *);
static void	 route_cb(struct write_result *);
static void	 route_wait(int);
static void	 route_clear(void);

static int
setup(void **state)
{
	struct fx	*fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL ||
	    (fx->cfg = tl_config(conf_text)) == NULL ||
	    tl_tmpdir(fx->dir, sizeof(fx->dir), "writer") == -1)
		return -1;
	snprintf(fx->cfg->data_dir, sizeof(fx->cfg->data_dir), "%s",
	    fx->dir);
	if (store_open(&fx->st, fx->dir, 16 * 1024 * 1024, 8) == -1)
		return -1;
	msgpack_sbuffer_init(&fx->scratch);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;
	char		 p[512];

	route_clear();
	msgpack_sbuffer_destroy(&fx->scratch);
	store_close(&fx->st);
	snprintf(p, sizeof(p), "%s/data.mdb", fx->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", fx->dir);
	unlink(p);
	rmdir(fx->dir);
	config_free(fx->cfg);
	free(fx);
	return 0;
}

static const struct list_def *
list(struct fx *fx, const char *name)
{
	int	 i = config_list_index(fx->cfg, name, strlen(name));

	assert_int_not_equal(i, -1);
	return &fx->cfg->lists[i];
}

static int32_t
day(const char *s)
{
	int32_t	 d;

	assert_int_equal(qc_date_parse(s, strlen(s), &d), 0);
	return d;
}

/*
 * A put of {name, grade?, valid_from?} as fields_prepare leaves it: the
 * fields in schema order, the hash payload sorted by name, the summary's
 * grade and dates.
 */
static struct write_req *
mkput(struct fx *fx, const char *lname, const char *subject,
    const char *name, const char *grade)
{
	const struct list_def	*l = list(fx, lname);
	struct write_req	*wr;
	msgpack_packer		 pk;

	assert_non_null(wr = write_req_new());
	wr->wr_op = WR_PUT;
	wr->wr_list = l;
	snprintf(wr->wr_subject, sizeof(wr->wr_subject), "%s", subject);
	snprintf(wr->wr_principal, sizeof(wr->wr_principal), "%s", WHO);
	msgpack_packer_init(&pk, &wr->wr_fields, msgpack_sbuffer_write);
	assert_int_equal(msgpack_pack_map(&pk, grade != NULL ? 3 : 1), 0);
	assert_int_equal(qc_pack_kv_str(&pk, "name", name), 0);
	wr->wr_start = DATE_NONE_START;
	wr->wr_end = DATE_NONE_END;
	if (grade != NULL) {
		assert_int_equal(qc_pack_kv_str(&pk, "grade", grade), 0);
		assert_int_equal(qc_pack_kv_str(&pk, "valid_from",
		    "2024-01-01"), 0);
		snprintf(wr->wr_grade, sizeof(wr->wr_grade), "%s", grade);
		wr->wr_start = day("2024-01-01");
	}
	return wr;
}

static struct write_req *
mkremove(struct fx *fx, const char *lname, const char *subject,
    const char *reason)
{
	struct write_req	*wr;

	assert_non_null(wr = write_req_new());
	wr->wr_op = WR_REMOVE;
	wr->wr_list = list(fx, lname);
	snprintf(wr->wr_subject, sizeof(wr->wr_subject), "%s", subject);
	snprintf(wr->wr_principal, sizeof(wr->wr_principal), "%s", WHO);
	assert_non_null(wr->wr_reason = strdup(reason));
	wr->wr_reason_len = strlen(reason);
	return wr;
}

static void
if_version(struct write_req *wr, uint64_t v)
{
	wr->wr_has_if = 1;
	wr->wr_if_version = v;
}

/*
 * One write as a batch of its own, as writer_commit runs it: from the
 * committed head, apply, store the new head, commit. Returns the LMDB
 * code; the write's fault says whether it was refused.
 */
static int
apply(struct fx *fx, struct write_req *wr)
{
	struct chain	 ch, before;
	MDB_txn		*txn;
	int		 rc;

	head(fx, &ch.ch_seq, ch.ch_hash);
	before = ch;
	assert_int_equal(mdb_txn_begin(fx->st.s_env, NULL, 0, &txn), 0);
	wr->wr_res.wres_fault.f_code = QC_OK;
	rc = writer_apply(&fx->st, txn, fx->cfg, wr, &ch, &fx->scratch);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if (wr->wr_res.wres_fault.f_code != QC_OK) {
		/* Refused: the chain has not moved. */
		assert_true(ch.ch_seq == before.ch_seq);
		assert_memory_equal(ch.ch_hash, before.ch_hash,
		    STORE_HASH_LEN);
	} else {
		assert_true(ch.ch_seq == before.ch_seq + 1);
		assert_true(wr->wr_res.wres_seq == ch.ch_seq);
		assert_int_equal(store_set_head(&fx->st, txn, ch.ch_seq,
		    ch.ch_hash), 0);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	return 0;
}

/* The committed head of the change log. */
static void
head(struct fx *fx, uint64_t *seq, uint8_t hash[STORE_HASH_LEN])
{
	MDB_txn	*txn;

	assert_int_equal(mdb_txn_begin(fx->st.s_env, NULL, MDB_RDONLY, &txn),
	    0);
	assert_int_equal(store_head(&fx->st, txn, seq, hash), 0);
	mdb_txn_abort(txn);
}

/*
 * The change record of seq, loaded from a copy (the read transaction
 * ends here; a few copies live at once): -1 if there is none, else 0
 * (the caller destroys up).
 */
static int
load(struct fx *fx, uint64_t seq, msgpack_unpacked *up, struct record *r)
{
	static char	 copies[4][4096];
	static unsigned	 next;
	char		*copy = copies[next++ % 4];
	uint8_t		 key[8];
	MDB_txn		*txn;
	MDB_val		 k, v;
	int		 rc;

	store_key_seq(key, seq);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	assert_int_equal(mdb_txn_begin(fx->st.s_env, NULL, MDB_RDONLY, &txn),
	    0);
	if ((rc = mdb_get(txn, fx->st.s_changes, &k, &v)) == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		msgpack_unpacked_init(up);
		return -1;
	}
	assert_int_equal(rc, 0);
	assert_true(v.mv_size <= sizeof(copies[0]));
	memcpy(copy, v.mv_data, v.mv_size);
	v.mv_data = copy;
	mdb_txn_abort(txn);
	assert_int_equal(record_load(&v, seq, up, r), 0);
	assert_true(r->r_seq == seq);
	return 0;
}

/* The summary hit of subject on lname: 1, or 0 if there is none. */
static int
find_hit(struct fx *fx, const char *subject, const char *lname,
    struct summary_hit *out)
{
	struct summary_hit	 h[CFG_MAX_LISTS];
	int			 i, n;

	if ((n = hits(fx, subject, h, CFG_MAX_LISTS)) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (h[i].h_list_len == strlen(lname) &&
		    memcmp(h[i].h_list, lname, h[i].h_list_len) == 0) {
			*out = h[i];
			return 1;
		}
	return 0;
}

/*
 * The current record of subject on lname, through the summary: -1 if
 * there is none; else 0, with the version checked in the summary and in
 * the record, the two checked against each other, and the version
 * checked absent from `versions` (the caller destroys up).
 */
static int
current(struct fx *fx, const char *lname, const char *subject,
    uint64_t version, msgpack_unpacked *up, struct record *r)
{
	struct summary_hit	 h;
	uint64_t		 seq;

	if (!find_hit(fx, subject, lname, &h))
		return -1;
	assert_true(h.h_version == version);
	assert_int_equal(load(fx, h.h_seq, up, r), 0);
	assert_true(r->r_version == version);
	assert_int_equal(r->r_removed, (h.h_flags & SUMMARY_REMOVED) != 0);
	assert_int_equal(r->r_list_len, strlen(lname));
	assert_memory_equal(r->r_list, lname, r->r_list_len);
	assert_int_equal(r->r_subject_len, strlen(subject));
	assert_memory_equal(r->r_subject, subject, r->r_subject_len);
	/* The newest version is found through the summary only. */
	assert_int_equal(version_seq(fx, subject, lname, version, &seq), -1);
	return 0;
}

/*
 * The seq that `versions` holds for (subject, lname, version): 0, or -1
 * if it holds none.
 */
static int
version_seq(struct fx *fx, const char *subject, const char *lname,
    uint64_t version, uint64_t *seq)
{
	uint8_t		 key[STORE_KEY_MAX];
	MDB_txn		*txn;
	MDB_val		 k, v;
	int		 rc;

	k.mv_data = key;
	assert_int_not_equal(k.mv_size = store_key_version(key, subject,
	    lname, (uint32_t)version), 0);
	assert_int_equal(mdb_txn_begin(fx->st.s_env, NULL, MDB_RDONLY, &txn),
	    0);
	if ((rc = mdb_get(txn, fx->st.s_versions, &k, &v)) == 0) {
		assert_int_equal(v.mv_size, 8);
		*seq = store_seq_from_key(&v);
	}
	mdb_txn_abort(txn);
	if (rc == MDB_NOTFOUND)
		return -1;
	assert_int_equal(rc, 0);
	return 0;
}

/* How many keys `versions` holds (one per replaced version). */
static size_t
nversions(struct fx *fx)
{
	MDB_txn		*txn;
	MDB_stat	 ms;

	assert_int_equal(mdb_txn_begin(fx->st.s_env, NULL, MDB_RDONLY, &txn),
	    0);
	assert_int_equal(mdb_stat(txn, fx->st.s_versions, &ms), 0);
	mdb_txn_abort(txn);
	return ms.ms_entries;
}

/* A replaced version, through `versions` (the caller destroys up). */
static void
version_rec(struct fx *fx, const char *lname, const char *subject,
    uint64_t version, msgpack_unpacked *up, struct record *r)
{
	uint64_t	 seq;

	assert_int_equal(version_seq(fx, subject, lname, version, &seq), 0);
	assert_int_equal(load(fx, seq, up, r), 0);
	assert_true(r->r_version == version);
	assert_int_equal(r->r_list_len, strlen(lname));
	assert_memory_equal(r->r_list, lname, r->r_list_len);
	assert_int_equal(r->r_subject_len, strlen(subject));
	assert_memory_equal(r->r_subject, subject, r->r_subject_len);
}

/* Reads the change record of seq, and the hash of the one before. */
static void
change(struct fx *fx, uint64_t seq, struct got_change *c)
{
	msgpack_unpacked	 up;
	struct record		 r;

	memset(c, 0, sizeof(*c));
	if (seq > 1) {
		assert_int_equal(load(fx, seq - 1, &up, &r), 0);
		memcpy(c->prev, r.r_hash, STORE_HASH_LEN);
		msgpack_unpacked_destroy(&up);
	}
	assert_int_equal(load(fx, seq, &up, &r), 0);
	c->seq = r.r_seq;
	c->at = r.r_at;
	c->version = r.r_version;
	snprintf(c->op, sizeof(c->op), "%s", r.r_removed ? "remove" : "put");
	assert_true(r.r_list_len < sizeof(c->list));
	memcpy(c->list, r.r_list, r.r_list_len);
	assert_true(r.r_subject_len < sizeof(c->subject));
	memcpy(c->subject, r.r_subject, r.r_subject_len);
	assert_true(r.r_by_len < sizeof(c->principal));
	memcpy(c->principal, r.r_by, r.r_by_len);
	if (r.r_reason != NULL) {
		assert_true(r.r_reason_len < sizeof(c->reason));
		memcpy(c->reason, r.r_reason, r.r_reason_len);
		c->has_reason = 1;
	}
	memcpy(c->hash, r.r_hash, STORE_HASH_LEN);
	assert_int_equal(record_rehash(c->prev, &r, c->rehash), 0);
	msgpack_unpacked_destroy(&up);
	assert_true(c->seq == seq);
}

/*
 * The stored hash is the chain hash of PROTOCOL.md 4.4 over the record's
 * parts and the hash before it (test_record checks record_hash against
 * an independent implementation).
 */
static void
expect_hash(const struct got_change *c)
{
	assert_memory_equal(c->hash, c->rehash, STORE_HASH_LEN);
}

/*
 * The subject's summary hits (at most max, copied out of the txn: list
 * and grade point into a static buffer); -1 if it has no summary.
 */
static int
hits(struct fx *fx, const char *subject, struct summary_hit *h, int max)
{
	static uint8_t	 copy[4096];
	const uint8_t	*p, *end;
	MDB_txn		*txn;
	MDB_val		 k, v;
	int		 n = 0, rc;

	k.mv_data = (void *)subject;
	k.mv_size = strlen(subject);
	assert_int_equal(mdb_txn_begin(fx->st.s_env, NULL, MDB_RDONLY, &txn),
	    0);
	if ((rc = mdb_get(txn, fx->st.s_summary, &k, &v)) == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return -1;
	}
	assert_int_equal(rc, 0);
	assert_true(v.mv_size <= sizeof(copy));
	memcpy(copy, v.mv_data, v.mv_size);
	mdb_txn_abort(txn);
	/* A subject with a summary is in check's filter. */
	assert_true(filter_maybe(&fx->st.s_filter, subject, strlen(subject)));
	p = copy;
	end = copy + v.mv_size;
	while ((rc = summary_next(&p, end, &h[n])) == 1)
		assert_true(++n <= max);
	assert_int_equal(rc, 0);
	/* Never empty: entries stay, removed ones flagged. */
	assert_true(n > 0);
	return n;
}

/* A hit is of list, flags, grade (NULL: none), version and seq. */
static void
expect_hit(const struct summary_hit *h, const char *lname, unsigned flags,
    const char *grade, uint32_t version, uint64_t seq)
{
	assert_int_equal(h->h_list_len, strlen(lname));
	assert_memory_equal(h->h_list, lname, h->h_list_len);
	assert_int_equal(h->h_flags, flags);
	if (grade == NULL) {
		assert_null(h->h_grade);
		assert_int_equal(h->h_grade_len, 0);
	} else {
		assert_int_equal(h->h_grade_len, strlen(grade));
		assert_memory_equal(h->h_grade, grade, h->h_grade_len);
	}
	assert_int_equal(h->h_version, version);
	assert_true(h->h_seq == seq);
}

/* Every key and value of every database, in order, into sb. */
static void
snapshot(struct fx *fx, msgpack_sbuffer *sb)
{
	MDB_dbi		 dbis[4] = { fx->st.s_versions, fx->st.s_changes,
			    fx->st.s_summary, fx->st.s_meta };
	MDB_cursor	*cur;
	MDB_txn		*txn;
	MDB_val		 k, v;
	size_t		 i;
	int		 rc;

	msgpack_sbuffer_init(sb);
	assert_int_equal(mdb_txn_begin(fx->st.s_env, NULL, MDB_RDONLY, &txn),
	    0);
	for (i = 0; i < sizeof(dbis) / sizeof(dbis[0]); i++) {
		assert_int_equal(mdb_cursor_open(txn, dbis[i], &cur), 0);
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			assert_int_equal(msgpack_sbuffer_write(sb,
			    (char *)&k.mv_size, sizeof(k.mv_size)), 0);
			assert_int_equal(msgpack_sbuffer_write(sb, k.mv_data,
			    k.mv_size), 0);
			assert_int_equal(msgpack_sbuffer_write(sb,
			    (char *)&v.mv_size, sizeof(v.mv_size)), 0);
			assert_int_equal(msgpack_sbuffer_write(sb, v.mv_data,
			    v.mv_size), 0);
		}
		assert_int_equal(rc, MDB_NOTFOUND);
		mdb_cursor_close(cur);
		assert_int_equal(msgpack_sbuffer_write(sb, "|", 1), 0);
	}
	mdb_txn_abort(txn);
}

/*
 * The write is refused with code and exactly msg, and the store (every
 * database, the head of the change log included) is as it was.
 */
static void
expect_refused(struct fx *fx, struct write_req *wr, enum qc_err code,
    const char *msg)
{
	msgpack_sbuffer	 before, after;
	uint8_t		 h0[STORE_HASH_LEN], h1[STORE_HASH_LEN];
	uint64_t	 s0, s1;

	snapshot(fx, &before);
	head(fx, &s0, h0);
	assert_int_equal(apply(fx, wr), 0);
	if (wr->wr_res.wres_fault.f_code == QC_OK)
		fail_msg("accepted, expected: %s", msg);
	assert_int_equal(wr->wr_res.wres_fault.f_code, code);
	assert_string_equal(wr->wr_res.wres_fault.f_msg, msg);
	assert_true(wr->wr_res.wres_version == 0);
	assert_true(wr->wr_res.wres_seq == 0);
	head(fx, &s1, h1);
	assert_true(s0 == s1);
	assert_memory_equal(h0, h1, STORE_HASH_LEN);
	snapshot(fx, &after);
	assert_int_equal(before.size, after.size);
	assert_memory_equal(before.data, after.data, before.size);
	msgpack_sbuffer_destroy(&before);
	msgpack_sbuffer_destroy(&after);
	write_req_free(wr);
}

static void
expect_field(const struct record *r, const char *name, const char *val)
{
	const msgpack_object	*o = qc_map_get(r->r_fields, name);

	if (o == NULL || !qc_obj_streq(o, val))
		fail_msg("field %s is not '%s'", name, val);
}

/* A put of name and grade to credit, accepted as version, at seq. */
static void
put_accepted(struct fx *fx, const char *subject, const char *name,
    const char *grade, uint64_t version, uint64_t seq)
{
	struct write_req	*wr;

	wr = mkput(fx, "credit", subject, name, grade);
	assert_int_equal(apply(fx, wr), 0);
	assert_int_equal(wr->wr_res.wres_fault.f_code, QC_OK);
	assert_true(wr->wr_res.wres_version == version);
	assert_true(wr->wr_res.wres_seq == seq);
	write_req_free(wr);
}

/*
 * After the first put (grade B): the head at seq 1, its change record
 * chained to nothing, the current record through the summary, and
 * nothing in `versions`. h1 gets the head's hash.
 */
static void
expect_first_put(struct fx *fx, uint8_t h1[STORE_HASH_LEN])
{
	static const uint8_t	 zero[STORE_HASH_LEN];
	struct summary_hit	 hit[4];
	msgpack_unpacked	 up;
	struct record		 r;
	struct got_change		 c;
	uint64_t		 seq;

	head(fx, &seq, h1);
	assert_true(seq == 1);
	assert_memory_not_equal(h1, zero, STORE_HASH_LEN);
	change(fx, 1, &c);
	assert_string_equal(c.op, "put");
	assert_string_equal(c.list, "credit");
	assert_string_equal(c.subject, USCC);
	assert_string_equal(c.principal, WHO);
	assert_true(c.version == 1);
	assert_false(c.has_reason);
	assert_memory_equal(c.prev, zero, STORE_HASH_LEN);
	assert_memory_equal(c.hash, h1, STORE_HASH_LEN);
	expect_hash(&c);

	assert_int_equal(current(fx, "credit", USCC, 1, &up, &r), 0);
	assert_false(r.r_removed);
	assert_true(r.r_seq == 1);
	assert_true(r.r_at == c.at);
	assert_int_equal(r.r_by_len, strlen(WHO));
	assert_memory_equal(r.r_by, WHO, r.r_by_len);
	assert_null(r.r_reason);
	assert_memory_equal(r.r_hash, h1, STORE_HASH_LEN);
	/* The fields as the request gave them, in its order. */
	assert_int_equal(r.r_fields->via.map.size, 3);
	assert_true(qc_obj_streq(&r.r_fields->via.map.ptr[0].key, "name"));
	expect_field(&r, "grade", "B");
	expect_field(&r, "name", "某某公司");
	expect_field(&r, "valid_from", "2024-01-01");
	msgpack_unpacked_destroy(&up);
	/* Not on tourism; no older version of anything. */
	assert_int_equal(current(fx, "tourism", USCC, 1, &up, &r), -1);
	assert_int_equal(nversions(fx), 0);

	assert_int_equal(hits(fx, USCC, hit, 4), 1);
	expect_hit(&hit[0], "credit", 0, "B", 1, 1);
	assert_int_equal(hit[0].h_start, day("2024-01-01"));
	assert_int_equal(hit[0].h_end, DATE_NONE_END);
}

/*
 * After the second put (grade A): the head at seq 2, its change record
 * chained to h1, version 2 current, version 1 kept as it was and pointed
 * at by `versions` (and only it), the summary's grade changed.
 */
static void
expect_second_put(struct fx *fx, const uint8_t h1[STORE_HASH_LEN])
{
	uint8_t			 h[STORE_HASH_LEN];
	struct summary_hit	 hit[4];
	msgpack_unpacked	 up;
	struct record		 r;
	struct got_change		 c;
	uint64_t		 seq;

	head(fx, &seq, h);
	assert_true(seq == 2);
	assert_memory_not_equal(h, h1, STORE_HASH_LEN);
	change(fx, 2, &c);
	assert_true(c.version == 2);
	assert_memory_equal(c.prev, h1, STORE_HASH_LEN);
	assert_memory_equal(c.hash, h, STORE_HASH_LEN);
	expect_hash(&c);

	assert_int_equal(current(fx, "credit", USCC, 2, &up, &r), 0);
	expect_field(&r, "grade", "A");
	assert_true(r.r_seq == 2);
	msgpack_unpacked_destroy(&up);
	/* Version 1 is kept as it was, at its own seq. */
	assert_int_equal(version_seq(fx, USCC, "credit", 1, &seq), 0);
	assert_true(seq == 1);
	version_rec(fx, "credit", USCC, 1, &up, &r);
	expect_field(&r, "grade", "B");
	assert_true(r.r_seq == 1);
	assert_memory_equal(r.r_hash, h1, STORE_HASH_LEN);
	msgpack_unpacked_destroy(&up);
	/* `versions` holds the replaced version only. */
	assert_int_equal(version_seq(fx, USCC, "credit", 2, &seq), -1);
	assert_int_equal(nversions(fx), 1);

	assert_int_equal(hits(fx, USCC, hit, 4), 1);
	expect_hit(&hit[0], "credit", 0, "A", 2, 2);
}

/* Two puts: versions 1 and 2, seq 1 and 2, a chain that moves. */
static void
test_put(void **state)
{
	struct fx		*fx = *state;
	static const uint8_t	 zero[STORE_HASH_LEN];
	uint8_t			 h[STORE_HASH_LEN], h1[STORE_HASH_LEN];
	struct summary_hit	 hit[4];
	msgpack_unpacked	 up;
	struct record		 r;
	struct got_change		 c;
	uint64_t		 seq;

	head(fx, &seq, h);
	assert_true(seq == 0);
	assert_memory_equal(h, zero, STORE_HASH_LEN);
	assert_int_equal(current(fx, "credit", USCC, 0, &up, &r), -1);
	assert_int_equal(hits(fx, USCC, hit, 4), -1);

	put_accepted(fx, USCC, "某某公司", "B", 1, 1);
	expect_first_put(fx, h1);
	/* The second put: version 2, chained to the first. */
	put_accepted(fx, USCC, "某某公司", "A", 2, 2);
	expect_second_put(fx, h1);
	/* Another subject starts at version 1; seq goes on. */
	put_accepted(fx, USCC2, "乙公司", "C", 1, 3);
	head(fx, &seq, h);
	change(fx, 3, &c);
	assert_string_equal(c.subject, USCC2);
	assert_memory_equal(c.hash, h, STORE_HASH_LEN);
	expect_hash(&c);
	assert_int_equal(hits(fx, USCC2, hit, 4), 1);
	expect_hit(&hit[0], "credit", 0, "C", 1, 3);
	/* A subject that extends another's name is not mixed with it. */
	assert_int_equal(hits(fx, USCC, hit, 4), 1);
	expect_hit(&hit[0], "credit", 0, "A", 2, 2);
	assert_int_equal(nversions(fx), 1);
	/* A third version: both older ones are in `versions`. */
	put_accepted(fx, USCC, "某某公司", "D", 3, 4);
	assert_int_equal(version_seq(fx, USCC, "credit", 2, &seq), 0);
	assert_true(seq == 2);
	assert_int_equal(version_seq(fx, USCC, "credit", 1, &seq), 0);
	assert_true(seq == 1);
	assert_int_equal(nversions(fx), 2);
	assert_int_equal(current(fx, "credit", USCC, 3, &up, &r), 0);
	expect_field(&r, "grade", "D");
	msgpack_unpacked_destroy(&up);
}

/* if_version: n must be the newest version; 0 that there is none. */
static void
test_if_version(void **state)
{
	struct fx		*fx = *state;
	struct write_req	*wr;

	/* 5 where there is nothing. */
	wr = mkput(fx, "credit", USCC, "甲", "B");
	if_version(wr, 5);
	expect_refused(fx, wr, QC_E_CONFLICT, "entry is at version 0, not 5");

	wr = mkput(fx, "credit", USCC, "甲", "B");
	if_version(wr, 0);
	assert_int_equal(apply(fx, wr), 0);
	assert_int_equal(wr->wr_res.wres_fault.f_code, QC_OK);
	assert_true(wr->wr_res.wres_version == 1);
	write_req_free(wr);

	wr = mkput(fx, "credit", USCC, "甲", "C");
	if_version(wr, 0);
	expect_refused(fx, wr, QC_E_CONFLICT, "entry exists at version 1");

	wr = mkput(fx, "credit", USCC, "甲", "C");
	if_version(wr, 1);
	assert_int_equal(apply(fx, wr), 0);
	assert_int_equal(wr->wr_res.wres_fault.f_code, QC_OK);
	assert_true(wr->wr_res.wres_version == 2);
	write_req_free(wr);

	wr = mkput(fx, "credit", USCC, "甲", "D");
	if_version(wr, 1);
	expect_refused(fx, wr, QC_E_CONFLICT, "entry is at version 2, not 1");
	wr = mkput(fx, "credit", USCC, "甲", "D");
	if_version(wr, 3);
	expect_refused(fx, wr, QC_E_CONFLICT, "entry is at version 2, not 3");
	wr = mkremove(fx, "credit", USCC, "整改");
	if_version(wr, 1);
	expect_refused(fx, wr, QC_E_CONFLICT, "entry is at version 2, not 1");
	wr = mkremove(fx, "credit", USCC, "整改");
	if_version(wr, 0);
	expect_refused(fx, wr, QC_E_CONFLICT, "entry exists at version 2");

	/* Versions are per list: the same subject on tourism is new. */
	wr = mkput(fx, "tourism", USCC, "甲", NULL);
	if_version(wr, 0);
	assert_int_equal(apply(fx, wr), 0);
	assert_int_equal(wr->wr_res.wres_fault.f_code, QC_OK);
	assert_true(wr->wr_res.wres_version == 1);
	assert_true(wr->wr_res.wres_seq == 3);
	write_req_free(wr);

	/* A removed entry still has its version: if_version counts it. */
	wr = mkremove(fx, "tourism", USCC, "r");
	if_version(wr, 1);
	assert_int_equal(apply(fx, wr), 0);
	assert_int_equal(wr->wr_res.wres_fault.f_code, QC_OK);
	assert_true(wr->wr_res.wres_version == 2);
	write_req_free(wr);
	wr = mkput(fx, "tourism", USCC, "甲", NULL);
	if_version(wr, 0);
	expect_refused(fx, wr, QC_E_CONFLICT, "entry exists at version 2");
	wr = mkput(fx, "tourism", USCC, "甲", NULL);
	if_version(wr, 1);
	expect_refused(fx, wr, QC_E_CONFLICT, "entry is at version 2, not 1");
	wr = mkput(fx, "tourism", USCC, "甲", NULL);
	if_version(wr, 2);
	assert_int_equal(apply(fx, wr), 0);
	assert_int_equal(wr->wr_res.wres_fault.f_code, QC_OK);
	assert_true(wr->wr_res.wres_version == 3);
	assert_true(wr->wr_res.wres_seq == 5);
	write_req_free(wr);
}

/*
 * remove: not_found, then a new version keeping the fields (and in the
 * summary the grade and dates) of the version it removes, flagged
 * removed, then conflict; a put lists it again.
 */
static void
test_remove(void **state)
{
	struct fx		*fx = *state;
	struct write_req	*wr;
	struct summary_hit	 hit[4];
	msgpack_unpacked	 up;
	struct record		 r;
	struct got_change		 c;
	uint8_t			 h[STORE_HASH_LEN], h1[STORE_HASH_LEN];
	uint64_t		 seq;

	wr = mkremove(fx, "credit", USCC, "整改");
	expect_refused(fx, wr, QC_E_NOT_FOUND,
	    "no entry for " USCC " on list credit");

	wr = mkput(fx, "credit", USCC, "甲公司", "D");
	assert_int_equal(apply(fx, wr), 0);
	write_req_free(wr);
	assert_int_equal(hits(fx, USCC, hit, 4), 1);
	head(fx, &seq, h1);

	wr = mkremove(fx, "credit", USCC, "信用修复：已完成整改");
	if_version(wr, 1);
	assert_int_equal(apply(fx, wr), 0);
	assert_int_equal(wr->wr_res.wres_fault.f_code, QC_OK);
	assert_true(wr->wr_res.wres_version == 2);
	assert_true(wr->wr_res.wres_seq == 2);
	write_req_free(wr);

	assert_int_equal(current(fx, "credit", USCC, 2, &up, &r), 0);
	assert_true(r.r_removed);
	assert_true(r.r_seq == 2);
	/* The fields of the version it removes. */
	expect_field(&r, "name", "甲公司");
	expect_field(&r, "grade", "D");
	expect_field(&r, "valid_from", "2024-01-01");
	assert_int_equal(r.r_fields->via.map.size, 3);
	assert_non_null(r.r_reason);
	assert_int_equal(r.r_reason_len, strlen("信用修复：已完成整改"));
	assert_memory_equal(r.r_reason, "信用修复：已完成整改", r.r_reason_len);
	msgpack_unpacked_destroy(&up);
	/* The removed version is a replaced one now. */
	version_rec(fx, "credit", USCC, 1, &up, &r);
	assert_false(r.r_removed);
	assert_true(r.r_seq == 1);
	expect_field(&r, "grade", "D");
	msgpack_unpacked_destroy(&up);
	assert_int_equal(nversions(fx), 1);

	head(fx, &seq, h);
	assert_true(seq == 2);
	change(fx, 2, &c);
	assert_string_equal(c.op, "remove");
	assert_true(c.version == 2);
	assert_true(c.has_reason);
	assert_string_equal(c.reason, "信用修复：已完成整改");
	assert_memory_equal(c.prev, h1, STORE_HASH_LEN);
	assert_memory_equal(c.hash, h, STORE_HASH_LEN);
	expect_hash(&c);

	/*
	 * Off the only list it was on, the summary keeps the entry, flagged
	 * removed, with the grade and dates of the version it removed.
	 */
	assert_int_equal(hits(fx, USCC, hit, 4), 1);
	expect_hit(&hit[0], "credit", SUMMARY_REMOVED, "D", 2, 2);
	assert_int_equal(hit[0].h_start, day("2024-01-01"));
	assert_int_equal(hit[0].h_end, DATE_NONE_END);

	wr = mkremove(fx, "credit", USCC, "again");
	expect_refused(fx, wr, QC_E_CONFLICT, "already removed");
	wr = mkremove(fx, "credit", USCC, "again");
	if_version(wr, 2);
	expect_refused(fx, wr, QC_E_CONFLICT, "already removed");
	wr = mkremove(fx, "tourism", USCC, "never listed there");
	expect_refused(fx, wr, QC_E_NOT_FOUND,
	    "no entry for " USCC " on list tourism");

	/* A put lists it again. */
	wr = mkput(fx, "credit", USCC, "甲公司", "A");
	assert_int_equal(apply(fx, wr), 0);
	assert_int_equal(wr->wr_res.wres_fault.f_code, QC_OK);
	assert_true(wr->wr_res.wres_version == 3);
	assert_true(wr->wr_res.wres_seq == 3);
	write_req_free(wr);
	assert_int_equal(current(fx, "credit", USCC, 3, &up, &r), 0);
	assert_false(r.r_removed);
	assert_null(r.r_reason);
	expect_field(&r, "grade", "A");
	msgpack_unpacked_destroy(&up);
	assert_int_equal(hits(fx, USCC, hit, 4), 1);
	expect_hit(&hit[0], "credit", 0, "A", 3, 3);
	/* The removal is a replaced version too, kept as it was. */
	version_rec(fx, "credit", USCC, 2, &up, &r);
	assert_true(r.r_removed);
	assert_true(r.r_seq == 2);
	expect_field(&r, "grade", "D");
	msgpack_unpacked_destroy(&up);
	assert_int_equal(nversions(fx), 2);

	/* A second removal repeats the fields of version 3, not 1. */
	wr = mkremove(fx, "credit", USCC, "二次");
	assert_int_equal(apply(fx, wr), 0);
	assert_int_equal(wr->wr_res.wres_fault.f_code, QC_OK);
	assert_true(wr->wr_res.wres_version == 4);
	write_req_free(wr);
	assert_int_equal(current(fx, "credit", USCC, 4, &up, &r), 0);
	assert_true(r.r_removed);
	expect_field(&r, "grade", "A");
	msgpack_unpacked_destroy(&up);
	assert_int_equal(hits(fx, USCC, hit, 4), 1);
	expect_hit(&hit[0], "credit", SUMMARY_REMOVED, "A", 4, 4);
	assert_int_equal(nversions(fx), 3);
}

/*
 * The summary holds one hit per list the subject has an entry on,
 * removed entries included (flagged), each at its newest version.
 */
static void
test_summary(void **state)
{
	struct fx		*fx = *state;
	struct write_req	*wr;
	struct summary_hit	 hit[4];

	wr = mkput(fx, "credit", USCC, "甲", "B");
	assert_int_equal(apply(fx, wr), 0);
	write_req_free(wr);
	wr = mkput(fx, "tourism", USCC, "甲", NULL);
	assert_int_equal(apply(fx, wr), 0);
	write_req_free(wr);
	wr = mkput(fx, "tourism", USCC2, "乙", NULL);
	assert_int_equal(apply(fx, wr), 0);
	write_req_free(wr);

	assert_int_equal(hits(fx, USCC, hit, 4), 2);
	expect_hit(&hit[0], "credit", 0, "B", 1, 1);
	expect_hit(&hit[1], "tourism", 0, NULL, 1, 2);
	assert_int_equal(hit[1].h_start, DATE_NONE_START);
	assert_int_equal(hit[1].h_end, DATE_NONE_END);
	assert_int_equal(hits(fx, USCC2, hit, 4), 1);
	expect_hit(&hit[0], "tourism", 0, NULL, 1, 3);

	/* A newer version replaces its list's hit only. */
	wr = mkput(fx, "credit", USCC, "甲", "C");
	assert_int_equal(apply(fx, wr), 0);
	write_req_free(wr);
	assert_int_equal(hits(fx, USCC, hit, 4), 2);
	expect_hit(&hit[0], "tourism", 0, NULL, 1, 2);
	expect_hit(&hit[1], "credit", 0, "C", 2, 4);

	/* A removal keeps its hit, flagged, with the removed grade. */
	wr = mkremove(fx, "credit", USCC, "r");
	assert_int_equal(apply(fx, wr), 0);
	write_req_free(wr);
	assert_int_equal(hits(fx, USCC, hit, 4), 2);
	expect_hit(&hit[0], "tourism", 0, NULL, 1, 2);
	expect_hit(&hit[1], "credit", SUMMARY_REMOVED, "C", 3, 5);
	assert_int_equal(hit[1].h_start, day("2024-01-01"));

	wr = mkremove(fx, "tourism", USCC, "r");
	assert_int_equal(apply(fx, wr), 0);
	write_req_free(wr);
	/* Removed everywhere: the summary is still there, all flagged. */
	assert_int_equal(hits(fx, USCC, hit, 4), 2);
	expect_hit(&hit[0], "credit", SUMMARY_REMOVED, "C", 3, 5);
	expect_hit(&hit[1], "tourism", SUMMARY_REMOVED, NULL, 2, 6);
	/* The other subject is untouched. */
	assert_int_equal(hits(fx, USCC2, hit, 4), 1);
	expect_hit(&hit[0], "tourism", 0, NULL, 1, 3);
	/* Replaced: credit 1 and 2, tourism 1. */
	assert_int_equal(nversions(fx), 3);
}

/*
 * Several writes in one transaction, as writer_commit runs a batch: each
 * sees the ones before it (summary, versions, the change it removes),
 * the chain runs through them, and a refused one in the middle changes
 * nothing.
 */
static void
test_batch(void **state)
{
	struct fx		*fx = *state;
	struct write_req	*wr[5];
	struct summary_hit	 hit[4];
	struct chain		 ch;
	msgpack_unpacked	 up;
	struct record		 r;
	struct got_change		 c;
	MDB_txn			*txn;
	uint64_t		 seq;
	uint8_t			 h[STORE_HASH_LEN];
	int			 i;

	wr[0] = mkput(fx, "credit", USCC, "甲", "B");
	wr[1] = mkput(fx, "credit", USCC, "甲", "C");
	if_version(wr[1], 1);
	wr[2] = mkremove(fx, "credit", USCC, "批量");
	if_version(wr[2], 3);		/* refused: it is at 2 */
	wr[3] = mkremove(fx, "credit", USCC, "批量");
	wr[4] = mkput(fx, "tourism", USCC, "甲", NULL);
	head(fx, &ch.ch_seq, ch.ch_hash);
	assert_int_equal(mdb_txn_begin(fx->st.s_env, NULL, 0, &txn), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(writer_apply(&fx->st, txn, fx->cfg, wr[i], &ch,
		    &fx->scratch), 0);
	assert_int_equal(store_set_head(&fx->st, txn, ch.ch_seq, ch.ch_hash),
	    0);
	assert_int_equal(mdb_txn_commit(txn), 0);

	assert_int_equal(wr[0]->wr_res.wres_fault.f_code, QC_OK);
	assert_true(wr[0]->wr_res.wres_version == 1);
	assert_int_equal(wr[1]->wr_res.wres_fault.f_code, QC_OK);
	assert_true(wr[1]->wr_res.wres_version == 2);
	assert_int_equal(wr[2]->wr_res.wres_fault.f_code, QC_E_CONFLICT);
	assert_string_equal(wr[2]->wr_res.wres_fault.f_msg,
	    "entry is at version 2, not 3");
	assert_int_equal(wr[3]->wr_res.wres_fault.f_code, QC_OK);
	assert_true(wr[3]->wr_res.wres_version == 3);
	assert_true(wr[3]->wr_res.wres_seq == 3);
	assert_int_equal(wr[4]->wr_res.wres_fault.f_code, QC_OK);
	assert_true(wr[4]->wr_res.wres_seq == 4);
	for (i = 0; i < 5; i++)
		write_req_free(wr[i]);

	head(fx, &seq, h);
	assert_true(seq == 4);
	for (seq = 1; seq <= 4; seq++)
		change(fx, seq, &c);
	assert_memory_equal(c.hash, h, STORE_HASH_LEN);
	expect_hash(&c);
	change(fx, 3, &c);
	expect_hash(&c);

	/* The removal in the batch kept the fields of the put before it. */
	assert_int_equal(current(fx, "credit", USCC, 3, &up, &r), 0);
	assert_true(r.r_removed);
	expect_field(&r, "grade", "C");
	msgpack_unpacked_destroy(&up);
	version_rec(fx, "credit", USCC, 1, &up, &r);
	expect_field(&r, "grade", "B");
	msgpack_unpacked_destroy(&up);
	version_rec(fx, "credit", USCC, 2, &up, &r);
	expect_field(&r, "grade", "C");
	msgpack_unpacked_destroy(&up);
	assert_int_equal(nversions(fx), 2);
	assert_int_equal(hits(fx, USCC, hit, 4), 2);
	expect_hit(&hit[0], "credit", SUMMARY_REMOVED, "C", 3, 3);
	expect_hit(&hit[1], "tourism", 0, NULL, 1, 4);
}

/*
 * A store that contradicts itself is reported (MDB_CORRUPTED), not
 * written over: a summary cut short, and one that points at a change
 * record that is not there.
 */
static void
test_corrupt_store(void **state)
{
	struct fx		*fx = *state;
	struct summary_hit	 h;
	struct write_req	*wr;
	msgpack_sbuffer		 before, after;
	uint8_t			 buf[SUMMARY_ITEM_MAX];
	MDB_txn			*txn;
	MDB_val			 k, v;
	long			 n;

	/* credit at version 1, seq 42: there is no change record 42 */
	memset(&h, 0, sizeof(h));
	h.h_list = "credit";
	h.h_list_len = 6;
	h.h_grade = "B";
	h.h_grade_len = 1;
	h.h_start = DATE_NONE_START;
	h.h_end = DATE_NONE_END;
	h.h_version = 1;
	h.h_seq = 42;
	assert_true((n = summary_update(buf, sizeof(buf), NULL, 0, "credit",
	    &h)) > 0);
	k.mv_data = USCC;
	k.mv_size = strlen(USCC);
	v.mv_data = buf;
	v.mv_size = (size_t)n;
	assert_int_equal(mdb_txn_begin(fx->st.s_env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_put(txn, fx->st.s_summary, &k, &v, 0), 0);
	k.mv_data = USCC2;
	k.mv_size = strlen(USCC2);
	v.mv_size = (size_t)n - 1;
	assert_int_equal(mdb_put(txn, fx->st.s_summary, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);

	snapshot(fx, &before);
	wr = mkremove(fx, "credit", USCC, "r");
	assert_int_equal(apply(fx, wr), MDB_CORRUPTED);
	write_req_free(wr);
	wr = mkput(fx, "credit", USCC2, "乙", "A");
	assert_int_equal(apply(fx, wr), MDB_CORRUPTED);
	write_req_free(wr);
	/* Even a write to another list reads the whole summary. */
	wr = mkput(fx, "tourism", USCC2, "乙", NULL);
	assert_int_equal(apply(fx, wr), MDB_CORRUPTED);
	write_req_free(wr);
	snapshot(fx, &after);
	assert_int_equal(before.size, after.size);
	assert_memory_equal(before.data, after.data, before.size);
	msgpack_sbuffer_destroy(&before);
	msgpack_sbuffer_destroy(&after);
}

/* A storage error is returned, not recorded as a refusal. */
static void
test_storage_error(void **state)
{
	struct fx		*fx = *state;
	struct write_req	*wr;
	struct chain		 ch;
	MDB_txn			*txn;

	memset(&ch, 0, sizeof(ch));
	wr = mkput(fx, "credit", USCC, "甲", "B");
	assert_int_equal(mdb_txn_begin(fx->st.s_env, NULL, MDB_RDONLY, &txn),
	    0);
	assert_int_equal(writer_apply(&fx->st, txn, fx->cfg, wr, &ch,
	    &fx->scratch),
	    EACCES);
	mdb_txn_abort(txn);
	assert_int_equal(wr->wr_res.wres_fault.f_code, QC_OK);
	assert_true(ch.ch_seq == 0);
	write_req_free(wr);
}

static void
route_cb(struct write_result *res)
{
	pthread_mutex_lock(&routed.mtx);
	assert_true(routed.n < 8);
	routed.res[routed.n++] = res;
	pthread_cond_signal(&routed.cond);
	pthread_mutex_unlock(&routed.mtx);
}

/* Until n results have been routed back. */
static void
route_wait(int n)
{
	pthread_mutex_lock(&routed.mtx);
	while (routed.n < n)
		pthread_cond_wait(&routed.cond, &routed.mtx);
	pthread_mutex_unlock(&routed.mtx);
}

static void
route_clear(void)
{
	int	 i;

	for (i = 0; i < routed.n; i++)
		write_result_free(routed.res[i]);
	routed.n = 0;
}

/*
 * The writer thread: a batch through writer_submit, each result on the
 * route its submitter chose, only once committed; the head moves.
 */
static void
test_writer_thread(void **state)
{
	struct fx		*fx = *state;
	struct write_route	 route = { .wt_done = route_cb };
	struct write_req	*wr[3];
	struct writer		*wt;
	struct fault		 f;
	uint8_t			 h[STORE_HASH_LEN];
	uint64_t		 seq;
	int			 i;

	assert_non_null(wt = writer_start(&fx->st, fx->cfg));
	wr[0] = mkput(fx, "credit", USCC, "甲", "B");
	wr[1] = mkput(fx, "credit", USCC, "甲", "C");
	if_version(wr[1], 0);		/* refused: version 1 exists */
	wr[2] = mkremove(fx, "credit", USCC, "r");
	for (i = 0; i < 3; i++) {
		route.wt_slot = (uint32_t)i;
		wr[i]->wr_res.wres_route = route;
		assert_int_equal(writer_submit(wt, wr[i], &f), 0);
	}
	route_wait(3);
	writer_stop(wt);
	for (i = 0; i < 3; i++)
		assert_ptr_equal(routed.res[i], &wr[i]->wr_res);
	/* In order: each result is the route's, slot included. */
	for (i = 0; i < 3; i++)
		assert_int_equal(routed.res[i]->wres_route.wt_slot, i);
	assert_int_equal(routed.res[0]->wres_fault.f_code, QC_OK);
	assert_true(routed.res[0]->wres_version == 1);
	assert_true(routed.res[0]->wres_seq == 1);
	assert_int_equal(routed.res[1]->wres_fault.f_code, QC_E_CONFLICT);
	assert_string_equal(routed.res[1]->wres_fault.f_msg,
	    "entry exists at version 1");
	assert_int_equal(routed.res[2]->wres_fault.f_code, QC_OK);
	assert_true(routed.res[2]->wres_version == 2);
	assert_true(routed.res[2]->wres_seq == 2);
	route_clear();
	head(fx, &seq, h);
	assert_true(seq == 2);

	/* A restarted writer goes on from the stored head. */
	assert_non_null(wt = writer_start(&fx->st, fx->cfg));
	wr[0] = mkput(fx, "tourism", USCC, "甲", NULL);
	wr[0]->wr_res.wres_route = route;
	assert_int_equal(writer_submit(wt, wr[0], &f), 0);
	route_wait(1);
	writer_stop(wt);
	assert_int_equal(routed.res[0]->wres_fault.f_code, QC_OK);
	assert_true(routed.res[0]->wres_seq == 3);
	route_clear();
}

/* ops_dispatch: a put checked on the worker, then the writer's result. */
static void
test_dispatch_put(void **state)
{
	struct fx		*fx = *state;
	struct write_route	 route = { .wt_done = route_cb,
				    .wt_conn = 42, .wt_slot = 7 };
	struct ops_env		 env;
	struct caller		 who;
	struct fault		 f;
	struct writer		*wt;
	msgpack_sbuffer		 req, out;
	msgpack_packer		 pk, opk;
	msgpack_unpacked	 up;
	msgpack_unpacked	 cur;
	struct record		 r;
	size_t			 off = 0;

	assert_non_null(wt = writer_start(&fx->st, fx->cfg));
	assert_int_equal(ops_env_init(&env, fx->cfg, &fx->st, wt, NULL), 0);
	who.cl_name = WHO;
	assert_non_null(who.cl_prin = config_principal(fx->cfg, WHO));
	who.cl_role = who.cl_prin->p_role;

	msgpack_sbuffer_init(&req);
	msgpack_packer_init(&pk, &req, msgpack_sbuffer_write);
	assert_int_equal(msgpack_pack_map(&pk, 5), 0);
	assert_int_equal(qc_pack_kv_uint(&pk, "id", 9), 0);
	assert_int_equal(qc_pack_kv_str(&pk, "op", "put"), 0);
	assert_int_equal(qc_pack_kv_str(&pk, "list", "credit"), 0);
	assert_int_equal(qc_pack_kv_str(&pk, "subject",
	    "91350100m000100y43"), 0);
	assert_int_equal(qc_pack_cstr(&pk, "fields"), 0);
	assert_int_equal(msgpack_pack_map(&pk, 2), 0);
	assert_int_equal(qc_pack_kv_str(&pk, "name", "甲"), 0);
	assert_int_equal(qc_pack_kv_str(&pk, "grade", "A"), 0);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, req.data, req.size, &off),
	    MSGPACK_UNPACK_SUCCESS);
	msgpack_sbuffer_init(&out);
	msgpack_packer_init(&opk, &out, msgpack_sbuffer_write);

	assert_int_equal(ops_dispatch(&env, &who, ops_find(&up.data),
	    &up.data, &route, &opk, &f), OP_PENDING);
	assert_int_equal(f.f_code, QC_OK);
	route_wait(1);
	ops_env_free(&env);
	writer_stop(wt);
	assert_int_equal(routed.res[0]->wres_route.wt_conn, 42);
	assert_int_equal(routed.res[0]->wres_route.wt_slot, 7);
	assert_int_equal(routed.res[0]->wres_fault.f_code, QC_OK);
	assert_true(routed.res[0]->wres_version == 1);
	route_clear();
	/* Stored under the canonical subject. */
	assert_int_equal(current(fx, "credit", USCC, 1, &cur, &r), 0);
	expect_field(&r, "grade", "A");
	msgpack_unpacked_destroy(&cur);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&req);
	msgpack_sbuffer_destroy(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put, setup, teardown),
		cmocka_unit_test_setup_teardown(test_if_version, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_store, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_storage_error, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_writer_thread, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_put, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
