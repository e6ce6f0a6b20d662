/*
 * Reply slots: answers leave in request order whatever order they are
 * completed in; completing the head flushes the completed slots behind
 * it; a full ring; and an allocator that fails: the slot whose answer
 * could not be copied is answered `internal` with its own request id, in
 * its place, and every slot is still emitted.
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc (Makefile): every malloc
 * and calloc of this program's objects, slots.c's included, goes through
 * __wrap_malloc and __wrap_calloc below, which fail on request.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <msgpack.h>

#include "envelope.h"
#include "frame.h"
#include "msg.h"
#include "slots.h"

#define SINK_MAX	(3 * SLOTS_MAX)

/* What left through the emit callback, decoded. */
struct out {
	int		 o_has_id;
	uint64_t	 o_id;
	int		 o_ok;
	enum qc_err	 o_code;
	char		 o_msg[128];
};

struct fx {
	struct slots	 sq;
	msgpack_sbuffer	 scratch;
	msgpack_sbuffer	 frame;		/* the answer completing a slot */
	struct out	 out[SINK_MAX];
	int		 nout;
	int		 emit_fail;	/* emits before one fails; 0 never */
};

void		*__real_malloc(size_t);
void		*__real_calloc(size_t, size_t);
void		*__wrap_malloc(size_t);
void		*__wrap_calloc(size_t, size_t);

/* Calls left before one fails (1: the next); 0 never; -1 every one. */
static int	 fail_malloc, fail_calloc;

static int	 setup(void **);
static int	 teardown(void **);
static int	 emit(void *, const void *, size_t);
static int	 take(struct fx *, uint64_t);
static int	 complete(struct fx *, int, uint64_t);
static void	 expect_out(struct fx *, int, uint64_t, int);
static int	 should_fail(int *);

static int
should_fail(int *n)
{
	if (*n == -1)
		return 1;
	return *n > 0 && --*n == 0;
}

void *
__wrap_malloc(size_t n)
{
	return should_fail(&fail_malloc) ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return should_fail(&fail_calloc) ? NULL : __real_calloc(n, size);
}

static int
setup(void **state)
{
	struct fx	*fx;

	fail_malloc = fail_calloc = 0;
	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	slots_init(&fx->sq);
	msgpack_sbuffer_init(&fx->scratch);
	msgpack_sbuffer_init(&fx->frame);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;

	fail_malloc = fail_calloc = 0;
	slots_free(&fx->sq);
	msgpack_sbuffer_destroy(&fx->scratch);
	msgpack_sbuffer_destroy(&fx->frame);
	free(fx);
	return 0;
}

/* The connection's output: each frame must be one whole answer. */
static int
emit(void *arg, const void *frame, size_t len)
{
	struct fx		*fx = arg;
	struct out		*o;
	struct qc_answer	 a;
	msgpack_unpacked	 up;
	const char		*why;
	size_t			 off = 0;

	if (fx->emit_fail > 0 && --fx->emit_fail == 0)
		return -1;
	assert_true(fx->nout < SINK_MAX);
	assert_true(len > QC_FRAME_HDR);
	assert_int_equal(qc_frame_get_len(frame), len - QC_FRAME_HDR);
	assert_int_equal(qc_frame_validate((const uint8_t *)frame +
	    QC_FRAME_HDR, len - QC_FRAME_HDR), QC_FRAME_OK);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, (const char *)frame +
	    QC_FRAME_HDR, len - QC_FRAME_HDR, &off), MSGPACK_UNPACK_SUCCESS);
	if (qc_env_parse(&up.data, &a, &why) == -1)
		fail_msg("emitted frame is no answer: %s", why);
	o = &fx->out[fx->nout++];
	o->o_has_id = a.a_has_id;
	o->o_id = a.a_id;
	o->o_ok = a.a_ok;
	o->o_code = a.a_ok ? QC_OK : a.a_code;
	assert_true(a.a_msg_len < sizeof(o->o_msg));
	memcpy(o->o_msg, a.a_msg != NULL ? a.a_msg : "", a.a_msg_len);
	o->o_msg[a.a_msg_len] = '\0';
	msgpack_unpacked_destroy(&up);
	return 0;
}

/* A slot for request id; its index. */
static int
take(struct fx *fx, uint64_t id)
{
	int	 slot;

	assert_int_not_equal(slot = slots_take(&fx->sq, 1, id), -1);
	assert_int_equal(slots_id(&fx->sq, (uint32_t)slot), id);
	return slot;
}

