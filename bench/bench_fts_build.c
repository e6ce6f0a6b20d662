/*
 * qcreg-bench --fts FILE --fts-build: the SQLite side of the search
 * benchmark, made from the same names (bench_names.c, --gen-keys and
 * --name-seed) as the file `qcreg import` writes to qcregd. One FTS5
 * table with the trigram tokenizer (SQLite 3.34 and later) over the name,
 * the subject stored beside it unindexed, as qcregd's index keeps it in
 * its rows. It is written in one transaction without syncs (its build
 * time is not compared with a durable import), merged into one segment
 * ('optimize', SQLite's fastest layout to query) and left in WAL mode so
 * that the query threads' read-only connections never block one another.
 * Prints one JSON object: SQLite's version, rows, seconds, the file's
 * bytes and, when SQLite has the dbstat table, the bytes of each of
 * FTS5's tables.
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "bench.h"

static int	 fts_fail(sqlite3 *, const char *);
static int	 fts_fill(sqlite3 *, const struct bench_opts *);
static void	 fts_tables(sqlite3 *);

static int
fts_fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "qcreg-bench: --fts-build: %s: %s\n", what,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_close(db);
	return -1;
}

/* The names, one row each, in one transaction. */
static int
fts_fill(sqlite3 *db, const struct bench_opts *o)
{
	struct bench_name	 e;
	sqlite3_stmt		*ins;
	uint64_t		 i;
	int			 rc = SQLITE_DONE;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO names(name, subject) "
	    "VALUES (?1, ?2)", -1, &ins, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; i < o->nkeys && rc == SQLITE_DONE; i++) {
		names_entry(o->name_seed, i, &e);
		if (sqlite3_bind_text(ins, 1, e.name, (int)e.name_len,
		    SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_text(ins, 2, e.subject, (int)e.subject_len,
		    SQLITE_STATIC) != SQLITE_OK)
			break;
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	if (rc != SQLITE_DONE || i < o->nkeys)
		return -1;
	return sqlite3_exec(db, "COMMIT; INSERT INTO names(names) "
	    "VALUES ('optimize'); PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
	    NULL) == SQLITE_OK ? 0 : -1;
}

/* ,"tables":{name: bytes...} from dbstat, if this SQLite has it. */
static void
fts_tables(sqlite3 *db)
{
	sqlite3_stmt	*st;
	int		 n = 0;

	if (sqlite3_prepare_v2(db, "SELECT name, SUM(pgsize) FROM dbstat "
	    "GROUP BY name ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		return;
	printf(",\"tables\":{");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("%s\"%s\":%" PRId64, n++ ? "," : "",
		    (const char *)sqlite3_column_text(st, 0),
		    (int64_t)sqlite3_column_int64(st, 1));
	printf("}");
	sqlite3_finalize(st);
}

int
fts_build(const struct bench_opts *o)
{
	struct timespec	 a, b;
	struct stat	 sb;
	sqlite3		*db = NULL;

	if (stat(o->fts, &sb) == 0) {
		fprintf(stderr, "qcreg-bench: --fts-build: %s exists\n",
		    o->fts);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (sqlite3_open_v2(o->fts, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		return fts_fail(db, o->fts);
	if (sqlite3_exec(db, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = OFF; "
	    "CREATE VIRTUAL TABLE names USING fts5(name, subject UNINDEXED, "
	    "tokenize = 'trigram')", NULL, NULL, NULL) != SQLITE_OK)
		return fts_fail(db, "creating the table");
	if (fts_fill(db, o) == -1)
		return fts_fail(db, "writing the names");
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (stat(o->fts, &sb) == -1) {
		perror(o->fts);
		sqlite3_close(db);
		return -1;
	}
	printf("{\"sqlite\":\"%s\",\"built\":%" PRIu64 ",\"build_s\":%.3f,"
	    "\"bytes\":%" PRId64, sqlite3_libversion(), o->nkeys,
	    (double)(b.tv_sec -
	    a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
	    (int64_t)sb.st_size);
	fts_tables(db);
	printf("}\n");
	return sqlite3_close(db) == SQLITE_OK ? 0 : -1;
}
