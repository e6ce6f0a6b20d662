/*
 * Inside the ops layer: the signed checkpoint (PROTOCOL.md 4.9) that the
 * checkpoint op answers and signed answers carry, and the signed block
 * of those answers.
 */
#ifndef QCD_SIGNING_H
#define QCD_SIGNING_H

#include <lmdb.h>
#include <msgpack.h>
#include <stdint.h>

#include "sig.h"

struct req;
struct config;
struct signer;

struct checkpoint {
	uint64_t		 cp_size;	/* records: the tree's size */
	uint8_t			 cp_root[QC_ROOT_LEN];
	uint64_t		 cp_time;
	const struct signer	*cp_signer;	/* NULL: not signed here */
	const char		*cp_key_id;	/* NULL: not signed */
	uint8_t			 cp_sig[QC_SIG_LEN];
};

/* The head of the request's snapshot, signed: 0, or -1 after req_fail. */
int	 checkpoint_make(struct req *, MDB_txn *, struct checkpoint *);
/* {origin, size, root, time, key_id?, signature?}; 0 or -1. */
int	 checkpoint_pack(msgpack_packer *, const char *origin,
	    const struct checkpoint *);
/*
 * A signed answer (check, report) begins: unavailable on a server
 * without a signing key, else the checkpoint of txn's head into cp. 0,
 * or -1 after req_fail.
 */
int	 answer_sign_begin(struct req *, MDB_txn *, struct checkpoint *);
/*
 * Signs the answer's canonical text (len bytes) with cp's key and packs
 * "signed": {origin, time, size, root, key_id, signature}. 0, or -1
 * after req_fail.
 */
int	 answer_sign_pack(struct req *, struct checkpoint *, const void *text,
	    size_t len);

#endif
