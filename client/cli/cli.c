/*
 * qcreg: the command line client of the qcreg registry.
 *
 * Options are parsed in one pass (they may follow the command), then the
 * command is looked up in a table that says which options and how many
 * arguments it takes, a connection is made and the command runs.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_time.h"

#define DEFAULT_SERVER	"127.0.0.1:7443"
#define DEFAULT_PORT	7443
#define DEFAULT_CA	"certs/dev/ca.crt"
#define DEFAULT_CERT	"certs/dev/shop-platform.crt"
#define DEFAULT_KEY	"certs/dev/shop-platform.key"

/* Where and as whom to connect. */
struct conn_args {
	const char		*server;
	struct qcreg_opts	 opts;
};

#define HELP_SHOWN	(-1)	/* parse_opts: --help was answered */

static void	 usage(FILE *);
static int	 usage_error(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static const struct cli_cmd *cmd_find(int, char **, int *);
static int	 split_lists(struct cli *, const char *);
static int	 parse_server(const char *, char *, size_t, unsigned *);
static const char *opt_name(uint64_t);
static uint64_t	 opt_bit(int);
static const char *env_or(const char *, const char *);
static int	 cmd_opt(struct cli *, uint64_t, const char *);
static int	 state_alias(struct cli *, const char *);
static int	 since_parse(struct cli *, const struct cli_cmd *);
static int	 parse_opts(struct cli *, struct conn_args *, int, char **);
static const struct cli_cmd *cmd_usage(const struct cli *, int, char **,
		    int *);
static int	 cmd_run(struct cli *, const struct cli_cmd *,
		    struct conn_args *, int, char **);

/* The options of case list and its alias cases. */
#define O_CASES	(O_STATE | O_WITHIN | O_LIST | O_KIND | O_OVERDUE | \
		 O_DUE | O_CLOSED)

