/*
 * Every version of a subject on some lists, for history and report: the
 * newest from the summary, the ones they replaced from `versions`.
 */
#ifndef QCD_VERSIONS_H
#define QCD_VERSIONS_H

#include <lmdb.h>
#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "op.h"

/* The seqs of a subject's versions, as they are collected. */
struct versions {
	uint64_t	*vs_seq;
	size_t		 vs_n;
	size_t		 vs_cap;
};

/*
 * Adds the versions of the request's subject on the lists of mask to vs
 * (initialised to zeros). 0, or -1 with the request failed.
 */
int		 versions_collect(struct req *, MDB_txn *, unsigned mask,
		    struct versions *);
/*
 * Packs them as an array of entries (with by), oldest first (by seq),
 * each in its state computed from that version alone. 0, or -1 with the
 * request failed.
 */
int		 versions_pack(struct req *, MDB_txn *, msgpack_packer *,
		    struct versions *);
void		 versions_free(struct versions *);

#endif
