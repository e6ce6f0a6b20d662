/*
 * A client connection: TLS handshake, identity, frames in, answers out
 * in request order, backpressure and timeouts.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "frame.h"
#include "log.h"
#include "tls.h"

static void	 conn_read_cb(struct bufferevent *, void *);
static void	 conn_write_cb(struct bufferevent *, void *);
static void	 conn_event_cb(struct bufferevent *, short, void *);
static void	 conn_connected(struct conn *);
static void	 conn_process(struct conn *);
static void	 conn_bad_frame(struct conn *, const char *);
static void	 conn_log_tls_failure(struct conn *, short);
static void	 conn_deadline_cb(evutil_socket_t, short, void *);
static void	 conn_reading(struct conn *);

void
conn_accept(struct worker *w, evutil_socket_t fd, const struct sockaddr *sa,
    int salen)
{
	struct server	*srv = w->w_srv;
	struct conn	*c;
	struct timeval	 tv;
	SSL		*ssl;
	char		 host[INET6_ADDRSTRLEN] = "?";

	(void)salen;
	/* Answers are small and must not wait for Nagle's timer. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
	    sizeof(int)) == -1)
		log_warn("TCP_NODELAY");
	if (atomic_fetch_add(&srv->s_nconns, 1) >=
	    srv->s_cfg->limits.max_connections) {
		atomic_fetch_sub(&srv->s_nconns, 1);
		log_warnx("connection limit of %u reached: refusing a client",
		    srv->s_cfg->limits.max_connections);
		evutil_closesocket(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (ssl = server_ssl_new(srv)) == NULL) {
		log_warnx("out of memory accepting a connection");
		free(c);
		evutil_closesocket(fd);
		atomic_fetch_sub(&srv->s_nconns, 1);
		return;
	}
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    host, sizeof(host));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, host,
		    sizeof(host));
	snprintf(c->c_peer, sizeof(c->c_peer), "%s:%u", host,
	    ntohs(((const struct sockaddr_in *)sa)->sin_port));
	c->c_worker = w;
	c->c_role = ROLE_NONE;
	/* On failure libevent has freed ssl but not closed fd. */
	c->c_bev = bufferevent_openssl_socket_new(w->w_base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->c_bev == NULL || worker_conn_add(w, c) == -1) {
		log_warnx("cannot set up a connection from %s", c->c_peer);
		if (c->c_bev != NULL)
			bufferevent_free(c->c_bev);
		else
			evutil_closesocket(fd);
		free(c);
		atomic_fetch_sub(&srv->s_nconns, 1);
		return;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(c->c_bev, 1);
	bufferevent_setcb(c->c_bev, conn_read_cb, conn_write_cb,
	    conn_event_cb, c);
	/*
	 * The handshake must finish within the handshake timeout, however
	 * slowly the peer trickles bytes: an absolute deadline, not the
	 * inactivity timeouts of the bufferevent.
	 */
	tv.tv_sec = srv->s_cfg->limits.handshake_timeout;
	tv.tv_usec = 0;
	if ((c->c_deadline = evtimer_new(w->w_base, conn_deadline_cb,
	    c)) == NULL || evtimer_add(c->c_deadline, &tv) == -1) {
		log_warnx("cannot arm the handshake deadline");
		conn_free(c);
		return;
	}
	bufferevent_set_timeouts(c->c_bev, &tv, &tv);
	/* The write callback fires when output drains below half the cap. */
	bufferevent_setwatermark(c->c_bev, EV_WRITE,
	    srv->s_cfg->limits.output_cap / 2, 0);
	bufferevent_enable(c->c_bev, EV_READ);
}

void
conn_free(struct conn *c)
{
	struct server	*srv = c->c_worker->w_srv;

	worker_conn_remove(c->c_worker, c);
	if (c->c_deadline != NULL)
		event_free(c->c_deadline);
	bufferevent_free(c->c_bev);
	atomic_fetch_sub(&srv->s_nconns, 1);
	free(c);
}

/* Sends close_notify once everything is written, then frees. */
static void
conn_close(struct conn *c)
{
	SSL	*ssl = bufferevent_openssl_get_ssl(c->c_bev);

	if (c->c_ready && ssl != NULL)
		SSL_shutdown(ssl);
	conn_free(c);
}