static const struct cli_cmd cmds[] = {
	{ "hello", "", 0, 0, 0, 0, cmd_hello, 0 },
	/* Connects itself: --verify-signed needs no connection. */
	{ "check", "SUBJECT... | - [--lists a,b] [--signed [--pubkey FILE]] | "
	    "--verify-signed FILE --pubkey FILE", O_LISTS | O_SIGNED |
	    O_VERIFY_SIGNED | O_PUBKEY, 0, 1, -1, cmd_check, 1 },
	{ "get", "SUBJECT", O_LISTS, 0, 1, 1, cmd_get, 0 },
	{ "put", "LIST SUBJECT FIELD=VALUE...", O_IFVER | O_IDEM, 0, 3, -1,
	    cmd_put, 0 },
	{ "remove", "LIST SUBJECT --reason TEXT", O_REASON | O_IFVER | O_IDEM,
	    O_REASON, 2, 2, cmd_remove, 0 },
	{ "history", "SUBJECT", O_LIST, 0, 1, 1, cmd_history, 0 },
	{ "scan", "LIST", O_AFTER | O_LIMIT | O_STATE | O_ALL, 0, 1, 1,
	    cmd_scan, 0 },
	{ "changes", "", O_SINCE | O_LIMIT, 0, 0, 0, cmd_changes, 0 },
	{ "stats", "[--by list|region|month|grade] [--list L] [--region CODE] "
	    "[--from DATE] [--to DATE]", O_BY | O_LIST | O_REGION | O_FROM |
	    O_TO, 0, 0, 0, cmd_stats, 0 },
	{ "search", "TEXT... [--lists a,b] [--limit N] [--after CURSOR]",
	    O_LISTS | O_LIMIT | O_AFTER, 0, 1, -1, cmd_search, 0 },
	{ "import", "FILE|- [--list L] [--format csv|jsonl] [--dry-run]",
	    O_LIST | O_DRYRUN | O_FORMAT, 0, 1, 1, cmd_import, 0 },
	{ "export", "LIST [--state S] [--format csv|jsonl]", O_STATE | O_FORMAT,
	    0, 1, 1, cmd_export, 0 },
	{ "backup", "FILE", 0, 0, 1, 1, cmd_backup, 0 },
	{ "audit", "[SUBJECT] [--principal P] [--since DATE] [--after SEQ] "
	    "[--limit N]", O_PRINCIPAL | O_SINCE | O_AFTER | O_LIMIT, 0, 0, 1,
	    cmd_audit, 0 },
	{ "notify", "LIST SUBJECT FIELD=VALUE... --received-on DATE "
	    "--text TEXT", O_RECEIVED | O_TEXT | O_IDEM, O_RECEIVED | O_TEXT,
	    3, -1, cmd_notify, 0 },
	{ "case open", "LIST SUBJECT --kind KIND --received-on DATE "
	    "--text TEXT [FIELD=VALUE...]", O_KIND | O_RECEIVED | O_TEXT |
	    O_IDEM, O_KIND | O_RECEIVED | O_TEXT, 2, -1, cmd_case_open, 0 },
	{ "case close", "CASE OUTCOME --reason TEXT [FIELD=VALUE...]",
	    O_REASON | O_IFVER | O_IDEM, O_REASON, 2, -1, cmd_case_close, 0 },
	/* One argument: the N of --due N. */
	{ "case list", "[--state S] [--within N] [--list L] [--kind K]",
	    O_CASES, 0, 0, 1, cmd_cases, 0 },
	{ "cases", "[--overdue | --due [N] | --closed] [--list L] [--kind K]",
	    O_CASES, 0, 0, 1, cmd_cases, 0 },
	{ "escalations", "[LIST]", 0, 0, 0, 1, cmd_escalations, 0 },
	{ "dismiss", "LIST SUBJECT --reason TEXT", O_REASON | O_IDEM,
	    O_REASON, 2, 2, cmd_dismiss, 0 },
	{ "verify", "--pubkey FILE [--since CHECKPOINT_FILE] "
	    "[--save CHECKPOINT_FILE]", O_PUBKEY | O_SINCE | O_SAVE, O_PUBKEY,
	    0, 0, cmd_verify, 0 },
	{ "mirror", "DIR --pubkey FILE [--once] [--timezone +HH:MM]",
	    O_PUBKEY | O_ONCE | O_TIMEZONE,
	    O_PUBKEY, 1, 1, cmd_mirror, 1 },
	{ "mirror-check", "DIR SUBJECT... | DIR - [--lists a,b] [--on DATE]",
	    O_LISTS | O_ON, 0, 2, -1, cmd_mirror_check, 1 },
	{ "report", "SUBJECT [--signed [--pubkey FILE]]", O_SIGNED | O_PUBKEY,
	    0, 1, 1, cmd_report, 0 },
};

/* getopt_long codes of the global options (command ones use O_* bits). */
enum {
	G_SERVER = 0x10000000,
	G_CA,
	G_CERT,
	G_KEY,
	G_JSON
};

