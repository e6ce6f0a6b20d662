/*
 * The one TLS policy of qcreg, applied by the server, the library and the
 * bench to every context they build.
 */
#ifndef QC_TLS_POLICY_H
#define QC_TLS_POLICY_H

#include <openssl/ssl.h>

/*
 * Sets the protocol policy on ctx, a client or a server context. Both
 * ends are ours, so it allows only what they need: TLS 1.2 or later (no
 * upper bound, so 1.3 is chosen whenever both ends have it); for TLS 1.2
 * only ECDHE key exchange with AES-GCM or ChaCha20-Poly1305; for TLS 1.3
 * the three standard AEAD suites, named so that a system openssl.cnf
 * cannot widen them; key exchange groups X25519 and P-256; no
 * renegotiation, no compression, the server's cipher order; and no 0-RTT
 * early data, which an attacker can replay.
 *
 * Certificates, verification, session caching and buffer modes stay with
 * the caller. Returns 0, or -1 with the reason in OpenSSL's error queue.
 */
int	 qc_tls_policy(SSL_CTX *ctx);

#endif