static void
conn_connected(struct conn *c)
{
	const struct config	*cfg = c->c_worker->w_srv->s_cfg;
	struct timeval		 tv;

	if (tls_peer_cn(bufferevent_openssl_get_ssl(c->c_bev),
	    c->c_principal, sizeof(c->c_principal)) == -1) {
		log_info("%s: client certificate has no usable CN; closing",
		    c->c_peer);
		conn_free(c);
		return;
	}
	c->c_ready = 1;
	event_free(c->c_deadline);
	c->c_deadline = NULL;
	if ((c->c_prin = server_principal(c->c_worker->w_srv,
	    c->c_principal)) != NULL)
		c->c_role = c->c_prin->p_role;
	tv.tv_sec = cfg->limits.idle_timeout;
	tv.tv_usec = 0;
	bufferevent_set_timeouts(c->c_bev, &tv, &tv);
	log_debug("%s: connected as %s (%s)", c->c_peer, c->c_principal,
	    config_role_name(c->c_role));
	conn_process(c);
}

static void
conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	conn_log_tls_failure(c, BEV_EVENT_TIMEOUT);
	conn_free(c);
}

static void
conn_log_tls_failure(struct conn *c, short what)
{
	SSL		*ssl = bufferevent_openssl_get_ssl(c->c_bev);
	unsigned long	 e;
	char		 buf[256] = "connection closed";
	long		 vr;

	if (what & BEV_EVENT_TIMEOUT) {
		log_info("%s: TLS handshake timed out", c->c_peer);
		return;
	}
	/* libevent queues codes of its own (library 0): skip them. */
	while ((e = bufferevent_get_openssl_error(c->c_bev)) != 0)
		if (ERR_GET_LIB(e) != 0)
			ERR_error_string_n(e, buf, sizeof(buf));
	vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	if (vr != X509_V_OK)
		log_info("%s: TLS handshake refused: %s", c->c_peer,
		    X509_verify_cert_error_string(vr));
	else
		log_info("%s: TLS handshake failed: %s", c->c_peer, buf);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		conn_connected(c);
		return;
	}
	if (!c->c_ready)
		conn_log_tls_failure(c, what);
	else if (what & BEV_EVENT_TIMEOUT)
		log_info("%s (%s): idle timeout", c->c_peer, c->c_principal);
	else
		log_debug("%s (%s): closed", c->c_peer, c->c_principal);
	/*
	 * A client that hung up cleanly keeps its session resumable:
	 * OpenSSL drops a session from the cache when the SSL is freed
	 * without a shutdown.
	 */
	if (c->c_ready && (what & BEV_EVENT_EOF))
		SSL_set_shutdown(bufferevent_openssl_get_ssl(c->c_bev),
		    SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	conn_free(c);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_process(arg);
}

/* Output drained: finish a close, or resume a reader held by the cap. */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	size_t		 pending = evbuffer_get_length(bufferevent_get_output(bev));

	if (c->c_closing) {
		if (pending == 0)
			conn_close(c);
		return;
	}
	if (c->c_out_full) {
		c->c_out_full = 0;
		conn_process(c);
	}
}

/*
 * Backpressure: read from the client only while its unsent answers are
 * under the cap, its writes at the writer under CONN_MAX_INFLIGHT, and
 * its unhandled input under one frame. Re-enabling triggers a read, as
 * bytes OpenSSL already decrypted would not wake the loop by themselves.
 */
static void
conn_reading(struct conn *c)
{
	size_t	 in = evbuffer_get_length(bufferevent_get_input(c->c_bev));
	int	 want;

	want = !c->c_closing && !c->c_out_full &&
	    c->c_inflight < CONN_MAX_INFLIGHT &&
	    in <= QC_FRAME_HDR + (size_t)c->c_worker->w_srv->s_cfg->limits.max_frame;
	if (want && c->c_read_off) {
		c->c_read_off = 0;
		bufferevent_enable(c->c_bev, EV_READ);
		bufferevent_trigger(c->c_bev, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	} else if (!want && !c->c_read_off) {
		c->c_read_off = 1;
		bufferevent_disable(c->c_bev, EV_READ);
	}
}

int
conn_send_frame(struct conn *c, const void *data, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->c_bev);

	if (evbuffer_add(out, data, len) == -1) {
		log_warnx("%s: out of memory queueing an answer", c->c_peer);
		return -1;
	}
	/* Stop handling requests until the client takes its answers. */
	if (evbuffer_get_length(out) >
	    c->c_worker->w_srv->s_cfg->limits.output_cap)
		c->c_out_full = 1;
	return 0;
}

