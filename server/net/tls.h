/*
 * The server's TLS context: mutual TLS, 1.2+, AEAD only.
 */
#ifndef QCD_TLS_H
#define QCD_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

#include "config.h"

/* Builds a complete context from the config; NULL (logged) on failure. */
SSL_CTX	*tls_ctx_new(const struct config *);
/*
 * Copies the subject CN of the peer's verified certificate into out.
 * Returns 0, or -1 if there is none or it is unusable (embedded NUL,
 * too long).
 */
int	 tls_peer_cn(SSL *, char *out, size_t size);
/* Logs and clears OpenSSL's error queue with a prefix. */
void	 tls_log_errors(const char *prefix);

#endif