static const struct option longopts[] = {
	{ "server", required_argument, NULL, G_SERVER },
	{ "ca", required_argument, NULL, G_CA },
	{ "cert", required_argument, NULL, G_CERT },
	{ "key", required_argument, NULL, G_KEY },
	{ "json", no_argument, NULL, G_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ "lists", required_argument, NULL, O_LISTS },
	{ "list", required_argument, NULL, O_LIST },
	{ "by", required_argument, NULL, O_BY },
	{ "region", required_argument, NULL, O_REGION },
	{ "from", required_argument, NULL, O_FROM },
	{ "to", required_argument, NULL, O_TO },
	{ "principal", required_argument, NULL, O_PRINCIPAL },
	{ "format", required_argument, NULL, O_HIGH_CH(0) },
	{ "if-version", required_argument, NULL, O_IFVER },
	{ "reason", required_argument, NULL, O_REASON },
	{ "after", required_argument, NULL, O_AFTER },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "state", required_argument, NULL, O_STATE },
	{ "all", no_argument, NULL, O_ALL },
	{ "since", required_argument, NULL, O_SINCE },
	{ "dry-run", no_argument, NULL, O_DRYRUN },
	{ "idem", required_argument, NULL, O_IDEM },
	{ "kind", required_argument, NULL, O_KIND },
	{ "received-on", required_argument, NULL, O_RECEIVED },
	{ "text", required_argument, NULL, O_TEXT },
	{ "within", required_argument, NULL, O_WITHIN },
	{ "overdue", no_argument, NULL, O_OVERDUE },
	{ "due", optional_argument, NULL, O_DUE },
	{ "closed", no_argument, NULL, O_CLOSED },
	{ "pubkey", required_argument, NULL, O_PUBKEY },
	{ "save", required_argument, NULL, O_SAVE },
	{ "once", no_argument, NULL, O_ONCE },
	{ "on", required_argument, NULL, O_ON },
	{ "timezone", required_argument, NULL, O_TIMEZONE },
	{ "signed", no_argument, NULL, O_SIGNED },
	{ "verify-signed", no_argument, NULL, O_VERIFY_SIGNED },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *f)
{
	fputs(
"usage: qcreg [--server HOST:PORT] [--ca FILE] [--cert FILE] [--key FILE]\n"
"             [--json] COMMAND [ARGUMENTS]\n"
"\n"
"commands:\n"
"  hello                       who am I; the lists, their fields, the limits\n"
"  check SUBJECT... [--lists a,b]\n"
"  check - [--lists a,b]       the verdict on each subject: clear, caution or\n"
"                              listed, and its active entries; '-' reads one\n"
"                              subject per line from stdin (blank lines are\n"
"                              skipped); results come in input order\n"
"  check --signed SUBJECT... | - [--lists a,b] [--pubkey FILE]\n"
"                              one answer signed by the registry (at most\n"
"                              max_batch subjects): the results, then the\n"
"                              signed block (origin, time, size and root of\n"
"                              the log, key_id, signature) and whether the\n"
"                              signature verifies: with FILE (a PEM Ed25519\n"
"                              public key) if given, else with the key the\n"
"                              server lists for key_id in hello. --json:\n"
"                              the answer exactly as signed, to keep\n"
"  check --verify-signed FILE --pubkey FILE\n"
"                              re-check an answer kept from --json --signed\n"
"                              (FILE or '-' for stdin) with the public key\n"
"                              of its key_id, without the network: printed\n"
"                              as --signed prints it\n"
"  get SUBJECT [--lists a,b]   the current entries of a subject\n"
"  put LIST SUBJECT FIELD=VALUE... [--if-version N] [--idem KEY]\n"
"                              list or update an entry (an int field of the\n"
"                              list's schema is sent as a number)\n"
"  remove LIST SUBJECT --reason TEXT [--if-version N] [--idem KEY]\n"
"                              take an entry off a list\n"
"  history SUBJECT [--list L]  every version of a subject\n"
"  report SUBJECT [--signed [--pubkey FILE]]\n"
"                              the credit report of a subject (regulators,\n"
"                              agencies): region, the entry on every list,\n"
"                              the verdict, proposals, escalation, cases and\n"
"                              every version, and the registry's head it was\n"
"                              read at, in Chinese; --json: as data.\n"
"                              --signed: signed by the registry and verified\n"
"                              as check --signed is (with FILE if given)\n"
"  scan LIST [--after SUBJECT] [--limit N] [--state S] [--all]\n"
"                              walk a list (--all follows 'next' to the end)\n"
"  changes [--since SEQ] [--limit N]\n"
"                              the change log\n"
"  stats [--by list|region|month|grade] [--list L] [--region CODE]\n"
"        [--from DATE] [--to DATE]\n"
"                              counts of current entries by list and state;\n"
"                              --by region: by province, or by the division\n"
"                              one level below --region (41: Henan's cities);\n"
"                              --by month: by start date; --by grade: rating\n"
"                              lists by grade; --from/--to: start dates\n"
"  search TEXT... [--lists a,b] [--limit N] [--after CURSOR]\n"
"                              enterprises by name fragment (words: all of\n"
"                              them), USCC prefix or division code (41,\n"
"                              4101): exact names, then prefixes, then the\n"
"                              rest; prints how to ask for the next page\n"
"  import [--list L] [--format csv|jsonl] [--dry-run] FILE|-\n"
"                              write entries from JSON Lines, one object\n"
"                              {\"list\", \"subject\", \"fields\"} per line\n"
"                              (and optionally \"if_version\": N), or from\n"
"                              CSV (FILE.csv or --format csv): a header row\n"
"                              naming subject, the fields, and list and\n"
"                              if_version if wanted; an empty cell leaves\n"
"                              its field out (--list: the list of rows that\n"
"                              name none; a row naming another list is an\n"
"                              error). Every row is checked first: if any\n"
"                              is bad, each is reported with its line and\n"
"                              nothing is written. The entries are then\n"
"                              written sorted by list and subject, the\n"
"                              order the registry stores fastest; the rows\n"
"                              of one entry keep their order in the file.\n"
"                              A row the entry already holds writes nothing\n"
"                              (counted as unchanged). --dry-run: check\n"
"                              every row, write nothing\n"
"  export LIST [--state S] [--format csv|jsonl]\n"
"                              a list's entries as import reads them back\n"
"                              (without --state: all but removed ones)\n"
"\n"
"operators (admin):\n"
"  backup FILE                 a consistent copy of the registry, made by the\n"
"                              server while it serves, fetched into FILE and\n"
"                              checked (SHA-256); qcregd --restore puts it back\n"
"  audit [SUBJECT] [--principal P] [--since DATE] [--after SEQ] [--limit N]\n"
"                              who read what (查询留痕), oldest first\n"
"\n"
"procedures (deadlines in working days):\n"
"  notify LIST SUBJECT FIELD=VALUE... --received-on DATE --text TEXT\n"
"         [--idem KEY]         open a notice case (告知) proposing a listing:\n"
"                              it is written only when the case is closed\n"
"                              'listed'; prints the case and its deadline\n"
"  case open LIST SUBJECT --kind notice|objection|repair\n"
"            --received-on DATE --text TEXT [FIELD=VALUE...] [--idem KEY]\n"
"                              open a case about an entry (fields: only\n"
"                              the proposal of a notice)\n"
"  case close CASE OUTCOME --reason TEXT [FIELD=VALUE...] [--if-version N]\n"
"             [--idem KEY]     decide a case: a notice listed or withdrawn,\n"
"                              an objection upheld, corrected (with the new\n"
"                              fields) or revoked, a repair approved or\n"
"                              rejected; fields given to listed replace the\n"
"                              proposal\n"
"  case list [--state open|overdue|due|closed] [--within N] [--list L]\n"
"            [--kind K]        every case (all pages); open includes the\n"
"                              overdue ones; due: open, deadline within N\n"
"                              working days (default 3)\n"
"  cases [--overdue | --due [N] | --closed] [--list L] [--kind K]\n"
"                              the same: --overdue is --state overdue,\n"
"                              --due N is --state due --within N\n"
"  escalations [LIST]          subjects that watch lists escalate (to LIST)\n"
"                              and that wait for a decision, all pages\n"
"  dismiss LIST SUBJECT --reason TEXT [--idem KEY]\n"
"                              decide not to list an escalated subject on\n"
"                              LIST (until its next watch listing)\n"
"\n"
"verification (PROTOCOL.md 4.4, 4.9):\n"
"  verify --pubkey FILE [--since CHECKPOINT_FILE]\n"
"         [--save CHECKPOINT_FILE]\n"
"                              check the registry against its signing key\n"
"                              (FILE: a PEM Ed25519 public key): the signed\n"
"                              checkpoint (its key_id one of hello's keys,\n"
"                              with FILE's key); every change record as this\n"
"                              principal sees it, chained from the first;\n"
"                              their Merkle root against the checkpoint's;\n"
"                              every entry version served against the record\n"
"                              that wrote it (history of each subject on the\n"
"                              lists the caller may read history of, else\n"
"                              get). --since: a checkpoint saved before must\n"
"                              be signed and a prefix of the new one (its\n"
"                              root, a consistency proof); --save: keep the\n"
"                              new checkpoint (JSON) once all verified.\n"
"                              Reports the first break, e.g. \"change 42:\n"
"                              hash does not match its content\"\n"
"mirror (a platform's verified local copy of the registry):\n"
"  mirror DIR --pubkey FILE [--once] [--timezone +HH:MM]\n"
"                              keep a platform's copy of the registry in\n"
"                              DIR (made if missing): every record and\n"
"                              checkpoint verified with the registry's\n"
"                              public key FILE (PEM), withdrawn entries'\n"
"                              fields deleted; prints each page applied\n"
"                              (seq, checkpoint size), then follows each\n"
"                              write as it comes (a long poll) until\n"
"                              SIGTERM or SIGINT; network and server\n"
"                              failures are retried. --once: one sync,\n"
"                              then exit; --timezone: the registry's UTC\n"
"                              offset (default +08:00), which decides\n"
"                              states. One process syncs a DIR; any\n"
"                              number may mirror-check it meanwhile\n"
"  mirror-check DIR SUBJECT... | DIR - [--lists a,b] [--on DATE]\n"
"                              check as 'check' does, from the mirror in\n"
"                              DIR, without the network; --on: as of DATE\n"
"\n"
"--idem KEY (1 to 64 bytes) makes a write safe to retry: the registry\n"
"applies a write once per key for 24 hours and answers a repeat with the\n"
"first answer. Pick a new key per intended write.\n"
"\n"
"A subject is kind:id with kind uscc, guide, site or plate, or a bare\n"
"18-character unified social credit code.\n"
"\n"
"options:\n"
"  --server HOST:PORT  registry ($QCREG_SERVER, else " DEFAULT_SERVER ")\n"
"  --ca FILE           CA of the registry ($QCREG_CA, else " DEFAULT_CA ")\n"
"  --cert FILE         client certificate ($QCREG_CERT, else\n"
"                      " DEFAULT_CERT ")\n"
"  --key FILE          its key ($QCREG_KEY, else " DEFAULT_KEY ")\n"
"  --json              print one JSON document instead of text (times are\n"
"                      Unix seconds there, as the registry sends them)\n"
"\n"
"Times are shown at UTC+08:00, the registry's time zone; the environment\n"
"variable " CLI_TZ_ENV " may name another offset (e.g. +00:00).\n"
"\n"
"exit status:\n"
"  check    0 if every subject is clear, 1 if at least one is listed,\n"
"           3 if none is listed but one needs caution, 2 on any error,\n"
"           including an invalid subject in the input (every result\n"
"           obtained is still printed); with --signed or --verify-signed\n"
"           also 2 if the signature does not verify or the server has no\n"
"           signing key\n"
"  report   0 on success, 2 on error, also with --signed if the signature\n"
"           does not verify\n"
"  mirror-check  as check\n"
"  mirror   0 when synced (--once) or stopped by a signal, 1 if a record\n"
"           or checkpoint failed verification, 2 on other errors\n"
"  import   0 if every line was written (--dry-run: if every line is\n"
"           good), 2 if any line was bad (then none was written) or failed\n"
"  verify   0 if everything verified, 1 at the first check that failed,\n"
"           2 on a usage, file, connection or server error\n"
"  others   0 on success, 2 on error\n"
"Errors are written to stderr as \"qcreg: CODE: MESSAGE\".\n", f);
}

