/*
 * Inside the argument checker: the readers of args.c and args_case.c
 * (one per argument) and the checks they share. Each reader validates
 * its value and stores it in the request's args, or calls req_fail and
 * returns -1.
 */
#ifndef QCD_ARGS_H
#define QCD_ARGS_H

#include "op.h"

typedef int arg_reader(struct req *, const char *, const msgpack_object *);

/* A valid UTF-8 string. */
int		 arg_str(struct req *, const char *, const msgpack_object *,
		    const char **, size_t *);
/* A string of 1 .. max bytes. */
int		 arg_text(struct req *, const char *, const msgpack_object *,
		    size_t max, const char **, size_t *);
int		 arg_uint(struct req *, const char *, const msgpack_object *,
		    uint64_t *);
/* A date YYYY-MM-DD, as days (date.h). */
int		 arg_day(struct req *, const char *, const msgpack_object *,
		    int32_t *);

/* The procedure arguments (args_case.c). */
arg_reader	 read_idem, read_kind, read_received_on, read_text, read_case,
		 read_outcome, read_case_state, read_within, read_after_case;
/* The arguments of stats (args_stats.c). */
arg_reader	 read_by, read_region, read_day_from, read_day_to;
/* The arguments of search (args_search.c). */
arg_reader	 read_q, read_search_after;
/* The arguments of backups (op_backup.c) and of audit (op_audit.c). */
arg_reader	 read_backup, read_offset, read_principal, read_since_day,
		 read_after_seq;
/* The Merkle tree's arguments (args_tree.c). */
arg_reader	 read_seq, read_size, read_from, read_to, read_signed,
		 read_wait;
/* A bool (args_tree.c). */
arg_reader	 read_unless_same;

#endif
