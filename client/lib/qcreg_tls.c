/*
 * libqcreg: the TLS side of a connection (OpenSSL 3).
 *
 * OpenSSL talks to the socket through a small BIO of our own that sends
 * with MSG_NOSIGNAL, so a peer that went away yields EPIPE instead of
 * killing the embedding process with SIGPIPE.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "qcreg_int.h"
#include "tls_policy.h"

static int	 bio_write(BIO *, const char *, int);
static int	 bio_read(BIO *, char *, int);
static long	 bio_ctrl(BIO *, int, long, void *);
static int	 no_password(char *, int, int, void *);
static const char *first_reason(void);
static int	 setup_fail(struct qcreg *, const char *, const char *);
static int	 is_host_ip(const char *);
static int	 is_cert_alert(int);

static int
bio_write(BIO *b, const char *buf, int len)
{
	struct qcreg	*c = BIO_get_data(b);
	ssize_t		 n;

	BIO_clear_retry_flags(b);
	if (len <= 0)
		return 0;
	n = send(c->fd, buf, (size_t)len, MSG_NOSIGNAL);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		BIO_set_retry_write(b);
	else
		c->sock_errno = errno;
	return -1;
}

static int
bio_read(BIO *b, char *buf, int len)
{
	struct qcreg	*c = BIO_get_data(b);
	ssize_t		 n;

	BIO_clear_retry_flags(b);
	if (len <= 0)
		return 0;
	n = recv(c->fd, buf, (size_t)len, 0);
	if (n > 0)
		return (int)n;
	if (n == 0) {
		c->eof = 1;
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		BIO_set_retry_read(b);
	else
		c->sock_errno = errno;
	return -1;
}

/* BIO_CTRL_EOF lets OpenSSL tell a closed socket from a retry. */
static long
bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct qcreg	*c = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_EOF:
		return c->eof;
	default:
		return 0;
	}
}

/* An encrypted key must fail instead of prompting on the terminal. */
static int
no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

/* The oldest queued OpenSSL error, which names the root cause. */
static const char *
first_reason(void)
{
	unsigned long	 e;
	const char	*s;

	if ((e = ERR_peek_error()) == 0)
		return "unknown error";
	if (ERR_SYSTEM_ERROR(e))
		return strerror(ERR_GET_REASON(e));
	if ((s = ERR_reason_error_string(e)) == NULL)
		return "unknown error";
	return s;
}

static int
setup_fail(struct qcreg *c, const char *what, const char *file)
{
	int	 rc;

	if (file != NULL)
		rc = qcreg_die(c, QCREG_E_TLS, "%s %s: %s", what, file,
		    first_reason());
	else
		rc = qcreg_die(c, QCREG_E_TLS, "%s: %s", what, first_reason());
	ERR_clear_error();
	return rc;
}

static int
is_host_ip(const char *host)
{
	unsigned char	 buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

/* Alerts by which a server says it does not accept our certificate. */
static int
is_cert_alert(int alert)
{
	switch (alert) {
	case SSL_AD_BAD_CERTIFICATE:
	case SSL_AD_UNSUPPORTED_CERTIFICATE:
	case SSL_AD_CERTIFICATE_REVOKED:
	case SSL_AD_CERTIFICATE_EXPIRED:
	case SSL_AD_CERTIFICATE_UNKNOWN:
	case SSL_AD_UNKNOWN_CA:
	case SSL_AD_ACCESS_DENIED:
	case SSL_AD_CERTIFICATE_REQUIRED:
		return 1;
	default:
		return 0;
	}
}

/*
 * Turns the failure of an SSL call (SSL_get_error value e) during `what`
 * ("TLS handshake", "read", "write") into a message, kills the connection
 * and returns the code.
 */
int
qcreg_tls_error(struct qcreg *c, int e, const char *what)
{
	unsigned long	 err = ERR_peek_last_error();
	const char	*reason, *hint = "";
	char		 buf[256];
	long		 vr;
	int		 r, rc;

	if (c->handshaken && !c->established)
		hint = " (the server may have refused the client certificate)";
	if (err != 0 && ERR_GET_LIB(err) == ERR_LIB_SSL) {
		r = ERR_GET_REASON(err);
		reason = ERR_reason_error_string(err);
		if (reason == NULL)
			reason = "unknown error";
		if (r >= SSL_AD_REASON_OFFSET) {
			if (is_cert_alert(r - SSL_AD_REASON_OFFSET) &&
			    !c->established)
				rc = qcreg_die(c, QCREG_E_TLS, "server refused "
				    "the client certificate: %s", reason);
			else
				rc = qcreg_die(c, QCREG_E_TLS,
				    "%s failed: TLS alert from server: %s",
				    what, reason);
		} else if (r == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
			rc = qcreg_die(c, QCREG_E_IO,
			    "%s failed: connection closed by server%s", what,
			    hint);
		} else if (r == SSL_R_CERTIFICATE_VERIFY_FAILED &&
		    (vr = SSL_get_verify_result(c->ssl)) != X509_V_OK) {
			rc = qcreg_die(c, QCREG_E_TLS, "%s failed: certificate "
			    "verify failed: %s", what,
			    X509_verify_cert_error_string(vr));
		} else
			rc = qcreg_die(c, QCREG_E_TLS, "%s failed: %s", what,
			    reason);
	} else if (err != 0) {
		ERR_error_string_n(err, buf, sizeof(buf));
		rc = qcreg_die(c, QCREG_E_TLS, "%s failed: %s", what, buf);
	} else if (c->sock_errno != 0) {
		rc = qcreg_die(c, QCREG_E_IO, "%s failed: %s%s", what,
		    strerror(c->sock_errno), hint);
	} else if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL ||
	    c->eof) {
		rc = qcreg_die(c, QCREG_E_IO,
		    "%s failed: connection closed by server%s", what, hint);
	} else
		rc = qcreg_die(c, QCREG_E_TLS, "%s failed: SSL error %d",
		    what, e);
	ERR_clear_error();
	return rc;
}

