/*
 * qcreg-bench: a load generator for qcregd and, with the same engine,
 * for Redis over TLS (GET / MGET / SET), so that both are measured by
 * the same client. Internal header shared by bench/bench*.c.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <msgpack.h>
#include <openssl/ssl.h>

/* Operations of a mix (--mix), plus the internal ones. */
enum bench_op {
	OP_CHECK1 = 0,		/* check of one subject / GET */
	OP_CHECKB,		/* check of --batch subjects / MGET */
	OP_GET,			/* get of one subject / GET */
	OP_PUT,			/* put of a credit entry / SET */
	OP_CHECKS,		/* signed check of --batch subjects (qcreg) */
	OP_PROOF,		/* inclusion proof of a random record (qcreg) */
	OP_TREE,		/* checkpoint (qcreg) */
	OP_CONSIST,		/* consistency of a random older size (qcreg) */
	OP_SEARCH,		/* search of a name fragment (qcreg) */
	OP_NMIX,
	OP_LOAD = OP_NMIX,	/* put of the next entry of the data set */
	OP_PING,		/* hello / PING (idle connections) */
	OP_COUNT
};

enum bench_proto {
	PROTO_QCREG = 0,
	PROTO_REDIS,
	PROTO_HTTP		/* qcregd's HTTPS JSON API */
};

enum bench_mode {
	MODE_RUN = 0,		/* persistent connections, pipelined */
	MODE_NEWCONN,		/* one connection per request */
	MODE_LOAD,		/* load the data set */
	MODE_IDLE		/* open connections and hold them */
};

/* The data set has this many lists (the development configuration). */
#define BENCH_NLISTS	3
#define BENCH_SUBJ_MAX	128	/* longest subject we generate, with NUL */
#define BENCH_VAL_MAX	64	/* longest Redis value we generate */
#define BENCH_BATCH_MAX	1000	/* subjects per check (server max_batch) */

struct bench_opts {
	const char	*host;
	unsigned	 port;
	const char	*ca;
	const char	*cert;
	const char	*key;
	const char	*cert_dir;	/* load: <dir>/<principal>.crt/.key */
	const char	*label;		/* scenario name for the report */
	enum bench_proto proto;
	enum bench_mode	 mode;
	int		 conns;
	int		 pipeline;
	int		 threads;
	int		 batch;
	int		 json;
	int		 resume;	/* new-conn: reuse TLS sessions */
	double		 duration;	/* s; idle: hold time, 0 = forever */
	double		 warmup;	/* s */
	unsigned	 mix[OP_NMIX];	/* weights */
	unsigned	 mix_total;
	uint64_t	 nkeys;		/* generated data set size (M) */
	uint64_t	 load_from;	/* load: first index to load */
	uint64_t	 seed;
	double		 hit_ratio;
	const char	*keys_file;
	uint64_t	 idle;		/* idle mode: connections to open */
	const char	*mirror;	/* --mirror: its directory, else NULL */
	const char	*pubkey;	/* mirror mode: the registry's key */
	uint64_t	 report;	/* --report: reports to time, or 0 */
	int		 report_versions; /* --versions of its subject */
	int		 report_cases;	/* --cases of its subject */
	uint64_t	 name_seed;	/* the names data set (search, fts) */
	int		 frag_chars;	/* search, fts: fragment length */
	const char	*fts;		/* --fts: the SQLite file, else NULL */
	int		 fts_build;	/* --fts-build: make it first */
};

/*
 * Log-linear latency histogram (HDR style): exact below 256 ns, then 128
 * sub-buckets per power of two (< 0.8% relative error) up to 2^37 ns
 * (137 s); larger values land in the last bucket.
 */
#define HIST_SUB_BITS	7
#define HIST_SUB	(1u << HIST_SUB_BITS)
#define HIST_MAX_EXP	37
#define HIST_N		(2 * HIST_SUB + (HIST_MAX_EXP - HIST_SUB_BITS - 1) * HIST_SUB)

struct hist {
	uint64_t	 h_n;
	uint64_t	 h_max;
	uint64_t	 h_count[HIST_N];
};

void		 hist_record(struct hist *, uint64_t ns);
void		 hist_merge(struct hist *dst, const struct hist *src);
/* Value (ns) at quantile q in [0, 1]; 0 for an empty histogram. */
uint64_t	 hist_quantile(const struct hist *, double q);
/* The clock id (CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID ...) in ns. */
uint64_t	 bench_clock_ns(clockid_t);

/*
 * The data set. Entry i (0 <= i < M) is one (list, subject); subjects are
 * a bijection of i, so subject(i) for i >= M is never in the set (a
 * miss). Kinds: 70% uscc, 10% each guide, site and plate.
 */
#define BENCH_FIELDS	6

struct bench_field {
	const char	*f_name;
	const char	*f_str;		/* NULL: an int field */
	int64_t		 f_num;
};