/* Completes slot with a success answer for id, as conn_req.c packs it. */
static int
complete(struct fx *fx, int slot, uint64_t id)
{
	msgpack_packer	 pk;

	assert_int_equal(qc_env_ok_begin(&fx->frame, &pk, id), 0);
	assert_int_equal(msgpack_pack_map(&pk, 1), 0);
	assert_int_equal(qc_pack_kv_uint(&pk, "version", id), 0);
	qc_env_finish(&fx->frame);
	return slots_complete(&fx->sq, (uint32_t)slot, fx->frame.data,
	    fx->frame.size, emit, fx, &fx->scratch);
}

/* The i-th answer out is for id: a success, or `internal`. */
static void
expect_out(struct fx *fx, int i, uint64_t id, int ok)
{
	struct out	*o;

	assert_true(i < fx->nout);
	o = &fx->out[i];
	assert_true(o->o_has_id);
	if (o->o_id != id)
		fail_msg("answer %d is for id %llu, not %llu", i,
		    (unsigned long long)o->o_id, (unsigned long long)id);
	assert_int_equal(o->o_ok, ok);
	if (!ok) {
		assert_int_equal(o->o_code, QC_E_INTERNAL);
		assert_string_equal(o->o_msg,
		    "out of memory storing the answer");
	}
}

static void
test_in_order(void **state)
{
	struct fx	*fx = *state;
	int		 s[3], i;

	assert_true(slots_empty(&fx->sq));
	for (i = 0; i < 3; i++)
		s[i] = take(fx, 1 + i);
	assert_false(slots_empty(&fx->sq));
	for (i = 0; i < 3; i++) {
		assert_int_equal(complete(fx, s[i], 1 + i), 0);
		assert_int_equal(fx->nout, i + 1);
		expect_out(fx, i, 1 + i, 1);
	}
	assert_true(slots_empty(&fx->sq));
}

/* Completed back to front: nothing leaves until the head does. */
static void
test_out_of_order(void **state)
{
	struct fx	*fx = *state;
	int		 s[4], i;

	for (i = 0; i < 4; i++)
		s[i] = take(fx, 10 + i);
	assert_int_equal(complete(fx, s[3], 13), 0);
	assert_int_equal(complete(fx, s[1], 11), 0);
	assert_int_equal(complete(fx, s[2], 12), 0);
	assert_int_equal(fx->nout, 0);
	assert_int_equal(complete(fx, s[0], 10), 0);
	assert_int_equal(fx->nout, 4);
	for (i = 0; i < 4; i++)
		expect_out(fx, i, 10 + i, 1);
	assert_true(slots_empty(&fx->sq));
}

/* The head flushes the completed slots behind it, up to a waiting one. */
static void
test_head_flushes(void **state)
{
	struct fx	*fx = *state;
	int		 s[5], i;

	for (i = 0; i < 5; i++)
		s[i] = take(fx, 20 + i);
	assert_int_equal(complete(fx, s[1], 21), 0);
	assert_int_equal(complete(fx, s[3], 23), 0);
	assert_int_equal(complete(fx, s[4], 24), 0);
	assert_int_equal(complete(fx, s[0], 20), 0);
	assert_int_equal(fx->nout, 2);
	expect_out(fx, 0, 20, 1);
	expect_out(fx, 1, 21, 1);
	assert_false(slots_empty(&fx->sq));
	assert_int_equal(complete(fx, s[2], 22), 0);
	assert_int_equal(fx->nout, 5);
	for (i = 2; i < 5; i++)
		expect_out(fx, i, 20 + i, 1);
	assert_true(slots_empty(&fx->sq));
}

/* SLOTS_MAX slots, the ring wrapped: full, then out in order. */
static void
test_full_ring(void **state)
{
	struct fx	*fx = *state;
	int		 s[SLOTS_MAX], i, first, base = 1000;

	/* Move the head off index 0 so that the ring wraps. */
	for (i = 0; i < 5; i++)
		assert_int_equal(complete(fx, take(fx, i), i), 0);
	assert_int_equal(fx->nout, 5);
	fx->nout = 0;
	for (i = 0; i < SLOTS_MAX; i++) {
		assert_false(slots_full(&fx->sq));
		s[i] = take(fx, base + i);
		assert_int_equal(s[i], (5 + i) % SLOTS_MAX);
	}
	assert_true(slots_full(&fx->sq));
	assert_int_equal(slots_take(&fx->sq, 1, 9999), -1);
	first = s[0];
	for (i = SLOTS_MAX - 1; i > 0; i--)
		assert_int_equal(complete(fx, s[i], base + i), 0);
	assert_int_equal(fx->nout, 0);
	assert_true(slots_full(&fx->sq));
	assert_int_equal(complete(fx, first, base), 0);
	assert_int_equal(fx->nout, SLOTS_MAX);
	for (i = 0; i < SLOTS_MAX; i++)
		expect_out(fx, i, base + i, 1);
	assert_true(slots_empty(&fx->sq));
	/* And usable again. */
	assert_int_equal(complete(fx, take(fx, 77), 77), 0);
	expect_out(fx, SLOTS_MAX, 77, 1);
}

