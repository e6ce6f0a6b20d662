/*
 * qcreg command line: shared declarations of client/cli/cli*.c.
 */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <msgpack.h>

#include "qcreg.h"

/* Exit status. */
#define CLI_OK		0
#define CLI_LISTED	1	/* check: something is listed */
#define CLI_ERR		2
#define CLI_CAUTION	3	/* check: the worst verdict is caution */
#define CLI_FAILED	1	/* verify: a check of the registry failed */

/*
 * Command options, as bits of struct cli_cmd.opts and struct cli.given.
 * The first ones are their own getopt codes; those past 31 bits are
 * O_HIGH(n), whose getopt code is O_HIGH_CH(n) (cli.c maps it back).
 */
#define O_HIGH_CH(n)	(0x101 + (n))	/* no power of two among them */
#define O_HIGH(n)	((uint64_t)1 << (32 + (n)))
#define O_LISTS		0x001
#define O_LIST		0x002
#define O_IFVER		0x004
#define O_REASON	0x008
#define O_AFTER		0x010
#define O_LIMIT		0x020
#define O_STATE		0x040
#define O_ALL		0x080
#define O_SINCE		0x100
#define O_DRYRUN	0x200
#define O_IDEM		0x400
#define O_KIND		0x800
#define O_RECEIVED	0x1000
#define O_TEXT		0x2000
#define O_WITHIN	0x4000
#define O_OVERDUE	0x8000
#define O_DUE		0x10000
#define O_CLOSED	0x20000
#define O_PUBKEY	0x40000
#define O_SAVE		0x80000
#define O_ONCE		0x200000
#define O_ON		0x400000
#define O_TIMEZONE	0x800000
#define O_SIGNED	0x1000000
#define O_VERIFY_SIGNED	0x2000000
#define O_BY		0x100000
#define O_REGION	0x4000000
#define O_FROM		0x8000000
#define O_TO		0x20000000	/* above the global option codes */
#define O_PRINCIPAL	0x40000000
#define O_FORMAT	O_HIGH(0)

struct cli {
	struct qcreg	*c;
	/* The hello result whose schemas label values (the connection's). */
	const msgpack_object *hello;
	/* Where c went, for a command that opens more connections. */
	const char	*host;
	unsigned	 port;
	const struct qcreg_opts *opts;
	FILE		*out;
	int		 json;
	int		 tz;		/* UTC offset of times shown, minutes */
	uint64_t	 given;		/* O_* seen on the command line */
	char		**lists;	/* --lists, split at commas */
	size_t		 nlists;
	const char	*list;		/* --list */
	const char	*reason;	/* --reason */
	const char	*after;		/* --after */
	const char	*state;		/* --state */
	uint32_t	 limit;		/* --limit, 0 if not given */
	const char	*since_arg;	/* --since as given */
	uint64_t	 since;		/* --since, a seq (not for verify) */
	int64_t		 if_version;	/* --if-version or QCREG_NO_VERSION */
	int		 all;		/* --all */
	int		 dry_run;	/* --dry-run */
	const char	*idem;		/* --idem: a write's retry key */
	const char	*kind;		/* --kind */
	const char	*received_on;	/* --received-on */
	const char	*text;		/* --text */
	/* The state --overdue, --due or --closed names, or NULL. */
	const char	*state_alias;
	int		 within;	/* --within, --due=N; or -1 */
	const char	*pubkey;	/* --pubkey: the registry's key file */
	const char	*save;		/* --save: where the checkpoint goes */
	int		 once;		/* --once */
	const char	*on;		/* --on: the day a check is as of */
	const char	*timezone;	/* --timezone: the registry's offset */
	/* stats: --by, --region, --from, --to */
	const char	*by, *region, *from, *to;
	const char	*principal;	/* audit --principal */
	const char	*format;	/* import and export --format */
};

struct cli_cmd {
	const char	*name;		/* one or two words: "case open" */
	const char	*synopsis;
	uint64_t	 opts;		/* O_* the command accepts */
	uint64_t	 need;		/* O_* it cannot do without */
	int		 min_args;
	int		 max_args;	/* -1: any number */
	int		(*exec)(struct cli *, int, char **);
	int		 own_conn;	/* it connects itself, if at all */
};

/* cli.c: connects as the options say (for commands with own_conn). */
int		 cli_connect(struct cli *);

