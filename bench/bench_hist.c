/*
 * qcreg-bench: a log-linear latency histogram in the spirit of
 * HdrHistogram, small enough to keep one per thread and merge, and the
 * clock the modes that time calls one by one read.
 */
#include <string.h>
#include <time.h>

#include "bench.h"

static unsigned	 hist_index(uint64_t);
static uint64_t	 hist_value(unsigned);

/* Bucket of v: exact below 2 * HIST_SUB, then HIST_SUB per octave. */
static unsigned
hist_index(uint64_t v)
{
	unsigned	 e, shift;

	if (v < 2 * HIST_SUB)
		return (unsigned)v;
	e = 63 - (unsigned)__builtin_clzll(v);
	if (e >= HIST_MAX_EXP)
		return HIST_N - 1;
	shift = e - HIST_SUB_BITS;
	return 2 * HIST_SUB + (e - HIST_SUB_BITS - 1) * HIST_SUB +
	    (unsigned)((v >> shift) - HIST_SUB);
}

/* The middle of bucket i. */
static uint64_t
hist_value(unsigned i)
{
	unsigned	 e, shift;
	uint64_t	 m;

	if (i < 2 * HIST_SUB)
		return i;
	e = (i - 2 * HIST_SUB) / HIST_SUB + HIST_SUB_BITS + 1;
	m = HIST_SUB + (i - 2 * HIST_SUB) % HIST_SUB;
	shift = e - HIST_SUB_BITS;
	return (m << shift) + ((1ULL << shift) >> 1);
}

void
hist_record(struct hist *h, uint64_t ns)
{
	h->h_count[hist_index(ns)]++;
	h->h_n++;
	if (ns > h->h_max)
		h->h_max = ns;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned	 i;

	for (i = 0; i < HIST_N; i++)
		dst->h_count[i] += src->h_count[i];
	dst->h_n += src->h_n;
	if (src->h_max > dst->h_max)
		dst->h_max = src->h_max;
}

uint64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t	 want, seen = 0, v;
	unsigned	 i;

	if (h->h_n == 0)
		return 0;
	if (q <= 0)
		q = 0;
	want = (uint64_t)(q * (double)h->h_n + 0.5);
	if (want < 1)
		want = 1;
	if (want > h->h_n)
		want = h->h_n;
	for (i = 0; i < HIST_N; i++) {
		seen += h->h_count[i];
		if (seen >= want) {
			v = hist_value(i);
			/* The true value never exceeds the largest seen. */
			return v > h->h_max ? h->h_max : v;
		}
	}
	return h->h_max;
}

uint64_t
bench_clock_ns(clockid_t id)
{
	struct timespec	 ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