/* slots_fail: `internal` with the slot's id (nil when it had none). */
static void
test_fail(void **state)
{
	struct fx	*fx = *state;
	int		 a, b, c;

	a = take(fx, 30);
	assert_int_not_equal(b = slots_take(&fx->sq, 0, 0), -1);
	c = take(fx, 32);
	assert_int_equal(slots_fail(&fx->sq, (uint32_t)b, emit, fx,
	    &fx->scratch), 0);
	assert_int_equal(fx->nout, 0);
	assert_int_equal(complete(fx, a, 30), 0);
	assert_int_equal(fx->nout, 2);
	expect_out(fx, 0, 30, 1);
	assert_false(fx->out[1].o_has_id);
	assert_false(fx->out[1].o_ok);
	assert_int_equal(fx->out[1].o_code, QC_E_INTERNAL);
	/* At the head, a failure leaves at once. */
	assert_int_equal(slots_fail(&fx->sq, (uint32_t)c, emit, fx,
	    &fx->scratch), 0);
	assert_int_equal(fx->nout, 3);
	expect_out(fx, 2, 32, 0);
	assert_true(slots_empty(&fx->sq));
}

/* An emit that fails is reported to the caller. */
static void
test_emit_fails(void **state)
{
	struct fx	*fx = *state;
	int		 a, b;

	a = take(fx, 40);
	b = take(fx, 41);
	assert_int_equal(complete(fx, b, 41), 0);
	fx->emit_fail = 2;	/* the head goes out, the next does not */
	assert_int_equal(complete(fx, a, 40), -1);
	assert_int_equal(fx->nout, 1);
	expect_out(fx, 0, 40, 1);
	fx->emit_fail = 1;
	assert_int_equal(complete(fx, take(fx, 42), 42), -1);
}

/*
 * The copy of an early answer cannot be stored: that slot is answered
 * `internal` with its id, in its place, and nothing stalls.
 */
static void
test_malloc_fails(void **state)
{
	struct fx	*fx = *state;
	int		 s[4], i;

	for (i = 0; i < 4; i++)
		s[i] = take(fx, 50 + i);
	assert_int_equal(complete(fx, s[3], 53), 0);
	fail_malloc = 1;
	assert_int_equal(complete(fx, s[1], 51), 0);
	assert_int_equal(fail_malloc, 0);	/* the copy was asked for */
	assert_int_equal(complete(fx, s[2], 52), 0);
	assert_int_equal(fx->nout, 0);
	assert_int_equal(complete(fx, s[0], 50), 0);
	assert_int_equal(fx->nout, 4);
	expect_out(fx, 0, 50, 1);
	expect_out(fx, 1, 51, 0);
	expect_out(fx, 2, 52, 1);
	expect_out(fx, 3, 53, 1);
	assert_true(slots_empty(&fx->sq));
}

/* No copy can be stored at all: every slot still answers, in order. */
static void
test_malloc_fails_always(void **state)
{
	struct fx	*fx = *state;
	int		 s[SLOTS_MAX], i;

	for (i = 0; i < SLOTS_MAX; i++)
		s[i] = take(fx, 100 + i);
	fail_malloc = -1;
	for (i = SLOTS_MAX - 1; i > 0; i--)
		assert_int_equal(complete(fx, s[i], 100 + i), 0);
	assert_int_equal(fx->nout, 0);
	/* The head needs no copy: it leaves as it is. */
	assert_int_equal(complete(fx, s[0], 100), 0);
	fail_malloc = 0;
	assert_int_equal(fx->nout, SLOTS_MAX);
	expect_out(fx, 0, 100, 1);
	for (i = 1; i < SLOTS_MAX; i++)
		expect_out(fx, i, 100 + i, 0);
	assert_true(slots_empty(&fx->sq));
}

/* The ring is allocated on first use: failing, no slot, no change. */
static void
test_ring_alloc_fails(void **state)
{
	struct fx	*fx = *state;

	fail_calloc = 1;
	assert_int_equal(slots_take(&fx->sq, 1, 60), -1);
	assert_int_equal(fail_calloc, 0);
	assert_true(slots_empty(&fx->sq));
	assert_false(slots_full(&fx->sq));
	assert_int_equal(complete(fx, take(fx, 61), 61), 0);
	expect_out(fx, 0, 61, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_head_flushes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_ring, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emit_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malloc_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malloc_fails_always,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_alloc_fails, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
