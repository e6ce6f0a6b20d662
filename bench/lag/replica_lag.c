/*
 * qcreg-lag: how far a replica trails its primary under a steady stream
 * of durable writes (docs/BENCH.md, "Replicas"; bench/bench.sh
 * --replica). Writer threads put credit entries on the primary at a
 * fixed total rate, each on its own connection, and note when each seq
 * was acknowledged; a reader long-polls `changes` on the replica and
 * notes when each seq arrived there. The lag of a record is the second
 * time minus the first (the replica cannot have a record before the
 * primary committed it, so a negative difference, a thread scheduled
 * late, counts as 0). Uses libqcreg, as a platform would.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "msg.h"
#include "qcreg.h"

#define LAG_WRITERS_MAX	256

struct lag {
	char		 phost[256], rhost[256];
	unsigned	 pport, rport;
	const char	*cert_dir;
	double		 rate;		/* writes/s, all writers */
	double		 duration;	/* s */
	int		 writers;
	uint64_t	 start_ns;
	/* Per seq after base: when acknowledged, when seen; 0: not yet. */
	uint64_t	 base;
	size_t		 cap;
	uint64_t	*acked, *seen;
	uint64_t	 last_seq;	/* the highest acknowledged */
	pthread_mutex_t	 mtx;
	int		 writing;	/* writers still running */
	uint64_t	 failures;
	uint64_t	 next_subject;	/* under mtx */
};

struct writer_arg {
	struct lag	*lg;
	int		 index;
};

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sleep_until(uint64_t ns)
{
	struct timespec	 ts = { (time_t)(ns / 1000000000u),
	    (long)(ns % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
	    NULL) == EINTR)
		;
}

static int
connect_as(const struct lag *lg, const char *host, unsigned port,
    const char *principal, struct qcreg **c)
{
	char			 ca[512], cert[512], key[512], err[256];
	struct qcreg_opts	 o;

	snprintf(ca, sizeof(ca), "%s/ca.crt", lg->cert_dir);
	snprintf(cert, sizeof(cert), "%s/%s.crt", lg->cert_dir, principal);
	snprintf(key, sizeof(key), "%s/%s.key", lg->cert_dir, principal);
	o.ca_file = ca;
	o.cert_file = cert;
	o.key_file = key;
	o.timeout_ms = 30000;
	if (qcreg_connect(c, host, port, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "qcreg-lag: %s:%u as %s: %s\n", host, port,
		    principal, err);
		return -1;
	}
	return 0;
}

/* The next new uscc subject (credit takes only those). */
static void
next_subject(struct lag *lg, char out[BENCH_SUBJ_MAX])
{
	pthread_mutex_lock(&lg->mtx);
	do
		keys_subject(lg->next_subject++, out);
	while (strncmp(out, "uscc:", 5) != 0);
	pthread_mutex_unlock(&lg->mtx);
}

static void *
writer_main(void *arg)
{
	struct writer_arg	*wa = arg;
	struct lag		*lg = wa->lg;
	struct qcreg		*c = NULL;
	struct qcreg_field	 f[2] = {
		{ "name", QCREG_V_STR, "某某食品有限公司", 0 },
		{ "grade", QCREG_V_STR, "C", 0 },
	};
	struct qcreg_write	 w;
	char			 subject[BENCH_SUBJ_MAX];
	double			 each = lg->writers / lg->rate;	/* s */
	uint64_t		 n, due, end;

	if (connect_as(lg, lg->phost, lg->pport, "quality-bureau", &c) != 0)
		goto done;
	end = lg->start_ns + (uint64_t)(lg->duration * 1e9);
	for (n = 0;; n++) {
		/* Writers are spread evenly over one period. */
		due = lg->start_ns + (uint64_t)((n + (double)wa->index /
		    lg->writers) * each * 1e9);
		if (due >= end)
			break;
		sleep_until(due);
		next_subject(lg, subject);
		if (qcreg_put(c, "credit", subject, f, 2, QCREG_NO_VERSION,
		    &w) != 0) {
			pthread_mutex_lock(&lg->mtx);
			lg->failures++;
			pthread_mutex_unlock(&lg->mtx);
			continue;
		}
		pthread_mutex_lock(&lg->mtx);
		if (w.seq > lg->base && w.seq - lg->base <= lg->cap) {
			lg->acked[w.seq - lg->base - 1] = now_ns();
			if (w.seq > lg->last_seq)
				lg->last_seq = w.seq;
		}
		pthread_mutex_unlock(&lg->mtx);
	}
done:
	qcreg_close(c);
	pthread_mutex_lock(&lg->mtx);
	lg->writing--;
	pthread_mutex_unlock(&lg->mtx);
	return NULL;
}

/* Follows the replica's log until the writers are done and it has all. */
static int
read_replica(struct lag *lg)
{
	struct qcreg		*c;
	struct qcreg_reply	*r;
	const msgpack_object	*recs;
	uint64_t		 since = lg->base, seq, t, last;
	uint32_t		 i;
	int			 writing;

	if (connect_as(lg, lg->rhost, lg->rport, "market-regulator", &c) != 0)
		return -1;
	qcreg_set_timeout(c, 10000);
	for (;;) {
		pthread_mutex_lock(&lg->mtx);
		writing = lg->writing;
		last = lg->last_seq;
		pthread_mutex_unlock(&lg->mtx);
		if (!writing && since >= last)
			break;
		if (qcreg_changes_wait(c, since, 1000, 1, &r) != 0) {
			fprintf(stderr, "qcreg-lag: changes on the replica: "
			    "%s\n", qcreg_errmsg(c));
			qcreg_close(c);
			return -1;
		}
		t = now_ns();
		recs = qc_map_get(qcreg_reply_result(r), "changes");
		for (i = 0; recs != NULL && recs->type ==
		    MSGPACK_OBJECT_ARRAY && i < recs->via.array.size; i++) {
			if (qc_obj_uint(qc_map_get(&recs->via.array.ptr[i],
			    "seq"), &seq) != 0)
				continue;
			since = seq;
			if (seq > lg->base && seq - lg->base <= lg->cap)
				lg->seen[seq - lg->base - 1] = t;
		}
		qcreg_reply_free(r);
	}
	qcreg_close(c);
	return 0;
}

