/*
 * Storage schema 2 to 3: the version 1 chain verified, then every change
 * record rewritten as version 2, all in one write transaction.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "migrate.h"
#include "record.h"
#include "record_v1.h"
#include "store.h"

#define SCHEMA_FROM	"2"
#define SCHEMA_TO	"3"	/* the schema of the records written here */
/* A refusal, logged where found (LMDB's codes are errno or MDB_*). */
#define REFUSED		(-1)

struct migration {
	/*
	 * Not opened by store_open (which refuses schema 2): only s_env,
	 * s_changes and s_meta are set, what store_head and store_set_head
	 * read.
	 */
	struct store	 m_st;
	MDB_txn		*m_write;
	/* The same data as m_write sees, read while m_write replaces it. */
	MDB_txn		*m_read;
	msgpack_zone	*m_zone;
	int		 m_nothing;	/* already schema 3 */
	uint64_t	 m_count;
	uint8_t		 m_v1_head[STORE_HASH_LEN];
	uint8_t		 m_head[STORE_HASH_LEN];
	msgpack_sbuffer	 m_payload, m_strs, m_rec;	/* scratch */
};

static int	 mg_open(struct migration *, const char *);
static int	 mg_attempt(struct migration *);
static int	 mg_schema(struct migration *);
static int	 mg_verify(struct migration *);
static int	 mg_convert(struct migration *);
static int	 mg_record(struct migration *, MDB_val *, const MDB_val *,
		    uint8_t[STORE_HASH_LEN]);
static int	 mg_meta(struct migration *);
static int	 mg_grow(MDB_env *, uint64_t);
static int	 cstr_add(msgpack_sbuffer *, const char *, size_t);
static void	 hex(const uint8_t[STORE_HASH_LEN],
		    char[2 * STORE_HASH_LEN + 1]);

int
migrate_run(const char *dir, uint64_t map_max)
{
	struct migration m;
	char		 h1[2 * STORE_HASH_LEN + 1], h2[2 * STORE_HASH_LEN + 1];
	int		 rc = -1;

	memset(&m, 0, sizeof(m));
	msgpack_sbuffer_init(&m.m_payload);
	msgpack_sbuffer_init(&m.m_strs);
	msgpack_sbuffer_init(&m.m_rec);
	if ((m.m_zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE)) == NULL)
		log_warnx("out of memory");
	else if (mg_open(&m, dir) == 0) {
		while ((rc = mg_attempt(&m)) == MDB_MAP_FULL &&
		    mg_grow(m.m_st.s_env, map_max) == 0)
			;
		if (rc != 0 && rc != REFUSED)
			log_warnx("migration: %s", mdb_strerror(rc));
	}
	if (m.m_st.s_env != NULL)
		mdb_env_close(m.m_st.s_env);
	if (m.m_zone != NULL)
		msgpack_zone_free(m.m_zone);
	msgpack_sbuffer_destroy(&m.m_payload);
	msgpack_sbuffer_destroy(&m.m_strs);
	msgpack_sbuffer_destroy(&m.m_rec);
	if (rc != 0) {
		log_warnx("migration failed: %s is unchanged", dir);
		return -1;
	}
	if (m.m_nothing) {
		log_info("%s has storage schema %s already: nothing to do",
		    dir, SCHEMA_TO);
		return 0;
	}
	hex(m.m_head, h2);
	hex(m.m_v1_head, h1);
	log_info("migrated %s to storage schema %s: %" PRIu64 " change "
	    "records converted to version 2, head hash %s (the version 1 "
	    "head hash %s is kept in meta as %s)", dir, SCHEMA_TO, m.m_count,
	    h2, h1, MIGRATE_V1_HEAD);
	return 0;
}

