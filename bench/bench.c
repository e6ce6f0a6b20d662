/*
 * qcreg-bench: command line and report. See docs/BENCH.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench.h"

/* Fragments drawn for a run; a longer run takes them again. */
#define FRAGS		100000

/* Long options; values above 255 so that none is a character. */
enum {
	O_SERVER = 256, O_CA, O_CERT, O_KEY, O_CERTDIR, O_CONNS,
	O_PIPE, O_THREADS, O_DUR, O_WARM, O_MIX, O_BATCH, O_GEN,
	O_SEED, O_HIT, O_KEYS, O_PROTO, O_NEWCONN, O_NORESUME, O_LOAD,
	O_IDLE, O_HOLD, O_JSON, O_LABEL, O_PRINT, O_FROM, O_MIRROR, O_PUBKEY,
	O_REPORT, O_VERSIONS, O_CASES,
	O_FRAG, O_NSEED, O_FTS, O_FTSBUILD, O_PNAMES
};

/* What the command line said beyond struct bench_opts. */
struct args {
	int		 conns_set;
	int		 pipe_set;
	uint64_t	 print_n;	/* --print-keys */
	uint64_t	 print_names;	/* --print-names */
};

static void	 usage(void) __attribute__((noreturn));
static int	 parse_server(struct bench_opts *, const char *);
static int	 parse_mix(struct bench_opts *, const char *);
static uint64_t	 parse_u64(const char *, const char *, uint64_t,
		    uint64_t);
static double	 parse_double(const char *, const char *, double, double);
static void	 mix_string(const struct bench_opts *, char *, size_t);
static void	 json_str(FILE *, const char *);
static void	 report_text(const struct bench_opts *,
		    const struct bench_result *);
static void	 report_json(const struct bench_opts *,
		    const struct bench_result *);
static void	 print_keys(uint64_t);
static void	 print_names(uint64_t, uint64_t);
static const char *proto_name(const struct bench_opts *);
static int	 frags_make(const struct bench_opts *, struct keyset *);
static int	 opt_conn(struct bench_opts *, struct args *, int,
		    const char *);
static int	 opt_work(struct bench_opts *, struct args *, int,
		    const char *);
static void	 opts_default(struct bench_opts *);
static void	 mode_defaults(struct bench_opts *, const struct args *);
static int	 bench_run(const struct bench_opts *, struct keyset *);

static const struct option longopts[] = {
	{ "server", required_argument, NULL, O_SERVER },
	{ "ca", required_argument, NULL, O_CA },
	{ "cert", required_argument, NULL, O_CERT },
	{ "key", required_argument, NULL, O_KEY },
	{ "cert-dir", required_argument, NULL, O_CERTDIR },
	{ "conns", required_argument, NULL, O_CONNS },
	{ "pipeline", required_argument, NULL, O_PIPE },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "duration", required_argument, NULL, O_DUR },
	{ "warmup", required_argument, NULL, O_WARM },
	{ "mix", required_argument, NULL, O_MIX },
	{ "batch", required_argument, NULL, O_BATCH },
	{ "gen-keys", required_argument, NULL, O_GEN },
	{ "seed", required_argument, NULL, O_SEED },
	{ "hit-ratio", required_argument, NULL, O_HIT },
	{ "keys", required_argument, NULL, O_KEYS },
	{ "proto", required_argument, NULL, O_PROTO },
	{ "new-conn", no_argument, NULL, O_NEWCONN },
	{ "no-resume", no_argument, NULL, O_NORESUME },
	{ "load", no_argument, NULL, O_LOAD },
	{ "load-from", required_argument, NULL, O_FROM },
	{ "idle", required_argument, NULL, O_IDLE },
	{ "hold", required_argument, NULL, O_HOLD },
	{ "json", no_argument, NULL, O_JSON },
	{ "label", required_argument, NULL, O_LABEL },
	{ "print-keys", required_argument, NULL, O_PRINT },
	{ "mirror", required_argument, NULL, O_MIRROR },
	{ "pubkey", required_argument, NULL, O_PUBKEY },
	{ "report", required_argument, NULL, O_REPORT },
	{ "versions", required_argument, NULL, O_VERSIONS },
	{ "cases", required_argument, NULL, O_CASES },
	{ "frag-chars", required_argument, NULL, O_FRAG },
	{ "name-seed", required_argument, NULL, O_NSEED },
	{ "fts", required_argument, NULL, O_FTS },
	{ "fts-build", no_argument, NULL, O_FTSBUILD },
	{ "print-names", required_argument, NULL, O_PNAMES },
	{ NULL, 0, NULL, 0 }
};

