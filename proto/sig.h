/*
 * Signatures on what the registry publishes (PROTOCOL.md 4.9): Ed25519
 * through OpenSSL, and the canonical text a checkpoint's signature
 * covers. Shared by the server, which signs, and the clients, which
 * verify years later with only the public key of a key_id.
 */
#ifndef QC_SIG_H
#define QC_SIG_H

#include <stddef.h>
#include <stdint.h>

#define QC_SIG_LEN	64	/* an Ed25519 signature */
#define QC_PUB_LEN	32	/* an Ed25519 public key */
#define QC_ROOT_LEN	32	/* a SHA-256 tree root */
#define QC_KEY_ID_MAX	64	/* bytes of a key_id */
#define QC_ORIGIN_MAX	128	/* bytes of a log's origin */
/* The longest checkpoint text, with room to spare. */
#define QC_CHECKPOINT_MAX	(64 + QC_ORIGIN_MAX + QC_KEY_ID_MAX + 2 * QC_ROOT_LEN)

/* 1 if sig is pub's Ed25519 signature of msg, else 0. */
int	 qc_sig_verify(const uint8_t pub[QC_PUB_LEN], const void *msg,
	    size_t len, const uint8_t sig[QC_SIG_LEN]);

/*
 * The checkpoint text into out (cap bytes): its length, or -1 if it does
 * not fit or an argument breaks the format (a key_id or origin with a
 * newline):
 *
 *   qcreg-checkpoint-v1 LF origin LF size LF root-hex LF time LF key_id LF
 */
int	 qc_checkpoint_text(char *out, size_t cap, const char *origin,
	    uint64_t size, const uint8_t root[QC_ROOT_LEN], uint64_t time,
	    const char *key_id);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void	 qc_hex(const uint8_t *, size_t n, char *out);
/* Parses 2n hex digits into n bytes: 0, or -1 if not hex. */
int	 qc_unhex(const char *, size_t n, uint8_t *out);

#endif
