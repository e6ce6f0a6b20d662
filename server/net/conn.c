/*
 * A client connection's life: accept, TLS handshake and identity,
 * timeouts, close. Reading and writing are in conn_io.c.
 *
 * Each connection is a non-blocking socket with its own SSL and two
 * events rather than an OpenSSL bufferevent: measured on this kind of
 * machine, the bufferevent cost 5.4 system calls per request (it adds and
 * deletes its write event around every answer and reads until EAGAIN);
 * this path costs a read and a write.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "net.h"
#include "metrics.h"
#include "tls.h"

static void	 conn_connected(struct conn *);
static void	 conn_deadline_cb(evutil_socket_t, short, void *);
static void	 conn_log_tls_failure(struct conn *, int);
static int	 conn_setup(struct conn *, evutil_socket_t);
static void	 conn_peer(struct conn *, const struct sockaddr *);
static void	 conn_buffers(struct conn *);

static void
conn_peer(struct conn *c, const struct sockaddr *sa)
{
	char		 host[INET6_ADDRSTRLEN] = "?";
	unsigned	 port = 0;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    host, sizeof(host));
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, host,
		    sizeof(host));
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	}
	snprintf(c->c_peer, sizeof(c->c_peer), "%s:%u", host, port);
}

/* Everything a connection owns; -1 if any of it cannot be had. */
static int
conn_setup(struct conn *c, evutil_socket_t fd)
{
	struct worker		*w = c->c_worker;
	const struct limits	*lim = &w->w_srv->s_cfg->limits;
	struct timeval		 tv = { (time_t)lim->handshake_timeout, 0 };

	/* Answers are small and must not wait for Nagle's timer. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
	    sizeof(int)) == -1)
		log_warn("TCP_NODELAY");
	if ((c->c_ssl = server_ssl_new(w->w_srv)) == NULL ||
	    SSL_set_fd(c->c_ssl, fd) != 1 ||
	    (c->c_in = evbuffer_new()) == NULL ||
	    (c->c_out = evbuffer_new()) == NULL ||
	    (c->c_rev = event_new(w->w_base, fd, EV_READ | EV_PERSIST,
	    conn_read_cb, c)) == NULL ||
	    (c->c_wev = event_new(w->w_base, fd, EV_WRITE | EV_PERSIST,
	    conn_write_cb, c)) == NULL ||
	    (c->c_deadline = evtimer_new(w->w_base, conn_deadline_cb,
	    c)) == NULL || worker_conn_add(w, c) == -1)
		return -1;
	SSL_set_accept_state(c->c_ssl);
	/*
	 * The handshake must finish within the handshake timeout, however
	 * slowly the peer trickles bytes: an absolute deadline.
	 */
	if (evtimer_add(c->c_deadline, &tv) == -1 ||
	    event_add(c->c_rev, NULL) == -1)
		return -1;
	return 0;
}