static const char *const op_names[OP_NMIX] = {
	"check1", "checkB", "get", "put", "checkS", "proof", "checkpoint",
	"consistency", "search"
};
static const char *const mode_names[] = { "run", "new-conn", "load", "idle" };

static void
usage(void)
{
	fprintf(stderr,
"usage: qcreg-bench [--server HOST:PORT] [--proto qcreg|redis|http]\n"
"         [--ca FILE] [--cert FILE] [--key FILE]\n"
"         [--conns N] [--pipeline P] [--threads T] [--duration S]\n"
"         [--warmup S] [--mix OP=W,...] [--batch B]\n"
"         [--gen-keys M] [--seed S] [--hit-ratio H] [--keys FILE]\n"
"         [--new-conn [--no-resume]] [--json] [--label TEXT]\n"
"       qcreg-bench --load [--gen-keys M] [--load-from I] [--cert-dir DIR]\n"
"       qcreg-bench --idle N [--hold S] ...\n"
"       qcreg-bench --mirror DIR [--pubkey FILE] [--batch B] [--duration S]\n"
"         [--warmup S] [--gen-keys M] [--seed S] [--hit-ratio H] ...\n"
"       qcreg-bench --report N [--versions V] [--cases C] [--cert-dir DIR]\n"
"         [--json] [--label TEXT]\n"
"       qcreg-bench --fts FILE [--fts-build] [--frag-chars N] [--conns T]\n"
"         [--duration S] [--warmup S] [--gen-keys M] [--name-seed S] ...\n"
"       qcreg-bench --print-keys N [--gen-keys M] [--seed S]\n"
"       qcreg-bench --print-names N [--name-seed S]\n"
"ops for --mix: check1 (check of 1 subject / GET), checkB (check of --batch\n"
"subjects / MGET), get (get / GET), put (put of a credit entry / SET);\n"
"qcreg only: checkS (signed check of --batch subjects), proof (inclusion\n"
"proof of a random record of the first --gen-keys), checkpoint,\n"
"consistency (of a random size up to --gen-keys with the log's head),\n"
"search (of a fragment of --frag-chars characters, default 4, cut from a\n"
"random name of the first --gen-keys of the names data set, --name-seed)\n"
"--fts: the same fragments on SQLite FTS5 (trigram) in FILE, --conns\n"
"threads; --fts-build makes FILE from the names data set first\n"
"--print-names: the names data set as JSON Lines for qcreg import\n"
"--mirror: sync the mirror in DIR from the server (key: --pubkey, default\n"
"certs/dev/signing-1.pub), then qcreg_mirror_check of --batch subjects on\n"
"one thread\n"
"--report: write one subject with V versions (default 100) over credit,\n"
"tourism and advertising and C cases (default 10) as the agencies of\n"
"--cert-dir, then time N reports on it as market-regulator, unsigned then\n"
"signed, one at a time\n");
	exit(2);
}

static int
parse_server(struct bench_opts *o, const char *s)
{
	static char	 host[256];
	const char	*colon;
	size_t		 len;

	if ((colon = strrchr(s, ':')) == NULL)
		return -1;
	len = (size_t)(colon - s);
	if (len > 1 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(host))
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	o->host = host;
	o->port = (unsigned)parse_u64("--server port", colon + 1, 1, 65535);
	return 0;
}

static int
parse_mix(struct bench_opts *o, const char *spec)
{
	char		 copy[256], *item, *save = NULL, *eq;
	unsigned	 op;

	if (strlen(spec) >= sizeof(copy))
		return -1;
	strcpy(copy, spec);
	memset(o->mix, 0, sizeof(o->mix));
	o->mix_total = 0;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(item, '=')) == NULL)
			return -1;
		*eq = '\0';
		for (op = 0; op < OP_NMIX; op++)
			if (strcasecmp(item, op_names[op]) == 0)
				break;
		if (op == OP_NMIX)
			return -1;
		o->mix[op] = (unsigned)parse_u64("--mix weight", eq + 1, 0,
		    1000000);
		o->mix_total += o->mix[op];
	}
	return o->mix_total > 0 ? 0 : -1;
}

static uint64_t
parse_u64(const char *what, const char *s, uint64_t min, uint64_t max)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v < min || v > max) {
		fprintf(stderr, "qcreg-bench: %s: expected %" PRIu64 " .. %"
		    PRIu64 ", got \"%s\"\n", what, min, max, s);
		exit(2);
	}
	return v;
}

