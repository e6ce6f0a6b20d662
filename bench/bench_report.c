/*
 * qcreg-bench --report N: the latency of report (PROTOCOL.md 5, report)
 * on one subject with a long past. It first writes that subject through
 * the API, as the agencies would (--versions versions spread over the
 * credit, tourism and advertising lists, then --cases cases, each opened
 * and decided but the last), then, as the regulator, times N reports one
 * after the other on one connection, unsigned and then signed, after a
 * tenth of N of warm-up each. Every answer is checked: the subject's
 * versions and cases all there, and the first signed report verifies
 * with the key hello lists. Prints p50/p99/max and reports per second of
 * each phase.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "msg.h"
#include "qcreg.h"

/* The lists written, and the agencies that write them. */
#define RLISTS	3
static const char *const rlists[RLISTS] = {
	"credit", "tourism", "advertising"
};
static const char *const rwriters[RLISTS] = {
	"quality-bureau", "tourism-bureau", "commerce-bureau"
};
static const char *const grades[] = { "A", "B", "C", "D" };

/* One timed phase. */
struct rphase {
	struct hist	 hist;
	double		 elapsed;	/* s, the timed calls */
	uint64_t	 n;
	uint64_t	 errors;
	size_t		 bytes;		/* of the last answer's result */
	char		 why[256];	/* the first error */
};

static int	 connect_as(const struct bench_opts *, const char *,
		    struct qcreg **);
static void	 today(char *, size_t);
static int	 put_version(struct qcreg **, const char *, int, int,
		    const char *);
static int	 add_case(struct qcreg **, const char *, int, int,
		    const char *);
static int	 write_subject(const struct bench_opts *, const char *);
static int	 check_report(const struct bench_opts *, const msgpack_object *,
		    char *, size_t);
static void	 phase(const struct bench_opts *, struct qcreg *, const char *,
		    int, struct rphase *);
static void	 print_phase(const struct bench_opts *, const char *,
		    const struct rphase *);

/* A connection as the principal cn, with its files in --cert-dir. */
static int
connect_as(const struct bench_opts *o, const char *cn, struct qcreg **c)
{
	struct qcreg_opts	 opts;
	char			 crt[1024], key[1024], err[512];

	snprintf(crt, sizeof(crt), "%s/%s.crt", o->cert_dir, cn);
	snprintf(key, sizeof(key), "%s/%s.key", o->cert_dir, cn);
	memset(&opts, 0, sizeof(opts));
	opts.ca_file = o->ca;
	opts.cert_file = crt;
	opts.key_file = key;
	if (qcreg_connect(c, o->host, o->port, &opts, err, sizeof(err)) != 0) {
		fprintf(stderr, "qcreg-bench: connect as %s: %s\n", cn, err);
		return -1;
	}
	return 0;
}

/* Today in the registry's time zone (UTC+8): a case's received_on. */
static void
today(char *out, size_t size)
{
	time_t		 t = time(NULL) + 8 * 3600;
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d", &tm);
}

/* Version i of the subject on list li, by its agency's connection. */
static int
put_version(struct qcreg **w, const char *subject, int li, int i,
    const char *day)
{
	struct qcreg_field	 f[5];
	struct qcreg_write	 res;
	char			 name[64], decision[64];
	size_t			 n = 0;
	int			 rc;

	snprintf(name, sizeof(name), "郑州某某食品有限公司（第 %d 次）", i);
	snprintf(decision, sizeof(decision), "豫市监罚〔2026〕%d号", i);
	memset(f, 0, sizeof(f));
	f[n].name = "name";
	f[n++].str = name;
	if (li == 0) {
		f[n].name = "grade";
		f[n++].str = grades[i % 4];
		f[n].name = "score";
		f[n].type = QCREG_V_INT;
		f[n++].num = i % 101;
	} else {
		if (li == 1) {
			f[n].name = "category";
			f[n++].str = "other";
		}
		f[n].name = "reason";
		f[n++].str = "多次违反规定";
		f[n].name = "decision";
		f[n++].str = decision;
		f[n].name = "listed_on";
		f[n++].str = day;
	}
	if ((rc = qcreg_put(w[li], rlists[li], subject, f, n,
	    QCREG_NO_VERSION, &res)) != 0)
		fprintf(stderr, "qcreg-bench: put %s: %s\n", rlists[li],
		    qcreg_errmsg(w[li]));
	return rc == 0 ? 0 : -1;
}

