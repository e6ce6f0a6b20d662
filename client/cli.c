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

#define DEFAULT_SERVER	"127.0.0.1:7443"
#define DEFAULT_PORT	7443
#define DEFAULT_CA	"certs/dev/ca.crt"
#define DEFAULT_CERT	"certs/dev/shop-platform.crt"
#define DEFAULT_KEY	"certs/dev/shop-platform.key"

static void	 usage(FILE *);
static int	 usage_error(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static const struct cli_cmd *cmd_find(const char *);
static int	 split_lists(struct cli *, const char *);
static int	 parse_server(const char *, char *, size_t, unsigned *);
static const char *opt_name(unsigned);
static const char *env_or(const char *, const char *);

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
	{ "import", "FILE|-", O_LIST, 1, 1, cmd_import },
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
"  check - [--lists a,b]       are these subjects listed? '-' reads one\n"
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
"  import [--list L] FILE|-    write entries from JSON Lines, one object\n"
"                              {\"list\", \"subject\", \"fields\"} per line\n"
"                              (and optionally \"if_version\": N)\n"
"                              (--list: the list of lines that name none;\n"
"                              a line naming another list is an error)\n"
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
"  --json              print one JSON document instead of text\n"
"\n"
"exit status:\n"
"  check    0 if no subject is listed, 1 if at least one is, 2 on any\n"
"           error, including an invalid subject in the input (every result\n"
"           obtained is still printed)\n"
"  import   0 if every line was written, 2 if any failed\n"
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

int
main(int argc, char **argv)
{
	const struct cli_cmd	*cmd;
	struct qcreg_opts	 opts;
	struct cli		 cli;
	const char		*server;
	char			 host[256], err[512];
	unsigned		 port, bad;
	int64_t			 v;
	size_t			 i;
	int			 ch, rc;

	memset(&cli, 0, sizeof(cli));
	memset(&opts, 0, sizeof(opts));
	cli.out = stdout;
	cli.if_version = QCREG_NO_VERSION;
	server = env_or("QCREG_SERVER", DEFAULT_SERVER);
	opts.ca_file = env_or("QCREG_CA", DEFAULT_CA);
	opts.cert_file = env_or("QCREG_CERT", DEFAULT_CERT);
	opts.key_file = env_or("QCREG_KEY", DEFAULT_KEY);

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case G_SERVER:
			server = optarg;
			continue;
		case G_CA:
			opts.ca_file = optarg;
			continue;
		case G_CERT:
			opts.cert_file = optarg;
			continue;
		case G_KEY:
			opts.key_file = optarg;
			continue;
		case G_JSON:
			cli.json = 1;
			continue;
		case 'h':
			usage(stdout);
			return CLI_OK;
		case O_LISTS:
			if (cli.lists != NULL)
				return usage_error("--lists given twice");
			if (split_lists(&cli, optarg) != 0)
				return CLI_ERR;
			break;
		case O_LIST:
			cli.list = optarg;
			break;
		case O_IFVER:
			if (cli_parse_int(optarg, 0, INT64_MAX, &v) != 0)
				return usage_error("--if-version: not a "
				    "version number: %s", optarg);
			cli.if_version = v;
			break;
		case O_REASON:
			cli.reason = optarg;
			break;
		case O_AFTER:
			cli.after = optarg;
			break;
		case O_LIMIT:
			if (cli_parse_int(optarg, 1, UINT32_MAX, &v) != 0)
				return usage_error("--limit: not a number of "
				    "1 or more: %s", optarg);
			cli.limit = (uint32_t)v;
			break;
		case O_STATE:
			cli.state = optarg;
			break;
		case O_ALL:
			cli.all = 1;
			break;
		case O_SINCE:
			if (cli_parse_int(optarg, 0, INT64_MAX, &v) != 0)
				return usage_error("--since: not a sequence "
				    "number: %s", optarg);
			cli.since = (uint64_t)v;
			break;
		default:
			return usage_error("unknown option or missing value: "
			    "%s", argv[optind - 1]);
		}
		cli.given |= (unsigned)ch;	/* a command option */
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return CLI_ERR;
	}
	if ((cmd = cmd_find(argv[0])) == NULL)
		return usage_error("unknown command: %s", argv[0]);
	if ((bad = cli.given & ~cmd->opts) != 0) {
		for (i = 1; (bad & i) == 0; i <<= 1)
			;
		return usage_error("--%s does not apply to %s",
		    opt_name((unsigned)i), cmd->name);
	}
	if (argc - 1 < cmd->min_args ||
	    (cmd->max_args >= 0 && argc - 1 > cmd->max_args))
		return usage_error("%s %s", cmd->name, cmd->synopsis);
	if (cmd->exec == cmd_remove && cli.reason == NULL)
		return usage_error("remove needs --reason TEXT");
	if (parse_server(server, host, sizeof(host), &port) != 0)
		return usage_error("bad server address: %s (HOST:PORT)",
		    server);

	if ((rc = qcreg_connect(&cli.c, host, port, &opts, err,
	    sizeof(err))) != 0)
		rc = cli_error(rc, "%s", err);
	else {
		rc = cmd->exec(&cli, argc - 1, argv + 1);
		qcreg_close(cli.c);
	}
	for (i = 0; i < cli.nlists; i++)
		free(cli.lists[i]);
	free(cli.lists);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "qcreg: io: write error on stdout\n");
		return CLI_ERR;
	}
	return rc;
}