static int
usage_error(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "qcreg: usage: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (qcreg --help)\n", stderr);
	return CLI_ERR;
}

/*
 * The command whose name is the first word of argv, or the first two
 * ("case open"); *words is set to 1 or 2.
 */
static const struct cli_cmd *
cmd_find(int argc, char **argv, int *words)
{
	const char	*name, *space;
	size_t		 i, len;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		name = cmds[i].name;
		if ((space = strchr(name, ' ')) == NULL) {
			if (strcmp(name, argv[0]) != 0)
				continue;
			*words = 1;
			return &cmds[i];
		}
		len = (size_t)(space - name);
		if (argc >= 2 && strncmp(name, argv[0], len) == 0 &&
		    argv[0][len] == '\0' && strcmp(space + 1, argv[1]) == 0) {
			*words = 2;
			return &cmds[i];
		}
	}
	return NULL;
}

/* The O_* bit of a getopt code. */
static uint64_t
opt_bit(int ch)
{
	if (ch >= O_HIGH_CH(0) && ch < O_HIGH_CH(31))
		return O_HIGH(ch - O_HIGH_CH(0));
	return (uint64_t)(unsigned)ch;
}

static const char *
opt_name(uint64_t bit)
{
	const struct option	*o;

	for (o = longopts; o->name != NULL; o++)
		if (opt_bit(o->val) == bit)
			return o->name;
	return "?";
}

