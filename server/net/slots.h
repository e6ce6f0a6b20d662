/*
 * Reply slots: the answers a connection owes, in request order. A
 * request answered later (a write) takes a slot when it is parsed; an
 * answer ready while earlier slots still wait takes a slot too and is
 * kept there. Answers leave from the head, in order, as soon as every
 * earlier one has left.
 *
 * A slot can always be completed: if its answer cannot be stored for
 * want of memory, it is answered `internal` from the id it already
 * holds, so no answer is ever lost and no connection stalls. This file
 * knows no sockets: answers leave through an emit callback.
 */
#ifndef QCD_SLOTS_H
#define QCD_SLOTS_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#define SLOTS_MAX	128	/* answers owed per connection */

struct slot;

struct slots {
	struct slot	*sq_ring;	/* SLOTS_MAX, allocated on first use */
	uint32_t	 sq_head;	/* the oldest slot */
	uint32_t	 sq_count;
};

/* Takes an answer frame; returns 0, or -1 if it could not be queued. */
typedef int slot_emit_fn(void *arg, const void *frame, size_t len);

void	 slots_init(struct slots *);
void	 slots_free(struct slots *);
int	 slots_empty(const struct slots *);
int	 slots_full(const struct slots *);
/*
 * Takes the next slot for the answer to request id (has_id 0: a nil
 * id). Returns its index, or -1 if the ring is full or cannot be had.
 */
int	 slots_take(struct slots *, int has_id, uint64_t id);
/* The request id a slot answers. */
uint64_t slots_id(const struct slots *, uint32_t index);
/*
 * Completes a slot with an answer frame. At the head, the frame leaves
 * at once through emit, then every completed slot after it; elsewhere a
 * copy waits in the slot (or, out of memory, an `internal` answer).
 * scratch packs those. Returns 0, or -1 if emit failed.
 */
int	 slots_complete(struct slots *, uint32_t index, const void *frame,
	    size_t len, slot_emit_fn *, void *arg, msgpack_sbuffer *scratch);
/* Completes a slot with `internal` (its answer could not be packed). */
int	 slots_fail(struct slots *, uint32_t index, slot_emit_fn *,
	    void *arg, msgpack_sbuffer *scratch);

#endif