struct bench_entry {
	int		 list;		/* 0 credit, 1 tourism, 2 advertising */
	char		 subject[BENCH_SUBJ_MAX];
	size_t		 subject_len;
	char		 value[BENCH_VAL_MAX];	/* what Redis stores */
	size_t		 value_len;
	struct bench_field fields[BENCH_FIELDS];
	int		 nfields;
	char		 name[96];	/* backing store of some fields */
	char		 doc[64];
};

extern const char *const bench_list_names[BENCH_NLISTS];
extern const char *const bench_list_writers[BENCH_NLISTS];

/* Canonical subject of index i into out; returns its length. */
size_t		 keys_subject(uint64_t i, char out[BENCH_SUBJ_MAX]);
/* List of entry i. */
int		 keys_list(uint64_t i);
void		 keys_entry(uint64_t i, struct bench_entry *);
/* The GB 32100-2015 check character of 17 characters. */
char		 keys_uscc_check(const char *code17);

/*
 * The names data set (bench_names.c): entry i of M, from the name seed
 * and i, is an enterprise with a USCC registered in the division its
 * name begins with (bench_regions.c). names_init makes the character
 * pools once, before any thread draws a name.
 */
#define BENCH_NAME_MAX	128

struct bench_region {
	const char	*r_code;	/* 6 digits */
	const char	*r_name;
	int		 r_city;	/* a city; its divisions follow it */
};

extern const struct bench_region bench_regions_henan[];
extern const size_t bench_nregions_henan;
extern const struct bench_region bench_regions_other[];
extern const size_t bench_nregions_other;

struct bench_name {
	char		 subject[BENCH_SUBJ_MAX];
	size_t		 subject_len;
	char		 name[BENCH_NAME_MAX];
	size_t		 name_len;
};

int		 names_init(void);
void		 names_entry(uint64_t name_seed, uint64_t i,
		    struct bench_name *);

/*
 * Fragments of names to search for (bench_frag.c): drawn once from the
 * seed, each cut at a random place of a random name of the set, so that
 * every one matches; both sides (qcregd and SQLite) take them in the
 * same order, from a counter shared by their threads.
 */
#define FRAG_CHARS_MAX	10
#define FRAG_MAX	(4 * FRAG_CHARS_MAX + 1)

struct fragset {
	char		(*fs_f)[FRAG_MAX];
	uint8_t		*fs_len;
	size_t		 fs_n;
	int		 fs_chars;
	atomic_uint_fast64_t fs_next;
};

int		 fragset_build(struct fragset *, uint64_t name_seed,
		    uint64_t m, uint64_t seed, int chars, size_t n);
/* The next fragment (k: its index for fragset_get). */
const char	*fragset_next(struct fragset *, size_t *len, uint32_t *k);
const char	*fragset_get(const struct fragset *, uint32_t k, size_t *len);
void		 fragset_free(struct fragset *);

/* Where queried subjects come from. */
struct keyset {
	uint64_t	 ks_m;		/* generated: the set 0 .. M-1 */
	double		 ks_hit;	/* share of hits */
	char		**ks_file;	/* --keys: subjects, one per line */
	size_t		 ks_nfile;
	struct fragset	*ks_frag;	/* search: the fragments, else NULL */
};

int		 keyset_load_file(struct keyset *, const char *path);
void		 keyset_free(struct keyset *);
/*
 * Picks a subject into out and returns its length; *hit is 1 if it is in
 * the set, 0 if not, -1 if unknown (--keys).
 */
size_t		 keyset_pick(const struct keyset *, uint64_t *rng,
		    char out[BENCH_SUBJ_MAX], int *hit);
/* Picks an entry of the credit list (for put); -1 if there is none. */
int64_t		 keyset_pick_credit(const struct keyset *, uint64_t *rng);

