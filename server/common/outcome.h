/*
 * What a request comes to, in the types every layer shares: a fault
 * (an error code and its message) and the result of a write, which the
 * writer thread fills and a worker turns into an answer.
 */
#ifndef QCD_OUTCOME_H
#define QCD_OUTCOME_H

#include <msgpack.h>
#include <stdint.h>

#include "errors.h"

#define FAULT_MSG_MAX	256

struct fault {
	enum qc_err	 f_code;	/* QC_OK: no fault */
	char		 f_msg[FAULT_MSG_MAX];
};

/* Records code and a printf-style message in f. */
void	 fault_set(struct fault *, enum qc_err, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

struct write_result;

/*
 * Called on the writer thread once a write is durable (or failed); the
 * callee owns the result and frees it with write_result_free.
 */
typedef void write_done_fn(struct write_result *);
/*
 * Called on the writer thread after a batch's results were handed over,
 * once for each receiver (wt_arg) that got some: the receiver wakes once
 * and answers them together.
 */
typedef void write_wake_fn(void *);

/* Where a write's result goes, chosen by whoever submitted it. */
struct write_route {
	write_done_fn	*wt_done;
	write_wake_fn	*wt_wake;	/* may be NULL */
	void		*wt_arg;	/* the worker */
	uint64_t	 wt_conn;	/* connection id on that worker */
	uint32_t	 wt_slot;	/* its reply slot */
	int		 wt_op;		/* the op's index, for metrics */
	uint64_t	 wt_start;	/* when its frame was taken (usec) */
};

struct write_result {
	struct write_result	*wres_next;	/* the receiver's queue */
	struct write_route	 wres_route;
	struct fault		 wres_fault;
	/* The answer: each key is left out when 0 (absent). */
	uint64_t		 wres_version;
	uint64_t		 wres_seq;
	uint64_t		 wres_case;	/* case_open */
	int32_t			 wres_deadline;	/* case_open; a day number */
	int			 wres_provisional;
	int			 wres_unchanged;	/* put unless_same */
};

/*
 * Packs the answer of a successful write: {version?, seq, case?,
 * deadline?, provisional?}, each key only when set. 0 or -1.
 */
int	 write_result_pack(msgpack_packer *, const struct write_result *);
/* Frees a result and the write it belongs to (db/writer.c). */
void	 write_result_free(struct write_result *);

#endif
