/*
 * What a replica knows of its primary (PROTOCOL.md 4.10), shared by its
 * follower (server/replica/), which writes it, and the ops, which answer
 * from it: where the primary is, how far behind this copy is, the
 * primary's newest checkpoint verified against the tree here, and why
 * following stopped, if it did.
 */
#ifndef QCD_REPLICA_H
#define QCD_REPLICA_H

#include <msgpack.h>
#include <pthread.h>
#include <stdint.h>

#include "outcome.h"
#include "signing.h"

struct replica {
	pthread_mutex_t		 rp_mtx;
	char			 rp_primary[300];	/* HOST:PORT */
	/* The primary's head as last heard, and when. */
	uint64_t		 rp_primary_head;
	uint64_t		 rp_heard;
	/* The time of the oldest record not applied yet; 0: none. */
	uint64_t		 rp_behind_since;
	int			 rp_has_cp;
	struct checkpoint	 rp_cp;
	char			 rp_origin[QC_ORIGIN_MAX + 1];
	char			 rp_key_id[QC_KEY_ID_MAX + 1];
	/* Why following stopped; "": it goes on. */
	char			 rp_stopped[FAULT_MSG_MAX];
};

/* A replica of primary (HOST:PORT); NULL if out of memory. */
struct replica	*replica_new(const char *primary);
void		 replica_free(struct replica *);

/* The follower's news (under the lock). */
void		 replica_heard(struct replica *, uint64_t primary_head,
		    uint64_t behind_since);
/* key_id "": the primary does not sign. */
void		 replica_set_checkpoint(struct replica *,
		    const struct checkpoint *, const char *origin,
		    const char *key_id);
void		 replica_stopped(struct replica *, const char *why);

/*
 * The primary's checkpoint this replica serves: 0, or -1 before one was
 * verified. origin and key_id get copies (QC_ORIGIN_MAX + 1 and
 * QC_KEY_ID_MAX + 1 bytes).
 */
int		 replica_checkpoint(struct replica *, struct checkpoint *,
		    char *origin, char *key_id);
/* Whether key_id is the key of the checkpoint served. */
int		 replica_key_current(struct replica *, const char *key_id,
		    size_t len);
/*
 * hello's "replication" value: {role: "primary"} or {role: "replica",
 * primary, applied, primary_head, lag_records, lag_seconds, following,
 * stopped?}. 0 or -1.
 */
int		 replica_pack_hello(struct replica *, msgpack_packer *,
		    uint64_t applied);

#endif