static inline uint64_t
rng_next(uint64_t *s)
{
	uint64_t	 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Load order: the indexes of each list, sorted by subject. */
struct load_plan {
	uint64_t	*lp_index[BENCH_NLISTS];
	size_t		 lp_n[BENCH_NLISTS];
};

int		 load_plan_build(struct load_plan *, uint64_t from, uint64_t m);
void		 load_plan_free(struct load_plan *);

/* A growable byte buffer; bytes off .. len are pending. */
struct buf {
	uint8_t		*b_p;
	size_t		 b_off;
	size_t		 b_len;
	size_t		 b_cap;
};

int		 buf_reserve(struct buf *, size_t more);
int		 buf_add(struct buf *, const void *, size_t);
void		 buf_compact(struct buf *);
void		 buf_free(struct buf *);

/* What one request expects, kept in the connection's FIFO. */
struct slot {
	uint64_t	 s_id;
	uint64_t	 s_t0;		/* ns, when it was queued */
	uint8_t		 s_op;
	uint16_t	 s_n;		/* subjects */
	int16_t		 s_hits;	/* subjects expected to hit, -1 unknown */
	uint32_t	 s_frag;	/* search: its fragment */
};

/* The verdict on one reply. */
enum reply_verdict {
	RV_OK = 0,
	RV_ERROR,		/* well formed but wrong: counted, go on */
	RV_FATAL		/* the stream is broken: drop the connection */
};

/*
 * Protocol codecs. encode appends one request for op to out and fills the
 * slot; parse looks at in (len bytes) for the answer to slot: returns the
 * bytes it used (0: incomplete) and sets *v; why gets a reason for a
 * verdict that is not RV_OK. The qcreg codec also takes its thread's
 * struct bqc.
 */
struct bench_req {
	enum bench_op	 op;
	uint64_t	 id;
	int		 n;		/* subjects */
	const char	*subj[BENCH_BATCH_MAX];
	size_t		 subj_len[BENCH_BATCH_MAX];
	int		 hits;		/* expected hits, -1 unknown */
	const struct bench_entry *entry;	/* load and put */
	uint64_t	 seq;		/* proof: the record; consistency: from */
	uint32_t	 frag;		/* search: the fragment (subj[0]) */
};

/*
 * The qcreg codec keeps, per thread, the buffer requests are packed in
 * and the zone an answer is unpacked into; both are reused.
 */
struct bqc {
	msgpack_sbuffer	 q_sb;
	msgpack_zone	 q_zone;
	char		 q_why[160];	/* a verdict's reason */
	const struct fragset *q_frag;	/* search: what was asked */
	uint64_t	 q_searches;	/* search answers, whole run */
	uint64_t	 q_truncated;	/* of which said truncated */
	uint64_t	 q_rows;	/* results in them */
};

int		 bqc_init(struct bqc *);
void		 bqc_free(struct bqc *);
int		 bqc_encode(struct bqc *, struct buf *,
		    const struct bench_req *);
size_t		 bqc_parse(struct bqc *, const uint8_t *, size_t,
		    const struct slot *, enum reply_verdict *,
		    const char **why);
int		 redis_encode(struct buf *, const struct bench_req *);
/* The HTTPS JSON codec (bench_http.c): check only. */
int		 http_encode(struct buf *, const struct bench_req *);
size_t		 http_parse(const uint8_t *, size_t, const struct slot *,
		    enum reply_verdict *, const char **);
size_t		 redis_parse(const uint8_t *, size_t, const struct slot *,
		    enum reply_verdict *, const char **why);

/* Results of a run, summed over threads. */
struct bench_result {
	uint64_t	 requests;	/* answered in the measured window */
	uint64_t	 subjects;
	uint64_t	 ops[OP_COUNT];
	uint64_t	 errors;	/* wrong or error answers, whole run */
	uint64_t	 conn_errors;	/* connections that failed */
	uint64_t	 handshakes;	/* completed, measured window */
	uint64_t	 resumed;	/* of which resumed */
	uint64_t	 loaded;	/* load mode: entries acknowledged */
	uint64_t	 synced;	/* --mirror: records applied */
	double		 sync_s;	/* --mirror: seconds it took */
	uint64_t	 searches;	/* search: answers, whole run */
	uint64_t	 truncated;	/* of which truncated (qcreg) */
	uint64_t	 rows;		/* results in those answers */
	double		 elapsed;	/* s, measured window */
	double		 cpu;		/* client CPU seconds in the window */
	struct hist	 hist;
	char		 first_error[256];
};

/*
 * A client TLS context: verifies the server against ca and host, shows
 * cert/key. new_session (may be NULL) receives the sessions to resume
 * later; release_buffers frees idle connections' buffers.
 */
SSL_CTX		*btls_ctx(const char *host, const char *ca, const char *cert,
		    const char *key, int (*new_session)(SSL *, SSL_SESSION *),
		    int release_buffers, char *err, size_t errsize);
/* Formats and clears the first OpenSSL error. */
void		 btls_error(const char *what, char *err, size_t errsize);

/* Runs the engine as the options say; 0 if it ran (errors or not). */
int		 engine_run(const struct bench_opts *, const struct keyset *,
		    struct bench_result *);
/* The same with --mirror, no engine (bench_mirror.c). */
int		 mirror_run(const struct bench_opts *, const struct keyset *,
		    struct bench_result *);
/*
 * --report (bench_report.c): writes its subject, times the reports and
 * prints them; the exit status (0, 1 after wrong answers, 2).
 */
int		 report_run(const struct bench_opts *);
/*
 * --fts: the same fragments on SQLite FTS5 (bench_fts.c), one read-only
 * connection per thread, --conns threads; fts_build makes the file.
 */
int		 fts_run(const struct bench_opts *, const struct keyset *,
		    struct bench_result *);
int		 fts_build(const struct bench_opts *);

#endif
