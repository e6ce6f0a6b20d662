/*
 * The hashes of the change log (PROTOCOL.md 4.4, 4.9), one definition
 * for the server that makes them and the clients that check them: a
 * record's chain hash and the RFC 9162 tree's leaves and nodes. Each
 * returns 0, or -1 when SHA-256 cannot be computed (out of memory).
 */
#ifndef QC_LOGHASH_H
#define QC_LOGHASH_H

#include <stddef.h>
#include <stdint.h>

#define QC_HASH_LEN	32	/* SHA-256 */

/* SHA-256 of len bytes at p. */
int	 qc_sha256(const void *p, size_t len, uint8_t out[QC_HASH_LEN]);

/* What a change record's hash covers, as PROTOCOL.md 4.4 lists it. */
struct qc_change_body {
	uint64_t	 seq;
	uint64_t	 at;
	const char	*principal;
	size_t		 principal_len;
	const char	*op;
	size_t		 op_len;
	const char	*list;
	size_t		 list_len;
	const char	*subject;
	size_t		 subject_len;
	int		 has_version;	/* 0: nil */
	uint64_t	 version;
	int		 has_case;	/* 0: nil */
	uint64_t	 case_id;
	const uint8_t	*payload_hash;	/* QC_HASH_LEN bytes */
};

/*
 * hash(n) = SHA-256(prev || body(n)), body(n) the msgpack array
 * ["qcreg-change-v2", seq, at, principal, op, list, subject,
 * version|nil, case|nil, payload_hash as bin 32], every integer and
 * string in its shortest form (as msgpack-c packs them).
 */
int	 qc_change_hash(const uint8_t prev[QC_HASH_LEN],
	    const struct qc_change_body *, uint8_t out[QC_HASH_LEN]);

/*
 * RFC 9162: a leaf is SHA-256(0x00 || record hash), an inner node
 * SHA-256(0x01 || left || right). out may be one of the inputs.
 */
int	 qc_leaf_hash(const uint8_t h[QC_HASH_LEN], uint8_t out[QC_HASH_LEN]);
int	 qc_node_hash(const uint8_t left[QC_HASH_LEN],
	    const uint8_t right[QC_HASH_LEN], uint8_t out[QC_HASH_LEN]);

#endif
