/*
 * qcreg-bench --fts FILE: the fragments that --mix search=100 sends to
 * qcregd, asked of SQLite FTS5 (the table of bench_fts_build.c) on
 * --conns threads, each with its own connection, for the same warm-up
 * and duration. The file is in WAL mode, so readers never wait for one
 * another; a connection only reads (query_only) but is opened read-write,
 * since a read-only one cannot make the WAL index that the first reader
 * of a file sets up. Reads go through a memory map of up to 1 GiB, as
 * LMDB maps qcregd's store.
 *
 * A fragment of 3 characters or more is a phrase query, `names MATCH
 * '"fragment"' LIMIT 20`. The trigram tokenizer cannot index 2
 * characters, and SQLite 3.40 hands `name LIKE '%xx%'` to it all the
 * same and gets no rows; `+name LIKE '%xx%' LIMIT 20` keeps the
 * constraint from FTS5, so SQLite reads the table and tests each name
 * until it has 20. Like the engine's, every answer is checked: at least
 * one row, each with the fragment in its name. Latency is the time of
 * the statement's steps.
 */
#define _GNU_SOURCE	/* memmem */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "bench.h"

#define FTS_PRAGMAS	"PRAGMA query_only = 1; PRAGMA mmap_size = 1073741824"
/* The first connections to a WAL file may wait while one sets it up. */
#define FTS_BUSY_MS	5000

struct fts_thread {
	const struct bench_opts	*o;
	struct fragset		*fs;
	pthread_t		 tid;
	uint64_t		 warm, end;
	struct bench_result	 r;
};

static uint64_t	 now_ns(void);
static void	 sleep_to(uint64_t);
static void	 fts_note(struct fts_thread *, const char *, const char *);
static int	 fts_query(struct fts_thread *, sqlite3_stmt *, const char *,
		    size_t);
static void	*fts_main(void *);

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
sleep_to(uint64_t t)
{
	struct timespec	 ts = { (time_t)(t / 1000000000ULL),
			    (long)(t % 1000000000ULL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
		;
}

static void
fts_note(struct fts_thread *t, const char *what, const char *detail)
{
	t->r.errors++;
	if (t->r.first_error[0] == '\0')
		snprintf(t->r.first_error, sizeof(t->r.first_error),
		    "sqlite: %s%s%.160s", what, detail ? ": " : "",
		    detail ? detail : "");
}

/* One query of frag with st, checked and timed; -1 if SQLite failed. */
static int
fts_query(struct fts_thread *t, sqlite3_stmt *st, const char *frag,
    size_t len)
{
	char		 pat[2 * FRAG_MAX + 3];
	const void	*name;
	uint64_t	 t0, t1, rows = 0;
	size_t		 i, n = 0;
	int		 rc, bad = 0, phrase = t->o->frag_chars >= 3;

	/* An FTS5 string: in double quotes, each quote doubled. */
	pat[n++] = phrase ? '"' : '%';
	for (i = 0; i < len; i++) {
		if (frag[i] == '"')
			pat[n++] = '"';
		pat[n++] = frag[i];
	}
	pat[n++] = phrase ? '"' : '%';
	t0 = now_ns();
	if (sqlite3_bind_text(st, 1, pat, (int)n, SQLITE_STATIC) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rows++;
		name = sqlite3_column_text(st, 1);
		if (name == NULL || memmem(name, (size_t)sqlite3_column_bytes(st,
		    1), frag, len) == NULL)
			bad = 1;
	}
	t1 = now_ns();
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	t->r.searches++;
	t->r.rows += rows;
	if (rows == 0 || bad)
		fts_note(t, rows == 0 ? "nothing found for" :
		    "a row without the fragment in its name for", frag);
	if (t0 >= t->warm && t1 < t->end) {
		t->r.requests++;
		t->r.ops[OP_SEARCH]++;
		hist_record(&t->r.hist, t1 - t0);
	}
	return 0;
}

static void *
fts_main(void *arg)
{
	struct fts_thread	*t = arg;
	sqlite3			*db = NULL;
	sqlite3_stmt		*st = NULL;
	const char		*frag;
	size_t			 len;
	uint32_t		 k;

	if (sqlite3_open_v2(t->o->fts, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, FTS_BUSY_MS) != SQLITE_OK ||
	    sqlite3_exec(db, FTS_PRAGMAS, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, t->o->frag_chars >= 3 ?
	    "SELECT subject, name FROM names WHERE names MATCH ?1 LIMIT 20" :
	    "SELECT subject, name FROM names WHERE +name LIKE ?1 LIMIT 20",
	    -1, &st, NULL) != SQLITE_OK) {
		t->r.conn_errors++;
		fts_note(t, t->o->fts, db != NULL ? sqlite3_errmsg(db) :
		    "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	while (now_ns() < t->end) {
		frag = fragset_next(t->fs, &len, &k);
		if (fts_query(t, st, frag, len) == -1) {
			fts_note(t, "query", sqlite3_errmsg(db));
			break;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return NULL;
}

int
fts_run(const struct bench_opts *o, const struct keyset *ks,
    struct bench_result *res)
{
	struct fts_thread	*th;
	uint64_t		 t0;
	struct timespec		 c0, c1;
	int			 k, n;

	if ((th = calloc((size_t)o->conns, sizeof(*th))) == NULL) {
		fprintf(stderr, "qcreg-bench: out of memory\n");
		return -1;
	}
	memset(res, 0, sizeof(*res));
	t0 = now_ns();
	for (n = 0; n < o->conns; n++) {
		th[n].o = o;
		th[n].fs = ks->ks_frag;
		th[n].warm = t0 + (uint64_t)(o->warmup * 1e9);
		th[n].end = th[n].warm + (uint64_t)(o->duration * 1e9);
		if (pthread_create(&th[n].tid, NULL, fts_main, &th[n]) != 0) {
			fprintf(stderr, "qcreg-bench: cannot start a thread\n");
			break;
		}
	}
	if (n > 0) {
		sleep_to(th[0].warm);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
		sleep_to(th[0].end);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
		res->cpu = (double)(c1.tv_sec - c0.tv_sec) +
		    (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	}
	res->elapsed = o->duration;
	for (k = 0; k < n; k++) {
		pthread_join(th[k].tid, NULL);
		res->requests += th[k].r.requests;
		res->ops[OP_SEARCH] += th[k].r.ops[OP_SEARCH];
		res->searches += th[k].r.searches;
		res->rows += th[k].r.rows;
		res->errors += th[k].r.errors;
		res->conn_errors += th[k].r.conn_errors;
		hist_merge(&res->hist, &th[k].r.hist);
		if (res->first_error[0] == '\0')
			memcpy(res->first_error, th[k].r.first_error,
			    sizeof(res->first_error));
	}
	free(th);
	return n == o->conns ? 0 : -1;
}
