/*
 * The subject filter in front of `check`: a Bloom filter (bloom.h) that
 * grows online. Sized at start for twice the subjects in the store, it
 * would fill up as a province loads millions more without a restart, and
 * most misses would reach LMDB again. When the subjects added pass its
 * capacity, a builder thread fills a filter four times larger from a
 * snapshot of the summary while the writer adds new subjects to both;
 * between two batches the writer then swaps it in. Readers never wait.
 */
#ifndef QCD_FILTER_H
#define QCD_FILTER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "bloom.h"

#define FILTER_MIN_KEYS	1000000	/* the smallest filter, in subjects */
#define FILTER_RETIRED	48	/* old filters kept until close */
#define FILTER_CHUNK	65536	/* subjects a read transaction, growing */

struct store;

struct filter {
	struct bloom *_Atomic	 f_cur;		/* what check reads */
	struct bloom		*f_next;	/* being filled, or ready */
	uint64_t		 f_count;	/* subjects added to f_cur */
	_Atomic int		 f_built;	/* the builder is done */
	int			 f_building;
	int			 f_failed;	/* a build failed: no more */
	pthread_t		 f_builder;
	struct store		*f_store;
	uint64_t		 f_min;
	/* Readers may still hold an old filter: freed at close. */
	struct bloom		*f_retired[FILTER_RETIRED];
	int			 f_nretired;
};

/*
 * Sizes the filter for twice the subjects in the store's summary (at
 * least min) and adds them. Returns 0, or -1 (logged).
 */
int	 filter_open(struct filter *, struct store *, uint64_t min);
/* Waits for a build in progress, frees every filter. */
void	 filter_close(struct filter *);
/* 0 if the subject has no summary; 1 if it may have one. */
int	 filter_maybe(struct filter *, const void *, size_t);
/* The writer, before it commits a subject's summary. */
void	 filter_add(struct filter *, const void *, size_t);
/*
 * The writer, between batches: swaps a finished filter in, or starts a
 * build when the current one is full.
 */
void	 filter_maintain(struct filter *);
/* The capacity of the filter check reads now, in subjects. */
uint64_t filter_capacity(struct filter *);

#endif