/*
 * Builds the TLS context from the files in opts. Runs before connecting,
 * so that a missing or wrong file is reported without touching the
 * network.
 */
int
qcreg_tls_ctx(struct qcreg *c, const struct qcreg_opts *opts)
{
	ERR_clear_error();
	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return setup_fail(c, "SSL_CTX_new", NULL);
	if (qc_tls_policy(c->ctx) != 0)
		return setup_fail(c, "TLS settings", NULL);
	SSL_CTX_set_mode(c->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_default_passwd_cb(c->ctx, no_password);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_verify_depth(c->ctx, 8);
	if (SSL_CTX_load_verify_locations(c->ctx, opts->ca_file, NULL) != 1)
		return setup_fail(c, "cannot load CA file", opts->ca_file);
	if (SSL_CTX_use_certificate_chain_file(c->ctx, opts->cert_file) != 1)
		return setup_fail(c, "cannot load certificate",
		    opts->cert_file);
	if (SSL_CTX_use_PrivateKey_file(c->ctx, opts->key_file,
	    SSL_FILETYPE_PEM) != 1)
		return setup_fail(c, "cannot load key", opts->key_file);
	if (SSL_CTX_check_private_key(c->ctx) != 1)
		return setup_fail(c, "key does not match certificate",
		    opts->key_file);
	return 0;
}

/*
 * Attaches TLS to c->fd and completes the handshake, verifying that the
 * server's certificate comes from the CA and names host.
 */
int
qcreg_tls_start(struct qcreg *c, const char *host)
{
	BIO	*bio;
	int	 r, e, rc;

	ERR_clear_error();
	if ((c->ssl = SSL_new(c->ctx)) == NULL)
		return setup_fail(c, "SSL_new", NULL);
	if (is_host_ip(host)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl),
		    host) != 1)
			return setup_fail(c, "cannot verify address", host);
	} else {
		SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(c->ssl, host) != 1 ||
		    SSL_set_tlsext_host_name(c->ssl, host) != 1)
			return setup_fail(c, "cannot verify host name", host);
	}

	if ((c->biom = BIO_meth_new(BIO_get_new_index() |
	    BIO_TYPE_SOURCE_SINK, "qcreg socket")) == NULL ||
	    BIO_meth_set_write(c->biom, bio_write) != 1 ||
	    BIO_meth_set_read(c->biom, bio_read) != 1 ||
	    BIO_meth_set_ctrl(c->biom, bio_ctrl) != 1 ||
	    (bio = BIO_new(c->biom)) == NULL)
		return setup_fail(c, "BIO setup", NULL);
	BIO_set_data(bio, c);
	BIO_set_init(bio, 1);
	SSL_set_bio(c->ssl, bio, bio);
	SSL_set_connect_state(c->ssl);

	for (;;) {
		ERR_clear_error();
		if ((r = SSL_connect(c->ssl)) == 1)
			break;
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			rc = qcreg_io_wait(c, POLLIN, NULL);
		else if (e == SSL_ERROR_WANT_WRITE)
			rc = qcreg_io_wait(c, POLLOUT, NULL);
		else
			return qcreg_tls_error(c, e, "TLS handshake");
		if (rc != 0)
			return rc;
	}
	c->handshaken = 1;
	return 0;
}

/* Sends one close_notify; does not wait for the server's. */
void
qcreg_tls_shutdown(struct qcreg *c)
{
	ERR_clear_error();
	(void)SSL_shutdown(c->ssl);
	ERR_clear_error();
}
