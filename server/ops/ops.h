/*
 * The ops as the I/O layers see them (net/ for msgpack, http/ for JSON):
 * find a request's op, then run it through ops_dispatch, the one place
 * every request passes before and after its op. This header knows no
 * LMDB: the store and the writer are opaque here.
 */
#ifndef QCD_OPS_H
#define QCD_OPS_H

#include <msgpack.h>
#include <stdint.h>

#include "config.h"
#include "outcome.h"

struct op_entry;
struct replica;
struct store;
struct store_reader;
struct writer;

/* Everything ops need, one per worker thread. */
struct ops_env {
	const struct config	*oe_cfg;
	struct store		*oe_store;
	struct writer		*oe_writer;
	struct store_reader	*oe_reader;	/* this worker's snapshot */
	struct replica		*oe_replica;	/* NULL: this is the primary */
	/* 0: an op must answer now, even one that could wait (OP_WAIT). */
	int			 oe_may_wait;
	/* Set with OP_WAIT: how long it may wait, for the log to pass what. */
	uint32_t		 oe_wait_seconds;
	uint64_t		 oe_wait_since;
};

/* Who is asking: the peer certificate's CN and its configured role. */
struct caller {
	const char		*cl_name;
	const struct principal	*cl_prin;	/* NULL: not configured */
	enum role		 cl_role;
};

enum op_status {
	OP_DONE = 0,	/* the result value is packed */
	OP_ERROR,	/* the fault says why; nothing usable was packed */
	OP_PENDING,	/* a write went to the writer; its result follows */
	OP_WAIT		/* a long poll: ask again when the log grows past
			   oe_wait_since or after oe_wait_seconds, then
			   with oe_may_wait 0 (nothing was packed) */
};

/*
 * Sets up env for one worker (replica: NULL on a primary); -1 (logged)
 * if out of memory.
 */
int		 ops_env_init(struct ops_env *, const struct config *,
		    struct store *, struct writer *, struct replica *);
void		 ops_env_free(struct ops_env *);
/*
 * Records the public half of cfg's signing key in the store, for ever
 * (at start and before a reload switches keys). 0, or -1 with err set:
 * a key_id already used for another key is refused.
 */
int		 ops_keys_register(struct store *, const struct config *,
		    char *err, size_t errlen);
/* The head of the change log the writer has made durable (any thread). */
uint64_t	 ops_log_head(const struct ops_env *);
/* Ends the worker's read snapshot after a burst of requests. */
void		 ops_burst_end(struct ops_env *);

/* What /healthz says. */
struct ops_health {
	uint64_t	 oh_head;	/* the log's head seq */
	int		 oh_replica;
	uint64_t	 oh_map_size, oh_map_used;	/* bytes */
};

/* Fills h: 0, or -1 if the store cannot say. */
int		 ops_health(struct ops_env *, struct ops_health *h);
/*
 * Appends the store's gauges (log head, map use, entries by list and
 * state, open and overdue cases) in the Prometheus text format, read in
 * env's snapshot: 0, or -1.
 */
int		 ops_metrics_render(struct ops_env *, msgpack_sbuffer *);

/* The op a request names, or NULL (no op string, or unknown). */
const struct op_entry *ops_find(const msgpack_object *request);
/* 1 if the op writes (its result comes from the writer). */
int		 ops_writes(const struct op_entry *);
const char	*ops_name(const struct op_entry *);
/* The op's index in the op table, and the table's names (for metrics). */
int		 ops_index(const struct op_entry *);
int		 ops_count(void);
const char	*ops_name_at(int);

/*
 * Runs one request (a msgpack map whose "id" the caller has read, and
 * op = ops_find(request)): the op, the caller's role and the arguments
 * against the op table, then the op. A read packs its result value with
 * pk and returns OP_DONE; a write is queued to the writer with route and
 * returns OP_PENDING; anything else returns OP_ERROR with f set.
 */
enum op_status	 ops_dispatch(struct ops_env *, const struct caller *,
		    const struct op_entry *op, const msgpack_object *request,
		    const struct write_route *route, msgpack_packer *pk,
		    struct fault *f);

#endif