/* Splits --lists a,b,c; empty names are refused. */
static int
split_lists(struct cli *cli, const char *arg)
{
	const char	*p, *comma;
	size_t		 n = 1, i = 0;

	for (p = arg; *p != '\0'; p++)
		n += *p == ',';
	if ((cli->lists = calloc(n, sizeof(*cli->lists))) == NULL)
		return cli_error(QCREG_E_NOMEM, "out of memory");
	for (p = arg;; p = comma + 1) {
		comma = strchr(p, ',');
		if ((comma != NULL ? (size_t)(comma - p) : strlen(p)) == 0)
			return usage_error("--lists: empty list name");
		if ((cli->lists[i++] = strndup(p, comma != NULL ?
		    (size_t)(comma - p) : strlen(p))) == NULL)
			return cli_error(QCREG_E_NOMEM, "out of memory");
		cli->nlists = i;
		if (comma == NULL)
			break;
	}
	return 0;
}

/* HOST, HOST:PORT or [V6ADDR]:PORT. */
static int
parse_server(const char *s, char *host, size_t hostsize, unsigned *port)
{
	const char	*colon, *end;
	size_t		 n;
	int64_t		 v;

	*port = DEFAULT_PORT;
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		n = (size_t)(end - s - 1);
		memcpy(host, s + 1, n < hostsize ? n : 0);
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return -1;
	} else {
		colon = strrchr(s, ':');
		if (colon != NULL && strchr(s, ':') != colon)
			colon = NULL;	/* a bare IPv6 address */
		n = colon != NULL ? (size_t)(colon - s) : strlen(s);
		memcpy(host, s, n < hostsize ? n : 0);
	}
	if (n == 0 || n >= hostsize)
		return -1;
	host[n] = '\0';
	if (colon != NULL) {
		if (cli_parse_int(colon + 1, 1, 65535, &v) != 0)
			return -1;
		*port = (unsigned)v;
	}
	return 0;
}

