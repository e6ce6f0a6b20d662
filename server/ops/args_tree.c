/*
 * Arguments of the Merkle tree ops (sequence numbers and tree sizes,
 * which start at 1), of signed answers and of the long poll.
 */
#include "args.h"

static int
positive(struct req *q, const char *name, const msgpack_object *o,
    uint64_t *v)
{
	if (arg_uint(q, name, o, v) == -1)
		return -1;
	if (*v == 0) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: must be at least 1", name);
		return -1;
	}
	return 0;
}

int
read_seq(struct req *q, const char *name, const msgpack_object *o)
{
	return positive(q, name, o, &q->q_args.a_seq);
}

int
read_size(struct req *q, const char *name, const msgpack_object *o)
{
	return positive(q, name, o, &q->q_args.a_size);
}

int
read_from(struct req *q, const char *name, const msgpack_object *o)
{
	return positive(q, name, o, &q->q_args.a_from);
}

int
read_to(struct req *q, const char *name, const msgpack_object *o)
{
	return positive(q, name, o, &q->q_args.a_to);
}

static int
arg_bool(struct req *q, const char *name, const msgpack_object *o, int *v)
{
	if (o->type != MSGPACK_OBJECT_BOOLEAN) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: expected true or false",
		    name);
		return -1;
	}
	*v = o->via.boolean;
	return 0;
}

int
read_signed(struct req *q, const char *name, const msgpack_object *o)
{
	return arg_bool(q, name, o, &q->q_args.a_signed);
}

int
read_unless_same(struct req *q, const char *name, const msgpack_object *o)
{
	return arg_bool(q, name, o, &q->q_args.a_unless_same);
}

/* The longest long poll: a client asks again after this. */
#define WAIT_MAX	60

int
read_wait(struct req *q, const char *name, const msgpack_object *o)
{
	uint64_t	 v;

	if (arg_uint(q, name, o, &v) == -1)
		return -1;
	if (v > WAIT_MAX) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: at most %d seconds", name,
		    WAIT_MAX);
		return -1;
	}
	q->q_args.a_wait = (uint32_t)v;
	return 0;
}
