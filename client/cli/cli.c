/*
 * qcreg: the command line client of the qcreg registry.
 *
 * Options are parsed in one pass (they may follow the command), then the
 * command is looked up in a table that says which options and how many
 * arguments it takes, a connection is made and the command runs.
 */
#include <errno.h>
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
static const struct cli_cmd *cmd_find(const char *);
static int	 split_lists(struct cli *, const char *);
static int	 parse_server(const char *, char *, size_t, unsigned *);
static const char *opt_name(unsigned);
static const char *env_or(const char *, const char *);
static int	 cmd_opt(struct cli *, int, const char *);
static int	 parse_opts(struct cli *, struct conn_args *, int, char **);
static const struct cli_cmd *cmd_usage(const struct cli *, int, char **);
static int	 cmd_run(struct cli *, const struct cli_cmd *,
		    struct conn_args *, int, char **);

static const struct cli_cmd cmds[] = {
	{ "hello", "", 0, 0, 0, cmd_hello },
	{ "check", "SUBJECT... | -", O_LISTS, 1, -1, cmd_check },
	{ "get", "SUBJECT", O_LISTS, 1, 1, cmd_get },
	{ "put", "LIST SUBJECT FIELD=VALUE...", O_IFVER, 3, -1, cmd_put },
	{ "remove", "LIST SUBJECT --reason TEXT", O_REASON | O_IFVER, 2, 2,
	    cmd_remove },
	{ "history", "SUBJECT", O_LIST, 1, 1, cmd_history },
	{ "scan", "LIST", O_AFTER | O_LIMIT | O_STATE | O_ALL, 1, 1,
	    cmd_scan },
	{ "changes", "", O_SINCE | O_LIMIT, 0, 0, cmd_changes },
	{ "stats", "", 0, 0, 0, cmd_stats },
	{ "import", "FILE|-", O_LIST | O_DRYRUN, 1, 1, cmd_import },
};

/* getopt_long codes of the global options (command ones use O_* bits). */
enum {
	G_SERVER = 0x1000,
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
	{ "if-version", required_argument, NULL, O_IFVER },
	{ "reason", required_argument, NULL, O_REASON },
	{ "after", required_argument, NULL, O_AFTER },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "state", required_argument, NULL, O_STATE },
	{ "all", no_argument, NULL, O_ALL },
	{ "since", required_argument, NULL, O_SINCE },
	{ "dry-run", no_argument, NULL, O_DRYRUN },
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
"  get SUBJECT [--lists a,b]   the current entries of a subject\n"
"  put LIST SUBJECT FIELD=VALUE... [--if-version N]\n"
"                              list or update an entry (an int field of the\n"
"                              list's schema is sent as a number)\n"
"  remove LIST SUBJECT --reason TEXT [--if-version N]\n"
"                              take an entry off a list\n"
"  history SUBJECT [--list L]  every version of a subject\n"
"  scan LIST [--after SUBJECT] [--limit N] [--state S] [--all]\n"
"                              walk a list (--all follows 'next' to the end)\n"
"  changes [--since SEQ] [--limit N]\n"
"                              the change log\n"
"  stats                       counts per list and state\n"
"  import [--list L] [--dry-run] FILE|-\n"
"                              write entries from JSON Lines, one object\n"
"                              {\"list\", \"subject\", \"fields\"} per line\n"
"                              (and optionally \"if_version\": N)\n"
"                              (--list: the list of lines that name none;\n"
"                              a line naming another list is an error).\n"
"                              Every line is checked first: if any is bad,\n"
"                              each is reported and nothing is written.\n"
"                              The entries are then written sorted by list\n"
"                              and subject, the order the registry stores\n"
"                              fastest; the lines of one entry keep their\n"
"                              order in the file. --dry-run: check every\n"
"                              line, write nothing\n"
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
"           obtained is still printed)\n"
"  import   0 if every line was written (--dry-run: if every line is\n"
"           good), 2 if any line was bad (then none was written) or failed\n"
"  others   0 on success, 2 on error\n"
"Errors are written to stderr as \"qcreg: CODE: MESSAGE\".\n", f);
}

