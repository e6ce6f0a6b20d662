/*
 * Inside check: the signed answer (op_check_sign.c), written beside the
 * answer as op_check.c packs it.
 */
#ifndef QCD_OP_CHECK_H
#define QCD_OP_CHECK_H

#include <lmdb.h>
#include <msgpack.h>

#include "check_text.h"
#include "escalation.h"
#include "signing.h"
#include "summary.h"

struct req;

struct check_sign {
	msgpack_sbuffer		 cs_text;	/* the canonical text so far */
	struct checkpoint	 cs_cp;		/* of the answer's snapshot */
};

/* Each returns 0, or -1 after req_fail; check_sign_free in any case. */
int	 check_sign_begin(struct req *, MDB_txn *, struct check_sign *,
	    uint32_t nsubjects);
int	 check_sign_invalid(struct req *, struct check_sign *,
	    const msgpack_object *subject);
int	 check_sign_subject(struct req *, struct check_sign *,
	    const char *subject, const struct summary_hit *hits,
	    unsigned found, const char *verdict, const struct escalation *);
/* Signs the text and packs "signed": {origin, time, size, root, key_id, signature}. */
int	 check_sign_end(struct req *, struct check_sign *);
void	 check_sign_free(struct check_sign *);

#endif