/* Case i on list li: an objection decided (upheld), unless open stays. */
static int
add_case(struct qcreg **w, const char *subject, int li, int open,
    const char *day)
{
	struct qcreg_case_opened opened;
	struct qcreg_reply	*r;
	int			 rc;

	if ((rc = qcreg_case_open(w[li], rlists[li], subject, "objection",
	    day, "当事人提出异议", NULL, 0, NULL, &r)) == 0) {
		rc = qcreg_reply_case_opened(r, &opened);
		qcreg_reply_free(r);
	}
	if (rc == 0 && !open && (rc = qcreg_case_close(w[li], opened.case_id,
	    "upheld", "异议不成立，维持原决定", NULL, 0, QCREG_NO_VERSION,
	    NULL, &r)) == 0)
		qcreg_reply_free(r);
	if (rc != 0)
		fprintf(stderr, "qcreg-bench: case on %s: %s\n", rlists[li],
		    qcreg_errmsg(w[li]));
	return rc == 0 ? 0 : -1;
}

/* The subject's versions and cases, written by the three agencies. */
static int
write_subject(const struct bench_opts *o, const char *subject)
{
	struct qcreg	*w[RLISTS] = { NULL, NULL, NULL };
	char		 day[16];
	int		 i, rc = 0;

	today(day, sizeof(day));
	for (i = 0; rc == 0 && i < RLISTS; i++)
		rc = connect_as(o, rwriters[i], &w[i]);
	for (i = 0; rc == 0 && i < o->report_versions; i++)
		rc = put_version(w, subject, i % RLISTS, i + 1, day);
	/* One objection per entry at a time: the last stays open. */
	for (i = 0; rc == 0 && i < o->report_cases; i++)
		rc = add_case(w, subject, i % RLISTS, i + 1 == o->report_cases,
		    day);
	for (i = 0; i < RLISTS; i++)
		qcreg_close(w[i]);
	return rc;
}

/* 0 if the report holds every version and case written; -1 with why. */
static int
check_report(const struct bench_opts *o, const msgpack_object *res, char *why,
    size_t len)
{
	const msgpack_object	*v = qc_map_get(res, "versions");
	const msgpack_object	*c = qc_map_get(res, "cases");

	if (v == NULL || v->type != MSGPACK_OBJECT_ARRAY ||
	    c == NULL || c->type != MSGPACK_OBJECT_ARRAY) {
		snprintf(why, len, "a report without versions or cases");
		return -1;
	}
	if (v->via.array.size != (uint32_t)o->report_versions ||
	    c->via.array.size != (uint32_t)o->report_cases) {
		snprintf(why, len, "%" PRIu32 " versions and %" PRIu32
		    " cases, not %d and %d", v->via.array.size,
		    c->via.array.size, o->report_versions, o->report_cases);
		return -1;
	}
	return 0;
}

/*
 * A tenth of N reports untimed, then N timed, one at a time; the first
 * signed one is verified with the key hello lists for its key_id.
 */