/* Prints "qcreg: CODE: message" and returns CLI_ERR. */
int
cli_error(int code, const char *fmt, ...)
{
	va_list	 ap;

	fflush(stdout);
	fprintf(stderr, "qcreg: %s: ", qcreg_code_name(code));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_ERR;
}

/* Reports a failed library call. */
int
cli_fail(struct cli *cli, int rc)
{
	return cli_error(rc, "%s", qcreg_errmsg(cli->c));
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

/* Parses a whole decimal integer within min .. max. */
int
cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *v)
{
	char		*end;
	long long	 n;

	if (*s == '\0' || *s == ' ' || *s == '+')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*v = n;
	return 0;
}

static const struct cli_cmd *
cmd_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static const char *
opt_name(unsigned bit)
{
	const struct option	*o;

	for (o = longopts; o->name != NULL; o++)
		if ((unsigned)o->val == bit)
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
cmd_opt(struct cli *cli, int ch, const char *arg)
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
		if (cli_parse_int(arg, 0, INT64_MAX, &v) != 0)
			return usage_error("--since: not a sequence number: %s",
			    arg);
		cli->since = (uint64_t)v;
		return 0;
	case O_DRYRUN:
		cli->dry_run = 1;
		return 0;
	default:
		return usage_error("unknown option code %d", ch);
	}
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
			if (cmd_opt(cli, ch, optarg) != 0)
				return CLI_ERR;
			cli->given |= (unsigned)ch;
			break;
		}
	}
	return 0;
}

/* The command argv[0] names, if the options and arguments fit it. */
static const struct cli_cmd *
cmd_usage(const struct cli *cli, int argc, char **argv)
{
	const struct cli_cmd	*cmd;
	unsigned		 bad, bit;

	if (argc == 0) {
		usage(stderr);
		return NULL;
	}
	if ((cmd = cmd_find(argv[0])) == NULL) {
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
	if (argc - 1 < cmd->min_args ||
	    (cmd->max_args >= 0 && argc - 1 > cmd->max_args)) {
		usage_error("%s %s", cmd->name, cmd->synopsis);
		return NULL;
	}
	if (cmd->exec == cmd_remove && cli->reason == NULL) {
		usage_error("remove needs --reason TEXT");
		return NULL;
	}
	return cmd;
}

/* Connects as ca says and runs the command with its arguments. */
static int
cmd_run(struct cli *cli, const struct cli_cmd *cmd, struct conn_args *ca,
    int argc, char **argv)
{
	char		 host[256], err[512];
	unsigned	 port;
	int		 rc;

	if (parse_server(ca->server, host, sizeof(host), &port) != 0)
		return usage_error("bad server address: %s (HOST:PORT)",
		    ca->server);
	if ((rc = qcreg_connect(&cli->c, host, port, &ca->opts, err,
	    sizeof(err))) != 0)
		return cli_error(rc, "%s", err);
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
	int			 rc;

	memset(&cli, 0, sizeof(cli));
	memset(&ca, 0, sizeof(ca));
	cli.out = stdout;
	cli.if_version = QCREG_NO_VERSION;
	ca.server = env_or("QCREG_SERVER", DEFAULT_SERVER);
	ca.opts.ca_file = env_or("QCREG_CA", DEFAULT_CA);
	ca.opts.cert_file = env_or("QCREG_CERT", DEFAULT_CERT);
	ca.opts.key_file = env_or("QCREG_KEY", DEFAULT_KEY);

	if ((rc = parse_opts(&cli, &ca, argc, argv)) == 0) {
		if ((cmd = cmd_usage(&cli, argc - optind, argv + optind)) ==
		    NULL)
			rc = CLI_ERR;
		else if (cli_time_zone(getenv(CLI_TZ_ENV), &cli.tz) != 0)
			rc = usage_error("%s: not a UTC offset such as "
			    "+08:00: %s", CLI_TZ_ENV, getenv(CLI_TZ_ENV));
		else
			rc = cmd_run(&cli, cmd, &ca, argc - optind - 1,
			    argv + optind + 1);
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
