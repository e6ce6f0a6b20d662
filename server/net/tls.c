/*
 * TLS context set-up and peer identity.
 */
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "log.h"
#include "tls.h"
#include "tls_policy.h"
#include "utf8.h"

#define TLS_SESSION_CACHE	50000	/* sessions kept for resumption */
#define TLS_SESSION_LIFETIME	3600	/* seconds */

static int	 tls_load_crl(SSL_CTX *, const char *);

void
tls_log_errors(const char *prefix)
{
	unsigned long	 e;
	char		 buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("%s: %s", prefix, buf);
	}
}

static int
tls_load_crl(SSL_CTX *ctx, const char *path)
{
	X509_STORE	*store = SSL_CTX_get_cert_store(ctx);
	X509_LOOKUP	*lookup;

	if ((lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file())) ==
	    NULL || X509_load_crl_file(lookup, path, X509_FILETYPE_PEM) <= 0)
		return -1;
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK |
	    X509_V_FLAG_CRL_CHECK_ALL);
	return 0;
}

SSL_CTX *
tls_ctx_new(const struct config *cfg)
{
	static const unsigned char sid_ctx[] = "qcregd";
	STACK_OF(X509_NAME)	*cas;
	SSL_CTX			*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	if (qc_tls_policy(ctx) != 0)
		goto fail;
	/*
	 * A peer that closes without close_notify reads as a clean end of
	 * stream: frames carry their own length, so truncation shows anyway.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/*
	 * Idle connections give their buffers back; a blocked write may be
	 * retried from where the output buffer has moved it; one read takes
	 * every record the socket has.
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_read_ahead(ctx, 1);
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
		log_warnx("cannot load certificate %s", cfg->cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		log_warnx("cannot load key %s", cfg->key_file);
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL) != 1 ||
	    (cas = SSL_load_client_CA_file(cfg->ca_file)) == NULL) {
		log_warnx("cannot load CA %s", cfg->ca_file);
		goto fail;
	}
	SSL_CTX_set_client_CA_list(ctx, cas);
	if (cfg->crl_file[0] != '\0' && tls_load_crl(ctx, cfg->crl_file)) {
		log_warnx("cannot load CRL %s", cfg->crl_file);
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 4);
	/* Client certificates are checked for the TLS client purpose. */
	SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
	/*
	 * Resumed sessions keep the verified client identity. A server-side
	 * session cache (stateful tickets) rather than stateless tickets:
	 * resuming is a lookup instead of decrypting and decoding the whole
	 * session with the client's certificate, and connections resumed
	 * from one session share it in memory.
	 */
	if (SSL_CTX_set_session_id_context(ctx, sid_ctx,
	    sizeof(sid_ctx) - 1) != 1)
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	/* One ticket a handshake: a client resumes with its latest. */
	SSL_CTX_set_num_tickets(ctx, 1);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_sess_set_cache_size(ctx, TLS_SESSION_CACHE);
	SSL_CTX_set_timeout(ctx, TLS_SESSION_LIFETIME);
	return ctx;
fail:
	tls_log_errors("tls");
	SSL_CTX_free(ctx);
	return NULL;
}

int
tls_peer_cn(SSL *ssl, char *out, size_t size)
{
	X509		*cert;
	X509_NAME	*name;
	X509_NAME_ENTRY	*e;
	ASN1_STRING	*s;
	unsigned char	*utf8 = NULL;
	int		 i, len, rc = -1;

	if ((cert = SSL_get0_peer_certificate(ssl)) == NULL ||
	    (name = X509_get_subject_name(cert)) == NULL ||
	    (i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0 ||
	    (e = X509_NAME_get_entry(name, i)) == NULL ||
	    (s = X509_NAME_ENTRY_get_data(e)) == NULL)
		return -1;
	/* Whatever string type the CN has, it is used and echoed as UTF-8. */
	if ((len = ASN1_STRING_to_UTF8(&utf8, s)) <= 0)
		return -1;
	if ((size_t)len < size && memchr(utf8, '\0', (size_t)len) == NULL &&
	    qc_utf8_valid((const char *)utf8, (size_t)len)) {
		memcpy(out, utf8, (size_t)len);
		out[len] = '\0';
		rc = 0;
	}
	OPENSSL_free(utf8);
	return rc;
}