static double
parse_double(const char *what, const char *s, double min, double max)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= min) ||
	    !(v <= max)) {
		fprintf(stderr, "qcreg-bench: %s: expected %g .. %g, got "
		    "\"%s\"\n", what, min, max, s);
		exit(2);
	}
	return v;
}

static void
mix_string(const struct bench_opts *o, char *out, size_t size)
{
	size_t		 n = 0;
	unsigned	 op;

	out[0] = '\0';
	/* --fts asks one kind of query, not a mix. */
	if (o->fts != NULL)
		return;
	for (op = 0; op < OP_NMIX && n < size; op++)
		if (o->mix[op] > 0)
			n += (size_t)snprintf(out + n, size - n, "%s%s=%u",
			    n ? "," : "", op_names[op], o->mix[op]);
}

/* What was measured: qcregd, Redis, or SQLite for --fts. */
static const char *
proto_name(const struct bench_opts *o)
{
	if (o->fts != NULL)
		return "sqlite";
	return o->proto == PROTO_QCREG ? "qcreg" : o->proto == PROTO_HTTP ?
	    "http" : "redis";
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
report_text(const struct bench_opts *o, const struct bench_result *r)
{
	const struct hist	*h = &r->hist;
	char			 mix[128];
	double			 el = r->elapsed > 0 ? r->elapsed : 1;

	mix_string(o, mix, sizeof(mix));
	printf("qcreg-bench%s%s: ", o->label ? " " : "", o->label ?
	    o->label : "");
	if (o->mirror != NULL)
		printf("mirror %s, one thread, check of %d subjects, %.1f s "
		    "after %.1f s warm-up; synced %" PRIu64 " records in "
		    "%.1f s first\n", o->mirror, o->batch, o->duration,
		    o->warmup, r->synced, r->sync_s);
	else if (o->fts != NULL)
		printf("sqlite fts5 %s, %d threads, fragments of %d characters, "
		    "%.1f s after %.1f s warm-up\n", o->fts, o->conns,
		    o->frag_chars, o->duration, o->warmup);
	else {
		printf("%s %s, %d conns", proto_name(o), mode_names[o->mode],
		    o->conns);
		if (o->mode == MODE_LOAD)
			printf(", pipeline %d\n", o->pipeline);
		else {
			printf(" x pipeline %d, %d thread%s, mix %s",
			    o->mode == MODE_RUN ? o->pipeline : 1, o->threads,
			    o->threads > 1 ? "s" : "", mix);
			if (o->mix[OP_CHECKB] > 0 || o->mix[OP_CHECKS] > 0)
				printf(" (batch %d)", o->batch);
			printf(", %.1f s after %.1f s warm-up\n", o->duration,
			    o->warmup);
		}
	}
	if (o->mode == MODE_LOAD)
		printf("  loaded      %" PRIu64 " of %" PRIu64 " entries in "
		    "%.1f s (%.0f/s)\n", r->loaded, o->nkeys - o->load_from,
		    el, (double)r->loaded / el);
	else {
		printf("  requests    %" PRIu64 " (%.1f/s)\n", r->requests,
		    (double)r->requests / el);
		printf("  subjects    %.1f/s\n", (double)r->subjects / el);
		if (o->mode == MODE_NEWCONN)
			printf("  connections %.1f/s, %" PRIu64 " of %" PRIu64
			    " handshakes resumed\n", (double)r->requests / el,
			    r->resumed, r->handshakes);
		printf("  latency     p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms"
		    "  max %.3f ms\n", hist_quantile(h, 0.5) / 1e6,
		    hist_quantile(h, 0.99) / 1e6,
		    hist_quantile(h, 0.999) / 1e6, h->h_max / 1e6);
	}
	if (r->searches > 0)
		printf("  searches    %" PRIu64 " answers of %.1f results, %.1f%% "
		    "truncated\n", r->searches, (double)r->rows /
		    (double)r->searches, 100.0 * (double)r->truncated /
		    (double)r->searches);
	printf("  client CPU  %.2f s (%.0f%% of one core)\n", r->cpu,
	    100 * r->cpu / el);
	printf("  errors      %" PRIu64 " wrong answers, %" PRIu64
	    " connection failures\n", r->errors, r->conn_errors);
}

static void
report_json(const struct bench_opts *o, const struct bench_result *r)
{
	const struct hist	*h = &r->hist;
	char			 mix[128];
	double			 el = r->elapsed > 0 ? r->elapsed : 1;

	mix_string(o, mix, sizeof(mix));
	printf("{\"label\":");
	json_str(stdout, o->label ? o->label : "");
	printf(",\"proto\":\"%s\",\"mode\":\"%s\",\"conns\":%d,"
	    "\"pipeline\":%d,\"threads\":%d,\"batch\":%d,\"mix\":\"%s\","
	    "\"frag_chars\":%d,\"searches\":%" PRIu64 ",\"truncated\":%"
	    PRIu64 ",\"rows\":%" PRIu64 ","
	    "\"duration\":%.3f,\"requests\":%" PRIu64 ",\"rps\":%.1f,"
	    "\"subjects_per_s\":%.1f,\"handshakes\":%" PRIu64 ","
	    "\"resumed\":%" PRIu64 ",\"p50_us\":%.1f,\"p99_us\":%.1f,"
	    "\"p999_us\":%.1f,\"max_us\":%.1f,\"client_cpu_s\":%.3f,"
	    "\"loaded\":%" PRIu64 ",\"synced\":%" PRIu64 ","
	    "\"sync_s\":%.3f,\"errors\":%" PRIu64 ","
	    "\"conn_errors\":%" PRIu64 ",\"first_error\":",
	    proto_name(o), o->mirror != NULL ? "mirror" : o->fts != NULL ?
	    "fts" : mode_names[o->mode],
	    o->conns, o->pipeline, o->fts != NULL ? o->conns : o->threads,
	    o->batch, mix, o->frag_chars,
	    r->searches, r->truncated, r->rows, el,
	    r->requests, (double)r->requests / el, (double)r->subjects / el,
	    r->handshakes, r->resumed, hist_quantile(h, 0.5) / 1e3,
	    hist_quantile(h, 0.99) / 1e3, hist_quantile(h, 0.999) / 1e3,
	    h->h_max / 1e3, r->cpu, r->loaded, r->synced, r->sync_s,
	    r->errors, r->conn_errors);
	json_str(stdout, r->first_error);
	printf("}\n");
}

/* The first n entries of the data set, for checking by hand. */
static void
print_keys(uint64_t n)
{
	struct bench_entry	 e;
	uint64_t		 i;

	for (i = 0; i < n; i++) {
		keys_entry(i, &e);
		printf("%" PRIu64 "\t%s\t%s\t%s\n", i,
		    bench_list_names[e.list], e.subject, e.value);
	}
}

/*
 * The names data set as JSON Lines for `qcreg import --list credit`:
 * the fields of the bench's credit entries (bench_keys.c) with the
 * generated name. Names hold no character JSON escapes.
 */
static void
print_names(uint64_t n, uint64_t name_seed)
{
	static const char *const grades[] = { "A", "B", "C", "D" };
	struct bench_name	 e;
	uint64_t		 i;

	for (i = 0; i < n; i++) {
		names_entry(name_seed, i, &e);
		printf("{\"list\":\"credit\",\"subject\":\"%s\",\"fields\":"
		    "{\"name\":\"%s\",\"grade\":\"%s\",\"score\":%" PRIu64
		    ",\"report\":\"QR-2026-%08" PRIu64 "\",\"valid_from\":"
		    "\"2026-01-01\",\"valid_until\":\"2030-12-31\"}}\n",
		    e.subject, e.name, grades[i / 40 % 4], 60 + i % 41, i);
	}
}

/* Options that shape the connections: where, as whom, how many, how. */
static int
opt_conn(struct bench_opts *o, struct args *a, int ch, const char *arg)
{
	switch (ch) {
	case O_SERVER:
		if (parse_server(o, arg) == -1)
			usage();
		break;
	case O_CA: o->ca = arg; break;
	case O_CERT: o->cert = arg; break;
	case O_KEY: o->key = arg; break;
	case O_CERTDIR: o->cert_dir = arg; break;
	case O_CONNS:
		o->conns = (int)parse_u64("--conns", arg, 1, 100000);
		a->conns_set = 1;
		break;
	case O_PIPE:
		o->pipeline = (int)parse_u64("--pipeline", arg, 1, 65536);
		a->pipe_set = 1;
		break;
	case O_THREADS:
		o->threads = (int)parse_u64("--threads", arg, 1, 64);
		break;
	case O_PROTO:
		if (strcmp(arg, "qcreg") == 0)
			o->proto = PROTO_QCREG;
		else if (strcmp(arg, "redis") == 0)
			o->proto = PROTO_REDIS;
		else if (strcmp(arg, "http") == 0)
			o->proto = PROTO_HTTP;
		else
			usage();
		break;
	case O_NEWCONN: o->mode = MODE_NEWCONN; break;
	case O_NORESUME: o->resume = 0; break;
	case O_LOAD: o->mode = MODE_LOAD; break;
	case O_IDLE:
		o->mode = MODE_IDLE;
		o->idle = parse_u64("--idle", arg, 1, 1000000);
		break;
	case O_MIRROR: o->mirror = arg; break;
	case O_PUBKEY: o->pubkey = arg; break;
	case O_REPORT:
		o->report = parse_u64("--report", arg, 1, 100000000);
		break;
	case O_FTS: o->fts = arg; break;
	case O_FTSBUILD: o->fts_build = 1; break;
	default:
		return 0;
	}
	return 1;
}

/* Options that shape the work: how long, which requests, which data. */
static int
opt_work(struct bench_opts *o, struct args *a, int ch, const char *arg)
{
	switch (ch) {
	case O_DUR:
		o->duration = parse_double("--duration", arg, 0.01, 86400);
		break;
	case O_WARM:
		o->warmup = parse_double("--warmup", arg, 0, 3600);
		break;
	case O_MIX:
		if (parse_mix(o, arg) == -1) {
			fprintf(stderr, "qcreg-bench: --mix: expected "
			    "OP=WEIGHT,... with OP one of check1, checkB, get, "
			    "put\n");
			exit(2);
		}
		break;
	case O_BATCH:
		o->batch = (int)parse_u64("--batch", arg, 1, BENCH_BATCH_MAX);
		break;
	case O_GEN:
		o->nkeys = parse_u64("--gen-keys", arg, 1, 1000000000000ULL);
		break;
	case O_SEED: o->seed = parse_u64("--seed", arg, 0, UINT64_MAX); break;
	case O_HIT:
		o->hit_ratio = parse_double("--hit-ratio", arg, 0, 1);
		break;
	case O_KEYS: o->keys_file = arg; break;
	case O_FROM:
		o->load_from = parse_u64("--load-from", arg, 0,
		    1000000000000ULL);
		break;
	case O_HOLD:
		o->duration = parse_double("--hold", arg, 0, 86400);
		break;
	case O_JSON: o->json = 1; break;
	case O_LABEL: o->label = arg; break;
	case O_VERSIONS:
		o->report_versions = (int)parse_u64("--versions", arg, 0,
		    100000);
		break;
	case O_CASES:
		o->report_cases = (int)parse_u64("--cases", arg, 0, 100000);
		break;
	case O_PRINT:
		a->print_n = parse_u64("--print-keys", arg, 1, 1000000000ULL);
		break;
	case O_PNAMES:
		a->print_names = parse_u64("--print-names", arg, 1,
		    1000000000ULL);
		break;
	case O_FRAG:
		o->frag_chars = (int)parse_u64("--frag-chars", arg, 2,
		    FRAG_CHARS_MAX);
		break;
	case O_NSEED:
		o->name_seed = parse_u64("--name-seed", arg, 0, UINT64_MAX);
		break;
	default:
		return 0;
	}
	return 1;
}

static void
opts_default(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->host = "127.0.0.1";
	o->port = 7443;
	o->ca = "certs/dev/ca.crt";
	o->cert = "certs/dev/shop-platform.crt";
	o->key = "certs/dev/shop-platform.key";
	o->cert_dir = "certs/dev";
	o->pubkey = "certs/dev/signing-1.pub";
	o->conns = 50;
	o->pipeline = 1;
	o->threads = 1;
	o->batch = 100;
	o->duration = 5;
	o->warmup = 1;
	o->nkeys = 1000000;
	o->seed = 1;
	o->hit_ratio = 0.2;
	o->resume = 1;
	o->mix[OP_CHECK1] = o->mix_total = 100;
	o->report_versions = 100;
	o->report_cases = 10;
	o->name_seed = 1;
	o->frag_chars = 4;
}

/* What a mode changes in the defaults the command line left alone. */
static void
mode_defaults(struct bench_opts *o, const struct args *a)
{
	if (o->mode == MODE_LOAD) {
		/* Several connections, deep pipelines: group commits. */
		if (!a->conns_set)
			o->conns = 6;
		if (!a->pipe_set)
			o->pipeline = 256;
		if (o->proto == PROTO_QCREG && o->conns < BENCH_NLISTS)
			o->conns = BENCH_NLISTS;
		o->warmup = 0;
	}
	if (o->mode == MODE_IDLE && !a->conns_set)
		o->conns = 64;
}

/* Fragments of names to search for, when the run asks any. */
static int
frags_make(const struct bench_opts *o, struct keyset *ks)
{
	static struct fragset	 fs;

	if (o->fts == NULL && o->mix[OP_SEARCH] == 0)
		return 0;
	if (fragset_build(&fs, o->name_seed, o->nkeys, o->seed,
	    o->frag_chars, FRAGS) == -1) {
		fprintf(stderr, "qcreg-bench: out of memory\n");
		return -1;
	}
	ks->ks_frag = &fs;
	return 0;
}

/* Runs the benchmark and reports; the exit status. */
static int
bench_run(const struct bench_opts *o, struct keyset *ks)
{
	struct bench_result	*r;
	int			 rc, incomplete;

	signal(SIGPIPE, SIG_IGN);
	if (o->report > 0) {
		keyset_free(ks);
		return report_run(o);
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		fprintf(stderr, "qcreg-bench: out of memory\n");
		return 2;
	}
	if (o->mirror != NULL)
		rc = mirror_run(o, ks, r);
	else if (o->fts != NULL)
		rc = fts_run(o, ks, r);
	else
		rc = engine_run(o, ks, r);
	keyset_free(ks);
	if (ks->ks_frag != NULL)
		fragset_free(ks->ks_frag);
	if (rc == -1) {
		free(r);
		return 2;
	}
	if (o->json)
		report_json(o, r);
	else
		report_text(o, r);
	incomplete = o->mode == MODE_LOAD && r->loaded != o->nkeys -
	    o->load_from;
	rc = 0;
	if (r->errors > 0 || r->conn_errors > 0 || incomplete) {
		fprintf(stderr, "qcreg-bench: *** ERRORS: %" PRIu64 " wrong "
		    "answers, %" PRIu64 " connection failures%s; first: %s "
		    "***\n", r->errors, r->conn_errors, incomplete ?
		    ", load incomplete" : "", r->first_error[0] ?
		    r->first_error : "?");
		rc = 1;
	}
	free(r);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct bench_opts	 o;
	struct keyset		 ks;
	struct args		 a;
	int			 ch;

	opts_default(&o);
	memset(&ks, 0, sizeof(ks));
	memset(&a, 0, sizeof(a));
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (!opt_conn(&o, &a, ch, optarg) &&
		    !opt_work(&o, &a, ch, optarg))
			usage();
	if (optind != argc)
		usage();
	if (a.print_n > 0) {
		print_keys(a.print_n);
		return 0;
	}
	if ((a.print_names > 0 || o.fts != NULL || o.mix[OP_SEARCH] > 0) &&
	    names_init() == -1)
		return 2;
	if (a.print_names > 0) {
		print_names(a.print_names, o.name_seed);
		return 0;
	}
	if (o.fts != NULL && o.fts_build)
		return fts_build(&o) == 0 ? 0 : 2;
	if (o.load_from >= o.nkeys) {
		fprintf(stderr, "qcreg-bench: --load-from must be below "
		    "--gen-keys\n");
		return 2;
	}
	if (o.proto == PROTO_HTTP && (o.mode != MODE_RUN ||
	    o.mix[OP_CHECK1] + o.mix[OP_CHECKB] != 100)) {
		fprintf(stderr, "qcreg-bench: --proto http runs check1 and "
		    "checkB only\n");
		return 2;
	}
	if (o.proto == PROTO_REDIS && (o.mix[OP_CHECKS] > 0 ||
	    o.mix[OP_PROOF] > 0 || o.mix[OP_TREE] > 0 ||
	    o.mix[OP_CONSIST] > 0 || o.mix[OP_SEARCH] > 0)) {
		fprintf(stderr, "qcreg-bench: checkS, proof, checkpoint, "
		    "consistency and search are qcreg ops\n");
		return 2;
	}
	mode_defaults(&o, &a);
	/* The seed also chooses which subjects are picked, not the set. */
	ks.ks_m = o.nkeys;
	ks.ks_hit = o.hit_ratio;
	if (o.keys_file != NULL && keyset_load_file(&ks, o.keys_file) == -1) {
		fprintf(stderr, "qcreg-bench: %s: %s\n", o.keys_file,
		    errno == EINVAL ? "no subjects, or a line too long" :
		    strerror(errno));
		return 2;
	}
	if (frags_make(&o, &ks) == -1) {
		keyset_free(&ks);
		return 2;
	}
	return bench_run(&o, &ks);
}