static const char *
env_or(const char *name, const char *def)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

/* A command option (an O_* bit): records its value. */
static int
cmd_opt(struct cli *cli, uint64_t ch, const char *arg)
{
	int64_t	 v;

	switch (ch) {
	case O_LISTS:
		if (cli->lists != NULL)
			return usage_error("--lists given twice");
		return split_lists(cli, arg);
	case O_LIST:
		cli->list = arg;
		return 0;
	case O_IFVER:
		if (cli_parse_int(arg, 0, INT64_MAX, &v) != 0)
			return usage_error("--if-version: not a version "
			    "number: %s", arg);
		cli->if_version = v;
		return 0;
	case O_REASON:
		cli->reason = arg;
		return 0;
	case O_AFTER:
		cli->after = arg;
		return 0;
	case O_LIMIT:
		if (cli_parse_int(arg, 1, UINT32_MAX, &v) != 0)
			return usage_error("--limit: not a number of 1 or "
			    "more: %s", arg);
		cli->limit = (uint32_t)v;
		return 0;
	case O_STATE:
		cli->state = arg;
		return 0;
	case O_ALL:
		cli->all = 1;
		return 0;
	case O_SINCE:
		cli->since_arg = arg;	/* see since_parse */
		return 0;
	case O_DRYRUN:
		cli->dry_run = 1;
		return 0;
	case O_IDEM:
		if (*arg == '\0' || strlen(arg) > QCREG_IDEM_MAX)
			return usage_error("--idem: a key of 1 to %d bytes",
			    QCREG_IDEM_MAX);
		cli->idem = arg;
		return 0;
	case O_KIND:
		cli->kind = arg;
		return 0;
	case O_RECEIVED:
		cli->received_on = arg;
		return 0;
	case O_TEXT:
		cli->text = arg;
		return 0;
	case O_WITHIN:
		if (cli_parse_int(arg, 0, INT32_MAX, &v) != 0)
			return usage_error("--within: not a number of working "
			    "days: %s", arg);
		cli->within = (int)v;
		return 0;
	case O_OVERDUE:
		return state_alias(cli, "overdue");
	case O_DUE:
		if (arg != NULL && cli_parse_int(arg, 0, INT32_MAX, &v) != 0)
			return usage_error("--due: not a number of working "
			    "days: %s", arg);
		if (arg != NULL)
			cli->within = (int)v;
		return state_alias(cli, "due");
	case O_CLOSED:
		return state_alias(cli, "closed");
	case O_PUBKEY:
		cli->pubkey = arg;
		return 0;
	case O_SAVE:
		cli->save = arg;
		return 0;
	case O_ONCE:
		cli->once = 1;
		return 0;
	case O_ON:
		cli->on = arg;
		return 0;
	case O_TIMEZONE:
		cli->timezone = arg;
		return 0;
	case O_BY:
		cli->by = arg;
		return 0;
	case O_REGION:
		cli->region = arg;
		return 0;
	case O_FROM:
		cli->from = arg;
		return 0;
	case O_TO:
		cli->to = arg;
		return 0;
	case O_PRINCIPAL:
		cli->principal = arg;
		return 0;
	case O_FORMAT:
		if (strcmp(arg, "csv") != 0 && strcmp(arg, "jsonl") != 0)
			return usage_error("--format: csv or jsonl");
		cli->format = arg;
		return 0;
	case O_SIGNED:
	case O_VERIFY_SIGNED:
		return 0;	/* seen in cli->given */
	default:
		return usage_error("unknown option code %#llx",
		    (unsigned long long)ch);
	}
}