void
conn_write_done(struct conn *c, const void *frame, size_t len)
{
	conn_send_frame(c, frame, len);
	/* Requests held behind writes, or by the in-flight limit, go on. */
	c->c_inflight--;
	if (!c->c_closing && (c->c_inflight == 0 ||
	    c->c_inflight == CONN_MAX_INFLIGHT / 2))
		conn_process(c);
}

/* Answers bad_frame with a nil id, then closes once it is sent. */
static void
conn_bad_frame(struct conn *c, const char *why)
{
	msgpack_sbuffer	*sb = &c->c_worker->w_out;

	log_info("%s (%s): bad frame: %s", c->c_peer, c->c_principal, why);
	if (dispatch_pack_error(sb, 0, 0, QC_E_BAD_FRAME, why) == 0)
		conn_send_frame(c, sb->data, sb->size);
	c->c_closing = 1;
	c->c_read_off = 1;
	bufferevent_disable(c->c_bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->c_bev)) == 0)
		conn_close(c);
}

/*
 * Handles the complete frames buffered on the connection, at most
 * FRAMES_PER_WAKEUP at a time so that one client cannot starve the
 * others on this worker.
 */
static void
conn_process(struct conn *c)
{
	struct worker		*w = c->c_worker;
	struct evbuffer		*in = bufferevent_get_input(c->c_bev);
	uint32_t		 max = w->w_srv->s_cfg->limits.max_frame;
	uint8_t			 hdr[QC_FRAME_HDR], *body;
	msgpack_object		 msg;
	enum qc_frame_status	 fs;
	enum dispatch_result	 dr;
	uint32_t		 len;
	size_t			 off;
	int			 n, rc;

	if (!c->c_ready || c->c_closing)
		goto done;
	for (n = 0; n < FRAMES_PER_WAKEUP; n++) {
		if (c->c_out_full || c->c_inflight >= CONN_MAX_INFLIGHT ||
		    evbuffer_copyout(in, hdr, sizeof(hdr)) != sizeof(hdr))
			goto held;
		len = qc_frame_get_len(hdr);
		if ((fs = qc_frame_check_len(len, max)) != QC_FRAME_OK) {
			conn_bad_frame(c, qc_frame_strerror(fs));
			goto done;
		}
		if (evbuffer_get_length(in) < QC_FRAME_HDR + (size_t)len)
			goto held;
		body = evbuffer_pullup(in, QC_FRAME_HDR + (ssize_t)len);
		if (body == NULL) {
			conn_bad_frame(c, "out of memory");
			goto done;
		}
		body += QC_FRAME_HDR;
		if ((fs = qc_frame_validate(body, len)) != QC_FRAME_OK) {
			conn_bad_frame(c, qc_frame_strerror(fs));
			goto done;
		}
		/* The worker's zone is cleared, not freed, between frames. */
		off = 0;
		rc = msgpack_unpack((const char *)body, len, &off, &w->w_zone,
		    &msg);
		if (rc != MSGPACK_UNPACK_SUCCESS || off != len) {
			msgpack_zone_clear(&w->w_zone);
			conn_bad_frame(c, "not a msgpack map");
			goto done;
		}
		dr = dispatch_frame(w, c, &msg);
		msgpack_zone_clear(&w->w_zone);
		if (dr == DISPATCH_WAIT)
			goto held;
		evbuffer_drain(in, QC_FRAME_HDR + (size_t)len);
	}
	/* More may be buffered: come back after the others had a turn. */
	if (evbuffer_get_length(in) >= QC_FRAME_HDR)
		bufferevent_trigger(c->c_bev, EV_READ,
		    BEV_TRIG_DEFER_CALLBACKS);
held:
	conn_reading(c);
done:
	/* One read snapshot per burst of frames. */
	worker_rtxn_release(w);
}