static void
phase(const struct bench_opts *o, struct qcreg *c, const char *subject,
    int sign, struct rphase *p)
{
	struct qcreg_checkpoint	 sig;
	struct qcreg_reply	*r;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	uint8_t			 pub[QC_PUB_LEN];
	uint64_t		 i, warm = o->report / 10, t0, t1;
	int			 rc;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < warm + o->report; i++) {
		t0 = bench_clock_ns(CLOCK_MONOTONIC);
		rc = qcreg_report(c, subject, sign, &r);
		t1 = bench_clock_ns(CLOCK_MONOTONIC);
		if (i >= warm) {
			hist_record(&p->hist, t1 - t0);
			p->elapsed += (double)(t1 - t0) / 1e9;
			p->n++;
		}
		if (rc != 0) {
			p->errors++;
			if (p->why[0] == '\0')
				snprintf(p->why, sizeof(p->why), "%s",
				    qcreg_errmsg(c));
			if (!qcreg_alive(c))
				return;
			continue;
		}
		if (check_report(o, qcreg_reply_result(r), p->why,
		    sizeof(p->why)) != 0)
			p->errors++;
		if (sign && i == 0 && (qcreg_report_parse(qcreg_reply_result(r),
		    &sig) != 0 || !qcreg_signing_key(c, sig.key_id, pub) ||
		    !qcreg_report_verify(qcreg_reply_result(r), &sig, pub))) {
			p->errors++;
			snprintf(p->why, sizeof(p->why), "the signed report "
			    "does not verify");
		}
		if (i + 1 == warm + o->report) {
			msgpack_sbuffer_init(&sb);
			msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
			if (msgpack_pack_object(&pk,
			    *qcreg_reply_result(r)) == 0)
				p->bytes = sb.size;
			msgpack_sbuffer_destroy(&sb);
		}
		qcreg_reply_free(r);
	}
}

static void
print_phase(const struct bench_opts *o, const char *what,
    const struct rphase *p)
{
	double	 el = p->elapsed > 0 ? p->elapsed : 1;

	if (o->json) {
		printf("{\"label\":\"%s\",\"mode\":\"report\",\"signed\":%s,"
		    "\"versions\":%d,\"cases\":%d,\"requests\":%" PRIu64 ","
		    "\"rps\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
		    "\"max_us\":%.1f,\"bytes\":%zu,\"errors\":%" PRIu64 "}\n",
		    o->label != NULL ? o->label : "", strcmp(what, "signed") ==
		    0 ? "true" : "false", o->report_versions, o->report_cases,
		    p->n, (double)p->n / el, hist_quantile(&p->hist, 0.5) / 1e3,
		    hist_quantile(&p->hist, 0.99) / 1e3, p->hist.h_max / 1e3,
		    p->bytes, p->errors);
		return;
	}
	printf("  %-8s  %" PRIu64 " reports, %.0f/s; p50 %.3f ms  p99 %.3f ms"
	    "  max %.3f ms; %zu bytes each; %" PRIu64 " errors\n", what, p->n,
	    (double)p->n / el, hist_quantile(&p->hist, 0.5) / 1e6,
	    hist_quantile(&p->hist, 0.99) / 1e6, p->hist.h_max / 1e6,
	    p->bytes, p->errors);
}

int
report_run(const struct bench_opts *o)
{
	struct rphase	*p;
	struct qcreg	*c;
	char		 code[18], subject[BENCH_SUBJ_MAX];
	int		 i, rc = 0;

	if (o->report_cases > 0 && o->report_versions < RLISTS) {
		fprintf(stderr, "qcreg-bench: --cases needs --versions of %d "
		    "or more (an objection is about an entry)\n", RLISTS);
		return 2;
	}
	/* A subject of its own per run: Zhengzhou, a number from the clock. */
	snprintf(code, sizeof(code), "91410105%09lu",
	    (unsigned long)((uint64_t)time(NULL) * 1000 + (uint64_t)getpid()) %
	    1000000000UL);
	snprintf(subject, sizeof(subject), "uscc:%s%c", code,
	    keys_uscc_check(code));
	if (write_subject(o, subject) != 0 ||
	    connect_as(o, "market-regulator", &c) != 0)
		return 2;
	if ((p = calloc(2, sizeof(*p))) == NULL) {
		qcreg_close(c);
		return 2;
	}
	if (!o->json)
		printf("qcreg-bench%s%s: report of %s (%d versions, %d cases), "
		    "one connection, one report at a time\n", o->label ? " " :
		    "", o->label ? o->label : "", subject, o->report_versions,
		    o->report_cases);
	for (i = 0; i < 2; i++) {
		phase(o, c, subject, i, &p[i]);
		print_phase(o, i ? "signed" : "unsigned", &p[i]);
		if (p[i].errors > 0) {
			fprintf(stderr, "qcreg-bench: *** ERRORS: %" PRIu64
			    " wrong answers; first: %s ***\n", p[i].errors,
			    p[i].why);
			rc = 1;
		}
	}
	free(p);
	qcreg_close(c);
	return rc;
}