/* --overdue, --due and --closed each name a state; one may be given. */
static int
state_alias(struct cli *cli, const char *state)
{
	if (cli->state_alias != NULL && strcmp(cli->state_alias, state) != 0)
		return usage_error("--%s and --%s exclude each other",
		    cli->state_alias, state);
	cli->state_alias = state;
	return 0;
}

/* --since is a sequence number, but for verify a checkpoint file. */
static int
since_parse(struct cli *cli, const struct cli_cmd *cmd)
{
	int64_t	 v;

	/* verify's --since is a file, audit's a date. */
	if (cli->since_arg == NULL || cmd->exec == cmd_verify ||
	    cmd->exec == cmd_audit)
		return 0;
	if (cli_parse_int(cli->since_arg, 0, INT64_MAX, &v) != 0)
		return usage_error("--since: not a sequence number: %s",
		    cli->since_arg);
	cli->since = (uint64_t)v;
	return 0;
}

/*
 * Parses the options, global and command ones, wherever they are.
 * Returns 0, HELP_SHOWN after --help, or CLI_ERR.
 */
static int
parse_opts(struct cli *cli, struct conn_args *ca, int argc, char **argv)
{
	int	 ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case G_SERVER:
			ca->server = optarg;
			break;
		case G_CA:
			ca->opts.ca_file = optarg;
			break;
		case G_CERT:
			ca->opts.cert_file = optarg;
			break;
		case G_KEY:
			ca->opts.key_file = optarg;
			break;
		case G_JSON:
			cli->json = 1;
			break;
		case 'h':
			usage(stdout);
			return HELP_SHOWN;
		case '?':
			return usage_error("unknown option or missing value: "
			    "%s", argv[optind - 1]);
		default:
			if (cmd_opt(cli, opt_bit(ch), optarg) != 0)
				return CLI_ERR;
			cli->given |= opt_bit(ch);
			break;
		}
	}
	return 0;
}

/*
 * The command the first words of argv name (*words of them), if the
 * options and arguments fit it.
 */