/* cli_error.c */
int		 cli_error(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
int		 cli_fail(struct cli *, int);

/* cli_number.c */
int		 cli_parse_int(const char *, int64_t, int64_t, int64_t *);

/* cli_fields.c */
int		 cli_fields_parse(struct cli *, const char *, char **, int,
		    struct qcreg_field **);

/* cli_print.c */
struct table {
	size_t		 ncols;
	unsigned	 right;		/* bit i: right-align column i */
	char		**cells;
	size_t		 ncells;
	size_t		 cap;
	int		 failed;	/* out of memory while adding */
};

size_t		 pr_width(const char *, size_t);
void		 pr_text(FILE *, const char *, size_t);
void		 pr_pad(FILE *, size_t, size_t);
void		 pr_scalar(FILE *, const msgpack_object *);
int		 pr_json(struct cli *, const msgpack_object *);
void		 pr_entry(struct cli *, const msgpack_object *, int);
size_t		 pr_keys_width(const msgpack_object *, size_t);
void		 pr_key(FILE *, int, const char *, size_t);
void		 pr_field_line(struct cli *, const char *,
		    const msgpack_object_kv *, int, size_t);
void		 pr_field_lines(struct cli *, const char *,
		    const msgpack_object *, int, size_t);
void		 pr_fields(struct cli *, const char *, const msgpack_object *,
		    char *, size_t);
char		*pr_objstr(const msgpack_object *, char *, size_t);
void		 pr_label(struct cli *, const char *, const char *,
		    const char *, size_t);

void		 tbl_init(struct table *, size_t);
void		 tbl_add(struct table *, const char *, size_t);
void		 tbl_addf(struct table *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 tbl_obj(struct table *, const msgpack_object *);
void		 tbl_trunc(struct table *, const char *, size_t, size_t);
int		 tbl_print(struct table *, FILE *);
size_t		 tbl_rows(const struct table *);
void		 tbl_free(struct table *);

/* cli_case_print.c */
const char	*pr_kind_label(const char *, size_t);
void		 pr_disputed(FILE *, uint64_t);
void		 pr_escalation(FILE *, const char *, const char *, uint64_t,
		    const char *, const char *);
void		 pr_escalation_obj(FILE *, const msgpack_object *);
void		 pr_proposed(struct cli *, const msgpack_object *, int);

/* cli_line.c */
struct lines {
	FILE		*f;
	char		*buf;		/* cap + 1 bytes */
	size_t		 cap;
	size_t		 start;		/* unread: buf[start .. end) */
	size_t		 end;
	size_t		 max;
	int		 eof;		/* fread met the end of the input */
	unsigned long	 lineno;
};

int		 lines_init(struct lines *, FILE *, size_t);
int		 lines_next(struct lines *, char **, size_t *);
void		 lines_free(struct lines *);

/* cli_check_in.c: the subjects of check, in batches of up to max. */
struct chk_in {
	int		 argc;
	char		**argv;
	int		 argi;
	int		 from_stdin;	/* the argument was "-" */
	struct lines	 lines;
	char		**v;		/* the batch: v[0 .. n) */
	size_t		 n;
	size_t		 max;
};

int		 chk_in_open(struct chk_in *, int, char **, size_t);
int		 chk_in_next(struct chk_in *);
void		 chk_in_close(struct chk_in *);

/* cli_check_out.c: the results of check, and the exit status. */
struct chk {
	struct cli	*cli;
	unsigned long	 listed;	/* subjects with verdict listed */
	unsigned long	 caution;	/* subjects with verdict caution */
	unsigned long	 invalid;	/* subjects refused */
	unsigned long	 total;
	int		 first;		/* no JSON item printed yet */
};

void		 chk_init(struct chk *, struct cli *);
void		 chk_begin(struct chk *, struct cli *);
int		 chk_print(struct chk *, const struct qcreg_check *);
void		 chk_tally(struct chk *, const struct qcreg_check *);
int		 chk_end(struct chk *, int);
int		 chk_status(const struct chk *, int);

/* cli_signed.c: what signed answers (check, report) share. */
#define SIGNED_HOW_MAX	4200	/* "the key in PATH", PATH_MAX and more */

/* "the key in FILE" (--pubkey) or "the key the server lists for K". */
void		 signed_how(struct cli *, const struct qcreg_checkpoint *,
		    char *, size_t);
/* The signed block, and whether it verified (ok) with the key how names. */
void		 signed_print(struct cli *, const struct qcreg_checkpoint *,
		    int ok, const char *how);
/* The key to verify sig with into pub: --pubkey's, else hello's. */
int		 signed_key(struct cli *, const struct qcreg_checkpoint *,
		    uint8_t *pub);

/* cli_check_signed.c, cli_check_stored.c: signed answers (--signed). */
int		 chk_signed(struct cli *, int, char **);
int		 chk_signed_show(struct cli *, json_t *,
		    const struct qcreg_check *, const struct qcreg_checkpoint *,
		    const uint8_t *);
int		 chk_stored(struct cli *, int, char **);

/* One file per command group. */
int		 cmd_hello(struct cli *, int, char **);
int		 cmd_stats(struct cli *, int, char **);
int		 cmd_search(struct cli *, int, char **);
int		 cmd_backup(struct cli *, int, char **);
int		 cmd_export(struct cli *, int, char **);
int		 cmd_audit(struct cli *, int, char **);
int		 cmd_check(struct cli *, int, char **);
int		 cmd_get(struct cli *, int, char **);
int		 cmd_history(struct cli *, int, char **);
int		 cmd_put(struct cli *, int, char **);
int		 cmd_remove(struct cli *, int, char **);
int		 cmd_scan(struct cli *, int, char **);
int		 cmd_changes(struct cli *, int, char **);
int		 cmd_import(struct cli *, int, char **);
int		 cmd_notify(struct cli *, int, char **);
int		 cmd_case_open(struct cli *, int, char **);
int		 cmd_case_close(struct cli *, int, char **);
int		 cmd_cases(struct cli *, int, char **);
int		 cmd_escalations(struct cli *, int, char **);
int		 cmd_dismiss(struct cli *, int, char **);
int		 cmd_verify(struct cli *, int, char **);
int		 cmd_mirror(struct cli *, int, char **);
int		 cmd_mirror_check(struct cli *, int, char **);
int		 cmd_report(struct cli *, int, char **);

/* cli_report_print.c: a report map as the report in Chinese. */
int		 report_print(struct cli *, const msgpack_object *);

#endif
