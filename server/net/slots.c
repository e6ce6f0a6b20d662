/*
 * Reply slots (slots.h): a ring of SLOTS_MAX answers per connection.
 */
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "slots.h"

enum slot_state {
	SLOT_FREE = 0,
	SLOT_WAITING,	/* its answer is still to come */
	SLOT_READY,	/* sl_data holds the answer */
	SLOT_FAILED	/* answer `internal` */
};

struct slot {
	char		*sl_data;
	size_t		 sl_len;
	uint64_t	 sl_id;
	uint8_t		 sl_has_id;
	uint8_t		 sl_state;
};

static int	 slots_drain(struct slots *, slot_emit_fn *, void *,
		    msgpack_sbuffer *);
static int	 slot_emit(struct slot *, slot_emit_fn *, void *,
		    msgpack_sbuffer *);

void
slots_init(struct slots *sq)
{
	memset(sq, 0, sizeof(*sq));
}

void
slots_free(struct slots *sq)
{
	uint32_t	 i;

	if (sq->sq_ring != NULL)
		for (i = 0; i < SLOTS_MAX; i++)
			free(sq->sq_ring[i].sl_data);
	free(sq->sq_ring);
	slots_init(sq);
}

int
slots_empty(const struct slots *sq)
{
	return sq->sq_count == 0;
}

int
slots_full(const struct slots *sq)
{
	return sq->sq_count == SLOTS_MAX;
}

int
slots_take(struct slots *sq, int has_id, uint64_t id)
{
	struct slot	*sl;
	uint32_t	 index;

	if (sq->sq_count == SLOTS_MAX)
		return -1;
	/* Most connections never pipeline behind a write: no ring. */
	if (sq->sq_ring == NULL &&
	    (sq->sq_ring = calloc(SLOTS_MAX, sizeof(*sq->sq_ring))) == NULL)
		return -1;
	index = (sq->sq_head + sq->sq_count++) % SLOTS_MAX;
	sl = &sq->sq_ring[index];
	sl->sl_state = SLOT_WAITING;
	sl->sl_has_id = has_id != 0;
	sl->sl_id = id;
	return (int)index;
}

uint64_t
slots_id(const struct slots *sq, uint32_t index)
{
	return sq->sq_ring[index].sl_id;
}

/* Sends one completed slot's answer and frees the slot. */
static int
slot_emit(struct slot *sl, slot_emit_fn *emit, void *arg,
    msgpack_sbuffer *scratch)
{
	int	 rc;

	if (sl->sl_state == SLOT_READY)
		rc = emit(arg, sl->sl_data, sl->sl_len);
	else if (qc_env_error(scratch, sl->sl_has_id, sl->sl_id,
	    QC_E_INTERNAL, "out of memory storing the answer") == 0)
		rc = emit(arg, scratch->data, scratch->size);
	else
		rc = -1;
	free(sl->sl_data);
	memset(sl, 0, sizeof(*sl));
	return rc;
}

/* Sends every completed answer at the head, in order. */
static int
slots_drain(struct slots *sq, slot_emit_fn *emit, void *arg,
    msgpack_sbuffer *scratch)
{
	struct slot	*sl;

	while (sq->sq_count > 0) {
		sl = &sq->sq_ring[sq->sq_head];
		if (sl->sl_state == SLOT_WAITING)
			break;
		sq->sq_head = (sq->sq_head + 1) % SLOTS_MAX;
		sq->sq_count--;
		if (slot_emit(sl, emit, arg, scratch) == -1)
			return -1;
	}
	return 0;
}

int
slots_complete(struct slots *sq, uint32_t index, const void *frame,
    size_t len, slot_emit_fn *emit, void *arg, msgpack_sbuffer *scratch)
{
	struct slot	*sl = &sq->sq_ring[index];

	if (index == sq->sq_head) {
		memset(sl, 0, sizeof(*sl));
		sq->sq_head = (sq->sq_head + 1) % SLOTS_MAX;
		sq->sq_count--;
		if (emit(arg, frame, len) == -1)
			return -1;
		return slots_drain(sq, emit, arg, scratch);
	}
	if ((sl->sl_data = malloc(len)) == NULL) {
		sl->sl_state = SLOT_FAILED;
		return 0;
	}
	memcpy(sl->sl_data, frame, len);
	sl->sl_len = len;
	sl->sl_state = SLOT_READY;
	return 0;
}

int
slots_fail(struct slots *sq, uint32_t index, slot_emit_fn *emit, void *arg,
    msgpack_sbuffer *scratch)
{
	sq->sq_ring[index].sl_state = SLOT_FAILED;
	return index == sq->sq_head ? slots_drain(sq, emit, arg, scratch) : 0;
}
