/*
 * Token buckets (quota.h). A bucket starts full and fills at its rate up
 * to rate x burst. A request passes when each bucket holds what it costs,
 * or is full when it costs more than a full bucket (a batch larger than
 * the burst waits for a full bucket, then leaves it in debt).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "quota.h"

#define QUOTA_SLOTS	1024

struct bucket_pair {
	atomic_flag	 bp_lock;
	int		 bp_used;
	char		 bp_name[CFG_NAME_MAX];
	uint64_t	 bp_last;	/* microseconds, monotonic */
	double		 bp_req, bp_subj;	/* tokens */
};

static struct bucket_pair buckets[QUOTA_SLOTS];

static uint64_t
now_usec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The principal's buckets, locked; NULL when every slot is taken. */
static struct bucket_pair *
bucket_lock(const char *name)
{
	struct bucket_pair	*b;
	uint32_t		 h = 2166136261u;
	size_t			 n;
	const char		*p;

	for (p = name; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (n = 0; n < QUOTA_SLOTS; n++) {
		b = &buckets[(h + n) % QUOTA_SLOTS];
		while (atomic_flag_test_and_set_explicit(&b->bp_lock,
		    memory_order_acquire))
			;
		if (!b->bp_used || strcmp(b->bp_name, name) == 0)
			return b;
		atomic_flag_clear_explicit(&b->bp_lock, memory_order_release);
	}
	return NULL;
}

/* Refills one bucket over elapsed seconds; 1 if it can pay cost. */
static int
bucket_fill(double *tokens, uint32_t rate, double cap, double elapsed,
    uint64_t cost)
{
	if (rate == 0)
		return 1;
	*tokens += rate * elapsed;
	if (*tokens > cap)
		*tokens = cap;
	/* A request of no subjects owes the subjects' bucket nothing. */
	return cost == 0 || *tokens >= ((double)cost < cap ? (double)cost :
	    cap);
}

/* Seconds until a bucket can pay cost. */
static double
bucket_wait(double tokens, uint32_t rate, double cap, uint64_t cost)
{
	double	 need = (double)cost < cap ? (double)cost : cap;

	return rate == 0 || cost == 0 || tokens >= need ? 0 :
	    (need - tokens) / rate;
}

uint32_t
quota_take(const struct principal *p, uint64_t n)
{
	struct bucket_pair	*b;
	uint64_t		 now;
	uint32_t		 burst, secs;
	double			 rcap, scap, elapsed, w1, w2;
	int			 ok_r, ok_s;

	if (p == NULL || (p->p_req_rate == 0 && p->p_subj_rate == 0))
		return 0;
	burst = p->p_burst > 0 ? p->p_burst : 1;
	rcap = (double)p->p_req_rate * burst;
	scap = (double)p->p_subj_rate * burst;
	if ((b = bucket_lock(p->p_name)) == NULL)
		return 0;	/* more principals than slots: not limited */
	now = now_usec();
	if (!b->bp_used) {
		b->bp_used = 1;
		snprintf(b->bp_name, sizeof(b->bp_name), "%s", p->p_name);
		b->bp_req = rcap;
		b->bp_subj = scap;
		b->bp_last = now;
	}
	elapsed = (double)(now - b->bp_last) / 1e6;
	b->bp_last = now;
	ok_r = bucket_fill(&b->bp_req, p->p_req_rate, rcap, elapsed, 1);
	ok_s = bucket_fill(&b->bp_subj, p->p_subj_rate, scap, elapsed, n);
	if (ok_r && ok_s) {
		if (p->p_req_rate > 0)
			b->bp_req -= 1;
		if (p->p_subj_rate > 0)
			b->bp_subj -= (double)n;
		atomic_flag_clear_explicit(&b->bp_lock, memory_order_release);
		return 0;
	}
	w1 = bucket_wait(b->bp_req, p->p_req_rate, rcap, 1);
	w2 = bucket_wait(b->bp_subj, p->p_subj_rate, scap, n);
	atomic_flag_clear_explicit(&b->bp_lock, memory_order_release);
	if (w2 > w1)
		w1 = w2;
	/* Whole seconds, rounded up. */
	secs = (uint32_t)w1;
	if ((double)secs < w1)
		secs++;
	return secs < 1 ? 1 : secs;
}
