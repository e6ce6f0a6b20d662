/*
 * The follower of a replica (PROTOCOL.md 4.10): a thread that reads the
 * primary's change log over mutual TLS (libqcreg, as the replica's own
 * principal of role replica), has the writer apply it page by page
 * exactly as the primary applied it, and keeps the replica's view of its
 * primary (ops/replica.h) current: its head, the lag, its newest
 * checkpoint verified against the tree here.
 */
#ifndef QCD_FOLLOWER_H
#define QCD_FOLLOWER_H

#include <msgpack.h>

#include "config.h"
#include "replica.h"
#include "store.h"
#include "writer.h"

struct follower;

/* Starts following cfg->replica_of; NULL (logged) if it cannot start. */
struct follower	*follower_start(const struct config *, struct store *,
		    struct writer *, struct replica *);
/* Stops the thread (within about a second) and frees it. */
void		 follower_stop(struct follower *);

/*
 * Rebuilds the write that made one record of the primary's `changes`
 * (a map, full view) into rr, with a new rr_write: 0, or -1 with why.
 */
int		 follower_record(const struct config *, const msgpack_object *,
		    struct replay_rec *rr, char *why, size_t whylen);

#endif