void
conn_accept(struct worker *w, evutil_socket_t fd, const struct sockaddr *sa,
    int salen)
{
	struct server	*srv = w->w_srv;
	struct conn	*c;

	(void)salen;
	if (atomic_fetch_add(&srv->s_nconns, 1) >=
	    srv->s_cfg->limits.max_connections) {
		atomic_fetch_sub(&srv->s_nconns, 1);
		metrics_conn_refused();
		log_warnx("connection limit of %u reached: refusing a client",
		    srv->s_cfg->limits.max_connections);
		evutil_closesocket(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warnx("out of memory accepting a connection");
		evutil_closesocket(fd);
		atomic_fetch_sub(&srv->s_nconns, 1);
		return;
	}
	c->c_worker = w;
	c->c_fd = fd;
	c->c_caller.cl_name = c->c_principal;
	c->c_caller.cl_role = ROLE_NONE;
	slots_init(&c->c_slots);
	c->c_last = w->w_now;
	conn_peer(c, sa);
	if (conn_setup(c, fd) == -1) {
		log_warnx("cannot set up a connection from %s", c->c_peer);
		conn_free(c);
	}
}

void
conn_free(struct conn *c)
{
	struct server	*srv = c->c_worker->w_srv;

	worker_conn_remove(c->c_worker, c);
	if (c->c_rev != NULL)
		event_free(c->c_rev);
	if (c->c_wev != NULL)
		event_free(c->c_wev);
	if (c->c_deadline != NULL)
		event_free(c->c_deadline);
	if (c->c_turn != NULL)
		event_free(c->c_turn);
	SSL_free(c->c_ssl);
	evutil_closesocket(c->c_fd);
	if (c->c_in != NULL)
		evbuffer_free(c->c_in);
	if (c->c_out != NULL)
		evbuffer_free(c->c_out);
	slots_free(&c->c_slots);
	conn_wait_free(c);
	atomic_fetch_sub(&srv->s_nconns, 1);
	free(c);
}

void
conn_close(struct conn *c)
{
	if (c->c_ready) {
		ERR_clear_error();
		SSL_shutdown(c->c_ssl);
	}
	conn_free(c);
}

void
conn_handshake(struct conn *c)
{
	int	 rc, err;

	ERR_clear_error();
	if ((rc = SSL_do_handshake(c->c_ssl)) == 1) {
		conn_connected(c);
		return;
	}
	err = SSL_get_error(c->c_ssl, rc);
	if (err == SSL_ERROR_WANT_READ) {
		conn_writable_wait(c, 0);
		return;
	}
	if (err == SSL_ERROR_WANT_WRITE) {
		conn_writable_wait(c, 1);
		return;
	}
	conn_log_tls_failure(c, err);
	conn_free(c);
}

static void
conn_connected(struct conn *c)
{
	struct server	*srv = c->c_worker->w_srv;

	if (tls_peer_cn(c->c_ssl, c->c_principal,
	    sizeof(c->c_principal)) == -1) {
		log_info("%s: client certificate has no usable CN; closing",
		    c->c_peer);
		metrics_handshake_failed(HS_NO_CN);
		conn_free(c);
		return;
	}
	/* The handshake deadline's place goes to the turn event. */
	event_free(c->c_deadline);
	c->c_deadline = NULL;
	if ((c->c_turn = event_new(c->c_worker->w_base, -1, 0, conn_turn_cb,
	    c)) == NULL) {
		log_warnx("%s: out of memory; closing", c->c_peer);
		conn_free(c);
		return;
	}
	c->c_ready = 1;
	conn_writable_wait(c, 0);
	c->c_caller.cl_prin = server_principal(srv, c->c_principal);
	if (c->c_caller.cl_prin != NULL)
		c->c_caller.cl_role = c->c_caller.cl_prin->p_role;
	c->c_last = c->c_worker->w_now;
	log_debug("%s: connected as %s (%s)", c->c_peer, c->c_principal,
	    config_role_name(c->c_caller.cl_role));
	/* conn_io.c keeps the error queue empty from here on. */
	ERR_clear_error();
	/* Requests may have come with the end of the handshake. */
	conn_run(c);
}

static void
conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	log_info("%s: TLS handshake timed out", c->c_peer);
	metrics_handshake_failed(HS_TIMEOUT);
	conn_free(c);
}

/* Why a handshake failed: the certificate check, else OpenSSL's error. */
static void
conn_log_tls_failure(struct conn *c, int err)
{
	unsigned long	 e;
	char		 buf[256] = "connection closed";
	long		 vr = SSL_get_verify_result(c->c_ssl);

	while ((e = ERR_get_error()) != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	if (vr != X509_V_OK) {
		metrics_handshake_failed(HS_CERTIFICATE);
		log_info("%s: TLS handshake refused: %s", c->c_peer,
		    X509_verify_cert_error_string(vr));
	} else if (err == SSL_ERROR_SYSCALL && strcmp(buf,
	    "connection closed") == 0) {
		metrics_handshake_failed(HS_CLOSED);
		log_info("%s: TLS handshake failed: connection closed",
		    c->c_peer);
	} else {
		metrics_handshake_failed(HS_PROTOCOL);
		log_info("%s: TLS handshake failed: %s", c->c_peer, buf);
	}
}

/*
 * OpenSSL's record buffers (about 34 KiB) are given back while a
 * connection is quiet (SSL_MODE_RELEASE_BUFFERS, the context's default)
 * and kept while it is busy: allocating and freeing them around every
 * request cost 8% of a small request's instructions. A connection is
 * busy from CONN_BUSY_REQS requests in a sweep tick, quiet after a tick
 * without any.
 */
static void
conn_buffers(struct conn *c)
{
	int	 releasing = (SSL_get_mode(c->c_ssl) &
		    SSL_MODE_RELEASE_BUFFERS) != 0;

	if (releasing && c->c_reqs >= CONN_BUSY_REQS)
		SSL_clear_mode(c->c_ssl, SSL_MODE_RELEASE_BUFFERS);
	else if (!releasing && c->c_reqs == 0 && !c->c_more &&
	    c->c_wlen == 0 && !SSL_has_pending(c->c_ssl) &&
	    evbuffer_get_length(c->c_out) == 0) {
		/* Only with nothing in them: a quiet tick is not an idle one. */
		SSL_set_mode(c->c_ssl, SSL_MODE_RELEASE_BUFFERS);
		SSL_free_buffers(c->c_ssl);
	}
	c->c_reqs = 0;
}

void
conn_sweep(struct conn *c, time_t now)
{
	const struct limits	*lim = &c->c_worker->w_srv->s_cfg->limits;

	/* The handshake has its own deadline; a long poll is not idleness. */
	if (!c->c_ready)
		return;
	if (c->c_wait_req != NULL)
		c->c_last = now;
	/* c_last lags by up to a tick: idle for more than the timeout. */
	if (now - c->c_last <= (time_t)lim->idle_timeout) {
		conn_buffers(c);
		return;
	}
	log_info("%s (%s): idle timeout", c->c_peer, c->c_principal);
	conn_free(c);
}