static int
parse_hostport(const char *s, char *host, size_t cap, unsigned *port)
{
	const char	*colon = strrchr(s, ':');

	if (colon == NULL || (size_t)(colon - s) >= cap)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (unsigned)strtoul(colon + 1, NULL, 10);
	return *port == 0 || *port > 65535 ? -1 : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: qcreg-lag --primary HOST:PORT --replica "
	    "HOST:PORT --rate WRITES_PER_S\n"
	    "                 [--duration S] [--writers N] [--cert-dir DIR]\n");
	exit(2);
}

static void
parse(int argc, char *argv[], struct lag *lg)
{
	static const struct option longopts[] = {
		{ "primary", required_argument, NULL, 'p' },
		{ "replica", required_argument, NULL, 'r' },
		{ "rate", required_argument, NULL, 'R' },
		{ "duration", required_argument, NULL, 'd' },
		{ "writers", required_argument, NULL, 'w' },
		{ "cert-dir", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, have = 0;

	lg->cert_dir = "certs/dev";
	lg->duration = 10;
	lg->writers = 64;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (parse_hostport(optarg, lg->phost,
			    sizeof(lg->phost), &lg->pport) != 0)
				usage();
			have |= 1;
			break;
		case 'r':
			if (parse_hostport(optarg, lg->rhost,
			    sizeof(lg->rhost), &lg->rport) != 0)
				usage();
			have |= 2;
			break;
		case 'R': lg->rate = atof(optarg); break;
		case 'd': lg->duration = atof(optarg); break;
		case 'w': lg->writers = atoi(optarg); break;
		case 'c': lg->cert_dir = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || have != 3 || lg->rate <= 0 ||
	    lg->duration <= 0 || lg->writers < 1 ||
	    lg->writers > LAG_WRITERS_MAX)
		usage();
}

/* The primary's head before the run: seqs after it are this run's. */
static int
primary_head(struct lag *lg)
{
	struct qcreg		*c;
	struct qcreg_reply	*r;
	int			 rc;

	if (connect_as(lg, lg->phost, lg->pport, "market-regulator", &c) != 0)
		return -1;
	if ((rc = qcreg_changes(c, 0, 1, &r)) == 0) {
		rc = qc_obj_uint(qc_map_get(qcreg_reply_result(r), "head"),
		    &lg->base);
		qcreg_reply_free(r);
	}
	qcreg_close(c);
	return rc == 0 ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	struct lag		 lg;
	struct writer_arg	 wa[LAG_WRITERS_MAX];
	pthread_t		 th[LAG_WRITERS_MAX];
	struct hist		*h;
	uint64_t		 n = 0, missing = 0, ns;
	size_t			 i;
	int			 k;

	memset(&lg, 0, sizeof(lg));
	parse(argc, argv, &lg);
	lg.cap = (size_t)(lg.rate * lg.duration * 1.1) + 1000;
	/* Subjects far beyond any data set the bench loads. */
	lg.next_subject = 4000000000u + (uint64_t)time(NULL) % 1000000 * 1000;
	if ((lg.acked = calloc(lg.cap, sizeof(uint64_t))) == NULL ||
	    (lg.seen = calloc(lg.cap, sizeof(uint64_t))) == NULL ||
	    (h = calloc(1, sizeof(*h))) == NULL ||
	    pthread_mutex_init(&lg.mtx, NULL) != 0 || primary_head(&lg) != 0)
		return 1;
	lg.writing = lg.writers;
	lg.start_ns = now_ns() + 200000000u;
	for (k = 0; k < lg.writers; k++) {
		wa[k].lg = &lg;
		wa[k].index = k;
		if (pthread_create(&th[k], NULL, writer_main, &wa[k]) != 0)
			return 1;
	}
	if (read_replica(&lg) != 0)
		return 1;
	for (k = 0; k < lg.writers; k++)
		pthread_join(th[k], NULL);
	for (i = 0; i < lg.cap; i++) {
		if (lg.acked[i] == 0)
			continue;
		if (lg.seen[i] == 0) {
			missing++;
			continue;
		}
		ns = lg.seen[i] > lg.acked[i] ? lg.seen[i] - lg.acked[i] : 0;
		hist_record(h, ns);
		n++;
	}
	printf("replica lag at %.0f writes/s asked, %.0f done, for %.0f s "
	    "(%d writers): p50 %.2f ms, p99 %.2f ms, max %.2f ms over %" PRIu64
	    " records; %" PRIu64 " failed writes, %" PRIu64 " never seen\n",
	    lg.rate, n / lg.duration, lg.duration, lg.writers,
	    hist_quantile(h, 0.5) / 1e6, hist_quantile(h, 0.99) / 1e6,
	    h->h_max / 1e6, n, lg.failures, missing);
	free(lg.acked);
	free(lg.seen);
	free(h);
	return missing == 0 && lg.failures == 0 ? 0 : 1;
}