/* The existing environment in dir (never a new one) and its databases. */
static int
mg_open(struct migration *m, const char *dir)
{
	MDB_txn	*txn;
	char	 path[4096];
	int	 rc, dead;

	if (snprintf(path, sizeof(path), "%s/data.mdb", dir) >=
	    (int)sizeof(path)) {
		log_warnx("data directory path too long");
		return -1;
	}
	/* LMDB would create an empty store: there is nothing to migrate. */
	if (access(path, F_OK) == -1) {
		log_warn("%s", path);
		return -1;
	}
	/* NOTLS: a read and the write transaction in one thread. */
	if ((rc = mdb_env_create(&m->m_st.s_env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(m->m_st.s_env, 2)) != 0 ||
	    (rc = mdb_env_open(m->m_st.s_env, dir, MDB_NOTLS, 0600)) != 0 ||
	    (rc = mdb_reader_check(m->m_st.s_env, &dead)) != 0) {
		log_warnx("lmdb open %s: %s", dir, mdb_strerror(rc));
		return -1;
	}
	/* Handles opened in a read transaction outlive its commit. */
	if ((rc = mdb_txn_begin(m->m_st.s_env, NULL, MDB_RDONLY, &txn)) != 0) {
		log_warnx("lmdb begin: %s", mdb_strerror(rc));
		return -1;
	}
	if ((rc = mdb_dbi_open(txn, "changes", 0, &m->m_st.s_changes)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", 0, &m->m_st.s_meta)) != 0) {
		mdb_txn_abort(txn);
		if (rc == MDB_NOTFOUND)
			log_warnx("%s holds no qcreg data (no changes or meta "
			    "database)", dir);
		else
			log_warnx("lmdb open databases: %s", mdb_strerror(rc));
		return -1;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		log_warnx("lmdb commit: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

/*
 * One try at the whole migration: 0 when committed (or nothing to do),
 * REFUSED, or an LMDB error (MDB_MAP_FULL: grow and try again).
 */
static int
mg_attempt(struct migration *m)
{
	int	 rc;

	if ((rc = mdb_txn_begin(m->m_st.s_env, NULL, 0, &m->m_write)) != 0)
		return rc;
	/* Holding the write lock: no other migration runs in between. */
	if ((rc = mg_schema(m)) == 0 && !m->m_nothing &&
	    (rc = mdb_txn_begin(m->m_st.s_env, NULL, MDB_RDONLY,
	    &m->m_read)) == 0) {
		if ((rc = mg_verify(m)) == 0 &&
		    (rc = mdb_drop(m->m_write, m->m_st.s_changes, 0)) == 0 &&
		    (rc = mg_convert(m)) == 0)
			rc = mg_meta(m);
		mdb_txn_abort(m->m_read);
		m->m_read = NULL;
	}
	if (rc == 0 && !m->m_nothing)
		rc = mdb_txn_commit(m->m_write);
	else
		mdb_txn_abort(m->m_write);
	m->m_write = NULL;
	return rc;
}

/* Schema 2 goes on, schema 3 has nothing to do, any other is refused. */
static int
mg_schema(struct migration *m)
{
	MDB_val	 k, v;
	int	 rc;

	k.mv_data = "schema";
	k.mv_size = 6;
	if ((rc = mdb_get(m->m_write, m->m_st.s_meta, &k, &v)) ==
	    MDB_NOTFOUND) {
		log_warnx("the data directory has no storage schema");
		return REFUSED;
	}
	if (rc != 0)
		return rc;
	if (v.mv_size == 1 && memcmp(v.mv_data, SCHEMA_TO, 1) == 0) {
		m->m_nothing = 1;
		return 0;
	}
	if (v.mv_size == 1 && memcmp(v.mv_data, SCHEMA_FROM, 1) == 0)
		return 0;
	log_warnx("the data directory has storage schema %.*s; --migrate "
	    "converts schema %s to %s only", (int)(v.mv_size > 16 ? 16 :
	    v.mv_size), (const char *)v.mv_data, SCHEMA_FROM, SCHEMA_TO);
	return REFUSED;
}

/*
 * The version 1 chain, record by record from seq 1 without a gap, each
 * hash recomputed from the one before, up to the head in meta.
 */
static int
mg_verify(struct migration *m)
{
	struct record_v1 r;
	MDB_cursor	*cur;
	MDB_val		 k, v;
	uint8_t		 prev[STORE_HASH_LEN], hash[STORE_HASH_LEN];
	uint64_t	 seq = 0, head_seq;
	int		 rc;

	memset(prev, 0, sizeof(prev));
	if ((rc = mdb_cursor_open(m->m_read, m->m_st.s_changes, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		seq++;
		if (k.mv_size != 8 || store_seq_from_key(&k) != seq) {
			log_warnx("the change log has no record %" PRIu64,
			    seq);
			rc = REFUSED;
			break;
		}
		msgpack_zone_clear(m->m_zone);
		if (record_v1_load(&v, m->m_zone, &r) == -1) {
			log_warnx("change record %" PRIu64 " is not a version "
			    "1 record", seq);
			rc = REFUSED;
			break;
		}
		if (record_v1_hash(prev, seq, &r, hash) == -1) {
			rc = ENOMEM;
			break;
		}
		if (memcmp(hash, r.r1_hash, STORE_HASH_LEN) != 0) {
			log_warnx("change record %" PRIu64 " does not verify: "
			    "its hash is not the version 1 hash of its "
			    "content and the record before it", seq);
			rc = REFUSED;
			break;
		}
		memcpy(prev, hash, STORE_HASH_LEN);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return rc;
	if ((rc = store_head(&m->m_st, m->m_read, &head_seq, hash)) != 0)
		return rc;
	if (head_seq != seq) {
		log_warnx("the head in meta is seq %" PRIu64 ", the change "
		    "log ends at %" PRIu64, head_seq, seq);
		return REFUSED;
	}
	if (memcmp(hash, prev, STORE_HASH_LEN) != 0) {
		log_warnx("the head hash in meta is not the hash of change "
		    "record %" PRIu64, seq);
		return REFUSED;
	}
	memcpy(m->m_v1_head, prev, STORE_HASH_LEN);
	m->m_count = seq;
	log_info("the version 1 change log verifies: %" PRIu64 " records; "
	    "converting", seq);
	return 0;
}

/* Appends every record, as version 2, to the emptied change log. */
static int
mg_convert(struct migration *m)
{
	MDB_cursor	*cur;
	MDB_val		 k, v;
	int		 rc;

	memset(m->m_head, 0, sizeof(m->m_head));
	if ((rc = mdb_cursor_open(m->m_read, m->m_st.s_changes, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 &&
	    (rc = mg_record(m, &k, &v, m->m_head)) == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		;
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* One record (key k, version 1 value v); prev advances to its hash. */
static int
mg_record(struct migration *m, MDB_val *k, const MDB_val *v,
    uint8_t prev[STORE_HASH_LEN])
{
	struct record_v1 r;
	struct change	 c;
	msgpack_packer	 pk;
	MDB_val		 val;
	uint8_t		 hash[STORE_HASH_LEN];
	int		 rc;

	msgpack_zone_clear(m->m_zone);
	msgpack_sbuffer_clear(&m->m_payload);
	msgpack_sbuffer_clear(&m->m_strs);
	msgpack_sbuffer_clear(&m->m_rec);
	/* Verified already: a failure here is memory. */
	if (record_v1_load(v, m->m_zone, &r) == -1 ||
	    record_payload(&m->m_payload, r.r1_fields_mp, r.r1_fields_len,
	    r.r1_removed ? r.r1_reason : NULL, r.r1_reason_len) == -1 ||
	    cstr_add(&m->m_strs, r.r1_by, r.r1_by_len) == -1 ||
	    cstr_add(&m->m_strs, r.r1_list, r.r1_list_len) == -1 ||
	    cstr_add(&m->m_strs, r.r1_subject, r.r1_subject_len) == -1)
		return ENOMEM;
	memset(&c, 0, sizeof(c));
	c.c_seq = store_seq_from_key(k);
	c.c_at = r.r1_at;
	c.c_by = m->m_strs.data;
	c.c_op = r.r1_removed ? CH_REMOVE : CH_PUT;
	c.c_list = c.c_by + r.r1_by_len + 1;
	c.c_subject = c.c_list + r.r1_list_len + 1;
	c.c_version = r.r1_version;
	c.c_payload = m->m_payload.data;
	c.c_payload_len = m->m_payload.size;
	msgpack_packer_init(&pk, &m->m_rec, msgpack_sbuffer_write);
	if (record_hash(prev, &c, hash) == -1 || record_pack(&pk, &c,
	    hash) == -1)
		return ENOMEM;
	val.mv_data = m->m_rec.data;
	val.mv_size = m->m_rec.size;
	if ((rc = mdb_put(m->m_write, m->m_st.s_changes, k, &val,
	    MDB_APPEND)) != 0)
		return rc;
	memcpy(prev, hash, STORE_HASH_LEN);
	return 0;
}

/* The new head, the old one kept, the new schema. */
static int
mg_meta(struct migration *m)
{
	uint8_t	 old[8 + STORE_HASH_LEN];
	MDB_val	 k, v;
	int	 rc;

	store_key_seq(old, m->m_count);
	memcpy(old + 8, m->m_v1_head, STORE_HASH_LEN);
	if ((rc = store_set_head(&m->m_st, m->m_write, m->m_count,
	    m->m_head)) != 0)
		return rc;
	k.mv_data = MIGRATE_V1_HEAD;
	k.mv_size = strlen(MIGRATE_V1_HEAD);
	v.mv_data = old;
	v.mv_size = sizeof(old);
	if ((rc = mdb_put(m->m_write, m->m_st.s_meta, &k, &v, 0)) != 0)
		return rc;
	k.mv_data = "schema";
	k.mv_size = 6;
	v.mv_data = SCHEMA_TO;
	v.mv_size = strlen(SCHEMA_TO);
	return mdb_put(m->m_write, m->m_st.s_meta, &k, &v, 0);
}

/* Doubles the map, up to map_max. 0, or -1 (logged). */
static int
mg_grow(MDB_env *env, uint64_t map_max)
{
	MDB_envinfo	 info;
	uint64_t	 size;
	int		 rc;

	if ((rc = mdb_env_info(env, &info)) != 0) {
		log_warnx("lmdb info: %s", mdb_strerror(rc));
		return -1;
	}
	if ((uint64_t)info.me_mapsize >= map_max) {
		log_warnx("the LMDB map is full at %" PRIu64 " MiB "
		    "(map_max_mb), and the migration needs room for the old "
		    "and the new change log", (uint64_t)info.me_mapsize >> 20);
		return -1;
	}
	size = (uint64_t)info.me_mapsize * 2;
	if (size > map_max)
		size = map_max;
	if ((rc = mdb_env_set_mapsize(env, (size_t)size)) != 0) {
		log_warnx("lmdb grow to %" PRIu64 " MiB: %s", size >> 20,
		    mdb_strerror(rc));
		return -1;
	}
	log_info("LMDB map grown to %" PRIu64 " MiB", size >> 20);
	return 0;
}

/* s (len bytes, no NUL among them) and a NUL. */
static int
cstr_add(msgpack_sbuffer *sb, const char *s, size_t len)
{
	return msgpack_sbuffer_write(sb, s, len) != 0 ||
	    msgpack_sbuffer_write(sb, "", 1) != 0 ? -1 : 0;
}

static void
hex(const uint8_t h[STORE_HASH_LEN], char out[2 * STORE_HASH_LEN + 1])
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < STORE_HASH_LEN; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 0x0f];
	}
	out[2 * STORE_HASH_LEN] = '\0';
}
