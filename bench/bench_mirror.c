/*
 * qcreg-bench --mirror DIR: a platform's mirror (libqcreg) measured. It
 * syncs DIR from the server (from scratch if it is new: the records per
 * second of a first sync), then, on a handle opened to check only as a
 * platform process would, calls qcreg_mirror_check with batches of
 * --batch subjects drawn as the other scenarios draw them, on this one
 * thread, for the warm-up and the duration. Only the calls are timed
 * (wall and thread CPU): drawing the subjects is not the mirror's work.
 * Every answer is checked as the engine checks the server's: one item
 * per subject, exactly the expected subjects with hits.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "qcreg.h"

struct mbatch {
	char		 subj[BENCH_BATCH_MAX][BENCH_SUBJ_MAX];
	const char	*v[BENCH_BATCH_MAX];
	int		 n;
	int		 hits;		/* expected, -1 unknown */
};

static int	 mirror_sync(const struct bench_opts *, struct bench_result *);
static void	 batch_draw(const struct keyset *, uint64_t *,
		    struct mbatch *);
static int	 batch_verify(const struct mbatch *,
		    const struct qcreg_check *, char *, size_t);
static void	 note(struct bench_result *, const char *);

static void
note(struct bench_result *r, const char *why)
{
	if (r->first_error[0] == '\0')
		snprintf(r->first_error, sizeof(r->first_error), "%.200s",
		    why);
}

/* One sync of the mirror up to the server's checkpoint, timed. */
static int
mirror_sync(const struct bench_opts *o, struct bench_result *r)
{
	struct qcreg_opts		 opts = { o->ca, o->cert, o->key, 0 };
	struct qcreg_mirror_conf	 conf;
	struct qcreg_mirror_status	 st;
	struct qcreg_mirror		*m;
	uint8_t				 pub[QC_PUB_LEN];
	uint64_t			 t0;
	char				 err[512];
	int				 rc;

	if (qcreg_pubkey_load(o->pubkey, pub, err, sizeof(err)) != 0) {
		fprintf(stderr, "qcreg-bench: --pubkey %s\n", err);
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	conf.host = o->host;
	conf.port = o->port;
	conf.opts = &opts;
	conf.pubkey = pub;
	if (qcreg_mirror_open(&m, o->mirror, &conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "qcreg-bench: mirror %s: %s\n", o->mirror, err);
		return -1;
	}
	t0 = bench_clock_ns(CLOCK_MONOTONIC);
	if ((rc = qcreg_mirror_sync(m, 0, &st)) != 0)
		fprintf(stderr, "qcreg-bench: mirror sync: %s\n",
		    qcreg_mirror_errmsg(m));
	r->sync_s = (double)(bench_clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	r->synced = st.applied;
	qcreg_mirror_close(m);
	return rc == 0 ? 0 : -1;
}

static void
batch_draw(const struct keyset *ks, uint64_t *rng, struct mbatch *b)
{
	int	 i, hit;

	b->hits = 0;
	for (i = 0; i < b->n; i++) {
		keyset_pick(ks, rng, b->subj[i], &hit);
		b->v[i] = b->subj[i];
		if (hit == -1 || b->hits == -1)
			b->hits = -1;
		else
			b->hits += hit;
	}
}

/* 0 if k answers b as the data set says; -1 with why. */
static int
batch_verify(const struct mbatch *b, const struct qcreg_check *k, char *why,
    size_t whylen)
{
	size_t	 i;
	int	 hits = 0;

	if (k->n != (size_t)b->n) {
		snprintf(why, whylen, "mirror: %zu items for %d subjects",
		    k->n, b->n);
		return -1;
	}
	for (i = 0; i < k->n; i++) {
		if (k->items[i].error != 0) {
			snprintf(why, whylen, "mirror: %s refused",
			    k->items[i].subject);
			return -1;
		}
		hits += k->items[i].nhits > 0;
	}
	if (b->hits != -1 && hits != b->hits) {
		snprintf(why, whylen, "mirror: %d subjects with hits, %d "
		    "expected", hits, b->hits);
		return -1;
	}
	return 0;
}

int
mirror_run(const struct bench_opts *o, const struct keyset *ks,
    struct bench_result *r)
{
	struct qcreg_mirror	*m;
	struct qcreg_check	*k;
	struct mbatch		*b;
	uint64_t		 rng = o->seed, start, warm, end, t0, t1, c0;
	char			 err[512];
	int			 rc;

	if (mirror_sync(o, r) != 0)
		return -1;
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		fprintf(stderr, "qcreg-bench: out of memory\n");
		return -1;
	}
	if (qcreg_mirror_open(&m, o->mirror, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "qcreg-bench: mirror %s: %s\n", o->mirror, err);
		free(b);
		return -1;
	}
	b->n = o->batch;
	start = bench_clock_ns(CLOCK_MONOTONIC);
	warm = start + (uint64_t)(o->warmup * 1e9);
	end = warm + (uint64_t)(o->duration * 1e9);
	for (t1 = start; t1 < end;) {
		batch_draw(ks, &rng, b);
		c0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
		t0 = bench_clock_ns(CLOCK_MONOTONIC);
		rc = qcreg_mirror_check(m, b->v, (size_t)b->n, NULL, 0, &k);
		t1 = bench_clock_ns(CLOCK_MONOTONIC);
		if (t0 >= warm) {
			r->cpu += (double)(bench_clock_ns(
			    CLOCK_THREAD_CPUTIME_ID) - c0) / 1e9;
			r->elapsed += (double)(t1 - t0) / 1e9;
			r->requests++;
			r->subjects += (uint64_t)b->n;
			r->ops[OP_CHECKB]++;
			hist_record(&r->hist, t1 - t0);
		}
		if (rc != 0) {
			r->errors++;
			note(r, qcreg_mirror_errmsg(m));
			break;
		}
		if (batch_verify(b, k, err, sizeof(err)) != 0) {
			r->errors++;
			note(r, err);
		}
		qcreg_check_free(k);
	}
	qcreg_mirror_close(m);
	free(b);
	return 0;
}
