/*
 * qcreg-bench: the client TLS context, the same for qcregd and Redis:
 * the protocol's TLS policy, our CA only, the server's name or address
 * checked, a client certificate, and (for --new-conn) session resumption.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "bench.h"
#include "tls_policy.h"

static int	 no_password(char *, int, int, void *);

static int
no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

/* Formats the first queued OpenSSL error after what into err. */
void
btls_error(const char *what, char *err, size_t size)
{
	unsigned long	 e = ERR_peek_error();
	char		 buf[256] = "unknown error";

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, size, "%s: %s", what, buf);
	ERR_clear_error();
}

SSL_CTX *
btls_ctx(const char *host, const char *ca, const char *cert, const char *key,
    int (*new_session)(SSL *, SSL_SESSION *), int release_buffers, char *err,
    size_t size)
{
	X509_VERIFY_PARAM	*vp;
	SSL_CTX			*ctx;
	unsigned char		 addr[16];
	int			 is_ip;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		btls_error("SSL_CTX_new", err, size);
		return NULL;
	}
	SSL_CTX_set_default_passwd_cb(ctx, no_password);
	if (qc_tls_policy(ctx) != 0) {
		btls_error("TLS settings", err, size);
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		btls_error(ca, err, size);
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		btls_error(cert, err, size);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		btls_error(key, err, size);
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	vp = SSL_CTX_get0_param(ctx);
	is_ip = inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1;
	if ((is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) :
	    X509_VERIFY_PARAM_set1_host(vp, host, 0)) != 1) {
		btls_error("server name check", err, size);
		goto fail;
	}
	/*
	 * Partial writes and a moving buffer: the output buffer may grow
	 * (realloc) between a write that wanted more and its retry.
	 * read_ahead lets one read system call take every record there is.
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	    (release_buffers ? SSL_MODE_RELEASE_BUFFERS : 0));
	SSL_CTX_set_read_ahead(ctx, 1);
	if (new_session != NULL) {
		/* Each connection keeps its own session, not a shared cache. */
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
		    SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(ctx, new_session);
	} else
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}