static const struct cli_cmd *
cmd_usage(const struct cli *cli, int argc, char **argv, int *words)
{
	const struct cli_cmd	*cmd;
	uint64_t		 bad, bit;

	if (argc == 0) {
		usage(stderr);
		return NULL;
	}
	if ((cmd = cmd_find(argc, argv, words)) == NULL) {
		if (strcmp(argv[0], "case") == 0)
			usage_error("case open, case close or case list");
		else
			usage_error("unknown command: %s", argv[0]);
		return NULL;
	}
	if ((bad = cli->given & ~cmd->opts) != 0) {
		for (bit = 1; (bad & bit) == 0; bit <<= 1)
			;
		usage_error("--%s does not apply to %s", opt_name(bit),
		    cmd->name);
		return NULL;
	}
	if (argc - *words < cmd->min_args ||
	    (cmd->max_args >= 0 && argc - *words > cmd->max_args)) {
		usage_error("%s %s", cmd->name, cmd->synopsis);
		return NULL;
	}
	if ((bad = cmd->need & ~cli->given) != 0) {
		for (bit = 1; (bad & bit) == 0; bit <<= 1)
			;
		usage_error("%s needs --%s", cmd->name, opt_name(bit));
		return NULL;
	}
	return cmd;
}

/* Connects to cli->host as cli->opts say; the hello answer labels. */
int
cli_connect(struct cli *cli)
{
	char	 err[512];
	int	 rc;

	if ((rc = qcreg_connect(&cli->c, cli->host, cli->port, cli->opts, err,
	    sizeof(err))) != 0)
		return cli_error(rc, "%s", err);
	cli->hello = qcreg_hello_result(cli->c);
	return CLI_OK;
}

/*
 * Connects as ca says and runs the command with its arguments; a command
 * that makes its own connection (or none) only gets where to connect,
 * and cli_connect() if it wants one.
 */
static int
cmd_run(struct cli *cli, const struct cli_cmd *cmd, struct conn_args *ca,
    int argc, char **argv)
{
	char		 host[256];
	unsigned	 port;
	int		 rc;

	if (parse_server(ca->server, host, sizeof(host), &port) != 0)
		return usage_error("bad server address: %s (HOST:PORT)",
		    ca->server);
	cli->host = host;
	cli->port = port;
	cli->opts = &ca->opts;
	if (!cmd->own_conn && (rc = cli_connect(cli)) != CLI_OK)
		return rc;
	rc = cmd->exec(cli, argc, argv);
	qcreg_close(cli->c);
	cli->c = NULL;
	return rc;
}

int
main(int argc, char **argv)
{
	const struct cli_cmd	*cmd;
	struct conn_args	 ca;
	struct cli		 cli;
	size_t			 i;
	int			 rc, words;

	memset(&cli, 0, sizeof(cli));
	memset(&ca, 0, sizeof(ca));
	cli.out = stdout;
	cli.if_version = QCREG_NO_VERSION;
	cli.within = -1;
	ca.server = env_or("QCREG_SERVER", DEFAULT_SERVER);
	ca.opts.ca_file = env_or("QCREG_CA", DEFAULT_CA);
	ca.opts.cert_file = env_or("QCREG_CERT", DEFAULT_CERT);
	ca.opts.key_file = env_or("QCREG_KEY", DEFAULT_KEY);

	if ((rc = parse_opts(&cli, &ca, argc, argv)) == 0) {
		if ((cmd = cmd_usage(&cli, argc - optind, argv + optind,
		    &words)) == NULL || since_parse(&cli, cmd) != 0)
			rc = CLI_ERR;
		else if (cli_time_zone(getenv(CLI_TZ_ENV), &cli.tz) != 0)
			rc = usage_error("%s: not a UTC offset such as "
			    "+08:00: %s", CLI_TZ_ENV, getenv(CLI_TZ_ENV));
		else
			rc = cmd_run(&cli, cmd, &ca, argc - optind - words,
			    argv + optind + words);
	} else if (rc == HELP_SHOWN)
		rc = CLI_OK;
	for (i = 0; i < cli.nlists; i++)
		free(cli.lists[i]);
	free(cli.lists);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "qcreg: io: write error on stdout\n");
		return CLI_ERR;
	}
	return rc;
}
