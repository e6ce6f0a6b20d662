/*
 * Request dispatch: the envelope, the op table, role checks, and the
 * helpers every op uses to read its arguments and pack its answer.
 */
#ifndef QCD_DISPATCH_H
#define QCD_DISPATCH_H

#include <msgpack.h>
#include <stdint.h>

#include "errors.h"
#include "record.h"
#include "server.h"
#include "subject.h"

struct write_req;

struct req {
	struct server		*q_srv;
	const struct config	*q_cfg;
	struct worker		*q_w;
	struct conn		*q_c;
	uint64_t		 q_id;
	const msgpack_object	*q_msg;		/* the request map */
	msgpack_packer		*q_pk;		/* packs the result value */
	int32_t			 q_today;
	enum qc_err		 q_err;
	char			 q_errmsg[256];
	struct write_req	*q_write;	/* set by write ops */
};

enum op_result {
	OP_DONE = 0,	/* result packed */
	OP_ERROR,	/* q_err and q_errmsg set */
	OP_WRITE	/* q_write ready for the writer */
};

struct op {
	const char	*o_name;
	unsigned	 o_roles;	/* ROLE_BIT mask */
	const char	*const *o_args;	/* allowed arguments, NULL-ended */
	enum op_result	(*o_fn)(struct req *);
	int		 o_write;
};

enum dispatch_result {
	DISPATCH_ANSWERED = 0,	/* answer sent */
	DISPATCH_SUBMITTED,	/* answer will come from the writer */
	DISPATCH_WAIT		/* earlier writes pending: retry later */
};

/*
 * Handles one request (a frame that passed qc_frame_validate). Answers in
 * request order: while writes of this connection are at the writer, a
 * request that would be answered locally waits (DISPATCH_WAIT) unless it
 * is itself a write, whose answer is queued behind them.
 */
enum dispatch_result dispatch_frame(struct worker *, struct conn *,
		    const msgpack_object *msg);

/*
 * Packs a complete error frame (length prefix included) for id (or nil
 * when has_id is 0) into sb, replacing its contents.
 */
int		 dispatch_pack_error(msgpack_sbuffer *, int has_id,
		    uint64_t id, enum qc_err, const char *msg);

/* Records an error for the request; returns OP_ERROR. */
enum op_result	 req_fail(struct req *, enum qc_err, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * Argument readers. Each returns 1 if the argument is present and valid,
 * 0 if absent, -1 after req_fail on a wrong type or value.
 */
int		 arg_str(struct req *, const char *, const char **, size_t *);
int		 arg_uint(struct req *, const char *, uint64_t *);
int		 arg_subject(struct req *, const char *,
		    char out[QC_SUBJECT_MAX]);
int		 arg_list(struct req *, const char *, int *index);
/* "lists": a mask of list indexes; all lists when absent. */
int		 arg_lists(struct req *, unsigned *mask);
/* A page size: absent means deflt, 0 bad_request, > max too_large. */
int		 arg_limit(struct req *, uint32_t deflt, uint32_t *);

/* The op table, one entry per op file. */
extern const struct op op_hello, op_check, op_get, op_put, op_remove,
		    op_history, op_scan, op_changes, op_stats;

#endif
