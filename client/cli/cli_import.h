/*
 * qcreg import, private to client/cli/cli_import*.c.
 *
 * Two phases. First every line is read, parsed and checked, and a good
 * one is kept as a row (cli_import_check.c). If any line is bad, each is
 * reported with its number and nothing is written, so that a typo never
 * leaves a file half imported. Then the rows are sorted by list and
 * canonical subject, the order in which the server stores puts cheaply,
 * and sent pipelined over a few connections, each entry's lines on one
 * of them in file order (cli_import_send.c).
 *
 *   cli_import.c        the command: the phases, the summary, the messages
 *   cli_import_lists.c  the lists and their fields, from the hello answer
 *   cli_import_check.c  phase 1: lines read, parsed, checked, kept
 *   cli_import_rows.c   the rows: kept compactly in one arena, sorted
 *   cli_import_send.c   phase 2: the rows written with pipelined puts
 */
#ifndef CLI_IMPORT_H
#define CLI_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "cli_json.h"

#define IMPORT_LINE_MAX	(64 * 1024)	/* bytes, without the newline */
/* Bytes of the subject kept in a row to sort on: a whole uscc subject. */
#define ROW_KEY		24

/* A field of a list's schema. */
struct imp_field {
	char		*name;
	int		 is_int;
};

/* A list of the hello answer; lines may name no other. */
struct imp_list {
	char			*name;
	struct imp_field	*fields;
	size_t			 nfields;
};

/* The lists, sorted by name: a list's index is its place in name order. */
struct imp_lists {
	struct imp_list	*l;
	size_t		 n;
};

/* A good line. Its subject and fields are in the arena at off. */
struct imp_row {
	char		 key[ROW_KEY];	/* the subject's start, NUL-padded */
	size_t		 off;
	int64_t		 if_version;
	unsigned long	 line;
	uint32_t	 nfields;
	uint32_t	 list;		/* index into struct imp_lists */
};

struct imp_rows {
	struct imp_row	*r;
	size_t		 n;
	size_t		 cap;
	char		*arena;
	size_t		 alen;
	size_t		 acap;
	uint32_t	 maxfields;	/* of any row */
};

struct imp {
	struct cli		*cli;
	struct imp_lists	 lists;
	struct imp_rows		 rows;
	unsigned long		 lines;		/* not blank */
	unsigned long		 ok;		/* puts confirmed */
	unsigned long		 unchanged;	/* rows the entry held already */
	unsigned long		 failed;	/* bad lines, then failed puts */
	double			 start;		/* of the phase */
	double			 last;		/* progress line */
	int			 tty;		/* stderr is one */
	int			 shown;		/* a progress line is open */
};

/* cli_import.c */
void		 imp_error(struct imp *, unsigned long, int, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
void		 imp_endline(struct imp *);
void		 imp_progress(struct imp *, int);
double		 imp_now(void);

/* cli_import_lists.c */
int		 imp_lists_load(struct imp_lists *, const msgpack_object *);
int		 imp_lists_find(const struct imp_lists *, const char *);
int		 imp_lists_field(const struct imp_list *, const char *,
		    size_t);
void		 imp_lists_free(struct imp_lists *);

/*
 * Phase 1's state besides struct imp: room for the fields of a row, and
 * each one's place in the list's schema (-1: not there).
 */
struct imp_check {
	struct imp		*m;
	struct qcreg_field	*f;
	int			*place;
	size_t			 fcap;
};

/* cli_import_check.c: JSON Lines; a row of any format. */
int		 imp_check(struct imp *, FILE *, const char *);
/*
 * Checks a row given as a JSON object {list?, subject, fields,
 * if_version?} and keeps it, or reports it (counted in m->failed).
 * Returns 0, or -1 when out of memory.
 */
int		 imp_check_row(struct imp_check *, json_t *, unsigned long);
void		 imp_check_free(struct imp_check *);

/* cli_import_csv.c: CSV with a header row. */
int		 imp_check_csv(struct imp *, FILE *, const char *);

/* cli_import_rows.c */
int		 imp_rows_add(struct imp_rows *, uint32_t, const char *,
		    const struct qcreg_field *, const int *, size_t, int64_t,
		    unsigned long);
void		 imp_rows_sort(struct imp_rows *);
const char	*imp_rows_get(const struct imp_rows *, const struct imp_lists *,
		    const struct imp_row *, struct qcreg_field *);
void		 imp_rows_free(struct imp_rows *);

/* cli_import_send.c */
int		 imp_send(struct imp *);

#endif
